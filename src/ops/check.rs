//! `gomodoff check`: prove the repository builds offline, with the real go command, an empty
//! temporary module cache, `GOPROXY=off`, `GOSUMDB=off`, `GOTOOLCHAIN=local`, `GOWORK=off` (a
//! vendored workspace: its go.work) and the mode's `GOFLAGS`.
//!
//! go's stderr is read line by line ([`parse_go_stderr`]) and the run ends in one of four
//! verdicts ([`Verdict`]): the build passed; go needed something the repository does not hold
//! (an *offline gap*: every module it tried to fetch or found missing is named); the code does
//! not build although every module input was there (the packages are named, go's compiler output
//! is shown); or go.mod asks for a newer go than the installed one, which `GOTOOLCHAIN=local`
//! refuses to download.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::util::hint::HintExt as _;
use anyhow::{Context as _, Result};

use crate::formats::gostderr::{GoReport, Position, name_modules, parse_go_stderr};
use crate::formats::lock::Mode;
use crate::modes::offline_env;
use crate::ops::{Context, Outcome};
use crate::repo::{self, Repo};
use crate::sources::goenv::go_command;
use crate::util::fsutil;
use crate::util::shell::Verbosity;

/// How many modules, packages or lines of go's output are shown before "-v shows all".
const MAX_NAMED: usize = 20;

#[derive(Debug, Clone, Default)]
pub(crate) struct CheckOptions {
    /// Build flags passed to every go step that lists or builds packages (`-- -tags noassets`).
    pub go_args: Vec<String>,
}

/// What the whole run found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Every step passed.
    Ok,
    /// go.mod (or go.work, or a dependency) needs a newer go than the installed one, and
    /// `GOTOOLCHAIN=local` forbids downloading it: go's own lines.
    Toolchain(Vec<String>),
    /// go needed something from the network: the modules it tried to fetch or could not find,
    /// the import paths no module of go.mod provides, and how many lookups named nothing.
    OfflineGap {
        modules: Vec<String>,
        unprovided: Vec<String>,
        unnamed: usize,
    },
    /// Nothing was missing, but the code does not build: the packages that failed (may be empty
    /// when go's output names none), and whether any of them is a dependency's (not a main
    /// module's) package.
    BuildError {
        packages: Vec<String>,
        in_dependency: bool,
    },
}

impl Verdict {
    /// The name `--json` prints.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Toolchain(_) => "toolchain",
            Verdict::OfflineGap { .. } => "offline-gap",
            Verdict::BuildError { .. } => "build-error",
        }
    }
}

/// One go command run, with what its output said.
struct Step {
    command: String,
    ok: bool,
    stderr: String,
}

pub(crate) fn check(ctx: &mut Context, opts: &CheckOptions) -> Result<Outcome> {
    let repo = repo::open_vendored(&ctx.dir)?;
    // The same test `status` makes: gomodoff.lock is the vendored state of every mode. Without
    // it an offline build can only fail, and the failure would say nothing about gomodoff —
    // unless go.mod needs no module from outside the repository, which `vendor` answers with
    // "nothing to vendor" and no lock.
    if repo.lock.is_none() && !repo.self_contained()? {
        crate::bail_hint!(
            hint = "run `gomodoff vendor` first (then `gomodoff check` proves the offline build)",
            "`{}` was never vendored by gomodoff: there is no {}, so there is nothing to check",
            repo.root.display(),
            crate::formats::lock::LOCK_FILE
        );
    }
    let vendor_mode = repo.lock.as_ref().is_some_and(|l| l.mode == Mode::Vendor);
    let modcache = tempfile::Builder::new()
        .prefix("gomodoff-check-")
        .tempdir()
        .context("failed to create a temporary module cache")?;
    let env = check_env(&repo, modcache.path());
    let goproxy = env
        .iter()
        .find(|(k, _)| k == "GOPROXY")
        .map_or("off", |(_, v)| v.as_str())
        .to_string();
    let run = Run {
        env: &env,
        // With GOPROXY=off every `go: downloading` is a fetch that failed; from the
        // repository's own file:// tree (proxy mode) downloads are how the build reads its
        // modules.
        downloads_fail: goproxy == "off",
        modcache: modcache.path(),
        verbose: ctx.shell.verbosity() == Verbosity::Verbose,
    };
    let dirs = step_dirs(&repo)?;
    let (ran, report, failed_packages) =
        run_steps(ctx, &repo, &run, &go_steps(vendor_mode, opts), &dirs)?;
    let mains: Vec<String> = dirs.iter().filter_map(|d| d.module.clone()).collect();
    let verdict = verdict(&ran, report, &requirements(&repo)?, failed_packages, &mains);
    if ctx.shell.is_json() {
        print_json(ctx, &verdict, &env, opts, &ran)?;
    } else {
        show_verdict(ctx, &verdict, ran.len(), &goproxy, run.verbose, vendor_mode)?;
    }
    Ok(if verdict == Verdict::Ok {
        Outcome::Ok
    } else {
        Outcome::Differs
    })
}

