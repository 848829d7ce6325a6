//! Doing a change safely, for every mode: the plan and its journal ([`plan`]), opening the
//! repository for a change ([`open`]), what a preview ends with ([`summary`]), and [`run`], the one driver every change goes through —
//! preview → confirm → stage → check → apply → report — with a [`Staging`] guard that cleans up
//! by itself. A mode (or `restore`) plans a [`Change`] and hands it to [`run`]; it never repeats
//! these steps.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};

use crate::util::context::{Context, Outcome};
use crate::util::fsutil;
use crate::util::shell::Verbosity;

pub(crate) mod journal;
pub(crate) mod open;
pub(crate) mod plan;
pub(crate) mod summary;

use plan::{Plan, STAGING_DIR};
pub(crate) use summary::{Entry, LineChange, Size, Summary};

/// A change planned by a mode (or by `restore`), ready for [`run`].
pub(crate) trait Change {
    /// The transaction: the files to write or remove, the trees to add and remove.
    fn plan(&self) -> &Plan;

    /// What the change does, for its preview and its `--json` document ([`Outline`]); with
    /// `verbose`, every detail (files named) the mode has.
    fn outline(&self, verbose: bool) -> Result<Outline<'_>>;

    /// Build what the plan adds inside `staging` (the empty staging directory, absolute), once
    /// the user has agreed. The plan may be updated here (a lock that learned something while
    /// staging). Default: nothing to build.
    fn stage(&mut self, _ctx: &mut Context, _staging: &Path) -> Result<()> {
        Ok(())
    }

    /// The directories the plan touches that a repository file named (a tree directory from
    /// gomodoff.toml or gomodoff.lock), each with that file: every path of the plan is checked to
    /// stay inside the repository, with no symbolic link on the way, right before it is applied
    /// (the repository may have changed while the user was asked or the trees were staged).
    fn named_dirs(&self) -> Vec<(PathBuf, PathBuf)> {
        Vec::new()
    }

    /// The status lines once the change is applied.
    fn report(&self, ctx: &mut Context, timing: &Timing) -> Result<()>;
}

/// How a preview is shown: coloured (when stdout is, see `shell::colors`), and
/// whether every module is named (`-v`) or only a few that change.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Style {
    pub color: bool,
    pub verbose: bool,
}

/// What a change does, as its mode describes it: shown as the preview (the diffs, the modules
/// that change, the notes, then the summary block right above the question), and documented by
/// `--json`.
pub(crate) struct Outline<'a> {
    /// What and where, heading the summary block: `5 modules in `third_party/gomod` (…)`.
    pub title: String,
    pub summary: Cow<'a, Summary>,
    /// Files the change writes that the plan does not hold itself (vendor/modules.txt, inside
    /// a staged tree): their diffs come first.
    pub diffs: Vec<FileDiff<'a>>,
    /// Lines between the modules and the summary block: files the user may lose, what
    /// `--report-dropped` lists.
    pub notes: Cow<'a, [u8]>,
    /// The mode's own fields of the JSON document (`mode`, `dir`, …).
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// A file changed from `before` to `after` (`None`: absent).
pub(crate) struct FileDiff<'a> {
    pub name: &'a str,
    pub before: Option<&'a [u8]>,
    pub after: Option<&'a [u8]>,
}

