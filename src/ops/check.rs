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
pub struct CheckOptions {
    /// Build flags passed to every go step that lists or builds packages (`-- -tags noassets`).
    pub go_args: Vec<String>,
}

/// Where go's output said something about a module input, or about the code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoReport {
    /// Modules go tried to fetch or could not find, `path@version`.
    pub modules: BTreeSet<String>,
    /// Import paths go looked for a module for (`cannot find module providing package P`,
    /// `missing go.sum entry for module providing package P`); named as modules by
    /// [`name_modules`].
    pub imports: BTreeSet<String>,
    /// Lookups reported at an import in a source file (`file:line:col: module lookup disabled by
    /// GOPROXY=off`): the import path is read from the file.
    pub lookups_at: Vec<Position>,
    /// Lookups whose line names neither a module nor a position (`go: module lookup disabled by
    /// GOPROXY=off` while loading go.mod files).
    pub unnamed_lookups: usize,
    /// go's own words when the go version asked for is newer than the installed go (or when go
    /// tried to download a toolchain).
    pub toolchain: BTreeSet<String>,
    /// Packages that failed for a reason other than a missing module (`# pkg` headers of compiler
    /// output, `imports P: build constraints exclude all Go files`).
    pub packages: BTreeSet<String>,
    /// Source files named by errors that are not about modules (compile errors without a `# pkg`
    /// header); turned into packages by the caller, who knows the directory go ran in.
    pub files: BTreeSet<String>,
}

/// `file:line:col` as go prints it (relative to the directory go ran in, or absolute).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub file: String,
    pub line: usize,
    pub col: usize,
}

impl GoReport {
    /// Whether go needed a module input it did not have.
    pub fn has_gap(&self) -> bool {
        !self.modules.is_empty()
            || !self.imports.is_empty()
            || !self.lookups_at.is_empty()
            || self.unnamed_lookups > 0
    }

    fn merge(&mut self, other: GoReport) {
        self.modules.extend(other.modules);
        self.imports.extend(other.imports);
        self.lookups_at.extend(other.lookups_at);
        self.unnamed_lookups += other.unnamed_lookups;
        self.toolchain.extend(other.toolchain);
        self.packages.extend(other.packages);
        self.files.extend(other.files);
    }
}

/// What the whole run found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
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
    pub fn kind(&self) -> &'static str {
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

