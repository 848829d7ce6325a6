//! `vendor/modules.txt`: the manifest `go mod vendor` writes, read and written losslessly.
//!
//! With `-mod=vendor` the go command never loads the module graph: it trusts modules.txt for which
//! module provides each vendored package, and checks it against go.mod (explicit requirements,
//! replacements, versions). gomodoff's vendor mode must write this file byte for byte as the
//! installed `go mod vendor` would (`modcmd.RunVendor`), and `status`/`verify` must read it back.
//!
//! The format, in the order go writes it:
//!
//! ```text
//! ## workspace                                  (only from `go work vendor`)
//! # example.com/a v1.2.3                        (one block per vendored module, sorted)
//! # example.com/b v1.0.0 => example.com/c v1.1.0
//! # example.com/d v0.1.0 => ../d
//! ## explicit; go 1.21                          (`explicit`, `go 1.N`, or both)
//! example.com/d/pkg                             (its packages, sorted)
//! # example.com/e => ../e                       (replacements not written above, at the end)
//! # example.com/f v1.0.0 => example.com/g v1.0.0
//! ```
//!
//! `## explicit` marks a module required in the main go.mod (written when the main module says
//! go ≥ 1.14); `go 1.N` is the module's own go version (written when the main module says go ≥
//! 1.17 and the module's go.mod has a `go` line). [`ModulesTxt::parse`] accepts exactly the text
//! [`ModulesTxt::render`] produces, so `parse(s)?.render() == s` always holds; anything else (a
//! blank line, a second annotation line, unknown annotations, CRLF) is an error naming the line,
//! because the go command would either ignore it or rewrite it.
//!
//! [`VendorList`] is the other reader: go's own (`modload.readVendorList`), as lenient as the go
//! command is with a modules.txt someone edited, for checking a `vendor/` the way `-mod=vendor`
//! checks it.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::formats::module::{self, ModuleVersion};

/// A parsed `vendor/modules.txt`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModulesTxt {
    /// The file starts with `## workspace` (written by `go work vendor`).
    pub workspace: bool,
    /// Module blocks, in file order.
    pub modules: Vec<VendoredModule>,
    /// Trailing replacement lines: old path, old version, new path, new version.
    pub trailing_replaces: Vec<(String, Option<String>, String, Option<String>)>,
}

/// One module block of modules.txt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendoredModule {
    pub path: String,
    pub version: String,
    /// `=> new version` (a module) or `=> dir` (a directory, no version).
    pub replacement: Option<(String, Option<String>)>,
    /// `## explicit`: required by the main module's go.mod.
    pub explicit: bool,
    /// `## go 1.N`: the module's own go version.
    pub go_version: Option<String>,
    /// Vendored packages of the module, in file order.
    pub packages: Vec<String>,
}

/// A module line's path, version and replacement (new path, new version), strictly as go
/// writes it: `# path version [=> new [new_version]]`, or `# path => new [new_version]`.
type ModuleLine<'a> = (&'a str, Option<&'a str>, Option<(&'a str, Option<&'a str>)>);

/// Reads a module line, or says what is wrong with the line where one was due.
fn read_module_line(line: &str) -> Result<ModuleLine<'_>, &'static str> {
    let Some(rest) = line.strip_prefix("# ") else {
        return Err(if line.starts_with("##") {
            "annotation without a module line before it"
        } else if line.starts_with('#') {
            "malformed module line"
        } else {
            "package line without a module line before it"
        });
    };
    let fields: Vec<&str> = rest.split(' ').collect();
    if fields.iter().any(|f| f.is_empty()) {
        return Err("malformed module line");
    }
    let parsed = match fields.as_slice() {
        [path, "=>", new] => (*path, None, Some((*new, None))),
        [path, "=>", new, new_version] => (*path, None, Some((*new, Some(*new_version)))),
        [path, version] => (*path, Some(*version), None),
        [path, version, "=>", new] => (*path, Some(*version), Some((*new, None))),
        [path, version, "=>", new, new_version] => {
            (*path, Some(*version), Some((*new, Some(*new_version))))
        }
        _ => return Err("malformed module line"),
    };
    let (path, version, replacement) = parsed;
    if path == "=>" || version == Some("=>") || replacement.is_some_and(|(n, _)| n == "=>") {
        return Err("malformed module line");
    }
    Ok(parsed)
}

