//! A cloned repository is untrusted input: a crafted `gomodoff.lock` or `gomodoff.toml`, or a
//! symbolic link where gomodoff lays out trees, must not make any mutating command delete or
//! write outside the repository. Each case builds a hostile repository from the fixture projects
//! (served by the harness's `GOPROXY=file://` tree, so no network) next to a canary directory in
//! the system temp directory, runs every mutating command that applies, and checks: exit code 2,
//! a message naming the file or path and why, the canary byte-identical (paths, kinds, modes,
//! symbolic link targets, contents) and the repository unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Component, Path, PathBuf};

use tempfile::TempDir;

use crate::support::{self, Harness, assert_success, snapshot, stderr};

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link)
        .unwrap_or_else(|e| panic!("symlink {} -> {}: {e}", link.display(), target.display()));
}

/// A directory outside every repository, in the system temp dir, holding files gomodoff must
/// never touch; `seed` (a directory) is copied into it first, so that names gomodoff would look
/// for (module trees, `vendor/` files) exist there, and every directory gets a file of its own,
/// so that a tree replaced by identical bytes still shows.
struct Canary {
    dir: TempDir,
}

impl Canary {
    fn new(seed: Option<&Path>) -> Canary {
        let dir = tempfile::Builder::new()
            .prefix("gomodoff-canary-")
            .tempdir()
            .expect("create the canary dir");
        if let Some(seed) = seed {
            support::copy_dir(seed, dir.path());
            for e in walkdir::WalkDir::new(dir.path()) {
                let e = e.unwrap();
                if e.file_type().is_dir() {
                    fs::write(e.path().join("canary-marker"), "mine\n").unwrap();
                }
            }
        }
        fs::write(dir.path().join("precious.txt"), "do not delete\n").unwrap();
        fs::create_dir_all(dir.path().join("sub/deep")).unwrap();
        fs::write(dir.path().join("sub/deep/data.bin"), [0u8, 1, 2, 255]).unwrap();
        Canary { dir }
    }

    /// The canary's path, with any symbolic link in the temp dir's own path resolved, so that
    /// a relative `..` path from a repository lands on it.
    fn path(&self) -> PathBuf {
        self.dir.path().canonicalize().unwrap()
    }
}

/// The fixture project `basic` (go.sum written, module cache filled), and copies of it: as it
/// is, vendored in replace mode, in vendor mode, in proxy mode.
struct Repos {
    h: Harness,
    pristine: PathBuf,
    replace: PathBuf,
    vendor: PathBuf,
    proxy: PathBuf,
}

impl Repos {
    fn new() -> Repos {
        let h = Harness::new();
        let pristine = h.project("basic");
        let vendored = |args: &[&str]| {
            let dir = copy(&h, &pristine);
            let out = h.gomodoff(&dir, args);
            assert_success(&out, &format!("gomodoff {}", args.join(" ")));
            dir
        };
        let replace = vendored(&["vendor", "--yes"]);
        let vendor = vendored(&["vendor", "--mode", "vendor", "--yes"]);
        let proxy = vendored(&["vendor", "--mode", "proxy", "--yes"]);
        assert!(replace.join("third_party/gomod").is_dir());
        assert!(vendor.join("vendor/modules.txt").is_file());
        assert!(proxy.join(".gomodoff/proxy").is_dir());
        Repos {
            h,
            pristine,
            replace,
            vendor,
            proxy,
        }
    }

    /// A fresh copy of one of the repositories, to make hostile.
    fn copy(&self, of: &Path) -> PathBuf {
        copy(&self.h, of)
    }

