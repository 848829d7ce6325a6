//! The real go command is the oracle for `h1:` hashes. Small modules are written as a
//! `GOPROXY=file://` tree (`.info`, `.mod`, `.zip` with `path@version/` prefixes), `go mod
//! download -json` fetches them into a temporary module cache, and the `Sum`/`GoModSum` it prints
//! must equal what `hash_zip`, `hash_dir` and `hash_gomod` compute. One zip was written by go's
//! own `archive/zip` (as `x/mod/zip.Create` does; `testdata/hostile/gomade/mkzip.go` regenerates
//! it) so hashing and extraction are also checked on a go-made zip with data descriptors.
//! `go mod verify` then shows how go's HashDir treats a symbolic link in an extracted module.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gomodoff::dirhash::{
    dir_file_digests, hash_dir, hash_gomod, hash_zip, hash1_prefixed, zip_file_digests,
};
use gomodoff::module::{ModuleVersion, escape_path, escape_version};
use gomodoff::modzip::extract_zip;

use crate::support::{self, Harness};

/// The test harness (its GOPROXY tree also serves what [`GoEnv::publish`] adds) and `work/`, an
/// empty directory to run go in; nothing outside the harness's temp dir is written.
struct GoEnv {
    h: Harness,
}

impl GoEnv {
    fn new() -> GoEnv {
        let h = Harness::new();
        fs::create_dir_all(h.root().join("work")).expect("mkdir");
        GoEnv { h }
    }

    /// go in `dir` with the harness's environment, `GOPROXY=goproxy` and cgo off.
    fn command(&self, dir: &Path, goproxy: &str) -> Command {
        let mut command = self.h.go_command(dir);
        command.env("GOPROXY", goproxy).env("CGO_ENABLED", "0");
        command
    }

    /// Writes `.info`, `.mod`, `.zip` and `list` for one module into the proxy tree.
    fn publish(&self, module: &TestModule, zip_bytes: &[u8]) -> PathBuf {
        let mv = module.mv();
        let (path, version) = mv.escaped().expect("escapable");
        let dir = self.h.proxy_dir().join(path).join("@v");
        fs::create_dir_all(&dir).expect("mkdir");
        fs::write(
            dir.join(format!("{version}.info")),
            format!(
                "{{\"Version\":\"{}\",\"Time\":\"2024-01-02T03:04:05Z\"}}\n",
                mv.version
            ),
        )
        .expect("info");
        fs::write(dir.join(format!("{version}.mod")), module.mod_file()).expect("mod");
        let zip = dir.join(format!("{version}.zip"));
        fs::write(&zip, zip_bytes).expect("zip");
        let mut list = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("list"))
            .expect("list");
        writeln!(list, "{}", mv.version).expect("list");
        zip
    }
}

fn run(command: &mut Command) -> Output {
    let output = command.output().expect("run go");
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

struct TestModule {
    path: &'static str,
    version: &'static str,
    files: Vec<(String, Vec<u8>)>,
}

impl TestModule {
    fn mv(&self) -> ModuleVersion {
        ModuleVersion::new(self.path, self.version).expect("valid module")
    }

    /// The proxy's `.mod`: the zip's go.mod, or the synthesized one for a module without go.mod.
    fn mod_file(&self) -> Vec<u8> {
        self.files
            .iter()
            .find(|(name, _)| name == "go.mod")
            .map(|(_, content)| content.clone())
            .unwrap_or_else(|| format!("module {}\n", self.path).into_bytes())
    }

    /// The module zip, written with the zip crate.
    fn zip_with_crate(&self) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let prefix = self.mv().zip_prefix();
        for (name, content) in &self.files {
            writer
                .start_file(
                    format!("{prefix}{name}"),
                    zip::write::SimpleFileOptions::default(),
                )
                .expect("start");
            writer.write_all(content).expect("write");
        }
        writer.finish().expect("finish").into_inner()
    }
}

