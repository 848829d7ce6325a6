//! `gomodoff mirror`: many repositories into one GOPROXY tree, incremental, verifiable, and served
//! by a real nginx to the real go with an empty module cache.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{
    self, Harness, assert_aborted, assert_stderr_contains, assert_success, build_list, file_url,
    leftovers_in, names_in, stderr, stdout, unescape,
};

fn mirror(h: &Harness, dir: &Path, tree: &Path) -> Output {
    let out = h.gomodoff(dir, &["mirror", tree.to_str().unwrap()]);
    assert_success(&out, &format!("mirror {}", dir.display()));
    out
}

/// Every file of the tree with its modification time.
fn mtimes(root: &Path) -> Vec<(PathBuf, std::time::SystemTime)> {
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().to_path_buf(),
                e.metadata().unwrap().modified().unwrap(),
            )
        })
        .collect()
}

#[test]
fn many_repositories_into_one_tree_incrementally() {
    requires_go!();
    let h = Harness::new();
    let tree = h.root().join("mirror");
    let projects: Vec<PathBuf> = ["basic", "replaces", "legacy116"]
        .iter()
        .map(|p| h.project(p))
        .collect();
    for p in &projects {
        mirror(&h, p, &tree);
    }
    // Every list complete and in semver order, every .info valid JSON naming its version.
    assert_eq!(
        fs::read_to_string(tree.join("example.com/multi/@v/list")).unwrap(),
        "v1.0.0\nv1.1.0\nv1.2.0\n"
    );
    assert_eq!(
        fs::read_to_string(tree.join("example.com/legacy/@v/list")).unwrap(),
        "v1.0.0\nv2.0.0+incompatible\n"
    );
    for e in walkdir::WalkDir::new(&tree) {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(version) = name.strip_suffix(".info") {
            let v: serde_json::Value =
                serde_json::from_slice(&fs::read(e.path()).unwrap()).unwrap();
            assert_eq!(v["Version"], unescape(version), "{}", e.path().display());
        }
        if name == "list" {
            let listed: Vec<String> = fs::read_to_string(e.path())
                .unwrap()
                .lines()
                .map(String::from)
                .collect();
            let mut mods: Vec<String> = fs::read_dir(e.path().parent().unwrap())
                .unwrap()
                .filter_map(|f| {
                    f.unwrap()
                        .file_name()
                        .to_string_lossy()
                        .strip_suffix(".mod")
                        .map(String::from)
                })
                .collect();
            mods.sort();
            let mut sorted = listed.clone();
            sorted.sort();
            assert_eq!(sorted, mods, "{} lists every .mod", e.path().display());
        }
    }
    let out = h.gomodoff(
        &projects[0],
        &["mirror", "--verify", tree.to_str().unwrap()],
    );
    assert_success(&out, "mirror --verify");

    // Again: nothing is written.
    let before = mtimes(&tree);
    let out = mirror(&h, &projects[0], &tree);
    assert_stderr_contains(&out, ": 0 files written (0 B)");
    assert_eq!(mtimes(&tree), before, "an incremental run rewrites nothing");

    // Each project builds from the tree alone, with an empty module cache.
    for p in &projects {
        let online = build_list(&h.go_ok(p, &["list", "-m", "all"]));
        let env = [
            ("GOPROXY", file_url(&tree)),
            ("GOMODCACHE", h.fresh_dir("empty").display().to_string()),
        ];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let out = h.go_with_env(p, &["list", "-m", "all"], &env);
        assert_success(&out, "go list -m all from the mirror");
        assert_eq!(build_list(&stdout(&out)), online);
        assert_success(
            &h.go_with_env(p, &["build", "./..."], &env),
            "go build from the mirror",
        );
    }

    // Damage is named by --verify; a different copy of a version already there is refused.
    let gomod = tree.join("example.com/old116/@v/v1.0.0.mod");
    let good = fs::read(&gomod).unwrap();
    fs::write(&gomod, b"module example.com/old116\n\ngo 1.99\n").unwrap();
    fs::write(tree.join("example.com/old116/@v/junk.zip"), b"x").unwrap();
    let out = h.gomodoff(
        &projects[0],
        &["mirror", "--verify", tree.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("`example.com/old116/@v/v1.0.0.mod`: hashes to"),
        "{text}"
    );
    assert!(
        text.contains("`example.com/old116/@v/junk.zip`: is not in the manifest"),
        "{text}"
    );
    let damaged = fs::read(&gomod).unwrap();
    let out = h.gomodoff(&projects[0], &["mirror", tree.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(&out, "already exists with other content");
    assert_eq!(fs::read(&gomod).unwrap(), damaged, "never overwritten");
    fs::write(&gomod, good).unwrap();
    fs::remove_file(tree.join("example.com/old116/@v/junk.zip")).unwrap();
    let out = h.gomodoff(
        &projects[0],
        &["mirror", "--verify", tree.to_str().unwrap()],
    );
    assert_success(&out, "mirror --verify after repair");
}

/// nginx serving a directory on 127.0.0.1, stopped on drop.
struct Nginx {
    child: Child,
    port: u16,
    access_log: PathBuf,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn id(flag: &str) -> String {
    let out = Command::new("id").arg(flag).output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn start_nginx(nginx: &Path, root: &Path, work: &Path) -> Nginx {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let access_log = work.join("access.log");
    let w = work.display();
    // One process (`master_process off`): the kill on drop then stops nginx whole, where a
    // killed master would leave its worker behind. `user` only matters to a master running as
    // root (workers would otherwise drop to nobody, who cannot read the private temp dir).
    let conf = format!(
        "user {user} {group};\nworker_processes 1;\nmaster_process off;\ndaemon off;\npid {w}/nginx.pid;\nerror_log {w}/error.log;\nevents {{ worker_connections 64; }}\nhttp {{\n  access_log {log};\n  client_body_temp_path {w}/body;\n  proxy_temp_path {w}/proxy;\n  fastcgi_temp_path {w}/fastcgi;\n  uwsgi_temp_path {w}/uwsgi;\n  scgi_temp_path {w}/scgi;\n  types {{ application/zip zip; application/json info; }}\n  default_type text/plain;\n  server {{\n    listen 127.0.0.1:{port};\n    root {root};\n    location / {{ try_files $uri =404; }}\n  }}\n}}\n",
        user = id("-un"),
        group = id("-gn"),
        log = access_log.display(),
        root = root.display(),
    );
    let conf_path = work.join("nginx.conf");
    fs::write(&conf_path, conf).unwrap();
    let child = Command::new(nginx)
        .arg("-p")
        .arg(work)
        .arg("-e")
        .arg(work.join("error.log"))
        .arg("-c")
        .arg(&conf_path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Nginx {
        child,
        port,
        access_log,
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = server.child.try_wait().unwrap() {
            let log = fs::read_to_string(work.join("error.log")).unwrap_or_default();
            panic!("nginx exited with {status}:\n{log}");
        }
        assert!(
            Instant::now() < deadline,
            "nginx did not start listening on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

#[test]
fn a_mirror_served_by_nginx_feeds_go_for_two_repositories() {
    requires_go!();
    let h = Harness::new();
    let nginx = requires!(support::require_nginx());
    let tree = h.root().join("mirror");
    let projects: Vec<PathBuf> = ["basic", "replaces"].iter().map(|p| h.project(p)).collect();
    for p in &projects {
        mirror(&h, p, &tree);
    }
    let server = start_nginx(&nginx, &tree, &h.fresh_dir("nginx"));
    let url = format!("http://127.0.0.1:{}", server.port);
    for p in &projects {
        let online = build_list(&h.go_ok(p, &["list", "-m", "all"]));
        let cache = h.fresh_dir("empty-modcache");
        let env = [
            ("GOPROXY", url.as_str()),
            ("GOMODCACHE", cache.to_str().unwrap()),
        ];
        for args in [
            &["mod", "download"][..],
            &["build", "./..."],
            &["mod", "verify"],
        ] {
            let out = h.go_with_env(p, args, &env);
            assert_success(&out, &format!("go {} through nginx", args.join(" ")));
        }
        let out = h.go_with_env(p, &["list", "-m", "all"], &env);
        assert_success(&out, "go list -m all through nginx");
        assert_eq!(build_list(&stdout(&out)), online);
    }
    let log = fs::read_to_string(&server.access_log).unwrap();
    assert!(
        log.contains("GET /example.com/forks/multi/@v/v1.2.1.zip"),
        "{log}"
    );
    assert!(
        log.contains("GET /example.com/%21upper/%21mixed/@v/v1.0.0.zip"),
        "{log}"
    );
    assert!(
        !log.contains("\" 404 "),
        "nothing go asked for was missing:\n{log}"
    );
}

const HINT: &str = "left by an interrupted gomodoff run; run `gomodoff mirror` or `gomodoff unpack` into this tree again to clear it";

/// `mirror` killed at each of its steps, into a new tree and into a tree that already holds
/// another repository's modules: the kill leaves the staging directory beside the tree (named
/// by `mirror --verify` when the tree has a manifest); the next `mirror` removes it and
/// completes the tree, which then equals an uninterrupted run's, passes `--verify`, and has no
/// leftovers in or beside it.
#[test]
fn a_mirror_killed_at_any_step_is_completed_by_the_next_run() {
    requires_go!();
    let h = Harness::new();
    let base = h.project("legacy116");
    let app = h.project("basic");
    let new_tree = |label: &str| h.fresh_dir(label).join("tree");
    let merge_tree = |label: &str| {
        let tree = new_tree(label);
        mirror(&h, &base, &tree);
        tree
    };
    let want_new = {
        let tree = new_tree("ref-new");
        mirror(&h, &app, &tree);
        support::snapshot(&tree)
    };
    let want_merged = {
        let tree = merge_tree("ref-merge");
        mirror(&h, &app, &tree);
        support::snapshot(&tree)
    };
    for step in [
        "mirror:staged",
        "mirror:merge:first-moved",
        "mirror:merge:moved",
        "mirror:merge:listed",
    ] {
        for (what, tree, want) in [
            ("new tree", new_tree("new"), &want_new),
            ("merge", merge_tree("merge"), &want_merged),
        ] {
            let what = format!("{what}, killed at {step}");
            let arg = tree.to_str().unwrap();
            let out = h.gomodoff_with_env(&app, &[("GOMODOFF_ABORT_AT", step)], &["mirror", arg]);
            assert_aborted(&out, &what);
            let parent = tree.parent().unwrap();
            assert!(parent.join(".tree.gomodoff-staging").is_dir(), "{what}");
            if tree.join("gomodoff-manifest.toml").is_file() {
                let out = h.gomodoff(&app, &["mirror", "--verify", arg]);
                assert_eq!(out.status.code(), Some(1), "{what}: {}", stderr(&out));
                let want = format!(
                    "`../.tree.gomodoff-staging`: is the staging directory beside this tree, {HINT}"
                );
                assert!(stdout(&out).contains(&want), "{what}: {}", stdout(&out));
            }

            let out = mirror(&h, &app, &tree);
            assert_stderr_contains(&out, "left by an interrupted gomodoff run");
            assert_eq!(
                names_in(parent),
                ["tree"],
                "{what}: nothing beside the tree"
            );
            assert_eq!(leftovers_in(&tree), Vec::<PathBuf>::new(), "{what}");
            assert_eq!(
                &support::snapshot(&tree),
                want,
                "{what}: as if never interrupted"
            );
            assert_success(
                &h.gomodoff(&app, &["mirror", "--verify", arg]),
                &format!("{what}: mirror --verify"),
            );
        }
    }
}

/// A `.gomodoff-tmp-*` file inside the tree and a staging directory beside it, as a killed run
/// leaves them, are named by `mirror --verify` as leftovers (not as files the manifest lacks) and
/// removed by the next `mirror`.
#[test]
fn leftovers_are_named_by_verify_and_cleared_by_the_next_mirror() {
    requires_go!();
    let h = Harness::new();
    let app = h.project("basic");
    let parent = h.fresh_dir("left");
    let tree = parent.join("tree");
    mirror(&h, &app, &tree);
    let clean = support::snapshot(&tree);
    let tmp = tree.join("example.com/multi/@v/.gomodoff-tmp-x");
    fs::write(&tmp, "v1.0.0\n").unwrap();
    let staging = parent.join(".tree.gomodoff-staging");
    fs::create_dir_all(staging.join("example.com/multi/@v")).unwrap();
    fs::write(staging.join("example.com/multi/@v/list"), "v1.0.0\n").unwrap();

    let arg = tree.to_str().unwrap();
    let out = h.gomodoff(&app, &["mirror", "--verify", arg]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    for want in [
        format!("`example.com/multi/@v/.gomodoff-tmp-x`: is a temporary file {HINT}"),
        format!("`../.tree.gomodoff-staging`: is the staging directory beside this tree, {HINT}"),
    ] {
        assert!(text.contains(&want), "{text}");
    }
    assert!(!text.contains("not in the manifest"), "{text}");

    let out = mirror(&h, &app, &tree);
    for path in [&tmp, &staging] {
        assert_stderr_contains(&out, &format!("Removed `{}`", path.display()));
    }
    assert_eq!(names_in(&parent), ["tree"]);
    assert_eq!(support::snapshot(&tree), clean);
    assert_success(
        &h.gomodoff(&app, &["mirror", "--verify", arg]),
        "mirror --verify after the next mirror",
    );
}
