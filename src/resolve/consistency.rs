//! The go command's `-mod=vendor` consistency check (`modload.checkVendorConsistency`): whether
//! `vendor/modules.txt` agrees with go.mod (or with a workspace's go.work and go.mod files) the
//! way go demands before it builds from `vendor/`, each problem worded as go words it.

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::{Result, anyhow};

use crate::formats::gomod::GoMod;
use crate::formats::gover;
use crate::formats::lock::WORK_FILE;
use crate::formats::module::ModuleVersion;
use crate::formats::modules_txt::VendorList;
use crate::repo;
use crate::resolve::graph::{ReplaceTarget, ReplacementSource, WorkspaceReplacements};

fn mv(path: &str, version: &str) -> ModuleVersion {
    ModuleVersion {
        path: path.to_string(),
        version: version.to_string(),
    }
}

/// `path@version`, or `path` alone when the version is empty (a wildcard, a directory).
fn describe(m: &ModuleVersion) -> String {
    if m.version.is_empty() {
        m.path.clone()
    } else {
        m.to_string()
    }
}

/// Problems in go's words: `path@version: detail` (`path: detail` without a version).
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, m: &ModuleVersion, detail: impl AsRef<str>) {
        self.0.push(format!("{}: {}", describe(m), detail.as_ref()));
    }
}

/// The go command's `-mod=vendor` consistency check (`modload.checkVendorConsistency`) of a
/// main module's go.mod against the text of its `vendor/modules.txt`, plus the `## go` lines
/// newer than the installed go (`installed`, e.g. `go1.26.0`), which go refuses too. Each
/// problem as go words it: `path@version: detail`.
pub(crate) fn consistency(
    gomod: &GoMod,
    modules_txt: &str,
    installed: Option<&str>,
) -> Vec<String> {
    let vendored = VendorList::read(modules_txt);
    let mut out = Problems::default();
    let pre114 = !gomod
        .go_version()
        .is_some_and(|v| gover::at_least(v, "1.14"));
    let requires = gomod.requires();
    for r in &requires {
        let key = mv(&r.path, &r.version);
        if vendored.meta.get(&key).is_some_and(|m| m.explicit) {
            continue;
        }
        if !pre114 {
            out.push(
                &key,
                "is explicitly required in go.mod, but not marked as explicit in vendor/modules.txt",
            );
        } else if let Some(vv) = vendored.versions.get(&r.path)
            && *vv != r.version
        {
            out.push(
                &key,
                format!(
                    "is explicitly required in go.mod, but vendor/modules.txt indicates {}@{vv}",
                    r.path
                ),
            );
        }
    }
    let index = ReplaceIndex::new(gomod);
    replacements_marked(gomod, &index, &vendored, pre114, &mut out);
    let required: HashSet<ModuleVersion> =
        requires.iter().map(|r| mv(&r.path, &r.version)).collect();
    for m in &vendored.list {
        if vendored.meta.get(m).is_some_and(|meta| meta.explicit) && !required.contains(m) {
            out.push(
                m,
                "is marked as explicit in vendor/modules.txt, but not explicitly required in go.mod",
            );
        }
    }
    for m in &vendored.replaced {
        if index.lookup(m).is_none() {
            out.push(
                m,
                "is marked as replaced in vendor/modules.txt, but not replaced in go.mod",
            );
        }
    }
    out.0.extend(newer_than_installed(&vendored, installed));
    out.0
}

/// go.mod's replacements, the last one winning for a repeated left side.
struct ReplaceIndex(HashMap<ModuleVersion, ModuleVersion>);

impl ReplaceIndex {
    fn new(gomod: &GoMod) -> ReplaceIndex {
        let mut index = HashMap::new();
        for r in gomod.replaces() {
            index.insert(
                mv(&r.old_path, r.old_version.as_deref().unwrap_or_default()),
                mv(&r.new_path, r.new_version.as_deref().unwrap_or_default()),
            );
        }
        ReplaceIndex(index)
    }

