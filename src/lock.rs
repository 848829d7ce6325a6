//! `gomodoff.toml` (the user's optional settings) and `gomodoff.lock` (what gomodoff wrote), both
//! read and written with `toml_edit`.
//!
//! The lock holds enough to verify, restore and update without the module cache: the mode and
//! tree directory, per module its path, version, tier, `h1:` hashes, origin, any user replace
//! directive gomodoff displaced and any go.mod it had to synthesise; plus go.mod as it was before
//! and after gomodoff edited it, so that `restore` can give the old bytes back exactly when
//! nothing else changed in between.

use std::fmt;
use std::path::Path;

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

pub const LOCK_FILE: &str = "gomodoff.lock";
pub const CONFIG_FILE: &str = "gomodoff.toml";
const LOCK_VERSION: i64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
}

/// How the go toolchain is pointed at the modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Replace,
    Vendor,
    Proxy,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Replace => "replace",
            Mode::Vendor => "vendor",
            Mode::Proxy => "proxy",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "replace" => Some(Mode::Replace),
            "vendor" => Some(Mode::Vendor),
            "proxy" => Some(Mode::Proxy),
            _ => None,
        }
    }

    /// Where trees go unless configured otherwise.
    pub fn default_dir(self) -> &'static str {
        match self {
            Mode::Replace => "third_party/gomod",
            Mode::Vendor => "vendor",
            Mode::Proxy => ".gomodoff/proxy",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `gomodoff.toml`: every key optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    pub mode: Option<Mode>,
    pub dir: Option<String>,
    /// Module paths left to the go command (not vendored).
    pub exclude: Vec<String>,
}

impl Config {
    pub fn parse(text: &str) -> Result<Config, LockError> {
        let file = CONFIG_FILE;
        let doc = parse_doc(file, text)?;
        let mut config = Config::default();
        for (key, item) in doc.iter() {
            match key {
                "mode" => {
                    let s = str_item(file, key, item)?;
                    config.mode = Some(Mode::parse(s).ok_or_else(|| LockError::Invalid {
                        file: file.into(),
                        message: format!(
                            "unknown mode `{s}` (expected `replace`, `vendor` or `proxy`)"
                        ),
                    })?);
                }
                "dir" => config.dir = Some(str_item(file, key, item)?.to_string()),
                "exclude" => {
                    let arr = item.as_array().ok_or_else(|| {
                        invalid(file, "`exclude` must be an array of module paths")
                    })?;
                    for v in arr {
                        let s = v.as_str().ok_or_else(|| {
                            invalid(file, "`exclude` must be an array of module paths")
                        })?;
                        config.exclude.push(s.to_string());
                    }
                }
                other => {
                    return Err(invalid(
                        file,
                        &format!("unknown key `{other}` (known: mode, dir, exclude)"),
                    ));
                }
            }
        }
        Ok(config)
    }

    pub fn load(repo: &Path) -> Result<Config, anyhow::Error> {
        let path = repo.join(CONFIG_FILE);
        match crate::fsutil::read_optional(&path)? {
            None => Ok(Config::default()),
            Some(bytes) => {
                let text = String::from_utf8(bytes)
                    .map_err(|_| invalid(CONFIG_FILE, "not valid UTF-8"))?;
                Ok(Config::parse(&text)?)
            }
        }
    }
}

/// The tier of a vendored module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// Packages are built: the whole module tree is present.
    Full,
    /// Only the go.mod is read, for version selection.
    GoMod,
}

impl Tier {
    fn as_str(self) -> &'static str {
        match self {
            Tier::Full => "full",
            Tier::GoMod => "gomod",
        }
    }
}

/// A replace directive's right-hand side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplaceTarget {
    pub path: String,
    /// `None` for a directory.
    pub version: Option<String>,
}

