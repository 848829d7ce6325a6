#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Vendor mode in a workspace, with the real go as the judge: the build list gomodoff computes
//! for a go.work is `go list -m all`'s; `gomodoff vendor --mode vendor` writes the `vendor/`
//! `go work vendor` writes, byte for byte, in the go.work's directory; each module builds from
//! it offline; verify, status and restore work there.

use std::fs;
use std::path::{Path, PathBuf};

use gomodoff::Repo;
use gomodoff::gomod::GoMod;
use gomodoff::graph::{Graph, GraphError, ModSummary, ResolvedModule, SummaryLoader};
use gomodoff::module::ModuleVersion;

use crate::support::{self, Harness, assert_failure, assert_success, read_files, stderr, stdout};

/// A two-module workspace built in the harness's temp dir:
/// - `lib` (go 1.22 after tidy): requires multi v1.2.0 and embedded, replaces
///   `example.com/Upper/Mixed v1.0.0 => ../mixed` (a directory of the workspace);
/// - `app` (go 1.22): imports old116 (a go 1.16 module: unpruned below it, requires multi
///   v1.1.0), tagged, Upper/Mixed, and `example.com/lib` (the other workspace module, imported
///   only once both are in the workspace);
/// - go.work: `use ./app ./lib`, `replace example.com/multi v1.2.0 => example.com/forks/multi
///   v1.2.1` (a hash only go.work.sum holds). multi v1.2.0 is selected above app's v1.1.0, so
///   the workspace pass reads its (replaced) go.mod.
pub(crate) fn workspace(h: &Harness) -> PathBuf {
    let ws = h.fresh_dir("ws");
    let write = |rel: &str, text: &str| {
        let p = ws.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    };
    write(
        "mixed/go.mod",
        "module example.com/Upper/Mixed\n\ngo 1.21\n",
    );
    write(
        "mixed/mixed.go",
        "// Package mixed is the workspace's copy.\npackage mixed\n\n// Name names it.\nfunc Name() string { return \"local mixed\" }\n",
    );
    write(
        "lib/go.mod",
        "module example.com/lib\n\ngo 1.21\n\nreplace example.com/Upper/Mixed v1.0.0 => ../mixed\n",
    );
    write(
        "lib/lib.go",
        "package lib\n\nimport (\n\t\"example.com/embedded\"\n\t\"example.com/multi\"\n\t_ \"example.com/Upper/Mixed\"\n)\n\n// Describe says what lib sees.\nfunc Describe() string { return multi.Version() + embedded.Version() }\n",
    );
    write("app/go.mod", "module example.com/app\n\ngo 1.22\n");
    write(
        "app/main.go",
        "package main\n\nimport (\n\t\"fmt\"\n\n\tmixed \"example.com/Upper/Mixed\"\n\t\"example.com/old116\"\n\t\"example.com/tagged\"\n)\n\nfunc main() { fmt.Println(old116.Describe(), tagged.Describe(), mixed.Name()) }\n",
    );
    h.go_ok(&ws.join("lib"), &["get", "example.com/multi@v1.2.0"]);
    h.go_mod_tidy(&ws.join("lib"));
    h.go_mod_tidy(&ws.join("app"));
    // Added after tidying: outside the workspace, app cannot see lib.
    write(
        "app/uselib.go",
        "package main\n\nimport \"example.com/lib\"\n\nvar _ = lib.Describe\n",
    );
    write(
        "go.work",
        "go 1.22\n\n// the modules\nuse (\n\t./app\n\t./lib // the library\n)\n\nreplace example.com/multi v1.2.0 => example.com/forks/multi v1.2.1\n",
    );
    // go.work.sum gets the lines only the workspace needs.
    let out = in_workspace(h, &ws, &ws, &["mod", "download", "all"]);
    assert_success(&out, "go mod download all in the workspace");
    ws
}

pub(crate) fn work_env(ws: &Path) -> String {
    ws.join("go.work").to_string_lossy().into_owned()
}

pub(crate) fn in_workspace(
    h: &Harness,
    ws: &Path,
    dir: &Path,
    args: &[&str],
) -> std::process::Output {
    h.go_with_env(dir, args, &[("GOWORK", &work_env(ws))])
}

pub(crate) fn gomodoff_in(
    h: &Harness,
    ws: &Path,
    dir: &Path,
    args: &[&str],
) -> std::process::Output {
    h.gomodoff_command(dir)
        .env("GOWORK", work_env(ws))
        .args(args)
        .output()
        .unwrap()
}

