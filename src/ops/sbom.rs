//! `gomodoff sbom`: a CycloneDX 1.6 or SPDX 2.3 JSON bill of materials of exactly what was laid
//! out (every mode), or of what a bundle or GOPROXY tree given with `--from` holds: each module
//! version a component with its purl, `h1:` hashes, zip SHA-256 where a zip is laid out,
//! licence (from `modes::licenses`) and replacement; the edges of the module graph; the main
//! module as the root. The documents themselves are built by `formats::sbom`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::Result;

use crate::formats::gomod::is_directory_path;
use crate::formats::lock::{LOCK_FILE, LockFile, Mode, SelectedGraph};
use crate::formats::sbom::{self, Bom, Component, Replacement};
use crate::modes::licenses::{self, ModuleReport};
use crate::ops::{Context, Outcome};
use crate::repo::Repo;
use crate::resolve::load::repo_selected_graph;
use crate::sources::modcache::{ModCache, ModuleSource, ProxyTree};
use crate::util::fsutil;

/// The document format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Format {
    #[default]
    CycloneDx,
    Spdx,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct SbomOptions {
    pub format: Format,
    /// Write here instead of stdout.
    pub output: Option<PathBuf>,
    /// Record the time of the run (not reproducible).
    pub timestamp: bool,
}

pub(crate) fn sbom(ctx: &mut Context, opts: &SbomOptions) -> Result<Outcome> {
    let bom = match ctx.from.clone() {
        Some(from) => of_tree(ctx, &from)?,
        None => of_repo(ctx)?,
    };
    let timestamp = if opts.timestamp {
        Some(run_time()?)
    } else {
        None
    };
    let bom = Bom { timestamp, ..bom };
    let doc = match opts.format {
        Format::CycloneDx => sbom::cyclonedx(&bom),
        Format::Spdx => sbom::spdx(&bom),
    };
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    let output = opts.output.as_ref().map(|p| fsutil::absolute(&ctx.dir, p));
    if let Some(path) = &output {
        fsutil::write_atomic(path, text.as_bytes())?;
        ctx.shell.status(
            "Wrote",
            &format!(
                "{} ({} components) to `{}`",
                match opts.format {
                    Format::CycloneDx => "CycloneDX 1.6",
                    Format::Spdx => "SPDX 2.3",
                },
                bom.components.len(),
                path.display()
            ),
        )?;
    }
    if ctx.shell.is_json() {
        ctx.shell.document(serde_json::json!({
            "format": format_name(opts.format),
            "output": output,
            "components": bom.components.len(),
            // Without `-o` the bill itself, inside gomodoff's one document.
            "sbom": if output.is_none() { doc } else { serde_json::Value::Null },
        }))?;
    } else if output.is_none() {
        ctx.shell.out().write_all(text.as_bytes())?;
    }
    Ok(Outcome::Ok)
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::CycloneDx => "cyclonedx-json",
        Format::Spdx => "spdx-json",
    }
}

/// The bill of what this repository laid out, with the graph of its go.mod (or go.work).
fn of_repo(ctx: &mut Context) -> Result<Bom> {
    let (repo, lock) = crate::ops::open_laid_out(&ctx.dir)?;
    let lock = &lock;
    let reports = licenses::of_repo(&repo, lock)?;
    let mains = crate::repo::module_paths(&repo)?;
    let graph = match graph_of(ctx, &repo, lock) {
        Ok(g) => Some(g),
        Err(e) => {
            let hints: String = crate::ops::hints(&e)
                .iter()
                .map(|h| format!("\nhint: {h}"))
                .collect();
            ctx.shell.warn(&format!(
                "the SBOM has no dependency edges: the module graph could not be loaded ({e:#}){hints}"
            ))?;
            None
        }
    };
    Ok(bom_of(
        mains,
        &reports,
        graph.as_ref(),
        format!("{} mode", lock.mode),
    ))
}

/// The bill of a bundle or tree: its modules; the graph when the directory is a repository
/// (or a workspace's directory) whose go.mod files the tree serves.
fn of_tree(ctx: &mut Context, from: &std::path::Path) -> Result<Bom> {
    let (reports, repos) = licenses::of_tree(from)?;
    let graph = crate::repo::open_repos(&ctx.dir, &[])
        .ok()
        .and_then(|mut r| r.pop())
        .and_then(|repo| {
            let src = crate::sources::bundle_source::open(ctx).ok()?;
            repo_selected_graph(&repo, None, src.as_ref()).ok()
        });
    let mains = match &graph {
        Some(g) => g.mains().map(str::to_string).collect(),
        None => repos,
    };
    let kind = if from.is_file() { "bundle" } else { "tree" };
    Ok(bom_of(
        mains,
        &reports,
        graph.as_ref(),
        format!("{kind} {}", from.display()),
    ))
}

