//! The vendor-mode side of `verify` and `status`: every file of `vendor/` against the listing,
//! the listing against the lock, and go's `-mod=vendor` consistency check.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use anyhow::{Context as _, Result};
use sha2::{Digest, Sha256};

use super::listing::{LockOwners, parse_listing};
use super::{LISTING_FILE, VENDOR_DIR};
use crate::formats::dirhash;
use crate::formats::gomod::GoMod;
use crate::formats::lock::{LOCK_FILE, LockFile};
use crate::formats::module::{ModuleVersion, compare_versions};
use crate::modes::Finding;
use crate::repo::{self, Repo};
use crate::resolve::consistency::{consistency, consistency_workspace, requirement_changes};
use crate::resolve::load::{main_module, repo_selected_graph};
use crate::sources::goenv::go_version_installed;
use crate::sources::modcache::ModCache;
use crate::util::fsutil;

/// One finding.
fn finding(module: &str, kind: &'static str, file: Option<String>, detail: String) -> Finding {
    Finding {
        module: module.to_string(),
        kind,
        file,
        detail,
    }
}

/// What `verify` finds wrong with a vendor-mode repository: every file of `vendor/` added,
/// removed or modified since gomodoff wrote it (named), the listing or go.sum disagreeing with
/// the lock.
pub(crate) fn verify_findings(
    repo: &Repo,
    lock: &LockFile,
    cache: Option<&ModCache>,
) -> Result<Vec<Finding>> {
    let vendor_dir = repo.root.join(VENDOR_DIR);
    if !vendor_dir.is_dir() {
        let detail = "`vendor/` is gone; run `gomodoff vendor`".into();
        return Ok(vec![finding(VENDOR_DIR, "missing tree", None, detail)]);
    }
    let Some(listing) = fsutil::read_optional(&repo.root.join(LISTING_FILE))? else {
        let detail =
            format!("`{LISTING_FILE}` is gone; run `gomodoff vendor` to write vendor/ again");
        return Ok(vec![finding(LISTING_FILE, "missing listing", None, detail)]);
    };
    let want = lock.vendor.as_ref().map(|v| v.sum_sha256.as_str());
    let got = fsutil::sha256_hex(&listing);
    if want != Some(got.as_str()) {
        let detail = format!(
            "its SHA-256 is {got}, gomodoff.lock says {}",
            want.unwrap_or("nothing")
        );
        return Ok(vec![finding(
            LISTING_FILE,
            "listing modified",
            None,
            detail,
        )]);
    }
    let expected = parse_listing(&listing)?;
    let owners = LockOwners::new(&lock.modules);
    let mut out = lock_findings(repo, lock, &expected, &owners)?;
    for problem in recorded_graph_problems(repo, lock, cache)? {
        out.push(finding(LOCK_FILE, "graph disagrees", None, problem));
    }
    let actual = dirhash::dir_file_digests(&vendor_dir)
        .with_context(|| format!("failed to hash `{}`", vendor_dir.display()))?;
    out.extend(file_findings(lock, &expected, &actual, &owners));
    Ok(out)
}

/// The listing against the lock, module by module: each module's lines against its
/// `vendor_h1`, its go.sum line against its `zip_h1`.
fn lock_findings(
    repo: &Repo,
    lock: &LockFile,
    expected: &BTreeMap<String, [u8; 32]>,
    owners: &LockOwners,
) -> Result<Vec<Finding>> {
    let mut per_module: BTreeMap<usize, BTreeMap<String, [u8; 32]>> = BTreeMap::new();
    for (file, digest) in expected {
        if let Some(i) = owners.owner(file) {
            per_module
                .entry(i)
                .or_default()
                .insert(format!("{VENDOR_DIR}/{file}"), *digest);
        }
    }
    let gosum = repo.gosum()?;
    let mut out = Vec::new();
    for (i, m) in lock.modules.iter().enumerate() {
        let name = format!("{}@{}", m.path, m.version);
        let empty = BTreeMap::new();
        let lines = per_module.get(&i).unwrap_or(&empty);
        if let Some(want) = &m.vendor_h1
            && dirhash::hash1_from_digests(lines)? != *want
        {
            let detail =
                format!("the listing's lines for the module do not hash to the lock's {want}");
            out.push(finding(&name, "listing disagrees", None, detail));
        }
        if let (Some(want), Some(version)) = (&m.zip_h1, &m.replace_version) {
            let detail = match gosum.zip_hash(&m.replace_path, version) {
                Some(h) if h == want => continue,
                Some(h) => format!("go.sum has {h}, vendor/ was written for {want}"),
                None => "go.sum no longer lists the module".into(),
            };
            out.push(finding(&name, "go.sum disagrees", None, detail));
        }
    }
    Ok(out)
}

