//! `gomodoff pack`: write one bundle (a zip in the gomodoff tree format, see [`crate::sources::bundle`])
//! holding exactly the modules the build of one or more repositories needs, each checked against
//! go.sum first, for carrying to a machine with no network. `--download` first has the go command
//! fetch what the module cache lacks; it is the only networked path, and it goes through go.
//!
//! What goes in, per module version the build needs (proved against the real go in
//! `tests/pack.rs`): the `.mod` of every go.mod the graph loads; the `.zip` of every module whose
//! packages are built (go.sum holds its zip line); the `.info` of every module of the build list
//! (`go list -m all` reads it; `go build` does not) and of the replacement of each replaced one
//! (`go mod download` reads that); a `list` per module path. A module of the build list that a
//! go ≥ 1.17 dependency requires, whose go.mod the pruned graph never loads and go.sum has no line
//! for, gets its `.info` alone: that is all go reads of it. Zips of modules only read for their
//! go.mod are left out: go.sum has no hash to check them against, and `go build`,
//! `go list -m all` and, for a main module at go ≥ 1.17, `go mod download` never ask for them;
//! only `go mod download all` does, and `go mod download` in a main module below go 1.17.

use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::HumanBytes;

use crate::util::hint::HintExt as _;
use anyhow::{Context as _, Result, anyhow, bail};

use crate::formats::module::ModuleVersion;
use crate::repo::Repo;
use crate::repo::open_repos;
use crate::resolve::content::collect;
use crate::resolve::needs::zips_of_build_list;
use crate::sources::bundle::{self, ExtraFiles};
use crate::sources::bundle_source as source;
use crate::sources::goenv::go_command;
use crate::sources::goenv::go_env_at;
use crate::sources::modcache::SourceError;
use crate::sources::modcache::{ModCache, ModuleSource};
use crate::sources::sumdb::{self, NotCarried};
use crate::util::context::{Context, Outcome};
use crate::util::fsutil::absolute;

#[derive(Debug, Clone, Default)]
pub(crate) struct PackOptions {
    /// The bundle to write (relative to the command's directory).
    pub output: PathBuf,
    pub download: bool,
    /// Pack a go toolchain: `Some("")` is the one go.mod selects.
    pub toolchain: Option<String>,
    /// `GOOS/GOARCH` pairs to pack the toolchain for (default: this machine's).
    pub platforms: Vec<String>,
    /// Leave the checksum database out.
    pub no_sumdb: bool,
    /// More repositories to pack into the same bundle.
    pub sync: Vec<PathBuf>,
}

pub(crate) fn pack(ctx: &mut Context, opts: &PackOptions) -> Result<Outcome> {
    let started = Instant::now();
    let repos = open_repos(&ctx.dir, &opts.sync)?;
    let toolchains = match &opts.toolchain {
        Some(v) => toolchain_modules(&repos[0], v, &opts.platforms)?,
        None => Vec::new(),
    };
    if opts.download {
        if ctx.from.is_some() {
            bail!("--download fills the module cache; it cannot be combined with --from");
        }
        for repo in &repos {
            download(ctx, repo)?;
        }
    }
    let src = source::open(ctx)?;
    let (mut manifest, mut contents) = collect(ctx, &repos, src.as_ref())?;
    if !toolchains.is_empty() {
        if ctx.from.is_some() {
            bail!("--toolchain packs from the module cache; it cannot be combined with --from");
        }
        if opts.download {
            download_outside_module(ctx, &toolchains)?;
        }
        add_toolchains(ctx, &toolchains, &mut manifest, &mut contents)?;
    }
    if opts.download && !opts.no_sumdb && ctx.from.is_none() {
        // go looks a module up in the checksum database only when no go.sum vouches for it:
        // outside any module, it looks every one up, and keeps the records and tiles.
        let user = sumdb::user_sumdb(&ctx.dir)?;
        if user.database.is_some() {
            let public: Vec<ModuleVersion> = manifest
                .modules()
                .iter()
                .filter(|m| m.gomod_h1.is_some())
                .map(|m| m.module())
                .filter(|mv| !crate::formats::sumdb::matches_private(&user.private, &mv.path))
                .collect();
            download_outside_module(ctx, &public)?;
        }
    }
    let (extra, sumdb_doc) = if opts.no_sumdb {
        (
            ExtraFiles::new(),
            serde_json::json!({"carried": false, "reason": "--no-sumdb"}),
        )
    } else {
        carry_sumdb(ctx, src.as_ref(), &mut manifest)?
    };
    let output = absolute(&ctx.dir, &opts.output);
    if let Some(parent) = output.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    let size = bundle::write_bundle(&output, &manifest, &contents, &extra)
        .with_context(|| format!("failed to write `{}`", output.display()))?;
    let sha256 = hex::encode(crate::util::fsutil::sha256_file(&output)?);
    let zips = contents.iter().filter(|c| c.zip.is_some()).count();
    if ctx.shell.is_json() {
        let v = serde_json::json!({
            "bundle": output,
            "bytes": size,
            "human": HumanBytes(size).to_string(),
            "sha256": sha256,
            "modules": contents.len(),
            "zips": zips,
            "gomod_only": contents.len() - zips,
            "toolchains": toolchains.iter().map(|m| m.version.clone()).collect::<Vec<_>>(),
            "repos": manifest.repos,
            "sumdb": sumdb_doc,
            "seconds": started.elapsed().as_secs_f64(),
        });
        ctx.shell.document(v)?;
        return Ok(Outcome::Ok);
    }
    ctx.shell.status(
        "Packed",
        &format!(
            "{} modules ({zips} zips, {} go.mod only) of {} into `{}` ({}) in {:.1}s",
            contents.len(),
            contents.len() - zips,
            manifest
                .repos
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            output.display(),
            HumanBytes(size),
            started.elapsed().as_secs_f64()
        ),
    )?;
    let out = ctx.shell.out();
    writeln!(out, "sha256 {sha256}  {}", output.display())?;
    writeln!(
        out,
        "On the offline machine, verify and install it with one of:\n  gomodoff unpack {0} --to DIR            # a GOPROXY tree at any path\n  gomodoff unpack {0} --into-modcache      # the module cache go uses",
        output.display()
    )?;
    Ok(Outcome::Ok)
}

