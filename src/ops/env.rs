//! `gomodoff env` and `gomodoff exec`: the environment that makes the go command use what
//! `vendor` laid out and nothing from the network, printed for a shell or applied to one command.
//! Nothing is written to the user's global go env.

use std::process::Command;

use anyhow::{Context as _, Result};

use crate::formats::gover;
use crate::modes::offline_env;
use crate::ops::{Context, Outcome};
use crate::repo::{self, Repo};
use crate::sources::goenv::go_version_installed;
use crate::util::context::ExitWith;
use crate::util::shell::shell_quote;

/// A warning when go.mod asks for a newer go than the one installed: with GOTOOLCHAIN=local the
/// build then fails instead of downloading a toolchain.
pub(crate) fn toolchain_warning(repo: &Repo) -> Option<String> {
    let gomod = repo.gomod().ok()?;
    let goversion = go_version_installed()?;
    let installed = gover::installed(&goversion)?;
    let mut wants: Vec<(&str, &str)> = Vec::new();
    if let Some(g) = gomod.go_version() {
        wants.push(("go", g));
    }
    if let Some(t) = gomod.toolchain() {
        wants.push(("toolchain", t));
    }
    for (what, v) in wants {
        if gover::compare(v, installed) == std::cmp::Ordering::Greater {
            return Some(format!(
                "go.mod's `{what} {v}` line asks for a newer go than the installed {goversion}; with GOTOOLCHAIN=local the build fails instead of downloading a toolchain (pack one with `gomodoff pack --toolchain`)"
            ));
        }
    }
    None
}

pub(crate) fn env(ctx: &mut Context) -> Result<Outcome> {
    let repo = repo::open_vendored(&ctx.dir)?;
    let vars = offline_env(&repo);
    if ctx.json {
        let map: serde_json::Map<String, serde_json::Value> = vars
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect();
        writeln!(ctx.shell.out(), "{}", serde_json::to_string_pretty(&map)?)?;
    } else {
        for (k, v) in &vars {
            writeln!(ctx.shell.out(), "export {k}={}", shell_quote(v))?;
        }
    }
    if let Some(w) = toolchain_warning(&repo) {
        ctx.shell.warn(&w)?;
    }
    Ok(Outcome::Ok)
}

pub(crate) fn exec(ctx: &mut Context, command: &[String]) -> Result<Outcome> {
    let repo = repo::open_vendored(&ctx.dir)?;
    let (program, args) = command.split_first().context("no command given to exec")?;
    if let Some(w) = toolchain_warning(&repo) {
        ctx.shell.warn(&w)?;
    }
    let status = Command::new(program)
        .args(args)
        .current_dir(&ctx.dir)
        .envs(offline_env(&repo))
        .status()
        .map_err(|e| {
            let code = exec_failure_code(program, &e);
            anyhow::Error::new(ExitWith::new(code, format!("failed to run `{program}`"), e))
        })?;
    Ok(Outcome::Exited(exit_code_of(status)))
}

/// The exit code a shell gives when it cannot run `program`: 127 when there is no such command,
/// 126 when it is there but cannot be executed (no permission, not an executable, a directory, a
/// script whose interpreter is missing).
fn exec_failure_code(program: &str, err: &std::io::Error) -> u8 {
    let named_file_exists = program.contains('/') && std::path::Path::new(program).exists();
    if err.kind() == std::io::ErrorKind::NotFound && !named_file_exists {
        127
    } else {
        126
    }
}

/// The exit code of a child as a shell reports it: its own code, or 128 + N when signal N
/// ended it.
fn exit_code_of(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt as _;
    match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        (None, None) => 2,
    }
}
