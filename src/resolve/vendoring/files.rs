//! The files `vendor/` holds: each vendored package's copied files, its embeds and the licence
//! files above it, in the order go copies them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use rayon::prelude::*;

use crate::formats::module::ModuleVersion;
use crate::resolve::packages;

use super::context::{Context, Loaded};
use super::paths::{Kind, join_path, join_rel, read_dir_sorted, relative_to_module};
use super::{VendorFile, VendoringError};

impl<'a> Context<'a> {
    /// The files of `vendor/` in the order go copies them; a later copy to the same destination
    /// wins, as it does on disk.
    pub(super) fn vendor_files(
        &self,
        modules: &[&ModuleVersion],
        packages: &BTreeMap<ModuleVersion, Vec<String>>,
        dirs: &HashMap<&str, &Loaded>,
    ) -> Result<Vec<VendorFile>, VendoringError> {
        let work: Vec<&Loaded> = modules
            .iter()
            .filter_map(|m| packages.get(*m))
            .flatten()
            .map(|p| dirs[p.as_str()])
            .collect();
        let per_package = self.package_files(&work);
        let per_dir = self.licence_files(&metadata_dirs(modules, packages));

        let mut files: BTreeMap<String, PathBuf> = BTreeMap::new();
        for result in per_dir.into_iter().chain(per_package) {
            for file in result? {
                files.insert(file.dest, file.source);
            }
        }
        Ok(files
            .into_iter()
            .map(|(dest, source)| VendorFile { dest, source })
            .collect())
    }

    /// The files each package copies (`matchPotentialSourceFile`, embeds), in parallel.
    fn package_files(&self, work: &[&Loaded]) -> Vec<Result<Vec<VendorFile>, VendoringError>> {
        work.par_iter()
            .map(|pkg| {
                let names = packages::vendored_files(&pkg.dir, &pkg.scanned, &self.rules).map_err(
                    |source| VendoringError::Scan {
                        package: pkg.path.clone(),
                        source,
                    },
                )?;
                Ok(names
                    .into_iter()
                    .map(|name| VendorFile {
                        dest: format!("{}/{name}", pkg.path),
                        source: join_path(&pkg.dir, &name),
                    })
                    .collect())
            })
            .collect()
    }

    /// The licence files of each directory [`metadata_dirs`] names, in parallel.
    fn licence_files(
        &self,
        metadata_dirs: &[(&ModuleVersion, String)],
    ) -> Vec<Result<Vec<VendorFile>, VendoringError>> {
        metadata_dirs
            .par_iter()
            .map(|(module, rel)| {
                let root = self.spec.module_dirs.get(*module).ok_or_else(|| {
                    VendoringError::ModuleDirMissing {
                        module: (*module).clone(),
                        import: join_rel(&module.path, rel),
                    }
                })?;
                let dir = join_path(root, rel);
                Ok(read_dir_sorted(&dir)?
                    .into_iter()
                    .filter(|(name, kind)| *kind == Kind::File && packages::is_license_file(name))
                    .map(|(name, _)| VendorFile {
                        dest: format!("{}/{name}", join_rel(&module.path, rel)),
                        source: dir.join(&name),
                    })
                    .collect())
            })
            .collect()
    }
}

/// The directories above the packages of each module, up to its root, that hold no vendored
/// package themselves: where `copyMetadata` looks for licence files.
fn metadata_dirs<'m>(
    modules: &[&'m ModuleVersion],
    packages: &BTreeMap<ModuleVersion, Vec<String>>,
) -> Vec<(&'m ModuleVersion, String)> {
    let mut metadata_dirs: Vec<(&ModuleVersion, String)> = Vec::new();
    for module in modules {
        let Some(pkgs) = packages.get(*module) else {
            continue;
        };
        let rels: BTreeSet<&str> = pkgs
            .iter()
            .map(|p| relative_to_module(&module.path, p))
            .collect();
        let mut above: BTreeSet<&str> = BTreeSet::new();
        for rel in &rels {
            let mut cur = *rel;
            while !cur.is_empty() {
                cur = cur.rfind('/').map_or("", |i| &cur[..i]);
                if !above.insert(cur) {
                    break;
                }
            }
        }
        for dir in above {
            if !rels.contains(dir) {
                metadata_dirs.push((module, dir.to_string()));
            }
        }
    }
    metadata_dirs
}
