//! Replace mode, the default: `gomodoff vendor` plans which modules the build needs, verifies
//! every one against go.sum, shows the change, and applies it as one transaction.
//!
//! Replace mode lays each module out under the tree directory (default `third_party/gomod`) as
//! `<escaped path>@<escaped version>/` and adds one replace directive per module. Modules whose
//! packages are built get their whole tree; modules whose go.mod is only read for version
//! selection get a directory holding just that go.mod. Beside each whole tree a `<tree>.hashes`
//! file keeps the `h1:` summary lines (sha256 and name of every file), so that `verify` can name
//! the file that changed without the module cache; its own SHA-256 is the module's `h1:`.
//!
//! # Map
//!
//! | file | owns |
//! |---|---|
//! | `mod.rs` | `vendor`: plan → preview → confirm → stage → apply → report |
//! | [`plan`] | the tree directory and modfile, the needs from the module graph, the edited go.mod, the trees to add, replace and remove |
//! | [`stage`] | extracting trees into staging, checked against go.sum, with their `<tree>.hashes` |
//! | [`check`] | `verify` (trees against their listings, the lock and go.sum) and `status` drift |
//! | [`restore`] | `restore`: gomodoff's replace directives, trees and lock removed |

use std::path::Path;

use anyhow::{Result, bail};

use crate::formats::lock::{LOCK_FILE, Mode};
use crate::modes::VendorOptions;
use crate::repo::{self, Repo};
use crate::sources::bundle_source as source;
use crate::txn::open::confirm;
use crate::txn::plan::STAGING_DIR;
use crate::util::context::{Context, Outcome};
use crate::util::fsutil;

mod check;
mod plan;
mod restore;
mod stage;

pub use check::{drift, verify};
pub use plan::{ReplacePlan, plan_replace};
pub use restore::restore;

/// Lay the build's modules out as trees under the tree directory, one replace directive each.
pub fn vendor(ctx: &mut Context, repo: &Repo, opts: &VendorOptions) -> Result<Outcome> {
    if opts.report_dropped {
        bail!("--report-dropped applies to vendor mode only");
    }
    if let Some(work) = repo::wider_workspace(&repo.root) {
        ctx.shell
            .warn(&repo::workspace_warning(&work, Mode::Replace))?;
    }
    let src = source::open(ctx)?;
    let planned = plan_replace(repo, opts, src.as_ref())?;
    show_and_apply(ctx, repo, opts, planned)
}

fn show_and_apply(
    ctx: &mut Context,
    repo: &Repo,
    opts: &VendorOptions,
    mut planned: ReplacePlan,
) -> Result<Outcome> {
    let color = ctx.shell.color();
    if planned.lock.modules.is_empty() && repo.lock.is_none() {
        ctx.shell.status(
            "Fresh",
            "go.mod needs no modules from outside the repository; nothing to vendor",
        )?;
        return Ok(Outcome::Ok);
    }
    let nothing = planned.plan.is_empty();
    if nothing {
        ctx.shell.status(
            "Fresh",
            &format!(
                "{} modules already laid out in `{}`; nothing to do",
                planned.lock.modules.len(),
                planned.lock.dir
            ),
        )?;
        return Ok(Outcome::Ok);
    }
    let diff = planned.plan.render_diff(color);
    write!(ctx.shell.preview(), "{diff}")?;
    print_summary(ctx, &planned)?;
    if !confirm(ctx, opts.dry_run, opts.yes, "apply")? {
        return Ok(Outcome::Ok);
    }
    let src = source::open(ctx)?;
    ctx.shell.status(
        "Extracting",
        &format!("{} modules into `{}`", planned.work.len(), planned.lock.dir),
    )?;
    let bar = ctx.shell.progress(planned.work.len() as u64, "modules");
    let staged = stage::stage(
        &repo.root,
        src.as_ref(),
        &mut planned.work,
        &mut planned.lock,
        &bar,
    );
    bar.finish_and_clear();
    let bytes = match staged {
        Ok(b) => b,
        Err(e) => {
            let _ = fsutil::remove_dir_all_if_exists(&repo.root.join(STAGING_DIR));
            return Err(e);
        }
    };
    // The lock may have learned which go.mod files were synthesised.
    if let Some(f) = planned
        .plan
        .files
        .iter_mut()
        .find(|f| f.path == Path::new(LOCK_FILE))
    {
        f.after = Some(planned.lock.render().into_bytes());
    }
    if let Err(e) = planned.check_inside(&repo.root) {
        let _ = fsutil::remove_dir_all_if_exists(&repo.root.join(STAGING_DIR));
        return Err(e);
    }
    planned.plan.apply(&repo.root)?;
    ctx.shell.status(
        "Vendored",
        &format!(
            "{} modules ({} bytes extracted) into `{}`",
            planned.lock.modules.len(),
            bytes,
            planned.lock.dir
        ),
    )?;
    if planned.lock.modfile != "go.mod" {
        writeln!(ctx.shell.out(), "GOFLAGS=-modfile={}", planned.lock.modfile)?;
    }
    Ok(Outcome::Ok)
}

/// The preview's count of modules, and the modules added, updated and removed.
fn print_summary(ctx: &mut Context, planned: &ReplacePlan) -> Result<()> {
    let s = &planned.summary;
    let what = format!(
        "{} modules in `{}` ({} whole trees, {} go.mod only)",
        s.total(),
        planned.lock.dir,
        s.full,
        s.gomod_only
    );
    s.write(ctx.shell.preview(), &what)
}
