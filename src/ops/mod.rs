//! One module per command. Each takes its options and a [`Context`], does its work through the
//! lower layers, and returns an [`Outcome`]; errors are `anyhow` errors with context.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::cli::{Cli, Command, GlobalArgs};
use crate::shell::Shell;

/// What a command found, as the process exit code says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0: done, or nothing differs.
    Ok,
    /// Exit 1: a check or verification found a difference.
    Differs,
}

impl Outcome {
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Ok => 0,
            Outcome::Differs => 1,
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
        Ok(Context {
            dir,
            modcache: global.modcache.clone(),
            from: global.from.clone(),
            json: global.json,
            shell,
        })
    }
}

/// Run one parsed command line.
pub fn run(cli: Cli, shell: Shell) -> Result<Outcome> {
    let mut ctx = Context::new(&cli.global, shell)?;
    let name = match &cli.command {
        Command::Vendor(_) => "vendor",
        Command::Restore(_) => "restore",
        Command::Verify => "verify",
        Command::Status(_) => "status",
        Command::Check => "check",
        Command::Pack(_) => "pack",
        Command::Unpack(_) => "unpack",
        Command::Mirror(_) => "mirror",
        Command::Env => "env",
        Command::Exec(_) => "exec",
        Command::Hash(_) => "hash",
    };
    let _ = &mut ctx;
    bail!("`gomodoff {name}` is not yet implemented")
}
