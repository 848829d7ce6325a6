//! `gomodoff sbom`: every bill the tests make is valid against the official CycloneDX 1.6 and
//! SPDX 2.3 JSON schemas (vendored in `testdata/sbom-schemas/`), is byte-identical when made
//! twice, and says what was laid out: each module with its purl, hashes, licence and the
//! graph's edges; replacements by a fork or a local directory shown as such. In CI the bills are
//! also parsed by the CycloneDX and SPDX Python libraries (`.ci/run` installs them into
//! `target/sbom-venv`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use crate::support::{Harness, assert_success};

fn schemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sbom-schemas")
}

fn read(name: &str) -> Value {
    serde_json::from_slice(&fs::read(schemas_dir().join(name)).unwrap()).unwrap()
}

/// The CycloneDX 1.6 validator (with the SPDX licence list and JSF schemas it refers to) and
/// the SPDX 2.3 one, built once.
fn validators() -> &'static (jsonschema::Validator, jsonschema::Validator) {
    static V: OnceLock<(jsonschema::Validator, jsonschema::Validator)> = OnceLock::new();
    V.get_or_init(|| {
        let spdx_ids = read("spdx.schema.json");
        let jsf = read("jsf-0.82.schema.json");
        let registry = jsonschema::Registry::new()
            .add("http://cyclonedx.org/schema/spdx.schema.json", &spdx_ids)
            .and_then(|r| r.add("http://cyclonedx.org/schema/jsf-0.82.schema.json", &jsf))
            .and_then(|r| r.prepare())
            .unwrap();
        let cdx = jsonschema::options()
            .with_registry(&registry)
            .build(&read("bom-1.6.schema.json"))
            .unwrap();
        let spdx = jsonschema::options()
            .build(&read("spdx-2.3.schema.json"))
            .unwrap();
        (cdx, spdx)
    })
}

/// `doc` valid against the official CycloneDX 1.6 (or, `spdx`, SPDX 2.3) schema, every error listed.
pub fn assert_valid(doc: &Value, spdx: bool) {
    let (cdx, spdx_v) = validators();
    let v = if spdx { spdx_v } else { cdx };
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}\n{doc:#}", errors.join("\n"));
}

/// Parse the bill with the real consumers when `.ci/run` installed them (always in CI).
fn consumer_round_trip(file: &Path, spdx: bool) {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/sbom-venv/bin/python");
    if !python.exists() {
        assert!(
            !crate::support::tools::is_ci(),
            "CI=true but {} is missing: .ci/run installs the SBOM consumers",
            python.display()
        );
        crate::support::tools::skip(
            "the SBOM consumer round trip (no target/sbom-venv; .ci/run makes it)",
        );
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/sbom-consumers.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(if spdx { "spdx" } else { "cyclonedx" })
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} rejects {}:\n{}{}",
        if spdx {
            "spdx-tools"
        } else {
            "cyclonedx-python-lib"
        },
        file.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Both bills of `dir` (`extra` before the format flag: `--from …`), each checked against its
/// schema, made twice to the same bytes, and parsed by the consumers.
fn bills(h: &Harness, dir: &Path, extra: &[&str]) -> (Value, Value) {
    let mut docs = Vec::new();
    for (format, spdx) in [("cyclonedx-json", false), ("spdx-json", true)] {
        let file = dir.join(if spdx {
            "bom.spdx.json"
        } else {
            "bom.cdx.json"
        });
        let mut args = vec!["sbom"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--format", format, "-o", file.to_str().unwrap()]);
        assert_success(&h.gomodoff(dir, &args), "sbom");
        let first = fs::read(&file).unwrap();
        assert_success(&h.gomodoff(dir, &args), "sbom again");
        assert_eq!(first, fs::read(&file).unwrap(), "{format} is reproducible");
        let doc: Value = serde_json::from_slice(&first).unwrap();
        assert_valid(&doc, spdx);
        consumer_round_trip(&file, spdx);
        fs::remove_file(&file).unwrap();
        docs.push(doc);
    }
    let spdx = docs.pop().unwrap();
    (docs.pop().unwrap(), spdx)
}

fn component<'a>(cdx: &'a Value, name: &str) -> &'a Value {
    cdx["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {cdx:#}"))
}

