//! The crate's layering, checked over the real `src/` by [`the_source_tree_is_layered`] (a test
//! only; nothing here is compiled into the library).
//!
//! # Layers
//!
//! Every `.rs` file under `src/` belongs to one layer, named by the first path component under
//! `src/`: `src/ops/check.rs` is in `ops`, `src/modes/vendor/mod.rs` in `modes`. A file directly
//! in `src/` is in `top` (`lib.rs`, `main.rs`, `cli.rs`), except `src/<layer>.rs`, the root
//! file of a layer module written without a `mod.rs`, which is in that layer. A folder of `src/`
//! that is not a layer is itself a violation: a new folder is added to [`LAYERS`] or not made.
//! The layers, top to bottom, are [`LAYERS`].
//!
//! # What counts as a reference
//!
//! Comments of every kind (`//`, `///`, `//!`, nested `/* */`), string, byte-string, raw-string
//! and char literals are skipped; what is left is read for:
//! - every path of a `use` item (`pub use`, `pub(crate) use` and the like too), nested groups
//!   expanded (`use crate::{a::{b, c}, d};` is `crate::a::b`, `crate::a::c`, `crate::d`;
//!   `a::{self}` is `a`; a glob `a::*` is `a`), whether the path starts with `crate`, `$crate`,
//!   `super`, `self`, or the name of a child module of the module it is in (2018 paths, as in
//!   `lib.rs`'s `pub use ops::run`);
//! - every path anywhere else in code that starts with `crate::`, `$crate::`, `super::` or
//!   `self::` (`crate::x::y(…)`, `super::super::Z`).
//!
//! `super` and `self` are resolved against the module the path is written in: the file's own
//! module path (`src/a/b.rs` and `src/a/b/mod.rs` are `a::b`) plus any inline `mod name { … }`
//! around it, so `use super::*;` in a file's `mod tests { … }` is the file itself.
//!
//! A path is resolved to the file that defines the longest prefix of it that is a module file
//! (`src/a/b.rs` or `src/a/b/mod.rs`; no prefix at all is the crate root, `lib.rs`, or
//! `main.rs` for paths written in `main.rs`). Items are not looked up: `crate::formats::X` where
//! `formats/mod.rs` re-exports `X` from `formats/gomod` is a reference to `formats/mod.rs`. The
//! one exception is a `#[macro_export]` macro, which is `crate::name` wherever it is defined:
//! `crate::name` resolves to the file with its `macro_rules! name`.
//! Paths that start with anything else (`std::`, `gomodoff::`, `::zip`) are not crate references.
//!
//! # Rules
//!
//! Each violation is reported as `src/<file>:<line>: `<path as written>` …`, all of them at once.
//! A reference from a file to itself is never a violation.
//! - **(a) no upward reference**: a file references only modules in its own layer or a layer
//!   below it. (A crate-root path whose module has no file of its own, `crate::formats::X` with
//!   `formats` declared inline in `lib.rs`, is in the layer its first segment names.)
//! - **(b) commands are independent**: a file of one command in `ops/` (`ops/<cmd>.rs`, or
//!   anything under `ops/<cmd>/`) references no file of another command. `ops/mod.rs` may
//!   reference every command, and every command may reference `ops/mod.rs`.
//! - **(c) modes are independent**: a file of one of [`MODES`] (`modes/<mode>.rs` or anything
//!   under `modes/<mode>/`) references no file of another mode; `modes/mod.rs` is shared.
//! - **(d) no import cycle between files**: over the graph of file→file references, minus the
//!   edges between a file and one of its ancestor modules (either way: `ops/check.rs` ↔
//!   `ops/mod.rs`, `formats/gomod/edit.rs` ↔ `formats/gomod/mod.rs`, anything ↔ `lib.rs`),
//!   there is no strongly connected component of two files or more. The dropped edges are
//!   ordinary Rust (a parent declares and re-exports its children, a child uses its parent's
//!   shared types through `super::`) and so cannot make a cycle on their own; every cycle
//!   reported runs through files neither of which is the other's ancestor module, such as
//!   two siblings that use each other, or `a/x.rs` → `b/y.rs` → `a/z.rs` → `a/x.rs`. One
//!   violation is reported per cycle group, with one cycle through it shown edge by edge.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

