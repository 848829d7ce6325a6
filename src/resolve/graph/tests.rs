//! Unit tests of the module graph: MVS, pruning, replacements, workspaces and the messages of
//! load errors.

use super::*;

fn mv(s: &str) -> ModuleVersion {
    let (path, version) = s
        .split_once('@')
        .expect("test module versions are path@version");
    ModuleVersion {
        path: path.to_owned(),
        version: version.to_owned(),
    }
}

fn mvs(list: &[&str]) -> Vec<ModuleVersion> {
    list.iter().map(|s| mv(s)).collect()
}

/// go.mod summaries keyed by `path@version` (or `dir:<path>`), each written as
/// `"go1.17 b@v1.0.0 c@v1.1.0"`: an optional `goX` word, then the requirements.
struct MemLoader(HashMap<ResolvedModule, ModSummary>);

impl MemLoader {
    fn new(entries: &[(&str, &str)]) -> MemLoader {
        let mut map = HashMap::new();
        for (key, text) in entries {
            let (target, path) = match key.strip_prefix("dir:") {
                Some(dir) => (
                    ResolvedModule::Dir(PathBuf::from(dir)),
                    "dir/module".to_owned(),
                ),
                None => (ResolvedModule::Module(mv(key)), mv(key).path),
            };
            let mut summary = ModSummary {
                module_path: Some(path),
                ..ModSummary::default()
            };
            for word in text.split_whitespace() {
                match word.strip_prefix("go") {
                    Some(go) if !word.contains('@') => summary.go_version = Some(go.to_owned()),
                    _ => summary.requires.push(mv(word)),
                }
            }
            map.insert(target, summary);
        }
        MemLoader(map)
    }
}

impl SummaryLoader for MemLoader {
    fn load(&self, target: &ResolvedModule) -> Result<ModSummary, GraphError> {
        self.0
            .get(target)
            .cloned()
            .ok_or_else(|| GraphError::load(target, "not found"))
    }
}

fn main_module(go: Option<&str>, requires: &[&str]) -> MainModule {
    MainModule {
        path: "ex.com/main".to_owned(),
        go_version: go.map(str::to_owned),
        requires: mvs(requires),
        ..MainModule::default()
    }
}

#[test]
fn semver_order() {
    let ordered = [
        "bad",
        "v0.0.0-20240101000000-abcdefabcdef",
        "v0.0.1",
        "v1.0.0-alpha",
        "v1.0.0-alpha.1",
        "v1.0.0-alpha.beta",
        "v1.0.0-beta.2",
        "v1.0.0-beta.11",
        "v1.0.0-rc.1",
        "v1.0.0",
        "v1.2.0",
        "v1.10.0",
        "v2.0.0+incompatible",
        "v10.0.0",
    ];
    for (i, a) in ordered.iter().enumerate() {
        for (j, b) in ordered.iter().enumerate() {
            assert_eq!(compare_versions(a, b), i.cmp(&j), "{a} vs {b}");
        }
    }
}

#[test]
fn semver_equalities_and_invalid() {
    let cases = [
        ("v1", "v1.0.0", Ordering::Equal),
        ("v1.2", "v1.2.0", Ordering::Equal),
        ("v2.0.0+incompatible", "v2.0.0", Ordering::Equal),
        ("v1.0.0+meta", "v1.0.0", Ordering::Equal),
        ("v01.0.0", "v0.0.0", Ordering::Less), // leading zero: invalid
        ("v1.0.0-01", "v0.0.0", Ordering::Less), // numeric id with leading zero: invalid
        ("1.0.0", "v0.0.0", Ordering::Less),   // no v: invalid
        ("v1.0-pre", "v0.0.0", Ordering::Less), // short form cannot have a pre-release
        ("none", "bad", Ordering::Equal),
    ];
    for (a, b, want) in cases {
        assert_eq!(compare_versions(a, b), want, "{a} vs {b}");
    }
}

#[test]
fn pruning_follows_the_go_version() {
    assert_eq!(pruning_for(None), Pruning::Unpruned);
    assert_eq!(pruning_for(Some("1.16")), Pruning::Unpruned);
    assert_eq!(pruning_for(Some("1.17")), Pruning::Pruned);
    assert_eq!(pruning_for(Some("1.17rc1")), Pruning::Pruned);
    assert_eq!(pruning_for(Some("1.22.1")), Pruning::Pruned);
}

#[test]
fn unpruned_reads_everything_reachable() {
    let loader = MemLoader::new(&[
        ("ex.com/a@v1.0.0", "go1.20 ex.com/b@v1.0.0"),
        ("ex.com/b@v1.0.0", "go1.20 ex.com/c@v1.0.0"),
        ("ex.com/c@v1.0.0", "go1.20"),
    ]);
    let graph = Graph::load(&main_module(None, &["ex.com/a@v1.0.0"]), &loader).expect("loads");
    assert_eq!(graph.pruning(), Pruning::Unpruned);
    let all = mvs(&["ex.com/a@v1.0.0", "ex.com/b@v1.0.0", "ex.com/c@v1.0.0"]);
    assert_eq!(graph.build_list(), all);
    assert_eq!(graph.gomods_loaded(), all);
    assert!(graph.inconsistencies().is_empty());
}

