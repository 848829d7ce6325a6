//! Replacements: one version or every version of a path, by another module or a directory.

use super::*;

#[test]
fn replace_one_version_with_another_module() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.16\n\nrequire (\n\tex.com/a v1.0.0\n\tex.com/b v1.0.0\n)\n\nreplace ex.com/b v1.0.0 => ex.com/fork v1.2.0\n",
        ),
        ("ex.com/a@v1.0.0", "module ex.com/a\n\ngo 1.16\n"),
        (
            "ex.com/b@v1.0.0",
            "module ex.com/b\n\ngo 1.16\n\nrequire ex.com/never v1.0.0\n",
        ),
        (
            "ex.com/fork@v1.2.0",
            "module ex.com/fork\n\ngo 1.16\n\nrequire ex.com/c v1.0.0\n",
        ),
        ("ex.com/c@v1.0.0", "module ex.com/c\n\ngo 1.16\n"),
    ]);
    case.assert_matches_go();
    assert!(case.go.graph_mods.contains(&pair("ex.com/fork", "v1.2.0")));
    assert!(!case.go.graph_mods.contains(&pair("ex.com/b", "v1.0.0")));
    assert!(case.go.list.contains(&pair("ex.com/b", "v1.0.0")));
}

#[test]
fn replace_every_version_of_a_path() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.16\n\nrequire (\n\tex.com/a v1.0.0\n\tex.com/b v1.1.0\n)\n\nreplace ex.com/b => ex.com/fork v1.2.0\n",
        ),
        (
            "ex.com/a@v1.0.0",
            "module ex.com/a\n\ngo 1.16\n\nrequire ex.com/b v1.0.0\n",
        ),
        // The replacement may declare the replaced path as well as its own.
        (
            "ex.com/fork@v1.2.0",
            "module ex.com/b\n\ngo 1.16\n\nrequire ex.com/c v1.0.0\n",
        ),
        ("ex.com/c@v1.0.0", "module ex.com/c\n\ngo 1.16\n"),
    ]);
    case.assert_matches_go();
    assert_eq!(
        case.go.graph_mods,
        set(&[
            ("ex.com/a", "v1.0.0"),
            ("ex.com/c", "v1.0.0"),
            ("ex.com/fork", "v1.2.0")
        ])
    );
    assert_eq!(
        case.graph.resolved(&mv("ex.com/b", "v1.0.0")),
        ResolvedModule::Module(mv("ex.com/fork", "v1.2.0"))
    );
}

#[test]
fn replace_with_a_local_directory() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.21\n\nrequire ex.com/a v1.0.0\n\nreplace ex.com/a => ../adir\n",
        ),
        // A directory's module line is not checked, and its go line decides its pruning.
        (
            "dir:adir",
            "module not/the/same\n\ngo 1.16\n\nrequire ex.com/b v1.0.0\n",
        ),
        (
            "ex.com/b@v1.0.0",
            "module ex.com/b\n\ngo 1.21\n\nrequire ex.com/c v1.0.0\n",
        ),
        ("ex.com/c@v1.0.0", "module ex.com/c\n\ngo 1.21\n"),
    ]);
    case.assert_matches_go();
    assert_eq!(
        case.go.graph_mods,
        set(&[("ex.com/b", "v1.0.0"), ("ex.com/c", "v1.0.0")])
    );
    assert_eq!(
        case.graph.resolved(&mv("ex.com/a", "v1.0.0")),
        ResolvedModule::Dir(PathBuf::from("../adir"))
    );
}
