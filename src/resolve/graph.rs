//! The go command's module graph: which module versions a build selects (the build list, what
//! `go list -m all` prints) and which go.mod files the go command reads to get there.
//!
//! An offline build fails as soon as the go command misses one go.mod file, including go.mod files
//! of versions that are *not* selected (they only appear in go.sum as `/go.mod` lines), so this
//! module reproduces `cmd/go/internal/modload` (`readModGraph`, `goModSummary`) exactly rather
//! than approximating MVS:
//!
//! - The main module's requirements, minus excluded versions, are the roots. Its `go` line (1.16
//!   when missing) chooses the pruning: below 1.17 the whole transitive graph is loaded
//!   (*unpruned*); from 1.17 on only the go.mod of each root is read, and a module's own
//!   requirements are followed further only when that module's go.mod is below 1.17 or has no
//!   `go` line (*pruned*). A module reached once through a pruned and once through an unpruned
//!   path is followed as unpruned.
//! - Every go.mod read contributes its requirements to version selection (the highest version of
//!   each path wins), minus requirements on versions the main module excludes (dropped, not bumped
//!   to the next version).
//! - `replace` changes where a module version's go.mod comes from (exact `path version` rules win
//!   over path-only rules); the graph keeps the original path and version.
//! - The main module is always selected over any version of its own path, but go.mod files of
//!   other versions of the main module's path are read like any other.
//!
//! The go.mod files themselves are read by the caller through [`SummaryLoader`]; this module
//! never touches the file system, and knows nothing of the go.mod syntax.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::formats::gover;
use crate::formats::module::ModuleVersion;
/// A module path and version, e.g. `golang.org/x/text` `v0.3.0`.
pub use crate::util::fsutil::{clean_path, relative_path};

/// What the graph needs from one go.mod file (a dependency's, or a replacement directory's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModSummary {
    /// The `module` line; `None` when the file has none.
    pub module_path: Option<String>,
    /// The `go` line; `None` when the file has none (such a module is never pruned).
    pub go_version: Option<String>,
    /// Every `require`, direct and `// indirect` alike.
    pub requires: Vec<ModuleVersion>,
}

impl From<&crate::formats::gomod::GoMod> for ModSummary {
    fn from(g: &crate::formats::gomod::GoMod) -> ModSummary {
        ModSummary {
            module_path: g.module_path().map(str::to_string),
            go_version: g.go_version().map(str::to_string),
            requires: g
                .requires()
                .into_iter()
                .map(|r| ModuleVersion {
                    path: r.path,
                    version: r.version,
                })
                .collect(),
        }
    }
}

/// The main module's go.mod, as far as the graph is concerned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MainModule {
    pub path: String,
    /// The `go` line; `None` means go 1.16, as the go command assumes.
    pub go_version: Option<String>,
    /// Every `require`, direct and `// indirect` alike (the marker does not change the graph).
    pub requires: Vec<ModuleVersion>,
    pub excludes: Vec<ModuleVersion>,
    pub replaces: Vec<ReplaceRule>,
}

/// One `replace` directive of the main module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplaceRule {
    pub old_path: String,
    /// `None` replaces every version of `old_path`.
    pub old_version: Option<String>,
    pub target: ReplaceTarget,
}

/// The right-hand side of a `replace` directive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReplaceTarget {
    Module(ModuleVersion),
    /// A directory as written in go.mod: relative paths are relative to the main module's root.
    Dir(PathBuf),
}

/// A workspace (go.work) as far as the graph is concerned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Workspace {
    /// The directory holding go.work (absolute).
    pub dir: PathBuf,
    /// go.work's `go` line; `None` means 1.18.
    pub go_version: Option<String>,
    /// go.work's `replace` directives (relative directories relative to [`Workspace::dir`]).
    pub replaces: Vec<ReplaceRule>,
    /// The workspace modules, in `use` order.
    pub modules: Vec<WorkspaceMember>,
}

/// One `use`d module of a workspace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkspaceMember {
    /// Its directory as written in `use` (relative to the workspace directory, or absolute).
    pub dir: PathBuf,
    /// Its go.mod (relative replacement directories are relative to [`WorkspaceMember::dir`]).
    pub main: MainModule,
}

/// Where the go command reads a module version from, after `replace` rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResolvedModule {
    /// From the module cache or a proxy (`<path>/@v/<version>.mod`).
    Module(ModuleVersion),
    /// From a directory's go.mod, as written in the replace directive (relative to the main
    /// module's root when relative).
    Dir(PathBuf),
}

/// Reads go.mod summaries; called once per distinct [`ResolvedModule`], possibly from several
/// threads at once.
pub trait SummaryLoader: Sync {
    fn load(&self, target: &ResolvedModule) -> Result<ModSummary, GraphError>;
}

/// How far the go command follows requirements (golang.org/ref/mod#graph-pruning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pruning {
    /// go ≥ 1.17: requirements of go ≥ 1.17 modules are not followed past their go.mod.
    Pruned,
    /// go < 1.17 or no `go` line: the whole transitive graph is followed.
    Unpruned,
    /// Workspace mode (go.work): each workspace module's requirements are followed as its own
    /// `go` line says, and so are those of every dependency whose selected version is above the
    /// version some module of `all` requires (`readModGraph`'s workspace pruning).
    Workspace,
}

/// A way the main module's go.mod disagrees with its own graph. The go command refuses to build
/// such a module with `-mod=readonly` ("updates to go.mod needed"); with `-mod=mod` it rewrites
/// go.mod and may then read more go.mod files than [`Graph::gomods_loaded`] lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inconsistency {
    /// The main module requires a version it also excludes (go drops the requirement).
    ExcludedRequirement { module: ModuleVersion },
    /// A requirement of the main module is not the selected version of its path (a higher
    /// version is required elsewhere, or the path is required twice).
    RootNotSelected {
        root: ModuleVersion,
        selected: String,
    },
    /// A dependency's go.mod needs a newer go (go ≥ 1.21 lines are requirements on the
    /// language) than the main module's `go` line.
    GoVersionTooLow { required: String, by: ModuleVersion },
}

