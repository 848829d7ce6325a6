//! Oracle tests for `gomodoff::packages`: the files our scan says `go mod vendor` copies, and the
//! package facts it reads, compared with what the installed go produces for the same module.
//!
//! Each test publishes a small dependency module with tricky files to the harness's
//! `GOPROXY=file://` tree, writes a main module importing it, and runs the real go with the
//! harness's module cache.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use gomodoff::modules_txt::ModulesTxt;
use gomodoff::packages::{
    PackageDir, VendorRules, metadata_files, scan_dir, scan_dirs, vendored_files,
};
use serde_json::Value;
use tempfile::TempDir;

use crate::support::{Harness, files_under};

const DEP: &str = "example.com/dep";
const DEP_VERSION: &str = "v1.0.0";

/// The dependency module: every case the vendoring rules distinguish.
fn dep_files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("go.mod", "module example.com/dep\n\ngo 1.20\n"),
        ("go.sum", ""),
        ("LICENSE", "licence\n"),
        ("NOTICE.txt", "notice\n"),
        ("README.md", "readme\n"),
        (
            "dep.go",
            "// Package dep is a test dependency.\npackage dep\n\nimport (\n\t\"embed\"\n\t_ \"embed\"\n\n\t\"example.com/dep/sub\"\n)\n\n//go:embed file.txt\nvar File string\n\n//go:embed static\nvar Static embed.FS\n\n//go:embed all:allstatic\nvar AllStatic embed.FS\n\n//go:embed pat/*.txt \"quoted name.txt\"\nvar Pat embed.FS\n\n//go:embed static/.hidden static/deeper/*\nvar Hidden embed.FS\n\nvar X = sub.X\n",
        ),
        ("file.txt", "file\n"),
        ("quoted name.txt", "quoted\n"),
        ("data.txt", "data\n"),
        ("static/a.txt", "a\n"),
        ("static/.hidden", "h\n"),
        ("static/_under.txt", "u\n"),
        ("static/deeper/b.txt", "b\n"),
        ("static/deeper/.h2", "h2\n"),
        ("static/_underdir/c.txt", "c\n"),
        ("allstatic/.hidden", "h\n"),
        ("allstatic/x.txt", "x\n"),
        ("allstatic/_u/y.txt", "y\n"),
        ("pat/one.txt", "1\n"),
        ("pat/two.txt", "2\n"),
        ("pat/three.md", "3\n"),
        (
            "ignored.go",
            "//go:build ignore\n\npackage dep\n\nimport (\n\t_ \"embed\"\n\n\t_ \"example.com/dep/doesnotexist\"\n)\n\n//go:embed ignoreddata/i.txt\nvar I string\n",
        ),
        ("ignoreddata/i.txt", "i\n"),
        (
            "notlinux.go",
            "//go:build !linux\n\npackage dep\n\nimport \"example.com/dep/notlinux\"\n\nvar N = notlinux.X\n",
        ),
        (
            "linux_nocgo.go",
            "//go:build linux && !cgo\n\npackage dep\n",
        ),
        (
            "legacy_ignore.go",
            "// +build ignore\n\npackage dep\n\nimport _ \"example.com/dep/doesnotexist2\"\n",
        ),
        (
            "legacy_ok.go",
            "// Copyright notice.\n\n// +build !windows\n\npackage dep\n",
        ),
        (
            "x_windows_arm64.go",
            "package dep\n\nimport _ \"example.com/dep/winonly\"\n",
        ),
        ("_keep.go", "package dep\n"),
        ("_drop.go", "//go:build ignore\n\npackage dep\n"),
        (
            "cgo.go",
            "package dep\n\n/*\n#include \"csrc/x.h\"\n*/\nimport \"C\"\n\nimport _ \"embed\"\n\n//go:embed cgodata/c.txt\nvar CgoData string\n",
        ),
        ("cgodata/c.txt", "c\n"),
        (
            "dep_test.go",
            "package dep\n\nimport (\n\t_ \"embed\"\n\t\"testing\"\n\n\t_ \"example.com/dep/testonly\"\n)\n\n//go:embed testdata/t.txt\nvar T string\n\nfunc TestX(t *testing.T) {}\n",
        ),
        (
            "dep_x_test.go",
            "package dep_test\n\nimport (\n\t_ \"embed\"\n\t\"testing\"\n)\n\n//go:embed testdata/xt.txt\nvar XT string\n\nfunc TestY(t *testing.T) {}\n",
        ),
        ("testdata/t.txt", "t\n"),
        ("testdata/xt.txt", "xt\n"),
        ("testdata/other.txt", "o\n"),
        ("csrc/x.c", "int x;\n"),
        ("csrc/x.h", "extern int x;\n"),
        ("sub/sub.go", "package sub\n\nvar X = 1\n"),
        ("sub/sub_test.go", "package sub\n"),
        ("notlinux/n.go", "package notlinux\n\nvar X = 1\n"),
        ("winonly/w.go", "package winonly\n"),
        ("testonly/t.go", "package testonly\n"),
        ("fortest/f.go", "package fortest\n"),
        ("a/LICENSE", "a licence\n"),
        ("a/COPYING.md", "a copying\n"),
        ("a/readme.txt", "not copied\n"),
        ("a/b/NOTICE", "b notice\n"),
        ("a/b/c/c.go", "package c\n"),
        ("multi/multi.go", "package multi\n"),
        (
            "multi/main_ignored.go",
            "//go:build ignore\n\npackage main\n\nimport _ \"embed\"\n\n//go:embed me/m.txt\nvar M string\n",
        ),
        ("multi/me/m.txt", "m\n"),
    ]
}

