//! Module paths and versions: the rules of `golang.org/x/mod/module` and `golang.org/x/mod/semver`.
//!
//! Everything gomodoff reads names modules (go.mod, go.sum, zips, cache directories), and every one
//! of those names is untrusted until checked here: module, import and file path validity, the
//! `!`-escaping used for cache and proxy paths, semantic-version order (with `+incompatible` and
//! pseudo-versions), and whether a path's major-version suffix fits a version. The go command is
//! the reference; the behaviour (not the code) follows its sources.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

use crate::formats::goquote::{go_quote, go_quote_rune};

/// A module path and version pair, both unescaped (`golang.org/x/text`, `v0.3.7`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleVersion {
    pub path: String,
    pub version: String,
}

/// Which kind of path a check applied to; each allows a different character set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PathKind {
    Module,
    Import,
    File,
}

/// Why a module path, version, or escaped form was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModuleError {
    #[error("malformed {kind} path `{}`: {reason}", shown(path))]
    InvalidPath {
        kind: PathKind,
        path: String,
        reason: String,
    },
    #[error("invalid version `{}`: {reason}", shown(version))]
    InvalidVersion { version: String, reason: String },
    #[error("`{}@{}`: invalid version: {reason}", shown(path), shown(version))]
    PathVersionMismatch {
        path: String,
        version: String,
        reason: String,
    },
    #[error("invalid escaped module path `{}`: {reason}", shown(escaped))]
    InvalidEscapedPath { escaped: String, reason: String },
    #[error("invalid escaped version `{}`: {reason}", shown(escaped))]
    InvalidEscapedVersion { escaped: String, reason: String },
    #[error("`{}` is not of the form path@version", shown(text))]
    NotPathAtVersion { text: String },
}

impl ModuleVersion {
    /// A checked pair: `path` is a valid module path, `version` a valid semantic version, and the
    /// path's major-version suffix fits the version (`module.Check`).
    pub fn new(path: impl Into<String>, version: impl Into<String>) -> Result<Self, ModuleError> {
        let module_version = ModuleVersion {
            path: path.into(),
            version: version.into(),
        };
        module_version.check()?;
        Ok(module_version)
    }

    /// `module.Check`: the path is valid, the version is semver, and they correspond.
    pub fn check(&self) -> Result<(), ModuleError> {
        check_path(&self.path)?;
        if !is_valid_version(&self.version) {
            return Err(ModuleError::InvalidVersion {
                version: self.version.clone(),
                reason: "not a semantic version".to_owned(),
            });
        }
        if let Err(reason) = check_path_major_reason(&self.path, &self.version) {
            return Err(ModuleError::PathVersionMismatch {
                path: self.path.clone(),
                version: self.version.clone(),
                reason,
            });
        }
        Ok(())
    }

    /// The escaped `path/@v/version` pieces used in the module cache and the GOPROXY protocol.
    pub fn escaped(&self) -> Result<(String, String), ModuleError> {
        Ok((escape_path(&self.path)?, escape_version(&self.version)?))
    }

    /// The prefix every entry of this module's zip carries: `path@version/`.
    pub fn zip_prefix(&self) -> String {
        format!("{}@{}/", self.path, self.version)
    }
}

impl fmt::Display for ModuleVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.path, self.version)
    }
}

impl FromStr for ModuleVersion {
    type Err = ModuleError;

    /// Parses `path@version`, checking both halves and that they correspond.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let Some((path, version)) = text.split_once('@') else {
            return Err(ModuleError::NotPathAtVersion {
                text: text.to_owned(),
            });
        };
        ModuleVersion::new(path, version)
    }
}

impl fmt::Display for PathKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PathKind::Module => "module",
            PathKind::Import => "import",
            PathKind::File => "file",
        })
    }
}

/// `module.EscapePath`: checks the path, then writes each uppercase ASCII letter as `!` + lowercase.
pub fn escape_path(path: &str) -> Result<String, ModuleError> {
    check_path(path)?;
    Ok(escape_string(path))
}

/// `module.UnescapePath`: the inverse of [`escape_path`]; the result must be a valid module path.
pub fn unescape_path(escaped: &str) -> Result<String, ModuleError> {
    let path = unescape_string(escaped).map_err(|reason| ModuleError::InvalidEscapedPath {
        escaped: escaped.to_owned(),
        reason: reason.to_owned(),
    })?;
    check_path(&path).map_err(|err| ModuleError::InvalidEscapedPath {
        escaped: escaped.to_owned(),
        reason: err.to_string(),
    })?;
    Ok(path)
}

