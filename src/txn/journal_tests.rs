//! The transaction and its journal: every step failed or killed, rolled back, recovered.

use super::*;
use crate::txn::plan::{FileChange, TreeAdd};

fn repo_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (p, c) in files {
        let path = dir.path().join(p);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, c).unwrap();
    }
    dir
}

fn snapshot(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![];
    for e in walkdir::WalkDir::new(root).sort_by_file_name() {
        let e = e.unwrap();
        let rel = e
            .path()
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .to_string();
        let content = if e.file_type().is_file() {
            fs::read(e.path()).unwrap()
        } else {
            b"<dir>".to_vec()
        };
        out.push((rel, content));
    }
    out
}

/// A repository with go.mod and an old tree, and a plan that stages a new tree, removes the
/// old one and rewrites go.mod and the lock.
fn sample() -> (tempfile::TempDir, Plan) {
    let repo = repo_with(&[("go.mod", "module m\n"), ("tp/old/y.go", "package old")]);
    fs::create_dir_all(repo.path().join(".gomodoff-staging/a")).unwrap();
    fs::write(repo.path().join(".gomodoff-staging/a/x.go"), "package a").unwrap();
    let plan = Plan {
        files: vec![
            FileChange {
                path: "go.mod".into(),
                before: Some(b"module m\n".to_vec()),
                after: Some(b"module m\n\nreplace a => ./tp/a\n".to_vec()),
                show_diff: true,
            },
            FileChange {
                path: "gomodoff.lock".into(),
                before: None,
                after: Some(b"lock".to_vec()),
                show_diff: false,
            },
        ],
        tree_adds: vec![TreeAdd {
            staged: ".gomodoff-staging/a".into(),
            target: "tp/a".into(),
        }],
        tree_removes: vec!["tp/old".into()],
        staging: Some(STAGING_DIR.into()),
    };
    (repo, plan)
}

fn without_staging(mut s: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    s.retain(|(p, _)| !p.starts_with(STAGING_DIR));
    s
}

#[test]
fn a_progress_bar_counts_the_files_of_the_trees_taken_away() {
    let (repo, mut plan) = sample();
    fs::create_dir_all(repo.path().join("tp/old/sub")).unwrap();
    fs::write(repo.path().join("tp/old/sub/z.c"), "int z;").unwrap();
    fs::write(repo.path().join("tp/gone.hashes"), "h").unwrap();
    plan.tree_removes.push("tp/gone.hashes".into());
    let bar = indicatif::ProgressBar::hidden();
    plan.apply(repo.path(), Some(&bar)).unwrap();
    assert_eq!((bar.position(), bar.length()), (3, Some(3)));
    assert!(!repo.path().join("tp/old").exists());
    assert!(!repo.path().join("tp/gone.hashes").exists());
    assert!(!repo.path().join(JOURNAL_DIR).exists());
    assert!(repo.path().join("tp/a/x.go").exists());
}

#[test]
fn apply_moves_trees_and_writes_files() {
    let (repo, plan) = sample();
    plan.apply(repo.path(), None).unwrap();
    assert_eq!(
        fs::read_to_string(repo.path().join("go.mod")).unwrap(),
        "module m\n\nreplace a => ./tp/a\n"
    );
    assert_eq!(
        fs::read_to_string(repo.path().join("gomodoff.lock")).unwrap(),
        "lock"
    );
    assert!(repo.path().join("tp/a/x.go").exists());
    assert!(!repo.path().join("tp/old").exists());
    assert!(!repo.path().join(STAGING_DIR).exists());
    assert!(!repo.path().join(JOURNAL_DIR).exists());
}

