//! The module graph against the real go command.
//!
//! Each case is a set of go.mod files: the main module's, a `GOPROXY=file://` tree holding only
//! `.mod`/`.info` files (plus `.zip` files for the build case), and replacement directories.
//! gomodoff's [`Graph`] reads them; the installed go runs with an empty module cache and decides:
//!
//! - `go mod graph`: the `.mod` files it downloads are exactly the go.mod files the graph reads
//!   ([`Graph::gomods_loaded`]), and its edges are [`Graph::required_by`];
//! - `go list -m all` (`-mod=mod` once to write go.sum, then `-mod=readonly` with that go.sum
//!   and a fresh cache): its output is [`Graph::build_list`], the `.mod` files it downloads are
//!   [`Graph::gomods_needed`], and it fails exactly when [`Graph::inconsistencies`] is not empty.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use gomodoff::graph::{
    Graph, GraphError, Inconsistency, MainModule, ModSummary, Pruning, ReplaceRule, ReplaceTarget,
    ResolvedModule, SummaryLoader,
};
pub use gomodoff::module::ModuleVersion;

use crate::support::{self, FIXTURE_TIME, escape, mv, unescape};

/// A case: `(key, go.mod text)` where key is `main`, `dir:<name>` (a directory next to the main
/// module, `../<name>` from it) or `<path>@<version>` (a `.mod` file in the proxy).
type Files = &'static [(&'static str, &'static str)];

/// `(path, version)`, the way the oracle and the graph are compared.
type Pair = (String, String);

mod pruning;
mod replace;
mod selection;

// ---------------------------------------------------------------------------------------------
// Harness

struct Case {
    graph: Graph,
    go: GoOracle,
    _dir: tempfile::TempDir,
}

/// What the installed go did with a case.
#[derive(Debug)]
struct GoOracle {
    /// `.mod` files `go mod graph` downloaded into an empty cache.
    graph_mods: BTreeSet<Pair>,
    /// `go mod graph` edges, minus the `go`/`toolchain` pseudo-modules.
    graph_edges: BTreeSet<(String, Pair)>,
    /// `go list -m all` without the main module (from the readonly run when it succeeded, else
    /// from the `-mod=mod` run).
    list: Vec<Pair>,
    /// `.mod` files the readonly `go list -m all` downloaded into an empty cache.
    list_mods: BTreeSet<Pair>,
    /// Whether the readonly `go list -m all` succeeded.
    readonly_ok: bool,
    readonly_stderr: String,
}

impl Case {
    /// Writes the case, loads gomodoff's graph and runs the go oracle (the test starts with
    /// `requires_go!()`).
    fn run(files: Files) -> Case {
        let go = support::go().expect("requires_go!() first");
        let dir = tempfile::tempdir().expect("temp dir");
        let layout = Layout::write(dir.path(), files);
        let graph = layout.graph();
        let go = layout.oracle(&go);
        Case {
            graph,
            go,
            _dir: dir,
        }
    }

    /// Compares the graph with go's. For a go.mod that is not tidy enough for `-mod=readonly`
    /// (go refuses it, and gomodoff reports inconsistencies) only that agreement is checked:
    /// `go mod graph` runs with `-mod=mod` and would compare the graph of the repaired go.mod.
    fn assert_matches_go(&self) {
        let graph = &self.graph;
        assert_eq!(
            graph.inconsistencies().is_empty(),
            self.go.readonly_ok,
            "gomodoff inconsistencies {:?}; go said: {}",
            graph.inconsistencies(),
            self.go.readonly_stderr
        );
        if !self.go.readonly_ok {
            return;
        }

        let loaded = module_targets(graph, &graph.gomods_loaded());
        assert_eq!(loaded, self.go.graph_mods, "go.mod files the graph reads");

        let mut edges = BTreeSet::new();
        for root in graph.roots() {
            edges.insert(("ex.com/main".to_owned(), pair(&root.path, &root.version)));
        }
        for module in graph.gomods_loaded() {
            for required in graph.required_by(&module).unwrap_or_default() {
                edges.insert((at(&module), pair(&required.path, &required.version)));
            }
        }
        assert_eq!(edges, self.go.graph_edges, "go mod graph edges");

        let list: Vec<Pair> = graph
            .build_list()
            .iter()
            .map(|m| pair(&m.path, &m.version))
            .collect();
        assert_eq!(list, self.go.list, "build list");
        let needed = module_targets(graph, &graph.gomods_needed());
        assert_eq!(
            needed, self.go.list_mods,
            "go.mod files go list -m all reads"
        );
    }
}

