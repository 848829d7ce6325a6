//! `--json`: every command, on success, on a dry run and on failure, prints exactly one JSON
//! document on stdout, valid against its published schema (`docs/schema/<command>.json`,
//! checked with a JSON Schema validator) and named by its `schema` field.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use serde_json::Value;

use crate::support::{Harness, stderr, stdout};

/// The `$id` prefix of the published schemas.
const SCHEMA_ID: &str = "urn:gomodoff:schema:v1:";

fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schema")
}

fn read_schema(name: &str) -> Value {
    let path = schema_dir().join(format!("{name}.json"));
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The validator of each schema but `common` (which the others refer to), built once.
fn validators() -> &'static HashMap<String, jsonschema::Validator> {
    static VALIDATORS: OnceLock<HashMap<String, jsonschema::Validator>> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        let common = read_schema("common");
        let registry = jsonschema::Registry::new()
            .add(format!("{SCHEMA_ID}common"), &common)
            .and_then(|r| r.prepare())
            .unwrap_or_else(|e| panic!("common.json: {e}"));
        let mut all = HashMap::new();
        for entry in fs::read_dir(schema_dir()).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            if name == "common" {
                continue;
            }
            let schema = read_schema(&name);
            assert_eq!(schema["$id"], format!("{SCHEMA_ID}{name}"), "{name}.json");
            let validator = jsonschema::options()
                .with_registry(&registry)
                .build(&schema)
                .unwrap_or_else(|e| panic!("{name}.json is not a valid schema: {e}"));
            all.insert(name, validator);
        }
        all
    })
}

/// `doc` checked against the schema `name`, every error listed.
pub(crate) fn assert_valid(name: &str, doc: &Value) {
    let validator = validators()
        .get(name)
        .unwrap_or_else(|| panic!("no schema docs/schema/{name}.json"));
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid against {name}.json:\n{}\n{doc:#}",
        errors.join("\n")
    );
}

/// The one JSON document on stdout: nothing before it, nothing after it but its newline.
fn only_document(out: &Output) -> Value {
    let text = stdout(out);
    let mut stream = serde_json::Deserializer::from_str(&text).into_iter::<Value>();
    let doc = match stream.next() {
        Some(Ok(doc)) => doc,
        other => panic!(
            "stdout is not a JSON document ({other:?}):\n{text}\nstderr:\n{}",
            stderr(out)
        ),
    };
    assert_eq!(
        &text[stream.byte_offset()..],
        "\n",
        "stdout holds more than one document:\n{text}"
    );
    doc
}

/// The document of `command` (which exited `code`), valid against its schema.
fn document(out: &Output, command: &str, code: i32) -> Value {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{command}: exit code\nstdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
    let doc = only_document(out);
    assert_eq!(doc["schema"], format!("gomodoff/{command}/v1"), "{doc:#}");
    assert_valid(command, &doc);
    doc
}

/// The error document of a failed `command` (`None`: the command line itself was refused).
fn error_document(out: &Output, command: Option<&str>, code: i32) -> Value {
    let doc = document(out, "error", code);
    assert_eq!(doc["command"], serde_json::json!(command), "{doc:#}");
    assert_eq!(doc["error"]["exit_code"], code, "{doc:#}");
    assert!(!doc["error"]["message"].as_str().unwrap().is_empty());
    doc
}

fn json(h: &Harness, dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    h.gomodoff(dir, &all)
}

