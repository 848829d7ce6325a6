//! Fuzzes bundles, zips made on another machine: any bytes, read as a bundle by [`unpack`] into
//! a fresh directory, are refused or unpacked without a panic, and
//! - nothing is written outside that directory;
//! - an unpacked tree holds only the manifest and the files it lists, and `verify_tree` finds
//!   nothing wrong in it.
//!
//! Run: `TMPDIR=/dev/shm cargo +nightly fuzz run bundle_unpack fuzz/corpus/bundle_unpack
//! fuzz/seeds/bundle_unpack` from the repository root (the seed is a bundle `gomodoff unpack`
//! accepts, made by `fuzz/seeds/make.py`; every input is written to a file, hence the tmpfs).
//! Keep what it finds in `testdata/bundle/_fuzzed/`.
#![no_main]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use gomodoff::bundle::{MANIFEST_FILE, unpack, verify_tree};
use libfuzzer_sys::fuzz_target;

/// A work directory of this process: `in.zip`, and `out/` while an unpack is checked.
fn work() -> &'static Path {
    static WORK: OnceLock<PathBuf> = OnceLock::new();
    WORK.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("gomodoff-fuzz-bundle-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create the work directory");
        dir
    })
}

/// Every file (not directory) under `dir`, relative, `/`-separated, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("read a directory") {
            let path = entry.expect("read a directory").path();
            if path.is_dir() && !path.is_symlink() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).expect("under dir");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

fuzz_target!(|data: &[u8]| {
    let work = work();
    let bundle = work.join("in.zip");
    let out = work.join("out");
    let _ = fs::remove_dir_all(&out);
    fs::write(&bundle, data).expect("write the input");
    fs::create_dir(&out).expect("create the destination");

    // No database key: the checksum database part (if any) is checked for its form only.
    let result = unpack(&bundle, &out, None);
    assert_eq!(
        fs::read_dir(work).expect("read the work directory").count(),
        2,
        "written outside the destination: {:?}",
        files(work)
    );
    if let Ok((manifest, _)) = &result {
        let expected = manifest.expected_files().expect("unpack checked them");
        let mut want: Vec<String> = expected.keys().cloned().collect();
        want.push(MANIFEST_FILE.to_string());
        want.sort();
        assert_eq!(files(&out), want, "unpacked files vs. the manifest");
        let report = verify_tree(&out).expect("verify the unpacked tree");
        assert!(report.findings.is_empty(), "{:?}", report.findings);
    }
    let _ = fs::remove_dir_all(&out);
});
