//! `gomodoff vendor`'s change, carried out by the shared transaction driver ([`txn::run`]):
//! its preview, the staging of the new `vendor/` (and of the backup), its report.

use std::cell::Cell;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::compute::Computed;
use super::plan::VendorPlan;
use super::preview::{Summary, report_dropped};
use super::stage::{link_or_copy_tree, stage_tree};
use super::{BACKUP_DIR, BACKUP_STAGING, VENDOR_DIR};
use crate::modes::VendorOptions;
use std::borrow::Cow;

use crate::txn::plan::Plan;
use crate::txn::{self, Ask, Change, FileDiff, Outline, Size, Timing};
use crate::util::context::{Context, Outcome};
use crate::util::shell::Verbosity;

/// Preview → confirm → stage → apply → report, through [`txn::run`]; a plan that changes nothing
/// is reported fresh without asking.
pub(super) fn show_and_apply(
    ctx: &mut Context,
    root: &Path,
    opts: &VendorOptions,
    computed: &mut Computed,
    planned: VendorPlan,
) -> Result<Outcome> {
    if planned.plan.is_empty() {
        if opts.report_dropped {
            report_dropped(ctx.shell.out(), computed)?;
        }
        return txn::nothing_to_do(
            ctx,
            &format!(
                "vendor/ already holds what `go mod vendor` writes ({} modules, {} files); nothing to do",
                planned.lock.modules.len(),
                computed.files.len()
            ),
        );
    }
    // Lines named even with -q (files the user may lose, --report-dropped) go to `out`, after
    // the preview. The driver writes the preview to the preview stream, which is `out` unless
    // quiet: then they follow it there; when quiet (no preview) they are written now.
    let mut always = Vec::new();
    Summary::new(computed, &planned).write_foreign(&mut always)?;
    if opts.report_dropped {
        report_dropped(&mut always, computed)?;
    }
    if ctx.shell.verbosity() == Verbosity::Quiet {
        ctx.shell.out().write_all(&always)?;
        always.clear();
    }
    let mut change = VendorChange {
        computed,
        planned,
        root: root.to_path_buf(),
        always,
        bytes: 0,
        timing: Cell::new(None),
    };
    let ask = Ask {
        dry_run: opts.dry_run,
        yes: opts.yes,
        verb: "apply",
    };
    let outcome = txn::run(ctx, root, &mut change, ask)?;
    if let Some(t) = change.timing.get() {
        change.computed.timings.push("stage vendor/", t.staged);
        change.computed.timings.push("transaction", t.applied);
    }
    Ok(outcome)
}

/// The new `vendor/`, lock and listing, as a change for [`txn::run`].
struct VendorChange<'a> {
    computed: &'a mut Computed,
    planned: VendorPlan,
    root: PathBuf,
    /// Shown after the preview, when not already shown (see [`show_and_apply`]).
    always: Vec<u8>,
    /// Bytes staged, for the report.
    bytes: u64,
    /// The driver's timing, kept for the `-v` phase list.
    timing: Cell<Option<Timing>>,
}

impl Change for VendorChange<'_> {
    fn plan(&self) -> &Plan {
        &self.planned.plan
    }

    fn outline(&self, verbose: bool) -> Result<Outline<'_>> {
        let summary = Summary::new(self.computed, &self.planned);
        let fields = serde_json::json!({ "mode": "vendor", "dir": VENDOR_DIR });
        let mut outline = Outline::new(
            summary.title(),
            Cow::Owned(summary.summary(&self.root, verbose)),
            fields,
        );
        outline.diffs.push(FileDiff {
            name: "vendor/modules.txt",
            before: self.planned.current.modules_txt.as_deref(),
            after: Some(self.computed.tree.modules_txt.as_bytes()),
        });
        // Files the user may lose, and --report-dropped, before the block above the question.
        outline.notes = Cow::Borrowed(&self.always);
        Ok(outline)
    }

    fn stage(&mut self, ctx: &mut Context, staging: &Path) -> Result<()> {
        if self.planned.tree_changes {
            let bar = ctx
                .shell
                .progress(self.computed.files.len() as u64, "files");
            let bytes = stage_tree(&staging.join(VENDOR_DIR), self.computed, &bar);
            bar.finish_and_clear();
            self.bytes = bytes?;
        }
        if self.planned.backup_now {
            link_or_copy_tree(&self.root.join(VENDOR_DIR), &staging.join(BACKUP_STAGING))?;
        }
        Ok(())
    }

    fn report(&self, ctx: &mut Context, timing: &Timing) -> Result<()> {
        self.timing.set(Some(*timing));
        ctx.shell.status(
            "Vendored",
            &format!(
                "{} modules into `vendor/` ({} written)",
                self.planned.lock.modules.len(),
                Size::new(self.computed.files.len() as u64, self.bytes)
            ),
        )?;
        if self.planned.backup_now {
            ctx.shell.status(
                "Saved",
                &format!(
                    "the previous vendor/ in `{BACKUP_DIR}` (`gomodoff restore` puts it back)"
                ),
            )?;
        }
        Ok(())
    }
}
