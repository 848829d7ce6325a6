//! The three layouts gomodoff lays modules out in — replace directives over trees
//! ([`replace`]), go's own `vendor/` ([`vendor`](mod@vendor)), a `GOPROXY=file://` tree ([`proxy`]) — and
//! what every command asks of them.
//!
//! Every mode has the same verbs, and this module holds the only `match` on the mode that
//! dispatches them:
//!
//! | verb | replace | vendor | proxy |
//! |---|---|---|---|
//! | [`vendor`](fn@vendor) | [`replace::vendor`] | [`vendor::vendor`] | [`proxy::vendor`] |
//! | [`verify`] | [`replace::verify`] | [`vendor::verify_findings`] | [`proxy::verify`] |
//! | [`drift`] (`status`) | [`replace::drift`] | [`vendor::drift`] | [`proxy::drift`] |
//! | [`restore`] | [`replace::restore`] | [`vendor::restore`] | [`proxy::restore`] |
//!
//! [`licenses`] reads the licence files of what a lock lists from where each mode put them (the
//! one other place that looks at the mode: for where files are, not for what to do).
//!
//! Sibling modes never import each other; what replace and proxy mode share lives here
//! ([`chosen_dir`], the restore sequence in `undo`) or in [`crate::txn`].

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::formats::goflags;
use crate::formats::lock::{CONFIG_FILE, Config, LOCK_FILE, LockFile, Mode};
use crate::repo::{self, Repo};
use crate::sources::bundle;
use crate::sources::sumdb;
use crate::txn::open::{open_for_change, open_workspace_for_change};
use crate::util::context::{Context, Outcome};
use crate::util::fsutil;

pub(crate) mod fresh;
pub(crate) mod licenses;
pub(crate) mod proxy;
pub(crate) mod replace;
mod undo;
pub(crate) mod vendor;

/// `gomodoff vendor`: decide the mode, open the repository for the change (at the workspace for
/// vendor mode in a workspace, as `go work vendor` does) and lay the build's modules out.
pub(crate) fn vendor(ctx: &mut Context, opts: &VendorOptions) -> Result<Outcome> {
    let fresh = match answer_from_record(ctx, opts)? {
        Answered::Yes(outcome) => return Ok(outcome),
        Answered::No(fresh) => fresh,
    };
    if opts.mode.is_none_or(|m| m == Mode::Vendor)
        && let Some(work) = repo::workspace_file(&ctx.dir)
        && workspace_mode(&ctx.dir, &work, opts.mode) == Some(Mode::Vendor)
    {
        let (repo, _guard) = open_workspace_for_change(ctx, &work, opts.dry_run)?;
        let outcome = vendor::vendor(ctx, &repo, opts, &mut Vec::new())?;
        if !opts.dry_run {
            lock_after_run(ctx, &repo)?;
        }
        return Ok(outcome);
    }
    let (repo, _guard) = open_for_change(ctx, opts.dry_run)?;
    let mode = chosen_mode(opts.mode, Some(&repo.config), repo.lock.as_ref()).unwrap_or_default();
    if let Some(lock) = &repo.lock
        && lock.mode != mode
    {
        bail!(
            "this repository is vendored in {} mode (gomodoff.lock); run `gomodoff restore` before switching to {mode} mode",
            lock.mode
        );
    }
    let said = ctx.shell.warnings();
    let mut read = Vec::new();
    let outcome = match mode {
        Mode::Replace => replace::vendor(ctx, &repo, opts)?,
        Mode::Vendor => vendor::vendor(ctx, &repo, opts, &mut read)?,
        Mode::Proxy => proxy::vendor(ctx, &repo, opts)?,
    };
    if opts.dry_run {
        return Ok(outcome);
    }
    // Whether the run itself warned: the warning below about git ignoring the directory is
    // said again by every run, the ones answered from the record too.
    let warned = ctx.shell.warnings() != said;
    // The lock as this run left it, read once for the warning and the record.
    let after = lock_after_run(ctx, &repo)?;
    if let Some(fresh) = fresh {
        // Only a run that left the repository as vendored, with nothing to warn about, is
        // answered from the record next time.
        match (outcome, &after) {
            (Outcome::Ok, Some(lock)) if !warned => {
                fresh.record(&repo, lock, &read, &format!(
                    "nothing changed since the last `gomodoff vendor`: {} modules in `{}` ({} mode); nothing to do",
                    lock.modules.len(),
                    lock.dir,
                    lock.mode
                ));
            }
            _ => fresh.forget(),
        }
    }
    Ok(outcome)
}

