//! Installing a verified, staged tree into a target that may already hold other modules:
//! [`merge_tree`] compares first, then moves files in one rename each, rewrites lists and merges
//! the manifest last.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use crate::formats::dirhash;
use crate::util::fsutil;

use super::manifest::{Manifest, ManifestModule, TreeFile};
use super::unpack::{CopyError, copy_entry};
use super::{
    BundleError, MANIFEST_FILE, check_info, list_file, list_text, module_file, versions_in,
};

/// Where [`merge_tree`] installs into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A GOPROXY tree with its manifest.
    Tree,
    /// A module cache's `cache/download`: `.ziphash` beside each zip, no manifest.
    ModCache,
}

/// What [`merge_tree`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MergeStats {
    /// Files written (not counting lists and the manifest).
    pub written: usize,
    /// Files already there with the same content.
    pub kept: usize,
    /// Bytes of the files written.
    pub bytes: u64,
}

/// Called by [`merge_tree`] after each of its steps — `merge:first-moved` (one file moved in),
/// for a tree carrying a checksum database `merge:tiles-moved` (its tiles and the zips moved in)
/// and `merge:lookups-moved` (its lookups too), `merge:moved` (all moved in), `merge:listed`
/// (lists rewritten; the manifest is next) — so the commands can inject faults there; an error
/// stops the merge.
pub type StepHook<'a> = &'a dyn Fn(&str) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Install a verified, staged tree (`staged`, holding the files of `manifest`) into `target`,
/// which may already hold other modules. First every file is compared with what `target` holds
/// (a different zip or go.mod for the same version is a [`BundleError::Conflict`] and nothing is
/// written); then new files are moved in one by one (each a rename, so a reader never sees half a
/// file), zips before `.mod` files, each `list` is rewritten from the `.mod` files present, and
/// for [`Layout::Tree`] the manifest is merged into the target's, last. A run killed at any point
/// leaves only complete files in `target` (and perhaps a `.gomodoff-tmp-*` file, see
/// `util::staging`); merging the same tree again completes it.
///
/// The checksum database part, when the manifest has one: with `new_head` false the tree must
/// hold the same head or none (another is a conflict); with `new_head` true the caller proved
/// the staged part (every record against a new head that extends the tree's), and its lookups
/// and `latest` replace the tree's. Either way a tile already there must hold the same bytes, and
/// a reader of the tree at any instant sees a database it can prove: tiles (which never change)
/// move in first, then the lookups, then the modules, then `latest`.
pub fn merge_tree(
    staged: &Path,
    target: &Path,
    manifest: &Manifest,
    layout: Layout,
    new_head: bool,
    step: StepHook<'_>,
) -> Result<MergeStats, BundleError> {
    let mut stats = MergeStats::default();
    let mut moves = plan_moves(staged, target, manifest, layout, new_head, &mut stats)?;
    // Write the `.ziphash` files into the staging area so that every install is a rename.
    if layout == Layout::ModCache {
        for m in manifest.modules.values() {
            if let Some(h) = &m.zip_h1 {
                let name = format!("{}hash", module_file(&m.module(), "zip")?);
                fsutil::write_atomic(&staged.join(&name), h.as_bytes())?;
            }
        }
    }
    moves.sort();
    move_all(staged, &moves, manifest.sumdb.is_some(), &mut stats, step)?;
    step("merge:moved").map_err(BundleError::Step)?;
    rewrite_lists(target, manifest)?;
    step("merge:listed").map_err(BundleError::Step)?;
    if layout == Layout::Tree {
        merge_manifest(target, manifest)?;
    }
    Ok(stats)
}

/// A file to move in: its order (database tiles and zips, then database lookups and
/// `.ziphash`, `.info`, `.mod`, and the database's `latest`), its name in the tree and its path
/// in the target.
type Move = (u8, String, PathBuf);

