//! The one staging place of a tree that `unpack` and `mirror` install into, and the repair of
//! what a killed run left.
//!
//! A target tree `<parent>/<name>` (a GOPROXY tree, or a module cache's `cache/download`) is
//! staged in `<parent>/.<name>.gomodoff-staging`: beside the tree, on the same file system, never
//! inside the tree that is being served. [`Target::take`] locks the target (the lock is the one a
//! repository gets, keyed by the target's real path, so two runs on one target never overlap),
//! then removes what an interrupted run may have left there: that staging directory, any
//! `.gomodoff-tmp-*` file inside the tree (an atomic write cut short) and any
//! `.gomodoff-unpack-*` directory at the tree's top (where gomodoff 0.1 staged a merge). Only then
//! is a fresh, empty staging directory made. The staging directory is removed again when the
//! [`Target`] is dropped, on success and on error; only a killed process leaves it, and the next
//! run on the same target clears it.
//!
//! [`leftover`] tells the tree verifier which names inside a tree are such leftovers, so that
//! `mirror --verify` can name them for what they are.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::util::fsutil::{self, FsError, RepoLock};

/// Suffix of a target's staging directory: `<parent>/.<name>` + this.
pub(crate) const STAGING_SUFFIX: &str = ".gomodoff-staging";

/// Prefix of the staging directories gomodoff 0.1 made inside a tree it merged a bundle into.
pub(crate) const OLD_STAGING_PREFIX: &str = ".gomodoff-unpack-";

/// What to tell the user about any leftover of a killed run.
pub(crate) const LEFTOVER_HINT: &str = "left by an interrupted gomodoff run; run `gomodoff mirror` or `gomodoff unpack` into this tree again to clear it";

#[derive(Debug, thiserror::Error)]
pub(crate) enum StagingError {
    #[error("cannot install into `{}`: it has no parent directory to stage beside", path.display())]
    NoParent { path: PathBuf },
    #[error("failed to {action} `{}`", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "failed to create the staging directory `{}` beside `{}` (gomodoff stages beside the target, never inside it, so the target's parent directory must be writable)",
        staging.display(),
        target.display()
    )]
    Create {
        staging: PathBuf,
        target: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Fs(#[from] FsError),
}

/// The staging directory of the tree at `real`, a path with no symbolic link in it (see
/// [`Target::take`]): `<parent>/.<name>.gomodoff-staging`.
pub(crate) fn staging_dir(real: &Path) -> Option<PathBuf> {
    let name = real.file_name()?;
    let mut staging = std::ffi::OsString::from(".");
    staging.push(name);
    staging.push(STAGING_SUFFIX);
    Some(real.parent()?.join(staging))
}

/// The lock of a target tree: its parent directory's (see [`RepoLock`]), where the staging
/// directory is too. A new tree is renamed into place whole, so its own directory cannot carry
/// the lock; and a lock on the parent leaves no file behind. (Two targets in one parent wait for
/// each other.)
fn lock_target(real: &Path) -> Result<RepoLock, StagingError> {
    let Some(parent) = real.parent() else {
        return Err(StagingError::NoParent {
            path: real.to_path_buf(),
        });
    };
    Ok(RepoLock::acquire(parent)?)
}

/// What a name inside a tree is, when it is something a killed gomodoff run left: `name` is the
/// last component, `top` whether it is directly in the tree's root. A module's files never have
/// such names: no module path element and no version starts with a dot.
pub(crate) fn leftover(name: &str, is_dir: bool, top: bool) -> Option<&'static str> {
    if !is_dir && name.starts_with(fsutil::TMP_PREFIX) {
        return Some("temporary file");
    }
    if is_dir && top && name.starts_with(OLD_STAGING_PREFIX) {
        return Some("staging directory");
    }
    None
}

/// A target tree taken for an install: locked, cleared of what an interrupted run left, with an
/// empty staging directory beside it. Dropping it removes the staging directory (and any parent
/// directories [`Target::take`] made, when nothing was installed), then releases the lock.
#[derive(Debug)]
pub(crate) struct Target {
    real: PathBuf,
    staging: PathBuf,
    /// The topmost directory `take` had to create to reach the parent, if any.
    created: Option<PathBuf>,
    /// What an interrupted run had left and `take` removed.
    cleared: Vec<PathBuf>,
    _lock: RepoLock,
}

impl Target {
    /// Lock the tree at `target` (made absolute by the caller; it may not exist yet), creating
    /// its parent directories, and clear what an interrupted run left (see the module docs).
    pub(crate) fn take(target: &Path) -> Result<Target, StagingError> {
        let no_parent = || StagingError::NoParent {
            path: target.to_path_buf(),
        };
        // Work on the real path: the staging directory must be on the file system the tree is
        // on, and a target named two ways must get one lock and one staging directory.
        let real = match target.canonicalize() {
            Ok(real) => real,
            Err(_) => {
                let (Some(parent), Some(name)) = (target.parent(), target.file_name()) else {
                    return Err(no_parent());
                };
                let created = parent
                    .ancestors()
                    .find(|p| p.exists())
                    .and_then(|existing| {
                        parent
                            .ancestors()
                            .take_while(|p| *p != existing)
                            .last()
                            .map(Path::to_path_buf)
                    });
                fs::create_dir_all(parent).map_err(|source| StagingError::Io {
                    action: "create",
                    path: parent.to_path_buf(),
                    source,
                })?;
                let parent = parent.canonicalize().map_err(|source| StagingError::Io {
                    action: "resolve",
                    path: parent.to_path_buf(),
                    source,
                })?;
                let real = parent.join(name);
                let lock = lock_target(&real)?;
                return Target::locked(real, created, lock);
            }
        };
        let lock = lock_target(&real)?;
        Target::locked(real, None, lock)
    }