/// Errors while building the graph.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    #[error("conflicting replacements for `{old}`: `{first}` and `{second}`")]
    ConflictingReplacements {
        old: String,
        first: String,
        second: String,
    },
    /// Two workspace modules replace the same module version differently and go.work does not
    /// decide (the go command's words; the go.mod files named absolutely, as go names them).
    #[error(
        "conflicting replacements found for {} in workspace modules defined by {} and {}",
        at(.module),
        .first.display(),
        .second.display()
    )]
    WorkspaceReplacements {
        module: ModuleVersion,
        first: PathBuf,
        second: PathBuf,
    },
    /// Two workspace modules replace the same left side (`path` or `path@version`) with
    /// different targets (relative directories made absolute), and go.work does not replace
    /// that path; the go command's words.
    #[error(
        "conflicting replacements for {old}:\n\t{first}\n\t{second}\nuse \"go work edit -replace {old}=[override]\" to resolve"
    )]
    ConflictingWorkspaceReplacements {
        old: String,
        first: String,
        second: String,
    },
    /// go.work replaces every version of a workspace module.
    #[error(
        "workspace module {path} is replaced at all versions in the go.work file. To fix, remove the replacement from the go.work file or specify the version at which to replace the module."
    )]
    WorkspaceModuleReplaced { path: String },
    /// go.work lists two directories holding the same module.
    #[error("module {path} appears multiple times in workspace")]
    DuplicateWorkspaceModule { path: String },
    #[error("`{}`: parsing go.mod: missing module line", at(.module))]
    MissingModuleLine { module: ModuleVersion },
    #[error(
        "`{}`: parsing go.mod: module declares its path as `{declared}` but was required as `{required}`",
        at(.module)
    )]
    PathMismatch {
        module: ModuleVersion,
        declared: String,
        required: String,
    },
    /// A loader failed to read or parse a go.mod file.
    #[error("reading go.mod of `{target}`")]
    Load {
        target: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Any error above, with the requirement chain from the main module that led to it.
    #[error("loading module graph: {chain}")]
    Required {
        chain: String,
        #[source]
        source: Box<GraphError>,
    },
}

impl GraphError {
    /// Wraps a loader's own error (I/O, parse) for `target`.
    pub fn load(
        target: &ResolvedModule,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> GraphError {
        GraphError::Load {
            target: target.to_string(),
            source: source.into(),
        }
    }
}

impl fmt::Display for ResolvedModule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolvedModule::Module(mv) => f.write_str(&at(mv)),
            ResolvedModule::Dir(dir) => write!(f, "{}", dir.display()),
        }
    }
}

/// The loaded module graph of one main module.
#[derive(Debug, Clone)]
pub struct Graph {
    main_path: String,
    /// The main modules' paths (one outside workspace mode): never selected at a version.
    mains: HashSet<String>,
    /// Each workspace module's requirements (after exclusions); empty outside workspace mode.
    main_requires: HashMap<String, Vec<ModuleVersion>>,
    /// go.work's and the workspace modules' replacements; `None` outside workspace mode.
    workspace: Option<WorkspaceReplacements>,
    main_go: String,
    pruning: Pruning,
    roots: Vec<ModuleVersion>,
    replacements: Replacements,
    /// Requirements (after exclusions) of every module version whose go.mod was read.
    required: HashMap<ModuleVersion, Vec<ModuleVersion>>,
    /// The `go` line of every module version whose go.mod was read.
    go_versions: HashMap<ModuleVersion, Option<String>>,
    /// Selected version per path; the main module's path is never in it.
    selected: HashMap<String, String>,
    inconsistencies: Vec<Inconsistency>,
}

impl Graph {
    /// Loads the graph the way `go list -m all` and `go mod graph` do (outside workspace mode,
    /// without `-mod=vendor`), reading each go.mod through `loader`.
    pub fn load(main: &MainModule, loader: &dyn SummaryLoader) -> Result<Graph, GraphError> {
        let replacements = Replacements::new(&main.replaces)?;
        let excluded: HashSet<ModuleVersion> = main.excludes.iter().cloned().collect();
        let main_go = main
            .go_version
            .clone()
            .unwrap_or_else(|| DEFAULT_GO_VERSION.to_owned());
        let pruning = pruning_for(Some(&main_go));

        let mut roots: Vec<ModuleVersion> = main
            .requires
            .iter()
            .filter(|r| !excluded.contains(r) && !is_toolchain(&r.path))
            .cloned()
            .collect();
        sort_module_versions(&mut roots);

        let mut graph = Graph {
            main_path: main.path.clone(),
            mains: HashSet::from([main.path.clone()]),
            main_requires: HashMap::new(),
            workspace: None,
            main_go,
            pruning,
            roots: roots.clone(),
            replacements,
            required: HashMap::new(),
            go_versions: HashMap::new(),
            selected: HashMap::new(),
            inconsistencies: Vec::new(),
        };
        for root in &roots {
            graph.select(root);
        }

        let mut walk = Walk::new();
        let mut queue: Vec<(ModuleVersion, Pruning)> = Vec::new();
        for root in &roots {
            walk.enqueue(&mut queue, root, pruning, None);
        }
        graph.drain(queue, loader, &mut walk, &excluded)?;

        graph.inconsistencies = graph.find_inconsistencies(main, walk.max_go.take());
        Ok(graph)
    }

