//! `gomodoff.vendor.sum`, the listing of every file gomodoff wrote into `vendor/` with its
//! SHA-256, and which module a file of `vendor/` belongs to.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::{Result, anyhow};

use super::{LISTING_FILE, VENDOR_DIR};
use crate::formats::lock::LockedModule;

pub(super) fn render_listing(files: &BTreeMap<String, NewFile>) -> String {
    let mut out = String::new();
    for (name, f) in files {
        out.push_str(&hex::encode(f.digest));
        out.push_str("  ");
        out.push_str(VENDOR_DIR);
        out.push('/');
        out.push_str(name);
        out.push('\n');
    }
    out
}

/// `<sha256 hex>  vendor/<file>` lines → file (relative to vendor/) → digest.
pub(super) fn parse_listing(bytes: &[u8]) -> Result<BTreeMap<String, [u8; 32]>> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let bad = || anyhow!("{LISTING_FILE}:{}: malformed line", i + 1);
        let (hex_digest, name) = line.split_once("  ").ok_or_else(bad)?;
        let file = name
            .strip_prefix(VENDOR_DIR)
            .and_then(|f| f.strip_prefix('/'))
            .ok_or_else(bad)?;
        let mut d = [0u8; 32];
        hex::decode_to_slice(hex_digest, &mut d).map_err(|_| bad())?;
        out.insert(file.to_string(), d);
    }
    Ok(out)
}

/// The longest of `modules` that is `path` or one of its parent directories.
pub(super) fn owner<'a>(path: &str, modules: &'a BTreeSet<String>) -> Option<&'a str> {
    let mut cur = path;
    loop {
        if let Some(m) = modules.get(cur) {
            return Some(m);
        }
        cur = &cur[..cur.rfind('/')?];
    }
}

/// The lock's modules indexed by their directory under vendor/ (the module path), to tell which
/// module a file of vendor/ belongs to.
pub(super) struct LockOwners {
    pub(super) dirs: BTreeSet<String>,
    pub(super) index: HashMap<String, usize>,
}

impl LockOwners {
    pub(super) fn new(modules: &[LockedModule]) -> LockOwners {
        LockOwners {
            dirs: modules.iter().map(|m| m.dir.clone()).collect(),
            index: modules
                .iter()
                .enumerate()
                .map(|(i, m)| (m.dir.clone(), i))
                .collect(),
        }
    }

    pub(super) fn owner(&self, file: &str) -> Option<usize> {
        owner(file, &self.dirs).map(|d| self.index[d])
    }
}

#[derive(Debug, Clone)]
pub(super) struct NewFile {
    /// `None` for modules.txt.
    pub(super) source: Option<std::path::PathBuf>,
    pub(super) digest: [u8; 32],
    /// The source's stamp that vouches for `digest`, when known.
    pub(super) stamp: Option<crate::sources::verified::Stamp>,
    /// The providing module (build-list path and version); `None` for modules.txt.
    pub(super) module: Option<crate::formats::module::ModuleVersion>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn owner_is_the_longest_module_path_prefix() {
        let modules: BTreeSet<String> = ["a.com/x", "a.com/x/y", "b.com/z"]
            .into_iter()
            .map(String::from)
            .collect();
        let table = [
            ("a.com/x/f.go", Some("a.com/x")),
            ("a.com/x/y/f.go", Some("a.com/x/y")),
            ("a.com/x/yz/f.go", Some("a.com/x")),
            ("a.com/xy/f.go", None),
            ("modules.txt", None),
            ("b.com/z/LICENSE", Some("b.com/z")),
        ];
        for (file, want) in table {
            assert_eq!(owner(file, &modules), want, "{file}");
        }
    }

    #[test]
    pub(super) fn listing_round_trips_and_names_bad_lines() {
        let mut files = BTreeMap::new();
        for (name, byte) in [("a.com/x/f.go", 1u8), ("modules.txt", 2)] {
            files.insert(
                name.to_string(),
                NewFile {
                    source: None,
                    digest: [byte; 32],
                    stamp: None,
                    module: None,
                },
            );
        }
        let text = render_listing(&files);
        assert!(text.starts_with(&format!(
            "{}  vendor/a.com/x/f.go\n",
            hex::encode([1u8; 32])
        )));
        let parsed = parse_listing(text.as_bytes()).unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed["modules.txt"], [2u8; 32]);
        let e = parse_listing(b"zz  vendor/x\n").unwrap_err().to_string();
        assert_eq!(e, "gomodoff.vendor.sum:1: malformed line");
        let e = parse_listing(format!("{}  other/x\n", "00".repeat(32)).as_bytes())
            .unwrap_err()
            .to_string();
        assert_eq!(e, "gomodoff.vendor.sum:1: malformed line");
    }
}
