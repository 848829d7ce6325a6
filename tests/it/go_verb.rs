//! Changing dependencies in a repository vendored in replace mode (README, "Changing
//! dependencies"): what go does there on its own, offline and online, and `gomodoff go`, which
//! runs go on go.mod without gomodoff's replace directives and vendors the result in one step.
//! The oracle is go itself, run the same steps on an unvendored copy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{
    Harness, assert_failure, assert_stderr_contains, assert_success, snapshot, stderr, stdout,
};

/// A main module (go 1.22) importing `example.com/multi` (v1.1.0), and requiring
/// `example.com/modonly` (go 1.16, requires multi v1.0.0: laid out go.mod-only). go.sum as go
/// writes it.
fn project(h: &Harness) -> PathBuf {
    let dir = h.fresh_dir("app");
    fs::write(dir.join("go.mod"), "module example.com/app\n\ngo 1.22\n").unwrap();
    fs::write(
        dir.join("main.go"),
        "package main\n\nimport \"example.com/multi\"\n\nfunc main() { println(multi.Version()) }\n",
    )
    .unwrap();
    fs::write(
        dir.join("main_test.go"),
        "package main\n\nimport (\n\t\"testing\"\n\n\t\"example.com/multi\"\n)\n\nfunc TestVersion(t *testing.T) {\n\tif multi.Version() == \"\" {\n\t\tt.Fatal(\"no version\")\n\t}\n}\n",
    )
    .unwrap();
    h.go_ok(
        &dir,
        &[
            "get",
            "example.com/multi@v1.1.0",
            "example.com/modonly@v1.0.0",
        ],
    );
    dir
}

fn lock(dir: &Path) -> gomodoff::lock::LockFile {
    gomodoff::lock::LockFile::parse(&fs::read_to_string(dir.join("gomodoff.lock")).unwrap())
        .unwrap()
}

/// The proof a vendored repository builds with no network: build, vet, test, and the package
/// listings (`go list -deps -test`, and gopls' call) with GOPROXY=off, an empty module cache and
/// GOFLAGS empty.
fn assert_offline(h: &Harness, dir: &Path, what: &str) {
    let flags = [("GOFLAGS", "")];
    for args in [
        &["build", "./..."][..],
        &["vet", "./..."],
        &["test", "./..."],
        &["list", "-deps", "-test", "./..."],
        &[
            "list",
            "-e",
            "-json",
            "-compiled=true",
            "-test=true",
            "-export=false",
            "-deps=true",
            "-find=false",
            "-pgo=off",
            "--",
            "./...",
        ],
        &["list", "-m", "all"],
        &["mod", "graph"],
        &["mod", "why", "-m", "example.com/multi"],
    ] {
        let out = h.go_offline_with_env(dir, args, &flags);
        assert_success(&out, &format!("{what}: offline go {}", args.join(" ")));
        // gopls' listing reports package errors in its JSON, not in its exit code.
        assert!(
            !stdout(&out).contains("\"Error\""),
            "{what}: offline go {}:\n{}",
            args.join(" "),
            stdout(&out)
        );
    }
}

/// After a step: the vendored repository's go.mod without gomodoff's lines and its go.sum are
/// what go wrote on the unvendored copy; every tree the lock names is laid out; status is clean;
/// the offline proof passes.
fn assert_same_as_go(h: &Harness, vendored: &Path, plain: &Path, what: &str) {
    let l = lock(vendored);
    assert_eq!(
        l.gomod_before,
        fs::read_to_string(plain.join("go.mod")).unwrap(),
        "{what}: go.mod without gomodoff's lines"
    );
    assert_eq!(
        fs::read_to_string(vendored.join("go.sum")).unwrap(),
        fs::read_to_string(plain.join("go.sum")).unwrap(),
        "{what}: go.sum"
    );
    for m in &l.modules {
        assert!(
            vendored.join(&l.dir).join(&m.dir).join("go.mod").is_file(),
            "{what}: tree {} laid out",
            m.dir
        );
    }
    let out = h.gomodoff(vendored, &["status", "--check"]);
    assert_success(&out, &format!("{what}: gomodoff status --check"));
    let out = h.gomodoff(vendored, &["verify"]);
    assert_success(&out, &format!("{what}: gomodoff verify"));
    assert_offline(h, vendored, what);
}

