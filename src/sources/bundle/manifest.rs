//! The manifest, `gomodoff-manifest.toml`: the main modules a tree was made for and every module
//! version in it with its hashes, read strictly (an untrusted bundle's manifest is checked field by
//! field) and written reproducibly.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use toml_edit::{Array, DocumentMut, Item, Table, value};

use crate::formats::module::{self, ModuleVersion};
use crate::formats::modzip;
use crate::formats::sumdb;
use crate::formats::tomltext;

use super::{
    BundleError, FORMAT, MANIFEST_FILE, MAX_INFO, MAX_LIST, list_file, module_file, version_order,
};

/// One module version in a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestModule {
    pub path: String,
    pub version: String,
    /// `h1:` of the module zip; `None` when the tree holds only its go.mod.
    pub zip_h1: Option<String>,
    /// `h1:` of the `.mod` file (go.sum's `/go.mod` line); `None` for a module the go command
    /// only reads the `.info` of (then there is no zip either).
    pub gomod_h1: Option<String>,
    /// Whether the tree holds its `.info`.
    pub info: bool,
}

impl ManifestModule {
    pub fn module(&self) -> ModuleVersion {
        ModuleVersion {
            path: self.path.clone(),
            version: self.version.clone(),
        }
    }

    /// The go.sum lines this module version satisfies.
    pub fn gosum_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(h) = &self.zip_h1 {
            lines.push(format!("{} {} {h}", self.path, self.version));
        }
        if let Some(h) = &self.gomod_h1 {
            lines.push(format!("{} {}/go.mod {h}", self.path, self.version));
        }
        lines
    }
}

/// `gomodoff-manifest.toml`: the main modules a tree was made for and every module version in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// Module paths of the repositories packed or mirrored into the tree.
    pub repos: BTreeSet<String>,
    /// Whether one of them is a workspace (go.work): its modules build in workspace mode, so
    /// the tree holds the workspace's build list (written only when true).
    pub workspace: bool,
    pub(super) modules: BTreeMap<ModuleVersion, ManifestModule>,
    /// The part of a checksum database the tree carries, if any.
    pub sumdb: Option<SumdbPart>,
}

/// The `[sumdb]` table: a checksum database's signed tree head, one lookup record per listed
/// module version and the tiles that prove them against that head, served below
/// `sumdb/<name>/` as a proxy serves a database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SumdbPart {
    /// The database's name (`sum.golang.org`): a host, optionally with a path.
    pub name: String,
    /// The module versions with a lookup record.
    pub records: BTreeSet<ModuleVersion>,
    /// The tiles, by path below `sumdb/<name>/` (`tile/8/0/x001/234`).
    pub tiles: BTreeSet<String>,
}

impl SumdbPart {
    /// `sumdb/<name>/<rest>`.
    pub fn file(&self, rest: &str) -> String {
        format!("{}/{rest}", sumdb::root(&self.name))
    }
}

/// Whether `name` can name a database in a tree: `host[/path]`, each element made of ASCII
/// letters, digits, `.`, `-` and `_`, none of them `.` or `..`.
pub fn is_safe_sumdb_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('/').all(|e| {
            !e.is_empty()
                && e != "."
                && e != ".."
                && e.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        })
}

/// What a file of a tree is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeFile {
    List(String),
    Info(ModuleVersion),
    Mod(ModuleVersion),
    Zip(ModuleVersion),
    /// `sumdb/<name>/supported`: empty.
    SumdbSupported,
    /// `sumdb/<name>/latest`: the signed tree head.
    SumdbLatest,
    /// `sumdb/<name>/lookup/<path>@<version>`.
    SumdbLookup(ModuleVersion),
    /// `sumdb/<name>/tile/…`.
    SumdbTile(sumdb::tlog::Tile),
}

