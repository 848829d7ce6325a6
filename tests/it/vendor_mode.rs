//! `gomodoff vendor --mode vendor` end to end, with the real go as the judge: for every test
//! project the `vendor/` gomodoff writes is byte for byte the one `go mod vendor` writes; the
//! result builds offline; verify names every changed, added and removed file; status sees what
//! go's `-mod=vendor` consistency check sees; restore gives back the previous state exactly.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;

use crate::support::{
    self, Harness, assert_injected_failure, assert_stderr_contains, assert_stdout_contains,
    assert_success, snapshot, stderr, stdout,
};

/// A `diff -r`: every path that differs, and how (contents, modes, kinds).
fn diff_trees(ours: &Path, theirs: &Path) -> Vec<String> {
    snapshot(ours).differences(&snapshot(theirs))
}

fn vendor_mode(h: &Harness, dir: &Path, extra: &[&str]) -> String {
    let mut args = vec!["vendor", "--mode", "vendor", "--yes"];
    args.extend_from_slice(extra);
    let out = h.gomodoff(dir, &args);
    assert_success(&out, &format!("gomodoff {}", args.join(" ")));
    stdout(&out)
}

fn assert_same_vendor(ours: &Path, theirs: &Path, what: &str) {
    let diff = diff_trees(&ours.join("vendor"), &theirs.join("vendor"));
    assert!(
        diff.is_empty(),
        "{what}: vendor/ differs from go's:\n{}",
        diff.join("\n")
    );
}

const VENDOR_FLAGS: &[(&str, &str)] = &[("GOFLAGS", "-modcacherw -mod=vendor")];

