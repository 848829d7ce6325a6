//! `gomodoff pack` and `unpack`, and proxy mode, with the real go as the judge: a bundle made on
//! one "machine" (the harness module cache) is unpacked on another (other paths, an empty module
//! cache) and the projects build there with only the environment `unpack` printed; hostile or
//! damaged bundles are refused with nothing written; packing is byte-reproducible.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::Digest;

use crate::support::{
    self, Harness, Snapshot, ZipEntries, assert_aborted, assert_failure, assert_injected_failure,
    assert_stderr_contains, assert_stdout_contains, assert_success, build_list, copy_dir,
    leftovers_in, names_in, printed_env, read_zip_entries, snapshot, stderr, stdout,
    write_zip_entries,
};

/// `gomodoff ARGS` in `dir` with the harness environment (no `--modcache`) plus `env`.
fn gomodoff(h: &Harness, dir: &Path, env: &[(&str, &Path)], args: &[&str]) -> Output {
    h.gomodoff_command_without_modcache(dir)
        .envs(env.iter().map(|(k, v)| (*k, v.as_os_str())))
        .args(args)
        .output()
        .unwrap()
}

/// `gomodoff unpack <bundle> <flag> <dest>` in the harness root, `flag` being `--to` or
/// `--into-modcache`.
fn unpack(h: &Harness, bundle: &Path, flag: &str, dest: &Path) -> Output {
    unpack_command(h, bundle, flag, dest).output().unwrap()
}

/// The command [`unpack`] runs, to add variables to or to start in the background.
fn unpack_command(h: &Harness, bundle: &Path, flag: &str, dest: &Path) -> Command {
    let mut cmd = h.gomodoff_command_without_modcache(h.root());
    cmd.args(["unpack", bundle.to_str().unwrap(), flag])
        .arg(dest);
    cmd
}

/// The `export K=V` lines a command printed.
/// The real go in `dir` with nothing but the basics and `printed` (plus `-modcacherw` so that
/// the temp dir can be removed, and an empty module cache unless `printed` names one).
fn go_with(h: &Harness, dir: &Path, printed: &[(String, String)], args: &[&str]) -> Output {
    let mut cmd = Command::new(h.go_binary());
    cmd.current_dir(dir)
        .env_clear()
        .env("HOME", h.home())
        .env("GOPATH", h.gopath())
        .env("GOCACHE", h.gocache())
        .env("GOENV", "off")
        .env("GOMODCACHE", h.fresh_dir("empty-modcache"));
    for keep in ["PATH", "TMPDIR"] {
        if let Some(v) = std::env::var_os(keep) {
            cmd.env(keep, v);
        }
    }
    for (k, v) in printed {
        if k == "GOFLAGS" {
            cmd.env(k, format!("{v} -modcacherw"));
        } else {
            cmd.env(k, v);
        }
    }
    cmd.args(args).output().unwrap()
}

fn sha256(path: &Path) -> String {
    hex::encode(sha2::Sha256::digest(fs::read(path).unwrap()))
}

/// Every project tidied on machine A, one bundle packed from all of them, and online build
/// lists.
struct Packed {
    dirs: Vec<PathBuf>,
    online: Vec<Vec<String>>,
    bundle: PathBuf,
}

fn pack_all(h: &Harness) -> Packed {
    let dirs: Vec<PathBuf> = support::PROJECTS.iter().map(|p| h.project(p)).collect();
    let online = dirs
        .iter()
        .map(|d| build_list(&h.go_ok(d, &["list", "-m", "all"])))
        .collect();
    let bundle = h.root().join("out/bundle.zip");
    let mut args = vec!["pack", "-o", bundle.to_str().unwrap()];
    for d in &dirs[1..] {
        args.extend(["--sync", d.to_str().unwrap()]);
    }
    let out = h.gomodoff(&dirs[0], &args);
    assert_success(&out, "gomodoff pack");
    assert_stdout_contains(&out, "gomodoff unpack");
    Packed {
        dirs,
        online,
        bundle,
    }
}

/// Copies of the projects on "machine B", at other paths.
fn machine_b(h: &Harness, p: &Packed) -> Vec<PathBuf> {
    let b = h.fresh_dir("machine-b");
    p.dirs
        .iter()
        .map(|d| {
            let to = b.join(d.file_name().unwrap());
            copy_dir(d, &to);
            to
        })
        .collect()
}

