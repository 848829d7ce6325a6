//! Go string literals (`strconv.Unquote`) and the import path check (`module.CheckImportPath` as
//! `go/build` applies it).

// ---------------------------------------------------------------------------------------------
// Go string literals and import paths.

/// `strconv.Unquote` for `"…"` and `` `…` `` literals; `None` when the literal is malformed.
pub(super) fn unquote(raw: &[u8]) -> Option<Vec<u8>> {
    let (&first, rest) = raw.split_first()?;
    let (&last, body) = rest.split_last()?;
    if first != last {
        return None;
    }
    match first {
        b'`' => {
            if body.contains(&b'`') {
                return None;
            }
            Some(body.iter().copied().filter(|&b| b != b'\r').collect())
        }
        b'"' => unescape(body),
        _ => None,
    }
}

fn unescape(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if c == b'"' || c == b'\n' {
            return None;
        }
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let e = *body.get(i + 1)?;
        i += 2;
        let simple = match e {
            b'a' => Some(7),
            b'b' => Some(8),
            b'f' => Some(12),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'v' => Some(11),
            b'\\' => Some(b'\\'),
            b'"' => Some(b'"'),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            continue;
        }
        match e {
            b'0'..=b'7' => {
                let digits = body.get(i - 1..i + 2)?;
                let mut v: u32 = 0;
                for &d in digits {
                    if !(b'0'..=b'7').contains(&d) {
                        return None;
                    }
                    v = v * 8 + u32::from(d - b'0');
                }
                out.push(u8::try_from(v).ok()?);
                i += 2;
            }
            b'x' | b'u' | b'U' => {
                let n = match e {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let hex = std::str::from_utf8(body.get(i..i + n)?).ok()?;
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                let v = u32::from_str_radix(hex, 16).ok()?;
                i += n;
                if e == b'x' {
                    out.push(u8::try_from(v).ok()?);
                } else {
                    let c = char::from_u32(v)?;
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// `go/build.isValidImport`.
pub(super) fn is_valid_import(path: &str) -> bool {
    const ILLEGAL: &str = "!\"#$%&'()*,:;<=>?[\\]^{|}`\u{fffd}";
    !path.is_empty()
        && path
            .chars()
            .all(|c| !c.is_control() && !c.is_whitespace() && !ILLEGAL.contains(c))
}