/// What is wrong with the module graph the lock records (vendor/ keeps no go.mod, so `sbom`
/// reads the edges from there), checked against what the repository itself holds: the main
/// modules are go.mod's (go.work's), each requiring the paths its go.mod requires at no lower
/// version; every module version the record names is one of its nodes; a node with requirements
/// had its go.mod read, so go.sum holds that go.mod's hash (or its replacement's); every module
/// of the lock (vendor/modules.txt's) is a node at its version. Nothing when the lock records no
/// graph (written before gomodoff recorded it).
pub(crate) fn graph_problems(repo: &Repo, lock: &LockFile) -> Result<Vec<String>> {
    let Some(graph) = &lock.graph else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let name = |m: &ModuleVersion| format!("{}@{}", m.path, m.version);
    let gomods = repo.main_gomods()?;
    let mut excluded: HashSet<ModuleVersion> = HashSet::new();
    let mut mains: BTreeMap<String, Vec<ModuleVersion>> = BTreeMap::new();
    for g in &gomods {
        let main = main_module(g)?;
        excluded.extend(main.excludes.iter().cloned());
        mains.insert(main.path, main.requires);
    }
    let recorded: BTreeSet<&str> = graph.mains().collect();
    for m in &recorded {
        if !mains.contains_key(*m) {
            out.push(format!(
                "it records `{m}` as a main module, which {} does not use",
                lock.modfile
            ));
        }
    }
    let selected = graph.selected();
    for (main, requires) in &mains {
        if !recorded.contains(main.as_str()) {
            out.push(format!(
                "it records no requirements of the main module `{main}`"
            ));
            continue;
        }
        let node = ModuleVersion {
            path: main.clone(),
            version: String::new(),
        };
        let got: BTreeMap<&str, &str> = graph.requires[&node]
            .iter()
            .map(|r| (r.path.as_str(), r.version.as_str()))
            .collect();
        let mut want: BTreeSet<&str> = BTreeSet::new();
        for r in requires {
            if excluded.contains(r)
                || r.path == "go"
                || r.path == "toolchain"
                || mains.contains_key(&r.path)
            {
                continue;
            }
            want.insert(&r.path);
            match got.get(r.path.as_str()) {
                None => out.push(format!(
                    "`{main}` requires `{}`, the record does not",
                    name(r)
                )),
                Some(v) if compare_versions(v, &r.version) == std::cmp::Ordering::Less => {
                    out.push(format!(
                        "`{main}` requires `{}`, the record selects the lower `{v}`",
                        name(r)
                    ))
                }
                Some(_) => {}
            }
        }
        for path in got.keys().filter(|p| !want.contains(*p)) {
            out.push(format!(
                "it records `{main}` requiring `{path}`, which its go.mod does not"
            ));
        }
    }
    let gosum = repo.gosum()?;
    let replaced: HashMap<(&str, &str), (&str, Option<&str>)> = lock
        .modules
        .iter()
        .map(|m| {
            (
                (m.path.as_str(), m.version.as_str()),
                (m.replace_path.as_str(), m.replace_version.as_deref()),
            )
        })
        .collect();
    for (node, requires) in &graph.requires {
        for r in requires {
            if selected.get(r.path.as_str()) != Some(&r.version.as_str()) {
                out.push(format!(
                    "it records `{}` requiring `{}`, which is not one of its module versions",
                    if node.version.is_empty() {
                        node.path.clone()
                    } else {
                        name(node)
                    },
                    name(r)
                ));
            }
        }
        if node.version.is_empty() || requires.is_empty() || graph.dirs.contains_key(node) {
            continue;
        }
        let (path, version) = match replaced.get(&(node.path.as_str(), node.version.as_str())) {
            Some((p, Some(v))) => (*p, *v),
            Some((_, None)) => continue, // a directory
            None => (node.path.as_str(), node.version.as_str()),
        };
        if gosum.gomod_hash(path, version).is_none() {
            out.push(format!(
                "it records requirements of `{}`, whose go.mod go.sum does not list",
                name(node)
            ));
        }
    }
    for m in &lock.modules {
        if selected.get(m.path.as_str()) != Some(&m.version.as_str()) {
            out.push(format!(
                "`{}@{}` is vendored, the record has {}",
                m.path,
                m.version,
                match selected.get(m.path.as_str()) {
                    Some(v) => format!("`{}@{v}`", m.path),
                    None => "no such module".into(),
                }
            ));
        }
    }
    Ok(out)
}

