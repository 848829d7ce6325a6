//! The go.mod editor: `go mod edit -replace/-dropreplace/-require/-droprequire` on the lossless
//! tree.
//!
//! Each operation follows golang.org/x/mod modfile (`AddReplace`, `DropReplace`, `AddRequire`,
//! `DropRequire`, `addLine`, `updateLine`, `markRemoved`) step by step, including its quirks:
//! a replacement of a module path that has no replacement yet is appended at the end of the file
//! as a single line (modfile passes a typed nil hint), a new requirement joins the last require
//! line or block, a single line that receives a sibling becomes a block. Blocks an edit touches
//! get the new line at its sorted place (as `SortBlocks` leaves it) when they were sorted; the
//! rest of the file keeps its bytes. Removal and block collapse happen when printing (see
//! [`Doc::render`]), so a sequence of edits behaves like one `go mod edit` call with many flags.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::directives::{Sem, auto_quote, must_quote};
use super::modpath::{check_import_path, is_directory_path};
use super::syntax::{BlockId, BlockNode, Doc, Inner, LineId, LineNode, Top, comment_token};
use super::{GoMod, GoModError};

/// One `go mod edit` operation, for [`GoMod::apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// `-replace=old[@v]=new[@v]`.
    Replace {
        old_path: String,
        old_version: Option<String>,
        new_path: String,
        new_version: Option<String>,
    },
    /// `-dropreplace=old[@v]`.
    DropReplace {
        old_path: String,
        old_version: Option<String>,
    },
    /// `-require=path@version`.
    Require { path: String, version: String },
    /// `-droprequire=path`.
    DropRequire { path: String },
}

impl Edit {
    /// Reads a `go mod edit` flag (`-replace=…`, `-dropreplace=…`, `-require=…`,
    /// `-droprequire=…`; one or two leading dashes), splitting it the way the go command does.
    pub fn from_flag(flag: &str) -> Result<Edit, GoModError> {
        let invalid = |message: &str| GoModError::InvalidEdit {
            edit: flag.to_string(),
            message: message.to_string(),
        };
        let body = flag
            .strip_prefix("--")
            .or_else(|| flag.strip_prefix('-'))
            .ok_or_else(|| invalid("not a flag"))?;
        let (name, arg) = body
            .split_once('=')
            .ok_or_else(|| invalid("missing =value"))?;
        match name {
            "replace" => {
                let (old, new) = arg
                    .split_once('=')
                    .ok_or_else(|| invalid("need old[@v]=new[@w] (missing =)"))?;
                let (old, new) = (old.trim(), new.trim());
                if new.starts_with('>') {
                    return Err(invalid("separator between old and new is =, not =>"));
                }
                let (old_path, old_version) = split_version(old);
                let (new_path, new_version) = split_version(new);
                Ok(Edit::Replace {
                    old_path,
                    old_version,
                    new_path,
                    new_version,
                })
            }
            "dropreplace" => {
                let (old_path, old_version) = split_version(arg);
                Ok(Edit::DropReplace {
                    old_path,
                    old_version,
                })
            }
            "require" => match split_version(arg) {
                (path, Some(version)) => Ok(Edit::Require { path, version }),
                (_, None) => Err(invalid("need path@version")),
            },
            "droprequire" => {
                if arg.contains('@') {
                    return Err(invalid("need just path, not path@version"));
                }
                Ok(Edit::DropRequire {
                    path: arg.to_string(),
                })
            }
            _ => Err(invalid("unsupported flag")),
        }
    }

    /// The edit as a `go mod edit` flag.
    pub fn to_flag(&self) -> String {
        let at = |path: &str, version: &Option<String>| match version {
            Some(v) => format!("{path}@{v}"),
            None => path.to_string(),
        };
        match self {
            Edit::Replace {
                old_path,
                old_version,
                new_path,
                new_version,
            } => format!(
                "-replace={}={}",
                at(old_path, old_version),
                at(new_path, new_version)
            ),
            Edit::DropReplace {
                old_path,
                old_version,
            } => format!("-dropreplace={}", at(old_path, old_version)),
            Edit::Require { path, version } => format!("-require={path}@{version}"),
            Edit::DropRequire { path } => format!("-droprequire={path}"),
        }
    }

