//! `vendor`'s answer when nothing changed, without redoing the work: a record of the repository
//! as the last run left it.
//!
//! A `vendor` run's result depends on the repository's files (go.mod, go.sum, gomodoff.toml,
//! the lock, the trees it laid out, and the main module's own sources, whose imports decide which
//! packages and modules the build needs), on the settings go reports (`go env`) and on the
//! command line; the modules themselves are fixed by go.sum. After a run that applied its change
//! or found nothing to do, with nothing warned, this records the repository's entries (but
//! `.git` and gomodoff's transient files), directory by directory: every entry's name with its
//! stamp — size, modification and change times, inode, as [`crate::sources::verified`] stamps
//! module-cache files; a directory's times change when an entry is added to it, removed or
//! renamed — and in vendor mode the module-cache directories consulted, the files copied from
//! them and the directories those files are in (so that a changed cache is noticed as a full
//! run notices it), summed up in one SHA-256, under a key of the command line, the environment
//! and go's settings. The next run with the same key whose entries, stamped again, sum up the
//! same has nothing to do. The check lists one directory, the repository's root (where
//! gomodoff's own transient files come and go); every other directory is stamped, not listed,
//! and every entry is stamped relative to its directory. Replace mode's module trees are stamped
//! and not recorded further (a full run lays a tree out again only when it is gone; `verify`
//! checks their files).
//!
//! The answer comes before the repository is opened (its go.mod, go.sum and lock are in the
//! record: unchanged, they say what they said when the record was made), under the repository
//! lock, and `go env` runs while the entries are stamped.
//!
//! A file changed in the same clock tick as it was stamped could keep its stamp. An entry whose
//! change time is that close to the record's own time (measured on the repository's file
//! system, by a probe file: 20 ms where it keeps nanoseconds, 2 s where it does not) is listed
//! in the record with its SHA-256 as well (a directory's: its sorted names), and the check
//! hashes it again.
//!
//! Not recorded (every run is a full one): a workspace, a go.mod or go.work replacing a module
//! by a directory outside the repository (its files are inputs too), `--report-dropped`,
//! `GOMODOFF_CACHE=off`. Records live in `$GOMODOFF_CACHE/fresh/`, one per repository
//! directory; a record that cannot be read, does not parse or does not match is ignored, and
//! writing one never fails a command.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::thread::JoinHandle;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::formats::lock::{LockFile, Mode};
use crate::modes::VendorOptions;
use crate::repo::Repo;
use crate::sources::goenv::GoEnvVars;
use crate::sources::goenv_memo::go_env_remembered;
use crate::sources::verified::{self, Stamp};
use crate::util::context::Context;
use crate::util::env;
use crate::util::fsutil::DirHandle;

/// First line of a record. 4: entries recorded directory by directory, directories stamped.
const MAGIC: &str = "gomodoff-fresh 4";

/// Entries at any depth the walk leaves out: git's own directory, and what gomodoff itself
/// creates and removes within a run (the journal, the staging directory, temporary files).
fn skipped(name: &str) -> bool {
    name == ".git"
        || name == crate::txn::plan::JOURNAL_DIR
        || name == crate::txn::plan::STAGING_DIR
        || name.starts_with(crate::util::fsutil::TMP_PREFIX)
}

/// One entry: its kind (`f` file, `d` directory, `l` symbolic link, `o` other) and stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    kind: char,
    stamp: Stamp,
}

/// The entries of one directory, by name in name order. `dir` is `/`-separated relative to the
/// repository's root (empty for the root itself), or an absolute path outside the repository.
#[derive(Debug, Default)]
struct Group {
    dir: String,
    entries: Vec<(String, Entry)>,
}

/// Something a run read outside the repository, with its stamp when the run took one.
pub(crate) type Read = (PathBuf, Option<Stamp>);

/// What a record says when the repository is as it left it.
pub(crate) struct Recorded {
    /// What to say: there is nothing to do.
    pub message: String,
    /// The lock's mode and tree directory, as the recorded run left them.
    pub mode: Mode,
    pub dir: String,
}

