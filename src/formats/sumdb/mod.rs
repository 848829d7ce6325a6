//! The go checksum database (sum.golang.org, or any database named by `GOSUMDB`), read natively so
//! that a GOPROXY tree can carry a verified part of it: the signed tree head (`latest`), one
//! lookup record per module version and the tiles that prove each record against that head.
//!
//! The files, as a proxy serves them and the go command asks for them
//! (`<proxy>/sumdb/<name>/…`): `supported` (empty: "this proxy serves the database"), `latest`
//! (a signed note `go.sum database tree\n<size>\n<base64 root>\n`), `lookup/<escaped
//! path>@<escaped version>` (`<record id>\n<record text>\n<signed note>`) and
//! `tile/8/<level>/<NNN>[.p/<width>]` (the log's hashes, see [`tlog`]).
//!
//! [`check_set`] is the one check everything carried goes through: the head's signature by the
//! database's key, each record's place in the signed tree, each record's text against the hashes
//! it must vouch for. Every lookup a tree carries holds the tree's own head as its note, so the
//! go command proves each record against that one head, with the tiles carried for it.

pub mod note;
pub mod tlog;

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::formats::module::{self, ModuleVersion};
use note::{NoteError, VerifierKey};
use tlog::{RecordError, Tile, Tree};

/// The verifier key of sum.golang.org, the go command's default (`knownGOSUMDB` in
/// `cmd/go/internal/modfetch/key.go`).
pub const DEFAULT_KEY: &str =
    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";

const TREE_PREFIX: &str = "go.sum database tree\n";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SumdbError {
    #[error("invalid GOSUMDB `{value}`: {why}")]
    Gosumdb { value: String, why: String },
    #[error("`{file}`: {source}")]
    Note {
        file: String,
        #[source]
        source: NoteError,
    },
    #[error("`{file}`: not a go.sum database tree head")]
    Tree { file: String },
    #[error("`{file}`: malformed lookup record")]
    Record { file: String },
    #[error("`{file}`: {source}")]
    Proof {
        file: String,
        #[source]
        source: RecordError,
    },
    /// The record vouches for other hashes than the tree holds: `message` says which.
    #[error("`{file}`: {message}")]
    Hash { file: String, message: String },
    #[error("`{file}`: its tree head is not the tree's `latest`")]
    Head { file: String },
    /// A file the part lists is not there.
    #[error("`{file}` is missing")]
    Missing { file: String },
}

/// What `GOSUMDB` names: the database's key, and whether it names a URL of its own (then the go
/// command goes there directly and never asks a GOPROXY for the database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Database {
    pub key: VerifierKey,
    pub direct_url: Option<String>,
}

/// Read `GOSUMDB` as the go command does; `None` for `off`. An empty value is go's default,
/// sum.golang.org.
pub fn database(gosumdb: &str) -> Result<Option<Database>, SumdbError> {
    let bad = |why: &str| SumdbError::Gosumdb {
        value: gosumdb.to_string(),
        why: why.to_string(),
    };
    let value = match gosumdb.trim() {
        "" => "sum.golang.org",
        "off" => return Ok(None),
        "sum.golang.google.cn" => "sum.golang.org https://sum.golang.google.cn",
        v => v,
    };
    let fields: Vec<&str> = value.split_whitespace().collect();
    if fields.len() > 2 {
        return Err(bad("too many fields"));
    }
    let key = if fields[0] == "sum.golang.org" {
        DEFAULT_KEY
    } else {
        fields[0]
    };
    let key = VerifierKey::parse(key).map_err(|e| bad(&e.to_string()))?;
    if key.name.ends_with('/') || key.name.contains(['?', '#', '@', ':', '\\']) {
        return Err(bad("the database name must be host[/path]"));
    }
    Ok(Some(Database {
        key,
        direct_url: fields.get(1).map(|s| (*s).to_string()),
    }))
}

/// `sumdb/<name>`: where a GOPROXY tree serves the database.
pub fn root(name: &str) -> String {
    format!("sumdb/{name}")
}

/// `lookup/<escaped path>@<escaped version>`, below [`root`].
pub fn lookup_file(mv: &ModuleVersion) -> Result<String, module::ModuleError> {
    let (path, version) = mv.escaped()?;
    Ok(format!("lookup/{path}@{version}"))
}

/// Parse a signed tree head note's text.
pub fn parse_tree(text: &str) -> Option<Tree> {
    let rest = text.strip_prefix(TREE_PREFIX)?;
    let mut lines = rest.splitn(3, '\n');
    let size = lines.next()?;
    let hash = lines.next()?;
    lines.next()?;
    let n: i64 = size.parse().ok()?;
    if n < 0 || n.to_string() != size || text.len() > 1_000_000 {
        return None;
    }
    let hash: [u8; 32] = STANDARD.decode(hash).ok()?.try_into().ok()?;
    Some(Tree { size: n, hash })
}

