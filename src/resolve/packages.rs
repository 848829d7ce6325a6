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

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::formats::gover;

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

/// Files one `//go:embed` pattern (with an optional `all:` prefix) names in the package at `dir`,
/// as slash-separated paths relative to `dir`, sorted, with every check of
/// `cmd/go/internal/load.resolveEmbed` (no match, other module, bad names, irregular files).
pub fn expand_embed(dir: &Path, pattern: &str) -> Result<Vec<String>, ScanError> {
    let err = |message: String| ScanError::Embed {
        dir: dir.to_path_buf(),
        pattern: pattern.to_string(),
        message,
    };
    let (glob, all) = match pattern.strip_prefix("all:") {
        Some(rest) => (rest, true),
        None => (pattern, false),
    };
    if glob_match(glob, "").is_err() || glob == "." || !valid_fs_path(glob) {
        return Err(err("invalid pattern syntax".to_string()));
    }
    let matches = glob_in(dir, glob).map_err(|_| err("invalid pattern syntax".to_string()))?;
    let mut list = BTreeSet::new();
    let mut dir_ok = HashSet::new();
    for rel in matches {
        let file = dir.join(&rel);
        let meta = fs::symlink_metadata(&file).map_err(|e| err(e.to_string()))?;
        let what = if meta.is_dir() { "directory" } else { "file" };
        // Every directory from the match up to (not including) the package directory must be a
        // real directory of this module with an embeddable name.
        let mut cur = rel.as_str();
        loop {
            if cur.is_empty() || dir_ok.contains(cur) {
                break;
            }
            let path = dir.join(cur);
            if path.join("go.mod").exists() {
                return Err(err(format!(
                    "cannot embed {what} {rel}: in different module"
                )));
            }
            if cur != rel
                && let Ok(m) = fs::symlink_metadata(&path)
                && !m.is_dir()
            {
                return Err(err(format!(
                    "cannot embed {what} {rel}: in non-directory {cur}"
                )));
            }
            dir_ok.insert(cur.to_string());
            let elem = cur.rsplit('/').next().unwrap_or(cur);
            if is_bad_embed_name(elem) {
                return Err(err(if cur == rel {
                    format!("cannot embed {what} {rel}: invalid name {elem}")
                } else {
                    format!("cannot embed {what} {rel}: in invalid directory {elem}")
                }));
            }
            cur = cur.rfind('/').map_or("", |i| &cur[..i]);
        }
        if meta.is_file() {
            list.insert(rel);
        } else if meta.is_dir() {
            let mut count = 0usize;
            walk_embed_dir(dir, &rel, all, &mut list, &mut count).map_err(err)?;
            if count == 0 {
                return Err(err(format!(
                    "cannot embed directory {rel}: contains no embeddable files"
                )));
            }
        } else {
            return Err(err(format!("cannot embed irregular file {rel}")));
        }
    }
    if list.is_empty() {
        return Err(err("no matching files found".to_string()));
    }
    Ok(list.into_iter().collect())
}

/// Whether the main module's go version `version` is at least `1.minor`. Kept until vendor
/// mode calls [`gover::at_least`] itself.
pub fn go_at_least(version: &str, minor: u32) -> bool {
    gover::at_least(version, &format!("1.{minor}"))
}

// ---------------------------------------------------------------------------------------------
// Per-file scan.

fn scan_file(name: &str, src: &[u8]) -> GoFile {
    scan_file_part(name, src, false).expect("a whole file always scans")
}

/// How much of a `.go` file [`scan_dir`] reads first; most headers end well within it.
const HEAD_BYTES: usize = 16 * 1024;

