//! `gomodoff go <go arguments…>`: a go command that changes dependencies (`go get`, `go mod
//! tidy`, `go mod download`), run as on a repository gomodoff never vendored, then vendored again
//! in one transaction.
//!
//! In a repository vendored in replace mode go cannot do these itself: it never checks or
//! records go.sum lines for modules replaced by a directory, so `go mod tidy` drops their lines
//! and `go get` of a version laid out go.mod-only records none (see README, "Changing
//! dependencies"). Here go runs with `-modfile` on a temporary copy of go.mod without gomodoff's
//! replace directives (and of go.sum), in the user's environment (network, GOPROXY); the go.mod
//! and go.sum it writes become the repository's, with the replace directives of the new need set,
//! and trees added or removed for the modules that changed only. Nothing in the repository
//! changes when go fails or the new modules cannot be laid out.

use std::process::Stdio;

use anyhow::{Context as _, Result};

use crate::modes::{self, VendorOptions};
use crate::ops::{Context, Outcome};
use crate::repo::{base_gomod_text, read_text};
use crate::sources::goenv::go_command;
use crate::txn::open::open_for_change;
use crate::util::fsutil;

/// What `gomodoff go` was asked.
#[derive(Debug, Clone, Default)]
pub(crate) struct GoOptions {
    /// The go command's arguments, subcommand first.
    pub args: Vec<String>,
    pub yes: bool,
    pub dry_run: bool,
}

/// Where the README says what works with go itself.
const SEE: &str = "see \"Changing dependencies\" in gomodoff's README";

/// The go subcommands that change dependencies: the words naming each (`-modfile` goes right
/// after them).
const CHANGING: [&[&str]; 3] = [&["get"], &["mod", "tidy"], &["mod", "download"]];

/// How many words name the go subcommand in `args` (the index `-modfile` goes to), or the
/// refusal, with what to use instead.
pub(crate) fn modfile_position(args: &[String]) -> Result<usize> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    if let Some(cmd) = CHANGING.iter().find(|c| words.starts_with(c)) {
        if let Some(flag) = words
            .iter()
            .find(|a| a.starts_with("-modfile") || a.starts_with("--modfile"))
        {
            crate::bail_hint!(
                hint = "drop it: gomodoff passes its own `-modfile`",
                "`gomodoff go` cannot run go with `{flag}`"
            );
        }
        return Ok(cmd.len());
    }
    let named = match words.as_slice() {
        ["mod", sub, ..] => format!("go mod {sub}"),
        [sub, ..] => format!("go {sub}"),
        [] => "go".to_string(),
    };
    let instead = match words.as_slice() {
        ["mod", "vendor", ..] => {
            "to vendor in go's own `vendor/` layout, run `gomodoff restore`, then `gomodoff vendor --mode vendor`".to_string()
        }
        ["mod", "edit", ..] => {
            "run it as it is (it edits the text of go.mod and leaves gomodoff's replace directives alone), then `gomodoff vendor`".to_string()
        }
        ["build" | "test" | "vet" | "run" | "list" | "install" | "generate" | "doc" | "env"
        | "version" | "fmt" | "tool" | "clean", ..]
        | ["mod", "graph" | "why" | "verify", ..] => format!(
            "run `{named}` as it is: it works with gomodoff's replace directives, offline too; `gomodoff exec -- {named} …` runs it in the offline environment"
        ),
        _ => String::new(),
    };
    let hint = if instead.is_empty() {
        SEE.to_string()
    } else {
        format!("{instead}; {SEE}")
    };
    crate::bail_hint!(
        hint = hint,
        "`gomodoff go` runs only go commands that change dependencies (`go get`, `go mod tidy`, `go mod download`), not `{named}`"
    );
}

/// Run go on go.mod without gomodoff's replaces and vendor what it wrote.
pub(crate) fn go(ctx: &mut Context, opts: &GoOptions) -> Result<Outcome> {
    let at = modfile_position(&opts.args)?;
    let (repo, _guard) = open_for_change(ctx, opts.dry_run)?;
    modes::check_revendor(&repo)?;
    // Outside the repository: go writes the modfile and its go.sum and nothing else there; the
    // directory goes away whatever happens.
    let tmp = tempfile::Builder::new()
        .prefix("gomodoff-go-")
        .tempdir()
        .context("failed to create a temporary directory for go's modfile")?;
    let modfile = tmp.path().join("go.mod");
    let sumfile = tmp.path().join("go.sum");
    fsutil::write_atomic(&modfile, base_gomod_text(&repo)?.as_bytes())?;
    if let Some(sum) = &repo.gosum_text {
        fsutil::write_atomic(&sumfile, sum.as_bytes())?;
    }
    let mut args = opts.args.clone();
    args.insert(at, format!("-modfile={}", modfile.display()));
    ctx.shell.status(
        "Running",
        &format!(
            "go {} (on go.mod without gomodoff's replace directives)",
            opts.args.join(" ")
        ),
    )?;
    // go's own output is the user's: passed through as it is. GOWORK=off: `-modfile` is refused
    // in workspace mode, and replace mode lays out this module's build list.
    let status = go_command()
        .args(&args)
        .current_dir(&ctx.dir)
        .env("GOWORK", "off")
        .stdin(Stdio::inherit())
        .stdout(ctx.shell.child_stdout()?)
        .status()
        .context("failed to run go")?;
    if !status.success() {
        let message = "go failed; nothing in the repository was changed";
        ctx.shell.warn(message)?;
        let code = status.code().unwrap_or(2);
        if ctx.shell.is_json() {
            ctx.shell.document(serde_json::json!({
                "outcome": "go_failed",
                "message": message,
                "exit_code": code,
            }))?;
        }
        return Ok(Outcome::Exited(code));
    }
    let gomod = read_text(&modfile)?;
    let gosum = match fsutil::read_optional(&sumfile)? {
        Some(b) => Some(String::from_utf8(b).context("go wrote a go.sum that is not UTF-8")?),
        None => None,
    };
    let vendor = VendorOptions {
        yes: opts.yes,
        dry_run: opts.dry_run,
        ..VendorOptions::default()
    };
    modes::revendor(ctx, &repo, gomod, gosum, &vendor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn modfile_goes_right_after_the_subcommand() {
        assert_eq!(
            modfile_position(&args("get example.com/m@v1.2.0")).unwrap(),
            1
        );
        assert_eq!(modfile_position(&args("get -u ./...")).unwrap(), 1);
        assert_eq!(modfile_position(&args("mod tidy -v")).unwrap(), 2);
        assert_eq!(modfile_position(&args("mod download m@v1.0.0")).unwrap(), 2);
    }

    #[test]
    fn other_commands_are_refused_with_what_to_use() {
        let hint = |s: &str| {
            let e = modfile_position(&args(s)).unwrap_err();
            crate::ops::hints(&e).join("\n")
        };
        assert!(hint("build ./...").contains("run `go build` as it is"));
        assert!(hint("mod why m").contains("run `go mod why` as it is"));
        assert!(hint("mod vendor").contains("--mode vendor"));
        assert!(hint("mod edit -require=m@v1.0.0").contains("then `gomodoff vendor`"));
        assert!(hint("get -modfile=x.mod m").contains("own `-modfile`"));
        assert!(hint("work sync").contains("Changing dependencies"));
    }
}
