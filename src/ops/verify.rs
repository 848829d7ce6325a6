//! `gomodoff verify`: re-hash every laid-out module and compare it with go.sum and the lock,
//! naming every module and file that was added, removed or modified (each mode's checks are
//! `crate::modes::verify`'s). Works without the module cache.

use std::collections::BTreeSet;

use anyhow::Result;

use crate::formats::lock::LockFile;
use crate::modes::{self, Finding, Findings, Problem};
use crate::ops::{Context, Outcome};

pub(crate) fn verify(ctx: &mut Context) -> Result<Outcome> {
    let repo = crate::repo::open_vendored(&ctx.dir)?;
    if crate::txn::journal::interrupted(&repo.root) {
        if ctx.shell.is_json() {
            ctx.shell.document(serde_json::json!({
                "ok": false,
                "interrupted": true,
                "message": crate::txn::journal::INTERRUPTED,
                "mode": null,
                "dir": null,
                "modules": null,
                "findings": [],
            }))?;
        } else {
            writeln!(ctx.shell.out(), "{}", crate::txn::journal::INTERRUPTED)?;
        }
        return Ok(Outcome::Differs);
    }
    let Some(lock) = &repo.lock else {
        crate::bail_hint!(
            hint = "run `gomodoff vendor` first",
            "nothing to verify: there is no gomodoff.lock in `{}`",
            repo.root.display()
        );
    };
    let findings = modes::verify(ctx, &repo, lock)?;
    if ctx.shell.is_json() {
        ctx.shell.document(serde_json::json!({
            "ok": findings.is_empty(),
            "interrupted": false,
            "message": null,
            "mode": lock.mode.to_string(),
            "dir": lock.dir,
            "modules": lock.modules.len(),
            "findings": findings.document(),
        }))?;
    } else {
        match &findings {
            Findings::Modules(f) => print_modules(ctx, lock, f)?,
            Findings::Tree(p) => print_tree(ctx, lock, p)?,
        }
    }
    Ok(if findings.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Differs
    })
}

/// Findings by module and file (replace and vendor mode).
fn print_modules(ctx: &mut Context, lock: &LockFile, findings: &[Finding]) -> Result<()> {
    for f in findings {
        match &f.file {
            Some(file) => writeln!(
                ctx.shell.out(),
                "{}: {} file `{}`{}",
                f.module,
                f.kind,
                file,
                detail(&f.detail)
            )?,
            None => writeln!(
                ctx.shell.out(),
                "{}: {}{}",
                f.module,
                f.kind,
                detail(&f.detail)
            )?,
        }
    }
    if findings.is_empty() {
        ctx.shell.status(
            "Verified",
            &format!(
                "{} modules in `{}` match go.sum and gomodoff.lock",
                lock.modules.len(),
                lock.dir
            ),
        )?;
    } else {
        let bad_modules: BTreeSet<&str> = findings.iter().map(|f| f.module.as_str()).collect();
        ctx.shell.status(
            "Mismatch",
            &format!(
                "{} of {} modules differ from what gomodoff laid out",
                bad_modules.len(),
                lock.modules.len()
            ),
        )?;
    }
    Ok(())
}

fn detail(d: &str) -> String {
    if d.is_empty() {
        String::new()
    } else {
        format!(" ({d})")
    }
}

/// Problems of a GOPROXY tree (proxy mode).
fn print_tree(ctx: &mut Context, lock: &LockFile, problems: &[Problem]) -> Result<()> {
    for p in problems {
        writeln!(ctx.shell.out(), "{}: {}", p.subject, p.problem)?;
    }
    if problems.is_empty() {
        ctx.shell.status(
            "Verified",
            &format!(
                "{} modules in the GOPROXY tree `{}` match go.sum and gomodoff.lock",
                lock.modules.len(),
                lock.dir
            ),
        )?;
    } else {
        ctx.shell.status(
            "Mismatch",
            &format!(
                "{} problems in the GOPROXY tree `{}`",
                problems.len(),
                lock.dir
            ),
        )?;
    }
    Ok(())
}
