//! Where module files come from: the local Go module cache (`GOMODCACHE`) or any GOPROXY file tree
//! (`<module>/@v/list`, `.info`, `.mod`, `.zip`), behind one [`ModuleSource`] trait so that the
//! commands never care which. The module cache's `cache/download` directory *is* such a tree,
//! plus `.ziphash` files and extracted module directories beside it.
//!
//! Nothing here downloads: a module that is not there is [`SourceError::Missing`], whose hint
//! says how to bring it over from a connected machine. Module paths and versions are case-escaped
//! (`!x`) when mapped to file names, exactly as the go command names them.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::formats::module::{ModuleVersion, escape_path, escape_version};
use crate::sources::goenv::{GoEnvVars, go_env};

/// A place modules can be read from.
pub trait ModuleSource: Send + Sync {
    /// What the source is, for messages: "module cache `/x/pkg/mod`".
    fn describe(&self) -> String;
    /// What kind of source it is, without its local path: what `gomodoff.lock` records as a
    /// module's origin (the lock is committed, and must be the same on every machine).
    fn kind(&self) -> &'static str;
    /// The versions the source lists for a module path (its `@v/list`), in the listed order.
    fn versions(&self, path: &str) -> Result<Vec<String>, SourceError>;
    /// The `.info` JSON of a module version.
    fn info(&self, mv: &ModuleVersion) -> Result<Vec<u8>, SourceError>;
    /// The `.mod` bytes: the module's go.mod, or the one go synthesized for a module without one.
    fn gomod(&self, mv: &ModuleVersion) -> Result<Vec<u8>, SourceError>;
    /// A local `.zip` file holding the module.
    fn zip_path(&self, mv: &ModuleVersion) -> Result<PathBuf, SourceError>;
    /// The `h1:` hash the go command recorded for the zip (`.ziphash`), when there is a valid one.
    fn ziphash(&self, mv: &ModuleVersion) -> Result<Option<String>, SourceError>;
    /// The directory the module was extracted to (module cache only).
    fn extracted_dir(&self, mv: &ModuleVersion) -> Option<PathBuf>;
    /// The GOPROXY tree the source serves from, when it is one (a tree, or a bundle laid out):
    /// where a checksum database part it carries is.
    fn tree_dir(&self) -> Option<&Path> {
        None
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The module (or one of its files) is not in the source.
    #[error("module `{module}` has no {what} in {origin}")]
    Missing {
        /// `path@version`, or just the path for a version list.
        module: String,
        /// Which file: `.info`, `.mod`, `.zip` or `version list`.
        what: &'static str,
        /// [`ModuleSource::describe`] of the source.
        origin: String,
        /// What the user can do about it.
        hint: String,
    },
    #[error("failed to read `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A module path or version that cannot be a file name.
    #[error("cannot look up module `{module}`: {reason}")]
    InvalidModule { module: String, reason: String },
    /// `--modcache` names a directory that does not exist.
    #[error("module cache `{}` does not exist", path.display())]
    NoSuchCache { path: PathBuf },
    /// `GOMODCACHE` or `GOPATH` holds a relative path, which the go command refuses too.
    #[error("{var} is the relative path `{}`; it must be absolute", value.display())]
    RelativeSetting { var: &'static str, value: PathBuf },
    /// Nothing says where the module cache is.
    #[error("cannot find the module cache: GOMODCACHE, GOPATH and HOME are all unset")]
    NoModCache,
}

impl SourceError {
    /// What the user can do, where there is something.
    pub fn hint(&self) -> Option<&str> {
        match self {
            SourceError::Missing { hint, .. } => Some(hint),
            SourceError::NoSuchCache { .. } | SourceError::NoModCache => {
                Some("pass --modcache DIR, or set GOMODCACHE")
            }
            _ => None,
        }
    }
}

/// How a [`ModCache`] was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundBy {
    /// Given explicitly (`--modcache`, or [`ModCache::new`]).
    Explicit,
    /// `go env GOMODCACHE`.
    GoEnv,
    /// The `GOMODCACHE` environment variable (go not installed).
    GomodcacheVar,
    /// The first `GOPATH` entry + `/pkg/mod` (go not installed).
    Gopath,
    /// `$HOME/go/pkg/mod` (go not installed).
    Home,
}

/// The Go module cache: `cache/download/` (a GOPROXY tree with `.ziphash` files) and the
/// extracted `<module>@<version>/` directories.
#[derive(Debug, Clone)]
pub struct ModCache {
    root: PathBuf,
    download: ProxyTree,
    found_by: FoundBy,
}

impl ModCache {
    /// The module cache at `root` (what `GOMODCACHE` names). Not checked for existence.
    pub fn new(root: impl Into<PathBuf>) -> ModCache {
        ModCache::found(root.into(), FoundBy::Explicit)
    }

