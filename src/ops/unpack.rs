//! `gomodoff unpack`: verify a bundle made by `gomodoff pack` and install it, as a GOPROXY tree
//! at any path (`--to DIR`) or into a module cache (`--into-modcache [DIR]`), then print the
//! environment that builds from it with no network.
//!
//! The bundle is untrusted. It is laid out and checked in full (see [`bundle::unpack`]) in one
//! fixed staging directory beside the target, `<parent>/.<name>.gomodoff-staging` (for
//! `--into-modcache`, `<cache>/cache/.download.gomodoff-staging`), taken under the target's lock
//! (see [`crate::util::staging`]); only when every entry, zip and hash passed is anything moved into
//! place, so a refused bundle leaves the target as it was. A new tree is one rename; into an
//! existing tree or module cache the files are merged in one by one ([`bundle::merge_tree`]). A
//! run killed at any point leaves only the staging directory and complete files; the next run on
//! the same target removes the staging directory (and any `.gomodoff-tmp-*` file in the tree)
//! first, and installs the rest. A module cache gets the files the go command keeps in
//! `cache/download` (`.mod`, `.zip`, `.ziphash`, `.info`, `list`); go extracts each zip itself
//! the first time a build needs it. A verified checksum database part goes there too, as the
//! records and tiles go keeps in `cache/download/sumdb/<name>/`, so `GOSUMDB` stays on.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use crate::formats::goflags;
use crate::ops::{Context, Outcome};
use crate::sources::bundle::{self, BundleError, Layout};
use crate::sources::modcache::ModCache;
use crate::sources::sumdb;
use crate::txn::plan::fault_point;
use crate::util::fsutil::{absolute, read_optional, write_atomic};
use crate::util::shell::shell_quote;
use crate::util::staging::Target;

#[derive(Debug, Clone, Default)]
pub(crate) struct UnpackOptions {
    pub bundle: PathBuf,
    /// Lay the bundle out as a GOPROXY tree here.
    pub to: Option<PathBuf>,
    /// Install into a module cache: `Some(None)` is the one go uses.
    pub into_modcache: Option<Option<PathBuf>>,
}