/// The module graph as the mode laid it out: replace mode's go.mod resolves every module to its
/// tree, proxy mode's tree serves every go.mod. vendor/ keeps no go.mod: vendor mode's lock
/// records the graph (`verify` checks the record), else (a lock written before gomodoff recorded
/// it) the module cache must serve the go.mod files.
fn graph_of(ctx: &Context, repo: &Repo, lock: &LockFile) -> Result<SelectedGraph> {
    let (text, src): (Option<&str>, Box<dyn ModuleSource>) = match lock.mode {
        // Every module resolves to its tree; the cache serves only modules left to go
        // (gomodoff.toml's `exclude`).
        Mode::Replace => (
            Some(&lock.gomod_after),
            match ModCache::locate(ctx.modcache.as_deref()) {
                Ok(cache) => Box::new(cache),
                Err(_) => Box::new(ProxyTree::new(repo.root.join(&lock.dir))),
            },
        ),
        Mode::Proxy => (None, Box::new(ProxyTree::new(repo.root.join(&lock.dir)))),
        Mode::Vendor => {
            if let Some(g) = &lock.graph {
                return Ok(g.clone());
            }
            let cache = ModCache::locate(ctx.modcache.as_deref()).map_err(|e| {
                crate::util::hint::hinted(
                    anyhow::anyhow!(
                        "{LOCK_FILE} records no module graph (written by an older gomodoff) and the module cache cannot serve the go.mod files vendor/ does not keep: {e:#}"
                    ),
                    "run `gomodoff vendor` to record the graph in the lock",
                )
            })?;
            (None, Box::new(cache))
        }
    };
    repo_selected_graph(repo, text, src.as_ref()).map_err(|e| {
        if lock.mode == Mode::Vendor {
            crate::util::hint::hinted(
                e.context(format!(
                    "{LOCK_FILE} records no module graph (written by an older gomodoff)"
                )),
                "run `gomodoff vendor` to record the graph in the lock",
            )
        } else {
            e
        }
    })
}

