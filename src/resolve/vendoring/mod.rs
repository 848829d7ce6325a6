//! What `go mod vendor` writes, computed without running go: the package set, the files of
//! `vendor/` and the text of `vendor/modules.txt`.
//!
//! vendor mode must write a `vendor/` tree byte-identical to the installed go's, so this module
//! reproduces `cmd/go/internal/modcmd.RunVendor` on top of `modload.LoadPackages("all")` with
//! `UseVendorAll`. It owns the parts that need the whole build at once; what happens inside one
//! directory (headers, build constraints, embeds, licence names) is [`crate::resolve::packages`]'s, and the
//! build list is [`crate::resolve::graph`]'s. Nothing here writes to disk: [`compute`] returns the file
//! list and the modules.txt text, and the caller copies.
//!
//! # Rules reproduced
//!
//! - **The package set** (`all` for vendoring): every package of the main module (every directory
//!   with a Go file that builds under `AnyTags`, except under `testdata`, `_`/`.`-prefixed
//!   directories, nested modules, directories matched by go.mod `ignore` directives, and below a
//!   directory named `vendor`), every `tool` package, the imports and test imports of every
//!   main-module package, and the imports (not test imports) of everything reached, transitively.
//!   Imports of the standard library are not followed.
//! - **Import resolution** (`modload.importFromModules`): every module in the build list whose path
//!   is a prefix of the import path is a candidate; it provides the package when the directory
//!   exists and holds a `.go` file (any `.go` file, tags not considered), and, for the main module
//!   and directory replacements, no `go.mod` lies between the module root and the package
//!   directory. With a pruned graph (main `go` ≥ 1.17) the main module and its direct requirements
//!   are tried first and the rest of the build list only when none of them provides the package.
//!   Two providers are an ambiguous import; none is an error, except for paths whose first element
//!   has no dot (those are taken for the standard library, as `SilenceMissingStdImports` does).
//! - **modules.txt**: one block per module that provides a vendored package or is required by the
//!   main go.mod (`## explicit`, only when go.mod has a `go` line ≥ 1.14), sorted by path then
//!   version; `## go 1.N` from the module's own go.mod when the main module says go ≥ 1.17; then
//!   the main go.mod's replace directives not already written (wildcards, unused ones) as
//!   `# old => new` lines.
//! - **Files**: each package's files as [`crate::resolve::packages::vendored_files`] lists them, plus the
//!   licence files of every directory strictly between a vendored package and its module root
//!   that is not itself a vendored package (`copyMetadata` stops at directories it has seen, and
//!   packages are visited in sorted order, so a package directory only ever contributes its own
//!   copied files).
//!
//! # Limitations
//!
//! - Without [`VendorInput::goroot`], an import path whose first element has no dot is resolved in
//!   the build list first and taken for the standard library otherwise; the go command asks
//!   GOROOT first.
//! - Workspaces ([`compute_workspace`], `go work vendor`): two workspace modules replacing the
//!   same module differently, which go refuses, are not detected (the last one wins).
//! - The import map (`modload.ImportMap`) is taken to be the identity, as it is for every package
//!   outside the standard library.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::formats::gover;
use crate::formats::module::ModuleVersion;
use crate::formats::modules_txt::{ModulesTxt, VendoredModule};
use crate::resolve::graph::{ReplaceRule, ReplaceTarget};
use crate::resolve::packages::{self, PackageDir, ScanError, VendorRules};
use crate::resolve::scans::ScanCache;

/// Everything `go mod vendor` knows when it starts copying: the main module, the build list and
/// where each module's files are.
#[derive(Debug, Clone)]
pub struct VendorInput<'a> {
    /// The main module's directory (holding go.mod).
    pub main_root: &'a Path,
    /// The main module's path (its `module` line).
    pub main_path: &'a str,
    /// The main go.mod's `go` line; `None` when it has none (go then assumes 1.16, and writes no
    /// `## explicit` annotations).
    pub main_go_version: Option<&'a str>,
    /// The main go.mod's `require` lines, in go.mod order (direct and `// indirect` alike).
    pub explicit: Vec<ModuleVersion>,
    /// The selected version of every module path except the main module's
    /// ([`crate::resolve::graph::Graph::build_list`]).
    pub build_list: Vec<ModuleVersion>,
    /// The main go.mod's `replace` directives, in go.mod order.
    pub replaces: Vec<ReplaceRule>,
    /// Where the files of each build-list module are: its extracted tree, or the replacement's
    /// (the directory of a directory replacement, the tree of the replacing module version).
    /// Needed for every module that provides a vendored package and every module whose path is a
    /// prefix of an imported path; others may be left out.
    pub module_dirs: HashMap<ModuleVersion, PathBuf>,
    /// The `go` line of each build-list module's go.mod, after replacement (`None` when it has
    /// none, or has no go.mod). Modules left out get no `## go` annotation.
    pub module_go_versions: HashMap<ModuleVersion, Option<String>>,
    /// The main go.mod's `tool` directives (Go 1.24): always in `all`.
    pub tools: Vec<String>,
    /// The main go.mod's `ignore` directives (Go 1.25): directories left out of the main module's
    /// package walk.
    pub ignore: Vec<String>,
    /// GOROOT, to tell standard-library imports exactly (see the module docs); optional.
    pub goroot: Option<&'a Path>,
    /// Whether cgo is enabled for the `go/build` default context `go mod vendor` uses for embeds
    /// (`CGO_ENABLED`, else true on a native platform with a C compiler).
    pub cgo_enabled: bool,
    /// Remembered scans of module files, for the module roots it was given; `None` reads every
    /// `.go` file.
    pub scans: Option<&'a ScanCache>,
}

/// What `go work vendor` knows: the workspace (go.work) and each of its modules.
#[derive(Debug, Clone)]
pub struct WorkspaceInput<'a> {
    /// The directory holding go.work; `vendor/` is written there.
    pub work_dir: &'a Path,
    /// go.work's `go` line; `None` means 1.18, as the go command assumes.
    pub go_version: Option<&'a str>,
    /// go.work's `replace` directives, in order; they override the modules' own.
    pub replaces: Vec<ReplaceRule>,
    /// The workspace modules (`use` directives), in go.work order.
    pub modules: Vec<WorkspaceModule<'a>>,
    /// As [`VendorInput::build_list`], for the whole workspace.
    pub build_list: Vec<ModuleVersion>,
    /// As [`VendorInput::module_dirs`].
    pub module_dirs: HashMap<ModuleVersion, PathBuf>,
    /// As [`VendorInput::module_go_versions`].
    pub module_go_versions: HashMap<ModuleVersion, Option<String>>,
    /// As [`VendorInput::goroot`].
    pub goroot: Option<&'a Path>,
    /// As [`VendorInput::cgo_enabled`].
    pub cgo_enabled: bool,
    /// As [`VendorInput::scans`].
    pub scans: Option<&'a ScanCache>,
}

