//! The repository a command works on: its root (the directory holding go.mod), go.mod, go.sum,
//! gomodoff.toml and gomodoff.lock, read once and with errors that name the file.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use crate::fsutil;
use crate::gomod::{GoMod, GoWork};
use crate::gosum::GoSum;
use crate::graph;
use crate::lock::{Config, LockFile, LockedModule, Mode};
use crate::plan::Plan;

pub struct Repo {
    pub root: PathBuf,
    pub config: Config,
    pub lock: Option<LockFile>,
    /// go.mod text as it is on disk now.
    pub gomod_text: String,
    pub gosum_text: Option<String>,
    /// When the repository is a workspace's directory (vendor mode in a workspace): go.work and
    /// its modules. `gomod_text` is then go.work's text and `gosum_text` the union of the
    /// modules' go.sum files and go.work.sum.
    pub workspace: Option<WorkspaceFiles>,
}

/// A workspace's files, read once.
pub struct WorkspaceFiles {
    /// The go.work file (absolute).
    pub work_file: PathBuf,
    pub work: GoWork,
    /// The `use`d modules, in go.work order.
    pub modules: Vec<WorkspaceModuleFiles>,
}

/// One `use`d module of a workspace.
pub struct WorkspaceModuleFiles {
    /// The directory as written in `use`.
    pub dir: String,
    /// The directory, absolute and clean.
    pub root: PathBuf,
    pub gomod_text: String,
}

impl Repo {
    /// The files every plan is made from, as read: go.mod and go.sum (a workspace: go.work), to
    /// register with [`Plan::add_input`] so that an edit made while the command runs refuses it.
    pub fn inputs(&self) -> Vec<(&'static str, Option<Vec<u8>>)> {
        match &self.workspace {
            Some(_) => vec![(
                crate::ops::vendor_mode::WORK_FILE,
                Some(self.gomod_text.clone().into_bytes()),
            )],
            None => vec![
                ("go.mod", Some(self.gomod_text.clone().into_bytes())),
                ("go.sum", self.gosum_text.clone().map(String::into_bytes)),
            ],
        }
    }
}

impl WorkspaceModuleFiles {
    pub fn gomod(&self) -> Result<GoMod> {
        let name = self.root.join("go.mod").display().to_string();
        Ok(GoMod::parse(&name, &self.gomod_text)?)
    }
}

impl WorkspaceFiles {
    /// Reads go.work and the go.mod of every module it uses. Errors name the file (and the
    /// go.work line of a `use` whose directory holds no go.mod).
    pub fn read(work_file: &Path) -> Result<(WorkspaceFiles, String, GoSum)> {
        let work_text = read_text(work_file)?;
        let work = GoWork::parse(&work_file.display().to_string(), &work_text)?;
        let dir = work_file.parent().unwrap_or(Path::new("."));
        let mut modules = Vec::new();
        let mut sums: Vec<(PathBuf, String)> = Vec::new();
        for u in work.uses() {
            let root = graph::clean_path(&dir.join(&u.path));
            let gomod_path = root.join("go.mod");
            if !gomod_path.is_file() {
                bail!(
                    "{}:{}: `use {}`: there is no go.mod in `{}`\nhint: go refuses this workspace too; fix the `use` line (`go work use`)",
                    work_file.display(),
                    u.line,
                    u.path,
                    root.display()
                );
            }
            let gomod_text = read_text(&gomod_path)?;
            if let Some(b) = fsutil::read_optional(&root.join("go.sum"))? {
                sums.push((
                    root.join("go.sum"),
                    String::from_utf8_lossy(&b).into_owned(),
                ));
            }
            modules.push(WorkspaceModuleFiles {
                dir: u.path.clone(),
                root,
                gomod_text,
            });
        }
        if let Some(b) = fsutil::read_optional(&dir.join("go.work.sum"))? {
            sums.push((
                dir.join("go.work.sum"),
                String::from_utf8_lossy(&b).into_owned(),
            ));
        }
        let mut union = GoSum::new("go.sum files of the workspace");
        for (file, text) in &sums {
            let sum = GoSum::parse(file.display().to_string(), text)?;
            for e in sum.entries() {
                union
                    .insert(&e.path, &e.version, e.gomod_only, &e.hash)
                    .with_context(|| {
                        format!(
                            "`{}` disagrees with another go.sum of the workspace about `{} {}{}`",
                            file.display(),
                            e.path,
                            e.version,
                            if e.gomod_only { "/go.mod" } else { "" }
                        )
                    })?;
            }
        }
        Ok((
            WorkspaceFiles {
                work_file: work_file.to_path_buf(),
                work,
                modules,
            },
            work_text,
            union,
        ))
    }