fn names(entries: &Value) -> Vec<String> {
    entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["module"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn replace_mode_every_command_prints_one_valid_document() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");

    let doc = document(&json(&h, &dir, &["vendor", "--dry-run"]), "vendor", 0);
    assert_eq!(doc["outcome"], "dry_run");
    assert_eq!(doc["mode"], "replace");
    assert!(!names(&doc["modules"]["added"]).is_empty(), "{doc:#}");
    assert!(
        doc["diff"].as_str().unwrap().contains("+++ b/go.mod"),
        "{doc:#}"
    );
    assert!(doc["write"]["bytes"].as_u64().unwrap() > 0, "{doc:#}");
    assert!(
        !dir.join("gomodoff.lock").exists(),
        "a dry run changes nothing"
    );

    let doc = document(&json(&h, &dir, &["vendor", "--yes"]), "vendor", 0);
    assert_eq!(doc["outcome"], "applied");
    assert!(
        !doc["trees"]["add"].as_array().unwrap().is_empty(),
        "{doc:#}"
    );
    let gomod = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "go.mod")
        .expect("go.mod is written");
    assert_eq!(gomod["action"], "update");
    assert!(gomod["lines_added"].as_u64().unwrap() > 0);

    let doc = document(&json(&h, &dir, &["vendor", "--yes"]), "vendor", 0);
    assert_eq!(doc["outcome"], "unchanged", "{doc:#}");

    let doc = document(&json(&h, &dir, &["verify"]), "verify", 0);
    assert_eq!(doc["ok"], true);
    let doc = document(&json(&h, &dir, &["status", "--check"]), "status", 0);
    assert_eq!(doc["in_sync"], true);
    let doc = document(&json(&h, &dir, &["licenses"]), "licenses", 0);
    assert!(!doc["modules"].as_array().unwrap().is_empty(), "{doc:#}");
    let doc = document(&json(&h, &dir, &["sbom"]), "sbom", 0);
    assert_eq!(doc["sbom"]["bomFormat"], "CycloneDX", "{doc:#}");
    crate::sbom::assert_valid(&doc["sbom"], false);
    let doc = document(
        &json(
            &h,
            &dir,
            &["sbom", "--format", "spdx-json", "-o", "bom.json"],
        ),
        "sbom",
        0,
    );
    assert_eq!(doc["sbom"], Value::Null, "{doc:#}");
    let spdx: Value = serde_json::from_slice(&fs::read(dir.join("bom.json")).unwrap()).unwrap();
    crate::sbom::assert_valid(&spdx, true);
    fs::remove_file(dir.join("bom.json")).unwrap();
    fs::write(
        dir.join("gomodoff.toml"),
        "[licenses]\nallow = [\"0BSD\"]\n",
    )
    .unwrap();
    let doc = document(&json(&h, &dir, &["licenses", "--check"]), "licenses", 1);
    assert!(!doc["violations"].as_array().unwrap().is_empty(), "{doc:#}");
    let doc = document(&json(&h, &dir, &["status", "--check"]), "status", 1);
    assert!(
        !doc["license_violations"].as_array().unwrap().is_empty(),
        "{doc:#}"
    );
    fs::remove_file(dir.join("gomodoff.toml")).unwrap();
    let doc = document(&json(&h, &dir, &["env"]), "env", 0);
    assert_eq!(doc["env"]["GOPROXY"], "off");

    // The command's stdout goes to stderr: stdout is the document's.
    let out = json(
        &h,
        &dir,
        &["exec", "--", "sh", "-c", "echo from-child; exit 3"],
    );
    let doc = document(&out, "exec", 3);
    assert_eq!(doc["exit_code"], 3);
    assert!(stderr(&out).contains("from-child"), "{}", stderr(&out));

    let doc = document(&json(&h, &dir, &["hash", "--check"]), "hash", 0);
    assert_eq!(doc["ok"], true);
    assert!(doc["checked"].as_u64().unwrap() > 0);
    let doc = document(&json(&h, &dir, &["hash", "--gomod", "go.mod"]), "hash", 0);
    assert_eq!(doc["kind"], "gomod");

    let doc = document(&json(&h, &dir, &["check"]), "check", 0);
    assert_eq!(doc["verdict"], "ok", "{doc:#}");

    let work = h.fresh_dir("json-bundle");
    let bundle = work.join("b.zip");
    let bundle = bundle.to_str().unwrap();
    let doc = document(&json(&h, &dir, &["pack", "-o", bundle]), "pack", 0);
    assert!(doc["modules"].as_u64().unwrap() > 0);
    let tree = work.join("tree");
    let args = ["unpack", bundle, "--to", tree.to_str().unwrap()];
    let doc = document(&json(&h, &dir, &args), "unpack", 0);
    assert!(
        doc["env"]["GOPROXY"]
            .as_str()
            .unwrap()
            .starts_with("file://")
    );
    // The harness exports GOFLAGS=-modcacherw: kept, with the offline build's -mod.
    assert_eq!(doc["env"]["GOFLAGS"], "-modcacherw -mod=readonly");
    let mirror = work.join("mirror");
    let mirror = mirror.to_str().unwrap();
    let doc = document(&json(&h, &dir, &["mirror", mirror]), "mirror", 0);
    assert_eq!(doc["action"], "add");
    let doc = document(
        &json(&h, &dir, &["mirror", "--verify", mirror]),
        "mirror",
        0,
    );
    assert_eq!(doc["ok"], true);

    // A file changed in a laid-out tree: exit 1, the finding in the document.
    let lock = fs::read_to_string(dir.join("gomodoff.lock")).unwrap();
    assert!(lock.contains("third_party/gomod"), "{lock}");
    let tree_file = walk_first_go_file(&dir.join("third_party/gomod"));
    fs::write(&tree_file, "package changed\n").unwrap();
    let doc = document(&json(&h, &dir, &["verify"]), "verify", 1);
    assert_eq!(doc["ok"], false);
    assert!(!doc["findings"].as_array().unwrap().is_empty(), "{doc:#}");

    let doc = document(&json(&h, &dir, &["restore", "--dry-run"]), "restore", 0);
    assert_eq!(doc["outcome"], "dry_run");
    assert!(!names(&doc["modules"]["removed"]).is_empty(), "{doc:#}");
    let doc = document(&json(&h, &dir, &["restore", "--yes"]), "restore", 0);
    assert_eq!(doc["outcome"], "applied");
    assert!(!dir.join("gomodoff.lock").exists());
}

