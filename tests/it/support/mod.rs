//! The test harness every integration test uses: fixture Go modules from `testdata/modules`
//! served as a `GOPROXY=file://` tree, a private module cache, GOPATH, HOME and go env per test,
//! and helpers that run the real `go` (the oracle) and the built `gomodoff` binary in that
//! environment. Nothing here touches the network, `$HOME` or the repository: everything is
//! written under the system temp directory.
//!
//! ```ignore
//! use crate::support::{self, Harness};
//!
//! #[test]
//! fn builds_offline() {
//!     requires_go!(); // go missing: a SKIPPED line (a failure when CI=true), see `tools`
//!     let h = Harness::new();
//!     let dir = h.project("basic"); // copied into the temp dir, `go mod tidy` wrote go.sum
//!     h.go_ok(&dir, &["build", "./..."]);
//!     let out = h.gomodoff(&dir, &["vendor", "--yes"]);
//!     support::assert_success(&out, "gomodoff vendor");
//!     support::assert_success(&h.go_offline(&dir, &["build", "./..."]), "offline build");
//! }
//! ```
//!
//! The proxy tree is built once per fixture content (keyed by a hash of `testdata/modules`, shared
//! across test processes under the temp directory) and copied into each harness, so a test may
//! corrupt its own copy. The go build cache is shared under the temp directory to save time.

#[macro_use]
pub mod tools;
mod proxy;
pub mod sumdb;
mod tree;

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use sha2::{Digest, Sha256};
use tempfile::TempDir;

pub use proxy::{FIXTURE_TIME, Fixture, escape, publish as publish_into};
pub use tools::{go, optional_tool, require_git, require_go, require_nginx, require_script, skip};
pub use tree::{
    Snapshot, copy_dir, copy_tree_exact, files_under, leftovers_in, names_in, read_files,
    remove_tree, snapshot,
};

/// Where the fixture modules are kept as sources: `<module path>@<version>/`.
pub fn modules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/modules")
}

/// Where the test projects (main modules) are kept: `<name>/`.
pub fn projects_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/projects")
}

/// The vendoring fixtures: modules kept as sources in `modules/` (see
/// [`Harness::add_fixture_modules`]), a main module `main/` whose go.mod is the template
/// `go.mod.tmpl` (see [`vendoring_main`]), `localdep/` (the target of its directory
/// replacement) and a workspace `work/`.
pub fn vendoring_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/vendoring")
}

/// A copy of the vendoring fixtures' main module at `<case_dir>/main`, with `localdep` beside
/// it: its go.mod is the template with the `go` line set (removed when `go` is `None`) and each
/// line of `extra` appended, and `files` (relative path, text) are added. Returns the main
/// module's directory.
pub fn vendoring_main(
    case_dir: &Path,
    go: Option<&str>,
    extra: &[&str],
    files: &[(&str, &str)],
) -> PathBuf {
    let main = case_dir.join("main");
    copy_dir(&vendoring_dir().join("main"), &main);
    copy_dir(
        &vendoring_dir().join("localdep"),
        &case_dir.join("localdep"),
    );
    let template = fs::read_to_string(main.join("go.mod.tmpl")).expect("read the go.mod template");
    fs::remove_file(main.join("go.mod.tmpl")).expect("remove the go.mod template");
    let go_line = go.map_or(String::new(), |v| format!("go {v}"));
    let mut go_mod = template.replace("GO_LINE", &go_line);
    for line in extra {
        go_mod.push_str(&format!("\n{line}\n"));
    }
    fs::write(main.join("go.mod"), go_mod).expect("write go.mod");
    for (name, text) in files {
        let path = main.join(name);
        fs::create_dir_all(path.parent().expect("a file has a parent")).expect("create a dir");
        fs::write(path, text).expect("write a main module file");
    }
    main
}

/// Every test project in `testdata/projects`, sorted.
pub const PROJECTS: [&str; 5] = ["basic", "cgo", "legacy116", "replaces", "slim"];