    /// The workspace as the module graph needs it.
    pub fn graph_input(&self) -> Result<graph::Workspace> {
        let dir = self.work_file.parent().unwrap_or(Path::new("."));
        let mut modules = Vec::new();
        for m in &self.modules {
            let gomod = m.gomod()?;
            modules.push(graph::WorkspaceMember {
                dir: PathBuf::from(&m.dir),
                main: crate::ops::vendor::main_module(&gomod)?,
            });
        }
        Ok(graph::Workspace {
            dir: dir.to_path_buf(),
            go_version: self.work.go_version().map(str::to_string),
            replaces: self
                .work
                .replaces()
                .iter()
                .map(|r| graph::ReplaceRule {
                    old_path: r.old_path.clone(),
                    old_version: r.old_version.clone(),
                    target: match &r.new_version {
                        Some(v) => graph::ReplaceTarget::Module(crate::module::ModuleVersion {
                            path: r.new_path.clone(),
                            version: v.clone(),
                        }),
                        None => graph::ReplaceTarget::Dir(PathBuf::from(&r.new_path)),
                    },
                })
                .collect(),
            modules,
        })
    }
}

/// gomodoff.toml and gomodoff.lock at `root`, each optional.
fn load_state(root: &Path) -> Result<(Config, Option<LockFile>)> {
    let config = Config::load(root).with_context(|| {
        format!(
            "failed to read `{}`",
            root.join(crate::lock::CONFIG_FILE).display()
        )
    })?;
    let lock = LockFile::load(root).with_context(|| {
        format!(
            "failed to read `{}`",
            root.join(crate::lock::LOCK_FILE).display()
        )
    })?;
    Ok((config, lock))
}

impl Repo {
    /// Find the main module: `dir` or the nearest parent holding a go.mod, like the go command.
    pub fn open(dir: &Path) -> Result<Repo> {
        let mut cur = Some(dir);
        let root = loop {
            match cur {
                Some(d) if d.join("go.mod").is_file() => break d.to_path_buf(),
                Some(d) => cur = d.parent(),
                None => bail!(
                    "no go.mod in `{}` or any parent directory\nhint: run gomodoff inside a Go module, or pass -C DIR",
                    dir.display()
                ),
            }
        };
        let gomod_text = read_text(&root.join("go.mod"))?;
        let gosum_text = match fsutil::read_optional(&root.join("go.sum"))? {
            Some(b) => Some(String::from_utf8(b).map_err(|_| {
                anyhow::anyhow!("`{}` is not valid UTF-8", root.join("go.sum").display())
            })?),
            None => None,
        };
        let (config, lock) = load_state(&root)?;
        Ok(Repo {
            root,
            config,
            lock,
            gomod_text,
            gosum_text,
            workspace: None,
        })
    }

    /// The workspace whose go.work is `work_file`: its directory is the repository (vendor/,
    /// gomodoff.lock, the listing and the backup live there).
    pub fn open_workspace(work_file: &Path) -> Result<Repo> {
        let work_file = if work_file.is_absolute() {
            work_file.to_path_buf()
        } else {
            std::env::current_dir()?.join(work_file)
        };
        let work_file = graph::clean_path(&work_file);
        let root = work_file
            .parent()
            .map(Path::to_path_buf)
            .ok_or_else(|| anyhow::anyhow!("`{}` has no directory", work_file.display()))?;
        let (files, work_text, union) = WorkspaceFiles::read(&work_file)?;
        let (config, lock) = load_state(&root)?;
        Ok(Repo {
            root,
            config,
            lock,
            gomod_text: work_text,
            gosum_text: Some(union.to_string()),
            workspace: Some(files),
        })
    }

    pub fn gomod(&self) -> Result<GoMod> {
        Ok(GoMod::parse("go.mod", &self.gomod_text)?)
    }

    pub fn gosum(&self) -> Result<GoSum> {
        if self.workspace.is_some() {
            let text = self.gosum_text.as_deref().unwrap_or_default();
            return Ok(GoSum::parse("go.sum files of the workspace", text)?);
        }
        match &self.gosum_text {
            Some(t) => Ok(GoSum::parse("go.sum", t)?),
            None => Ok(GoSum::parse("go.sum", "")?),
        }
    }

    /// The text of the go.mod file gomodoff edits in this repository (go.mod, or the
    /// `-modfile` one named in the lock).
    pub fn edited_modfile_text(&self) -> Result<Option<String>> {
        match &self.lock {
            Some(l) if l.modfile != "go.mod" => {
                let p = self.root.join(&l.modfile);
                Ok(fsutil::read_optional(&p)?.map(|b| String::from_utf8_lossy(&b).into_owned()))
            }
            _ => Ok(Some(self.gomod_text.clone())),
        }
    }
}

