//! Fuzzes `gomodoff-manifest.toml`, the manifest of a bundle from another machine: any text is
//! read by [`Manifest::parse`] without a panic, and a manifest it accepts
//! - renders to a text that parses back to the same manifest, and renders the same again;
//! - lists its tree's files ([`Manifest::expected_files`]) or says why it cannot.
//!
//! Run: `cargo +nightly fuzz run bundle_manifest fuzz/corpus/bundle_manifest
//! fuzz/seeds/bundle_manifest` from the repository root. Keep what it finds in
//! `testdata/bundle/_fuzzed/`.
#![no_main]

use gomodoff::bundle::Manifest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(manifest) = Manifest::parse("fuzz", text) else {
        return;
    };
    let _ = manifest.expected_files();
    let rendered = manifest.render();
    let again = match Manifest::parse("rendered", &rendered) {
        Ok(again) => again,
        Err(e) => panic!(
            "rendered manifest does not parse: {e}\n--- input:\n{text:?}\n--- rendered:\n{rendered}"
        ),
    };
    assert_eq!(
        again, manifest,
        "parse(render(m)) != m\n--- rendered:\n{rendered}"
    );
    assert_eq!(again.render(), rendered, "render is not stable");
});
