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
//!
//! The tree also carries the checksum database part for its modules (see
//! [`sumdb::update_tree_part`]): each run moves it to the newer of the tree's and the source's
//! signed head, every record re-proved and the previous head proved to extend it, or leaves it
//! as it is when the source cannot prove that. Its files go in with the modules, in the order
//! [`bundle::merge_tree`] keeps for a tree being served: tiles, lookups, modules, `latest`.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::HumanBytes;

use anyhow::{Context as _, Result, anyhow};

use crate::modes::finding_document;
use crate::repo::open_repos;
use crate::resolve::content::collect;
use crate::sources::bundle::{self, BundleError, Layout, Manifest, ModuleContent};
use crate::sources::bundle_source as source;
use crate::sources::modcache::{ModCache, ModuleSource};
use crate::sources::sumdb::{self, NotCarried, PartSource};
use crate::txn::plan::fault_point;
use crate::util::context::{Context, Outcome};
use crate::util::fsutil::{absolute, read_optional};
use crate::util::hint::HintExt as _;
use crate::util::staging::Target;

#[derive(Debug, Clone, Default)]
pub(crate) struct MirrorOptions {
    pub dir: PathBuf,
    /// Only re-hash the tree; add nothing.
    pub verify: bool,
    /// Leave the checksum database part as it is (add no records).
    pub no_sumdb: bool,
}

