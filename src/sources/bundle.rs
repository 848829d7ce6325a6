//! The gomodoff tree format, as one zip (a bundle) or as a directory: a GOPROXY file tree
//! (`<escaped path>/@v/list`, `<escaped version>.info`, `.mod`, `.zip`) plus
//! `gomodoff-manifest.toml` at its root, which lists per module version the `h1:` of its zip and
//! of its go.mod and the go.sum lines they satisfy. `pack` writes a bundle; `unpack`, `mirror`
//! and proxy mode write directories; the manifest is the reference `unpack` and
//! `mirror --verify` check every byte against.
//!
//! A bundle comes from another machine and is hostile until proven otherwise. [`unpack`] accepts
//! only the entry names its manifest implies (all generated from checked module paths and
//! versions, so none can leave the target), only regular stored or deflated files within size
//! limits, checks every module zip with [`modzip::check_zip`], every `h1:`, every `.info` and
//! every `list`, and writes only into a fresh directory the caller staged: on any problem the
//! caller throws that directory away and nothing was installed.
//!
//! Bundles are byte-reproducible: the manifest comes first, then every other entry in byte order
//! of its name, all with the same timestamp (1980-01-01 00:00), Unix permissions 0644 and
//! compression (module zips stored as they are, the small files deflated at level 6); `.info`
//! files are made from the version alone (see [`info_json`]), so that a cache that lacks them and
//! one that has them give the same bytes.
//!
//! `@v/list` holds every version that has a `.mod` in the tree, in semver order: the rule the go
//! command uses for its own module cache, which is itself served as a GOPROXY tree. `.info` is
//! present for the versions `go list -m all` and `go mod download` read it for (selected, or
//! the replacement of a selected module).

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use rayon::prelude::*;
use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, value};

use crate::formats::dirhash::{self, HashError};
use crate::formats::module::{self, ModuleError, ModuleVersion};
use crate::formats::modzip::{self, ZipError};
use crate::util::fsutil::{self, FsError};
use crate::util::staging;

/// The manifest at the root of every gomodoff tree and bundle.
pub const MANIFEST_FILE: &str = "gomodoff-manifest.toml";
const FORMAT: i64 = 1;

/// Largest `.info` accepted from a bundle.
const MAX_INFO: u64 = 1 << 20;
/// Largest `list` accepted from a bundle.
const MAX_LIST: u64 = 16 << 20;
/// Largest manifest accepted from a bundle.
const MAX_MANIFEST: u64 = 256 << 20;

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("failed to read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Writing into the target (or its staging directory) failed: the file system's fault (full,
    /// read-only, …), never the bundle's.
    #[error("failed to write `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Fs(#[from] FsError),
    /// The caller's step hook (see [`StepHook`]) stopped [`merge_tree`].
    #[error(transparent)]
    Step(Box<dyn std::error::Error + Send + Sync>),
    #[error("`{}` is not a readable zip archive", bundle.display())]
    Archive {
        bundle: PathBuf,
        #[source]
        source: zip::result::ZipError,
    },
    #[error("{origin}: {message}")]
    Manifest { origin: String, message: String },
    /// The bundle holds something it must not; nothing was installed.
    #[error("refusing bundle `{}`: {problem}", bundle.display())]
    Refused { bundle: PathBuf, problem: String },
    #[error("`{module}`: {what} hashes to {got}, but {reference} says {want}")]
    HashMismatch {
        module: String,
        what: &'static str,
        want: String,
        got: String,
        reference: String,
    },
    #[error(transparent)]
    Zip(#[from] ZipError),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Module(#[from] ModuleError),
    /// The target already holds a different copy of a file.
    #[error(
        "`{}` already exists with other content ({detail}); a module version never changes, so one of the two copies is wrong: remove it by hand if it is the old one",
        path.display()
    )]
    Conflict { path: PathBuf, detail: String },
}

impl BundleError {
    /// Whether this is a failure to write the files out (disk full, read-only file system, no
    /// permission) rather than anything about the bundle or the tree's content.
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            BundleError::Write { .. } | BundleError::Fs(FsError::Write { .. })
        )
    }
}

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
    modules: BTreeMap<ModuleVersion, ManifestModule>,
}

/// What a file of a tree is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeFile {
    List(String),
    Info(ModuleVersion),
    Mod(ModuleVersion),
    Zip(ModuleVersion),
}

impl TreeFile {
    fn limit(&self) -> u64 {
        match self {
            TreeFile::List(_) => MAX_LIST,
            TreeFile::Info(_) => MAX_INFO,
            TreeFile::Mod(_) => modzip::MAX_GO_MOD,
            TreeFile::Zip(_) => modzip::MAX_ZIP_FILE,
        }
    }
}

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

    pub fn len(&self) -> usize {
        self.modules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }

    /// Read a manifest, checking every module path, version, hash and go.sum line.
    /// `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Manifest, BundleError> {
        let bad = |message: String| BundleError::Manifest {
            origin: origin.to_string(),
            message,
        };
        let doc: DocumentMut = text
            .parse()
            .map_err(|e: toml_edit::TomlError| bad(e.to_string().trim_end().to_string()))?;
        let mut manifest = Manifest::new();
        let mut format = None;
        for (key, item) in doc.iter() {
            match key {
                "format" => format = item.as_integer(),
                "repos" => {
                    let arr = item
                        .as_array()
                        .ok_or_else(|| bad("`repos` must be an array of module paths".into()))?;
                    for v in arr {
                        let s = v.as_str().ok_or_else(|| {
                            bad("`repos` must be an array of module paths".into())
                        })?;
                        manifest.repos.insert(s.to_string());
                    }
                }
                "workspace" => {
                    manifest.workspace = item
                        .as_bool()
                        .ok_or_else(|| bad("`workspace` must be true or false".into()))?;
                }
                "module" => {
                    let tables = item
                        .as_array_of_tables()
                        .ok_or_else(|| bad("`module` must be an array of tables".into()))?;
                    for (i, t) in tables.iter().enumerate() {
                        let m =
                            parse_module(t).map_err(|e| bad(format!("module #{}: {e}", i + 1)))?;
                        let mv = m.module();
                        if manifest.modules.insert(mv.clone(), m).is_some() {
                            return Err(bad(format!("module `{mv}` is listed twice")));
                        }
                    }
                }
                other => return Err(bad(format!("unknown key `{other}`"))),
            }
        }
        if format != Some(FORMAT) {
            return Err(bad(format!(
                "unsupported manifest format {} (this gomodoff reads format {FORMAT})",
                format.map_or("(missing)".to_string(), |f| f.to_string())
            )));
        }
        Ok(manifest)
    }

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
        let mut arr = ArrayOfTables::new();
        for m in self.modules() {
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
            arr.push(t);
        }
        if !arr.is_empty() {
            doc["module"] = Item::ArrayOfTables(arr);
        }
        doc.to_string()
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
        Ok(files)
    }
}