#[test]
fn every_project_vendors_byte_identical_to_go_and_builds_offline() {
    requires_go!();
    let h = Harness::new();
    for name in support::PROJECTS {
        let theirs = h.project(name);
        let ours = h.copy_of(&theirs, &format!("{name}-ours"));
        let from_zips = h.copy_of(&theirs, &format!("{name}-zips"));
        h.go_ok(&theirs, &["mod", "vendor"]);

        let shown = vendor_mode(&h, &ours, &[]);
        assert!(
            shown.contains("+++ b/vendor/modules.txt"),
            "{name}: the modules.txt diff is shown:\n{shown}"
        );
        assert!(
            shown.contains("summary: ") && shown.contains("modules in `vendor/`"),
            "{name}: summary:\n{shown}"
        );
        assert_same_vendor(&ours, &theirs, name);

        // From a GOPROXY tree (zips only, nothing extracted): the same bytes.
        let out = h.gomodoff(
            &from_zips,
            &[
                "--from",
                h.proxy_dir().to_str().unwrap(),
                "vendor",
                "--mode",
                "vendor",
                "--yes",
            ],
        );
        assert_success(&out, "vendor --from a proxy tree");
        assert_same_vendor(&from_zips, &theirs, &format!("{name} from zips"));

        // The offline proof; what go's own vendor/ does with the same flags is the reference.
        for args in [&["build", "./..."][..], &["vet", "./..."]] {
            let go_says = h.go_offline_with_env(&theirs, args, VENDOR_FLAGS);
            let out = h.go_offline_with_env(&ours, args, VENDOR_FLAGS);
            assert_eq!(
                out.status.success(),
                go_says.status.success(),
                "{name}: go {} offline: gomodoff's vendor/ {}, go's {}\n{}\n{}",
                args.join(" "),
                out.status,
                go_says.status,
                stderr(&out),
                stderr(&go_says)
            );
            if name == "cgo" {
                // golang/go#26366: go's vendor/ drops the C header in a directory without Go
                // files, so `-mod=vendor` cannot build it; identical bytes fail identically.
                assert!(
                    stderr(&out).contains("cgolib.h"),
                    "{name}: go {}\n{}",
                    args.join(" "),
                    stderr(&out)
                );
            } else {
                assert_success(&out, &format!("{name}: offline go {}", args.join(" ")));
            }
        }
        let out = h.gomodoff(&ours, &["check"]);
        if name == "cgo" {
            // The same failure, told apart from a missing module: a dependency's package does
            // not compile from vendor/.
            assert_eq!(out.status.code(), Some(1), "{name}: gomodoff check");
            let text = stdout(&out);
            assert!(
                text.contains("does not build: 1 package failed")
                    && text.contains("  example.com/cgolib/binding\n")
                    && text.contains("golang/go#26366")
                    && !text.contains("offline gap"),
                "{text}"
            );
        } else {
            assert_success(&out, &format!("{name}: gomodoff check"));
        }
        let out = h.gomodoff(&ours, &["verify"]);
        assert_success(&out, &format!("{name}: gomodoff verify"));
        let out = h.gomodoff(&ours, &["status", "--check"]);
        assert_success(&out, &format!("{name}: gomodoff status --check"));
        assert_stdout_contains(&out, "in sync");

        // Nothing changed: a second run is a no-op.
        let out = h.gomodoff(&ours, &["vendor", "--yes"]);
        assert_success(&out, "second vendor");
        assert!(
            stderr(&out).contains("nothing to do"),
            "{name}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn verify_names_a_changed_an_added_and_a_removed_file() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    vendor_mode(&h, &dir, &[]);
    let vendor = dir.join("vendor");
    let changed = vendor.join("example.com/embedded/embedded.go");
    let removed = vendor.join("example.com/tagged/tagged.go");
    assert!(
        changed.is_file() && removed.is_file(),
        "fixture files moved"
    );
    let mut bytes = fs::read(&changed).unwrap();
    bytes.push(b'\n');
    fs::write(&changed, bytes).unwrap();
    fs::remove_file(&removed).unwrap();
    fs::write(vendor.join("example.com/embedded/extra.txt"), "junk").unwrap();

    let out = h.gomodoff(&dir, &["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    for want in [
        "example.com/embedded@v1.0.0: modified file `vendor/example.com/embedded/embedded.go`",
        "example.com/embedded@v1.0.0: added file `vendor/example.com/embedded/extra.txt`",
        "example.com/tagged@v1.0.0: removed file `vendor/example.com/tagged/tagged.go`",
    ] {
        assert!(text.contains(want), "missing `{want}` in:\n{text}");
    }
    assert_eq!(text.lines().count(), 3, "nothing else is reported:\n{text}");

    // A listing edited to match is caught by the lock.
    let listing = dir.join("gomodoff.vendor.sum");
    let mut l = fs::read_to_string(&listing).unwrap();
    l.push_str(&format!("{}  vendor/x\n", "00".repeat(32)));
    fs::write(&listing, l).unwrap();
    let out = h.gomodoff(&dir, &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stdout_contains(&out, "listing modified");
}

#[test]
fn restore_with_no_vendor_before_gives_back_every_byte() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("replaces");
    let before = snapshot(&dir);
    vendor_mode(&h, &dir, &[]);
    assert!(dir.join("vendor/modules.txt").is_file());
    assert!(
        !dir.join(".gomodoff").exists(),
        "no backup without a vendor/"
    );
    let out = h.gomodoff(&dir, &["restore", "--yes"]);
    assert_success(&out, "restore --yes");
    assert_stdout_contains(&out, "there was none before gomodoff");
    assert_eq!(snapshot(&dir), before, "restore is exact");
}

#[test]
fn restore_brings_back_an_older_vendor_with_the_users_files() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("legacy116");
    // An older vendor/: go's, for an older requirement, plus a file of the user's and an edit.
    h.go_ok(&dir, &["mod", "vendor"]);
    fs::write(dir.join("vendor/NOTES.txt"), "mine\n").unwrap();
    let edited = dir.join("vendor/example.com/legacy/legacy.go");
    let mut bytes = fs::read(&edited).unwrap();
    bytes.extend_from_slice(b"// patched\n");
    fs::write(&edited, bytes).unwrap();
    h.go_ok(&dir, &["get", "example.com/multi@v1.2.0"]);
    let before = snapshot(&dir);

    let shown = vendor_mode(&h, &dir, &[]);
    assert!(
        shown.contains("vendor/NOTES.txt"),
        "the user's file is named:\n{shown}"
    );
    assert!(shown.contains(".gomodoff/vendor-backup/vendor"), "{shown}");
    let out = h.gomodoff(&dir, &["verify"]);
    assert_success(&out, "verify after vendoring over an older vendor/");
    // A second run keeps the backup of the first.
    fs::write(dir.join("vendor/LATER.txt"), "later\n").unwrap();
    let out = h.gomodoff(&dir, &["vendor", "--yes"]);
    assert_success(&out, "second vendor");
    assert!(
        stdout(&out).contains("vendor/LATER.txt"),
        "a file gomodoff did not write is named before it goes:\n{}",
        stdout(&out)
    );

    let out = h.gomodoff(&dir, &["restore", "--yes"]);
    assert_success(&out, "restore --yes");
    assert_eq!(snapshot(&dir), before, "restore is exact");
}

#[test]
fn dry_run_changes_no_byte_and_reports_what_go_drops() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("cgo");
    let before = snapshot(&dir);
    let out = h.gomodoff(
        &dir,
        &[
            "vendor",
            "--mode",
            "vendor",
            "--dry-run",
            "--report-dropped",
        ],
    );
    assert_success(&out, "vendor --dry-run --report-dropped");
    let text = stdout(&out);
    assert!(text.contains("+++ b/vendor/modules.txt"), "{text}");
    assert!(text.contains("  example.com/cgolib@v1.0.0\n"), "{text}");
    assert!(text.contains("    csrc/impl.c\n"), "{text}");
    assert!(text.contains("    include/cgolib.h\n"), "{text}");
    assert_eq!(snapshot(&dir), before, "--dry-run wrote something");
    // Without a terminal and without --yes nothing is applied either.
    let out = h.gomodoff(&dir, &["vendor", "--mode", "vendor"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(&out, "pass --yes");
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn status_sees_what_gos_consistency_check_sees() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("legacy116");
    vendor_mode(&h, &dir, &[]);
    let out = h.gomodoff(&dir, &["status", "--check"]);
    assert_success(&out, "status --check when fresh");

    h.go_ok(&dir, &["get", "example.com/multi@v1.2.0"]);
    let go_says = h.go_offline_with_env(&dir, &["build", "./..."], VENDOR_FLAGS);
    assert_stderr_contains(&go_says, "inconsistent vendoring");
    let out = h.gomodoff(&dir, &["status", "--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("inconsistent vendoring: example.com/multi@v1.2.0: is explicitly required in go.mod, but not marked as explicit in vendor/modules.txt"),
        "{text}"
    );
    // Every line go prints about a module is one gomodoff prints.
    for line in stderr(&go_says).lines() {
        let line = line.trim();
        if line.starts_with("example.com/") {
            assert!(text.contains(line), "go says `{line}`, gomodoff:\n{text}");
        }
    }
    assert!(text.contains("go.sum: changed since vendoring"), "{text}");

    // Vendoring again brings it back in line, identical to go's.
    let theirs = h.copy_of(&dir, "legacy116-go");
    fs::remove_dir_all(theirs.join("vendor")).unwrap();
    h.go_ok(&theirs, &["mod", "vendor"]);
    vendor_mode(&h, &dir, &[]);
    assert_same_vendor(&dir, &theirs, "after go get");
    let out = h.gomodoff(&dir, &["status", "--check"]);
    assert_success(&out, "status --check after re-vendoring");
}

/// Changes a byte of `file` in place keeping its size and modification time: only the content
/// (and the change time) differs.
fn edit_in_place(file: &Path) {
    let mtime = fs::metadata(file).unwrap().modified().unwrap();
    let mut bytes = fs::read(file).unwrap();
    let last = bytes.len() - 2;
    bytes[last] = if bytes[last] == b'x' { b'y' } else { b'x' };
    fs::write(file, bytes).unwrap();
    fs::File::options()
        .write(true)
        .open(file)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
}

#[test]
fn a_tampered_cache_directory_is_not_used() {
    requires_go!();
    let h = Harness::new();
    let theirs = h.project("basic");
    let ours = h.copy_of(&theirs, "basic-ours");
    let fresh = h.copy_of(&theirs, "basic-fresh");
    let again = h.copy_of(&theirs, "basic-again");
    h.go_ok(&theirs, &["mod", "vendor"]);
    // Let the cache's files age past the racy window, so that the first run records what it
    // checked (gomodoff::verified) and the runs below have records to be fooled by.
    std::thread::sleep(std::time::Duration::from_millis(
        gomodoff::verified::RACY_SECS * 1000 + 500,
    ));
    vendor_mode(&h, &ours, &[]);
    let records = h.home().join(".cache/gomodoff/verified");
    assert!(
        fs::read_dir(&records).is_ok_and(|d| d.count() > 0),
        "the first run recorded the directories it checked in {}",
        records.display()
    );
    let scans = h.home().join(".cache/gomodoff/scans");
    assert!(
        fs::read_dir(&scans).is_ok_and(|d| d.count() > 0),
        "the first run kept the import scans of the modules it checked in {}",
        scans.display()
    );
    let extracted = h.gomodcache().join("example.com/tagged@v1.0.0/tagged.go");
    assert!(extracted.is_file(), "go extracted the module");
    edit_in_place(&extracted);
    let warning = "does not match go.sum; using its zip instead";

    // A first run checks every module it reads.
    let out = h.gomodoff(&fresh, &["vendor", "--mode", "vendor", "--yes"]);
    assert_success(&out, "vendor with a tampered cache directory");
    assert_stderr_contains(&out, warning);
    assert_same_vendor(&fresh, &theirs, "tampered cache");

    // A later run, which trusts only files identical to the ones it checked before, too.
    let out = h.gomodoff(&ours, &["vendor", "--yes"]);
    assert_success(&out, "second vendor with a tampered cache directory");
    assert_stderr_contains(&out, warning);
    assert_stderr_contains(&out, "nothing to do");
    assert_same_vendor(&ours, &theirs, "tampered cache, second run");

    // A file removed from a recorded module directory whose other files are untouched (only
    // its directory's times change, and nothing is read from the file): that module is hashed
    // again and taken from its zip, so vendor/ still has the file.
    let multi = h.gomodcache().join("example.com/multi@v1.2.0");
    fs::remove_file(multi.join("new.go")).unwrap();
    let out = h.gomodoff(&again, &["vendor", "--mode", "vendor", "--yes"]);
    assert_success(&out, "vendor with a file removed from a cache directory");
    assert_stderr_contains(
        &out,
        "multi@v1.2.0` does not match go.sum; using its zip instead",
    );
    assert_same_vendor(&again, &theirs, "file removed from a cache directory");
}

#[test]
fn a_vendored_file_edited_after_its_digests_were_recorded_is_caught() {
    requires_go!();
    let h = Harness::new();
    let theirs = h.project("basic");
    let ours = h.copy_of(&theirs, "basic-ours");
    h.go_ok(&theirs, &["mod", "vendor"]);
    vendor_mode(&h, &ours, &[]);
    let records = h.home().join(".cache/gomodoff/verified");
    // The records naming vendor/ (a record's second line: `dir PATH`).
    let vendor_dir = format!("/{}/vendor", ours.file_name().unwrap().to_string_lossy());
    let of_vendor = || {
        fs::read_dir(&records).map_or(0, |d| {
            d.filter(|e| {
                fs::read_to_string(e.as_ref().unwrap().path()).is_ok_and(|text| {
                    text.lines()
                        .nth(1)
                        .is_some_and(|l| l.starts_with("dir ") && l.ends_with(&vendor_dir))
                })
            })
            .count()
        })
    };
    assert_eq!(
        of_vendor(),
        0,
        "vendor/ was just written: too recent to record"
    );
    // Past the racy window, a full run (a source of the main module changed, so the run cannot
    // be answered as a no-change one) hashes vendor/ and records its digests with their stamps.
    std::thread::sleep(std::time::Duration::from_millis(
        gomodoff::verified::RACY_SECS * 1000 + 500,
    ));
    let main_go = ours.join("main.go");
    let mut source = fs::read_to_string(&main_go).unwrap();
    source.push_str("\n// edited\n");
    fs::write(&main_go, &source).unwrap();
    let out = h.gomodoff(&ours, &["vendor", "--mode", "vendor", "--yes"]);
    assert_success(&out, "vendor after a source edit");
    assert_stderr_contains(&out, "nothing to do");
    assert_eq!(
        of_vendor(),
        1,
        "the run recorded vendor/'s digests in {}",
        records.display()
    );

    // A vendored file edited in place: same size, same modification time, only the content
    // (and the change time) differs. The record no longer vouches for it: it is hashed, found
    // changed, and written back.
    let vendored = ours.join("vendor/example.com/tagged/tagged.go");
    edit_in_place(&vendored);
    source.push_str("// edited again\n");
    fs::write(&main_go, &source).unwrap();
    vendor_mode(&h, &ours, &[]);
    assert_same_vendor(
        &ours,
        &theirs,
        "a vendored file edited after a recorded run",
    );
}

/// For several edits of go.mod after vendoring, gomodoff status names exactly the modules go's
/// `-mod=vendor` consistency check names, with go's words.
#[test]
fn status_matches_gos_consistency_errors_edit_by_edit() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("replaces");
    vendor_mode(&h, &dir, &[]);
    let gomod = fs::read(dir.join("go.mod")).unwrap();
    let edits: [&[&str]; 5] = [
        &["-replace=example.com/multi=example.com/forks/multi@v1.2.0"],
        &["-dropreplace=example.com/Upper/Mixed@v1.0.0"],
        &["-replace=example.com/Upper/Mixed@v1.0.0=../elsewhere"],
        &["-require=example.com/legacy@v2.0.0+incompatible"],
        &[
            "-droprequire=example.com/old116",
            "-replace=example.com/tagged=example.com/tagged@v1.0.0",
        ],
    ];
    for edit in edits {
        fs::write(dir.join("go.mod"), &gomod).unwrap();
        let mut args = vec!["mod", "edit"];
        args.extend_from_slice(edit);
        h.go_ok(&dir, &args);
        let go_says = h.go_offline_with_env(&dir, &["list", "./..."], VENDOR_FLAGS);
        let theirs: Vec<String> = stderr(&go_says)
            .lines()
            .filter(|l| l.starts_with('\t') && !l.starts_with("\t\t") && l.contains(": "))
            .filter(|l| !l.contains("To ignore the vendor directory"))
            .map(|l| format!("inconsistent vendoring: {}", l.trim()))
            .collect();
        assert!(
            !theirs.is_empty(),
            "{edit:?}: go found nothing:\n{}",
            stderr(&go_says)
        );
        let out = h.gomodoff(&dir, &["status", "--check"]);
        assert_eq!(out.status.code(), Some(1), "{edit:?}");
        let ours: Vec<String> = stdout(&out)
            .lines()
            .filter(|l| l.starts_with("inconsistent vendoring: "))
            .map(str::to_string)
            .collect();
        assert_eq!(ours, theirs, "{edit:?}\n--- go\n{}", stderr(&go_says));
    }
}

/// A module in a workspace (go.work found by the go command) is vendored the way `go work
/// vendor` vendors it, beside go.work; with GOWORK=off, on its own as before.
#[test]
fn a_workspace_is_vendored_as_go_work_vendor_does() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    fs::write(dir.join("go.work"), "go 1.22\n\nuse .\n").unwrap();
    let theirs = h.copy_of(&dir, "basic-work-go");
    let out = h.go_with_env(&theirs, &["work", "vendor"], &[("GOWORK", "")]);
    assert_success(&out, "go work vendor");
    let out = h.gomodoff_with_env(
        &dir,
        &[("GOWORK", "")],
        &["vendor", "--mode", "vendor", "--yes"],
    );
    assert_success(&out, "gomodoff vendor --mode vendor in a workspace");
    assert!(
        fs::read_to_string(dir.join("vendor/modules.txt"))
            .unwrap()
            .starts_with("## workspace\n")
    );
    assert_same_vendor(&dir, &theirs, "workspace");
    let out = h.gomodoff_with_env(&dir, &[("GOWORK", "")], &["restore", "--yes"]);
    assert_success(&out, "restore in a workspace");
    assert!(!dir.join("vendor").exists());
    // GOWORK=off (the harness's default) vendors the module on its own.
    vendor_mode(&h, &dir, &[]);
    assert!(
        !fs::read_to_string(dir.join("vendor/modules.txt"))
            .unwrap()
            .starts_with("## workspace")
    );
}

/// A failure at any step of vendoring over an existing vendor/ (or of restoring it) leaves
/// every byte as it was, backup included; a run killed half-way is repaired by the next one.
#[test]
fn a_failure_at_any_step_leaves_the_repository_as_it_was() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    h.go_ok(&dir, &["mod", "vendor"]);
    fs::write(dir.join("vendor/NOTES.txt"), "mine\n").unwrap();
    let before = snapshot(&dir);
    let steps = [
        "extract",
        "journal",
        "remove-tree",
        "rename-tree",
        "write:gomodoff.lock",
        "write:gomodoff.vendor.sum",
        "commit",
    ];
    for step in steps {
        let out = h.gomodoff_with_env(
            &dir,
            &[("GOMODOFF_FAIL_AT", step)],
            &["vendor", "--mode", "vendor", "--yes"],
        );
        assert_injected_failure(&out, step);
        assert_eq!(
            snapshot(&dir),
            before,
            "repository changed after failing at {step}"
        );
    }
    let out = h.gomodoff_with_env(
        &dir,
        &[("GOMODOFF_ABORT_AT", "rename-tree")],
        &["vendor", "--mode", "vendor", "--yes"],
    );
    assert!(!out.status.success(), "the run was killed");
    vendor_mode(&h, &dir, &[]);
    let vendored = snapshot(&dir);
    for step in [
        "journal",
        "remove-tree",
        "rename-tree",
        "write:gomodoff.lock",
        "commit",
    ] {
        let out = h.gomodoff_with_env(&dir, &[("GOMODOFF_FAIL_AT", step)], &["restore", "--yes"]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "restore, step {step}: {}",
            stderr(&out)
        );
        assert_eq!(snapshot(&dir), vendored, "restore failing at {step}");
    }
    let out = h.gomodoff(&dir, &["restore", "--yes"]);
    assert_success(&out, "restore");
    assert_eq!(snapshot(&dir), before, "restore after the failures");
}

/// The vendoring fixtures (build tags and `ignore`, OS/arch suffixes, cgo, embeds, test-only
/// imports, internal packages, licences at several levels, module and directory replacements, a
/// module without go.mod, nested modules), vendored by the binary for several `go` lines: byte
/// for byte what `go mod vendor` writes, and the offline build behaves as with go's vendor/.
#[test]
fn the_vendoring_fixtures_vendor_byte_identical_end_to_end() {
    requires_go!();
    let h = Harness::new();
    h.add_fixture_modules(&support::vendoring_dir().join("modules"));
    for go in [None, Some("1.16"), Some("1.17"), Some("1.21"), Some("1.25")] {
        let name = go.unwrap_or("none");
        let case = h.fresh_dir(&format!("fixtures-{name}"));
        let main = if go == Some("1.25") {
            // Go 1.24 `tool` and Go 1.25 `ignore` directives.
            support::vendoring_main(
                &case,
                go,
                &["tool example.com/dep/cmd/tool", "ignore ./ignoredpkg"],
                &[(
                    "ignoredpkg/i.go",
                    "package ignoredpkg\n\nimport _ \"example.com/nonexistent/ignoredpkg\"\n",
                )],
            )
        } else {
            support::vendoring_main(&case, go, &[], &[])
        };
        h.go_ok(&main, &["mod", "tidy"]);
        if go.is_none() {
            h.go_ok(&main, &["mod", "edit", "-go=none"]);
        }
        let ours_case = h.copy_of(&case, &format!("fixtures-{name}-ours"));
        let ours = ours_case.join("main");
        h.go_ok(&main, &["mod", "vendor"]);
        let shown = vendor_mode(&h, &ours, &["--report-dropped"]);
        assert!(
            shown.contains("proto/api.proto"),
            "{name}: dropped files:\n{shown}"
        );
        assert_same_vendor(&ours, &main, name);
        let go_says = h.go_offline_with_env(&main, &["build", "./..."], VENDOR_FLAGS);
        let out = h.go_offline_with_env(&ours, &["build", "./..."], VENDOR_FLAGS);
        assert_eq!(
            out.status.success(),
            go_says.status.success(),
            "{name}: offline build\n{}\n{}",
            stderr(&out),
            stderr(&go_says)
        );
        let out = h.gomodoff(&ours, &["verify"]);
        assert_success(&out, &format!("{name}: verify"));
        let out = h.gomodoff(&ours, &["status", "--check"]);
        assert_success(&out, &format!("{name}: status --check"));
    }
}
