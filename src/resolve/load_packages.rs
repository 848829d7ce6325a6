//! Loading the packages of a build the way `go mod vendor` loads them (every build tag true
//! except `ignore`), over module files found as the loader asks for them: what vendor mode
//! writes, and which modules a build reads (replace and proxy mode, through [`crate::resolve::needs`]).
//!
//! [`ModuleTrees`] is the one driver: the build list's files from the source's extracted
//! directories, and a module the loader finds without files taken from its zip (checked against
//! go.sum, extracted into a temporary directory) before the loader runs again.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};

use crate::formats::gomod::GoMod;
use crate::formats::gosum::GoSum;
use crate::formats::module::ModuleVersion;
use crate::repo::{self, Repo};
use crate::resolve::graph::{Graph, MainModule, ReplaceRule, ResolvedModule};
use crate::resolve::load::main_module;
use crate::resolve::scans::ScanCache;
use crate::resolve::vendoring::{self, VendorInput, VendorTree, VendoringError};
use crate::sources::extract::{Content, Extractor, ModuleFiles};
use crate::sources::goenv::GoSettings;
use crate::sources::modcache::ModuleSource;

/// Everything the package loader needs except where module files are, owned.
pub(crate) struct Inputs {
    pub main_root: PathBuf,
    pub main_path: String,
    pub main_go: Option<String>,
    pub explicit: Vec<ModuleVersion>,
    pub build_list: Vec<ModuleVersion>,
    pub replaces: Vec<ReplaceRule>,
    pub go_versions: HashMap<ModuleVersion, Option<String>>,
    pub tools: Vec<String>,
    pub ignore: Vec<String>,
    pub goroot: Option<PathBuf>,
    pub cgo_enabled: bool,
    /// In a workspace: its modules (`main_*`, `explicit`, `tools` and `ignore` then unused;
    /// `replaces` are go.work's).
    pub work: Option<Vec<WorkModule>>,
}

/// One workspace module, owned.
pub(crate) struct WorkModule {
    pub root: PathBuf,
    pub path: String,
    pub requires: Vec<ModuleVersion>,
    pub replaces: Vec<ReplaceRule>,
    pub tools: Vec<String>,
    pub ignore: Vec<String>,
}

