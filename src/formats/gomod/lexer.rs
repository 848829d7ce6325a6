//! The go.mod lexer: the token stream of golang.org/x/mod/modfile `read.go`, with byte spans.
//!
//! It keeps go's one-token lookahead (the parser peeks, then takes), so a syntax error is found at
//! the same place and with the same message as the go command. Spaces, tabs and carriage returns
//! separate tokens; a `//` comment runs to the end of its line and includes the newline; whether a
//! comment stands alone on its line or ends a line of tokens decides its kind. The small pieces
//! (blanks, comment bodies, identifiers) are `nom` parsers; strings are scanned by hand because a
//! backslash may escape any character, a newline included, exactly as in go.

pub(crate) use crate::formats::goquote::is_graphic;
use nom::IResult;
use nom::bytes::complete::{tag, take_till, take_while};

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokKind {
    /// End of input (an empty span at the end).
    Eof,
    /// A `//` comment after other tokens on its line, newline included.
    EolComment,
    /// A run of identifier characters.
    Ident,
    /// A `"…"` or `` `…` `` string, quotes included.
    Str,
    /// A `//` comment alone on its line, newline included.
    Comment,
    /// A newline.
    Newline,
    /// One of `( ) [ ] { } ,`.
    Punct(char),
}

impl TokKind {
    /// Whether the token ends a line of tokens.
    pub(crate) fn is_eol(self) -> bool {
        matches!(self, TokKind::Eof | TokKind::EolComment | TokKind::Newline)
    }
}

/// A token and its byte span in the lexed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: TokKind,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// A lexical error: where the go command stops and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LexError {
    pub(crate) offset: usize,
    pub(crate) message: String,
}

/// The token stream over one text, one token ahead.
pub(crate) struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    ahead: Token,
}

const BLOCK_COMMENT: &str = "mod files must use // comments (not /* */ comments)";

impl<'a> Lexer<'a> {
    pub(crate) fn new(text: &'a str) -> Result<Self, LexError> {
        let mut lexer = Lexer {
            text,
            pos: 0,
            ahead: Token {
                kind: TokKind::Eof,
                start: 0,
                end: 0,
            },
        };
        lexer.ahead = lexer.read_token()?;
        Ok(lexer)
    }

    /// The kind of the next token.
    pub(crate) fn peek(&self) -> TokKind {
        self.ahead.kind
    }

    /// Takes the next token and reads the one after it.
    pub(crate) fn lex(&mut self) -> Result<Token, LexError> {
        let tok = self.ahead;
        self.ahead = self.read_token()?;
        Ok(tok)
    }

    /// Where the go lexer stands: the end of the lookahead token (go's `in.pos`).
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> LexError {
        LexError {
            offset,
            message: message.into(),
        }
    }

    fn token(&mut self, kind: TokKind, start: usize, rest: &str) -> Token {
        self.pos = self.text.len() - rest.len();
        Token {
            kind,
            start,
            end: self.pos,
        }
    }

    fn read_token(&mut self) -> Result<Token, LexError> {
        let (rest, _) = blanks(self.rest()).unwrap_or((self.rest(), ""));
        self.pos = self.text.len() - rest.len();
        let start = self.pos;
        if let Ok((after, _)) = comment(rest) {
            let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
            let alone = self.text[line_start..start]
                .chars()
                .all(char::is_whitespace);
            let kind = if alone {
                TokKind::Comment
            } else {
                TokKind::EolComment
            };
            return Ok(self.token(kind, start, after));
        }
        if rest.starts_with("/*") {
            return Err(self.error(start, BLOCK_COMMENT));
        }
        let Some(c) = rest.chars().next() else {
            return Ok(self.token(TokKind::Eof, start, rest));
        };
        match c {
            '\n' => Ok(self.token(TokKind::Newline, start, &rest[1..])),
            '(' | ')' | '[' | ']' | '{' | '}' | ',' => {
                Ok(self.token(TokKind::Punct(c), start, &rest[1..]))
            }
            '"' | '`' => self.string(start, c),
            _ if !is_ident(c) => Err(self.error(
                start,
                format!(
                    "unexpected input character {}",
                    super::directives::go_quote_rune(c)
                ),
            )),
            _ => match identifier(rest) {
                Ok((after, _)) if after.starts_with("/*") => {
                    Err(self.error(self.text.len() - after.len(), BLOCK_COMMENT))
                }
                Ok((after, _)) => Ok(self.token(TokKind::Ident, start, after)),
                Err(_) => Err(self.error(start, "internal lexer error: empty identifier")),
            },
        }
    }

