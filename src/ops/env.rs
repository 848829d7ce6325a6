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
        .with_context(|| format!("failed to run `{program}`"))?;
    Ok(Outcome::Exited(status.code().unwrap_or(2)))
}
