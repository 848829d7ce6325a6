//! File-system primitives the commands build their safety on: atomic file writes, the
//! repository lock that stops two runs at once, and directory helpers. Nothing here knows what a
//! module is.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum FsError {
    #[error("failed to write `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("failed to read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "another gomodoff is running in `{}` (it holds a lock on `{}`); wait for it to finish",
        repo.display(),
        lock.display()
    )]
    Locked { repo: PathBuf, lock: PathBuf },
    #[error("failed to lock `{}`", path.display())]
    Lock {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "`{}` names the path `{}`, which {reason}; gomodoff only touches paths inside the repository, so it refuses (nothing was changed)",
        named_in.display(), path.display()
    )]
    Untrusted {
        named_in: PathBuf,
        path: PathBuf,
        reason: String,
    },
}

impl FsError {
    /// What the user can do, where there is something.
    pub fn hint(&self) -> Option<String> {
        match self {
            FsError::Untrusted { named_in, .. } => Some(format!(
                "a cloned repository may carry a crafted file; check `{}` (and remove it if gomodoff did not write it)",
                named_in.display()
            )),
            _ => None,
        }
    }
}

/// `rel`, a path read from the repository file `named_in`, joined to the repository `root` —
/// when it stays inside: relative, no `..`, no absolute or drive prefix, not into a
/// version-control directory (`.git`, `.hg`, `.svn`, `.bzr`), and no
/// component of it that exists now is a symbolic link (so check right before the path is used).
/// The repository is untrusted input; every path gomodoff deletes or writes through comes here.
pub fn inside(root: &Path, rel: &Path, named_in: &Path) -> Result<PathBuf, FsError> {
    inside_seen(root, rel, named_in, &mut Seen::changing())
}

/// What [`inside_seen`] found of the components (as paths below the root) of many paths checked
/// in one pass, each looked up once for all of them (a restore's hundreds of trees, a GOPROXY
/// tree's thousands of files, share their first components).
#[derive(Debug)]
pub struct Seen {
    /// Components found to exist and not be links.
    present: HashSet<PathBuf>,
    /// Components found missing, when the pass creates nothing (nothing below one exists).
    missing: Option<HashSet<PathBuf>>,
}

impl Seen {
    /// For a pass that creates directories as it goes: a missing component is looked up again.
    pub fn changing() -> Seen {
        Seen {
            present: HashSet::new(),
            missing: None,
        }
    }

    /// For a pass that creates nothing in the repository: a missing component is remembered too.
    pub fn unchanging() -> Seen {
        Seen {
            present: HashSet::new(),
            missing: Some(HashSet::new()),
        }
    }
}

/// [`inside`] for one path of many checked together (see [`Seen`]).
pub fn inside_seen(
    root: &Path,
    rel: &Path,
    named_in: &Path,
    seen: &mut Seen,
) -> Result<PathBuf, FsError> {
    let refuse = |reason: String| FsError::Untrusted {
        named_in: named_in.to_path_buf(),
        path: rel.to_path_buf(),
        reason,
    };
    check_relative(rel).map_err(|r| refuse(r.to_string()))?;
    let mut cur = root.to_path_buf();
    let mut below = PathBuf::new();
    for c in rel.components() {
        let std::path::Component::Normal(name) = c else {
            continue;
        };
        cur.push(name);
        below.push(name);
        if seen.present.contains(&below) {
            continue;
        }
        if seen.missing.as_ref().is_some_and(|m| m.contains(&below)) {
            break;
        }
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(refuse(format!(
                    "goes through the symbolic link `{}`",
                    cur.display()
                )));
            }
            Ok(_) => {
                seen.present.insert(below.clone());
            }
            // The rest does not exist yet: nothing further can be a link.
            Err(_) => {
                if let Some(missing) = &mut seen.missing {
                    missing.insert(below);
                }
                break;
            }
        }
    }
    Ok(root.join(rel))
}

