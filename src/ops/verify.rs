//! `gomodoff verify`: re-hash every laid-out module and compare it with go.sum and the lock,
//! naming every module and file that was added, removed or modified. Works without the module
//! cache: a whole tree is checked against its `<tree>.hashes` listing, whose own hash must be the
//! module's `h1:` in go.sum.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use base64::Engine as _;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::formats::dirhash;
use crate::formats::gosum::GoSum;
use crate::formats::listing::hashes_path;
use crate::formats::lock::{LockedModule, Mode, Tier};
use crate::modes::Finding;
use crate::ops::{Context, Outcome};
use crate::util::fsutil;

pub fn verify(ctx: &mut Context) -> Result<Outcome> {
    let repo = crate::repo::open_vendored(&ctx.dir)?;
    if crate::txn::journal::interrupted(&repo.root) {
        if ctx.json {
            let v = serde_json::json!({ "ok": false, "interrupted": true, "findings": [] });
            writeln!(ctx.shell.out(), "{}", serde_json::to_string_pretty(&v)?)?;
        } else {
            writeln!(ctx.shell.out(), "{}", crate::txn::journal::INTERRUPTED)?;
        }
        return Ok(Outcome::Differs);
    }
    let Some(lock) = &repo.lock else {
        crate::bail_hint!(
            hint = "run `gomodoff vendor` first",
            "nothing to verify: there is no gomodoff.lock in `{}`",
            repo.root.display()
        );
    };
    let gosum = repo.gosum()?;
    let dir = repo.root.join(&lock.dir);
    let mut findings: Vec<Finding> = if lock.mode == Mode::Vendor {
        crate::modes::vendor::verify_findings(&repo, lock)?
    } else {
        let bar = ctx
            .shell
            .progress(lock.modules.len() as u64, "modules hashed");
        let found = lock
            .modules
            .par_iter()
            .map(|m| {
                let f = verify_module(&dir, m, &gosum);
                bar.inc(1);
                f
            })
            .collect::<Result<Vec<_>>>()?;
        bar.finish_and_clear();
        found.into_iter().flatten().collect()
    };
    findings.sort_by(|a, b| (&a.module, &a.file).cmp(&(&b.module, &b.file)));
    let bad_modules: std::collections::BTreeSet<&str> =
        findings.iter().map(|f| f.module.as_str()).collect();
    if ctx.json {
        let v = serde_json::json!({ "modules": lock.modules.len(), "ok": findings.is_empty(), "findings": findings });
        writeln!(ctx.shell.out(), "{}", serde_json::to_string_pretty(&v)?)?;
    } else {
        for f in &findings {
            match &f.file {
                Some(file) => writeln!(
                    ctx.shell.out(),
                    "{}: {} file `{}`{}",
                    f.module,
                    f.kind,
                    file,
                    detail(&f.detail)
                )?,
                None => writeln!(
                    ctx.shell.out(),
                    "{}: {}{}",
                    f.module,
                    f.kind,
                    detail(&f.detail)
                )?,
            }
        }
        if findings.is_empty() {
            ctx.shell.status(
                "Verified",
                &format!(
                    "{} modules in `{}` match go.sum and gomodoff.lock",
                    lock.modules.len(),
                    lock.dir
                ),
            )?;
        } else {
            ctx.shell.status(
                "Mismatch",
                &format!(
                    "{} of {} modules differ from what gomodoff laid out",
                    bad_modules.len(),
                    lock.modules.len()
                ),
            )?;
        }
    }
    Ok(if findings.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Differs
    })
}

fn detail(d: &str) -> String {
    if d.is_empty() {
        String::new()
    } else {
        format!(" ({d})")
    }
}

