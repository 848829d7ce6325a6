//! `//go:embed` comments: a lexer that knows Go's comments, strings and rune literals finds them,
//! and the directive's arguments are split the way `go/build` splits them.

use super::constraints::find;
use super::literals::unquote;

// ---------------------------------------------------------------------------------------------
// `//go:embed` comments.

/// Patterns of every well-formed `//go:embed` line comment in the file, found with a lexer that
/// knows Go's comments, strings and rune literals, like the `go/scanner` pass in `go/build`.
pub(super) fn embed_patterns_in(src: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < src.len() {
        match src[i] {
            b'/' if src.get(i + 1) == Some(&b'/') => {
                let end = src[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(src.len(), |n| i + n);
                let text: Vec<u8> = src[i..end]
                    .iter()
                    .copied()
                    .filter(|&b| b != b'\r')
                    .collect();
                if text.starts_with(b"//go:embed")
                    && let Ok(text) = std::str::from_utf8(&text)
                    && let Some(args) = parse_embed_directive(text)
                {
                    out.extend(args);
                }
                i = end;
            }
            b'/' if src.get(i + 1) == Some(&b'*') => {
                i = find(&src[i + 2..], b"*/").map_or(src.len(), |n| i + 2 + n + 2);
            }
            b'`' => {
                i = src[i + 1..]
                    .iter()
                    .position(|&b| b == b'`')
                    .map_or(src.len(), |n| i + 1 + n + 1);
            }
            quote @ (b'"' | b'\'') => {
                i += 1;
                while i < src.len() {
                    let c = src[i];
                    if c == b'\n' {
                        break;
                    }
                    i += 1;
                    if c == quote {
                        break;
                    }
                    if c == b'\\' && i < src.len() && src[i] != b'\n' {
                        i += 1;
                    }
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// `ast.ParseDirective` + `ParseArgs` for a `//go:embed` comment; `None` for a malformed line,
/// which `go/build` skips (the compiler reports it).
fn parse_embed_directive(comment: &str) -> Option<Vec<String>> {
    let body = comment.strip_prefix("//")?;
    let colon = body.find(':')?;
    if colon == 0 || colon + 1 >= body.len() {
        return None;
    }
    let bytes = body.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !(0..=colon + 1).all(|i| i == colon || alnum(bytes[i])) {
        return None;
    }
    let (tool, rest) = (&body[..colon], &body[colon + 1..]);
    let name_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    if tool != "go" || &rest[..name_end] != "embed" {
        return None;
    }
    let mut args = rest[name_end..].trim_end();
    let mut out = Vec::new();
    loop {
        args = args.trim_start();
        let Some(first) = args.chars().next() else {
            break;
        };
        if first == '"' || first == '`' {
            let len = quoted_prefix_len(args)?;
            let value = String::from_utf8(unquote(&args.as_bytes()[..len])?).ok()?;
            args = &args[len..];
            if let Some(next) = args.chars().next()
                && !next.is_whitespace()
            {
                return None;
            }
            out.push(value);
        } else {
            let end = args.find(char::is_whitespace).unwrap_or(args.len());
            out.push(args[..end].to_string());
            args = &args[end..];
        }
    }
    Some(out)
}

/// `strconv.QuotedPrefix` length for a string starting with `"` or `` ` ``.
fn quoted_prefix_len(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let quote = bytes[0];
    let mut i = 1;
    while i < bytes.len() {
        let c = bytes[i];
        if c == quote {
            let len = i + 1;
            unquote(&bytes[..len])?;
            return Some(len);
        }
        if quote == b'"' {
            if c == b'\n' {
                return None;
            }
            if c == b'\\' {
                i += 1;
            }
        }
        i += 1;
    }
    None
}
