//! The graph walk: go.mod summaries loaded level by level (`readModGraph`), each requirement
//! followed as its module's pruning says, versions selected by MVS, and the chains that explain a
//! load error.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::formats::gover;
use crate::formats::module::{ModuleVersion, compare_versions};

use super::{
    GO_STRICT_VERSION, Graph, GraphError, Inconsistency, MainModule, ModSummary, Pruning,
    ResolvedModule, SummaryLoader, at, is_toolchain, pruning_for,
};

impl Graph {
    /// Loads the queued modules' go.mod files level by level, selecting what each requires and
    /// following requirements as `readModGraph` does.
    pub(super) fn drain(
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
}

impl Graph {
    pub(super) fn select(&mut self, module: &ModuleVersion) {
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

    pub(super) fn find_inconsistencies(
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

/// The state of one graph load: what was read, what was queued, and who required what first.
pub(super) struct Walk {
    /// Summaries read so far, by where they were read from.
    summaries: HashMap<ResolvedModule, ModSummary>,
    enqueued: HashSet<(ModuleVersion, Pruning)>,
    /// The module whose requirement first reached each module version (`None`: the main module).
    parent: HashMap<ModuleVersion, Option<ModuleVersion>>,
    pub(super) max_go: Option<(String, ModuleVersion)>,
}

impl Walk {
    pub(super) fn new() -> Walk {
        Walk {
            summaries: HashMap::new(),
            enqueued: HashSet::new(),
            parent: HashMap::new(),
            max_go: None,
        }
    }

    pub(super) fn enqueue(
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
