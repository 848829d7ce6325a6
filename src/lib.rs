//! gomodoff makes a Go module repository build with no network, and proves it.
//!
//! It takes every module a repository needs from the local module cache (or from a bundle made on
//! a connected machine), verifies each one against `go.sum`, lays it out inside the repository and
//! points the go toolchain at it: replace directives in `go.mod`, a `vendor/` tree, or a
//! `GOPROXY=file://` tree. It configures the real go toolchain; it never replaces it.
//!
//! # Map
//!
//! Dependencies point down this list only: a module never imports one listed above it.
//!
//! | module | owns | reads / writes |
//! |---|---|---|
//! | [`cli`] | clap structs turned into `*Options` values; no I/O | — |
//! | [`ops`] | one module per command: vendor, restore, verify, status, check, pack, mirror, env, hash | everything below |
//! | [`shell`] | where output goes: stdout/stderr, verbosity, colour, prompts | the terminal |
//! | [`plan`] | what will change, rendered as a diff, applied as one transaction | go.mod, go.sum, trees |
//! | [`lock`] | `gomodoff.lock` and `gomodoff.toml` (toml_edit, comments kept) | those two files |
//! | [`vendoring`] | what `go mod vendor` writes: package set, `vendor/` files, modules.txt text | module trees (read only) |
//! | [`graph`] | module graph and build list (MVS, go ≥ 1.17 pruning) from go.mod files | — (inputs given) |
//! | [`scans`] | import scans of module files remembered by content (`h1:`) | `$GOMODOFF_CACHE/scans/` |
//! | [`packages`] | Go package import scan for vendor mode | `.go` files of modules |
//! | [`bundle`] | the gomodoff tree format (GOPROXY layout + manifest) as a bundle zip or a directory; untrusted bundles checked | bundles, trees |
//! | [`modcache`] | module sources (GOMODCACHE, GOPROXY file tree, bundle) behind one trait | `cache/download/…` |
//! | [`modzip`] | module zips read and extracted with every rule of the go command enforced | `.zip` files |
//! | [`verified`] | records of module directories already checked against go.sum (stat-keyed, like git's index) | `$GOMODOFF_CACHE/verified/` |
//! | [`dirhash`] | `h1:` hashes over a zip, a directory, a go.mod | zips, trees |
//! | [`gomod`] | lossless go.mod: lexer → syntax tree with comments → editor → printer | — (text in, text out) |
//! | [`gosum`] | go.sum lines, order and unknown lines kept | — (text in, text out) |
//! | [`modules_txt`] | `vendor/modules.txt` read and write | — (text in, text out) |
//! | [`module`] | module path and version types: checks, semver order, case escaping | — |
//! | [`goquote`] | go's quoting (`strconv.Quote`) and printable characters, for go's exact messages | — |
//! | [`staging`] | the fixed staging directory beside a tree `unpack`/`mirror` install into, its lock, repair after a kill | `<parent>/.<name>.gomodoff-staging`, the tree |
//! | [`fsutil`] | atomic writes, staging directories, the repository lock | any file it is given |
//!
//! `gomod`, `gosum`, `modules_txt`, `module`, `dirhash` and `modzip` know nothing of the commands,
//! and nothing in the library prints except through [`shell::Shell`].

pub mod cli;
mod formats;
mod modes;
mod ops;
mod repo;
mod resolve;
mod sources;
mod txn;
mod util;

pub use formats::{dirhash, gomod, gosum, lock, module, modules_txt, modzip};
pub use ops::{Outcome, hints, run};
pub use repo::Repo;
pub use resolve::load::workspace_input;
pub use resolve::{graph, packages, scans, vendoring};
pub use sources::{bundle, goenv, modcache, verified};
pub use util::{fsutil, shell};
