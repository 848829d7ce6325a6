//! The lossless go.mod syntax tree: every byte of the input belongs to exactly one entry, so
//! printing an unedited tree gives the input back.
//!
//! The tree mirrors golang.org/x/mod modfile's `FileSyntax` (statements, `verb ( … )` blocks,
//! comments before a line, suffix comments, blank lines inside blocks) but keeps comments and
//! blank lines as positioned entries, as raw text: a comment run directly above a statement is
//! that statement's "before" comments, as in modfile. Edited and inserted lines carry tokens
//! instead of raw text and print the way modfile's printer prints them; removing a line or
//! emptying a block is recorded by marking, and [`Doc::render`] applies modfile's `Cleanup` rules
//! (drop dead lines with their comments, drop empty blocks, collapse one-line blocks) when it
//! prints, as `go mod edit` does once after all its edits.

use super::directives::{self, BLOCK_VERBS, LineContext, Seen, Sem};
use super::error::{Diagnostic, Locator};
use super::lexer::{LexError, Lexer, TokKind, Token};

/// Index of a line in [`Doc::lines`].
pub(crate) type LineId = usize;
/// Index of a block in [`Doc::blocks`].
pub(crate) type BlockId = usize;

/// One top-level entry; each owns whole physical lines of the text.
#[derive(Debug, Clone)]
pub(crate) enum Top {
    /// A blank line (spaces, tabs, `\r` allowed), or trailing blanks at the end of the text.
    Blank(String),
    /// A comment alone on its line.
    Comment(String),
    /// A single-line statement.
    Line(LineId),
    /// A `verb ( … )` block.
    Block(BlockId),
    /// The blank line an edit put before the statement it appended (the line's `LineId`); it
    /// goes away with that statement.
    Separator(String, LineId),
}

/// One entry inside a block.
#[derive(Debug, Clone)]
pub(crate) enum Inner {
    /// A blank line; `marker` when modfile records it (it then prints as a blank line).
    Blank { raw: String, marker: bool },
    /// A comment alone on its line.
    Comment(String),
    /// A line of the block.
    Line(LineId),
}

/// A statement line: `indent body tail eol`, where `body` runs from the first to the last token.
#[derive(Debug, Clone)]
pub(crate) struct LineNode {
    pub(crate) indent: String,
    /// Token texts as written (the verb is the first token of a top-level line).
    pub(crate) tokens: Vec<String>,
    /// The raw text from the first token to the end of the last one, and each token's offset in
    /// it; `None` once the tokens were edited (then they print go's way).
    pub(crate) body: Option<(String, Vec<usize>)>,
    /// Everything after the last token up to the line ending: blanks and the suffix comment.
    pub(crate) tail: String,
    /// The suffix comment, without line ending.
    pub(crate) comment: Option<String>,
    /// `\n`, `\r\n`, or empty at the end of a text without final newline.
    pub(crate) eol: String,
    /// Byte offset of the first token in the parsed text (for diagnostics).
    pub(crate) start: usize,
    /// The block holding the line, if any.
    pub(crate) block: Option<BlockId>,
    /// Removed by an edit; dropped (with its comments) when printed.
    pub(crate) dead: bool,
    /// Made by an edit rather than read from the text.
    pub(crate) added: bool,
    /// What the line means, once interpreted.
    pub(crate) sem: Option<Sem>,
    /// For a replace line, modfile's in-memory left side (`Replace.Old`): what later edits of
    /// the same `go mod edit` call match against. modfile does not update it when an edit
    /// rewrites the line, so neither does this.
    pub(crate) replace_key: Option<(String, String)>,
}

