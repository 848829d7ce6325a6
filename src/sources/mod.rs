//! Where module bytes come from — the module cache, a GOPROXY tree, a bundle — and their checks
//! against go.sum; the installed go command; the records of what was already checked.

pub mod bundle;
pub(crate) mod bundle_source;
pub(crate) mod checked;
pub(crate) mod extract;
pub mod goenv;
pub(crate) mod goenv_memo;
pub mod modcache;
pub(crate) mod sumdb;
pub mod verified;