fn walk_first_go_file(dir: &Path) -> PathBuf {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .find(|p| p.extension().is_some_and(|e| e == "go"))
        .unwrap_or_else(|| panic!("no .go file under {}", dir.display()))
}

#[test]
fn vendor_and_proxy_mode_changes_and_go_are_documented() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    let args = ["vendor", "--mode", "vendor", "--dry-run"];
    let doc = document(&json(&h, &dir, &args), "vendor", 0);
    assert_eq!(doc["mode"], "vendor");
    assert!(
        doc["diff"].as_str().unwrap().contains("vendor/modules.txt"),
        "{doc:#}"
    );
    let args = ["vendor", "--mode", "vendor", "--yes"];
    let doc = document(&json(&h, &dir, &args), "vendor", 0);
    assert_eq!(doc["outcome"], "applied");
    let doc = document(&json(&h, &dir, &["restore", "--dry-run"]), "restore", 0);
    assert_eq!(doc["mode"], "vendor");
    document(&json(&h, &dir, &["restore", "--yes"]), "restore", 0);

    let args = ["vendor", "--mode", "proxy", "--yes"];
    let doc = document(&json(&h, &dir, &args), "vendor", 0);
    assert_eq!(doc["mode"], "proxy");
    assert!(doc["laid_out"]["whole"].as_u64().unwrap() > 0, "{doc:#}");
    let doc = document(&json(&h, &dir, &["verify"]), "verify", 0);
    assert_eq!(doc["mode"], "proxy");
    document(&json(&h, &dir, &["restore", "--yes"]), "restore", 0);

    // `gomodoff go`: go's own output stays off stdout.
    let dir = h.project("cgo");
    document(&json(&h, &dir, &["vendor", "--yes"]), "vendor", 0);
    let out = json(&h, &dir, &["go", "--dry-run", "mod", "tidy"]);
    let doc = document(&out, "go", 0);
    assert!(
        ["dry_run", "unchanged"].contains(&doc["outcome"].as_str().unwrap()),
        "{doc:#}"
    );
    let out = json(
        &h,
        &dir,
        &["go", "--yes", "get", "example.com/no-such-module@v1.0.0"],
    );
    let doc = document(&out, "go", 1);
    assert_eq!(doc["outcome"], "go_failed");
}

