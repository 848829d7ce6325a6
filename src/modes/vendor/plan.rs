//! What `gomodoff vendor` will change: the current `vendor/` against the computed one, the new
//! lock and listing, the transaction that swaps them in.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use super::compute::Computed;
use super::listing::{parse_listing, render_listing};
use super::{BACKUP_DIR, BACKUP_STAGING, LISTING_FILE, VENDOR_DIR};
use crate::formats::dirhash;
use crate::formats::gosum::GoSum;
use crate::formats::lock::{LOCK_FILE, LockFile, LockedModule, Mode, Tier, VendorState, WORK_FILE};
use crate::formats::module::ModuleVersion;
use crate::formats::modules_txt::VendorList;
use crate::repo::Repo;
use crate::resolve::graph::ReplaceTarget;
use crate::sources::extract::Content;
use crate::sources::verified::{self, Records};
use crate::txn::plan::{FileChange, Plan, STAGING_DIR, TreeAdd};
use crate::util::fsutil;

/// What the current `vendor/` holds.
#[derive(Default)]
pub(super) struct Current {
    pub(super) exists: bool,
    pub(super) files: BTreeMap<String, [u8; 32]>,
    /// Module path → version, from the current modules.txt.
    pub(super) versions: BTreeMap<String, String>,
    pub(super) modules_txt: Option<Vec<u8>>,
    /// The listing gomodoff wrote last time (files it wrote), if any.
    pub(super) listed: BTreeMap<String, [u8; 32]>,
}

/// What this run will change, and what the preview shows of it.
pub(super) struct VendorPlan {
    pub(super) plan: Plan,
    pub(super) current: Current,
    pub(super) lock: LockFile,
    /// Whether `vendor/` itself changes.
    pub(super) tree_changes: bool,
    /// The `vendor/` from before gomodoff is saved by this run.
    pub(super) backup_now: bool,
}

/// What the current `vendor/` holds, and the listing gomodoff wrote for it (when the lock is a
/// vendor-mode one).
fn read_current(repo: &Repo, prev: Option<&LockFile>) -> Result<Current> {
    let vendor_dir = repo.root.join(VENDOR_DIR);
    let mut current = Current {
        exists: vendor_dir.is_dir(),
        ..Current::default()
    };
    if prev.is_some()
        && let Some(listing) = fsutil::read_optional(&repo.root.join(LISTING_FILE))?
    {
        current.listed = parse_listing(&listing).unwrap_or_default();
    }
    if current.exists {
        // Unchanged since a run hashed it (every file's stamp the recorded one): its digests
        // from that run's record, without reading it again.
        let expected = (!current.listed.is_empty()).then_some(&current.listed);
        current.files =
            verified::tree_digests(&Records::from_env(), &vendor_dir, VENDOR_DIR, expected)
                .with_context(|| format!("failed to hash `{}`", vendor_dir.display()))?;
        current.modules_txt = fsutil::read_optional(&vendor_dir.join("modules.txt"))?;
        if let Some(text) = &current.modules_txt {
            let list = VendorList::read(&String::from_utf8_lossy(text));
            current
                .versions
                .extend(list.order.into_iter().map(|m| (m.path, m.version)));
        }
    }
    Ok(current)
}