/// A module whose zip was written by go's own archive/zip (see `testdata/hostile/gomade/mkzip.go`).
fn go_made() -> (TestModule, Vec<u8>) {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/hostile/gomade");
    let src = base.join("src");
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&src).sort_by_file_name() {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(&src).expect("under src");
            let name = rel.to_str().expect("utf-8").replace('\\', "/");
            files.push((name, fs::read(entry.path()).expect("read")));
        }
    }
    let module = TestModule {
        path: "example.com/major/v2",
        version: "v2.1.0-RC.1",
        files,
    };
    (
        module,
        fs::read(base.join("major-v2.zip")).expect("go-made zip"),
    )
}

fn modules() -> Vec<TestModule> {
    vec![
        TestModule {
            path: "example.com/plain",
            version: "v1.0.0",
            files: vec![
                (
                    "go.mod".to_owned(),
                    b"module example.com/plain\n\ngo 1.21\n".to_vec(),
                ),
                (
                    "plain.go".to_owned(),
                    b"package plain\n\nconst X = 1\n".to_vec(),
                ),
                ("sub/deep/b.go".to_owned(), b"package deep\n".to_vec()),
                ("LICENSE".to_owned(), b"Permission is granted.\n".to_vec()),
                ("testdata/empty.txt".to_owned(), Vec::new()),
            ],
        },
        TestModule {
            path: "example.com/Upper/Case",
            version: "v1.2.3",
            files: vec![
                (
                    "go.mod".to_owned(),
                    b"module example.com/Upper/Case\n".to_vec(),
                ),
                ("Case.go".to_owned(), b"package Case\n".to_vec()),
                ("README.md".to_owned(), b"# Upper\n".to_vec()),
                (
                    "docs/naïve file.txt".to_owned(),
                    b"unicode and a space\n".to_vec(),
                ),
            ],
        },
        TestModule {
            path: "example.com/nogomod",
            version: "v0.1.0",
            files: vec![
                ("nogomod.go".to_owned(), b"package nogomod\n".to_vec()),
                (
                    "c/helper.c".to_owned(),
                    b"int helper(void) { return 1; }\n".to_vec(),
                ),
            ],
        },
    ]
}

#[test]
fn hashes_match_go_mod_download() {
    requires_go!();
    let env = GoEnv::new();
    let mut modules = modules();
    let mut published = BTreeMap::new();
    for module in &modules {
        published.insert(
            module.mv().to_string(),
            env.publish(module, &module.zip_with_crate()),
        );
    }
    let (go_module, go_zip) = go_made();
    published.insert(go_module.mv().to_string(), env.publish(&go_module, &go_zip));
    modules.push(go_module);

    let output = run(env
        .command(&env.h.root().join("work"), &env.h.proxy_url())
        .args(["mod", "download", "-json"])
        .args(modules.iter().map(|module| module.mv().to_string())));
    let downloads = support::go_downloads(&output.stdout);
    assert_eq!(downloads.len(), modules.len());

    for download in &downloads {
        assert_eq!(download.error, None, "{}", download.path);
        let module = modules
            .iter()
            .find(|module| module.path == download.path)
            .expect("a module we published");
        assert_eq!(download.version, module.version);
        let mv = module.mv();
        let label = mv.to_string();
        assert!(download.sum.starts_with("h1:"), "{label}: {}", download.sum);

        // The zip we published and the copy go stored in its cache.
        assert_eq!(
            hash_zip(&published[&label]).expect("hash"),
            download.sum,
            "{label}"
        );
        assert_eq!(
            hash_zip(Path::new(&download.zip)).expect("hash"),
            download.sum,
            "{label}"
        );
        // The tree go extracted.
        assert_eq!(
            hash_dir(Path::new(&download.dir), &label).expect("hash"),
            download.sum,
            "{label}"
        );
        // The go.mod the proxy served (synthesized for the module without one).
        assert_eq!(
            hash_gomod(&module.mod_file()),
            download.go_mod_sum,
            "{label}"
        );

        // Per-file digests agree between zip and tree, and rebuild the same hash.
        let from_zip = zip_file_digests(&published[&label]).expect("digests");
        let from_dir = dir_file_digests(Path::new(&download.dir)).expect("digests");
        assert_eq!(from_zip, from_dir, "{label}");
        assert_eq!(
            from_zip.keys().map(String::as_str).collect::<Vec<_>>(),
            {
                let mut names: Vec<&str> =
                    module.files.iter().map(|(name, _)| name.as_str()).collect();
                names.sort();
                names
            },
            "{label}"
        );
        assert_eq!(
            hash1_prefixed(&label, &from_zip).expect("hash"),
            download.sum,
            "{label}"
        );

        // Our extraction of the zip reproduces go's tree exactly.
        let dest = env
            .h
            .root()
            .join("extracted")
            .join(escape_path(&mv.path).expect("escape"));
        let dest = dest.join(escape_version(&mv.version).expect("escape"));
        extract_zip(&published[&label], &mv, &dest).expect("extract");
        assert_eq!(
            hash_dir(&dest, &label).expect("hash"),
            download.sum,
            "{label}"
        );
    }
}

