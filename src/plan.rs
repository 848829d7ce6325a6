//! What a command will change, shown before it happens and applied as one transaction.
//!
//! A [`Plan`] lists file rewrites (go.mod, go.sum, gomodoff.lock, …) and tree moves (directories
//! already staged next to their target, and directories to take away). [`Plan::render_diff`]
//! shows the file changes as unified diffs. [`Plan::apply`] carries them out under a journal
//! kept in `.gomodoff-txn/` at the repository root: before the first change the journal records
//! every step and a backup of every file; a failure at any step rolls everything back, and a run
//! killed half-way is rolled back by the next one ([`recover`]).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use similar::TextDiff;
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use crate::fsutil::{self, FsError};

/// Directory of the journal, at the repository root.
pub const JOURNAL_DIR: &str = ".gomodoff-txn";
const JOURNAL_FILE: &str = "journal.toml";

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Fs(#[from] FsError),
    #[error("failed to {action} `{}`", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("the journal `{}` of an interrupted run is damaged: {message}; move it away and check the repository by hand", path.display())]
    Journal { path: PathBuf, message: String },
    #[error("injected failure at step `{0}` (GOMODOFF_FAIL_AT)")]
    Injected(String),
}

/// A file to write (or delete), paths relative to the repository root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: PathBuf,
    pub before: Option<Vec<u8>>,
    /// `None` deletes the file.
    pub after: Option<Vec<u8>>,
    /// Whether the preview shows the whole diff (go.mod, go.sum) or one summary line (the lock).
    pub show_diff: bool,
}

/// A directory staged by the command, to be renamed to `target` (relative to the repository).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeAdd {
    pub staged: PathBuf,
    pub target: PathBuf,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub files: Vec<FileChange>,
    pub tree_adds: Vec<TreeAdd>,
    /// Directories (relative to the repository) to take away.
    pub tree_removes: Vec<PathBuf>,
    /// The staging directory the command built `tree_adds` in (relative to the repository);
    /// removed when the transaction ends, whichever way.
    pub staging: Option<PathBuf>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.tree_adds.is_empty()
            && self.tree_removes.is_empty()
            && self.files.iter().all(|f| f.before == f.after)
    }

    /// Unified diffs of every changed file whose diff is shown, coloured when asked.
    pub fn render_diff(&self, color: bool) -> String {
        let mut out = String::new();
        for f in &self.files {
            if f.before == f.after {
                continue;
            }
            let name = f.path.to_string_lossy();
            if !f.show_diff {
                let verb = match (&f.before, &f.after) {
                    (None, _) => "create",
                    (_, None) => "delete",
                    _ => "update",
                };
                out.push_str(&format!("{verb} {name}\n"));
                continue;
            }
            out.push_str(&unified_diff(
                &name,
                f.before.as_deref(),
                f.after.as_deref(),
                color,
            ));
        }
        out
    }

    /// Carry the plan out as one transaction rooted at `repo`. On error everything done so far
    /// is undone and the repository is as it was.
    pub fn apply(&self, repo: &Path) -> Result<(), PlanError> {
        self.apply_with(repo, &fault_point)
    }

    /// [`Plan::apply`] with the fault hook given (tests fail chosen steps through it).
    fn apply_with(
        &self,
        repo: &Path,
        fault: &dyn Fn(&str) -> Result<(), PlanError>,
    ) -> Result<(), PlanError> {
        let journal_dir = repo.join(JOURNAL_DIR);
        recover(repo)?;
        let journal = match Journal::create(repo, &journal_dir, self, fault) {
            Ok(j) => j,
            Err(e) => {
                // Nothing in the repository was changed yet.
                remove_dir(&journal_dir)?;
                if let Some(s) = &self.staging {
                    remove_dir(&repo.join(s))?;
                }
                return Err(e);
            }
        };
        match journal.run(repo, self, fault) {
            Ok(()) => {
                journal.commit()?;
                Ok(())
            }
            Err(e) => {
                // Roll back; if rolling back fails too, the journal stays for the next run.
                journal.rollback(repo)?;
                Err(e)
            }
        }
    }
}

