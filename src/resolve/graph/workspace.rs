//! Workspace mode: [`Graph::load_workspace`], which loads one graph for every module of a go.work,
//! and the workspace's replacements ([`WorkspaceReplacements`]), go.work's overriding the modules'
//! own, with directory targets resolved the way the go command resolves them.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::formats::module::{ModuleVersion, compare_versions};

use super::replace::Replacements;
use super::walk::Walk;
use super::{
    DEFAULT_GO_VERSION, DEFAULT_GO_WORK_VERSION, Graph, GraphError, Pruning, ReplaceTarget,
    ResolvedModule, SummaryLoader, Workspace, clean_path, is_toolchain, pruning_for, relative_path,
    sort_module_versions, target_string,
};

impl Graph {
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
        let (main_requires, roots) = workspace_roots(workspace, &excluded);
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
        graph.load_upgraded(loader, &mut walk, &excluded)?;
        Ok(graph)
    }

    /// readModGraph's workspace pass: a dependency selected above the version a module of
    /// `all` requires may bring requirements of its own; load it the workspace way, until
    /// nothing changes.
    fn load_upgraded(
        &mut self,
        loader: &dyn SummaryLoader,
        walk: &mut Walk,
        excluded: &HashSet<ModuleVersion>,
    ) -> Result<(), GraphError> {
        let mut has_deps: BTreeSet<String> = self.mains.iter().cloned().collect();
        let mut seen: HashSet<ModuleVersion> = HashSet::new();
        loop {
            let needs = self.upgraded_needs(&has_deps, &seen);
            if needs.is_empty() {
                return Ok(());
            }
            let mut queue = Vec::new();
            for m in needs {
                walk.enqueue(&mut queue, &m, Pruning::Workspace, None);
                has_deps.insert(m.path.clone());
                seen.insert(m);
            }
            self.drain(queue, loader, walk, excluded)?;
        }
    }

    /// The modules [`Graph::load_upgraded`] must load next: the selected version of each module
    /// in `has_deps` not yet `seen`, and the selected version of each requirement of theirs that
    /// is selected above the version required.
    fn upgraded_needs(
        &self,
        has_deps: &BTreeSet<String>,
        seen: &HashSet<ModuleVersion>,
    ) -> BTreeSet<ModuleVersion> {
        let mut needs: BTreeSet<ModuleVersion> = BTreeSet::new();
        for p in has_deps {
            let reqs: &[ModuleVersion] = if self.mains.contains(p) {
                &self.main_requires[p]
            } else {
                let Some(v) = self.selected(p) else { continue };
                let m = ModuleVersion {
                    path: p.clone(),
                    version: v.to_owned(),
                };
                if !seen.contains(&m) {
                    needs.insert(m);
                    continue;
                }
                self.required_by(&m).unwrap_or(&[])
            };
            for r in reqs {
                if let Some(v) = self.selected(&r.path)
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
        needs
    }
}

/// Each workspace module's requirements (not excluded, not `toolchain`), and all of them sorted
/// and deduplicated: the roots of the workspace graph.
fn workspace_roots(
    workspace: &Workspace,
    excluded: &HashSet<ModuleVersion>,
) -> (HashMap<String, Vec<ModuleVersion>>, Vec<ModuleVersion>) {
    let keep = |r: &&ModuleVersion| !excluded.contains(*r) && !is_toolchain(&r.path);
    let mut main_requires = HashMap::new();
    let mut roots = Vec::new();
    for m in &workspace.modules {
        let requires: Vec<ModuleVersion> = m.main.requires.iter().filter(keep).cloned().collect();
        roots.extend(requires.iter().cloned());
        main_requires.insert(m.main.path.clone(), requires);
    }
    sort_module_versions(&mut roots);
    roots.dedup();
    (main_requires, roots)
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

    pub(super) fn resolve(&self, module: &ModuleVersion) -> (ResolvedModule, Option<GraphError>) {
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