/// The text of a tree head note (before signing).
pub fn tree_text(tree: &Tree) -> String {
    format!(
        "{TREE_PREFIX}{}\n{}\n",
        tree.size,
        STANDARD.encode(tree.hash)
    )
}

/// Open a signed tree head (`latest`, or the note of a lookup) with the database's key.
pub fn open_tree(file: &str, msg: &[u8], key: &VerifierKey) -> Result<Tree, SumdbError> {
    let note = note::open(msg, key).map_err(|source| SumdbError::Note {
        file: file.to_string(),
        source,
    })?;
    parse_tree(&note.text).ok_or_else(|| SumdbError::Tree {
        file: file.to_string(),
    })
}

/// A lookup response: the record's id, its text (go.sum lines), and the signed note after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    pub id: i64,
    pub text: String,
    pub note: Vec<u8>,
}

impl Lookup {
    pub fn parse(file: &str, msg: &[u8]) -> Result<Lookup, SumdbError> {
        let bad = || SumdbError::Record {
            file: file.to_string(),
        };
        let nl = msg.iter().position(|&b| b == b'\n').ok_or_else(bad)?;
        let id_text = std::str::from_utf8(&msg[..nl]).map_err(|_| bad())?;
        let id: i64 = id_text.parse().map_err(|_| bad())?;
        if id < 0 || id.to_string() != id_text {
            return Err(bad());
        }
        let rest = &msg[nl + 1..];
        let end = rest.windows(2).position(|w| w == b"\n\n").ok_or_else(bad)?;
        let text = std::str::from_utf8(&rest[..=end]).map_err(|_| bad())?;
        if text.chars().any(|c| c < ' ' && c != '\n') {
            return Err(bad());
        }
        Ok(Lookup {
            id,
            text: text.to_string(),
            note: rest[end + 2..].to_vec(),
        })
    }

    /// The response with `note` (the carried tree's signed head) in place of the one it came
    /// with: the record is proved against that head.
    pub fn render_with(&self, note: &[u8]) -> Vec<u8> {
        let mut out = format!("{}\n{}\n", self.id, self.text).into_bytes();
        out.extend_from_slice(note);
        out
    }

    /// The `h1:` the record gives for `mv`'s zip (`go_mod` false) or go.mod.
    pub fn hash_of(&self, mv: &ModuleVersion, go_mod: bool) -> Option<&str> {
        let version = if go_mod {
            format!("{}/go.mod", mv.version)
        } else {
            mv.version.clone()
        };
        self.text.lines().find_map(|line| {
            let mut f = line.split(' ');
            (f.next() == Some(&mv.path) && f.next() == Some(&version))
                .then(|| f.next())
                .flatten()
        })
    }
}

/// One module version a tree carries a record for, with the hashes the record must give.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    pub module: ModuleVersion,
    pub zip_h1: Option<&'a str>,
    pub gomod_h1: Option<&'a str>,
    /// The record as carried.
    pub lookup: Vec<u8>,
}

