//! The checksum database carried in a GOPROXY tree, with the real go as the judge: a database
//! the test makes (its own key, see `support::sumdb`) served from the file:// proxy lets go keep
//! `GOSUMDB` on with no network, verify a module that is not in go.sum and write its line, and
//! refuse a zip changed after the fact or a record the signed tree does not hold.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::sumdb::{NAME, TestSumdb};
use crate::support::{
    Harness, assert_failure, assert_stderr_contains, assert_success, printed_env, read_zip_entries,
    stderr, write_zip_entries,
};

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
    assert_stderr_contains(&out, "cannot authenticate record data");
}

/// [`packed_with_db`]'s project vendored in proxy mode with the test database as GOSUMDB (the
/// tree then carries its part): the harness, the database, the project and the GOSUMDB value.
fn proxy_with_db() -> (Harness, TestSumdb, PathBuf, String) {
    let (h, db, _, project) = packed_with_db();
    let key = db.gosumdb();
    let env = [("GOSUMDB", key.as_str()), ("GONOSUMDB", "")];
    let out = h.gomodoff_with_env(&project, &env, &["vendor", "--mode", "proxy", "--yes"]);
    assert_success(&out, "vendor --mode proxy");
    (h, db, project, key)
}

/// A harness with the test database, and a project requiring `example.com/multi v1.2.0` that
/// the real go tidied with the database on (so go verified it and kept the record, the tiles
/// and the signed head), packed by gomodoff with the same settings into the returned bundle.
fn packed_with_db() -> (Harness, TestSumdb, PathBuf, PathBuf) {
    let (h, db) = harness_with_db();
    let dir = h.fresh_dir("project");
    fs::write(
        dir.join("go.mod"),
        "module example.com/main\n\ngo 1.22\n\nrequire example.com/multi v1.2.0\n",
    )
    .unwrap();
    fs::write(
        dir.join("main.go"),
        "package main\n\nimport _ \"example.com/multi\"\n\nfunc main() {}\n",
    )
    .unwrap();
    let key = db.gosumdb();
    let env = [("GOSUMDB", key.as_str()), ("GONOSUMDB", "")];
    h.go_ok_with_env(&dir, &["mod", "tidy"], &env);
    let cached = h.gomodcache().join("cache/download/sumdb").join(NAME);
    assert!(
        cached.join("lookup/example.com/multi@v1.2.0").is_file(),
        "precondition: go looked the module up"
    );
    let bundle = h.root().join("bundle.zip");
    let out = h.gomodoff_with_env(
        &dir,
        &env,
        &["pack", "-o", bundle.to_str().unwrap(), "--json"],
    );
    assert_success(&out, "gomodoff pack");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    crate::json::assert_valid("pack", &doc);
    assert_eq!(doc["sumdb"]["carried"], true, "{doc}");
    assert_eq!(doc["sumdb"]["name"], NAME);
    assert_eq!(doc["sumdb"]["records"], 1, "{doc}");
    (h, db, bundle, dir)
}

/// `gomodoff unpack <bundle> --to <dest>` with `GOSUMDB` set to the test database.
fn unpack_checked(h: &Harness, db: &TestSumdb, bundle: &Path, dest: &Path) -> Output {
    h.gomodoff_command_without_modcache(h.root())
        .env("GOSUMDB", db.gosumdb())
        .env("GONOSUMDB", "")
        .args(["unpack", bundle.to_str().unwrap(), "--to"])
        .arg(dest)
        .output()
        .unwrap()
}

/// The `export K=V` lines a command printed.
/// go on "machine B", in `dir`: nothing of this machine's environment but `PATH`, `HOME` and the
/// build cache, a new empty module cache and a GOPATH that never saw a checksum database, and
/// `env` (what gomodoff printed) on top.
fn machine_b_go(h: &Harness, dir: &Path, env: &[(String, String)]) -> std::process::Command {
    let mut cmd = std::process::Command::new(h.go_binary());
    cmd.current_dir(dir)
        .env_clear()
        .env("HOME", h.home())
        .env("GOCACHE", h.gocache())
        .env("GOENV", "off")
        .env("GOPATH", h.fresh_dir("gopath-b"))
        .env("GOMODCACHE", h.fresh_dir("modcache-b"));
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    cmd
}

#[test]
fn a_packed_database_keeps_gosumdb_on_offline_and_go_checks_new_modules_with_it() {
    requires_go!();
    let (h, db, bundle, project) = packed_with_db();
    let tree = h.root().join("machine-b/tree");
    let json = h
        .gomodoff_command_without_modcache(h.root())
        .env("GOSUMDB", db.gosumdb())
        .env("GONOSUMDB", "")
        .args(["--json", "unpack", bundle.to_str().unwrap(), "--to"])
        .arg(h.root().join("machine-b/json-tree"))
        .output()
        .unwrap();
    assert_success(&json, "gomodoff --json unpack");
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    crate::json::assert_valid("unpack", &doc);
    assert_eq!(doc["sumdb"]["verified"], true, "{doc}");
    let out = unpack_checked(&h, &db, &bundle, &tree);
    assert_success(&out, "gomodoff unpack");
    let env = printed_env(&out);
    let gosumdb = env.iter().find(|(k, _)| k == "GOSUMDB").unwrap();
    assert_eq!(
        gosumdb.1,
        db.gosumdb(),
        "GOSUMDB is printed as the user has it"
    );
    assert!(tree.join("sumdb").join(NAME).join("latest").is_file());

    // "Machine B": nothing but the printed variables, an empty module cache and a GOPATH that
    // never saw the database; the tree is the only source.
    let go_b = |dir: &Path, goflags: Option<&str>, args: &[&str]| {
        let mut cmd = machine_b_go(&h, dir, &env);
        cmd.env(
            "GOFLAGS",
            goflags.map_or_else(
                || {
                    format!(
                        "{} -modcacherw",
                        env.iter().find(|(k, _)| k == "GOFLAGS").unwrap().1
                    )
                },
                str::to_string,
            ),
        );
        cmd.args(args).output().unwrap()
    };
    let verify = go_b(&project, None, &["mod", "verify"]);
    assert_success(&verify, "go mod verify on machine B");
    assert!(crate::support::stdout(&verify).contains("all modules verified"));
    // A module the tree holds that this main module's go.sum does not: go asks the carried
    // database, proves the record against the signed head, and writes go.sum.
    let fresh = empty_module(&h);
    let get = go_b(
        &fresh,
        Some("-modcacherw"),
        &["get", "example.com/multi@v1.2.0"],
    );
    assert_success(&get, "go get of a carried module not in go.sum");
    let gosum = fs::read_to_string(fresh.join("go.sum")).unwrap();
    assert!(gosum.contains("example.com/multi v1.2.0 h1:"), "{gosum}");
}

