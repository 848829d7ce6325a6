//! Proves the test harness itself: the fixture GOPROXY tree is what the go command expects, every
//! fixture module downloads through the real go, every test project tidies to its committed
//! go.mod, builds, vets and runs online, go.sum gets written, and the offline helper really is
//! offline.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use crate::support::{
    self, GoDownload, Harness, PROJECTS, assert_failure, assert_stderr_contains, assert_success,
    escape, files_under, fixture, fixtures, go_downloads,
};

/// The files go extracted for a download, sorted as [`support::Fixture::zip_files`] lists them.
fn zip_files_of(d: &GoDownload) -> Vec<String> {
    assert!(!d.dir.is_empty(), "extracted: {d:?}");
    files_under(Path::new(&d.dir)).into_iter().collect()
}

#[test]
fn fixtures_cover_every_case() {
    let have: BTreeSet<(&str, &str)> = fixtures()
        .iter()
        .map(|f| (f.path.as_str(), f.version.as_str()))
        .collect();
    for want in [
        ("example.com/legacy", "v1.0.0"),
        ("example.com/legacy", "v2.0.0+incompatible"),
        ("example.com/Upper/Mixed", "v1.0.0"),
        ("example.com/pseudo", "v0.0.0-20240101000000-abcdefabcdef"),
        ("example.com/cgolib", "v1.0.0"),
        ("example.com/old116", "v1.0.0"),
        ("example.com/embedded", "v1.0.0"),
        ("example.com/multi", "v1.0.0"),
        ("example.com/multi", "v1.1.0"),
        ("example.com/multi", "v1.2.0"),
        ("example.com/modonly", "v1.0.0"),
        ("example.com/forks/multi", "v1.2.1"),
        ("example.com/tagged", "v1.0.0"),
        ("example.com/multi/v2", "v2.0.0"),
    ] {
        assert!(have.contains(&want), "missing fixture {want:?}");
    }
    assert!(!fixture("example.com/legacy", "v1.0.0").has_go_mod);
    assert!(!fixture("example.com/legacy", "v2.0.0+incompatible").has_go_mod);
}

#[test]
fn every_project_is_listed_and_checked() {
    let mut on_disk: Vec<String> = fs::read_dir(support::projects_dir())
        .expect("testdata/projects")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .collect();
    on_disk.sort();
    assert_eq!(on_disk, PROJECTS);
}

#[test]
fn proxy_tree_has_the_goproxy_layout() {
    requires_go!();
    let h = Harness::new();
    for f in fixtures() {
        let v = h.proxy_dir().join(escape(&f.path)).join("@v");
        let list = fs::read_to_string(v.join("list")).expect("@v/list");
        let pseudo = f.version.starts_with("v0.0.0-");
        assert_eq!(
            list.lines().any(|l| l == f.version),
            !pseudo,
            "{f:?} in {list:?}"
        );
        let info =
            fs::read_to_string(v.join(format!("{}.info", escape(&f.version)))).expect("info");
        let info: serde_json::Value = serde_json::from_str(&info).expect("info is JSON");
        assert_eq!(info["Version"], f.version.as_str());
        assert!(info["Time"].as_str().is_some_and(|t| t.ends_with('Z')));
        let gomod = fs::read(v.join(format!("{}.mod", escape(&f.version)))).expect("mod");
        assert_eq!(gomod, f.gomod());

        let zip = fs::File::open(v.join(format!("{}.zip", escape(&f.version)))).expect("zip");
        let zip = zip::ZipArchive::new(zip).expect("a zip");
        let prefix = format!("{}@{}/", f.path, f.version);
        let mut names: Vec<String> = zip
            .file_names()
            .map(|n| {
                let n = n.expect("a zip entry name");
                n.strip_prefix(&prefix).expect("prefixed").to_string()
            })
            .collect();
        names.sort();
        assert_eq!(names, f.zip_files(), "{f:?}");
    }
    assert_eq!(
        fixture("example.com/legacy", "v1.0.0").gomod(),
        b"module example.com/legacy\n"
    );
    assert!(
        h.proxy_dir()
            .join("example.com/!upper/!mixed/@v/list")
            .is_file()
    );
    let tagged = fixture("example.com/tagged", "v1.0.0").zip_files();
    assert!(tagged.contains(&"gen.go".to_string()));
    assert!(tagged.contains(&"testdata/sample.txt".to_string()));
    assert!(
        tagged
            .iter()
            .all(|f| !f.starts_with("vendor/") && !f.starts_with("inner/")),
        "vendor/ and the nested module stay out of the zip: {tagged:?}"
    );
}

#[test]
fn env_is_hermetic() {
    requires_go!();
    let h = Harness::new();
    let out = h.go_ok(
        h.root(),
        &[
            "env",
            "-json",
            "GOPROXY",
            "GOSUMDB",
            "GOMODCACHE",
            "GOPATH",
            "GOFLAGS",
            "GOWORK",
            "GOTOOLCHAIN",
            "GOENV",
            "CGO_ENABLED",
        ],
    );
    let env: serde_json::Value = serde_json::from_str(&out).expect("go env -json");
    assert_eq!(env["GOPROXY"], h.proxy_url().as_str());
    assert_eq!(env["GOSUMDB"], "off");
    assert_eq!(env["GOMODCACHE"], h.gomodcache().to_str().expect("utf-8"));
    assert_eq!(env["GOPATH"], h.gopath().to_str().expect("utf-8"));
    assert_eq!(env["GOFLAGS"], "-modcacherw");
    assert_eq!(env["GOWORK"], "off");
    assert_eq!(env["GOTOOLCHAIN"], "local");
    // GOENV=off: no go env file is read (go reports it as empty).
    assert_eq!(env["GOENV"], "");
    assert_eq!(env["CGO_ENABLED"], "1");
}

