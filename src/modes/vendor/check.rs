//! The vendor-mode side of `verify` and `status`: every file of `vendor/` against the listing,
//! the listing against the lock, and go's `-mod=vendor` consistency check.

use std::collections::BTreeMap;

use anyhow::{Context as _, Result};
use sha2::{Digest, Sha256};

use super::listing::{LockOwners, parse_listing};
use super::{LISTING_FILE, VENDOR_DIR};
use crate::formats::dirhash;
use crate::formats::gomod::GoMod;
use crate::formats::lock::LockFile;
use crate::modes::Finding;
use crate::repo::{self, Repo};
use crate::resolve::consistency::{consistency, consistency_workspace, requirement_changes};
use crate::sources::goenv::go_version_installed;
use crate::util::fsutil;

/// One finding.
fn finding(module: &str, kind: &'static str, file: Option<String>, detail: String) -> Finding {
    Finding {
        module: module.to_string(),
        kind,
        file,
        detail,
    }
}

/// What `verify` finds wrong with a vendor-mode repository: every file of `vendor/` added,
/// removed or modified since gomodoff wrote it (named), the listing or go.sum disagreeing with
/// the lock.
pub(crate) fn verify_findings(repo: &Repo, lock: &LockFile) -> Result<Vec<Finding>> {
    let vendor_dir = repo.root.join(VENDOR_DIR);
    if !vendor_dir.is_dir() {
        let detail = "`vendor/` is gone; run `gomodoff vendor`".into();
        return Ok(vec![finding(VENDOR_DIR, "missing tree", None, detail)]);
    }
    let Some(listing) = fsutil::read_optional(&repo.root.join(LISTING_FILE))? else {
        let detail =
            format!("`{LISTING_FILE}` is gone; run `gomodoff vendor` to write vendor/ again");
        return Ok(vec![finding(LISTING_FILE, "missing listing", None, detail)]);
    };
    let want = lock.vendor.as_ref().map(|v| v.sum_sha256.as_str());
    let got = fsutil::sha256_hex(&listing);
    if want != Some(got.as_str()) {
        let detail = format!(
            "its SHA-256 is {got}, gomodoff.lock says {}",
            want.unwrap_or("nothing")
        );
        return Ok(vec![finding(
            LISTING_FILE,
            "listing modified",
            None,
            detail,
        )]);
    }
    let expected = parse_listing(&listing)?;
    let owners = LockOwners::new(&lock.modules);
    let mut out = lock_findings(repo, lock, &expected, &owners)?;
    let actual = dirhash::dir_file_digests(&vendor_dir)
        .with_context(|| format!("failed to hash `{}`", vendor_dir.display()))?;
    out.extend(file_findings(lock, &expected, &actual, &owners));
    Ok(out)
}

/// The listing against the lock, module by module: each module's lines against its
/// `vendor_h1`, its go.sum line against its `zip_h1`.
fn lock_findings(
    repo: &Repo,
    lock: &LockFile,
    expected: &BTreeMap<String, [u8; 32]>,
    owners: &LockOwners,
) -> Result<Vec<Finding>> {
    let mut per_module: BTreeMap<usize, BTreeMap<String, [u8; 32]>> = BTreeMap::new();
    for (file, digest) in expected {
        if let Some(i) = owners.owner(file) {
            per_module
                .entry(i)
                .or_default()
                .insert(format!("{VENDOR_DIR}/{file}"), *digest);
        }
    }
    let gosum = repo.gosum()?;
    let mut out = Vec::new();
    for (i, m) in lock.modules.iter().enumerate() {
        let name = format!("{}@{}", m.path, m.version);
        let empty = BTreeMap::new();
        let lines = per_module.get(&i).unwrap_or(&empty);
        if let Some(want) = &m.vendor_h1
            && dirhash::hash1_from_digests(lines)? != *want
        {
            let detail =
                format!("the listing's lines for the module do not hash to the lock's {want}");
            out.push(finding(&name, "listing disagrees", None, detail));
        }
        if let (Some(want), Some(version)) = (&m.zip_h1, &m.replace_version) {
            let detail = match gosum.zip_hash(&m.replace_path, version) {
                Some(h) if h == want => continue,
                Some(h) => format!("go.sum has {h}, vendor/ was written for {want}"),
                None => "go.sum no longer lists the module".into(),
            };
            out.push(finding(&name, "go.sum disagrees", None, detail));
        }
    }
    Ok(out)
}

