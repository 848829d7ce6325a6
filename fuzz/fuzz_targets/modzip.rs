//! Fuzzes module zips, which come from caches, bundles and proxies gomodoff does not control:
//! any bytes, read as the zip of one fixed module version, are checked ([`check_zip`]), hashed
//! ([`hash_zip`]) and extracted ([`extract_zip`]) without a panic, and
//! - extraction succeeds only for a zip the check accepts, with the same files and sizes, each
//!   written with the SHA-256 it reports, and nothing written outside the destination;
//! - on any error the destination (missing before) is missing after.
//!
//! Run: `TMPDIR=/dev/shm cargo +nightly fuzz run modzip fuzz/corpus/modzip fuzz/seeds/modzip
//! testdata/hostile/gomade` from the repository root (both seed folders hold a zip of this module
//! version; every input is written to a file, hence the tmpfs). Keep what it finds in
//! `testdata/modzip/_fuzzed/`.
#![no_main]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use gomodoff::dirhash::hash_zip;
use gomodoff::module::ModuleVersion;
use gomodoff::modzip::{check_zip, extract_zip};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

/// The module of `testdata/hostile/gomade/major-v2.zip`, so that it seeds the corpus.
const MODULE: &str = "example.com/major/v2";
const VERSION: &str = "v2.1.0-RC.1";

/// A work directory of this process: `in.zip`, and `out/` while an extraction is checked.
fn work() -> &'static Path {
    static WORK: OnceLock<PathBuf> = OnceLock::new();
    WORK.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("gomodoff-fuzz-modzip-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create the work directory");
        dir
    })
}

/// Every path under `dir`, relative, sorted.
fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("read a directory") {
            let path = entry.expect("read a directory").path();
            out.push(path.strip_prefix(dir).expect("under dir").to_path_buf());
            if path.is_dir() && !path.is_symlink() {
                stack.push(path);
            }
        }
    }
    out.sort();
    out
}

fuzz_target!(|data: &[u8]| {
    let mv = ModuleVersion::new(MODULE, VERSION).expect("valid module");
    let work = work();
    let zip = work.join("in.zip");
    let out = work.join("out");
    fs::write(&zip, data).expect("write the input");
    let _ = fs::remove_dir_all(&out);

    let checked = check_zip(&zip, &mv);
    let _ = hash_zip(&zip);
    let extracted = extract_zip(&zip, &mv, &out);
    match (&checked, &extracted) {
        (Err(_), Ok(_)) => panic!("extracted a zip the check refused: {checked:?}"),
        (Ok(files), Ok(written)) => {
            assert_eq!(files.len(), written.len(), "files checked vs. extracted");
            let on_disk: Vec<PathBuf> = listing(&out)
                .into_iter()
                .filter(|p| out.join(p).is_file())
                .collect();
            let mut names: Vec<PathBuf> = written.iter().map(|w| PathBuf::from(&w.name)).collect();
            names.sort();
            assert_eq!(on_disk, names, "files extracted vs. reported");
            for (f, w) in files.iter().zip(written) {
                assert_eq!(
                    (&f.name, f.size),
                    (&w.name, w.size),
                    "entry checked vs. extracted"
                );
                let bytes = fs::read(out.join(&w.name)).expect("an extracted file is there");
                assert_eq!(bytes.len() as u64, w.size, "{}: size", w.name);
                let digest: [u8; 32] = Sha256::digest(&bytes).into();
                assert_eq!(w.sha256, Some(digest), "{}: sha256", w.name);
            }
        }
        (_, Err(_)) => assert!(
            !out.exists(),
            "a failed extraction left {}: {extracted:?}",
            out.display()
        ),
    }
    let mut outside = listing(work);
    outside.retain(|p| !p.starts_with("out"));
    assert_eq!(
        outside,
        [PathBuf::from("in.zip")],
        "written outside the destination"
    );
    let _ = fs::remove_dir_all(&out);
});
