//! The part of a preview that comes after the diffs: what a change does module by module (the
//! ones that change, a few per tier unless `-v`), then one summary block — modules per tier and
//! kind, files and sizes written and removed, lines changed — right above the question.

use std::fmt;
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use indicatif::{HumanBytes, HumanCount};

/// How many modules of one tier (added, updated, removed) the preview names without `-v`.
pub(crate) const MAX_LISTED: usize = 10;

/// A number of files and their bytes (apparent sizes).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Size {
    pub files: u64,
    pub bytes: u64,
}

impl Size {
    pub(crate) fn new(files: u64, bytes: u64) -> Size {
        Size { files, bytes }
    }

    /// The files (and symbolic links, not followed) under `path`, or `path` itself when it is
    /// one; nothing when it is missing or unreadable. Directories count for nothing. Each entry
    /// is stamped relative to its directory (not looked up again by its whole path), and
    /// subdirectories are walked on all cores: a tree of 10,000 files costs milliseconds.
    pub(crate) fn of_tree(path: &Path) -> Size {
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.is_dir() => Size::of_dir(path),
            Ok(m) => Size::new(1, m.len()),
            Err(_) => Size::default(),
        }
    }

    /// [`Size::of_tree`] of a directory.
    fn of_dir(dir: &Path) -> Size {
        use rayon::prelude::*;
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Size::default();
        };
        let mut size = Size::default();
        let mut subdirs = Vec::new();
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                subdirs.push(e.path());
            } else {
                size.files += 1;
                size.bytes += e.metadata().map_or(0, |m| m.len());
            }
        }
        let below =
            subdirs
                .par_iter()
                .map(|d| Size::of_dir(d))
                .reduce(Size::default, |mut a, b| {
                    a.add(b);
                    a
                });
        size.add(below);
        size
    }

    /// [`Size::of_tree`] of every path of `paths` (relative to `root`), the trees walked on all
    /// cores.
    pub(crate) fn of_trees(root: &Path, paths: &[std::path::PathBuf]) -> Size {
        use rayon::prelude::*;
        paths
            .par_iter()
            .map(|p| Size::of_tree(&root.join(p)))
            .reduce(Size::default, |mut a, b| {
                a.add(b);
                a
            })
    }

    pub(crate) fn add(&mut self, other: Size) {
        self.files += other.files;
        self.bytes += other.bytes;
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.files == 0 && self.bytes == 0
    }
}

/// `12,263 files, 598.40 MiB`; `nothing` for no files.
impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return write!(f, "nothing");
        }
        let files = if self.files == 1 { "file" } else { "files" };
        write!(
            f,
            "{} {files}, {}",
            HumanCount(self.files),
            HumanBytes(self.bytes)
        )
    }
}

/// A size as `--json` documents it: the numbers, and the text a person reads.
impl serde::Serialize for Size {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut st = s.serialize_struct("Size", 3)?;
        st.serialize_field("files", &self.files)?;
        st.serialize_field("bytes", &self.bytes)?;
        st.serialize_field("human", &self.to_string())?;
        st.end()
    }
}

/// One module in the per-module list: its line (`path@version`, with what changes), and lines
/// under it (files named); for `--json`, the module and version it is about (and the version
/// it had, when that changes), when it is about one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub line: String,
    pub details: Vec<String>,
    pub module: Option<String>,
    pub version: Option<String>,
    pub previous_version: Option<String>,
}

impl From<String> for Entry {
    fn from(line: String) -> Entry {
        Entry {
            line,
            details: Vec::new(),
            module: None,
            version: None,
            previous_version: None,
        }
    }
}

impl Entry {
    /// The entry of module `path` at `version` (absent when it has none, a removed module
    /// without one recorded), shown as `line`.
    pub(crate) fn of(path: &str, version: Option<&str>, line: String) -> Entry {
        Entry {
            module: Some(path.to_string()),
            version: version.map(str::to_string),
            ..Entry::from(line)
        }
    }

    /// The entry of module version `mv`, shown as `line`.
    pub(crate) fn of_module(mv: &crate::formats::module::ModuleVersion, line: String) -> Entry {
        Entry::of(&mv.path, Some(&mv.version), line)
    }