pub(crate) fn mirror(ctx: &mut Context, opts: &MirrorOptions) -> Result<Outcome> {
    let dir = absolute(&ctx.dir, &opts.dir);
    if opts.verify {
        return verify(ctx, &dir);
    }
    let started = Instant::now();
    let repos = open_repos(&ctx.dir, &[])?;
    let src = source::open(ctx)?;
    let (mut manifest, contents) = collect(ctx, &repos, src.as_ref())?;
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
    let have = tree_manifest(&real)?;
    let (update, sumdb_doc) = if opts.no_sumdb {
        if let Some(part) = have.as_ref().and_then(|m| m.sumdb.as_ref()) {
            ctx.shell.note(&format!(
                "--no-sumdb: the tree's checksum database part (`{}`, {} records) stays as it is, and the modules this run adds get no record",
                part.name,
                part.records.len()
            ))?;
        }
        (
            None,
            serde_json::json!({"carried": false, "reason": "--no-sumdb"}),
        )
    } else {
        carry_sumdb(ctx, src.as_ref(), &real, have.as_ref(), &manifest)?
    };
    let extra = match update {
        Some(u) => {
            missing.sumdb = Some(u.part.clone());
            manifest.sumdb = Some(u.part);
            u.files
        }
        None => bundle::ExtraFiles::new(),
    };
    bundle::write_tree(target.staging(), &missing, &to_stage, &extra).map_err(in_target)?;
    fault_point("mirror:staged")?;
    let hook = |step: &str| fault_point(&format!("mirror:{step}")).map_err(Into::into);
    let stats = bundle::merge_tree(
        target.staging(),
        &real,
        &manifest,
        Layout::Tree,
        manifest.sumdb.is_some(),
        &hook,
    )
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
            "sumdb": sumdb_doc,
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

/// The tree's manifest, `None` for a new tree.
fn tree_manifest(dir: &Path) -> Result<Option<Manifest>> {
    let path = dir.join(bundle::MANIFEST_FILE);
    let Some(bytes) = read_optional(&path)? else {
        return Ok(None);
    };
    Ok(Some(Manifest::parse(
        &path.display().to_string(),
        &String::from_utf8_lossy(&bytes),
    )?))
}

/// The checksum database part the tree carries once `run`'s modules are added (see
/// [`sumdb::update_tree_part`]), and the `sumdb` JSON document. Data this machine lacks leaves
/// the tree's part as it is, with a warning naming what to run; data that is wrong (a forked
/// head, a record that disagrees with the tree's hashes) is an error, and nothing is written.
fn carry_sumdb(
    ctx: &mut Context,
    src: &dyn ModuleSource,
    tree: &Path,
    have: Option<&Manifest>,
    run: &Manifest,
) -> Result<(Option<sumdb::TreeUpdate>, serde_json::Value)> {
    let user = sumdb::user_sumdb(&ctx.dir)?;
    let old_part = have.and_then(|m| m.sumdb.as_ref());
    let not_carried = |reason: &str| serde_json::json!({"carried": false, "reason": reason});
    let result = if ctx.from.is_some() {
        // The part the source tree or bundle carries, checked with the user's key.
        match src.tree_dir() {
            Some(dir) => sumdb::update_tree_part(PartSource::Tree(dir), &user, tree, have, run),
            None => Err(NotCarried::Missing(
                "the source (--from) is not a GOPROXY tree".into(),
            )),
        }
    } else {
        let modcache = match &ctx.modcache {
            Some(d) => d.clone(),
            None => ModCache::locate(None)?.root().to_path_buf(),
        };
        match sumdb::user_gopath(&ctx.dir) {
            Some(gopath) => sumdb::update_tree_part(
                PartSource::Go {
                    modcache: &modcache,
                    gopath: &gopath,
                },
                &user,
                tree,
                have,
                run,
            ),
            None => Err(NotCarried::Missing("no GOPATH".into())),
        }
    };
    match result {
        Ok(u) => {
            if !u.private.is_empty() {
                let names: Vec<String> = u.private.iter().map(ToString::to_string).collect();
                ctx.shell.note(&format!(
                    "not in the public checksum database (GONOSUMDB/GOPRIVATE), carried without records: {}",
                    names.join(", ")
                ))?;
            }
            if u.previous.is_none() {
                ctx.shell.status(
                    "Carried",
                    &format!(
                        "the checksum database `{}`: {} records proved against its signed tree head of size {}",
                        u.part.name,
                        u.part.records.len(),
                        u.head
                    ),
                )?;
            }
            if let Some(previous) = u.previous
                && previous != u.head
            {
                ctx.shell.status(
                    "Extended",
                    &format!(
                        "the checksum database `{}` from tree head {previous} to {} (proved to extend it); {} records re-proved",
                        u.part.name,
                        u.head,
                        u.part.records.len()
                    ),
                )?;
            }
            let doc = serde_json::json!({
                "carried": true,
                "name": u.part.name,
                "records": u.part.records.len(),
                "added": u.added,
                "tiles": u.part.tiles.len(),
                "private": u.private.len(),
                "head": u.head,
                "previous_head": u.previous,
            });
            Ok((Some(u), doc))
        }
        Err(NotCarried::Missing(why)) => {
            let without = run
                .modules()
                .iter()
                .filter(|m| m.gomod_h1.is_some())
                .filter(|m| !crate::formats::sumdb::matches_private(&user.private, &m.path))
                .filter(|m| !old_part.is_some_and(|p| p.records.contains(&m.module())))
                .count();
            match old_part {
                // Every module has its record already: the part is complete as it is.
                Some(part) if without == 0 => ctx.shell.note(&format!(
                    "the tree's checksum database part (`{}`, {} records) stays at its head: {why}",
                    part.name,
                    part.records.len()
                ))?,
                Some(part) => ctx.shell.warn(&format!(
                    "the tree's checksum database part (`{}`, {} records) stays as it was, and {without} module version(s) of this run have no record in it, so go with GOSUMDB on cannot verify them from this tree: {why}",
                    part.name,
                    part.records.len()
                ))?,
                None if user.database.is_some() => ctx.shell.warn(&format!(
                    "the tree carries no checksum database, so go needs GOSUMDB=off to use it offline: {why}"
                ))?,
                None => {}
            }
            Ok((None, not_carried(&why)))
        }
        Err(NotCarried::Bad(e)) => Err(anyhow!(e)).hint(
            "the checksum database go verified on this machine disagrees with the tree (a forked database, or a changed record or tile): nothing was written; check the tree with `gomodoff mirror --verify`, or mirror with --no-sumdb to leave its database part as it is",
        ),
    }
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
