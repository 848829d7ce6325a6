//! Whole-layer tests: parse errors with their exact texts, the read API, lax reading, and the
//! round-trip and never-panic properties on generated texts.

use proptest::prelude::*;

use super::*;

#[test]
fn error_texts() {
    let cases: &[(&str, &str)] = &[
        (
            "module m\n\nrequre a.com/a v1.0.0\n",
            "go.mod:3:1: unknown directive: requre\nrequre a.com/a v1.0.0\n^",
        ),
        (
            "module m\n\nrequire \"a.com/a",
            "go.mod:3:9: unexpected EOF in string\nrequire \"a.com/a\n        ^",
        ),
        (
            "module m\n\trequire \"a.com/a v1.0.0\n",
            "go.mod:2:25: unexpected newline in string\n\trequire \"a.com/a v1.0.0\n\t                       ^",
        ),
        (
            "module m\n\nrequire (\n\ta.com/a v1.0.0\n",
            "go.mod:5:1: syntax error (unterminated block started at go.mod:3:1)\n\n^",
        ),
        (
            "module m\n\nrequire (\n\ta.com/a v1.0.0\n) x\n",
            "go.mod:5:4: syntax error (expected newline after closing paren)\n) x\n   ^",
        ),
        (
            "module m\n\nfoo (\n\tbar\n)\n",
            "go.mod:3:1: unknown block type: foo\nfoo (\n^",
        ),
        (
            "module m\n\nrequire a.com/a\n",
            "go.mod:3:1: usage: require module/path v1.2.3\nrequire a.com/a\n^",
        ),
        (
            "module m\n\nrequire x /* y */\n",
            "go.mod:3:11: mod files must use // comments (not /* */ comments)\nrequire x /* y */\n          ^",
        ),
        (
            "module m\n  replace x => y\n",
            "go.mod:2:3: replacement module without version must be directory path (rooted or starting with . or ..)\n  replace x => y\n  ^",
        ),
        (
            "\u{feff}modul m\n",
            "go.mod:1:1: unexpected input character '\\ufeff'\n\u{feff}modul m\n^",
        ),
        (
            "module m\r\nrequire a.com/a/v2 v1.0.0\r\n",
            "go.mod:2:1: require a.com/a/v2: version \"v1.0.0\" invalid: should be v2, not v1\nrequire a.com/a/v2 v1.0.0\n^",
        ),
        (
            "module é\u{200b}\n",
            "go.mod:1:9: unexpected input character '\\u200b'\nmodule é\u{200b}\n        ^",
        ),
        (
            "module m\nmodule n\ngo 1\n",
            "go.mod:2:1: repeated module statement\nmodule n\n^\ngo.mod:3:1: invalid go version '1': must match format 1.23.0\ngo 1\n^",
        ),
    ];
    for (text, want) in cases {
        let err = GoMod::parse("go.mod", text).unwrap_err();
        assert_eq!(err.to_string(), *want, "{text:?}");
        assert!(!err.diagnostics().is_empty());
    }
}

#[test]
fn diagnostics_carry_positions() {
    let err = GoMod::parse("dir/go.mod", "module m\n\n  bogus x\n").unwrap_err();
    let GoModError::Parse { file, diagnostics } = &err else {
        panic!("not a parse error: {err:?}");
    };
    assert_eq!(file, "dir/go.mod");
    assert_eq!(
        diagnostics[0],
        Diagnostic {
            file: "dir/go.mod".into(),
            line: 3,
            column: 3,
            message: "unknown directive: bogus".into(),
            source_line: "  bogus x".into(),
        }
    );
}

const FULL: &str = "// Deprecated: use example.com/m/v2.
module example.com/m // main

go 1.24.0

toolchain go1.24.2

godebug (
\tdefault=go1.21
\tpanicnil=1
)

require (
\texample.com/a v1.2 // indirect
\t\"example.com/b\" v0.1.0
)

require example.com/c v2.0.0+incompatible // indirect; for tests

exclude example.com/a v1.0.0

replace (
\texample.com/a => ../a
\texample.com/b v0.1.0 => example.com/fork v0.1.1
)

// Security issue.
// See advisory.
retract (
\t[v1.0.0, v1.0.5]
\t// Published too early.
\tv0.9.0 // oops
)

retract v0.8.0

tool example.com/a/cmd/gen

ignore (
\t./node_modules
\t\"./dir with space\"
)
";