/// Compares every file of the staged tree with what `target` holds: counts the ones kept, fails
/// on a conflict, and returns the ones to move in (unsorted).
fn plan_moves(
    staged: &Path,
    target: &Path,
    manifest: &Manifest,
    layout: Layout,
    new_head: bool,
    stats: &mut MergeStats,
) -> Result<Vec<Move>, BundleError> {
    let expected = manifest.expected_files()?;
    let mut moves: Vec<Move> = Vec::new();
    for (name, kind) in &expected {
        let to = target.join(name);
        let mv = match kind {
            TreeFile::List(_) => continue,
            // A module cache keeps no database of its own below `cache/download` that go would
            // serve: the part is carried only into trees.
            _ if kind.is_sumdb() && layout == Layout::ModCache => continue,
            _ if kind.is_sumdb() => {
                // The same file, or none: one tree holds one database head (a different `latest`
                // is a conflict, and nothing is written).
                let ours = fs::read(staged.join(name)).map_err(|source| BundleError::Read {
                    path: staged.join(name),
                    source,
                })?;
                let order = match kind {
                    TreeFile::SumdbTile(_) | TreeFile::SumdbSupported => 0,
                    TreeFile::SumdbLookup(_) => 1,
                    _ => 4,
                };
                let replaceable = matches!(kind, TreeFile::SumdbLookup(_) | TreeFile::SumdbLatest);
                match read_existing(&to)? {
                    Some(theirs) if theirs == ours => stats.kept += 1,
                    Some(_) if new_head && replaceable => moves.push((order, name.clone(), to)),
                    Some(_) if matches!(kind, TreeFile::SumdbTile(_)) => {
                        return Err(BundleError::Conflict {
                            path: to,
                            detail: "a tile never changes, and the tree holds another under this name: the tree or the source was changed".into(),
                        });
                    }
                    Some(_) => {
                        return Err(BundleError::Conflict {
                            path: to,
                            detail: "the tree already carries another part of the checksum database (another tree head): unpack into a new directory".into(),
                        });
                    }
                    None => moves.push((order, name.clone(), to)),
                }
                continue;
            }
            TreeFile::Info(mv) | TreeFile::Mod(mv) | TreeFile::Zip(mv) => mv,
            _ => unreachable!("every database file is handled above"),
        };
        let entry = manifest.get(mv).expect(
            "every expected file belongs to a manifest module because it was made from one",
        );
        let keep = keep_existing(kind, entry, &to)?;
        if let (Layout::ModCache, TreeFile::Zip(_)) = (layout, kind) {
            let ziphash = target.join(format!("{name}hash"));
            let hash_ok =
                read_existing(&ziphash)?.as_deref() == entry.zip_h1.as_deref().map(str::as_bytes);
            if !(keep && hash_ok) {
                moves.push((1, format!("{name}hash"), ziphash));
            }
        }
        if keep {
            stats.kept += 1;
            continue;
        }
        let order = match kind {
            TreeFile::Zip(_) => 0,
            TreeFile::Info(_) => 2,
            _ => 3,
        };
        moves.push((order, name.clone(), to));
    }
    Ok(moves)
}

/// Whether the file `to` already holds what the staged file `kind` of `entry` would write; a
/// go.mod that differs is a conflict.
fn keep_existing(kind: &TreeFile, entry: &ManifestModule, to: &Path) -> Result<bool, BundleError> {
    Ok(match kind {
        TreeFile::Zip(_) => existing_zip_matches(to, entry)?,
        TreeFile::Mod(_) => match read_existing(to)? {
            None => false,
            Some(bytes) if Some(dirhash::hash_gomod(&bytes)) == entry.gomod_h1 => true,
            Some(bytes) => {
                return Err(BundleError::Conflict {
                    path: to.to_path_buf(),
                    detail: format!(
                        "it hashes to {}, not {}",
                        dirhash::hash_gomod(&bytes),
                        entry.gomod_h1.as_deref().unwrap_or_default()
                    ),
                });
            }
        },
        // A valid `.info` already there stays (its Time may be more precise than ours).
        TreeFile::Info(mv) => read_existing(to)?.is_some_and(|b| check_info(mv, &b).is_ok()),
        _ => unreachable!("lists and database files are handled by plan_moves"),
    })
}

