//! `gomodoff check` against the real go: which verdict each failure gets (a module go would have
//! fetched, code that does not compile, a go line newer than the installed go), build flags
//! after `--`, and the refusal to check a repository gomodoff never vendored. What go prints is
//! never written here: every failure is made by changing a repository and running go.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{
    Harness, assert_stderr_contains, assert_stdout_contains, assert_success, copy_dir, stderr,
    stdout,
};

/// A copy of `testdata/<group>/<name>` in a fresh directory, with go.sum written by
/// `go mod tidy` (several copies of one project may live in one harness).
fn tidy_copy(h: &Harness, group: &str, name: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(group)
        .join(name);
    let dir = h.fresh_dir(name).join(name);
    copy_dir(&src, &dir);
    h.go_mod_tidy(&dir);
    dir
}

fn vendor(h: &Harness, dir: &Path, mode: &str) {
    let out = h.gomodoff(dir, &["vendor", "--mode", mode, "--yes"]);
    assert_success(&out, &format!("vendor --mode {mode}"));
}

fn check_json(h: &Harness, dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json", "check"];
    all.extend_from_slice(args);
    let out = h.gomodoff(dir, &all);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "check --json: {}",
        stderr(&out)
    );
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// The stderr of every step go ran, joined: what go printed in this run.
fn go_said(v: &serde_json::Value) -> String {
    v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stderr"].as_str().unwrap())
        .collect()
}

#[test]
fn check_refuses_a_repository_gomodoff_never_vendored() {
    requires_go!();
    let h = Harness::new();
    let dir = tidy_copy(&h, "projects", "legacy116");
    for args in [
        &["check"][..],
        &["--json", "check"],
        &["check", "--", "-tags", "x"],
    ] {
        let out = h.gomodoff(&dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_stderr_contains(
            &out,
            "was never vendored by gomodoff: there is no gomodoff.lock",
        );
        assert_stderr_contains(&out, "hint: run `gomodoff vendor` first");
        if args[0] == "--json" {
            // The error as the one document on stdout (its schema is checked in `json`).
            let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
            assert_eq!(v["schema"], "gomodoff/error/v1");
            assert_eq!(
                v["error"]["hint"],
                "run `gomodoff vendor` first (then `gomodoff check` proves the offline build)"
            );
        } else {
            assert!(stdout(&out).is_empty(), "{}", stdout(&out));
        }
    }
}

/// Regression: `check` on a module that needs no module from outside (vendor writes no lock
/// there), and on one with a single main package (whose binary must not land in the
/// repository).
#[test]
fn check_works_without_dependencies_or_main_packages_and_writes_no_binary() {
    requires_go!();
    let h = Harness::new();
    let lib = h.fresh_dir("lib");
    fs::write(lib.join("go.mod"), "module example.com/lib\n\ngo 1.22\n").unwrap();
    fs::write(lib.join("lib.go"), "package lib\n\nconst X = 1\n").unwrap();
    assert_success(&h.gomodoff(&lib, &["vendor", "--yes"]), "vendor");
    assert!(!lib.join("gomodoff.lock").exists());
    let out = h.gomodoff(&lib, &["check"]);
    assert_success(&out, "check on a library module");
    assert_stdout_contains(&out, "offline build ok");

    let dir = tidy_copy(&h, "projects", "legacy116");
    vendor(&h, &dir, "replace");
    let before: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let v = check_json(&h, &dir, &[]);
    assert_eq!(v["ok"], true);
    assert_eq!(v["verdict"], "ok");
    assert_eq!(v["steps"].as_array().unwrap().len(), 3);
    let after: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before, after, "check wrote into the repository");
}

/// After vendoring, go.mod gains two requirements nobody vendored: go looks them up while
/// loading the graph (`go: M@v: module lookup disabled`, and the same without a module), tries
/// to download them for the build (`go: downloading M v`) and fails at each import
/// (`file:line:col: module lookup disabled`). check names both, once each.
#[test]
fn replace_mode_gap_names_every_module_go_tried_to_fetch() {
    requires_go!();
    let h = Harness::new();
    let dir = tidy_copy(&h, "projects", "legacy116");
    vendor(&h, &dir, "replace");
    fs::write(
        dir.join("extra.go"),
        "package main\n\nimport (\n\t_ \"example.com/multi/v2\"\n\t_ \"example.com/tagged\"\n)\n",
    )
    .unwrap();
    h.go_ok(
        &dir,
        &[
            "get",
            "example.com/tagged@v1.0.0",
            "example.com/multi/v2@v2.0.0",
        ],
    );

    let out = h.gomodoff(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "offline gap: go needed 2 modules from the network that the repository does not hold:\n  example.com/multi/v2@v2.0.0\n  example.com/tagged@v1.0.0\n"
        ),
        "{text}"
    );
    assert!(text.contains("hint: run `gomodoff vendor`"), "{text}");
    assert!(!text.contains("does not build"), "{text}");

    let v = check_json(&h, &dir, &[]);
    assert_eq!(v["ok"], false);
    assert_eq!(v["verdict"], "offline-gap");
    assert_eq!(
        strings(&v["fetched"]),
        ["example.com/multi/v2@v2.0.0", "example.com/tagged@v1.0.0"]
    );
    // The forms go used in this run (each is one the parser reads).
    let said = go_said(&v);
    for form in [
        "go: downloading example.com/tagged v1.0.0",
        "module lookup disabled by GOPROXY=off",
        "extra.go:",
    ] {
        assert!(said.contains(form), "{form}\n{said}");
    }

    // Vendoring again closes the gap.
    vendor(&h, &dir, "replace");
    assert_success(&h.gomodoff(&dir, &["check"]), "check after vendoring again");
}

