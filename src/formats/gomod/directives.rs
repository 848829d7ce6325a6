//! What each go.mod directive means and when it is malformed: the checks of golang.org/x/mod
//! modfile `rule.go` (`parseToFile`, `add`, `parseReplace`, `parseVersionInterval`,
//! `parseString`), with the go command's messages, plus the quoting rules (`AutoQuote`,
//! `strconv.Quote`, `strconv.Unquote`) that decide how a token is read and written.
//!
//! Versions are checked as `modfile.Parse(…, nil)` checks them (the way `go mod edit` reads a
//! go.mod): require, exclude and replace versions must be valid semantic versions matching the
//! path's major version; retract versions are taken as written.

use super::modpath;
pub(crate) use crate::formats::goquote::{go_quote, go_quote_rune, is_print};

/// The meaning of one go.mod line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Sem {
    Module {
        path: String,
        deprecated: String,
    },
    Go {
        version: String,
    },
    Toolchain {
        name: String,
    },
    Godebug {
        key: String,
        value: String,
    },
    Require {
        path: String,
        version: String,
        indirect: bool,
    },
    Exclude {
        path: String,
        version: String,
    },
    Replace {
        old_path: String,
        old_version: String,
        new_path: String,
        new_version: String,
    },
    Retract {
        low: String,
        high: String,
        rationale: String,
    },
    Tool {
        path: String,
    },
    Ignore {
        path: String,
    },
}

/// Which singleton directives were already seen while reading a file.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    pub(crate) module: bool,
    pub(crate) go: bool,
    pub(crate) toolchain: bool,
}

/// Everything a directive check needs to know about its line besides the tokens.
pub(crate) struct LineContext<'a> {
    /// Strict (main module) or lax (dependency) reading.
    pub(crate) strict: bool,
    /// The suffix comment of the line, if any (for `// indirect`).
    pub(crate) suffix: Option<&'a str>,
    /// The comment text the go command attaches to the directive (retract rationales, module
    /// deprecations).
    pub(crate) rationale: &'a dyn Fn() -> String,
}

/// The verbs a `verb ( … )` block may have.
pub(crate) const BLOCK_VERBS: [&str; 8] = [
    "module", "godebug", "require", "exclude", "replace", "retract", "tool", "ignore",
];

/// Checks one directive: `Ok(None)` when lax reading ignores it, the go command's message when
/// it is malformed.
// Long on purpose: one flat `match` over the directive verbs, arm for arm as modfile's
// `parseToFile`/`add` switch, so each arm can be read against go's.
pub(crate) fn interpret(
    seen: &mut Seen,
    verb: &str,
    args: &[String],
    cx: &LineContext<'_>,
) -> Result<Option<Sem>, String> {
    if !cx.strict && !matches!(verb, "go" | "module" | "retract" | "require" | "ignore") {
        return Ok(None);
    }
    let sem = match verb {
        "go" => {
            if seen.go {
                return Err("repeated go statement".into());
            }
            let [arg] = args else {
                return Err("go directive expects exactly one argument".into());
            };
            let version = if is_go_version(arg) {
                arg.clone()
            } else {
                match lax_go_version(arg) {
                    Some(fixed) if !cx.strict => fixed.to_string(),
                    _ => {
                        return Err(format!(
                            "invalid go version '{arg}': must match format 1.23.0"
                        ));
                    }
                }
            };
            seen.go = true;
            Sem::Go { version }
        }
        "toolchain" => {
            if seen.toolchain {
                return Err("repeated toolchain statement".into());
            }
            let [arg] = args else {
                return Err("toolchain directive expects exactly one argument".into());
            };
            if !(arg == "default" || arg == "go1" || arg.starts_with("go1.")) {
                return Err(format!(
                    "invalid toolchain version '{arg}': must match format go1.23.0 or default"
                ));
            }
            seen.toolchain = true;
            Sem::Toolchain { name: arg.clone() }
        }
        "module" => {
            if seen.module {
                return Err("repeated module statement".into());
            }
            seen.module = true;
            let [arg] = args else {
                return Err("usage: module module/path".into());
            };
            Sem::Module {
                path: parse_string(arg).map_err(invalid_quoted)?,
                deprecated: deprecation(&(cx.rationale)()),
            }
        }
        "godebug" => {
            let usage = || "usage: godebug key=value".to_string();
            let [arg] = args else { return Err(usage()) };
            if arg.contains(['"', '`', '\'', ',']) {
                return Err(usage());
            }
            let (key, value) = arg.split_once('=').ok_or_else(usage)?;
            Sem::Godebug {
                key: key.into(),
                value: value.into(),
            }
        }
        "require" | "exclude" => {
            let [path, version] = args else {
                return Err(format!("usage: {verb} module/path v1.2.3"));
            };
            let path = parse_string(path).map_err(invalid_quoted)?;
            let version = parse_version(verb, &path, version)?;
            let major = modpath::path_major(&path).ok_or("invalid module path")?;
            modpath::check_path_major(&version, major)
                .map_err(|e| format!("{verb} {path}: {e}"))?;
            if verb == "require" {
                Sem::Require {
                    path,
                    version,
                    indirect: cx.suffix.is_some_and(is_indirect),
                }
            } else {
                Sem::Exclude { path, version }
            }
        }
        "replace" => parse_replace(args)?,
        "retract" => match parse_retract(args, cx.strict) {
            Ok((low, high)) => Sem::Retract {
                low,
                high,
                rationale: (cx.rationale)(),
            },
            Err(e) if cx.strict => return Err(e),
            Err(_) => return Ok(None),
        },
        "tool" | "ignore" => {
            let [arg] = args else {
                return Err(format!("{verb} directive expects exactly one argument"));
            };
            let path = parse_string(arg).map_err(invalid_quoted)?;
            if verb == "tool" {
                Sem::Tool { path }
            } else {
                Sem::Ignore { path }
            }
        }
        _ => return Err(format!("unknown directive: {verb}")),
    };
    Ok(Some(sem))
}