/// The bundle's entries, in order.
#[test]
fn a_bundle_whose_database_part_does_not_verify_is_refused_whole() {
    requires_go!();
    let (h, db, bundle, _) = packed_with_db();
    let entries = read_zip_entries(&bundle);
    let root = format!("sumdb/{NAME}");
    let latest = format!("{root}/latest");
    let lookup = format!("{root}/lookup/example.com/multi@v1.2.0");
    let tile = entries
        .iter()
        .map(|(n, _)| n.clone())
        .find(|n| n.starts_with(&format!("{root}/tile/8/0/")))
        .expect("a level-0 tile is carried");
    let edit = |name: &str, f: &dyn Fn(&[u8]) -> Vec<u8>| {
        let e: Vec<(String, Vec<u8>)> = entries
            .iter()
            .map(|(n, d)| (n.clone(), if n == name { f(d) } else { d.clone() }))
            .collect();
        let out = h.fresh_dir("damaged").join("bundle.zip");
        write_zip_entries(&out, &e);
        out
    };
    let text = |d: &[u8]| String::from_utf8(d.to_vec()).unwrap();
    let cases: Vec<(&str, PathBuf, String, &str)> = vec![
        (
            "a forged signature (the tree size changed under it)",
            edit(&latest, &|d| {
                let t = text(d);
                let size = t.lines().nth(1).unwrap().to_string();
                t.replacen(&format!("\n{size}\n"), "\n9999\n", 1)
                    .into_bytes()
            }),
            latest.clone(),
            "invalid signature",
        ),
        (
            "a truncated tile",
            edit(&tile, &|d| d[..d.len() - 1].to_vec()),
            // Named inside the error of the record it proves.
            tile.strip_prefix(&format!("{root}/")).unwrap().to_string(),
            "truncated",
        ),
        (
            "a record the signed tree does not hold",
            edit(&lookup, &|d| {
                text(d)
                    .replacen("/go.mod h1:", "/go.mod h1:X", 1)
                    .into_bytes()
            }),
            lookup.clone(),
            "does not hash to the record",
        ),
    ];
    // A zip changed after packing: gomodoff's own hash check refuses it (go would too, see
    // go_refuses_a_zip_changed_after_its_record). Changed along with the manifest's hashes, it
    // is the database's record that no longer matches.
    let zip_name = "example.com/multi/@v/v1.2.0.zip";
    let other = h.fresh_dir("other-proxy");
    crate::support::publish_into(
        &other,
        "example.com/multi",
        "v1.2.0",
        &[
            ("go.mod", "module example.com/multi\n\ngo 1.21\n"),
            ("multi.go", "package multi\n\nconst Evil = 1\n"),
        ],
    );
    let other_zip = other.join(zip_name);
    let evil = fs::read(&other_zip).unwrap();
    let evil_h1 = gomodoff::dirhash::hash_zip(&other_zip).unwrap();
    let manifest_text = text(
        &entries
            .iter()
            .find(|(n, _)| n == "gomodoff-manifest.toml")
            .unwrap()
            .1,
    );
    let good_h1 = manifest_text
        .lines()
        .find_map(|l| l.strip_prefix("zip_h1 = \""))
        .unwrap()
        .trim_end_matches('"')
        .to_string();
    let with = |changes: &[(&str, Vec<u8>)]| {
        let e: Vec<(String, Vec<u8>)> = entries
            .iter()
            .map(|(n, d)| {
                let new = changes.iter().find(|(c, _)| c == n).map(|(_, b)| b.clone());
                (n.clone(), new.unwrap_or_else(|| d.clone()))
            })
            .collect();
        let out = h.fresh_dir("damaged").join("bundle.zip");
        write_zip_entries(&out, &e);
        out
    };
    let zip_only = with(&[(zip_name, evil.clone())]);
    let dest = h.fresh_dir("dest").join("tree");
    let out = unpack_checked(&h, &db, &zip_only, &dest);
    assert_failure(&out, "a tampered zip");
    assert!(stderr(&out).contains(zip_name), "{}", stderr(&out));
    assert!(!dest.exists());
    let relabelled = with(&[
        (zip_name, evil),
        (
            "gomodoff-manifest.toml",
            manifest_text.replace(&good_h1, &evil_h1).into_bytes(),
        ),
    ]);
    let mut cases = cases;
    cases.push((
        "a tampered zip with the manifest's hashes changed to match",
        relabelled,
        lookup.clone(),
        "but the manifest says",
    ));
    for (what, damaged, file, problem) in cases {
        let dest = h.fresh_dir("dest").join("tree");
        let out = unpack_checked(&h, &db, &damaged, &dest);
        assert_failure(&out, what);
        let err = stderr(&out);
        assert!(
            err.contains("checksum database part does not verify")
                && err.contains(&format!("{file}`"))
                && err.contains(problem),
            "{what}: {err}"
        );
        assert!(!dest.exists(), "{what}: something was installed");
    }
}

#[test]
fn pack_refuses_a_cached_record_the_signed_tree_does_not_hold() {
    requires_go!();
    let (h, db, _, project) = packed_with_db();
    let cached = h
        .gomodcache()
        .join("cache/download/sumdb")
        .join(NAME)
        .join("lookup/example.com/multi@v1.2.0");
    let forged = fs::read_to_string(&cached)
        .unwrap()
        .replacen("/go.mod h1:", "/go.mod h1:X", 1);
    fs::write(&cached, forged).unwrap();
    let out = h.gomodoff_with_env(
        &project,
        &[("GOSUMDB", &db.gosumdb()), ("GONOSUMDB", "")],
        &["pack", "-o", h.root().join("b2.zip").to_str().unwrap()],
    );
    assert_failure(&out, "pack with a forged cached record");
    assert!(
        stderr(&out).contains("lookup/example.com/multi@v1.2.0")
            && stderr(&out).contains("does not hash to the record"),
        "{}",
        stderr(&out)
    );
    // Opting out packs without the database.
    let out = h.gomodoff_with_env(
        &project,
        &[("GOSUMDB", &db.gosumdb()), ("GONOSUMDB", "")],
        &[
            "pack",
            "--no-sumdb",
            "-o",
            h.root().join("b3.zip").to_str().unwrap(),
        ],
    );
    assert_success(&out, "pack --no-sumdb");
}

/// The installed go's `GOOS/GOARCH`.
fn platform(h: &Harness) -> (String, String) {
    let out = h.go_ok(h.root(), &["env", "GOOS", "GOARCH"]);
    let mut lines = out.lines();
    (
        lines.next().unwrap().to_string(),
        lines.next().unwrap().to_string(),
    )
}

