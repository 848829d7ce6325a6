//! Which module versions a repository's build needs from outside it, whatever the mode lays them
//! out as: every go.mod the go command loads and every module whose files it reads, mapped through
//! the main module's `replace` rules.

use std::collections::{BTreeMap, BTreeSet};

use crate::util::hint::HintExt as _;
use anyhow::{Context as _, Result};
use rayon::prelude::*;

use crate::formats::dirhash;
use crate::formats::gomod::GoMod;
use crate::formats::gosum::GoSum;
use crate::formats::lock::{Mode, Tier};
use crate::formats::module::{self, ModuleVersion};
use crate::repo::{self, Repo, base_gomod_text};
use crate::resolve::graph::{Graph, ResolvedModule};
use crate::resolve::load::{load_graph, load_workspace_graph, main_module};
use crate::resolve::load_packages::Selection;
use crate::sources::checked::{SumError, verified_gomod};
use crate::sources::modcache::{ModuleSource, SourceError};

/// One module version the build needs from outside the repository, as the go command reads it
/// (after the main module's `replace` rules), verified against go.sum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Needed {
    /// The module whose files the go command reads: for a module replaced by another module
    /// version (a fork), the fork.
    pub content: ModuleVersion,
    /// Whole module (packages are built) or go.mod only (read for version selection).
    pub tier: Tier,
    /// Selected in the build list (or the replacement of a selected module): `go list -m all`
    /// reads the `.info` of a selected module, `go mod download` that of a replacement.
    pub listed: bool,
    /// The go.mod bytes (the `.mod` file), checked against go.sum's `/go.mod` line. `None` for a
    /// module of the build list whose go.mod the (pruned) graph never loads and go.sum has no
    /// `/go.mod` line for: the go command reads only its `.info` (for `go list -m all`).
    pub gomod: Option<Vec<u8>>,
    pub gomod_h1: Option<String>,
    /// go.sum's `h1:` of the module zip; set exactly for [`Tier::Full`].
    pub zip_h1: Option<String>,
    /// The module versions (as required, before `replace`) whose content this is.
    pub required_as: Vec<ModuleVersion>,
}

/// Which modules a need set counts as read whole: go.sum then must hold their zip lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ZipsFor {
    /// The modules that provide packages: a directory replacement is only looked into.
    Providers,
    /// Every module go looks into to resolve an import: from a module cache or a GOPROXY, go
    /// fetches each one's zip.
    Consulted,
}

/// Which modules the repository's build needs, whatever the mode lays them out as: every go.mod
/// the go command loads for the graph (selected or not) and every module whose packages it
/// builds, mapped through the main module's `replace` rules (directory replacements are already
/// local and left out), minus the main module and the `exclude`d paths. Sorted by path, then
/// version. Each go.mod is checked against go.sum; zips are not read here.
pub(crate) fn needed_modules(
    repo: &Repo,
    src: &dyn ModuleSource,
    exclude: &[String],
    zips_for: ZipsFor,
) -> Result<Vec<Needed>> {
    let gosum = repo.gosum()?;
    let (graph, base) = repo_graph(repo, &gosum, src)?;
    let read = read_set(repo, base.as_ref(), &gosum, &graph, src, zips_for)?;
    needs_in_graph(
        &graph,
        &gosum,
        src,
        exclude,
        read.as_ref().map(|r| &r.modules),
    )
}

/// The module versions of the build list (after `replace`; the main modules, directory
/// replacements and the `exclude`d paths left out) whose zip go.sum has a line for: every zip a
/// build of any package could need, which `pack --download` has go fetch. Only the graph and
/// go.sum are read: a go.mod go.sum has no line for (one the pruned graph never loads) is not
/// asked for.
pub(crate) fn zips_of_build_list(
    repo: &Repo,
    src: &dyn ModuleSource,
    exclude: &[String],
) -> Result<Vec<ModuleVersion>> {
    let gosum = repo.gosum()?;
    let (graph, _) = repo_graph(repo, &gosum, src)?;
    Ok(graph_needs(&graph, &gosum, exclude, None)
        .into_values()
        .filter(|(n, _)| n.tier == Tier::Full)
        .map(|(n, _)| n.content)
        .collect())
}

