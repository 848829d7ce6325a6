//! One module per command. Each takes its `*Options` and a [`Context`], does its work through the
//! lower layers, and returns an [`Outcome`]; errors are `anyhow` errors with context.

use std::path::PathBuf;

use anyhow::Result;

use crate::cli::{self, Cli, Command, GlobalArgs};
use crate::lock::Mode;
use crate::shell::Shell;

pub mod check;
pub mod env;
pub mod hash;
pub mod mirror;
pub mod pack;
pub mod proxy_mode;
pub mod repo;
pub mod restore;
pub mod source;
pub mod status;
pub mod unpack;
pub mod vendor;
pub mod vendor_mode;
pub mod verify;

/// What a command found, as the process exit code says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0: done, or nothing differs.
    Ok,
    /// Exit 1: a check or verification found a difference.
    Differs,
    /// A child process (`exec`) ended with this code.
    Exited(i32),
}

impl Outcome {
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Ok => 0,
            Outcome::Differs => 1,
            Outcome::Exited(code) => code,
        }
    }
}

/// What every command is given: where the repository is, where modules come from, and where
/// output goes.
pub struct Context {
    /// The directory the command runs in (`-C`, else the current directory).
    pub dir: PathBuf,
    pub modcache: Option<PathBuf>,
    pub from: Option<PathBuf>,
    pub json: bool,
    pub shell: Shell,
}

impl Context {
    pub fn new(global: &GlobalArgs, shell: Shell) -> Result<Context> {
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
    let mut ctx = Context::new(&cli.global, shell)?;
    match cli.command {
        Command::Vendor(a) => {
            let opts = vendor::VendorOptions {
                mode: a.mode.map(mode_of),
                dir: a.dir,
                yes: a.confirm.yes,
                dry_run: a.confirm.dry_run,
                modfile: a.modfile,
                report_dropped: a.report_dropped,
            };
            if proxy_mode::wants_proxy(&ctx, opts.mode) {
                proxy_mode::vendor(&mut ctx, &opts)
            } else {
                vendor::vendor(&mut ctx, &opts)
            }
        }
        Command::Restore(a) => restore::restore(
            &mut ctx,
            &restore::RestoreOptions {
                yes: a.confirm.yes,
                dry_run: a.confirm.dry_run,
                keep_tree: a.keep_tree,
            },
        ),
        Command::Verify if proxy_mode::is_proxy(&ctx) => proxy_mode::verify(&mut ctx),
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