pub(super) fn plan_vendor(repo: &Repo, computed: &Computed, origin: &str) -> Result<VendorPlan> {
    let prev = repo.lock.as_ref().filter(|l| l.mode == Mode::Vendor);
    let current = read_current(repo, prev)?;
    let new_digests: BTreeMap<&str, [u8; 32]> = computed
        .files
        .iter()
        .map(|(k, f)| (k.as_str(), f.digest))
        .collect();
    let tree_changes = !current.exists
        || current.files.len() != new_digests.len()
        || current
            .files
            .iter()
            .any(|(k, d)| new_digests.get(k.as_str()) != Some(d));
    // Saved whenever gomodoff first writes over a vendor/ (even an identical one, so that
    // restore can tell "there was one" from "there was none").
    let backup_now = prev.is_none() && current.exists;
    if backup_now && repo.root.join(BACKUP_DIR).exists() {
        crate::bail_hint!(
            hint = "it may be the backup of an earlier run whose lock was removed; move it away (or put it back as vendor/) and run again",
            "`{BACKUP_DIR}` exists but gomodoff.lock does not record it"
        );
    }
    // The backup of the vendor/ from before gomodoff.
    let backup = if backup_now {
        Some(BACKUP_DIR.to_string())
    } else {
        prev.and_then(|l| l.vendor.as_ref())
            .and_then(|v| v.backup.clone())
    };
    let listing = render_listing(&computed.files);
    let lock = new_lock(repo, computed, origin, prev, &listing, backup)?;
    let plan = transaction(repo, &current, tree_changes, backup_now, &lock, listing)?;
    Ok(VendorPlan {
        plan,
        current,
        lock,
        tree_changes,
        backup_now,
    })
}

/// The lock this run writes.
fn new_lock(
    repo: &Repo,
    computed: &Computed,
    origin: &str,
    prev: Option<&LockFile>,
    listing: &str,
    backup: Option<String>,
) -> Result<LockFile> {
    let gosum = repo.gosum()?;
    Ok(LockFile {
        mode: Mode::Vendor,
        dir: VENDOR_DIR.into(),
        modfile: if repo.workspace.is_some() {
            WORK_FILE.into()
        } else {
            "go.mod".into()
        },
        gomod_before: repo.gomod_text.clone(),
        gomod_after: repo.gomod_text.clone(),
        gosum_sha256: fsutil::sha256_hex(repo.gosum_text.clone().unwrap_or_default().as_bytes()),
        modules: locked_modules(computed, &gosum, origin, prev)?,
        vendor: Some(VendorState {
            sum_sha256: fsutil::sha256_hex(listing.as_bytes()),
            backup,
        }),
        graph: Some(computed.graph.clone()),
    })
}

/// The transaction: `vendor/` swapped when it changes, the backup added on the first run, the
/// lock and the listing written, refused if what `vendor/` was computed from changed.
fn transaction(
    repo: &Repo,
    current: &Current,
    tree_changes: bool,
    backup_now: bool,
    lock: &LockFile,
    listing: String,
) -> Result<Plan> {
    let mut plan = Plan {
        staging: Some(PathBuf::from(STAGING_DIR)),
        ..Plan::default()
    };
    if tree_changes {
        if current.exists {
            plan.tree_removes.push(PathBuf::from(VENDOR_DIR));
        }
        plan.tree_adds.push(TreeAdd {
            staged: Path::new(STAGING_DIR).join(VENDOR_DIR),
            target: PathBuf::from(VENDOR_DIR),
        });
    }
    if backup_now {
        plan.tree_adds.push(TreeAdd {
            staged: Path::new(STAGING_DIR).join(BACKUP_STAGING),
            target: PathBuf::from(BACKUP_DIR),
        });
    }
    // What vendor/ was computed from: refused at apply time if it changed meanwhile.
    plan.add_inputs(repo.inputs());
    plan.files.push(FileChange {
        path: PathBuf::from(LOCK_FILE),
        before: fsutil::read_optional(&repo.root.join(LOCK_FILE))?,
        after: Some(lock.render().into_bytes()),
        show_diff: false,
    });
    plan.files.push(FileChange {
        path: PathBuf::from(LISTING_FILE),
        before: fsutil::read_optional(&repo.root.join(LISTING_FILE))?,
        after: Some(listing.into_bytes()),
        show_diff: false,
    });
    Ok(plan)
}

