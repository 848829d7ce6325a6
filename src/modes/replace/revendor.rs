//! `gomodoff go` in replace mode: vendor again from the go.mod (without gomodoff's replace
//! directives) and go.sum that go wrote to its temporary modfile, as one transaction that writes
//! them into the repository too.
//!
//! The planner reads a [`Repo`]; it is given the repository as go left it — go's go.mod as the
//! text before and after gomodoff (so that it is the base exactly as go wrote it), go's go.sum,
//! the lock's trees — and plans as `vendor` does: trees kept when their content is unchanged.
//! The plan is then rebased on the repository's real files: go.mod and go.sum are compared with
//! what is on disk now when the transaction applies, and go.sum is written.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::modes::VendorOptions;
use crate::repo::Repo;
use crate::sources::bundle_source as source;
use crate::txn::plan::{FileChange, Plan};
use crate::util::context::{Context, Outcome};

use super::{plan_replace, show_and_apply};

/// Lay out the need set of `gomod`/`gosum` (go's output) and write them, in one transaction.
pub(crate) fn revendor(
    ctx: &mut Context,
    repo: &Repo,
    gomod: String,
    gosum: Option<String>,
    opts: &VendorOptions,
) -> Result<Outcome> {
    let mut lock = repo
        .lock
        .clone()
        .context("this repository is not vendored by gomodoff")?;
    // go's go.mod is the base as it is: no gomodoff lines to take out.
    lock.gomod_before.clone_from(&gomod);
    lock.gomod_after.clone_from(&gomod);
    let after_go = Repo {
        root: repo.root.clone(),
        config: repo.config.clone(),
        lock: Some(lock),
        gomod_text: gomod.clone(),
        gosum_text: gosum.clone(),
        workspace: None,
    };
    let src = source::open(ctx)?;
    let mut planned = plan_replace(&after_go, opts, src.as_ref())?;
    rebase(&mut planned.plan, repo, gomod, gosum);
    show_and_apply(ctx, repo, opts, planned)
}

/// The plan made from go's files, compared with the repository's real go.mod and go.sum when it
/// applies, and writing go's go.sum (and go.mod, when gomodoff's lines live in another modfile).
fn rebase(plan: &mut Plan, repo: &Repo, gomod: String, gosum: Option<String>) {
    let real = [
        (
            "go.mod",
            Some(repo.gomod_text.clone().into_bytes()),
            Some(gomod.into_bytes()),
        ),
        (
            "go.sum",
            repo.gosum_text.clone().map(String::into_bytes),
            gosum.map(String::into_bytes),
        ),
    ];
    for (path, before, after) in real {
        match plan.files.iter_mut().find(|f| f.path == Path::new(path)) {
            // The modfile with gomodoff's replaces (go.mod): its new text is the plan's.
            Some(f) if f.before != f.after => f.before = before,
            // An input of the plan (go.sum): go's text is what is written.
            Some(f) => {
                f.before = before;
                f.after = after;
                f.show_diff = true;
            }
            None => plan.files.push(FileChange {
                path: PathBuf::from(path),
                before,
                after,
                show_diff: true,
            }),
        }
    }
}
