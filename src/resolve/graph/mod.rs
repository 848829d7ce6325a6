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
use std::path::PathBuf;

use crate::formats::gover;
use crate::formats::lock::SelectedGraph;
use crate::formats::module::ModuleVersion;
/// A module path and version, e.g. `golang.org/x/text` `v0.3.0`.
pub use crate::util::fsutil::{clean_path, relative_path};

/// Compares two module versions by semantic-version precedence (build metadata such as
/// `+incompatible` ignored; invalid versions sort before valid ones).
use crate::formats::module::compare_versions;

mod replace;
mod walk;
mod workspace;

use replace::Replacements;
use walk::Walk;
pub use workspace::{ReplacementSource, WorkspaceReplacement, WorkspaceReplacements};

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
}

impl Graph {
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

    /// The requirements (after exclusions) of the main module `path`: in a workspace that
    /// module's own, else the roots.
    pub fn main_requires(&self, path: &str) -> &[ModuleVersion] {
        match self.main_requires.get(path) {
            Some(r) => r,
            None => &self.roots,
        }
    }

    /// The graph between selected versions: each main module's and each build-list module's
    /// requirements, each at the version its path is selected at (`go mod graph`'s edges from
    /// the build list, every target at its selected version), and the build-list modules built
    /// from a directory or read from a fork.
    pub fn selected_graph(&self) -> SelectedGraph {
        let at_selected = |reqs: &[ModuleVersion]| -> BTreeSet<ModuleVersion> {
            reqs.iter()
                .filter_map(|r| {
                    Some(ModuleVersion {
                        path: r.path.clone(),
                        version: self.selected(&r.path)?.to_string(),
                    })
                })
                .collect()
        };
        let mut g = SelectedGraph::default();
        for main in self.main_paths() {
            let node = ModuleVersion {
                path: main.to_string(),
                version: String::new(),
            };
            g.requires
                .insert(node, at_selected(self.main_requires(main)));
        }
        for mv in self.build_list() {
            match self.resolved(&mv) {
                ResolvedModule::Dir(d) => {
                    g.dirs.insert(mv.clone(), d.display().to_string());
                }
                ResolvedModule::Module(r) if r != mv => {
                    g.replaced.insert(mv.clone(), r);
                }
                ResolvedModule::Module(_) => {}
            }
            let requires = at_selected(self.required_by(&mv).unwrap_or_default());
            g.requires.insert(mv, requires);
        }
        g
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
}

/// The `go` version the go command assumes for a go.mod without a `go` line.
const DEFAULT_GO_VERSION: &str = "1.16";
/// The `go` version the go command assumes for a go.work without a `go` line.
const DEFAULT_GO_WORK_VERSION: &str = "1.18";
/// From this `go` version on, module graphs are pruned.
const PRUNING_GO_VERSION: &str = "1.17";
/// From this `go` version on, a go.mod's `go` line is a requirement on the `go` pseudo-module.
const GO_STRICT_VERSION: &str = "1.21";

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
mod tests;