#[test]
fn a_bundle_packed_on_one_machine_builds_offline_on_another() {
    requires_go!();
    let h = Harness::new();
    let p = pack_all(&h);
    let projects_b = machine_b(&h, &p);
    let tree = h.fresh_dir("b").join("some/where/goproxy");

    // As a GOPROXY tree at any path.
    let out = unpack(&h, &p.bundle, "--to", &tree);
    assert_success(&out, "unpack --to");
    let env = printed_env(&out);
    let proxy = &env.iter().find(|(k, _)| k == "GOPROXY").unwrap().1;
    assert_eq!(
        proxy,
        &format!("file://{}", tree.display()),
        "GOPROXY never reaches the network"
    );
    for (k, want) in [
        ("GOSUMDB", "off"),
        ("GOTOOLCHAIN", "local"),
        ("GOWORK", "off"),
    ] {
        assert!(env.contains(&(k.into(), want.into())), "{k} in {env:?}");
    }
    for (dir, online) in projects_b.iter().zip(&p.online) {
        let out = go_with(&h, dir, &env, &["list", "-m", "all"]);
        assert_success(&out, "go list -m all from the unpacked tree");
        assert_eq!(&build_list(&stdout(&out)), online, "{}", dir.display());
        assert_success(
            &go_with(&h, dir, &env, &["build", "./..."]),
            "go build from the unpacked tree",
        );
    }
    let out = gomodoff(
        &h,
        h.root(),
        &[],
        &["mirror", "--verify", tree.to_str().unwrap()],
    );
    assert_success(&out, "mirror --verify of an unpacked tree");

    // Into a module cache: plain go with GOPROXY=off.
    let cache = h.fresh_dir("b-modcache");
    let out = unpack(&h, &p.bundle, "--into-modcache", &cache);
    assert_success(&out, "unpack --into-modcache");
    let env = printed_env(&out);
    assert!(env.contains(&("GOPROXY".into(), "off".into())), "{env:?}");
    assert!(
        env.contains(&("GOMODCACHE".into(), cache.display().to_string())),
        "{env:?}"
    );
    for (dir, online) in projects_b.iter().zip(&p.online) {
        let out = go_with(&h, dir, &env, &["list", "-m", "all"]);
        assert_success(&out, "go list -m all from the module cache");
        assert_eq!(&build_list(&stdout(&out)), online);
        assert_success(
            &go_with(&h, dir, &env, &["build", "./..."]),
            "go build from the module cache",
        );
        assert_success(
            &go_with(&h, dir, &env, &["mod", "verify"]),
            "go mod verify in the module cache",
        );
    }
    // `go mod download` (no arguments) too, for main modules at go ≥ 1.17 (below 1.17 go also
    // wants zips go.sum has no hash for; see pack.rs).
    for dir in &projects_b {
        let legacy = dir.ends_with("legacy116");
        let out = go_with(&h, dir, &env, &["mod", "download"]);
        assert_eq!(
            out.status.success(),
            !legacy,
            "{}: {}",
            dir.display(),
            stderr(&out)
        );
    }
    // Unpacking again into the same cache writes nothing new.
    let out = unpack(&h, &p.bundle, "--into-modcache", &cache);
    assert_success(&out, "second unpack");
    assert_stderr_contains(&out, "(0 files written");
}

#[test]
fn packing_is_byte_reproducible() {
    requires_go!();
    let h = Harness::new();
    let p = pack_all(&h);
    let again = h.root().join("out/again.zip");
    let mut args = vec!["pack", "-o", again.to_str().unwrap()];
    for d in &p.dirs[1..] {
        args.extend(["--sync", d.to_str().unwrap()]);
    }
    assert_success(&h.gomodoff(&p.dirs[0], &args), "second pack");
    assert_eq!(
        sha256(&p.bundle),
        sha256(&again),
        "the same inputs give the same bytes"
    );

    // On machine B, packing from the bundle itself and from the tree it unpacks to gives the
    // same bytes again: nothing of machine A (paths, cache state) is in the bundle.
    let projects_b = machine_b(&h, &p);
    let tree = h.fresh_dir("tree");
    let tree = tree.join("t");
    assert_success(&unpack(&h, &p.bundle, "--to", &tree), "unpack");
    for (i, from) in [&p.bundle, &tree].into_iter().enumerate() {
        let out_file = h.root().join(format!("out/from-{i}.zip"));
        let mut args = vec![
            "--from",
            from.to_str().unwrap(),
            "pack",
            "-o",
            out_file.to_str().unwrap(),
        ];
        for d in &projects_b[1..] {
            args.extend(["--sync", d.to_str().unwrap()]);
        }
        assert_success(&gomodoff(&h, &projects_b[0], &[], &args), "pack --from");
        assert_eq!(
            sha256(&p.bundle),
            sha256(&out_file),
            "pack --from {}",
            from.display()
        );
    }
}

