//! `gomodoff restore` in vendor mode.

use std::io::Write;
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
use crate::txn::plan::{FileChange, Plan, STAGING_DIR, TreeAdd};
use std::borrow::Cow;

use crate::txn::{self, Ask, Change, Entry, Outline, Size, Timing};
use crate::util::context::{Context, Outcome};
use crate::util::fsutil;
use crate::util::shell::Verbosity;

/// `gomodoff restore` in vendor mode: gomodoff's `vendor/` goes, the one from before comes back
/// from the backup (or there is none), the lock and the listing go. Files of `vendor/` that
/// gomodoff did not write, or that changed since, are named before anything happens.
pub(crate) fn restore(
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
    // With -q nothing is previewed, but the files that would be lost are still named (as
    // `vendor` names them): the driver writes the preview to the preview stream, which is `out`
    // unless quiet; when quiet they are written to `out` now instead.
    let mut lost_names = Vec::new();
    lost.write(&mut lost_names)?;
    if ctx.shell.verbosity() == Verbosity::Quiet {
        ctx.shell.out().write_all(&lost_names)?;
        lost_names.clear();
    }
    let summary = summary(repo, lock, opts, backup.as_deref());
    let mut change = RestoreChange {
        plan,
        root: repo.root.clone(),
        keep_tree: opts.keep_tree,
        backup,
        lost: lost_names,
        summary,
    };
    let ask = Ask {
        dry_run: opts.dry_run,
        yes: opts.yes,
        verb: "restore",
    };
    txn::run(ctx, &repo.root, &mut change, ask)
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

impl Lost {
    /// The files that would be lost, named.
    fn write(&self, out: &mut dyn Write) -> Result<()> {
        print_names(
            out,
            "files in vendor/ that gomodoff did not write; they go with it:",
            &self.foreign,
        )?;
        print_names(
            out,
            "files in vendor/ changed since gomodoff wrote them; the changes go with it:",
            &self.changed,
        )
    }
}

/// The modules that leave vendor/, what is removed (vendor/ and the backup's directory) and
/// written (the backup, put back), unless `--keep-tree`.
fn summary(
    repo: &Repo,
    lock: &LockFile,
    opts: &RestoreOptions,
    backup: Option<&str>,
) -> txn::Summary {
    let mut s = txn::Summary::default();
    for m in &lock.modules {
        s.removed.push(Entry::of(
            &m.path,
            Some(&m.version),
            format!("{} {}", m.path, m.version),
        ));
    }
    if opts.keep_tree {
        return s;
    }
    s.remove = Size::of_tree(&repo.root.join(VENDOR_DIR));
    if let Some(b) = backup {
        let put_back = Size::of_tree(&repo.root.join(b));
        s.write = put_back;
        s.remove.add(put_back);
    }
    s
}

/// What becomes of vendor/.
fn title(keep_tree: bool, backup: Option<&str>) -> String {
    match (keep_tree, backup) {
        (true, Some(b)) => format!(
            "vendor/ kept as it is; the vendor/ from before gomodoff stays in `{b}`; move it back by hand if you want it"
        ),
        (true, None) => "vendor/ kept as it is".to_string(),
        (false, Some(b)) => {
            format!("vendor/ replaced by the one from before gomodoff (kept in `{b}`)")
        }
        (false, None) => "vendor/ removed (there was none before gomodoff)".to_string(),
    }
}

/// The restore, as a change for [`txn::run`].
struct RestoreChange {
    plan: Plan,
    root: PathBuf,
    keep_tree: bool,
    backup: Option<String>,
    /// The files that would be lost, named, when not already shown (see [`restore`]).
    lost: Vec<u8>,
    summary: txn::Summary,
}

impl Change for RestoreChange {
    fn plan(&self) -> &Plan {
        &self.plan
    }

    fn outline(&self, _verbose: bool) -> Result<Outline<'_>> {
        let title = title(self.keep_tree, self.backup.as_deref());
        let fields = serde_json::json!({
            "mode": "vendor",
            "dir": VENDOR_DIR,
            "keep_tree": self.keep_tree,
            "backup": self.backup,
        });
        let mut outline = Outline::new(title, Cow::Borrowed(&self.summary), fields);
        outline.notes = Cow::Borrowed(&self.lost);
        Ok(outline)
    }

    /// The backup staged as the new vendor/, gomodoff's vendor/ and the backup's directory
    /// removed.
    fn stage(&mut self, _ctx: &mut Context, staging: &Path) -> Result<()> {
        if self.keep_tree {
            return Ok(());
        }
        let vendor_rel = PathBuf::from(VENDOR_DIR);
        if self.root.join(VENDOR_DIR).exists() {
            self.plan.tree_removes.push(vendor_rel.clone());
        }
        if let Some(b) = &self.backup {
            link_or_copy_tree(&self.root.join(b), &staging.join(VENDOR_DIR))?;
            self.plan.tree_removes.push(
                Path::new(b)
                    .parent()
                    .map_or_else(|| PathBuf::from(b), Path::to_path_buf),
            );
            self.plan.tree_adds.push(TreeAdd {
                staged: Path::new(STAGING_DIR).join(VENDOR_DIR),
                target: vendor_rel,
            });
        }
        Ok(())
    }

    fn report(&self, ctx: &mut Context, _timing: &Timing) -> Result<()> {
        ctx.shell.status(
            "Restored",
            match (&self.backup, self.keep_tree) {
                (_, true) => "gomodoff.lock and the listing removed; vendor/ kept",
                (Some(_), false) => "the vendor/ from before gomodoff",
                (None, false) => "no vendor/, as before gomodoff",
            },
        )?;
        Ok(())
    }
}
