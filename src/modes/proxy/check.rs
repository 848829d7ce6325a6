//! Proxy mode's checks: `verify` re-hashes the tree against its manifest (every byte), the
//! manifest against gomodoff.lock, the lock against go.sum; `status` lists drift of go.mod,
//! go.sum and the tree since `vendor`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Result;

use crate::formats::gomod::GoMod;
use crate::formats::gosum::GoSum;
use crate::formats::lock::{LockFile, LockedModule, Tier};
use crate::formats::module::ModuleVersion;
use crate::modes::Problem;
use crate::repo::Repo;
use crate::sources::bundle::{self, Manifest};
use crate::sources::sumdb;
use crate::util::context::Context;
use crate::util::fsutil;

/// Every problem of the tree, its manifest, the lock and go.sum, by file or module; and of the
/// checksum database part the tree carries, checked in full with the key the user's `GOSUMDB`
/// names (the head's signature, every record's proof against it through the carried tiles,
/// every record's hashes against the manifest, itself checked against the lock and go.sum), as
/// `mirror --verify` checks a mirror's. With GOSUMDB off the part is not checked, and a warning
/// says so.
pub(crate) fn verify(ctx: &mut Context, repo: &Repo, lock: &LockFile) -> Result<Vec<Problem>> {
    let gosum = repo.gosum()?;
    let tree = repo.root.join(&lock.dir);
    let mut findings = Vec::new();
    let mut find = |subject: String, problem: String| findings.push(Problem { subject, problem });
    let manifest = if tree.join(bundle::MANIFEST_FILE).is_file() {
        let report = bundle::verify_tree(&tree)?;
        for f in report.findings {
            find(format!("`{}`", f.file), f.problem);
        }
        for f in check_sumdb(ctx, repo, &tree, &report.manifest)? {
            find(format!("`{}`", f.file), f.problem);
        }
        report.manifest
    } else {
        find(
            format!("`{}`", lock.dir),
            format!(
                "the tree or its {} is missing; run `gomodoff vendor`",
                bundle::MANIFEST_FILE
            ),
        );
        Manifest::new()
    };
    let mut locked = BTreeSet::new();
    for m in &lock.modules {
        let mv = ModuleVersion {
            path: m.path.clone(),
            version: m.version.clone(),
        };
        locked.insert(mv.clone());
        locked_module(&mv, m, &manifest, &gosum, &mut find);
    }
    for m in manifest.modules() {
        if m.gomod_h1.is_some() && !locked.contains(&m.module()) {
            find(
                m.module().to_string(),
                "is in the tree but not in gomodoff.lock".into(),
            );
        }
    }
    findings.sort();
    Ok(findings)
}

/// The findings of the tree's checksum database part (none when it carries none, or it
/// verifies), checked with the key the user's `GOSUMDB` names.
fn check_sumdb(
    ctx: &mut Context,
    repo: &Repo,
    tree: &Path,
    manifest: &Manifest,
) -> Result<Vec<bundle::TreeFinding>> {
    if manifest.sumdb.is_none() {
        return Ok(Vec::new());
    }
    let user = sumdb::user_sumdb(&repo.root)?;
    let Some(db) = &user.database else {
        ctx.shell.warn(
            "GOSUMDB is off: the tree's checksum database part was not checked (set GOSUMDB to check it; `env` prints GOSUMDB=off meanwhile)",
        )?;
        return Ok(Vec::new());
    };
    Ok(bundle::check_sumdb(tree, manifest, &db.key)?.unwrap_or_default())
}

