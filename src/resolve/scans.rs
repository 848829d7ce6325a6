//! Import scans of module files, remembered by content.
//!
//! A module version's files are fixed by its go.sum `h1:`, and so is what the import scan of each
//! of its `.go` files says (package clause, imports, constraints, embed patterns). Vendor mode
//! reads the headers of thousands of such files on every run; this cache keeps their scans in
//! `$GOMODOFF_CACHE/scans/`, one file per `h1:`, so the next run looks them up instead of opening
//! the files.
//!
//! What keeps it honest:
//! - A scan is only written for a module whose directory was checked against go.sum's `h1:` in
//!   the same run ([`ScanCache::save`] is told which); scans of a directory that turned out not
//!   to match are dropped.
//! - A scan that is looked up, not read, comes from the content go.sum names. The caller still
//!   checks every module directory it used against go.sum afterwards (as it did before this
//!   cache), so a changed cache directory is caught and replaced by its zip just as before.
//! - Directory listings are always read from disk; only `.go` file contents are skipped.
//! - Each file starts with `FORMAT` and gomodoff's version, so a scanner that changes with a
//!   new release never reads an older one's answers; a file that does not parse is ignored.
//! - The store is trusted as far as the user's cache directory is: a forged scans file could
//!   change which packages are vendored (and so fail a build), never what a vendored file holds:
//!   every file vendor mode copies is vouched for by its recorded stamp or re-hashed against the
//!   digests that make go.sum's `h1:`.
//!
//! `GOMODOFF_CACHE=off` keeps scans in memory only, for the one run.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use sha2::{Digest, Sha256};

use crate::resolve::packages::{self, GoFile, PackageDir, ScanError};

/// First line of a scans file; the scanner's version follows it.
const FORMAT: &str = "gomodoff-scans 1";

/// Scans of one module's files, keyed by `/`-separated path relative to the module root.
type ModuleScans = HashMap<String, GoFile>;

/// Remembered scans, by module content (`h1:`).
#[derive(Debug, Default)]
pub struct ScanCache {
    /// Where scans files live; `None` keeps them in memory only.
    dir: Option<PathBuf>,
    /// The content (`h1:`) of each module root the caller vouches will be checked.
    roots: Mutex<HashMap<PathBuf, String>>,
    /// Scans read from disk, loaded once per `h1:`.
    stored: Mutex<HashMap<String, Arc<OnceLock<ModuleScans>>>>,
    /// Scans made this run, by `h1:`.
    fresh: Mutex<HashMap<String, ModuleScans>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ScanCache {
    /// Scans files under `dir` (created on first save).
    pub fn at(dir: impl Into<PathBuf>) -> ScanCache {
        ScanCache {
            dir: Some(dir.into()),
            ..ScanCache::default()
        }
    }

    /// Scans kept in memory only.
    pub fn in_memory() -> ScanCache {
        ScanCache::default()
    }

    /// The cache the environment names (see [`crate::sources::verified::cache_dir_from_env`]).
    pub fn from_env() -> ScanCache {
        match crate::sources::verified::cache_dir_from_env() {
            Some(base) => ScanCache::at(base.join("scans")),
            None => ScanCache::in_memory(),
        }
    }

    /// Says that the files under `root` are those of the module zip whose go.sum hash is `h1`
    /// (the caller checks this before it trusts anything computed from them).
    pub fn set_root(&self, root: &Path, h1: &str) {
        lock(&self.roots).insert(root.to_path_buf(), h1.to_string());
    }

    /// [`packages::scan_dir`] of `dir`, a directory at or below a module `root`: `.go` files
    /// already scanned for the module's content are looked up, not read. Roots not given to
    /// [`ScanCache::set_root`] are scanned from disk.
    pub fn scan_dir(&self, root: &Path, dir: &Path) -> Result<PackageDir, ScanError> {
        let key = lock(&self.roots).get(root).cloned();
        let (Some(key), Ok(rel)) = (key, dir.strip_prefix(root)) else {
            return packages::scan_dir(dir);
        };
        let Some(rel) = rel.to_str() else {
            return packages::scan_dir(dir);
        };
        let rel = rel.replace('\\', "/");
        let cell = self.stored(&key);
        let stored = cell.get().expect("loaded by stored()");
        let mut made: Vec<(String, GoFile)> = Vec::new();
        let scanned = packages::scan_dir_with(dir, |name, path| {
            let file_key = if rel.is_empty() {
                name.to_string()
            } else {
                format!("{rel}/{name}")
            };
            if let Some(file) = stored.get(&file_key).filter(|f| f.name == name) {
                return Ok(file.clone());
            }
            if let Some(file) = lock(&self.fresh)
                .get(&key)
                .and_then(|m| m.get(&file_key))
                .filter(|f| f.name == name)
            {
                return Ok(file.clone());
            }
            let file = packages::scan_go_path(name, path)?;
            made.push((file_key, file.clone()));
            Ok(file)
        })?;
        if !made.is_empty() {
            lock(&self.fresh).entry(key).or_default().extend(made);
        }
        Ok(scanned)
    }

    /// The stored scans of the module whose content is `h1`, read on first use.
    fn stored(&self, h1: &str) -> Arc<OnceLock<ModuleScans>> {
        let cell = lock(&self.stored)
            .entry(h1.to_string())
            .or_default()
            .clone();
        cell.get_or_init(|| self.read(h1).unwrap_or_default());
        cell
    }

    fn file(&self, h1: &str) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        Some(dir.join(&hex::encode(Sha256::digest(h1.as_bytes()))[..32]))
    }

