//! Which files of a module a slim tree keeps: what a build of this repository can read from it.
//!
//! A slim tree keeps `go.mod`; the licence and notice files at any level; every file of every
//! package directory the build loads (the package set vendor mode computes, which covers
//! `go build`, `go vet`, `go test` of the main module's packages and `go list -deps -test`); the
//! files `go mod vendor` would copy for those packages (embed targets in subdirectories
//! included); and, anywhere outside a `testdata` directory, every file of a kind go's build may
//! compile or `#include` (C, C++, Objective-C, assembly, Fortran and SWIG sources and headers,
//! `.syso` objects, and the usual included fragments `.inc`, `.inl`, `.def`, `.ipp`, `.tcc`,
//! `.tpp`), so cgo code reaching into non-package directories still builds; and every file in a
//! directory (or the file) a `#cgo` directive of a loaded package names with `-I`, `-L` or
//! `${SRCDIR}`, such as a prebuilt `lib/linux_amd64/libfoo.a`. Everything else (documentation,
//! examples, test data, other commands' sources) is left out.

use sha2::{Digest, Sha256};

use crate::resolve::load_packages::Selection;

/// The rules' version, part of every selection's digest: a change of the rules lays slim trees
/// out again.
const RULES: &str = "slim-1";

/// File extensions go's build compiles or may `#include`, kept anywhere outside `testdata/`.
const BUILD_EXTENSIONS: [&str; 25] = [
    "c", "cc", "cpp", "cxx", "m", "h", "hh", "hpp", "hxx", "f", "F", "for", "f90", "s", "S", "sx",
    "swig", "swigcxx", "syso", "inc", "inl", "def", "ipp", "tcc", "tpp",
];

/// Name prefixes of licence and notice files, compared without case.
const LICENCE_PREFIXES: [&str; 11] = [
    "LICENSE",
    "LICENCE",
    "UNLICENSE",
    "COPYING",
    "COPYRIGHT",
    "COPYLEFT",
    "NOTICE",
    "PATENTS",
    "AUTHORS",
    "CONTRIBUTORS",
    "LEGAL",
];

/// Whether a slim tree with selection `sel` keeps the module file `name` (relative to the
/// module root, `/`-separated).
pub(super) fn keep(sel: &Selection, name: &str) -> bool {
    let (dir, base) = name.rsplit_once('/').unwrap_or(("", name));
    if name == "go.mod"
        || sel.dirs.contains(dir)
        || sel.files.contains(name)
        || sel.cgo_dirs.contains(dir)
        || sel.cgo_dirs.contains(name)
    {
        return true;
    }
    let upper = base.to_ascii_uppercase();
    if LICENCE_PREFIXES.iter().any(|p| upper.starts_with(p)) {
        return true;
    }
    let in_testdata = dir.split('/').any(|d| d == "testdata");
    let built = base
        .rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && BUILD_EXTENSIONS.contains(&ext));
    built && !in_testdata
}

/// What the lock records of a selection, to tell when a slim tree must be laid out again.
pub(super) fn digest(sel: &Selection) -> String {
    let mut h = Sha256::new();
    h.update(RULES);
    for d in &sel.dirs {
        h.update(b"\ndir ");
        h.update(d);
    }
    for f in &sel.files {
        h.update(b"\nfile ");
        h.update(f);
    }
    for d in &sel.cgo_dirs {
        h.update(b"\ncgo ");
        h.update(d);
    }
    format!("{RULES}:{}", hex::encode(&h.finalize()[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(dirs: &[&str], files: &[&str]) -> Selection {
        Selection {
            dirs: dirs.iter().map(|s| s.to_string()).collect(),
            files: files.iter().map(|s| s.to_string()).collect(),
            cgo_dirs: Default::default(),
        }
    }

    #[test]
    fn directories_and_files_cgo_directives_name_are_kept() {
        let mut s = sel(&["cgo"], &[]);
        s.cgo_dirs = ["lib/linux_amd64".to_string(), "prebuilt/libx.a".to_string()].into();
        for kept in [
            "lib/linux_amd64/libhashtree.a",
            "lib/linux_amd64/libhashtree.a.sha256",
            "prebuilt/libx.a",
        ] {
            assert!(keep(&s, kept), "{kept}");
        }
        for left in [
            "lib/darwin_arm64/libhashtree.a",
            "lib/README.md",
            "prebuilt/other.txt",
        ] {
            assert!(!keep(&s, left), "{left}");
        }
        assert_ne!(digest(&s), digest(&sel(&["cgo"], &[])));
    }

    #[test]
    fn package_directories_keep_every_file_and_nothing_below() {
        let s = sel(&["", "pkg/a"], &[]);
        for kept in [
            "x.go",
            "README.md",
            "pkg/a/a.go",
            "pkg/a/a_test.go",
            "pkg/a/data.bin",
        ] {
            assert!(keep(&s, kept), "{kept}");
        }
        for left in [
            "pkg/a/sub/x.go",
            "pkg/b/b.go",
            "docs/guide.md",
            "cmd/tool/main.go",
        ] {
            assert!(!keep(&s, left), "{left}");
        }
    }

    #[test]
    fn embed_targets_licences_and_go_mod_are_kept() {
        let s = sel(&["pkg"], &["pkg/static/index.html"]);
        assert!(keep(&s, "pkg/static/index.html"));
        assert!(!keep(&s, "pkg/static/other.html"));
        for kept in [
            "go.mod",
            "LICENSE",
            "third/COPYING.txt",
            "x/License.md",
            "NOTICE",
        ] {
            assert!(keep(&s, kept), "{kept}");
        }
        assert!(!keep(&s, "sub/go.sum"));
    }

    #[test]
    fn sources_go_may_compile_or_include_are_kept_outside_testdata() {
        let s = sel(&["pkg"], &[]);
        for kept in [
            "csrc/lib.c",
            "csrc/include/lib.h",
            "asm/x.S",
            "deps/z.cc",
            "deps/z.hpp",
            "blob/x_amd64.syso",
            "lib/part.inc",
        ] {
            assert!(keep(&s, kept), "{kept}");
        }
        for left in [
            "testdata/x.c",
            "a/testdata/y.h",
            "tools/gen.go",
            "doc/x.txt",
            ".c",
        ] {
            assert!(!keep(&s, left), "{left}");
        }
    }

    #[test]
    fn the_digest_changes_with_the_selection() {
        assert_eq!(digest(&sel(&["a"], &[])), digest(&sel(&["a"], &[])));
        assert_ne!(digest(&sel(&["a"], &[])), digest(&sel(&["a", "b"], &[])));
        assert_ne!(digest(&sel(&["a"], &[])), digest(&sel(&["a"], &["a/x/y"])));
        assert!(digest(&sel(&[], &[])).starts_with("slim-1:"));
    }
}
