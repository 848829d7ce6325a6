//! Embeds: the `//go:embed` patterns a package collects (`vendorPkg` through `go/build` with
//! `UseAllFiles`) and the files a pattern names (`cmd/go/internal/load.resolveEmbed`), with every
//! check go makes of names, nested modules and irregular files.

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::path::Path;

use crate::formats::gover;

use super::glob::{glob_match, has_meta};
use super::scan::{is_hidden, join_rel};
use super::{FileProblem, GoFile, PackageDir, ScanError, VendorRules};

/// Files one `//go:embed` pattern (with an optional `all:` prefix) names in the package at `dir`,
/// as slash-separated paths relative to `dir`, sorted, with every check of
/// `cmd/go/internal/load.resolveEmbed` (no match, other module, bad names, irregular files).
pub fn expand_embed(dir: &Path, pattern: &str) -> Result<Vec<String>, ScanError> {
    let err = |message: String| ScanError::Embed {
        dir: dir.to_path_buf(),
        pattern: pattern.to_string(),
        message,
    };
    let (glob, all) = match pattern.strip_prefix("all:") {
        Some(rest) => (rest, true),
        None => (pattern, false),
    };
    if glob_match(glob, "").is_err() || glob == "." || !valid_fs_path(glob) {
        return Err(err("invalid pattern syntax".to_string()));
    }
    let matches = glob_in(dir, glob).map_err(|_| err("invalid pattern syntax".to_string()))?;
    let mut list = BTreeSet::new();
    let mut dir_ok = HashSet::new();
    for rel in matches {
        let file = dir.join(&rel);
        let meta = fs::symlink_metadata(&file).map_err(|e| err(e.to_string()))?;
        let what = if meta.is_dir() { "directory" } else { "file" };
        // Every directory from the match up to (not including) the package directory must be a
        // real directory of this module with an embeddable name.
        let mut cur = rel.as_str();
        loop {
            if cur.is_empty() || dir_ok.contains(cur) {
                break;
            }
            let path = dir.join(cur);
            if path.join("go.mod").exists() {
                return Err(err(format!(
                    "cannot embed {what} {rel}: in different module"
                )));
            }
            if cur != rel
                && let Ok(m) = fs::symlink_metadata(&path)
                && !m.is_dir()
            {
                return Err(err(format!(
                    "cannot embed {what} {rel}: in non-directory {cur}"
                )));
            }
            dir_ok.insert(cur.to_string());
            let elem = cur.rsplit('/').next().unwrap_or(cur);
            if is_bad_embed_name(elem) {
                return Err(err(if cur == rel {
                    format!("cannot embed {what} {rel}: invalid name {elem}")
                } else {
                    format!("cannot embed {what} {rel}: in invalid directory {elem}")
                }));
            }
            cur = cur.rfind('/').map_or("", |i| &cur[..i]);
        }
        if meta.is_file() {
            list.insert(rel);
        } else if meta.is_dir() {
            let mut count = 0usize;
            walk_embed_dir(dir, &rel, all, &mut list, &mut count).map_err(err)?;
            if count == 0 {
                return Err(err(format!(
                    "cannot embed directory {rel}: contains no embeddable files"
                )));
            }
        } else {
            return Err(err(format!("cannot embed irregular file {rel}")));
        }
    }
    if list.is_empty() {
        return Err(err("no matching files found".to_string()));
    }
    Ok(list.into_iter().collect())
}

/// Embed patterns of the package as `vendorPkg` collects them through `go/build.ImportDir` with
/// `UseAllFiles`: empty when the directory has no Go files, an error when `ImportDir` fails with
/// anything but a multiple-package error.
pub(super) fn embed_patterns(
    dir: &Path,
    pkg: &PackageDir,
    rules: &VendorRules,
) -> Result<Vec<String>, ScanError> {
    let mut first_bad: Option<Bad> = None;
    let mut note = |bad: Bad| {
        if first_bad.is_none() {
            first_bad = Some(bad);
        }
    };
    let with_tests = !gover::at_least(&rules.go_version, "1.22");
    let mut package_name = String::new();
    let mut counted = 0usize;
    let mut patterns = BTreeSet::new();
    let mut test_patterns = Vec::new();
    for file in pkg.files.iter().filter(|f| !is_hidden(&f.name)) {
        let (bad, skip) = header_problem(file);
        if let Some(bad) = bad {
            note(bad);
        }
        if skip {
            continue;
        }
        let Some(name) = counted_package(file, &package_name) else {
            continue;
        };
        if package_name.is_empty() {
            package_name = name.to_string();
        } else if name != package_name {
            note(Bad::MultiplePackages);
        }
        if file.is_cgo && file.is_test {
            note(Bad::Other(
                file.name.clone(),
                "use of cgo in test not supported".into(),
            ));
        }
        if file.is_cgo && !rules.cgo_enabled {
            continue;
        }
        counted += 1;
        if file.is_test {
            if with_tests {
                test_patterns.extend(file.embeds.iter().cloned());
            }
        } else {
            patterns.extend(file.embeds.iter().cloned());
        }
    }
    if let Some(Bad::Other(file, message)) = first_bad {
        return Err(ScanError::BadFile {
            dir: dir.to_path_buf(),
            file,
            message,
        });
    }
    if counted == 0 {
        return Ok(Vec::new());
    }
    patterns.extend(test_patterns);
    Ok(patterns.into_iter().collect())
}