/// go.mod files from the harness's proxy tree, directories from the workspace.
struct ProxyLoader {
    proxy: PathBuf,
    ws: PathBuf,
}

impl SummaryLoader for ProxyLoader {
    fn load(&self, target: &ResolvedModule) -> Result<ModSummary, GraphError> {
        let file = match target {
            ResolvedModule::Module(m) => self
                .proxy
                .join(support::escape(&m.path))
                .join("@v")
                .join(format!("{}.mod", support::escape(&m.version))),
            ResolvedModule::Dir(d) => self.ws.join(d).join("go.mod"),
        };
        let text = fs::read_to_string(&file).map_err(|e| GraphError::load(target, e))?;
        let g = GoMod::parse_lax("go.mod", &text).map_err(|e| GraphError::load(target, e))?;
        Ok(ModSummary::from(&g))
    }
}

fn workspace_graph(h: &Harness, ws: &Path) -> Result<Graph, GraphError> {
    let repo = Repo::open_workspace(&ws.join("go.work")).unwrap();
    let input = gomodoff::workspace_input(repo.workspace.as_ref().unwrap()).unwrap();
    Graph::load_workspace(
        &input,
        &ProxyLoader {
            proxy: h.proxy_dir().to_path_buf(),
            ws: ws.to_path_buf(),
        },
    )
}

/// `go list -m all` in workspace mode, as `(main module paths, other modules with versions)`.
fn go_list_all(h: &Harness, ws: &Path) -> (Vec<String>, Vec<(String, String)>) {
    let out = in_workspace(h, ws, ws, &["list", "-m", "all"]);
    assert_success(&out, "go list -m all");
    let mut mains = Vec::new();
    let mut rest = Vec::new();
    for line in stdout(&out).lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [path] => mains.push(path.to_string()),
            [path, version, ..] => rest.push((path.to_string(), version.to_string())),
            [] => {}
        }
    }
    mains.sort();
    (mains, rest)
}

fn graph_list(graph: &Graph) -> (Vec<String>, Vec<(String, String)>) {
    (
        graph.main_paths().into_iter().map(String::from).collect(),
        graph
            .build_list()
            .into_iter()
            .map(|m| (m.path, m.version))
            .collect(),
    )
}

#[test]
fn the_workspace_build_list_is_go_list_m_all() {
    requires_go!();
    let h = Harness::new();
    let ws = workspace(&h);
    let graph = workspace_graph(&h, &ws).expect("workspace graph");
    let theirs = go_list_all(&h, &ws);
    assert_eq!(graph_list(&graph), theirs);
    assert!(
        theirs
            .1
            .contains(&("example.com/multi".into(), "v1.2.0".into())),
        "{theirs:?}"
    );
    // The go.work replacement wins; the module's directory replacement is relative to go.work.
    let multi = ModuleVersion {
        path: "example.com/multi".into(),
        version: "v1.2.0".into(),
    };
    assert_eq!(
        graph.resolved(&multi),
        ResolvedModule::Module(ModuleVersion {
            path: "example.com/forks/multi".into(),
            version: "v1.2.1".into(),
        })
    );
    let mixed = ModuleVersion {
        path: "example.com/Upper/Mixed".into(),
        version: "v1.0.0".into(),
    };
    assert_eq!(
        graph.resolved(&mixed),
        ResolvedModule::Dir(PathBuf::from("./mixed"))
    );
    // The workspace pass read multi v1.2.0's (replaced) go.mod; old116 (go 1.16) was followed.
    assert!(graph.required_by(&multi).is_some());
    assert!(
        graph
            .gomods_loaded()
            .iter()
            .any(|m| m.path == "example.com/modonly"),
        "{:?}",
        graph.gomods_loaded()
    );

    // A go.work replacement of the library's dependency changes the build list as in go.
    let mut text = fs::read_to_string(ws.join("go.work")).unwrap();
    text.push_str("replace example.com/tagged => ./mixed\n");
    fs::write(ws.join("go.work"), &text).unwrap();
    let graph = workspace_graph(&h, &ws).expect("workspace graph");
    assert_eq!(graph_list(&graph), go_list_all(&h, &ws));
}

