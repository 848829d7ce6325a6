//! A record of module directories already checked against go.sum, so that an unchanged directory
//! is not hashed again.
//!
//! Vendor mode reads modules from the module cache's extracted directories and checks each one it
//! consults against go.sum's `h1:` line. Hashing is most of its work (hundreds of megabytes for a
//! large project) and the answer only changes when a file does. After a directory hashes to the
//! `h1:` go.sum expects, its per-file SHA-256 digests are recorded together with each file's size,
//! modification and change times and inode number, and the same stamps of every directory; the
//! next check compares those (as git compares its index with the work tree) and only when they
//! are as recorded takes the digests from the record instead of reading the files. A file
//! written, replaced, added or removed since changes a change time or the file set, and the
//! directory is hashed again. Files changed within [`RACY_SECS`] of the check are not recorded
//! (their times could still change within the same clock tick).
//!
//! A check is full (every file's stamp compared) or limited to what the caller reads: then the
//! stamps of every recorded directory (an entry added, removed, renamed or replaced changes its
//! directory's times) and of the files the caller names. A caller asking for a limited check
//! promises that it reads the content of no other file of the directory, and that what it reads
//! of those is still what was recorded (vendor mode copies a file while its stamp, taken before
//! and after reading it, is the recorded one, and re-hashes it otherwise; it takes the import
//! scans of the other files from [`crate::resolve::scans`], by content).
//!
//! A tree gomodoff wrote itself (vendor mode's `vendor/`, which go.sum has no line for) is
//! recorded the same way under the `h1:`-style hash of its digests ([`tree_digests`]), so that a
//! run comparing it with what it should hold reads only the files whose stamps moved.
//!
//! Records live in `$GOMODOFF_CACHE/verified/` (default `$XDG_CACHE_HOME/gomodoff`, else
//! `$HOME/.cache/gomodoff`); `GOMODOFF_CACHE=off` turns them off. A record that cannot be read or
//! does not parse is ignored; writing one is best effort and never fails a command. Reading a
//! record (or a scans file) marks it used; files not used for [`KEEP_DAYS`] days are removed by
//! [`prune_cache`], which vendor mode runs at most once a day.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::formats::dirhash::{self, HashError};

/// Files changed this recently are not recorded.
pub const RACY_SECS: u64 = 2;
/// First line of a record.
const MAGIC: &str = "gomodoff-verified 2";

/// Per-file SHA-256 keyed by `/`-separated path relative to the module root.
pub type Digests = BTreeMap<String, [u8; 32]>;

/// A directory found to hash to go.sum's `h1:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub digests: Digests,
    /// The stamps that vouch for those digests (a file whose stamp is still this one holds the
    /// content of its digest); files changed too recently to tell are left out.
    pub stamps: BTreeMap<String, Stamp>,
}

/// What identifies one file's content without reading it: size, modification and change times,
/// inode. A file whose stamp is the one recorded with a digest (and was not racy then) holds the
/// content of that digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    ino: u64,
}

impl Stamp {
    /// The file's size, as stamped.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The stamp of what [`DirHandle::stat`](crate::util::fsutil::DirHandle::stat) said.
    pub(crate) fn of_stat(st: &crate::util::fsutil::EntryStat) -> Stamp {
        Stamp {
            size: st.size,
            mtime_ns: st.mtime_ns,
            ctime_ns: st.ctime_ns,
            ino: st.ino,
        }
    }

    /// Modification time, nanoseconds since the epoch.
    pub(crate) fn mtime_ns(&self) -> i128 {
        self.mtime_ns
    }

    /// Change time, nanoseconds since the epoch.
    pub(crate) fn ctime_ns(&self) -> i128 {
        self.ctime_ns
    }

    /// Inode number.
    pub(crate) fn ino(&self) -> u64 {
        self.ino
    }

    /// The stamp of a file's status.
    pub fn of(meta: &fs::Metadata) -> Stamp {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Stamp {
                size: meta.len(),
                mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
                ctime_ns: i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
                ino: meta.ino(),
            }
        }
        #[cfg(not(unix))]
        {
            let ns = |t: std::io::Result<SystemTime>| {
                t.ok()
                    .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos() as i128)
            };
            Stamp {
                size: meta.len(),
                mtime_ns: ns(meta.modified()),
                ctime_ns: ns(meta.created()),
                ino: 0,
            }
        }
    }

    /// Changed within [`RACY_SECS`] of `now` (or in the future).
    pub(crate) fn is_racy(&self, now: SystemTime) -> bool {
        let now_ns = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128);
        let window = i128::from(RACY_SECS) * 1_000_000_000;
        self.mtime_ns.max(self.ctime_ns) > now_ns - window
    }
}