    /// Loads the graph of a workspace the way `go list -m all` does in workspace mode: every
    /// workspace module is a main module, the roots are their requirements (minus the versions
    /// any of them excludes), go.work's replacements override the modules' own, and the graph
    /// is pruned the workspace way (see [`Pruning::Workspace`]). Directory replacements resolve
    /// relative to the workspace directory.
    pub fn load_workspace(
        workspace: &Workspace,
        loader: &dyn SummaryLoader,
    ) -> Result<Graph, GraphError> {
        let mut mains = HashSet::new();
        for m in &workspace.modules {
            if !mains.insert(m.main.path.clone()) {
                return Err(GraphError::DuplicateWorkspaceModule {
                    path: m.main.path.clone(),
                });
            }
        }
        let replacements = WorkspaceReplacements::new(workspace)?;
        let excluded: HashSet<ModuleVersion> = workspace
            .modules
            .iter()
            .flat_map(|m| m.main.excludes.iter().cloned())
            .collect();
        let keep = |r: &&ModuleVersion| !excluded.contains(*r) && !is_toolchain(&r.path);
        let mut main_requires = HashMap::new();
        let mut roots = Vec::new();
        for m in &workspace.modules {
            let requires: Vec<ModuleVersion> =
                m.main.requires.iter().filter(keep).cloned().collect();
            roots.extend(requires.iter().cloned());
            main_requires.insert(m.main.path.clone(), requires);
        }
        sort_module_versions(&mut roots);
        roots.dedup();
        let mut graph = Graph {
            main_path: String::new(),
            mains,
            main_requires,
            workspace: Some(replacements),
            main_go: workspace
                .go_version
                .clone()
                .unwrap_or_else(|| DEFAULT_GO_WORK_VERSION.to_owned()),
            pruning: Pruning::Workspace,
            roots: roots.clone(),
            replacements: Replacements::default(),
            required: HashMap::new(),
            go_versions: HashMap::new(),
            selected: HashMap::new(),
            inconsistencies: Vec::new(),
        };
        for root in &roots {
            graph.select(root);
        }
        let mut walk = Walk::new();
        let mut queue: Vec<(ModuleVersion, Pruning)> = Vec::new();
        for m in &workspace.modules {
            let main = ModuleVersion {
                path: m.main.path.clone(),
                version: String::new(),
            };
            // A main module's requirements are followed as its own go line says.
            let next = pruning_for(Some(
                m.main.go_version.as_deref().unwrap_or(DEFAULT_GO_VERSION),
            ));
            for r in &graph.main_requires[&m.main.path] {
                walk.enqueue(&mut queue, r, next, Some(&main));
            }
        }
        graph.drain(queue, loader, &mut walk, &excluded)?;

        // readModGraph's workspace pass: a dependency selected above the version a module of
        // `all` requires may bring requirements of its own; load it the workspace way, until
        // nothing changes.
        let mut has_deps: BTreeSet<String> = graph.mains.iter().cloned().collect();
        let mut seen: HashSet<ModuleVersion> = HashSet::new();
        loop {
            let mut needs: BTreeSet<ModuleVersion> = BTreeSet::new();
            for p in &has_deps {
                let reqs: &[ModuleVersion] = if graph.mains.contains(p) {
                    &graph.main_requires[p]
                } else {
                    let Some(v) = graph.selected(p) else { continue };
                    let m = ModuleVersion {
                        path: p.clone(),
                        version: v.to_owned(),
                    };
                    if !seen.contains(&m) {
                        needs.insert(m);
                        continue;
                    }
                    graph.required_by(&m).unwrap_or(&[])
                };
                for r in reqs {
                    if let Some(v) = graph.selected(&r.path)
                        && compare_versions(v, &r.version) == Ordering::Greater
                    {
                        let s = ModuleVersion {
                            path: r.path.clone(),
                            version: v.to_owned(),
                        };
                        if !seen.contains(&s) {
                            needs.insert(s);
                        }
                    }
                }
            }
            if needs.is_empty() {
                break;
            }
            let mut queue = Vec::new();
            for m in needs {
                walk.enqueue(&mut queue, &m, Pruning::Workspace, None);
                has_deps.insert(m.path.clone());
                seen.insert(m);
            }
            graph.drain(queue, loader, &mut walk, &excluded)?;
        }
        Ok(graph)
    }

    /// Loads the queued modules' go.mod files level by level, selecting what each requires and
    /// following requirements as `readModGraph` does.
    fn drain(
        &mut self,
        mut queue: Vec<(ModuleVersion, Pruning)>,
        loader: &dyn SummaryLoader,
        walk: &mut Walk,
        excluded: &HashSet<ModuleVersion>,
    ) -> Result<(), GraphError> {
        while !queue.is_empty() {
            let level = std::mem::take(&mut queue);
            for (module, mode, summary) in self.load_summaries(level, loader, walk)? {
                self.check_module_line(&module, &summary).map_err(|error| {
                    GraphError::Required {
                        chain: walk.chain(&self.main_path, &module),
                        source: Box::new(error),
                    }
                })?;
                let requires: Vec<ModuleVersion> = summary
                    .requires
                    .iter()
                    .filter(|r| !excluded.contains(*r) && !is_toolchain(&r.path))
                    .cloned()
                    .collect();
                if !self.required.contains_key(&module) {
                    for r in &requires {
                        self.select(r);
                    }
                    if let Some(go) = summary.go_version.as_deref()
                        && gover::compare(go, GO_STRICT_VERSION) != Ordering::Less
                        && walk
                            .max_go
                            .as_ref()
                            .is_none_or(|(max, _)| gover::compare(go, max) == Ordering::Greater)
                    {
                        walk.max_go = Some((go.to_owned(), module.clone()));
                    }
                    self.go_versions
                        .insert(module.clone(), summary.go_version.clone());
                    self.required.insert(module.clone(), requires.clone());
                }
                // As readModGraph: follow a module's requirements unless it was reached pruned
                // and its own go.mod supports pruning; below an unpruned edge all stays
                // unpruned, below a workspace edge the module's own go line decides.
                let own = pruning_for(summary.go_version.as_deref());
                let next = if mode == Pruning::Unpruned {
                    Pruning::Unpruned
                } else {
                    own
                };
                if mode != Pruning::Pruned || own == Pruning::Unpruned {
                    for r in &requires {
                        walk.enqueue(&mut queue, r, next, Some(&module));
                    }
                }
            }
        }
        Ok(())
    }

    /// The workspace modules' paths (the main module's alone outside workspace mode), sorted.
    pub fn main_paths(&self) -> Vec<&str> {
        let mut list: Vec<&str> = self.mains.iter().map(String::as_str).collect();
        list.sort_unstable();
        list
    }

    /// The selected version of every module path in the graph except the main module's, sorted
    /// by path: `go list -m all` without its first line.
    pub fn build_list(&self) -> Vec<ModuleVersion> {
        let mut list: Vec<ModuleVersion> = self
            .selected
            .iter()
            .map(|(path, version)| ModuleVersion {
                path: path.clone(),
                version: version.clone(),
            })
            .collect();
        sort_module_versions(&mut list);
        list
    }

    /// Every module version (original path and version, before `replace`) whose go.mod the go
    /// command reads to build the graph, selected or not, sorted by path then version. Map each
    /// through [`Graph::resolved`] to know which file that is; the `Module` ones are exactly the
    /// `.mod` files `go mod graph` downloads into an empty module cache.
    pub fn gomods_loaded(&self) -> Vec<ModuleVersion> {
        let mut list: Vec<ModuleVersion> = self.required.keys().cloned().collect();
        sort_module_versions(&mut list);
        list
    }

    /// [`Graph::gomods_loaded`] plus every module of the build list: `go list -m all` also reads
    /// the go.mod of each build-list module to report its go version, whenever go.sum holds its
    /// `/go.mod` line (which `go list`, `go get` and `go mod download` record). An offline tree
    /// holding these go.mod files satisfies both `go list -m all` and `go build`.
    pub fn gomods_needed(&self) -> Vec<ModuleVersion> {
        let mut set: HashSet<ModuleVersion> = self.required.keys().cloned().collect();
        set.extend(self.build_list());
        let mut list: Vec<ModuleVersion> = set.into_iter().collect();
        sort_module_versions(&mut list);
        list
    }

