//! `gomodoff env` and `exec`: the offline environment, printed and applied (`check` is in
//! the `check` module).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;

use crate::support::{Harness, assert_stderr_contains, assert_success, stderr, stdout};

#[test]
fn env_prints_the_offline_environment_and_warns_about_a_newer_go_line() {
    requires_go!();
    let h = Harness::new();
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
    requires_go!();
    let h = Harness::new();
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
}

#[test]
fn exec_exits_127_for_a_missing_command_and_126_for_one_it_cannot_execute() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("cgo");
    // As shells do: 127 when the command is not found…
    let out = h.gomodoff(&dir, &["exec", "--", "no-such-program-here"]);
    assert_eq!(out.status.code(), Some(127), "{}", stderr(&out));
    assert_stderr_contains(&out, "failed to run `no-such-program-here`");
    let out = h.gomodoff(&dir, &["exec", "--", "./no-such-file"]);
    assert_eq!(out.status.code(), Some(127), "{}", stderr(&out));
    // …126 when it is found but cannot be executed: no execute permission, a directory.
    fs::write(dir.join("not-executable.sh"), "#!/bin/sh\nexit 0\n").unwrap();
    let out = h.gomodoff(&dir, &["exec", "--", "./not-executable.sh"]);
    assert_eq!(out.status.code(), Some(126), "{}", stderr(&out));
    assert_stderr_contains(&out, "failed to run `./not-executable.sh`");
    let out = h.gomodoff(&dir, &["exec", "--", "/"]);
    assert_eq!(out.status.code(), Some(126), "{}", stderr(&out));
    // A command killed by signal N: 128 + N.
    let out = h.gomodoff(&dir, &["exec", "--", "sh", "-c", "kill -TERM $$"]);
    assert_eq!(out.status.code(), Some(128 + 15), "{}", stderr(&out));
}
