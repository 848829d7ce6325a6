//! `gomodoff vendor`: plan which modules the build needs, verify every one against go.sum, show
//! the change, and apply it as one transaction.
//!
//! Replace mode lays each module out under the tree directory (default `third_party/gomod`) as
//! `<escaped path>@<escaped version>/` and adds one replace directive per module. Modules whose
//! packages are built get their whole tree; modules whose go.mod is only read for version
//! selection get a directory holding just that go.mod. Beside each whole tree a `<tree>.hashes`
//! file keeps the `h1:` summary lines (sha256 and name of every file), so that `verify` can name
//! the file that changed without the module cache; its own SHA-256 is the module's `h1:`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use rayon::prelude::*;

use crate::formats::dirhash;
use crate::formats::gomod::GoMod;
use crate::formats::listing::{hashes_path, hashes_text, tree_name};
use crate::formats::lock::{LockFile, LockedModule, Mode, ReplaceTarget, Tier};
use crate::formats::module::ModuleVersion;
use crate::formats::modzip;
use crate::modes::VendorOptions;
use crate::repo::base_gomod_text;
use crate::repo::{self, Repo};
use crate::resolve::graph::{MainModule, ReplaceTarget as GraphTarget};
use crate::resolve::load::{load_graph, main_module};
use crate::resolve::needs::{Needed, ZipsFor, needs_in_graph, read_set};
use crate::sources::bundle_source as source;
use crate::sources::modcache::ModuleSource;
use crate::txn::open::{check_plan_inside, confirm};
use crate::txn::plan::{self, FileChange, Plan, STAGING_DIR, TreeAdd};
use crate::txn::write_changes;
use crate::util::context::{Context, Outcome};
use crate::util::fsutil;

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

/// Everything `vendor` decided, before anything is written.
pub struct ReplacePlan {
    pub plan: Plan,
    pub lock: LockFile,
    pub summary: Summary,
    /// Modules to extract or write, keyed by tree name.
    work: Vec<Work>,
    /// The file that named the tree directory (or the directory itself, for `--dir` and the
    /// default), for a refusal of a path under it.
    named_in: PathBuf,
}

impl ReplacePlan {
    /// Refuse unless every path the plan changes is inside the repository now (see
    /// [`crate::txn::open::check_plan_inside`]).
    fn check_inside(&self, root: &Path) -> Result<()> {
        check_plan_inside(
            root,
            &self.plan,
            &[(Path::new(&self.lock.dir), self.named_in.as_path())],
        )
    }
}

#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub added: Vec<String>,
    pub updated: Vec<String>,
    pub removed: Vec<String>,
    pub unchanged: usize,
    pub full: usize,
    pub gomod_only: usize,
}

/// The left side of a replace directive: module path and optional version.
type ReplaceKey = (String, Option<String>);

/// One module the build needs, as gomodoff will lay it out.
#[derive(Debug, Clone)]
struct Need {
    /// Content: the module version whose files are laid out (after a user's module replace).
    content: ModuleVersion,
    replace_path: String,
    replace_version: Option<String>,
    displaced: Option<ReplaceTarget>,
    tier: Tier,
    zip_h1: Option<String>,
    gomod: Vec<u8>,
    gomod_h1: String,
    synthesized: bool,
}

struct Work {
    need: Need,
    tree: String,
}