    /// Where the go command reads `module` from after the main module's `replace` rules.
    pub fn resolved(&self, module: &ModuleVersion) -> ResolvedModule {
        match &self.workspace {
            Some(w) => w.resolve(module).0,
            None => self.replacements.resolve(module),
        }
    }

    /// The selected version of `path`, or `None` when the path is not in the graph (or is the
    /// main module's).
    pub fn selected(&self, path: &str) -> Option<&str> {
        self.selected.get(path).map(String::as_str)
    }

    /// The requirements (after exclusions) read from `module`'s go.mod, or `None` when its go.mod
    /// was not read (pruned out, or not in the graph): the edges `go mod graph` prints.
    pub fn required_by(&self, module: &ModuleVersion) -> Option<&[ModuleVersion]> {
        self.required.get(module).map(Vec::as_slice)
    }

    /// The `go` line of `module`'s go.mod (after `replace`), when it was read and has one.
    pub fn go_version(&self, module: &ModuleVersion) -> Option<&str> {
        self.go_versions.get(module).and_then(|v| v.as_deref())
    }

    /// The main module's requirements that are the graph's roots (excluded ones dropped), sorted.
    pub fn roots(&self) -> &[ModuleVersion] {
        &self.roots
    }

    /// How the main module's graph is pruned, from its `go` line.
    pub fn pruning(&self) -> Pruning {
        self.pruning
    }

    /// Ways the main module's go.mod is not tidy enough for `-mod=readonly`; empty when the go
    /// command would load exactly this graph.
    pub fn inconsistencies(&self) -> &[Inconsistency] {
        &self.inconsistencies
    }

    fn select(&mut self, module: &ModuleVersion) {
        if self.mains.contains(&module.path) || module.version == "none" {
            return;
        }
        match self.selected.get_mut(&module.path) {
            Some(current) => {
                if compare_versions(current, &module.version) == Ordering::Less {
                    current.clone_from(&module.version);
                }
            }
            None => {
                self.selected
                    .insert(module.path.clone(), module.version.clone());
            }
        }
    }

    /// Loads, in parallel, the summaries of the queued modules not read yet, and returns the
    /// summary of each queued module in queue order, or the error of the first one (in queue
    /// order) that failed to load.
    fn load_summaries(
        &self,
        queue: Vec<(ModuleVersion, Pruning)>,
        loader: &dyn SummaryLoader,
        walk: &mut Walk,
    ) -> Result<Vec<(ModuleVersion, Pruning, ModSummary)>, GraphError> {
        if let Some(w) = &self.workspace {
            for (m, _) in &queue {
                if let Some(error) = w.resolve(m).1 {
                    return Err(GraphError::Required {
                        chain: walk.chain(&self.main_path, m),
                        source: Box::new(error),
                    });
                }
            }
        }
        let resolved: Vec<ResolvedModule> = queue.iter().map(|(m, _)| self.resolved(m)).collect();
        let mut targets: Vec<&ResolvedModule> = Vec::new();
        let mut seen: HashSet<&ResolvedModule> = HashSet::new();
        for target in &resolved {
            if !walk.summaries.contains_key(target) && seen.insert(target) {
                targets.push(target);
            }
        }
        let mut loaded: HashMap<&ResolvedModule, Result<ModSummary, GraphError>> = targets
            .into_par_iter()
            .map(|target| (target, loader.load(target)))
            .collect();
        let mut summaries = Vec::with_capacity(queue.len());
        for ((module, mode), target) in queue.into_iter().zip(&resolved) {
            match loaded.remove(target) {
                Some(Ok(summary)) => {
                    walk.summaries.insert(target.clone(), summary);
                }
                Some(Err(error)) => {
                    return Err(GraphError::Required {
                        chain: walk.chain(&self.main_path, &module),
                        source: Box::new(error),
                    });
                }
                None => {}
            }
            // Present: loaded before this level, or just inserted above.
            if let Some(summary) = walk.summaries.get(target) {
                summaries.push((module, mode, summary.clone()));
            }
        }
        Ok(summaries)
    }

    /// The checks `goModSummary` makes on a go.mod fetched for a module version (directory
    /// replacements are not checked).
    fn check_module_line(
        &self,
        module: &ModuleVersion,
        summary: &ModSummary,
    ) -> Result<(), GraphError> {
        let actual = match self.resolved(module) {
            ResolvedModule::Module(actual) => actual,
            ResolvedModule::Dir(_) => return Ok(()),
        };
        match summary.module_path.as_deref() {
            None | Some("") => Err(GraphError::MissingModuleLine { module: actual }),
            Some(declared) if declared != module.path && declared != actual.path => {
                Err(GraphError::PathMismatch {
                    declared: declared.to_owned(),
                    required: module.path.clone(),
                    module: actual,
                })
            }
            Some(_) => Ok(()),
        }
    }

    fn find_inconsistencies(
        &self,
        main: &MainModule,
        max_go: Option<(String, ModuleVersion)>,
    ) -> Vec<Inconsistency> {
        let mut found: Vec<Inconsistency> = main
            .requires
            .iter()
            .filter(|r| main.excludes.contains(r))
            .map(|r| Inconsistency::ExcludedRequirement { module: r.clone() })
            .collect();
        for root in &self.roots {
            if let Some(selected) = self.selected(&root.path)
                && selected != root.version
            {
                found.push(Inconsistency::RootNotSelected {
                    root: root.clone(),
                    selected: selected.to_owned(),
                });
            }
        }
        if let Some((required, by)) = max_go
            && gover::compare(&self.main_go, &required) == Ordering::Less
        {
            found.push(Inconsistency::GoVersionTooLow { required, by });
        }
        found
    }
}

/// Compares two module versions by semantic-version precedence (build metadata such as
/// `+incompatible` ignored; invalid versions sort before valid ones).
use crate::formats::module::compare_versions;

/// The `go` version the go command assumes for a go.mod without a `go` line.
const DEFAULT_GO_VERSION: &str = "1.16";
/// The `go` version the go command assumes for a go.work without a `go` line.
const DEFAULT_GO_WORK_VERSION: &str = "1.18";
/// From this `go` version on, module graphs are pruned.
const PRUNING_GO_VERSION: &str = "1.17";
/// From this `go` version on, a go.mod's `go` line is a requirement on the `go` pseudo-module.
const GO_STRICT_VERSION: &str = "1.21";

