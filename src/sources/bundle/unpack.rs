//! Reading an untrusted bundle: [`unpack`] checks every entry against the manifest (names, sizes,
//! hashes, `.info` shape, zip rules) while it lays the tree out in a staged directory.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{self, BufReader, Read, Write};
use std::path::Path;

use crate::util::fsutil;

use super::manifest::{Manifest, TreeFile};
use super::verify::{check_sumdb, verify_tree};
use super::{BundleError, MANIFEST_FILE, MAX_MANIFEST, read_limited};
use crate::formats::sumdb::note::VerifierKey;

/// Verify an untrusted bundle and lay it out as a tree in `dest`, a new empty directory the
/// caller staged (and removes on error). With `sumdb_key` (the key of the database the user's
/// `GOSUMDB` names), the checksum database part the bundle carries is checked with it too (see
/// [`check_sumdb`](super::check_sumdb)), and a part that does not verify refuses the bundle
/// whole. Returns the manifest, and whether a carried database part was verified.
pub fn unpack(
    bundle: &Path,
    dest: &Path,
    sumdb_key: Option<&VerifierKey>,
) -> Result<(Manifest, bool), BundleError> {
    let refuse = refuser(bundle);
    let file = File::open(bundle).map_err(|source| BundleError::Read {
        path: bundle.to_path_buf(),
        source,
    })?;
    let mut archive = zip::ZipArchive::new(BufReader::new(file)).map_err(archive_error(bundle))?;
    if archive.has_duplicate_names() {
        return Err(refuse("two entries have the same name".into()));
    }
    let text = read_manifest(bundle, &mut archive)?;
    let origin = format!("{}: {MANIFEST_FILE}", bundle.display());
    let manifest = Manifest::parse(&origin, &text)?;
    let expected = manifest.expected_files()?;
    fsutil::write_atomic(&dest.join(MANIFEST_FILE), text.as_bytes())?;

    let mut seen = BTreeSet::new();
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(archive_error(bundle))?;
        let Ok(name) = std::str::from_utf8(entry.name_raw()).map(str::to_owned) else {
            return Err(refuse(format!(
                "entry `{}` has a name that is not UTF-8",
                String::from_utf8_lossy(entry.name_raw())
            )));
        };
        if name == MANIFEST_FILE {
            continue;
        }
        let Some(kind) = expected.get(&name) else {
            return Err(refuse(format!(
                "unexpected entry `{}`: the manifest implies no such file",
                name.escape_debug()
            )));
        };
        check_entry(&entry, &name, kind.limit()).map_err(&refuse)?;
        // The name is one the manifest generated from checked module paths and versions.
        extract_entry(bundle, entry, &name, &dest.join(&name))?;
        seen.insert(name);
    }
    check_complete(bundle, &expected, &seen)?;
    let report = verify_tree(dest)?;
    if let Some(first) = report.findings.first() {
        return Err(refuse(format!(
            "{} problem(s), first: `{}`: {}",
            report.findings.len(),
            first.file,
            first.problem
        )));
    }
    let mut verified = false;
    if let Some(key) = sumdb_key
        && let Some(findings) = check_sumdb(dest, &manifest, key)?
    {
        if let Some(first) = findings.first() {
            return Err(refuse(format!(
                "its checksum database part does not verify: `{}`: {}",
                first.file, first.problem
            )));
        }
        verified = true;
    }
    Ok((manifest, verified))
}

/// [`BundleError::Refused`] for `bundle`, with the problem it is given.
fn refuser(bundle: &Path) -> impl Fn(String) -> BundleError + '_ {
    move |problem| BundleError::Refused {
        bundle: bundle.to_path_buf(),
        problem,
    }
}

/// [`BundleError::Archive`] for `bundle`, with the zip error it is given.
fn archive_error(bundle: &Path) -> impl Fn(zip::result::ZipError) -> BundleError + '_ {
    move |source| BundleError::Archive {
        bundle: bundle.to_path_buf(),
        source,
    }
}