    /// Run `gomodoff ARGS` in `repo` and check that it is refused: exit code 2, every one of
    /// `needles` in the message, and neither the canary nor the repository changed.
    fn assert_refused(&self, repo: &Path, args: &[&str], canary: &Canary, needles: &[&str]) {
        let canary_before = snapshot(&canary.path());
        let repo_before = snapshot(repo);
        let out = self.h.gomodoff(repo, args);
        let err = stderr(&out);
        let what = format!("gomodoff {} in {}", args.join(" "), repo.display());
        // The worst failure first: something outside the repository changed.
        assert_eq!(
            snapshot(&canary.path()),
            canary_before,
            "{what}: the canary outside the repository changed (exit {:?})\n{err}",
            out.status.code()
        );
        assert_eq!(
            snapshot(repo),
            repo_before,
            "{what}: the repository changed (exit {:?})\n{err}",
            out.status.code()
        );
        assert_eq!(out.status.code(), Some(2), "{what}: exit code\n{err}");
        assert!(!err.contains("panicked"), "{what}: panic\n{err}");
        for n in needles {
            assert!(err.contains(n), "{what}: the message names `{n}`:\n{err}");
        }
        assert!(
            err.contains("nothing was changed"),
            "{what}: says nothing was changed:\n{err}"
        );
    }
}

fn copy(h: &Harness, of: &Path) -> PathBuf {
    h.copy_of(of, "hostile").canonicalize().unwrap()
}

/// `to` as a relative path from the directory `from` (both absolute and free of links):
/// `../../…/to`.
fn relative(from: &Path, to: &Path) -> String {
    let ups = from
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .count();
    let down = to.strip_prefix("/").unwrap();
    format!("{}{}", "../".repeat(ups), down.display())
}

/// Replace the first `from` in `repo`'s gomodoff.lock with `to`.
fn edit_lock(repo: &Path, from: &str, to: &str) {
    let path = repo.join("gomodoff.lock");
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "the lock has `{from}`:\n{text}");
    fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// A module entry at the end of `repo`'s lock whose `dir` is `dir` (as in the review's F2).
fn append_module(repo: &Path, dir: &str) {
    let path = repo.join("gomodoff.lock");
    let mut text = fs::read_to_string(&path).unwrap();
    text.push_str(&format!(
        "\n[[module]]\npath = \"example.com/gone\"\nversion = \"v1.0.0\"\ntier = \"gomod\"\ndir = \"{dir}\"\ngomod_h1 = \"h1:1pkq5fKqScpSk4o+z2SGVKUkl0v0Ces4TVOgDvGybUw=\"\norigin = \"x\"\nreplace_path = \"example.com/gone\"\nreplace_version = \"v1.0.0\"\n"
    ));
    fs::write(&path, text).unwrap();
}

/// The first module tree directory of a replace-mode repository (relative to the tree dir).
fn first_tree(repo: &Path) -> String {
    let lock =
        gomodoff::lock::LockFile::parse(&fs::read_to_string(repo.join("gomodoff.lock")).unwrap())
            .unwrap();
    let m = lock
        .modules
        .iter()
        .find(|m| m.tier == gomodoff::lock::Tier::Full)
        .expect("a whole module tree");
    m.dir.clone()
}