/// modfile's `parseDeprecation`: the paragraph of the module's comment that starts with
/// `Deprecated:`, without that prefix.
fn deprecation(comment: &str) -> String {
    const MARK: &str = "Deprecated:";
    let start = comment
        .match_indices(MARK)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || comment[..i].ends_with("\n\n"));
    let Some(start) = start else {
        return String::new();
    };
    let rest = comment[start + MARK.len()..].trim_start_matches(' ');
    rest.split("\n\n").next().unwrap_or(rest).to_string()
}

/// `modfile.MustQuote`: whether `s` must be quoted to be read back as one token.
pub(crate) fn must_quote(s: &str) -> bool {
    for c in s.chars() {
        match c {
            ' ' | '"' | '\'' | '`' => return true,
            '(' | ')' | '[' | ']' | '{' | '}' | ',' if s.len() > 1 => return true,
            _ if !is_print(c) => return true,
            _ => {}
        }
    }
    s.is_empty() || s.contains("//") || s.contains("/*")
}

/// `modfile.AutoQuote`: `s`, or its go quotation when it must be quoted.
pub(crate) fn auto_quote(s: &str) -> String {
    if must_quote(s) {
        go_quote(s)
    } else {
        s.to_string()
    }
}

/// Whether a `// indirect` comment marks the line (`// indirect` or `// indirect; …`).
pub(crate) fn is_indirect(comment: &str) -> bool {
    let text = comment.strip_prefix("//").unwrap_or(comment);
    let mut fields = text.split(char::is_whitespace).filter(|f| !f.is_empty());
    matches!(
        (fields.next(), fields.next()),
        (Some("indirect"), None) | (Some("indirect;"), Some(_))
    )
}

/// `strconv.Unquote` for a double-quoted token; `None` when it is not a valid go string literal
/// or its bytes are not UTF-8.
pub(crate) fn unquote(s: &str) -> Option<String> {
    let body = s.strip_prefix('"')?.strip_suffix('"')?;
    if body.contains('\n') {
        return None;
    }
    if !body.contains(['\\', '"']) {
        return Some(body.to_string());
    }
    let mut out: Vec<u8> = Vec::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            return None;
        }
        if c != '\\' {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let e = chars.next()?;
        let simple = match e {
            'a' => Some(7),
            'b' => Some(8),
            'f' => Some(12),
            'n' => Some(10),
            'r' => Some(13),
            't' => Some(9),
            'v' => Some(11),
            '\\' => Some(b'\\'),
            '"' => Some(b'"'),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            continue;
        }
        match e {
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut v: u32 = 0;
                for _ in 0..n {
                    v = v * 16 + chars.next()?.to_digit(16)?;
                }
                if e == 'x' {
                    out.push(u8::try_from(v).ok()?);
                } else {
                    let c = char::from_u32(v)?;
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
            '0'..='7' => {
                let mut v = e.to_digit(8)?;
                for _ in 0..2 {
                    v = v * 8 + chars.next()?.to_digit(8)?;
                }
                out.push(u8::try_from(v).ok()?);
            }
            _ => return None,
        }
    }
    String::from_utf8(out).ok()
}

