//! What replace mode's `vendor` will change, before anything is written: the tree directory and
//! modfile, the modules the build needs (from the module graph), the go.mod with gomodoff's
//! replace directives, and the trees to add, replace and remove against the previous lock.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::formats::dirhash;
use crate::formats::gomod::GoMod;
use crate::formats::listing::{OMITTED_HEADER, hashes_path, tree_name};
use crate::formats::lock::{
    LOCK_FILE, LockFile, LockedModule, Mode, OFFLINE_MODFILE, ReplaceTarget, Tier,
};
use crate::formats::module::ModuleVersion;
use crate::formats::modzip;
use crate::modes::{VendorOptions, chosen_dir};
use crate::repo::{self, Repo, base_gomod_text};
use crate::resolve::graph::{MainModule, ReplaceTarget as GraphTarget};
use crate::resolve::load::{load_graph, main_module};
use crate::resolve::load_packages::Selection;
use crate::resolve::needs::{Needed, ZipsFor, needs_in_graph, read_set};
use crate::sources::modcache::ModuleSource;
use crate::txn::open::check_plan_inside;
use crate::txn::plan::{FileChange, Plan, STAGING_DIR, TreeAdd};
use crate::txn::{Entry, Size, Summary};
use crate::util::fsutil;

use super::slim;

/// Everything `vendor` decided, before anything is written.
pub(crate) struct ReplacePlan {
    pub plan: Plan,
    pub lock: LockFile,
    pub summary: Summary,
    /// Modules to extract or write, keyed by tree name.
    pub(super) work: Vec<Work>,
    /// The file that named the tree directory (or the directory itself, for `--dir` and the
    /// default), for a refusal of a path under it.
    named_in: PathBuf,
    /// What the module trees are, for the preview: `slim`, `whole`, or (some of each) `module`.
    pub(super) trees: &'static str,
}