fn property<'a>(c: &'a Value, name: &str) -> Vec<&'a str> {
    c["properties"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|p| p["name"] == name)
                .map(|p| p["value"].as_str().unwrap())
                .collect()
        })
        .unwrap_or_default()
}

/// The go.sum line of `module` with `suffix` (`""` or `"/go.mod"`).
fn gosum_h1(dir: &Path, module: &str, suffix: &str) -> String {
    let text = fs::read_to_string(dir.join("go.sum")).unwrap();
    text.lines()
        .find_map(|l| {
            let mut f = l.split_whitespace();
            (f.next()? == module && f.next()? == format!("v1.0.0{suffix}"))
                .then(|| f.next().unwrap().to_string())
        })
        .unwrap()
}

#[test]
fn every_mode_makes_valid_reproducible_bills_of_what_it_laid_out() {
    requires_go!();
    for mode in ["replace", "vendor", "proxy"] {
        let h = Harness::new();
        let main = crate::licenses::project(&h);
        assert_success(
            &h.gomodoff(&main, &["vendor", "--mode", mode, "--yes"]),
            "vendor",
        );
        let (cdx, spdx) = bills(&h, &main, &[]);
        assert_eq!(cdx["metadata"]["component"]["name"], "example.com/main");
        assert!(cdx["metadata"].get("timestamp").is_none());
        assert!(
            cdx["serialNumber"]
                .as_str()
                .unwrap()
                .starts_with("urn:uuid:")
        );
        let mit = component(&cdx, "example.com/lic/mit");
        assert_eq!(mit["purl"], "pkg:golang/example.com/lic/mit@v1.0.0");
        assert_eq!(mit["version"], "v1.0.0");
        assert_eq!(mit["licenses"][0]["expression"], "MIT");
        assert_eq!(
            property(mit, "gomodoff:go.sum:h1"),
            [gosum_h1(&main, "example.com/lic/mit", "")]
        );
        assert_eq!(
            property(mit, "gomodoff:go.sum:go.mod-h1"),
            [gosum_h1(&main, "example.com/lic/mit", "/go.mod")]
        );
        // The zip's SHA-256 where a zip is laid out (proxy mode), and only there.
        if mode == "proxy" {
            let zip = main.join(".gomodoff/proxy/example.com/lic/mit/@v/v1.0.0.zip");
            let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
                fs::read(zip).unwrap(),
            ));
            assert_eq!(mit["hashes"][0]["content"], sha.as_str());
        } else {
            assert!(mit.get("hashes").is_none(), "{mit:#}");
        }
        let dual = component(&cdx, "example.com/lic/dual-one-file");
        assert_eq!(dual["licenses"][0]["expression"], "Apache-2.0 OR MIT");
        let modified = component(&cdx, "example.com/lic/modified");
        assert!(modified.get("licenses").is_none());
        assert_eq!(property(modified, "gomodoff:license:status"), ["unknown"]);
        // The root depends on every module it requires.
        let root = cdx["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["ref"] == "pkg:golang/example.com/main")
            .unwrap();
        assert_eq!(
            root["dependsOn"].as_array().unwrap().len(),
            crate::licenses::CASES.len(),
            "{mode}: {root:#}"
        );
        // SPDX: the same packages and licences, the root described, the edges as DEPENDS_ON.
        let packages = spdx["packages"].as_array().unwrap();
        assert_eq!(packages.len(), crate::licenses::CASES.len() + 1);
        let mit = packages
            .iter()
            .find(|p| p["name"] == "example.com/lic/mit")
            .unwrap();
        assert_eq!(mit["licenseConcluded"], "MIT");
        assert_eq!(
            mit["externalRefs"][0]["referenceLocator"],
            "pkg:golang/example.com/lic/mit@v1.0.0"
        );
        let depends = spdx["relationships"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["relationshipType"] == "DEPENDS_ON")
            .count();
        assert_eq!(depends, crate::licenses::CASES.len(), "{mode}");
        // An unidentified licence file below a module's root: a `LicenseRef-unknown-` in the
        // expression, defined in the SPDX document (vendor mode does not lay the file out).
        if mode != "vendor" {
            let partial = component(&cdx, "example.com/lic/partial");
            let expr = "MIT AND LicenseRef-unknown-assets-LICENSE.md";
            assert_eq!(partial["licenses"][0]["expression"], expr);
            assert_eq!(property(partial, "gomodoff:license:status"), ["partial"]);
            let partial = packages
                .iter()
                .find(|p| p["name"] == "example.com/lic/partial")
                .unwrap();
            assert_eq!(partial["licenseConcluded"], expr);
            let defined: Vec<&str> = spdx["hasExtractedLicensingInfos"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["licenseId"].as_str().unwrap())
                .collect();
            assert_eq!(defined, ["LicenseRef-unknown-assets-LICENSE.md"], "{mode}");
        }
    }
}