/// A module version's content, ready to be written into a tree.
#[derive(Debug, Clone)]
pub struct ModuleContent {
    pub entry: ManifestModule,
    /// The `.mod` bytes, when the entry has a go.mod hash.
    pub gomod: Option<Vec<u8>>,
    /// The module zip (already checked against `entry.zip_h1`), when the entry has one.
    pub zip: Option<PathBuf>,
    /// The `.info` bytes (see [`info_json`]), when the entry has one.
    pub info: Option<Vec<u8>>,
}

/// `<escaped path>/@v/<escaped version>.<ext>`.
pub fn module_file(mv: &ModuleVersion, ext: &str) -> Result<String, ModuleError> {
    let (path, version) = mv.escaped()?;
    Ok(format!("{path}/@v/{version}.{ext}"))
}

/// `<escaped path>/@v/list`.
pub fn list_file(path: &str) -> Result<String, ModuleError> {
    Ok(format!("{}/@v/list", module::escape_path(path)?))
}

/// A `list` file: the versions in semver order (ties in byte order), one per line.
pub fn list_text<'a>(versions: impl IntoIterator<Item = &'a str>) -> String {
    let mut list: Vec<&str> = versions.into_iter().collect();
    list.sort_by(|a, b| version_order(a, b));
    list.dedup();
    list.iter().map(|v| format!("{v}\n")).collect()
}

/// The versions of a `@v` directory that have a `.mod` file, as the go command lists them.
pub fn versions_in(version_dir: &Path) -> Result<Vec<String>, BundleError> {
    let entries = match fs::read_dir(version_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(BundleError::Read {
                path: version_dir.to_path_buf(),
                source,
            });
        }
    };
    let mut versions = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| BundleError::Read {
            path: version_dir.to_path_buf(),
            source,
        })?;
        let name = entry.file_name();
        let Some(escaped) = name.to_str().and_then(|n| n.strip_suffix(".mod")) else {
            continue;
        };
        if let Ok(v) = module::unescape_version(escaped)
            && module::canonical_version(&v) == v
        {
            versions.push(v);
        }
    }
    Ok(versions)
}

/// The `.info` gomodoff writes: `{"Version":…}`, plus the `Time` a pseudo-version carries. It
/// depends on the version alone, never on the source's `.info` (a cache may have none, or one with
/// another time), so that a bundle depends only on what go.sum pins.
pub fn info_json(mv: &ModuleVersion) -> Vec<u8> {
    let info = Info {
        version: mv.version.clone(),
        time: pseudo_time(&mv.version),
    };
    serde_json::to_vec(&info).expect("serializing two strings cannot fail because they are valid")
}

/// Check an untrusted `.info`: a JSON object with this `Version` and at most a valid `Time`.
pub fn check_info(mv: &ModuleVersion, bytes: &[u8]) -> Result<(), String> {
    let info: Info =
        serde_json::from_slice(bytes).map_err(|e| format!("not a valid .info file: {e}"))?;
    if info.version != mv.version {
        return Err(format!(
            "says version `{}`, not `{}`",
            info.version, mv.version
        ));
    }
    if let Some(t) = &info.time
        && !is_rfc3339(t)
    {
        return Err(format!("`Time` is not an RFC 3339 time: `{t}`"));
    }
    Ok(())
}

/// Write a bundle: the manifest, then every tree file in name order, reproducibly. The file is
/// written next to `out` and renamed over it at the end. Returns its size.
pub fn write_bundle(
    out: &Path,
    manifest: &Manifest,
    contents: &[ModuleContent],
) -> Result<u64, BundleError> {
    let werr = |source| BundleError::Write {
        path: out.to_path_buf(),
        source,
    };
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".gomodoff-bundle-")
        .tempfile_in(dir)
        .map_err(werr)?;
    let mut zip = zip::ZipWriter::new(io::BufWriter::new(tmp.as_file()));
    let small = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(zip::DateTime::default())
        .system(zip::System::Unix)
        .unix_permissions(0o644);
    let stored = small
        .compression_method(zip::CompressionMethod::Stored)
        .compression_level(None);
    let zerr = |source: zip::result::ZipError| werr(io::Error::other(source));

    zip.start_file(MANIFEST_FILE, small).map_err(zerr)?;
    zip.write_all(manifest.render().as_bytes()).map_err(werr)?;
    for (name, data) in tree_entries(manifest, contents)? {
        match data {
            EntryData::Bytes(bytes) => {
                zip.start_file(name, small).map_err(zerr)?;
                zip.write_all(&bytes).map_err(werr)?;
            }
            EntryData::File(path) => {
                zip.start_file(name, stored).map_err(zerr)?;
                let mut f = File::open(&path).map_err(|source| BundleError::Read {
                    path: path.clone(),
                    source,
                })?;
                io::copy(&mut f, &mut zip).map_err(werr)?;
            }
        }
    }
    let mut buf = zip.finish().map_err(zerr)?;
    buf.flush().map_err(werr)?;
    drop(buf);
    tmp.as_file().sync_all().map_err(werr)?;
    let size = tmp.as_file().metadata().map_err(werr)?.len();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o644)).map_err(werr)?;
    }
    tmp.persist(out).map_err(|e| werr(e.error))?;
    Ok(size)
}

