//! What the go command's stderr says about a build that went wrong: the modules it tried to
//! fetch or could not find, the imports no module provided, a go version it refused, and the
//! packages that failed to compile. Read from go's own words (go 1.26), pinned by captured
//! output in the tests; `gomodoff check` turns the report into its verdict.

use std::collections::BTreeSet;

/// Where go's output said something about a module input, or about the code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct GoReport {
    /// Modules go tried to fetch or could not find, `path@version`.
    pub modules: BTreeSet<String>,
    /// Import paths go looked for a module for (`cannot find module providing package P`,
    /// `missing go.sum entry for module providing package P`); named as modules by
    /// [`name_modules`].
    pub imports: BTreeSet<String>,
    /// Lookups reported at an import in a source file (`file:line:col: module lookup disabled by
    /// GOPROXY=off`): the import path is read from the file.
    pub lookups_at: Vec<Position>,
    /// Lookups whose line names neither a module nor a position (`go: module lookup disabled by
    /// GOPROXY=off` while loading go.mod files).
    pub unnamed_lookups: usize,
    /// go's own words when the go version asked for is newer than the installed go (or when go
    /// tried to download a toolchain).
    pub toolchain: BTreeSet<String>,
    /// Packages that failed for a reason other than a missing module (`# pkg` headers of compiler
    /// output, `imports P: build constraints exclude all Go files`).
    pub packages: BTreeSet<String>,
    /// Source files named by errors that are not about modules (compile errors without a `# pkg`
    /// header); turned into packages by the caller, who knows the directory go ran in.
    pub files: BTreeSet<String>,
}

/// `file:line:col` as go prints it (relative to the directory go ran in, or absolute).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Position {
    pub file: String,
    pub line: usize,
    pub col: usize,
}

impl GoReport {
    /// Whether go needed a module input it did not have.
    pub(crate) fn has_gap(&self) -> bool {
        !self.modules.is_empty()
            || !self.imports.is_empty()
            || !self.lookups_at.is_empty()
            || self.unnamed_lookups > 0
    }

    pub(crate) fn merge(&mut self, other: GoReport) {
        self.modules.extend(other.modules);
        self.imports.extend(other.imports);
        self.lookups_at.extend(other.lookups_at);
        self.unnamed_lookups += other.unnamed_lookups;
        self.toolchain.extend(other.toolchain);
        self.packages.extend(other.packages);
        self.files.extend(other.files);
    }
}

/// The modules of the report, plus the module providing each import path it names: the longest
/// module path of go.mod's requirements (or of the modules go named) that is the import path or
/// a prefix of it at a `/`. Import paths no module provides are returned apart.
pub(crate) fn name_modules(
    report: &GoReport,
    requires: &[(String, String)],
) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut modules = report.modules.clone();
    let named: Vec<(String, String)> = report
        .modules
        .iter()
        .filter_map(|m| m.split_once('@'))
        .map(|(p, v)| (p.to_string(), v.to_string()))
        .collect();
    let mut unprovided = BTreeSet::new();
    for import in &report.imports {
        let provider = requires
            .iter()
            .chain(&named)
            .filter(|(p, _)| {
                import == p
                    || import
                        .strip_prefix(p.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            })
            .max_by_key(|(p, _)| p.len());
        match provider {
            Some((p, v)) => {
                modules.insert(format!("{p}@{v}"));
            }
            None => {
                unprovided.insert(import.clone());
            }
        }
    }
    (modules, unprovided)
}

