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

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use rayon::prelude::*;

use crate::formats::gomod::GoMod;
use crate::formats::lock::{LOCK_FILE, LockFile, LockedModule, Mode, Tier};
use crate::formats::module::ModuleVersion;
use crate::modes::VendorOptions;
use crate::repo::{self, Repo};
use crate::resolve::needs::{Needed, ZipsFor, needed_modules};
use crate::sources::bundle::{self, Manifest, ManifestModule};
use crate::sources::bundle_source as source;
use crate::sources::checked::checked_zip;
use crate::sources::modcache::ModuleSource;
use crate::txn::open::{check_plan_inside, confirm};
use crate::txn::plan::STAGING_DIR;
use crate::txn::plan::{self, FileChange, Plan, TreeAdd};
use crate::util::context::{Context, Outcome};
use crate::util::fsutil;

/// Lay the build's modules out as a `GOPROXY=file://` tree.
pub fn vendor(ctx: &mut Context, repo: &Repo, opts: &VendorOptions) -> Result<Outcome> {
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
    let mut planned = plan_tree(repo, &dir, &needs, src.as_ref())?;
    // Refused now, before anything is staged, and again right before the plan is applied.
    let named = [(Path::new(&dir), named_in.as_path())];
    check_plan_inside(&repo.root, &planned.plan, &named)?;

    if planned.plan.is_empty() {
        ctx.shell.status(
            "Fresh",
            &format!(
                "{} modules already in the GOPROXY tree `{dir}`; nothing to do",
                needs.len()
            ),
        )?;
        return Ok(Outcome::Ok);
    }
    let diff = planned.plan.render_diff(ctx.shell.color());
    write!(ctx.shell.preview(), "{diff}")?;
    print_summary(ctx, &planned.summary, &dir)?;
    if !confirm(ctx, opts.dry_run, opts.yes, "apply")? {
        return Ok(Outcome::Ok);
    }
    ctx.shell.status(
        "Writing",
        &format!(
            "{} module versions into the GOPROXY tree `{dir}`",
            planned.stage.len()
        ),
    )?;
    if let Err(e) = stage(&repo.root, src.as_ref(), &mut planned) {
        let _ = fsutil::remove_dir_all_if_exists(&repo.root.join(STAGING_DIR));
        return Err(e);
    }
    if let Err(e) = check_plan_inside(&repo.root, &planned.plan, &named) {
        let _ = fsutil::remove_dir_all_if_exists(&repo.root.join(STAGING_DIR));
        return Err(e);
    }
    planned.plan.apply(&repo.root)?;
    ctx.shell.status(
        "Vendored",
        &format!(
            "{} modules into the GOPROXY tree `{dir}`; build with `gomodoff exec -- go build ./...` or the variables `gomodoff env` prints",
            needs.len()
        ),
    )?;
    Ok(Outcome::Ok)
}

/// Everything proxy mode decided, before anything is written.
struct ProxyPlan {
    plan: Plan,
    summary: Summary,
    /// Module versions whose files are staged, and the new manifest and lists.
    stage: Vec<Needed>,
    manifest: Manifest,
    lists: BTreeMap<String, String>,
    /// The staging directory inside [`STAGING_DIR`].
    staged_root: PathBuf,
}

#[derive(Debug, Default)]
struct Summary {
    added: Vec<String>,
    updated: Vec<String>,
    removed: Vec<String>,
    unchanged: usize,
    full: usize,
    gomod_only: usize,
    info_only: usize,
}

/// The GOPROXY tree directory (flag, gomodoff.toml, lock, default) and the file that named it,
/// refused unless it is a directory proxy mode may write (see [`repo::check_tree_dir`]).
fn tree_dir(repo: &Repo, flag: Option<&Path>) -> Result<(String, PathBuf)> {
    let prev = repo.lock.as_ref();
    let (dir, named_in) = match (flag, &repo.config.dir, prev) {
        (Some(d), _, _) => (d.to_string_lossy().replace('\\', "/"), None),
        (None, Some(d), _) => (d.clone(), Some(crate::formats::lock::CONFIG_FILE)),
        (None, None, Some(l)) => (l.dir.clone(), Some(LOCK_FILE)),
        (None, None, None) => (Mode::Proxy.default_dir().to_string(), None),
    };
    let dir = dir.trim_end_matches('/').to_string();
    repo::check_tree_dir(&repo.root, Mode::Proxy, &dir, named_in)?;
    if let Some(l) = prev
        && l.dir != dir
    {
        bail!(
            "the GOPROXY tree is in `{}` (gomodoff.lock); run `gomodoff restore` before moving it to `{dir}`",
            l.dir
        );
    }
    let named_in = PathBuf::from(named_in.unwrap_or(&dir));
    Ok((dir, named_in))
}

