//! Which go.mod files the graph reads: unpruned (go < 1.17) and pruned (go ≥ 1.17) module
//! graphs, and where one kind meets the other; `go build` reads no more than the graph needs.

use super::*;

#[test]
fn chain_unpruned() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.16\n\nrequire ex.com/a v1.0.0\n",
        ),
        (
            "ex.com/a@v1.0.0",
            "module ex.com/a\n\ngo 1.16\n\nrequire ex.com/b v1.0.0\n",
        ),
        (
            "ex.com/b@v1.0.0",
            "module ex.com/b\n\ngo 1.16\n\nrequire ex.com/c v1.0.0\n",
        ),
        ("ex.com/c@v1.0.0", "module ex.com/c\n\ngo 1.16\n"),
    ]);
    case.assert_matches_go();
    assert_eq!(case.graph.pruning(), Pruning::Unpruned);
    assert_eq!(case.go.graph_mods.len(), 3);
}

#[test]
fn diamond_unpruned_reads_lower_versions_and_their_requirements() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.16\n\nrequire (\n\tex.com/a v1.0.0\n\tex.com/b v1.0.0\n)\n",
        ),
        (
            "ex.com/a@v1.0.0",
            "module ex.com/a\n\ngo 1.16\n\nrequire ex.com/c v1.0.0\n",
        ),
        (
            "ex.com/b@v1.0.0",
            "module ex.com/b\n\ngo 1.16\n\nrequire ex.com/c v1.1.0\n",
        ),
        (
            "ex.com/c@v1.0.0",
            "module ex.com/c\n\ngo 1.16\n\nrequire ex.com/d v1.0.0\n",
        ),
        ("ex.com/c@v1.1.0", "module ex.com/c\n\ngo 1.16\n"),
        ("ex.com/d@v1.0.0", "module ex.com/d\n\ngo 1.16\n"),
    ]);
    case.assert_matches_go();
    // MVS picks the highest c, but go still reads c v1.0.0's go.mod, and d, required only by
    // the unselected c v1.0.0, stays in the build list.
    assert!(case.go.graph_mods.contains(&pair("ex.com/c", "v1.0.0")));
    assert!(case.go.list.contains(&pair("ex.com/c", "v1.1.0")));
    assert!(case.go.list.contains(&pair("ex.com/d", "v1.0.0")));
}

#[test]
fn diamond_pruned_does_not_read_lower_versions() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.21\n\nrequire (\n\tex.com/a v1.0.0\n\tex.com/b v1.0.0\n\tex.com/c v1.1.0\n)\n",
        ),
        (
            "ex.com/a@v1.0.0",
            "module ex.com/a\n\ngo 1.21\n\nrequire ex.com/c v1.0.0\n",
        ),
        (
            "ex.com/b@v1.0.0",
            "module ex.com/b\n\ngo 1.21\n\nrequire ex.com/c v1.1.0\n",
        ),
        (
            "ex.com/c@v1.0.0",
            "module ex.com/c\n\ngo 1.21\n\nrequire ex.com/d v1.0.0\n",
        ),
        ("ex.com/c@v1.1.0", "module ex.com/c\n\ngo 1.21\n"),
        ("ex.com/d@v1.0.0", "module ex.com/d\n\ngo 1.21\n"),
    ]);
    case.assert_matches_go();
    assert!(!case.go.graph_mods.contains(&pair("ex.com/c", "v1.0.0")));
    assert!(!case.go.list.iter().any(|(path, _)| path == "ex.com/d"));
}

#[test]
fn main_go116_loads_the_full_graph_of_go117_dependencies() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.16\n\nrequire ex.com/a v1.0.0\n",
        ),
        (
            "ex.com/a@v1.0.0",
            "module ex.com/a\n\ngo 1.17\n\nrequire ex.com/b v1.0.0\n",
        ),
        (
            "ex.com/b@v1.0.0",
            "module ex.com/b\n\ngo 1.20\n\nrequire ex.com/c v1.0.0\n",
        ),
        ("ex.com/c@v1.0.0", "module ex.com/c\n\ngo 1.20\n"),
    ]);
    case.assert_matches_go();
    assert_eq!(case.go.graph_mods.len(), 3);
}

