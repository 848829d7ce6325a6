//! What a build needs, as the go command loads it, starting from the module cache a developer
//! really has: filled by `go mod download` and `go list -deps -test ./...` (never
//! `go list -m all`), so the go.mod of a module the pruned graph never reads is not there.
//!
//! The fixture has every shape that tripped gomodoff on real projects: a module whose path is a
//! prefix of an imported package from another module (`example.com/pfx` vs
//! `example.com/pfx/v2/lib`), a monolith split into a nested module (`example.com/mono` vs
//! `example.com/mono/sub`), build-list modules whose go.mod a pruned graph never loads, and a
//! test-only zip line (a dependency's test imports `example.com/pfx`). The real go is the
//! oracle: each mode succeeds when go succeeds with `GOPROXY=off` on the same cache, vendor/ is
//! byte-identical to `go mod vendor`'s, and every output is the same from a cache that also holds
//! unrelated modules and versions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{self, Harness, assert_success, snapshot, stderr};

/// Publish the fixture modules and make the main module (its `go` line `go`), with go.sum from
/// `go mod tidy` (in a cache of its own, as on another machine).
fn shapes_project(h: &Harness, go: &str) -> PathBuf {
    let go121 = |path: &str, extra: &str| format!("module {path}\n\ngo 1.21\n{extra}");
    // Without pruning go looks into every prefix module of the build list, so the old copies of
    // the packages would make the imports ambiguous (as go says): only the pruned main module
    // gets them.
    let pruned = go != "1.16";
    let old_copy = |file: &'static str, body: &'static str| pruned.then_some((file, body));
    let pfx_files: Vec<(&str, &str)> = [
        Some(("pfx.go", "package pfx\n")),
        old_copy("v2/lib/lib.go", "package lib // the old monolith's copy\n"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let pfx_mod = go121("example.com/pfx", "");
    h.publish(
        "example.com/pfx",
        "v1.0.0",
        &[&[("go.mod", pfx_mod.as_str())][..], &pfx_files].concat(),
    );
    h.publish(
        "example.com/pfx",
        "v1.1.0",
        &[
            ("go.mod", &go121("example.com/pfx", "")),
            ("pfx.go", "package pfx // unrelated newer version\n"),
        ],
    );
    h.publish(
        "example.com/pfx/v2",
        "v2.0.0",
        &[
            ("go.mod", &go121("example.com/pfx/v2", "")),
            ("lib/lib.go", "package lib\n\nfunc X() int { return 2 }\n"),
        ],
    );
    h.publish(
        "example.com/dep",
        "v1.0.0",
        &[
            (
                "go.mod",
                &go121(
                    "example.com/dep",
                    "\nrequire (\n\texample.com/pfx v1.0.0\n\texample.com/deep v1.0.0\n)\n",
                ),
            ),
            ("dep.go", "package dep\n\nfunc D() int { return 1 }\n"),
            (
                "dep_test.go",
                "package dep\n\nimport (\n\t\"testing\"\n\n\t_ \"example.com/pfx\"\n)\n\nfunc TestD(t *testing.T) {}\n",
            ),
        ],
    );
    h.publish(
        "example.com/deep",
        "v1.0.0",
        &[
            ("go.mod", &go121("example.com/deep", "")),
            ("deep.go", "package deep\n"),
        ],
    );
    let mono_mod = go121("example.com/mono", "");
    let mono_files: Vec<(&str, &str)> = [
        Some(("go.mod", mono_mod.as_str())),
        Some(("a/a.go", "package a\n")),
        old_copy("sub/sub.go", "package sub // still in the monolith\n"),
    ]
    .into_iter()
    .flatten()
    .collect();
    h.publish("example.com/mono", "v1.0.0", &mono_files);
    h.publish(
        "example.com/mono/sub",
        "v1.1.0",
        &[
            (
                "go.mod",
                &go121(
                    "example.com/mono/sub",
                    "\nrequire example.com/mono v1.0.0\n",
                ),
            ),
            ("sub.go", "package sub\n\nfunc S() int { return 3 }\n"),
        ],
    );
    let dir = h.fresh_dir("shapes");
    fs::write(
        dir.join("go.mod"),
        format!("module example.com/app\n\ngo {go}\n"),
    )
    .unwrap();
    fs::write(
        dir.join("main.go"),
        "package main\n\nimport (\n\t\"example.com/dep\"\n\t\"example.com/mono/sub\"\n\t\"example.com/pfx/v2/lib\"\n)\n\nfunc main() { println(lib.X() + dep.D() + sub.S()) }\n",
    )
    .unwrap();
    let online = h.fresh_dir("online-cache");
    let online = online.to_str().unwrap();
    h.go_ok_with_env(&dir, &["mod", "tidy"], &[("GOMODCACHE", online)]);
    let gosum = fs::read_to_string(dir.join("go.sum")).unwrap();
    // The shapes the fixture promises, as go recorded them.
    assert!(gosum.contains("example.com/pfx v1.0.0 h1:"), "{gosum}");
    if pruned {
        // Pruned: go never reads the monolith's go.mod.
        assert!(!gosum.contains("example.com/mono v1.0.0"), "{gosum}");
    }
    dir
}

/// A module cache as a developer has it after working on `dir`.
fn developer_cache(h: &Harness, dir: &Path) -> PathBuf {
    let cache = h.fresh_dir("dev-cache");
    let c = cache.to_str().unwrap();
    h.go_ok_with_env(dir, &["mod", "download"], &[("GOMODCACHE", c)]);
    h.go_ok_with_env(
        dir,
        &["list", "-deps", "-test", "./..."],
        &[("GOMODCACHE", c)],
    );
    let mods = cache.join("cache/download/example.com/pfx/@v/v1.0.0.mod");
    assert!(
        !mods.exists(),
        "precondition: go never read pfx v1.0.0's go.mod"
    );
    cache
}

/// `gomodoff` with the module cache `cache` (and its own GOMODOFF_CACHE).
fn gomodoff(h: &Harness, dir: &Path, cache: &Path, args: &[&str]) -> Output {
    let records = cache.with_extension("gomodoff");
    h.gomodoff_command_without_modcache(dir)
        .env("GOMODCACHE", cache)
        .env("GOMODOFF_CACHE", records)
        .arg("--modcache")
        .arg(cache)
        .args(args)
        .output()
        .expect("run gomodoff")
}

#[test]
fn every_mode_needs_what_go_needs_whatever_else_the_cache_holds() {
    requires_go!();
    let h = Harness::new();
    let app = shapes_project(&h, "1.22");
    let dev = developer_cache(&h, &app);
    let mods = dev.join("cache/download/example.com/pfx/@v/v1.0.0.mod");
    assert!(
        !mods.exists(),
        "precondition: go never read pfx v1.0.0's go.mod"
    );
    same_as_go_from_any_cache(&h, &app, &dev);
}

/// A main module below go 1.17: no pruning, go loads the whole graph.
#[test]
fn an_unpruned_main_module_needs_what_go_needs_whatever_else_the_cache_holds() {
    requires_go!();
    let h = Harness::new();
    let app = shapes_project(&h, "1.16");
    let dev = developer_cache(&h, &app);
    same_as_go_from_any_cache(&h, &app, &dev);
}

/// Every mode from the developer's cache `dev` and from a copy polluted with other projects'
/// modules: go's verdict, and the same bytes from both.
fn same_as_go_from_any_cache(h: &Harness, app: &Path, dev: &Path) {
    let dev = dev.to_path_buf();
    // Another project's modules: the prefix-path and monolith modules, an unrelated version.
    let polluted = h.copy_of(&dev, "polluted-cache");
    let p = polluted.to_str().unwrap();
    h.go_ok_with_env(
        app,
        &[
            "mod",
            "download",
            "example.com/pfx@v1.0.0",
            "example.com/pfx@v1.1.0",
            "example.com/mono@v1.0.0",
            "example.com/deep@v1.0.0",
        ],
        &[("GOMODCACHE", p)],
    );

    // The oracle: go vendors offline from the developer's cache.
    let by_go = h.copy_of(app, "by-go");
    let d = dev.to_str().unwrap();
    let out = h.go_with_env(
        &by_go,
        &["mod", "vendor"],
        &[("GOPROXY", "off"), ("GOMODCACHE", d)],
    );
    assert_success(&out, "GOPROXY=off go mod vendor on the developer's cache");

    for mode in ["replace", "vendor", "proxy"] {
        let mut results: Vec<PathBuf> = Vec::new();
        for cache in [&dev, &polluted] {
            let dir = h.copy_of(app, mode);
            let out = gomodoff(h, &dir, cache, &["vendor", "--mode", mode, "--yes"]);
            assert_success(&out, &format!("{mode} mode from {}", cache.display()));
            results.push(dir);
        }
        let dir = &results[0];
        assert_eq!(
            snapshot(dir),
            snapshot(&results[1]),
            "{mode} mode: the same bytes from a cache with unrelated modules"
        );
        match mode {
            "vendor" => assert_eq!(
                snapshot(&dir.join("vendor")),
                snapshot(&by_go.join("vendor")),
                "vendor/ as go mod vendor writes it"
            ),
            "replace" => {
                for args in [
                    &["build", "./..."][..],
                    &["list", "-deps", "-test", "./..."],
                    &["list", "-m", "all"],
                ] {
                    assert_success(&h.go_offline(dir, args), &format!("offline go {args:?}"));
                }
            }
            _ => {
                let proxy = support::file_url(&dir.join(".gomodoff/proxy"));
                let empty = h.fresh_dir("empty-cache");
                let out = h.go_with_env(
                    dir,
                    &["build", "./..."],
                    &[
                        ("GOPROXY", &proxy),
                        ("GOFLAGS", "-mod=readonly"),
                        ("GOMODCACHE", empty.to_str().unwrap()),
                    ],
                );
                assert_success(&out, "go build from the proxy tree alone");
            }
        }
    }

    // pack: the same bundle from either cache.
    let mut sums = Vec::new();
    for cache in [&dev, &polluted] {
        let bundle = h.fresh_dir("bundle").join("b.zip");
        let out = gomodoff(h, app, cache, &["pack", "-o", bundle.to_str().unwrap()]);
        assert_success(&out, "pack");
        sums.push(gomodoff::fsutil::sha256_hex(&fs::read(&bundle).unwrap()));
    }
    assert_eq!(sums[0], sums[1], "pack is the same from either cache");
}

#[test]
fn a_built_module_without_its_go_sum_line_is_refused_in_every_mode() {
    requires_go!();
    let h = Harness::new();
    let app = shapes_project(&h, "1.22");
    let dev = developer_cache(&h, &app);
    let gosum = fs::read_to_string(app.join("go.sum")).unwrap();
    let without: String = gosum
        .lines()
        .filter(|l| !l.starts_with("example.com/dep v1.0.0 h1:"))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(app.join("go.sum"), without).unwrap();
    // go refuses that build too.
    let out = h.go_with_env(
        &app,
        &["build", "./..."],
        &[("GOPROXY", "off"), ("GOMODCACHE", dev.to_str().unwrap())],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("missing go.sum entry for module providing package example.com/dep"),
        "{}",
        stderr(&out)
    );
    for mode in ["replace", "vendor", "proxy"] {
        let dir = h.copy_of(&app, mode);
        let before = snapshot(&dir);
        let out = gomodoff(&h, &dir, &dev, &["vendor", "--mode", mode, "--yes"]);
        assert_eq!(out.status.code(), Some(2), "{mode}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("example.com/dep"),
            "{mode} names the module: {}",
            stderr(&out)
        );
        assert_eq!(snapshot(&dir), before, "{mode}: nothing written");
    }
}