#[test]
fn a_failure_at_any_step_leaves_the_repository_as_it_was() {
    for step in [
        "begin",
        "journal",
        "remove-tree",
        "rename-tree",
        "write:go.mod",
        "write:gomodoff.lock",
        "commit",
    ] {
        let (repo, plan) = sample();
        let before = without_staging(snapshot(repo.path()));
        let fail = |s: &str| {
            if s == step {
                Err(PlanError::Injected(s.into()))
            } else {
                Ok(())
            }
        };
        let err = plan.apply_with(repo.path(), &fail, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("injected failure at step `{step}` (GOMODOFF_FAIL_AT)")
        );
        assert_eq!(snapshot(repo.path()), before, "after failing at {step}");
    }
}

#[test]
fn an_interrupted_transaction_is_rolled_back_by_recover() {
    let (repo, plan) = sample();
    let before = without_staging(snapshot(repo.path()));
    let j = Journal::create(repo.path(), &repo.path().join(JOURNAL_DIR), &plan, &|_| {
        Ok(())
    })
    .unwrap();
    // Half the work, then "killed": the journal stays.
    rename(&repo.path().join("tp/old"), &j.dir.join("trash-0")).unwrap();
    rename(
        &repo.path().join(".gomodoff-staging/a"),
        &repo.path().join("tp/a"),
    )
    .unwrap();
    let after = plan.files[0].after.clone().unwrap();
    fsutil::write_atomic(&repo.path().join("go.mod"), &after).unwrap();
    // Killed inside an atomic write: its temporary file is left too.
    fs::write(repo.path().join(".gomodoff-tmp-XyZ123"), "half a lock").unwrap();
    drop(j);
    assert!(interrupted(repo.path()));
    assert!(recover(repo.path()).unwrap());
    assert_eq!(snapshot(repo.path()), before);
    assert!(!recover(repo.path()).unwrap(), "nothing left to recover");
}

/// A run killed inside an atomic write leaves the write's temporary file beside the file; a
/// rollback of that run killed right after it unlinked the journal file leaves a journal
/// directory naming nothing, so the temporary file must be gone before the unlink (the
/// crash harness found it left for good: `.gomodoff-tmp-*` at the repository root).
#[test]
fn a_rollback_killed_after_its_unlink_leaves_no_temporary_file() {
    let (repo, plan) = sample();
    let before = without_staging(snapshot(repo.path()));
    let j = Journal::create(repo.path(), &repo.path().join(JOURNAL_DIR), &plan, &|_| {
        Ok(())
    })
    .unwrap();
    fs::write(repo.path().join(".gomodoff-tmp-AbC123"), "module m\n\nrepl").unwrap();
    let killed = |s: &str| {
        if s == "rollback:unlinked" {
            Err(PlanError::Injected(s.into()))
        } else {
            Ok(())
        }
    };
    assert!(j.rollback_with(&killed).is_err());
    drop(j);
    assert!(interrupted(repo.path()));
    assert!(recover(repo.path()).unwrap());
    assert_eq!(without_staging(snapshot(repo.path())), before);
}

/// A rollback killed while it pruned the parents it created for a tree (the lowest removed,
/// the upper ones not yet) is run again: the pruning passes the missing parents and removes
/// the empty ones above them (the crash harness found `third_party/gomod` left empty).
#[test]
fn a_rollback_killed_while_pruning_parents_leaves_no_empty_directory() {
    let repo = repo_with(&[
        ("go.mod", "module m\n"),
        (".gomodoff-staging/a/x.go", "package a"),
    ]);
    let plan = Plan {
        files: vec![],
        tree_adds: vec![TreeAdd {
            staged: ".gomodoff-staging/a".into(),
            target: "third_party/gomod/example.com/a".into(),
        }],
        tree_removes: vec![],
        staging: Some(STAGING_DIR.into()),
    };
    let before = without_staging(snapshot(repo.path()));
    let dir = repo.path().join(JOURNAL_DIR);
    let j = Journal::create(repo.path(), &dir, &plan, &|_| Ok(())).unwrap();
    let target = repo.path().join("third_party/gomod/example.com/a");
    fs::create_dir_all(target.parent().unwrap()).unwrap();
    rename(&repo.path().join(".gomodoff-staging/a"), &target).unwrap();
    // The rollback moved the tree back, removed `example.com`, and was killed.
    rename(&target, &repo.path().join(".gomodoff-staging/a")).unwrap();
    fs::remove_dir(repo.path().join("third_party/gomod/example.com")).unwrap();
    drop(j);
    assert!(recover(repo.path()).unwrap());
    assert_eq!(without_staging(snapshot(repo.path())), before);
}

