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
    /// A child process (`exec`, `go`) ended with this code (`exec`: 128 + N when signal N
    /// killed it, as shells say).
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

/// An error that ends the process with its own exit code instead of 2: `exec` exits 127 when the
/// command is not found and 126 when it cannot be executed, as shells do. It shows as `message`,
/// caused by `source`; `main` finds it in the chain ([`error_exit_code`]).
#[derive(Debug)]
pub(crate) struct ExitWith {
    code: u8,
    message: String,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl ExitWith {
    pub(crate) fn new(
        code: u8,
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> ExitWith {
        ExitWith {
            code,
            message: message.into(),
            source: source.into(),
        }
    }
}

impl std::fmt::Display for ExitWith {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExitWith {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// The exit code of a run that failed with `err`: the code of the first `ExitWith` in its
/// chain, else 2.
pub fn error_exit_code(err: &anyhow::Error) -> u8 {
    err.chain()
        .find_map(|e| e.downcast_ref::<ExitWith>())
        .map_or(2, |e| e.code)
}

/// What every command is given: where the repository is, where modules come from, and where
/// output goes.
pub(crate) struct Context {
    /// The directory the command runs in (`-C`, else the current directory).
    pub dir: PathBuf,
    pub modcache: Option<PathBuf>,
    pub from: Option<PathBuf>,
    /// Where output goes; `--json` is its mode ([`Shell::is_json`]).
    pub shell: Shell,
}

#[cfg(test)]
mod tests {
    use super::{ExitWith, error_exit_code};
    use anyhow::Context as _;
    use std::io;

    #[test]
    fn an_error_exits_2_unless_it_carries_its_own_code() {
        let plain = anyhow::anyhow!("bad input");
        assert_eq!(error_exit_code(&plain), 2);
        let cause = io::Error::from(io::ErrorKind::NotFound);
        let err = anyhow::Error::new(ExitWith::new(127, "failed to run `x`", cause));
        assert_eq!(err.to_string(), "failed to run `x`");
        assert_eq!(err.chain().count(), 2);
        assert_eq!(error_exit_code(&err), 127);
        let outer: anyhow::Result<()> = Err(err);
        assert_eq!(error_exit_code(&outer.context("outer").unwrap_err()), 127);
    }
}