/// Moves the planned files in, in order, one rename each; calls `merge:first-moved` after the
/// first and, with a database part (`sumdb`), `merge:tiles-moved` and `merge:lookups-moved`
/// after the last move of those orders.
fn move_all(
    staged: &Path,
    moves: &[Move],
    sumdb: bool,
    stats: &mut MergeStats,
    step: StepHook<'_>,
) -> Result<(), BundleError> {
    for (i, (order, name, to)) in moves.iter().enumerate() {
        let from = staged.join(name);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(|source| BundleError::Write {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        stats.bytes += fs::metadata(&from).map(|m| m.len()).unwrap_or(0);
        if fs::symlink_metadata(to).is_ok_and(|m| m.is_dir()) {
            return Err(BundleError::Conflict {
                path: to.clone(),
                detail: "it is a directory".into(),
            });
        }
        move_file(&from, to)?;
        if !name.ends_with("hash") {
            stats.written += 1;
        }
        if i == 0 {
            step("merge:first-moved").map_err(BundleError::Step)?;
        }
        let next = moves.get(i + 1).map_or(u8::MAX, |(o, _, _)| *o);
        if sumdb && next != *order {
            match order {
                0 => step("merge:tiles-moved").map_err(BundleError::Step)?,
                1 => step("merge:lookups-moved").map_err(BundleError::Step)?,
                _ => {}
            }
        }
    }
    Ok(())
}

/// Rewrites the `list` of every module path the manifest has a go.mod for, from the `.mod`
/// files now present in the target.
fn rewrite_lists(target: &Path, manifest: &Manifest) -> Result<(), BundleError> {
    let paths: BTreeSet<&str> = manifest
        .modules
        .values()
        .filter(|m| m.gomod_h1.is_some())
        .map(|m| m.path.as_str())
        .collect();
    for path in paths {
        let list = target.join(list_file(path)?);
        let vdir = list
            .parent()
            .expect("a list file has a parent because it is in `@v`");
        let versions = versions_in(vdir)?;
        let text = list_text(versions.iter().map(String::as_str));
        if fsutil::read_optional(&list)?.as_deref() != Some(text.as_bytes()) {
            fsutil::write_atomic(&list, text.as_bytes())?;
        }
    }
    Ok(())
}

/// Merges `manifest` into the target tree's manifest (made when missing), written last.
fn merge_manifest(target: &Path, manifest: &Manifest) -> Result<(), BundleError> {
    let path = target.join(MANIFEST_FILE);
    let mut merged = match fsutil::read_optional(&path)? {
        Some(bytes) => Manifest::parse(
            &path.display().to_string(),
            &String::from_utf8_lossy(&bytes),
        )?,
        None => Manifest::new(),
    };
    for m in manifest.modules.values() {
        merged.add(m.clone())?;
    }
    merged.repos.extend(manifest.repos.iter().cloned());
    merged.workspace |= manifest.workspace;
    // Same head (plan_moves refused another): the records and tiles of both.
    if let Some(part) = &manifest.sumdb {
        match &mut merged.sumdb {
            Some(have) if have.name == part.name => {
                have.records.extend(part.records.iter().cloned());
                have.tiles.extend(part.tiles.iter().cloned());
            }
            Some(have) => {
                return Err(BundleError::Conflict {
                    path: path.clone(),
                    detail: format!(
                        "it carries the checksum database `{}`, not `{}`",
                        have.name, part.name
                    ),
                });
            }
            None => merged.sumdb = Some(part.clone()),
        }
    }
    let text = merged.render();
    if fsutil::read_optional(&path)?.as_deref() != Some(text.as_bytes()) {
        fsutil::write_atomic(&path, text.as_bytes())?;
    }
    Ok(())
}

/// Move a staged file into the target with one rename. When the target is on another file system
/// than its staging directory (the tree is a mount point of its own), copy it to a temporary
/// file beside its destination and rename that: a reader still never sees half a file.
fn move_file(from: &Path, to: &Path) -> Result<(), BundleError> {
    let werr = |source| BundleError::Write {
        path: to.to_path_buf(),
        source,
    };
    match fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::CrossesDevices => {
            let dir = to.parent().unwrap_or(Path::new("."));
            let mut tmp = tempfile::Builder::new()
                .prefix(fsutil::TMP_PREFIX)
                .tempfile_in(dir)
                .map_err(werr)?;
            let mut src = File::open(from).map_err(|source| BundleError::Read {
                path: from.to_path_buf(),
                source,
            })?;
            copy_entry(&mut src, tmp.as_file_mut()).map_err(|e| match e {
                CopyError::Read(source) => BundleError::Read {
                    path: from.to_path_buf(),
                    source,
                },
                CopyError::Write(source) => werr(source),
            })?;
            tmp.as_file().sync_all().map_err(werr)?;
            // The mode a rename would have kept (the temporary file is 0600).
            if let Ok(meta) = fs::metadata(from) {
                fs::set_permissions(tmp.path(), meta.permissions()).map_err(werr)?;
            }
            tmp.persist(to).map_err(|e| werr(e.error))?;
            Ok(())
        }
        Err(source) => Err(werr(source)),
    }
}

fn existing_zip_matches(path: &Path, entry: &ManifestModule) -> Result<bool, BundleError> {
    if !path.exists() {
        return Ok(false);
    }
    let want = entry.zip_h1.as_deref().unwrap_or_default();
    let got = dirhash::hash_zip(path).map_err(|e| BundleError::Conflict {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    if got != want {
        return Err(BundleError::Conflict {
            path: path.to_path_buf(),
            detail: format!("it hashes to {got}, not {want}"),
        });
    }
    Ok(true)
}

fn read_existing(path: &Path) -> Result<Option<Vec<u8>>, BundleError> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_file() => Ok(fsutil::read_optional(path)?),
        Ok(_) => Err(BundleError::Conflict {
            path: path.to_path_buf(),
            detail: "it is not a regular file".into(),
        }),
        Err(_) => Ok(None),
    }
}