#[test]
fn damaged_and_hostile_bundles_are_refused_with_nothing_written() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    let bundle = h.root().join("bundle.zip");
    assert_success(
        &h.gomodoff(&dir, &["pack", "-o", bundle.to_str().unwrap()]),
        "pack",
    );
    let entries = read_zip_entries(&bundle);
    let zip_name = "example.com/embedded/@v/v1.0.0.zip";
    let mod_name = "example.com/embedded/@v/v1.0.0.mod";
    let edit = |f: &dyn Fn(&mut ZipEntries)| {
        let mut e = entries.clone();
        f(&mut e);
        e
    };
    let flip_in = |name: &'static str| {
        move |e: &mut ZipEntries| {
            let data = &mut e.iter_mut().find(|(n, _)| n == name).unwrap().1;
            let mid = data.len() / 2;
            data[mid] ^= 1;
        }
    };
    let cases: Vec<(&str, ZipEntries, &str)> = vec![
        (
            "a flipped byte in a module zip",
            edit(&flip_in(zip_name)),
            "example.com/embedded",
        ),
        (
            "a flipped byte in a go.mod",
            edit(&flip_in(mod_name)),
            mod_name,
        ),
        (
            "a missing module",
            edit(&|e| e.retain(|(n, _)| n != zip_name)),
            "missing",
        ),
        (
            "an extra entry escaping the target",
            edit(&|e| e.push(("../../evil.txt".into(), b"x".to_vec()))),
            "unexpected entry `../../evil.txt`",
        ),
        (
            "an extra module the manifest does not list",
            edit(&|e| {
                e.push((
                    "example.com/evil/@v/v1.0.0.mod".into(),
                    b"module example.com/evil\n".to_vec(),
                ))
            }),
            "unexpected entry `example.com/evil/@v/v1.0.0.mod`",
        ),
        (
            "no manifest",
            edit(&|e| e.retain(|(n, _)| n != "gomodoff-manifest.toml")),
            "not a bundle made by `gomodoff pack`",
        ),
    ];
    let mut bundles: Vec<(String, PathBuf, String)> = Vec::new();
    for (i, (what, e, want)) in cases.into_iter().enumerate() {
        let path = h.root().join(format!("hostile-{i}.zip"));
        write_zip_entries(&path, &e);
        bundles.push((what.to_string(), path, want.to_string()));
    }
    // Two entries with the same name (the zip writer refuses to make one: patch the name).
    {
        let mut e = entries.clone();
        let dup = e.iter().find(|(n, _)| n == mod_name).unwrap().1.clone();
        e.push((mod_name.replace(".mod", ".mox"), dup));
        let path = h.root().join("duplicate.zip");
        write_zip_entries(&path, &e);
        let mut bytes = fs::read(&path).unwrap();
        let (from, to) = (b"v1.0.0.mox", b"v1.0.0.mod");
        while let Some(at) = bytes.windows(from.len()).position(|w| w == from) {
            bytes[at..at + to.len()].copy_from_slice(to);
        }
        fs::write(&path, bytes).unwrap();
        bundles.push(("a duplicate entry".into(), path, "same name".into()));
    }
    // One flipped byte in the bundle file itself (inside a stored module zip): its CRC fails.
    {
        let mut bytes = fs::read(&bundle).unwrap();
        let inner = &entries.iter().find(|(n, _)| n == zip_name).unwrap().1;
        let at = bytes
            .windows(inner.len())
            .position(|w| w == &inner[..])
            .unwrap();
        bytes[at + inner.len() / 2] ^= 0x20;
        let path = h.root().join("flipped-raw.zip");
        fs::write(&path, bytes).unwrap();
        bundles.push((
            "a flipped byte in the bundle file".into(),
            path,
            "refusing bundle".into(),
        ));
    }

    let target_parent = h.fresh_dir("targets");
    let cache = h.fresh_dir("cache");
    assert_success(
        &unpack(&h, &bundle, "--into-modcache", &cache),
        "the good bundle installs",
    );
    let cache_before = snapshot(&cache);
    for (what, path, want) in &bundles {
        let target = target_parent.join("tree");
        let out = unpack(&h, path, "--to", &target);
        assert_eq!(out.status.code(), Some(2), "{what}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(want.as_str()),
            "{what}: want {want:?} in\n{}",
            stderr(&out)
        );
        assert!(stdout(&out).is_empty(), "{what}: no env printed");
        assert!(!target.exists(), "{what}: nothing written");
        assert_eq!(
            fs::read_dir(&target_parent).unwrap().count(),
            0,
            "{what}: no staging left"
        );
        let out = unpack(&h, path, "--into-modcache", &cache);
        assert_eq!(out.status.code(), Some(2), "{what} into a module cache");
        assert_eq!(
            snapshot(&cache),
            cache_before,
            "{what}: module cache untouched"
        );
        // Nor can it be used as a module source.
        let out = h.gomodoff(
            &dir,
            &["--from", path.to_str().unwrap(), "vendor", "--dry-run"],
        );
        assert_failure(&out, &format!("{what}: --from"));
    }
}