    fn locked(
        real: PathBuf,
        created: Option<PathBuf>,
        lock: RepoLock,
    ) -> Result<Target, StagingError> {
        let Some(staging) = staging_dir(&real) else {
            return Err(StagingError::NoParent { path: real });
        };
        // From here on dropping the value removes the staging directory.
        let mut target = Target {
            real,
            staging,
            created,
            cleared: Vec::new(),
            _lock: lock,
        };
        target.clear_leftovers()?;
        fs::create_dir(&target.staging).map_err(|source| StagingError::Create {
            staging: target.staging.clone(),
            target: target.real.clone(),
            source,
        })?;
        Ok(target)
    }

    /// Remove the staging directory and every leftover inside the tree. Under the lock no other
    /// gomodoff writes there, so whatever is found belongs to a run that was killed.
    fn clear_leftovers(&mut self) -> Result<(), StagingError> {
        if fs::symlink_metadata(&self.staging).is_ok() {
            remove(&self.staging)?;
            self.cleared.push(self.staging.clone());
        }
        if !self.real.is_dir() {
            return Ok(());
        }
        let mut walk = walkdir::WalkDir::new(&self.real).min_depth(1).into_iter();
        while let Some(entry) = walk.next() {
            let entry = entry.map_err(|e| StagingError::Io {
                action: "read",
                path: self.real.clone(),
                source: io::Error::other(e),
            })?;
            let is_dir = entry.file_type().is_dir();
            let name = entry.file_name().to_string_lossy();
            if leftover(&name, is_dir, entry.depth() == 1).is_some() {
                if is_dir {
                    walk.skip_current_dir();
                }
                remove(entry.path())?;
                self.cleared.push(entry.path().to_path_buf());
            }
        }
        Ok(())
    }

    /// The real path of the tree (no symbolic links).
    pub(crate) fn real(&self) -> &Path {
        &self.real
    }

    /// The empty staging directory beside the tree.
    pub(crate) fn staging(&self) -> &Path {
        &self.staging
    }

    /// What an interrupted run had left and was removed.
    pub(crate) fn cleared(&self) -> &[PathBuf] {
        &self.cleared
    }

    /// Remove the staging directory now, reporting a failure (dropping does it silently).
    pub(crate) fn finish(self) -> Result<(), StagingError> {
        remove(&self.staging)
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        // Best effort: a staging directory that cannot be removed now is removed by the next run.
        let _ = remove(&self.staging);
        if let Some(top) = &self.created
            && !self.real.exists()
            && let Some(parent) = self.real.parent()
        {
            // Nothing was installed: take back the empty directories made for the staging
            // directory, up to the first that existed (remove_dir refuses a non-empty one).
            for dir in parent.ancestors() {
                if fs::remove_dir(dir).is_err() || dir == top.as_path() {
                    break;
                }
            }
        }
    }
}

/// Remove a file or a directory tree that may be absent; module zips copied from a read-only
/// module cache may be read-only, so they are made writable first.
fn remove(path: &Path) -> Result<(), StagingError> {
    let _ = fsutil::make_writable(path);
    fsutil::remove_dir_all_if_exists(path).map_err(|source| StagingError::Io {
        action: "remove",
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_is_beside_the_target_and_leftovers_are_cleared_under_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let tree = root.join("tree");
        fs::create_dir_all(tree.join("example.com/m/@v")).unwrap();
        fs::write(tree.join("example.com/m/@v/list"), "v1.0.0\n").unwrap();
        fs::write(tree.join("example.com/m/@v/.gomodoff-tmp-x"), "partial").unwrap();
        fs::create_dir_all(tree.join(".gomodoff-unpack-AbC/example.com")).unwrap();
        fs::create_dir_all(root.join(".tree.gomodoff-staging/example.com")).unwrap();
        fs::write(root.join(".tree.gomodoff-staging/example.com/x"), "x").unwrap();

        let t = Target::take(&tree).unwrap();
        assert_eq!(t.staging(), root.join(".tree.gomodoff-staging"));
        assert_eq!(fs::read_dir(t.staging()).unwrap().count(), 0, "fresh");
        assert_eq!(t.cleared().len(), 3, "{:?}", t.cleared());
        assert!(!tree.join("example.com/m/@v/.gomodoff-tmp-x").exists());
        assert!(!tree.join(".gomodoff-unpack-AbC").exists());
        assert!(
            tree.join("example.com/m/@v/list").exists(),
            "module files stay"
        );
        let second = Target::take(&tree).unwrap_err().to_string();
        assert!(second.contains("another gomodoff is running"), "{second}");
        drop(t);
        assert!(!root.join(".tree.gomodoff-staging").exists());
    }

    #[test]
    fn a_new_target_gets_its_parents_back_when_nothing_was_installed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let tree = root.join("a/b/tree");
        let t = Target::take(&tree).unwrap();
        assert_eq!(t.staging(), root.join("a/b/.tree.gomodoff-staging"));
        assert!(t.staging().is_dir());
        drop(t);
        assert_eq!(fs::read_dir(&root).unwrap().count(), 0, "a/ removed again");
    }

    #[test]
    fn leftover_names() {
        assert_eq!(
            leftover(".gomodoff-tmp-7UwEEe", false, false),
            Some("temporary file")
        );
        assert_eq!(
            leftover(".gomodoff-unpack-ZZiIkF", true, true),
            Some("staging directory")
        );
        assert_eq!(leftover(".gomodoff-unpack-ZZiIkF", true, false), None);
        assert_eq!(leftover("v1.0.0.zip", false, false), None);
        assert_eq!(leftover("example.com", true, true), None);
    }
}
