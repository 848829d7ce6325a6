//! The layering checker on made-up trees: each rule reported, comments and strings skipped,
//! `use` groups expanded.

use super::*;

fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(rel, text)| (rel.to_string(), text.to_string()))
        .collect()
}

/// `(file, line, path)` of each violation, and the whole report for failure messages.
fn found(list: &[(&str, &str)]) -> (Vec<(String, usize, String)>, String) {
    let v = check(&files(list));
    let short = v
        .iter()
        .map(|v| (v.file.clone(), v.line, v.path.clone()))
        .collect();
    (short, report(&v))
}

fn one(file: &str, line: usize, path: &str) -> (String, usize, String) {
    (file.to_string(), line, path.to_string())
}

/// A small tree in the new layout, layered correctly.
const GOOD: &[(&str, &str)] = &[
    ("lib.rs", "pub mod ops;\npub mod util;\npub use ops::run;\n"),
    ("main.rs", "fn main() { gomodoff::run(); }\n"),
    ("cli.rs", "use crate::ops::Options;\n"),
    (
        "ops/mod.rs",
        "mod check;\nmod status;\npub use check::run;\nuse crate::ops::status::x;\npub struct Outcome;\n",
    ),
    (
        "ops/check.rs",
        "use super::Outcome;\nuse crate::modes::{Finding, vendor::plan};\npub fn run() -> crate::ops::Outcome { crate::util::fsutil::go() }\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n",
    ),
    ("ops/status.rs", "use crate::ops::Outcome;\n"),
    (
        "modes/mod.rs",
        "pub mod vendor;\npub mod replace;\nuse self::vendor::Plan;\nuse crate::modes::replace::x;\n",
    ),
    (
        "modes/vendor/mod.rs",
        "use super::Finding;\nuse crate::formats::gomod;\nmod plan;\n",
    ),
    (
        "modes/vendor/plan.rs",
        "use super::super::Finding;\nuse super::Thing;\n",
    ),
    ("modes/replace/mod.rs", "use crate::modes::Finding;\n"),
    ("formats/mod.rs", "pub mod gomod;\n"),
    (
        "formats/gomod/mod.rs",
        "mod edit;\nmod syntax;\npub use edit::Edit;\nuse crate::util::fsutil;\n",
    ),
    (
        "formats/gomod/edit.rs",
        "use super::syntax::Tree;\nuse crate::formats::gomod::GoMod;\n",
    ),
    ("formats/gomod/syntax.rs", "use super::GoMod;\n"),
    ("util/mod.rs", "pub mod fsutil;\n"),
    ("util/fsutil.rs", "pub fn go() {}\n"),
];

#[test]
fn a_layered_tree_passes() {
    let (v, text) = found(GOOD);
    assert!(v.is_empty(), "{text}");
}

fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut list: Vec<(&str, &str)> = GOOD
        .iter()
        .filter(|(rel, _)| !extra.iter().any(|(e, _)| e == rel))
        .copied()
        .collect();
    list.extend_from_slice(extra);
    list
}

#[test]
fn an_upward_import_is_reported() {
    let (v, text) = found(&with(&[(
        "util/fsutil.rs",
        "pub fn go() {}\n\nuse crate::ops::Outcome;\n",
    )]));
    assert_eq!(
        v,
        [one("util/fsutil.rs", 3, "crate::ops::Outcome")],
        "{text}"
    );
    assert!(
        text.contains("upward: layer `util` references layer `ops` (src/ops/mod.rs)"),
        "{text}"
    );
    assert!(
        text.starts_with("  src/util/fsutil.rs:3: `crate::ops::Outcome`"),
        "{text}"
    );
}

#[test]
fn an_upward_inline_path_and_super_path_are_reported() {
    let (v, text) = found(&with(&[
        (
            "formats/gomod/syntax.rs",
            "use super::GoMod;\nfn f() {\n    let x = crate::modes::vendor::plan(1);\n}\n",
        ),
        (
            "formats/gomod/edit.rs",
            "fn f() { super::super::super::cli::parse(); }\n",
        ),
        // `lib.rs` itself is `top`: anything from below that names it is upward.
        ("util/fsutil.rs", "pub fn go() { crate::run() }\n"),
    ]));
    assert_eq!(
        v,
        [
            one(
                "formats/gomod/edit.rs",
                1,
                "super::super::super::cli::parse"
            ),
            one("formats/gomod/syntax.rs", 3, "crate::modes::vendor::plan"),
            one("util/fsutil.rs", 1, "crate::run"),
        ],
        "{text}"
    );
}

