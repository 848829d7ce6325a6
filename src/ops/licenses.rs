//! `gomodoff licenses`: the licence of every module version exactly as it was laid out (or as a
//! bundle or GOPROXY tree given with `--from` holds it) — SPDX expression, the files it came
//! from, the scanner's confidence — and, with `--check`, the `[licenses]` policy of
//! gomodoff.toml enforced: exit 1 naming each module that breaks it.

use anyhow::Result;

use crate::formats::licenses::{ModuleLicense, Verdict};
use crate::formats::lock::{CONFIG_FILE, Config};
use crate::modes::licenses::{self, ModuleReport};
use crate::ops::{Context, Outcome};

#[derive(Debug, Clone, Default)]
pub(crate) struct LicensesOptions {
    pub check: bool,
}

pub(crate) fn licenses(ctx: &mut Context, opts: &LicensesOptions) -> Result<Outcome> {
    let (reports, config) = match &ctx.from {
        Some(from) => (
            licenses::of_tree(from)?.0,
            Config::load(&ctx.dir).unwrap_or_default(),
        ),
        None => {
            let (repo, lock) = crate::ops::open_laid_out(&ctx.dir)?;
            (licenses::of_repo(&repo, &lock)?, repo.config.clone())
        }
    };
    let mut reports = reports;
    reports.sort_by(|a, b| (&a.path, &a.version).cmp(&(&b.path, &b.version)));
    let policy = config.licenses.as_ref();
    if opts.check && policy.is_none() {
        crate::bail_hint!(
            hint = "add a `[licenses]` table with `allow` and/or `deny` (see gomodoff's README, \"Licences\")",
            "`--check` needs a licence policy, and {CONFIG_FILE} has no `[licenses]` table"
        );
    }
    let violations = policy
        .map(|p| licenses::violations(p, &reports))
        .unwrap_or_default();
    if ctx.shell.is_json() {
        ctx.shell.document(serde_json::json!({
            "modules": reports.iter().map(module_document).collect::<Vec<_>>(),
            "policy": policy.is_some(),
            "violations": violations.iter().map(|v| serde_json::json!({
                "module": v.module,
                "version": v.version,
                "expression": v.expression,
                "message": v.message,
            })).collect::<Vec<_>>(),
        }))?;
    } else {
        print_table(ctx, &reports)?;
        for v in &violations {
            writeln!(ctx.shell.out(), "violation: {v}")?;
        }
        if policy.is_some() && violations.is_empty() {
            writeln!(ctx.shell.out(), "licence policy: every module passes")?;
        }
    }
    Ok(if opts.check && !violations.is_empty() {
        Outcome::Differs
    } else {
        Outcome::Ok
    })
}

/// One row per module version: module, version, expression (or `unknown`/`none`), files,
/// confidence.
fn print_table(ctx: &mut Context, reports: &[ModuleReport]) -> Result<()> {
    let rows: Vec<[String; 5]> = reports
        .iter()
        .filter_map(|r| {
            let l = r.license.as_ref()?;
            Some([
                r.path.clone(),
                r.version.clone(),
                l.expression
                    .clone()
                    .unwrap_or_else(|| l.status().to_string()),
                files_column(l),
                l.confidence
                    .map_or_else(|| "-".to_string(), |c| format!("{:.0}%", c * 100.0)),
            ])
        })
        .collect();
    let header = ["MODULE", "VERSION", "LICENSE", "FILES", "CONFIDENCE"].map(String::from);
    let mut widths = [0usize; 5];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let line = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:w$}"))
            .collect::<Vec<_>>()
            .join("  ");
        writeln!(ctx.shell.out(), "{}", line.trim_end())?;
    }
    let gomod_only = reports.iter().filter(|r| r.license.is_none()).count();
    if gomod_only > 0 {
        writeln!(
            ctx.shell.out(),
            "({gomod_only} more module versions have only their go.mod laid out: no package of theirs is built)"
        )?;
    }
    Ok(())
}

/// The files column: each file, with what it was found to be when that is not the module's
/// plain answer.
fn files_column(l: &ModuleLicense) -> String {
    l.files
        .iter()
        .map(|f| match &f.verdict {
            Verdict::Identified(_) if f.extra_words > 0 => {
                format!("{} (+{} words of other text)", f.path, f.extra_words)
            }
            Verdict::Identified(_) | Verdict::Notice => f.path.clone(),
            Verdict::LowConfidence(m) => {
                format!("{} (resembles {} {:.0}%)", f.path, m.id, m.score * 100.0)
            }
            Verdict::Unknown(_) => format!("{} (unknown)", f.path),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A module's entry in the `--json` document.
fn module_document(r: &ModuleReport) -> serde_json::Value {
    let Some(l) = &r.license else {
        return serde_json::json!({
            "module": r.path,
            "version": r.version,
            "replaces": r.replaces,
            "laid_out": "gomod",
            "status": null,
            "expression": null,
            "confidence": null,
            "files": [],
        });
    };
    serde_json::json!({
        "module": r.path,
        "version": r.version,
        "replaces": r.replaces,
        "laid_out": "files",
        "status": l.status(),
        "expression": l.expression,
        "confidence": l.confidence.map(round),
        "files": l.files.iter().map(|f| {
            let (verdict, matches) = match &f.verdict {
                Verdict::Identified(m) => ("identified", m.clone()),
                Verdict::LowConfidence(m) => ("low_confidence", vec![m.clone()]),
                Verdict::Unknown(m) => ("unknown", m.iter().cloned().collect()),
                Verdict::Notice => ("notice", Vec::new()),
            };
            serde_json::json!({
                "path": f.path,
                "kind": f.kind.as_str(),
                "verdict": verdict,
                "matches": matches.iter().map(|m| serde_json::json!({
                    "id": m.id,
                    "score": round(m.score),
                })).collect::<Vec<_>>(),
                "extra_words": f.extra_words,
            })
        }).collect::<Vec<_>>(),
    })
}

/// A score with four decimals: what the scanner's `f32` means, and the same on every machine.
fn round(score: f32) -> f64 {
    (f64::from(score) * 10_000.0).round() / 10_000.0
}