#[test]
fn main_go117_follows_the_whole_graph_below_a_go116_dependency() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.21\n\nrequire (\n\tex.com/a v1.0.0\n\tex.com/old v1.0.0\n)\n",
        ),
        (
            "ex.com/a@v1.0.0",
            "module ex.com/a\n\ngo 1.21\n\nrequire ex.com/b v1.0.0\n",
        ),
        ("ex.com/b@v1.0.0", "module ex.com/b\n\ngo 1.21\n"),
        (
            "ex.com/old@v1.0.0",
            "module ex.com/old\n\ngo 1.16\n\nrequire ex.com/x v1.0.0\n",
        ),
        (
            "ex.com/x@v1.0.0",
            "module ex.com/x\n\ngo 1.20\n\nrequire ex.com/y v1.0.0\n",
        ),
        (
            "ex.com/y@v1.0.0",
            "module ex.com/y\n\ngo 1.20\n\nrequire ex.com/z v1.0.0\n",
        ),
        ("ex.com/z@v1.0.0", "module ex.com/z\n\ngo 1.20\n"),
    ]);
    case.assert_matches_go();
    // y is below x (go 1.20), but reached through old (go 1.16): everything is followed.
    assert!(case.go.graph_mods.contains(&pair("ex.com/z", "v1.0.0")));
    assert!(!case.go.graph_mods.contains(&pair("ex.com/b", "v1.0.0")));
}

#[test]
fn pruned_deps_of_deps_are_selected_but_not_read() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.21\n\nrequire ex.com/a v1.0.0\n",
        ),
        (
            "ex.com/a@v1.0.0",
            "module ex.com/a\n\ngo 1.21\n\nrequire ex.com/b v1.0.0\n",
        ),
        (
            "ex.com/b@v1.0.0",
            "module ex.com/b\n\ngo 1.21\n\nrequire ex.com/c v1.0.0\n",
        ),
        ("ex.com/c@v1.0.0", "module ex.com/c\n\ngo 1.21\n"),
    ]);
    case.assert_matches_go();
    // The graph reads a only; b is in the build list (so `go list -m all` reads its go.mod for
    // its go version), and c, behind b's unread go.mod, is not in it at all.
    assert_eq!(case.go.graph_mods, set(&[("ex.com/a", "v1.0.0")]));
    assert_eq!(
        case.go.list,
        vec![pair("ex.com/a", "v1.0.0"), pair("ex.com/b", "v1.0.0")]
    );
    assert_eq!(case.go.list_mods.len(), 2);
}

#[test]
fn a_pruned_module_reached_through_an_unpruned_one_is_followed() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.21\n\nrequire (\n\tex.com/a v1.0.0\n\tex.com/u v1.0.0\n)\n",
        ),
        (
            "ex.com/a@v1.0.0",
            "module ex.com/a\n\ngo 1.21\n\nrequire ex.com/b v1.0.0\n",
        ),
        (
            "ex.com/b@v1.0.0",
            "module ex.com/b\n\ngo 1.21\n\nrequire ex.com/c v1.0.0\n",
        ),
        ("ex.com/c@v1.0.0", "module ex.com/c\n\ngo 1.21\n"),
        (
            "ex.com/u@v1.0.0",
            "module ex.com/u\n\nrequire ex.com/a v1.0.0\n",
        ),
    ]);
    case.assert_matches_go();
    assert!(case.go.graph_mods.contains(&pair("ex.com/c", "v1.0.0")));
}