#[test]
fn conflicting_replacements_in_two_modules_are_refused_as_go_refuses_them() {
    requires_go!();
    let h = Harness::new();
    let ws = workspace(&h);
    // app replaces the same version lib replaces, differently.
    let out = h.go_with_env(
        &ws.join("app"),
        &[
            "mod",
            "edit",
            "-replace=example.com/Upper/Mixed@v1.0.0=example.com/Upper/Mixed@v1.0.0",
        ],
        &[("GOWORK", "off")],
    );
    assert_success(&out, "go mod edit");
    let go_says = in_workspace(&h, &ws, &ws, &["list", "-m", "all"]);
    assert_failure(&go_says, "go list -m all with conflicting replacements");
    assert!(
        stderr(&go_says).contains("conflicting replacements for example.com/Upper/Mixed@v1.0.0:"),
        "{}",
        stderr(&go_says)
    );
    let error = workspace_graph(&h, &ws).expect_err("conflict");
    let chain: Vec<String> =
        std::iter::successors(Some(&error as &dyn std::error::Error), |e| e.source())
            .map(ToString::to_string)
            .collect();
    assert!(
        chain.iter().any(|m| m.starts_with(
            "conflicting replacements for example.com/Upper/Mixed@v1.0.0:\n\texample.com/Upper/Mixed@v1.0.0\n\t"
        )),
        "{chain:?}"
    );
    let out = gomodoff_in(&h, &ws, &ws, &["vendor", "--mode", "vendor", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("conflicting replacements for example.com/Upper/Mixed@v1.0.0:"),
        "{}",
        stderr(&out)
    );
    assert!(!ws.join("vendor").exists());
    // go.work deciding makes it fine again, for both.
    let mut text = fs::read_to_string(ws.join("go.work")).unwrap();
    text.push_str("replace example.com/Upper/Mixed v1.0.0 => ./mixed\n");
    fs::write(ws.join("go.work"), &text).unwrap();
    let graph = workspace_graph(&h, &ws).expect("go.work decides");
    assert_eq!(graph_list(&graph), go_list_all(&h, &ws));
}

#[test]
fn go_work_errors_name_the_file_and_line() {
    requires_go!();
    let h = Harness::new();
    let ws = workspace(&h);
    fs::write(
        ws.join("go.work"),
        "go 1.22\n\nuse ./app\nrequire example.com/x v1.0.0\n",
    )
    .unwrap();
    let out = gomodoff_in(&h, &ws, &ws, &["vendor", "--mode", "vendor", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("go.work:4:1: unknown directive: require"),
        "{}",
        stderr(&out)
    );
    fs::write(
        ws.join("go.work"),
        "go 1.22\n\nuse (\n\t./app\n\t./nothere\n)\n",
    )
    .unwrap();
    let out = gomodoff_in(&h, &ws, &ws, &["vendor", "--mode", "vendor", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("go.work:5: `use ./nothere`: there is no go.mod"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn vendor_mode_in_a_workspace_writes_what_go_work_vendor_writes() {
    requires_go!();
    let h = Harness::new();
    let theirs = workspace(&h);
    let ours = h.copy_of(&theirs, "ws-ours");
    let from_module = h.copy_of(&theirs, "ws-from-module");
    let out = in_workspace(&h, &theirs, &theirs, &["work", "vendor"]);
    assert_success(&out, "go work vendor");
    let before = read_files(&ours);

    // From the workspace directory.
    let out = gomodoff_in(&h, &ours, &ours, &["vendor", "--mode", "vendor", "--yes"]);
    assert_success(&out, "gomodoff vendor --mode vendor in the workspace");
    assert!(
        stdout(&out).contains("+++ b/vendor/modules.txt"),
        "{}",
        stdout(&out)
    );
    let go_files = read_files(&theirs.join("vendor"));
    let our_files = read_files(&ours.join("vendor"));
    assert!(go_files["modules.txt"].starts_with(b"## workspace\n"));
    assert_eq!(
        our_files.keys().collect::<Vec<_>>(),
        go_files.keys().collect::<Vec<_>>(),
        "the same files"
    );
    for (name, bytes) in &go_files {
        assert_eq!(&our_files[name], bytes, "{name} differs");
    }
    eprintln!("compared {} files of vendor/: identical", go_files.len());
    for f in ["gomodoff.lock", "gomodoff.vendor.sum"] {
        assert!(ours.join(f).is_file(), "{f} beside go.work");
        assert!(!ours.join("app").join(f).exists());
    }
    assert!(!ours.join("app/vendor").exists() && !ours.join("lib/vendor").exists());

    // From a module directory inside the workspace: the same, written beside go.work.
    let out = gomodoff_in(
        &h,
        &from_module,
        &from_module.join("app"),
        &["vendor", "--mode", "vendor", "--yes"],
    );
    assert_success(
        &out,
        "gomodoff vendor --mode vendor from a workspace module",
    );
    assert_eq!(read_files(&from_module.join("vendor")), go_files);
    assert!(!from_module.join("app/vendor").exists());
    // Again: nothing to do.
    let out = gomodoff_in(&h, &ours, &ours.join("lib"), &["vendor", "--yes"]);
    assert_success(&out, "second run");
    assert!(stderr(&out).contains("nothing to do"), "{}", stderr(&out));

    // Each module builds offline from vendor/, in workspace mode.
    for module in ["app", "lib"] {
        let out = h.go_offline_with_env(
            &ours.join(module),
            &["build", "-mod=vendor", "./..."],
            &[("GOWORK", &work_env(&ours))],
        );
        assert_success(&out, &format!("offline build of {module}"));
    }
    let _ = fs::remove_file(ours.join("app/app")); // the binary go build wrote

    // gomodoff check proves the same with the real go, and env prints the go.work to build
    // with, from a module and from the workspace directory.
    for dir in [ours.join("app"), ours.clone()] {
        let out = gomodoff_in(&h, &ours, &dir, &["check"]);
        assert_success(&out, &format!("check in {}", dir.display()));
        let out = gomodoff_in(&h, &ours, &dir, &["env"]);
        assert_success(&out, "env");
        assert!(
            stdout(&out).contains(&format!("GOWORK={}", work_env(&ours))),
            "{}",
            stdout(&out)
        );
    }

    // verify and status --check, from the workspace and from a module.
    for dir in [ours.clone(), ours.join("app")] {
        let out = gomodoff_in(&h, &ours, &dir, &["verify"]);
        assert_success(&out, "verify");
        let out = gomodoff_in(&h, &ours, &dir, &["status", "--check"]);
        assert_success(&out, "status --check");
    }
    let changed = ours.join("vendor/example.com/tagged/tagged.go");
    let mut bytes = fs::read(&changed).unwrap();
    bytes.extend_from_slice(b"// edited\n");
    fs::write(&changed, bytes).unwrap();
    let out = gomodoff_in(&h, &ours, &ours, &["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(
            "example.com/tagged@v1.0.0: modified file `vendor/example.com/tagged/tagged.go`"
        ),
        "{}",
        stdout(&out)
    );

    // status sees what go's workspace-mode consistency check sees.
    let gomod = ours.join("lib/go.mod");
    let saved = fs::read(&gomod).unwrap();
    let out = h.go_with_env(
        &ours.join("lib"),
        &[
            "mod",
            "edit",
            "-require=example.com/pseudo@v0.0.0-20240101000000-abcdefabcdef",
        ],
        &[("GOWORK", "off")],
    );
    assert_success(&out, "go mod edit -require");
    let go_says = h.go_offline_with_env(
        &ours.join("lib"),
        &["list", "-mod=vendor", "./..."],
        &[("GOWORK", &work_env(&ours))],
    );
    assert!(
        stderr(&go_says).contains("inconsistent vendoring"),
        "{}",
        stderr(&go_says)
    );
    let out = gomodoff_in(&h, &ours, &ours, &["status", "--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let theirs_lines: Vec<String> = stderr(&go_says)
        .lines()
        .filter(|l| l.starts_with('\t') && !l.starts_with("\t\t") && l.contains(": "))
        .filter(|l| !l.contains("To ignore the vendor directory"))
        .map(|l| format!("inconsistent vendoring: {}", l.trim()))
        .collect();
    let ours_lines: Vec<String> = stdout(&out)
        .lines()
        .filter(|l| l.starts_with("inconsistent vendoring: "))
        .map(str::to_string)
        .collect();
    assert_eq!(ours_lines, theirs_lines, "{}", stderr(&go_says));
    fs::write(&gomod, saved).unwrap();

    // restore gives the workspace back, byte for byte.
    let out = gomodoff_in(&h, &ours, &ours.join("app"), &["restore", "--yes"]);
    assert_success(&out, "restore");
    assert_eq!(read_files(&ours), before, "restore is exact");
}

/// Where go builds a workspace, `pack` and `mirror` bundle the workspace's build list (go.work's
/// replace included): on "machine B" (another path, an empty module cache) every module builds
/// in workspace mode from the unpacked tree and from the mirror. Replace mode, which lays out
/// one module's build list, warns, and go proves the warning right.
#[test]
fn a_workspace_is_packed_and_mirrored_whole() {
    requires_go!();
    let h = Harness::new();
    let ws = workspace(&h);
    let work = work_env(&ws);

    let bundle = h.fresh_dir("bundles").join("ws.zip");
    let bundle_arg = bundle.to_string_lossy().into_owned();
    let out = gomodoff_in(&h, &ws, &ws.join("app"), &["pack", "-o", &bundle_arg]);
    assert_success(&out, "pack in a workspace");
    // `--download` into an empty module cache asks go (in workspace mode) for what it lacks and
    // packs the same bundle, byte for byte.
    let downloaded = bundle.with_file_name("downloaded.zip");
    let empty = h.fresh_dir("empty-cache");
    let out = h
        .gomodoff_command_without_modcache(&ws.join("lib"))
        .env("GOWORK", &work)
        .arg("--modcache")
        .arg(&empty)
        .args(["pack", "--download", "-o", &downloaded.to_string_lossy()])
        .output()
        .unwrap();
    assert_success(&out, "pack --download in a workspace");
    assert!(
        empty
            .join("cache/download/example.com/forks/multi/@v/v1.2.1.zip")
            .is_file(),
        "go downloaded go.work's replacement into the empty cache"
    );
    assert!(
        fs::read(&downloaded).unwrap() == fs::read(&bundle).unwrap(),
        "pack --download gave another bundle"
    );
    let mirror = h.fresh_dir("mirror-tree");
    let mirror_arg = mirror.to_string_lossy().into_owned();
    let out = gomodoff_in(&h, &ws, &ws, &["mirror", &mirror_arg]);
    assert_success(&out, "mirror from the workspace directory");

    let tree = h.fresh_dir("unpacked");
    let tree_arg = tree.to_string_lossy().into_owned();
    let out = gomodoff_in(
        &h,
        &ws,
        h.root(),
        &["unpack", &bundle_arg, "--to", &tree_arg],
    );
    assert_success(&out, "unpack --to");
    // The environment unpack prints, which leaves GOWORK alone for a workspace's bundle.
    let printed: Vec<(String, String)> = stdout(&out)
        .lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
        .collect();
    assert!(
        printed.iter().any(|(k, _)| k == "GOPROXY"),
        "{}",
        stdout(&out)
    );
    assert!(
        !printed.iter().any(|(k, _)| k == "GOWORK"),
        "{}",
        stdout(&out)
    );
    let b = h.copy_of(&ws, "machine-b");
    let b_work = work_env(&b);
    for proxy in [&tree, &mirror] {
        let goproxy = format!("file://{}", proxy.display());
        for module in ["app", "lib"] {
            let mut env: Vec<(&str, &str)> = printed
                .iter()
                .filter(|(k, _)| k != "GOFLAGS")
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            env.extend([
                ("GOPROXY", goproxy.as_str()),
                ("GOWORK", b_work.as_str()),
                ("GOFLAGS", "-mod=readonly -modcacherw"),
            ]);
            let built = h.go_offline_with_env(&b.join(module), &["build", "./..."], &env);
            assert_success(&built, &format!("go build in {module} from {goproxy}"));
        }
    }

    // Replace mode warns, and go proves the warning right: its replace directive for the module
    // lib replaces with a workspace directory makes go refuse the workspace.
    let out = gomodoff_in(&h, &ws, &ws.join("app"), &["vendor", "--yes"]);
    assert_success(&out, "replace mode in a workspace");
    assert!(
        stderr(&out).contains(&format!(
            "go builds the workspace `{work}` here, and replace mode"
        )),
        "{}",
        stderr(&out)
    );
    let built = h.go_offline_with_env(&ws.join("app"), &["build", "./..."], &[("GOWORK", &work)]);
    assert!(
        !built.status.success(),
        "go built the workspace offline after all"
    );
    assert!(
        stderr(&built).contains("conflicting replacements for example.com/Upper/Mixed@v1.0.0"),
        "{}",
        stderr(&built)
    );
}
