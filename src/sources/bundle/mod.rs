//! The gomodoff tree format, as one zip (a bundle) or as a directory: a GOPROXY file tree
//! (`<escaped path>/@v/list`, `<escaped version>.info`, `.mod`, `.zip`) plus
//! `gomodoff-manifest.toml` at its root, which lists per module version the `h1:` of its zip and
//! of its go.mod and the go.sum lines they satisfy. `pack` writes a bundle; `unpack`, `mirror`
//! and proxy mode write directories; the manifest is the reference `unpack` and
//! `mirror --verify` check every byte against.
//!
//! A bundle comes from another machine and is hostile until proven otherwise. [`unpack()`] accepts
//! only the entry names its manifest implies (all generated from checked module paths and
//! versions, so none can leave the target), only regular stored or deflated files within size
//! limits, checks every module zip with [`modzip::check_zip`](crate::formats::modzip::check_zip), every `h1:`, every `.info` and
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

use std::fs;
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

use crate::formats::dirhash::HashError;
use crate::formats::module::{self, ModuleError, ModuleVersion};
use crate::formats::modzip::ZipError;
use crate::util::fsutil::FsError;

mod manifest;
mod merge;
mod unpack;
mod verify;
mod write;

pub use manifest::{Manifest, ManifestModule, SumdbPart, TreeFile, is_safe_sumdb_name};
use manifest::{is_rfc3339, pseudo_time};
pub use merge::{Layout, MergeStats, StepHook, merge_tree};
pub use unpack::unpack;
pub use verify::{TreeFinding, TreeReport, check_sumdb, verify_tree};
pub use write::{ExtraFiles, write_bundle, write_tree};

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

/// Semver order, ties (build metadata) in byte order, as `semver.Sort` does.
pub fn version_order(a: &str, b: &str) -> std::cmp::Ordering {
    module::compare_versions(a, b).then_with(|| a.cmp(b))
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Info {
    #[serde(rename = "Version")]
    version: String,
    #[serde(rename = "Time", skip_serializing_if = "Option::is_none", default)]
    time: Option<String>,
}

#[cfg(test)]
mod tests;

pub(super) fn read_limited(entry: impl io::Read, limit: u64) -> Result<Vec<u8>, String> {
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
