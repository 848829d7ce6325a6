//! `vendor`'s answer when nothing changed, without redoing the work: a record of the repository
//! as the last run left it.
//!
//! A `vendor` run's result depends on the repository's files (go.mod, go.sum, gomodoff.toml,
//! the lock, the trees it laid out, and the main module's own sources, whose imports decide which
//! packages and modules the build needs), on the settings go reports (`go env`) and on the
//! command line; the modules themselves are fixed by go.sum. After a run that applied its change
//! or found nothing to do, with nothing warned, this records every entry of the repository (but
//! `.git` and gomodoff's transient files) with its stamp — size, modification and change times,
//! inode, as [`crate::sources::verified`] stamps module-cache files — under a key of the command
//! line, the environment and go's settings. The next run with the same key whose walk finds
//! every entry with its recorded stamp, and no other entry, has nothing to do.
//!
//! A file changed in the same clock tick as it was stamped could keep its stamp. An entry whose
//! change time is that close to the record's own time (measured on the repository's file
//! system, by a probe file: 20 ms where it keeps nanoseconds, 2 s where it does not) is recorded
//! with its SHA-256 as well, and the check hashes it again.
//!
//! Not recorded (every run is a full one): a workspace, a go.mod or go.work replacing a module
//! by a directory outside the repository (its files are inputs too), `GOMODOFF_CACHE=off`.
//! Records live in `$GOMODOFF_CACHE/fresh/`, one per repository directory; a record that cannot
//! be read, does not parse or does not match is ignored, and writing one never fails a command.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::formats::lock::Mode;
use crate::modes::VendorOptions;
use crate::repo::Repo;
use crate::sources::goenv::go_env_at;
use crate::sources::verified::{self, Stamp};
use crate::util::context::Context;
use crate::util::env;

/// First line of a record.
const MAGIC: &str = "gomodoff-fresh 1";

/// Entries at any depth the walk leaves out: git's own directory, and what gomodoff itself
/// creates and removes within a run (the journal, the staging directory, temporary files).
fn skipped(name: &str) -> bool {
    name == ".git"
        || name == crate::txn::plan::JOURNAL_DIR
        || name == crate::txn::plan::STAGING_DIR
        || name.starts_with(crate::util::fsutil::TMP_PREFIX)
}

/// One entry of the walk: its kind (`f` file, `d` directory, `l` symbolic link, `o` other) and
/// stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    kind: char,
    stamp: Stamp,
}

/// The repository's entries by `/`-separated path relative to its root.
type Walk = HashMap<String, Entry>;

/// The record of one repository for one key.
pub(crate) struct Fresh {
    file: PathBuf,
    key: String,
    root: PathBuf,
}

impl Fresh {
    /// The record of `repo` for this run, or `None` when a run here cannot be vouched for by
    /// one (see the module documentation).
    pub(crate) fn new(
        ctx: &Context,
        repo: &Repo,
        mode: Mode,
        opts: &VendorOptions,
    ) -> Option<Fresh> {
        if repo.workspace.is_some() || opts.report_dropped || leaves_repo(repo) {
            return None;
        }
        let base = verified::cache_dir_from_env()?;
        let root = fs::canonicalize(&repo.root).ok()?;
        // A cache inside the repository would change with every record read.
        if fs::canonicalize(&base).is_ok_and(|b| b.starts_with(&root)) {
            return None;
        }
        let mut key = String::new();
        let _ = writeln!(key, "{MAGIC}\ngomodoff {}", env!("CARGO_PKG_VERSION"));
        let _ = writeln!(
            key,
            "mode {mode}\ndir {:?}\nmodfile {}\nwhole {}",
            opts.dir, opts.modfile, opts.whole
        );
        let _ = writeln!(key, "modcache {:?}\nfrom {:?}", ctx.modcache, ctx.from);
        for (name, value) in env::go_vars() {
            let _ = writeln!(key, "env {name}={value:?}");
        }
        let _ = writeln!(key, "go env {:?}", go_env_at(Some(&root)));
        let name = hex::encode(Sha256::digest(root.as_os_str().as_encoded_bytes()));
        Some(Fresh {
            file: base.join("fresh").join(name),
            key: hex::encode(Sha256::digest(key.as_bytes())),
            root,
        })
    }

