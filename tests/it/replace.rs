//! `gomodoff vendor` in replace mode, end to end, with the real go as the judge: after vendoring,
//! the build list is unchanged and the build passes with `GOPROXY=off` and an empty module cache;
//! restore gives go.mod and go.sum back byte for byte; verify, status, faults and concurrency.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;

use crate::support::{
    self, Harness, assert_failure, assert_injected_failure, assert_stderr_contains,
    assert_stdout_contains, assert_success, build_list, snapshot, stderr, stdout,
};

pub(crate) fn vendor_yes(h: &Harness, dir: &Path) -> String {
    let out = h.gomodoff(dir, &["vendor", "--yes"]);
    assert_success(&out, "gomodoff vendor --yes");
    stdout(&out)
}

/// The offline proof: same build list as online, and build, vet, the tests' compilation and
/// gopls-style package listing pass with GOPROXY=off and an empty module cache.
pub(crate) fn assert_builds_offline(h: &Harness, dir: &Path, online_list: &[String]) {
    let out = h.go_offline(dir, &["list", "-m", "all"]);
    assert_success(&out, "offline go list -m all");
    assert_eq!(
        build_list(&stdout(&out)),
        online_list,
        "build list changed by vendoring"
    );
    let out = h.go_offline(dir, &["build", "./..."]);
    assert_success(&out, "offline go build ./...");
    let out = h.go_offline(dir, &["vet", "./..."]);
    assert_success(&out, "offline go vet ./...");
    let out = h.go_offline(dir, &["test", "-count=1", "-run", "XXX", "./..."]);
    assert_success(&out, "offline go test -run XXX ./...");
    let out = h.go_offline(dir, &["list", "-deps", "-test", "./..."]);
    assert_success(&out, "offline go list -deps -test ./...");
    let out = h.gomodoff(dir, &["check"]);
    assert_success(&out, "gomodoff check");
    assert_stdout_contains(&out, "offline build ok");
}

#[test]
fn every_project_builds_offline_after_vendor_and_restore_is_exact() {
    requires_go!();
    let h = Harness::new();
    for name in support::PROJECTS {
        let dir = h.project(name);
        let online = build_list(&h.go_ok(&dir, &["list", "-m", "all"]));
        let gomod_before = fs::read(dir.join("go.mod")).unwrap();
        let gosum_before = fs::read(dir.join("go.sum")).unwrap();

        // Before vendoring, the offline build fails (the proof can fail), and check refuses a
        // repository gomodoff never vendored.
        assert_failure(
            &h.go_offline(&dir, &["build", "./..."]),
            &format!("{name}: offline build before vendor"),
        );
        let out = h.gomodoff(&dir, &["check"]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{name}: check before vendor\n{}",
            stderr(&out)
        );
        assert_stderr_contains(&out, "never vendored by gomodoff");

        let shown = vendor_yes(&h, &dir);
        assert!(
            shown.contains("+++ b/go.mod"),
            "{name}: the go.mod diff is shown:\n{shown}"
        );
        assert_builds_offline(&h, &dir, &online);

        let out = h.gomodoff(&dir, &["verify"]);
        assert_success(&out, "gomodoff verify");
        let out = h.gomodoff(&dir, &["status", "--check"]);
        assert_success(&out, "gomodoff status --check");

        let out = h.gomodoff(&dir, &["restore", "--yes"]);
        assert_success(&out, "gomodoff restore --yes");
        assert_eq!(
            fs::read(dir.join("go.mod")).unwrap(),
            gomod_before,
            "{name}: go.mod after restore"
        );
        assert_eq!(
            fs::read(dir.join("go.sum")).unwrap(),
            gosum_before,
            "{name}: go.sum after restore"
        );
        assert!(!dir.join("third_party").exists(), "{name}: trees removed");
        assert!(!dir.join("gomodoff.lock").exists(), "{name}: lock removed");
    }
}