/// One module of the lock against the tree's manifest and go.sum.
fn locked_module(
    mv: &ModuleVersion,
    m: &LockedModule,
    manifest: &Manifest,
    gosum: &GoSum,
    find: &mut impl FnMut(String, String),
) {
    let name = mv.to_string();
    match manifest.get(mv) {
        Some(e) if e.zip_h1 == m.zip_h1 && e.gomod_h1.as_ref() == Some(&m.gomod_h1) => {}
        Some(_) => find(
            name.clone(),
            "the tree's manifest disagrees with gomodoff.lock".into(),
        ),
        None if manifest.is_empty() => {}
        None => find(name.clone(), "is not in the tree".into()),
    }
    if let Some(want) = &m.zip_h1
        && gosum.zip_hash(&m.path, &m.version) != Some(want.as_str())
    {
        find(
            name.clone(),
            format!(
                "go.sum disagrees: it has {:?}, the tree was written for {want}",
                gosum.zip_hash(&m.path, &m.version)
            ),
        );
    }
    if gosum.gomod_hash(&m.path, &m.version) != Some(m.gomod_h1.as_str()) {
        find(
            format!("{name}/go.mod"),
            format!(
                "go.sum disagrees: it has {:?}, the tree was written for {}",
                gosum.gomod_hash(&m.path, &m.version),
                m.gomod_h1
            ),
        );
    }
}

/// Every way the repository differs from what the proxy-mode lock recorded, one line each.
pub(crate) fn drift(repo: &Repo, lock: &LockFile) -> Result<Vec<String>> {
    let mut out = Vec::new();
    if repo.gomod_text != lock.gomod_after {
        out.extend(gomod_drift(repo, lock)?);
    }
    let gosum = repo.gosum_text.clone().unwrap_or_default();
    if fsutil::sha256_hex(gosum.as_bytes()) != lock.gosum_sha256 {
        out.push("go.sum: changed since vendoring".into());
    }
    let tree = repo.root.join(&lock.dir);
    if !tree.join(bundle::MANIFEST_FILE).is_file() {
        out.push(format!("the GOPROXY tree `{}` is missing", lock.dir));
        return Ok(out);
    }
    out.extend(tree_drift(&tree, lock)?);
    Ok(out)
}

/// How go.mod's requirements differ from those the tree was written for.
fn gomod_drift(repo: &Repo, lock: &LockFile) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let req = |g: &GoMod| {
        g.requires()
            .into_iter()
            .map(|r| (r.path, r.version))
            .collect::<BTreeMap<_, _>>()
    };
    let then = req(&GoMod::parse(
        "gomodoff.lock (go.mod when vendored)",
        &lock.gomod_after,
    )?);
    let now = req(&repo.gomod()?);
    for (p, v) in &now {
        match then.get(p) {
            Some(old) if old != v => out.push(format!("go.mod: {p} {old} → {v}")),
            Some(_) => {}
            None => out.push(format!("go.mod: requires {p} {v} (new)")),
        }
    }
    for (p, v) in &then {
        if !now.contains_key(p) {
            out.push(format!("go.mod: no longer requires {p} {v}"));
        }
    }
    if out.is_empty() {
        out.push("go.mod: changed since vendoring".into());
    }
    Ok(out)
}

/// Files of the lock's modules missing from the tree, and modules in the tree the lock does not
/// list.
fn tree_drift(tree: &Path, lock: &LockFile) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut locked = BTreeSet::new();
    for m in &lock.modules {
        locked.insert(m.dir.clone());
        let mut exts = vec!["mod"];
        if m.tier == Tier::Full {
            exts.push("zip");
        }
        for ext in exts {
            let file = format!("{}.{ext}", m.dir);
            if !tree.join(&file).is_file() {
                out.push(format!(
                    "{}@{}: `{}` is missing",
                    m.path,
                    m.version,
                    Path::new(&lock.dir).join(&file).display()
                ));
            }
        }
    }
    for entry in walkdir::WalkDir::new(tree).min_depth(1).sort_by_file_name() {
        let entry = entry.map_err(std::io::Error::other)?;
        let name = entry.file_name().to_string_lossy();
        if let Some(stem) = name.strip_suffix(".mod") {
            let rel = entry
                .path()
                .parent()
                .and_then(|p| p.strip_prefix(tree).ok())
                .map(|p| format!("{}/{stem}", p.to_string_lossy().replace('\\', "/")))
                .unwrap_or_default();
            if !locked.contains(&rel) {
                out.push(format!(
                    "extra module `{}` in the tree is not in gomodoff.lock",
                    Path::new(&lock.dir).join(&rel).display()
                ));
            }
        }
    }
    Ok(out)
}
