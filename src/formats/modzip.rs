//! Module zips read and extracted with every rule of `golang.org/x/mod/zip` enforced.
//!
//! Module zips come from caches, bundles and proxies gomodoff does not control, and gomodoff
//! writes their contents into the user's repository, so a zip is hostile until proven otherwise.
//! [`check_zip`] applies go's `CheckZip` rules to the central directory (every entry under
//! `path@version/`, clean file paths allowed by `module.CheckFilePath`, no two names equal under
//! Unicode case folding, no file that is also a directory, `go.mod` only at the root and spelled
//! so, size limits) plus stricter ones go does not need because it never trusts entry modes:
//! no symbolic links or other irregular entries, no directory entry with content, no encrypted or
//! exotically compressed entry, no name that differs between local and central headers, and no
//! overlapping entries. [`extract_zip`] then writes the files, counting the bytes each entry
//! really inflates to (a zip bomb lies about them), and removes everything it wrote on any error.
//!
//! Like go, a `go.mod` below the root is an error ("go.mod file not in module root directory"),
//! while `vendor/` directories are allowed in a zip (go only omits them when *creating* a zip),
//! and directory entries are accepted but not extracted (empty directories are ignored).

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::formats::module::{self, ModuleError, ModuleVersion, shown};
use crate::util::fsutil::PositionedFile;
use sha2::{Digest, Sha256};

/// Largest module zip, and largest total uncompressed size of its files (500 MiB).
pub const MAX_ZIP_FILE: u64 = 500 << 20;
/// Largest `go.mod` at the root of a module zip (16 MiB).
pub const MAX_GO_MOD: u64 = 16 << 20;
/// Largest `LICENSE` at the root of a module zip (16 MiB).
pub const MAX_LICENSE: u64 = 16 << 20;

/// One file of a module zip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZipEntry {
    /// Path relative to the module root, `/`-separated.
    pub name: String,
    /// Uncompressed size declared by the zip (extraction enforces it).
    pub size: u64,
    /// SHA-256 of the bytes written, filled in by [`extract_zip`] (one pass: the digests of an
    /// extraction give the tree's `h1:` without reading it back).
    pub sha256: Option<[u8; 32]>,
}

/// Why a module zip was refused; every variant names the module.
#[derive(Debug, thiserror::Error)]
pub enum ZipError {
    #[error("`{module}`: invalid module for a zip")]
    InvalidModule {
        module: String,
        #[source]
        source: ModuleError,
    },
    #[error("`{module}`: version is not canonical (should be `{canonical}`)")]
    NonCanonicalVersion { module: String, canonical: String },
    #[error("`{module}`: failed to read zip `{}`", zip.display())]
    Io {
        module: String,
        zip: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("`{module}`: `{}` is not a readable zip archive", zip.display())]
    Archive {
        module: String,
        zip: PathBuf,
        #[source]
        source: zip::result::ZipError,
    },
    #[error("`{module}`: zip `{}` is too large ({size} bytes; limit is {MAX_ZIP_FILE} bytes)", zip.display())]
    ZipTooLarge {
        module: String,
        zip: PathBuf,
        size: u64,
    },
    #[error(
        "`{module}`: total uncompressed size of module contents is too large (more than {MAX_ZIP_FILE} bytes)"
    )]
    ContentTooLarge { module: String },
    #[error("`{module}`: zip entry `{}`: {problem}", shown(entry))]
    Entry {
        module: String,
        entry: String,
        problem: EntryProblem,
    },
    #[error(
        "`{module}`: zip `{}` has local headers that disagree with its central directory",
        zip.display()
    )]
    InconsistentHeaders {
        module: String,
        zip: PathBuf,
        #[source]
        source: zip::result::ZipError,
    },
    #[error("`{module}`: zip entry `{}`: failed to decompress", shown(entry))]
    Decompress {
        module: String,
        entry: String,
        #[source]
        source: io::Error,
    },
    #[error("`{module}`: target directory `{}` exists and is not empty", dest.display())]
    DestNotEmpty { module: String, dest: PathBuf },
    #[error("`{module}`: target `{}` exists and is not a directory", dest.display())]
    DestNotDirectory { module: String, dest: PathBuf },
    #[error("`{module}`: failed to write `{}`", path.display())]
    Write {
        module: String,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// What is wrong with one zip entry.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EntryProblem {
    #[error("path does not have prefix `{prefix}`")]
    MissingPrefix { prefix: String },
    #[error("name is not valid UTF-8")]
    NotUtf8,
    #[error("name has an Info-ZIP Unicode path field, so readers may disagree on it")]
    AmbiguousName,
    #[error("file path is absolute")]
    Absolute,
    #[error("file path contains a `..` element")]
    ParentDir,
    #[error("file path contains a backslash")]
    Backslash,
    #[error("file path is not clean")]
    NotClean,
    #[error("{reason}")]
    InvalidPath { reason: String },
    #[error("case-insensitive file name collision with `{}`", shown(other))]
    CaseCollision { other: String },
    #[error("multiple entries for this file")]
    Duplicate,
    #[error("entry is both a file and a directory")]
    FileAndDirectory,
    #[error("go.mod file not in module root directory")]
    GoModNotAtRoot,
    #[error("go.mod files must have lowercase names")]
    GoModCase,
    #[error("go.mod file too large ({size} bytes; max size is {MAX_GO_MOD} bytes)")]
    GoModTooLarge { size: u64 },
    #[error("LICENSE file too large ({size} bytes; max size is {MAX_LICENSE} bytes)")]
    LicenseTooLarge { size: u64 },
    #[error("entry is a symbolic link")]
    Symlink,
    #[error("entry is not a regular file (mode {mode:o})")]
    Irregular { mode: u32 },
    #[error("directory entry has content ({size} bytes)")]
    DirectoryWithContent { size: u64 },
    #[error("entry is encrypted")]
    Encrypted,
    #[error("entry uses unsupported compression method {method}")]
    UnsupportedCompression { method: String },
    #[error("uncompressed size is larger than the declared {declared} bytes")]
    LargerThanDeclared { declared: u64 },
    #[error("uncompressed size {actual} is smaller than the declared {declared} bytes")]
    SmallerThanDeclared { declared: u64, actual: u64 },
}

