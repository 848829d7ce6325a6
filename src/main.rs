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
    few_malloc_arenas();
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

/// glibc's allocator gives each thread that allocates an arena of its own (up to eight per core)
/// and hands freed memory back to the system only from the top of one, so the worker threads'
/// short-lived buffers (a module's file list, a zip's central directory) left each arena holding
/// megabytes it no longer used. Measured on a 419-module project, 2 cores, the same binary three
/// times each way (`GLIBC_TUNABLES=glibc.malloc.arena_max=N`): peak RSS of `vendor` in replace
/// mode 67 MB with the default, 48 MB with two arenas, 47 MB with one; in vendor mode 57-61,
/// 54 and 53 MB. Two cost no time (replace 1.53-1.66 s against 1.59-1.73 s, vendor mode
/// 0.63-0.75 s against 0.64-0.67 s); one did (1.72-1.87 s and 0.80-0.97 s: the threads wait for
/// the one arena's lock).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn few_malloc_arenas() {
    // SAFETY: `mallopt` only changes a setting of glibc's allocator; it is called first thing in
    // `main`, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn few_malloc_arenas() {}