fn plan_tree(
    repo: &Repo,
    dir: &str,
    needs: &[Needed],
    src: &dyn ModuleSource,
) -> Result<ProxyPlan> {
    let tree = repo.root.join(dir);
    let old_manifest = fsutil::read_optional(&tree.join(bundle::MANIFEST_FILE))?
        .and_then(|b| Manifest::parse("tree", &String::from_utf8_lossy(&b)).ok())
        .unwrap_or_default();
    let old_lock: BTreeMap<ModuleVersion, &LockedModule> = repo
        .lock
        .iter()
        .flat_map(|l| &l.modules)
        .map(|m| {
            let mv = ModuleVersion {
                path: m.path.clone(),
                version: m.version.clone(),
            };
            (mv, m)
        })
        .collect();

    let mut manifest = Manifest::new();
    if let Some(path) = repo.gomod()?.module_path() {
        manifest.repos.insert(path.to_string());
    }
    let mut summary = Summary::default();
    let staged_root = Path::new(STAGING_DIR).join("proxy");
    let mut plan = Plan {
        staging: Some(PathBuf::from(STAGING_DIR)),
        ..Plan::default()
    };
    let mut stage = Vec::new();
    let mut locked = Vec::new();
    let mut touched_paths = BTreeSet::new();
    let rel = |name: &str| Path::new(dir).join(name);
    let exists = |name: &str| tree.join(name).is_file();
    for n in needs {
        let entry = entry_of(n);
        manifest.add(entry.clone())?;
        match (n.tier, &n.gomod_h1) {
            (Tier::Full, _) => summary.full += 1,
            (Tier::GoMod, Some(_)) => summary.gomod_only += 1,
            (Tier::GoMod, None) => summary.info_only += 1,
        }
        let files = module_files(&entry)?;
        let old = old_lock.get(&n.content);
        // The lock lists what has a go.mod; a module read only for its `.info` is in the
        // tree's manifest alone.
        let lock_entry = match &n.gomod_h1 {
            Some(gomod_h1) => Some(LockedModule {
                path: n.content.path.clone(),
                version: n.content.version.clone(),
                tier: n.tier,
                dir: stem(&n.content)?,
                zip_h1: n.zip_h1.clone(),
                gomod_h1: gomod_h1.clone(),
                origin: src.kind().to_string(),
                replace_path: n.content.path.clone(),
                replace_version: Some(n.content.version.clone()),
                displaced: None,
                synthesized_gomod: None,
                vendor_h1: None,
            }),
            None => None,
        };
        let lock_same = match (&lock_entry, old) {
            (None, None) => true,
            (Some(l), Some(o)) => {
                o.tier == l.tier && o.zip_h1 == l.zip_h1 && o.gomod_h1 == l.gomod_h1
            }
            _ => false,
        };
        let same = old_manifest.get(&n.content) == Some(&entry)
            && lock_same
            && files.iter().all(|f| exists(f));
        if same {
            summary.unchanged += 1;
            if let Some(l) = lock_entry {
                locked.push(LockedModule {
                    origin: old.map_or(l.origin.clone(), |o| o.origin.clone()),
                    ..l
                });
            }
            continue;
        }
        if old.is_some() || old_manifest.get(&n.content).is_some() {
            summary.updated.push(n.content.to_string());
        } else {
            summary.added.push(n.content.to_string());
        }
        for ext in ["mod", "zip", "info"] {
            let name = bundle::module_file(&n.content, ext)?;
            if exists(&name) {
                plan.tree_removes.push(rel(&name));
            }
        }
        for f in &files {
            plan.tree_adds.push(TreeAdd {
                staged: staged_root.join(f),
                target: rel(f),
            });
        }
        touched_paths.insert(n.content.path.clone());
        locked.extend(lock_entry);
        stage.push(n.clone());
    }
    // Module versions no longer needed.
    let mut gone: BTreeSet<ModuleVersion> = old_lock.keys().cloned().collect();
    gone.extend(old_manifest.modules().iter().map(|m| m.module()));
    for mv in gone {
        if manifest.get(&mv).is_some() {
            continue;
        }
        summary.removed.push(mv.to_string());
        touched_paths.insert(mv.path.clone());
        for ext in ["mod", "zip", "info"] {
            let name = bundle::module_file(&mv, ext)?;
            if exists(&name) {
                plan.tree_removes.push(rel(&name));
            }
        }
    }
    // Lists of the paths that changed, and the manifest.
    let mut lists = BTreeMap::new();
    for path in &touched_paths {
        let name = bundle::list_file(path)?;
        let versions: Vec<&str> = manifest
            .modules()
            .into_iter()
            .filter(|m| &m.path == path && m.gomod_h1.is_some())
            .map(|m| m.version.as_str())
            .collect();
        let text = bundle::list_text(versions.iter().copied());
        let current = fsutil::read_optional(&tree.join(&name))?;
        if current.as_deref() == Some(text.as_bytes()) {
            continue;
        }
        if current.is_some() {
            plan.tree_removes.push(rel(&name));
        }
        if !text.is_empty() {
            plan.tree_adds.push(TreeAdd {
                staged: staged_root.join(&name),
                target: rel(&name),
            });
            lists.insert(name, text);
        }
    }
    let manifest_text = manifest.render();
    let current = fsutil::read_optional(&tree.join(bundle::MANIFEST_FILE))?;
    if current.as_deref() != Some(manifest_text.as_bytes()) {
        if current.is_some() {
            plan.tree_removes.push(rel(bundle::MANIFEST_FILE));
        }
        plan.tree_adds.push(TreeAdd {
            staged: staged_root.join(bundle::MANIFEST_FILE),
            target: rel(bundle::MANIFEST_FILE),
        });
    }

    let gosum_bytes = repo.gosum_text.clone().unwrap_or_default();
    let lock = LockFile {
        mode: Mode::Proxy,
        dir: dir.to_string(),
        modfile: "go.mod".into(),
        gomod_before: repo.gomod_text.clone(),
        gomod_after: repo.gomod_text.clone(),
        gosum_sha256: fsutil::sha256_hex(gosum_bytes.as_bytes()),
        modules: locked,
        vendor: None,
    };
    // What the tree was planned from: refused at apply time if it changed meanwhile.
    plan.add_inputs(repo.inputs());
    plan.files.push(FileChange {
        path: PathBuf::from(LOCK_FILE),
        before: fsutil::read_optional(&repo.root.join(LOCK_FILE))?,
        after: Some(lock.render().into_bytes()),
        show_diff: false,
    });
    // Staging stays the plan's even when no tree moves: `stage` writes the manifest there, and
    // the transaction removes the directory when it ends.
    Ok(ProxyPlan {
        plan,
        summary,
        stage,
        manifest,
        lists,
        staged_root,
    })
}

