//! Crash safety of every transaction, point by point (the deterministic half of the crash
//! harness; `scripts/crash-test.sh` is the random half, with real SIGKILLs at random times).
//!
//! For each scenario (replace mode first and over an older layout, vendor mode over a user's own
//! `vendor/`, proxy mode, and `restore` of each), with user edits in the repository (a go.mod
//! comment, a notes file, an executable script; in vendor/ a patched file and an extra one):
//! 1. the command runs once with `GOMODOFF_FAULT_TRACE`, which lists every fault point it
//!    reaches, and gives the "after" state;
//! 2. for each point P, copies of the "before" state are killed there (`GOMODOFF_ABORT_AT=P`:
//!    an abort, which stops the process as a SIGKILL would). On one, the repairing command
//!    (`vendor` in the scenario's mode or `restore`, alternately per point) runs to the end. On
//!    another, the repair alone runs, traced for its rollback points, then the repairing
//!    command. For each rollback point R, one more killed copy is repaired and killed again
//!    at R, then repaired. A `write:FILE` point is killed twice over: just before the atomic
//!    write, and inside it (no fault point lies there, so the half-written temporary file such
//!    a kill leaves beside FILE is added by hand);
//! 3. "the repair alone" is `restore` whose own transaction fails at `journal` (or that finds
//!    nothing to restore): after it the repository must be byte-exactly in the "before" or the
//!    "after" state (paths, bytes, modes, link targets), with the user's vendor/ files intact
//!    and no `.gomodoff-txn`, `.gomodoff-staging`, `.gomodoff-tmp-*` or empty directory
//!    behind. A full run of a repairing command must give what it gives from a clean "before"
//!    or "after". `verify` must pass wherever something is vendored.
//!
//! A killed state is never copied: the journal knows the trees it staged by device and inode,
//! and a copy has others (the rollback then leaves those trees alone, by design).
//!
//! The counts are printed (run with `--nocapture` to see them next to the test name).

#![cfg(unix)]

use std::collections::BTreeSet;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::support::{
    Harness, Snapshot, aborted, assert_success, copy_tree_exact, snapshot, stderr,
};

/// A repository state and the command interrupted in it.
struct Scenario {
    name: &'static str,
    /// The repository before the command; only ever copied.
    before: PathBuf,
    command: Vec<&'static str>,
    /// `vendor --yes` in the scenario's mode: the repairing command of half the points.
    vendor: Vec<&'static str>,
    /// The user's own files in vendor/ (path below vendor/, bytes): after any crash they are
    /// in `vendor/` or in gomodoff's backup of it, byte for byte.
    user_vendor: Vec<(String, Vec<u8>)>,
}

const RESTORE: [&str; 2] = ["restore", "--yes"];
const BACKUP: &str = ".gomodoff/vendor-backup/vendor";

/// What the repairing commands give from one state, by clean runs.
struct Results {
    vendor: Snapshot,
    restore: Snapshot,
}

/// The states a scenario can end in, computed by clean runs.
struct References {
    before: Snapshot,
    after: Snapshot,
    from_before: Results,
    from_after: Results,
    /// Every fault point the command reaches, in order.
    points: Vec<String>,
}

#[derive(Default)]
struct Tally {
    points: AtomicUsize,
    rollback_points: AtomicUsize,
    cases: AtomicUsize,
    double: AtomicUsize,
    /// Leftovers a clean run of the same command leaves too (not the crash's doing).
    known: AtomicUsize,
    known_paths: Mutex<BTreeSet<String>>,
    ended_before: AtomicUsize,
    ended_after: AtomicUsize,
    verified: AtomicUsize,
    lost: AtomicUsize,
    failures: Mutex<Vec<String>>,
}

impl Tally {
    fn fail(&self, msg: String) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(msg);
    }
}

/// `gomodoff -C repo ARGS` with `env` set, from outside the repository and with core dumps off,
/// so that an aborted run cannot leave a core file in it.
fn run(h: &Harness, repo: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let base = h.gomodoff_command(repo);
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -c 0; exec \"$@\"")
        .arg("sh")
        .arg(base.get_program())
        .args(base.get_args())
        .arg("-C")
        .arg(repo)
        .args(args)
        .current_dir(h.root())
        .env_clear();
    for (k, v) in base.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    cmd.envs(env.iter().copied());
    cmd.output().expect("run gomodoff")
}

