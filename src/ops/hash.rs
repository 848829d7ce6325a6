//! `gomodoff hash` (plumbing): print the `h1:` of a module zip, an extracted module directory or
//! a go.mod, or check every go.sum line against the module source.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use rayon::prelude::*;

use crate::formats::dirhash;
use crate::formats::gosum::GoSum;
use crate::formats::module::ModuleVersion;
use crate::sources::bundle_source as source;
use crate::sources::modcache::ModuleSource;
use crate::util::context::{Context, Outcome};
use crate::util::fsutil;

#[derive(Debug, Clone, Default)]
pub(crate) struct HashOptions {
    pub zip: Option<PathBuf>,
    pub dir: Option<PathBuf>,
    pub module: Option<String>,
    pub gomod: Option<PathBuf>,
    pub check: bool,
    pub gosum: Option<PathBuf>,
}

pub(crate) fn hash(ctx: &mut Context, opts: &HashOptions) -> Result<Outcome> {
    let module = || -> Result<ModuleVersion> {
        let m = opts
            .module
            .as_deref()
            .context("--module PATH@VERSION is required")?;
        m.parse::<ModuleVersion>()
            .map_err(|e| anyhow::anyhow!("--module `{m}`: {e}"))
    };
    let abs = |p: &PathBuf| {
        if p.is_absolute() {
            p.clone()
        } else {
            ctx.dir.join(p)
        }
    };
    // One hash: its go.sum line (`path version[/go.mod] h1:…`), or the bare hash of a go.mod
    // given without --module.
    let (kind, file, mv, h) = if let Some(zip) = &opts.zip {
        let mv = module()?;
        let h = crate::sources::checked::zip_h1(&abs(zip), &mv)?;
        ("zip", zip, Some(mv), h)
    } else if let Some(dir) = &opts.dir {
        let mv = module()?;
        let h = dirhash::hash_dir(&abs(dir), &mv.to_string())
            .with_context(|| format!("failed to hash `{}`", dir.display()))?;
        ("dir", dir, Some(mv), h)
    } else if let Some(gomod) = &opts.gomod {
        let bytes = fsutil::read(&abs(gomod))?;
        let mv = opts.module.as_ref().map(|_| module()).transpose()?;
        ("gomod", gomod, mv, dirhash::hash_gomod(&bytes))
    } else if opts.check {
        return check(ctx, opts);
    } else {
        bail!(
            "say what to hash: --zip FILE --module M@V, --dir DIR --module M@V, --gomod FILE, or --check"
        )
    };
    let suffix = if kind == "gomod" { "/go.mod" } else { "" };
    let line = match &mv {
        Some(mv) => format!("{} {}{suffix} {h}", mv.path, mv.version),
        None => h.clone(),
    };
    if ctx.shell.is_json() {
        ctx.shell.document(serde_json::json!({
            "kind": kind,
            "path": abs(file),
            "module": mv.as_ref().map(|m| m.path.clone()),
            "version": mv.as_ref().map(|m| m.version.clone()),
            "h1": h,
            "gosum_line": mv.is_some().then_some(line),
        }))?;
    } else {
        writeln!(ctx.shell.out(), "{line}")?;
    }
    Ok(Outcome::Ok)
}

/// One go.sum line checked against the source.
#[derive(Debug, serde::Serialize)]
struct Checked {
    module: String,
    what: &'static str,
    want: String,
    got: Option<String>,
    status: &'static str,
}

fn check(ctx: &mut Context, opts: &HashOptions) -> Result<Outcome> {
    let gosum_path = match &opts.gosum {
        Some(p) if p.is_absolute() => p.clone(),
        Some(p) => ctx.dir.join(p),
        None => crate::repo::Repo::open(&ctx.dir)?.root.join("go.sum"),
    };
    let text = crate::repo::read_text(&gosum_path)?;
    let gosum = GoSum::parse("go.sum", &text)
        .with_context(|| format!("failed to read `{}`", gosum_path.display()))?;
    let src = source::open(ctx)?;
    let entries: Vec<_> = gosum.entries().collect();
    let checked: Vec<Checked> = entries
        .par_iter()
        .map(|e| {
            let mv = ModuleVersion {
                path: e.path.to_string(),
                version: e.version.to_string(),
            };
            check_entry(src.as_ref(), &mv, e.gomod_only, &e.hash)
        })
        .collect();
    let (mut differ, mut missing) = (0, 0);
    for c in &checked {
        match c.status {
            "mismatch" => differ += 1,
            "missing" => missing += 1,
            _ => {}
        }
    }
    if ctx.shell.is_json() {
        ctx.shell.document(serde_json::json!({
            "ok": differ == 0,
            "source": src.describe(),
            "checked": checked.len(),
            "equal": checked.len() - differ - missing,
            "differ": differ,
            "missing": missing,
            "lines": checked,
        }))?;
    } else {
        for c in checked.iter().filter(|c| c.status != "ok") {
            match &c.got {
                Some(g) => writeln!(
                    ctx.shell.out(),
                    "{} {}: {} (go.sum {}, {} {g})",
                    c.status,
                    c.module,
                    c.what,
                    c.want,
                    src.describe()
                )?,
                None => writeln!(
                    ctx.shell.out(),
                    "{} {}: {} not in {}",
                    c.status,
                    c.module,
                    c.what,
                    src.describe()
                )?,
            }
        }
        ctx.shell.status(
            "Checked",
            &format!(
                "{} go.sum lines against {}: {} equal, {differ} differ, {missing} not present",
                checked.len(),
                src.describe(),
                checked.len() - differ - missing
            ),
        )?;
    }
    Ok(if differ > 0 {
        Outcome::Differs
    } else {
        Outcome::Ok
    })
}

fn check_entry(
    src: &dyn ModuleSource,
    mv: &ModuleVersion,
    gomod_only: bool,
    want: &str,
) -> Checked {
    let module = if gomod_only {
        format!("{mv}/go.mod")
    } else {
        mv.to_string()
    };
    let got: Result<String> = if gomod_only {
        src.gomod(mv)
            .map(|b| dirhash::hash_gomod(&b))
            .map_err(Into::into)
    } else {
        src.zip_path(mv).map_err(anyhow::Error::from).and_then(|z| {
            let h = dirhash::hash_zip(&z)?;
            // An extracted copy must agree too: junk added to it would change what go builds.
            if h == want
                && let Some(dir) = src.extracted_dir(mv)
                && dir.is_dir()
            {
                let d = dirhash::hash_dir(&dir, &mv.to_string())?;
                if d != want {
                    return Ok(format!("{d} (extracted `{}`)", dir.display()));
                }
            }
            Ok(h)
        })
    };
    let what = if gomod_only { "go.mod" } else { "zip" };
    match got {
        Ok(g) if g == want => Checked {
            module,
            what,
            want: want.into(),
            got: Some(g),
            status: "ok",
        },
        Ok(g) => Checked {
            module,
            what,
            want: want.into(),
            got: Some(g),
            status: "mismatch",
        },
        Err(_) => Checked {
            module,
            what,
            want: want.into(),
            got: None,
            status: "missing",
        },
    }
}