impl ReplacePlan {
    /// The tree directory and the file that named it (see [`crate::txn::Change::named_dirs`]).
    pub(super) fn named_dirs(&self) -> Vec<(PathBuf, PathBuf)> {
        vec![(PathBuf::from(&self.lock.dir), self.named_in.clone())]
    }

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

/// The left side of a replace directive: module path and optional version.
type ReplaceKey = (String, Option<String>);

/// One module the build needs, as gomodoff will lay it out.
#[derive(Debug, Clone)]
pub(super) struct Need {
    /// Content: the module version whose files are laid out (after a user's module replace).
    pub content: ModuleVersion,
    replace_path: String,
    replace_version: Option<String>,
    displaced: Option<ReplaceTarget>,
    pub tier: Tier,
    pub zip_h1: Option<String>,
    pub gomod: Vec<u8>,
    gomod_h1: String,
    pub synthesized: bool,
    /// What a slim tree keeps of a whole module; `None`: the whole module.
    pub selection: Option<Selection>,
}

impl Need {
    /// Whether its tree keeps the module file `name`: every file of a whole tree, what
    /// [`slim::keep`] keeps of a slim one.
    pub(super) fn keeps(&self, name: &str) -> bool {
        self.selection.as_ref().is_none_or(|s| slim::keep(s, name))
    }
}

/// One module to extract (or write the go.mod of) into its tree.
pub(super) struct Work {
    pub need: Need,
    pub tree: String,
    /// What laying it out writes (the tree, and its `<tree>.hashes`), from [`tree_size`].
    pub size: Size,
}

/// What laying `n` out writes, known before anything is extracted: the files a tree keeps of
/// its zip ([`slim::keep`]; all of them for a whole tree) as the zip's central directory declares
/// them (their count and uncompressed sizes, which extraction enforces) plus its `<tree>.hashes`
/// listing; a go.mod only tree, its go.mod. A zip that cannot be read counts for nothing here;
/// staging reports why.
fn tree_size(n: &Need, src: &dyn ModuleSource) -> Size {
    match n.tier {
        Tier::GoMod => Size::new(1, n.gomod.len() as u64),
        Tier::Full => {
            let Ok(entries) = src
                .zip_path(&n.content)
                .map_err(anyhow::Error::from)
                .and_then(|zip| Ok(modzip::check_zip(&zip, &n.content)?))
            else {
                return Size::default();
            };
            let keep = |name: &str| n.keeps(name);
            let prefix = n.content.path.len() + 1 + n.content.version.len() + 1;
            let kept: Vec<_> = entries.iter().filter(|e| keep(&e.name)).collect();
            let files: u64 = kept.iter().map(|e| e.size).sum();
            // `<sha256>  <path>@<version>/<file>` per file of the module, then the header and
            // `<path>@<version>/<file>` per file left out.
            let mut listing: usize = entries
                .iter()
                .map(|e| 64 + 2 + prefix + e.name.len() + 1)
                .sum();
            if kept.len() < entries.len() {
                listing += OMITTED_HEADER.len() + 1;
                listing += entries
                    .iter()
                    .filter(|e| !keep(&e.name))
                    .map(|e| prefix + e.name.len() + 1)
                    .sum::<usize>();
            }
            let mut size = Size::new(kept.len() as u64 + 1, files + listing as u64);
            // A zip without a go.mod gets the one go would synthesise.
            if !entries.iter().any(|e| e.name == "go.mod") {
                size.add(Size::new(1, n.gomod.len() as u64));
            }
            size
        }
    }
}

/// Where the trees go and which file gomodoff writes its replace directives to.
struct Layout {
    dir: String,
    /// The file that named `dir` (`gomodoff.toml`, `gomodoff.lock`); `None` for `--dir` and the
    /// default.
    named_in: Option<&'static str>,
    modfile: String,
}

impl Layout {
    /// What a refusal of a path under the tree directory names.
    fn named_in(&self) -> &str {
        self.named_in.unwrap_or(&self.dir)
    }
}

/// Compute the needs from go.mod, go.sum and the module source, and verify them.
pub(crate) fn plan_replace(
    repo: &Repo,
    opts: &VendorOptions,
    src: &dyn ModuleSource,
) -> Result<ReplacePlan> {
    let layout = layout(repo, opts)?;
    // go.mod without gomodoff's own lines: what the user wrote.
    let base_text = base_gomod_text(repo)?;
    let base = GoMod::parse("go.mod", &base_text)?;
    let whole = opts.whole || repo.config.whole_trees;
    let needs = load_needs(repo, &base, src, whole)?;
    let full = needs.iter().filter(|n| n.tier == Tier::Full);
    let trees = match (
        full.clone().any(|n| n.selection.is_some()),
        full.clone().any(|n| n.selection.is_none()),
    ) {
        (true, false) => "slim",
        (false, _) => "whole",
        (true, true) => "module",
    };
    let new_modfile_text = edited_modfile(&base, &needs, &layout.dir)?;
    let diff = diff_trees(repo, &layout, needs, src)?;
    let mut plan = diff.plan;
    let gosum_bytes = repo.gosum_text.clone().unwrap_or_default();
    let lock = LockFile {
        mode: Mode::Replace,
        dir: layout.dir.clone(),
        modfile: layout.modfile.clone(),
        gomod_before: base_text,
        gomod_after: new_modfile_text.clone(),
        gosum_sha256: fsutil::sha256_hex(gosum_bytes.as_bytes()),
        modules: diff.locked,
        vendor: None,
        graph: None,
    };
    push_file_changes(&mut plan, repo, &layout.modfile, new_modfile_text, &lock)?;
    // What the plan is made from, besides the files it rewrites: refused at apply time if it
    // changed meanwhile.
    plan.add_inputs(repo.inputs());
    push_tree_adds(&mut plan, &layout.dir, &diff.work);
    let planned = ReplacePlan {
        plan,
        lock,
        summary: diff.summary,
        work: diff.work,
        named_in: PathBuf::from(layout.named_in()),
        trees,
    };
    // Refused now, before modules are extracted, and again right before the plan is applied.
    planned.check_inside(&repo.root)?;
    Ok(planned)
}

/// The modfile (`--modfile`, else the lock's, else go.mod) and the tree directory
/// ([`chosen_dir`]), refused unless replace mode may lay trees out there and it is where the
/// lock's trees are.
fn layout(repo: &Repo, opts: &VendorOptions) -> Result<Layout> {
    let prev = repo.lock.as_ref();
    let modfile = if opts.modfile {
        OFFLINE_MODFILE
    } else {
        prev.map_or("go.mod", |l| l.modfile.as_str())
    }
    .to_string();
    let (dir, named_in) = chosen_dir(Mode::Replace, opts.dir.as_deref(), &repo.config, prev);
    repo::check_tree_dir(&repo.root, Mode::Replace, &dir, named_in)?;
    if let Some(l) = prev
        && l.dir != dir
    {
        bail!(
            "modules are laid out in `{}` (gomodoff.lock); run `gomodoff restore` before moving them to `{dir}`",
            l.dir
        );
    }
    Ok(Layout {
        dir,
        named_in,
        modfile,
    })
}

/// The modules the build needs, from the module graph of `base` (checked against go.sum), in
/// the order of their replace directives.
/// A module whose packages are built keeps only what the build reads of it ([`slim`]) unless
/// `whole` asks for whole trees, or the packages could not be loaded (one module of a wider
/// workspace).
fn load_needs(repo: &Repo, base: &GoMod, src: &dyn ModuleSource, whole: bool) -> Result<Vec<Need>> {
    let gosum = repo.gosum()?;
    let main = main_module(base)?;
    let graph = load_graph(repo, &main, &gosum, src)?;
    let read = read_set(repo, Some(base), &gosum, &graph, src, ZipsFor::Providers)?;
    let modules = read.as_ref().map(|r| &r.modules);
    let needed = needs_in_graph(&graph, &gosum, src, &repo.config.exclude, modules)?;
    let selections = read.filter(|_| !whole).map(|r| r.selections);
    let mut needs: Vec<Need> = collect_needs(&main, needed, selections.as_ref())
        .into_values()
        .collect();
    needs.sort_by(|a, b| {
        (&a.replace_path, &a.replace_version).cmp(&(&b.replace_path, &b.replace_version))
    });
    Ok(needs)
}

/// `base` with gomodoff's replace directives, one per need.
fn edited_modfile(base: &GoMod, needs: &[Need], dir: &str) -> Result<String> {
    let mut edited = base.clone();
    let targets: Vec<String> = needs
        .iter()
        .map(|n| Ok(repo::replace_target(dir, &tree_name(&n.content)?)))
        .collect::<Result<_>>()?;
    edited.add_replaces(needs.iter().zip(&targets).map(|(n, target)| {
        (
            n.replace_path.as_str(),
            n.replace_version.as_deref(),
            target.as_str(),
            None,
        )
    }))?;
    Ok(edited.to_string())
}

/// The needs keyed by the replace directive gomodoff writes for each; a whole module's
/// selection is what the build reads of it as every module it is required as.
fn collect_needs(
    main: &MainModule,
    needed: Vec<Needed>,
    selections: Option<&BTreeMap<ModuleVersion, Selection>>,
) -> BTreeMap<ReplaceKey, Need> {
    let mut needs: BTreeMap<ReplaceKey, Need> = BTreeMap::new();
    for n in needed {
        let selection = selections.and_then(|all| {
            let found: Vec<&Selection> = n.required_as.iter().filter_map(|o| all.get(o)).collect();
            (!found.is_empty()).then(|| {
                let mut merged = Selection::default();
                found.iter().for_each(|s| merged.merge(s));
                merged
            })
        });
        // A module of the build list that go never reads a go.mod of, and go.sum has no line
        // for: go looks up only its version (`.info`). A directory replacement answers that
        // lookup offline; its go.mod is a placeholder naming the module.
        let (gomod, synthesized) = match &n.gomod {
            Some(g) => (g.clone(), false),
            None => (format!("module {}\n", n.content.path).into_bytes(), true),
        };
        for orig in &n.required_as {
            let Some((replace_path, replace_version, displaced)) = replace_key(main, orig) else {
                continue;
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
                selection: None,
            });
            if n.tier == Tier::Full {
                need.tier = Tier::Full;
                need.zip_h1 = n.zip_h1.clone();
                need.selection = selection.clone();
            }
        }
    }
    needs
}

