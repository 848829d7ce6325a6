//! `gomodoff status`: is what `vendor` laid out still in sync with go.mod and go.sum? Lists
//! drift: go.mod or go.sum changed since, trees missing, trees nobody asked for. `--check` turns
//! drift into exit 1, for CI.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Result;

use crate::formats::gomod::GoMod;
use crate::formats::listing::{HASHES_EXT, hashes_path};
use crate::formats::lock::{Mode, Tier};
use crate::ops::{Context, Outcome};
use crate::repo::Repo;
use crate::repo::base_gomod_text;
use crate::util::fsutil;

#[derive(Debug, Clone, Default)]
pub struct StatusOptions {
    pub check: bool,
}

pub fn status(ctx: &mut Context, opts: &StatusOptions) -> Result<Outcome> {
    let repo = crate::repo::open_vendored(&ctx.dir)?;
    let drift = drift(&repo)?;
    if ctx.json {
        let v = serde_json::json!({ "vendored": repo.lock.is_some(), "in_sync": drift.is_empty(), "drift": drift });
        writeln!(ctx.shell.out(), "{}", serde_json::to_string_pretty(&v)?)?;
    } else if drift.is_empty() {
        let lock = repo
            .lock
            .as_ref()
            .map(|l| (l.modules.len(), l.dir.clone(), l.mode))
            .unwrap_or_default();
        writeln!(
            ctx.shell.out(),
            "in sync: {} modules in `{}` ({} mode)",
            lock.0,
            lock.1,
            lock.2
        )?;
    } else {
        for d in &drift {
            writeln!(ctx.shell.out(), "{d}")?;
        }
        writeln!(
            ctx.shell.out(),
            "out of sync: run `gomodoff vendor` to bring the vendored modules up to date"
        )?;
    }
    Ok(if opts.check && !drift.is_empty() {
        Outcome::Differs
    } else {
        Outcome::Ok
    })
}

/// Every way the repository differs from what the lock recorded, one line each.
pub fn drift(repo: &Repo) -> Result<Vec<String>> {
    if crate::txn::journal::interrupted(&repo.root) {
        return Ok(vec![crate::txn::journal::INTERRUPTED.to_string()]);
    }
    let Some(lock) = &repo.lock else {
        return Ok(vec!["not vendored: there is no gomodoff.lock".into()]);
    };
    match lock.mode {
        Mode::Vendor => return crate::modes::vendor::drift(repo, lock),
        Mode::Proxy => return crate::modes::proxy::drift(repo),
        Mode::Replace => {}
    }
    let mut out = Vec::new();
    let base = base_gomod_text(repo)?;
    if base != lock.gomod_before {
        let now = GoMod::parse("go.mod", &base)?;
        let then = GoMod::parse(
            "gomodoff.lock (go.mod before vendoring)",
            &lock.gomod_before,
        )?;
        let req = |g: &GoMod| {
            g.requires()
                .into_iter()
                .map(|r| (r.path, r.version))
                .collect::<BTreeSet<_>>()
        };
        let (a, b) = (req(&then), req(&now));
        for (p, v) in b.difference(&a) {
            match a.iter().find(|(q, _)| q == p) {
                Some((_, old)) => out.push(format!("go.mod: {p} {old} → {v}")),
                None => out.push(format!("go.mod: requires {p} {v} (new)")),
            }
        }
        for (p, v) in a.difference(&b) {
            if !b.iter().any(|(q, _)| q == p) {
                out.push(format!("go.mod: no longer requires {p} {v}"));
            }
        }
        let rep = |g: &GoMod| {
            g.replaces()
                .into_iter()
                .map(|r| format!("{r:?}"))
                .collect::<BTreeSet<_>>()
        };
        if rep(&then) != rep(&now) {
            out.push("go.mod: replace directives changed".into());
        }
        if out.is_empty() {
            out.push("go.mod: changed since vendoring".into());
        }
    }
    if lock.modfile != "go.mod" {
        match fsutil::read_optional(&repo.root.join(&lock.modfile))? {
            Some(b) if b == lock.gomod_after.as_bytes() => {}
            Some(_) => out.push(format!("{}: changed since vendoring", lock.modfile)),
            None => out.push(format!("{}: missing", lock.modfile)),
        }
    }
    let gosum = repo.gosum_text.clone().unwrap_or_default();
    if fsutil::sha256_hex(gosum.as_bytes()) != lock.gosum_sha256 {
        out.push("go.sum: changed since vendoring".into());
    }
    let dir = repo.root.join(&lock.dir);
    let mut known = BTreeSet::new();
    for m in &lock.modules {
        let tree = dir.join(&m.dir);
        known.insert(tree.clone());
        if !tree.is_dir() {
            out.push(format!(
                "{}@{}: tree `{}` is missing",
                m.path,
                m.version,
                Path::new(&lock.dir).join(&m.dir).display()
            ));
        } else if m.tier == Tier::Full && !hashes_path(&tree).is_file() {
            out.push(format!(
                "{}@{}: listing `{}.{HASHES_EXT}` is missing",
                m.path, m.version, m.dir
            ));
        }
    }
    for extra in trees_in(&dir) {
        if !known.contains(&extra) {
            let rel = extra.strip_prefix(&repo.root).unwrap_or(&extra);
            out.push(format!(
                "extra tree `{}` is not in gomodoff.lock",
                rel.display()
            ));
        }
    }
    Ok(out)
}

/// Directories under `dir` named like `<module>@<version>` (not descended into).
fn trees_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut walk = walkdir::WalkDir::new(dir).min_depth(1).into_iter();
    while let Some(Ok(e)) = walk.next() {
        if e.file_type().is_dir() && e.file_name().to_string_lossy().contains('@') {
            out.push(e.path().to_path_buf());
            walk.skip_current_dir();
        }
    }
    out
}