    /// What replaces `m`: its own replacement, else its path's wildcard one.
    fn lookup(&self, m: &ModuleVersion) -> Option<&ModuleVersion> {
        self.0.get(m).or_else(|| self.0.get(&mv(&m.path, "")))
    }
}

/// [`consistency`]'s check that every replacement of go.mod is marked in modules.txt.
fn replacements_marked(
    gomod: &GoMod,
    index: &ReplaceIndex,
    vendored: &VendorList,
    pre114: bool,
    out: &mut Problems,
) {
    let mut seen = HashSet::new();
    for r in &gomod.replaces() {
        let old = mv(&r.old_path, r.old_version.as_deref().unwrap_or_default());
        if !seen.insert(old.clone()) {
            continue;
        }
        let Some(new) = index.lookup(&old) else {
            continue;
        };
        match vendored.meta.get(&old).and_then(|m| m.replacement.as_ref()) {
            None => {
                if pre114
                    && (old.version.is_empty()
                        || vendored.versions.get(&old.path) != Some(&old.version))
                {
                    continue;
                }
                out.push(
                    &old,
                    "is replaced in go.mod, but not marked as replaced in vendor/modules.txt",
                );
            }
            Some(vr) if vr != new => out.push(
                &old,
                format!(
                    "is replaced by {} in go.mod, but marked as replaced by {} in vendor/modules.txt",
                    describe(new),
                    describe(vr)
                ),
            ),
            Some(_) => {}
        }
    }
}

/// The go command's `-mod=vendor` consistency check in workspace mode
/// (`modload.checkVendorConsistency` with a go.work): every module's requirements explicit in
/// modules.txt, every replacement (go.work's first, then the modules') marked as go resolves it,
/// and nothing explicit or replaced that the workspace does not say. Each problem as go words
/// it, files named relative to the workspace directory.
pub(crate) fn consistency_workspace(
    ws: &repo::WorkspaceFiles,
    modules_txt: &str,
    installed: Option<&str>,
) -> Result<Vec<String>> {
    let vendored = VendorList::read(modules_txt);
    let mut out = Problems::default();
    if !modules_txt.lines().any(|l| l.trim() == "## workspace") {
        out.0.push(
            "vendor/modules.txt is not for a workspace (go would not use it in workspace mode)"
                .to_string(),
        );
    }
    let input = crate::resolve::load::workspace_input(ws)?;
    let replacements = WorkspaceReplacements::new(&input).map_err(|e| anyhow!(e))?;
    let gomods: Vec<GoMod> = ws
        .modules
        .iter()
        .map(|m| m.gomod())
        .collect::<Result<_>>()?;
    let mut required: HashSet<ModuleVersion> = HashSet::new();
    for gomod in &gomods {
        for r in gomod.requires() {
            let key = mv(&r.path, &r.version);
            if !vendored.meta.get(&key).is_some_and(|m| m.explicit) {
                out.push(
                    &key,
                    "is explicitly required in go.mod, but not marked as explicit in vendor/modules.txt",
                );
            }
            required.insert(key);
        }
    }
    workspace_replacements_marked(ws, &gomods, &replacements, &vendored, &mut out);
    for m in &vendored.list {
        if vendored.meta.get(m).is_some_and(|meta| meta.explicit) && !required.contains(m) {
            out.push(
                m,
                "is marked as explicit in vendor/modules.txt, but not explicitly required in a go.mod",
            );
        }
    }
    for m in &vendored.replaced {
        if replacements.replacement(m).0.is_none() {
            out.push(
                m,
                "is marked as replaced in vendor/modules.txt, but not replaced in the workspace",
            );
        }
    }
    out.0.extend(newer_than_installed(&vendored, installed));
    Ok(out.0)
}