/// One module that gomodoff laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedModule {
    /// The module the content is (for a fork replacement: the fork).
    pub path: String,
    pub version: String,
    pub tier: Tier,
    /// Tree directory, relative to the lock's `dir`.
    pub dir: String,
    /// `h1:` of the module zip (tier full).
    pub zip_h1: Option<String>,
    /// `h1:` of the go.mod gomodoff wrote into the tree (the module's own or a synthesised one).
    pub gomod_h1: String,
    /// Where the content came from (module cache, bundle, proxy tree).
    pub origin: String,
    /// Left side of the replace directive gomodoff added: path and optional version.
    pub replace_path: String,
    pub replace_version: Option<String>,
    /// The user's replace directive target that gomodoff's line took the place of.
    pub displaced: Option<ReplaceTarget>,
    /// The go.mod gomodoff wrote because the module has none.
    pub synthesized_gomod: Option<String>,
    /// Vendor mode: `h1:` of the vendored subset.
    pub vendor_h1: Option<String>,
}

/// `gomodoff.lock`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LockFile {
    pub mode: Mode,
    pub dir: String,
    /// The go.mod file gomodoff edited (`go.mod`, or `go.offline.mod` with `--modfile`).
    pub modfile: String,
    /// go.mod before gomodoff edited it, and after.
    pub gomod_before: String,
    pub gomod_after: String,
    /// SHA-256 of go.sum when gomodoff last ran.
    pub gosum_sha256: String,
    pub modules: Vec<LockedModule>,
    /// Vendor mode: what `verify` and `restore` need beyond the modules.
    pub vendor: Option<VendorState>,
}

/// Vendor mode's own record: `vendor/` must stay byte-identical to what go writes, so the
/// per-file digests live in a listing beside it and the `vendor/` from before gomodoff in a
/// backup directory.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VendorState {
    /// SHA-256 (hex) of the listing `gomodoff.vendor.sum` gomodoff wrote.
    pub sum_sha256: String,
    /// Where the `vendor/` that was there before gomodoff is kept (relative to the repository);
    /// `None` when there was none.
    pub backup: Option<String>,
}

impl LockFile {
    pub fn parse(text: &str) -> Result<LockFile, LockError> {
        let file = LOCK_FILE;
        let doc = parse_doc(file, text)?;
        let version = doc.get("version").and_then(Item::as_integer);
        if version != Some(LOCK_VERSION) {
            return Err(invalid(
                file,
                &format!(
                    "unsupported lock version {} (this gomodoff reads version {LOCK_VERSION}); run a matching gomodoff",
                    version.map_or("(missing)".to_string(), |v| v.to_string())
                ),
            ));
        }
        let get = |key: &str| -> Result<String, LockError> {
            Ok(str_item(file, key, doc.get(key).unwrap_or(&Item::None))?.to_string())
        };
        let mode_text = get("mode")?;
        let mode = Mode::parse(&mode_text)
            .ok_or_else(|| invalid(file, &format!("unknown mode `{mode_text}`")))?;
        let mut lock = LockFile {
            mode,
            dir: get("dir")?,
            modfile: get("modfile")?,
            gomod_before: get("gomod_before")?,
            gomod_after: get("gomod_after")?,
            gosum_sha256: get("gosum_sha256")?,
            modules: Vec::new(),
            vendor: doc
                .get("vendor_sum_sha256")
                .and_then(Item::as_str)
                .map(|sum| VendorState {
                    sum_sha256: sum.to_string(),
                    backup: doc
                        .get("vendor_backup")
                        .and_then(Item::as_str)
                        .map(str::to_string),
                }),
        };
        if let Some(item) = doc.get("module") {
            let tables = item
                .as_array_of_tables()
                .ok_or_else(|| invalid(file, "`module` must be an array of tables"))?;
            for (i, t) in tables.iter().enumerate() {
                lock.modules.push(parse_module(file, i, t)?);
            }
        }
        Ok(lock)
    }

