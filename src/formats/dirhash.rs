//! `h1:` hashes (`golang.org/x/mod/sumdb/dirhash` Hash1) over a zip, a directory, a go.mod.
//!
//! go.sum records one `h1:` per module zip and one per go.mod; gomodoff must recompute both from
//! the module cache, from bundles and from the trees it writes, and must say *which file* differs
//! when they disagree, so this module also exposes the per-file SHA-256 digests the hash is built
//! from. Hash1 is: sort the file names (bytes), write `<hex sha256>  <name>\n` per file, SHA-256
//! those lines, `h1:` + standard base64. Contents are streamed, never held whole in memory; trees
//! are hashed file-parallel with rayon.
//!
//! Where go's own functions are loose, this module is strict and says so: a zip with two entries
//! of the same name, or an entry carrying an Info-ZIP Unicode path field (which makes its name
//! ambiguous between readers), is an error rather than a hash.
//!
//! Non-regular files under a directory, as go's `HashDir` treats them: it walks with `Lstat`
//! and opens every non-directory with `os.Open`, so a symbolic link to a regular file is hashed
//! as that file's content under the link's own name (go mod verify accepts it; checked in
//! `tests/dirhash.rs`), while a symbolic link to a directory, a dangling link, or any other
//! irregular file makes go fail (or, for a FIFO, block). Here those are errors naming the file.
//! Unlike go, a root directory given through a symbolic link is followed. Names must be UTF-8.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::util::fsutil::PositionedFile;
use base64::Engine as _;
use rayon::prelude::*;
use sha2::{Digest as _, Sha256};

use crate::formats::module::shown;

/// Why a hash could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error(
        "file name `{}` contains a newline, which an h1: hash cannot represent",
        shown(name)
    )]
    NewlineInName { name: String },
    #[error("failed to read `{}` for hashing", shown(name))]
    Read {
        name: String,
        #[source]
        source: io::Error,
    },
    #[error("failed to read `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("failed to read zip `{}`", zip.display())]
    Zip {
        zip: PathBuf,
        #[source]
        source: zip::result::ZipError,
    },
    #[error("failed to read entry `{}` of zip `{}`", shown(entry), zip.display())]
    ZipEntry {
        zip: PathBuf,
        entry: String,
        #[source]
        source: io::Error,
    },
    #[error("zip `{}` has more than one entry named `{}`", zip.display(), shown(entry))]
    DuplicateZipEntry { zip: PathBuf, entry: String },
    #[error(
        "entry `{}` of zip `{}` carries an Info-ZIP Unicode path field, so its name is ambiguous",
        shown(entry),
        zip.display()
    )]
    AmbiguousZipEntryName { zip: PathBuf, entry: String },
    #[error("entry `{}` of zip `{}` has a name that is not UTF-8", shown(entry), zip.display())]
    ZipEntryNotUtf8 { zip: PathBuf, entry: String },
    #[error(
        "entry `{}` of zip `{}` is not under a `path@version/` directory",
        shown(entry),
        zip.display()
    )]
    NoModulePrefix { zip: PathBuf, entry: String },
    #[error(
        "entries of zip `{}` have different prefixes: `{}` and `{}`",
        zip.display(),
        shown(first),
        shown(other)
    )]
    MixedPrefixes {
        zip: PathBuf,
        first: String,
        other: String,
    },
    #[error("`{}` is not a directory", path.display())]
    NotADirectory { path: PathBuf },
    #[error("`{}` has a name that is not UTF-8", path.display())]
    NotUtf8 { path: PathBuf },
    #[error("`{}` is a symbolic link to a directory, which go cannot hash", path.display())]
    SymlinkToDirectory { path: PathBuf },
    #[error("`{}` is not a regular file, a directory or a symbolic link to a file", path.display())]
    IrregularFile { path: PathBuf },
}

