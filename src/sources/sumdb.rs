//! The checksum database as this machine's go knows it: which database the user's `GOSUMDB`
//! names (and which module paths `GONOSUMDB`/`GOPRIVATE` keep out of it), and the part of it a
//! tree can carry for a set of module versions, read from where go keeps what it verified — the
//! lookup records and tiles in `GOMODCACHE/cache/download/sumdb/<name>/`, the signed tree head
//! in `GOPATH/pkg/sumdb/<name>/latest` — and checked natively before anything is carried.

use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::formats::module::ModuleVersion;
use crate::formats::sumdb::tlog::{RecordError, TlogError};
use crate::formats::sumdb::{self, Database, Expected, Lookup, SumdbError};
use crate::sources::bundle::{BundleError, ExtraFiles, Manifest, SumdbPart};
use crate::sources::goenv::go_env_at;
use crate::util::env;

/// What the user's go settings say about the checksum database.
#[derive(Debug, Clone)]
pub(crate) struct UserSumdb {
    /// `GOSUMDB` as the user has it (`go env GOSUMDB`: go's default is `sum.golang.org`).
    pub gosumdb: String,
    /// The database it names; `None` for `off`.
    pub database: Option<Database>,
    /// `GONOSUMDB`, else `GOPRIVATE`: module path patterns go never looks up.
    pub private: String,
}

/// Read the user's `GOSUMDB`, `GONOSUMDB` and `GOPRIVATE` (from `go env` in `dir`, else the
/// environment).
pub(crate) fn user_sumdb(dir: &Path) -> Result<UserSumdb, SumdbError> {
    let (gosumdb, nosumdb, private) = match go_env_at(Some(dir)) {
        Some(v) => (v.gosumdb, v.gonosumdb, v.goprivate),
        None => (
            env::var("GOSUMDB").unwrap_or_default(),
            env::var("GONOSUMDB").unwrap_or_default(),
            env::var("GOPRIVATE").unwrap_or_default(),
        ),
    };
    let gosumdb = if gosumdb.trim().is_empty() {
        "sum.golang.org".to_string()
    } else {
        gosumdb
    };
    Ok(UserSumdb {
        database: sumdb::database(&gosumdb)?,
        gosumdb,
        private: if nosumdb.is_empty() { private } else { nosumdb },
    })
}

/// The database part a tree carries for the modules of a manifest.
#[derive(Debug, Clone)]
pub(crate) struct Carried {
    pub part: SumdbPart,
    pub files: ExtraFiles,
    /// Module versions left out because `GONOSUMDB`/`GOPRIVATE` matches them.
    pub private: Vec<ModuleVersion>,
}

/// Why no database part is carried.
#[derive(Debug)]
pub(crate) enum NotCarried {
    /// The data is not on this machine (what to do is in the message): the tree goes without.
    Missing(String),
    /// The data is there and wrong: a hard error.
    Bad(SumdbError),
}

/// Collect, from the module cache at `modcache` and the GOPATH `gopath`, the database part for
/// every module version of `manifest` that has a go.mod (each record rewritten to carry the one
/// signed tree head, and checked against it and against the manifest's hashes).
pub(crate) fn collect_from_cache(
    modcache: &Path,
    gopath: &Path,
    user: &UserSumdb,
    manifest: &Manifest,
) -> Result<Carried, NotCarried> {
    let Some(db) = &user.database else {
        return Err(NotCarried::Missing("GOSUMDB is off".into()));
    };
    if db.direct_url.is_some() {
        return Err(NotCarried::Missing(format!(
            "GOSUMDB `{}` names a URL of its own, so go would never ask a GOPROXY tree for the database",
            user.gosumdb
        )));
    }
    let name = &db.key.name;
    if !crate::sources::bundle::is_safe_sumdb_name(name) {
        return Err(NotCarried::Missing(format!(
            "the database name `{name}` cannot name a directory of a tree"
        )));
    }
    let cache = modcache.join("cache/download/sumdb").join(name);
    let latest_path = gopath.join("pkg/sumdb").join(name).join("latest");
    let latest = read_small(&latest_path).ok_or_else(|| {
        NotCarried::Missing(format!(
            "go has no signed tree head of `{name}` at `{}`",
            latest_path.display()
        ))
    })?;
    let mut private = Vec::new();
    let mut missing = Vec::new();
    let mut records = Vec::new();
    for m in manifest.modules() {
        if m.gomod_h1.is_none() {
            continue;
        }
        let mv = m.module();
        if sumdb::matches_private(&user.private, &mv.path) {
            private.push(mv);
            continue;
        }
        let rel = sumdb::lookup_file(&mv).map_err(|e| NotCarried::Missing(e.to_string()))?;
        let Some(bytes) = read_small(&cache.join(&rel)) else {
            missing.push(mv);
            continue;
        };
        let lookup = Lookup::parse(&rel, &bytes).map_err(NotCarried::Bad)?;
        records.push(Expected {
            module: mv,
            zip_h1: m.zip_h1.as_deref(),
            gomod_h1: m.gomod_h1.as_deref(),
            lookup: lookup.render_with(&latest),
        });
    }
    if let Some(first) = missing.first() {
        return Err(NotCarried::Missing(format!(
            "{} module version(s) have no lookup record of `{name}` in the module cache (first: {first}): go took them from go.sum without asking the database",
            missing.len()
        )));
    }
    let mut read_tile = |t: &sumdb::tlog::Tile| read_small(&cache.join(t.path()));
    let tiles = match sumdb::check_set(&db.key, &latest, &records, "go.sum", &mut read_tile) {
        Ok(tiles) => tiles,
        Err(e @ SumdbError::Hash { .. }) => return Err(NotCarried::Bad(e)),
        // A tile go never fetched for this head: the data is not here, nothing is wrong.
        Err(SumdbError::Proof {
            file,
            source: RecordError::Tlog(source @ TlogError::MissingTile(_)),
        }) => {
            return Err(NotCarried::Missing(format!(
                "the module cache cannot prove `{file}` against go's latest tree head: {source}"
            )));
        }
        Err(e) => return Err(NotCarried::Bad(e)),
    };
    let part = SumdbPart {
        name: name.clone(),
        records: records.iter().map(|r| r.module.clone()).collect(),
        tiles: tiles.clone(),
    };
    let mut files = ExtraFiles::new();
    files.insert(part.file("supported"), Vec::new());
    files.insert(part.file("latest"), latest.clone());
    for r in records {
        let rel = sumdb::lookup_file(&r.module).map_err(|e| NotCarried::Missing(e.to_string()))?;
        files.insert(part.file(&rel), r.lookup);
    }
    for t in &tiles {
        let bytes = read_small(&cache.join(t)).ok_or_else(|| {
            NotCarried::Missing(format!("tile `{t}` vanished from the module cache"))
        })?;
        files.insert(part.file(t), bytes);
    }
    Ok(Carried {
        part,
        files,
        private,
    })
}