#[test]
fn read_api() {
    let m = GoMod::parse("go.mod", FULL).unwrap();
    assert_eq!(m.to_string(), FULL);
    assert_eq!(m.module_path(), Some("example.com/m"));
    // The suffix comment joins the comment text, as in modfile's parseDeprecation.
    assert_eq!(m.deprecated(), Some("use example.com/m/v2.\nmain"));
    assert_eq!(m.go_version(), Some("1.24.0"));
    assert_eq!(m.toolchain(), Some("go1.24.2"));
    assert_eq!(
        m.godebugs(),
        [
            ("default".into(), "go1.21".into()),
            ("panicnil".into(), "1".into())
        ]
    );
    let req = |path: &str, version: &str, indirect| Require {
        path: path.into(),
        version: version.into(),
        indirect,
    };
    assert_eq!(
        m.requires(),
        [
            req("example.com/a", "v1.2.0", true),
            req("example.com/b", "v0.1.0", false),
            req("example.com/c", "v2.0.0+incompatible", true),
        ]
    );
    assert_eq!(
        m.excludes(),
        [Exclude {
            path: "example.com/a".into(),
            version: "v1.0.0".into()
        }]
    );
    let replaces = m.replaces();
    assert_eq!(
        replaces,
        [
            Replace {
                old_path: "example.com/a".into(),
                old_version: None,
                new_path: "../a".into(),
                new_version: None,
            },
            Replace {
                old_path: "example.com/b".into(),
                old_version: Some("v0.1.0".into()),
                new_path: "example.com/fork".into(),
                new_version: Some("v0.1.1".into()),
            },
        ]
    );
    assert!(replaces[0].is_dir() && !replaces[1].is_dir());
    let ret = |low: &str, high: &str, rationale: &str| Retract {
        low: low.into(),
        high: high.into(),
        rationale: rationale.into(),
    };
    assert_eq!(
        m.retracts(),
        [
            ret("v1.0.0", "v1.0.5", "Security issue.\nSee advisory."),
            ret("v0.9.0", "v0.9.0", "Published too early.\noops"),
            ret("v0.8.0", "v0.8.0", ""),
        ]
    );
    assert_eq!(m.tools(), ["example.com/a/cmd/gen"]);
    assert_eq!(m.ignores(), ["./node_modules", "./dir with space"]);
    assert!(!m.is_lax());
    assert_eq!(m.file_name(), "go.mod");
}

#[test]
fn empty_and_comment_only_files() {
    for text in ["", "\n", "// only a comment", "\r\n\r\n// c\r\n"] {
        let m = GoMod::parse("go.mod", text).unwrap();
        assert_eq!(m.to_string(), text);
        assert_eq!(m.module_path(), None);
        assert!(m.requires().is_empty());
    }
}

/// go refuses a byte order mark in go.mod and go.work, wherever it is, with this message (go 1.26:
/// `go mod edit -json` → `go.mod:1: unexpected input character '\ufeff'`; go leaves out column 1).
#[test]
fn a_byte_order_mark_is_refused_as_go_refuses_it() {
    for text in [
        "\u{feff}",
        "\u{feff}\n",
        "\u{feff}module m\n\ngo 1.22\n",
        "\u{feff}// c\r\nmodule m\r\n",
    ] {
        let first = text.lines().next().unwrap_or_default();
        let want = format!("go.mod:1:1: unexpected input character '\\ufeff'\n{first}\n^");
        for parsed in [
            GoMod::parse("go.mod", text),
            GoMod::parse_lax("go.mod", text),
        ] {
            assert_eq!(parsed.unwrap_err().to_string(), want, "{text:?}");
        }
        let want = want.replace("go.mod:", "go.work:");
        let err = super::GoWork::parse("go.work", text).unwrap_err();
        assert_eq!(err.to_string(), want, "{text:?}");
    }
    // Inside a line too (`go.mod:4:9` from go for `require \ufeffx v1.0.0`).
    let err =
        GoMod::parse("go.mod", "module m\n\ngo 1.22\nrequire \u{feff}x v1.0.0\n").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("go.mod:4:9: unexpected input character '\\ufeff'"),
        "{err}"
    );
}

#[test]
fn lax_reading_like_parse_lax() {
    let text = "module example.com/dep

go 1.21.3.4

toolchain whatever

frobnicate the thing
frob (
\tx y z
)

require example.com/a v1.0.0

replace example.com/a => garbage
exclude example.com/a bad
retract [v1.0.0, v1.1.0] and more
godebug ,
tool a b
";
    assert!(GoMod::parse("go.mod", text).is_err());
    let m = GoMod::parse_lax("go.mod", text).unwrap();
    assert_eq!(m.to_string(), text);
    assert!(m.is_lax());
    assert_eq!(m.module_path(), Some("example.com/dep"));
    assert_eq!(m.go_version(), Some("1.21"));
    assert_eq!(m.toolchain(), None);
    assert_eq!(m.requires().len(), 1);
    assert!(m.replaces().is_empty() && m.excludes().is_empty());
    assert!(m.tools().is_empty() && m.godebugs().is_empty());
    assert_eq!(m.retracts()[0].high, "v1.1.0");
    let err = GoMod::parse_lax("go.mod", "require example.com/a\n").unwrap_err();
    assert_eq!(
        err.diagnostics()[0].message,
        "usage: require module/path v1.2.3"
    );
}