#[test]
fn a_packed_toolchain_is_switched_to_offline_and_checked_against_the_database() {
    requires_go!();
    let h = Harness::new();
    let (goos, goarch) = platform(&h);
    // A fake go release, published the way go's toolchain switch downloads one: the module
    // golang.org/toolchain at v0.0.1-<release>.<GOOS>-<GOARCH>, whose bin/go go runs (after
    // making bin/, pkg/tool/ and lib/ executable, so those are there too).
    let version = format!("v0.0.1-go1.99.0.{goos}-{goarch}");
    let fake = |go: &'static str| {
        [
            ("bin/go", go),
            ("bin/gofmt", "#!/bin/sh\n"),
            ("pkg/tool/README", "no tools\n"),
            ("lib/README", "no libraries\n"),
        ]
    };
    h.publish(
        "golang.org/toolchain",
        &version,
        &fake("#!/bin/sh\necho \"go version go1.99.0 (the packed fake toolchain)\"\n"),
    );
    let mut db = TestSumdb::new(300);
    db.add_from_go(&h, "example.com/multi", "v1.2.0");
    db.add_from_go(&h, "golang.org/toolchain", &version);
    db.write(h.proxy_dir());
    let dir = h.fresh_dir("project");
    fs::write(
        dir.join("go.mod"),
        "module example.com/main\n\ngo 1.22\n\ntoolchain go1.99.0\n\nrequire example.com/multi v1.2.0\n",
    )
    .unwrap();
    fs::write(
        dir.join("main.go"),
        "package main\n\nimport _ \"example.com/multi\"\n\nfunc main() {}\n",
    )
    .unwrap();
    let key = db.gosumdb();
    let env = [("GOSUMDB", key.as_str()), ("GONOSUMDB", "")];
    h.go_ok_with_env(&dir, &["mod", "tidy"], &env);

    let bundle = h.root().join("bundle.zip");
    let out = h.gomodoff_with_env(
        &dir,
        &env,
        &[
            "pack",
            "--toolchain",
            "--download",
            "-o",
            bundle.to_str().unwrap(),
            "--json",
        ],
    );
    assert_success(&out, "gomodoff pack --toolchain");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    crate::json::assert_valid("pack", &doc);
    assert_eq!(doc["toolchains"], serde_json::json!([version]), "{doc}");
    assert_eq!(doc["sumdb"]["records"], 2, "{doc}");

    let tree = h.root().join("machine-b/tree");
    let out = unpack_checked(&h, &db, &bundle, &tree);
    assert_success(&out, "gomodoff unpack");
    let printed = printed_env(&out);
    let var = |k: &str| printed.iter().find(|(n, _)| n == k).unwrap().1.clone();
    assert_eq!(var("GOTOOLCHAIN"), "auto");
    assert_eq!(var("GOSUMDB"), key);

    let go_b = || {
        machine_b_go(&h, &dir, &printed)
            .arg("version")
            .output()
            .unwrap()
    };
    let out = go_b();
    assert_success(&out, "go version on machine B");
    assert!(
        crate::support::stdout(&out).contains("go1.99.0 (the packed fake toolchain)"),
        "go did not switch to the packed toolchain: {}{}",
        crate::support::stdout(&out),
        stderr(&out)
    );

    // The switch is checked against the carried database: a toolchain zip changed in the tree
    // is refused by go.
    let zip = tree
        .join("golang.org/toolchain/@v")
        .join(format!("{version}.zip"));
    let mut other = h.fresh_dir("other-proxy");
    crate::support::publish_into(
        &other,
        "golang.org/toolchain",
        &version,
        &fake("#!/bin/sh\necho evil\n"),
    );
    other = other
        .join("golang.org/toolchain/@v")
        .join(format!("{version}.zip"));
    fs::copy(&other, &zip).unwrap();
    let out = go_b();
    assert_failure(&out, "go version with a tampered toolchain");
    assert!(
        stderr(&out).contains("SECURITY ERROR") && !crate::support::stdout(&out).contains("evil"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn mirror_verify_checks_the_database_part_of_a_tree() {
    requires_go!();
    let (h, db, bundle, _) = packed_with_db();
    let tree = h.root().join("tree");
    assert_success(&unpack_checked(&h, &db, &bundle, &tree), "unpack");
    let verify = || {
        h.gomodoff_command_without_modcache(h.root())
            .env("GOSUMDB", db.gosumdb())
            .env("GONOSUMDB", "")
            .args(["mirror", "--verify"])
            .arg(&tree)
            .output()
            .unwrap()
    };
    assert_success(&verify(), "mirror --verify of a good tree");
    let tile = tree.join(format!("sumdb/{NAME}/tile/8/0/001.p/47"));
    let bytes = fs::read(&tile).unwrap();
    fs::write(&tile, &bytes[..bytes.len() - 32]).unwrap();
    let out = verify();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let printed = crate::support::stdout(&out);
    assert!(
        printed.contains(&format!("sumdb/{NAME}/lookup/example.com/multi@v1.2.0"))
            && printed.contains("tile/8/0/001.p/47` holds 1472 bytes"),
        "{printed}"
    );
}

#[test]
fn unpack_checks_the_head_against_the_one_go_already_trusts() {
    requires_go!();
    let (h, db, bundle, _) = packed_with_db();
    // What go on the offline machine already trusts: the same log when it was smaller (extended
    // by the bundle's head), or a log of the same size with other records (a fork).
    let earlier = TestSumdb::new(300).latest();
    let forked = TestSumdb::with_filler(300, "forked").latest();
    let unpack_with = |trusted: &str| {
        let gopath = h.fresh_dir("gopath-b");
        let latest = gopath.join("pkg/sumdb").join(NAME).join("latest");
        fs::create_dir_all(latest.parent().unwrap()).unwrap();
        fs::write(&latest, trusted).unwrap();
        let dest = h.fresh_dir("dest").join("tree");
        let out = h
            .gomodoff_command_without_modcache(h.root())
            .env("GOSUMDB", db.gosumdb())
            .env("GONOSUMDB", "")
            .env("GOPATH", &gopath)
            .args(["unpack", bundle.to_str().unwrap(), "--to"])
            .arg(&dest)
            .output()
            .unwrap();
        (out, dest)
    };
    let (out, _) = unpack_with(&earlier);
    assert_success(&out, "unpack over a head the bundle's extends");
    let env = printed_env(&out);
    assert_eq!(
        env.iter().find(|(k, _)| k == "GOSUMDB").unwrap().1,
        db.gosumdb()
    );
    // go on that machine (trusting the earlier head, a new module cache) uses the tree: it
    // re-reads the tiles of the head it trusts, then moves on to the tree's.
    let trusting = h.fresh_dir("gopath-b");
    let latest = trusting.join("pkg/sumdb").join(NAME).join("latest");
    fs::create_dir_all(latest.parent().unwrap()).unwrap();
    fs::write(&latest, &earlier).unwrap();
    let fresh = empty_module(&h);
    let got = machine_b_go(&h, &fresh, &env)
        .env("GOPATH", &trusting)
        .env("GOFLAGS", "-modcacherw")
        .args(["get", "example.com/multi@v1.2.0"])
        .output()
        .unwrap();
    assert_success(
        &got,
        "go get from the tree where go trusted an earlier head",
    );
    assert_eq!(fs::read_to_string(&latest).unwrap(), db.latest());
    let (out, dest) = unpack_with(&forked);
    assert_failure(&out, "unpack over a forked head");
    assert_stderr_contains(&out, "does not extend the head go already trusts");
    assert!(!dest.exists(), "something was installed");
    // A newer head than the bundle's: go would need its tiles, so GOSUMDB stays off.
    let mut newer = TestSumdb::new(300);
    for (p, v) in MODULES {
        newer.add_from_go(&h, p, v);
    }
    newer.add("example.com/later", "v1.0.0", "h1:AAAA", "h1:AAAA");
    let (out, _) = unpack_with(&newer.latest());
    assert_success(&out, "unpack under a newer trusted head");
    let env = printed_env(&out);
    assert_eq!(env.iter().find(|(k, _)| k == "GOSUMDB").unwrap().1, "off");
    assert_stderr_contains(&out, "already trusts a newer tree head");
}

#[test]
fn proxy_mode_carries_the_database_and_env_keeps_gosumdb_on() {
    requires_go!();
    let (h, _, project, key) = proxy_with_db();
    let env = [("GOSUMDB", key.as_str()), ("GONOSUMDB", "")];
    let tree = project.join(".gomodoff/proxy");
    assert!(tree.join("sumdb").join(NAME).join("latest").is_file());
    assert_success(
        &h.gomodoff_with_env(&project, &env, &["verify"]),
        "verify of a tree carrying the database",
    );
    assert_success(
        &h.gomodoff_with_env(&project, &env, &["status", "--check"]),
        "status --check of a tree carrying the database",
    );
    let again = h.gomodoff_with_env(&project, &env, &["vendor", "--mode", "proxy", "--yes"]);
    assert_success(&again, "vendor again");
    assert!(
        stderr(&again).contains("nothing to do") || stderr(&again).contains("nothing changed"),
        "a second run changes nothing: {}",
        stderr(&again)
    );
    let printed = |out: &Output| {
        printed_env(out)
            .into_iter()
            .find(|(k, _)| k == "GOSUMDB")
            .unwrap()
            .1
    };
    let out = h.gomodoff_with_env(&project, &env, &["env"]);
    assert_success(&out, "env");
    assert_eq!(printed(&out), key, "env keeps GOSUMDB as the user has it");
    let all = printed_env(&out);

    // go with that environment, an empty module cache and a GOPATH that never saw the database:
    // a module the tree holds that a fresh module's go.sum lacks is checked against it.
    let fresh = empty_module(&h);
    let mut cmd = machine_b_go(&h, &fresh, &all);
    let get = cmd
        .env("GOFLAGS", "-modcacherw")
        .args(["get", "example.com/multi@v1.2.0"])
        .output()
        .unwrap();
    assert_success(&get, "go get through proxy mode's tree");
    assert!(
        fs::read_to_string(fresh.join("go.sum"))
            .unwrap()
            .contains("example.com/multi v1.2.0 h1:")
    );

    // A damaged part is not trusted: env falls back to GOSUMDB=off.
    let latest = tree.join("sumdb").join(NAME).join("latest");
    let good = fs::read(&latest).unwrap();
    fs::write(&latest, b"go.sum database tree\n1\nAAAA\n\n").unwrap();
    assert_eq!(
        printed(&h.gomodoff_with_env(&project, &env, &["env"])),
        "off"
    );
    fs::write(&latest, good).unwrap();

    // Opting out removes the part.
    let out = h.gomodoff_with_env(
        &project,
        &env,
        &["vendor", "--mode", "proxy", "--no-sumdb", "--yes"],
    );
    assert_success(&out, "vendor --mode proxy --no-sumdb");
    assert!(!tree.join("sumdb").exists());
    assert_eq!(
        printed(&h.gomodoff_with_env(&project, &env, &["env"])),
        "off"
    );
    let verify = h.gomodoff_with_env(&project, &env, &["verify"]);
    assert_success(&verify, "verify after --no-sumdb");
}

#[test]
fn verify_checks_proxy_modes_database_part_in_full() {
    requires_go!();
    let (h, _, project, key) = proxy_with_db();
    let env = [("GOSUMDB", key.as_str()), ("GONOSUMDB", "")];
    let part = project.join(".gomodoff/proxy/sumdb").join(NAME);
    let verify = || h.gomodoff_with_env(&project, &env, &["verify"]);
    assert_success(&verify(), "verify of an intact tree");
    // Each file changed in place, its size kept (what a check of sizes alone cannot see): verify
    // exits 1 with a finding naming the file, and passes again once the file is put back.
    let lookup = "lookup/example.com/multi@v1.2.0";
    let tile = "tile/8/0/001.p/47";
    type Change = fn(&mut Vec<u8>);
    let cases: [(&str, &str, Change); 3] = [
        (lookup, "the record's hash changed", |b| {
            let text = String::from_utf8(b.clone()).unwrap();
            let at = text.find(" h1:").unwrap() + 4;
            b[at] = if b[at] == b'A' { b'B' } else { b'A' };
        }),
        (tile, "a hash of the tile changed", |b| {
            let last = b.len() - 1;
            b[last] ^= 0x01;
        }),
        ("latest", "the head's signature changed", |b| {
            let text = String::from_utf8(b.clone()).unwrap();
            let at = text.rfind('\n').unwrap() - 2;
            b[at] = if b[at] == b'A' { b'B' } else { b'A' };
        }),
    ];
    for (file, what, change) in cases {
        let path = part.join(file);
        let good = fs::read(&path).unwrap();
        let mut bad = good.clone();
        change(&mut bad);
        assert_ne!(bad, good);
        assert_eq!(bad.len(), good.len());
        fs::write(&path, &bad).unwrap();
        let out = verify();
        assert_eq!(out.status.code(), Some(1), "{what}: {}", stderr(&out));
        let printed = crate::support::stdout(&out);
        assert!(
            printed.contains(&format!("{file}`")),
            "{what}: the finding names `{file}`: {printed}"
        );
        let json = h.gomodoff_with_env(&project, &env, &["--json", "verify"]);
        let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        crate::json::assert_valid("verify", &doc);
        assert_eq!(doc["ok"], false, "{what}: {doc}");
        fs::write(&path, &good).unwrap();
        assert_success(&verify(), &format!("verify once {file} is put back"));
    }
    // With GOSUMDB off the part cannot be checked: verify says so and checks the rest.
    let off = h.gomodoff_with_env(&project, &[("GOSUMDB", "off")], &["verify"]);
    assert_success(&off, "verify with GOSUMDB off");
    assert_stderr_contains(&off, "checksum database part was not checked");
}

#[test]
fn proxy_mode_builds_offline_where_go_trusts_an_earlier_head_and_the_module_cache_is_new() {
    requires_go!();
    let (h, db, project, key) = proxy_with_db();
    // Machine B: its go trusts the same database when it was smaller (size 300; the tree's head
    // is 303), its module cache is new, and it has no network.
    let gopath = h.fresh_dir("gopath-b");
    let latest = gopath.join("pkg/sumdb").join(NAME).join("latest");
    fs::create_dir_all(latest.parent().unwrap()).unwrap();
    fs::write(&latest, TestSumdb::new(300).latest()).unwrap();
    let modcache = h.fresh_dir("modcache-b");
    let b = |args: &[&str]| {
        h.gomodoff_command_without_modcache(&project)
            .env("GOSUMDB", &key)
            .env("GONOSUMDB", "")
            .env("GOPATH", &gopath)
            .env("GOMODCACHE", &modcache)
            .args(args)
            .output()
            .unwrap()
    };
    let out = b(&["env"]);
    assert_success(&out, "env on machine B");
    let env = printed_env(&out);
    assert_eq!(
        env.iter().find(|(k, _)| k == "GOSUMDB").unwrap().1,
        key,
        "env keeps GOSUMDB on: {}",
        stderr(&out)
    );
    let go = |dir: &Path, args: &[&str]| {
        machine_b_go(&h, dir, &env)
            .env("GOPATH", &gopath)
            .env("GOMODCACHE", &modcache)
            .env("GOFLAGS", "-modcacherw")
            .args(args)
            .output()
            .unwrap()
    };
    assert_success(&go(&project, &["mod", "download"]), "go mod download");
    assert_success(&go(&project, &["build", "./..."]), "go build");
    // A module go.sum does not vouch for is checked against the tree's database: go first
    // re-reads the tiles of the head it trusts, then moves on to the tree's head.
    let fresh = empty_module(&h);
    let got = go(&fresh, &["get", "example.com/multi@v1.2.0"]);
    assert_success(&got, "go get of a module not in go.sum");
    assert_eq!(fs::read_to_string(&latest).unwrap(), db.latest());
    // exec gives go the same environment.
    let fresh = empty_module(&h);
    fs::write(&latest, TestSumdb::new(300).latest()).unwrap();
    let other_cache = h.fresh_dir("modcache-b");
    let out = h
        .gomodoff_command_without_modcache(&project)
        .env("GOSUMDB", &key)
        .env("GONOSUMDB", "")
        .env("GOPATH", &gopath)
        .env("GOMODCACHE", &other_cache)
        .env("GOFLAGS", "-modcacherw")
        .args(["exec", "--", "go", "-C"])
        .arg(&fresh)
        .args(["get", "example.com/multi@v1.2.0"])
        .output()
        .unwrap();
    assert_success(&out, "exec -- go get of a module not in go.sum");
    assert_eq!(fs::read_to_string(&latest).unwrap(), db.latest());
    // go trusting a newer head than the tree's (it would need that head's tiles from the
    // network), or a head of another log of the same size (a fork): GOSUMDB=off, with the reason.
    let mut newer = TestSumdb::new(300);
    for (p, v) in MODULES {
        newer.add_from_go(&h, p, v);
    }
    newer.add("example.com/later", "v1.0.0", "h1:AAAA", "h1:AAAA");
    let forked = TestSumdb::with_filler(303, "forked").latest();
    for (head, why) in [
        (newer.latest(), "already trusts a newer tree head"),
        (forked, "does not extend the head go already trusts"),
    ] {
        fs::write(&latest, head).unwrap();
        let out = b(&["env"]);
        assert_success(&out, "env under a head the tree cannot extend");
        let env = printed_env(&out);
        assert_eq!(env.iter().find(|(k, _)| k == "GOSUMDB").unwrap().1, "off");
        assert!(
            stderr(&out).contains("GOSUMDB=off") && stderr(&out).contains(why),
            "{}",
            stderr(&out)
        );
    }
}

/// A machine on the connected side: its own module cache and GOPATH (where go keeps the head it
/// trusts), the test database as GOSUMDB, the harness proxy serving it.
struct Machine<'a> {
    h: &'a Harness,
    key: String,
    modcache: PathBuf,
    gopath: PathBuf,
}

impl<'a> Machine<'a> {
    fn new(h: &'a Harness, db: &TestSumdb) -> Machine<'a> {
        Machine {
            h,
            key: db.gosumdb(),
            modcache: h.fresh_dir("machine-modcache"),
            gopath: h.fresh_dir("machine-gopath"),
        }
    }

    fn env(&self) -> Vec<(&str, &str)> {
        vec![
            ("GOSUMDB", self.key.as_str()),
            ("GONOSUMDB", ""),
            ("GOMODCACHE", self.modcache.to_str().unwrap()),
            ("GOPATH", self.gopath.to_str().unwrap()),
        ]
    }

    fn go(&self, dir: &Path, args: &[&str]) -> Output {
        self.h.go_with_env(dir, args, &self.env())
    }

    fn gomodoff(&self, dir: &Path, args: &[&str]) -> Output {
        self.h
            .gomodoff_command_without_modcache(dir)
            .envs(self.env())
            .args(args)
            .output()
            .unwrap()
    }

    /// A project importing `module` (one package at its root), tidied by go with the database
    /// on, so that go looked it up and kept the record, the tiles and the head.
    fn project(&self, module: &str, version: &str) -> PathBuf {
        let dir = self.h.fresh_dir("project");
        fs::write(
            dir.join("go.mod"),
            format!("module example.com/main\n\ngo 1.22\n\nrequire {module} {version}\n"),
        )
        .unwrap();
        fs::write(
            dir.join("main.go"),
            format!("package main\n\nimport _ \"{module}\"\n\nfunc main() {{}}\n"),
        )
        .unwrap();
        assert_success(&self.go(&dir, &["mod", "tidy"]), "go mod tidy");
        dir
    }

    /// `gomodoff --json mirror TREE` in `dir`, its document checked against the schema.
    fn mirror(&self, dir: &Path, tree: &Path) -> (Output, serde_json::Value) {
        let out = self.gomodoff(dir, &["--json", "mirror", tree.to_str().unwrap()]);
        let doc = if out.status.success() {
            let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            crate::json::assert_valid("mirror", &doc);
            doc
        } else {
            serde_json::Value::Null
        };
        (out, doc)
    }
}

/// go offline with the database on, `GOPROXY` the mirror tree only and an empty module cache,
/// in a new empty directory (outside any module), with the GOPATH `gopath` (a fresh one: go
/// trusts no head yet): `go mod download -json` of `modules`.
fn download_from_tree(
    h: &Harness,
    db: &TestSumdb,
    tree: &Path,
    gopath: &Path,
    modules: &[&str],
) -> Output {
    let dir = h.fresh_dir("outside");
    let cache = h.fresh_dir("modcache-b");
    let mut args = vec!["mod", "download", "-json"];
    args.extend_from_slice(modules);
    let url = crate::support::file_url(tree);
    h.go_with_env(
        &dir,
        &args,
        &[
            ("GOSUMDB", &db.gosumdb()),
            ("GONOSUMDB", ""),
            ("GOPROXY", &url),
            ("GOMODCACHE", cache.to_str().unwrap()),
            ("GOPATH", gopath.to_str().unwrap()),
            ("GOFLAGS", "-modcacherw"),
        ],
    )
}

/// Every file below `dir` with its bytes.
fn files_below(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_path_buf(), fs::read(e.path()).unwrap()))
        .collect()
}