/// Cache files (records, scans) not used for this many days are removed by [`prune_cache`].
pub const KEEP_DAYS: u64 = 30;
const DAY: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// The text of a cache file, which is marked used (its modification time set to now) so that
/// [`prune_cache`] keeps it.
pub(crate) fn read_used(path: &Path) -> Option<String> {
    use std::io::Read as _;
    let mut file = fs::File::open(path).ok()?;
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    let _ = file.set_modified(SystemTime::now());
    Some(text)
}

/// Removes the files of the cache at `base` (`verified/`, `scans/`, and `fresh/` and `goenv/`,
/// whose files are marked used when read too) not used for [`KEEP_DAYS`]
/// days, and temporary files left by interrupted writes; at most once a day (the `pruned` file
/// at `base` says when it last ran). Best effort: never fails.
pub fn prune_cache(base: &Path, now: SystemTime) {
    let stamp = base.join("pruned");
    let age = |path: &Path| {
        fs::symlink_metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
    };
    if age(&stamp).is_some_and(|a| a < DAY) || !base.is_dir() {
        return;
    }
    if fs::write(&stamp, b"").is_err() {
        return;
    }
    let keep = DAY * KEEP_DAYS as u32;
    for sub in ["verified", "scans", "fresh", "goenv"] {
        let Ok(entries) = fs::read_dir(base.join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let temporary = entry
                .file_name()
                .to_string_lossy()
                .starts_with(crate::util::fsutil::CACHE_TMP_PREFIX);
            let limit = if temporary { DAY } else { keep };
            if entry.file_type().is_ok_and(|t| t.is_file()) && age(&path).is_some_and(|a| a > limit)
            {
                let _ = fs::remove_file(&path);
            }
        }
    }
}

/// gomodoff's own cache directory: `$GOMODOFF_CACHE`, else `$XDG_CACHE_HOME/gomodoff`, else
/// `$HOME/.cache/gomodoff`; `None` when `GOMODOFF_CACHE=off` or none of them is set.
pub fn cache_dir_from_env() -> Option<PathBuf> {
    let var = |k: &str| crate::util::env::var_os(k).filter(|v| !v.is_empty());
    match var("GOMODOFF_CACHE") {
        Some(v) if v == "off" => None,
        Some(v) => Some(PathBuf::from(v)),
        None => match (var("XDG_CACHE_HOME"), var("HOME")) {
            (Some(x), _) => Some(PathBuf::from(x).join("gomodoff")),
            (None, Some(h)) => Some(PathBuf::from(h).join(".cache").join("gomodoff")),
            (None, None) => None,
        },
    }
}

/// The record store: a directory of records, or none (records off).
#[derive(Debug, Clone)]
pub struct Records {
    dir: Option<PathBuf>,
}

impl Records {
    /// Records under `dir` (created on first write).
    pub fn at(dir: impl Into<PathBuf>) -> Records {
        Records {
            dir: Some(dir.into()),
        }
    }

    /// No records: every check hashes.
    pub fn off() -> Records {
        Records { dir: None }
    }

    /// The store the environment names (see the module docs).
    pub fn from_env() -> Records {
        match cache_dir_from_env() {
            Some(base) => Records::at(base.join("verified")),
            None => Records::off(),
        }
    }

    fn record_path(&self, dir: &Path, want: &str) -> Option<PathBuf> {
        let root = self.dir.as_ref()?;
        let mut key = Sha256::new();
        key.update(dir.as_os_str().as_encoded_bytes());
        key.update(b"\n");
        key.update(want.as_bytes());
        Some(root.join(&hex::encode(key.finalize())[..32]))
    }

    /// The text of the record of `dir` for `want`, when there is one.
    fn read(&self, dir: &Path, want: &str) -> Option<String> {
        read_used(&self.record_path(dir, want)?)
    }