#[test]
fn a_bundle_gets_the_same_bill() {
    requires_go!();
    let h = Harness::new();
    let main = crate::licenses::project(&h);
    let bundle = h.root().join("deps.zip");
    assert_success(
        &h.gomodoff(&main, &["pack", "-o", bundle.to_str().unwrap()]),
        "pack",
    );
    let (cdx, _) = bills(&h, &main, &["--from", bundle.to_str().unwrap()]);
    let mit = component(&cdx, "example.com/lic/mit");
    assert_eq!(mit["licenses"][0]["expression"], "MIT");
    assert_eq!(mit["hashes"][0]["alg"], "SHA-256");
    assert!(
        cdx["metadata"]["properties"][0]["value"]
            .as_str()
            .unwrap()
            .starts_with("bundle "),
        "{cdx:#}"
    );
}

#[test]
fn a_mirror_tree_gets_a_bill_and_its_licences() {
    requires_go!();
    let h = Harness::new();
    let main = crate::licenses::project(&h);
    let tree = h.root().join("mirror");
    assert_success(
        &h.gomodoff(&main, &["mirror", tree.to_str().unwrap()]),
        "mirror",
    );
    let elsewhere = h.fresh_dir("elsewhere");
    let (cdx, spdx) = bills(&h, &elsewhere, &["--from", tree.to_str().unwrap()]);
    assert_eq!(cdx["metadata"]["component"]["name"], "example.com/main");
    let mit = component(&cdx, "example.com/lic/mit");
    assert_eq!(mit["licenses"][0]["expression"], "MIT");
    assert_eq!(mit["hashes"][0]["alg"], "SHA-256");
    assert_eq!(
        spdx["packages"].as_array().unwrap().len(),
        crate::licenses::CASES.len() + 1
    );
    let out = h.gomodoff(&elsewhere, &["licenses", "--from", tree.to_str().unwrap()]);
    assert_success(&out, "licenses --from a mirror tree");
    assert!(
        crate::support::stdout(&out)
            .lines()
            .any(|l| l.starts_with("example.com/lic/dual-one-file")
                && l.contains("Apache-2.0 OR MIT")),
        "{}",
        crate::support::stdout(&out)
    );
}

