//! Where output goes. Commands write their results to [`Shell::out`] and their progress and
//! warnings to [`Shell::err`]; tests hand in buffers instead of the terminal. A question
//! ([`Shell::confirm`]) is asked on the terminal itself (`/dev/tty`), so that a preview piped
//! into `less` or a file still ends in a question the user can answer.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use self::style::paint;

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
    /// Colour a stream when it is a terminal, unless the colour variables say otherwise
    Auto,
    /// Always colour, whatever the stream and the variables
    Always,
    /// Never colour
    Never,
}

/// The colour variables as they are set (empty or not): `NO_COLOR`, `CLICOLOR`,
/// `CLICOLOR_FORCE`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ColorVars {
    no_color: Option<OsString>,
    clicolor: Option<OsString>,
    clicolor_force: Option<OsString>,
}

impl ColorVars {
    fn from_env() -> ColorVars {
        let [no_color, clicolor, clicolor_force] = crate::util::env::color_vars();
        ColorVars {
            no_color,
            clicolor,
            clicolor_force,
        }
    }
}

/// Whether a stream is coloured. `--color always` and `--color never` decide alone; with `auto`,
/// the first that applies: `NO_COLOR` set and non-empty → no; `CLICOLOR_FORCE` set and not `0`
/// → yes; `CLICOLOR=0` → no; else yes when the stream is a terminal.
fn should_color(choice: ColorChoice, is_terminal: bool, vars: &ColorVars) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if vars.no_color.as_ref().is_some_and(|v| !v.is_empty()) {
                false
            } else if vars.clicolor_force.as_ref().is_some_and(|v| v != "0") {
                true
            } else if vars.clicolor.as_ref().is_some_and(|v| v == "0") {
                false
            } else {
                is_terminal
            }
        }
    }
}

/// Whether `stream` (stdout or stderr) is coloured, by `--color`, the colour variables and
/// whether it is a terminal: each stream decides for itself, so `2>err.txt` on a terminal
/// colours the preview on stdout and not the file.
pub fn colors(choice: ColorChoice, stream: &impl IsTerminal) -> bool {
    should_color(choice, stream.is_terminal(), &ColorVars::from_env())
}

/// `stream` (anstream's) passing escape codes through when `color`, else stripping any, so that
/// a plain stream stays plain even if a message quotes coloured output.
pub fn styled_stream<S: anstream::stream::RawStream>(
    stream: S,
    color: bool,
) -> anstream::AutoStream<S> {
    let choice = if color {
        anstream::ColorChoice::Always
    } else {
        anstream::ColorChoice::Never
    };
    anstream::AutoStream::new(stream, choice)
}

/// Every style gomodoff prints in, in one place.
pub mod style {
    use anstyle::{AnsiColor, Style};

    /// The verb of a status line (`Vendored`, `Verified`).
    pub const STATUS: Style = AnsiColor::Green.on_default().bold();
    /// `warning:`
    pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();
    /// `note:`
    pub const NOTE: Style = AnsiColor::Cyan.on_default().bold();
    /// `error:`
    pub const ERROR: Style = AnsiColor::Red.on_default().bold();
    /// `hint:`, after an error
    pub const HINT: Style = AnsiColor::Cyan.on_default().bold();
    /// A diff's `---`/`+++` file lines.
    pub const DIFF_FILE: Style = Style::new().bold();
    /// A diff's `@@` hunk lines.
    pub const DIFF_HUNK: Style = AnsiColor::Cyan.on_default();
    /// A diff's added lines.
    pub const DIFF_ADD: Style = AnsiColor::Green.on_default();
    /// A diff's removed lines.
    pub const DIFF_REMOVE: Style = AnsiColor::Red.on_default();

    /// `text` in `style` when `color`, else `text` as it is.
    pub fn paint(style: Style, text: &str, color: bool) -> String {
        if color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }
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
    /// stdout is coloured: previews (diffs).
    out_color: bool,
    /// stderr is coloured: status lines, warnings, notes.
    err_color: bool,
    prompt: Prompt,
    /// stderr is a terminal: progress bars may be drawn there.
    progress: bool,
    sink: io::Sink,
    /// `--json`: stdout carries one JSON document ([`Shell::document`]) and nothing else; what a
    /// command writes to [`Shell::out`] goes to stderr instead.
    json: bool,
    /// The command that runs, naming its document (`gomodoff/<command>/v1`).
    command: &'static str,
    /// Warnings and notes said so far.
    warned: usize,
}