/// A module version the database gets when it grows, published to the harness proxy.
fn publish_grown(h: &Harness) {
    h.publish(
        "example.com/grown",
        "v1.0.0",
        &[
            ("go.mod", "module example.com/grown\n\ngo 1.16\n"),
            ("grown.go", "package grown\n"),
        ],
    );
}

#[test]
fn mirror_carries_the_database_and_go_gets_a_module_not_in_go_sum_from_it() {
    requires_go!();
    let (h, db) = harness_with_db();
    let a = Machine::new(&h, &db);
    let project = a.project("example.com/multi", "v1.1.0");
    let tree = h.root().join("mirror");
    let (out, doc) = a.mirror(&project, &tree);
    assert_success(&out, "gomodoff mirror");
    assert_eq!(doc["sumdb"]["carried"], true, "{doc}");
    assert_eq!(doc["sumdb"]["records"], 1, "{doc}");
    assert_eq!(doc["sumdb"]["previous_head"], serde_json::Value::Null);
    let root = tree.join("sumdb").join(NAME);
    assert_eq!(
        fs::read_to_string(root.join("latest")).unwrap(),
        db.latest()
    );
    assert_eq!(
        fs::read_to_string(root.join("lookup/example.com/multi@v1.1.0")).unwrap(),
        db.lookup("example.com/multi", "v1.1.0")
    );
    // go, offline, GOSUMDB on, the tree the only proxy: a module not in go.sum is verified
    // against the carried database and go.sum is written.
    let fresh = empty_module(&h);
    let get = go_checked(&h, &db, &tree, &fresh, &["get", "example.com/multi@v1.1.0"]);
    assert_success(&get, "go get from the mirror tree with GOSUMDB on");
    let gosum = fs::read_to_string(fresh.join("go.sum")).unwrap();
    assert!(gosum.contains("example.com/multi v1.1.0 h1:"), "{gosum}");
    // The same run again changes nothing.
    let (again, doc) = a.mirror(&project, &tree);
    assert_success(&again, "mirror again");
    assert_eq!(doc["written"], 0, "{doc}");
    // A private module (GONOSUMDB) gets no record, and the note names it.
    let private_tree = h.root().join("private-mirror");
    let out =
        a.h.gomodoff_command_without_modcache(&project)
            .envs(a.env())
            .env("GONOSUMDB", "example.com/multi")
            .args(["--json", "mirror", private_tree.to_str().unwrap()])
            .output()
            .unwrap();
    assert_success(&out, "mirror with the module private");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["sumdb"]["private"], 1, "{doc}");
    assert_eq!(doc["sumdb"]["records"], 0, "{doc}");
    assert_stderr_contains(&out, "carried without records: example.com/multi@v1.1.0");
    assert!(
        !private_tree
            .join("sumdb")
            .join(NAME)
            .join("lookup/example.com/multi@v1.1.0")
            .exists()
    );
    // Opting out leaves the part as it is.
    let before = files_below(&root);
    let out = a.gomodoff(&project, &["mirror", "--no-sumdb", tree.to_str().unwrap()]);
    assert_success(&out, "mirror --no-sumdb");
    assert_eq!(files_below(&root), before);
}

