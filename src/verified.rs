//! A record of module directories already checked against go.sum, so that an unchanged directory
//! is not hashed again.
//!
//! Vendor mode reads modules from the module cache's extracted directories and checks each one it
//! consults against go.sum's `h1:` line. Hashing is most of its work (hundreds of megabytes for a
//! large project) and the answer only changes when a file does. After a directory hashes to the
//! `h1:` go.sum expects, its per-file SHA-256 digests are recorded together with each file's size,
//! modification and change times and inode number; the next check walks the directory, compares
//! those (as git compares its index with the work tree) and only when every file and no other is
//! as recorded takes the digests from the record instead of reading the files. A file written,
//! replaced, added or removed since changes a change time or the file set, and the directory is
//! hashed again. Files changed within [`RACY_SECS`] of the check are not recorded (their times
//! could still change within the same clock tick).
//!
//! Records live in `$GOMODOFF_CACHE/verified/` (default `$XDG_CACHE_HOME/gomodoff`, else
//! `$HOME/.cache/gomodoff`); `GOMODOFF_CACHE=off` turns them off. A record that cannot be read or
//! does not parse is ignored; writing one is best effort and never fails a command.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::dirhash::{self, HashError};

/// Files changed this recently are not recorded.
pub const RACY_SECS: u64 = 2;
/// First line of a record.
const MAGIC: &str = "gomodoff-verified 1";

/// Per-file SHA-256 keyed by `/`-separated path relative to the module root.
pub type Digests = BTreeMap<String, [u8; 32]>;

/// What identifies one file's content without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    ino: u64,
}

impl Stamp {
    fn of(meta: &fs::Metadata) -> Stamp {
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
    fn is_racy(&self, now: SystemTime) -> bool {
        let now_ns = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128);
        let window = i128::from(RACY_SECS) * 1_000_000_000;
        self.mtime_ns.max(self.ctime_ns) > now_ns - window
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
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        let base = match var("GOMODOFF_CACHE") {
            Some(v) if v == "off" => return Records::off(),
            Some(v) => PathBuf::from(v),
            None => match (var("XDG_CACHE_HOME"), var("HOME")) {
                (Some(x), _) => PathBuf::from(x).join("gomodoff"),
                (None, Some(h)) => PathBuf::from(h).join(".cache").join("gomodoff"),
                (None, None) => return Records::off(),
            },
        };
        Records::at(base.join("verified"))
    }

    fn record_path(&self, dir: &Path, want: &str) -> Option<PathBuf> {
        let root = self.dir.as_ref()?;
        let mut key = Sha256::new();
        key.update(dir.as_os_str().as_encoded_bytes());
        key.update(b"\n");
        key.update(want.as_bytes());
        Some(root.join(&hex::encode(key.finalize())[..32]))
    }

    /// The digests of `dir` when its files are exactly those recorded for it and `want`;
    /// `None` when there is no usable record or anything differs.
    fn recall(&self, dir: &Path, module: &str, want: &str) -> Option<Digests> {
        let text = fs::read_to_string(self.record_path(dir, want)?).ok()?;
        let mut lines = text.lines();
        if lines.next()? != MAGIC
            || lines.next()?.strip_prefix("dir ")? != dir.to_string_lossy()
            || lines.next()?.strip_prefix("h1 ")? != want
        {
            return None;
        }
        let mut recorded: BTreeMap<&str, ([u8; 32], Stamp)> = BTreeMap::new();
        for line in lines {
            let mut f = line.splitn(6, ' ');
            let mut digest = [0u8; 32];
            hex::decode_to_slice(f.next()?, &mut digest).ok()?;
            let stamp = Stamp {
                size: f.next()?.parse().ok()?,
                mtime_ns: f.next()?.parse().ok()?,
                ctime_ns: f.next()?.parse().ok()?,
                ino: f.next()?.parse().ok()?,
            };
            recorded.insert(f.next()?, (digest, stamp));
        }
        let now = stamps(dir)?;
        if now.len() != recorded.len() {
            return None;
        }
        let mut digests = Digests::new();
        for (name, stamp) in now {
            let (digest, then) = recorded.get(name.as_str())?;
            if stamp != *then {
                return None;
            }
            digests.insert(name, *digest);
        }
        // The record is only a shortcut: the digests must still make go.sum's hash.
        (dirhash::hash1_prefixed(module, &digests).ok()? == want).then_some(digests)
    }

    /// Records that `dir` hashed to `want` with these per-file digests. Best effort: nothing is
    /// recorded when a file changed within [`RACY_SECS`] of `now` or the directory changed
    /// since it was hashed.
    fn remember(&self, dir: &Path, want: &str, digests: &Digests, now: SystemTime) {
        let Some(path) = self.record_path(dir, want) else {
            return;
        };
        let Some(stamps) = stamps(dir) else {
            return;
        };
        if stamps.len() != digests.len() {
            return;
        }
        let mut text = format!("{MAGIC}\ndir {}\nh1 {want}\n", dir.to_string_lossy());
        for (name, stamp) in &stamps {
            let Some(digest) = digests.get(name) else {
                return;
            };
            if stamp.is_racy(now) || name.contains('\n') {
                return;
            }
            let _ = writeln!(
                text,
                "{} {} {} {} {} {name}",
                hex::encode(digest),
                stamp.size,
                stamp.mtime_ns,
                stamp.ctime_ns,
                stamp.ino
            );
        }
        let Some(parent) = path.parent() else {
            return;
        };
        if fs::create_dir_all(parent).is_err() {
            return;
        }
        // No fsync: a torn record does not parse or does not hash to `want`, and is ignored.
        if let Ok(mut tmp) = tempfile::Builder::new().prefix(".tmp-").tempfile_in(parent)
            && tmp.write_all(text.as_bytes()).is_ok()
        {
            let _ = tmp.persist(&path);
        }
    }
}

