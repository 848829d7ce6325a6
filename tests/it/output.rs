//! What gomodoff shows a person, pinned as insta snapshots (`snapshots/<test>.snap`, beside
//! this file): each mode's preview (`vendor --dry-run`), restore's, `status` clean and drifted,
//! `verify`'s findings, and each common error with its hint. Every snapshot is one run: its exit
//! code, stdout and stderr, with the harness's temp paths and durations replaced (see
//! [`filters`]), so that it is the same on every machine.
//!
//! A change in what gomodoff prints fails the test and, outside CI, leaves a `.snap.new` beside
//! the snapshot: review it (`cargo insta review`, or by hand: rename it over the `.snap`). With
//! `CI=true` insta never writes; a mismatch or a missing snapshot fails.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{Harness, assert_success, stderr, stdout};

/// One run as a person sees it: the exit code, stdout and stderr.
fn shown(out: &Output) -> String {
    let code = out
        .status
        .code()
        .map_or_else(|| format!("killed ({})", out.status), |c| c.to_string());
    format!(
        "exit code: {code}\n--- stdout\n{}--- stderr\n{}",
        stdout(out),
        stderr(out)
    )
}

/// insta's settings for these snapshots: named after the test alone, described by the command,
/// and with what differs between machines and runs replaced: the harness's temp dir (`[ROOT]`),
/// the system temp dir (`[TMP]`) and durations (`[DURATION]`).
fn filters(h: &Harness, command: &str) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_description(command);
    settings.set_omit_expression(true);
    let root = h.root().to_path_buf();
    let mut roots = vec![root.clone()];
    if let Ok(real) = root.canonicalize() {
        roots.push(real);
    }
    for r in roots {
        settings.add_filter(&regex_escape(&r.to_string_lossy()), "[ROOT]");
    }
    let tmp = std::env::temp_dir();
    let tmp = tmp.to_string_lossy();
    settings.add_filter(&regex_escape(tmp.trim_end_matches('/')), "[TMP]");
    settings.add_filter(r"\b\d+(\.\d+)?(ns|µs|us|ms|s)\b", "[DURATION]");
    settings
}

/// `text` as a regex that matches it literally.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Pin what `gomodoff ARGS` shows in `dir`, as the snapshot `name`.
fn assert_shown(h: &Harness, name: &str, dir: &Path, args: &[&str]) {
    let out = h.gomodoff(dir, args);
    assert_output(h, name, &format!("gomodoff {}", args.join(" ")), &out);
}

/// Pin `out`, the output of `command`, as the snapshot `name`.
fn assert_output(h: &Harness, name: &str, command: &str, out: &Output) {
    filters(h, command).bind(|| insta::assert_snapshot!(name, shown(out)));
}

/// The small fixture project `legacy116` (five modules, go 1.16), go.sum written.
fn legacy116(h: &Harness) -> PathBuf {
    h.project("legacy116")
}

fn vendored(h: &Harness, args: &[&str]) -> PathBuf {
    let dir = legacy116(h);
    let out = h.gomodoff(&dir, args);
    assert_success(&out, &format!("gomodoff {}", args.join(" ")));
    dir
}

#[test]
fn vendor_dry_run_replace_mode() {
    requires_go!();
    let h = Harness::new();
    let dir = legacy116(&h);
    assert_shown(
        &h,
        "vendor_dry_run_replace_mode",
        &dir,
        &["vendor", "--dry-run"],
    );
}

#[test]
fn vendor_dry_run_vendor_mode() {
    requires_go!();
    let h = Harness::new();
    let dir = legacy116(&h);
    assert_shown(
        &h,
        "vendor_dry_run_vendor_mode",
        &dir,
        &["vendor", "--mode", "vendor", "--dry-run"],
    );
}