/// Why a path is not a plain relative path inside a repository (see [`inside`]), if it is not.
pub fn check_relative(rel: &Path) -> Result<(), &'static str> {
    use std::path::Component;
    if rel.as_os_str().is_empty() {
        return Err("is empty");
    }
    if rel.as_os_str().as_encoded_bytes().contains(&b'\\') {
        return Err("contains a backslash");
    }
    let mut normal = 0;
    for c in rel.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => return Err("is absolute"),
            Component::ParentDir => return Err("contains `..`"),
            Component::CurDir => {}
            Component::Normal(name) => {
                // A version-control directory holds hooks: writing there runs code.
                match name.to_str() {
                    Some(".git") => return Err("goes into `.git`"),
                    Some(".hg") => return Err("goes into `.hg`"),
                    Some(".svn") => return Err("goes into `.svn`"),
                    Some(".bzr") => return Err("goes into `.bzr`"),
                    _ => {}
                }
                normal += 1;
            }
        }
    }
    if normal == 0 {
        return Err("is the repository root");
    }
    Ok(())
}

/// Prefix of the temporary file [`write_atomic`] makes beside the file it writes; a kill between
/// its creation and its rename leaves it behind, so cleaners recognise it by this name.
pub const TMP_PREFIX: &str = ".gomodoff-tmp-";

/// Write `contents` to `path` atomically: a temporary file in the same directory is written,
/// flushed to disk and renamed over `path`, so a reader sees the old bytes or the new, never a
/// mix. An existing file's permissions are kept.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), FsError> {
    let err = |source| FsError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .tempfile_in(dir)
        .map_err(err)?;
    tmp.write_all(contents).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    if let Ok(meta) = fs::metadata(path) {
        fs::set_permissions(tmp.path(), meta.permissions()).map_err(err)?;
    } else {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o644)).map_err(err)?;
        }
    }
    tmp.persist(path).map_err(|e| err(e.error))?;
    // The rename itself must survive a power cut too.
    sync_dir(dir)
}

/// Write one of gomodoff's own cache files (under `GOMODOFF_CACHE`): a temporary file beside
/// `path`, renamed over it, so a reader sees the old bytes or the new. Not flushed to disk: a
/// cache file is a shortcut its reader checks (a torn one does not parse or does not match what
/// it vouches for, and is ignored), so a power cut costs only the work it would have saved,
/// while two flushes per write would cost every run milliseconds on a disk. Creates the
/// directory `path` is in.
pub fn write_cache_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("a cache file needs a directory"))?;
    fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(CACHE_TMP_PREFIX)
        .tempfile_in(dir)?;
    tmp.write_all(contents)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Prefix of the temporary file [`write_cache_file`] makes; a kill before its rename leaves it
/// behind, and the cache's pruning removes it after a day.
pub const CACHE_TMP_PREFIX: &str = ".tmp-";

