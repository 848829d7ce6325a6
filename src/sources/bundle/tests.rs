//! Unit tests of bundles and trees: manifest parsing, write and unpack round trips, hostile
//! bundles, verify findings and merges.

use crate::formats::dirhash;

use super::*;

fn mv(p: &str, v: &str) -> ModuleVersion {
    ModuleVersion {
        path: p.into(),
        version: v.into(),
    }
}

fn entry(p: &str, v: &str, zip: bool) -> ManifestModule {
    ManifestModule {
        path: p.into(),
        version: v.into(),
        zip_h1: zip.then(|| dirhash::hash_gomod(b"zip")),
        gomod_h1: Some(dirhash::hash_gomod(b"mod")),
        info: zip,
    }
}

/// The versions of one module path, and none of a path it is a prefix of or that sorts next to it.
#[test]
fn versions_of_is_one_module_path() {
    let mut m = Manifest::new();
    for (p, v) in [
        ("example.com/a", "v1.0.0"),
        ("example.com/a", "v1.10.0"),
        ("example.com/a", "v1.2.0"),
        ("example.com/a/b", "v1.0.0"),
        ("example.com/a-", "v1.0.0"),
        ("example.com/ab", "v1.0.0"),
        ("example.com/", "v1.0.0"),
    ] {
        m.add(entry(p, v, true)).unwrap();
    }
    let got: Vec<(&str, &str)> = m
        .versions_of("example.com/a")
        .map(|e| (e.path.as_str(), e.version.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("example.com/a", "v1.0.0"),
            ("example.com/a", "v1.10.0"),
            ("example.com/a", "v1.2.0")
        ]
    );
    assert_eq!(m.versions_of("example.com/a/b").count(), 1);
    assert_eq!(m.versions_of("example.com/c").count(), 0);
    assert_eq!(
        list_text(m.versions_of("example.com/a").map(|e| e.version.as_str())),
        "v1.0.0\nv1.2.0\nv1.10.0\n"
    );
}

/// `render` appends one table per module: the text must be the one document holding them all
/// would have, byte for byte (bundles are reproducible).
#[test]
fn manifest_renders_as_one_document() {
    let mut m = Manifest::new();
    m.repos.insert("example.com/main".into());
    m.workspace = true;
    for (p, v, z) in [
        ("example.com/a", "v1.0.0", true),
        ("example.com/b", "v1.0.0", false),
        ("example.com/c", "v2.0.0+incompatible", true),
    ] {
        m.add(entry(p, v, z)).unwrap();
    }
    let text = m.render();
    let mut whole = toml_edit::DocumentMut::new();
    let header = text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect::<String>();
    whole.decor_mut().set_prefix(header);
    whole["format"] = toml_edit::value(FORMAT);
    whole["repos"] = toml_edit::value(toml_edit::Array::from_iter(["example.com/main"]));
    whole["workspace"] = toml_edit::value(true);
    let mut arr = toml_edit::ArrayOfTables::new();
    for e in m.modules() {
        arr.push(manifest::module_table(e));
    }
    whole["module"] = toml_edit::Item::ArrayOfTables(arr);
    assert_eq!(text, whole.to_string());
    assert_eq!(Manifest::parse("m", &text).unwrap(), m);
    // Read a table at a time, or as one document when the text is in another shape.
    let spaced = text.replace("[[module]]", "[[ module ]]");
    assert_ne!(spaced, text);
    assert_eq!(Manifest::parse("m", &spaced).unwrap(), m);
}