/// Why `go/build.ImportDir` fails for a package; the first one found is the one reported.
#[derive(PartialEq)]
enum Bad {
    MultiplePackages,
    /// A file and what is wrong with it.
    Other(String, String),
}

/// What `ImportDir` makes of a file's header problem, and whether the file is then left out of
/// the package (a bad constraint or a NUL) rather than read on.
fn header_problem(file: &GoFile) -> (Option<Bad>, bool) {
    let bad = |message: String| Some(Bad::Other(file.name.clone(), message));
    match &file.problem {
        Some(FileProblem::BadConstraint(message)) => (bad(message.clone()), true),
        Some(FileProblem::Nul) => (bad("unexpected NUL in input".into()), true),
        Some(FileProblem::HeaderSyntax) => (bad("syntax error in file header".into()), false),
        Some(FileProblem::BadImport(path)) => (bad(format!("invalid import path: {path}")), false),
        None => (None, false),
    }
}

/// The package a file counts for: `None` for `package documentation`; an external test package
/// `p_test` counts as `p` unless the package seen so far is itself `p_test`.
fn counted_package<'f>(file: &'f GoFile, package_name: &str) -> Option<&'f str> {
    let name = file.package.as_str();
    if name == "documentation" {
        return None;
    }
    let is_xtest = file.is_test && name.ends_with("_test") && package_name != name;
    Some(if is_xtest {
        &name[..name.len() - "_test".len()]
    } else {
        name
    })
}

// ---------------------------------------------------------------------------------------------
// Embed resolution.

/// `fs.ValidPath`: unrooted, slash-separated, no empty, `.` or `..` element.
fn valid_fs_path(name: &str) -> bool {
    if name == "." {
        return true;
    }
    name.split('/')
        .all(|elem| !elem.is_empty() && elem != "." && elem != "..")
}

/// `isBadEmbedName`: names a module zip cannot hold, and version-control directories.
pub(super) fn is_bad_embed_name(name: &str) -> bool {
    matches!(name, "" | ".bzr" | ".hg" | ".git" | ".svn") || !valid_file_name(name)
}

/// `module.CheckFilePath` for one path element.
fn valid_file_name(elem: &str) -> bool {
    if elem.is_empty() || elem.bytes().all(|b| b == b'.') || elem.ends_with('.') {
        return false;
    }
    let ok = |c: char| {
        if c.is_ascii() {
            c.is_ascii_alphanumeric() || "!#$%&()+,-.=@[]^_{}~ ".contains(c)
        } else {
            c.is_alphabetic()
        }
    };
    if !elem.chars().all(ok) {
        return false;
    }
    let short = elem.split('.').next().unwrap_or(elem);
    const WINDOWS: [&str; 22] = [
        "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
        "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    ];
    !WINDOWS.iter().any(|bad| bad.eq_ignore_ascii_case(short))
}

/// Walks an embedded directory like `resolveEmbed`: hidden (`.`/`_`) entries skipped unless
/// `all:`, version-control and unnamable entries skipped or refused, nested modules skipped.
fn walk_embed_dir(
    root: &Path,
    rel: &str,
    all: bool,
    list: &mut BTreeSet<String>,
    count: &mut usize,
) -> Result<(), String> {
    let dir = root.join(rel);
    let mut entries = Vec::new();
    for entry in fs::read_dir(&dir).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = entry
            .file_name()
            .into_string()
            .map_err(|_| format!("cannot embed file in {rel}: invalid name"))?;
        entries.push((name, entry.file_type().map_err(|e| e.to_string())?));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, kind) in entries {
        let path = format!("{rel}/{name}");
        let hidden = name.starts_with('.') || name.starts_with('_');
        if is_bad_embed_name(&name) || (hidden && !all) {
            if kind.is_dir() || hidden {
                continue;
            }
            return Err(format!("cannot embed file {path}: invalid name {name}"));
        }
        if kind.is_dir() {
            if root.join(&path).join("go.mod").exists() {
                continue;
            }
            walk_embed_dir(root, &path, all, list, count)?;
        } else if kind.is_file() {
            *count += 1;
            list.insert(path);
        }
    }
    Ok(())
}

/// `fsys.Glob` of a valid slash-separated pattern under `dir`; paths come back relative to `dir`.
fn glob_in(dir: &Path, pattern: &str) -> Result<Vec<String>, ()> {
    if !has_meta(pattern) {
        return Ok(if fs::symlink_metadata(dir.join(pattern)).is_ok() {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        });
    }
    let segments: Vec<&str> = pattern.split('/').collect();
    let first_meta = segments
        .iter()
        .position(|s| has_meta(s))
        .expect("a pattern with a meta character has a segment with one because `/` is not one");
    let mut current = vec![segments[..first_meta].join("/")];
    for segment in &segments[first_meta..] {
        let mut next = Vec::new();
        for base in current {
            let path = if base.is_empty() {
                dir.to_path_buf()
            } else {
                dir.join(&base)
            };
            if !fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
                continue;
            }
            let Ok(entries) = fs::read_dir(&path) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect();
            names.sort();
            for name in names {
                if glob_match(segment, &name)? {
                    next.push(join_rel(&base, &name));
                }
            }
        }
        current = next;
    }
    Ok(current)
}