/// The replace directives gomodoff writes are exactly what `go mod edit -replace` writes.
#[test]
fn gomod_after_vendor_equals_go_mod_edit() {
    requires_go!();
    let h = Harness::new();
    for name in ["basic", "replaces"] {
        let dir = h.project(name);
        // Canonical input, as go prints it.
        h.go_ok(&dir, &["mod", "edit", "-fmt"]);
        let reference = h.fresh_dir("edit");
        fs::copy(dir.join("go.mod"), reference.join("go.mod")).unwrap();
        vendor_yes(&h, &dir);
        let lock = gomodoff::lock::LockFile::parse(
            &fs::read_to_string(dir.join("gomodoff.lock")).unwrap(),
        )
        .unwrap();
        let mut args = vec!["mod".to_string(), "edit".to_string()];
        let mut rows: Vec<_> = lock.modules.iter().collect();
        rows.sort_by(|a, b| {
            (&a.replace_path, &a.replace_version).cmp(&(&b.replace_path, &b.replace_version))
        });
        for m in rows {
            let old = match &m.replace_version {
                Some(v) => format!("{}@{v}", m.replace_path),
                None => m.replace_path.clone(),
            };
            args.push(format!("-replace={old}=./{}/{}", lock.dir, m.dir));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        h.go_ok(&reference, &args);
        assert_eq!(
            fs::read_to_string(dir.join("go.mod")).unwrap(),
            fs::read_to_string(reference.join("go.mod")).unwrap(),
            "{name}: gomodoff's go.mod vs go mod edit's"
        );
    }
}

#[test]
fn dry_run_changes_no_byte() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    let before = snapshot(&dir);
    let out = h.gomodoff(&dir, &["vendor", "--dry-run"]);
    assert_success(&out, "vendor --dry-run");
    assert!(
        stdout(&out).contains("+replace") || stdout(&out).contains("+\t"),
        "{}",
        stdout(&out)
    );
    assert_eq!(snapshot(&dir), before);
    // Without a terminal and without --yes nothing is applied either.
    let out = h.gomodoff(&dir, &["vendor"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(&out, "pass --yes");
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn verify_names_changed_added_and_removed_files() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    vendor_yes(&h, &dir);
    let tree = dir.join("third_party/gomod/example.com/embedded@v1.0.0");
    assert!(tree.is_dir());
    // One byte changed.
    let victim = fs::read_dir(&tree)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "go"))
        .unwrap();
    let mut bytes = fs::read(&victim).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    fs::write(&victim, bytes).unwrap();
    let victim_name = victim.file_name().unwrap().to_string_lossy().to_string();
    // One file added, one removed (in another module).
    fs::write(tree.join("extra.txt"), "junk").unwrap();
    let pseudo =
        dir.join("third_party/gomod/example.com/pseudo@v0.0.0-20240101000000-abcdefabcdef");
    let removed = fs::read_dir(&pseudo)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "go"))
        .unwrap();
    fs::remove_file(&removed).unwrap();
    let removed_name = removed.file_name().unwrap().to_string_lossy().to_string();

    let out = h.gomodoff(&dir, &["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "example.com/embedded@v1.0.0: modified file `{victim_name}`"
        )),
        "{text}"
    );
    assert!(
        text.contains("example.com/embedded@v1.0.0: added file `extra.txt`"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "example.com/pseudo@v0.0.0-20240101000000-abcdefabcdef: removed file `{removed_name}`"
        )),
        "{text}"
    );
    assert_eq!(text.lines().count(), 3, "nothing else is reported:\n{text}");
}

