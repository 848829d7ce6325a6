//! Directory walks and path helpers of vendoring: main-module package directories, `ignore`
//! patterns, import path checks, replacement targets rendered for modules.txt, and module order.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::formats::module::ModuleVersion;
use crate::resolve::graph::ReplaceTarget;

use super::VendoringError;

/// Directories of a main module that may hold its packages (`walkPkgs`), relative to `root`:
/// not under `testdata`, `_`/`.`-prefixed or ignored directories, nested modules, or below a
/// directory named `vendor` (which is itself a candidate).
pub(super) fn walk_main_module(
    root: &Path,
    ignore: &[String],
) -> Result<Vec<String>, VendoringError> {
    let ignore = IgnorePatterns::new(ignore);
    let mut candidates: Vec<String> = Vec::new();
    let mut stack = vec![String::new()];
    while let Some(rel) = stack.pop() {
        candidates.push(rel.clone());
        let name = rel.rsplit('/').next().unwrap_or("");
        if !rel.is_empty() && name == "vendor" {
            continue; // the directory itself may be a package; its tree is not walked
        }
        let dir = join_path(root, &rel);
        for (name, kind) in read_dir_sorted(&dir)? {
            if kind != Kind::Dir
                || name.starts_with('.')
                || name.starts_with('_')
                || name == "testdata"
            {
                continue;
            }
            let child = join_rel(&rel, &name);
            if ignore.should_ignore(&child) {
                continue;
            }
            if fs::metadata(root.join(&child).join("go.mod")).is_ok_and(|m| !m.is_dir()) {
                continue; // a nested module
            }
            stack.push(child);
        }
    }
    Ok(candidates)
}

/// The right-hand side of a replace directive as written.
pub(super) fn render_target(target: &ReplaceTarget) -> (String, Option<String>) {
    match target {
        ReplaceTarget::Module(m) => (m.path.clone(), Some(m.version.clone())),
        ReplaceTarget::Dir(dir) => (dir.to_string_lossy().into_owned(), None),
    }
}

/// `filepath.Rel(base, target)` on lexically cleaned absolute paths, slash-separated.
pub(super) fn relative_path(base: &Path, target: &Path) -> String {
    fn clean(path: &Path) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for component in path.components() {
            match component {
                std::path::Component::Normal(name) => {
                    out.push(name.to_string_lossy().into_owned());
                }
                std::path::Component::ParentDir => {
                    out.pop();
                }
                _ => {}
            }
        }
        out
    }
    let base = clean(base);
    let target = clean(target);
    let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; base.len() - common];
    parts.extend(target[common..].iter().map(String::as_str));
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

/// `modload.ToDirectoryPath`: a relative path made to start with `./` unless it already reads
/// as a directory path.
pub(super) fn to_directory_path(path: &str) -> String {
    if path == "."
        || path == ".."
        || path.starts_with("./")
        || path.starts_with("../")
        || path.starts_with('/')
    {
        path.to_string()
    } else {
        format!("./{path}")
    }
}

/// The go.mod `ignore` directives as `search.IgnorePatterns` applies them.
pub(super) struct IgnorePatterns {
    relative: Vec<String>,
    anywhere: Vec<String>,
}

impl IgnorePatterns {
    pub(super) fn new(patterns: &[String]) -> IgnorePatterns {
        let mut out = IgnorePatterns {
            relative: Vec::new(),
            anywhere: Vec::new(),
        };
        for pattern in patterns {
            match pattern.strip_prefix("./") {
                Some(rest) => out.relative.push(normalize_slashes(rest)),
                None => out.anywhere.push(normalize_slashes(pattern)),
            }
        }
        out
    }

    pub(super) fn should_ignore(&self, rel: &str) -> bool {
        if rel.is_empty() {
            return false;
        }
        let rel = normalize_slashes(rel);
        self.relative.iter().any(|p| rel.starts_with(p.as_str()))
            || self.anywhere.iter().any(|p| rel.contains(p.as_str()))
    }
}