/// One module of a workspace, from its go.mod.
#[derive(Debug, Clone)]
pub struct WorkspaceModule<'a> {
    /// The module's directory (absolute).
    pub root: &'a Path,
    /// Its `module` line.
    pub path: &'a str,
    /// Its `require` lines, in go.mod order.
    pub requires: Vec<ModuleVersion>,
    /// Its `replace` directives, in go.mod order (relative directories are relative to `root`).
    pub replaces: Vec<ReplaceRule>,
    /// Its `tool` directives.
    pub tools: Vec<String>,
    /// Its `ignore` directives.
    pub ignore: Vec<String>,
}

/// One file of `vendor/`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct VendorFile {
    /// Slash-separated path relative to `vendor/`, e.g. `example.com/dep/sub/x.go`.
    pub dest: String,
    /// Absolute path of the file to copy.
    pub source: PathBuf,
}

/// What `go mod vendor` would write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendorTree {
    /// Every file of `vendor/` except `modules.txt`, sorted by `dest`.
    pub files: Vec<VendorFile>,
    /// The text of `vendor/modules.txt`. Empty when there is nothing to vendor: go then prints
    /// "no dependencies to vendor" and leaves no `vendor/` directory at all.
    pub modules_txt: String,
    /// Vendored packages of each module (build-list path and version), sorted.
    pub packages: BTreeMap<ModuleVersion, Vec<String>>,
    /// Every build-list module the import resolution looked into (go fetches each one it
    /// tries, `importFromModules`): the providers and the other modules whose path is a prefix
    /// of an import and that were candidates in the pass that resolved it.
    pub consulted: BTreeSet<ModuleVersion>,
}

/// Errors that make `go mod vendor` fail, or that stop the computation.
#[derive(Debug, thiserror::Error)]
pub enum VendoringError {
    #[error("failed to read `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("package `{package}`")]
    Scan {
        package: String,
        #[source]
        source: ScanError,
    },
    #[error(
        "ambiguous import: found package {import} in multiple modules:{}",
        found.iter().map(|(m, dir)| format!("\n\t{m} ({})", dir.display())).collect::<String>()
    )]
    AmbiguousImport {
        import: String,
        /// Each providing module (`path version`, or the main module's path) and its directory,
        /// shortest module path first.
        found: Vec<(String, PathBuf)>,
    },
    #[error(
        "`{file}` in package `{importer}` imports `{import}`: no module in the build list provides it"
    )]
    MissingPackage {
        import: String,
        importer: String,
        file: String,
    },
    #[error("`{file}` in package `{importer}` imports `{import}`: {reason}")]
    InvalidImport {
        import: String,
        importer: String,
        file: String,
        reason: String,
    },
    #[error("tool `{tool}`: no module in the build list provides it")]
    MissingTool { tool: String },
    #[error(
        "module `{}@{}` may provide package `{import}` but its files were not given",
        module.path, module.version
    )]
    ModuleDirMissing {
        module: ModuleVersion,
        import: String,
    },
    #[error("package `{package}`: build constraints exclude all Go files in `{}`", dir.display())]
    NoGoFiles { package: String, dir: PathBuf },
    #[error("replacement path `{path}` inside vendor directory")]
    ReplacementInVendor { path: String },
    #[error("case-insensitive import collision: `{first}` and `{second}`")]
    PathCollision { first: String, second: String },
}

/// Computes what `go mod vendor` writes for `input`.
pub fn compute(input: &VendorInput) -> Result<VendorTree, VendoringError> {
    let go = input.main_go_version.unwrap_or(DEFAULT_GO_VERSION);
    compute_spec(&Spec {
        mains: vec![MainSpec {
            path: input.main_path,
            root: input.main_root,
            requires: &input.explicit,
            replaces: &input.replaces,
            tools: &input.tools,
            ignore: &input.ignore,
        }],
        work: None,
        go: go.to_string(),
        annotate_explicit: input.main_go_version.is_some() && gover::at_least(go, "1.14"),
        pruned: gover::at_least(go, "1.17"),
        build_list: &input.build_list,
        module_dirs: &input.module_dirs,
        module_go_versions: &input.module_go_versions,
        goroot: input.goroot,
        cgo_enabled: input.cgo_enabled,
        scans: input.scans,
    })
}

/// Computes what `go work vendor` writes for `input` (modules.txt starts with `## workspace`;
/// directory replacements are written relative to the workspace directory).
pub fn compute_workspace(input: &WorkspaceInput) -> Result<VendorTree, VendoringError> {
    let go = input.go_version.unwrap_or(DEFAULT_GO_WORK_VERSION);
    compute_spec(&Spec {
        mains: input
            .modules
            .iter()
            .map(|m| MainSpec {
                path: m.path,
                root: m.root,
                requires: &m.requires,
                replaces: &m.replaces,
                tools: &m.tools,
                ignore: &m.ignore,
            })
            .collect(),
        work: Some((input.work_dir, &input.replaces)),
        go: go.to_string(),
        annotate_explicit: gover::at_least(go, "1.14"),
        pruned: true,
        build_list: &input.build_list,
        module_dirs: &input.module_dirs,
        module_go_versions: &input.module_go_versions,
        goroot: input.goroot,
        cgo_enabled: input.cgo_enabled,
        scans: input.scans,
    })
}

