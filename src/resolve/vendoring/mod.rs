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

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::formats::gover;
use crate::formats::module::ModuleVersion;
use crate::formats::modules_txt::{ModulesTxt, VendoredModule};
use crate::resolve::graph::ReplaceRule;
use crate::resolve::packages::ScanError;
use crate::resolve::scans::ScanCache;

mod context;
mod files;
mod load;
mod paths;

use context::{Context, DEFAULT_GO_VERSION, DEFAULT_GO_WORK_VERSION, Loaded, MainSpec, Spec};
use paths::{
    Kind, check_not_in_vendor, check_path_collisions, compare_module_versions, join_path, join_rel,
    read_dir_sorted, relative_to_module, render_target,
};

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
    let (packages, dirs) = packages_per_module(&loaded)?;

    let explicit: HashSet<&ModuleVersion> = if spec.annotate_explicit {
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
        doc.modules
            .push(ctx.vendored_module(module, explicit.contains(module), &packages)?);
    }
    if spec.annotate_explicit {
        doc.trailing_replaces = trailing_replaces(&ctx, spec, written)?;
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

/// The vendored packages of each module, by import path.
type ModulePackages = BTreeMap<ModuleVersion, Vec<String>>;

/// A modules.txt `# old [version] => new [version]` line, as [`ModulesTxt::trailing_replaces`]
/// holds it.
type ReplaceLine = (String, Option<String>, String, Option<String>);

/// The packages of each module, sorted (`modpkgs`), and each package's load result by path;
/// main-module packages are in neither.
fn packages_per_module(
    loaded: &[Loaded],
) -> Result<(ModulePackages, HashMap<&str, &Loaded>), VendoringError> {
    let mut packages = ModulePackages::new();
    let mut dirs: HashMap<&str, &Loaded> = HashMap::new();
    for pkg in loaded {
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
    Ok((packages, dirs))
}

impl Context<'_> {
    /// The modules.txt entry of one vendored module: its replacement, `## explicit` and go
    /// version annotations, and its packages.
    fn vendored_module(
        &self,
        module: &ModuleVersion,
        explicit: bool,
        packages: &BTreeMap<ModuleVersion, Vec<String>>,
    ) -> Result<VendoredModule, VendoringError> {
        let replacement = self.replacement(&module.path, &module.version);
        if let Some((path, _)) = &replacement {
            check_not_in_vendor(path)?;
        }
        let go_version = if gover::at_least(&self.spec.go, "1.17") {
            self.go_version(module)
        } else {
            None
        };
        Ok(VendoredModule {
            path: module.path.clone(),
            version: module.version.clone(),
            replacement,
            explicit,
            go_version,
            packages: packages.get(module).cloned().unwrap_or_default(),
        })
    }
}

/// The `# old => new` lines after the modules: every main module's replacements, go.work's
/// first, each old side once and none already `written` as a module line.
fn trailing_replaces<'w>(
    ctx: &Context,
    spec: &'w Spec,
    mut written: HashSet<(&'w str, &'w str)>,
) -> Result<Vec<ReplaceLine>, VendoringError> {
    let mut out = Vec::new();
    for main in &spec.mains {
        for rule in spec.work.map_or(&[][..], |(_, rules)| rules) {
            let old_version = rule.old_version.as_deref().unwrap_or("");
            if !written.insert((rule.old_path.as_str(), old_version)) {
                continue;
            }
            let (new, new_version) = render_target(&rule.target);
            check_not_in_vendor(&new)?;
            out.push((
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
            out.push((
                rule.old_path.clone(),
                rule.old_version.clone(),
                new,
                new_version,
            ));
        }
    }
    Ok(out)
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

#[cfg(test)]
mod tests;
