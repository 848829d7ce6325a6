//! Which version is selected, and when go refuses the go.mod: minimal version selection over
//! excludes, duplicates, cycles, `+incompatible`, pre-release and pseudo-versions, and the
//! inconsistencies `-mod=readonly` reports.

use super::*;

#[test]
fn excluded_dependency_versions_are_dropped_not_bumped() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.16\n\nrequire ex.com/a v1.0.0\n\nexclude ex.com/b v1.1.0\n",
        ),
        (
            "ex.com/a@v1.0.0",
            "module ex.com/a\n\ngo 1.16\n\nrequire ex.com/b v1.1.0\n",
        ),
        ("ex.com/b@v1.1.0", "module ex.com/b\n\ngo 1.16\n"),
        ("ex.com/b@v1.2.0", "module ex.com/b\n\ngo 1.16\n"),
    ]);
    case.assert_matches_go();
    assert_eq!(case.go.list, vec![pair("ex.com/a", "v1.0.0")]);
}

#[test]
fn excluded_root_is_ignored() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.16\n\nrequire (\n\tex.com/a v1.0.0\n\tex.com/b v1.1.0\n)\n\nexclude ex.com/b v1.1.0\n",
        ),
        (
            "ex.com/a@v1.0.0",
            "module ex.com/a\n\ngo 1.16\n\nrequire ex.com/b v1.0.0\n",
        ),
        ("ex.com/b@v1.0.0", "module ex.com/b\n\ngo 1.16\n"),
        ("ex.com/b@v1.1.0", "module ex.com/b\n\ngo 1.16\n"),
    ]);
    case.assert_matches_go();
    // go ignores the requirement, and -mod=readonly refuses the go.mod that still has it.
    assert_eq!(
        case.graph.inconsistencies(),
        &[Inconsistency::ExcludedRequirement {
            module: mv("ex.com/b", "v1.1.0"),
        }]
    );
    assert_eq!(case.graph.selected("ex.com/b"), Some("v1.0.0"));
}

#[test]
fn duplicate_requirements_are_inconsistent() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.16\n\nrequire (\n\tex.com/a v1.0.0\n\tex.com/a v1.1.0\n)\n",
        ),
        (
            "ex.com/a@v1.0.0",
            "module ex.com/a\n\ngo 1.16\n\nrequire ex.com/b v1.0.0\n",
        ),
        ("ex.com/a@v1.1.0", "module ex.com/a\n\ngo 1.16\n"),
        ("ex.com/b@v1.0.0", "module ex.com/b\n\ngo 1.16\n"),
    ]);
    case.assert_matches_go();
    assert_eq!(
        case.graph.gomods_loaded(),
        vec![
            mv("ex.com/a", "v1.0.0"),
            mv("ex.com/a", "v1.1.0"),
            mv("ex.com/b", "v1.0.0")
        ]
    );
}

#[test]
fn cycles_and_older_versions_of_the_main_module() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.16\n\nrequire ex.com/Upper v1.0.0\n",
        ),
        (
            "ex.com/Upper@v1.0.0",
            "module ex.com/Upper\n\ngo 1.16\n\nrequire (\n\tex.com/b v1.0.0\n\tex.com/main v1.0.0\n)\n",
        ),
        (
            "ex.com/b@v1.0.0",
            "module ex.com/b\n\ngo 1.16\n\nrequire ex.com/Upper v1.1.0\n",
        ),
        (
            "ex.com/Upper@v1.1.0",
            "module ex.com/Upper\n\ngo 1.16\n\nrequire ex.com/b v1.0.0\n",
        ),
        (
            "ex.com/main@v1.0.0",
            "module ex.com/main\n\ngo 1.16\n\nrequire ex.com/c v1.0.0\n",
        ),
        ("ex.com/c@v1.0.0", "module ex.com/c\n\ngo 1.16\n"),
    ]);
    case.assert_matches_go();
    // go reads the go.mod of an older version of the main module, and follows it.
    assert!(case.go.graph_mods.contains(&pair("ex.com/main", "v1.0.0")));
    assert!(case.go.list.contains(&pair("ex.com/c", "v1.0.0")));
    assert!(case.go.list.contains(&pair("ex.com/Upper", "v1.1.0")));
}