#[test]
fn a_crafted_lock_deletes_nothing_outside_the_repository() {
    requires_go!();
    let r = Repos::new();
    let trees = r.replace.join("third_party/gomod");

    // Replace mode, the lock's `dir` absolute: restore would delete the module trees there.
    let canary = Canary::new(Some(&trees));
    let repo = r.copy(&r.replace);
    let abs = canary.path().display().to_string();
    edit_lock(
        &repo,
        "dir = \"third_party/gomod\"",
        &format!("dir = \"{abs}\""),
    );
    for args in [&["restore", "--yes"][..], &["vendor", "--yes"]] {
        r.assert_refused(
            &repo,
            args,
            &canary,
            &["gomodoff.lock", &format!("`dir` = `{abs}` is absolute")],
        );
    }

    // A module `dir` escaping the tree directory by `..` onto the canary: vendor drops the
    // module it no longer needs, restore removes every module's tree.
    let canary = Canary::new(None);
    let repo = r.copy(&r.replace);
    let escape = relative(&repo.join("third_party/gomod"), &canary.path());
    append_module(&repo, &escape);
    for args in [&["vendor", "--yes"][..], &["restore", "--yes"]] {
        r.assert_refused(
            &repo,
            args,
            &canary,
            &[
                "gomodoff.lock",
                "module #",
                &format!("`dir` = `{escape}` contains `..`"),
            ],
        );
    }

    // A plain relative module `dir` that is not the module's own layout name: another tree (or
    // a directory of the user's) would go.
    let canary = Canary::new(None);
    let repo = r.copy(&r.replace);
    append_module(&repo, "example.com/other@v1.0.0");
    for args in [&["vendor", "--yes"][..], &["restore", "--yes"]] {
        r.assert_refused(
            &repo,
            args,
            &canary,
            &[
                "gomodoff.lock",
                "is not where gomodoff lays out this module",
            ],
        );
    }

    // Proxy mode, the lock's `dir` absolute: restore would delete the whole directory.
    let canary = Canary::new(None);
    let repo = r.copy(&r.proxy);
    let abs = canary.path().display().to_string();
    edit_lock(
        &repo,
        "dir = \".gomodoff/proxy\"",
        &format!("dir = \"{abs}\""),
    );
    for args in [
        &["restore", "--yes"][..],
        &["vendor", "--mode", "proxy", "--yes"],
    ] {
        r.assert_refused(
            &repo,
            args,
            &canary,
            &["gomodoff.lock", &format!("`dir` = `{abs}` is absolute")],
        );
    }

    // Vendor mode, a backup dir outside: restore would copy it into vendor/ and delete its
    // parent directory.
    let canary = Canary::new(None);
    let repo = r.copy(&r.vendor);
    let backup = canary.path().join("sub").display().to_string();
    edit_lock(
        &repo,
        "vendor_sum_sha256 = ",
        &format!("vendor_backup = \"{backup}\"\nvendor_sum_sha256 = "),
    );
    for args in [
        &["restore", "--yes"][..],
        &["vendor", "--mode", "vendor", "--yes"],
    ] {
        r.assert_refused(
            &repo,
            args,
            &canary,
            &[
                "gomodoff.lock",
                &format!("`vendor_backup` = `{backup}` is absolute"),
            ],
        );
    }
}

