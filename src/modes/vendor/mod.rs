//! `gomodoff vendor --mode vendor`: write `vendor/` and `vendor/modules.txt` byte-identical to
//! what the installed go's `go mod vendor` writes, computed natively by [`crate::resolve::vendoring`] from
//! module files checked against go.sum, shown before it happens, applied as one transaction, and
//! checkable later without the module cache; plus the vendor-mode side of `verify`, `status` and
//! `restore`.
//!
//! # Where module files come from
//!
//! A module's extracted directory in the module cache is used when its `h1:` equals go.sum's zip
//! line; otherwise (absent, or different: junk files, tampering) its zip is extracted into a
//! temporary directory outside the repository and checked the same way. Only modules the
//! computation consults are checked: every module whose path is a prefix of a vendored package
//! (the providers, and the other candidates `importFromModules` looked into). The computation
//! first runs on the unchecked cache directories; when a check fails the module is replaced by its
//! zip and the computation runs again, so a tampered cache can change nothing. Directory
//! replacements are read from their directory, as go reads them (go.sum does not cover them).
//! Each copied file is hashed again as it is copied and must match the digest that was checked.
//! A directory checked on an earlier run and unchanged since (every file's size, times and inode
//! as recorded, no file added or removed) takes its digests from [`crate::sources::verified`]'s record.
//!
//! # What is written
//!
//! - `vendor/`: exactly go's tree (files 0644 as go writes them, through the umask).
//! - `gomodoff.vendor.sum` at the repository root: `<sha256>  vendor/<path>` for every file of
//!   `vendor/`, sorted (`sha256sum -c` reads it). `vendor/` must stay byte-identical to go's, so
//!   the digests live outside it. The lock records the listing's own SHA-256.
//! - `gomodoff.lock` (mode `vendor`, dir `vendor`): one entry per module line of modules.txt:
//!   `path`/`version` are the module line, `replace_path`/`replace_version` the module whose files
//!   were vendored (the replacement, the module itself, or a directory without version), `zip_h1`
//!   go.sum's hash of that module's zip, `vendor_h1` the `h1:` of the module's lines in the
//!   listing (`tier` is `gomod` for a module listed without packages).
//! - `.gomodoff/vendor-backup/vendor/`: the `vendor/` that was there before gomodoff first ran,
//!   which `restore` puts back. Later runs keep it and replace gomodoff's own `vendor/`.
//!
//! # The folder
//!
//! One file per step of a run, in the order a run takes them, then the other commands:
//!
//! | file | does |
//! |---|---|
//! | `mod.rs` | the entry [`vendor`] and its option checks |
//! | [`compute`](mod@compute) | the build list, module files checked against go.sum, the loader run until it stands on checked files, each new file with its digest |
//! | [`previous`] | what the last run wrote, to spare checking a module whose files are unchanged |
//! | [`plan`] | the current `vendor/` against the new one, the lock, the transaction |
//! | [`preview`] | the summary shown before asking, `--report-dropped` |
//! | [`apply`] | the change handed to [`crate::txn::run`]: preview, staging, report |
//! | [`stage`] | copying files into the staging directory, each checked as it is copied |
//! | [`listing`] | `gomodoff.vendor.sum`, and which module a file of `vendor/` belongs to |
//! | [`check`] | `verify` and `status` in vendor mode |
//! | [`restore`](mod@restore) | `restore` in vendor mode |
//!
//! What is not vendor mode's own lives in the layers below, where go keeps it
//! (`modload/vendor.go`): go's lenient modules.txt reader in
//! [`crate::formats::modules_txt::VendorList`], its `-mod=vendor` consistency check in
//! [`crate::resolve::consistency`], package loading over module files in
//! [`crate::resolve::load_packages`] (replace and proxy mode load packages too), zips checked
//! and extracted in [`crate::sources::extract`].

mod apply;
mod check;
mod compute;
mod listing;
mod plan;
mod preview;
mod previous;
mod restore;
mod stage;

pub(crate) use check::{drift, verify_findings};
pub(crate) use restore::restore;

use std::path::Path;

use anyhow::{Context as _, Result, bail};

use self::apply::show_and_apply;
use self::compute::compute;
use self::plan::plan_vendor;
use crate::formats::lock::Mode;
use crate::modes::VendorOptions;
use crate::repo::Repo;
use crate::sources::bundle_source as source;
use crate::sources::goenv::GoSettings;
use crate::txn::open::check_plan_inside;
use crate::util::context::{Context, Outcome};
use crate::util::fsutil;