/// Checks a module zip against every rule without extracting it, returning its files (not its
/// directory entries) in zip order. Contents are not inflated; [`extract_zip`] checks those.
pub fn check_zip(zip: &Path, mv: &ModuleVersion) -> Result<Vec<ZipEntry>, ZipError> {
    let checked = open_checked(zip, mv)?;
    Ok(checked.files.into_iter().map(|file| file.entry).collect())
}

/// [`check_zip`] and the SHA-256 of every file's content, in one opening of the zip and one
/// pass over its entries (each inflated, size-checked and hashed): the entries give the zip's
/// `h1:`.
pub fn digest_zip(zip: &Path, mv: &ModuleVersion) -> Result<Vec<ZipEntry>, ZipError> {
    let module = mv.to_string();
    let Checked { archive, files } = open_checked(zip, mv)?;
    let digest = |archive: &mut zip::ZipArchive<PositionedFile>, file: CheckedFile| {
        let digest = hash_one(&module, archive, &file)?;
        Ok(ZipEntry {
            sha256: Some(digest),
            ..file.entry
        })
    };
    // A large zip is inflated on every core, each worker reading through its own clone of the
    // archive (they share the descriptor and the parsed central directory); a small one on
    // this thread, as its caller usually has other zips for the other cores.
    if files.len() >= PARALLEL_ENTRIES {
        use rayon::prelude::*;
        files.into_par_iter().map_with(archive, digest).collect()
    } else {
        let mut archive = archive;
        files.into_iter().map(|f| digest(&mut archive, f)).collect()
    }
}

/// From this many files on, [`digest_zip`] inflates a zip's entries in parallel.
const PARALLEL_ENTRIES: usize = 512;

/// Checks the zip, then extracts its files into `dest`, which must be missing or an empty
/// directory. Files are written 0644 and directories 0755. On any error everything written is
/// removed and `dest` is left as it was.
pub fn extract_zip(zip: &Path, mv: &ModuleVersion, dest: &Path) -> Result<Vec<ZipEntry>, ZipError> {
    extract_zip_selected(zip, mv, dest, &|_| true)
}

