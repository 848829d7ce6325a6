//! A checksum database made by the tests: its own ed25519 key (from a fixed seed), one record per
//! module version with the `h1:` hashes the real go computes (`go mod download -json` with the
//! database off), a log of those records after some filler, its tiles and a signed tree head,
//! all served as `<proxy>/sumdb/<name>/{supported,latest,lookup/…,tile/…}` in a GOPROXY file
//! tree. The real go, offline with `GOSUMDB=<key>`, is the judge that the database is right.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use gomodoff::sumdb::note::NoteSigner;
use gomodoff::sumdb::tlog::{LogBuilder, TILE_HEIGHT, Tile};

use super::{Harness, assert_success, escape};

/// The test database's name (a host, as go requires).
pub const NAME: &str = "sumdb.test.example";

/// A database in memory.
pub struct TestSumdb {
    signer: NoteSigner,
    log: LogBuilder,
    records: BTreeMap<(String, String), (i64, String)>,
}

impl TestSumdb {
    /// An empty database whose log starts with `filler` records of no module, so that records
    /// land past the first tile.
    pub fn new(filler: usize) -> TestSumdb {
        TestSumdb::with_filler(filler, "filler")
    }

    /// [`TestSumdb::new`] with filler records named after `tag`: another tag makes another log
    /// of the same size, signed by the same key (a fork).
    pub fn with_filler(filler: usize, tag: &str) -> TestSumdb {
        let mut log = LogBuilder::new();
        for i in 0..filler {
            log.push(format!("example.org/{tag}{i} v1.0.0 h1:AAAA\n").as_bytes());
        }
        TestSumdb {
            signer: NoteSigner::from_seed(NAME, *b"gomodoff test checksum database!"),
            log,
            records: BTreeMap::new(),
        }
    }

    /// The verifier key: the value of `GOSUMDB`.
    pub fn gosumdb(&self) -> String {
        self.signer.verifier_key()
    }

    /// Append the record of `path@version` with the hashes the real go computes for it from the
    /// harness proxy.
    pub fn add_from_go(&mut self, h: &Harness, path: &str, version: &str) {
        let dir = h.fresh_dir("sumdb-download");
        let out = h.go_with_env(
            &dir,
            &["mod", "download", "-json", &format!("{path}@{version}")],
            &[("GOFLAGS", "-modcacherw")],
        );
        assert_success(&out, "go mod download -json");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let zip = v["Sum"].as_str().unwrap().to_string();
        let gomod = v["GoModSum"].as_str().unwrap().to_string();
        self.add(path, version, &zip, &gomod);
    }

    /// Append a record with the given hashes.
    pub fn add(&mut self, path: &str, version: &str, zip_h1: &str, gomod_h1: &str) {
        let text = format!("{path} {version} {zip_h1}\n{path} {version}/go.mod {gomod_h1}\n");
        let id = self.log.push(text.as_bytes());
        self.records
            .insert((path.to_string(), version.to_string()), (id, text));
    }

    /// The number of records in the log.
    pub fn size(&self) -> i64 {
        self.log.tree().size
    }

    /// The signed tree head of the log as it is now.
    pub fn latest(&self) -> String {
        self.signer
            .sign(&gomodoff::sumdb::tree_text(&self.log.tree()))
    }

    /// Every tile of the log as it is now (full ones and the partial right edge, at every
    /// level), by path.
    pub fn tiles(&self) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        let size = self.log.tree().size;
        let mut level = 0;
        loop {
            let hashes = size >> (level * TILE_HEIGHT);
            if hashes == 0 {
                break;
            }
            for n in 0..=(hashes >> TILE_HEIGHT) {
                let width = (hashes - (n << TILE_HEIGHT)).min(1 << TILE_HEIGHT);
                if width == 0 {
                    continue;
                }
                let t = Tile {
                    height: TILE_HEIGHT,
                    level,
                    n,
                    width: u32::try_from(width).unwrap(),
                };
                out.insert(t.path(), self.log.tile_data(&t).unwrap());
            }
            level += 1;
        }
        out
    }

    /// The lookup response for `path@version`, carrying the current head.
    pub fn lookup(&self, path: &str, version: &str) -> String {
        let (id, text) = &self.records[&(path.to_string(), version.to_string())];
        format!("{id}\n{text}\n{}", self.latest())
    }

    /// Serve the database from the GOPROXY tree at `proxy`.
    pub fn write(&self, proxy: &Path) {
        let root = proxy.join("sumdb").join(NAME);
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("lookup")).unwrap();
        fs::write(root.join("supported"), "").unwrap();
        fs::write(root.join("latest"), self.latest()).unwrap();
        for (path, version) in self.records.keys() {
            let file = root
                .join("lookup")
                .join(format!("{}@{}", escape(path), escape(version)));
            fs::create_dir_all(file.parent().unwrap()).unwrap();
            fs::write(file, self.lookup(path, version)).unwrap();
        }
        for (path, data) in self.tiles() {
            let file = root.join(path);
            fs::create_dir_all(file.parent().unwrap()).unwrap();
            fs::write(file, data).unwrap();
        }
    }
}
