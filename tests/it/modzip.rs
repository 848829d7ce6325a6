//! Hostile module zips: every one must be refused with the module and the entry named, nothing
//! written inside or outside the destination, and no panic. Zips are built here with the zip
//! crate; what the writer will not produce (duplicate names, lying sizes, mismatched headers) is
//! made by patching the bytes it wrote.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use gomodoff::module::ModuleVersion;
use gomodoff::modzip::{EntryProblem, ZipEntry, ZipError, check_zip, extract_zip};
use proptest::prelude::*;
use sha2::Digest as _;
use zip::write::SimpleFileOptions;

use crate::support::{self, Harness};

const MODULE: &str = "example.com/hostile";
const VERSION: &str = "v1.0.0";
const P: &str = "example.com/hostile@v1.0.0/";

fn mv() -> ModuleVersion {
    ModuleVersion::new(MODULE, VERSION).expect("valid module")
}

/// One entry to write: name as stored, content, and how.
struct Entry {
    name: String,
    data: Vec<u8>,
    kind: Kind,
}

enum Kind {
    File,
    Stored,
    Symlink,
    Attributes(u32),
}

fn file(name: &str, data: &[u8]) -> Entry {
    Entry {
        name: name.to_owned(),
        data: data.to_vec(),
        kind: Kind::File,
    }
}

fn in_module(rel: &str, data: &[u8]) -> Entry {
    file(&format!("{P}{rel}"), data)
}

fn build(entries: &[Entry]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for entry in entries {
        let deflated =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        match entry.kind {
            Kind::File => writer.start_file(&entry.name, deflated).expect("start"),
            Kind::Stored => writer
                .start_file(
                    &entry.name,
                    deflated.compression_method(zip::CompressionMethod::Stored),
                )
                .expect("start"),
            Kind::Symlink => {
                let target = String::from_utf8(entry.data.clone()).expect("utf-8 target");
                writer
                    .add_symlink(&entry.name, target, deflated)
                    .expect("symlink");
                continue;
            }
            Kind::Attributes(attributes) => writer
                .start_file(
                    &entry.name,
                    deflated
                        .system(zip::System::Unix)
                        .external_attributes(attributes),
                )
                .expect("start"),
        }
        writer.write_all(&entry.data).expect("write");
    }
    writer.finish().expect("finish").into_inner()
}

const LOCAL: [u8; 4] = [0x50, 0x4b, 0x03, 0x04];
const CENTRAL: [u8; 4] = [0x50, 0x4b, 0x01, 0x02];

/// Offsets of (local headers, central headers) whose name is `name`.
fn headers(bytes: &[u8], name: &[u8]) -> (Vec<usize>, Vec<usize>) {
    let mut local = Vec::new();
    let mut central = Vec::new();
    for at in 0..bytes.len().saturating_sub(46) {
        let u16_at = |off: usize| usize::from(u16::from_le_bytes([bytes[off], bytes[off + 1]]));
        if bytes[at..at + 4] == LOCAL {
            let len = u16_at(at + 26);
            if bytes.get(at + 30..at + 30 + len) == Some(name) {
                local.push(at);
            }
        } else if bytes[at..at + 4] == CENTRAL {
            let len = u16_at(at + 28);
            if bytes.get(at + 46..at + 46 + len) == Some(name) {
                central.push(at);
            }
        }
    }
    assert!(
        !local.is_empty() && !central.is_empty(),
        "entry {name:?} not found"
    );
    (local, central)
}

/// Declares another uncompressed size for `name`, in both headers so they stay consistent.
fn lie_about_size(bytes: &mut [u8], name: &str, size: u32) {
    let (local, central) = headers(bytes, name.as_bytes());
    for at in local {
        bytes[at + 22..at + 26].copy_from_slice(&size.to_le_bytes());
    }
    for at in central {
        bytes[at + 24..at + 28].copy_from_slice(&size.to_le_bytes());
    }
}

/// Renames an entry in place (same length), in the local header, the central header, or both.
fn rename(bytes: &mut [u8], from: &str, to: &[u8], local_too: bool) {
    assert_eq!(from.len(), to.len());
    let (local, central) = headers(bytes, from.as_bytes());
    for at in central {
        bytes[at + 46..at + 46 + to.len()].copy_from_slice(to);
    }
    if local_too {
        for at in local {
            bytes[at + 30..at + 30 + to.len()].copy_from_slice(to);
        }
    }
}