/// [`extract_zip`] writing only the files `keep` accepts (by name relative to the module root):
/// every file is still inflated, size-checked and hashed, so the entries returned (all of them,
/// kept or not) give the zip's `h1:`.
pub fn extract_zip_selected(
    zip: &Path,
    mv: &ModuleVersion,
    dest: &Path,
    keep: &dyn Fn(&str) -> bool,
) -> Result<Vec<ZipEntry>, ZipError> {
    let module = mv.to_string();
    let dest_existed = check_dest(&module, dest)?;
    let Checked { mut archive, files } = open_checked(zip, mv)?;
    let mut guard = Cleanup::new(dest, dest_existed);
    create_dirs(&module, dest, &mut guard)?;
    let mut entries = Vec::with_capacity(files.len());
    for file in &files {
        let digest = if keep(&file.entry.name) {
            extract_one(&module, &mut archive, file, dest, &mut guard)?
        } else {
            hash_one(&module, &mut archive, file)?
        };
        entries.push(ZipEntry {
            sha256: Some(digest),
            ..file.entry.clone()
        });
    }
    guard.disarm();
    Ok(entries)
}

/// A checked archive and the files it will extract.
struct Checked {
    archive: zip::ZipArchive<PositionedFile>,
    files: Vec<CheckedFile>,
}

struct CheckedFile {
    index: usize,
    raw_name: String,
    entry: ZipEntry,
}

/// Checks the zip, then reads the files `want` accepts (by name relative to the module root)
/// into memory, each size-checked as [`extract_zip`] does; for a handful of small files (the
/// licence files `gomodoff licenses` reads), not for whole modules.
pub fn read_files(
    zip: &Path,
    mv: &ModuleVersion,
    want: &dyn Fn(&str) -> bool,
) -> Result<Vec<(String, Vec<u8>)>, ZipError> {
    let module = mv.to_string();
    let Checked { mut archive, files } = open_checked(zip, mv)?;
    let mut out = Vec::new();
    for file in files.iter().filter(|f| want(&f.entry.name)) {
        let reader = archive
            .by_index(file.index)
            .map_err(|source| ZipError::Decompress {
                module: module.clone(),
                entry: file.raw_name.clone(),
                source: io::Error::other(source),
            })?;
        let mut bytes = Vec::new();
        copy_declared(
            &module,
            &file.raw_name,
            reader,
            file.entry.size,
            &mut bytes,
            |source| ZipError::Decompress {
                module: module.clone(),
                entry: file.raw_name.clone(),
                source,
            },
        )?;
        out.push((file.entry.name.clone(), bytes));
    }
    Ok(out)
}

/// Runs every check of go's `modzip.CheckZip` in go's order: the version, then the archive as a
/// whole, then each entry in the central directory, then the local headers.
fn open_checked(zip_path: &Path, mv: &ModuleVersion) -> Result<Checked, ZipError> {
    let module = mv.to_string();
    let canonical = module::canonical_version(&mv.version);
    if canonical != mv.version {
        return Err(ZipError::NonCanonicalVersion { module, canonical });
    }
    mv.check().map_err(|source| ZipError::InvalidModule {
        module: module.clone(),
        source,
    })?;
    let mut archive = open_archive(zip_path, &module)?;
    let files = check_entries(zip_path, mv, &mut archive)?;

    // Names, methods and flags in local headers must match the central directory, and no two
    // entries may share bytes (the overlapping-entries zip bomb).
    archive
        .validate_header_consistency()
        .map_err(|source| ZipError::InconsistentHeaders {
            module: module.clone(),
            zip: zip_path.to_owned(),
            source,
        })?;
    Ok(Checked { archive, files })
}

/// Opens the zip, refusing one over [`MAX_ZIP_FILE`] or with two entries of one name.
fn open_archive(
    zip_path: &Path,
    module: &str,
) -> Result<zip::ZipArchive<PositionedFile>, ZipError> {
    let io_error = |source| ZipError::Io {
        module: module.to_owned(),
        zip: zip_path.to_owned(),
        source,
    };
    let file = File::open(zip_path).map_err(io_error)?;
    let size = file.metadata().map_err(io_error)?.len();
    if size > MAX_ZIP_FILE {
        return Err(ZipError::ZipTooLarge {
            module: module.to_owned(),
            zip: zip_path.to_owned(),
            size,
        });
    }
    let archive =
        zip::ZipArchive::new(PositionedFile::new(file)).map_err(|source| ZipError::Archive {
            module: module.to_owned(),
            zip: zip_path.to_owned(),
            source,
        })?;
    if archive.has_duplicate_names() {
        let duplicate = crate::formats::dirhash::duplicate_entry_name(
            zip_path,
            archive.central_directory_start(),
        );
        return Err(ZipError::Entry {
            module: module.to_owned(),
            entry: duplicate,
            problem: EntryProblem::Duplicate,
        });
    }
    Ok(archive)
}