#[test]
fn a_version_bump_is_drift_and_only_that_module_is_extracted_again() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("legacy116");
    vendor_yes(&h, &dir);
    let out = h.gomodoff(&dir, &["status", "--check"]);
    assert_success(&out, "status --check when fresh");
    // Nothing changed: a second vendor is a no-op.
    let out = h.gomodoff(&dir, &["vendor", "--yes"]);
    assert_success(&out, "second vendor");
    assert_stderr_contains(&out, "nothing to do");

    h.go_ok(&dir, &["get", "example.com/multi@v1.2.0"]);
    let out = h.gomodoff(&dir, &["status", "--check"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "status --check after a bump\n{}",
        stdout(&out)
    );
    assert_stdout_contains(&out, "example.com/multi");

    let out = h.gomodoff(&dir, &["vendor", "--yes"]);
    assert_success(&out, "vendor after the bump");
    let text = stdout(&out);
    // `+ path@version: whole tree, N files, SIZE`
    fn module<'a>(l: &'a str, sign: &str) -> Option<&'a str> {
        l.trim().strip_prefix(sign)?.split(':').next()
    }
    let added: Vec<&str> = text.lines().filter_map(|l| module(l, "+ ")).collect();
    let updated: Vec<&str> = text.lines().filter_map(|l| module(l, "~ ")).collect();
    assert_eq!(added, vec!["example.com/multi@v1.2.0"], "{text}");
    // v1.1.0 is no longer selected: its whole tree gives way to its go.mod alone.
    assert_eq!(updated, vec!["example.com/multi@v1.1.0"], "{text}");
    assert!(
        text.contains("1 added, 1 updated, 0 removed, 4 unchanged"),
        "{text}"
    );
    let online = build_list(&h.go_ok(&dir, &["list", "-m", "all"]));
    assert_builds_offline(&h, &dir, &online);
    let out = h.gomodoff(&dir, &["status", "--check"]);
    assert_success(&out, "status --check after re-vendoring");
}

#[test]
fn a_failure_at_any_step_leaves_the_repository_as_it_was() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    let before = snapshot(&dir);
    for step in [
        "extract",
        "journal",
        "rename-tree",
        "write:go.mod",
        "write:gomodoff.lock",
        "commit",
    ] {
        let out = h.gomodoff_with_env(&dir, &[("GOMODOFF_FAIL_AT", step)], &["vendor", "--yes"]);
        assert_injected_failure(&out, step);
        assert_eq!(
            snapshot(&dir),
            before,
            "repository changed after failing at {step}"
        );
    }
    // Same for an update: vendor, then fail while replacing trees.
    vendor_yes(&h, &dir);
    let vendored = snapshot(&dir);
    let out = h.gomodoff_with_env(
        &dir,
        &[("GOMODOFF_FAIL_AT", "write:go.mod")],
        &["restore", "--yes"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(snapshot(&dir), vendored, "restore failing half-way");
}

#[test]
fn a_run_killed_mid_way_is_repaired_by_the_next() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    let before = snapshot(&dir);
    for step in ["extract", "rename-tree", "write:go.mod"] {
        let out = h.gomodoff_with_env(&dir, &[("GOMODOFF_ABORT_AT", step)], &["vendor", "--yes"]);
        assert!(!out.status.success(), "aborted at {step}");
        assert_ne!(
            snapshot(&dir),
            before,
            "an abort at {step} leaves traces to repair"
        );
        // A dry run changes nothing, so it does not repair either; it says what will.
        if dir.join(".gomodoff-txn").exists() {
            let out = h.gomodoff(&dir, &["vendor", "--dry-run"]);
            assert_eq!(out.status.code(), Some(2));
            assert_stderr_contains(&out, "interrupted");
        }
        let out = h.gomodoff(&dir, &["restore", "--yes"]);
        // Nothing was vendored yet, so restore has nothing to do after rolling back.
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert_eq!(
            snapshot(&dir),
            before,
            "rolled back after an abort at {step}"
        );
    }
    vendor_yes(&h, &dir);
    let out = h.gomodoff(&dir, &["verify"]);
    assert_success(&out, "verify after repair");
}

