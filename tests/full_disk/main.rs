//! Full disks: `vendor --yes` (replace mode and `--mode vendor`) and `restore --yes` on a
//! repository on a small tmpfs, with the free space and then the free inodes swept one page
//! (one inode) at a time from none to enough, so that every write they make runs out of space at
//! least once. Every case ends either in success with the after state, or with exit 2, a message
//! naming the path and "No space left on device", and the repository byte for byte as before with
//! no leftovers; then, with space again, `status` says what it says of that state and the next
//! run succeeds.
//!
//! Mounting needs root: without it the tests print why they are skipped; with `CI=true` as root
//! a refused mount fails them. The mount is always taken away again, also when a test panics.
//!
//! A binary of its own, apart from `tests/it` (whose harness it shares): the sweeps count the
//! tmpfs's free inodes to the last one, and in one process with the other areas they failed
//! now and then under load ("failed with more room than a run that succeeded", 2 runs of 5, never
//! alone). Presumably a child that another test spawns at that moment inherits a directory the
//! sweep holds open on the tmpfs, until it execs, which keeps a removed inode alive while the
//! free inodes are measured.

#![allow(clippy::unwrap_used, clippy::expect_used)]
// Tests read the environment directly (the product reads it through its util::env).
#![allow(clippy::disallowed_methods)]
// Helpers are `pub` for the test modules; nothing here is an API.
#![allow(unreachable_pub)]

// This binary uses a small part of the harness.
#[allow(dead_code, unused_imports)]
#[macro_use]
#[path = "../it/support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{Harness, Snapshot, assert_success, snapshot, stderr, stdout};

/// Size and inodes of the tmpfs when nothing is being swept.
const ROOMY_SIZE: u64 = 64 << 20;
const ROOMY_INODES: u64 = 100_000;

/// A tmpfs mounted on a fresh directory under the system temp dir; unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mount one, or say why not (a `SKIPPED` line for the running test) and return `None`:
    /// not Linux, not root, or the mount was refused. With `CI=true` as root a refused mount is
    /// a failure.
    fn mount() -> Option<Tmpfs> {
        if !cfg!(target_os = "linux") {
            support::skip("needs Linux (tmpfs with size and nr_inodes)");
            return None;
        }
        if !is_root() {
            support::skip("needs root to mount a size- and inode-limited tmpfs");
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("gomodoff-full-disk-")
            .tempdir()
            .expect("create the mount point");
        let opts = format!("size={ROOMY_SIZE},nr_inodes={ROOMY_INODES},mode=0755");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &opts, "gomodoff-test"])
            .arg(dir.path())
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs { dir }),
            refused => {
                let why = match refused {
                    Ok(o) => format!("mount -t tmpfs was refused: {}", stderr(&o).trim()),
                    Err(e) => format!("mount could not be run: {e}"),
                };
                assert!(
                    !support::tools::is_ci(),
                    "running as root with CI=true, but {why}"
                );
                support::skip(&why);
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Blocks and inodes in use.
    fn used(&self) -> (u64, u64) {
        let out = Command::new("stat")
            .args(["-f", "-c", "%b %f %c %d"])
            .arg(self.path())
            .output()
            .expect("run stat -f");
        assert_success(&out, "stat -f");
        let n: Vec<u64> = stdout(&out)
            .split_whitespace()
            .map(|v| v.parse().expect("stat -f prints numbers"))
            .collect();
        (n[0] - n[1], n[2] - n[3])
    }

    /// Remount with these limits (bytes, inodes).
    fn limit(&self, size: u64, inodes: u64) {
        let out = Command::new("mount")
            .args([
                "-o",
                &format!("remount,size={size},nr_inodes={inodes}"),
                "gomodoff-test",
            ])
            .arg(self.path())
            .output()
            .expect("run mount -o remount");
        assert_success(&out, &format!("remount size={size} nr_inodes={inodes}"));
    }

    fn roomy(&self) {
        self.limit(ROOMY_SIZE, ROOMY_INODES);
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let umount = |lazy: bool| {
            let mut cmd = Command::new("umount");
            if lazy {
                cmd.arg("-l");
            }
            cmd.arg(self.dir.path())
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !umount(false) && !umount(true) {
            let _ = writeln!(
                std::io::stderr(),
                "warning: could not unmount the test tmpfs at {}",
                self.dir.path().display()
            );
        }
        // The TempDir then removes the (now empty) mount point.
    }
}

/// gomodoff's own transient names, anywhere in the repository.
fn leftovers(root: &Path) -> Vec<String> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            let n = e.file_name().to_string_lossy();
            n == ".gomodoff-txn" || n == ".gomodoff-staging" || n.starts_with(".gomodoff-tmp-")
        })
        .map(|e| e.path().display().to_string())
        .collect()
}