pub fn read_text(path: &Path) -> Result<String> {
    let bytes = fsutil::read(path)?;
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("`{}` is not valid UTF-8", path.display()))
}

/// go.mod as it would be without gomodoff: every replace directive the lock says gomodoff added
/// is dropped, and any user directive it displaced is put back in its place.
pub fn without_own_replaces(gomod: &mut GoMod, modules: &[LockedModule]) -> Result<()> {
    for m in modules {
        match &m.displaced {
            Some(d) => gomod.add_replace(
                &m.replace_path,
                m.replace_version.as_deref(),
                &d.path,
                d.version.as_deref(),
            )?,
            None => {
                gomod.drop_replace(&m.replace_path, m.replace_version.as_deref());
            }
        }
    }
    Ok(())
}

/// The `./`-relative, slash-separated replace target for a tree directory.
pub fn replace_target(dir: &str, tree: &str) -> String {
    let dir = dir.trim_end_matches('/');
    let joined = format!("{dir}/{tree}");
    if joined.starts_with("./") || joined.starts_with("../") || joined.starts_with('/') {
        joined
    } else {
        format!("./{joined}")
    }
}

/// Before a command changes the repository (holding the repository lock): roll back or finish
/// a transaction an earlier run left behind, and clear a staging directory a killed run left.
/// Returns whether there was anything to repair.
pub fn repair(root: &Path) -> Result<bool> {
    let mut repaired = crate::plan::recover(root)?;
    let staging = root.join(crate::ops::vendor::STAGING_DIR);
    if staging.exists() {
        fsutil::make_writable(&staging).ok();
        fsutil::remove_dir_all_if_exists(&staging)
            .with_context(|| format!("failed to remove `{}`", staging.display()))?;
        repaired = true;
    }
    Ok(repaired)
}

/// The repository lock at `root` (none for a dry run), after rolling back any interrupted run;
/// a dry run refuses to look past an interrupted one.
fn lock_and_repair(
    ctx: &mut crate::ops::Context,
    root: &Path,
    dry_run: bool,
) -> Result<Option<fsutil::RepoLock>> {
    let guard = if dry_run {
        None
    } else {
        Some(fsutil::RepoLock::acquire(root)?)
    };
    if !dry_run && repair(root)? {
        ctx.shell
            .warn("an interrupted gomodoff run was found and rolled back")?;
    }
    if dry_run && crate::plan::interrupted(root) {
        crate::plan::check_journal(root)?;
        bail!(
            "an interrupted gomodoff run left `{}`\nhint: run `gomodoff vendor --yes` or `gomodoff restore --yes`; they roll it back first",
            crate::plan::JOURNAL_DIR
        );
    }
    Ok(guard)
}

/// Open the repository for a command that may change it. Unless this is a dry run, the
/// repository lock is taken (held until the returned guard drops) and an interrupted earlier run
/// is repaired first; a dry run changes nothing, so it refuses to plan over a half-applied one.
pub fn open_for_change(
    ctx: &mut crate::ops::Context,
    dry_run: bool,
) -> Result<(Repo, Option<fsutil::RepoLock>)> {
    let root = Repo::open(&ctx.dir)?.root;
    let guard = lock_and_repair(ctx, &root, dry_run)?;
    Ok((Repo::open(&root)?, guard))
}

/// The go.work the go command uses from `dir`, when it makes the build more than the module
/// there: other `use`d modules, or go.work `replace` directives (a go.work that does not parse
/// counts: go refuses it too). Replace mode, proxy mode, `pack` and `mirror` lay out or bundle
/// one module's build list, not a workspace's.
pub fn wider_workspace(dir: &Path) -> Option<PathBuf> {
    let work = crate::ops::vendor_mode::workspace_file(dir)?;
    let wider = std::fs::read_to_string(&work)
        .ok()
        .and_then(|text| GoWork::parse(&work.to_string_lossy(), &text).ok())
        .is_none_or(|w| w.uses().len() > 1 || !w.replaces().is_empty());
    wider.then_some(work)
}

/// The warning for replace and proxy mode in a [`wider_workspace`].
pub fn workspace_warning(work: &Path, mode: crate::lock::Mode) -> String {
    let also = match mode {
        crate::lock::Mode::Replace => {
            ", and its replace directives join the other modules' (go refuses two different replacements of one module)"
        }
        _ => "",
    };
    format!(
        "go builds the workspace `{}` here, and {mode} mode lays out this module's build list only{also}: an offline `go build` in the workspace can miss modules the other modules (or go.work's replace directives) need\nhint: build with GOWORK=off, or vendor the whole workspace with `gomodoff vendor --mode vendor` (as `go work vendor` does)",
        work.display()
    )
}