#[test]
fn replacements_are_shown_as_such() {
    requires_go!();
    let h = Harness::new();
    let main = crate::licenses::project(&h);
    // A fork of example.com/lic/mit, and a module built from a directory of the repository.
    let mit = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/licenses/mit/LICENSE"),
    )
    .unwrap();
    h.publish(
        "example.com/fork/mit",
        "v2.0.0+incompatible",
        &[("LICENSE", &mit), ("m.go", "package mit\n")],
    );
    let local = main.join("local");
    fs::create_dir_all(&local).unwrap();
    fs::write(
        local.join("go.mod"),
        "module example.com/local\n\ngo 1.21\n",
    )
    .unwrap();
    fs::write(local.join("l.go"), "package local\n").unwrap();
    let mut go_mod = fs::read_to_string(main.join("go.mod")).unwrap();
    go_mod.push_str("\nrequire example.com/local v0.0.0\n\nreplace example.com/lic/mit => example.com/fork/mit v2.0.0+incompatible\n\nreplace example.com/local => ./local\n");
    fs::write(main.join("go.mod"), go_mod).unwrap();
    let main_go = fs::read_to_string(main.join("main.go"))
        .unwrap()
        .replace("import (\n", "import (\n\t_ \"example.com/local\"\n");
    fs::write(main.join("main.go"), main_go).unwrap();
    h.go_ok(&main, &["mod", "tidy"]);
    assert_success(&h.gomodoff(&main, &["vendor", "--yes"]), "vendor");
    let (cdx, spdx) = bills(&h, &main, &[]);
    let fork = component(&cdx, "example.com/fork/mit");
    assert_eq!(
        fork["purl"],
        "pkg:golang/example.com/fork/mit@v2.0.0%2Bincompatible"
    );
    assert_eq!(
        fork["pedigree"]["ancestors"][0]["name"],
        "example.com/lic/mit"
    );
    assert_eq!(property(fork, "gomodoff:replaces"), ["example.com/lic/mit"]);
    assert_eq!(fork["licenses"][0]["expression"], "MIT");
    let local = component(&cdx, "example.com/local");
    assert_eq!(
        property(local, "gomodoff:replaced-by-directory"),
        ["./local"]
    );
    assert!(local.get("purl").is_none());
    let root = cdx["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ref"] == "pkg:golang/example.com/main")
        .unwrap();
    let deps: Vec<&str> = root["dependsOn"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(
        deps.contains(&"pkg:golang/example.com/fork/mit@v2.0.0%2Bincompatible"),
        "{deps:?}"
    );
    assert!(
        deps.contains(&"pkg:golang/example.com/local@v0.0.0"),
        "{deps:?}"
    );
    let fork = spdx["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "example.com/fork/mit")
        .unwrap();
    assert!(
        fork["sourceInfo"]
            .as_str()
            .unwrap()
            .contains("replaces example.com/lic/mit"),
        "{fork:#}"
    );
}

#[test]
fn the_schemas_refuse_a_broken_bill() {
    let (cdx, spdx) = validators();
    let missing_name = serde_json::json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "components": [{"type": "library", "version": "v1.0.0"}],
    });
    assert!(!cdx.is_valid(&missing_name));
    let bad_purl_hash = serde_json::json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "components": [{"type": "library", "name": "a", "hashes": [{"alg": "SHA-256", "content": "h1:not-hex"}]}],
    });
    assert!(!cdx.is_valid(&bad_purl_hash));
    assert!(!spdx.is_valid(&serde_json::json!({"spdxVersion": "SPDX-2.3"})));
}

#[test]
fn source_date_epoch_is_the_time_timestamp_records() {
    requires_go!();
    let h = Harness::new();
    let main = crate::licenses::project(&h);
    assert_success(&h.gomodoff(&main, &["vendor", "--yes"]), "vendor");
    let epoch = [("SOURCE_DATE_EPOCH", "1700000000")];
    // `date -u -d @1700000000`.
    let when = "2023-11-14T22:13:20Z";
    for (format, spdx) in [("cyclonedx-json", false), ("spdx-json", true)] {
        let args = ["sbom", "--timestamp", "--format", format];
        let out = h.gomodoff_with_env(&main, &epoch, &args);
        assert_success(&out, "sbom --timestamp with SOURCE_DATE_EPOCH");
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_valid(&doc, spdx);
        let got = if spdx {
            &doc["creationInfo"]["created"]
        } else {
            &doc["metadata"]["timestamp"]
        };
        assert_eq!(got, when, "{format}");
        // The same time, the same bill.
        let again = h.gomodoff_with_env(&main, &epoch, &args);
        assert_eq!(out.stdout, again.stdout, "{format}");
    }
    // Without --timestamp the variable changes nothing: no time recorded.
    let out = h.gomodoff_with_env(&main, &epoch, &["sbom"]);
    assert_success(&out, "sbom with SOURCE_DATE_EPOCH");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["metadata"].get("timestamp").is_none(), "{doc:#}");
    // A malformed value is an error naming it, not the time of the run.
    let out = h.gomodoff_with_env(
        &main,
        &[("SOURCE_DATE_EPOCH", "yesterday")],
        &["sbom", "--timestamp"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = crate::support::stderr(&out);
    assert!(
        err.contains("SOURCE_DATE_EPOCH is `yesterday`, not a number of seconds")
            && err.contains("hint:"),
        "{err}"
    );
}

/// A node of the module graph by name: `path` for a main module, `path@version` for the module
/// version whose content stands for a build-list module (a replacement's).
type Edge = (String, String);

/// `go mod graph`'s edges (run in `dir` with `env`), translated the way `gomodoff sbom` shows
/// them: edges from main modules and from selected module versions only, each target at its
/// selected version, each module version named by its content (`go list -m all`'s replacement,
/// unless that is a directory); the `go` and `toolchain` pseudo-modules dropped.
fn go_mod_graph_edges(h: &Harness, dir: &Path, env: &[(&str, &str)]) -> BTreeSet<Edge> {
    let list = h.go_ok_with_env(
        dir,
        &[
            "list",
            "-m",
            "-f",
            "{{.Main}} {{.Path}} {{.Version}} {{with .Replace}}{{.Path}} {{.Version}}{{end}}",
            "all",
        ],
        env,
    );
    let mut mains = BTreeSet::new();
    // Build-list path → (selected version, the name of its content).
    let mut selected: BTreeMap<String, (String, String)> = BTreeMap::new();
    for line in list.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["true", path, ..] => {
                mains.insert(path.to_string());
            }
            ["false", path, version] | ["false", path, version, _] => {
                selected.insert(
                    path.to_string(),
                    (version.to_string(), format!("{path}@{version}")),
                );
            }
            ["false", path, version, fork, fork_version] => {
                selected.insert(
                    path.to_string(),
                    (version.to_string(), format!("{fork}@{fork_version}")),
                );
            }
            _ => panic!("go list -m: {line}"),
        }
    }
    let graph = h.go_ok_with_env(dir, &["mod", "graph"], env);
    let pseudo = |p: &str| p == "go" || p == "toolchain";
    let mut edges = BTreeSet::new();
    for line in graph.lines() {
        let (from, to) = line.split_once(' ').unwrap();
        let (to_path, _) = to.split_once('@').unwrap();
        if pseudo(to_path) {
            continue;
        }
        let from = match from.split_once('@') {
            None => {
                assert!(mains.contains(from), "{line}");
                from.to_string()
            }
            Some((path, version)) => {
                if pseudo(path) {
                    continue;
                }
                match selected.get(path) {
                    Some((v, content)) if v == version => content.clone(),
                    _ => continue, // a version not selected
                }
            }
        };
        let Some((_, to)) = selected.get(to_path) else {
            continue; // a main module required by another
        };
        edges.insert((from, to.clone()));
    }
    edges
}