/// `modfile.parseString`: the value of a path-like token.
pub(crate) fn parse_string(token: &str) -> Result<String, &'static str> {
    if token.starts_with('"') {
        unquote(token).ok_or("invalid syntax")
    } else if token.contains(['"', '\'', '`']) {
        Err("unquoted string cannot contain quote")
    } else {
        Ok(token.to_string())
    }
}

pub(crate) fn invalid_quoted(e: &str) -> String {
    format!("invalid quoted string: {e}")
}

/// `modfile.parseVersion` without a fixer: the canonical form of a version token.
fn parse_version(verb: &str, path: &str, token: &str) -> Result<String, String> {
    let prefix = if path.is_empty() {
        format!("{verb}: ")
    } else {
        format!("{verb} {path}: ")
    };
    let t = parse_string(token)
        .map_err(|e| format!("{prefix}version {} invalid: {e}", go_quote(token)))?;
    let cv = modpath::canonical_version(&t);
    if cv.is_empty() {
        return Err(format!(
            "{prefix}version {} invalid: must be of the form v1.2.3",
            go_quote(&t)
        ));
    }
    Ok(cv)
}

fn parse_replace(args: &[String]) -> Result<Sem, String> {
    let arrow = if args.len() >= 2 && args[1] == "=>" {
        1
    } else {
        2
    };
    if args.len() < arrow + 2 || args.len() > arrow + 3 || args[arrow] != "=>" {
        return Err("usage: replace module/path [v1.2.3] => other/module v1.4\n\t or replace module/path [v1.2.3] => ../local/directory".into());
    }
    let old_path = parse_string(&args[0]).map_err(invalid_quoted)?;
    let major =
        modpath::path_major(&old_path).ok_or(format!("replace {old_path}: invalid module path"))?;
    let mut old_version = String::new();
    if arrow == 2 {
        old_version = parse_version("replace", &old_path, &args[1])?;
        modpath::check_path_major(&old_version, major)
            .map_err(|e| format!("replace {old_path}: {e}"))?;
    }
    let new_path = parse_string(&args[arrow + 1]).map_err(invalid_quoted)?;
    let mut new_version = String::new();
    if args.len() == arrow + 2 {
        if !modpath::is_directory_path(&new_path) {
            return Err(if new_path.contains('@') {
                "replacement module must match format 'path version', not 'path@version'"
            } else {
                "replacement module without version must be directory path (rooted or starting with . or ..)"
            }
            .into());
        }
        if std::path::MAIN_SEPARATOR == '/' && new_path.contains('\\') {
            return Err(
                "replacement directory appears to be Windows path (on a non-windows system)".into(),
            );
        }
    } else {
        new_version = parse_version("replace", &new_path, &args[arrow + 2])?;
        if modpath::is_directory_path(&new_path) {
            return Err(format!(
                "replacement module directory path {} cannot have version",
                go_quote(&new_path)
            ));
        }
    }
    Ok(Sem::Replace {
        old_path,
        old_version,
        new_path,
        new_version,
    })
}

/// `modfile.parseVersionInterval` with retract versions taken as written.
fn parse_retract(args: &[String], strict: bool) -> Result<(String, String), String> {
    let version = |t: &String| {
        parse_string(t).map_err(|e| format!("retract: version {} invalid: {e}", go_quote(t)))
    };
    let (low, high, rest) = match args {
        [] => return Err("expected '[' or version".into()),
        [first, ..] if first == "(" => return Err("expected '[' or version".into()),
        [first, rest @ ..] if first != "[" => {
            let v = version(first)?;
            (v.clone(), v, rest)
        }
        [_, rest @ ..] => {
            let [low, rest @ ..] = rest else {
                return Err("expected version after '['".into());
            };
            let low = version(low)?;
            let [comma, rest @ ..] = rest else {
                return Err("expected ',' after version".into());
            };
            if comma != "," {
                return Err("expected ',' after version".into());
            }
            let [high, rest @ ..] = rest else {
                return Err("expected version after ','".into());
            };
            let high = version(high)?;
            match rest {
                [close, rest @ ..] if close == "]" => (low, high, rest),
                _ => return Err("expected ']' after version".into()),
            }
        }
    };
    if let [next, ..] = rest
        && strict
    {
        return Err(format!(
            "unexpected token after version: {}",
            go_quote(next)
        ));
    }
    Ok((low, high))
}

