//! Go source scanning for vendor mode: what `go mod vendor` reads from a package directory.
//!
//! `go mod vendor` decides per file what to copy, and per package which imports to follow and which
//! `//go:embed` targets to add. It never compiles anything: it reads each `.go` file's header (the
//! package clause and the imports, the way `cmd/go/internal/imports.ReadImports` and
//! `go/build.readGoInfo` do), evaluates build constraints with every tag true except `ignore`
//! (`imports.AnyTags`), and resolves embed patterns the way `cmd/go/internal/load.resolveEmbed`
//! does. This module owns that knowledge so the vendor command can reproduce `vendor/` byte for
//! byte without running go.
//!
//! # Rules reproduced
//!
//! - **Constraints under `AnyTags`.** Every tag is satisfied in whichever polarity the expression
//!   wants (`linux`, `!linux`, `linux && !linux` are all true) except `ignore`, which is false
//!   (so `!ignore` is true), and except malformed tags, which are false. A file whose header
//!   holds two `//go:build` lines, or one that does not parse, is excluded. Legacy `// +build`
//!   lines count only when there is no `//go:build` line and only in the leading comment block
//!   that ends with a blank line. GOOS/GOARCH file-name suffixes never exclude a file.
//! - **Copied files** (`matchPotentialSourceFile`): every regular file of the package directory
//!   except `_test.go` files, `.go` files excluded by constraints, and `go.mod`/`go.sum` when the
//!   main module says go ≥ 1.17; symlinks and subdirectories are never copied.
//! - **Embeds** (`vendorPkg`): patterns come from `go/build` with `UseAllFiles`, so files excluded
//!   by constraints still contribute theirs; `_`/`.` files never do; cgo files only when cgo is
//!   enabled; test files only when the main module says go < 1.22 (golang/go#63473).
//! - **Licence files** (`copyMetadata`): files whose names start with `AUTHORS`, `CONTRIBUTORS`,
//!   `COPYLEFT`, `COPYING`, `COPYRIGHT`, `LEGAL`, `LICENSE`, `NOTICE` or `PATENTS`, from every
//!   directory between the package directory and the module root.
//!
//! # Limitations
//!
//! - `#cgo` directive errors, which make `go mod vendor` fail, are not detected.
//! - Tag characters outside ASCII are classified with Rust's `char::is_alphabetic`/`is_numeric`,
//!   which accept a few characters Go's `unicode.IsLetter`/`IsDigit` reject.
//! - An embed pattern written as a quoted string whose escapes make invalid UTF-8 is skipped.
//! - Symlinked `.go` files, which the go command reads for imports but never copies, are ignored.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::formats::gover;

mod constraints;
mod directives;
mod embed;
mod glob;
mod header;
mod literals;
mod scan;

use embed::embed_patterns;
pub use embed::expand_embed;
pub(crate) use scan::scan_go_path;
use scan::{is_hidden, is_pseudo_import, join_rel, scan_file};

/// What one `.go` file's header says, as the go command reads it for vendoring.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GoFile {
    /// File name inside its directory.
    pub name: String,
    /// Name in the package clause; empty when the clause could not be read.
    pub package: String,
    /// Import paths in file order, unquoted; imports that do not unquote are left out.
    pub imports: Vec<String>,
    /// `//go:embed` patterns in file order, with any `all:` prefix; only read when the file
    /// imports `embed` and its header parses.
    pub embeds: Vec<String>,
    /// The name ends in `_test.go`.
    pub is_test: bool,
    /// Build constraints exclude the file even under `AnyTags` (an `ignore` tag, or a malformed
    /// `//go:build` header).
    pub ignored: bool,
    /// The file imports `"C"`.
    pub is_cgo: bool,
    /// Something in the header the go command treats as an error when it loads the package.
    pub problem: Option<FileProblem>,
}