/// Checks every central-directory entry in zip order and sums the declared sizes; returns the
/// files to extract.
fn check_entries(
    zip_path: &Path,
    mv: &ModuleVersion,
    archive: &mut zip::ZipArchive<PositionedFile>,
) -> Result<Vec<CheckedFile>, ZipError> {
    let module = mv.to_string();
    let entry_error = |entry: &str, problem| ZipError::Entry {
        module: module.clone(),
        entry: entry.to_owned(),
        problem,
    };
    let prefix = mv.zip_prefix();
    let mut collisions = Collisions::default();
    let mut total: u64 = 0;
    let mut files = Vec::new();
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|source| ZipError::Archive {
                module: module.clone(),
                zip: zip_path.to_owned(),
                source,
            })?;
        let checked = check_entry(&entry, &prefix, &mut collisions)
            .map_err(|(name, problem)| entry_error(&name, problem))?;
        let Some(FileEntry {
            name,
            rel,
            declared,
        }) = checked
        else {
            continue;
        };
        total = match total.checked_add(declared) {
            Some(sum) if sum <= MAX_ZIP_FILE => sum,
            _ => return Err(ZipError::ContentTooLarge { module }),
        };
        if rel == "go.mod" && declared > MAX_GO_MOD {
            return Err(entry_error(
                &name,
                EntryProblem::GoModTooLarge { size: declared },
            ));
        }
        if rel == "LICENSE" && declared > MAX_LICENSE {
            return Err(entry_error(
                &name,
                EntryProblem::LicenseTooLarge { size: declared },
            ));
        }
        files.push(CheckedFile {
            index,
            raw_name: name,
            entry: ZipEntry {
                name: rel,
                size: declared,
                sha256: None,
            },
        });
    }
    Ok(files)
}

/// A file entry that passed [`check_entry`].
struct FileEntry {
    /// The entry's name in the zip.
    name: String,
    /// Its path below the `path@version/` prefix.
    rel: String,
    /// Its uncompressed size as the central directory declares it.
    declared: u64,
}

/// Checks one entry's name, path, kind, flags and method. Returns its raw name, its path below
/// the `path@version/` prefix and its declared size, or `None` for a directory entry; an error
/// names the entry it is about.
fn check_entry(
    entry: &zip::read::ZipFile<'_, PositionedFile>,
    prefix: &str,
    collisions: &mut Collisions,
) -> Result<Option<FileEntry>, (String, EntryProblem)> {
    let Ok(name) = std::str::from_utf8(entry.name_raw()).map(str::to_owned) else {
        let lossy = String::from_utf8_lossy(entry.name_raw()).into_owned();
        return Err((lossy, EntryProblem::NotUtf8));
    };
    let fail = |problem| Err((name.clone(), problem));
    if entry
        .extra_data_fields()
        .any(|field| matches!(field, zip::ExtraField::UnicodePath(_)))
    {
        return fail(EntryProblem::AmbiguousName);
    }
    let Some(rel) = name.strip_prefix(prefix) else {
        return fail(EntryProblem::MissingPrefix {
            prefix: prefix.to_owned(),
        });
    };
    let declared = entry.size();
    // `path@version/` itself is the root directory entry, which go skips.
    let is_root = rel.is_empty();
    let (rel, is_dir) = match rel.strip_suffix('/') {
        Some(dir) => (dir, true),
        None => (rel, is_root),
    };
    if !is_root
        && let Err(problem) = check_rel_path(rel).and_then(|()| collisions.check(rel, is_dir))
    {
        return fail(problem);
    }
    if let Err(problem) = check_kind(
        entry_kind(entry.system(), entry.external_attributes()),
        is_dir,
    ) {
        return fail(problem);
    }
    if is_dir {
        if declared != 0 {
            return fail(EntryProblem::DirectoryWithContent { size: declared });
        }
        return Ok(None);
    }
    if let Err(problem) = check_file_entry(entry, rel) {
        return fail(problem);
    }
    let rel = rel.to_owned();
    Ok(Some(FileEntry {
        name,
        rel,
        declared,
    }))
}

