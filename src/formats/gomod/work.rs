//! go.work, read the way `modfile.ParseWork` reads it: `go`, `toolchain`, `godebug`, `use`
//! (single lines and blocks) and `replace`, with comments anywhere. The text is parsed with the
//! same lexer and syntax tree as go.mod, so errors carry `file:line:col` and go's messages
//! (`unknown directive: require`, `usage: use local/dir`, …). Only reading: gomodoff never edits
//! a go.work.

use super::Replace;
use super::directives::{self, LineContext, Seen, Sem};
use super::error::{Diagnostic, GoModError, Locator};
use super::syntax::{self, Inner, Top};

/// A parsed go.work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoWork {
    file_name: String,
    go: Option<String>,
    toolchain: Option<String>,
    godebug: Vec<(String, String)>,
    uses: Vec<Use>,
    replaces: Vec<Replace>,
}

/// A `use` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    /// The directory as written (unquoted), relative to the go.work's directory unless absolute.
    pub path: String,
    /// 1-based line of the directive, for messages.
    pub line: usize,
}

/// The block verbs go.work allows.
const WORK_BLOCK_VERBS: [&str; 3] = ["godebug", "use", "replace"];

impl GoWork {
    /// Parses a go.work; `file_name` is used in error messages. Every directive error is
    /// reported, in file order, as `modfile.ParseWork` reports them. A byte order mark is refused,
    /// as go refuses it (`go.work:1:1: unexpected input character '\ufeff'`).
    pub fn parse(file_name: &str, text: &str) -> Result<GoWork, GoModError> {
        let loc = Locator {
            file: file_name,
            text,
        };
        let parse_error = |diagnostics| GoModError::Parse {
            file: file_name.to_string(),
            diagnostics,
        };
        let doc = syntax::parse(text, &loc).map_err(|d| parse_error(vec![d]))?;
        let mut work = GoWork {
            file_name: file_name.to_string(),
            go: None,
            toolchain: None,
            godebug: Vec::new(),
            uses: Vec::new(),
            replaces: Vec::new(),
        };
        let mut seen = Seen::default();
        let mut errors: Vec<Diagnostic> = Vec::new();
        for top in &doc.top {
            match top {
                Top::Line(id) => {
                    let line = &doc.lines[*id];
                    work.add(
                        &mut seen,
                        &line.tokens[0],
                        &line.tokens[1..],
                        line.start,
                        &loc,
                        &mut errors,
                    );
                }
                Top::Block(b) => {
                    let block = &doc.blocks[*b];
                    if block.verb.len() > 1 || !WORK_BLOCK_VERBS.contains(&block.verb[0].as_str()) {
                        errors.push(loc.diagnostic(
                            block.start,
                            format!("unknown block type: {}", block.verb.join(" ")),
                        ));
                        continue;
                    }
                    for entry in &block.entries {
                        if let Inner::Line(id) = entry {
                            let line = &doc.lines[*id];
                            work.add(
                                &mut seen,
                                &block.verb[0],
                                &line.tokens,
                                line.start,
                                &loc,
                                &mut errors,
                            );
                        }
                    }
                }
                Top::Blank(_) | Top::Comment(_) | Top::Separator(..) => {}
            }
        }
        if errors.is_empty() {
            Ok(work)
        } else {
            Err(parse_error(errors))
        }
    }

