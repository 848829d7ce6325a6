//! `gomodoff unpack`: verify a bundle made by `gomodoff pack` and install it, as a GOPROXY tree
//! at any path (`--to DIR`) or into a module cache (`--into-modcache [DIR]`), then print the
//! environment that builds from it with no network.
//!
//! The bundle is untrusted. It is laid out and checked in full in a staging directory next to
//! the target (see [`bundle::unpack`]); only when every entry, zip and hash passed is anything
//! moved into place, so a refused bundle leaves the target as it was. A module cache gets the
//! files the go command keeps in `cache/download` (`.mod`, `.zip`, `.ziphash`, `.info`, `list`);
//! go extracts each zip itself the first time a build needs it.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use crate::bundle::{self, Layout};
use crate::fsutil::RepoLock;
use crate::modcache::ModCache;
use crate::ops::env::shell_quote;
use crate::ops::pack::absolute;
use crate::ops::{Context, Outcome};

#[derive(Debug, Clone, Default)]
pub struct UnpackOptions {
    pub bundle: PathBuf,
    /// Lay the bundle out as a GOPROXY tree here.
    pub to: Option<PathBuf>,
    /// Install into a module cache: `Some(None)` is the one go uses.
    pub into_modcache: Option<Option<PathBuf>>,
}

pub fn unpack(ctx: &mut Context, opts: &UnpackOptions) -> Result<Outcome> {
    let bundle_path = absolute(&ctx.dir, &opts.bundle);
    if !bundle_path.is_file() {
        bail!("no bundle at `{}`", bundle_path.display());
    }
    let (root, layout, cache_root) = match (&opts.to, &opts.into_modcache) {
        (Some(to), None) => (absolute(&ctx.dir, to), Layout::Tree, None),
        (None, Some(dir)) => {
            let cache = match dir {
                Some(d) => absolute(&ctx.dir, d),
                None => match &ctx.modcache {
                    Some(d) => d.clone(),
                    None => ModCache::locate(None)?.root().to_path_buf(),
                },
            };
            (cache.join("cache/download"), Layout::ModCache, Some(cache))
        }
        _ => bail!(
            "say where to install the bundle\nhint: pass --to DIR (a GOPROXY tree) or --into-modcache [DIR] (a module cache)"
        ),
    };
    // Stage on the same file system as the target, in its nearest existing ancestor.
    let anchor = root
        .ancestors()
        .find(|p| p.is_dir())
        .unwrap_or(Path::new("/"))
        .to_path_buf();
    let staging = tempfile::Builder::new()
        .prefix(".gomodoff-unpack-")
        .tempdir_in(&anchor)
        .with_context(|| {
            format!(
                "failed to create a staging directory in `{}`",
                anchor.display()
            )
        })?;
    ctx.shell
        .status("Verifying", &format!("bundle `{}`", bundle_path.display()))?;
    let manifest = bundle::unpack(&bundle_path, staging.path())?;

    fs::create_dir_all(&root).with_context(|| format!("failed to create `{}`", root.display()))?;
    let _lock = RepoLock::acquire(&root)?;
    let empty = fs::read_dir(&root)
        .with_context(|| format!("failed to read `{}`", root.display()))?
        .next()
        .is_none();
    let stats = if layout == Layout::Tree && empty {
        // A new tree: one rename puts the whole verified tree in place.
        fs::remove_dir(&root).with_context(|| format!("failed to replace `{}`", root.display()))?;
        let staged = staging.keep();
        if let Err(e) = fs::rename(&staged, &root) {
            let _ = fs::remove_dir_all(&staged);
            return Err(e)
                .with_context(|| format!("failed to move the tree to `{}`", root.display()));
        }
        bundle::MergeStats {
            written: manifest.expected_files()?.len(),
            ..Default::default()
        }
    } else {
        bundle::merge_tree(staging.path(), &root, &manifest, layout)?
    };

    let mut env: Vec<(&str, String)> = Vec::new();
    match &cache_root {
        Some(cache) => {
            env.push(("GOMODCACHE", cache.display().to_string()));
            env.push(("GOPROXY", "off".into()));
        }
        None => env.push(("GOPROXY", format!("file://{}", root.display()))),
    }
    env.extend([
        ("GOSUMDB", "off".into()),
        ("GOFLAGS", "-mod=readonly".into()),
        ("GOTOOLCHAIN", "local".into()),
    ]);
    // A workspace's bundle holds the workspace's build list: go must build in workspace mode.
    if !manifest.workspace {
        env.push(("GOWORK", "off".into()));
    }
    if ctx.json {
        let v = serde_json::json!({
            "installed": root,
            "layout": if layout == Layout::Tree { "tree" } else { "modcache" },
            "modules": manifest.len(),
            "repos": manifest.repos,
            "written": stats.written,
            "kept": stats.kept,
            "env": env.iter().map(|(k, v)| (k.to_string(), serde_json::Value::from(v.clone()))).collect::<serde_json::Map<_, _>>(),
        });
        writeln!(ctx.shell.out(), "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(Outcome::Ok);
    }
    ctx.shell.status(
        "Unpacked",
        &format!(
            "{} modules into `{}` ({} files written, {} already there)",
            manifest.len(),
            root.display(),
            stats.written,
            stats.kept
        ),
    )?;
    if manifest.workspace {
        ctx.shell.status(
            "Workspace",
            "the bundle holds a workspace's build list: build in the workspace, with its go.work",
        )?;
    }
    ctx.shell
        .status("Env", "build offline with these variables:")?;
    for (k, v) in &env {
        writeln!(ctx.shell.out(), "export {k}={}", shell_quote(v))?;
    }
    Ok(Outcome::Ok)
}