fn describe(out: &Output) -> String {
    format!("{}: {}", out.status, stderr(out).trim())
}

/// An exact copy of `src` (modes, links), at `<fresh dir>/repo` so that a trace file can go
/// beside it.
fn exact_copy_of(h: &Harness, src: &Path, what: &str) -> PathBuf {
    let dir = h.fresh_dir(what).join("repo");
    copy_tree_exact(src, &dir);
    dir
}

/// What a crashed run may leave that the repair must clear: the journal, staging, temporary
/// files of atomic writes, empty directories.
fn strays(root: &Path) -> Vec<String> {
    let mut out = vec![];
    for e in walkdir::WalkDir::new(root).min_depth(1) {
        let Ok(e) = e else { continue };
        let name = e.file_name().to_string_lossy();
        let rel = e.path().strip_prefix(root).unwrap_or(e.path()).display();
        if name == ".gomodoff-txn"
            || name == ".gomodoff-staging"
            || name.starts_with(".gomodoff-tmp-")
        {
            out.push(rel.to_string());
        } else if e.file_type().is_dir()
            && fs::read_dir(e.path()).is_ok_and(|mut d| d.next().is_none())
        {
            out.push(format!("{rel}/ (empty)"));
        }
    }
    out
}

/// The user's vendor/ files that are neither in vendor/ nor in the backup, byte for byte.
fn lost_user_files(root: &Path, user: &[(String, Vec<u8>)]) -> Vec<String> {
    user.iter()
        .filter(|(rel, bytes)| {
            [Path::new("vendor"), Path::new(BACKUP)]
                .iter()
                .all(|d| fs::read(root.join(d).join(rel)).ok().as_ref() != Some(bytes))
        })
        .map(|(rel, _)| format!("vendor/{rel}"))
        .collect()
}

/// The first paths two snapshots disagree on (for failure messages).
fn differences(a: &Snapshot, b: &Snapshot) -> String {
    let mut diff = a.differences(b);
    diff.truncate(8);
    diff.join("; ")
}

fn trace_lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

impl Scenario {
    fn repairing(&self, i: usize) -> &[&'static str] {
        if i.is_multiple_of(2) {
            &self.vendor
        } else {
            &RESTORE
        }
    }

    fn references(&self, h: &Harness) -> References {
        let before = snapshot(&self.before);
        let dir = exact_copy_of(h, &self.before, "reference");
        let trace = dir.with_file_name("trace");
        let trace_s = trace.to_str().expect("temp paths are UTF-8");
        let out = run(h, &dir, &[("GOMODOFF_FAULT_TRACE", trace_s)], &self.command);
        assert_success(&out, &format!("{}: the uninterrupted run", self.name));
        let after = snapshot(&dir);
        assert_ne!(
            before, after,
            "{}: the command changes something",
            self.name
        );
        let points = trace_lines(&trace);
        assert!(!points.is_empty(), "{}: no fault point reached", self.name);
        let result = |from: &Path, cmd: &[&str]| {
            let d = exact_copy_of(h, from, "reference");
            run(h, &d, &[], cmd);
            snapshot(&d)
        };
        let results = |from: &Path| Results {
            vendor: result(from, &self.vendor),
            restore: result(from, &RESTORE),
        };
        References {
            from_before: results(&self.before),
            from_after: results(&dir),
            before,
            after,
            points,
        }
    }

    /// A copy of the "before" state killed at `point`, or `None` (a failure) when the run was
    /// not aborted there. Never a copy of a killed state: the journal knows the staged trees by
    /// device and inode, which a copy changes (and the rollback then rightly leaves them alone).
    ///
    /// `inside_write`, for a `write:FILE` point: killed inside that atomic write rather than
    /// just before it, which leaves a temporary file beside FILE (no fault point lies between
    /// its creation and its rename, so it is made here as the write would have left it).
    fn killed_at(
        &self,
        h: &Harness,
        tally: &Tally,
        point: &str,
        inside_write: bool,
        what: &str,
    ) -> Option<PathBuf> {
        let repo = exact_copy_of(h, &self.before, what);
        let out = run(h, &repo, &[("GOMODOFF_ABORT_AT", point)], &self.command);
        if aborted(&out) {
            if let Some(file) = point.strip_prefix("write:").filter(|_| inside_write) {
                let file = repo.join(file.split('#').next().unwrap_or(file));
                let dir = file.parent().expect("a repository file has a parent");
                fs::write(
                    dir.join(".gomodoff-tmp-Kil1ed"),
                    b"the first half of the new",
                )
                .expect("leave a half-written temporary file");
            }
            Some(repo)
        } else {
            tally.fail(format!(
                "{} at {point}: not aborted: {}",
                self.name,
                describe(&out)
            ));
            None
        }
    }

