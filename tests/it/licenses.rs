//! `gomodoff licenses` over what each mode laid out (replace-mode trees, `vendor/`, proxy-mode
//! zips) and over a bundle (`--from`), on modules carrying the real licence texts of
//! `testdata/licenses/`; the `[licenses]` policy enforced by `licenses --check` and
//! `status --check`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{Harness, assert_failure, assert_success, stdout};

/// The fixture modules: `example.com/lic/<case>` v1.0.0, each holding the files of
/// `testdata/licenses/<case>/` and a package at its root (a package in `pkg/` for
/// `subdir-only`, whose licence is in a subdirectory), with the expression the module must get:
/// `partial` has an unidentified licence file below its root (a logo's terms), `readme` a
/// BSD-3-Clause text in the README of a package in a subdirectory that its root package imports
/// (laid out in every mode: go mod vendor copies a package directory's files).
pub const CASES: &[(&str, &str)] = &[
    ("mit", "MIT"),
    ("apache-notice", "Apache-2.0"),
    ("bsd-3", "BSD-3-Clause"),
    ("mpl-2.0", "MPL-2.0"),
    ("dual-files", "Apache-2.0 AND MIT"),
    ("dual-one-file", "Apache-2.0 OR MIT"),
    ("subdir", "BSD-3-Clause AND MIT"),
    ("partial", "MIT AND LicenseRef-unknown-assets-LICENSE.md"),
    ("readme", "BSD-3-Clause AND ISC"),
    ("modified", "unknown"),
    ("none", "none"),
];

fn licenses_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/licenses")
}

/// A harness whose proxy holds the fixture modules, and a main module importing each.
pub fn project(h: &Harness) -> PathBuf {
    for (case, _) in CASES {
        let path = format!("example.com/lic/{case}");
        let root = licenses_dir().join(case);
        let mut owned: Vec<(String, String)> = Vec::new();
        for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
            let entry = entry.unwrap();
            if entry.file_type().is_file() {
                let rel = entry
                    .path()
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                let text = fs::read_to_string(entry.path()).unwrap();
                let text = if *case == "readme" && rel == "a.go" {
                    // The package whose README holds the licence is one the build uses.
                    "package readme\n\nimport _ \"example.com/lic/readme/internal/goautoneg\"\n"
                        .to_string()
                } else if rel.ends_with(".go") {
                    format!("package {}\n", case.replace(['-', '.'], ""))
                } else {
                    text
                };
                owned.push((rel, text));
            }
        }
        owned.push(("go.mod".into(), format!("module {path}\n\ngo 1.21\n")));
        let files: Vec<(&str, &str)> = owned
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        h.publish(&path, "v1.0.0", &files);
    }
    let main = h.root().join("main");
    fs::create_dir_all(&main).unwrap();
    let mut go_mod = "module example.com/main\n\ngo 1.21\n\nrequire (\n".to_string();
    let mut main_go = "package main\n\nimport (\n".to_string();
    for (case, _) in CASES {
        go_mod.push_str(&format!("\texample.com/lic/{case} v1.0.0\n"));
        main_go.push_str(&format!("\t_ \"example.com/lic/{case}\"\n"));
    }
    go_mod.push_str(")\n");
    main_go.push_str(")\n\nfunc main() {}\n");
    fs::write(main.join("go.mod"), go_mod).unwrap();
    fs::write(main.join("main.go"), main_go).unwrap();
    h.go_ok(&main, &["mod", "download", "all"]);
    h.go_ok(&main, &["mod", "tidy"]);
    main
}

/// module → (expression or status, file paths) from `licenses --json`.
fn licences(out: &std::process::Output) -> Vec<(String, String, Vec<String>)> {
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], "gomodoff/licenses/v1");
    doc["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let expr = m["expression"]
                .as_str()
                .or(m["status"].as_str())
                .unwrap_or("gomod")
                .to_string();
            let files = m["files"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["path"].as_str().unwrap().to_string())
                .collect();
            (m["module"].as_str().unwrap().to_string(), expr, files)
        })
        .collect()
}