/// The CycloneDX bill's edges by name (`path` of a main module, `path@version` of a component).
fn bill_edges(cdx: &Value) -> (BTreeSet<String>, BTreeSet<Edge>) {
    let mut names: BTreeMap<&str, String> = BTreeMap::new();
    let root = &cdx["metadata"]["component"];
    names.insert(
        root["bom-ref"].as_str().unwrap(),
        root["name"].as_str().unwrap().to_string(),
    );
    for c in cdx["components"].as_array().unwrap() {
        let name = match c["version"].as_str() {
            Some(v) => format!("{}@{v}", c["name"].as_str().unwrap()),
            None => c["name"].as_str().unwrap().to_string(),
        };
        assert!(
            names.insert(c["bom-ref"].as_str().unwrap(), name).is_none(),
            "{c:#}"
        );
    }
    let mut edges = BTreeSet::new();
    for d in cdx["dependencies"].as_array().unwrap() {
        let from = &names[d["ref"].as_str().unwrap()];
        for to in d["dependsOn"].as_array().unwrap() {
            edges.insert((from.clone(), names[to.as_str().unwrap()].clone()));
        }
    }
    (names.into_values().collect(), edges)
}

/// The bill's edges are `go mod graph`'s between the bill's nodes, and there are some.
#[allow(clippy::print_stderr)] // the count, for the report
fn assert_edges_are_go_mod_graphs(cdx: &Value, go: &BTreeSet<Edge>, what: &str) {
    let (nodes, ours) = bill_edges(cdx);
    let theirs: BTreeSet<Edge> = go
        .iter()
        .filter(|(f, t)| nodes.contains(f) && nodes.contains(t))
        .cloned()
        .collect();
    assert!(!theirs.is_empty(), "{what}: no edges to compare: {go:?}");
    // Every component is required by something in go's graph, under the same name (a
    // component named otherwise would make its edges drop out of both sides).
    let targets: BTreeSet<&String> = go.iter().map(|(_, t)| t).collect();
    let root = cdx["metadata"]["component"]["name"].as_str().unwrap();
    for n in nodes.iter().filter(|n| n.contains('@')) {
        assert!(
            targets.contains(n),
            "{what}: {n} is in no edge of go mod graph's ({root})"
        );
    }
    assert_eq!(
        ours, theirs,
        "{what}: the bill's edges (left) are not go mod graph's (right)"
    );
    eprintln!("{what}: {} edges, as go mod graph", ours.len());
}