#[test]
fn pruned_stops_at_go117_modules_but_not_below_older_ones() {
    let loader = MemLoader::new(&[
        ("ex.com/a@v1.0.0", "go1.17 ex.com/b@v1.0.0"),
        ("ex.com/old@v1.0.0", "go1.16 ex.com/x@v1.0.0"),
        ("ex.com/x@v1.0.0", "go1.17 ex.com/y@v1.0.0"),
        ("ex.com/y@v1.0.0", "go1.17 ex.com/z@v1.0.0"),
        ("ex.com/z@v1.0.0", "go1.17"),
    ]);
    let main = main_module(Some("1.17"), &["ex.com/a@v1.0.0", "ex.com/old@v1.0.0"]);
    let graph = Graph::load(&main, &loader).expect("loads");
    assert_eq!(
        graph.gomods_loaded(),
        mvs(&[
            "ex.com/a@v1.0.0",
            "ex.com/old@v1.0.0",
            "ex.com/x@v1.0.0",
            "ex.com/y@v1.0.0",
            "ex.com/z@v1.0.0",
        ])
    );
    // b is required by a pruned root: selected, but its go.mod is not read.
    assert_eq!(graph.required_by(&mv("ex.com/b@v1.0.0")), None);
    assert_eq!(graph.selected("ex.com/b"), Some("v1.0.0"));
    assert_eq!(graph.selected("ex.com/z"), Some("v1.0.0"));
    assert_eq!(graph.go_version(&mv("ex.com/old@v1.0.0")), Some("1.16"));
}

#[test]
fn a_pruned_module_reached_through_an_unpruned_one_is_followed() {
    let loader = MemLoader::new(&[
        ("ex.com/a@v1.0.0", "go1.17 ex.com/b@v1.0.0"),
        ("ex.com/b@v1.0.0", "go1.17"),
        ("ex.com/u@v1.0.0", "ex.com/a@v1.0.0"),
    ]);
    let main = main_module(Some("1.20"), &["ex.com/a@v1.0.0", "ex.com/u@v1.0.0"]);
    let graph = Graph::load(&main, &loader).expect("loads");
    assert_eq!(
        graph.gomods_loaded(),
        mvs(&["ex.com/a@v1.0.0", "ex.com/b@v1.0.0", "ex.com/u@v1.0.0"])
    );
}

#[test]
fn excluded_requirements_are_dropped_not_bumped() {
    let loader = MemLoader::new(&[
        ("ex.com/a@v1.0.0", "go1.16 ex.com/b@v1.1.0"),
        ("ex.com/b@v1.2.0", "go1.16"),
    ]);
    let mut main = main_module(Some("1.16"), &["ex.com/a@v1.0.0", "ex.com/c@v1.0.0"]);
    main.excludes = mvs(&["ex.com/b@v1.1.0", "ex.com/c@v1.0.0"]);
    let graph = Graph::load(&main, &loader).expect("loads");
    assert_eq!(graph.build_list(), mvs(&["ex.com/a@v1.0.0"]));
    assert_eq!(graph.roots(), mvs(&["ex.com/a@v1.0.0"]).as_slice());
    assert_eq!(graph.required_by(&mv("ex.com/a@v1.0.0")), Some(&[][..]));
}

#[test]
fn replacements_exact_rules_win_over_path_rules() {
    let mut main = main_module(Some("1.16"), &["ex.com/a@v1.0.0", "ex.com/b@v1.0.0"]);
    main.replaces = vec![
        ReplaceRule {
            old_path: "ex.com/a".to_owned(),
            old_version: None,
            target: ReplaceTarget::Dir(PathBuf::from("../a")),
        },
        ReplaceRule {
            old_path: "ex.com/a".to_owned(),
            old_version: Some("v1.0.0".to_owned()),
            target: ReplaceTarget::Module(mv("ex.com/fork@v1.5.0")),
        },
    ];
    let loader = MemLoader::new(&[
        ("ex.com/fork@v1.5.0", "go1.16 ex.com/a@v1.1.0"),
        ("dir:../a", "go1.16"),
        ("ex.com/b@v1.0.0", "go1.16"),
    ]);
    let graph = Graph::load(&main, &loader).expect("loads");
    assert_eq!(
        graph.resolved(&mv("ex.com/a@v1.0.0")),
        ResolvedModule::Module(mv("ex.com/fork@v1.5.0"))
    );
    assert_eq!(
        graph.resolved(&mv("ex.com/a@v1.1.0")),
        ResolvedModule::Dir(PathBuf::from("../a"))
    );
    assert_eq!(
        graph.resolved(&mv("ex.com/b@v1.0.0")),
        ResolvedModule::Module(mv("ex.com/b@v1.0.0"))
    );
    assert_eq!(
        graph.gomods_loaded(),
        mvs(&["ex.com/a@v1.0.0", "ex.com/a@v1.1.0", "ex.com/b@v1.0.0"])
    );
    assert_eq!(graph.selected("ex.com/a"), Some("v1.1.0"));
    // The fork's go.mod declares ex.com/fork: allowed, it is the replacement's own path.
}