/// The layers, top to bottom: a file may reference its own layer and the layers after it.
const LAYERS: &[&str] = &[
    "top", "ops", "modes", "txn", "resolve", "repo", "sources", "formats", "util",
];

/// The modes under `modes/`, none of which may reference another.
const MODES: &[&str] = &["replace", "vendor", "proxy"];

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Violation {
    /// Relative to `src/`, `/`-separated.
    file: String,
    line: usize,
    /// The path as written (a nested `use` group expanded).
    path: String,
    message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "src/{}:{}: `{}`: {}",
            self.file, self.line, self.path, self.message
        )
    }
}

/// A crate path found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference {
    line: usize,
    /// As written, segments joined by `::`.
    written: String,
    /// Module path from the crate root (no `crate`, `super` or `self` left).
    absolute: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Lexing: identifiers, `::` and punctuation, with comments and literals skipped.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    PathSep,
    Punct(char),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Tokens of Rust source text, comments and string/char literals left out.
// Long on purpose: one hand-written lexer loop, one arm per kind of token or literal, read
// best whole (a test helper, never compiled into the library).
fn tokenize(src: &str) -> Vec<Token> {
    let c: Vec<char> = src.chars().collect();
    let at = |i: usize| c.get(i).copied();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        match ch {
            '\n' => {
                line += 1;
                i += 1;
            }
            _ if ch.is_whitespace() => i += 1,
            '/' if at(i + 1) == Some('/') => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if at(i + 1) == Some('*') => {
                let mut depth = 0usize;
                while i < c.len() {
                    if c[i] == '/' && at(i + 1) == Some('*') {
                        depth += 1;
                        i += 2;
                    } else if c[i] == '*' && at(i + 1) == Some('/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        if c[i] == '\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                }
            }
            '"' => {
                i += 1;
                while i < c.len() {
                    match c[i] {
                        '\\' => {
                            if at(i + 1) == Some('\n') {
                                line += 1;
                            }
                            i += 2;
                        }
                        '"' => {
                            i += 1;
                            break;
                        }
                        '\n' => {
                            line += 1;
                            i += 1;
                        }
                        _ => i += 1,
                    }
                }
            }
            '\'' => {
                if at(i + 1) == Some('\\') {
                    // An escaped char literal: '\n', '\'', '\u{1F600}'.
                    i += 3;
                    while i < c.len() && c[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                } else if at(i + 2) == Some('\'') {
                    i += 3; // 'x'
                } else {
                    i += 1; // a lifetime or a label: its name lexes as an identifier
                }
            }
            _ if is_ident_start(ch) => {
                let start = i;
                while i < c.len() && is_ident_char(c[i]) {
                    i += 1;
                }
                let word: String = c[start..i].iter().collect();
                if matches!(word.as_str(), "r" | "br" | "cr") {
                    let mut j = i;
                    while at(j) == Some('#') {
                        j += 1;
                    }
                    if at(j) == Some('"') {
                        // A raw string: ends at `"` followed by as many `#` as it opened with.
                        let hashes = j - i;
                        j += 1;
                        while j < c.len() {
                            if c[j] == '"' && (1..=hashes).all(|k| at(j + k) == Some('#')) {
                                j += 1 + hashes;
                                break;
                            }
                            if c[j] == '\n' {
                                line += 1;
                            }
                            j += 1;
                        }
                        i = j;
                        continue;
                    }
                }
                out.push(Token {
                    tok: Tok::Ident(word),
                    line,
                });
            }
            _ if ch.is_ascii_digit() => {
                while i < c.len() && is_ident_char(c[i]) {
                    i += 1;
                }
            }
            ':' if at(i + 1) == Some(':') => {
                out.push(Token {
                    tok: Tok::PathSep,
                    line,
                });
                i += 2;
            }
            _ => {
                out.push(Token {
                    tok: Tok::Punct(ch),
                    line,
                });
                i += 1;
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Finding paths.

/// A path as written, with the module it was written in.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RawPath {
    line: usize,
    segments: Vec<String>,
    scope: Vec<String>,
}

fn ident(tokens: &[Token], i: usize) -> Option<&str> {
    match tokens.get(i).map(|t| &t.tok) {
        Some(Tok::Ident(s)) => Some(s),
        _ => None,
    }
}

fn is(tokens: &[Token], i: usize, tok: &Tok) -> bool {
    tokens.get(i).is_some_and(|t| &t.tok == tok)
}

/// Every `use` path, and every other path starting with `crate::`, `super::` or `self::`.
fn raw_paths(tokens: &[Token], file_module: &[String]) -> Vec<RawPath> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    // Inline modules around the current token, with the brace depth inside each.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut pending_mod: Option<String> = None;
    let scope = |inline: &[(String, usize)]| -> Vec<String> {
        let mut s = file_module.to_vec();
        s.extend(inline.iter().map(|(name, _)| name.clone()));
        s
    };
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i].tok {
            Tok::Punct('{') => {
                depth += 1;
                if let Some(name) = pending_mod.take() {
                    inline.push((name, depth));
                }
                i += 1;
            }
            Tok::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            Tok::Ident(w) if w == "mod" => {
                if let Some(name) = ident(tokens, i + 1)
                    && is(tokens, i + 2, &Tok::Punct('{'))
                {
                    pending_mod = Some(name.to_string());
                    i += 2;
                } else {
                    i += 1;
                }
            }
            Tok::Ident(w) if w == "use" => {
                let here = scope(&inline);
                let mut found = Vec::new();
                let mut j = i + 1;
                use_tree(tokens, &mut j, Vec::new(), &mut found);
                while j < tokens.len() && !is(tokens, j, &Tok::Punct(';')) {
                    j += 1;
                }
                out.extend(found.into_iter().map(|(segments, line)| RawPath {
                    line,
                    segments,
                    scope: here.clone(),
                }));
                i = j + 1;
            }
            Tok::Ident(w)
                if matches!(w.as_str(), "crate" | "super" | "self")
                    && is(tokens, i + 1, &Tok::PathSep)
                    && !(i > 0 && is(tokens, i - 1, &Tok::PathSep)) =>
            {
                let line = tokens[i].line;
                let mut segments = vec![w.clone()];
                let mut j = i + 1;
                while is(tokens, j, &Tok::PathSep) {
                    let Some(next) = ident(tokens, j + 1) else {
                        break;
                    };
                    segments.push(next.to_string());
                    j += 2;
                }
                out.push(RawPath {
                    line,
                    segments,
                    scope: scope(&inline),
                });
                i = j;
            }
            _ => i += 1,
        }
    }
    out
}

/// Reads one use tree at `*i` under `prefix`, pushing each full path and the line of its last
/// segment. Leaves `*i` after the tree.
fn use_tree(
    tokens: &[Token],
    i: &mut usize,
    prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, usize)>,
) {
    let mut path = prefix;
    if is(tokens, *i, &Tok::PathSep) {
        path.push("::".into()); // `::name`: an extern crate, never this one
        *i += 1;
    }
    loop {
        let Some(token) = tokens.get(*i) else { return };
        match &token.tok {
            Tok::Punct('$') => *i += 1, // `$crate` in a macro
            Tok::Ident(name) => {
                path.push(name.clone());
                *i += 1;
                if is(tokens, *i, &Tok::PathSep) {
                    *i += 1;
                    continue;
                }
                if ident(tokens, *i) == Some("as") {
                    *i += 2;
                }
                out.push((path, token.line));
                return;
            }
            Tok::Punct('*') => {
                *i += 1;
                out.push((path, token.line));
                return;
            }
            Tok::Punct('{') => {
                *i += 1;
                loop {
                    match tokens.get(*i).map(|t| &t.tok) {
                        None => return,
                        Some(Tok::Punct('}')) => {
                            *i += 1;
                            return;
                        }
                        Some(Tok::Punct(',')) => *i += 1,
                        Some(_) => {
                            let before = *i;
                            use_tree(tokens, i, path.clone(), out);
                            if *i == before {
                                *i += 1;
                            }
                        }
                    }
                }
            }
            _ => return,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Files, modules and layers.

/// The names of the `macro_rules!` macros marked `#[macro_export]`.
fn exported_macros(tokens: &[Token]) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..tokens.len() {
        if ident(tokens, i) != Some("macro_rules") || !is(tokens, i + 1, &Tok::Punct('!')) {
            continue;
        }
        let Some(name) = ident(tokens, i + 2) else {
            continue;
        };
        // Walk back over the attributes just before it, `#[…]` each.
        let mut end = i;
        let mut exported = false;
        while end >= 3 && is(tokens, end - 1, &Tok::Punct(']')) {
            let mut depth = 0usize;
            let mut j = end - 1;
            loop {
                match &tokens[j].tok {
                    Tok::Punct(']') => depth += 1,
                    Tok::Punct('[') => depth -= 1,
                    Tok::Ident(w) if w == "macro_export" => exported = true,
                    _ => {}
                }
                if depth == 0 || j == 0 {
                    break;
                }
                j -= 1;
            }
            if j == 0 || !is(tokens, j - 1, &Tok::Punct('#')) {
                break;
            }
            end = j - 1;
        }
        if exported {
            out.push(name.to_string());
        }
    }
    out
}

/// The module path of a file relative to `src/`; `None` for a crate root (`lib.rs`, `main.rs`).
fn module_path(rel: &str) -> Option<Vec<String>> {
    if rel == "lib.rs" || rel == "main.rs" {
        return None;
    }
    let stem = rel.strip_suffix(".rs").unwrap_or(rel);
    let mut parts: Vec<String> = stem.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    Some(parts)
}

/// The layer of a file relative to `src/`, or `Err(folder)` for a folder that is no layer.
fn layer_of(rel: &str) -> Result<&'static str, String> {
    match rel.split_once('/') {
        Some((folder, _)) => LAYERS
            .iter()
            .find(|l| **l == folder && **l != "top")
            .copied()
            .ok_or_else(|| folder.to_string()),
        None => {
            let stem = rel.strip_suffix(".rs").unwrap_or(rel);
            Ok(LAYERS
                .iter()
                .find(|l| **l == stem)
                .copied()
                .unwrap_or("top"))
        }
    }
}

fn rank(layer: &str) -> usize {
    LAYERS.iter().position(|l| *l == layer).unwrap_or(0)
}

/// The second component of a path under `folder/` (`ops/check.rs` and `ops/check/x.rs` are
/// `check` under `ops`); `None` for `folder/mod.rs` and files elsewhere.
fn part_under<'a>(rel: &'a str, folder: &str) -> Option<&'a str> {
    let rest = rel.strip_prefix(folder)?.strip_prefix('/')?;
    let first = rest.split('/').next()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "mod").then_some(name)
}

