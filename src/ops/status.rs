//! `gomodoff status`: is what `vendor` laid out still in sync with go.mod and go.sum? Lists
//! drift (each mode's, from `crate::modes::drift`): go.mod or go.sum changed since, trees
//! missing, trees nobody asked for. `--check` turns drift into exit 1, for CI.

use anyhow::Result;

use crate::formats::lock::Mode;
use crate::ops::{Context, Outcome};
use crate::repo::Repo;

#[derive(Debug, Clone, Default)]
pub(crate) struct StatusOptions {
    pub check: bool,
}

pub(crate) fn status(ctx: &mut Context, opts: &StatusOptions) -> Result<Outcome> {
    let repo = crate::repo::open_vendored(&ctx.dir)?;
    let drift = crate::modes::drift(&repo)?;
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
        if dependencies_changed(&repo, &drift) {
            writeln!(
                ctx.shell.out(),
                "hint: to change dependencies here, `gomodoff go get …` / `gomodoff go mod tidy` run go and vendor its result in one step: go records no go.sum line for a module gomodoff replaced (see \"Changing dependencies\" in gomodoff's README)"
            )?;
        }
    }
    Ok(if opts.check && !drift.is_empty() {
        Outcome::Differs
    } else {
        Outcome::Ok
    })
}

/// Whether go.mod or go.sum drifted in a repository whose go.mod holds gomodoff's replace
/// directives: the case `gomodoff go` is for.
fn dependencies_changed(repo: &Repo, drift: &[String]) -> bool {
    repo.lock
        .as_ref()
        .is_some_and(|l| l.mode == Mode::Replace && l.modfile == "go.mod")
        && drift
            .iter()
            .any(|d| d.starts_with("go.mod:") || d.starts_with("go.sum:"))
}
