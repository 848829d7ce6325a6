//! `gomodoff restore` in vendor mode.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use super::listing::parse_listing;
use super::preview::print_names;
use super::stage::link_or_copy_tree;
use super::{LISTING_FILE, VENDOR_DIR, check_vendor_dir};
use crate::formats::dirhash;
use crate::formats::lock::{LOCK_FILE, LockFile};
use crate::modes::RestoreOptions;
use crate::repo::Repo;
use crate::txn::open::{check_plan_inside, confirm};
use crate::txn::plan::{FileChange, Plan, STAGING_DIR, TreeAdd};
use crate::util::context::{Context, Outcome};
use crate::util::fsutil;

/// `gomodoff restore` in vendor mode: gomodoff's `vendor/` goes, the one from before comes back
/// from the backup (or there is none), the lock and the listing go. Files of `vendor/` that
/// gomodoff did not write, or that changed since, are named before anything happens.
pub fn restore(
    ctx: &mut Context,
    repo: &Repo,
    lock: &LockFile,
    opts: &RestoreOptions,
) -> Result<Outcome> {
    let backup = lock.vendor.as_ref().and_then(|v| v.backup.clone());
    check_backup(repo, backup.as_deref())?;
    let mut plan = Plan {
        staging: Some(PathBuf::from(STAGING_DIR)),
        ..Plan::default()
    };
    for name in [LOCK_FILE, LISTING_FILE] {
        let before = fsutil::read_optional(&repo.root.join(name))?;
        if before.is_some() {
            plan.files.push(FileChange {
                path: name.into(),
                before,
                after: None,
                show_diff: false,
            });
        }
    }
    let lost = if opts.keep_tree {
        Lost::default()
    } else {
        Lost::read(repo)?
    };
    show(ctx, &plan, opts, backup.as_deref(), &lost)?;
    if !confirm(ctx, opts.dry_run, opts.yes, "restore")? {
        return Ok(Outcome::Ok);
    }
    apply(ctx, repo, opts, plan, backup.as_deref())
}

/// The backup's name was checked when the lock was read; on disk, neither it nor vendor/ may
/// lead out of the repository through a symbolic link, and it must be there.
fn check_backup(repo: &Repo, backup: Option<&str>) -> Result<()> {
    check_vendor_dir(&repo.root)?;
    if let Some(b) = backup {
        fsutil::inside(&repo.root, Path::new(b), Path::new(LOCK_FILE))
            .with_context(|| format!("refusing to put back the vendor/ kept in `{b}`"))?;
    }
    if let Some(b) = backup
        && !repo.root.join(b).is_dir()
    {
        crate::bail_hint!(
            hint = ("put it back, or remove gomodoff.lock and {LISTING_FILE} by hand to keep vendor/ as it is"),
            "the vendor/ from before gomodoff should be in `{b}`, which is gone; not touching vendor/"
        );
    }
    Ok(())
}

/// What would be lost with gomodoff's vendor/.
#[derive(Default)]
struct Lost {
    /// Files gomodoff did not write.
    foreign: Vec<String>,
    /// Files changed since gomodoff wrote them.
    changed: Vec<String>,
}

impl Lost {
    fn read(repo: &Repo) -> Result<Lost> {
        let vendor_dir = repo.root.join(VENDOR_DIR);
        let mut lost = Lost::default();
        if !vendor_dir.is_dir() {
            return Ok(lost);
        }
        let listed = fsutil::read_optional(&repo.root.join(LISTING_FILE))?
            .map(|l| parse_listing(&l))
            .transpose()?
            .unwrap_or_default();
        let actual = dirhash::dir_file_digests(&vendor_dir)
            .with_context(|| format!("failed to hash `{}`", vendor_dir.display()))?;
        for (file, digest) in &actual {
            match listed.get(file) {
                None => lost.foreign.push(file.clone()),
                Some(d) if d != digest => lost.changed.push(file.clone()),
                Some(_) => {}
            }
        }
        Ok(lost)
    }
}

/// The preview: the files that go, what becomes of vendor/, what would be lost.
fn show(
    ctx: &mut Context,
    plan: &Plan,
    opts: &RestoreOptions,
    backup: Option<&str>,
    lost: &Lost,
) -> Result<()> {
    let diff = plan.render_diff(ctx.shell.color());
    write!(ctx.shell.out(), "{diff}")?;
    let out = ctx.shell.out();
    if opts.keep_tree {
        writeln!(out, "vendor/ kept as it is")?;
        if let Some(b) = backup {
            writeln!(
                out,
                "the vendor/ from before gomodoff stays in `{b}`; move it back by hand if you want it"
            )?;
        }
        return Ok(());
    }
    match backup {
        Some(b) => writeln!(
            out,
            "vendor/ replaced by the one from before gomodoff (kept in `{b}`)"
        )?,
        None => writeln!(out, "vendor/ removed (there was none before gomodoff)")?,
    }
    print_names(
        out,
        "files in vendor/ that gomodoff did not write; they go with it:",
        &lost.foreign,
    )?;
    print_names(
        out,
        "files in vendor/ changed since gomodoff wrote them; the changes go with it:",
        &lost.changed,
    )
}

/// The confirmed restore: the backup staged as the new vendor/, the plan checked again and
/// applied.
fn apply(
    ctx: &mut Context,
    repo: &Repo,
    opts: &RestoreOptions,
    mut plan: Plan,
    backup: Option<&str>,
) -> Result<Outcome> {
    let vendor_rel = PathBuf::from(VENDOR_DIR);
    let vendor_dir = repo.root.join(VENDOR_DIR);
    if !opts.keep_tree {
        let staging = repo.root.join(STAGING_DIR);
        fsutil::remove_dir_all_if_exists(&staging)
            .with_context(|| format!("failed to clear `{}`", staging.display()))?;
        if vendor_dir.exists() {
            plan.tree_removes.push(vendor_rel.clone());
        }
        if let Some(b) = backup {
            let staged = Path::new(STAGING_DIR).join(VENDOR_DIR);
            if let Err(e) = link_or_copy_tree(&repo.root.join(b), &repo.root.join(&staged)) {
                let _ = fsutil::remove_dir_all_if_exists(&staging);
                return Err(e);
            }
            plan.tree_removes.push(
                Path::new(b)
                    .parent()
                    .map_or_else(|| PathBuf::from(b), Path::to_path_buf),
            );
            plan.tree_adds.push(TreeAdd {
                staged,
                target: vendor_rel,
            });
        }
    }
    // Right before anything goes: the repository may have changed while the user was asked.
    if let Err(e) = check_plan_inside(&repo.root, &plan, &[]) {
        let _ = fsutil::remove_dir_all_if_exists(&repo.root.join(STAGING_DIR));
        return Err(e);
    }
    plan.apply(&repo.root)?;
    ctx.shell.status(
        "Restored",
        match (backup, opts.keep_tree) {
            (_, true) => "gomodoff.lock and the listing removed; vendor/ kept",
            (Some(_), false) => "the vendor/ from before gomodoff",
            (None, false) => "no vendor/, as before gomodoff",
        },
    )?;
    Ok(Outcome::Ok)
}