/// Sets general-purpose flag bits and the compression method of `name` in both headers.
fn patch_flags_and_method(bytes: &mut [u8], name: &str, flags: u16, method: Option<u16>) {
    let (local, central) = headers(bytes, name.as_bytes());
    for (at, flag_off, method_off) in local
        .into_iter()
        .map(|at| (at, 6, 8))
        .chain(central.into_iter().map(|at| (at, 8, 10)))
    {
        let old = u16::from_le_bytes([bytes[at + flag_off], bytes[at + flag_off + 1]]);
        bytes[at + flag_off..at + flag_off + 2].copy_from_slice(&(old | flags).to_le_bytes());
        if let Some(method) = method {
            bytes[at + method_off..at + method_off + 2].copy_from_slice(&method.to_le_bytes());
        }
    }
}

/// A sandbox holding only the zip; extraction goes to `out/dest` whose parent does not exist.
struct Sandbox {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    zip: PathBuf,
    dest: PathBuf,
}

fn sandbox(bytes: &[u8]) -> Sandbox {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_owned();
    let zip = root.join("m.zip");
    fs::write(&zip, bytes).expect("write zip");
    Sandbox {
        dest: root.join("out").join("dest"),
        _tmp: tmp,
        root,
        zip,
    }
}

fn listing(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = walkdir::WalkDir::new(root)
        .min_depth(1)
        .into_iter()
        .map(|entry| {
            entry
                .expect("walk")
                .path()
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// How an error message shows a name: control characters escaped.
fn shown(name: &str) -> String {
    name.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Extracts, expects a refusal, and checks the message and that nothing was left behind.
fn refused(bytes: &[u8], mv: &ModuleVersion, entry: Option<&str>) -> ZipError {
    let sandbox = sandbox(bytes);
    let err = extract_zip(&sandbox.zip, mv, &sandbox.dest).expect_err("hostile zip accepted");
    let message = err.to_string();
    assert!(
        message.contains(&format!("`{mv}`")),
        "module not named: {message}"
    );
    if let Some(entry) = entry {
        assert!(
            message.contains(&format!("`{}`", shown(entry))),
            "entry `{}` not named: {message}",
            shown(entry)
        );
    }
    assert_eq!(listing(&sandbox.root), ["m.zip"], "left files behind");
    err
}

fn problem(err: &ZipError) -> &EntryProblem {
    match err {
        ZipError::Entry { problem, .. } => problem,
        other => panic!("expected an entry problem, got {other:?}"),
    }
}

/// Builds a zip from entries and expects `extract` and `check` to refuse `entry` with `want`.
fn assert_entry_refused(entries: &[Entry], entry: &str, want: EntryProblem) {
    let bytes = build(entries);
    assert_bytes_refused(&bytes, entry, want);
}

fn assert_bytes_refused(bytes: &[u8], entry: &str, want: EntryProblem) {
    let err = refused(bytes, &mv(), Some(entry));
    assert_eq!(problem(&err), &want, "{err}");
    let sandbox = sandbox(bytes);
    let err = check_zip(&sandbox.zip, &mv()).expect_err("check_zip accepted");
    assert_eq!(problem(&err), &want, "{err}");
}

#[test]
fn parent_dir_traversal() {
    let name = format!("{P}../evil.go");
    assert_entry_refused(
        &[in_module("ok.go", b"package ok\n"), file(&name, b"evil")],
        &name,
        EntryProblem::ParentDir,
    );
    let name = format!("{P}a/../../../evil.go");
    assert_entry_refused(&[file(&name, b"evil")], &name, EntryProblem::ParentDir);
}

#[test]
fn absolute_paths() {
    let name = format!("{P}/etc/evil");
    assert_entry_refused(&[file(&name, b"evil")], &name, EntryProblem::Absolute);
    assert_entry_refused(
        &[file("/etc/evil", b"evil")],
        "/etc/evil",
        EntryProblem::MissingPrefix {
            prefix: P.to_owned(),
        },
    );
}

#[test]
fn backslash() {
    let name = format!("{P}a\\..\\..\\evil.go");
    assert_entry_refused(&[file(&name, b"evil")], &name, EntryProblem::Backslash);
}

#[test]
fn symlink_entry() {
    let name = format!("{P}link");
    let entry = Entry {
        name: name.clone(),
        data: b"/etc/passwd".to_vec(),
        kind: Kind::Symlink,
    };
    assert_entry_refused(&[entry], &name, EntryProblem::Symlink);
}

#[test]
fn fifo_entry() {
    let name = format!("{P}fifo");
    let entry = Entry {
        name: name.clone(),
        data: Vec::new(),
        kind: Kind::Attributes(0o010644 << 16),
    };
    assert_entry_refused(&[entry], &name, EntryProblem::Irregular { mode: 0o010644 });
}

#[test]
fn duplicate_name() {
    let mut bytes = build(&[in_module("a.go", b"one"), in_module("b.go", b"two")]);
    let b = format!("{P}b.go");
    let a = format!("{P}a.go");
    rename(&mut bytes, &b, a.as_bytes(), true);
    assert_bytes_refused(&bytes, &a, EntryProblem::Duplicate);
}

#[test]
fn case_fold_pairs() {
    assert_entry_refused(
        &[in_module("A.go", b"1"), in_module("a.go", b"2")],
        &format!("{P}a.go"),
        EntryProblem::CaseCollision {
            other: "A.go".to_owned(),
        },
    );
    assert_entry_refused(
        &[in_module("Sub/x.go", b"1"), in_module("sub/y.go", b"2")],
        &format!("{P}sub/y.go"),
        EntryProblem::CaseCollision {
            other: "Sub".to_owned(),
        },
    );
    // Kelvin sign folds to k.
    assert_entry_refused(
        &[in_module("k.go", b"1"), in_module("\u{212A}.go", b"2")],
        &format!("{P}\u{212A}.go"),
        EntryProblem::CaseCollision {
            other: "k.go".to_owned(),
        },
    );
}

#[test]
fn file_and_directory() {
    assert_entry_refused(
        &[in_module("x", b"1"), in_module("x/y.go", b"2")],
        &format!("{P}x/y.go"),
        EntryProblem::FileAndDirectory,
    );
}

#[test]
fn wrong_prefixes() {
    let want = EntryProblem::MissingPrefix {
        prefix: P.to_owned(),
    };
    for name in [
        "example.com/other@v1.0.0/a.go",
        "example.com/hostile@v1.0.1/a.go",
        "example.com/hostile@v1.0.0a.go",
        "a.go",
        "",
    ] {
        assert_entry_refused(&[file(name, b"x")], name, want.clone());
    }
    // The prefix is the unescaped path: an escaped one is wrong.
    let upper = ModuleVersion::new("example.com/Hostile", "v1.0.0").expect("valid");
    let bytes = build(&[file("example.com/!hostile@v1.0.0/a.go", b"x")]);
    let err = refused(&bytes, &upper, Some("example.com/!hostile@v1.0.0/a.go"));
    assert!(matches!(problem(&err), EntryProblem::MissingPrefix { .. }));
}

#[test]
fn oversize_go_mod_and_license() {
    for (rel, want) in [
        (
            "go.mod",
            EntryProblem::GoModTooLarge {
                size: (16 << 20) + 1,
            },
        ),
        (
            "LICENSE",
            EntryProblem::LicenseTooLarge {
                size: (16 << 20) + 1,
            },
        ),
    ] {
        let name = format!("{P}{rel}");
        let mut bytes = build(&[file(&name, b"small")]);
        lie_about_size(&mut bytes, &name, (16 << 20) + 1);
        assert_bytes_refused(&bytes, &name, want);
    }
}

#[test]
fn total_oversize_declared_in_headers() {
    let a = format!("{P}a.bin");
    let b = format!("{P}b.bin");
    let mut bytes = build(&[file(&a, b"a"), file(&b, b"b")]);
    lie_about_size(&mut bytes, &a, 300 << 20);
    lie_about_size(&mut bytes, &b, 300 << 20);
    let err = refused(&bytes, &mv(), None);
    assert!(matches!(err, ZipError::ContentTooLarge { .. }), "{err}");
    assert!(err.to_string().contains("too large"), "{err}");
}

#[test]
fn zip_file_too_large() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let zip = tmp.path().join("huge.zip");
    // Sparse: no disk blocks are allocated for a length beyond the limit.
    fs::File::create(&zip)
        .expect("create")
        .set_len((500 << 20) + 1)
        .expect("set_len");
    let dest = tmp.path().join("dest");
    let err = extract_zip(&zip, &mv(), &dest).expect_err("huge zip accepted");
    assert!(matches!(err, ZipError::ZipTooLarge { .. }), "{err}");
    assert!(err.to_string().contains(&format!("`{}`", mv())), "{err}");
    assert!(!dest.exists());
}

#[test]
fn bomb_larger_than_declared() {
    let name = format!("{P}bomb.bin");
    let mut bytes = build(&[
        in_module("first.go", b"package first\n"),
        file(&name, &vec![0u8; 4 << 20]),
    ]);
    assert!(bytes.len() < 64 << 10, "content should compress well");
    lie_about_size(&mut bytes, &name, 1000);
    // The central directory alone looks fine: the lie shows only while inflating.
    let sandbox = sandbox(&bytes);
    let entries = check_zip(&sandbox.zip, &mv()).expect("metadata is consistent");
    assert_eq!(entries[1].size, 1000);
    let err = refused(&bytes, &mv(), Some(&name));
    assert_eq!(
        problem(&err),
        &EntryProblem::LargerThanDeclared { declared: 1000 }
    );
}

#[test]
fn stored_entry_larger_than_declared() {
    let name = format!("{P}big.txt");
    let mut bytes = build(&[Entry {
        name: name.clone(),
        data: vec![b'x'; 5000],
        kind: Kind::Stored,
    }]);
    lie_about_size(&mut bytes, &name, 10);
    let err = refused(&bytes, &mv(), Some(&name));
    assert!(
        matches!(
            problem(&err),
            EntryProblem::LargerThanDeclared { declared: 10 }
        ),
        "{err}"
    );
}

#[test]
fn smaller_than_declared() {
    let name = format!("{P}short.txt");
    let mut bytes = build(&[file(&name, &[b'y'; 1000])]);
    lie_about_size(&mut bytes, &name, 5000);
    let err = refused(&bytes, &mv(), Some(&name));
    assert_eq!(
        problem(&err),
        &EntryProblem::SmallerThanDeclared {
            declared: 5000,
            actual: 1000
        }
    );
}

#[test]
fn go_mod_rules() {
    assert_entry_refused(
        &[
            in_module("go.mod", b"module example.com/hostile\n"),
            in_module("sub/go.mod", b"module x\n"),
        ],
        &format!("{P}sub/go.mod"),
        EntryProblem::GoModNotAtRoot,
    );
    assert_entry_refused(
        &[in_module("GO.MOD", b"module example.com/hostile\n")],
        &format!("{P}GO.MOD"),
        EntryProblem::GoModCase,
    );
}

#[test]
fn control_characters_in_names() {
    for rel in ["a\0b.go", "a\nb.go", "tab\there.go", "cr\r.go"] {
        let name = format!("{P}{rel}");
        let err = refused(&build(&[file(&name, b"x")]), &mv(), Some(&name));
        assert!(
            matches!(problem(&err), EntryProblem::InvalidPath { reason } if reason.contains("invalid char")),
            "{err}"
        );
    }
}

#[test]
fn windows_reserved_and_shell_characters() {
    for rel in [
        "con.go",
        "sub/aux/x.go",
        "NUL",
        "Lpt1.txt",
        "a:b.go",
        "a*b.go",
        "a|b",
        "q?.go",
    ] {
        let name = format!("{P}{rel}");
        let err = refused(&build(&[file(&name, b"x")]), &mv(), Some(&name));
        assert!(
            matches!(problem(&err), EntryProblem::InvalidPath { .. }),
            "{rel}: {err}"
        );
    }
}

#[test]
fn empty_and_directory_names() {
    // A directory entry carrying content.
    let name = format!("{P}dir/");
    assert_entry_refused(
        &[file(&name, b"hidden")],
        &name,
        EntryProblem::DirectoryWithContent { size: 6 },
    );
    // The root directory entry carrying content.
    assert_entry_refused(
        &[file(P, b"hidden")],
        P,
        EntryProblem::DirectoryWithContent { size: 6 },
    );
    // `path@version//`: an empty file path.
    let name = format!("{P}/");
    assert_entry_refused(&[file(&name, b"")], &name, EntryProblem::NotClean);
    for rel in ["./a.go", "a//b.go", "a/./b.go"] {
        let name = format!("{P}{rel}");
        assert_entry_refused(&[file(&name, b"x")], &name, EntryProblem::NotClean);
    }
}

#[test]
fn non_utf8_name() {
    let name = format!("{P}xy.go");
    let mut bytes = build(&[file(&name, b"x")]);
    let mut raw = name.clone().into_bytes();
    let at = raw.len() - 4;
    raw[at] = 0xff;
    rename(&mut bytes, &name, &raw, true);
    let lossy = String::from_utf8_lossy(&raw).into_owned();
    assert_bytes_refused(&bytes, &lossy, EntryProblem::NotUtf8);
}

#[test]
fn local_header_disagrees_with_central_directory() {
    let name = format!("{P}ok.go");
    let mut bytes = build(&[file(&name, b"package ok\n")]);
    // The central directory says ok.go; the local header (what a streaming reader sees) says
    // something else.
    let (local, _) = headers(&bytes, name.as_bytes());
    let evil = format!("{P}../x");
    bytes[local[0] + 30..local[0] + 30 + evil.len()].copy_from_slice(evil.as_bytes());
    let err = refused(&bytes, &mv(), None);
    assert!(matches!(err, ZipError::InconsistentHeaders { .. }), "{err}");
}

#[test]
fn encrypted_and_unsupported_compression() {
    let name = format!("{P}secret.go");
    let mut bytes = build(&[file(&name, b"package secret\n")]);
    patch_flags_and_method(&mut bytes, &name, 1, None);
    assert_bytes_refused(&bytes, &name, EntryProblem::Encrypted);

    let mut bytes = build(&[file(&name, b"package secret\n")]);
    patch_flags_and_method(&mut bytes, &name, 0, Some(12));
    let err = refused(&bytes, &mv(), Some(&name));
    assert!(
        matches!(problem(&err), EntryProblem::UnsupportedCompression { .. }),
        "{err}"
    );
}

#[test]
fn invalid_modules_are_refused_before_reading() {
    let bytes = build(&[in_module("a.go", b"x")]);
    let sandbox = sandbox(&bytes);
    let short = ModuleVersion {
        path: MODULE.to_owned(),
        version: "v1.0".to_owned(),
    };
    let err = extract_zip(&sandbox.zip, &short, &sandbox.dest).expect_err("non-canonical");
    assert!(matches!(err, ZipError::NonCanonicalVersion { .. }), "{err}");
    let mismatch = ModuleVersion {
        path: MODULE.to_owned(),
        version: "v2.0.0".to_owned(),
    };
    let err = extract_zip(&sandbox.zip, &mismatch, &sandbox.dest).expect_err("v2 without /v2");
    assert!(matches!(err, ZipError::InvalidModule { .. }), "{err}");
    assert_eq!(listing(&sandbox.root), ["m.zip"]);
}

#[test]
fn destination_must_be_empty_and_is_restored() {
    let good = build(&[in_module("a.go", b"package a\n")]);
    let first = sandbox(&good);
    fs::create_dir_all(&first.dest).expect("mkdir");
    fs::write(first.dest.join("keep"), b"mine").expect("write");
    let err = extract_zip(&first.zip, &mv(), &first.dest).expect_err("not empty");
    assert!(matches!(err, ZipError::DestNotEmpty { .. }), "{err}");
    assert_eq!(fs::read(first.dest.join("keep")).expect("kept"), b"mine");

    // An existing empty dest stays, empty, after a failure half-way through extraction.
    let name = format!("{P}z/bomb.bin");
    let mut bytes = build(&[
        in_module("a/a.go", b"package a\n"),
        file(&name, &[0; 10000]),
    ]);
    lie_about_size(&mut bytes, &name, 10);
    let second = sandbox(&bytes);
    fs::create_dir_all(&second.dest).expect("mkdir");
    extract_zip(&second.zip, &mv(), &second.dest).expect_err("bomb");
    assert_eq!(listing(&second.root), ["m.zip", "out", "out/dest"]);
}

#[test]
fn happy_path_extraction() {
    let bytes = build(&[
        in_module("go.mod", b"module example.com/hostile\n"),
        file(P, b""),
        in_module("sub/", b""),
        in_module("LICENSE", b"MIT\n"),
        in_module("sub/pkg/x.go", b"package pkg\n"),
        in_module("vendor/example.org/v/v.go", b"package v\n"),
        in_module("héllo wörld.txt", b"unicode\n"),
        in_module("testdata/.hidden", b""),
    ]);
    let sandbox = sandbox(&bytes);
    let entries = extract_zip(&sandbox.zip, &mv(), &sandbox.dest).expect("valid zip");
    let names: Vec<&str> = entries.iter().map(|entry| entry.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "go.mod",
            "LICENSE",
            "sub/pkg/x.go",
            "vendor/example.org/v/v.go",
            "héllo wörld.txt",
            "testdata/.hidden"
        ]
    );
    let gomod = fs::read(sandbox.dest.join("go.mod")).expect("extracted go.mod");
    assert_eq!(
        entries[0],
        ZipEntry {
            name: "go.mod".to_owned(),
            size: 27,
            sha256: Some(sha2::Sha256::digest(&gomod).into()),
        }
    );
    assert_eq!(
        fs::read(sandbox.dest.join("sub/pkg/x.go")).expect("extracted"),
        b"package pkg\n"
    );
    // check_zip lists the same entries, without reading their content.
    let unhashed: Vec<ZipEntry> = entries
        .iter()
        .map(|e| ZipEntry {
            sha256: None,
            ..e.clone()
        })
        .collect();
    assert_eq!(check_zip(&sandbox.zip, &mv()).expect("valid zip"), unhashed);
    // The digests of the extraction are those of the tree on disk.
    let on_disk = gomodoff::dirhash::dir_file_digests(&sandbox.dest).expect("hash the tree");
    for e in &entries {
        assert_eq!(Some(on_disk[&e.name]), e.sha256, "{}", e.name);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &Path| fs::metadata(path).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(&sandbox.dest.join("go.mod")), 0o644);
        assert_eq!(mode(&sandbox.dest.join("sub/pkg")), 0o755);
        assert_eq!(mode(&sandbox.dest), 0o755);
    }
    // Empty directory entries are not extracted, as go ignores them.
    assert!(!sandbox.dest.join("testdata/.hidden").is_dir());
    assert_eq!(
        listing(&sandbox.dest),
        [
            "LICENSE",
            "go.mod",
            "héllo wörld.txt",
            "sub",
            "sub/pkg",
            "sub/pkg/x.go",
            "testdata",
            "testdata/.hidden",
            "vendor",
            "vendor/example.org",
            "vendor/example.org/v",
            "vendor/example.org/v/v.go"
        ]
    );
}

/// Pieces random entry names are made of, hostile ones included.
fn name_piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "a", "B", "b", "..", ".", "", "/", "\\", "con", "x.go", "\0", "\n", "go.mod", "é", "K",
        "\u{212A}", " ", "~1", ":",
    ])
}