/// Every file under `dir` with its stamp, keyed by `/`-separated relative name; `None` for
/// anything a record cannot vouch for (a symbolic link, an irregular file, a name that is not
/// UTF-8, an error): the caller then hashes. Each file's status is read relative to its open
/// directory (`DirEntry::metadata`), without walking the whole path again.
fn stamps(dir: &Path) -> Option<BTreeMap<String, Stamp>> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Stamp>) -> Option<()> {
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
                walk(&entry.path(), &rel, out)?;
            } else if kind.is_file() {
                out.insert(rel, Stamp::of(&entry.metadata().ok()?));
            } else {
                return None;
            }
        }
        Some(())
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out)?;
    Some(out)
}

/// The per-file digests of module `module` (`path@version`) extracted at `dir` when its `h1:`
/// is `want`; `Ok(None)` when it is not. Takes the digests from `records` when the directory is
/// unchanged since they were recorded, else hashes every file (and records the result).
pub fn check_dir(
    records: &Records,
    dir: &Path,
    module: &str,
    want: &str,
) -> Result<Option<Digests>, HashError> {
    check_dir_at(records, dir, module, want, SystemTime::now())
}

fn check_dir_at(
    records: &Records,
    dir: &Path,
    module: &str,
    want: &str,
    now: SystemTime,
) -> Result<Option<Digests>, HashError> {
    if let Some(digests) = records.recall(dir, module, want) {
        return Ok(Some(digests));
    }
    let digests = dirhash::dir_file_digests(dir)?;
    if dirhash::hash1_prefixed(module, &digests)? != want {
        return Ok(None);
    }
    records.remember(dir, want, &digests, now);
    Ok(Some(digests))
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn an_unchanged_directory_is_answered_from_its_record() {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, want) = module(tmp.path());
        let records = Records::at(tmp.path().join("records"));
        let m = "example.com/m@v1.0.0";
        let first = check_dir_at(&records, &dir, m, &want, later())
            .unwrap()
            .unwrap();
        assert_eq!(records_in(&tmp.path().join("records")).len(), 1);
        let recalled = records.recall(&dir, m, &want).expect("recalled");
        assert_eq!(recalled, first);
        assert_eq!(first, dirhash::dir_file_digests(&dir).unwrap());
        // Another h1 or another directory has no record.
        assert!(records.recall(&dir, m, "h1:other").is_none());
        assert!(records.recall(tmp.path(), m, &want).is_none());
    }

    #[test]
    fn a_changed_added_or_removed_file_is_hashed_again_and_caught() {
        let m = "example.com/m@v1.0.0";
        type Change = fn(&Path);
        let changes: [(&str, Change); 4] = [
            ("same size, old mtime", |d: &Path| {
                let f = d.join("m.go");
                let mtime = fs::metadata(&f).unwrap().modified().unwrap();
                fs::write(&f, "package x\n").unwrap();
                fs::File::options()
                    .write(true)
                    .open(&f)
                    .unwrap()
                    .set_modified(mtime)
                    .unwrap();
            }),
            ("added", |d: &Path| {
                fs::write(d.join("extra.go"), "package m\n").unwrap()
            }),
            ("removed", |d: &Path| {
                fs::remove_file(d.join("sub/s.go")).unwrap()
            }),
            ("replaced by rename", |d: &Path| {
                fs::write(d.join("tmp"), "package q\n").unwrap();
                fs::rename(d.join("tmp"), d.join("m.go")).unwrap();
            }),
        ];
        for (what, change) in changes {
            let tmp = tempfile::tempdir().unwrap();
            let (dir, want) = module(tmp.path());
            let records = Records::at(tmp.path().join("records"));
            assert!(
                check_dir_at(&records, &dir, m, &want, later())
                    .unwrap()
                    .is_some()
            );
            change(&dir);
            assert!(records.recall(&dir, m, &want).is_none(), "{what}");
            assert_eq!(check_dir(&records, &dir, m, &want).unwrap(), None, "{what}");
        }
    }

    #[test]
    fn fresh_files_are_not_recorded_and_damaged_records_are_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, want) = module(tmp.path());
        let root = tmp.path().join("records");
        let records = Records::at(&root);
        let m = "example.com/m@v1.0.0";
        assert!(check_dir(&records, &dir, m, &want).unwrap().is_some());
        assert!(
            records_in(&root).is_empty(),
            "files changed just now are racy"
        );
        assert!(
            check_dir_at(&records, &dir, m, &want, later())
                .unwrap()
                .is_some()
        );
        let record = records_in(&root).pop().unwrap();
        // A digest flipped in the record: the digests no longer make the h1, so no answer.
        let text = fs::read_to_string(&record).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let flipped = format!(
            "{}{}",
            if lines[3].starts_with('0') { "1" } else { "0" },
            &lines[3][1..]
        );
        fs::write(&record, text.replace(lines[3], &flipped)).unwrap();
        assert!(records.recall(&dir, m, &want).is_none());
        // Torn or foreign content.
        fs::write(&record, &text[..text.len() / 2]).unwrap();
        assert!(records.recall(&dir, m, &want).is_none());
        fs::write(&record, "junk\n").unwrap();
        assert!(records.recall(&dir, m, &want).is_none());
        // Records off: nothing written, every check hashes.
        let off = Records::off();
        assert!(
            check_dir_at(&off, &dir, m, &want, later())
                .unwrap()
                .is_some()
        );
    }
}
