//! Where modules come from: the module cache (default, or `--modcache`), or `--from`: a GOPROXY
//! file tree or a bundle made by `gomodoff pack`.

use anyhow::{Result, bail};

use crate::modcache::{ModCache, ModuleSource, ProxyTree};
use crate::ops::Context;

pub fn open(ctx: &Context) -> Result<Box<dyn ModuleSource>> {
    if let Some(from) = &ctx.from {
        if from.is_dir() {
            return Ok(Box::new(ProxyTree::new(from.clone())));
        }
        if from.is_file() {
            bail!(
                "`{}` is a file; bundles are read by `gomodoff unpack`, which is not yet implemented\nhint: pass a GOPROXY directory tree to --from",
                from.display()
            );
        }
        bail!("`--from {}` does not exist", from.display());
    }
    Ok(Box::new(ModCache::locate(ctx.modcache.as_deref())?))
}