#[test]
fn the_generated_documents_are_documented_too() {
    requires_go!();
    let h = Harness::new();
    let dir = h.fresh_dir("json-docs");
    let doc = document(&json(&h, &dir, &["completions", "bash"]), "completions", 0);
    assert!(doc["script"].as_str().unwrap().contains("gomodoff"));
    let doc = document(&json(&h, &dir, &["man", "vendor"]), "man", 0);
    assert_eq!(doc["name"], "gomodoff-vendor.1");
    let doc = document(&json(&h, &dir, &["man", "--dir", "pages"]), "man", 0);
    assert!(doc["pages"].as_array().unwrap().len() > 10, "{doc:#}");
}

#[test]
fn every_command_fails_with_one_error_document() {
    requires_go!();
    let h = Harness::new();
    // No go.mod here: every command that needs a repository fails.
    let empty = h.fresh_dir("json-empty");
    let failing: &[(&str, &[&str])] = &[
        ("vendor", &["vendor", "--yes"]),
        ("vendor", &["vendor", "--dry-run"]),
        ("restore", &["restore", "--yes"]),
        ("restore", &["restore", "--dry-run"]),
        ("verify", &["verify"]),
        ("status", &["status"]),
        ("licenses", &["licenses"]),
        ("sbom", &["sbom"]),
        ("check", &["check"]),
        ("env", &["env"]),
        ("exec", &["exec", "--", "true"]),
        ("go", &["go", "--dry-run", "mod", "tidy"]),
        ("pack", &["pack"]),
        ("unpack", &["unpack", "missing.zip"]),
        ("mirror", &["mirror", "tree"]),
        ("hash", &["hash"]),
        ("hash", &["hash", "--check"]),
        ("man", &["man", "no-such-command"]),
    ];
    for (command, args) in failing {
        let out = json(&h, &empty, args);
        error_document(&out, Some(command), 2);
        // The text error is still on stderr, for a person.
        assert!(
            stderr(&out).contains("error: "),
            "{command}: {}",
            stderr(&out)
        );
    }

    // A command line clap refuses: the error document names no command.
    let out = json(&h, &empty, &["vendor", "--no-such-flag"]);
    let doc = error_document(&out, None, 2);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--no-such-flag"),
        "{doc:#}"
    );
    let out = json(&h, &empty, &["completions", "no-such-shell"]);
    error_document(&out, None, 2);

    // exec's own codes: 127 for a command that is not there.
    let dir = h.project("basic");
    document(&json(&h, &dir, &["vendor", "--yes"]), "vendor", 0);
    let out = json(&h, &dir, &["exec", "--", "no-such-command-anywhere"]);
    let doc = error_document(&out, Some("exec"), 127);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no-such-command-anywhere"),
        "{doc:#}"
    );
    // Not going to apply without a terminal or --yes: an error, as a document.
    let out = json(&h, &dir, &["restore"]);
    let doc = error_document(&out, Some("restore"), 2);
    assert!(
        doc["error"]["hint"].as_str().unwrap().contains("--yes"),
        "{doc:#}"
    );
}

#[test]
fn the_schemas_refuse_what_they_do_not_describe() {
    let good = serde_json::json!({
        "schema": "gomodoff/verify/v1", "ok": true, "interrupted": false, "message": null,
        "mode": "replace", "dir": "third_party/gomod", "modules": 3, "findings": [],
    });
    assert_valid("verify", &good);
    let validator = &validators()["verify"];
    let mut extra = good.clone();
    extra["surprise"] = true.into();
    assert!(!validator.is_valid(&extra), "an undocumented field");
    let mut wrong = good.clone();
    wrong["findings"] = serde_json::json!([{"subject": "x"}]);
    assert!(!validator.is_valid(&wrong), "a finding of another shape");
    let mut other = good;
    other["schema"] = "gomodoff/status/v1".into();
    assert!(!validator.is_valid(&other), "another command's document");
    // A change's plan is required once there is one.
    let change = serde_json::json!({"schema": "gomodoff/vendor/v1", "outcome": "applied"});
    assert!(!validators()["vendor"].is_valid(&change));
}