impl<'a> Outline<'a> {
    /// An outline of `summary` headed `title`, with the mode's document `fields` (an object),
    /// no diffs of its own and no notes.
    pub(crate) fn new(
        title: String,
        summary: Cow<'a, Summary>,
        fields: serde_json::Value,
    ) -> Outline<'a> {
        let serde_json::Value::Object(fields) = fields else {
            panic!("a document's fields are an object because the schemas say so, not {fields}")
        };
        Outline {
            title,
            summary,
            diffs: Vec::new(),
            notes: Cow::Borrowed(&[]),
            fields,
        }
    }

    /// The unified diffs of every file shown whole ([`Outline::diffs`], then the plan's),
    /// coloured when asked, and the lines each adds and removes.
    fn diff(&self, plan: &Plan, color: bool) -> (String, Vec<LineChange>) {
        let mut text = String::new();
        let mut lines = Vec::new();
        for d in self.diffs.iter().filter(|d| d.before != d.after) {
            text.push_str(&plan::unified_diff(d.name, d.before, d.after, color));
            lines.push(plan::line_change(d.name, d.before, d.after));
        }
        text.push_str(&plan.render_diff(color));
        lines.extend(plan.line_changes());
        (text, lines)
    }

    /// The preview: diffs, modules, notes, summary block.
    fn write_preview(&self, out: &mut dyn Write, plan: &Plan, style: Style) -> Result<()> {
        let (diff, lines) = self.diff(plan, style.color);
        out.write_all(diff.as_bytes())?;
        self.summary.write_modules(out, style.verbose)?;
        out.write_all(&self.notes)?;
        self.summary.write_block(out, &self.title, &lines)
    }

    /// The `--json` document of the change (`gomodoff/<command>/v1`): how it ended
    /// (`outcome`: `dry_run`, `cancelled`, `applied`), the mode's fields, then the plan — the
    /// modules by tier, the files written and removed with their sizes, the trees, the diffs as
    /// text and the notes.
    fn document(&self, plan: &Plan, outcome: &str) -> serde_json::Value {
        let (diff, lines) = self.diff(plan, false);
        let mut doc = serde_json::Map::new();
        doc.insert("outcome".into(), outcome.into());
        doc.extend(self.fields.clone());
        doc.insert("title".into(), self.title.clone().into());
        doc.extend(self.summary.document());
        doc.extend(plan_document(plan, &lines));
        doc.insert("diff".into(), diff.into());
        let notes = String::from_utf8_lossy(&self.notes);
        doc.insert(
            "notes".into(),
            notes.lines().map(str::to_string).collect::<Vec<_>>().into(),
        );
        serde_json::Value::Object(doc)
    }
}

/// How long the steps of [`run`] took, for `-v` reports.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Timing {
    pub staged: Duration,
    pub applied: Duration,
}

/// What the user said on the command line about going ahead.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ask<'a> {
    pub dry_run: bool,
    pub yes: bool,
    /// The verb of the question and of its refusal: `apply`, `restore`.
    pub verb: &'a str,
}

/// Carry out `change` in the repository at `root`: show the preview, ask (or stop for a dry
/// run: exit 0; or when the user says no: exit 1, [`Outcome::Cancelled`]), stage, check, apply
/// as one transaction, report. A failure before the transaction leaves the repository as it was
/// and removes the staging directory; the transaction itself rolls back (see [`Plan::apply`]).
/// Trees taken away are removed with a progress bar (on a terminal).
pub(crate) fn run(
    ctx: &mut Context,
    root: &Path,
    change: &mut dyn Change,
    ask: Ask,
) -> Result<Outcome> {
    let json = ctx.shell.is_json();
    let style = Style {
        color: ctx.shell.out_color(),
        verbose: ctx.shell.verbosity() == Verbosity::Verbose,
    };
    // The document names every module and file; text shows it only before a question.
    let outline = change.outline(style.verbose || json)?;
    if !json || !(ask.dry_run || ask.yes) {
        outline.write_preview(ctx.shell.preview(), change.plan(), style)?;
    }
    if let Some(stop) = open::confirm(ctx, ask.dry_run, ask.yes, ask.verb)? {
        if json {
            let outcome = if ask.dry_run { "dry_run" } else { "cancelled" };
            let doc = outline.document(change.plan(), outcome);
            ctx.shell.document(doc)?;
        }
        return Ok(stop);
    }
    // The document of the plan as agreed; its files and trees as staged are filled in once
    // applied.
    let document = json.then(|| {
        let lines = outline.diff(change.plan(), false).1;
        (outline.document(change.plan(), "applied"), lines)
    });
    drop(outline);
    let mut timing = Timing::default();
    let staging = Staging::new(root)?;
    let start = Instant::now();
    change.stage(ctx, staging.path())?;
    timing.staged = start.elapsed();
    let named = change.named_dirs();
    let named: Vec<(&Path, &Path)> = named
        .iter()
        .map(|(d, f)| (d.as_path(), f.as_path()))
        .collect();
    open::check_plan_inside(root, change.plan(), &named)?;
    // A plan that names the staging directory owns it from here: its journal names it, and a
    // rollback (or the next run's recovery) may still need what is staged there. Otherwise the
    // guard removes it once the transaction is over.
    if change.plan().staging.is_some() {
        staging.hand_over();
    }
    let start = Instant::now();
    if change.plan().tree_removes.is_empty() {
        change.plan().apply(root, None)?;
    } else {
        let bar = ctx.shell.progress(0, "files removed");
        // A bar nobody sees is not worth a walk of every tree to count and advance it.
        let shown = (!bar.is_hidden()).then_some(&bar);
        let applied = change.plan().apply(root, shown);
        bar.finish_and_clear();
        applied?;
    }
    timing.applied = start.elapsed();
    change.report(ctx, &timing)?;
    if let Some((mut doc, lines)) = document {
        if let serde_json::Value::Object(fields) = &mut doc {
            fields.extend(plan_document(change.plan(), &lines));
        }
        ctx.shell.document(doc)?;
    }
    Ok(Outcome::Ok)
}