fn compute_spec(spec: &Spec) -> Result<VendorTree, VendoringError> {
    let ctx = Context::new(spec);
    let loaded = ctx.load_packages()?;

    // Packages per module, as `modpkgs`.
    let mut packages: BTreeMap<ModuleVersion, Vec<String>> = BTreeMap::new();
    let mut dirs: HashMap<&str, &Loaded> = HashMap::new();
    for pkg in &loaded {
        if let Some(module) = &pkg.module {
            packages
                .entry(module.clone())
                .or_default()
                .push(pkg.path.clone());
            dirs.insert(pkg.path.as_str(), pkg);
        }
    }
    for list in packages.values_mut() {
        list.sort();
    }
    check_path_collisions(packages.keys())?;

    let annotate_explicit = spec.annotate_explicit;
    let annotate_go = gover::at_least(&spec.go, "1.17");
    let explicit: HashSet<&ModuleVersion> = if annotate_explicit {
        spec.mains.iter().flat_map(|m| m.requires).collect()
    } else {
        HashSet::new()
    };
    let mut vendor_modules: Vec<&ModuleVersion> = explicit.iter().copied().collect();
    vendor_modules.extend(packages.keys().filter(|m| !explicit.contains(m)));
    vendor_modules.sort_by(|a, b| compare_module_versions(a, b));

    let mut doc = ModulesTxt {
        workspace: spec.work.is_some(),
        ..ModulesTxt::default()
    };
    let mut written: HashSet<(&str, &str)> = HashSet::new();
    for module in &vendor_modules {
        written.insert((module.path.as_str(), module.version.as_str()));
        let replacement = ctx.replacement(&module.path, &module.version);
        if let Some((path, _)) = &replacement {
            check_not_in_vendor(path)?;
        }
        let go_version = if annotate_go {
            ctx.go_version(module)
        } else {
            None
        };
        doc.modules.push(VendoredModule {
            path: module.path.clone(),
            version: module.version.clone(),
            replacement,
            explicit: explicit.contains(module),
            go_version,
            packages: packages.get(*module).cloned().unwrap_or_default(),
        });
    }
    if annotate_explicit {
        // Every main module's replacements, go.work's first, each old side once.
        for main in &spec.mains {
            for rule in spec.work.map_or(&[][..], |(_, rules)| rules) {
                let old_version = rule.old_version.as_deref().unwrap_or("");
                if !written.insert((rule.old_path.as_str(), old_version)) {
                    continue;
                }
                let (new, new_version) = render_target(&rule.target);
                check_not_in_vendor(&new)?;
                doc.trailing_replaces.push((
                    rule.old_path.clone(),
                    rule.old_version.clone(),
                    new,
                    new_version,
                ));
            }
            for rule in main.replaces {
                let old_version = rule.old_version.as_deref().unwrap_or("");
                if !written.insert((rule.old_path.as_str(), old_version)) {
                    continue;
                }
                let Some((new, new_version)) = ctx.replacement(&rule.old_path, old_version) else {
                    continue;
                };
                check_not_in_vendor(&new)?;
                doc.trailing_replaces.push((
                    rule.old_path.clone(),
                    rule.old_version.clone(),
                    new,
                    new_version,
                ));
            }
        }
    }
    let consulted = std::mem::take(&mut *ctx.consulted.lock().unwrap_or_else(|e| e.into_inner()));
    let modules_txt = doc.render();
    if modules_txt.is_empty() {
        return Ok(VendorTree {
            consulted,
            ..VendorTree::default()
        });
    }

    let files = ctx.vendor_files(&vendor_modules, &packages, &dirs)?;
    Ok(VendorTree {
        files,
        modules_txt,
        packages,
        consulted,
    })
}

/// Files of vendored modules that `vendor/` leaves out although a build may need them: every
/// regular file that is not a `.go` file, not `go.mod`/`go.sum` and not copied anyway (as an
/// embed or licence file), in a directory holding no vendored package (C sources and headers in
/// `include/`, protos, assets). Directories named `testdata` or starting with `.` or `_`, and
/// nested modules, are not looked into. Sorted by module, then slash-separated path relative to
/// the module root.
pub fn dropped_files(
    input: &VendorInput,
    tree: &VendorTree,
) -> Result<Vec<(ModuleVersion, String)>, VendoringError> {
    let copied: HashSet<&Path> = tree.files.iter().map(|f| f.source.as_path()).collect();
    let per_module: Vec<Result<Vec<(ModuleVersion, String)>, VendoringError>> = tree
        .packages
        .par_iter()
        .map(|(module, pkgs)| {
            let Some(root) = input.module_dirs.get(module) else {
                return Ok(Vec::new());
            };
            let package_dirs: HashSet<&str> = pkgs
                .iter()
                .map(|p| relative_to_module(&module.path, p))
                .collect();
            let mut out = Vec::new();
            let mut stack = vec![String::new()];
            while let Some(rel) = stack.pop() {
                let dir = join_path(root, &rel);
                let mut entries = read_dir_sorted(&dir)?;
                entries.reverse();
                let is_package = package_dirs.contains(rel.as_str());
                for (name, kind) in entries {
                    let child = join_rel(&rel, &name);
                    match kind {
                        Kind::Dir => {
                            if name == "testdata"
                                || name.starts_with('.')
                                || name.starts_with('_')
                                || root.join(&child).join("go.mod").is_file()
                            {
                                continue;
                            }
                            stack.push(child);
                        }
                        Kind::File => {
                            if is_package
                                || name.ends_with(".go")
                                || name == "go.mod"
                                || name == "go.sum"
                                || copied.contains(root.join(&child).as_path())
                            {
                                continue;
                            }
                            out.push((module.clone(), child));
                        }
                        Kind::Other => {}
                    }
                }
            }
            Ok(out)
        })
        .collect();
    let mut all = Vec::new();
    for result in per_module {
        all.extend(result?);
    }
    all.sort();
    Ok(all)
}

// ---------------------------------------------------------------------------------------------
// Loading the package set.

/// The go version the go command assumes for a go.mod without a `go` line.
const DEFAULT_GO_VERSION: &str = "1.16";

/// One package of `all`.
#[derive(Debug)]
struct Loaded {
    path: String,
    /// The providing build-list module; `None` for the main module.
    module: Option<ModuleVersion>,
    dir: PathBuf,
    scanned: PackageDir,
}

/// How one import path resolved.
enum Resolved {
    /// Standard library (or a dotless path no module provides): not followed.
    Std,
    Package(Loaded),
}

/// The go version the go command assumes for a go.work without a `go` line.
const DEFAULT_GO_WORK_VERSION: &str = "1.18";

/// A single module or a workspace, as the computation sees either.
struct Spec<'a> {
    /// The main modules: one, or the workspace's in `use` order.
    mains: Vec<MainSpec<'a>>,
    /// The workspace directory and go.work's replacements.
    work: Option<(&'a Path, &'a [ReplaceRule])>,
    /// The go version that decides the rules (`MainModules.GoVersion`).
    go: String,
    annotate_explicit: bool,
    /// Whether imports are looked up in the requirements first (pruned or workspace graphs).
    pruned: bool,
    build_list: &'a [ModuleVersion],
    module_dirs: &'a HashMap<ModuleVersion, PathBuf>,
    module_go_versions: &'a HashMap<ModuleVersion, Option<String>>,
    goroot: Option<&'a Path>,
    cgo_enabled: bool,
    scans: Option<&'a ScanCache>,
}

struct MainSpec<'a> {
    path: &'a str,
    root: &'a Path,
    requires: &'a [ModuleVersion],
    replaces: &'a [ReplaceRule],
    tools: &'a [String],
    ignore: &'a [String],
}

