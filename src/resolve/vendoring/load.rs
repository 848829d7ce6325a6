//! Loading the package set `all`: main-module packages, then every import resolved to the module
//! that provides it (`modload.importFromModules`) and scanned, as `go mod vendor` does.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::formats::module::ModuleVersion;
use crate::resolve::packages;

use super::VendoringError;
use super::context::importing_file;
use super::context::{Context, Loaded, Resolved};
use super::paths::{
    first_element, invalid_import_reason, is_go_dir, join_path, join_rel, walk_main_module,
};

impl<'a> Context<'a> {
    /// Every package of `all`, main-module packages included (their `module` is `None`).
    pub(super) fn load_packages(&self) -> Result<Vec<Loaded>, VendoringError> {
        let mut loaded: Vec<Loaded> = Vec::new();
        let mut known: HashMap<String, Option<usize>> = HashMap::new();

        for pkg in self.main_packages()? {
            known.insert(pkg.path.clone(), Some(loaded.len()));
            loaded.push(pkg);
        }
        // (import path, importing package index or None for a tool)
        let mut frontier: Vec<(String, Option<usize>)> = Vec::new();
        for tool in self.spec.mains.iter().flat_map(|m| m.tools) {
            if !known.contains_key(tool) {
                frontier.push((tool.clone(), None));
            }
        }
        let mut expanded = 0;
        loop {
            for (index, pkg) in loaded.iter().enumerate().skip(expanded) {
                let (imports, test_imports) = pkg.scanned.imports();
                let follow_tests = pkg.module.is_none();
                let all = imports
                    .into_iter()
                    .chain(test_imports.into_iter().filter(|_| follow_tests));
                for import in all {
                    if !known.contains_key(&import) {
                        frontier.push((import, Some(index)));
                    }
                }
            }
            expanded = loaded.len();
            // First importer wins, in a deterministic order.
            let mut level: Vec<(String, Option<usize>)> = Vec::new();
            for (import, importer) in frontier.drain(..) {
                if known.contains_key(&import) {
                    continue;
                }
                known.insert(import.clone(), None);
                level.push((import, importer));
            }
            if level.is_empty() {
                break;
            }
            let results: Vec<Result<Resolved, VendoringError>> = level
                .par_iter()
                .map(|(import, importer)| {
                    self.resolve_and_scan(import, importer.map(|i| &loaded[i]))
                })
                .collect();
            let mut first_error: Option<VendoringError> = None;
            for ((import, _), result) in level.into_iter().zip(results) {
                match result {
                    Ok(Resolved::Std) => {}
                    Ok(Resolved::Package(pkg)) => {
                        known.insert(import, Some(loaded.len()));
                        loaded.push(pkg);
                    }
                    Err(error) => {
                        first_error.get_or_insert(error);
                    }
                }
            }
            if let Some(error) = first_error {
                return Err(error);
            }
        }
        Ok(loaded)
    }

    /// `matchPackages` over the main modules.
    fn main_packages(&self) -> Result<Vec<Loaded>, VendoringError> {
        let mut candidates: BTreeMap<String, PathBuf> = BTreeMap::new();
        for main in &self.spec.mains {
            for rel in walk_main_module(main.root, main.ignore)? {
                let dir = join_path(main.root, &rel);
                candidates.entry(join_rel(main.path, &rel)).or_insert(dir);
            }
        }
        let dirs: Vec<PathBuf> = candidates.values().cloned().collect();
        let scans = packages::scan_dirs(&dirs);
        let mut out = Vec::new();
        for ((path, dir), scan) in candidates.into_iter().zip(scans) {
            let scanned = scan.map_err(|source| VendoringError::Scan {
                package: path.clone(),
                source,
            })?;
            if scanned.has_go_files() {
                out.push(Loaded {
                    path,
                    module: None,
                    dir,
                    scanned,
                });
            }
        }
        Ok(out)
    }