/// [`consistency_workspace`]'s check that every replacement in go.work and the modules' go.mod
/// files is marked in modules.txt as go resolves it.
fn workspace_replacements_marked(
    ws: &repo::WorkspaceFiles,
    gomods: &[GoMod],
    replacements: &WorkspaceReplacements,
    vendored: &VendorList,
    out: &mut Problems,
) {
    let target = |t: &ReplaceTarget| match t {
        ReplaceTarget::Module(m) => m.clone(),
        ReplaceTarget::Dir(d) => mv(&d.to_string_lossy().replace('\\', "/"), ""),
    };
    let source_name = |src: &ReplacementSource| match src {
        ReplacementSource::WorkFile => WORK_FILE.to_string(),
        ReplacementSource::Module(dir) => crate::util::fsutil::clean_path(&dir.join("go.mod"))
            .to_string_lossy()
            .replace('\\', "/"),
    };
    let mut seen = HashSet::new();
    let olds: Vec<ModuleVersion> = gomods
        .iter()
        .flat_map(|g| g.replaces())
        .chain(ws.work.replaces().iter().cloned())
        .map(|r| mv(&r.old_path, r.old_version.as_deref().unwrap_or_default()))
        .collect();
    for old in olds {
        if !seen.insert(old.clone()) {
            continue;
        }
        let Some(found) = replacements.replacement(&old).0 else {
            continue; // a main module's path: not replaced
        };
        let canonical = target(&found.canonical);
        match vendored.meta.get(&old).and_then(|m| m.replacement.as_ref()) {
            None => out.push(
                &old,
                format!(
                    "is replaced in {}, but not marked as replaced in vendor/modules.txt",
                    source_name(&found.source)
                ),
            ),
            Some(vr) if *vr != canonical => out.push(
                &old,
                format!(
                    "is replaced by {} in {}, but marked as replaced by {} in vendor/modules.txt",
                    describe(&target(&found.written)),
                    source_name(&found.source),
                    describe(vr)
                ),
            ),
            Some(_) => {}
        }
    }
}

/// go's complaint for each vendored module whose `## go` line is newer than the installed go.
fn newer_than_installed(vendored: &VendorList, installed: Option<&str>) -> Vec<String> {
    let Some(have) = installed.and_then(gover::installed) else {
        return Vec::new();
    };
    vendored
        .meta
        .iter()
        .filter_map(|(m, meta)| {
            let go = meta.go_version.as_ref()?;
            (gover::compare(go, have) == std::cmp::Ordering::Greater).then(|| {
                format!(
                    "{} in vendor/modules.txt requires go >= {go} (running {})",
                    m.path,
                    installed.unwrap_or_default()
                )
            })
        })
        .collect()
}

