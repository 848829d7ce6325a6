//! Unit tests of vendoring: modules.txt order, ignore patterns, import checks, small trees and
//! the error messages go prints.

use std::cmp::Ordering;
use std::fs;

use crate::resolve::graph::ReplaceTarget;

use super::paths::{IgnorePatterns, invalid_import_reason};
use super::*;

fn mv(path: &str, version: &str) -> ModuleVersion {
    ModuleVersion {
        path: path.into(),
        version: version.into(),
    }
}

#[test]
fn semver_order() {
    let ordered = [
        "bad",
        "v0.0.0-20200101000000-abcdef123456",
        "v0.1.0",
        "v1.0.0-alpha",
        "v1.0.0-alpha.1",
        "v1.0.0-alpha.beta",
        "v1.0.0-beta.2",
        "v1.0.0-beta.11",
        "v1.0.0-rc.1",
        "v1.0.0",
        "v1.2.0",
        "v1.10.0",
        "v2.0.0+incompatible",
    ];
    for pair in ordered.windows(2) {
        assert_eq!(
            crate::formats::module::compare_versions(pair[0], pair[1]),
            Ordering::Less,
            "{pair:?}"
        );
        assert_eq!(
            crate::formats::module::compare_versions(pair[1], pair[0]),
            Ordering::Greater
        );
    }
    assert_eq!(
        compare_module_versions(&mv("a", "v2.0.0"), &mv("b", "v1.0.0")),
        Ordering::Less
    );
}

#[test]
fn ignore_patterns() {
    let cases = [
        (&["./gen"][..], "gen", true),
        (&["./gen"][..], "gen/x", true),
        (&["./gen"][..], "a/gen", false),
        (&["./gen"][..], "generated", false),
        (&["gen"][..], "a/gen", true),
        (&["gen"][..], "a/gen/b", true),
        (&["gen"][..], "a/general", false),
        (&["a/b"][..], "x/a/b", true),
        (&[][..], "a", false),
    ];
    for (patterns, dir, want) in cases {
        let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            IgnorePatterns::new(&patterns).should_ignore(dir),
            want,
            "{patterns:?} {dir}"
        );
    }
}

#[test]
fn invalid_imports() {
    for path in ["", "a@v1", ".", "..", "./x", "../x", "/abs", "all", "std"] {
        assert!(invalid_import_reason(path).is_some(), "{path}");
    }
    for path in ["fmt", "example.com/x", "a/b.c"] {
        assert!(invalid_import_reason(path).is_none(), "{path}");
    }
}

#[test]
fn replacement_inside_vendor() {
    for (path, bad) in [
        ("vendor/x", true),
        ("./vendor/x", true),
        ("vendor", true),
        ("../vendor/x", false),
        ("vendored/x", false),
        ("/vendor/x", false),
        ("x/../vendor/y", true),
        ("vendor/../x", false),
    ] {
        assert_eq!(check_not_in_vendor(path).is_err(), bad, "{path}");
    }
}

#[test]
fn collisions() {
    let list = [mv("example.com/A", "v1.0.0"), mv("example.com/a", "v1.0.0")];
    assert!(check_path_collisions(list.iter()).is_err());
    let list = [mv("example.com/a", "v1.0.0"), mv("example.com/b", "v1.0.0")];
    assert!(check_path_collisions(list.iter()).is_ok());
}

/// Writes `files` (slash paths) under `root`.
fn write(root: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = root.join(name);
        fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }
}

struct Fixture {
    tmp: tempfile::TempDir,
    main: PathBuf,
    module: ModuleVersion,
}

impl Fixture {
    /// A main module importing `imports`, and `example.com/a` with `files`.
    fn new(imports: &[&str], files: &[(&str, &str)]) -> Fixture {
        let tmp = tempfile::TempDir::new().expect("tempdir");
        let body: String = imports
            .iter()
            .map(|i| format!("import _ \"{i}\"\n"))
            .collect();
        write(
            &tmp.path().join("main"),
            &[(
                "main.go",
                &format!("package main\n\n{body}\nfunc main() {{}}\n"),
            )],
        );
        write(&tmp.path().join("a"), files);
        Fixture {
            main: tmp.path().join("main"),
            tmp,
            module: mv("example.com/a", "v1.0.0"),
        }
    }

    fn input(&self) -> VendorInput<'_> {
        VendorInput {
            main_root: &self.main,
            main_path: "example.com/main",
            main_go_version: Some("1.22"),
            explicit: vec![self.module.clone()],
            build_list: vec![self.module.clone()],
            replaces: Vec::new(),
            module_dirs: HashMap::from([(self.module.clone(), self.tmp.path().join("a"))]),
            module_go_versions: HashMap::from([(self.module.clone(), Some("1.20".into()))]),
            tools: Vec::new(),
            ignore: Vec::new(),
            goroot: None,
            cgo_enabled: true,
            scans: None,
        }
    }
}

