//! Directory trees: snapshots to compare a repository before and after, copies, and listings.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Every path under a root (the root itself as `""`) with its kind, permission bits and
/// content: `file <mode> <sha256>`, `dir <mode>`, or `link -> <target>` (links are not
/// followed). Two snapshots are equal when nothing was added, removed or changed: bytes, a
/// mode, a file turned into a link, an empty directory left behind all count ("byte-exactly as
/// before").
#[derive(PartialEq, Eq)]
pub struct Snapshot(pub BTreeMap<String, String>);

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (k, v) in &self.0 {
            writeln!(f, "{k} {}", shorten(v))?;
        }
        Ok(())
    }
}

impl Snapshot {
    /// The paths `self` and `other` disagree on, sorted, each as
    /// `<path>: <here> vs <there>` (`absent` where a side has no such path).
    pub fn differences(&self, other: &Snapshot) -> Vec<String> {
        let keys: BTreeSet<&String> = self.0.keys().chain(other.0.keys()).collect();
        keys.into_iter()
            .filter(|k| self.0.get(*k) != other.0.get(*k))
            .map(|k| {
                let side = |s: &Snapshot| s.0.get(k).map_or("absent".into(), |v| shorten(v));
                format!("{k}: {} vs {}", side(self), side(other))
            })
            .collect()
    }
}

/// A snapshot value with its hash cut to 12 digits, for messages.
fn shorten(value: &str) -> String {
    match value.rsplit_once(' ') {
        Some((head, hash)) if hash.len() == 64 => format!("{head} {}", &hash[..12]),
        _ => value.to_string(),
    }
}

/// The [`Snapshot`] of `root` now.
pub fn snapshot(root: &Path) -> Snapshot {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(root).sort_by_file_name() {
        let e = e.expect("walk a tree to snapshot");
        let rel = e
            .path()
            .strip_prefix(root)
            .expect("walkdir yields children")
            .to_string_lossy()
            .into_owned();
        let meta = e
            .path()
            .symlink_metadata()
            .expect("stat a file to snapshot");
        let value = if meta.file_type().is_symlink() {
            let target = fs::read_link(e.path()).expect("read a link to snapshot");
            format!("link -> {}", target.display())
        } else if meta.is_dir() {
            format!("dir {:o}", permission_bits(&meta))
        } else {
            let bytes = fs::read(e.path()).expect("read a file to snapshot");
            format!(
                "file {:o} {}",
                permission_bits(&meta),
                hex::encode(Sha256::digest(bytes))
            )
        };
        out.insert(rel, value);
    }
    Snapshot(out)
}

#[cfg(unix)]
fn permission_bits(meta: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn permission_bits(meta: &fs::Metadata) -> u32 {
    if meta.permissions().readonly() {
        0o444
    } else {
        0o644
    }
}

/// Copy a directory tree: regular files (with their permission bits) and directories; a link
/// is copied as what it points to.
pub fn copy_dir(src: &Path, dst: &Path) {
    for entry in walkdir::WalkDir::new(src).sort_by_file_name() {
        let entry = entry.expect("walk a directory to copy");
        let rel = entry
            .path()
            .strip_prefix(src)
            .expect("walkdir yields children");
        let to = dst.join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&to).expect("create a directory copy");
        } else {
            fs::copy(entry.path(), &to).unwrap_or_else(|e| {
                panic!("copy {} to {}: {e}", entry.path().display(), to.display())
            });
        }
    }
}

/// Copy a tree as it is, for [`snapshot`] to see no difference: files with their permission
/// bits, directories with theirs (set once their content is in, so a read-only directory can
/// be copied), symbolic links as links.
pub fn copy_tree_exact(src: &Path, dst: &Path) {
    let mut dirs = Vec::new();
    for entry in walkdir::WalkDir::new(src).sort_by_file_name() {
        let entry = entry.expect("walk a directory to copy");
        let rel = entry
            .path()
            .strip_prefix(src)
            .expect("walkdir yields children");
        let to = dst.join(rel);
        let meta = entry
            .path()
            .symlink_metadata()
            .expect("stat a file to copy");
        if meta.file_type().is_symlink() {
            let target = fs::read_link(entry.path()).expect("read a link to copy");
            #[cfg(unix)]
            std::os::unix::fs::symlink(&target, &to).expect("copy a link");
            #[cfg(not(unix))]
            panic!("cannot copy the link {} here", target.display());
        } else if meta.is_dir() {
            fs::create_dir_all(&to).expect("create a directory copy");
            dirs.push((to, meta.permissions()));
        } else {
            // fs::copy keeps the permission bits.
            fs::copy(entry.path(), &to).unwrap_or_else(|e| {
                panic!("copy {} to {}: {e}", entry.path().display(), to.display())
            });
        }
    }
    for (dir, perms) in dirs.into_iter().rev() {
        fs::set_permissions(&dir, perms).expect("set a directory's mode");
    }
}

/// Every regular file under `root`: relative slash path → bytes. A symbolic link fails the
/// test (the trees compared this way, go's `vendor/` and gomodoff's, have none).
pub fn read_files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(root).sort_by_file_name() {
        let e = e.expect("walk a tree to read");
        assert!(
            !e.file_type().is_symlink(),
            "a link: {}",
            e.path().display()
        );
        if e.file_type().is_file() {
            let rel = e
                .path()
                .strip_prefix(root)
                .expect("walkdir yields children");
            out.insert(
                rel.to_string_lossy().replace('\\', "/"),
                fs::read(e.path()).expect("read a file of the tree"),
            );
        }
    }
    out
}

/// The relative slash paths of the regular files under `root`.
pub fn files_under(root: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in walkdir::WalkDir::new(root) {
        let e = e.expect("walk a tree to list");
        if e.file_type().is_file() {
            let rel = e
                .path()
                .strip_prefix(root)
                .expect("walkdir yields children");
            out.insert(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    out
}

/// Every path below `root` named as gomodoff names its staging and temporary files.
pub fn leftovers_in(root: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.expect("walk a tree for leftovers"))
        .filter(|e| {
            let name = e.file_name().to_string_lossy();
            name.starts_with(".gomodoff") || name.ends_with(".gomodoff-staging")
        })
        .map(|e| e.path().to_path_buf())
        .collect()
}

/// The names in a directory, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| {
            e.expect("read a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// Remove the tree at `path`, read-only directories included (go's module cache makes them so).
pub fn remove_tree(path: &Path) {
    for e in walkdir::WalkDir::new(path).into_iter().flatten() {
        if e.file_type().is_dir() {
            let mut perms = fs::metadata(e.path())
                .expect("stat a directory")
                .permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            fs::set_permissions(e.path(), perms).expect("make a directory writable");
        }
    }
    fs::remove_dir_all(path).expect("remove a tree");
}