/// Whether this process runs as root (effective uid 0; Linux).
fn is_root() -> bool {
    fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1).map(|e| e == "0"))
            .unwrap_or(false)
    })
}

fn copy_fresh(from: &Path, to: &Path) {
    if to.exists() {
        fs::remove_dir_all(to).unwrap();
    }
    support::copy_dir(from, to);
}

/// `status`'s exit code and output.
fn status(h: &Harness, repo: &Path) -> (Option<i32>, String, String) {
    let out = h.gomodoff(repo, &["status"]);
    (out.status.code(), stdout(&out), stderr(&out))
}

/// One command swept over one repository state.
struct Scenario {
    name: &'static str,
    args: &'static [&'static str],
    /// The state the command starts from (a directory outside the tmpfs).
    template: PathBuf,
    /// The directory (relative to the repository) whose files the command stages and lays out
    /// anew; all of them are written.
    tree: Option<&'static str>,
}

/// What the sweeps compare with: the states and `status` before and after a run with room.
struct Reference {
    before: Snapshot,
    after: Snapshot,
    status_before: (Option<i32>, String, String),
    status_after: (Option<i32>, String, String),
    /// Paths (normalised, see [`normalise`]) the command must have failed on at least once.
    writes: BTreeSet<String>,
}

#[derive(Default)]
struct Tally {
    cases: usize,
    ok: usize,
    no_space: usize,
    /// Normalised paths named by the failures.
    named: BTreeSet<String>,
}

/// A path named by an error, relative to the repository, with the staging directory, the
/// scenario's tree directory and temporary names taken off, so that a staged file and the file
/// it becomes compare equal.
fn normalise(rel: &str, tree: Option<&str>) -> String {
    let mut p = rel.strip_prefix(".gomodoff-staging/").unwrap_or(rel);
    if let Some(t) = tree.and_then(|t| p.strip_prefix(&format!("{t}/"))) {
        p = t;
    }
    // A backup's number depends on the plan's order of files.
    match p.strip_prefix(".gomodoff-txn/file-") {
        Some(n) if n.bytes().all(|b| b.is_ascii_digit()) => ".gomodoff-txn/file-N".into(),
        _ => p.to_string(),
    }
}

/// The first `…` path under `repo` in the message.
fn named_path(err: &str, repo: &Path) -> Option<String> {
    let prefix = format!("`{}/", repo.display());
    let start = err.find(&prefix)? + prefix.len();
    let end = start + err[start..].find('`')?;
    Some(err[start..end].to_string())
}

fn reference(h: &Harness, sc: &Scenario, repo: &Path) -> Reference {
    copy_fresh(&sc.template, repo);
    let before = snapshot(repo);
    let status_before = status(h, repo);
    let out = h.gomodoff(repo, sc.args);
    assert_success(&out, &format!("{}: with room", sc.name));
    let after = snapshot(repo);
    let status_after = status(h, repo);
    // Every file of the tree it lays out, every file it changes at the root, and the journal
    // with its backup of go.mod.
    let mut writes: BTreeSet<String> = after
        .0
        .iter()
        .filter(|(k, v)| {
            let in_tree = sc.tree.is_some_and(|t| k.starts_with(&format!("{t}/")));
            v.starts_with("file") && (in_tree || (!k.contains('/') && before.0.get(*k) != Some(v)))
        })
        .map(|(k, _)| normalise(k, sc.tree))
        .collect();
    writes.insert(".gomodoff-txn/journal.toml".into());
    let backed_up = before
        .0
        .iter()
        .any(|(k, v)| !k.contains('/') && v.starts_with("file") && after.0.get(k) != Some(v));
    if backed_up {
        writes.insert(".gomodoff-txn/file-N".into());
    }
    Reference {
        before,
        after,
        status_before,
        status_after,
        writes,
    }
}