/// One lock entry per module of modules.txt (build-list modules, not replacement lines).
fn locked_modules(
    computed: &Computed,
    gosum: &GoSum,
    origin: &str,
    prev: Option<&LockFile>,
) -> Result<Vec<LockedModule>> {
    let list = VendorList::read(&computed.tree.modules_txt);
    let per_module = listing_lines(computed);
    let build_list: HashSet<&ModuleVersion> = computed.inputs.build_list.iter().collect();
    // The previous lock's entries by module version (a scan per module is quadratic in the
    // build list).
    let previous: HashMap<(&str, &str), Vec<&LockedModule>> = prev.map_or_else(HashMap::new, |p| {
        let mut by: HashMap<(&str, &str), Vec<&LockedModule>> = HashMap::new();
        for o in &p.modules {
            by.entry((o.path.as_str(), o.version.as_str()))
                .or_default()
                .push(o);
        }
        by
    });
    let mut out = Vec::new();
    for mv in &list.order {
        if !build_list.contains(mv) {
            continue; // a replacement line (`# old v0.9.0 => new v1.1.0`), not a module
        }
        let files = computed.modules.get(mv);
        let (replace_path, replace_version) = vendored_from(computed, mv);
        let zip_h1 = replace_version
            .as_ref()
            .and_then(|v| gosum.zip_hash(&replace_path, v))
            .map(str::to_string);
        let gomod_h1 = replace_version
            .as_ref()
            .and_then(|v| gosum.gomod_hash(&replace_path, v))
            .unwrap_or_default()
            .to_string();
        let lines = per_module.get(mv);
        let vendor_h1 = lines.map(dirhash::hash1_from_digests).transpose()?;
        // Keep the origin a module's files really came from while they are unchanged.
        let origin = previous
            .get(&(mv.path.as_str(), mv.version.as_str()))
            .and_then(|os| os.iter().find(|o| o.vendor_h1 == vendor_h1))
            .map_or_else(
                || files.map_or_else(|| origin.to_string(), |f| f.origin.clone()),
                |o| o.origin.clone(),
            );
        out.push(LockedModule {
            path: mv.path.clone(),
            version: mv.version.clone(),
            tier: if lines.is_some() {
                Tier::Full
            } else {
                Tier::GoMod
            },
            dir: Mode::Vendor.module_dir(&mv.path, &mv.version)?,
            zip_h1,
            gomod_h1,
            origin,
            replace_path,
            replace_version,
            displaced: None,
            synthesized_gomod: None,
            vendor_h1,
            slim: None,
            omitted_sha256: None,
        });
    }
    Ok(out)
}

/// The listing's lines of each module (`vendor/<file>` → digest).
fn listing_lines(computed: &Computed) -> HashMap<&ModuleVersion, BTreeMap<String, [u8; 32]>> {
    let mut per_module: HashMap<&ModuleVersion, BTreeMap<String, [u8; 32]>> = HashMap::new();
    for (dest, f) in &computed.files {
        if let Some(m) = &f.module {
            per_module
                .entry(m)
                .or_default()
                .insert(format!("{VENDOR_DIR}/{dest}"), f.digest);
        }
    }
    per_module
}

/// The module whose files were vendored for `mv`: path and version, or a directory without
/// version (from its files when it has any, else from the replacements).
fn vendored_from(computed: &Computed, mv: &ModuleVersion) -> (String, Option<String>) {
    match computed.modules.get(mv).map(|f| &f.content) {
        Some(Content::Module(c)) => (c.path.clone(), Some(c.version.clone())),
        Some(Content::Dir(d)) => (d.clone(), None),
        None => match computed
            .inputs
            .replaces
            .iter()
            .find(|r| {
                r.old_path == mv.path && r.old_version.as_deref().is_none_or(|v| v == mv.version)
            })
            .map(|r| &r.target)
        {
            Some(ReplaceTarget::Module(c)) => (c.path.clone(), Some(c.version.clone())),
            Some(ReplaceTarget::Dir(d)) => (d.to_string_lossy().replace('\\', "/"), None),
            None => (mv.path.clone(), Some(mv.version.clone())),
        },
    }
}
