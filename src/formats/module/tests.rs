//! Unit tests of module path checks, escaping and semver order, against go's own cases.

use super::*;

#[test]
fn check_path_table() {
    let cases: &[(&str, bool)] = &[
        ("golang.org/x/text", true),
        ("github.com/BurntSushi/toml", true),
        ("example.com/m/v2", true),
        ("example.com/m/v1", false),
        ("example.com/m/v02", false),
        ("example.com/m/v2.1", false),
        ("example.com/m/v0", false),
        ("gopkg.in/yaml.v2", true),
        ("gopkg.in/yaml.v0", true),
        ("gopkg.in/yaml.v05", false),
        ("gopkg.in/yaml", false),
        ("gopkg.in/check.v1-unstable", true),
        ("example.com", true),
        ("example", false),
        ("Example.com/m", false),
        ("-example.com/m", false),
        ("/example.com/m", false),
        ("example.com//m", false),
        ("example.com/m/", false),
        ("example.com/.m", false),
        ("example.com/m.", false),
        ("example.com/..", false),
        ("example.com/m~1", false),
        ("example.com/m~a", true),
        ("example.com/con", false),
        ("example.com/CON.x", false),
        ("example.com/console", true),
        ("example.com/a+b", false),
        ("example.com/a b", false),
        ("example.com/é", false),
        ("example.com/a@b", false),
        ("", false),
        ("exa_mple.com/m", false),
    ];
    for (path, ok) in cases {
        assert_eq!(check_path(path).is_ok(), *ok, "check_path({path:?})");
    }
}

#[test]
fn check_path_messages() {
    let err = check_path("example/m").expect_err("no dot");
    assert_eq!(
        err.to_string(),
        "malformed module path `example/m`: missing dot in first path element"
    );
    let err = check_path("example.com/m/v1").expect_err("bad suffix");
    assert_eq!(
        err.to_string(),
        "malformed module path `example.com/m/v1`: invalid version"
    );
}

#[test]
fn check_import_path_table() {
    let cases: &[(&str, bool)] = &[
        ("fmt", true),
        ("net/http", true),
        ("example.com/c++", true),
        ("example.com/.hidden", true),
        ("-x", false),
        ("a/b~12", false),
        ("a/aux", false),
        ("a/b c", false),
    ];
    for (path, ok) in cases {
        assert_eq!(check_import_path(path).is_ok(), *ok, "{path:?}");
    }
}

#[test]
fn check_file_path_table() {
    let cases: &[(&str, bool)] = &[
        ("go.mod", true),
        ("a/b/c.go", true),
        ("-flag.go", true),
        (".github/workflows/ci.yml", true),
        ("with space.txt", true),
        ("weird!#$%&()+,=@[]^_{}~.txt", true),
        ("héllo/日本語.go", true),
        ("a~1.go", true),
        ("../x", false),
        ("a/../b", false),
        ("./a", false),
        ("/abs", false),
        ("a\\b", false),
        ("a:b", false),
        ("a*b", false),
        ("a?b", false),
        ("a\"b", false),
        ("a'b", false),
        ("a`b", false),
        ("a|b", false),
        ("a<b", false),
        ("a\0b", false),
        ("a\nb", false),
        ("con.go", false),
        ("sub/NUL", false),
        ("lpt9.txt.go", false),
        ("com10.go", true),
        ("dir/", false),
        ("a//b", false),
        ("trailingdot.", false),
        ("", false),
        ("x/\u{0301}", false),
        ("Ⅻ.go", false),
    ];
    for (path, ok) in cases {
        assert_eq!(check_file_path(path).is_ok(), *ok, "{path:?}");
    }
}

#[test]
fn escaping_round_trips() {
    let cases: &[(&str, &str)] = &[
        ("github.com/BurntSushi/toml", "github.com/!burnt!sushi/toml"),
        (
            "github.com/GoogleCloudPlatform/cloudsql-proxy",
            "github.com/!google!cloud!platform/cloudsql-proxy",
        ),
        ("golang.org/x/text", "golang.org/x/text"),
    ];
    for (path, escaped) in cases {
        assert_eq!(escape_path(path).as_deref(), Ok(*escaped));
        assert_eq!(unescape_path(escaped).as_deref(), Ok(*path));
    }
    assert_eq!(escape_version("v1.0.0-RC1").as_deref(), Ok("v1.0.0-!r!c1"));
    assert_eq!(
        unescape_version("v1.0.0-!r!c1").as_deref(),
        Ok("v1.0.0-RC1")
    );
    assert_eq!(escape_version("master").as_deref(), Ok("master"));
}