/// `module.EscapeVersion`: versions need not be semver but must be a valid file name element
/// without `!`.
pub fn escape_version(version: &str) -> Result<String, ModuleError> {
    if check_elem(version, PathKind::File).is_err() || version.contains('!') {
        return Err(ModuleError::InvalidVersion {
            version: version.to_owned(),
            reason: "disallowed version string".to_owned(),
        });
    }
    Ok(escape_string(version))
}

/// `module.UnescapeVersion`: the inverse of [`escape_version`].
pub fn unescape_version(escaped: &str) -> Result<String, ModuleError> {
    let version =
        unescape_string(escaped).map_err(|reason| ModuleError::InvalidEscapedVersion {
            escaped: escaped.to_owned(),
            reason: reason.to_owned(),
        })?;
    check_elem(&version, PathKind::File).map_err(|reason| ModuleError::InvalidEscapedVersion {
        escaped: escaped.to_owned(),
        reason,
    })?;
    Ok(version)
}

/// `module.CheckPath`: a valid import path whose first element is a lowercase domain name with a
/// dot, no element starting with a dot, and a well-formed major-version suffix.
pub fn check_path(path: &str) -> Result<(), ModuleError> {
    check_path_reason(path).map_err(|reason| ModuleError::InvalidPath {
        kind: PathKind::Module,
        path: path.to_owned(),
        reason,
    })
}

/// `module.CheckImportPath`: slash-separated elements of ASCII letters, digits and `-._~+`.
pub fn check_import_path(path: &str) -> Result<(), ModuleError> {
    check_general_path(path, PathKind::Import).map_err(|reason| ModuleError::InvalidPath {
        kind: PathKind::Import,
        path: path.to_owned(),
        reason,
    })
}

/// `module.CheckFilePath`: like an import path but also Unicode letters, spaces and
/// `!#$%&()+,-.=@[]^_{}~`; no element may be a Windows reserved name (`con`, `NUL.txt`, …).
pub fn check_file_path(path: &str) -> Result<(), ModuleError> {
    check_general_path(path, PathKind::File).map_err(|reason| ModuleError::InvalidPath {
        kind: PathKind::File,
        path: path.to_owned(),
        reason,
    })
}

/// `semver.Compare`: precedence order; invalid versions sort below every valid one and equal to
/// each other; build metadata (including `+incompatible`) is ignored.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    match (parse_semver(a), parse_semver(b)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => compare_int(x.major, y.major)
            .then_with(|| compare_int(x.minor, y.minor))
            .then_with(|| compare_int(x.patch, y.patch))
            .then_with(|| compare_prerelease(x.prerelease, y.prerelease)),
    }
}

/// `semver.IsValid`: `vMAJOR[.MINOR[.PATCH[-PRERELEASE][+BUILD]]]`.
pub fn is_valid_version(version: &str) -> bool {
    parse_semver(version).is_some()
}

/// `module.IsPseudoVersion`: `vX.0.0-yyyymmddhhmmss-abcdef123456`,
/// `vX.Y.Z-pre.0.yyyymmddhhmmss-…` or `vX.Y.(Z+1)-0.yyyymmddhhmmss-…`, optionally `+build`.
pub fn is_pseudo_version(version: &str) -> bool {
    version.matches('-').count() >= 2 && is_valid_version(version) && pseudo_shape(version)
}

/// `module.CheckPathMajor` applied to the path's own suffix: `/vN` needs `vN.*`, no suffix needs
/// v0/v1 or `+incompatible`, `gopkg.in/x.vN` needs `vN.*` (and accepts old `v0.0.0-` pseudo-versions
/// for `.v1`). A path whose suffix is itself malformed (`/v1`, `/v02`) fits no version.
pub fn major_suffix_ok(path: &str, version: &str) -> bool {
    check_path_major_reason(path, version).is_ok()
}

/// Whether an import path belongs to the standard library: no dot in its first element
/// (`fmt`, `net/http`, `cmd/go`), as the go command decides.
pub fn is_std_lib_path(import: &str) -> bool {
    let first = import.split('/').next().unwrap_or_default();
    !first.contains('.')
}