/// Compute the needs from go.mod, go.sum and the module source, and verify them.
pub fn plan_replace(
    repo: &Repo,
    opts: &VendorOptions,
    src: &dyn ModuleSource,
) -> Result<ReplacePlan> {
    let prev = repo.lock.as_ref();
    let modfile = if opts.modfile {
        crate::formats::lock::OFFLINE_MODFILE
    } else {
        prev.map_or("go.mod", |l| l.modfile.as_str())
    }
    .to_string();
    let (dir, named_in) = match (&opts.dir, &repo.config.dir, prev) {
        (Some(d), _, _) => (d.to_string_lossy().replace('\\', "/"), None),
        (None, Some(d), _) => (d.clone(), Some(crate::formats::lock::CONFIG_FILE)),
        (None, None, Some(l)) => (l.dir.clone(), Some(crate::formats::lock::LOCK_FILE)),
        (None, None, None) => (Mode::Replace.default_dir().to_string(), None),
    };
    repo::check_tree_dir(&repo.root, Mode::Replace, &dir, named_in)?;
    if let Some(l) = prev
        && l.dir != dir
    {
        bail!(
            "modules are laid out in `{}` (gomodoff.lock); run `gomodoff restore` before moving them to `{dir}`",
            l.dir
        );
    }

    // go.mod without gomodoff's own lines: what the user wrote.
    let base_text = base_gomod_text(repo)?;
    let base = GoMod::parse("go.mod", &base_text)?;
    let gosum = repo.gosum()?;
    let main = main_module(&base)?;
    let graph = load_graph(repo, &main, &gosum, src)?;

    let read = read_set(repo, Some(&base), &gosum, &graph, src, ZipsFor::Providers)?;
    let needed = needs_in_graph(&graph, &gosum, src, &repo.config.exclude, read.as_ref())?;
    let needs = collect_needs(&main, needed);
    let mut needs: Vec<Need> = needs.into_values().collect();
    needs.sort_by(|a, b| {
        (&a.replace_path, &a.replace_version).cmp(&(&b.replace_path, &b.replace_version))
    });

    // go.mod with gomodoff's replaces.
    let mut edited = base.clone();
    for n in &needs {
        let tree = tree_name(&n.content)?;
        edited.add_replace(
            &n.replace_path,
            n.replace_version.as_deref(),
            &repo::replace_target(&dir, &tree),
            None,
        )?;
    }
    let new_modfile_text = edited.to_string();

    // What changes on disk.
    let prev_modules: BTreeMap<String, &LockedModule> = prev
        .map(|l| l.modules.iter().map(|m| (m.dir.clone(), m)).collect())
        .unwrap_or_default();
    let mut summary = Summary::default();
    let mut work = Vec::new();
    let mut plan = Plan {
        staging: Some(PathBuf::from(STAGING_DIR)),
        ..Plan::default()
    };
    let mut locked = Vec::new();
    let mut wanted_trees = BTreeSet::new();
    for n in needs {
        let tree = tree_name(&n.content)?;
        wanted_trees.insert(tree.clone());
        let entry = LockedModule {
            path: n.content.path.clone(),
            version: n.content.version.clone(),
            tier: n.tier,
            dir: tree.clone(),
            zip_h1: n.zip_h1.clone(),
            gomod_h1: n.gomod_h1.clone(),
            origin: src.kind().to_string(),
            replace_path: n.replace_path.clone(),
            replace_version: n.replace_version.clone(),
            displaced: n.displaced.clone(),
            synthesized_gomod: n
                .synthesized
                .then(|| String::from_utf8_lossy(&n.gomod).into_owned()),
            vendor_h1: None,
        };
        match n.tier {
            Tier::Full => summary.full += 1,
            Tier::GoMod => summary.gomod_only += 1,
        }
        let target = Path::new(&dir).join(&tree);
        // A tree kept as it is must be the repository's own too: a symbolic link to a copy
        // elsewhere would have go build from outside the repository.
        for p in [target.clone(), hashes_path(&target)] {
            fsutil::inside(&repo.root, &p, Path::new(named_in.unwrap_or(&dir)))?;
        }
        let present = repo.root.join(&target).is_dir();
        match prev_modules.get(&tree) {
            Some(old)
                if old.tier == n.tier
                    && old.zip_h1 == n.zip_h1
                    && old.gomod_h1 == n.gomod_h1
                    && present =>
            {
                summary.unchanged += 1;
                // Keep the origin the tree really came from.
                locked.push(LockedModule {
                    origin: old.origin.clone(),
                    synthesized_gomod: old.synthesized_gomod.clone(),
                    ..entry
                });
                continue;
            }
            Some(_) => summary.updated.push(n.content.to_string()),
            None => summary.added.push(n.content.to_string()),
        }
        if present {
            plan.tree_removes.push(target.clone());
            let h = hashes_path(&target);
            if repo.root.join(&h).exists() {
                plan.tree_removes.push(h);
            }
        }
        locked.push(entry);
        work.push(Work { need: n, tree });
    }
    for (tree, old) in &prev_modules {
        if !wanted_trees.contains(tree) {
            summary
                .removed
                .push(format!("{}@{}", old.path, old.version));
            let target = Path::new(&dir).join(tree);
            if repo.root.join(&target).exists() {
                plan.tree_removes.push(target.clone());
            }
            let h = hashes_path(&target);
            if repo.root.join(&h).exists() {
                plan.tree_removes.push(h);
            }
        }
    }

    let current_modfile = if modfile == "go.mod" {
        Some(repo.gomod_text.clone())
    } else {
        fsutil::read_optional(&repo.root.join(&modfile))?
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    let gosum_bytes = repo.gosum_text.clone().unwrap_or_default();
    let lock = LockFile {
        mode: Mode::Replace,
        dir: dir.clone(),
        modfile: modfile.clone(),
        gomod_before: base_text.clone(),
        gomod_after: new_modfile_text.clone(),
        gosum_sha256: fsutil::sha256_hex(gosum_bytes.as_bytes()),
        modules: locked,
        vendor: None,
    };
    plan.files.push(FileChange {
        path: PathBuf::from(&modfile),
        before: current_modfile.map(String::into_bytes),
        after: Some(new_modfile_text.into_bytes()),
        show_diff: true,
    });
    if modfile != "go.mod" {
        let sum_name = modfile.trim_end_matches(".mod").to_string() + ".sum";
        plan.files.push(FileChange {
            path: PathBuf::from(&sum_name),
            before: fsutil::read_optional(&repo.root.join(&sum_name))?,
            after: Some(gosum_bytes.into_bytes()),
            show_diff: false,
        });
    }
    let lock_text = lock.render();
    let prev_lock_bytes = fsutil::read_optional(&repo.root.join(crate::formats::lock::LOCK_FILE))?;
    plan.files.push(FileChange {
        path: PathBuf::from(crate::formats::lock::LOCK_FILE),
        before: prev_lock_bytes,
        after: Some(lock_text.into_bytes()),
        show_diff: false,
    });
    // What the plan is made from, besides the files it rewrites: refused at apply time if it
    // changed meanwhile.
    plan.add_inputs(repo.inputs());
    for w in &work {
        let target = Path::new(&dir).join(&w.tree);
        plan.tree_adds.push(TreeAdd {
            staged: Path::new(STAGING_DIR).join(&w.tree),
            target: target.clone(),
        });
        if w.need.tier == Tier::Full {
            plan.tree_adds.push(TreeAdd {
                staged: hashes_path(&Path::new(STAGING_DIR).join(&w.tree)),
                target: hashes_path(&target),
            });
        }
    }
    let planned = ReplacePlan {
        plan,
        lock,
        summary,
        work,
        named_in: PathBuf::from(named_in.unwrap_or(&dir)),
    };
    // Refused now, before modules are extracted, and again right before the plan is applied.
    planned.check_inside(&repo.root)?;
    Ok(planned)
}

/// The needs keyed by the replace directive gomodoff writes for each.
fn collect_needs(main: &MainModule, needed: Vec<Needed>) -> BTreeMap<ReplaceKey, Need> {
    let mut needs: BTreeMap<ReplaceKey, Need> = BTreeMap::new();
    for n in needed {
        // A module of the build list that go never reads a go.mod of, and go.sum has no line
        // for: go looks up only its version (`.info`). A directory replacement answers that
        // lookup offline; its go.mod is a placeholder naming the module.
        let (gomod, synthesized) = match &n.gomod {
            Some(g) => (g.clone(), false),
            None => (format!("module {}\n", n.content.path).into_bytes(), true),
        };
        for orig in &n.required_as {
            let rule = main
                .replaces
                .iter()
                .find(|r| {
                    r.old_path == orig.path
                        && r.old_version.as_deref() == Some(orig.version.as_str())
                })
                .or_else(|| {
                    main.replaces
                        .iter()
                        .find(|r| r.old_path == orig.path && r.old_version.is_none())
                });
            let (replace_path, replace_version, displaced) = match rule {
                Some(r) => match &r.target {
                    GraphTarget::Module(t) => (
                        r.old_path.clone(),
                        r.old_version.clone(),
                        Some(ReplaceTarget {
                            path: t.path.clone(),
                            version: Some(t.version.clone()),
                        }),
                    ),
                    GraphTarget::Dir(_) => continue,
                },
                None => (orig.path.clone(), Some(orig.version.clone()), None),
            };
            let key = (replace_path.clone(), replace_version.clone());
            let need = needs.entry(key).or_insert_with(|| Need {
                content: n.content.clone(),
                replace_path,
                replace_version,
                displaced,
                tier: n.tier,
                zip_h1: n.zip_h1.clone(),
                gomod_h1: dirhash::hash_gomod(&gomod),
                gomod: gomod.clone(),
                synthesized,
            });
            if n.tier == Tier::Full {
                need.tier = Tier::Full;
                need.zip_h1 = n.zip_h1.clone();
            }
        }
    }
    needs
}

/// Extract and verify every module to write into the staging directory; the plan's tree adds
/// point there.
fn stage(
    repo_root: &Path,
    src: &dyn ModuleSource,
    work: &mut [Work],
    lock: &mut LockFile,
    bar: &indicatif::ProgressBar,
) -> Result<u64> {
    let staging = repo_root.join(STAGING_DIR);
    fsutil::remove_dir_all_if_exists(&staging)
        .with_context(|| format!("failed to clear `{}`", staging.display()))?;
    fs::create_dir_all(&staging)
        .with_context(|| format!("failed to create `{}`", staging.display()))?;
    let results: Vec<Result<(usize, bool, u64)>> = work
        .par_iter()
        .enumerate()
        .map(|(i, w)| {
            let dest = staging.join(&w.tree);
            if let Some(parent) = dest.parent() {
                create_dir_all(parent)?;
            }
            let n = &w.need;
            let _step = Step(bar);
            match n.tier {
                Tier::GoMod => {
                    create_dir_all(&dest)?;
                    write(&dest.join("go.mod"), &n.gomod)?;
                    Ok((i, n.synthesized, n.gomod.len() as u64))
                }
                Tier::Full => {
                    let want = n.zip_h1.as_deref().ok_or_else(|| anyhow!("no go.sum line for `{}`", n.content))?;
                    let zip = src.zip_path(&n.content)?;
                    plan::fault_point("extract")?;
                    // One pass: the extraction hashes what it writes, so the tree's `h1:` is
                    // known without reading the zip or the tree again. A mismatch removes the
                    // staged tree with everything else in staging; nothing outside it was touched.
                    let entries = modzip::extract_zip(&zip, &n.content, &dest)?;
                    let bytes: u64 = entries.iter().map(|e| e.size).sum();
                    let digests: BTreeMap<String, [u8; 32]> =
                        entries.iter().filter_map(|e| Some((e.name.clone(), e.sha256?))).collect();
                    let got = dirhash::hash1_prefixed(&n.content.to_string(), &digests)?;
                    if got != want {
                        // A zip with directory entries hashes differently from its files alone:
                        // then the zip itself decides.
                        let zip_h1 = dirhash::hash_zip(&zip).with_context(|| format!("failed to hash `{}`", zip.display()))?;
                        if zip_h1 != want {
                            bail!(
                                "checksum mismatch for `{}`\n  go.sum: {want}\n  {} (`{}`): {zip_h1}\nhint: the zip is not the one go.sum recorded; remove it from the source and download it again (or check go.sum)",
                                n.content,
                                src.describe(),
                                zip.display()
                            );
                        }
                    }
                    let lines = hashes_text(&n.content, &digests);
                    write(&hashes_path(&dest), lines.as_bytes())?;
                    let synthesized = !dest.join("go.mod").exists();
                    if synthesized {
                        write(&dest.join("go.mod"), &n.gomod)?;
                    }
                    Ok((i, synthesized, bytes))
                }
            }
        })
        .collect();
    let mut total = 0;
    for r in results {
        let (i, synthesized, bytes) = r?;
        total += bytes;
        if synthesized {
            let w = &work[i];
            let text = String::from_utf8_lossy(&w.need.gomod).into_owned();
            if let Some(m) = lock.modules.iter_mut().find(|m| m.dir == w.tree) {
                m.synthesized_gomod = Some(text);
            }
        } else if let Some(m) = lock.modules.iter_mut().find(|m| m.dir == work[i].tree) {
            m.synthesized_gomod = None;
        }
    }
    Ok(total)
}

/// `fs::create_dir_all`, naming the directory in the error (a full disk says which write failed).
fn create_dir_all(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("failed to create `{}`", dir.display()))
}

