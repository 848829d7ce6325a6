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

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::formats::dirhash;
use crate::formats::gomod::GoMod;
use crate::formats::gosum::GoSum;
use crate::formats::gover;
use crate::formats::listing;
use crate::formats::lock::{LOCK_FILE, LockFile, LockedModule, Mode, Tier, VendorState, WORK_FILE};
use crate::formats::module::{self, ModuleVersion};
use crate::formats::modzip;
use crate::modes::{Finding, RestoreOptions, VendorOptions};
use crate::repo::{self, Repo};
use crate::resolve::graph::{Graph, ResolvedModule};
use crate::resolve::load::{load_graph, load_workspace_graph, main_module};
use crate::resolve::scans::ScanCache;
use crate::resolve::vendoring::{self, VendorInput, VendorTree, VendoringError};
use crate::sources::bundle_source as source;
use crate::sources::checked::verified_gomod;
use crate::sources::goenv::{self, GoSettings};
use crate::sources::modcache::ModuleSource;
use crate::sources::verified;
use crate::txn::open::{check_plan_inside, confirm};
use crate::txn::plan::STAGING_DIR;
use crate::txn::plan::{self, FileChange, Plan, TreeAdd};
use crate::util::context::{Context, Outcome};
use crate::util::fsutil;

/// The directory the go command reads vendored packages from.
pub const VENDOR_DIR: &str = "vendor";
/// The per-file listing of `vendor/`, at the repository root.
pub const LISTING_FILE: &str = "gomodoff.vendor.sum";
/// Where the `vendor/` from before gomodoff is kept.
pub const BACKUP_DIR: &str = crate::formats::lock::VENDOR_BACKUP_DIR;
/// How many removed files of one module the preview names without `-v`.
const MAX_NAMED: usize = 20;
/// The backup's name in the staging directory.
const BACKUP_STAGING: &str = "vendor-backup";