/// Scans a `.go` file from its first [`HEAD_BYTES`], reading the rest only when the answer
/// depends on it: a header that does not end within them, a syntax error (go reads on, for a
/// NUL) or an `embed` import (patterns may be anywhere).
pub(crate) fn scan_go_path(name: &str, path: &Path) -> io::Result<GoFile> {
    let mut f = fs::File::open(path)?;
    let mut buf = vec![0u8; HEAD_BYTES];
    // One read: whatever it returns, a header that ends within it decides the scan, and
    // anything else reads on to the end (so a short read never passes for the whole file).
    let n = loop {
        match f.read(&mut buf) {
            Ok(n) => break n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    };
    buf.truncate(n);
    if let Some(file) = scan_file_part(name, &buf, true) {
        return Ok(file);
    }
    f.read_to_end(&mut buf)?;
    Ok(scan_file(name, &buf))
}

/// [`scan_file`]; with `head_only`, `src` may be the start of the file only, and `None` says
/// the rest is needed.
fn scan_file_part(name: &str, src: &[u8], head_only: bool) -> Option<GoFile> {
    let src = src.strip_prefix(b"\xef\xbb\xbf".as_slice()).unwrap_or(src);
    let header = read_header(src);
    if head_only
        && (!header.complete
            || header
                .imports
                .iter()
                .any(|i| unquote(i).as_deref() == Some(b"embed".as_slice())))
    {
        return None;
    }
    let mut problem = match header.stop {
        Stop::Nul => Some(FileProblem::Nul),
        Stop::Syntax => Some(FileProblem::HeaderSyntax),
        Stop::Ok => None,
    };
    if problem.is_none() && (header.package.is_empty() || header.package == "_") {
        problem = Some(FileProblem::HeaderSyntax);
    }
    let mut imports = Vec::new();
    for raw in &header.imports {
        match unquote(raw) {
            Some(bytes) => match String::from_utf8(bytes) {
                Ok(path) => {
                    if problem.is_none() && !is_valid_import(&path) {
                        problem = Some(FileProblem::BadImport(path.clone()));
                    }
                    imports.push(path);
                }
                Err(_) => {
                    if problem.is_none() {
                        problem = Some(FileProblem::BadImport(
                            String::from_utf8_lossy(raw).into_owned(),
                        ));
                    }
                }
            },
            None => {
                if problem.is_none() {
                    problem = Some(FileProblem::BadImport(
                        String::from_utf8_lossy(raw).into_owned(),
                    ));
                }
            }
        }
    }
    // The constraint is read from what `imports.ReadImports` returns: the header, or the whole
    // file after a syntax error. A NUL makes `matchPotentialSourceFile` keep the file.
    let ignored = match header.stop {
        Stop::Nul => false,
        _ => !should_build(header.constraint_text),
    };
    if problem.is_none()
        && let Err(message) = constraint_error(header.constraint_text)
    {
        problem = Some(FileProblem::BadConstraint(message));
    }
    let embeds = if problem.is_none() && imports.iter().any(|p| p == "embed") {
        embed_patterns_in(src)
    } else {
        Vec::new()
    };
    let is_cgo = imports.iter().any(|p| p == "C");
    Some(GoFile {
        name: name.to_string(),
        package: header.package,
        imports,
        embeds,
        is_test: name.ends_with("_test.go"),
        ignored,
        is_cgo,
        problem,
    })
}

fn is_hidden(name: &str) -> bool {
    name.starts_with('_') || name.starts_with('.')
}

fn is_pseudo_import(path: &str) -> bool {
    path == "C"
        || path == "appengine"
        || path.starts_with("appengine/")
        || path == "appengine_internal"
        || path.starts_with("appengine_internal/")
}

fn join_rel(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Embed patterns of the package as `vendorPkg` collects them through `go/build.ImportDir` with
/// `UseAllFiles`: empty when the directory has no Go files, an error when `ImportDir` fails with
/// anything but a multiple-package error.
fn embed_patterns(
    dir: &Path,
    pkg: &PackageDir,
    rules: &VendorRules,
) -> Result<Vec<String>, ScanError> {
    #[derive(PartialEq)]
    enum Bad {
        MultiplePackages,
        Other(String, String),
    }
    let mut first_bad: Option<Bad> = None;
    let mut note = |bad: Bad| {
        if first_bad.is_none() {
            first_bad = Some(bad);
        }
    };
    let with_tests = !gover::at_least(&rules.go_version, "1.22");
    let mut package_name = String::new();
    let mut counted = 0usize;
    let mut patterns = BTreeSet::new();
    let mut test_patterns = Vec::new();
    for file in pkg.files.iter().filter(|f| !is_hidden(&f.name)) {
        match &file.problem {
            Some(FileProblem::BadConstraint(message)) => {
                note(Bad::Other(file.name.clone(), message.clone()));
                continue;
            }
            Some(FileProblem::Nul) => {
                note(Bad::Other(
                    file.name.clone(),
                    "unexpected NUL in input".into(),
                ));
                continue;
            }
            Some(FileProblem::HeaderSyntax) => {
                note(Bad::Other(
                    file.name.clone(),
                    "syntax error in file header".into(),
                ));
            }
            Some(FileProblem::BadImport(path)) => {
                note(Bad::Other(
                    file.name.clone(),
                    format!("invalid import path: {path}"),
                ));
            }
            None => {}
        }
        let mut name = file.package.as_str();
        if name == "documentation" {
            continue;
        }
        let is_xtest = file.is_test && name.ends_with("_test") && package_name != name;
        if is_xtest {
            name = &name[..name.len() - "_test".len()];
        }
        if package_name.is_empty() {
            package_name = name.to_string();
        } else if name != package_name {
            note(Bad::MultiplePackages);
        }
        if file.is_cgo && file.is_test {
            note(Bad::Other(
                file.name.clone(),
                "use of cgo in test not supported".into(),
            ));
        }
        if file.is_cgo && !rules.cgo_enabled {
            continue;
        }
        counted += 1;
        if file.is_test {
            if with_tests {
                test_patterns.extend(file.embeds.iter().cloned());
            }
        } else {
            patterns.extend(file.embeds.iter().cloned());
        }
    }
    if let Some(Bad::Other(file, message)) = first_bad {
        return Err(ScanError::BadFile {
            dir: dir.to_path_buf(),
            file,
            message,
        });
    }
    if counted == 0 {
        return Ok(Vec::new());
    }
    patterns.extend(test_patterns);
    Ok(patterns.into_iter().collect())
}

// ---------------------------------------------------------------------------------------------
// The header reader: a port of the import reader shared by `imports.ReadImports` and
// `go/build.readGoInfo`. It reads `package name` and the import declarations, treating
// semicolons as spaces and skipping comments, and stops at the first other token.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Ok,
    Syntax,
    Nul,
}

struct Header<'a> {
    package: String,
    /// Import paths exactly as written, quotes included.
    imports: Vec<Vec<u8>>,
    /// The text constraints are read from.
    constraint_text: &'a [u8],
    stop: Stop,
    /// The reader stopped before the end of `src` at something that decides the header (a
    /// token after the imports, or a NUL): more bytes after `src` would change nothing.
    complete: bool,
}

struct ImportReader<'a> {
    src: &'a [u8],
    pos: usize,
    peek: u8,
    err: Option<Stop>,
    eof: bool,
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

impl<'a> ImportReader<'a> {
    fn syntax_error(&mut self) {
        if self.err.is_none() {
            self.err = Some(Stop::Syntax);
        }
    }

    fn read_byte(&mut self) -> u8 {
        match self.src.get(self.pos) {
            Some(&c) => {
                self.pos += 1;
                if c == 0 {
                    if self.err.is_none() {
                        self.err = Some(Stop::Nul);
                    }
                    return 0;
                }
                c
            }
            None => {
                self.eof = true;
                0
            }
        }
    }

    fn peek_byte(&mut self, skip_space: bool) -> u8 {
        if self.err.is_some() {
            return 0;
        }
        let mut c = self.peek;
        if c == 0 {
            c = self.read_byte();
        }
        while self.err.is_none() && !self.eof {
            if skip_space {
                match c {
                    b' ' | b'\x0c' | b'\t' | b'\r' | b'\n' | b';' => {
                        c = self.read_byte();
                        continue;
                    }
                    b'/' => {
                        c = self.read_byte();
                        if c == b'/' {
                            while c != b'\n' && self.err.is_none() && !self.eof {
                                c = self.read_byte();
                            }
                        } else if c == b'*' {
                            let mut c1 = 0u8;
                            while (c != b'*' || c1 != b'/') && self.err.is_none() {
                                if self.eof {
                                    self.syntax_error();
                                }
                                c = c1;
                                c1 = self.read_byte();
                            }
                        } else {
                            self.syntax_error();
                        }
                        c = self.read_byte();
                        continue;
                    }
                    _ => {}
                }
            }
            break;
        }
        self.peek = c;
        c
    }