/// Reads go's stderr. `downloads_fail`: every `go: downloading M v` line is a fetch that cannot
/// succeed (GOPROXY=off), so it names a module the build needs.
///
/// The forms, as go 1.26 prints them (see the tests for captured output):
/// - `go: downloading M v`; `go: downloading go1.X (os/arch)` (a toolchain);
/// - `go: M@v: module lookup disabled by GOPROXY=off`, `file:l:c: M@v: reading URL: …`,
///   `go: M@v: missing go.sum entry for go.mod file`, `M@v: replacement directory … does not
///   exist`, `go: M@v (replaced by DIR): reading …`, `\tM@v: is explicitly required in go.mod,
///   but not marked as explicit in vendor/modules.txt` — any `path@version:` names the module;
/// - `file:l:c: module lookup disabled by GOPROXY=off` (the import at that position) and `go:
///   module lookup disabled by GOPROXY=off` (nothing named);
/// - `cannot find module providing package P: …` (`import lookup disabled by -mod=readonly`,
///   `… -mod=vendor`, `module lookup disabled by GOPROXY=off`, `module P: reading …/@v/list`),
///   `no required module provides package P`, `go: finding module for package P`, `missing
///   go.sum entry for module providing package P`, `missing go.sum entry needed to verify package
///   P …`;
/// - `go.mod requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)` (also `go.work …`,
///   `module ./dir …`), `download go1.99.0 for linux/amd64: toolchain not available`, `switching
///   to go >= …`;
/// - anything else: `# pkg` compiler output headers, `imports P: …`/`package P: …` and
///   `file:l:c: …` lines are the code's own errors.
pub(crate) fn parse_go_stderr(stderr: &str, downloads_fail: bool) -> GoReport {
    let mut r = GoReport::default();
    for raw in stderr.lines() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let (said_go, mut msg) = match line.strip_prefix("go: ") {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        msg = msg.strip_prefix("can't load test package: ").unwrap_or(msg);
        if said_go && let Some(rest) = msg.strip_prefix("downloading ") {
            let mut words = rest.split_whitespace();
            match (words.next(), words.next()) {
                (Some(v), Some(platform)) if platform.starts_with('(') => {
                    r.toolchain
                        .insert(format!("go tried to download the toolchain {v} {platform}"));
                }
                (Some(path), Some(version)) if downloads_fail => {
                    r.modules.insert(format!("{path}@{version}"));
                }
                _ => {}
            }
            continue;
        }
        if is_toolchain_refusal(msg) {
            r.toolchain.insert(msg.to_string());
            continue;
        }
        if let Some(header) = line.strip_prefix("# ") {
            // `# example.com/x [example.com/x.test]`: the package, not its test variant.
            if let Some(pkg) = header.split_whitespace().next() {
                r.packages.insert(pkg.to_string());
            }
            continue;
        }
        let (position, msg) = match split_position(msg) {
            Some((pos, rest)) => (Some(pos), rest),
            None => (None, msg),
        };
        if let Some(pkg) = package_lookup(msg) {
            r.imports.insert(pkg);
            continue;
        }
        let named = module_versions(msg);
        if !named.is_empty() {
            r.modules.extend(named);
            continue;
        }
        if msg.contains("module lookup disabled by GOPROXY=off")
            || msg.contains("import lookup disabled by -mod=")
            || msg.starts_with("inconsistent vendoring")
        {
            match position {
                Some(p) => r.lookups_at.push(p),
                None => r.unnamed_lookups += 1,
            }
            continue;
        }
        if let Some(pkg) = failing_package(msg) {
            r.packages.insert(pkg);
            continue;
        }
        if let Some(p) = position {
            r.files.insert(p.file);
        }
    }
    r
}

/// go refusing (or trying) to switch to a newer go: `go.mod requires go >= 1.99 (running go
/// 1.26.8; GOTOOLCHAIN=local)`, `download go1.99.0 for linux/amd64: toolchain not available`.
fn is_toolchain_refusal(msg: &str) -> bool {
    (msg.contains("requires go >= ") && msg.contains("(running go "))
        || (msg.starts_with("download go") && msg.contains("toolchain not available"))
        || msg.starts_with("switching to go >= ")
}

