//! Checking a tree in place: [`verify_tree`] re-hashes every file against the manifest and names
//! whatever the manifest does not account for, leftovers of a killed run included.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io;
use std::path::Path;

use rayon::prelude::*;

use crate::formats::dirhash;
use crate::formats::module::ModuleVersion;
use crate::formats::modzip;
use crate::formats::sumdb::{self, note::VerifierKey};
use crate::util::staging;

use super::manifest::{Manifest, TreeFile};
use super::{
    BundleError, MANIFEST_FILE, MAX_INFO, MAX_LIST, check_info, list_text, read_limited,
    versions_in,
};

/// One thing wrong in a tree.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TreeFinding {
    /// Relative `/`-separated name.
    pub file: String,
    pub problem: String,
}

/// What [`verify_tree`] found.
#[derive(Debug, Clone)]
pub struct TreeReport {
    pub manifest: Manifest,
    /// Sorted by file.
    pub findings: Vec<TreeFinding>,
}

/// Re-hash a whole tree against its manifest: every `.mod` and `.zip` (zips also checked with
/// every rule of [`modzip::check_zip`]), every `.info`, every `list` (complete and sorted), and
/// every file the manifest does not account for. What a killed `unpack` or `mirror` left (a
/// temporary file or staging directory inside the tree, the staging directory beside it: see
/// `util::staging`) is named as such, with how to clear it.
pub fn verify_tree(dir: &Path) -> Result<TreeReport, BundleError> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let text = fs::read_to_string(&manifest_path).map_err(|source| BundleError::Read {
        path: manifest_path.clone(),
        source,
    })?;
    let manifest = Manifest::parse(&manifest_path.display().to_string(), &text)?;
    let expected = manifest.expected_files()?;
    let mut findings = Vec::new();
    if let Some(beside) = dir
        .canonicalize()
        .ok()
        .and_then(|real| staging::staging_dir(&real))
        && fs::symlink_metadata(&beside).is_ok()
    {
        let name = beside.file_name().map(|n| n.to_string_lossy().into_owned());
        findings.push(finding(
            &format!("../{}", name.unwrap_or_default()),
            &format!(
                "is the staging directory beside this tree, {}",
                staging::LEFTOVER_HINT
            ),
        ));
    }
    let mut present = BTreeSet::new();
    let mut walk = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walk.next() {
        let entry = entry.map_err(|e| BundleError::Read {
            path: dir.to_path_buf(),
            source: io::Error::other(e),
        })?;
        let rel = relative_name(dir, entry.path());
        let file_type = entry.file_type();
        let name = entry.file_name().to_string_lossy();
        if let Some(what) = staging::leftover(&name, file_type.is_dir(), entry.depth() == 1) {
            if file_type.is_dir() {
                walk.skip_current_dir();
            }
            findings.push(finding(
                &rel,
                &format!("is a {what} {}", staging::LEFTOVER_HINT),
            ));
            continue;
        }
        if file_type.is_dir() {
            if expected.contains_key(&rel) {
                findings.push(finding(&rel, "is a directory, not a file"));
            }
            continue;
        }
        if rel == MANIFEST_FILE {
            continue;
        }
        if !file_type.is_file() {
            findings.push(finding(&rel, "is not a regular file"));
            continue;
        }
        if expected.contains_key(&rel) {
            present.insert(rel);
        } else {
            findings.push(finding(&rel, "is not in the manifest"));
        }
    }
    let checks: Vec<Option<TreeFinding>> = expected
        .par_iter()
        .map(|(name, kind)| {
            if !present.contains(name) {
                return Ok(Some(finding(name, "is missing")));
            }
            check_file(dir, &manifest, name, kind).map(|problem| problem.map(|p| finding(name, &p)))
        })
        .collect::<Result<_, BundleError>>()?;
    findings.extend(checks.into_iter().flatten());
    findings.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(TreeReport { manifest, findings })
}

/// What is wrong with one present tree file, if anything.
fn check_file(
    dir: &Path,
    manifest: &Manifest,
    name: &str,
    kind: &TreeFile,
) -> Result<Option<String>, BundleError> {
    let path = dir.join(name);
    let read = |limit: u64| -> Result<Result<Vec<u8>, String>, BundleError> {
        let f = File::open(&path).map_err(|source| BundleError::Read {
            path: path.clone(),
            source,
        })?;
        Ok(read_limited(f, limit))
    };
    let entry = |mv: &ModuleVersion| {
        manifest
            .get(mv)
            .expect("every expected file belongs to a manifest module because it was made from one")
    };
    Ok(match kind {
        TreeFile::List(module_path) => {
            let bytes = match read(MAX_LIST)? {
                Ok(b) => b,
                Err(e) => return Ok(Some(e)),
            };
            let vdir = path
                .parent()
                .expect("a list file has a parent because it is in `@v`");
            let mut versions = versions_in(vdir)?;
            // A tree may list versions it holds the .mod of; the manifest's must be there.
            for m in manifest
                .versions_of(module_path)
                .filter(|m| m.gomod_h1.is_some())
            {
                versions.push(m.version.clone());
            }
            let want = list_text(versions.iter().map(String::as_str));
            (bytes != want.as_bytes()).then(|| {
                format!(
                    "does not list every version with a .mod in semver order (want {:?})",
                    want.lines().collect::<Vec<_>>()
                )
            })
        }
        TreeFile::Info(mv) => match read(MAX_INFO)? {
            Ok(b) => check_info(mv, &b).err(),
            Err(e) => Some(e),
        },
        TreeFile::Mod(mv) => match read(modzip::MAX_GO_MOD)? {
            Ok(b) => {
                let got = dirhash::hash_gomod(&b);
                let want = entry(mv).gomod_h1.as_deref().unwrap_or_default();
                (got != want).then(|| format!("hashes to {got}, the manifest says {want}"))
            }
            Err(e) => Some(e),
        },
        TreeFile::SumdbSupported => match read(0)? {
            Ok(_) => None,
            Err(_) => Some("is not empty".into()),
        },
        // Their content is checked with the database's key, by check_sumdb.
        TreeFile::SumdbLatest | TreeFile::SumdbLookup(_) | TreeFile::SumdbTile(_) => {
            read(kind.limit())?.err()
        }
        TreeFile::Zip(mv) => {
            let got = match crate::sources::checked::zip_h1(&path, mv) {
                Ok(h) => h,
                Err(e) => return Ok(Some(e.to_string())),
            };
            let want = entry(mv).zip_h1.as_deref().unwrap_or_default();
            (got != want).then(|| format!("hashes to {got}, the manifest says {want}"))
        }
    })
}