    fn resolve_and_scan(
        &self,
        import: &str,
        importer: Option<&Loaded>,
    ) -> Result<Resolved, VendoringError> {
        let file_of = || {
            importer
                .map(|p| importing_file(p, import))
                .unwrap_or_default()
        };
        let importer_path = || importer.map(|p| p.path.clone()).unwrap_or_default();
        if let Some(reason) = invalid_import_reason(import) {
            return Err(VendoringError::InvalidImport {
                import: import.to_string(),
                importer: importer_path(),
                file: file_of(),
                reason,
            });
        }
        let dotless = !first_element(import).contains('.');
        if dotless
            && let Some(goroot) = self.spec.goroot
            && is_go_dir(&goroot.join("src").join(import))
        {
            return Ok(Resolved::Std);
        }
        let Some((module, dir)) = self.find_module(import)? else {
            if dotless {
                return Ok(Resolved::Std);
            }
            return Err(match importer {
                Some(_) => VendoringError::MissingPackage {
                    import: import.to_string(),
                    importer: importer_path(),
                    file: file_of(),
                },
                None => VendoringError::MissingTool {
                    tool: import.to_string(),
                },
            });
        };
        let root = module.as_ref().and_then(|m| self.spec.module_dirs.get(m));
        let scanned = match (self.spec.scans, root) {
            (Some(scans), Some(root)) => scans.scan_dir(root, &dir),
            _ => packages::scan_dir(&dir),
        }
        .map_err(|source| VendoringError::Scan {
            package: import.to_string(),
            source,
        })?;
        if !scanned.has_go_files() {
            return Err(VendoringError::NoGoFiles {
                package: import.to_string(),
                dir,
            });
        }
        Ok(Resolved::Package(Loaded {
            path: import.to_string(),
            module,
            dir,
            scanned,
        }))
    }

    /// `importFromModules`: the module providing `import` and the package directory.
    #[allow(clippy::type_complexity)]
    fn find_module(
        &self,
        import: &str,
    ) -> Result<Option<(Option<ModuleVersion>, PathBuf)>, VendoringError> {
        let passes: &[bool] = if self.spec.pruned {
            &[true, false]
        } else {
            &[false]
        };
        for &roots_only in passes {
            let mut found: Vec<(Option<&ModuleVersion>, PathBuf, &str)> = Vec::new();
            let mut prefix = import;
            loop {
                if let Some((module, dir)) = self.try_prefix(import, prefix, roots_only)? {
                    found.push((module, dir, prefix));
                }
                match prefix.rfind('/') {
                    Some(i) => prefix = &prefix[..i],
                    None => break,
                }
            }
            match found.len() {
                0 => continue,
                1 => {
                    let (module, dir, _) = found.remove(0);
                    return Ok(Some((module.cloned(), dir)));
                }
                _ => {
                    found.reverse();
                    return Err(VendoringError::AmbiguousImport {
                        import: import.to_string(),
                        found: found
                            .into_iter()
                            .map(|(m, dir, prefix)| {
                                let name = match m {
                                    Some(m) => format!("{} {}", m.path, m.version),
                                    None => prefix.to_string(),
                                };
                                (name, dir)
                            })
                            .collect(),
                    });
                }
            }
        }
        Ok(None)
    }

    /// Whether the module at `prefix` (main module or selected) provides `import`.
    #[allow(clippy::type_complexity)]
    fn try_prefix(
        &self,
        import: &str,
        prefix: &str,
        roots_only: bool,
    ) -> Result<Option<(Option<&'a ModuleVersion>, PathBuf)>, VendoringError> {
        if prefix == "go" || prefix == "toolchain" {
            return Ok(None);
        }
        let (module, root, local) = if let Some(i) = self.main_index(prefix) {
            (None, self.spec.mains[i].root.to_path_buf(), true)
        } else {
            if roots_only && !self.roots.contains(prefix) {
                return Ok(None);
            }
            let Some(&module) = self.selected.get(prefix) else {
                return Ok(None);
            };
            self.consulted
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(module.clone());
            let Some(root) = self.spec.module_dirs.get(module) else {
                return Err(VendoringError::ModuleDirMissing {
                    module: module.clone(),
                    import: import.to_string(),
                });
            };
            (Some(module), root.clone(), self.is_local(module))
        };
        let rel = import[prefix.len()..].trim_start_matches('/');
        let dir = join_path(&root, rel);
        if local && !rel.is_empty() {
            // No other module in the way (only local trees can hold one).
            let mut cur = rel;
            loop {
                if fs::metadata(root.join(cur).join("go.mod")).is_ok_and(|m| !m.is_dir()) {
                    return Ok(None);
                }
                match cur.rfind('/') {
                    Some(i) => cur = &cur[..i],
                    None => break,
                }
            }
        }
        Ok(is_go_dir(&dir).then_some((module, dir)))
    }
}
