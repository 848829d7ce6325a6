//! The restore sequence replace and proxy mode share: each mode plans what goes (its files, the
//! lock, its trees); this checks the plan stays inside the repository, previews it, asks, applies
//! it and prunes the directories left empty.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::formats::lock::{LOCK_FILE, LockFile};
use crate::modes::RestoreOptions;
use crate::repo::Repo;
use crate::txn::plan::{FileChange, Plan};
use crate::util::context::{Context, Outcome};
use crate::util::fsutil;

/// Refuse to remove trees under a tree directory that a symbolic link leads out of the
/// repository. Every path a restore touches comes from gomodoff.lock, which came with the
/// repository: its entries were checked when it was read (`LockFile::parse`); on disk, no
/// symbolic link may lead out of the repository.
pub(super) fn refuse_outside(repo: &Repo, lock: &LockFile, opts: &RestoreOptions) -> Result<()> {
    if !opts.keep_tree {
        fsutil::inside(&repo.root, Path::new(&lock.dir), Path::new(LOCK_FILE))
            .with_context(|| format!("refusing to remove the trees in `{}`", lock.dir))?;
    }
    Ok(())
}

/// gomodoff.lock removed.
pub(super) fn lock_removal(repo: &Repo) -> Result<FileChange> {
    Ok(FileChange {
        path: LOCK_FILE.into(),
        before: fsutil::read_optional(&repo.root.join(LOCK_FILE))?,
        after: None,
        show_diff: false,
    })
}

/// Preview `plan`, ask, apply it, prune the tree directory and report `restored`.
pub(super) fn apply(
    ctx: &mut Context,
    repo: &Repo,
    lock: &LockFile,
    opts: &RestoreOptions,
    plan: Plan,
    restored: &str,
) -> Result<Outcome> {
    let lock_file = Path::new(LOCK_FILE);
    let named = [(Path::new(&lock.dir), lock_file)];
    crate::txn::open::check_plan_inside(&repo.root, &plan, &named)?;
    let diff = plan.render_diff(ctx.shell.color());
    // The preview is quiet with -q, as vendor's is.
    write!(ctx.shell.preview(), "{diff}")?;
    writeln!(
        ctx.shell.preview(),
        "{} modules in `{}`: {}",
        lock.modules.len(),
        lock.dir,
        if opts.keep_tree {
            "trees kept"
        } else {
            "trees removed"
        }
    )?;
    if !crate::txn::open::confirm(ctx, opts.dry_run, opts.yes, "restore")? {
        return Ok(Outcome::Ok);
    }
    // Again right before anything goes: the repository may have changed while the user was
    // asked.
    crate::txn::open::check_plan_inside(&repo.root, &plan, &named)?;
    plan.apply(&repo.root)?;
    // Only a tree directory still free of symbolic links is pruned (the walk would follow one).
    if !opts.keep_tree
        && let Ok(tree_dir) = fsutil::inside(&repo.root, Path::new(&lock.dir), lock_file)
    {
        prune_empty_dirs(&repo.root, &tree_dir);
    }
    ctx.shell.status("Restored", restored)?;
    Ok(Outcome::Ok)
}

/// Remove `dir` and its parents up to `root` while they are empty (the tree directory and the
/// directories of module paths that gomodoff created).
fn prune_empty_dirs(root: &Path, dir: &Path) {
    // First every empty directory below `dir`, deepest first.
    let mut dirs: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_dir())
        .map(|e| e.into_path())
        .collect();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for d in dirs {
        let _ = std::fs::remove_dir(&d);
    }
    let mut cur = dir.parent();
    while let Some(p) = cur {
        if p == root || !p.starts_with(root) || std::fs::remove_dir(p).is_err() {
            break;
        }
        cur = p.parent();
    }
}