/// The offline environment of the repository's mode, with the temporary module cache (written
/// read-write, so that the temporary directory can be removed).
fn check_env(repo: &Repo, modcache: &Path) -> Vec<(String, String)> {
    let mut env = offline_env(repo);
    for (k, v) in env.iter_mut() {
        if k == "GOFLAGS" {
            v.push_str(" -modcacherw");
        }
    }
    env.push(("GOMODCACHE".into(), modcache.display().to_string()));
    env
}

/// The go commands of the check, each run in every step directory: the module graph (not in
/// vendor mode, where go reads modules.txt instead), every package with its tests, and a build.
fn go_steps(vendor_mode: bool, opts: &CheckOptions) -> Vec<Vec<String>> {
    // `-o /dev/null`: go discards what it builds, so a single main package writes no binary into
    // the repository, and a module without main packages is fine too.
    let null = if cfg!(windows) { "NUL" } else { "/dev/null" };
    let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut steps = Vec::new();
    if !vendor_mode {
        // Module graph only: build flags do not change it.
        steps.push(words(&["list", "-m", "all"]));
    }
    let user = &opts.go_args;
    steps.push(
        [
            words(&["list", "-deps", "-test"]),
            user.clone(),
            words(&["./..."]),
        ]
        .concat(),
    );
    steps.push(
        [
            words(&["build", "-o", null]),
            user.clone(),
            words(&["./..."]),
        ]
        .concat(),
    );
    steps
}

/// How the go commands of one check run.
struct Run<'a> {
    env: &'a [(String, String)],
    downloads_fail: bool,
    modcache: &'a Path,
    verbose: bool,
}

/// Run every step in every directory (a workspace: each `use`d module from its directory;
/// `./...` does not reach across modules), showing each as it ends; what go's output said,
/// merged, and the packages that failed to compile.
fn run_steps(
    ctx: &mut Context,
    repo: &Repo,
    run: &Run,
    steps: &[Vec<String>],
    dirs: &[StepDir],
) -> Result<(Vec<Step>, GoReport, BTreeSet<String>)> {
    let mut report = GoReport::default();
    let mut failed_packages = BTreeSet::new();
    let mut ran = Vec::new();
    for (args, d) in steps.iter().flat_map(|a| dirs.iter().map(move |d| (a, d))) {
        let out = go_command()
            .args(args)
            .current_dir(&d.dir)
            .envs(run.env.iter().map(|(k, v)| (k, v)))
            .env_remove("GOENV")
            .output()
            .context("failed to run `go`")
            .hint("install go, or set GOMODOFF_GO to its path")?;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let mut found = parse_go_stderr(&stderr, run.downloads_fail);
        resolve_lookups(&mut found, &repo.root, &d.dir);
        for f in std::mem::take(&mut found.files) {
            failed_packages.insert(package_of_file(&f, d, run.modcache));
        }
        let step = Step {
            command: format!("go {}{}", args.join(" "), d.label),
            ok: out.status.success(),
            stderr,
        };
        if !ctx.shell.is_json() {
            show_step(ctx, &step, found.has_gap() && !run.verbose)?;
        }
        report.merge(found);
        ran.push(step);
    }
    failed_packages.extend(std::mem::take(&mut report.packages));
    Ok((ran, report, failed_packages))
}

