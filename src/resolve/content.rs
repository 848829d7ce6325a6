//! The content of a gomodoff tree (a bundle, a mirror, proxy mode's tree): every module version
//! the builds of some repositories need, merged, each file checked against go.sum.

use std::collections::BTreeMap;

use anyhow::{Context as _, Result, bail};
use rayon::prelude::*;

use crate::formats::lock::Tier;
use crate::formats::module::ModuleVersion;
use crate::repo::{Repo, module_paths};
use crate::resolve::needs::{Needed, ZipsFor, needed_modules};
use crate::sources::bundle::{self, Manifest, ManifestModule, ModuleContent};
use crate::sources::checked::checked_zip;
use crate::sources::modcache::ModuleSource;
use crate::util::context::Context;

/// Everything the repositories' builds need, merged into one manifest, with each zip checked
/// (every zip rule, and its `h1:` against go.sum) and each `.info` made: the content of a tree.
pub(crate) fn collect(
    ctx: &mut Context,
    repos: &[Repo],
    src: &dyn ModuleSource,
) -> Result<(Manifest, Vec<ModuleContent>)> {
    let mut merged: BTreeMap<ModuleVersion, Needed> = BTreeMap::new();
    let mut manifest = Manifest::new();
    for repo in repos {
        manifest.repos.extend(module_paths(repo)?);
        manifest.workspace |= repo.workspace.is_some();
        let needs = needed_modules(repo, src, &repo.config.exclude, ZipsFor::Consulted)
            .with_context(|| format!("in `{}`", repo.root.display()))?;
        for n in needs {
            match merged.get_mut(&n.content) {
                None => {
                    merged.insert(n.content.clone(), n);
                }
                Some(old) => {
                    match (&old.gomod_h1, &n.gomod_h1) {
                        (Some(a), Some(b)) if a != b => bail!(
                            "the go.sum files disagree on `{}/go.mod`: {a} and {b}",
                            n.content
                        ),
                        (None, Some(_)) => {
                            old.gomod_h1 = n.gomod_h1.clone();
                            old.gomod = n.gomod.clone();
                        }
                        _ => {}
                    }
                    match (&old.zip_h1, &n.zip_h1) {
                        (Some(a), Some(b)) if a != b => {
                            bail!("the go.sum files disagree on `{}`: {a} and {b}", n.content)
                        }
                        (None, Some(_)) => {
                            old.zip_h1 = n.zip_h1.clone();
                            old.tier = Tier::Full;
                        }
                        _ => {}
                    }
                    old.listed |= n.listed;
                }
            }
        }
    }
    let bar = ctx
        .shell
        .progress(merged.len() as u64, "modules checked against go.sum");
    let contents: Vec<ModuleContent> = merged
        .into_values()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|n| {
            let c = content(src, n);
            bar.inc(1);
            c
        })
        .collect::<Result<_>>()?;
    bar.finish_and_clear();
    for c in &contents {
        manifest.add(c.entry.clone())?;
    }
    Ok((manifest, contents))
}

/// One module's files from the source, checked.
fn content(src: &dyn ModuleSource, n: Needed) -> Result<ModuleContent> {
    let zip = match &n.zip_h1 {
        Some(want) => {
            let zip = src.zip_path(&n.content)?;
            Some(checked_zip(src, &n.content, &zip, want)?)
        }
        None => None,
    };
    let info = n.listed.then(|| bundle::info_json(&n.content));
    Ok(ModuleContent {
        entry: ManifestModule {
            path: n.content.path.clone(),
            version: n.content.version.clone(),
            zip_h1: n.zip_h1.clone(),
            gomod_h1: n.gomod_h1.clone(),
            info: info.is_some(),
        },
        gomod: n.gomod,
        zip,
        info,
    })
}
