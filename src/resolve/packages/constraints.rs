//! Build constraints under `imports.AnyTags`: `//go:build` expressions and legacy `// +build`
//! lines from a file's leading comment block, and whether the file is kept.

// ---------------------------------------------------------------------------------------------
// Build constraints under `AnyTags`.

/// The leading comment block as `parseFileHeader` splits it: the text up to the last blank line
/// before the first non-comment line (where `// +build` lines count), and the `//go:build` line.
fn parse_file_header(content: &[u8]) -> Result<(&[u8], Option<&[u8]>), String> {
    let mut end = 0usize;
    let mut offset = 0usize;
    let mut ended = false;
    let mut in_slash_star = false;
    let mut go_build: Option<&[u8]> = None;
    'lines: while offset < content.len() {
        let rest = &content[offset..];
        let (raw, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], offset + i + 1),
            None => (rest, content.len()),
        };
        offset = next;
        let mut line = trim_space(raw);
        if line.is_empty() && !ended {
            end = offset;
            continue;
        }
        if !line.starts_with(b"//") {
            ended = true;
        }
        if !in_slash_star && is_go_build_comment(line) {
            if go_build.is_some() {
                return Err("multiple //go:build comments".to_string());
            }
            go_build = Some(line);
        }
        while !line.is_empty() {
            if in_slash_star {
                match find(line, b"*/") {
                    Some(i) => {
                        in_slash_star = false;
                        line = trim_space(&line[i + 2..]);
                        continue;
                    }
                    None => continue 'lines,
                }
            }
            if line.starts_with(b"//") {
                continue 'lines;
            }
            if line.starts_with(b"/*") {
                in_slash_star = true;
                line = trim_space(&line[2..]);
                continue;
            }
            break 'lines;
        }
    }
    Ok((&content[..end], go_build))
}

fn is_go_build_comment(line: &[u8]) -> bool {
    match line.strip_prefix(b"//go:build".as_slice()) {
        Some(rest) => rest.is_empty() || trim_space(rest).len() < rest.len(),
        None => false,
    }
}

/// `imports.ShouldBuild(content, AnyTags())`.
pub(super) fn should_build(content: &[u8]) -> bool {
    let Ok((header, go_build)) = parse_file_header(content) else {
        return false;
    };
    if let Some(line) = go_build {
        return match parse_go_build(line) {
            Ok(expr) => eval_any(&expr, true),
            Err(_) => false,
        };
    }
    for raw in header.split(|&b| b == b'\n') {
        let line = trim_space(raw);
        if !line.starts_with(b"//") || find(line, b"+build").is_none() {
            continue;
        }
        let text = String::from_utf8_lossy(line);
        if let Some(expr) = parse_plus_build(&text)
            && !eval_any(&expr, true)
        {
            return false;
        }
    }
    true
}