#[cfg(unix)]
#[test]
fn a_symlinked_tree_directory_is_refused_before_a_byte_is_written() {
    requires_go!();
    let r = Repos::new();
    let trees = r.replace.join("third_party/gomod");

    // `third_party/gomod` a link out of the repository, holding trees gomodoff would count as
    // present and replace: a first vendor; and a vendored repository whose trees moved there.
    let canary = Canary::new(Some(&trees));
    let fresh = r.copy(&r.pristine);
    fs::create_dir(fresh.join("third_party")).unwrap();
    symlink(&canary.path(), &fresh.join("third_party/gomod"));
    let vendored = r.copy(&r.replace);
    fs::remove_dir_all(vendored.join("third_party/gomod")).unwrap();
    symlink(&canary.path(), &vendored.join("third_party/gomod"));
    let link = |repo: &Path| {
        format!(
            "symbolic link `{}`",
            repo.join("third_party/gomod").display()
        )
    };
    r.assert_refused(
        &fresh,
        &["vendor", "--yes"],
        &canary,
        &["`third_party/gomod`", &link(&fresh)],
    );
    for args in [&["vendor", "--yes"][..], &["restore", "--yes"]] {
        r.assert_refused(
            &vendored,
            args,
            &canary,
            &["gomodoff.lock", "`third_party/gomod`", &link(&vendored)],
        );
    }

    // An intermediate directory, `third_party`, a link out.
    let seed = r.h.fresh_dir("seed");
    support::copy_dir(&trees, &seed.join("gomod"));
    let canary = Canary::new(Some(&seed));
    let fresh = r.copy(&r.pristine);
    symlink(&canary.path(), &fresh.join("third_party"));
    let vendored = r.copy(&r.replace);
    fs::remove_dir_all(vendored.join("third_party")).unwrap();
    symlink(&canary.path(), &vendored.join("third_party"));
    let link = |repo: &Path| format!("symbolic link `{}`", repo.join("third_party").display());
    r.assert_refused(
        &fresh,
        &["vendor", "--yes"],
        &canary,
        &["`third_party/gomod`", &link(&fresh)],
    );
    for args in [&["vendor", "--yes"][..], &["restore", "--yes"]] {
        r.assert_refused(
            &vendored,
            args,
            &canary,
            &["gomodoff.lock", &link(&vendored)],
        );
    }

    // One module's tree a link out: restore would remove it, vendor would keep building from it.
    let tree = first_tree(&r.replace);
    let seed = r.h.fresh_dir("seed");
    support::copy_dir(&trees.join(&tree), &seed.join("tree"));
    let canary = Canary::new(Some(&seed));
    let vendored = r.copy(&r.replace);
    let in_repo = vendored.join("third_party/gomod").join(&tree);
    fs::remove_dir_all(&in_repo).unwrap();
    symlink(&canary.path().join("tree"), &in_repo);
    for args in [&["restore", "--yes"][..], &["vendor", "--yes"]] {
        r.assert_refused(
            &vendored,
            args,
            &canary,
            &[
                "gomodoff.lock",
                &format!("symbolic link `{}`", in_repo.display()),
            ],
        );
    }

    // The proxy mode tree's parent `.gomodoff` a link out.
    let canary = Canary::new(None);
    let fresh = r.copy(&r.pristine);
    symlink(&canary.path(), &fresh.join(".gomodoff"));
    r.assert_refused(
        &fresh,
        &["vendor", "--mode", "proxy", "--yes"],
        &canary,
        &[
            "`.gomodoff/proxy`",
            &format!("symbolic link `{}`", fresh.join(".gomodoff").display()),
        ],
    );
}

#[cfg(unix)]
#[test]
fn a_symlinked_vendor_directory_is_refused_up_front() {
    requires_go!();
    let r = Repos::new();
    let vendor = r.vendor.join("vendor");
    let canary = Canary::new(Some(&vendor));
    let link = |repo: &Path| format!("symbolic link `{}`", repo.join("vendor").display());
    let needles = |repo: &Path| ["refusing to touch `vendor/`".to_string(), link(repo)];

    // A first vendor-mode run over a `vendor/` that points out of the repository.
    let fresh = r.copy(&r.pristine);
    symlink(&canary.path(), &fresh.join("vendor"));
    let n = needles(&fresh);
    r.assert_refused(
        &fresh,
        &["vendor", "--mode", "vendor", "--yes"],
        &canary,
        &[&n[0], &n[1]],
    );

    // A vendored repository whose `vendor/` was moved out and linked.
    let vendored = r.copy(&r.vendor);
    fs::remove_dir_all(vendored.join("vendor")).unwrap();
    symlink(&canary.path(), &vendored.join("vendor"));
    let n = needles(&vendored);
    for args in [
        &["vendor", "--mode", "vendor", "--yes"][..],
        &["vendor", "--yes"],
        &["restore", "--yes"],
    ] {
        r.assert_refused(&vendored, args, &canary, &[&n[0], &n[1]]);
    }
}

#[test]
fn a_crafted_gomodoff_toml_dir_is_refused() {
    requires_go!();
    let r = Repos::new();
    let canary = Canary::new(None);
    let abs = canary.path().display().to_string();
    for base in [&r.pristine, &r.replace] {
        let repo = r.copy(base);
        let escape = relative(&repo, &canary.path());
        for (dir, why) in [(abs.as_str(), "is absolute"), (&escape, "contains `..`")] {
            fs::write(repo.join("gomodoff.toml"), format!("dir = \"{dir}\"\n")).unwrap();
            let needle = format!("gomodoff.toml: `dir` = `{dir}` {why}");
            for args in [
                &["vendor", "--yes"][..],
                &["vendor", "--mode", "proxy", "--yes"],
                &["vendor", "--mode", "vendor", "--yes"],
                &["restore", "--yes"],
            ] {
                if base == &r.pristine && args[0] == "restore" {
                    continue; // nothing to restore
                }
                r.assert_refused(&repo, args, &canary, &[&needle]);
            }
        }
    }
}

