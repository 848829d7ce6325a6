//! What `gomodoff vendor` shows before it asks: the summary per module, the files the user may
//! lose, and `--report-dropped`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use anyhow::Result;
use rayon::prelude::*;

use super::compute::Computed;
use super::listing::owner;
use super::plan::VendorPlan;
use super::{BACKUP_DIR, VENDOR_DIR};
use crate::formats::module::ModuleVersion;
use crate::resolve::vendoring;
use crate::util::context::Context;

/// How many removed files of one module the preview names without `-v`.
const MAX_NAMED: usize = 20;

/// Per module: files added, removed and changed; then the files of the current vendor/ that
/// neither gomodoff nor go writes.
pub(super) fn print_summary(
    ctx: &mut Context,
    computed: &Computed,
    planned: &VendorPlan,
) -> Result<()> {
    let current = &planned.current;
    let mut paths: BTreeSet<String> = computed
        .tree
        .packages
        .keys()
        .map(|m| m.path.clone())
        .collect();
    paths.extend(planned.lock.modules.iter().map(|m| m.path.clone()));
    paths.extend(current.versions.keys().cloned());
    let new_versions: BTreeMap<&str, &str> = planned
        .lock
        .modules
        .iter()
        .map(|m| (m.path.as_str(), m.version.as_str()))
        .collect();
    #[derive(Default)]
    struct Counts {
        added: usize,
        removed: Vec<String>,
        changed: usize,
        files: usize,
    }
    let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
    let key = |file: &str| owner(file, &paths).unwrap_or("").to_string();
    let bytes: u64 = computed
        .files
        .par_iter()
        .filter_map(|(_, f)| f.module.as_ref().and(f.source.as_ref()))
        .map(|src| fs::metadata(src).map_or(0, |m| m.len()))
        .sum();
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
    for path in new_versions
        .keys()
        .copied()
        .chain(current.versions.keys().map(String::as_str))
    {
        counts.entry(path.to_string()).or_default();
    }
    let (mut added, mut updated, mut removed, mut unchanged) = (0, 0, 0, 0);
    let verbose = ctx.shell.verbosity() == crate::util::shell::Verbosity::Verbose;
    let mut lines = Vec::new();
    for (path, c) in &counts {
        let gone = c.removed.len();
        let touched = c.added + gone + c.changed > 0;
        if path.is_empty() {
            if touched {
                lines.push(format!(
                    "  ! files outside any module: {} added, {gone} removed, {} changed",
                    c.added, c.changed
                ));
            }
            continue;
        }
        let old = current.versions.get(path).map(String::as_str);
        let new = new_versions.get(path.as_str()).copied();
        let line = match (old, new) {
            (_, None) => {
                removed += 1;
                let v = old.map(|v| format!(" {v}")).unwrap_or_default();
                format!("  - {path}{v}: {gone} files removed")
            }
            (None, Some(v)) if gone == 0 && c.changed == 0 => {
                added += 1;
                if c.files == 0 {
                    format!("  + {path} {v}: no packages (a modules.txt line only)")
                } else {
                    format!("  + {path} {v}: {} files", c.files)
                }
            }
            (Some(o), Some(n)) if o == n && !touched => {
                unchanged += 1;
                continue;
            }
            (_, Some(n)) => {
                updated += 1;
                let versions = match old {
                    Some(o) if o != n => format!(" {o} → {n}"),
                    _ => format!(" {n}"),
                };
                format!(
                    "  ~ {path}{versions}: {} added, {gone} removed, {} changed",
                    c.added, c.changed
                )
            }
        };
        lines.push(line);
        // Files that leave vendor/ are named (a long list only with -v).
        if gone > 0 && (gone <= MAX_NAMED || verbose) {
            lines.extend(c.removed.iter().map(|f| format!("      - {f}")));
        } else if gone > 0 {
            lines.push(format!("      ({gone} files; -v names them)"));
        }
    }
    let out = ctx.shell.preview();
    writeln!(
        out,
        "vendor/: {} modules, {} files, {bytes} bytes: {added} added, {updated} updated, {removed} removed, {unchanged} unchanged",
        planned.lock.modules.len(),
        computed.files.len(),
    )?;
    for line in &lines {
        writeln!(out, "{line}")?;
    }
    // Files the user may lose are named even when quiet.
    let out = ctx.shell.out();
    let heading = if planned.backup_now {
        format!(
            "files in vendor/ that neither gomodoff nor go writes (kept in `{BACKUP_DIR}`; `gomodoff restore` brings them back):"
        )
    } else {
        "files in vendor/ that neither gomodoff nor go writes; they will be removed:".to_string()
    };
    print_names(out, &heading, &foreign)?;
    Ok(())
}

pub(super) fn print_names(
    out: &mut dyn std::io::Write,
    heading: &str,
    names: &[String],
) -> Result<()> {
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
pub(super) fn report_dropped(ctx: &mut Context, computed: &Computed) -> Result<()> {
    let dirs = computed
        .modules
        .iter()
        .map(|(m, f)| (m.clone(), f.root.clone()))
        .collect();
    let input = computed.inputs.input(dirs);
    let dropped = vendoring::dropped_files(&input, &computed.tree)?;
    let out = ctx.shell.out();
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