/// A transaction that removes a directory and adds one at the same path (vendor mode does
/// this with `vendor/`), killed after every step of the forward run and then again after
/// every step of the rollback, ends with the user's directory back every time.
#[test]
fn a_rollback_killed_at_any_point_and_run_again_loses_nothing() {
    let setup = || {
        let repo = repo_with(&[
            ("go.mod", "module m\n"),
            ("vendor/mine.txt", "the user's own"),
            (".gomodoff-staging/vendor/modules.txt", "# gomodoff's"),
        ]);
        let plan = Plan {
            files: vec![FileChange {
                path: "go.mod".into(),
                before: Some(b"module m\n".to_vec()),
                after: Some(b"module m\n// vendored\n".to_vec()),
                show_diff: true,
            }],
            tree_adds: vec![TreeAdd {
                staged: ".gomodoff-staging/vendor".into(),
                target: "vendor".into(),
            }],
            tree_removes: vec!["vendor".into()],
            staging: Some(STAGING_DIR.into()),
        };
        (repo, plan)
    };
    let repo_path = |r: &tempfile::TempDir, p: &str| r.path().join(p);
    // Forward steps done before the kill, then undo steps done by a rollback killed too.
    for forward in 0..4 {
        for undone in 0..4 {
            let (repo, plan) = setup();
            let before = without_staging(snapshot(repo.path()));
            let dir = repo_path(&repo, JOURNAL_DIR);
            let j = Journal::create(repo.path(), &dir, &plan, &|_| Ok(())).unwrap();
            let staged = repo_path(&repo, ".gomodoff-staging/vendor");
            let vendor = repo_path(&repo, "vendor");
            if forward >= 1 {
                rename(&vendor, &dir.join("trash-0")).unwrap();
            }
            if forward >= 2 {
                rename(&staged, &vendor).unwrap();
            }
            if forward >= 3 {
                fs::write(repo_path(&repo, "go.mod"), "module m\n// vendored\n").unwrap();
            }
            // The rollback's undo steps, in its order, as far as it got.
            if undone >= 1 && forward >= 3 {
                rename(&dir.join("file-0"), &repo_path(&repo, "go.mod")).unwrap();
            }
            if undone >= 2 && forward >= 2 {
                rename(&vendor, &staged).unwrap();
            }
            if undone >= 3 && forward >= 1 {
                rename(&dir.join("trash-0"), &vendor).unwrap();
            }
            drop(j);
            assert!(recover(repo.path()).unwrap());
            assert_eq!(
                snapshot(repo.path()),
                before,
                "forward {forward}, rollback killed after {undone} undo steps"
            );
        }
    }
}

/// A transaction stopped while it created a tree's parents (a full disk, or a kill, part way
/// through `create_dir_all`) made only the upper ones: the rollback removes them too.
#[test]
fn parents_created_half_way_are_removed_by_the_rollback() {
    let repo = repo_with(&[("go.mod", "module m\n")]);
    fs::create_dir_all(repo.path().join(".gomodoff-staging/a")).unwrap();
    let before = without_staging(snapshot(repo.path()));
    let plan = Plan {
        files: vec![],
        tree_adds: vec![TreeAdd {
            staged: ".gomodoff-staging/a".into(),
            target: "tp/gomod/example.com/a".into(),
        }],
        tree_removes: vec![],
        staging: Some(STAGING_DIR.into()),
    };
    let j = Journal::create(repo.path(), &repo.path().join(JOURNAL_DIR), &plan, &|_| {
        Ok(())
    })
    .unwrap();
    // `tp` was made, `tp/gomod` was not.
    fs::create_dir(repo.path().join("tp")).unwrap();
    drop(j);
    assert!(recover(repo.path()).unwrap());
    assert_eq!(snapshot(repo.path()), before);
}