/// The replace directive gomodoff writes for a module required as `orig`: its left side, and
/// the user's module replacement it displaces (the version-specific rule first, then the
/// path-wide one). `None` when the user replaced it by a directory: go reads that directory.
fn replace_key(
    main: &MainModule,
    orig: &ModuleVersion,
) -> Option<(String, Option<String>, Option<ReplaceTarget>)> {
    let rule = main
        .replaces
        .iter()
        .find(|r| {
            r.old_path == orig.path && r.old_version.as_deref() == Some(orig.version.as_str())
        })
        .or_else(|| {
            main.replaces
                .iter()
                .find(|r| r.old_path == orig.path && r.old_version.is_none())
        });
    match rule {
        Some(r) => match &r.target {
            GraphTarget::Module(t) => Some((
                r.old_path.clone(),
                r.old_version.clone(),
                Some(ReplaceTarget {
                    path: t.path.clone(),
                    version: Some(t.version.clone()),
                }),
            )),
            GraphTarget::Dir(_) => None,
        },
        None => Some((orig.path.clone(), Some(orig.version.clone()), None)),
    }
}

/// The needs against the previous lock and the disk.
struct TreeDiff {
    /// Staging set, tree removes only (the adds follow from `work`).
    plan: Plan,
    summary: Summary,
    work: Vec<Work>,
    locked: Vec<LockedModule>,
}

