//! What proxy mode's `vendor` will change in the GOPROXY tree, before anything is written: the
//! tree directory, then each needed module version against the previous manifest and lock (kept,
//! or its files written again), the versions no longer needed, the `list` files of the module
//! paths that changed, the manifest and the lock.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::formats::lock::{LOCK_FILE, LockFile, LockedModule, Mode, Tier};
use crate::formats::module::ModuleVersion;
use crate::modes::chosen_dir;
use crate::repo::{self, Repo};
use crate::resolve::needs::Needed;
use crate::sources::bundle::{self, Manifest, ManifestModule};
use crate::sources::modcache::ModuleSource;
use crate::sources::sumdb::Carried;
use crate::txn::open::check_plan_inside;
use crate::txn::plan::{FileChange, Plan, STAGING_DIR, TreeAdd};
use crate::txn::{Entry, Size, Summary};
use crate::util::fsutil;

/// Everything proxy mode decided, before anything is written.
pub(super) struct ProxyPlan {
    pub plan: Plan,
    pub summary: Summary,
    /// Module versions whose files are staged, and the new manifest and lists.
    pub stage: Vec<Needed>,
    pub manifest: Manifest,
    pub lists: BTreeMap<String, String>,
    /// The checksum database files to stage (all of them, when the part changed).
    pub sumdb_files: bundle::ExtraFiles,
    /// The tree directory, and the file that named it (or the directory itself, for `--dir` and
    /// the default), for a refusal of a path under it.
    pub dir: String,
    named_in: PathBuf,
}

/// The tree's directory of checksum database parts (`sumdb/<name>/…`; no module path is
/// `sumdb`, which has no dot in its first element).
const SUMDB_DIR: &str = "sumdb";

/// The directory inside [`STAGING_DIR`] the tree's files are staged in.
pub(super) const STAGED_SUBDIR: &str = "proxy";

impl ProxyPlan {
    /// The tree directory and the file that named it (see [`crate::txn::Change::named_dirs`]).
    pub(crate) fn named_dirs(&self) -> Vec<(PathBuf, PathBuf)> {
        vec![(PathBuf::from(&self.dir), self.named_in.clone())]
    }

    /// Refuse unless every path the plan changes is inside the repository now (see
    /// [`crate::txn::open::check_plan_inside`]).
    pub(crate) fn check_inside(&self, root: &Path) -> Result<()> {
        check_plan_inside(
            root,
            &self.plan,
            &[(Path::new(&self.dir), self.named_in.as_path())],
        )
    }
}

/// The GOPROXY tree directory ([`chosen_dir`], without a trailing `/`) and the file that named
/// it, refused unless it is a directory proxy mode may write (see [`repo::check_tree_dir`]) and
/// it is where the lock's tree is.
pub(super) fn tree_dir(repo: &Repo, flag: Option<&Path>) -> Result<(String, PathBuf)> {
    let prev = repo.lock.as_ref();
    let (dir, named_in) = chosen_dir(Mode::Proxy, flag, &repo.config, prev);
    let dir = dir.trim_end_matches('/').to_string();
    repo::check_tree_dir(&repo.root, Mode::Proxy, &dir, named_in)?;
    if let Some(l) = prev
        && l.dir != dir
    {
        bail!(
            "the GOPROXY tree is in `{}` (gomodoff.lock); run `gomodoff restore` before moving it to `{dir}`",
            l.dir
        );
    }
    let named_in = PathBuf::from(named_in.unwrap_or(&dir));
    Ok((dir, named_in))
}