    /// The checks `go mod edit` makes on its flags before it edits anything.
    fn check(&self) -> Result<(), GoModError> {
        let invalid = |message: String| GoModError::InvalidEdit {
            edit: self.to_flag(),
            message,
        };
        let version_ok = |adj: &str, v: &Option<String>| match v {
            Some(v) if must_quote(v) => Err(invalid(format!(
                "invalid {adj} version: {}",
                super::directives::go_quote(v)
            ))),
            _ => Ok(()),
        };
        match self {
            Edit::Replace {
                old_path,
                old_version,
                new_path,
                new_version,
            } => {
                check_import_path(old_path)
                    .map_err(|e| invalid(format!("invalid old path: {e}")))?;
                version_ok("old", old_version)?;
                if let Err(e) = check_import_path(new_path)
                    && !is_directory_path(new_path)
                {
                    return Err(invalid(format!("invalid new path: {e}")));
                }
                version_ok("new", new_version)?;
                match new_version {
                    None if !is_directory_path(new_path) => Err(invalid(
                        "unversioned new path must be local directory".into(),
                    )),
                    Some(_) if is_directory_path(new_path) => Err(invalid(format!(
                        "replacement module directory path {} cannot have version",
                        super::directives::go_quote(new_path)
                    ))),
                    _ => Ok(()),
                }
            }
            Edit::DropReplace {
                old_path,
                old_version,
            } => {
                if let Err(e) = check_import_path(old_path)
                    && !is_directory_path(old_path)
                {
                    return Err(invalid(format!("invalid old path: {e}")));
                }
                version_ok("old", old_version)
            }
            Edit::Require { path, version } => {
                check_import_path(path).map_err(|e| invalid(format!("invalid path: {e}")))?;
                if must_quote(version) {
                    return Err(invalid(format!(
                        "invalid version {}",
                        super::directives::go_quote(version)
                    )));
                }
                Ok(())
            }
            Edit::DropRequire { path } => {
                check_import_path(path).map_err(|e| invalid(format!("invalid path: {e}")))
            }
        }
    }
}

/// What `go mod edit -replace` refuses in this replacement, if anything ([`Edit::check`]).
fn check_replace(
    old_path: &str,
    old_version: Option<&str>,
    new_path: &str,
    new_version: Option<&str>,
) -> Result<(), GoModError> {
    Edit::Replace {
        old_path: old_path.into(),
        old_version: old_version.map(Into::into),
        new_path: new_path.into(),
        new_version: new_version.map(Into::into),
    }
    .check()
}

fn split_version(s: &str) -> (String, Option<String>) {
    match s.split_once('@') {
        Some((path, version)) => (path.trim().to_string(), Some(version.trim().to_string())),
        None => (s.to_string(), None),
    }
}

impl GoMod {
    /// `go mod edit -replace=old[@v]=new[@v]`. A replacement with the same left side (any
    /// version when `old_version` is `None`) is updated in place and further ones are dropped;
    /// otherwise the line goes next to a replacement of the same module path (making a block of
    /// a single line), or at the end of the file. `new_version: None` means `new_path` is a
    /// local directory.
    pub fn add_replace(
        &mut self,
        old_path: &str,
        old_version: Option<&str>,
        new_path: &str,
        new_version: Option<&str>,
    ) -> Result<(), GoModError> {
        check_replace(old_path, old_version, new_path, new_version)?;
        self.replace_unchecked(old_path, old_version, new_path, new_version);
        Ok(())
    }

    /// `go mod edit -dropreplace=old[@v]`: drops the replacements whose left side is exactly
    /// `old_path` with `old_version` (`None`: the one without version). Says whether any was.
    pub fn drop_replace(&mut self, old_path: &str, old_version: Option<&str>) -> bool {
        let old_version = old_version.unwrap_or("");
        let matching: Vec<LineId> = self
            .dirs
            .replace
            .iter()
            .copied()
            .filter(|&id| {
                matches!(&self.doc.lines[id].replace_key, Some((p, v)) if p == old_path && v == old_version)
            })
            .collect();
        for &id in &matching {
            self.remove_line(id);
        }
        !matching.is_empty()
    }

    /// `go mod edit -require=path@version`: sets the first requirement on `path` to `version`
    /// (its comments, `// indirect` included, stay) and drops the others; adds a line to the
    /// last require line or block when there is none.
    pub fn set_require(&mut self, path: &str, version: &str) -> Result<(), GoModError> {
        let edit = Edit::Require {
            path: path.into(),
            version: version.into(),
        };
        edit.check()?;
        self.require_unchecked(path, version);
        Ok(())
    }