struct Walk {
    /// Summaries read so far, by where they were read from.
    summaries: HashMap<ResolvedModule, ModSummary>,
    enqueued: HashSet<(ModuleVersion, Pruning)>,
    /// The module whose requirement first reached each module version (`None`: the main module).
    parent: HashMap<ModuleVersion, Option<ModuleVersion>>,
    max_go: Option<(String, ModuleVersion)>,
}

impl Walk {
    fn new() -> Walk {
        Walk {
            summaries: HashMap::new(),
            enqueued: HashSet::new(),
            parent: HashMap::new(),
            max_go: None,
        }
    }

    fn enqueue(
        &mut self,
        queue: &mut Vec<(ModuleVersion, Pruning)>,
        module: &ModuleVersion,
        pruning: Pruning,
        parent: Option<&ModuleVersion>,
    ) {
        if module.version == "none" || !self.enqueued.insert((module.clone(), pruning)) {
            return;
        }
        self.parent
            .entry(module.clone())
            .or_insert_with(|| parent.cloned());
        queue.push((module.clone(), pruning));
    }

    /// `main requires a@v1 requires b@v2`, the path that first reached `module`.
    fn chain(&self, main_path: &str, module: &ModuleVersion) -> String {
        let mut steps = vec![at(module)];
        let mut current = module;
        while let Some(Some(parent)) = self.parent.get(current) {
            if steps.len() > self.parent.len() {
                break; // a cycle in the parent links cannot happen, but never loop forever
            }
            steps.push(at(parent));
            current = parent;
        }
        if !main_path.is_empty() {
            steps.push(main_path.to_owned());
        }
        steps.reverse();
        steps.join(" requires ")
    }
}

/// The main module's `replace` rules, indexed the way the go command looks them up.
#[derive(Debug, Clone, Default)]
struct Replacements {
    exact: HashMap<ModuleVersion, ReplaceTarget>,
    any_version: HashMap<String, ReplaceTarget>,
}

impl Replacements {
    fn new(rules: &[ReplaceRule]) -> Result<Replacements, GraphError> {
        let mut replacements = Replacements::default();
        for rule in rules {
            let (old, previous) = match &rule.old_version {
                Some(version) => {
                    let key = ModuleVersion {
                        path: rule.old_path.clone(),
                        version: version.clone(),
                    };
                    let old = at(&key);
                    (old, replacements.exact.insert(key, rule.target.clone()))
                }
                None => (
                    rule.old_path.clone(),
                    replacements
                        .any_version
                        .insert(rule.old_path.clone(), rule.target.clone()),
                ),
            };
            if let Some(previous) = previous
                && previous != rule.target
            {
                return Err(GraphError::ConflictingReplacements {
                    old,
                    first: target_string(&previous),
                    second: target_string(&rule.target),
                });
            }
        }
        Ok(replacements)
    }

    fn resolve(&self, module: &ModuleVersion) -> ResolvedModule {
        let target = self
            .exact
            .get(module)
            .or_else(|| self.any_version.get(&module.path));
        match target {
            Some(ReplaceTarget::Module(mv)) => ResolvedModule::Module(mv.clone()),
            Some(ReplaceTarget::Dir(dir)) => ResolvedModule::Dir(dir.clone()),
            None => ResolvedModule::Module(module.clone()),
        }
    }
}

impl Replacements {
    /// The rule for `module`, and whether it names the version (`path version => …`).
    fn find(&self, module: &ModuleVersion) -> Option<(bool, &ReplaceTarget)> {
        if let Some(t) = self.exact.get(module) {
            return Some((true, t));
        }
        self.any_version.get(&module.path).map(|t| (false, t))
    }
}

/// Where a replacement found in a workspace came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplacementSource {
    /// go.work.
    WorkFile,
    /// The go.mod of the workspace module at this directory (as written in `use`).
    Module(PathBuf),
}

/// A replacement in workspace mode, as `modload.replacementFrom` finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceReplacement {
    /// The target as written in the file it comes from.
    pub written: ReplaceTarget,
    /// The target with a relative directory made relative to the workspace directory
    /// (`./x`, `../y`), as `canonicalizeReplacePath` makes it.
    pub canonical: ReplaceTarget,
    pub source: ReplacementSource,
}

/// go.work's replacements over each workspace module's, looked up the way the go command does.
#[derive(Debug, Clone, Default)]
pub struct WorkspaceReplacements {
    dir: PathBuf,
    work: Replacements,
    /// Each module's directory (as written in `use`) and replacements, in `use` order.
    modules: Vec<(PathBuf, Replacements)>,
    mains: HashSet<String>,
}

impl WorkspaceReplacements {
    /// Indexes the workspace's replacements; conflicting rules within one file are an error,
    /// as in go.
    pub fn new(workspace: &Workspace) -> Result<WorkspaceReplacements, GraphError> {
        let mains: HashSet<&str> = workspace
            .modules
            .iter()
            .map(|m| m.main.path.as_str())
            .collect();
        let by_work: HashSet<&str> = workspace
            .replaces
            .iter()
            .map(|r| r.old_path.as_str())
            .collect();
        if let Some(r) = workspace
            .replaces
            .iter()
            .find(|r| r.old_version.is_none() && mains.contains(r.old_path.as_str()))
        {
            return Err(GraphError::WorkspaceModuleReplaced {
                path: r.old_path.clone(),
            });
        }
        // As modload's makeMainModules: the same left side replaced differently by two modules
        // (directories compared absolute) is an error unless go.work replaces that path.
        let mut seen: HashMap<(String, Option<String>), String> = HashMap::new();
        let mut modules = Vec::new();
        for m in &workspace.modules {
            let mut own: HashSet<(String, Option<String>)> = HashSet::new();
            for r in &m.main.replaces {
                if by_work.contains(r.old_path.as_str()) {
                    continue;
                }
                let target = match &r.target {
                    ReplaceTarget::Dir(d) if !d.is_absolute() => {
                        clean_path(&workspace.dir.join(&m.dir).join(d))
                            .display()
                            .to_string()
                    }
                    other => target_string(other).replace(' ', "@"),
                };
                let key = (r.old_path.clone(), r.old_version.clone());
                if let Some(prev) = seen.get(&key)
                    && !own.contains(&key)
                    && *prev != target
                {
                    return Err(GraphError::ConflictingWorkspaceReplacements {
                        old: match &r.old_version {
                            Some(v) => format!("{}@{v}", r.old_path),
                            None => r.old_path.clone(),
                        },
                        first: prev.clone(),
                        second: target,
                    });
                }
                own.insert(key.clone());
                seen.insert(key, target);
            }
            modules.push((m.dir.clone(), Replacements::new(&m.main.replaces)?));
        }
        Ok(WorkspaceReplacements {
            dir: workspace.dir.clone(),
            work: Replacements::new(&workspace.replaces)?,
            modules,
            mains: workspace
                .modules
                .iter()
                .map(|m| m.main.path.clone())
                .collect(),
        })
    }

