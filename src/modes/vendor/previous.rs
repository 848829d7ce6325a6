//! What gomodoff wrote last time, to spare checking again a module whose vendored files are
//! byte for byte the ones checked then.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use anyhow::Result;
use rayon::prelude::*;

use super::LISTING_FILE;
use super::listing::{LockOwners, owner, parse_listing};
use crate::formats::gosum::GoSum;
use crate::formats::lock::{LockedModule, Mode};
use crate::formats::module::ModuleVersion;
use crate::repo::Repo;
use crate::resolve::vendoring::VendorTree;
use crate::sources::extract::{Content, Digests, ModuleFiles};
use crate::util::fsutil;

/// What gomodoff wrote last time, when the listing still matches the lock: the vendored files
/// of a module that are byte for byte the ones checked then need no new check of the module.
pub(super) struct Previous {
    pub(super) modules: Vec<LockedModule>,
    /// Listing lines per module (index into `modules`), keyed relative to the module's root.
    pub(super) files: HashMap<usize, Digests>,
}

impl Previous {
    pub(super) fn read(repo: &Repo) -> Result<Option<Previous>> {
        let Some(lock) = repo.lock.as_ref().filter(|l| l.mode == Mode::Vendor) else {
            return Ok(None);
        };
        let Some(state) = &lock.vendor else {
            return Ok(None);
        };
        let Some(listing) = fsutil::read_optional(&repo.root.join(LISTING_FILE))? else {
            return Ok(None);
        };
        if fsutil::sha256_hex(&listing) != state.sum_sha256 {
            return Ok(None);
        }
        let Ok(lines) = parse_listing(&listing) else {
            return Ok(None);
        };
        let owners = LockOwners::new(&lock.modules);
        let mut files: HashMap<usize, Digests> = HashMap::new();
        for (file, digest) in lines {
            if let Some(i) = owners.owner(&file) {
                let rel = file[lock.modules[i].dir.len()..].trim_start_matches('/');
                files.entry(i).or_default().insert(rel.to_string(), digest);
            }
        }
        Ok(Some(Previous {
            modules: lock.modules.clone(),
            files,
        }))
    }

    /// The suspects whose vendored files are exactly those gomodoff checked and wrote last
    /// time (same version, same go.sum hash, same files and bytes), with their digests. A module
    /// that provides no package now is never vouched for: it must be checked in full.
    pub(super) fn vouch(
        &self,
        tree: &VendorTree,
        suspects: &[ModuleVersion],
        modules: &HashMap<ModuleVersion, ModuleFiles>,
        gosum: &GoSum,
    ) -> Vec<(ModuleVersion, Digests)> {
        let mut by_module: HashMap<&ModuleVersion, Vec<&Path>> = HashMap::new();
        let vendored: BTreeSet<String> = tree.packages.keys().map(|m| m.path.clone()).collect();
        let by_path: HashMap<&str, &ModuleVersion> =
            tree.packages.keys().map(|m| (m.path.as_str(), m)).collect();
        for f in &tree.files {
            if let Some(m) = owner(&f.dest, &vendored).map(|p| by_path[p]) {
                by_module.entry(m).or_default().push(&f.source);
            }
        }
        suspects
            .par_iter()
            .filter_map(|m| {
                let files = modules.get(m)?;
                let Content::Module(c) = &files.content else {
                    return None;
                };
                let i = self.modules.iter().position(|o| {
                    o.path == m.path
                        && o.version == m.version
                        && o.replace_path == c.path
                        && o.replace_version.as_deref() == Some(c.version.as_str())
                })?;
                let want_sum = gosum.zip_hash(&c.path, &c.version)?;
                if self.modules[i].zip_h1.as_deref() != Some(want_sum) {
                    return None;
                }
                let before = self.files.get(&i)?;
                let sources = by_module.get(m)?;
                if sources.len() != before.len() {
                    return None;
                }
                let mut now = Digests::new();
                for source in sources {
                    let rel = source.strip_prefix(&files.root).ok()?;
                    let rel = rel.to_string_lossy().replace('\\', "/");
                    now.insert(rel, fsutil::sha256_file(source).ok()?);
                }
                (now == *before).then(|| (m.clone(), now))
            })
            .collect()
    }
}