    /// `go mod edit -droprequire=path`: drops every requirement on `path`. Says whether any was.
    pub fn drop_require(&mut self, path: &str) -> bool {
        let matching: Vec<LineId> = self
            .dirs
            .require
            .iter()
            .copied()
            .filter(|&id| matches!(&self.doc.lines[id].sem, Some(Sem::Require { path: p, .. }) if p == path))
            .collect();
        for &id in &matching {
            self.remove_line(id);
        }
        !matching.is_empty()
    }

    /// Applies edits in order, like one `go mod edit` call with these flags: every edit is
    /// checked first, and nothing changes when one is invalid.
    pub fn apply(&mut self, edits: &[Edit]) -> Result<(), GoModError> {
        edits.iter().try_for_each(Edit::check)?;
        for edit in edits {
            match edit {
                Edit::Replace {
                    old_path,
                    old_version,
                    new_path,
                    new_version,
                } => self.replace_unchecked(
                    old_path,
                    old_version.as_deref(),
                    new_path,
                    new_version.as_deref(),
                ),
                Edit::DropReplace {
                    old_path,
                    old_version,
                } => {
                    self.drop_replace(old_path, old_version.as_deref());
                }
                Edit::Require { path, version } => self.require_unchecked(path, version),
                Edit::DropRequire { path } => {
                    self.drop_require(path);
                }
            }
        }
        Ok(())
    }

    /// modfile's `addReplace`.
    fn replace_unchecked(
        &mut self,
        old_path: &str,
        old_version: Option<&str>,
        new_path: &str,
        new_version: Option<&str>,
    ) {
        let mut lines = self.dirs.replace.clone();
        self.replace_among(&mut lines, old_path, old_version, new_path, new_version);
    }

    /// modfile's `AddReplace` looking only at `lines` (replace lines, in file order; those of
    /// other module paths are passed over), which it keeps up to date: lines it drops leave it,
    /// the line it adds joins it.
    fn replace_among(
        &mut self,
        lines: &mut Vec<LineId>,
        old_path: &str,
        old_version: Option<&str>,
        new_path: &str,
        new_version: Option<&str>,
    ) {
        let sem = Sem::Replace {
            old_path: old_path.into(),
            old_version: old_version.unwrap_or("").into(),
            new_path: new_path.into(),
            new_version: new_version.unwrap_or("").into(),
        };
        let tokens = sem_tokens(&sem);
        let mut need = true;
        let mut hint = None;
        let mut removed = Vec::new();
        for &id in lines.iter() {
            let Some((p, v)) = &self.doc.lines[id].replace_key else {
                continue;
            };
            let same_path = p == old_path;
            if same_path && old_version.is_none_or(|want| v == want) {
                if need {
                    // modfile updates the line and `Replace.New`, not `Replace.Old`.
                    self.doc.update_line(id, tokens.clone());
                    self.doc.lines[id].sem = Some(sem.clone());
                    need = false;
                } else {
                    removed.push(id);
                }
                continue;
            }
            if same_path {
                hint = Some(id);
            }
        }
        for &id in &removed {
            self.remove_line(id);
        }
        lines.retain(|id| !removed.contains(id));
        if need {
            let id = match hint {
                Some(hint) => self.doc.add_line_near(hint, tokens, sem),
                None => self.doc.append_line(tokens, sem),
            };
            self.dirs.replace.push(id);
            lines.push(id);
        }
    }

    /// [`GoMod::add_replace`] for many replacements (`(old_path, old_version, new_path,
    /// new_version)`), as if added one after another in order; each is compared only with the
    /// replace lines of its own module path, so thousands of them cost one pass over the file's.
    pub fn add_replaces<'a>(
        &mut self,
        edits: impl IntoIterator<Item = (&'a str, Option<&'a str>, &'a str, Option<&'a str>)>,
    ) -> Result<(), GoModError> {
        let mut by_path: HashMap<String, Vec<LineId>> = HashMap::new();
        for &id in &self.dirs.replace {
            if let Some((p, _)) = &self.doc.lines[id].replace_key {
                by_path.entry(p.clone()).or_default().push(id);
            }
        }
        for (old_path, old_version, new_path, new_version) in edits {
            check_replace(old_path, old_version, new_path, new_version)?;
            let lines = by_path.entry(old_path.to_string()).or_default();
            self.replace_among(lines, old_path, old_version, new_path, new_version);
        }
        Ok(())
    }

    /// modfile's `AddRequire`.
    fn require_unchecked(&mut self, path: &str, version: &str) {
        let mut need = true;
        for id in self.dirs.require.clone() {
            let Some(Sem::Require {
                path: p, indirect, ..
            }) = &self.doc.lines[id].sem
            else {
                continue;
            };
            if p != path {
                continue;
            }
            if need {
                let sem = Sem::Require {
                    path: path.into(),
                    version: version.into(),
                    indirect: *indirect,
                };
                self.doc.update_line(id, sem_tokens(&sem));
                self.doc.lines[id].sem = Some(sem);
                need = false;
            } else {
                self.remove_line(id);
            }
        }
        if need {
            let sem = Sem::Require {
                path: path.into(),
                version: version.into(),
                indirect: false,
            };
            let id = self.doc.add_line_last(sem_tokens(&sem), sem);
            self.dirs.require.push(id);
        }
    }

    fn remove_line(&mut self, id: LineId) {
        self.doc.mark_removed(id);
        let d = &mut self.dirs;
        for list in [
            &mut d.godebug,
            &mut d.require,
            &mut d.exclude,
            &mut d.replace,
            &mut d.retract,
            &mut d.tool,
            &mut d.ignore,
        ] {
            list.retain(|&x| x != id);
        }
    }
}

