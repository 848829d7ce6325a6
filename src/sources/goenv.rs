//! The installed go command: how gomodoff runs it (`GOMODOFF_GO`, else `go` on PATH) and what it
//! says about itself.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::util::env;

/// What `go env -json` says about the settings gomodoff cares about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE", default)]
pub struct GoEnvVars {
    pub gomodcache: String,
    pub gopath: String,
    pub goflags: String,
    pub goproxy: String,
    pub gosumdb: String,
    pub gonosumdb: String,
    pub goprivate: String,
    pub gowork: String,
    pub goversion: String,
    pub goroot: String,
    pub cgo_enabled: String,
    pub goos: String,
    pub goarch: String,
    /// The `go env -w` file (`off` for none).
    pub goenv: String,
}

/// The go command gomodoff runs: `GOMODOFF_GO`, else `go` on PATH.
pub fn go_command() -> Command {
    Command::new(env::var_os("GOMODOFF_GO").unwrap_or_else(|| "go".into()))
}

/// Ask the installed go (`go` in `PATH`, or `GOMODOFF_GO`) for its settings, in the current
/// directory. `None` when go is not installed or fails.
pub fn go_env() -> Option<GoEnvVars> {
    go_env_at(None)
}

/// [`go_env_in`] without extra variables, asked once per directory and process (`vendor` asks
/// where it runs and again at the root it vendors; each `go env` costs milliseconds). `None` is
/// the current directory.
pub fn go_env_at(dir: Option<&Path>) -> Option<GoEnvVars> {
    static ASKED: Mutex<Vec<(Option<PathBuf>, Option<GoEnvVars>)>> = Mutex::new(Vec::new());
    // The current directory and the same directory named explicitly are one question: each
    // `go env` costs milliseconds, and `vendor` asks in both (module cache, then the root).
    let canonical = |d: &Path| std::fs::canonicalize(d).ok();
    let key = match dir {
        Some(d) => canonical(d),
        None => std::env::current_dir().ok().and_then(|d| canonical(&d)),
    }
    .or_else(|| dir.map(Path::to_path_buf));
    let mut asked = ASKED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, vars)) = asked.iter().find(|(d, _)| *d == key) {
        return vars.clone();
    }
    let vars = go_env_in(dir, &[]);
    asked.push((key, vars.clone()));
    vars
}

/// The `GOFLAGS` a plain go command run in `dir` uses: the environment's when set, else what
/// `go env GOFLAGS` says (the `go env -w` configuration file); empty when neither sets any.
pub fn user_goflags(dir: &Path) -> String {
    env::var("GOFLAGS")
        .or_else(|| go_env_at(Some(dir)).map(|v| v.goflags))
        .unwrap_or_default()
}

/// The installed go's version (`go1.26.8`), `None` when go is not installed.
pub fn go_version_installed() -> Option<String> {
    go_env().map(|v| v.goversion).filter(|v| !v.is_empty())
}

/// Ask the installed go for its settings in `dir` (the current directory when `None`), with
/// extra environment variables set.
pub fn go_env_in(dir: Option<&Path>, env: &[(&str, &str)]) -> Option<GoEnvVars> {
    let mut cmd = go_command();
    cmd.args([
        "env",
        "-json",
        "GOMODCACHE",
        "GOPATH",
        "GOFLAGS",
        "GOPROXY",
        "GOSUMDB",
        "GONOSUMDB",
        "GOPRIVATE",
        "GOWORK",
        "GOVERSION",
        "GOROOT",
        "CGO_ENABLED",
        "GOOS",
        "GOARCH",
        "GOENV",
    ])
    .envs(env.iter().copied())
    .env("GOTOOLCHAIN", "local")
    .stdin(std::process::Stdio::null())
    .stderr(std::process::Stdio::null());
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    let out = cmd.output().ok()?;
    if !out.status.success() {
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

/// What the installed go says about the environment `go mod vendor` would run in.
/// The go settings that decide what a build reads: GOROOT (the standard library), cgo, go.work.
#[derive(Debug, Clone)]
pub struct GoSettings {
    pub goroot: Option<PathBuf>,
    pub cgo_enabled: bool,
    /// The go.work file in use, if any.
    pub gowork: Option<PathBuf>,
}

impl GoSettings {
    /// From `go env` (with `GOTOOLCHAIN=local`) when go is installed, else from the environment
    /// the way go reads it.
    pub fn read(dir: &Path) -> GoSettings {
        if let Some(vars) = go_env_at(Some(dir)) {
            let some = |v: &str| (!v.is_empty()).then(|| v.to_string());
            return GoSettings {
                goroot: some(&vars.goroot).map(PathBuf::from),
                cgo_enabled: some(&vars.cgo_enabled).is_none_or(|v| v == "1"),
                gowork: some(&vars.gowork).filter(|v| v != "off").map(PathBuf::from),
            };
        }
        let gowork = match env::var("GOWORK").as_deref() {
            Some("off") => None,
            Some(path) => Some(PathBuf::from(path)),
            None => dir
                .ancestors()
                .map(|d| d.join("go.work"))
                .find(|p| p.is_file()),
        };
        GoSettings {
            goroot: env::var("GOROOT").map(PathBuf::from),
            cgo_enabled: env::var("CGO_ENABLED").is_none_or(|v| v == "1"),
            gowork,
        }
    }
}
