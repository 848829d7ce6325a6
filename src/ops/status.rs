//! `gomodoff status`: is what `vendor` laid out still in sync with go.mod and go.sum? Lists
//! drift (each mode's, from `crate::modes::drift`): go.mod or go.sum changed since, trees
//! missing, trees nobody asked for; and, when gomodoff.toml has a `[licenses]` policy, every
//! laid-out module that breaks it. `--check` turns either into exit 1, for CI.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::formats::goflags;
use crate::formats::lock::Mode;
use crate::ops::{Context, Outcome};
use crate::repo::Repo;
use crate::sources::goenv::user_goflags;
use crate::util::env;

#[derive(Debug, Clone, Default)]
pub(crate) struct StatusOptions {
    pub check: bool,
}

pub(crate) fn status(ctx: &mut Context, opts: &StatusOptions) -> Result<Outcome> {
    let repo = crate::repo::open_vendored(&ctx.dir)?;
    let drift = crate::modes::drift(&repo)?;
    let bypass = bypass_warnings(&repo, &user_goflags(&repo.root), env::var("GOWORK"));
    for w in &bypass {
        ctx.shell.warn(w)?;
    }
    let hint = dependencies_changed(&repo, &drift).then_some(GO_HINT);
    let violations = match (&repo.config.licenses, &repo.lock) {
        (Some(policy), Some(lock)) => {
            let reports = crate::modes::licenses::of_repo(&repo, lock)?;
            let mut v = crate::modes::licenses::violations(policy, &reports);
            v.sort_by(|a, b| (&a.module, &a.version).cmp(&(&b.module, &b.version)));
            v
        }
        _ => Vec::new(),
    };
    if ctx.shell.is_json() {
        let lock = repo.lock.as_ref();
        ctx.shell.document(serde_json::json!({
            "vendored": lock.is_some(),
            "in_sync": drift.is_empty(),
            "mode": lock.map(|l| l.mode.to_string()),
            "dir": lock.map(|l| l.dir.clone()),
            "modules": lock.map(|l| l.modules.len()),
            "drift": drift.iter().map(|d| crate::modes::drift_document(d)).collect::<Vec<_>>(),
            "environment_warnings": bypass,
            "hint": hint,
            "license_violations": violations.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }))?;
    } else if drift.is_empty() {
        let lock = repo
            .lock
            .as_ref()
            .map(|l| (l.modules.len(), l.dir.clone(), l.mode))
            .unwrap_or_default();
        writeln!(
            ctx.shell.out(),
            "in sync: {} modules in `{}` ({} mode)",
            lock.0,
            lock.1,
            lock.2
        )?;
    } else {
        for d in &drift {
            writeln!(ctx.shell.out(), "{d}")?;
        }
        writeln!(
            ctx.shell.out(),
            "out of sync: run `gomodoff vendor` to bring the vendored modules up to date"
        )?;
        if let Some(hint) = hint {
            writeln!(ctx.shell.out(), "hint: {hint}")?;
        }
    }
    if !ctx.shell.is_json() {
        for v in &violations {
            writeln!(ctx.shell.out(), "licence policy violation: {v}")?;
        }
    }
    Ok(
        if opts.check && (!drift.is_empty() || !violations.is_empty()) {
            Outcome::Differs
        } else {
            Outcome::Ok
        },
    )
}

/// What to do when dependencies drifted in a repository whose go.mod holds gomodoff's replace
/// directives ([`dependencies_changed`]).
const GO_HINT: &str = "to change dependencies here, `gomodoff go get …` / `gomodoff go mod tidy` run go and vendor its result in one step: go records no go.sum line for a module gomodoff replaced (see \"Changing dependencies\" in gomodoff's README)";

/// Whether go.mod or go.sum drifted in a repository whose go.mod holds gomodoff's replace
/// directives: the case `gomodoff go` is for.
fn dependencies_changed(repo: &Repo, drift: &[String]) -> bool {
    repo.lock
        .as_ref()
        .is_some_and(|l| l.mode == Mode::Replace && l.modfile == "go.mod")
        && drift
            .iter()
            .any(|d| d.starts_with("go.mod:") || d.starts_with("go.sum:"))
}

/// What in the exported environment makes a plain `go` command here bypass what gomodoff
/// vendored (`gomodoff env`/`exec` override all of it): the user's `goflags` (environment, else
/// `go env -w`) and an exported `gowork`.
fn bypass_warnings(repo: &Repo, goflags: &str, gowork: Option<String>) -> Vec<String> {
    let Some(lock) = &repo.lock else {
        return Vec::new();
    };
    let fix = "use `gomodoff exec -- go …` or `eval \"$(gomodoff env)\"`";
    let mut warnings = Vec::new();
    match (lock.mode, goflags::value(goflags, "mod")) {
        (Mode::Vendor, Some(m)) if m != "vendor" => warnings.push(format!(
            "GOFLAGS has -mod={m}: a plain `go build` here ignores vendor/ and reads modules from the module cache or the network; {fix}, or drop it"
        )),
        (Mode::Replace | Mode::Proxy, Some("vendor")) => warnings.push(format!(
            "GOFLAGS has -mod=vendor: a plain `go build` here looks for a vendor/ directory, which {} mode does not lay out, and fails; {fix}, or drop it",
            lock.mode
        )),
        _ => {}
    }
    if let Some(m) = goflags::value(goflags, "modfile")
        && !same_file(&repo.root.join(m), &repo.root.join(&lock.modfile))
    {
        warnings.push(format!(
            "GOFLAGS has -modfile={m}, but gomodoff vendored for {}: a plain `go build` here reads {m} instead; {fix}, or drop it",
            lock.modfile
        ));
    }
    if let Some(w) = gowork.filter(|w| w != "off") {
        let vendored = repo.workspace.as_ref().map(|ws| ws.work_file.clone());
        if vendored
            .as_ref()
            .is_none_or(|v| !same_file(Path::new(&w), v))
        {
            let used = match &vendored {
                Some(v) => format!("the vendored workspace is {}", v.display()),
                None => "gomodoff vendored this module on its own".to_string(),
            };
            warnings.push(format!(
                "GOWORK={w} is exported: a plain `go build` here builds in that workspace, but {used}; {fix}, or unset GOWORK"
            ));
        }
    }
    warnings
}

/// Whether two paths name the same file: canonically when both exist, else as written.
fn same_file(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| PathBuf::from(p));
    canon(a) == canon(b)
}
