//! Oracle tests for `gomodoff::modules_txt`: modules.txt files written by the installed
//! `go mod vendor` / `go work vendor` must parse, say what the go.mod said, and print back byte
//! for byte.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use gomodoff::modules_txt::{ModulesTxt, VendoredModule};
use tempfile::TempDir;

/// A module in the test proxy: path, version, go.mod, package files.
type Published = (
    &'static str,
    &'static str,
    String,
    Vec<(&'static str, &'static str)>,
);

/// Modules published to the test proxy. The go command
/// raises the main module's go line to its dependencies' (Go ≥ 1.21), so a main module with an
/// old go line gets dependencies with old go lines (`high` false).
fn modules(high: bool) -> Vec<Published> {
    let go = |high_version: &str, low_version: &str| {
        if high {
            high_version.to_string()
        } else {
            low_version.to_string()
        }
    };
    vec![
        (
            "example.com/a",
            "v1.0.0",
            format!(
                "module example.com/a\n\ngo {}\n\nrequire example.com/b v1.0.0\n",
                go("1.18", "1.12")
            ),
            vec![
                ("a.go", "package a\n\nimport _ \"example.com/b\"\n"),
                ("inner/i.go", "package inner\n"),
            ],
        ),
        (
            "example.com/b",
            "v1.0.0",
            "module example.com/b\n".to_string(),
            vec![("b.go", "package b\n")],
        ),
        (
            "example.com/c",
            "v1.0.0",
            format!("module example.com/c\n\ngo {}\n", go("1.17", "1.11")),
            vec![("c.go", "package c\n")],
        ),
        (
            "example.com/cfork",
            "v1.1.0",
            format!("module example.com/c\n\ngo {}\n", go("1.19", "1.12")),
            vec![("c.go", "package c\n")],
        ),
        (
            "example.com/tool",
            "v1.0.0",
            format!("module example.com/tool\n\ngo {}\n", go("1.21.0", "1.13")),
            vec![("t.go", "package tool\n")],
        ),
    ]
}

const MAIN_GO: &str = "package main\n\nimport (\n\t_ \"example.com/a\"\n\t_ \"example.com/a/inner\"\n\t_ \"example.com/c\"\n\t_ \"example.com/d\"\n)\n\nfunc main() {}\n";

fn main_go_mod(go_version: &str) -> String {
    format!(
        "module example.com/main\n\ngo {go_version}\n\nrequire (\n\texample.com/a v1.0.0\n\texample.com/c v1.0.0\n\texample.com/d v1.0.0\n\texample.com/tool v1.0.0\n)\n\nrequire example.com/b v1.0.0 // indirect\n\nreplace example.com/c => example.com/cfork v1.1.0\n\nreplace example.com/d v1.0.0 => ../d\n\nreplace example.com/unused => example.com/a v1.0.0\n\nreplace example.com/unused2 v1.2.3 => ../nowhere\n"
    )
}

fn module<'a>(txt: &'a ModulesTxt, path: &str) -> &'a VendoredModule {
    txt.modules
        .iter()
        .find(|m| m.path == path)
        .unwrap_or_else(|| panic!("{path} not in modules.txt:\n{}", txt.render()))
}