/// `module.CanonicalVersion`: fills in missing `.MINOR`/`.PATCH`, drops build metadata except
/// `+incompatible`. Empty for an invalid version.
pub fn canonical_version(version: &str) -> String {
    let Some(parsed) = parse_semver(version) else {
        return String::new();
    };
    let mut canonical = if !parsed.build.is_empty() {
        version[..version.len() - parsed.build.len()].to_owned()
    } else {
        format!("{version}{}", parsed.short)
    };
    if parsed.build == "+incompatible" {
        canonical.push_str("+incompatible");
    }
    canonical
}

/// `semver.Major`: `v2` for `v2.1.0`; empty for an invalid version.
pub fn major(version: &str) -> &str {
    match parse_semver(version) {
        Some(parsed) => &version[..1 + parsed.major.len()],
        None => "",
    }
}

/// `semver.Prerelease`: `-pre` for `v1.0.0-pre+meta`; empty when absent or invalid.
pub fn prerelease(version: &str) -> &str {
    parse_semver(version).map_or("", |parsed| parsed.prerelease)
}

/// `semver.Build`: `+meta` for `v1.0.0-pre+meta`; empty when absent or invalid.
pub fn build(version: &str) -> &str {
    parse_semver(version).map_or("", |parsed| parsed.build)
}

/// `module.SplitPathVersion`: `(prefix, major suffix)` with `prefix + suffix == path`; the suffix
/// is `""`, `/vN` (N ≥ 2) or, for gopkg.in, `.vN`. `None` when the final element is a malformed
/// version suffix.
pub fn split_path_version(path: &str) -> Option<(&str, &str)> {
    if path.starts_with("gopkg.in/") {
        return split_gopkg_in(path);
    }
    let bytes = path.as_bytes();
    let mut i = bytes.len();
    let mut dot = false;
    while i > 0 && (bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b'.') {
        dot |= bytes[i - 1] == b'.';
        i -= 1;
    }
    if i <= 1 || i == bytes.len() || bytes[i - 1] != b'v' || bytes[i - 2] != b'/' {
        return Some((path, ""));
    }
    let (prefix, suffix) = path.split_at(i - 2);
    if dot || suffix.len() <= 2 || suffix.as_bytes()[2] == b'0' || suffix == "/v1" {
        return None;
    }
    Some((prefix, suffix))
}

/// Renders a name for an error message: control characters (NUL, newline, …) escaped so the
/// message stays on one line and shows what was really there.
pub(crate) fn shown(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Reserved file names on Windows, compared case-insensitively with the part before the first dot.
const BAD_WINDOWS_NAMES: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

fn check_path_reason(path: &str) -> Result<(), String> {
    check_general_path(path, PathKind::Module)?;
    let first = path.split('/').next().unwrap_or_default();
    if first.is_empty() {
        return Err("leading slash".to_owned());
    }
    if !first.contains('.') {
        return Err("missing dot in first path element".to_owned());
    }
    if path.starts_with('-') {
        return Err("leading dash in first path element".to_owned());
    }
    if let Some(c) = first
        .chars()
        .find(|&c| !(c == '-' || c == '.' || c.is_ascii_digit() || c.is_ascii_lowercase()))
    {
        return Err(format!("invalid char {c:?} in first path element"));
    }
    if split_path_version(path).is_none() {
        return Err("invalid version".to_owned());
    }
    Ok(())
}

fn check_general_path(path: &str, kind: PathKind) -> Result<(), String> {
    if path.is_empty() {
        return Err("empty string".to_owned());
    }
    if path.starts_with('-') && kind != PathKind::File {
        return Err("leading dash".to_owned());
    }
    if path.contains("//") {
        return Err("double slash".to_owned());
    }
    if path.ends_with('/') {
        return Err("trailing slash".to_owned());
    }
    path.split('/').try_for_each(|elem| check_elem(elem, kind))
}

fn check_elem(elem: &str, kind: PathKind) -> Result<(), String> {
    if elem.is_empty() {
        return Err("empty path element".to_owned());
    }
    if elem.bytes().all(|b| b == b'.') {
        return Err(format!("invalid path element {}", go_quote(elem)));
    }
    if elem.starts_with('.') && kind == PathKind::Module {
        return Err("leading dot in path element".to_owned());
    }
    if elem.ends_with('.') {
        return Err("trailing dot in path element".to_owned());
    }
    let allowed = match kind {
        PathKind::Module => module_char_ok,
        PathKind::Import => import_char_ok,
        PathKind::File => file_char_ok,
    };
    if let Some(c) = elem.chars().find(|&c| !allowed(c)) {
        return Err(format!("invalid char {}", go_quote_rune(c)));
    }
    let short = elem.split('.').next().unwrap_or_default();
    if BAD_WINDOWS_NAMES
        .iter()
        .any(|bad| bad.eq_ignore_ascii_case(short))
    {
        return Err(format!(
            "{} disallowed as path element component on Windows",
            go_quote(short)
        ));
    }
    if kind != PathKind::File
        && let Some(tilde) = short.rfind('~')
    {
        let digits = &short[tilde + 1..];
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err("trailing tilde and digits in path element".to_owned());
        }
    }
    Ok(())
}

