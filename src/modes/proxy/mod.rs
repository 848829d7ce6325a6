//! Proxy mode: `gomodoff vendor --mode proxy` writes a GOPROXY file tree inside the repository
//! (`.gomodoff/proxy/` unless `--dir` or gomodoff.toml says otherwise) holding every `.mod`,
//! `.zip` and `.info` the build needs, in the gomodoff tree format ([`crate::sources::bundle`]: GOPROXY
//! layout plus `gomodoff-manifest.toml`), and `gomodoff env` prints `GOPROXY=file://<tree>`.
//! go.mod is never edited: the go command itself checks every file against go.sum.
//!
//! It shares replace mode's machinery: the same plan of needed modules (checked against go.sum),
//! preview, confirmation, repository lock and journaled transaction; each file is a step of the
//! transaction (staged in `.gomodoff-staging/`, renamed into place), so only the module versions
//! that changed are written, and an interrupted run is rolled back by the next. In
//! `gomodoff.lock` (mode `proxy`) each module's `dir` is its file stem in the tree,
//! `<escaped path>/@v/<escaped version>`. `verify` re-hashes the tree against its manifest, the
//! lock and go.sum; `status` lists drift; `restore` removes the tree and the lock.
//!
//! # Map
//!
//! | file | owns |
//! |---|---|
//! | `mod.rs` | `vendor`: tree directory and plan, then preview → confirm → stage → apply → report through [`crate::txn::run`] |
//! | [`plan`] | the tree directory, and each module version, list file and the manifest against the tree and the lock |
//! | [`stage`] | the files the plan adds, written into staging, zips checked against go.sum |
//! | [`check`] | `verify` (tree against manifest, manifest against lock, lock against go.sum) and `status` drift |
//! | [`restore`](mod@restore) | `restore`: the tree and the lock removed |

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::formats::lock::Mode;
use crate::modes::VendorOptions;
use crate::repo::{self, Repo};
use crate::resolve::needs::{Needed, ZipsFor, needed_modules};
use crate::sources::bundle;
use crate::sources::bundle_source as source;
use crate::sources::modcache::{ModCache, ModuleSource};
use crate::sources::sumdb::{self, Carried, NotCarried};
use crate::txn::plan::Plan;
use std::borrow::Cow;

use crate::txn::{Ask, Change, Outline, Timing};
use crate::util::context::{Context, Outcome};

mod check;
mod plan;
mod restore;
mod stage;

pub(crate) use check::{drift, verify};
pub(crate) use restore::restore;

use plan::{ProxyPlan, plan_tree, tree_dir};

/// Lay the build's modules out as a `GOPROXY=file://` tree.
pub(crate) fn vendor(ctx: &mut Context, repo: &Repo, opts: &VendorOptions) -> Result<Outcome> {
    if let Some(work) = repo::wider_workspace(&repo.root) {
        ctx.shell
            .warn(&repo::workspace_warning(&work, Mode::Proxy))?;
    }
    if opts.modfile {
        bail!("--modfile applies to replace mode only; proxy mode never edits go.mod");
    }
    if opts.report_dropped {
        bail!("--report-dropped applies to vendor mode only");
    }
    let (dir, named_in) = tree_dir(repo, opts.dir.as_deref())?;
    let src = source::open(ctx)?;
    let needs = needed_modules(repo, src.as_ref(), &repo.config.exclude, ZipsFor::Consulted)?;
    let mut carry = |manifest: &bundle::Manifest| carry_sumdb(ctx, opts, manifest);
    let planned = plan_tree(repo, &dir, named_in, &needs, src.as_ref(), &mut carry)?;
    // Refused now, before anything is staged, and again right before the plan is applied.
    planned.check_inside(&repo.root)?;
    show_and_apply(ctx, repo, opts, src.as_ref(), &needs, planned)
}