#[test]
fn a_second_mirror_run_after_the_database_grew_keeps_old_modules_verifiable() {
    requires_go!();
    let (h, mut db) = harness_with_db();
    let a = Machine::new(&h, &db);
    let tree = h.root().join("mirror");
    let first = a.project("example.com/multi", "v1.1.0");
    assert_success(&a.mirror(&first, &tree).0, "first mirror run");
    let old_head = db.latest();
    // A reader of the tree before it grows: its go now trusts the first head.
    let reader_gopath = h.fresh_dir("reader-gopath");
    assert_success(
        &download_from_tree(
            &h,
            &db,
            &tree,
            &reader_gopath,
            &["example.com/multi@v1.1.0"],
        ),
        "go mod download from the first tree",
    );

    // The database grows; the same machine adds a project needing the new module.
    publish_grown(&h);
    db.add_from_go(&h, "example.com/grown", "v1.0.0");
    db.write(h.proxy_dir());
    let second = a.project("example.com/grown", "v1.0.0");
    let (out, doc) = a.mirror(&second, &tree);
    assert_success(&out, "second mirror run");
    assert_eq!(doc["sumdb"]["carried"], true, "{doc}");
    assert_eq!(doc["sumdb"]["records"], 2, "{doc}");
    assert_eq!(doc["sumdb"]["added"], 1, "{doc}");
    assert_eq!(doc["sumdb"]["previous_head"], 303, "{doc}");
    assert_eq!(doc["sumdb"]["head"], 304, "{doc}");
    let root = tree.join("sumdb").join(NAME);
    assert_eq!(
        fs::read_to_string(root.join("latest")).unwrap(),
        db.latest()
    );
    // The old record now carries the new head, and the old head's tiles are still there.
    assert_eq!(
        fs::read_to_string(root.join("lookup/example.com/multi@v1.1.0")).unwrap(),
        db.lookup("example.com/multi", "v1.1.0")
    );
    assert!(root.join("tile/8/0/001.p/47").is_file());
    assert!(root.join("tile/8/0/001.p/48").is_file());
    assert_ne!(old_head, db.latest());

    // go with no head yet, and the reader that trusts the first head (it must prove the new head
    // extends it, with the carried tiles): both download the old and the new module.
    let both = ["example.com/multi@v1.1.0", "example.com/grown@v1.0.0"];
    let fresh = download_from_tree(&h, &db, &tree, &h.fresh_dir("gopath"), &both);
    assert_success(&fresh, "go mod download of an old and a new module");
    let reader = download_from_tree(&h, &db, &tree, &reader_gopath, &both);
    assert_success(&reader, "the earlier reader downloads both");
    assert_eq!(
        fs::read_to_string(reader_gopath.join("pkg/sumdb").join(NAME).join("latest")).unwrap(),
        db.latest(),
        "the reader moved on to the new head"
    );

    // mirror --verify checks the whole part, the tile kept for the first head included.
    let verify = || a.gomodoff(&second, &["mirror", "--verify", tree.to_str().unwrap()]);
    assert_success(&verify(), "mirror --verify of the grown tree");
    let kept = root.join("tile/8/0/001.p/47");
    let good = fs::read(&kept).unwrap();
    let mut bad = good.clone();
    bad[0] ^= 1;
    fs::write(&kept, &bad).unwrap();
    let out = verify();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        crate::support::stdout(&out).contains(&format!("sumdb/{NAME}/tile/8/0/001.p/47")),
        "{}",
        crate::support::stdout(&out)
    );
    fs::write(&kept, &good).unwrap();
    let lookup = root.join("lookup/example.com/grown@v1.0.0");
    let text = fs::read_to_string(&lookup).unwrap();
    fs::write(&lookup, text.replacen("/go.mod h1:", "/go.mod h1:X", 1)).unwrap();
    let out = verify();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        crate::support::stdout(&out)
            .contains(&format!("sumdb/{NAME}/lookup/example.com/grown@v1.0.0")),
        "{}",
        crate::support::stdout(&out)
    );
}