    /// Find the module cache: `explicit` (which must exist), else `go env GOMODCACHE`, else the
    /// `GOMODCACHE` variable, else the first `GOPATH` entry + `/pkg/mod`, else
    /// `$HOME/go/pkg/mod`. Only `explicit` must exist: an empty cache reports each module as
    /// [`SourceError::Missing`] with a hint.
    pub fn locate(explicit: Option<&Path>) -> Result<ModCache, SourceError> {
        ModCache::locate_from(explicit, go_env, crate::util::env::var_os)
    }

    /// [`ModCache::locate`] with the `go env` query and the environment given, for tests and
    /// for callers that already ran `go env`.
    pub fn locate_from(
        explicit: Option<&Path>,
        go_env: impl FnOnce() -> Option<GoEnvVars>,
        var: impl Fn(&str) -> Option<OsString>,
    ) -> Result<ModCache, SourceError> {
        if let Some(dir) = explicit {
            if !dir.is_dir() {
                return Err(SourceError::NoSuchCache {
                    path: dir.to_path_buf(),
                });
            }
            return Ok(ModCache::found(dir.to_path_buf(), FoundBy::Explicit));
        }
        if let Some(env) = go_env()
            && !env.gomodcache.is_empty()
        {
            return Ok(ModCache::found(env.gomodcache.into(), FoundBy::GoEnv));
        }
        let set = |name: &str| var(name).filter(|v| !v.is_empty());
        if let Some(dir) = set("GOMODCACHE") {
            let dir = absolute("GOMODCACHE", dir.into())?;
            return Ok(ModCache::found(dir, FoundBy::GomodcacheVar));
        }
        if let Some(gopath) = set("GOPATH")
            && let Some(first) = std::env::split_paths(&gopath).next()
            && !first.as_os_str().is_empty()
        {
            let first = absolute("GOPATH", first)?;
            return Ok(ModCache::found(first.join("pkg/mod"), FoundBy::Gopath));
        }
        let home = set("HOME").or_else(|| set("USERPROFILE"));
        match home {
            Some(home) => Ok(ModCache::found(
                PathBuf::from(home).join("go/pkg/mod"),
                FoundBy::Home,
            )),
            None => Err(SourceError::NoModCache),
        }
    }

    /// The cache root (`GOMODCACHE`).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `cache/download`, the cache's GOPROXY tree.
    pub fn download_dir(&self) -> &Path {
        self.download.root()
    }

    pub fn found_by(&self) -> FoundBy {
        self.found_by
    }

    fn found(root: PathBuf, found_by: FoundBy) -> ModCache {
        let describe = format!("module cache `{}`", root.display());
        let download = ProxyTree {
            root: root.join("cache/download"),
            describe,
        };
        ModCache {
            root,
            download,
            found_by,
        }
    }
}

impl ModuleSource for ModCache {
    fn describe(&self) -> String {
        self.download.describe()
    }

    fn kind(&self) -> &'static str {
        "module cache"
    }

    fn versions(&self, path: &str) -> Result<Vec<String>, SourceError> {
        self.download.versions(path)
    }

    fn info(&self, mv: &ModuleVersion) -> Result<Vec<u8>, SourceError> {
        self.download.info(mv)
    }

    fn gomod(&self, mv: &ModuleVersion) -> Result<Vec<u8>, SourceError> {
        self.download.gomod(mv)
    }

    fn zip_path(&self, mv: &ModuleVersion) -> Result<PathBuf, SourceError> {
        self.download.zip_path(mv)
    }

    fn ziphash(&self, mv: &ModuleVersion) -> Result<Option<String>, SourceError> {
        self.download.ziphash(mv)
    }

    fn extracted_dir(&self, mv: &ModuleVersion) -> Option<PathBuf> {
        let path = escape_path(&mv.path).ok()?;
        let version = escape_version(&mv.version).ok()?;
        let dir = self.root.join(format!("{path}@{version}"));
        dir.is_dir().then_some(dir)
    }
}

