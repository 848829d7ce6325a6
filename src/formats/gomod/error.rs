//! Errors of the go.mod layer: where a go.mod is malformed (file, line, column, the go command's
//! own message, the offending line and a caret under the column), or why an edit was refused.
//!
//! Parse messages are the go command's (golang.org/x/mod/modfile) word for word, so a user who
//! knows `go build`'s complaint recognises ours; only the position prefix always carries a column.

use std::fmt;

/// One problem found in a go.mod, at a 1-based line and column (columns count characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file name given to the parser.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters (not bytes).
    pub column: usize,
    /// The go command's message, e.g. `unknown directive: requre`.
    pub message: String,
    /// The text of the offending line, without its line ending.
    pub source_line: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}\n{}\n",
            self.file, self.line, self.column, self.message, self.source_line
        )?;
        // Keep tabs in the caret line so the caret sits under the column in any tab width.
        for c in self.source_line.chars().take(self.column.saturating_sub(1)) {
            f.write_str(if c == '\t' { "\t" } else { " " })?;
        }
        let shown = self.source_line.chars().count();
        for _ in shown..self.column.saturating_sub(1) {
            f.write_str(" ")?;
        }
        f.write_str("^")
    }
}

/// Why a go.mod could not be parsed or an edit could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GoModError {
    /// The text is not a valid go.mod. A syntax error stops the parse (one diagnostic); directive
    /// errors are all reported, in file order, as the go command reports them.
    #[error("{}", render(.diagnostics))]
    Parse {
        /// The file name given to the parser.
        file: String,
        /// At least one diagnostic.
        diagnostics: Vec<Diagnostic>,
    },
    /// An edit was refused before anything changed, for the reason `go mod edit` gives.
    #[error("invalid edit `{edit}`: {message}")]
    InvalidEdit {
        /// The edit written as the equivalent `go mod edit` flag.
        edit: String,
        /// Why, in the go command's words.
        message: String,
    },
}

impl GoModError {
    /// The diagnostics of a parse error (empty for an edit error).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            GoModError::Parse { diagnostics, .. } => diagnostics,
            GoModError::InvalidEdit { .. } => &[],
        }
    }
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Builds diagnostics for one text: turns byte offsets into line, column and source line.
pub(crate) struct Locator<'a> {
    pub(crate) file: &'a str,
    pub(crate) text: &'a str,
}

impl Locator<'_> {
    pub(crate) fn diagnostic(&self, offset: usize, message: impl Into<String>) -> Diagnostic {
        let (line, column) = self.line_col(offset);
        Diagnostic {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
            source_line: self.source_line(line),
        }
    }

    /// `file:line:col` of an offset, the way the go command names a block's start.
    pub(crate) fn position(&self, offset: usize) -> String {
        let (line, column) = self.line_col(offset);
        format!("{}:{line}:{column}", self.file)
    }

    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset);
        let before = &self.text[..offset];
        let line = 1 + before.matches('\n').count();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, 1 + before[line_start..].chars().count())
    }

    fn source_line(&self, line: usize) -> String {
        let text = self.text.split('\n').nth(line - 1).unwrap_or("");
        text.strip_suffix('\r').unwrap_or(text).to_string()
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn caret_under_column_keeps_tabs() {
        let loc = Locator {
            file: "go.mod",
            text: "module m\n\trequre x v1.0.0\r\n",
        };
        let d = loc.diagnostic(10, "unknown directive: requre");
        assert_eq!(
            d.to_string(),
            "go.mod:2:2: unknown directive: requre\n\trequre x v1.0.0\n\t^"
        );
    }

    #[test]
    fn caret_past_end_of_line() {
        let loc = Locator {
            file: "go.mod",
            text: "require (\n",
        };
        let d = loc.diagnostic(10, "syntax error");
        assert_eq!((d.line, d.column), (2, 1));
        assert_eq!(d.to_string(), "go.mod:2:1: syntax error\n\n^");
    }

    #[test]
    fn columns_count_characters() {
        let loc = Locator {
            file: "f",
            text: "é€x",
        };
        assert_eq!(loc.line_col(5), (1, 3));
    }
}