/// Only regular files and directories may be extracted, and a directory only under a name that
/// ends in `/`.
fn check_kind(kind: EntryKind, is_dir: bool) -> Result<(), EntryProblem> {
    match kind {
        EntryKind::Symlink => Err(EntryProblem::Symlink),
        EntryKind::Irregular(mode) => Err(EntryProblem::Irregular { mode }),
        EntryKind::Directory if !is_dir => Err(EntryProblem::Irregular { mode: 0o040000 }),
        EntryKind::Directory | EntryKind::Regular => Ok(()),
    }
}

/// A file entry must be unencrypted, stored or deflated, and a `go.mod` only at the root under
/// exactly that name.
fn check_file_entry(
    entry: &zip::read::ZipFile<'_, PositionedFile>,
    rel: &str,
) -> Result<(), EntryProblem> {
    if entry.encrypted() {
        return Err(EntryProblem::Encrypted);
    }
    let method = entry.compression();
    if method != zip::CompressionMethod::Stored && method != zip::CompressionMethod::Deflated {
        return Err(EntryProblem::UnsupportedCompression {
            method: format!("{method:?}"),
        });
    }
    let base = rel.rsplit('/').next().unwrap_or(rel);
    if base.eq_ignore_ascii_case("go.mod") {
        if base != rel {
            return Err(EntryProblem::GoModNotAtRoot);
        }
        if rel != "go.mod" {
            return Err(EntryProblem::GoModCase);
        }
    }
    Ok(())
}

/// Returns whether `dest` already existed (as an empty directory).
fn check_dest(module: &str, dest: &Path) -> Result<bool, ZipError> {
    match fs::symlink_metadata(dest) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(ZipError::Write {
            module: module.to_owned(),
            path: dest.to_owned(),
            source,
        }),
        Ok(meta) if !meta.is_dir() => Err(ZipError::DestNotDirectory {
            module: module.to_owned(),
            dest: dest.to_owned(),
        }),
        Ok(_) => {
            let mut entries = fs::read_dir(dest).map_err(|source| ZipError::Write {
                module: module.to_owned(),
                path: dest.to_owned(),
                source,
            })?;
            if entries.next().is_some() {
                return Err(ZipError::DestNotEmpty {
                    module: module.to_owned(),
                    dest: dest.to_owned(),
                });
            }
            Ok(true)
        }
    }
}

/// Creates `dest` and any missing parents, remembering the topmost one it made.
fn create_dirs(module: &str, dest: &Path, guard: &mut Cleanup) -> Result<(), ZipError> {
    if guard.dest_existed {
        return Ok(());
    }
    let mut missing = Vec::new();
    let mut at = Some(dest);
    while let Some(dir) = at {
        if dir.as_os_str().is_empty() || fs::symlink_metadata(dir).is_ok() {
            break;
        }
        missing.push(dir.to_owned());
        at = dir.parent();
    }
    for dir in missing.iter().rev() {
        make_dir(module, dir)?;
        if guard.created_root.is_none() {
            guard.created_root = Some(dir.clone());
        }
    }
    Ok(())
}

/// Writes one checked file under `dest`, creating its parent directories, and returns the
/// SHA-256 of what it wrote.
fn extract_one(
    module: &str,
    archive: &mut zip::ZipArchive<PositionedFile>,
    file: &CheckedFile,
    dest: &Path,
    guard: &mut Cleanup,
) -> Result<[u8; 32], ZipError> {
    let entry_name = &file.raw_name;
    let target = make_parents(module, dest, &file.entry.name, guard)?;
    let write_error = |source| ZipError::Write {
        module: module.to_owned(),
        path: target.clone(),
        source,
    };
    let mut out = create_file(&target).map_err(write_error)?;
    let reader = archive
        .by_index(file.index)
        .map_err(|source| ZipError::Decompress {
            module: module.to_owned(),
            entry: entry_name.clone(),
            source: io::Error::other(source),
        })?;
    copy_declared(
        module,
        entry_name,
        reader,
        file.entry.size,
        &mut out,
        write_error,
    )
}

/// The SHA-256 of one checked file's inflated bytes, nothing written.
fn hash_one(
    module: &str,
    archive: &mut zip::ZipArchive<PositionedFile>,
    file: &CheckedFile,
) -> Result<[u8; 32], ZipError> {
    let reader = archive
        .by_index(file.index)
        .map_err(|source| ZipError::Decompress {
            module: module.to_owned(),
            entry: file.raw_name.clone(),
            source: io::Error::other(source),
        })?;
    copy_declared(
        module,
        &file.raw_name,
        reader,
        file.entry.size,
        &mut io::sink(),
        |source| ZipError::Decompress {
            module: module.to_owned(),
            entry: file.raw_name.clone(),
            source,
        },
    )
}