/// `## explicit`, `## explicit; go 1.x` or `## go 1.x`: whether explicit, and the go version.
fn annotation(text: &str) -> Option<(bool, Option<&str>)> {
    let (explicit, go) = match text.strip_prefix("explicit") {
        Some("") => (true, None),
        Some(rest) => (true, Some(rest.strip_prefix("; go ").unwrap_or(""))),
        None => (false, Some(text.strip_prefix("go ").unwrap_or(""))),
    };
    if go.is_some_and(|v| v.is_empty() || v.contains([' ', ';'])) {
        return None;
    }
    Some((explicit, go))
}

/// Errors from reading modules.txt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModulesTxtError {
    #[error("{file}:{line}: {message}")]
    Syntax {
        file: String,
        line: usize,
        message: String,
    },
}

impl ModulesTxt {
    /// Parses modules.txt text; `file_name` is used in error messages (`modules.txt:3: …`).
    ///
    /// The product never reads modules.txt strictly (it reads go's way, [`VendorList::read`]);
    /// this is the tested round-trip API of the format (`parse(s)?.render() == s`), which the
    /// tests use to read what go and gomodoff write. Kept on purpose.
    pub fn parse(file_name: &str, text: &str) -> Result<ModulesTxt, ModulesTxtError> {
        let error = |line: usize, message: &str| ModulesTxtError::Syntax {
            file: file_name.to_string(),
            line,
            message: message.to_string(),
        };
        let mut doc = ModulesTxt::default();
        if text.is_empty() {
            return Ok(doc);
        }
        let Some(body) = text.strip_suffix('\n') else {
            return Err(error(
                text.lines().count(),
                "missing newline at end of file",
            ));
        };
        let lines: Vec<&str> = body.split('\n').collect();
        let mut i = 0;
        if lines.first() == Some(&"## workspace") {
            doc.workspace = true;
            i = 1;
        }
        while i < lines.len() {
            let number = i + 1;
            let line = lines[i];
            if line.contains('\r') {
                return Err(error(number, "carriage return in line"));
            }
            if line.is_empty() {
                return Err(error(number, "unexpected blank line"));
            }
            let (path, version, replacement) =
                read_module_line(line).map_err(|message| error(number, message))?;
            let has_body = lines.get(i + 1).is_some_and(|next| !next.starts_with("# "));
            i += 1;
            if !has_body {
                let Some((new, new_version)) = replacement else {
                    return Err(error(number, "module line with no packages or annotation"));
                };
                doc.trailing_replaces.push((
                    path.to_string(),
                    version.map(str::to_string),
                    new.to_string(),
                    new_version.map(str::to_string),
                ));
                continue;
            }
            if !doc.trailing_replaces.is_empty() {
                return Err(error(number, "module block after replacement lines"));
            }
            let Some(version) = version else {
                return Err(error(number, "module line without a version"));
            };
            let mut module = VendoredModule {
                path: path.to_string(),
                version: version.to_string(),
                replacement: replacement.map(|(n, v)| (n.to_string(), v.map(str::to_string))),
                ..VendoredModule::default()
            };
            if let Some(annotations) = lines[i].strip_prefix("## ") {
                let (explicit, go) =
                    annotation(annotations).ok_or_else(|| error(i + 1, "unknown annotation"))?;
                module.explicit = explicit;
                module.go_version = go.map(str::to_string);
                i += 1;
            }
            while i < lines.len() && !lines[i].starts_with('#') {
                let package = lines[i];
                if package.is_empty() {
                    return Err(error(i + 1, "unexpected blank line"));
                }
                if package.contains(char::is_whitespace) {
                    return Err(error(i + 1, "malformed package line"));
                }
                module.packages.push(package.to_string());
                i += 1;
            }
            if i < lines.len() && lines[i].starts_with("##") {
                return Err(error(i + 1, "annotation after the module's packages"));
            }
            doc.modules.push(module);
        }
        Ok(doc)
    }