/// A unified diff of one file, `a/NAME` against `b/NAME`.
pub fn unified_diff(
    name: &str,
    before: Option<&[u8]>,
    after: Option<&[u8]>,
    color: bool,
) -> String {
    let old = before.map(String::from_utf8_lossy).unwrap_or_default();
    let new = after.map(String::from_utf8_lossy).unwrap_or_default();
    let a = if before.is_some() {
        format!("a/{name}")
    } else {
        "/dev/null".into()
    };
    let b = if after.is_some() {
        format!("b/{name}")
    } else {
        "/dev/null".into()
    };
    let diff = TextDiff::from_lines(old.as_ref(), new.as_ref());
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&a, &b)
        .to_string();
    if !color {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let code = if line.starts_with("+++") || line.starts_with("---") {
            "1"
        } else if line.starts_with('+') {
            "32"
        } else if line.starts_with('-') {
            "31"
        } else if line.starts_with("@@") {
            "36"
        } else {
            ""
        };
        if code.is_empty() {
            out.push_str(line);
        } else {
            let (body, nl) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
            out.push_str(&format!("\x1b[{code}m{body}\x1b[0m{nl}"));
        }
    }
    out
}

/// Fail at a named step when `GOMODOFF_FAIL_AT` names it, or abort the process (as a kill would)
/// when `GOMODOFF_ABORT_AT` names it. For the fault-injection tests; a no-op otherwise.
pub fn fault_point(step: &str) -> Result<(), PlanError> {
    if std::env::var_os("GOMODOFF_ABORT_AT").is_some_and(|v| v == step) {
        std::process::abort();
    }
    if std::env::var_os("GOMODOFF_FAIL_AT").is_some_and(|v| v == step) {
        return Err(PlanError::Injected(step.to_string()));
    }
    Ok(())
}

/// Finish or roll back a transaction that an earlier run left behind. Returns whether there was
/// one.
pub fn recover(repo: &Path) -> Result<bool, PlanError> {
    let journal_dir = repo.join(JOURNAL_DIR);
    let path = journal_dir.join(JOURNAL_FILE);
    let Some(bytes) = fsutil::read_optional(&path)? else {
        if journal_dir.exists() {
            // Killed before the journal was complete: nothing was changed yet.
            remove_dir(&journal_dir)?;
            return Ok(true);
        }
        return Ok(false);
    };
    let journal = Journal::parse(repo, &journal_dir, &bytes)?;
    if journal.committed {
        journal.commit()?;
    } else {
        journal.rollback(repo)?;
    }
    Ok(true)
}

/// The on-disk record of a transaction.
struct Journal {
    dir: PathBuf,
    committed: bool,
    /// (file relative to repo, backup file name in the journal dir or None if absent before)
    files: Vec<(PathBuf, Option<String>)>,
    /// (staged dir, target dir) relative to repo
    adds: Vec<(PathBuf, PathBuf)>,
    /// (dir relative to repo, trash name in the journal dir)
    removes: Vec<(PathBuf, String)>,
    /// The command's staging directory, relative to repo.
    staging: Option<PathBuf>,
    repo: PathBuf,
}

impl Journal {
    fn create(
        repo: &Path,
        dir: &Path,
        plan: &Plan,
        fault: &dyn Fn(&str) -> Result<(), PlanError>,
    ) -> Result<Journal, PlanError> {
        fs::create_dir_all(dir).map_err(|source| PlanError::Io {
            action: "create",
            path: dir.to_path_buf(),
            source,
        })?;
        let mut journal = Journal {
            dir: dir.to_path_buf(),
            committed: false,
            files: vec![],
            adds: vec![],
            removes: vec![],
            staging: plan.staging.clone(),
            repo: repo.to_path_buf(),
        };
        for (i, f) in plan.files.iter().enumerate() {
            let current = fsutil::read_optional(&repo.join(&f.path))?;
            let backup = match current {
                Some(bytes) => {
                    let name = format!("file-{i}");
                    fsutil::write_atomic(&dir.join(&name), &bytes)?;
                    Some(name)
                }
                None => None,
            };
            journal.files.push((f.path.clone(), backup));
        }
        for a in &plan.tree_adds {
            journal.adds.push((a.staged.clone(), a.target.clone()));
        }
        for (i, r) in plan.tree_removes.iter().enumerate() {
            journal.removes.push((r.clone(), format!("trash-{i}")));
        }
        fault("journal")?;
        journal.write()?;
        Ok(journal)
    }

