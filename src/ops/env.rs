//! `gomodoff env` and `gomodoff exec`: the environment that makes the go command use what
//! `vendor` laid out and nothing from the network, printed for a shell or applied to one command.
//! Nothing is written to the user's global go env.

use std::process::Command;

use anyhow::{Context as _, Result};

use crate::formats::gover;
use crate::formats::lock::LOCK_FILE;
use crate::modes::{UserOfflineEnv, user_offline_env};
use crate::ops::{Context, Outcome, env_document};
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

/// The vendored repository at `dir` and its offline environment, the user's GOFLAGS merged in,
/// and the warnings given (each flag of theirs the mode overrides; a go.mod asking for a newer
/// go). A repository gomodoff never vendored is refused, unless go.mod needs no module from
/// outside it: its offline build can only fail.
fn open_with_env(dir: &std::path::Path, shell: &mut Shell) -> Result<Offline> {
    let repo = repo::open_vendored(dir)?;
    if repo.lock.is_none() && !repo.self_contained()? {
        crate::bail_hint!(
            hint = "run `gomodoff vendor` first",
            "`{}` was never vendored by gomodoff: there is no {LOCK_FILE}, so no offline environment to give (with GOPROXY=off its build would fail)",
            repo.root.display()
        );
    }
    let UserOfflineEnv {
        vars,
        replaced,
        sumdb_off,
        sumdb_tiles_added,
    } = user_offline_env(&repo, &user_goflags(&repo.root))?;
    let mut warnings = Vec::new();
    if let Some(why) = sumdb_off {
        warnings.push(format!(
            "GOSUMDB=off: the tree carries the checksum database, but go on this machine cannot use it offline: {why}"
        ));
    }
    if sumdb_tiles_added > 0 {
        shell.note(&format!(
            "added {sumdb_tiles_added} tile(s) of the tree head go already trusts to its module cache, cut from the tree's (go re-reads them at start)"
        ))?;
    }
    for (theirs, ours) in replaced {
        let what = match ours {
            Some(ours) => format!("replaced by {ours}"),
            None => "dropped".to_string(),
        };
        warnings.push(format!("GOFLAGS: {theirs} {what} for the offline build"));
    }
    warnings.extend(toolchain_warning(&repo));
    for w in &warnings {
        shell.warn(w)?;
    }
    Ok(Offline {
        repo,
        vars,
        warnings,
    })
}

/// A repository's offline environment, and what was warned about it.
struct Offline {
    repo: Repo,
    vars: Vec<(String, String)>,
    warnings: Vec<String>,
}

impl Offline {
    /// The fields `env` and `exec` documents share: the mode and the environment (an object,
    /// in print order).
    fn document(&self) -> serde_json::Value {
        serde_json::json!({
            "mode": self.repo.lock.as_ref().map(|l| l.mode.to_string()),
            "env": env_document(&self.vars),
            "warnings": self.warnings,
        })
    }
}

pub(crate) fn env(ctx: &mut Context) -> Result<Outcome> {
    let offline = open_with_env(&ctx.dir, &mut ctx.shell)?;
    if ctx.shell.is_json() {
        ctx.shell.document(offline.document())?;
    } else {
        for (k, v) in &offline.vars {
            writeln!(ctx.shell.out(), "export {k}={}", shell_quote(v))?;
        }
    }
    Ok(Outcome::Ok)
}

pub(crate) fn exec(ctx: &mut Context, command: &[String]) -> Result<Outcome> {
    let (program, args) = command.split_first().context("no command given to exec")?;
    let offline = open_with_env(&ctx.dir, &mut ctx.shell)?;
    // Under --json stdout is the document's: the command's own output goes to stderr.
    let status = Command::new(program)
        .args(args)
        .current_dir(&ctx.dir)
        .envs(offline.vars.iter().map(|(k, v)| (k, v)))
        .stdout(ctx.shell.child_stdout()?)
        .status()
        .map_err(|e| {
            let code = exec_failure_code(program, &e);
            anyhow::Error::new(ExitWith::new(code, format!("failed to run `{program}`"), e))
        })?;
    let code = exit_code_of(status);
    if ctx.shell.is_json() {
        let mut doc = offline.document();
        doc["command"] = command.into();
        doc["exit_code"] = code.into();
        ctx.shell.document(doc)?;
    }
    Ok(Outcome::Exited(code))
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