/// Whether the record of the last run answered `vendor` (see [`fresh`]), and the record for
/// this run to keep when it did not.
enum Answered {
    Yes(Outcome),
    No(Option<Box<fresh::Fresh>>),
}

/// `vendor` answered from the record of the last run when nothing changed since: before the
/// repository is opened, under its lock (never while another run changes it). An interrupted
/// run, a lock held elsewhere or anything unexpected is left to the full run, which says so.
fn answer_from_record(ctx: &mut Context, opts: &VendorOptions) -> Result<Answered> {
    let Ok(root) = Repo::find_root(&ctx.dir) else {
        return Ok(Answered::No(None));
    };
    let Some(fresh) = fresh::Fresh::new(ctx, &root, opts) else {
        return Ok(Answered::No(None));
    };
    let guard = if opts.dry_run {
        None
    } else {
        match fsutil::RepoLock::acquire(fresh.root()) {
            Ok(guard) => Some(guard),
            Err(_) => return Ok(Answered::No(Some(Box::new(fresh)))),
        }
    };
    let recorded = if crate::txn::journal::interrupted(fresh.root()) {
        None
    } else {
        fresh.check()
    };
    // `go env` started before the lock was taken: until its process runs go, it holds a copy
    // of the lock's descriptor, and the full run below could not take the lock again.
    fresh.wait();
    let Some(recorded) = recorded else {
        drop(guard);
        return Ok(Answered::No(Some(Box::new(fresh))));
    };
    let outcome = crate::txn::nothing_to_do(ctx, &recorded.message)?;
    if !opts.dry_run {
        // Nothing changed: the lock is the one the record was made with.
        warn_if_ignored(
            ctx,
            fresh.root(),
            Some((recorded.mode, &recorded.dir)),
            false,
        )?;
    }
    drop(guard);
    Ok(Answered::Yes(outcome))
}

/// gomodoff.lock as a run left `repo`, once [`warn_if_ignored`] said what it has to about the
/// directory the lock names.
fn lock_after_run(ctx: &mut Context, repo: &Repo) -> Result<Option<LockFile>> {
    let after = LockFile::load(&repo.root).ok().flatten();
    let laid_out = after.as_ref().map(|l| (l.mode, l.dir.as_str()));
    warn_if_ignored(ctx, &repo.root, laid_out, repo.lock.is_none())?;
    Ok(after)
}

/// A warning when git ignores the directory `vendor` laid out (a common `/vendor/` line): `git
/// add` would leave it out, and the offline build fails on the next checkout. Otherwise, when
/// `first` (there was no gomodoff.lock before this run) and the directory was laid out, in a git
/// work tree whose `.gitattributes` does not mention the directory yet: a note with the line
/// that makes code review tools collapse it (printed, never written). `lock` is the repository's
/// gomodoff.lock's mode and directory as the run left it.
fn warn_if_ignored(
    ctx: &mut Context,
    root: &Path,
    lock: Option<(Mode, &str)>,
    first: bool,
) -> Result<()> {
    let Some((mode, lock_dir)) = lock else {
        return Ok(());
    };
    let dir = match mode {
        Mode::Vendor => vendor::VENDOR_DIR.to_string(),
        Mode::Replace | Mode::Proxy => lock_dir.to_string(),
    };
    if let Some(rule) = repo::git_ignores(root, &dir) {
        let dir = dir.trim_end_matches('/');
        ctx.shell.warn(&format!(
            "git ignores `{dir}/` ({rule}), so `git add` leaves out what gomodoff laid out there and an offline build of another checkout fails; commit it with `git add -f {dir}`, or remove that line. To keep it out of reviews and language statistics, a `.gitattributes` line does it: `{dir}/** linguist-generated`"
        ))?;
        return Ok(());
    }
    let dir = dir.trim_end_matches('/');
    if first && repo::in_git_work_tree(root) && !gitattributes_mention(root, dir) {
        ctx.shell.note(&format!(
            "to have code review tools collapse what gomodoff laid out, add this line to `.gitattributes` (gomodoff does not write it): `{dir}/** linguist-generated`"
        ))?;
    }
    Ok(())
}

