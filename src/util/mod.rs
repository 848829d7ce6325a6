//! Below everything: files written atomically, the repository lock, where output goes, the
//! context of a run.

pub mod context;
pub mod env;
pub mod fsutil;
pub mod hint;
pub mod shell;
pub mod staging;
