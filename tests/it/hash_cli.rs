//! `gomodoff hash`: the `h1:` lines it prints equal the ones the real go wrote to go.sum, for
//! every fixture module (zip, extracted directory, go.mod), and `hash --check` finds a module
//! cache whose content disagrees with go.sum.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;

use crate::support::{self, Harness, assert_stderr_contains, assert_success, stderr, stdout};

#[test]
fn hash_lines_equal_go_sum_for_every_fixture_module() {
    requires_go!();
    let h = Harness::new();
    let mut checked = 0;
    for name in support::PROJECTS {
        let dir = h.project(name);
        h.go_mod_download(&dir);
        let gosum = fs::read_to_string(dir.join("go.sum")).unwrap();
        let cache = h.gomodcache().join("cache/download");
        for line in gosum.lines() {
            let mut f = line.split(' ');
            let (path, version, want) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
            let esc = support::escape(path);
            if let Some(v) = version.strip_suffix("/go.mod") {
                let file = cache
                    .join(&esc)
                    .join("@v")
                    .join(format!("{}.mod", support::escape(v)));
                let out = h.gomodoff(
                    &dir,
                    &[
                        "hash",
                        "--gomod",
                        file.to_str().unwrap(),
                        "--module",
                        &format!("{path}@{v}"),
                    ],
                );
                assert_success(&out, "hash --gomod");
                assert_eq!(stdout(&out).trim(), line, "go.mod hash of {path}@{v}");
            } else {
                let zip = cache
                    .join(&esc)
                    .join("@v")
                    .join(format!("{}.zip", support::escape(version)));
                let m = format!("{path}@{version}");
                let out = h.gomodoff(
                    &dir,
                    &["hash", "--zip", zip.to_str().unwrap(), "--module", &m],
                );
                assert_success(&out, "hash --zip");
                assert_eq!(stdout(&out).trim(), line, "zip hash of {m}");
                let extracted = h
                    .gomodcache()
                    .join(format!("{esc}@{}", support::escape(version)));
                let out = h.gomodoff(
                    &dir,
                    &["hash", "--dir", extracted.to_str().unwrap(), "--module", &m],
                );
                assert_success(&out, "hash --dir");
                assert_eq!(
                    stdout(&out).trim().rsplit(' ').next(),
                    Some(want),
                    "dir hash of {m}"
                );
            }
            checked += 1;
        }
        let out = h.gomodoff(&dir, &["hash", "--check"]);
        assert_success(&out, "hash --check on a clean cache");
        assert_stderr_contains(&out, " 0 differ");
    }
    assert!(checked >= 30, "only {checked} go.sum lines checked");
}

#[test]
fn hash_check_names_the_module_whose_cache_content_disagrees() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    h.go_mod_download(&dir);
    // Junk in an extracted directory changes what go would build from it.
    let extracted = h.gomodcache().join("example.com/embedded@v1.0.0");
    fs::write(extracted.join(".DS_Store"), "junk").unwrap();
    // A go.mod in the download cache with one byte changed.
    let mod_file = h
        .gomodcache()
        .join("cache/download/example.com/tagged/@v/v1.0.0.mod");
    let mut bytes = fs::read(&mod_file).unwrap();
    bytes.push(b'\n');
    fs::write(&mod_file, bytes).unwrap();

    let out = h.gomodoff(&dir, &["hash", "--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("mismatch example.com/embedded@v1.0.0: zip"),
        "{text}"
    );
    assert!(text.contains("extracted"), "{text}");
    assert!(
        text.contains("mismatch example.com/tagged@v1.0.0/go.mod: go.mod"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 2, "{text}");
}

#[test]
fn hash_errors_are_clear() {
    requires_go!();
    let h = Harness::new();
    let dir = h.fresh_dir("empty");
    let out = h.gomodoff(
        &dir,
        &[
            "hash",
            "--zip",
            "nope.zip",
            "--module",
            "example.com/a@v1.0.0",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(&out, "nope.zip");
    let out = h.gomodoff(&dir, &["hash", "--dir", ".", "--module", "not a module"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(&out, "--module `not a module`");
    let out = h.gomodoff(&dir, &["hash"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(&out, "say what to hash");
}