    fn next_byte(&mut self, skip_space: bool) -> u8 {
        let c = self.peek_byte(skip_space);
        self.peek = 0;
        c
    }

    fn read_keyword(&mut self, keyword: &str) {
        self.peek_byte(true);
        for &k in keyword.as_bytes() {
            if self.next_byte(false) != k {
                self.syntax_error();
                return;
            }
        }
        if is_ident(self.peek_byte(false)) {
            self.syntax_error();
        }
    }

    fn read_ident(&mut self) -> Vec<u8> {
        let c = self.peek_byte(true);
        if !is_ident(c) {
            self.syntax_error();
            return Vec::new();
        }
        let mut ident = Vec::new();
        while is_ident(self.peek_byte(false)) {
            ident.push(self.peek);
            self.peek = 0;
        }
        ident
    }

    fn read_string(&mut self, save: &mut Vec<Vec<u8>>) {
        match self.next_byte(true) {
            b'`' => {
                let start = self.pos - 1;
                while self.err.is_none() {
                    if self.next_byte(false) == b'`' {
                        save.push(self.src[start..self.pos].to_vec());
                        break;
                    }
                    if self.eof {
                        self.syntax_error();
                    }
                }
            }
            b'"' => {
                let start = self.pos - 1;
                while self.err.is_none() {
                    let c = self.next_byte(false);
                    if c == b'"' {
                        save.push(self.src[start..self.pos].to_vec());
                        break;
                    }
                    if self.eof || c == b'\n' {
                        self.syntax_error();
                    }
                    if c == b'\\' {
                        self.next_byte(false);
                    }
                }
            }
            _ => self.syntax_error(),
        }
    }

    fn read_import(&mut self, save: &mut Vec<Vec<u8>>) {
        let c = self.peek_byte(true);
        if c == b'.' {
            self.peek = 0;
        } else if is_ident(c) {
            self.read_ident();
        }
        self.read_string(save);
    }
}

fn read_header(src: &[u8]) -> Header<'_> {
    let mut r = ImportReader {
        src,
        pos: 0,
        peek: 0,
        err: None,
        eof: false,
    };
    let mut imports = Vec::new();
    r.read_keyword("package");
    let package = r.read_ident();
    let package_ok = r.err.is_none();
    while r.peek_byte(true) == b'i' {
        r.read_keyword("import");
        if r.peek_byte(true) == b'(' {
            r.next_byte(false);
            while r.peek_byte(true) != b')' && r.err.is_none() {
                r.read_import(&mut imports);
            }
            r.next_byte(false);
        } else {
            r.read_import(&mut imports);
        }
    }
    let package = if package_ok {
        String::from_utf8_lossy(&package).into_owned()
    } else {
        String::new()
    };
    match r.err {
        None if !r.eof => Header {
            package,
            imports,
            constraint_text: &src[..r.pos - 1],
            stop: Stop::Ok,
            complete: true,
        },
        None => Header {
            package,
            imports,
            constraint_text: src,
            stop: Stop::Ok,
            complete: false,
        },
        Some(Stop::Syntax) => {
            // `ReadImports` consumes the rest of the file, and fails on a NUL found there.
            let stop = if src[r.pos..].contains(&0) {
                Stop::Nul
            } else {
                Stop::Syntax
            };
            Header {
                package,
                imports,
                constraint_text: src,
                stop,
                complete: false,
            }
        }
        Some(stop) => Header {
            package,
            imports,
            constraint_text: &src[..r.pos],
            stop,
            complete: true,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Build constraints under `AnyTags`.

/// The leading comment block as `parseFileHeader` splits it: the text up to the last blank line
/// before the first non-comment line (where `// +build` lines count), and the `//go:build` line.
fn parse_file_header(content: &[u8]) -> Result<(&[u8], Option<&[u8]>), String> {
    let mut end = 0usize;
    let mut offset = 0usize;
    let mut ended = false;
    let mut in_slash_star = false;
    let mut go_build: Option<&[u8]> = None;
    'lines: while offset < content.len() {
        let rest = &content[offset..];
        let (raw, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], offset + i + 1),
            None => (rest, content.len()),
        };
        offset = next;
        let mut line = trim_space(raw);
        if line.is_empty() && !ended {
            end = offset;
            continue;
        }
        if !line.starts_with(b"//") {
            ended = true;
        }
        if !in_slash_star && is_go_build_comment(line) {
            if go_build.is_some() {
                return Err("multiple //go:build comments".to_string());
            }
            go_build = Some(line);
        }
        while !line.is_empty() {
            if in_slash_star {
                match find(line, b"*/") {
                    Some(i) => {
                        in_slash_star = false;
                        line = trim_space(&line[i + 2..]);
                        continue;
                    }
                    None => continue 'lines,
                }
            }
            if line.starts_with(b"//") {
                continue 'lines;
            }
            if line.starts_with(b"/*") {
                in_slash_star = true;
                line = trim_space(&line[2..]);
                continue;
            }
            break 'lines;
        }
    }
    Ok((&content[..end], go_build))
}

fn is_go_build_comment(line: &[u8]) -> bool {
    match line.strip_prefix(b"//go:build".as_slice()) {
        Some(rest) => rest.is_empty() || trim_space(rest).len() < rest.len(),
        None => false,
    }
}