fn relative_name(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn finding(file: &str, problem: &str) -> TreeFinding {
    TreeFinding {
        file: file.to_string(),
        problem: problem.to_string(),
    }
}

/// Check the checksum database part a tree carries (see [`crate::formats::sumdb::check_set`])
/// with `key`, the key of the database the user's `GOSUMDB` names: the head's signature, every
/// record's proof against it through the carried tiles, and every record's hashes against the
/// manifest's (themselves checked against the files). `None` when the tree carries no database;
/// else the findings (none: it verifies).
pub fn check_sumdb(
    dir: &Path,
    manifest: &Manifest,
    key: &VerifierKey,
) -> Result<Option<Vec<TreeFinding>>, BundleError> {
    let Some(part) = &manifest.sumdb else {
        return Ok(None);
    };
    if part.name != key.name {
        return Ok(Some(vec![finding(
            &sumdb::root(&part.name),
            &format!(
                "carries the checksum database `{}`, but GOSUMDB names `{}`: set GOSUMDB to the database the tree was made with, or to off",
                part.name, key.name
            ),
        )]));
    }
    let read_file = |rel: &str, limit: u64| -> Result<Option<Vec<u8>>, BundleError> {
        let path = dir.join(rel);
        match File::open(&path) {
            Ok(f) => Ok(read_limited(f, limit).ok()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(BundleError::Read { path, source }),
        }
    };
    let latest_name = part.file("latest");
    let Some(latest) = read_file(&latest_name, super::manifest::MAX_SUMDB_NOTE)? else {
        return Ok(Some(vec![finding(&latest_name, "is missing")]));
    };
    let mut records = Vec::new();
    for mv in &part.records {
        let name = part.file(&sumdb::lookup_file(mv)?);
        let Some(lookup) = read_file(&name, super::manifest::MAX_SUMDB_NOTE)? else {
            return Ok(Some(vec![finding(&name, "is missing")]));
        };
        let m = manifest
            .get(mv)
            .expect("every record is of a manifest module because the manifest was checked");
        records.push(sumdb::Expected {
            module: mv.clone(),
            zip_h1: m.zip_h1.as_deref(),
            gomod_h1: m.gomod_h1.as_deref(),
            lookup,
        });
    }
    // Only the tiles the manifest lists are read: a tile it does not list is not the tree's.
    let mut read_tile = |t: &sumdb::tlog::Tile| {
        let path = t.path();
        if !part.tiles.contains(&path) {
            return None;
        }
        read_file(&part.file(&path), t.byte_len() as u64)
            .ok()
            .flatten()
    };
    Ok(Some(
        match sumdb::check_set(key, &latest, &records, "the manifest", &mut read_tile) {
            Ok(used) => {
                // The other tiles (kept for readers of an earlier head): each must hold what the
                // head proves for its place, when the carried tiles can tell.
                let tree = sumdb::open_tree(&latest_name, &latest, key)
                    .expect("check_set opened this head");
                let mut findings = Vec::new();
                for path in part.tiles.difference(&used) {
                    let tile =
                        sumdb::parse_tile_path(path).expect("checked when the manifest was read");
                    let name = part.file(path);
                    let Some(data) = read_file(&name, tile.byte_len() as u64 + 1)? else {
                        findings.push(finding(&name, "is missing"));
                        continue;
                    };
                    let mut others = |t: &sumdb::tlog::Tile| {
                        if t == &tile {
                            return Some(data.clone());
                        }
                        read_tile(t)
                    };
                    if let Err(e) = sumdb::tlog::check_tile(&tree, &tile, &data, &mut others) {
                        findings.push(finding(&name, &e.to_string()));
                    }
                }
                findings
            }
            Err(e) => {
                let file = sumdb_error_file(&e);
                let text = e.to_string();
                let problem = text
                    .strip_prefix(&format!("`{file}`: "))
                    .unwrap_or(&text)
                    .to_string();
                vec![finding(&file, &problem)]
            }
        },
    ))
}

/// The file a database error names, for its finding.
fn sumdb_error_file(e: &sumdb::SumdbError) -> String {
    use sumdb::SumdbError as E;
    match e {
        E::Note { file, .. }
        | E::Tree { file }
        | E::Record { file }
        | E::Proof { file, .. }
        | E::Hash { file, .. }
        | E::Head { file }
        | E::Missing { file } => file.clone(),
        E::Gosumdb { .. } => "GOSUMDB".into(),
    }
}