/// The files a plan writes and removes, with their sizes and the lines changed of those in
/// `lines`, and the trees it adds and removes: fields of a change's `--json` document.
fn plan_document(plan: &Plan, lines: &[LineChange]) -> serde_json::Map<String, serde_json::Value> {
    let files: Vec<serde_json::Value> = plan
        .files
        .iter()
        .filter(|f| f.before != f.after)
        .map(|f| {
            let name = f.path.to_string_lossy();
            let changed = lines.iter().find(|l| l.file == name);
            serde_json::json!({
                "path": name,
                "action": match (&f.before, &f.after) {
                    (None, _) => "create",
                    (_, None) => "delete",
                    _ => "update",
                },
                "bytes": f.after.as_ref().map(Vec::len),
                "lines_added": changed.map(|l| l.added),
                "lines_removed": changed.map(|l| l.removed),
            })
        })
        .collect();
    let path = |p: &Path| serde_json::Value::from(p.to_string_lossy());
    let mut fields = serde_json::Map::new();
    fields.insert("files".into(), files.into());
    fields.insert(
        "trees".into(),
        serde_json::json!({
            "add": plan.tree_adds.iter().map(|t| path(&t.target)).collect::<Vec<_>>(),
            "remove": plan.tree_removes.iter().map(|t| path(t)).collect::<Vec<_>>(),
        }),
    );
    fields
}

/// A change with nothing to do: said as a status line, and under `--json` as the command's
/// document with the outcome `unchanged` and `message`.
pub(crate) fn nothing_to_do(ctx: &mut Context, message: &str) -> Result<Outcome> {
    ctx.shell.status("Fresh", message)?;
    if ctx.shell.is_json() {
        let doc = serde_json::json!({ "outcome": "unchanged", "message": message });
        ctx.shell.document(doc)?;
    }
    Ok(Outcome::Ok)
}

/// The staging directory of one run ([`STAGING_DIR`] at the repository root, on the same file
/// system as the targets), cleared when made and removed again when dropped — on every early
/// return and error — unless handed over to the transaction.
#[must_use]
pub(crate) struct Staging {
    path: PathBuf,
    armed: bool,
}

impl Staging {
    /// Clear the staging directory a killed run may have left (the repository lock is held).
    pub(crate) fn new(root: &Path) -> Result<Staging> {
        let path = root.join(STAGING_DIR);
        fsutil::remove_dir_all_if_exists(&path)
            .with_context(|| format!("failed to clear `{}`", path.display()))?;
        Ok(Staging { path, armed: true })
    }

