//! `gomodoff restore` in proxy mode: the GOPROXY tree and the lock go; go.mod was never edited.

use std::path::PathBuf;

use anyhow::Result;

use crate::formats::lock::LockFile;
use crate::modes::{RestoreOptions, undo};
use crate::repo::Repo;
use crate::txn::plan::Plan;
use crate::util::context::{Context, Outcome};

pub(crate) fn restore(
    ctx: &mut Context,
    repo: &Repo,
    lock: &LockFile,
    opts: &RestoreOptions,
) -> Result<Outcome> {
    undo::refuse_outside(repo, lock, opts)?;
    let mut plan = Plan::default();
    plan.files.push(undo::lock_removal(repo)?);
    if !opts.keep_tree && repo.root.join(&lock.dir).exists() {
        plan.tree_removes.push(PathBuf::from(&lock.dir));
    }
    let restored = format!(
        "removed gomodoff.lock{}; go.mod was never edited",
        if opts.keep_tree {
            String::new()
        } else {
            format!(" and the GOPROXY tree `{}`", lock.dir)
        }
    );
    undo::apply(ctx, repo, lock, opts, plan, restored)
}