/// The files of one crate source tree and what they define.
struct Tree {
    /// Module path → file defining it.
    modules: BTreeMap<Vec<String>, String>,
    /// `#[macro_export]` macro → file defining it (such a macro is `crate::name` wherever it is
    /// defined).
    macros: BTreeMap<String, String>,
}

impl Tree {
    fn new(files: &[(String, String)]) -> Tree {
        let modules = files
            .iter()
            .filter_map(|(rel, _)| Some((module_path(rel)?, rel.clone())))
            .collect();
        let macros = files
            .iter()
            .flat_map(|(rel, text)| {
                exported_macros(&tokenize(text))
                    .into_iter()
                    .map(move |name| (name, rel.clone()))
            })
            .collect();
        Tree { modules, macros }
    }

    /// Absolute module path of a path written in `scope`; `None` if it is not a crate path.
    fn absolute(&self, segments: &[String], scope: &[String]) -> Option<Vec<String>> {
        let first = segments.first()?;
        let (mut abs, rest) = match first.as_str() {
            "crate" => (Vec::new(), &segments[1..]),
            "super" | "self" => (scope.to_vec(), segments),
            _ => {
                let mut child = scope.to_vec();
                child.push(first.clone());
                if !self.modules.contains_key(&child) {
                    return None;
                }
                (scope.to_vec(), segments)
            }
        };
        let mut leading = true;
        for seg in rest {
            match seg.as_str() {
                "super" if leading => {
                    abs.pop()?;
                }
                "self" => {}
                _ => {
                    leading = false;
                    abs.push(seg.clone());
                }
            }
        }
        Some(abs)
    }

