//! The names and listings of replace mode's trees: `<escaped path>@<escaped version>/` and the
//! `<tree>.hashes` file beside each whole tree (the `h1:` summary lines of its files).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::formats::lock::Mode;
use crate::formats::module::ModuleVersion;

/// Extension of the per-module file listing beside a whole tree.
pub(crate) const HASHES_EXT: &str = "hashes";

/// `<escaped path>@<escaped version>`, the layout of the module cache.
pub(crate) fn tree_name(mv: &ModuleVersion) -> Result<String> {
    // One definition with the check of the lock's module dirs (`LockFile::parse`).
    Ok(Mode::Replace.module_dir(&mv.path, &mv.version)?)
}

/// `<tree>.hashes` beside a tree.
pub(crate) fn hashes_path(tree: &Path) -> PathBuf {
    let mut s = tree.as_os_str().to_owned();
    s.push(".");
    s.push(HASHES_EXT);
    PathBuf::from(s)
}

/// The `h1:` summary lines of a tree: `<sha256>  <path>@<version>/<file>`, sorted.
pub(crate) fn hashes_text(mv: &ModuleVersion, digests: &BTreeMap<String, [u8; 32]>) -> String {
    let mut out = String::new();
    for (name, d) in prefixed(mv, digests) {
        out.push_str(&hex::encode(d));
        out.push_str("  ");
        out.push_str(&name);
        out.push('\n');
    }
    out
}

fn prefixed(
    mv: &ModuleVersion,
    digests: &BTreeMap<String, [u8; 32]>,
) -> BTreeMap<String, [u8; 32]> {
    digests
        .iter()
        .map(|(k, v)| (format!("{}@{}/{k}", mv.path, mv.version), *v))
        .collect()
}
