//! Replace mode, the default: `gomodoff vendor` plans which modules the build needs, verifies
//! every one against go.sum, shows the change, and applies it as one transaction.
//!
//! Replace mode lays each module out under the tree directory (default `third_party/gomod`) as
//! `<escaped path>@<escaped version>/` and adds one replace directive per module. Modules whose
//! packages are built get a slim tree (what the build can read of them, see [`slim`]; the whole
//! module with `--whole` or `tree = "whole"`); modules whose go.mod is only read for version
//! selection get a directory holding just that go.mod. Beside each tree laid out from a zip a
//! `<tree>.hashes` file keeps the `h1:` summary lines (sha256 and name of every file of the
//! module; their SHA-256 is the module's `h1:`) and the files a slim tree left out, so that
//! `verify` can name the file that changed without the module cache.
//!
//! # Map
//!
//! | file | owns |
//! |---|---|
//! | `mod.rs` | `vendor`: plan, then preview → confirm → stage → apply → report through [`crate::txn::run`] |
//! | [`plan`] | the tree directory and modfile, the needs from the module graph, the edited go.mod, the trees to add, replace and remove |
//! | [`slim`] | which files of a module a slim tree keeps |
//! | [`stage`] | extracting trees into staging, checked against go.sum, with their `<tree>.hashes` |
//! | [`check`] | `verify` (trees against their listings, the lock and go.sum) and `status` drift |
//! | [`restore`](mod@restore) | `restore`: gomodoff's replace directives, trees and lock removed |
//! | [`revendor`](mod@revendor) | `gomodoff go`: vendor again from the go.mod and go.sum go wrote, writing them too |

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::formats::lock::{LOCK_FILE, Mode};
use crate::modes::VendorOptions;
use crate::repo::{self, Repo};
use crate::sources::bundle_source as source;
use crate::sources::checked::SumError;
use crate::txn::plan::Plan;
use std::borrow::Cow;

use crate::txn::{Ask, Change, Outline, Size, Timing};
use crate::util::context::{Context, Outcome};
use crate::util::hint::hinted_instead;

mod check;
mod plan;
mod restore;
mod revendor;
mod slim;
mod stage;

pub(crate) use check::{drift, verify};
pub(crate) use plan::{ReplacePlan, plan_replace};
pub(crate) use restore::restore;
pub(crate) use revendor::revendor;

/// Lay the build's modules out as trees under the tree directory, one replace directive each.
pub(crate) fn vendor(ctx: &mut Context, repo: &Repo, opts: &VendorOptions) -> Result<Outcome> {
    if opts.report_dropped {
        bail!("--report-dropped applies to vendor mode only");
    }
    if let Some(work) = repo::wider_workspace(&repo.root) {
        ctx.shell
            .warn(&repo::workspace_warning(&work, Mode::Replace))?;
    }
    let src = source::open(ctx)?;
    let planned = plan_replace(repo, opts, src.as_ref()).map_err(|e| vendored_hint(repo, e))?;
    show_and_apply(ctx, repo, opts, planned)
}

/// A missing go.sum line in a repository whose go.mod holds gomodoff's replace directives: go
/// neither checks nor records go.sum lines for modules replaced by a directory, so `go get` or
/// `go mod tidy` run there left it out, and running them again does not help; `gomodoff go`
/// does.
fn vendored_hint(repo: &Repo, err: anyhow::Error) -> anyhow::Error {
    let in_gomod = repo.lock.as_ref().is_some_and(|l| l.modfile == "go.mod");
    let modules: Vec<String> = err
        .chain()
        .filter_map(|e| e.downcast_ref::<SumError>())
        .flat_map(|s| s.missing_modules().iter().map(ToString::to_string))
        .collect();
    if !in_gomod || modules.is_empty() {
        return err;
    }
    hinted_instead(
        err,
        format!(
            "go neither checks nor records go.sum lines for modules gomodoff replaced by a directory, so `go get` and `go mod tidy` in this vendored repository leave them out; run `gomodoff go get {}` (or `gomodoff go mod tidy`) with network access: it runs go on go.mod without gomodoff's replace directives and vendors the result in one step (see \"Changing dependencies\" in gomodoff's README)",
            modules.join(" ")
        ),
    )
}

/// Nothing to do, or the plan carried out by [`crate::txn::run`].
fn show_and_apply(
    ctx: &mut Context,
    repo: &Repo,
    opts: &VendorOptions,
    planned: ReplacePlan,
) -> Result<Outcome> {
    if planned.lock.modules.is_empty() && repo.lock.is_none() {
        return crate::txn::nothing_to_do(
            ctx,
            "go.mod needs no modules from outside the repository; nothing to vendor",
        );
    }
    if planned.plan.is_empty() {
        return crate::txn::nothing_to_do(
            ctx,
            &format!(
                "{} modules already laid out in `{}`; nothing to do",
                planned.lock.modules.len(),
                planned.lock.dir
            ),
        );
    }
    let ask = Ask {
        dry_run: opts.dry_run,
        yes: opts.yes,
        verb: "apply",
    };
    let mut change = Vendoring { planned };
    crate::txn::run(ctx, &repo.root, &mut change, ask)
}

/// A replace-mode `vendor` run for [`crate::txn::run`].
struct Vendoring {
    planned: ReplacePlan,
}

impl Change for Vendoring {
    fn plan(&self) -> &Plan {
        &self.planned.plan
    }

    fn outline(&self, _verbose: bool) -> Result<Outline<'_>> {
        let s = &self.planned.summary;
        let lock = &self.planned.lock;
        let title = format!(
            "{} modules in `{}` ({} {} trees, {} go.mod only)",
            s.total(),
            lock.dir,
            s.full,
            self.planned.trees,
            s.gomod_only
        );
        let fields = serde_json::json!({
            "mode": "replace",
            "dir": lock.dir,
            "modfile": lock.modfile,
            "tree": self.planned.trees,
        });
        Ok(Outline::new(title, Cow::Borrowed(s), fields))
    }

    fn stage(&mut self, ctx: &mut Context, staging: &Path) -> Result<()> {
        let planned = &mut self.planned;
        let src = source::open(ctx)?;
        ctx.shell.status(
            "Extracting",
            &format!("{} modules into `{}`", planned.work.len(), planned.lock.dir),
        )?;
        let bar = ctx.shell.progress(planned.work.len() as u64, "modules");
        let staged = stage::stage(
            staging,
            src.as_ref(),
            &mut planned.work,
            &mut planned.lock,
            &bar,
        );
        bar.finish_and_clear();
        staged?;
        // The lock may have learned which go.mod files were synthesised.
        if let Some(f) = planned
            .plan
            .files
            .iter_mut()
            .find(|f| f.path == Path::new(LOCK_FILE))
        {
            f.after = Some(planned.lock.render().into_bytes());
        }
        Ok(())
    }

    fn named_dirs(&self) -> Vec<(PathBuf, PathBuf)> {
        self.planned.named_dirs()
    }

    fn report(&self, ctx: &mut Context, _timing: &Timing) -> Result<()> {
        let lock = &self.planned.lock;
        let written: Size =
            self.planned
                .work
                .iter()
                .map(|w| w.size)
                .fold(Size::default(), |mut a, b| {
                    a.add(b);
                    a
                });
        ctx.shell.status(
            "Vendored",
            &format!(
                "{} modules into `{}` ({written} written)",
                lock.modules.len(),
                lock.dir
            ),
        )?;
        if lock.modfile != "go.mod" {
            writeln!(ctx.shell.out(), "GOFLAGS=-modfile={}", lock.modfile)?;
        }
        Ok(())
    }
}