    /// Repair `repo` and stop: `restore` whose own transaction fails at `journal` (or that
    /// finds nothing to restore) changes nothing after the repair. The repository must then be
    /// in the "before" or the "after" state, with nothing of the user's lost and nothing left
    /// over. Returns which state's results the repairing commands give from here.
    fn check_repair<'r>(
        &self,
        h: &Harness,
        refs: &'r References,
        tally: &Tally,
        repo: &Path,
        what: &str,
        trace: Option<&Path>,
    ) -> Option<&'r Results> {
        let mut env = vec![("GOMODOFF_FAIL_AT", "journal")];
        let trace_s = trace.map(|t| t.to_str().expect("temp paths are UTF-8"));
        if let Some(t) = trace_s {
            env.push(("GOMODOFF_FAULT_TRACE", t));
        }
        let out = run(h, repo, &env, &RESTORE);
        if stderr(&out).contains("panicked") || aborted(&out) {
            tally.fail(format!("{what}: the repair crashed: {}", describe(&out)));
        }
        let lost = lost_user_files(repo, &self.user_vendor);
        if !lost.is_empty() {
            tally.lost.fetch_add(1, Ordering::Relaxed);
            tally.fail(format!("{what}: LOST the user's {lost:?}"));
        }
        let left = strays(repo);
        if !left.is_empty() {
            tally.fail(format!("{what}: left {left:?} after the repair"));
        }
        let state = snapshot(repo);
        if state == refs.before {
            tally.ended_before.fetch_add(1, Ordering::Relaxed);
            Some(&refs.from_before)
        } else if state == refs.after {
            tally.ended_after.fetch_add(1, Ordering::Relaxed);
            Some(&refs.from_after)
        } else {
            tally.fail(format!(
                "{what}: after the repair neither before ({}) nor after ({}); repair run {}",
                differences(&state, &refs.before),
                differences(&state, &refs.after),
                describe(&out)
            ));
            None
        }
    }

    /// A clean run of `repairing` in `repo`: it must end in one of `expected` (what it gives
    /// from a clean "before" or "after"), leave nothing a clean run does not leave, and
    /// `verify` must pass where something is vendored.
    fn final_run(
        &self,
        h: &Harness,
        tally: &Tally,
        repo: &Path,
        repairing: &[&str],
        expected: &[&Results],
        what: &str,
    ) {
        let out = run(h, repo, &[], repairing);
        let state = snapshot(repo);
        let expected: Vec<&Snapshot> = expected
            .iter()
            .map(|r| {
                if repairing == RESTORE {
                    &r.restore
                } else {
                    &r.vendor
                }
            })
            .collect();
        let Some(matched) = expected.iter().find(|e| ***e == state) else {
            tally.fail(format!(
                "{what}: the final `{}` gave another result than from a clean state ({}); {}",
                repairing.join(" "),
                differences(&state, expected[0]),
                describe(&out)
            ));
            return;
        };
        for left in strays(repo) {
            // What the command leaves from a clean state too is not the crash's doing.
            let key = left.trim_end_matches("/ (empty)");
            if matched.0.contains_key(key) {
                tally.known.fetch_add(1, Ordering::Relaxed);
                tally
                    .known_paths
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(format!(
                        "{}: `{}` leaves {key}",
                        self.name,
                        repairing.join(" ")
                    ));
            } else {
                tally.fail(format!("{what}: left {left} after the final run"));
            }
        }
        self.verify_if_vendored(h, tally, repo, what);
    }

    /// `verify` passes wherever a lock says something is vendored.
    fn verify_if_vendored(&self, h: &Harness, tally: &Tally, repo: &Path, what: &str) {
        if repo.join("gomodoff.lock").exists() {
            let out = run(h, repo, &[], &["verify", "-q"]);
            if out.status.success() {
                tally.verified.fetch_add(1, Ordering::Relaxed);
            } else {
                tally.fail(format!("{what}: verify failed: {}", describe(&out)));
            }
        }
    }

    /// Kill the command at `point` (the `i`-th), then: the repairing command runs on the
    /// killed state; the repair alone runs on another and is traced, and its check is followed
    /// by a final run; and for each rollback point of that repair, a third killed state is
    /// repaired, killed again there, repaired and checked, and run once more.
    fn crash_at(&self, h: &Harness, refs: &References, tally: &Tally, i: usize, point: &str) {
        let variants: &[bool] = if point.starts_with("write:") {
            &[false, true]
        } else {
            &[false]
        };
        for &inside_write in variants {
            self.crash_at_variant(h, refs, tally, i, point, inside_write);
        }
    }

    fn crash_at_variant(
        &self,
        h: &Harness,
        refs: &References,
        tally: &Tally,
        i: usize,
        point: &str,
        inside_write: bool,
    ) {
        let repairing = self.repairing(i);
        let name = format!(
            "{}: killed at {point}{}, repaired by `{}`",
            self.name,
            if inside_write {
                " (inside the write)"
            } else {
                ""
            },
            repairing.join(" ")
        );
        let Some(direct) = self.killed_at(h, tally, point, inside_write, "direct") else {
            return;
        };
        tally.points.fetch_add(1, Ordering::Relaxed);
        let both = [&refs.from_before, &refs.from_after];
        self.final_run(h, tally, &direct, repairing, &both, &name);
        tally.cases.fetch_add(1, Ordering::Relaxed);

        let Some(single) = self.killed_at(h, tally, point, inside_write, "single") else {
            return;
        };
        let trace = single.with_file_name("trace");
        let what = format!("{name} (repair checked)");
        if let Some(from) = self.check_repair(h, refs, tally, &single, &what, Some(&trace)) {
            self.final_run(h, tally, &single, repairing, &[from], &what);
        }
        tally.cases.fetch_add(1, Ordering::Relaxed);

        let rollback: Vec<String> = trace_lines(&trace)
            .into_iter()
            .filter(|p| p.starts_with("rollback:"))
            .collect();
        for r in &rollback {
            let what = format!("{name}, killed again at {r}");
            let Some(repo) = self.killed_at(h, tally, point, inside_write, "double") else {
                continue;
            };
            let out = run(h, &repo, &[("GOMODOFF_ABORT_AT", r)], repairing);
            if !aborted(&out) {
                tally.fail(format!("{what}: not aborted: {}", describe(&out)));
                continue;
            }
            tally.rollback_points.fetch_add(1, Ordering::Relaxed);
            // The final run here is the repair alone, so that the check is the exact one.
            if self
                .check_repair(h, refs, tally, &repo, &what, None)
                .is_some()
            {
                self.verify_if_vendored(h, tally, &repo, &what);
            }
            tally.double.fetch_add(1, Ordering::Relaxed);
            tally.cases.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A go.mod edit the user has not committed and a file of theirs (one executable), in `dir`.
fn user_edits(dir: &Path, tag: &str) {
    let gomod = dir.join("go.mod");
    let text = fs::read_to_string(&gomod).expect("read go.mod");
    fs::write(
        &gomod,
        format!("// {tag}: a note of the user's, not committed\n{text}"),
    )
    .expect("edit go.mod");
    fs::write(dir.join(format!("NOTES-{tag}.md")), format!("# {tag}\n")).expect("a user file");
    let script = dir.join(format!("tools-{tag}.sh"));
    fs::write(&script, "#!/bin/sh\necho hi\n").expect("a user script");
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).expect("chmod a script");
}

/// The scenarios, prepared from the small `legacy116` project (five modules), and proxy mode
/// from `cgo` (one module: proxy mode adds every file of the tree on its own, and each adds a
/// rollback point to every later kill).
fn scenarios(h: &Harness) -> Vec<Scenario> {
    let base = h.project("legacy116");
    user_edits(&base, "user");
    let small = h.project("cgo");
    user_edits(&small, "user");
    let replace = vec!["vendor", "--yes"];
    let vendor_mode = vec!["vendor", "--mode", "vendor", "--yes"];
    let proxy = vec!["vendor", "--mode", "proxy", "--yes"];
    let scenario = |name, before, command: &Vec<&'static str>, user_vendor| Scenario {
        name,
        before,
        command: command.clone(),
        vendor: command.clone(),
        user_vendor,
    };

    // Over an older layout: vendored, then a version bump (trees removed and added).
    let update = exact_copy_of(h, &base, "update");
    assert_success(&run(h, &update, &[], &replace), "vendor before the bump");
    h.go_ok(&update, &["get", "example.com/multi@v1.2.0"]);

    // A user-owned vendor/: go's own, one file patched, one file added.
    let owned = exact_copy_of(h, &base, "owned");
    h.go_ok(&owned, &["mod", "vendor"]);
    let patched = "example.com/legacy/legacy.go";
    let mut bytes = fs::read(owned.join("vendor").join(patched)).expect("read a vendored file");
    bytes.extend_from_slice(b"// patched by the user\n");
    fs::write(owned.join("vendor").join(patched), &bytes).expect("patch a vendored file");
    let notes = b"the user's own notes\n".to_vec();
    fs::write(owned.join("vendor/NOTES.txt"), &notes).expect("add a file to vendor/");
    let user_vendor = vec![(patched.to_string(), bytes), ("NOTES.txt".into(), notes)];

    let mut out = vec![
        scenario("replace", exact_copy_of(h, &base, "s"), &replace, vec![]),
        scenario("replace over an older layout", update, &replace, vec![]),
        scenario(
            "vendor mode over the user's vendor/",
            owned,
            &vendor_mode,
            user_vendor.clone(),
        ),
        scenario("proxy mode", small, &proxy, vec![]),
    ];
    // restore of each mode, from the vendored state with one more user edit made since.
    let mut restores = vec![];
    for s in &out[..] {
        if s.name == "replace over an older layout" {
            continue;
        }
        let vendored = exact_copy_of(h, &s.before, "vendored");
        assert_success(&run(h, &vendored, &[], &s.command), "vendor");
        user_edits(&vendored, "later");
        restores.push(Scenario {
            name: match s.command.get(2) {
                Some(&"vendor") => "restore of vendor mode",
                Some(&"proxy") => "restore of proxy mode",
                _ => "restore of replace mode",
            },
            before: vendored,
            command: RESTORE.to_vec(),
            vendor: s.command.clone(),
            user_vendor: s.user_vendor.clone(),
        });
    }
    out.extend(restores);
    out
}