fn entry_name() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![P, "", "/", "example.com/hostile@v1.0.0", "../"]),
        prop::collection::vec((name_piece(), prop::sample::select(vec!["/", ""])), 1..5),
    )
        .prop_map(|(prefix, parts)| {
            let mut name = prefix.to_owned();
            for (piece, sep) in parts {
                name.push_str(piece);
                name.push_str(sep);
            }
            name
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Whatever the names, extraction writes only under dest, or nothing at all.
    #[test]
    fn extract_never_writes_outside_dest(names in prop::collection::vec(entry_name(), 1..6)) {
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        let entries: Vec<Entry> = unique.iter().map(|name| file(name, b"data")).collect();
        let bytes = build(&entries);
        let sandbox = sandbox(&bytes);
        let result = extract_zip(&sandbox.zip, &mv(), &sandbox.dest);
        let all = listing(&sandbox.root);
        match result {
            Ok(extracted) => {
                for path in &all {
                    prop_assert!(
                        path == "m.zip" || path == "out" || path.starts_with("out/dest"),
                        "wrote {path} outside dest"
                    );
                }
                for entry in extracted {
                    prop_assert!(sandbox.dest.join(&entry.name).is_file());
                }
            }
            Err(err) => {
                prop_assert_eq!(all, vec!["m.zip".to_owned()], "left files after {}", err);
                let module_named = err.to_string().contains(&format!("`{}`", mv()));
                prop_assert!(module_named, "module not named in {}", err);
            }
        }
    }
}

/// go is the reference for the rules both implement: serve each zip from a `GOPROXY=file://`
/// tree and check that `go mod download` refuses exactly where `extract_zip` does. (Where
/// gomodoff is stricter than go, e.g. symlink entries, go is not asked.)
#[test]
fn go_mod_download_agrees() {
    requires_go!();
    let h = Harness::new();
    let root = h.root();
    let proxy = h.proxy_dir();

    type Build = fn(&str) -> Vec<u8>;
    let cases: &[(&str, bool, Build)] = &[
        ("traversal", false, |p| {
            build(&[file(&format!("{p}../evil.go"), b"x")])
        }),
        ("casefold", false, |p| {
            build(&[
                file(&format!("{p}A.go"), b"1"),
                file(&format!("{p}a.go"), b"2"),
            ])
        }),
        ("subgomod", false, |p| {
            build(&[file(&format!("{p}sub/go.mod"), b"module x\n")])
        }),
        ("gomodcase", false, |p| {
            build(&[file(&format!("{p}GO.MOD"), b"module x\n")])
        }),
        ("wrongversion", false, |p| {
            build(&[file(&p.replace("v1.0.0", "v1.0.1"), b"x")])
        }),
        ("reserved", false, |p| {
            build(&[file(&format!("{p}con.go"), b"x")])
        }),
        ("fileanddir", false, |p| {
            build(&[
                file(&format!("{p}x"), b"1"),
                file(&format!("{p}x/y.go"), b"2"),
            ])
        }),
        ("duplicate", false, |p| {
            let mut bytes = build(&[
                file(&format!("{p}a.go"), b"1"),
                file(&format!("{p}b.go"), b"2"),
            ]);
            rename(
                &mut bytes,
                &format!("{p}b.go"),
                format!("{p}a.go").as_bytes(),
                true,
            );
            bytes
        }),
        ("bomb", false, |p| {
            let name = format!("{p}bomb.bin");
            let mut bytes = build(&[file(&name, &[0; 100_000])]);
            lie_about_size(&mut bytes, &name, 100);
            bytes
        }),
        ("vendored", true, |p| {
            build(&[
                file(&format!("{p}go.mod"), b"module example.com/vendored\n"),
                file(&format!("{p}vendor/modules.txt"), b"# x\n"),
                file(&format!("{p}vendor/example.org/v/v.go"), b"package v\n"),
                file(&format!("{p}sub/"), b""),
            ])
        }),
    ];

    let mut args = Vec::new();
    for (name, _, make) in cases {
        let mv = ModuleVersion::new(format!("example.com/{name}"), "v1.0.0").expect("valid");
        let dir = proxy.join(&mv.path).join("@v");
        fs::create_dir_all(&dir).expect("mkdir");
        fs::write(dir.join("list"), "v1.0.0\n").expect("list");
        fs::write(
            dir.join("v1.0.0.info"),
            "{\"Version\":\"v1.0.0\",\"Time\":\"2024-01-02T03:04:05Z\"}\n",
        )
        .expect("info");
        fs::write(dir.join("v1.0.0.mod"), format!("module {}\n", mv.path)).expect("mod");
        fs::write(dir.join("v1.0.0.zip"), make(&mv.zip_prefix())).expect("zip");
        args.push(mv.to_string());
    }
    let mut download = vec!["mod", "download", "-json"];
    download.extend(args.iter().map(String::as_str));
    let output = h.go(&h.fresh_dir("work"), &download);
    let downloads = support::go_downloads(&output.stdout);
    assert_eq!(downloads.len(), cases.len());

    for (name, go_accepts, _) in cases {
        let path = format!("example.com/{name}");
        let download = downloads
            .iter()
            .find(|download| download.path == path)
            .expect("reported");
        assert_eq!(
            download.error.is_none(),
            *go_accepts,
            "go on {path}: {:?}",
            download.error
        );
        let mv = ModuleVersion::new(&path, "v1.0.0").expect("valid");
        let zip = proxy.join(&path).join("@v/v1.0.0.zip");
        let dest = root.join("ours").join(name);
        let ours = extract_zip(&zip, &mv, &dest);
        assert_eq!(ours.is_ok(), *go_accepts, "gomodoff on {path}: {ours:?}");
    }
}
