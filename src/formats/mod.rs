//! File formats and hashes, golang.org/x/mod's role: go.mod and go.work, go.sum, module paths and
//! versions, go versions, module zips, `h1:` hashes, vendor/modules.txt, gomodoff's own lock,
//! config and listings. Text or bytes in, values out; nothing here knows the commands.

pub mod dirhash;
pub(crate) mod goflags;
pub mod gomod;
pub(crate) mod goquote;
pub(crate) mod gostderr;
pub mod gosum;
pub(crate) mod gover;
pub mod licenses;
pub(crate) mod listing;
pub mod lock;
pub mod module;
pub mod modules_txt;
pub mod modzip;
pub mod sbom;
pub mod sumdb;
pub(crate) mod tomltext;