fn assert_expected(got: &[(String, String, Vec<String>)], mode: &str) {
    for (case, want) in CASES {
        let path = format!("example.com/lic/{case}");
        let (_, expr, files) = got
            .iter()
            .find(|(m, _, _)| *m == path)
            .unwrap_or_else(|| panic!("{mode}: {path} missing from {got:?}"));
        assert_eq!(expr, want, "{mode}: {path}");
        if *case == "apache-notice" {
            assert_eq!(files, &["LICENSE.txt", "NOTICE"], "{mode}");
        }
        if *case == "subdir" {
            assert_eq!(
                files,
                &["LICENSE", "internal/third_party/fastjson/LICENSE"],
                "{mode}"
            );
        }
        if *case == "readme" {
            assert_eq!(
                files,
                &["LICENSE", "internal/goautoneg/README.txt"],
                "{mode}"
            );
        }
    }
}

#[test]
fn every_mode_reports_the_licences_it_laid_out() {
    requires_go!();
    for mode in ["replace", "vendor", "proxy"] {
        let h = Harness::new();
        let main = project(&h);
        let out = h.gomodoff(&main, &["vendor", "--mode", mode, "--yes"]);
        assert_success(&out, "vendor");
        let out = h.gomodoff(&main, &["licenses", "--json"]);
        assert_success(&out, "licenses --json");
        let got = licences(&out);
        // vendor/ holds only the licence files of the directories above a vendored package
        // (go mod vendor's rule): the subdirectory licence of `subdir` and the logo terms of
        // `partial` (in no package directory) are not copied there.
        if mode == "vendor" {
            let vendored: &[(&str, &str)] = &[("subdir", "MIT"), ("partial", "MIT")];
            for (case, want) in CASES {
                let path = format!("example.com/lic/{case}");
                let want = vendored
                    .iter()
                    .find(|(c, _)| c == case)
                    .map_or(*want, |(_, w)| *w);
                let (_, expr, files) = got.iter().find(|(m, _, _)| *m == path).unwrap();
                assert_eq!(expr, want, "vendor: {path}");
                if vendored.iter().any(|(c, _)| c == case) {
                    assert_eq!(files, &["LICENSE"], "vendor: {path}");
                }
            }
        } else {
            assert_expected(&got, mode);
        }
        let table = h.gomodoff(&main, &["licenses"]);
        assert_success(&table, "licenses");
        let text = stdout(&table);
        assert!(text.starts_with("MODULE"), "{text}");
        assert!(
            text.lines()
                .any(|l| l.starts_with("example.com/lic/modified")
                    && l.contains("unknown")
                    && l.contains("LICENSE (resembles MIT")),
            "{text}"
        );
        if mode != "vendor" {
            assert!(
                text.lines()
                    .any(|l| l.starts_with("example.com/lic/partial")
                        && l.contains("MIT AND LicenseRef-unknown-assets-LICENSE.md")
                        && l.contains("assets/LICENSE.md (unknown)")),
                "{text}"
            );
        }
    }
}

#[test]
fn a_bundle_is_read_without_a_repository() {
    requires_go!();
    let h = Harness::new();
    let main = project(&h);
    let bundle = h.root().join("deps.zip");
    let out = h.gomodoff(&main, &["pack", "-o", bundle.to_str().unwrap()]);
    assert_success(&out, "pack");
    let elsewhere = h.fresh_dir("elsewhere");
    let out = h.gomodoff(
        &elsewhere,
        &["licenses", "--json", "--from", bundle.to_str().unwrap()],
    );
    assert_success(&out, "licenses --from");
    assert_expected(&licences(&out), "bundle");
}