/// A `verb ( … )` block.
#[derive(Debug, Clone)]
pub(crate) struct BlockNode {
    /// The raw `verb (` line; `None` for a block made by an edit.
    pub(crate) header: Option<String>,
    pub(crate) verb: Vec<String>,
    /// A `verb ( )` block written on one line (the header holds the whole line).
    pub(crate) inline: bool,
    /// The suffix comment of a one-line `verb ( )` block.
    pub(crate) inline_comment: Option<String>,
    pub(crate) entries: Vec<Inner>,
    /// The raw `)` line; `None` for a block made by an edit or a one-line block.
    pub(crate) close: Option<String>,
    /// Whether an edit added or removed lines (then modfile's cleanup rules apply when printing).
    pub(crate) touched: bool,
    pub(crate) start: usize,
}

/// A parsed go.mod.
#[derive(Debug, Clone)]
pub(crate) struct Doc {
    pub(crate) top: Vec<Top>,
    pub(crate) lines: Vec<LineNode>,
    pub(crate) blocks: Vec<BlockNode>,
    /// The line ending new lines get: the first one of the text, `\n` by default.
    pub(crate) eol: &'static str,
}

/// The interpreted directives, in the order modfile keeps them (file order, then added lines).
#[derive(Debug, Clone, Default)]
pub(crate) struct Directives {
    pub(crate) module: Option<LineId>,
    pub(crate) go: Option<LineId>,
    pub(crate) toolchain: Option<LineId>,
    pub(crate) godebug: Vec<LineId>,
    pub(crate) require: Vec<LineId>,
    pub(crate) exclude: Vec<LineId>,
    pub(crate) replace: Vec<LineId>,
    pub(crate) retract: Vec<LineId>,
    pub(crate) tool: Vec<LineId>,
    pub(crate) ignore: Vec<LineId>,
}

/// Parses the text into a tree; the first syntax error stops it.
pub(crate) fn parse(text: &str, loc: &Locator<'_>) -> Result<Doc, Diagnostic> {
    let lexer = Lexer::new(text).map_err(|e| loc.diagnostic(e.offset, e.message))?;
    let eol = match text.find('\n') {
        Some(i) if text[..i].ends_with('\r') => "\r\n",
        _ => "\n",
    };
    let mut parser = Parser {
        text,
        loc,
        lexer,
        cursor: 0,
        doc: Doc {
            top: Vec::new(),
            lines: Vec::new(),
            blocks: Vec::new(),
            eol,
        },
    };
    parser.file()?;
    Ok(parser.doc)
}

impl Doc {
    /// Reads every statement as modfile's `parseToFile` does; all directive errors are reported.
    pub(crate) fn interpret(
        &mut self,
        strict: bool,
        loc: &Locator<'_>,
    ) -> Result<Directives, Vec<Diagnostic>> {
        let mut seen = Seen::default();
        let mut dirs = Directives::default();
        let mut errors = Vec::new();
        for ti in 0..self.top.len() {
            match self.top[ti] {
                Top::Line(id) => {
                    let line = &self.lines[id];
                    let rationale = || comment_text(&self.top_before(ti), line.comment.as_deref());
                    let cx = LineContext {
                        strict,
                        suffix: line.comment.as_deref(),
                        rationale: &rationale,
                    };
                    let result =
                        directives::interpret(&mut seen, &line.tokens[0], &line.tokens[1..], &cx);
                    let start = line.start;
                    self.record(id, result, start, loc, &mut dirs, &mut errors);
                }
                Top::Block(b) => {
                    let block = &self.blocks[b];
                    let verb = block.verb[0].clone();
                    if block.verb.len() > 1 || !BLOCK_VERBS.contains(&verb.as_str()) {
                        if strict {
                            let message = format!("unknown block type: {}", block.verb.join(" "));
                            errors.push(loc.diagnostic(block.start, message));
                        }
                        continue;
                    }
                    for k in 0..block.entries.len() {
                        let Inner::Line(id) = self.blocks[b].entries[k] else {
                            continue;
                        };
                        let line = &self.lines[id];
                        let rationale = || {
                            let before = self.go_before(b, k);
                            if before.is_empty() && line.comment.is_none() {
                                let block = &self.blocks[b];
                                comment_text(&self.top_before(ti), block.inline_comment.as_deref())
                            } else {
                                let before: Vec<String> = before.into_iter().flatten().collect();
                                comment_text(&before, line.comment.as_deref())
                            }
                        };
                        let cx = LineContext {
                            strict,
                            suffix: line.comment.as_deref(),
                            rationale: &rationale,
                        };
                        let result = directives::interpret(&mut seen, &verb, &line.tokens, &cx);
                        let start = line.start;
                        self.record(id, result, start, loc, &mut dirs, &mut errors);
                    }
                }
                Top::Blank(_) | Top::Comment(_) | Top::Separator(..) => {}
            }
        }
        if errors.is_empty() {
            Ok(dirs)
        } else {
            Err(errors)
        }
    }

