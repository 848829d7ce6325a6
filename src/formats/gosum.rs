//! go.sum, read and written without losing a byte. gomodoff checks every module it lays out
//! against these hashes and sometimes adds lines, so the file must round-trip exactly: blank
//! lines, CRLF endings, a missing final newline, lines with unknown hash algorithms and lines go
//! itself ignores are all kept where they are.
//!
//! What is malformed follows the go command (`modfetch.readGoSum`): a non-blank line must have
//! exactly three whitespace-separated fields, and nothing else is checked. Lines whose hash is
//! the hash of an empty go.mod (an old go bug) are ignored, as go ignores them. New lines are
//! inserted where `modfetch.WriteGoSum` would put them: sorted by module path, then version by
//! semver precedence with the `/go.mod` line after the zip line, then hash.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;

use crate::formats::module::compare_versions;

/// A parsed go.sum file. `to_string()` gives back the exact text it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoSum {
    file_name: String,
    lines: Vec<Line>,
    /// The indices in `lines` of each module path's entries, in order: a lookup reads a few
    /// lines instead of the whole file (planning looks up every module of the build list, and a
    /// large go.sum has thousands of lines). Rebuilt whenever `lines` changes.
    by_path: HashMap<String, Vec<usize>>,
}

/// One `<path> <version>[/go.mod] <hash>` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoSumEntry {
    /// Module path, unescaped.
    pub path: String,
    /// Version without the `/go.mod` suffix.
    pub version: String,
    /// A `/go.mod` line: the hash of the module's go.mod only.
    pub gomod_only: bool,
    /// The hash, with its algorithm prefix (`h1:…`).
    pub hash: String,
}

#[derive(Debug, thiserror::Error)]
pub enum GoSumError {
    /// A line without exactly three fields; go refuses the file.
    #[error("{file}:{line}: wrong number of fields {fields}")]
    WrongFieldCount {
        file: String,
        /// 1-based line number.
        line: usize,
        fields: usize,
        /// The offending line, without its line ending.
        text: String,
    },
    /// An entry to insert that would not read back as one go.sum line.
    #[error("{file}: cannot add `{path} {version}`: {reason}")]
    InvalidEntry {
        file: String,
        path: String,
        version: String,
        reason: &'static str,
    },
    /// An `h1:` hash to insert that disagrees with the one already recorded.
    #[error(
        "{file}: `{path} {version}{}` already has hash {existing}, not {new}",
        if *gomod_only { "/go.mod" } else { "" }
    )]
    Conflict {
        file: String,
        path: String,
        version: String,
        gomod_only: bool,
        existing: String,
        new: String,
    },
}

impl GoSum {
    /// An empty go.sum; `file_name` is used in error messages.
    pub fn new(file_name: impl Into<String>) -> GoSum {
        GoSum {
            file_name: file_name.into(),
            lines: Vec::new(),
            by_path: HashMap::new(),
        }
    }

    /// Parse go.sum text. `file_name` (e.g. `go.sum`) is used in error messages.
    pub fn parse(file_name: impl Into<String>, text: &str) -> Result<GoSum, GoSumError> {
        let file_name = file_name.into();
        let mut lines = Vec::new();
        for (index, raw) in text.split_inclusive('\n').enumerate() {
            let fields: Vec<&str> = raw.split_whitespace().collect();
            let kind = match fields.as_slice() {
                [] => LineKind::Other,
                [_, _, hash] if *hash == EMPTY_GOMOD_HASH => LineKind::Other,
                [path, version, hash] => LineKind::Entry(entry_from_fields(path, version, hash)),
                _ => {
                    return Err(GoSumError::WrongFieldCount {
                        file: file_name,
                        line: index + 1,
                        fields: fields.len(),
                        text: raw.trim_end_matches(['\n', '\r']).to_string(),
                    });
                }
            };
            lines.push(Line {
                text: raw.to_string(),
                kind,
            });
        }
        let mut sum = GoSum {
            file_name,
            lines,
            by_path: HashMap::new(),
        };
        sum.reindex();
        Ok(sum)
    }

    /// The name given at parse time, used in error messages.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// Every entry, in file order (lines go ignores are left out).
    pub fn entries(&self) -> impl Iterator<Item = &GoSumEntry> {
        self.lines.iter().filter_map(|line| match &line.kind {
            LineKind::Entry(entry) => Some(entry),
            LineKind::Other => None,
        })
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries().count()
    }