#[test]
fn go_mod_vendor_output_round_trips() {
    for go_version in ["1.13", "1.16", "1.17", "1.21", "1.23"] {
        let high = matches!(go_version, "1.21" | "1.23");
        let annotated = go_version != "1.13";
        let with_go = !matches!(go_version, "1.13" | "1.16");
        let Some(env) = GoEnv::new(high) else { return };
        let pick = |high_version: &'static str, low_version: &'static str| {
            with_go.then_some(if high { high_version } else { low_version })
        };
        let main = env.path("main");
        fs::create_dir_all(&main).expect("mkdir");
        fs::write(main.join("go.mod"), main_go_mod(go_version)).expect("go.mod");
        fs::write(main.join("main.go"), MAIN_GO).expect("main.go");
        // Not `go mod tidy`: it would raise the go line to the dependencies' and drop `tool`.
        env.go(
            &main,
            &[
                "mod",
                "download",
                "example.com/a",
                "example.com/b",
                "example.com/c",
                "example.com/tool",
            ],
        );
        env.go(&main, &["mod", "vendor"]);
        let text = fs::read_to_string(main.join("vendor/modules.txt")).expect("modules.txt");
        let txt = ModulesTxt::parse("vendor/modules.txt", &text).expect(&text);
        assert_eq!(txt.render(), text, "go {go_version}");
        assert!(!txt.workspace);

        let a = module(&txt, "example.com/a");
        assert_eq!(a.packages, ["example.com/a", "example.com/a/inner"]);
        assert_eq!(a.explicit, annotated, "go {go_version}:\n{text}");
        assert_eq!(a.go_version.as_deref(), pick("1.18", "1.12"));
        let b = module(&txt, "example.com/b");
        assert_eq!(b.go_version, None, "b's go.mod has no go line");
        let c = module(&txt, "example.com/c");
        assert_eq!(
            c.replacement,
            Some(("example.com/cfork".to_string(), Some("v1.1.0".to_string())))
        );
        assert_eq!(c.go_version.as_deref(), pick("1.19", "1.12"));
        let d = module(&txt, "example.com/d");
        assert_eq!(d.replacement, Some(("../d".to_string(), None)));
        assert_eq!(d.go_version.as_deref(), pick("1.21", "1.13"));
        if annotated {
            // Explicitly required but providing no package: listed with no packages.
            let tool = module(&txt, "example.com/tool");
            assert!(tool.explicit && tool.packages.is_empty());
            assert_eq!(tool.go_version.as_deref(), pick("1.21.0", "1.13"));
            // Wildcard replacements are written again at the end, used or not.
            let trailing: Vec<_> = txt
                .trailing_replaces
                .iter()
                .map(|(old, old_v, new, new_v)| {
                    (
                        old.as_str(),
                        old_v.as_deref(),
                        new.as_str(),
                        new_v.as_deref(),
                    )
                })
                .collect();
            assert!(trailing.contains(&(
                "example.com/c",
                None,
                "example.com/cfork",
                Some("v1.1.0")
            )));
            assert!(trailing.contains(&(
                "example.com/unused",
                None,
                "example.com/a",
                Some("v1.0.0")
            )));
            assert!(trailing.contains(&(
                "example.com/unused2",
                Some("v1.2.3"),
                "../nowhere",
                None
            )));
        } else {
            assert!(txt.trailing_replaces.is_empty());
            assert!(txt.modules.iter().all(|m| !m.packages.is_empty()));
        }
    }
}

#[test]
fn go_work_vendor_output_round_trips() {
    let Some(env) = GoEnv::new(true) else { return };
    let main = env.path("ws-main");
    fs::create_dir_all(&main).expect("mkdir");
    fs::write(
        main.join("go.mod"),
        "module example.com/main\n\ngo 1.22\n\nrequire example.com/a v1.0.0\n",
    )
    .expect("go.mod");
    fs::write(
        main.join("main.go"),
        "package main\n\nimport (\n\t_ \"example.com/a\"\n\t_ \"example.com/d\"\n)\n\nfunc main() {}\n",
    )
    .expect("main.go");
    env.go(
        &main,
        &["mod", "download", "example.com/a", "example.com/b"],
    );
    env.go(&main, &["get", "example.com/a@v1.0.0"]);
    let work = env.path("go.work");
    fs::write(
        &work,
        "go 1.22\n\nuse (\n\t./ws-main\n\t./d\n)\n\nreplace example.com/unused => example.com/a v1.0.0\n",
    )
    .expect("go.work");
    env.go_with(&env.path(""), &["work", "vendor"], &[("GOWORK", &work)]);
    let text = fs::read_to_string(env.path("vendor/modules.txt")).expect("modules.txt");
    let txt = ModulesTxt::parse("vendor/modules.txt", &text).expect(&text);
    assert!(txt.workspace);
    assert!(text.starts_with("## workspace\n"));
    assert_eq!(txt.render(), text);
    assert_eq!(
        module(&txt, "example.com/a").go_version.as_deref(),
        Some("1.18")
    );
    assert_eq!(
        txt.trailing_replaces,
        [(
            "example.com/unused".to_string(),
            None,
            "example.com/a".to_string(),
            Some("v1.0.0".to_string())
        )]
    );
}

