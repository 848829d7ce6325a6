//! Oracle tests for `gomodoff::modules_txt`: modules.txt files written by the installed
//! `go mod vendor` / `go work vendor` must parse, say what the go.mod said, and print back byte
//! for byte.

use std::fs;

use gomodoff::modules_txt::{ModulesTxt, VendoredModule};

use crate::support::Harness;

/// A module in the test proxy: path, version, go.mod, package files.
type Published = (
    &'static str,
    &'static str,
    String,
    Vec<(&'static str, &'static str)>,
);

/// Modules published to the test proxy. The go command
/// raises the main module's go line to its dependencies' (Go ≥ 1.21), so a main module with an
/// old go line gets dependencies with old go lines (`high` false).
fn modules(high: bool) -> Vec<Published> {
    let go = |high_version: &str, low_version: &str| {
        if high {
            high_version.to_string()
        } else {
            low_version.to_string()
        }
    };
    vec![
        (
            "example.com/a",
            "v1.0.0",
            format!(
                "module example.com/a\n\ngo {}\n\nrequire example.com/b v1.0.0\n",
                go("1.18", "1.12")
            ),
            vec![
                ("a.go", "package a\n\nimport _ \"example.com/b\"\n"),
                ("inner/i.go", "package inner\n"),
            ],
        ),
        (
            "example.com/b",
            "v1.0.0",
            "module example.com/b\n".to_string(),
            vec![("b.go", "package b\n")],
        ),
        (
            "example.com/c",
            "v1.0.0",
            format!("module example.com/c\n\ngo {}\n", go("1.17", "1.11")),
            vec![("c.go", "package c\n")],
        ),
        (
            "example.com/cfork",
            "v1.1.0",
            format!("module example.com/c\n\ngo {}\n", go("1.19", "1.12")),
            vec![("c.go", "package c\n")],
        ),
        (
            "example.com/tool",
            "v1.0.0",
            format!("module example.com/tool\n\ngo {}\n", go("1.21.0", "1.13")),
            vec![("t.go", "package tool\n")],
        ),
    ]
}

const MAIN_GO: &str = "package main\n\nimport (\n\t_ \"example.com/a\"\n\t_ \"example.com/a/inner\"\n\t_ \"example.com/c\"\n\t_ \"example.com/d\"\n)\n\nfunc main() {}\n";

fn main_go_mod(go_version: &str) -> String {
    format!(
        "module example.com/main\n\ngo {go_version}\n\nrequire (\n\texample.com/a v1.0.0\n\texample.com/c v1.0.0\n\texample.com/d v1.0.0\n\texample.com/tool v1.0.0\n)\n\nrequire example.com/b v1.0.0 // indirect\n\nreplace example.com/c => example.com/cfork v1.1.0\n\nreplace example.com/d v1.0.0 => ../d\n\nreplace example.com/unused => example.com/a v1.0.0\n\nreplace example.com/unused2 v1.2.3 => ../nowhere\n"
    )
}

/// A harness whose proxy also holds [`modules`], with the directory module `d` in its root.
fn harness(high: bool) -> Harness {
    let h = Harness::new();
    for (path, version, go_mod, files) in modules(high) {
        let mut files: Vec<(&str, &str)> = files;
        files.push(("go.mod", &go_mod));
        h.publish(path, version, &files);
    }
    let d = h.root().join("d");
    fs::create_dir_all(&d).expect("mkdir");
    let d_go = if high { "1.21" } else { "1.13" };
    fs::write(
        d.join("go.mod"),
        format!("module example.com/d\n\ngo {d_go}\n"),
    )
    .expect("go.mod");
    fs::write(d.join("d.go"), "package d\n").expect("d.go");
    h
}

fn module<'a>(txt: &'a ModulesTxt, path: &str) -> &'a VendoredModule {
    txt.modules
        .iter()
        .find(|m| m.path == path)
        .unwrap_or_else(|| panic!("{path} not in modules.txt:\n{}", txt.render()))
}

