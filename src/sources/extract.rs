//! Module files checked against go.sum: a module zip checked and extracted into a temporary
//! directory ([`Extractor`]), or a module cache directory whose `h1:` is go.sum's
//! ([`check_dir`]); and [`ModuleFiles`], where one build-list module's files are read from.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow};
use rayon::prelude::*;

use crate::formats::dirhash;
use crate::formats::gosum::GoSum;
use crate::formats::listing;
use crate::formats::module::ModuleVersion;
use crate::formats::modzip;
use crate::sources::checked::SumError;
use crate::sources::modcache::ModuleSource;
use crate::sources::verified;

pub(crate) use crate::sources::verified::Digests;

/// Where one build-list module's files are read from.
#[derive(Debug, Clone)]
pub(crate) struct ModuleFiles {
    pub root: PathBuf,
    pub content: Content,
    /// Per-file SHA-256 (path relative to `root`) of a tree checked against go.sum; `None` for a
    /// directory replacement or a cache directory not checked yet.
    pub digests: Option<Digests>,
    /// The stamps that vouch for those digests, where known (see [`verified::Checked`]).
    pub stamps: BTreeMap<String, verified::Stamp>,
    /// Where the files came from, for the lock.
    pub origin: String,
}

/// What a module's files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Content {
    /// A module version's (go.sum covers them).
    Module(ModuleVersion),
    /// A directory replacement, as written in go.mod (go.sum does not cover it).
    Dir(String),
}

impl ModuleFiles {
    /// Checked against go.sum, or a directory replacement (which go reads unchecked too).
    pub(crate) fn checked(&self) -> bool {
        self.digests.is_some() || matches!(self.content, Content::Dir(_))
    }
}

/// The digests of a cache directory when its `h1:` is go.sum's; `None` when it differs (or
/// cannot be hashed the way go hashes it). `used`, `keep`: see [`verified::check_dir`].
pub(crate) fn check_dir(
    records: &verified::Records,
    dir: &Path,
    c: &ModuleVersion,
    gosum: &GoSum,
    used: Option<&[String]>,
    keep: Option<&HashSet<&str>>,
) -> Result<Option<verified::Checked>> {
    let want = gosum
        .zip_hash(&c.path, &c.version)
        .ok_or_else(|| missing(c))?;
    Ok(verified::check_dir(records, dir, &c.to_string(), want, used, keep).unwrap_or(None))
}

fn missing(c: &ModuleVersion) -> SumError {
    SumError::Missing {
        what: format!("`{c}`"),
        module: c.clone(),
    }
}

/// Extracts module zips into one temporary directory outside the repository, each checked
/// against go.sum.
pub(crate) struct Extractor<'a> {
    src: &'a dyn ModuleSource,
    gosum: &'a GoSum,
    temp: Option<tempfile::TempDir>,
    done: HashMap<ModuleVersion, ModuleFiles>,
}

impl<'a> Extractor<'a> {
    pub(crate) fn new(src: &'a dyn ModuleSource, gosum: &'a GoSum) -> Extractor<'a> {
        Extractor {
            src,
            gosum,
            temp: None,
            done: HashMap::new(),
        }
    }

    /// The temporary directory, if any zip was extracted: removed when dropped.
    pub(crate) fn into_temp(self) -> Option<tempfile::TempDir> {
        self.temp
    }

    fn temp_dir(&mut self) -> Result<PathBuf> {
        if self.temp.is_none() {
            self.temp = Some(
                tempfile::Builder::new()
                    .prefix("gomodoff-vendor-")
                    .tempdir()
                    .context("failed to create a temporary directory for module zips")?,
            );
        }
        Ok(self
            .temp
            .as_ref()
            .expect("created above because it was missing")
            .path()
            .to_path_buf())
    }

    /// The files of module version `c`, from its zip (extracted once).
    pub(crate) fn extract(&mut self, c: &ModuleVersion) -> Result<ModuleFiles> {
        if let Some(f) = self.done.get(c) {
            return Ok(f.clone());
        }
        let temp = self.temp_dir()?;
        let files = extract_one(self.src, self.gosum, c, &temp)?;
        self.done.insert(c.clone(), files.clone());
        Ok(files)
    }

    /// The zip of build-list module `module`, which the computation found to provide `import`
    /// (or to be a candidate for it) but has no files for; `contents` maps build-list modules
    /// to the module versions whose files they are.
    pub(crate) fn extract_provider(
        &mut self,
        contents: &HashMap<ModuleVersion, ModuleVersion>,
        module: &ModuleVersion,
        import: &str,
    ) -> Result<ModuleFiles> {
        let content = contents
            .get(module)
            .ok_or_else(|| anyhow!("module `{module}` provides `{import}` but has no files"))?;
        if self
            .gosum
            .zip_hash(&content.path, &content.version)
            .is_none()
        {
            return Err(SumError::Missing {
                what: format!("module providing package `{import}` (`{content}`)"),
                module: content.clone(),
            }
            .into());
        }
        self.extract(content)
    }

    /// `(build-list module, content)` pairs, extracted in parallel.
    pub(crate) fn extract_all(
        &mut self,
        wanted: &[(ModuleVersion, ModuleVersion)],
    ) -> Result<Vec<(ModuleVersion, ModuleFiles)>> {
        let temp = self.temp_dir()?;
        let contents: BTreeSet<&ModuleVersion> = wanted
            .iter()
            .map(|(_, c)| c)
            .filter(|c| !self.done.contains_key(*c))
            .collect();
        let (src, gosum) = (self.src, self.gosum);
        let results: Vec<Result<(ModuleVersion, ModuleFiles)>> = contents
            .into_par_iter()
            .map(|c| Ok((c.clone(), extract_one(src, gosum, c, &temp)?)))
            .collect();
        for r in results {
            let (c, files) = r?;
            self.done.insert(c, files);
        }
        Ok(wanted
            .iter()
            .map(|(m, c)| (m.clone(), self.done[c].clone()))
            .collect())
    }
}

/// The zip of `c` checked against go.sum and extracted under `temp`.
fn extract_one(
    src: &dyn ModuleSource,
    gosum: &GoSum,
    c: &ModuleVersion,
    temp: &Path,
) -> Result<ModuleFiles> {
    let want = gosum
        .zip_hash(&c.path, &c.version)
        .ok_or_else(|| missing(c))?;
    let zip = src.zip_path(c)?;
    let dest = temp.join(listing::tree_name(c)?);
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    let entries = modzip::extract_zip(&zip, c, &dest)?;
    let digests: Digests = entries
        .iter()
        .filter_map(|e| Some((e.name.clone(), e.sha256?)))
        .collect();
    let got = dirhash::hash1_prefixed(&c.to_string(), &digests)?;
    if got != want {
        // A zip with directory entries hashes differently from its files alone: then the zip
        // itself decides.
        let zip_h1 = dirhash::hash_zip(&zip)
            .with_context(|| format!("failed to hash `{}`", zip.display()))?;
        if zip_h1 != want {
            return Err(SumError::mismatch(c.to_string(), want, &zip_h1, src, Some(&zip)).into());
        }
    }
    Ok(ModuleFiles {
        root: dest,
        content: Content::Module(c.clone()),
        digests: Some(digests),
        stamps: BTreeMap::new(),
        origin: format!("zip in {}", src.kind()),
    })
}
