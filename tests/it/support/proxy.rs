//! The fixture GOPROXY tree: fixture Go modules kept as sources in `testdata/modules`
//! (`<module path>@<version>/`) found and served as a `GOPROXY=file://` tree (`@v/list`, `.info`,
//! `.mod`, `.zip`). Pure file work (no go, no `env!("CARGO_…")`), so that both the test harness
//! (`tests/it/support/mod.rs`) and `examples/fixture_proxy.rs` (which `scripts/demo.sh` runs)
//! build the tree with this one piece of code.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One fixture module version found under `testdata/modules`.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Module path, unescaped (`example.com/Upper/Mixed`).
    pub path: String,
    /// Version, unescaped (`v2.0.0+incompatible`).
    pub version: String,
    /// The source directory in `testdata/modules`.
    pub dir: PathBuf,
    /// Whether the module has its own go.mod (else its `.mod` is `module <path>\n`).
    pub has_go_mod: bool,
}

impl Fixture {
    /// The bytes the proxy serves as `<version>.mod`.
    pub fn gomod(&self) -> Vec<u8> {
        if self.has_go_mod {
            fs::read(self.dir.join("go.mod")).expect("fixture go.mod is readable")
        } else {
            format!("module {}\n", self.path).into_bytes()
        }
    }

    /// The files the module zip holds, as relative slash paths, sorted.
    pub fn zip_files(&self) -> Vec<String> {
        zip_file_list(&self.dir)
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    }
}

/// Every fixture module version below `modules_dir` (`<module path>@<version>/` directories),
/// sorted by path then directory name.
pub fn find_fixtures(modules_dir: &Path) -> Vec<Fixture> {
    let mut found = Vec::new();
    find_fixtures_below(modules_dir, "", &mut found);
    found.sort_by(|a, b| (&a.path, &a.dir).cmp(&(&b.path, &b.dir)));
    found
}

/// Write the GOPROXY file tree serving `fixtures` into `root`: per module
/// `<escaped path>/@v/list` (release versions only, as a proxy lists them) and per version
/// `<escaped version>.info`, `.mod` and `.zip`.
pub fn build_proxy(fixtures: &[Fixture], root: &Path) {
    let mut versions: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for f in fixtures {
        let base = version_base(root, &f.path, &f.version);
        write_info_and_mod(&base, &f.version, &f.gomod());
        let files = zip_file_list(&f.dir)
            .into_iter()
            .map(|(name, path)| (name, fs::read(&path).expect("read a fixture file")));
        write_zip(
            &f.path,
            &f.version,
            files,
            &base.with_extension_added("zip"),
        );
        let listed = versions.entry(&f.path).or_default();
        if !is_pseudo(&f.version) {
            listed.push(&f.version);
        }
    }
    for (path, list) in versions {
        let body: String = list.iter().map(|v| format!("{v}\n")).collect();
        fs::write(root.join(escape(path)).join("@v/list"), body).expect("write @v/list");
    }
}

/// Add one module version, given as files in memory (relative slash paths), to the GOPROXY tree
/// at `root`: `.info`, `.mod` (the `go.mod` among `files`, else `module <path>`), a `.zip`
/// holding exactly `files` (no CreateFromDir filtering), and the version appended to `@v/list`
/// (unless it is a pseudo-version).
pub fn publish(root: &Path, path: &str, version: &str, files: &[(&str, &str)]) {
    let base = version_base(root, path, version);
    let gomod = files
        .iter()
        .find(|(name, _)| *name == "go.mod")
        .map_or_else(
            || format!("module {path}\n"),
            |(_, text)| (*text).to_string(),
        );
    write_info_and_mod(&base, version, gomod.as_bytes());
    let entries = files
        .iter()
        .map(|(name, text)| ((*name).to_string(), text.as_bytes().to_vec()));
    write_zip(path, version, entries, &base.with_extension_added("zip"));
    if !is_pseudo(version) {
        let list = root.join(escape(path)).join("@v/list");
        let mut body = fs::read_to_string(&list).unwrap_or_default();
        body.push_str(version);
        body.push('\n');
        fs::write(&list, body).expect("write @v/list");
    }
}

/// Case-escape a module path or version the way the go command names files: each uppercase
/// ASCII letter becomes `!` and its lowercase. (An independent copy for the tests, so they do
/// not test the library with itself.)
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The fixture time every `.info` reports, except pseudo-versions, which carry their own.
pub const FIXTURE_TIME: &str = "2024-01-01T00:00:00Z";

fn find_fixtures_below(dir: &Path, prefix: &str, found: &mut Vec<Fixture>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read the fixture dir {}: {e}", dir.display()))
        .map(|e| e.expect("read a fixture dir entry"))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry
            .file_name()
            .into_string()
            .expect("fixture names are UTF-8");
        let full = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        match full.rsplit_once('@') {
            Some((path, version)) => found.push(Fixture {
                path: path.to_string(),
                version: version.to_string(),
                dir: entry.path(),
                has_go_mod: entry.path().join("go.mod").is_file(),
            }),
            None => find_fixtures_below(&entry.path(), &full, found),
        }
    }
}