    fn run(
        &self,
        repo: &Path,
        plan: &Plan,
        fault: &dyn Fn(&str) -> Result<(), PlanError>,
    ) -> Result<(), PlanError> {
        for (rel, trash) in &self.removes {
            let from = repo.join(rel);
            if from.exists() {
                fsutil::make_writable(&from).map_err(|source| PlanError::Io {
                    action: "make writable",
                    path: from.clone(),
                    source,
                })?;
                rename(&from, &self.dir.join(trash))?;
                prune_empty_parents(repo, &from);
            }
            fault("remove-tree")?;
        }
        for (staged, target) in &self.adds {
            let to = repo.join(target);
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(|source| PlanError::Io {
                    action: "create",
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            rename(&repo.join(staged), &to)?;
            fault("rename-tree")?;
        }
        for f in &plan.files {
            let path = repo.join(&f.path);
            fault(&format!("write:{}", f.path.display()))?;
            match &f.after {
                Some(bytes) => fsutil::write_atomic(&path, bytes)?,
                None => match fs::remove_file(&path) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => {
                        return Err(PlanError::Io {
                            action: "remove",
                            path,
                            source: e,
                        });
                    }
                    _ => {}
                },
            }
        }
        fault("commit")?;
        Ok(())
    }

    /// Mark the transaction done and clean up: trash and journal go.
    fn commit(mut self) -> Result<(), PlanError> {
        if !self.committed {
            self.committed = true;
            self.write()?;
        }
        self.remove_staging()?;
        remove_dir(&self.dir)
    }

    fn remove_staging(&self) -> Result<(), PlanError> {
        match &self.staging {
            Some(s) => remove_dir(&self.repo.join(s)),
            None => Ok(()),
        }
    }

    /// Undo every step, in reverse, tolerating steps that never happened.
    fn rollback(&self, repo: &Path) -> Result<(), PlanError> {
        for (rel, backup) in &self.files {
            let path = repo.join(rel);
            match backup {
                Some(name) => {
                    let bytes = fsutil::read(&self.dir.join(name))?;
                    if fsutil::read_optional(&path)?.as_deref() != Some(&bytes[..]) {
                        fsutil::write_atomic(&path, &bytes)?;
                    }
                }
                None => {
                    if let Err(e) = fs::remove_file(&path)
                        && e.kind() != io::ErrorKind::NotFound
                    {
                        return Err(PlanError::Io {
                            action: "remove",
                            path,
                            source: e,
                        });
                    }
                }
            }
        }
        for (staged, target) in self.adds.iter().rev() {
            let staged = repo.join(staged);
            let target = repo.join(target);
            // The rename happened iff the staged dir is gone and the target is there.
            if !staged.exists() && target.exists() {
                fsutil::remove_dir_all_if_exists(&target).map_err(|source| PlanError::Io {
                    action: "remove",
                    path: target.clone(),
                    source,
                })?;
                prune_empty_parents(repo, &target);
            }
        }
        for (rel, trash) in self.removes.iter().rev() {
            let from = self.dir.join(trash);
            if from.exists() {
                let to = repo.join(rel);
                if let Some(parent) = to.parent() {
                    fs::create_dir_all(parent).map_err(|source| PlanError::Io {
                        action: "create",
                        path: parent.to_path_buf(),
                        source,
                    })?;
                }
                rename(&from, &to)?;
            }
        }
        self.remove_staging()?;
        remove_dir(&self.dir)
    }

    fn write(&self) -> Result<(), PlanError> {
        let mut doc = DocumentMut::new();
        doc["committed"] = value(self.committed);
        if let Some(s) = &self.staging {
            doc["staging"] = value(s.to_string_lossy().as_ref());
        }
        let mut files = ArrayOfTables::new();
        for (path, backup) in &self.files {
            let mut t = Table::new();
            t["path"] = value(path.to_string_lossy().as_ref());
            if let Some(b) = backup {
                t["backup"] = value(b);
            }
            files.push(t);
        }
        doc["file"] = Item::ArrayOfTables(files);
        let mut adds = ArrayOfTables::new();
        for (staged, target) in &self.adds {
            let mut t = Table::new();
            t["staged"] = value(staged.to_string_lossy().as_ref());
            t["target"] = value(target.to_string_lossy().as_ref());
            adds.push(t);
        }
        doc["add"] = Item::ArrayOfTables(adds);
        let mut removes = ArrayOfTables::new();
        for (path, trash) in &self.removes {
            let mut t = Table::new();
            t["path"] = value(path.to_string_lossy().as_ref());
            t["trash"] = value(trash);
            removes.push(t);
        }
        doc["remove"] = Item::ArrayOfTables(removes);
        fsutil::write_atomic(&self.dir.join(JOURNAL_FILE), doc.to_string().as_bytes())?;
        Ok(())
    }

    fn parse(repo: &Path, dir: &Path, bytes: &[u8]) -> Result<Journal, PlanError> {
        let damaged = |message: &str| PlanError::Journal {
            path: dir.join(JOURNAL_FILE),
            message: message.to_string(),
        };
        let text = std::str::from_utf8(bytes).map_err(|_| damaged("not UTF-8"))?;
        let doc: DocumentMut = text
            .parse()
            .map_err(|e: toml_edit::TomlError| damaged(e.message()))?;
        let committed = doc
            .get("committed")
            .and_then(Item::as_bool)
            .ok_or_else(|| damaged("no `committed` key"))?;
        let tables = |key: &str| -> Vec<Table> {
            doc.get(key)
                .and_then(Item::as_array_of_tables)
                .map(|a| a.iter().cloned().collect())
                .unwrap_or_default()
        };
        let s = |t: &Table, key: &str| -> Result<String, PlanError> {
            t.get(key)
                .and_then(Item::as_str)
                .map(str::to_string)
                .ok_or_else(|| damaged(&format!("an entry lacks `{key}`")))
        };
        let mut journal = Journal {
            dir: dir.to_path_buf(),
            committed,
            files: vec![],
            adds: vec![],
            removes: vec![],
            staging: doc.get("staging").and_then(Item::as_str).map(PathBuf::from),
            repo: repo.to_path_buf(),
        };
        for t in tables("file") {
            journal.files.push((
                PathBuf::from(s(&t, "path")?),
                t.get("backup").and_then(Item::as_str).map(str::to_string),
            ));
        }
        for t in tables("add") {
            journal.adds.push((
                PathBuf::from(s(&t, "staged")?),
                PathBuf::from(s(&t, "target")?),
            ));
        }
        for t in tables("remove") {
            journal
                .removes
                .push((PathBuf::from(s(&t, "path")?), s(&t, "trash")?));
        }
        Ok(journal)
    }
}

fn rename(from: &Path, to: &Path) -> Result<(), PlanError> {
    fs::rename(from, to).map_err(|source| PlanError::Io {
        action: "move",
        path: from.to_path_buf(),
        source,
    })
}

/// Remove the parents of `path` that are empty, up to (not including) `root`: directories a
/// transaction created for a tree, or that held only a tree it took away.
pub fn prune_empty_parents(root: &Path, path: &Path) {
    let mut cur = path.parent();
    while let Some(p) = cur {
        if p == root || !p.starts_with(root) || fs::remove_dir(p).is_err() {
            break;
        }
        cur = p.parent();
    }
}

fn remove_dir(dir: &Path) -> Result<(), PlanError> {
    fsutil::make_writable(dir).ok();
    fsutil::remove_dir_all_if_exists(dir).map_err(|source| PlanError::Io {
        action: "remove",
        path: dir.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        fs::create_dir_all(repo.path().join("tp/.staging/a")).unwrap();
        fs::write(repo.path().join("tp/.staging/a/x.go"), "package a").unwrap();
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
                staged: "tp/.staging/a".into(),
                target: "tp/a".into(),
            }],
            tree_removes: vec!["tp/old".into()],
            staging: Some("tp/.staging".into()),
        };
        (repo, plan)
    }

    fn without_staging(mut s: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
        s.retain(|(p, _)| !p.starts_with("tp/.staging"));
        s
    }

    #[test]
    fn apply_moves_trees_and_writes_files() {
        let (repo, plan) = sample();
        plan.apply(repo.path()).unwrap();
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
        assert!(!repo.path().join("tp/.staging").exists());
        assert!(!repo.path().join(JOURNAL_DIR).exists());
    }

    #[test]
    fn a_failure_at_any_step_leaves_the_repository_as_it_was() {
        for step in [
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
            let err = plan.apply_with(repo.path(), &fail).unwrap_err();
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
            &repo.path().join("tp/.staging/a"),
            &repo.path().join("tp/a"),
        )
        .unwrap();
        fsutil::write_atomic(&repo.path().join("go.mod"), b"half").unwrap();
        drop(j);
        assert!(recover(repo.path()).unwrap());
        assert_eq!(snapshot(repo.path()), before);
        assert!(!recover(repo.path()).unwrap(), "nothing left to recover");
    }

    #[test]
    fn a_committed_but_unfinished_transaction_is_finished_by_recover() {
        let (repo, plan) = sample();
        let mut j = Journal::create(repo.path(), &repo.path().join(JOURNAL_DIR), &plan, &|_| {
            Ok(())
        })
        .unwrap();
        j.run(repo.path(), &plan, &|_| Ok(())).unwrap();
        j.committed = true;
        j.write().unwrap();
        drop(j);
        assert!(recover(repo.path()).unwrap());
        assert_eq!(
            fs::read_to_string(repo.path().join("go.mod")).unwrap(),
            "module m\n\nreplace a => ./tp/a\n"
        );
        assert!(!repo.path().join(JOURNAL_DIR).exists());
        assert!(!repo.path().join("tp/.staging").exists());
    }

    #[test]
    fn a_damaged_journal_is_an_error_that_says_what_to_do() {
        let repo = repo_with(&[(".gomodoff-txn/journal.toml", "committed = [")]);
        let err = recover(repo.path()).unwrap_err().to_string();
        assert!(
            err.contains("is damaged") && err.contains("move it away"),
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
}
