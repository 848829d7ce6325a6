//! The repository a command works on: its root (the directory holding go.mod), go.mod, go.sum,
//! gomodoff.toml and gomodoff.lock, read once and with errors that name the file.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use crate::formats::gomod::{GoMod, GoWork};
use crate::formats::gosum::GoSum;
use crate::formats::lock::{Config, LockFile, LockedModule, Mode, WORK_FILE};
use crate::util::fsutil;

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
    /// register with `Plan::add_inputs` (txn) so that an edit made while the command runs refuses it.
    pub fn inputs(&self) -> Vec<(&'static str, Option<Vec<u8>>)> {
        match &self.workspace {
            Some(_) => vec![(WORK_FILE, Some(self.gomod_text.clone().into_bytes()))],
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
            let root = crate::util::fsutil::clean_path(&dir.join(&u.path));
            let gomod_path = root.join("go.mod");
            if !gomod_path.is_file() {
                crate::bail_hint!(
                    hint = "go refuses this workspace too; fix the `use` line (`go work use`)",
                    "{}:{}: `use {}`: there is no go.mod in `{}`",
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
}

/// gomodoff.toml and gomodoff.lock at `root`, each optional.
fn load_state(root: &Path) -> Result<(Config, Option<LockFile>)> {
    let config = Config::load(root).with_context(|| {
        format!(
            "failed to read `{}`",
            root.join(crate::formats::lock::CONFIG_FILE).display()
        )
    })?;
    let lock = LockFile::load(root).with_context(|| {
        format!(
            "failed to read `{}`",
            root.join(crate::formats::lock::LOCK_FILE).display()
        )
    })?;
    Ok((config, lock))
}

impl Repo {
    /// Find the main module: `dir` or the nearest parent holding a go.mod, like the go command.
    pub fn open(dir: &Path) -> Result<Repo> {
        let root = Repo::find_root(dir)?;
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

    /// The directory of the module `dir` is in: the nearest one up from it with a go.mod.
    /// Nothing is read.
    pub fn find_root(dir: &Path) -> Result<PathBuf> {
        let mut cur = Some(dir);
        loop {
            match cur {
                Some(d) if d.join("go.mod").is_file() => return Ok(d.to_path_buf()),
                Some(d) => cur = d.parent(),
                None => crate::bail_hint!(
                    hint = "run gomodoff inside a Go module, or pass -C DIR",
                    "no go.mod in `{}` or any parent directory",
                    dir.display()
                ),
            }
        }
    }

    /// The workspace whose go.work is `work_file`: its directory is the repository (vendor/,
    /// gomodoff.lock, the listing and the backup live there).
    pub fn open_workspace(work_file: &Path) -> Result<Repo> {
        let work_file = if work_file.is_absolute() {
            work_file.to_path_buf()
        } else {
            std::env::current_dir()?.join(work_file)
        };
        let work_file = crate::util::fsutil::clean_path(&work_file);
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

    /// Whether go.mod (each module's of a workspace) requires nothing but modules it replaces with
    /// a directory: then there is nothing to vendor, and `vendor` writes no lock.
    pub(crate) fn self_contained(&self) -> Result<bool> {
        let mods = self.main_gomods()?;
        Ok(mods.iter().all(|g| {
            let replaces = g.replaces();
            g.requires().iter().all(|r| {
                replaces.iter().any(|rep| {
                    rep.new_version.is_none()
                        && rep.old_path == r.path
                        && rep.old_version.as_ref().is_none_or(|v| *v == r.version)
                })
            })
        }))
    }

    /// The main modules' go.mod files: the module's, or each `use`d module's of a workspace.
    pub(crate) fn main_gomods(&self) -> Result<Vec<GoMod>> {
        match &self.workspace {
            Some(ws) => ws.modules.iter().map(|m| m.gomod()).collect(),
            None => Ok(vec![self.gomod()?]),
        }
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
}

pub(crate) fn read_text(path: &Path) -> Result<String> {
    let bytes = fsutil::read(path)?;
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("`{}` is not valid UTF-8", path.display()))
}

/// go.mod as it would be without gomodoff: every replace directive the lock says gomodoff added
/// is dropped, and any user directive it displaced is put back in its place.
pub(crate) fn without_own_replaces(gomod: &mut GoMod, modules: &[LockedModule]) -> Result<()> {
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
pub(crate) fn replace_target(dir: &str, tree: &str) -> String {
    let dir = dir.trim_end_matches('/');
    let joined = format!("{dir}/{tree}");
    if joined.starts_with("./") || joined.starts_with("../") || joined.starts_with('/') {
        joined
    } else {
        format!("./{joined}")
    }
}

/// The go.work the go command uses from `dir`, when it makes the build more than the module
/// there: other `use`d modules, or go.work `replace` directives (a go.work that does not parse
/// counts: go refuses it too). Replace mode, proxy mode, `pack` and `mirror` lay out or bundle
/// one module's build list, not a workspace's.
pub(crate) fn wider_workspace(dir: &Path) -> Option<PathBuf> {
    let work = workspace_file(dir)?;
    let wider = std::fs::read_to_string(&work)
        .ok()
        .and_then(|text| GoWork::parse(&work.to_string_lossy(), &text).ok())
        .is_none_or(|w| w.uses().len() > 1 || !w.replaces().is_empty());
    wider.then_some(work)
}

/// The warning for replace and proxy mode in a [`wider_workspace`].
pub(crate) fn workspace_warning(work: &Path, mode: crate::formats::lock::Mode) -> String {
    let also = match mode {
        crate::formats::lock::Mode::Replace => {
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
pub(crate) fn open_vendored(dir: &Path) -> Result<Repo> {
    let module = Repo::open(dir);
    if let Ok(r) = &module
        && r.lock.as_ref().is_some_and(|l| l.modfile != WORK_FILE)
    {
        return module;
    }
    match vendored_workspace(dir) {
        Some(work) => Repo::open_workspace(&work),
        None => module,
    }
}

/// Refuse a tree directory a command is about to lay modules out in, before any work: first the
/// mode's rules for the name ([`Mode::tree_dir_problem`]: relative, no `..`, not the repository
/// root, outside `vendor/` unless vendor mode), then on disk no symbolic link on the way
/// ([`fsutil::inside`]; a cloned repository may carry `third_party -> /elsewhere`). `named_in` is
/// the file that named the directory (`gomodoff.toml`, `gomodoff.lock`), or `None` when it is
/// the `--dir` flag's or the default.
pub(crate) fn check_tree_dir(
    root: &Path,
    mode: Mode,
    dir: &str,
    named_in: Option<&str>,
) -> Result<()> {
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

/// go.mod as the user wrote it: exactly the text before gomodoff's edit when go.mod is unchanged
/// since, else the current text with gomodoff's own lines taken out.
pub(crate) fn base_gomod_text(repo: &Repo) -> Result<String> {
    let Some(lock) = &repo.lock else {
        return Ok(repo.gomod_text.clone());
    };
    if lock.modfile != "go.mod" {
        return Ok(repo.gomod_text.clone());
    }
    if repo.gomod_text == lock.gomod_after {
        return Ok(lock.gomod_before.clone());
    }
    let mut g = repo.gomod()?;
    without_own_replaces(&mut g, &lock.modules)?;
    Ok(g.to_string())
}

/// The go.work file the go command would use from `dir` (`go env GOWORK`), if any.
pub(crate) fn workspace_file(dir: &Path) -> Option<PathBuf> {
    crate::sources::goenv::GoSettings::read(dir).gowork
}

/// Without running go: the go.work in effect from `dir` (`GOWORK`, else the nearest go.work in
/// `dir` or a parent), when gomodoff vendored that workspace (its directory holds a vendor-mode
/// gomodoff.lock for a go.work). For `verify`, `status` and `restore`.
pub(crate) fn vendored_workspace(dir: &Path) -> Option<PathBuf> {
    let work = match crate::util::env::var("GOWORK") {
        Some(v) if v == "off" => return None,
        Some(v) => PathBuf::from(v),
        None => dir
            .ancestors()
            .map(|d| d.join("go.work"))
            .find(|p| p.is_file())?,
    };
    let root = work.parent()?;
    let lock = crate::formats::lock::LockFile::load(root).ok()??;
    (lock.mode == Mode::Vendor && lock.modfile == WORK_FILE).then_some(work)
}

/// The repositories a command works on: the one it runs in, then `more` (relative to it).
/// Where go builds a wider workspace (see [`wider_workspace`]), the workspace: its build
/// list is what go needs there.
pub(crate) fn open_repos(dir: &Path, more: &[PathBuf]) -> Result<Vec<Repo>> {
    let open = |dir: &Path| -> Result<Repo> {
        match wider_workspace(dir) {
            Some(work) => Repo::open_workspace(&work),
            None => Repo::open(dir),
        }
    };
    let mut repos = vec![open(dir)?];
    for more_dir in more {
        let dir = crate::util::fsutil::absolute(dir, more_dir);
        repos.push(open(&dir).with_context(|| format!("--sync `{}`", dir.display()))?);
    }
    Ok(repos)
}

/// The module paths a repository builds: its module's, or every module of its workspace.
pub(crate) fn module_paths(repo: &Repo) -> Result<Vec<String>> {
    Ok(repo
        .main_gomods()?
        .iter()
        .filter_map(|g| g.module_path().map(str::to_string))
        .collect())
}

/// Whether git could find a repository from `root`: `GIT_DIR` is set, or `root` or a parent
/// has a `.git` entry. When not, there is no need to ask git (a process start each time).
fn git_may_see(root: &Path) -> bool {
    crate::util::env::var("GIT_DIR").is_some()
        || root
            .ancestors()
            .any(|d| std::fs::symlink_metadata(d.join(".git")).is_ok())
}

/// Whether `root` is in a git work tree (false when git is not installed).
pub(crate) fn in_git_work_tree(root: &Path) -> bool {
    git_may_see(root)
        && std::process::Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["rev-parse", "--is-inside-work-tree"])
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .is_ok_and(|o| o.status.success() && o.stdout.starts_with(b"true"))
}

/// Where git ignores `dir` (relative to `root`) when `root` is in a git work tree: the
/// `.gitignore` (or other exclude file) line, as `file:line: pattern`. `None` when it is not
/// ignored, when `root` is not in a git work tree, or when git is not installed.
pub(crate) fn git_ignores(root: &Path, dir: &str) -> Option<String> {
    if !git_may_see(root) {
        return None;
    }
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
    };
    // Exit 0: ignored; 1: not ignored; 128: not in a git work tree (or another error).
    let dir = format!("{}/", dir.trim_end_matches('/'));
    let out = git(&["check-ignore", "-v", "--", &dir])?;
    if !out.status.success() {
        return None;
    }
    // `source:line:pattern<TAB>path`
    let text = String::from_utf8_lossy(&out.stdout);
    let (rule, _) = text.trim_end().split_once('\t')?;
    let (source, rest) = rule.split_once(':')?;
    let (line, pattern) = rest.split_once(':')?;
    Some(format!("{source}:{line}: {pattern}"))
}
