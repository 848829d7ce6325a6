//! Module path and version types.
//!
//! TEMPORARY: replaced by the module.rs of branch hash. This minimal stand-in only exists so that
//! `modcache` compiles on branch harness; take the other branch's file when merging.

// TEMPORARY: replaced by the module.rs of branch hash

use std::fmt;

/// A module path and version, both unescaped.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModuleVersion {
    pub path: String,
    pub version: String,
}

impl ModuleVersion {
    pub fn new(path: impl Into<String>, version: impl Into<String>) -> ModuleVersion {
        ModuleVersion {
            path: path.into(),
            version: version.into(),
        }
    }
}

impl fmt::Display for ModuleVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.path, self.version)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    #[error("malformed module path `{path}`: {reason}")]
    Path { path: String, reason: &'static str },
    #[error("malformed version `{version}`: {reason}")]
    Version {
        version: String,
        reason: &'static str,
    },
}

/// The file-system form of a module path: `A` → `!a`.
pub fn escape_path(path: &str) -> Result<String, ModuleError> {
    let bad = |reason| ModuleError::Path {
        path: path.to_string(),
        reason,
    };
    if path.is_empty() || path.starts_with('/') || path.ends_with('/') {
        return Err(bad("empty, or a leading or trailing slash"));
    }
    if path
        .split('/')
        .any(|e| e.is_empty() || e == "." || e == "..")
    {
        return Err(bad("empty, `.` or `..` element"));
    }
    escape(path).ok_or_else(|| bad("character not allowed"))
}

/// The file-system form of a version: `A` → `!a`.
pub fn escape_version(version: &str) -> Result<String, ModuleError> {
    let bad = |reason| ModuleError::Version {
        version: version.to_string(),
        reason,
    };
    if version.is_empty() || version == "." || version == ".." || version.contains('/') {
        return Err(bad("empty, `.`, `..` or a slash"));
    }
    escape(version).ok_or_else(|| bad("character not allowed"))
}

fn escape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '!' | '\\' | ':' => return None,
            c if !c.is_ascii() || c.is_ascii_control() || c == ' ' => return None,
            c if c.is_ascii_uppercase() => {
                out.push('!');
                out.push(c.to_ascii_lowercase());
            }
            c => out.push(c),
        }
    }
    Some(out)
}