    /// The directory (absolute); commands create it as they stage into it.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Keep the directory: the transaction removes it when it is done.
    pub(crate) fn hand_over(mut self) {
        self.armed = false;
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.armed {
            fsutil::make_writable(&self.path).ok();
            let _ = fsutil::remove_dir_all_if_exists(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::fs;
    use std::rc::Rc;

    use super::*;
    use crate::txn::plan::FileChange;
    use crate::util::shell::Shell;

    #[derive(Clone, Default)]
    struct Buf(Rc<RefCell<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    struct WriteFile {
        plan: Plan,
        fail_stage: bool,
    }
    impl Change for WriteFile {
        fn plan(&self) -> &Plan {
            &self.plan
        }
        fn outline(&self, _verbose: bool) -> Result<Outline<'_>> {
            Ok(Outline {
                title: "one file".into(),
                summary: Cow::Owned(Summary::default()),
                diffs: Vec::new(),
                notes: Cow::Borrowed(b"a note\n"),
                fields: serde_json::Map::new(),
            })
        }
        fn stage(&mut self, _ctx: &mut Context, staging: &Path) -> Result<()> {
            fs::create_dir_all(staging.join("tree"))?;
            fs::write(staging.join("tree/x"), "x")?;
            if self.fail_stage {
                anyhow::bail!("staging failed");
            }
            Ok(())
        }
        fn report(&self, ctx: &mut Context, _timing: &Timing) -> Result<()> {
            ctx.shell.status("Done", "report")?;
            Ok(())
        }
    }

    fn context(dir: &Path) -> (Context, Buf, Buf) {
        let (out, err) = (Buf::default(), Buf::default());
        let shell = Shell::from_writers(
            Box::new(out.clone()),
            Box::new(err.clone()),
            Verbosity::Normal,
        );
        let ctx = Context {
            dir: dir.to_path_buf(),
            modcache: None,
            from: None,
            shell,
        };
        (ctx, out, err)
    }

    fn change(fail_stage: bool) -> WriteFile {
        WriteFile {
            plan: Plan {
                files: vec![FileChange {
                    path: "a.txt".into(),
                    before: None,
                    after: Some(b"new\n".to_vec()),
                    show_diff: true,
                }],
                ..Plan::default()
            },
            fail_stage,
        }
    }

    fn text(b: &Buf) -> String {
        String::from_utf8(b.0.borrow().clone()).unwrap()
    }

    #[test]
    fn a_dry_run_previews_and_changes_nothing() {
        let repo = tempfile::tempdir().unwrap();
        let (mut ctx, out, err) = context(repo.path());
        let ask = Ask {
            dry_run: true,
            yes: false,
            verb: "apply",
        };
        run(&mut ctx, repo.path(), &mut change(false), ask).unwrap();
        let preview = text(&out);
        assert!(
            preview.starts_with("--- /dev/null\n+++ b/a.txt\n"),
            "{preview}"
        );
        assert!(preview.contains("a note\nsummary: one file\n"), "{preview}");
        assert!(
            preview.contains("a.txt:"),
            "the lines it changes: {preview}"
        );
        assert!(text(&err).contains("Dry run"), "{}", text(&err));
        assert_eq!(fs::read_dir(repo.path()).unwrap().count(), 0);
    }

    #[test]
    fn under_json_a_dry_run_is_one_document_of_the_plan() {
        let repo = tempfile::tempdir().unwrap();
        let (mut ctx, out, err) = context(repo.path());
        ctx.shell.set_json(true, "test");
        let ask = Ask {
            dry_run: true,
            yes: false,
            verb: "apply",
        };
        run(&mut ctx, repo.path(), &mut change(false), ask).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text(&out)).unwrap();
        assert_eq!(doc["schema"], "gomodoff/test/v1");
        assert_eq!(doc["outcome"], "dry_run");
        assert_eq!(doc["title"], "one file");
        assert_eq!(
            doc["files"],
            serde_json::json!([{"path": "a.txt", "action": "create", "bytes": 4,
                "lines_added": 1, "lines_removed": 0}])
        );
        assert!(doc["diff"].as_str().unwrap().contains("+new\n"), "{doc}");
        assert_eq!(doc["notes"], serde_json::json!(["a note"]));
        // No text preview without a question to ask.
        assert!(!text(&err).contains("a note"), "{}", text(&err));
    }

    #[test]
    fn a_failed_stage_leaves_no_staging_directory_and_no_change() {
        let repo = tempfile::tempdir().unwrap();
        let (mut ctx, _, _) = context(repo.path());
        let ask = Ask {
            dry_run: false,
            yes: true,
            verb: "apply",
        };
        let err = run(&mut ctx, repo.path(), &mut change(true), ask).unwrap_err();
        assert_eq!(err.to_string(), "staging failed");
        assert_eq!(fs::read_dir(repo.path()).unwrap().count(), 0);
    }

    #[test]
    fn an_agreed_change_is_applied_and_reported() {
        let repo = tempfile::tempdir().unwrap();
        let (mut ctx, _, err) = context(repo.path());
        let ask = Ask {
            dry_run: false,
            yes: true,
            verb: "apply",
        };
        run(&mut ctx, repo.path(), &mut change(false), ask).unwrap();
        assert_eq!(fs::read(repo.path().join("a.txt")).unwrap(), b"new\n");
        assert!(!repo.path().join(STAGING_DIR).exists());
        assert!(text(&err).contains("report"), "{}", text(&err));
    }

    #[test]
    fn without_a_terminal_or_yes_it_refuses_with_a_hint() {
        let repo = tempfile::tempdir().unwrap();
        let (mut ctx, _, _) = context(repo.path());
        let ask = Ask {
            dry_run: false,
            yes: false,
            verb: "apply",
        };
        let err = run(&mut ctx, repo.path(), &mut change(false), ask).unwrap_err();
        assert_eq!(
            err.to_string(),
            "not going to apply: no terminal to confirm on"
        );
        let hint = err
            .downcast_ref::<crate::util::hint::Hinted>()
            .unwrap()
            .hint();
        assert!(hint.contains("--yes"), "{hint}");
        assert_eq!(fs::read_dir(repo.path()).unwrap().count(), 0);
    }
}