/// The key, and what `go env` said.
type Asked = (String, Option<GoEnvVars>);

/// The record of one repository for one key.
pub(crate) struct Fresh {
    file: PathBuf,
    /// The repository's root, canonical.
    root: PathBuf,
    /// The key: made of the command line and the environment, and go's settings once `go env`
    /// (asked on another thread) answers.
    key: OnceLock<Asked>,
    asking: Mutex<Option<JoinHandle<Asked>>>,
}

impl Fresh {
    /// The record of the repository at `root` for this run, or `None` when a run here cannot be
    /// vouched for by one (see the module documentation). Asks `go env` on another thread.
    pub(crate) fn new(ctx: &Context, root: &Path, opts: &VendorOptions) -> Option<Fresh> {
        if opts.report_dropped {
            return None;
        }
        let base = verified::cache_dir_from_env()?;
        let root = fs::canonicalize(root).ok()?;
        // A cache inside the repository would change with every record read.
        if fs::canonicalize(&base).is_ok_and(|b| b.starts_with(&root)) {
            return None;
        }
        let mut key = String::new();
        let _ = writeln!(key, "{MAGIC}\ngomodoff {}", env!("CARGO_PKG_VERSION"));
        let _ = writeln!(
            key,
            "mode {:?}\ndir {:?}\nmodfile {}\nwhole {}\nno-sumdb {}",
            opts.mode, opts.dir, opts.modfile, opts.whole, opts.no_sumdb
        );
        let _ = writeln!(key, "modcache {:?}\nfrom {:?}", ctx.modcache, ctx.from);
        for (name, value) in env::go_vars() {
            let _ = writeln!(key, "env {name}={value:?}");
        }
        let name = hex::encode(Sha256::digest(root.as_os_str().as_encoded_bytes()));
        let at = root.clone();
        let asking = std::thread::Builder::new()
            .name("go-env".into())
            .spawn(move || {
                let vars = go_env_remembered(&at);
                let _ = writeln!(key, "go env {vars:?}");
                (hex::encode(Sha256::digest(key.as_bytes())), vars)
            })
            .ok()?;
        Some(Fresh {
            file: base.join("fresh").join(name),
            root,
            key: OnceLock::new(),
            asking: Mutex::new(Some(asking)),
        })
    }

    /// The repository's root, canonical.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// The key, waiting for `go env` the first time.
    fn key(&self) -> Option<&str> {
        self.asked().map(|(key, _)| key.as_str())
    }

    /// The key and what `go env` said, waiting for it the first time.
    fn asked(&self) -> Option<&Asked> {
        if let Some(asked) = self.key.get() {
            return Some(asked);
        }
        let handle = self
            .asking
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let asked = handle?.join().ok()?;
        Some(self.key.get_or_init(|| asked))
    }

    /// Waits for `go env` (asked on another thread when the record was made).
    pub(crate) fn wait(&self) {
        let _ = self.asked();
    }

    /// Whether a go.work is in effect at the root: as `go env` says, or (go not installed)
    /// as go would find it.
    fn in_workspace(&self) -> bool {
        match self.asked() {
            Some((_, Some(vars))) => !vars.gowork.is_empty() && vars.gowork != "off",
            _ => crate::repo::workspace_file(&self.root).is_some(),
        }
    }

    /// What the recorded run said and left, when the repository is as it left it; else `None`.
    pub(crate) fn check(&self) -> Option<Recorded> {
        let text = verified::read_used(&self.file)?;
        let record = parse(&text)?;
        // Every entry stamped again, a directory at a time on all cores.
        let digests: Vec<[u8; 32]> = record
            .groups
            .par_iter()
            .map(|g| restamped_digest(&self.root, g))
            .collect::<Option<_>>()?;
        let count: usize = record.groups.iter().map(|g| g.names.len()).sum();
        let same = count == record.count
            && hex::encode(sum_of(&digests)) == record.sum
            && self.key()? == record.key
            // A go.work appeared since (go not installed: the key cannot say).
            && !self.in_workspace()
            // Stamped too close to the record: the content must still be the recorded one.
            && record.racy.par_iter().all(|(kind, digest, path)| {
                content_digest(*kind, &self.root.join(path)).as_deref() == Some(*digest)
            });
        same.then(|| Recorded {
            message: record.message.to_string(),
            mode: record.mode,
            dir: record.dir.to_string(),
        })
    }