/// The repository's module graph as go loads it, and its go.mod as the graph read it (`None`
/// in a workspace).
fn repo_graph(
    repo: &Repo,
    gosum: &GoSum,
    src: &dyn ModuleSource,
) -> Result<(Graph, Option<GoMod>)> {
    Ok(match &repo.workspace {
        // A workspace (go.work): its build list, as go builds it.
        Some(ws) => (
            load_workspace_graph(
                repo,
                &crate::resolve::load::workspace_input(ws)?,
                gosum,
                src,
            )?,
            None,
        ),
        None => {
            // Only replace mode edits go.mod; in the other modes it is the user's as it stands.
            let text = match &repo.lock {
                Some(l) if l.mode == Mode::Replace => base_gomod_text(repo)?,
                _ => repo.gomod_text.clone(),
            };
            let base = GoMod::parse("go.mod", &text)?;
            let main = main_module(&base)?;
            (load_graph(repo, &main, gosum, src)?, Some(base))
        }
    })
}

/// What [`read_set`] found: the modules go reads files of, and what it reads of each provider.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReadSet {
    pub modules: BTreeSet<ModuleVersion>,
    pub selections: BTreeMap<ModuleVersion, Selection>,
}

/// The build-list modules whose files go reads for the supported offline commands (`go build`,
/// `go vet`, `go test` of the main module's packages, `go list -deps -test ./...`): the modules
/// the `all` package set comes from, plus for [`ZipsFor::Consulted`] every module go looks into
/// while resolving an import (see [`crate::resolve::vendoring`]'s import resolution, which follows
/// `modload.importFromModules`: root requirements first, the whole build list only when no root
/// provides a package). Found by loading the packages, so it depends on go.mod, go.sum and the
/// modules' contents only, never on which other files the module source happens to hold.
/// `None` for one module of a wider workspace.
pub(crate) fn read_set(
    repo: &Repo,
    gomod: Option<&GoMod>,
    gosum: &GoSum,
    graph: &Graph,
    src: &dyn ModuleSource,
    zips_for: ZipsFor,
) -> Result<Option<ReadSet>> {
    // In a wider workspace go builds with the other modules too, which this module's build
    // list cannot load packages from: replace and proxy mode warn there, and go.sum decides.
    if repo.workspace.is_none() && repo::wider_workspace(&repo.root).is_some() {
        return Ok(None);
    }
    let loaded = crate::resolve::load_packages::package_modules(repo, src, gomod, gosum, graph).context("gomodoff could not load the packages of the build to tell which modules it reads")
        .hint("fix the package error (go would fail on it too), or fetch what is missing with `go mod download` on a connected machine")?;
    let modules = match zips_for {
        ZipsFor::Providers => loaded.providers,
        ZipsFor::Consulted => loaded.consulted,
    };
    Ok(Some(ReadSet {
        modules,
        selections: loaded.selections,
    }))
}

/// [`needed_modules`] for a graph already loaded; the main modules are left out. A module is
/// [`Tier::Full`] when go reads its files (`read`; without it, when it is selected and go.sum has
/// its zip line), and it must then have that zip line. Its go.mod is laid out, checked against
/// go.sum, when go reads it: for a whole module, and for every go.mod the module graph loads.
/// A selected module whose go.mod the (pruned) graph never loads and whose files go never reads
/// needs neither: go looks up only its version (`go list -m all`). Whatever is missing from the
/// source is gathered into one error.
pub(crate) fn needs_in_graph(
    graph: &Graph,
    gosum: &GoSum,
    src: &dyn ModuleSource,
    exclude: &[String],
    read: Option<&BTreeSet<ModuleVersion>>,
) -> Result<Vec<Needed>> {
    let needs = graph_needs(graph, gosum, exclude, read);
    let results: Vec<Result<Needed, NeedError>> = needs
        .into_par_iter()
        .map(|(_, (n, gomod_read))| settle(n, gomod_read, gosum, src))
        .collect();
    let mut out = gathered(results, src)?;
    out.sort_by(|a, b| {
        a.content.path.cmp(&b.content.path).then_with(|| {
            module::compare_versions(&a.content.version, &b.content.version)
                .then_with(|| a.content.version.cmp(&b.content.version))
        })
    });
    Ok(out)
}

