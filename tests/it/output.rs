//! What gomodoff shows a person, pinned as insta snapshots (`snapshots/<test>.snap`, beside
//! this file): each mode's preview (`vendor --dry-run`), restore's, `status` clean and drifted,
//! `verify`'s findings, and each common error with its hint. Every snapshot is one run: its exit
//! code, stdout and stderr, with the harness's temp paths and durations replaced (see
//! [`filters`]), so that it is the same on every machine.
//!
//! A change in what gomodoff prints fails the test and, outside CI, leaves a `.snap.new` beside
//! the snapshot: review it (`cargo insta review`, or by hand: rename it over the `.snap`). With
//! `CI=true` insta never writes; a mismatch or a missing snapshot fails.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{Harness, assert_success, stderr, stdout};

/// One run as a person sees it: the exit code, stdout and stderr.
fn shown(out: &Output) -> String {
    let code = out
        .status
        .code()
        .map_or_else(|| format!("killed ({})", out.status), |c| c.to_string());
    format!(
        "exit code: {code}\n--- stdout\n{}--- stderr\n{}",
        stdout(out),
        stderr(out)
    )
}

/// insta's settings for these snapshots: named after the test alone, described by the command,
/// and with what differs between machines and runs replaced: the harness's temp dir (`[ROOT]`),
/// the system temp dir (`[TMP]`) and durations (`[DURATION]`).
fn filters(h: &Harness, command: &str) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_description(command);
    settings.set_omit_expression(true);
    let root = h.root().to_path_buf();
    let mut roots = vec![root.clone()];
    if let Ok(real) = root.canonicalize() {
        roots.push(real);
    }
    for r in roots {
        settings.add_filter(&regex_escape(&r.to_string_lossy()), "[ROOT]");
    }
    let tmp = std::env::temp_dir();
    let tmp = tmp.to_string_lossy();
    settings.add_filter(&regex_escape(tmp.trim_end_matches('/')), "[TMP]");
    settings.add_filter(r"\b\d+(\.\d+)?(ns|µs|us|ms|s)\b", "[DURATION]");
    settings
}

/// `text` as a regex that matches it literally.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Pin what `gomodoff ARGS` shows in `dir`, as the snapshot `name`.
fn assert_shown(h: &Harness, name: &str, dir: &Path, args: &[&str]) {
    let out = h.gomodoff(dir, args);
    assert_output(h, name, &format!("gomodoff {}", args.join(" ")), &out);
}

/// Pin `out`, the output of `command`, as the snapshot `name`.
fn assert_output(h: &Harness, name: &str, command: &str, out: &Output) {
    filters(h, command).bind(|| insta::assert_snapshot!(name, shown(out)));
}

/// The small fixture project `legacy116` (five modules, go 1.16), go.sum written.
fn legacy116(h: &Harness) -> PathBuf {
    h.project("legacy116")
}

fn vendored(h: &Harness, args: &[&str]) -> PathBuf {
    let dir = legacy116(h);
    let out = h.gomodoff(&dir, args);
    assert_success(&out, &format!("gomodoff {}", args.join(" ")));
    dir
}

#[test]
fn vendor_dry_run_replace_mode() {
    requires_go!();
    let h = Harness::new();
    let dir = legacy116(&h);
    assert_shown(
        &h,
        "vendor_dry_run_replace_mode",
        &dir,
        &["vendor", "--dry-run"],
    );
}

#[test]
fn vendor_dry_run_vendor_mode() {
    requires_go!();
    let h = Harness::new();
    let dir = legacy116(&h);
    assert_shown(
        &h,
        "vendor_dry_run_vendor_mode",
        &dir,
        &["vendor", "--mode", "vendor", "--dry-run"],
    );
}

#[test]
fn vendor_dry_run_proxy_mode() {
    requires_go!();
    let h = Harness::new();
    let dir = legacy116(&h);
    assert_shown(
        &h,
        "vendor_dry_run_proxy_mode",
        &dir,
        &["vendor", "--mode", "proxy", "--dry-run"],
    );
}

#[test]
fn restore_dry_run() {
    requires_go!();
    let h = Harness::new();
    let dir = vendored(&h, &["vendor", "--yes"]);
    assert_shown(&h, "restore_dry_run", &dir, &["restore", "--dry-run"]);
}

#[test]
fn status_clean_and_drifted() {
    requires_go!();
    let h = Harness::new();
    let dir = vendored(&h, &["vendor", "--yes"]);
    assert_shown(&h, "status_clean", &dir, &["status"]);
    // An edit since: a newer version of one module.
    h.go_ok(&dir, &["get", "example.com/multi@v1.2.0"]);
    assert_shown(&h, "status_drifted", &dir, &["status"]);
}