#[test]
fn two_concurrent_runs_do_not_corrupt_anything() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    let online = build_list(&h.go_ok(&dir, &["list", "-m", "all"]));
    let spawn_vendor = || {
        h.gomodoff_command(&dir)
            .args(["vendor", "--yes"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let a = spawn_vendor();
    let b = spawn_vendor();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success() || b.status.success(), "one run succeeds");
    for o in [&a, &b] {
        if !o.status.success() {
            assert_stderr_contains(o, "another gomodoff is running");
        }
    }
    let out = h.gomodoff(&dir, &["verify"]);
    assert_success(&out, "verify after concurrent runs");
    assert_builds_offline(&h, &dir, &online);
}

#[test]
fn modfile_mode_leaves_go_mod_untouched() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    let gomod = fs::read(dir.join("go.mod")).unwrap();
    let out = h.gomodoff(&dir, &["vendor", "--yes", "--modfile"]);
    assert_success(&out, "vendor --modfile");
    assert_stdout_contains(&out, "GOFLAGS=-modfile=go.offline.mod");
    assert_eq!(fs::read(dir.join("go.mod")).unwrap(), gomod);
    assert_eq!(
        fs::read(dir.join("go.offline.sum")).unwrap(),
        fs::read(dir.join("go.sum")).unwrap()
    );
    let out = h.go_offline_with_env(
        &dir,
        &["build", "./..."],
        &[("GOFLAGS", "-modfile=go.offline.mod -modcacherw")],
    );
    assert_success(&out, "offline build with -modfile");
    let out = h.gomodoff(&dir, &["check"]);
    assert_success(&out, "gomodoff check with -modfile");
    let out = h.gomodoff(&dir, &["restore", "--yes"]);
    assert_success(&out, "restore");
    assert!(!dir.join("go.offline.mod").exists() && !dir.join("go.offline.sum").exists());
}

#[test]
fn user_edits_made_after_vendoring_survive_restore() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("replaces");
    let original = fs::read_to_string(dir.join("go.mod")).unwrap();
    vendor_yes(&h, &dir);
    let vendored = fs::read_to_string(dir.join("go.mod")).unwrap();
    assert!(
        vendored.contains("=> ./third_party/gomod/example.com/forks/multi@v1.2.1"),
        "the fork replace is rewritten:\n{vendored}"
    );
    assert!(
        vendored.contains("example.com/Upper/Mixed v1.0.0 => ./localmixed"),
        "the local replace stays:\n{vendored}"
    );
    // The user adds a comment line and a godebug directive.
    let edited = vendored.replacen("go 1.21\n", "go 1.21\n\ngodebug default=go1.21\n", 1);
    fs::write(dir.join("go.mod"), &edited).unwrap();
    let out = h.gomodoff(&dir, &["restore", "--yes"]);
    assert_success(&out, "restore after a user edit");
    assert_stderr_contains(&out, "go.mod changed since");
    let restored = fs::read_to_string(dir.join("go.mod")).unwrap();
    assert_eq!(
        restored,
        original.replacen("go 1.21\n", "go 1.21\n\ngodebug default=go1.21\n", 1)
    );
}

#[test]
fn restore_quiet_shows_no_preview() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("legacy116");
    vendor_yes(&h, &dir);
    let out = h.gomodoff(&dir, &["-q", "restore", "--yes"]);
    assert_success(&out, "restore -q");
    assert_eq!(stdout(&out), "", "-q prints no diff and no summary");
    assert!(!dir.join("gomodoff.lock").exists(), "restored");
}

