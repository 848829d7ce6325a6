//! go.mod layer against the real go command: the goldens in `testdata/gomod` (made by
//! `scripts/gen-gomod-golden.sh`), `go mod edit` run now on the same inputs, `go mod edit -json`
//! for the read API, and random canonical files with random edit sequences.
//!
//! Tests that need go skip with a message when it is missing, and fail when `CI=true`.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::fs;
use std::path::Path;

use gomodoff::gomod::{Edit, GoMod};
use serde_json::Value;

use crate::support::{self, Harness};

struct Case {
    name: String,
    input: String,
    flags: Vec<String>,
    want: String,
}

fn cases() -> Vec<Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/gomod");
    let mut out = Vec::new();
    for entry in fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() || dir.file_name().unwrap().to_string_lossy().starts_with('_') {
            continue;
        }
        let read = |f: &str| fs::read_to_string(dir.join(f)).unwrap();
        let flags = read("edits.txt")
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect();
        out.push(Case {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            input: read("in.mod"),
            flags,
            want: read("want.mod"),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(out.len() >= 20, "expected at least 20 golden cases");
    out
}

fn our_edit(input: &str, flags: &[String]) -> String {
    let mut m = GoMod::parse("go.mod", input).unwrap();
    let edits: Vec<Edit> = flags.iter().map(|f| Edit::from_flag(f).unwrap()).collect();
    m.apply(&edits).unwrap();
    m.to_string()
}

/// go writes LF; where the input has CRLF we keep it, so compare modulo line endings there.
fn comparable(ours: &str, input: &str) -> String {
    if input.contains("\r\n") {
        ours.replace("\r\n", "\n")
    } else {
        ours.to_string()
    }
}

#[test]
fn goldens_round_trip() {
    for case in cases() {
        for text in [&case.input, &case.want] {
            let m = GoMod::parse("go.mod", text).unwrap();
            assert_eq!(m.to_string(), *text, "{}", case.name);
            assert_eq!(GoMod::parse_lax("go.mod", text).unwrap().to_string(), *text);
        }
    }
}

#[test]
fn goldens_match_our_editor() {
    for case in cases() {
        let ours = our_edit(&case.input, &case.flags);
        assert_eq!(
            comparable(&ours, &case.input),
            case.want,
            "case {}: ours differs from want.mod",
            case.name
        );
        if case.input.contains("\r\n") {
            assert!(
                !ours.replace("\r\n", "").contains('\n'),
                "{}: mixed line endings",
                case.name
            );
        }
    }
}

#[test]
fn goldens_match_go_now() {
    requires_go!();
    let go = Go::new();
    for case in cases() {
        let got = go.edit(&case.input, &case.flags);
        assert_eq!(
            got, case.want,
            "case {}: want.mod is stale, run scripts/gen-gomod-golden.sh",
            case.name
        );
        let ours = our_edit(&case.input, &case.flags);
        assert_eq!(comparable(&ours, &case.input), got, "case {}", case.name);
    }
}

#[test]
fn read_api_matches_go_mod_edit_json() {
    requires_go!();
    let go = Go::new();
    for case in cases() {
        // The file as read.
        let file_json = go.json(&case.want, &[]);
        assert_json(
            &GoMod::parse("go.mod", &case.want).unwrap(),
            &file_json,
            &case.name,
        );
        // The edit session's view, lists in modfile's order. modfile keeps the old left side
        // of a replacement it rewrote (`Replace.Old`) where we report the file's, so replaces
        // are compared with the written file instead.
        let mut m = GoMod::parse("go.mod", &case.input).unwrap();
        let edits: Vec<Edit> = case
            .flags
            .iter()
            .map(|f| Edit::from_flag(f).unwrap())
            .collect();
        m.apply(&edits).unwrap();
        let mut json = go.json(&case.input, &case.flags);
        json["Replace"] = file_json["Replace"].clone();
        let mut session = m.replaces();
        session.sort_by(|a, b| (&a.old_path, &a.old_version).cmp(&(&b.old_path, &b.old_version)));
        let mut written = GoMod::parse("go.mod", &case.want).unwrap().replaces();
        written.sort_by(|a, b| (&a.old_path, &a.old_version).cmp(&(&b.old_path, &b.old_version)));
        assert_eq!(session, written, "{} (after edits): replaces", case.name);
        assert_json_except_replaces(&m, &json, &format!("{} (after edits)", case.name));
    }
}

fn assert_json(m: &GoMod, json: &Value, name: &str) {
    assert_json_except_replaces(m, json, name);
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let opt = |v: &Value| Some(s(v)).filter(|x| !x.is_empty());
    let replaces: Vec<_> = json["Replace"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| {
            (
                s(&r["Old"]["Path"]),
                opt(&r["Old"]["Version"]),
                s(&r["New"]["Path"]),
                opt(&r["New"]["Version"]),
            )
        })
        .collect();
    let ours: Vec<_> = m
        .replaces()
        .into_iter()
        .map(|r| (r.old_path, r.old_version, r.new_path, r.new_version))
        .collect();
    assert_eq!(ours, replaces, "{name}: replaces");
}

fn assert_json_except_replaces(m: &GoMod, json: &Value, name: &str) {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let list = |key: &str| json[key].as_array().cloned().unwrap_or_default();
    assert_eq!(
        m.module_path().unwrap_or(""),
        s(&json["Module"]["Path"]),
        "{name}"
    );
    assert_eq!(
        m.deprecated().unwrap_or(""),
        s(&json["Module"]["Deprecated"]),
        "{name}"
    );
    assert_eq!(m.go_version().unwrap_or(""), s(&json["Go"]), "{name}");
    assert_eq!(m.toolchain().unwrap_or(""), s(&json["Toolchain"]), "{name}");
    let requires: Vec<(String, String, bool)> = list("Require")
        .iter()
        .map(|r| {
            (
                s(&r["Path"]),
                s(&r["Version"]),
                r["Indirect"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    let ours: Vec<_> = m
        .requires()
        .into_iter()
        .map(|r| (r.path, r.version, r.indirect))
        .collect();
    assert_eq!(ours, requires, "{name}: requires");
    let excludes: Vec<(String, String)> = list("Exclude")
        .iter()
        .map(|e| (s(&e["Path"]), s(&e["Version"])))
        .collect();
    let ours: Vec<_> = m
        .excludes()
        .into_iter()
        .map(|e| (e.path, e.version))
        .collect();
    assert_eq!(ours, excludes, "{name}: excludes");
    let retracts: Vec<_> = list("Retract")
        .iter()
        .map(|r| (s(&r["Low"]), s(&r["High"]), s(&r["Rationale"])))
        .collect();
    let ours: Vec<_> = m
        .retracts()
        .into_iter()
        .map(|r| (r.low, r.high, r.rationale))
        .collect();
    assert_eq!(ours, retracts, "{name}: retracts");
    let paths = |key: &str| list(key).iter().map(|t| s(&t["Path"])).collect::<Vec<_>>();
    assert_eq!(m.tools(), paths("Tool"), "{name}: tools");
    assert_eq!(m.ignores(), paths("Ignore"), "{name}: ignores");
    let godebugs: Vec<_> = list("GoDebug")
        .iter()
        .map(|g| (s(&g["Key"]), s(&g["Value"])))
        .collect();
    assert_eq!(m.godebugs(), godebugs, "{name}: godebugs");
}

/// Inputs the fuzzer (`fuzz/fuzz_targets/gomod_roundtrip.rs`) found, kept in
/// `testdata/gomod/_fuzzed`, checked with the same invariants.
#[test]
fn fuzzed_inputs_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/gomod/_fuzzed");
    let mut count = 0;
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        check_fuzz_invariants(&text);
        count += 1;
    }
    assert!(count > 0);
}

/// What the fuzz target asserts: a text that parses prints back unchanged, and after edits it
/// still parses, prints back unchanged, and shows the edits.
fn check_fuzz_invariants(text: &str) {
    for strict in [true, false] {
        let parse = |s: &str| {
            if strict {
                GoMod::parse("go.mod", s)
            } else {
                GoMod::parse_lax("go.mod", s)
            }
        };
        let Ok(mut m) = parse(text) else { continue };
        assert_eq!(m.to_string(), text);
        m.add_replace("example.com/fuzz", None, "./third_party/fuzz@v1.0.0", None)
            .unwrap();
        m.set_require("example.com/fuzzreq", "v0.1.0").unwrap();
        let out = m.to_string();
        let again = parse(&out).unwrap_or_else(|e| panic!("{e}\n--- output:\n{out}"));
        assert_eq!(again.to_string(), out);
        assert!(
            again
                .requires()
                .iter()
                .any(|r| r.path == "example.com/fuzzreq"),
            "{out}"
        );
    }
}

/// Random canonical files (random text formatted by `go mod edit -fmt`) and random sequences of
/// edits, compared with one `go mod edit` call each.
#[test]
fn random_edit_sequences_match_go() {
    requires_go!();
    let go = Go::new();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut compared = 0;
    let cases: usize = std::env::var("GOMOD_RANDOM_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    for n in 0..cases {
        let raw = random_go_mod(&mut rng);
        // `-fmt` is not always a fixpoint (sorting can move a blank line to just after `(`);
        // the promise is for files it leaves unchanged.
        let fmt = ["-fmt".to_string()];
        let Ok((once, _)) = go.try_run(&raw, &fmt) else {
            continue; // e.g. a repeated toolchain line: not a go.mod
        };
        let canonical = go.edit(&once, &fmt);
        if go.edit(&canonical, &fmt) != canonical {
            continue;
        }
        // Our reading agrees with go's on what is valid, and prints it back unchanged.
        assert_eq!(
            GoMod::parse("go.mod", &canonical).unwrap().to_string(),
            canonical
        );
        let flags: Vec<String> = (0..rng.below(12) + 1)
            .map(|_| random_flag(&mut rng))
            .collect();
        let want = go.edit(&canonical, &flags);
        let ours = our_edit(&canonical, &flags);
        assert_eq!(
            ours, want,
            "random case {n}\n--- input:\n{canonical}\n--- flags: {flags:?}"
        );
        compared += 1;
        // GOMOD_RANDOM_SHOW=1 prints the compared cases; GOMOD_RANDOM_CASES=N runs N of them.
        if std::env::var("GOMOD_RANDOM_SHOW").is_ok() {
            eprintln!("=== {n} {flags:?}\n{canonical}");
        }
    }
    eprintln!("{compared} of {cases} random cases compared with go");
    assert!(
        compared * 10 >= cases * 8,
        "too few random cases were canonical go.mod files"
    );
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const PATHS: [&str; 6] = [
    "example.com/a",
    "example.com/b",
    "example.com/c",
    "example.com/d",
    "example.com/e",
    "example.com/f",
];
const VERSIONS: [&str; 4] = ["v1.0.0", "v1.1.0", "v0.9.0", "v2.0.0+incompatible"];
const COMMENTS: [&str; 4] = ["// note", "// indirect", "// keep this", "//"];

fn random_line(rng: &mut Rng, verb: &str) -> String {
    let p = rng.pick(&PATHS);
    let v = rng.pick(&VERSIONS);
    let mut line = match verb {
        "require" => format!("{p} {v}"),
        _ => match rng.below(4) {
            0 => format!("{p} => ./local/{}", rng.below(9)),
            1 => format!("{p} {v} => ../fork{}", rng.below(9)),
            2 => format!("{p} => example.com/fork {v}"),
            _ => format!("{p} {v} => example.com/fork v1.0.{}", rng.below(9)),
        },
    };
    if rng.below(4) == 0 {
        line = format!("{line} {}", rng.pick(&COMMENTS));
    }
    line
}

fn random_go_mod(rng: &mut Rng) -> String {
    let mut s = String::from("// head\nmodule example.com/m\n\ngo 1.21\n");
    for _ in 0..rng.below(7) {
        let verb = rng.pick(&[
            "require", "replace", "require", "replace", "exclude", "other",
        ]);
        if verb == "exclude" {
            s.push_str(&format!(
                "exclude {} {}\n",
                rng.pick(&PATHS),
                rng.pick(&VERSIONS)
            ));
            continue;
        }
        if verb == "other" {
            s.push_str(rng.pick(&[
                "retract v0.1.0 // oops\n",
                "require ()\n",
                "replace \"example.com/q\" => \"./q dir\"\n",
                "// lone comment\n\n",
                "toolchain go1.21.0\n",
            ]));
            continue;
        }
        if rng.below(3) == 0 {
            s.push_str(&format!("\n{}\n", rng.pick(&COMMENTS)));
        }
        if rng.below(2) == 0 {
            s.push_str(&format!("{verb} {}\n", random_line(rng, verb)));
        } else {
            s.push_str(&format!(
                "{verb} ({}\n",
                if rng.below(4) == 0 { " // block" } else { "" }
            ));
            for _ in 0..rng.below(5) {
                match rng.below(6) {
                    0 => s.push('\n'),
                    1 => s.push_str(&format!("\t{}\n", rng.pick(&COMMENTS))),
                    _ => {}
                }
                s.push_str(&format!("\t{}\n", random_line(rng, verb)));
            }
            if rng.below(4) == 0 {
                s.push_str("\t// closing\n");
            }
            s.push_str(")\n");
        }
    }
    s
}

fn random_flag(rng: &mut Rng) -> String {
    let p = rng.pick(&PATHS);
    let v = rng.pick(&VERSIONS);
    match rng.below(10) {
        0 | 1 => format!("-replace={p}=./third_party/{}", rng.below(5)),
        8 => format!("-replace={p}@{v}=./dir with space/{}", rng.below(3)),
        9 => format!("-replace={p}=../{p}"),
        2 => format!("-replace={p}@{v}=example.com/fork@{v}"),
        3 => format!("-dropreplace={p}"),
        4 => format!("-dropreplace={p}@{v}"),
        5 => format!("-require={p}@{v}"),
        _ => format!("-droprequire={p}"),
    }
}

/// The go command, run in the test harness's hermetic environment (with `GOPROXY=off`).
struct Go {
    h: Harness,
}

impl Go {
    fn new() -> Go {
        Go { h: Harness::new() }
    }

    fn run(&self, input: &str, args: &[String]) -> (String, String) {
        self.try_run(input, args)
            .unwrap_or_else(|e| panic!("go mod edit {args:?} failed: {e}\n--- input:\n{input}"))
    }

    fn try_run(&self, input: &str, args: &[String]) -> Result<(String, String), String> {
        let dir = tempfile::tempdir_in(self.h.root()).unwrap();
        let file = dir.path().join("go.mod");
        fs::write(&file, input).unwrap();
        let out = self
            .h
            .go_command(dir.path())
            .env("GOPROXY", "off")
            .args(["mod", "edit"])
            .args(args)
            .arg(&file)
            .output()
            .unwrap();
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        Ok((
            fs::read_to_string(&file).unwrap(),
            String::from_utf8(out.stdout).unwrap(),
        ))
    }

    fn edit(&self, input: &str, args: &[String]) -> String {
        self.run(input, args).0
    }

    fn json(&self, input: &str, args: &[String]) -> Value {
        let mut args = args.to_vec();
        args.push("-json".into());
        serde_json::from_str(&self.run(input, &args).1).unwrap()
    }
}

/// A go.mod that starts with a UTF-8 byte order mark: go refuses it, so `vendor --yes` refuses
/// it too, with go's wording, exit 2, and changes nothing (it used to vendor it, and the go.mod
/// it wrote did not build).
#[test]
fn a_go_mod_with_a_byte_order_mark_is_refused_as_go_refuses_it() {
    requires_go!();
    let h = Harness::new();
    let dir = h.project("basic");
    let gomod = dir.join("go.mod");
    let mut text = b"\xef\xbb\xbf".to_vec();
    text.extend(fs::read(&gomod).unwrap());
    fs::write(&gomod, text).unwrap();
    let message = "unexpected input character '\\ufeff'";
    let out = h.go(&dir, &["mod", "edit", "-json"]);
    let go_says = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success() && go_says.contains(&format!("go.mod:1: {message}")),
        "the oracle: {go_says}"
    );

    let before = support::snapshot(&dir);
    let out = h.gomodoff(&dir, &["vendor", "--yes"]);
    let err = support::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("go.mod:1:1: {message}")), "{err}");
    assert!(err.contains("\n^"), "the caret under the line: {err}");
    assert_eq!(support::snapshot(&dir), before, "nothing changed");
}
