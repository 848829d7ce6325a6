//! Lossless go.mod: read any go.mod the go command reads, edit it the way `go mod edit` does, and
//! print it back with every untouched byte in place.
//!
//! gomodoff adds and removes replace directives in users' go.mod files; a diff shown to the user
//! must contain exactly the lines it changes, and `restore` must give the file back byte for byte.
//! So the file is kept as a syntax tree that owns every byte of the text (comments, blank lines,
//! odd spacing, CRLF line endings, a missing final newline), and
//! `GoMod::parse(name, s)?.to_string() == s` holds for every text that parses. A UTF-8 byte order
//! mark is refused as go refuses it (`go.mod:1:1: unexpected input character '\ufeff'`): go would
//! not build from a go.mod that has one, so nothing gomodoff wrote from it would build either.
//!
//! The grammar, the directive checks and their error messages are those of golang.org/x/mod
//! modfile (`read.go`, `rule.go`): `module`, `go`, `toolchain`, `godebug`, `require`, `exclude`,
//! `replace`, `retract` (versions and `[low, high]` intervals, rationale comments), `tool`,
//! `ignore`; single lines and `verb ( … )` blocks; `"…"` strings with go escapes and `` `…` ``
//! strings (read as tokens; as with go, a directive's path or version may not be one);
//! `// indirect`. [`GoMod::parse`] reads a main module's go.mod like `modfile.Parse`
//! (unknown directives are errors); [`GoMod::parse_lax`] reads a dependency's like
//! `modfile.ParseLax`: only `module`, `go`, `require`, `retract` and `ignore` are read, anything
//! else (including `toolchain`, `exclude` and `replace`, which do not apply to dependencies) is
//! skipped unchecked.
//!
//! The editor ([`GoMod::add_replace`], [`GoMod::drop_replace`], [`GoMod::set_require`],
//! [`GoMod::drop_require`], [`GoMod::apply`]) follows modfile's `AddReplace`, `DropReplace`,
//! `AddRequire` and `DropRequire` step by step. On a file that `go mod edit -fmt` leaves
//! unchanged, the result equals `go mod edit`'s byte for byte, for one edit or many (the edits
//! made on one [`GoMod`] behave as one `go mod edit` call with those flags, in order). Notably,
//! as with go: a replacement for a module path that has none yet is appended at the end of the
//! file as its own `replace` line, not into an existing replace block; a replacement or
//! requirement that joins a single line of its kind turns that line into a block; removing a
//! line removes the comments directly above it; a block left with one line becomes a single
//! line, and an emptied block disappears with its comments. Within one [`GoMod`], a replacement
//! that [`GoMod::add_replace`] rewrote keeps matching its former left side in later edits
//! (modfile does not update `Replace.Old`): `old@v1 => x` rewritten by `-replace=old=y` reads
//! `old => y` but is still the target of `-dropreplace=old@v1`. Parse the printed text again to
//! start a new `go mod edit` call.
//!
//! # Limitations
//!
//! `go mod edit` reprints the whole file with the rules of `go mod edit -fmt`; this editor only
//! rewrites what an edit touches. On input that `-fmt` would change, the results differ where go
//! would also have reformatted, that is:
//! - spacing, indentation and trailing blanks are kept, not normalised; multiple blank lines are
//!   not collapsed, blank lines right after `(` or before `)` are kept;
//! - blocks are not re-sorted: a new line goes to its sorted place only in a sorted block,
//!   otherwise where modfile adds it before sorting (after its hint, or last);
//! - duplicate `replace`/`exclude`/`tool`/`ignore` lines are not removed, one-line and empty
//!   blocks an edit did not touch are not collapsed or removed;
//! - tokens keep their spelling: quoted paths that need no quotes, non-canonical versions such as
//!   `v1.2` (read as `v1.2.0`) are not rewritten;
//! - CRLF line endings are kept, and added lines use the file's first line ending (go writes LF);
//! - comments moved into a new block, or out of a collapsed one, are printed go's way (trimmed,
//!   re-indented);
//! - `-fmt` itself is not always a fixpoint (sorting can leave a blank line right after `(`); the
//!   promise is for files it leaves unchanged.
//!
//! Also:
//! - characters assigned by Unicode after version 15 (go 1.26's tables) count as identifier
//!   characters here, and are errors for go;
//! - a `"…"` string whose escapes make invalid UTF-8 (such as `"\xff"`) is rejected; go accepts it;
//! - retract versions are not checked against the module path (as `modfile.Parse` without a
//!   version fixer);
//! - a new requirement never joins a block whose header has more than the verb (`require x (`,
//!   an error in strict reading, skipped in lax reading); modfile would, and print a line that
//!   no longer parses;
//! - a line added and then dropped on the same [`GoMod`] leaves no trace (not even the removal
//!   of a neighbouring blank line);
//! - unlike the `go mod edit -replace=old=new@v` flag, which splits at the first `@`,
//!   [`GoMod::add_replace`] takes the parts separately, so a directory target may contain `@`
//!   (`./third_party/gomod/example.com/a@v1.0.0`), which go reads fine.