/// The directory the go command reads vendored packages from.
pub(crate) const VENDOR_DIR: &str = "vendor";
/// The per-file listing of `vendor/`, at the repository root.
pub(crate) const LISTING_FILE: &str = "gomodoff.vendor.sum";
/// Where the `vendor/` from before gomodoff is kept.
pub(crate) const BACKUP_DIR: &str = crate::formats::lock::VENDOR_BACKUP_DIR;
/// The backup's name in the staging directory.
const BACKUP_STAGING: &str = "vendor-backup";

/// `gomodoff vendor --mode vendor`, with the repository lock held and any interrupted run
/// repaired. `read` gets what the result was read from outside the repository: the module
/// directories consulted and the files copied from them (for the no-change record,
/// `super::fresh`, which stamps them and the directories they are in).
pub(crate) fn vendor(
    ctx: &mut Context,
    repo: &Repo,
    opts: &VendorOptions,
    read: &mut Vec<crate::modes::fresh::Read>,
) -> Result<Outcome> {
    check_options(repo, opts)?;
    check_vendor_dir(&repo.root)?;
    let start = std::time::Instant::now();
    let settings = GoSettings::read(&repo.root);
    let go_env_time = start.elapsed();
    if repo.workspace.is_none()
        && let Some(work) = &settings.gowork
    {
        crate::bail_hint!(
            hint = (
                "run `gomodoff vendor --mode vendor` to vendor the whole workspace into `{}` (as `go work vendor` does), or set GOWORK=off to vendor this module on its own",
                work.parent()
                    .unwrap_or(Path::new("."))
                    .join(VENDOR_DIR)
                    .display()
            ),
            "`{}` puts this module in a workspace, and `go mod vendor` refuses to vendor a workspace module on its own",
            work.display()
        );
    }
    if !repo.config.exclude.is_empty() {
        ctx.shell.warn(
            "gomodoff.toml's `exclude` does not apply to vendor mode: `-mod=vendor` builds read every package from vendor/",
        )?;
    }
    let src = source::open(ctx)?;
    let mut computed = compute(repo, src.as_ref(), &settings, &ctx.shell)?;
    computed.timings.0.insert(0, ("go env", go_env_time));
    read.extend(computed.read_outside());
    for w in &computed.warnings {
        ctx.shell.warn(w)?;
    }
    if computed.tree.modules_txt.is_empty() {
        return crate::txn::nothing_to_do(ctx, "no dependencies to vendor; nothing to do");
    }
    let start = std::time::Instant::now();
    let planned = plan_vendor(repo, &computed, &src.describe())?;
    // Refused now, before anything is staged (a symlinked `.gomodoff/`, say), and again right
    // before the plan is applied.
    check_plan_inside(&repo.root, &planned.plan, &[])?;
    computed.timings.add("plan", start);
    let outcome = show_and_apply(ctx, &repo.root, opts, &mut computed, planned)?;
    for (phase, d) in &computed.timings.0 {
        ctx.shell
            .verbose(&format!("  {phase:<20} {:>8.3}s", d.as_secs_f64()))?;
    }
    // The zips extracted for this run go now; the tables are freed aside.
    let compute::Computed {
        inputs,
        graph,
        tree,
        modules,
        files,
        _temp,
        ..
    } = computed;
    drop(_temp);
    crate::util::drop_aside((inputs, graph, tree, modules, files));
    Ok(outcome)
}

/// Refuse, before any work, a `vendor/` that is a symbolic link (or under one): vendor mode
/// hashes, backs up and replaces it in place, and a cloned repository may point it anywhere.
pub(super) fn check_vendor_dir(root: &Path) -> Result<()> {
    fsutil::inside(root, Path::new(VENDOR_DIR), Path::new(VENDOR_DIR)).context(
        "refusing to touch `vendor/`: vendor mode reads and replaces it in place, never through a symbolic link",
    )?;
    Ok(())
}

/// Vendor mode writes `vendor/` only, where the go command reads it, and never go.mod.
fn check_options(repo: &Repo, opts: &VendorOptions) -> Result<()> {
    let is_vendor = |d: &str| {
        let d = d.replace('\\', "/");
        let d = d.trim_start_matches("./").trim_end_matches('/');
        d == VENDOR_DIR
    };
    if let Some(dir) = &opts.dir
        && !is_vendor(&dir.to_string_lossy())
    {
        bail!(
            "vendor mode writes `vendor/`, the only directory `go build -mod=vendor` reads; --dir `{}` does not apply",
            dir.display()
        );
    }
    if repo.config.mode == Some(Mode::Vendor)
        && let Some(dir) = &repo.config.dir
        && !is_vendor(dir)
    {
        bail!(
            "gomodoff.toml sets dir = `{dir}`, but vendor mode writes `vendor/`, the only directory `go build -mod=vendor` reads"
        );
    }
    if opts.modfile {
        bail!("--modfile applies to replace mode only: vendor mode does not touch go.mod");
    }
    Ok(())
}