/// `replace` rules indexed the way `modload.replacement` looks them up.
#[derive(Default)]
struct ReplaceMap<'a> {
    exact: HashMap<(&'a str, &'a str), &'a ReplaceTarget>,
    any_version: HashMap<&'a str, &'a ReplaceTarget>,
}

impl<'a> ReplaceMap<'a> {
    fn new(rules: &'a [ReplaceRule]) -> ReplaceMap<'a> {
        let mut map = ReplaceMap::default();
        for rule in rules {
            match &rule.old_version {
                Some(v) => {
                    map.exact
                        .insert((rule.old_path.as_str(), v.as_str()), &rule.target);
                }
                None => {
                    map.any_version.insert(rule.old_path.as_str(), &rule.target);
                }
            }
        }
        map
    }

    fn get(&self, path: &str, version: &str) -> Option<&'a ReplaceTarget> {
        self.exact
            .get(&(path, version))
            .or_else(|| self.any_version.get(path))
            .copied()
    }
}

struct Context<'a> {
    spec: &'a Spec<'a>,
    rules: VendorRules,
    /// Selected version by path.
    selected: HashMap<&'a str, &'a ModuleVersion>,
    /// Paths of the main modules' requirements (the roots of a pruned graph).
    roots: HashSet<&'a str>,
    work_replace: ReplaceMap<'a>,
    /// Each main module's replacements, in `mains` order.
    main_replace: Vec<ReplaceMap<'a>>,
    /// What [`VendorTree::consulted`] reports (imports are resolved in parallel).
    consulted: std::sync::Mutex<BTreeSet<ModuleVersion>>,
}