#[test]
fn vendoring_from_a_bundle_builds_offline() {
    requires_go!();
    let h = Harness::new();
    let p = pack_all(&h);
    let projects_b = machine_b(&h, &p);
    let empty = h.fresh_dir("empty");
    for (dir, online) in projects_b.iter().zip(&p.online) {
        let out = gomodoff(
            &h,
            dir,
            &[("GOMODCACHE", &empty)],
            &["--from", p.bundle.to_str().unwrap(), "vendor", "--yes"],
        );
        assert_success(&out, "vendor --from bundle");
        let out = h.go_offline(dir, &["list", "-m", "all"]);
        assert_success(&out, "offline list");
        assert_eq!(&build_list(&stdout(&out)), online);
        assert_success(&h.go_offline(dir, &["build", "./..."]), "offline build");
        let lock = fs::read_to_string(dir.join("gomodoff.lock")).unwrap();
        assert!(lock.contains("origin = \"bundle\"\n"), "{lock}");
    }
}

#[test]
fn download_fetches_what_the_cache_lacks_through_go() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    let empty = h.fresh_dir("empty-cache");
    let bundle = h.root().join("b.zip");
    let args = [
        "--modcache",
        empty.to_str().unwrap(),
        "pack",
        "-o",
        bundle.to_str().unwrap(),
    ];
    let out = gomodoff(&h, &dir, &[], &args);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_stderr_contains(&out, "has no .mod in module cache");
    let mut with_download = args.to_vec();
    with_download.push("--download");
    let out = gomodoff(&h, &dir, &[], &with_download);
    assert_success(&out, "pack --download");
    assert!(
        empty
            .join("cache/download/example.com/embedded/@v/v1.0.0.zip")
            .is_file()
    );
    let first = sha256(&bundle);
    let out = h.gomodoff(&dir, &["pack", "-o", bundle.to_str().unwrap()]);
    assert_success(&out, "pack from the full cache");
    assert_eq!(sha256(&bundle), first);
}