/// The checksum database part to carry for `manifest` (set into it), read from where go keeps
/// what it verified (see [`crate::sources::sumdb`]) or, with `--from`, from the part the source
/// tree or bundle carries (checked with the user's key), and its `sumdb` JSON document. Data that is
/// missing leaves the database out with a warning (the bundle then builds with GOSUMDB=off, as
/// before); data that is there but wrong (a record that disagrees with go.sum, a bad signature)
/// is an error.
fn carry_sumdb(
    ctx: &mut Context,
    src: &dyn ModuleSource,
    manifest: &mut bundle::Manifest,
) -> Result<(ExtraFiles, serde_json::Value)> {
    let user = sumdb::user_sumdb(&ctx.dir)?;
    let not_carried = |reason: String| serde_json::json!({"carried": false, "reason": reason});
    let collected = if ctx.from.is_some() {
        // The source's own part (a tree or bundle made by gomodoff), checked with the user's key.
        match src.tree_dir() {
            Some(dir) => sumdb::collect_from_tree(dir, &user, manifest),
            None => Err(NotCarried::Missing(
                "the source (--from) is not a GOPROXY tree".into(),
            )),
        }
    } else {
        let modcache = match &ctx.modcache {
            Some(d) => d.clone(),
            None => ModCache::locate(None)?.root().to_path_buf(),
        };
        let Some(gopath) = sumdb::user_gopath(&ctx.dir) else {
            return Ok((ExtraFiles::new(), not_carried("no GOPATH".into())));
        };
        sumdb::collect_from_cache(&modcache, &gopath, &user, manifest)
    };
    match collected {
        Ok(carried) => {
            if !carried.private.is_empty() {
                ctx.shell.note(&format!(
                    "{} private module version(s) (GONOSUMDB/GOPRIVATE) are not in the public checksum database and are carried without records",
                    carried.private.len()
                ))?;
            }
            let doc = serde_json::json!({
                "carried": true,
                "name": carried.part.name,
                "records": carried.part.records.len(),
                "tiles": carried.part.tiles.len(),
                "private": carried.private.len(),
            });
            manifest.sumdb = Some(carried.part);
            Ok((carried.files, doc))
        }
        Err(NotCarried::Missing(why)) => {
            if user.database.is_some() {
                let what_to_run = if ctx.from.is_some() {
                    ""
                } else {
                    " (run `go mod download -json <module>@<version>` outside any module with GOFLAGS=-mod=mod to have go look a module up)"
                };
                ctx.shell.warn(&format!(
                    "the bundle carries no checksum database, so the offline machine builds with GOSUMDB=off: {why}{what_to_run}"
                ))?;
            }
            Ok((ExtraFiles::new(), not_carried(why)))
        }
        Err(NotCarried::Bad(e)) if ctx.from.is_some() => Err(anyhow!(e)).hint(
            "the source's checksum database part does not verify with the key GOSUMDB names: check the source with `gomodoff mirror --verify`, or pack with --no-sumdb to leave the database out",
        ),
        Err(NotCarried::Bad(e)) => Err(anyhow!(e)).hint(
            "the checksum database disagrees with what go.sum or the module cache holds: check go.sum, or pack with --no-sumdb to leave the database out",
        ),
    }
}