#[test]
fn a_tampered_zip_or_go_mod_in_the_cache_is_refused_and_nothing_is_written() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    let before = snapshot(&dir);
    // One byte of a file inside a cached zip: rewrite the zip with a changed file.
    let zip_path = h
        .gomodcache()
        .join("cache/download/example.com/embedded/@v/v1.0.0.zip");
    let original = fs::read(&zip_path).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(original.clone())).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut bytes).unwrap();
        if name.ends_with(".go") && !bytes.is_empty() {
            bytes[0] ^= 0x20;
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut out, &bytes).unwrap();
    }
    fs::write(&zip_path, out.finish().unwrap().into_inner()).unwrap();
    // The cache's extracted directory still checks out against go.sum: the tree is copied from
    // it, the zip unused, and the result is the module's true content.
    assert_success(
        &h.gomodoff(&dir, &["vendor", "--yes"]),
        "vendor with a tampered zip beside a sound directory",
    );
    assert_success(&h.gomodoff(&dir, &["verify"]), "verify after it");
    assert_success(&h.gomodoff(&dir, &["restore", "--yes"]), "restore");
    assert_eq!(snapshot(&dir), before);
    // Without the directory the zip decides, and it is refused.
    let extracted = h.gomodcache().join("example.com/embedded@v1.0.0");
    let kept = h.fresh_dir("embedded-dir");
    support::copy_tree_exact(&extracted, &kept.join("d"));
    support::remove_tree(&extracted);
    let out = h.gomodoff(&dir, &["vendor", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("checksum mismatch for `example.com/embedded@v1.0.0`"),
        "{err}"
    );
    assert!(
        err.contains("go.sum: h1:") && err.contains("module cache"),
        "{err}"
    );
    assert_eq!(snapshot(&dir), before);
    fs::write(&zip_path, original).unwrap();
    support::copy_tree_exact(&kept.join("d"), &extracted);

    // A go.mod in the cache that go.sum does not vouch for.
    let mod_path = h
        .gomodcache()
        .join("cache/download/example.com/tagged/@v/v1.0.0.mod");
    let original = fs::read(&mod_path).unwrap();
    fs::write(&mod_path, [original.as_slice(), b"// extra\n"].concat()).unwrap();
    let out = h.gomodoff(&dir, &["vendor", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(
        &out,
        "checksum mismatch for `example.com/tagged@v1.0.0/go.mod`",
    );
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn a_module_missing_from_the_source_is_named_with_what_to_do() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    let empty = h.fresh_dir("empty-modcache");
    let before = snapshot(&dir);
    let out = h
        .gomodoff_command_without_modcache(&dir)
        .args(["--modcache", empty.to_str().unwrap(), "vendor", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("example.com/"), "names a module: {err}");
    assert!(
        err.contains("go mod download") && err.contains("gomodoff unpack"),
        "says what to do: {err}"
    );
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn the_tree_directory_is_refused_under_vendor() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("cgo");
    let out = h.gomodoff(&dir, &["vendor", "--yes", "--dir", "vendor/gomod"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(&out, "under vendor/");
    // Another directory works, and is remembered by the lock.
    let out = h.gomodoff(&dir, &["vendor", "--yes", "--dir", "deps"]);
    assert_success(&out, "vendor --dir deps");
    assert!(
        dir.join("deps/example.com/cgolib@v1.0.0/csrc").is_dir(),
        "C sources outside packages are kept"
    );
    let out = h.go_offline(&dir, &["build", "./..."]);
    assert_success(&out, "offline cgo build from deps/");
    let out = h.gomodoff(&dir, &["vendor", "--yes", "--dir", "elsewhere"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(&out, "run `gomodoff restore`");
}

/// A build-list module that the pruned graph never reads a go.mod of (required only by a
/// go ≥ 1.17 dependency) has no go.sum line; replace mode answers go's version lookup for it
/// with a placeholder go.mod, and the offline build list is unchanged.
#[test]
fn a_pruned_requirement_without_go_sum_lines_still_lists_offline() {
    requires_go!();
    let h = Harness::new();
    let (dir, online) = h.pruned_requirement_project_listed();

    vendor_yes(&h, &dir);
    assert_builds_offline(&h, &dir, &online);
    let lock =
        gomodoff::lock::LockFile::parse(&fs::read_to_string(dir.join("gomodoff.lock")).unwrap())
            .unwrap();
    let placeholder = lock
        .modules
        .iter()
        .find(|m| m.path == "example.com/multi/v2")
        .expect("multi/v2 is laid out");
    assert_eq!(
        placeholder.synthesized_gomod.as_deref(),
        Some("module example.com/multi/v2\n")
    );
    assert_success(&h.gomodoff(&dir, &["verify"]), "verify");
    assert_success(&h.gomodoff(&dir, &["status", "--check"]), "status --check");
}

/// go.sum keeps zip lines for modules of the build list that only tests of dependencies (or
/// older go versions' `all`) read, and `go mod download` does not fetch them: such a module whose
/// zip the cache lacks is laid out go.mod-only, with a warning naming it, and the build passes
/// offline; a module whose packages the build does read is still demanded.
#[test]
fn a_module_the_build_never_reads_is_laid_out_go_mod_only_whatever_the_cache_holds() {
    requires_go!();
    let h = Harness::new();
    let dir = h.pruned_requirement_project();
    // go.sum lines for multi/v2 as the go command computes them (zip and go.mod), as a tidy
    // with an older -compat would have kept them.
    let json = h.go_ok(
        &dir,
        &["mod", "download", "-json", "example.com/multi/v2@v2.0.0"],
    );
    let field = |k: &str| {
        let line = json
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("\"{k}\":")))
            .unwrap_or_else(|| panic!("no {k} in {json}"));
        line.split('"').nth(3).unwrap().to_string()
    };
    let mut sum = fs::read_to_string(dir.join("go.sum")).unwrap();
    sum.push_str(&format!("example.com/multi/v2 v2.0.0 {}\n", field("Sum")));
    sum.push_str(&format!(
        "example.com/multi/v2 v2.0.0/go.mod {}\n",
        field("GoModSum")
    ));
    fs::write(dir.join("go.sum"), &sum).unwrap();
    let online = build_list(&h.go_ok(&dir, &["list", "-m", "all"]));
    let zip = std::path::PathBuf::from(field("Zip"));
    fs::remove_file(&zip).unwrap();

    // No package comes from multi/v2: it is laid out go.mod-only, whether or not its zip is
    // in the cache, and silently (nothing the build needs is missing).
    let out = h.gomodoff(&dir, &["vendor", "--yes"]);
    assert_success(&out, "vendor with multi/v2's zip missing");
    let err = stderr(&out);
    assert!(!err.contains("warning"), "nothing to warn about: {err}");
    assert_builds_offline(&h, &dir, &online);
    let laid_out = snapshot(&dir);
    let lock =
        gomodoff::lock::LockFile::parse(&fs::read_to_string(dir.join("gomodoff.lock")).unwrap())
            .unwrap();
    let tier = |path: &str| {
        lock.modules
            .iter()
            .find(|m| m.path == path)
            .unwrap_or_else(|| panic!("{path} is in the lock"))
            .tier
    };
    assert_eq!(tier("example.com/multi/v2"), gomodoff::lock::Tier::GoMod);
    assert_eq!(tier("example.com/prunedreq"), gomodoff::lock::Tier::Full);
    assert_success(&h.gomodoff(&dir, &["verify"]), "verify");
    assert_success(&h.gomodoff(&dir, &["status", "--check"]), "status --check");
    assert_success(&h.gomodoff(&dir, &["restore", "--yes"]), "restore");
    // With the zip back in the cache, the same bytes are laid out.
    h.go_ok(&dir, &["mod", "download", "example.com/multi/v2@v2.0.0"]);
    assert!(zip.is_file());
    assert_success(
        &h.gomodoff(&dir, &["vendor", "--yes"]),
        "vendor, zip cached",
    );
    assert_eq!(
        snapshot(&dir),
        laid_out,
        "the cache's contents change nothing"
    );
    assert_success(&h.gomodoff(&dir, &["restore", "--yes"]), "restore");

    // When the packages cannot be loaded (an import nothing provides), gomodoff cannot tell
    // which modules the build reads: it says so, names the package, and writes nothing.
    fs::write(
        dir.join("broken.go"),
        "package main\n\nimport _ \"example.com/nothere/pkg\"\n",
    )
    .unwrap();
    let before = snapshot(&dir);
    let out = h.gomodoff(&dir, &["vendor", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("could not load the packages") && err.contains("example.com/nothere/pkg"),
        "names the module and the package error: {err}"
    );
    assert_eq!(snapshot(&dir), before, "nothing written");
    fs::remove_file(dir.join("broken.go")).unwrap();

    // The module whose package main imports is another matter: its files must be there, as
    // the zip or as the cache's extracted directory (checked against go.sum).
    let provider_zip = h
        .gomodcache()
        .join("cache/download/example.com/prunedreq/@v/v1.0.0.zip");
    assert!(provider_zip.is_file(), "{}", provider_zip.display());
    fs::remove_file(&provider_zip).unwrap();
    assert_success(
        &h.gomodoff(&dir, &["vendor", "--yes"]),
        "vendor from the extracted directory alone",
    );
    assert_success(&h.gomodoff(&dir, &["verify"]), "verify after it");
    assert_success(&h.gomodoff(&dir, &["restore", "--yes"]), "restore");
    support::remove_tree(&h.gomodcache().join("example.com/prunedreq@v1.0.0"));
    let before = snapshot(&dir);
    let out = h.gomodoff(&dir, &["vendor", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("example.com/prunedreq@v1.0.0") && err.contains("go mod download"),
        "names the module and what to do: {err}"
    );
    assert_eq!(snapshot(&dir), before, "nothing written");
}

/// A repository whose `.gitignore` ignores the tree directory (a common habit for `vendor/`):
/// `vendor` says so, naming the line and what to do, because `git add` would leave the trees
/// out; without that line it says nothing; outside a git work tree it says nothing.
#[test]
fn a_tree_directory_git_ignores_is_warned_about() {
    requires_go!();
    let git = requires!(support::require_git());
    let h = Harness::new();
    let run_git = |dir: &Path, args: &[&str]| {
        let out = std::process::Command::new(&git)
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .unwrap();
        assert_success(&out, &format!("git {args:?}"));
    };
    let warned = "git ignores `third_party/gomod/` (.gitignore:2: /third_party/)";

    let ignored = h.project("basic");
    let clean = h.copy_of(&ignored, "clean");
    let plain = h.copy_of(&ignored, "plain");
    run_git(&ignored, &["init", "-q"]);
    fs::write(ignored.join(".gitignore"), "*.log\n/third_party/\n").unwrap();
    let out = h.gomodoff(&ignored, &["vendor", "--yes"]);
    assert_success(&out, "vendor in a repository that ignores the tree");
    assert_stderr_contains(&out, warned);
    assert_stderr_contains(&out, "git add -f third_party/gomod");
    assert_stderr_contains(&out, "third_party/gomod/** linguist-generated");

    run_git(&clean, &["init", "-q"]);
    fs::write(clean.join(".gitignore"), "*.log\n").unwrap();
    let out = h.gomodoff(&clean, &["vendor", "--yes"]);
    assert_success(&out, "vendor in a repository that does not ignore the tree");
    assert!(!stderr(&out).contains("git ignores"), "{}", stderr(&out));

    // Not a git work tree: git is not asked about ignore files at all.
    fs::write(plain.join(".gitignore"), "/third_party/\n").unwrap();
    let out = h.gomodoff(&plain, &["vendor", "--yes"]);
    assert_success(&out, "vendor outside a git work tree");
    assert!(!stderr(&out).contains("git ignores"), "{}", stderr(&out));
}

/// The first time `vendor` lays out a tree directory (or vendor/) in a git work tree, it
/// suggests the `.gitattributes` line that has review tools collapse it, and writes nothing;
/// not when `.gitattributes` mentions the directory already, not on later runs, not outside a
/// git work tree.
#[test]
fn the_first_layout_suggests_a_gitattributes_line() {
    requires_go!();
    let git = requires!(support::require_git());
    let h = Harness::new();
    let git_init = |dir: &Path| {
        let out = std::process::Command::new(&git)
            .arg("-C")
            .arg(dir)
            .args(["init", "-q"])
            .output()
            .unwrap();
        assert_success(&out, "git init");
    };
    let note = "add this line to `.gitattributes` (gomodoff does not write it): `third_party/gomod/** linguist-generated`";

    let fresh = h.project("basic");
    let mentioned = h.copy_of(&fresh, "mentioned");
    let plain = h.copy_of(&fresh, "plain");
    let vendor_mode = h.copy_of(&fresh, "vendor-mode");
    git_init(&fresh);
    let out = h.gomodoff(&fresh, &["vendor", "--yes"]);
    assert_success(&out, "first vendor");
    assert_stderr_contains(&out, note);
    assert!(!fresh.join(".gitattributes").exists(), "never written");
    fs::remove_dir_all(fresh.join("third_party/gomod")).unwrap();
    let out = h.gomodoff(&fresh, &["vendor", "--yes"]);
    assert_success(&out, "second vendor");
    assert!(!stderr(&out).contains(".gitattributes"), "{}", stderr(&out));

    git_init(&mentioned);
    fs::write(
        mentioned.join(".gitattributes"),
        "third_party/gomod/** -diff\n",
    )
    .unwrap();
    let out = h.gomodoff(&mentioned, &["vendor", "--yes"]);
    assert_success(&out, "vendor with .gitattributes");
    assert!(!stderr(&out).contains("linguist"), "{}", stderr(&out));

    let out = h.gomodoff(&plain, &["vendor", "--yes"]);
    assert_success(&out, "vendor outside a git work tree");
    assert!(!stderr(&out).contains("linguist"), "{}", stderr(&out));

    git_init(&vendor_mode);
    let out = h.gomodoff(&vendor_mode, &["vendor", "--mode", "vendor", "--yes"]);
    assert_success(&out, "vendor mode");
    assert_stderr_contains(&out, "`vendor/** linguist-generated`");
}

/// A module cache directory that no longer matches go.sum is not copied from: the zip decides,
/// and the tree holds the module's true content. Once the directory checked out, a file changed
/// after the check (its stamp moved) is read and compared, never copied blindly.
#[test]
fn a_tampered_cache_directory_is_not_copied_from() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    let file = h
        .gomodcache()
        .join("example.com/embedded@v1.0.0/embedded.go");
    let true_bytes = fs::read(&file).unwrap();
    let mut perms = fs::metadata(&file).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    fs::set_permissions(&file, perms).unwrap();
    let parent = file.parent().unwrap();
    let mut dperms = fs::metadata(parent).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    dperms.set_readonly(false);
    fs::set_permissions(parent, dperms).unwrap();
    let mut bad = true_bytes.clone();
    bad.extend_from_slice(b"\n// tampered\n");
    fs::write(&file, &bad).unwrap();

    vendor_yes(&h, &dir);
    let laid = dir.join("third_party/gomod/example.com/embedded@v1.0.0/embedded.go");
    assert_eq!(fs::read(&laid).unwrap(), true_bytes, "the zip's content");
    assert_success(&h.gomodoff(&dir, &["verify"]), "verify");
    assert_success(&h.gomodoff(&dir, &["restore", "--yes"]), "restore");

    // Repaired, the directory is checked (and recorded); changed again, it is caught again.
    fs::write(&file, &true_bytes).unwrap();
    vendor_yes(&h, &dir);
    assert_success(&h.gomodoff(&dir, &["restore", "--yes"]), "restore");
    fs::write(&file, &bad).unwrap();
    vendor_yes(&h, &dir);
    assert_eq!(
        fs::read(&laid).unwrap(),
        true_bytes,
        "the zip's content again"
    );
}