/// The bytes a vendor-mode preview promises are those written, whether each module-cache file's
/// size is read from the file (no records: `GOMODOFF_CACHE=off`) or from the stamp an earlier
/// run recorded with its digest.
#[test]
fn vendor_mode_preview_promises_the_bytes_written() {
    requires_go!();
    let h = Harness::new();
    let dir = legacy116(&h);
    // The modules extracted in the module cache, as a build leaves them, and aged past the racy
    // window: their files are the sources, stamped once checked.
    h.go_mod_download(&dir);
    std::thread::sleep(std::time::Duration::from_millis(
        gomodoff::verified::RACY_SECS * 1000 + 500,
    ));
    let dry = ["vendor", "--mode", "vendor", "--dry-run"];
    let write_line = |out: &Output| {
        assert_success(out, "gomodoff vendor --mode vendor --dry-run");
        let text = stdout(out);
        let line = text.lines().find(|l| l.trim_start().starts_with("write:"));
        line.unwrap_or_else(|| panic!("no write: line in\n{text}"))
            .trim()
            .to_string()
    };
    let unrecorded = write_line(&h.gomodoff_with_env(&dir, &[("GOMODOFF_CACHE", "off")], &dry));
    let first = write_line(&h.gomodoff(&dir, &dry));
    let recorded = write_line(&h.gomodoff(&dir, &dry));
    assert_eq!(first, unrecorded);
    assert_eq!(recorded, unrecorded);
    assert_success(
        &h.gomodoff(&dir, &["vendor", "--mode", "vendor", "--yes"]),
        "gomodoff vendor --mode vendor --yes",
    );
    let (mut files, mut bytes) = (0, 0);
    for e in walkdir::WalkDir::new(dir.join("vendor")) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            files += 1;
            bytes += e.metadata().unwrap().len();
        }
    }
    assert!((1024..1024 * 1024).contains(&bytes), "{bytes} bytes");
    let written = format!("write:     {files} files, {:.2} KiB", bytes as f64 / 1024.0);
    assert_eq!(recorded, written);
}

#[test]
fn vendor_dry_run_proxy_mode() {
    requires_go!();
    let h = Harness::new();
    let dir = legacy116(&h);
    assert_shown(
        &h,
        "vendor_dry_run_proxy_mode",
        &dir,
        &["vendor", "--mode", "proxy", "--dry-run"],
    );
}

#[test]
fn restore_dry_run() {
    requires_go!();
    let h = Harness::new();
    let dir = vendored(&h, &["vendor", "--yes"]);
    assert_shown(&h, "restore_dry_run", &dir, &["restore", "--dry-run"]);
}

#[test]
fn status_clean_and_drifted() {
    requires_go!();
    let h = Harness::new();
    let dir = vendored(&h, &["vendor", "--yes"]);
    assert_shown(&h, "status_clean", &dir, &["status"]);
    // An edit since: a newer version of one module.
    h.go_ok(&dir, &["get", "example.com/multi@v1.2.0"]);
    assert_shown(&h, "status_drifted", &dir, &["status"]);
}