/// Write every staged file: module files checked against go.sum on the staged copy, lists and
/// the manifest.
fn stage(root: &Path, src: &dyn ModuleSource, planned: &mut ProxyPlan) -> Result<()> {
    let staging = root.join(STAGING_DIR);
    fsutil::remove_dir_all_if_exists(&staging)
        .with_context(|| format!("failed to clear `{}`", staging.display()))?;
    let staged_root = root.join(&planned.staged_root);
    fs::create_dir_all(&staged_root)
        .with_context(|| format!("failed to create `{}`", staged_root.display()))?;
    let write = |name: &str, bytes: &[u8]| -> Result<PathBuf> {
        let to = staged_root.join(name);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("failed to create `{}`", parent.display()))?;
        }
        fs::write(&to, bytes).with_context(|| format!("failed to write `{}`", to.display()))?;
        Ok(to)
    };
    planned
        .stage
        .par_iter()
        .map(|n| -> Result<()> {
            if let Some(gomod) = &n.gomod {
                write(&bundle::module_file(&n.content, "mod")?, gomod)?;
            }
            if n.listed {
                let info = bundle::info_json(&n.content);
                write(&bundle::module_file(&n.content, "info")?, &info)?;
            }
            if let Some(want) = &n.zip_h1 {
                let from = src.zip_path(&n.content)?;
                let to = staged_root.join(bundle::module_file(&n.content, "zip")?);
                if let Some(parent) = to.parent() {
                    fs::create_dir_all(parent)?;
                }
                plan::fault_point("extract")?;
                fs::copy(&from, &to).with_context(|| {
                    format!("failed to copy `{}` to `{}`", from.display(), to.display())
                })?;
                checked_zip(src, &n.content, &to, want)?;
            }
            Ok(())
        })
        .collect::<Result<()>>()?;
    for (name, text) in &planned.lists {
        write(name, text.as_bytes())?;
    }
    write(bundle::MANIFEST_FILE, planned.manifest.render().as_bytes())?;
    Ok(())
}