mod directives;
mod edit;
mod error;
mod lexer;
mod modpath;
mod syntax;
mod work;

use std::fmt;

pub use edit::Edit;
pub use error::{Diagnostic, GoModError};
pub(crate) use modpath::is_directory_path;
pub use work::{GoWork, Use};

use directives::Sem;
use error::Locator;
use syntax::{Directives, Doc, LineId};

/// A parsed go.mod. `Display` prints its exact text, with any edits made.
#[derive(Debug, Clone)]
pub struct GoMod {
    file_name: String,
    strict: bool,
    doc: Doc,
    dirs: Directives,
}

/// A `require` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Require {
    pub path: String,
    pub version: String,
    /// Marked `// indirect`.
    pub indirect: bool,
}

/// An `exclude` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclude {
    pub path: String,
    pub version: String,
}

/// A `replace` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replace {
    pub old_path: String,
    /// `None`: every version of `old_path` is replaced.
    pub old_version: Option<String>,
    pub new_path: String,
    /// `None`: `new_path` is a local directory.
    pub new_version: Option<String>,
}

/// A `retract` directive: one version (`low == high`) or a closed interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retract {
    pub low: String,
    pub high: String,
    /// The comments on the directive (or on its block), one line each, `//` removed.
    pub rationale: String,
}

impl Replace {
    /// Whether the replacement is a local directory rather than a module version.
    pub fn is_dir(&self) -> bool {
        self.new_version.is_none()
    }
}

impl GoMod {
    /// Parses the go.mod of a main module: every directive is checked, an unknown one is an
    /// error. `file_name` is used in error messages.
    pub fn parse(file_name: &str, text: &str) -> Result<GoMod, GoModError> {
        GoMod::parse_mode(file_name, text, true)
    }

    /// Parses a dependency's go.mod like `modfile.ParseLax`: only `module`, `go`, `require`,
    /// `retract` and `ignore` are read; other directives, known or not, are kept but skipped.
    pub fn parse_lax(file_name: &str, text: &str) -> Result<GoMod, GoModError> {
        GoMod::parse_mode(file_name, text, false)
    }

    /// A byte order mark is not skipped: go's lexer refuses U+FEFF anywhere, the first character
    /// too, and so does ours.
    fn parse_mode(file_name: &str, text: &str, strict: bool) -> Result<GoMod, GoModError> {
        let loc = Locator {
            file: file_name,
            text,
        };
        let parse_error = |diagnostics| GoModError::Parse {
            file: file_name.to_string(),
            diagnostics,
        };
        let mut doc = syntax::parse(text, &loc).map_err(|d| parse_error(vec![d]))?;
        let dirs = doc.interpret(strict, &loc).map_err(parse_error)?;
        Ok(GoMod {
            file_name: file_name.to_string(),
            strict,
            doc,
            dirs,
        })
    }

    /// The file name given to the parser.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// Whether the file was read with [`GoMod::parse_lax`].
    pub fn is_lax(&self) -> bool {
        !self.strict
    }