    /// The digests of `dir` when what the caller uses of it is as recorded for `want`; `None`
    /// when there is no usable record or anything differs. With `used: None` every file is
    /// compared (the whole directory is vouched for); with `used: Some(files)` the tree's shape
    /// (every recorded directory: no entry added, removed, renamed or replaced since) and those
    /// files only: the caller vouches that it reads no other file's content from `dir`. The
    /// answer holds the digests and stamps of the files `keep` names (all with `None`); the
    /// recorded digests of every file must still make `want`.
    fn recall(
        &self,
        dir: &Path,
        module: &str,
        want: &str,
        used: Option<&[String]>,
        keep: Option<&HashSet<&str>>,
    ) -> Option<Checked> {
        let text = self.read(dir, want)?;
        let record = Record::parse(&text, dir, want)?;
        match used {
            None => {
                let now = stamps(dir)?;
                if now.files.len() != record.files.len() {
                    return None;
                }
                for (name, stamp) in &now.files {
                    if record.file(name)?.stamp != *stamp {
                        return None;
                    }
                }
            }
            Some(used) => {
                // Stamped below the directory, not each from the file system's root.
                let at = crate::util::fsutil::DirHandle::open(dir, false).ok()?;
                let same = |rel: &str, kind: char, then: &Stamp| {
                    at.stat(rel)
                        .is_ok_and(|st| st.kind == kind && Stamp::of_stat(&st) == *then)
                };
                for (rel, then) in &record.dirs {
                    if !same(rel, 'd', then) {
                        return None;
                    }
                }
                for rel in used {
                    if !same(rel, 'f', &record.file(rel)?.stamp) {
                        return None;
                    }
                }
            }
        }
        // The record is only a shortcut: the digests must still make go.sum's hash. Hashed as
        // they stand in the record; only those kept are decoded.
        let mut lines = dirhash::Hash1Lines::new(module).ok()?;
        for f in &record.files {
            if !lines.add_hex(f.hex, f.name) {
                return None;
            }
        }
        if lines.finish() != want {
            return None;
        }
        let mut digests = Digests::new();
        let mut stamps = BTreeMap::new();
        for f in &record.files {
            if keep.is_some_and(|k| !k.contains(f.name)) {
                continue;
            }
            let mut digest = [0u8; 32];
            hex::decode_to_slice(f.hex, &mut digest).ok()?;
            digests.insert(f.name.to_string(), digest);
            stamps.insert(f.name.to_string(), f.stamp);
        }
        Some(Checked { digests, stamps })
    }

    /// Records that `dir` hashed to `want` with these per-file digests, read after `stamps` were
    /// taken (so a file changed in between no longer matches its recorded stamp). Best effort:
    /// nothing is recorded when a file or directory changed within [`RACY_SECS`] of `now`.
    fn remember(
        &self,
        dir: &Path,
        want: &str,
        digests: &Digests,
        stamps: &Stamps,
        now: SystemTime,
    ) {
        let Some(path) = self.record_path(dir, want) else {
            return;
        };
        if stamps.files.len() != digests.len() {
            return;
        }
        let mut text = format!("{MAGIC}\ndir {}\nh1 {want}\n", dir.to_string_lossy());
        let line = |text: &mut String, first: &str, stamp: &Stamp, name: &str| {
            let _ = writeln!(
                text,
                "{first} {} {} {} {} {name}",
                stamp.size, stamp.mtime_ns, stamp.ctime_ns, stamp.ino
            );
        };
        for (name, stamp) in &stamps.dirs {
            if stamp.is_racy(now) || name.contains('\n') {
                return;
            }
            line(&mut text, "d", stamp, name);
        }
        for (name, stamp) in &stamps.files {
            let Some(digest) = digests.get(name) else {
                return;
            };
            if stamp.is_racy(now) || name.contains('\n') {
                return;
            }
            line(&mut text, &hex::encode(digest), stamp, name);
        }
        // A torn record does not parse or does not hash to `want`, and is ignored.
        let _ = crate::util::fsutil::write_cache_file(&path, text.as_bytes());
    }
}

/// One record, read in place from its text: per directory (`""` for the root) its stamp, per
/// file its digest (hex, as recorded) and stamp, files in the order of their names.
struct Record<'a> {
    dirs: Vec<(&'a str, Stamp)>,
    files: Vec<RecordedFile<'a>>,
}

/// A file's line of a record.
struct RecordedFile<'a> {
    name: &'a str,
    hex: &'a str,
    stamp: Stamp,
}

impl<'a> Record<'a> {
    /// The record `text` when it is one of `dir` for `want`, as [`Records::remember`] writes
    /// them: every directory holding a file recorded (the root included), file names in strictly
    /// increasing byte order (the order Hash1 sorts them in, so a name appears once).
    fn parse(text: &'a str, dir: &Path, want: &str) -> Option<Record<'a>> {
        let mut lines = text.lines();
        if lines.next()? != MAGIC
            || lines.next()?.strip_prefix("dir ")? != dir.to_string_lossy()
            || lines.next()?.strip_prefix("h1 ")? != want
        {
            return None;
        }
        let mut record = Record {
            dirs: Vec::new(),
            files: Vec::new(),
        };
        for line in lines {
            let mut f = line.splitn(6, ' ');
            let first = f.next()?;
            let stamp = Stamp {
                size: f.next()?.parse().ok()?,
                mtime_ns: f.next()?.parse().ok()?,
                ctime_ns: f.next()?.parse().ok()?,
                ino: f.next()?.parse().ok()?,
            };
            let name = f.next()?;
            if first == "d" {
                record.dirs.push((name, stamp));
            } else {
                if record.files.last().is_some_and(|last| last.name >= name) {
                    return None;
                }
                record.files.push(RecordedFile {
                    name,
                    hex: first,
                    stamp,
                });
            }
        }
        record
            .dirs
            .iter()
            .any(|(name, _)| name.is_empty())
            .then_some(record)
    }

    /// The line of the file `name`.
    fn file(&self, name: &str) -> Option<&RecordedFile<'a>> {
        let at = self.files.binary_search_by(|f| f.name.cmp(name)).ok()?;
        Some(&self.files[at])
    }
}