    /// The replacement of `module` (an empty version asks for the path-only rule): go.work's
    /// rule if it has one, else the last workspace module's (in `use` order) that has one.
    /// Also the error go reports when two modules replace a version differently.
    pub fn replacement(
        &self,
        module: &ModuleVersion,
    ) -> (Option<WorkspaceReplacement>, Option<GraphError>) {
        if module.version.is_empty() && self.mains.contains(&module.path) {
            return (None, None);
        }
        if let Some((_, t)) = self.work.find(module) {
            return (
                Some(WorkspaceReplacement {
                    written: t.clone(),
                    canonical: t.clone(),
                    source: ReplacementSource::WorkFile,
                }),
                None,
            );
        }
        let mut found: Option<(&PathBuf, &ReplaceTarget)> = None;
        let mut conflict = None;
        for (dir, rules) in &self.modules {
            if let Some((exact, t)) = rules.find(module) {
                // As modload: only a version-specific rule that differs conflicts.
                if let Some((first, f)) = found
                    && exact
                    && f != t
                {
                    conflict = Some(GraphError::WorkspaceReplacements {
                        module: module.clone(),
                        first: self.gomod_path(first),
                        second: self.gomod_path(dir),
                    });
                    break;
                }
                found = Some((dir, t));
            }
        }
        let replacement = found.map(|(dir, t)| WorkspaceReplacement {
            written: t.clone(),
            canonical: match t {
                ReplaceTarget::Dir(d) => ReplaceTarget::Dir(self.canonical_dir(dir, d)),
                other => other.clone(),
            },
            source: ReplacementSource::Module(dir.clone()),
        });
        (replacement, conflict)
    }

    fn resolve(&self, module: &ModuleVersion) -> (ResolvedModule, Option<GraphError>) {
        let (found, conflict) = self.replacement(module);
        let resolved = match found.map(|r| r.canonical) {
            Some(ReplaceTarget::Module(mv)) => ResolvedModule::Module(mv),
            Some(ReplaceTarget::Dir(d)) => ResolvedModule::Dir(d),
            None => ResolvedModule::Module(module.clone()),
        };
        (resolved, conflict)
    }

    fn gomod_path(&self, dir: &Path) -> PathBuf {
        clean_path(&self.dir.join(dir).join("go.mod"))
    }

    /// A module's relative replacement directory, relative to the workspace directory.
    fn canonical_dir(&self, module_dir: &Path, target: &Path) -> PathBuf {
        if target.is_absolute() {
            return target.to_path_buf();
        }
        let abs = clean_path(&self.dir.join(module_dir).join(target));
        match relative_path(&clean_path(&self.dir), &abs) {
            Some(rel) => {
                let rel = rel.to_string_lossy().replace('\\', "/");
                if rel.starts_with("../") || rel == ".." {
                    PathBuf::from(rel)
                } else if rel.is_empty() {
                    PathBuf::from(".")
                } else {
                    PathBuf::from(format!("./{rel}"))
                }
            }
            None => abs,
        }
    }
}

fn target_string(target: &ReplaceTarget) -> String {
    match target {
        ReplaceTarget::Module(mv) => format!("{} {}", mv.path, mv.version),
        ReplaceTarget::Dir(dir) => dir.display().to_string(),
    }
}

fn at(module: &ModuleVersion) -> String {
    if module.version.is_empty() {
        return module.path.clone(); // a workspace module
    }
    format!("{}@{}", module.path, module.version)
}

/// `go` and `toolchain` are pseudo-modules in the graph: never downloaded, never listed.
fn is_toolchain(path: &str) -> bool {
    path == "go" || path == "toolchain"
}

fn pruning_for(go_version: Option<&str>) -> Pruning {
    match go_version {
        Some(v) if gover::compare(v, PRUNING_GO_VERSION) != Ordering::Less => Pruning::Pruned,
        _ => Pruning::Unpruned,
    }
}