/// `file:line:col: rest` (or `file:line: rest`) split into the position and the rest.
fn split_position(msg: &str) -> Option<(Position, &str)> {
    let (head, rest) = msg.split_once(": ")?;
    let mut parts = head.rsplitn(3, ':');
    let last = parts.next()?.parse::<usize>().ok()?;
    let mid = parts.next()?;
    let (file, line, col) = match mid.parse::<usize>() {
        Ok(line) => (parts.next()?, line, last),
        Err(_) => {
            // `file:line: rest`: `mid` is the file, unless more colons came before it.
            if parts.next().is_some() {
                return None;
            }
            (mid, last, 0)
        }
    };
    if file.is_empty() || file.contains(char::is_whitespace) {
        return None;
    }
    Some((
        Position {
            file: file.to_string(),
            line,
            col,
        },
        rest,
    ))
}

/// The import path of go's messages that looked for the module providing a package.
fn package_lookup(msg: &str) -> Option<String> {
    const FORMS: [&str; 5] = [
        "cannot find module providing package ",
        "no required module provides package ",
        "finding module for package ",
        "missing go.sum entry for module providing package ",
        "missing go.sum entry needed to verify package ",
    ];
    FORMS.iter().find_map(|form| {
        let (_, rest) = msg.split_once(form)?;
        let pkg = rest
            .split(|c: char| c.is_whitespace() || c == ':' || c == ';')
            .next()?;
        (!pkg.is_empty()).then(|| pkg.to_string())
    })
}

/// Every `path@version` that go names as the subject of an error: followed by `:` or by
/// ` (replaced by`. A file path holding `@v` (`…/x@v1.0.0/f.go:3:4`) is not one: its version
/// runs into a `/`.
fn module_versions(msg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = msg;
    while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
        let len = rest[start..]
            .find(char::is_whitespace)
            .unwrap_or(rest.len() - start);
        let word = &rest[start..start + len];
        let followed = &rest[start + len..];
        rest = followed;
        let token = match word.strip_suffix(':') {
            Some(t) => t,
            None if followed.starts_with(" (replaced by ") => word,
            None => continue,
        };
        let Some((path, version)) = token.rsplit_once('@') else {
            continue;
        };
        let version_ok = version.starts_with('v')
            && version[1..].starts_with(|c: char| c.is_ascii_digit())
            && version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".+-".contains(c));
        let path_ok = !path.is_empty()
            && !path.starts_with(['/', '.'])
            && path
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "./_~+-".contains(c));
        if version_ok && path_ok {
            out.push(format!("{path}@{version}"));
        }
    }
    out
}