    fn record(
        &mut self,
        id: LineId,
        result: Result<Option<Sem>, String>,
        start: usize,
        loc: &Locator<'_>,
        dirs: &mut Directives,
        errors: &mut Vec<Diagnostic>,
    ) {
        let sem = match result {
            Ok(Some(sem)) => sem,
            Ok(None) => return,
            Err(message) => {
                errors.push(loc.diagnostic(start, message));
                return;
            }
        };
        match sem {
            Sem::Module { .. } => dirs.module = Some(id),
            Sem::Go { .. } => dirs.go = Some(id),
            Sem::Toolchain { .. } => dirs.toolchain = Some(id),
            Sem::Godebug { .. } => dirs.godebug.push(id),
            Sem::Require { .. } => dirs.require.push(id),
            Sem::Exclude { .. } => dirs.exclude.push(id),
            Sem::Replace { .. } => dirs.replace.push(id),
            Sem::Retract { .. } => dirs.retract.push(id),
            Sem::Tool { .. } => dirs.tool.push(id),
            Sem::Ignore { .. } => dirs.ignore.push(id),
        }
        if let Sem::Replace {
            old_path,
            old_version,
            ..
        } = &sem
        {
            self.lines[id].replace_key = Some((old_path.clone(), old_version.clone()));
        }
        self.lines[id].sem = Some(sem);
    }

    /// The comments directly above top-level entry `ti` (modfile's `Before` of a statement).
    fn top_before(&self, ti: usize) -> Vec<String> {
        let mut out: Vec<String> = self.top[..ti]
            .iter()
            .rev()
            .map_while(|t| match t {
                Top::Comment(raw) => Some(comment_token(raw).to_string()),
                _ => None,
            })
            .collect();
        out.reverse();
        out
    }

    /// modfile's `Before` of the line at entry `k` of block `b`: comments (`Some`) and recorded
    /// blank lines (`None`) since the previous line.
    fn go_before(&self, b: BlockId, k: usize) -> Vec<Option<String>> {
        let entries = &self.blocks[b].entries;
        let first = entries[..k]
            .iter()
            .rposition(|e| matches!(e, Inner::Line(_)))
            .map_or(0, |i| i + 1);
        entries[first..k]
            .iter()
            .filter_map(|e| match e {
                Inner::Blank { marker: true, .. } => Some(None),
                Inner::Comment(raw) => Some(Some(comment_token(raw).to_string())),
                _ => None,
            })
            .collect()
    }

    /// Whether modfile would keep the block's closing comments (`RParen.Before`).
    pub(crate) fn has_closing_comments(&self, b: BlockId) -> bool {
        let entries = &self.blocks[b].entries;
        let after_last_line = entries
            .iter()
            .rposition(|e| matches!(e, Inner::Line(_)))
            .map_or(0, |i| i + 1);
        entries[after_last_line..]
            .iter()
            .any(|e| matches!(e, Inner::Comment(_)))
    }

    /// The live lines of a block, in order.
    pub(crate) fn live_lines(&self, b: BlockId) -> Vec<(usize, LineId)> {
        self.blocks[b]
            .entries
            .iter()
            .enumerate()
            .filter_map(|(k, e)| match e {
                Inner::Line(id) if !self.lines[*id].dead => Some((k, *id)),
                _ => None,
            })
            .collect()
    }