#[test]
fn every_kill_and_every_second_kill_during_the_repair_ends_before_or_after() {
    requires_go!();
    let h = Harness::new();
    let started = std::time::Instant::now();
    let scenarios = scenarios(&h);
    let refs: Vec<References> = scenarios.iter().map(|s| s.references(&h)).collect();
    let tally = Tally::default();
    let jobs: Vec<(usize, usize)> = refs
        .iter()
        .enumerate()
        .flat_map(|(s, r)| (0..r.points.len()).map(move |p| (s, p)))
        .collect();
    let next = AtomicUsize::new(0);
    // Most of a run's time is fsync, not CPU: a few more workers than cores.
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let j = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(s, p)) = jobs.get(j) else { break };
                    scenarios[s].crash_at(&h, &refs[s], &tally, p, &refs[s].points[p]);
                }
            });
        }
    });
    let mut report = String::new();
    for (s, r) in scenarios.iter().zip(&refs) {
        report.push_str(&format!("  {}: {} points\n", s.name, r.points.len()));
    }
    let known = tally
        .known_paths
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    for k in known {
        report.push_str(&format!("  known, also from a clean state: {k}\n"));
    }
    let failures = tally
        .failures
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    let _ = writeln!(
        std::io::stderr(),
        "crash harness: {} scenarios, {} first kills (each point; a write: point also inside the write) x their rollback points = {} second kills; \
         {} cases ({} with a double kill); repairs checked: to before {}, to after {}; \
         verify passed {}; known leftovers of clean runs {}; lost={}; failures={}; {:.0?}\n{report}",
        scenarios.len(),
        tally.points.load(Ordering::Relaxed),
        tally.rollback_points.load(Ordering::Relaxed),
        tally.cases.load(Ordering::Relaxed),
        tally.double.load(Ordering::Relaxed),
        tally.ended_before.load(Ordering::Relaxed),
        tally.ended_after.load(Ordering::Relaxed),
        tally.verified.load(Ordering::Relaxed),
        tally.known.load(Ordering::Relaxed),
        tally.lost.load(Ordering::Relaxed),
        failures.len(),
        started.elapsed(),
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(tally.lost.load(Ordering::Relaxed), 0);
}