/// Write a tree (files, lists and manifest) into `dir`, a new or empty directory. Lists are
/// made from the manifest.
pub fn write_tree(
    dir: &Path,
    manifest: &Manifest,
    contents: &[ModuleContent],
) -> Result<(), BundleError> {
    for (name, data) in tree_entries(manifest, contents)? {
        let to = dir.join(&name);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(|source| BundleError::Write {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let result = match data {
            EntryData::Bytes(bytes) => fs::write(&to, bytes),
            EntryData::File(from) => fs::copy(&from, &to).map(|_| ()),
        };
        result.map_err(|source| BundleError::Write { path: to, source })?;
    }
    fsutil::write_atomic(&dir.join(MANIFEST_FILE), manifest.render().as_bytes())?;
    Ok(())
}

/// Verify an untrusted bundle and lay it out as a tree in `dest`, a new empty directory the
/// caller staged (and removes on error). Returns the manifest.
pub fn unpack(bundle: &Path, dest: &Path) -> Result<Manifest, BundleError> {
    let refuse = |problem: String| BundleError::Refused {
        bundle: bundle.to_path_buf(),
        problem,
    };
    let file = File::open(bundle).map_err(|source| BundleError::Read {
        path: bundle.to_path_buf(),
        source,
    })?;
    let mut archive =
        zip::ZipArchive::new(BufReader::new(file)).map_err(|source| BundleError::Archive {
            bundle: bundle.to_path_buf(),
            source,
        })?;
    let archive_err = |source| BundleError::Archive {
        bundle: bundle.to_path_buf(),
        source,
    };
    if archive.has_duplicate_names() {
        return Err(refuse("two entries have the same name".into()));
    }
    let Some(index) = archive.index_for_name(MANIFEST_FILE) else {
        return Err(refuse(format!(
            "it has no `{MANIFEST_FILE}`: not a bundle made by `gomodoff pack`"
        )));
    };
    let manifest_bytes = {
        let entry = archive.by_index(index).map_err(archive_err)?;
        check_entry(&entry, MANIFEST_FILE, MAX_MANIFEST).map_err(&refuse)?;
        read_limited(entry, MAX_MANIFEST).map_err(|e| refuse(format!("`{MANIFEST_FILE}`: {e}")))?
    };
    let text = String::from_utf8(manifest_bytes)
        .map_err(|_| refuse(format!("`{MANIFEST_FILE}` is not UTF-8")))?;
    let origin = format!("{}: {MANIFEST_FILE}", bundle.display());
    let manifest = Manifest::parse(&origin, &text)?;
    let expected = manifest.expected_files()?;
    fsutil::write_atomic(&dest.join(MANIFEST_FILE), text.as_bytes())?;

    let mut seen = BTreeSet::new();
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(archive_err)?;
        let Ok(name) = std::str::from_utf8(entry.name_raw()).map(str::to_owned) else {
            return Err(refuse(format!(
                "entry `{}` has a name that is not UTF-8",
                String::from_utf8_lossy(entry.name_raw())
            )));
        };
        if name == MANIFEST_FILE {
            continue;
        }
        let Some(kind) = expected.get(&name) else {
            return Err(refuse(format!(
                "unexpected entry `{}`: the manifest implies no such file",
                name.escape_debug()
            )));
        };
        check_entry(&entry, &name, kind.limit()).map_err(&refuse)?;
        // The name is one the manifest generated from checked module paths and versions.
        let to = dest.join(&name);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(|source| BundleError::Write {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let declared = entry.size();
        let mut out = File::create(&to).map_err(|source| BundleError::Write {
            path: to.clone(),
            source,
        })?;
        // A read error is the bundle's (a damaged entry); a write error is the target's (a full
        // disk), and must not be reported as a problem with the bundle.
        let copied = copy_entry(&mut entry.take(declared + 1), &mut out).map_err(|e| match e {
            CopyError::Read(e) => refuse(format!("entry `{name}`: {e}")),
            CopyError::Write(source) => BundleError::Write {
                path: to.clone(),
                source,
            },
        })?;
        if copied != declared {
            return Err(refuse(format!(
                "entry `{name}` inflates to more or fewer bytes than the {declared} it declares"
            )));
        }
        seen.insert(name);
    }
    let missing: Vec<&String> = expected.keys().filter(|n| !seen.contains(*n)).collect();
    if !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(5).map(|n| format!("`{n}`")).collect();
        return Err(refuse(format!(
            "{} file(s) the manifest lists are missing: {}{}",
            missing.len(),
            shown.join(", "),
            if missing.len() > 5 { ", …" } else { "" }
        )));
    }
    let report = verify_tree(dest)?;
    if let Some(first) = report.findings.first() {
        return Err(refuse(format!(
            "{} problem(s), first: `{}`: {}",
            report.findings.len(),
            first.file,
            first.problem
        )));
    }
    Ok(manifest)
}

/// One thing wrong in a tree.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TreeFinding {
    /// Relative `/`-separated name.
    pub file: String,
    pub problem: String,
}

/// What [`verify_tree`] found.
#[derive(Debug, Clone)]
pub struct TreeReport {
    pub manifest: Manifest,
    /// Sorted by file.
    pub findings: Vec<TreeFinding>,
}

/// Re-hash a whole tree against its manifest: every `.mod` and `.zip` (zips also checked with
/// every rule of [`modzip::check_zip`]), every `.info`, every `list` (complete and sorted), and
/// every file the manifest does not account for. What a killed `unpack` or `mirror` left (a
/// temporary file or staging directory inside the tree, the staging directory beside it: see
/// [`crate::util::staging`]) is named as such, with how to clear it.
pub fn verify_tree(dir: &Path) -> Result<TreeReport, BundleError> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let text = fs::read_to_string(&manifest_path).map_err(|source| BundleError::Read {
        path: manifest_path.clone(),
        source,
    })?;
    let manifest = Manifest::parse(&manifest_path.display().to_string(), &text)?;
    let expected = manifest.expected_files()?;
    let mut findings = Vec::new();
    if let Some(beside) = dir
        .canonicalize()
        .ok()
        .and_then(|real| staging::staging_dir(&real))
        && fs::symlink_metadata(&beside).is_ok()
    {
        let name = beside.file_name().map(|n| n.to_string_lossy().into_owned());
        findings.push(finding(
            &format!("../{}", name.unwrap_or_default()),
            &format!(
                "is the staging directory beside this tree, {}",
                staging::LEFTOVER_HINT
            ),
        ));
    }
    let mut present = BTreeSet::new();
    let mut walk = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walk.next() {
        let entry = entry.map_err(|e| BundleError::Read {
            path: dir.to_path_buf(),
            source: io::Error::other(e),
        })?;
        let rel = relative_name(dir, entry.path());
        let file_type = entry.file_type();
        let name = entry.file_name().to_string_lossy();
        if let Some(what) = staging::leftover(&name, file_type.is_dir(), entry.depth() == 1) {
            if file_type.is_dir() {
                walk.skip_current_dir();
            }
            findings.push(finding(
                &rel,
                &format!("is a {what} {}", staging::LEFTOVER_HINT),
            ));
            continue;
        }
        if file_type.is_dir() {
            if expected.contains_key(&rel) {
                findings.push(finding(&rel, "is a directory, not a file"));
            }
            continue;
        }
        if rel == MANIFEST_FILE {
            continue;
        }
        if !file_type.is_file() {
            findings.push(finding(&rel, "is not a regular file"));
            continue;
        }
        if expected.contains_key(&rel) {
            present.insert(rel);
        } else {
            findings.push(finding(&rel, "is not in the manifest"));
        }
    }
    let checks: Vec<Option<TreeFinding>> = expected
        .par_iter()
        .map(|(name, kind)| {
            if !present.contains(name) {
                return Ok(Some(finding(name, "is missing")));
            }
            check_file(dir, &manifest, name, kind).map(|problem| problem.map(|p| finding(name, &p)))
        })
        .collect::<Result<_, BundleError>>()?;
    findings.extend(checks.into_iter().flatten());
    findings.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(TreeReport { manifest, findings })
}

