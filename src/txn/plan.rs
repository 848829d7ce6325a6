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

use crate::util::env;
use crate::util::fsutil::FsError;
use crate::util::shell::style;

/// Directory of the journal, at the repository root.
pub(crate) const JOURNAL_DIR: &str = ".gomodoff-txn";
/// The one staging directory, at the repository root: commands build the trees a plan adds in
/// it, and a journal may name staged directories only inside it.
pub(crate) const STAGING_DIR: &str = ".gomodoff-staging";
pub(crate) const JOURNAL_FILE: &str = "journal.toml";

#[derive(Debug, thiserror::Error)]
pub(crate) enum PlanError {
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
    pub(crate) fn hint(&self) -> Option<String> {
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
pub(crate) struct FileChange {
    pub path: PathBuf,
    pub before: Option<Vec<u8>>,
    /// `None` deletes the file.
    pub after: Option<Vec<u8>>,
    /// Whether the preview shows the whole diff (go.mod, go.sum) or one summary line (the lock).
    pub show_diff: bool,
}

impl FileChange {
    /// A file the plan was made from and does not change (go.mod in vendor mode, go.sum).
    pub(crate) fn input(path: impl Into<PathBuf>, bytes: Option<Vec<u8>>) -> FileChange {
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
    pub(crate) fn add_inputs(&mut self, inputs: Vec<(&str, Option<Vec<u8>>)>) {
        for (path, bytes) in inputs {
            if !self.files.iter().any(|f| f.path == Path::new(path)) {
                self.files.push(FileChange::input(path, bytes));
            }
        }
    }
}

/// A directory staged by the command, to be renamed to `target` (relative to the repository).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TreeAdd {
    pub staged: PathBuf,
    pub target: PathBuf,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    pub files: Vec<FileChange>,
    pub tree_adds: Vec<TreeAdd>,
    /// Directories (relative to the repository) to take away.
    pub tree_removes: Vec<PathBuf>,
    /// The staging directory the command built `tree_adds` in (relative to the repository);
    /// removed when the transaction ends, whichever way.
    pub staging: Option<PathBuf>,
}

impl Plan {
    pub(crate) fn is_empty(&self) -> bool {
        self.tree_adds.is_empty()
            && self.tree_removes.is_empty()
            && self.files.iter().all(|f| f.before == f.after)
    }

    /// The lines each changed file whose diff is shown adds and removes (go.mod).
    pub(crate) fn line_changes(&self) -> Vec<crate::txn::LineChange> {
        self.files
            .iter()
            .filter(|f| f.show_diff && f.before != f.after)
            .map(|f| {
                line_change(
                    &f.path.to_string_lossy(),
                    f.before.as_deref(),
                    f.after.as_deref(),
                )
            })
            .collect()
    }

    /// Unified diffs of every changed file whose diff is shown, coloured when asked.
    pub(crate) fn render_diff(&self, color: bool) -> String {
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

/// The lines a diff of `name` from `before` to `after` adds and removes.
pub(crate) fn line_change(
    name: &str,
    before: Option<&[u8]>,
    after: Option<&[u8]>,
) -> crate::txn::LineChange {
    let old = before.map(String::from_utf8_lossy).unwrap_or_default();
    let new = after.map(String::from_utf8_lossy).unwrap_or_default();
    let diff = TextDiff::from_lines(old.as_ref(), new.as_ref());
    let (mut added, mut removed) = (0, 0);
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => added += 1,
            similar::ChangeTag::Delete => removed += 1,
            similar::ChangeTag::Equal => {}
        }
    }
    crate::txn::LineChange {
        file: name.to_string(),
        added,
        removed,
    }
}

/// A unified diff of one file, `a/NAME` against `b/NAME`.
pub(crate) fn unified_diff(
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
        let style = if line.starts_with("+++") || line.starts_with("---") {
            style::DIFF_FILE
        } else if line.starts_with('+') {
            style::DIFF_ADD
        } else if line.starts_with('-') {
            style::DIFF_REMOVE
        } else if line.starts_with("@@") {
            style::DIFF_HUNK
        } else {
            out.push_str(line);
            continue;
        };
        let (body, nl) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
        out.push_str(&style::paint(style, body, true));
        out.push_str(nl);
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
pub(crate) fn fault_point(step: &str) -> Result<(), PlanError> {
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
            // One write per line: steps reached on several threads (extraction) append to
            // the file at once, and `writeln!` may write a line in pieces.
            let _ = f.write_all(format!("{numbered}\n").as_bytes());
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