/// Every fixture module version, sorted by path then directory name.
pub fn fixtures() -> &'static [Fixture] {
    static FIXTURES: OnceLock<Vec<Fixture>> = OnceLock::new();
    FIXTURES.get_or_init(|| proxy::find_fixtures(&modules_dir()))
}

/// Find one fixture by path and version.
pub fn fixture(path: &str, version: &str) -> &'static Fixture {
    fixtures()
        .iter()
        .find(|f| f.path == path && f.version == version)
        .unwrap_or_else(|| panic!("no fixture {path}@{version} in testdata/modules"))
}

/// A private go environment in a temp dir: `proxy/` (a copy of the fixture GOPROXY tree),
/// `gomodcache/`, `gopath/`, `home/`, plus a shared GOCACHE under the temp dir.
pub struct Harness {
    tmp: TempDir,
    go: PathBuf,
    proxy: PathBuf,
    gomodcache: PathBuf,
    gopath: PathBuf,
    gocache: PathBuf,
    home: PathBuf,
    fresh: AtomicUsize,
}

impl Harness {
    /// A new environment. Needs go: a test starts with `requires_go!()`, which skips it (or
    /// fails it, with `CI=true`) when go is not installed.
    pub fn new() -> Harness {
        let go = tools::go().expect("go is not installed: start the test with `requires_go!()`");
        let tmp = tempfile::Builder::new()
            .prefix("gomodoff-test-")
            .tempdir()
            .expect("create the harness temp dir");
        let root = tmp.path().to_path_buf();
        let proxy = root.join("proxy");
        copy_dir(shared_proxy(), &proxy);
        let h = Harness {
            go,
            proxy,
            gomodcache: root.join("gomodcache"),
            gopath: root.join("gopath"),
            gocache: shared_gocache(),
            home: root.join("home"),
            fresh: AtomicUsize::new(0),
            tmp,
        };
        for dir in [&h.gomodcache, &h.gopath, &h.home, &h.gocache] {
            fs::create_dir_all(dir).expect("create harness dirs");
        }
        // Telemetry off, as `go telemetry off` would write it: otherwise go's detached telemetry
        // process may write into HOME after the temp dir is gone.
        let telemetry = h.home.join(".config/go/telemetry");
        fs::create_dir_all(&telemetry).expect("create the telemetry config dir");
        fs::write(telemetry.join("mode"), "off").expect("turn go telemetry off");
        h
    }

    /// The harness's temp dir; everything a test writes goes below it.
    pub fn root(&self) -> &Path {
        self.tmp.path()
    }

    /// The GOPROXY file tree (this harness's own copy).
    pub fn proxy_dir(&self) -> &Path {
        &self.proxy
    }

    /// `file://…` URL of [`Harness::proxy_dir`].
    pub fn proxy_url(&self) -> String {
        file_url(&self.proxy)
    }

    pub fn gomodcache(&self) -> &Path {
        &self.gomodcache
    }

    pub fn gopath(&self) -> &Path {
        &self.gopath
    }

