//! go.sum against the files the real go writes: reprinted byte for byte, every hash found, and
//! entries inserted one by one land exactly where go sorts them.

use std::fs;

use gomodoff::gosum::GoSum;

use crate::support::{Harness, PROJECTS};

#[test]
fn reprints_and_reads_what_go_wrote() {
    requires_go!();
    let h = Harness::new();
    for name in PROJECTS {
        let dir = h.project(name);
        let text = fs::read_to_string(dir.join("go.sum")).expect("go.sum");
        let sum = GoSum::parse("go.sum", &text).expect("go's go.sum parses");
        assert_eq!(sum.to_string(), text, "{name}");
        assert_eq!(sum.len(), text.lines().count(), "{name}");

        let json = h.go_ok(&dir, &["mod", "download", "-json", "all"]);
        for d in serde_json::Deserializer::from_str(&json).into_iter::<serde_json::Value>() {
            let d = d.expect("go mod download -json");
            let (path, version) = (
                d["Path"].as_str().expect("Path"),
                d["Version"].as_str().expect("Version"),
            );
            assert_eq!(
                sum.gomod_hash(path, version),
                d["GoModSum"].as_str(),
                "{path}@{version}"
            );
            if let Some(zip_sum) = sum.zip_hash(path, version) {
                assert_eq!(Some(zip_sum), d["Sum"].as_str(), "{path}@{version}");
            }
        }
        // Replaced modules are recorded under the replacement's path.
        if name == "replaces" {
            assert!(sum.zip_hash("example.com/forks/multi", "v1.2.1").is_some());
            assert!(sum.zip_hash("example.com/multi", "v1.2.0").is_none());
        }

        // Inserting every entry, in reverse, into an empty file gives go's file back.
        let mut rebuilt = GoSum::new("go.sum");
        let entries: Vec<_> = sum.entries().cloned().collect();
        for e in entries.iter().rev() {
            assert!(
                rebuilt
                    .insert(&e.path, &e.version, e.gomod_only, &e.hash)
                    .expect("insert")
            );
        }
        assert_eq!(rebuilt.to_string(), text, "{name}");
    }
}

/// Lines go keeps but cannot check, in an order that differs from plain string order.
const EXTRA: &str = "\
example.com/zzz v1.10.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
example.com/zzz v1.9.0/go.mod h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
example.com/zzz v1.10.0-rc.1 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
example.com/zzz v1.10.0-rc.1/go.mod h1:BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
example.com/zzz v1.10.0-beta h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
example.com/zzz v1.10.0-10 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
example.com/zzz v1.10.0-9 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
example.com/zzz bogus h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
example.com/zzz v2.0.0+incompatible h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
example.com/zz v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
example.com/zzz v0.0.0-20240101000000-abcdefabcdef h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
example.com/zzz v0.0.0-20230101000000-abcdefabcdef/go.mod h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
example.com/ZZ v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
example.com/zzz v1.9.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
example.com/zzz v1.9.0 md5:xyz
example.com/a-z v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
";

#[test]
fn insert_order_matches_the_order_go_writes() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    let tidy = fs::read_to_string(dir.join("go.sum")).expect("go.sum");
    let dropped = "example.com/tagged v1.0.0 h1:";
    assert!(tidy.contains(dropped));

    // A shuffled go.sum (reversed, extra lines mixed in) that lacks one line go needs: go adds
    // the line and rewrites the whole file in its own order.
    let mut lines: Vec<&str> = tidy.lines().filter(|l| !l.starts_with(dropped)).collect();
    lines.extend(EXTRA.lines());
    lines.reverse();
    let shuffled = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    fs::write(dir.join("go.sum"), &shuffled).expect("write go.sum");
    h.go_ok(&dir, &["get", "example.com/tagged@v1.0.0"]);
    let by_go = fs::read_to_string(dir.join("go.sum")).expect("go.sum");
    assert_ne!(by_go, shuffled, "go did not rewrite go.sum");
    assert!(by_go.contains(dropped));

    let mut ours = GoSum::new("go.sum");
    let input = GoSum::parse(
        "go.sum",
        &format!("{shuffled}{}", tidy_line(&tidy, dropped)),
    )
    .expect("parses");
    for e in input.entries() {
        assert!(
            ours.insert(&e.path, &e.version, e.gomod_only, &e.hash)
                .expect("insert")
        );
    }
    assert_eq!(ours.to_string(), by_go);

    // And inserting into go's own sorted file where it already is changes nothing.
    let mut again = GoSum::parse("go.sum", &by_go).expect("parses");
    for e in input.entries() {
        assert!(
            !again
                .insert(&e.path, &e.version, e.gomod_only, &e.hash)
                .expect("insert")
        );
    }
    assert_eq!(again.to_string(), by_go);
}

fn tidy_line(tidy: &str, prefix: &str) -> String {
    let line = tidy
        .lines()
        .find(|l| l.starts_with(prefix))
        .expect("the line");
    format!("{line}\n")
}
