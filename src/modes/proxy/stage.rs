//! Proxy mode's staging: every file the plan adds to the GOPROXY tree written into the staging
//! directory, module zips checked against go.sum on the staged copy.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use rayon::prelude::*;

use super::plan::{ProxyPlan, STAGED_SUBDIR};
use crate::sources::bundle;
use crate::sources::checked::checked_zip;
use crate::sources::modcache::ModuleSource;
use crate::txn::plan;

/// Write every staged file into `staging` (the empty staging directory, absolute): module files
/// checked against go.sum on the staged copy, lists and the manifest.
pub(super) fn stage(staging: &Path, src: &dyn ModuleSource, planned: &ProxyPlan) -> Result<()> {
    let staged_root = staging.join(STAGED_SUBDIR);
    fs::create_dir_all(&staged_root)
        .with_context(|| format!("failed to create `{}`", staged_root.display()))?;
    let write = |name: &str, bytes: &[u8]| -> Result<PathBuf> {
        let to = staged_root.join(name);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("failed to create `{}`", parent.display()))?;
        }
        fs::write(&to, bytes).with_context(|| format!("failed to write `{}`", to.display()))?;
        Ok(to)
    };
    // The largest zips first: each is checked and hashed on one thread, and one started last
    // would keep a core busy after the others are done.
    let mut order: Vec<_> = planned.stage.iter().collect();
    order.sort_by_cached_key(|n| {
        let zip = n
            .zip_h1
            .as_ref()
            .and_then(|_| src.zip_path(&n.content).ok());
        std::cmp::Reverse(
            zip.and_then(|z| fs::metadata(z).ok())
                .map_or(0, |m| m.len()),
        )
    });
    order
        .par_iter()
        .map(|n| -> Result<()> {
            if let Some(gomod) = &n.gomod {
                write(&bundle::module_file(&n.content, "mod")?, gomod)?;
            }
            if n.listed {
                let info = bundle::info_json(&n.content);
                write(&bundle::module_file(&n.content, "info")?, &info)?;
            }
            if let Some(want) = &n.zip_h1 {
                let from = src.zip_path(&n.content)?;
                let to = staged_root.join(bundle::module_file(&n.content, "zip")?);
                if let Some(parent) = to.parent() {
                    fs::create_dir_all(parent)?;
                }
                plan::fault_point("extract")?;
                fs::copy(&from, &to).with_context(|| {
                    format!("failed to copy `{}` to `{}`", from.display(), to.display())
                })?;
                checked_zip(src, &n.content, &to, want)?;
            }
            Ok(())
        })
        .collect::<Result<()>>()?;
    for (name, text) in &planned.lists {
        write(name, text.as_bytes())?;
    }
    for (name, bytes) in &planned.sumdb_files {
        write(name, bytes)?;
    }
    write(bundle::MANIFEST_FILE, planned.manifest.render().as_bytes())?;
    Ok(())
}
