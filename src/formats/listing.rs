//! The names and listings of replace mode's trees: `<escaped path>@<escaped version>/` and the
//! `<tree>.hashes` file beside each tree laid out from a zip (the `h1:` summary lines of the
//! module's files, and the files a slim tree leaves out).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use base64::Engine as _;
use sha2::{Digest, Sha256};

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

/// The line after a slim tree's `h1:` summary lines that starts the list of the module's files
/// the tree leaves out.
pub(crate) const OMITTED_HEADER: &str =
    "# left out of this slim tree (`gomodoff vendor --whole` lays them out):";

/// A tree's `<tree>.hashes`: the `h1:` summary lines of every file of the module
/// (`<sha256>  <path>@<version>/<file>`, sorted; their SHA-256 is the module's `h1:`), then, for
/// a slim tree, [`OMITTED_HEADER`] and the files left out, one `<path>@<version>/<file>` each.
pub(crate) fn hashes_text(
    mv: &ModuleVersion,
    digests: &BTreeMap<String, [u8; 32]>,
    omitted: &BTreeSet<String>,
) -> String {
    let mut out = String::new();
    for (name, d) in prefixed(mv, digests) {
        out.push_str(&hex::encode(d));
        out.push_str("  ");
        out.push_str(&name);
        out.push('\n');
    }
    out.push_str(&omitted_text(mv, omitted));
    out
}

/// The part of `<tree>.hashes` that lists the files a slim tree leaves out (empty for none).
pub(crate) fn omitted_text(mv: &ModuleVersion, omitted: &BTreeSet<String>) -> String {
    let mut out = String::new();
    if omitted.is_empty() {
        return out;
    }
    out.push_str(OMITTED_HEADER);
    out.push('\n');
    for name in omitted {
        out.push_str(&format!("{}@{}/{name}\n", mv.path, mv.version));
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

/// A `<tree>.hashes` file read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listing {
    /// The `h1:` of the summary lines: the module's, unless the file was edited.
    pub h1: String,
    /// Every file of the module → its SHA-256.
    pub files: BTreeMap<String, [u8; 32]>,
    /// The files a slim tree leaves out (each one of `files`).
    pub omitted: BTreeSet<String>,
    /// SHA-256 (hex) of the part listing them ([`omitted_text`]).
    pub omitted_sha256: String,
}

/// Parse `<tree>.hashes` of the module `prefix` (`path@version`).
pub(crate) fn parse_hashes(bytes: &[u8], prefix: &str) -> Result<Listing> {
    let text = String::from_utf8_lossy(bytes);
    let split = if text.starts_with(OMITTED_HEADER) {
        Some(0)
    } else {
        text.find(&format!("\n{OMITTED_HEADER}\n")).map(|i| i + 1)
    };
    let (summary, rest) = text.split_at(split.unwrap_or(text.len()));
    let h1 = format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(summary.as_bytes()))
    );
    let strip = |name: &str| {
        name.strip_prefix(prefix)
            .and_then(|f| f.strip_prefix('/'))
            .map(str::to_string)
    };
    let mut files = BTreeMap::new();
    for (i, line) in summary.lines().enumerate() {
        let bad = || anyhow!("{prefix}.{HASHES_EXT}:{}: malformed line", i + 1);
        let (hex_digest, name) = line.split_once("  ").ok_or_else(bad)?;
        let file = strip(name).ok_or_else(bad)?;
        let mut d = [0u8; 32];
        hex::decode_to_slice(hex_digest, &mut d).map_err(|_| bad())?;
        files.insert(file, d);
    }
    let mut omitted = BTreeSet::new();
    let first = summary.lines().count();
    for (i, line) in rest.lines().enumerate().skip(1) {
        let file = strip(line)
            .filter(|f| files.contains_key(f))
            .ok_or_else(|| {
                anyhow!(
                    "{prefix}.{HASHES_EXT}:{}: not a file of the module",
                    first + i + 1
                )
            })?;
        omitted.insert(file);
    }
    Ok(Listing {
        h1,
        files,
        omitted,
        omitted_sha256: hex::encode(Sha256::digest(rest.as_bytes())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slim_listing_reads_back_with_the_h1_of_its_summary_lines_only() {
        let mv = ModuleVersion::new("example.com/m", "v1.0.0").unwrap();
        let digests: BTreeMap<String, [u8; 32]> = [
            ("a.go".to_string(), [1u8; 32]),
            ("doc/x.png".to_string(), [2u8; 32]),
        ]
        .into();
        let whole = hashes_text(&mv, &digests, &BTreeSet::new());
        let omitted: BTreeSet<String> = ["doc/x.png".to_string()].into();
        let slim = hashes_text(&mv, &digests, &omitted);
        assert!(slim.starts_with(&whole), "{slim}");
        let a = parse_hashes(whole.as_bytes(), "example.com/m@v1.0.0").unwrap();
        let b = parse_hashes(slim.as_bytes(), "example.com/m@v1.0.0").unwrap();
        assert_eq!(a.h1, b.h1);
        assert_eq!(a.files, b.files);
        assert!(a.omitted.is_empty());
        assert_eq!(b.omitted, omitted);
        assert_eq!(
            b.omitted_sha256,
            hex::encode(Sha256::digest(omitted_text(&mv, &omitted).as_bytes()))
        );
    }

    #[test]
    fn a_listing_that_leaves_out_a_file_the_module_lacks_is_refused() {
        let text = format!(
            "{}  example.com/m@v1.0.0/a.go\n{OMITTED_HEADER}\nexample.com/m@v1.0.0/b.go\n",
            "00".repeat(32)
        );
        let e = parse_hashes(text.as_bytes(), "example.com/m@v1.0.0").unwrap_err();
        assert_eq!(
            e.to_string(),
            "example.com/m@v1.0.0.hashes:3: not a file of the module"
        );
        let e =
            parse_hashes(b"zz  example.com/m@v1.0.0/a.go\n", "example.com/m@v1.0.0").unwrap_err();
        assert_eq!(
            e.to_string(),
            "example.com/m@v1.0.0.hashes:1: malformed line"
        );
    }
}