#[test]
fn a_file_changed_since_the_plan_is_not_overwritten() {
    let (repo, plan) = sample();
    fs::write(repo.path().join("go.mod"), "module m\n// my edit\n").unwrap();
    let err = plan.apply(repo.path(), None).unwrap_err().to_string();
    assert!(
        err.starts_with("`go.mod` changed while gomodoff was running"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(repo.path().join("go.mod")).unwrap(),
        "module m\n// my edit\n"
    );
    assert!(repo.path().join("tp/old/y.go").exists());
    assert!(!repo.path().join("tp/a").exists());
    assert!(!repo.path().join(JOURNAL_DIR).exists());
}

/// A file the plan was made from but does not write (go.mod in vendor mode) is compared
/// too: changed before the journal, or after it, the plan is refused and rolled back.
#[test]
fn an_input_changed_since_the_plan_refuses_it_and_is_never_written() {
    for when in ["begin", "journal"] {
        let (repo, mut plan) = sample();
        fs::write(repo.path().join("go.sum"), "sum\n").unwrap();
        plan.files
            .insert(0, FileChange::input("go.sum", Some(b"sum\n".to_vec())));
        let before = without_staging(snapshot(repo.path()));
        let edit = |s: &str| {
            if s == when {
                fs::write(repo.path().join("go.sum"), "sum\nedited\n").unwrap();
            }
            Ok(())
        };
        let err = plan
            .apply_with(repo.path(), &edit, None)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("`go.sum` changed while"), "{when}: {err}");
        let mut want = before.clone();
        for (p, c) in &mut want {
            if p == "go.sum" {
                *c = b"sum\nedited\n".to_vec();
            }
        }
        assert_eq!(snapshot(repo.path()), want, "{when}");
    }
    // Unchanged, it is left alone: not even rewritten with the same bytes.
    let (repo, mut plan) = sample();
    fs::write(repo.path().join("go.sum"), "sum\n").unwrap();
    #[cfg(unix)]
    let ino = |p: &Path| std::os::unix::fs::MetadataExt::ino(&fs::metadata(p).unwrap());
    #[cfg(unix)]
    let was = ino(&repo.path().join("go.sum"));
    plan.files
        .push(FileChange::input("go.sum", Some(b"sum\n".to_vec())));
    plan.apply(repo.path(), None).unwrap();
    #[cfg(unix)]
    assert_eq!(ino(&repo.path().join("go.sum")), was);
}

#[test]
fn rollback_leaves_a_file_edited_after_the_crash() {
    let (repo, plan) = sample();
    let j = Journal::create(repo.path(), &repo.path().join(JOURNAL_DIR), &plan, &|_| {
        Ok(())
    })
    .unwrap();
    drop(j);
    fs::write(repo.path().join("go.mod"), "module m\n// edited later\n").unwrap();
    assert!(recover(repo.path()).unwrap());
    assert_eq!(
        fs::read_to_string(repo.path().join("go.mod")).unwrap(),
        "module m\n// edited later\n"
    );
}

