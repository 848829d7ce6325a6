//! From the command line to the library: the clap structs of [`crate::cli`] turned into each
//! command's `*Options` and its one call (into `ops`, or `modes` for `vendor`), with the
//! [`Context`] of the run.

use std::path::PathBuf;

use anyhow::{Context as _, Result};

use crate::cli::{self, Cli, Command, GlobalArgs};
use crate::formats::lock::Mode;
use crate::modes;
use crate::ops::{self, Outcome};
use crate::util::context::Context;
use crate::util::fsutil;
use crate::util::shell::Shell;

/// The context of one run: `-C`, `--modcache` and `--from` made absolute.
fn context(global: &GlobalArgs, command: &'static str, mut shell: Shell) -> Result<Context> {
    shell.set_json(global.json, command);
    let cwd = std::env::current_dir()?;
    let dir = match &global.dir {
        Some(d) => cwd.join(d),
        None => cwd,
    };
    let absolute = |p: &PathBuf| {
        if p.is_absolute() {
            p.clone()
        } else {
            dir.join(p)
        }
    };
    Ok(Context {
        modcache: global.modcache.as_ref().map(absolute),
        from: global.from.as_ref().map(absolute),
        dir,
        shell,
    })
}

fn mode_of(m: cli::Mode) -> Mode {
    match m {
        cli::Mode::Replace => Mode::Replace,
        cli::Mode::Vendor => Mode::Vendor,
        cli::Mode::Proxy => Mode::Proxy,
    }
}

/// Run one parsed command line.
pub fn run(cli: Cli, shell: Shell) -> Result<Outcome> {
    let mut ctx = context(&cli.global, cli.command.name(), shell)?;
    match cli.command {
        Command::Vendor(a) => {
            let opts = modes::VendorOptions {
                mode: a.mode.map(mode_of),
                dir: a.dir,
                yes: a.confirm.yes,
                dry_run: a.confirm.dry_run,
                modfile: a.modfile,
                report_dropped: a.report_dropped,
                whole: a.whole,
                no_sumdb: a.no_sumdb,
            };
            modes::vendor(&mut ctx, &opts)
        }
        Command::Restore(a) => ops::restore::restore(
            &mut ctx,
            &modes::RestoreOptions {
                yes: a.confirm.yes,
                dry_run: a.confirm.dry_run,
                keep_tree: a.keep_tree,
            },
        ),
        Command::Verify => ops::verify::verify(&mut ctx),
        Command::Status(a) => {
            ops::status::status(&mut ctx, &ops::status::StatusOptions { check: a.check })
        }
        Command::Check(a) => {
            ops::check::check(&mut ctx, &ops::check::CheckOptions { go_args: a.go_args })
        }
        Command::Licenses(a) => {
            ops::licenses::licenses(&mut ctx, &ops::licenses::LicensesOptions { check: a.check })
        }
        Command::Sbom(a) => ops::sbom::sbom(
            &mut ctx,
            &ops::sbom::SbomOptions {
                format: match a.format {
                    cli::SbomFormat::CycloneDxJson => ops::sbom::Format::CycloneDx,
                    cli::SbomFormat::SpdxJson => ops::sbom::Format::Spdx,
                },
                output: a.output,
                timestamp: a.timestamp,
            },
        ),
        Command::Env => ops::env::env(&mut ctx),
        Command::Exec(a) => ops::env::exec(&mut ctx, &a.command),
        Command::Go(a) => ops::go::go(
            &mut ctx,
            &ops::go::GoOptions {
                args: a.args,
                yes: a.confirm.yes,
                dry_run: a.confirm.dry_run,
            },
        ),
        Command::Hash(a) => ops::hash::hash(
            &mut ctx,
            &ops::hash::HashOptions {
                zip: a.zip,
                dir: a.directory,
                module: a.module,
                gomod: a.gomod,
                check: a.check,
                gosum: a.gosum,
            },
        ),
        Command::Pack(a) => ops::pack::pack(
            &mut ctx,
            &ops::pack::PackOptions {
                output: a.output,
                download: a.download,
                toolchain: a.toolchain,
                platforms: a.platforms,
                no_sumdb: a.no_sumdb,
                sync: a.sync,
            },
        ),
        Command::Unpack(a) => ops::unpack::unpack(
            &mut ctx,
            &ops::unpack::UnpackOptions {
                bundle: a.bundle,
                to: a.to,
                into_modcache: a.into_modcache,
            },
        ),
        Command::Completions(a) => {
            let script = cli::completions(a.shell);
            if ctx.shell.is_json() {
                ctx.shell.document(serde_json::json!({
                    "shell": a.shell.to_string(),
                    "script": String::from_utf8_lossy(&script),
                }))?;
            } else {
                ctx.shell.out().write_all(&script)?;
            }
            Ok(Outcome::Ok)
        }
        Command::Man(a) => man(&mut ctx, a),
        Command::Mirror(a) => ops::mirror::mirror(
            &mut ctx,
            &ops::mirror::MirrorOptions {
                dir: a.tree,
                verify: a.verify,
                no_sumdb: a.no_sumdb,
            },
        ),
    }
}

/// `gomodoff man`: gomodoff's page (or a command's) on stdout, or every page written into a
/// directory (created when missing).
fn man(ctx: &mut Context, args: cli::ManArgs) -> Result<Outcome> {
    let pages = cli::man_pages()?;
    if let Some(dir) = args.dir {
        let dir = fsutil::absolute(&ctx.dir, &dir);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("failed to create `{}`", dir.display()))?;
        for (name, roff) in &pages {
            fsutil::write_atomic(&dir.join(name), roff)?;
        }
        ctx.shell.status(
            "Wrote",
            &format!("{} man pages into `{}`", pages.len(), dir.display()),
        )?;
        if ctx.shell.is_json() {
            let written: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
            ctx.shell
                .document(serde_json::json!({ "dir": dir, "pages": written }))?;
        }
        return Ok(Outcome::Ok);
    }
    let name = match &args.command {
        Some(c) => format!("gomodoff-{c}.1"),
        None => "gomodoff.1".to_string(),
    };
    let Some((_, roff)) = pages.iter().find(|(n, _)| *n == name) else {
        let commands: Vec<&str> = pages
            .iter()
            .filter_map(|(n, _)| n.strip_prefix("gomodoff-")?.strip_suffix(".1"))
            .collect();
        crate::bail_hint!(
            hint = ("the commands: {}", commands.join(", ")),
            "no man page for `{}`",
            args.command.unwrap_or_default()
        );
    };
    if ctx.shell.is_json() {
        ctx.shell.document(serde_json::json!({
            "name": name,
            "roff": String::from_utf8_lossy(roff),
        }))?;
    } else {
        ctx.shell.out().write_all(roff)?;
    }
    Ok(Outcome::Ok)
}