/// Hash1 over named contents; the names are sorted here, each reader is read to its end once.
pub fn hash1<I, R>(files: I) -> Result<String, HashError>
where
    I: IntoIterator<Item = (String, R)>,
    R: Read,
{
    let mut files: Vec<(String, R)> = files.into_iter().collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut summary = Summary::default();
    for (name, reader) in files {
        check_name(&name)?;
        let digest =
            crate::util::fsutil::sha256_reader(reader).map_err(|source| HashError::Read {
                name: name.clone(),
                source,
            })?;
        summary.add(&digest, name.as_bytes());
    }
    Ok(summary.finish())
}

/// Hash1 from precomputed SHA-256 digests keyed by full name (a `BTreeMap` is already sorted).
pub fn hash1_from_digests(digests: &BTreeMap<String, [u8; 32]>) -> Result<String, HashError> {
    hash1_prefixed("", digests)
}

/// Hash1 from digests keyed relative to a module root, each name prefixed with `prefix` + `/`
/// (`prefix` is `path@version`), as [`hash_dir`] and go.sum do; an empty prefix adds nothing.
pub fn hash1_prefixed(
    prefix: &str,
    digests: &BTreeMap<String, [u8; 32]>,
) -> Result<String, HashError> {
    let mut lines = Hash1Lines::new(prefix)?;
    // A common prefix keeps byte order, so the map's order is the sorted order of full names.
    for (name, digest) in digests {
        lines.add(digest, name)?;
    }
    Ok(lines.finish())
}

/// Hash1 fed one file at a time, names relative to a module root under `prefix` (as
/// [`hash1_prefixed`]), each digest as 64 lowercase hex digits: what gomodoff's records of checked
/// directories hold, hashed without decoding them. The caller adds the files in the order of
/// their names (byte order).
pub struct Hash1Lines {
    lead: String,
    summary: Summary,
}

impl Hash1Lines {
    /// Lines for a module root named `prefix` (`path@version`; empty: names are full).
    pub fn new(prefix: &str) -> Result<Hash1Lines, HashError> {
        let lead = name_lead(prefix);
        check_name(&lead)?;
        Ok(Hash1Lines {
            lead,
            summary: Summary::default(),
        })
    }

    /// Adds the file `name` whose SHA-256 is `digest`; an error naming it when it holds a
    /// newline.
    pub fn add(&mut self, digest: &[u8; 32], name: &str) -> Result<(), HashError> {
        if name.contains('\n') {
            check_name(&format!("{}{name}", self.lead))?;
        }
        self.summary
            .add_parts(&hex_digest(digest), &self.lead, name);
        Ok(())
    }

    /// Adds the file `name` whose SHA-256 is `hex`; `false` (nothing added) when `hex` is not 64
    /// lowercase hex digits or `name` holds a newline.
    pub fn add_hex(&mut self, hex: &str, name: &str) -> bool {
        let well_formed = hex.len() == 64
            && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            && !name.contains('\n');
        if well_formed {
            self.summary.add_parts(hex.as_bytes(), &self.lead, name);
        }
        well_formed
    }

    /// The `h1:` hash of the lines added.
    pub fn finish(self) -> String {
        self.summary.finish()
    }
}

/// Hash1 over a zip's entries under their names exactly as stored (`path@version/…`), the hash
/// of a module zip in go.sum (`dirhash.HashZip`).
pub fn hash_zip(zip: &Path) -> Result<String, HashError> {
    let mut entries = zip_raw_digests(zip)?;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut summary = Summary::default();
    for (name, digest) in &entries {
        if name.contains(&b'\n') {
            return Err(HashError::NewlineInName {
                name: String::from_utf8_lossy(name).into_owned(),
            });
        }
        summary.add(digest, name);
    }
    Ok(summary.finish())
}

/// Hash1 over every file under `dir`, named `prefix/<relative path>` (`dirhash.HashDir`); the
/// hash of an extracted module when `prefix` is `path@version`.
pub fn hash_dir(dir: &Path, prefix: &str) -> Result<String, HashError> {
    hash1_prefixed(prefix, &dir_file_digests(dir)?)
}