pub fn check(ctx: &mut Context, opts: &CheckOptions) -> Result<Outcome> {
    let repo = repo::open_vendored(&ctx.dir)?;
    // The same test `status` makes: gomodoff.lock is the vendored state of every mode. Without
    // it an offline build can only fail, and the failure would say nothing about gomodoff —
    // unless go.mod needs no module from outside the repository, which `vendor` answers with
    // "nothing to vendor" and no lock.
    if repo.lock.is_none() && !self_contained(&repo)? {
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
    let mut env = offline_env(&repo);
    for (k, v) in env.iter_mut() {
        if k == "GOFLAGS" {
            v.push_str(" -modcacherw");
        }
    }
    env.push(("GOMODCACHE".into(), modcache.path().display().to_string()));
    let goproxy = env
        .iter()
        .find(|(k, _)| k == "GOPROXY")
        .map_or("off", |(_, v)| v.as_str())
        .to_string();
    // With GOPROXY=off every `go: downloading` is a fetch that failed; from the repository's own
    // file:// tree (proxy mode) downloads are how the build reads its modules.
    let downloads_fail = goproxy == "off";
    // `-o /dev/null`: go discards what it builds, so a single main package writes no binary into
    // the repository, and a module without main packages is fine too.
    let null = if cfg!(windows) { "NUL" } else { "/dev/null" };
    let mut steps: Vec<Vec<&str>> = Vec::new();
    if !vendor_mode {
        // Module graph only: build flags do not change it.
        steps.push(vec!["list", "-m", "all"]);
    }
    let user: Vec<&str> = opts.go_args.iter().map(String::as_str).collect();
    steps.push([&["list", "-deps", "-test"][..], &user, &["./..."]].concat());
    steps.push([&["build", "-o", null][..], &user, &["./..."]].concat());
    // A workspace: every `use`d module, each from its directory (`./...` does not reach across
    // modules).
    let dirs = step_dirs(&repo)?;
    let requires = requirements(&repo)?;
    let verbose = ctx.shell.verbosity() == Verbosity::Verbose;
    let mut report = GoReport::default();
    let mut failed_packages = BTreeSet::new();
    let mut ran = Vec::new();
    for (args, d) in steps.iter().flat_map(|a| dirs.iter().map(move |d| (a, d))) {
        let out = go_command()
            .args(args)
            .current_dir(&d.dir)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env_remove("GOENV")
            .output()
            .context("failed to run `go`")
            .hint("install go, or set GOMODOFF_GO to its path")?;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let ok = out.status.success();
        let mut found = parse_go_stderr(&stderr, downloads_fail);
        resolve_lookups(&mut found, &repo.root, &d.dir);
        for f in std::mem::take(&mut found.files) {
            failed_packages.insert(package_of_file(&f, d, modcache.path()));
        }
        let step = Step {
            command: format!("go {}{}", args.join(" "), d.label),
            ok,
            stderr,
        };
        if !ctx.json {
            show_step(ctx, &step, found.has_gap() && !verbose)?;
        }
        report.merge(found);
        ran.push(step);
    }
    failed_packages.extend(std::mem::take(&mut report.packages));
    let mains: Vec<String> = dirs.iter().filter_map(|d| d.module.clone()).collect();
    let verdict = verdict(&ran, report, &requires, failed_packages, &mains);
    if ctx.json {
        let (modules, unprovided, unnamed, packages, toolchain) = match &verdict {
            Verdict::OfflineGap {
                modules,
                unprovided,
                unnamed,
            } => (
                modules.clone(),
                unprovided.clone(),
                *unnamed,
                vec![],
                vec![],
            ),
            Verdict::BuildError { packages, .. } => (vec![], vec![], 0, packages.clone(), vec![]),
            Verdict::Toolchain(lines) => (vec![], vec![], 0, vec![], lines.clone()),
            Verdict::Ok => (vec![], vec![], 0, vec![], vec![]),
        };
        let steps: Vec<_> = ran
            .iter()
            .map(|s| serde_json::json!({ "command": s.command, "ok": s.ok, "stderr": s.stderr }))
            .collect();
        let v = serde_json::json!({
            "ok": verdict == Verdict::Ok,
            "verdict": verdict.kind(),
            "env": env,
            "go_args": opts.go_args,
            "steps": steps,
            "fetched": modules,
            "unprovided_packages": unprovided,
            "unnamed_lookups": unnamed,
            "failed_packages": packages,
            "toolchain": toolchain,
        });
        writeln!(ctx.shell.out(), "{}", serde_json::to_string_pretty(&v)?)?;
    } else {
        show_verdict(ctx, &verdict, ran.len(), &goproxy, verbose, vendor_mode)?;
    }
    Ok(if verdict == Verdict::Ok {
        Outcome::Ok
    } else {
        Outcome::Differs
    })
}

/// Whether go.mod (each module's of a workspace) requires nothing but modules it replaces with
/// a directory: then there is nothing to vendor, and `vendor` writes no lock.
fn self_contained(repo: &Repo) -> Result<bool> {
    let mods = match &repo.workspace {
        Some(ws) => ws
            .modules
            .iter()
            .map(|m| m.gomod())
            .collect::<Result<_>>()?,
        None => vec![repo.gomod()?],
    };
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
    let mods = match &repo.workspace {
        Some(ws) => ws
            .modules
            .iter()
            .map(|m| m.gomod())
            .collect::<Result<_>>()?,
        None => vec![repo.gomod()?],
    };
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

/// The modules of the report, plus the module providing each import path it names: the longest
/// module path of go.mod's requirements (or of the modules go named) that is the import path or
/// a prefix of it at a `/`. Import paths no module provides are returned apart.
pub fn name_modules(
    report: &GoReport,
    requires: &[(String, String)],
) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut modules = report.modules.clone();
    let named: Vec<(String, String)> = report
        .modules
        .iter()
        .filter_map(|m| m.split_once('@'))
        .map(|(p, v)| (p.to_string(), v.to_string()))
        .collect();
    let mut unprovided = BTreeSet::new();
    for import in &report.imports {
        let provider = requires
            .iter()
            .chain(&named)
            .filter(|(p, _)| {
                import == p
                    || import
                        .strip_prefix(p.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            })
            .max_by_key(|(p, _)| p.len());
        match provider {
            Some((p, v)) => {
                modules.insert(format!("{p}@{v}"));
            }
            None => {
                unprovided.insert(import.clone());
            }
        }
    }
    (modules, unprovided)
}

/// Reads go's stderr. `downloads_fail`: every `go: downloading M v` line is a fetch that cannot
/// succeed (GOPROXY=off), so it names a module the build needs.
///
/// The forms, as go 1.26 prints them (see the tests for captured output):
/// - `go: downloading M v`; `go: downloading go1.X (os/arch)` (a toolchain);
/// - `go: M@v: module lookup disabled by GOPROXY=off`, `file:l:c: M@v: reading URL: …`,
///   `go: M@v: missing go.sum entry for go.mod file`, `M@v: replacement directory … does not
///   exist`, `go: M@v (replaced by DIR): reading …`, `\tM@v: is explicitly required in go.mod,
///   but not marked as explicit in vendor/modules.txt` — any `path@version:` names the module;
/// - `file:l:c: module lookup disabled by GOPROXY=off` (the import at that position) and `go:
///   module lookup disabled by GOPROXY=off` (nothing named);
/// - `cannot find module providing package P: …` (`import lookup disabled by -mod=readonly`,
///   `… -mod=vendor`, `module lookup disabled by GOPROXY=off`, `module P: reading …/@v/list`),
///   `no required module provides package P`, `go: finding module for package P`, `missing
///   go.sum entry for module providing package P`, `missing go.sum entry needed to verify package
///   P …`;
/// - `go.mod requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)` (also `go.work …`,
///   `module ./dir …`), `download go1.99.0 for linux/amd64: toolchain not available`, `switching
///   to go >= …`;
/// - anything else: `# pkg` compiler output headers, `imports P: …`/`package P: …` and
///   `file:l:c: …` lines are the code's own errors.
pub fn parse_go_stderr(stderr: &str, downloads_fail: bool) -> GoReport {
    let mut r = GoReport::default();
    for raw in stderr.lines() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let (said_go, mut msg) = match line.strip_prefix("go: ") {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        msg = msg.strip_prefix("can't load test package: ").unwrap_or(msg);
        if said_go && let Some(rest) = msg.strip_prefix("downloading ") {
            let mut words = rest.split_whitespace();
            match (words.next(), words.next()) {
                (Some(v), Some(platform)) if platform.starts_with('(') => {
                    r.toolchain
                        .insert(format!("go tried to download the toolchain {v} {platform}"));
                }
                (Some(path), Some(version)) if downloads_fail => {
                    r.modules.insert(format!("{path}@{version}"));
                }
                _ => {}
            }
            continue;
        }
        if is_toolchain_refusal(msg) {
            r.toolchain.insert(msg.to_string());
            continue;
        }
        if let Some(header) = line.strip_prefix("# ") {
            // `# example.com/x [example.com/x.test]`: the package, not its test variant.
            if let Some(pkg) = header.split_whitespace().next() {
                r.packages.insert(pkg.to_string());
            }
            continue;
        }
        let (position, msg) = match split_position(msg) {
            Some((pos, rest)) => (Some(pos), rest),
            None => (None, msg),
        };
        if let Some(pkg) = package_lookup(msg) {
            r.imports.insert(pkg);
            continue;
        }
        let named = module_versions(msg);
        if !named.is_empty() {
            r.modules.extend(named);
            continue;
        }
        if msg.contains("module lookup disabled by GOPROXY=off")
            || msg.contains("import lookup disabled by -mod=")
            || msg.starts_with("inconsistent vendoring")
        {
            match position {
                Some(p) => r.lookups_at.push(p),
                None => r.unnamed_lookups += 1,
            }
            continue;
        }
        if let Some(pkg) = failing_package(msg) {
            r.packages.insert(pkg);
            continue;
        }
        if let Some(p) = position {
            r.files.insert(p.file);
        }
    }
    r
}

/// go refusing (or trying) to switch to a newer go: `go.mod requires go >= 1.99 (running go
/// 1.26.8; GOTOOLCHAIN=local)`, `download go1.99.0 for linux/amd64: toolchain not available`.
fn is_toolchain_refusal(msg: &str) -> bool {
    (msg.contains("requires go >= ") && msg.contains("(running go "))
        || (msg.starts_with("download go") && msg.contains("toolchain not available"))
        || msg.starts_with("switching to go >= ")
}

/// `file:line:col: rest` (or `file:line: rest`) split into the position and the rest.
fn split_position(msg: &str) -> Option<(Position, &str)> {
    let (head, rest) = msg.split_once(": ")?;
    let mut parts = head.rsplitn(3, ':');
    let last = parts.next()?.parse::<usize>().ok()?;
    let mid = parts.next()?;
    let (file, line, col) = match mid.parse::<usize>() {
        Ok(line) => (parts.next()?, line, last),
        Err(_) => {
            // `file:line: rest`: `mid` is the file, unless more colons came before it.
            if parts.next().is_some() {
                return None;
            }
            (mid, last, 0)
        }
    };
    if file.is_empty() || file.contains(char::is_whitespace) {
        return None;
    }
    Some((
        Position {
            file: file.to_string(),
            line,
            col,
        },
        rest,
    ))
}

/// The import path of go's messages that looked for the module providing a package.
fn package_lookup(msg: &str) -> Option<String> {
    const FORMS: [&str; 5] = [
        "cannot find module providing package ",
        "no required module provides package ",
        "finding module for package ",
        "missing go.sum entry for module providing package ",
        "missing go.sum entry needed to verify package ",
    ];
    FORMS.iter().find_map(|form| {
        let (_, rest) = msg.split_once(form)?;
        let pkg = rest
            .split(|c: char| c.is_whitespace() || c == ':' || c == ';')
            .next()?;
        (!pkg.is_empty()).then(|| pkg.to_string())
    })
}

/// Every `path@version` that go names as the subject of an error: followed by `:` or by
/// ` (replaced by`. A file path holding `@v` (`…/x@v1.0.0/f.go:3:4`) is not one: its version
/// runs into a `/`.
fn module_versions(msg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = msg;
    while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
        let len = rest[start..]
            .find(char::is_whitespace)
            .unwrap_or(rest.len() - start);
        let word = &rest[start..start + len];
        let followed = &rest[start + len..];
        rest = followed;
        let token = match word.strip_suffix(':') {
            Some(t) => t,
            None if followed.starts_with(" (replaced by ") => word,
            None => continue,
        };
        let Some((path, version)) = token.rsplit_once('@') else {
            continue;
        };
        let version_ok = version.starts_with('v')
            && version[1..].starts_with(|c: char| c.is_ascii_digit())
            && version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".+-".contains(c));
        let path_ok = !path.is_empty()
            && !path.starts_with(['/', '.'])
            && path
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "./_~+-".contains(c));
        if version_ok && path_ok {
            out.push(format!("{path}@{version}"));
        }
    }
    out
}

