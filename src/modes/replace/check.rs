//! Replace mode's checks: `verify` re-hashes every tree against its `<tree>.hashes` listing
//! (whose own hash must be the module's `h1:` in go.sum) and the lock, without the module cache;
//! `status` lists drift of go.mod, go.sum and the trees since `vendor`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Result;
use rayon::prelude::*;

use crate::formats::dirhash;
use crate::formats::gomod::GoMod;
use crate::formats::gosum::GoSum;
use crate::formats::listing::{HASHES_EXT, Listing, hashes_path, parse_hashes};
use crate::formats::lock::{LockFile, LockedModule, Tier};
use crate::modes::Finding;
use crate::repo::{Repo, base_gomod_text};
use crate::resolve::load::{load_graph, main_module};
use crate::resolve::load_packages::package_modules;
use crate::resolve::vendoring::VendoringError;
use crate::sources::modcache::{ModCache, ModuleSource, ProxyTree};
use crate::util::context::Context;
use crate::util::fsutil;

/// Everything wrong with the trees the lock lists, module by module.
pub(crate) fn verify(ctx: &mut Context, repo: &Repo, lock: &LockFile) -> Result<Vec<Finding>> {
    let gosum = repo.gosum()?;
    let dir = repo.root.join(&lock.dir);
    let bar = ctx
        .shell
        .progress(lock.modules.len() as u64, "modules hashed");
    let found = lock
        .modules
        .par_iter()
        .map(|m| {
            let f = verify_module(&dir, m, &gosum);
            bar.inc(1);
            f
        })
        .collect::<Result<Vec<_>>>()?;
    bar.finish_and_clear();
    Ok(found.into_iter().flatten().collect())
}

/// Everything wrong with one module's tree.
pub(crate) fn verify_module(dir: &Path, m: &LockedModule, gosum: &GoSum) -> Result<Vec<Finding>> {
    let name = format!("{}@{}", m.path, m.version);
    let mut out = Vec::new();
    let mut find = |kind: &'static str, file: Option<&str>, detail: String| {
        out.push(Finding {
            module: name.clone(),
            kind,
            file: file.map(str::to_string),
            detail,
        })
    };
    let tree = dir.join(&m.dir);
    if !tree.is_dir() {
        find(
            "missing tree",
            None,
            format!("`{}` is gone; run `gomodoff vendor`", tree.display()),
        );
        return Ok(out);
    }
    gosum_agrees(m, gosum, &mut find);
    let mut actual = dirhash::dir_file_digests(&tree)?;
    // A go.mod that is not part of the module's zip (go.mod-only trees, synthesised ones) is
    // checked on its own against the lock; the module's own go.mod is checked with its zip.
    let own_gomod_in_zip = m.tier == Tier::Full && m.synthesized_gomod.is_none();
    if !own_gomod_in_zip {
        match actual.remove("go.mod") {
            None => find("removed", Some("go.mod"), String::new()),
            Some(_) => {
                let bytes = fsutil::read(&tree.join("go.mod"))?;
                if dirhash::hash_gomod(&bytes) != m.gomod_h1 {
                    find("modified", Some("go.mod"), String::new());
                }
            }
        }
    }
    match m.tier {
        Tier::GoMod => {
            for f in actual.keys() {
                find("added", Some(f), String::new());
            }
        }
        Tier::Full => {
            if let Some(listing) = checked_listing(&tree, m, &name, &mut find)? {
                compare_files(&listing, &actual, &mut find);
            }
        }
    }
    Ok(out)
}