/// go's `GoVersionRE`: `1.21`, `1.21.3`, `1.21rc1`.
fn is_go_version(s: &str) -> bool {
    let Some((major, rest)) = split_number(s, false) else {
        return false;
    };
    let _ = major;
    let Some(rest) = rest.strip_prefix('.') else {
        return false;
    };
    let Some((_, mut rest)) = split_number(rest, true) else {
        return false;
    };
    if let Some(after_dot) = rest.strip_prefix('.') {
        let Some((_, r)) = split_number(after_dot, true) else {
            return false;
        };
        rest = r;
    }
    if rest.is_empty() {
        return true;
    }
    let letters = rest.bytes().take_while(u8::is_ascii_lowercase).count();
    let digits = rest[letters..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    letters > 0 && digits > 0 && letters + digits == rest.len()
}

/// go's `laxGoVersionRE`: the `1.N` prefix of versions like `v1.21.3.4` or `1.18beta`.
fn lax_go_version(s: &str) -> Option<&str> {
    let body = s.strip_prefix('v').unwrap_or(s);
    let (_, rest) = split_number(body, false)?;
    let (_, rest) = split_number(rest.strip_prefix('.')?, true)?;
    let mut tail = rest.chars();
    let first = tail.next()?;
    if first.is_ascii_digit() || tail.as_str().contains('\n') {
        return None;
    }
    Some(&body[..body.len() - rest.len()])
}

/// A decimal number without leading zeros (`zero_ok`: the number `0` itself is allowed).
fn split_number(s: &str, zero_ok: bool) -> Option<(&str, &str)> {
    if s.starts_with('0') {
        return zero_ok.then(|| s.split_at(1));
    }
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    (n > 0).then(|| s.split_at(n))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    fn check(verb: &str, args: &[&str], strict: bool) -> Result<Option<Sem>, String> {
        let rationale = || "why".to_string();
        let cx = LineContext {
            strict,
            suffix: Some("// indirect"),
            rationale: &rationale,
        };
        interpret(&mut Seen::default(), verb, &strings(args), &cx)
    }

    #[test]
    fn directive_errors() {
        let cases: &[(&str, &[&str], &str)] = &[
            ("requre", &["x", "v1.0.0"], "unknown directive: requre"),
            ("require", &["a.com/a"], "usage: require module/path v1.2.3"),
            ("exclude", &["a.com/a"], "usage: exclude module/path v1.2.3"),
            (
                "require",
                &["a.com/a", "master"],
                r#"require a.com/a: version "master" invalid: must be of the form v1.2.3"#,
            ),
            (
                "require",
                &["a.com/a", "'v1'"],
                r#"require a.com/a: version "'v1'" invalid: unquoted string cannot contain quote"#,
            ),
            (
                "require",
                &["a.com/a/v2", "v1.0.0"],
                r#"require a.com/a/v2: version "v1.0.0" invalid: should be v2, not v1"#,
            ),
            ("require", &["a.com/a/v1", "v1.0.0"], "invalid module path"),
            (
                "require",
                &["\"a\\q\"", "v1.0.0"],
                "invalid quoted string: invalid syntax",
            ),
            ("module", &[], "usage: module module/path"),
            (
                "module",
                &["`m`"],
                "invalid quoted string: unquoted string cannot contain quote",
            ),
            (
                "go",
                &["1.2.3.4"],
                "invalid go version '1.2.3.4': must match format 1.23.0",
            ),
            (
                "go",
                &["1", "2"],
                "go directive expects exactly one argument",
            ),
            (
                "toolchain",
                &["1.21"],
                "invalid toolchain version '1.21': must match format go1.23.0 or default",
            ),
            ("godebug", &["x"], "usage: godebug key=value"),
            ("godebug", &["x=\"y\""], "usage: godebug key=value"),
            ("tool", &[], "tool directive expects exactly one argument"),
            (
                "ignore",
                &["a", "b"],
                "ignore directive expects exactly one argument",
            ),
            (
                "replace",
                &["a.com/a", "=>"],
                "usage: replace module/path [v1.2.3] => other/module v1.4\n\t or replace module/path [v1.2.3] => ../local/directory",
            ),
            (
                "replace",
                &["a.com/a", "=>", "b.com/b"],
                "replacement module without version must be directory path (rooted or starting with . or ..)",
            ),
            (
                "replace",
                &["a.com/a", "=>", "b.com/b@v1.0.0"],
                "replacement module must match format 'path version', not 'path@version'",
            ),
            (
                "replace",
                &["a.com/a", "=>", "./b", "v1.0.0"],
                r#"replacement module directory path "./b" cannot have version"#,
            ),
            (
                "replace",
                &["a.com/a", "=>", ".\\b"],
                "replacement directory appears to be Windows path (on a non-windows system)",
            ),
            (
                "replace",
                &["a.com/a", "vx", "=>", "./b"],
                r#"replace a.com/a: version "vx" invalid: must be of the form v1.2.3"#,
            ),
            (
                "replace",
                &["a.com/a/v1", "=>", "./b"],
                "replace a.com/a/v1: invalid module path",
            ),
            ("retract", &[], "expected '[' or version"),
            ("retract", &["[", "v1.0.0"], "expected ',' after version"),
            (
                "retract",
                &["[", "v1.0.0", ",", "v1.1.0"],
                "expected ']' after version",
            ),
            (
                "retract",
                &["v1.0.0", "x"],
                r#"unexpected token after version: "x""#,
            ),
            (
                "retract",
                &["'v1'"],
                r#"retract: version "'v1'" invalid: unquoted string cannot contain quote"#,
            ),
        ];
        for (verb, args, want) in cases {
            assert_eq!(
                check(verb, args, true),
                Err(want.to_string()),
                "{verb} {args:?}"
            );
        }
    }

    #[test]
    fn directive_values() {
        let cases: &[(&str, &[&str], Sem)] = &[
            (
                "go",
                &["1.21rc1"],
                Sem::Go {
                    version: "1.21rc1".into(),
                },
            ),
            (
                "toolchain",
                &["go1.22.1"],
                Sem::Toolchain {
                    name: "go1.22.1".into(),
                },
            ),
            (
                "module",
                &["\"a b\""],
                Sem::Module {
                    path: "a b".into(),
                    deprecated: String::new(),
                },
            ),
            (
                "godebug",
                &["a=b=c"],
                Sem::Godebug {
                    key: "a".into(),
                    value: "b=c".into(),
                },
            ),
            (
                "require",
                &["a.com/a", "v1.2"],
                Sem::Require {
                    path: "a.com/a".into(),
                    version: "v1.2.0".into(),
                    indirect: true,
                },
            ),
            (
                "require",
                &["a.com/a", "v2.0.0+incompatible"],
                Sem::Require {
                    path: "a.com/a".into(),
                    version: "v2.0.0+incompatible".into(),
                    indirect: true,
                },
            ),
            (
                "replace",
                &["a.com/a", "v1.0.0", "=>", "../b"],
                Sem::Replace {
                    old_path: "a.com/a".into(),
                    old_version: "v1.0.0".into(),
                    new_path: "../b".into(),
                    new_version: String::new(),
                },
            ),
            (
                "replace",
                &["a.com/a", "=>", "b.com/b", "v1.1.0"],
                Sem::Replace {
                    old_path: "a.com/a".into(),
                    old_version: String::new(),
                    new_path: "b.com/b".into(),
                    new_version: "v1.1.0".into(),
                },
            ),
            (
                "retract",
                &["[", "v1.0.0", ",", "v1.1.0", "]"],
                Sem::Retract {
                    low: "v1.0.0".into(),
                    high: "v1.1.0".into(),
                    rationale: "why".into(),
                },
            ),
            (
                "retract",
                &["v0.1.0"],
                Sem::Retract {
                    low: "v0.1.0".into(),
                    high: "v0.1.0".into(),
                    rationale: "why".into(),
                },
            ),
            (
                "tool",
                &["a.com/cmd/x"],
                Sem::Tool {
                    path: "a.com/cmd/x".into(),
                },
            ),
            (
                "ignore",
                &["./node_modules"],
                Sem::Ignore {
                    path: "./node_modules".into(),
                },
            ),
        ];
        for (verb, args, want) in cases {
            assert_eq!(
                check(verb, args, true),
                Ok(Some(want.clone())),
                "{verb} {args:?}"
            );
        }
    }

    #[test]
    fn lax_reading() {
        assert_eq!(check("toolchain", &["bad"], false), Ok(None));
        assert_eq!(check("replace", &["bad"], false), Ok(None));
        assert_eq!(check("frobnicate", &[], false), Ok(None));
        assert_eq!(
            check("retract", &["v1.0.0", "extra"], false).map(|s| s.is_some()),
            Ok(true)
        );
        assert_eq!(check("retract", &[], false), Ok(None));
        assert_eq!(
            check("go", &["1.21.3.4"], false),
            Ok(Some(Sem::Go {
                version: "1.21".into()
            }))
        );
        assert_eq!(
            check("go", &["v1.18beta"], false),
            Ok(Some(Sem::Go {
                version: "1.18".into()
            }))
        );
        assert!(check("go", &["1.02"], false).is_err());
        assert!(check("require", &["a.com/a", "master"], false).is_err());
    }

    #[test]
    fn deprecations() {
        let cases = [
            ("", ""),
            ("Deprecated: use v2", "use v2"),
            ("Deprecated:use v2", "use v2"),
            (
                "intro\n\nDeprecated:   use v2\nsoon\n\nmore",
                "use v2\nsoon",
            ),
            ("intro\nDeprecated: not a paragraph", ""),
            ("deprecated: lower case", ""),
        ];
        for (comment, want) in cases {
            assert_eq!(deprecation(comment), want, "{comment:?}");
        }
    }

    #[test]
    fn go_versions() {
        for v in ["1.21", "1.21.0", "1.0", "1.21rc1", "10.100.1beta22"] {
            assert!(is_go_version(v), "{v}");
        }
        for v in [
            "1", "01.2", "1.02", "1.2.03", "1.21rc", "1.21RC1", "1.2.3.4", "v1.2", "",
        ] {
            assert!(!is_go_version(v), "{v}");
        }
    }

    #[test]
    fn quoting() {
        let cases = [
            ("example.com/a", "example.com/a"),
            ("", r#""""#),
            ("a b", r#""a b""#),
            ("(", "("),
            ("(x", r#""(x""#),
            ("a//b", r#""a//b""#),
            ("a/*b", r#""a/*b""#),
            ("it's", r#""it's""#),
            ("tab\there", r#""tab\there""#),
            ("nul\u{0}", r#""nul\x00""#),
            ("zw\u{200b}", r#""zw\u200b""#),
            ("é", "é"),
        ];
        for (s, want) in cases {
            assert_eq!(auto_quote(s), want, "{s:?}");
            if want.starts_with('"') {
                assert_eq!(unquote(want).as_deref(), Some(s), "{want}");
            }
        }
        assert_eq!(go_quote_rune('\''), r"'\''");
        assert_eq!(go_quote_rune('\u{1f600}'), "'😀'");
        assert_eq!(go_quote_rune('\u{e0001}'), r"'\U000e0001'");
    }

    #[test]
    fn unquoting() {
        let cases = [
            (r#""plain""#, Some("plain")),
            (
                r#""\a\b\f\n\r\t\v\\\"""#,
                Some("\u{7}\u{8}\u{c}\n\r\t\u{b}\\\""),
            ),
            (r#""\x41\101\u00e9\U0001F600""#, Some("AAé😀")),
            (r#""\'""#, None),
            (r#""\q""#, None),
            (r#""\400""#, None),
            (r#""\ud800""#, None),
            (r#""\xff""#, None),
            ("\"a\\\nb\"", None),
            (r#""x"#, None),
        ];
        for (s, want) in cases {
            assert_eq!(unquote(s).as_deref(), want, "{s}");
        }
    }

    #[test]
    fn indirect_comments() {
        for (c, want) in [
            ("// indirect", true),
            ("//indirect", true),
            ("//  indirect  ", true),
            ("// indirect; for tests", true),
            ("// indirect;", false),
            ("// indirectly", false),
            ("// not indirect", false),
            ("//", false),
        ] {
            assert_eq!(is_indirect(c), want, "{c}");
        }
    }
}
