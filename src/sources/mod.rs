//! Where module bytes come from — the module cache, a GOPROXY tree, a bundle — and their checks
//! against go.sum; the installed go command; the records of what was already checked.

pub mod bundle;
pub mod bundle_source;
pub mod checked;
pub mod extract;
pub mod goenv;
pub mod modcache;
pub mod verified;
