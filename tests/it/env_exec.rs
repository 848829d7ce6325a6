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
    let out = h.gomodoff(&dir, &["vendor", "--yes", "--modfile"]);
    assert_success(&out, "vendor --modfile");
    let out = h.gomodoff(&dir, &["env"]);
    assert_success(&out, "env");
    // The harness exports GOFLAGS=-modcacherw: kept, the mode's flags after it.
    assert_eq!(
        stdout(&out),
        "export GOFLAGS='-modcacherw -mod=readonly -modfile=go.offline.mod'\nexport GOPROXY=off\nexport GOSUMDB=off\nexport GOTOOLCHAIN=local\nexport GOWORK=off\n"
    );
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    let out = h.gomodoff(&dir, &["--json", "env"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        v["env"]["GOFLAGS"],
        "-modcacherw -mod=readonly -modfile=go.offline.mod"
    );
    assert_eq!(v["env"]["GOPROXY"], "off");

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
    assert_success(&h.gomodoff(&dir, &["vendor", "--yes"]), "vendor");
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
    assert_eq!(stdout(&out), "off local -modcacherw -mod=readonly\n");
}

#[test]
fn exec_exits_127_for_a_missing_command_and_126_for_one_it_cannot_execute() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("cgo");
    assert_success(&h.gomodoff(&dir, &["vendor", "--yes"]), "vendor");
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

#[test]
fn env_and_exec_refuse_a_repository_never_vendored() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    for args in [&["env"][..], &["exec", "--", "true"]] {
        let out = h.gomodoff(&dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{args:?}");
        assert_stderr_contains(
            &out,
            "was never vendored by gomodoff: there is no gomodoff.lock",
        );
        assert_stderr_contains(&out, "hint: run `gomodoff vendor` first");
    }
}

#[test]
fn exec_keeps_the_user_s_goflags_and_warns_about_an_overridden_mod() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    let out = h.gomodoff(&dir, &["vendor", "--mode", "vendor", "--yes"]);
    assert_success(&out, "vendor --mode vendor");
    let out = h.gomodoff_with_env(
        &dir,
        &[("GOFLAGS", "-buildvcs=false -mod=mod -tags=x")],
        &["exec", "--", "go", "env", "GOFLAGS"],
    );
    assert_success(&out, "exec go env GOFLAGS");
    assert_eq!(stdout(&out), "-buildvcs=false -mod=vendor -tags=x\n");
    assert_stderr_contains(
        &out,
        "warning: GOFLAGS: -mod=mod replaced by -mod=vendor for the offline build",
    );
    // The same flags build offline: -tags and -buildvcs reach go, -mod=vendor reads vendor/.
    let out = h.gomodoff_with_env(
        &dir,
        &[("GOFLAGS", "-buildvcs=false -mod=mod -tags=x")],
        &["exec", "--", "go", "build", "-o", "/dev/null", "./..."],
    );
    assert_success(&out, "exec go build");
    // A GOFLAGS go refuses is refused here too.
    let out = h.gomodoff_with_env(&dir, &[("GOFLAGS", "-tags=x y")], &["env"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_stderr_contains(&out, "holds `y`, which is not a flag");
}

#[test]
fn exec_keeps_goflags_set_with_go_env_w() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    assert_success(&h.gomodoff(&dir, &["vendor", "--yes"]), "vendor");
    // A go env file of the test's own: the user's is never written.
    let goenv = h.root().join("go-env-file");
    let out = h
        .go_command(&dir)
        .env_remove("GOFLAGS")
        .env("GOENV", &goenv)
        .args(["env", "-w", "GOFLAGS=-trimpath -mod=mod"])
        .output()
        .unwrap();
    assert_success(&out, "go env -w");
    assert!(fs::read_to_string(&goenv).unwrap().contains("-trimpath"));
    let out = h
        .gomodoff_command(&dir)
        .env_remove("GOFLAGS")
        .env("GOENV", &goenv)
        .args(["exec", "--", "go", "env", "GOFLAGS"])
        .output()
        .unwrap();
    assert_success(&out, "exec go env GOFLAGS");
    assert_eq!(stdout(&out), "-trimpath -mod=readonly\n");
    assert_stderr_contains(&out, "GOFLAGS: -mod=mod replaced by -mod=readonly");
}

