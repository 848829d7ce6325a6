//! `gomodoff env`, `exec` and `check`'s report: the offline environment, printed and applied.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::fs;

use support::{Harness, assert_stderr_contains, assert_success, stderr, stdout};

#[test]
fn env_prints_the_offline_environment_and_warns_about_a_newer_go_line() {
    let Some(h) = Harness::new() else { return };
    let dir = h.project("basic");
    let out = h.gomodoff(&dir, &["env"]);
    assert_success(&out, "env");
    assert_eq!(
        stdout(&out),
        "export GOFLAGS=-mod=readonly\nexport GOPROXY=off\nexport GOSUMDB=off\nexport GOTOOLCHAIN=local\nexport GOWORK=off\n"
    );
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));

    let out = h.gomodoff(&dir, &["vendor", "--yes", "--modfile"]);
    assert_success(&out, "vendor --modfile");
    let out = h.gomodoff(&dir, &["--json", "env"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["GOFLAGS"], "-mod=readonly -modfile=go.offline.mod");
    assert_eq!(v["GOPROXY"], "off");

    // A go line newer than the installed go: with GOTOOLCHAIN=local the build would fail.
    let gomod = fs::read_to_string(dir.join("go.mod")).unwrap();
    fs::write(dir.join("go.mod"), gomod.replace("go 1.22", "go 1.99")).unwrap();
    let out = h.gomodoff(&dir, &["env"]);
    assert_success(&out, "env with go 1.99");
    assert_stderr_contains(&out, "warning: go.mod's `go 1.99` line asks for a newer go");
}

#[test]
fn exec_runs_in_the_offline_environment_and_passes_the_exit_code_on() {
    let Some(h) = Harness::new() else { return };
    let dir = h.project("cgo");
    let out = h.gomodoff(
        &dir,
        &[
            "exec",
            "--",
            "sh",
            "-c",
            "echo $GOPROXY $GOTOOLCHAIN $GOFLAGS; exit 3",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(stdout(&out), "off local -mod=readonly\n");
    let out = h.gomodoff(&dir, &["exec", "--", "no-such-program-here"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(&out, "failed to run `no-such-program-here`");
}

#[test]
fn check_names_what_go_would_still_fetch() {
    let Some(h) = Harness::new() else { return };
    let dir = h.project("cgo");
    let out = h.gomodoff(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("modules go still tried to fetch:\n  example.com/cgolib@v1.0.0"),
        "{text}"
    );
    let out = h.gomodoff(&dir, &["vendor", "--yes"]);
    assert_success(&out, "vendor");
    let out = h.gomodoff(&dir, &["--json", "check"]);
    assert_success(&out, "check --json");
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["steps"].as_array().unwrap().len(), 3);
}

/// Regression: `check` on a module without a main package, and on one with a single main
/// package (whose binary must not land in the repository).
#[test]
fn check_works_without_main_packages_and_writes_no_binary() {
    let Some(h) = Harness::new() else { return };
    let lib = h.fresh_dir("lib");
    fs::write(lib.join("go.mod"), "module example.com/lib\n\ngo 1.22\n").unwrap();
    fs::write(lib.join("lib.go"), "package lib\n\nconst X = 1\n").unwrap();
    let out = h.gomodoff(&lib, &["check"]);
    assert_success(&out, "check on a library module");
    let dir = h.project("cgo");
    assert_success(&h.gomodoff(&dir, &["vendor", "--yes"]), "vendor");
    let before: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_success(&h.gomodoff(&dir, &["check"]), "check");
    let after: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before, after, "check wrote into the repository");
}