/// The error `go/build` reports for the file's constraints, if any.
pub(super) fn constraint_error(content: &[u8]) -> Result<(), String> {
    let (_, go_build) = parse_file_header(content)?;
    if let Some(line) = go_build {
        parse_go_build(line).map_err(|e| format!("parsing //go:build line: {e}"))?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Expr {
    Tag(String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

fn is_tag_char(c: char) -> bool {
    c.is_alphabetic() || c.is_numeric() || c == '_' || c == '.'
}

/// `imports.eval` with the tag set `{"*"}`: every well-formed tag other than `ignore` takes the
/// value the context prefers, so it is true under an even number of negations and false under
/// an odd one, and the expression is satisfied whenever some polarity can satisfy it.
fn eval_any(expr: &Expr, prefer: bool) -> bool {
    match expr {
        Expr::Tag(name) => {
            if !name.chars().all(is_tag_char) {
                return false;
            }
            !name.is_empty() && name != "ignore" && prefer
        }
        Expr::Not(x) => !eval_any(x, !prefer),
        Expr::And(x, y) => eval_any(x, prefer) && eval_any(y, prefer),
        Expr::Or(x, y) => eval_any(x, prefer) || eval_any(y, prefer),
    }
}

fn parse_go_build(line: &[u8]) -> Result<Expr, String> {
    let line = String::from_utf8_lossy(line);
    let rest = line.trim().strip_prefix("//go:build").unwrap_or_default();
    let mut parser = ExprParser {
        s: rest.trim(),
        i: 0,
        tok: "",
        is_tag: false,
        pos: 0,
        size: 0,
    };
    let x = parser.or()?;
    if !parser.tok.is_empty() {
        return Err(format!("unexpected token {}", parser.tok));
    }
    Ok(x)
}

/// A port of `go/build/constraint`'s expression parser (same tokens, errors and size limit).
struct ExprParser<'a> {
    s: &'a str,
    i: usize,
    tok: &'a str,
    is_tag: bool,
    pos: usize,
    size: usize,
}

impl<'a> ExprParser<'a> {
    fn or(&mut self) -> Result<Expr, String> {
        let mut x = self.and()?;
        while self.tok == "||" {
            x = Expr::Or(Box::new(x), Box::new(self.and()?));
        }
        Ok(x)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut x = self.not()?;
        while self.tok == "&&" {
            x = Expr::And(Box::new(x), Box::new(self.not()?));
        }
        Ok(x)
    }

    fn not(&mut self) -> Result<Expr, String> {
        self.size += 1;
        if self.size > 1000 {
            return Err("build expression too large".to_string());
        }
        self.lex()?;
        if self.tok == "!" {
            self.lex()?;
            if self.tok == "!" {
                return Err("double negation not allowed".to_string());
            }
            return Ok(Expr::Not(Box::new(self.atom()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, String> {
        if self.tok == "(" {
            let x = self.or().map_err(|e| {
                if e == "unexpected end of expression" {
                    "missing close paren".to_string()
                } else {
                    e
                }
            })?;
            if self.tok != ")" {
                return Err("missing close paren".to_string());
            }
            self.lex()?;
            return Ok(x);
        }
        if !self.is_tag {
            if self.tok.is_empty() {
                return Err("unexpected end of expression".to_string());
            }
            return Err(format!("unexpected token {}", self.tok));
        }
        let tag = self.tok.to_string();
        self.lex()?;
        Ok(Expr::Tag(tag))
    }

    fn lex(&mut self) -> Result<(), String> {
        self.is_tag = false;
        let bytes = self.s.as_bytes();
        while self.i < bytes.len() && (bytes[self.i] == b' ' || bytes[self.i] == b'\t') {
            self.i += 1;
        }
        if self.i >= bytes.len() {
            self.tok = "";
            self.pos = self.i;
            return Ok(());
        }
        match bytes[self.i] {
            b'(' | b')' | b'!' => {
                self.pos = self.i;
                self.i += 1;
                self.tok = &self.s[self.pos..self.i];
                return Ok(());
            }
            c @ (b'&' | b'|') => {
                if self.i + 1 >= bytes.len() || bytes[self.i + 1] != c {
                    return Err(format!("invalid syntax at {}", c as char));
                }
                self.pos = self.i;
                self.i += 2;
                self.tok = &self.s[self.pos..self.i];
                return Ok(());
            }
            _ => {}
        }
        let rest = &self.s[self.i..];
        let len = rest
            .char_indices()
            .find(|&(_, c)| !is_tag_char(c))
            .map_or(rest.len(), |(i, _)| i);
        if len == 0 {
            let c = rest.chars().next().unwrap_or('\u{fffd}');
            return Err(format!("invalid syntax at {c}"));
        }
        self.pos = self.i;
        self.i += len;
        self.tok = &self.s[self.pos..self.i];
        self.is_tag = true;
        Ok(())
    }
}

/// `constraint.Parse` of a `// +build` line; `None` when it is not one or is too complex.
fn parse_plus_build(line: &str) -> Option<Expr> {
    let rest = line.strip_prefix("//")?.trim().strip_prefix("+build")?;
    let trimmed = rest.trim();
    if rest.len() == trimmed.len() && !rest.is_empty() {
        return None;
    }
    let mut size = 0;
    let mut x: Option<Expr> = None;
    for clause in trimmed.split_whitespace() {
        let mut y: Option<Expr> = None;
        for lit in clause.split(',') {
            let z = if lit.starts_with("!!") || lit == "!" {
                Expr::Tag("ignore".to_string())
            } else {
                let (neg, name) = match lit.strip_prefix('!') {
                    Some(name) => (true, name),
                    None => (false, lit),
                };
                let tag = if !name.is_empty() && name.chars().all(is_tag_char) {
                    Expr::Tag(name.to_string())
                } else {
                    Expr::Tag("ignore".to_string())
                };
                if neg { Expr::Not(Box::new(tag)) } else { tag }
            };
            y = Some(match y {
                None => z,
                Some(y) => {
                    size += 1;
                    if size > 100 {
                        return None;
                    }
                    Expr::And(Box::new(y), Box::new(z))
                }
            });
        }
        let y = y?;
        x = Some(match x {
            None => y,
            Some(x) => {
                size += 1;
                if size > 100 {
                    return None;
                }
                Expr::Or(Box::new(x), Box::new(y))
            }
        });
    }
    Some(x.unwrap_or_else(|| Expr::Tag("ignore".to_string())))
}

fn trim_space(mut s: &[u8]) -> &[u8] {
    // `bytes.TrimSpace`: ASCII white space plus the Unicode spaces, decoded as UTF-8.
    loop {
        match leading_space_len(s) {
            0 => break,
            n => s = &s[n..],
        }
    }
    loop {
        match trailing_space_len(s) {
            0 => break,
            n => s = &s[..s.len() - n],
        }
    }
    s
}

fn leading_space_len(s: &[u8]) -> usize {
    match s.first() {
        Some(b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') => 1,
        Some(&b) if b >= 0x80 => {
            let text = String::from_utf8_lossy(&s[..s.len().min(4)]);
            match text.chars().next() {
                Some(c) if c != '\u{fffd}' && c.is_whitespace() => c.len_utf8(),
                _ => 0,
            }
        }
        _ => 0,
    }
}

fn trailing_space_len(s: &[u8]) -> usize {
    match s.last() {
        Some(b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') => 1,
        Some(&b) if b >= 0x80 => {
            let start = s.len().saturating_sub(4);
            for i in start..s.len() {
                if let Ok(text) = std::str::from_utf8(&s[i..])
                    && let Some(c) = text.chars().next()
                    && c.len_utf8() == s.len() - i
                {
                    return if c.is_whitespace() { c.len_utf8() } else { 0 };
                }
            }
            0
        }
        _ => 0,
    }
}

pub(super) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