    /// The text `go mod vendor` writes for this content.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if self.workspace {
            out.push_str("## workspace\n");
        }
        for module in &self.modules {
            let replacement = module
                .replacement
                .as_ref()
                .map(|(path, version)| (path.as_str(), version.as_deref()));
            module_line(&mut out, &module.path, Some(&module.version), replacement);
            match (module.explicit, &module.go_version) {
                (true, Some(go)) => {
                    let _ = writeln!(out, "## explicit; go {go}");
                }
                (true, None) => out.push_str("## explicit\n"),
                (false, Some(go)) => {
                    let _ = writeln!(out, "## go {go}");
                }
                (false, None) => {}
            }
            for package in &module.packages {
                out.push_str(package);
                out.push('\n');
            }
        }
        for (old, old_version, new, new_version) in &self.trailing_replaces {
            module_line(
                &mut out,
                old,
                old_version.as_deref(),
                Some((new, new_version.as_deref())),
            );
        }
        out
    }
}

/// `modcmd.moduleLine`.
fn module_line(
    out: &mut String,
    path: &str,
    version: Option<&str>,
    replacement: Option<(&str, Option<&str>)>,
) {
    out.push_str("# ");
    out.push_str(path);
    if let Some(version) = version.filter(|v| !v.is_empty()) {
        out.push(' ');
        out.push_str(version);
    }
    if let Some((new, new_version)) = replacement {
        out.push_str(" => ");
        out.push_str(new);
        if let Some(new_version) = new_version.filter(|v| !v.is_empty()) {
            out.push(' ');
            out.push_str(new_version);
        }
    }
    out.push('\n');
}

/// `modload.readVendorList`: what a modules.txt says, read as leniently as go reads it (lines go
/// does not understand are skipped, never an error).
#[derive(Debug, Default)]
pub struct VendorList {
    /// Modules that provide packages, in order of appearance.
    pub list: Vec<ModuleVersion>,
    /// Modules marked as replaced (wildcards with an empty version).
    pub replaced: Vec<ModuleVersion>,
    /// Path → version of the modules that provide packages.
    pub versions: HashMap<String, String>,
    pub meta: HashMap<ModuleVersion, VendorMeta>,
    /// Every `# path version` module line, in order.
    pub order: Vec<ModuleVersion>,
}

/// The annotations of one module line of [`VendorList`].
#[derive(Debug, Default, Clone)]
pub struct VendorMeta {
    pub explicit: bool,
    /// `=> path version`, or `=> dir` with an empty version.
    pub replacement: Option<ModuleVersion>,
    pub go_version: Option<String>,
}

fn mv(path: &str, version: &str) -> ModuleVersion {
    ModuleVersion {
        path: path.to_string(),
        version: version.to_string(),
    }
}

impl VendorList {
    /// Reads `text` the way go does.
    pub fn read(text: &str) -> VendorList {
        let mut out = VendorList::default();
        let mut current: Option<ModuleVersion> = None;
        for line in text.split('\n') {
            if let Some(rest) = line.strip_prefix("# ") {
                // A line too short to name a module changes nothing (go keeps the module before
                // it); any other sets the module the lines after it belong to, or none.
                if rest.split_whitespace().nth(1).is_some() {
                    current = out.module_line(rest);
                }
                continue;
            }
            let Some(module) = &current else {
                continue;
            };
            if let Some(annotations) = line.strip_prefix("## ") {
                let meta = out.meta.entry(module.clone()).or_default();
                for entry in annotations.split(';') {
                    let entry = entry.trim();
                    if entry == "explicit" {
                        meta.explicit = true;
                    }
                    if let Some(go) = entry.strip_prefix("go ") {
                        meta.go_version = Some(go.to_string());
                    }
                }
                continue;
            }
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() == 1 && module::check_import_path(f[0]).is_ok() {
                let newer = out
                    .versions
                    .get(&module.path)
                    .is_none_or(|v| module::compare_versions(v, &module.version).is_lt());
                if newer {
                    out.list.push(module.clone());
                    out.versions
                        .insert(module.path.clone(), module.version.clone());
                }
            }
        }
        out
    }

