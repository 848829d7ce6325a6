//! The checksum database as this machine's go knows it: which database the user's `GOSUMDB`
//! names (and which module paths `GONOSUMDB`/`GOPRIVATE` keep out of it), and the part of it a
//! tree can carry for a set of module versions, read from where go keeps what it verified — the
//! lookup records and tiles in `GOMODCACHE/cache/download/sumdb/<name>/`, the signed tree head
//! in `GOPATH/pkg/sumdb/<name>/latest` — and checked natively before anything is carried.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::formats::module::ModuleVersion;
use crate::formats::sumdb::tlog::{RecordError, TlogError};
use crate::formats::sumdb::{self, Database, Expected, Lookup, SumdbError};
use crate::sources::bundle::{BundleError, ExtraFiles, Manifest, ManifestModule, SumdbPart};
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

/// The lookup records the module cache's database directory `cache` holds for `modules` (those
/// with a go.mod hash): each parsed, with its manifest entry; the private ones
/// (`GONOSUMDB`/`GOPRIVATE`) and the ones the cache lacks set apart.
struct CachedLookups<'m> {
    found: Vec<(ModuleVersion, Lookup, &'m ManifestModule)>,
    private: Vec<ModuleVersion>,
    missing: Vec<ModuleVersion>,
}

fn cached_lookups<'m>(
    cache: &Path,
    user: &UserSumdb,
    modules: impl IntoIterator<Item = &'m ManifestModule>,
) -> Result<CachedLookups<'m>, NotCarried> {
    let mut out = CachedLookups {
        found: Vec::new(),
        private: Vec::new(),
        missing: Vec::new(),
    };
    for m in modules {
        if m.gomod_h1.is_none() {
            continue;
        }
        let mv = m.module();
        if sumdb::matches_private(&user.private, &mv.path) {
            out.private.push(mv);
            continue;
        }
        let rel = sumdb::lookup_file(&mv).map_err(|e| NotCarried::Missing(e.to_string()))?;
        let Some(bytes) = read_small(&cache.join(&rel)) else {
            out.missing.push(mv);
            continue;
        };
        let lookup = Lookup::parse(&rel, &bytes).map_err(NotCarried::Bad)?;
        out.found.push((mv, lookup, m));
    }
    Ok(out)
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
    let db = carried_database(user)?;
    let name = &db.key.name;
    let cache = modcache.join("cache/download/sumdb").join(name);
    let latest_path = gopath.join("pkg/sumdb").join(name).join("latest");
    let latest = read_small(&latest_path).ok_or_else(|| {
        NotCarried::Missing(format!(
            "go has no signed tree head of `{name}` at `{}`",
            latest_path.display()
        ))
    })?;
    let CachedLookups {
        found,
        private,
        missing,
    } = cached_lookups(&cache, user, manifest.modules())?;
    let records: Vec<Expected> = found
        .into_iter()
        .map(|(mv, lookup, m)| Expected {
            module: mv,
            zip_h1: m.zip_h1.as_deref(),
            gomod_h1: m.gomod_h1.as_deref(),
            lookup: lookup.render_with(&latest),
        })
        .collect();
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