/// The stamps of a tree: its files and its directories (the root as `""`).
#[derive(Debug, Default)]
struct Stamps {
    files: BTreeMap<String, Stamp>,
    dirs: BTreeMap<String, Stamp>,
}

/// Every file and directory under `dir` with its stamp, keyed by `/`-separated relative name;
/// `None` for anything a record cannot vouch for (a symbolic link, an irregular file, a name that
/// is not UTF-8, an error): the caller then hashes. Each entry's status is read relative to its
/// open directory (`DirEntry::metadata`), without walking the whole path again.
fn stamps(dir: &Path) -> Option<Stamps> {
    fn walk(dir: &Path, prefix: &str, out: &mut Stamps) -> Option<()> {
        for entry in fs::read_dir(dir).ok()? {
            let entry = entry.ok()?;
            let name = entry.file_name().into_string().ok()?;
            let rel = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let kind = entry.file_type().ok()?;
            if kind.is_dir() {
                out.dirs
                    .insert(rel.clone(), Stamp::of(&entry.metadata().ok()?));
                walk(&entry.path(), &rel, out)?;
            } else if kind.is_file() {
                out.files.insert(rel, Stamp::of(&entry.metadata().ok()?));
            } else {
                return None;
            }
        }
        Some(())
    }
    let mut out = Stamps::default();
    let root = fs::symlink_metadata(dir).ok()?;
    if !root.is_dir() {
        return None;
    }
    out.dirs.insert(String::new(), Stamp::of(&root));
    walk(dir, "", &mut out)?;
    Some(out)
}

/// What [`copy_stamped`] did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Stamped {
    /// The stamp held before and after the read: this many bytes were written.
    Copied(u64),
    /// The stamp was not the expected one: nothing written (the caller hashes instead).
    Moved,
    /// The stamp changed while the file was read: nothing written.
    ChangedWhileRead,
}

/// Copies `from` to `to` while `from`'s stamp is `stamp`, taken before and after reading it.
/// The bytes are streamed (a module file can be hundreds of megabytes), so what a failed check
/// leaves at `to` is removed before returning: on any answer but `Copied`, `to` does not exist.
pub(crate) fn copy_stamped(from: &Path, to: &Path, stamp: Stamp) -> std::io::Result<Stamped> {
    let mut src = fs::File::open(from)?;
    if Stamp::of(&src.metadata()?) != stamp {
        return Ok(Stamped::Moved);
    }
    let mut out = Unchecked::create(to)?;
    // No more than the stamped size is read (a file that grew changes its stamp, seen below),
    // which spares the read that would find its end.
    let copied = stream(&mut (&mut src).take(stamp.size), &mut out.file, None)?;
    if Stamp::of(&src.metadata()?) != stamp {
        return Ok(Stamped::ChangedWhileRead);
    }
    out.keep();
    Ok(Stamped::Copied(copied))
}

/// Copies `from` to `to` when its content is `digest`: unread a second time while `stamp` (the
/// one recorded with the digest) vouches for it before and after the read, hashed otherwise.
/// The bytes written, or `None` when the content is not `digest` or changed while it was read
/// (nothing left at `to` then: the bytes are hashed as they are streamed to `to`, which is
/// removed when they turn out wrong).
pub(crate) fn copy_checked(
    from: &Path,
    to: &Path,
    stamp: Option<Stamp>,
    digest: &[u8; 32],
) -> std::io::Result<Option<u64>> {
    if let Some(stamp) = stamp {
        match copy_stamped(from, to, stamp)? {
            Stamped::Copied(n) => return Ok(Some(n)),
            Stamped::ChangedWhileRead => return Ok(None),
            Stamped::Moved => {}
        }
    }
    let mut src = fs::File::open(from)?;
    let mut out = Unchecked::create(to)?;
    let mut hasher = Sha256::new();
    let copied = stream(&mut src, &mut out.file, Some(&mut hasher))?;
    if <[u8; 32]>::from(hasher.finalize()) != *digest {
        return Ok(None);
    }
    out.keep();
    Ok(Some(copied))
}

/// A file being written whose content is not checked yet: removed on drop unless kept.
struct Unchecked<'a> {
    path: &'a Path,
    file: fs::File,
    keep: bool,
}

impl<'a> Unchecked<'a> {
    fn create(path: &'a Path) -> std::io::Result<Unchecked<'a>> {
        Ok(Unchecked {
            path,
            file: fs::File::create(path)?,
            keep: false,
        })
    }

    fn keep(&mut self) {
        self.keep = true;
    }
}

impl Drop for Unchecked<'_> {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_file(self.path);
        }
    }
}

