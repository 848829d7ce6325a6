//! Oracle tests for `gomodoff::vendoring`: the `vendor/` tree and `vendor/modules.txt` computed
//! natively must be byte-identical to what the installed `go mod vendor` writes, and a `vendor/`
//! written from the computation must build with no network and an empty module cache.
//!
//! The fixture modules live under `testdata/vendoring/modules/<path>@<version>/` and are served
//! from a temporary `GOPROXY=file://` tree; the main module is `testdata/vendoring/main/` (its
//! go.mod is a template whose `go` line each case sets) next to `testdata/vendoring/localdep/`,
//! the target of a directory replacement.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use gomodoff::graph::{ReplaceRule, ReplaceTarget};
use gomodoff::module::ModuleVersion;
use gomodoff::modules_txt::ModulesTxt;
use gomodoff::scans::ScanCache;
use gomodoff::vendoring::{
    VendorInput, VendorTree, VendoringError, WorkspaceInput, WorkspaceModule, compute,
    compute_workspace, dropped_files,
};
use serde_json::Value;

use crate::support::{
    self, Harness, assert_success, copy_dir, escape, read_files, stdout, vendoring_dir,
    vendoring_main,
};

/// One `go mod vendor` run to reproduce.
struct Case {
    name: &'static str,
    /// The main go.mod's `go` line; `None` removes it.
    go: Option<&'static str>,
    /// Extra go.mod lines.
    go_mod_extra: &'static [&'static str],
    /// Extra files of the main module.
    files: &'static [(&'static str, &'static str)],
    cgo: bool,
    /// Add `require example.com/unused v1.0.0` after tidying (a requirement providing nothing).
    add_unused: bool,
    /// Tell the standard library by GOROOT rather than by the dotless first path element.
    goroot: bool,
}

const CASES: &[Case] = &[
    Case {
        name: "no-go-line",
        go: None,
        go_mod_extra: &[],
        files: &[],
        cgo: true,
        add_unused: false,
        goroot: false,
    },
    Case {
        name: "go1.13",
        go: Some("1.13"),
        go_mod_extra: &[],
        files: &[],
        cgo: true,
        add_unused: true,
        goroot: false,
    },
    Case {
        name: "go1.16",
        go: Some("1.16"),
        go_mod_extra: &[],
        files: &[],
        cgo: true,
        add_unused: true,
        goroot: false,
    },
    Case {
        name: "go1.17",
        go: Some("1.17"),
        go_mod_extra: &[],
        files: &[],
        cgo: true,
        add_unused: true,
        goroot: false,
    },
    Case {
        name: "go1.21",
        go: Some("1.21"),
        go_mod_extra: &[],
        files: &[],
        cgo: true,
        add_unused: false,
        goroot: true,
    },
    Case {
        name: "go1.22-nocgo",
        go: Some("1.22.0"),
        go_mod_extra: &[],
        files: &[],
        cgo: false,
        add_unused: true,
        goroot: false,
    },
    Case {
        name: "go1.25-tool-ignore",
        go: Some("1.25"),
        go_mod_extra: &["tool example.com/dep/cmd/tool", "ignore ./ignoredpkg"],
        files: &[(
            "ignoredpkg/i.go",
            "package ignoredpkg\n\nimport _ \"example.com/nonexistent/ignoredpkg\"\n",
        )],
        cgo: true,
        add_unused: false,
        goroot: false,
    },
];