pub(crate) fn unpack(ctx: &mut Context, opts: &UnpackOptions) -> Result<Outcome> {
    let bundle_path = absolute(&ctx.dir, &opts.bundle);
    if !bundle_path.is_file() {
        bail!("no bundle at `{}`", bundle_path.display());
    }
    let (root, layout, cache_root) = destination(ctx, opts)?;
    // Locked before anything is staged, so that a second run on the same target stops here
    // instead of sharing (or clearing) this run's staging directory.
    let target = Target::take(&root)?;
    report_cleared(ctx, &target)?;
    ctx.shell
        .status("Verifying", &format!("bundle `{}`", bundle_path.display()))?;
    let user = sumdb::user_sumdb(&ctx.dir)?;
    let key = user.database.as_ref().map(|d| &d.key);
    let (manifest, verified) =
        bundle::unpack(&bundle_path, target.staging(), key).map_err(|e| install_error(e, &root))?;
    let extends = match (&user.database, &manifest.sumdb) {
        (Some(db), Some(part)) if verified => {
            sumdb::check_previous_head(&ctx.dir, &db.key, &bundle_path, target.staging(), part)
                .map_err(|e| install_error(e, &root))?
        }
        _ => None,
    };
    let mut manifest = manifest;
    if let (Some(db), Some(part)) = (&user.database, &mut manifest.sumdb)
        && verified
        && extends.is_none()
    {
        add_trusted_head_tiles(ctx, &db.key, target.staging(), part)?;
    }
    fault_point("unpack:staged")?;

    let stats = install(&target, &root, &manifest, layout)?;
    // A module cache: the verified part goes where go keeps what it verified, so that go checks
    // modules against it offline with GOSUMDB on.
    let in_cache = match (&manifest.sumdb, layout) {
        (Some(part), Layout::ModCache) if verified && extends.is_none() => {
            Some(install_sumdb_in_cache(target.staging(), &root, part)?)
        }
        _ => None,
    };
    target.finish()?;

    let (gosumdb, sumdb_doc) = sumdb_setting(ctx, &manifest, &user, verified, in_cache, extends)?;
    let goflags = merged_goflags(ctx)?;
    // A carried toolchain is only used if go may switch to it (from the tree, never the network).
    let toolchain = layout == Layout::Tree
        && manifest
            .modules()
            .iter()
            .any(|m| m.path == "golang.org/toolchain");
    let env = offline_env(
        &root,
        cache_root.as_deref(),
        manifest.workspace,
        goflags,
        gosumdb,
        toolchain,
    );
    if ctx.shell.is_json() {
        let env: Vec<(String, String)> = env.into_iter().map(|(k, v)| (k.into(), v)).collect();
        ctx.shell.document(serde_json::json!({
            "installed": root,
            "layout": if layout == Layout::Tree { "tree" } else { "modcache" },
            "modules": manifest.len(),
            "repos": manifest.repos,
            "workspace": manifest.workspace,
            "written": stats.written,
            "kept": stats.kept,
            "sumdb": sumdb_doc,
            "env": crate::ops::env_document(&env),
        }))?;
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

/// Where the bundle goes: the tree of `--to`, or the `cache/download` of the module cache of
/// `--into-modcache` (its directory, `--modcache`, else the one go uses); and that cache.
fn destination(ctx: &Context, opts: &UnpackOptions) -> Result<(PathBuf, Layout, Option<PathBuf>)> {
    Ok(match (&opts.to, &opts.into_modcache) {
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
        _ => crate::bail_hint!(
            hint = "pass --to DIR (a GOPROXY tree) or --into-modcache [DIR] (a module cache)",
            "say where to install the bundle"
        ),
    })
}

/// Put the verified staging tree in place: one rename for a new tree, else a merge that keeps
/// what is there and checks it against the manifest.
fn install(
    target: &Target,
    root: &Path,
    manifest: &bundle::Manifest,
    layout: Layout,
) -> Result<bundle::MergeStats> {
    let real = target.real();
    let new_tree = layout == Layout::Tree
        && match fs::read_dir(real) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => true,
            Err(e) => {
                return Err(e).with_context(|| format!("failed to read `{}`", root.display()));
            }
            // An empty directory (a mount point, say) that cannot be removed is merged into.
            Ok(mut entries) => entries.next().is_none() && fs::remove_dir(real).is_ok(),
        };
    Ok(if new_tree {
        // A new tree: one rename puts the whole verified tree in place.
        fs::rename(target.staging(), real)
            .with_context(|| format!("failed to move the tree to `{}`", root.display()))?;
        bundle::MergeStats {
            written: manifest.expected_files()?.len(),
            ..Default::default()
        }
    } else {
        fs::create_dir_all(real)
            .with_context(|| format!("failed to create `{}`", root.display()))?;
        let hook = |step: &str| fault_point(&format!("unpack:{step}")).map_err(Into::into);
        bundle::merge_tree(target.staging(), real, manifest, layout, false, &hook)
            .map_err(|e| install_error(e, root))?
    })
}

/// The variables for an offline build from what was installed (a GOPROXY tree, or a module
/// cache with the network off).
fn offline_env(
    root: &Path,
    cache_root: Option<&Path>,
    workspace: bool,
    goflags: String,
    gosumdb: String,
    toolchain: bool,
) -> Vec<(&'static str, String)> {
    let mut env: Vec<(&str, String)> = Vec::new();
    match cache_root {
        Some(cache) => {
            env.push(("GOMODCACHE", cache.display().to_string()));
            env.push(("GOPROXY", "off".into()));
        }
        None => env.push(("GOPROXY", format!("file://{}", root.display()))),
    }
    env.extend([
        ("GOSUMDB", gosumdb),
        ("GOFLAGS", goflags),
        (
            "GOTOOLCHAIN",
            if toolchain { "auto" } else { "local" }.into(),
        ),
    ]);
    // A workspace's bundle holds the workspace's build list: go must build in workspace mode.
    if !workspace {
        env.push(("GOWORK", "off".into()));
    }
    env
}

/// The `GOSUMDB` to print, and the `sumdb` JSON document: the user's own when the tree carries
/// the database it names and that part verified (go then checks every module it has no go.sum
/// line for, offline, through the tree, or from the module cache the part was installed into:
/// `in_cache`, the files written and kept there), else `off` as before, with the reason said.
fn sumdb_setting(
    ctx: &mut Context,
    manifest: &bundle::Manifest,
    user: &sumdb::UserSumdb,
    verified: bool,
    in_cache: Option<(usize, usize)>,
    unprovable: Option<String>,
) -> Result<(String, serde_json::Value)> {
    let why_not = match &manifest.sumdb {
        None => None,
        Some(_) if unprovable.is_some() => unprovable,
        Some(_) if user.database.is_none() => {
            Some("GOSUMDB is off here, so its checksum database part was not verified".into())
        }
        Some(_) if !verified => Some("its checksum database part was not verified".into()),
        Some(part) => {
            if let Some((written, kept)) = in_cache {
                ctx.shell.status(
                    "Installed",
                    &format!(
                        "the checksum database `{}`'s records and tiles into the module cache, where go keeps what it verified ({written} files written, {kept} already there)",
                        part.name
                    ),
                )?;
            }
            ctx.shell.status(
                "Verified",
                &format!(
                    "the checksum database `{}`: {} records against its signed tree head",
                    part.name,
                    part.records.len()
                ),
            )?;
            if !user.private.is_empty() {
                ctx.shell.note(&format!(
                    "modules matching GONOSUMDB/GOPRIVATE `{}` are not in the public database: go checks them against go.sum only",
                    user.private
                ))?;
            }
            return Ok((
                user.gosumdb.clone(),
                serde_json::json!({"carried": true, "verified": true, "name": part.name}),
            ));
        }
    };
    if let Some(why) = &why_not {
        ctx.shell
            .warn(&format!("GOSUMDB=off for the offline build: {why}"))?;
    }
    Ok((
        "off".into(),
        serde_json::json!({
            "carried": manifest.sumdb.is_some(),
            "verified": false,
            "name": manifest.sumdb.as_ref().map(|p| p.name.clone()),
            "reason": why_not.unwrap_or_else(|| "the bundle carries no checksum database".into()),
        }),
    ))
}

/// Install a verified database part (staged in `staging`) into the module cache whose
/// `cache/download` is `root`: its lookups and tiles into `sumdb/<name>/`, where go keeps the
/// records and tiles it verified and reads them before asking any proxy (go proves each again
/// against the newest head it trusts before using it). Tiles first, each file written
/// atomically; a lookup go already keeps is left as it is; a tile already there with other bytes
/// (tiles never change) is an error. The signed head is not written: go's own check installs it
/// in `GOPATH/pkg/sumdb/<name>/latest` the first time it proves a record against it. Returns the
/// files written and kept.
fn install_sumdb_in_cache(
    staging: &Path,
    root: &Path,
    part: &bundle::SumdbPart,
) -> Result<(usize, usize)> {
    let mut files: Vec<(String, bool)> = part.tiles.iter().map(|t| (part.file(t), true)).collect();
    for mv in &part.records {
        files.push((part.file(&crate::formats::sumdb::lookup_file(mv)?), false));
    }
    let (mut written, mut kept) = (0, 0);
    for (name, is_tile) in files {
        let from = staging.join(&name);
        let to = root.join(&name);
        let ours =
            fs::read(&from).with_context(|| format!("failed to read `{}`", from.display()))?;
        match read_optional(&to)? {
            Some(theirs) if theirs == ours || !is_tile => kept += 1,
            Some(_) => crate::bail_hint!(
                hint = "the module cache and the bundle hold two different databases under one name: check GOSUMDB, or unpack with --to DIR",
                "`{}` already holds another tile of this name (a tile never changes)",
                to.display()
            ),
            None => {
                if let Some(parent) = to.parent() {
                    fs::create_dir_all(parent)
                        .with_context(|| format!("failed to create `{}`", parent.display()))?;
                }
                write_atomic(&to, &ours)?;
                written += 1;
            }
        }
    }
    Ok((written, kept))
}

/// Add to the staged part the tiles go re-reads at start to check the head it already trusts on
/// this machine, cut from the carried ones (see [`sumdb::trusted_head_tiles`]): without them a
/// go whose module cache lacks them (a new one, or the tree is its only source) would need the
/// network before it even looks at the carried head. The staged manifest lists them too.
fn add_trusted_head_tiles(
    ctx: &Context,
    key: &crate::formats::sumdb::note::VerifierKey,
    staging: &Path,
    part: &mut bundle::SumdbPart,
) -> Result<()> {
    let mut added = false;
    for (tile, bytes) in sumdb::trusted_head_tiles(&ctx.dir, key, staging, part) {
        if part.tiles.contains(&tile) {
            continue;
        }
        let to = staging.join(part.file(&tile));
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("failed to create `{}`", parent.display()))?;
        }
        write_atomic(&to, &bytes)?;
        part.tiles.insert(tile);
        added = true;
    }
    if added {
        let path = staging.join(bundle::MANIFEST_FILE);
        let text = fs::read_to_string(&path)
            .with_context(|| format!("failed to read `{}`", path.display()))?;
        let mut staged = bundle::Manifest::parse(&path.display().to_string(), &text)?;
        staged.sumdb = Some(part.clone());
        write_atomic(&path, staged.render().as_bytes())?;
    }
    Ok(())
}