/// The repository `verify`, `status` and `restore` work on from `dir`: the module's, unless
/// gomodoff vendored the workspace `dir` belongs to (and not the module on its own).
pub fn open_vendored(dir: &Path) -> Result<Repo> {
    let module = Repo::open(dir);
    if let Ok(r) = &module
        && r.lock
            .as_ref()
            .is_some_and(|l| l.modfile != crate::ops::vendor_mode::WORK_FILE)
    {
        return module;
    }
    match crate::ops::vendor_mode::vendored_workspace(dir) {
        Some(work) => Repo::open_workspace(&work),
        None => module,
    }
}

/// [`open_vendored`] for a command that may change the repository (see [`open_for_change`]).
pub fn open_vendored_for_change(
    ctx: &mut crate::ops::Context,
    dry_run: bool,
) -> Result<(Repo, Option<fsutil::RepoLock>)> {
    let repo = open_vendored(&ctx.dir)?;
    match &repo.workspace {
        Some(ws) => {
            let work = ws.work_file.clone();
            open_workspace_for_change(ctx, &work, dry_run)
        }
        None => open_for_change(ctx, dry_run),
    }
}

/// [`open_for_change`] for the workspace whose go.work is `work_file`.
pub fn open_workspace_for_change(
    ctx: &mut crate::ops::Context,
    work_file: &Path,
    dry_run: bool,
) -> Result<(Repo, Option<fsutil::RepoLock>)> {
    let root = Repo::open_workspace(work_file)?.root;
    let guard = lock_and_repair(ctx, &root, dry_run)?;
    Ok((Repo::open_workspace(work_file)?, guard))
}

/// After the preview: whether to go on. A dry run stops here; without `--yes` the user is asked
/// on a terminal, and without a terminal the command refuses.
pub fn confirm(
    ctx: &mut crate::ops::Context,
    dry_run: bool,
    yes: bool,
    verb: &str,
) -> Result<bool> {
    if dry_run {
        ctx.shell.status("Dry run", "nothing was changed")?;
        return Ok(false);
    }
    if !yes {
        if !ctx.shell.is_interactive() {
            bail!(
                "not going to {verb}: no terminal to confirm on\nhint: pass --yes to {verb}, or --dry-run to only show the change"
            );
        }
        if !ctx.shell.confirm(&format!("{verb}?"))? {
            ctx.shell.status("Cancelled", "nothing was changed")?;
            return Ok(false);
        }
    }
    Ok(true)
}

/// Refuse a tree directory a command is about to lay modules out in, before any work: first the
/// mode's rules for the name ([`Mode::tree_dir_problem`]: relative, no `..`, not the repository
/// root, outside `vendor/` unless vendor mode), then on disk no symbolic link on the way
/// ([`fsutil::inside`]; a cloned repository may carry `third_party -> /elsewhere`). `named_in` is
/// the file that named the directory (`gomodoff.toml`, `gomodoff.lock`), or `None` when it is
/// the `--dir` flag's or the default.
pub fn check_tree_dir(root: &Path, mode: Mode, dir: &str, named_in: Option<&str>) -> Result<()> {
    let from = match named_in {
        Some(file) => format!(" (from {file})"),
        None => String::new(),
    };
    if let Some(why) = mode.tree_dir_problem(dir) {
        bail!(
            "the tree directory `{dir}`{from} {why}; choose another directory (e.g. {}); nothing was changed",
            mode.default_dir()
        );
    }
    fsutil::inside(root, Path::new(dir), Path::new(named_in.unwrap_or(dir)))
        .with_context(|| format!("refusing to lay out modules in `{dir}`"))?;
    Ok(())
}

/// Refuse `plan` unless every path it deletes, renames or writes is inside the repository now:
/// relative, no `..`, and no existing component a symbolic link ([`fsutil::inside`]). Called when
/// the plan is made, to refuse before any work, and again right before [`Plan::apply`], since
/// the repository may change while modules are staged or the user is asked. `named` maps a
/// directory to the file that named it (the tree directory to `gomodoff.lock`, …), for the
/// refusal's hint; any other path is named by itself.
pub fn check_plan_inside(root: &Path, plan: &Plan, named: &[(&Path, &Path)]) -> Result<()> {
    let paths = plan
        .files
        .iter()
        .map(|f| f.path.as_path())
        .chain(
            plan.tree_adds
                .iter()
                .flat_map(|a| [a.staged.as_path(), a.target.as_path()]),
        )
        .chain(plan.tree_removes.iter().map(PathBuf::as_path))
        .chain(plan.staging.as_deref());
    for p in paths {
        let named_in = named
            .iter()
            .find(|(dir, _)| p.starts_with(dir))
            .map_or(p, |(_, file)| *file);
        fsutil::inside(root, p, named_in)?;
    }
    Ok(())
}