    pub fn is_empty(&self) -> bool {
        self.entries().next().is_none()
    }

    /// The `h1:` hash of the module's zip, as the go command checks it (the first `h1:` line).
    pub fn zip_hash(&self, path: &str, version: &str) -> Option<&str> {
        self.h1(path, version, false)
    }

    /// The `h1:` hash of the module's go.mod (the `/go.mod` line).
    pub fn gomod_hash(&self, path: &str, version: &str) -> Option<&str> {
        self.h1(path, version, true)
    }

    /// Add an entry where the go command would sort it. Returns `false` when the same line is
    /// already there. An `h1:` hash that disagrees with a recorded `h1:` hash is an error.
    pub fn insert(
        &mut self,
        path: &str,
        version: &str,
        gomod_only: bool,
        hash: &str,
    ) -> Result<bool, GoSumError> {
        let invalid = |reason| GoSumError::InvalidEntry {
            file: self.file_name.clone(),
            path: path.to_string(),
            version: version.to_string(),
            reason,
        };
        for (value, reason) in [
            (path, "the path is empty or has white space"),
            (version, "the version is empty or has white space"),
            (hash, "the hash is empty or has white space"),
        ] {
            if value.is_empty() || value.chars().any(char::is_whitespace) {
                return Err(invalid(reason));
            }
        }
        if version.ends_with("/go.mod") {
            return Err(invalid("the version must not end in /go.mod"));
        }
        let new = GoSumEntry {
            path: path.to_string(),
            version: version.to_string(),
            gomod_only,
            hash: hash.to_string(),
        };
        if let Some(existing) = self.h1(path, version, gomod_only)
            && hash.starts_with("h1:")
            && existing != hash
        {
            return Err(GoSumError::Conflict {
                file: self.file_name.clone(),
                path: path.to_string(),
                version: version.to_string(),
                gomod_only,
                existing: existing.to_string(),
                new: hash.to_string(),
            });
        }
        if self.entries().any(|e| *e == new) {
            return Ok(false);
        }

        let mut at = None;
        let mut first_entry = None;
        for (i, line) in self.lines.iter().enumerate() {
            if let LineKind::Entry(entry) = &line.kind {
                first_entry.get_or_insert(i);
                if compare_entries(entry, &new) != Ordering::Greater {
                    at = Some(i + 1);
                }
            }
        }
        let at = at.or(first_entry).unwrap_or(self.lines.len());
        if at == self.lines.len()
            && let Some(last) = self.lines.last_mut()
            && !last.text.ends_with('\n')
        {
            last.text.push('\n');
        }
        let text = format!(
            "{} {}{} {}\n",
            new.path,
            new.version,
            if gomod_only { "/go.mod" } else { "" },
            new.hash
        );
        self.lines.insert(
            at,
            Line {
                text,
                kind: LineKind::Entry(new),
            },
        );
        self.reindex();
        Ok(true)
    }

    /// Remove every line for this module version (zip or `/go.mod` lines, as asked). Returns how
    /// many lines were removed.
    pub fn remove(&mut self, path: &str, version: &str, gomod_only: bool) -> usize {
        let before = self.lines.len();
        self.lines.retain(|line| match &line.kind {
            LineKind::Entry(e) => {
                !(e.path == path && e.version == version && e.gomod_only == gomod_only)
            }
            LineKind::Other => true,
        });
        self.reindex();
        before - self.lines.len()
    }

    fn reindex(&mut self) {
        self.by_path.clear();
        for (i, line) in self.lines.iter().enumerate() {
            if let LineKind::Entry(e) = &line.kind {
                self.by_path.entry(e.path.clone()).or_default().push(i);
            }
        }
    }

    fn h1(&self, path: &str, version: &str, gomod_only: bool) -> Option<&str> {
        self.by_path
            .get(path)?
            .iter()
            .filter_map(|&i| match &self.lines[i].kind {
                LineKind::Entry(e) => Some(e),
                LineKind::Other => None,
            })
            .find(|e| {
                e.version == version && e.gomod_only == gomod_only && e.hash.starts_with("h1:")
            })
            .map(|e| e.hash.as_str())
    }
}