/// Flush a directory's entries (renames, creations, removals in it) to disk. Where directories
/// cannot be opened or synced (not Unix), this does nothing.
pub fn sync_dir(dir: &Path) -> Result<(), FsError> {
    #[cfg(unix)]
    {
        let err = |source| FsError::Write {
            path: dir.to_path_buf(),
            source,
        };
        File::open(dir).map_err(err)?.sync_all().map_err(err)?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Read a file, naming it in the error.
pub fn read(path: &Path) -> Result<Vec<u8>, FsError> {
    fs::read(path).map_err(|source| FsError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Read a file that may be absent.
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, FsError> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(FsError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Held while a command changes a repository (or a tree it writes); released on drop, also
/// when the process is killed. The lock is an advisory `flock` on the directory itself: nothing
/// is written for it, nothing is left behind, and no shared writable directory (such as the
/// system temp directory, where any local user could take or spoil a predictable lock file)
/// is involved.
#[derive(Debug)]
pub struct RepoLock {
    _held: File,
    path: PathBuf,
}

impl RepoLock {
    pub fn acquire(repo: &Path) -> Result<RepoLock, FsError> {
        let path = repo.to_path_buf();
        let lock_err = |source| FsError::Lock {
            path: path.clone(),
            source,
        };
        let dir = File::open(repo).map_err(lock_err)?;
        match dir.try_lock() {
            Ok(()) => Ok(RepoLock { _held: dir, path }),
            Err(fs::TryLockError::WouldBlock) => Err(FsError::Locked {
                repo: path.clone(),
                lock: path,
            }),
            Err(fs::TryLockError::Error(e)) => Err(lock_err(e)),
        }
    }

    /// The directory locked.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// What `stat` says of an entry (a symbolic link not followed): its kind (`f` file, `d`
/// directory, `l` symbolic link, `o` other), size, modification and change times (nanoseconds
/// since the epoch), inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryStat {
    pub kind: char,
    pub size: u64,
    pub mtime_ns: i128,
    pub ctime_ns: i128,
    pub ino: u64,
}

/// A directory whose entries are stamped by name: an open descriptor where the platform has
/// `fstatat` (one path lookup per component below it, not one per component of a full path).
pub struct DirHandle {
    #[cfg(unix)]
    fd: std::os::fd::OwnedFd,
    #[cfg(not(unix))]
    path: PathBuf,
}

impl DirHandle {
    /// Opens the directory `path`; when `exact`, not through a symbolic link.
    pub fn open(path: &Path, exact: bool) -> io::Result<DirHandle> {
        #[cfg(unix)]
        {
            use rustix::fs::{Mode, OFlags};
            let mut flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
            if exact {
                flags |= OFlags::NOFOLLOW;
            }
            let fd = rustix::fs::open(path, flags, Mode::empty())?;
            Ok(DirHandle { fd })
        }
        #[cfg(not(unix))]
        {
            let _ = exact;
            if !fs::metadata(path)?.is_dir() {
                return Err(io::Error::other("not a directory"));
            }
            Ok(DirHandle {
                path: path.to_path_buf(),
            })
        }
    }

    /// The names of this directory's entries (not `.` and `..`), in no particular order, read
    /// through the descriptor already open (not by opening the directory again).
    pub fn names(&self) -> io::Result<Vec<std::ffi::OsString>> {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let mut dir = rustix::fs::Dir::new(rustix::io::fcntl_dupfd_cloexec(&self.fd, 0)?)?;
            // A duplicate (closed on exec, as every descriptor gomodoff opens) shares the position
            // of the descriptor it copies: start at the top.
            dir.rewind();
            let mut names = Vec::new();
            for entry in dir {
                let entry = entry?;
                let name = entry.file_name().to_bytes();
                if name != b"." && name != b".." {
                    names.push(std::ffi::OsStr::from_bytes(name).to_os_string());
                }
            }
            Ok(names)
        }
        #[cfg(not(unix))]
        {
            fs::read_dir(&self.path)?
                .map(|e| e.map(|e| e.file_name()))
                .collect()
        }
    }

    /// The entry at `rel` below this directory (`/`-separated; empty: the directory itself),
    /// a symbolic link at its end not followed.
    pub fn stat(&self, rel: &str) -> io::Result<EntryStat> {
        #[cfg(unix)]
        {
            use rustix::fs::{AtFlags, FileType};
            let st = if rel.is_empty() {
                rustix::fs::fstat(&self.fd)?
            } else {
                rustix::fs::statat(&self.fd, rel, AtFlags::SYMLINK_NOFOLLOW)?
            };
            let kind = match FileType::from_raw_mode(st.st_mode as _) {
                FileType::Directory => 'd',
                FileType::RegularFile => 'f',
                FileType::Symlink => 'l',
                _ => 'o',
            };
            let ns = |s: i128, n: i128| s * 1_000_000_000 + n;
            Ok(EntryStat {
                kind,
                size: st.st_size as u64,
                mtime_ns: ns(st.st_mtime as i128, st.st_mtime_nsec as i128),
                ctime_ns: ns(st.st_ctime as i128, st.st_ctime_nsec as i128),
                ino: st.st_ino as u64,
            })
        }
        #[cfg(not(unix))]
        {
            let meta = fs::symlink_metadata(self.path.join(rel))?;
            let ns = |t: io::Result<std::time::SystemTime>| {
                t.ok()
                    .and_then(|t| t.duration_since(std::time::SystemTime::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos() as i128)
            };
            let kind = if meta.is_dir() {
                'd'
            } else if meta.is_file() {
                'f'
            } else if meta.file_type().is_symlink() {
                'l'
            } else {
                'o'
            };
            Ok(EntryStat {
                kind,
                size: meta.len(),
                mtime_ns: ns(meta.modified()),
                ctime_ns: ns(meta.created()),
                ino: 0,
            })
        }
    }
}

/// Remove a directory tree (or a single file) if it exists; a missing one is fine.
pub fn remove_dir_all_if_exists(path: &Path) -> io::Result<()> {
    let result = match fs::symlink_metadata(path) {
        Ok(m) if !m.is_dir() => fs::remove_file(path),
        _ => fs::remove_dir_all(path),
    };
    match result {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// The files (and symbolic links) under `path`, or 1 when `path` is not a directory; 0 when it
/// is missing. Never through a symbolic link.
pub fn count_files(path: &Path) -> u64 {
    walkdir::WalkDir::new(path)
        .follow_root_links(false)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .count() as u64
}

/// [`remove_dir_all_if_exists`], file by file, calling `on_file` after each file (or symbolic
/// link, never followed) is removed: for a progress bar.
pub fn remove_tree_counting(path: &Path, on_file: &dyn Fn()) -> io::Result<()> {
    // Never through a link, not even `path` itself: it is removed as the link it is.
    for entry in walkdir::WalkDir::new(path)
        .follow_root_links(false)
        .contents_first(true)
    {
        let entry = match entry {
            Ok(e) => e,
            Err(e)
                if e.io_error()
                    .is_some_and(|e| e.kind() == io::ErrorKind::NotFound) =>
            {
                continue;
            }
            Err(e) => return Err(io::Error::other(e)),
        };
        if entry.file_type().is_dir() {
            fs::remove_dir(entry.path())?;
        } else {
            fs::remove_file(entry.path())?;
            on_file();
        }
    }
    remove_dir_all_if_exists(path)
}

/// Make every directory under `path` (and `path` itself) writable by its owner, so that a tree
/// copied from a read-only module cache can be moved, removed or replaced later: removing a
/// file needs write permission on its directory only, so files are not looked at (one `stat`
/// per directory, none per file).
pub fn make_writable(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Never through a link: the path may come from an untrusted repository.
        for entry in walkdir::WalkDir::new(path).follow_root_links(false) {
            let entry = entry.map_err(io::Error::other)?;
            if entry.path_is_symlink() || !entry.file_type().is_dir() {
                continue;
            }
            let meta = entry.metadata().map_err(io::Error::other)?;
            let mode = meta.permissions().mode();
            if mode & 0o200 == 0 {
                fs::set_permissions(entry.path(), fs::Permissions::from_mode(mode | 0o200))?;
            }
        }
    }
    Ok(())
}

/// The lowercase hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Run `f` with this thread's 64 KiB read buffer: files are read in pieces (a bundle or a
/// module's data file can be gigabytes, and holding one whole would make peak memory grow with
/// it), and most module files are small, so a fresh zeroed buffer per file would cost more than
/// reading it.
pub fn with_read_buffer<T>(f: impl FnOnce(&mut [u8]) -> T) -> T {
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; 64 * 1024]);
    }
    BUF.with(|buf| f(&mut buf.borrow_mut()))
}

/// Read `reader` to its end in pieces ([`with_read_buffer`]), handing each to `sink`; the bytes
/// read.
pub fn read_pieces(
    reader: &mut impl io::Read,
    mut sink: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<u64> {
    with_read_buffer(|buf| {
        let mut total = 0u64;
        loop {
            match reader.read(buf) {
                Ok(0) => return Ok(total),
                Ok(n) => {
                    sink(&buf[..n])?;
                    total += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    })
}

/// The SHA-256 of everything `reader` yields, read in pieces.
pub fn sha256_reader(mut reader: impl io::Read) -> io::Result<[u8; 32]> {
    let mut hasher = Sha256::new();
    read_pieces(&mut reader, |piece| {
        hasher.update(piece);
        Ok(())
    })?;
    Ok(hasher.finalize().into())
}

/// The SHA-256 of a file's content, read in pieces.
pub fn sha256_file(path: &Path) -> Result<[u8; 32], FsError> {
    let rerr = |source| FsError::Read {
        path: path.to_path_buf(),
        source,
    };
    sha256_reader(File::open(path).map_err(rerr)?).map_err(rerr)
}

pub fn absolute(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// `filepath.Clean` without touching the file system: `.` dropped, `..` applied.
pub fn clean_path(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    out.iter().collect()
}

/// `filepath.Rel` of two clean paths, both absolute or both relative.
pub fn relative_path(base: &Path, target: &Path) -> Option<PathBuf> {
    if base.is_absolute() != target.is_absolute() {
        return None;
    }
    let b: Vec<Component> = base.components().collect();
    let t: Vec<Component> = target.components().collect();
    let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
    if b[common..]
        .iter()
        .any(|c| matches!(c, Component::ParentDir))
    {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c.as_os_str());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_handle_lists_every_entry_each_time_it_is_asked() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.go"), "").unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        let handle = DirHandle::open(dir.path(), true).unwrap();
        let sorted = |mut v: Vec<std::ffi::OsString>| {
            v.sort();
            v
        };
        let want: Vec<std::ffi::OsString> = vec!["a.go".into(), "sub".into()];
        assert_eq!(sorted(handle.names().unwrap()), want);
        // Again, through the same descriptor: from the top, not where the last listing ended.
        assert_eq!(sorted(handle.names().unwrap()), want);
        assert_eq!(handle.stat("sub").unwrap().kind, 'd');
    }

    #[test]
    fn a_cache_file_is_written_whole_in_a_directory_made_for_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("verified/ab/record");
        write_cache_file(&p, b"one").unwrap();
        write_cache_file(&p, b"two").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "two");
        let left: Vec<_> = fs::read_dir(p.parent().unwrap()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left beside it");
    }

    #[test]
    fn atomic_write_replaces_content_and_keeps_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("go.mod");
        fs::write(&p, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&p, fs::Permissions::from_mode(0o600)).unwrap();
        }
        write_atomic(&p, b"new").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn second_lock_on_same_repo_is_refused_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let first = RepoLock::acquire(dir.path()).unwrap();
        let second = RepoLock::acquire(dir.path()).unwrap_err();
        assert!(
            second.to_string().contains("another gomodoff is running"),
            "{second}"
        );
        drop(first);
        let again = RepoLock::acquire(dir.path()).unwrap();
        assert_eq!(again.path(), dir.path());
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            0,
            "locking writes nothing"
        );
    }

    /// A tree removed file by file counts its files, and a symbolic link (even the tree itself)
    /// is removed as the link, never followed.
    #[cfg(unix)]
    #[test]
    fn a_tree_is_removed_file_by_file_never_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("keep.txt"), "mine").unwrap();
        let tree = dir.path().join("tree");
        fs::create_dir_all(tree.join("sub")).unwrap();
        fs::write(tree.join("a"), "a").unwrap();
        fs::write(tree.join("sub/b"), "b").unwrap();
        std::os::unix::fs::symlink(outside.path(), tree.join("sub/out")).unwrap();
        let root_link = dir.path().join("link");
        std::os::unix::fs::symlink(outside.path(), &root_link).unwrap();
        let n = std::cell::Cell::new(0);
        assert_eq!(count_files(&tree), 3);
        remove_tree_counting(&tree, &|| n.set(n.get() + 1)).unwrap();
        assert_eq!(n.get(), 3);
        assert!(!tree.exists());
        assert_eq!(count_files(&root_link), 1);
        remove_tree_counting(&root_link, &|| n.set(n.get() + 1)).unwrap();
        assert!(fs::symlink_metadata(&root_link).is_err());
        assert_eq!(
            fs::read_to_string(outside.path().join("keep.txt")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn inside_refuses_escaping_and_symlinked_paths() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("a/b")).unwrap();
        let named = Path::new("gomodoff.lock");
        assert_eq!(
            inside(root, Path::new("a/b/c"), named).unwrap(),
            root.join("a/b/c")
        );
        assert!(inside(root, Path::new("./a/new/x"), named).is_ok());
        for (bad, why) in [
            ("/etc/passwd", "is absolute"),
            ("a/../../x", "contains `..`"),
            ("..", "contains `..`"),
            ("", "is empty"),
            (".", "is the repository root"),
            (".git/hooks/pre-commit", "goes into `.git`"),
            ("a/.hg/hgrc", "goes into `.hg`"),
            ("a\\..\\x", "contains a backslash"),
        ] {
            let err = inside(root, Path::new(bad), named).unwrap_err().to_string();
            assert!(
                err.contains(why) && err.contains("gomodoff.lock"),
                "{bad}: {err}"
            );
        }
        #[cfg(unix)]
        {
            let outside = tempfile::tempdir().unwrap();
            std::os::unix::fs::symlink(outside.path(), root.join("a/link")).unwrap();
            let err = inside(root, Path::new("a/link/x"), named)
                .unwrap_err()
                .to_string();
            assert!(err.contains("symbolic link"), "{err}");
            let err = inside(root, Path::new("a/link"), named)
                .unwrap_err()
                .to_string();
            assert!(err.contains("symbolic link"), "{err}");
        }
    }

    /// One pass's components: a link is refused for every path that goes through it, however
    /// many were checked before; a pass that creates directories looks a missing component up
    /// again, and finds a link put there meanwhile.
    #[cfg(unix)]
    #[test]
    fn inside_seen_checks_each_component_for_the_whole_pass() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let outside = tempfile::tempdir().unwrap();
        fs::create_dir_all(root.join("a/b")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("a/link")).unwrap();
        let named = Path::new("gomodoff.lock");
        for mut seen in [Seen::unchanging(), Seen::changing()] {
            for ok in ["a/b/c", "a/b/d", "a/new/x", "a/new/y"] {
                assert!(inside_seen(root, Path::new(ok), named, &mut seen).is_ok());
            }
            for bad in ["a/link/x", "a/link/y", "a/link"] {
                let err = inside_seen(root, Path::new(bad), named, &mut seen).unwrap_err();
                assert!(err.to_string().contains("symbolic link"), "{bad}: {err}");
            }
        }
        let mut seen = Seen::changing();
        assert!(inside_seen(root, Path::new("a/later/x"), named, &mut seen).is_ok());
        std::os::unix::fs::symlink(outside.path(), root.join("a/later")).unwrap();
        let err = inside_seen(root, Path::new("a/later/y"), named, &mut seen).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }

    #[test]
    fn read_optional_tells_absent_from_present() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_optional(&dir.path().join("nope")).unwrap().is_none());
        fs::write(dir.path().join("yes"), "x").unwrap();
        assert_eq!(
            read_optional(&dir.path().join("yes")).unwrap().unwrap(),
            b"x"
        );
    }
}

/// A file read with positional reads, so clones share the descriptor but not a cursor and
/// can read from several threads at once.
#[derive(Clone)]
pub struct PositionedFile {
    file: std::sync::Arc<File>,
    len: u64,
    pos: u64,
}

impl PositionedFile {
    /// `file`, read from its start.
    pub fn new(file: File) -> Self {
        let len = file.metadata().map(|meta| meta.len()).unwrap_or(0);
        PositionedFile {
            file: std::sync::Arc::new(file),
            len,
            pos: 0,
        }
    }
}

impl io::Read for PositionedFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(&*self.file, buf, self.pos)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(&*self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl io::Seek for PositionedFile {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        let target = match pos {
            io::SeekFrom::Start(offset) => Some(offset),
            io::SeekFrom::End(offset) => self.len.checked_add_signed(offset),
            io::SeekFrom::Current(offset) => self.pos.checked_add_signed(offset),
        };
        self.pos = target.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            )
        })?;
        Ok(self.pos)
    }
}