/// One byte changed, one file added, one removed in a vendored module.
fn tamper(module_dir: &Path) {
    let go_file = |dir: &Path| {
        let mut files: Vec<PathBuf> = fs::read_dir(dir)
            .expect("read a vendored module")
            .map(|e| e.expect("an entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "go"))
            .collect();
        files.sort();
        files.into_iter().next().expect("a .go file")
    };
    let changed = go_file(module_dir);
    let mut bytes = fs::read(&changed).expect("read a vendored file");
    bytes.extend_from_slice(b"// changed by hand\n");
    fs::write(&changed, bytes).expect("change a vendored file");
    fs::write(module_dir.join("extra.txt"), "added by hand\n").expect("add a file");
}

#[test]
fn verify_findings_replace_mode() {
    requires_go!();
    let h = Harness::new();
    let dir = vendored(&h, &["vendor", "--yes"]);
    tamper(&dir.join("third_party/gomod/example.com/old116@v1.0.0"));
    let legacy = dir.join("third_party/gomod/example.com/legacy@v1.0.0/legacy.go");
    fs::remove_file(legacy).expect("remove a vendored file");
    assert_shown(&h, "verify_findings_replace_mode", &dir, &["verify"]);
}

#[test]
fn verify_findings_vendor_mode() {
    requires_go!();
    let h = Harness::new();
    let dir = vendored(&h, &["vendor", "--mode", "vendor", "--yes"]);
    tamper(&dir.join("vendor/example.com/old116"));
    fs::remove_file(dir.join("vendor/example.com/legacy/legacy.go"))
        .expect("remove a vendored file");
    assert_shown(&h, "verify_findings_vendor_mode", &dir, &["verify"]);
}

#[test]
fn error_no_go_mod() {
    requires_go!();
    let h = Harness::new();
    let dir = h.fresh_dir("empty");
    assert_shown(&h, "error_no_go_mod", &dir, &["vendor", "--dry-run"]);
}

#[test]
fn error_missing_go_sum_line() {
    requires_go!();
    let h = Harness::new();
    let dir = legacy116(&h);
    let gosum = fs::read_to_string(dir.join("go.sum")).expect("read go.sum");
    let kept: String = gosum
        .lines()
        .filter(|l| !l.starts_with("example.com/old116 v1.0.0 "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(kept, gosum, "precondition: go.sum has old116's zip line");
    fs::write(dir.join("go.sum"), kept).expect("write go.sum");
    assert_shown(
        &h,
        "error_missing_go_sum_line",
        &dir,
        &["vendor", "--dry-run"],
    );
}

#[test]
fn error_checksum_mismatch_in_the_module_cache() {
    requires_go!();
    let h = Harness::new();
    let dir = legacy116(&h);
    let cached = h
        .gomodcache()
        .join("cache/download/example.com/old116/@v/v1.0.0.mod");
    let mut bytes = fs::read(&cached).expect("read a cached go.mod");
    bytes.extend_from_slice(b"// not what go.sum vouches for\n");
    fs::write(&cached, bytes).expect("tamper with a cached go.mod");
    assert_shown(
        &h,
        "error_checksum_mismatch_in_the_module_cache",
        &dir,
        &["vendor", "--dry-run"],
    );
}

#[test]
fn error_vendor_without_a_terminal_or_yes() {
    requires_go!();
    let h = Harness::new();
    let dir = legacy116(&h);
    // `output()` gives the command no stdin: not a terminal.
    assert_shown(
        &h,
        "error_vendor_without_a_terminal_or_yes",
        &dir,
        &["vendor"],
    );
}

#[cfg(unix)]
#[test]
fn error_an_interrupted_run_left_behind() {
    requires_go!();
    let h = Harness::new();
    let dir = legacy116(&h);
    let out = h.gomodoff_with_env(
        &dir,
        &[("GOMODOFF_ABORT_AT", "rename-tree")],
        &["vendor", "--yes"],
    );
    crate::support::assert_aborted(&out, "vendor killed at rename-tree");
    assert!(dir.join(".gomodoff-txn").is_dir(), "the journal is left");
    assert_shown(
        &h,
        "error_an_interrupted_run_left_behind",
        &dir,
        &["vendor", "--dry-run"],
    );
}

#[test]
fn error_unknown_mode_in_gomodoff_toml() {
    requires_go!();
    let h = Harness::new();
    let dir = legacy116(&h);
    fs::write(dir.join("gomodoff.toml"), "mode = \"vendored\"\n").expect("write gomodoff.toml");
    assert_shown(
        &h,
        "error_unknown_mode_in_gomodoff_toml",
        &dir,
        &["vendor", "--dry-run"],
    );
}

/// After a bump of one module, `-v` names every module, the unchanged ones too.
#[test]
fn vendor_dry_run_verbose_after_a_bump() {
    requires_go!();
    let h = Harness::new();
    let dir = vendored(&h, &["vendor", "--yes"]);
    h.go_ok(&dir, &["get", "example.com/multi@v1.2.0"]);
    let args = ["vendor", "--dry-run", "-v"];
    let out = h.gomodoff(&dir, &args);
    // `-v` also lists how long each phase took: not what this snapshot is about.
    let out = Output {
        stderr: stderr(&out)
            .lines()
            .filter(|l| !l.starts_with("  ") || !l.trim_end().ends_with('s'))
            .map(|l| format!("{l}\n"))
            .collect::<String>()
            .into_bytes(),
        ..out
    };
    assert_output(
        &h,
        "vendor_dry_run_verbose_after_a_bump",
        &format!("gomodoff {}", args.join(" ")),
        &out,
    );
}

/// How many synthetic modules [`large`] publishes: more than a screen, more than the cap.
const LARGE: usize = 120;

/// A project importing a package of each of [`LARGE`] tiny modules published into the
/// harness's GOPROXY tree (`example.com/gen/mNNN`), go.sum written by `go mod tidy`.
fn large(h: &Harness) -> PathBuf {
    let mut imports = String::new();
    for i in 0..LARGE {
        let path = format!("example.com/gen/m{i:03}");
        h.publish(
            &path,
            "v1.0.0",
            &[
                ("go.mod", &format!("module {path}\n\ngo 1.21\n")),
                ("m.go", &format!("package m{i:03}\n\nconst N = {i}\n")),
                ("LICENSE", "MIT\n"),
            ],
        );
        imports.push_str(&format!("\t_ \"{path}\"\n"));
    }
    let dir = h.fresh_dir("large");
    fs::write(dir.join("go.mod"), "module example.com/large\n\ngo 1.21\n").expect("write go.mod");
    fs::write(
        dir.join("main.go"),
        format!("package main\n\nimport (\n{imports})\n\nfunc main() {{}}\n"),
    )
    .expect("write main.go");
    h.go_mod_tidy(&dir);
    dir
}

/// A plan of more than a hundred modules: the go.mod diff, ten modules and how many more, the
/// summary block last.
#[test]
fn vendor_dry_run_large_plan() {
    requires_go!();
    let h = Harness::new();
    let dir = large(&h);
    assert_shown(
        &h,
        "vendor_dry_run_large_plan",
        &dir,
        &["vendor", "--dry-run"],
    );

    // `-v` lists every one.
    let out = h.gomodoff(&dir, &["vendor", "--dry-run", "-v"]);
    assert_success(&out, "vendor --dry-run -v");
    let listed = stdout(&out)
        .lines()
        .filter(|l| l.starts_with("  + example.com/gen/"))
        .count();
    assert_eq!(listed, LARGE, "{}", stdout(&out));
    assert!(!stdout(&out).contains("more (-v"), "{}", stdout(&out));
}

/// `-q` previews nothing, in `vendor` and in `restore` of every mode.
#[test]
fn quiet_previews_nothing() {
    requires_go!();
    let h = Harness::new();
    let dir = legacy116(&h);
    assert_shown(
        &h,
        "vendor_quiet_dry_run",
        &dir,
        &["-q", "vendor", "--dry-run"],
    );
    for mode in ["replace", "vendor", "proxy"] {
        let dir = h.copy_of(&dir, mode);
        assert_success(
            &h.gomodoff(&dir, &["vendor", "--mode", mode, "--yes"]),
            "vendor --yes",
        );
        for args in [
            &["-q", "restore", "--dry-run"][..],
            &["-q", "vendor", "--mode", mode, "--dry-run"],
        ] {
            let out = h.gomodoff(&dir, args);
            assert_success(&out, &format!("{mode}: {args:?}"));
            assert_eq!(stdout(&out), "", "{mode}: {args:?}");
            assert_eq!(stderr(&out), "", "{mode}: {args:?}");
        }
        let out = h.gomodoff(&dir, &["-q", "restore", "--yes"]);
        assert_success(&out, &format!("{mode}: restore -q"));
        assert_eq!(stdout(&out), "", "{mode}: restore -q");
        assert!(!dir.join("gomodoff.lock").exists(), "{mode}: restored");
    }
}

/// `gomodoff ARGS` in `dir` on a pseudo-terminal (util-linux `script`), with stdout and stderr
/// redirected to files — so the question can reach the user only through `/dev/tty` — and
/// `answer` typed. Returns the run (its exit code is gomodoff's), what the terminal showed,
/// and the stdout and stderr files' text.
fn on_terminal(
    h: &Harness,
    script: &Path,
    dir: &Path,
    args: &[&str],
    answer: &str,
) -> (Output, String, String, String) {
    on_terminal_redirected(h, script, dir, args, answer, true)
}

/// [`on_terminal`], with stderr left on the terminal unless `stderr_to_file`.
fn on_terminal_redirected(
    h: &Harness,
    script: &Path,
    dir: &Path,
    args: &[&str],
    answer: &str,
    stderr_to_file: bool,
) -> (Output, String, String, String) {
    use std::io::Write as _;
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let files = h.fresh_dir("terminal");
    let (out_file, err_file) = (files.join("plan.txt"), files.join("err.txt"));
    let mut command = format!(
        "exec {} --modcache {}",
        quote(env!("CARGO_BIN_EXE_gomodoff")),
        quote(&h.gomodcache().to_string_lossy())
    );
    for a in args {
        command.push(' ');
        command.push_str(&quote(a));
    }
    command.push_str(&format!(" >{}", quote(&out_file.to_string_lossy())));
    if stderr_to_file {
        command.push_str(&format!(" 2>{}", quote(&err_file.to_string_lossy())));
    }
    let mut child = std::process::Command::new(script)
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir)
        .env_clear()
        .envs(h.env().into_iter().filter(|(k, _)| k != "GOMODOFF_TTY"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run script");
    // Typed ahead: the terminal keeps it until gomodoff reads its answer.
    let mut stdin = child.stdin.take().expect("script's stdin");
    stdin.write_all(answer.as_bytes()).expect("type the answer");
    drop(stdin);
    let run = child.wait_with_output().expect("wait for script");
    let terminal = String::from_utf8_lossy(&run.stdout).into_owned();
    let read = |p: &Path| fs::read_to_string(p).unwrap_or_default();
    (run, terminal, read(&out_file), read(&err_file))
}

/// `gomodoff vendor > plan.txt` on a terminal: the preview goes to the file, uncoloured, and
/// the question to the terminal; any answer but yes cancels with exit 1 and changes nothing.
#[test]
fn vendor_prompt_cancelled_with_stdout_piped() {
    requires_go!();
    let script = requires!(crate::support::require_script());
    let h = Harness::new();
    let dir = legacy116(&h);
    let gomod = fs::read(dir.join("go.mod")).expect("read go.mod");
    let (run, terminal, plan, err) = on_terminal(&h, &script, &dir, &["vendor"], "n\n");
    assert!(terminal.contains("apply? [y/N] "), "{terminal}");
    assert!(
        !plan.contains('\x1b'),
        "a piped preview is not coloured: {plan:?}"
    );
    let shown = Output {
        status: run.status,
        stdout: plan.into_bytes(),
        stderr: err.into_bytes(),
    };
    assert_output(
        &h,
        "vendor_prompt_cancelled_with_stdout_piped",
        "gomodoff vendor >plan.txt (on a terminal, answered n)",
        &shown,
    );
    assert_eq!(run.status.code(), Some(1), "cancelled: exit 1");
    assert_eq!(
        fs::read(dir.join("go.mod")).unwrap(),
        gomod,
        "go.mod untouched"
    );
    assert!(!dir.join("gomodoff.lock").exists(), "nothing written");
    assert!(!dir.join("third_party").exists(), "nothing written");
}

/// The same run answered `y` on the terminal: applied, exit 0.
#[test]
fn vendor_prompt_agreed_on_the_terminal() {
    requires_go!();
    let script = requires!(crate::support::require_script());
    let h = Harness::new();
    let dir = legacy116(&h);
    let (run, terminal, plan, err) = on_terminal(&h, &script, &dir, &["vendor"], "y\n");
    assert!(terminal.contains("apply? [y/N] "), "{terminal}");
    assert_eq!(run.status.code(), Some(0), "{terminal}\n{plan}\n{err}");
    assert!(plan.contains("summary: 5 modules"), "{plan}");
    assert!(err.contains("Vendored 5 modules"), "{err}");
    assert!(dir.join("gomodoff.lock").exists(), "applied");
    // What the preview promised is what was written.
    let written = walkdir::WalkDir::new(dir.join("third_party/gomod"))
        .into_iter()
        .filter(|e| e.as_ref().is_ok_and(|e| e.file_type().is_file()))
        .count();
    let promised = format!("write:     {written} files, ");
    assert!(plan.contains(&promised), "{promised}\n{plan}");
    assert!(err.contains(&format!("({written} files, ")), "{err}");
}

/// `text` without its SGR escape codes (`ESC [ … m`).
fn unstyled(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\x1b[") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        rest = after.find('m').map_or("", |end| &after[end + 1..]);
    }
    out.push_str(rest);
    out
}

/// `gomodoff ARGS` in `dir` with `env` set, stdout and stderr redirected to files; the run and
/// the two files' text.
fn into_files(
    h: &Harness,
    dir: &Path,
    env: &[(&str, &str)],
    args: &[&str],
) -> (Output, String, String) {
    let files = h.fresh_dir("files");
    let (out_file, err_file) = (files.join("out.txt"), files.join("err.txt"));
    let run = h
        .gomodoff_command(dir)
        .envs(env.iter().copied())
        .args(args)
        .stdout(fs::File::create(&out_file).expect("create out.txt"))
        .stderr(fs::File::create(&err_file).expect("create err.txt"))
        .output()
        .expect("run gomodoff");
    let read = |p: &Path| fs::read_to_string(p).expect("read a redirected stream");
    (run, read(&out_file), read(&err_file))
}

/// Colour in files (stdout and stderr redirected, as `gomodoff verify 2>err.txt`): none by
/// default, nor with `NO_COLOR` (even with `--color auto` or `CLICOLOR_FORCE`); with
/// `CLICOLOR_FORCE=1` or `--color always`; `--color never` above `CLICOLOR_FORCE`. Coloured
/// text differs from plain only by its escape codes: the status line and the diff of a preview,
/// the `error:` and `hint:` of an error.
#[test]
fn colour_in_redirected_streams_follows_the_variables_and_the_flag() {
    requires_go!();
    let h = Harness::new();
    let project = legacy116(&h);
    let empty = h.fresh_dir("empty");
    // Variables set, flags given, coloured.
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str], bool);
    let cases: [Case; 7] = [
        (&[], &[], false),
        (&[("CLICOLOR_FORCE", "1")], &[], true),
        (&[], &["--color", "always"], true),
        (&[("NO_COLOR", "1")], &["--color", "auto"], false),
        (&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")], &[], false),
        (&[("CLICOLOR", "1")], &[], false),
        (&[("CLICOLOR_FORCE", "1")], &["--color", "never"], false),
    ];
    let (_, plain_out, plain_err) = into_files(&h, &project, &[], &["vendor", "--dry-run"]);
    let (_, _, plain_error) = into_files(&h, &empty, &[], &["vendor", "--dry-run"]);
    assert!(plain_out.contains("+replace "), "{plain_out}");
    assert!(plain_err.contains("Dry run"), "{plain_err}");
    assert!(plain_error.starts_with("error: "), "{plain_error}");
    for (env, flags, coloured) in cases {
        let what = format!("{env:?} {flags:?}");
        let args = [flags, &["vendor", "--dry-run"]].concat();
        let (run, out, err) = into_files(&h, &project, env, &args);
        assert_eq!(run.status.code(), Some(0), "{what}: {err}");
        let (run, _, error) = into_files(&h, &empty, env, &args);
        assert_eq!(run.status.code(), Some(2), "{what}: {error}");
        for (name, text, plain) in [
            ("stdout", &out, &plain_out),
            ("stderr", &err, &plain_err),
            ("error", &error, &plain_error),
        ] {
            assert_eq!(text.contains('\x1b'), coloured, "{what}: {name} {text:?}");
            assert_eq!(&unstyled(text), plain, "{what}: {name}");
        }
        if coloured {
            assert!(out.contains("\x1b[32m+replace "), "{what}: {out:?}");
            assert!(
                err.contains("\x1b[1m\x1b[32m     Dry run\x1b[0m"),
                "{what}: {err:?}"
            );
            assert!(
                error.starts_with("\x1b[1m\x1b[31merror\x1b[0m: "),
                "{what}: {error:?}"
            );
            assert!(
                error.contains("\x1b[1m\x1b[36mhint\x1b[0m: "),
                "{what}: {error:?}"
            );
        }
    }
}

/// On a terminal with stdout piped into a file, each stream decides for itself: the status line
/// on the terminal (stderr) is coloured, the preview in the file is not.
#[test]
fn colour_on_the_terminal_not_in_the_file() {
    requires_go!();
    let script = requires!(crate::support::require_script());
    let h = Harness::new();
    let dir = legacy116(&h);
    let (run, terminal, plan, _) =
        on_terminal_redirected(&h, &script, &dir, &["vendor", "--dry-run"], "", false);
    assert_eq!(run.status.code(), Some(0), "{terminal}");
    assert!(
        terminal.contains("\x1b[1m\x1b[32m     Dry run\x1b[0m"),
        "stderr on a terminal is coloured: {terminal:?}"
    );
    assert!(plan.contains("+replace "), "{plan}");
    assert!(!plan.contains('\x1b'), "stdout in a file is not: {plan:?}");
}
