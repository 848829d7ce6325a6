//! Opening a repository for a change: the repository lock, the repair of a run that was
//! interrupted, the user's go-ahead, and the last check that a plan stays inside the repository.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::repo::{Repo, open_vendored};
use crate::txn::plan::{self, Plan};
use crate::util::context::Outcome;
use crate::util::fsutil;

/// Before a command changes the repository (holding the repository lock): roll back or finish
/// a transaction an earlier run left behind, and clear a staging directory a killed run left.
/// Returns whether there was anything to repair.
pub(crate) fn repair(root: &Path) -> Result<bool> {
    let mut repaired = crate::txn::journal::recover(root)?;
    let staging = root.join(plan::STAGING_DIR);
    if staging.exists() {
        fsutil::make_writable(&staging).ok();
        fsutil::remove_dir_all_if_exists(&staging)
            .with_context(|| format!("failed to remove `{}`", staging.display()))?;
        repaired = true;
    }
    Ok(repaired)
}

/// The repository lock at `root` (none for a dry run), after rolling back any interrupted run;
/// a dry run refuses to look past an interrupted one.
fn lock_and_repair(
    ctx: &mut crate::util::context::Context,
    root: &Path,
    dry_run: bool,
) -> Result<Option<fsutil::RepoLock>> {
    let guard = if dry_run {
        None
    } else {
        Some(fsutil::RepoLock::acquire(root)?)
    };
    if !dry_run && repair(root)? {
        ctx.shell
            .warn("an interrupted gomodoff run was found and rolled back")?;
    }
    if dry_run && crate::txn::journal::interrupted(root) {
        crate::txn::journal::check_journal(root)?;
        crate::bail_hint!(
            hint =
                "run `gomodoff vendor --yes` or `gomodoff restore --yes`; they roll it back first",
            "an interrupted gomodoff run left `{}`",
            crate::txn::plan::JOURNAL_DIR
        );
    }
    Ok(guard)
}

/// Open the repository for a command that may change it. Unless this is a dry run, the
/// repository lock is taken (held until the returned guard drops) and an interrupted earlier run
/// is repaired first; a dry run changes nothing, so it refuses to plan over a half-applied one.
pub(crate) fn open_for_change(
    ctx: &mut crate::util::context::Context,
    dry_run: bool,
) -> Result<(Repo, Option<fsutil::RepoLock>)> {
    let root = Repo::find_root(&ctx.dir)?;
    let guard = lock_and_repair(ctx, &root, dry_run)?;
    Ok((Repo::open(&root)?, guard))
}

/// [`open_vendored`] for a command that may change the repository (see [`open_for_change`]).
pub(crate) fn open_vendored_for_change(
    ctx: &mut crate::util::context::Context,
    dry_run: bool,
) -> Result<(Repo, Option<fsutil::RepoLock>)> {
    let repo = open_vendored(&ctx.dir)?;
    match &repo.workspace {
        Some(ws) => {
            let work = ws.work_file.clone();
            open_workspace_for_change(ctx, &work, dry_run)
        }
        None => open_for_change(ctx, dry_run),
    }
}

/// [`open_for_change`] for the workspace whose go.work is `work_file`.
pub(crate) fn open_workspace_for_change(
    ctx: &mut crate::util::context::Context,
    work_file: &Path,
    dry_run: bool,
) -> Result<(Repo, Option<fsutil::RepoLock>)> {
    let root = Repo::open_workspace(work_file)?.root;
    let guard = lock_and_repair(ctx, &root, dry_run)?;
    Ok((Repo::open_workspace(work_file)?, guard))
}

/// After the preview: whether to go on (`None`), or the outcome to stop with. A dry run stops
/// here (exit 0); without `--yes` the user is asked on a terminal, and any answer but y/yes
/// stops (exit 1, [`Outcome::Cancelled`]); without a terminal the command refuses.
pub(crate) fn confirm(
    ctx: &mut crate::util::context::Context,
    dry_run: bool,
    yes: bool,
    verb: &str,
) -> Result<Option<Outcome>> {
    if dry_run {
        ctx.shell.status("Dry run", "nothing was changed")?;
        return Ok(Some(Outcome::Ok));
    }
    if !yes {
        if !ctx.shell.is_interactive() {
            crate::bail_hint!(
                hint = ("pass --yes to {verb}, or --dry-run to only show the change"),
                "not going to {verb}: no terminal to confirm on"
            );
        }
        if !ctx.shell.confirm(&format!("{verb}?"))? {
            ctx.shell.status("Cancelled", "nothing was changed")?;
            return Ok(Some(Outcome::Cancelled));
        }
    }
    Ok(None)
}

/// Refuse `plan` unless every path it deletes, renames or writes is inside the repository now:
/// relative, no `..`, and no existing component a symbolic link ([`fsutil::inside`]). Called when
/// the plan is made, to refuse before any work, and again right before [`Plan::apply`], since
/// the repository may change while modules are staged or the user is asked. `named` maps a
/// directory to the file that named it (the tree directory to `gomodoff.lock`, …), for the
/// refusal's hint; any other path is named by itself.
pub(crate) fn check_plan_inside(root: &Path, plan: &Plan, named: &[(&Path, &Path)]) -> Result<()> {
    let paths = plan
        .files
        .iter()
        .map(|f| f.path.as_path())
        .chain(
            plan.tree_adds
                .iter()
                .flat_map(|a| [a.staged.as_path(), a.target.as_path()]),
        )
        .chain(plan.tree_removes.iter().map(PathBuf::as_path))
        .chain(plan.staging.as_deref());
    let mut seen = fsutil::Seen::unchanging();
    for p in paths {
        let named_in = named
            .iter()
            .find(|(dir, _)| p.starts_with(dir))
            .map_or(p, |(_, file)| *file);
        fsutil::inside_seen(root, p, named_in, &mut seen)?;
    }
    Ok(())
}