    /// The text, with modfile's cleanup applied to what edits removed or emptied.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        for k in self.kept_top_entries() {
            match &self.top[k] {
                Top::Blank(raw) | Top::Comment(raw) | Top::Separator(raw, _) => {
                    out.push_str(raw);
                }
                Top::Line(id) => self.render_line(&mut out, *id),
                Top::Block(b) => self.render_block(&mut out, *b),
            }
        }
        out
    }

    /// Top-level entries that print. A removed statement of the parsed text goes with the
    /// comments directly above it, and where that leaves blank lines on both sides (or at the
    /// start or end of the file) one blank line goes too, so a canonical file keeps one between
    /// statements. A removed statement that an edit appended goes with the separator it brought.
    fn kept_top_entries(&self) -> Vec<usize> {
        #[derive(Clone, Copy, PartialEq)]
        enum Fate {
            Keep,
            Remove,
            RemoveAlone,
        }
        let n = self.top.len();
        let mut fate = vec![Fate::Keep; n];
        for (i, t) in self.top.iter().enumerate() {
            match t {
                Top::Line(id) if self.lines[*id].dead && self.lines[*id].added => {
                    fate[i] = Fate::RemoveAlone;
                    if i > 0 && matches!(self.top[i - 1], Top::Separator(_, owner) if owner == *id)
                    {
                        fate[i - 1] = Fate::RemoveAlone;
                    }
                    continue;
                }
                Top::Line(id) if self.lines[*id].dead => {}
                Top::Block(b) if self.blocks[*b].touched && self.live_lines(*b).is_empty() => {}
                _ => continue,
            }
            fate[i] = Fate::Remove;
            for j in (0..i).rev() {
                if !matches!(self.top[j], Top::Comment(_)) {
                    break;
                }
                fate[j] = Fate::Remove;
            }
        }
        let kill: Vec<bool> = fate.iter().map(|f| *f != Fate::Keep).collect();
        let is_blank = |k: usize| matches!(self.top[k], Top::Blank(_) | Top::Separator(..));
        let mut kept: Vec<usize> = Vec::with_capacity(n);
        let mut i = 0;
        while i < n {
            if !kill[i] {
                kept.push(i);
                i += 1;
                continue;
            }
            let mut j = i;
            while j < n && kill[j] {
                j += 1;
            }
            if fate[i..j].iter().all(|f| *f == Fate::RemoveAlone) {
                i = j;
                continue;
            }
            let prev_blank = kept.last().is_some_and(|&k| is_blank(k));
            let next_blank = j < n && is_blank(j);
            // One blank line goes (canonical files have exactly one between statements); extra
            // blank lines of a hand-written file stay.
            if prev_blank && (next_blank || j == n) {
                kept.pop();
            } else if kept.is_empty() && next_blank {
                j += 1;
            }
            i = j;
        }
        kept
    }

    fn render_line(&self, out: &mut String, id: LineId) {
        let line = &self.lines[id];
        out.push_str(&line.indent);
        match &line.body {
            Some((body, _)) => out.push_str(body),
            None => out.push_str(&render_tokens(&line.tokens)),
        }
        out.push_str(&line.tail);
        out.push_str(&line.eol);
    }

    fn render_block(&self, out: &mut String, b: BlockId) {
        let block = &self.blocks[b];
        if !block.touched {
            match &block.header {
                Some(header) => out.push_str(header),
                None => self.push_header(out, block),
            }
            if block.inline {
                return;
            }
            for entry in &block.entries {
                self.render_inner(out, entry);
            }
            self.push_close(out, block);
            return;
        }
        let live = self.live_lines(b);
        if let [(k, id)] = live[..]
            && !self.has_closing_comments(b)
        {
            self.render_collapsed(out, b, k, id);
            return;
        }
        match &block.header {
            Some(header) if !block.inline => out.push_str(header),
            _ => self.push_header(out, block),
        }
        // A removed line goes with its comments and blank lines (modfile's `Before`).
        let mut drop = vec![false; block.entries.len()];
        let mut run_start = 0;
        for (k, entry) in block.entries.iter().enumerate() {
            if let Inner::Line(id) = entry {
                if self.lines[*id].dead {
                    drop[run_start..=k].iter_mut().for_each(|d| *d = true);
                }
                run_start = k + 1;
            }
        }
        for (entry, dropped) in block.entries.iter().zip(drop) {
            if !dropped {
                self.render_inner(out, entry);
            }
        }
        self.push_close(out, block);
    }

    fn push_header(&self, out: &mut String, block: &BlockNode) {
        out.push_str(&render_tokens(&block.verb));
        out.push_str(" (");
        out.push_str(self.eol);
    }

    fn push_close(&self, out: &mut String, block: &BlockNode) {
        match (&block.close, &block.inline_comment) {
            (Some(close), _) => out.push_str(close),
            (None, comment) => {
                out.push(')');
                if let Some(c) = comment {
                    out.push(' ');
                    out.push_str(c.trim());
                }
                out.push_str(self.eol);
            }
        }
    }

    fn render_inner(&self, out: &mut String, entry: &Inner) {
        match entry {
            Inner::Blank { raw, .. } | Inner::Comment(raw) => out.push_str(raw),
            Inner::Line(id) => self.render_line(out, *id),
        }
    }

    /// A block left with one line prints as a single-line statement (modfile's `Cleanup`): the
    /// line's own comments go above it, the parenthesis comments are lost.
    fn render_collapsed(&self, out: &mut String, b: BlockId, k: usize, id: LineId) {
        let block = &self.blocks[b];
        for item in self.go_before(b, k) {
            match item {
                Some(comment) => {
                    out.push_str(comment.trim());
                    out.push_str(self.eol);
                }
                None if !at_blank_line(out) => out.push_str(self.eol),
                None => {}
            }
        }
        let line = &self.lines[id];
        let mut tokens = block.verb.clone();
        match &line.body {
            Some((body, _)) => {
                out.push_str(&render_tokens(&tokens));
                out.push(' ');
                out.push_str(body);
            }
            None => {
                tokens.extend(line.tokens.iter().cloned());
                out.push_str(&render_tokens(&tokens));
            }
        }
        out.push_str(&line.tail);
        if let Some(c) = &block.inline_comment {
            out.push_str(if line.comment.is_some() { "\n" } else { " " });
            out.push_str(c.trim());
        }
        out.push_str(self.eol);
    }
}