    /// The version the module had before the change.
    pub(crate) fn was(mut self, previous: Option<&str>) -> Entry {
        self.previous_version = previous.map(str::to_string);
        self
    }

    /// With these detail lines.
    pub(crate) fn with_details(mut self, details: Vec<String>) -> Entry {
        self.details = details;
        self
    }

    fn document(&self) -> serde_json::Value {
        serde_json::json!({
            "module": self.module,
            "version": self.version,
            "previous_version": self.previous_version,
            "description": self.line,
            "details": self.details,
        })
    }
}

/// The lines of one file a change adds and removes, as its diff shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LineChange {
    pub file: String,
    pub added: usize,
    pub removed: usize,
}

/// What a change does, module by module, for its preview (every mode's `vendor`, and
/// `restore`).
#[derive(Debug, Default, Clone)]
pub(crate) struct Summary {
    pub added: Vec<Entry>,
    pub updated: Vec<Entry>,
    pub removed: Vec<Entry>,
    pub unchanged: Vec<Entry>,
    /// Modules laid out whole (trees, or zips in proxy mode).
    pub full: usize,
    /// Modules of which only the go.mod is laid out.
    pub gomod_only: usize,
    /// Modules of which only the `.info` is laid out (proxy mode).
    pub info_only: usize,
    /// What the change writes into the repository (trees and their files; not go.mod).
    pub write: Size,
    /// What the change takes out of the repository.
    pub remove: Size,
}

impl Summary {
    /// Every module the run lays out.
    pub(crate) fn total(&self) -> usize {
        self.full + self.gomod_only + self.info_only
    }

    /// The fields of a change's `--json` document: every module by tier, how many are laid out
    /// how, and the sizes written and removed.
    pub(crate) fn document(&self) -> serde_json::Map<String, serde_json::Value> {
        let tier = |list: &[Entry]| list.iter().map(Entry::document).collect::<Vec<_>>();
        let serde_json::Value::Object(fields) = serde_json::json!({
            "modules": {
                "added": tier(&self.added),
                "updated": tier(&self.updated),
                "removed": tier(&self.removed),
                "unchanged": tier(&self.unchanged),
            },
            "laid_out": {
                "whole": self.full,
                "gomod_only": self.gomod_only,
                "info_only": self.info_only,
            },
            "write": self.write,
            "remove": self.remove,
        }) else {
            unreachable!("json! of an object literal is an object")
        };
        fields
    }

    /// Each tier that has modules: `added (N):`, then one line per module (the first
    /// [`MAX_LISTED`] unless `verbose`, then how many more). Unchanged modules only when
    /// `verbose`.
    pub(crate) fn write_modules(&self, out: &mut dyn Write, verbose: bool) -> Result<()> {
        let mut tiers = vec![
            ("added", "+", &self.added),
            ("updated", "~", &self.updated),
            ("removed", "-", &self.removed),
        ];
        if verbose {
            tiers.push(("unchanged", "=", &self.unchanged));
        }
        for (name, sign, list) in tiers {
            if list.is_empty() {
                continue;
            }
            writeln!(out, "{name} ({}):", HumanCount(list.len() as u64))?;
            let shown = if verbose {
                list.len()
            } else {
                list.len().min(MAX_LISTED)
            };
            for e in &list[..shown] {
                writeln!(out, "  {sign} {}", e.line)?;
                for d in &e.details {
                    writeln!(out, "      {d}")?;
                }
            }
            if shown < list.len() {
                writeln!(
                    out,
                    "  … and {} more (-v lists every module)",
                    HumanCount((list.len() - shown) as u64)
                )?;
            }
        }
        Ok(())
    }

