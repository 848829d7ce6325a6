//! Where modules come from: the module cache (default, or `--modcache`), or `--from`: a GOPROXY
//! file tree or a bundle made by `gomodoff pack`. A bundle is verified in full (every entry name,
//! zip and hash, as `unpack` does) and laid out in a temporary directory that lives as long as
//! the source.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use crate::formats::module::ModuleVersion;
use crate::sources::bundle;
use crate::sources::modcache::{ModCache, ModuleSource, ProxyTree, SourceError};
use crate::util::context::Context;

pub(crate) fn open(ctx: &Context) -> Result<Box<dyn ModuleSource>> {
    if let Some(from) = &ctx.from {
        if from.is_dir() {
            return Ok(Box::new(ProxyTree::new(from.clone())));
        }
        if from.is_file() {
            return Ok(Box::new(BundleSource::open(from)?));
        }
        bail!("`--from {}` does not exist", from.display());
    }
    Ok(Box::new(ModCache::locate(ctx.modcache.as_deref())?))
}

/// A verified bundle, unpacked into a temporary directory removed on drop.
pub(crate) struct BundleSource {
    tree: ProxyTree,
    describe: String,
    _dir: tempfile::TempDir,
}

impl BundleSource {
    pub(crate) fn open(bundle: &Path) -> Result<BundleSource> {
        let dir = tempfile::Builder::new()
            .prefix("gomodoff-bundle-")
            .tempdir()
            .context("failed to create a temporary directory for the bundle")?;
        bundle::unpack(bundle, dir.path(), None)
            .with_context(|| format!("failed to read bundle `{}`", bundle.display()))?;
        Ok(BundleSource {
            tree: ProxyTree::new(dir.path()),
            describe: format!("bundle `{}`", bundle.display()),
            _dir: dir,
        })
    }

    fn rename(&self, e: SourceError) -> SourceError {
        match e {
            SourceError::Missing {
                module, what, hint, ..
            } => SourceError::Missing {
                module,
                what,
                origin: self.describe.clone(),
                hint,
            },
            other => other,
        }
    }
}

impl ModuleSource for BundleSource {
    fn describe(&self) -> String {
        self.describe.clone()
    }

    fn tree_dir(&self) -> Option<&Path> {
        self.tree.tree_dir()
    }

    fn kind(&self) -> &'static str {
        "bundle"
    }

    fn versions(&self, path: &str) -> Result<Vec<String>, SourceError> {
        self.tree.versions(path).map_err(|e| self.rename(e))
    }

    fn info(&self, mv: &ModuleVersion) -> Result<Vec<u8>, SourceError> {
        self.tree.info(mv).map_err(|e| self.rename(e))
    }

    fn gomod(&self, mv: &ModuleVersion) -> Result<Vec<u8>, SourceError> {
        self.tree.gomod(mv).map_err(|e| self.rename(e))
    }

    fn zip_path(&self, mv: &ModuleVersion) -> Result<PathBuf, SourceError> {
        self.tree.zip_path(mv).map_err(|e| self.rename(e))
    }

    fn ziphash(&self, mv: &ModuleVersion) -> Result<Option<String>, SourceError> {
        self.tree.ziphash(mv)
    }

    fn extracted_dir(&self, _mv: &ModuleVersion) -> Option<PathBuf> {
        None
    }
}