/// The tokens go prints for a directive line, verb first.
fn sem_tokens(sem: &Sem) -> Vec<String> {
    let mut t = Vec::new();
    match sem {
        Sem::Require { path, version, .. } => {
            t.extend(["require".to_string(), auto_quote(path), version.clone()]);
        }
        Sem::Replace {
            old_path,
            old_version,
            new_path,
            new_version,
        } => {
            t.extend(["replace".to_string(), auto_quote(old_path)]);
            if !old_version.is_empty() {
                t.push(old_version.clone());
            }
            t.extend(["=>".to_string(), auto_quote(new_path)]);
            if !new_version.is_empty() {
                t.push(new_version.clone());
            }
        }
        _ => {}
    }
    t
}

/// The tokens `SortBlocks` compares for a line in a block: as go normalises them when it reads.
fn sort_key(line: &LineNode) -> Vec<String> {
    match &line.sem {
        Some(sem @ (Sem::Require { .. } | Sem::Replace { .. })) => {
            let mut t = sem_tokens(sem);
            t.remove(0);
            t
        }
        _ => line.tokens.clone(),
    }
}

/// modfile's `compareLine`: token by token, then the shorter first.
fn compare_line(a: &[String], b: &[String]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.cmp(y))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| a.len().cmp(&b.len()))
}

impl Doc {
    /// modfile's `updateLine`: new tokens (without the verb inside a block), comments kept.
    pub(crate) fn update_line(&mut self, id: LineId, mut tokens: Vec<String>) {
        let line = &mut self.lines[id];
        if line.block.is_some() {
            tokens.remove(0);
        }
        line.tokens = tokens;
        line.body = None;
    }

    /// modfile's `markRemoved`; the line disappears when printed.
    pub(crate) fn mark_removed(&mut self, id: LineId) {
        let line = &mut self.lines[id];
        line.dead = true;
        if let Some(b) = line.block {
            self.blocks[b].touched = true;
        }
    }

    /// modfile's `addLine` with a hint: into the hint's block, or the hint line becomes a block.
    pub(crate) fn add_line_near(&mut self, hint: LineId, tokens: Vec<String>, sem: Sem) -> LineId {
        if let Some(b) = self.lines[hint].block {
            return self.insert_into_block(b, tokens, sem, Some(hint));
        }
        match self
            .top
            .iter()
            .position(|t| matches!(t, Top::Line(id) if *id == hint))
        {
            Some(ti) => self.convert_to_block(ti, tokens, sem),
            None => self.append_line(tokens, sem),
        }
    }

    /// modfile's `addLine` without hint: into the last line or block with the same verb, else
    /// at the end of the file.
    pub(crate) fn add_line_last(&mut self, tokens: Vec<String>, sem: Sem) -> LineId {
        for ti in (0..self.top.len()).rev() {
            match self.top[ti] {
                Top::Line(id)
                    if !self.lines[id].dead && self.lines[id].tokens.first() == tokens.first() =>
                {
                    return self.convert_to_block(ti, tokens, sem);
                }
                // A block whose header has more tokens than the verb (`require x (`) is an error
                // in strict reading and skipped in lax reading; modfile would still pick it, and
                // print a line that no longer parses.
                Top::Block(b)
                    if self.blocks[b].verb.len() == 1
                        && self.blocks[b].verb.first() == tokens.first() =>
                {
                    return self.insert_into_block(b, tokens, sem, None);
                }
                _ => {}
            }
        }
        self.append_line(tokens, sem)
    }