/// A GOPROXY file tree: `<escaped path>/@v/list`, `<escaped version>.info`, `.mod`, `.zip`
/// (and, in a module cache, `.ziphash`).
#[derive(Debug, Clone)]
pub struct ProxyTree {
    root: PathBuf,
    describe: String,
}

impl ProxyTree {
    /// The tree at `root`. Not checked for existence.
    pub fn new(root: impl Into<PathBuf>) -> ProxyTree {
        let root = root.into();
        let describe = format!("GOPROXY tree `{}`", root.display());
        ProxyTree { root, describe }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<root>/<escaped path>/@v`.
    pub fn version_dir(&self, path: &str) -> Result<PathBuf, SourceError> {
        let escaped = escape_path(path).map_err(|e| SourceError::InvalidModule {
            module: path.to_string(),
            reason: e.to_string(),
        })?;
        Ok(self.root.join(escaped).join("@v"))
    }

    /// `<root>/<escaped path>/@v/<escaped version>.<ext>`.
    pub fn file(&self, mv: &ModuleVersion, ext: &str) -> Result<PathBuf, SourceError> {
        let version = escape_version(&mv.version).map_err(|e| SourceError::InvalidModule {
            module: module_name(mv),
            reason: e.to_string(),
        })?;
        Ok(self.version_dir(&mv.path)?.join(format!("{version}.{ext}")))
    }

    fn missing(&self, module: String, what: &'static str) -> SourceError {
        let hint = format!(
            "run `go mod download {module}` on a machine with network access and copy its module \
             cache here, or bring a bundle made there with `gomodoff pack` and install it with \
             `gomodoff unpack`"
        );
        SourceError::Missing {
            module,
            what,
            origin: self.describe.clone(),
            hint,
        }
    }

    fn read(
        &self,
        mv: &ModuleVersion,
        ext: &str,
        what: &'static str,
    ) -> Result<Vec<u8>, SourceError> {
        let file = self.file(mv, ext)?;
        fs::read(&file).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => self.missing(module_name(mv), what),
            _ => SourceError::Io { path: file, source },
        })
    }
}

impl ModuleSource for ProxyTree {
    fn describe(&self) -> String {
        self.describe.clone()
    }

    fn tree_dir(&self) -> Option<&Path> {
        Some(&self.root)
    }

    fn kind(&self) -> &'static str {
        "GOPROXY tree"
    }

    fn versions(&self, path: &str) -> Result<Vec<String>, SourceError> {
        let dir = self.version_dir(path)?;
        let list = dir.join("list");
        match fs::read_to_string(&list) {
            Ok(text) => Ok(text
                .lines()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(String::from)
                .collect()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // The module cache writes `list` only after listing; like the go command's
                // rewriteVersionList, fall back to every version with a `.mod` file.
                let entries = match fs::read_dir(&dir) {
                    Ok(entries) => entries,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        return Err(self.missing(format!("{path}@latest"), "version list"));
                    }
                    Err(source) => return Err(SourceError::Io { path: dir, source }),
                };
                let mut versions = Vec::new();
                for entry in entries {
                    let entry = entry.map_err(|source| SourceError::Io {
                        path: dir.clone(),
                        source,
                    })?;
                    let name = entry.file_name();
                    if let Some(v) = name.to_str().and_then(|n| n.strip_suffix(".mod"))
                        && !v.is_empty()
                        && !v.contains('!')
                    {
                        versions.push(v.to_string());
                    }
                }
                versions.sort();
                Ok(versions)
            }
            Err(source) => Err(SourceError::Io { path: list, source }),
        }
    }

    fn info(&self, mv: &ModuleVersion) -> Result<Vec<u8>, SourceError> {
        self.read(mv, "info", ".info")
    }

    fn gomod(&self, mv: &ModuleVersion) -> Result<Vec<u8>, SourceError> {
        self.read(mv, "mod", ".mod")
    }

    fn zip_path(&self, mv: &ModuleVersion) -> Result<PathBuf, SourceError> {
        let zip = self.file(mv, "zip")?;
        match fs::metadata(&zip) {
            Ok(meta) if meta.is_file() => Ok(zip),
            Ok(_) => Err(self.missing(module_name(mv), ".zip")),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(self.missing(module_name(mv), ".zip"))
            }
            Err(source) => Err(SourceError::Io { path: zip, source }),
        }
    }

    fn ziphash(&self, mv: &ModuleVersion) -> Result<Option<String>, SourceError> {
        let file = self.file(mv, "ziphash")?;
        let data = match fs::read(&file) {
            Ok(data) => data,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(SourceError::Io { path: file, source }),
        };
        // Like the go command (modfetch.isValidSum): a torn or odd file counts as no hash, so
        // the zip gets hashed instead.
        let hash = String::from_utf8_lossy(&data).trim().to_string();
        let valid =
            hash.len() == "h1:".len() + 44 && hash.starts_with("h1:") && !hash.contains('\0');
        Ok(valid.then_some(hash))
    }

    fn extracted_dir(&self, _mv: &ModuleVersion) -> Option<PathBuf> {
        None
    }
}

fn module_name(mv: &ModuleVersion) -> String {
    format!("{}@{}", mv.path, mv.version)
}

fn absolute(var: &'static str, value: PathBuf) -> Result<PathBuf, SourceError> {
    if value.is_absolute() {
        Ok(value)
    } else {
        Err(SourceError::RelativeSetting { var, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mv(path: &str, version: &str) -> ModuleVersion {
        ModuleVersion {
            path: path.into(),
            version: version.into(),
        }
    }

    fn write(path: &Path, data: &str) {
        fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        fs::write(path, data).expect("write");
    }

    #[test]
    fn proxy_tree_maps_escaped_names() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let v = tmp.path().join("example.com/!upper/!mixed/@v");
        write(&v.join("list"), "v1.0.0\n\nv1.1.0-RC\n");
        write(&v.join("v1.0.0.info"), r#"{"Version":"v1.0.0"}"#);
        write(&v.join("v1.0.0.mod"), "module example.com/Upper/Mixed\n");
        write(&v.join("v1.0.0.zip"), "zip");
        write(
            &v.join("v1.1.0-!r!c.mod"),
            "module example.com/Upper/Mixed\n",
        );
        let tree = ProxyTree::new(tmp.path());
        let m = mv("example.com/Upper/Mixed", "v1.0.0");
        assert_eq!(
            tree.versions("example.com/Upper/Mixed").expect("list"),
            ["v1.0.0", "v1.1.0-RC"]
        );
        assert_eq!(tree.info(&m).expect("info"), br#"{"Version":"v1.0.0"}"#);
        assert_eq!(
            tree.gomod(&m).expect("mod"),
            b"module example.com/Upper/Mixed\n"
        );
        assert_eq!(tree.zip_path(&m).expect("zip"), v.join("v1.0.0.zip"));
        assert!(
            tree.gomod(&mv("example.com/Upper/Mixed", "v1.1.0-RC"))
                .is_ok()
        );
        assert_eq!(tree.ziphash(&m).expect("no ziphash"), None);
        assert_eq!(tree.extracted_dir(&m), None);
        assert!(tree.describe().starts_with("GOPROXY tree `"));
    }