/// `gomodoff vendor --mode vendor`, with the repository lock held and any interrupted run
/// repaired.
pub fn vendor(ctx: &mut Context, repo: &Repo, opts: &VendorOptions) -> Result<Outcome> {
    check_options(repo, opts)?;
    check_vendor_dir(&repo.root)?;
    let start = std::time::Instant::now();
    let settings = GoSettings::read(&repo.root);
    let go_env_time = start.elapsed();
    if repo.workspace.is_none()
        && let Some(work) = &settings.gowork
    {
        bail!(
            "`{}` puts this module in a workspace, and `go mod vendor` refuses to vendor a workspace module on its own\nhint: run `gomodoff vendor --mode vendor` to vendor the whole workspace into `{}` (as `go work vendor` does), or set GOWORK=off to vendor this module on its own",
            work.display(),
            work.parent()
                .unwrap_or(Path::new("."))
                .join(VENDOR_DIR)
                .display()
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
    for w in &computed.warnings {
        ctx.shell.warn(w)?;
    }
    if computed.tree.modules_txt.is_empty() {
        ctx.shell
            .status("Fresh", "no dependencies to vendor; nothing to do")?;
        return Ok(Outcome::Ok);
    }
    let start = std::time::Instant::now();
    let planned = plan_vendor(repo, &computed, &src.describe())?;
    // Refused now, before anything is staged (a symlinked `.gomodoff/`, say), and again right
    // before the plan is applied.
    check_plan_inside(&repo.root, &planned.plan, &[])?;
    computed.timings.add("plan", start);
    let outcome = show_and_apply(ctx, repo, opts, &mut computed, planned)?;
    for (phase, d) in &computed.timings.0 {
        ctx.shell
            .verbose(&format!("  {phase:<20} {:>8.3}s", d.as_secs_f64()))?;
    }
    Ok(outcome)
}

/// Refuse, before any work, a `vendor/` that is a symbolic link (or under one): vendor mode
/// hashes, backs up and replaces it in place, and a cloned repository may point it anywhere.
fn check_vendor_dir(root: &Path) -> Result<()> {
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

/// What `verify` finds wrong with a vendor-mode repository: every file of `vendor/` added,
/// removed or modified since gomodoff wrote it (named), the listing or go.sum disagreeing with
/// the lock.
pub fn verify_findings(repo: &Repo, lock: &LockFile) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    let find = |out: &mut Vec<Finding>, module: &str, kind, file: Option<String>, detail| {
        out.push(Finding {
            module: module.to_string(),
            kind,
            file,
            detail,
        })
    };
    let vendor_dir = repo.root.join(VENDOR_DIR);
    if !vendor_dir.is_dir() {
        find(
            &mut out,
            VENDOR_DIR,
            "missing tree",
            None,
            "`vendor/` is gone; run `gomodoff vendor`".into(),
        );
        return Ok(out);
    }
    let Some(listing) = fsutil::read_optional(&repo.root.join(LISTING_FILE))? else {
        find(
            &mut out,
            LISTING_FILE,
            "missing listing",
            None,
            format!("`{LISTING_FILE}` is gone; run `gomodoff vendor` to write vendor/ again"),
        );
        return Ok(out);
    };
    let want = lock.vendor.as_ref().map(|v| v.sum_sha256.as_str());
    let got = fsutil::sha256_hex(&listing);
    if want != Some(got.as_str()) {
        find(
            &mut out,
            LISTING_FILE,
            "listing modified",
            None,
            format!(
                "its SHA-256 is {got}, gomodoff.lock says {}",
                want.unwrap_or("nothing")
            ),
        );
        return Ok(out);
    }
    let expected = parse_listing(&listing)?;
    let owners = LockOwners::new(&lock.modules);
    // The listing against the lock, module by module.
    let mut per_module: BTreeMap<usize, BTreeMap<String, [u8; 32]>> = BTreeMap::new();
    for (file, digest) in &expected {
        if let Some(i) = owners.owner(file) {
            per_module
                .entry(i)
                .or_default()
                .insert(format!("{VENDOR_DIR}/{file}"), *digest);
        }
    }
    let gosum = repo.gosum()?;
    for (i, m) in lock.modules.iter().enumerate() {
        let name = format!("{}@{}", m.path, m.version);
        let empty = BTreeMap::new();
        let lines = per_module.get(&i).unwrap_or(&empty);
        if let Some(want) = &m.vendor_h1
            && dirhash::hash1_from_digests(lines)? != *want
        {
            find(
                &mut out,
                &name,
                "listing disagrees",
                None,
                format!("the listing's lines for the module do not hash to the lock's {want}"),
            );
        }
        if let (Some(want), Some(version)) = (&m.zip_h1, &m.replace_version) {
            match gosum.zip_hash(&m.replace_path, version) {
                Some(h) if h == want => {}
                Some(h) => find(
                    &mut out,
                    &name,
                    "go.sum disagrees",
                    None,
                    format!("go.sum has {h}, vendor/ was written for {want}"),
                ),
                None => find(
                    &mut out,
                    &name,
                    "go.sum disagrees",
                    None,
                    "go.sum no longer lists the module".into(),
                ),
            }
        }
    }
    let actual = dirhash::dir_file_digests(&vendor_dir)
        .with_context(|| format!("failed to hash `{}`", vendor_dir.display()))?;
    let module_of = |file: &str| -> String {
        match owners.owner(file) {
            Some(i) => format!("{}@{}", lock.modules[i].path, lock.modules[i].version),
            None => VENDOR_DIR.to_string(),
        }
    };
    for (file, digest) in &expected {
        let kind = match actual.get(file) {
            None => "removed",
            Some(a) if a != digest => "modified",
            Some(_) => continue,
        };
        let module = module_of(file);
        find(
            &mut out,
            &module,
            kind,
            Some(format!("{VENDOR_DIR}/{file}")),
            String::new(),
        );
    }
    for file in actual.keys() {
        if !expected.contains_key(file) {
            let module = module_of(file);
            find(
                &mut out,
                &module,
                "added",
                Some(format!("{VENDOR_DIR}/{file}")),
                String::new(),
            );
        }
    }
    Ok(out)
}

/// Every way a vendor-mode repository differs from what the go command's `-mod=vendor`
/// consistency check accepts, or from what gomodoff wrote, one line each.
pub fn drift(repo: &Repo, lock: &LockFile) -> Result<Vec<String>> {
    if let Some(ws) = &repo.workspace {
        return drift_workspace(repo, ws, lock);
    }
    let mut out = Vec::new();
    let gomod = repo.gomod()?;
    let modules_txt_path = repo.root.join(VENDOR_DIR).join("modules.txt");
    let modules_txt = fsutil::read_optional(&modules_txt_path)?;
    match &modules_txt {
        None => out.push("vendor/modules.txt is missing: run `gomodoff vendor`".into()),
        Some(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            let installed = go_version_installed();
            for problem in consistency(&gomod, &text, installed.as_deref()) {
                out.push(format!("inconsistent vendoring: {problem}"));
            }
        }
    }
    if repo.gomod_text != lock.gomod_before {
        let then = GoMod::parse("gomodoff.lock (go.mod when vendored)", &lock.gomod_before)?;
        let mut changes = requirement_changes(&then, &gomod);
        if changes.is_empty() {
            changes.push("go.mod: changed since vendoring".into());
        }
        out.extend(changes);
    }
    let gosum = repo.gosum_text.clone().unwrap_or_default();
    if fsutil::sha256_hex(gosum.as_bytes()) != lock.gosum_sha256 {
        out.push("go.sum: changed since vendoring".into());
    }
    out.extend(listing_drift(repo, modules_txt.as_deref())?);
    Ok(out)
}

/// What the listing says of modules.txt: missing listing, or modules.txt changed since written.
fn listing_drift(repo: &Repo, modules_txt: Option<&[u8]>) -> Result<Vec<String>> {
    let Some(listing) = fsutil::read_optional(&repo.root.join(LISTING_FILE))? else {
        return Ok(vec![format!(
            "{LISTING_FILE} is missing: run `gomodoff vendor`"
        )]);
    };
    let recorded = parse_listing(&listing)
        .ok()
        .and_then(|l| l.get("modules.txt").copied());
    if let (Some(bytes), Some(want)) = (modules_txt, recorded)
        && <[u8; 32]>::from(Sha256::digest(bytes)) != want
    {
        return Ok(vec![
            "vendor/modules.txt: changed since gomodoff wrote it (`gomodoff verify` names every changed file)"
                .into(),
        ]);
    }
    Ok(Vec::new())
}

/// [`drift`] of a vendored workspace: go's workspace-mode consistency check, go.work and the
/// workspace's go.sum files against the lock, modules.txt against the listing.
fn drift_workspace(repo: &Repo, ws: &repo::WorkspaceFiles, lock: &LockFile) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let modules_txt = fsutil::read_optional(&repo.root.join(VENDOR_DIR).join("modules.txt"))?;
    match &modules_txt {
        None => out.push("vendor/modules.txt is missing: run `gomodoff vendor`".into()),
        Some(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            let installed = go_version_installed();
            for problem in consistency_workspace(ws, &text, installed.as_deref())? {
                out.push(format!("inconsistent vendoring: {problem}"));
            }
        }
    }
    if repo.gomod_text != lock.gomod_before {
        out.push("go.work: changed since vendoring".into());
    }
    let gosum = repo.gosum_text.clone().unwrap_or_default();
    if fsutil::sha256_hex(gosum.as_bytes()) != lock.gosum_sha256 {
        out.push("go.sum (a workspace module's, or go.work.sum): changed since vendoring".into());
    }
    out.extend(listing_drift(repo, modules_txt.as_deref())?);
    Ok(out)
}

/// The go command's `-mod=vendor` consistency check in workspace mode
/// (`modload.checkVendorConsistency` with a go.work): every module's requirements explicit in
/// modules.txt, every replacement (go.work's first, then the modules') marked as go resolves it,
/// and nothing explicit or replaced that the workspace does not say. Each problem as go words
/// it, files named relative to the workspace directory.
pub fn consistency_workspace(
    ws: &repo::WorkspaceFiles,
    modules_txt: &str,
    installed: Option<&str>,
) -> Result<Vec<String>> {
    use crate::resolve::graph::{ReplaceTarget, ReplacementSource, WorkspaceReplacements};
    let vendored = VendorList::read(modules_txt);
    let mut out = Vec::new();
    if !modules_txt.lines().any(|l| l.trim() == "## workspace") {
        out.push(
            "vendor/modules.txt is not for a workspace (go would not use it in workspace mode)"
                .to_string(),
        );
    }
    let mut problem = |path: &str, version: &str, detail: String| {
        if version.is_empty() {
            out.push(format!("{path}: {detail}"));
        } else {
            out.push(format!("{path}@{version}: {detail}"));
        }
    };
    let input = crate::resolve::load::workspace_input(ws)?;
    let replacements = WorkspaceReplacements::new(&input).map_err(|e| anyhow!(e))?;
    let gomods: Vec<GoMod> = ws
        .modules
        .iter()
        .map(|m| m.gomod())
        .collect::<Result<_>>()?;
    let mut required: HashSet<(String, String)> = HashSet::new();
    for gomod in &gomods {
        for r in gomod.requires() {
            let key = (r.path.clone(), r.version.clone());
            if !vendored.meta.get(&key).is_some_and(|m| m.explicit) {
                problem(
                    &r.path,
                    &r.version,
                    "is explicitly required in go.mod, but not marked as explicit in vendor/modules.txt"
                        .into(),
                );
            }
            required.insert(key);
        }
    }
    let target_pair = |t: &ReplaceTarget| match t {
        ReplaceTarget::Module(m) => (m.path.clone(), m.version.clone()),
        ReplaceTarget::Dir(d) => (d.to_string_lossy().replace('\\', "/"), String::new()),
    };
    let describe = |(p, v): &(String, String)| {
        if v.is_empty() {
            p.clone()
        } else {
            format!("{p}@{v}")
        }
    };
    let source_name = |src: &ReplacementSource| match src {
        ReplacementSource::WorkFile => WORK_FILE.to_string(),
        ReplacementSource::Module(dir) => crate::util::fsutil::clean_path(&dir.join("go.mod"))
            .to_string_lossy()
            .replace('\\', "/"),
    };
    let mut seen = HashSet::new();
    let olds: Vec<(String, String)> = gomods
        .iter()
        .flat_map(|g| g.replaces())
        .chain(ws.work.replaces().iter().cloned())
        .map(|r| (r.old_path, r.old_version.unwrap_or_default()))
        .collect();
    for old in olds {
        if !seen.insert(old.clone()) {
            continue;
        }
        let mv = ModuleVersion {
            path: old.0.clone(),
            version: old.1.clone(),
        };
        let Some(found) = replacements.replacement(&mv).0 else {
            continue; // a main module's path: not replaced
        };
        let canonical = target_pair(&found.canonical);
        match vendored.meta.get(&old).and_then(|m| m.replacement.as_ref()) {
            None => problem(
                &old.0,
                &old.1,
                format!(
                    "is replaced in {}, but not marked as replaced in vendor/modules.txt",
                    source_name(&found.source)
                ),
            ),
            Some(vr) if *vr != canonical => problem(
                &old.0,
                &old.1,
                format!(
                    "is replaced by {} in {}, but marked as replaced by {} in vendor/modules.txt",
                    describe(&target_pair(&found.written)),
                    source_name(&found.source),
                    describe(vr)
                ),
            ),
            Some(_) => {}
        }
    }
    for m in &vendored.list {
        if vendored.meta.get(m).is_some_and(|meta| meta.explicit) && !required.contains(m) {
            problem(
                &m.0,
                &m.1,
                "is marked as explicit in vendor/modules.txt, but not explicitly required in a go.mod"
                    .into(),
            );
        }
    }
    for m in &vendored.replaced {
        let mv = ModuleVersion {
            path: m.0.clone(),
            version: m.1.clone(),
        };
        if replacements.replacement(&mv).0.is_none() {
            problem(
                &m.0,
                &m.1,
                "is marked as replaced in vendor/modules.txt, but not replaced in the workspace"
                    .into(),
            );
        }
    }
    out.extend(newer_than_installed(&vendored, installed));
    Ok(out)
}

/// go's complaint for each vendored module whose `## go` line is newer than the installed go.
fn newer_than_installed(vendored: &VendorList, installed: Option<&str>) -> Vec<String> {
    let Some(have) = installed.and_then(gover::parse_go_version) else {
        return Vec::new();
    };
    vendored
        .meta
        .iter()
        .filter_map(|((path, _), meta)| {
            let go = meta.go_version.as_ref()?;
            gover::parse_go_version(go)
                .is_some_and(|want| want > have)
                .then(|| {
                    format!(
                        "{path} in vendor/modules.txt requires go >= {go} (running {})",
                        installed.unwrap_or_default()
                    )
                })
        })
        .collect()
}

/// `gomodoff restore` in vendor mode: gomodoff's `vendor/` goes, the one from before comes back
/// from the backup (or there is none), the lock and the listing go. Files of `vendor/` that
/// gomodoff did not write, or that changed since, are named before anything happens.
pub fn restore(
    ctx: &mut Context,
    repo: &Repo,
    lock: &LockFile,
    opts: &RestoreOptions,
) -> Result<Outcome> {
    let vendor_rel = PathBuf::from(VENDOR_DIR);
    let vendor_dir = repo.root.join(VENDOR_DIR);
    let backup = lock.vendor.as_ref().and_then(|v| v.backup.clone());
    // The backup's name was checked when the lock was read; on disk, neither it nor vendor/ may
    // lead out of the repository through a symbolic link.
    check_vendor_dir(&repo.root)?;
    if let Some(b) = &backup {
        fsutil::inside(&repo.root, Path::new(b), Path::new(LOCK_FILE))
            .with_context(|| format!("refusing to put back the vendor/ kept in `{b}`"))?;
    }
    if let Some(b) = &backup
        && !repo.root.join(b).is_dir()
    {
        bail!(
            "the vendor/ from before gomodoff should be in `{b}`, which is gone; not touching vendor/\nhint: put it back, or remove gomodoff.lock and {LISTING_FILE} by hand to keep vendor/ as it is"
        );
    }
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
    // What would be lost with gomodoff's vendor/.
    let mut foreign = Vec::new();
    let mut changed = Vec::new();
    if !opts.keep_tree && vendor_dir.is_dir() {
        let listed = fsutil::read_optional(&repo.root.join(LISTING_FILE))?
            .map(|l| parse_listing(&l))
            .transpose()?
            .unwrap_or_default();
        let actual = dirhash::dir_file_digests(&vendor_dir)
            .with_context(|| format!("failed to hash `{}`", vendor_dir.display()))?;
        for (file, digest) in &actual {
            match listed.get(file) {
                None => foreign.push(file.clone()),
                Some(d) if d != digest => changed.push(file.clone()),
                Some(_) => {}
            }
        }
    }
    let diff = plan.render_diff(ctx.shell.color());
    write!(ctx.shell.out(), "{diff}")?;
    let out = ctx.shell.out();
    if opts.keep_tree {
        writeln!(out, "vendor/ kept as it is")?;
        if let Some(b) = &backup {
            writeln!(
                out,
                "the vendor/ from before gomodoff stays in `{b}`; move it back by hand if you want it"
            )?;
        }
    } else {
        match &backup {
            Some(b) => writeln!(
                out,
                "vendor/ replaced by the one from before gomodoff (kept in `{b}`)"
            )?,
            None => writeln!(out, "vendor/ removed (there was none before gomodoff)")?,
        }
        print_names(
            out,
            "files in vendor/ that gomodoff did not write; they go with it:",
            &foreign,
        )?;
        print_names(
            out,
            "files in vendor/ changed since gomodoff wrote them; the changes go with it:",
            &changed,
        )?;
    }
    if !confirm(ctx, opts.dry_run, opts.yes, "restore")? {
        return Ok(Outcome::Ok);
    }
    if !opts.keep_tree {
        let staging = repo.root.join(STAGING_DIR);
        fsutil::remove_dir_all_if_exists(&staging)
            .with_context(|| format!("failed to clear `{}`", staging.display()))?;
        if vendor_dir.exists() {
            plan.tree_removes.push(vendor_rel.clone());
        }
        if let Some(b) = &backup {
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
        match (&backup, opts.keep_tree) {
            (_, true) => "gomodoff.lock and the listing removed; vendor/ kept",
            (Some(_), false) => "the vendor/ from before gomodoff",
            (None, false) => "no vendor/, as before gomodoff",
        },
    )?;
    Ok(Outcome::Ok)
}

/// The go command's `-mod=vendor` consistency check (`modload.checkVendorConsistency`) of a
/// main module's go.mod against the text of its `vendor/modules.txt`, plus the `## go` lines
/// newer than the installed go (`installed`, e.g. `go1.26.0`), which go refuses too. Each
/// problem as go words it: `path@version: detail`.
pub fn consistency(gomod: &GoMod, modules_txt: &str, installed: Option<&str>) -> Vec<String> {
    let vendored = VendorList::read(modules_txt);
    let mut out = Vec::new();
    let mut problem = |path: &str, version: &str, detail: String| {
        if version.is_empty() {
            out.push(format!("{path}: {detail}"));
        } else {
            out.push(format!("{path}@{version}: {detail}"));
        }
    };
    let pre114 = !gomod
        .go_version()
        .is_some_and(|v| crate::resolve::packages::go_at_least(v, 14));
    let requires = gomod.requires();
    for r in &requires {
        let key = (r.path.clone(), r.version.clone());
        if vendored.meta.get(&key).is_some_and(|m| m.explicit) {
            continue;
        }
        if pre114 {
            if let Some(vv) = vendored.versions.get(&r.path)
                && *vv != r.version
            {
                problem(
                    &r.path,
                    &r.version,
                    format!(
                        "is explicitly required in go.mod, but vendor/modules.txt indicates {}@{vv}",
                        r.path
                    ),
                );
            }
        } else {
            problem(
                &r.path,
                &r.version,
                "is explicitly required in go.mod, but not marked as explicit in vendor/modules.txt"
                    .into(),
            );
        }
    }
    // go.mod's replacements, the last one winning for a repeated left side.
    let replaces = gomod.replaces();
    let mut index: HashMap<(String, String), (String, String)> = HashMap::new();
    for r in &replaces {
        index.insert(
            (
                r.old_path.clone(),
                r.old_version.clone().unwrap_or_default(),
            ),
            (
                r.new_path.clone(),
                r.new_version.clone().unwrap_or_default(),
            ),
        );
    }
    let lookup = |path: &str, version: &str| {
        index
            .get(&(path.to_string(), version.to_string()))
            .or_else(|| index.get(&(path.to_string(), String::new())))
    };
    let describe = |(p, v): &(String, String)| {
        if v.is_empty() {
            p.clone()
        } else {
            format!("{p}@{v}")
        }
    };
    let mut seen = HashSet::new();
    for r in &replaces {
        let old = (
            r.old_path.clone(),
            r.old_version.clone().unwrap_or_default(),
        );
        if !seen.insert(old.clone()) {
            continue;
        }
        let Some(new) = lookup(&old.0, &old.1) else {
            continue;
        };
        match vendored.meta.get(&old).and_then(|m| m.replacement.as_ref()) {
            None => {
                if pre114
                    && (old.1.is_empty()
                        || vendored.versions.get(&old.0).map(String::as_str) != Some(&old.1))
                {
                    continue;
                }
                problem(
                    &old.0,
                    &old.1,
                    "is replaced in go.mod, but not marked as replaced in vendor/modules.txt"
                        .into(),
                );
            }
            Some(vr) if vr != new => problem(
                &old.0,
                &old.1,
                format!(
                    "is replaced by {} in go.mod, but marked as replaced by {} in vendor/modules.txt",
                    describe(new),
                    describe(vr)
                ),
            ),
            Some(_) => {}
        }
    }
    let required: HashSet<(String, String)> = requires
        .iter()
        .map(|r| (r.path.clone(), r.version.clone()))
        .collect();
    for m in &vendored.list {
        if vendored.meta.get(m).is_some_and(|meta| meta.explicit) && !required.contains(m) {
            problem(
                &m.0,
                &m.1,
                "is marked as explicit in vendor/modules.txt, but not explicitly required in go.mod"
                    .into(),
            );
        }
    }
    for m in &vendored.replaced {
        if lookup(&m.0, &m.1).is_none() {
            problem(
                &m.0,
                &m.1,
                "is marked as replaced in vendor/modules.txt, but not replaced in go.mod".into(),
            );
        }
    }
    out.extend(newer_than_installed(&vendored, installed));
    out
}

// ---------------------------------------------------------------------------------------------
// Computing the tree.

/// Everything the computation needs except where module files are, owned.
struct Inputs {
    main_root: PathBuf,
    main_path: String,
    main_go: Option<String>,
    explicit: Vec<ModuleVersion>,
    build_list: Vec<ModuleVersion>,
    replaces: Vec<crate::resolve::graph::ReplaceRule>,
    go_versions: HashMap<ModuleVersion, Option<String>>,
    tools: Vec<String>,
    ignore: Vec<String>,
    goroot: Option<PathBuf>,
    cgo_enabled: bool,
    /// In a workspace: its modules (`main_*`, `explicit`, `tools` and `ignore` then unused;
    /// `replaces` are go.work's).
    work: Option<Vec<WorkModule>>,
}

/// One workspace module, owned.
struct WorkModule {
    root: PathBuf,
    path: String,
    requires: Vec<ModuleVersion>,
    replaces: Vec<crate::resolve::graph::ReplaceRule>,
    tools: Vec<String>,
    ignore: Vec<String>,
}

impl Inputs {
    /// The inputs of a single module (not a workspace).
    fn module(
        repo: &Repo,
        gomod: &GoMod,
        main: &crate::resolve::graph::MainModule,
        build_list: Vec<ModuleVersion>,
        go_versions: HashMap<ModuleVersion, Option<String>>,
        settings: &GoSettings,
    ) -> Inputs {
        Inputs {
            main_root: repo.root.clone(),
            main_path: main.path.clone(),
            main_go: main.go_version.clone(),
            explicit: main.requires.clone(),
            build_list,
            replaces: main.replaces.clone(),
            go_versions,
            tools: gomod.tools(),
            ignore: gomod.ignores(),
            goroot: settings.goroot.clone(),
            cgo_enabled: settings.cgo_enabled,
            work: None,
        }
    }

    /// The inputs of the workspace `ws` (whose graph input is `input`).
    fn workspace(
        repo: &Repo,
        ws: &repo::WorkspaceFiles,
        input: &crate::resolve::graph::Workspace,
        build_list: Vec<ModuleVersion>,
        go_versions: HashMap<ModuleVersion, Option<String>>,
        settings: &GoSettings,
    ) -> Result<Inputs> {
        let mut modules = Vec::new();
        for (m, member) in ws.modules.iter().zip(&input.modules) {
            let gomod = m.gomod()?;
            modules.push(WorkModule {
                root: m.root.clone(),
                path: member.main.path.clone(),
                requires: member.main.requires.clone(),
                replaces: member.main.replaces.clone(),
                tools: gomod.tools(),
                ignore: gomod.ignores(),
            });
        }
        Ok(Inputs {
            main_root: repo.root.clone(),
            main_path: String::new(),
            main_go: ws.work.go_version().map(str::to_string),
            explicit: input
                .modules
                .iter()
                .flat_map(|m| m.main.requires.iter().cloned())
                .collect(),
            build_list,
            replaces: input.replaces.clone(),
            go_versions,
            tools: Vec::new(),
            ignore: Vec::new(),
            goroot: settings.goroot.clone(),
            cgo_enabled: settings.cgo_enabled,
            work: Some(modules),
        })
    }

    /// What `go mod vendor` (or `go work vendor`) writes, given where module files are.
    fn tree(
        &self,
        dirs: HashMap<ModuleVersion, PathBuf>,
        scans: &ScanCache,
    ) -> Result<VendorTree, VendoringError> {
        let Some(work) = &self.work else {
            return vendoring::compute(&VendorInput {
                scans: Some(scans),
                ..self.input(dirs)
            });
        };
        vendoring::compute_workspace(&vendoring::WorkspaceInput {
            work_dir: &self.main_root,
            go_version: self.main_go.as_deref(),
            replaces: self.replaces.clone(),
            modules: work
                .iter()
                .map(|m| vendoring::WorkspaceModule {
                    root: &m.root,
                    path: &m.path,
                    requires: m.requires.clone(),
                    replaces: m.replaces.clone(),
                    tools: m.tools.clone(),
                    ignore: m.ignore.clone(),
                })
                .collect(),
            build_list: self.build_list.clone(),
            module_dirs: dirs,
            module_go_versions: self.go_versions.clone(),
            goroot: self.goroot.as_deref(),
            cgo_enabled: self.cgo_enabled,
            scans: Some(scans),
        })
    }

    fn input(&self, dirs: HashMap<ModuleVersion, PathBuf>) -> VendorInput<'_> {
        VendorInput {
            main_root: &self.main_root,
            main_path: &self.main_path,
            main_go_version: self.main_go.as_deref(),
            explicit: self.explicit.clone(),
            build_list: self.build_list.clone(),
            replaces: self.replaces.clone(),
            module_dirs: dirs,
            module_go_versions: self.go_versions.clone(),
            tools: self.tools.clone(),
            ignore: self.ignore.clone(),
            goroot: self.goroot.as_deref(),
            cgo_enabled: self.cgo_enabled,
            scans: None,
        }
    }
}

/// Per-file SHA-256 of a module tree, keyed by slash-separated path relative to its root.
type Digests = BTreeMap<String, [u8; 32]>;

/// Where one build-list module's files are read from.
#[derive(Debug, Clone)]
struct ModuleFiles {
    root: PathBuf,
    content: Content,
    /// Per-file SHA-256 (path relative to `root`) of a tree checked against go.sum; `None` for a
    /// directory replacement or a cache directory not checked yet.
    digests: Option<BTreeMap<String, [u8; 32]>>,
    /// The stamps that vouch for those digests, where known (see [`verified::Checked`]).
    stamps: BTreeMap<String, verified::Stamp>,
    /// Where the files came from, for the lock.
    origin: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Content {
    Module(ModuleVersion),
    /// A directory replacement, as written in go.mod.
    Dir(String),
}

impl ModuleFiles {
    fn checked(&self) -> bool {
        self.digests.is_some() || matches!(self.content, Content::Dir(_))
    }
}

/// The computation's result with what is needed to write it.
struct Computed {
    inputs: Inputs,
    tree: VendorTree,
    modules: HashMap<ModuleVersion, ModuleFiles>,
    /// Every file of the new `vendor/`, modules.txt included, with its digest and source.
    files: BTreeMap<String, NewFile>,
    warnings: Vec<String>,
    /// Wall time of each phase, shown with `-v`.
    timings: Timings,
    /// Zips extracted for this run; removed when the command ends.
    _temp: Option<tempfile::TempDir>,
}

#[derive(Debug, Clone)]
struct NewFile {
    /// `None` for modules.txt.
    source: Option<PathBuf>,
    digest: [u8; 32],
    /// The source's stamp that vouches for `digest`, when known.
    stamp: Option<verified::Stamp>,
    /// The providing module (build-list path and version); `None` for modules.txt.
    module: Option<ModuleVersion>,
}

/// Wall time per phase, accumulated.
#[derive(Debug, Default)]
struct Timings(Vec<(&'static str, std::time::Duration)>);

impl Timings {
    fn add(&mut self, phase: &'static str, since: std::time::Instant) {
        let d = since.elapsed();
        match self.0.iter_mut().find(|(p, _)| *p == phase) {
            Some((_, total)) => *total += d,
            None => self.0.push((phase, d)),
        }
    }
}

fn compute(
    repo: &Repo,
    src: &dyn ModuleSource,
    settings: &GoSettings,
    shell: &crate::util::shell::Shell,
) -> Result<Computed> {
    let mut timings = Timings::default();
    let start = std::time::Instant::now();
    let previous = Previous::read(repo)?;
    let gosum = repo.gosum()?;
    let (graph, inputs, mut go_lines) = match &repo.workspace {
        Some(ws) => {
            let input = crate::resolve::load::workspace_input(ws)?;
            let graph = load_workspace_graph(repo, &input, &gosum, src)?;
            let build_list = graph.build_list();
            let mut go = go_versions(repo, src, &gosum, &graph, &build_list)?;
            let known = std::mem::take(&mut go.known);
            let inputs = Inputs::workspace(repo, ws, &input, build_list, known, settings)?;
            (graph, inputs, go)
        }
        None => {
            let gomod = repo.gomod()?;
            let main = main_module(&gomod)?;
            let graph = load_graph(repo, &main, &gosum, src)?;
            let build_list = graph.build_list();
            let mut go = go_versions(repo, src, &gosum, &graph, &build_list)?;
            let known = std::mem::take(&mut go.known);
            let inputs = Inputs::module(repo, &gomod, &main, build_list, known, settings);
            (graph, inputs, go)
        }
    };
    let build_list = inputs.build_list.clone();
    timings.add("module graph", start);

    let mut modules: HashMap<ModuleVersion, ModuleFiles> = HashMap::new();
    let mut contents: HashMap<ModuleVersion, ModuleVersion> = HashMap::new();
    for m in &build_list {
        match graph.resolved(m) {
            ResolvedModule::Dir(d) => {
                let root = if d.is_absolute() {
                    d.clone()
                } else {
                    repo.root.join(&d)
                };
                let written = d.to_string_lossy().replace('\\', "/");
                modules.insert(
                    m.clone(),
                    ModuleFiles {
                        root,
                        origin: format!("directory `{written}`"),
                        content: Content::Dir(written),
                        digests: None,
                        stamps: BTreeMap::new(),
                    },
                );
            }
            ResolvedModule::Module(c) => {
                contents.insert(m.clone(), c.clone());
                if let Some(dir) = src.extracted_dir(&c) {
                    modules.insert(
                        m.clone(),
                        ModuleFiles {
                            root: dir,
                            origin: src.kind().to_string(),
                            content: Content::Module(c),
                            digests: None,
                            stamps: BTreeMap::new(),
                        },
                    );
                }
            }
        }
    }
    let mut zips = Extractor {
        src,
        gosum: &gosum,
        temp: None,
        done: HashMap::new(),
    };
    let mut warnings = Vec::new();
    // Import scans remembered by module content; saved at the end for the modules checked.
    let scans = ScanCache::from_env();
    let mut vouched: HashSet<ModuleVersion> = HashSet::new();
    // A source without extracted trees (a proxy tree): every module with a zip line, at once.
    if !contents.is_empty() && contents.keys().all(|m| !modules.contains_key(m)) {
        let wanted: Vec<(ModuleVersion, ModuleVersion)> = contents
            .iter()
            .filter(|(_, c)| gosum.zip_hash(&c.path, &c.version).is_some())
            .map(|(m, c)| (m.clone(), c.clone()))
            .collect();
        for (m, files) in zips.extract_all(&wanted)? {
            modules.insert(m, files);
        }
    }

    let tree = loop {
        let dirs = modules
            .iter()
            .map(|(m, f)| (m.clone(), f.root.clone()))
            .collect();
        for f in modules.values() {
            if let Content::Module(c) = &f.content
                && let Some(h1) = gosum.zip_hash(&c.path, &c.version)
            {
                scans.set_root(&f.root, h1);
            }
        }
        let start = std::time::Instant::now();
        let result = inputs.tree(dirs, &scans);
        timings.add("packages", start);
        // The modules to check, and what this computation gave.
        let (suspects, outcome) = match result {
            Ok(tree) => {
                let mut suspects: Vec<ModuleVersion> = consulted(&tree, &build_list)
                    .into_iter()
                    .filter(|m| modules.get(m).is_some_and(|f| !f.checked()))
                    .collect();
                if let Some(previous) = &previous {
                    let start = std::time::Instant::now();
                    for (m, digests) in previous.vouch(&tree, &suspects, &modules, &gosum) {
                        suspects.retain(|s| *s != m);
                        vouched.insert(m.clone());
                        if let Some(f) = modules.get_mut(&m) {
                            f.digests = Some(digests);
                        }
                    }
                    timings.add("compare with lock", start);
                }
                if suspects.is_empty() {
                    break tree;
                }
                (suspects, Pending::Tree(tree))
            }
            Err(VendoringError::ModuleDirMissing { module, import }) => {
                let files = zips.extract_provider(&contents, &module, &import)?;
                modules.insert(module, files);
                continue;
            }
            Err(e) => {
                // A damaged cache directory could be the cause: check every one used.
                let suspects: Vec<ModuleVersion> = modules
                    .iter()
                    .filter(|(_, f)| !f.checked())
                    .filter(|(_, f)| match &f.content {
                        Content::Module(c) => gosum.zip_hash(&c.path, &c.version).is_some(),
                        Content::Dir(_) => false,
                    })
                    .map(|(m, _)| m.clone())
                    .collect();
                if suspects.is_empty() {
                    return Err(anyhow!(e).context("vendoring failed"));
                }
                (suspects, Pending::Failed(e))
            }
        };
        let start = std::time::Instant::now();
        let records = verified::Records::from_env();
        // What the result read of each module's files beyond their listings and the import
        // scans taken by content: the files it copies (checked again when staged). A module with
        // scans read from its files this run is checked in full.
        let used = match &outcome {
            Pending::Tree(tree) => used_files(tree, &modules),
            Pending::Failed(_) => HashMap::new(),
        };
        let bar = shell.progress(suspects.len() as u64, "modules checked against go.sum");
        let checks: Vec<(ModuleVersion, Result<Option<verified::Checked>>)> = suspects
            .par_iter()
            .map(|m| {
                let f = &modules[m];
                let Content::Module(c) = &f.content else {
                    return (m.clone(), Ok(None));
                };
                let limited = gosum
                    .zip_hash(&c.path, &c.version)
                    .filter(|h1| !scans.made_scans(h1))
                    .and_then(|_| used.get(m))
                    .map(Vec::as_slice);
                let checked = check_dir(&records, &f.root, c, &gosum, limited).map(|c| {
                    c.map(|mut c| {
                        // Only the stamps of the files staging copies are kept.
                        let copied: HashSet<&str> = used
                            .get(m)
                            .map(|u| u.iter().map(String::as_str).collect())
                            .unwrap_or_default();
                        c.stamps.retain(|name, _| copied.contains(name.as_str()));
                        c
                    })
                });
                bar.inc(1);
                (m.clone(), checked)
            })
            .collect();
        bar.finish_and_clear();
        timings.add("check module trees", start);
        let mut replaced = false;
        for (m, checked) in checks {
            match checked? {
                Some(checked) => {
                    if let Some(f) = modules.get_mut(&m) {
                        f.digests = Some(checked.digests);
                        f.stamps = checked.stamps;
                    }
                }
                None => {
                    let content = contents[&m].clone();
                    if let Some(h1) = gosum.zip_hash(&content.path, &content.version) {
                        scans.discard(h1);
                    }
                    warnings.push(format!(
                        "the module cache's `{}` does not match go.sum; using its zip instead",
                        modules[&m].root.display()
                    ));
                    let files = zips.extract(&content)?;
                    modules.insert(m, files);
                    replaced = true;
                }
            }
        }
        match outcome {
            // Every module it read checked out: the result stands as computed.
            Pending::Tree(tree) if !replaced => break tree,
            Pending::Failed(e) if !replaced => {
                return Err(anyhow!(e).context("vendoring failed"));
            }
            // A cache directory was swapped for its zip: compute again.
            _ => {}
        }
    };

    if let Some(base) = verified::cache_dir_from_env() {
        verified::prune_cache(&base, std::time::SystemTime::now());
    }
    // Every module whose directory (or zip) was checked against go.sum this run.
    scans.save(
        modules
            .iter()
            .filter(|(m, f)| f.digests.is_some() && !vouched.contains(*m))
            .filter_map(|(_, f)| match &f.content {
                Content::Module(c) => gosum.zip_hash(&c.path, &c.version),
                Content::Dir(_) => None,
            }),
    );
    go_lines.check(&tree)?;
    let start = std::time::Instant::now();
    let files = new_files(&tree, &modules)?;
    timings.add("file digests", start);
    Ok(Computed {
        inputs,
        tree,
        modules,
        files,
        warnings,
        timings,
        _temp: zips.temp,
    })
}

/// Which build-list modules (before replacement) the packages of the build come from.
#[derive(Debug, Clone, Default)]
pub struct PackageModules {
    /// The modules that provide at least one package of the `all` set (the main module's
    /// packages, their tests, and everything they import): their files are read.
    pub providers: BTreeSet<ModuleVersion>,
    /// The providers and every other module the go command looks into to resolve an import (a
    /// build-list module whose path is a prefix of an imported package): with a module cache or
    /// a GOPROXY, go fetches each of these.
    pub consulted: BTreeSet<ModuleVersion>,
}

/// The modules the `all` package set comes from, loaded the way `go mod vendor` loads it (every
/// build tag true except `ignore`). Module files are read from the source's extracted
/// directories, or from zips (checked against go.sum) extracted into a temporary directory; the
/// cache directories are not checked here, so callers must not copy from them on the strength of
/// this answer alone.
pub fn package_modules(
    repo: &Repo,
    src: &dyn ModuleSource,
    gomod: Option<&GoMod>,
    gosum: &GoSum,
    graph: &Graph,
) -> Result<PackageModules> {
    let settings = GoSettings::read(&repo.root);
    let build_list = graph.build_list();
    // The `go` lines only annotate modules.txt: not needed here.
    let inputs = match (&repo.workspace, gomod) {
        (Some(ws), _) => Inputs::workspace(
            repo,
            ws,
            &crate::resolve::load::workspace_input(ws)?,
            build_list.clone(),
            HashMap::new(),
            &settings,
        )?,
        (None, Some(gomod)) => Inputs::module(
            repo,
            gomod,
            &main_module(gomod)?,
            build_list.clone(),
            HashMap::new(),
            &settings,
        ),
        (None, None) => bail!("no go.mod to load the packages of"),
    };
    let mut dirs: HashMap<ModuleVersion, PathBuf> = HashMap::new();
    let mut contents: HashMap<ModuleVersion, ModuleVersion> = HashMap::new();
    for m in &build_list {
        match graph.resolved(m) {
            ResolvedModule::Dir(d) => {
                dirs.insert(m.clone(), repo.root.join(d));
            }
            ResolvedModule::Module(c) => {
                if let Some(dir) = src.extracted_dir(&c) {
                    dirs.insert(m.clone(), dir);
                }
                contents.insert(m.clone(), c);
            }
        }
    }
    let mut zips = Extractor {
        src,
        gosum,
        temp: None,
        done: HashMap::new(),
    };
    let scans = ScanCache::in_memory();
    let tree = loop {
        match inputs.tree(dirs.clone(), &scans) {
            Ok(tree) => break tree,
            Err(VendoringError::ModuleDirMissing { module, import }) => {
                let root = zips.extract_provider(&contents, &module, &import)?.root;
                dirs.insert(module, root);
            }
            Err(e) => return Err(anyhow!(e)),
        }
    };
    let providers: BTreeSet<ModuleVersion> = tree.packages.keys().cloned().collect();
    let consulted = consulted(&tree, &build_list)
        .into_iter()
        .chain(providers.iter().cloned())
        .collect();
    Ok(PackageModules {
        providers,
        consulted,
    })
}

/// A computation over module directories not all checked yet: what it gave.
enum Pending {
    /// The result, to keep once every module it read checks out.
    Tree(VendorTree),
    /// Its error, to report unless a module turns out damaged and is replaced.
    Failed(VendoringError),
}

/// The `go` line of each build-list module's go.mod, after replacement: from the graph where it
/// read the file, else read now (a pruned-out module). go reads a pruned-out module's go.mod only
/// when a package comes from it (`importFromModules` → `goModSummary`), so one that cannot be
/// read is not an error here: it is returned with its error, for the caller to raise only if the
/// module provides a vendored package ([`GoVersions::check`]).
fn go_versions(
    repo: &Repo,
    src: &dyn ModuleSource,
    gosum: &GoSum,
    graph: &Graph,
    build_list: &[ModuleVersion],
) -> Result<GoVersions> {
    let results: Vec<Result<(ModuleVersion, Result<Option<String>>)>> = build_list
        .par_iter()
        .map(|m| {
            if graph.required_by(m).is_some() {
                return Ok((m.clone(), Ok(graph.go_version(m).map(str::to_string))));
            }
            let text = match graph.resolved(m) {
                ResolvedModule::Dir(d) => {
                    Ok(fsutil::read_optional(&repo.root.join(d).join("go.mod"))?)
                }
                ResolvedModule::Module(c) => {
                    if gosum.gomod_hash(&c.path, &c.version).is_some() {
                        verified_gomod(src, gosum, &c).map(Some)
                    } else {
                        Ok(None)
                    }
                }
            };
            let go = text.map(|t| {
                t.and_then(|t| {
                    GoMod::parse_lax("go.mod", &String::from_utf8_lossy(&t))
                        .ok()
                        .and_then(|g| g.go_version().map(str::to_string))
                })
            });
            Ok((m.clone(), go))
        })
        .collect();
    let mut out = GoVersions::default();
    for r in results {
        let (m, go) = r?;
        match go {
            Ok(go) => {
                out.known.insert(m, go);
            }
            Err(e) => {
                out.unreadable.insert(m, e);
            }
        }
    }
    Ok(out)
}

/// [`go_versions`]' answer.
#[derive(Default)]
struct GoVersions {
    known: HashMap<ModuleVersion, Option<String>>,
    /// Pruned-out modules whose go.mod could not be read (absent from the source, or not what
    /// go.sum says), with why.
    unreadable: HashMap<ModuleVersion, anyhow::Error>,
}

impl GoVersions {
    /// The error of the first module (in order) that provides a package of `tree` but whose
    /// go.mod could not be read: go reads it too, and would fail the same way.
    fn check(&mut self, tree: &VendorTree) -> Result<()> {
        match tree.packages.keys().find_map(|m| self.unreadable.remove(m)) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// What gomodoff wrote last time, when the listing still matches the lock: the vendored files
/// of a module that are byte for byte the ones checked then need no new check of the module.
struct Previous {
    modules: Vec<LockedModule>,
    /// Listing lines per module (index into `modules`), keyed relative to the module's root.
    files: HashMap<usize, Digests>,
}

impl Previous {
    fn read(repo: &Repo) -> Result<Option<Previous>> {
        let Some(lock) = repo.lock.as_ref().filter(|l| l.mode == Mode::Vendor) else {
            return Ok(None);
        };
        let Some(state) = &lock.vendor else {
            return Ok(None);
        };
        let Some(listing) = fsutil::read_optional(&repo.root.join(LISTING_FILE))? else {
            return Ok(None);
        };
        if fsutil::sha256_hex(&listing) != state.sum_sha256 {
            return Ok(None);
        }
        let Ok(lines) = parse_listing(&listing) else {
            return Ok(None);
        };
        let owners = LockOwners::new(&lock.modules);
        let mut files: HashMap<usize, Digests> = HashMap::new();
        for (file, digest) in lines {
            if let Some(i) = owners.owner(&file) {
                let rel = file[lock.modules[i].dir.len()..].trim_start_matches('/');
                files.entry(i).or_default().insert(rel.to_string(), digest);
            }
        }
        Ok(Some(Previous {
            modules: lock.modules.clone(),
            files,
        }))
    }

    /// The suspects whose vendored files are exactly those gomodoff checked and wrote last
    /// time (same version, same go.sum hash, same files and bytes), with their digests. A module
    /// that provides no package now is never vouched for: it must be checked in full.
    fn vouch(
        &self,
        tree: &VendorTree,
        suspects: &[ModuleVersion],
        modules: &HashMap<ModuleVersion, ModuleFiles>,
        gosum: &GoSum,
    ) -> Vec<(ModuleVersion, Digests)> {
        let mut by_module: HashMap<&ModuleVersion, Vec<&Path>> = HashMap::new();
        let vendored: BTreeSet<String> = tree.packages.keys().map(|m| m.path.clone()).collect();
        let by_path: HashMap<&str, &ModuleVersion> =
            tree.packages.keys().map(|m| (m.path.as_str(), m)).collect();
        for f in &tree.files {
            if let Some(m) = owner(&f.dest, &vendored).map(|p| by_path[p]) {
                by_module.entry(m).or_default().push(&f.source);
            }
        }
        suspects
            .par_iter()
            .filter_map(|m| {
                let files = modules.get(m)?;
                let Content::Module(c) = &files.content else {
                    return None;
                };
                let i = self.modules.iter().position(|o| {
                    o.path == m.path
                        && o.version == m.version
                        && o.replace_path == c.path
                        && o.replace_version.as_deref() == Some(c.version.as_str())
                })?;
                let want_sum = gosum.zip_hash(&c.path, &c.version)?;
                if self.modules[i].zip_h1.as_deref() != Some(want_sum) {
                    return None;
                }
                let before = self.files.get(&i)?;
                let sources = by_module.get(m)?;
                if sources.len() != before.len() {
                    return None;
                }
                let mut now = Digests::new();
                for source in sources {
                    let rel = source.strip_prefix(&files.root).ok()?;
                    let rel = rel.to_string_lossy().replace('\\', "/");
                    let bytes = fs::read(source).ok()?;
                    now.insert(rel, Sha256::digest(&bytes).into());
                }
                (now == *before).then(|| (m.clone(), now))
            })
            .collect()
    }
}

/// The build-list modules whose files decided the result: every module the import resolution
/// looked into ([`VendorTree::consulted`]: the providers and the other candidates of the pass
/// that resolved an import), and any path without a dot in its first element.
fn consulted(tree: &VendorTree, build_list: &[ModuleVersion]) -> Vec<ModuleVersion> {
    let mut out: BTreeSet<&ModuleVersion> = tree.consulted.iter().collect();
    // A standard-library import is looked up in the modules too (go reports a module that also
    // provides it as an ambiguous import); only a module whose first path element has no dot can.
    for m in build_list {
        if !m.path.split('/').next().unwrap_or("").contains('.') {
            out.insert(m);
        }
    }
    out.into_iter().cloned().collect()
}

/// The digests of a cache directory when its `h1:` is go.sum's; `None` when it differs (or
/// cannot be hashed the way go hashes it).
fn check_dir(
    records: &verified::Records,
    dir: &Path,
    c: &ModuleVersion,
    gosum: &GoSum,
    used: Option<&[String]>,
) -> Result<Option<verified::Checked>> {
    let want = gosum.zip_hash(&c.path, &c.version).ok_or_else(|| {
        anyhow!("missing go.sum entry for `{c}`\nhint: run `go mod download {}` on a connected machine so go.sum lists every module the build reads", c.path)
    })?;
    Ok(verified::check_dir(records, dir, &c.to_string(), want, used).unwrap_or(None))
}

/// The files `tree` copies from each module-cache module, relative to its root; a module the
/// result only looked into (for an import it did not provide) has an empty list.
fn used_files(
    tree: &VendorTree,
    modules: &HashMap<ModuleVersion, ModuleFiles>,
) -> HashMap<ModuleVersion, Vec<String>> {
    let by_root: HashMap<&Path, &ModuleVersion> = modules
        .iter()
        .filter(|(_, f)| matches!(f.content, Content::Module(_)))
        .map(|(m, f)| (f.root.as_path(), m))
        .collect();
    let mut out: HashMap<ModuleVersion, Vec<String>> = by_root
        .values()
        .map(|m| ((*m).clone(), Vec::new()))
        .collect();
    for file in &tree.files {
        let Some((root, m)) = file
            .source
            .ancestors()
            .skip(1)
            .find_map(|a| by_root.get(a).map(|m| (a, *m)))
        else {
            continue;
        };
        if let (Ok(rel), Some(list)) = (file.source.strip_prefix(root), out.get_mut(m)) {
            list.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    out
}

/// Extracts module zips into one temporary directory outside the repository, each checked
/// against go.sum.
struct Extractor<'a> {
    src: &'a dyn ModuleSource,
    gosum: &'a GoSum,
    temp: Option<tempfile::TempDir>,
    done: HashMap<ModuleVersion, ModuleFiles>,
}

impl Extractor<'_> {
    fn temp_dir(&mut self) -> Result<PathBuf> {
        if self.temp.is_none() {
            self.temp = Some(
                tempfile::Builder::new()
                    .prefix("gomodoff-vendor-")
                    .tempdir()
                    .context("failed to create a temporary directory for module zips")?,
            );
        }
        Ok(self
            .temp
            .as_ref()
            .expect("created above because it was missing")
            .path()
            .to_path_buf())
    }

    fn extract(&mut self, c: &ModuleVersion) -> Result<ModuleFiles> {
        if let Some(f) = self.done.get(c) {
            return Ok(f.clone());
        }
        let temp = self.temp_dir()?;
        let files = extract_one(self.src, self.gosum, c, &temp)?;
        self.done.insert(c.clone(), files.clone());
        Ok(files)
    }

    /// The zip of build-list module `module`, which the computation found to provide `import`
    /// (or to be a candidate for it) but has no files for; `contents` maps build-list modules
    /// to the module versions whose files they are.
    fn extract_provider(
        &mut self,
        contents: &HashMap<ModuleVersion, ModuleVersion>,
        module: &ModuleVersion,
        import: &str,
    ) -> Result<ModuleFiles> {
        let content = contents
            .get(module)
            .ok_or_else(|| anyhow!("module `{module}` provides `{import}` but has no files"))?;
        if self
            .gosum
            .zip_hash(&content.path, &content.version)
            .is_none()
        {
            bail!(
                "missing go.sum entry for module providing package `{import}` (`{content}`)\nhint: run `go mod download {}` on a connected machine so go.sum lists it",
                content.path
            );
        }
        self.extract(content)
    }

    /// `(build-list module, content)` pairs, extracted in parallel.
    fn extract_all(
        &mut self,
        wanted: &[(ModuleVersion, ModuleVersion)],
    ) -> Result<Vec<(ModuleVersion, ModuleFiles)>> {
        let temp = self.temp_dir()?;
        let contents: BTreeSet<&ModuleVersion> = wanted
            .iter()
            .map(|(_, c)| c)
            .filter(|c| !self.done.contains_key(*c))
            .collect();
        let (src, gosum) = (self.src, self.gosum);
        let results: Vec<Result<(ModuleVersion, ModuleFiles)>> = contents
            .into_par_iter()
            .map(|c| Ok((c.clone(), extract_one(src, gosum, c, &temp)?)))
            .collect();
        for r in results {
            let (c, files) = r?;
            self.done.insert(c, files);
        }
        Ok(wanted
            .iter()
            .map(|(m, c)| (m.clone(), self.done[c].clone()))
            .collect())
    }
}

fn extract_one(
    src: &dyn ModuleSource,
    gosum: &GoSum,
    c: &ModuleVersion,
    temp: &Path,
) -> Result<ModuleFiles> {
    let want = gosum
        .zip_hash(&c.path, &c.version)
        .ok_or_else(|| anyhow!("missing go.sum entry for `{c}`"))?;
    let zip = src.zip_path(c)?;
    let dest = temp.join(listing::tree_name(c)?);
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    let entries = modzip::extract_zip(&zip, c, &dest)?;
    let digests: BTreeMap<String, [u8; 32]> = entries
        .iter()
        .filter_map(|e| Some((e.name.clone(), e.sha256?)))
        .collect();
    let got = dirhash::hash1_prefixed(&c.to_string(), &digests)?;
    if got != want {
        // A zip with directory entries hashes differently from its files alone: then the zip
        // itself decides.
        let zip_h1 = dirhash::hash_zip(&zip)
            .with_context(|| format!("failed to hash `{}`", zip.display()))?;
        if zip_h1 != want {
            bail!(
                "checksum mismatch for `{c}`\n  go.sum: {want}\n  {} (`{}`): {zip_h1}\nhint: the zip is not the one go.sum recorded; remove it from the source and download it again (or check go.sum)",
                src.describe(),
                zip.display()
            );
        }
    }
    Ok(ModuleFiles {
        root: dest,
        content: Content::Module(c.clone()),
        digests: Some(digests),
        stamps: BTreeMap::new(),
        origin: format!("zip in {}", src.kind()),
    })
}

/// Every file of the new `vendor/` with its digest: the checked digest where the module was
/// checked, else hashed now (directory replacements).
fn new_files(
    tree: &VendorTree,
    modules: &HashMap<ModuleVersion, ModuleFiles>,
) -> Result<BTreeMap<String, NewFile>> {
    let vendored: BTreeSet<String> = tree.packages.keys().map(|m| m.path.clone()).collect();
    let by_path: HashMap<&str, &ModuleVersion> =
        tree.packages.keys().map(|m| (m.path.as_str(), m)).collect();
    let results: Vec<Result<(String, NewFile)>> = tree
        .files
        .par_iter()
        .map(|f| {
            let module = owner(&f.dest, &vendored).map(|p| by_path[p]);
            let files = module.and_then(|m| modules.get(m));
            let mut stamp = None;
            let known = files.and_then(|mf| {
                let digests = mf.digests.as_ref()?;
                let rel = f.source.strip_prefix(&mf.root).ok()?;
                let rel = rel.to_string_lossy().replace('\\', "/");
                stamp = mf.stamps.get(&rel).copied();
                Some(digests.get(&rel).copied().ok_or_else(|| {
                    anyhow!(
                        "`{}` is not a file of the checked module `{}`",
                        f.source.display(),
                        module.map(ToString::to_string).unwrap_or_default()
                    )
                }))
            });
            let digest = match known {
                Some(d) => d?,
                None => {
                    let bytes = fsutil::read(&f.source)?;
                    Sha256::digest(&bytes).into()
                }
            };
            Ok((
                f.dest.clone(),
                NewFile {
                    source: Some(f.source.clone()),
                    digest,
                    stamp,
                    module: module.cloned(),
                },
            ))
        })
        .collect();
    let mut out: BTreeMap<String, NewFile> = results.into_iter().collect::<Result<_>>()?;
    out.insert(
        "modules.txt".into(),
        NewFile {
            source: None,
            digest: Sha256::digest(tree.modules_txt.as_bytes()).into(),
            stamp: None,
            module: None,
        },
    );
    Ok(out)
}

/// The longest of `modules` that is `path` or one of its parent directories.
fn owner<'a>(path: &str, modules: &'a BTreeSet<String>) -> Option<&'a str> {
    let mut cur = path;
    loop {
        if let Some(m) = modules.get(cur) {
            return Some(m);
        }
        cur = &cur[..cur.rfind('/')?];
    }
}

// ---------------------------------------------------------------------------------------------
// Planning and applying.

/// What the current `vendor/` holds.
#[derive(Default)]
struct Current {
    exists: bool,
    files: BTreeMap<String, [u8; 32]>,
    /// Module path → version, from the current modules.txt.
    versions: BTreeMap<String, String>,
    modules_txt: Option<Vec<u8>>,
    /// The listing gomodoff wrote last time (files it wrote), if any.
    listed: BTreeMap<String, [u8; 32]>,
}

struct VendorPlan {
    plan: Plan,
    current: Current,
    lock: LockFile,
    /// Whether `vendor/` itself changes.
    tree_changes: bool,
    /// The `vendor/` from before gomodoff is saved by this run.
    backup_now: bool,
}

fn plan_vendor(repo: &Repo, computed: &Computed, origin: &str) -> Result<VendorPlan> {
    let vendor_dir = repo.root.join(VENDOR_DIR);
    let mut current = Current {
        exists: vendor_dir.is_dir(),
        ..Current::default()
    };
    if current.exists {
        current.files = dirhash::dir_file_digests(&vendor_dir)
            .with_context(|| format!("failed to hash `{}`", vendor_dir.display()))?;
        current.modules_txt = fsutil::read_optional(&vendor_dir.join("modules.txt"))?;
        if let Some(text) = &current.modules_txt {
            let list = VendorList::read(&String::from_utf8_lossy(text));
            current.versions.extend(list.order);
        }
    }
    let prev = repo.lock.as_ref().filter(|l| l.mode == Mode::Vendor);
    if prev.is_some()
        && let Some(listing) = fsutil::read_optional(&repo.root.join(LISTING_FILE))?
    {
        current.listed = parse_listing(&listing).unwrap_or_default();
    }
    let new_digests: BTreeMap<&str, [u8; 32]> = computed
        .files
        .iter()
        .map(|(k, f)| (k.as_str(), f.digest))
        .collect();
    let tree_changes = !current.exists
        || current.files.len() != new_digests.len()
        || current
            .files
            .iter()
            .any(|(k, d)| new_digests.get(k.as_str()) != Some(d));

    // The backup of the vendor/ from before gomodoff.
    let prev_backup = prev
        .and_then(|l| l.vendor.as_ref())
        .and_then(|v| v.backup.clone());
    // Saved whenever gomodoff first writes over a vendor/ (even an identical one, so that
    // restore can tell "there was one" from "there was none").
    let backup_now = prev.is_none() && current.exists;
    if backup_now && repo.root.join(BACKUP_DIR).exists() {
        bail!(
            "`{BACKUP_DIR}` exists but gomodoff.lock does not record it\nhint: it may be the backup of an earlier run whose lock was removed; move it away (or put it back as vendor/) and run again"
        );
    }
    let backup = if backup_now {
        Some(BACKUP_DIR.to_string())
    } else if prev.is_some() {
        prev_backup
    } else {
        None
    };

    let listing = render_listing(&computed.files);
    let gosum = repo.gosum()?;
    let lock = LockFile {
        mode: Mode::Vendor,
        dir: VENDOR_DIR.into(),
        modfile: if repo.workspace.is_some() {
            WORK_FILE.into()
        } else {
            "go.mod".into()
        },
        gomod_before: repo.gomod_text.clone(),
        gomod_after: repo.gomod_text.clone(),
        gosum_sha256: fsutil::sha256_hex(repo.gosum_text.clone().unwrap_or_default().as_bytes()),
        modules: locked_modules(computed, &gosum, origin, prev)?,
        vendor: Some(VendorState {
            sum_sha256: fsutil::sha256_hex(listing.as_bytes()),
            backup,
        }),
    };
    let mut plan = Plan {
        staging: Some(PathBuf::from(STAGING_DIR)),
        ..Plan::default()
    };
    if tree_changes {
        if current.exists {
            plan.tree_removes.push(PathBuf::from(VENDOR_DIR));
        }
        plan.tree_adds.push(TreeAdd {
            staged: Path::new(STAGING_DIR).join(VENDOR_DIR),
            target: PathBuf::from(VENDOR_DIR),
        });
    }
    if backup_now {
        plan.tree_adds.push(TreeAdd {
            staged: Path::new(STAGING_DIR).join(BACKUP_STAGING),
            target: PathBuf::from(BACKUP_DIR),
        });
    }
    // What vendor/ was computed from: refused at apply time if it changed meanwhile.
    plan.add_inputs(repo.inputs());
    plan.files.push(FileChange {
        path: PathBuf::from(LOCK_FILE),
        before: fsutil::read_optional(&repo.root.join(LOCK_FILE))?,
        after: Some(lock.render().into_bytes()),
        show_diff: false,
    });
    plan.files.push(FileChange {
        path: PathBuf::from(LISTING_FILE),
        before: fsutil::read_optional(&repo.root.join(LISTING_FILE))?,
        after: Some(listing.into_bytes()),
        show_diff: false,
    });
    Ok(VendorPlan {
        plan,
        current,
        lock,
        tree_changes,
        backup_now,
    })
}

/// One lock entry per module of modules.txt (build-list modules, not replacement lines).
fn locked_modules(
    computed: &Computed,
    gosum: &GoSum,
    origin: &str,
    prev: Option<&LockFile>,
) -> Result<Vec<LockedModule>> {
    let text = &computed.tree.modules_txt;
    let list = VendorList::read(text);
    let mut per_module: HashMap<&ModuleVersion, BTreeMap<String, [u8; 32]>> = HashMap::new();
    for (dest, f) in &computed.files {
        if let Some(m) = &f.module {
            per_module
                .entry(m)
                .or_default()
                .insert(format!("{VENDOR_DIR}/{dest}"), f.digest);
        }
    }
    let build_list: HashSet<&ModuleVersion> = computed.inputs.build_list.iter().collect();
    let mut out = Vec::new();
    for (path, version) in &list.order {
        let mv = ModuleVersion {
            path: path.clone(),
            version: version.clone(),
        };
        if !build_list.contains(&mv) {
            continue; // a replacement line (`# old v0.9.0 => new v1.1.0`), not a module
        }
        let files = computed.modules.get(&mv);
        let (replace_path, replace_version) = match files.map(|f| &f.content) {
            Some(Content::Module(c)) => (c.path.clone(), Some(c.version.clone())),
            Some(Content::Dir(d)) => (d.clone(), None),
            None => match computed
                .inputs
                .replaces
                .iter()
                .find(|r| {
                    r.old_path == mv.path
                        && r.old_version.as_deref().is_none_or(|v| v == mv.version)
                })
                .map(|r| &r.target)
            {
                Some(crate::resolve::graph::ReplaceTarget::Module(c)) => {
                    (c.path.clone(), Some(c.version.clone()))
                }
                Some(crate::resolve::graph::ReplaceTarget::Dir(d)) => {
                    (d.to_string_lossy().replace('\\', "/"), None)
                }
                None => (mv.path.clone(), Some(mv.version.clone())),
            },
        };
        let zip_h1 = replace_version
            .as_ref()
            .and_then(|v| gosum.zip_hash(&replace_path, v))
            .map(str::to_string);
        let gomod_h1 = replace_version
            .as_ref()
            .and_then(|v| gosum.gomod_hash(&replace_path, v))
            .unwrap_or_default()
            .to_string();
        let lines = per_module.get(&mv);
        let vendor_h1 = lines.map(dirhash::hash1_from_digests).transpose()?;
        // Keep the origin a module's files really came from while they are unchanged.
        let origin = prev
            .and_then(|p| {
                p.modules.iter().find(|o| {
                    o.path == mv.path && o.version == mv.version && o.vendor_h1 == vendor_h1
                })
            })
            .map_or_else(
                || files.map_or_else(|| origin.to_string(), |f| f.origin.clone()),
                |o| o.origin.clone(),
            );
        out.push(LockedModule {
            path: mv.path.clone(),
            version: mv.version.clone(),
            tier: if lines.is_some() {
                Tier::Full
            } else {
                Tier::GoMod
            },
            dir: Mode::Vendor.module_dir(&mv.path, &mv.version)?,
            zip_h1,
            gomod_h1,
            origin,
            replace_path,
            replace_version,
            displaced: None,
            synthesized_gomod: None,
            vendor_h1,
        });
    }
    Ok(out)
}

fn render_listing(files: &BTreeMap<String, NewFile>) -> String {
    let mut out = String::new();
    for (name, f) in files {
        out.push_str(&hex::encode(f.digest));
        out.push_str("  ");
        out.push_str(VENDOR_DIR);
        out.push('/');
        out.push_str(name);
        out.push('\n');
    }
    out
}

/// `<sha256 hex>  vendor/<file>` lines → file (relative to vendor/) → digest.
fn parse_listing(bytes: &[u8]) -> Result<BTreeMap<String, [u8; 32]>> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let bad = || anyhow!("{LISTING_FILE}:{}: malformed line", i + 1);
        let (hex_digest, name) = line.split_once("  ").ok_or_else(bad)?;
        let file = name
            .strip_prefix(VENDOR_DIR)
            .and_then(|f| f.strip_prefix('/'))
            .ok_or_else(bad)?;
        let mut d = [0u8; 32];
        hex::decode_to_slice(hex_digest, &mut d).map_err(|_| bad())?;
        out.insert(file.to_string(), d);
    }
    Ok(out)
}

fn show_and_apply(
    ctx: &mut Context,
    repo: &Repo,
    opts: &VendorOptions,
    computed: &mut Computed,
    planned: VendorPlan,
) -> Result<Outcome> {
    let color = ctx.shell.color();
    if planned.plan.is_empty() {
        ctx.shell.status(
            "Fresh",
            &format!(
                "vendor/ already holds what `go mod vendor` writes ({} modules, {} files); nothing to do",
                planned.lock.modules.len(),
                computed.files.len()
            ),
        )?;
        if opts.report_dropped {
            report_dropped(ctx, computed)?;
        }
        return Ok(Outcome::Ok);
    }
    let before = planned.current.modules_txt.as_deref();
    let after = computed.tree.modules_txt.as_bytes();
    if before != Some(after) {
        let diff = plan::unified_diff("vendor/modules.txt", before, Some(after), color);
        write!(ctx.shell.preview(), "{diff}")?;
    }
    write!(ctx.shell.preview(), "{}", planned.plan.render_diff(color))?;
    print_summary(ctx, computed, &planned)?;
    if opts.report_dropped {
        report_dropped(ctx, computed)?;
    }
    if !confirm(ctx, opts.dry_run, opts.yes, "apply")? {
        return Ok(Outcome::Ok);
    }
    let staging = repo.root.join(STAGING_DIR);
    let start = std::time::Instant::now();
    let staged = (|| -> Result<u64> {
        fsutil::remove_dir_all_if_exists(&staging)
            .with_context(|| format!("failed to clear `{}`", staging.display()))?;
        let bytes = if planned.tree_changes {
            let bar = ctx.shell.progress(computed.files.len() as u64, "files");
            let bytes = stage_tree(&staging.join(VENDOR_DIR), computed, &bar);
            bar.finish_and_clear();
            bytes?
        } else {
            0
        };
        if planned.backup_now {
            link_or_copy_tree(&repo.root.join(VENDOR_DIR), &staging.join(BACKUP_STAGING))?;
        }
        Ok(bytes)
    })();
    let bytes = match staged {
        Ok(b) => b,
        Err(e) => {
            let _ = fsutil::remove_dir_all_if_exists(&staging);
            return Err(e);
        }
    };
    computed.timings.add("stage vendor/", start);
    // Right before anything is replaced: the repository may have changed while vendor/ was
    // staged or the user was asked.
    if let Err(e) = check_plan_inside(&repo.root, &planned.plan, &[]) {
        let _ = fsutil::remove_dir_all_if_exists(&staging);
        return Err(e);
    }
    let start = std::time::Instant::now();
    planned.plan.apply(&repo.root)?;
    computed.timings.add("transaction", start);
    ctx.shell.status(
        "Vendored",
        &format!(
            "{} modules, {} files ({bytes} bytes) into `vendor/`",
            planned.lock.modules.len(),
            computed.files.len()
        ),
    )?;
    if planned.backup_now {
        ctx.shell.status(
            "Saved",
            &format!("the previous vendor/ in `{BACKUP_DIR}` (`gomodoff restore` puts it back)"),
        )?;
    }
    Ok(Outcome::Ok)
}

/// Per module: files added, removed and changed; then the files of the current vendor/ that
/// neither gomodoff nor go writes.
fn print_summary(ctx: &mut Context, computed: &Computed, planned: &VendorPlan) -> Result<()> {
    let current = &planned.current;
    let mut paths: BTreeSet<String> = computed
        .tree
        .packages
        .keys()
        .map(|m| m.path.clone())
        .collect();
    paths.extend(planned.lock.modules.iter().map(|m| m.path.clone()));
    paths.extend(current.versions.keys().cloned());
    let new_versions: BTreeMap<&str, &str> = planned
        .lock
        .modules
        .iter()
        .map(|m| (m.path.as_str(), m.version.as_str()))
        .collect();
    #[derive(Default)]
    struct Counts {
        added: usize,
        removed: Vec<String>,
        changed: usize,
        files: usize,
    }
    let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
    let key = |file: &str| owner(file, &paths).unwrap_or("").to_string();
    let bytes: u64 = computed
        .files
        .par_iter()
        .filter_map(|(_, f)| f.module.as_ref().and(f.source.as_ref()))
        .map(|src| fs::metadata(src).map_or(0, |m| m.len()))
        .sum();
    for (file, f) in &computed.files {
        if f.module.is_none() {
            continue; // modules.txt: its diff is shown in full
        }
        let c = counts.entry(key(file)).or_default();
        c.files += 1;
        match current.files.get(file) {
            None => c.added += 1,
            Some(d) if *d != f.digest => c.changed += 1,
            Some(_) => {}
        }
    }
    let mut foreign = Vec::new();
    for file in current.files.keys() {
        if !computed.files.contains_key(file) {
            counts
                .entry(key(file))
                .or_default()
                .removed
                .push(format!("{VENDOR_DIR}/{file}"));
            if !current.listed.contains_key(file) {
                foreign.push(format!("{VENDOR_DIR}/{file}"));
            }
        }
    }
    // Modules listed without packages have no files but a line each.
    for path in new_versions
        .keys()
        .copied()
        .chain(current.versions.keys().map(String::as_str))
    {
        counts.entry(path.to_string()).or_default();
    }
    let (mut added, mut updated, mut removed, mut unchanged) = (0, 0, 0, 0);
    let verbose = ctx.shell.verbosity() == crate::util::shell::Verbosity::Verbose;
    let mut lines = Vec::new();
    for (path, c) in &counts {
        let gone = c.removed.len();
        let touched = c.added + gone + c.changed > 0;
        if path.is_empty() {
            if touched {
                lines.push(format!(
                    "  ! files outside any module: {} added, {gone} removed, {} changed",
                    c.added, c.changed
                ));
            }
            continue;
        }
        let old = current.versions.get(path).map(String::as_str);
        let new = new_versions.get(path.as_str()).copied();
        let line = match (old, new) {
            (_, None) => {
                removed += 1;
                let v = old.map(|v| format!(" {v}")).unwrap_or_default();
                format!("  - {path}{v}: {gone} files removed")
            }
            (None, Some(v)) if gone == 0 && c.changed == 0 => {
                added += 1;
                if c.files == 0 {
                    format!("  + {path} {v}: no packages (a modules.txt line only)")
                } else {
                    format!("  + {path} {v}: {} files", c.files)
                }
            }
            (Some(o), Some(n)) if o == n && !touched => {
                unchanged += 1;
                continue;
            }
            (_, Some(n)) => {
                updated += 1;
                let versions = match old {
                    Some(o) if o != n => format!(" {o} → {n}"),
                    _ => format!(" {n}"),
                };
                format!(
                    "  ~ {path}{versions}: {} added, {gone} removed, {} changed",
                    c.added, c.changed
                )
            }
        };
        lines.push(line);
        // Files that leave vendor/ are named (a long list only with -v).
        if gone > 0 && (gone <= MAX_NAMED || verbose) {
            lines.extend(c.removed.iter().map(|f| format!("      - {f}")));
        } else if gone > 0 {
            lines.push(format!("      ({gone} files; -v names them)"));
        }
    }
    let out = ctx.shell.preview();
    writeln!(
        out,
        "vendor/: {} modules, {} files, {bytes} bytes: {added} added, {updated} updated, {removed} removed, {unchanged} unchanged",
        planned.lock.modules.len(),
        computed.files.len(),
    )?;
    for line in &lines {
        writeln!(out, "{line}")?;
    }
    // Files the user may lose are named even when quiet.
    let out = ctx.shell.out();
    let heading = if planned.backup_now {
        format!(
            "files in vendor/ that neither gomodoff nor go writes (kept in `{BACKUP_DIR}`; `gomodoff restore` brings them back):"
        )
    } else {
        "files in vendor/ that neither gomodoff nor go writes; they will be removed:".to_string()
    };
    print_names(out, &heading, &foreign)?;
    Ok(())
}

fn print_names(out: &mut dyn std::io::Write, heading: &str, names: &[String]) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    writeln!(out, "{heading}")?;
    for n in names {
        writeln!(out, "  {n}")?;
    }
    Ok(())
}

/// `--report-dropped`: files of vendored modules in directories without a vendored package,
/// which vendor mode leaves out and replace mode keeps, per module.
fn report_dropped(ctx: &mut Context, computed: &Computed) -> Result<()> {
    let dirs = computed
        .modules
        .iter()
        .map(|(m, f)| (m.clone(), f.root.clone()))
        .collect();
    let input = computed.inputs.input(dirs);
    let dropped = vendoring::dropped_files(&input, &computed.tree)?;
    let out = ctx.shell.out();
    if dropped.is_empty() {
        writeln!(
            out,
            "no files left out: every non-Go file of the vendored modules is in a package directory"
        )?;
        return Ok(());
    }
    let modules: BTreeSet<&ModuleVersion> = dropped.iter().map(|(m, _)| m).collect();
    writeln!(
        out,
        "{} files in {} modules are left out of vendor/ (not in a package directory; replace mode keeps them):",
        dropped.len(),
        modules.len()
    )?;
    let mut last: Option<&ModuleVersion> = None;
    for (m, file) in &dropped {
        if last != Some(m) {
            writeln!(out, "  {m}")?;
            last = Some(m);
        }
        writeln!(out, "    {file}")?;
    }
    Ok(())
}

/// Copies every file of the new tree into `dest` (files as go writes them: 0666 through the
/// umask), checking each against its digest as it goes; returns the bytes written.
fn stage_tree(dest: &Path, computed: &Computed, bar: &indicatif::ProgressBar) -> Result<u64> {
    let dirs: BTreeSet<PathBuf> = computed
        .files
        .keys()
        .filter_map(|k| Path::new(k).parent().map(|p| dest.join(p)))
        .collect();
    fs::create_dir_all(dest).with_context(|| format!("failed to create `{}`", dest.display()))?;
    // In parallel: create_dir_all makes any parent another thread has not made yet.
    dirs.par_iter().try_for_each(|d| {
        fs::create_dir_all(d).with_context(|| format!("failed to create `{}`", d.display()))
    })?;
    plan::fault_point("extract")?;
    let written: Result<Vec<u64>> = computed
        .files
        .par_iter()
        .map(|(name, f)| {
            let to = dest.join(name);
            let changed = || {
                anyhow!(
                    "`{}` changed while it was being vendored (its content is no longer the one checked against go.sum); run again",
                    f.source.as_deref().unwrap_or(Path::new(name)).display()
                )
            };
            // A source whose stamp vouches for its digest before and after it is read is copied
            // without hashing it; any other is hashed.
            if let (Some(src), Some(stamp)) = (&f.source, f.stamp) {
                let copied = copy_stamped(src, &to, stamp).map_err(|e| {
                    anyhow!(e).context(format!(
                        "failed to copy `{}` to `{}`",
                        src.display(),
                        to.display()
                    ))
                })?;
                match copied {
                    Stamped::Copied(n) => {
                        bar.inc(1);
                        return Ok(n);
                    }
                    Stamped::ChangedWhileRead => return Err(changed()),
                    Stamped::Moved => {}
                }
            }
            let bytes = match &f.source {
                Some(src) => fsutil::read(src)?,
                None => computed.tree.modules_txt.as_bytes().to_vec(),
            };
            let digest: [u8; 32] = Sha256::digest(&bytes).into();
            if digest != f.digest {
                return Err(changed());
            }
            fs::write(&to, &bytes).with_context(|| format!("failed to write `{}`", to.display()))?;
            bar.inc(1);
            Ok(bytes.len() as u64)
        })
        .collect();
    Ok(written?.into_iter().sum())
}

/// What [`copy_stamped`] did.
#[derive(Debug, PartialEq, Eq)]
enum Stamped {
    /// The stamp held before and after the read: this many bytes were written.
    Copied(u64),
    /// The stamp was not the expected one: nothing written (the caller hashes instead).
    Moved,
    /// The stamp changed while the file was read: nothing written.
    ChangedWhileRead,
}

/// Copies `from` to `to` while `from`'s stamp is `stamp`, taken before and after reading it.
fn copy_stamped(from: &Path, to: &Path, stamp: verified::Stamp) -> std::io::Result<Stamped> {
    let mut src = fs::File::open(from)?;
    if verified::Stamp::of(&src.metadata()?) != stamp {
        return Ok(Stamped::Moved);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(stamp.size()).unwrap_or(0));
    std::io::Read::read_to_end(&mut src, &mut bytes)?;
    if verified::Stamp::of(&src.metadata()?) != stamp {
        return Ok(Stamped::ChangedWhileRead);
    }
    fs::write(to, &bytes)?;
    Ok(Stamped::Copied(bytes.len() as u64))
}

/// A copy of the tree `from` at `to` (which must not exist): files hard-linked where the link
/// keeps every byte and mode (owner-writable files; the transaction makes trees writable before
/// it moves them), copied otherwise; symbolic links re-created.
fn link_or_copy_tree(from: &Path, to: &Path) -> Result<()> {
    for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
        let entry = entry.with_context(|| format!("failed to read `{}`", from.display()))?;
        let rel = entry
            .path()
            .strip_prefix(from)
            .expect("walkdir yields paths below its root");
        let target = to.join(rel);
        let kind = entry.file_type();
        let result = if kind.is_dir() {
            fs::create_dir_all(&target)
        } else if kind.is_symlink() {
            copy_symlink(entry.path(), &target)
        } else if kind.is_file() {
            let writable = entry
                .metadata()
                .map(|m| !m.permissions().readonly())
                .unwrap_or(false);
            if writable {
                fs::hard_link(entry.path(), &target)
                    .or_else(|_| fs::copy(entry.path(), &target).map(|_| ()))
            } else {
                fs::copy(entry.path(), &target).map(|_| ())
            }
        } else {
            bail!(
                "`{}` is not a file, a directory or a symbolic link; move it out of vendor/ first",
                entry.path().display()
            );
        };
        result.with_context(|| {
            format!(
                "failed to copy `{}` to `{}`",
                entry.path().display(),
                target.display()
            )
        })?;
    }
    Ok(())
}