/// The files of `vendor/` (`actual`) against the listing (`expected`): removed, modified,
/// added, each with the module it belongs to.
fn file_findings(
    lock: &LockFile,
    expected: &BTreeMap<String, [u8; 32]>,
    actual: &BTreeMap<String, [u8; 32]>,
    owners: &LockOwners,
) -> Vec<Finding> {
    let module_of = |file: &str| -> String {
        match owners.owner(file) {
            Some(i) => format!("{}@{}", lock.modules[i].path, lock.modules[i].version),
            None => VENDOR_DIR.to_string(),
        }
    };
    let mut out = Vec::new();
    for (file, digest) in expected {
        let kind = match actual.get(file) {
            None => "removed",
            Some(a) if a != digest => "modified",
            Some(_) => continue,
        };
        let file_name = Some(format!("{VENDOR_DIR}/{file}"));
        out.push(finding(&module_of(file), kind, file_name, String::new()));
    }
    for file in actual.keys() {
        if !expected.contains_key(file) {
            let file_name = Some(format!("{VENDOR_DIR}/{file}"));
            out.push(finding(&module_of(file), "added", file_name, String::new()));
        }
    }
    out
}

/// Every way a vendor-mode repository differs from what the go command's `-mod=vendor`
/// consistency check accepts, or from what gomodoff wrote, one line each.
pub(crate) fn drift(repo: &Repo, lock: &LockFile) -> Result<Vec<String>> {
    if let Some(ws) = &repo.workspace {
        return drift_workspace(repo, ws, lock);
    }
    let mut out = Vec::new();
    let gomod = repo.gomod()?;
    let modules_txt_path = repo.root.join(VENDOR_DIR).join("modules.txt");
    let modules_txt = fsutil::read_optional(&modules_txt_path)?;
    match &modules_txt {
        None => out.push("vendor/modules.txt is missing: run `gomodoff vendor`".into()),
        Some(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            let installed = go_version_installed();
            for problem in consistency(&gomod, &text, installed.as_deref()) {
                out.push(format!("inconsistent vendoring: {problem}"));
            }
        }
    }
    if repo.gomod_text != lock.gomod_before {
        let then = GoMod::parse("gomodoff.lock (go.mod when vendored)", &lock.gomod_before)?;
        let mut changes = requirement_changes(&then, &gomod);
        if changes.is_empty() {
            changes.push("go.mod: changed since vendoring".into());
        }
        out.extend(changes);
    }
    let gosum = repo.gosum_text.clone().unwrap_or_default();
    if fsutil::sha256_hex(gosum.as_bytes()) != lock.gosum_sha256 {
        out.push("go.sum: changed since vendoring".into());
    }
    out.extend(listing_drift(repo, modules_txt.as_deref())?);
    out.extend(recorded_graph_drift(repo, lock)?);
    Ok(out)
}