    /// The path in the `module` directive.
    pub fn module_path(&self) -> Option<&str> {
        match self.sem(self.dirs.module?)? {
            Sem::Module { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The deprecation message of the module: the paragraph of its comment that starts with
    /// `Deprecated:`, without that prefix.
    pub fn deprecated(&self) -> Option<&str> {
        match self.sem(self.dirs.module?)? {
            Sem::Module { deprecated, .. } if !deprecated.is_empty() => Some(deprecated),
            _ => None,
        }
    }

    /// The version in the `go` directive (in lax reading, `1.N` of a version like `1.N.x.y`).
    pub fn go_version(&self) -> Option<&str> {
        match self.sem(self.dirs.go?)? {
            Sem::Go { version } => Some(version),
            _ => None,
        }
    }

    /// The name in the `toolchain` directive.
    pub fn toolchain(&self) -> Option<&str> {
        match self.sem(self.dirs.toolchain?)? {
            Sem::Toolchain { name } => Some(name),
            _ => None,
        }
    }

    /// The `require` directives, in file order (edits' additions last).
    pub fn requires(&self) -> Vec<Require> {
        self.collect(&self.dirs.require, |sem| match sem {
            Sem::Require {
                path,
                version,
                indirect,
            } => Some(Require {
                path: path.clone(),
                version: version.clone(),
                indirect: *indirect,
            }),
            _ => None,
        })
    }

    /// The `exclude` directives, in file order.
    pub fn excludes(&self) -> Vec<Exclude> {
        self.collect(&self.dirs.exclude, |sem| match sem {
            Sem::Exclude { path, version } => Some(Exclude {
                path: path.clone(),
                version: version.clone(),
            }),
            _ => None,
        })
    }

    /// The `replace` directives, in file order (edits' additions last).
    pub fn replaces(&self) -> Vec<Replace> {
        let some = |s: &String| (!s.is_empty()).then(|| s.clone());
        self.collect(&self.dirs.replace, |sem| match sem {
            Sem::Replace {
                old_path,
                old_version,
                new_path,
                new_version,
            } => Some(Replace {
                old_path: old_path.clone(),
                old_version: some(old_version),
                new_path: new_path.clone(),
                new_version: some(new_version),
            }),
            _ => None,
        })
    }

    /// The `retract` directives, in file order.
    pub fn retracts(&self) -> Vec<Retract> {
        self.collect(&self.dirs.retract, |sem| match sem {
            Sem::Retract {
                low,
                high,
                rationale,
            } => Some(Retract {
                low: low.clone(),
                high: high.clone(),
                rationale: rationale.clone(),
            }),
            _ => None,
        })
    }

    /// The `tool` directives' package paths, in file order.
    pub fn tools(&self) -> Vec<String> {
        self.collect(&self.dirs.tool, |sem| match sem {
            Sem::Tool { path } => Some(path.clone()),
            _ => None,
        })
    }

    /// The `godebug` settings as `(key, value)`, in file order.
    pub fn godebugs(&self) -> Vec<(String, String)> {
        self.collect(&self.dirs.godebug, |sem| match sem {
            Sem::Godebug { key, value } => Some((key.clone(), value.clone())),
            _ => None,
        })
    }

    /// The `ignore` directives' paths, in file order.
    pub fn ignores(&self) -> Vec<String> {
        self.collect(&self.dirs.ignore, |sem| match sem {
            Sem::Ignore { path } => Some(path.clone()),
            _ => None,
        })
    }

    fn sem(&self, id: LineId) -> Option<&Sem> {
        let line = &self.doc.lines[id];
        if line.dead { None } else { line.sem.as_ref() }
    }

    fn collect<T>(&self, ids: &[LineId], f: impl Fn(&Sem) -> Option<T>) -> Vec<T> {
        ids.iter()
            .filter_map(|&id| self.sem(id).and_then(&f))
            .collect()
    }
}

impl fmt::Display for GoMod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.doc.render())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