/// Everything wrong with one module's tree.
pub fn verify_module(dir: &Path, m: &LockedModule, gosum: &GoSum) -> Result<Vec<Finding>> {
    let name = format!("{}@{}", m.path, m.version);
    let mut out = Vec::new();
    let mut find = |kind: &'static str, file: Option<&str>, detail: String| {
        out.push(Finding {
            module: name.clone(),
            kind,
            file: file.map(str::to_string),
            detail,
        })
    };
    let tree = dir.join(&m.dir);
    if !tree.is_dir() {
        find(
            "missing tree",
            None,
            format!("`{}` is gone; run `gomodoff vendor`", tree.display()),
        );
        return Ok(out);
    }
    // go.sum must still say what the lock says.
    if let Some(want) = &m.zip_h1 {
        match gosum.zip_hash(&m.path, &m.version) {
            Some(h) if h == want => {}
            Some(h) => find(
                "go.sum disagrees",
                None,
                format!("go.sum has {h}, the tree was laid out for {want}"),
            ),
            None => find(
                "go.sum disagrees",
                None,
                "go.sum no longer lists the module".into(),
            ),
        }
    }
    if m.synthesized_gomod.is_none() {
        match gosum.gomod_hash(&m.path, &m.version) {
            Some(h) if h == m.gomod_h1 => {}
            Some(h) => find(
                "go.sum disagrees",
                Some("go.mod"),
                format!("go.sum has {h}, the tree was laid out for {}", m.gomod_h1),
            ),
            None => find(
                "go.sum disagrees",
                Some("go.mod"),
                "go.sum no longer lists the go.mod".into(),
            ),
        }
    }
    let mut actual = dirhash::dir_file_digests(&tree)?;
    // A go.mod that is not part of the module's zip (go.mod-only trees, synthesised ones) is
    // checked on its own against the lock; the module's own go.mod is checked with its zip.
    let own_gomod_in_zip = m.tier == Tier::Full && m.synthesized_gomod.is_none();
    if !own_gomod_in_zip {
        match actual.remove("go.mod") {
            None => find("removed", Some("go.mod"), String::new()),
            Some(_) => {
                let bytes = fsutil::read(&tree.join("go.mod"))?;
                if dirhash::hash_gomod(&bytes) != m.gomod_h1 {
                    find("modified", Some("go.mod"), String::new());
                }
            }
        }
    }
    match m.tier {
        Tier::GoMod => {
            for f in actual.keys() {
                find("added", Some(f), String::new());
            }
        }
        Tier::Full => {
            let listing_path = hashes_path(&tree);
            let Some(listing) = fsutil::read_optional(&listing_path)? else {
                find(
                    "missing listing",
                    None,
                    format!(
                        "`{}` is gone; run `gomodoff vendor` to lay the module out again",
                        listing_path.display()
                    ),
                );
                return Ok(out);
            };
            let listing_h1 = format!(
                "h1:{}",
                base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&listing))
            );
            if Some(&listing_h1) != m.zip_h1.as_ref() {
                find(
                    "listing modified",
                    None,
                    format!(
                        "`{}` hashes to {listing_h1}, not {}",
                        listing_path.display(),
                        m.zip_h1.as_deref().unwrap_or("-")
                    ),
                );
                return Ok(out);
            }
            let expected = parse_listing(&listing, &name)?;
            for (file, d) in &expected {
                match actual.get(file) {
                    None => find("removed", Some(file), String::new()),
                    Some(a) if a != d => find("modified", Some(file), String::new()),
                    Some(_) => {}
                }
            }
            for file in actual.keys() {
                if !expected.contains_key(file) {
                    find("added", Some(file), String::new());
                }
            }
        }
    }
    Ok(out)
}

/// `<sha256 hex>  <path>@<version>/<file>` lines → file → digest.
fn parse_listing(bytes: &[u8], prefix: &str) -> Result<BTreeMap<String, [u8; 32]>> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let bad = || anyhow::anyhow!("{prefix}.hashes:{}: malformed line", i + 1);
        let (hex_digest, name) = line.split_once("  ").ok_or_else(bad)?;
        let file = name
            .strip_prefix(prefix)
            .and_then(|f| f.strip_prefix('/'))
            .ok_or_else(bad)?;
        let mut d = [0u8; 32];
        hex::decode_to_slice(hex_digest, &mut d).map_err(|_| bad())?;
        out.insert(file.to_string(), d);
    }
    Ok(out)
}