#[test]
fn go_get_and_tidy_through_gomodoff_match_go_on_an_unvendored_copy() {
    requires_go!();
    let h = Harness::new();
    let plain = project(&h);
    let vendored = h.copy_of(&plain, "vendored");
    assert_success(&h.gomodoff(&vendored, &["vendor", "--yes"]), "vendor");
    assert_same_as_go(&h, &vendored, &plain, "vendored");
    // Temporary files go to the system temp dir and are removed.
    let tmp = h.fresh_dir("tmp");
    let tmp_env = [("TMPDIR", tmp.to_str().unwrap())];
    let steps: [&[&str]; 5] = [
        // add
        &["get", "example.com/tagged@v1.0.0"],
        // upgrade
        &["get", "example.com/multi@v1.2.0"],
        // downgrade, to the version laid out go.mod-only (in place, go records no zip line)
        &["get", "example.com/multi@v1.0.0"],
        // remove
        &["get", "example.com/modonly@none"],
        &["mod", "tidy"],
    ];
    for step in steps {
        let what = format!("go {}", step.join(" "));
        h.go_ok(&plain, step);
        let mut args = vec!["go", "--yes"];
        args.extend_from_slice(step);
        let out = h.gomodoff_with_env(&vendored, &tmp_env, &args);
        assert_success(&out, &format!("gomodoff {}", args.join(" ")));
        assert_same_as_go(&h, &vendored, &plain, &what);
        assert_eq!(fs::read_dir(&tmp).unwrap().count(), 0, "{what}: temp files");
    }
    // The need set of the last step: multi v1.0.0 whole, tagged and modonly gone.
    let l = lock(&vendored);
    let mut trees: Vec<&str> = l.modules.iter().map(|m| m.dir.as_str()).collect();
    trees.sort_unstable();
    assert_eq!(trees, ["example.com/multi@v1.0.0"]);
    assert!(
        !vendored
            .join(&l.dir)
            .join("example.com/tagged@v1.0.0")
            .exists(),
        "the removed module's tree is gone"
    );
    // Nothing to do when go changes nothing.
    let out = h.gomodoff(&vendored, &["go", "--yes", "mod", "tidy"]);
    assert_success(&out, "gomodoff go mod tidy, again");
    assert_stderr_contains(&out, "nothing to do");
}

