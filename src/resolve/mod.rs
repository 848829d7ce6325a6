//! What a build needs, as the go command's loader (modload) decides it: the module graph, the
//! modules needed, the packages and their imports, what `go mod vendor` writes.

pub mod consistency;
pub mod content;
pub mod graph;
pub mod load;
pub mod load_packages;
pub mod needs;
pub mod packages;
pub mod scans;
pub mod vendoring;
