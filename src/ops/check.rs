//! `gomodoff check`: prove the repository builds offline, with the real go command, an empty
//! temporary module cache, `GOPROXY=off`, `GOSUMDB=off`, `GOTOOLCHAIN=local`, `GOWORK=off` (a
//! vendored workspace: its go.work) and the mode's `GOFLAGS`; name every module go still tried
//! to fetch.

use std::collections::BTreeSet;

use anyhow::{Context as _, Result};

use crate::lock::Mode;
use crate::ops::env::{go_command, offline_env};
use crate::ops::repo;
use crate::ops::{Context, Outcome};

pub fn check(ctx: &mut Context) -> Result<Outcome> {
    let repo = repo::open_vendored(&ctx.dir)?;
    let modcache = tempfile::Builder::new()
        .prefix("gomodoff-check-")
        .tempdir()
        .context("failed to create a temporary module cache")?;
    let mut env = offline_env(&repo);
    for (k, v) in env.iter_mut() {
        if k == "GOFLAGS" {
            v.push_str(" -modcacherw");
        }
    }
    env.push(("GOMODCACHE".into(), modcache.path().display().to_string()));
    let vendor_mode = repo.lock.as_ref().is_some_and(|l| l.mode == Mode::Vendor);
    // `-o /dev/null`: go discards what it builds, so a single main package writes no binary into
    // the repository, and a module without main packages is fine too.
    let null = if cfg!(windows) { "NUL" } else { "/dev/null" };
    let mut steps: Vec<Vec<&str>> = Vec::new();
    if !vendor_mode {
        steps.push(vec!["list", "-m", "all"]);
    }
    steps.push(vec!["list", "-deps", "-test", "./..."]);
    steps.push(vec!["build", "-o", null, "./..."]);
    // A workspace: every `use`d module, each from its directory (`./...` does not reach across
    // modules).
    let dirs: Vec<(String, std::path::PathBuf)> = match &repo.workspace {
        Some(ws) => ws
            .modules
            .iter()
            .map(|m| (format!(" (in {})", m.dir), m.root.clone()))
            .collect(),
        None => vec![(String::new(), ctx.dir.clone())],
    };
    let mut failed = false;
    let mut fetched = BTreeSet::new();
    let mut report = Vec::new();
    for (args, (where_, dir)) in steps.iter().flat_map(|a| dirs.iter().map(move |d| (a, d))) {
        let out = go_command()
            .args(args)
            .current_dir(dir)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env_remove("GOENV")
            .output()
            .context("failed to run `go`\nhint: install go, or set GOMODOFF_GO to its path")?;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let ok = out.status.success();
        failed |= !ok;
        for m in fetch_attempts(&stderr) {
            fetched.insert(m);
        }
        let command = format!("go {}{where_}", args.join(" "));
        report.push(serde_json::json!({ "command": command, "ok": ok, "stderr": stderr }));
        if ctx.json {
            continue;
        }
        if ok {
            ctx.shell.status("Ok", &command)?;
        } else {
            ctx.shell.status("Failed", &command)?;
            write!(ctx.shell.err(), "{}", indent(&stderr))?;
        }
    }
    if ctx.json {
        let v =
            serde_json::json!({ "ok": !failed, "env": env, "steps": report, "fetched": fetched });
        writeln!(ctx.shell.out(), "{}", serde_json::to_string_pretty(&v)?)?;
    } else if failed {
        if !fetched.is_empty() {
            writeln!(ctx.shell.out(), "modules go still tried to fetch:")?;
            for m in &fetched {
                writeln!(ctx.shell.out(), "  {m}")?;
            }
        }
        writeln!(
            ctx.shell.out(),
            "not offline: the build needs more than the repository holds (run `gomodoff vendor`)"
        )?;
    } else {
        writeln!(
            ctx.shell.out(),
            "offline build ok: {} steps passed with an empty module cache and no network (GOPROXY={})",
            steps.len(),
            env.iter()
                .find(|(k, _)| k == "GOPROXY")
                .map_or("off", |(_, v)| v.as_str())
        )?;
    }
    Ok(if failed {
        Outcome::Differs
    } else {
        Outcome::Ok
    })
}

/// Modules named in go's "module lookup disabled" and "missing go.sum entry" errors.
pub fn fetch_attempts(stderr: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in stderr.lines() {
        if line.contains("module lookup disabled by GOPROXY=off")
            || line.contains("missing go.sum entry")
        {
            for word in line.split(|c: char| c.is_whitespace() || c == ':' || c == ';') {
                if word.contains('@') && word.contains('.') {
                    out.push(
                        word.trim_matches(|c| c == '"' || c == '\'' || c == ',')
                            .to_string(),
                    );
                    break;
                }
            }
        }
    }
    out
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("    {l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_modules_go_tried_to_fetch() {
        let stderr = "go: example.com/a@v1.2.0: module lookup disabled by GOPROXY=off\ngo: downloading x\nverifying example.com/b@v1.0.0/go.mod: missing go.sum entry\n";
        assert_eq!(
            fetch_attempts(stderr),
            vec!["example.com/a@v1.2.0", "example.com/b@v1.0.0/go.mod"]
        );
    }
}