/// Collect, from the GOPROXY tree `dir` (a tree `unpack` or `mirror` made, or a bundle laid
/// out) and the part its manifest lists, the database part for every module version of
/// `manifest` that has a go.mod: the tree's records as they are (they carry its head), and the
/// tiles that prove them, each checked with the user's key and against `manifest`'s hashes. A
/// tree without the part, or without a record for one of the modules, is
/// [`NotCarried::Missing`]; a part that does not prove what it lists is [`NotCarried::Bad`].
pub(crate) fn collect_from_tree(
    dir: &Path,
    user: &UserSumdb,
    manifest: &Manifest,
) -> Result<Carried, NotCarried> {
    let db = carried_database(user)?;
    let name = &db.key.name;
    let manifest_path = dir.join(crate::sources::bundle::MANIFEST_FILE);
    let source = read_small(&manifest_path)
        .and_then(|b| {
            Manifest::parse(
                &manifest_path.display().to_string(),
                &String::from_utf8_lossy(&b),
            )
            .ok()
        })
        .and_then(|m| m.sumdb)
        .ok_or_else(|| {
            NotCarried::Missing(format!(
                "`{}` carries no checksum database part",
                dir.display()
            ))
        })?;
    if &source.name != name {
        return Err(NotCarried::Missing(format!(
            "the source carries the checksum database `{}`, but GOSUMDB names `{name}`",
            source.name
        )));
    }
    let latest_file = source.file("latest");
    let latest = read_small(&dir.join(&latest_file)).ok_or_else(|| {
        NotCarried::Bad(SumdbError::Missing {
            file: latest_file.clone(),
        })
    })?;
    let mut private = Vec::new();
    let mut missing = Vec::new();
    let mut records = Vec::new();
    for m in manifest.modules() {
        let mv = m.module();
        if m.gomod_h1.is_none() {
            continue;
        }
        if sumdb::matches_private(&user.private, &mv.path) {
            private.push(mv);
            continue;
        }
        if !source.records.contains(&mv) {
            missing.push(mv);
            continue;
        }
        let file =
            source.file(&sumdb::lookup_file(&mv).map_err(|e| NotCarried::Missing(e.to_string()))?);
        let lookup =
            read_small(&dir.join(&file)).ok_or(NotCarried::Bad(SumdbError::Missing { file }))?;
        records.push(Expected {
            module: mv,
            zip_h1: m.zip_h1.as_deref(),
            gomod_h1: m.gomod_h1.as_deref(),
            lookup,
        });
    }
    if let Some(first) = missing.first() {
        return Err(NotCarried::Missing(format!(
            "{} module version(s) have no record in the source's checksum database part (first: {first})",
            missing.len()
        )));
    }
    // Only the tiles the source lists are read: a tile it does not list is not its own.
    let mut read_tile = |t: &sumdb::tlog::Tile| {
        let path = t.path();
        if !source.tiles.contains(&path) {
            return None;
        }
        read_small(&dir.join(source.file(&path)))
    };
    let tiles = sumdb::check_set(&db.key, &latest, &records, "the manifest", &mut read_tile)
        .map_err(NotCarried::Bad)?;
    let part = SumdbPart {
        name: name.clone(),
        records: records.iter().map(|r| r.module.clone()).collect(),
        tiles,
    };
    let mut files = ExtraFiles::new();
    files.insert(part.file("supported"), Vec::new());
    files.insert(part.file("latest"), latest);
    for r in records {
        let rel = sumdb::lookup_file(&r.module).map_err(|e| NotCarried::Missing(e.to_string()))?;
        files.insert(part.file(&rel), r.lookup);
    }
    for t in &part.tiles {
        let file = part.file(t);
        let bytes = read_small(&dir.join(&file))
            .ok_or(NotCarried::Bad(SumdbError::Missing { file: file.clone() }))?;
        files.insert(file, bytes);
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

/// The tiles go reads, at start, to check the head it already trusts on this machine
/// (`GOPATH/pkg/sumdb/<name>/latest`: go re-reads the tiles of that head's own size, from its
/// module cache or else the network), cut from the wider tiles of the same places the part
/// carries in `tree`, and authenticated against that head. By tile path (below `sumdb/<name>/`);
/// empty when go trusts no head or they cannot all be made. A tree or module cache the part goes
/// into needs them when go has not used it with that head.
pub(crate) fn trusted_head_tiles(
    dir: &Path,
    key: &sumdb::note::VerifierKey,
    tree: &Path,
    part: &SumdbPart,
) -> Vec<(String, Vec<u8>)> {
    let Some(gopath) = user_gopath(dir) else {
        return Vec::new();
    };
    let Some(note) = read_small(&gopath.join("pkg/sumdb").join(&key.name).join("latest")) else {
        return Vec::new();
    };
    let Ok(trusted) = sumdb::open_tree("latest", &note, key) else {
        return Vec::new();
    };
    let indexes = sumdb::tlog::tree_hash_indexes(trusted.size);
    let Ok(needed) = sumdb::tlog::tiles_for(&trusted, &indexes) else {
        return Vec::new();
    };
    let carried: Vec<sumdb::tlog::Tile> = part
        .tiles
        .iter()
        .filter_map(|p| sumdb::parse_tile_path(p))
        .collect();
    let mut out: BTreeMap<sumdb::tlog::Tile, Vec<u8>> = BTreeMap::new();
    for tile in needed {
        let wider = carried
            .iter()
            .filter(|c| c.level == tile.level && c.n == tile.n && c.width >= tile.width)
            .max_by_key(|c| c.width);
        let Some(bytes) = wider.and_then(|c| {
            read_small(&tree.join(part.file(&c.path()))).filter(|b| b.len() == c.byte_len())
        }) else {
            return Vec::new();
        };
        out.insert(tile, bytes[..tile.byte_len()].to_vec());
    }
    // Authentic only if they hash to the trusted head.
    let mut read = |t: &sumdb::tlog::Tile| out.get(t).cloned();
    if sumdb::tlog::prove_extends(&trusted, &trusted, &mut read).is_err() {
        return Vec::new();
    }
    out.into_iter().map(|(t, b)| (t.path(), b)).collect()
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

/// The database part a mirror tree carries after a run: every record it held and every record
/// of the modules the run adds, all proved against one signed head (the newer of the tree's and
/// go's), with the tiles that prove them and the tiles that prove the tree's previous head
/// extends it.
#[derive(Debug, Clone)]
pub(crate) struct TreeUpdate {
    /// The whole part: old and new records, old and new tiles (a tile is never dropped: a reader
    /// that fetched a lookup with the previous head may still ask for it).
    pub part: SumdbPart,
    /// Every file of the part, by tree name (those already in the tree with these bytes too).
    pub files: ExtraFiles,
    /// Module versions the run adds without a record, because `GONOSUMDB`/`GOPRIVATE` matches.
    pub private: Vec<ModuleVersion>,
    /// Size of the head the part now carries.
    pub head: i64,
    /// Size of the head the tree carried before, if any.
    pub previous: Option<i64>,
    /// Records the run added.
    pub added: usize,
}

/// Where the records, tiles and signed head a mirror run adds come from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PartSource<'a> {
    /// What go verified on this machine: the module cache and GOPATH go uses.
    Go {
        modcache: &'a Path,
        gopath: &'a Path,
    },
    /// The part a GOPROXY tree carries (`--from`: a tree, or a bundle laid out).
    Tree(&'a Path),
}

impl PartSource<'_> {
    /// The directory of the database's lookups and tiles, and the file of its signed head.
    fn paths(&self, name: &str) -> (PathBuf, PathBuf) {
        match self {
            PartSource::Go { modcache, gopath } => (
                modcache.join("cache/download/sumdb").join(name),
                gopath.join("pkg/sumdb").join(name).join("latest"),
            ),
            PartSource::Tree(dir) => {
                let db = dir.join(sumdb::root(name));
                let latest = db.join("latest");
                (db, latest)
            }
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            PartSource::Go { .. } => "the module cache",
            PartSource::Tree(_) => "the source (--from)",
        }
    }

    /// Why records are missing and what to run to get them, after the list of modules.
    fn fetch_hint(&self, modules: &str) -> String {
        match self {
            PartSource::Go { .. } => format!(
                ": go took them from go.sum without asking the database; run `go mod download -json {modules}` outside any module with GOFLAGS=-mod=mod to have go look them up, and mirror again"
            ),
            PartSource::Tree(_) => String::new(),
        }
    }
}

/// The database part a mirror tree at `tree` (whose manifest is `have`, `None` for a new tree)
/// carries once `run`'s modules are added: the newer of the source's signed head (go's on this
/// machine, or a bundle's) and the tree's, every record re-proved against it with tiles from the
/// tree and the source (a partial tile is made from a wider one of the same place, as go does),
/// and the proof that the tree's previous head extends it. A head that does not extend the
/// tree's (a fork), a record or tile that disagrees, is [`NotCarried::Bad`]; data the source
/// lacks is [`NotCarried::Missing`], and then the tree's part must stay as it is.
pub(crate) fn update_tree_part(
    source: PartSource<'_>,
    user: &UserSumdb,
    tree: &Path,
    have: Option<&Manifest>,
    run: &Manifest,
) -> Result<TreeUpdate, NotCarried> {
    let db = carried_database(user)?;
    let key = &db.key;
    let name = &key.name;
    let from = source.describe();
    let old_part = have.and_then(|m| m.sumdb.as_ref());
    if let Some(old) = old_part
        && &old.name != name
    {
        return Err(NotCarried::Missing(format!(
            "the tree carries the checksum database `{}`, but GOSUMDB names `{name}`",
            old.name
        )));
    }
    let part_of = |rest: &str| format!("{}/{rest}", sumdb::root(name));
    let (cache, latest_path) = source.paths(name);
    let cache_head = read_small(&latest_path).ok_or_else(|| {
        NotCarried::Missing(format!(
            "there is no signed tree head of `{name}` at `{}`",
            latest_path.display()
        ))
    })?;
    let cache_tree = sumdb::open_tree(&latest_path.display().to_string(), &cache_head, key)
        .map_err(NotCarried::Bad)?;
    let old_head = match old_part {
        Some(_) => {
            let file = part_of("latest");
            let bytes = read_small(&tree.join(&file))
                .ok_or_else(|| NotCarried::Bad(SumdbError::Missing { file: file.clone() }))?;
            let t = sumdb::open_tree(&file, &bytes, key).map_err(NotCarried::Bad)?;
            Some((bytes, t))
        }
        None => None,
    };

    // The records: the tree's (their text from its lookups) and the run's new ones (from the
    // module cache), each with the hashes of its manifest.
    let mut lookups: Vec<(ModuleVersion, Lookup, Option<&str>, Option<&str>)> = Vec::new();
    if let (Some(old), Some(have)) = (old_part, have) {
        for mv in &old.records {
            let file =
                part_of(&sumdb::lookup_file(mv).map_err(|e| NotCarried::Missing(e.to_string()))?);
            let bytes = read_small(&tree.join(&file))
                .ok_or_else(|| NotCarried::Bad(SumdbError::Missing { file: file.clone() }))?;
            let lookup = Lookup::parse(&file, &bytes).map_err(NotCarried::Bad)?;
            let m = have
                .get(mv)
                .ok_or(NotCarried::Bad(SumdbError::Record { file }))?;
            lookups.push((
                mv.clone(),
                lookup,
                m.zip_h1.as_deref(),
                m.gomod_h1.as_deref(),
            ));
        }
    }
    let new_modules = run
        .modules()
        .into_iter()
        .filter(|m| !old_part.is_some_and(|p| p.records.contains(&m.module())));
    let CachedLookups {
        found,
        private,
        missing,
    } = cached_lookups(&cache, user, new_modules)?;
    let added = found.len();
    for (mv, lookup, m) in found {
        lookups.push((mv, lookup, m.zip_h1.as_deref(), m.gomod_h1.as_deref()));
    }
    if !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(5).map(ToString::to_string).collect();
        return Err(NotCarried::Missing(format!(
            "{} module version(s) have no lookup record of `{name}` in {from} ({}{}){}",
            missing.len(),
            shown.join(", "),
            if missing.len() > shown.len() {
                ", …"
            } else {
                ""
            },
            source.fetch_hint(&shown.join(" ")),
        )));
    }

    // The head: the newer of go's and the tree's. Tiles are read from the side that head came
    // from first.
    let (head_bytes, head, prefer_cache) = match &old_head {
        Some((bytes, t)) if t.size > cache_tree.size => (bytes.clone(), *t, false),
        _ => (cache_head.clone(), cache_tree, true),
    };
    let old_tiles: BTreeSet<String> = old_part.map(|p| p.tiles.clone()).unwrap_or_default();
    let tiles = TileSource {
        cache: &cache,
        tree,
        root: sumdb::root(name),
        old_tiles: &old_tiles,
        prefer_cache,
    };
    let mut used: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let missing_tile = |file: &str, reason: TlogError| {
        let hint = match source {
            PartSource::Go { .. } => {
                "; run `go mod download -json <module>@<version>` of the tree's modules outside any module with GOFLAGS=-mod=mod, so that go fetches the tiles, and mirror again"
            }
            PartSource::Tree(_) => "",
        };
        NotCarried::Missing(format!(
            "{from} cannot prove `{file}` against the tree head of size {} it would carry: {reason}{hint}",
            head.size
        ))
    };
    // The tree's previous head must be a prefix of the new one: a reader that trusted it moves
    // on to the new head with these tiles (go's `checkTrees`), and a fork is refused.
    if let Some((_, old)) = &old_head
        && old != &head
    {
        let mut read = |t: &sumdb::tlog::Tile| tiles.read(t, &mut used);
        match sumdb::tlog::prove_extends(old, &head, &mut read) {
            Ok(()) => {}
            Err(RecordError::Tlog(
                source @ (TlogError::MissingTile(_) | TlogError::NotInTree { .. }),
            )) => return Err(missing_tile(&part_of("latest"), source)),
            Err(source) => {
                return Err(NotCarried::Bad(SumdbError::Proof {
                    file: part_of("latest"),
                    source,
                }));
            }
        }
    }
    let records: Vec<Expected<'_>> = lookups
        .iter()
        .map(|(mv, lookup, zip_h1, gomod_h1)| Expected {
            module: mv.clone(),
            zip_h1: *zip_h1,
            gomod_h1: *gomod_h1,
            lookup: lookup.render_with(&head_bytes),
        })
        .collect();
    let mut read = |t: &sumdb::tlog::Tile| tiles.read(t, &mut used);
    match sumdb::check_set(key, &head_bytes, &records, "the manifest", &mut read) {
        Ok(_) => {}
        Err(SumdbError::Proof {
            file,
            source:
                RecordError::Tlog(source @ (TlogError::MissingTile(_) | TlogError::NotInTree { .. })),
        }) => return Err(missing_tile(&file, source)),
        Err(e) => return Err(NotCarried::Bad(e)),
    }
    // A tile never changes: one the tree holds under the same name must be these bytes.
    for (path, bytes) in &used {
        if old_tiles.contains(path)
            && let Some(theirs) = read_small(&tree.join(part_of(path)))
            && &theirs != bytes
        {
            return Err(NotCarried::Bad(SumdbError::Hash {
                file: part_of(path),
                message: format!(
                    "differs from the tile of the same name in {from}, which its head proves (a tile never changes): the tree or {from} was changed"
                ),
            }));
        }
    }
    let part = SumdbPart {
        name: name.clone(),
        records: records.iter().map(|r| r.module.clone()).collect(),
        tiles: old_tiles
            .iter()
            .cloned()
            .chain(used.keys().cloned())
            .collect(),
    };
    let mut files = ExtraFiles::new();
    files.insert(part.file("supported"), Vec::new());
    files.insert(part.file("latest"), head_bytes.clone());
    for r in records {
        let rel = sumdb::lookup_file(&r.module).map_err(|e| NotCarried::Missing(e.to_string()))?;
        files.insert(part.file(&rel), r.lookup);
    }
    for t in &old_tiles {
        if !used.contains_key(t) {
            let bytes = read_small(&tree.join(part.file(t)))
                .ok_or_else(|| NotCarried::Bad(SumdbError::Missing { file: part.file(t) }))?;
            files.insert(part.file(t), bytes);
        }
    }
    for (t, bytes) in used {
        files.insert(part.file(&t), bytes);
    }
    Ok(TreeUpdate {
        part,
        files,
        private,
        head: head.size,
        previous: old_head.map(|(_, t)| t.size),
        added,
    })
}

/// The database `user`'s GOSUMDB names, if a GOPROXY tree can carry it.
fn carried_database(user: &UserSumdb) -> Result<&Database, NotCarried> {
    let Some(db) = &user.database else {
        return Err(NotCarried::Missing("GOSUMDB is off".into()));
    };
    if db.direct_url.is_some() {
        return Err(NotCarried::Missing(format!(
            "GOSUMDB `{}` names a URL of its own, so go would never ask a GOPROXY tree for the database",
            user.gosumdb
        )));
    }
    if !crate::sources::bundle::is_safe_sumdb_name(&db.key.name) {
        return Err(NotCarried::Missing(format!(
            "the database name `{}` cannot name a directory of a tree",
            db.key.name
        )));
    }
    Ok(db)
}

/// Tiles from a mirror tree (only those its manifest lists) and the module cache, the side the
/// head came from first. A tile neither holds is made from a wider one of the same place: a
/// partial tile is the prefix of every later version of it, and whatever is read is
/// authenticated against the signed head before it is used.
struct TileSource<'a> {
    cache: &'a Path,
    tree: &'a Path,
    /// `sumdb/<name>`, the tree's directory of the database.
    root: String,
    old_tiles: &'a BTreeSet<String>,
    prefer_cache: bool,
}