/// Whether the repository's `.gitattributes` names `dir` already (on any line).
fn gitattributes_mention(root: &Path, dir: &str) -> bool {
    std::fs::read_to_string(root.join(".gitattributes"))
        .is_ok_and(|text| text.lines().any(|l| l.contains(dir)))
}

/// The mode a command works in: the `--mode` flag, else gomodoff.toml's `mode`, else the mode
/// gomodoff.lock records; `None` when none says (replace mode is the default).
pub(crate) fn chosen_mode(
    flag: Option<Mode>,
    config: Option<&Config>,
    lock: Option<&LockFile>,
) -> Option<Mode> {
    flag.or(config.and_then(|c| c.mode))
        .or(lock.map(|l| l.mode))
}

/// In a workspace: the mode the workspace's own gomodoff files choose, else the module's.
fn workspace_mode(dir: &Path, work: &Path, flag: Option<Mode>) -> Option<Mode> {
    let ws_root = work.parent().unwrap_or(Path::new("."));
    let ws_config = Config::load(ws_root).ok();
    let ws_lock = LockFile::load(ws_root).ok().flatten();
    chosen_mode(flag, ws_config.as_ref(), ws_lock.as_ref()).or_else(|| {
        let module = Repo::open(dir).ok()?;
        chosen_mode(None, Some(&module.config), module.lock.as_ref())
    })
}

/// The tree directory a command lays modules out in: the `--dir` flag, else gomodoff.toml's
/// `dir`, else the directory gomodoff.lock records, else the mode's default; and the file that
/// named it (`None` for the flag and the default).
pub(crate) fn chosen_dir(
    mode: Mode,
    flag: Option<&Path>,
    config: &Config,
    lock: Option<&LockFile>,
) -> (String, Option<&'static str>) {
    match (flag, &config.dir, lock) {
        (Some(d), _, _) => (d.to_string_lossy().replace('\\', "/"), None),
        (None, Some(d), _) => (d.clone(), Some(CONFIG_FILE)),
        (None, None, Some(l)) => (l.dir.clone(), Some(LOCK_FILE)),
        (None, None, None) => (mode.default_dir().to_string(), None),
    }
}

/// `gomodoff verify` in the lock's mode: everything not as gomodoff laid it out.
pub(crate) fn verify(ctx: &mut Context, repo: &Repo, lock: &LockFile) -> Result<Findings> {
    let mut findings = match lock.mode {
        Mode::Replace => replace::verify(ctx, repo, lock)?,
        Mode::Vendor => {
            let cache = crate::sources::modcache::ModCache::locate(ctx.modcache.as_deref()).ok();
            vendor::verify_findings(repo, lock, cache.as_ref())?
        }
        Mode::Proxy => return Ok(Findings::Tree(proxy::verify(ctx, repo, lock)?)),
    };
    findings.sort_by(|a, b| (&a.module, &a.file).cmp(&(&b.module, &b.file)));
    Ok(Findings::Modules(findings))
}

