//! What a build needs, as the go command's loader (modload) decides it: the module graph, the
//! modules needed, the packages and their imports, what `go mod vendor` writes.

pub(crate) mod consistency;
pub(crate) mod content;
pub mod graph;
pub(crate) mod load;
pub(crate) mod load_packages;
pub(crate) mod needs;
pub mod packages;
pub mod scans;
pub mod vendoring;