fn module_char_ok(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

fn import_char_ok(c: char) -> bool {
    module_char_ok(c) || c == '+'
}

fn file_char_ok(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || "!#$%&()+,-.=@[]^_{}~ ".contains(c)
    } else {
        // Go's unicode.IsLetter: general category L (Lu, Ll, Lt, Lm, Lo).
        c.general_category_group() == GeneralCategoryGroup::Letter
    }
}

fn escape_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn unescape_string(escaped: &str) -> Result<String, &'static str> {
    let mut out = String::with_capacity(escaped.len());
    let mut bang = false;
    for c in escaped.chars() {
        if !c.is_ascii() {
            return Err("non-ASCII character");
        }
        if bang {
            bang = false;
            if !c.is_ascii_lowercase() {
                return Err("`!` not followed by a lowercase letter");
            }
            out.push(c.to_ascii_uppercase());
        } else if c == '!' {
            bang = true;
        } else if c.is_ascii_uppercase() {
            return Err("uppercase letter not escaped");
        } else {
            out.push(c);
        }
    }
    if bang {
        return Err("trailing `!`");
    }
    Ok(out)
}

fn split_gopkg_in(path: &str) -> Option<(&str, &str)> {
    let bytes = path.as_bytes();
    let mut i = path.strip_suffix("-unstable").unwrap_or(path).len();
    while i > 0 && bytes[i - 1].is_ascii_digit() {
        i -= 1;
    }
    if i <= 1 || bytes[i - 1] != b'v' || bytes[i - 2] != b'.' {
        return None;
    }
    let (prefix, suffix) = path.split_at(i - 2);
    if suffix.len() <= 2 || (suffix.as_bytes()[2] == b'0' && suffix != ".v0") {
        return None;
    }
    Some((prefix, suffix))
}

/// `module.CheckPathMajor` of `version` against the suffix of `path`, with go's reason text.
fn check_path_major_reason(path: &str, version: &str) -> Result<(), String> {
    let Some((_, path_major)) = split_path_version(path) else {
        return Err(format!("malformed major version suffix in `{path}`"));
    };
    let mut path_major = path_major;
    if path_major.starts_with(".v") {
        path_major = path_major.strip_suffix("-unstable").unwrap_or(path_major);
    }
    if version.starts_with("v0.0.0-") && path_major == ".v1" {
        // Old go versions generated v0.0.0- pseudo-versions for gopkg.in .v1 paths.
        return Ok(());
    }
    let version_major = major(version);
    let wanted = if path_major.is_empty() {
        if version_major == "v0" || version_major == "v1" || build(version) == "+incompatible" {
            return Ok(());
        }
        "v0 or v1"
    } else {
        let wanted = &path_major[1..];
        if version_major == wanted {
            return Ok(());
        }
        wanted
    };
    Err(format!("should be {wanted}, not {version_major}"))
}

/// A parsed semantic version; every field borrows from the input.
struct Semver<'a> {
    major: &'a str,
    minor: &'a str,
    patch: &'a str,
    /// What canonical form appends when minor or patch were omitted (`.0.0`, `.0`).
    short: &'static str,
    prerelease: &'a str,
    build: &'a str,
}