/// Where [`merge_tree`] installs into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A GOPROXY tree with its manifest.
    Tree,
    /// A module cache's `cache/download`: `.ziphash` beside each zip, no manifest.
    ModCache,
}

/// What [`merge_tree`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MergeStats {
    /// Files written (not counting lists and the manifest).
    pub written: usize,
    /// Files already there with the same content.
    pub kept: usize,
    /// Bytes of the files written.
    pub bytes: u64,
}

/// Called by [`merge_tree`] after each of its steps — `merge:first-moved` (one file moved in),
/// `merge:moved` (all moved in), `merge:listed` (lists rewritten; the manifest is next) — so
/// the commands can inject faults there; an error stops the merge.
pub type StepHook<'a> = &'a dyn Fn(&str) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Install a verified, staged tree (`staged`, holding the files of `manifest`) into `target`,
/// which may already hold other modules. First every file is compared with what `target` holds
/// (a different zip or go.mod for the same version is a [`BundleError::Conflict`] and nothing is
/// written); then new files are moved in one by one (each a rename, so a reader never sees half a
/// file), zips before `.mod` files, each `list` is rewritten from the `.mod` files present, and
/// for [`Layout::Tree`] the manifest is merged into the target's, last. A run killed at any point
/// leaves only complete files in `target` (and perhaps a `.gomodoff-tmp-*` file, see
/// [`crate::util::staging`]); merging the same tree again completes it.
pub fn merge_tree(
    staged: &Path,
    target: &Path,
    manifest: &Manifest,
    layout: Layout,
    step: StepHook<'_>,
) -> Result<MergeStats, BundleError> {
    let expected = manifest.expected_files()?;
    let mut moves: Vec<(u8, String, PathBuf)> = Vec::new();
    let mut stats = MergeStats::default();
    for (name, kind) in &expected {
        let to = target.join(name);
        let mv = match kind {
            TreeFile::List(_) => continue,
            TreeFile::Info(mv) | TreeFile::Mod(mv) | TreeFile::Zip(mv) => mv,
        };
        let entry = manifest.get(mv).expect(
            "every expected file belongs to a manifest module because it was made from one",
        );
        let keep = match kind {
            TreeFile::Zip(_) => existing_zip_matches(&to, entry)?,
            TreeFile::Mod(_) => match read_existing(&to)? {
                None => false,
                Some(bytes) if Some(dirhash::hash_gomod(&bytes)) == entry.gomod_h1 => true,
                Some(bytes) => {
                    return Err(BundleError::Conflict {
                        path: to,
                        detail: format!(
                            "it hashes to {}, not {}",
                            dirhash::hash_gomod(&bytes),
                            entry.gomod_h1.as_deref().unwrap_or_default()
                        ),
                    });
                }
            },
            // A valid `.info` already there stays (its Time may be more precise than ours).
            TreeFile::Info(_) => read_existing(&to)?.is_some_and(|b| check_info(mv, &b).is_ok()),
            TreeFile::List(_) => unreachable!("skipped above"),
        };
        if let (Layout::ModCache, TreeFile::Zip(_)) = (layout, kind) {
            let ziphash = target.join(format!("{name}hash"));
            let hash_ok =
                read_existing(&ziphash)?.as_deref() == entry.zip_h1.as_deref().map(str::as_bytes);
            if !(keep && hash_ok) {
                moves.push((1, format!("{name}hash"), ziphash));
            }
        }
        if keep {
            stats.kept += 1;
            continue;
        }
        let order = match kind {
            TreeFile::Zip(_) => 0,
            TreeFile::Info(_) => 2,
            _ => 3,
        };
        moves.push((order, name.clone(), to));
    }
    // Write the `.ziphash` files into the staging area so that every install is a rename.
    if layout == Layout::ModCache {
        for m in manifest.modules.values() {
            if let Some(h) = &m.zip_h1 {
                let name = format!("{}hash", module_file(&m.module(), "zip")?);
                fsutil::write_atomic(&staged.join(&name), h.as_bytes())?;
            }
        }
    }
    moves.sort();
    for (i, (_, name, to)) in moves.iter().enumerate() {
        let from = staged.join(name);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(|source| BundleError::Write {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        stats.bytes += fs::metadata(&from).map(|m| m.len()).unwrap_or(0);
        if fs::symlink_metadata(to).is_ok_and(|m| m.is_dir()) {
            return Err(BundleError::Conflict {
                path: to.clone(),
                detail: "it is a directory".into(),
            });
        }
        move_file(&from, to)?;
        if !name.ends_with("hash") {
            stats.written += 1;
        }
        if i == 0 {
            step("merge:first-moved").map_err(BundleError::Step)?;
        }
    }
    step("merge:moved").map_err(BundleError::Step)?;
    let paths: BTreeSet<&str> = manifest
        .modules
        .values()
        .filter(|m| m.gomod_h1.is_some())
        .map(|m| m.path.as_str())
        .collect();
    for path in paths {
        let list = target.join(list_file(path)?);
        let vdir = list
            .parent()
            .expect("a list file has a parent because it is in `@v`");
        let versions = versions_in(vdir)?;
        let text = list_text(versions.iter().map(String::as_str));
        if fsutil::read_optional(&list)?.as_deref() != Some(text.as_bytes()) {
            fsutil::write_atomic(&list, text.as_bytes())?;
        }
    }
    step("merge:listed").map_err(BundleError::Step)?;
    if layout == Layout::Tree {
        let path = target.join(MANIFEST_FILE);
        let mut merged = match fsutil::read_optional(&path)? {
            Some(bytes) => Manifest::parse(
                &path.display().to_string(),
                &String::from_utf8_lossy(&bytes),
            )?,
            None => Manifest::new(),
        };
        for m in manifest.modules.values() {
            merged.add(m.clone())?;
        }
        merged.repos.extend(manifest.repos.iter().cloned());
        merged.workspace |= manifest.workspace;
        let text = merged.render();
        if fsutil::read_optional(&path)?.as_deref() != Some(text.as_bytes()) {
            fsutil::write_atomic(&path, text.as_bytes())?;
        }
    }
    Ok(stats)
}

/// Move a staged file into the target with one rename. When the target is on another file system
/// than its staging directory (the tree is a mount point of its own), copy it to a temporary
/// file beside its destination and rename that: a reader still never sees half a file.
fn move_file(from: &Path, to: &Path) -> Result<(), BundleError> {
    let werr = |source| BundleError::Write {
        path: to.to_path_buf(),
        source,
    };
    match fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::CrossesDevices => {
            let dir = to.parent().unwrap_or(Path::new("."));
            let mut tmp = tempfile::Builder::new()
                .prefix(fsutil::TMP_PREFIX)
                .tempfile_in(dir)
                .map_err(werr)?;
            let mut src = File::open(from).map_err(|source| BundleError::Read {
                path: from.to_path_buf(),
                source,
            })?;
            copy_entry(&mut src, tmp.as_file_mut()).map_err(|e| match e {
                CopyError::Read(source) => BundleError::Read {
                    path: from.to_path_buf(),
                    source,
                },
                CopyError::Write(source) => werr(source),
            })?;
            tmp.as_file().sync_all().map_err(werr)?;
            // The mode a rename would have kept (the temporary file is 0600).
            if let Ok(meta) = fs::metadata(from) {
                fs::set_permissions(tmp.path(), meta.permissions()).map_err(werr)?;
            }
            tmp.persist(to).map_err(|e| werr(e.error))?;
            Ok(())
        }
        Err(source) => Err(werr(source)),
    }
}

/// Semver order, ties (build metadata) in byte order, as `semver.Sort` does.
pub fn version_order(a: &str, b: &str) -> std::cmp::Ordering {
    module::compare_versions(a, b).then_with(|| a.cmp(b))
}

enum EntryData {
    Bytes(Vec<u8>),
    File(PathBuf),
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Info {
    #[serde(rename = "Version")]
    version: String,
    #[serde(rename = "Time", skip_serializing_if = "Option::is_none", default)]
    time: Option<String>,
}

/// Every tree file but the manifest, sorted by name, lists made from the manifest.
fn tree_entries(
    manifest: &Manifest,
    contents: &[ModuleContent],
) -> Result<Vec<(String, EntryData)>, BundleError> {
    let mut entries: BTreeMap<String, EntryData> = BTreeMap::new();
    let mut lists: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in contents {
        let mv = c.entry.module();
        if manifest.get(&mv) != Some(&c.entry) {
            return Err(BundleError::Manifest {
                origin: MANIFEST_FILE.into(),
                message: format!("module `{mv}` is not in the manifest as given"),
            });
        }
        if let Some(gomod) = &c.gomod {
            lists
                .entry(&c.entry.path)
                .or_default()
                .push(&c.entry.version);
            entries.insert(module_file(&mv, "mod")?, EntryData::Bytes(gomod.clone()));
        }
        if let Some(zip) = &c.zip {
            entries.insert(module_file(&mv, "zip")?, EntryData::File(zip.clone()));
        }
        if let Some(info) = &c.info {
            entries.insert(module_file(&mv, "info")?, EntryData::Bytes(info.clone()));
        }
    }
    for (path, versions) in lists {
        entries.insert(
            list_file(path)?,
            EntryData::Bytes(list_text(versions).into_bytes()),
        );
    }
    Ok(entries.into_iter().collect())
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
fn is_rfc3339(t: &str) -> bool {
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
fn pseudo_time(version: &str) -> Option<String> {
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

fn check_entry<R: Read>(
    entry: &zip::read::ZipFile<'_, R>,
    name: &str,
    limit: u64,
) -> Result<(), String> {
    if entry.is_dir() || name.ends_with('/') {
        return Err(format!("entry `{name}` is a directory"));
    }
    if entry.is_symlink() {
        return Err(format!("entry `{name}` is a symbolic link"));
    }
    if let Some(mode) = entry.unix_mode()
        && !matches!(mode & 0o170000, 0 | 0o100000)
    {
        return Err(format!(
            "entry `{name}` is not a regular file (mode {mode:o})"
        ));
    }
    if entry.encrypted() {
        return Err(format!("entry `{name}` is encrypted"));
    }
    let method = entry.compression();
    if method != zip::CompressionMethod::Stored && method != zip::CompressionMethod::Deflated {
        return Err(format!(
            "entry `{name}` uses unsupported compression {method:?}"
        ));
    }
    if entry.size() > limit {
        return Err(format!(
            "entry `{name}` is too large ({} bytes; limit is {limit})",
            entry.size()
        ));
    }
    Ok(())
}

/// Which side of a copy failed.
enum CopyError {
    Read(io::Error),
    Write(io::Error),
}

/// `io::copy`, telling a failed read from a failed write.
fn copy_entry(from: &mut impl Read, to: &mut impl Write) -> Result<u64, CopyError> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(e)),
        };
        to.write_all(&buf[..n]).map_err(CopyError::Write)?;
        total += n as u64;
    }
    to.flush().map_err(CopyError::Write)?;
    Ok(total)
}

fn read_limited(entry: impl Read, limit: u64) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    entry
        .take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    if buf.len() as u64 > limit {
        return Err(format!("larger than {limit} bytes"));
    }
    Ok(buf)
}

