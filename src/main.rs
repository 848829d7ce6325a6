//! The `gomodoff` binary: parse the command line, run the library, turn the result into an exit
//! code (0 ok, 1 a check found a difference, 2 error; `exec`: the command's code, 126/127 when it
//! cannot be run). A closed stdout pipe is success.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use gomodoff::cli::Cli;
use gomodoff::shell::{Shell, Verbosity};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let verbosity = match (cli.global.quiet, cli.global.verbose) {
        (true, _) => Verbosity::Quiet,
        (_, true) => Verbosity::Verbose,
        _ => Verbosity::Normal,
    };
    let shell = Shell::from_terminal(verbosity, cli.global.color);
    match gomodoff::run(cli, shell) {
        Ok(outcome) => ExitCode::from(outcome.exit_code() as u8),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let mut stderr = io::stderr().lock();
            let _ = writeln!(stderr, "error: {err}");
            for cause in err.chain().skip(1) {
                let _ = writeln!(
                    stderr,
                    "\nCaused by:\n  {}",
                    cause.to_string().replace('\n', "\n  ")
                );
            }
            for hint in gomodoff::hints(&err) {
                let _ = writeln!(stderr, "hint: {hint}");
            }
            ExitCode::from(gomodoff::error_exit_code(&err))
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}
