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

use crate::util::env;
use crate::util::fsutil::{self, FsError};

/// Directory of the journal, at the repository root.
pub const JOURNAL_DIR: &str = ".gomodoff-txn";
/// The one staging directory, at the repository root: commands build the trees a plan adds in
/// it, and a journal may name staged directories only inside it.
pub const STAGING_DIR: &str = ".gomodoff-staging";
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
    #[error(
        "refusing the journal `{}` of an interrupted run: {message}; nothing was changed",
        path.display()
    )]
    Journal { path: PathBuf, message: String },
    #[error(
        "`{}` changed while gomodoff was running; nothing was changed",
        .0.display()
    )]
    Changed(PathBuf),
    #[error(
        "{}\nand rolling back failed too: {}\nthe repository is half-changed: the next `gomodoff vendor --yes` or `gomodoff restore --yes` rolls it back (`gomodoff status` says so until then)",
        chain(cause),
        chain(rollback)
    )]
    RollbackFailed {
        cause: Box<PlanError>,
        rollback: Box<PlanError>,
    },
    #[error("injected failure at step `{0}` (GOMODOFF_FAIL_AT)")]
    Injected(String),
}

impl PlanError {
    /// What the user can do, where there is something.
    pub fn hint(&self) -> Option<String> {
        match self {
            PlanError::Fs(e) => e.hint(),
            PlanError::Journal { .. } => Some(format!(
                "gomodoff never writes such a journal: if no gomodoff run of yours was interrupted here (a cloned repository may carry a crafted one), remove `{JOURNAL_DIR}`; otherwise move it away and check the repository by hand"
            )),
            PlanError::Changed(_) => {
                Some("run the command again to plan from the new contents".to_string())
            }
            _ => None,
        }
    }
}

/// A file to write (or delete), paths relative to the repository root. One whose `after` is its
/// `before` is an input of the plan: never written, but compared like the others, so that the
/// plan is refused when it changed since it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: PathBuf,
    pub before: Option<Vec<u8>>,
    /// `None` deletes the file.
    pub after: Option<Vec<u8>>,
    /// Whether the preview shows the whole diff (go.mod, go.sum) or one summary line (the lock).
    pub show_diff: bool,
}

impl FileChange {
    /// A file the plan was made from and does not change (go.mod in vendor mode, go.sum).
    pub fn input(path: impl Into<PathBuf>, bytes: Option<Vec<u8>>) -> FileChange {
        FileChange {
            path: path.into(),
            before: bytes.clone(),
            after: bytes,
            show_diff: false,
        }
    }
}

impl Plan {
    /// Register files the plan was made from ([`FileChange::input`]): compared, never written.
    /// A file the plan already rewrites is compared as such.
    pub fn add_inputs(&mut self, inputs: Vec<(&str, Option<Vec<u8>>)>) {
        for (path, bytes) in inputs {
            if !self.files.iter().any(|f| f.path == Path::new(path)) {
                self.files.push(FileChange::input(path, bytes));
            }
        }
    }
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
        let done = journal.run(self, fault).and_then(|()| journal.commit());
        match done {
            Ok(()) => {
                fault("committed")?;
                journal.finish()
            }
            Err(e) => match journal.rollback() {
                Ok(()) => Err(e),
                // The journal stays for the next run, which rolls back again.
                Err(rollback) => Err(PlanError::RollbackFailed {
                    cause: Box::new(e),
                    rollback: Box::new(rollback),
                }),
            },
        }
    }
}

