//! One module per command. Each takes its `*Options` and a [`Context`], does its work through the
//! lower layers, and returns an [`Outcome`]; errors are `anyhow` errors with context.

use std::path::PathBuf;

use anyhow::Result;

use crate::cli::{self, Cli, Command, GlobalArgs};
use crate::formats::lock::Mode;
use crate::util::shell::Shell;

mod check;
mod env;
mod hash;
mod mirror;
mod pack;
mod restore;
mod status;
mod unpack;
mod verify;

use crate::modes;
pub(crate) use crate::util::context::Context;
pub use crate::util::context::Outcome;

/// What the user can do about `err`: every hint attached anywhere in its cause chain, in chain
/// order, each once. `main` prints them after the chain.
pub fn hints(err: &anyhow::Error) -> Vec<String> {
    use crate::formats::lock::LockError;
    use crate::sources::checked::SumError;
    use crate::sources::modcache::SourceError;
    use crate::txn::plan::PlanError;
    use crate::util::fsutil::FsError;
    use crate::util::hint::Hinted;
    let mut hints: Vec<String> = Vec::new();
    for e in err.chain() {
        let hint = if let Some(h) = e.downcast_ref::<Hinted>() {
            Some(h.hint().to_string())
        } else if let Some(s) = e.downcast_ref::<SourceError>() {
            s.hint().map(str::to_string)
        } else if let Some(s) = e.downcast_ref::<SumError>() {
            Some(s.hint())
        } else if let Some(p) = e.downcast_ref::<PlanError>() {
            p.hint()
        } else if let Some(f) = e.downcast_ref::<FsError>() {
            f.hint()
        } else if let Some(l) = e.downcast_ref::<LockError>() {
            l.hint()
        } else {
            None
        };
        if let Some(h) = hint
            && !hints.contains(&h)
        {
            hints.push(h);
        }
    }
    hints
}

/// The context of one run: `-C`, `--modcache` and `--from` made absolute.
fn context(global: &GlobalArgs, shell: Shell) -> Result<Context> {
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
        json: global.json,
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
    let mut ctx = context(&cli.global, shell)?;
    match cli.command {
        Command::Vendor(a) => {
            let opts = modes::VendorOptions {
                mode: a.mode.map(mode_of),
                dir: a.dir,
                yes: a.confirm.yes,
                dry_run: a.confirm.dry_run,
                modfile: a.modfile,
                report_dropped: a.report_dropped,
            };
            modes::vendor(&mut ctx, &opts)
        }
        Command::Restore(a) => restore::restore(
            &mut ctx,
            &modes::RestoreOptions {
                yes: a.confirm.yes,
                dry_run: a.confirm.dry_run,
                keep_tree: a.keep_tree,
            },
        ),
        Command::Verify => verify::verify(&mut ctx),
        Command::Status(a) => status::status(&mut ctx, &status::StatusOptions { check: a.check }),
        Command::Check(a) => check::check(&mut ctx, &check::CheckOptions { go_args: a.go_args }),
        Command::Env => env::env(&mut ctx),
        Command::Exec(a) => env::exec(&mut ctx, &a.command),
        Command::Hash(a) => hash::hash(
            &mut ctx,
            &hash::HashOptions {
                zip: a.zip,
                dir: a.directory,
                module: a.module,
                gomod: a.gomod,
                check: a.check,
                gosum: a.gosum,
            },
        ),
        Command::Pack(a) => pack::pack(
            &mut ctx,
            &pack::PackOptions {
                output: a.output,
                download: a.download,
                toolchain: a.toolchain,
                sync: a.sync,
            },
        ),
        Command::Unpack(a) => unpack::unpack(
            &mut ctx,
            &unpack::UnpackOptions {
                bundle: a.bundle,
                to: a.to,
                into_modcache: a.into_modcache,
            },
        ),
        Command::Mirror(a) => mirror::mirror(
            &mut ctx,
            &mirror::MirrorOptions {
                dir: a.tree,
                verify: a.verify,
            },
        ),
    }
}