    /// Record the repository as it is now (`repo`, as the run left it with `lock`), and `read`
    /// (what the run read outside the repository), `message` saying what the next run with
    /// nothing changed has to say. Forgets the record instead where a record cannot vouch for
    /// the next run (a workspace, a replacement outside the repository). Best effort: a failure
    /// records nothing.
    pub(crate) fn record(&self, repo: &Repo, lock: &LockFile, read: &[Read], message: &str) {
        if repo.workspace.is_some()
            || leaves_repo(repo)
            || self.try_record(lock, read, message).is_none()
        {
            self.forget();
        }
    }

    fn try_record(&self, lock: &LockFile, read: &[Read], message: &str) -> Option<()> {
        if message.contains('\n') || lock.dir.contains('\n') {
            return None;
        }
        let trees = (lock.mode == Mode::Replace).then(|| lock.dir.trim_end_matches('/'));
        let mut groups = walk(&self.root, trees)?;
        groups.extend(outside(read)?);
        let digests: Vec<[u8; 32]> = groups.par_iter().map(digest).collect();
        let count: usize = groups.iter().map(|g| g.entries.len()).sum();
        let (now, fine) = fs_now(&self.root)?;
        let window: i128 = if fine { 20_000_000 } else { 2_000_000_000 };
        let mut text = format!(
            "{MAGIC}\nkey {}\nmessage {message}\nlock {} {}\nsum {count} {}\n",
            self.key()?,
            lock.mode,
            lock.dir,
            hex::encode(sum_of(&digests))
        );
        for g in &groups {
            for (name, e) in &g.entries {
                let s = e.stamp;
                if s.ctime_ns() > now - window || s.mtime_ns() > now - window {
                    let path = joined(&g.dir, name);
                    let digest = content_digest(e.kind, &self.root.join(&path))?;
                    let _ = writeln!(text, "racy {} {digest} {path}", e.kind);
                }
            }
        }
        for g in &groups {
            if g.dir.contains('\n') || g.entries.iter().any(|(n, _)| n.contains('\n')) {
                return None;
            }
            let _ = writeln!(text, "@ {}", if g.dir.is_empty() { "." } else { &g.dir });
            for (name, e) in &g.entries {
                let _ = writeln!(text, "{} {name}", e.kind);
            }
        }
        // A torn record does not parse, or its entries do not sum up to its `sum` line.
        crate::util::fsutil::write_cache_file(&self.file, text.as_bytes()).ok()
    }

    /// Forget the record (a run that changed something without recording).
    pub(crate) fn forget(&self) {
        let _ = fs::remove_file(&self.file);
    }
}

impl Drop for Fresh {
    /// `go env` is waited for: no thread, and no go process, outlives the record.
    fn drop(&mut self) {
        let _ = self.key();
    }
}

/// A record, parsed.
struct Record<'a> {
    key: &'a str,
    message: &'a str,
    mode: Mode,
    dir: &'a str,
    count: usize,
    sum: &'a str,
    racy: Vec<(char, &'a str, &'a str)>,
    groups: Vec<Listed<'a>>,
}

/// A group as a record lists it: the directory and the names of its entries.
struct Listed<'a> {
    dir: &'a str,
    names: Vec<&'a str>,
}