fn dests(tree: &VendorTree) -> Vec<&str> {
    tree.files.iter().map(|f| f.dest.as_str()).collect()
}

#[test]
fn computes_a_small_tree() {
    let fixture = Fixture::new(
        &["fmt", "nodot/pkg", "example.com/a/p"],
        &[
            ("LICENSE", "l\n"),
            ("LICENSE_test.go", "package a\n"),
            ("p/p.go", "package p\n\nimport _ \"example.com/a/p/q\"\n"),
            ("p/p_test.go", "package p\n\nimport _ \"example.com/a/t\"\n"),
            ("p/q/q.go", "package q\n"),
            ("p/q/x.h", "\n"),
            ("inc/y.h", "\n"),
        ],
    );
    let input = fixture.input();
    let tree = compute(&input).expect("compute");
    assert_eq!(
        tree.modules_txt,
        "# example.com/a v1.0.0\n## explicit; go 1.20\nexample.com/a/p\nexample.com/a/p/q\n"
    );
    assert_eq!(
        dests(&tree),
        [
            "example.com/a/LICENSE",
            "example.com/a/LICENSE_test.go",
            "example.com/a/p/p.go",
            "example.com/a/p/q/q.go",
            "example.com/a/p/q/x.h",
        ]
    );
    let dropped = dropped_files(&input, &tree).expect("dropped");
    assert_eq!(dropped, [(fixture.module.clone(), "inc/y.h".to_string())]);
}

#[test]
fn package_directories_get_no_licence_copy() {
    // The root is a package: its `LICENSE_test.go` is neither a source file nor copied as
    // metadata for the package below it.
    let fixture = Fixture::new(
        &["example.com/a", "example.com/a/p"],
        &[
            ("LICENSE_test.go", "package a\n"),
            ("NOTICE", "n\n"),
            ("a.go", "package a\n"),
            ("p/p.go", "package p\n"),
        ],
    );
    let tree = compute(&fixture.input()).expect("compute");
    assert_eq!(
        dests(&tree),
        [
            "example.com/a/NOTICE",
            "example.com/a/a.go",
            "example.com/a/p/p.go"
        ]
    );
}

#[test]
fn resolution_errors() {
    let fixture = Fixture::new(&["example.com/a/missing"], &[("p/p.go", "package p\n")]);
    let error = compute(&fixture.input()).expect_err("missing");
    assert!(
        matches!(&error, VendoringError::MissingPackage { import, importer, file }
            if import == "example.com/a/missing" && importer == "example.com/main"
                && file.ends_with("main.go")),
        "{error:?}"
    );

    let mut input = fixture.input();
    input.module_dirs.clear();
    let error = compute(&input).expect_err("no files");
    assert_eq!(
        error.to_string(),
        "module `example.com/a@v1.0.0` may provide package `example.com/a/missing` but its files were not given"
    );

    let fixture = Fixture::new(&["./rel"], &[]);
    let error = compute(&fixture.input()).expect_err("relative");
    assert!(
        matches!(error, VendoringError::InvalidImport { .. }),
        "{error:?}"
    );

    let fixture = Fixture::new(&[], &[("p/p.go", "package p\n")]);
    let mut input = fixture.input();
    input.tools = vec!["example.com/a/tool".into()];
    let error = compute(&input).expect_err("tool");
    assert!(
        matches!(error, VendoringError::MissingTool { .. }),
        "{error:?}"
    );
}

#[test]
fn nothing_to_vendor() {
    let fixture = Fixture::new(&["fmt"], &[]);
    let mut input = fixture.input();
    input.explicit.clear();
    input.replaces.push(ReplaceRule {
        old_path: "example.com/main".into(),
        old_version: None,
        target: ReplaceTarget::Dir(PathBuf::from("../elsewhere")),
    });
    assert_eq!(compute(&input).expect("compute"), VendorTree::default());
    input.replaces[0].target = ReplaceTarget::Dir(PathBuf::from("./vendor/x"));
    input.replaces[0].old_path = "example.com/b".into();
    let error = compute(&input).expect_err("inside vendor");
    assert!(
        matches!(error, VendoringError::ReplacementInVendor { .. }),
        "{error:?}"
    );
}

#[test]
fn error_messages() {
    let error = VendoringError::AmbiguousImport {
        import: "example.com/a/b".into(),
        found: vec![
            ("example.com/a v1.0.0".into(), PathBuf::from("/m/a/b")),
            ("example.com/a/b v1.0.0".into(), PathBuf::from("/m/ab")),
        ],
    };
    assert_eq!(
        error.to_string(),
        "ambiguous import: found package example.com/a/b in multiple modules:\n\texample.com/a v1.0.0 (/m/a/b)\n\texample.com/a/b v1.0.0 (/m/ab)"
    );
}
