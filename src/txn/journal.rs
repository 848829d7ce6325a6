//! The journal of a transaction (`.gomodoff-txn/journal.toml` at the repository root): written
//! before the first change, it records every step and a backup of every file, so that a
//! failure at any step rolls everything back and a run killed half-way is rolled back by the
//! next one ([`recover`]). Its paths are checked before any is used: the journal sits in the
//! working tree, so a cloned repository may carry a crafted one.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use toml_edit::{DocumentMut, Item, Table, value};

use crate::txn::plan::{JOURNAL_DIR, JOURNAL_FILE, Plan, PlanError, STAGING_DIR, fault_point};
use crate::util::fsutil::{self, Seen};

impl Plan {
    /// Carry the plan out as one transaction rooted at `repo`. On error everything done so far
    /// is undone and the repository is as it was. `bar`, when given, counts the files of the
    /// trees taken away as they are deleted, once the transaction is committed.
    pub(crate) fn apply(
        &self,
        repo: &Path,
        bar: Option<&indicatif::ProgressBar>,
    ) -> Result<(), PlanError> {
        self.apply_with(repo, &fault_point, bar)
    }

    /// [`Plan::apply`] with the fault hook given (tests fail chosen steps through it).
    pub(crate) fn apply_with(
        &self,
        repo: &Path,
        fault: &dyn Fn(&str) -> Result<(), PlanError>,
        bar: Option<&indicatif::ProgressBar>,
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
                journal.remove_trash(bar)?;
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

/// Roll back a transaction that an earlier run left behind (or finish cleaning up one that was
/// committed). Returns whether there was one. Every path the journal names is checked first: the
/// journal sits in the working tree, so a cloned repository may carry a crafted one.
pub(crate) fn recover(repo: &Path) -> Result<bool, PlanError> {
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
pub(crate) fn check_journal(repo: &Path) -> Result<(), PlanError> {
    let journal_dir = repo.join(JOURNAL_DIR);
    if let Some(bytes) = fsutil::read_optional(&journal_dir.join(JOURNAL_FILE))? {
        let journal = Journal::parse(repo, &journal_dir, &bytes)?;
        journal.check_paths()?;
    }
    Ok(())
}

/// What `status` and `verify` say of a repository with an [`interrupted`] transaction.
pub(crate) const INTERRUPTED: &str = "interrupted: an earlier gomodoff run was stopped half-way (`.gomodoff-txn` is there), so what is laid out may be half-changed; `gomodoff vendor --yes` or `gomodoff restore --yes` rolls it back first";

/// Whether a transaction an earlier run left behind is waiting to be rolled back.
pub(crate) fn interrupted(repo: &Path) -> bool {
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
pub(crate) struct Journal {
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
    pub(crate) fn create(
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
        // One look at each component for the pass (thousands of adds share their parents), which
        // creates nothing in the repository.
        let mut seen = Seen::unchanging();
        for a in &plan.tree_adds {
            let staged = journal.inside_seen(&a.staged, &mut seen)?;
            journal.inside_seen(&a.target, &mut seen)?;
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
            journal.inside_seen(r, &mut seen)?;
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
        let mut seen = Seen::unchanging();
        for a in &self.adds {
            self.inside_seen(&a.staged, &mut seen)?;
            self.inside_seen(&a.target, &mut seen)?;
        }
        for (rel, _) in &self.removes {
            self.inside_seen(rel, &mut seen)?;
        }
        Ok(())
    }

    /// `rel` (a path of this journal) in the repository, refused unless it stays inside it.
    fn inside(&self, rel: &Path) -> Result<PathBuf, PlanError> {
        self.inside_seen(rel, &mut Seen::changing())
    }

    /// [`Journal::inside`] for one of many paths checked in one pass
    /// ([`fsutil::inside_seen`]).
    fn inside_seen(&self, rel: &Path, seen: &mut Seen) -> Result<PathBuf, PlanError> {
        Ok(fsutil::inside_seen(
            &self.repo,
            rel,
            &self.dir.join(JOURNAL_FILE),
            seen,
        )?)
    }

    pub(crate) fn run(
        &self,
        plan: &Plan,
        fault: &dyn Fn(&str) -> Result<(), PlanError>,
    ) -> Result<(), PlanError> {
        let mut touched: Vec<PathBuf> = vec![self.dir.clone()];
        let mut seen = Seen::changing();
        for (rel, trash) in &self.removes {
            let from = self.inside_seen(rel, &mut seen)?;
            if fs::symlink_metadata(&from).is_ok() {
                rename_writable(&from, &self.dir.join(trash))?;
                prune_empty_parents(&self.repo, &from);
                touched.extend(from.parent().map(Path::to_path_buf));
            }
            fault("remove-tree")?;
        }
        // Adds only create directories and rename trees into place: a component found to be a
        // directory stays one for the rest of the pass.
        let mut seen = Seen::changing();
        for add in &self.adds {
            let to = self.inside_seen(&add.target, &mut seen)?;
            let staged = self.inside_seen(&add.staged, &mut seen)?;
            create_parent(&to)?;
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
    pub(crate) fn commit(&self) -> Result<(), PlanError> {
        remove_file(&self.dir.join(JOURNAL_FILE))?;
        Ok(fsutil::sync_dir(&self.dir)?)
    }

    /// Remove what a finished transaction leaves: staging first (the journal directory without
    /// a journal file then still tells the next run there is cleaning up to do), then the
    /// journal directory with its trash and backups.
    pub(crate) fn finish(&self) -> Result<(), PlanError> {
        self.remove_staging()?;
        self.remove_temporary_files()?;
        remove_dir(&self.dir)
    }

    /// Delete the trees the transaction took away (its trash), after the commit point, on all
    /// cores: file by file advancing `bar` per file when there is one to show, else each tree at
    /// once. [`Journal::finish`] removes
    /// whatever is left with the journal directory, and a run killed meanwhile leaves the
    /// journal directory without its journal file, which the next run finishes cleaning up.
    fn remove_trash(&self, bar: Option<&indicatif::ProgressBar>) -> Result<(), PlanError> {
        let trash: Vec<PathBuf> = self.removes.iter().map(|(_, t)| self.dir.join(t)).collect();
        if let Some(bar) = bar {
            bar.set_length(trash.iter().map(|t| fsutil::count_files(t)).sum());
        }
        // Trees apart are removed on all cores; the first failure is reported. Without a bar to
        // advance, each tree goes in one `remove_dir_all` (directory-relative, no walk by path).
        trash.par_iter().try_for_each(|t| {
            let remove = || match bar {
                Some(bar) => fsutil::remove_tree_counting(t, &|| bar.inc(1)),
                None => fsutil::remove_dir_all_if_exists(t),
            };
            // A read-only directory inside (a tree copied from a module cache) is made writable
            // when a removal needs it, not walked for beforehand.
            let removed = match remove() {
                Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                    fsutil::make_writable(t).and_then(|()| remove())
                }
                other => other,
            };
            removed.map_err(|source| PlanError::Io {
                action: "remove",
                path: t.clone(),
                source,
            })
        })
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
    pub(crate) fn rollback(&self) -> Result<(), PlanError> {
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
                create_parent(&staged)?;
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
                create_parent(&to)?;
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

    /// Write the journal, a table at a time ([`crate::formats::tomltext`]: one document of the
    /// 20,000 entries of a 5,000-module proxy-mode run was 20 MB).
    fn write(&self) -> Result<(), PlanError> {
        use crate::formats::tomltext::push_array_table;
        let mut doc = DocumentMut::new();
        doc["version"] = value(2);
        if let Some(s) = &self.staging {
            doc["staging"] = value(s.to_string_lossy().as_ref());
        }
        let mut text = doc.to_string();
        for f in &self.files {
            let mut t = Table::new();
            t["path"] = value(f.path.to_string_lossy().as_ref());
            if let Some(b) = &f.backup {
                t["backup"] = value(b);
            }
            t["after"] = value(f.after.as_deref().unwrap_or(ABSENT));
            push_array_table(&mut text, "file", t);
        }
        for a in &self.adds {
            let mut t = Table::new();
            t["staged"] = value(a.staged.to_string_lossy().as_ref());
            t["target"] = value(a.target.to_string_lossy().as_ref());
            if let Some((dev, ino)) = a.id {
                t["id"] = value(format!("{dev}:{ino}"));
            }
            push_array_table(&mut text, "add", t);
        }
        for (path, trash) in &self.removes {
            let mut t = Table::new();
            t["path"] = value(path.to_string_lossy().as_ref());
            t["trash"] = value(trash);
            push_array_table(&mut text, "remove", t);
        }
        fsutil::write_atomic(&self.dir.join(JOURNAL_FILE), text.as_bytes())?;
        Ok(())
    }

    /// Read a journal, refusing anything gomodoff would not have written: paths that leave the
    /// repository (checked again at use), backup and trash names not of gomodoff's own form,
    /// staged directories outside the staging directory.
    fn parse(repo: &Path, dir: &Path, bytes: &[u8]) -> Result<Journal, PlanError> {
        let r = Reader {
            file: dir.join(JOURNAL_FILE),
        };
        let text = std::str::from_utf8(bytes).map_err(|_| r.damaged("not UTF-8"))?;
        let doc: DocumentMut = text
            .parse()
            .map_err(|e: toml_edit::TomlError| r.damaged(e.message()))?;
        let tables = |key: &str| -> Vec<Table> {
            doc.get(key)
                .and_then(Item::as_array_of_tables)
                .map(|a| a.iter().cloned().collect())
                .unwrap_or_default()
        };
        let staging = match doc.get("staging").and_then(Item::as_str) {
            None => None,
            Some(st) if st == STAGING_DIR => Some(PathBuf::from(st)),
            Some(st) => {
                return Err(r.damaged(&format!(
                    "`staging = {st}` is not gomodoff's staging directory `{STAGING_DIR}`"
                )));
            }
        };
        Ok(Journal {
            dir: dir.to_path_buf(),
            repo: repo.to_path_buf(),
            committed: doc
                .get("committed")
                .and_then(Item::as_bool)
                .unwrap_or(false),
            files: r.files(&tables("file"))?,
            adds: r.adds(&tables("add"))?,
            removes: r.removes(&tables("remove"))?,
            staging,
        })
    }
}

/// Reads the entries of a journal; every error names the journal file and what is wrong.
struct Reader {
    file: PathBuf,
}

impl Reader {
    fn damaged(&self, message: &str) -> PlanError {
        PlanError::Journal {
            path: self.file.clone(),
            message: message.to_string(),
        }
    }

    fn string(&self, t: &Table, key: &str) -> Result<String, PlanError> {
        t.get(key)
            .and_then(Item::as_str)
            .map(str::to_string)
            .ok_or_else(|| self.damaged(&format!("an entry lacks `{key}`")))
    }

    /// A path the journal names: relative, no `..`, not into version control.
    fn path(&self, t: &Table, key: &str) -> Result<PathBuf, PlanError> {
        let p = PathBuf::from(self.string(t, key)?);
        fsutil::check_relative(&p)
            .map_err(|why| self.damaged(&format!("`{key} = {}` {why}", p.display())))?;
        Ok(p)
    }

    /// A backup or trash name is one gomodoff gives: `{prefix}N`, N below the entry count.
    fn own_name(&self, name: &str, prefix: &str, count: usize) -> Result<(), PlanError> {
        let ok = name
            .strip_prefix(prefix)
            .and_then(|n| n.parse::<usize>().ok())
            .is_some_and(|n| n < count && name == format!("{prefix}{n}"));
        if ok {
            Ok(())
        } else {
            Err(self.damaged(&format!(
                "`{name}` is not a name gomodoff gives its {prefix}N files"
            )))
        }
    }

    fn files(&self, files: &[Table]) -> Result<Vec<JournalFile>, PlanError> {
        let mut out = Vec::new();
        for t in files {
            let backup = t.get("backup").and_then(Item::as_str).map(str::to_string);
            if let Some(b) = &backup {
                self.own_name(b, "file-", files.len())?;
            }
            let after = match t.get("after").and_then(Item::as_str) {
                Some(ABSENT) => None,
                Some(h) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    Some(h.to_string())
                }
                // A journal of an earlier version: without the hash, nothing proves a file is
                // still what the transaction wrote; put the backup back as that version did.
                None => Some(String::new()),
                Some(_) => return Err(self.damaged("`after` is not a SHA-256")),
            };
            out.push(JournalFile {
                path: self.path(t, "path")?,
                backup,
                after,
            });
        }
        Ok(out)
    }

    fn adds(&self, adds: &[Table]) -> Result<Vec<JournalAdd>, PlanError> {
        let mut out = Vec::new();
        for t in adds {
            let staged = self.path(t, "staged")?;
            if !staged.starts_with(STAGING_DIR) {
                return Err(self.damaged(&format!(
                    "`staged = {}` is outside gomodoff's staging directory `{STAGING_DIR}`",
                    staged.display()
                )));
            }
            let id = match t.get("id").and_then(Item::as_str) {
                Some(v) => Some(
                    v.split_once(':')
                        .and_then(|(d, i)| Some((d.parse().ok()?, i.parse().ok()?)))
                        .ok_or_else(|| self.damaged("`id` is not DEVICE:INODE"))?,
                ),
                None => None,
            };
            out.push(JournalAdd {
                staged,
                target: self.path(t, "target")?,
                id,
            });
        }
        Ok(out)
    }

    fn removes(&self, removes: &[Table]) -> Result<Vec<(PathBuf, String)>, PlanError> {
        let mut out = Vec::new();
        for t in removes {
            let trash = self.string(t, "trash")?;
            self.own_name(&trash, "trash-", removes.len())?;
            out.push((self.path(t, "path")?, trash));
        }
        Ok(out)
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

/// The parent directories of `path`, created where missing.
fn create_parent(path: &Path) -> Result<(), PlanError> {
    match path.parent() {
        Some(parent) => fs::create_dir_all(parent).map_err(|source| PlanError::Io {
            action: "create",
            path: parent.to_path_buf(),
            source,
        }),
        None => Ok(()),
    }
}

/// [`rename`], making the tree `from` writable first only when the move is refused for want of
/// permission (a read-only directory cannot be moved to another parent: its `..` changes).
fn rename_writable(from: &Path, to: &Path) -> Result<(), PlanError> {
    match fs::rename(from, to) {
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            fsutil::make_writable(from).map_err(|source| PlanError::Io {
                action: "make writable",
                path: from.to_path_buf(),
                source,
            })?;
            rename(from, to)
        }
        other => other.map_err(|source| PlanError::Io {
            action: "move",
            path: from.to_path_buf(),
            source,
        }),
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
pub(crate) fn prune_empty_parents(root: &Path, path: &Path) {
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

pub(crate) fn remove_dir(dir: &Path) -> Result<(), PlanError> {
    fsutil::make_writable(dir).ok();
    fsutil::remove_dir_all_if_exists(dir).map_err(|source| PlanError::Io {
        action: "remove",
        path: dir.to_path_buf(),
        source,
    })
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