trait WithExtensionAdded {
    fn with_extension_added(&self, ext: &str) -> PathBuf;
}

impl WithExtensionAdded for Path {
    /// `v1.0.0` + `zip` → `v1.0.0.zip` (unlike `with_extension`, which would replace `.0`).
    fn with_extension_added(&self, ext: &str) -> PathBuf {
        let mut s = self.as_os_str().to_os_string();
        s.push(".");
        s.push(ext);
        PathBuf::from(s)
    }
}

fn is_pseudo(version: &str) -> bool {
    pseudo_time(version).is_some()
}

/// The 14-digit timestamp of a pseudo-version (`vX.Y.Z-[pre.0.]yyyymmddhhmmss-abcdefabcdef`).
fn pseudo_time(version: &str) -> Option<&str> {
    let base = version.split('+').next().unwrap_or(version);
    let mut parts = base.rsplitn(3, ['-', '.']);
    let rev = parts.next()?;
    let time = parts.next()?;
    let ok = rev.len() == 12
        && rev.bytes().all(|b| b.is_ascii_hexdigit())
        && time.len() == 14
        && time.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(time)
}

fn info_time(version: &str) -> String {
    match pseudo_time(version) {
        Some(t) => format!(
            "{}-{}-{}T{}:{}:{}Z",
            &t[0..4],
            &t[4..6],
            &t[6..8],
            &t[8..10],
            &t[10..12],
            &t[12..14]
        ),
        None => FIXTURE_TIME.to_string(),
    }
}

/// The files of a module zip, following golang.org/x/mod/zip's CreateFromDir: no VCS
/// directories, no nested modules (directories with their own go.mod), no vendored packages,
/// regular files only. Sorted by name.
fn zip_file_list(dir: &Path) -> Vec<(String, PathBuf)> {
    let go_at_least_124 =
        go_version_of(dir).is_some_and(|(major, minor)| (major, minor) >= (1, 24));
    let mut files = Vec::new();
    let mut walk = walkdir::WalkDir::new(dir).sort_by_file_name().into_iter();
    while let Some(entry) = walk.next() {
        let entry = entry.expect("walk a fixture module");
        if entry.path() == dir {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .expect("below the module dir")
            .to_str()
            .expect("fixture names are UTF-8")
            .replace('\\', "/");
        if is_vendored_package(&rel, go_at_least_124) {
            if entry.file_type().is_dir() {
                walk.skip_current_dir();
            }
            continue;
        }
        if entry.file_type().is_dir() {
            let name = entry.file_name().to_string_lossy();
            let vcs = matches!(name.as_ref(), ".bzr" | ".git" | ".hg" | ".svn");
            if vcs || entry.path().join("go.mod").is_file() {
                walk.skip_current_dir();
            }
            continue;
        }
        if entry.file_type().is_file() {
            files.push((rel, entry.path().to_path_buf()));
        }
    }
    files
}

fn is_vendored_package(name: &str, go_at_least_124: bool) -> bool {
    if go_at_least_124 && name == "vendor/modules.txt" {
        return true;
    }
    let start = if let Some(rest) = name.strip_prefix("vendor/") {
        name.len() - rest.len()
    } else if let Some(j) = name.find("/vendor/") {
        if go_at_least_124 {
            j + "/vendor/".len()
        } else {
            "/vendor/".len()
        }
    } else {
        return false;
    };
    name.get(start..).is_some_and(|rest| rest.contains('/'))
}

/// `(major, minor)` of the `go` line of a module's go.mod, if any.
fn go_version_of(dir: &Path) -> Option<(u32, u32)> {
    let text = fs::read_to_string(dir.join("go.mod")).ok()?;
    let line = text.lines().find_map(|l| l.trim().strip_prefix("go "))?;
    let mut parts = line.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().unwrap_or("0").parse().ok()?;
    Some((major, minor))
}

/// `<root>/<escaped path>/@v/<escaped version>` (created up to `@v`), to which the file
/// extensions are added.
fn version_base(root: &Path, path: &str, version: &str) -> PathBuf {
    let vdir = root.join(escape(path)).join("@v");
    fs::create_dir_all(&vdir).expect("create @v");
    vdir.join(escape(version))
}

fn write_info_and_mod(base: &Path, version: &str, gomod: &[u8]) {
    let info = format!(
        r#"{{"Version":"{version}","Time":"{}"}}"#,
        info_time(version)
    );
    fs::write(base.with_extension_added("info"), info).expect("write .info");
    fs::write(base.with_extension_added("mod"), gomod).expect("write .mod");
}

/// A module zip: each `(name, bytes)` as `<path>@<version>/<name>`, in the order given.
fn write_zip(
    path: &str,
    version: &str,
    files: impl IntoIterator<Item = (String, Vec<u8>)>,
    to: &Path,
) {
    let file = fs::File::create(to).expect("create a .zip");
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, bytes) in files {
        zip.start_file(format!("{path}@{version}/{name}"), options)
            .expect("start a zip entry");
        zip.write_all(&bytes).expect("write a zip entry");
    }
    zip.finish().expect("finish a .zip");
}