/// An error with its causes, `a: b: c`, for an error that must carry another whole.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
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
/// when `GOMODOFF_ABORT_AT` names it. A step is named alone (its first time) or as `step#N` (its
/// N-th time in this process); `GOMODOFF_FAULT_TRACE=FILE` appends every `step#N` reached to
/// FILE, so a crash harness can enumerate them. `GOMODOFF_PAUSE_AT` names a step at which to
/// create the file `GOMODOFF_PAUSE_FILE` and wait (at most a minute) until it is removed, so a
/// test can change the repository at a known point. For the fault-injection tests; a no-op
/// otherwise.
pub fn fault_point(step: &str) -> Result<(), PlanError> {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static SEEN: Mutex<Option<HashMap<String, usize>>> = Mutex::new(None);
    let abort = env::var_os("GOMODOFF_ABORT_AT").map(|v| v.to_string_lossy().into_owned());
    let fail = env::var_os("GOMODOFF_FAIL_AT").map(|v| v.to_string_lossy().into_owned());
    let trace = env::var_os("GOMODOFF_FAULT_TRACE");
    let pause = env::var_os("GOMODOFF_PAUSE_AT").map(|v| v.to_string_lossy().into_owned());
    if abort.is_none() && fail.is_none() && trace.is_none() && pause.is_none() {
        return Ok(());
    }
    let n = {
        let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
        let count = seen
            .get_or_insert_with(HashMap::new)
            .entry(step.to_string())
            .or_insert(0);
        *count += 1;
        *count
    };
    let numbered = format!("{step}#{n}");
    let named = |v: &Option<String>| {
        v.as_deref()
            .is_some_and(|v| v == numbered || (v == step && n == 1))
    };
    if let Some(file) = trace {
        use std::io::Write;
        if let Ok(mut f) = fs::OpenOptions::new().create(true).append(true).open(file) {
            let _ = writeln!(f, "{numbered}");
        }
    }
    if named(&pause)
        && let Some(file) = env::var_os("GOMODOFF_PAUSE_FILE")
    {
        let file = PathBuf::from(file);
        let _ = fs::write(&file, &numbered);
        let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while file.exists() && std::time::Instant::now() < until {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
    if named(&abort) {
        std::process::abort();
    }
    if named(&fail) {
        return Err(PlanError::Injected(step.to_string()));
    }
    Ok(())
}

/// Roll back a transaction that an earlier run left behind (or finish cleaning up one that was
/// committed). Returns whether there was one. Every path the journal names is checked first: the
/// journal sits in the working tree, so a cloned repository may carry a crafted one.
pub fn recover(repo: &Path) -> Result<bool, PlanError> {
    let journal_dir = repo.join(JOURNAL_DIR);
    let meta = match fs::symlink_metadata(&journal_dir) {
        Ok(m) => m,
        Err(_) => return Ok(false),
    };
    if !meta.is_dir() {
        return Err(PlanError::Journal {
            path: journal_dir,
            message: "it is not a directory gomodoff made (a symbolic link or a file)".into(),
        });
    }
    let path = journal_dir.join(JOURNAL_FILE);
    let Some(bytes) = fsutil::read_optional(&path)? else {
        // Killed before the journal was complete (nothing in the repository was changed yet),
        // or after the commit point (the journal file is gone; what is left is trash): either
        // way only gomodoff's own directories remain to be removed.
        remove_dir(&journal_dir)?;
        return Ok(true);
    };
    let journal = Journal::parse(repo, &journal_dir, &bytes)?;
    if journal.committed {
        journal.finish()?;
    } else {
        journal.rollback()?;
    }
    Ok(true)
}

/// Read the journal an earlier run left, if any, and check it as [`recover`] would, changing
/// nothing: for a dry run, which must not roll back but should say when a journal is refused.
pub fn check_journal(repo: &Path) -> Result<(), PlanError> {
    let journal_dir = repo.join(JOURNAL_DIR);
    if let Some(bytes) = fsutil::read_optional(&journal_dir.join(JOURNAL_FILE))? {
        let journal = Journal::parse(repo, &journal_dir, &bytes)?;
        journal.check_paths()?;
    }
    Ok(())
}

/// What `status` and `verify` say of a repository with an [`interrupted`] transaction.
pub const INTERRUPTED: &str = "interrupted: an earlier gomodoff run was stopped half-way (`.gomodoff-txn` is there), so what is laid out may be half-changed; `gomodoff vendor --yes` or `gomodoff restore --yes` rolls it back first";

/// Whether a transaction an earlier run left behind is waiting to be rolled back.
pub fn interrupted(repo: &Path) -> bool {
    fs::symlink_metadata(repo.join(JOURNAL_DIR)).is_ok()
}

/// One file the transaction rewrites, as the journal records it.
struct JournalFile {
    /// Relative to the repository.
    path: PathBuf,
    /// `file-N` in the journal directory: the bytes before; `None` when the file was absent.
    backup: Option<String>,
    /// SHA-256 of what the transaction writes (`None`: it deletes the file). Rollback puts the
    /// backup back only over these bytes, so an edit made since (by the user, or one a crafted
    /// journal cannot know) is never overwritten.
    after: Option<String>,
}

/// One staged directory (or file) renamed into place.
struct JournalAdd {
    staged: PathBuf,
    target: PathBuf,
    /// Device and inode of what was staged (a rename keeps them): rollback moves a target back
    /// only when it is this very directory or file, never one someone else put there.
    id: Option<(u64, u64)>,
}

/// The on-disk record of a transaction: `.gomodoff-txn/journal.toml` plus backups (`file-N`)
/// and directories taken away (`trash-N`). The commit point is the removal of `journal.toml`.
struct Journal {
    dir: PathBuf,
    repo: PathBuf,
    /// Only a journal written by an earlier gomodoff version can say so (it rewrote the journal
    /// to commit); such a transaction is finished, not rolled back.
    committed: bool,
    files: Vec<JournalFile>,
    adds: Vec<JournalAdd>,
    /// (dir relative to repo, trash name in the journal dir)
    removes: Vec<(PathBuf, String)>,
    /// The command's staging directory, relative to repo.
    staging: Option<PathBuf>,
}

impl Journal {
    fn create(
        repo: &Path,
        dir: &Path,
        plan: &Plan,
        fault: &dyn Fn(&str) -> Result<(), PlanError>,
    ) -> Result<Journal, PlanError> {
        // The plan is made and its trees are staged; nothing is compared or written yet.
        fault("begin")?;
        fs::create_dir(dir).map_err(|source| PlanError::Io {
            action: "create",
            path: dir.to_path_buf(),
            source,
        })?;
        let mut journal = Journal {
            dir: dir.to_path_buf(),
            repo: repo.to_path_buf(),
            committed: false,
            files: vec![],
            adds: vec![],
            removes: vec![],
            staging: plan.staging.clone(),
        };
        for f in &plan.files {
            // Compare and swap: the plan was made from `before`; under the repository lock,
            // the file must still hold it, or someone else (go get, an editor) changed it.
            let current = fsutil::read_optional(&journal.inside(&f.path)?)?;
            if current != f.before {
                return Err(PlanError::Changed(f.path.clone()));
            }
            if f.before == f.after {
                // An input: never written, nothing to undo.
                continue;
            }
            let backup = match current {
                Some(bytes) => {
                    let name = format!("file-{}", journal.files.len());
                    let backup = dir.join(&name);
                    fsutil::write_atomic(&backup, &bytes)?;
                    // With the file's own mode, so that a rollback can rename it back (which
                    // needs no free space) and leave the file exactly as it was.
                    if let Ok(meta) = fs::metadata(journal.inside(&f.path)?) {
                        fs::set_permissions(&backup, meta.permissions()).map_err(|source| {
                            PlanError::Io {
                                action: "set the mode of",
                                path: backup.clone(),
                                source,
                            }
                        })?;
                    }
                    Some(name)
                }
                None => None,
            };
            journal.files.push(JournalFile {
                path: f.path.clone(),
                backup,
                after: f.after.as_deref().map(fsutil::sha256_hex),
            });
        }
        for a in &plan.tree_adds {
            let staged = journal.inside(&a.staged)?;
            journal.inside(&a.target)?;
            let meta = fs::symlink_metadata(&staged).map_err(|source| PlanError::Io {
                action: "read",
                path: staged.clone(),
                source,
            })?;
            journal.adds.push(JournalAdd {
                staged: a.staged.clone(),
                target: a.target.clone(),
                id: dir_id(&meta),
            });
        }
        for (i, r) in plan.tree_removes.iter().enumerate() {
            journal.inside(r)?;
            journal.removes.push((r.clone(), format!("trash-{i}")));
        }
        fault("journal")?;
        journal.write()?;
        Ok(journal)
    }

    /// Every path of the journal, checked as it is used (no symbolic links on the way now).
    fn check_paths(&self) -> Result<(), PlanError> {
        for f in &self.files {
            self.inside(&f.path)?;
        }
        for a in &self.adds {
            self.inside(&a.staged)?;
            self.inside(&a.target)?;
        }
        for (rel, _) in &self.removes {
            self.inside(rel)?;
        }
        Ok(())
    }

    /// `rel` (a path of this journal) in the repository, refused unless it stays inside it.
    fn inside(&self, rel: &Path) -> Result<PathBuf, PlanError> {
        Ok(fsutil::inside(
            &self.repo,
            rel,
            &self.dir.join(JOURNAL_FILE),
        )?)
    }

    fn run(
        &self,
        plan: &Plan,
        fault: &dyn Fn(&str) -> Result<(), PlanError>,
    ) -> Result<(), PlanError> {
        let mut touched: Vec<PathBuf> = vec![self.dir.clone()];
        for (rel, trash) in &self.removes {
            let from = self.inside(rel)?;
            if fs::symlink_metadata(&from).is_ok() {
                fsutil::make_writable(&from).map_err(|source| PlanError::Io {
                    action: "make writable",
                    path: from.clone(),
                    source,
                })?;
                rename(&from, &self.dir.join(trash))?;
                prune_empty_parents(&self.repo, &from);
                touched.extend(from.parent().map(Path::to_path_buf));
            }
            fault("remove-tree")?;
        }
        for add in &self.adds {
            let to = self.inside(&add.target)?;
            let staged = self.inside(&add.staged)?;
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(|source| PlanError::Io {
                    action: "create",
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            fault("mkdir-tree")?;
            rename(&staged, &to)?;
            touched.extend(to.parent().map(Path::to_path_buf));
            touched.extend(staged.parent().map(Path::to_path_buf));
            fault("rename-tree")?;
        }
        // The renames must reach the disk before the files that point at them, and before
        // the commit point.
        touched.sort();
        touched.dedup();
        // (A parent that held only a tree taken away is gone: nothing to sync there.)
        for d in touched.iter().filter(|d| d.is_dir()) {
            fsutil::sync_dir(d)?;
        }
        fault("synced")?;
        for f in &plan.files {
            let path = self.inside(&f.path)?;
            fault(&format!("write:{}", f.path.display()))?;
            // Compare and swap again, right before the write (inputs too: the plan is only
            // right while they hold what it was made from).
            if fsutil::read_optional(&path)? != f.before {
                return Err(PlanError::Changed(f.path.clone()));
            }
            if f.before == f.after {
                continue;
            }
            match &f.after {
                Some(bytes) => fsutil::write_atomic(&path, bytes)?,
                None => remove_file(&path)?,
            }
        }
        fault("commit")?;
        Ok(())
    }

    /// The commit point: removing the journal file needs no free space and is atomic. After it
    /// only leftovers remain ([`Journal::finish`]).
    fn commit(&self) -> Result<(), PlanError> {
        remove_file(&self.dir.join(JOURNAL_FILE))?;
        Ok(fsutil::sync_dir(&self.dir)?)
    }

    /// Remove what a finished transaction leaves: staging first (the journal directory without
    /// a journal file then still tells the next run there is cleaning up to do), then the
    /// journal directory with its trash and backups.
    fn finish(&self) -> Result<(), PlanError> {
        self.remove_staging()?;
        self.remove_temporary_files()?;
        remove_dir(&self.dir)
    }

    /// Temporary files of atomic writes a killed run left beside the files it rewrites
    /// (`.gomodoff-tmp-*`; never committed, never read).
    fn remove_temporary_files(&self) -> Result<(), PlanError> {
        let mut parents: Vec<PathBuf> = self
            .files
            .iter()
            .filter_map(|f| self.inside(&f.path).ok()?.parent().map(Path::to_path_buf))
            .collect();
        parents.sort();
        parents.dedup();
        for dir in parents {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let ours = e
                    .file_name()
                    .to_str()
                    .is_some_and(|n| n.starts_with(fsutil::TMP_PREFIX));
                if ours && e.file_type().is_ok_and(|t| t.is_file()) {
                    remove_file(&e.path())?;
                }
            }
        }
        Ok(())
    }

    fn remove_staging(&self) -> Result<(), PlanError> {
        match &self.staging {
            Some(s) => remove_dir(&self.inside(s)?),
            None => Ok(()),
        }
    }

    /// Undo every step, in reverse, tolerating steps that never happened. Idempotent: a rollback
    /// killed at any point and run again ends in the same state, because each undo is a rename
    /// back to where the step took it from (never a delete), checked against what the journal
    /// recorded, and the journal file goes only once everything is back.
    fn rollback(&self) -> Result<(), PlanError> {
        self.rollback_with(&fault_point)
    }

    /// [`Journal::rollback`] with the fault hook given (tests stop it at chosen steps).
    fn rollback_with(
        &self,
        fault: &dyn Fn(&str) -> Result<(), PlanError>,
    ) -> Result<(), PlanError> {
        self.check_paths()?;
        for f in &self.files {
            let path = self.inside(&f.path)?;
            let current = fsutil::read_optional(&path)?;
            let backup = f.backup.as_ref().map(|name| self.dir.join(name));
            let before = match &backup {
                Some(b) => match fsutil::read_optional(b)? {
                    Some(bytes) => Some(bytes),
                    // Renamed back by a rollback that was then killed: already done.
                    None => continue,
                },
                None => None,
            };
            let ours = current.as_deref().map(fsutil::sha256_hex) == f.after;
            if current == before || !ours {
                // Never written, already put back, or changed by someone else since: leave it.
                continue;
            }
            match backup {
                // A rename needs no free space: a rollback must work on a full disk too.
                Some(b) => {
                    rename(&b, &path)?;
                    if let Some(parent) = path.parent() {
                        fsutil::sync_dir(parent)?;
                    }
                }
                None => remove_file(&path)?,
            }
            fault("rollback:file")?;
        }
        for add in self.adds.iter().rev() {
            let staged = self.inside(&add.staged)?;
            let target = self.inside(&add.target)?;
            let here = fs::symlink_metadata(&target).ok();
            let renamed = fs::symlink_metadata(&staged).is_err()
                && here.as_ref().is_some_and(|m| dir_id(m) == add.id);
            if renamed {
                if let Some(parent) = staged.parent() {
                    fs::create_dir_all(parent).map_err(|source| PlanError::Io {
                        action: "create",
                        path: parent.to_path_buf(),
                        source,
                    })?;
                }
                rename(&target, &staged)?;
                fault("rollback:add")?;
            }
            if fs::symlink_metadata(&target).is_err() {
                // Parents the forward run created for the tree (also when it was killed
                // between creating them and the rename).
                prune_empty_parents(&self.repo, &target);
            }
        }
        for (rel, trash) in self.removes.iter().rev() {
            let from = self.dir.join(trash);
            if fs::symlink_metadata(&from).is_ok() {
                let to = self.inside(rel)?;
                if let Some(parent) = to.parent() {
                    fs::create_dir_all(parent).map_err(|source| PlanError::Io {
                        action: "create",
                        path: parent.to_path_buf(),
                        source,
                    })?;
                }
                rename(&from, &to)?;
                fault("rollback:remove")?;
            }
        }
        let mut touched: Vec<PathBuf> = vec![self.repo.clone()];
        for f in &self.files {
            touched.extend(self.repo.join(&f.path).parent().map(Path::to_path_buf));
        }
        for (rel, _) in &self.removes {
            touched.extend(self.repo.join(rel).parent().map(Path::to_path_buf));
        }
        touched.sort();
        touched.dedup();
        for d in touched.iter().filter(|d| d.is_dir()) {
            fsutil::sync_dir(d)?;
        }
        // The temporary files of atomic writes killed half-way (the forward run's, or an earlier
        // rollback's) go while the journal still says where they can be: once its file is
        // unlinked, a run killed before `finish` leaves a journal directory that names no file,
        // and the next run would leave them in the repository for good.
        self.remove_temporary_files()?;
        // Everything is back: from here on the journal directory is only leftovers.
        remove_file(&self.dir.join(JOURNAL_FILE))?;
        fault("rollback:unlinked")?;
        self.finish()
    }

    fn write(&self) -> Result<(), PlanError> {
        let mut doc = DocumentMut::new();
        doc["version"] = value(2);
        if let Some(s) = &self.staging {
            doc["staging"] = value(s.to_string_lossy().as_ref());
        }
        let mut files = ArrayOfTables::new();
        for f in &self.files {
            let mut t = Table::new();
            t["path"] = value(f.path.to_string_lossy().as_ref());
            if let Some(b) = &f.backup {
                t["backup"] = value(b);
            }
            t["after"] = value(f.after.as_deref().unwrap_or(ABSENT));
            files.push(t);
        }
        doc["file"] = Item::ArrayOfTables(files);
        let mut adds = ArrayOfTables::new();
        for a in &self.adds {
            let mut t = Table::new();
            t["staged"] = value(a.staged.to_string_lossy().as_ref());
            t["target"] = value(a.target.to_string_lossy().as_ref());
            if let Some((dev, ino)) = a.id {
                t["id"] = value(format!("{dev}:{ino}"));
            }
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

    /// Read a journal, refusing anything gomodoff would not have written: paths that leave the
    /// repository (checked again at use), backup and trash names not of gomodoff's own form,
    /// staged directories outside the staging directory.
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
            .unwrap_or(false);
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
        let path = |t: &Table, key: &str| -> Result<PathBuf, PlanError> {
            let p = PathBuf::from(s(t, key)?);
            fsutil::check_relative(&p)
                .map_err(|why| damaged(&format!("`{key} = {}` {why}", p.display())))?;
            Ok(p)
        };
        let own_name = |name: &str, prefix: &str, count: usize| -> Result<(), PlanError> {
            let ok = name
                .strip_prefix(prefix)
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| n < count && name == format!("{prefix}{n}"));
            if ok {
                Ok(())
            } else {
                Err(damaged(&format!(
                    "`{name}` is not a name gomodoff gives its {prefix}N files"
                )))
            }
        };
        let staging = match doc.get("staging").and_then(Item::as_str) {
            None => None,
            Some(st) if st == STAGING_DIR => Some(PathBuf::from(st)),
            Some(st) => {
                return Err(damaged(&format!(
                    "`staging = {st}` is not gomodoff's staging directory `{STAGING_DIR}`"
                )));
            }
        };
        let mut journal = Journal {
            dir: dir.to_path_buf(),
            repo: repo.to_path_buf(),
            committed,
            files: vec![],
            adds: vec![],
            removes: vec![],
            staging,
        };
        let files = tables("file");
        for t in &files {
            let backup = t.get("backup").and_then(Item::as_str).map(str::to_string);
            if let Some(b) = &backup {
                own_name(b, "file-", files.len())?;
            }
            let after = match t.get("after").and_then(Item::as_str) {
                Some(ABSENT) => None,
                Some(h) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    Some(h.to_string())
                }
                // A journal of an earlier version: without the hash, nothing proves a file is
                // still what the transaction wrote; put the backup back as that version did.
                None => Some(String::new()),
                Some(_) => return Err(damaged("`after` is not a SHA-256")),
            };
            journal.files.push(JournalFile {
                path: path(t, "path")?,
                backup,
                after,
            });
        }
        for t in tables("add") {
            let staged = path(&t, "staged")?;
            if !staged.starts_with(STAGING_DIR) {
                return Err(damaged(&format!(
                    "`staged = {}` is outside gomodoff's staging directory `{STAGING_DIR}`",
                    staged.display()
                )));
            }
            let id = match t.get("id").and_then(Item::as_str) {
                Some(v) => Some(
                    v.split_once(':')
                        .and_then(|(d, i)| Some((d.parse().ok()?, i.parse().ok()?)))
                        .ok_or_else(|| damaged("`id` is not DEVICE:INODE"))?,
                ),
                None => None,
            };
            journal.adds.push(JournalAdd {
                staged,
                target: path(&t, "target")?,
                id,
            });
        }
        let removes = tables("remove");
        for t in &removes {
            let trash = s(t, "trash")?;
            own_name(&trash, "trash-", removes.len())?;
            journal.removes.push((path(t, "path")?, trash));
        }
        Ok(journal)
    }
}

/// The `after` value of a file the transaction deletes.
const ABSENT: &str = "absent";

/// Device and inode of a file or directory, where the platform has them.
fn dir_id(meta: &fs::Metadata) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

fn rename(from: &Path, to: &Path) -> Result<(), PlanError> {
    fs::rename(from, to).map_err(|source| PlanError::Io {
        action: "move",
        path: from.to_path_buf(),
        source,
    })
}

fn remove_file(path: &Path) -> Result<(), PlanError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(PlanError::Io {
            action: "remove",
            path: path.to_path_buf(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// Remove the parents of `path` that are empty, up to (not including) `root`: directories a
/// transaction created for a tree, or that held only a tree it took away. A parent that is
/// already gone is passed over, not a stop: a run killed half-way through this same pruning
/// removed the lower parents and left the upper ones, empty, for the next run to finish.
pub fn prune_empty_parents(root: &Path, path: &Path) {
    let mut cur = path.parent();
    while let Some(p) = cur {
        if p == root || !p.starts_with(root) {
            break;
        }
        match fs::remove_dir(p) {
            Ok(()) => {}
            // Never made: a `create_dir_all` that failed (a full disk) or was killed half-way
            // made only the upper ones, which may still be there, empty. Or already removed by
            // a rollback that was killed while pruning.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(_) => break,
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
        let err = plan.apply(repo.path()).unwrap_err().to_string();
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
            let err = plan.apply_with(repo.path(), &edit).unwrap_err().to_string();
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
        plan.apply(repo.path()).unwrap();
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
}