#[test]
fn status_warns_when_the_exported_environment_bypasses_what_is_vendored() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    let out = h.gomodoff(&dir, &["vendor", "--mode", "vendor", "--yes"]);
    assert_success(&out, "vendor --mode vendor");
    let out = h.gomodoff(&dir, &["status"]);
    assert_success(&out, "status");
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));

    // go agrees: offline, with an empty module cache, -mod=mod fails where vendor/ builds.
    let empty = h.root().join("empty-modcache");
    fs::create_dir_all(&empty).unwrap();
    let offline = |goflags: &'static str| {
        h.go_with_env(
            &dir,
            &["build", "-o", "/dev/null", "./..."],
            &[
                ("GOPROXY", "off"),
                ("GOMODCACHE", empty.to_str().unwrap()),
                ("GOFLAGS", goflags),
            ],
        )
    };
    assert_success(&offline("-modcacherw"), "go build from vendor/");
    assert!(!offline("-modcacherw -mod=mod").status.success());
    let out = h.gomodoff_with_env(&dir, &[("GOFLAGS", "-mod=mod")], &["status"]);
    assert_success(&out, "status with -mod=mod");
    assert_stderr_contains(
        &out,
        "warning: GOFLAGS has -mod=mod: a plain `go build` here ignores vendor/",
    );

    // A -modfile other than the one vendored for.
    fs::copy(dir.join("go.mod"), dir.join("other.mod")).unwrap();
    fs::copy(dir.join("go.sum"), dir.join("other.sum")).unwrap();
    let out = h.gomodoff_with_env(&dir, &[("GOFLAGS", "-modfile=other.mod")], &["status"]);
    assert_stderr_contains(
        &out,
        "GOFLAGS has -modfile=other.mod, but gomodoff vendored for go.mod",
    );
    let out = h.gomodoff_with_env(
        &dir,
        &[("GOFLAGS", "-modfile=go.mod")],
        &["--json", "status"],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["environment_warnings"], serde_json::json!([]));

    // An exported go.work the vendoring did not use: go builds in that workspace, not from
    // vendor/.
    let work = h.root().join("elsewhere/go.work");
    fs::create_dir_all(work.parent().unwrap()).unwrap();
    fs::write(&work, format!("go 1.22\n\nuse {}\n", dir.display())).unwrap();
    let out = h.go_with_env(
        &dir,
        &["build", "-o", "/dev/null", "./..."],
        &[
            ("GOPROXY", "off"),
            ("GOMODCACHE", empty.to_str().unwrap()),
            ("GOWORK", work.to_str().unwrap()),
        ],
    );
    assert!(!out.status.success(), "go built in the workspace");
    let out = h.gomodoff_with_env(
        &dir,
        &[("GOWORK", work.to_str().unwrap())],
        &["--json", "status"],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(
        v["environment_warnings"][0]
            .as_str()
            .unwrap()
            .contains("gomodoff vendored this module on its own"),
        "{v}"
    );

    // Replace mode: -mod=vendor looks for a vendor/ that is not there, and go fails.
    let dir = h.project("cgo");
    assert_success(&h.gomodoff(&dir, &["vendor", "--yes"]), "vendor");
    let out = h.go_with_env(
        &dir,
        &["build", "-o", "/dev/null", "./..."],
        &[("GOFLAGS", "-mod=vendor")],
    );
    assert!(
        !out.status.success(),
        "go built with -mod=vendor in replace mode"
    );
    let out = h.gomodoff_with_env(&dir, &[("GOFLAGS", "-mod=vendor")], &["status"]);
    assert_stderr_contains(
        &out,
        "GOFLAGS has -mod=vendor: a plain `go build` here looks for a vendor/ directory, which replace mode does not lay out",
    );
}