    pub fn gocache(&self) -> &Path {
        &self.gocache
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    pub fn go_binary(&self) -> &Path {
        &self.go
    }

    /// The environment every command runs with (on top of an emptied environment that keeps
    /// only `PATH`, `TMPDIR` and `RUST_BACKTRACE`).
    pub fn env(&self) -> Vec<(String, OsString)> {
        let mut env: Vec<(String, OsString)> = vec![
            ("GOPROXY".into(), self.proxy_url().into()),
            ("GOSUMDB".into(), "off".into()),
            ("GONOSUMDB".into(), "*".into()),
            ("GOPRIVATE".into(), "".into()),
            ("GONOPROXY".into(), "".into()),
            ("GOINSECURE".into(), "".into()),
            ("GOTOOLCHAIN".into(), "local".into()),
            ("GOWORK".into(), "off".into()),
            ("GOFLAGS".into(), "-modcacherw".into()),
            ("GOMODCACHE".into(), self.gomodcache.clone().into()),
            ("GOPATH".into(), self.gopath.clone().into()),
            ("GOCACHE".into(), self.gocache.clone().into()),
            ("GOENV".into(), "off".into()),
            ("HOME".into(), self.home.clone().into()),
            ("CGO_ENABLED".into(), "1".into()),
            // Never ask on the terminal the tests were started from (a run without --yes must
            // refuse, not wait for an answer); the prompt's own tests remove it.
            ("GOMODOFF_TTY".into(), "off".into()),
        ];
        for keep in ["PATH", "TMPDIR", "RUST_BACKTRACE"] {
            if let Some(v) = std::env::var_os(keep) {
                env.push((keep.into(), v));
            }
        }
        env
    }

    /// A `go` command in `dir` with [`Harness::env`].
    pub fn go_command(&self, dir: &Path) -> Command {
        let mut cmd = Command::new(&self.go);
        cmd.current_dir(dir).env_clear().envs(self.env());
        cmd
    }

    /// Run the real go in `dir`.
    pub fn go(&self, dir: &Path, args: &[&str]) -> Output {
        self.go_with_env(dir, args, &[])
    }

    /// Run the real go in `dir` with some variables overridden (e.g. `GOFLAGS`).
    pub fn go_with_env(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = self.go_command(dir);
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run go")
    }

    /// Run the real go in `dir`, panic with its output unless it succeeds, return its stdout.
    pub fn go_ok(&self, dir: &Path, args: &[&str]) -> String {
        self.go_ok_with_env(dir, args, &[])
    }

    /// [`Harness::go_ok`] with some variables overridden.
    pub fn go_ok_with_env(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = self.go_with_env(dir, args, env);
        assert_success(&out, &format!("go {}", args.join(" ")));
        stdout(&out)
    }

    /// Run the real go offline: `GOPROXY=off` and a fresh, empty `GOMODCACHE` (the proof that
    /// nothing would be downloaded).
    pub fn go_offline(&self, dir: &Path, args: &[&str]) -> Output {
        self.go_offline_with_env(dir, args, &[])
    }

    /// [`Harness::go_offline`] with more variables overridden.
    pub fn go_offline_with_env(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
        let cache = self.fresh_dir("offline-modcache");
        let cache = cache.to_str().expect("temp paths are UTF-8");
        let mut all = vec![("GOPROXY", "off"), ("GOMODCACHE", cache)];
        all.extend_from_slice(env);
        self.go_with_env(dir, args, &all)
    }

    /// A new empty directory below the harness root, named `<prefix>-<n>`.
    pub fn fresh_dir(&self, prefix: &str) -> PathBuf {
        let n = self.fresh.fetch_add(1, Ordering::Relaxed);
        let dir = self.root().join(format!("{prefix}-{n}"));
        fs::create_dir_all(&dir).expect("create a fresh dir");
        dir
    }

    /// A copy of the tree `src` (see [`copy_dir`]) at a new path below the harness root,
    /// `<name>-<n>`.
    pub fn copy_of(&self, src: &Path, name: &str) -> PathBuf {
        let to = self.fresh_dir(name);
        fs::remove_dir(&to).expect("remove the fresh dir to copy into");
        copy_dir(src, &to);
        to
    }

    /// Copy `testdata/projects/<name>` into the temp dir, as it is (no go.sum).
    pub fn copy_project(&self, name: &str) -> PathBuf {
        let src = projects_dir().join(name);
        assert!(src.is_dir(), "no test project {name} in testdata/projects");
        let dst = self.root().join("projects").join(name);
        assert!(!dst.exists(), "project {name} was already copied");
        copy_dir(&src, &dst);
        dst
    }

    /// Copy a test project and run `go mod tidy` in it, which writes its go.sum and fills the
    /// module cache. Panics if tidy fails.
    pub fn project(&self, name: &str) -> PathBuf {
        let dir = self.copy_project(name);
        self.go_mod_tidy(&dir);
        dir
    }

    /// `go mod tidy` in `dir`; panics on failure.
    pub fn go_mod_tidy(&self, dir: &Path) {
        self.go_ok(dir, &["mod", "tidy"]);
    }

    /// `go mod download all` in `dir` (fills the module cache and go.sum); panics on failure.
    pub fn go_mod_download(&self, dir: &Path) {
        self.go_ok(dir, &["mod", "download", "all"]);
    }

    /// Add the fixture modules kept below `modules_dir` (as `<module path>@<version>/`) to this
    /// harness's GOPROXY tree, beside those of `testdata/modules` (their paths must differ).
    pub fn add_fixture_modules(&self, modules_dir: &Path) {
        proxy::build_proxy(&proxy::find_fixtures(modules_dir), &self.proxy);
    }

    /// Add one module version, given as files in memory (relative slash paths; the `go.mod`
    /// among them, if any, is also served as its `.mod`), to this harness's GOPROXY tree, its
    /// zip holding exactly `files`. See [`proxy::publish`].
    pub fn publish(&self, path: &str, version: &str, files: &[(&str, &str)]) {
        proxy::publish(&self.proxy, path, version, files);
    }

    /// A main module (go 1.21) importing `example.com/prunedreq`, a go 1.21 module (added to
    /// this harness's proxy) that requires `example.com/multi/v2`: after `go mod tidy`,
    /// multi/v2 is in the build list but the pruned graph never reads its go.mod, so go.sum has
    /// no line for it (the shape of github.com/go-playground/assert/v2 in gin v1.9.1).
    pub fn pruned_requirement_project(&self) -> PathBuf {
        self.publish(
            "example.com/prunedreq",
            "v1.0.0",
            &[
                (
                    "go.mod",
                    "module example.com/prunedreq\n\ngo 1.21\n\nrequire example.com/multi/v2 v2.0.0\n",
                ),
                ("p.go", "package prunedreq\n\nconst X = 1\n"),
            ],
        );
        let dir = self.fresh_dir("pruned");
        fs::write(dir.join("go.mod"), "module example.com/pruned\n\ngo 1.21\n")
            .expect("write go.mod");
        fs::write(
            dir.join("main.go"),
            "package main\n\nimport \"example.com/prunedreq\"\n\nfunc main() { println(prunedreq.X) }\n",
        )
        .expect("write main.go");
        self.go_mod_tidy(&dir);
        dir
    }

    /// [`Harness::pruned_requirement_project`] and its `go list -m all` build list, with the
    /// shape the fixture promises checked: multi/v2 in the build list, and no go.sum line for it.
    pub fn pruned_requirement_project_listed(&self) -> (PathBuf, Vec<String>) {
        let dir = self.pruned_requirement_project();
        let online = build_list(&self.go_ok(&dir, &["list", "-m", "all"]));
        assert!(
            online.contains(&"example.com/multi/v2 v2.0.0".to_string()),
            "{online:?}"
        );
        let gosum = fs::read_to_string(dir.join("go.sum")).expect("read go.sum");
        assert!(
            !gosum.contains("multi/v2"),
            "precondition: no go.sum line\n{gosum}"
        );
        (dir, online)
    }

    /// A `gomodoff` command (the binary under test) in `dir` with [`Harness::env`] and
    /// `--modcache` pointing at this harness's module cache.
    pub fn gomodoff_command(&self, dir: &Path) -> Command {
        let mut cmd = self.gomodoff_command_without_modcache(dir);
        cmd.arg("--modcache").arg(&self.gomodcache);
        cmd
    }

    /// A `gomodoff` command in `dir` with [`Harness::env`] only: the module cache is the one
    /// `GOMODCACHE` names, unless the caller passes `--modcache`.
    pub fn gomodoff_command_without_modcache(&self, dir: &Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_gomodoff"));
        cmd.current_dir(dir).env_clear().envs(self.env());
        cmd
    }

    /// Run `gomodoff --modcache <gomodcache> <args>` in `dir`.
    pub fn gomodoff(&self, dir: &Path, args: &[&str]) -> Output {
        self.gomodoff_with_env(dir, &[], args)
    }

    /// [`Harness::gomodoff`] with some variables set (e.g. `GOMODOFF_FAIL_AT`).
    pub fn gomodoff_with_env(&self, dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
        self.gomodoff_command(dir)
            .envs(env.iter().copied())
            .args(args)
            .output()
            .expect("run gomodoff")
    }
}

/// Stdout as text (lossy).
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Stderr as text (lossy).
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Panic with both output streams unless the command succeeded.
pub fn assert_success(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({})\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

/// Panic with both output streams unless the command failed.
pub fn assert_failure(out: &Output, what: &str) {
    assert!(
        !out.status.success(),
        "{what} unexpectedly succeeded\n--- stdout\n{}\n--- stderr\n{}",
        stdout(out),
        stderr(out)
    );
}

/// Panic, showing stderr, unless the command exited with `code`; its stdout.
pub fn stdout_of_exit(out: &Output, code: i32) -> String {
    assert_eq!(out.status.code(), Some(code), "{}", stderr(out));
    stdout(out)
}

/// Panic, showing stdout, unless the command's stdout contains `needle`.
pub fn assert_stdout_contains(out: &Output, needle: &str) {
    assert!(stdout(out).contains(needle), "{}", stdout(out));
}

/// Panic, showing stderr, unless the command's stderr contains `needle`.
pub fn assert_stderr_contains(out: &Output, needle: &str) {
    assert!(stderr(out).contains(needle), "{}", stderr(out));
}

/// Panic unless a run with `GOMODOFF_FAIL_AT=<step>` failed as the injected failure: exit status
/// 2, and stderr naming the step.
pub fn assert_injected_failure(out: &Output, step: &str) {
    assert_eq!(out.status.code(), Some(2), "step {step}: {}", stderr(out));
    assert_stderr_contains(out, &format!("injected failure at step `{step}`"));
}

/// `go list -m all` lines reduced to `path version` (a replaced module prints `=> target`).
pub fn build_list(listing: &str) -> Vec<String> {
    listing
        .lines()
        .map(|l| {
            l.split(" => ")
                .next()
                .expect("split yields a first part")
                .trim()
                .to_string()
        })
        .collect()
}

/// Panic unless the run was stopped by `GOMODOFF_ABORT_AT` (an abort, as a SIGKILL would stop
/// it), i.e. reached the step.
#[cfg(unix)]
pub fn assert_aborted(out: &Output, what: &str) {
    assert!(
        aborted(out),
        "{what}: not aborted ({})\n{}",
        out.status,
        stderr(out)
    );
}

/// Whether the run was stopped by `GOMODOFF_ABORT_AT`: killed by SIGABRT, which
/// `std::process::abort` raises.
#[cfg(unix)]
pub fn aborted(out: &Output) -> bool {
    use std::os::unix::process::ExitStatusExt as _;
    const SIGABRT: i32 = 6;
    out.status.signal() == Some(SIGABRT)
}

/// A module version, for the library's APIs.
pub fn mv(path: &str, version: &str) -> gomodoff::module::ModuleVersion {
    gomodoff::module::ModuleVersion {
        path: path.to_string(),
        version: version.to_string(),
    }
}

/// `!x` → `X`, as the go command unescapes file names (the inverse of [`escape`]).
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut bang = false;
    for c in s.chars() {
        match (bang, c) {
            (false, '!') => bang = true,
            (true, c) => {
                out.push(c.to_ascii_uppercase());
                bang = false;
            }
            (false, c) => out.push(c),
        }
    }
    out
}

/// One object of `go mod download -json` output (a field go left out is empty).
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GoDownload {
    pub path: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub zip: String,
    #[serde(default)]
    pub dir: String,
    #[serde(default)]
    pub sum: String,
    #[serde(default)]
    pub go_mod_sum: String,
}

/// Every object of `go mod download -json` output.
pub fn go_downloads(json: &[u8]) -> Vec<GoDownload> {
    serde_json::Deserializer::from_slice(json)
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("go mod download -json output")
}

/// `file://` URL of an absolute path.
pub fn file_url(path: &Path) -> String {
    let s = path.to_str().expect("temp paths are UTF-8");
    if cfg!(windows) {
        format!("file:///{}", s.replace('\\', "/"))
    } else {
        format!("file://{s}")
    }
}

/// The GOPROXY tree built from `testdata/modules`, shared by all tests (keyed by the fixtures'
/// content hash, so an edited fixture makes a new tree).
fn shared_proxy() -> &'static Path {
    static PROXY: OnceLock<PathBuf> = OnceLock::new();
    PROXY.get_or_init(|| {
        let key = fixtures_hash();
        let dir = std::env::temp_dir().join(format!("gomodoff-test-proxy-{}", &key[..16]));
        if dir.join(".complete").is_file() {
            return dir;
        }
        let staging = tempfile::Builder::new()
            .prefix("gomodoff-test-proxy-staging-")
            .tempdir()
            .expect("create a staging dir for the proxy tree");
        proxy::build_proxy(fixtures(), staging.path());
        fs::write(staging.path().join(".complete"), key.as_bytes()).expect("mark the proxy tree");
        let staged = staging.keep();
        if fs::rename(&staged, &dir).is_err() {
            // Another test process won the race; its tree is identical.
            let _ = fs::remove_dir_all(&staged);
            assert!(
                dir.join(".complete").is_file(),
                "proxy tree at {}",
                dir.display()
            );
        }
        dir
    })
}

