//! `gomodoff restore`: undo exactly what `vendor` did, in the lock's mode
//! (`crate::modes::restore`).

use anyhow::{Result, bail};

use crate::formats::lock::LOCK_FILE;
use crate::modes::RestoreOptions;
use crate::ops::{Context, Outcome};

pub(crate) fn restore(ctx: &mut Context, opts: &RestoreOptions) -> Result<Outcome> {
    let (repo, _guard) = crate::txn::open::open_vendored_for_change(ctx, opts.dry_run)?;
    let Some(lock) = repo.lock.clone() else {
        bail!(
            "nothing to restore: there is no {LOCK_FILE} in `{}`",
            repo.root.display()
        );
    };
    crate::modes::restore(ctx, &repo, &lock, opts)
}