/// The user's GOFLAGS (exported, else `go env -w`) with `-mod=readonly`: go must not add to
/// go.mod or go.sum what the unpacked modules do not hold. Their other flags are kept, and each
/// `-mod` of theirs replaced is warned about, as `env` does.
fn merged_goflags(ctx: &mut Context) -> Result<String> {
    let theirs = crate::sources::goenv::user_goflags(&ctx.dir);
    let merged =
        goflags::merge(&theirs, &["-mod=readonly".to_string()], &["mod"]).map_err(|entry| {
            anyhow::anyhow!(
                "GOFLAGS `{theirs}` holds `{entry}`, which is not a flag (go refuses it too)"
            )
        })?;
    for (entry, ours) in merged.replaced {
        let what = ours.map_or("dropped".to_string(), |o| format!("replaced by {o}"));
        ctx.shell
            .warn(&format!("GOFLAGS: {entry} {what} for the offline build"))?;
    }
    Ok(merged.value)
}

/// Say what an interrupted run had left and taking the target removed.
fn report_cleared(ctx: &mut Context, target: &Target) -> Result<()> {
    for path in target.cleared() {
        ctx.shell.status(
            "Removed",
            &format!("`{}`, left by an interrupted gomodoff run", path.display()),
        )?;
    }
    Ok(())
}

/// A failure to write the files out is the target's problem (a full disk, a read-only file
/// system), not the bundle's: say which target, then the file and the OS error.
fn install_error(e: BundleError, root: &Path) -> anyhow::Error {
    if e.is_write() {
        anyhow::Error::new(e).context(format!(
            "failed to install into `{}` (the bundle is not at fault)",
            root.display()
        ))
    } else {
        e.into()
    }
}