    /// The message of the recorded run when the repository is as it left it, else `None`.
    pub(crate) fn check(&self) -> Option<String> {
        let text = verified::read_used(&self.file)?;
        let mut lines = text.lines();
        if lines.next()? != MAGIC || lines.next()? != format!("key {}", self.key) {
            return None;
        }
        let message = lines.next()?.strip_prefix("message ")?.to_string();
        let mut recorded: HashMap<&str, (Entry, Option<&str>)> = HashMap::new();
        for line in lines {
            let (path, entry, digest) = parse_entry(line)?;
            recorded.insert(path, (entry, digest));
        }
        let mut walk = walk(&self.root)?;
        // What the run read outside the repository, stamped again (named by absolute paths).
        for path in recorded.keys().filter(|p| p.starts_with('/')) {
            let meta = fs::symlink_metadata(path).ok()?;
            walk.insert((*path).to_string(), Entry::of(&meta));
        }
        if walk.len() != recorded.len() {
            return None;
        }
        let same = walk.par_iter().all(|(path, entry)| {
            match recorded.get(path.as_str()) {
                Some((e, None)) => e == entry,
                // Stamped too close to the record: the content must still be the recorded one.
                Some((e, Some(digest))) => {
                    e == entry
                        && content_digest(e.kind, &self.root.join(path)).as_deref() == Some(*digest)
                }
                None => false,
            }
        });
        same.then_some(message)
    }

    /// Record the repository as it is now, and `read` (what the run read outside the
    /// repository: files, and directories with every directory below them), `message` saying
    /// what the next run with nothing changed has to say. Best effort: a failure records
    /// nothing.
    pub(crate) fn record(&self, read: &[PathBuf], message: &str) {
        let _ = self.try_record(read, message);
    }

    fn try_record(&self, read: &[PathBuf], message: &str) -> Option<()> {
        if message.contains('\n') {
            return None;
        }
        let mut walk = walk(&self.root)?;
        walk.extend(outside(read)?);
        let (now, fine) = fs_now(&self.root)?;
        let window: i128 = if fine { 20_000_000 } else { 2_000_000_000 };
        let mut paths: Vec<&String> = walk.keys().collect();
        paths.sort();
        let mut text = format!("{MAGIC}\nkey {}\nmessage {message}\n", self.key);
        for path in paths {
            if path.contains('\n') {
                return None;
            }
            let e = walk[path];
            let racy = e.stamp.ctime_ns() > now - window || e.stamp.mtime_ns() > now - window;
            let digest = if racy {
                content_digest(e.kind, &self.root.join(path))?
            } else {
                "-".to_string()
            };
            let s = e.stamp;
            let _ = writeln!(
                text,
                "{} {} {} {} {} {digest} {path}",
                e.kind,
                s.size(),
                s.mtime_ns(),
                s.ctime_ns(),
                s.ino()
            );
        }
        let dir = self.file.parent()?;
        fs::create_dir_all(dir).ok()?;
        crate::util::fsutil::write_atomic(&self.file, text.as_bytes()).ok()
    }

    /// Forget the record (a run that changed something without recording).
    pub(crate) fn forget(&self) {
        let _ = fs::remove_file(&self.file);
    }
}

/// Whether go.mod replaces a module by a directory outside the repository: its files decide the
/// build too, and the walk does not see them.
fn leaves_repo(repo: &Repo) -> bool {
    let Ok(gomod) = repo.gomod() else {
        return true;
    };
    gomod.replaces().iter().any(|r| {
        r.new_version.is_none() && {
            let dir = crate::util::fsutil::clean_path(&repo.root.join(&r.new_path));
            !dir.starts_with(&repo.root)
        }
    })
}

impl Entry {
    fn of(meta: &fs::Metadata) -> Entry {
        let kind = if meta.is_dir() {
            'd'
        } else if meta.is_file() {
            'f'
        } else if meta.file_type().is_symlink() {
            'l'
        } else {
            'o'
        };
        Entry {
            kind,
            stamp: Stamp::of(meta),
        }
    }
}