fn parse_semver(v: &str) -> Option<Semver<'_>> {
    let rest = v.strip_prefix('v')?;
    let (major, rest) = parse_int(rest)?;
    if rest.is_empty() {
        return Some(Semver {
            major,
            minor: "0",
            patch: "0",
            short: ".0.0",
            prerelease: "",
            build: "",
        });
    }
    let (minor, rest) = parse_int(rest.strip_prefix('.')?)?;
    if rest.is_empty() {
        return Some(Semver {
            major,
            minor,
            patch: "0",
            short: ".0",
            prerelease: "",
            build: "",
        });
    }
    let (patch, mut rest) = parse_int(rest.strip_prefix('.')?)?;
    let mut prerelease = "";
    if rest.starts_with('-') {
        let end = rest.find('+').unwrap_or(rest.len());
        prerelease = &rest[..end];
        if !idents_ok(&prerelease[1..], true) {
            return None;
        }
        rest = &rest[end..];
    }
    let mut build = "";
    if rest.starts_with('+') {
        build = rest;
        if !idents_ok(&build[1..], false) {
            return None;
        }
        rest = "";
    }
    if !rest.is_empty() {
        return None;
    }
    Some(Semver {
        major,
        minor,
        patch,
        short: "",
        prerelease,
        build,
    })
}

/// Decimal digits without a leading zero (except `0` itself).
fn parse_int(s: &str) -> Option<(&str, &str)> {
    let end = s.bytes().take_while(u8::is_ascii_digit).count();
    if end == 0 || (s.as_bytes()[0] == b'0' && end != 1) {
        return None;
    }
    Some(s.split_at(end))
}

/// Dot-separated non-empty identifiers of `[0-9A-Za-z-]`; in a prerelease, numeric identifiers
/// must not have leading zeros.
fn idents_ok(s: &str, prerelease: bool) -> bool {
    s.split('.').all(|ident| {
        !ident.is_empty()
            && ident
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !(prerelease && is_bad_num(ident))
    })
}

fn is_bad_num(ident: &str) -> bool {
    ident.len() > 1 && ident.starts_with('0') && ident.bytes().all(|b| b.is_ascii_digit())
}

fn is_num(ident: &str) -> bool {
    ident.bytes().all(|b| b.is_ascii_digit())
}

fn compare_int(x: &str, y: &str) -> Ordering {
    x.len().cmp(&y.len()).then_with(|| x.cmp(y))
}

fn compare_prerelease(x: &str, y: &str) -> Ordering {
    if x == y {
        return Ordering::Equal;
    }
    if x.is_empty() {
        return Ordering::Greater;
    }
    if y.is_empty() {
        return Ordering::Less;
    }
    let mut xs = x[1..].split('.');
    let mut ys = y[1..].split('.');
    loop {
        match (xs.next(), ys.next()) {
            (Some(dx), Some(dy)) => {
                if dx == dy {
                    continue;
                }
                return match (is_num(dx), is_num(dy)) {
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (true, true) => compare_int(dx, dy),
                    (false, false) => dx.cmp(dy),
                };
            }
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (None, None) => return Ordering::Equal,
        }
    }
}

/// The pseudo-version regular expression of x/mod, by hand:
/// `^v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`
fn pseudo_shape(v: &str) -> bool {
    let Some(rest) = v.strip_prefix('v') else {
        return false;
    };
    let major_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    if major_len == 0 {
        return false;
    }
    let Some(rest) = rest[major_len..].strip_prefix('.') else {
        return false;
    };
    // Split off the build suffix, then the revision; what is left ends with the timestamp.
    let (body, build) = match rest.find('+') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if !build.is_empty() && !idents_ok(&build[1..], false) {
        return false;
    }
    let Some((before_rev, rev)) = body.rsplit_once('-') else {
        return false;
    };
    if rev.is_empty() || !rev.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    if before_rev.len() < 14 {
        return false;
    }
    let (head, timestamp) = before_rev.split_at(before_rev.len() - 14);
    if !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    // head is `0.0-` or `\d+.\d+-` followed by an optional `[^+]*.` and then `0.`.
    if head == "0.0-" {
        return true;
    }
    let Some(after_patch) = minor_patch_dash(head) else {
        return false;
    };
    after_patch == "0." || (after_patch.ends_with(".0.") && !after_patch.contains('+'))
}

/// Strips `\d+\.\d+-` from the front of `s`.
fn minor_patch_dash(s: &str) -> Option<&str> {
    let minor_len = s.bytes().take_while(u8::is_ascii_digit).count();
    let rest = s[minor_len..].strip_prefix('.').filter(|_| minor_len > 0)?;
    let patch_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    rest[patch_len..]
        .strip_prefix('-')
        .filter(|_| patch_len > 0)
}

#[cfg(test)]
mod tests;