    pub fn render(&self) -> String {
        let mut doc = DocumentMut::new();
        doc.decor_mut().set_prefix(
            "# Written by gomodoff: what `gomodoff vendor` laid out, for verify, status and restore.\n# Commit it; do not edit it by hand.\n",
        );
        doc["version"] = value(LOCK_VERSION);
        doc["mode"] = value(self.mode.as_str());
        doc["dir"] = value(&self.dir);
        doc["modfile"] = value(&self.modfile);
        doc["gosum_sha256"] = value(&self.gosum_sha256);
        doc["gomod_before"] = value(&self.gomod_before);
        doc["gomod_after"] = value(&self.gomod_after);
        if let Some(v) = &self.vendor {
            doc["vendor_sum_sha256"] = value(&v.sum_sha256);
            if let Some(b) = &v.backup {
                doc["vendor_backup"] = value(b);
            }
        }
        let mut arr = ArrayOfTables::new();
        for m in &self.modules {
            let mut t = Table::new();
            t["path"] = value(&m.path);
            t["version"] = value(&m.version);
            t["tier"] = value(m.tier.as_str());
            t["dir"] = value(&m.dir);
            if let Some(h) = &m.zip_h1 {
                t["zip_h1"] = value(h);
            }
            t["gomod_h1"] = value(&m.gomod_h1);
            t["origin"] = value(&m.origin);
            t["replace_path"] = value(&m.replace_path);
            if let Some(v) = &m.replace_version {
                t["replace_version"] = value(v);
            }
            if let Some(d) = &m.displaced {
                t["displaced_path"] = value(&d.path);
                if let Some(v) = &d.version {
                    t["displaced_version"] = value(v);
                }
            }
            if let Some(s) = &m.synthesized_gomod {
                t["synthesized_gomod"] = value(s);
            }
            if let Some(h) = &m.vendor_h1 {
                t["vendor_h1"] = value(h);
            }
            arr.push(t);
        }
        if !arr.is_empty() {
            doc["module"] = Item::ArrayOfTables(arr);
        }
        doc.to_string()
    }

    /// Read the repository's lock, if there is one.
    pub fn load(repo: &Path) -> Result<Option<LockFile>, anyhow::Error> {
        let path = repo.join(LOCK_FILE);
        match crate::fsutil::read_optional(&path)? {
            None => Ok(None),
            Some(bytes) => {
                let text =
                    String::from_utf8(bytes).map_err(|_| invalid(LOCK_FILE, "not valid UTF-8"))?;
                Ok(Some(LockFile::parse(&text)?))
            }
        }
    }
}

fn parse_module(file: &str, index: usize, t: &Table) -> Result<LockedModule, LockError> {
    let ctx = |key: &str| format!("module #{} `{key}`", index + 1);
    let req = |key: &str| -> Result<String, LockError> {
        t.get(key)
            .and_then(Item::as_str)
            .map(str::to_string)
            .ok_or_else(|| invalid(file, &format!("{} is missing or not a string", ctx(key))))
    };
    let opt =
        |key: &str| -> Option<String> { t.get(key).and_then(Item::as_str).map(str::to_string) };
    let tier = match req("tier")?.as_str() {
        "full" => Tier::Full,
        "gomod" => Tier::GoMod,
        other => {
            return Err(invalid(
                file,
                &format!("{} has unknown tier `{other}`", ctx("tier")),
            ));
        }
    };
    Ok(LockedModule {
        path: req("path")?,
        version: req("version")?,
        tier,
        dir: req("dir")?,
        zip_h1: opt("zip_h1"),
        gomod_h1: req("gomod_h1")?,
        origin: req("origin")?,
        replace_path: req("replace_path")?,
        replace_version: opt("replace_version"),
        displaced: opt("displaced_path").map(|path| ReplaceTarget {
            path,
            version: opt("displaced_version"),
        }),
        synthesized_gomod: opt("synthesized_gomod"),
        vendor_h1: opt("vendor_h1"),
    })
}

fn parse_doc(file: &str, text: &str) -> Result<DocumentMut, LockError> {
    text.parse::<DocumentMut>().map_err(|e| LockError::Syntax {
        file: file.to_string(),
        message: e.to_string().trim_end().to_string(),
    })
}

fn str_item<'a>(file: &str, key: &str, item: &'a Item) -> Result<&'a str, LockError> {
    item.as_str()
        .ok_or_else(|| invalid(file, &format!("`{key}` is missing or not a string")))
}