#[test]
fn toolchain_needs_a_release_and_one_the_cache_has() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("cgo");
    // go.mod's `go 1.21` is a language version: which 1.21.x go would switch to is the network's
    // answer, so the release must be named.
    let out = h.gomodoff(&dir, &["pack", "--toolchain"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(&out, "`go1.21` is not a go release");
    assert_stderr_contains(&out, "--toolchain go1.X.Y");
    // A release the module cache does not hold (and no --download): named, nothing written.
    let out = h.gomodoff(
        &dir,
        &[
            "pack",
            "--toolchain",
            "go1.98.0",
            "--platform",
            "linux/arm64",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(
        &out,
        "golang.org/toolchain@v0.0.1-go1.98.0.linux-arm64 was never downloaded here",
    );
    assert!(!dir.join("gomodoff-bundle.zip").exists());
}

fn lines_of(out: &Output) -> String {
    format!("{}{}", stdout(out), stderr(out))
}

#[test]
fn proxy_mode_builds_offline_and_restores_exactly() {
    requires_go!();
    let h = Harness::new();
    for name in support::PROJECTS {
        let dir = h.project(name);
        let online = build_list(&h.go_ok(&dir, &["list", "-m", "all"]));
        let before = snapshot(&dir);
        let out = h.gomodoff(&dir, &["vendor", "--mode", "proxy", "--yes"]);
        assert_success(&out, "vendor --mode proxy");
        assert!(stdout(&out).contains("added"), "{}", lines_of(&out));
        let now = snapshot(&dir);
        for f in ["go.mod", "go.sum"] {
            assert_eq!(
                now.0.get(f),
                before.0.get(f),
                "{name}: proxy mode never edits {f}"
            );
        }
        let tree = dir.join(".gomodoff/proxy");
        assert!(tree.join("gomodoff-manifest.toml").is_file());

        let out = h.gomodoff(&dir, &["env"]);
        assert_success(&out, "env");
        let env = printed_env(&out);
        assert!(
            env.contains(&("GOPROXY".into(), format!("file://{}", tree.display()))),
            "{env:?}"
        );
        let out = go_with(&h, &dir, &env, &["list", "-m", "all"]);
        assert_success(&out, "go list -m all with the printed env");
        assert_eq!(build_list(&stdout(&out)), online, "{name}");
        assert_success(
            &go_with(&h, &dir, &env, &["build", "./..."]),
            "go build with the printed env",
        );
        let out = h.gomodoff(&dir, &["check"]);
        assert_success(&out, "check");
        for args in [&["verify"][..], &["status", "--check"]] {
            assert_success(&h.gomodoff(&dir, args), &format!("{name}: {args:?}"));
        }
        let out = h.gomodoff(&dir, &["vendor", "--yes"]);
        assert_success(&out, "second vendor");
        assert_stderr_contains(&out, "nothing to do");

        let out = h.gomodoff(&dir, &["restore", "--yes"]);
        assert_success(&out, "restore");
        let mut after = snapshot(&dir);
        // `go build ./...` of a single main package writes its binary; that is go's, not ours.
        after.0.retain(|k, _| before.0.contains_key(k));
        assert_eq!(
            after, before,
            "{name}: restore leaves the repository as it was"
        );
        assert!(!dir.join(".gomodoff").exists());
    }
}

#[test]
fn proxy_mode_verify_names_damage_and_a_bump_rewrites_only_that_module() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("legacy116");
    assert_success(
        &h.gomodoff(&dir, &["vendor", "--mode", "proxy", "--yes"]),
        "vendor",
    );
    let tree = dir.join(".gomodoff/proxy");
    let zip = tree.join("example.com/old116/@v/v1.0.0.zip");
    let good = fs::read(&zip).unwrap();
    let mut bad = good.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 1;
    fs::write(&zip, &bad).unwrap();
    fs::write(tree.join("example.com/old116/@v/stray.txt"), "x").unwrap();
    let out = h.gomodoff(&dir, &["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", lines_of(&out));
    let text = stdout(&out);
    assert!(
        text.contains("`example.com/old116/@v/v1.0.0.zip`: "),
        "{text}"
    );
    assert!(
        text.contains("`example.com/old116/@v/stray.txt`: is not in the manifest"),
        "{text}"
    );
    fs::write(&zip, &good).unwrap();
    fs::remove_file(tree.join("example.com/old116/@v/stray.txt")).unwrap();
    assert_success(&h.gomodoff(&dir, &["verify"]), "verify after repair");

    let untouched = fs::metadata(&zip).unwrap().modified().unwrap();
    h.go_ok(&dir, &["get", "example.com/multi@v1.2.0"]);
    let out = h.gomodoff(&dir, &["status", "--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", lines_of(&out));
    assert_stdout_contains(&out, "go.mod: requires example.com/multi v1.2.0 (new)");
    let out = h.gomodoff(&dir, &["vendor", "--yes"]);
    assert_success(&out, "vendor after the bump");
    let text = stdout(&out);
    assert!(text.contains("  + example.com/multi@v1.2.0"), "{text}");
    assert!(text.contains("  ~ example.com/multi@v1.1.0"), "{text}");
    assert!(text.contains("1 added, 1 updated, 0 removed"), "{text}");
    assert_eq!(
        fs::metadata(&zip).unwrap().modified().unwrap(),
        untouched,
        "other modules are not rewritten"
    );
    assert_eq!(
        fs::read_to_string(tree.join("example.com/multi/@v/list")).unwrap(),
        "v1.0.0\nv1.1.0\nv1.2.0\n"
    );
    assert_success(&h.gomodoff(&dir, &["check"]), "check after the bump");
    assert_success(&h.gomodoff(&dir, &["verify"]), "verify after the bump");
}

#[test]
fn proxy_mode_failing_at_any_step_leaves_the_repository_as_it_was() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    let before = snapshot(&dir);
    for step in [
        "extract",
        "journal",
        "rename-tree",
        "write:gomodoff.lock",
        "commit",
    ] {
        let out = h.gomodoff_with_env(
            &dir,
            &[("GOMODOFF_FAIL_AT", step)],
            &["vendor", "--mode", "proxy", "--yes"],
        );
        assert_injected_failure(&out, step);
        assert_eq!(
            snapshot(&dir),
            before,
            "repository changed after failing at {step}"
        );
    }
    // A repository vendored in one mode does not switch silently.
    assert_success(
        &h.gomodoff(&dir, &["vendor", "--mode", "proxy", "--yes"]),
        "vendor",
    );
    let out = h.gomodoff(&dir, &["vendor", "--mode", "replace", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(&out, "vendored in proxy mode");
}

/// A module of the build list whose go.mod the pruned graph never loads (required only by a
/// go ≥ 1.17 dependency) has no go.sum line at all; go reads just its `.info`, and so the bundle
/// and proxy mode hold just that. (Real case: github.com/go-playground/assert/v2 in gin v1.9.1.)
#[test]
fn a_pruned_requirement_needs_only_its_info() {
    requires_go!();
    let h = Harness::new();
    let (dir, online) = h.pruned_requirement_project_listed();

    let bundle = h.root().join("pruned.zip");
    assert_success(
        &h.gomodoff(&dir, &["pack", "-o", bundle.to_str().unwrap()]),
        "pack",
    );
    let names: Vec<String> = read_zip_entries(&bundle)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(
        names.contains(&"example.com/multi/v2/@v/v2.0.0.info".to_string()),
        "{names:?}"
    );
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("example.com/multi/v2/@v/v2.0.0.") && !n.ends_with(".info")),
        "{names:?}"
    );
    let tree = h.fresh_dir("t").join("tree");
    let out = unpack(&h, &bundle, "--to", &tree);
    assert_success(&out, "unpack");
    let env = printed_env(&out);
    let out = go_with(&h, &dir, &env, &["list", "-m", "all"]);
    assert_success(&out, "go list -m all");
    assert_eq!(build_list(&stdout(&out)), online);
    assert_success(&go_with(&h, &dir, &env, &["build", "./..."]), "go build");
    assert_success(
        &go_with(&h, &dir, &env, &["mod", "download"]),
        "go mod download",
    );

    assert_success(
        &h.gomodoff(&dir, &["vendor", "--mode", "proxy", "--yes"]),
        "proxy mode",
    );
    for args in [&["check"][..], &["verify"], &["status", "--check"]] {
        assert_success(&h.gomodoff(&dir, args), &format!("{args:?}"));
    }
}

/// `gomodoff pack` of a tidied test project into `<harness root>/<name>.zip`.
fn pack_project(h: &Harness, name: &str) -> PathBuf {
    let dir = h.project(name);
    let bundle = h.root().join(format!("{name}.zip"));
    assert_success(
        &h.gomodoff(&dir, &["pack", "-o", bundle.to_str().unwrap()]),
        "pack",
    );
    bundle
}

/// `gomodoff mirror --verify DIR`.
fn verify_tree(h: &Harness, tree: &Path) -> Output {
    gomodoff(
        h,
        h.root(),
        &[],
        &["mirror", "--verify", tree.to_str().unwrap()],
    )
}

/// The fault points of `unpack`, in the order a run reaches them; only the first is reached
/// before a new tree's single rename.
const UNPACK_STEPS: [&str; 4] = [
    "unpack:staged",
    "unpack:merge:first-moved",
    "unpack:merge:moved",
    "unpack:merge:listed",
];

/// A run killed at each step leaves its staging directory beside the target, which
/// `mirror --verify` names as such; the next run removes it and completes the install, and the
/// result equals an uninterrupted install, passes `mirror --verify` and has no leftovers.
#[test]
fn an_unpack_killed_at_any_step_is_completed_by_the_next_run() {
    requires_go!();
    let h = Harness::new();
    let base = pack_project(&h, "legacy116");
    let bundle = pack_project(&h, "basic");
    let new_tree = |label: &str| h.fresh_dir(label).join("tree");
    let merge_tree = |label: &str| {
        let tree = new_tree(label);
        assert_success(&unpack(&h, &base, "--to", &tree), "unpack the base tree");
        tree
    };
    // What uninterrupted runs install.
    let reference = |tree: &Path, flag: &str| {
        assert_success(&unpack(&h, &bundle, flag, tree), "reference unpack");
        snapshot(tree)
    };
    let want_new = reference(&new_tree("ref-new"), "--to");
    let want_merged = reference(&merge_tree("ref-merge"), "--to");
    let want_cache = reference(&h.fresh_dir("ref-cache"), "--into-modcache");

    for step in UNPACK_STEPS {
        let cases: Vec<(&str, &str, PathBuf, &Snapshot)> = [
            (step == "unpack:staged").then(|| ("new tree", "--to", new_tree("new"), &want_new)),
            Some(("merge", "--to", merge_tree("merge"), &want_merged)),
            Some((
                "module cache",
                "--into-modcache",
                h.fresh_dir("cache"),
                &want_cache,
            )),
        ]
        .into_iter()
        .flatten()
        .collect();
        for (what, flag, target, want) in cases {
            let what = format!("{what}, killed at {step}");
            let out = unpack_command(&h, &bundle, flag, &target)
                .env("GOMODOFF_ABORT_AT", step)
                .output()
                .unwrap();
            assert_aborted(&out, &what);
            // The tree that holds the files, and the directory its staging directory is in.
            let (tree, parent) = if flag == "--to" {
                (target.clone(), target.parent().unwrap().to_path_buf())
            } else {
                (target.join("cache/download"), target.join("cache"))
            };
            let staging = parent.join(format!(
                ".{}.gomodoff-staging",
                tree.file_name().unwrap().to_string_lossy()
            ));
            assert!(staging.is_dir(), "{what}: the kill leaves the staging dir");
            if tree.join("gomodoff-manifest.toml").is_file() {
                let out = verify_tree(&h, &tree);
                assert_eq!(out.status.code(), Some(1), "{what}: {}", stderr(&out));
                assert_stdout_contains(
                    &out,
                    "`../.tree.gomodoff-staging`: is the staging directory beside this tree, left by an interrupted gomodoff run; run `gomodoff mirror` or `gomodoff unpack` into this tree again to clear it",
                );
            }

            let out = unpack(&h, &bundle, flag, &target);
            assert_success(&out, &format!("{what}: the next run"));
            assert_stderr_contains(&out, "left by an interrupted gomodoff run");
            assert_eq!(
                names_in(&parent),
                [tree.file_name().unwrap().to_string_lossy()],
                "{what}: nothing beside the tree"
            );
            assert_eq!(leftovers_in(&target), Vec::<PathBuf>::new(), "{what}");
            assert_eq!(&snapshot(&target), want, "{what}: as if never interrupted");
            if flag == "--to" {
                assert_success(&verify_tree(&h, &tree), &format!("{what}: mirror --verify"));
            }
        }
    }
}

/// What a killed run leaves — a `.gomodoff-tmp-*` file inside the tree, the staging directory
/// beside it, a `.gomodoff-unpack-*` directory inside it (where gomodoff 0.1 staged) — is named
/// by `mirror --verify` as a leftover, not as a file missing from the manifest, and removed by
/// the next `unpack` into the tree or module cache.
#[test]
fn leftovers_are_named_by_verify_and_cleared_by_the_next_unpack() {
    requires_go!();
    let h = Harness::new();
    let bundle = pack_project(&h, "basic");
    let parent = h.fresh_dir("left");
    let tree = parent.join("tree");
    assert_success(&unpack(&h, &bundle, "--to", &tree), "unpack");
    let clean = snapshot(&tree);

    let tmp = tree.join("example.com/embedded/@v/.gomodoff-tmp-x");
    fs::write(&tmp, "half a list").unwrap();
    let staging = parent.join(".tree.gomodoff-staging");
    fs::create_dir_all(staging.join("example.com/embedded/@v")).unwrap();
    fs::write(staging.join("example.com/embedded/@v/v1.0.0.mod"), "x").unwrap();
    let old = tree.join(".gomodoff-unpack-AbC123");
    fs::create_dir_all(old.join("example.com/embedded/@v")).unwrap();
    fs::write(old.join("example.com/embedded/@v/v1.0.0.mod"), "x").unwrap();

    let out = verify_tree(&h, &tree);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let hint = "left by an interrupted gomodoff run; run `gomodoff mirror` or `gomodoff unpack` into this tree again to clear it";
    for want in [
        format!("`example.com/embedded/@v/.gomodoff-tmp-x`: is a temporary file {hint}"),
        format!("`../.tree.gomodoff-staging`: is the staging directory beside this tree, {hint}"),
        format!("`.gomodoff-unpack-AbC123`: is a staging directory {hint}"),
    ] {
        assert_stdout_contains(&out, &want);
    }
    assert!(
        !stdout(&out).contains("not in the manifest"),
        "{}",
        stdout(&out)
    );

    let out = unpack(&h, &bundle, "--to", &tree);
    assert_success(&out, "unpack again");
    for path in [&tmp, &staging, &old] {
        assert_stderr_contains(&out, &format!("Removed `{}`", path.display()));
        assert!(!path.exists(), "{}", path.display());
    }
    assert_success(
        &verify_tree(&h, &tree),
        "mirror --verify after the next unpack",
    );
    assert_eq!(snapshot(&tree), clean);
    assert_eq!(names_in(&parent), ["tree"]);

    // The same in a module cache.
    let cache = h.fresh_dir("left-cache");
    assert_success(&unpack(&h, &bundle, "--into-modcache", &cache), "unpack");
    let clean = snapshot(&cache);
    let tmp = cache.join("cache/download/example.com/embedded/@v/.gomodoff-tmp-y");
    fs::write(&tmp, "half a list").unwrap();
    let staging = cache.join("cache/.download.gomodoff-staging");
    fs::create_dir_all(&staging).unwrap();
    fs::write(staging.join("gomodoff-manifest.toml"), "x").unwrap();
    let out = unpack(&h, &bundle, "--into-modcache", &cache);
    assert_success(&out, "unpack into the module cache again");
    assert!(!tmp.exists() && !staging.exists(), "{}", stderr(&out));
    assert_eq!(snapshot(&cache), clean);
}

/// Two unpacks into one target at the same time: the target is locked before anything is
/// staged, so each run either installs or stops with "another gomodoff is running", and the
/// tree ends complete with nothing left beside it.
#[test]
fn two_unpacks_into_one_target_at_once() {
    requires_go!();
    let h = Harness::new();
    let base = pack_project(&h, "legacy116");
    let bundle = pack_project(&h, "basic");
    for merge in [false, true] {
        let parent = h.fresh_dir("both");
        let tree = parent.join("tree");
        if merge {
            assert_success(&unpack(&h, &base, "--to", &tree), "base");
        }
        let runs: Vec<_> = (0..2)
            .map(|_| {
                unpack_command(&h, &bundle, "--to", &tree)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outs: Vec<Output> = runs
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        for out in &outs {
            assert!(
                out.status.success() || stderr(out).contains("another gomodoff is running"),
                "merge={merge}: {}",
                stderr(out)
            );
        }
        assert!(outs.iter().any(|o| o.status.success()), "merge={merge}");
        assert_success(&verify_tree(&h, &tree), "mirror --verify");
        assert_eq!(names_in(&parent), ["tree"]);
        assert_eq!(leftovers_in(&tree), Vec::<PathBuf>::new());
    }
}

/// A proxy-mode run whose plan changes only gomodoff.lock (go.mod got a comment) leaves no
/// staging directory behind (the crash harness found `.gomodoff-staging/` left by such a run).
#[test]
fn a_proxy_mode_run_that_moves_no_tree_leaves_no_staging() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("legacy116");
    assert_success(
        &h.gomodoff(&dir, &["vendor", "--mode", "proxy", "--yes"]),
        "proxy mode",
    );
    let gomod = fs::read_to_string(dir.join("go.mod")).unwrap();
    fs::write(dir.join("go.mod"), format!("// a comment of mine\n{gomod}")).unwrap();
    assert_success(
        &h.gomodoff(&dir, &["vendor", "--mode", "proxy", "--yes"]),
        "proxy mode again",
    );
    assert!(!dir.join(".gomodoff-staging").exists(), "no staging left");
    assert!(!dir.join(".gomodoff-txn").exists(), "no journal left");
    assert_success(&h.gomodoff(&dir, &["verify"]), "verify");
}