    /// The block right above the question: what and where, modules per tier, files and bytes
    /// written and removed, lines changed per file.
    pub(crate) fn write_block(
        &self,
        out: &mut dyn Write,
        title: &str,
        lines: &[LineChange],
    ) -> Result<()> {
        writeln!(out, "summary: {title}")?;
        writeln!(
            out,
            "  modules:   {} added, {} updated, {} removed, {} unchanged",
            self.added.len(),
            self.updated.len(),
            self.removed.len(),
            self.unchanged.len()
        )?;
        writeln!(out, "  write:     {}", self.write)?;
        writeln!(out, "  remove:    {}", self.remove)?;
        for l in lines {
            writeln!(
                out,
                "  {:<10} +{} \u{2212}{} lines",
                format!("{}:", l.file),
                l.added,
                l.removed
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    fn modules(prefix: &str, n: usize) -> Vec<Entry> {
        (0..n)
            .map(|i| Entry::from(format!("example.com/{prefix}{i:03}@v1.0.0")))
            .collect()
    }

    #[test]
    fn sizes_are_human() {
        assert_eq!(Size::default().to_string(), "nothing");
        assert_eq!(Size::new(1, 12).to_string(), "1 file, 12 B");
        assert_eq!(Size::new(7, 889).to_string(), "7 files, 889 B");
        assert_eq!(
            Size::new(12_263, 578_358_782).to_string(),
            "12,263 files, 551.57 MiB"
        );
        assert_eq!(Size::new(2, 1536).to_string(), "2 files, 1.50 KiB");
    }

    #[test]
    fn a_tree_is_counted_without_its_directories() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("a/x"), "12345").unwrap();
        std::fs::write(dir.path().join("a/b/y"), "123").unwrap();
        assert_eq!(Size::of_tree(&dir.path().join("a")), Size::new(2, 8));
        assert_eq!(Size::of_tree(&dir.path().join("a/x")), Size::new(1, 5));
        assert_eq!(Size::of_tree(&dir.path().join("gone")), Size::default());
    }

    #[test]
    fn a_long_tier_is_collapsed_unless_verbose() {
        let s = Summary {
            added: modules("a", 12),
            removed: modules("r", 2),
            unchanged: modules("u", 3),
            ..Summary::default()
        };
        let short = text(|o| s.write_modules(o, false).unwrap());
        assert_eq!(short.lines().count(), 1 + 10 + 1 + 1 + 2, "{short}");
        assert!(short.starts_with("added (12):\n  + example.com/a000@v1.0.0\n"));
        assert!(short.contains("  + example.com/a009@v1.0.0\n  … and 2 more (-v lists every module)\nremoved (2):\n  - example.com/r000@v1.0.0\n"), "{short}");
        assert!(
            !short.contains("a010") && !short.contains("unchanged"),
            "{short}"
        );
        let long = text(|o| s.write_modules(o, true).unwrap());
        assert!(long.contains("  + example.com/a011@v1.0.0\n"), "{long}");
        assert!(!long.contains("more"), "{long}");
        assert!(long.ends_with("unchanged (3):\n  = example.com/u000@v1.0.0\n  = example.com/u001@v1.0.0\n  = example.com/u002@v1.0.0\n"), "{long}");
    }

    #[test]
    fn a_tier_at_the_cap_is_listed_whole() {
        let s = Summary {
            updated: modules("m", MAX_LISTED),
            ..Summary::default()
        };
        let shown = text(|o| s.write_modules(o, false).unwrap());
        assert_eq!(shown.lines().count(), 1 + MAX_LISTED, "{shown}");
        assert!(!shown.contains("more"));
    }

    #[test]
    fn details_follow_their_module() {
        let s = Summary {
            removed: vec![
                Entry::from("example.com/x v1.0.0: 2 files removed".to_string())
                    .with_details(vec!["- vendor/example.com/x/a.go".into()]),
            ],
            ..Summary::default()
        };
        assert_eq!(
            text(|o| s.write_modules(o, false).unwrap()),
            "removed (1):\n  - example.com/x v1.0.0: 2 files removed\n      - vendor/example.com/x/a.go\n"
        );
    }

    #[test]
    fn the_block_counts_tiers_sizes_and_lines() {
        let s = Summary {
            added: modules("a", 514),
            unchanged: modules("u", 2),
            full: 500,
            gomod_only: 16,
            write: Size::new(12_263, 627_463_578),
            ..Summary::default()
        };
        let lines = [LineChange {
            file: "go.mod".into(),
            added: 516,
            removed: 0,
        }];
        assert_eq!(
            text(|o| s.write_block(o, "516 modules in `t`", &lines).unwrap()),
            "summary: 516 modules in `t`\n  modules:   514 added, 0 updated, 0 removed, 2 unchanged\n  write:     12,263 files, 598.40 MiB\n  remove:    nothing\n  go.mod:    +516 \u{2212}0 lines\n"
        );
    }
}