impl TreeFile {
    pub(super) fn limit(&self) -> u64 {
        match self {
            TreeFile::List(_) => MAX_LIST,
            TreeFile::Info(_) => MAX_INFO,
            TreeFile::Mod(_) => modzip::MAX_GO_MOD,
            TreeFile::Zip(_) => modzip::MAX_ZIP_FILE,
            TreeFile::SumdbSupported => 0,
            TreeFile::SumdbLatest | TreeFile::SumdbLookup(_) => MAX_SUMDB_NOTE,
            TreeFile::SumdbTile(t) => t.byte_len() as u64,
        }
    }

    /// Whether the file is part of a carried checksum database.
    pub fn is_sumdb(&self) -> bool {
        matches!(
            self,
            TreeFile::SumdbSupported
                | TreeFile::SumdbLatest
                | TreeFile::SumdbLookup(_)
                | TreeFile::SumdbTile(_)
        )
    }
}

/// Largest signed tree head or lookup record accepted.
pub(super) const MAX_SUMDB_NOTE: u64 = 64 << 10;

impl Manifest {
    pub fn new() -> Manifest {
        Manifest::default()
    }

    /// Add a module version, or merge it into the entry already there: a zip or `.info` one
    /// side has is kept; different hashes for the same version are an error.
    pub fn add(&mut self, m: ManifestModule) -> Result<(), BundleError> {
        let mv = m.module();
        let Some(old) = self.modules.get_mut(&mv) else {
            self.modules.insert(mv, m);
            return Ok(());
        };
        let disagree = |what: &'static str, want: &str, got: &str| BundleError::HashMismatch {
            module: mv.to_string(),
            what,
            want: want.to_string(),
            got: got.to_string(),
            reference: "the other repository's go.sum".into(),
        };
        match (&old.gomod_h1, &m.gomod_h1) {
            (Some(a), Some(b)) if a != b => return Err(disagree("go.mod", a, b)),
            (None, Some(b)) => old.gomod_h1 = Some(b.clone()),
            _ => {}
        }
        match (&old.zip_h1, &m.zip_h1) {
            (Some(a), Some(b)) if a != b => return Err(disagree("zip", a, b)),
            (None, Some(b)) => old.zip_h1 = Some(b.clone()),
            _ => {}
        }
        old.info |= m.info;
        Ok(())
    }

    pub fn get(&self, mv: &ModuleVersion) -> Option<&ManifestModule> {
        self.modules.get(mv)
    }

    /// Every module version, by path, then semver order.
    pub fn modules(&self) -> Vec<&ManifestModule> {
        let mut list: Vec<&ManifestModule> = self.modules.values().collect();
        list.sort_by(|a, b| {
            a.path
                .cmp(&b.path)
                .then_with(|| version_order(&a.version, &b.version))
        });
        list
    }

    /// The module versions of `path`, in string order of their versions (the manifest is keyed
    /// by path, then version: one range, not a pass over every module).
    pub fn versions_of<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a ManifestModule> {
        let from = ModuleVersion {
            path: path.to_string(),
            version: String::new(),
        };
        self.modules
            .range(from..)
            .take_while(move |(mv, _)| mv.path == path)
            .map(|(_, m)| m)
    }

    pub fn len(&self) -> usize {
        self.modules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }

    /// Read a manifest, checking every module path, version, hash and go.sum line.
    /// `origin` names it in errors. What gomodoff writes is read a `[[module]]` table at a time
    /// (`formats::tomltext`: a 5,000-module manifest as one document took 20 MB); any other
    /// text as one document, with the same result.
    pub fn parse(origin: &str, text: &str) -> Result<Manifest, BundleError> {
        let bad = |message: String| BundleError::Manifest {
            origin: origin.to_string(),
            message,
        };
        let mut parsed = None;
        if let Some((root, tables)) = tomltext::split_array_tables(text, &["module"]) {
            let mut manifest = Manifest::new();
            let mut format = None;
            for (key, item) in root.iter() {
                manifest.root_key(key, item, &mut format).map_err(&bad)?;
            }
            let mut whole = true;
            for (i, table) in tables.enumerate() {
                let Some((_, table)) = table else {
                    whole = false;
                    break;
                };
                manifest.add_module(i, &table).map_err(&bad)?;
            }
            if whole {
                parsed = Some((manifest, format));
            }
        }
        let (manifest, format) = match parsed {
            Some(parsed) => parsed,
            None => {
                let doc: DocumentMut = text
                    .parse()
                    .map_err(|e: toml_edit::TomlError| bad(e.to_string().trim_end().to_string()))?;
                let mut manifest = Manifest::new();
                let mut format = None;
                for (key, item) in doc.iter() {
                    if key == "module" {
                        let tables = item
                            .as_array_of_tables()
                            .ok_or_else(|| bad("`module` must be an array of tables".into()))?;
                        for (i, t) in tables.iter().enumerate() {
                            manifest.add_module(i, t).map_err(&bad)?;
                        }
                    } else {
                        manifest.root_key(key, item, &mut format).map_err(&bad)?;
                    }
                }
                (manifest, format)
            }
        };
        if format != Some(FORMAT) {
            return Err(bad(format!(
                "unsupported manifest format {} (this gomodoff reads format {FORMAT})",
                format.map_or("(missing)".to_string(), |f| f.to_string())
            )));
        }
        if let Some(part) = &manifest.sumdb
            && let Some(mv) = part.records.iter().find(|mv| {
                manifest
                    .modules
                    .get(*mv)
                    .is_none_or(|m| m.gomod_h1.is_none())
            })
        {
            return Err(bad(format!(
                "[sumdb]: the record of `{mv}` is for no module with a go.mod in the tree"
            )));
        }
        Ok(manifest)
    }

    /// One of the manifest's root keys (anything but `module`).
    fn root_key(&mut self, key: &str, item: &Item, format: &mut Option<i64>) -> Result<(), String> {
        match key {
            "format" => *format = item.as_integer(),
            "repos" => {
                let arr = item
                    .as_array()
                    .ok_or("`repos` must be an array of module paths")?;
                for v in arr {
                    let s = v
                        .as_str()
                        .ok_or("`repos` must be an array of module paths")?;
                    self.repos.insert(s.to_string());
                }
            }
            "workspace" => {
                self.workspace = item.as_bool().ok_or("`workspace` must be true or false")?;
            }
            "sumdb" => {
                let t = item.as_table().ok_or("`sumdb` must be a table")?;
                self.sumdb = Some(parse_sumdb(t).map_err(|e| format!("[sumdb]: {e}"))?);
            }
            other => return Err(format!("unknown key `{other}`")),
        }
        Ok(())
    }

    /// The `i`th (from 0) `[[module]]` table.
    fn add_module(&mut self, i: usize, table: &Table) -> Result<(), String> {
        let m = parse_module(table).map_err(|e| format!("module #{}: {e}", i + 1))?;
        let mv = m.module();
        if self.modules.insert(mv.clone(), m).is_some() {
            return Err(format!("module `{mv}` is listed twice"));
        }
        Ok(())
    }

    /// The manifest's text, a `[[module]]` table at a time
    /// (`formats::tomltext`).
    pub fn render(&self) -> String {
        let mut doc = DocumentMut::new();
        doc.decor_mut().set_prefix(
            "# Written by gomodoff: every module version in this GOPROXY tree, with the hashes it was\n# checked against. `gomodoff unpack` and `gomodoff mirror --verify` check the tree against it.\n",
        );
        doc["format"] = value(FORMAT);
        let mut repos = Array::new();
        for r in &self.repos {
            repos.push(r.as_str());
        }
        doc["repos"] = value(repos);
        if self.workspace {
            doc["workspace"] = value(true);
        }
        if let Some(part) = &self.sumdb {
            let mut t = Table::new();
            t["name"] = value(&part.name);
            let mut records = Array::new();
            for mv in &part.records {
                records.push(mv.to_string());
            }
            t["records"] = value(records);
            let mut tiles = Array::new();
            for tile in &part.tiles {
                tiles.push(tile.as_str());
            }
            t["tiles"] = value(tiles);
            doc["sumdb"] = Item::Table(t);
        }
        let mut text = doc.to_string();
        for m in self.modules() {
            crate::formats::tomltext::push_array_table(&mut text, "module", module_table(m));
        }
        text
    }

    /// Every file the tree holds besides the manifest, by relative `/`-separated name.
    pub fn expected_files(&self) -> Result<BTreeMap<String, TreeFile>, BundleError> {
        let mut files = BTreeMap::new();
        for m in self.modules.values() {
            let mv = m.module();
            if module::escape_path(&mv.path)? == MANIFEST_FILE {
                return Err(BundleError::Manifest {
                    origin: MANIFEST_FILE.into(),
                    message: format!("module path `{}` is the manifest's own name", mv.path),
                });
            }
            if m.gomod_h1.is_some() {
                files.insert(list_file(&mv.path)?, TreeFile::List(mv.path.clone()));
                files.insert(module_file(&mv, "mod")?, TreeFile::Mod(mv.clone()));
            }
            if m.zip_h1.is_some() {
                files.insert(module_file(&mv, "zip")?, TreeFile::Zip(mv.clone()));
            }
            if m.info {
                files.insert(module_file(&mv, "info")?, TreeFile::Info(mv));
            }
        }
        if let Some(part) = &self.sumdb {
            files.insert(part.file("supported"), TreeFile::SumdbSupported);
            files.insert(part.file("latest"), TreeFile::SumdbLatest);
            for mv in &part.records {
                files.insert(
                    part.file(&sumdb::lookup_file(mv)?),
                    TreeFile::SumdbLookup(mv.clone()),
                );
            }
            for tile in &part.tiles {
                let t = sumdb::parse_tile_path(tile).expect("checked when the manifest was read");
                files.insert(part.file(tile), TreeFile::SumdbTile(t));
            }
        }
        Ok(files)
    }
}