impl<'a> Context<'a> {
    fn new(spec: &'a Spec<'a>) -> Context<'a> {
        Context {
            spec,
            rules: VendorRules {
                go_version: spec.go.clone(),
                cgo_enabled: spec.cgo_enabled,
            },
            selected: spec
                .build_list
                .iter()
                .filter(|m| m.version != "none")
                .map(|m| (m.path.as_str(), m))
                .collect(),
            roots: spec
                .mains
                .iter()
                .flat_map(|m| m.requires)
                .map(|m| m.path.as_str())
                .collect(),
            work_replace: spec
                .work
                .map_or_else(ReplaceMap::default, |(_, rules)| ReplaceMap::new(rules)),
            main_replace: spec
                .mains
                .iter()
                .map(|m| ReplaceMap::new(m.replaces))
                .collect(),
            consulted: std::sync::Mutex::new(BTreeSet::new()),
        }
    }

    /// `modload.replacementFrom`: go.work's rule, else the last main module's that has one,
    /// with the root of that module (`None` for go.work).
    fn replace_target(
        &self,
        path: &str,
        version: &str,
    ) -> Option<(&'a ReplaceTarget, Option<&'a Path>)> {
        if version.is_empty() && self.main_index(path).is_some() {
            return None; // a main module is never replaced
        }
        if let Some(target) = self.work_replace.get(path, version) {
            return Some((target, None));
        }
        let mut found = None;
        for (map, main) in self.main_replace.iter().zip(&self.spec.mains) {
            if let Some(target) = map.get(path, version) {
                found = Some((target, Some(main.root)));
            }
        }
        found
    }

    /// `modload.Replacement`: the right-hand side written in modules.txt, `(path, version)` or
    /// `(dir, None)`; in a workspace a module's relative directory is rewritten relative to the
    /// workspace directory.
    fn replacement(&self, path: &str, version: &str) -> Option<(String, Option<String>)> {
        let (target, module_root) = self.replace_target(path, version)?;
        if let (ReplaceTarget::Dir(dir), Some((work_dir, _)), Some(module_root)) =
            (target, self.spec.work, module_root)
            && !dir.is_absolute()
        {
            let rel = relative_path(work_dir, &module_root.join(dir));
            return Some((to_directory_path(&rel), None));
        }
        Some(render_target(target))
    }

    fn is_local(&self, module: &ModuleVersion) -> bool {
        matches!(
            self.replace_target(&module.path, &module.version),
            Some((ReplaceTarget::Dir(_), _))
        )
    }

    fn main_index(&self, path: &str) -> Option<usize> {
        self.spec.mains.iter().position(|m| m.path == path)
    }

    /// `modload.ModuleInfo(path).GoVersion`: the go line of the selected version of the path.
    fn go_version(&self, module: &ModuleVersion) -> Option<String> {
        let selected = self
            .selected
            .get(module.path.as_str())
            .copied()
            .unwrap_or(module);
        self.spec
            .module_go_versions
            .get(selected)
            .or_else(|| self.spec.module_go_versions.get(module))
            .cloned()
            .flatten()
            .filter(|v| !v.is_empty())
    }

    /// Every package of `all`, main-module packages included (their `module` is `None`).
    fn load_packages(&self) -> Result<Vec<Loaded>, VendoringError> {
        let mut loaded: Vec<Loaded> = Vec::new();
        let mut known: HashMap<String, Option<usize>> = HashMap::new();

        for pkg in self.main_packages()? {
            known.insert(pkg.path.clone(), Some(loaded.len()));
            loaded.push(pkg);
        }
        // (import path, importing package index or None for a tool)
        let mut frontier: Vec<(String, Option<usize>)> = Vec::new();
        for tool in self.spec.mains.iter().flat_map(|m| m.tools) {
            if !known.contains_key(tool) {
                frontier.push((tool.clone(), None));
            }
        }
        let mut expanded = 0;
        loop {
            for (index, pkg) in loaded.iter().enumerate().skip(expanded) {
                let (imports, test_imports) = pkg.scanned.imports();
                let follow_tests = pkg.module.is_none();
                let all = imports
                    .into_iter()
                    .chain(test_imports.into_iter().filter(|_| follow_tests));
                for import in all {
                    if !known.contains_key(&import) {
                        frontier.push((import, Some(index)));
                    }
                }
            }
            expanded = loaded.len();
            // First importer wins, in a deterministic order.
            let mut level: Vec<(String, Option<usize>)> = Vec::new();
            for (import, importer) in frontier.drain(..) {
                if known.contains_key(&import) {
                    continue;
                }
                known.insert(import.clone(), None);
                level.push((import, importer));
            }
            if level.is_empty() {
                break;
            }
            let results: Vec<Result<Resolved, VendoringError>> = level
                .par_iter()
                .map(|(import, importer)| {
                    self.resolve_and_scan(import, importer.map(|i| &loaded[i]))
                })
                .collect();
            let mut first_error: Option<VendoringError> = None;
            for ((import, _), result) in level.into_iter().zip(results) {
                match result {
                    Ok(Resolved::Std) => {}
                    Ok(Resolved::Package(pkg)) => {
                        known.insert(import, Some(loaded.len()));
                        loaded.push(pkg);
                    }
                    Err(error) => {
                        first_error.get_or_insert(error);
                    }
                }
            }
            if let Some(error) = first_error {
                return Err(error);
            }
        }
        Ok(loaded)
    }

    /// `matchPackages` over the main modules.
    fn main_packages(&self) -> Result<Vec<Loaded>, VendoringError> {
        let mut candidates: BTreeMap<String, PathBuf> = BTreeMap::new();
        for main in &self.spec.mains {
            for rel in walk_main_module(main.root, main.ignore)? {
                let dir = join_path(main.root, &rel);
                candidates.entry(join_rel(main.path, &rel)).or_insert(dir);
            }
        }
        let dirs: Vec<PathBuf> = candidates.values().cloned().collect();
        let scans = packages::scan_dirs(&dirs);
        let mut out = Vec::new();
        for ((path, dir), scan) in candidates.into_iter().zip(scans) {
            let scanned = scan.map_err(|source| VendoringError::Scan {
                package: path.clone(),
                source,
            })?;
            if scanned.has_go_files() {
                out.push(Loaded {
                    path,
                    module: None,
                    dir,
                    scanned,
                });
            }
        }
        Ok(out)
    }

    fn resolve_and_scan(
        &self,
        import: &str,
        importer: Option<&Loaded>,
    ) -> Result<Resolved, VendoringError> {
        let file_of = || {
            importer
                .map(|p| importing_file(p, import))
                .unwrap_or_default()
        };
        let importer_path = || importer.map(|p| p.path.clone()).unwrap_or_default();
        if let Some(reason) = invalid_import_reason(import) {
            return Err(VendoringError::InvalidImport {
                import: import.to_string(),
                importer: importer_path(),
                file: file_of(),
                reason,
            });
        }
        let dotless = !first_element(import).contains('.');
        if dotless
            && let Some(goroot) = self.spec.goroot
            && is_go_dir(&goroot.join("src").join(import))
        {
            return Ok(Resolved::Std);
        }
        let Some((module, dir)) = self.find_module(import)? else {
            if dotless {
                return Ok(Resolved::Std);
            }
            return Err(match importer {
                Some(_) => VendoringError::MissingPackage {
                    import: import.to_string(),
                    importer: importer_path(),
                    file: file_of(),
                },
                None => VendoringError::MissingTool {
                    tool: import.to_string(),
                },
            });
        };
        let root = module.as_ref().and_then(|m| self.spec.module_dirs.get(m));
        let scanned = match (self.spec.scans, root) {
            (Some(scans), Some(root)) => scans.scan_dir(root, &dir),
            _ => packages::scan_dir(&dir),
        }
        .map_err(|source| VendoringError::Scan {
            package: import.to_string(),
            source,
        })?;
        if !scanned.has_go_files() {
            return Err(VendoringError::NoGoFiles {
                package: import.to_string(),
                dir,
            });
        }
        Ok(Resolved::Package(Loaded {
            path: import.to_string(),
            module,
            dir,
            scanned,
        }))
    }

    /// `importFromModules`: the module providing `import` and the package directory.
    #[allow(clippy::type_complexity)]
    fn find_module(
        &self,
        import: &str,
    ) -> Result<Option<(Option<ModuleVersion>, PathBuf)>, VendoringError> {
        let passes: &[bool] = if self.spec.pruned {
            &[true, false]
        } else {
            &[false]
        };
        for &roots_only in passes {
            let mut found: Vec<(Option<&ModuleVersion>, PathBuf, &str)> = Vec::new();
            let mut prefix = import;
            loop {
                if let Some((module, dir)) = self.try_prefix(import, prefix, roots_only)? {
                    found.push((module, dir, prefix));
                }
                match prefix.rfind('/') {
                    Some(i) => prefix = &prefix[..i],
                    None => break,
                }
            }
            match found.len() {
                0 => continue,
                1 => {
                    let (module, dir, _) = found.remove(0);
                    return Ok(Some((module.cloned(), dir)));
                }
                _ => {
                    found.reverse();
                    return Err(VendoringError::AmbiguousImport {
                        import: import.to_string(),
                        found: found
                            .into_iter()
                            .map(|(m, dir, prefix)| {
                                let name = match m {
                                    Some(m) => format!("{} {}", m.path, m.version),
                                    None => prefix.to_string(),
                                };
                                (name, dir)
                            })
                            .collect(),
                    });
                }
            }
        }
        Ok(None)
    }

    /// Whether the module at `prefix` (main module or selected) provides `import`.
    #[allow(clippy::type_complexity)]
    fn try_prefix(
        &self,
        import: &str,
        prefix: &str,
        roots_only: bool,
    ) -> Result<Option<(Option<&'a ModuleVersion>, PathBuf)>, VendoringError> {
        if prefix == "go" || prefix == "toolchain" {
            return Ok(None);
        }
        let (module, root, local) = if let Some(i) = self.main_index(prefix) {
            (None, self.spec.mains[i].root.to_path_buf(), true)
        } else {
            if roots_only && !self.roots.contains(prefix) {
                return Ok(None);
            }
            let Some(&module) = self.selected.get(prefix) else {
                return Ok(None);
            };
            self.consulted
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(module.clone());
            let Some(root) = self.spec.module_dirs.get(module) else {
                return Err(VendoringError::ModuleDirMissing {
                    module: module.clone(),
                    import: import.to_string(),
                });
            };
            (Some(module), root.clone(), self.is_local(module))
        };
        let rel = import[prefix.len()..].trim_start_matches('/');
        let dir = join_path(&root, rel);
        if local && !rel.is_empty() {
            // No other module in the way (only local trees can hold one).
            let mut cur = rel;
            loop {
                if fs::metadata(root.join(cur).join("go.mod")).is_ok_and(|m| !m.is_dir()) {
                    return Ok(None);
                }
                match cur.rfind('/') {
                    Some(i) => cur = &cur[..i],
                    None => break,
                }
            }
        }
        Ok(is_go_dir(&dir).then_some((module, dir)))
    }

    /// The files of `vendor/` in the order go copies them; a later copy to the same destination
    /// wins, as it does on disk.
    fn vendor_files(
        &self,
        modules: &[&ModuleVersion],
        packages: &BTreeMap<ModuleVersion, Vec<String>>,
        dirs: &HashMap<&str, &Loaded>,
    ) -> Result<Vec<VendorFile>, VendoringError> {
        // Package files, in parallel.
        let work: Vec<&Loaded> = modules
            .iter()
            .filter_map(|m| packages.get(*m))
            .flatten()
            .map(|p| dirs[p.as_str()])
            .collect();
        let per_package: Vec<Result<Vec<VendorFile>, VendoringError>> =
            work.par_iter()
                .map(|pkg| {
                    let names = packages::vendored_files(&pkg.dir, &pkg.scanned, &self.rules)
                        .map_err(|source| VendoringError::Scan {
                            package: pkg.path.clone(),
                            source,
                        })?;
                    Ok(names
                        .into_iter()
                        .map(|name| VendorFile {
                            dest: format!("{}/{name}", pkg.path),
                            source: join_path(&pkg.dir, &name),
                        })
                        .collect())
                })
                .collect();

        // Licence files of the directories above the packages of each module.
        let mut metadata_dirs: Vec<(&ModuleVersion, String)> = Vec::new();
        for module in modules {
            let Some(pkgs) = packages.get(*module) else {
                continue;
            };
            let rels: BTreeSet<&str> = pkgs
                .iter()
                .map(|p| relative_to_module(&module.path, p))
                .collect();
            let mut above: BTreeSet<&str> = BTreeSet::new();
            for rel in &rels {
                let mut cur = *rel;
                while !cur.is_empty() {
                    cur = cur.rfind('/').map_or("", |i| &cur[..i]);
                    if !above.insert(cur) {
                        break;
                    }
                }
            }
            for dir in above {
                if !rels.contains(dir) {
                    metadata_dirs.push((module, dir.to_string()));
                }
            }
        }
        let per_dir: Vec<Result<Vec<VendorFile>, VendoringError>> = metadata_dirs
            .par_iter()
            .map(|(module, rel)| {
                let root = self.spec.module_dirs.get(*module).ok_or_else(|| {
                    VendoringError::ModuleDirMissing {
                        module: (*module).clone(),
                        import: join_rel(&module.path, rel),
                    }
                })?;
                let dir = join_path(root, rel);
                Ok(read_dir_sorted(&dir)?
                    .into_iter()
                    .filter(|(name, kind)| *kind == Kind::File && packages::is_license_file(name))
                    .map(|(name, _)| VendorFile {
                        dest: format!("{}/{name}", join_rel(&module.path, rel)),
                        source: dir.join(&name),
                    })
                    .collect())
            })
            .collect();

        let mut files: BTreeMap<String, PathBuf> = BTreeMap::new();
        for result in per_dir.into_iter().chain(per_package) {
            for file in result? {
                files.insert(file.dest, file.source);
            }
        }
        Ok(files
            .into_iter()
            .map(|(dest, source)| VendorFile { dest, source })
            .collect())
    }
}

