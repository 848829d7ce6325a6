//! The process environment, read in this one place (clippy's `disallowed-methods` refuses
//! `std::env::var*` elsewhere), so that every variable gomodoff reads is listed here and in the
//! README: `GOMODOFF_GO`, `GOMODOFF_CACHE`, `GOFLAGS` (kept by `env`/`exec`), the go settings it falls back to when go is not
//! installed (`GOWORK`, `GOROOT`, `CGO_ENABLED`, `GOMODCACHE`, `GOPATH`, `HOME`…), colour
//! (`NO_COLOR`, `CLICOLOR`, `CLICOLOR_FORCE`), `GIT_DIR` (whether git can see a repository), the
//! time `sbom --timestamp` records (`SOURCE_DATE_EPOCH`), the terminal questions are asked on
//! (`GOMODOFF_TTY`) and the fault-injection hooks of the tests
//! (`GOMODOFF_FAIL_AT`, `GOMODOFF_ABORT_AT`, `GOMODOFF_FAULT_TRACE`, `GOMODOFF_PAUSE_AT`,
//! `GOMODOFF_PAUSE_FILE`).

#![allow(clippy::disallowed_methods)]

use std::ffi::OsString;

/// A variable's value when it is set, non-empty and UTF-8 (the go command treats an empty value
/// as unset).
pub(crate) fn var(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

/// A variable's raw value when it is set, empty or not.
pub(crate) fn var_os(key: &str) -> Option<OsString> {
    std::env::var_os(key)
}

/// Every variable that can change what the go command does or finds, sorted by name: those
/// named `GO…` and `CGO_…` (and gomodoff's `GOMODOFF_…`), `PATH` (which go runs), `HOME` and
/// `XDG_CONFIG_HOME` (where `go env -w` settings live). Values as they are set, lossily UTF-8.
pub(crate) fn go_vars() -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.to_string_lossy().into_owned())))
        .filter(|(k, _)| {
            k.starts_with("GO")
                || k.starts_with("CGO_")
                || ["PATH", "HOME", "XDG_CONFIG_HOME"].contains(&k.as_str())
        })
        .collect();
    vars.sort();
    vars
}

/// The colour variables (<https://no-color.org>, <https://bixense.com/clicolors/>), each as it
/// is set, empty or not: `NO_COLOR`, `CLICOLOR`, `CLICOLOR_FORCE`.
pub(crate) fn color_vars() -> [Option<OsString>; 3] {
    ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE"].map(var_os)
}