    /// A new single-line statement at the end of the file, after a blank line.
    pub(crate) fn append_line(&mut self, tokens: Vec<String>, sem: Sem) -> LineId {
        self.ensure_final_newline();
        let id = self.new_line(tokens, sem, None);
        let after_blank = matches!(self.top.last(), Some(Top::Blank(_) | Top::Separator(..)));
        if !self.top.is_empty() && !after_blank {
            self.top.push(Top::Separator(self.eol.to_string(), id));
        }
        self.top.push(Top::Line(id));
        id
    }

    fn new_line(&mut self, tokens: Vec<String>, sem: Sem, block: Option<BlockId>) -> LineId {
        let replace_key = match &sem {
            Sem::Replace {
                old_path,
                old_version,
                ..
            } => Some((old_path.clone(), old_version.clone())),
            _ => None,
        };
        self.lines.push(LineNode {
            indent: if block.is_some() { "\t" } else { "" }.to_string(),
            tokens,
            body: None,
            tail: String::new(),
            comment: None,
            eol: self.eol.to_string(),
            start: 0,
            block,
            dead: false,
            added: true,
            sem: Some(sem),
            replace_key,
        });
        self.lines.len() - 1
    }

    fn ensure_final_newline(&mut self) {
        let eol = self.eol;
        match self.top.last_mut() {
            Some(Top::Blank(raw) | Top::Comment(raw) | Top::Separator(raw, _))
                if !raw.ends_with('\n') =>
            {
                raw.push_str(eol)
            }
            Some(Top::Line(id)) if self.lines[*id].eol.is_empty() => {
                self.lines[*id].eol = eol.to_string();
            }
            Some(Top::Block(b)) => {
                let block = &mut self.blocks[*b];
                let last = if block.inline {
                    block.header.as_mut()
                } else {
                    block.close.as_mut()
                };
                if let Some(raw) = last
                    && !raw.ends_with('\n')
                {
                    raw.push_str(eol);
                }
            }
            _ => {}
        }
    }

    /// Adds a line to a block: at its sorted place when the block is sorted (where go's
    /// `SortBlocks` puts it), else after `after` or after the last line.
    fn insert_into_block(
        &mut self,
        b: BlockId,
        mut tokens: Vec<String>,
        sem: Sem,
        after: Option<LineId>,
    ) -> LineId {
        tokens.remove(0);
        let id = self.new_line(tokens, sem, Some(b));
        let key = sort_key(&self.lines[id]);
        let live = self.live_lines(b);
        let keys: Vec<Vec<String>> = live
            .iter()
            .map(|&(_, l)| sort_key(&self.lines[l]))
            .collect();
        let sorted = keys.windows(2).all(|w| compare_line(&w[0], &w[1]).is_le());
        let entries = &self.blocks[b].entries;
        let position = if sorted {
            live.iter()
                .zip(&keys)
                .rev()
                .find(|(_, k)| compare_line(k, &key).is_le())
                .map_or(0, |((k, _), _)| k + 1)
        } else {
            let anchor = after.and_then(|h| {
                entries
                    .iter()
                    .position(|e| matches!(e, Inner::Line(x) if *x == h))
            });
            anchor
                .or_else(|| entries.iter().rposition(|e| matches!(e, Inner::Line(_))))
                .map_or(0, |k| k + 1)
        };
        let block = &mut self.blocks[b];
        block.entries.insert(position, Inner::Line(id));
        block.touched = true;
        id
    }