fn entry_of(n: &Needed) -> ManifestModule {
    ManifestModule {
        path: n.content.path.clone(),
        version: n.content.version.clone(),
        zip_h1: n.zip_h1.clone(),
        gomod_h1: n.gomod_h1.clone(),
        info: n.listed,
    }
}

/// The files of one module version in the tree.
fn module_files(m: &ManifestModule) -> Result<Vec<String>> {
    let mv = m.module();
    let mut files = Vec::new();
    if m.gomod_h1.is_some() {
        files.push(bundle::module_file(&mv, "mod")?);
    }
    if m.zip_h1.is_some() {
        files.push(bundle::module_file(&mv, "zip")?);
    }
    if m.info {
        files.push(bundle::module_file(&mv, "info")?);
    }
    Ok(files)
}

/// `<escaped path>/@v/<escaped version>`.
fn stem(mv: &ModuleVersion) -> Result<String> {
    Ok(Mode::Proxy.module_dir(&mv.path, &mv.version)?)
}

fn print_summary(ctx: &mut Context, s: &Summary, dir: &str) -> Result<()> {
    let out = ctx.shell.preview();
    writeln!(
        out,
        "{} modules in the GOPROXY tree `{dir}` ({} with zips, {} go.mod only, {} .info only): {} added, {} updated, {} removed, {} unchanged",
        s.full + s.gomod_only + s.info_only,
        s.full,
        s.gomod_only,
        s.info_only,
        s.added.len(),
        s.updated.len(),
        s.removed.len(),
        s.unchanged
    )?;
    crate::txn::write_changes(out, &s.added, &s.updated, &s.removed)
}

/// `gomodoff verify` in proxy mode: the tree against its manifest (every byte), the manifest
/// against gomodoff.lock, the lock against go.sum.
pub fn verify(ctx: &mut Context) -> Result<Outcome> {
    let repo = Repo::open(&ctx.dir)?;
    let Some(lock) = &repo.lock else {
        bail!("nothing to verify: there is no gomodoff.lock");
    };
    let gosum = repo.gosum()?;
    let tree = repo.root.join(&lock.dir);
    let mut findings: Vec<(String, String)> = Vec::new();
    let manifest = if tree.join(bundle::MANIFEST_FILE).is_file() {
        let report = bundle::verify_tree(&tree)?;
        for f in report.findings {
            findings.push((format!("`{}`", f.file), f.problem));
        }
        report.manifest
    } else {
        findings.push((
            format!("`{}`", lock.dir),
            format!(
                "the tree or its {} is missing; run `gomodoff vendor`",
                bundle::MANIFEST_FILE
            ),
        ));
        Manifest::new()
    };
    let mut locked = BTreeSet::new();
    for m in &lock.modules {
        let mv = ModuleVersion {
            path: m.path.clone(),
            version: m.version.clone(),
        };
        locked.insert(mv.clone());
        let name = mv.to_string();
        match manifest.get(&mv) {
            Some(e) if e.zip_h1 == m.zip_h1 && e.gomod_h1.as_ref() == Some(&m.gomod_h1) => {}
            Some(_) => findings.push((
                name.clone(),
                "the tree's manifest disagrees with gomodoff.lock".into(),
            )),
            None if manifest.is_empty() => {}
            None => findings.push((name.clone(), "is not in the tree".into())),
        }
        if let Some(want) = &m.zip_h1
            && gosum.zip_hash(&m.path, &m.version) != Some(want.as_str())
        {
            findings.push((
                name.clone(),
                format!(
                    "go.sum disagrees: it has {:?}, the tree was written for {want}",
                    gosum.zip_hash(&m.path, &m.version)
                ),
            ));
        }
        if gosum.gomod_hash(&m.path, &m.version) != Some(m.gomod_h1.as_str()) {
            findings.push((
                format!("{name}/go.mod"),
                format!(
                    "go.sum disagrees: it has {:?}, the tree was written for {}",
                    gosum.gomod_hash(&m.path, &m.version),
                    m.gomod_h1
                ),
            ));
        }
    }
    for m in manifest.modules() {
        if m.gomod_h1.is_some() && !locked.contains(&m.module()) {
            findings.push((
                m.module().to_string(),
                "is in the tree but not in gomodoff.lock".into(),
            ));
        }
    }
    findings.sort();
    if ctx.json {
        let list: Vec<_> = findings
            .iter()
            .map(|(what, problem)| serde_json::json!({ "subject": what, "problem": problem }))
            .collect();
        let v = serde_json::json!({ "modules": lock.modules.len(), "ok": findings.is_empty(), "findings": list });
        writeln!(ctx.shell.out(), "{}", serde_json::to_string_pretty(&v)?)?;
    } else {
        for (what, problem) in &findings {
            writeln!(ctx.shell.out(), "{what}: {problem}")?;
        }
        if findings.is_empty() {
            ctx.shell.status(
                "Verified",
                &format!(
                    "{} modules in the GOPROXY tree `{}` match go.sum and gomodoff.lock",
                    lock.modules.len(),
                    lock.dir
                ),
            )?;
        } else {
            ctx.shell.status(
                "Mismatch",
                &format!(
                    "{} problems in the GOPROXY tree `{}`",
                    findings.len(),
                    lock.dir
                ),
            )?;
        }
    }
    Ok(if findings.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Differs
    })
}