/// Sorts by path (byte order), then by version precedence, as the go command's `ModSort` does.
fn sort_module_versions(list: &mut [ModuleVersion]) {
    list.sort_by(|a, b| {
        a.path
            .cmp(&b.path)
            .then_with(|| compare_versions(&a.version, &b.version))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mv(s: &str) -> ModuleVersion {
        let (path, version) = s
            .split_once('@')
            .expect("test module versions are path@version");
        ModuleVersion {
            path: path.to_owned(),
            version: version.to_owned(),
        }
    }

    fn mvs(list: &[&str]) -> Vec<ModuleVersion> {
        list.iter().map(|s| mv(s)).collect()
    }

    /// go.mod summaries keyed by `path@version` (or `dir:<path>`), each written as
    /// `"go1.17 b@v1.0.0 c@v1.1.0"`: an optional `goX` word, then the requirements.
    struct MemLoader(HashMap<ResolvedModule, ModSummary>);

    impl MemLoader {
        fn new(entries: &[(&str, &str)]) -> MemLoader {
            let mut map = HashMap::new();
            for (key, text) in entries {
                let (target, path) = match key.strip_prefix("dir:") {
                    Some(dir) => (
                        ResolvedModule::Dir(PathBuf::from(dir)),
                        "dir/module".to_owned(),
                    ),
                    None => (ResolvedModule::Module(mv(key)), mv(key).path),
                };
                let mut summary = ModSummary {
                    module_path: Some(path),
                    ..ModSummary::default()
                };
                for word in text.split_whitespace() {
                    match word.strip_prefix("go") {
                        Some(go) if !word.contains('@') => summary.go_version = Some(go.to_owned()),
                        _ => summary.requires.push(mv(word)),
                    }
                }
                map.insert(target, summary);
            }
            MemLoader(map)
        }
    }

    impl SummaryLoader for MemLoader {
        fn load(&self, target: &ResolvedModule) -> Result<ModSummary, GraphError> {
            self.0
                .get(target)
                .cloned()
                .ok_or_else(|| GraphError::load(target, "not found"))
        }
    }

    fn main_module(go: Option<&str>, requires: &[&str]) -> MainModule {
        MainModule {
            path: "ex.com/main".to_owned(),
            go_version: go.map(str::to_owned),
            requires: mvs(requires),
            ..MainModule::default()
        }
    }

    #[test]
    fn semver_order() {
        let ordered = [
            "bad",
            "v0.0.0-20240101000000-abcdefabcdef",
            "v0.0.1",
            "v1.0.0-alpha",
            "v1.0.0-alpha.1",
            "v1.0.0-alpha.beta",
            "v1.0.0-beta.2",
            "v1.0.0-beta.11",
            "v1.0.0-rc.1",
            "v1.0.0",
            "v1.2.0",
            "v1.10.0",
            "v2.0.0+incompatible",
            "v10.0.0",
        ];
        for (i, a) in ordered.iter().enumerate() {
            for (j, b) in ordered.iter().enumerate() {
                assert_eq!(compare_versions(a, b), i.cmp(&j), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn semver_equalities_and_invalid() {
        let cases = [
            ("v1", "v1.0.0", Ordering::Equal),
            ("v1.2", "v1.2.0", Ordering::Equal),
            ("v2.0.0+incompatible", "v2.0.0", Ordering::Equal),
            ("v1.0.0+meta", "v1.0.0", Ordering::Equal),
            ("v01.0.0", "v0.0.0", Ordering::Less), // leading zero: invalid
            ("v1.0.0-01", "v0.0.0", Ordering::Less), // numeric id with leading zero: invalid
            ("1.0.0", "v0.0.0", Ordering::Less),   // no v: invalid
            ("v1.0-pre", "v0.0.0", Ordering::Less), // short form cannot have a pre-release
            ("none", "bad", Ordering::Equal),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare_versions(a, b), want, "{a} vs {b}");
        }
    }

    #[test]
    fn pruning_follows_the_go_version() {
        assert_eq!(pruning_for(None), Pruning::Unpruned);
        assert_eq!(pruning_for(Some("1.16")), Pruning::Unpruned);
        assert_eq!(pruning_for(Some("1.17")), Pruning::Pruned);
        assert_eq!(pruning_for(Some("1.17rc1")), Pruning::Pruned);
        assert_eq!(pruning_for(Some("1.22.1")), Pruning::Pruned);
    }

    #[test]
    fn unpruned_reads_everything_reachable() {
        let loader = MemLoader::new(&[
            ("ex.com/a@v1.0.0", "go1.20 ex.com/b@v1.0.0"),
            ("ex.com/b@v1.0.0", "go1.20 ex.com/c@v1.0.0"),
            ("ex.com/c@v1.0.0", "go1.20"),
        ]);
        let graph = Graph::load(&main_module(None, &["ex.com/a@v1.0.0"]), &loader).expect("loads");
        assert_eq!(graph.pruning(), Pruning::Unpruned);
        let all = mvs(&["ex.com/a@v1.0.0", "ex.com/b@v1.0.0", "ex.com/c@v1.0.0"]);
        assert_eq!(graph.build_list(), all);
        assert_eq!(graph.gomods_loaded(), all);
        assert!(graph.inconsistencies().is_empty());
    }

    #[test]
    fn pruned_stops_at_go117_modules_but_not_below_older_ones() {
        let loader = MemLoader::new(&[
            ("ex.com/a@v1.0.0", "go1.17 ex.com/b@v1.0.0"),
            ("ex.com/old@v1.0.0", "go1.16 ex.com/x@v1.0.0"),
            ("ex.com/x@v1.0.0", "go1.17 ex.com/y@v1.0.0"),
            ("ex.com/y@v1.0.0", "go1.17 ex.com/z@v1.0.0"),
            ("ex.com/z@v1.0.0", "go1.17"),
        ]);
        let main = main_module(Some("1.17"), &["ex.com/a@v1.0.0", "ex.com/old@v1.0.0"]);
        let graph = Graph::load(&main, &loader).expect("loads");
        assert_eq!(
            graph.gomods_loaded(),
            mvs(&[
                "ex.com/a@v1.0.0",
                "ex.com/old@v1.0.0",
                "ex.com/x@v1.0.0",
                "ex.com/y@v1.0.0",
                "ex.com/z@v1.0.0",
            ])
        );
        // b is required by a pruned root: selected, but its go.mod is not read.
        assert_eq!(graph.required_by(&mv("ex.com/b@v1.0.0")), None);
        assert_eq!(graph.selected("ex.com/b"), Some("v1.0.0"));
        assert_eq!(graph.selected("ex.com/z"), Some("v1.0.0"));
        assert_eq!(graph.go_version(&mv("ex.com/old@v1.0.0")), Some("1.16"));
    }

    #[test]
    fn a_pruned_module_reached_through_an_unpruned_one_is_followed() {
        let loader = MemLoader::new(&[
            ("ex.com/a@v1.0.0", "go1.17 ex.com/b@v1.0.0"),
            ("ex.com/b@v1.0.0", "go1.17"),
            ("ex.com/u@v1.0.0", "ex.com/a@v1.0.0"),
        ]);
        let main = main_module(Some("1.20"), &["ex.com/a@v1.0.0", "ex.com/u@v1.0.0"]);
        let graph = Graph::load(&main, &loader).expect("loads");
        assert_eq!(
            graph.gomods_loaded(),
            mvs(&["ex.com/a@v1.0.0", "ex.com/b@v1.0.0", "ex.com/u@v1.0.0"])
        );
    }

    #[test]
    fn excluded_requirements_are_dropped_not_bumped() {
        let loader = MemLoader::new(&[
            ("ex.com/a@v1.0.0", "go1.16 ex.com/b@v1.1.0"),
            ("ex.com/b@v1.2.0", "go1.16"),
        ]);
        let mut main = main_module(Some("1.16"), &["ex.com/a@v1.0.0", "ex.com/c@v1.0.0"]);
        main.excludes = mvs(&["ex.com/b@v1.1.0", "ex.com/c@v1.0.0"]);
        let graph = Graph::load(&main, &loader).expect("loads");
        assert_eq!(graph.build_list(), mvs(&["ex.com/a@v1.0.0"]));
        assert_eq!(graph.roots(), mvs(&["ex.com/a@v1.0.0"]).as_slice());
        assert_eq!(graph.required_by(&mv("ex.com/a@v1.0.0")), Some(&[][..]));
    }

    #[test]
    fn replacements_exact_rules_win_over_path_rules() {
        let mut main = main_module(Some("1.16"), &["ex.com/a@v1.0.0", "ex.com/b@v1.0.0"]);
        main.replaces = vec![
            ReplaceRule {
                old_path: "ex.com/a".to_owned(),
                old_version: None,
                target: ReplaceTarget::Dir(PathBuf::from("../a")),
            },
            ReplaceRule {
                old_path: "ex.com/a".to_owned(),
                old_version: Some("v1.0.0".to_owned()),
                target: ReplaceTarget::Module(mv("ex.com/fork@v1.5.0")),
            },
        ];
        let loader = MemLoader::new(&[
            ("ex.com/fork@v1.5.0", "go1.16 ex.com/a@v1.1.0"),
            ("dir:../a", "go1.16"),
            ("ex.com/b@v1.0.0", "go1.16"),
        ]);
        let graph = Graph::load(&main, &loader).expect("loads");
        assert_eq!(
            graph.resolved(&mv("ex.com/a@v1.0.0")),
            ResolvedModule::Module(mv("ex.com/fork@v1.5.0"))
        );
        assert_eq!(
            graph.resolved(&mv("ex.com/a@v1.1.0")),
            ResolvedModule::Dir(PathBuf::from("../a"))
        );
        assert_eq!(
            graph.resolved(&mv("ex.com/b@v1.0.0")),
            ResolvedModule::Module(mv("ex.com/b@v1.0.0"))
        );
        assert_eq!(
            graph.gomods_loaded(),
            mvs(&["ex.com/a@v1.0.0", "ex.com/a@v1.1.0", "ex.com/b@v1.0.0"])
        );
        assert_eq!(graph.selected("ex.com/a"), Some("v1.1.0"));
        // The fork's go.mod declares ex.com/fork: allowed, it is the replacement's own path.
    }

    #[test]
    fn conflicting_replacements_are_refused() {
        let mut main = main_module(Some("1.16"), &[]);
        for target in ["ex.com/x@v1.0.0", "ex.com/y@v1.0.0"] {
            main.replaces.push(ReplaceRule {
                old_path: "ex.com/a".to_owned(),
                old_version: Some("v1.0.0".to_owned()),
                target: ReplaceTarget::Module(mv(target)),
            });
        }
        let error = Graph::load(&main, &MemLoader::new(&[])).expect_err("conflict");
        assert_eq!(
            error.to_string(),
            "conflicting replacements for `ex.com/a@v1.0.0`: `ex.com/x v1.0.0` and `ex.com/y v1.0.0`"
        );
    }

    #[test]
    fn older_versions_of_the_main_module_are_read_but_never_selected() {
        let loader = MemLoader::new(&[
            ("ex.com/a@v1.0.0", "ex.com/main@v1.0.0"),
            ("ex.com/main@v1.0.0", "ex.com/c@v1.0.0 ex.com/a@v1.0.0"),
            ("ex.com/c@v1.0.0", ""),
        ]);
        let graph = Graph::load(&main_module(None, &["ex.com/a@v1.0.0"]), &loader).expect("loads");
        assert_eq!(
            graph.build_list(),
            mvs(&["ex.com/a@v1.0.0", "ex.com/c@v1.0.0"])
        );
        assert_eq!(
            graph.gomods_loaded(),
            mvs(&["ex.com/a@v1.0.0", "ex.com/c@v1.0.0", "ex.com/main@v1.0.0"])
        );
    }

    #[test]
    fn load_errors_name_the_requirement_chain() {
        let loader = MemLoader::new(&[("ex.com/a@v1.0.0", "ex.com/b@v1.0.0")]);
        let error = Graph::load(&main_module(None, &["ex.com/a@v1.0.0"]), &loader)
            .expect_err("b is missing");
        assert_eq!(
            error.to_string(),
            "loading module graph: ex.com/main requires ex.com/a@v1.0.0 requires ex.com/b@v1.0.0"
        );
        let source = std::error::Error::source(&error).expect("has a source");
        assert_eq!(source.to_string(), "reading go.mod of `ex.com/b@v1.0.0`");
    }

    #[test]
    fn module_line_checks() {
        let mut loader = MemLoader::new(&[("ex.com/a@v1.0.0", ""), ("ex.com/b@v1.0.0", "")]);
        for (key, path) in [
            ("ex.com/a@v1.0.0", None),
            ("ex.com/b@v1.0.0", Some("ex.com/other")),
        ] {
            if let Some(summary) = loader.0.get_mut(&ResolvedModule::Module(mv(key))) {
                summary.module_path = path.map(str::to_owned);
            }
        }
        let cases = [
            (
                "ex.com/a@v1.0.0",
                "`ex.com/a@v1.0.0`: parsing go.mod: missing module line",
            ),
            (
                "ex.com/b@v1.0.0",
                "`ex.com/b@v1.0.0`: parsing go.mod: module declares its path as `ex.com/other` but was required as `ex.com/b`",
            ),
        ];
        for (root, want) in cases {
            let error =
                Graph::load(&main_module(None, &[root]), &loader).expect_err("bad module line");
            let source = std::error::Error::source(&error).expect("has a source");
            assert_eq!(source.to_string(), want);
        }
    }

    #[test]
    fn inconsistencies_are_reported() {
        let loader = MemLoader::new(&[
            ("ex.com/a@v1.0.0", "go1.22 ex.com/b@v1.1.0"),
            ("ex.com/b@v1.0.0", "go1.17"),
        ]);
        let main = main_module(Some("1.21"), &["ex.com/a@v1.0.0", "ex.com/b@v1.0.0"]);
        let graph = Graph::load(&main, &loader).expect("loads");
        assert_eq!(
            graph.inconsistencies(),
            &[
                Inconsistency::RootNotSelected {
                    root: mv("ex.com/b@v1.0.0"),
                    selected: "v1.1.0".to_owned(),
                },
                Inconsistency::GoVersionTooLow {
                    required: "1.22".to_owned(),
                    by: mv("ex.com/a@v1.0.0"),
                },
            ]
        );
    }

    #[test]
    fn gomods_needed_adds_the_build_list() {
        let loader = MemLoader::new(&[("ex.com/a@v1.0.0", "go1.17 ex.com/b@v1.0.0")]);
        let graph =
            Graph::load(&main_module(Some("1.17"), &["ex.com/a@v1.0.0"]), &loader).expect("loads");
        assert_eq!(graph.gomods_loaded(), mvs(&["ex.com/a@v1.0.0"]));
        assert_eq!(
            graph.gomods_needed(),
            mvs(&["ex.com/a@v1.0.0", "ex.com/b@v1.0.0"])
        );
    }
}