#[test]
fn incompatible_versions_order_above_v1() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.16\n\nrequire (\n\tex.com/a v1.0.0\n\tex.com/b v1.0.0\n)\n",
        ),
        (
            "ex.com/a@v1.0.0",
            "module ex.com/a\n\ngo 1.16\n\nrequire ex.com/inc v1.5.0\n",
        ),
        (
            "ex.com/b@v1.0.0",
            "module ex.com/b\n\ngo 1.16\n\nrequire ex.com/inc v2.0.0+incompatible\n",
        ),
        ("ex.com/inc@v1.5.0", "module ex.com/inc\n"),
        ("ex.com/inc@v2.0.0+incompatible", "module ex.com/inc\n"),
    ]);
    case.assert_matches_go();
    assert!(
        case.go
            .list
            .contains(&pair("ex.com/inc", "v2.0.0+incompatible"))
    );
}

#[test]
fn prerelease_and_pseudo_versions_order() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.16\n\nrequire (\n\tex.com/a v1.0.0\n\tex.com/b v1.0.0\n)\n",
        ),
        (
            "ex.com/a@v1.0.0",
            "module ex.com/a\n\ngo 1.16\n\nrequire ex.com/c v1.0.0-rc.1\n",
        ),
        (
            "ex.com/b@v1.0.0",
            "module ex.com/b\n\ngo 1.16\n\nrequire ex.com/c v0.9.1-0.20240101000000-abcdefabcdef\n",
        ),
        ("ex.com/c@v1.0.0-rc.1", "module ex.com/c\n\ngo 1.16\n"),
        (
            "ex.com/c@v0.9.1-0.20240101000000-abcdefabcdef",
            "module ex.com/c\n\ngo 1.16\n",
        ),
    ]);
    case.assert_matches_go();
    assert!(case.go.list.contains(&pair("ex.com/c", "v1.0.0-rc.1")));
}

#[test]
fn dependency_requires_a_module_the_main_module_does_not() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.16\n\nrequire ex.com/a v1.0.0\n",
        ),
        (
            "ex.com/a@v1.0.0",
            "module ex.com/a\n\ngo 1.16\n\nrequire ex.com/x v1.3.0\n",
        ),
        ("ex.com/x@v1.3.0", "module ex.com/x\n\ngo 1.16\n"),
    ]);
    case.assert_matches_go();
    assert!(case.go.list.contains(&pair("ex.com/x", "v1.3.0")));
}

#[test]
fn root_below_its_selected_version_is_inconsistent() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.21\n\nrequire (\n\tex.com/a v1.0.0\n\tex.com/b v1.0.0\n)\n",
        ),
        (
            "ex.com/a@v1.0.0",
            "module ex.com/a\n\ngo 1.21\n\nrequire ex.com/b v1.1.0\n",
        ),
        ("ex.com/b@v1.0.0", "module ex.com/b\n\ngo 1.21\n"),
        ("ex.com/b@v1.1.0", "module ex.com/b\n\ngo 1.21\n"),
    ]);
    case.assert_matches_go();
    assert_eq!(
        case.graph.inconsistencies(),
        &[Inconsistency::RootNotSelected {
            root: mv("ex.com/b", "v1.0.0"),
            selected: "v1.1.0".to_owned(),
        }]
    );
}

#[test]
fn dependency_needing_a_newer_go_is_inconsistent() {
    requires_go!();
    let case = Case::run(&[
        (
            "main",
            "module ex.com/main\n\ngo 1.20\n\nrequire ex.com/a v1.0.0\n",
        ),
        ("ex.com/a@v1.0.0", "module ex.com/a\n\ngo 1.21\n"),
    ]);
    case.assert_matches_go();
    assert_eq!(
        case.graph.inconsistencies(),
        &[Inconsistency::GoVersionTooLow {
            required: "1.21".to_owned(),
            by: mv("ex.com/a", "v1.0.0"),
        }]
    );
}
