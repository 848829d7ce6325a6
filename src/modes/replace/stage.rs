//! Replace mode's staging: every module to write extracted (or its go.mod written) into the
//! staging directory, checked against go.sum, with the `<tree>.hashes` listing beside each whole
//! tree. The plan's tree adds rename them into place.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use anyhow::{Context as _, Result, anyhow};
use rayon::prelude::*;

use super::plan::{Need, Work};
use super::slim;
use crate::formats::dirhash;
use crate::formats::listing::{hashes_path, hashes_text, omitted_text};
use crate::formats::lock::{LockFile, Tier};
use crate::formats::modzip;
use crate::sources::checked::SumError;
use crate::sources::modcache::ModuleSource;
use crate::txn::plan;
use crate::util::fsutil;

/// Extract and verify every module to write into `staging` (the empty staging directory,
/// absolute); the plan's tree adds point there. Records in `lock` which trees got a synthesised
/// go.mod; returns the bytes extracted.
pub(super) fn stage(
    staging: &Path,
    src: &dyn ModuleSource,
    work: &mut [Work],
    lock: &mut LockFile,
    bar: &indicatif::ProgressBar,
) -> Result<u64> {
    create_dir_all(staging)?;
    let results: Vec<Result<(usize, Staged)>> = work
        .par_iter()
        .enumerate()
        .map(|(i, w)| {
            let dest = staging.join(&w.tree);
            if let Some(parent) = dest.parent() {
                create_dir_all(parent)?;
            }
            let _step = Step(bar);
            Ok((i, stage_one(src, &w.need, &dest)?))
        })
        .collect();
    let mut total = 0;
    for r in results {
        let (i, staged) = r?;
        total += staged.bytes;
        let w = &work[i];
        if let Some(m) = lock.modules.iter_mut().find(|m| m.dir == w.tree) {
            m.synthesized_gomod = staged
                .synthesized
                .then(|| String::from_utf8_lossy(&w.need.gomod).into_owned());
            m.omitted_sha256 = staged.omitted_sha256;
        }
    }
    Ok(total)
}

/// What staging one module did.
struct Staged {
    /// Its go.mod was synthesised.
    synthesized: bool,
    /// Bytes written.
    bytes: u64,
    /// A slim tree: SHA-256 (hex) of the listing of the files it leaves out.
    omitted_sha256: Option<String>,
}

/// One module into `dest`: every file of its zip, or for a slim tree the ones [`slim::keep`]
/// keeps (every file hashed all the same).
fn stage_one(src: &dyn ModuleSource, n: &Need, dest: &Path) -> Result<Staged> {
    match n.tier {
        Tier::GoMod => {
            create_dir_all(dest)?;
            write(&dest.join("go.mod"), &n.gomod)?;
            Ok(Staged {
                synthesized: n.synthesized,
                bytes: n.gomod.len() as u64,
                omitted_sha256: None,
            })
        }
        Tier::Full => {
            let want = n
                .zip_h1
                .as_deref()
                .ok_or_else(|| anyhow!("no go.sum line for `{}`", n.content))?;
            let zip = src.zip_path(&n.content)?;
            plan::fault_point("extract")?;
            // One pass: the extraction hashes what it writes, so the tree's `h1:` is known
            // without reading the zip or the tree again. A mismatch removes the staged tree with
            // everything else in staging; nothing outside it was touched.
            let keep = |name: &str| n.selection.as_ref().is_none_or(|s| slim::keep(s, name));
            let entries = modzip::extract_zip_selected(&zip, &n.content, dest, &keep)?;
            let omitted: BTreeSet<String> = entries
                .iter()
                .filter(|e| !keep(&e.name))
                .map(|e| e.name.clone())
                .collect();
            let bytes: u64 = entries
                .iter()
                .filter(|e| keep(&e.name))
                .map(|e| e.size)
                .sum();
            let digests: BTreeMap<String, [u8; 32]> = entries
                .iter()
                .filter_map(|e| Some((e.name.clone(), e.sha256?)))
                .collect();
            let got = dirhash::hash1_prefixed(&n.content.to_string(), &digests)?;
            if got != want {
                // A zip with directory entries hashes differently from its files alone: then
                // the zip itself decides.
                let zip_h1 = dirhash::hash_zip(&zip)
                    .with_context(|| format!("failed to hash `{}`", zip.display()))?;
                if zip_h1 != want {
                    let what = n.content.to_string();
                    return Err(SumError::mismatch(what, want, &zip_h1, src, Some(&zip)).into());
                }
            }
            write(
                &hashes_path(dest),
                hashes_text(&n.content, &digests, &omitted).as_bytes(),
            )?;
            let synthesized = !dest.join("go.mod").exists();
            if synthesized {
                write(&dest.join("go.mod"), &n.gomod)?;
            }
            let omitted_sha256 = n
                .selection
                .is_some()
                .then(|| fsutil::sha256_hex(omitted_text(&n.content, &omitted).as_bytes()));
            Ok(Staged {
                synthesized,
                bytes,
                omitted_sha256,
            })
        }
    }
}

/// `fs::create_dir_all`, naming the directory in the error (a full disk says which write failed).
fn create_dir_all(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("failed to create `{}`", dir.display()))
}

/// `fs::write`, naming the file in the error.
fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    fs::write(path, bytes).with_context(|| format!("failed to write `{}`", path.display()))
}

/// Advances a progress bar by one when dropped, however the step ends.
struct Step<'a>(&'a indicatif::ProgressBar);

impl Drop for Step<'_> {
    fn drop(&mut self) {
        self.0.inc(1);
    }
}