/// The go.sum `/go.mod` hash: Hash1 over the single name `go.mod`.
pub fn hash_gomod(content: &[u8]) -> String {
    let mut summary = Summary::default();
    summary.add(&Sha256::digest(content).into(), b"go.mod");
    summary.finish()
}

/// SHA-256 of every zip entry, keyed by its name with the common `path@version/` prefix removed.
///
/// Directory entries are kept (as go's hash keeps them): the root entry `path@version/` becomes
/// the key `""` and `sub/` stays `sub/`. Zips made by the go command have none.
pub fn zip_file_digests(zip: &Path) -> Result<BTreeMap<String, [u8; 32]>, HashError> {
    let mut prefix: Option<String> = None;
    let mut digests = BTreeMap::new();
    for (raw, digest) in zip_raw_digests(zip)? {
        let name = String::from_utf8(raw).map_err(|err| HashError::ZipEntryNotUtf8 {
            zip: zip.to_owned(),
            entry: String::from_utf8_lossy(err.as_bytes()).into_owned(),
        })?;
        let this_prefix = module_prefix(&name).ok_or_else(|| HashError::NoModulePrefix {
            zip: zip.to_owned(),
            entry: name.clone(),
        })?;
        match &prefix {
            None => prefix = Some(this_prefix.to_owned()),
            Some(first) if first != this_prefix => {
                return Err(HashError::MixedPrefixes {
                    zip: zip.to_owned(),
                    first: first.clone(),
                    other: name,
                });
            }
            Some(_) => {}
        }
        digests.insert(name[this_prefix.len()..].to_owned(), digest);
    }
    Ok(digests)
}

/// SHA-256 of every file under `dir`, keyed by its path relative to `dir` with `/` separators,
/// hashed in parallel. Symbolic links to files count as those files; see the module docs.
pub fn dir_file_digests(dir: &Path) -> Result<BTreeMap<String, [u8; 32]>, HashError> {
    digest_files(&list_dir_files(dir)?)
}

/// [`dir_file_digests`] for files already listed: each `/`-separated name relative to `dir`.
pub fn named_file_digests<'a>(
    dir: &Path,
    names: impl Iterator<Item = &'a String>,
) -> Result<BTreeMap<String, [u8; 32]>, HashError> {
    let files: Vec<(String, PathBuf)> = names.map(|n| (n.clone(), dir.join(n))).collect();
    digest_files(&files)
}

/// The SHA-256 of each of `files` (as `list_dir_files` lists them), read in parallel.
fn digest_files(files: &[(String, PathBuf)]) -> Result<BTreeMap<String, [u8; 32]>, HashError> {
    files
        .par_iter()
        .map(|(name, path)| {
            let file = File::open(path).map_err(|source| HashError::Io {
                path: path.clone(),
                source,
            })?;
            let digest =
                crate::util::fsutil::sha256_reader(file).map_err(|source| HashError::Io {
                    path: path.clone(),
                    source,
                })?;
            Ok((name.clone(), digest))
        })
        .collect()
}

/// The lines Hash1 hashes, fed straight into SHA-256.
#[derive(Default)]
struct Summary {
    hasher: Sha256,
}

impl Summary {
    fn add(&mut self, digest: &[u8; 32], name: &[u8]) {
        self.hasher.update(hex_digest(digest));
        self.hasher.update(b"  ");
        self.hasher.update(name);
        self.hasher.update(b"\n");
    }

    /// A line whose name is `lead` followed by `name`, its digest already in hex.
    fn add_parts(&mut self, hex: &[u8], lead: &str, name: &str) {
        self.hasher.update(hex);
        self.hasher.update(b"  ");
        self.hasher.update(lead);
        self.hasher.update(name);
        self.hasher.update(b"\n");
    }