/// `gomodoff status`: every way the repository differs from what the lock recorded, one line
/// each (an interrupted change, or no lock, is one line too).
pub(crate) fn drift(repo: &Repo) -> Result<Vec<String>> {
    if crate::txn::journal::interrupted(&repo.root) {
        return Ok(vec![crate::txn::journal::INTERRUPTED.to_string()]);
    }
    let Some(lock) = &repo.lock else {
        return Ok(vec!["not vendored: there is no gomodoff.lock".into()]);
    };
    match lock.mode {
        Mode::Replace => replace::drift(repo, lock),
        Mode::Vendor => vendor::drift(repo, lock),
        Mode::Proxy => proxy::drift(repo, lock),
    }
}

/// `gomodoff restore` in the lock's mode: undo what `vendor` did.
pub(crate) fn restore(
    ctx: &mut Context,
    repo: &Repo,
    lock: &LockFile,
    opts: &RestoreOptions,
) -> Result<Outcome> {
    match lock.mode {
        Mode::Replace => replace::restore(ctx, repo, lock, opts),
        Mode::Vendor => vendor::restore(ctx, repo, lock, opts),
        Mode::Proxy => proxy::restore(ctx, repo, lock, opts),
    }
}

/// Refuse `gomodoff go` (before go runs) unless the repository is vendored in a mode it
/// vendors again after go: replace mode, go.mod edited. Elsewhere go.mod carries no gomodoff
/// lines and go changes dependencies on its own.
pub(crate) fn check_revendor(repo: &Repo) -> Result<()> {
    let Some(lock) = &repo.lock else {
        crate::bail_hint!(
            hint = "run go as it is (`go get …`, `go mod tidy`), then `gomodoff vendor`",
            "this repository is not vendored by gomodoff (there is no gomodoff.lock)"
        );
    };
    let why = match lock.mode {
        Mode::Replace if lock.modfile == "go.mod" => return Ok(()),
        Mode::Replace => format!(
            "gomodoff's replace directives are in `{}`, not in go.mod",
            lock.modfile
        ),
        Mode::Vendor | Mode::Proxy => {
            format!("go.mod carries no gomodoff lines in {} mode", lock.mode)
        }
    };
    crate::bail_hint!(
        hint = "run go as it is (`go get …`, `go mod tidy`, online), then `gomodoff vendor`",
        "`gomodoff go` is for replace mode with go.mod edited: {why}"
    );
}

/// `gomodoff go`: vendor again from the go.mod (without gomodoff's lines) and go.sum go wrote,
/// as one transaction that also writes them (see [`check_revendor`]).
pub(crate) fn revendor(
    ctx: &mut Context,
    repo: &Repo,
    gomod: String,
    gosum: Option<String>,
    opts: &VendorOptions,
) -> Result<Outcome> {
    check_revendor(repo)?;
    match repo.lock.as_ref().map(|l| l.mode) {
        Some(Mode::Replace) => replace::revendor(ctx, repo, gomod, gosum, opts),
        Some(Mode::Vendor | Mode::Proxy) | None => bail!("`gomodoff go` is for replace mode"),
    }
}

/// What `gomodoff vendor` was asked.
#[derive(Debug, Clone, Default)]
pub(crate) struct VendorOptions {
    pub mode: Option<Mode>,
    pub dir: Option<PathBuf>,
    pub yes: bool,
    pub dry_run: bool,
    pub modfile: bool,
    pub report_dropped: bool,
    /// Whole module trees in replace mode (`--whole`).
    pub whole: bool,
    /// Proxy mode: leave the checksum database out of the tree (`--no-sumdb`).
    pub no_sumdb: bool,
}

/// What `gomodoff restore` was asked.
#[derive(Debug, Clone, Default)]
pub(crate) struct RestoreOptions {
    pub yes: bool,
    pub dry_run: bool,
    pub keep_tree: bool,
}

/// One thing that is not as gomodoff wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub module: String,
    pub kind: &'static str,
    pub file: Option<String>,
    pub detail: String,
}

/// What `verify` found, in the shape the mode reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Findings {
    /// Replace and vendor mode: by module and file, sorted.
    Modules(Vec<Finding>),
    /// Proxy mode: by file or module of the GOPROXY tree, sorted.
    Tree(Vec<Problem>),
}