fn parse_sumdb(t: &Table) -> Result<SumdbPart, String> {
    let mut part = SumdbPart::default();
    let strings = |item: &Item, key: &str| -> Result<Vec<String>, String> {
        item.as_array()
            .ok_or_else(|| format!("`{key}` must be an array of strings"))?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("`{key}` must be an array of strings"))
            })
            .collect()
    };
    for (key, item) in t.iter() {
        match key {
            "name" => {
                part.name = item
                    .as_str()
                    .ok_or_else(|| "`name` must be a string".to_string())?
                    .to_string();
            }
            "records" => {
                for r in strings(item, key)? {
                    let (path, version) = r
                        .split_once('@')
                        .ok_or_else(|| format!("record `{r}` is not <path>@<version>"))?;
                    let mv = ModuleVersion {
                        path: path.to_string(),
                        version: version.to_string(),
                    };
                    mv.check().map_err(|e| e.to_string())?;
                    if module::canonical_version(version) != version {
                        return Err(format!("version `{version}` is not canonical"));
                    }
                    part.records.insert(mv);
                }
            }
            "tiles" => {
                for tile in strings(item, key)? {
                    if sumdb::parse_tile_path(&tile).is_none() {
                        return Err(format!("`{tile}` is not a tile path"));
                    }
                    part.tiles.insert(tile);
                }
            }
            other => return Err(format!("unknown key `{other}`")),
        }
    }
    if !is_safe_sumdb_name(&part.name) {
        return Err(format!(
            "`{}` is not a database name (host[/path])",
            part.name
        ));
    }
    Ok(part)
}