#[test]
fn a_mirror_run_whose_cache_cannot_prove_the_old_records_keeps_the_part_and_warns() {
    requires_go!();
    let (h, mut db) = harness_with_db();
    let a = Machine::new(&h, &db);
    let tree = h.root().join("mirror");
    let first = a.project("example.com/multi", "v1.1.0");
    assert_success(&a.mirror(&first, &tree).0, "first mirror run");
    let root = tree.join("sumdb").join(NAME);
    let before = files_below(&root);
    let old_head = db.latest();

    // The database grows past the first head's last tile; another machine, whose go never saw
    // the first head, looks up only the new module: its cache lacks the tile that proves the
    // tree's record (and head) against the new head.
    for i in 0..300 {
        db.add(
            &format!("example.org/more{i}"),
            "v1.0.0",
            "h1:AAAA",
            "h1:AAAA",
        );
    }
    publish_grown(&h);
    db.add_from_go(&h, "example.com/grown", "v1.0.0");
    db.write(h.proxy_dir());
    let b = Machine::new(&h, &db);
    let second = b.project("example.com/grown", "v1.0.0");
    let (out, doc) = b.mirror(&second, &tree);
    assert_success(&out, "mirror from a cache lacking tiles");
    assert_eq!(doc["sumdb"]["carried"], false, "{doc}");
    assert!(
        stderr(&out).contains("stays as it was") && stderr(&out).contains("go mod download"),
        "{}",
        stderr(&out)
    );
    assert_eq!(files_below(&root), before, "the tree's part changed");
    assert_eq!(fs::read_to_string(root.join("latest")).unwrap(), old_head);
    assert!(tree.join("example.com/grown/@v/v1.0.0.zip").is_file());
    assert_success(
        &download_from_tree(
            &h,
            &db,
            &tree,
            &h.fresh_dir("gopath"),
            &["example.com/multi@v1.1.0"],
        ),
        "the old module still verifies",
    );

    // What the warning says to run makes go fetch the tiles; then the part moves on.
    let outside = h.fresh_dir("outside");
    let fetched = b.go(
        &outside,
        &["mod", "download", "-json", "example.com/multi@v1.1.0"],
    );
    assert_success(&fetched, "go mod download of the tree's module");
    let (out, doc) = b.mirror(&second, &tree);
    assert_success(&out, "mirror once go fetched the tiles");
    assert_eq!(doc["sumdb"]["carried"], true, "{doc}");
    assert_eq!(doc["sumdb"]["records"], 2, "{doc}");
    let both = ["example.com/multi@v1.1.0", "example.com/grown@v1.0.0"];
    assert_success(
        &download_from_tree(&h, &db, &tree, &h.fresh_dir("gopath"), &both),
        "go mod download of both after the part moved on",
    );
}