/// The path of go's toolchain modules.
const TOOLCHAIN_MODULE: &str = "golang.org/toolchain";

/// The golang.org/toolchain module versions of the go release `version` (`""`: the one
/// `repo`'s go.mod selects, its toolchain line, else its go line) for each platform (default:
/// the installed go's, else this machine's), as go's toolchain switch names them:
/// `v0.0.1-go1.X.Y.GOOS-GOARCH`.
fn toolchain_modules(
    repo: &Repo,
    version: &str,
    platforms: &[String],
) -> Result<Vec<ModuleVersion>> {
    let version = if version.is_empty() {
        let gomod = repo.gomod()?;
        match (gomod.toolchain(), gomod.go_version()) {
            (Some(t), _) if t != "default" => t.to_string(),
            (_, Some(g)) => format!("go{g}"),
            _ => crate::bail_hint!(
                hint = "pass the version: --toolchain go1.X.Y",
                "`{}` has neither a toolchain nor a go line to select a toolchain",
                repo.root.join("go.mod").display()
            ),
        }
    } else {
        version.to_string()
    };
    let release = version.strip_prefix("go").filter(|v| {
        crate::formats::gover::is_valid(v)
            && (v.matches('.').count() >= 2 || v.contains("rc") || v.contains("beta"))
    });
    if release.is_none() {
        crate::bail_hint!(
            hint = "name a release, as go.mod's toolchain line does: --toolchain go1.X.Y",
            "`{version}` is not a go release (go1.X.Y, go1.X.YrcN): go's toolchain switch picks the release of a language version (1.X) from the network"
        );
    }
    let mut platforms: Vec<String> = platforms.to_vec();
    if platforms.is_empty() {
        let vars = go_env_at(None);
        let (goos, goarch) = match vars {
            Some(v) if !v.goos.is_empty() && !v.goarch.is_empty() => (v.goos, v.goarch),
            _ => (
                std::env::consts::OS.to_string(),
                match std::env::consts::ARCH {
                    "x86_64" => "amd64",
                    "aarch64" => "arm64",
                    "x86" => "386",
                    other => other,
                }
                .to_string(),
            ),
        };
        platforms.push(format!("{goos}/{goarch}"));
    }
    let mut modules = Vec::new();
    for p in &platforms {
        let Some((goos, goarch)) = p.split_once('/').filter(|(os, arch)| {
            [os, arch]
                .iter()
                .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()))
        }) else {
            bail!("`--platform {p}` is not GOOS/GOARCH (linux/amd64)");
        };
        let mv = ModuleVersion {
            path: TOOLCHAIN_MODULE.into(),
            version: format!("v0.0.1-{version}.{goos}-{goarch}"),
        };
        mv.check()?;
        modules.push(mv);
    }
    Ok(modules)
}

/// Put the toolchain modules into the bundle, from the module cache: each zip checked as a module
/// zip, hashed, and compared with the `.ziphash` go wrote when it verified the download.
fn add_toolchains(
    ctx: &mut Context,
    toolchains: &[ModuleVersion],
    manifest: &mut bundle::Manifest,
    contents: &mut Vec<bundle::ModuleContent>,
) -> Result<()> {
    let cache = ModCache::locate(ctx.modcache.as_deref())?;
    for mv in toolchains {
        let base = cache.download_dir().join(bundle::module_file(mv, "")?);
        let file = |ext: &str| PathBuf::from(format!("{}{ext}", base.display()));
        let (zip, gomod_path) = (file("zip"), file("mod"));
        if !zip.is_file() || !gomod_path.is_file() {
            crate::bail_hint!(
                hint =
                    "add --download to have go fetch it (through GOPROXY, checked against GOSUMDB)",
                "the module cache has no `{}`: the toolchain {mv} was never downloaded here",
                zip.display()
            );
        }
        crate::formats::modzip::check_zip(&zip, mv)?;
        let zip_h1 = crate::formats::dirhash::hash_zip(&zip)?;
        if let Ok(recorded) = std::fs::read_to_string(file("ziphash"))
            && recorded.trim() != zip_h1
        {
            bail!(
                "`{}` hashes to {zip_h1}, but go recorded {} when it downloaded it: the module cache is damaged (`go clean -modcache`)",
                zip.display(),
                recorded.trim()
            );
        }
        let gomod = std::fs::read(&gomod_path)
            .with_context(|| format!("failed to read `{}`", gomod_path.display()))?;
        let entry = bundle::ManifestModule {
            path: mv.path.clone(),
            version: mv.version.clone(),
            zip_h1: Some(zip_h1),
            gomod_h1: Some(crate::formats::dirhash::hash_gomod(&gomod)),
            info: true,
        };
        manifest.add(entry.clone())?;
        contents.push(bundle::ModuleContent {
            entry,
            gomod: Some(gomod),
            zip: Some(zip),
            info: Some(bundle::info_json(mv)),
        });
        ctx.shell.status("Toolchain", &format!("{mv}"))?;
    }
    Ok(())
}