fn parse_module(t: &Table) -> Result<ManifestModule, String> {
    for (key, _) in t.iter() {
        if !matches!(
            key,
            "path" | "version" | "zip_h1" | "gomod_h1" | "info" | "gosum"
        ) {
            return Err(format!("unknown key `{key}`"));
        }
    }
    let s = |key: &str| -> Result<Option<String>, String> {
        match t.get(key) {
            None => Ok(None),
            Some(item) => item
                .as_str()
                .map(|s| Some(s.to_string()))
                .ok_or_else(|| format!("`{key}` must be a string")),
        }
    };
    let required = |key: &str| s(key)?.ok_or_else(|| format!("`{key}` is missing"));
    let m = ManifestModule {
        path: required("path")?,
        version: required("version")?,
        zip_h1: s("zip_h1")?,
        gomod_h1: s("gomod_h1")?,
        info: match t.get("info") {
            None => false,
            Some(item) => item
                .as_bool()
                .ok_or_else(|| "`info` must be true or false".to_string())?,
        },
    };
    let mv = m.module();
    mv.check().map_err(|e| e.to_string())?;
    if module::canonical_version(&mv.version) != mv.version {
        return Err(format!("version `{}` is not canonical", mv.version));
    }
    if m.gomod_h1.is_none() && (m.zip_h1.is_some() || !m.info) {
        return Err(format!(
            "`{mv}` has no `gomod_h1`, so it must be an `.info` alone (no zip, info = true)"
        ));
    }
    for h in m.zip_h1.iter().chain(&m.gomod_h1) {
        if !is_h1(h) {
            return Err(format!("`{h}` is not an h1: hash"));
        }
    }
    let lines: Vec<String> = match t.get("gosum") {
        None => Vec::new(),
        Some(item) => item
            .as_array()
            .ok_or_else(|| "`gosum` must be an array of go.sum lines".to_string())?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| "`gosum` must be an array of go.sum lines".to_string())
            })
            .collect::<Result<_, _>>()?,
    };
    if lines != m.gosum_lines() {
        return Err(format!(
            "`{mv}`: its go.sum lines do not match its hashes (expected {:?})",
            m.gosum_lines()
        ));
    }
    Ok(m)
}