impl Inputs {
    /// The inputs of a single module (not a workspace).
    pub(crate) fn module(
        repo: &Repo,
        gomod: &GoMod,
        main: &MainModule,
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
    pub(crate) fn workspace(
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
    pub(crate) fn tree(
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

    /// The single-module loader's input over the module directories `dirs`.
    pub(crate) fn input(&self, dirs: HashMap<ModuleVersion, PathBuf>) -> VendorInput<'_> {
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

/// The files of a build list's modules, as far as they are known: directory replacements and the
/// source's extracted directories (not checked yet) at first, zips extracted as the loader asks
/// for modules without files.
pub(crate) struct ModuleTrees<'a> {
    /// Build-list module → where its files are.
    pub modules: HashMap<ModuleVersion, ModuleFiles>,
    /// Build-list module → the module version whose files it is (after replacement), for every
    /// module that is not a directory replacement.
    pub contents: HashMap<ModuleVersion, ModuleVersion>,
    pub zips: Extractor<'a>,
}

impl<'a> ModuleTrees<'a> {
    /// Where the files of each module of `build_list` are before anything is extracted.
    pub(crate) fn new(
        root: &Path,
        graph: &Graph,
        build_list: &[ModuleVersion],
        src: &'a dyn ModuleSource,
        gosum: &'a GoSum,
    ) -> ModuleTrees<'a> {
        let mut modules = HashMap::new();
        let mut contents = HashMap::new();
        for m in build_list {
            match graph.resolved(m) {
                ResolvedModule::Dir(d) => {
                    // An absolute directory stays as it is (`join` replaces the root).
                    let written = d.to_string_lossy().replace('\\', "/");
                    let files = ModuleFiles {
                        root: root.join(&d),
                        origin: format!("directory `{written}`"),
                        content: Content::Dir(written),
                        digests: None,
                        stamps: Default::default(),
                    };
                    modules.insert(m.clone(), files);
                }
                ResolvedModule::Module(c) => {
                    contents.insert(m.clone(), c.clone());
                    if let Some(dir) = src.extracted_dir(&c) {
                        let files = ModuleFiles {
                            root: dir,
                            origin: src.kind().to_string(),
                            content: Content::Module(c),
                            digests: None,
                            stamps: Default::default(),
                        };
                        modules.insert(m.clone(), files);
                    }
                }
            }
        }
        ModuleTrees {
            modules,
            contents,
            zips: Extractor::new(src, gosum),
        }
    }

    /// Each module's root directory, as the loader takes them.
    pub(crate) fn dirs(&self) -> HashMap<ModuleVersion, PathBuf> {
        self.modules
            .iter()
            .map(|(m, f)| (m.clone(), f.root.clone()))
            .collect()
    }

    /// `load` run until it no longer stops at a module without files: each such module's zip is
    /// extracted (checked against go.sum) and `load` runs again. Its other answers are returned
    /// as they are; the outer error is a zip that could not be had.
    pub(crate) fn load<T>(
        &mut self,
        mut load: impl FnMut(&Self) -> Result<T, VendoringError>,
    ) -> Result<Result<T, VendoringError>> {
        loop {
            match load(self) {
                Err(VendoringError::ModuleDirMissing { module, import }) => {
                    let files = self
                        .zips
                        .extract_provider(&self.contents, &module, &import)?;
                    self.modules.insert(module, files);
                }
                other => return Ok(other),
            }
        }
    }
}

/// Which build-list modules (before replacement) the packages of the build come from.
#[derive(Debug, Clone, Default)]
pub(crate) struct PackageModules {
    /// The modules that provide at least one package of the `all` set (the main module's
    /// packages, their tests, and everything they import): their files are read.
    pub providers: BTreeSet<ModuleVersion>,
    /// The providers and every other module the go command looks into to resolve an import (a
    /// build-list module whose path is a prefix of an imported package): with a module cache or
    /// a GOPROXY, go fetches each of these.
    pub consulted: BTreeSet<ModuleVersion>,
    /// What the build reads of each provider: see [`Selection`].
    pub selections: BTreeMap<ModuleVersion, Selection>,
}

/// What the build reads of one module, relative to its root (`/`-separated): the directories
/// of its loaded packages, and the files outside them that `go mod vendor` copies for them
/// (embed targets in subdirectories, licences between a package and the module root).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Selection {
    /// Package directories (`""` for the module root).
    pub dirs: BTreeSet<String>,
    pub files: BTreeSet<String>,
    /// Directories (or files) a `#cgo` directive of a loaded package names (`-I`, `-L`,
    /// `${SRCDIR}` paths inside the module): the headers and libraries the C toolchain reads
    /// there, such as a prebuilt static library.
    pub cgo_dirs: BTreeSet<String>,
}

impl Selection {
    /// Both selections' directories and files.
    pub(crate) fn merge(&mut self, other: &Selection) {
        self.dirs.extend(other.dirs.iter().cloned());
        self.files.extend(other.files.iter().cloned());
        self.cgo_dirs.extend(other.cgo_dirs.iter().cloned());
    }
}

/// The module directories (relative to the module `root`) that the `#cgo` directives of the
/// `.go` files in the package directory `dir` point into: the paths of `-I`, `-L`, `-isystem`
/// and `-iquote` flags and every `${SRCDIR}` path, relative ones taken from the package directory
/// as go does; those that leave the module are not the module's to keep.
fn cgo_dirs(root: &Path, dir: &str, scans: &ScanCache) -> Vec<String> {
    let path = root.join(dir);
    // Only the files that import "C" (known from the package scan) can hold directives.
    let Ok(package) = scans.scan_dir(root, &path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for f in package.files.iter().filter(|f| f.is_cgo) {
        let Ok(text) = std::fs::read_to_string(path.join(&f.name)) else {
            continue;
        };
        for line in text.lines() {
            // In a `/* */` preamble or in `//` comments.
            let line = line.trim_start();
            let line = line.strip_prefix("//").map_or(line, str::trim_start);
            let Some(rest) = line.strip_prefix("#cgo") else {
                continue;
            };
            let Some((_, flags)) = rest.split_once(':') else {
                continue;
            };
            let mut words = flags.split_whitespace().peekable();
            while let Some(w) = words.next() {
                let path = ["-I", "-L", "-isystem", "-iquote"]
                    .iter()
                    .find_map(|f| w.strip_prefix(f))
                    .map(|p| match p {
                        "" => words.next().unwrap_or(""),
                        p => p,
                    })
                    .or_else(|| w.contains("${SRCDIR}").then_some(w));
                if let Some(p) = path.and_then(|p| module_dir(dir, p)) {
                    out.push(p);
                }
            }
        }
    }
    out
}

/// `path` from a `#cgo` directive of a file in the package directory `dir`, as a directory
/// relative to the module root, when it is inside the module.
fn module_dir(dir: &str, path: &str) -> Option<String> {
    let path = path.trim_matches(|c| c == '"' || c == '\'');
    let rel = match path.strip_prefix("${SRCDIR}") {
        Some(rest) => rest.trim_start_matches('/'),
        None if path.starts_with('/') || path.starts_with('$') || path.is_empty() => return None,
        None => path,
    };
    // Up from the package directory as far as `..` asks; out of the module is refused.
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for c in rel.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

/// Each provider's [`Selection`] in `tree`, whose files were read from `dirs` (build-list
/// module → root).
fn selections(
    tree: &VendorTree,
    dirs: &HashMap<ModuleVersion, PathBuf>,
    scans: &ScanCache,
) -> BTreeMap<ModuleVersion, Selection> {
    let mut out: BTreeMap<ModuleVersion, Selection> = BTreeMap::new();
    for (m, packages) in &tree.packages {
        let sel = out.entry(m.clone()).or_default();
        for p in packages {
            if let Some(rest) = p.strip_prefix(m.path.as_str())
                && (rest.is_empty() || rest.starts_with('/'))
            {
                sel.dirs.insert(rest.trim_start_matches('/').to_string());
            }
        }
    }
    // Module roots never nest (`path@version` directories), so the one that holds a file is
    // the first of its ancestors that is a root.
    let roots: HashMap<&Path, &ModuleVersion> =
        dirs.iter().map(|(m, d)| (d.as_path(), m)).collect();
    for f in &tree.files {
        let owner = f.source.ancestors().skip(1).find_map(|a| {
            roots
                .get(a)
                .map(|m| (*m, f.source.strip_prefix(a).unwrap_or(&f.source)))
        });
        if let Some((m, rel)) = owner
            && let Some(sel) = out.get_mut(m)
        {
            sel.files.insert(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    for (m, sel) in &mut out {
        if let Some(root) = dirs.get(m) {
            sel.cgo_dirs = sel
                .dirs
                .iter()
                .flat_map(|d| cgo_dirs(root, d, scans))
                .collect();
        }
    }
    // A package's own files are kept with its directory (which files of it `go mod vendor`
    // copies depends on the main module's go version): only the others are worth naming.
    for sel in out.values_mut() {
        let dirs = &sel.dirs;
        sel.files
            .retain(|f| !dirs.contains(f.rsplit_once('/').map_or("", |(d, _)| d)));
    }
    out
}

/// The modules the `all` package set comes from, loaded the way `go mod vendor` loads it (every
/// build tag true except `ignore`). Module files are read from the source's extracted
/// directories, or from zips (checked against go.sum) extracted into a temporary directory; the
/// cache directories are not checked here, so callers must not copy from them on the strength of
/// this answer alone.
pub(crate) fn package_modules(
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
    let mut trees = ModuleTrees::new(&repo.root, graph, &build_list, src, gosum);
    // Scans remembered for this run by module content, so that the selections below look the
    // package directories up instead of reading them again.
    let scans = ScanCache::in_memory();
    let tree = trees
        .load(|t| {
            for f in t.modules.values() {
                if let Content::Module(c) = &f.content
                    && let Some(h1) = gosum.zip_hash(&c.path, &c.version)
                {
                    scans.set_root(&f.root, h1);
                }
            }
            inputs.tree(t.dirs(), &scans)
        })?
        .map_err(|e| anyhow!(e))?;
    let providers: BTreeSet<ModuleVersion> = tree.packages.keys().cloned().collect();
    let consulted = consulted(&tree, &build_list)
        .into_iter()
        .chain(providers.iter().cloned())
        .collect();
    Ok(PackageModules {
        providers,
        consulted,
        selections: selections(&tree, &trees.dirs(), &scans),
    })
}

/// The build-list modules whose files decided the result: every module the import resolution
/// looked into ([`VendorTree::consulted`]: the providers and the other candidates of the pass
/// that resolved an import), and any path without a dot in its first element.
pub(crate) fn consulted(tree: &VendorTree, build_list: &[ModuleVersion]) -> Vec<ModuleVersion> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgo_directive_paths_become_module_directories() {
        assert_eq!(
            module_dir("cgo", "../lib/linux_amd64").as_deref(),
            Some("lib/linux_amd64")
        );
        assert_eq!(
            module_dir("a/b", "${SRCDIR}/../inc").as_deref(),
            Some("a/inc")
        );
        assert_eq!(module_dir("", "${SRCDIR}").as_deref(), Some(""));
        assert_eq!(module_dir("", "\"${SRCDIR}/x\"").as_deref(), Some("x"));
        // Out of the module, absolute, or from the environment: not the module's.
        assert_eq!(module_dir("a", "../../x"), None);
        assert_eq!(module_dir("a", "/usr/include"), None);
        assert_eq!(module_dir("a", "$HOME/x"), None);
    }

    #[test]
    fn cgo_dirs_reads_the_directives_of_a_package() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("cgo")).unwrap();
        std::fs::write(
            root.path().join("cgo/x.go"),
            "package cgo\n\n// #cgo LDFLAGS: -L../lib/linux_amd64 -lhashtree\n// #cgo CFLAGS: -I ${SRCDIR}/../include -DX=1\nimport \"C\"\n",
        )
        .unwrap();
        std::fs::write(
            root.path().join("cgo/notes.txt"),
            "#cgo LDFLAGS: -L../other",
        )
        .unwrap();
        let mut got = cgo_dirs(root.path(), "cgo", &ScanCache::in_memory());
        got.sort();
        assert_eq!(got, ["include", "lib/linux_amd64"]);
    }
}