#[test]
fn accessors_follow_edits() {
    let mut m = GoMod::parse(
        "go.mod",
        "module m\n\nrequire (\n\ta.com/a v1.0.0\n\tb.com/b v1.0.0 // indirect\n)\n",
    )
    .unwrap();
    m.set_require("b.com/b", "v1.1.0").unwrap();
    m.add_replace("a.com/a", None, "./a", None).unwrap();
    assert!(m.drop_require("a.com/a"));
    assert!(!m.drop_require("a.com/a"));
    assert_eq!(
        m.requires(),
        [Require {
            path: "b.com/b".into(),
            version: "v1.1.0".into(),
            indirect: true
        }]
    );
    assert_eq!(m.replaces().len(), 1);
    assert_eq!(
        m.to_string(),
        "module m\n\nrequire b.com/b v1.1.0 // indirect\n\nreplace a.com/a => ./a\n"
    );
    let again = GoMod::parse("go.mod", &m.to_string()).unwrap();
    assert_eq!(again.requires(), m.requires());
    assert_eq!(again.replaces(), m.replaces());
}

/// Pieces of go.mod-like text; a generated file is a sequence of lines made from them.
fn blank() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", " ", "\t", "  \t", "\r"]).prop_map(String::from)
}

fn eol() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["\n", "\r\n"]).prop_map(String::from)
}

fn comment() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "//",
        "// note",
        "// indirect",
        "//indirect; why",
        "// Deprecated: gone",
        "// ünïcödé (x) \"q\" `b`",
        "// tab\there",
        "// ) ( [ ] { } ,",
    ])
    .prop_map(String::from)
}

fn path() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "example.com/a",
        "example.com/b/v2",
        "\"example.com/c\"",
        "gopkg.in/yaml.v3",
        "golang.org/x/mod",
    ])
    .prop_map(String::from)
}

fn version_for(path: &str) -> &'static str {
    if path.ends_with("/v2") {
        "v2.1.0"
    } else if path.ends_with(".v3") {
        "v3.0.1"
    } else {
        "v1.2.3"
    }
}

/// The arguments of a valid directive of a known verb, or of any verb with arbitrary tokens.
fn directive() -> impl Strategy<Value = (String, String, bool)> {
    let token = prop::sample::select(vec![
        "x", "=>", "(", ")", "[", "]", ",", "{", "}", "\"a b\"", "`raw`", "\"\\t\"", "é", "a=b",
        "v1.0.0",
    ]);
    prop_oneof![
        path().prop_map(|p| {
            let v = version_for(&p);
            ("require".to_string(), format!("{p} {v}"), true)
        }),
        (path(), 0..4usize).prop_map(|(p, form)| {
            let v = version_for(&p);
            let args = match form {
                0 => format!("{p} => ./local"),
                1 => format!("{p} {v} => \"../dir with space\""),
                2 => format!("{p} => example.com/fork {v}"),
                _ => format!("{p}\t{v}   =>  example.com/fork  {v}"),
            };
            ("replace".to_string(), args, true)
        }),
        path().prop_map(|p| {
            let v = version_for(&p);
            ("exclude".to_string(), format!("{p} {v}"), true)
        }),
        Just(("retract".to_string(), "[v1.0.0, v1.1.0]".to_string(), true)),
        Just(("tool".to_string(), "example.com/cmd".to_string(), true)),
        Just(("ignore".to_string(), "./vendor".to_string(), true)),
        Just(("godebug".to_string(), "k=v".to_string(), true)),
        (
            prop::sample::select(vec!["frob", "use", "require"]),
            prop::collection::vec(token, 0..5)
        )
            .prop_map(|(verb, tokens)| (verb.to_string(), tokens.join(" "), false)),
    ]
}