/// `imports.ShouldBuild(content, AnyTags())`.
fn should_build(content: &[u8]) -> bool {
    let Ok((header, go_build)) = parse_file_header(content) else {
        return false;
    };
    if let Some(line) = go_build {
        return match parse_go_build(line) {
            Ok(expr) => eval_any(&expr, true),
            Err(_) => false,
        };
    }
    for raw in header.split(|&b| b == b'\n') {
        let line = trim_space(raw);
        if !line.starts_with(b"//") || find(line, b"+build").is_none() {
            continue;
        }
        let text = String::from_utf8_lossy(line);
        if let Some(expr) = parse_plus_build(&text)
            && !eval_any(&expr, true)
        {
            return false;
        }
    }
    true
}

/// The error `go/build` reports for the file's constraints, if any.
fn constraint_error(content: &[u8]) -> Result<(), String> {
    let (_, go_build) = parse_file_header(content)?;
    if let Some(line) = go_build {
        parse_go_build(line).map_err(|e| format!("parsing //go:build line: {e}"))?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Expr {
    Tag(String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

fn is_tag_char(c: char) -> bool {
    c.is_alphabetic() || c.is_numeric() || c == '_' || c == '.'
}

/// `imports.eval` with the tag set `{"*"}`: every well-formed tag other than `ignore` takes the
/// value the context prefers, so it is true under an even number of negations and false under
/// an odd one, and the expression is satisfied whenever some polarity can satisfy it.
fn eval_any(expr: &Expr, prefer: bool) -> bool {
    match expr {
        Expr::Tag(name) => {
            if !name.chars().all(is_tag_char) {
                return false;
            }
            !name.is_empty() && name != "ignore" && prefer
        }
        Expr::Not(x) => !eval_any(x, !prefer),
        Expr::And(x, y) => eval_any(x, prefer) && eval_any(y, prefer),
        Expr::Or(x, y) => eval_any(x, prefer) || eval_any(y, prefer),
    }
}

fn parse_go_build(line: &[u8]) -> Result<Expr, String> {
    let line = String::from_utf8_lossy(line);
    let rest = line.trim().strip_prefix("//go:build").unwrap_or_default();
    let mut parser = ExprParser {
        s: rest.trim(),
        i: 0,
        tok: "",
        is_tag: false,
        pos: 0,
        size: 0,
    };
    let x = parser.or()?;
    if !parser.tok.is_empty() {
        return Err(format!("unexpected token {}", parser.tok));
    }
    Ok(x)
}

/// A port of `go/build/constraint`'s expression parser (same tokens, errors and size limit).
struct ExprParser<'a> {
    s: &'a str,
    i: usize,
    tok: &'a str,
    is_tag: bool,
    pos: usize,
    size: usize,
}

impl<'a> ExprParser<'a> {
    fn or(&mut self) -> Result<Expr, String> {
        let mut x = self.and()?;
        while self.tok == "||" {
            x = Expr::Or(Box::new(x), Box::new(self.and()?));
        }
        Ok(x)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut x = self.not()?;
        while self.tok == "&&" {
            x = Expr::And(Box::new(x), Box::new(self.not()?));
        }
        Ok(x)
    }

    fn not(&mut self) -> Result<Expr, String> {
        self.size += 1;
        if self.size > 1000 {
            return Err("build expression too large".to_string());
        }
        self.lex()?;
        if self.tok == "!" {
            self.lex()?;
            if self.tok == "!" {
                return Err("double negation not allowed".to_string());
            }
            return Ok(Expr::Not(Box::new(self.atom()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, String> {
        if self.tok == "(" {
            let x = self.or().map_err(|e| {
                if e == "unexpected end of expression" {
                    "missing close paren".to_string()
                } else {
                    e
                }
            })?;
            if self.tok != ")" {
                return Err("missing close paren".to_string());
            }
            self.lex()?;
            return Ok(x);
        }
        if !self.is_tag {
            if self.tok.is_empty() {
                return Err("unexpected end of expression".to_string());
            }
            return Err(format!("unexpected token {}", self.tok));
        }
        let tag = self.tok.to_string();
        self.lex()?;
        Ok(Expr::Tag(tag))
    }

    fn lex(&mut self) -> Result<(), String> {
        self.is_tag = false;
        let bytes = self.s.as_bytes();
        while self.i < bytes.len() && (bytes[self.i] == b' ' || bytes[self.i] == b'\t') {
            self.i += 1;
        }
        if self.i >= bytes.len() {
            self.tok = "";
            self.pos = self.i;
            return Ok(());
        }
        match bytes[self.i] {
            b'(' | b')' | b'!' => {
                self.pos = self.i;
                self.i += 1;
                self.tok = &self.s[self.pos..self.i];
                return Ok(());
            }
            c @ (b'&' | b'|') => {
                if self.i + 1 >= bytes.len() || bytes[self.i + 1] != c {
                    return Err(format!("invalid syntax at {}", c as char));
                }
                self.pos = self.i;
                self.i += 2;
                self.tok = &self.s[self.pos..self.i];
                return Ok(());
            }
            _ => {}
        }
        let rest = &self.s[self.i..];
        let len = rest
            .char_indices()
            .find(|&(_, c)| !is_tag_char(c))
            .map_or(rest.len(), |(i, _)| i);
        if len == 0 {
            let c = rest.chars().next().unwrap_or('\u{fffd}');
            return Err(format!("invalid syntax at {c}"));
        }
        self.pos = self.i;
        self.i += len;
        self.tok = &self.s[self.pos..self.i];
        self.is_tag = true;
        Ok(())
    }
}

/// `constraint.Parse` of a `// +build` line; `None` when it is not one or is too complex.
fn parse_plus_build(line: &str) -> Option<Expr> {
    let rest = line.strip_prefix("//")?.trim().strip_prefix("+build")?;
    let trimmed = rest.trim();
    if rest.len() == trimmed.len() && !rest.is_empty() {
        return None;
    }
    let mut size = 0;
    let mut x: Option<Expr> = None;
    for clause in trimmed.split_whitespace() {
        let mut y: Option<Expr> = None;
        for lit in clause.split(',') {
            let z = if lit.starts_with("!!") || lit == "!" {
                Expr::Tag("ignore".to_string())
            } else {
                let (neg, name) = match lit.strip_prefix('!') {
                    Some(name) => (true, name),
                    None => (false, lit),
                };
                let tag = if !name.is_empty() && name.chars().all(is_tag_char) {
                    Expr::Tag(name.to_string())
                } else {
                    Expr::Tag("ignore".to_string())
                };
                if neg { Expr::Not(Box::new(tag)) } else { tag }
            };
            y = Some(match y {
                None => z,
                Some(y) => {
                    size += 1;
                    if size > 100 {
                        return None;
                    }
                    Expr::And(Box::new(y), Box::new(z))
                }
            });
        }
        let y = y?;
        x = Some(match x {
            None => y,
            Some(x) => {
                size += 1;
                if size > 100 {
                    return None;
                }
                Expr::Or(Box::new(x), Box::new(y))
            }
        });
    }
    Some(x.unwrap_or_else(|| Expr::Tag("ignore".to_string())))
}

fn trim_space(mut s: &[u8]) -> &[u8] {
    // `bytes.TrimSpace`: ASCII white space plus the Unicode spaces, decoded as UTF-8.
    loop {
        match leading_space_len(s) {
            0 => break,
            n => s = &s[n..],
        }
    }
    loop {
        match trailing_space_len(s) {
            0 => break,
            n => s = &s[..s.len() - n],
        }
    }
    s
}

fn leading_space_len(s: &[u8]) -> usize {
    match s.first() {
        Some(b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') => 1,
        Some(&b) if b >= 0x80 => {
            let text = String::from_utf8_lossy(&s[..s.len().min(4)]);
            match text.chars().next() {
                Some(c) if c != '\u{fffd}' && c.is_whitespace() => c.len_utf8(),
                _ => 0,
            }
        }
        _ => 0,
    }
}

fn trailing_space_len(s: &[u8]) -> usize {
    match s.last() {
        Some(b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') => 1,
        Some(&b) if b >= 0x80 => {
            let start = s.len().saturating_sub(4);
            for i in start..s.len() {
                if let Ok(text) = std::str::from_utf8(&s[i..])
                    && let Some(c) = text.chars().next()
                    && c.len_utf8() == s.len() - i
                {
                    return if c.is_whitespace() { c.len_utf8() } else { 0 };
                }
            }
            0
        }
        _ => 0,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------
// Go string literals and import paths.

/// `strconv.Unquote` for `"…"` and `` `…` `` literals; `None` when the literal is malformed.
fn unquote(raw: &[u8]) -> Option<Vec<u8>> {
    let (&first, rest) = raw.split_first()?;
    let (&last, body) = rest.split_last()?;
    if first != last {
        return None;
    }
    match first {
        b'`' => {
            if body.contains(&b'`') {
                return None;
            }
            Some(body.iter().copied().filter(|&b| b != b'\r').collect())
        }
        b'"' => unescape(body),
        _ => None,
    }
}

fn unescape(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if c == b'"' || c == b'\n' {
            return None;
        }
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let e = *body.get(i + 1)?;
        i += 2;
        let simple = match e {
            b'a' => Some(7),
            b'b' => Some(8),
            b'f' => Some(12),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'v' => Some(11),
            b'\\' => Some(b'\\'),
            b'"' => Some(b'"'),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            continue;
        }
        match e {
            b'0'..=b'7' => {
                let digits = body.get(i - 1..i + 2)?;
                let mut v: u32 = 0;
                for &d in digits {
                    if !(b'0'..=b'7').contains(&d) {
                        return None;
                    }
                    v = v * 8 + u32::from(d - b'0');
                }
                out.push(u8::try_from(v).ok()?);
                i += 2;
            }
            b'x' | b'u' | b'U' => {
                let n = match e {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let hex = std::str::from_utf8(body.get(i..i + n)?).ok()?;
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                let v = u32::from_str_radix(hex, 16).ok()?;
                i += n;
                if e == b'x' {
                    out.push(u8::try_from(v).ok()?);
                } else {
                    let c = char::from_u32(v)?;
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// `go/build.isValidImport`.
fn is_valid_import(path: &str) -> bool {
    const ILLEGAL: &str = "!\"#$%&'()*,:;<=>?[\\]^{|}`\u{fffd}";
    !path.is_empty()
        && path
            .chars()
            .all(|c| !c.is_control() && !c.is_whitespace() && !ILLEGAL.contains(c))
}

// ---------------------------------------------------------------------------------------------
// `//go:embed` comments.

/// Patterns of every well-formed `//go:embed` line comment in the file, found with a lexer that
/// knows Go's comments, strings and rune literals, like the `go/scanner` pass in `go/build`.
fn embed_patterns_in(src: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < src.len() {
        match src[i] {
            b'/' if src.get(i + 1) == Some(&b'/') => {
                let end = src[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(src.len(), |n| i + n);
                let text: Vec<u8> = src[i..end]
                    .iter()
                    .copied()
                    .filter(|&b| b != b'\r')
                    .collect();
                if text.starts_with(b"//go:embed")
                    && let Ok(text) = std::str::from_utf8(&text)
                    && let Some(args) = parse_embed_directive(text)
                {
                    out.extend(args);
                }
                i = end;
            }
            b'/' if src.get(i + 1) == Some(&b'*') => {
                i = find(&src[i + 2..], b"*/").map_or(src.len(), |n| i + 2 + n + 2);
            }
            b'`' => {
                i = src[i + 1..]
                    .iter()
                    .position(|&b| b == b'`')
                    .map_or(src.len(), |n| i + 1 + n + 1);
            }
            quote @ (b'"' | b'\'') => {
                i += 1;
                while i < src.len() {
                    let c = src[i];
                    if c == b'\n' {
                        break;
                    }
                    i += 1;
                    if c == quote {
                        break;
                    }
                    if c == b'\\' && i < src.len() && src[i] != b'\n' {
                        i += 1;
                    }
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// `ast.ParseDirective` + `ParseArgs` for a `//go:embed` comment; `None` for a malformed line,
/// which `go/build` skips (the compiler reports it).
fn parse_embed_directive(comment: &str) -> Option<Vec<String>> {
    let body = comment.strip_prefix("//")?;
    let colon = body.find(':')?;
    if colon == 0 || colon + 1 >= body.len() {
        return None;
    }
    let bytes = body.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !(0..=colon + 1).all(|i| i == colon || alnum(bytes[i])) {
        return None;
    }
    let (tool, rest) = (&body[..colon], &body[colon + 1..]);
    let name_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    if tool != "go" || &rest[..name_end] != "embed" {
        return None;
    }
    let mut args = rest[name_end..].trim_end();
    let mut out = Vec::new();
    loop {
        args = args.trim_start();
        let Some(first) = args.chars().next() else {
            break;
        };
        if first == '"' || first == '`' {
            let len = quoted_prefix_len(args)?;
            let value = String::from_utf8(unquote(&args.as_bytes()[..len])?).ok()?;
            args = &args[len..];
            if let Some(next) = args.chars().next()
                && !next.is_whitespace()
            {
                return None;
            }
            out.push(value);
        } else {
            let end = args.find(char::is_whitespace).unwrap_or(args.len());
            out.push(args[..end].to_string());
            args = &args[end..];
        }
    }
    Some(out)
}

/// `strconv.QuotedPrefix` length for a string starting with `"` or `` ` ``.
fn quoted_prefix_len(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let quote = bytes[0];
    let mut i = 1;
    while i < bytes.len() {
        let c = bytes[i];
        if c == quote {
            let len = i + 1;
            unquote(&bytes[..len])?;
            return Some(len);
        }
        if quote == b'"' {
            if c == b'\n' {
                return None;
            }
            if c == b'\\' {
                i += 1;
            }
        }
        i += 1;
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Embed resolution.

/// `fs.ValidPath`: unrooted, slash-separated, no empty, `.` or `..` element.
fn valid_fs_path(name: &str) -> bool {
    if name == "." {
        return true;
    }
    name.split('/')
        .all(|elem| !elem.is_empty() && elem != "." && elem != "..")
}

/// `isBadEmbedName`: names a module zip cannot hold, and version-control directories.
fn is_bad_embed_name(name: &str) -> bool {
    matches!(name, "" | ".bzr" | ".hg" | ".git" | ".svn") || !valid_file_name(name)
}

/// `module.CheckFilePath` for one path element.
fn valid_file_name(elem: &str) -> bool {
    if elem.is_empty() || elem.bytes().all(|b| b == b'.') || elem.ends_with('.') {
        return false;
    }
    let ok = |c: char| {
        if c.is_ascii() {
            c.is_ascii_alphanumeric() || "!#$%&()+,-.=@[]^_{}~ ".contains(c)
        } else {
            c.is_alphabetic()
        }
    };
    if !elem.chars().all(ok) {
        return false;
    }
    let short = elem.split('.').next().unwrap_or(elem);
    const WINDOWS: [&str; 22] = [
        "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
        "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    ];
    !WINDOWS.iter().any(|bad| bad.eq_ignore_ascii_case(short))
}

/// Walks an embedded directory like `resolveEmbed`: hidden (`.`/`_`) entries skipped unless
/// `all:`, version-control and unnamable entries skipped or refused, nested modules skipped.
fn walk_embed_dir(
    root: &Path,
    rel: &str,
    all: bool,
    list: &mut BTreeSet<String>,
    count: &mut usize,
) -> Result<(), String> {
    let dir = root.join(rel);
    let mut entries = Vec::new();
    for entry in fs::read_dir(&dir).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = entry
            .file_name()
            .into_string()
            .map_err(|_| format!("cannot embed file in {rel}: invalid name"))?;
        entries.push((name, entry.file_type().map_err(|e| e.to_string())?));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, kind) in entries {
        let path = format!("{rel}/{name}");
        let hidden = name.starts_with('.') || name.starts_with('_');
        if is_bad_embed_name(&name) || (hidden && !all) {
            if kind.is_dir() || hidden {
                continue;
            }
            return Err(format!("cannot embed file {path}: invalid name {name}"));
        }
        if kind.is_dir() {
            if root.join(&path).join("go.mod").exists() {
                continue;
            }
            walk_embed_dir(root, &path, all, list, count)?;
        } else if kind.is_file() {
            *count += 1;
            list.insert(path);
        }
    }
    Ok(())
}

/// `fsys.Glob` of a valid slash-separated pattern under `dir`; paths come back relative to `dir`.
fn glob_in(dir: &Path, pattern: &str) -> Result<Vec<String>, ()> {
    if !has_meta(pattern) {
        return Ok(if fs::symlink_metadata(dir.join(pattern)).is_ok() {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        });
    }
    let segments: Vec<&str> = pattern.split('/').collect();
    let first_meta = segments
        .iter()
        .position(|s| has_meta(s))
        .expect("a pattern with a meta character has a segment with one because `/` is not one");
    let mut current = vec![segments[..first_meta].join("/")];
    for segment in &segments[first_meta..] {
        let mut next = Vec::new();
        for base in current {
            let path = if base.is_empty() {
                dir.to_path_buf()
            } else {
                dir.join(&base)
            };
            if !fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
                continue;
            }
            let Ok(entries) = fs::read_dir(&path) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect();
            names.sort();
            for name in names {
                if glob_match(segment, &name)? {
                    next.push(join_rel(&base, &name));
                }
            }
        }
        current = next;
    }
    Ok(current)
}

fn has_meta(s: &str) -> bool {
    s.contains(['*', '?', '[', '\\'])
}

/// `path.Match`: `Err(())` for a malformed pattern (`ErrBadPattern`), checked over the whole
/// pattern even after a mismatch.
fn glob_match(pattern: &str, name: &str) -> Result<bool, ()> {
    let mut pattern = pattern.as_bytes();
    let mut name = name.as_bytes();
    'outer: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Ok(!name.contains(&b'/'));
        }
        let (t, ok, err) = match_chunk(chunk, name);
        if ok && (t.is_empty() || !pattern.is_empty()) {
            name = t;
            continue;
        }
        if err {
            return Err(());
        }
        if star {
            let mut i = 0;
            while i < name.len() && name[i] != b'/' {
                let (t, ok, err) = match_chunk(chunk, &name[i + 1..]);
                if ok {
                    if pattern.is_empty() && !t.is_empty() {
                        i += 1;
                        continue;
                    }
                    name = t;
                    continue 'outer;
                }
                if err {
                    return Err(());
                }
                i += 1;
            }
        }
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            if match_chunk(chunk, b"").2 {
                return Err(());
            }
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

fn scan_chunk(mut pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut star = false;
    while pattern.first() == Some(&b'*') {
        pattern = &pattern[1..];
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            b'\\' if i + 1 < pattern.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => return (star, &pattern[..i], &pattern[i..]),
            _ => {}
        }
        i += 1;
    }
    (star, pattern, &[])
}

/// Decodes one UTF-8 character; `(U+FFFD, 1)` for an invalid byte, like `utf8.DecodeRune`.
fn decode_rune(s: &[u8]) -> (char, usize) {
    for len in 1..=s.len().min(4) {
        if let Ok(text) = std::str::from_utf8(&s[..len])
            && let Some(c) = text.chars().next()
        {
            return (c, len);
        }
    }
    ('\u{fffd}', 1)
}

/// `matchChunk`: (rest of name, matched, malformed pattern).
fn match_chunk<'n>(mut chunk: &[u8], mut s: &'n [u8]) -> (&'n [u8], bool, bool) {
    let mut failed = false;
    while let Some(&c) = chunk.first() {
        failed = failed || s.is_empty();
        match c {
            b'[' => {
                let mut r = '\0';
                if !failed {
                    let (rune, n) = decode_rune(s);
                    r = rune;
                    s = &s[n..];
                }
                chunk = &chunk[1..];
                let mut negated = false;
                if chunk.first() == Some(&b'^') {
                    negated = true;
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut ranges = 0;
                loop {
                    if chunk.first() == Some(&b']') && ranges > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let Some((lo, rest)) = get_esc(chunk) else {
                        return (&[], false, true);
                    };
                    chunk = rest;
                    let mut hi = lo;
                    if chunk[0] == b'-' {
                        let Some((h, rest)) = get_esc(&chunk[1..]) else {
                            return (&[], false, true);
                        };
                        hi = h;
                        chunk = rest;
                    }
                    matched = matched || (lo <= r && r <= hi);
                    ranges += 1;
                }
                failed = failed || matched == negated;
            }
            b'?' => {
                if !failed {
                    failed = s[0] == b'/';
                    let (_, n) = decode_rune(s);
                    s = &s[n..];
                }
                chunk = &chunk[1..];
            }
            _ => {
                if c == b'\\' {
                    chunk = &chunk[1..];
                    if chunk.is_empty() {
                        return (&[], false, true);
                    }
                }
                if !failed {
                    failed = chunk[0] != s[0];
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    if failed {
        (&[], false, false)
    } else {
        (s, true, false)
    }
}

/// `getEsc`: one possibly escaped character of a range; `None` for `ErrBadPattern` (which also
/// covers a range that runs to the end of the chunk).
fn get_esc(chunk: &[u8]) -> Option<(char, &[u8])> {
    let mut chunk = chunk;
    match chunk.first() {
        None | Some(b'-') | Some(b']') => return None,
        Some(b'\\') => {
            chunk = &chunk[1..];
            if chunk.is_empty() {
                return None;
            }
        }
        _ => {}
    }
    let (r, n) = decode_rune(chunk);
    if r == '\u{fffd}' && n == 1 {
        return None;
    }
    let rest = &chunk[n..];
    if rest.is_empty() {
        return None;
    }
    Some((r, rest))
}

#[cfg(test)]
mod tests {

    #[test]
    fn licence_rules() {
        assert!(is_license_file("LICENSE"));
        assert!(is_license_file("LICENSE.md"));
        assert!(is_license_file("NOTICE_x.go"));
        assert!(!is_license_file("license"));
        assert!(!is_license_file("README"));
    }

    use super::*;

    fn scan(src: &str) -> GoFile {
        scan_go_file("x.go", src.as_bytes()).expect("test sources have no NUL")
    }

    /// `scan_dir` reads the first [`HEAD_BYTES`] of a file and the rest only when needed: for
    /// every source around and across that boundary it answers as a scan of the whole file.
    #[test]
    fn reading_only_the_head_answers_as_the_whole_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pad = |n: usize| format!("// {}\n", "x".repeat(n));
        let mut sources = Vec::new();
        for len in [
            HEAD_BYTES - 200,
            HEAD_BYTES - 20,
            HEAD_BYTES - 3,
            HEAD_BYTES,
            HEAD_BYTES + 50,
        ] {
            // Header ending near or after the boundary.
            sources.push(format!(
                "{}package p\n\nimport (\n\t\"a.example/x\"\n\t\"b.example/y\"\n)\n\nvar V = 1\n",
                pad(len)
            ));
            // An embed pattern far after the header.
            sources.push(format!(
                "package p\n\nimport _ \"embed\"\n\n{}//go:embed late.txt\nvar s string\n",
                pad(len)
            ));
            // A header syntax error with a NUL after the boundary (go reads on to it).
            sources.push(format!("package p\n\nimport \"a\" +\n{}\0\n", pad(len)));
            // Imports spread over the boundary.
            let mut many = String::from("package p\n\nimport (\n");
            let mut i = 0;
            while many.len() < len {
                many.push_str(&format!("\t\"m.example/p{i}\"\n"));
                i += 1;
            }
            many.push_str(")\n\nfunc F() {}\n");
            sources.push(many);
            // A short header and a long body: the head alone answers.
            sources.push(format!(
                "package p\n\nimport \"a.example/x\"\n\nvar V = \"{}\"\n",
                "x".repeat(len)
            ));
        }
        for (i, src) in sources.iter().enumerate() {
            let path = dir.path().join(format!("f{i}.go"));
            fs::write(&path, src).expect("write source");
            let whole = scan_file(&format!("f{i}.go"), src.as_bytes());
            let read = scan_go_path(&format!("f{i}.go"), &path).expect("scan");
            assert_eq!(read, whole, "source {i} ({} bytes)", src.len());
        }
        let long_body = &sources[19];
        assert!(long_body.len() > HEAD_BYTES);
        assert!(scan_file_part("f.go", &long_body.as_bytes()[..HEAD_BYTES], true).is_some());
        assert!(scan_file_part("f.go", &sources[18].as_bytes()[..HEAD_BYTES], true).is_none());
        let embedded = scan_go_path("f6.go", &dir.path().join("f6.go")).expect("scan");
        assert_eq!(embedded.embeds, vec!["late.txt".to_string()]);
        let many = scan_go_path("f18.go", &dir.path().join("f18.go")).expect("scan");
        assert!(many.imports.len() > 500, "{}", many.imports.len());
    }

    #[test]
    fn constraints_under_any_tags() {
        let cases: &[(&str, bool)] = &[
            ("//go:build linux\n\npackage p\n", true),
            ("//go:build !linux\n\npackage p\n", true),
            ("//go:build linux && !linux\n\npackage p\n", true),
            ("//go:build ignore\n\npackage p\n", false),
            ("//go:build !ignore\n\npackage p\n", true),
            ("//go:build linux && ignore\n\npackage p\n", false),
            ("//go:build linux || ignore\n\npackage p\n", true),
            ("//go:build !(ignore || linux)\n\npackage p\n", true),
            ("//go:build\n\npackage p\n", false),
            ("//go:build (linux\n\npackage p\n", false),
            ("//go:build a\n//go:build b\n\npackage p\n", false),
            ("// +build ignore\n\npackage p\n", false),
            ("// +build !ignore\n\npackage p\n", true),
            ("// +build linux,!cgo\n\npackage p\n", true),
            ("// +build foo-bar\n\npackage p\n", false),
            ("// +build !foo-bar\n\npackage p\n", true),
            ("// +build !\n\npackage p\n", false),
            // `// +build` without a following blank line does not count.
            ("// +build ignore\npackage p\n", true),
            // `//go:build` wins over `// +build`.
            ("//go:build linux\n// +build ignore\n\npackage p\n", true),
            // Not a constraint after the package clause.
            ("package p\n\n//go:build ignore\n", true),
            ("/* c */\n//go:build ignore\n\npackage p\n", false),
            ("//go:buildignore\n\npackage p\n", true),
        ];
        for (src, want) in cases {
            assert_eq!(!scan(src).ignored, *want, "{src:?}");
        }
    }

    #[test]
    fn header_imports_and_package() {
        let file = scan(
            "// comment\npackage foo // x\n\nimport \"a\"\nimport (\n\tb \"b/c\"\n\t_ \"d\"; . `e`\n)\nimport \"C\"\n\nfunc f() {}\nimport \"late\"\n",
        );
        assert_eq!(file.package, "foo");
        assert_eq!(file.imports, ["a", "b/c", "d", "e", "C"]);
        assert!(file.is_cgo);
        assert_eq!(file.problem, None);

        let broken = scan("package p\nimport (\n\"a\"\n\tx y\n)\n");
        assert_eq!(broken.imports, ["a"]);
        assert_eq!(broken.problem, Some(FileProblem::HeaderSyntax));
        assert!(!broken.ignored);

        assert_eq!(scan("").problem, Some(FileProblem::HeaderSyntax));
        assert_eq!(scan("\u{feff}package p\n").package, "p");
        assert!(matches!(
            scan_go_file("n.go", b"package p\x00"),
            Err(ScanError::Nul { .. })
        ));
        assert_eq!(
            scan("package p\nimport \"a b\"\n").problem,
            Some(FileProblem::BadImport("a b".into()))
        );
    }

    #[test]
    fn embed_directives() {
        let src = "package p\n\nimport _ \"embed\"\n\n//go:embed a.txt  \"b c.txt\" `d`\nvar a string\n\n// not //go:embed x\nvar s = \"//go:embed y\"\nvar r = '\"'\n//go:embed\tall:static\r\n//go:embedded z\n/* //go:embed w */\n//go:embed \"bad\"x\n";
        assert_eq!(scan(src).embeds, ["a.txt", "b c.txt", "d", "all:static"]);
        let no_import = "package p\n//go:embed a.txt\nvar a string\n";
        assert!(scan(no_import).embeds.is_empty());
    }

    #[test]
    fn glob_matching() {
        let cases: &[(&str, &str, Result<bool, ()>)] = &[
            ("*", "abc", Ok(true)),
            ("*", ".hidden", Ok(true)),
            ("a*", "a/b", Ok(false)),
            ("*.txt", "x.txt", Ok(true)),
            ("?", "é", Ok(true)),
            ("[a-c]x", "bx", Ok(true)),
            ("[^a-c]x", "bx", Ok(false)),
            ("\\*", "*", Ok(true)),
            ("[", "a", Err(())),
            ("a[", "b", Err(())),
            ("[]a]", "a", Err(())),
            ("x\\", "x", Err(())),
            ("*x[", "abc", Err(())),
        ];
        for (pattern, name, want) in cases {
            assert_eq!(glob_match(pattern, name), *want, "{pattern} {name}");
        }
    }

    #[test]
    fn embed_names() {
        for good in ["a.txt", ".hidden", "_x", "a b"] {
            assert!(!is_bad_embed_name(good), "{good}");
        }
        for bad in [".git", "a'b", "con.txt", "x.", "..", "a*"] {
            assert!(is_bad_embed_name(bad), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn scanning_never_panics(src in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let _ = scan_go_file("p.go", &src);
        }

        #[test]
        fn scanning_go_like_text_never_panics(src in "[a-z \\n\"`'/*()!&|:+._;]{0,120}") {
            let text = format!("//go:build {src}\npackage p\nimport \"embed\"\n{src}");
            let _ = scan_go_file("p.go", text.as_bytes());
            let _ = glob_match(&src, "name");
        }
    }
}