impl Findings {
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Findings::Modules(f) => f.is_empty(),
            Findings::Tree(p) => p.is_empty(),
        }
    }

    /// Every finding in the one shape of `--json` documents ([`finding_document`]).
    pub(crate) fn document(&self) -> Vec<serde_json::Value> {
        match self {
            Findings::Modules(f) => f
                .iter()
                .map(|f| {
                    let subject = match &f.file {
                        Some(file) => format!("{}: {file}", f.module),
                        None => f.module.clone(),
                    };
                    let module = Some(f.module.as_str());
                    finding_document(&subject, module, f.file.as_deref(), f.kind, &f.detail)
                })
                .collect(),
            Findings::Tree(p) => p
                .iter()
                .map(|p| finding_document(&p.subject, None, None, "tree", &p.problem))
                .collect(),
        }
    }
}

/// A finding as every `--json` document shows one (verify's, status's drift): what it is about
/// (`subject`: a module, a file, go.mod), the module and file when it names them, its kind and
/// what is wrong.
pub(crate) fn finding_document(
    subject: &str,
    module: Option<&str>,
    file: Option<&str>,
    kind: &str,
    detail: &str,
) -> serde_json::Value {
    serde_json::json!({
        "subject": subject,
        "module": module,
        "file": file,
        "kind": kind,
        "detail": detail,
    })
}

/// A drift line of [`drift`] (`go.mod: requires … (new)`) as a finding of kind `drift`.
pub(crate) fn drift_document(line: &str) -> serde_json::Value {
    let (subject, detail) = line.split_once(": ").unwrap_or((line, ""));
    finding_document(subject, None, None, "drift", detail)
}

/// One problem of a GOPROXY tree: a file or module, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Problem {
    pub subject: String,
    pub problem: String,
}

/// The `GOFLAGS` flags gomodoff owns in an offline build: it sets them for the mode, and a
/// user's own entry for one is replaced or dropped.
pub(crate) const OWNED_GOFLAGS: &[&str] = &["mod", "modfile"];

/// The mode's `GOFLAGS` entries: `-mod=vendor` (vendor mode), else `-mod=readonly`, and replace
/// mode's `-modfile` when it laid out a copy of go.mod.
pub(crate) fn mode_goflags(repo: &Repo) -> Vec<String> {
    let mut flags = vec!["-mod=readonly".to_string()];
    if let Some(lock) = &repo.lock {
        match lock.mode {
            Mode::Replace if lock.modfile != "go.mod" => {
                flags.push(format!("-modfile={}", lock.modfile));
            }
            Mode::Vendor => flags = vec!["-mod=vendor".to_string()],
            Mode::Replace | Mode::Proxy => {}
        }
    }
    flags
}

/// The variables for offline builds in this repository's mode, in print order, with the mode's
/// `GOFLAGS` alone (what `check` runs with).
pub(crate) fn offline_env(repo: &Repo) -> Vec<(String, String)> {
    env_with_goflags(repo, mode_goflags(repo).join(" "))
}

/// The offline environment for the user's build: [`offline_env`] with the user's `GOFLAGS`
/// (`user_goflags`) kept, only `-mod` and `-modfile` set by the mode ([`OWNED_GOFLAGS`]).
pub(crate) struct UserOfflineEnv {
    pub vars: Vec<(String, String)>,
    /// Each entry of the user's GOFLAGS replaced by the mode's (or dropped: `None`).
    pub replaced: Vec<(String, Option<String>)>,
    /// Why the tree's checksum database part cannot be used (GOSUMDB stays off), when it carries
    /// one that verifies.
    pub sumdb_off: Option<String>,
    /// Tiles of the head go already trusts written into its module cache (see
    /// [`sumdb::ready_for_go`]).
    pub sumdb_tiles_added: usize,
}

