//! The `gomodoff` binary: parse the command line, run the library, turn the result into an exit
//! code (0 ok, 1 a check found a difference, 2 error; `exec`: the command's code, 126/127 when it
//! cannot be run). A closed stdout pipe is success.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use gomodoff::cli::Cli;
use gomodoff::shell::style::{self, paint};
use gomodoff::shell::{Shell, Verbosity, colors, render_document, styled_stream};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(err),
    };
    let json = cli.global.json;
    let command = cli.command.name();
    let verbosity = match (cli.global.quiet, cli.global.verbose) {
        (true, _) => Verbosity::Quiet,
        (_, true) => Verbosity::Verbose,
        _ => Verbosity::Normal,
    };
    let color = cli.global.color;
    let shell = Shell::from_terminal(verbosity, color);
    match gomodoff::run(cli, shell) {
        Ok(outcome) => ExitCode::from(outcome.exit_code() as u8),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            if json && !gomodoff::shell::document_written() {
                let doc = gomodoff::error_document(command, &err);
                let _ = io::stdout().write_all(render_document("error", doc).as_bytes());
            }
            // Coloured as the shell's stderr is: by stderr's own decision.
            let color = colors(color, &io::stderr());
            let mut stderr = styled_stream(io::stderr().lock(), color);
            let _ = writeln!(stderr, "{}: {err}", paint(style::ERROR, "error", color));
            for cause in err.chain().skip(1) {
                let _ = writeln!(
                    stderr,
                    "\nCaused by:\n  {}",
                    cause.to_string().replace('\n', "\n  ")
                );
            }
            for hint in gomodoff::hints(&err) {
                let _ = writeln!(stderr, "{}: {hint}", paint(style::HINT, "hint", color));
            }
            ExitCode::from(gomodoff::error_exit_code(&err))
        }
    }
}

/// A command line clap refuses, or `--help`/`--version`: as clap prints it, and under `--json`
/// (anywhere before a `--`) an error document on stdout too.
fn usage_error(err: clap::Error) -> ExitCode {
    let json = std::env::args_os()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--json");
    let code = err.exit_code();
    if json && err.use_stderr() {
        let message = err.render().to_string();
        let message = message.trim_end().trim_start_matches("error: ");
        let doc = serde_json::json!({
            "command": null,
            "error": {"message": message, "causes": [], "hint": null, "exit_code": code},
        });
        let _ = io::stdout().write_all(render_document("error", doc).as_bytes());
    }
    let _ = err.print();
    ExitCode::from(code as u8)
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}