/// Directories of a main module that may hold its packages (`walkPkgs`), relative to `root`:
/// not under `testdata`, `_`/`.`-prefixed or ignored directories, nested modules, or below a
/// directory named `vendor` (which is itself a candidate).
fn walk_main_module(root: &Path, ignore: &[String]) -> Result<Vec<String>, VendoringError> {
    let ignore = IgnorePatterns::new(ignore);
    let mut candidates: Vec<String> = Vec::new();
    let mut stack = vec![String::new()];
    while let Some(rel) = stack.pop() {
        candidates.push(rel.clone());
        let name = rel.rsplit('/').next().unwrap_or("");
        if !rel.is_empty() && name == "vendor" {
            continue; // the directory itself may be a package; its tree is not walked
        }
        let dir = join_path(root, &rel);
        for (name, kind) in read_dir_sorted(&dir)? {
            if kind != Kind::Dir
                || name.starts_with('.')
                || name.starts_with('_')
                || name == "testdata"
            {
                continue;
            }
            let child = join_rel(&rel, &name);
            if ignore.should_ignore(&child) {
                continue;
            }
            if fs::metadata(root.join(&child).join("go.mod")).is_ok_and(|m| !m.is_dir()) {
                continue; // a nested module
            }
            stack.push(child);
        }
    }
    Ok(candidates)
}

/// The right-hand side of a replace directive as written.
fn render_target(target: &ReplaceTarget) -> (String, Option<String>) {
    match target {
        ReplaceTarget::Module(m) => (m.path.clone(), Some(m.version.clone())),
        ReplaceTarget::Dir(dir) => (dir.to_string_lossy().into_owned(), None),
    }
}

/// `filepath.Rel(base, target)` on lexically cleaned absolute paths, slash-separated.
fn relative_path(base: &Path, target: &Path) -> String {
    fn clean(path: &Path) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for component in path.components() {
            match component {
                std::path::Component::Normal(name) => {
                    out.push(name.to_string_lossy().into_owned());
                }
                std::path::Component::ParentDir => {
                    out.pop();
                }
                _ => {}
            }
        }
        out
    }
    let base = clean(base);
    let target = clean(target);
    let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; base.len() - common];
    parts.extend(target[common..].iter().map(String::as_str));
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

/// `modload.ToDirectoryPath`: a relative path made to start with `./` unless it already reads
/// as a directory path.
fn to_directory_path(path: &str) -> String {
    if path == "."
        || path == ".."
        || path.starts_with("./")
        || path.starts_with("../")
        || path.starts_with('/')
    {
        path.to_string()
    } else {
        format!("./{path}")
    }
}

/// The go.mod `ignore` directives as `search.IgnorePatterns` applies them.
struct IgnorePatterns {
    relative: Vec<String>,
    anywhere: Vec<String>,
}

impl IgnorePatterns {
    fn new(patterns: &[String]) -> IgnorePatterns {
        let mut out = IgnorePatterns {
            relative: Vec::new(),
            anywhere: Vec::new(),
        };
        for pattern in patterns {
            match pattern.strip_prefix("./") {
                Some(rest) => out.relative.push(normalize_slashes(rest)),
                None => out.anywhere.push(normalize_slashes(pattern)),
            }
        }
        out
    }

    fn should_ignore(&self, rel: &str) -> bool {
        if rel.is_empty() {
            return false;
        }
        let rel = normalize_slashes(rel);
        self.relative.iter().any(|p| rel.starts_with(p.as_str()))
            || self.anywhere.iter().any(|p| rel.contains(p.as_str()))
    }
}

fn normalize_slashes(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 2);
    if !path.starts_with('/') {
        out.push('/');
    }
    out.push_str(path);
    if !path.ends_with('/') {
        out.push('/');
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Dir,
    File,
    Other,
}

/// Entries of `dir` with their kind (symlinks not followed), sorted by name; names that are not
/// UTF-8 are skipped (no Go package or licence file can have one).
fn read_dir_sorted(dir: &Path) -> Result<Vec<(String, Kind)>, VendoringError> {
    let io_err = |source| VendoringError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err)? {
        let entry = entry.map_err(io_err)?;
        let file_type = entry.file_type().map_err(io_err)?;
        let kind = if file_type.is_dir() {
            Kind::Dir
        } else if file_type.is_file() {
            Kind::File
        } else {
            Kind::Other
        };
        if let Ok(name) = entry.file_name().into_string() {
            out.push((name, kind));
        }
    }
    out.sort();
    Ok(out)
}