/// modfile's token printer: tokens joined by spaces, none inside brackets or before commas.
pub(crate) fn render_tokens(tokens: &[String]) -> String {
    let mut out = String::new();
    let mut sep = "";
    for t in tokens {
        if matches!(t.as_str(), "," | ")" | "]" | "}") {
            sep = "";
        }
        out.push_str(sep);
        out.push_str(t);
        sep = if matches!(t.as_str(), "(" | "[" | "{") {
            ""
        } else {
            " "
        };
    }
    out
}

/// The comment token of a raw comment line: from `//` to the end, line ending removed.
pub(crate) fn comment_token(raw: &str) -> &str {
    let text = raw.trim_start_matches([' ', '\t', '\r']);
    text.strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text)
}

/// modfile's `parseDirectiveComment`: the text of the comments, one line each.
fn comment_text(before: &[String], suffix: Option<&str>) -> String {
    before
        .iter()
        .map(String::as_str)
        .chain(suffix)
        .filter_map(|c| c.strip_prefix("//"))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether printed text is at the start of the file or just after a blank line, where modfile's
/// printer adds no further blank line.
fn at_blank_line(out: &str) -> bool {
    if out.is_empty() {
        return true;
    }
    let Some(body) = out.strip_suffix('\n') else {
        return false;
    };
    body.rfind('\n').is_some_and(|i| {
        body[i + 1..]
            .chars()
            .all(|c| matches!(c, ' ' | '\t' | '\r'))
    })
}

struct Parser<'a, 'l> {
    text: &'a str,
    loc: &'l Locator<'l>,
    lexer: Lexer<'a>,
    /// Start of the next entry: the end of the previous one.
    cursor: usize,
    doc: Doc,
}

impl Parser<'_, '_> {
    fn lex(&mut self) -> Result<Token, Diagnostic> {
        self.lexer
            .lex()
            .map_err(|LexError { offset, message }| self.loc.diagnostic(offset, message))
    }

    fn take(&mut self, end: usize) -> String {
        let raw = self.text[self.cursor..end].to_string();
        self.cursor = end;
        raw
    }

    fn file(&mut self) -> Result<(), Diagnostic> {
        loop {
            match self.lexer.peek() {
                TokKind::Newline => {
                    let tok = self.lex()?;
                    let raw = self.take(tok.end);
                    self.doc.top.push(Top::Blank(raw));
                }
                TokKind::Comment => {
                    let tok = self.lex()?;
                    let raw = self.take(tok.end);
                    self.doc.top.push(Top::Comment(raw));
                }
                TokKind::Eof => {
                    if self.cursor < self.text.len() {
                        let raw = self.take(self.text.len());
                        self.doc.top.push(Top::Blank(raw));
                    }
                    return Ok(());
                }
                _ => self.statement()?,
            }
        }
    }

    /// modfile's `parseStmt`: a line, or a block when `(` ends the line.
    fn statement(&mut self) -> Result<(), Diagnostic> {
        let mut tokens = vec![self.lex()?];
        loop {
            let tok = self.lex()?;
            if tok.kind.is_eol() {
                let id = self.push_line(&tokens, tok, None);
                self.doc.top.push(Top::Line(id));
                return Ok(());
            }
            if tok.kind != TokKind::Punct('(') {
                tokens.push(tok);
                continue;
            }
            let next = self.lexer.peek();
            if next.is_eol() {
                return self.block(&tokens);
            }
            if next != TokKind::Punct(')') {
                tokens.push(tok);
                continue;
            }
            let rparen = self.lex()?;
            if !self.lexer.peek().is_eol() {
                tokens.push(tok);
                tokens.push(rparen);
                continue;
            }
            let eol = self.lex()?;
            let inline_comment = (eol.kind == TokKind::EolComment)
                .then(|| comment_token(&self.text[eol.start..eol.end]).to_string());
            let header = self.take(eol.end);
            let block = BlockNode {
                header: Some(header),
                verb: self.texts(&tokens),
                inline: true,
                inline_comment,
                entries: Vec::new(),
                close: None,
                touched: false,
                start: tokens[0].start,
            };
            self.doc.blocks.push(block);
            self.doc.top.push(Top::Block(self.doc.blocks.len() - 1));
            return Ok(());
        }
    }

    /// modfile's `parseLineBlock`, after the `(` that ends the header line.
    fn block(&mut self, verb: &[Token]) -> Result<(), Diagnostic> {
        let start = verb[0].start;
        let unterminated = |p: &Self| {
            let message = format!(
                "syntax error (unterminated block started at {})",
                p.loc.position(start)
            );
            p.loc.diagnostic(p.lexer.pos(), message)
        };
        if self.lexer.peek() == TokKind::Eof {
            return Err(unterminated(self));
        }
        let header_end = self.lex()?.end;
        let header = self.take(header_end);
        let b = self.doc.blocks.len();
        self.doc.blocks.push(BlockNode {
            header: Some(header),
            verb: self.texts(verb),
            inline: false,
            inline_comment: None,
            entries: Vec::new(),
            close: None,
            touched: false,
            start,
        });
        // modfile's record of the comments since the last line: empty, or last is a comment,
        // or last is a blank-line marker.
        #[derive(PartialEq)]
        enum Pending {
            Nothing,
            Comment,
            Blank,
        }
        let mut pending = Pending::Nothing;
        let mut saw_line = false;
        loop {
            match self.lexer.peek() {
                TokKind::Newline => {
                    let tok = self.lex()?;
                    let marker =
                        (pending == Pending::Nothing && saw_line) || pending == Pending::Comment;
                    if marker {
                        pending = Pending::Blank;
                    }
                    let raw = self.take(tok.end);
                    self.doc.blocks[b]
                        .entries
                        .push(Inner::Blank { raw, marker });
                }
                TokKind::Comment | TokKind::EolComment => {
                    let tok = self.lex()?;
                    pending = Pending::Comment;
                    let raw = self.take(tok.end);
                    self.doc.blocks[b].entries.push(Inner::Comment(raw));
                }
                TokKind::Eof => return Err(unterminated(self)),
                TokKind::Punct(')') => {
                    self.lex()?;
                    if !self.lexer.peek().is_eol() {
                        return Err(self.loc.diagnostic(
                            self.lexer.pos(),
                            "syntax error (expected newline after closing paren)",
                        ));
                    }
                    let end = self.lex()?.end;
                    let close = self.take(end);
                    self.doc.blocks[b].close = Some(close);
                    self.doc.top.push(Top::Block(b));
                    return Ok(());
                }
                _ => {
                    let mut tokens = vec![self.lex()?];
                    loop {
                        let tok = self.lex()?;
                        if tok.kind.is_eol() {
                            let id = self.push_line(&tokens, tok, Some(b));
                            self.doc.blocks[b].entries.push(Inner::Line(id));
                            break;
                        }
                        tokens.push(tok);
                    }
                    saw_line = true;
                    pending = Pending::Nothing;
                }
            }
        }
    }

    fn texts(&self, tokens: &[Token]) -> Vec<String> {
        tokens
            .iter()
            .map(|t| self.text[t.start..t.end].to_string())
            .collect()
    }

    /// Records a line from the cursor through the token `end` that ends it.
    fn push_line(&mut self, tokens: &[Token], end: Token, block: Option<BlockId>) -> LineId {
        let first = tokens[0].start;
        let last = tokens.last().map_or(first, |t| t.end);
        let indent = self.text[self.cursor..first].to_string();
        let body = self.text[first..last].to_string();
        let offsets = tokens.iter().map(|t| t.start - first).collect();
        let gap = &self.text[last..end.start];
        let (tail, comment, eol) = match end.kind {
            TokKind::EolComment => {
                let raw = &self.text[end.start..end.end];
                let comment = comment_token(raw);
                let eol = &raw[comment.len()..];
                (format!("{gap}{comment}"), Some(comment.to_string()), eol)
            }
            TokKind::Newline => match gap.strip_suffix('\r') {
                Some(gap) => (gap.to_string(), None, "\r\n"),
                None => (gap.to_string(), None, "\n"),
            },
            _ => (self.text[last..end.end].to_string(), None, ""),
        };
        let line = LineNode {
            indent,
            tokens: self.texts(tokens),
            body: Some((body, offsets)),
            tail,
            comment,
            eol: eol.to_string(),
            start: first,
            block,
            dead: false,
            added: false,
            sem: None,
            replace_key: None,
        };
        self.cursor = end.end;
        self.doc.lines.push(line);
        self.doc.lines.len() - 1
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Doc {
        let loc = Locator {
            file: "go.mod",
            text,
        };
        parse(text, &loc).unwrap()
    }

    fn shape(d: &Doc) -> Vec<String> {
        d.top
            .iter()
            .map(|t| match t {
                Top::Blank(_) | Top::Separator(..) => "blank".to_string(),
                Top::Comment(raw) => format!("comment {}", comment_token(raw)),
                Top::Line(id) => format!("line {}", d.lines[*id].tokens.join(" ")),
                Top::Block(b) => {
                    let block = &d.blocks[*b];
                    let inner: Vec<String> = block
                        .entries
                        .iter()
                        .map(|e| match e {
                            Inner::Blank { marker, .. } => {
                                format!("blank{}", if *marker { "*" } else { "" })
                            }
                            Inner::Comment(raw) => format!("comment {}", comment_token(raw)),
                            Inner::Line(id) => format!("line {}", d.lines[*id].tokens.join(" ")),
                        })
                        .collect();
                    format!("block {} [{}]", block.verb.join(" "), inner.join(", "))
                }
            })
            .collect()
    }

    #[test]
    fn structure() {
        let cases: Vec<(&str, Vec<&str>)> = vec![
            ("", vec![]),
            ("  ", vec!["blank"]),
            ("module m", vec!["line module m"]),
            (
                "// c\nmodule m // s\n\n",
                vec!["comment // c", "line module m", "blank"],
            ),
            (
                "require (\n\n\t// a\n\n\n\tx v1\n\n\ty v1\n\n)\n",
                vec![
                    "block require [blank, comment // a, blank*, blank, line x v1, blank*, line y v1, blank*]",
                ],
            ),
            ("require ( ) // c\n", vec!["block require []"]),
            ("foo ( ) bar\n", vec!["line foo ( ) bar"]),
            ("foo ( bar\n", vec!["line foo ( bar"]),
            ("( (\n)\n", vec!["block ( []"]),
            ("x \"a\\\nb\" y\nz\n", vec!["line x \"a\\\nb\" y", "line z"]),
        ];
        for (text, want) in cases {
            let d = doc(text);
            assert_eq!(shape(&d), want, "{text:?}");
            assert_eq!(d.render(), text, "{text:?}");
        }
    }

    #[test]
    fn line_parts() {
        let d = doc("\trequire  x   v1 \t// c \r\nreplace a => ./b\r\nz\t");
        let l = &d.lines[0];
        assert_eq!(l.indent, "\t");
        assert_eq!(
            l.body.as_ref().map(|b| b.0.as_str()),
            Some("require  x   v1")
        );
        assert_eq!(l.body.as_ref().map(|b| b.1.clone()), Some(vec![0, 9, 13]));
        assert_eq!(
            (l.tail.as_str(), l.comment.as_deref(), l.eol.as_str()),
            (" \t// c ", Some("// c "), "\r\n")
        );
        let l = &d.lines[1];
        assert_eq!((l.tail.as_str(), l.eol.as_str()), ("", "\r\n"));
        let l = &d.lines[2];
        assert_eq!((l.tail.as_str(), l.eol.as_str()), ("\t", ""));
        assert_eq!(d.eol, "\r\n");
    }

    #[test]
    fn syntax_errors() {
        let cases = [
            (
                "require (\n\tx v1\n",
                "go.mod:3:1: syntax error (unterminated block started at go.mod:1:1)",
            ),
            (
                "require (",
                "go.mod:1:10: syntax error (unterminated block started at go.mod:1:1)",
            ),
            (
                "require (\n) x\n",
                "go.mod:2:4: syntax error (expected newline after closing paren)",
            ),
            ("module \"m\n", "go.mod:1:10: unexpected newline in string"),
        ];
        for (text, want) in cases {
            let loc = Locator {
                file: "go.mod",
                text,
            };
            let d = parse(text, &loc).unwrap_err();
            assert_eq!(d.to_string().lines().next(), Some(want), "{text:?}");
        }
    }

    #[test]
    fn tokens_print_like_modfile() {
        let t = |s: &[&str]| render_tokens(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert_eq!(
            t(&["retract", "[", "v1.0.0", ",", "v1.1.0", "]"]),
            "retract [v1.0.0, v1.1.0]"
        );
        assert_eq!(t(&["a", "(", ")", "b"]), "a () b");
        assert_eq!(t(&["x", "=>", "./y"]), "x => ./y");
    }

    #[test]
    fn blank_line_detection() {
        for (s, want) in [
            ("", true),
            ("a\n", false),
            ("a\n\n", true),
            ("a\r\n\r\n", true),
            ("\n", false),
            ("a", false),
        ] {
            assert_eq!(at_blank_line(s), want, "{s:?}");
        }
    }
}