fn parse(text: &str) -> Option<Record<'_>> {
    let mut lines = text.lines();
    if lines.next()? != MAGIC {
        return None;
    }
    let key = lines.next()?.strip_prefix("key ")?;
    let message = lines.next()?.strip_prefix("message ")?;
    let (mode, dir) = lines.next()?.strip_prefix("lock ")?.split_once(' ')?;
    let (count, sum) = lines.next()?.strip_prefix("sum ")?.split_once(' ')?;
    let mut racy = Vec::new();
    let mut groups: Vec<Listed> = Vec::new();
    for line in lines {
        if let Some(dir) = line.strip_prefix("@ ") {
            let dir = if dir == "." { "" } else { dir };
            groups.push(Listed {
                dir,
                names: Vec::new(),
            });
        } else if let Some(group) = groups.last_mut() {
            // `KIND NAME`: the kind is for the reader; the check stamps the entry again.
            let (_, name) = line.split_once(' ')?;
            group.names.push(name);
        } else {
            racy.push(parse_racy(line)?);
        }
    }
    Some(Record {
        key,
        message,
        mode: Mode::parse(mode)?,
        dir,
        count: count.parse().ok()?,
        sum,
        racy,
        groups,
    })
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

/// `dir/name`, or `name` at the root.
fn joined(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// A group's directory on disk.
fn group_path(root: &Path, dir: &str) -> PathBuf {
    if dir.is_empty() {
        root.to_path_buf()
    } else {
        root.join(dir)
    }
}

/// The group's digest with every entry stamped again (`None` when one cannot be, or the root no
/// longer holds exactly the recorded names).
fn restamped_digest(root: &Path, recorded: &Listed) -> Option<[u8; 32]> {
    let path = group_path(root, recorded.dir);
    let handle = DirHandle::open(&path, !Path::new(recorded.dir).is_absolute()).ok()?;
    if recorded.dir.is_empty() {
        // The root is listed: gomodoff's transient files come and go there, so its times do.
        if listing(&handle)? != recorded.names {
            return None;
        }
    }
    let mut h = group_hasher(recorded.dir);
    for name in &recorded.names {
        hash_entry(&mut h, name, &stat(&handle, name)?);
    }
    Some(h.finalize().into())
}

/// A group's digest: its directory, then each entry's name, kind and stamp.
fn digest(group: &Group) -> [u8; 32] {
    let mut h = group_hasher(&group.dir);
    for (name, e) in &group.entries {
        hash_entry(&mut h, name, e);
    }
    h.finalize().into()
}

fn group_hasher(dir: &str) -> Sha256 {
    let mut h = Sha256::new();
    h.update(dir.as_bytes());
    h.update([0]);
    h
}

fn hash_entry(h: &mut Sha256, name: &str, e: &Entry) {
    let s = e.stamp;
    h.update(name.as_bytes());
    h.update([0, e.kind as u8]);
    h.update(s.size().to_le_bytes());
    h.update(s.mtime_ns().to_le_bytes());
    h.update(s.ctime_ns().to_le_bytes());
    h.update(s.ino().to_le_bytes());
}

/// One SHA-256 over the groups' digests, in the record's order.
fn sum_of(digests: &[[u8; 32]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for d in digests {
        h.update(d);
    }
    h.finalize().into()
}

/// The names in a directory but the [`skipped`] ones, sorted; `None` when it cannot be read or
/// a name is not UTF-8.
fn listing(dir: &DirHandle) -> Option<Vec<String>> {
    let mut names = Vec::new();
    for name in dir.names().ok()? {
        let name = name.into_string().ok()?;
        if !skipped(&name) {
            names.push(name);
        }
    }
    names.sort_unstable();
    Some(names)
}

/// Every directory under `root` but the [`skipped`] ones, each a group of its entries, stamped
/// (symbolic links not followed): the root first, each directory before what it holds, in name
/// order, on all cores; module trees below `trees` stamped but not gone into. `None` when a
/// directory cannot be read.
fn walk(root: &Path, trees: Option<&str>) -> Option<Vec<Group>> {
    let is_tree = |path: &str| {
        trees.is_some_and(|t| {
            path.strip_prefix(t).is_some_and(|below| {
                below.starts_with('/') && below.rsplit('/').next().is_some_and(|n| n.contains('@'))
            })
        })
    };
    fn dir(root: &Path, rel: &str, is_tree: &(dyn Fn(&str) -> bool + Sync)) -> Option<Vec<Group>> {
        let path = group_path(root, rel);
        let handle = DirHandle::open(&path, true).ok()?;
        let entries = listing(&handle)?
            .into_iter()
            .map(|name| {
                let e = stat(&handle, &name)?;
                Some((name, e))
            })
            .collect::<Option<Vec<_>>>()?;
        let subdirs: Vec<String> = entries
            .iter()
            .filter(|(_, e)| e.kind == 'd')
            .map(|(name, _)| joined(rel, name))
            .filter(|path| !is_tree(path))
            .collect();
        let below: Vec<Vec<Group>> = subdirs
            .par_iter()
            .map(|path| dir(root, path, is_tree))
            .collect::<Option<_>>()?;
        let mut groups = vec![Group {
            dir: rel.to_string(),
            entries,
        }];
        groups.extend(below.into_iter().flatten());
        Some(groups)
    }
    dir(root, "", &is_tree)
}

/// What a run read outside the repository, and the directory of each file it read (a
/// directory's times change when an entry is added, removed or renamed in it), grouped by
/// directory. Files stamped by the run itself (when it copied them) are not stamped again.
/// `None` when one cannot be stamped or named.
fn outside(read: &[Read]) -> Option<Vec<Group>> {
    let split = |p: &Path| -> Option<(String, String)> {
        Some((
            p.parent()?.to_str()?.to_string(),
            p.file_name()?.to_str()?.to_string(),
        ))
    };
    let mut entries: BTreeMap<(String, String), Option<Entry>> = BTreeMap::new();
    for (path, stamp) in read {
        let known = stamp.map(|stamp| Entry { kind: 'f', stamp });
        let slot = entries.entry(split(path)?).or_insert(None);
        *slot = slot.or(known);
    }
    stamp_missing(&mut entries)?;
    // The directory of every file (a file added next to it changes its times).
    let parents: Vec<(String, String)> = entries
        .iter()
        .filter(|(_, e)| e.is_some_and(|e| e.kind != 'd'))
        .map(|((dir, _), _)| split(Path::new(dir)))
        .collect::<Option<_>>()?;
    for at in parents {
        entries.entry(at).or_insert(None);
    }
    stamp_missing(&mut entries)?;
    let mut groups: Vec<Group> = Vec::new();
    for ((dir, name), e) in entries {
        let e = e?;
        match groups.last_mut() {
            Some(g) if g.dir == dir => g.entries.push((name, e)),
            _ => groups.push(Group {
                dir,
                entries: vec![(name, e)],
            }),
        }
    }
    Some(groups)
}

/// Stamps the entries of `entries` that have none yet, on all cores.
fn stamp_missing(entries: &mut BTreeMap<(String, String), Option<Entry>>) -> Option<()> {
    let missing: Vec<&(String, String)> = entries
        .iter()
        .filter(|(_, e)| e.is_none())
        .map(|(at, _)| at)
        .collect();
    let stamped: Vec<((String, String), Entry)> = missing
        .into_par_iter()
        .map(|(dir, name)| {
            let e = stat(&DirHandle::open(Path::new(dir), false).ok()?, name)?;
            Some(((dir.clone(), name.clone()), e))
        })
        .collect::<Option<_>>()?;
    for (at, e) in stamped {
        entries.insert(at, Some(e));
    }
    Some(())
}

/// A record's line for an entry stamped too close to the record: `racy KIND DIGEST PATH`.
fn parse_racy(line: &str) -> Option<(char, &str, &str)> {
    let mut f = line.strip_prefix("racy ")?.splitn(3, ' ');
    let kind = f.next()?.chars().next()?;
    Some((kind, f.next()?, f.next()?))
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

/// The entry `name` of the directory `at` (a symbolic link not followed).
fn stat(at: &DirHandle, name: &str) -> Option<Entry> {
    let st = at.stat(name).ok()?;
    Some(Entry {
        kind: st.kind,
        stamp: Stamp::of_stat(&st),
    })
}