/// The [`Bom`] of the reports (modules with files or only a go.mod laid out: those with files
/// are components) and the graph's edges, translated from the build list's module versions
/// (before `replace`) to the components that stand for them.
fn bom_of(
    mains: Vec<String>,
    reports: &[ModuleReport],
    graph: Option<&SelectedGraph>,
    source: String,
) -> Bom {
    let selected = graph.map(SelectedGraph::selected).unwrap_or_default();
    let mut components = Vec::new();
    // The build list's (path, version) → the component's (path, version).
    let mut stands_for: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    for r in reports.iter().filter(|r| r.license.is_some()) {
        // Vendor mode lays out a module replaced by a directory under its own path.
        let dir = match (&r.replaces, &r.replaces_version) {
            (Some(p), None) if is_directory_path(p) => Some(p.clone()),
            _ => None,
        };
        let content = (r.path.clone(), r.version.clone());
        let (original_path, original_version) = match (&r.replaces, &r.replaces_version) {
            _ if dir.is_some() => (r.path.clone(), Some(r.version.clone())),
            (None, _) => (r.path.clone(), Some(r.version.clone())),
            (Some(p), Some(v)) => (p.clone(), Some(v.clone())),
            (Some(p), None) => (p.clone(), selected.get(p.as_str()).map(|v| v.to_string())),
        };
        if let Some(v) = &original_version {
            stands_for.insert((original_path.clone(), v.clone()), content.clone());
        }
        components.push(Component {
            path: r.path.clone(),
            version: r.version.clone(),
            zip_h1: r.zip_h1.clone(),
            gomod_h1: r.gomod_h1.clone(),
            zip_sha256: r.zip_sha256.clone(),
            license: r.license.clone(),
            replacement: match dir {
                Some(dir) => Some(Replacement::Directory { dir }),
                None => r.replaces.as_ref().map(|p| Replacement::Fork {
                    path: p.clone(),
                    version: r.replaces_version.clone(),
                }),
            },
        });
    }
    let mut dependencies: BTreeMap<(String, String), BTreeSet<(String, String)>> = BTreeMap::new();
    if let Some(g) = graph {
        let laid_out: BTreeSet<&str> = reports
            .iter()
            .map(|r| match (&r.replaces, &r.replaces_version) {
                (Some(p), None) if is_directory_path(p) => &r.path,
                _ => r.replaces.as_deref().unwrap_or(&r.path),
            })
            .collect();
        // A fork the reports do not name as one (a bundle's or tree's module): the module
        // version it stands in for.
        for (original, fork) in &g.replaced {
            let original_key = (original.path.clone(), original.version.clone());
            let Some(content) = stands_for
                .get(&(fork.path.clone(), fork.version.clone()))
                .cloned()
            else {
                continue;
            };
            if stands_for.contains_key(&original_key) {
                continue;
            }
            stands_for.insert(original_key, content.clone());
            if let Some(c) = components.iter_mut().find(|c| {
                c.replacement.is_none() && (&c.path, &c.version) == (&content.0, &content.1)
            }) {
                c.replacement = Some(Replacement::Fork {
                    path: original.path.clone(),
                    version: Some(original.version.clone()),
                });
            }
        }
        // Modules built from a directory of the user's (not laid out by gomodoff).
        for (mv, dir) in &g.dirs {
            if laid_out.contains(mv.path.as_str()) {
                continue;
            }
            let key = (mv.path.clone(), mv.version.clone());
            stands_for.insert(key.clone(), key);
            components.push(Component {
                path: mv.path.clone(),
                version: mv.version.clone(),
                zip_h1: None,
                gomod_h1: None,
                zip_sha256: None,
                license: None,
                replacement: Some(Replacement::Directory { dir: dir.clone() }),
            });
        }
        for (mv, requires) in &g.requires {
            let from = if mv.version.is_empty() {
                (mv.path.clone(), String::new())
            } else {
                match stands_for.get(&(mv.path.clone(), mv.version.clone())) {
                    Some(c) => c.clone(),
                    None => continue,
                }
            };
            let to = requires.iter().filter_map(|r| {
                stands_for
                    .get(&(r.path.clone(), r.version.clone()))
                    .cloned()
            });
            dependencies.entry(from).or_default().extend(to);
        }
    }
    Bom {
        main: mains,
        components,
        dependencies,
        source,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        timestamp: None,
    }
}

/// The current time as RFC 3339 UTC, to the second.
/// The time `--timestamp` records: `SOURCE_DATE_EPOCH` when it is set (the reproducible-builds
/// convention, <https://reproducible-builds.org/specs/source-date-epoch/>: seconds since the Unix
/// epoch, a malformed value is an error), else now.
fn run_time() -> Result<String> {
    let secs = match crate::util::env::var("SOURCE_DATE_EPOCH") {
        Some(v) => source_date_epoch(&v).ok_or_else(|| {
            crate::util::hint::hinted(
                anyhow::anyhow!(
                    "SOURCE_DATE_EPOCH is `{v}`, not a number of seconds since 1970-01-01T00:00:00Z (at most {LAST})"
                ),
                "set it to one (e.g. `SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)`), or unset it to record the time of the run",
            )
        })?,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    };
    Ok(rfc3339(secs))
}

/// 9999-12-31T23:59:59Z, the last second RFC 3339 can write.
const LAST: u64 = 253_402_300_799;

/// `SOURCE_DATE_EPOCH`'s seconds: decimal digits only (no sign, no fraction), at most [`LAST`].
fn source_date_epoch(v: &str) -> Option<u64> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse::<u64>().ok().filter(|s| *s <= LAST)
}

/// Seconds since the Unix epoch as an RFC 3339 UTC time (`2023-11-14T22:13:20Z`).
fn rfc3339(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_as_rfc3339() {
        // Expected values from `date -u -d @N +%Y-%m-%dT%H:%M:%SZ`.
        for (secs, want) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_700_000_000, "2023-11-14T22:13:20Z"),
            (4_107_542_399, "2100-02-28T23:59:59Z"),
            (LAST, "9999-12-31T23:59:59Z"),
        ] {
            assert_eq!(rfc3339(secs), want);
        }
    }

    #[test]
    fn source_date_epoch_values() {
        assert_eq!(source_date_epoch("1700000000"), Some(1_700_000_000));
        assert_eq!(source_date_epoch("0"), Some(0));
        for bad in [
            "",
            "-1",
            "+5",
            "1.5",
            "1e9",
            " 1",
            "253402300800",
            "99999999999999999999",
        ] {
            assert_eq!(source_date_epoch(bad), None, "{bad}");
        }
    }
}