/// One statement or trivia line (or a whole block), and whether it is valid in strict reading.
fn chunk() -> impl Strategy<Value = (String, bool)> {
    prop_oneof![
        (blank(), eol()).prop_map(|(b, e)| (format!("{b}{e}"), true)),
        (blank(), comment(), eol()).prop_map(|(b, c, e)| (format!("{b}{c}{e}"), true)),
        (
            blank(),
            directive(),
            prop::option::of(comment()),
            blank(),
            eol()
        )
            .prop_map(|(b, (verb, args, ok), c, b2, e)| {
                let c = c.map(|c| format!(" {c}")).unwrap_or_default();
                (format!("{b}{verb} {args}{b2}{c}{e}"), ok)
            }),
        (
            directive(),
            prop::collection::vec(
                (
                    blank(),
                    prop::option::of(comment()),
                    prop::option::of(comment()),
                    eol()
                ),
                0..4
            ),
            prop::option::of(comment()),
            eol()
        )
            .prop_map(|((verb, args, ok), lines, close, e)| {
                let mut s = format!("{verb} ({e}");
                for (b, before, suffix, e) in lines {
                    if let Some(c) = before {
                        s.push_str(&format!("{b}{c}{e}"));
                    }
                    let suffix = suffix.map(|c| format!(" {c}")).unwrap_or_default();
                    s.push_str(&format!("{b}{args}{suffix}{e}"));
                }
                let close = close.map(|c| format!(" {c}")).unwrap_or_default();
                s.push_str(&format!("){close}{e}"));
                (s, ok)
            }),
        (directive(), eol()).prop_map(|((verb, _, ok), e)| (format!("{verb} ( ){e}"), ok)),
    ]
}

/// A go.mod-like text: a module line, chunks, maybe no final newline.
fn go_mod_text() -> impl Strategy<Value = (String, bool)> {
    text_of(chunk().boxed())
}

/// A go.mod-like text that strict reading must accept.
fn valid_go_mod_text() -> impl Strategy<Value = (String, bool)> {
    text_of(
        chunk()
            .prop_filter("valid in strict reading", |(_, ok)| *ok)
            .boxed(),
    )
}

fn text_of(chunk: BoxedStrategy<(String, bool)>) -> impl Strategy<Value = (String, bool)> {
    (prop::collection::vec(chunk, 0..12), any::<bool>()).prop_map(|(chunks, final_newline)| {
        let mut s = String::from("module example.com/m\n");
        let mut valid = true;
        for (c, ok) in chunks {
            s.push_str(&c);
            valid &= ok;
        }
        if !final_newline {
            let trimmed = s.trim_end_matches(['\n', '\r']).len();
            s.truncate(trimmed);
        }
        (s, valid)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn round_trip_generated((text, valid) in go_mod_text()) {
        let lax = GoMod::parse_lax("go.mod", &text);
        let strict = GoMod::parse("go.mod", &text);
        if valid {
            prop_assert!(strict.is_ok(), "{:?}: {}", text, strict.unwrap_err());
        }
        for m in [lax, strict].into_iter().flatten() {
            prop_assert_eq!(m.to_string(), text.clone());
        }
    }

    #[test]
    fn edits_keep_valid_files_valid((text, valid) in valid_go_mod_text()) {
        prop_assert!(valid);
        let mut m = GoMod::parse("go.mod", &text).unwrap();
        m.add_replace("example.com/a", None, "./third_party/a@v1.2.3", None).unwrap();
        m.add_replace("example.com/new", Some("v1.0.0"), "example.com/fork", Some("v1.0.1")).unwrap();
        m.set_require("example.com/new", "v1.0.0").unwrap();
        m.drop_require("example.com/b/v2");
        m.drop_replace("gopkg.in/yaml.v3", None);
        let out = m.to_string();
        let again = GoMod::parse("go.mod", &out);
        prop_assert!(again.is_ok(), "{:?} -> {:?}: {}", text, out, again.unwrap_err());
        let again = again.unwrap();
        prop_assert_eq!(again.to_string(), out.clone());
        prop_assert!(again.replaces().iter().any(|r| r.old_path == "example.com/a" && r.is_dir()));
        prop_assert!(again.requires().iter().any(|r| r.path == "example.com/new"));
        prop_assert!(!again.requires().iter().any(|r| r.path == "example.com/b/v2"));
        prop_assert!(!again.replaces().iter().any(|r| r.old_path == "gopkg.in/yaml.v3" && r.old_version.is_none()));
    }

    #[test]
    fn never_panics_on_any_string(text in any::<String>()) {
        for m in [GoMod::parse("go.mod", &text), GoMod::parse_lax("go.mod", &text)].into_iter().flatten() {
            prop_assert_eq!(m.to_string(), text.clone());
        }
    }

    #[test]
    fn never_panics_on_go_mod_alphabet(text in "[a-z()\\[\\]{},\"`\\\\/* \t\r\n=>.@é\u{feff}\u{200b}]{0,80}") {
        for mut m in [GoMod::parse("go.mod", &text), GoMod::parse_lax("go.mod", &text)].into_iter().flatten() {
            prop_assert_eq!(m.to_string(), text.clone());
            let _ = m.add_replace("example.com/x", None, "./x", None);
            let _ = m.set_require("example.com/y", "v1.0.0");
            m.drop_require("example.com/y");
            m.drop_replace("example.com/x", None);
            let _ = m.to_string();
        }
    }
}
