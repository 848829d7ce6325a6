//! The checksum database carried in a GOPROXY tree, with the real go as the judge: a database
//! the test makes (its own key, see `support::sumdb`) served from the file:// proxy lets go keep
//! `GOSUMDB` on with no network, verify a module that is not in go.sum and write its line, and
//! refuse a zip changed after the fact or a record the signed tree does not hold.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::sumdb::{NAME, TestSumdb};
use crate::support::{Harness, assert_failure, assert_success, stderr};

/// The fixture modules the database holds records for.
const MODULES: &[(&str, &str)] = &[
    ("example.com/multi", "v1.1.0"),
    ("example.com/multi", "v1.2.0"),
    ("example.com/old116", "v1.0.0"),
];

/// A harness whose proxy serves a test database holding [`MODULES`].
fn harness_with_db() -> (Harness, TestSumdb) {
    let h = Harness::new();
    let mut db = TestSumdb::new(300);
    for (p, v) in MODULES {
        db.add_from_go(&h, p, v);
    }
    db.write(h.proxy_dir());
    (h, db)
}

/// A new main module with no requirement, in a fresh dir.
fn empty_module(h: &Harness) -> PathBuf {
    let dir = h.fresh_dir("main");
    fs::write(dir.join("go.mod"), "module example.com/main\n\ngo 1.22\n").unwrap();
    dir
}

/// The real go in `dir` with `GOSUMDB` set to the test database, checks on for every module,
/// `GOPROXY` the file tree `proxy`, an empty module cache and a GOPATH that has never seen the
/// database (no `latest`).
fn go_checked(h: &Harness, db: &TestSumdb, proxy: &Path, dir: &Path, args: &[&str]) -> Output {
    go_checked_in(h, db, proxy, dir, args, &h.fresh_dir("modcache"))
}

/// [`go_checked`] with the module cache `cache`.
fn go_checked_in(
    h: &Harness,
    db: &TestSumdb,
    proxy: &Path,
    dir: &Path,
    args: &[&str],
    cache: &Path,
) -> Output {
    let gopath = h.fresh_dir("gopath");
    let url = crate::support::file_url(proxy);
    h.go_with_env(
        dir,
        args,
        &[
            ("GOSUMDB", &db.gosumdb()),
            ("GONOSUMDB", ""),
            ("GOPROXY", &url),
            ("GOMODCACHE", cache.to_str().unwrap()),
            ("GOPATH", gopath.to_str().unwrap()),
        ],
    )
}

#[test]
fn go_verifies_a_new_module_against_the_carried_database_offline() {
    requires_go!();
    let (h, db) = harness_with_db();
    let dir = empty_module(&h);
    let cache = h.fresh_dir("modcache");
    let out = go_checked_in(
        &h,
        &db,
        h.proxy_dir(),
        &dir,
        &["get", "example.com/multi@v1.1.0"],
        &cache,
    );
    assert_success(&out, "go get with the test database");
    // go asked the database (through the proxy) and kept what it verified.
    let cached = cache.join("cache/download/sumdb").join(NAME);
    assert!(
        cached.join("lookup/example.com/multi@v1.1.0").is_file(),
        "go did not look the module up"
    );
    assert!(
        cached.join("tile/8/0/001.p/47").is_file(),
        "go read no tile"
    );
    let gosum = fs::read_to_string(dir.join("go.sum")).unwrap();
    assert!(
        gosum.contains("example.com/multi v1.1.0 h1:")
            && gosum.contains("example.com/multi v1.1.0/go.mod h1:"),
        "{gosum}"
    );
}

#[test]
fn go_refuses_a_zip_changed_after_its_record() {
    requires_go!();
    let (h, db) = harness_with_db();
    // Same version, other content: what a tampered bundle or mirror would serve.
    h.publish(
        "example.com/multi",
        "v1.1.0",
        &[
            ("go.mod", "module example.com/multi\n\ngo 1.16\n"),
            ("multi.go", "package multi\n\nconst Evil = 1\n"),
        ],
    );
    let dir = empty_module(&h);
    let out = go_checked(
        &h,
        &db,
        h.proxy_dir(),
        &dir,
        &["get", "example.com/multi@v1.1.0"],
    );
    assert_failure(&out, "go get of a tampered zip");
    assert!(
        stderr(&out).contains("SECURITY ERROR") && stderr(&out).contains("sumdb.test.example"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("go.sum").exists(), "go.sum was written");
}

#[test]
fn go_refuses_a_record_the_signed_tree_does_not_hold() {
    requires_go!();
    let (h, db) = harness_with_db();
    let lookup = h
        .proxy_dir()
        .join("sumdb")
        .join(NAME)
        .join("lookup/example.com/multi@v1.1.0");
    let text = fs::read_to_string(&lookup).unwrap();
    // The record's text changed (another go.mod hash): its hash is not the tree's leaf.
    let forged = text.replacen("/go.mod h1:", "/go.mod h1:X", 1);
    fs::write(&lookup, forged).unwrap();
    let dir = empty_module(&h);
    let out = go_checked(
        &h,
        &db,
        h.proxy_dir(),
        &dir,
        &["get", "example.com/multi@v1.1.0"],
    );
    assert_failure(&out, "go get with a forged record");
    assert!(
        stderr(&out).contains("cannot authenticate record data"),
        "{}",
        stderr(&out)
    );
}