/// Creates the missing directories between `dest` and the file `rel`; returns the file's path.
fn make_parents(
    module: &str,
    dest: &Path,
    rel: &str,
    guard: &mut Cleanup,
) -> Result<PathBuf, ZipError> {
    let mut target = dest.to_owned();
    let mut parts = rel.split('/').peekable();
    while let Some(part) = parts.next() {
        target.push(part);
        if parts.peek().is_some() && !guard.dirs.contains(&target) {
            if fs::symlink_metadata(&target).is_err() {
                make_dir(module, &target)?;
            }
            guard.dirs.insert(target.clone());
        }
    }
    Ok(target)
}

/// Copies an entry's inflated bytes to `out`, hashing them, and fails unless there are exactly
/// `declared` of them.
fn copy_declared(
    module: &str,
    entry_name: &str,
    reader: impl Read,
    declared: u64,
    out: &mut dyn Write,
    write_error: impl Fn(io::Error) -> ZipError,
) -> Result<[u8; 32], ZipError> {
    let entry_problem = |problem| ZipError::Entry {
        module: module.to_owned(),
        entry: entry_name.to_owned(),
        problem,
    };
    let mut hasher = Sha256::new();
    // Never trust the declared size: read at most one byte past it, whatever the zip says.
    let mut limited = reader.take(declared.saturating_add(1));
    // One buffer per thread: most entries are small, and a fresh zeroed one each would cost
    // more than inflating them.
    crate::util::fsutil::with_read_buffer(|buf| {
        let mut actual: u64 = 0;
        loop {
            let n = match limited.read(buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    // The zip crate stops at the declared size itself and says so only in its
                    // message; anything else it reports (CRC, corrupt deflate) stays a decompress error.
                    if source.to_string().contains("larger than its declared") {
                        return Err(entry_problem(EntryProblem::LargerThanDeclared { declared }));
                    }
                    return Err(ZipError::Decompress {
                        module: module.to_owned(),
                        entry: entry_name.to_owned(),
                        source,
                    });
                }
            };
            actual += n as u64;
            if actual > declared {
                return Err(entry_problem(EntryProblem::LargerThanDeclared { declared }));
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n]).map_err(&write_error)?;
        }
        if actual < declared {
            return Err(entry_problem(EntryProblem::SmallerThanDeclared {
                declared,
                actual,
            }));
        }
        Ok(hasher.finalize().into())
    })
}

fn make_dir(module: &str, dir: &Path) -> Result<(), ZipError> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o755);
    let result = builder.create(dir).and_then(|()| set_mode(dir, 0o755));
    result.map_err(|source| ZipError::Write {
        module: module.to_owned(),
        path: dir.to_owned(),
        source,
    })
}

fn create_file(path: &Path) -> io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o644);
    let file = options.open(path)?;
    set_mode(path, 0o644)?;
    Ok(file)
}

/// Sets exact permissions whatever the umask was.
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// Removes what an extraction wrote unless disarmed: the directories it created above `dest`
/// (or `dest` itself), or, when `dest` already existed empty, everything inside it.
struct Cleanup {
    dest: PathBuf,
    dest_existed: bool,
    created_root: Option<PathBuf>,
    dirs: std::collections::HashSet<PathBuf>,
    armed: bool,
}

impl Cleanup {
    fn new(dest: &Path, dest_existed: bool) -> Self {
        Cleanup {
            dest: dest.to_owned(),
            dest_existed,
            created_root: None,
            dirs: std::collections::HashSet::new(),
            armed: true,
        }
    }

    fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        if let Some(root) = &self.created_root {
            let _ = fs::remove_dir_all(root);
        } else if self.dest_existed
            && let Ok(entries) = fs::read_dir(&self.dest)
        {
            for entry in entries.flatten() {
                let path = entry.path();
                let is_dir = entry.file_type().is_ok_and(|kind| kind.is_dir());
                let _ = if is_dir {
                    fs::remove_dir_all(&path)
                } else {
                    fs::remove_file(&path)
                };
            }
        }
    }
}