/// The files of `vendor/` (`actual`) against the listing (`expected`): removed, modified,
/// added, each with the module it belongs to.
fn file_findings(
    lock: &LockFile,
    expected: &BTreeMap<String, [u8; 32]>,
    actual: &BTreeMap<String, [u8; 32]>,
    owners: &LockOwners,
) -> Vec<Finding> {
    let module_of = |file: &str| -> String {
        match owners.owner(file) {
            Some(i) => format!("{}@{}", lock.modules[i].path, lock.modules[i].version),
            None => VENDOR_DIR.to_string(),
        }
    };
    let mut out = Vec::new();
    for (file, digest) in expected {
        let kind = match actual.get(file) {
            None => "removed",
            Some(a) if a != digest => "modified",
            Some(_) => continue,
        };
        let file_name = Some(format!("{VENDOR_DIR}/{file}"));
        out.push(finding(&module_of(file), kind, file_name, String::new()));
    }
    for file in actual.keys() {
        if !expected.contains_key(file) {
            let file_name = Some(format!("{VENDOR_DIR}/{file}"));
            out.push(finding(&module_of(file), "added", file_name, String::new()));
        }
    }
    out
}

/// Every way a vendor-mode repository differs from what the go command's `-mod=vendor`
/// consistency check accepts, or from what gomodoff wrote, one line each.
pub(crate) fn drift(repo: &Repo, lock: &LockFile) -> Result<Vec<String>> {
    if let Some(ws) = &repo.workspace {
        return drift_workspace(repo, ws, lock);
    }
    let mut out = Vec::new();
    let gomod = repo.gomod()?;
    let modules_txt_path = repo.root.join(VENDOR_DIR).join("modules.txt");
    let modules_txt = fsutil::read_optional(&modules_txt_path)?;
    match &modules_txt {
        None => out.push("vendor/modules.txt is missing: run `gomodoff vendor`".into()),
        Some(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            let installed = go_version_installed();
            for problem in consistency(&gomod, &text, installed.as_deref()) {
                out.push(format!("inconsistent vendoring: {problem}"));
            }
        }
    }
    if repo.gomod_text != lock.gomod_before {
        let then = GoMod::parse("gomodoff.lock (go.mod when vendored)", &lock.gomod_before)?;
        let mut changes = requirement_changes(&then, &gomod);
        if changes.is_empty() {
            changes.push("go.mod: changed since vendoring".into());
        }
        out.extend(changes);
    }
    let gosum = repo.gosum_text.clone().unwrap_or_default();
    if fsutil::sha256_hex(gosum.as_bytes()) != lock.gosum_sha256 {
        out.push("go.sum: changed since vendoring".into());
    }
    out.extend(listing_drift(repo, modules_txt.as_deref())?);
    Ok(out)
}

/// What the listing says of modules.txt: missing listing, or modules.txt changed since written.
pub(super) fn listing_drift(repo: &Repo, modules_txt: Option<&[u8]>) -> Result<Vec<String>> {
    let Some(listing) = fsutil::read_optional(&repo.root.join(LISTING_FILE))? else {
        return Ok(vec![format!(
            "{LISTING_FILE} is missing: run `gomodoff vendor`"
        )]);
    };
    let recorded = parse_listing(&listing)
        .ok()
        .and_then(|l| l.get("modules.txt").copied());
    if let (Some(bytes), Some(want)) = (modules_txt, recorded)
        && <[u8; 32]>::from(Sha256::digest(bytes)) != want
    {
        return Ok(vec![
            "vendor/modules.txt: changed since gomodoff wrote it (`gomodoff verify` names every changed file)"
                .into(),
        ]);
    }
    Ok(Vec::new())
}

/// [`drift`] of a vendored workspace: go's workspace-mode consistency check, go.work and the
/// workspace's go.sum files against the lock, modules.txt against the listing.
pub(super) fn drift_workspace(
    repo: &Repo,
    ws: &repo::WorkspaceFiles,
    lock: &LockFile,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let modules_txt = fsutil::read_optional(&repo.root.join(VENDOR_DIR).join("modules.txt"))?;
    match &modules_txt {
        None => out.push("vendor/modules.txt is missing: run `gomodoff vendor`".into()),
        Some(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            let installed = go_version_installed();
            for problem in consistency_workspace(ws, &text, installed.as_deref())? {
                out.push(format!("inconsistent vendoring: {problem}"));
            }
        }
    }
    if repo.gomod_text != lock.gomod_before {
        out.push("go.work: changed since vendoring".into());
    }
    let gosum = repo.gosum_text.clone().unwrap_or_default();
    if fsutil::sha256_hex(gosum.as_bytes()) != lock.gosum_sha256 {
        out.push("go.sum (a workspace module's, or go.work.sum): changed since vendoring".into());
    }
    out.extend(listing_drift(repo, modules_txt.as_deref())?);
    Ok(out)
}