    /// The file defining the longest prefix of `abs` that is a module file; `root` if none is.
    fn file_of<'a>(&'a self, abs: &[String], root: &'a str) -> &'a str {
        if let [name] = abs
            && let Some(file) = self.macros.get(name)
        {
            return file;
        }
        (1..=abs.len())
            .rev()
            .find_map(|k| self.modules.get(&abs[..k]))
            .map_or(root, String::as_str)
    }
}

fn references(tree: &Tree, rel: &str, text: &str) -> Vec<Reference> {
    let file_module = module_path(rel).unwrap_or_default();
    raw_paths(&tokenize(text), &file_module)
        .into_iter()
        .filter_map(|raw| {
            let absolute = tree.absolute(&raw.segments, &raw.scope)?;
            Some(Reference {
                line: raw.line,
                written: written(&raw.segments),
                absolute,
            })
        })
        .collect()
}

/// A path as written, `a::{self}` shown as `a`.
fn written(segments: &[String]) -> String {
    let mut shown: Vec<&str> = Vec::new();
    for (i, seg) in segments.iter().enumerate() {
        if i == 0 || seg != "self" {
            shown.push(seg);
        }
    }
    shown.join("::")
}

/// Is `a`'s module an ancestor of `b`'s, or the other way round? The crate root is everyone's.
fn related(a: &str, b: &str) -> bool {
    let ma = module_path(a).unwrap_or_default();
    let mb = module_path(b).unwrap_or_default();
    mb.starts_with(&ma) || ma.starts_with(&mb)
}

