//! Unit tests of the package scan: headers, build constraints, embeds, globs and licence files.

use super::embed::is_bad_embed_name;
use super::glob::glob_match;
use super::scan::{HEAD_BYTES, scan_file_part};
use super::*;

#[test]
fn licence_rules() {
    assert!(is_license_file("LICENSE"));
    assert!(is_license_file("LICENSE.md"));
    assert!(is_license_file("NOTICE_x.go"));
    assert!(!is_license_file("license"));
    assert!(!is_license_file("README"));
}

fn scan(src: &str) -> GoFile {
    scan_go_file("x.go", src.as_bytes()).expect("test sources have no NUL")
}

/// `scan_dir` reads the first [`HEAD_BYTES`] of a file and the rest only when needed: for
/// every source around and across that boundary it answers as a scan of the whole file.
#[test]
fn reading_only_the_head_answers_as_the_whole_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pad = |n: usize| format!("// {}\n", "x".repeat(n));
    let mut sources = Vec::new();
    for len in [
        HEAD_BYTES - 200,
        HEAD_BYTES - 20,
        HEAD_BYTES - 3,
        HEAD_BYTES,
        HEAD_BYTES + 50,
    ] {
        // Header ending near or after the boundary.
        sources.push(format!(
            "{}package p\n\nimport (\n\t\"a.example/x\"\n\t\"b.example/y\"\n)\n\nvar V = 1\n",
            pad(len)
        ));
        // An embed pattern far after the header.
        sources.push(format!(
            "package p\n\nimport _ \"embed\"\n\n{}//go:embed late.txt\nvar s string\n",
            pad(len)
        ));
        // A header syntax error with a NUL after the boundary (go reads on to it).
        sources.push(format!("package p\n\nimport \"a\" +\n{}\0\n", pad(len)));
        // Imports spread over the boundary.
        let mut many = String::from("package p\n\nimport (\n");
        let mut i = 0;
        while many.len() < len {
            many.push_str(&format!("\t\"m.example/p{i}\"\n"));
            i += 1;
        }
        many.push_str(")\n\nfunc F() {}\n");
        sources.push(many);
        // A short header and a long body: the head alone answers.
        sources.push(format!(
            "package p\n\nimport \"a.example/x\"\n\nvar V = \"{}\"\n",
            "x".repeat(len)
        ));
    }
    for (i, src) in sources.iter().enumerate() {
        let path = dir.path().join(format!("f{i}.go"));
        fs::write(&path, src).expect("write source");
        let whole = scan_file(&format!("f{i}.go"), src.as_bytes());
        let read = scan_go_path(&format!("f{i}.go"), &path).expect("scan");
        assert_eq!(read, whole, "source {i} ({} bytes)", src.len());
    }
    let long_body = &sources[19];
    assert!(long_body.len() > HEAD_BYTES);
    assert!(scan_file_part("f.go", &long_body.as_bytes()[..HEAD_BYTES], true).is_some());
    assert!(scan_file_part("f.go", &sources[18].as_bytes()[..HEAD_BYTES], true).is_none());
    let embedded = scan_go_path("f6.go", &dir.path().join("f6.go")).expect("scan");
    assert_eq!(embedded.embeds, vec!["late.txt".to_string()]);
    let many = scan_go_path("f18.go", &dir.path().join("f18.go")).expect("scan");
    assert!(many.imports.len() > 500, "{}", many.imports.len());
}

#[test]
fn constraints_under_any_tags() {
    let cases: &[(&str, bool)] = &[
        ("//go:build linux\n\npackage p\n", true),
        ("//go:build !linux\n\npackage p\n", true),
        ("//go:build linux && !linux\n\npackage p\n", true),
        ("//go:build ignore\n\npackage p\n", false),
        ("//go:build !ignore\n\npackage p\n", true),
        ("//go:build linux && ignore\n\npackage p\n", false),
        ("//go:build linux || ignore\n\npackage p\n", true),
        ("//go:build !(ignore || linux)\n\npackage p\n", true),
        ("//go:build\n\npackage p\n", false),
        ("//go:build (linux\n\npackage p\n", false),
        ("//go:build a\n//go:build b\n\npackage p\n", false),
        ("// +build ignore\n\npackage p\n", false),
        ("// +build !ignore\n\npackage p\n", true),
        ("// +build linux,!cgo\n\npackage p\n", true),
        ("// +build foo-bar\n\npackage p\n", false),
        ("// +build !foo-bar\n\npackage p\n", true),
        ("// +build !\n\npackage p\n", false),
        // `// +build` without a following blank line does not count.
        ("// +build ignore\npackage p\n", true),
        // `//go:build` wins over `// +build`.
        ("//go:build linux\n// +build ignore\n\npackage p\n", true),
        // Not a constraint after the package clause.
        ("package p\n\n//go:build ignore\n", true),
        ("/* c */\n//go:build ignore\n\npackage p\n", false),
        ("//go:buildignore\n\npackage p\n", true),
    ];
    for (src, want) in cases {
        assert_eq!(!scan(src).ignored, *want, "{src:?}");
    }
}