#[test]
fn mirror_refuses_a_head_that_does_not_extend_the_trees() {
    requires_go!();
    let (h, db) = harness_with_db();
    let a = Machine::new(&h, &db);
    let tree = h.root().join("mirror");
    let first = a.project("example.com/multi", "v1.1.0");
    assert_success(&a.mirror(&first, &tree).0, "first mirror run");
    let before = files_below(&tree);
    // Another log under the same key (other filler records): a forked database.
    let mut forked = TestSumdb::with_filler(300, "forked");
    for (p, v) in MODULES {
        forked.add_from_go(&h, p, v);
    }
    publish_grown(&h);
    forked.add_from_go(&h, "example.com/grown", "v1.0.0");
    forked.write(h.proxy_dir());
    let b = Machine::new(&h, &forked);
    let second = b.project("example.com/grown", "v1.0.0");
    let out = b.gomodoff(&second, &["mirror", tree.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the database forked")
            && stderr(&out).contains(&format!("sumdb/{NAME}/latest")),
        "{}",
        stderr(&out)
    );
    assert_eq!(files_below(&tree), before, "the tree changed");
}

#[test]
fn unpack_into_a_module_cache_keeps_gosumdb_on_and_go_checks_new_modules_offline() {
    requires_go!();
    let (h, db, bundle, project) = packed_with_db();
    let cache = h.root().join("machine-b/modcache");
    let gopath = h.fresh_dir("gopath-b");
    let unpack = || {
        h.gomodoff_command_without_modcache(h.root())
            .env("GOSUMDB", db.gosumdb())
            .env("GONOSUMDB", "")
            .env("GOPATH", &gopath)
            .args([
                "--json",
                "unpack",
                bundle.to_str().unwrap(),
                "--into-modcache",
            ])
            .arg(&cache)
            .output()
            .unwrap()
    };
    let out = unpack();
    assert_success(&out, "gomodoff unpack --into-modcache");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    crate::json::assert_valid("unpack", &doc);
    assert_eq!(doc["sumdb"]["verified"], true, "{doc}");
    let env: Vec<(String, String)> = doc["env"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    let get = |k: &str| env.iter().find(|(n, _)| n == k).unwrap().1.clone();
    assert_eq!(get("GOSUMDB"), db.gosumdb(), "GOSUMDB is kept on");
    assert_eq!(get("GOPROXY"), "off");
    let cached = cache.join("cache/download/sumdb").join(NAME);
    assert!(cached.join("lookup/example.com/multi@v1.2.0").is_file());
    assert!(
        !gopath.join("pkg/sumdb").exists(),
        "gomodoff wrote go's trusted head itself"
    );

    // Machine B: the printed variables, GOFLAGS=-mod=mod, no network (GOPROXY=off), a GOPATH
    // that never saw the database. go verifies the project, and a module not in go.sum is checked
    // against the installed records (go then trusts the carried head).
    let b_gopath = h.fresh_dir("gopath-b");
    let go_b = |dir: &Path, args: &[&str]| {
        machine_b_go(&h, dir, &env)
            .env("GOPATH", &b_gopath)
            .env("GOFLAGS", "-mod=mod -modcacherw")
            .args(args)
            .output()
            .unwrap()
    };
    let verify = go_b(&project, &["mod", "verify"]);
    assert_success(&verify, "go mod verify from the module cache");
    assert!(crate::support::stdout(&verify).contains("all modules verified"));
    let fresh = empty_module(&h);
    let got = go_b(&fresh, &["get", "example.com/multi@v1.2.0"]);
    assert_success(&got, "go get of a carried module not in go.sum, GOSUMDB on");
    let gosum = fs::read_to_string(fresh.join("go.sum")).unwrap();
    assert!(gosum.contains("example.com/multi v1.2.0 h1:"), "{gosum}");
    assert_eq!(
        fs::read_to_string(b_gopath.join("pkg/sumdb").join(NAME).join("latest")).unwrap(),
        db.latest(),
        "go proved the record and now trusts the carried head"
    );

    // A record go keeps changed on disk: go refuses it, so GOSUMDB on is a real check.
    let lookup = cached.join("lookup/example.com/multi@v1.2.0");
    let text = fs::read_to_string(&lookup).unwrap();
    fs::write(&lookup, text.replacen("/go.mod h1:", "/go.mod h1:X", 1)).unwrap();
    let fresh = empty_module(&h);
    let refused = machine_b_go(&h, &fresh, &env)
        .env("GOPATH", h.fresh_dir("gopath-b"))
        .env("GOFLAGS", "-mod=mod -modcacherw")
        .args(["get", "example.com/multi@v1.2.0"])
        .output()
        .unwrap();
    assert_failure(&refused, "go get with a changed cached record");
    assert_stderr_contains(&refused, "cannot authenticate record data");
    fs::write(&lookup, text).unwrap();

    // Unpacking again keeps what is there.
    assert_success(&unpack(), "unpack --into-modcache again");

    // A machine whose go already trusts an earlier head of the same log: go proves the carried
    // head extends it, with the carried tiles, and moves on.
    let trusting = h.fresh_dir("gopath-trusting");
    let latest = trusting.join("pkg/sumdb").join(NAME).join("latest");
    fs::create_dir_all(latest.parent().unwrap()).unwrap();
    fs::write(&latest, TestSumdb::new(300).latest()).unwrap();
    let other_cache = h.root().join("machine-c/modcache");
    let out = h
        .gomodoff_command_without_modcache(h.root())
        .env("GOSUMDB", db.gosumdb())
        .env("GONOSUMDB", "")
        .env("GOPATH", &trusting)
        .args(["unpack", bundle.to_str().unwrap(), "--into-modcache"])
        .arg(&other_cache)
        .output()
        .unwrap();
    assert_success(
        &out,
        "unpack --into-modcache on a machine trusting an earlier head",
    );
    let printed = printed_env(&out);
    assert_eq!(
        printed.iter().find(|(k, _)| k == "GOSUMDB").unwrap().1,
        db.gosumdb()
    );
    let fresh = empty_module(&h);
    let got = machine_b_go(&h, &fresh, &printed)
        .env("GOPATH", &trusting)
        .env("GOFLAGS", "-mod=mod -modcacherw")
        .args(["get", "example.com/multi@v1.2.0"])
        .output()
        .unwrap();
    assert_success(&got, "go get where go trusted an earlier head");
    assert_eq!(fs::read_to_string(&latest).unwrap(), db.latest());
}

#[test]
fn pack_from_a_bundle_or_tree_carries_its_verified_database_part() {
    requires_go!();
    let (h, db, bundle, project) = packed_with_db();
    let key = db.gosumdb();
    let env = [("GOSUMDB", key.as_str()), ("GONOSUMDB", "")];
    let tree = h.root().join("tree");
    assert_success(&unpack_checked(&h, &db, &bundle, &tree), "unpack");
    for (from, name) in [(&bundle, "from-bundle.zip"), (&tree, "from-tree.zip")] {
        let again = h.root().join(name);
        let out = h.gomodoff_with_env(
            &project,
            &env,
            &[
                "--from",
                from.to_str().unwrap(),
                "pack",
                "-o",
                again.to_str().unwrap(),
                "--json",
            ],
        );
        assert_success(&out, "gomodoff --from … pack");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        crate::json::assert_valid("pack", &doc);
        assert_eq!(doc["sumdb"]["carried"], true, "{doc}");
        assert_eq!(doc["sumdb"]["records"], 1, "{doc}");
        // The new bundle verifies, keeps GOSUMDB on, and go checks a module not in go.sum
        // against it offline.
        let dest = h.fresh_dir("dest").join("tree");
        let out = unpack_checked(&h, &db, &again, &dest);
        assert_success(&out, "unpack of the bundle packed --from");
        let printed = printed_env(&out);
        assert_eq!(
            printed.iter().find(|(k, _)| k == "GOSUMDB").unwrap().1,
            key,
            "{}",
            stderr(&out)
        );
        let fresh = empty_module(&h);
        let get = machine_b_go(&h, &fresh, &printed)
            .env("GOFLAGS", "-modcacherw")
            .args(["get", "example.com/multi@v1.2.0"])
            .output()
            .unwrap();
        assert_success(&get, "go get from the tree of a bundle packed --from");
    }
    // A source whose record was changed is refused, the file named.
    let lookup = tree.join(format!("sumdb/{NAME}/lookup/example.com/multi@v1.2.0"));
    let text = fs::read_to_string(&lookup).unwrap();
    fs::write(&lookup, text.replacen("/go.mod h1:", "/go.mod h1:X", 1)).unwrap();
    let out = h.gomodoff_with_env(
        &project,
        &env,
        &[
            "--from",
            tree.to_str().unwrap(),
            "pack",
            "-o",
            h.root().join("refused.zip").to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("sumdb/{NAME}/lookup/example.com/multi@v1.2.0")),
        "{}",
        stderr(&out)
    );
    assert!(!h.root().join("refused.zip").exists());
}

#[test]
fn a_mirror_tree_killed_while_its_database_moves_on_stays_usable_and_the_next_run_completes() {
    requires_go!();
    let (h, mut db) = harness_with_db();
    let a = Machine::new(&h, &db);
    let first = a.project("example.com/multi", "v1.1.0");
    let base = h.root().join("base");
    assert_success(&a.mirror(&first, &base).0, "first mirror run");
    let old_head = db.latest();
    publish_grown(&h);
    db.add_from_go(&h, "example.com/grown", "v1.0.0");
    db.write(h.proxy_dir());
    let second = a.project("example.com/grown", "v1.0.0");
    // go reading the tree: one that trusts no head yet, one that trusts the tree's first head.
    let readers = |tree: &Path, modules: &[&str], what: &str| {
        let trusting = h.fresh_dir("gopath");
        let latest = trusting.join("pkg/sumdb").join(NAME).join("latest");
        fs::create_dir_all(latest.parent().unwrap()).unwrap();
        fs::write(&latest, &old_head).unwrap();
        for gopath in [h.fresh_dir("gopath"), trusting] {
            assert_success(
                &download_from_tree(&h, &db, tree, &gopath, modules),
                &format!("{what}: go mod download {modules:?}"),
            );
        }
    };
    for step in [
        "mirror:staged",
        "mirror:merge:first-moved",
        "mirror:merge:tiles-moved",
        "mirror:merge:lookups-moved",
        "mirror:merge:moved",
        "mirror:merge:listed",
    ] {
        let tree = h.copy_of(&base, "tree");
        let out =
            a.h.gomodoff_command_without_modcache(&second)
                .envs(a.env())
                .env("GOMODOFF_ABORT_AT", step)
                .args(["mirror", tree.to_str().unwrap()])
                .output()
                .unwrap();
        crate::support::assert_aborted(&out, step);
        // The tree as a reader finds it now: the old module still verifies, whatever the old
        // and new files it holds; once every file is in, the new one too.
        readers(&tree, &["example.com/multi@v1.1.0"], step);
        if step.ends_with(":moved") || step.ends_with(":listed") {
            readers(&tree, &["example.com/grown@v1.0.0"], step);
        }
        let (out, doc) = a.mirror(&second, &tree);
        assert_success(&out, &format!("the run after one killed at {step}"));
        assert_eq!(doc["sumdb"]["records"], 2, "{step}: {doc}");
        assert_success(
            &a.gomodoff(&second, &["mirror", "--verify", tree.to_str().unwrap()]),
            &format!("{step}: mirror --verify"),
        );
        readers(
            &tree,
            &["example.com/multi@v1.1.0", "example.com/grown@v1.0.0"],
            step,
        );
    }
}

#[test]
fn mirror_from_bundles_carries_their_database_and_moves_the_tree_head_on() {
    requires_go!();
    let (h, mut db) = harness_with_db();
    // The connected side packs; the offline side (its own empty module cache and GOPATH) adds
    // each bundle to its organisation's mirror.
    let connected = Machine::new(&h, &db);
    let offline = Machine::new(&h, &db);
    let tree = h.root().join("mirror");
    let pack = |project: &Path, name: &str| {
        let bundle = h.root().join(name);
        let out = connected.gomodoff(project, &["pack", "-o", bundle.to_str().unwrap()]);
        assert_success(&out, "pack");
        bundle
    };
    let mirror_from = |project: &Path, bundle: &Path| {
        let out = offline.gomodoff(
            project,
            &[
                "--json",
                "--from",
                bundle.to_str().unwrap(),
                "mirror",
                tree.to_str().unwrap(),
            ],
        );
        assert_success(&out, "mirror --from a bundle");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        crate::json::assert_valid("mirror", &doc);
        doc
    };
    let first = connected.project("example.com/multi", "v1.1.0");
    let doc = mirror_from(&first, &pack(&first, "first.zip"));
    assert_eq!(doc["sumdb"]["carried"], true, "{doc}");
    assert_eq!(doc["sumdb"]["head"], 303, "{doc}");

    publish_grown(&h);
    db.add_from_go(&h, "example.com/grown", "v1.0.0");
    db.write(h.proxy_dir());
    let second = connected.project("example.com/grown", "v1.0.0");
    let doc = mirror_from(&second, &pack(&second, "second.zip"));
    assert_eq!(doc["sumdb"]["previous_head"], 303, "{doc}");
    assert_eq!(doc["sumdb"]["head"], 304, "{doc}");
    assert_eq!(doc["sumdb"]["records"], 2, "{doc}");
    let both = ["example.com/multi@v1.1.0", "example.com/grown@v1.0.0"];
    assert_success(
        &download_from_tree(&h, &db, &tree, &h.fresh_dir("gopath"), &both),
        "go mod download from the mirror fed by bundles",
    );
    assert_success(
        &offline.gomodoff(&second, &["mirror", "--verify", tree.to_str().unwrap()]),
        "mirror --verify",
    );
}

#[test]
fn a_reader_that_trusted_the_trees_first_head_moves_on_after_two_more_runs() {
    requires_go!();
    let h = Harness::new();
    // Sizes chosen so that the last run's own proof does not cover the first head: the first
    // head (265) needs the full tile 001 of the newest head (2934), which only the second run's
    // proof (265 → 512) carried; the third run's (512 → 2934) reads level-1 hashes only, and no
    // record lies in tile 001.
    let mut db = TestSumdb::new(200);
    for (p, v) in MODULES {
        db.add_from_go(&h, p, v);
    }
    publish_grown(&h);
    db.add_from_go(&h, "example.com/grown", "v1.0.0");
    let fill = |db: &mut TestSumdb, to: i64, tag: &str| {
        let mut i = 0;
        while db.size() < to {
            db.add(
                &format!("example.org/{tag}{i}"),
                "v1.0.0",
                "h1:AAAA",
                "h1:AAAA",
            );
            i += 1;
        }
    };
    fill(&mut db, 265, "first");
    db.write(h.proxy_dir());
    let a = Machine::new(&h, &db);
    let tree = h.root().join("mirror");
    let first = a.project("example.com/multi", "v1.1.0");
    assert_success(&a.mirror(&first, &tree).0, "first run");
    let first_head = db.latest();

    fill(&mut db, 512, "second");
    db.write(h.proxy_dir());
    let second = a.project("example.com/grown", "v1.0.0");
    let (out, doc) = a.mirror(&second, &tree);
    assert_success(&out, "second run");
    assert_eq!(doc["sumdb"]["head"], 512, "{doc}");

    h.publish(
        "example.com/later",
        "v1.0.0",
        &[
            ("go.mod", "module example.com/later\n\ngo 1.16\n"),
            ("later.go", "package later\n"),
        ],
    );
    fill(&mut db, 2933, "third");
    db.add_from_go(&h, "example.com/later", "v1.0.0");
    db.write(h.proxy_dir());
    let third = a.project("example.com/later", "v1.0.0");
    let (out, doc) = a.mirror(&third, &tree);
    assert_success(&out, "third run");
    assert_eq!(doc["sumdb"]["previous_head"], 512, "{doc}");
    assert_eq!(doc["sumdb"]["head"], 2934, "{doc}");

    let gopath = h.fresh_dir("gopath");
    let latest = gopath.join("pkg/sumdb").join(NAME).join("latest");
    fs::create_dir_all(latest.parent().unwrap()).unwrap();
    fs::write(&latest, &first_head).unwrap();
    let all = [
        "example.com/multi@v1.1.0",
        "example.com/grown@v1.0.0",
        "example.com/later@v1.0.0",
    ];
    let out = download_from_tree(&h, &db, &tree, &gopath, &all);
    assert_success(&out, "go that trusted the first head");
    assert_eq!(fs::read_to_string(&latest).unwrap(), db.latest());
}
