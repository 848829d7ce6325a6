//! `vendor`'s answer when nothing changed, without redoing the work: a record of the repository
//! as the last run left it.
//!
//! A `vendor` run's result depends on the repository's files (go.mod, go.sum, gomodoff.toml,
//! the lock, the trees it laid out, and the main module's own sources, whose imports decide which
//! packages and modules the build needs), on the settings go reports (`go env`) and on the
//! command line; the modules themselves are fixed by go.sum. After a run that applied its change
//! or found nothing to do, with nothing warned, this records the repository's entries (but
//! `.git` and gomodoff's transient files): every path, with each file's and symbolic link's
//! stamp — size, modification and change times, inode, as [`crate::sources::verified`] stamps
//! module-cache files — and in vendor mode the module-cache directories consulted and the files
//! copied from them (so that a changed cache is noticed as a full run notices it), summed up in
//! one SHA-256, under a key of the command line, the environment and go's settings. The next run
//! with the same key whose walk sums up the same has nothing to do. Directories in the
//! repository are walked, not stamped (what they hold is in the sum); replace mode's module
//! trees are stamped, not walked (a full run lays a tree out again only when it is gone;
//! `verify` checks their files).
//!
//! A file changed in the same clock tick as it was stamped could keep its stamp. An entry whose
//! change time is that close to the record's own time (measured on the repository's file
//! system, by a probe file: 20 ms where it keeps nanoseconds, 2 s where it does not) is listed
//! in the record with its SHA-256 as well, and the check hashes it again.
//!
//! Not recorded (every run is a full one): a workspace, a go.mod or go.work replacing a module
//! by a directory outside the repository (its files are inputs too), `GOMODOFF_CACHE=off`.
//! Records live in `$GOMODOFF_CACHE/fresh/`, one per repository directory; a record that cannot
//! be read, does not parse or does not match is ignored, and writing one never fails a command.

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

/// First line of a record. 3: vendor mode's lock records the module graph, so a run that found
/// nothing to do before must run in full once to write it.
const MAGIC: &str = "gomodoff-fresh 3";

/// Entries at any depth the walk leaves out: git's own directory, and what gomodoff itself
/// creates and removes within a run (the journal, the staging directory, temporary files).
fn skipped(name: &str) -> bool {
    name == ".git"
        || name == crate::txn::plan::JOURNAL_DIR
        || name == crate::txn::plan::STAGING_DIR
        || name.starts_with(crate::util::fsutil::TMP_PREFIX)
}

/// One entry of the walk: its kind (`f` file, `d` directory, `l` symbolic link, `o` other) and
/// stamp (none for a directory the walk goes into).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    kind: char,
    stamp: Option<Stamp>,
}

/// Entries by path, `/`-separated relative to the repository's root: each directory's entries
/// in name order, then what its subdirectories hold, in the same order.
type Walk = Vec<(String, Entry)>;

/// Something a run read outside the repository, with its stamp when the run took one.
pub(crate) type Read = (PathBuf, Option<Stamp>);

/// The record of one repository for one key.
pub(crate) struct Fresh {
    file: PathBuf,
    key: String,
    root: PathBuf,
    /// Replace mode's tree directory: each module tree below it (a directory named
    /// `…@version`) is stamped, not walked — as a full run, which lays a tree out again only when
    /// it is gone (`verify` checks their files).
    trees: Option<String>,
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
            "mode {mode}\ndir {:?}\nmodfile {}\nwhole {}\nno-sumdb {}",
            opts.dir, opts.modfile, opts.whole, opts.no_sumdb
        );
        let _ = writeln!(key, "modcache {:?}\nfrom {:?}", ctx.modcache, ctx.from);
        for (name, value) in env::go_vars() {
            let _ = writeln!(key, "env {name}={value:?}");
        }
        let _ = writeln!(key, "go env {:?}", go_env_at(Some(&root)));
        let name = hex::encode(Sha256::digest(root.as_os_str().as_encoded_bytes()));
        let trees = (mode == Mode::Replace).then(|| {
            let dir =
                super::chosen_dir(mode, opts.dir.as_deref(), &repo.config, repo.lock.as_ref());
            dir.0.trim_end_matches('/').to_string()
        });
        Some(Fresh {
            file: base.join("fresh").join(name),
            key: hex::encode(Sha256::digest(key.as_bytes())),
            root,
            trees,
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
        let (count, sum) = lines.next()?.strip_prefix("sum ")?.split_once(' ')?;
        let mut outside = Vec::new();
        let mut racy = Vec::new();
        for line in lines {
            match line.strip_prefix("outside ") {
                Some(path) => outside.push(path),
                None => racy.push(parse_racy(line)?),
            }
        }
        let mut walk = walk(&self.root, self.trees.as_deref())?;
        // What the run read outside the repository, stamped again.
        let stamped: Walk = outside
            .par_iter()
            .map(|p| Some((p.to_string(), Entry::of(&fs::symlink_metadata(p).ok()?))))
            .collect::<Option<_>>()?;
        walk.extend(stamped);
        let same = walk.len().to_string() == count
            && sum_of(&walk) == sum
            // Stamped too close to the record: the content must still be the recorded one.
            && racy.par_iter().all(|(kind, digest, path)| {
                content_digest(*kind, &self.root.join(path)).as_deref() == Some(*digest)
            });
        same.then_some(message)
    }

    /// Record the repository as it is now, and `read` (what the run read outside the
    /// repository, each with the directory it is in), `message` saying what the next run with
    /// nothing changed has to say. Best effort: a failure records nothing.
    pub(crate) fn record(&self, read: &[Read], message: &str) {
        let _ = self.try_record(read, message);
    }

    fn try_record(&self, read: &[Read], message: &str) -> Option<()> {
        if message.contains('\n') {
            return None;
        }
        let mut walk = walk(&self.root, self.trees.as_deref())?;
        let outside = outside(read)?;
        let inside = walk.len();
        walk.extend(outside);
        let (now, fine) = fs_now(&self.root)?;
        let window: i128 = if fine { 20_000_000 } else { 2_000_000_000 };
        let mut text = format!(
            "{MAGIC}\nkey {}\nmessage {message}\nsum {} {}\n",
            self.key,
            walk.len(),
            sum_of(&walk)
        );
        for (path, _) in &walk[inside..] {
            if path.contains('\n') {
                return None;
            }
            let _ = writeln!(text, "outside {path}");
        }
        for (path, e) in &walk {
            let Some(s) = e.stamp else { continue };
            if s.ctime_ns() > now - window || s.mtime_ns() > now - window {
                if path.contains('\n') {
                    return None;
                }
                let digest = content_digest(e.kind, &self.root.join(path))?;
                let _ = writeln!(text, "racy {} {digest} {path}", e.kind);
            }
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
            stamp: Some(Stamp::of(meta)),
        }
    }
}

