//! What `gomodoff vendor` shows before it asks: the summary per module, the files the user may
//! lose, and `--report-dropped`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use rayon::prelude::*;

use super::compute::Computed;
use super::listing::owner;
use super::plan::VendorPlan;
use super::{BACKUP_DIR, VENDOR_DIR};
use crate::formats::module::ModuleVersion;
use crate::resolve::vendoring;
use crate::txn::{self, Entry, Size};

/// How many removed files of one module the preview names without `-v`.
const MAX_NAMED: usize = 20;

/// One module's files in the new vendor/ against the current one.
#[derive(Default)]
struct Counts {
    added: usize,
    removed: Vec<String>,
    changed: usize,
    files: usize,
}

/// Per module: files added, removed and changed; and the files of the current vendor/ that
/// neither gomodoff nor go writes.
pub(super) struct Summary<'a> {
    computed: &'a Computed,
    planned: &'a VendorPlan,
    /// By module path; `""` for files outside any module.
    counts: BTreeMap<String, Counts>,
    foreign: Vec<String>,
}

impl<'a> Summary<'a> {
    pub(super) fn new(computed: &'a Computed, planned: &'a VendorPlan) -> Summary<'a> {
        let current = &planned.current;
        let mut paths: BTreeSet<String> = computed
            .tree
            .packages
            .keys()
            .map(|m| m.path.clone())
            .collect();
        paths.extend(planned.lock.modules.iter().map(|m| m.path.clone()));
        paths.extend(current.versions.keys().cloned());
        let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
        let key = |file: &str| owner(file, &paths).unwrap_or("").to_string();
        for (file, f) in &computed.files {
            if f.module.is_none() {
                continue; // modules.txt: its diff is shown in full
            }
            let c = counts.entry(key(file)).or_default();
            c.files += 1;
            match current.files.get(file) {
                None => c.added += 1,
                Some(d) if *d != f.digest => c.changed += 1,
                Some(_) => {}
            }
        }
        let mut foreign = Vec::new();
        for file in current.files.keys() {
            if !computed.files.contains_key(file) {
                counts
                    .entry(key(file))
                    .or_default()
                    .removed
                    .push(format!("{VENDOR_DIR}/{file}"));
                if !current.listed.contains_key(file) {
                    foreign.push(format!("{VENDOR_DIR}/{file}"));
                }
            }
        }
        // Modules listed without packages have no files but a line each.
        for m in &planned.lock.modules {
            counts.entry(m.path.clone()).or_default();
        }
        for path in current.versions.keys() {
            counts.entry(path.clone()).or_default();
        }
        Summary {
            computed,
            planned,
            counts,
            foreign,
        }
    }

    /// The summary: what `vendor/` is to hold, each module that changes (removed files named,
    /// a long list only when `verbose`), the files and bytes written and removed (the whole
    /// `vendor/` at `root` is swapped).
    pub(super) fn summary(&self, root: &Path, verbose: bool) -> txn::Summary {
        let bytes: u64 = self
            .computed
            .files
            .par_iter()
            .filter(|(_, f)| f.module.is_some())
            .filter_map(|(_, f)| {
                // A stamp vouches for the digest the copy must match, so its size is the size
                // written; only a source no record vouches for is looked at.
                let src = f.source.as_ref()?;
                Some(
                    f.stamp
                        .map_or_else(|| fs::metadata(src).map_or(0, |m| m.len()), |s| s.size()),
                )
            })
            .sum();
        let mut s = txn::Summary::default();
        // Each module path's version in the new modules.txt (the last line of the path, as a
        // search from the end finds it), looked up once per module.
        let new_versions: HashMap<&str, &str> = self
            .planned
            .lock
            .modules
            .iter()
            .map(|m| (m.path.as_str(), m.version.as_str()))
            .collect();
        for (path, c) in &self.counts {
            let new = new_versions.get(path.as_str()).copied();
            self.module_entry(path, new, c, verbose, &mut s);
        }
        // What the transaction writes: the whole new vendor/ (modules.txt included), in place
        // of the whole current one.
        let modules_txt = self.computed.tree.modules_txt.len() as u64;
        s.write = Size::new(self.computed.files.len() as u64, bytes + modules_txt);
        if self
            .planned
            .plan
            .tree_removes
            .iter()
            .any(|r| r == Path::new(VENDOR_DIR))
        {
            s.remove = Size::of_tree(&root.join(VENDOR_DIR));
        }
        s
    }

    /// What the summary block is headed with: the modules of modules.txt, with packages or not.
    pub(super) fn title(&self) -> String {
        let listed = self.planned.lock.modules.len();
        let with_packages = self
            .planned
            .lock
            .modules
            .iter()
            .filter(|m| self.counts.get(&m.path).is_some_and(|c| c.files > 0))
            .count();
        format!(
            "{listed} modules in `vendor/` ({with_packages} with packages, {} a modules.txt line only)",
            listed - with_packages
        )
    }

    /// The entry of the module at `path` (at version `new` in the new modules.txt, if it is
    /// there), in its tier of `s`.
    fn module_entry(
        &self,
        path: &str,
        new: Option<&str>,
        c: &Counts,
        verbose: bool,
        s: &mut txn::Summary,
    ) {
        let gone = c.removed.len();
        let touched = c.added + gone + c.changed > 0;
        if path.is_empty() {
            if touched {
                let line = format!(
                    "files outside any module: {} added, {gone} removed, {} changed",
                    c.added, c.changed
                );
                s.updated
                    .push(Entry::from(line).with_details(removed_names(c, verbose)));
            }
            return;
        }
        let old = self.planned.current.versions.get(path).map(String::as_str);
        let (tier, line) = match (old, new) {
            (_, None) => {
                let v = old.map(|v| format!(" {v}")).unwrap_or_default();
                (&mut s.removed, format!("{path}{v}: {gone} files removed"))
            }
            (None, Some(v)) if gone == 0 && c.changed == 0 => {
                let line = if c.files == 0 {
                    format!("{path} {v}: no packages (a modules.txt line only)")
                } else {
                    format!("{path} {v}: {} files", c.files)
                };
                (&mut s.added, line)
            }
            (Some(o), Some(n)) if o == n && !touched => {
                s.unchanged
                    .push(Entry::of(path, Some(n), format!("{path} {n}")));
                return;
            }
            (_, Some(n)) => {
                let versions = match old {
                    Some(o) if o != n => format!(" {o} → {n}"),
                    _ => format!(" {n}"),
                };
                let line = format!(
                    "{path}{versions}: {} added, {gone} removed, {} changed",
                    c.added, c.changed
                );
                (&mut s.updated, line)
            }
        };
        tier.push(
            Entry::of(path, new.or(old), line)
                .was(old.filter(|_| new.is_some()))
                .with_details(removed_names(c, verbose)),
        );
    }

    /// The files of the current vendor/ that neither gomodoff nor go writes: the user may lose
    /// them, so they are named even when quiet.
    pub(super) fn write_foreign(&self, out: &mut dyn Write) -> Result<()> {
        let heading = if self.planned.backup_now {
            format!(
                "files in vendor/ that neither gomodoff nor go writes (kept in `{BACKUP_DIR}`; `gomodoff restore` brings them back):"
            )
        } else {
            "files in vendor/ that neither gomodoff nor go writes; they will be removed:"
                .to_string()
        };
        print_names(out, &heading, &self.foreign)
    }
}

