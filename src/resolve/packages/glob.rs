//! `path.Match` ported from go: the pattern language `//go:embed` globs are written in, with
//! malformed patterns reported the way go reports them.

pub(super) fn has_meta(s: &str) -> bool {
    s.contains(['*', '?', '[', '\\'])
}

/// `path.Match`: `Err(())` for a malformed pattern (`ErrBadPattern`), checked over the whole
/// pattern even after a mismatch.
pub(super) fn glob_match(pattern: &str, name: &str) -> Result<bool, ()> {
    let mut pattern = pattern.as_bytes();
    let mut name = name.as_bytes();
    'outer: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Ok(!name.contains(&b'/'));
        }
        let (t, ok, err) = match_chunk(chunk, name);
        if ok && (t.is_empty() || !pattern.is_empty()) {
            name = t;
            continue;
        }
        if err {
            return Err(());
        }
        if star {
            let mut i = 0;
            while i < name.len() && name[i] != b'/' {
                let (t, ok, err) = match_chunk(chunk, &name[i + 1..]);
                if ok {
                    if pattern.is_empty() && !t.is_empty() {
                        i += 1;
                        continue;
                    }
                    name = t;
                    continue 'outer;
                }
                if err {
                    return Err(());
                }
                i += 1;
            }
        }
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            if match_chunk(chunk, b"").2 {
                return Err(());
            }
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

fn scan_chunk(mut pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut star = false;
    while pattern.first() == Some(&b'*') {
        pattern = &pattern[1..];
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            b'\\' if i + 1 < pattern.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => return (star, &pattern[..i], &pattern[i..]),
            _ => {}
        }
        i += 1;
    }
    (star, pattern, &[])
}

/// Decodes one UTF-8 character; `(U+FFFD, 1)` for an invalid byte, like `utf8.DecodeRune`.
fn decode_rune(s: &[u8]) -> (char, usize) {
    for len in 1..=s.len().min(4) {
        if let Ok(text) = std::str::from_utf8(&s[..len])
            && let Some(c) = text.chars().next()
        {
            return (c, len);
        }
    }
    ('\u{fffd}', 1)
}

/// `matchChunk`: (rest of name, matched, malformed pattern).
fn match_chunk<'n>(mut chunk: &[u8], mut s: &'n [u8]) -> (&'n [u8], bool, bool) {
    let mut failed = false;
    while let Some(&c) = chunk.first() {
        failed = failed || s.is_empty();
        match c {
            b'[' => {
                let mut r = '\0';
                if !failed {
                    let (rune, n) = decode_rune(s);
                    r = rune;
                    s = &s[n..];
                }
                chunk = &chunk[1..];
                let mut negated = false;
                if chunk.first() == Some(&b'^') {
                    negated = true;
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut ranges = 0;
                loop {
                    if chunk.first() == Some(&b']') && ranges > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let Some((lo, rest)) = get_esc(chunk) else {
                        return (&[], false, true);
                    };
                    chunk = rest;
                    let mut hi = lo;
                    if chunk[0] == b'-' {
                        let Some((h, rest)) = get_esc(&chunk[1..]) else {
                            return (&[], false, true);
                        };
                        hi = h;
                        chunk = rest;
                    }
                    matched = matched || (lo <= r && r <= hi);
                    ranges += 1;
                }
                failed = failed || matched == negated;
            }
            b'?' => {
                if !failed {
                    failed = s[0] == b'/';
                    let (_, n) = decode_rune(s);
                    s = &s[n..];
                }
                chunk = &chunk[1..];
            }
            _ => {
                if c == b'\\' {
                    chunk = &chunk[1..];
                    if chunk.is_empty() {
                        return (&[], false, true);
                    }
                }
                if !failed {
                    failed = chunk[0] != s[0];
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    if failed {
        (&[], false, false)
    } else {
        (s, true, false)
    }
}

/// `getEsc`: one possibly escaped character of a range; `None` for `ErrBadPattern` (which also
/// covers a range that runs to the end of the chunk).
fn get_esc(chunk: &[u8]) -> Option<(char, &[u8])> {
    let mut chunk = chunk;
    match chunk.first() {
        None | Some(b'-') | Some(b']') => return None,
        Some(b'\\') => {
            chunk = &chunk[1..];
            if chunk.is_empty() {
                return None;
            }
        }
        _ => {}
    }
    let (r, n) = decode_rune(chunk);
    if r == '\u{fffd}' && n == 1 {
        return None;
    }
    let rest = &chunk[n..];
    if rest.is_empty() {
        return None;
    }
    Some((r, rest))
}