#[test]
fn vendor_tree_matches_go_mod_vendor() {
    requires_go!();
    let env = GoEnv::new();
    for case in CASES {
        let main = env.main_module(case);
        let cgo = if case.cgo { "1" } else { "0" };
        env.go(&main, &["mod", "tidy"], &[("CGO_ENABLED", cgo)]);
        if case.go.is_none() {
            env.go(&main, &["mod", "edit", "-go=none"], &[]);
        }
        if case.add_unused {
            env.go(
                &main,
                &["mod", "edit", "-require=example.com/unused@v1.0.0"],
                &[],
            );
            env.go(&main, &["mod", "download", "example.com/unused"], &[]);
        }
        let started = Instant::now();
        env.go(&main, &["mod", "vendor"], &[("CGO_ENABLED", cgo)]);
        let go_time = started.elapsed();
        let theirs = read_files(&main.join("vendor"));
        fs::remove_dir_all(main.join("vendor")).expect("remove go's vendor/");

        let facts = ModuleFacts::read(&env, &main);
        let goroot = case
            .goroot
            .then(|| PathBuf::from(env.go(&main, &["env", "GOROOT"], &[]).trim()));
        let mut input = facts.input(&main, case.cgo);
        input.goroot = goroot.as_deref();
        let started = Instant::now();
        let tree = compute(&input).unwrap_or_else(|e| panic!("{}: compute: {e:?}", case.name));
        let our_time = started.elapsed();
        let go_modules_txt = String::from_utf8(theirs["modules.txt"].clone()).expect("utf-8");
        assert_eq!(
            tree.modules_txt, go_modules_txt,
            "{}: modules.txt",
            case.name
        );
        compare_files(case.name, &tree, &theirs);
        check_case_facts(case, &tree, &theirs);
        // The same with import scans remembered by content: made on the first pass, saved, and
        // looked up on the second.
        let store = tempfile::tempdir().expect("scans dir");
        for pass in ["made", "looked up"] {
            let scans = ScanCache::at(store.path());
            for (m, dir) in &input.module_dirs {
                scans.set_root(dir, &m.to_string());
            }
            let cached = compute(&VendorInput {
                scans: Some(&scans),
                goroot: goroot.as_deref(),
                ..facts.input(&main, case.cgo)
            })
            .unwrap_or_else(|e| panic!("{}: compute with scans {pass}: {e:?}", case.name));
            assert_eq!(cached.modules_txt, go_modules_txt, "{}: {pass}", case.name);
            compare_files(case.name, &cached, &theirs);
            let keys: Vec<String> = input.module_dirs.keys().map(ToString::to_string).collect();
            scans.save(keys.iter().map(String::as_str));
        }
        assert!(
            fs::read_dir(store.path()).is_ok_and(|d| d.count() > 0),
            "{}: scans saved",
            case.name
        );
        report_time(case.name, go_time, our_time);

        let dropped = dropped_files(&input, &tree).expect("dropped files");
        let dropped: BTreeSet<String> = dropped
            .iter()
            .map(|(m, f)| format!("{}:{f}", m.path))
            .collect();
        for file in [
            "example.com/dep:cgopkg/include/extra.h",
            "example.com/dep:cgopkg/include/sys/deeper.h",
            "example.com/dep:proto/api.proto",
            "example.com/local:include/l.h",
        ] {
            assert!(
                dropped.contains(file),
                "{}: {file} in {dropped:?}",
                case.name
            );
        }
        for file in [
            "example.com/dep:a/LICENSE",
            "example.com/dep:embedded/data/one.txt",
            "example.com/dep:testdata/t.txt",
            "example.com/dep:onlyignored/x.go",
        ] {
            // Copied (a licence, an embed), under testdata, or Go source: not reported.
            assert!(!dropped.contains(file), "{}: {file}", case.name);
        }
        for file in [
            "example.com/dep:a/readme.txt",
            "example.com/dep:embedded/data/two.txt",
        ] {
            assert!(dropped.contains(file), "{}: {file}", case.name);
        }

        // A vendor/ written from the computation builds offline with an empty module cache.
        write_tree(&main.join("vendor"), &tree);
        env.offline(&main, &["build", "./..."], cgo);
        env.offline(&main, &["list", "-deps", "-test", "./..."], cgo);
        fs::remove_dir_all(main.parent().expect("case dir")).expect("cleanup");
    }
}