fn shared_gocache() -> PathBuf {
    std::env::temp_dir().join("gomodoff-test-gocache")
}

fn fixtures_hash() -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"gomodoff test proxy, layout 1\n");
    for entry in walkdir::WalkDir::new(modules_dir()).sort_by_file_name() {
        let entry = entry.expect("walk testdata/modules");
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(modules_dir())
                .expect("below modules_dir");
            hasher.update(rel.to_string_lossy().as_bytes());
            hasher.update([0]);
            hasher.update(fs::read(entry.path()).expect("read a fixture file"));
            hasher.update([0]);
        }
    }
    hex::encode(hasher.finalize())
}

/// The variables a gomodoff command printed as `export K='V'` lines, in order.
pub fn printed_env(out: &Output) -> Vec<(String, String)> {
    stdout(out)
        .lines()
        .filter_map(|l| l.strip_prefix("export "))
        .map(|l| {
            let (k, v) = l.split_once('=').expect("an export line has `=`");
            (k.to_string(), v.trim_matches('\'').to_string())
        })
        .collect()
}

/// A zip's entries: name and content, in order.
pub type ZipEntries = Vec<(String, Vec<u8>)>;

/// The entries of a zip, in order.
pub fn read_zip_entries(path: &Path) -> ZipEntries {
    use std::io::Read as _;
    let mut archive =
        zip::ZipArchive::new(fs::File::open(path).expect("open zip")).expect("read zip");
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).expect("zip entry");
            let mut data = Vec::new();
            f.read_to_end(&mut data).expect("read zip entry");
            (f.name().expect("entry name").to_string(), data)
        })
        .collect()
}

/// A zip of `entries`, in order, written to `path`.
pub fn write_zip_entries(path: &Path, entries: &[(String, Vec<u8>)]) {
    use std::io::Write as _;
    let mut w = zip::ZipWriter::new(fs::File::create(path).expect("create zip"));
    for (name, data) in entries {
        w.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .expect("zip entry");
        w.write_all(data).expect("write zip entry");
    }
    w.finish().expect("finish zip");
}