/// Whether this process wrote its JSON document ([`Shell::document`]); `main` writes the error
/// document only when it did not, so that stdout never holds two.
static DOCUMENT_WRITTEN: AtomicBool = AtomicBool::new(false);

/// Whether [`Shell::document`] was called in this process.
pub fn document_written() -> bool {
    DOCUMENT_WRITTEN.load(Ordering::SeqCst)
}

/// A JSON document as gomodoff prints it: `{"schema": "gomodoff/<command>/v1", …body}`, pretty,
/// with a final newline. `body` must be an object.
pub fn render_document(command: &str, body: serde_json::Value) -> String {
    let mut doc = serde_json::Map::new();
    doc.insert(
        "schema".into(),
        format!("gomodoff/{command}/{DOCUMENT_VERSION}").into(),
    );
    match body {
        serde_json::Value::Object(fields) => doc.extend(fields),
        other => {
            panic!("a JSON document's body is an object because the schemas say so, not {other}")
        }
    }
    let mut text = serde_json::to_string_pretty(&serde_json::Value::Object(doc))
        .expect("a serde_json::Value always serializes");
    text.push('\n');
    text
}

/// The version every `--json` document carries in its `schema` (`gomodoff/verify/v1`): a field
/// is only ever added within a version; one removed or changed in meaning makes the next.
pub const DOCUMENT_VERSION: &str = "v1";

impl Shell {
    /// The process's stdout and stderr, each coloured by its own decision ([`colors`]);
    /// questions go to the terminal whatever stdout is. stdout carries data (JSON, completions,
    /// man pages) and is written as it is; stderr, only messages, is stripped of escape codes
    /// when it is not coloured.
    pub fn from_terminal(verbosity: Verbosity, color: ColorChoice) -> Shell {
        let out_color = colors(color, &io::stdout());
        let err_color = colors(color, &io::stderr());
        Shell {
            out: Box::new(io::stdout()),
            err: Box::new(styled_stream(io::stderr(), err_color)),
            verbosity,
            out_color,
            err_color,
            prompt: Prompt::detect(),
            progress: io::stderr().is_terminal(),
            sink: io::sink(),
            json: false,
            command: "gomodoff",
            warned: 0,
        }
    }

    /// Output into the given writers, never interactive, never coloured.
    pub fn from_writers(out: Box<dyn Write>, err: Box<dyn Write>, verbosity: Verbosity) -> Shell {
        Shell {
            out,
            err,
            verbosity,
            out_color: false,
            err_color: false,
            prompt: Prompt::None,
            progress: false,
            sink: io::sink(),
            json: false,
            command: "gomodoff",
            warned: 0,
        }
    }

    /// `--json`: from here on stdout holds only the document; text meant for stdout goes to
    /// stderr, uncoloured as stderr is not a preview.
    pub fn set_json(&mut self, json: bool, command: &'static str) {
        self.json = json;
        self.command = command;
    }

    /// Whether output is one JSON document (`--json`).
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Where a command's text result goes: stdout, or stderr under `--json`.
    pub fn out(&mut self) -> &mut dyn Write {
        if self.json {
            &mut *self.err
        } else {
            &mut *self.out
        }
    }

    /// What a child process gets as its stdout: this process's, or under `--json` (stdout being
    /// the document's) a copy of stderr.
    pub fn child_stdout(&self) -> io::Result<std::process::Stdio> {
        if !self.json {
            return Ok(std::process::Stdio::inherit());
        }
        use std::os::fd::AsFd as _;
        Ok(io::stderr().as_fd().try_clone_to_owned()?.into())
    }

