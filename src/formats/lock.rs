//! `gomodoff.toml` (the user's optional settings) and `gomodoff.lock` (what gomodoff wrote), both
//! read and written with `toml_edit`.
//!
//! The lock holds enough to verify, restore and update without the module cache: the mode and
//! tree directory, per module its path, version, tier, `h1:` hashes, origin, any user replace
//! directive gomodoff displaced and any go.mod it had to synthesise; plus go.mod as it was before
//! and after gomodoff edited it, so that `restore` can give the old bytes back exactly when
//! nothing else changed in between.
//!
//! Both files come with the repository, so a clone may carry crafted ones: every path-valued
//! entry is checked here, as the file is read, to be what gomodoff itself would write (a plain
//! relative path inside the repository; for a module, exactly its layout name). The commands check
//! the same paths again on disk ([`crate::util::fsutil::inside`]) right before they change anything.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use toml_edit::{DocumentMut, Item, Table, value};

use crate::formats::module::{self, ModuleError, ModuleVersion};

pub const LOCK_FILE: &str = "gomodoff.lock";
pub const CONFIG_FILE: &str = "gomodoff.toml";
const LOCK_VERSION: i64 = 1;
/// Where vendor mode keeps the `vendor/` from before gomodoff (relative to the repository).
pub const VENDOR_BACKUP_DIR: &str = ".gomodoff/vendor-backup/vendor";
/// The go.mod file `--modfile` writes the replace directives to.
pub const OFFLINE_MODFILE: &str = "go.offline.mod";
/// The workspace file a vendored workspace's lock names as its `modfile`.
pub const WORK_FILE: &str = "go.work";

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    /// A path-valued entry that is not one gomodoff would write: followed, it could make a
    /// command delete or write outside the repository.
    #[error(
        "{file}: {entry} = `{value}` {reason}; gomodoff only touches paths inside the repository, so it refuses this {file} (nothing was changed)"
    )]
    Untrusted {
        file: String,
        /// Which entry: ``` `dir` ```, ``` module #2 (`example.com/a`) `dir` ```, …
        entry: String,
        value: String,
        /// Why, as a predicate: "is absolute", "contains `..`", …
        reason: String,
    },
}

impl LockError {
    /// What the user can do, where there is something.
    pub fn hint(&self) -> Option<String> {
        match self {
            LockError::Untrusted { file, .. } => Some(format!(
                "a cloned repository may carry a crafted {file}; check where it came from, and remove it if you do not trust it"
            )),
            _ => None,
        }
    }
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

    /// Why `dir` cannot be this mode's tree directory, as a predicate ("is absolute"), if it
    /// cannot. It must be a plain relative path inside the repository
    /// ([`crate::util::fsutil::check_relative`]); replace and proxy mode keep out of `vendor/`, which
    /// the go command owns, and vendor mode writes `vendor/` and nothing else. Lexical only: the
    /// commands check the directory on disk when they use it.
    pub fn tree_dir_problem(self, dir: &str) -> Option<String> {
        let p = Path::new(dir);
        if let Err(why) = crate::util::fsutil::check_relative(p) {
            return Some(why.to_string());
        }
        let normal = || {
            p.components()
                .filter(|c| matches!(c, std::path::Component::Normal(_)))
        };
        let first = normal().next().map(|c| c.as_os_str());
        match self {
            Mode::Vendor => {
                if first != Some("vendor".as_ref()) || normal().count() != 1 {
                    return Some(
                        "is not `vendor`, the only directory vendor mode writes (the one `go build -mod=vendor` reads)"
                            .into(),
                    );
                }
            }
            Mode::Replace | Mode::Proxy => {
                if first == Some("vendor".as_ref()) {
                    return Some("is under vendor/, which the go command owns".into());
                }
            }
        }
        None
    }