#[test]
fn manifest_round_trips_and_sorts_by_semver() {
    let mut m = Manifest::new();
    m.repos.insert("example.com/main".into());
    for (p, v, z) in [
        ("example.com/Upper", "v1.10.0", true),
        ("example.com/Upper", "v1.9.0", false),
        ("example.com/a", "v0.0.0-20240102030405-abcdefabcdef", true),
    ] {
        m.add(entry(p, v, z)).unwrap();
    }
    let text = m.render();
    assert!(!text.contains("workspace"), "written only when true");
    let back = Manifest::parse("m", &text).unwrap();
    assert_eq!(back, m);
    let mut ws = m.clone();
    ws.workspace = true;
    let ws_text = ws.render();
    assert!(ws_text.contains("workspace = true"));
    assert_eq!(Manifest::parse("m", &ws_text).unwrap(), ws);
    let err = Manifest::parse("m", &ws_text.replace("workspace = true", "workspace = 1"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("`workspace` must be true or false"), "{err}");
    let order: Vec<String> = back
        .modules()
        .iter()
        .map(|e| e.module().to_string())
        .collect();
    assert_eq!(
        order,
        [
            "example.com/Upper@v1.9.0",
            "example.com/Upper@v1.10.0",
            "example.com/a@v0.0.0-20240102030405-abcdefabcdef"
        ]
    );
    let files: Vec<String> = m.expected_files().unwrap().into_keys().collect();
    assert_eq!(
        files,
        [
            "example.com/!upper/@v/list",
            "example.com/!upper/@v/v1.10.0.info",
            "example.com/!upper/@v/v1.10.0.mod",
            "example.com/!upper/@v/v1.10.0.zip",
            "example.com/!upper/@v/v1.9.0.mod",
            "example.com/a/@v/list",
            "example.com/a/@v/v0.0.0-20240102030405-abcdefabcdef.info",
            "example.com/a/@v/v0.0.0-20240102030405-abcdefabcdef.mod",
            "example.com/a/@v/v0.0.0-20240102030405-abcdefabcdef.zip",
        ]
    );
}

#[test]
fn merging_keeps_zips_and_refuses_different_hashes() {
    let mut m = Manifest::new();
    m.add(entry("example.com/a", "v1.0.0", false)).unwrap();
    m.add(entry("example.com/a", "v1.0.0", true)).unwrap();
    assert!(
        m.get(&mv("example.com/a", "v1.0.0"))
            .unwrap()
            .zip_h1
            .is_some()
    );
    m.add(entry("example.com/a", "v1.0.0", false)).unwrap();
    assert!(m.get(&mv("example.com/a", "v1.0.0")).unwrap().info);
    let mut other = entry("example.com/a", "v1.0.0", true);
    other.gomod_h1 = Some(dirhash::hash_gomod(b"other"));
    let err = m.add(other).unwrap_err().to_string();
    assert!(
        err.starts_with("`example.com/a@v1.0.0`: go.mod hashes to"),
        "{err}"
    );
}

#[test]
fn hostile_manifests_are_refused() {
    let good = {
        let mut m = Manifest::new();
        m.add(entry("example.com/a", "v1.0.0", true)).unwrap();
        m.render()
    };
    let cases: Vec<(String, &str)> = vec![
        (
            good.replace("format = 1", "format = 2"),
            "unsupported manifest format 2",
        ),
        (
            good.replace("example.com/a", "../../etc"),
            "module #1: malformed module path",
        ),
        (good.replace("v1.0.0", "v1.0"), "not canonical"),
        (
            good.replace("info = true", "info = true\nextra = 1"),
            "unknown key `extra`",
        ),
        (
            good.replace("zip_h1 = \"h1:", "zip_h1 = \"h2:"),
            "is not an h1: hash",
        ),
        (
            format!(
                "{good}\n[[module]]\npath = \"example.com/a\"\nversion = \"v1.0.0\"\ngomod_h1 = \"{}\"\ngosum = [\"example.com/a v1.0.0/go.mod {}\"]\n",
                dirhash::hash_gomod(b"mod"),
                dirhash::hash_gomod(b"mod")
            ),
            "listed twice",
        ),
        (
            good.replace("/go.mod h1:", "/go.mod h1:A"),
            "go.sum lines do not match",
        ),
    ];
    for (text, want) in cases {
        let err = Manifest::parse("bundle.zip: gomodoff-manifest.toml", &text)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("bundle.zip: gomodoff-manifest.toml: "),
            "{err}"
        );
        assert!(err.contains(want), "want {want:?} in {err}");
    }
}