/// The package of `imports P: …` (go's import stack) and `package P: …` lines.
fn failing_package(msg: &str) -> Option<String> {
    let rest = msg
        .strip_prefix("imports ")
        .or_else(|| msg.strip_prefix("package "))?;
    let (pkg, _) = rest.split_once(": ")?;
    (!pkg.is_empty() && !pkg.contains(char::is_whitespace)).then(|| pkg.to_string())
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
    let shown = if brief {
        lines.len().min(MAX_NAMED)
    } else {
        lines.len()
    };
    let err = ctx.shell.err();
    for l in &lines[..shown] {
        writeln!(err, "    {l}")?;
    }
    if shown < lines.len() {
        writeln!(
            err,
            "    ({} more lines of go's output; -v shows them)",
            lines.len() - shown
        )?;
    }
    Ok(())
}

/// `items`, one per line and indented, the first [`MAX_NAMED`] unless `all`.
fn list(out: &mut dyn std::io::Write, items: &[String], all: bool) -> std::io::Result<()> {
    let shown = if all {
        items.len()
    } else {
        items.len().min(MAX_NAMED)
    };
    for i in &items[..shown] {
        writeln!(out, "  {i}")?;
    }
    if shown < items.len() {
        writeln!(
            out,
            "  and {} more (-v names them all)",
            items.len() - shown
        )?;
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
        } => {
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
                    plural(*unnamed, "lookup", "lookups")
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
        }
        Verdict::BuildError {
            packages,
            in_dependency,
        } => {
            // vendor/ as go writes it can lack a dependency's C files: go found every module,
            // yet not every file.
            let complete = if *in_dependency && vendor_mode {
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
            if *in_dependency && vendor_mode {
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
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modules(r: &GoReport) -> Vec<&str> {
        r.modules.iter().map(String::as_str).collect()
    }

    // Every stderr below was captured from go 1.26.8 (linux/amd64), run with GOPROXY=off,
    // GOTOOLCHAIN=local, GOFLAGS=-mod=readonly and an empty GOMODCACHE unless said otherwise.

    /// `go list -m all` in a go 1.22 module whose requirements are not in the module cache.
    #[test]
    fn list_m_all_lookups_some_naming_no_module() {
        let stderr = "go: module lookup disabled by GOPROXY=off\ngo: module lookup disabled by GOPROXY=off\ngo: example.com/Upper/Mixed@v1.0.0: module lookup disabled by GOPROXY=off\n";
        let r = parse_go_stderr(stderr, true);
        assert_eq!(modules(&r), ["example.com/Upper/Mixed@v1.0.0"]);
        assert_eq!(r.unnamed_lookups, 2);
        assert!(r.has_gap());
    }

    /// `go build ./...` of the same module: one `downloading` line per module, then a lookup per
    /// import, at the import's position.
    #[test]
    fn downloading_lines_and_lookups_at_imports() {
        let stderr = "go: downloading example.com/Upper/Mixed v1.0.0\ngo: downloading example.com/legacy v2.0.0+incompatible\ngo: downloading example.com/pseudo v0.0.0-20240101000000-abcdefabcdef\ninternal/report/report.go:5:2: module lookup disabled by GOPROXY=off\ninternal/report/report.go:6:2: module lookup disabled by GOPROXY=off\n";
        let r = parse_go_stderr(stderr, true);
        assert_eq!(
            modules(&r),
            [
                "example.com/Upper/Mixed@v1.0.0",
                "example.com/legacy@v2.0.0+incompatible",
                "example.com/pseudo@v0.0.0-20240101000000-abcdefabcdef"
            ]
        );
        assert_eq!(
            r.lookups_at,
            [
                Position {
                    file: "internal/report/report.go".into(),
                    line: 5,
                    col: 2
                },
                Position {
                    file: "internal/report/report.go".into(),
                    line: 6,
                    col: 2
                }
            ]
        );
        // From a file:// GOPROXY (proxy mode) a download is how the build reads a module.
        let r = parse_go_stderr(stderr, false);
        assert!(r.modules.is_empty());
        // `go list -deps -test`: the same lookup behind "can't load test package".
        let r = parse_go_stderr(
            "go: can't load test package: internal/report/report.go:5:2: module lookup disabled by GOPROXY=off\n",
            true,
        );
        assert_eq!(r.lookups_at.len(), 1);
        assert!(r.files.is_empty());
    }

    #[test]
    fn missing_go_sum_entries() {
        let stderr = "go: module lookup disabled by GOPROXY=off\ngo: example.com/dep@v1.0.0: missing go.sum entry for go.mod file; to add it:\n\tgo mod download example.com/dep\nmain.go:3:8: missing go.sum entry for module providing package example.com/dep/sub (imported by example.com/a); to add:\n\tgo get example.com/a\n";
        let r = parse_go_stderr(stderr, true);
        assert_eq!(modules(&r), ["example.com/dep@v1.0.0"]);
        assert_eq!(
            r.imports.iter().collect::<Vec<_>>(),
            ["example.com/dep/sub"]
        );
        // go.mod's requirement names the module providing the package.
        let (m, none) = name_modules(&r, &[("example.com/dep".into(), "v1.0.0".into())]);
        assert_eq!(
            m.into_iter().collect::<Vec<_>>(),
            ["example.com/dep@v1.0.0"]
        );
        assert!(none.is_empty());
        let r = parse_go_stderr(
            "x.go:3:8: missing go.sum entry needed to verify package example.com/m/p (imported by example.com/a) is provided by exactly one module; to add:\n",
            true,
        );
        assert_eq!(r.imports.iter().collect::<Vec<_>>(), ["example.com/m/p"]);
    }

    #[test]
    fn cannot_find_module_providing_package_in_every_mode() {
        for stderr in [
            // -mod=readonly (check's default)
            "main.go:3:8: cannot find module providing package example.com/nodep/pkg: import lookup disabled by -mod=readonly\n",
            // -mod=mod (passed after `--`)
            "go: finding module for package example.com/nodep/pkg\nmain.go:3:8: cannot find module providing package example.com/nodep/pkg: module lookup disabled by GOPROXY=off\n",
            // -mod=mod with a file:// GOPROXY that lacks the module
            "go: finding module for package example.com/nodep/pkg\nmain.go:3:8: cannot find module providing package example.com/nodep/pkg: module example.com/nodep/pkg: reading file:///tmp/scratch-d/emptyproxy/example.com/nodep/pkg/@v/list: no such file or directory\n",
            // -mod=vendor
            "main.go:3:8: cannot find module providing package example.com/nodep/pkg: import lookup disabled by -mod=vendor\n",
        ] {
            let r = parse_go_stderr(stderr, true);
            assert_eq!(
                r.imports.iter().collect::<Vec<_>>(),
                ["example.com/nodep/pkg"],
                "{stderr}"
            );
            assert!(r.modules.is_empty() && r.files.is_empty(), "{stderr}");
            let (m, none) = name_modules(&r, &[("example.com/other".into(), "v1.0.0".into())]);
            assert!(m.is_empty());
            assert_eq!(
                none.into_iter().collect::<Vec<_>>(),
                ["example.com/nodep/pkg"]
            );
        }
        // A vendored package gone from vendor/: the module is in go.mod.
        let r = parse_go_stderr(
            "go: can't load test package: internal/report/report.go:13:2: cannot find module providing package example.com/tagged: import lookup disabled by -mod=vendor\n",
            true,
        );
        let (m, _) = name_modules(&r, &[("example.com/tagged".into(), "v1.0.0".into())]);
        assert_eq!(
            m.into_iter().collect::<Vec<_>>(),
            ["example.com/tagged@v1.0.0"]
        );
    }

    #[test]
    fn reading_a_file_proxy_names_the_module() {
        let stderr = "go: example.com/Upper/Mixed@v1.0.0: reading file:///tmp/scratch-d/emptyproxy/example.com/%21upper/%21mixed/@v/v1.0.0.info: no such file or directory\ngo: downloading example.com/embedded v1.0.0\ninternal/report/report.go:7:2: example.com/embedded@v1.0.0: reading file:///tmp/scratch-d/emptyproxy/example.com/embedded/@v/v1.0.0.zip: no such file or directory\ngo: can't load test package: internal/report/report.go:8:2: example.com/legacy@v2.0.0+incompatible: reading file:///tmp/scratch-d/emptyproxy/example.com/legacy/@v/v2.0.0+incompatible.zip: no such file or directory\n";
        let r = parse_go_stderr(stderr, false);
        assert_eq!(
            modules(&r),
            [
                "example.com/Upper/Mixed@v1.0.0",
                "example.com/embedded@v1.0.0",
                "example.com/legacy@v2.0.0+incompatible"
            ]
        );
        // go -mod=mod's import stack form.
        let r = parse_go_stderr(
            "go: example.com/basic/internal/report imports\n\texample.com/Upper/Mixed/sub: example.com/Upper/Mixed@v1.0.0: reading https://proxy.golang.org/example.com/%21upper/%21mixed/@v/v1.0.0.zip: 400 Bad Request\n",
            true,
        );
        assert_eq!(modules(&r), ["example.com/Upper/Mixed@v1.0.0"]);
        assert!(r.packages.is_empty());
    }

    #[test]
    fn missing_replacement_directories_and_inconsistent_vendoring() {
        let r = parse_go_stderr(
            "go: example.com/loc@v1.0.0 (replaced by ./third_party/loc): reading third_party/loc/go.mod: open /tmp/scratch-d/gone/third_party/loc/go.mod: no such file or directory\nm.go:3:8: example.com/loc@v1.0.0: replacement directory ./third_party/loc does not exist\n",
            true,
        );
        assert_eq!(modules(&r), ["example.com/loc@v1.0.0"]);
        let r = parse_go_stderr(
            "go: inconsistent vendoring in /tmp/scratch-d/vb:\n\texample.com/tagged@v1.0.0: is explicitly required in go.mod, but not marked as explicit in vendor/modules.txt\n\n\tTo ignore the vendor directory, use -mod=readonly or -mod=mod.\n\tTo sync the vendor directory, run:\n\t\tgo mod vendor\n",
            false,
        );
        assert_eq!(modules(&r), ["example.com/tagged@v1.0.0"]);
        assert!(r.has_gap());
    }

    #[test]
    fn toolchain_refusals_and_downloads() {
        for (stderr, want) in [
            (
                "go: go.mod requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)\n",
                "go.mod requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)",
            ),
            (
                "go: ../go.work requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)\n",
                "../go.work requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)",
            ),
            (
                "go: example.com/loc@v1.0.0: module ./loc requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)\n",
                "example.com/loc@v1.0.0: module ./loc requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)",
            ),
        ] {
            let r = parse_go_stderr(stderr, true);
            assert_eq!(r.toolchain.iter().collect::<Vec<_>>(), [want]);
            assert!(!r.has_gap(), "{stderr}");
        }
        // GOTOOLCHAIN=auto: go tries to fetch the toolchain module.
        let r = parse_go_stderr(
            "go: downloading go1.99.0 (linux/amd64)\ngo: download go1.99.0 for linux/amd64: toolchain not available\n",
            true,
        );
        assert_eq!(
            r.toolchain.iter().collect::<Vec<_>>(),
            [
                "download go1.99.0 for linux/amd64: toolchain not available",
                "go tried to download the toolchain go1.99.0 (linux/amd64)"
            ]
        );
        assert!(r.modules.is_empty());
    }

    #[test]
    fn compile_errors_are_the_codes() {
        let stderr = "# example.com/ce/gen\ngen/gen.go:3:9: undefined: generatedValue\n# example.com/ce/tagged [example.com/ce/tagged.test]\ntagged/b.go:3:9: undefined: Y\n";
        let r = parse_go_stderr(stderr, true);
        assert!(!r.has_gap());
        assert_eq!(
            r.packages.iter().collect::<Vec<_>>(),
            ["example.com/ce/gen", "example.com/ce/tagged"]
        );
        // A compile error in a module tree: the `@v` in the file name names no module.
        let r = parse_go_stderr(
            "third_party/gomod/example.com/x@v1.0.0/f.go:3:4: undefined: y\n",
            true,
        );
        assert!(!r.has_gap());
        assert_eq!(
            r.files.iter().collect::<Vec<_>>(),
            ["third_party/gomod/example.com/x@v1.0.0/f.go"]
        );
        let r = parse_go_stderr(
            "package example.com/bc\n\timports example.com/bc/only: build constraints exclude all Go files in /tmp/scratch-d/bc/only\n",
            true,
        );
        assert!(!r.has_gap());
        assert_eq!(
            r.packages.iter().collect::<Vec<_>>(),
            ["example.com/bc/only"]
        );
        // go's hints are not modules it fetched.
        let r = parse_go_stderr(
            "main.go:5:2: package example.com/a imports example.com/b from implicitly required module; to add missing requirements, run:\n\tgo get example.com/b@v1.0.0\n",
            true,
        );
        assert!(!r.has_gap());
    }

    #[test]
    fn the_longest_required_module_provides_an_import() {
        let mut r = GoReport::default();
        r.imports.insert("example.com/multi/v2/sub".into());
        r.imports.insert("example.com/multiple".into());
        let requires = [
            ("example.com/multi".to_string(), "v1.2.0".to_string()),
            ("example.com/multi/v2".to_string(), "v2.0.0".to_string()),
        ];
        let (m, none) = name_modules(&r, &requires);
        assert_eq!(
            m.into_iter().collect::<Vec<_>>(),
            ["example.com/multi/v2@v2.0.0"]
        );
        assert_eq!(
            none.into_iter().collect::<Vec<_>>(),
            ["example.com/multiple"]
        );
    }

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

    #[test]
    fn positions_split_only_where_go_prints_them() {
        let (p, rest) = split_position("a/b.go:12:3: undefined: x").unwrap();
        assert_eq!(
            (p.file.as_str(), p.line, p.col, rest),
            ("a/b.go", 12, 3, "undefined: x")
        );
        let (p, _) = split_position("go.mod:7: unknown directive").unwrap();
        assert_eq!((p.file.as_str(), p.line, p.col), ("go.mod", 7, 0));
        assert!(split_position("example.com/a@v1.0.0: reading x").is_none());
        assert!(split_position("module lookup disabled by GOPROXY=off").is_none());
    }
}
