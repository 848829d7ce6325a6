//! The tools some tests need beyond cargo's: the go toolchain (the oracle of nearly every test),
//! nginx (the mirror test), root (the full-disk tests, `tests/full_disk`, mount a tmpfs). A test whose tool is
//! missing is skipped with a visible line on stderr, `SKIPPED <test>: <why>`, written to the real
//! stderr (libtest captures `eprintln!`, not writes to the file descriptor) — never a silent
//! pass. With `CI=true` a missing go or nginx fails the test instead (CI installs both).
//!
//! ```ignore
//! #[test]
//! fn builds_offline() {
//!     requires_go!(); // go missing: SKIPPED line (fails when CI=true)
//!     let h = Harness::new();
//!     …
//! }
//! ```

use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Return from the calling test unless the go toolchain is installed, after saying so (see
/// [`require_go`]); with `CI=true` a missing go fails the test instead.
macro_rules! requires_go {
    () => {
        if $crate::support::require_go().is_none() {
            return;
        }
    };
}

/// The value of `$check`, an `Option` from one of the checks of this module (or a function
/// built on one) that has already said why when it is `None`; on `None`, return from the
/// calling test.
macro_rules! requires {
    ($check:expr) => {
        match $check {
            Some(found) => found,
            None => return,
        }
    };
}

/// Whether this run is CI (`CI=true` or `CI=1`): a missing tool is then a failure, not a skip.
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Say that the running test is skipped, and why, on the real stderr: `SKIPPED <test>: <why>`
/// (libtest names each test's thread after the test).
pub fn skip(why: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("(a test)");
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// The go binary, or `None` when go is not installed, after a `SKIPPED` line for the running
/// test. With `CI=true` a missing go fails the test.
pub fn require_go() -> Option<PathBuf> {
    let found = go();
    if found.is_none() {
        assert!(
            !is_ci(),
            "go is not installed (CI=true): the tests need it as their oracle"
        );
        skip("go is not installed (set CI=true to make this a failure)");
    }
    found
}

/// The go binary in `PATH`, looked up once.
pub fn go() -> Option<PathBuf> {
    static GO: OnceLock<Option<PathBuf>> = OnceLock::new();
    GO.get_or_init(|| {
        let exe = if cfg!(windows) { "go.exe" } else { "go" };
        in_path(exe, &[])
    })
    .clone()
}

/// The nginx binary (in `PATH`, `/usr/sbin` or `/usr/local/sbin`), or `None` when it is not
/// installed, after a `SKIPPED` line for the running test. With `CI=true` a missing nginx fails
/// the test (`.ci/run` installs it).
pub fn require_nginx() -> Option<PathBuf> {
    let found = in_path("nginx", &["/usr/sbin", "/usr/local/sbin"]);
    if found.is_none() {
        assert!(
            !is_ci(),
            "nginx is not installed (CI=true): .ci/run installs it"
        );
        skip("nginx is not installed (install nginx-light; set CI=true to make this a failure)");
    }
    found
}

/// The git binary, or `None` when git is not installed, after a `SKIPPED` line; with
/// `CI=true` a missing git fails the test (CI runs in a git clone).
pub fn require_git() -> Option<PathBuf> {
    let found = in_path("git", &[]);
    if found.is_none() {
        assert!(!is_ci(), "git is not installed (CI=true)");
        skip("git is not installed (set CI=true to make this a failure)");
    }
    found
}

/// util-linux's `script` (runs a command on a pseudo-terminal), or `None` when it is missing,
/// after a `SKIPPED` line; with `CI=true` a missing one fails the test (Debian's `bsdutils`,
/// essential, has it).
pub fn require_script() -> Option<PathBuf> {
    let found = in_path("script", &[]).filter(|script| {
        std::process::Command::new(script)
            .arg("--version")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("util-linux"))
    });
    if found.is_none() {
        assert!(!is_ci(), "util-linux `script` is not installed (CI=true)");
        skip("util-linux `script` is not installed (set CI=true to make this a failure)");
    }
    found
}

/// An optional tool (a shell to check a completion script with, groff to render a man page), or
/// `None` when it is not installed, after a `SKIPPED` line saying what is not checked. Never a
/// failure, with `CI=true` too: CI does not install every shell.
pub fn optional_tool(exe: &str, unchecked: &str) -> Option<PathBuf> {
    let found = in_path(exe, &[]);
    if found.is_none() {
        skip(&format!("{exe} is not installed: {unchecked} not checked"));
    }
    found
}

/// `exe` in a directory of `PATH` or of `more`, the first found.
fn in_path(exe: &str, more: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(more.iter().map(PathBuf::from))
        .map(|d| d.join(exe))
        .find(|p| p.is_file())
}