#[test]
fn go_mod_vendor_output_round_trips() {
    for go_version in ["1.13", "1.16", "1.17", "1.21", "1.23"] {
        let high = matches!(go_version, "1.21" | "1.23");
        let annotated = go_version != "1.13";
        let with_go = !matches!(go_version, "1.13" | "1.16");
        requires_go!();
        let h = harness(high);
        let pick = |high_version: &'static str, low_version: &'static str| {
            with_go.then_some(if high { high_version } else { low_version })
        };
        let main = h.root().join("main");
        fs::create_dir_all(&main).expect("mkdir");
        fs::write(main.join("go.mod"), main_go_mod(go_version)).expect("go.mod");
        fs::write(main.join("main.go"), MAIN_GO).expect("main.go");
        // Not `go mod tidy`: it would raise the go line to the dependencies' and drop `tool`.
        h.go_ok(
            &main,
            &[
                "mod",
                "download",
                "example.com/a",
                "example.com/b",
                "example.com/c",
                "example.com/tool",
            ],
        );
        h.go_ok(&main, &["mod", "vendor"]);
        let text = fs::read_to_string(main.join("vendor/modules.txt")).expect("modules.txt");
        let txt = ModulesTxt::parse("vendor/modules.txt", &text).expect(&text);
        assert_eq!(txt.render(), text, "go {go_version}");
        assert!(!txt.workspace);

        let a = module(&txt, "example.com/a");
        assert_eq!(a.packages, ["example.com/a", "example.com/a/inner"]);
        assert_eq!(a.explicit, annotated, "go {go_version}:\n{text}");
        assert_eq!(a.go_version.as_deref(), pick("1.18", "1.12"));
        let b = module(&txt, "example.com/b");
        assert_eq!(b.go_version, None, "b's go.mod has no go line");
        let c = module(&txt, "example.com/c");
        assert_eq!(
            c.replacement,
            Some(("example.com/cfork".to_string(), Some("v1.1.0".to_string())))
        );
        assert_eq!(c.go_version.as_deref(), pick("1.19", "1.12"));
        let d = module(&txt, "example.com/d");
        assert_eq!(d.replacement, Some(("../d".to_string(), None)));
        assert_eq!(d.go_version.as_deref(), pick("1.21", "1.13"));
        if annotated {
            // Explicitly required but providing no package: listed with no packages.
            let tool = module(&txt, "example.com/tool");
            assert!(tool.explicit && tool.packages.is_empty());
            assert_eq!(tool.go_version.as_deref(), pick("1.21.0", "1.13"));
            // Wildcard replacements are written again at the end, used or not.
            let trailing: Vec<_> = txt
                .trailing_replaces
                .iter()
                .map(|(old, old_v, new, new_v)| {
                    (
                        old.as_str(),
                        old_v.as_deref(),
                        new.as_str(),
                        new_v.as_deref(),
                    )
                })
                .collect();
            assert!(trailing.contains(&(
                "example.com/c",
                None,
                "example.com/cfork",
                Some("v1.1.0")
            )));
            assert!(trailing.contains(&(
                "example.com/unused",
                None,
                "example.com/a",
                Some("v1.0.0")
            )));
            assert!(trailing.contains(&(
                "example.com/unused2",
                Some("v1.2.3"),
                "../nowhere",
                None
            )));
        } else {
            assert!(txt.trailing_replaces.is_empty());
            assert!(txt.modules.iter().all(|m| !m.packages.is_empty()));
        }
    }
}

#[test]
fn go_work_vendor_output_round_trips() {
    requires_go!();
    let h = harness(true);
    let main = h.root().join("ws-main");
    fs::create_dir_all(&main).expect("mkdir");
    fs::write(
        main.join("go.mod"),
        "module example.com/main\n\ngo 1.22\n\nrequire example.com/a v1.0.0\n",
    )
    .expect("go.mod");
    fs::write(
        main.join("main.go"),
        "package main\n\nimport (\n\t_ \"example.com/a\"\n\t_ \"example.com/d\"\n)\n\nfunc main() {}\n",
    )
    .expect("main.go");
    h.go_ok(
        &main,
        &["mod", "download", "example.com/a", "example.com/b"],
    );
    h.go_ok(&main, &["get", "example.com/a@v1.0.0"]);
    let work = h.root().join("go.work");
    fs::write(
        &work,
        "go 1.22\n\nuse (\n\t./ws-main\n\t./d\n)\n\nreplace example.com/unused => example.com/a v1.0.0\n",
    )
    .expect("go.work");
    h.go_ok_with_env(
        h.root(),
        &["work", "vendor"],
        &[("GOWORK", work.to_str().expect("temp paths are UTF-8"))],
    );
    let text = fs::read_to_string(h.root().join("vendor/modules.txt")).expect("modules.txt");
    let txt = ModulesTxt::parse("vendor/modules.txt", &text).expect(&text);
    assert!(txt.workspace);
    assert!(text.starts_with("## workspace\n"));
    assert_eq!(txt.render(), text);
    assert_eq!(
        module(&txt, "example.com/a").go_version.as_deref(),
        Some("1.18")
    );
    assert_eq!(
        txt.trailing_replaces,
        [(
            "example.com/unused".to_string(),
            None,
            "example.com/a".to_string(),
            Some("v1.0.0".to_string())
        )]
    );
}

#[test]
fn errors_name_the_file_and_line() {
    let cases = [
        (
            "# example.com/a v1.0.0\n## explicit\nexample.com/a\n\n",
            "vendor/modules.txt:4: unexpected blank line",
        ),
        (
            "# example.com/a v1.0.0\n## explicit; go1.21\n",
            "vendor/modules.txt:2: unknown annotation",
        ),
        (
            "## workspace\n## workspace\n",
            "vendor/modules.txt:2: annotation without a module line before it",
        ),
        (
            "# example.com/a v1.0.0\n",
            "vendor/modules.txt:1: module line with no packages or annotation",
        ),
    ];
    for (text, want) in cases {
        let err = ModulesTxt::parse("vendor/modules.txt", text).expect_err(text);
        assert_eq!(err.to_string(), want);
    }
}
