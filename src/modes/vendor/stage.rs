//! Staging the new `vendor/` (every file checked against its digest as it is copied) and copies
//! of whole trees (the backup of the `vendor/` from before gomodoff).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::compute::Computed;
use super::listing::NewFile;
use crate::sources::verified::copy_checked;
use crate::txn::plan;

/// Copies every file of the new tree into `dest` (files as go writes them: 0666 through the
/// umask), checking each against its digest as it goes; returns the bytes written.
pub(super) fn stage_tree(
    dest: &Path,
    computed: &Computed,
    bar: &indicatif::ProgressBar,
) -> Result<u64> {
    let dirs: BTreeSet<PathBuf> = computed
        .files
        .keys()
        .filter_map(|k| Path::new(k).parent().map(|p| dest.join(p)))
        .collect();
    fs::create_dir_all(dest).with_context(|| format!("failed to create `{}`", dest.display()))?;
    // In parallel: create_dir_all makes any parent another thread has not made yet.
    dirs.par_iter().try_for_each(|d| {
        fs::create_dir_all(d).with_context(|| format!("failed to create `{}`", d.display()))
    })?;
    plan::fault_point("extract")?;
    let written: Result<Vec<u64>> = computed
        .files
        .par_iter()
        .map(|(name, f)| {
            let n = stage_file(&dest.join(name), name, f, computed)?;
            bar.inc(1);
            Ok(n)
        })
        .collect();
    Ok(written?.into_iter().sum())
}

/// Copies the file `name` of the new tree to `to`, checked against its digest; the bytes
/// written.
fn stage_file(to: &Path, name: &str, f: &NewFile, computed: &Computed) -> Result<u64> {
    let changed = || {
        anyhow!(
            "`{}` changed while it was being vendored (its content is no longer the one checked against go.sum); run again",
            f.source.as_deref().unwrap_or(Path::new(name)).display()
        )
    };
    // A source whose stamp vouches for its digest before and after it is read is copied
    // without hashing it; any other is hashed.
    if let Some(src) = &f.source {
        let copied = copy_checked(src, to, f.stamp, &f.digest).map_err(|e| {
            anyhow!(e).context(format!(
                "failed to copy `{}` to `{}`",
                src.display(),
                to.display()
            ))
        })?;
        return copied.ok_or_else(changed);
    }
    let bytes = computed.tree.modules_txt.as_bytes().to_vec();
    let digest: [u8; 32] = Sha256::digest(&bytes).into();
    if digest != f.digest {
        return Err(changed());
    }
    fs::write(to, &bytes).with_context(|| format!("failed to write `{}`", to.display()))?;
    Ok(bytes.len() as u64)
}

/// A copy of the tree `from` at `to` (which must not exist): files hard-linked where the link
/// keeps every byte and mode (owner-writable files; the transaction makes trees writable before
/// it moves them), copied otherwise; symbolic links re-created.
pub(super) fn link_or_copy_tree(from: &Path, to: &Path) -> Result<()> {
    for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
        let entry = entry.with_context(|| format!("failed to read `{}`", from.display()))?;
        let rel = entry
            .path()
            .strip_prefix(from)
            .expect("walkdir yields paths below its root");
        let target = to.join(rel);
        let kind = entry.file_type();
        let result = if kind.is_dir() {
            fs::create_dir_all(&target)
        } else if kind.is_symlink() {
            copy_symlink(entry.path(), &target)
        } else if kind.is_file() {
            let writable = entry
                .metadata()
                .map(|m| !m.permissions().readonly())
                .unwrap_or(false);
            if writable {
                fs::hard_link(entry.path(), &target)
                    .or_else(|_| fs::copy(entry.path(), &target).map(|_| ()))
            } else {
                fs::copy(entry.path(), &target).map(|_| ())
            }
        } else {
            bail!(
                "`{}` is not a file, a directory or a symbolic link; move it out of vendor/ first",
                entry.path().display()
            );
        };
        result.with_context(|| {
            format!(
                "failed to copy `{}` to `{}`",
                entry.path().display(),
                target.display()
            )
        })?;
    }
    Ok(())
}

#[cfg(unix)]
pub(super) fn copy_symlink(from: &Path, to: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(fs::read_link(from)?, to)
}

#[cfg(not(unix))]
pub(super) fn copy_symlink(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::copy(from, to).map(|_| ())
}
