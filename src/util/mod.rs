//! Below everything: files written atomically, the repository lock, where output goes, the
//! context of a run.

pub(crate) mod context;
pub(crate) mod env;
pub mod fsutil;
pub(crate) mod hint;
pub mod shell;
pub(crate) mod staging;

/// Drops `value` on a worker thread, off the caller's path: freeing tables of tens of thousands
/// of small allocations costs a run milliseconds it spends waiting for nothing. Only for values
/// whose drop does nothing but free memory (a temporary directory must go before the command
/// ends: a drop left unfinished when the process exits is never run).
pub(crate) fn drop_aside<T: Send + 'static>(value: T) {
    rayon::spawn(move || drop(value));
}
