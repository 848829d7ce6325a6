//! The module-path and version rules that reading and editing a go.mod needs: canonical
//! versions, the `/vN` major-version suffix of a path, import-path syntax and directory-path
//! detection.
//!
//! They mirror golang.org/x/mod `semver` and `module` so that a go.mod accepted or rejected by the
//! go command is accepted or rejected here with the same message. Version parsing comes from
//! [`crate::formats::module`]; what is here is the go.mod side: go's messages (quoted as go quotes them)
//! and directory-path detection.

use crate::formats::module::{self, build, major};

/// `module.CanonicalVersion`: `v1.2` → `v1.2.0`, build metadata dropped except `+incompatible`.
pub(crate) fn canonical_version(v: &str) -> String {
    module::canonical_version(v)
}

/// `module.SplitPathVersion`'s suffix: the `/vN` (or gopkg.in `.vN`) of a module path, `""` when
/// the path has none; `None` when the last element looks like a malformed major-version suffix.
pub(crate) fn path_major(path: &str) -> Option<&str> {
    module::split_path_version(path).map(|(_, major)| major)
}

/// `module.CheckPathMajor`: the message of the invalid-version error when `v` does not match the
/// path's major-version suffix.
pub(crate) fn check_path_major(v: &str, path_major: &str) -> Result<(), String> {
    let mut path_major = path_major;
    if path_major.starts_with(".v") && path_major.ends_with("-unstable") {
        path_major = &path_major[..path_major.len() - "-unstable".len()];
    }
    if v.starts_with("v0.0.0-") && path_major == ".v1" {
        return Ok(());
    }
    let m = major(v);
    let want = if path_major.is_empty() {
        if m == "v0" || m == "v1" || build(v) == "+incompatible" {
            return Ok(());
        }
        "v0 or v1"
    } else if path_major.starts_with('/') || path_major.starts_with('.') {
        if m == &path_major[1..] {
            return Ok(());
        }
        &path_major[1..]
    } else {
        path_major
    };
    Err(format!(
        "version {} invalid: should be {want}, not {m}",
        crate::formats::goquote::go_quote(v)
    ))
}

/// `module.CheckImportPath`, returning the go command's message on failure.
pub(crate) fn check_import_path(path: &str) -> Result<(), String> {
    module::check_import_path(path).map_err(|e| {
        let reason = match e {
            module::ModuleError::InvalidPath { reason, .. } => reason,
            other => other.to_string(),
        };
        format!(
            "malformed import path {}: {reason}",
            crate::formats::goquote::go_quote(path)
        )
    })
}

/// `modfile.IsDirectoryPath`: rooted paths and paths starting with a `.` or `..` element, in Unix
/// or Windows syntax, name directories; anything else is a module path.
pub(crate) fn is_directory_path(ns: &str) -> bool {
    let b = ns.as_bytes();
    ns == "."
        || ns.starts_with("./")
        || ns.starts_with(".\\")
        || ns == ".."
        || ns.starts_with("../")
        || ns.starts_with("..\\")
        || ns.starts_with('/')
        || ns.starts_with('\\')
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn canonical_versions() {
        let cases = [
            ("v1", "v1.0.0"),
            ("v1.2", "v1.2.0"),
            ("v1.2.3", "v1.2.3"),
            ("v1.2.3+meta", "v1.2.3"),
            ("v1.2.3-pre.1", "v1.2.3-pre.1"),
            ("v2.0.0+incompatible", "v2.0.0+incompatible"),
            ("1.2.3", ""),
            ("v01.2.3", ""),
            ("v1.2.3-01", ""),
            ("v1.2.3-", ""),
            ("master", ""),
        ];
        for (v, want) in cases {
            assert_eq!(canonical_version(v), want, "{v}");
        }
    }

    #[test]
    fn path_majors() {
        let cases = [
            ("example.com/m", Some("")),
            ("example.com/m/v2", Some("/v2")),
            ("example.com/m/v1", None),
            ("example.com/m/v02", None),
            ("example.com/m/v2.1", None),
            ("gopkg.in/yaml.v3", Some(".v3")),
            ("gopkg.in/yaml.v0", Some(".v0")),
            ("gopkg.in/check.v1-unstable", Some(".v1-unstable")),
            ("gopkg.in/yaml", None),
        ];
        for (p, want) in cases {
            assert_eq!(path_major(p), want, "{p}");
        }
        assert!(check_path_major("v2.1.0", "/v2").is_ok());
        assert!(check_path_major("v2.0.0+incompatible", "").is_ok());
        assert!(check_path_major("v0.0.0-2019-abc", ".v1").is_ok());
        assert_eq!(
            check_path_major("v1.0.0", "/v2").unwrap_err(),
            r#"version "v1.0.0" invalid: should be v2, not v1"#
        );
        assert_eq!(
            check_path_major("v3.0.0", "").unwrap_err(),
            r#"version "v3.0.0" invalid: should be v0 or v1, not v3"#
        );
    }

    #[test]
    fn import_paths() {
        let cases = [
            ("example.com/a", Ok(())),
            ("example.com/a++", Ok(())),
            ("", Err(r#"malformed import path "": empty string"#)),
            (
                "a b",
                Err(r#"malformed import path "a b": invalid char ' '"#),
            ),
            ("a//b", Err(r#"malformed import path "a//b": double slash"#)),
            ("a/", Err(r#"malformed import path "a/": trailing slash"#)),
            ("-a", Err(r#"malformed import path "-a": leading dash"#)),
            (
                "a/../b",
                Err(r#"malformed import path "a/../b": invalid path element "..""#),
            ),
            (
                "a./b",
                Err(r#"malformed import path "a./b": trailing dot in path element"#),
            ),
            (
                "x/com1.go",
                Err(
                    r#"malformed import path "x/com1.go": "com1" disallowed as path element component on Windows"#,
                ),
            ),
            (
                "x/abc~12",
                Err(
                    r#"malformed import path "x/abc~12": trailing tilde and digits in path element"#,
                ),
            ),
        ];
        for (p, want) in cases {
            assert_eq!(check_import_path(p), want.map_err(String::from), "{p}");
        }
    }

    #[test]
    fn directory_paths() {
        for p in [
            ".", "./x", ".\\x", "..", "../x", "..\\x", "/abs", "\\x", "C:\\x", "c:x",
        ] {
            assert!(is_directory_path(p), "{p}");
        }
        for p in ["example.com/x", ".x", "...", "x/./y", ""] {
            assert!(!is_directory_path(p), "{p}");
        }
    }
}