/// go's HashDir follows a symbolic link to a file (hashing the target's content under the link's
/// name): `go mod verify` accepts a module whose file was swapped for such a link, and rejects
/// it once the target's content differs. `hash_dir` must agree both times.
#[cfg(unix)]
#[test]
fn symlinked_file_in_module_dir_is_hashed_like_go() {
    requires_go!();
    let env = GoEnv::new();
    let module = &modules()[0];
    env.publish(module, &module.zip_with_crate());
    let output = run(env
        .command(&env.h.root().join("work"), &env.h.proxy_url())
        .args(["mod", "download", "-json", &module.mv().to_string()]));
    let [download] = &support::go_downloads(&output.stdout)[..] else {
        panic!("one module downloaded")
    };
    let dir = PathBuf::from(&download.dir);
    let label = module.mv().to_string();

    // A main module that requires it, with the go.sum go would write.
    let main = env.h.root().join("main");
    fs::create_dir_all(&main).expect("mkdir");
    fs::write(
        main.join("go.mod"),
        format!(
            "module example.com/main\n\ngo 1.21\n\nrequire {} {}\n",
            module.path, module.version
        ),
    )
    .expect("go.mod");
    fs::write(
        main.join("go.sum"),
        format!(
            "{path} {version} {sum}\n{path} {version}/go.mod {gomod}\n",
            path = module.path,
            version = module.version,
            sum = download.sum,
            gomod = download.go_mod_sum
        ),
    )
    .expect("go.sum");
    let verify = |env: &GoEnv| {
        env.command(&main, "off")
            .args(["mod", "verify"])
            .output()
            .expect("run go mod verify")
    };
    assert!(verify(&env).status.success());

    // Swap plain.go for a link to an identical copy outside the module.
    let outside = env.h.root().join("outside.go");
    fs::copy(dir.join("plain.go"), &outside).expect("copy");
    fs::remove_file(dir.join("plain.go")).expect("remove");
    std::os::unix::fs::symlink(&outside, dir.join("plain.go")).expect("symlink");
    let output = verify(&env);
    assert!(
        output.status.success(),
        "go mod verify rejected a symlink to identical content: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(hash_dir(&dir, &label).expect("hash"), download.sum);

    // Change the target: go now reports the directory as modified, and so do we.
    fs::write(&outside, b"package plain\n\nconst X = 2\n").expect("write");
    let output = verify(&env);
    assert!(!output.status.success(), "go mod verify missed a change");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("dir has been modified"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_ne!(hash_dir(&dir, &label).expect("hash"), download.sum);
}