/// Imports go refuses to resolve: our computation refuses the same ones, with the same reason.
#[test]
fn resolution_errors_match_go() {
    requires_go!();
    let env = GoEnv::new();
    struct ErrorCase {
        name: &'static str,
        requires: &'static [&'static str],
        replaces: &'static [&'static str],
        import: &'static str,
        go_says: &'static str,
        check: fn(&VendoringError) -> bool,
    }
    let cases = [
        ErrorCase {
            name: "ambiguous",
            requires: &["example.com/amb v1.0.0", "example.com/amb/sub v1.0.0"],
            replaces: &[],
            import: "example.com/amb/sub",
            go_says: "ambiguous import: found package example.com/amb/sub in multiple modules",
            check: |e| {
                matches!(e, VendoringError::AmbiguousImport { import, found }
                    if import == "example.com/amb/sub" && found.len() == 2
                        && found[0].0 == "example.com/amb v1.0.0"
                        && found[1].0 == "example.com/amb/sub v1.0.0")
            },
        },
        ErrorCase {
            name: "missing package",
            requires: &["example.com/dep v1.0.0"],
            replaces: &[],
            import: "example.com/dep/doesnotexist",
            go_says: "example.com/dep/doesnotexist",
            check: |e| {
                matches!(e, VendoringError::MissingPackage { import, importer, file }
                    if import == "example.com/dep/doesnotexist"
                        && importer == "example.com/main"
                        && file.ends_with("main.go"))
            },
        },
        ErrorCase {
            name: "nested module in a replacement directory",
            requires: &["example.com/local v1.0.0"],
            replaces: &["example.com/local => ../localdep"],
            import: "example.com/local/nested",
            go_says: "example.com/local/nested",
            check: |e| {
                matches!(e, VendoringError::MissingPackage { import, .. }
                    if import == "example.com/local/nested")
            },
        },
        ErrorCase {
            name: "no go files",
            requires: &["example.com/dep v1.0.0"],
            replaces: &[],
            import: "example.com/dep/cgopkg/include",
            go_says: "example.com/dep/cgopkg/include",
            check: |e| matches!(e, VendoringError::MissingPackage { .. }),
        },
        ErrorCase {
            name: "only ignored files",
            requires: &["example.com/dep v1.0.0"],
            replaces: &[],
            import: "example.com/dep/onlyignored",
            go_says: "example.com/dep/onlyignored",
            check: |e| {
                matches!(e, VendoringError::NoGoFiles { package, .. }
                    if package == "example.com/dep/onlyignored")
            },
        },
    ];
    for case in cases {
        let dir = env.path(&format!("err-{}", case.name.replace(' ', "-")));
        let main = dir.join("main");
        fs::create_dir_all(&main).expect("mkdir");
        copy_dir(&vendoring_dir().join("localdep"), &dir.join("localdep"));
        let mut go_mod = "module example.com/main\n\ngo 1.22\n".to_string();
        for r in case.requires {
            go_mod.push_str(&format!("\nrequire {r}\n"));
        }
        for r in case.replaces {
            go_mod.push_str(&format!("\nreplace {r}\n"));
        }
        fs::write(main.join("go.mod"), go_mod).expect("go.mod");
        fs::write(
            main.join("main.go"),
            format!(
                "package main\n\nimport _ \"{}\"\n\nfunc main() {{}}\n",
                case.import
            ),
        )
        .expect("main.go");
        let mut download = vec!["mod", "download"];
        let paths: Vec<&str> = case
            .requires
            .iter()
            .map(|r| r.split(' ').next().unwrap_or(r))
            .filter(|p| !case.replaces.iter().any(|r| r.starts_with(p)))
            .collect();
        download.extend(paths);
        env.go(&main, &download, &[]);
        let output = env.try_go(&main, &["mod", "vendor"], &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{}: go succeeded", case.name);
        assert!(
            stderr.contains(case.go_says),
            "{}: go said {stderr}",
            case.name
        );

        let facts = ModuleFacts::read(&env, &main);
        let input = facts.input(&main, true);
        match compute(&input) {
            Ok(tree) => panic!("{}: computed {:?}", case.name, tree.modules_txt),
            Err(error) => assert!((case.check)(&error), "{}: {error:?}", case.name),
        }
    }
}

/// Opt-in check on a real module: `GOMODOFF_REAL_MODULE=/path/to/module cargo test --test
/// vendoring -- --ignored --nocapture`. The module must be tidy with its modules in the caller's
/// module cache (go runs in the caller's environment: it may use the network when GOPROXY allows).
/// A copy of the module is vendored by go and by `compute`, and the trees compared byte for byte.
#[test]
#[ignore = "needs GOMODOFF_REAL_MODULE and a populated module cache"]
#[allow(clippy::print_stderr)]
fn real_module_matches_go_mod_vendor() {
    let Ok(source) = std::env::var("GOMODOFF_REAL_MODULE") else {
        support::skip("GOMODOFF_REAL_MODULE is not set");
        return;
    };
    requires_go!();
    let mut env = GoEnv::new();
    env.inherit = true;
    let main = env.path("main");
    for entry in walkdir::WalkDir::new(&source)
        .into_iter()
        .filter_entry(|e| e.depth() != 1 || e.file_name() != "vendor")
    {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(&source).expect("under root");
        if entry.file_type().is_dir() {
            fs::create_dir_all(main.join(rel)).expect("mkdir");
        } else if entry.file_type().is_file() {
            fs::copy(entry.path(), main.join(rel)).expect("copy");
        }
    }
    let cgo = env.go(&main, &["env", "CGO_ENABLED"], &[]).trim() == "1";
    let started = Instant::now();
    env.go(&main, &["mod", "vendor"], &[]);
    let go_time = started.elapsed();
    let theirs = read_files(&main.join("vendor"));
    fs::remove_dir_all(main.join("vendor")).expect("remove go's vendor/");

    let facts = ModuleFacts::read(&env, &main);
    let input = facts.input(&main, cgo);
    let started = Instant::now();
    let tree = compute(&input).expect("compute");
    let compute_time = started.elapsed();
    write_tree_parallel(&main.join("vendor"), &tree);
    let total_time = started.elapsed();

    let go_modules_txt = String::from_utf8(theirs["modules.txt"].clone()).expect("utf-8");
    assert_eq!(tree.modules_txt, go_modules_txt, "modules.txt");
    compare_files("real module", &tree, &theirs);
    let dropped = dropped_files(&input, &tree).expect("dropped files");
    eprintln!(
        "{} modules, {} packages, {} files, {} dropped; go mod vendor {go_time:?}; compute \
         {compute_time:?}, compute + copy {total_time:?}",
        tree.packages.len(),
        tree.packages.values().map(Vec::len).sum::<usize>(),
        tree.files.len(),
        dropped.len(),
    );
    env.offline(
        &main,
        &["list", "-deps", "-test", "./..."],
        if cgo { "1" } else { "0" },
    );
}