/// The package of `imports P: …` (go's import stack) and `package P: …` lines.
fn failing_package(msg: &str) -> Option<String> {
    let rest = msg
        .strip_prefix("imports ")
        .or_else(|| msg.strip_prefix("package "))?;
    let (pkg, _) = rest.split_once(": ")?;
    (!pkg.is_empty() && !pkg.contains(char::is_whitespace)).then(|| pkg.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modules(r: &GoReport) -> Vec<&str> {
        r.modules.iter().map(String::as_str).collect()
    }

    // Every stderr below was captured from go 1.26.8 (linux/amd64), run with GOPROXY=off,
    // GOTOOLCHAIN=local, GOFLAGS=-mod=readonly and an empty GOMODCACHE unless said otherwise.

    /// `go list -m all` in a go 1.22 module whose requirements are not in the module cache.
    #[test]
    fn list_m_all_lookups_some_naming_no_module() {
        let stderr = "go: module lookup disabled by GOPROXY=off\ngo: module lookup disabled by GOPROXY=off\ngo: example.com/Upper/Mixed@v1.0.0: module lookup disabled by GOPROXY=off\n";
        let r = parse_go_stderr(stderr, true);
        assert_eq!(modules(&r), ["example.com/Upper/Mixed@v1.0.0"]);
        assert_eq!(r.unnamed_lookups, 2);
        assert!(r.has_gap());
    }

    /// `go build ./...` of the same module: one `downloading` line per module, then a lookup per
    /// import, at the import's position.
    #[test]
    fn downloading_lines_and_lookups_at_imports() {
        let stderr = "go: downloading example.com/Upper/Mixed v1.0.0\ngo: downloading example.com/legacy v2.0.0+incompatible\ngo: downloading example.com/pseudo v0.0.0-20240101000000-abcdefabcdef\ninternal/report/report.go:5:2: module lookup disabled by GOPROXY=off\ninternal/report/report.go:6:2: module lookup disabled by GOPROXY=off\n";
        let r = parse_go_stderr(stderr, true);
        assert_eq!(
            modules(&r),
            [
                "example.com/Upper/Mixed@v1.0.0",
                "example.com/legacy@v2.0.0+incompatible",
                "example.com/pseudo@v0.0.0-20240101000000-abcdefabcdef"
            ]
        );
        assert_eq!(
            r.lookups_at,
            [
                Position {
                    file: "internal/report/report.go".into(),
                    line: 5,
                    col: 2
                },
                Position {
                    file: "internal/report/report.go".into(),
                    line: 6,
                    col: 2
                }
            ]
        );
        // From a file:// GOPROXY (proxy mode) a download is how the build reads a module.
        let r = parse_go_stderr(stderr, false);
        assert!(r.modules.is_empty());
        // `go list -deps -test`: the same lookup behind "can't load test package".
        let r = parse_go_stderr(
            "go: can't load test package: internal/report/report.go:5:2: module lookup disabled by GOPROXY=off\n",
            true,
        );
        assert_eq!(r.lookups_at.len(), 1);
        assert!(r.files.is_empty());
    }

    #[test]
    fn missing_go_sum_entries() {
        let stderr = "go: module lookup disabled by GOPROXY=off\ngo: example.com/dep@v1.0.0: missing go.sum entry for go.mod file; to add it:\n\tgo mod download example.com/dep\nmain.go:3:8: missing go.sum entry for module providing package example.com/dep/sub (imported by example.com/a); to add:\n\tgo get example.com/a\n";
        let r = parse_go_stderr(stderr, true);
        assert_eq!(modules(&r), ["example.com/dep@v1.0.0"]);
        assert_eq!(
            r.imports.iter().collect::<Vec<_>>(),
            ["example.com/dep/sub"]
        );
        // go.mod's requirement names the module providing the package.
        let (m, none) = name_modules(&r, &[("example.com/dep".into(), "v1.0.0".into())]);
        assert_eq!(
            m.into_iter().collect::<Vec<_>>(),
            ["example.com/dep@v1.0.0"]
        );
        assert!(none.is_empty());
        let r = parse_go_stderr(
            "x.go:3:8: missing go.sum entry needed to verify package example.com/m/p (imported by example.com/a) is provided by exactly one module; to add:\n",
            true,
        );
        assert_eq!(r.imports.iter().collect::<Vec<_>>(), ["example.com/m/p"]);
    }

    #[test]
    fn cannot_find_module_providing_package_in_every_mode() {
        for stderr in [
            // -mod=readonly (check's default)
            "main.go:3:8: cannot find module providing package example.com/nodep/pkg: import lookup disabled by -mod=readonly\n",
            // -mod=mod (passed after `--`)
            "go: finding module for package example.com/nodep/pkg\nmain.go:3:8: cannot find module providing package example.com/nodep/pkg: module lookup disabled by GOPROXY=off\n",
            // -mod=mod with a file:// GOPROXY that lacks the module
            "go: finding module for package example.com/nodep/pkg\nmain.go:3:8: cannot find module providing package example.com/nodep/pkg: module example.com/nodep/pkg: reading file:///tmp/scratch-d/emptyproxy/example.com/nodep/pkg/@v/list: no such file or directory\n",
            // -mod=vendor
            "main.go:3:8: cannot find module providing package example.com/nodep/pkg: import lookup disabled by -mod=vendor\n",
        ] {
            let r = parse_go_stderr(stderr, true);
            assert_eq!(
                r.imports.iter().collect::<Vec<_>>(),
                ["example.com/nodep/pkg"],
                "{stderr}"
            );
            assert!(r.modules.is_empty() && r.files.is_empty(), "{stderr}");
            let (m, none) = name_modules(&r, &[("example.com/other".into(), "v1.0.0".into())]);
            assert!(m.is_empty());
            assert_eq!(
                none.into_iter().collect::<Vec<_>>(),
                ["example.com/nodep/pkg"]
            );
        }
        // A vendored package gone from vendor/: the module is in go.mod.
        let r = parse_go_stderr(
            "go: can't load test package: internal/report/report.go:13:2: cannot find module providing package example.com/tagged: import lookup disabled by -mod=vendor\n",
            true,
        );
        let (m, _) = name_modules(&r, &[("example.com/tagged".into(), "v1.0.0".into())]);
        assert_eq!(
            m.into_iter().collect::<Vec<_>>(),
            ["example.com/tagged@v1.0.0"]
        );
    }

    #[test]
    fn reading_a_file_proxy_names_the_module() {
        let stderr = "go: example.com/Upper/Mixed@v1.0.0: reading file:///tmp/scratch-d/emptyproxy/example.com/%21upper/%21mixed/@v/v1.0.0.info: no such file or directory\ngo: downloading example.com/embedded v1.0.0\ninternal/report/report.go:7:2: example.com/embedded@v1.0.0: reading file:///tmp/scratch-d/emptyproxy/example.com/embedded/@v/v1.0.0.zip: no such file or directory\ngo: can't load test package: internal/report/report.go:8:2: example.com/legacy@v2.0.0+incompatible: reading file:///tmp/scratch-d/emptyproxy/example.com/legacy/@v/v2.0.0+incompatible.zip: no such file or directory\n";
        let r = parse_go_stderr(stderr, false);
        assert_eq!(
            modules(&r),
            [
                "example.com/Upper/Mixed@v1.0.0",
                "example.com/embedded@v1.0.0",
                "example.com/legacy@v2.0.0+incompatible"
            ]
        );
        // go -mod=mod's import stack form.
        let r = parse_go_stderr(
            "go: example.com/basic/internal/report imports\n\texample.com/Upper/Mixed/sub: example.com/Upper/Mixed@v1.0.0: reading https://proxy.golang.org/example.com/%21upper/%21mixed/@v/v1.0.0.zip: 400 Bad Request\n",
            true,
        );
        assert_eq!(modules(&r), ["example.com/Upper/Mixed@v1.0.0"]);
        assert!(r.packages.is_empty());
    }

    #[test]
    fn missing_replacement_directories_and_inconsistent_vendoring() {
        let r = parse_go_stderr(
            "go: example.com/loc@v1.0.0 (replaced by ./third_party/loc): reading third_party/loc/go.mod: open /tmp/scratch-d/gone/third_party/loc/go.mod: no such file or directory\nm.go:3:8: example.com/loc@v1.0.0: replacement directory ./third_party/loc does not exist\n",
            true,
        );
        assert_eq!(modules(&r), ["example.com/loc@v1.0.0"]);
        let r = parse_go_stderr(
            "go: inconsistent vendoring in /tmp/scratch-d/vb:\n\texample.com/tagged@v1.0.0: is explicitly required in go.mod, but not marked as explicit in vendor/modules.txt\n\n\tTo ignore the vendor directory, use -mod=readonly or -mod=mod.\n\tTo sync the vendor directory, run:\n\t\tgo mod vendor\n",
            false,
        );
        assert_eq!(modules(&r), ["example.com/tagged@v1.0.0"]);
        assert!(r.has_gap());
    }

    #[test]
    fn toolchain_refusals_and_downloads() {
        for (stderr, want) in [
            (
                "go: go.mod requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)\n",
                "go.mod requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)",
            ),
            (
                "go: ../go.work requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)\n",
                "../go.work requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)",
            ),
            (
                "go: example.com/loc@v1.0.0: module ./loc requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)\n",
                "example.com/loc@v1.0.0: module ./loc requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)",
            ),
        ] {
            let r = parse_go_stderr(stderr, true);
            assert_eq!(r.toolchain.iter().collect::<Vec<_>>(), [want]);
            assert!(!r.has_gap(), "{stderr}");
        }
        // GOTOOLCHAIN=auto: go tries to fetch the toolchain module.
        let r = parse_go_stderr(
            "go: downloading go1.99.0 (linux/amd64)\ngo: download go1.99.0 for linux/amd64: toolchain not available\n",
            true,
        );
        assert_eq!(
            r.toolchain.iter().collect::<Vec<_>>(),
            [
                "download go1.99.0 for linux/amd64: toolchain not available",
                "go tried to download the toolchain go1.99.0 (linux/amd64)"
            ]
        );
        assert!(r.modules.is_empty());
    }

    #[test]
    fn compile_errors_are_the_codes() {
        let stderr = "# example.com/ce/gen\ngen/gen.go:3:9: undefined: generatedValue\n# example.com/ce/tagged [example.com/ce/tagged.test]\ntagged/b.go:3:9: undefined: Y\n";
        let r = parse_go_stderr(stderr, true);
        assert!(!r.has_gap());
        assert_eq!(
            r.packages.iter().collect::<Vec<_>>(),
            ["example.com/ce/gen", "example.com/ce/tagged"]
        );
        // A compile error in a module tree: the `@v` in the file name names no module.
        let r = parse_go_stderr(
            "third_party/gomod/example.com/x@v1.0.0/f.go:3:4: undefined: y\n",
            true,
        );
        assert!(!r.has_gap());
        assert_eq!(
            r.files.iter().collect::<Vec<_>>(),
            ["third_party/gomod/example.com/x@v1.0.0/f.go"]
        );
        let r = parse_go_stderr(
            "package example.com/bc\n\timports example.com/bc/only: build constraints exclude all Go files in /tmp/scratch-d/bc/only\n",
            true,
        );
        assert!(!r.has_gap());
        assert_eq!(
            r.packages.iter().collect::<Vec<_>>(),
            ["example.com/bc/only"]
        );
        // go's hints are not modules it fetched.
        let r = parse_go_stderr(
            "main.go:5:2: package example.com/a imports example.com/b from implicitly required module; to add missing requirements, run:\n\tgo get example.com/b@v1.0.0\n",
            true,
        );
        assert!(!r.has_gap());
    }

    #[test]
    fn the_longest_required_module_provides_an_import() {
        let mut r = GoReport::default();
        r.imports.insert("example.com/multi/v2/sub".into());
        r.imports.insert("example.com/multiple".into());
        let requires = [
            ("example.com/multi".to_string(), "v1.2.0".to_string()),
            ("example.com/multi/v2".to_string(), "v2.0.0".to_string()),
        ];
        let (m, none) = name_modules(&r, &requires);
        assert_eq!(
            m.into_iter().collect::<Vec<_>>(),
            ["example.com/multi/v2@v2.0.0"]
        );
        assert_eq!(
            none.into_iter().collect::<Vec<_>>(),
            ["example.com/multiple"]
        );
    }

    #[test]
    fn positions_split_only_where_go_prints_them() {
        let (p, rest) = split_position("a/b.go:12:3: undefined: x").unwrap();
        assert_eq!(
            (p.file.as_str(), p.line, p.col, rest),
            ("a/b.go", 12, 3, "undefined: x")
        );
        let (p, _) = split_position("go.mod:7: unknown directive").unwrap();
        assert_eq!((p.file.as_str(), p.line, p.col), ("go.mod", 7, 0));
        assert!(split_position("example.com/a@v1.0.0: reading x").is_none());
        assert!(split_position("module lookup disabled by GOPROXY=off").is_none());
    }
}