/// Copies `from` to `to` in 64 KiB pieces, hashing them into `hasher` when given; the bytes
/// copied.
fn stream(
    from: &mut impl std::io::Read,
    to: &mut impl std::io::Write,
    mut hasher: Option<&mut Sha256>,
) -> std::io::Result<u64> {
    crate::util::fsutil::read_pieces(from, |piece| {
        if let Some(h) = hasher.as_deref_mut() {
            h.update(piece);
        }
        to.write_all(piece)
    })
}

/// The per-file digests of a tree gomodoff wrote itself (vendor mode's `vendor/`), which go.sum
/// has no line for: taken from the record when it holds the files `expected` lists (their
/// `h1:`-style hash under `label` names it) and every file's stamp is still the recorded one;
/// else every file is hashed, and what was found recorded (under its own hash) for the next
/// run. Unlike a module's, the answer is whatever the tree holds now: the caller compares.
pub fn tree_digests(
    records: &Records,
    dir: &Path,
    label: &str,
    expected: Option<&Digests>,
) -> Result<Digests, HashError> {
    tree_digests_at(records, dir, label, expected, SystemTime::now())
}

fn tree_digests_at(
    records: &Records,
    dir: &Path,
    label: &str,
    expected: Option<&Digests>,
    now: SystemTime,
) -> Result<Digests, HashError> {
    let want = expected.and_then(|e| dirhash::hash1_prefixed(label, e).ok());
    if let Some(checked) = want.and_then(|want| records.recall(dir, label, &want, None, None)) {
        return Ok(checked.digests);
    }
    let (digests, stamped) = hashed(records, dir)?;
    if let Some(s) = stamped
        && let Ok(found) = dirhash::hash1_prefixed(label, &digests)
    {
        records.remember(dir, &found, &digests, &s, now);
    }
    Ok(digests)
}

/// Every file of `dir` hashed, with the stamps taken before (when records are kept): stamps
/// first, then contents (one walk lists and stamps the files), so that a file written in between
/// keeps a digest its recorded stamp no longer vouches for.
fn hashed(records: &Records, dir: &Path) -> Result<(Digests, Option<Stamps>), HashError> {
    let stamped = records.dir.as_ref().and_then(|_| stamps(dir));
    let digests = match &stamped {
        Some(s) => dirhash::named_file_digests(dir, s.files.keys())?,
        None => dirhash::dir_file_digests(dir)?,
    };
    Ok((digests, stamped))
}

/// The per-file digests of module `module` (`path@version`) extracted at `dir` when its `h1:`
/// is `want`; `Ok(None)` when it is not. Takes the digests from `records` when the directory is
/// unchanged since they were recorded (with `used`, as far as the caller reads it: see
/// [`Records`]' `recall`), else hashes every file (and records the result). The answer holds the
/// digests and stamps of the files `keep` names, of every file with `None`.
pub fn check_dir(
    records: &Records,
    dir: &Path,
    module: &str,
    want: &str,
    used: Option<&[String]>,
    keep: Option<&HashSet<&str>>,
) -> Result<Option<Checked>, HashError> {
    check_dir_at(records, dir, module, want, used, keep, SystemTime::now())
}