/// The lock's recorded graph against the repository ([`graph_problems`]) and, where the module
/// cache (`cache`) serves every go.mod the graph reads, against the
/// graph loaded from it: only when go.mod (go.work) and go.sum are as vendored (else that change
/// is the drift, and `gomodoff vendor` records the graph again). Without a module cache (a fresh
/// clone) the record is checked against what the repository holds alone.
fn recorded_graph_problems(
    repo: &Repo,
    lock: &LockFile,
    cache: Option<&ModCache>,
) -> Result<Vec<String>> {
    let gosum = repo.gosum_text.clone().unwrap_or_default();
    let Some(recorded) = &lock.graph else {
        return Ok(Vec::new());
    };
    if repo.gomod_text != lock.gomod_before
        || fsutil::sha256_hex(gosum.as_bytes()) != lock.gosum_sha256
    {
        return Ok(Vec::new());
    }
    let mut out = graph_problems(repo, lock)?;
    if !out.is_empty() {
        return Ok(out);
    }
    let Some(cache) = cache else {
        return Ok(out);
    };
    let Ok(loaded) = repo_selected_graph(repo, None, cache) else {
        return Ok(out); // the cache lacks a go.mod: checked without it
    };
    let node = |m: &ModuleVersion| {
        if m.version.is_empty() {
            m.path.clone()
        } else {
            format!("{}@{}", m.path, m.version)
        }
    };
    let nodes: BTreeSet<&ModuleVersion> = recorded
        .requires
        .keys()
        .chain(loaded.requires.keys())
        .collect();
    for m in nodes {
        let (got, want) = (recorded.requires.get(m), loaded.requires.get(m));
        if got == want
            && recorded.dirs.get(m) == loaded.dirs.get(m)
            && recorded.replaced.get(m) == loaded.replaced.get(m)
        {
            continue;
        }
        let names = |s: Option<&BTreeSet<ModuleVersion>>| match s {
            None => "not in the graph".to_string(),
            Some(s) if s.is_empty() => "requiring nothing".to_string(),
            Some(s) => format!(
                "requiring {}",
                s.iter().map(&node).collect::<Vec<_>>().join(", ")
            ),
        };
        out.push(format!(
            "`{}`: the record has it {}; the module graph read from the module cache has it {}",
            node(m),
            names(got),
            names(want)
        ));
    }
    Ok(out)
}

/// The lock's recorded graph against the repository alone, for `status` (see
/// [`recorded_graph_problems`]).
fn recorded_graph_drift(repo: &Repo, lock: &LockFile) -> Result<Vec<String>> {
    Ok(recorded_graph_problems(repo, lock, None)?
        .into_iter()
        .map(|p| format!("{LOCK_FILE}: the module graph it records disagrees: {p}"))
        .collect())
}

/// What the listing says of modules.txt: missing listing, or modules.txt changed since written.
pub(super) fn listing_drift(repo: &Repo, modules_txt: Option<&[u8]>) -> Result<Vec<String>> {
    let Some(listing) = fsutil::read_optional(&repo.root.join(LISTING_FILE))? else {
        return Ok(vec![format!(
            "{LISTING_FILE} is missing: run `gomodoff vendor`"
        )]);
    };
    let recorded = parse_listing(&listing)
        .ok()
        .and_then(|l| l.get("modules.txt").copied());
    if let (Some(bytes), Some(want)) = (modules_txt, recorded)
        && <[u8; 32]>::from(Sha256::digest(bytes)) != want
    {
        return Ok(vec![
            "vendor/modules.txt: changed since gomodoff wrote it (`gomodoff verify` names every changed file)"
                .into(),
        ]);
    }
    Ok(Vec::new())
}

/// [`drift`] of a vendored workspace: go's workspace-mode consistency check, go.work and the
/// workspace's go.sum files against the lock, modules.txt against the listing.
pub(super) fn drift_workspace(
    repo: &Repo,
    ws: &repo::WorkspaceFiles,
    lock: &LockFile,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let modules_txt = fsutil::read_optional(&repo.root.join(VENDOR_DIR).join("modules.txt"))?;
    match &modules_txt {
        None => out.push("vendor/modules.txt is missing: run `gomodoff vendor`".into()),
        Some(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            let installed = go_version_installed();
            for problem in consistency_workspace(ws, &text, installed.as_deref())? {
                out.push(format!("inconsistent vendoring: {problem}"));
            }
        }
    }
    if repo.gomod_text != lock.gomod_before {
        out.push("go.work: changed since vendoring".into());
    }
    let gosum = repo.gosum_text.clone().unwrap_or_default();
    if fsutil::sha256_hex(gosum.as_bytes()) != lock.gosum_sha256 {
        out.push("go.sum (a workspace module's, or go.work.sum): changed since vendoring".into());
    }
    out.extend(listing_drift(repo, modules_txt.as_deref())?);
    out.extend(recorded_graph_drift(repo, lock)?);
    Ok(out)
}