#[test]
fn every_fixture_downloads_with_go() {
    requires_go!();
    let h = Harness::new();
    let mut args = vec!["mod".to_string(), "download".into(), "-json".into()];
    args.extend(
        fixtures()
            .iter()
            .map(|f| format!("{}@{}", f.path, f.version)),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let got = go_downloads(h.go_ok(h.root(), &args).as_bytes());
    assert_eq!(got.len(), fixtures().len());
    for d in got {
        assert_eq!(d.error, None, "{d:?}");
        assert!(d.sum.starts_with("h1:"), "{d:?}");
        assert!(d.go_mod_sum.starts_with("h1:"), "{d:?}");
        let f = fixture(&d.path, &d.version);
        assert_eq!(zip_files_of(&d), f.zip_files(), "{d:?}");
    }
    h.go_ok(h.root(), &["clean", "-modcache"]);
}

/// Copy, tidy (which must not change the committed go.mod), download, build, vet, run.
fn check_project(name: &str, run_output: &[&str]) {
    requires_go!();
    let h = Harness::new();
    let dir = h.copy_project(name);
    let committed = fs::read_to_string(dir.join("go.mod")).expect("go.mod");
    h.go_mod_tidy(&dir);
    let tidied = fs::read_to_string(dir.join("go.mod")).expect("go.mod");
    assert_eq!(
        tidied, committed,
        "testdata/projects/{name}/go.mod is not tidy"
    );
    let sum = fs::read_to_string(dir.join("go.sum")).expect("go mod tidy wrote go.sum");
    assert!(!sum.is_empty());

    // `all` is the whole build list, so it includes modules go.sum only has the go.mod hash of.
    for d in go_downloads(
        h.go_ok(&dir, &["mod", "download", "-json", "all"])
            .as_bytes(),
    ) {
        assert_eq!(d.error, None, "{d:?}");
        let f = fixture(&d.path, &d.version);
        assert_eq!(zip_files_of(&d), f.zip_files(), "{d:?}");
        let gomod_line = format!("{} {}/go.mod {}\n", d.path, d.version, d.go_mod_sum);
        assert!(sum.contains(&gomod_line), "go.sum lacks {gomod_line}");
        let zip_line = format!("{} {} ", d.path, d.version);
        if let Some(start) = sum.find(&zip_line) {
            let recorded = sum[start + zip_line.len()..].lines().next();
            assert_eq!(recorded, Some(d.sum.as_str()), "{d:?}");
        }
    }
    h.go_ok(&dir, &["build", "./..."]);
    h.go_ok(&dir, &["vet", "./..."]);
    h.go_ok(&dir, &["mod", "verify"]);
    let out = h.go_ok(&dir, &["run", "."]);
    for want in run_output {
        assert!(
            out.contains(want),
            "`go run .` in {name} printed {out:?}, want {want:?}"
        );
    }
}

#[test]
fn project_basic_builds_online() {
    check_project(
        "basic",
        &[
            "example.com/Upper/Mixed",
            "embedded v1.0.0",
            "legacy v2.0.0+incompatible HI!",
            "multi v1.2.0 ab",
            "multi/v2 v2.0.0",
            "old116 with legacy v2.0.0+incompatible and multi v1.2.0",
            "abcdefabcdef",
            "tagged on linux",
        ],
    );
}

#[test]
fn project_cgo_builds_online() {
    check_project("cgo", &["cgolib 42"]);
}

#[test]
fn project_legacy116_builds_online() {
    check_project(
        "legacy116",
        &[
            "legacy v1.0.0",
            "old116 with legacy v1.0.0 and multi v1.1.0",
        ],
    );
}

#[test]
fn project_replaces_builds_online() {
    check_project(
        "replaces",
        &[
            "(local replacement)",
            "forks/multi v1.2.1 true",
            "old116 with legacy v1.0.0 and forks/multi v1.2.1",
        ],
    );
}

#[test]
fn offline_helper_has_no_modules_and_no_proxy() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("cgo");
    let out = h.go_offline(&dir, &["build", "./..."]);
    assert_failure(&out, "offline build with an empty module cache");
    assert_stderr_contains(&out, "GOPROXY=off");

    let alone = h.fresh_dir("standalone");
    fs::write(
        alone.join("go.mod"),
        "module example.com/alone\n\ngo 1.21\n",
    )
    .expect("go.mod");
    fs::write(alone.join("main.go"), "package main\n\nfunc main() {}\n").expect("main.go");
    assert_success(
        &h.go_offline(&alone, &["build", "./..."]),
        "offline build, no deps",
    );
}

#[test]
fn gomodoff_binary_runs_in_the_harness() {
    requires_go!();
    let h = Harness::new();
    let out = h.gomodoff(h.root(), &["--help"]);
    assert_success(&out, "gomodoff --help");
    assert!(support::stdout(&out).contains("gomodoff"));
}