/// `fsys.IsGoDir`: the directory holds a regular `.go` file (or a symlink to one), whatever its
/// name or build constraints.
fn is_go_dir(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return false;
        };
        name.ends_with(".go")
            && match entry.file_type() {
                Ok(t) if t.is_file() => true,
                Ok(t) if t.is_symlink() => fs::metadata(entry.path()).is_ok_and(|m| m.is_file()),
                _ => false,
            }
    })
}

/// Why `importFromModules` refuses `path` before looking it up, if it does.
fn invalid_import_reason(path: &str) -> Option<String> {
    if path.is_empty() {
        return Some("malformed import path \"\": empty string".to_string());
    }
    if path.contains('@') {
        return Some(format!("import path {path:?} should not have @version"));
    }
    if path == "." || path == ".." || path.starts_with("./") || path.starts_with("../") {
        return Some(format!(
            "{path:?} is relative, but relative import paths are not supported in module mode"
        ));
    }
    if path.starts_with('/') {
        return Some(format!("{path:?} is not a package path"));
    }
    if matches!(path, "std" | "cmd" | "tool" | "work" | "all") {
        return Some(format!("{path:?} is not an importable package"));
    }
    None
}

/// The file of `pkg` whose imports name `import` (a non-test file first), for error messages.
fn importing_file(pkg: &Loaded, import: &str) -> String {
    let mut files: Vec<_> = pkg
        .scanned
        .files
        .iter()
        .filter(|f| !f.ignored && f.imports.iter().any(|i| i == import))
        .collect();
    files.sort_by_key(|f| (f.is_test, f.name.clone()));
    let name = files.first().map_or("", |f| f.name.as_str());
    pkg.dir.join(name).display().to_string()
}

fn check_not_in_vendor(path: &str) -> Result<(), VendoringError> {
    // `str.HasFilePathPrefix(filepath.Clean(path), "vendor")`
    if path.starts_with('/') {
        return Ok(());
    }
    let mut cleaned: Vec<&str> = Vec::new();
    for elem in path.split('/') {
        match elem {
            "" | "." => {}
            ".." if cleaned.last().is_some_and(|e| *e != "..") => {
                cleaned.pop();
            }
            _ => cleaned.push(elem),
        }
    }
    if cleaned.first() == Some(&"vendor") {
        return Err(VendoringError::ReplacementInVendor {
            path: path.to_string(),
        });
    }
    Ok(())
}

/// `checkPathCollisions`: two module paths equal under case folding.
fn check_path_collisions<'m>(
    modules: impl Iterator<Item = &'m ModuleVersion>,
) -> Result<(), VendoringError> {
    let mut folded: HashMap<String, &str> = HashMap::new();
    for module in modules {
        let key = module.path.to_lowercase();
        match folded.get(key.as_str()) {
            Some(other) if *other != module.path => {
                return Err(VendoringError::PathCollision {
                    first: module.path.clone(),
                    second: (*other).to_string(),
                });
            }
            _ => {
                folded.insert(key, &module.path);
            }
        }
    }
    Ok(())
}

fn first_element(path: &str) -> &str {
    path.split('/').next().unwrap_or(path)
}

/// The package's directory relative to its module root ("" for the root).
fn relative_to_module<'p>(module_path: &str, package: &'p str) -> &'p str {
    package
        .strip_prefix(module_path)
        .unwrap_or(package)
        .trim_start_matches('/')
}

fn join_rel(dir: &str, name: &str) -> String {
    match (dir.is_empty(), name.is_empty()) {
        (true, _) => name.to_string(),
        (_, true) => dir.to_string(),
        _ => format!("{dir}/{name}"),
    }
}

fn join_path(root: &Path, rel: &str) -> PathBuf {
    if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    }
}