/// `fs::write`, naming the file in the error.
fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    fs::write(path, bytes).with_context(|| format!("failed to write `{}`", path.display()))
}

/// Advances a progress bar by one when dropped, however the step ends.
struct Step<'a>(&'a indicatif::ProgressBar);

impl Drop for Step<'_> {
    fn drop(&mut self) {
        self.0.inc(1);
    }
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
    print_summary(ctx, &planned.summary, &planned.lock.dir)?;
    if !confirm(ctx, opts.dry_run, opts.yes, "apply")? {
        return Ok(Outcome::Ok);
    }
    let src = source::open(ctx)?;
    ctx.shell.status(
        "Extracting",
        &format!("{} modules into `{}`", planned.work.len(), planned.lock.dir),
    )?;
    let bar = ctx.shell.progress(planned.work.len() as u64, "modules");
    let staged = stage(
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
        .find(|f| f.path == Path::new(crate::formats::lock::LOCK_FILE))
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

fn print_summary(ctx: &mut Context, s: &Summary, dir: &str) -> Result<()> {
    let out = ctx.shell.preview();
    writeln!(
        out,
        "{} modules in `{dir}` ({} whole trees, {} go.mod only): {} added, {} updated, {} removed, {} unchanged",
        s.full + s.gomod_only,
        s.full,
        s.gomod_only,
        s.added.len(),
        s.updated.len(),
        s.removed.len(),
        s.unchanged
    )?;
    write_changes(out, &s.added, &s.updated, &s.removed)
}
