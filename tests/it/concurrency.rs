//! Someone else changes the repository while gomodoff runs (an editor, `go get`, a `git pull`):
//! the edit is kept, gomodoff refuses and changes nothing else. Deterministic: the run is paused
//! at a named step of its transaction (`GOMODOFF_PAUSE_AT`), the test edits, then lets it go on.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{self, Harness, assert_success, snapshot, stderr, stdout};

/// Run `gomodoff <args>` in `dir`, paused at `step`; while it waits, append `line` to `file`
/// (relative to `dir`); then let it finish.
fn edit_during(
    h: &Harness,
    dir: &Path,
    args: &[&str],
    step: &str,
    file: &str,
    line: &str,
) -> Output {
    let pause: PathBuf = h.fresh_dir("pause").join("paused");
    let mut child = h
        .gomodoff_command(dir)
        .args(args)
        .env("GOMODOFF_PAUSE_AT", step)
        .env("GOMODOFF_PAUSE_FILE", &pause)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start gomodoff");
    let start = Instant::now();
    while !pause.exists() {
        if child.try_wait().expect("poll gomodoff").is_some() {
            let out = child.wait_with_output().unwrap();
            panic!(
                "gomodoff {} ended before step `{step}` ({})\n{}\n{}",
                args.join(" "),
                out.status,
                stdout(&out),
                stderr(&out)
            );
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("gomodoff {} never reached step `{step}`", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let path = dir.join(file);
    let mut bytes = fs::read(&path).unwrap();
    bytes.extend_from_slice(line.as_bytes());
    fs::write(&path, bytes).unwrap();
    fs::remove_file(&pause).unwrap();
    child.wait_with_output().expect("wait for gomodoff")
}

/// A repository vendored in `mode` whose go.mod has moved on since (`go get` of a newer
/// version), so that the next `vendor` rewrites go.mod (replace mode), gomodoff.lock and
/// replaces a tree.
fn drifted(h: &Harness, mode: &str) -> PathBuf {
    let dir = h.project("legacy116");
    let out = h.gomodoff(&dir, &["vendor", "--mode", mode, "--yes"]);
    assert_success(&out, &format!("vendor --mode {mode}"));
    h.go_ok(&dir, &["get", "example.com/multi@v1.2.0"]);
    dir
}

#[test]
fn replace_mode_keeps_an_edit_made_between_plan_and_apply_and_changes_nothing_else() {
    edited_between_plan_and_apply("replace");
}

#[test]
fn vendor_mode_keeps_an_edit_made_between_plan_and_apply_and_changes_nothing_else() {
    edited_between_plan_and_apply("vendor");
}

fn edited_between_plan_and_apply(mode: &str) {
    requires_go!();
    let h = Harness::new();
    let mut cases = 0;
    {
        let template = drifted(&h, mode);
        let args = ["vendor", "--mode", mode, "--yes"];
        // `begin`: the plan is made and its trees staged, nothing compared yet. `journal`: the
        // files were compared and backed up, nothing in the repository moved yet (the compare
        // right before each write catches it).
        for step in ["begin", "journal"] {
            for (file, line) in [
                ("go.mod", "// edited while gomodoff ran\n"),
                ("gomodoff.lock", "# edited while gomodoff ran\n"),
            ] {
                let what = format!("{mode} mode, {file} edited at `{step}`");
                let dir = h.fresh_dir("case");
                fs::remove_dir(&dir).unwrap();
                support::copy_dir(&template, &dir);
                let before = fs::read(dir.join(file)).unwrap();
                let others = {
                    let mut s = snapshot(&dir);
                    s.0.remove(file);
                    s
                };
                let out = edit_during(&h, &dir, &args, step, file, line);
                assert_eq!(out.status.code(), Some(2), "{what}\n{}", stderr(&out));
                assert!(
                    stderr(&out).contains(&format!(
                        "`{file}` changed while gomodoff was running; nothing was changed"
                    )),
                    "{what}\n{}",
                    stderr(&out)
                );
                let mut edited = before.clone();
                edited.extend_from_slice(line.as_bytes());
                assert_eq!(
                    fs::read(dir.join(file)).unwrap(),
                    edited,
                    "{what}: the edit"
                );
                let mut now = snapshot(&dir);
                now.0.remove(file);
                assert_eq!(
                    now, others,
                    "{what}: nothing else changed, nothing left over"
                );
                // The next run plans from the new contents, and keeps a go.mod edit.
                let out = h.gomodoff(&dir, &args);
                assert_success(&out, &format!("{what}: the next run"));
                if file == "go.mod" {
                    assert!(
                        fs::read_to_string(dir.join(file)).unwrap().contains(line),
                        "{what}: the edit survives the next run"
                    );
                }
                cases += 1;
            }
        }
    }
    assert_eq!(cases, 4);
}