#[test]
fn escaping_rejects() {
    for bad in [
        "github.com/!Burnt/toml",
        "github.com/Burnt/toml",
        "github.com/!1/toml",
        "github.com/x!",
        "Github.com/x",
        "github.com/é",
    ] {
        assert!(unescape_path(bad).is_err(), "unescape_path({bad:?})");
    }
    assert!(escape_path("Example.com/x").is_err());
    for bad in ["v1!", "v1/2", "", "v1.0.0\n"] {
        assert!(escape_version(bad).is_err(), "escape_version({bad:?})");
    }
    for bad in ["v1.0.0-A", "v1.0.0-!", "v1/x", ""] {
        assert!(unescape_version(bad).is_err(), "unescape_version({bad:?})");
    }
}

#[test]
fn valid_versions() {
    let cases: &[(&str, bool)] = &[
        ("v1", true),
        ("v1.2", true),
        ("v1.2.3", true),
        ("v1.2.3-pre", true),
        ("v1.2.3-pre.1+build.7", true),
        ("v2.0.0+incompatible", true),
        ("v1.2.3-01", false),
        ("v1.2.3-0", true),
        ("v1.2.3-pre..1", false),
        ("v1.2.3+", false),
        ("v1.2.3-", false),
        ("v01.2.3", false),
        ("v1.2.3.4", false),
        ("1.2.3", false),
        ("v1.2-pre", false),
        ("v1.2.3+meta+more", false),
        ("", false),
        ("v", false),
    ];
    for (version, ok) in cases {
        assert_eq!(is_valid_version(version), *ok, "{version:?}");
    }
}

#[test]
fn version_order() {
    let ascending = [
        "bad",
        "v0.0.0-20190101000000-abcdefabcdef",
        "v0.0.0",
        "v0.9.0",
        "v1.0.0-alpha",
        "v1.0.0-alpha.1",
        "v1.0.0-alpha.beta",
        "v1.0.0-beta",
        "v1.0.0-beta.2",
        "v1.0.0-beta.11",
        "v1.0.0-rc.1",
        "v1.0.0",
        "v1.0.1-0.20200101000000-abcdefabcdef",
        "v1.0.1",
        "v1.2.0",
        "v1.10.0",
        "v2.0.0+incompatible",
        "v10.0.0",
    ];
    for (i, a) in ascending.iter().enumerate() {
        for (j, b) in ascending.iter().enumerate() {
            assert_eq!(compare_versions(a, b), i.cmp(&j), "{a} vs {b}");
        }
    }
    assert_eq!(compare_versions("v1.2.3+meta", "v1.2.3"), Ordering::Equal);
    assert_eq!(compare_versions("v1", "v1.0.0"), Ordering::Equal);
    assert_eq!(compare_versions("junk", "other junk"), Ordering::Equal);
}

#[test]
fn canonical_and_parts() {
    assert_eq!(canonical_version("v1"), "v1.0.0");
    assert_eq!(canonical_version("v1.2"), "v1.2.0");
    assert_eq!(canonical_version("v1.2.3+meta"), "v1.2.3");
    assert_eq!(
        canonical_version("v2.0.0+incompatible"),
        "v2.0.0+incompatible"
    );
    assert_eq!(canonical_version("nope"), "");
    assert_eq!(major("v2.1.0"), "v2");
    assert_eq!(prerelease("v1.0.0-rc.1+x"), "-rc.1");
    assert_eq!(build("v1.0.0-rc.1+x"), "+x");
}

#[test]
fn pseudo_versions() {
    let cases: &[(&str, bool)] = &[
        ("v0.0.0-20191109021931-daa7c04131f5", true),
        ("v2.0.0-20191109021931-daa7c04131f5", true),
        ("v1.2.4-0.20191109021931-daa7c04131f5", true),
        ("v1.2.3-pre.0.20191109021931-daa7c04131f5", true),
        ("v1.2.3-rc.1.2.0.20191109021931-daa7c04131f5", true),
        ("v0.0.0-20191109021931-daa7c04131f5+incompatible", true),
        ("v1.2.4-0.20191109021931-daa7c04131f5+build.1", true),
        ("v1.2.3", false),
        ("v1.2.3-pre", false),
        ("v1.2.4-1.20191109021931-daa7c04131f5", false),
        ("v0.0.0-2019110902193-daa7c04131f5", false),
        ("v0.0.0-20191109021931-", false),
        ("v0.0.0-20191109021931-daa7c04131f5-x", false),
        ("v1.2.3-pre.0.2019110902193x-daa7c04131f5", false),
        ("v0.0.0-20191109021931-daa7c04131_5", false),
    ];
    for (version, ok) in cases {
        assert_eq!(is_pseudo_version(version), *ok, "{version:?}");
    }
}