#[test]
fn errors_name_the_file_and_line() {
    let cases = [
        (
            "# example.com/a v1.0.0\n## explicit\nexample.com/a\n\n",
            "vendor/modules.txt:4: unexpected blank line",
        ),
        (
            "# example.com/a v1.0.0\n## explicit; go1.21\n",
            "vendor/modules.txt:2: unknown annotation",
        ),
        (
            "## workspace\n## workspace\n",
            "vendor/modules.txt:2: annotation without a module line before it",
        ),
        (
            "# example.com/a v1.0.0\n",
            "vendor/modules.txt:1: module line with no packages or annotation",
        ),
    ];
    for (text, want) in cases {
        let err = ModulesTxt::parse("vendor/modules.txt", text).expect_err(text);
        assert_eq!(err.to_string(), want);
    }
}

/// A hermetic go environment: temporary GOPATH, GOMODCACHE, GOCACHE and a `file://` proxy
/// holding [`modules`] and the directory module `d`.
struct GoEnv {
    tmp: TempDir,
    go: PathBuf,
}

impl GoEnv {
    #[allow(clippy::print_stderr)]
    fn new(high: bool) -> Option<GoEnv> {
        let candidates = [PathBuf::from("go"), PathBuf::from("/usr/local/go/bin/go")];
        let go = candidates.into_iter().find(|go| {
            Command::new(go)
                .arg("version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
        let Some(go) = go else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "go is not installed; these tests need it as their oracle"
            );
            eprintln!("skipping: go is not installed");
            return None;
        };
        let env = GoEnv {
            tmp: TempDir::new().expect("tempdir"),
            go,
        };
        for dir in ["proxy", "gopath", "modcache", "gocache", "home"] {
            fs::create_dir_all(env.path(dir)).expect("mkdir");
        }
        for (path, version, go_mod, files) in modules(high) {
            env.publish(path, version, &go_mod, &files);
        }
        let d = env.path("d");
        fs::create_dir_all(&d).expect("mkdir");
        let d_go = if high { "1.21" } else { "1.13" };
        fs::write(
            d.join("go.mod"),
            format!("module example.com/d\n\ngo {d_go}\n"),
        )
        .expect("go.mod");
        fs::write(d.join("d.go"), "package d\n").expect("d.go");
        Some(env)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    fn publish(&self, path: &str, version: &str, go_mod: &str, files: &[(&str, &str)]) {
        let dir = self.path("proxy").join(path).join("@v");
        fs::create_dir_all(&dir).expect("mkdir");
        fs::write(dir.join(format!("{version}.mod")), go_mod).expect("write mod");
        fs::write(
            dir.join(format!("{version}.info")),
            format!("{{\"Version\":\"{version}\",\"Time\":\"2024-01-01T00:00:00Z\"}}"),
        )
        .expect("write info");
        fs::write(dir.join("list"), format!("{version}\n")).expect("write list");
        let zip_file = fs::File::create(dir.join(format!("{version}.zip"))).expect("create zip");
        let mut zip = zip::ZipWriter::new(zip_file);
        let options = zip::write::SimpleFileOptions::default();
        let go_mod_entry = [("go.mod", go_mod)];
        for (name, text) in files.iter().chain(go_mod_entry.iter()) {
            zip.start_file(format!("{path}@{version}/{name}"), options)
                .expect("zip entry");
            zip.write_all(text.as_bytes()).expect("zip write");
        }
        zip.finish().expect("zip finish");
    }

    fn go(&self, dir: &Path, args: &[&str]) -> String {
        self.go_with(dir, args, &[])
    }

    /// Runs go in `dir`; panics with its stderr when it fails. Returns stdout.
    fn go_with(&self, dir: &Path, args: &[&str], extra_env: &[(&str, &Path)]) -> String {
        let proxy = format!("file://{}", self.path("proxy").display());
        let mut command = Command::new(&self.go);
        command
            .args(args)
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path("home"))
            .env("GOPATH", self.path("gopath"))
            .env("GOMODCACHE", self.path("modcache"))
            .env("GOCACHE", self.path("gocache"))
            .env("GOPROXY", proxy)
            .env("GOTOOLCHAIN", "local")
            .env("GOWORK", "off")
            .env("GOFLAGS", "-modcacherw")
            .env("GOSUMDB", "off")
            .env("GONOSUMDB", "*")
            .env("GOPRIVATE", "")
            .env("GOENV", "off");
        for (key, value) in extra_env {
            command.env(key, value);
        }
        let output = command.output().expect("run go");
        assert!(
            output.status.success(),
            "go {} failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8 output")
    }
}
