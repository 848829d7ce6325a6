//! The restore sequence replace and proxy mode share: each mode plans what goes (its files, the
//! lock, its trees); this checks the plan stays inside the repository and hands it to
//! [`crate::txn::run`] (preview, ask, apply), then prunes the directories left empty.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::formats::lock::{LOCK_FILE, LockFile, Tier};
use crate::modes::RestoreOptions;
use crate::repo::Repo;
use crate::txn::plan::{FileChange, Plan};
use std::borrow::Cow;

use crate::txn::{Ask, Change, Entry, Outline, Size, Summary, Timing};
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

/// Preview `plan`, ask, apply it, prune the tree directory and report `restored`, through
/// [`crate::txn::run`].
pub(super) fn apply(
    ctx: &mut Context,
    repo: &Repo,
    lock: &LockFile,
    opts: &RestoreOptions,
    plan: Plan,
    restored: String,
) -> Result<Outcome> {
    // Checked before the preview too: nothing outside the repository is even shown as going.
    let named = [(Path::new(&lock.dir), Path::new(LOCK_FILE))];
    crate::txn::open::check_plan_inside(&repo.root, &plan, &named)?;
    let mut summary = Summary::default();
    for m in &lock.modules {
        summary.removed.push(Entry::of(
            &m.path,
            Some(&m.version),
            format!("{}@{}", m.path, m.version),
        ));
        match m.tier {
            Tier::Full => summary.full += 1,
            Tier::GoMod => summary.gomod_only += 1,
        }
    }
    summary.remove = Size::of_trees(&repo.root, &plan.tree_removes);
    let mut change = Restore {
        plan,
        lock,
        root: &repo.root,
        keep_tree: opts.keep_tree,
        restored,
        summary,
    };
    let ask = Ask {
        dry_run: opts.dry_run,
        yes: opts.yes,
        verb: "restore",
    };
    crate::txn::run(ctx, &repo.root, &mut change, ask)
}

/// A replace- or proxy-mode `restore` for [`crate::txn::run`].
struct Restore<'a> {
    plan: Plan,
    lock: &'a LockFile,
    root: &'a Path,
    keep_tree: bool,
    /// The status line once restored.
    restored: String,
    /// The modules that go, and what is removed.
    summary: Summary,
}

impl Change for Restore<'_> {
    fn plan(&self) -> &Plan {
        &self.plan
    }

    fn outline(&self, _verbose: bool) -> Result<Outline<'_>> {
        let title = format!(
            "{} modules in `{}`: {}",
            self.lock.modules.len(),
            self.lock.dir,
            if self.keep_tree {
                "trees kept"
            } else {
                "trees removed"
            }
        );
        let fields = serde_json::json!({
            "mode": self.lock.mode.to_string(),
            "dir": self.lock.dir,
            "keep_tree": self.keep_tree,
        });
        Ok(Outline::new(title, Cow::Borrowed(&self.summary), fields))
    }

    fn named_dirs(&self) -> Vec<(PathBuf, PathBuf)> {
        vec![(PathBuf::from(&self.lock.dir), PathBuf::from(LOCK_FILE))]
    }

    /// Prune the tree directory (the change is applied when this runs), then report.
    fn report(&self, ctx: &mut Context, _timing: &Timing) -> Result<()> {
        // Only a tree directory still free of symbolic links is pruned (the walk would follow
        // one).
        if !self.keep_tree
            && let Ok(tree_dir) =
                fsutil::inside(self.root, Path::new(&self.lock.dir), Path::new(LOCK_FILE))
        {
            prune_empty_dirs(self.root, &tree_dir);
        }
        let removed = if self.summary.remove.is_empty() {
            String::new()
        } else {
            format!(" ({} removed)", self.summary.remove)
        };
        ctx.shell
            .status("Restored", &format!("{}{removed}", self.restored))?;
        Ok(())
    }
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