#[test]
fn indirect_requirements_are_roots_like_any_other() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.21\n\nrequire ex.com/a v1.0.0\n\nrequire ex.com/b v1.0.0 // indirect\n",
        ),
        (
            "ex.com/a@v1.0.0",
            "module ex.com/a\n\ngo 1.21\n\nrequire ex.com/b v1.0.0\n",
        ),
        (
            "ex.com/b@v1.0.0",
            "module ex.com/b\n\ngo 1.21\n\nrequire ex.com/c v1.0.0\n",
        ),
        ("ex.com/c@v1.0.0", "module ex.com/c\n\ngo 1.21\n"),
    ]);
    case.assert_matches_go();
    assert!(case.go.graph_mods.contains(&pair("ex.com/b", "v1.0.0")));
}

#[test]
fn module_without_go_mod_is_unpruned() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.21\n\nrequire (\n\tex.com/a v1.0.0\n\tex.com/nomod v1.0.0\n)\n",
        ),
        (
            "ex.com/a@v1.0.0",
            "module ex.com/a\n\ngo 1.21\n\nrequire ex.com/nomod v1.0.0\n",
        ),
        // What a proxy serves for a module version without a go.mod file.
        ("ex.com/nomod@v1.0.0", "module ex.com/nomod\n"),
    ]);
    case.assert_matches_go();
    assert_eq!(case.graph.go_version(&mv("ex.com/nomod", "v1.0.0")), None);
}

/// `go build` reads no go.mod beyond [`Graph::gomods_needed`]: here a pruned main module builds
/// packages from a (direct) and b (indirect), and b is a go 1.16 module whose graph is followed.
#[test]
fn go_build_reads_only_needed_gomods() {
    let files: Files = &[
        (
            "main",
            "module ex.com/main\n\ngo 1.21\n\nrequire ex.com/a v1.0.0\n\nrequire ex.com/b v1.0.0 // indirect\n",
        ),
        (
            "ex.com/a@v1.0.0",
            "module ex.com/a\n\ngo 1.21\n\nrequire ex.com/b v1.0.0\n",
        ),
        (
            "ex.com/b@v1.0.0",
            "module ex.com/b\n\ngo 1.16\n\nrequire ex.com/c v1.0.0\n",
        ),
        (
            "ex.com/c@v1.0.0",
            "module ex.com/c\n\ngo 1.16\n\nrequire ex.com/d v1.0.0\n",
        ),
        ("ex.com/d@v1.0.0", "module ex.com/d\n\ngo 1.16\n"),
    ];
    let sources: &[(&str, &str, &str)] = &[
        (
            "main",
            "main.go",
            "package main\n\nimport \"ex.com/a/pa\"\n\nfunc main() { pa.A() }\n",
        ),
        (
            "ex.com/a@v1.0.0",
            "pa/pa.go",
            "package pa\n\nimport \"ex.com/b/pb\"\n\nfunc A() { pb.B() }\n",
        ),
        ("ex.com/b@v1.0.0", "pb/pb.go", "package pb\n\nfunc B() {}\n"),
    ];
    let go = requires!(support::require_go());
    let dir = tempfile::tempdir().expect("temp dir");
    let layout = Layout::write(dir.path(), files);
    for (key, name, text) in sources {
        if *key == "main" {
            fs::write(layout.main.join(name), text).expect("write main source");
        } else {
            layout.write_zip(key, files, name, text);
        }
    }
    let graph = layout.graph();

    let mut prepare = layout.go(&go, "prepare", &["build", "./..."], "-mod=mod");
    run_in(&mut prepare, &layout.main);
    let mut build = layout.go(&go, "build", &["build", "./..."], "-mod=readonly");
    run_in(&mut build, &layout.main);
    let fetched = fetched_mods(&layout.cache("build"));

    let needed = module_targets(&graph, &graph.gomods_needed());
    assert!(
        fetched.is_subset(&needed),
        "go build read {fetched:?}, gomodoff needs {needed:?}"
    );
    // The graph follows b (go 1.16) down to d, though nothing imports c or d.
    assert!(needed.contains(&pair("ex.com/d", "v1.0.0")));
}