impl fmt::Display for GoSum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.lines
            .iter()
            .try_for_each(|line| f.write_str(&line.text))
    }
}

/// The order the go command writes go.sum in (`module.Sort`, then the hashes of one module
/// version sorted as strings).
pub fn compare_entries(a: &GoSumEntry, b: &GoSumEntry) -> Ordering {
    a.path
        .cmp(&b.path)
        .then_with(|| compare_versions(&a.version, &b.version))
        // go leaves versions of equal precedence (`v1.0.0` and `v1.0.0+meta`) in any order;
        // the string order makes ours deterministic.
        .then_with(|| a.version.cmp(&b.version))
        .then_with(|| a.gomod_only.cmp(&b.gomod_only))
        .then_with(|| a.hash.cmp(&b.hash))
}

/// `h1:` of a zero-length go.mod: an old go bug wrote these for non-modules, and go skips them.
const EMPTY_GOMOD_HASH: &str = "h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY=";

#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    /// The line exactly as read (or as written for an inserted line), with its line ending.
    text: String,
    kind: LineKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum LineKind {
    Entry(GoSumEntry),
    /// Blank lines and lines go ignores.
    Other,
}

fn entry_from_fields(path: &str, version: &str, hash: &str) -> GoSumEntry {
    let (version, gomod_only) = match version.strip_suffix("/go.mod") {
        Some(v) => (v, true),
        None => (version, false),
    };
    GoSumEntry {
        path: path.to_string(),
        version: version.to_string(),
        gomod_only,
        hash: hash.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H1A: &str = "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    const H1B: &str = "h1:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";

    #[test]
    fn round_trips_byte_for_byte() {
        let cases = [
            "",
            "\n",
            "a v1.0.0 h1:x=\n",
            "a v1.0.0 h1:x=",
            "a v1.0.0 h1:x=\r\nb v1.0.0/go.mod h1:y=\r\n",
            "\n\n  \t\na   v1.0.0\th1:x=  \n\n",
            "z v1.0.0 h1:x=\na v1.0.0 h1:y=\n",
            "a v1.0.0 md5:abc\na v1.0.0 h1:x=\n",
            "\u{feff}a v1.0.0 h1:x=\n",
            "a v1.0.0 h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY=\n",
            "a v1.0.0/other h1:x=\n",
        ];
        for text in cases {
            let sum = GoSum::parse("go.sum", text).expect(text);
            assert_eq!(sum.to_string(), text);
        }
    }

    #[test]
    fn malformed_lines_are_errors_like_go() {
        let cases = [
            ("a v1.0.0\n", 1, 2),
            ("a v1.0.0 h1:x=\nb\n", 2, 1),
            ("\n\na v1.0.0 h1:x= extra\n", 3, 4),
            ("a v1.0.0 h1:x=\r\nb v1 h1:y= // comment\r\n", 2, 5),
        ];
        for (text, line, fields) in cases {
            match GoSum::parse("go.sum", text) {
                Err(GoSumError::WrongFieldCount {
                    line: l, fields: f, ..
                }) => assert_eq!((l, f), (line, fields), "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
        let err = GoSum::parse("x/go.sum", "ok v1 h1:x=\nbad line\n").expect_err("an error");
        assert_eq!(err.to_string(), "x/go.sum:2: wrong number of fields 2");
        match err {
            GoSumError::WrongFieldCount { text, .. } => assert_eq!(text, "bad line"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn entries_and_lookups() {
        let text = format!(
            "example.com/a v1.0.0 {H1A}\nexample.com/a v1.0.0/go.mod {H1B}\n\
             example.com/b v2.0.0+incompatible/go.mod {H1A}\nexample.com/c v1.0.0 md5:zz\n\
             example.com/c v1.0.0 {H1B}\nexample.com/d v1.0.0/go.mod {EMPTY_GOMOD_HASH}\n"
        );
        let sum = GoSum::parse("go.sum", &text).expect("valid");
        assert_eq!(sum.len(), 5);
        assert_eq!(sum.zip_hash("example.com/a", "v1.0.0"), Some(H1A));
        assert_eq!(sum.gomod_hash("example.com/a", "v1.0.0"), Some(H1B));
        assert_eq!(sum.zip_hash("example.com/b", "v2.0.0+incompatible"), None);
        assert_eq!(
            sum.gomod_hash("example.com/b", "v2.0.0+incompatible"),
            Some(H1A)
        );
        assert_eq!(sum.zip_hash("example.com/c", "v1.0.0"), Some(H1B));
        assert_eq!(sum.gomod_hash("example.com/d", "v1.0.0"), None);
        let first = sum.entries().next().expect("one entry");
        assert_eq!(
            first,
            &GoSumEntry {
                path: "example.com/a".into(),
                version: "v1.0.0".into(),
                gomod_only: false,
                hash: H1A.into(),
            }
        );
        assert!(sum.entries().nth(2).is_some_and(|e| e.gomod_only));
    }

    #[test]
    fn insert_keeps_go_order() {
        let mut sum = GoSum::new("go.sum");
        let adds = [
            ("example.com/z", "v1.10.0", false, H1A),
            ("example.com/z", "v1.9.0", true, H1A),
            ("example.com/Z", "v1.0.0", false, H1A),
            ("example.com/z", "v1.9.0", false, H1B),
            ("example.com/z", "v1.9.0", false, "md5:x"),
            (
                "example.com/a",
                "v0.0.0-20240101000000-abcdefabcdef",
                true,
                H1B,
            ),
        ];
        for (path, version, gomod_only, hash) in adds {
            assert!(sum.insert(path, version, gomod_only, hash).expect("valid"));
        }
        let want = format!(
            "example.com/Z v1.0.0 {H1A}\n\
             example.com/a v0.0.0-20240101000000-abcdefabcdef/go.mod {H1B}\n\
             example.com/z v1.9.0 {H1B}\n\
             example.com/z v1.9.0 md5:x\n\
             example.com/z v1.9.0/go.mod {H1A}\n\
             example.com/z v1.10.0 {H1A}\n"
        );
        assert_eq!(sum.to_string(), want);
        assert!(
            !sum.insert("example.com/z", "v1.10.0", false, H1A)
                .expect("same line")
        );
        assert_eq!(sum.to_string(), want);
    }

    #[test]
    fn insert_keeps_other_lines_and_fixes_a_missing_final_newline() {
        let text = "\nb v1.0.0 h1:x=\r\n\nd v1.0.0 h1:y=";
        let mut sum = GoSum::parse("go.sum", text).expect("valid");
        sum.insert("a", "v1.0.0", false, "h1:a=").expect("valid");
        sum.insert("c", "v1.0.0", false, "h1:c=").expect("valid");
        sum.insert("e", "v1.0.0", false, "h1:e=").expect("valid");
        assert_eq!(
            sum.to_string(),
            "\na v1.0.0 h1:a=\nb v1.0.0 h1:x=\r\nc v1.0.0 h1:c=\n\nd v1.0.0 h1:y=\ne v1.0.0 h1:e=\n"
        );
    }

    #[test]
    fn insert_refuses_conflicts_and_bad_fields() {
        let mut sum = GoSum::parse("go.sum", &format!("a v1.0.0 {H1A}\n")).expect("valid");
        let err = sum.insert("a", "v1.0.0", false, H1B).expect_err("an error");
        assert_eq!(
            err.to_string(),
            format!("go.sum: `a v1.0.0` already has hash {H1A}, not {H1B}")
        );
        assert!(
            sum.insert("a", "v1.0.0", true, H1B)
                .expect("go.mod line is separate")
        );
        for (path, version, hash) in [
            ("", "v1", H1A),
            ("a b", "v1", H1A),
            ("a", "v1 ", H1A),
            ("a", "v1/go.mod", H1A),
            ("a", "v1", ""),
        ] {
            assert!(
                matches!(
                    sum.insert(path, version, false, hash),
                    Err(GoSumError::InvalidEntry { .. })
                ),
                "{path:?} {version:?} {hash:?}"
            );
        }
    }

    #[test]
    fn remove_drops_only_matching_lines() {
        let text = format!("a v1 {H1A}\na v1/go.mod {H1B}\n\nb v1 {H1A}\n");
        let mut sum = GoSum::parse("go.sum", &text).expect("valid");
        assert_eq!(sum.remove("a", "v1", false), 1);
        assert_eq!(sum.remove("a", "v1", false), 0);
        assert_eq!(
            sum.to_string(),
            format!("a v1/go.mod {H1B}\n\nb v1 {H1A}\n")
        );
    }
}