/// `check --json`: the verdict, the environment and every step with go's output.
fn print_json(
    ctx: &mut Context,
    verdict: &Verdict,
    env: &[(String, String)],
    opts: &CheckOptions,
    ran: &[Step],
) -> Result<()> {
    let none = Vec::new;
    let (modules, unprovided, unnamed, packages, toolchain) = match verdict {
        Verdict::OfflineGap {
            modules,
            unprovided,
            unnamed,
        } => (
            modules.clone(),
            unprovided.clone(),
            *unnamed,
            none(),
            none(),
        ),
        Verdict::BuildError { packages, .. } => (none(), none(), 0, packages.clone(), none()),
        Verdict::Toolchain(lines) => (none(), none(), 0, none(), lines.clone()),
        Verdict::Ok => (none(), none(), 0, none(), none()),
    };
    let steps: Vec<_> = ran
        .iter()
        .map(|s| serde_json::json!({ "command": s.command, "ok": s.ok, "stderr": s.stderr }))
        .collect();
    let v = serde_json::json!({
        "ok": *verdict == Verdict::Ok,
        "verdict": verdict.kind(),
        "env": crate::ops::env_document(env),
        "go_args": opts.go_args,
        "steps": steps,
        "fetched": modules,
        "unprovided_packages": unprovided,
        "unnamed_lookups": unnamed,
        "failed_packages": packages,
        "toolchain": toolchain,
    });
    ctx.shell.document(v)?;
    Ok(())
}

/// A directory go runs in: the repository, or each `use`d module of a vendored workspace.
struct StepDir {
    /// Shown after the command (` (in ./app)`), empty for the repository itself.
    label: String,
    dir: PathBuf,
    /// The module path of the module in `dir`, to name packages by their files.
    module: Option<String>,
}

fn step_dirs(repo: &Repo) -> Result<Vec<StepDir>> {
    Ok(match &repo.workspace {
        Some(ws) => ws
            .modules
            .iter()
            .map(|m| {
                Ok(StepDir {
                    label: format!(" (in {})", m.dir),
                    dir: m.root.clone(),
                    module: m.gomod()?.module_path().map(str::to_string),
                })
            })
            .collect::<Result<_>>()?,
        None => vec![StepDir {
            label: String::new(),
            dir: repo.root.clone(),
            module: repo.gomod()?.module_path().map(str::to_string),
        }],
    })
}

/// Every `require` of the repository's go.mod (each workspace module's), to name the module
/// that provides an import path go reported without its module.
fn requirements(repo: &Repo) -> Result<Vec<(String, String)>> {
    let mods = repo.main_gomods()?;
    Ok(mods
        .iter()
        .flat_map(|g| g.requires())
        .map(|r| (r.path, r.version))
        .collect())
}