const MAIN_GO: &str = "package main\n\nimport (\n\t_ \"example.com/dep\"\n\t_ \"example.com/dep/a/b/c\"\n\t_ \"example.com/dep/multi\"\n)\n\nfunc main() {}\n";
const MAIN_TEST_GO: &str = "package main\n\nimport (\n\t\"testing\"\n\n\t_ \"example.com/dep/fortest\"\n)\n\nfunc TestMain(t *testing.T) {}\n";

#[test]
fn vendored_files_match_go_mod_vendor() {
    requires_go!();
    let h = Harness::new();
    h.publish(DEP, DEP_VERSION, &dep_files());
    for (go_version, cgo) in [
        ("1.16", true),
        ("1.21", true),
        ("1.22", true),
        ("1.22", false),
    ] {
        let case = format!("go {go_version}, cgo {cgo}");
        let main = main_module(&h, go_version, &[(DEP, DEP_VERSION)], &[]);
        let cgo_env = if cgo { "1" } else { "0" };
        h.go_ok_with_env(&main, &["mod", "tidy"], &[("CGO_ENABLED", cgo_env)]);
        h.go_ok_with_env(&main, &["mod", "vendor"], &[("CGO_ENABLED", cgo_env)]);

        let text = fs::read_to_string(main.join("vendor/modules.txt")).expect("modules.txt");
        let modules_txt = ModulesTxt::parse("vendor/modules.txt", &text).expect("go's modules.txt");
        assert_eq!(modules_txt.render(), text, "{case}");
        let go_packages: BTreeSet<String> = modules_txt
            .modules
            .iter()
            .find(|m| m.path == DEP)
            .expect("dep is vendored")
            .packages
            .iter()
            .cloned()
            .collect();

        let root = module_dir(&h, DEP, DEP_VERSION);
        let our_packages = package_closure(&main, &root);
        assert_eq!(our_packages, go_packages, "{case}: vendored packages");

        let rules = VendorRules {
            go_version: go_version.to_string(),
            cgo_enabled: cgo,
        };
        let mut ours = BTreeSet::new();
        for package in &go_packages {
            let rel = package
                .strip_prefix(DEP)
                .unwrap_or("")
                .trim_start_matches('/');
            let dir = if rel.is_empty() {
                root.clone()
            } else {
                root.join(rel)
            };
            let scanned = scan_dir(&dir).expect("scan");
            for file in vendored_files(&dir, &scanned, &rules).expect("vendored files") {
                ours.insert(join(rel, &file));
            }
            ours.extend(metadata_files(&root, rel).expect("metadata"));
        }
        let theirs = files_under(&main.join("vendor").join(DEP));
        assert_eq!(ours, theirs, "{case}: vendored files");

        // Facts the comparison above rests on, spelled out.
        assert!(
            theirs.contains("ignoreddata/i.txt"),
            "{case}: embeds of ignored files"
        );
        assert!(!theirs.contains("ignored.go") && theirs.contains("notlinux.go"));
        assert_eq!(theirs.contains("cgodata/c.txt"), cgo, "{case}: cgo embeds");
        assert_eq!(theirs.contains("testdata/t.txt"), go_version != "1.22");
        assert_eq!(theirs.contains("go.mod"), go_version == "1.16");
        assert!(!theirs.contains("csrc/x.c") && theirs.contains("a/LICENSE"));
        assert!(theirs.contains("static/.hidden") && theirs.contains("static/deeper/.h2"));
        assert!(!theirs.contains("static/_under.txt") && theirs.contains("allstatic/_u/y.txt"));
        fs::remove_dir_all(&main).expect("cleanup");
    }
}