#[test]
fn conflicting_replacements_are_refused() {
    let mut main = main_module(Some("1.16"), &[]);
    for target in ["ex.com/x@v1.0.0", "ex.com/y@v1.0.0"] {
        main.replaces.push(ReplaceRule {
            old_path: "ex.com/a".to_owned(),
            old_version: Some("v1.0.0".to_owned()),
            target: ReplaceTarget::Module(mv(target)),
        });
    }
    let error = Graph::load(&main, &MemLoader::new(&[])).expect_err("conflict");
    assert_eq!(
        error.to_string(),
        "conflicting replacements for `ex.com/a@v1.0.0`: `ex.com/x v1.0.0` and `ex.com/y v1.0.0`"
    );
}

#[test]
fn older_versions_of_the_main_module_are_read_but_never_selected() {
    let loader = MemLoader::new(&[
        ("ex.com/a@v1.0.0", "ex.com/main@v1.0.0"),
        ("ex.com/main@v1.0.0", "ex.com/c@v1.0.0 ex.com/a@v1.0.0"),
        ("ex.com/c@v1.0.0", ""),
    ]);
    let graph = Graph::load(&main_module(None, &["ex.com/a@v1.0.0"]), &loader).expect("loads");
    assert_eq!(
        graph.build_list(),
        mvs(&["ex.com/a@v1.0.0", "ex.com/c@v1.0.0"])
    );
    assert_eq!(
        graph.gomods_loaded(),
        mvs(&["ex.com/a@v1.0.0", "ex.com/c@v1.0.0", "ex.com/main@v1.0.0"])
    );
}

#[test]
fn load_errors_name_the_requirement_chain() {
    let loader = MemLoader::new(&[("ex.com/a@v1.0.0", "ex.com/b@v1.0.0")]);
    let error =
        Graph::load(&main_module(None, &["ex.com/a@v1.0.0"]), &loader).expect_err("b is missing");
    assert_eq!(
        error.to_string(),
        "loading module graph: ex.com/main requires ex.com/a@v1.0.0 requires ex.com/b@v1.0.0"
    );
    let source = std::error::Error::source(&error).expect("has a source");
    assert_eq!(source.to_string(), "reading go.mod of `ex.com/b@v1.0.0`");
}

#[test]
fn module_line_checks() {
    let mut loader = MemLoader::new(&[("ex.com/a@v1.0.0", ""), ("ex.com/b@v1.0.0", "")]);
    for (key, path) in [
        ("ex.com/a@v1.0.0", None),
        ("ex.com/b@v1.0.0", Some("ex.com/other")),
    ] {
        if let Some(summary) = loader.0.get_mut(&ResolvedModule::Module(mv(key))) {
            summary.module_path = path.map(str::to_owned);
        }
    }
    let cases = [
        (
            "ex.com/a@v1.0.0",
            "`ex.com/a@v1.0.0`: parsing go.mod: missing module line",
        ),
        (
            "ex.com/b@v1.0.0",
            "`ex.com/b@v1.0.0`: parsing go.mod: module declares its path as `ex.com/other` but was required as `ex.com/b`",
        ),
    ];
    for (root, want) in cases {
        let error = Graph::load(&main_module(None, &[root]), &loader).expect_err("bad module line");
        let source = std::error::Error::source(&error).expect("has a source");
        assert_eq!(source.to_string(), want);
    }
}

#[test]
fn inconsistencies_are_reported() {
    let loader = MemLoader::new(&[
        ("ex.com/a@v1.0.0", "go1.22 ex.com/b@v1.1.0"),
        ("ex.com/b@v1.0.0", "go1.17"),
    ]);
    let main = main_module(Some("1.21"), &["ex.com/a@v1.0.0", "ex.com/b@v1.0.0"]);
    let graph = Graph::load(&main, &loader).expect("loads");
    assert_eq!(
        graph.inconsistencies(),
        &[
            Inconsistency::RootNotSelected {
                root: mv("ex.com/b@v1.0.0"),
                selected: "v1.1.0".to_owned(),
            },
            Inconsistency::GoVersionTooLow {
                required: "1.22".to_owned(),
                by: mv("ex.com/a@v1.0.0"),
            },
        ]
    );
}

#[test]
fn gomods_needed_adds_the_build_list() {
    let loader = MemLoader::new(&[("ex.com/a@v1.0.0", "go1.17 ex.com/b@v1.0.0")]);
    let graph =
        Graph::load(&main_module(Some("1.17"), &["ex.com/a@v1.0.0"]), &loader).expect("loads");
    assert_eq!(graph.gomods_loaded(), mvs(&["ex.com/a@v1.0.0"]));
    assert_eq!(
        graph.gomods_needed(),
        mvs(&["ex.com/a@v1.0.0", "ex.com/b@v1.0.0"])
    );
}