/// The plan that makes the tree in `dir` hold exactly `needs`.
pub(super) fn plan_tree(
    repo: &Repo,
    dir: &str,
    named_in: PathBuf,
    needs: &[Needed],
    src: &dyn ModuleSource,
    carry: &mut dyn FnMut(&Manifest) -> Result<Option<Carried>>,
) -> Result<ProxyPlan> {
    let mut p = Planner::new(repo, dir)?;
    if let Some(path) = repo.gomod()?.module_path() {
        p.manifest.repos.insert(path.to_string());
    }
    for n in needs {
        p.add(n, src)?;
    }
    p.remove_gone()?;
    let carried = carry(&p.manifest)?;
    p.plan_sumdb(carried)?;
    p.plan_lists()?;
    p.plan_manifest()?;
    p.summary.remove = Size::of_trees(&repo.root, &p.plan.tree_removes);
    let gosum_bytes = repo.gosum_text.clone().unwrap_or_default();
    let lock = LockFile {
        mode: Mode::Proxy,
        dir: dir.to_string(),
        modfile: "go.mod".into(),
        gomod_before: repo.gomod_text.clone(),
        gomod_after: repo.gomod_text.clone(),
        gosum_sha256: fsutil::sha256_hex(gosum_bytes.as_bytes()),
        modules: p.locked,
        vendor: None,
        graph: None,
    };
    // What the tree was planned from: refused at apply time if it changed meanwhile.
    p.plan.add_inputs(repo.inputs());
    p.plan.files.push(FileChange {
        path: PathBuf::from(LOCK_FILE),
        before: fsutil::read_optional(&repo.root.join(LOCK_FILE))?,
        after: Some(lock.render().into_bytes()),
        show_diff: false,
    });
    // Staging stays the plan's even when no tree moves: `stage` writes the manifest there, and
    // the transaction removes the directory when it ends.
    Ok(ProxyPlan {
        plan: p.plan,
        summary: p.summary,
        stage: p.stage,
        manifest: p.manifest,
        lists: p.lists,
        sumdb_files: p.sumdb_files,
        dir: dir.to_string(),
        named_in,
    })
}

/// The plan being made, step by step, against what the tree and the lock hold now.
struct Planner<'a> {
    dir: &'a str,
    /// The tree directory on disk.
    tree: PathBuf,
    old_manifest: Manifest,
    old_lock: BTreeMap<ModuleVersion, &'a LockedModule>,
    /// Where the tree's files are staged, relative to the repository.
    staged_root: PathBuf,
    plan: Plan,
    summary: Summary,
    manifest: Manifest,
    stage: Vec<Needed>,
    locked: Vec<LockedModule>,
    lists: BTreeMap<String, String>,
    sumdb_files: bundle::ExtraFiles,
    /// Module paths with a version added or removed: their `list` files are written again.
    touched_paths: BTreeSet<String>,
}

impl<'a> Planner<'a> {
    /// Read the tree's manifest and the lock's modules (an unreadable manifest is an empty one).
    fn new(repo: &'a Repo, dir: &'a str) -> Result<Self> {
        let tree = repo.root.join(dir);
        let old_manifest = fsutil::read_optional(&tree.join(bundle::MANIFEST_FILE))?
            .and_then(|b| Manifest::parse("tree", &String::from_utf8_lossy(&b)).ok())
            .unwrap_or_default();
        let old_lock = repo
            .lock
            .iter()
            .flat_map(|l| &l.modules)
            .map(|m| {
                let mv = ModuleVersion {
                    path: m.path.clone(),
                    version: m.version.clone(),
                };
                (mv, m)
            })
            .collect();
        Ok(Planner {
            dir,
            tree,
            old_manifest,
            old_lock,
            staged_root: Path::new(STAGING_DIR).join(STAGED_SUBDIR),
            plan: Plan {
                staging: Some(PathBuf::from(STAGING_DIR)),
                ..Plan::default()
            },
            summary: Summary::default(),
            manifest: Manifest::new(),
            stage: Vec::new(),
            locked: Vec::new(),
            lists: BTreeMap::new(),
            sumdb_files: bundle::ExtraFiles::new(),
            touched_paths: BTreeSet::new(),
        })
    }

    /// `name` in the tree, relative to the repository.
    fn rel(&self, name: &str) -> PathBuf {
        Path::new(self.dir).join(name)
    }

    fn exists(&self, name: &str) -> bool {
        self.tree.join(name).is_file()
    }