/// A defect in a file header that makes `go mod vendor` fail for the package holding the file
/// (`go/build.ImportDir` reports it), while the import scan goes on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FileProblem {
    /// The package clause or import block is not valid Go.
    HeaderSyntax,
    /// An import path that is not a valid Go string or not a valid import path.
    BadImport(String),
    /// Two `//go:build` lines, or one that does not parse; the message says which.
    BadConstraint(String),
    /// A NUL byte in the header (only kept for `_`/`.` files, which the go command never loads).
    Nul,
}

/// The files of one directory, as scanned for vendoring.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageDir {
    /// Every regular `.go` file (including `_test.go`, `_x.go` and `.x.go`), sorted by name.
    pub files: Vec<GoFile>,
    /// Every other regular file, sorted by name.
    pub other_files: Vec<String>,
}

/// What the main module decides about vendoring: the rules that depend on its `go` line and on
/// the environment `go mod vendor` runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorRules {
    /// The main module's `go` version (`1.16` when go.mod has no `go` line).
    pub go_version: String,
    /// Whether `go/build.Default` has cgo enabled: `CGO_ENABLED` when set, otherwise true for a
    /// native build on a platform that supports cgo. Embeds of cgo files count only when true.
    pub cgo_enabled: bool,
}

/// Errors from scanning Go sources and resolving embeds.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("failed to read `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("`{}`: file name is not valid UTF-8", path.display())]
    NonUtf8Name { path: PathBuf },
    #[error("reading `{file}`: unexpected NUL in input")]
    Nul { file: String },
    #[error("`{}`: `{file}`: {message}", dir.display())]
    BadFile {
        dir: PathBuf,
        file: String,
        message: String,
    },
    #[error("`{}`: pattern {pattern}: {message}", dir.display())]
    Embed {
        dir: PathBuf,
        pattern: String,
        message: String,
    },
}

/// Reads the header of one `.go` file (package clause, imports, constraints) and, when it imports
/// `embed`, its `//go:embed` patterns, the way `go/build` does.
pub fn scan_go_file(name: &str, src: &[u8]) -> Result<GoFile, ScanError> {
    let file = scan_file(name, src);
    if file.problem == Some(FileProblem::Nul) {
        return Err(ScanError::Nul {
            file: name.to_string(),
        });
    }
    Ok(file)
}

/// Scans every regular file of `dir` (not its subdirectories).
pub fn scan_dir(dir: &Path) -> Result<PackageDir, ScanError> {
    scan_dir_with(dir, scan_go_path)
}

/// [`scan_dir`], with `scan` answering for each `.go` file (name, path) what
/// [`scan_go_path`] would.
pub(crate) fn scan_dir_with(
    dir: &Path,
    mut scan: impl FnMut(&str, &Path) -> io::Result<GoFile>,
) -> Result<PackageDir, ScanError> {
    let io_err = |source| ScanError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err)? {
        let entry = entry.map_err(io_err)?;
        if !entry.file_type().map_err(io_err)?.is_file() {
            continue;
        }
        let name = entry
            .file_name()
            .into_string()
            .map_err(|_| ScanError::NonUtf8Name { path: entry.path() })?;
        names.push(name);
    }
    names.sort();
    let mut package = PackageDir::default();
    for name in names {
        if !name.ends_with(".go") {
            package.other_files.push(name);
            continue;
        }
        let path = dir.join(&name);
        let file = scan(&name, &path).map_err(|source| ScanError::Io { path, source })?;
        if file.problem == Some(FileProblem::Nul) && !is_hidden(&name) {
            return Err(ScanError::Nul { file: name });
        }
        package.files.push(file);
    }
    Ok(package)
}

/// Scans many directories at once, in parallel; results are in the order of `dirs`.
pub fn scan_dirs(dirs: &[PathBuf]) -> Vec<Result<PackageDir, ScanError>> {
    dirs.par_iter().map(|dir| scan_dir(dir)).collect()
}

