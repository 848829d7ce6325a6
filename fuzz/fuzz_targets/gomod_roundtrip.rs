//! Fuzzes the go.mod layer: any text that parses (strict or lax) prints back byte for byte, and
//! after edits the file still parses, prints back unchanged, and says what the edits did.
//!
//! Run: `cargo +nightly fuzz run gomod_roundtrip -- -runs=1000000` (from the repository root).
//! Keep what it finds in `testdata/gomod/_fuzzed/` (checked by `tests/it/gomod.rs`).
#![no_main]

use gomodoff::gomod::GoMod;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for strict in [true, false] {
        let parse = |s: &str| {
            if strict {
                GoMod::parse("go.mod", s)
            } else {
                GoMod::parse_lax("go.mod", s)
            }
        };
        let Ok(mut m) = parse(text) else {
            continue;
        };
        assert_eq!(m.to_string(), text, "round trip");
        // Drop what the file had first (never what the edits below add).
        let first_require = m
            .requires()
            .first()
            .map(|r| r.path.clone())
            .filter(|p| p != "example.com/fuzzreq");
        let first_replace = m
            .replaces()
            .first()
            .cloned()
            .filter(|r| r.old_path != "example.com/fuzz");
        m.add_replace("example.com/fuzz", None, "./third_party/fuzz@v1.0.0", None)
            .expect("valid replace");
        m.add_replace(
            "example.com/fuzz",
            Some("v1.2.3"),
            "example.com/fork",
            Some("v1.2.4"),
        )
        .expect("valid replace");
        m.set_require("example.com/fuzzreq", "v0.1.0")
            .expect("valid require");
        if let Some(path) = &first_require {
            m.drop_require(path);
        }
        if let Some(r) = &first_replace {
            m.drop_replace(&r.old_path, r.old_version.as_deref());
        }
        let out = m.to_string();
        let again = match parse(&out) {
            Ok(again) => again,
            Err(e) => panic!(
                "edited file does not parse: {e}\n--- input:\n{text:?}\n--- output:\n{out:?}"
            ),
        };
        assert_eq!(again.to_string(), out, "round trip after edits");
        if let Some(path) = &first_require {
            assert!(
                !again.requires().iter().any(|r| &r.path == path),
                "dropped requirement still there: {out:?}"
            );
        }
        assert!(
            again
                .requires()
                .iter()
                .any(|r| r.path == "example.com/fuzzreq"),
            "added requirement missing: {out:?}"
        );
        // Lax reading skips replace directives.
        if strict {
            assert!(
                again
                    .replaces()
                    .iter()
                    .any(|r| r.old_path == "example.com/fuzz" && r.is_dir()),
                "added replacement missing: {out:?}"
            );
        }
    }
});