/// Proxy mode: a module gone from the repository's GOPROXY tree (`go: M@v: reading
/// file://…/@v/v.info`, `… .zip`); vendor mode: a package gone from vendor/ (`cannot find
/// module providing package P: import lookup disabled by -mod=vendor`, named through go.mod).
#[test]
fn proxy_and_vendor_mode_gaps_name_the_missing_module() {
    requires_go!();
    let h = Harness::new();
    let dir = tidy_copy(&h, "projects", "legacy116");
    vendor(&h, &dir, "proxy");
    assert_success(&h.gomodoff(&dir, &["check"]), "check in proxy mode");
    fs::remove_dir_all(dir.join(".gomodoff/proxy/example.com/old116")).unwrap();
    let v = check_json(&h, &dir, &[]);
    assert_eq!(v["verdict"], "offline-gap", "{}", go_said(&v));
    assert_eq!(strings(&v["fetched"]), ["example.com/old116@v1.0.0"]);
    assert!(go_said(&v).contains("example.com/old116@v1.0.0: reading file://"));
    let out = h.gomodoff(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stdout_contains(&out, "go needed 1 module from the network");

    let dir = tidy_copy(&h, "projects", "legacy116");
    vendor(&h, &dir, "vendor");
    assert_success(&h.gomodoff(&dir, &["check"]), "check in vendor mode");
    fs::remove_dir_all(dir.join("vendor/example.com/old116")).unwrap();
    let v = check_json(&h, &dir, &[]);
    assert_eq!(v["verdict"], "offline-gap", "{}", go_said(&v));
    assert_eq!(strings(&v["fetched"]), ["example.com/old116@v1.0.0"]);
    assert!(
        go_said(&v).contains(
            "cannot find module providing package example.com/old116: import lookup disabled by -mod=vendor"
        ),
        "{}",
        go_said(&v)
    );
}

/// A package that compiles only with `-tags noassets` (its assets are generated): without the
/// tag check says the code does not build — naming the package, showing go's compiler output,
/// and saying the offline inputs were complete — not that anything is missing; with
/// `-- -tags noassets` the flags reach go and the build passes.
#[test]
fn a_compile_error_is_the_codes_and_build_flags_reach_go() {
    requires_go!();
    let h = Harness::new();
    let dir = tidy_copy(&h, "check", "noassets");
    vendor(&h, &dir, "replace");

    let out = h.gomodoff(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("does not build: 1 package failed")
            && text.contains("the offline inputs were complete")
            && text.contains("\n  example.com/noassets/assets\n"),
        "{text}"
    );
    assert!(!text.contains("offline gap"), "{text}");
    // go's compiler output, as go printed it in this run.
    let v = check_json(&h, &dir, &[]);
    assert_eq!(v["verdict"], "build-error");
    assert_eq!(
        strings(&v["failed_packages"]),
        ["example.com/noassets/assets"]
    );
    assert!(strings(&v["fetched"]).is_empty());
    let build = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["command"].as_str().unwrap().starts_with("go build"))
        .unwrap();
    let compiler = build["stderr"].as_str().unwrap();
    assert!(
        compiler.contains("# example.com/noassets/assets"),
        "{compiler}"
    );
    for line in compiler.lines() {
        assert!(stderr(&out).contains(line), "{line}\n{}", stderr(&out));
    }

    let out = h.gomodoff(&dir, &["check", "--", "-tags", "noassets"]);
    assert_success(&out, "check -- -tags noassets");
    assert_stdout_contains(&out, "offline build ok");
    assert_stderr_contains(&out, "go build -o /dev/null -tags noassets ./...");
    assert_stderr_contains(&out, "go list -deps -test -tags noassets ./...");
    let v = check_json(&h, &dir, &["--", "-tags", "noassets"]);
    assert_eq!(v["verdict"], "ok");
    assert_eq!(strings(&v["go_args"]), ["-tags", "noassets"]);
}

/// A go line newer than the installed go: with GOTOOLCHAIN=local go refuses, and check says so
/// instead of naming modules or packages.
#[test]
fn a_go_line_newer_than_the_installed_go_is_a_toolchain_verdict() {
    requires_go!();
    let h = Harness::new();
    let dir = tidy_copy(&h, "check", "noassets");
    vendor(&h, &dir, "replace");
    let gomod = fs::read_to_string(dir.join("go.mod")).unwrap();
    fs::write(dir.join("go.mod"), gomod.replace("go 1.22", "go 1.99")).unwrap();
    let out = h.gomodoff(&dir, &["check", "--", "-tags", "noassets"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("toolchain: the installed go is older than the repository asks for"),
        "{text}"
    );
    assert!(text.contains("go.mod requires go >= 1.99"), "{text}");
    assert!(!text.contains("offline gap") && !text.contains("does not build"));
    let v = check_json(&h, &dir, &[]);
    assert_eq!(v["verdict"], "toolchain");
    assert!(strings(&v["toolchain"])[0].contains("GOTOOLCHAIN=local"));
}