/// The GOPATH go uses in `dir` (its first entry): `go env GOPATH`, else `GOPATH`, else `~/go`.
pub(crate) fn user_gopath(dir: &Path) -> Option<PathBuf> {
    go_env_at(Some(dir))
        .map(|v| v.gopath)
        .or_else(|| env::var("GOPATH"))
        .and_then(|g| first_gopath(&g))
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join("go")))
}

/// The first entry of a `GOPATH` list.
pub(crate) fn first_gopath(gopath: &str) -> Option<PathBuf> {
    std::env::split_paths(gopath).find(|p| !p.as_os_str().is_empty())
}

/// A small file's bytes (at most 1 MiB), `None` when it is missing, unreadable or larger.
fn read_small(path: &Path) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    File::open(path)
        .ok()?
        .take((1 << 20) + 1)
        .read_to_end(&mut buf)
        .ok()?;
    (buf.len() <= 1 << 20).then_some(buf)
}

/// Check the head a tree carries against the one go already trusts on this machine
/// (`GOPATH/pkg/sumdb/<name>/latest`, go's own record of the newest head it has seen): go proves
/// that the newer of the two extends the older before it uses either, with tiles of the newer.
/// A head that does not extend the trusted one (a forked database) is refused, as go would
/// refuse it ("SECURITY ERROR"). `Some(why)` when the tree cannot prove it (the machine's head is
/// newer, or the tiles for its size are not carried): go would need the network, so the tree
/// is used with GOSUMDB off. `None`: go will accept it (or the machine trusts no head yet).
pub(crate) fn check_previous_head(
    dir: &Path,
    key: &sumdb::note::VerifierKey,
    bundle: &Path,
    tree: &Path,
    part: &SumdbPart,
) -> Result<Option<String>, BundleError> {
    let gopath = user_gopath(dir);
    let Some(previous_path) = gopath.map(|g| g.join("pkg/sumdb").join(&key.name).join("latest"))
    else {
        return Ok(None);
    };
    let Some(previous) = read_small(&previous_path) else {
        return Ok(None);
    };
    let Some(latest) = read_small(&tree.join(part.file("latest"))) else {
        return Ok(None);
    };
    let shown = previous_path.display();
    let previous_tree = match sumdb::open_tree(&shown.to_string(), &previous, key) {
        Ok(t) => t,
        // go cannot use its own record either: not the tree's problem.
        Err(_) => return Ok(None),
    };
    let carried = sumdb::open_tree("latest", &latest, key).map_err(|e| BundleError::Refused {
        bundle: bundle.to_path_buf(),
        problem: e.to_string(),
    })?;
    if previous_tree.size > carried.size {
        return Ok(Some(format!(
            "go on this machine already trusts a newer tree head (size {} in `{shown}`) than the bundle's (size {}), and would need that head's tiles from the network",
            previous_tree.size, carried.size
        )));
    }
    let mut read_tile = |t: &sumdb::tlog::Tile| {
        let path = t.path();
        if !part.tiles.contains(&path) {
            return None;
        }
        read_small(&tree.join(part.file(&path)))
    };
    match sumdb::tlog::prove_extends(&previous_tree, &carried, &mut read_tile) {
        Ok(()) => Ok(None),
        Err(RecordError::Fork { .. }) => Err(BundleError::Refused {
            bundle: bundle.to_path_buf(),
            problem: format!(
                "SECURITY: its checksum database head (size {}) does not extend the head go already trusts on this machine (size {}, `{shown}`): the database it was packed from forked",
                carried.size, previous_tree.size
            ),
        }),
        Err(e) => Ok(Some(format!(
            "it cannot prove that its tree head extends the one go already trusts on this machine (`{shown}`): {e}"
        ))),
    }
}
