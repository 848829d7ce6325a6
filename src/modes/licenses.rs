//! The licences of exactly what was laid out: every module version in gomodoff.lock, its licence
//! and notice files read from where its mode put them (a replace-mode tree, `vendor/<path>/`, a
//! proxy-mode zip), or every module zip of a bundle or GOPROXY tree (`--from`); each matched by
//! [`crate::formats::licenses`], and checked against the `[licenses]` policy of gomodoff.toml.
//! `gomodoff licenses` prints this, `status --check` fails on its violations.

use std::path::Path;

use anyhow::{Context as _, Result};
use rayon::prelude::*;

use crate::formats::licenses::{self, ModuleLicense, Policy, Violation};
use crate::formats::lock::{LOCK_FILE, LockFile, Mode, Tier};
use crate::formats::module::ModuleVersion;
use crate::formats::modzip;
use crate::repo::Repo;
use crate::sources::bundle::{self, MANIFEST_FILE, Manifest};
use crate::util::fsutil;

/// One laid-out module version and what its licence files say.
#[derive(Debug, Clone)]
pub(crate) struct ModuleReport {
    /// The module the content is.
    pub path: String,
    pub version: String,
    /// The module it stands in for, when that is another one (a fork replacement), and the
    /// version replaced (`None`: every version).
    pub replaces: Option<String>,
    pub replaces_version: Option<String>,
    /// go.sum's `h1:` of the zip (when the files are laid out) and of the go.mod.
    pub zip_h1: Option<String>,
    pub gomod_h1: Option<String>,
    /// SHA-256 (hex) of the module zip, where a zip is laid out (proxy mode, a bundle, a tree).
    pub zip_sha256: Option<String>,
    /// `None`: only its go.mod is laid out (the build reads no package of it).
    pub license: Option<ModuleLicense>,
}

/// Licence files of one module version, `(path relative to the module root, content)`;
/// `None` when only its go.mod is laid out.
type Files = Option<Vec<(String, Vec<u8>)>>;

/// Every module version gomodoff laid out in this repository, with its licence.
pub(crate) fn of_repo(repo: &Repo, lock: &LockFile) -> Result<Vec<ModuleReport>> {
    crate::repo::check_tree_dir(&repo.root, lock.mode, &lock.dir, Some(LOCK_FILE))?;
    let tree = repo.root.join(&lock.dir);
    let vendored: Vec<&str> = lock.modules.iter().map(|m| m.path.as_str()).collect();
    lock.modules
        .par_iter()
        .map(|m| {
            let mut zip_sha256 = None;
            let files: Files = if m.tier == Tier::GoMod {
                None
            } else {
                let dir = fsutil::inside(&tree, Path::new(&m.dir), Path::new(LOCK_FILE))?;
                Some(match lock.mode {
                    Mode::Replace => dir_files(&dir, &[])?,
                    Mode::Vendor => {
                        // vendor/ nests modules (`a/b` and `a/b/v2`): another module's
                        // directory is not this one's.
                        let nested: Vec<String> = vendored
                            .iter()
                            .filter_map(|p| p.strip_prefix(&format!("{}/", m.path)))
                            .map(str::to_string)
                            .collect();
                        if dir.is_dir() {
                            dir_files(&dir, &nested)?
                        } else {
                            Vec::new()
                        }
                    }
                    Mode::Proxy => {
                        let zip = dir.with_file_name(format!(
                            "{}.zip",
                            dir.file_name()
                                .map(|n| n.to_string_lossy())
                                .unwrap_or_default()
                        ));
                        zip_sha256 = Some(hex::encode(fsutil::sha256_file(&zip)?));
                        zip_files(
                            &zip,
                            &ModuleVersion {
                                path: m.path.clone(),
                                version: m.version.clone(),
                            },
                        )?
                    }
                })
            };
            // Replace mode locks a fork under its own path (`replace_path` is the module it
            // stands in for); vendor mode locks the build-list module, `replace_path` the fork.
            let (path, version, replaces, replaces_version) = match (lock.mode, &m.replace_version)
            {
                (Mode::Vendor, Some(v)) if m.replace_path != m.path => (
                    m.replace_path.clone(),
                    v.clone(),
                    Some(m.path.clone()),
                    Some(m.version.clone()),
                ),
                _ => (
                    m.path.clone(),
                    m.version.clone(),
                    (m.replace_path != m.path).then(|| m.replace_path.clone()),
                    m.replace_version.clone(),
                ),
            };
            Ok(ModuleReport {
                path,
                version,
                replaces,
                replaces_version,
                zip_h1: m.zip_h1.clone(),
                gomod_h1: Some(m.gomod_h1.clone()),
                zip_sha256,
                license: files.map(|f| licenses::detect(&f)),
            })
        })
        .collect()
}