fn check_dir_at(
    records: &Records,
    dir: &Path,
    module: &str,
    want: &str,
    used: Option<&[String]>,
    keep: Option<&HashSet<&str>>,
    now: SystemTime,
) -> Result<Option<Checked>, HashError> {
    if let Some(checked) = records.recall(dir, module, want, used, keep) {
        return Ok(Some(checked));
    }
    let (digests, stamped) = hashed(records, dir)?;
    if dirhash::hash1_prefixed(module, &digests)? != want {
        return Ok(None);
    }
    if let Some(s) = &stamped {
        records.remember(dir, want, &digests, s, now);
    }
    let kept = |name: &String| keep.is_none_or(|k| k.contains(name.as_str()));
    let mut digests = digests;
    digests.retain(|name, _| kept(name));
    let stamps = stamped.map_or_else(BTreeMap::new, |s| {
        s.files
            .into_iter()
            .filter(|(name, stamp)| kept(name) && !stamp.is_racy(now))
            .collect()
    });
    Ok(Some(Checked { digests, stamps }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_file_is_copied_unread_only_while_its_stamp_vouches_for_it() {
        let tmp = tempfile::tempdir().unwrap();
        let from = tmp.path().join("from.go");
        fs::write(&from, "package a\n").unwrap();
        let stamp = Stamp::of(&fs::metadata(&from).unwrap());
        let to = tmp.path().join("to.go");
        assert_eq!(
            copy_stamped(&from, &to, stamp).unwrap(),
            Stamped::Copied(10)
        );
        assert_eq!(fs::read(&to).unwrap(), b"package a\n");
        // Replaced (same size, another inode): the stamp no longer vouches; nothing is written.
        let new = tmp.path().join("new.go");
        fs::write(&new, "package b\n").unwrap();
        fs::rename(&new, &from).unwrap();
        let other = tmp.path().join("other.go");
        assert_eq!(copy_stamped(&from, &other, stamp).unwrap(), Stamped::Moved);
        assert!(!other.exists());
    }

    #[test]
    fn a_file_without_a_vouching_stamp_is_copied_only_when_its_digest_matches() {
        let tmp = tempfile::tempdir().unwrap();
        let from = tmp.path().join("from.go");
        fs::write(&from, "package a\n").unwrap();
        let digest: [u8; 32] = Sha256::digest(b"package a\n").into();
        let to = tmp.path().join("to.go");
        assert_eq!(copy_checked(&from, &to, None, &digest).unwrap(), Some(10));
        assert_eq!(fs::read(&to).unwrap(), b"package a\n");
        let other = tmp.path().join("other.go");
        assert_eq!(copy_checked(&from, &other, None, &[0; 32]).unwrap(), None);
        assert!(!other.exists());
    }

    use super::*;
    use std::time::Duration;

    /// A module directory and its `h1:`.
    fn module(root: &Path) -> (PathBuf, String) {
        let dir = root.join("example.com/m@v1.0.0");
        fs::create_dir_all(dir.join("sub")).unwrap();
        fs::write(dir.join("go.mod"), "module example.com/m\n").unwrap();
        fs::write(dir.join("m.go"), "package m\n").unwrap();
        fs::write(dir.join("sub/s.go"), "package sub\n").unwrap();
        let want = dirhash::hash_dir(&dir, "example.com/m@v1.0.0").unwrap();
        (dir, want)
    }

    fn later() -> SystemTime {
        SystemTime::now() + Duration::from_secs(RACY_SECS + 5)
    }

    fn records_in(root: &Path) -> Vec<PathBuf> {
        fs::read_dir(root)
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default()
    }

    /// A module directory, its `h1:`, and an empty record store beside it.
    fn with_store(root: &Path) -> (PathBuf, String, Records) {
        let (dir, want) = module(root);
        (dir, want, Records::at(root.join("records")))
    }

    #[test]
    fn an_unchanged_directory_is_answered_from_its_record() {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, want, records) = with_store(tmp.path());
        let m = "example.com/m@v1.0.0";
        let first = check_dir_at(&records, &dir, m, &want, None, None, later())
            .unwrap()
            .unwrap();
        assert_eq!(records_in(&tmp.path().join("records")).len(), 1);
        let recalled = records
            .recall(&dir, m, &want, None, None)
            .expect("recalled");
        assert_eq!(recalled, first);
        assert_eq!(first.digests, dirhash::dir_file_digests(&dir).unwrap());
        // Every file's stamp vouches for its digest: the ones on disk now.
        assert_eq!(first.stamps.len(), first.digests.len());
        for (name, stamp) in &first.stamps {
            assert_eq!(
                *stamp,
                Stamp::of(&fs::metadata(dir.join(name)).unwrap()),
                "{name}"
            );
        }
        // Another h1 or another directory has no record.
        assert!(records.recall(&dir, m, "h1:other", None, None).is_none());
        assert!(records.recall(tmp.path(), m, &want, None, None).is_none());
    }

    #[test]
    fn a_check_keeps_only_the_files_asked_for_and_still_vouches_for_all() {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, want, records) = with_store(tmp.path());
        let m = "example.com/m@v1.0.0";
        let keep: HashSet<&str> = ["m.go"].into();
        let all = dirhash::dir_file_digests(&dir).unwrap();
        // Hashed (the first check), then from the record: the same answer, `m.go` only.
        for what in ["hashed", "recalled"] {
            let used = vec!["m.go".to_string()];
            let checked = check_dir_at(&records, &dir, m, &want, Some(&used), Some(&keep), later())
                .unwrap()
                .unwrap_or_else(|| panic!("{what}"));
            assert_eq!(
                checked.digests.keys().collect::<Vec<_>>(),
                ["m.go"],
                "{what}"
            );
            assert_eq!(checked.digests["m.go"], all["m.go"], "{what}");
            assert_eq!(
                checked.stamps.keys().collect::<Vec<_>>(),
                ["m.go"],
                "{what}"
            );
        }
        assert!(
            records
                .recall(&dir, m, &want, None, Some(&keep))
                .is_some_and(|c| c.digests.len() == 1)
        );
        // A file not kept whose recorded digest is wrong: the record no longer makes `want`.
        let path = records_in(&tmp.path().join("records")).pop().unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let sub = hex::encode(all["sub/s.go"]);
        fs::write(&path, text.replace(&sub, &"0".repeat(64))).unwrap();
        assert!(records.recall(&dir, m, &want, None, Some(&keep)).is_none());
        // Nor does a digest that is not lowercase hex, or files out of name order.
        fs::write(&path, text.replace(&sub, &sub.to_uppercase())).unwrap();
        assert!(records.recall(&dir, m, &want, None, Some(&keep)).is_none());
        let mut lines: Vec<&str> = text.lines().collect();
        let files = lines
            .iter()
            .position(|l| !l.starts_with("d ") && lines[..3].iter().all(|h| h != l))
            .unwrap();
        lines[files..].reverse();
        fs::write(&path, lines.join("\n") + "\n").unwrap();
        assert!(records.recall(&dir, m, &want, None, None).is_none());
        // The record as written is answered again.
        fs::write(&path, &text).unwrap();
        assert!(records.recall(&dir, m, &want, None, None).is_some());
    }

    /// A module directory checked once (past the racy window), with its record store.
    fn recorded(root: &Path) -> (PathBuf, String, Records) {
        let (dir, want, records) = with_store(root);
        let m = "example.com/m@v1.0.0";
        assert!(
            check_dir_at(&records, &dir, m, &want, None, None, later())
                .unwrap()
                .is_some()
        );
        (dir, want, records)
    }

    /// Rewrites `d/rel` with other bytes of the same size and its old modification time.
    fn tamper(d: &Path, rel: &str) {
        let f = d.join(rel);
        let mtime = fs::metadata(&f).unwrap().modified().unwrap();
        let mut bytes = fs::read(&f).unwrap();
        bytes[0] = if bytes[0] == b'x' { b'y' } else { b'x' };
        fs::write(&f, bytes).unwrap();
        fs::File::options()
            .write(true)
            .open(&f)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
    }

    #[test]
    fn a_changed_added_or_removed_file_is_hashed_again_and_caught() {
        let m = "example.com/m@v1.0.0";
        type Change = fn(&Path);
        let changes: [(&str, Change); 6] = [
            ("same size, old mtime", |d: &Path| tamper(d, "m.go")),
            ("added", |d: &Path| {
                fs::write(d.join("extra.go"), "package m\n").unwrap()
            }),
            ("added in a subdirectory", |d: &Path| {
                fs::write(d.join("sub/extra.go"), "package sub\n").unwrap()
            }),
            ("removed", |d: &Path| {
                fs::remove_file(d.join("sub/s.go")).unwrap()
            }),
            ("replaced by rename", |d: &Path| {
                fs::write(d.join("tmp"), "package q\n").unwrap();
                fs::rename(d.join("tmp"), d.join("m.go")).unwrap();
            }),
            ("subdirectory replaced", |d: &Path| {
                fs::rename(d.join("sub"), d.join("old")).unwrap();
                fs::create_dir(d.join("sub")).unwrap();
                fs::rename(d.join("old/s.go"), d.join("sub/s.go")).unwrap();
                fs::remove_dir(d.join("old")).unwrap();
            }),
        ];
        // The caller reads `m.go` only: the record vouches for the rest by directory stamps.
        let used = ["m.go".to_string()];
        for (what, change) in changes {
            let tmp = tempfile::tempdir().unwrap();
            let (dir, want, records) = recorded(tmp.path());
            assert!(records.recall(&dir, m, &want, Some(&used), None).is_some());
            change(&dir);
            assert!(
                records.recall(&dir, m, &want, None, None).is_none(),
                "{what}"
            );
            assert!(
                records.recall(&dir, m, &want, Some(&used), None).is_none(),
                "{what}"
            );
            let hashed = check_dir(&records, &dir, m, &want, Some(&used), None).unwrap();
            if what == "subdirectory replaced" {
                // Same files, same bytes: hashed again, and go.sum's hash still matches.
                assert!(hashed.is_some(), "{what}");
            } else {
                assert_eq!(hashed, None, "{what}");
            }
        }
    }

    #[test]
    fn a_tree_is_answered_from_its_record_only_while_it_holds_what_is_expected() {
        let label = "vendor";
        type Change = fn(&Path);
        let changes: [(&str, Change); 3] = [
            ("same size, old mtime", |d: &Path| tamper(d, "m.go")),
            ("added", |d: &Path| {
                fs::write(d.join("sub/extra.go"), "package sub\n").unwrap()
            }),
            ("removed", |d: &Path| {
                fs::remove_file(d.join("sub/s.go")).unwrap()
            }),
        ];
        for (what, change) in changes {
            let tmp = tempfile::tempdir().unwrap();
            let (dir, _) = module(tmp.path());
            let records = Records::at(tmp.path().join("records"));
            // Nothing expected: hashed, and recorded under what was found.
            let first = tree_digests_at(&records, &dir, label, None, later()).unwrap();
            assert_eq!(first, dirhash::dir_file_digests(&dir).unwrap());
            let want = dirhash::hash1_prefixed(label, &first).unwrap();
            let recalled = records
                .recall(&dir, label, &want, None, None)
                .expect("recorded");
            assert_eq!(recalled.digests, first);
            assert_eq!(
                tree_digests_at(&records, &dir, label, Some(&first), later()).unwrap(),
                first
            );
            // Changed since: what the tree holds now, not what the record says.
            change(&dir);
            assert!(
                records.recall(&dir, label, &want, None, None).is_none(),
                "{what}"
            );
            let now = tree_digests_at(&records, &dir, label, Some(&first), later()).unwrap();
            assert_ne!(now, first, "{what}");
            assert_eq!(now, dirhash::dir_file_digests(&dir).unwrap(), "{what}");
        }
    }

    #[test]
    fn a_file_the_caller_does_not_read_is_only_compared_in_full_checks() {
        let m = "example.com/m@v1.0.0";
        let tmp = tempfile::tempdir().unwrap();
        let (dir, want, records) = recorded(tmp.path());
        tamper(&dir, "sub/s.go");
        let used = ["m.go".to_string()];
        // Answered with the recorded digests (the caller re-hashes what it reads against them)...
        let recalled = records
            .recall(&dir, m, &want, Some(&used), None)
            .expect("recalled");
        assert_ne!(
            recalled.digests["sub/s.go"],
            dirhash::dir_file_digests(&dir).unwrap()["sub/s.go"]
        );
        // ...while a full check, and a check that reads the file, catch it.
        assert!(records.recall(&dir, m, &want, None, None).is_none());
        let used = ["sub/s.go".to_string()];
        assert!(records.recall(&dir, m, &want, Some(&used), None).is_none());
        assert_eq!(
            check_dir(&records, &dir, m, &want, None, None).unwrap(),
            None
        );
    }

    #[test]
    fn fresh_files_are_not_recorded_and_damaged_records_are_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, want) = module(tmp.path());
        let root = tmp.path().join("records");
        let records = Records::at(&root);
        let m = "example.com/m@v1.0.0";
        assert!(
            check_dir(&records, &dir, m, &want, None, None)
                .unwrap()
                .is_some()
        );
        assert!(
            records_in(&root).is_empty(),
            "files changed just now are racy"
        );
        assert!(
            check_dir_at(&records, &dir, m, &want, None, None, later())
                .unwrap()
                .is_some()
        );
        let record = records_in(&root).pop().unwrap();
        // A digest flipped in the record: the digests no longer make the h1, so no answer.
        let text = fs::read_to_string(&record).unwrap();
        let file_line = text
            .lines()
            .skip(3)
            .find(|l| !l.starts_with("d "))
            .expect("a file line");
        let flipped = format!(
            "{}{}",
            if file_line.starts_with('0') { "1" } else { "0" },
            &file_line[1..]
        );
        fs::write(&record, text.replace(file_line, &flipped)).unwrap();
        assert!(records.recall(&dir, m, &want, None, None).is_none());
        // Torn or foreign content.
        fs::write(&record, &text[..text.len() / 2]).unwrap();
        assert!(records.recall(&dir, m, &want, None, None).is_none());
        fs::write(&record, "junk\n").unwrap();
        assert!(records.recall(&dir, m, &want, None, None).is_none());
        // Records off: nothing written, every check hashes.
        let off = Records::off();
        assert!(
            check_dir_at(&off, &dir, m, &want, None, None, later())
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn the_cache_is_pruned_of_unused_files_once_a_day() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path();
        let old = SystemTime::now() - DAY * (KEEP_DAYS as u32 + 1);
        let file = |rel: &str, mtime: SystemTime| {
            let p = base.join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(&p, "x").unwrap();
            fs::File::options()
                .write(true)
                .open(&p)
                .unwrap()
                .set_modified(mtime)
                .unwrap();
            p
        };
        let unused = file("verified/unused", old);
        let used = file("verified/used", old);
        let fresh = file("scans/fresh", SystemTime::now());
        let old_scan = file("scans/old", old);
        let torn = file("scans/.tmp-x", SystemTime::now() - DAY * 2);
        let other = file("elsewhere/old", old);
        // Reading a file marks it used.
        assert_eq!(read_used(&used).as_deref(), Some("x"));
        prune_cache(base, SystemTime::now());
        for (path, kept) in [
            (&unused, false),
            (&used, true),
            (&fresh, true),
            (&old_scan, false),
            (&torn, false),
            (&other, true),
        ] {
            assert_eq!(path.exists(), kept, "{}", path.display());
        }
        // Not again on the same day.
        let later_unused = file("verified/later", old);
        prune_cache(base, SystemTime::now());
        assert!(later_unused.exists());
        // A day later, it goes.
        prune_cache(base, SystemTime::now() + DAY + Duration::from_secs(1));
        assert!(!later_unused.exists());
    }
}