/// The type an entry's external attributes declare, read the way go's `FileInfo().Mode()` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EntryKind {
    Regular,
    Directory,
    Symlink,
    Irregular(u32),
}

fn entry_kind(system: zip::System, external_attributes: u32) -> EntryKind {
    const S_IFMT: u32 = 0o170000;
    match system {
        zip::System::Unix | zip::System::OsDarwin => {
            let mode = external_attributes >> 16;
            match mode & S_IFMT {
                0 | 0o100000 => EntryKind::Regular,
                0o040000 => EntryKind::Directory,
                0o120000 => EntryKind::Symlink,
                _ => EntryKind::Irregular(mode),
            }
        }
        zip::System::Dos | zip::System::WindowsNTFS | zip::System::VFAT
            if external_attributes & 0x10 != 0 =>
        {
            EntryKind::Directory
        }
        _ => EntryKind::Regular,
    }
}

/// The part of go's `path.Clean(name) == name` and `CheckFilePath` checks that have their own
/// clearer messages here, then `CheckFilePath` itself.
fn check_rel_path(rel: &str) -> Result<(), EntryProblem> {
    if rel.starts_with('/') {
        return Err(EntryProblem::Absolute);
    }
    if rel.contains('\\') {
        return Err(EntryProblem::Backslash);
    }
    for elem in rel.split('/') {
        match elem {
            ".." => return Err(EntryProblem::ParentDir),
            "" | "." => return Err(EntryProblem::NotClean),
            _ => {}
        }
    }
    module::check_file_path(rel).map_err(|err| EntryProblem::InvalidPath {
        reason: match err {
            ModuleError::InvalidPath { reason, .. } => format!("malformed file path: {reason}"),
            other => other.to_string(),
        },
    })
}

/// go's `collisionChecker`: names equal under Unicode case folding, repeated files, and paths
/// used both as a file and as a directory (parents count as directories).
#[derive(Default)]
struct Collisions {
    seen: HashMap<String, (String, bool)>,
}

impl Collisions {
    fn check(&mut self, path: &str, is_dir: bool) -> Result<(), EntryProblem> {
        let mut path = path;
        let mut is_dir = is_dir;
        loop {
            let fold = fold_key(path);
            match self.seen.get(&fold) {
                Some((other, other_is_dir)) => {
                    if other != path {
                        return Err(EntryProblem::CaseCollision {
                            other: other.clone(),
                        });
                    }
                    if *other_is_dir != is_dir {
                        return Err(EntryProblem::FileAndDirectory);
                    }
                    if !is_dir {
                        return Err(EntryProblem::Duplicate);
                    }
                    // This directory was seen before, so were all its parents.
                    return Ok(());
                }
                None => {
                    self.seen.insert(fold, (path.to_owned(), is_dir));
                }
            }
            match path.rsplit_once('/') {
                Some((parent, _)) => {
                    path = parent;
                    is_dir = true;
                }
                None => return Ok(()),
            }
        }
    }
}

/// A key with `fold_key(s) == fold_key(t)` exactly when go's `strings.EqualFold(s, t)`: each
/// character becomes the smallest member of its simple case-folding orbit (then ASCII lowercase).
///
/// Orbits are the classes joined by single-character upper/lower mappings, which is Unicode
/// simple case folding apart from the Turkish dotless i (its uppercase is `I`, but it folds to
/// nothing else). Characters newer than go's Unicode tables may fold here and not in go, which
/// only makes the check stricter.
pub(crate) fn fold_key(s: &str) -> String {
    if s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        return s.to_owned();
    }
    s.chars().map(fold_char).collect()
}

fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let min = fold_table().get(&c).copied().unwrap_or(c);
    min.to_ascii_lowercase()
}

/// Smallest orbit member of every character whose orbit has more than one member; built once.
fn fold_table() -> &'static HashMap<char, char> {
    static TABLE: std::sync::OnceLock<HashMap<char, char>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        const DOTLESS_I: char = '\u{0131}';
        let mut parent: HashMap<char, char> = HashMap::new();
        fn root(parent: &HashMap<char, char>, mut c: char) -> char {
            while let Some(&p) = parent.get(&c) {
                if p == c {
                    break;
                }
                c = p;
            }
            c
        }
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            if c == DOTLESS_I {
                continue;
            }
            for mapped in [single(c.to_lowercase()), single(c.to_uppercase())]
                .into_iter()
                .flatten()
                .filter(|&mapped| mapped != c && mapped != DOTLESS_I)
            {
                parent.entry(c).or_insert(c);
                parent.entry(mapped).or_insert(mapped);
                let (a, b) = (root(&parent, c), root(&parent, mapped));
                // Keep the smaller character as the root, so a root is its orbit's minimum.
                let (low, high) = if a < b { (a, b) } else { (b, a) };
                parent.insert(high, low);
            }
        }
        let members: Vec<char> = parent.keys().copied().collect();
        members.into_iter().map(|c| (c, root(&parent, c))).collect()
    })
}