/// Every violation of the rules in the module doc, sorted by file and line.
// Long on purpose: the four rules of the module doc in their order, one block each, so that
// the code reads against that list (a test helper, never compiled into the library).
fn check(files: &[(String, String)]) -> Vec<Violation> {
    let tree = Tree::new(files);
    let mut out = Vec::new();
    // Cycle graph: file → (target file → first reference to it).
    let mut edges: BTreeMap<&str, BTreeMap<&str, (usize, String)>> = BTreeMap::new();
    for (rel, text) in files {
        let from_layer = match layer_of(rel) {
            Ok(layer) => layer,
            Err(folder) => {
                out.push(Violation {
                    file: rel.clone(),
                    line: 1,
                    path: format!("{folder}/"),
                    message: format!(
                        "folder `{folder}` is not a layer (layers: {}); move the file or add the layer to LAYERS",
                        LAYERS.join(" > ")
                    ),
                });
                "top"
            }
        };
        let root = if rel == "main.rs" {
            "main.rs"
        } else {
            "lib.rs"
        };
        for r in references(&tree, rel, text) {
            let target = tree.file_of(&r.absolute, root);
            if target == rel {
                continue;
            }
            let to_layer = match layer_of(target) {
                Ok(layer) if target == root => r
                    .absolute
                    .first()
                    .and_then(|first| LAYERS.iter().find(|l| *l == first).copied())
                    .unwrap_or(layer),
                Ok(layer) => layer,
                Err(_) => "top", // reported as a file of its own
            };
            let mut violation = |message: String| {
                out.push(Violation {
                    file: rel.clone(),
                    line: r.line,
                    path: r.written.clone(),
                    message,
                })
            };
            if rank(to_layer) < rank(from_layer) {
                violation(format!(
                    "upward: layer `{from_layer}` references layer `{to_layer}` (src/{target})"
                ));
            }
            if let (Some(a), Some(b)) = (part_under(rel, "ops"), part_under(target, "ops"))
                && a != b
            {
                violation(format!(
                    "command `{a}` references command `{b}` (src/{target}); share it through ops/mod.rs or a lower layer"
                ));
            }
            if let (Some(a), Some(b)) = (part_under(rel, "modes"), part_under(target, "modes"))
                && a != b
                && MODES.contains(&a)
                && MODES.contains(&b)
            {
                violation(format!(
                    "mode `{a}` references mode `{b}` (src/{target}); share it through modes/mod.rs or a lower layer"
                ));
            }
            if !related(rel, target) {
                edges
                    .entry(rel.as_str())
                    .or_default()
                    .entry(target)
                    .or_insert_with(|| (r.line, r.written.clone()));
            }
        }
    }
    for component in strongly_connected(&edges) {
        if component.len() < 2 {
            continue;
        }
        let cycle = witness_cycle(&edges, &component);
        let shown: Vec<String> = cycle
            .windows(2)
            .map(|w| {
                let (line, path) = &edges[w[0]][w[1]];
                format!("src/{}:{line} `{path}` → src/{}", w[0], w[1])
            })
            .collect();
        let (line, path) = &edges[cycle[0]][cycle[1]];
        out.push(Violation {
            file: cycle[0].to_string(),
            line: *line,
            path: path.clone(),
            message: format!(
                "import cycle among {} files ({}): {}",
                component.len(),
                component
                    .iter()
                    .map(|f| format!("src/{f}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                shown.join(", ")
            ),
        });
    }
    out.sort();
    out
}

type Graph<'a> = BTreeMap<&'a str, BTreeMap<&'a str, (usize, String)>>;

/// Tarjan's strongly connected components.
fn strongly_connected<'a>(edges: &Graph<'a>) -> Vec<Vec<&'a str>> {
    struct State<'a, 'g> {
        edges: &'g Graph<'a>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        out: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(s: &mut State<'a, '_>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        let targets: Vec<&'a str> = s
            .edges
            .get(v)
            .map(|m| m.keys().copied().collect())
            .unwrap_or_default();
        for w in targets {
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w);
                if w == v {
                    break;
                }
            }
            component.sort();
            s.out.push(component);
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

/// A shortest cycle through the first file of a strongly connected component, staying in it:
/// `[a, b, …, a]`.
fn witness_cycle<'a>(edges: &Graph<'a>, component: &[&'a str]) -> Vec<&'a str> {
    let members: BTreeSet<&str> = component.iter().copied().collect();
    let start = component[0];
    let mut parent: BTreeMap<&'a str, &'a str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in edges.get(v).map(|m| m.keys()).into_iter().flatten() {
            if !members.contains(w) {
                continue;
            }
            if w == start {
                let mut cycle = vec![start, v];
                let mut at = v;
                while at != start {
                    at = parent[at];
                    cycle.push(at);
                }
                cycle.reverse();
                return cycle;
            }
            if !parent.contains_key(w) {
                parent.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    vec![start, start] // unreachable for a component of two files or more
}

/// Every `.rs` file under `dir`, relative to it, `/`-separated, with its text.
fn read_tree(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read src/") {
            let path = entry.expect("read src/").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(dir).expect("under src/");
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                let text = std::fs::read_to_string(&path).expect("read a source file");
                out.push((rel.join("/"), text));
            }
        }
    }
    out.sort();
    out
}

fn report(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(|v| format!("  {v}\n"))
        .collect::<String>()
}

#[test]
fn the_source_tree_is_layered() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = read_tree(&src);
    // Not vacuous: the scanner sees the files and the crate paths in them.
    assert!(files.iter().any(|(rel, _)| rel == "lib.rs"), "{files:?}");
    let tree = Tree::new(&files);
    let found: usize = files
        .iter()
        .map(|(rel, text)| references(&tree, rel, text).len())
        .sum();
    assert!(found > 50, "only {found} crate references found in src/");
    let violations = check(&files);
    assert!(
        violations.is_empty(),
        "{} layering violation(s) in src/ (layers, top to bottom: {}; rules: src/layering.rs):\n{}",
        violations.len(),
        LAYERS.join(" > "),
        report(&violations)
    );
}

#[cfg(test)]
#[path = "layering_tests.rs"]
mod tests;