/// A `.gomodoff-txn/journal.toml` committed into the repository (the review's F1): recovery
/// would roll it "back" before any command. Absolute, `..`, version-control, symlinked and
/// foreign-named entries are refused by every mutating command and by a dry run; nothing outside
/// the repository or inside it changes.
#[test]
fn a_crafted_journal_writes_and_deletes_nothing() {
    requires_go!();
    let r = Repos::new();
    let canary = Canary::new(None);
    let c = canary.path();
    let up = |repo: &Path| relative(repo, &c);
    // (what the refusal says, the journal for a repository at that path)
    type Case<'a> = (&'a str, Box<dyn Fn(&Path) -> String + 'a>);
    let cases: Vec<Case> = vec![
        (
            "is absolute",
            Box::new(|_: &Path| {
                format!(
                    "[[file]]\npath = \"{}/precious.txt\"\nbackup = \"file-0\"\nafter = \"absent\"\n",
                    c.display()
                )
            }),
        ),
        (
            "contains `..`",
            Box::new(move |repo: &Path| {
                format!(
                    "[[file]]\npath = \"{}/precious.txt\"\nafter = \"absent\"\n",
                    up(repo)
                )
            }),
        ),
        (
            "goes into `.git`",
            Box::new(|_: &Path| {
                "[[file]]\npath = \".git/hooks/post-checkout\"\nbackup = \"file-0\"\n".to_string()
            }),
        ),
        (
            "is not a name gomodoff gives",
            Box::new(|_: &Path| {
                "[[file]]\npath = \"go.mod\"\nbackup = \"../../../etc/passwd\"\n".to_string()
            }),
        ),
        (
            "outside gomodoff's staging directory",
            Box::new(|_: &Path| "[[add]]\nstaged = \"src\"\ntarget = \"internal\"\n".to_string()),
        ),
        (
            "is absolute",
            Box::new(|_: &Path| {
                format!(
                    "[[add]]\nstaged = \".gomodoff-staging/x\"\ntarget = \"{}/sub\"\n",
                    c.display()
                )
            }),
        ),
        (
            "is absolute",
            Box::new(|_: &Path| {
                format!(
                    "[[remove]]\npath = \"{}/new\"\ntrash = \"trash-0\"\n",
                    c.display()
                )
            }),
        ),
        (
            "symbolic link",
            Box::new(|_: &Path| {
                "[[file]]\npath = \"link/precious.txt\"\nbackup = \"file-0\"\nafter = \"absent\"\n"
                    .to_string()
            }),
        ),
    ];
    for (why, journal) in &cases {
        for base in [&r.pristine, &r.replace, &r.vendor, &r.proxy] {
            let repo = r.copy(base);
            let txn = repo.join(".gomodoff-txn");
            fs::create_dir_all(txn.join("trash-0")).unwrap();
            fs::write(txn.join("journal.toml"), journal(&repo)).unwrap();
            fs::write(txn.join("file-0"), "echo attacker\n").unwrap();
            fs::write(txn.join("trash-0/payload"), "attacker\n").unwrap();
            #[cfg(unix)]
            symlink(&c, &repo.join("link"));
            for args in [
                &["vendor", "--yes"][..],
                &["vendor", "--mode", "vendor", "--yes"],
                &["vendor", "--mode", "proxy", "--yes"],
                &["restore", "--yes"],
                &["vendor", "--dry-run"],
            ] {
                r.assert_refused(&repo, args, &canary, &["journal.toml", why]);
            }
        }
    }
}
