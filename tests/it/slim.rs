//! Replace mode's slim trees, with the real go as the judge: what a slim tree keeps and leaves
//! out, `<tree>.hashes` naming what was left out, `verify` on kept, added and re-appeared files,
//! and `--whole` / `tree = "whole"` laying out whole trees again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use crate::replace::{assert_builds_offline, vendor_yes};
use crate::support::{self, Harness, assert_success, build_list, stderr, stdout};

const SLIMMED: &str = "third_party/gomod/example.com/slimmed@v1.0.0";

/// Every file below `dir`, relative and `/`-separated.
fn files(dir: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap();
            rel.to_string_lossy().replace('\\', "/")
        })
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// The fixture module's files a slim tree keeps for the slim project, and those it leaves out.
const KEPT: [&str; 8] = [
    "LICENSE",
    "csrc/slimmed.h",
    "go.mod",
    "pkg/used/assets/greeting.txt",
    "pkg/used/data.json",
    "pkg/used/used.go",
    "pkg/used/used_test.go",
    "third/LICENSE.txt",
];
const LEFT_OUT: [&str; 7] = [
    "README.md",
    "docs/guide.md",
    "examples/demo/main.go",
    "pkg/unused/unused.go",
    "pkg/used/sub/notes.txt",
    "pkg/used/testdata/golden.txt",
    "testdata/fixture.c",
];

#[test]
fn a_slim_tree_keeps_what_the_build_reads_and_lists_what_it_leaves_out() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("slim");
    let online = build_list(&h.go_ok(&dir, &["list", "-m", "all"]));
    vendor_yes(&h, &dir);
    let tree = dir.join(SLIMMED);
    assert_eq!(files(&tree), set(&KEPT));
    // The listing holds the whole module (its summary lines hash to go.sum's h1:, which verify
    // checks) and names each file left out.
    let listing = fs::read_to_string(dir.join(format!("{SLIMMED}.hashes"))).unwrap();
    let (summary, omitted) = listing
        .split_once("# left out of this slim tree")
        .expect("a slim tree's listing names what it leaves out");
    for name in KEPT.iter().chain(&LEFT_OUT) {
        assert!(
            summary.contains(&format!("  example.com/slimmed@v1.0.0/{name}\n")),
            "{name} in the summary:\n{listing}"
        );
    }
    let omitted: BTreeSet<String> = omitted
        .lines()
        .skip(1)
        .map(|l| {
            l.strip_prefix("example.com/slimmed@v1.0.0/")
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(omitted, set(&LEFT_OUT));
    let lock = fs::read_to_string(dir.join("gomodoff.lock")).unwrap();
    assert!(lock.contains("slim = \"slim-1:"), "{lock}");
    assert_success(&h.gomodoff(&dir, &["verify"]), "verify a slim tree");
    assert_success(&h.gomodoff(&dir, &["status", "--check"]), "status");
    assert_builds_offline(&h, &dir, &online);
    // The embedded asset made it: the program prints it, built and run offline.
    let out = h.go_offline(&dir, &["run", "."]);
    assert_success(&out, "offline go run .");
    assert_eq!(stdout(&out), "hello from an embedded asset\n");
}

#[test]
fn cgo_sources_and_headers_outside_package_directories_stay() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("cgo");
    let online = build_list(&h.go_ok(&dir, &["list", "-m", "all"]));
    vendor_yes(&h, &dir);
    let tree = dir.join("third_party/gomod/example.com/cgolib@v1.0.0");
    assert_eq!(
        files(&tree),
        set(&[
            "LICENSE",
            "binding/binding.c",
            "binding/binding.go",
            "csrc/impl.c",
            "go.mod",
            "include/cgolib.h",
            "tables/answer.tbl",
        ])
    );
    assert_builds_offline(&h, &dir, &online);
}

