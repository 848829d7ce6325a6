//! gomodoff makes a Go module repository build with no network, and proves it.
//!
//! It takes every module a repository needs from the local module cache (or from a bundle made on
//! a connected machine), verifies each one against `go.sum`, lays it out inside the repository and
//! points the go toolchain at it: replace directives in `go.mod`, a `vendor/` tree, or a
//! `GOPROXY=file://` tree. It configures the real go toolchain; it never replaces it.
//!
//! # Map
//!
//! Each folder is a layer and imports only from the layers below it; `tests` in the crate
//! (`layering`) fails the build of the tests on an upward import or an import cycle. Top to
//! bottom:
//!
//! | layer | owns | reads / writes |
//! |---|---|---|
//! | `main.rs`, [`cli`] | argv → clap structs → `*Options`; the exit code; errors with their hints after the cause chain | the terminal |
//! | `ops/` | one file per command (vendor, restore, verify, status, check, licenses, sbom, env/exec, go, hash, pack, unpack, mirror): open the repository, call a mode or the layers below, print. No ops file imports another | — |
//! | `modes/` | the three layouts — `replace/` (replace directives over trees), `vendor/` (go's `vendor/`), `proxy/` (a `GOPROXY=file://` tree) — each with the same verbs (vendor, verify, drift, restore); `modes/mod.rs` holds the only `match` on the mode and the one rule that picks it (flag, else gomodoff.toml, else the lock); `modes/licenses.rs` reads the licence files of what each mode laid out. Sibling modes never import each other | the trees, `vendor/`, go.mod |
//! | `txn/` | doing a change safely: `run` (preview → confirm → stage → check → apply → report) with a staging guard, the plan, its journal and recovery, opening a repository for a change (lock + repair) | `.gomodoff-txn/`, `.gomodoff-staging/` |
//! | `resolve/` | what a build needs, as go's loader decides it: the module graph (MVS, pruning, workspaces), the need set, package loading and import scans, what `go mod vendor` writes, go's vendor consistency check | module files (read only), `$GOMODOFF_CACHE/scans/` |
//! | `repo/` | the repository's files read once (go.mod, go.sum, go.work and its modules, gomodoff.toml, gomodoff.lock), workspace discovery | those files |
//! | `sources/` | where module bytes come from (module cache, GOPROXY tree, bundle) behind one trait; the one checked read of a go.mod or zip against go.sum (`SumError`, go's words); the installed go (one memoised `go env`); records of directories already verified; the checksum database part a tree or bundle carries (collected from what go verified, or from another tree, and moved to a newer head run by run) | `cache/download/…` (`sumdb/` too), `GOPATH/pkg/sumdb/`, bundles, `$GOMODOFF_CACHE/verified/` |
//! | `formats/` | file formats and hashes, golang.org/x/mod's role: go.mod/go.work (lossless), go.sum, module paths and versions, go versions (`gover`), module zips, `h1:` hashes, modules.txt, go's stderr, gomodoff's lock, config and listings. Text or bytes in, values out | — |
//! | `util/` | below everything: atomic writes and the repository lock, where output goes (`Shell`), the context of a run, hints, the environment (read only here), the staging directory of `unpack`/`mirror` | any file it is given |
//!
//! Why these cuts: the go command's own split (a command decides what to write; its loader,
//! `modload`, reads `vendor/modules.txt` back and checks it; formats live in golang.org/x/mod;
//! fetching in `modfetch`), and cargo's (`ops` thin over `sources`/`resolver`). The library
//! prints only through [`shell::Shell`]; the public API below is what the binary, the tests and
//! the fuzz targets use, and nothing else is `pub`.

pub mod cli;
mod dispatch;
mod formats;
#[cfg(test)]
mod layering;
mod modes;
mod ops;
mod repo;
mod resolve;
mod sources;
mod txn;
mod util;

pub use dispatch::run;
pub use formats::{
    dirhash, gomod, gosum, licenses, lock, module, modules_txt, modzip, sbom, sumdb,
};
pub use ops::{Outcome, error_document, error_exit_code, hints};
pub use repo::Repo;
pub use resolve::load::workspace_input;
pub use resolve::{graph, packages, scans, vendoring};
pub use sources::{bundle, goenv, modcache, verified};
pub use util::{fsutil, shell};