/// [`UserOfflineEnv`] for `user_goflags`; refused, as go refuses it, when an entry of it is not
/// a flag.
pub(crate) fn user_offline_env(repo: &Repo, user_goflags: &str) -> Result<UserOfflineEnv> {
    let merged = goflags::merge(user_goflags, &mode_goflags(repo), OWNED_GOFLAGS);
    let merged = match merged {
        Ok(m) => m,
        Err(entry) => crate::bail_hint!(
            hint = "each GOFLAGS entry is one `-flag=value` or `-flag`, separated by spaces (go supports no quoting in GOFLAGS); fix GOFLAGS, or `go env -w GOFLAGS=…`",
            "GOFLAGS `{user_goflags}` holds `{entry}`, which is not a flag (go refuses it too: `go: parsing $GOFLAGS: non-flag \"{entry}\"`)"
        ),
    };
    let mut vars = env_with_goflags(repo, merged.value);
    let carried = carried_gosumdb(repo)?;
    let (mut sumdb_off, mut sumdb_tiles_added) = (None, 0);
    match carried {
        Some(Ok((gosumdb, added))) => {
            if let Some(v) = vars.iter_mut().find(|(k, _)| k == "GOSUMDB") {
                v.1 = gosumdb;
            }
            sumdb_tiles_added = added;
        }
        Some(Err(why)) => sumdb_off = Some(why),
        None => {}
    }
    Ok(UserOfflineEnv {
        vars,
        replaced: merged.replaced,
        sumdb_off,
        sumdb_tiles_added,
    })
}

/// The user's `GOSUMDB` (and the tiles written for go's start), when proxy mode's tree carries
/// the database it names, that part verifies with its key (go then checks, offline, every module
/// go.sum does not vouch for) and go on this machine can start with it offline
/// ([`sumdb::ready_for_go`]); `Some(Err(why))` when the part verifies but go could not use it
/// offline; `None` otherwise. The environment keeps GOSUMDB=off unless `Some(Ok(_))`.
fn carried_gosumdb(repo: &Repo) -> Result<Option<Ready>> {
    let Some(lock) = repo.lock.as_ref().filter(|l| l.mode == Mode::Proxy) else {
        return Ok(None);
    };
    let tree = repo.root.join(&lock.dir);
    let Some(text) = fsutil::read_optional(&tree.join(bundle::MANIFEST_FILE))? else {
        return Ok(None);
    };
    let Ok(manifest) = bundle::Manifest::parse("tree", &String::from_utf8_lossy(&text)) else {
        return Ok(None);
    };
    if manifest.sumdb.is_none() {
        return Ok(None);
    }
    let user = sumdb::user_sumdb(&repo.root)?;
    let Some(db) = &user.database else {
        return Ok(None);
    };
    let Some(part) = &manifest.sumdb else {
        return Ok(None);
    };
    Ok(match bundle::check_sumdb(&tree, &manifest, &db.key)? {
        Some(findings) if findings.is_empty() => Some(
            sumdb::ready_for_go(&repo.root, &db.key, &tree, part)
                .map(|added| (user.gosumdb.clone(), added)),
        ),
        _ => None,
    })
}

/// The user's `GOSUMDB` and the tiles written for go's start, or why go cannot use the part.
type Ready = std::result::Result<(String, usize), String>;

fn env_with_goflags(repo: &Repo, goflags: String) -> Vec<(String, String)> {
    let proxy = match &repo.lock {
        Some(lock) if lock.mode == Mode::Proxy => {
            format!("file://{}", repo.root.join(&lock.dir).display())
        }
        _ => "off".to_string(),
    };
    vec![
        ("GOFLAGS".into(), goflags),
        ("GOPROXY".into(), proxy),
        ("GOSUMDB".into(), "off".into()),
        ("GOTOOLCHAIN".into(), "local".into()),
        // A vendored workspace builds from the vendor/ beside its go.work; anything else on its
        // own, whatever go.work lies around.
        (
            "GOWORK".into(),
            match &repo.workspace {
                Some(ws) => ws.work_file.display().to_string(),
                None => "off".into(),
            },
        ),
    ]
}