#[cfg(unix)]
fn copy_symlink(from: &Path, to: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(fs::read_link(from)?, to)
}

#[cfg(not(unix))]
fn copy_symlink(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::copy(from, to).map(|_| ())
}

// ---------------------------------------------------------------------------------------------
// Reading modules.txt the way the go command does, and comparing go.mod files.

/// `modload.readVendorList`: what a modules.txt says, read as leniently as go reads it.
#[derive(Debug, Default)]
struct VendorList {
    /// Modules that provide packages, in order of appearance.
    list: Vec<(String, String)>,
    /// Modules marked as replaced (wildcards with an empty version).
    replaced: Vec<(String, String)>,
    /// Path → version of the modules that provide packages.
    versions: HashMap<String, String>,
    meta: HashMap<(String, String), VendorMeta>,
    /// Every `# path version` module line, in order.
    order: Vec<(String, String)>,
}

#[derive(Debug, Default, Clone)]
struct VendorMeta {
    explicit: bool,
    replacement: Option<(String, String)>,
    go_version: Option<String>,
}

impl VendorList {
    fn read(text: &str) -> VendorList {
        let mut out = VendorList::default();
        let mut current: Option<(String, String)> = None;
        for line in text.split('\n') {
            if let Some(rest) = line.strip_prefix("# ") {
                let f: Vec<&str> = rest.split_whitespace().collect();
                if f.len() < 2 {
                    continue;
                }
                let (module, tail) = if module::is_valid_version(f[1]) {
                    let m = (f[0].to_string(), f[1].to_string());
                    out.order.push(m.clone());
                    (m, &f[2..])
                } else if f[1] == "=>" {
                    ((f[0].to_string(), String::new()), &f[1..])
                } else {
                    current = None;
                    continue;
                };
                current = Some(module.clone());
                if tail.len() >= 2 && tail[0] == "=>" {
                    let replacement = if tail.len() == 2 {
                        Some((tail[1].to_string(), String::new()))
                    } else if tail.len() == 3 && module::is_valid_version(tail[2]) {
                        Some((tail[1].to_string(), tail[2].to_string()))
                    } else {
                        None
                    };
                    if let Some(r) = replacement {
                        out.meta.entry(module.clone()).or_default().replacement = Some(r);
                        out.replaced.push(module);
                    }
                }
                continue;
            }
            let Some(module) = &current else {
                continue;
            };
            if let Some(annotations) = line.strip_prefix("## ") {
                let meta = out.meta.entry(module.clone()).or_default();
                for entry in annotations.split(';') {
                    let entry = entry.trim();
                    if entry == "explicit" {
                        meta.explicit = true;
                    }
                    if let Some(go) = entry.strip_prefix("go ") {
                        meta.go_version = Some(go.to_string());
                    }
                }
                continue;
            }
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() == 1 && module::check_import_path(f[0]).is_ok() {
                let newer = out
                    .versions
                    .get(&module.0)
                    .is_none_or(|v| module::compare_versions(v, &module.1).is_lt());
                if newer {
                    out.list.push(module.clone());
                    out.versions.insert(module.0.clone(), module.1.clone());
                }
            }
        }
        out
    }
}