/// Every way the repository differs from what the proxy-mode lock recorded, one line each.
pub fn drift(repo: &Repo) -> Result<Vec<String>> {
    let Some(lock) = &repo.lock else {
        return Ok(vec!["not vendored: there is no gomodoff.lock".into()]);
    };
    let mut out = Vec::new();
    if repo.gomod_text != lock.gomod_after {
        let req = |g: &GoMod| {
            g.requires()
                .into_iter()
                .map(|r| (r.path, r.version))
                .collect::<BTreeMap<_, _>>()
        };
        let then = req(&GoMod::parse(
            "gomodoff.lock (go.mod when vendored)",
            &lock.gomod_after,
        )?);
        let now = req(&repo.gomod()?);
        for (p, v) in &now {
            match then.get(p) {
                Some(old) if old != v => out.push(format!("go.mod: {p} {old} → {v}")),
                Some(_) => {}
                None => out.push(format!("go.mod: requires {p} {v} (new)")),
            }
        }
        for (p, v) in &then {
            if !now.contains_key(p) {
                out.push(format!("go.mod: no longer requires {p} {v}"));
            }
        }
        if out.is_empty() {
            out.push("go.mod: changed since vendoring".into());
        }
    }
    let gosum = repo.gosum_text.clone().unwrap_or_default();
    if fsutil::sha256_hex(gosum.as_bytes()) != lock.gosum_sha256 {
        out.push("go.sum: changed since vendoring".into());
    }
    let tree = repo.root.join(&lock.dir);
    if !tree.join(bundle::MANIFEST_FILE).is_file() {
        out.push(format!("the GOPROXY tree `{}` is missing", lock.dir));
        return Ok(out);
    }
    let mut locked = BTreeSet::new();
    for m in &lock.modules {
        locked.insert(m.dir.clone());
        let mut exts = vec!["mod"];
        if m.tier == Tier::Full {
            exts.push("zip");
        }
        for ext in exts {
            let file = format!("{}.{ext}", m.dir);
            if !tree.join(&file).is_file() {
                out.push(format!(
                    "{}@{}: `{}` is missing",
                    m.path,
                    m.version,
                    Path::new(&lock.dir).join(&file).display()
                ));
            }
        }
    }
    for entry in walkdir::WalkDir::new(&tree)
        .min_depth(1)
        .sort_by_file_name()
    {
        let entry = entry.map_err(std::io::Error::other)?;
        let name = entry.file_name().to_string_lossy();
        if let Some(stem) = name.strip_suffix(".mod") {
            let rel = entry
                .path()
                .parent()
                .and_then(|p| p.strip_prefix(&tree).ok())
                .map(|p| format!("{}/{stem}", p.to_string_lossy().replace('\\', "/")))
                .unwrap_or_default();
            if !locked.contains(&rel) {
                out.push(format!(
                    "extra module `{}` in the tree is not in gomodoff.lock",
                    Path::new(&lock.dir).join(&rel).display()
                ));
            }
        }
    }
    Ok(out)
}