#[test]
fn info_is_normalised_and_checked() {
    let m = mv("example.com/a", "v1.2.3");
    assert_eq!(info_json(&m), br#"{"Version":"v1.2.3"}"#);
    let pseudo = mv("example.com/a", "v0.0.0-20240102030405-abcdefabcdef");
    assert_eq!(
        info_json(&pseudo),
        br#"{"Version":"v0.0.0-20240102030405-abcdefabcdef","Time":"2024-01-02T03:04:05Z"}"#
    );
    assert_eq!(
        pseudo_time("v1.2.4-0.20240102030405-abcdefabcdef+incompatible").as_deref(),
        Some("2024-01-02T03:04:05Z")
    );
    assert_eq!(pseudo_time("v1.2.3"), None);
    for (bytes, ok) in [
        (&br#"{"Version":"v1.2.3"}"#[..], true),
        (
            br#"{"Version":"v1.2.3","Time":"2023-05-06T07:08:09.5+02:00"}"#,
            true,
        ),
        (br#"{"Version":"v1.2.4"}"#, false),
        (br#"{"Version":"v1.2.3","Time":"yesterday"}"#, false),
        (br#"{"Version":"v1.2.3","Extra":1}"#, false),
        (b"[]", false),
    ] {
        assert_eq!(
            check_info(&m, bytes).is_ok(),
            ok,
            "{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

#[test]
fn lists_are_in_semver_order() {
    assert_eq!(
        list_text([
            "v1.10.0",
            "v1.2.0",
            "v1.2.0-rc.1",
            "v0.0.0-20240101000000-abcdefabcdef",
            "v2.0.0+incompatible",
            "v1.2.0"
        ]),
        "v0.0.0-20240101000000-abcdefabcdef\nv1.2.0-rc.1\nv1.2.0\nv1.10.0\nv2.0.0+incompatible\n"
    );
    assert_eq!(list_text([]), "");
}

/// A bundle holding one go.mod-only module, and that module's `.mod` entry name.
fn gomod_only_bundle(dir: &Path) -> (PathBuf, String) {
    let gomod = b"module example.com/m\n\ngo 1.22\n".to_vec();
    let entry = ManifestModule {
        path: "example.com/m".into(),
        version: "v1.0.0".into(),
        zip_h1: None,
        gomod_h1: Some(dirhash::hash_gomod(&gomod)),
        info: false,
    };
    let mut manifest = Manifest::new();
    manifest.add(entry.clone()).unwrap();
    let content = ModuleContent {
        entry,
        gomod: Some(gomod),
        zip: None,
        info: None,
    };
    let path = dir.join("bundle.zip");
    write_bundle(&path, &manifest, &[content], &ExtraFiles::new()).unwrap();
    (path, "example.com/m/@v/v1.0.0.mod".into())
}

/// A full disk while unpacking names the file and the OS error and does not blame the
/// bundle. `/dev/full` fails every write with ENOSPC.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_not_the_bundles_fault() {
    let dir = tempfile::tempdir().unwrap();
    let (bundle, name) = gomod_only_bundle(dir.path());
    let dest = dir.path().join("staging");
    fs::create_dir(&dest).unwrap();
    unpack(&bundle, &dest, None).unwrap();
    let dest = dir.path().join("full");
    let to = dest.join(&name);
    fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink("/dev/full", &to).unwrap();
    let err = unpack(&bundle, &dest, None).unwrap_err();
    assert!(err.is_write(), "{err:?}");
    let text = err.to_string();
    assert!(!text.contains("refusing bundle"), "{text}");
    assert!(text.contains(&to.display().to_string()), "{text}");
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(source.contains("No space left on device"), "{source}");
}

#[test]
fn merge_tree_stops_at_the_step_the_hook_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (bundle, name) = gomod_only_bundle(dir.path());
    for (step, moved, listed) in [
        ("merge:first-moved", true, false),
        ("merge:moved", true, false),
        ("merge:listed", true, true),
    ] {
        let staged = dir.path().join(format!("staged-{step}"));
        fs::create_dir(&staged).unwrap();
        let (manifest, _) = unpack(&bundle, &staged, None).unwrap();
        let target = dir.path().join(format!("target-{step}"));
        let hook = |s: &str| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
            if s == step { Err(s.into()) } else { Ok(()) }
        };
        let err = merge_tree(&staged, &target, &manifest, Layout::Tree, false, &hook).unwrap_err();
        assert_eq!(err.to_string(), step);
        assert_eq!(target.join(&name).is_file(), moved, "{step}");
        assert_eq!(
            target.join("example.com/m/@v/list").is_file(),
            listed,
            "{step}"
        );
        assert!(
            !target.join(MANIFEST_FILE).exists(),
            "{step}: manifest last"
        );
        // Merging again completes the tree.
        merge_tree(
            &staged,
            &target,
            &manifest,
            Layout::Tree,
            false,
            &|_| Ok(()),
        )
        .unwrap();
        let report = verify_tree(&target).unwrap();
        assert!(report.findings.is_empty(), "{step}: {:?}", report.findings);
    }
}

#[test]
fn a_manifest_with_a_database_part_round_trips_and_lists_its_files() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/seeds/bundle_manifest/sumdb.toml"),
    )
    .unwrap();
    let m = Manifest::parse("sumdb.toml", &text).unwrap();
    let part = m.sumdb.as_ref().unwrap();
    assert_eq!(part.name, "sum.golang.org");
    assert_eq!(part.records.len(), 2);
    assert_eq!(Manifest::parse("again", &m.render()).unwrap(), m);
    let files = m.expected_files().unwrap();
    for name in [
        "sumdb/sum.golang.org/supported",
        "sumdb/sum.golang.org/latest",
        "sumdb/sum.golang.org/lookup/example.com/a@v1.0.0",
        "sumdb/sum.golang.org/tile/8/0/x001/235.p/17",
    ] {
        assert!(files.get(name).is_some_and(TreeFile::is_sumdb), "{name}");
    }
    // Names that could leave the tree, records of no module, and tile paths go never asks for
    // are refused.
    for (from, to) in [
        ("name = \"sum.golang.org\"", "name = \"../x\""),
        ("name = \"sum.golang.org\"", "name = \"a//b\""),
        ("\"example.com/a@v1.0.0\"", "\"example.com/z@v1.0.0\""),
        ("\"tile/8/2/000.p/1\"", "\"tile/8/2/../000\""),
        ("\"tile/8/2/000.p/1\"", "\"tile/8/2/000.p/256\""),
    ] {
        let bad = text.replace(from, to);
        assert!(Manifest::parse("bad", &bad).is_err(), "{to}");
    }
}