    fn header(h1: &str) -> String {
        format!("{FORMAT} {}\nh1 {h1}\n", env!("CARGO_PKG_VERSION"))
    }

    fn read(&self, h1: &str) -> Option<ModuleScans> {
        let text = crate::sources::verified::read_used(&self.file(h1)?)?;
        let body = text.strip_prefix(&Self::header(h1))?;
        let mut out = ModuleScans::new();
        for line in body.lines() {
            let (key, file): (String, GoFile) = serde_json::from_str(line).ok()?;
            out.insert(key, file);
        }
        Some(out)
    }

    /// Whether a scan of the module content `h1` was read from disk this run (not looked up).
    pub fn made_scans(&self, h1: &str) -> bool {
        lock(&self.fresh).get(h1).is_some_and(|m| !m.is_empty())
    }

    /// Drops the scans made this run for the module content `h1`: a directory that claimed it
    /// did not match go.sum, so what was read from it must not stand for that content.
    pub fn discard(&self, h1: &str) {
        lock(&self.fresh).remove(h1);
    }

    /// Writes the scans made this run for each module content in `checked` (those whose
    /// directories were found to match go.sum), together with the ones stored before. Best
    /// effort: a cache that cannot be written never fails a command.
    pub fn save<'a>(&self, checked: impl IntoIterator<Item = &'a str>) {
        if self.dir.is_none() {
            return;
        }
        let mut fresh = lock(&self.fresh);
        for h1 in checked {
            let Some(made) = fresh.remove(h1) else {
                continue;
            };
            let stored = self.stored(h1);
            let mut all: BTreeMap<&String, &GoFile> = stored.get().into_iter().flatten().collect();
            all.extend(made.iter());
            let _ = self.write(h1, &all);
        }
    }

    fn write(&self, h1: &str, all: &BTreeMap<&String, &GoFile>) -> io::Result<()> {
        let path = self
            .file(h1)
            .ok_or_else(|| io::Error::other("no cache directory"))?;
        let mut text = Self::header(h1);
        for entry in all {
            let line = serde_json::to_string(&entry).map_err(io::Error::other)?;
            let _ = writeln!(text, "{line}");
        }
        // A torn file does not parse and is ignored.
        crate::util::fsutil::write_cache_file(&path, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    const H1: &str = "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    fn module(root: &Path) -> PathBuf {
        let dir = root.join("example.com/m@v1.0.0");
        fs::create_dir_all(dir.join("sub")).unwrap();
        fs::write(dir.join("go.mod"), "module example.com/m\n").unwrap();
        fs::write(dir.join("m.go"), "package m\n\nimport \"example.com/a\"\n").unwrap();
        fs::write(
            dir.join("sub/s.go"),
            "package sub\n\nimport \"example.com/b\"\n",
        )
        .unwrap();
        fs::write(dir.join("sub/README"), "hi\n").unwrap();
        dir
    }

    fn imports(p: &PackageDir) -> Vec<String> {
        p.imports().0
    }

    #[test]
    fn scans_are_remembered_by_content_and_only_for_checked_modules() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = module(tmp.path());
        let store = tmp.path().join("scans");

        // First run: scanned from disk, the same answer as without a cache.
        let first = ScanCache::at(&store);
        first.set_root(&dir, H1);
        let sub = first.scan_dir(&dir, &dir.join("sub")).unwrap();
        assert_eq!(sub, packages::scan_dir(&dir.join("sub")).unwrap());
        let top = first.scan_dir(&dir, &dir).unwrap();
        assert_eq!(imports(&top), ["example.com/a"]);
        // Not saved for a module the caller did not find checked.
        first.save(["h1:other"]);
        assert!(!store.exists());
        first.save([H1]);
        assert_eq!(fs::read_dir(&store).unwrap().count(), 1);

        // The file changes on disk; a new run with the same content key answers from the store,
        // which shows it did not read the file (the caller's check would catch the change).
        fs::write(
            dir.join("sub/s.go"),
            "package sub\n\nimport \"example.com/c\"\n",
        )
        .unwrap();
        let second = ScanCache::at(&store);
        second.set_root(&dir, H1);
        assert_eq!(
            imports(&second.scan_dir(&dir, &dir.join("sub")).unwrap()),
            ["example.com/b"]
        );
        // Listings come from disk: a new file is scanned, not invented or dropped.
        fs::write(
            dir.join("sub/t.go"),
            "package sub\n\nimport \"example.com/d\"\n",
        )
        .unwrap();
        assert_eq!(
            imports(&second.scan_dir(&dir, &dir.join("sub")).unwrap()),
            ["example.com/b", "example.com/d"]
        );
        // Another content key, or a root never vouched for, reads the disk.
        let third = ScanCache::at(&store);
        third.set_root(&dir, "h1:other");
        assert_eq!(
            imports(&third.scan_dir(&dir, &dir.join("sub")).unwrap()),
            ["example.com/c", "example.com/d"]
        );
        let fourth = ScanCache::at(&store);
        assert_eq!(
            imports(&fourth.scan_dir(&dir, &dir.join("sub")).unwrap()),
            ["example.com/c", "example.com/d"]
        );
    }

    #[test]
    fn damaged_or_foreign_scans_files_are_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = module(tmp.path());
        let store = tmp.path().join("scans");
        let first = ScanCache::at(&store);
        first.set_root(&dir, H1);
        first.scan_dir(&dir, &dir.join("sub")).unwrap();
        first.save([H1]);
        let file = fs::read_dir(&store)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let text = fs::read_to_string(&file).unwrap();
        fs::write(dir.join("sub/s.go"), "package sub\n").unwrap();
        let fresh_answer = |written: &str| {
            fs::write(&file, written).unwrap();
            let cache = ScanCache::at(&store);
            cache.set_root(&dir, H1);
            imports(&cache.scan_dir(&dir, &dir.join("sub")).unwrap())
        };
        // Torn, from another version of gomodoff, for another h1: all read from disk.
        assert!(fresh_answer(&text[..text.len() - 5]).is_empty());
        assert!(fresh_answer(&text.replace(env!("CARGO_PKG_VERSION"), "0.0.0-other")).is_empty());
        assert!(fresh_answer(&text.replace(H1, "h1:other")).is_empty());
        // Intact: answered from the file.
        assert_eq!(fresh_answer(&text), ["example.com/b"]);
    }

    #[test]
    fn in_memory_only_when_the_cache_is_off() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = module(tmp.path());
        let cache = ScanCache::in_memory();
        cache.set_root(&dir, H1);
        let before = cache.scan_dir(&dir, &dir.join("sub")).unwrap();
        cache.save([H1]);
        assert_eq!(
            fs::read_dir(tmp.path()).unwrap().count(),
            1,
            "nothing written"
        );
        assert_eq!(before, packages::scan_dir(&dir.join("sub")).unwrap());
        // Within the run the scan is reused, until the content is discarded.
        fs::write(dir.join("sub/s.go"), "package sub\n").unwrap();
        assert_eq!(
            imports(&cache.scan_dir(&dir, &dir.join("sub")).unwrap()),
            ["example.com/b"]
        );
        cache.discard(H1);
        assert!(imports(&cache.scan_dir(&dir, &dir.join("sub")).unwrap()).is_empty());
    }
}