impl TileSource<'_> {
    /// The tile's bytes (recorded in `used` by its path), `None` when no side can make it.
    fn read(&self, t: &sumdb::tlog::Tile, used: &mut BTreeMap<String, Vec<u8>>) -> Option<Vec<u8>> {
        let path = t.path();
        if let Some(b) = used.get(&path) {
            return Some(b.clone());
        }
        let bytes = self.exact(&path, t.byte_len()).or_else(|| self.wider(t))?;
        used.insert(path, bytes.clone());
        Some(bytes)
    }

    fn in_cache(&self, path: &str) -> Option<Vec<u8>> {
        read_small(&self.cache.join(path))
    }

    fn in_tree(&self, path: &str) -> Option<Vec<u8>> {
        if !self.old_tiles.contains(path) {
            return None;
        }
        read_small(&self.tree.join(&self.root).join(path))
    }

    /// The tile under its own name, of the right size.
    fn exact(&self, path: &str, len: usize) -> Option<Vec<u8>> {
        let (first, second) = if self.prefer_cache {
            (self.in_cache(path), self.in_tree(path))
        } else {
            (self.in_tree(path), self.in_cache(path))
        };
        [first, second]
            .into_iter()
            .flatten()
            .find(|b| b.len() == len)
    }

    /// The prefix of a wider tile of the same place (the full one first, then the widest
    /// partial), from either side.
    fn wider(&self, t: &sumdb::tlog::Tile) -> Option<Vec<u8>> {
        let full = t.full();
        let mut candidates = vec![full];
        let partial_dir = format!("{}.p", full.path());
        let mut widths: BTreeSet<u32> = BTreeSet::new();
        if let Ok(entries) = std::fs::read_dir(self.cache.join(&partial_dir)) {
            for e in entries.flatten() {
                if let Some(w) = e.file_name().to_str().and_then(|s| s.parse().ok()) {
                    widths.insert(w);
                }
            }
        }
        for p in self.old_tiles {
            if let Some(rest) = p.strip_prefix(&format!("{partial_dir}/"))
                && let Ok(w) = rest.parse()
            {
                widths.insert(w);
            }
        }
        candidates.extend(
            widths
                .into_iter()
                .rev()
                .filter(|&w| w > t.width && w < full.width)
                .map(|w| sumdb::tlog::Tile { width: w, ..full }),
        );
        candidates.into_iter().find_map(|c| {
            let bytes = self.exact(&c.path(), c.byte_len())?;
            Some(bytes[..t.byte_len()].to_vec())
        })
    }
}