    fn add(
        &mut self,
        seen: &mut Seen,
        verb: &str,
        args: &[String],
        start: usize,
        loc: &Locator<'_>,
        errors: &mut Vec<Diagnostic>,
    ) {
        if verb == "use" {
            let [arg] = args else {
                errors.push(loc.diagnostic(start, "usage: use local/dir"));
                return;
            };
            match directives::parse_string(arg) {
                Ok(path) => self.uses.push(Use {
                    path,
                    line: loc.line_col(start).0,
                }),
                Err(e) => errors.push(loc.diagnostic(start, directives::invalid_quoted(e))),
            }
            return;
        }
        if !matches!(verb, "go" | "toolchain" | "godebug" | "replace") {
            errors.push(loc.diagnostic(start, format!("unknown directive: {verb}")));
            return;
        }
        let rationale = String::new;
        let cx = LineContext {
            strict: true,
            suffix: None,
            rationale: &rationale,
        };
        match directives::interpret(seen, verb, args, &cx) {
            Ok(Some(Sem::Go { version })) => self.go = Some(version),
            Ok(Some(Sem::Toolchain { name })) => self.toolchain = Some(name),
            Ok(Some(Sem::Godebug { key, value })) => self.godebug.push((key, value)),
            Ok(Some(Sem::Replace {
                old_path,
                old_version,
                new_path,
                new_version,
            })) => self.replaces.push(Replace {
                old_path,
                old_version: (!old_version.is_empty()).then_some(old_version),
                new_path,
                new_version: (!new_version.is_empty()).then_some(new_version),
            }),
            Ok(_) => {}
            Err(message) => errors.push(loc.diagnostic(start, message)),
        }
    }

    /// The file name given to the parser.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The `go` line; `None` when there is none (go then assumes 1.18).
    pub fn go_version(&self) -> Option<&str> {
        self.go.as_deref()
    }

    /// The `toolchain` line.
    pub fn toolchain(&self) -> Option<&str> {
        self.toolchain.as_deref()
    }

    /// The `godebug` settings as `(key, value)`, in file order.
    pub fn godebugs(&self) -> &[(String, String)] {
        &self.godebug
    }

    /// The `use` directives, in file order.
    pub fn uses(&self) -> &[Use] {
        &self.uses
    }

    /// The `replace` directives, in file order.
    pub fn replaces(&self) -> &[Replace] {
        &self.replaces
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_directive_with_comments() {
        let text = "// the workspace\ngo 1.22.1 // language\n\ntoolchain go1.26.0\n\ngodebug (\n\tpanicnil=1\n)\n\nuse ./a // first\n\nuse (\n\t// the second\n\t./b\n\t\"../c d\"\n)\n\nreplace example.com/x v1.0.0 => ./x\nreplace (\n\texample.com/y => example.com/z v1.2.0\n)\n";
        let w = GoWork::parse("go.work", text).unwrap();
        assert_eq!(w.go_version(), Some("1.22.1"));
        assert_eq!(w.toolchain(), Some("go1.26.0"));
        assert_eq!(w.godebugs(), &[("panicnil".into(), "1".into())]);
        let uses: Vec<(&str, usize)> = w.uses().iter().map(|u| (u.path.as_str(), u.line)).collect();
        assert_eq!(uses, [("./a", 10), ("./b", 14), ("../c d", 15)]);
        assert_eq!(
            w.replaces(),
            &[
                Replace {
                    old_path: "example.com/x".into(),
                    old_version: Some("v1.0.0".into()),
                    new_path: "./x".into(),
                    new_version: None,
                },
                Replace {
                    old_path: "example.com/y".into(),
                    old_version: None,
                    new_path: "example.com/z".into(),
                    new_version: Some("v1.2.0".into()),
                },
            ]
        );
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let cases = [
            (
                "go 1.22\nrequire example.com/x v1.0.0\n",
                "go.work:2:1: unknown directive: require",
            ),
            ("use ./a ./b\n", "go.work:1:1: usage: use local/dir"),
            ("go 1.22\ngo 1.23\n", "go.work:2:1: repeated go statement"),
            (
                "go 1.22\n\nrequire (\n\tx v1.0.0\n)\n",
                "go.work:3:1: unknown block type: require",
            ),
            (
                "replace example.com/x => example.com/y\n",
                "go.work:1:1: replacement module without version must be directory path (rooted or starting with . or ..)",
            ),
            ("go 1.22\nuse (\n", "go.work:3:1:"),
        ];
        for (text, want) in cases {
            let e = GoWork::parse("go.work", text).unwrap_err().to_string();
            assert!(e.starts_with(want), "{text:?}: {e}");
        }
    }
}