/// `gover.ModSort`: by path, then by version precedence.
fn compare_module_versions(a: &ModuleVersion, b: &ModuleVersion) -> Ordering {
    a.path
        .cmp(&b.path)
        .then_with(|| crate::formats::module::compare_versions(&a.version, &b.version))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mv(path: &str, version: &str) -> ModuleVersion {
        ModuleVersion {
            path: path.into(),
            version: version.into(),
        }
    }

    #[test]
    fn semver_order() {
        let ordered = [
            "bad",
            "v0.0.0-20200101000000-abcdef123456",
            "v0.1.0",
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
        ];
        for pair in ordered.windows(2) {
            assert_eq!(
                crate::formats::module::compare_versions(pair[0], pair[1]),
                Ordering::Less,
                "{pair:?}"
            );
            assert_eq!(
                crate::formats::module::compare_versions(pair[1], pair[0]),
                Ordering::Greater
            );
        }
        assert_eq!(
            compare_module_versions(&mv("a", "v2.0.0"), &mv("b", "v1.0.0")),
            Ordering::Less
        );
    }

    #[test]
    fn ignore_patterns() {
        let cases = [
            (&["./gen"][..], "gen", true),
            (&["./gen"][..], "gen/x", true),
            (&["./gen"][..], "a/gen", false),
            (&["./gen"][..], "generated", false),
            (&["gen"][..], "a/gen", true),
            (&["gen"][..], "a/gen/b", true),
            (&["gen"][..], "a/general", false),
            (&["a/b"][..], "x/a/b", true),
            (&[][..], "a", false),
        ];
        for (patterns, dir, want) in cases {
            let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
            assert_eq!(
                IgnorePatterns::new(&patterns).should_ignore(dir),
                want,
                "{patterns:?} {dir}"
            );
        }
    }

    #[test]
    fn invalid_imports() {
        for path in ["", "a@v1", ".", "..", "./x", "../x", "/abs", "all", "std"] {
            assert!(invalid_import_reason(path).is_some(), "{path}");
        }
        for path in ["fmt", "example.com/x", "a/b.c"] {
            assert!(invalid_import_reason(path).is_none(), "{path}");
        }
    }

    #[test]
    fn replacement_inside_vendor() {
        for (path, bad) in [
            ("vendor/x", true),
            ("./vendor/x", true),
            ("vendor", true),
            ("../vendor/x", false),
            ("vendored/x", false),
            ("/vendor/x", false),
            ("x/../vendor/y", true),
            ("vendor/../x", false),
        ] {
            assert_eq!(check_not_in_vendor(path).is_err(), bad, "{path}");
        }
    }

    #[test]
    fn collisions() {
        let list = [mv("example.com/A", "v1.0.0"), mv("example.com/a", "v1.0.0")];
        assert!(check_path_collisions(list.iter()).is_err());
        let list = [mv("example.com/a", "v1.0.0"), mv("example.com/b", "v1.0.0")];
        assert!(check_path_collisions(list.iter()).is_ok());
    }

    /// Writes `files` (slash paths) under `root`.
    fn write(root: &Path, files: &[(&str, &str)]) {
        for (name, text) in files {
            let path = root.join(name);
            fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
            fs::write(path, text).expect("write");
        }
    }

    struct Fixture {
        tmp: tempfile::TempDir,
        main: PathBuf,
        module: ModuleVersion,
    }

    impl Fixture {
        /// A main module importing `imports`, and `example.com/a` with `files`.
        fn new(imports: &[&str], files: &[(&str, &str)]) -> Fixture {
            let tmp = tempfile::TempDir::new().expect("tempdir");
            let body: String = imports
                .iter()
                .map(|i| format!("import _ \"{i}\"\n"))
                .collect();
            write(
                &tmp.path().join("main"),
                &[(
                    "main.go",
                    &format!("package main\n\n{body}\nfunc main() {{}}\n"),
                )],
            );
            write(&tmp.path().join("a"), files);
            Fixture {
                main: tmp.path().join("main"),
                tmp,
                module: mv("example.com/a", "v1.0.0"),
            }
        }

        fn input(&self) -> VendorInput<'_> {
            VendorInput {
                main_root: &self.main,
                main_path: "example.com/main",
                main_go_version: Some("1.22"),
                explicit: vec![self.module.clone()],
                build_list: vec![self.module.clone()],
                replaces: Vec::new(),
                module_dirs: HashMap::from([(self.module.clone(), self.tmp.path().join("a"))]),
                module_go_versions: HashMap::from([(self.module.clone(), Some("1.20".into()))]),
                tools: Vec::new(),
                ignore: Vec::new(),
                goroot: None,
                cgo_enabled: true,
                scans: None,
            }
        }
    }

    fn dests(tree: &VendorTree) -> Vec<&str> {
        tree.files.iter().map(|f| f.dest.as_str()).collect()
    }

    #[test]
    fn computes_a_small_tree() {
        let fixture = Fixture::new(
            &["fmt", "nodot/pkg", "example.com/a/p"],
            &[
                ("LICENSE", "l\n"),
                ("LICENSE_test.go", "package a\n"),
                ("p/p.go", "package p\n\nimport _ \"example.com/a/p/q\"\n"),
                ("p/p_test.go", "package p\n\nimport _ \"example.com/a/t\"\n"),
                ("p/q/q.go", "package q\n"),
                ("p/q/x.h", "\n"),
                ("inc/y.h", "\n"),
            ],
        );
        let input = fixture.input();
        let tree = compute(&input).expect("compute");
        assert_eq!(
            tree.modules_txt,
            "# example.com/a v1.0.0\n## explicit; go 1.20\nexample.com/a/p\nexample.com/a/p/q\n"
        );
        assert_eq!(
            dests(&tree),
            [
                "example.com/a/LICENSE",
                "example.com/a/LICENSE_test.go",
                "example.com/a/p/p.go",
                "example.com/a/p/q/q.go",
                "example.com/a/p/q/x.h",
            ]
        );
        let dropped = dropped_files(&input, &tree).expect("dropped");
        assert_eq!(dropped, [(fixture.module.clone(), "inc/y.h".to_string())]);
    }

    #[test]
    fn package_directories_get_no_licence_copy() {
        // The root is a package: its `LICENSE_test.go` is neither a source file nor copied as
        // metadata for the package below it.
        let fixture = Fixture::new(
            &["example.com/a", "example.com/a/p"],
            &[
                ("LICENSE_test.go", "package a\n"),
                ("NOTICE", "n\n"),
                ("a.go", "package a\n"),
                ("p/p.go", "package p\n"),
            ],
        );
        let tree = compute(&fixture.input()).expect("compute");
        assert_eq!(
            dests(&tree),
            [
                "example.com/a/NOTICE",
                "example.com/a/a.go",
                "example.com/a/p/p.go"
            ]
        );
    }

    #[test]
    fn resolution_errors() {
        let fixture = Fixture::new(&["example.com/a/missing"], &[("p/p.go", "package p\n")]);
        let error = compute(&fixture.input()).expect_err("missing");
        assert!(
            matches!(&error, VendoringError::MissingPackage { import, importer, file }
                if import == "example.com/a/missing" && importer == "example.com/main"
                    && file.ends_with("main.go")),
            "{error:?}"
        );

        let mut input = fixture.input();
        input.module_dirs.clear();
        let error = compute(&input).expect_err("no files");
        assert_eq!(
            error.to_string(),
            "module `example.com/a@v1.0.0` may provide package `example.com/a/missing` but its files were not given"
        );

        let fixture = Fixture::new(&["./rel"], &[]);
        let error = compute(&fixture.input()).expect_err("relative");
        assert!(
            matches!(error, VendoringError::InvalidImport { .. }),
            "{error:?}"
        );

        let fixture = Fixture::new(&[], &[("p/p.go", "package p\n")]);
        let mut input = fixture.input();
        input.tools = vec!["example.com/a/tool".into()];
        let error = compute(&input).expect_err("tool");
        assert!(
            matches!(error, VendoringError::MissingTool { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn nothing_to_vendor() {
        let fixture = Fixture::new(&["fmt"], &[]);
        let mut input = fixture.input();
        input.explicit.clear();
        input.replaces.push(ReplaceRule {
            old_path: "example.com/main".into(),
            old_version: None,
            target: ReplaceTarget::Dir(PathBuf::from("../elsewhere")),
        });
        assert_eq!(compute(&input).expect("compute"), VendorTree::default());
        input.replaces[0].target = ReplaceTarget::Dir(PathBuf::from("./vendor/x"));
        input.replaces[0].old_path = "example.com/b".into();
        let error = compute(&input).expect_err("inside vendor");
        assert!(
            matches!(error, VendoringError::ReplacementInVendor { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn error_messages() {
        let error = VendoringError::AmbiguousImport {
            import: "example.com/a/b".into(),
            found: vec![
                ("example.com/a v1.0.0".into(), PathBuf::from("/m/a/b")),
                ("example.com/a/b v1.0.0".into(), PathBuf::from("/m/ab")),
            ],
        };
        assert_eq!(
            error.to_string(),
            "ambiguous import: found package example.com/a/b in multiple modules:\n\texample.com/a v1.0.0 (/m/a/b)\n\texample.com/a/b v1.0.0 (/m/ab)"
        );
    }
}
