//! `gomodoff restore`: undo exactly what `vendor` did. gomodoff's replace directives go, any
//! user directive they displaced comes back, the trees and the lock are removed. When go.mod is
//! as gomodoff left it, its old bytes come back exactly; when the user edited it since, only
//! gomodoff's lines are taken out and the user's edits stay.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use crate::formats::listing::hashes_path;
use crate::formats::lock::{LOCK_FILE, Mode, Tier};
use crate::modes::RestoreOptions;
use crate::ops::{Context, Outcome};
use crate::repo::base_gomod_text;
use crate::txn::plan::{FileChange, Plan};
use crate::util::fsutil;

pub fn restore(ctx: &mut Context, opts: &RestoreOptions) -> Result<Outcome> {
    let (repo, _guard) = crate::txn::open::open_vendored_for_change(ctx, opts.dry_run)?;
    let Some(lock) = repo.lock.clone() else {
        bail!(
            "nothing to restore: there is no {LOCK_FILE} in `{}`",
            repo.root.display()
        );
    };
    if lock.mode == Mode::Vendor {
        return crate::modes::vendor::restore(ctx, &repo, &lock, opts);
    }
    // Every path below comes from gomodoff.lock, which came with the repository: its entries
    // were checked when it was read (`LockFile::parse`); on disk, no symbolic link may lead out
    // of the repository.
    let lock_file = Path::new(LOCK_FILE);
    if !opts.keep_tree {
        fsutil::inside(&repo.root, Path::new(&lock.dir), lock_file)
            .with_context(|| format!("refusing to remove the trees in `{}`", lock.dir))?;
    }
    let mut plan = Plan::default();
    let proxy = lock.mode == Mode::Proxy;
    if proxy {
        // Proxy mode never edited go.mod: only the tree and the lock go.
    } else if lock.modfile == "go.mod" {
        let base = base_gomod_text(&repo)?;
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
    plan.files.push(FileChange {
        path: LOCK_FILE.into(),
        before: fsutil::read_optional(&repo.root.join(LOCK_FILE))?,
        after: None,
        show_diff: false,
    });
    if proxy {
        if !opts.keep_tree && repo.root.join(&lock.dir).exists() {
            plan.tree_removes.push(PathBuf::from(&lock.dir));
        }
    } else if !opts.keep_tree {
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
    if proxy {
        ctx.shell.status(
            "Restored",
            &format!(
                "removed gomodoff.lock{}; go.mod was never edited",
                if opts.keep_tree {
                    String::new()
                } else {
                    format!(" and the GOPROXY tree `{}`", lock.dir)
                }
            ),
        )?;
    } else {
        ctx.shell.status(
            "Restored",
            &format!(
                "go.mod without gomodoff's {} replace directives",
                lock.modules.len()
            ),
        )?;
    }
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
