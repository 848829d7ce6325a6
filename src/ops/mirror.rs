//! `gomodoff mirror DIR`: add the modules a repository's build needs to a GOPROXY file tree that
//! many repositories share and any static file server can serve (`GOPROXY=https://host/path`).
//!
//! The tree is the gomodoff tree format ([`crate::sources::bundle`]): GOPROXY layout plus
//! `gomodoff-manifest.toml`, which accumulates every module version mirrored, with its hashes.
//! Adding is incremental and safe to interrupt: modules already complete in the tree are not
//! copied again (their zips are re-hashed, and a different copy of a version already there is an
//! error, never overwritten); new files are staged in one fixed directory beside the tree,
//! `<parent>/.<name>.gomodoff-staging` (never inside the served tree), under the tree's lock,
//! and renamed in one by one, zips before the `.mod` files that make a version visible, then each
//! `@v/list` (every version with a `.mod`, semver order) and the manifest are rewritten
//! atomically. A run killed at any point leaves only that staging directory, complete files and
//! perhaps a `.gomodoff-tmp-*` file; the next run on the tree removes those first (see
//! [`crate::util::staging`]) and completes the tree. `--verify` re-hashes the whole tree against its
//! manifest and names such leftovers as what they are.

use std::fs;
use std::path::PathBuf;
use std::time::Instant;

use indicatif::HumanBytes;

use anyhow::{Context as _, Result};

use crate::modes::finding_document;
use crate::repo::open_repos;
use crate::resolve::content::collect;
use crate::sources::bundle::{self, BundleError, Layout, Manifest, ModuleContent};
use crate::sources::bundle_source as source;
use crate::sources::sumdb;
use crate::txn::plan::fault_point;
use crate::util::context::{Context, Outcome};
use crate::util::fsutil::absolute;
use crate::util::staging::Target;

#[derive(Debug, Clone, Default)]
pub(crate) struct MirrorOptions {
    pub dir: PathBuf,
    /// Only re-hash the tree; add nothing.
    pub verify: bool,
}

pub(crate) fn mirror(ctx: &mut Context, opts: &MirrorOptions) -> Result<Outcome> {
    let dir = absolute(&ctx.dir, &opts.dir);
    if opts.verify {
        return verify(ctx, &dir);
    }
    let started = Instant::now();
    let repos = open_repos(&ctx.dir, &[])?;
    let src = source::open(ctx)?;
    let (manifest, contents) = collect(ctx, &repos, src.as_ref())?;
    // Locked before anything is staged, so that a second run on the same tree stops here
    // instead of sharing (or clearing) this run's staging directory.
    let target = Target::take(&dir)?;
    for path in target.cleared() {
        ctx.shell.status(
            "Removed",
            &format!("`{}`, left by an interrupted gomodoff run", path.display()),
        )?;
    }
    let real = target.real().to_path_buf();
    fs::create_dir_all(&real).with_context(|| format!("failed to create `{}`", dir.display()))?;

    // Stage only what the tree lacks; merge_tree checks what it already has.
    let mut missing = Manifest::new();
    let mut to_stage: Vec<ModuleContent> = Vec::new();
    for c in contents {
        if !complete_in(&real, &c)? {
            missing.add(c.entry.clone())?;
            to_stage.push(c);
        }
    }
    // A failure to write is the file system's (full, read-only): name the tree it was for.
    let in_target = |e: BundleError| {
        if e.is_write() {
            anyhow::Error::new(e).context(format!("failed to add modules to `{}`", dir.display()))
        } else {
            e.into()
        }
    };
    bundle::write_tree(
        target.staging(),
        &missing,
        &to_stage,
        &bundle::ExtraFiles::new(),
    )
    .map_err(in_target)?;
    fault_point("mirror:staged")?;
    let hook = |step: &str| fault_point(&format!("mirror:{step}")).map_err(Into::into);
    let stats = bundle::merge_tree(target.staging(), &real, &manifest, Layout::Tree, &hook)
        .map_err(in_target)?;
    target.finish()?;

    if ctx.shell.is_json() {
        ctx.shell.document(serde_json::json!({
            "action": "add",
            "mirror": dir,
            "modules": manifest.len(),
            "written": stats.written,
            "bytes": stats.bytes,
            "human": HumanBytes(stats.bytes).to_string(),
            "kept": stats.kept,
            "repos": manifest.repos,
            "seconds": started.elapsed().as_secs_f64(),
        }))?;
        return Ok(Outcome::Ok);
    }
    ctx.shell.status(
        "Mirrored",
        &format!(
            "{} modules of {} into `{}`: {} files written ({}), {} already there",
            manifest.len(),
            manifest
                .repos
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            dir.display(),
            stats.written,
            HumanBytes(stats.bytes),
            stats.kept
        ),
    )?;
    writeln!(
        ctx.shell.out(),
        "serve `{}` with any static file server and set GOPROXY=https://HOST/PATH (or GOPROXY=file://{} on this machine)",
        dir.display(),
        dir.display()
    )?;
    Ok(Outcome::Ok)
}

