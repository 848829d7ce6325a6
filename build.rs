//! Prepares the licence scanner's store of SPDX texts (see `store` in
//! `src/formats/licenses.rs`): the `spdx` crate's inline cache, written again for what gomodoff
//! reads of it and how it loads it.
//!
//! - Only the n-grams of each licence text are kept, which is all the scanner compares a file
//!   with; the normalised text and lines are kept only for the licences in `KEEP_TEXT`. In
//!   memory the texts took 10 MB of the store's 45 MB.
//! - It is compressed with a 1 MiB zstd window instead of the crate's 64 MiB: a zstd stream is
//!   decoded through a buffer as large as its window (or the whole content, when smaller), so
//!   loading the crate's cache touched 16 MB that were freed right after, at the peak of every
//!   run that reads a licence.
//!
//! The store loaded from this file scores every text exactly as the crate's own does: the
//! n-grams are the same.

use std::io::{self, Write as _};
use std::path::PathBuf;

use spdx::detection::{LicenseEntry, Store};

/// The licences whose text gomodoff reads, not only their n-grams: the LGPL-3.0, whose own part
/// is cut from its text (`CARRIES` and `lesser_parts` in `src/formats/licenses.rs`), and the
/// GPL-3.0, whose text its tests lay out as a project would.
const KEEP_TEXT: [&str; 2] = ["LGPL-3.0-or-later", "GPL-3.0-or-later"];

/// The zstd window, as a power of two (see the module's documentation).
const WINDOW_LOG: u32 = 20;

fn main() -> io::Result<()> {
    println!("cargo::rerun-if-changed=build.rs");
    let full = Store::load_inline().map_err(io::Error::other)?;
    let mut store = Store::new();
    for (name, entry) in full.iter() {
        let keep = KEEP_TEXT.contains(&name.as_str());
        let strip = |t: &spdx::detection::TextData| {
            if keep {
                t.clone()
            } else {
                t.clone().without_text()
            }
        };
        store.insert_entry(
            name.clone(),
            LicenseEntry {
                original: strip(&entry.original),
                aliases: entry.aliases.clone(),
                headers: entry.headers.iter().map(strip).collect(),
                alternates: entry.alternates.iter().map(strip).collect(),
            },
        );
    }
    drop(full);
    // `to_cache` writes a version header, then a zstd stream with the crate's own settings:
    // written again with a small window.
    let mut cache = Vec::new();
    store.to_cache(&mut cache).map_err(io::Error::other)?;
    const HEADER: usize = 13;
    let raw = zstd::stream::decode_all(&cache[HEADER..])?;
    let mut out = cache[..HEADER].to_vec();
    let mut encoder = zstd::stream::Encoder::new(&mut out, 19)?;
    encoder.window_log(WINDOW_LOG)?;
    encoder.set_pledged_src_size(Some(raw.len() as u64))?;
    encoder.include_contentsize(true)?;
    encoder.write_all(&raw)?;
    encoder.finish()?;
    // Cargo tells a build script where to write through the environment; src/util/env.rs is not
    // part of the build script.
    #[allow(clippy::disallowed_methods)]
    let dir = std::env::var_os("OUT_DIR").ok_or_else(|| io::Error::other("no OUT_DIR"))?;
    let dir = PathBuf::from(dir);
    std::fs::write(dir.join("spdx-store.cache"), out)
}