    /// One needed module version: kept when the manifest and the lock say the same as before
    /// and its files are there, else its files are staged (replacing any there).
    fn add(&mut self, n: &Needed, src: &dyn ModuleSource) -> Result<()> {
        let entry = entry_of(n);
        self.manifest.add(entry.clone())?;
        match (n.tier, &n.gomod_h1) {
            (Tier::Full, _) => self.summary.full += 1,
            (Tier::GoMod, Some(_)) => self.summary.gomod_only += 1,
            (Tier::GoMod, None) => self.summary.info_only += 1,
        }
        let files = module_files(&entry)?;
        let old = self.old_lock.get(&n.content).copied();
        let lock_entry = lock_entry(n, src)?;
        let lock_same = match (&lock_entry, old) {
            (None, None) => true,
            (Some(l), Some(o)) => {
                o.tier == l.tier && o.zip_h1 == l.zip_h1 && o.gomod_h1 == l.gomod_h1
            }
            _ => false,
        };
        let in_manifest = self.old_manifest.get(&n.content);
        if in_manifest == Some(&entry) && lock_same && files.iter().all(|f| self.exists(f)) {
            self.summary
                .unchanged
                .push(Entry::of_module(&n.content, n.content.to_string()));
            if let Some(l) = lock_entry {
                self.locked.push(LockedModule {
                    origin: old.map_or(l.origin.clone(), |o| o.origin.clone()),
                    ..l
                });
            }
            return Ok(());
        }
        let size = module_size(n, src, files.len());
        let line = Entry::of_module(&n.content, format!("{}: {}", n.content, files_of(&files)));
        if old.is_some() || in_manifest.is_some() {
            self.summary.updated.push(line);
        } else {
            self.summary.added.push(line);
        }
        self.summary.write.add(size);
        self.remove_files(&n.content)?;
        for f in &files {
            self.plan.tree_adds.push(TreeAdd {
                staged: self.staged_root.join(f),
                target: self.rel(f),
            });
        }
        self.touched_paths.insert(n.content.path.clone());
        self.locked.extend(lock_entry);
        self.stage.push(n.clone());
        Ok(())
    }

    /// The `.mod`, `.zip` and `.info` of `mv` there now, removed.
    fn remove_files(&mut self, mv: &ModuleVersion) -> Result<()> {
        for ext in ["mod", "zip", "info"] {
            let name = bundle::module_file(mv, ext)?;
            if self.exists(&name) {
                self.plan.tree_removes.push(self.rel(&name));
            }
        }
        Ok(())
    }

    /// Module versions of the old lock or manifest no longer needed.
    fn remove_gone(&mut self) -> Result<()> {
        let mut gone: BTreeSet<ModuleVersion> = self.old_lock.keys().cloned().collect();
        gone.extend(self.old_manifest.modules().iter().map(|m| m.module()));
        for mv in gone {
            if self.manifest.get(&mv).is_some() {
                continue;
            }
            self.summary
                .removed
                .push(Entry::of_module(&mv, mv.to_string()));
            self.touched_paths.insert(mv.path.clone());
            self.remove_files(&mv)?;
        }
        Ok(())
    }

    /// The `list` file of each path that changed, when its text changes (gone when empty).
    fn plan_lists(&mut self) -> Result<()> {
        for path in &self.touched_paths {
            let name = bundle::list_file(path)?;
            let text = bundle::list_text(
                self.manifest
                    .versions_of(path)
                    .filter(|m| m.gomod_h1.is_some())
                    .map(|m| m.version.as_str()),
            );
            let current = fsutil::read_optional(&self.tree.join(&name))?;
            if current.as_deref() == Some(text.as_bytes()) {
                continue;
            }
            if current.is_some() {
                self.plan.tree_removes.push(self.rel(&name));
            }
            if !text.is_empty() {
                self.plan.tree_adds.push(TreeAdd {
                    staged: self.staged_root.join(&name),
                    target: self.rel(&name),
                });
                self.lists.insert(name, text);
            }
        }
        Ok(())
    }