#[derive(Clone, Copy, Debug)]
enum Sweep {
    Blocks,
    Inodes,
}

/// One scenario on one tmpfs.
struct Run<'a> {
    h: &'a Harness,
    fs_: &'a Tmpfs,
    sc: &'a Scenario,
    r: &'a Reference,
    /// The repository, on the tmpfs.
    repo: &'a Path,
}

/// Run the command with `room` pages (or inodes) free beyond what the repository uses, and
/// check the outcome. Returns whether it succeeded.
fn case(run: &Run, sweep: Sweep, room: u64, tally: &mut Tally) -> bool {
    let Run {
        h,
        fs_,
        sc,
        r,
        repo,
    } = *run;
    let what = format!("{}: {sweep:?} +{room}", sc.name);
    copy_fresh(&sc.template, repo);
    assert_eq!(
        snapshot(repo),
        r.before,
        "{what}: the copy is the before state"
    );
    let (blocks, inodes) = fs_.used();
    match sweep {
        Sweep::Blocks => fs_.limit((blocks + room) * 4096, ROOMY_INODES),
        Sweep::Inodes => fs_.limit(ROOMY_SIZE, inodes + room),
    }
    // One extraction thread: the order of writes, and so the write that fails, is the same on
    // every run.
    let out: Output = h.gomodoff_with_env(repo, &[("RAYON_NUM_THREADS", "1")], sc.args);
    fs_.roomy();
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{what}: a panic\n{err}");
    let now = snapshot(repo);
    tally.cases += 1;
    let ok = out.status.success();
    if ok {
        tally.ok += 1;
        assert!(
            now == r.after,
            "{what}: succeeded but the repository is not the after state:\n{}",
            r.after.differences(&now).join("\n")
        );
        assert_eq!(status(h, repo), r.status_after, "{what}: status");
        return true;
    }
    tally.no_space += 1;
    assert_eq!(out.status.code(), Some(2), "{what}: exit code\n{err}");
    assert!(
        err.contains("No space left on device"),
        "{what}: the message says the disk is full\n{err}"
    );
    let named = named_path(&err, repo)
        .unwrap_or_else(|| panic!("{what}: the message names no path in the repository\n{err}"));
    tally.named.insert(normalise(&named, sc.tree));
    assert!(
        leftovers(repo).is_empty(),
        "{what}: leftovers {:?}\n{err}",
        leftovers(repo)
    );
    assert!(
        now == r.before,
        "{what}: failed but the repository is not the before state:\n{}\n{err}",
        r.before.differences(&now).join("\n")
    );
    // With room again: status says what it says of the before state, and the next run succeeds.
    assert_eq!(
        status(h, repo),
        r.status_before,
        "{what}: status after freeing space"
    );
    let out = h.gomodoff(repo, sc.args);
    assert_success(&out, &format!("{what}: the next run, with room"));
    let now = snapshot(repo);
    assert!(
        now == r.after,
        "{what}: the next run did not give the after state:\n{}",
        r.after.differences(&now).join("\n")
    );
    false
}

