//! Go versions (`1.22`, `1.21rc1`, `go1.26.8`) compared as the go command's `gover` package
//! does: the one place gomodoff orders go versions.

use std::cmp::Ordering;

/// Compares go versions the way `cmd/go/internal/gover` does: `1.21` (the language) <
/// `1.21rc1` < `1.21.0` < `1.21.1`; invalid versions sort first. A `go` prefix
/// (`go1.26.8`, as `go env GOVERSION` prints it) is allowed.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    parse(a).cmp(&parse(b))
}

/// `(valid, major, minor, stage, number)` where stage orders language < alpha < beta < rc <
/// release and number is the pre-release number or the patch.
fn parse(version: &str) -> (bool, u64, u64, u8, u64) {
    let version = version.strip_prefix("go").unwrap_or(version);
    const INVALID: (bool, u64, u64, u8, u64) = (false, 0, 0, 0, 0);
    let number = |s: &str| -> Option<u64> {
        if s.is_empty()
            || !s.bytes().all(|b| b.is_ascii_digit())
            || (s.len() > 1 && s.starts_with('0'))
        {
            return None;
        }
        s.parse().ok()
    };
    let (major, rest) = match version.find('.') {
        Some(i) => (&version[..i], Some(&version[i + 1..])),
        None => (version, None),
    };
    let Some(major) = number(major) else {
        return INVALID;
    };
    let Some(rest) = rest else {
        return (true, major, 0, 0, 0);
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let Some(minor) = number(&rest[..digits]) else {
        return INVALID;
    };
    let tail = &rest[digits..];
    if tail.is_empty() {
        return (true, major, minor, 0, 0);
    }
    if let Some(patch) = tail.strip_prefix('.') {
        return match number(patch) {
            Some(patch) => (true, major, minor, 4, patch),
            None => INVALID,
        };
    }
    for (stage, name) in [(1, "alpha"), (2, "beta"), (3, "rc")] {
        if let Some(n) = tail.strip_prefix(name) {
            return match number(n) {
                Some(n) if n > 0 => (true, major, minor, stage, n),
                _ => INVALID,
            };
        }
    }
    INVALID
}

/// Whether `version` is at least `min` (an invalid `version` never is).
pub(crate) fn at_least(version: &str, min: &str) -> bool {
    compare(version, min) != Ordering::Less
}

/// Whether `version` is a go version `gover` accepts.
pub(crate) fn is_valid(version: &str) -> bool {
    parse(version).0
}

/// The version in `go env GOVERSION`'s answer: `go1.26.8 X:nocoverageredesign` → `1.26.8`;
/// `None` for a development build (`devel go1.27-…`), whose version cannot be ordered.
pub(crate) fn installed(goversion: &str) -> Option<&str> {
    let v = goversion.split_whitespace().next()?.strip_prefix("go")?;
    is_valid(v).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_version_order() {
        let ordered = [
            "x", "1.9", "1.16", "1.17", "1.21", "1.21rc1", "1.21rc2", "1.21.0", "1.21.3", "2",
        ];
        for (i, a) in ordered.iter().enumerate() {
            for (j, b) in ordered.iter().enumerate() {
                assert_eq!(compare(a, b), i.cmp(&j), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn at_least_and_installed() {
        assert!(at_least("1.17", "1.17"));
        assert!(at_least("1.22rc1", "1.22"));
        assert!(at_least("1.21.3", "1.17"));
        assert!(!at_least("1.16", "1.17"));
        assert!(at_least("2.0", "1.22"));
        assert!(!at_least("", "1.17"));
        assert_eq!(installed("go1.26.8 X:nocoverageredesign"), Some("1.26.8"));
        assert_eq!(installed("go1.26.8"), Some("1.26.8"));
        assert_eq!(installed("devel go1.27-abcdef Tue"), None);
    }
}
