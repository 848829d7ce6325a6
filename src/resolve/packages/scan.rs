//! Per-file scan: a `.go` file's package clause, imports, constraint result and embed patterns,
//! read from the head of the file when that decides it, as `imports.ReadImports` would.

use std::fs;
use std::io::{self, Read as _};
use std::path::Path;

use super::constraints::{constraint_error, should_build};
use super::directives::embed_patterns_in;
use super::header::{Stop, read_header};
use super::literals::{is_valid_import, unquote};
use super::{FileProblem, GoFile};

// ---------------------------------------------------------------------------------------------
// Per-file scan.

pub(super) fn scan_file(name: &str, src: &[u8]) -> GoFile {
    scan_file_part(name, src, false).expect("a whole file always scans")
}

/// How much of a `.go` file [`scan_dir`](super::scan_dir) reads first; most headers end well within it.
pub(super) const HEAD_BYTES: usize = 16 * 1024;

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
pub(super) fn scan_file_part(name: &str, src: &[u8], head_only: bool) -> Option<GoFile> {
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

pub(super) fn is_hidden(name: &str) -> bool {
    name.starts_with('_') || name.starts_with('.')
}

pub(super) fn is_pseudo_import(path: &str) -> bool {
    path == "C"
        || path == "appengine"
        || path.starts_with("appengine/")
        || path == "appengine_internal"
        || path.starts_with("appengine_internal/")
}

pub(super) fn join_rel(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}