/// The text of the bundle's manifest, checked like any entry and at most [`MAX_MANIFEST`] long.
fn read_manifest(
    bundle: &Path,
    archive: &mut zip::ZipArchive<BufReader<File>>,
) -> Result<String, BundleError> {
    let refuse = refuser(bundle);
    let Some(index) = archive.index_for_name(MANIFEST_FILE) else {
        return Err(refuse(format!(
            "it has no `{MANIFEST_FILE}`: not a bundle made by `gomodoff pack`"
        )));
    };
    let manifest_bytes = {
        let entry = archive.by_index(index).map_err(archive_error(bundle))?;
        check_entry(&entry, MANIFEST_FILE, MAX_MANIFEST).map_err(&refuse)?;
        read_limited(entry, MAX_MANIFEST).map_err(|e| refuse(format!("`{MANIFEST_FILE}`: {e}")))?
    };
    String::from_utf8(manifest_bytes).map_err(|_| refuse(format!("`{MANIFEST_FILE}` is not UTF-8")))
}

/// Writes one checked entry to `to`, failing unless it inflates to exactly its declared size.
fn extract_entry(
    bundle: &Path,
    entry: zip::read::ZipFile<'_, BufReader<File>>,
    name: &str,
    to: &Path,
) -> Result<(), BundleError> {
    let refuse = refuser(bundle);
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).map_err(|source| BundleError::Write {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let declared = entry.size();
    let mut out = File::create(to).map_err(|source| BundleError::Write {
        path: to.to_path_buf(),
        source,
    })?;
    // A read error is the bundle's (a damaged entry); a write error is the target's (a full
    // disk), and must not be reported as a problem with the bundle.
    let copied = copy_entry(&mut entry.take(declared + 1), &mut out).map_err(|e| match e {
        CopyError::Read(e) => refuse(format!("entry `{name}`: {e}")),
        CopyError::Write(source) => BundleError::Write {
            path: to.to_path_buf(),
            source,
        },
    })?;
    if copied != declared {
        return Err(refuse(format!(
            "entry `{name}` inflates to more or fewer bytes than the {declared} it declares"
        )));
    }
    Ok(())
}

/// Fails when a file the manifest lists was not in the bundle, naming the first five.
fn check_complete(
    bundle: &Path,
    expected: &BTreeMap<String, TreeFile>,
    seen: &BTreeSet<String>,
) -> Result<(), BundleError> {
    let missing: Vec<&String> = expected.keys().filter(|n| !seen.contains(*n)).collect();
    if !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(5).map(|n| format!("`{n}`")).collect();
        return Err(refuser(bundle)(format!(
            "{} file(s) the manifest lists are missing: {}{}",
            missing.len(),
            shown.join(", "),
            if missing.len() > 5 { ", …" } else { "" }
        )));
    }
    Ok(())
}

fn check_entry<R: Read>(
    entry: &zip::read::ZipFile<'_, R>,
    name: &str,
    limit: u64,
) -> Result<(), String> {
    if entry.is_dir() || name.ends_with('/') {
        return Err(format!("entry `{name}` is a directory"));
    }
    if entry.is_symlink() {
        return Err(format!("entry `{name}` is a symbolic link"));
    }
    if let Some(mode) = entry.unix_mode()
        && !matches!(mode & 0o170000, 0 | 0o100000)
    {
        return Err(format!(
            "entry `{name}` is not a regular file (mode {mode:o})"
        ));
    }
    if entry.encrypted() {
        return Err(format!("entry `{name}` is encrypted"));
    }
    let method = entry.compression();
    if method != zip::CompressionMethod::Stored && method != zip::CompressionMethod::Deflated {
        return Err(format!(
            "entry `{name}` uses unsupported compression {method:?}"
        ));
    }
    if entry.size() > limit {
        return Err(format!(
            "entry `{name}` is too large ({} bytes; limit is {limit})",
            entry.size()
        ));
    }
    Ok(())
}

/// Which side of a copy failed.
pub(super) enum CopyError {
    Read(io::Error),
    Write(io::Error),
}

/// `io::copy`, telling a failed read from a failed write.
pub(super) fn copy_entry(from: &mut impl Read, to: &mut impl Write) -> Result<u64, CopyError> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(e)),
        };
        to.write_all(&buf[..n]).map_err(CopyError::Write)?;
        total += n as u64;
    }
    to.flush().map_err(CopyError::Write)?;
    Ok(total)
}
