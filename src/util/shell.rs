//! Where output goes. Commands write their results to [`Shell::out`] and their progress and
//! warnings to [`Shell::err`]; tests hand in buffers instead of the terminal. A question
//! ([`Shell::confirm`]) is asked on the terminal itself (`/dev/tty`), so that a preview piped
//! into `less` or a file still ends in a question the user can answer.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;

/// Where a question is asked and answered.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Prompt {
    /// Nowhere: there is no terminal (a pipe, CI, a test's buffers).
    None,
    /// The controlling terminal (`/dev/tty`, or `GOMODOFF_TTY`), opened for each question.
    Tty(PathBuf),
    /// stderr for the question, stdin for the answer (both terminals, but no `/dev/tty`).
    Stdio,
}

impl Prompt {
    /// The terminal to ask on: `/dev/tty` (or `GOMODOFF_TTY`; `off` never opens one) when it can
    /// be opened for reading and writing, else stdin and stderr when both are terminals.
    fn detect() -> Prompt {
        let tty = match crate::util::env::var("GOMODOFF_TTY") {
            Some(v) if v == "off" => None,
            Some(v) => Some(PathBuf::from(v)),
            None => Some(PathBuf::from("/dev/tty")),
        };
        if let Some(path) = tty
            && open_tty(&path).is_ok_and(|f| f.is_terminal())
        {
            return Prompt::Tty(path);
        }
        if io::stdin().is_terminal() && io::stderr().is_terminal() {
            return Prompt::Stdio;
        }
        Prompt::None
    }
}

fn open_tty(path: &std::path::Path) -> io::Result<File> {
    OpenOptions::new().read(true).write(true).open(path)
}

/// When to colour output (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

pub struct Shell {
    out: Box<dyn Write>,
    err: Box<dyn Write>,
    verbosity: Verbosity,
    color: bool,
    prompt: Prompt,
    /// stderr is a terminal: progress bars may be drawn there.
    progress: bool,
    sink: io::Sink,
}

impl Shell {
    /// The process's stdout and stderr; previews are coloured (`auto`) when stdout is a
    /// terminal, and questions go to the terminal whatever stdout is.
    pub fn from_terminal(verbosity: Verbosity, color: ColorChoice) -> Shell {
        let stdout_tty = io::stdout().is_terminal();
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                stdout_tty && crate::util::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Shell {
            out: Box::new(io::stdout()),
            err: Box::new(io::stderr()),
            verbosity,
            color,
            prompt: Prompt::detect(),
            progress: io::stderr().is_terminal(),
            sink: io::sink(),
        }
    }

    /// Output into the given writers, never interactive, never coloured.
    pub fn from_writers(out: Box<dyn Write>, err: Box<dyn Write>, verbosity: Verbosity) -> Shell {
        Shell {
            out,
            err,
            verbosity,
            color: false,
            prompt: Prompt::None,
            progress: false,
            sink: io::sink(),
        }
    }

    pub fn out(&mut self) -> &mut dyn Write {
        &mut *self.out
    }

    pub fn err(&mut self) -> &mut dyn Write {
        &mut *self.err
    }

    /// Where a preview of changes (diffs, per-module summaries) goes: [`Shell::out`], or nowhere
    /// when quiet (`-q` prints only errors).
    pub fn preview(&mut self) -> &mut dyn Write {
        if self.verbosity == Verbosity::Quiet {
            &mut self.sink
        } else {
            &mut *self.out
        }
    }

    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    pub fn color(&self) -> bool {
        self.color
    }

    /// Whether a question can be asked: a terminal can be opened (`/dev/tty`), or stdin and
    /// stderr are terminals. Where stdout goes does not matter.
    pub fn is_interactive(&self) -> bool {
        self.prompt != Prompt::None
    }

    /// A progress or status line on stderr, unless quiet.
    pub fn status(&mut self, verb: &str, message: &str) -> io::Result<()> {
        if self.verbosity == Verbosity::Quiet {
            return Ok(());
        }
        if self.color {
            writeln!(self.err, "\x1b[1;32m{verb:>12}\x1b[0m {message}")
        } else {
            writeln!(self.err, "{verb:>12} {message}")
        }
    }