/// Whether go on this machine can start, offline, with a tree's verified database part as its
/// proxy's (proxy mode's tree, for `env`/`exec`). go first re-reads the tiles of the head it
/// already trusts (`GOPATH/pkg/sumdb/<name>/latest`) from its module cache, else the proxy, and
/// proves the tree's head extends that one. The tiles of that head's own size the tree does not
/// serve are cut from the carried ones, authenticated against that head, and written where go
/// keeps the tiles it verified (`GOMODCACHE/cache/download/sumdb/<name>/tile/…`), as go would
/// have written them had it fetched them; those bytes are what any copy of that database holds.
/// `Ok(n)`: go can start (`n` tiles were written); `Err(why)`: it would need the network, or
/// the tree's head does not extend the one go trusts, and the tree is used with GOSUMDB off.
pub(crate) fn ready_for_go(
    dir: &Path,
    key: &sumdb::note::VerifierKey,
    tree: &Path,
    part: &SumdbPart,
) -> Result<usize, String> {
    match check_previous_head(dir, key, tree, tree, part) {
        Ok(None) => {}
        Ok(Some(why)) => return Err(why),
        Err(e) => return Err(e.to_string()),
    }
    let Some(gopath) = user_gopath(dir) else {
        return Ok(0);
    };
    let trusted_latest = gopath.join("pkg/sumdb").join(&key.name).join("latest");
    let Some(trusted) = read_small(&trusted_latest) else {
        return Ok(0);
    };
    if sumdb::open_tree("latest", &trusted, key).is_err() {
        // go cannot use its own record either: not the tree's problem.
        return Ok(0);
    }
    let tiles = trusted_head_tiles(dir, key, tree, part);
    if tiles.is_empty() {
        return Err(format!(
            "go re-reads, at start, the tiles of the tree head it already trusts (`{}`), and they cannot be made from the ones the tree carries",
            trusted_latest.display()
        ));
    }
    let Some(modcache) = user_modcache(dir) else {
        return Err("go's module cache (GOMODCACHE) is unknown, so the tiles of the tree head go already trusts cannot be put where go reads them".into());
    };
    let cache = modcache.join("cache/download/sumdb").join(&key.name);
    let mut written = 0;
    for (path, bytes) in tiles {
        if part.tiles.contains(&path) {
            continue;
        }
        let to = cache.join(&path);
        if read_small(&to).is_some() {
            // go's own copy, which it authenticates itself.
            continue;
        }
        let parent = to.parent().unwrap_or(&cache);
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
        crate::util::fsutil::write_atomic(&to, &bytes).map_err(|e| e.to_string())?;
        written += 1;
    }
    Ok(written)
}

/// The module cache go uses in `dir`: `go env GOMODCACHE`, else `GOMODCACHE`, else
/// `GOPATH/pkg/mod`.
fn user_modcache(dir: &Path) -> Option<PathBuf> {
    go_env_at(Some(dir))
        .map(|v| v.gomodcache)
        .filter(|m| !m.is_empty())
        .or_else(|| env::var("GOMODCACHE"))
        .map(PathBuf::from)
        .or_else(|| user_gopath(dir).map(|g| g.join("pkg/mod")))
}
