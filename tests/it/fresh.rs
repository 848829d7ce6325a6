//! A no-change `vendor` answered from the record of the last run (`modes::fresh`): taken only
//! when nothing the result depends on changed, in every mode, and never when something did.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::support::{Harness, assert_success, stderr};

/// What the answer from the record says (the full run says "already …").
const FROM_RECORD: &str = "nothing changed since the last `gomodoff vendor`";

fn vendor(h: &Harness, dir: &Path, mode: &str) -> Output {
    let out = h.gomodoff(dir, &["vendor", "--mode", mode, "--yes"]);
    assert_success(&out, &format!("vendor --mode {mode}"));
    out
}

fn from_record(out: &Output) -> bool {
    stderr(out).contains(FROM_RECORD)
}

/// The `basic` project vendored in `mode`, and vendored again from the record.
fn recorded(h: &Harness, mode: &str) -> std::path::PathBuf {
    let dir = h.project("basic");
    vendor(h, &dir, mode);
    assert!(from_record(&vendor(h, &dir, mode)), "{mode}: no record");
    dir
}

/// Every tree file gomodoff laid out (vendor/, third_party/gomod/, .gomodoff/proxy/).
fn first_laid_out_go_file(dir: &Path) -> std::path::PathBuf {
    ["vendor", "third_party/gomod", ".gomodoff/proxy"]
        .iter()
        .map(|d| dir.join(d))
        .filter(|d| d.is_dir())
        .flat_map(|d| walkdir::WalkDir::new(d).sort_by_file_name())
        .map(|e| e.unwrap().into_path())
        .find(|p| {
            p.extension()
                .is_some_and(|e| e == "go" || e == "mod" || e == "zip")
        })
        .expect("a laid-out file")
}

#[test]
fn a_second_run_with_nothing_changed_is_answered_from_the_record_in_every_mode() {
    requires_go!();
    let h = Harness::new();
    let basic = h.project("basic");
    for mode in ["replace", "vendor", "proxy"] {
        let dir = h.copy_of(&basic, mode);
        let first = vendor(&h, &dir, mode);
        assert!(!from_record(&first), "{mode}: {}", stderr(&first));
        let lock = fs::read(dir.join("gomodoff.lock")).unwrap();
        let again = vendor(&h, &dir, mode);
        assert!(from_record(&again), "{mode}: {}", stderr(&again));
        assert_eq!(fs::read(dir.join("gomodoff.lock")).unwrap(), lock, "{mode}");
        // A dry run with nothing changed says the same, and so does --json.
        let out = h.gomodoff(&dir, &["--json", "vendor", "--mode", mode, "--dry-run"]);
        assert_success(&out, "dry run");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["outcome"], "unchanged", "{mode}: {doc}");
        assert!(doc["message"].as_str().unwrap().contains(FROM_RECORD));
    }
}

#[test]
fn any_change_to_the_repository_or_the_environment_means_a_full_run() {
    requires_go!();
    let h = Harness::new();
    let dir = recorded(&h, "vendor");

    // A laid-out file changed with its size and modification time kept: its change time
    // differs, the full run puts vendor/ back as go writes it.
    let file = first_laid_out_go_file(&dir);
    let before = fs::read(&file).unwrap();
    let mtime = fs::metadata(&file).unwrap().modified().unwrap();
    let mut changed = before.clone();
    changed[0] ^= 0x20;
    fs::write(&file, &changed).unwrap();
    fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let out = vendor(&h, &dir, "vendor");
    assert!(!from_record(&out), "{}", stderr(&out));
    assert_eq!(
        fs::read(&file).unwrap(),
        before,
        "the full run restored the file"
    );
    assert!(from_record(&vendor(&h, &dir, "vendor")));

    // An empty directory added to vendor/ (the directory it is in has new times).
    let empty = file.parent().unwrap().join("empty");
    fs::create_dir(&empty).unwrap();
    assert!(!from_record(&vendor(&h, &dir, "vendor")));
    let _ = fs::remove_dir(&empty);
    vendor(&h, &dir, "vendor");
    assert!(from_record(&vendor(&h, &dir, "vendor")));

    // A new file of the main module (its imports decide what is vendored).
    fs::write(dir.join("extra.go"), "package main\n").unwrap();
    assert!(!from_record(&vendor(&h, &dir, "vendor")));
    assert!(from_record(&vendor(&h, &dir, "vendor")));

    // Another GOFLAGS, another command line.
    let out = h.gomodoff_with_env(
        &dir,
        &[("GOFLAGS", "-modcacherw -tags=x")],
        &["vendor", "--mode", "vendor", "--yes"],
    );
    assert_success(&out, "vendor with other GOFLAGS");
    assert!(!from_record(&out), "{}", stderr(&out));
    let out = h.gomodoff(
        &dir,
        &["vendor", "--mode", "vendor", "--yes", "--report-dropped"],
    );
    assert_success(&out, "vendor --report-dropped");
    assert!(!from_record(&out), "{}", stderr(&out));

    // Without gomodoff's cache there is no record.
    let off = [("GOMODOFF_CACHE", "off")];
    for _ in 0..2 {
        let out = h.gomodoff_with_env(&dir, &off, &["vendor", "--mode", "vendor", "--yes"]);
        assert_success(&out, "vendor with GOMODOFF_CACHE=off");
        assert!(!from_record(&out), "{}", stderr(&out));
    }
}