/// Which trees are kept, (re)written or removed: a tree is kept when the lock laid out the same
/// content and it is still there.
fn diff_trees(
    repo: &Repo,
    layout: &Layout,
    needs: Vec<Need>,
    src: &dyn ModuleSource,
) -> Result<TreeDiff> {
    let prev_modules: BTreeMap<String, &LockedModule> = repo
        .lock
        .as_ref()
        .map(|l| l.modules.iter().map(|m| (m.dir.clone(), m)).collect())
        .unwrap_or_default();
    let mut diff = TreeDiff {
        plan: Plan {
            staging: Some(PathBuf::from(STAGING_DIR)),
            ..Plan::default()
        },
        summary: Summary::default(),
        work: Vec::new(),
        locked: Vec::new(),
    };
    let mut wanted_trees = BTreeSet::new();
    for n in needs {
        let tree = tree_name(&n.content)?;
        wanted_trees.insert(tree.clone());
        let prev = prev_modules.get(&tree).copied();
        diff.add(repo, layout, prev, n, tree, src)?;
    }
    for (tree, old) in &prev_modules {
        if !wanted_trees.contains(tree) {
            let removed = format!("{}@{}", old.path, old.version);
            let entry = Entry::of(&old.path, Some(&old.version), removed);
            diff.summary.removed.push(entry);
            let target = Path::new(&layout.dir).join(tree);
            push_remove_if_exists(&mut diff.plan, &repo.root, target.clone());
            push_remove_if_exists(&mut diff.plan, &repo.root, hashes_path(&target));
        }
    }
    diff.summary.remove = Size::of_trees(&repo.root, &diff.plan.tree_removes);
    Ok(diff)
}

/// A module's line in the preview: `path@version`, and what is laid out.
fn entry(n: &Need, size: Size) -> Entry {
    Entry::of_module(
        &n.content,
        match n.tier {
            Tier::Full if n.selection.is_some() => format!("{}: slim tree, {size}", n.content),
            Tier::Full => format!("{}: whole tree, {size}", n.content),
            Tier::GoMod => format!("{}: go.mod only", n.content),
        },
    )
}

