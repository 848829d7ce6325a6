//! Hints: what the user can do about an error, kept out of the message and printed by `main`
//! after the whole cause chain (`error: …`, `Caused by: …`, then `hint: …`).
//!
//! An error gets a hint by being wrapped in [`Hinted`] ([`hinted`], or [`HintExt::hint`] on a
//! `Result`); typed errors of the lower layers that know their own hint (`SourceError`,
//! `SumError`, …) are found by type when the chain is printed (`ops::hints`).

use std::error::Error;
use std::fmt;

/// An error with a hint attached. It shows as the error it wraps, and its cause chain is that
/// error's: the hint never appears in the chain itself.
#[derive(Debug)]
pub(crate) struct Hinted {
    error: anyhow::Error,
    hint: String,
    /// Whether this hint replaces those further down the chain (see [`hinted_instead`]).
    instead: bool,
}

impl Hinted {
    pub(crate) fn hint(&self) -> &str {
        &self.hint
    }

    /// Whether the hints of the errors below this one are left out.
    pub(crate) fn instead(&self) -> bool {
        self.instead
    }
}

impl fmt::Display for Hinted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl Error for Hinted {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.error.chain().nth(1)
    }
}

/// `error` with `hint` attached.
pub(crate) fn hinted(error: impl Into<anyhow::Error>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Hinted {
        error: error.into(),
        hint: hint.into(),
        instead: false,
    })
}

/// `error` with `hint` attached in place of the hints of its causes: a caller that knows better
/// than the layer below what the user should do (in a vendored repository, `gomodoff go get`
/// rather than `go mod download`).
pub(crate) fn hinted_instead(
    error: impl Into<anyhow::Error>,
    hint: impl Into<String>,
) -> anyhow::Error {
    anyhow::Error::new(Hinted {
        error: error.into(),
        hint: hint.into(),
        instead: true,
    })
}

/// Attach a hint to the error of a `Result`.
pub(crate) trait HintExt<T> {
    fn hint(self, hint: impl Into<String>) -> anyhow::Result<T>;
}

impl<T, E: Into<anyhow::Error>> HintExt<T> for Result<T, E> {
    fn hint(self, hint: impl Into<String>) -> anyhow::Result<T> {
        self.map_err(|e| hinted(e, hint))
    }
}

/// `bail!` with a hint: `bail_hint!(hint = "…", "message {}", x)`; the hint takes format
/// arguments too when given as `hint = ("…", args)`.
#[macro_export]
macro_rules! bail_hint {
    (hint = ($($hint:tt)+), $($msg:tt)+) => {
        return Err($crate::util::hint::hinted(anyhow::anyhow!($($msg)+), format!($($hint)+)))
    };
    (hint = $hint:expr, $($msg:tt)+) => {
        return Err($crate::util::hint::hinted(anyhow::anyhow!($($msg)+), $hint))
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    #[test]
    fn the_hint_stays_out_of_the_chain_and_is_found_by_type() {
        let inner: anyhow::Result<()> = Err(anyhow::anyhow!("disk on fire"));
        let err = inner
            .context("failed to write `go.mod`")
            .hint("put the fire out")
            .context("vendor failed")
            .unwrap_err();
        let chain: Vec<String> = err.chain().map(|e| e.to_string()).collect();
        assert_eq!(
            chain,
            ["vendor failed", "failed to write `go.mod`", "disk on fire"]
        );
        let hints: Vec<&str> = err
            .chain()
            .filter_map(|e| e.downcast_ref::<Hinted>())
            .map(Hinted::hint)
            .collect();
        assert_eq!(hints, ["put the fire out"]);
    }

    #[test]
    fn bail_hint_formats_both() {
        fn f(n: u32) -> anyhow::Result<()> {
            bail_hint!(hint = ("try {}", n + 1), "{n} failed");
        }
        let err = f(1).unwrap_err();
        assert_eq!(err.to_string(), "1 failed");
        assert_eq!(err.downcast_ref::<Hinted>().unwrap().hint(), "try 2");
    }
}