    /// Write the run's one JSON document on stdout, named by the command that runs (see
    /// [`render_document`]).
    pub fn document(&mut self, body: serde_json::Value) -> io::Result<()> {
        DOCUMENT_WRITTEN.store(true, Ordering::SeqCst);
        self.out
            .write_all(render_document(self.command, body).as_bytes())?;
        self.out.flush()
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
            self.out()
        }
    }

    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    /// Whether stdout, where previews go, is coloured (under `--json` previews go to stderr).
    pub fn out_color(&self) -> bool {
        if self.json {
            return self.err_color;
        }
        self.out_color
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
        let verb = paint(style::STATUS, &format!("{verb:>12}"), self.err_color);
        writeln!(self.err, "{verb} {message}")
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

    /// How many warnings and notes were said so far.
    pub fn warnings(&self) -> usize {
        self.warned
    }

    pub fn warn(&mut self, message: &str) -> io::Result<()> {
        self.warned += 1;
        let label = paint(style::WARNING, "warning", self.err_color);
        writeln!(self.err, "{label}: {message}")
    }

    /// A suggestion on stderr (`note: …`), unless quiet.
    pub fn note(&mut self, message: &str) -> io::Result<()> {
        self.warned += 1;
        if self.verbosity == Verbosity::Quiet {
            return Ok(());
        }
        let label = paint(style::NOTE, "note", self.err_color);
        writeln!(self.err, "{label}: {message}")
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

    fn vars(no_color: Option<&str>, clicolor: Option<&str>, force: Option<&str>) -> ColorVars {
        ColorVars {
            no_color: no_color.map(OsString::from),
            clicolor: clicolor.map(OsString::from),
            clicolor_force: force.map(OsString::from),
        }
    }

    #[test]
    fn auto_colours_a_terminal_only() {
        let none = ColorVars::default();
        assert!(should_color(ColorChoice::Auto, true, &none));
        assert!(!should_color(ColorChoice::Auto, false, &none));
    }

    #[test]
    fn no_color_set_and_non_empty_never_colours() {
        assert!(!should_color(
            ColorChoice::Auto,
            true,
            &vars(Some("1"), None, None)
        ));
        // Empty is unset (no-color.org).
        assert!(should_color(
            ColorChoice::Auto,
            true,
            &vars(Some(""), None, None)
        ));
        // Above CLICOLOR_FORCE and CLICOLOR.
        let all = vars(Some("1"), Some("1"), Some("1"));
        assert!(!should_color(ColorChoice::Auto, true, &all));
        assert!(!should_color(ColorChoice::Auto, false, &all));
    }

    #[test]
    fn clicolor_force_not_zero_always_colours() {
        for force in ["1", "yes", ""] {
            let v = vars(None, None, Some(force));
            assert!(should_color(ColorChoice::Auto, false, &v), "{force:?}");
        }
        assert!(!should_color(
            ColorChoice::Auto,
            false,
            &vars(None, None, Some("0"))
        ));
        // Above CLICOLOR=0.
        let v = vars(None, Some("0"), Some("1"));
        assert!(should_color(ColorChoice::Auto, false, &v));
    }

    #[test]
    fn clicolor_zero_never_colours_other_values_leave_it_to_the_terminal() {
        assert!(!should_color(
            ColorChoice::Auto,
            true,
            &vars(None, Some("0"), None)
        ));
        for clicolor in ["1", ""] {
            let v = vars(None, Some(clicolor), None);
            assert!(should_color(ColorChoice::Auto, true, &v), "{clicolor:?}");
            assert!(!should_color(ColorChoice::Auto, false, &v), "{clicolor:?}");
        }
    }

    #[test]
    fn always_and_never_override_the_variables_and_the_terminal() {
        let combos = [
            ColorVars::default(),
            vars(Some("1"), None, None),
            vars(None, Some("0"), None),
            vars(None, None, Some("1")),
            vars(Some("1"), Some("0"), Some("1")),
        ];
        for v in &combos {
            for tty in [true, false] {
                assert!(should_color(ColorChoice::Always, tty, v), "{v:?} {tty}");
                assert!(!should_color(ColorChoice::Never, tty, v), "{v:?} {tty}");
            }
        }
    }

    #[test]
    fn styles_paint_only_when_coloured() {
        assert_eq!(style::paint(style::ERROR, "error", false), "error");
        assert_eq!(
            style::paint(style::ERROR, "error", true),
            "\x1b[1m\x1b[31merror\x1b[0m"
        );
    }

    #[test]
    fn a_plain_stream_strips_escape_codes_a_coloured_one_keeps_them() {
        let painted = style::paint(style::WARNING, "warning", true);
        for (color, want) in [(false, "warning".to_string()), (true, painted.clone())] {
            let mut stream = styled_stream(Vec::new(), color);
            write!(stream, "{painted}").unwrap();
            assert_eq!(String::from_utf8(stream.into_inner()).unwrap(), want);
        }
    }

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