/// Requirement changes between two go.mod files, one line each.
pub(crate) fn requirement_changes(then: &GoMod, now: &GoMod) -> Vec<String> {
    let req = |g: &GoMod| {
        g.requires()
            .into_iter()
            .map(|r| (r.path, r.version))
            .collect::<BTreeMap<_, _>>()
    };
    let (a, b) = (req(then), req(now));
    let mut out = Vec::new();
    for (p, v) in &b {
        match a.get(p) {
            Some(old) if old != v => out.push(format!("go.mod: {p} {old} → {v}")),
            Some(_) => {}
            None => out.push(format!("go.mod: requires {p} {v} (new)")),
        }
    }
    for (p, v) in &a {
        if !b.contains_key(p) {
            out.push(format!("go.mod: no longer requires {p} {v}"));
        }
    }
    if then.replaces() != now.replaces() {
        out.push("go.mod: replace directives changed".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gomod(text: &str) -> GoMod {
        GoMod::parse("go.mod", text).unwrap()
    }

    #[test]
    fn consistency_is_go_checks() {
        let modules_txt = "# a.com/x v1.0.0\n## explicit; go 1.21\na.com/x\n# b.com/y v1.1.0 => c.com/y v1.2.0\n## explicit\nb.com/y\n# b.com/y => c.com/y v1.2.0\n# d.com/w => ./w\n";
        let table: [(&str, &str, &[&str]); 6] = [
            (
                "consistent",
                "module m\n\ngo 1.21\n\nrequire (\n\ta.com/x v1.0.0\n\tb.com/y v1.1.0\n)\n\nreplace b.com/y => c.com/y v1.2.0\n\nreplace d.com/w => ./w\n",
                &[],
            ),
            (
                "version bump",
                "module m\n\ngo 1.21\n\nrequire (\n\ta.com/x v1.0.1\n\tb.com/y v1.1.0\n)\n\nreplace b.com/y => c.com/y v1.2.0\n\nreplace d.com/w => ./w\n",
                &[
                    "a.com/x@v1.0.1: is explicitly required in go.mod, but not marked as explicit in vendor/modules.txt",
                    "a.com/x@v1.0.0: is marked as explicit in vendor/modules.txt, but not explicitly required in go.mod",
                ],
            ),
            (
                "other replacement",
                "module m\n\ngo 1.21\n\nrequire (\n\ta.com/x v1.0.0\n\tb.com/y v1.1.0\n)\n\nreplace b.com/y => c.com/y v1.3.0\n\nreplace d.com/w => ./w\n",
                &[
                    "b.com/y: is replaced by c.com/y@v1.3.0 in go.mod, but marked as replaced by c.com/y@v1.2.0 in vendor/modules.txt",
                ],
            ),
            (
                "replacement gone",
                "module m\n\ngo 1.21\n\nrequire (\n\ta.com/x v1.0.0\n\tb.com/y v1.1.0\n)\n\nreplace b.com/y => c.com/y v1.2.0\n",
                &[
                    "d.com/w: is marked as replaced in vendor/modules.txt, but not replaced in go.mod",
                ],
            ),
            (
                "directory changed",
                "module m\n\ngo 1.21\n\nrequire (\n\ta.com/x v1.0.0\n\tb.com/y v1.1.0\n)\n\nreplace b.com/y => c.com/y v1.2.0\n\nreplace d.com/w => ../w\n",
                &[
                    "d.com/w: is replaced by ../w in go.mod, but marked as replaced by ./w in vendor/modules.txt",
                ],
            ),
            (
                "before go 1.14 only versions count",
                "module m\n\ngo 1.13\n\nrequire (\n\ta.com/x v1.0.0\n\tb.com/y v1.0.0\n)\n\nreplace b.com/y => c.com/y v1.2.0\n\nreplace d.com/w => ./w\n",
                &[
                    "b.com/y@v1.0.0: is explicitly required in go.mod, but vendor/modules.txt indicates b.com/y@v1.1.0",
                    "b.com/y@v1.1.0: is marked as explicit in vendor/modules.txt, but not explicitly required in go.mod",
                ],
            ),
        ];
        for (name, text, want) in table {
            let got = consistency(&gomod(text), modules_txt, None);
            let mut got_sorted = got.clone();
            got_sorted.sort();
            let mut want_sorted: Vec<String> = want.iter().map(|s| s.to_string()).collect();
            want_sorted.sort();
            assert_eq!(got_sorted, want_sorted, "{name}: {got:#?}");
        }
    }

    #[test]
    fn go_lines_newer_than_the_installed_go_are_reported() {
        let text = "module m\n\ngo 1.21\n\nrequire a.com/x v1.0.0\n";
        let modules_txt = "# a.com/x v1.0.0\n## explicit; go 1.99\na.com/x\n";
        assert_eq!(
            consistency(&gomod(text), modules_txt, Some("go1.26.0")),
            vec!["a.com/x in vendor/modules.txt requires go >= 1.99 (running go1.26.0)"]
        );
        assert!(consistency(&gomod(text), modules_txt, None).is_empty());
    }
}