    fn string(&mut self, start: usize, quote: char) -> Result<Token, LexError> {
        let mut chars = self.text[start + 1..].char_indices();
        loop {
            let Some((i, c)) = chars.next() else {
                return Err(self.error(start, "unexpected EOF in string"));
            };
            if c == '\n' {
                return Err(self.error(start + 1 + i, "unexpected newline in string"));
            }
            if c == quote {
                let end = start + 1 + i + 1;
                let rest = &self.text[end..];
                return Ok(self.token(TokKind::Str, start, rest));
            }
            if c == '\\' && quote != '`' && chars.next().is_none() {
                return Err(self.error(start, "unexpected EOF in string"));
            }
        }
    }
}

/// Whether `c` may be part of an identifier: go's `isIdent`, every printable character except
/// blanks and the punctuation `( ) [ ] { } ,`.
pub(crate) fn is_ident(c: char) -> bool {
    !matches!(c, ' ' | '(' | ')' | '[' | ']' | '{' | '}' | ',') && is_graphic(c)
}

fn blanks(i: &str) -> IResult<&str, &str> {
    take_while(|c| c == ' ' || c == '\t' || c == '\r')(i)
}

/// A `//` comment through its newline (or the end of input).
fn comment(i: &str) -> IResult<&str, &str> {
    let (after_slashes, _) = tag("//")(i)?;
    let (rest, _) = take_till(|c| c == '\n')(after_slashes)?;
    let rest = rest.strip_prefix('\n').unwrap_or(rest);
    Ok((rest, &i[..i.len() - rest.len()]))
}

/// Identifier characters up to a `//` (which starts a comment) or a `/*` (which is an error).
fn identifier(i: &str) -> IResult<&str, &str> {
    let mut end = 0;
    for (at, c) in i.char_indices() {
        if !is_ident(c) || i[at..].starts_with("//") || i[at..].starts_with("/*") {
            break;
        }
        end = at + c.len_utf8();
    }
    if end == 0 {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::TakeWhile1,
        )));
    }
    Ok((&i[end..], &i[..end]))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Result<Vec<(TokKind, &str)>, LexError> {
        let mut lexer = Lexer::new(text)?;
        let mut out = Vec::new();
        loop {
            let tok = lexer.lex()?;
            out.push((tok.kind, &text[tok.start..tok.end]));
            if tok.kind == TokKind::Eof {
                return Ok(out);
            }
        }
    }

    #[test]
    fn tokens() {
        use TokKind::*;
        let cases: Vec<(&str, Vec<(TokKind, &str)>)> = vec![
            ("", vec![(Eof, "")]),
            (
                "module m\n",
                vec![(Ident, "module"), (Ident, "m"), (Newline, "\n"), (Eof, "")],
            ),
            (
                "require (\r\n\tx v1 // indirect\r\n)",
                vec![
                    (Ident, "require"),
                    (Punct('('), "("),
                    (Newline, "\n"),
                    (Ident, "x"),
                    (Ident, "v1"),
                    (EolComment, "// indirect\r\n"),
                    (Punct(')'), ")"),
                    (Eof, ""),
                ],
            ),
            (
                "  // alone\nx//y",
                vec![
                    (Comment, "// alone\n"),
                    (Ident, "x"),
                    (EolComment, "//y"),
                    (Eof, ""),
                ],
            ),
            (
                "\"a b\"`c\\`[x,y]",
                vec![
                    (Str, "\"a b\""),
                    (Str, "`c\\`"),
                    (Punct('['), "["),
                    (Ident, "x"),
                    (Punct(','), ","),
                    (Ident, "y"),
                    (Punct(']'), "]"),
                    (Eof, ""),
                ],
            ),
            (
                "\"a\\\nb\" é",
                vec![(Str, "\"a\\\nb\""), (Ident, "é"), (Eof, "")],
            ),
        ];
        for (text, want) in cases {
            assert_eq!(kinds(text).unwrap(), want, "{text:?}");
        }
    }

    #[test]
    fn errors() {
        let cases = [
            ("x /* y */", 2, BLOCK_COMMENT.to_string()),
            ("x/*y", 1, BLOCK_COMMENT.to_string()),
            ("\"abc", 0, "unexpected EOF in string".to_string()),
            ("x \"ab\\", 2, "unexpected EOF in string".to_string()),
            ("x \"ab\nc\"", 5, "unexpected newline in string".to_string()),
            (
                "x\u{feff}",
                1,
                "unexpected input character '\\ufeff'".to_string(),
            ),
            ("\u{0}", 0, "unexpected input character '\\x00'".to_string()),
        ];
        for (text, offset, message) in cases {
            assert_eq!(kinds(text), Err(LexError { offset, message }), "{text:?}");
        }
    }

    #[test]
    fn ident_characters() {
        for c in ['a', 'é', '@', '=', '>', '/', '\\', '"', '€', '😀'] {
            assert!(is_ident(c), "{c:?}");
        }
        for c in [
            ' ', '\t', '\u{a0}', '\u{200b}', '\u{e000}', '(', ',', '\u{7f}',
        ] {
            assert!(!is_ident(c), "{c:?}");
        }
    }
}