/// `go mod download -json M@V…` in an empty directory (outside any module, so that no go.sum
/// vouches for them and go asks the checksum database for each, keeping what it verified), with
/// GOTOOLCHAIN=local and the user's other settings.
fn download_outside_module(ctx: &mut Context, modules: &[ModuleVersion]) -> Result<()> {
    if modules.is_empty() {
        return Ok(());
    }
    ctx.shell.status(
        "Downloading",
        &format!(
            "{} module version(s) outside any module, so that go checks each against GOSUMDB",
            modules.len()
        ),
    )?;
    let dir = tempfile::Builder::new()
        .prefix("gomodoff-download-")
        .tempdir()
        .context("failed to create a temporary directory")?;
    let mut args = vec!["mod".to_string(), "download".into(), "-json".into()];
    args.extend(modules.iter().map(ToString::to_string));
    let env = [
        ("GOWORK", "off"),
        ("GOTOOLCHAIN", "local"),
        ("GOFLAGS", "-mod=mod"),
    ];
    let what = format!(
        "`go mod download -json` of {} module version(s)",
        modules.len()
    );
    go_in(ctx, dir.path(), &args, &env, &what)
}

/// Have the go command fetch what the module cache lacks for `repo`: the go.mod and `.info`
/// files of the graph (`go list -m all`), then the zips of the modules whose packages are built.
fn download(ctx: &mut Context, repo: &Repo) -> Result<()> {
    ctx.shell.status(
        "Downloading",
        &format!(
            "the module graph of `{}` (go list -m all)",
            repo.root.display()
        ),
    )?;
    run_go(ctx, repo, &["list", "-m", "all"])?;
    let src = source::open(ctx)?;
    let mut missing = Vec::new();
    for m in zips_of_build_list(repo, src.as_ref(), &repo.config.exclude)? {
        match src.zip_path(&m) {
            Ok(_) => {}
            Err(SourceError::Missing { .. }) => missing.push(m.to_string()),
            Err(e) => return Err(anyhow!(e)),
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    ctx.shell
        .status("Downloading", &format!("{} module zips", missing.len()))?;
    let mut args = vec!["mod", "download"];
    args.extend(missing.iter().map(String::as_str));
    run_go(ctx, repo, &args)
}

fn run_go(ctx: &Context, repo: &Repo, args: &[&str]) -> Result<()> {
    let work = repo
        .workspace
        .as_ref()
        .map(|w| w.work_file.to_string_lossy());
    let env = [("GOWORK", work.as_deref().unwrap_or("off"))];
    let what = format!("`go {}` in `{}`", args.join(" "), repo.root.display());
    go_in(ctx, &repo.root, args, &env, &what)
}

/// Runs go with `args` in `dir`, `env` set and GOMODCACHE the context's module cache; an error
/// saying `what` failed, with what go said, when it fails (its standard output too for `-json`,
/// where go reports each module's error).
fn go_in(
    ctx: &Context,
    dir: &Path,
    args: &[impl AsRef<std::ffi::OsStr>],
    env: &[(&str, &str)],
    what: &str,
) -> Result<()> {
    let mut cmd = go_command();
    cmd.args(args).current_dir(dir).envs(env.iter().copied());
    if let Some(cache) = &ctx.modcache {
        cmd.env("GOMODCACHE", cache);
    }
    let out = cmd
        .output()
        .context("failed to run `go`")
        .hint("install go, or set GOMODOFF_GO to its path")?;
    if !out.status.success() {
        let json = args.iter().any(|a| a.as_ref() == "-json");
        let stdout = if json { out.stdout.as_slice() } else { &[] };
        bail!(
            "{what} failed:\n{}{}",
            String::from_utf8_lossy(stdout).trim_end(),
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    Ok(())
}