/// The verdict of the whole run: a toolchain refusal outranks everything (nothing else could
/// run), a missing module outranks a compile error (code often fails to compile *because* a
/// module was missing), and only a failure with every input present is the code's.
fn verdict(
    steps: &[Step],
    report: GoReport,
    requires: &[(String, String)],
    packages: BTreeSet<String>,
    mains: &[String],
) -> Verdict {
    if steps.iter().all(|s| s.ok) {
        return Verdict::Ok;
    }
    if !report.toolchain.is_empty() {
        return Verdict::Toolchain(report.toolchain.into_iter().collect());
    }
    if report.has_gap() {
        let unnamed = report.unnamed_lookups;
        let (modules, unprovided) = name_modules(&report, requires);
        return Verdict::OfflineGap {
            modules: modules.into_iter().collect(),
            unprovided: unprovided.into_iter().collect(),
            unnamed,
        };
    }
    let in_dependency = packages.iter().any(|p| {
        !mains.iter().any(|m| {
            p == m
                || p.strip_prefix(m.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    });
    Verdict::BuildError {
        packages: packages.into_iter().collect(),
        in_dependency,
    }
}

/// Reads the import path at each lookup's position (go points at the import spec's string) and
/// adds it to the imports to name; a position that cannot be read counts as an unnamed lookup.
fn resolve_lookups(report: &mut GoReport, root: &Path, dir: &Path) {
    for p in std::mem::take(&mut report.lookups_at) {
        match import_at(&p, root, dir) {
            Some(import) => {
                report.imports.insert(import);
            }
            None => report.unnamed_lookups += 1,
        }
    }
}

/// The quoted string at `p` in a source file inside the repository.
fn import_at(p: &Position, root: &Path, dir: &Path) -> Option<String> {
    let file = dir.join(&p.file);
    // The file is read only when it is inside the repository (the repository is untrusted; go
    // names files relative to where it ran, or absolute).
    let rel = file.strip_prefix(root).ok()?;
    let path = fsutil::inside(root, rel, Path::new("go's output")).ok()?;
    let text = String::from_utf8(fsutil::read(&path).ok()?).ok()?;
    let line = text.lines().nth(p.line.checked_sub(1)?)?;
    // go points at the import spec: its name (`_`, `.`, an identifier) if it has one, else
    // the path.
    let spec = line.get(p.col.checked_sub(1)?..)?;
    let from = spec
        .trim_start_matches(|c: char| c.is_alphanumeric() || c == '_' || c == '.')
        .trim_start();
    let quote = from.chars().next().filter(|c| *c == '"' || *c == '`')?;
    let inner = &from[1..];
    let end = inner.find(quote)?;
    Some(inner[..end].to_string()).filter(|s| !s.is_empty())
}

/// The package of a source file go named: the import path when the file is in the module (or in
/// vendor/), else its directory as go printed it.
fn package_of_file(file: &str, d: &StepDir, modcache: &Path) -> String {
    let path = Path::new(file);
    let rel = if path.is_absolute() {
        match (path.strip_prefix(&d.dir), path.strip_prefix(modcache)) {
            (Ok(r), _) => r.to_path_buf(),
            // A module extracted into the temporary cache (proxy mode): `path@version/dir`.
            (_, Ok(r)) => return slash(r.parent().unwrap_or(r)),
            _ => return slash(path.parent().unwrap_or(path)),
        }
    } else {
        path.to_path_buf()
    };
    let dir = slash(rel.parent().unwrap_or(Path::new("")));
    if let Some(vendored) = dir.strip_prefix("vendor/") {
        return vendored.to_string();
    }
    match &d.module {
        Some(m) if dir.is_empty() => m.clone(),
        Some(m) if !dir.starts_with("../") && !dir.contains('@') => format!("{m}/{dir}"),
        _ => format!("./{dir}"),
    }
}

fn slash(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// Prints one step: its status line and, when it failed, go's output (the first lines only when
/// `brief`: a missing module makes go repeat itself for every import of it).
fn show_step(ctx: &mut Context, step: &Step, brief: bool) -> Result<()> {
    if step.ok {
        ctx.shell.status("Ok", &step.command)?;
        return Ok(());
    }
    ctx.shell.status("Failed", &step.command)?;
    let lines: Vec<&str> = step.stderr.lines().collect();
    let err = ctx.shell.err();
    list_first(err, &lines, !brief, "    ", |n| {
        format!("({n} more lines of go's output; -v shows them)")
    })?;
    Ok(())
}

/// `items`, one per line and indented, the first [`MAX_NAMED`] unless `all`.
fn list(out: &mut dyn std::io::Write, items: &[String], all: bool) -> std::io::Result<()> {
    list_first(out, items, all, "  ", |n| {
        format!("and {n} more (-v names them all)")
    })
}

/// `items` one per line after `indent`: all of them, or the first [`MAX_NAMED`] and then
/// `more(how many were left out)`.
fn list_first<T: std::fmt::Display>(
    out: &mut dyn std::io::Write,
    items: &[T],
    all: bool,
    indent: &str,
    more: impl Fn(usize) -> String,
) -> std::io::Result<()> {
    let shown = if all {
        items.len()
    } else {
        items.len().min(MAX_NAMED)
    };
    for i in &items[..shown] {
        writeln!(out, "{indent}{i}")?;
    }
    if shown < items.len() {
        writeln!(out, "{indent}{}", more(items.len() - shown))?;
    }
    Ok(())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn show_verdict(
    ctx: &mut Context,
    verdict: &Verdict,
    steps: usize,
    goproxy: &str,
    verbose: bool,
    vendor_mode: bool,
) -> Result<()> {
    let out = ctx.shell.out();
    match verdict {
        Verdict::Ok => writeln!(
            out,
            "offline build ok: {steps} steps passed with an empty module cache and no network (GOPROXY={goproxy})"
        )?,
        Verdict::Toolchain(lines) => {
            writeln!(
                out,
                "toolchain: the installed go is older than the repository asks for, and with GOTOOLCHAIN=local go does not download a newer one:"
            )?;
            list(out, lines, true)?;
            writeln!(
                out,
                "hint: install a go at least as new as named above, or lower the `go` line"
            )?;
        }
        Verdict::OfflineGap {
            modules,
            unprovided,
            unnamed,
        } => show_gap(out, modules, unprovided, *unnamed, verbose)?,
        Verdict::BuildError {
            packages,
            in_dependency,
        } => show_build_error(out, packages, *in_dependency && vendor_mode, verbose)?,
    }
    Ok(())
}

/// An offline gap: the modules go needed, the imports no requirement provides, what to do.
fn show_gap(
    out: &mut dyn std::io::Write,
    modules: &[String],
    unprovided: &[String],
    unnamed: usize,
    verbose: bool,
) -> Result<()> {
    if !modules.is_empty() {
        writeln!(
            out,
            "offline gap: go needed {} from the network that the repository does not hold:",
            plural(modules.len(), "module", "modules")
        )?;
        list(out, modules, verbose)?;
    }
    if !unprovided.is_empty() {
        writeln!(
            out,
            "{}go looked up the module of {} that no requirement of go.mod provides:",
            if modules.is_empty() {
                "offline gap: "
            } else {
                ""
            },
            plural(unprovided.len(), "imported package", "imported packages")
        )?;
        list(out, unprovided, verbose)?;
    }
    // go often says the same thing once with the module and once without; a count of
    // the bare lookups only helps when nothing was named at all.
    if modules.is_empty() && unprovided.is_empty() {
        writeln!(
            out,
            "offline gap: go looked up modules from the network ({}) without naming them; its output is above",
            plural(unnamed, "lookup", "lookups")
        )?;
    }
    if !unprovided.is_empty() {
        writeln!(
            out,
            "hint: add the missing requirements on a connected machine (`go mod tidy`), then run `gomodoff vendor`"
        )?;
    } else {
        writeln!(
            out,
            "hint: run `gomodoff vendor` to lay out what the build needs (`gomodoff status` shows what changed since the last run)"
        )?;
    }
    Ok(())
}

/// A build error with every input present. `dropped_files`: a dependency's package fails in
/// vendor mode, where go's vendor/ leaves out files outside package directories.
fn show_build_error(
    out: &mut dyn std::io::Write,
    packages: &[String],
    dropped_files: bool,
    verbose: bool,
) -> Result<()> {
    // vendor/ as go writes it can lack a dependency's C files: go found every module,
    // yet not every file.
    let complete = if dropped_files {
        ""
    } else {
        ": the offline inputs were complete"
    };
    writeln!(
        out,
        "does not build: {} (go's output is above); no module was missing and nothing was fetched{complete}",
        if packages.is_empty() {
            "go failed".to_string()
        } else {
            format!("{} failed", plural(packages.len(), "package", "packages"))
        }
    )?;
    list(out, packages, verbose)?;
    if dropped_files {
        writeln!(
            out,
            "hint: a dependency's package fails from vendor/: like `go mod vendor`, vendor mode leaves out files outside package directories (C headers and sources, golang/go#26366); `gomodoff vendor --mode vendor --report-dropped` lists them, and replace mode keeps whole modules"
        )?;
    } else {
        writeln!(
            out,
            "hint: the code fails, not the offline setup: generate the files it needs, or pass build flags after `--` (`gomodoff check -- -tags TAG`)"
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_name_the_first_ones_unless_verbose() {
        let items: Vec<String> = (0..23)
            .map(|i| format!("example.com/m{i:02}@v1.0.0"))
            .collect();
        let mut short = Vec::new();
        list(&mut short, &items, false).unwrap();
        let short = String::from_utf8(short).unwrap();
        assert_eq!(short.lines().count(), MAX_NAMED + 1);
        assert!(short.ends_with("  example.com/m19@v1.0.0\n  and 3 more (-v names them all)\n"));
        let mut all = Vec::new();
        list(&mut all, &items, true).unwrap();
        assert_eq!(String::from_utf8(all).unwrap().lines().count(), 23);
    }
}