/// With a pruned graph (main go ≥ 1.17) go looks for an imported package in the main module's
/// requirements first, and in the rest of the build list only when none of them has it: a
/// package that a non-required module also holds is not ambiguous there, but is below go 1.17.
#[test]
fn pruned_graph_resolves_from_requirements_first() {
    requires_go!();
    let env = GoEnv::new();
    for (go, pruned) in [("1.22", true), ("1.16", false)] {
        let dir = env.path(&format!("roots-{go}"));
        let main = dir.join("main");
        fs::create_dir_all(&main).expect("mkdir");
        fs::write(
            main.join("go.mod"),
            format!(
                "module example.com/main\n\ngo {go}\n\nrequire (\n\texample.com/amb/sub v1.0.0\n\texample.com/ambwrap v1.0.0\n)\n"
            ),
        )
        .expect("go.mod");
        fs::write(
            main.join("main.go"),
            "package main\n\nimport (\n\t_ \"example.com/amb/sub\"\n\t_ \"example.com/ambwrap\"\n)\n\nfunc main() {}\n",
        )
        .expect("main.go");
        env.go(
            &main,
            &[
                "mod",
                "download",
                "example.com/amb/sub",
                "example.com/ambwrap",
                "example.com/amb",
            ],
            &[],
        );
        let output = env.try_go(&main, &["mod", "vendor"], &[]);
        assert_eq!(
            output.status.success(),
            pruned,
            "go {go}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let facts = ModuleFacts::read(&env, &main);
        assert!(
            facts.build_list.iter().any(|m| m.path == "example.com/amb"),
            "go {go}: amb is in the build list"
        );
        let result = compute(&facts.input(&main, true));
        if pruned {
            let tree = result.expect("compute");
            let theirs = read_files(&main.join("vendor"));
            let go_modules_txt = String::from_utf8(theirs["modules.txt"].clone()).expect("utf-8");
            assert_eq!(tree.modules_txt, go_modules_txt);
            assert!(!tree.modules_txt.contains("# example.com/amb v"));
            compare_files_exact("roots first", &tree, &theirs);
        } else {
            let error = result.expect_err("ambiguous below go 1.17");
            assert!(
                matches!(&error, VendoringError::AmbiguousImport { import, .. } if import == "example.com/amb/sub"),
                "{error:?}"
            );
        }
    }
}

/// `go work vendor` of a two-module workspace: `## workspace`, requirements of every module
/// explicit, a module's directory replacement rewritten relative to the workspace, go.work's
/// replacements, one workspace module importing the other.
#[test]
fn workspace_matches_go_work_vendor() {
    requires_go!();
    let env = GoEnv::new();
    let work = env.path("workspace");
    copy_dir(&vendoring_dir().join("work"), &work);
    copy_dir(&vendoring_dir().join("localdep"), &work.join("localdep"));
    for module in ["a", "b"] {
        env.go(&work.join(module), &["mod", "tidy"], &[]);
    }
    // Added after tidying: outside the workspace, b cannot see a.
    fs::write(
        work.join("b/usewa.go"),
        "package main\n\nimport _ \"example.com/wa\"\n",
    )
    .expect("usewa.go");
    let go_work = work.join("go.work").to_string_lossy().into_owned();
    let in_work = [("GOWORK", go_work.as_str()), ("CGO_ENABLED", "1")];
    env.go(&work, &["work", "vendor"], &in_work);
    let theirs = read_files(&work.join("vendor"));
    fs::remove_dir_all(work.join("vendor")).expect("remove go's vendor/");

    let edit: Value = serde_json::from_str(&env.go(&work, &["work", "edit", "-json"], &in_work))
        .expect("go.work json");
    let facts: Vec<(PathBuf, ModuleFacts)> = edit["Use"]
        .as_array()
        .expect("use list")
        .iter()
        .map(|u| {
            let dir = work.join(u["DiskPath"].as_str().expect("DiskPath"));
            let facts = ModuleFacts::read(&env, &dir);
            (dir, facts)
        })
        .collect();
    let (build_list, module_dirs, module_go_versions) = read_build_list(&env, &work, &in_work);
    let replaces: Vec<ReplaceRule> = edit["Replace"]
        .as_array()
        .expect("replace list")
        .iter()
        .map(|r| ReplaceRule {
            old_path: r["Old"]["Path"].as_str().unwrap_or_default().into(),
            old_version: r["Old"]["Version"].as_str().map(String::from),
            target: ReplaceTarget::Dir(PathBuf::from(
                r["New"]["Path"].as_str().unwrap_or_default(),
            )),
        })
        .collect();
    let input = WorkspaceInput {
        work_dir: &work,
        go_version: edit["Go"].as_str(),
        replaces,
        modules: facts
            .iter()
            .map(|(dir, f)| WorkspaceModule {
                root: dir,
                path: &f.path,
                requires: f.requires.clone(),
                replaces: f.replaces.clone(),
                tools: f.tools.clone(),
                ignore: f.ignore.clone(),
            })
            .collect(),
        build_list: build_list
            .into_iter()
            .filter(|m| !m.version.is_empty())
            .collect(),
        module_dirs,
        module_go_versions,
        goroot: None,
        cgo_enabled: true,
        scans: None,
    };
    let tree = compute_workspace(&input).expect("compute_workspace");
    let text = &tree.modules_txt;
    assert!(text.starts_with("## workspace\n"), "{text}");
    assert!(
        text.contains("# example.com/local v1.0.0 => ./localdep\n"),
        "{text}"
    );
    assert!(text.ends_with("# example.com/nothere => ./nothere\n# example.com/replaced => example.com/fork v1.1.0\n"), "{text}");
    assert!(!text.contains("example.com/wa"), "{text}");
    compare_files_exact("workspace", &tree, &theirs);

    write_tree(&work.join("vendor"), &tree);
    // With no proxy and an empty module cache.
    let out = env.h.go_offline_with_env(
        &work,
        &["build", "./a/...", "./b/..."],
        &[("GOWORK", &go_work), ("GOFLAGS", "-mod=vendor")],
    );
    assert_success(&out, "offline go build ./a/... ./b/...");
}

/// The facts the byte comparison rests on, spelled out for each case.
fn check_case_facts(case: &Case, tree: &VendorTree, theirs: &BTreeMap<String, Vec<u8>>) {
    let name = case.name;
    let txt = ModulesTxt::parse("modules.txt", &tree.modules_txt).expect("parses");
    let module = |path: &str| txt.modules.iter().find(|m| m.path == path);
    let go_at_least = |minor: u32| {
        case.go
            .is_some_and(|v| v.split('.').nth(1).and_then(|m| m.parse::<u32>().ok()) >= Some(minor))
    };
    let has = |file: &str| theirs.contains_key(file);

    // The package set.
    let dep = module("example.com/dep").expect("dep vendored");
    for pkg in [
        "winonly",
        "plan9only",
        "tagonly",
        "a/b/c",
        "x/y",
        "cgopkg",
        "unused",
    ] {
        let full = format!("example.com/dep/{pkg}");
        assert!(dep.packages.contains(&full), "{name}: {full}");
    }
    assert!(
        !dep.packages.iter().any(|p| p.ends_with("testhelper")),
        "{name}: tests of deps"
    );
    assert_eq!(
        dep.packages
            .contains(&"example.com/dep/cmd/tool".to_string()),
        case.name.contains("tool"),
        "{name}: tool packages"
    );
    let testdep = module("example.com/testdep").expect("testdep vendored");
    assert_eq!(
        testdep.packages,
        [
            "example.com/testdep",
            "example.com/testdep/apptest",
            "example.com/testdep/xonly"
        ],
        "{name}: imports of main-module tests"
    );
    assert!(
        module("example.com/dep2").is_some(),
        "{name}: test import's imports"
    );
    assert!(!tree.modules_txt.contains("nonexistent"), "{name}");

    // Annotations.
    assert_eq!(dep.explicit, go_at_least(14), "{name}: ## explicit");
    assert_eq!(
        dep.go_version.as_deref(),
        go_at_least(17).then_some("1.18"),
        "{name}: ## go"
    );
    assert_eq!(
        module("example.com/nogomod").expect("nogomod").go_version,
        None,
        "{name}: no go.mod, no go version"
    );
    let unused = module("example.com/unused");
    assert_eq!(
        unused.is_some(),
        case.add_unused && go_at_least(14),
        "{name}: explicit requirement without packages"
    );
    if let Some(unused) = unused {
        assert!(unused.packages.is_empty());
    }
    let replaced = module("example.com/replaced").expect("replaced");
    assert_eq!(
        replaced.replacement,
        Some(("example.com/fork".into(), Some("v1.1.0".into())))
    );
    let local = module("example.com/local").expect("local");
    assert_eq!(local.replacement, Some(("../localdep".into(), None)));
    let trailing: Vec<&str> = txt.trailing_replaces.iter().map(|r| r.0.as_str()).collect();
    if go_at_least(14) {
        // A wildcard replacement is written again at the end even though the module's own
        // line already shows it: only `path version` keys count as written.
        assert_eq!(
            trailing,
            [
                "example.com/replaced",
                "example.com/nothere",
                "example.com/dep"
            ],
            "{name}"
        );
    } else {
        assert!(trailing.is_empty(), "{name}");
    }

    // Files.
    assert!(!has("example.com/dep/ignored.go") && has("example.com/dep/tagged.go"));
    assert!(has("example.com/dep/dep_windows_arm64.go") && !has("example.com/dep/dep_test.go"));
    assert!(has("example.com/dep/embedded/static/css/site.css"));
    assert!(!has("example.com/dep/embedded/static/.hidden"));
    assert!(has("example.com/dep/embedded/assets/_x/y.txt"));
    assert!(has("example.com/dep/embedded/file with space.txt"));
    assert!(!has("example.com/dep/embedded/data/two.txt"));
    assert!(has("example.com/dep/cgopkg/c.c") && !has("example.com/dep/cgopkg/include/extra.h"));
    assert!(has("example.com/dep/a/LICENSE") && has("example.com/dep/a/COPYING.md"));
    assert!(!has("example.com/dep/a/readme.txt"));
    assert!(
        has("example.com/dep/x/LICENSE_test.go"),
        "{name}: licence-named test file"
    );
    assert!(
        !has("example.com/dep/a/b/LICENSE_test.go"),
        "{name}: in a package dir"
    );
    assert!(has("example.com/outer/inner/LICENSE") && has("example.com/outer/LICENSE"));
    assert!(has("example.com/replaced/COPYRIGHT") && has("example.com/local/sub/extra.dat"));
    assert_eq!(
        has("example.com/dep/go.mod"),
        !go_at_least(17),
        "{name}: go.mod"
    );
}

/// What the go command knows about the main module and its build list, read back from go.
struct ModuleFacts {
    path: String,
    go: Option<String>,
    requires: Vec<ModuleVersion>,
    replaces: Vec<ReplaceRule>,
    tools: Vec<String>,
    ignore: Vec<String>,
    build_list: Vec<ModuleVersion>,
    dirs: HashMap<ModuleVersion, PathBuf>,
    go_versions: HashMap<ModuleVersion, Option<String>>,
}

impl ModuleFacts {
    fn read(env: &GoEnv, main: &Path) -> ModuleFacts {
        let edit: Value =
            serde_json::from_str(&env.go(main, &["mod", "edit", "-json"], &[])).expect("json");
        let module_version = |v: &Value| ModuleVersion {
            path: v["Path"].as_str().unwrap_or_default().to_string(),
            version: v["Version"].as_str().unwrap_or_default().to_string(),
        };
        let list = |key: &str| edit[key].as_array().cloned().unwrap_or_default();
        let requires: Vec<ModuleVersion> = list("Require").iter().map(module_version).collect();
        let replaces: Vec<ReplaceRule> = list("Replace")
            .iter()
            .map(|r| {
                let old = module_version(&r["Old"]);
                let new = module_version(&r["New"]);
                ReplaceRule {
                    old_path: old.path,
                    old_version: Some(old.version).filter(|v| !v.is_empty()),
                    target: if new.version.is_empty() {
                        ReplaceTarget::Dir(PathBuf::from(new.path))
                    } else {
                        ReplaceTarget::Module(new)
                    },
                }
            })
            .collect();
        let names = |key: &str| -> Vec<String> {
            list(key)
                .iter()
                .filter_map(|t| t["Path"].as_str().map(String::from))
                .collect()
        };

        let (build_list, dirs, go_versions) = read_build_list(env, main, &[]);
        ModuleFacts {
            path: edit["Module"]["Path"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            go: edit["Go"].as_str().map(String::from),
            requires,
            replaces,
            tools: names("Tool"),
            ignore: names("Ignore"),
            build_list,
            dirs,
            go_versions,
        }
    }

    fn input<'a>(&'a self, main: &'a Path, cgo: bool) -> VendorInput<'a> {
        VendorInput {
            main_root: main,
            main_path: &self.path,
            main_go_version: self.go.as_deref(),
            explicit: self.requires.clone(),
            build_list: self.build_list.clone(),
            replaces: self.replaces.clone(),
            module_dirs: self.dirs.clone(),
            module_go_versions: self.go_versions.clone(),
            tools: self.tools.clone(),
            ignore: self.ignore.clone(),
            goroot: None,
            cgo_enabled: cgo,
            scans: None,
        }
    }
}

/// The build list (`go list -m all` without main modules), where each module's files are, and
/// the `go` line of the go.mod each one is built from.
#[allow(clippy::type_complexity)]
fn read_build_list(
    env: &GoEnv,
    dir: &Path,
    extra_env: &[(&str, &str)],
) -> (
    Vec<ModuleVersion>,
    HashMap<ModuleVersion, PathBuf>,
    HashMap<ModuleVersion, Option<String>>,
) {
    let module_version = |v: &Value| ModuleVersion {
        path: v["Path"].as_str().unwrap_or_default().to_string(),
        version: v["Version"].as_str().unwrap_or_default().to_string(),
    };
    {
        let modcache = env.modcache();
        let out = env.go(
            dir,
            &["list", "-e", "-mod=readonly", "-m", "-json", "all"],
            extra_env,
        );
        let mut build_list = Vec::new();
        let mut dirs = HashMap::new();
        let mut go_versions = HashMap::new();
        for entry in serde_json::Deserializer::from_str(&out).into_iter::<Value>() {
            let entry = entry.expect("go list json");
            if entry["Main"].as_bool() == Some(true) {
                continue;
            }
            let module = module_version(&entry);
            let replace = &entry["Replace"];
            let dir = if replace.is_object() {
                replace["Dir"].as_str()
            } else {
                entry["Dir"].as_str()
            };
            if let Some(dir) = dir.filter(|d| !d.is_empty()) {
                dirs.insert(module.clone(), PathBuf::from(dir));
            }
            // The go line of the go.mod the build uses, read the way gomodoff's caller will.
            let go_mod = if replace.is_object() && replace["Version"].is_null() {
                Some(PathBuf::from(replace["Dir"].as_str().unwrap_or_default()).join("go.mod"))
            } else {
                let source = if replace.is_object() {
                    module_version(replace)
                } else {
                    module.clone()
                };
                Some(
                    modcache
                        .join("cache/download")
                        .join(escape(&source.path))
                        .join("@v")
                        .join(format!("{}.mod", escape(&source.version))),
                )
            };
            if let Some(text) = go_mod.and_then(|f| fs::read_to_string(f).ok()) {
                let go = text
                    .lines()
                    .find_map(|l| l.trim().strip_prefix("go ").map(|v| v.trim().to_string()));
                go_versions.insert(module.clone(), go);
            }
            build_list.push(module);
        }
        (build_list, dirs, go_versions)
    }
}

fn compare_files(name: &str, tree: &VendorTree, theirs: &BTreeMap<String, Vec<u8>>) {
    let ours: BTreeMap<String, Vec<u8>> = tree
        .files
        .iter()
        .map(|f| (f.dest.clone(), fs::read(&f.source).expect("read source")))
        .collect();
    let their_names: BTreeSet<&String> = theirs.keys().filter(|k| *k != "modules.txt").collect();
    let our_names: BTreeSet<&String> = ours.keys().collect();
    let only_go: Vec<_> = their_names.difference(&our_names).collect();
    let only_ours: Vec<_> = our_names.difference(&their_names).collect();
    assert!(
        only_go.is_empty() && only_ours.is_empty(),
        "{name}: only in go's vendor/: {only_go:?}; only in ours: {only_ours:?}"
    );
    for (dest, bytes) in &ours {
        assert_eq!(bytes, &theirs[dest], "{name}: content of {dest}");
    }
    assert!(ours.len() > 40, "{name}: {} files", ours.len());
}

fn compare_files_exact(name: &str, tree: &VendorTree, theirs: &BTreeMap<String, Vec<u8>>) {
    let ours: BTreeMap<String, Vec<u8>> = tree
        .files
        .iter()
        .map(|f| (f.dest.clone(), fs::read(&f.source).expect("read source")))
        .chain([(
            "modules.txt".to_string(),
            tree.modules_txt.clone().into_bytes(),
        )])
        .collect();
    assert_eq!(&ours, theirs, "{name}");
}

#[allow(clippy::print_stderr)]
fn report_time(name: &str, go: std::time::Duration, ours: std::time::Duration) {
    eprintln!("{name}: go mod vendor {go:?}, compute {ours:?}");
}

fn write_tree(vendor: &Path, tree: &VendorTree) {
    for file in &tree.files {
        let dest = vendor.join(&file.dest);
        fs::create_dir_all(dest.parent().expect("has parent")).expect("mkdir");
        fs::copy(&file.source, &dest).expect("copy");
    }
    fs::write(vendor.join("modules.txt"), &tree.modules_txt).expect("modules.txt");
}

fn write_tree_parallel(vendor: &Path, tree: &VendorTree) {
    use rayon::prelude::*;
    let dirs: BTreeSet<PathBuf> = tree
        .files
        .iter()
        .filter_map(|f| vendor.join(&f.dest).parent().map(Path::to_path_buf))
        .collect();
    for dir in &dirs {
        fs::create_dir_all(dir).expect("mkdir");
    }
    tree.files.par_iter().for_each(|file| {
        fs::copy(&file.source, vendor.join(&file.dest)).expect("copy");
    });
    fs::write(vendor.join("modules.txt"), &tree.modules_txt).expect("modules.txt");
}

/// Where go runs: the test harness's hermetic environment, or (for the opt-in real-module test)
/// the caller's.
struct GoEnv {
    h: Harness,
    /// Run go in the caller's environment (module cache, proxy) instead of the harness's.
    inherit: bool,
}

impl GoEnv {
    /// The harness, its proxy also serving every `testdata/vendoring/modules/<path>@<version>`.
    fn new() -> GoEnv {
        let h = Harness::new();
        h.add_fixture_modules(&vendoring_dir().join("modules"));
        GoEnv { h, inherit: false }
    }

    /// The module cache go uses.
    fn modcache(&self) -> PathBuf {
        if self.inherit {
            let out = self.go(self.h.root(), &["env", "GOMODCACHE"], &[]);
            PathBuf::from(out.trim())
        } else {
            self.h.gomodcache().to_path_buf()
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.h.root().join(name)
    }

    /// A fresh copy of the main module for `case`, with `localdep` beside it.
    fn main_module(&self, case: &Case) -> PathBuf {
        vendoring_main(
            &self.path(case.name),
            case.go,
            case.go_mod_extra,
            case.files,
        )
    }

    /// Runs go in `dir`; panics with its output when it fails. Returns stdout.
    fn go(&self, dir: &Path, args: &[&str], extra_env: &[(&str, &str)]) -> String {
        let output = self.try_go(dir, args, extra_env);
        assert_success(&output, &format!("go {}", args.join(" ")));
        stdout(&output)
    }

    /// Runs go with `-mod=vendor`, no proxy and an empty module cache; panics when it fails.
    fn offline(&self, dir: &Path, args: &[&str], cgo: &str) {
        let empty = self.h.fresh_dir("offline-modcache");
        let cache = empty.to_string_lossy().into_owned();
        let output = self.try_go(
            dir,
            args,
            &[
                ("GOPROXY", "off"),
                ("GOMODCACHE", &cache),
                ("GOFLAGS", "-mod=vendor"),
                ("CGO_ENABLED", cgo),
            ],
        );
        assert_success(
            &output,
            &format!("offline go {} in {}", args.join(" "), dir.display()),
        );
    }

    fn try_go(&self, dir: &Path, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
        if !self.inherit {
            return self.h.go_with_env(dir, args, extra_env);
        }
        let mut command = Command::new(self.h.go_binary());
        command
            .args(args)
            .current_dir(dir)
            .env("GOFLAGS", "-modcacherw")
            .env("GOWORK", "off");
        for (key, value) in extra_env {
            command.env(key, value);
        }
        command.output().expect("run go")
    }
}
