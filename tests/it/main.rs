//! The integration tests, one binary (one link instead of one per area): each module is an area,
//! all of them sharing the harness in `support` (fixture modules served as a `GOPROXY=file://`
//! tree, the real go as the oracle, the built `gomodoff` binary run in that environment).
//!
//! `cargo test --locked` runs them all; `cargo test --test it replace::` runs one area.

// Tests read the environment directly (the product reads it through its util::env).
#![allow(clippy::disallowed_methods)]
// Helpers are `pub` for the test modules; nothing here is an API.
#![allow(unreachable_pub)]

#[macro_use]
mod support;

mod check;
mod completions_man;
mod concurrency;
mod crash;
mod dirhash;
mod env_exec;
mod fresh;
mod go_verb;
mod gomod;
mod gosum;
mod graph;
mod harness;
mod hash_cli;
mod hostile_repo;
mod json;
mod licenses;
mod mirror;
mod modcache;
mod modules_txt;
mod modzip;
mod need_set;
mod output;
mod pack;
mod packages;
mod replace;
mod sbom;
mod slim;
mod sumdb;
mod vendor_mode;
mod vendoring;
mod workspace;