/// A workspace's bill (vendor mode vendors the workspace): every workspace module a root with
/// its own edges, all of them `go mod graph`'s in the workspace; replace and proxy mode in a
/// workspace module lay out that module's build list, and its bill has `GOWORK=off go mod
/// graph`'s edges.
/// `gomodoff ARGS` (an `sbom` command) in `cwd` of the workspace `ws`: it succeeds, warns of no
/// missing edges, and its document is valid against its schema.
fn workspace_bill(h: &Harness, ws: &Path, cwd: &Path, args: &[&str], what: &str) -> Value {
    let out = crate::workspace::gomodoff_in(h, ws, cwd, args);
    assert_success(&out, what);
    let err = crate::support::stderr(&out);
    assert!(!err.contains("no dependency edges"), "{what}: {err}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&doc, args.contains(&"spdx-json"));
    doc
}

#[test]
fn a_workspace_bill_has_the_edges_go_mod_graph_prints() {
    requires_go!();
    let h = Harness::new();
    let ws = crate::workspace::workspace(&h);
    let work = crate::workspace::work_env(&ws);
    let in_ws = [("GOWORK", work.as_str())];
    let go_ws = go_mod_graph_edges(&h, &ws, &in_ws);
    let go_app = go_mod_graph_edges(&h, &ws.join("app"), &[("GOWORK", "off")]);
    assert!(
        go_ws.contains(&(
            "example.com/lib".into(),
            "example.com/forks/multi@v1.2.1".into()
        )),
        "{go_ws:?}"
    );

    let vendored = h.copy_of(&ws, "ws-vendor");
    let work = crate::workspace::work_env(&vendored);
    let out = crate::workspace::gomodoff_in(
        &h,
        &vendored,
        &vendored,
        &["vendor", "--mode", "vendor", "--yes"],
    );
    assert_success(&out, "vendor mode in the workspace");
    let cdx = workspace_bill(&h, &vendored, &vendored, &["sbom"], "sbom of the workspace");
    assert_eq!(cdx["metadata"]["component"]["name"], "example.com/app");
    let lib = component(&cdx, "example.com/lib");
    assert_eq!(lib["type"], "application");
    assert_edges_are_go_mod_graphs(&cdx, &go_ws, "vendor mode, workspace");
    // go.work's fork stands in for the module it replaces.
    let fork_edge = (
        "example.com/lib".to_string(),
        "example.com/forks/multi@v1.2.1".to_string(),
    );
    assert!(bill_edges(&cdx).1.contains(&fork_edge), "{cdx:#}");
    let fork = component(&cdx, "example.com/forks/multi");
    assert_eq!(
        property(fork, "gomodoff:replaces"),
        ["example.com/multi@v1.2.0"]
    );
    let spdx = workspace_bill(
        &h,
        &vendored,
        &vendored,
        &["sbom", "--format", "spdx-json"],
        "sbom --format spdx-json of the workspace",
    );
    let described = spdx["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["relationshipType"] == "DESCRIBES")
        .count();
    assert_eq!(described, 2, "both workspace modules described");
    let _ = work;

    // A bundle of the workspace: the same edges from the go.mod files it carries.
    let bundle = h.root().join("ws.zip");
    let bundle_arg = bundle.to_str().unwrap();
    let out = crate::workspace::gomodoff_in(&h, &ws, &ws, &["pack", "-o", bundle_arg]);
    assert_success(&out, "pack of the workspace");
    let cdx = workspace_bill(
        &h,
        &ws,
        &ws,
        &["sbom", "--from", bundle_arg],
        "sbom --from the workspace's bundle",
    );
    assert_edges_are_go_mod_graphs(&cdx, &go_ws, "the workspace's bundle");
    assert!(bill_edges(&cdx).1.contains(&fork_edge), "{cdx:#}");
    let fork = component(&cdx, "example.com/forks/multi");
    assert_eq!(
        property(fork, "gomodoff:replaces"),
        ["example.com/multi@v1.2.0"]
    );

    for mode in ["replace", "proxy"] {
        let copy = h.copy_of(&ws, &format!("ws-{mode}"));
        let app = copy.join("app");
        let out =
            crate::workspace::gomodoff_in(&h, &copy, &app, &["vendor", "--mode", mode, "--yes"]);
        assert_success(&out, &format!("{mode} mode in a workspace module"));
        let cdx = workspace_bill(&h, &copy, &app, &["sbom"], &format!("sbom, {mode} mode"));
        assert_eq!(cdx["metadata"]["component"]["name"], "example.com/app");
        assert_edges_are_go_mod_graphs(&cdx, &go_app, &format!("{mode} mode, workspace module"));
    }
}

/// A lock's text without its recorded graph: what gomodoff wrote before it recorded one.
fn without_graph(lock: &str) -> String {
    let at = lock
        .find("\n[[graph]]\n")
        .expect("the lock records the graph");
    lock[..at].to_string()
}

/// `gomodoff --modcache <a directory that does not exist> args` in `dir`: a fresh clone on a
/// CI runner, with no module cache.
fn without_cache(h: &Harness, dir: &Path, args: &[&str]) -> std::process::Output {
    let absent = h.root().join("no-module-cache");
    assert!(!absent.exists());
    h.gomodoff_command_without_modcache(dir)
        .arg("--modcache")
        .arg(&absent)
        .args(args)
        .output()
        .unwrap()
}

/// Vendor mode records the module graph in gomodoff.lock (vendor/ keeps no dependency's go.mod):
/// with no module cache the bill has `go mod graph`'s edges, byte-identical to the bill the
/// module cache gives for a lock without the record (as an older gomodoff wrote it); such a
/// lock still loads, its bill warns and names `gomodoff vendor`, which records the graph.
/// Pruned (go 1.22, with a go 1.16 dependency) and unpruned (go 1.16) main modules.
#[test]
fn vendor_mode_records_the_graph_a_clone_without_a_module_cache_needs() {
    requires_go!();
    for project in ["basic", "legacy116"] {
        let h = Harness::new();
        let dir = h.project(project);
        let go = go_mod_graph_edges(&h, &dir, &[]);
        assert_success(
            &h.gomodoff(&dir, &["vendor", "--mode", "vendor", "--yes"]),
            "vendor",
        );
        let lock_file = dir.join("gomodoff.lock");
        let recorded = fs::read_to_string(&lock_file).unwrap();
        let mut from_lock = Vec::new();
        for format in ["cyclonedx-json", "spdx-json"] {
            let out = without_cache(&h, &dir, &["sbom", "--format", format]);
            assert_success(&out, "sbom without a module cache");
            let err = crate::support::stderr(&out);
            assert!(!err.contains("no dependency edges"), "{project}: {err}");
            let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_valid(&doc, format == "spdx-json");
            from_lock.push(out.stdout);
        }
        let cdx: Value = serde_json::from_slice(&from_lock[0]).unwrap();
        assert_edges_are_go_mod_graphs(&cdx, &go, &format!("{project}, no module cache"));
        for args in [&["verify"][..], &["status", "--check"]] {
            assert_success(&without_cache(&h, &dir, args), args[0]);
        }

        // A lock without the record: the module cache gives the same bill, byte for byte.
        fs::write(&lock_file, without_graph(&recorded)).unwrap();
        for (format, want) in ["cyclonedx-json", "spdx-json"].iter().zip(&from_lock) {
            let out = h.gomodoff(&dir, &["sbom", "--format", format]);
            assert_success(&out, "sbom from the module cache");
            assert!(
                crate::support::stderr(&out).is_empty(),
                "{}",
                crate::support::stderr(&out)
            );
            assert!(
                &out.stdout == want,
                "{project} {format}: the two bills differ"
            );
        }
        // Neither a record nor a module cache: a bill without edges, and a warning naming the fix.
        let out = without_cache(&h, &dir, &["sbom"]);
        assert_success(&out, "sbom of an older lock without a module cache");
        let err = crate::support::stderr(&out);
        assert!(
            err.contains("the SBOM has no dependency edges")
                && err.contains("run `gomodoff vendor`"),
            "{err}"
        );
        let (_, edges) = bill_edges(&serde_json::from_slice(&out.stdout).unwrap());
        assert!(edges.is_empty(), "{edges:?}");
        // `gomodoff vendor` records the graph again.
        assert_success(&h.gomodoff(&dir, &["vendor", "--yes"]), "vendor again");
        assert_eq!(fs::read_to_string(&lock_file).unwrap(), recorded);
    }
}

/// An edited graph in gomodoff.lock is caught by `verify` (and `status --check`): without a
/// module cache where the repository contradicts it (go.mod's requirements, the vendored
/// versions, go.sum), with one for any edge.
#[test]
fn an_edited_graph_in_the_lock_is_caught() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    assert_success(
        &h.gomodoff(&dir, &["vendor", "--mode", "vendor", "--yes"]),
        "vendor",
    );
    let lock_file = dir.join("gomodoff.lock");
    let recorded = fs::read_to_string(&lock_file).unwrap();
    let graph_at = recorded.find("\n[[graph]]\n").unwrap();
    let (head, graph) = recorded.split_at(graph_at);
    let edit = |from: &str, to: &str| {
        assert!(graph.contains(from), "{graph}");
        fs::write(&lock_file, format!("{head}{}", graph.replacen(from, to, 1))).unwrap();
    };
    // A dependency's requirement dropped: only the module cache knows.
    let old116 = "module = \"example.com/old116@v1.0.0\"\nrequires = [\"example.com/legacy@v2.0.0+incompatible\", \"example.com/modonly@v1.0.0\", ";
    edit(
        old116,
        "module = \"example.com/old116@v1.0.0\"\nrequires = [\"example.com/legacy@v2.0.0+incompatible\", ",
    );
    let out = h.gomodoff(&dir, &["verify"]);
    let said = crate::support::stdout_of_exit(&out, 1);
    assert!(
        said.contains("gomodoff.lock: graph disagrees (`example.com/old116@v1.0.0`: the record has it requiring example.com/legacy@v2.0.0+incompatible, example.com/multi@v1.2.0; the module graph read from the module cache has it requiring example.com/legacy@v2.0.0+incompatible, example.com/modonly@v1.0.0, example.com/multi@v1.2.0)"),
        "{said}"
    );
    // A requirement of the main module dropped, a vendored version changed: caught without
    // a module cache, by verify and by status --check.
    let main_line = "module = \"example.com/basic\"\nrequires = [";
    for (from, to, says) in [
        (
            ", \"example.com/tagged@v1.0.0\"",
            "",
            "`example.com/basic` requires `example.com/tagged@v1.0.0`, the record does not",
        ),
        (
            "module = \"example.com/embedded@v1.0.0\"",
            "module = \"example.com/embedded@v1.0.1\"",
            "`example.com/embedded@v1.0.0` is vendored, the record has `example.com/embedded@v1.0.1`",
        ),
    ] {
        if from.starts_with("module") {
            edit(from, to);
        } else {
            let at = graph.find(main_line).unwrap();
            let changed = format!("{}{}", &graph[..at], graph[at..].replacen(from, to, 1));
            assert_ne!(changed, graph);
            fs::write(&lock_file, format!("{head}{changed}")).unwrap();
        }
        let out = without_cache(&h, &dir, &["verify"]);
        let said = crate::support::stdout_of_exit(&out, 1);
        assert!(said.contains(says), "{said}");
        let out = without_cache(&h, &dir, &["status", "--check"]);
        let said = crate::support::stdout_of_exit(&out, 1);
        assert!(
            said.contains(&format!(
                "gomodoff.lock: the module graph it records disagrees: {says}"
            )),
            "{said}"
        );
    }
    fs::write(&lock_file, &recorded).unwrap();
    assert_success(
        &h.gomodoff(&dir, &["verify"]),
        "verify of the lock as written",
    );
}

/// Replace and proxy mode need no module cache for the edges: their trees carry every go.mod
/// the graph reads, and the bill has `go mod graph`'s edges without one.
#[test]
fn replace_and_proxy_mode_bills_have_every_edge_without_a_module_cache() {
    requires_go!();
    for mode in ["replace", "proxy"] {
        let h = Harness::new();
        let dir = h.project("basic");
        let go = go_mod_graph_edges(&h, &dir, &[]);
        assert_success(
            &h.gomodoff(&dir, &["vendor", "--mode", mode, "--yes"]),
            "vendor",
        );
        for format in ["cyclonedx-json", "spdx-json"] {
            let out = without_cache(&h, &dir, &["sbom", "--format", format]);
            assert_success(&out, &format!("{mode} mode: sbom without a module cache"));
            let err = crate::support::stderr(&out);
            assert!(!err.contains("no dependency edges"), "{mode}: {err}");
            let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_valid(&doc, format == "spdx-json");
            if format == "cyclonedx-json" {
                let what = format!("{mode} mode, no module cache");
                assert_edges_are_go_mod_graphs(&doc, &go, &what);
            }
        }
    }
}