/// Check a carried part of a database: `latest` is signed by `key`; every record's note is that
/// same head; every record is in the signed tree (through tiles from `read`, each named by its
/// path below [`root`]); every record gives the expected hashes (`reference` names where they
/// come from in errors). Returns the tiles read, by path.
pub fn check_set(
    key: &VerifierKey,
    latest: &[u8],
    records: &[Expected<'_>],
    reference: &str,
    read: &mut dyn FnMut(&Tile) -> Option<Vec<u8>>,
) -> Result<BTreeSet<String>, SumdbError> {
    let root = root(&key.name);
    let latest_file = format!("{root}/latest");
    let tree = open_tree(&latest_file, latest, key)?;
    let mut used = BTreeSet::new();
    let mut recording = |t: &Tile| {
        let got = read(t);
        if got.is_some() {
            used.insert(t.path());
        } else if !t.is_full()
            && let Some(full) = read(&t.full())
        {
            used.insert(t.full().path());
            return Some(full);
        }
        got
    };
    for r in records {
        let file = format!(
            "{root}/{}",
            lookup_file(&r.module).map_err(|_| SumdbError::Record {
                file: r.module.to_string()
            })?
        );
        let lookup = Lookup::parse(&file, &r.lookup)?;
        if lookup.note != latest {
            return Err(SumdbError::Head { file });
        }
        tlog::prove_record(&tree, lookup.id, lookup.text.as_bytes(), &mut recording).map_err(
            |source| SumdbError::Proof {
                file: file.clone(),
                source,
            },
        )?;
        for (go_mod, ours) in [(false, r.zip_h1), (true, r.gomod_h1)] {
            let Some(ours) = ours else { continue };
            let database = lookup.hash_of(&r.module, go_mod);
            if database != Some(ours) {
                return Err(SumdbError::Hash {
                    file: file.clone(),
                    message: format!(
                        "the database says `{}` {} is {}, but {reference} says {ours}",
                        r.module,
                        if go_mod { "go.mod" } else { "zip" },
                        database.unwrap_or("(no line)"),
                    ),
                });
            }
        }
    }
    Ok(used)
}

/// Check that the head `newer` extends `older` (both signed by `key`), with tiles from `read`
/// authenticated against `newer`.
pub fn check_extends(
    key: &VerifierKey,
    older: &[u8],
    newer: &[u8],
    read: &mut dyn FnMut(&Tile) -> Option<Vec<u8>>,
) -> Result<(), SumdbError> {
    let root = root(&key.name);
    let file = format!("{root}/latest");
    let old = open_tree(&format!("{file} (the tree's previous head)"), older, key)?;
    let new = open_tree(&file, newer, key)?;
    tlog::prove_extends(&old, &new, read).map_err(|source| SumdbError::Proof { file, source })
}

/// Whether a comma-separated list of glob patterns (`GONOSUMDB`, `GOPRIVATE`) matches a prefix
/// of the module path `path`, as go's `module.MatchPrefixPatterns` decides: each pattern is
/// matched against the path's first as many elements as the pattern has.
pub fn matches_private(patterns: &str, path: &str) -> bool {
    patterns
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .any(|pattern| {
            let elements = pattern.split('/').count();
            let prefix: Vec<&str> = path.split('/').take(elements).collect();
            path.split('/').count() >= elements
                && glob(pattern.as_bytes(), prefix.join("/").as_bytes())
        })
}

/// `path.Match`: `*` is any run of non-`/` bytes, `?` one non-`/` byte, `[…]` a class (`^`
/// negates, `a-z` ranges), `\` escapes.
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len())
            .take_while(|&i| i == 0 || name[i - 1] != b'/')
            .any(|i| glob(rest, &name[i..])),
        Some((b'?', rest)) => {
            matches!(name.split_first(), Some((c, tail)) if *c != b'/' && glob(rest, tail))
        }
        Some((b'[', rest)) => {
            let Some((c, tail)) = name.split_first() else {
                return false;
            };
            let Some(end) = rest.iter().skip(1).position(|&b| b == b']').map(|i| i + 1) else {
                return false;
            };
            let (class, after) = (&rest[..end], &rest[end + 1..]);
            let (negate, class) = match class.split_first() {
                Some((b'^', c)) => (true, c),
                _ => (false, class),
            };
            let mut hit = false;
            let mut i = 0;
            while i < class.len() {
                if i + 2 < class.len() && class[i + 1] == b'-' {
                    hit |= (class[i]..=class[i + 2]).contains(c);
                    i += 3;
                } else {
                    hit |= class[i] == *c;
                    i += 1;
                }
            }
            hit != negate && *c != b'/' && glob(after, tail)
        }
        Some((b'\\', rest)) if !rest.is_empty() => {
            name.first() == Some(&rest[0]) && glob(&rest[1..], &name[1..])
        }
        Some((p, rest)) => name.first() == Some(p) && glob(rest, &name[1..]),
    }
}

/// Parse a tile path below [`root`] (`tile/8/L/NNN[.p/W]`), as [`Tile::path`] writes it.
pub fn parse_tile_path(path: &str) -> Option<Tile> {
    let rest = path.strip_prefix("tile/")?;
    let (height, rest) = rest.split_once('/')?;
    let (level, rest) = rest.split_once('/')?;
    let (digits, width) = match rest.split_once(".p/") {
        Some((d, w)) => (d, Some(w)),
        None => (rest, None),
    };
    let height: u32 = height.parse().ok()?;
    let level: u32 = level.parse().ok()?;
    let mut n: i64 = 0;
    let parts: Vec<&str> = digits.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let d = if last { *part } else { part.strip_prefix('x')? };
        if d.len() != 3 || !d.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        n = n.checked_mul(1000)?.checked_add(d.parse().ok()?)?;
    }
    let full = 1u32.checked_shl(height)?;
    let width = match width {
        Some(w) => w.parse().ok().filter(|&w: &u32| w >= 1 && w < full)?,
        None => full,
    };
    let tile = Tile {
        height,
        level,
        n,
        width,
    };
    (height == tlog::TILE_HEIGHT && level < 8 && tile.path() == path).then_some(tile)
}