/// Every module version the graph needs a go.mod or files of, keyed by its content (after
/// `replace`), with whether the graph loads its go.mod.
fn graph_needs(
    graph: &Graph,
    gosum: &GoSum,
    exclude: &[String],
    read: Option<&BTreeSet<ModuleVersion>>,
) -> BTreeMap<ModuleVersion, (Needed, bool)> {
    let build_list: BTreeSet<ModuleVersion> = graph.build_list().into_iter().collect();
    let loaded: BTreeSet<ModuleVersion> = graph.gomods_loaded().into_iter().collect();
    let mains = graph.main_paths();
    let mut needs: BTreeMap<ModuleVersion, (Needed, bool)> = BTreeMap::new();
    for orig in graph.gomods_needed() {
        if mains.contains(&orig.path.as_str()) || exclude.iter().any(|p| p == &orig.path) {
            continue;
        }
        let content = match graph.resolved(&orig) {
            ResolvedModule::Dir(_) => continue,
            ResolvedModule::Module(mv) => mv,
        };
        let selected = build_list.contains(&orig);
        let full = match read {
            Some(read) => read.contains(&orig),
            None => selected && gosum.zip_hash(&content.path, &content.version).is_some(),
        };
        let (n, gomod_read) = needs.entry(content.clone()).or_insert_with(|| {
            let n = Needed {
                content,
                tier: Tier::GoMod,
                listed: false,
                gomod: None,
                gomod_h1: None,
                zip_h1: None,
                required_as: Vec::new(),
            };
            (n, false)
        });
        n.required_as.push(orig.clone());
        if full {
            n.tier = Tier::Full;
        }
        n.listed |= selected;
        *gomod_read |= loaded.contains(&orig);
    }
    needs
}

/// One need settled against go.sum and the source: its zip line (a whole module), its go.mod
/// checked against its `/go.mod` line (when go reads it).
fn settle(
    mut n: Needed,
    gomod_read: bool,
    gosum: &GoSum,
    src: &dyn ModuleSource,
) -> Result<Needed, NeedError> {
    if n.tier == Tier::Full {
        n.zip_h1 = Some(
            gosum
                .zip_hash(&n.content.path, &n.content.version)
                .ok_or_else(|| NeedError::NoZipLine(n.content.clone()))?
                .to_string(),
        );
    } else if !gomod_read {
        return Ok(n);
    }
    let gomod = verified_gomod(src, gosum, &n.content).map_err(|e| {
        match e.downcast_ref::<SourceError>() {
            Some(SourceError::Missing { .. }) => NeedError::Missing(n.content.clone()),
            _ => NeedError::Other(e),
        }
    })?;
    n.gomod_h1 = Some(dirhash::hash_gomod(&gomod));
    n.gomod = Some(gomod);
    Ok(n)
}

/// The settled needs, or one error naming every module whose zip line or go.mod is missing.
fn gathered(
    results: Vec<Result<Needed, NeedError>>,
    src: &dyn ModuleSource,
) -> Result<Vec<Needed>> {
    let mut out = Vec::new();
    let (mut no_zip_line, mut missing) = (Vec::new(), Vec::new());
    for r in results {
        match r {
            Ok(n) => out.push(n),
            Err(NeedError::NoZipLine(m)) => no_zip_line.push(m),
            Err(NeedError::Missing(m)) => missing.push(m),
            Err(NeedError::Other(e)) => return Err(e),
        }
    }
    if !no_zip_line.is_empty() {
        let named = name_list(&no_zip_line);
        return Err(SumError::MissingZips {
            modules: no_zip_line,
            named,
        }
        .into());
    }
    if !missing.is_empty() {
        crate::bail_hint!(
            hint = "run `go mod download` (or `gomodoff pack --download` for a bundle) on a connected machine: it fetches them all at once",
            "{} lacks the go.mod of {}, which go reads to load the module graph",
            src.describe(),
            name_list(&missing)
        );
    }
    Ok(out)
}

/// Why one module's need could not be settled (gathered, then reported together).
enum NeedError {
    NoZipLine(ModuleVersion),
    Missing(ModuleVersion),
    Other(anyhow::Error),
}

/// `N modules: `a@v`, `b@v`, … and K more` (ten named), or the one module.
fn name_list(modules: &[ModuleVersion]) -> String {
    const NAMED: usize = 10;
    let names: Vec<String> = modules
        .iter()
        .take(NAMED)
        .map(|m| format!("`{m}`"))
        .collect();
    match modules.len() {
        1 => names.join(""),
        n if n <= NAMED => format!("{n} modules: {}", names.join(", ")),
        n => format!("{n} modules: {} and {} more", names.join(", "), n - NAMED),
    }
}
