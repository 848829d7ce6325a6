//! What every command is given ([`Context`]: the directory, where modules come from, where output
//! goes) and what it returns ([`Outcome`], the exit code).

use std::path::PathBuf;

use crate::util::shell::Shell;

/// What a command found, as the process exit code says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0: done, or nothing differs.
    Ok,
    /// Exit 1: a check or verification found a difference.
    Differs,
    /// Exit 1: the user did not agree to the change (any answer but y/yes); nothing changed.
    Cancelled,
    /// A child process (`exec`) ended with this code.
    Exited(i32),
}

impl Outcome {
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Ok => 0,
            Outcome::Differs | Outcome::Cancelled => 1,
            Outcome::Exited(code) => code,
        }
    }
}

/// What every command is given: where the repository is, where modules come from, and where
/// output goes.
pub(crate) struct Context {
    /// The directory the command runs in (`-C`, else the current directory).
    pub dir: PathBuf,
    pub modcache: Option<PathBuf>,
    pub from: Option<PathBuf>,
    pub json: bool,
    pub shell: Shell,
}