    /// The top-level line at `ti` becomes the first line of a new block (its comments move in
    /// with it, indented), and the new line joins it.
    fn convert_to_block(&mut self, ti: usize, tokens: Vec<String>, sem: Sem) -> LineId {
        let Top::Line(old) = self.top[ti] else {
            return self.append_line(tokens, sem);
        };
        let first = self.top[..ti]
            .iter()
            .rposition(|t| !matches!(t, Top::Comment(_)))
            .map_or(0, |i| i + 1);
        let eol = self.eol;
        let mut entries: Vec<Inner> = self.top[first..ti]
            .iter()
            .filter_map(|t| match t {
                Top::Comment(raw) => Some(Inner::Comment(format!(
                    "\t{}{eol}",
                    comment_token(raw).trim()
                ))),
                _ => None,
            })
            .collect();
        entries.push(Inner::Line(old));
        let b = self.blocks.len();
        let line = &mut self.lines[old];
        let verb = line.tokens.remove(0);
        line.body = match line.body.take() {
            Some((body, offsets)) if offsets.len() > 1 => {
                let cut = offsets[1];
                Some((
                    body[cut..].to_string(),
                    offsets[1..].iter().map(|o| o - cut).collect(),
                ))
            }
            _ => None,
        };
        line.indent = "\t".to_string();
        if line.eol.is_empty() {
            line.eol = eol.to_string();
        }
        line.block = Some(b);
        let start = line.start;
        self.blocks.push(BlockNode {
            header: None,
            verb: vec![verb],
            inline: false,
            inline_comment: None,
            entries,
            close: None,
            touched: true,
            start,
        });
        self.top.splice(first..=ti, [Top::Block(b)]);
        self.insert_into_block(b, tokens, sem, Some(old))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn edit(text: &str, flags: &[&str]) -> String {
        let mut m = GoMod::parse("go.mod", text).unwrap();
        let edits: Vec<Edit> = flags.iter().map(|f| Edit::from_flag(f).unwrap()).collect();
        m.apply(&edits).unwrap();
        m.to_string()
    }

    #[test]
    fn flags_round_trip() {
        for flag in [
            "-replace=a.com/x=./x",
            "-replace=a.com/x@v1.0.0=b.com/y@v1.1.0",
            "-dropreplace=a.com/x@v1.0.0",
            "-dropreplace=a.com/x",
            "-require=a.com/x@v1.2.3",
            "-droprequire=a.com/x",
        ] {
            assert_eq!(Edit::from_flag(flag).unwrap().to_flag(), flag);
        }
        assert_eq!(
            Edit::from_flag("--replace= a.com/x @ v1.0.0 = ./x ")
                .unwrap()
                .to_flag(),
            "-replace=a.com/x@v1.0.0=./x"
        );
    }

    #[test]
    fn flag_errors() {
        let cases = [
            ("-replace=a.com/x", "need old[@v]=new[@w] (missing =)"),
            (
                "-replace=a.com/x=>./x",
                "separator between old and new is =, not =>",
            ),
            ("-require=a.com/x", "need path@version"),
            (
                "-droprequire=a.com/x@v1.0.0",
                "need just path, not path@version",
            ),
            ("-exclude=a.com/x@v1.0.0", "unsupported flag"),
            ("replace=a=b", "not a flag"),
        ];
        for (flag, want) in cases {
            let err = Edit::from_flag(flag).unwrap_err();
            assert_eq!(err.to_string(), format!("invalid edit `{flag}`: {want}"));
        }
    }

    #[test]
    fn checks_like_go_mod_edit() {
        let mut m = GoMod::parse("go.mod", "module m\n").unwrap();
        let cases: Vec<(Result<(), GoModError>, &str)> = vec![
            (
                m.add_replace("a.com/x", None, "b.com/y", None),
                "invalid edit `-replace=a.com/x=b.com/y`: unversioned new path must be local directory",
            ),
            (
                m.add_replace("a b", None, "./y", None),
                "invalid edit `-replace=a b=./y`: invalid old path: malformed import path \"a b\": invalid char ' '",
            ),
            (
                m.add_replace("a.com/x", Some("v 1"), "./y", None),
                "invalid edit `-replace=a.com/x@v 1=./y`: invalid old version: \"v 1\"",
            ),
            (
                m.add_replace("a.com/x", Some(""), "./y", None),
                "invalid edit `-replace=a.com/x@=./y`: invalid old version: \"\"",
            ),
            (
                m.add_replace("a.com/x", None, "./y", Some("v1.0.0")),
                "invalid edit `-replace=a.com/x=./y@v1.0.0`: replacement module directory path \"./y\" cannot have version",
            ),
            (
                m.add_replace("a.com/x", None, "b.com/%", Some("v1.0.0")),
                "invalid edit `-replace=a.com/x=b.com/%@v1.0.0`: invalid new path: malformed import path \"b.com/%\": invalid char '%'",
            ),
            (
                m.set_require("a.com/x", "v1 .0"),
                "invalid edit `-require=a.com/x@v1 .0`: invalid version \"v1 .0\"",
            ),
            (
                m.set_require("", "v1.0.0"),
                "invalid edit `-require=@v1.0.0`: invalid path: malformed import path \"\": empty string",
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got.unwrap_err().to_string(), want);
        }
        assert_eq!(m.to_string(), "module m\n");
        let bad = [
            Edit::from_flag("-require=a.com/x@v1.0.0").unwrap(),
            Edit::from_flag("-droprequire=a b").unwrap(),
        ];
        assert!(m.apply(&bad).is_err());
        assert_eq!(
            m.to_string(),
            "module m\n",
            "nothing applied when one edit is invalid"
        );
    }

    #[test]
    fn edits_like_go() {
        // Expected texts are what `go mod edit` of go 1.26 writes (checked with it; the goldens
        // in testdata/gomod are regenerated by the go command itself).
        let cases: &[(&str, &[&str], &str)] = &[
            ("", &["-replace=a.com/x=./x"], "replace a.com/x => ./x\n"),
            (
                "module m",
                &["-replace=a.com/x=./x"],
                "module m\n\nreplace a.com/x => ./x\n",
            ),
            (
                "module m\n\nreplace (\n\tx.com/a => ./x\n\ty.com/a => ./y\n)\n",
                &["-replace=z.com/a=./z", "-replace=b.com/a=./b"],
                "module m\n\nreplace (\n\tx.com/a => ./x\n\ty.com/a => ./y\n)\n\nreplace z.com/a => ./z\n\nreplace b.com/a => ./b\n",
            ),
            (
                "module m\n\n// about x\nreplace x.com/a v1.0.0 => ./x // s\n\nrequire a.com/b v1.0.0\n",
                &["-replace=x.com/a@v0.9.0=./x2"],
                "module m\n\nreplace (\n\tx.com/a v0.9.0 => ./x2\n\t// about x\n\tx.com/a v1.0.0 => ./x // s\n)\n\nrequire a.com/b v1.0.0\n",
            ),
            (
                "module m\n\nreplace x.com/a v1.0.0 => ./x // s\n",
                &["-replace=x.com/a=./x2"],
                "module m\n\nreplace x.com/a => ./x2 // s\n",
            ),
            (
                "module m\n\n// about x\nreplace x.com/a => ./x\n\n// other\n\nreplace y.com/a => ./y // sfx\n",
                &["-dropreplace=x.com/a"],
                "module m\n\n// other\n\nreplace y.com/a => ./y // sfx\n",
            ),
            (
                "module m\n\nreplace (\n\t// c1\n\tx.com/a => ./x\n\n\t// c2\n\ty.com/a => ./y // s\n// trailing\n)\n",
                &["-dropreplace=y.com/a"],
                "module m\n\nreplace (\n\t// c1\n\tx.com/a => ./x\n// trailing\n)\n",
            ),
            (
                "module m\n\nrequire (\n\ta.com/a v1.0.0\n\n\tb.com/b v1.0.0\n\tc.com/c v1.0.0\n)\n",
                &["-droprequire=a.com/a"],
                "module m\n\nrequire (\n\n\tb.com/b v1.0.0\n\tc.com/c v1.0.0\n)\n",
            ),
            (
                "module m\n\n// blk\nrequire ( // lp\n\tx.com/x v1.0.0\n\n\t// la\n\ta.com/a v1.0.0 // s\n) // rp\n",
                &["-droprequire=x.com/x"],
                "module m\n\n// blk\n\n// la\nrequire a.com/a v1.0.0 // s\n",
            ),
            (
                "module m\n\nrequire (\n\ta.com/a v1.0.0\n\tc.com/c v1.0.0\n)\n\nrequire (\n\td.com/a v1.0.0 // indirect\n\te.com/c v1.0.0 // indirect\n)\n",
                &["-require=b.com/b@v1.2.3", "-require=d.com/a@v1.1.0"],
                "module m\n\nrequire (\n\ta.com/a v1.0.0\n\tc.com/c v1.0.0\n)\n\nrequire (\n\tb.com/b v1.2.3\n\td.com/a v1.1.0 // indirect\n\te.com/c v1.0.0 // indirect\n)\n",
            ),
            (
                "module m\n\nrequire a.com/a v1.0.0\n",
                &["-droprequire=a.com/a", "-require=b.com/b@v1.0.0"],
                "module m\n\nrequire b.com/b v1.0.0\n",
            ),
            (
                "module m\n\n// c\nrequire (\n\ta.com/a v1.0.0\n\tc.com/c v1.0.0\n)\n",
                &[
                    "-droprequire=a.com/a",
                    "-droprequire=c.com/c",
                    "-require=b.com/b@v1.0.0",
                ],
                "module m\n\n// c\nrequire b.com/b v1.0.0\n",
            ),
            (
                "module m\n\nrequire a.com/a v1.0.0\n\ngo 1.21\n",
                &["-droprequire=a.com/a"],
                "module m\n\ngo 1.21\n",
            ),
            (
                "require a.com/a v1.0.0\n\nmodule m\n",
                &["-droprequire=a.com/a"],
                "module m\n",
            ),
            (
                "module m\n\nrequire a.com/a v1.0.0\n\ngo 1.21\n\n\n",
                &["-replace=b.com/b=./b", "-dropreplace=b.com/b"],
                "module m\n\nrequire a.com/a v1.0.0\n\ngo 1.21\n\n\n",
            ),
            (
                "module m\n",
                &["-replace=\"a.com/x\"=./my dir"],
                "module m\n\nreplace \"\\\"a.com/x\\\"\" => \"./my dir\"\n",
            ),
        ];
        for (input, flags, want) in cases {
            if flags.iter().any(|f| f.contains('"')) {
                // An old path with quotes is refused, as by go.
                let flag = Edit::from_flag(flags[0]).unwrap();
                assert!(
                    GoMod::parse("go.mod", input)
                        .unwrap()
                        .apply(&[flag])
                        .is_err()
                );
                continue;
            }
            assert_eq!(edit(input, flags), *want, "{input:?} {flags:?}");
        }
    }

    /// Input `go mod edit -fmt` would change: untouched bytes stay (go writes LF everywhere and
    /// puts a blank line between `module m` and `// tail`).
    #[test]
    fn crlf_and_missing_final_newline() {
        assert_eq!(
            edit(
                "module m\r\n\r\nrequire a.com/a v1.0.0\r\n",
                &["-require=b.com/b@v1.0.0"]
            ),
            "module m\r\n\r\nrequire (\r\n\ta.com/a v1.0.0\r\n\tb.com/b v1.0.0\r\n)\r\n"
        );
        assert_eq!(
            edit(
                "module m\n\nrequire a.com/a v1.0.0",
                &["-require=b.com/b@v1.0.0"]
            ),
            "module m\n\nrequire (\n\ta.com/a v1.0.0\n\tb.com/b v1.0.0\n)\n"
        );
        assert_eq!(
            edit("module m\n// tail", &["-replace=a.com/a=../a"]),
            "module m\n// tail\n\nreplace a.com/a => ../a\n"
        );
    }

    /// The batch editor gomodoff uses gives what the edits give one after another: lines updated
    /// in place, duplicates dropped, a versioned replacement next to its path's, a path edited
    /// twice in one batch.
    #[test]
    fn add_replaces_is_add_replace_in_order() {
        let text = "module m\n\ngo 1.21\n\nreplace (\n\ta.com/a v1.0.0 => ./a1\n\tb.com/b => ./b\n\tb.com/b v1.2.0 => ./b2\n)\n\nreplace c.com/c v1.0.0 => c.com/fork v1.0.1\n\nreplace d.com/d => ./d // local\n";
        let edits: [(&str, Option<&str>, &str, Option<&str>); 7] = [
            ("b.com/b", None, "./third_party/b", None),
            ("a.com/a", Some("v1.1.0"), "./third_party/a", None),
            ("c.com/c", Some("v2.0.0"), "c.com/fork", Some("v2.0.1")),
            ("e.com/e", None, "./third_party/e", None),
            ("d.com/d", Some("v0.1.0"), "./third_party/d", None),
            ("e.com/e", None, "./third_party/e2", None),
            ("a.com/a", None, "./third_party/a-all", None),
        ];
        let mut one_by_one = GoMod::parse("go.mod", text).unwrap();
        for (op, ov, np, nv) in edits {
            one_by_one.add_replace(op, ov, np, nv).unwrap();
        }
        let mut batch = GoMod::parse("go.mod", text).unwrap();
        batch.add_replaces(edits).unwrap();
        assert_eq!(batch.to_string(), one_by_one.to_string());
        assert_eq!(batch.replaces(), one_by_one.replaces());
        assert!(batch.to_string().contains("./third_party/e2"));
        assert!(!batch.to_string().contains("./b2"));
        let bad = [("a b", None, "./x", None)];
        assert!(batch.add_replaces(bad).is_err());
    }

    #[test]
    fn many_replaces_are_linear() {
        let mut m = GoMod::parse("go.mod", "module m\n\ngo 1.21\n").unwrap();
        for i in 0..2000 {
            m.add_replace(
                &format!("example.com/m{i}"),
                None,
                &format!("./third_party/m{i}"),
                None,
            )
            .unwrap();
        }
        let text = m.to_string();
        assert_eq!(text.matches("\nreplace ").count(), 2000);
        assert_eq!(m.replaces().len(), 2000);
        assert!(m.drop_replace("example.com/m7", None));
        assert!(!m.to_string().contains("example.com/m7 "));
        assert_eq!(m.replaces().len(), 1999);
    }
}