/// Every module version of a bundle (a file) or a GOPROXY tree with a gomodoff manifest (a
/// directory, as `mirror` and `unpack` write): a bundle is verified in full first, as `unpack`
/// does. Also returns the main modules the tree was made for (its manifest's `repos`).
pub(crate) fn of_tree(from: &Path) -> Result<(Vec<ModuleReport>, Vec<String>)> {
    let unpacked;
    let tree = if from.is_file() {
        unpacked = tempfile::Builder::new()
            .prefix("gomodoff-bundle-")
            .tempdir()
            .context("failed to create a temporary directory for the bundle")?;
        bundle::unpack(from, unpacked.path(), None)
            .with_context(|| format!("failed to read bundle `{}`", from.display()))?;
        unpacked.path().to_path_buf()
    } else {
        from.to_path_buf()
    };
    let manifest_path = tree.join(MANIFEST_FILE);
    let text = fsutil::read(&manifest_path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .with_context(|| {
            format!(
                "`{}` is not a gomodoff bundle or tree (no {MANIFEST_FILE})",
                from.display()
            )
        })?;
    let manifest = Manifest::parse(&manifest_path.display().to_string(), &text)?;
    let reports = manifest
        .modules()
        .par_iter()
        .map(|m| {
            let mv = m.module();
            let (files, zip_sha256): (Files, _) = match &m.zip_h1 {
                None => (None, None),
                Some(_) => {
                    let zip = tree.join(bundle::module_file(&mv, "zip")?);
                    let sha = hex::encode(fsutil::sha256_file(&zip)?);
                    (Some(zip_files(&zip, &mv)?), Some(sha))
                }
            };
            Ok(ModuleReport {
                path: m.path.clone(),
                version: m.version.clone(),
                replaces: None,
                replaces_version: None,
                zip_h1: m.zip_h1.clone(),
                gomod_h1: m.gomod_h1.clone(),
                zip_sha256,
                license: files.map(|f| licenses::detect(&f)),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((reports, manifest.repos.iter().cloned().collect()))
}

/// The policy's verdict on every module that has files laid out, in the reports' order.
pub(crate) fn violations(policy: &Policy, reports: &[ModuleReport]) -> Vec<Violation> {
    reports
        .iter()
        .filter_map(|r| {
            let license = r.license.as_ref()?;
            policy.check(&r.path, &r.version, license)
        })
        .collect()
}

/// The licence and notice files under a module directory, skipping the subdirectories `skip`
/// (relative, `/`-separated). Symbolic links are not followed.
fn dir_files(root: &Path, skip: &[String]) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    let walk = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let rel = rel_name(root, e.path());
            !(e.file_type().is_dir() && skip.contains(&rel))
        });
    for entry in walk {
        let entry = entry.with_context(|| format!("failed to read `{}`", root.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = rel_name(root, entry.path());
        if licenses::file_kind(&rel).is_some() {
            out.push((rel, fsutil::read(entry.path())?));
        }
    }
    Ok(out)
}

/// `path` relative to `root`, `/`-separated.
fn rel_name(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The licence and notice files in a module zip (checked as go checks a zip).
fn zip_files(zip: &Path, mv: &ModuleVersion) -> Result<Vec<(String, Vec<u8>)>> {
    modzip::read_files(zip, mv, &|name| licenses::file_kind(name).is_some()).with_context(|| {
        format!(
            "failed to read the licence files of {mv} in `{}`",
            zip.display()
        )
    })
}