/// Nothing to do, or the plan carried out by [`crate::txn::run`].
/// The checksum database part the tree carries (see [`crate::sources::sumdb`]): none with
/// `--no-sumdb` or `--from`; when the data is missing, none, with a warning (env then prints
/// GOSUMDB=off, as without it); a record that disagrees with go.sum is an error.
fn carry_sumdb(
    ctx: &mut Context,
    opts: &VendorOptions,
    manifest: &bundle::Manifest,
) -> Result<Option<Carried>> {
    if opts.no_sumdb || ctx.from.is_some() {
        return Ok(None);
    }
    let user = sumdb::user_sumdb(&ctx.dir)?;
    let modcache = ModCache::locate(ctx.modcache.as_deref())?
        .root()
        .to_path_buf();
    let Some(gopath) = sumdb::user_gopath(&ctx.dir) else {
        return Ok(None);
    };
    match sumdb::collect_from_cache(&modcache, &gopath, &user, manifest) {
        Ok(c) => Ok(Some(c)),
        Err(NotCarried::Missing(why)) => {
            if user.database.is_some() {
                ctx.shell.warn(&format!(
                    "the GOPROXY tree carries no checksum database, so `env` prints GOSUMDB=off: {why}"
                ))?;
            }
            Ok(None)
        }
        Err(NotCarried::Bad(e)) => Err(crate::util::hint::hinted(
            e,
            "the checksum database disagrees with go.sum: check go.sum, or vendor with --no-sumdb",
        )),
    }
}

fn show_and_apply(
    ctx: &mut Context,
    repo: &Repo,
    opts: &VendorOptions,
    src: &dyn ModuleSource,
    needs: &[Needed],
    planned: ProxyPlan,
) -> Result<Outcome> {
    if planned.plan.is_empty() {
        return crate::txn::nothing_to_do(
            ctx,
            &format!(
                "{} modules already in the GOPROXY tree `{}`; nothing to do",
                needs.len(),
                planned.dir
            ),
        );
    }
    let ask = Ask {
        dry_run: opts.dry_run,
        yes: opts.yes,
        verb: "apply",
    };
    let mut change = Vendoring {
        planned,
        src,
        modules: needs.len(),
    };
    crate::txn::run(ctx, &repo.root, &mut change, ask)
}

/// A proxy-mode `vendor` run for [`crate::txn::run`].
struct Vendoring<'a> {
    planned: ProxyPlan,
    src: &'a dyn ModuleSource,
    /// Module versions the tree holds once written.
    modules: usize,
}

impl Change for Vendoring<'_> {
    fn plan(&self) -> &Plan {
        &self.planned.plan
    }

    fn outline(&self, _verbose: bool) -> Result<Outline<'_>> {
        let s = &self.planned.summary;
        let title = format!(
            "{} modules in the GOPROXY tree `{}` ({} with zips, {} go.mod only, {} .info only)",
            s.total(),
            self.planned.dir,
            s.full,
            s.gomod_only,
            s.info_only
        );
        let fields = serde_json::json!({ "mode": "proxy", "dir": self.planned.dir });
        Ok(Outline::new(title, Cow::Borrowed(s), fields))
    }

    fn stage(&mut self, ctx: &mut Context, staging: &Path) -> Result<()> {
        ctx.shell.status(
            "Writing",
            &format!(
                "{} module versions into the GOPROXY tree `{}`",
                self.planned.stage.len(),
                self.planned.dir
            ),
        )?;
        stage::stage(staging, self.src, &self.planned)
    }

    fn named_dirs(&self) -> Vec<(PathBuf, PathBuf)> {
        self.planned.named_dirs()
    }

    fn report(&self, ctx: &mut Context, _timing: &Timing) -> Result<()> {
        ctx.shell.status(
            "Vendored",
            &format!(
                "{} modules into the GOPROXY tree `{}` ({} written); build with `gomodoff exec -- go build ./...` or the variables `gomodoff env` prints",
                self.modules, self.planned.dir, self.planned.summary.write
            ),
        )?;
        Ok(())
    }
}