/// The problem `gomodoff go` answers: in place, go records no go.sum line for a module
/// gomodoff replaced, and `go mod tidy` drops the lines of every one; `gomodoff vendor` then
/// fails and its hint names `gomodoff go`, which repairs it.
#[test]
fn go_in_place_leaves_go_sum_short_and_the_hint_names_gomodoff_go() {
    requires_go!();
    let h = Harness::new();
    let dir = project(&h);
    assert_success(&h.gomodoff(&dir, &["vendor", "--yes"]), "vendor");
    let gosum = fs::read_to_string(dir.join("go.sum")).unwrap();

    // `go mod tidy` in place succeeds, offline even, and drops every line gomodoff vendored by.
    let out = h.go_offline_with_env(&dir, &["mod", "tidy"], &[("GOFLAGS", "")]);
    assert_success(&out, "go mod tidy in place");
    assert_eq!(fs::read_to_string(dir.join("go.sum")).unwrap(), "");
    fs::write(dir.join("go.sum"), &gosum).unwrap();

    // Offline in place: `go mod download` and `go mod verify` succeed (nothing to download or
    // check), `go get M@none` works and `gomodoff vendor` follows it.
    let copy = h.copy_of(&dir, "none");
    let offline = [("GOFLAGS", "")];
    for args in [
        &["mod", "download"][..],
        &["mod", "verify"],
        &["get", "example.com/modonly@none"],
    ] {
        let out = h.go_offline_with_env(&copy, args, &offline);
        assert_success(&out, &format!("offline go {} in place", args.join(" ")));
    }
    assert_success(
        &h.gomodoff(&copy, &["vendor", "--yes"]),
        "vendor after @none",
    );
    assert_success(
        &h.gomodoff(&copy, &["status", "--check"]),
        "status after @none",
    );
    assert_offline(&h, &copy, "go get @none in place");

    // `go get` of the version laid out go.mod-only: go.mod changes, go.sum gets no zip line.
    h.go_ok_with_env(
        &dir,
        &["get", "example.com/multi@v1.0.0"],
        &[("GOFLAGS", "")],
    );
    assert_eq!(fs::read_to_string(dir.join("go.sum")).unwrap(), gosum);
    let before = snapshot(&dir);
    let out = h.gomodoff(&dir, &["vendor", "--yes"]);
    assert_failure(&out, "vendor after go get in place");
    assert_stderr_contains(
        &out,
        "missing go.sum entry for module providing package `example.com/multi` (`example.com/multi@v1.0.0`)",
    );
    assert_stderr_contains(&out, "hint: go neither checks nor records go.sum lines");
    assert_stderr_contains(&out, "`gomodoff go get example.com/multi@v1.0.0`");
    assert_stderr_contains(&out, "\"Changing dependencies\"");
    assert!(
        !stderr(&out).contains("go mod download"),
        "the hint that does not help is left out:\n{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&dir), before, "a failed vendor changes nothing");

    // status points to it too.
    let out = h.gomodoff(&dir, &["status"]);
    assert!(stdout(&out).contains("gomodoff go get"), "{}", stdout(&out));

    // The hint's command repairs it.
    let out = h.gomodoff(&dir, &["go", "--yes", "get", "example.com/multi@v1.0.0"]);
    assert_success(&out, "gomodoff go get, as the hint says");
    assert_success(&h.gomodoff(&dir, &["status", "--check"]), "status --check");
    assert_offline(&h, &dir, "repaired");
}

/// Nothing in the repository changes when go fails, or when the modules go chose cannot be laid
/// out; commands that do not change dependencies are refused with what to run instead.
#[test]
fn gomodoff_go_changes_nothing_on_failure() {
    requires_go!();
    let h = Harness::new();
    let dir = project(&h);
    assert_success(&h.gomodoff(&dir, &["vendor", "--yes"]), "vendor");
    let before = snapshot(&dir);

    let out = h.gomodoff(&dir, &["go", "--yes", "get", "example.com/nosuch@v1.0.0"]);
    assert_failure(&out, "go get of a module that does not exist");
    assert_stderr_contains(&out, "nothing in the repository was changed");
    assert_eq!(snapshot(&dir), before, "go failed");

    // go downloads into its GOMODCACHE; gomodoff reads an empty module cache: the re-vendor
    // fails after go succeeded.
    let empty = h.fresh_dir("empty-modcache");
    let out = h
        .gomodoff_command_without_modcache(&dir)
        .arg("--modcache")
        .arg(&empty)
        .args(["go", "--yes", "get", "example.com/multi@v1.2.0"])
        .output()
        .unwrap();
    assert_failure(&out, "re-vendor from an empty module cache");
    assert_eq!(snapshot(&dir), before, "re-vendor failed");

    let out = h.gomodoff(&dir, &["go", "build", "./..."]);
    assert_failure(&out, "gomodoff go build");
    assert_stderr_contains(&out, "run `go build` as it is");

    // A dry run shows the change and writes nothing.
    let out = h.gomodoff(
        &dir,
        &["go", "--dry-run", "get", "example.com/multi@v1.2.0"],
    );
    assert_success(&out, "gomodoff go --dry-run get");
    assert!(
        stdout(&out).contains("+\texample.com/multi v1.2.0"),
        "{}",
        stdout(&out)
    );
    assert_eq!(snapshot(&dir), before, "dry run");
}