/// What is wrong with one present tree file, if anything.
fn check_file(
    dir: &Path,
    manifest: &Manifest,
    name: &str,
    kind: &TreeFile,
) -> Result<Option<String>, BundleError> {
    let path = dir.join(name);
    let read = |limit: u64| -> Result<Result<Vec<u8>, String>, BundleError> {
        let f = File::open(&path).map_err(|source| BundleError::Read {
            path: path.clone(),
            source,
        })?;
        Ok(read_limited(f, limit))
    };
    let entry = |mv: &ModuleVersion| {
        manifest
            .get(mv)
            .expect("every expected file belongs to a manifest module because it was made from one")
    };
    Ok(match kind {
        TreeFile::List(module_path) => {
            let bytes = match read(MAX_LIST)? {
                Ok(b) => b,
                Err(e) => return Ok(Some(e)),
            };
            let vdir = path
                .parent()
                .expect("a list file has a parent because it is in `@v`");
            let mut versions = versions_in(vdir)?;
            // A tree may list versions it holds the .mod of; the manifest's must be there.
            for m in manifest
                .modules
                .values()
                .filter(|m| &m.path == module_path && m.gomod_h1.is_some())
            {
                versions.push(m.version.clone());
            }
            let want = list_text(versions.iter().map(String::as_str));
            (bytes != want.as_bytes()).then(|| {
                format!(
                    "does not list every version with a .mod in semver order (want {:?})",
                    want.lines().collect::<Vec<_>>()
                )
            })
        }
        TreeFile::Info(mv) => match read(MAX_INFO)? {
            Ok(b) => check_info(mv, &b).err(),
            Err(e) => Some(e),
        },
        TreeFile::Mod(mv) => match read(modzip::MAX_GO_MOD)? {
            Ok(b) => {
                let got = dirhash::hash_gomod(&b);
                let want = entry(mv).gomod_h1.as_deref().unwrap_or_default();
                (got != want).then(|| format!("hashes to {got}, the manifest says {want}"))
            }
            Err(e) => Some(e),
        },
        TreeFile::Zip(mv) => {
            if let Err(e) = modzip::check_zip(&path, mv) {
                return Ok(Some(e.to_string()));
            }
            let got = match dirhash::hash_zip(&path) {
                Ok(h) => h,
                Err(e) => return Ok(Some(e.to_string())),
            };
            let want = entry(mv).zip_h1.as_deref().unwrap_or_default();
            (got != want).then(|| format!("hashes to {got}, the manifest says {want}"))
        }
    })
}

