//! Replace mode's staging: every module to write laid out (or its go.mod written) into the
//! staging directory — copied from the module cache's extracted directory when it checks out
//! against go.sum, else extracted from the zip, checked — with the `<tree>.hashes` listing
//! beside each tree. The plan's tree adds rename them into place.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::Path;

use anyhow::{Context as _, Result, anyhow};
use rayon::prelude::*;

use super::plan::{Need, Work};
use crate::formats::dirhash;
use crate::formats::listing::{hashes_path, hashes_text, omitted_text};
use crate::formats::lock::{LockFile, Tier};
use crate::formats::modzip;
use crate::sources::checked::SumError;
use crate::sources::modcache::ModuleSource;
use crate::sources::verified::{self, Digests, copy_checked};
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
    let records = verified::Records::from_env();
    let results: Vec<Result<(usize, Staged)>> = work
        .par_iter()
        .enumerate()
        .map(|(i, w)| {
            let dest = staging.join(&w.tree);
            if let Some(parent) = dest.parent() {
                create_dir_all(parent)?;
            }
            let _step = Step(bar);
            Ok((i, stage_one(src, &records, &w.need, &dest)?))
        })
        .collect();
    let mut total = 0;
    let by_dir: HashMap<String, usize> = lock
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.dir.clone(), i))
        .collect();
    for r in results {
        let (i, staged) = r?;
        total += staged.bytes;
        let w = &work[i];
        if let Some(m) = by_dir.get(&w.tree).map(|&at| &mut lock.modules[at]) {
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

/// One module into `dest`: every file of its zip, or for a slim tree the ones [`Need::keeps`]
/// keeps. The files come from the source's extracted directory when its `h1:` is go.sum's
/// ([`verified::check_dir`]: hashed once, then vouched for by the records of the file stamps,
/// as vendor mode does), each copied while its stamp still vouches for its digest; else from
/// the zip, every entry hashed whether it is written or not.
fn stage_one(
    src: &dyn ModuleSource,
    records: &verified::Records,
    n: &Need,
    dest: &Path,
) -> Result<Staged> {
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
            let keep = |name: &str| n.keeps(name);
            plan::fault_point("extract")?;
            let from_dir = match src.extracted_dir(&n.content) {
                Some(dir) => copy_checked_dir(records, &dir, n, want, dest, &keep)?,
                None => None,
            };
            let (digests, bytes) = match from_dir {
                Some(done) => done,
                None => extract_checked_zip(src, n, want, dest, &keep)?,
            };
            let omitted: BTreeSet<String> =
                digests.keys().filter(|name| !keep(name)).cloned().collect();
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

/// The files `keep` keeps of the module's extracted directory `dir`, copied into `dest`, when
/// the directory's `h1:` is `want`: its digests (every file's) and the bytes written. `None`
/// (and `dest` left missing) when the directory does not check out or a file changed while it
/// was copied: the zip decides then.
fn copy_checked_dir(
    records: &verified::Records,
    dir: &Path,
    n: &Need,
    want: &str,
    dest: &Path,
    keep: &dyn Fn(&str) -> bool,
) -> Result<Option<(Digests, u64)>> {
    let Ok(Some(checked)) =
        verified::check_dir(records, dir, &n.content.to_string(), want, None, None)
    else {
        return Ok(None);
    };
    let mut bytes = 0;
    for (name, digest) in checked.digests.iter().filter(|(name, _)| keep(name)) {
        let from = dir.join(name);
        let to = dest.join(name);
        if let Some(parent) = to.parent() {
            create_dir_all(parent)?;
        }
        let stamp = checked.stamps.get(name).copied();
        let copied = copy_checked(&from, &to, stamp, digest).with_context(|| {
            format!("failed to copy `{}` to `{}`", from.display(), to.display())
        })?;
        let Some(n) = copied else {
            // Not the content checked against go.sum: the zip decides.
            fsutil::remove_dir_all_if_exists(dest)
                .with_context(|| format!("failed to remove `{}`", dest.display()))?;
            return Ok(None);
        };
        bytes += n;
    }
    create_dir_all(dest)?;
    Ok(Some((checked.digests, bytes)))
}

/// The module's zip checked against go.sum and extracted into `dest`, only the files `keep`
/// keeps written: the digests of every file, and the bytes written.
fn extract_checked_zip(
    src: &dyn ModuleSource,
    n: &Need,
    want: &str,
    dest: &Path,
    keep: &dyn Fn(&str) -> bool,
) -> Result<(Digests, u64)> {
    let zip = src.zip_path(&n.content)?;
    // One pass: the extraction hashes what it writes, so the tree's `h1:` is known
    // without reading the zip or the tree again. A mismatch removes the staged tree with
    // everything else in staging; nothing outside it was touched.
    let entries = modzip::extract_zip_selected(&zip, &n.content, dest, keep)?;
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
    Ok((digests, bytes))
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