#[test]
fn the_policy_fails_a_denied_licence_and_passes_an_exception() {
    requires_go!();
    let h = Harness::new();
    let main = project(&h);
    assert_success(&h.gomodoff(&main, &["vendor", "--yes"]), "vendor");
    let base = "[licenses]\nallow = [\"MIT\", \"Apache-2.0\", \"BSD-3-Clause\", \"ISC\"]\ndeny = [\"MPL-2.0\"]\n";
    let reviewed = "[[licenses.exceptions]]\nmodule = \"example.com/lic/partial\"\nreason = \"the logo terms in assets/ reviewed: we do not ship the logo\"\n\n[[licenses.exceptions]]\nmodule = \"example.com/lic/modified\"\nreason = \"reviewed: evaluation-only terms accepted for this internal tool\"\n\n[[licenses.exceptions]]\nmodule = \"example.com/lic/none\"\nreason = \"written by us, same licence as the main module\"\n";
    fs::write(main.join("gomodoff.toml"), format!("{base}\n{reviewed}")).unwrap();
    let out = h.gomodoff(&main, &["licenses", "--check"]);
    assert_failure(&out, "licenses --check with MPL-2.0 denied");
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let violations: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("violation:"))
        .collect();
    assert_eq!(
        violations,
        [
            "violation: example.com/lic/mpl-2.0@v1.0.0: `MPL-2.0`: `MPL-2.0` is denied by gomodoff.toml [licenses]"
        ],
        "{text}"
    );
    let out = h.gomodoff(&main, &["status", "--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("example.com/lic/mpl-2.0@v1.0.0: `MPL-2.0`: `MPL-2.0` is denied"),
        "{}",
        stdout(&out)
    );
    // Without the exceptions, the unknown and the missing licence fail too.
    fs::write(main.join("gomodoff.toml"), base).unwrap();
    let out = h.gomodoff(&main, &["licenses", "--check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(
            "violation: example.com/lic/modified@v1.0.0: licence unknown (`LICENSE` resembles MIT"
        ),
        "{text}"
    );
    assert!(
        text.contains("violation: example.com/lic/none@v1.0.0: has no licence file"),
        "{text}"
    );
    // A module whose own licence is allowed fails for an unidentified file below its root,
    // named in the violation.
    assert!(
        text.contains("violation: example.com/lic/partial@v1.0.0: `MIT AND LicenseRef-unknown-assets-LICENSE.md`: `LicenseRef-unknown-assets-LICENSE.md` is a licence file gomodoff could not identify (`assets/LICENSE.md` matches no licence)"),
        "{text}"
    );
    let out = h.gomodoff(&main, &["status", "--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains(
            "example.com/lic/partial@v1.0.0: `MIT AND LicenseRef-unknown-assets-LICENSE.md`"
        ),
        "{}",
        stdout(&out)
    );
    // An exception with a reason lets the denied licence through.
    let allowed = format!(
        "{base}\n{reviewed}\n[[licenses.exceptions]]\nmodule = \"example.com/lic/mpl-2.0\"\nallow = [\"MPL-2.0\"]\nreason = \"file-level copyleft, used unmodified\"\n"
    );
    fs::write(main.join("gomodoff.toml"), &allowed).unwrap();
    let out = h.gomodoff(&main, &["licenses", "--check"]);
    assert_success(&out, "licenses --check with an exception");
    assert!(stdout(&out).contains("licence policy: every module passes"));
    let out = h.gomodoff(&main, &["status", "--check"]);
    assert_success(&out, "status --check with an exception");
    // An exception without a reason is an error, not a pass.
    fs::write(
        main.join("gomodoff.toml"),
        format!("{base}\n[[licenses.exceptions]]\nmodule = \"example.com/lic/mpl-2.0\"\nallow = [\"MPL-2.0\"]\n"),
    )
    .unwrap();
    let out = h.gomodoff(&main, &["licenses", "--check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        crate::support::stderr(&out).contains("has no `reason`"),
        "{}",
        crate::support::stderr(&out)
    );
}