#[cfg(test)]
mod tests {
    use super::*;
    use note::NoteSigner;
    use tlog::LogBuilder;

    #[test]
    fn gosumdb_values_read_as_go_reads_them() {
        assert_eq!(database("off").unwrap(), None);
        let d = database("").unwrap().unwrap();
        assert_eq!(d.key.as_str(), DEFAULT_KEY);
        assert_eq!(d.direct_url, None);
        let cn = database("sum.golang.google.cn").unwrap().unwrap();
        assert_eq!(cn.key.name, "sum.golang.org");
        assert_eq!(
            cn.direct_url.as_deref(),
            Some("https://sum.golang.google.cn")
        );
        let s = NoteSigner::from_seed("db.example/x", [1; 32]);
        let d = database(&s.verifier_key()).unwrap().unwrap();
        assert_eq!(d.key.name, "db.example/x");
        assert!(database("db.example").is_err(), "a name without a key");
        assert!(database("a b c").is_err());
    }

    #[test]
    fn private_patterns_match_path_prefixes() {
        let cases = [
            ("*.corp.example", "git.corp.example/a/b", true),
            ("*.corp.example", "corp.example/a", false),
            ("github.com/acme", "github.com/acme/x/v2", true),
            ("github.com/acme", "github.com/acmex/x", false),
            ("github.com/a*", "github.com/acme/x", true),
            ("example.com/*/x", "example.com/a/x/y", true),
            ("example.com/*/x", "example.com/a", false),
            (" , example.com/[a-c]b", "example.com/bb/c", true),
            ("example.com/[^a]b", "example.com/ab", false),
            ("", "example.com", false),
        ];
        for (patterns, path, want) in cases {
            assert_eq!(matches_private(patterns, path), want, "{patterns} {path}");
        }
    }

    #[test]
    fn tile_paths_parse_back() {
        for p in [
            "tile/8/0/000",
            "tile/8/1/x001/x234/067",
            "tile/8/0/005.p/17",
        ] {
            assert_eq!(parse_tile_path(p).unwrap().path(), p);
        }
        for p in [
            "tile/8/0/0",
            "tile/8/0/x000",
            "tile/8/0/000.p/256",
            "tile/8/0/000.p/0",
            "tile/8/data/000",
            "tile/4/0/000",
            "tile/8/0/../000",
        ] {
            assert_eq!(parse_tile_path(p), None, "{p}");
        }
    }

    #[test]
    fn a_carried_set_checks_and_its_faults_are_named() {
        let s = NoteSigner::from_seed("db.example", [3; 32]);
        let key = VerifierKey::parse(&s.verifier_key()).unwrap();
        let mut log = LogBuilder::new();
        let mv = ModuleVersion {
            path: "example.com/a".into(),
            version: "v1.0.0".into(),
        };
        let text = "example.com/a v1.0.0 h1:zip=\nexample.com/a v1.0.0/go.mod h1:mod=\n";
        for i in 0..300 {
            log.push(format!("filler {i}\n").as_bytes());
        }
        let id = log.push(text.as_bytes());
        let latest = s.sign(&tree_text(&log.tree())).into_bytes();
        let lookup = Lookup {
            id,
            text: text.into(),
            note: Vec::new(),
        }
        .render_with(&latest);
        let expected = |lookup: &[u8], zip: &'static str| Expected {
            module: mv.clone(),
            zip_h1: Some(zip),
            gomod_h1: Some("h1:mod="),
            lookup: lookup.to_vec(),
        };
        let mut read = |t: &Tile| log.tile_data(t);
        let used = check_set(
            &key,
            &latest,
            &[expected(&lookup, "h1:zip=")],
            "go.sum",
            &mut read,
        )
        .unwrap();
        assert!(used.contains("tile/8/0/001.p/45"), "{used:?}");
        let err = check_set(
            &key,
            &latest,
            &[expected(&lookup, "h1:other=")],
            "go.sum",
            &mut read,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("but go.sum says h1:other="),
            "{err}"
        );
        let forged = String::from_utf8(lookup.clone())
            .unwrap()
            .replace("h1:zip=", "h1:zap=");
        let err = check_set(
            &key,
            &latest,
            &[expected(forged.as_bytes(), "h1:zap=")],
            "go.sum",
            &mut read,
        )
        .unwrap_err();
        assert!(matches!(err, SumdbError::Proof { .. }), "{err}");
    }
}