    /// The directory, relative to the tree directory, where gomodoff lays out module
    /// `path@version` in this mode: the module cache's `<escaped path>@<escaped version>`
    /// (replace mode), the GOPROXY protocol's `<escaped path>/@v/<escaped version>` stem of its
    /// files (proxy mode), the module path as `go mod vendor` uses it (vendor mode). The one
    /// definition both the commands that write a lock and the check of a lock read use.
    pub fn module_dir(self, path: &str, version: &str) -> Result<String, ModuleError> {
        Ok(match self {
            Mode::Replace => format!(
                "{}@{}",
                module::escape_path(path)?,
                module::escape_version(version)?
            ),
            Mode::Proxy => format!(
                "{}/@v/{}",
                module::escape_path(path)?,
                module::escape_version(version)?
            ),
            Mode::Vendor => path.to_string(),
        })
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
    /// `tree = "whole"`: replace mode lays out whole module trees, not slim ones.
    pub whole_trees: bool,
    /// `[licenses]`: the licence policy `licenses --check` and `status --check` enforce.
    pub licenses: Option<crate::formats::licenses::Policy>,
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
                "dir" => {
                    let dir = str_item(file, key, item)?;
                    // Which mode's rules apply is known only when the command runs (a flag may
                    // choose it); what holds for every mode is checked now.
                    if let Err(why) = crate::util::fsutil::check_relative(Path::new(dir)) {
                        return Err(untrusted(file, "`dir`", dir, why));
                    }
                    config.dir = Some(dir.to_string());
                }
                "tree" => {
                    config.whole_trees = match str_item(file, key, item)? {
                        "slim" => false,
                        "whole" => true,
                        s => {
                            return Err(invalid(
                                file,
                                &format!("unknown tree `{s}` (expected `slim` or `whole`)"),
                            ));
                        }
                    };
                }
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
                "licenses" => {
                    config.licenses = Some(
                        crate::formats::licenses::Policy::from_toml(item)
                            .map_err(|m| invalid(file, &m))?,
                    );
                }
                other => {
                    return Err(invalid(
                        file,
                        &format!(
                            "unknown key `{other}` (known: mode, dir, tree, exclude, licenses)"
                        ),
                    ));
                }
            }
        }
        Ok(config)
    }

    pub fn load(repo: &Path) -> Result<Config, anyhow::Error> {
        let path = repo.join(CONFIG_FILE);
        match crate::util::fsutil::read_optional(&path)? {
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
    /// Replace mode, a slim tree: the digest of what it keeps (see `<tree>.hashes` for the
    /// files left out). `None`: the whole module.
    pub slim: Option<String>,
    /// Replace mode, a slim tree: SHA-256 (hex) of the part of `<tree>.hashes` that lists the
    /// files left out.
    pub omitted_sha256: Option<String>,
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
    /// Vendor mode: the module graph's edges when vendored (`vendor/` keeps no dependency's
    /// go.mod, so without a module cache this is the only record of them); `None` in a lock
    /// written before gomodoff recorded them, and in the other modes (their trees carry every
    /// go.mod).
    pub graph: Option<SelectedGraph>,
}

/// The module graph between selected versions: what each main module and each module of the
/// build list requires, every requirement at the version its path is selected at (what
/// `go mod graph` prints, restricted to the build list and with each target at its selected
/// version). The edges of `gomodoff sbom`, recorded by vendor mode in `[[graph]]` tables.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SelectedGraph {
    /// A main module (its version empty) or a build-list module at its selected version → the
    /// selected versions of the modules its go.mod requires (none when its go.mod was not read:
    /// pruned out).
    pub requires: BTreeMap<ModuleVersion, BTreeSet<ModuleVersion>>,
    /// Build-list modules built from a directory (a `replace` to a directory, as written).
    pub dirs: BTreeMap<ModuleVersion, String>,
    /// Build-list modules read from another module version (a `replace` by a fork).
    pub replaced: BTreeMap<ModuleVersion, ModuleVersion>,
}

impl SelectedGraph {
    /// The main modules' paths, sorted.
    pub fn mains(&self) -> impl Iterator<Item = &str> {
        self.requires
            .keys()
            .filter(|m| m.version.is_empty())
            .map(|m| m.path.as_str())
    }

    /// Each build-list module's path → its selected version.
    pub fn selected(&self) -> BTreeMap<&str, &str> {
        self.requires
            .keys()
            .filter(|m| !m.version.is_empty())
            .map(|m| (m.path.as_str(), m.version.as_str()))
            .collect()
    }
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
    /// Parse a lock's text. What gomodoff writes — the root keys, then one `[[module]]` table
    /// after another — is parsed a table at a time, as it is rendered: a document of thousands
    /// of tables costs kilobytes each (a 5,000-module lock took 50 MB). Any other text (edited by
    /// hand, or not splitting cleanly at `[[module]]` lines) is parsed as one document, with
    /// the same result.
    pub fn parse(text: &str) -> Result<LockFile, LockError> {
        match Self::parse_by_table(text) {
            Some(parsed) => parsed,
            None => Self::parse_whole(text),
        }
    }