/// Requirement changes between two go.mod files, one line each.
fn requirement_changes(then: &GoMod, now: &GoMod) -> Vec<String> {
    let req = |g: &GoMod| {
        g.requires()
            .into_iter()
            .map(|r| (r.path, r.version))
            .collect::<BTreeMap<_, _>>()
    };
    let (a, b) = (req(then), req(now));
    let mut out = Vec::new();
    for (p, v) in &b {
        match a.get(p) {
            Some(old) if old != v => out.push(format!("go.mod: {p} {old} → {v}")),
            Some(_) => {}
            None => out.push(format!("go.mod: requires {p} {v} (new)")),
        }
    }
    for (p, v) in &a {
        if !b.contains_key(p) {
            out.push(format!("go.mod: no longer requires {p} {v}"));
        }
    }
    if then.replaces() != now.replaces() {
        out.push("go.mod: replace directives changed".into());
    }
    out
}

/// `go env GOVERSION` of the installed go, if there is one.
fn go_version_installed() -> Option<String> {
    let out = goenv::go_command()
        .args(["env", "GOVERSION"])
        .env("GOTOOLCHAIN", "local")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The lock's modules indexed by their directory under vendor/ (the module path), to tell which
/// module a file of vendor/ belongs to.
struct LockOwners {
    dirs: BTreeSet<String>,
    index: HashMap<String, usize>,
}

impl LockOwners {
    fn new(modules: &[LockedModule]) -> LockOwners {
        LockOwners {
            dirs: modules.iter().map(|m| m.dir.clone()).collect(),
            index: modules
                .iter()
                .enumerate()
                .map(|(i, m)| (m.dir.clone(), i))
                .collect(),
        }
    }

    fn owner(&self, file: &str) -> Option<usize> {
        owner(file, &self.dirs).map(|d| self.index[d])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gomod(text: &str) -> GoMod {
        GoMod::parse("go.mod", text).unwrap()
    }

    #[test]
    fn owner_is_the_longest_module_path_prefix() {
        let modules: BTreeSet<String> = ["a.com/x", "a.com/x/y", "b.com/z"]
            .into_iter()
            .map(String::from)
            .collect();
        let table = [
            ("a.com/x/f.go", Some("a.com/x")),
            ("a.com/x/y/f.go", Some("a.com/x/y")),
            ("a.com/x/yz/f.go", Some("a.com/x")),
            ("a.com/xy/f.go", None),
            ("modules.txt", None),
            ("b.com/z/LICENSE", Some("b.com/z")),
        ];
        for (file, want) in table {
            assert_eq!(owner(file, &modules), want, "{file}");
        }
    }

    #[test]
    fn a_file_is_copied_unread_only_while_its_stamp_vouches_for_it() {
        let tmp = tempfile::tempdir().unwrap();
        let from = tmp.path().join("from.go");
        fs::write(&from, "package a\n").unwrap();
        let stamp = verified::Stamp::of(&fs::metadata(&from).unwrap());
        let to = tmp.path().join("to.go");
        assert_eq!(
            copy_stamped(&from, &to, stamp).unwrap(),
            Stamped::Copied(10)
        );
        assert_eq!(fs::read(&to).unwrap(), b"package a\n");
        // Replaced (same size, another inode): the stamp no longer vouches; nothing is written.
        let new = tmp.path().join("new.go");
        fs::write(&new, "package b\n").unwrap();
        fs::rename(&new, &from).unwrap();
        let other = tmp.path().join("other.go");
        assert_eq!(copy_stamped(&from, &other, stamp).unwrap(), Stamped::Moved);
        assert!(!other.exists());
    }

    #[test]
    fn listing_round_trips_and_names_bad_lines() {
        let mut files = BTreeMap::new();
        for (name, byte) in [("a.com/x/f.go", 1u8), ("modules.txt", 2)] {
            files.insert(
                name.to_string(),
                NewFile {
                    source: None,
                    digest: [byte; 32],
                    stamp: None,
                    module: None,
                },
            );
        }
        let text = render_listing(&files);
        assert!(text.starts_with(&format!(
            "{}  vendor/a.com/x/f.go\n",
            hex::encode([1u8; 32])
        )));
        let parsed = parse_listing(text.as_bytes()).unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed["modules.txt"], [2u8; 32]);
        let e = parse_listing(b"zz  vendor/x\n").unwrap_err().to_string();
        assert_eq!(e, "gomodoff.vendor.sum:1: malformed line");
        let e = parse_listing(format!("{}  other/x\n", "00".repeat(32)).as_bytes())
            .unwrap_err()
            .to_string();
        assert_eq!(e, "gomodoff.vendor.sum:1: malformed line");
    }

    #[test]
    fn consistency_is_go_checks() {
        let modules_txt = "# a.com/x v1.0.0\n## explicit; go 1.21\na.com/x\n# b.com/y v1.1.0 => c.com/y v1.2.0\n## explicit\nb.com/y\n# b.com/y => c.com/y v1.2.0\n# d.com/w => ./w\n";
        let table: [(&str, &str, &[&str]); 6] = [
            (
                "consistent",
                "module m\n\ngo 1.21\n\nrequire (\n\ta.com/x v1.0.0\n\tb.com/y v1.1.0\n)\n\nreplace b.com/y => c.com/y v1.2.0\n\nreplace d.com/w => ./w\n",
                &[],
            ),
            (
                "version bump",
                "module m\n\ngo 1.21\n\nrequire (\n\ta.com/x v1.0.1\n\tb.com/y v1.1.0\n)\n\nreplace b.com/y => c.com/y v1.2.0\n\nreplace d.com/w => ./w\n",
                &[
                    "a.com/x@v1.0.1: is explicitly required in go.mod, but not marked as explicit in vendor/modules.txt",
                    "a.com/x@v1.0.0: is marked as explicit in vendor/modules.txt, but not explicitly required in go.mod",
                ],
            ),
            (
                "other replacement",
                "module m\n\ngo 1.21\n\nrequire (\n\ta.com/x v1.0.0\n\tb.com/y v1.1.0\n)\n\nreplace b.com/y => c.com/y v1.3.0\n\nreplace d.com/w => ./w\n",
                &[
                    "b.com/y: is replaced by c.com/y@v1.3.0 in go.mod, but marked as replaced by c.com/y@v1.2.0 in vendor/modules.txt",
                ],
            ),
            (
                "replacement gone",
                "module m\n\ngo 1.21\n\nrequire (\n\ta.com/x v1.0.0\n\tb.com/y v1.1.0\n)\n\nreplace b.com/y => c.com/y v1.2.0\n",
                &[
                    "d.com/w: is marked as replaced in vendor/modules.txt, but not replaced in go.mod",
                ],
            ),
            (
                "directory changed",
                "module m\n\ngo 1.21\n\nrequire (\n\ta.com/x v1.0.0\n\tb.com/y v1.1.0\n)\n\nreplace b.com/y => c.com/y v1.2.0\n\nreplace d.com/w => ../w\n",
                &[
                    "d.com/w: is replaced by ../w in go.mod, but marked as replaced by ./w in vendor/modules.txt",
                ],
            ),
            (
                "before go 1.14 only versions count",
                "module m\n\ngo 1.13\n\nrequire (\n\ta.com/x v1.0.0\n\tb.com/y v1.0.0\n)\n\nreplace b.com/y => c.com/y v1.2.0\n\nreplace d.com/w => ./w\n",
                &[
                    "b.com/y@v1.0.0: is explicitly required in go.mod, but vendor/modules.txt indicates b.com/y@v1.1.0",
                    "b.com/y@v1.1.0: is marked as explicit in vendor/modules.txt, but not explicitly required in go.mod",
                ],
            ),
        ];
        for (name, text, want) in table {
            let got = consistency(&gomod(text), modules_txt, None);
            let mut got_sorted = got.clone();
            got_sorted.sort();
            let mut want_sorted: Vec<String> = want.iter().map(|s| s.to_string()).collect();
            want_sorted.sort();
            assert_eq!(got_sorted, want_sorted, "{name}: {got:#?}");
        }
    }

    #[test]
    fn go_lines_newer_than_the_installed_go_are_reported() {
        let text = "module m\n\ngo 1.21\n\nrequire a.com/x v1.0.0\n";
        let modules_txt = "# a.com/x v1.0.0\n## explicit; go 1.99\na.com/x\n";
        assert_eq!(
            consistency(&gomod(text), modules_txt, Some("go1.26.0")),
            vec!["a.com/x in vendor/modules.txt requires go >= 1.99 (running go1.26.0)"]
        );
        assert!(consistency(&gomod(text), modules_txt, None).is_empty());
    }

    #[test]
    fn vendor_list_reads_like_go() {
        let list = VendorList::read(
            "# a.com/x v1.0.0\n## explicit\na.com/x\na.com/x/sub\n# junk line\nnot.a/package\n# b.com/y => ../y\n",
        );
        assert_eq!(list.list, vec![("a.com/x".into(), "v1.0.0".into())]);
        assert_eq!(list.order, vec![("a.com/x".into(), "v1.0.0".into())]);
        assert_eq!(list.replaced, vec![("b.com/y".into(), String::new())]);
        assert!(list.meta[&("a.com/x".into(), "v1.0.0".into())].explicit);
        assert_eq!(list.versions["a.com/x"], "v1.0.0");
    }
}
