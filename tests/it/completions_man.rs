//! `gomodoff completions` and `gomodoff man`: generated from the clap definitions, so they
//! cannot go stale; checked here by the tools that read them (each shell's syntax check, groff).
//! A shell or groff that is not installed is skipped with a `SKIPPED` line (also with `CI=true`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use crate::support::{assert_success, optional_tool, stderr, stdout};

fn gomodoff(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gomodoff"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run gomodoff")
}

/// Every command `--help` lists, from `gomodoff --help`'s "Commands:" block.
fn commands(dir: &Path) -> Vec<String> {
    let help = stdout(&gomodoff(dir, &["--help"]));
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect()
}

#[test]
fn completion_scripts_name_every_command_and_pass_each_shells_syntax_check() {
    let tmp = tempfile::tempdir().unwrap();
    let commands = commands(tmp.path());
    assert!(commands.len() >= 14, "{commands:?}");
    // (shell, the command that checks a script's syntax without running it)
    let shells: [(&str, &[&str]); 5] = [
        ("bash", &["bash", "-n"]),
        ("zsh", &["zsh", "-n"]),
        ("fish", &["fish", "--no-execute"]),
        ("elvish", &["elvish", "-compileonly"]),
        ("powershell", &[]),
    ];
    for (shell, check) in shells {
        let out = gomodoff(tmp.path(), &["completions", shell]);
        assert_success(&out, &format!("completions {shell}"));
        let script = stdout(&out);
        for c in &commands {
            assert!(
                script.contains(c.as_str()),
                "{shell}: no `{c}` in\n{script}"
            );
        }
        let Some((exe, args)) = check.split_first() else {
            continue;
        };
        let Some(exe) = optional_tool(exe, &format!("the {shell} completion script's syntax"))
        else {
            continue;
        };
        let file = tmp.path().join(format!("gomodoff.{shell}"));
        fs::write(&file, &script).unwrap();
        let out = Command::new(exe).args(args).arg(&file).output().unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{shell} rejects the completion script: {}",
            stderr(&out)
        );
    }
    let out = gomodoff(tmp.path(), &["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn man_writes_a_page_per_command_each_rendering_without_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    let out = gomodoff(tmp.path(), &["man", "--dir", "man1"]);
    assert_success(&out, "man --dir");
    let dir = tmp.path().join("man1");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut expected: Vec<String> = commands(tmp.path())
        .iter()
        .map(|c| format!("gomodoff-{c}.1"))
        .chain(["gomodoff.1".to_string()])
        .collect();
    expected.sort();
    assert_eq!(names, expected);

    // One page on stdout: gomodoff's own, or a command's; the same bytes as the files.
    let out = gomodoff(tmp.path(), &["man"]);
    assert_success(&out, "man");
    assert_eq!(out.stdout, fs::read(dir.join("gomodoff.1")).unwrap());
    let out = gomodoff(tmp.path(), &["man", "exec"]);
    assert_eq!(out.stdout, fs::read(dir.join("gomodoff-exec.1")).unwrap());
    let out = gomodoff(tmp.path(), &["man", "no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("hint: the commands: vendor,"),
        "{}",
        stderr(&out)
    );

    let groff = optional_tool(
        "groff",
        "rendering the man pages (only their roff structure is)",
    );
    for name in &names {
        let page = fs::read_to_string(dir.join(name)).unwrap();
        // The structure every man page has, whatever renders it.
        let stem = name.strip_suffix(".1").unwrap();
        let title = format!("\n.TH {stem} 1 ");
        assert!(page.contains(&title), "{name}:\n{page}");
        for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS"] {
            assert!(page.contains(section), "{name}: no `{section}`");
        }
        // What man does: preconv (-k) for the UTF-8 text, the man macros, every warning on.
        if let Some(groff) = &groff {
            let out = Command::new(groff)
                .args(["-k", "-man", "-Tutf8", "-ww", "-z"])
                .arg(dir.join(name))
                .output()
                .unwrap();
            assert!(
                out.status.success() && out.stderr.is_empty(),
                "groff warns about {name}: {}",
                stderr(&out)
            );
        }
    }
    let top = fs::read_to_string(dir.join("gomodoff.1")).unwrap();
    assert!(
        top.contains("127"),
        "the exit codes are in the page:\n{top}"
    );
}