#[test]
fn verify_names_a_changed_kept_file_an_added_file_and_a_reappeared_left_out_file() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("slim");
    vendor_yes(&h, &dir);
    let tree = dir.join(SLIMMED);
    fs::write(tree.join("pkg/used/data.json"), "{}\n").unwrap();
    fs::write(tree.join("pkg/used/extra.go"), "package used\n").unwrap();
    fs::create_dir_all(tree.join("docs")).unwrap();
    // The very bytes of the module's own file: still not part of a slim tree.
    fs::write(
        tree.join("docs/guide.md"),
        "# Guide\n\nDocumentation: left out.\n",
    )
    .unwrap();
    let out = h.gomodoff(&dir, &["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let m = "example.com/slimmed@v1.0.0";
    for line in [
        format!("{m}: modified file `pkg/used/data.json`"),
        format!("{m}: added file `pkg/used/extra.go`"),
        format!("{m}: added file `docs/guide.md`"),
    ] {
        assert!(text.contains(&line), "{line} in:\n{text}");
    }
    assert!(text.contains("left out of the slim tree"), "{text}");
    assert_eq!(text.lines().count(), 3, "nothing else is reported:\n{text}");

    // A listing edited to leave out a file that was laid out is caught by the lock.
    let listing_path = dir.join(format!("{SLIMMED}.hashes"));
    let original = support::fixture("example.com/slimmed", "v1.0.0")
        .dir
        .join("pkg/used/data.json");
    fs::write(tree.join("pkg/used/data.json"), fs::read(original).unwrap()).unwrap();
    fs::remove_file(tree.join("pkg/used/extra.go")).unwrap();
    fs::remove_dir_all(tree.join("docs")).unwrap();
    assert_success(&h.gomodoff(&dir, &["verify"]), "verify once repaired");
    let mut listing = fs::read_to_string(&listing_path).unwrap();
    listing.push_str("example.com/slimmed@v1.0.0/pkg/used/data.json\n");
    fs::write(&listing_path, listing).unwrap();
    fs::remove_file(tree.join("pkg/used/data.json")).unwrap();
    let out = h.gomodoff(&dir, &["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .contains("other files as left out of the slim tree than gomodoff.lock records"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn whole_trees_on_request_and_back_to_slim() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("slim");
    let online = build_list(&h.go_ok(&dir, &["list", "-m", "all"]));
    let out = h.gomodoff(&dir, &["vendor", "--yes", "--whole"]);
    assert_success(&out, "vendor --whole");
    let tree = dir.join(SLIMMED);
    let all: BTreeSet<String> = KEPT
        .iter()
        .chain(&LEFT_OUT)
        .map(|s| s.to_string())
        .collect();
    assert_eq!(files(&tree), all);
    let listing = fs::read_to_string(dir.join(format!("{SLIMMED}.hashes"))).unwrap();
    assert!(!listing.contains("# left out"), "{listing}");
    assert!(
        !fs::read_to_string(dir.join("gomodoff.lock"))
            .unwrap()
            .contains("slim =")
    );
    assert_success(&h.gomodoff(&dir, &["verify"]), "verify a whole tree");
    assert_builds_offline(&h, &dir, &online);

    // Without --whole the tree is laid out slim again: one module updated.
    let out = h.gomodoff(&dir, &["vendor", "--yes"]);
    assert_success(&out, "vendor slim after whole");
    assert!(
        stdout(&out).contains("~ example.com/slimmed@v1.0.0"),
        "{}",
        stdout(&out)
    );
    assert_eq!(files(&tree), set(&KEPT));

    // gomodoff.toml's `tree = "whole"` asks the same as --whole.
    fs::write(dir.join("gomodoff.toml"), "tree = \"whole\"\n").unwrap();
    assert_success(
        &h.gomodoff(&dir, &["vendor", "--yes"]),
        "vendor with tree = whole",
    );
    assert_eq!(files(&tree), all);
    fs::write(dir.join("gomodoff.toml"), "tree = \"thin\"\n").unwrap();
    let out = h.gomodoff(&dir, &["vendor", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown tree `thin` (expected `slim` or `whole`)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn importing_another_package_of_a_slim_module_is_found_by_status_and_one_vendor_away() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("slim");
    let online = build_list(&h.go_ok(&dir, &["list", "-m", "all"]));
    vendor_yes(&h, &dir);
    let main = dir.join("main.go");
    let text = fs::read_to_string(&main)
        .unwrap()
        .replace(
            "\"example.com/slimmed/pkg/used\"",
            "\"example.com/slimmed/pkg/unused\"\n\t\"example.com/slimmed/pkg/used\"",
        )
        .replace(
            "fmt.Print(used.Greeting())",
            "unused.Nothing()\n\tfmt.Print(used.Greeting())",
        );
    fs::write(&main, text).unwrap();
    // The offline build fails, and status says why before any build is tried.
    let out = h.go_offline(&dir, &["build", "./..."]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = h.gomodoff(&dir, &["status", "--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(
            "packages: the build imports `example.com/slimmed/pkg/unused`, which the trees in `third_party/gomod` do not hold"
        ),
        "{}",
        stdout(&out)
    );
    // One vendor lays the package out: the module's tree is updated, nothing else.
    let shown = vendor_yes(&h, &dir);
    assert!(shown.contains("~ example.com/slimmed@v1.0.0"), "{shown}");
    assert!(dir.join(SLIMMED).join("pkg/unused/unused.go").is_file());
    assert_success(
        &h.gomodoff(&dir, &["status", "--check"]),
        "status after vendor",
    );
    assert_builds_offline(&h, &dir, &online);
}