/// Files that leave vendor/ are named (a long list only with -v).
fn removed_names(c: &Counts, verbose: bool) -> Vec<String> {
    let gone = c.removed.len();
    if gone > 0 && (gone <= MAX_NAMED || verbose) {
        c.removed.iter().map(|f| format!("- {f}")).collect()
    } else if gone > 0 {
        vec![format!("({gone} files; -v names them)")]
    } else {
        Vec::new()
    }
}

pub(super) fn print_names(out: &mut dyn Write, heading: &str, names: &[String]) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    writeln!(out, "{heading}")?;
    for n in names {
        writeln!(out, "  {n}")?;
    }
    Ok(())
}

/// `--report-dropped`: files of vendored modules in directories without a vendored package,
/// which vendor mode leaves out and replace mode keeps, per module.
pub(super) fn report_dropped(out: &mut dyn Write, computed: &Computed) -> Result<()> {
    let dirs = computed
        .modules
        .iter()
        .map(|(m, f)| (m.clone(), f.root.clone()))
        .collect();
    let input = computed.inputs.input(dirs);
    let dropped = vendoring::dropped_files(&input, &computed.tree)?;
    if dropped.is_empty() {
        writeln!(
            out,
            "no files left out: every non-Go file of the vendored modules is in a package directory"
        )?;
        return Ok(());
    }
    let modules: BTreeSet<&ModuleVersion> = dropped.iter().map(|(m, _)| m).collect();
    writeln!(
        out,
        "{} files in {} modules are left out of vendor/ (not in a package directory; replace mode keeps them):",
        dropped.len(),
        modules.len()
    )?;
    let mut last: Option<&ModuleVersion> = None;
    for (m, file) in &dropped {
        if last != Some(m) {
            writeln!(out, "  {m}")?;
            last = Some(m);
        }
        writeln!(out, "    {file}")?;
    }
    Ok(())
}