/// The case written to disk: `root/proxy`, `root/main`, `root/<dir>`, caches under `root/go`.
struct Layout {
    root: PathBuf,
    proxy: PathBuf,
    main: PathBuf,
}

impl Layout {
    fn write(root: &Path, files: Files) -> Layout {
        let layout = Layout {
            root: root.to_owned(),
            proxy: root.join("proxy"),
            main: root.join("main"),
        };
        for (key, text) in files {
            if *key == "main" {
                write_file(&layout.main.join("go.mod"), text);
            } else if let Some(name) = key.strip_prefix("dir:") {
                write_file(&root.join(name).join("go.mod"), text);
            } else {
                let (path, version) = key.split_once('@').expect("key is path@version");
                let dir = layout.proxy.join(escape(path)).join("@v");
                write_file(&dir.join(format!("{}.mod", escape(version))), text);
                write_file(
                    &dir.join(format!("{}.info", escape(version))),
                    &format!("{{\"Version\":\"{version}\",\"Time\":\"{FIXTURE_TIME}\"}}"),
                );
                let list = dir.join("list");
                let mut versions = fs::read_to_string(&list).unwrap_or_default();
                versions.push_str(version);
                versions.push('\n');
                write_file(&list, &versions);
            }
        }
        layout
    }

    /// A module zip in the proxy holding the module's go.mod and one source file.
    fn write_zip(&self, key: &str, files: Files, name: &str, text: &str) {
        let (path, version) = key.split_once('@').expect("key is path@version");
        let gomod = files
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, t)| *t)
            .expect("module has a go.mod");
        let zip_path = self
            .proxy
            .join(escape(path))
            .join("@v")
            .join(format!("{}.zip", escape(version)));
        let file = fs::File::create(&zip_path).expect("create zip");
        let mut zip = zip::ZipWriter::new(file);
        let options = zip::write::SimpleFileOptions::default();
        for (entry, content) in [("go.mod", gomod), (name, text)] {
            zip.start_file(format!("{key}/{entry}"), options)
                .expect("zip entry");
            zip.write_all(content.as_bytes()).expect("zip content");
        }
        zip.finish().expect("finish zip");
    }

    fn graph(&self) -> Graph {
        let text = fs::read_to_string(self.main.join("go.mod")).expect("read main go.mod");
        let parsed = MiniGoMod::parse(&text);
        let main = MainModule {
            path: parsed.module.clone().expect("main module line"),
            go_version: parsed.go.clone(),
            requires: parsed.requires.clone(),
            excludes: parsed.excludes.clone(),
            replaces: parsed.replaces.clone(),
        };
        let loader = FileLoader {
            proxy: self.proxy.clone(),
            main: self.main.clone(),
        };
        Graph::load(&main, &loader).expect("gomodoff loads the graph")
    }

    fn cache(&self, name: &str) -> PathBuf {
        self.root.join("go").join(name).join("modcache")
    }

    /// A go command with a fresh, empty module cache named `name` (and its own GOPATH).
    fn go(&self, go: &Path, name: &str, args: &[&str], mod_flag: &str) -> Command {
        let base = self.root.join("go").join(name);
        let cache = self.cache(name);
        fs::create_dir_all(&cache).expect("create module cache");
        let mut command = Command::new(go);
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", base.join("home"))
            .env("GOENV", "off")
            .env("GOTOOLCHAIN", "local")
            .env("GOWORK", "off")
            .env("GOFLAGS", format!("-modcacherw {mod_flag}"))
            .env("GOSUMDB", "off")
            .env("GONOSUMDB", "*")
            .env("GOPRIVATE", "")
            .env("GOPROXY", format!("file://{}", self.proxy.display()))
            .env("GOMODCACHE", &cache)
            .env("GOPATH", base.join("gopath"))
            .env("GOCACHE", base.join("gocache"));
        command
    }

    fn oracle(&self, go: &Path) -> GoOracle {
        // 1. go mod graph: what the graph reads, and its edges.
        let mut command = self.go(go, "graph", &["mod", "graph"], "");
        let graph_out = run_in(&mut command, &self.main);
        let mut graph_edges = BTreeSet::new();
        for line in graph_out.lines() {
            let (from, to) = line.split_once(' ').expect("go mod graph line");
            let to = split_at(to);
            if !matches!(to.0.as_str(), "go" | "toolchain") && !from.starts_with("go@") {
                graph_edges.insert((from.to_owned(), to));
            }
        }
        let graph_mods = fetched_mods(&self.cache("graph"));

        // 2. go list -m all -mod=mod in a copy: writes go.sum (and may rewrite the copy's go.mod).
        let copy = self.root.join("main-copy");
        fs::create_dir_all(&copy).expect("create copy");
        fs::copy(self.main.join("go.mod"), copy.join("go.mod")).expect("copy go.mod");
        let mut command = self.go(go, "list-mod", &["list", "-m", "all"], "-mod=mod");
        let mod_list = parse_list(&run_in(&mut command, &copy));
        fs::copy(copy.join("go.sum"), self.main.join("go.sum")).expect("copy go.sum");

        // 3. go list -m all -mod=readonly with that go.sum and an empty cache.
        let mut command = self.go(go, "list", &["list", "-m", "all"], "-mod=readonly");
        command.current_dir(&self.main);
        let output = command.output().expect("run go list");
        let readonly_ok = output.status.success();
        GoOracle {
            graph_mods,
            graph_edges,
            list: if readonly_ok {
                parse_list(&String::from_utf8_lossy(&output.stdout))
            } else {
                mod_list
            },
            list_mods: fetched_mods(&self.cache("list")),
            readonly_ok,
            readonly_stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Reads go.mod files the way gomodoff's callers will: from the proxy tree, or from a
/// replacement directory relative to the main module.
struct FileLoader {
    proxy: PathBuf,
    main: PathBuf,
}

impl SummaryLoader for FileLoader {
    fn load(&self, target: &ResolvedModule) -> Result<ModSummary, GraphError> {
        let file = match target {
            ResolvedModule::Module(m) => self
                .proxy
                .join(escape(&m.path))
                .join("@v")
                .join(format!("{}.mod", escape(&m.version))),
            ResolvedModule::Dir(dir) => self.main.join(dir).join("go.mod"),
        };
        let text = fs::read_to_string(&file).map_err(|e| GraphError::load(target, e))?;
        let parsed = MiniGoMod::parse(&text);
        Ok(ModSummary {
            module_path: parsed.module,
            go_version: parsed.go,
            requires: parsed.requires,
        })
    }
}

/// Just enough of go.mod for these fixtures (gomodoff's real parser is tested on its own).
#[derive(Default)]
struct MiniGoMod {
    module: Option<String>,
    go: Option<String>,
    requires: Vec<ModuleVersion>,
    excludes: Vec<ModuleVersion>,
    replaces: Vec<ReplaceRule>,
}

impl MiniGoMod {
    fn parse(text: &str) -> MiniGoMod {
        let mut parsed = MiniGoMod::default();
        let mut block: Option<String> = None;
        for line in text.lines() {
            let line = line.split("//").next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            if line == ")" {
                block = None;
                continue;
            }
            let (verb, rest) = match &block {
                Some(verb) => (verb.clone(), line),
                None => {
                    let (verb, rest) = line.split_once(' ').expect("directive with arguments");
                    if rest.trim() == "(" {
                        block = Some(verb.to_owned());
                        continue;
                    }
                    (verb.to_owned(), rest.trim())
                }
            };
            let words: Vec<&str> = rest.split_whitespace().collect();
            match (verb.as_str(), words.as_slice()) {
                ("module", [path]) => parsed.module = Some((*path).to_owned()),
                ("go", [version]) => parsed.go = Some((*version).to_owned()),
                ("require", [path, version]) => parsed.requires.push(mv(path, version)),
                ("exclude", [path, version]) => parsed.excludes.push(mv(path, version)),
                ("replace", _) => parsed.replaces.push(replace_rule(&words)),
                other => panic!("fixture go.mod line not understood: {other:?}"),
            }
        }
        parsed
    }
}

fn replace_rule(words: &[&str]) -> ReplaceRule {
    let arrow = words
        .iter()
        .position(|w| *w == "=>")
        .expect("replace has =>");
    let (old, new) = (&words[..arrow], &words[arrow + 1..]);
    ReplaceRule {
        old_path: old[0].to_owned(),
        old_version: old.get(1).map(|v| (*v).to_owned()),
        target: match new {
            [path, version] => ReplaceTarget::Module(mv(path, version)),
            [dir] => ReplaceTarget::Dir(PathBuf::from(dir)),
            other => panic!("bad replacement {other:?}"),
        },
    }
}

/// The resolved `Module` targets of `modules` (directory replacements are read from disk, not
/// downloaded), as `(path, version)` pairs.
fn module_targets(graph: &Graph, modules: &[ModuleVersion]) -> BTreeSet<Pair> {
    modules
        .iter()
        .filter_map(|m| match graph.resolved(m) {
            ResolvedModule::Module(r) => Some(pair(&r.path, &r.version)),
            ResolvedModule::Dir(_) => None,
        })
        .collect()
}

/// The `.mod` files under `<cache>/cache/download`, unescaped.
fn fetched_mods(cache: &Path) -> BTreeSet<Pair> {
    let download = cache.join("cache").join("download");
    let mut found = BTreeSet::new();
    for entry in walkdir::WalkDir::new(&download) {
        let entry = entry.expect("walk module cache");
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "mod") {
            let rel = path
                .strip_prefix(&download)
                .expect("under download dir")
                .to_string_lossy()
                .replace('\\', "/");
            let (module, file) = rel.split_once("/@v/").expect("<module>/@v/<version>.mod");
            let version = file.strip_suffix(".mod").expect("ends with .mod");
            found.insert((unescape(module), unescape(version)));
        }
    }
    found
}

fn parse_list(stdout: &str) -> Vec<Pair> {
    stdout
        .lines()
        .skip(1) // the main module
        .map(|line| {
            let mut words = line.split_whitespace();
            let path = words.next().expect("path");
            let version = words.next().expect("version");
            pair(path, version)
        })
        .collect()
}

fn run_in(command: &mut Command, dir: &Path) -> String {
    let output = command.current_dir(dir).output().expect("run go");
    assert!(
        output.status.success(),
        "{:?} failed: {}",
        command,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

fn write_file(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("has a parent")).expect("create dir");
    fs::write(path, text).expect("write file");
}

fn split_at(s: &str) -> Pair {
    let (path, version) = s.split_once('@').expect("path@version");
    pair(path, version)
}

fn pair(path: &str, version: &str) -> Pair {
    (path.to_owned(), version.to_owned())
}

fn at(m: &ModuleVersion) -> String {
    format!("{}@{}", m.path, m.version)
}

fn set(pairs: &[(&str, &str)]) -> BTreeSet<Pair> {
    pairs.iter().map(|(p, v)| pair(p, v)).collect()
}