fn verify(ctx: &mut Context, dir: &std::path::Path) -> Result<Outcome> {
    ctx.shell
        .status("Verifying", &format!("every module in `{}`", dir.display()))?;
    let mut report = bundle::verify_tree(dir)?;
    // The checksum database part a tree may carry (one `unpack` laid out), checked with the key
    // the user's GOSUMDB names.
    if report.manifest.sumdb.is_some() {
        let user = sumdb::user_sumdb(&ctx.dir)?;
        match &user.database {
            Some(db) => {
                if let Some(findings) = bundle::check_sumdb(dir, &report.manifest, &db.key)? {
                    report.findings.extend(findings);
                    report.findings.sort_by(|a, b| a.file.cmp(&b.file));
                }
            }
            None => ctx.shell.warn(
                "GOSUMDB is off: the tree's checksum database part was not checked (set GOSUMDB to check it)",
            )?,
        }
    }
    if ctx.shell.is_json() {
        let findings: Vec<_> = report
            .findings
            .iter()
            .map(|f| finding_document(&f.file, None, Some(&f.file), "mirror", &f.problem))
            .collect();
        ctx.shell.document(serde_json::json!({
            "action": "verify",
            "mirror": dir,
            "modules": report.manifest.len(),
            "ok": report.findings.is_empty(),
            "findings": findings,
        }))?;
    } else {
        for f in &report.findings {
            writeln!(ctx.shell.out(), "`{}`: {}", f.file, f.problem)?;
        }
        if report.findings.is_empty() {
            ctx.shell.status(
                "Verified",
                &format!(
                    "{} modules in `{}` match {}",
                    report.manifest.len(),
                    dir.display(),
                    bundle::MANIFEST_FILE
                ),
            )?;
        } else {
            ctx.shell.status(
                "Mismatch",
                &format!("{} problems in `{}`", report.findings.len(), dir.display()),
            )?;
        }
    }
    Ok(if report.findings.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Differs
    })
}

/// Whether the tree already has every file of a module (contents are checked by merge_tree).
fn complete_in(dir: &std::path::Path, c: &ModuleContent) -> Result<bool> {
    let mv = c.entry.module();
    let has =
        |ext: &str| -> Result<bool> { Ok(dir.join(bundle::module_file(&mv, ext)?).is_file()) };
    if (c.gomod.is_some() && !has("mod")?) || (c.zip.is_some() && !has("zip")?) {
        return Ok(false);
    }
    if c.info.is_some() {
        let info = dir.join(bundle::module_file(&mv, "info")?);
        match fs::read(&info) {
            Ok(b) if bundle::check_info(&mv, &b).is_ok() => {}
            _ => return Ok(false),
        }
    }
    Ok(true)
}