/// The files of a tree against its listing: removed, modified, added (a file a slim tree
/// leaves out counts as added, whatever its content).
fn compare_files(
    listing: &Listing,
    actual: &BTreeMap<String, [u8; 32]>,
    find: &mut impl FnMut(&'static str, Option<&str>, String),
) {
    for (file, d) in &listing.files {
        if listing.omitted.contains(file) {
            continue;
        }
        match actual.get(file) {
            None => find("removed", Some(file), String::new()),
            Some(a) if a != d => find("modified", Some(file), String::new()),
            Some(_) => {}
        }
    }
    for file in actual.keys() {
        if listing.omitted.contains(file) {
            find(
                "added",
                Some(file),
                "left out of the slim tree; `gomodoff vendor --whole` lays out whole trees".into(),
            );
        } else if !listing.files.contains_key(file) {
            find("added", Some(file), String::new());
        }
    }
}

/// go.sum must still say what the lock says.
fn gosum_agrees(
    m: &LockedModule,
    gosum: &GoSum,
    find: &mut impl FnMut(&'static str, Option<&str>, String),
) {
    if let Some(want) = &m.zip_h1 {
        match gosum.zip_hash(&m.path, &m.version) {
            Some(h) if h == want => {}
            Some(h) => find(
                "go.sum disagrees",
                None,
                format!("go.sum has {h}, the tree was laid out for {want}"),
            ),
            None => find(
                "go.sum disagrees",
                None,
                "go.sum no longer lists the module".into(),
            ),
        }
    }
    if m.synthesized_gomod.is_none() {
        match gosum.gomod_hash(&m.path, &m.version) {
            Some(h) if h == m.gomod_h1 => {}
            Some(h) => find(
                "go.sum disagrees",
                Some("go.mod"),
                format!("go.sum has {h}, the tree was laid out for {}", m.gomod_h1),
            ),
            None => find(
                "go.sum disagrees",
                Some("go.mod"),
                "go.sum no longer lists the go.mod".into(),
            ),
        }
    }
}

/// A tree's `<tree>.hashes` listing, once its summary lines hash to the lock's `h1:` and the
/// files it says a slim tree leaves out are the ones the lock recorded; `None` (with the finding)
/// when it is gone or modified.
fn checked_listing(
    tree: &Path,
    m: &LockedModule,
    name: &str,
    find: &mut impl FnMut(&'static str, Option<&str>, String),
) -> Result<Option<Listing>> {
    let listing_path = hashes_path(tree);
    let Some(bytes) = fsutil::read_optional(&listing_path)? else {
        find(
            "missing listing",
            None,
            format!(
                "`{}` is gone; run `gomodoff vendor` to lay the module out again",
                listing_path.display()
            ),
        );
        return Ok(None);
    };
    let listing = match parse_hashes(&bytes, name) {
        Ok(l) => l,
        Err(e) => {
            find("listing modified", None, format!("{e:#}"));
            return Ok(None);
        }
    };
    if Some(&listing.h1) != m.zip_h1.as_ref() {
        find(
            "listing modified",
            None,
            format!(
                "`{}` hashes to {}, not {}",
                listing_path.display(),
                listing.h1,
                m.zip_h1.as_deref().unwrap_or("-")
            ),
        );
        return Ok(None);
    }
    let recorded = m.omitted_sha256.as_deref();
    let omitted_ok = match recorded {
        Some(h) => h == listing.omitted_sha256,
        None => listing.omitted.is_empty(),
    };
    if !omitted_ok {
        find(
            "listing modified",
            None,
            format!(
                "`{}` lists other files as left out of the slim tree than gomodoff.lock records",
                listing_path.display()
            ),
        );
        return Ok(None);
    }
    Ok(Some(listing))
}

/// Every way the repository differs from what the replace-mode lock recorded, one line each.
pub(crate) fn drift(repo: &Repo, lock: &LockFile) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let base = base_gomod_text(repo)?;
    if base != lock.gomod_before {
        out.extend(gomod_drift(&base, lock)?);
    }
    if lock.modfile != "go.mod" {
        match fsutil::read_optional(&repo.root.join(&lock.modfile))? {
            Some(b) if b == lock.gomod_after.as_bytes() => {}
            Some(_) => out.push(format!("{}: changed since vendoring", lock.modfile)),
            None => out.push(format!("{}: missing", lock.modfile)),
        }
    }
    let gosum = repo.gosum_text.clone().unwrap_or_default();
    if fsutil::sha256_hex(gosum.as_bytes()) != lock.gosum_sha256 {
        out.push("go.sum: changed since vendoring".into());
    }
    out.extend(tree_drift(repo, lock));
    if out.is_empty() {
        out.extend(package_drift(repo, lock));
    }
    Ok(out)
}

/// A package the build imports that the laid-out trees do not hold — an import added since
/// `vendor` ran, of a package a slim tree left out, or of a module the build did not need then:
/// found the way the offline build finds it, by loading the packages with gomodoff's replace
/// directives, so from the trees alone. Nothing when the packages load (or the graph cannot be
/// loaded without the module cache, for a module `exclude`d in gomodoff.toml).
fn package_drift(repo: &Repo, lock: &LockFile) -> Vec<String> {
    if repo.workspace.is_some() || crate::repo::wider_workspace(&repo.root).is_some() {
        return Vec::new();
    }
    let Ok(gomod) = GoMod::parse(&lock.modfile, &lock.gomod_after) else {
        return Vec::new();
    };
    let (Ok(gosum), Ok(main)) = (repo.gosum(), main_module(&gomod)) else {
        return Vec::new();
    };
    let empty = tempfile::tempdir().ok();
    let src: Box<dyn ModuleSource> = match (ModCache::locate(None), &empty) {
        (Ok(cache), _) => Box::new(cache),
        (Err(_), Some(dir)) => Box::new(ProxyTree::new(dir.path())),
        (Err(_), None) => return Vec::new(),
    };
    let Ok(graph) = load_graph(repo, &main, &gosum, src.as_ref()) else {
        return Vec::new();
    };
    match package_modules(repo, src.as_ref(), Some(&gomod), &gosum, &graph) {
        Ok(_) => Vec::new(),
        Err(e) => match e.downcast_ref::<VendoringError>() {
            Some(VendoringError::MissingPackage { import, .. }) => vec![format!(
                "packages: the build imports `{import}`, which the trees in `{}` do not hold (the offline build fails on it)",
                lock.dir
            )],
            _ => Vec::new(),
        },
    }
}

/// How go.mod (without gomodoff's lines, `base`) differs from the one the lock was made from:
/// requirements added, changed and dropped, replace directives changed.
fn gomod_drift(base: &str, lock: &LockFile) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let now = GoMod::parse("go.mod", base)?;
    let then = GoMod::parse(
        "gomodoff.lock (go.mod before vendoring)",
        &lock.gomod_before,
    )?;
    let req = |g: &GoMod| {
        g.requires()
            .into_iter()
            .map(|r| (r.path, r.version))
            .collect::<BTreeSet<_>>()
    };
    let (a, b) = (req(&then), req(&now));
    for (p, v) in b.difference(&a) {
        match a.iter().find(|(q, _)| q == p) {
            Some((_, old)) => out.push(format!("go.mod: {p} {old} → {v}")),
            None => out.push(format!("go.mod: requires {p} {v} (new)")),
        }
    }
    for (p, v) in a.difference(&b) {
        if !b.iter().any(|(q, _)| q == p) {
            out.push(format!("go.mod: no longer requires {p} {v}"));
        }
    }
    let rep = |g: &GoMod| {
        g.replaces()
            .into_iter()
            .map(|r| format!("{r:?}"))
            .collect::<BTreeSet<_>>()
    };
    if rep(&then) != rep(&now) {
        out.push("go.mod: replace directives changed".into());
    }
    if out.is_empty() {
        out.push("go.mod: changed since vendoring".into());
    }
    Ok(out)
}

/// Trees (and listings) the lock lists that are gone, and trees it does not list.
fn tree_drift(repo: &Repo, lock: &LockFile) -> Vec<String> {
    let mut out = Vec::new();
    let dir = repo.root.join(&lock.dir);
    let mut known = BTreeSet::new();
    for m in &lock.modules {
        let tree = dir.join(&m.dir);
        known.insert(tree.clone());
        if !tree.is_dir() {
            out.push(format!(
                "{}@{}: tree `{}` is missing",
                m.path,
                m.version,
                Path::new(&lock.dir).join(&m.dir).display()
            ));
        } else if m.tier == Tier::Full && !hashes_path(&tree).is_file() {
            out.push(format!(
                "{}@{}: listing `{}.{HASHES_EXT}` is missing",
                m.path, m.version, m.dir
            ));
        }
    }
    for extra in trees_in(&dir) {
        if !known.contains(&extra) {
            let rel = extra.strip_prefix(&repo.root).unwrap_or(&extra);
            out.push(format!(
                "extra tree `{}` is not in gomodoff.lock",
                rel.display()
            ));
        }
    }
    out
}

/// Directories under `dir` named like `<module>@<version>` (not descended into).
fn trees_in(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut walk = walkdir::WalkDir::new(dir).min_depth(1).into_iter();
    while let Some(Ok(e)) = walk.next() {
        if e.file_type().is_dir() && e.file_name().to_string_lossy().contains('@') {
            out.push(e.path().to_path_buf());
            walk.skip_current_dir();
        }
    }
    out
}
