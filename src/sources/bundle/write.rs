//! Writing: a bundle zip (manifest first, then every tree file in name order, reproducibly) or a
//! tree directory, from module contents and a manifest.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::util::fsutil;

use super::manifest::{Manifest, TreeFile};
use super::{BundleError, MANIFEST_FILE, ModuleContent, list_file, list_text, module_file};

/// Write a bundle: the manifest, then every tree file in name order, reproducibly. The file is
/// written next to `out` and renamed over it at the end. Returns its size.
pub fn write_bundle(
    out: &Path,
    manifest: &Manifest,
    contents: &[ModuleContent],
    extra: &ExtraFiles,
) -> Result<u64, BundleError> {
    let werr = |source| BundleError::Write {
        path: out.to_path_buf(),
        source,
    };
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".gomodoff-bundle-")
        .tempfile_in(dir)
        .map_err(werr)?;
    let mut zip = zip::ZipWriter::new(io::BufWriter::new(tmp.as_file()));
    let small = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(zip::DateTime::default())
        .system(zip::System::Unix)
        .unix_permissions(0o644);
    let stored = small
        .compression_method(zip::CompressionMethod::Stored)
        .compression_level(None);
    let zerr = |source: zip::result::ZipError| werr(io::Error::other(source));

    zip.start_file(MANIFEST_FILE, small).map_err(zerr)?;
    zip.write_all(manifest.render().as_bytes()).map_err(werr)?;
    for (name, data) in tree_entries(manifest, contents, extra)? {
        match data {
            EntryData::Bytes(bytes) => {
                zip.start_file(name, small).map_err(zerr)?;
                zip.write_all(&bytes).map_err(werr)?;
            }
            EntryData::File(path) => {
                zip.start_file(name, stored).map_err(zerr)?;
                let mut f = File::open(&path).map_err(|source| BundleError::Read {
                    path: path.clone(),
                    source,
                })?;
                io::copy(&mut f, &mut zip).map_err(werr)?;
            }
        }
    }
    let mut buf = zip.finish().map_err(zerr)?;
    buf.flush().map_err(werr)?;
    drop(buf);
    tmp.as_file().sync_all().map_err(werr)?;
    let size = tmp.as_file().metadata().map_err(werr)?.len();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o644)).map_err(werr)?;
    }
    tmp.persist(out).map_err(|e| werr(e.error))?;
    Ok(size)
}

/// Write a tree (files, lists and manifest) into `dir`, a new or empty directory. Lists are
/// made from the manifest.
pub fn write_tree(
    dir: &Path,
    manifest: &Manifest,
    contents: &[ModuleContent],
    extra: &ExtraFiles,
) -> Result<(), BundleError> {
    for (name, data) in tree_entries(manifest, contents, extra)? {
        let to = dir.join(&name);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(|source| BundleError::Write {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let result = match data {
            EntryData::Bytes(bytes) => fs::write(&to, bytes),
            EntryData::File(from) => fs::copy(&from, &to).map(|_| ()),
        };
        result.map_err(|source| BundleError::Write { path: to, source })?;
    }
    fsutil::write_atomic(&dir.join(MANIFEST_FILE), manifest.render().as_bytes())?;
    Ok(())
}

/// Files of a tree besides the modules' (the checksum database part), by relative name: each
/// must be one the manifest implies.
pub type ExtraFiles = BTreeMap<String, Vec<u8>>;

enum EntryData {
    Bytes(Vec<u8>),
    File(PathBuf),
}

/// Every tree file but the manifest, sorted by name, lists made from the manifest.
fn tree_entries(
    manifest: &Manifest,
    contents: &[ModuleContent],
    extra: &ExtraFiles,
) -> Result<Vec<(String, EntryData)>, BundleError> {
    let mut entries: BTreeMap<String, EntryData> = BTreeMap::new();
    let expected = manifest.expected_files()?;
    for (name, bytes) in extra {
        if !expected.get(name).is_some_and(TreeFile::is_sumdb) {
            return Err(BundleError::Manifest {
                origin: MANIFEST_FILE.into(),
                message: format!("`{name}` is not a database file the manifest implies"),
            });
        }
        entries.insert(name.clone(), EntryData::Bytes(bytes.clone()));
    }
    let mut lists: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in contents {
        let mv = c.entry.module();
        if manifest.get(&mv) != Some(&c.entry) {
            return Err(BundleError::Manifest {
                origin: MANIFEST_FILE.into(),
                message: format!("module `{mv}` is not in the manifest as given"),
            });
        }
        if let Some(gomod) = &c.gomod {
            lists
                .entry(&c.entry.path)
                .or_default()
                .push(&c.entry.version);
            entries.insert(module_file(&mv, "mod")?, EntryData::Bytes(gomod.clone()));
        }
        if let Some(zip) = &c.zip {
            entries.insert(module_file(&mv, "zip")?, EntryData::File(zip.clone()));
        }
        if let Some(info) = &c.info {
            entries.insert(module_file(&mv, "info")?, EntryData::Bytes(info.clone()));
        }
    }
    for (path, versions) in lists {
        entries.insert(
            list_file(path)?,
            EntryData::Bytes(list_text(versions).into_bytes()),
        );
    }
    Ok(entries.into_iter().collect())
}