#[test]
fn scan_matches_go_list() {
    requires_go!();
    let h = Harness::new();
    h.publish(DEP, DEP_VERSION, &dep_files());
    let main = main_module(&h, "1.22", &[(DEP, DEP_VERSION)], &[]);
    h.go_ok_with_env(&main, &["mod", "tidy"], &[("CGO_ENABLED", "1")]);
    let out = h.go_ok_with_env(
        &main,
        &["list", "-e", "-json", "example.com/dep/..."],
        &[("CGO_ENABLED", "1"), ("GOOS", "linux"), ("GOARCH", "amd64")],
    );
    let mut listed = 0;
    for package in serde_json::Deserializer::from_str(&out).into_iter::<Value>() {
        let package = package.expect("go list json");
        listed += 1;
        let import_path = package["ImportPath"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let dir = PathBuf::from(package["Dir"].as_str().expect("Dir"));
        let scanned = scan_dir(&dir).expect("scan");
        let by_name: BTreeMap<&str, _> =
            scanned.files.iter().map(|f| (f.name.as_str(), f)).collect();
        let list = |key: &str| -> Vec<String> {
            package[key]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        };
        let built: Vec<String> = [list("GoFiles"), list("CgoFiles")].concat();
        let mut imports = BTreeSet::new();
        let mut embeds = BTreeSet::new();
        for name in &built {
            let file = by_name[name.as_str()];
            assert_eq!(file.package, package["Name"].as_str().unwrap_or_default());
            assert!(!file.ignored && !file.is_test, "{import_path}: {name}");
            imports.extend(file.imports.iter().cloned());
            embeds.extend(file.embeds.iter().cloned());
        }
        for name in list("CgoFiles") {
            assert!(by_name[name.as_str()].is_cgo, "{name}");
        }
        assert_eq!(
            imports,
            list("Imports").into_iter().collect(),
            "{import_path}"
        );
        assert_eq!(
            embeds,
            list("EmbedPatterns").into_iter().collect(),
            "{import_path}"
        );
        let mut test_imports = BTreeSet::new();
        let mut test_embeds = BTreeSet::new();
        for name in list("TestGoFiles") {
            let file = by_name[name.as_str()];
            assert!(file.is_test);
            test_imports.extend(file.imports.iter().cloned());
            test_embeds.extend(file.embeds.iter().cloned());
        }
        assert_eq!(
            test_imports,
            list("TestImports").into_iter().collect(),
            "{import_path}"
        );
        assert_eq!(
            test_embeds,
            list("TestEmbedPatterns").into_iter().collect(),
            "{import_path}"
        );
        for name in list("IgnoredGoFiles") {
            assert!(by_name.contains_key(name.as_str()), "{name}");
        }
    }
    assert_eq!(listed, 8, "packages listed by go list example.com/dep/...");
}

/// Packages `go mod vendor` refuses: our scan must refuse the same ones, and accept the rest.
#[test]
fn vendor_failures_agree() {
    requires_go!();
    let h = Harness::new();
    let cases: &[(&str, &[(&str, &str)])] = &[
        (
            "bad go:build",
            &[
                ("ok.go", "package p\n"),
                ("x.go", "//go:build (linux\n\npackage p\n"),
            ],
        ),
        (
            "two go:build lines",
            &[
                ("ok.go", "package p\n"),
                ("x.go", "//go:build linux\n//go:build cgo\n\npackage p\n"),
            ],
        ),
        (
            "header syntax error",
            &[(
                "x.go",
                "package p\n\nimport (\n\t\"strings\"\n\tnot valid\n)\n",
            )],
        ),
        (
            "embed matching nothing",
            &[(
                "x.go",
                "package p\n\nimport _ \"embed\"\n\n//go:embed *.none\nvar s string\n",
            )],
        ),
        (
            "embed of a directory of hidden files",
            &[
                (
                    "x.go",
                    "package p\n\nimport _ \"embed\"\n\n//go:embed d\nvar s string\n",
                ),
                ("d/.h", "h\n"),
            ],
        ),
        (
            "embed of a hidden file in an ignored file",
            &[
                ("x.go", "package p\n"),
                (
                    "y.go",
                    "//go:build ignore\n\npackage p\n\nimport _ \"embed\"\n\n//go:embed d/.h\nvar s string\n",
                ),
                ("d/.h", "h\n"),
            ],
        ),
        (
            "package clause only",
            &[
                ("x.go", "package p"),
                ("y.go", "// comment\npackage p; import \"strings\""),
            ],
        ),
        (
            "two package names",
            &[
                ("x.go", "package p\n"),
                ("y.go", "//go:build linux\n\npackage q\n"),
            ],
        ),
        (
            "bad go:build in an underscore file",
            &[
                ("x.go", "package p\n"),
                ("_y.go", "//go:build (\n\npackage p\n"),
            ],
        ),
    ];
    for (i, (case, files)) in cases.iter().enumerate() {
        let path = format!("example.com/bad{i}");
        let mut all = vec![("go.mod", format!("module {path}\n\ngo 1.20\n"))];
        all.extend(files.iter().map(|(n, t)| (*n, t.to_string())));
        let borrowed: Vec<(&str, &str)> = all.iter().map(|(n, t)| (*n, t.as_str())).collect();
        h.publish(&path, DEP_VERSION, &borrowed);
        let main = h.root().join(format!("bad-main{i}"));
        fs::create_dir_all(&main).expect("mkdir");
        fs::write(
            main.join("go.mod"),
            format!("module example.com/main\n\ngo 1.22\n\nrequire {path} {DEP_VERSION}\n"),
        )
        .expect("go.mod");
        fs::write(
            main.join("main.go"),
            format!("package main\n\nimport _ \"{path}\"\n\nfunc main() {{}}\n"),
        )
        .expect("main.go");
        h.go_ok(&main, &["mod", "download", &path]);
        let go_ok = h
            .go_with_env(&main, &["mod", "vendor"], &[("CGO_ENABLED", "1")])
            .status
            .success();
        let dir = module_dir(&h, &path, DEP_VERSION);
        let rules = VendorRules {
            go_version: "1.22".into(),
            cgo_enabled: true,
        };
        let ours = scan_dir(&dir).and_then(|pkg| vendored_files(&dir, &pkg, &rules));
        assert_eq!(ours.is_ok(), go_ok, "{case}: ours {ours:?}");
        if go_ok {
            let theirs = files_under(&main.join("vendor").join(&path));
            let ours: BTreeSet<String> = ours.expect("ok").into_iter().collect();
            assert_eq!(ours, theirs, "{case}");
        }
    }
}

#[test]
fn scan_dirs_runs_in_parallel_order() {
    let tmp = TempDir::new().expect("tempdir");
    let mut dirs = Vec::new();
    for i in 0..8 {
        let dir = tmp.path().join(format!("p{i}"));
        fs::create_dir_all(&dir).expect("mkdir");
        fs::write(dir.join("p.go"), format!("package p{i}\n")).expect("write");
        dirs.push(dir);
    }
    let results = scan_dirs(&dirs);
    for (i, result) in results.into_iter().enumerate() {
        let dir: PackageDir = result.expect("scan");
        assert_eq!(dir.files[0].package, format!("p{i}"));
    }
}

/// The dependency's packages our scan says `go mod vendor` vendors: those imported by the main
/// module's packages and tests, and their imports, transitively (not dependencies' tests).
fn package_closure(main: &Path, dep_root: &Path) -> BTreeSet<String> {
    let main_dir = scan_dir(main).expect("scan main");
    let (imports, test_imports) = main_dir.imports();
    let mut queue: Vec<String> = imports.into_iter().chain(test_imports).collect();
    let mut seen = BTreeSet::new();
    while let Some(path) = queue.pop() {
        let Some(rest) = path.strip_prefix(DEP) else {
            continue;
        };
        if !(rest.is_empty() || rest.starts_with('/')) || seen.contains(&path) {
            continue;
        }
        let dir = dep_root.join(rest.trim_start_matches('/'));
        let scanned = scan_dir(&dir).expect("scan dep package");
        assert!(scanned.has_go_files(), "{path}");
        seen.insert(path);
        queue.extend(scanned.imports().0);
    }
    seen
}

/// A fresh main module requiring `requires`, with the given extra go.mod lines.
fn main_module(
    h: &Harness,
    go_version: &str,
    requires: &[(&str, &str)],
    extra: &[&str],
) -> PathBuf {
    let dir = h.root().join("main");
    fs::create_dir_all(&dir).expect("mkdir");
    let mut go_mod = format!("module example.com/main\n\ngo {go_version}\n");
    for (path, version) in requires {
        go_mod.push_str(&format!("\nrequire {path} {version}\n"));
    }
    for line in extra {
        go_mod.push_str(&format!("\n{line}\n"));
    }
    fs::write(dir.join("go.mod"), go_mod).expect("go.mod");
    fs::write(dir.join("main.go"), MAIN_GO).expect("main.go");
    fs::write(dir.join("main_test.go"), MAIN_TEST_GO).expect("main_test.go");
    dir
}

/// Where go extracted `path@version` in the harness's module cache.
fn module_dir(h: &Harness, path: &str, version: &str) -> PathBuf {
    h.gomodcache().join(format!("{path}@{version}"))
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}
