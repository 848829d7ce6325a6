//! Computing the new `vendor/`: the build list, where each module's files are, the loader run
//! over them, every module it consulted checked against go.sum (and swapped for its zip when the
//! check fails, then computed again), and each file to write with its digest.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

use anyhow::{Result, anyhow};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::listing::{NewFile, owner};
use super::previous::Previous;
use crate::formats::gomod::GoMod;
use crate::formats::gosum::GoSum;
use crate::formats::module::ModuleVersion;
use crate::repo::Repo;
use crate::resolve::graph::{Graph, ResolvedModule};
use crate::resolve::load::{load_graph, load_workspace_graph, main_module};
use crate::resolve::load_packages::{Inputs, ModuleTrees, consulted};
use crate::resolve::scans::ScanCache;
use crate::resolve::vendoring::{VendorTree, VendoringError};
use crate::sources::checked::verified_gomod;
use crate::sources::extract::{Content, ModuleFiles, check_dir};
use crate::sources::goenv::GoSettings;
use crate::sources::modcache::ModuleSource;
use crate::sources::verified;
use crate::util::fsutil;
use crate::util::shell::Shell;

/// The computation's result with what is needed to write it.
pub(super) struct Computed {
    pub(super) inputs: Inputs,
    /// The module graph between selected versions, recorded in the lock for `gomodoff sbom`.
    pub(super) graph: crate::formats::lock::SelectedGraph,
    pub(super) tree: VendorTree,
    pub(super) modules: HashMap<ModuleVersion, ModuleFiles>,
    /// Every file of the new `vendor/`, modules.txt included, with its digest and source.
    pub(super) files: BTreeMap<String, NewFile>,
    pub(super) warnings: Vec<String>,
    /// Wall time of each phase, shown with `-v`.
    pub(super) timings: Timings,
    /// Zips extracted for this run; removed when the command ends.
    pub(super) _temp: Option<tempfile::TempDir>,
}

impl Computed {
    /// What the result was read from outside the repository: the root of every module
    /// directory consulted (not a directory replacement's, which the repository holds or the
    /// no-change record refuses) and every file copied into vendor/, with the stamp it was
    /// copied under when known.
    pub(super) fn read_outside(&self) -> Vec<crate::modes::fresh::Read> {
        let roots = self
            .modules
            .values()
            .filter(|f| matches!(f.content, Content::Module(_)))
            .map(|f| (f.root.clone(), None));
        let sources = self
            .files
            .values()
            .filter_map(|f| Some((f.source.clone()?, f.stamp)));
        roots.chain(sources).collect()
    }
}