/// The entries of `read` by absolute path, sorted, each with the directory it is in (a
/// directory's times change when an entry is added, removed or renamed in it). `None` when one
/// cannot be read or named.
fn outside(read: &[Read]) -> Option<Walk> {
    // Files stamped by the run itself (when it copied them) are not stamped again.
    let known = read.iter().filter_map(|(p, stamp)| {
        let stamp = (*stamp)?;
        let entry = Entry {
            kind: 'f',
            stamp: Some(stamp),
        };
        Some((p.to_str()?.to_string(), entry))
    });
    let mut unknown: Vec<&Path> = read
        .iter()
        .filter(|(_, stamp)| stamp.is_none())
        .map(|(p, _)| p.as_path())
        .collect();
    unknown.extend(read.iter().filter_map(|(p, _)| p.parent()));
    unknown.sort_unstable();
    unknown.dedup();
    let mut out: Walk = unknown
        .par_iter()
        .map(|p| {
            Some((
                p.to_str()?.to_string(),
                Entry::of(&fs::symlink_metadata(p).ok()?),
            ))
        })
        .collect::<Option<_>>()?;
    out.extend(known);
    out.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    out.dedup_by(|a, b| a.0 == b.0);
    Some(out)
}

/// A record's line for an entry stamped too close to the record: `racy KIND DIGEST PATH`.
fn parse_racy(line: &str) -> Option<(char, &str, &str)> {
    let mut f = line.strip_prefix("racy ")?.splitn(3, ' ');
    let kind = f.next()?.chars().next()?;
    Some((kind, f.next()?, f.next()?))
}

/// One SHA-256 over a walk: every entry's path, kind and stamp, in the walk's order.
fn sum_of(walk: &Walk) -> String {
    let mut h = Sha256::new();
    for (path, e) in walk {
        match e.stamp {
            Some(s) => {
                h.update([e.kind as u8, 1]);
                h.update(s.size().to_le_bytes());
                h.update(s.mtime_ns().to_le_bytes());
                h.update(s.ctime_ns().to_le_bytes());
                h.update(s.ino().to_le_bytes());
            }
            None => h.update([e.kind as u8, 0]),
        }
        h.update(path.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

/// Every entry under `root` but the [`skipped`] ones: directories walked (their type read from
/// the listing, not stamped), anything else stamped (symbolic links not followed); module trees
/// below `trees` stamped but not walked; subdirectories walked on all cores. `None` when a
/// directory cannot be read.
fn walk(root: &Path, trees: Option<&str>) -> Option<Walk> {
    let is_tree = |path: &str| {
        trees.is_some_and(|t| {
            path.strip_prefix(t).is_some_and(|below| {
                below.starts_with('/') && below.rsplit('/').next().is_some_and(|n| n.contains('@'))
            })
        })
    };
    fn dir(root: &Path, rel: &str, is_tree: &(dyn Fn(&str) -> bool + Sync)) -> Option<Walk> {
        let mut here = Vec::new();
        for e in fs::read_dir(root.join(rel)).ok()? {
            let e = e.ok()?;
            let name = e.file_name().into_string().ok()?;
            if skipped(&name) {
                continue;
            }
            let path = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let entry = if e.file_type().ok()?.is_dir() && !is_tree(&path) {
                Entry {
                    kind: 'd',
                    stamp: None,
                }
            } else {
                Entry::of(&e.metadata().ok()?)
            };
            here.push((path, entry));
        }
        here.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let subdirs: Vec<&str> = here
            .iter()
            .filter(|(_, e)| e.kind == 'd' && e.stamp.is_none())
            .map(|(path, _)| path.as_str())
            .collect();
        let below: Vec<Walk> = subdirs
            .par_iter()
            .map(|path| dir(root, path, is_tree))
            .collect::<Option<_>>()?;
        here.extend(below.into_iter().flatten());
        Some(here)
    }
    dir(root, "", &is_tree)
}

/// The SHA-256 (hex) of what an entry of `kind` holds: a file's content, a directory's sorted
/// entry names, a symbolic link's target; `None` for anything else, or when it cannot be read.
fn content_digest(kind: char, path: &Path) -> Option<String> {
    let bytes = match kind {
        'f' => return crate::util::fsutil::sha256_file(path).ok().map(hex::encode),
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