#[test]
fn a_crafted_journal_cannot_reach_outside_the_repository() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("keep"), "precious").unwrap();
    let o = outside.path().display();
    let cases = [
        format!("[[file]]\npath = \"{o}/keep\"\nafter = \"absent\"\n"),
        "[[file]]\npath = \"../keep\"\nafter = \"absent\"\n".to_string(),
        "[[file]]\npath = \".git/hooks/pre-commit\"\nbackup = \"file-0\"\n".to_string(),
        "[[file]]\npath = \"go.mod\"\nbackup = \"../../payload\"\n".to_string(),
        format!("[[add]]\nstaged = \".gomodoff-staging/x\"\ntarget = \"{o}\"\n"),
        "[[add]]\nstaged = \"src\"\ntarget = \"x\"\n".to_string(),
        format!("[[remove]]\npath = \"{o}/new\"\ntrash = \"trash-0\"\n"),
        "[[remove]]\npath = \"x\"\ntrash = \"/etc\"\n".to_string(),
        "staging = \"..\"\n".to_string(),
    ];
    for case in &cases {
        let repo = repo_with(&[
            ("go.mod", "module m\n"),
            (".gomodoff-txn/journal.toml", case),
            (".gomodoff-txn/file-0", "payload"),
            (".gomodoff-txn/trash-0/x", "payload"),
        ]);
        let err = recover(repo.path()).unwrap_err().to_string();
        assert!(err.contains("journal.toml"), "{case}: {err}");
        assert_eq!(
            fs::read_to_string(outside.path().join("keep")).unwrap(),
            "precious"
        );
        assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 1, "{case}");
        assert_eq!(
            fs::read_to_string(repo.path().join("go.mod")).unwrap(),
            "module m\n"
        );
    }
    #[cfg(unix)]
    {
        // A symlinked component.
        let repo = repo_with(&[
            ("go.mod", "module m\n"),
            (
                ".gomodoff-txn/journal.toml",
                "[[file]]\npath = \"link/keep\"\nafter = \"absent\"\n",
            ),
        ]);
        std::os::unix::fs::symlink(outside.path(), repo.path().join("link")).unwrap();
        let err = recover(repo.path()).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert!(outside.path().join("keep").exists());

        // A directory that is not the one gomodoff staged is never taken.
        let repo = repo_with(&[
            (
                ".gomodoff-txn/journal.toml",
                "[[add]]\nstaged = \".gomodoff-staging/s\"\ntarget = \"src\"\nid = \"1:2\"\n",
            ),
            ("src/main.go", "package main"),
        ]);
        assert!(recover(repo.path()).unwrap());
        assert_eq!(
            fs::read_to_string(repo.path().join("src/main.go")).unwrap(),
            "package main"
        );
    }
}

#[test]
fn a_commit_interrupted_after_its_commit_point_is_finished_by_recover() {
    let (repo, plan) = sample();
    let j = Journal::create(repo.path(), &repo.path().join(JOURNAL_DIR), &plan, &|_| {
        Ok(())
    })
    .unwrap();
    j.run(&plan, &|_| Ok(())).unwrap();
    j.commit().unwrap();
    drop(j);
    assert!(interrupted(repo.path()));
    assert!(recover(repo.path()).unwrap());
    assert_eq!(
        fs::read_to_string(repo.path().join("go.mod")).unwrap(),
        "module m\n\nreplace a => ./tp/a\n"
    );
    assert!(!repo.path().join(JOURNAL_DIR).exists());
    assert!(!repo.path().join("tp/old").exists());
}

#[test]
fn a_damaged_journal_is_an_error_that_says_what_to_do() {
    let repo = repo_with(&[(".gomodoff-txn/journal.toml", "committed = [")]);
    let err = recover(repo.path()).unwrap_err();
    let err = format!("{err}\nhint: {}", err.hint().unwrap_or_default());
    assert!(
        err.contains("refusing the journal") && err.contains("move it away"),
        "{err}"
    );
}

#[test]
fn diff_shows_changed_lines_and_lock_as_one_line() {
    let (_repo, plan) = sample();
    let diff = plan.render_diff(false);
    assert_eq!(
        diff,
        "--- a/go.mod\n+++ b/go.mod\n@@ -1 +1,3 @@\n module m\n+\n+replace a => ./tp/a\ncreate gomodoff.lock\n"
    );
    assert!(
        plan.render_diff(true)
            .contains("\x1b[32m+replace a => ./tp/a\x1b[0m\n")
    );
}
