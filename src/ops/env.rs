//! `gomodoff env` and `gomodoff exec`: the environment that makes the go command use what
//! `vendor` laid out and nothing from the network, printed for a shell or applied to one command.
//! Nothing is written to the user's global go env.

use std::process::Command;

use anyhow::{Context as _, Result};

use crate::formats::gover;
use crate::formats::lock::LOCK_FILE;
use crate::modes::{UserOfflineEnv, user_offline_env};
use crate::ops::{Context, Outcome};
use crate::repo::{self, Repo};
use crate::sources::goenv::{go_version_installed, user_goflags};
use crate::util::context::ExitWith;
use crate::util::shell::Shell;
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

/// The vendored repository at `dir` and its offline environment, the user's GOFLAGS merged in;
/// each flag of theirs the mode overrides is warned about. A repository gomodoff never vendored
/// is refused, unless go.mod needs no module from outside it: its offline build can only fail.
fn open_with_env(
    dir: &std::path::Path,
    shell: &mut Shell,
) -> Result<(Repo, Vec<(String, String)>)> {
    let repo = repo::open_vendored(dir)?;
    if repo.lock.is_none() && !repo.self_contained()? {
        crate::bail_hint!(
            hint = "run `gomodoff vendor` first",
            "`{}` was never vendored by gomodoff: there is no {LOCK_FILE}, so no offline environment to give (with GOPROXY=off its build would fail)",
            repo.root.display()
        );
    }
    let UserOfflineEnv { vars, replaced } = user_offline_env(&repo, &user_goflags(&repo.root))?;
    for (theirs, ours) in replaced {
        let what = match ours {
            Some(ours) => format!("replaced by {ours}"),
            None => "dropped".to_string(),
        };
        shell.warn(&format!("GOFLAGS: {theirs} {what} for the offline build"))?;
    }
    Ok((repo, vars))
}

pub(crate) fn env(ctx: &mut Context) -> Result<Outcome> {
    let (repo, vars) = open_with_env(&ctx.dir, &mut ctx.shell)?;
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
    let (program, args) = command.split_first().context("no command given to exec")?;
    let (repo, vars) = open_with_env(&ctx.dir, &mut ctx.shell)?;
    if let Some(w) = toolchain_warning(&repo) {
        ctx.shell.warn(&w)?;
    }
    let status = Command::new(program)
        .args(args)
        .current_dir(&ctx.dir)
        .envs(vars)
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
