//! `gomodoff env` and `gomodoff exec`: the environment that makes the go command use what
//! `vendor` laid out and nothing from the network, printed for a shell or applied to one command.
//! Nothing is written to the user's global go env.

use std::process::Command;

use anyhow::{Context as _, Result};

use crate::lock::Mode;
use crate::ops::repo::{self, Repo};
use crate::ops::{Context, Outcome};

/// The variables for offline builds in this repository's mode, in print order.
pub fn offline_env(repo: &Repo) -> Vec<(String, String)> {
    let mut flags = vec!["-mod=readonly".to_string()];
    let mut proxy = "off".to_string();
    if let Some(lock) = &repo.lock {
        match lock.mode {
            Mode::Replace => {
                if lock.modfile != "go.mod" {
                    flags.push(format!("-modfile={}", lock.modfile));
                }
            }
            Mode::Vendor => flags = vec!["-mod=vendor".to_string()],
            Mode::Proxy => proxy = format!("file://{}", repo.root.join(&lock.dir).display()),
        }
    }
    vec![
        ("GOFLAGS".into(), flags.join(" ")),
        ("GOPROXY".into(), proxy),
        ("GOSUMDB".into(), "off".into()),
        ("GOTOOLCHAIN".into(), "local".into()),
        // A vendored workspace builds from the vendor/ beside its go.work; anything else on its
        // own, whatever go.work lies around.
        (
            "GOWORK".into(),
            match &repo.workspace {
                Some(ws) => ws.work_file.display().to_string(),
                None => "off".into(),
            },
        ),
    ]
}

/// The go command gomodoff runs: `GOMODOFF_GO`, else `go` on PATH.
pub fn go_command() -> Command {
    crate::modcache::go_command()
}

/// `go1.26.8` → (1, 26, 8); `1.22` → (1, 22, 0).
pub fn parse_go_version(v: &str) -> Option<(u32, u32, u32)> {
    let v = v.strip_prefix("go").unwrap_or(v);
    let core: String = v
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let mut it = core.split('.').map(|p| p.parse::<u32>().ok());
    Some((
        it.next()??,
        it.next().flatten().unwrap_or(0),
        it.next().flatten().unwrap_or(0),
    ))
}

/// A warning when go.mod asks for a newer go than the one installed: with GOTOOLCHAIN=local the
/// build then fails instead of downloading a toolchain.
pub fn toolchain_warning(repo: &Repo) -> Option<String> {
    let gomod = repo.gomod().ok()?;
    let out = go_command().args(["env", "GOVERSION"]).output().ok()?;
    let installed = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let have = parse_go_version(&installed)?;
    let mut wants: Vec<(&str, String)> = Vec::new();
    if let Some(g) = gomod.go_version() {
        wants.push(("go", g.to_string()));
    }
    if let Some(t) = gomod.toolchain() {
        wants.push(("toolchain", t.to_string()));
    }
    for (what, v) in wants {
        if parse_go_version(&v).is_some_and(|want| want > have) {
            return Some(format!(
                "go.mod's `{what} {v}` line asks for a newer go than the installed {installed}; with GOTOOLCHAIN=local the build fails instead of downloading a toolchain (pack one with `gomodoff pack --toolchain`)"
            ));
        }
    }
    None
}

pub fn env(ctx: &mut Context) -> Result<Outcome> {
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

pub fn exec(ctx: &mut Context, command: &[String]) -> Result<Outcome> {
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
    fn go_versions_compare_numerically() {
        assert_eq!(parse_go_version("go1.26.8"), Some((1, 26, 8)));
        assert_eq!(parse_go_version("1.22"), Some((1, 22, 0)));
        assert_eq!(parse_go_version("go1.23rc1"), Some((1, 23, 0)));
        assert!(parse_go_version("1.9") < parse_go_version("1.10"));
        assert_eq!(parse_go_version("x"), None);
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