    fn finish(self) -> String {
        let sum = self.hasher.finalize();
        format!(
            "h1:{}",
            base64::engine::general_purpose::STANDARD.encode(sum)
        )
    }
}

/// A digest in lowercase hex, on the stack.
fn hex_digest(digest: &[u8; 32]) -> [u8; 64] {
    let mut out = [0u8; 64];
    // Cannot fail: the output is exactly twice the input.
    let _ = hex::encode_to_slice(digest, &mut out);
    out
}

fn check_name(name: &str) -> Result<(), HashError> {
    if name.contains('\n') {
        return Err(HashError::NewlineInName {
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// What goes before a relative name: go joins `prefix` and the name with `/` (`filepath.Join`).
fn name_lead(prefix: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}/")
    }
}

/// `path@version/` at the front of a zip entry name: module paths cannot hold `@` and versions
/// cannot hold `/`, so it runs to the first `/` after the first `@`.
fn module_prefix(name: &str) -> Option<&str> {
    let at = name.find('@')?;
    let slash = name[at..].find('/')?;
    Some(&name[..at + slash + 1])
}

/// A zip entry's name as stored and the SHA-256 of its content.
type RawDigest = (Vec<u8>, [u8; 32]);

/// Raw name and content digest of every zip entry, in central-directory order. Entries are
/// inflated in parallel, each worker reading through its own clone of the archive.
fn zip_raw_digests(zip: &Path) -> Result<Vec<RawDigest>, HashError> {
    let zip_error = |source| HashError::Zip {
        zip: zip.to_owned(),
        source,
    };
    let file = File::open(zip).map_err(|source| HashError::Io {
        path: zip.to_owned(),
        source,
    })?;
    let archive = zip::ZipArchive::new(PositionedFile::new(file)).map_err(zip_error)?;
    if archive.has_duplicate_names() {
        let entry = duplicate_entry_name(zip, archive.central_directory_start());
        return Err(HashError::DuplicateZipEntry {
            zip: zip.to_owned(),
            entry,
        });
    }
    (0..archive.len())
        .into_par_iter()
        .map_with(archive, |archive, index| {
            let entry = archive.by_index(index).map_err(zip_error)?;
            let name = entry.name_raw().to_vec();
            let lossy = String::from_utf8_lossy(&name).into_owned();
            if entry
                .extra_data_fields()
                .any(|field| matches!(field, zip::ExtraField::UnicodePath(_)))
            {
                return Err(HashError::AmbiguousZipEntryName {
                    zip: zip.to_owned(),
                    entry: lossy,
                });
            }
            let digest = crate::util::fsutil::sha256_reader(entry).map_err(|source| {
                HashError::ZipEntry {
                    zip: zip.to_owned(),
                    entry: lossy,
                    source,
                }
            })?;
            Ok((name, digest))
        })
        .collect()
}

/// The first name that appears twice in the central directory starting at `start`, read
/// straight from the file because the zip crate's index keeps one entry per name.
pub(crate) fn duplicate_entry_name(zip: &Path, start: u64) -> String {
    fn scan(zip: &Path, start: u64) -> io::Result<Option<Vec<u8>>> {
        use std::io::{Seek, SeekFrom};
        let mut reader = io::BufReader::new(File::open(zip)?);
        reader.seek(SeekFrom::Start(start))?;
        let mut seen = std::collections::HashSet::new();
        let mut header = [0u8; 46];
        loop {
            if reader.read_exact(&mut header).is_err() || header[..4] != [0x50, 0x4b, 0x01, 0x02] {
                return Ok(None);
            }
            let field = |at: usize| u64::from(u16::from_le_bytes([header[at], header[at + 1]]));
            let (name_len, extra_len, comment_len) = (field(28), field(30), field(32));
            let mut name = Vec::new();
            (&mut reader).take(name_len).read_to_end(&mut name)?;
            reader.seek(SeekFrom::Current((extra_len + comment_len) as i64))?;
            if !seen.insert(name.clone()) {
                return Ok(Some(name));
            }
        }
    }
    match scan(zip, start) {
        Ok(Some(name)) => String::from_utf8_lossy(&name).into_owned(),
        _ => "(unknown)".to_owned(),
    }
}

/// Every non-directory under `dir` as (relative `/` name, path to open), checked as go would.
fn list_dir_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, HashError> {
    let root_meta = fs::metadata(dir).map_err(|source| HashError::Io {
        path: dir.to_owned(),
        source,
    })?;
    if !root_meta.is_dir() {
        return Err(HashError::NotADirectory {
            path: dir.to_owned(),
        });
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1) {
        let entry = entry.map_err(|err| {
            let path = err.path().unwrap_or(dir).to_owned();
            HashError::Io {
                path,
                source: err.into(),
            }
        })?;
        let file_type = entry.file_type();
        if file_type.is_dir() {
            continue;
        }
        let path = entry.path();
        if file_type.is_symlink() {
            let target = fs::metadata(path).map_err(|source| HashError::Io {
                path: path.to_owned(),
                source,
            })?;
            if target.is_dir() {
                return Err(HashError::SymlinkToDirectory {
                    path: path.to_owned(),
                });
            }
            if !target.is_file() {
                return Err(HashError::IrregularFile {
                    path: path.to_owned(),
                });
            }
        } else if !file_type.is_file() {
            return Err(HashError::IrregularFile {
                path: path.to_owned(),
            });
        }
        files.push((relative_name(dir, path)?, path.to_owned()));
    }
    Ok(files)
}

fn relative_name(dir: &Path, path: &Path) -> Result<String, HashError> {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    let mut parts = Vec::new();
    for component in rel.components() {
        let part = component
            .as_os_str()
            .to_str()
            .ok_or_else(|| HashError::NotUtf8 {
                path: path.to_owned(),
            })?;
        parts.push(part);
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash1_lines_in_hex_make_the_hash_of_the_digests() {
        let mut digests = BTreeMap::new();
        for (name, content) in [
            ("go.mod", "module m\n"),
            ("a/b.go", "package a\n"),
            ("z", ""),
        ] {
            digests.insert(name.to_string(), Sha256::digest(content).into());
        }
        let mut lines = Hash1Lines::new("example.com/m@v1.0.0").unwrap();
        for (name, digest) in &digests {
            assert!(lines.add_hex(&hex::encode(digest), name));
        }
        assert_eq!(
            lines.finish(),
            hash1_prefixed("example.com/m@v1.0.0", &digests).unwrap()
        );
        let mut lines = Hash1Lines::new("m").unwrap();
        let upper = hex::encode_upper([0xab_u8; 32]);
        assert!(!lines.add_hex(&upper, "a.go"), "uppercase hex");
        assert!(!lines.add_hex(&upper[..62].to_lowercase(), "a.go"), "short");
        assert!(
            !lines.add_hex(&hex::encode([7u8; 32]), "a\nb.go"),
            "a newline"
        );
        assert!(lines.add_hex(&hex::encode([7u8; 32]), "a.go"));
    }

    /// The summary text Hash1 hashes, computed the slow obvious way, to check the streaming code.
    fn reference(files: &[(&str, &[u8])]) -> String {
        let mut sorted = files.to_vec();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        let mut text = String::new();
        for (name, content) in sorted {
            text.push_str(&format!(
                "{}  {name}\n",
                hex::encode(Sha256::digest(content))
            ));
        }
        format!(
            "h1:{}",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
        )
    }

    #[test]
    fn hash1_matches_the_definition() {
        let cases: &[&[(&str, &[u8])]] = &[
            &[],
            &[("go.mod", b"module example.com/m\n")],
            &[("b", b"2"), ("a", b"1"), ("B", b""), ("a/b", b"3")],
        ];
        for files in cases {
            let got = hash1(files.iter().map(|(n, c)| (n.to_string(), *c))).expect("hashable");
            assert_eq!(got, reference(files));
            let digests: BTreeMap<String, [u8; 32]> = files
                .iter()
                .map(|(n, c)| (n.to_string(), Sha256::digest(c).into()))
                .collect();
            assert_eq!(hash1_from_digests(&digests).expect("hashable"), got);
        }
    }

    #[test]
    fn gomod_hash_is_hash1_of_one_file() {
        let content = b"module example.com/m\n\ngo 1.21\n";
        assert_eq!(hash_gomod(content), reference(&[("go.mod", content)]));
    }

    #[test]
    fn prefix_is_joined_with_one_slash() {
        let digests: BTreeMap<String, [u8; 32]> =
            [("x.go".to_owned(), Sha256::digest(b"x").into())].into();
        let want = reference(&[("m.com/a@v1.0.0/x.go", b"x")]);
        assert_eq!(
            hash1_prefixed("m.com/a@v1.0.0", &digests).expect("ok"),
            want
        );
        assert_eq!(
            hash1_prefixed("m.com/a@v1.0.0/", &digests).expect("ok"),
            want
        );
        assert_eq!(
            hash1_prefixed("", &digests).expect("ok"),
            reference(&[("x.go", b"x")])
        );
    }

    #[test]
    fn newline_names_are_refused() {
        let err = hash1([("a\nb".to_owned(), &b""[..])]).expect_err("newline");
        assert!(matches!(err, HashError::NewlineInName { .. }));
        assert_eq!(
            err.to_string(),
            "file name `a\\nb` contains a newline, which an h1: hash cannot represent"
        );
    }

    #[test]
    fn module_prefixes() {
        assert_eq!(
            module_prefix("golang.org/x/text@v0.3.0/a/b.go"),
            Some("golang.org/x/text@v0.3.0/")
        );
        assert_eq!(module_prefix("m.com/a@v1.0.0/"), Some("m.com/a@v1.0.0/"));
        assert_eq!(module_prefix("m.com/a/b.go"), None);
        assert_eq!(module_prefix("m.com/a@v1.0.0"), None);
    }

    #[test]
    fn dir_digests_follow_file_symlinks_and_refuse_dir_symlinks() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("m");
        fs::create_dir_all(root.join("sub/deeper")).expect("mkdir");
        fs::write(root.join("a.go"), b"package a\n").expect("write");
        fs::write(root.join("sub/deeper/b.txt"), b"b").expect("write");
        fs::create_dir(root.join("empty")).expect("mkdir");
        let digests = dir_file_digests(&root).expect("digests");
        assert_eq!(
            digests.keys().collect::<Vec<_>>(),
            ["a.go", "sub/deeper/b.txt"]
        );
        assert_eq!(
            hash_dir(&root, "m.com/a@v1.0.0").expect("hash"),
            reference(&[
                ("m.com/a@v1.0.0/a.go", b"package a\n"),
                ("m.com/a@v1.0.0/sub/deeper/b.txt", b"b"),
            ])
        );
        #[cfg(unix)]
        {
            fs::write(tmp.path().join("outside"), b"package a\n").expect("write");
            std::os::unix::fs::symlink(tmp.path().join("outside"), root.join("link.go"))
                .expect("symlink");
            let digests = dir_file_digests(&root).expect("digests");
            assert_eq!(digests["link.go"], digests["a.go"]);
            std::os::unix::fs::symlink(root.join("sub"), root.join("dirlink")).expect("symlink");
            let err = dir_file_digests(&root).expect_err("dir symlink");
            assert!(matches!(err, HashError::SymlinkToDirectory { .. }), "{err}");
        }
        let err = dir_file_digests(&root.join("a.go")).expect_err("not a dir");
        assert!(matches!(err, HashError::NotADirectory { .. }));
    }
}