impl TreeDiff {
    /// One need laid out as `tree`, against the lock's entry for that tree (`prev`).
    fn add(
        &mut self,
        repo: &Repo,
        layout: &Layout,
        prev: Option<&LockedModule>,
        n: Need,
        tree: String,
        src: &dyn ModuleSource,
    ) -> Result<()> {
        let locked = lock_entry(&n, &tree, src);
        match n.tier {
            Tier::Full => self.summary.full += 1,
            Tier::GoMod => self.summary.gomod_only += 1,
        }
        let target = Path::new(&layout.dir).join(&tree);
        // A tree kept as it is must be the repository's own too: a symbolic link to a copy
        // elsewhere would have go build from outside the repository.
        for p in [target.clone(), hashes_path(&target)] {
            fsutil::inside(&repo.root, &p, Path::new(layout.named_in()))?;
        }
        let present = repo.root.join(&target).is_dir();
        if let Some(old) = prev
            && old.tier == n.tier
            && old.zip_h1 == n.zip_h1
            && old.gomod_h1 == n.gomod_h1
            && old.slim == locked.slim
            && present
        {
            self.summary
                .unchanged
                .push(Entry::of_module(&n.content, n.content.to_string()));
            // Keep the origin the tree really came from.
            self.locked.push(LockedModule {
                origin: old.origin.clone(),
                synthesized_gomod: old.synthesized_gomod.clone(),
                omitted_sha256: old.omitted_sha256.clone(),
                ..locked
            });
            return Ok(());
        }
        let size = tree_size(&n, src);
        match prev {
            Some(old) => {
                let e = entry(&n, size).was(Some(&old.version));
                self.summary.updated.push(e);
            }
            None => self.summary.added.push(entry(&n, size)),
        }
        self.summary.write.add(size);
        if present {
            self.plan.tree_removes.push(target.clone());
            push_remove_if_exists(&mut self.plan, &repo.root, hashes_path(&target));
        }
        self.locked.push(locked);
        self.work.push(Work {
            need: n,
            tree,
            size,
        });
        Ok(())
    }
}

/// The lock's entry for a need laid out as `tree`.
fn lock_entry(n: &Need, tree: &str, src: &dyn ModuleSource) -> LockedModule {
    LockedModule {
        path: n.content.path.clone(),
        version: n.content.version.clone(),
        tier: n.tier,
        dir: tree.to_string(),
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
        slim: n.selection.as_ref().map(slim::digest),
        omitted_sha256: None,
    }
}

fn push_remove_if_exists(plan: &mut Plan, root: &Path, rel: PathBuf) {
    if root.join(&rel).exists() {
        plan.tree_removes.push(rel);
    }
}

/// The modfile with gomodoff's replaces, its go.sum when it is not go.mod, and the lock.
fn push_file_changes(
    plan: &mut Plan,
    repo: &Repo,
    modfile: &str,
    new_modfile_text: String,
    lock: &LockFile,
) -> Result<()> {
    let current_modfile = if modfile == "go.mod" {
        Some(repo.gomod_text.clone())
    } else {
        fsutil::read_optional(&repo.root.join(modfile))?
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    plan.files.push(FileChange {
        path: PathBuf::from(modfile),
        before: current_modfile.map(String::into_bytes),
        after: Some(new_modfile_text.into_bytes()),
        show_diff: true,
    });
    if modfile != "go.mod" {
        let sum_name = modfile.trim_end_matches(".mod").to_string() + ".sum";
        plan.files.push(FileChange {
            path: PathBuf::from(&sum_name),
            before: fsutil::read_optional(&repo.root.join(&sum_name))?,
            after: Some(repo.gosum_text.clone().unwrap_or_default().into_bytes()),
            show_diff: false,
        });
    }
    plan.files.push(FileChange {
        path: PathBuf::from(LOCK_FILE),
        before: fsutil::read_optional(&repo.root.join(LOCK_FILE))?,
        after: Some(lock.render().into_bytes()),
        show_diff: false,
    });
    Ok(())
}

/// Each staged tree (and the `<tree>.hashes` of a whole one) renamed into the tree directory.
fn push_tree_adds(plan: &mut Plan, dir: &str, work: &[Work]) {
    for w in work {
        let target = Path::new(dir).join(&w.tree);
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
}