fn is_h1(h: &str) -> bool {
    h.strip_prefix("h1:").is_some_and(|b| {
        b.len() == 44
            && base64::engine::general_purpose::STANDARD
                .decode(b)
                .is_ok_and(|d| d.len() == 32)
    })
}

/// `2006-01-02T15:04:05[.999999999](Z|±07:00)`.
pub(super) fn is_rfc3339(t: &str) -> bool {
    let b = t.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if !(b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19))
    {
        return false;
    }
    let mut rest = &t[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    let rb = rest.as_bytes();
    rest == "Z"
        || (rb.len() == 6
            && (rb[0] == b'+' || rb[0] == b'-')
            && rb[1..3].iter().all(u8::is_ascii_digit)
            && rb[3] == b':'
            && rb[4..6].iter().all(u8::is_ascii_digit))
}

/// The commit time a pseudo-version carries, as RFC 3339.
pub(super) fn pseudo_time(version: &str) -> Option<String> {
    if !module::is_pseudo_version(version) {
        return None;
    }
    let base = version.split('+').next().unwrap_or(version);
    let (rest, _rev) = base.rsplit_once('-')?;
    let t = rest.rsplit(['-', '.']).next()?;
    (t.len() == 14 && t.bytes().all(|b| b.is_ascii_digit())).then(|| {
        format!(
            "{}-{}-{}T{}:{}:{}Z",
            &t[0..4],
            &t[4..6],
            &t[6..8],
            &t[8..10],
            &t[10..12],
            &t[12..14]
        )
    })
}

/// One module's `[[module]]` table.
pub(super) fn module_table(m: &ManifestModule) -> Table {
    let mut t = Table::new();
    t["path"] = value(&m.path);
    t["version"] = value(&m.version);
    if let Some(h) = &m.zip_h1 {
        t["zip_h1"] = value(h);
    }
    if let Some(h) = &m.gomod_h1 {
        t["gomod_h1"] = value(h);
    }
    t["info"] = value(m.info);
    let mut lines = Array::new();
    for l in m.gosum_lines() {
        lines.push(l);
    }
    t["gosum"] = value(lines);
    t
}