    #[test]
    fn missing_files_say_what_and_how_to_get_them() {
        let tmp = tempfile::tempdir().expect("tempdir");
        write(
            &tmp.path().join("cache/download/a.com/m/@v/v1.0.0.mod"),
            "module a.com/m\n",
        );
        let cache = ModCache::new(tmp.path());
        let m = mv("a.com/m", "v1.0.0");
        assert!(cache.gomod(&m).is_ok());
        let err = cache.zip_path(&m).expect_err("an error");
        assert_eq!(
            err.to_string(),
            format!(
                "module `a.com/m@v1.0.0` has no .zip in module cache `{}`",
                tmp.path().display()
            )
        );
        let hint = err.hint().expect("a hint");
        assert!(hint.contains("go mod download a.com/m@v1.0.0"), "{hint}");
        assert!(hint.contains("gomodoff unpack"), "{hint}");
        for result in [
            cache.info(&m).map(|_| ()),
            cache.gomod(&mv("a.com/m", "v2.0.0")).map(|_| ()),
        ] {
            assert!(
                matches!(result, Err(SourceError::Missing { .. })),
                "{result:?}"
            );
        }
        assert!(matches!(
            cache.versions("a.com/other"),
            Err(SourceError::Missing {
                what: "version list",
                ..
            })
        ));
        // No list file: the versions with a .mod file.
        assert_eq!(cache.versions("a.com/m").expect("fallback"), ["v1.0.0"]);
    }

