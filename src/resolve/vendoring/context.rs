//! What the computation works from: a single module or a workspace as one [`Spec`], its replace
//! rules indexed the way `modload.replacement` looks them up, and the [`Context`] that answers which
//! directory, replacement and go version a module has.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::formats::module::ModuleVersion;
use crate::resolve::graph::{ReplaceRule, ReplaceTarget};
use crate::resolve::packages::{PackageDir, VendorRules};
use crate::resolve::scans::ScanCache;

use super::paths::{relative_path, render_target, to_directory_path};

// ---------------------------------------------------------------------------------------------
// Loading the package set.

/// The go version the go command assumes for a go.mod without a `go` line.
pub(super) const DEFAULT_GO_VERSION: &str = "1.16";

/// One package of `all`.
#[derive(Debug)]
pub(super) struct Loaded {
    pub(super) path: String,
    /// The providing build-list module; `None` for the main module.
    pub(super) module: Option<ModuleVersion>,
    pub(super) dir: PathBuf,
    pub(super) scanned: PackageDir,
}

/// How one import path resolved.
pub(super) enum Resolved {
    /// Standard library (or a dotless path no module provides): not followed.
    Std,
    Package(Loaded),
}

/// The go version the go command assumes for a go.work without a `go` line.
pub(super) const DEFAULT_GO_WORK_VERSION: &str = "1.18";

/// A single module or a workspace, as the computation sees either.
pub(super) struct Spec<'a> {
    /// The main modules: one, or the workspace's in `use` order.
    pub(super) mains: Vec<MainSpec<'a>>,
    /// The workspace directory and go.work's replacements.
    pub(super) work: Option<(&'a Path, &'a [ReplaceRule])>,
    /// The go version that decides the rules (`MainModules.GoVersion`).
    pub(super) go: String,
    pub(super) annotate_explicit: bool,
    /// Whether imports are looked up in the requirements first (pruned or workspace graphs).
    pub(super) pruned: bool,
    pub(super) build_list: &'a [ModuleVersion],
    pub(super) module_dirs: &'a HashMap<ModuleVersion, PathBuf>,
    pub(super) module_go_versions: &'a HashMap<ModuleVersion, Option<String>>,
    pub(super) goroot: Option<&'a Path>,
    pub(super) cgo_enabled: bool,
    pub(super) scans: Option<&'a ScanCache>,
}

pub(super) struct MainSpec<'a> {
    pub(super) path: &'a str,
    pub(super) root: &'a Path,
    pub(super) requires: &'a [ModuleVersion],
    pub(super) replaces: &'a [ReplaceRule],
    pub(super) tools: &'a [String],
    pub(super) ignore: &'a [String],
}

/// `replace` rules indexed the way `modload.replacement` looks them up.
#[derive(Default)]
struct ReplaceMap<'a> {
    exact: HashMap<(&'a str, &'a str), &'a ReplaceTarget>,
    any_version: HashMap<&'a str, &'a ReplaceTarget>,
}

impl<'a> ReplaceMap<'a> {
    pub(super) fn new(rules: &'a [ReplaceRule]) -> ReplaceMap<'a> {
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

pub(super) struct Context<'a> {
    pub(super) spec: &'a Spec<'a>,
    pub(super) rules: VendorRules,
    /// Selected version by path.
    pub(super) selected: HashMap<&'a str, &'a ModuleVersion>,
    /// Paths of the main modules' requirements (the roots of a pruned graph).
    pub(super) roots: HashSet<&'a str>,
    work_replace: ReplaceMap<'a>,
    /// Each main module's replacements, in `mains` order.
    main_replace: Vec<ReplaceMap<'a>>,
    /// What [`VendorTree::consulted`](super::VendorTree::consulted) reports (imports are resolved in parallel).
    pub(super) consulted: std::sync::Mutex<BTreeSet<ModuleVersion>>,
}

impl<'a> Context<'a> {
    pub(super) fn new(spec: &'a Spec<'a>) -> Context<'a> {
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
    pub(super) fn replacement(
        &self,
        path: &str,
        version: &str,
    ) -> Option<(String, Option<String>)> {
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

    pub(super) fn is_local(&self, module: &ModuleVersion) -> bool {
        matches!(
            self.replace_target(&module.path, &module.version),
            Some((ReplaceTarget::Dir(_), _))
        )
    }

    pub(super) fn main_index(&self, path: &str) -> Option<usize> {
        self.spec.mains.iter().position(|m| m.path == path)
    }

    /// `modload.ModuleInfo(path).GoVersion`: the go line of the selected version of the path.
    pub(super) fn go_version(&self, module: &ModuleVersion) -> Option<String> {
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
}

/// The file of `pkg` whose imports name `import` (a non-test file first), for error messages.
pub(super) fn importing_file(pkg: &Loaded, import: &str) -> String {
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
