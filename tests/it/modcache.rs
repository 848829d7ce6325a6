//! Module sources against what the real go wrote: after `go mod download`, the module cache has
//! every module go.sum names, with the hashes go recorded; the harness proxy reads as a
//! GOPROXY tree; `go env` locates the cache.

use std::fs;

use gomodoff::goenv::go_env_in;
use gomodoff::gosum::GoSum;
use gomodoff::modcache::{FoundBy, ModCache, ModuleSource, ProxyTree, SourceError};

use crate::support::{Harness, PROJECTS, fixtures, mv};

#[test]
fn modcache_has_every_module_in_gosum_after_download() {
    requires_go!();
    let h = Harness::new();
    let cache = ModCache::new(h.gomodcache());
    let proxy = ProxyTree::new(h.proxy_dir());
    let mut checked = 0;
    for name in PROJECTS {
        let dir = h.copy_project(name);
        h.go_mod_tidy(&dir);
        h.go_mod_download(&dir);
        let text = fs::read_to_string(dir.join("go.sum")).expect("go.sum");
        let sum = GoSum::parse("go.sum", &text).expect("parses");
        for e in sum.entries() {
            let m = mv(&e.path, &e.version);
            let gomod = cache.gomod(&m).expect("every go.sum module has its .mod");
            assert_eq!(gomod, proxy.gomod(&m).expect("proxy .mod"), "{m}");
            assert!(
                cache.versions(&e.path).expect("list").contains(&e.version),
                "{m}"
            );
            if !e.gomod_only {
                // go fetches .info only with the zip: a go.mod-only module has just its .mod.
                assert!(cache.info(&m).is_ok(), "{m}");
                assert!(cache.zip_path(&m).expect("zip").is_file(), "{m}");
                assert_eq!(
                    cache.ziphash(&m).expect("read").as_deref(),
                    Some(e.hash.as_str()),
                    "{m}"
                );
                let extracted = cache
                    .extracted_dir(&m)
                    .expect("extracted by go mod download");
                assert!(extracted.is_dir(), "{m}");
            }
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} go.sum lines checked");

    // A go.mod-only module has its .mod but no zip: the error names it and says what to do.
    let modonly = mv("example.com/modonly", "v1.0.0");
    match cache.zip_path(&mv("example.com/multi", "v1.0.0")) {
        Err(err @ SourceError::Missing { .. }) => {
            assert!(
                err.to_string().contains("example.com/multi@v1.0.0"),
                "{err}"
            );
            assert!(err.hint().is_some_and(|h| h.contains("gomodoff unpack")));
        }
        other => panic!("{other:?}"),
    }
    assert!(cache.gomod(&modonly).is_ok());
}

#[test]
fn proxy_tree_reads_the_harness_proxy() {
    requires_go!();
    let h = Harness::new();
    let tree = ProxyTree::new(h.proxy_dir());
    assert_eq!(
        tree.describe(),
        format!("GOPROXY tree `{}`", h.proxy_dir().display())
    );
    for f in fixtures() {
        let m = mv(&f.path, &f.version);
        assert_eq!(tree.gomod(&m).expect("mod"), f.gomod(), "{m}");
        let info: serde_json::Value =
            serde_json::from_slice(&tree.info(&m).expect("info")).expect("JSON");
        assert_eq!(info["Version"], f.version.as_str());
        assert!(tree.zip_path(&m).expect("zip").is_file());
        assert_eq!(tree.ziphash(&m).expect("read"), None);
        assert_eq!(tree.extracted_dir(&m), None);
    }
    assert_eq!(
        tree.versions("example.com/multi").expect("list"),
        ["v1.0.0", "v1.1.0", "v1.2.0"]
    );
    assert_eq!(
        tree.versions("example.com/pseudo").expect("list"),
        Vec::<String>::new()
    );
    assert_eq!(
        tree.versions("example.com/Upper/Mixed").expect("list"),
        ["v1.0.0"]
    );
    assert_eq!(
        tree.gomod(&mv("example.com/legacy", "v2.0.0+incompatible"))
            .expect("mod"),
        b"module example.com/legacy\n"
    );
    assert!(matches!(
        tree.gomod(&mv("example.com/multi", "v9.9.9")),
        Err(SourceError::Missing { what: ".mod", .. })
    ));
    assert!(matches!(
        tree.versions("example.com/nothere"),
        Err(SourceError::Missing { .. })
    ));
}

#[test]
fn go_env_locates_the_module_cache() {
    requires_go!();
    let h = Harness::new();
    let env: Vec<(String, String)> = h
        .env()
        .into_iter()
        .map(|(k, v)| (k, v.into_string().expect("utf-8 env")))
        .chain([("GOTOOLCHAIN".to_string(), "auto".to_string())])
        .collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let vars = go_env_in(Some(h.root()), &env).expect("go env");
    assert_eq!(vars.gomodcache, h.gomodcache().to_str().expect("utf-8"));
    assert_eq!(vars.goproxy, h.proxy_url());
    assert_eq!(vars.goflags, "-modcacherw");
    assert!(vars.goversion.starts_with("go1."), "{vars:?}");
    // GOROOT and CGO_ENABLED (vendor mode's settings) as go reports them.
    assert_eq!(vars.goroot, h.go_ok(h.root(), &["env", "GOROOT"]).trim());
    assert_eq!(
        vars.cgo_enabled,
        h.go_ok(h.root(), &["env", "CGO_ENABLED"]).trim()
    );

    let cache = ModCache::locate_from(None, || Some(vars.clone()), |_| None).expect("located");
    assert_eq!(
        (cache.root(), cache.found_by()),
        (h.gomodcache(), FoundBy::GoEnv)
    );
    let cache = ModCache::locate(Some(h.gomodcache())).expect("explicit");
    assert_eq!(cache.found_by(), FoundBy::Explicit);
    assert_eq!(
        cache.describe(),
        format!("module cache `{}`", h.gomodcache().display())
    );
}