#[test]
fn an_ops_to_ops_import_is_reported() {
    let (v, text) = found(&with(&[(
        "ops/check.rs",
        "use super::{Outcome, status::x};\nfn f() { crate::ops::status::run() }\n",
    )]));
    assert_eq!(
        v,
        [
            one("ops/check.rs", 1, "super::status::x"),
            one("ops/check.rs", 2, "crate::ops::status::run"),
        ],
        "{text}"
    );
    assert!(
        text.contains("command `check` references command `status`"),
        "{text}"
    );
}

#[test]
fn a_mode_to_sibling_mode_import_is_reported() {
    let (v, text) = found(&with(&[(
        "modes/vendor/plan.rs",
        "use super::super::Finding;\nuse crate::modes::replace::Replace;\nuse super::super::replace as r;\n",
    )]));
    assert_eq!(
        v,
        [
            one("modes/vendor/plan.rs", 2, "crate::modes::replace::Replace"),
            one("modes/vendor/plan.rs", 3, "super::super::replace"),
        ],
        "{text}"
    );
    assert!(
        text.contains("mode `vendor` references mode `replace`"),
        "{text}"
    );
}

#[test]
fn a_cycle_is_reported() {
    let (v, text) = found(&with(&[
        ("util/mod.rs", "pub mod fsutil;\npub mod shell;\n"),
        (
            "util/fsutil.rs",
            "pub fn go() {}\nuse crate::util::shell::Shell;\n",
        ),
        ("util/shell.rs", "\n\nfn f() { super::fsutil::go() }\n"),
    ]));
    assert_eq!(
        v,
        [one("util/fsutil.rs", 2, "crate::util::shell::Shell")],
        "{text}"
    );
    assert!(
        text.contains(
            "import cycle among 2 files (src/util/fsutil.rs, src/util/shell.rs): \
             src/util/fsutil.rs:2 `crate::util::shell::Shell` → src/util/shell.rs, \
             src/util/shell.rs:3 `super::fsutil::go` → src/util/fsutil.rs"
        ),
        "{text}"
    );
}

#[test]
fn a_longer_cycle_is_reported_once() {
    let (v, text) = found(&with(&[
        (
            "formats/gomod/syntax.rs",
            "use super::GoMod;\nuse crate::formats::lock::L;\n",
        ),
        ("formats/lock.rs", "use crate::formats::gomod::edit::E;\n"),
        ("formats/gomod/edit.rs", "use super::syntax::Tree;\n"),
    ]));
    assert_eq!(v.len(), 1, "{text}");
    assert!(text.contains("import cycle among 3 files"), "{text}");
}

#[test]
fn parent_and_child_references_are_no_cycle() {
    // GOOD has ops/mod.rs ↔ ops/check.rs, formats/gomod/mod.rs ↔ edit.rs, syntax.rs ↔
    // gomod/mod.rs, modes/mod.rs ↔ modes/vendor/…, all through parents.
    let tree = Tree::new(&files(GOOD));
    let refs = references(&tree, "formats/gomod/syntax.rs", "use super::GoMod;\n");
    assert_eq!(refs[0].absolute, ["formats", "gomod", "GoMod"]);
    assert_eq!(
        tree.file_of(&refs[0].absolute, "lib.rs"),
        "formats/gomod/mod.rs"
    );
    assert!(found(GOOD).0.is_empty());
}

#[test]
fn comments_and_strings_are_ignored() {
    let src = r###"//! Uses [`crate::ops::run`] and `crate::ops`.
/// See crate::ops::Outcome and super::super::ops.
// use crate::ops::Outcome;
/* use crate::ops::x; /* nested: crate::ops::y */ crate::ops::z */
/** crate::ops::doc */
const A: &str = "use crate::ops::Outcome; \" crate::ops::q";
const B: &str = r#"crate::ops::raw " still raw"#;
const C: &[u8] = br##"crate::ops::bytes "# still"##;
const D: &[u8] = b"crate::ops::bytestr";
const E: char = '"'; const F: char = '\''; const G: char = '\u{22}';
fn lifetimes<'a>(x: &'a str) -> &'a str { 'outer: loop { break 'outer x; } }
const H: &str = "multi
line crate::ops::m";
use crate::util::fsutil; // a real reference, on line 14
"###;
    let tree = Tree::new(&files(GOOD));
    let refs = references(&tree, "formats/mod.rs", src);
    let got: Vec<(usize, &str)> = refs.iter().map(|r| (r.line, r.written.as_str())).collect();
    assert_eq!(got, [(14, "crate::util::fsutil")]);
    let (v, text) = found(&with(&[("formats/mod.rs", src)]));
    assert!(v.is_empty(), "{text}");
}