fn existing_zip_matches(path: &Path, entry: &ManifestModule) -> Result<bool, BundleError> {
    if !path.exists() {
        return Ok(false);
    }
    let want = entry.zip_h1.as_deref().unwrap_or_default();
    let got = dirhash::hash_zip(path).map_err(|e| BundleError::Conflict {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    if got != want {
        return Err(BundleError::Conflict {
            path: path.to_path_buf(),
            detail: format!("it hashes to {got}, not {want}"),
        });
    }
    Ok(true)
}

fn read_existing(path: &Path) -> Result<Option<Vec<u8>>, BundleError> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_file() => Ok(fsutil::read_optional(path)?),
        Ok(_) => Err(BundleError::Conflict {
            path: path.to_path_buf(),
            detail: "it is not a regular file".into(),
        }),
        Err(_) => Ok(None),
    }
}

fn relative_name(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn finding(file: &str, problem: &str) -> TreeFinding {
    TreeFinding {
        file: file.to_string(),
        problem: problem.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mv(p: &str, v: &str) -> ModuleVersion {
        ModuleVersion {
            path: p.into(),
            version: v.into(),
        }
    }

    fn entry(p: &str, v: &str, zip: bool) -> ManifestModule {
        ManifestModule {
            path: p.into(),
            version: v.into(),
            zip_h1: zip.then(|| dirhash::hash_gomod(b"zip")),
            gomod_h1: Some(dirhash::hash_gomod(b"mod")),
            info: zip,
        }
    }

    #[test]
    fn manifest_round_trips_and_sorts_by_semver() {
        let mut m = Manifest::new();
        m.repos.insert("example.com/main".into());
        for (p, v, z) in [
            ("example.com/Upper", "v1.10.0", true),
            ("example.com/Upper", "v1.9.0", false),
            ("example.com/a", "v0.0.0-20240102030405-abcdefabcdef", true),
        ] {
            m.add(entry(p, v, z)).unwrap();
        }
        let text = m.render();
        assert!(!text.contains("workspace"), "written only when true");
        let back = Manifest::parse("m", &text).unwrap();
        assert_eq!(back, m);
        let mut ws = m.clone();
        ws.workspace = true;
        let ws_text = ws.render();
        assert!(ws_text.contains("workspace = true"));
        assert_eq!(Manifest::parse("m", &ws_text).unwrap(), ws);
        let err = Manifest::parse("m", &ws_text.replace("workspace = true", "workspace = 1"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`workspace` must be true or false"), "{err}");
        let order: Vec<String> = back
            .modules()
            .iter()
            .map(|e| e.module().to_string())
            .collect();
        assert_eq!(
            order,
            [
                "example.com/Upper@v1.9.0",
                "example.com/Upper@v1.10.0",
                "example.com/a@v0.0.0-20240102030405-abcdefabcdef"
            ]
        );
        let files: Vec<String> = m.expected_files().unwrap().into_keys().collect();
        assert_eq!(
            files,
            [
                "example.com/!upper/@v/list",
                "example.com/!upper/@v/v1.10.0.info",
                "example.com/!upper/@v/v1.10.0.mod",
                "example.com/!upper/@v/v1.10.0.zip",
                "example.com/!upper/@v/v1.9.0.mod",
                "example.com/a/@v/list",
                "example.com/a/@v/v0.0.0-20240102030405-abcdefabcdef.info",
                "example.com/a/@v/v0.0.0-20240102030405-abcdefabcdef.mod",
                "example.com/a/@v/v0.0.0-20240102030405-abcdefabcdef.zip",
            ]
        );
    }

    #[test]
    fn merging_keeps_zips_and_refuses_different_hashes() {
        let mut m = Manifest::new();
        m.add(entry("example.com/a", "v1.0.0", false)).unwrap();
        m.add(entry("example.com/a", "v1.0.0", true)).unwrap();
        assert!(
            m.get(&mv("example.com/a", "v1.0.0"))
                .unwrap()
                .zip_h1
                .is_some()
        );
        m.add(entry("example.com/a", "v1.0.0", false)).unwrap();
        assert!(m.get(&mv("example.com/a", "v1.0.0")).unwrap().info);
        let mut other = entry("example.com/a", "v1.0.0", true);
        other.gomod_h1 = Some(dirhash::hash_gomod(b"other"));
        let err = m.add(other).unwrap_err().to_string();
        assert!(
            err.starts_with("`example.com/a@v1.0.0`: go.mod hashes to"),
            "{err}"
        );
    }

    #[test]
    fn hostile_manifests_are_refused() {
        let good = {
            let mut m = Manifest::new();
            m.add(entry("example.com/a", "v1.0.0", true)).unwrap();
            m.render()
        };
        let cases: Vec<(String, &str)> = vec![
            (
                good.replace("format = 1", "format = 2"),
                "unsupported manifest format 2",
            ),
            (
                good.replace("example.com/a", "../../etc"),
                "module #1: malformed module path",
            ),
            (good.replace("v1.0.0", "v1.0"), "not canonical"),
            (
                good.replace("info = true", "info = true\nextra = 1"),
                "unknown key `extra`",
            ),
            (
                good.replace("zip_h1 = \"h1:", "zip_h1 = \"h2:"),
                "is not an h1: hash",
            ),
            (
                format!(
                    "{good}\n[[module]]\npath = \"example.com/a\"\nversion = \"v1.0.0\"\ngomod_h1 = \"{}\"\ngosum = [\"example.com/a v1.0.0/go.mod {}\"]\n",
                    dirhash::hash_gomod(b"mod"),
                    dirhash::hash_gomod(b"mod")
                ),
                "listed twice",
            ),
            (
                good.replace("/go.mod h1:", "/go.mod h1:A"),
                "go.sum lines do not match",
            ),
        ];
        for (text, want) in cases {
            let err = Manifest::parse("bundle.zip: gomodoff-manifest.toml", &text)
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("bundle.zip: gomodoff-manifest.toml: "),
                "{err}"
            );
            assert!(err.contains(want), "want {want:?} in {err}");
        }
    }

    #[test]
    fn info_is_normalised_and_checked() {
        let m = mv("example.com/a", "v1.2.3");
        assert_eq!(info_json(&m), br#"{"Version":"v1.2.3"}"#);
        let pseudo = mv("example.com/a", "v0.0.0-20240102030405-abcdefabcdef");
        assert_eq!(
            info_json(&pseudo),
            br#"{"Version":"v0.0.0-20240102030405-abcdefabcdef","Time":"2024-01-02T03:04:05Z"}"#
        );
        assert_eq!(
            pseudo_time("v1.2.4-0.20240102030405-abcdefabcdef+incompatible").as_deref(),
            Some("2024-01-02T03:04:05Z")
        );
        assert_eq!(pseudo_time("v1.2.3"), None);
        for (bytes, ok) in [
            (&br#"{"Version":"v1.2.3"}"#[..], true),
            (
                br#"{"Version":"v1.2.3","Time":"2023-05-06T07:08:09.5+02:00"}"#,
                true,
            ),
            (br#"{"Version":"v1.2.4"}"#, false),
            (br#"{"Version":"v1.2.3","Time":"yesterday"}"#, false),
            (br#"{"Version":"v1.2.3","Extra":1}"#, false),
            (b"[]", false),
        ] {
            assert_eq!(
                check_info(&m, bytes).is_ok(),
                ok,
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn lists_are_in_semver_order() {
        assert_eq!(
            list_text([
                "v1.10.0",
                "v1.2.0",
                "v1.2.0-rc.1",
                "v0.0.0-20240101000000-abcdefabcdef",
                "v2.0.0+incompatible",
                "v1.2.0"
            ]),
            "v0.0.0-20240101000000-abcdefabcdef\nv1.2.0-rc.1\nv1.2.0\nv1.10.0\nv2.0.0+incompatible\n"
        );
        assert_eq!(list_text([]), "");
    }

    /// A bundle holding one go.mod-only module, and that module's `.mod` entry name.
    fn gomod_only_bundle(dir: &Path) -> (PathBuf, String) {
        let gomod = b"module example.com/m\n\ngo 1.22\n".to_vec();
        let entry = ManifestModule {
            path: "example.com/m".into(),
            version: "v1.0.0".into(),
            zip_h1: None,
            gomod_h1: Some(dirhash::hash_gomod(&gomod)),
            info: false,
        };
        let mut manifest = Manifest::new();
        manifest.add(entry.clone()).unwrap();
        let content = ModuleContent {
            entry,
            gomod: Some(gomod),
            zip: None,
            info: None,
        };
        let path = dir.join("bundle.zip");
        write_bundle(&path, &manifest, &[content]).unwrap();
        (path, "example.com/m/@v/v1.0.0.mod".into())
    }

    /// A full disk while unpacking names the file and the OS error and does not blame the
    /// bundle. `/dev/full` fails every write with ENOSPC.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_disk_is_not_the_bundles_fault() {
        let dir = tempfile::tempdir().unwrap();
        let (bundle, name) = gomod_only_bundle(dir.path());
        let dest = dir.path().join("staging");
        fs::create_dir(&dest).unwrap();
        unpack(&bundle, &dest).unwrap();
        let dest = dir.path().join("full");
        let to = dest.join(&name);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink("/dev/full", &to).unwrap();
        let err = unpack(&bundle, &dest).unwrap_err();
        assert!(err.is_write(), "{err:?}");
        let text = err.to_string();
        assert!(!text.contains("refusing bundle"), "{text}");
        assert!(text.contains(&to.display().to_string()), "{text}");
        let source = std::error::Error::source(&err).unwrap().to_string();
        assert!(source.contains("No space left on device"), "{source}");
    }

    #[test]
    fn merge_tree_stops_at_the_step_the_hook_fails() {
        let dir = tempfile::tempdir().unwrap();
        let (bundle, name) = gomod_only_bundle(dir.path());
        for (step, moved, listed) in [
            ("merge:first-moved", true, false),
            ("merge:moved", true, false),
            ("merge:listed", true, true),
        ] {
            let staged = dir.path().join(format!("staged-{step}"));
            fs::create_dir(&staged).unwrap();
            let manifest = unpack(&bundle, &staged).unwrap();
            let target = dir.path().join(format!("target-{step}"));
            let hook = |s: &str| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
                if s == step { Err(s.into()) } else { Ok(()) }
            };
            let err = merge_tree(&staged, &target, &manifest, Layout::Tree, &hook).unwrap_err();
            assert_eq!(err.to_string(), step);
            assert_eq!(target.join(&name).is_file(), moved, "{step}");
            assert_eq!(
                target.join("example.com/m/@v/list").is_file(),
                listed,
                "{step}"
            );
            assert!(
                !target.join(MANIFEST_FILE).exists(),
                "{step}: manifest last"
            );
            // Merging again completes the tree.
            merge_tree(&staged, &target, &manifest, Layout::Tree, &|_| Ok(())).unwrap();
            let report = verify_tree(&target).unwrap();
            assert!(report.findings.is_empty(), "{step}: {:?}", report.findings);
        }
    }
}
