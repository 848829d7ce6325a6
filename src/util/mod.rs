//! Below everything: files written atomically, the repository lock, where output goes, the
//! context of a run.

pub(crate) mod context;
pub(crate) mod env;
pub mod fsutil;
pub(crate) mod hint;
pub mod shell;
pub(crate) mod staging;