/// Both sweeps of one scenario; prints the tally and checks that every write was hit.
fn sweep_scenario(h: &Harness, fs_: &Tmpfs, sc: &Scenario) {
    let repo = fs_.path().join("repo");
    let r = reference(h, sc, &repo);
    let run = Run {
        h,
        fs_,
        sc,
        r: &r,
        repo: &repo,
    };
    let mut all = BTreeSet::new();
    for sweep in [Sweep::Blocks, Sweep::Inodes] {
        let mut tally = Tally::default();
        // From no room at all, until two runs in a row succeed.
        let mut room = 0;
        let mut in_a_row = 0;
        while in_a_row < 2 {
            assert!(room < 2000, "{}: {sweep:?}: never succeeded", sc.name);
            if case(&run, sweep, room, &mut tally) {
                in_a_row += 1;
            } else {
                assert_eq!(
                    in_a_row, 0,
                    "{}: {sweep:?}: failed with more room than a run that succeeded",
                    sc.name
                );
            }
            room += 1;
        }
        let _ = writeln!(
            std::io::stderr(),
            "full disk: {}: {sweep:?} sweep: {} cases: {} failed cleanly with ENOSPC \
             (each then repaired by the next run), {} succeeded; {} distinct paths named",
            sc.name,
            tally.cases,
            tally.no_space,
            tally.ok,
            tally.named.len()
        );
        all.extend(tally.named);
    }
    let missed: Vec<&String> = r.writes.difference(&all).collect();
    assert!(
        missed.is_empty(),
        "{}: writes never hit by ENOSPC: {missed:?}\nnamed: {all:?}",
        sc.name
    );
    let _ = writeln!(
        std::io::stderr(),
        "full disk: {}: all {} files it writes ran out of space at least once",
        sc.name,
        r.writes.len()
    );
}

/// A copy of the harness project `basic` (its go.sum written, the module cache filled).
fn basic(h: &Harness) -> PathBuf {
    h.project("basic")
}

/// The after state of `args` on `template`, as a new template outside the tmpfs.
fn after_of(h: &Harness, template: &Path, args: &[&str], name: &str) -> PathBuf {
    let dir = h.fresh_dir(name);
    fs::remove_dir(&dir).unwrap();
    support::copy_dir(template, &dir);
    let out = h.gomodoff(&dir, args);
    assert_success(&out, &format!("{name}: gomodoff {}", args.join(" ")));
    dir
}

#[test]
fn replace_mode_vendor_and_restore_survive_a_full_disk() {
    requires_go!();
    let h = Harness::new();
    let fs_ = requires!(Tmpfs::mount());
    let fresh = basic(&h);
    let vendored = after_of(&h, &fresh, &["vendor", "--yes"], "vendored");
    for sc in [
        Scenario {
            name: "replace mode `vendor --yes`",
            args: &["vendor", "--yes"],
            template: fresh,
            tree: Some("third_party/gomod"),
        },
        Scenario {
            name: "replace mode `restore --yes`",
            args: &["restore", "--yes"],
            template: vendored,
            tree: None,
        },
    ] {
        sweep_scenario(&h, &fs_, &sc);
    }
}

#[test]
fn vendor_mode_vendor_and_restore_survive_a_full_disk() {
    requires_go!();
    let h = Harness::new();
    let fs_ = requires!(Tmpfs::mount());
    // A vendor/ of the user's: go's, with a note and a patch, which gomodoff keeps as a backup.
    let users = basic(&h);
    h.go_ok(&users, &["mod", "vendor"]);
    fs::write(users.join("vendor/NOTES.txt"), "mine\n").unwrap();
    let patched = users.join("vendor/modules.txt");
    let mut bytes = fs::read(&patched).unwrap();
    bytes.extend_from_slice(b"# patched by hand\n");
    fs::write(&patched, bytes).unwrap();
    let args: &[&str] = &["vendor", "--mode", "vendor", "--yes"];
    let vendored = after_of(&h, &users, args, "vendored");
    for sc in [
        Scenario {
            name: "`vendor --mode vendor --yes` over a vendor/ of the user's",
            args: &["vendor", "--mode", "vendor", "--yes"],
            template: users,
            tree: Some("vendor"),
        },
        Scenario {
            name: "vendor mode `restore --yes` (the user's vendor/ back)",
            args: &["restore", "--yes"],
            template: vendored,
            tree: None,
        },
    ] {
        sweep_scenario(&h, &fs_, &sc);
    }
}
