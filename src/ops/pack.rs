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

use std::path::PathBuf;
use std::time::Instant;

use indicatif::HumanBytes;

use crate::util::hint::HintExt as _;
use anyhow::{Context as _, Result, anyhow, bail};

use crate::repo::Repo;
use crate::repo::open_repos;
use crate::resolve::content::collect;
use crate::resolve::needs::{ZipsFor, needed_modules};
use crate::sources::bundle::{self};
use crate::sources::bundle_source as source;
use crate::sources::goenv::go_command;
use crate::sources::modcache::SourceError;
use crate::util::context::{Context, Outcome};
use crate::util::fsutil::absolute;

#[derive(Debug, Clone, Default)]
pub(crate) struct PackOptions {
    /// The bundle to write (relative to the command's directory).
    pub output: PathBuf,
    pub download: bool,
    pub toolchain: bool,
    /// More repositories to pack into the same bundle.
    pub sync: Vec<PathBuf>,
}

pub(crate) fn pack(ctx: &mut Context, opts: &PackOptions) -> Result<Outcome> {
    if opts.toolchain {
        crate::bail_hint!(
            hint = "on the offline machine, install the go release go.mod asks for, and build with GOTOOLCHAIN=local",
            "`gomodoff pack --toolchain` is not supported yet"
        );
    }
    let started = Instant::now();
    let repos = open_repos(&ctx.dir, &opts.sync)?;
    if opts.download {
        if ctx.from.is_some() {
            bail!("--download fills the module cache; it cannot be combined with --from");
        }
        for repo in &repos {
            download(ctx, repo)?;
        }
    }
    let src = source::open(ctx)?;
    let (manifest, contents) = collect(ctx, &repos, src.as_ref())?;
    let output = absolute(&ctx.dir, &opts.output);
    if let Some(parent) = output.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    let size = bundle::write_bundle(&output, &manifest, &contents)
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
            "repos": manifest.repos,
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
    let needs = needed_modules(repo, src.as_ref(), &repo.config.exclude, ZipsFor::All)?;
    let mut missing = Vec::new();
    for n in &needs {
        if n.zip_h1.is_some() {
            match src.zip_path(&n.content) {
                Ok(_) => {}
                Err(SourceError::Missing { .. }) => missing.push(n.content.to_string()),
                Err(e) => return Err(anyhow!(e)),
            }
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
    let mut cmd = go_command();
    let work = repo.workspace.as_ref().map(|w| w.work_file.as_os_str());
    cmd.args(args)
        .current_dir(&repo.root)
        .env("GOWORK", work.unwrap_or("off".as_ref()));
    if let Some(cache) = &ctx.modcache {
        cmd.env("GOMODCACHE", cache);
    }
    let out = cmd
        .output()
        .context("failed to run `go`")
        .hint("install go, or set GOMODOFF_GO to its path")?;
    if !out.status.success() {
        bail!(
            "`go {}` failed in `{}`:\n{}",
            args.join(" "),
            repo.root.display(),
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    Ok(())
}