    /// A progress bar on stderr for `len` steps of `what` (e.g. "modules"), drawn only when
    /// stderr is a terminal and not quiet; otherwise hidden (every call on it does nothing).
    /// It may be advanced from many threads; finish it with `finish_and_clear`.
    pub fn progress(&self, len: u64, what: &str) -> indicatif::ProgressBar {
        if !self.progress || self.verbosity == Verbosity::Quiet {
            return indicatif::ProgressBar::hidden();
        }
        let style = indicatif::ProgressStyle::with_template(&format!(
            "{{bar:30}} {{pos}}/{{len}} {what} {{elapsed}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        indicatif::ProgressBar::new(len).with_style(style)
    }

    /// A detail line on stderr, only with `-v`.
    pub fn verbose(&mut self, message: &str) -> io::Result<()> {
        if self.verbosity == Verbosity::Verbose {
            writeln!(self.err, "{message}")?;
        }
        Ok(())
    }

    pub fn warn(&mut self, message: &str) -> io::Result<()> {
        if self.color {
            writeln!(self.err, "\x1b[1;33mwarning\x1b[0m: {message}")
        } else {
            writeln!(self.err, "warning: {message}")
        }
    }

    /// A suggestion on stderr (`note: …`), unless quiet.
    pub fn note(&mut self, message: &str) -> io::Result<()> {
        if self.verbosity == Verbosity::Quiet {
            return Ok(());
        }
        if self.color {
            writeln!(self.err, "\x1b[1;36mnote\x1b[0m: {message}")
        } else {
            writeln!(self.err, "note: {message}")
        }
    }

    /// Ask a yes/no question on the terminal (see [`Shell::is_interactive`]); anything but
    /// y/yes is no, and so is no terminal.
    pub fn confirm(&mut self, question: &str) -> io::Result<bool> {
        // What was written before the question must be out before it.
        self.out.flush()?;
        self.err.flush()?;
        let answer = match &self.prompt {
            Prompt::None => return Ok(false),
            Prompt::Tty(path) => {
                let tty = open_tty(path)?;
                ask(
                    &mut tty.try_clone()?,
                    &mut io::BufReader::new(tty),
                    question,
                )?
            }
            Prompt::Stdio => ask(&mut io::stderr(), &mut io::stdin().lock(), question)?,
        };
        Ok(is_yes(&answer))
    }
}

/// Write `question [y/N] ` to `to` and read one line of answer from `from`.
fn ask(to: &mut dyn Write, from: &mut dyn BufRead, question: &str) -> io::Result<String> {
    write!(to, "{question} [y/N] ")?;
    to.flush()?;
    let mut answer = String::new();
    from.read_line(&mut answer)?;
    Ok(answer)
}

/// Whether an answer is yes (`y`, `yes`, any case); anything else, an empty line or none, is no.
fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Single-quote a value for POSIX shells.
pub fn shell_quote(v: &str) -> String {
    if !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+".contains(c))
    {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_progress_bar_into_writers() {
        let shell = Shell::from_writers(
            Box::new(Vec::new()),
            Box::new(Vec::new()),
            Verbosity::Verbose,
        );
        assert!(shell.progress(10, "things").is_hidden());
    }

    /// A writer whose bytes the test can read after the shell took it.
    #[derive(Clone, Default)]
    struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn previews_are_quiet_with_quiet_results_are_not() {
        for (verbosity, want) in [
            (Verbosity::Quiet, "result\n"),
            (Verbosity::Normal, "diff\nresult\n"),
        ] {
            let out = Shared::default();
            let mut shell =
                Shell::from_writers(Box::new(out.clone()), Box::new(Vec::new()), verbosity);
            writeln!(shell.preview(), "diff").unwrap();
            writeln!(shell.out(), "result").unwrap();
            assert_eq!(String::from_utf8(out.0.borrow().clone()).unwrap(), want);
        }
    }

    #[test]
    fn a_question_is_asked_and_only_yes_is_yes() {
        for (typed, want) in [
            ("y\n", true),
            ("YES\n", true),
            (" yes \n", true),
            ("n\n", false),
            ("\n", false),
            ("", false),
            ("yep\n", false),
        ] {
            let mut to = Vec::new();
            let answer = ask(&mut to, &mut typed.as_bytes(), "apply?").unwrap();
            assert_eq!(String::from_utf8(to).unwrap(), "apply? [y/N] ");
            assert_eq!(is_yes(&answer), want, "{typed:?}");
        }
    }

    #[test]
    fn writers_never_ask() {
        let mut shell = Shell::from_writers(
            Box::new(Vec::new()),
            Box::new(Vec::new()),
            Verbosity::Normal,
        );
        assert!(!shell.is_interactive());
        assert!(!shell.confirm("apply?").unwrap());
    }

    #[test]
    fn values_are_quoted_only_when_needed() {
        assert_eq!(shell_quote("off"), "off");
        assert_eq!(
            shell_quote("-mod=readonly -modfile=go.offline.mod"),
            "'-mod=readonly -modfile=go.offline.mod'"
        );
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