#[test]
fn a_removed_tree_or_a_changed_go_mod_is_noticed() {
    requires_go!();
    let h = Harness::new();
    let dir = recorded(&h, "replace");
    let tree = first_laid_out_go_file(&dir);
    let module_dir = tree
        .ancestors()
        .find(|p| p.parent().is_some_and(|q| q.ends_with("third_party/gomod")))
        .unwrap()
        .to_path_buf();
    fs::remove_dir_all(&module_dir).unwrap();
    let out = vendor(&h, &dir, "replace");
    assert!(!from_record(&out), "{}", stderr(&out));
    assert!(module_dir.is_dir(), "the full run laid the tree out again");

    let gomod = fs::read_to_string(dir.join("go.mod")).unwrap();
    fs::write(dir.join("go.mod"), format!("{gomod}\n// a comment\n")).unwrap();
    let out = vendor(&h, &dir, "replace");
    assert!(!from_record(&out), "{}", stderr(&out));
}

#[test]
fn a_run_whose_only_warning_is_git_ignoring_the_tree_is_recorded_and_warns_again() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    let git = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(&dir)
        .output()
        .expect("git");
    assert!(git.status.success(), "git init: {git:?}");
    fs::write(dir.join(".gitignore"), "/vendor\n").unwrap();
    let ignored = "git ignores `vendor/` (.gitignore:1: /vendor)";
    let first = vendor(&h, &dir, "vendor");
    assert!(stderr(&first).contains(ignored), "{}", stderr(&first));
    assert!(!from_record(&first), "{}", stderr(&first));
    // The warning is about the repository as it stands, said by every run; the answer comes
    // from the record all the same.
    let again = vendor(&h, &dir, "vendor");
    assert!(from_record(&again), "{}", stderr(&again));
    assert!(stderr(&again).contains(ignored), "{}", stderr(&again));
    // With the line gone (a changed file: a full run), nothing is said about git.
    fs::write(dir.join(".gitignore"), "").unwrap();
    let fixed = vendor(&h, &dir, "vendor");
    assert!(
        !stderr(&fixed).contains("git ignores"),
        "{}",
        stderr(&fixed)
    );
}

#[test]
fn a_changed_go_env_file_means_a_full_run() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    // The `go env -w` file: GOPRIVATE is empty in the environment, so go reads it from here.
    let config = h.root().join("go-env-file");
    fs::write(&config, "GOPRIVATE=example.org/private\n").unwrap();
    let config = config.to_str().unwrap();
    let run = || {
        let out = h.gomodoff_with_env(
            &dir,
            &[("GOENV", config)],
            &["vendor", "--mode", "vendor", "--yes"],
        );
        assert_success(&out, "vendor with a go env file");
        out
    };
    // Older than the racy window: go's answer is remembered with the file's stamp.
    std::thread::sleep(std::time::Duration::from_millis(
        gomodoff::verified::RACY_SECS * 1000 + 500,
    ));
    run();
    assert!(from_record(&run()), "no record");
    let remembered = h.home().join(".cache/gomodoff/goenv");
    assert!(
        fs::read_dir(&remembered).is_ok_and(|d| d.count() > 0),
        "go's answer was remembered in {}",
        remembered.display()
    );

    // The same size, another value: go env says something else.
    fs::write(config, "GOPRIVATE=example.org/nothere\n").unwrap();
    let out = run();
    assert!(!from_record(&out), "{}", stderr(&out));
    assert!(from_record(&run()));
}