impl PackageDir {
    /// Whether the module loader sees a Go package here: at least one `.go` file that is not
    /// `_`/`.`-prefixed and not excluded by constraints (`imports.ScanDir` under `AnyTags`).
    pub fn has_go_files(&self) -> bool {
        self.loaded_files().next().is_some()
    }

    /// Imports and test imports the module loader follows, sorted and deduplicated, without `C`
    /// and the `appengine` pseudo-packages (`modload.scanDir`).
    pub fn imports(&self) -> (Vec<String>, Vec<String>) {
        let mut imports = BTreeSet::new();
        let mut test_imports = BTreeSet::new();
        for file in self.loaded_files() {
            let set = if file.is_test {
                &mut test_imports
            } else {
                &mut imports
            };
            set.extend(
                file.imports
                    .iter()
                    .filter(|path| !is_pseudo_import(path))
                    .cloned(),
            );
        }
        (
            imports.into_iter().collect(),
            test_imports.into_iter().collect(),
        )
    }

    fn loaded_files(&self) -> impl Iterator<Item = &GoFile> {
        self.files
            .iter()
            .filter(|file| !is_hidden(&file.name) && !file.ignored)
    }
}

/// Files `go mod vendor` copies for the package in `dir`, as slash-separated paths relative to
/// `dir`, sorted: the package's own files and its embed targets (which may lie in
/// subdirectories). Licence files of parent directories come from [`metadata_files`].
pub fn vendored_files(
    dir: &Path,
    pkg: &PackageDir,
    rules: &VendorRules,
) -> Result<Vec<String>, ScanError> {
    let strip_go_mod = gover::at_least(&rules.go_version, "1.17");
    let mut out = BTreeSet::new();
    for name in &pkg.other_files {
        if strip_go_mod && (name == "go.mod" || name == "go.sum") {
            continue;
        }
        out.insert(name.clone());
    }
    for file in &pkg.files {
        if !file.is_test && !file.ignored {
            out.insert(file.name.clone());
        }
    }
    for pattern in embed_patterns(dir, pkg, rules)? {
        out.extend(expand_embed(dir, &pattern)?);
    }
    Ok(out.into_iter().collect())
}

/// Whether `name` is a licence-like file that `go mod vendor` copies from the parent
/// directories of a vendored package (a case-sensitive prefix match, as the go command does).
pub fn is_license_file(name: &str) -> bool {
    const PREFIXES: [&str; 9] = [
        "AUTHORS",
        "CONTRIBUTORS",
        "COPYLEFT",
        "COPYING",
        "COPYRIGHT",
        "LEGAL",
        "LICENSE",
        "NOTICE",
        "PATENTS",
    ];
    PREFIXES.iter().any(|prefix| name.starts_with(prefix))
}

/// Licence files that `go mod vendor` copies for a package at `package_dir` (slash-separated,
/// relative to `module_root`, empty for the root itself): those in each directory strictly above
/// the package, up to and including the module root. Paths are relative to `module_root`.
pub fn metadata_files(module_root: &Path, package_dir: &str) -> Result<Vec<String>, ScanError> {
    let mut out = Vec::new();
    let mut rel = package_dir.trim_matches('/');
    while !rel.is_empty() {
        rel = rel.rfind('/').map_or("", |i| &rel[..i]);
        let dir = if rel.is_empty() {
            module_root.to_path_buf()
        } else {
            module_root.join(rel)
        };
        let mut names = Vec::new();
        let io_err = |source| ScanError::Io {
            path: dir.clone(),
            source,
        };
        for entry in fs::read_dir(&dir).map_err(io_err)? {
            let entry = entry.map_err(io_err)?;
            if !entry.file_type().map_err(io_err)?.is_file() {
                continue;
            }
            if let Ok(name) = entry.file_name().into_string()
                && is_license_file(&name)
            {
                names.push(name);
            }
        }
        names.sort();
        out.extend(names.into_iter().map(|name| join_rel(rel, &name)));
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests;