    /// A `# …` line of at least two fields (without its `# `): the module the lines after it
    /// belong to, if any.
    fn module_line(&mut self, rest: &str) -> Option<ModuleVersion> {
        let f: Vec<&str> = rest.split_whitespace().collect();
        let (module, tail) = if module::is_valid_version(f[1]) {
            let m = mv(f[0], f[1]);
            self.order.push(m.clone());
            (m, &f[2..])
        } else if f[1] == "=>" {
            (mv(f[0], ""), &f[1..])
        } else {
            return None;
        };
        if tail.len() >= 2 && tail[0] == "=>" {
            let replacement = if tail.len() == 2 {
                Some(mv(tail[1], ""))
            } else if tail.len() == 3 && module::is_valid_version(tail[2]) {
                Some(mv(tail[1], tail[2]))
            } else {
                None
            };
            if let Some(r) = replacement {
                self.meta.entry(module.clone()).or_default().replacement = Some(r);
                self.replaced.push(module.clone());
            }
        }
        Some(module)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_list_reads_like_go() {
        let list = VendorList::read(
            "# a.com/x v1.0.0\n## explicit\na.com/x\na.com/x/sub\n# junk line\nnot.a/package\n# b.com/y => ../y\n",
        );
        assert_eq!(list.list, vec![mv("a.com/x", "v1.0.0")]);
        assert_eq!(list.order, vec![mv("a.com/x", "v1.0.0")]);
        assert_eq!(list.replaced, vec![mv("b.com/y", "")]);
        assert!(list.meta[&mv("a.com/x", "v1.0.0")].explicit);
        assert_eq!(
            list.meta[&mv("b.com/y", "")].replacement,
            Some(mv("../y", ""))
        );
        assert_eq!(list.versions["a.com/x"], "v1.0.0");
        // A line too short to be a module line leaves the module before it in place.
        let list = VendorList::read("# a.com/x v1.0.0\n# x\na.com/x\n");
        assert_eq!(list.list, vec![mv("a.com/x", "v1.0.0")]);
    }

    #[test]
    fn round_trips() {
        let cases = [
            "",
            "## workspace\n",
            "# a.com/x v1.0.0\na.com/x\n",
            "# a.com/x v1.0.0\n## explicit\n",
            "# a.com/x v1.0.0\n## explicit; go 1.21\na.com/x\na.com/x/y\n",
            "# a.com/x v1.0.0\n## go 1.17\na.com/x\n",
            "# a.com/x v1.0.0 => b.com/y v1.1.0\n## explicit\na.com/x\n",
            "# a.com/x v1.0.0 => ../x\n## explicit; go 1.22.0\na.com/x\n# a.com/x => ../x\n",
            "## workspace\n# a.com/x v1.0.0\n## explicit; go 1.22\na.com/x\n# c.com/z v1.0.0 => d.com/z v1.2.0\n",
        ];
        for text in cases {
            let parsed = ModulesTxt::parse("modules.txt", text).expect(text);
            assert_eq!(parsed.render(), text);
        }
        let parsed = ModulesTxt::parse("m", cases[7]).expect("valid");
        assert_eq!(
            parsed.modules[0].replacement,
            Some(("../x".to_string(), None))
        );
        assert_eq!(parsed.modules[0].go_version.as_deref(), Some("1.22.0"));
        assert_eq!(
            parsed.trailing_replaces,
            [("a.com/x".into(), None, "../x".into(), None)]
        );
    }

    #[test]
    fn errors() {
        let cases = [
            (
                "# a.com/x v1.0.0\na.com/x",
                "modules.txt:2: missing newline at end of file",
            ),
            (
                "# a.com/x v1.0.0\n\na.com/x\n",
                "modules.txt:2: unexpected blank line",
            ),
            (
                "a.com/x\n",
                "modules.txt:1: package line without a module line before it",
            ),
            (
                "## explicit\n",
                "modules.txt:1: annotation without a module line before it",
            ),
            ("#a.com/x v1.0.0\n", "modules.txt:1: malformed module line"),
            (
                "# a.com/x  v1.0.0\nx\n",
                "modules.txt:1: malformed module line",
            ),
            (
                "# a.com/x v1 v2 v3\nx\n",
                "modules.txt:1: malformed module line",
            ),
            (
                "# a.com/x v1.0.0\n",
                "modules.txt:1: module line with no packages or annotation",
            ),
            (
                "# a.com/x v1.0.0\n## explicit;go 1.2\n",
                "modules.txt:2: unknown annotation",
            ),
            (
                "# a.com/x v1.0.0\n## go 1.2; explicit\n",
                "modules.txt:2: unknown annotation",
            ),
            (
                "# a.com/x v1.0.0\n## weird\n",
                "modules.txt:2: unknown annotation",
            ),
            (
                "# a.com/x v1.0.0\nx\n## explicit\n",
                "modules.txt:3: annotation after the module's packages",
            ),
            (
                "# a.com/x v1.0.0\na b\n",
                "modules.txt:2: malformed package line",
            ),
            (
                "# a.com/x v1.0.0\r\nx\n",
                "modules.txt:1: carriage return in line",
            ),
            (
                "# a => b\n# c v1.0.0\nc\n",
                "modules.txt:2: module block after replacement lines",
            ),
            (
                "# a => b\nx\n",
                "modules.txt:1: module line without a version",
            ),
        ];
        for (text, want) in cases {
            let got = ModulesTxt::parse("modules.txt", text).expect_err(text);
            assert_eq!(got.to_string(), want, "{text:?}");
        }
    }

    fn word() -> impl proptest::strategy::Strategy<Value = String> {
        "[a-z0-9./]{1,8}"
    }

    proptest::proptest! {
        #[test]
        fn render_then_parse_is_identity(
            workspace: bool,
            modules in proptest::collection::vec(
                (word(), word(), proptest::option::of((word(), proptest::option::of(word()))),
                 proptest::bool::ANY, proptest::option::of(word()),
                 proptest::collection::vec(word(), 0..3)),
                0..4),
            trailing in proptest::collection::vec(
                (word(), proptest::option::of(word()), word(), proptest::option::of(word())), 0..3),
        ) {
            let modules: Vec<VendoredModule> = modules
                .into_iter()
                .map(|(path, version, replacement, explicit, go_version, mut packages)| {
                    // Every block go writes has an annotation or a package.
                    if !explicit && go_version.is_none() && packages.is_empty() {
                        packages.push(path.clone());
                    }
                    VendoredModule { path, version, replacement, explicit, go_version, packages }
                })
                .collect();
            let doc = ModulesTxt { workspace, modules, trailing_replaces: trailing };
            let text = doc.render();
            let parsed = ModulesTxt::parse("modules.txt", &text).expect("rendered text parses");
            proptest::prop_assert_eq!(parsed, doc);
        }

        #[test]
        fn parse_never_panics_and_round_trips(text in "[#a-z .;=>\n]{0,80}") {
            if let Ok(doc) = ModulesTxt::parse("modules.txt", &text) {
                proptest::prop_assert_eq!(doc.render(), text);
            }
        }
    }
}