#[test]
fn major_suffixes() {
    let cases: &[(&str, &str, bool)] = &[
        ("example.com/m", "v1.2.3", true),
        ("example.com/m", "v0.1.0", true),
        ("example.com/m", "v2.0.0", false),
        ("example.com/m", "v2.0.0+incompatible", true),
        ("example.com/m/v2", "v2.0.0", true),
        ("example.com/m/v2", "v2.0.0+incompatible", true),
        ("example.com/m/v2", "v3.0.0", false),
        ("example.com/m/v2", "v1.0.0", false),
        ("example.com/m/v1", "v1.0.0", false),
        ("gopkg.in/yaml.v2", "v2.4.0", true),
        ("gopkg.in/yaml.v2", "v3.0.0", false),
        (
            "gopkg.in/check.v1",
            "v0.0.0-20161208181325-20d25e280405",
            true,
        ),
        (
            "gopkg.in/check.v1",
            "v1.0.0-20201130134442-10cb98267c6c",
            true,
        ),
        ("gopkg.in/yaml.v3-unstable", "v3.0.0", true),
        (
            "example.com/m/v3",
            "v3.0.0-20191109021931-daa7c04131f5",
            true,
        ),
    ];
    for (path, version, ok) in cases {
        assert_eq!(major_suffix_ok(path, version), *ok, "{path} {version}");
    }
}

#[test]
fn module_version_parse() {
    let mv: ModuleVersion = "github.com/BurntSushi/toml@v1.3.2".parse().expect("valid");
    assert_eq!(mv.path, "github.com/BurntSushi/toml");
    assert_eq!(mv.version, "v1.3.2");
    assert_eq!(mv.to_string(), "github.com/BurntSushi/toml@v1.3.2");
    assert_eq!(
        mv.escaped().expect("escapable"),
        (
            "github.com/!burnt!sushi/toml".to_owned(),
            "v1.3.2".to_owned()
        )
    );
    assert_eq!(mv.zip_prefix(), "github.com/BurntSushi/toml@v1.3.2/");
    for bad in [
        "example.com/m",
        "example.com/m@",
        "example.com/m@latest",
        "example.com/m@v2.0.0",
        "example/m@v1.0.0",
        "example.com/m/v2@v1.0.0",
    ] {
        assert!(bad.parse::<ModuleVersion>().is_err(), "{bad:?}");
    }
    let err = "example.com/m/v2@v1.0.0"
        .parse::<ModuleVersion>()
        .expect_err("mismatch");
    assert_eq!(
        err.to_string(),
        "`example.com/m/v2@v1.0.0`: invalid version: should be v2, not v1"
    );
}

#[test]
fn std_lib_paths() {
    for (path, std) in [
        ("fmt", true),
        ("net/http", true),
        ("cmd/go/internal/x", true),
        ("example.com/m", false),
        ("golang.org/x/text", false),
    ] {
        assert_eq!(is_std_lib_path(path), std, "{path}");
    }
}

#[test]
fn shown_escapes_controls() {
    assert_eq!(shown("a\nb\0c"), "a\\nb\\u{0}c");
    assert_eq!(shown("a\\b é"), "a\\b é");
}

#[test]
fn semver_order_matches_x_mod_semver() {
    // Each row is strictly ascending.
    let ascending = [
        "bogus",
        "v0.0.0-20230101000000-abcdefabcdef",
        "v0.0.0-20240101000000-abcdefabcdef",
        "v0.1.0",
        "v1",
        "v1.0.1",
        "v1.2",
        "v1.9.0",
        "v1.10.0-9",
        "v1.10.0-10",
        "v1.10.0-alpha",
        "v1.10.0-alpha.1",
        "v1.10.0-alpha.beta",
        "v1.10.0-beta.2",
        "v1.10.0-beta.11",
        "v1.10.0-rc.1",
        "v1.10.0",
        "v2.0.0+incompatible",
        "v10.0.0",
    ];
    for pair in ascending.windows(2) {
        assert_eq!(
            compare_versions(pair[0], pair[1]),
            Ordering::Less,
            "{pair:?}"
        );
        assert_eq!(
            compare_versions(pair[1], pair[0]),
            Ordering::Greater,
            "{pair:?}"
        );
    }
    let equal = [
        ("v1", "v1.0.0"),
        ("v1.2", "v1.2.0"),
        ("v1.0.0+meta", "v1.0.0"),
        ("bogus", "v01.0.0"),
        ("v1.0.0-01", "1.0.0"),
        ("v1.0.0-", "v1.0.0-a..b"),
    ];
    for (a, b) in equal {
        assert_eq!(compare_versions(a, b), Ordering::Equal, "{a} {b}");
    }
}