    /// [`LockFile::parse`] a table at a time; `None` when the text is not as gomodoff renders
    /// it: a piece that is not valid TOML on its own (the split fell inside a string), root keys
    /// naming `module` or `graph`, or a piece holding anything but one `[[module]]` or
    /// `[[graph]]` table.
    fn parse_by_table(text: &str) -> Option<Result<LockFile, LockError>> {
        let (root, tables) = super::tomltext::split_array_tables(text, &ARRAYS)?;
        let mut lock = match Self::from_root(&root) {
            Ok(lock) => lock,
            Err(e) => return Some(Err(e)),
        };
        let mut graph = Vec::new();
        for piece in tables {
            let (key, table) = piece?;
            let parsed = match key {
                "module" => parse_module(LOCK_FILE, lock.modules.len(), &table)
                    .map(|m| lock.modules.push(m)),
                _ => parse_node(LOCK_FILE, graph.len(), &table).map(|n| graph.push(n)),
            };
            if let Err(e) = parsed {
                return Some(Err(e));
            }
        }
        Some(
            collect_graph(graph)
                .map(|g| lock.graph = g)
                .and_then(|()| lock.check_paths())
                .map(|()| lock),
        )
    }

    fn parse_whole(text: &str) -> Result<LockFile, LockError> {
        let doc = parse_doc(LOCK_FILE, text)?;
        let mut lock = Self::from_root(&doc)?;
        if let Some(item) = doc.get("module") {
            let tables = item
                .as_array_of_tables()
                .ok_or_else(|| invalid(LOCK_FILE, "`module` must be an array of tables"))?;
            for (i, t) in tables.iter().enumerate() {
                lock.modules.push(parse_module(LOCK_FILE, i, t)?);
            }
        }
        if let Some(item) = doc.get("graph") {
            let tables = item
                .as_array_of_tables()
                .ok_or_else(|| invalid(LOCK_FILE, "`graph` must be an array of tables"))?;
            let mut graph = Vec::new();
            for (i, t) in tables.iter().enumerate() {
                graph.push(parse_node(LOCK_FILE, i, t)?);
            }
            lock.graph = collect_graph(graph)?;
        }
        lock.check_paths()?;
        Ok(lock)
    }

    /// The lock's root keys, without its modules.
    fn from_root(doc: &DocumentMut) -> Result<LockFile, LockError> {
        let file = LOCK_FILE;
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
        Ok(LockFile {
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
            graph: None,
        })
    }

