//! The module graph of a repository, as the go command loads it: the main module (or the
//! workspace) from its go.mod files, every other go.mod read through a [`ModuleSource`] and checked
//! against go.sum first.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow};

use crate::formats::gomod::GoMod;
use crate::formats::gosum::GoSum;
use crate::formats::lock::SelectedGraph;
use crate::formats::module::ModuleVersion;
use crate::repo::{self, Repo, WorkspaceFiles};
use crate::resolve::graph::{
    self, Graph, MainModule, ModSummary, ReplaceRule, ReplaceTarget as GraphTarget, ResolvedModule,
};
use crate::sources::checked::{SumError, verified_gomod};
use crate::sources::modcache::{ModuleSource, SourceError};

/// The workspace's graph, every go.mod read through `src` and checked against go.sum.
pub(crate) fn load_workspace_graph(
    repo: &Repo,
    input: &graph::Workspace,
    gosum: &GoSum,
    src: &dyn ModuleSource,
) -> Result<Graph> {
    Graph::load_workspace(input, &Loader::of(repo, gosum, src))
        .map_err(|e| anyhow!(e))
        .context("failed to load the workspace's module graph")
}

/// The main module's graph, every go.mod read through `src` and checked against go.sum.
pub(crate) fn load_graph(
    repo: &Repo,
    main: &MainModule,
    gosum: &GoSum,
    src: &dyn ModuleSource,
) -> Result<Graph> {
    Graph::load(main, &Loader::of(repo, gosum, src))
        .map_err(|e| anyhow!(e))
        .context("failed to load the module graph")
}

/// The module graph between selected versions ([`Graph::selected_graph`]) of the repository's
/// go.mod (`gomod`: this text instead, e.g. replace mode's edited one), or of its workspace's
/// go.work, every go.mod read through `src` and checked against go.sum.
pub(crate) fn repo_selected_graph(
    repo: &Repo,
    gomod: Option<&str>,
    src: &dyn ModuleSource,
) -> Result<SelectedGraph> {
    let gosum = repo.gosum()?;
    let graph = match &repo.workspace {
        Some(ws) => load_workspace_graph(repo, &workspace_input(ws)?, &gosum, src)?,
        None => {
            let text = gomod.unwrap_or(&repo.gomod_text);
            let gomod = GoMod::parse("go.mod", text)?;
            load_graph(repo, &main_module(&gomod)?, &gosum, src)?
        }
    };
    Ok(graph.selected_graph())
}

pub(crate) fn main_module(gomod: &GoMod) -> Result<MainModule> {
    let path = gomod
        .module_path()
        .ok_or_else(|| anyhow!("go.mod has no module directive"))?
        .to_string();
    Ok(MainModule {
        path,
        go_version: gomod.go_version().map(str::to_string),
        // The same requirements the graph reads of any go.mod.
        requires: ModSummary::from(gomod).requires,
        excludes: gomod
            .excludes()
            .into_iter()
            .map(|e| ModuleVersion {
                path: e.path,
                version: e.version,
            })
            .collect(),
        replaces: gomod
            .replaces()
            .into_iter()
            .map(|r| ReplaceRule {
                target: match &r.new_version {
                    Some(v) => GraphTarget::Module(ModuleVersion {
                        path: r.new_path.clone(),
                        version: v.clone(),
                    }),
                    None => GraphTarget::Dir(PathBuf::from(&r.new_path)),
                },
                old_path: r.old_path,
                old_version: r.old_version,
            })
            .collect(),
    })
}

/// Reads go.mod files for the graph, each checked against go.sum before it is used.
pub(crate) struct Loader<'a> {
    pub repo_root: &'a Path,
    pub src: &'a dyn ModuleSource,
    pub gosum: &'a GoSum,
}

impl<'a> Loader<'a> {
    fn of(repo: &'a Repo, gosum: &'a GoSum, src: &'a dyn ModuleSource) -> Loader<'a> {
        Loader {
            repo_root: &repo.root,
            src,
            gosum,
        }
    }
}

impl graph::SummaryLoader for Loader<'_> {
    fn load(&self, target: &ResolvedModule) -> Result<ModSummary, graph::GraphError> {
        let (name, text) = match target {
            ResolvedModule::Module(mv) => {
                let bytes = verified_gomod(self.src, self.gosum, mv)
                    .map_err(|e| graph::GraphError::load(target, typed(e)))?;
                (
                    format!("{mv}/go.mod"),
                    String::from_utf8_lossy(&bytes).into_owned(),
                )
            }
            ResolvedModule::Dir(d) => {
                let p = self.repo_root.join(d).join("go.mod");
                let text = repo::read_text(&p).map_err(|e| graph::GraphError::load(target, e))?;
                (p.display().to_string(), text)
            }
        };
        let g = GoMod::parse_lax(&name, &text).map_err(|e| graph::GraphError::load(target, e))?;
        Ok(ModSummary::from(&g))
    }
}

/// An error as its own type where it is a [`SourceError`], so that its hint reaches the user
/// through the graph's error chain.
fn typed(e: anyhow::Error) -> Box<dyn std::error::Error + Send + Sync> {
    match e.downcast::<SourceError>() {
        Ok(source) => Box::new(source),
        Err(other) => match other.downcast::<SumError>() {
            Ok(sum) => Box::new(sum),
            Err(other) => other.into(),
        },
    }
}

/// The graph input of a workspace: its go.work and the main modules it uses.
pub fn workspace_input(ws: &WorkspaceFiles) -> Result<graph::Workspace> {
    let dir = ws.work_file.parent().unwrap_or(Path::new("."));
    let mut modules = Vec::new();
    for m in &ws.modules {
        let gomod = m.gomod()?;
        modules.push(graph::WorkspaceMember {
            dir: PathBuf::from(&m.dir),
            main: main_module(&gomod)?,
        });
    }
    Ok(graph::Workspace {
        dir: dir.to_path_buf(),
        go_version: ws.work.go_version().map(str::to_string),
        replaces: ws
            .work
            .replaces()
            .iter()
            .map(|r| graph::ReplaceRule {
                old_path: r.old_path.clone(),
                old_version: r.old_version.clone(),
                target: match &r.new_version {
                    Some(v) => graph::ReplaceTarget::Module(ModuleVersion {
                        path: r.new_path.clone(),
                        version: v.clone(),
                    }),
                    None => graph::ReplaceTarget::Dir(PathBuf::from(&r.new_path)),
                },
            })
            .collect(),
        modules,
    })
}