/// Wall time per phase, accumulated.
#[derive(Debug, Default)]
pub(super) struct Timings(pub(super) Vec<(&'static str, std::time::Duration)>);

impl Timings {
    pub(super) fn add(&mut self, phase: &'static str, since: std::time::Instant) {
        let d = since.elapsed();
        match self.0.iter_mut().find(|(p, _)| *p == phase) {
            Some((_, total)) => *total += d,
            None => self.0.push((phase, d)),
        }
    }

    /// A phase timed elsewhere.
    pub(super) fn push(&mut self, phase: &'static str, d: std::time::Duration) {
        self.0.push((phase, d));
    }
}

/// What `go mod vendor` writes for `repo`, from module files checked against go.sum. The
/// computation first runs on the unchecked cache directories (fast, and they are usually right);
/// every module it consulted is then checked, and one that fails is swapped for its zip and the
/// computation runs again, so a tampered cache can change nothing.
pub(super) fn compute(
    repo: &Repo,
    src: &dyn ModuleSource,
    settings: &GoSettings,
    shell: &Shell,
) -> Result<Computed> {
    let mut timings = Timings::default();
    let start = std::time::Instant::now();
    let previous = Previous::read(repo)?;
    let gosum = repo.gosum()?;
    let (graph, inputs, mut go_lines) = build_list(repo, src, &gosum, settings)?;
    timings.add("module graph", start);
    let mut run = Run {
        trees: ModuleTrees::new(&repo.root, &graph, &inputs.build_list, src, &gosum),
        gosum: &gosum,
        // Import scans remembered by module content; saved at the end for the modules checked.
        scans: ScanCache::from_env(),
        vouched: HashSet::new(),
        warnings: Vec::new(),
        timings,
        previous,
    };
    run.extract_all_without_trees()?;
    let tree = run.checked_tree(&inputs, shell)?;
    run.save_scans();
    go_lines.check(&tree)?;
    let Run {
        trees,
        warnings,
        mut timings,
        scans,
        vouched,
        previous,
        gosum: _,
    } = run;
    crate::util::drop_aside((scans, vouched, previous));
    let start = std::time::Instant::now();
    let files = new_files(&tree, &trees.modules)?;
    timings.add("file digests", start);
    Ok(Computed {
        inputs,
        graph: graph.selected_graph(),
        tree,
        modules: trees.modules,
        files,
        warnings,
        timings,
        _temp: trees.zips.into_temp(),
    })
}

/// The module graph, the loader's inputs over its build list, and the `go` lines of its modules.
fn build_list(
    repo: &Repo,
    src: &dyn ModuleSource,
    gosum: &GoSum,
    settings: &GoSettings,
) -> Result<(Graph, Inputs, GoVersions)> {
    Ok(match &repo.workspace {
        Some(ws) => {
            let input = crate::resolve::load::workspace_input(ws)?;
            let graph = load_workspace_graph(repo, &input, gosum, src)?;
            let build_list = graph.build_list();
            let mut go = go_versions(repo, src, gosum, &graph, &build_list)?;
            let known = std::mem::take(&mut go.known);
            let inputs = Inputs::workspace(repo, ws, &input, build_list, known, settings)?;
            (graph, inputs, go)
        }
        None => {
            let gomod = repo.gomod()?;
            let main = main_module(&gomod)?;
            let graph = load_graph(repo, &main, gosum, src)?;
            let build_list = graph.build_list();
            let mut go = go_versions(repo, src, gosum, &graph, &build_list)?;
            let known = std::mem::take(&mut go.known);
            let inputs = Inputs::module(repo, &gomod, &main, build_list, known, settings);
            (graph, inputs, go)
        }
    })
}

/// One computation of the tree with its state: where module files are, what was checked.
struct Run<'a> {
    trees: ModuleTrees<'a>,
    gosum: &'a GoSum,
    scans: ScanCache,
    /// Modules vouched for by the previous run's listing (not checked, so no scans saved).
    vouched: HashSet<ModuleVersion>,
    warnings: Vec<String>,
    timings: Timings,
    previous: Option<Previous>,
}

/// What checking one suspect module's directory found.
type CheckResult = (ModuleVersion, Result<Option<verified::Checked>>);

impl Run<'_> {
    /// A source without extracted trees (a proxy tree): every module with a zip line, at once.
    fn extract_all_without_trees(&mut self) -> Result<()> {
        let t = &mut self.trees;
        if t.contents.is_empty() || t.contents.keys().any(|m| t.modules.contains_key(m)) {
            return Ok(());
        }
        let wanted: Vec<(ModuleVersion, ModuleVersion)> = t
            .contents
            .iter()
            .filter(|(_, c)| self.gosum.zip_hash(&c.path, &c.version).is_some())
            .map(|(m, c)| (m.clone(), c.clone()))
            .collect();
        for (m, files) in t.zips.extract_all(&wanted)? {
            t.modules.insert(m, files);
        }
        Ok(())
    }

    /// Compute, check what the result read, swap failed directories for zips, until the result
    /// stands on checked files only.
    fn checked_tree(&mut self, inputs: &Inputs, shell: &Shell) -> Result<VendorTree> {
        loop {
            // The modules to check, and what this computation gave.
            let (suspects, outcome) = match self.attempt(inputs)? {
                Ok(tree) => {
                    let suspects = self.suspects(&tree, &inputs.build_list);
                    if suspects.is_empty() {
                        return Ok(tree);
                    }
                    (suspects, Pending::Tree(tree))
                }
                Err(e) => {
                    // A damaged cache directory could be the cause: check every one used.
                    let suspects = self.unchecked_cache_dirs();
                    if suspects.is_empty() {
                        return Err(anyhow!(e).context("vendoring failed"));
                    }
                    (suspects, Pending::Failed(e))
                }
            };
            let checks = self.check(&suspects, &outcome, shell);
            let replaced = self.swap_for_zips(checks)?;
            match outcome {
                // Every module it read checked out: the result stands as computed.
                Pending::Tree(tree) if !replaced => return Ok(tree),
                Pending::Failed(e) if !replaced => {
                    return Err(anyhow!(e).context("vendoring failed"));
                }
                // A cache directory was swapped for its zip: compute again.
                _ => {}
            }
        }
    }

    /// The loader over the module files as they are now, zips extracted for modules it finds
    /// without files; import scans looked up by each module's go.sum content.
    fn attempt(&mut self, inputs: &Inputs) -> Result<Result<VendorTree, VendoringError>> {
        let (scans, gosum, timings) = (&self.scans, self.gosum, &mut self.timings);
        self.trees.load(|trees| {
            let dirs = trees.dirs();
            for f in trees.modules.values() {
                if let Content::Module(c) = &f.content
                    && let Some(h1) = gosum.zip_hash(&c.path, &c.version)
                {
                    scans.set_root(&f.root, h1);
                }
            }
            let start = std::time::Instant::now();
            let result = inputs.tree(dirs, scans);
            timings.add("packages", start);
            result
        })
    }

    /// The unchecked modules `tree` consulted, less those the previous run vouches for (their
    /// digests taken from it).
    fn suspects(&mut self, tree: &VendorTree, build_list: &[ModuleVersion]) -> Vec<ModuleVersion> {
        let modules = &mut self.trees.modules;
        let mut suspects: Vec<ModuleVersion> = consulted(tree, build_list)
            .into_iter()
            .filter(|m| modules.get(m).is_some_and(|f| !f.checked()))
            .collect();
        if let Some(previous) = &self.previous {
            let start = std::time::Instant::now();
            for (m, digests) in previous.vouch(tree, &suspects, modules, self.gosum) {
                suspects.retain(|s| *s != m);
                self.vouched.insert(m.clone());
                if let Some(f) = modules.get_mut(&m) {
                    f.digests = Some(digests);
                }
            }
            self.timings.add("compare with lock", start);
        }
        suspects
    }

    /// Every unchecked cache directory of a module go.sum has a zip line for.
    fn unchecked_cache_dirs(&self) -> Vec<ModuleVersion> {
        self.trees
            .modules
            .iter()
            .filter(|(_, f)| !f.checked())
            .filter(|(_, f)| match &f.content {
                Content::Module(c) => self.gosum.zip_hash(&c.path, &c.version).is_some(),
                Content::Dir(_) => false,
            })
            .map(|(m, _)| m.clone())
            .collect()
    }

    /// Each suspect's directory checked against go.sum, in parallel.
    fn check(
        &mut self,
        suspects: &[ModuleVersion],
        outcome: &Pending,
        shell: &Shell,
    ) -> Vec<CheckResult> {
        let start = std::time::Instant::now();
        let records = verified::Records::from_env();
        // What the result read of each module's files beyond their listings and the import
        // scans taken by content: the files it copies (checked again when staged). A module with
        // scans read from its files this run is checked in full.
        let used = match outcome {
            Pending::Tree(tree) => used_files(tree, &self.trees.modules),
            Pending::Failed(_) => HashMap::new(),
        };
        let keep_copied_only = matches!(outcome, Pending::Tree(_));
        let (modules, gosum, scans) = (&self.trees.modules, self.gosum, &self.scans);
        let bar = shell.progress(suspects.len() as u64, "modules checked against go.sum");
        let checks = suspects
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
                let copied: HashSet<&str> = used
                    .get(m)
                    .map(|u| u.iter().map(String::as_str).collect())
                    .unwrap_or_default();
                // Once the result is known, only the digests and stamps of the files staging
                // copies are kept: those of the other files are used by nothing after the check
                // (a file staging is asked to copy without a digest is refused, never trusted).
                let keep = keep_copied_only.then_some(&copied);
                let checked = check_dir(&records, &f.root, c, gosum, limited, keep).map(|c| {
                    c.map(|mut c| {
                        // Stamps only for the files staging copies (`keep` saw to it when
                        // there is a result; without one, staging copies nothing).
                        c.stamps.retain(|name, _| copied.contains(name.as_str()));
                        c
                    })
                });
                bar.inc(1);
                (m.clone(), checked)
            })
            .collect();
        bar.finish_and_clear();
        self.timings.add("check module trees", start);
        checks
    }

    /// Records what checked out; a directory that did not is swapped for its zip (its scans
    /// dropped). Whether any was swapped.
    fn swap_for_zips(&mut self, checks: Vec<CheckResult>) -> Result<bool> {
        let mut replaced = false;
        for (m, checked) in checks {
            let trees = &mut self.trees;
            match checked? {
                Some(checked) => {
                    if let Some(f) = trees.modules.get_mut(&m) {
                        f.digests = Some(checked.digests);
                        f.stamps = checked.stamps;
                    }
                }
                None => {
                    let content = trees.contents[&m].clone();
                    if let Some(h1) = self.gosum.zip_hash(&content.path, &content.version) {
                        self.scans.discard(h1);
                    }
                    self.warnings.push(format!(
                        "the module cache's `{}` does not match go.sum; using its zip instead",
                        trees.modules[&m].root.display()
                    ));
                    let files = trees.zips.extract(&content)?;
                    trees.modules.insert(m, files);
                    replaced = true;
                }
            }
        }
        Ok(replaced)
    }

    /// Prunes the records of checked directories, and saves the scans of every module whose
    /// directory (or zip) was checked against go.sum this run.
    fn save_scans(&self) {
        if let Some(base) = verified::cache_dir_from_env() {
            verified::prune_cache(&base, std::time::SystemTime::now());
        }
        self.scans.save(
            self.trees
                .modules
                .iter()
                .filter(|(m, f)| f.digests.is_some() && !self.vouched.contains(*m))
                .filter_map(|(_, f)| match &f.content {
                    Content::Module(c) => self.gosum.zip_hash(&c.path, &c.version),
                    Content::Dir(_) => None,
                }),
        );
    }
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
pub(super) fn go_versions(
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
pub(super) struct GoVersions {
    pub(super) known: HashMap<ModuleVersion, Option<String>>,
    /// Pruned-out modules whose go.mod could not be read (absent from the source, or not what
    /// go.sum says), with why.
    pub(super) unreadable: HashMap<ModuleVersion, anyhow::Error>,
}

impl GoVersions {
    /// The error of the first module (in order) that provides a package of `tree` but whose
    /// go.mod could not be read: go reads it too, and would fail the same way.
    pub(super) fn check(&mut self, tree: &VendorTree) -> Result<()> {
        match tree.packages.keys().find_map(|m| self.unreadable.remove(m)) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// The files `tree` copies from each module-cache module, relative to its root; a module the
/// result only looked into (for an import it did not provide) has an empty list.
pub(super) fn used_files(
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

/// Every file of the new `vendor/` with its digest: the checked digest where the module was
/// checked, else hashed now (directory replacements).
pub(super) fn new_files(
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
                None => fsutil::sha256_file(&f.source)?,
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