#[test]
fn nested_use_groups_are_parsed() {
    let src = "pub use crate::{\n    formats::{gomod::{self, GoMod as G}, module},\n    util::fsutil::*,\n    ops::{},\n};\npub(crate) use self::child::{a, b};\npub(in crate::modes) use super::Finding;\nuse $crate::txn::Plan;\nuse ::zip::ZipArchive;\nuse std::{fs, io::{self, Read}};\nmacro_rules! m { () => { $crate::resolve::graph::x() } }\n";
    let tree = Tree::new(&files(&[
        ("modes/mod.rs", ""),
        ("modes/vendor/mod.rs", ""),
        ("modes/vendor/child.rs", ""),
    ]));
    let refs = references(&tree, "modes/vendor/mod.rs", src);
    let got: Vec<(usize, String, String)> = refs
        .iter()
        .map(|r| (r.line, r.written.clone(), r.absolute.join("::")))
        .collect();
    let want = [
        (2, "crate::formats::gomod", "formats::gomod"),
        (2, "crate::formats::gomod::GoMod", "formats::gomod::GoMod"),
        (2, "crate::formats::module", "formats::module"),
        (3, "crate::util::fsutil", "util::fsutil"),
        (6, "self::child::a", "modes::vendor::child::a"),
        (6, "self::child::b", "modes::vendor::child::b"),
        (7, "crate::modes", "modes"),
        (7, "super::Finding", "modes::Finding"),
        (8, "crate::txn::Plan", "txn::Plan"),
        (11, "crate::resolve::graph::x", "resolve::graph::x"),
    ];
    let want: Vec<(usize, String, String)> = want
        .iter()
        .map(|(l, w, a)| (*l, w.to_string(), a.to_string()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn super_in_an_inline_module_is_relative_to_it() {
    let src = "fn f() {}\nmod tests {\n    use super::f;\n    mod deeper { use super::super::super::Outcome; }\n    fn g() { super::super::status::x() }\n}\nuse super::Outcome;\n";
    let tree = Tree::new(&files(GOOD));
    let refs = references(&tree, "ops/check.rs", src);
    let got: Vec<(usize, String)> = refs
        .iter()
        .map(|r| (r.line, r.absolute.join("::")))
        .collect();
    assert_eq!(
        got,
        [
            (3, "ops::check::f".to_string()),
            (4, "ops::Outcome".to_string()),
            (5, "ops::status::x".to_string()),
            (7, "ops::Outcome".to_string()),
        ]
    );
}

#[test]
fn an_exported_macro_belongs_to_the_file_defining_it() {
    let hint = "/// Bails.\n#[macro_export]\n#[doc(hidden)]\nmacro_rules! bail_hint {\n    ($e:expr) => { $crate::util::fsutil::go() };\n}\nmacro_rules! local { () => {} }\n";
    let (v, text) = found(&with(&[
        ("util/hint.rs", hint),
        (
            "formats/gomod/syntax.rs",
            "use super::GoMod;\nfn f() { crate::bail_hint!(1) }\n",
        ),
        // Not exported: `crate::local` is the crate root, `top`.
        (
            "util/fsutil.rs",
            "pub fn go() {}\nfn g() { crate::local!() }\n",
        ),
    ]));
    assert_eq!(v, [one("util/fsutil.rs", 2, "crate::local")], "{text}");
    assert_eq!(exported_macros(&tokenize(hint)), ["bail_hint"]);
}

#[test]
fn a_folder_that_is_no_layer_is_reported() {
    let (v, text) = found(&with(&[("gomod/mod.rs", "")]));
    assert_eq!(v, [one("gomod/mod.rs", 1, "gomod/")], "{text}");
    // A layer's root module may be a file beside the folder.
    assert_eq!(layer_of("formats.rs"), Ok("formats"));
    assert_eq!(layer_of("cli.rs"), Ok("top"));
    assert_eq!(layer_of("top/x.rs"), Err("top".to_string()));
}

#[test]
fn every_violation_is_listed() {
    let (v, text) = found(&with(&[
        (
            "util/fsutil.rs",
            "use crate::ops::Outcome;\nuse crate::formats::Thing;\n",
        ),
        ("ops/status.rs", "use crate::ops::check::run;\n"),
        ("modes/replace/mod.rs", "use crate::modes::vendor::Plan;\n"),
    ]));
    assert_eq!(
        v,
        [
            one("modes/replace/mod.rs", 1, "crate::modes::vendor::Plan"),
            one("ops/status.rs", 1, "crate::ops::check::run"),
            one("util/fsutil.rs", 1, "crate::ops::Outcome"),
            one("util/fsutil.rs", 2, "crate::formats::Thing"),
        ],
        "{text}"
    );
    assert_eq!(text.lines().count(), 4, "{text}");
}