    /// Refuse every path-valued entry that is not what gomodoff itself writes for this mode:
    /// `restore` and `vendor` delete and replace what the lock names, and a cloned repository
    /// may carry a crafted lock.
    fn check_paths(&self) -> Result<(), LockError> {
        let file = LOCK_FILE;
        if let Some(why) = self.mode.tree_dir_problem(&self.dir) {
            return Err(untrusted(file, "`dir`", &self.dir, &why));
        }
        let modfiles: &[&str] = match self.mode {
            Mode::Replace => &["go.mod", OFFLINE_MODFILE],
            Mode::Vendor => &["go.mod", WORK_FILE],
            Mode::Proxy => &["go.mod"],
        };
        if !modfiles.contains(&self.modfile.as_str()) {
            let known = modfiles
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(" or ");
            return Err(untrusted(
                file,
                "`modfile`",
                &self.modfile,
                &format!(
                    "is not a file gomodoff edits in {} mode ({known})",
                    self.mode
                ),
            ));
        }
        if let Some(backup) = self.vendor.as_ref().and_then(|v| v.backup.as_deref())
            && backup != VENDOR_BACKUP_DIR
        {
            let why = match crate::util::fsutil::check_relative(Path::new(backup)) {
                Err(why) => why.to_string(),
                Ok(()) => format!(
                    "is not where gomodoff keeps the vendor/ from before it (`{VENDOR_BACKUP_DIR}`)"
                ),
            };
            return Err(untrusted(file, "`vendor_backup`", backup, &why));
        }
        for (i, m) in self.modules.iter().enumerate() {
            let entry = format!("module #{} (`{}@{}`) `dir`", i + 1, m.path, m.version);
            if let Err(why) = crate::util::fsutil::check_relative(Path::new(&m.dir)) {
                return Err(untrusted(file, &entry, &m.dir, why));
            }
            match self.mode.module_dir(&m.path, &m.version) {
                Ok(want) if want == m.dir => {}
                Ok(want) => {
                    return Err(untrusted(
                        file,
                        &entry,
                        &m.dir,
                        &format!(
                            "is not where gomodoff lays out this module in {} mode (`{want}`)",
                            self.mode
                        ),
                    ));
                }
                Err(e) => {
                    return Err(untrusted(
                        file,
                        &entry,
                        &m.dir,
                        &format!("belongs to no module gomodoff lays out ({e})"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The lock's text, a `[[module]]` table at a time (`formats::tomltext`: one document of a
    /// 5,000-module lock was 23 MB of vendor mode's 32 MB peak heap).
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
        let mut text = doc.to_string();
        for m in &self.modules {
            super::tomltext::push_array_table(&mut text, "module", module_table(m));
        }
        if let Some(g) = &self.graph {
            for (m, requires) in &g.requires {
                let node = Node {
                    module: m.clone(),
                    requires: requires.clone(),
                    dir: g.dirs.get(m).cloned(),
                    replaced_by: g.replaced.get(m).cloned(),
                };
                super::tomltext::push_array_table(&mut text, "graph", node_table(&node));
            }
        }
        text
    }

    /// Read the repository's lock, if there is one.
    pub fn load(repo: &Path) -> Result<Option<LockFile>, anyhow::Error> {
        let path = repo.join(LOCK_FILE);
        match crate::util::fsutil::read_optional(&path)? {
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
        slim: opt("slim"),
        omitted_sha256: opt("omitted_sha256"),
    })
}

/// The arrays of tables a lock holds after its root keys.
const ARRAYS: [&str; 2] = ["module", "graph"];

/// One node of the recorded graph, a `[[graph]]` table: `module` (`path` of a main module,
/// `path@version` of a build-list module), `requires` (`path@version`s), and where the module is
/// replaced `dir` (the directory it is built from) or `replaced_by` (`path@version` of a fork).
struct Node {
    module: ModuleVersion,
    requires: BTreeSet<ModuleVersion>,
    dir: Option<String>,
    replaced_by: Option<ModuleVersion>,
}

fn parse_node(file: &str, index: usize, t: &Table) -> Result<Node, LockError> {
    let bad =
        |key: &str, what: &str| invalid(file, &format!("graph #{} `{key}` {what}", index + 1));
    let module = t
        .get("module")
        .and_then(Item::as_str)
        .ok_or_else(|| bad("module", "is missing or not a string"))?;
    let module = match module.split_once('@') {
        Some((path, version)) => at_version(path, version),
        None => at_version(module, ""),
    }
    .ok_or_else(|| {
        bad(
            "module",
            &format!("is `{module}`, not a module path[@version]"),
        )
    })?;
    let mut requires = BTreeSet::new();
    let list = t
        .get("requires")
        .and_then(Item::as_array)
        .ok_or_else(|| bad("requires", "is missing or not an array"))?;
    for r in list {
        let r = r.as_str().unwrap_or_default();
        let mv = r
            .split_once('@')
            .and_then(|(path, version)| at_version(path, version))
            .filter(|mv| !mv.version.is_empty())
            .ok_or_else(|| {
                bad(
                    "requires",
                    &format!("holds `{r}`, not a module path@version"),
                )
            })?;
        requires.insert(mv);
    }
    let dir = match t.get("dir") {
        None => None,
        Some(d) => Some(
            d.as_str()
                .ok_or_else(|| bad("dir", "is not a string"))?
                .to_string(),
        ),
    };
    let replaced_by = match t.get("replaced_by") {
        None => None,
        Some(r) => {
            let r = r.as_str().unwrap_or_default();
            Some(
                r.split_once('@')
                    .and_then(|(path, version)| at_version(path, version))
                    .filter(|mv| !mv.version.is_empty())
                    .ok_or_else(|| {
                        bad(
                            "replaced_by",
                            &format!("is `{r}`, not a module path@version"),
                        )
                    })?,
            )
        }
    };
    Ok(Node {
        module,
        requires,
        dir,
        replaced_by,
    })
}

/// `path@version` (the version empty for a main module), when both are what a module path
/// and version can be.
fn at_version(path: &str, version: &str) -> Option<ModuleVersion> {
    let plain = |s: &str| !s.chars().any(|c| c.is_whitespace() || c == '@' || c == '"');
    (!path.is_empty() && plain(path) && plain(version)).then(|| ModuleVersion {
        path: path.to_string(),
        version: version.to_string(),
    })
}

/// The graph of the `[[graph]]` tables read (`None` when there are none: a lock written before
/// gomodoff recorded the graph); a module listed twice is refused.
fn collect_graph(nodes: Vec<Node>) -> Result<Option<SelectedGraph>, LockError> {
    if nodes.is_empty() {
        return Ok(None);
    }
    let mut g = SelectedGraph::default();
    for Node {
        module,
        requires,
        dir,
        replaced_by,
    } in nodes
    {
        if let Some(d) = dir {
            g.dirs.insert(module.clone(), d);
        }
        if let Some(r) = replaced_by {
            g.replaced.insert(module.clone(), r);
        }
        if g.requires.insert(module.clone(), requires).is_some() {
            return Err(invalid(
                LOCK_FILE,
                &format!("graph: `{}` is listed twice", node_name(&module)),
            ));
        }
    }
    Ok(Some(g))
}

fn node_name(m: &ModuleVersion) -> String {
    if m.version.is_empty() {
        m.path.clone()
    } else {
        format!("{}@{}", m.path, m.version)
    }
}

/// One node's `[[graph]]` table.
fn node_table(n: &Node) -> Table {
    let mut t = Table::new();
    t["module"] = value(node_name(&n.module));
    let mut list = toml_edit::Array::new();
    for r in &n.requires {
        list.push(node_name(r));
    }
    t["requires"] = value(list);
    if let Some(d) = &n.dir {
        t["dir"] = value(d);
    }
    if let Some(r) = &n.replaced_by {
        t["replaced_by"] = value(node_name(r));
    }
    t
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

fn untrusted(file: &str, entry: &str, value: &str, reason: &str) -> LockError {
    LockError::Untrusted {
        file: file.to_string(),
        entry: entry.to_string(),
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

fn invalid(file: &str, message: &str) -> LockError {
    LockError::Invalid {
        file: file.to_string(),
        message: message.to_string(),
    }
}

/// One module's `[[module]]` table.
fn module_table(m: &LockedModule) -> Table {
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
    if let Some(h) = &m.slim {
        t["slim"] = value(h);
    }
    if let Some(h) = &m.omitted_sha256 {
        t["omitted_sha256"] = value(h);
    }
    t
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
                    slim: None,
                    omitted_sha256: None,
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
                    slim: None,
                    omitted_sha256: None,
                },
            ],
            vendor: None,
            graph: None,
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
    fn a_table_at_a_time_reads_what_one_document_reads() {
        let lock = sample();
        let text = lock.render();
        assert_eq!(LockFile::parse_by_table(&text).unwrap().unwrap(), lock);
        assert_eq!(LockFile::parse_whole(&text).unwrap(), lock);
        // A `[[module]]` line inside a string: the split falls inside it, so the whole document
        // is read (and the string kept).
        let mut odd = sample();
        odd.gomod_before = "module x\n[[module]]\npath = \"evil\"\n".into();
        let text = odd.render();
        assert!(LockFile::parse_by_table(&text).is_none(), "{text}");
        assert_eq!(LockFile::parse(&text).unwrap(), odd);
        // Tables or keys gomodoff does not write between the modules: read as one document.
        let text = format!("{}\n[extra]\nx = 1\n", sample().render());
        assert!(LockFile::parse_by_table(&text).is_none());
        assert_eq!(
            LockFile::parse(&text).unwrap(),
            LockFile::parse_whole(&text).unwrap()
        );
        // An error in the second module is the same error either way.
        let text = sample().render().replace("gomod_h1 = \"h1:ghi=\"\n", "");
        let whole = LockFile::parse_whole(&text).unwrap_err().to_string();
        assert!(whole.contains("module #2"), "{whole}");
        assert_eq!(LockFile::parse(&text).unwrap_err().to_string(), whole);
    }

    #[test]
    fn vendor_state_round_trips_with_and_without_a_backup() {
        for backup in [None, Some(".gomodoff/vendor-backup/vendor".to_string())] {
            let mut lock = sample();
            lock.mode = Mode::Vendor;
            lock.dir = "vendor".into();
            for m in &mut lock.modules {
                m.dir = m.path.clone();
            }
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

    fn mv(path: &str, version: &str) -> ModuleVersion {
        ModuleVersion {
            path: path.into(),
            version: version.into(),
        }
    }

    /// A vendor-mode lock recording a graph: a main module, a module requiring another, a
    /// leaf, a module built from a directory.
    fn with_graph() -> LockFile {
        let mut lock = sample();
        lock.mode = Mode::Vendor;
        lock.dir = "vendor".into();
        for m in &mut lock.modules {
            m.dir = m.path.clone();
        }
        let mut g = SelectedGraph::default();
        g.requires.insert(
            mv("x", ""),
            [
                mv("example.com/a", "v1.0.0"),
                mv("example.com/local", "v0.0.0"),
            ]
            .into(),
        );
        g.requires.insert(
            mv("example.com/a", "v1.0.0"),
            [mv("example.com/b", "v0.1.0+incompatible")].into(),
        );
        g.requires
            .insert(mv("example.com/b", "v0.1.0+incompatible"), BTreeSet::new());
        g.requires
            .insert(mv("example.com/local", "v0.0.0"), BTreeSet::new());
        g.dirs
            .insert(mv("example.com/local", "v0.0.0"), "./local".into());
        g.replaced.insert(
            mv("example.com/b", "v0.1.0+incompatible"),
            mv("example.com/fork/b", "v0.1.1"),
        );
        lock.graph = Some(g);
        lock
    }

    #[test]
    fn the_graph_round_trips_a_table_at_a_time() {
        let lock = with_graph();
        let text = lock.render();
        assert!(
            text.contains(
                "\n[[graph]]\nmodule = \"example.com/a@v1.0.0\"\nrequires = [\"example.com/b@v0.1.0+incompatible\"]\n"
            ),
            "{text}"
        );
        assert!(text.contains("module = \"x\"\nrequires = [\"example.com/a@v1.0.0\", \"example.com/local@v0.0.0\"]\n"), "{text}");
        assert!(
            text.contains("requires = []\ndir = \"./local\"\n"),
            "{text}"
        );
        assert_eq!(LockFile::parse_by_table(&text).unwrap().unwrap(), lock);
        assert_eq!(LockFile::parse_whole(&text).unwrap(), lock);
        assert_eq!(
            lock.graph.as_ref().unwrap().mains().collect::<Vec<_>>(),
            ["x"]
        );
        // A lock from before the record: no graph, and it still loads.
        let old = text[..text.find("\n[[graph]]\n").unwrap()].to_string();
        let read = LockFile::parse(&old).unwrap();
        assert_eq!(read.graph, None);
        assert_eq!(read.modules, lock.modules);
    }

    #[test]
    fn a_malformed_graph_is_refused_with_the_table_named() {
        let text = with_graph().render();
        for (from, to, want) in [
            (
                "requires = [\"example.com/b@v0.1.0+incompatible\"]",
                "requires = [\"example.com/b\"]",
                "gomodoff.lock: graph #1 `requires` holds `example.com/b`, not a module path@version",
            ),
            (
                "module = \"example.com/a@v1.0.0\"",
                "module = \"example.com/b@v0.1.0+incompatible\"",
                "gomodoff.lock: graph: `example.com/b@v0.1.0+incompatible` is listed twice",
            ),
            (
                "module = \"example.com/a@v1.0.0\"",
                "module = 7",
                "gomodoff.lock: graph #1 `module` is missing or not a string",
            ),
            (
                "requires = [\"example.com/b@v0.1.0+incompatible\"]",
                "requires = \"example.com/b@v0.1.0+incompatible\"",
                "gomodoff.lock: graph #1 `requires` is missing or not an array",
            ),
        ] {
            assert!(text.contains(from));
            let bad = text.replacen(from, to, 1);
            let by_table = LockFile::parse(&bad).unwrap_err().to_string();
            assert_eq!(by_table, want);
            assert_eq!(LockFile::parse_whole(&bad).unwrap_err().to_string(), want);
        }
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
                exclude: vec!["example.com/x".into()],
                whole_trees: false,
                licenses: None,
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
            "gomodoff.toml: unknown key `dirs` (known: mode, dir, tree, exclude, licenses)"
        );
    }

    /// A lock whose one path entry was replaced, and the error reading it gives.
    fn refused(edit: impl FnOnce(&mut LockFile)) -> String {
        let mut lock = sample();
        edit(&mut lock);
        let e = LockFile::parse(&lock.render()).unwrap_err();
        format!("{e}\nhint: {}", e.hint().unwrap_or_default())
    }

    #[test]
    fn lock_paths_that_leave_the_repository_are_refused() {
        let e = refused(|l| l.dir = "/tmp/victim".into());
        assert!(
            e.starts_with(
                "gomodoff.lock: `dir` = `/tmp/victim` is absolute; gomodoff only touches paths inside the repository"
            ),
            "{e}"
        );
        assert!(
            e.contains("nothing was changed") && e.contains("crafted"),
            "{e}"
        );
        for (dir, why) in [
            ("../x", "contains `..`"),
            ("third_party/../../x", "contains `..`"),
            (".", "is the repository root"),
            ("", "is empty"),
            (".git/x", "goes into `.git`"),
            ("vendor/gomod", "is under vendor/"),
        ] {
            let e = refused(|l| l.dir = dir.into());
            assert!(e.contains(&format!("`dir` = `{dir}` {why}")), "{dir}: {e}");
        }
        let e = refused(|l| l.modules[1].dir = "../../../victim".into());
        assert!(
            e.starts_with(
                "gomodoff.lock: module #2 (`example.com/b@v0.1.0`) `dir` = `../../../victim` contains `..`"
            ),
            "{e}"
        );
        let e = refused(|l| l.modules[0].dir = "/victim".into());
        assert!(e.contains("`dir` = `/victim` is absolute"), "{e}");
        // Plain and relative, but not what gomodoff writes for the module: another module's
        // tree, or a directory of the user's, would be deleted.
        let e = refused(|l| l.modules[1].dir = "example.com/a@v1.0.0".into());
        assert!(
            e.contains(
                "`dir` = `example.com/a@v1.0.0` is not where gomodoff lays out this module in replace mode (`example.com/b@v0.1.0`)"
            ),
            "{e}"
        );
        let e = refused(|l| {
            l.modules[0].path = "../../x".into();
            l.modules[0].dir = "x@v1.0.0".into();
        });
        assert!(e.contains("belongs to no module gomodoff lays out"), "{e}");
        let e = refused(|l| l.modfile = "/etc/passwd".into());
        assert!(
            e.contains("`modfile` = `/etc/passwd` is not a file gomodoff edits in replace mode (`go.mod` or `go.offline.mod`)"),
            "{e}"
        );
        let e = refused(|l| {
            l.mode = Mode::Vendor;
            l.dir = "vendor".into();
            for m in &mut l.modules {
                m.dir = m.path.clone();
            }
            l.vendor = Some(VendorState {
                sum_sha256: "00".repeat(32),
                backup: Some("/home/me".into()),
            });
        });
        assert!(
            e.contains("`vendor_backup` = `/home/me` is absolute"),
            "{e}"
        );
        let e = refused(|l| {
            l.mode = Mode::Vendor;
            l.dir = "third_party".into();
        });
        assert!(e.contains("`dir` = `third_party` is not `vendor`"), "{e}");
    }

    #[test]
    fn every_mode_reads_back_the_module_dirs_it_writes() {
        for mode in [Mode::Replace, Mode::Proxy, Mode::Vendor] {
            let mut lock = sample();
            lock.mode = mode;
            lock.dir = mode.default_dir().into();
            for m in &mut lock.modules {
                m.dir = mode.module_dir(&m.path, &m.version).unwrap();
            }
            assert_eq!(LockFile::parse(&lock.render()).unwrap(), lock, "{mode}");
        }
        assert_eq!(
            Mode::Replace
                .module_dir("example.com/Upper/Mixed", "v1.0.0-RC")
                .unwrap(),
            "example.com/!upper/!mixed@v1.0.0-!r!c"
        );
        assert_eq!(
            Mode::Proxy.module_dir("example.com/a", "v1.0.0").unwrap(),
            "example.com/a/@v/v1.0.0"
        );
    }

    #[test]
    fn config_dir_must_stay_inside_the_repository() {
        for (dir, why) in [("/opt/deps", "is absolute"), ("../deps", "contains `..`")] {
            let e = Config::parse(&format!("dir = \"{dir}\"\n"))
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with(&format!("gomodoff.toml: `dir` = `{dir}` {why}; ")),
                "{e}"
            );
            assert!(e.contains("nothing was changed"), "{e}");
        }
        assert!(Config::parse("dir = \"./deps/\"\n").is_ok());
    }
}