/// One byte changed, one file added, one removed in a vendored module.
fn tamper(module_dir: &Path) {
    let go_file = |dir: &Path| {
        let mut files: Vec<PathBuf> = fs::read_dir(dir)
            .expect("read a vendored module")
            .map(|e| e.expect("an entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "go"))
            .collect();
        files.sort();
        files.into_iter().next().expect("a .go file")
    };
    let changed = go_file(module_dir);
    let mut bytes = fs::read(&changed).expect("read a vendored file");
    bytes.extend_from_slice(b"// changed by hand\n");
    fs::write(&changed, bytes).expect("change a vendored file");
    fs::write(module_dir.join("extra.txt"), "added by hand\n").expect("add a file");
}

#[test]
fn verify_findings_replace_mode() {
    requires_go!();
    let h = Harness::new();
    let dir = vendored(&h, &["vendor", "--yes"]);
    tamper(&dir.join("third_party/gomod/example.com/old116@v1.0.0"));
    let legacy = dir.join("third_party/gomod/example.com/legacy@v1.0.0/legacy.go");
    fs::remove_file(legacy).expect("remove a vendored file");
    assert_shown(&h, "verify_findings_replace_mode", &dir, &["verify"]);
}

#[test]
fn verify_findings_vendor_mode() {
    requires_go!();
    let h = Harness::new();
    let dir = vendored(&h, &["vendor", "--mode", "vendor", "--yes"]);
    tamper(&dir.join("vendor/example.com/old116"));
    fs::remove_file(dir.join("vendor/example.com/legacy/legacy.go"))
        .expect("remove a vendored file");
    assert_shown(&h, "verify_findings_vendor_mode", &dir, &["verify"]);
}

#[test]
fn error_no_go_mod() {
    requires_go!();
    let h = Harness::new();
    let dir = h.fresh_dir("empty");
    assert_shown(&h, "error_no_go_mod", &dir, &["vendor", "--dry-run"]);
}

#[test]
fn error_missing_go_sum_line() {
    requires_go!();
    let h = Harness::new();
    let dir = legacy116(&h);
    let gosum = fs::read_to_string(dir.join("go.sum")).expect("read go.sum");
    let kept: String = gosum
        .lines()
        .filter(|l| !l.starts_with("example.com/old116 v1.0.0 "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(kept, gosum, "precondition: go.sum has old116's zip line");
    fs::write(dir.join("go.sum"), kept).expect("write go.sum");
    assert_shown(
        &h,
        "error_missing_go_sum_line",
        &dir,
        &["vendor", "--dry-run"],
    );
}

#[test]
fn error_checksum_mismatch_in_the_module_cache() {
    requires_go!();
    let h = Harness::new();
    let dir = legacy116(&h);
    let cached = h
        .gomodcache()
        .join("cache/download/example.com/old116/@v/v1.0.0.mod");
    let mut bytes = fs::read(&cached).expect("read a cached go.mod");
    bytes.extend_from_slice(b"// not what go.sum vouches for\n");
    fs::write(&cached, bytes).expect("tamper with a cached go.mod");
    assert_shown(
        &h,
        "error_checksum_mismatch_in_the_module_cache",
        &dir,
        &["vendor", "--dry-run"],
    );
}

#[test]
fn error_vendor_without_a_terminal_or_yes() {
    requires_go!();
    let h = Harness::new();
    let dir = legacy116(&h);
    // `output()` gives the command no stdin: not a terminal.
    assert_shown(
        &h,
        "error_vendor_without_a_terminal_or_yes",
        &dir,
        &["vendor"],
    );
}

#[cfg(unix)]
#[test]
fn error_an_interrupted_run_left_behind() {
    requires_go!();
    let h = Harness::new();
    let dir = legacy116(&h);
    let out = h.gomodoff_with_env(
        &dir,
        &[("GOMODOFF_ABORT_AT", "rename-tree")],
        &["vendor", "--yes"],
    );
    crate::support::assert_aborted(&out, "vendor killed at rename-tree");
    assert!(dir.join(".gomodoff-txn").is_dir(), "the journal is left");
    assert_shown(
        &h,
        "error_an_interrupted_run_left_behind",
        &dir,
        &["vendor", "--dry-run"],
    );
}

#[test]
fn error_unknown_mode_in_gomodoff_toml() {
    requires_go!();
    let h = Harness::new();
    let dir = legacy116(&h);
    fs::write(dir.join("gomodoff.toml"), "mode = \"vendored\"\n").expect("write gomodoff.toml");
    assert_shown(
        &h,
        "error_unknown_mode_in_gomodoff_toml",
        &dir,
        &["vendor", "--dry-run"],
    );
}
