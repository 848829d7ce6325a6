//! The repository a command works on: its root (the directory holding go.mod), go.mod, go.sum,
//! gomodoff.toml and gomodoff.lock, read once and with errors that name the file.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use crate::fsutil;
use crate::gomod::GoMod;
use crate::gosum::GoSum;
use crate::lock::{Config, LockFile, LockedModule};

pub struct Repo {
    pub root: PathBuf,
    pub config: Config,
    pub lock: Option<LockFile>,
    /// go.mod text as it is on disk now.
    pub gomod_text: String,
    pub gosum_text: Option<String>,
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
        let config = Config::load(&root).with_context(|| {
            format!(
                "failed to read `{}`",
                root.join(crate::lock::CONFIG_FILE).display()
            )
        })?;
        let lock = LockFile::load(&root).with_context(|| {
            format!(
                "failed to read `{}`",
                root.join(crate::lock::LOCK_FILE).display()
            )
        })?;
        Ok(Repo {
            root,
            config,
            lock,
            gomod_text,
            gosum_text,
        })
    }

    pub fn gomod(&self) -> Result<GoMod> {
        Ok(GoMod::parse("go.mod", &self.gomod_text)?)
    }

    pub fn gosum(&self) -> Result<GoSum> {
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

/// Open the repository for a command that may change it. Unless this is a dry run, the
/// repository lock is taken (held until the returned guard drops) and an interrupted earlier run
/// is repaired first; a dry run changes nothing, so it refuses to plan over a half-applied one.
pub fn open_for_change(
    ctx: &mut crate::ops::Context,
    dry_run: bool,
) -> Result<(Repo, Option<fsutil::RepoLock>)> {
    let root = Repo::open(&ctx.dir)?.root;
    let guard = if dry_run {
        None
    } else {
        Some(fsutil::RepoLock::acquire(&root)?)
    };
    if !dry_run && repair(&root)? {
        ctx.shell
            .warn("an interrupted gomodoff run was found and rolled back")?;
    }
    if dry_run && root.join(crate::plan::JOURNAL_DIR).exists() {
        bail!(
            "an interrupted gomodoff run left `{}`\nhint: run `gomodoff vendor --yes` or `gomodoff restore --yes`; they roll it back first",
            crate::plan::JOURNAL_DIR
        );
    }
    Ok((Repo::open(&root)?, guard))
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
