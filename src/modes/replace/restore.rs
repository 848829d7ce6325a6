//! `gomodoff restore` in replace mode: undo exactly what `vendor` did. gomodoff's replace
//! directives go, any user directive they displaced comes back, the trees and the lock are
//! removed. When go.mod is as gomodoff left it, its old bytes come back exactly; when the user
//! edited it since, only gomodoff's lines are taken out and the user's edits stay. With
//! `-modfile`, gomodoff's modfile and its go.sum go instead.

use std::path::Path;

use anyhow::Result;

use crate::formats::listing::hashes_path;
use crate::formats::lock::{LockFile, Tier};
use crate::modes::{RestoreOptions, undo};
use crate::repo::{Repo, base_gomod_text};
use crate::txn::plan::{FileChange, Plan};
use crate::util::context::{Context, Outcome};
use crate::util::fsutil;

pub(crate) fn restore(
    ctx: &mut Context,
    repo: &Repo,
    lock: &LockFile,
    opts: &RestoreOptions,
) -> Result<Outcome> {
    undo::refuse_outside(repo, lock, opts)?;
    let mut plan = Plan::default();
    push_modfile_changes(ctx, repo, lock, &mut plan)?;
    plan.files.push(undo::lock_removal(repo)?);
    if !opts.keep_tree {
        for m in &lock.modules {
            let tree = Path::new(&lock.dir).join(&m.dir);
            if repo.root.join(&tree).exists() {
                plan.tree_removes.push(tree.clone());
            }
            let h = hashes_path(&tree);
            if m.tier == Tier::Full && repo.root.join(&h).exists() {
                plan.tree_removes.push(h);
            }
        }
    }
    let restored = format!(
        "go.mod without gomodoff's {} replace directives",
        lock.modules.len()
    );
    undo::apply(ctx, repo, lock, opts, plan, restored)
}

/// go.mod without gomodoff's lines, or gomodoff's own modfile and its go.sum removed.
fn push_modfile_changes(
    ctx: &mut Context,
    repo: &Repo,
    lock: &LockFile,
    plan: &mut Plan,
) -> Result<()> {
    if lock.modfile == "go.mod" {
        let base = base_gomod_text(repo)?;
        if repo.gomod_text != lock.gomod_after {
            ctx.shell.warn("go.mod changed since `gomodoff vendor`; taking out only gomodoff's replace directives and keeping your edits")?;
        }
        plan.files.push(FileChange {
            path: "go.mod".into(),
            before: Some(repo.gomod_text.clone().into_bytes()),
            after: Some(base.into_bytes()),
            show_diff: true,
        });
    } else {
        let sum = lock.modfile.trim_end_matches(".mod").to_string() + ".sum";
        for f in [lock.modfile.clone(), sum] {
            let before = fsutil::read_optional(&repo.root.join(&f))?;
            if before.is_some() {
                plan.files.push(FileChange {
                    path: f.into(),
                    before,
                    after: None,
                    show_diff: false,
                });
            }
        }
    }
    Ok(())
}
