//! `go env`, remembered across runs for `vendor`'s answer from its record
//! ([`crate::modes::fresh`]): a no-change run should not wait for a go process.
//!
//! What `go env` says (with `GOTOOLCHAIN=local`) depends on the environment's variables, on the
//! go binary, on `$GOROOT/go.env`, on the `go env -w` file (`GOENV`), on the go.work files of the
//! directory and its parents (unless `GOWORK` is set), and, for `CGO_ENABLED`, on whether a C
//! compiler is on `PATH`. The answer is kept in `$GOMODOFF_CACHE/goenv/`, one file per directory,
//! with a digest of the variables and the stamp (size, times, inode, links followed) of each of
//! those files and of every `PATH` directory (a directory's times change when an entry is added,
//! removed or renamed in it), or that it is absent; it is used while all of them are unchanged.
//! Nothing is remembered when the go command is not a go binary (a version manager's shim picks
//! a go by files this does not watch), when `PATH` has a relative entry, when one of those files
//! changed within [`verified::RACY_SECS`] of the answer, or with `GOMODOFF_CACHE=off`. A file
//! that cannot be read, or does not match, is asked again; writing one never fails a command.

use std::fmt::Write as _;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use super::goenv::{GoEnvVars, go_env_at};
use super::verified::{self, Stamp};
use crate::util::env;

/// First line of a remembered answer.
const MAGIC: &str = "gomodoff-goenv 1";

/// What `go env` says in `dir` ([`go_env_at`]), from the remembered answer when nothing it
/// depends on changed since.
pub(crate) fn go_env_remembered(dir: &Path) -> Option<GoEnvVars> {
    let Some(base) = verified::cache_dir_from_env() else {
        return go_env_at(Some(dir));
    };
    let Ok(dir) = fs::canonicalize(dir) else {
        return go_env_at(Some(dir));
    };
    let file = base.join("goenv").join(hex::encode(Sha256::digest(
        dir.as_os_str().as_encoded_bytes(),
    )));
    let vars_digest = vars_digest();
    if let Some(vars) = verified::read_used(&file).and_then(|t| remembered(&t, &vars_digest)) {
        return Some(vars);
    }
    let vars = go_env_at(Some(&dir))?;
    if let Some(text) = answer_text(&dir, &vars, &vars_digest) {
        // A torn answer has no `json` line, or one that does not parse.
        let _ = crate::util::fsutil::write_cache_file(&file, text.as_bytes());
    }
    Some(vars)
}