    #[test]
    fn paths_that_cannot_be_file_names_are_refused() {
        let tree = ProxyTree::new("/nonexistent");
        for (path, version) in [
            ("../etc", "v1.0.0"),
            ("a.com/m", "../v1"),
            ("a.com/m!", "v1.0.0"),
            ("", "v1"),
        ] {
            assert!(
                matches!(
                    tree.gomod(&mv(path, version)),
                    Err(SourceError::InvalidModule { .. })
                ),
                "{path} {version}"
            );
        }
    }

    #[test]
    fn ziphash_and_extracted_dir_in_a_module_cache() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let v = tmp.path().join("cache/download/a.com/!x/@v");
        let good = "h1:8bfjgzwY59ByVHF6lnaRDQpTQwqKe1XXYtos2mhY5sA=";
        write(&v.join("v1.0.0.ziphash"), &format!("{good}\n"));
        write(&v.join("v1.1.0.ziphash"), "h1:short");
        write(&v.join("v1.2.0.ziphash"), "\0\0\0");
        fs::create_dir_all(tmp.path().join("a.com/!x@v1.0.0")).expect("mkdir");
        let cache = ModCache::new(tmp.path());
        assert_eq!(
            cache.ziphash(&mv("a.com/X", "v1.0.0")).expect("read"),
            Some(good.into())
        );
        assert_eq!(cache.ziphash(&mv("a.com/X", "v1.1.0")).expect("read"), None);
        assert_eq!(cache.ziphash(&mv("a.com/X", "v1.2.0")).expect("read"), None);
        assert_eq!(cache.ziphash(&mv("a.com/X", "v9.0.0")).expect("read"), None);
        assert_eq!(
            cache.extracted_dir(&mv("a.com/X", "v1.0.0")),
            Some(tmp.path().join("a.com/!x@v1.0.0"))
        );
        assert_eq!(cache.extracted_dir(&mv("a.com/X", "v1.1.0")), None);
        assert_eq!(cache.download_dir(), tmp.path().join("cache/download"));
    }

    #[test]
    fn locate_order() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let explicit = tmp.path();
        let go = || {
            Some(GoEnvVars {
                gomodcache: "/from/go/env".into(),
                ..GoEnvVars::default()
            })
        };
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        let all: &[(&str, &str)] = &[
            ("GOMODCACHE", "/env/modcache"),
            ("GOPATH", "/gopath1:/gopath2"),
            ("HOME", "/home/u"),
        ];
        // (explicit, go installed, environment, expected root, found by)
        type Case<'a> = (
            Option<&'a Path>,
            bool,
            &'static [(&'static str, &'static str)],
            &'a str,
            FoundBy,
        );
        let cases: Vec<Case> = vec![
            (
                Some(explicit),
                true,
                all,
                explicit.to_str().expect("utf-8"),
                FoundBy::Explicit,
            ),
            (None, true, all, "/from/go/env", FoundBy::GoEnv),
            (None, false, all, "/env/modcache", FoundBy::GomodcacheVar),
            (
                None,
                false,
                &[
                    ("GOMODCACHE", ""),
                    ("GOPATH", "/gopath1:/gopath2"),
                    ("HOME", "/h"),
                ],
                "/gopath1/pkg/mod",
                FoundBy::Gopath,
            ),
            (
                None,
                false,
                &[("HOME", "/home/u")],
                "/home/u/go/pkg/mod",
                FoundBy::Home,
            ),
        ];
        for (explicit, with_go, env, want, found_by) in cases {
            let cache =
                ModCache::locate_from(explicit, || if with_go { go() } else { None }, vars(env))
                    .expect("located");
            assert_eq!(
                (cache.root(), cache.found_by()),
                (Path::new(want), found_by),
                "{env:?}"
            );
        }

        let err = ModCache::locate_from(Some(&explicit.join("nope")), go, vars(all))
            .expect_err("an error");
        assert!(matches!(err, SourceError::NoSuchCache { .. }), "{err}");
        let err = ModCache::locate_from(None, || None, vars(&[("GOMODCACHE", "rel/dir")]))
            .expect_err("an error");
        assert_eq!(
            err.to_string(),
            "GOMODCACHE is the relative path `rel/dir`; it must be absolute"
        );
        let err = ModCache::locate_from(None, || None, vars(&[])).expect_err("an error");
        assert!(matches!(err, SourceError::NoModCache));
    }
}