    /// The checksum database part (`sumdb/`): kept when every file is already there as carried,
    /// else the whole directory written again (one tree holds one head); removed when nothing is
    /// carried now.
    fn plan_sumdb(&mut self, carried: Option<Carried>) -> Result<()> {
        let on_disk = self.tree.join(SUMDB_DIR).exists();
        let Some(carried) = carried else {
            if on_disk {
                self.plan.tree_removes.push(self.rel(SUMDB_DIR));
            }
            return Ok(());
        };
        let same = self.old_manifest.sumdb.as_ref() == Some(&carried.part)
            && carried.files.iter().try_fold(true, |same, (name, bytes)| {
                Ok::<bool, anyhow::Error>(
                    same && fsutil::read_optional(&self.tree.join(name))?.as_deref()
                        == Some(bytes.as_slice()),
                )
            })?;
        self.manifest.sumdb = Some(carried.part);
        if same {
            return Ok(());
        }
        if on_disk {
            self.plan.tree_removes.push(self.rel(SUMDB_DIR));
        }
        self.plan.tree_adds.push(TreeAdd {
            staged: self.staged_root.join(SUMDB_DIR),
            target: self.rel(SUMDB_DIR),
        });
        self.sumdb_files = carried.files;
        Ok(())
    }

    /// The manifest, when its text changes.
    fn plan_manifest(&mut self) -> Result<()> {
        let manifest_text = self.manifest.render();
        let current = fsutil::read_optional(&self.tree.join(bundle::MANIFEST_FILE))?;
        if current.as_deref() != Some(manifest_text.as_bytes()) {
            if current.is_some() {
                self.plan.tree_removes.push(self.rel(bundle::MANIFEST_FILE));
            }
            self.plan.tree_adds.push(TreeAdd {
                staged: self.staged_root.join(bundle::MANIFEST_FILE),
                target: self.rel(bundle::MANIFEST_FILE),
            });
        }
        Ok(())
    }
}

/// The lock lists what has a go.mod; a module read only for its `.info` is in the tree's
/// manifest alone.
fn lock_entry(n: &Needed, src: &dyn ModuleSource) -> Result<Option<LockedModule>> {
    let Some(gomod_h1) = &n.gomod_h1 else {
        return Ok(None);
    };
    Ok(Some(LockedModule {
        path: n.content.path.clone(),
        version: n.content.version.clone(),
        tier: n.tier,
        dir: stem(&n.content)?,
        zip_h1: n.zip_h1.clone(),
        gomod_h1: gomod_h1.clone(),
        origin: src.kind().to_string(),
        replace_path: n.content.path.clone(),
        replace_version: Some(n.content.version.clone()),
        displaced: None,
        synthesized_gomod: None,
        vendor_h1: None,
        slim: None,
        omitted_sha256: None,
    }))
}

fn entry_of(n: &Needed) -> ManifestModule {
    ManifestModule {
        path: n.content.path.clone(),
        version: n.content.version.clone(),
        zip_h1: n.zip_h1.clone(),
        gomod_h1: n.gomod_h1.clone(),
        info: n.listed,
    }
}

/// The files of one module version in the tree.
fn module_files(m: &ManifestModule) -> Result<Vec<String>> {
    let mv = m.module();
    let mut files = Vec::new();
    if m.gomod_h1.is_some() {
        files.push(bundle::module_file(&mv, "mod")?);
    }
    if m.zip_h1.is_some() {
        files.push(bundle::module_file(&mv, "zip")?);
    }
    if m.info {
        files.push(bundle::module_file(&mv, "info")?);
    }
    Ok(files)
}

/// What writing a module version's files adds to the tree: the files, the zip's size on disk,
/// the go.mod's and the `.info`'s (unknown ones count for nothing).
fn module_size(n: &Needed, src: &dyn ModuleSource, files: usize) -> Size {
    let zip = if n.zip_h1.is_some() {
        src.zip_path(&n.content)
            .ok()
            .and_then(|z| std::fs::metadata(z).ok())
            .map_or(0, |m| m.len())
    } else {
        0
    };
    let gomod = n.gomod.as_ref().map_or(0, Vec::len) as u64;
    let info = if n.listed {
        src.info(&n.content).map_or(0, |i| i.len() as u64)
    } else {
        0
    };
    Size::new(files as u64, zip + gomod + info)
}

/// `.mod, .zip, .info`: the kinds of a module version's files, for its preview line.
fn files_of(files: &[String]) -> String {
    files
        .iter()
        .filter_map(|f| f.rsplit_once('.').map(|(_, ext)| format!(".{ext}")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `<escaped path>/@v/<escaped version>`.
fn stem(mv: &ModuleVersion) -> Result<String> {
    Ok(Mode::Proxy.module_dir(&mv.path, &mv.version)?)
}