fn invalid(file: &str, message: &str) -> LockError {
    LockError::Invalid {
        file: file.to_string(),
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> LockFile {
        LockFile {
            mode: Mode::Replace,
            dir: "third_party/gomod".into(),
            modfile: "go.mod".into(),
            gomod_before: "module x\n\ngo 1.22\n".into(),
            gomod_after:
                "module x\n\ngo 1.22\n\nreplace a v1.0.0 => ./third_party/gomod/a@v1.0.0\n".into(),
            gosum_sha256: "00".repeat(32),
            modules: vec![
                LockedModule {
                    path: "example.com/a".into(),
                    version: "v1.0.0".into(),
                    tier: Tier::Full,
                    dir: "example.com/a@v1.0.0".into(),
                    zip_h1: Some("h1:abc=".into()),
                    gomod_h1: "h1:def=".into(),
                    origin: "module cache `/tmp/x`".into(),
                    replace_path: "example.com/a".into(),
                    replace_version: Some("v1.0.0".into()),
                    displaced: Some(ReplaceTarget {
                        path: "example.com/fork".into(),
                        version: Some("v1.0.1".into()),
                    }),
                    synthesized_gomod: Some("module example.com/a\n".into()),
                    vendor_h1: None,
                },
                LockedModule {
                    path: "example.com/b".into(),
                    version: "v0.1.0".into(),
                    tier: Tier::GoMod,
                    dir: "example.com/b@v0.1.0".into(),
                    zip_h1: None,
                    gomod_h1: "h1:ghi=".into(),
                    origin: "bundle".into(),
                    replace_path: "example.com/b".into(),
                    replace_version: None,
                    displaced: None,
                    synthesized_gomod: None,
                    vendor_h1: None,
                },
            ],
            vendor: None,
        }
    }

    #[test]
    fn lock_round_trips() {
        let lock = sample();
        let text = lock.render();
        assert_eq!(LockFile::parse(&text).unwrap(), lock);
        assert!(text.starts_with("# Written by gomodoff"));
    }

    #[test]
    fn vendor_state_round_trips_with_and_without_a_backup() {
        for backup in [None, Some(".gomodoff/vendor-backup/vendor".to_string())] {
            let mut lock = sample();
            lock.mode = Mode::Vendor;
            lock.modules[0].vendor_h1 = Some("h1:xyz=".into());
            lock.vendor = Some(VendorState {
                sum_sha256: "ab".repeat(32),
                backup: backup.clone(),
            });
            let text = lock.render();
            assert_eq!(text.contains("vendor_backup"), backup.is_some());
            assert_eq!(LockFile::parse(&text).unwrap(), lock);
        }
    }

    #[test]
    fn lock_errors_name_the_file_and_problem() {
        let e = LockFile::parse("version = 9\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "gomodoff.lock: unsupported lock version 9 (this gomodoff reads version 1); run a matching gomodoff"
        );
        let e = LockFile::parse("version = 1\nmode = \"replace\"\n")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "gomodoff.lock: `dir` is missing or not a string");
        let e = LockFile::parse("version = [\n").unwrap_err().to_string();
        assert!(
            e.starts_with("gomodoff.lock: TOML parse error at line 1"),
            "{e}"
        );
        let mut text = sample().render();
        text = text.replace("tier = \"gomod\"", "tier = \"half\"");
        let e = LockFile::parse(&text).unwrap_err().to_string();
        assert_eq!(e, "gomodoff.lock: module #2 `tier` has unknown tier `half`");
    }

    #[test]
    fn config_reads_every_key_and_rejects_unknown_ones() {
        let c = Config::parse(
            "# mine\nmode = \"vendor\"\ndir = \"deps\"\nexclude = [\"example.com/x\"]\n",
        )
        .unwrap();
        assert_eq!(
            c,
            Config {
                mode: Some(Mode::Vendor),
                dir: Some("deps".into()),
                exclude: vec!["example.com/x".into()]
            }
        );
        let e = Config::parse("mode = \"fast\"\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "gomodoff.toml: unknown mode `fast` (expected `replace`, `vendor` or `proxy`)"
        );
        let e = Config::parse("dirs = \"x\"\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "gomodoff.toml: unknown key `dirs` (known: mode, dir, exclude)"
        );
    }
}