fn single(mut mapping: impl Iterator<Item = char>) -> Option<char> {
    let first = mapping.next()?;
    mapping.next().is_none().then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_keys_match_equal_fold() {
        let equal = [
            ("A.go", "a.go"),
            ("Straße", "STRAßE"),
            ("k", "\u{212A}"),
            ("ſ", "S"),
            ("σ", "ς"),
            ("Σ", "ς"),
            ("ǅ", "ǆ"),
            ("ß", "ẞ"),
        ];
        for (a, b) in equal {
            assert_eq!(fold_key(a), fold_key(b), "{a} vs {b}");
        }
        let different = [("ı", "i"), ("ı", "I"), ("İ", "i"), ("a", "b"), ("ss", "ß")];
        for (a, b) in different {
            assert_ne!(fold_key(a), fold_key(b), "{a} vs {b}");
        }
    }

    #[test]
    fn collision_table() {
        /// Entries as (path, is a directory), and the first problem expected.
        type Case<'a> = (&'a [(&'a str, bool)], Option<EntryProblem>);
        let cases: &[Case] = &[
            (&[("a.go", false), ("b.go", false)], None),
            (
                &[("A.go", false), ("a.go", false)],
                Some(EntryProblem::CaseCollision {
                    other: "A.go".to_owned(),
                }),
            ),
            (
                &[("Dir/x.go", false), ("dir/y.go", false)],
                Some(EntryProblem::CaseCollision {
                    other: "Dir".to_owned(),
                }),
            ),
            (
                &[("a", false), ("a/b", false)],
                Some(EntryProblem::FileAndDirectory),
            ),
            (
                &[("a/b", false), ("a", false)],
                Some(EntryProblem::FileAndDirectory),
            ),
            (&[("a", true), ("a/b", false), ("a", true)], None),
            (&[("x", false), ("x", false)], Some(EntryProblem::Duplicate)),
        ];
        for (entries, want) in cases {
            let mut collisions = Collisions::default();
            let got = entries
                .iter()
                .map(|(path, is_dir)| collisions.check(path, *is_dir))
                .find_map(Result::err);
            assert_eq!(&got, want, "{entries:?}");
        }
    }

    #[test]
    fn rel_path_table() {
        let cases: &[(&str, Option<EntryProblem>)] = &[
            ("a/b.go", None),
            ("/etc/passwd", Some(EntryProblem::Absolute)),
            ("../x", Some(EntryProblem::ParentDir)),
            ("a/../../x", Some(EntryProblem::ParentDir)),
            ("a\\..\\x", Some(EntryProblem::Backslash)),
            ("a//b", Some(EntryProblem::NotClean)),
            ("./a", Some(EntryProblem::NotClean)),
        ];
        for (path, want) in cases {
            assert_eq!(&check_rel_path(path).err(), want, "{path:?}");
        }
        let err = check_rel_path("con.go").expect_err("reserved");
        assert_eq!(
            err.to_string(),
            "malformed file path: \"con\" disallowed as path element component on Windows"
        );
    }

    #[test]
    fn entry_kinds() {
        let unix = |mode: u32| entry_kind(zip::System::Unix, mode << 16);
        assert_eq!(unix(0o100644), EntryKind::Regular);
        assert_eq!(unix(0o644), EntryKind::Regular);
        assert_eq!(unix(0o040755), EntryKind::Directory);
        assert_eq!(unix(0o120777), EntryKind::Symlink);
        assert_eq!(unix(0o010644), EntryKind::Irregular(0o010644));
        assert_eq!(unix(0o140755), EntryKind::Irregular(0o140755));
        assert_eq!(entry_kind(zip::System::Dos, 0x10), EntryKind::Directory);
        assert_eq!(entry_kind(zip::System::Dos, 0), EntryKind::Regular);
    }
}
