//! Where output goes. Commands write their results to [`Shell::out`] and their progress and
//! warnings to [`Shell::err`]; tests hand in buffers instead of the terminal.

use std::io::{self, IsTerminal, Write};

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
    interactive: bool,
    /// stderr is a terminal: progress bars may be drawn there.
    progress: bool,
    sink: io::Sink,
}

impl Shell {
    /// The process's stdout and stderr.
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
            interactive: stdout_tty && io::stdin().is_terminal(),
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
            interactive: false,
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

    /// Whether a question can be asked (stdin and stdout are terminals).
    pub fn is_interactive(&self) -> bool {
        self.interactive
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

    /// Ask a yes/no question on the terminal; anything but y/yes is no.
    pub fn confirm(&mut self, question: &str) -> io::Result<bool> {
        write!(self.err, "{question} [y/N] ")?;
        self.err.flush()?;
        let mut answer = String::new();
        io::stdin().read_line(&mut answer)?;
        Ok(matches!(
            answer.trim().to_ascii_lowercase().as_str(),
            "y" | "yes"
        ))
    }
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