#[test]
fn header_imports_and_package() {
    let file = scan(
        "// comment\npackage foo // x\n\nimport \"a\"\nimport (\n\tb \"b/c\"\n\t_ \"d\"; . `e`\n)\nimport \"C\"\n\nfunc f() {}\nimport \"late\"\n",
    );
    assert_eq!(file.package, "foo");
    assert_eq!(file.imports, ["a", "b/c", "d", "e", "C"]);
    assert!(file.is_cgo);
    assert_eq!(file.problem, None);

    let broken = scan("package p\nimport (\n\"a\"\n\tx y\n)\n");
    assert_eq!(broken.imports, ["a"]);
    assert_eq!(broken.problem, Some(FileProblem::HeaderSyntax));
    assert!(!broken.ignored);

    assert_eq!(scan("").problem, Some(FileProblem::HeaderSyntax));
    assert_eq!(scan("\u{feff}package p\n").package, "p");
    assert!(matches!(
        scan_go_file("n.go", b"package p\x00"),
        Err(ScanError::Nul { .. })
    ));
    assert_eq!(
        scan("package p\nimport \"a b\"\n").problem,
        Some(FileProblem::BadImport("a b".into()))
    );
}

#[test]
fn embed_directives() {
    let src = "package p\n\nimport _ \"embed\"\n\n//go:embed a.txt  \"b c.txt\" `d`\nvar a string\n\n// not //go:embed x\nvar s = \"//go:embed y\"\nvar r = '\"'\n//go:embed\tall:static\r\n//go:embedded z\n/* //go:embed w */\n//go:embed \"bad\"x\n";
    assert_eq!(scan(src).embeds, ["a.txt", "b c.txt", "d", "all:static"]);
    let no_import = "package p\n//go:embed a.txt\nvar a string\n";
    assert!(scan(no_import).embeds.is_empty());
}

#[test]
fn glob_matching() {
    let cases: &[(&str, &str, Result<bool, ()>)] = &[
        ("*", "abc", Ok(true)),
        ("*", ".hidden", Ok(true)),
        ("a*", "a/b", Ok(false)),
        ("*.txt", "x.txt", Ok(true)),
        ("?", "é", Ok(true)),
        ("[a-c]x", "bx", Ok(true)),
        ("[^a-c]x", "bx", Ok(false)),
        ("\\*", "*", Ok(true)),
        ("[", "a", Err(())),
        ("a[", "b", Err(())),
        ("[]a]", "a", Err(())),
        ("x\\", "x", Err(())),
        ("*x[", "abc", Err(())),
    ];
    for (pattern, name, want) in cases {
        assert_eq!(glob_match(pattern, name), *want, "{pattern} {name}");
    }
}

#[test]
fn embed_names() {
    for good in ["a.txt", ".hidden", "_x", "a b"] {
        assert!(!is_bad_embed_name(good), "{good}");
    }
    for bad in [".git", "a'b", "con.txt", "x.", "..", "a*"] {
        assert!(is_bad_embed_name(bad), "{bad}");
    }
}

proptest::proptest! {
    #[test]
    fn scanning_never_panics(src in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
        let _ = scan_go_file("p.go", &src);
    }

    #[test]
    fn scanning_go_like_text_never_panics(src in "[a-z \\n\"`'/*()!&|:+._;]{0,120}") {
        let text = format!("//go:build {src}\npackage p\nimport \"embed\"\n{src}");
        let _ = scan_go_file("p.go", text.as_bytes());
        let _ = glob_match(&src, "name");
    }
}