fn normalize_slashes(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 2);
    if !path.starts_with('/') {
        out.push('/');
    }
    out.push_str(path);
    if !path.ends_with('/') {
        out.push('/');
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Kind {
    Dir,
    File,
    Other,
}

/// Entries of `dir` with their kind (symlinks not followed), sorted by name; names that are not
/// UTF-8 are skipped (no Go package or licence file can have one).
pub(super) fn read_dir_sorted(dir: &Path) -> Result<Vec<(String, Kind)>, VendoringError> {
    let io_err = |source| VendoringError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err)? {
        let entry = entry.map_err(io_err)?;
        let file_type = entry.file_type().map_err(io_err)?;
        let kind = if file_type.is_dir() {
            Kind::Dir
        } else if file_type.is_file() {
            Kind::File
        } else {
            Kind::Other
        };
        if let Ok(name) = entry.file_name().into_string() {
            out.push((name, kind));
        }
    }
    out.sort();
    Ok(out)
}

/// `fsys.IsGoDir`: the directory holds a regular `.go` file (or a symlink to one), whatever its
/// name or build constraints.
pub(super) fn is_go_dir(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return false;
        };
        name.ends_with(".go")
            && match entry.file_type() {
                Ok(t) if t.is_file() => true,
                Ok(t) if t.is_symlink() => fs::metadata(entry.path()).is_ok_and(|m| m.is_file()),
                _ => false,
            }
    })
}

/// Why `importFromModules` refuses `path` before looking it up, if it does.
pub(super) fn invalid_import_reason(path: &str) -> Option<String> {
    if path.is_empty() {
        return Some("malformed import path \"\": empty string".to_string());
    }
    if path.contains('@') {
        return Some(format!("import path {path:?} should not have @version"));
    }
    if path == "." || path == ".." || path.starts_with("./") || path.starts_with("../") {
        return Some(format!(
            "{path:?} is relative, but relative import paths are not supported in module mode"
        ));
    }
    if path.starts_with('/') {
        return Some(format!("{path:?} is not a package path"));
    }
    if matches!(path, "std" | "cmd" | "tool" | "work" | "all") {
        return Some(format!("{path:?} is not an importable package"));
    }
    None
}

pub(super) fn check_not_in_vendor(path: &str) -> Result<(), VendoringError> {
    // `str.HasFilePathPrefix(filepath.Clean(path), "vendor")`
    if path.starts_with('/') {
        return Ok(());
    }
    let mut cleaned: Vec<&str> = Vec::new();
    for elem in path.split('/') {
        match elem {
            "" | "." => {}
            ".." if cleaned.last().is_some_and(|e| *e != "..") => {
                cleaned.pop();
            }
            _ => cleaned.push(elem),
        }
    }
    if cleaned.first() == Some(&"vendor") {
        return Err(VendoringError::ReplacementInVendor {
            path: path.to_string(),
        });
    }
    Ok(())
}

/// `checkPathCollisions`: two module paths equal under case folding.
pub(super) fn check_path_collisions<'m>(
    modules: impl Iterator<Item = &'m ModuleVersion>,
) -> Result<(), VendoringError> {
    let mut folded: HashMap<String, &str> = HashMap::new();
    for module in modules {
        let key = module.path.to_lowercase();
        match folded.get(key.as_str()) {
            Some(other) if *other != module.path => {
                return Err(VendoringError::PathCollision {
                    first: module.path.clone(),
                    second: (*other).to_string(),
                });
            }
            _ => {
                folded.insert(key, &module.path);
            }
        }
    }
    Ok(())
}

pub(super) fn first_element(path: &str) -> &str {
    path.split('/').next().unwrap_or(path)
}

/// The package's directory relative to its module root ("" for the root).
pub(super) fn relative_to_module<'p>(module_path: &str, package: &'p str) -> &'p str {
    package
        .strip_prefix(module_path)
        .unwrap_or(package)
        .trim_start_matches('/')
}

pub(super) fn join_rel(dir: &str, name: &str) -> String {
    match (dir.is_empty(), name.is_empty()) {
        (true, _) => name.to_string(),
        (_, true) => dir.to_string(),
        _ => format!("{dir}/{name}"),
    }
}

pub(super) fn join_path(root: &Path, rel: &str) -> PathBuf {
    if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    }
}

/// `gover.ModSort`: by path, then by version precedence.
pub(super) fn compare_module_versions(a: &ModuleVersion, b: &ModuleVersion) -> Ordering {
    a.path
        .cmp(&b.path)
        .then_with(|| crate::formats::module::compare_versions(&a.version, &b.version))
}