/// A digest of the variables go reads: [`env::go_vars`], and `CC` (whether cgo is on).
fn vars_digest() -> String {
    let mut text = String::new();
    for (name, value) in env::go_vars() {
        let _ = writeln!(text, "{name}={value:?}");
    }
    let _ = writeln!(text, "CC={:?}", env::var_os("CC"));
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The remembered answer in `text`, when the variables and every input are as it records.
fn remembered(text: &str, vars_digest: &str) -> Option<GoEnvVars> {
    let mut lines = text.lines();
    if lines.next()? != MAGIC || lines.next()?.strip_prefix("vars ")? != vars_digest {
        return None;
    }
    for line in lines {
        if let Some(json) = line.strip_prefix("json ") {
            return serde_json::from_str(json).ok();
        }
        let (recorded, path) = line.split_once(' ')?;
        if stamp_line(Path::new(path))?.0.split_once(' ')?.0 != recorded {
            return None;
        }
    }
    None
}

/// `STAMP PATH` for an input: its stamp (links followed) as `size:mtime:ctime:ino`, or `absent`;
/// and the stamp itself. `None` when it cannot be told.
fn stamp_line(path: &Path) -> Option<(String, Option<Stamp>)> {
    let (text, stamp) = match fs::metadata(path) {
        Ok(meta) => {
            let s = Stamp::of(&meta);
            let text = format!("{}:{}:{}:{}", s.size(), s.mtime_ns(), s.ctime_ns(), s.ino());
            (text, Some(s))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => ("absent".to_string(), None),
        Err(_) => return None,
    };
    Some((format!("{text} {}", path.to_str()?), stamp))
}

/// The text that remembers `vars`, go's answer in `dir`; `None` when it cannot be remembered
/// (see the module documentation).
fn answer_text(dir: &Path, vars: &GoEnvVars, vars_digest: &str) -> Option<String> {
    let path_dirs: Vec<PathBuf> = env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    // A relative entry (`.`, or an empty one) finds programs by the current directory.
    if path_dirs.iter().any(|d| !d.is_absolute()) {
        return None;
    }
    let name = env::var_os("GOMODOFF_GO").unwrap_or_else(|| "go".into());
    let go = go_binary(&name, &path_dirs)?;
    let mut inputs = path_dirs;
    inputs.push(go);
    if !vars.goroot.is_empty() {
        inputs.push(Path::new(&vars.goroot).join("go.env"));
    }
    if !vars.goenv.is_empty() && vars.goenv != "off" {
        inputs.push(PathBuf::from(&vars.goenv));
    }
    if env::var("GOWORK").is_none() {
        inputs.extend(dir.ancestors().map(|d| d.join("go.work")));
    }
    let now = SystemTime::now();
    let mut text = format!("{MAGIC}\nvars {vars_digest}\n");
    for path in &inputs {
        let (line, stamp) = stamp_line(path)?;
        if stamp.is_some_and(|s| s.is_racy(now)) || line.contains('\n') {
            return None;
        }
        let _ = writeln!(text, "{line}");
    }
    let _ = writeln!(text, "json {}", serde_json::to_string(vars).ok()?);
    Some(text)
}

/// The go binary gomodoff runs as `name` (`GOMODOFF_GO`, else `go`, looked up in `path_dirs`
/// unless it is a path), when it is one: its real file is named `go` and is not a script.
fn go_binary(name: &std::ffi::OsStr, path_dirs: &[PathBuf]) -> Option<PathBuf> {
    let named = Path::new(name);
    let found = if named.components().count() > 1 {
        std::path::absolute(named).ok()?
    } else {
        path_dirs
            .iter()
            .map(|d| d.join(named))
            .find(|p| p.is_file())?
    };
    let real = fs::canonicalize(&found).ok()?;
    if !matches!(real.file_name()?.to_str()?, "go" | "go.exe") {
        return None;
    }
    let mut head = [0u8; 2];
    fs::File::open(&real).ok()?.read_exact(&mut head).ok()?;
    (&head != b"#!").then_some(found)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// A remembered answer over `inputs`, as [`answer_text`] writes it.
    fn text_over(inputs: &[PathBuf], vars: &GoEnvVars) -> String {
        let mut text = format!("{MAGIC}\nvars digest\n");
        for path in inputs {
            text.push_str(&stamp_line(path).unwrap().0);
            text.push('\n');
        }
        text.push_str(&format!("json {}\n", serde_json::to_string(vars).unwrap()));
        text
    }

    #[test]
    fn an_answer_is_used_while_its_inputs_and_variables_are_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("env");
        fs::write(&config, "GOPRIVATE=example.org/private\n").unwrap();
        let work = dir.path().join("go.work");
        let vars = GoEnvVars {
            goprivate: "example.org/private".into(),
            ..GoEnvVars::default()
        };
        let text = text_over(&[config.clone(), work.clone()], &vars);
        assert_eq!(remembered(&text, "digest"), Some(vars));
        assert_eq!(remembered(&text, "other variables"), None);

        // A changed input: the file rewritten with the same size.
        fs::write(&config, "GOPRIVATE=example.org/nothere\n").unwrap();
        assert_eq!(remembered(&text, "digest"), None);

        // An input that was absent appears.
        let text = text_over(&[config.clone(), work.clone()], &GoEnvVars::default());
        assert!(remembered(&text, "digest").is_some());
        fs::write(&work, "go 1.22\n").unwrap();
        assert_eq!(remembered(&text, "digest"), None);
    }

    #[test]
    fn only_a_go_binary_is_trusted_not_a_script_or_a_shim() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        fs::create_dir(&bin).unwrap();
        let dirs = vec![dir.path().join("missing"), bin.clone()];
        assert_eq!(go_binary("go".as_ref(), &dirs), None, "no go on the path");

        fs::write(bin.join("go"), "#!/bin/sh\nexec go1.26 \"$@\"\n").unwrap();
        assert_eq!(go_binary("go".as_ref(), &dirs), None, "a script");

        fs::write(bin.join("go"), b"\x7fELF...").unwrap();
        assert_eq!(go_binary("go".as_ref(), &dirs), Some(bin.join("go")));
        let named = bin.join("go").into_os_string();
        assert_eq!(go_binary(&named, &[]), Some(bin.join("go")), "a path");

        #[cfg(unix)]
        {
            // A version manager's shim: a link to a binary of another name.
            let manager = dir.path().join("manager");
            fs::write(&manager, b"\x7fELF...").unwrap();
            fs::remove_file(bin.join("go")).unwrap();
            std::os::unix::fs::symlink(&manager, bin.join("go")).unwrap();
            assert_eq!(go_binary("go".as_ref(), &dirs), None, "a shim");
        }
    }
}