/// The entries of `read` by absolute path: each file, and each directory with every directory
/// below it (their times change when a file is added, removed or renamed). `None` when one
/// cannot be read or named.
fn outside(read: &[PathBuf]) -> Option<Walk> {
    let mut out = Walk::new();
    for path in read {
        let meta = fs::symlink_metadata(path).ok()?;
        if !meta.is_dir() {
            out.insert(path.to_str()?.to_string(), Entry::of(&meta));
            continue;
        }
        let dirs = walkdir::WalkDir::new(path)
            .into_iter()
            .filter_entry(|e| e.file_type().is_dir());
        for e in dirs {
            let e = e.ok()?;
            out.insert(
                e.path().to_str()?.to_string(),
                Entry::of(&e.metadata().ok()?),
            );
        }
    }
    Some(out)
}

/// A record line: `KIND SIZE MTIME CTIME INO DIGEST|- PATH`.
fn parse_entry(line: &str) -> Option<(&str, Entry, Option<&str>)> {
    let mut f = line.splitn(7, ' ');
    let kind = f.next()?.chars().next()?;
    let size = f.next()?.parse().ok()?;
    let mtime = f.next()?.parse().ok()?;
    let ctime = f.next()?.parse().ok()?;
    let ino = f.next()?.parse().ok()?;
    let digest = Some(f.next()?).filter(|d| *d != "-");
    let path = f.next()?;
    let stamp = Stamp::from_parts(size, mtime, ctime, ino);
    Some((path, Entry { kind, stamp }, digest))
}

/// Every entry under `root` but the [`skipped`] ones, with its stamp (symbolic links not
/// followed); subdirectories walked on all cores. `None` when a directory cannot be read.
fn walk(root: &Path) -> Option<Walk> {
    fn dir(root: &Path, rel: &str) -> Option<Vec<(String, Entry)>> {
        let mut here = Vec::new();
        let mut subdirs = Vec::new();
        for e in fs::read_dir(root.join(rel)).ok()? {
            let e = e.ok()?;
            let name = e.file_name().into_string().ok()?;
            if skipped(&name) {
                continue;
            }
            let entry = Entry::of(&e.metadata().ok()?);
            let path = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            if entry.kind == 'd' {
                subdirs.push(path.clone());
            }
            here.push((path, entry));
        }
        let below: Vec<Vec<(String, Entry)>> = subdirs
            .par_iter()
            .map(|d| dir(root, d))
            .collect::<Option<_>>()?;
        here.extend(below.into_iter().flatten());
        Some(here)
    }
    Some(dir(root, "")?.into_iter().collect())
}

/// The SHA-256 (hex) of what an entry of `kind` holds: a file's content, a directory's sorted
/// entry names, a symbolic link's target; `None` for anything else, or when it cannot be read.
fn content_digest(kind: char, path: &Path) -> Option<String> {
    let bytes = match kind {
        'f' => fs::read(path).ok()?,
        'd' => {
            let mut names = fs::read_dir(path)
                .ok()?
                .map(|e| e.map(|e| e.file_name()))
                .collect::<Result<Vec<_>, _>>()
                .ok()?;
            names.sort();
            names.join(std::ffi::OsStr::new("\n")).into_encoded_bytes()
        }
        'l' => fs::read_link(path)
            .ok()?
            .into_os_string()
            .into_encoded_bytes(),
        _ => return None,
    };
    Some(crate::util::fsutil::sha256_hex(&bytes))
}

/// The file system's clock at the repository (the change time of a probe file made there, in
/// nanoseconds), and whether it keeps sub-second times.
fn fs_now(root: &Path) -> Option<(i128, bool)> {
    let probe = tempfile::Builder::new()
        .prefix(crate::util::fsutil::TMP_PREFIX)
        .tempfile_in(root)
        .ok()?;
    let stamp = Stamp::of(&probe.as_file().metadata().ok()?);
    let fine = stamp.ctime_ns() % 1_000_000_000 != 0;
    Some((stamp.ctime_ns(), fine))
}
