//! The command line: clap derive structs, turned into plain `*Options` values for the commands (`ops`).
//! Nothing here touches the file system. The completion scripts and man pages are generated from
//! these definitions (`gomodoff completions`, `gomodoff man`), so they cannot go stale.

use std::io;
use std::path::PathBuf;

pub use crate::util::shell::ColorChoice;
use clap::{Args, CommandFactory as _, Parser, Subcommand, ValueEnum};

/// The exit codes, in `--help` and in the man page (README's "Exit codes" says the same).
const EXIT_CODES: &str = "Exit codes: 0 done (or nothing differs); 1 a check found a difference (verify, status --check, check, hash --check) or a module breaks the licence policy (licenses --check, status --check) or the answer to `apply?`/`restore?` was not yes; 2 error. `exec`: the command's own code; 126 when it cannot be executed, 127 when it is not found, 128+N when signal N killed it.";

/// Make a Go module repository build with no network, and prove it.
#[derive(Debug, Parser)]
#[command(
    name = "gomodoff",
    version,
    about,
    long_about = None,
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Run as if started in DIR
    #[arg(short = 'C', id = "chdir", global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Module cache to read from (default: GOMODCACHE, else `GOPATH[0]`/pkg/mod, else ~/go/pkg/mod)
    #[arg(long, global = true, value_name = "DIR")]
    pub modcache: Option<PathBuf>,
    /// Take modules from a bundle made by `gomodoff pack`, or from a GOPROXY file tree
    #[arg(long, global = true, value_name = "BUNDLE|DIR")]
    pub from: Option<PathBuf>,
    /// Print machine-readable JSON instead of text
    #[arg(long, global = true)]
    pub json: bool,
    /// Print only errors and warnings (no previews or status lines)
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// When to colour stdout and stderr: `auto` colours each when it is a terminal (NO_COLOR,
    /// CLICOLOR and CLICOLOR_FORCE are honoured); `always` and `never` override them
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Mode {
    /// Extract modules into the repository and add replace directives to go.mod
    #[default]
    Replace,
    /// Write vendor/ and vendor/modules.txt as `go mod vendor` would
    Vendor,
    /// Write a GOPROXY file tree inside the repository
    Proxy,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Take every needed module, verify it against go.sum and point the go toolchain at it
    Vendor(VendorArgs),
    /// Undo exactly what `vendor` did
    Restore(RestoreArgs),
    /// Re-hash what is vendored and compare with go.sum and gomodoff.lock
    Verify,
    /// Tell whether the vendored state is in sync with go.mod and go.sum
    Status(StatusArgs),
    /// Prove the repository builds offline with the real go command
    Check(CheckArgs),
    /// List the licence of every laid-out module; `--check` enforces gomodoff.toml's `[licenses]`
    Licenses(LicensesArgs),
    /// Write a CycloneDX or SPDX bill of materials of exactly what was laid out
    Sbom(SbomArgs),
    /// Write one bundle holding every module the repository needs
    Pack(PackArgs),
    /// Verify a bundle and lay it out as a GOPROXY tree or into a module cache
    Unpack(UnpackArgs),
    /// Add the repository's modules to a GOPROXY file tree shared by many repositories
    Mirror(MirrorArgs),
    /// Print the environment for offline builds in the current mode
    Env,
    /// Run a command in the offline environment
    Exec(ExecArgs),
    /// Change dependencies with go (`get …`, `mod tidy`, `mod download …`) without gomodoff's replaces, then vendor the result
    Go(GoArgs),
    /// Print `h1:` hashes, or check a module cache against go.sum (plumbing)
    Hash(HashArgs),
    /// Print the completion script for a shell
    Completions(CompletionsArgs),
    /// Print gomodoff's man page (or a command's), or write them all into a directory
    Man(ManArgs),
}

impl Command {
    /// The command's name, as typed (`vendor`) and as its JSON documents say it
    /// (`gomodoff/vendor/v1`).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Vendor(_) => "vendor",
            Command::Restore(_) => "restore",
            Command::Verify => "verify",
            Command::Status(_) => "status",
            Command::Check(_) => "check",
            Command::Licenses(_) => "licenses",
            Command::Sbom(_) => "sbom",
            Command::Pack(_) => "pack",
            Command::Unpack(_) => "unpack",
            Command::Mirror(_) => "mirror",
            Command::Env => "env",
            Command::Exec(_) => "exec",
            Command::Go(_) => "go",
            Command::Hash(_) => "hash",
            Command::Completions(_) => "completions",
            Command::Man(_) => "man",
        }
    }
}

#[derive(Debug, Args)]
pub struct ConfirmArgs {
    /// Apply without asking
    #[arg(short, long)]
    pub yes: bool,
    /// Show what would change and change nothing
    #[arg(long, conflicts_with = "yes")]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct VendorArgs {
    #[command(flatten)]
    pub confirm: ConfirmArgs,
    /// How to point the go toolchain at the modules (default: gomodoff.toml, else replace)
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// Where to write module trees (default: third_party/gomod, or .gomodoff/proxy in proxy mode)
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Write go.offline.mod/go.offline.sum instead of editing go.mod (replace mode)
    #[arg(long)]
    pub modfile: bool,
    /// List files in non-package directories that vendor mode leaves out
    #[arg(long)]
    pub report_dropped: bool,
    /// Lay out whole module trees, not slim ones (replace mode; default: gomodoff.toml's `tree`)
    #[arg(long)]
    pub whole: bool,
    /// Proxy mode: leave the checksum database out of the tree (by default it carries GOSUMDB's
    /// records, tiles and signed tree head for every module, from what go verified, so that
    /// `env` keeps GOSUMDB on)
    #[arg(long)]
    pub no_sumdb: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub confirm: ConfirmArgs,
    /// Keep the extracted module trees
    #[arg(long)]
    pub keep_tree: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Exit 1 when anything has drifted
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct LicensesArgs {
    /// Exit 1 when a module breaks the `[licenses]` policy of gomodoff.toml
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SbomFormat {
    /// CycloneDX 1.6 JSON
    #[value(name = "cyclonedx-json")]
    CycloneDxJson,
    /// SPDX 2.3 JSON
    #[value(name = "spdx-json")]
    SpdxJson,
}

#[derive(Debug, Args)]
pub struct SbomArgs {
    /// Document format
    #[arg(long, value_enum, default_value = "cyclonedx-json")]
    pub format: SbomFormat,
    /// Write the SBOM to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Record a time in the SBOM: SOURCE_DATE_EPOCH when it is set, else the time of the run (not reproducible)
    #[arg(long)]
    pub timestamp: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Build flags for the go steps that list and build packages, after `--`
    /// (`gomodoff check -- -tags noassets`)
    #[arg(last = true, value_name = "GO BUILD FLAGS")]
    pub go_args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PackArgs {
    /// Bundle file to write
    #[arg(
        short,
        long,
        value_name = "FILE",
        default_value = "gomodoff-bundle.zip"
    )]
    pub output: PathBuf,
    /// Run `go mod download` first for what the cache lacks (the only networked path)
    #[arg(long)]
    pub download: bool,
    /// Also pack the go toolchain (the golang.org/toolchain module, as go's toolchain switch
    /// downloads it) of VERSION (goX.Y.Z; default: what go.mod's toolchain line, else its go
    /// line, selects), so that the offline machine builds with it under GOTOOLCHAIN=auto
    #[arg(long, value_name = "VERSION", num_args = 0..=1, default_missing_value = "")]
    pub toolchain: Option<String>,
    /// A GOOS/GOARCH to pack the toolchain for (repeatable; default: this machine's)
    #[arg(long = "platform", value_name = "GOOS/GOARCH", requires = "toolchain")]
    pub platforms: Vec<String>,
    /// Leave the checksum database out: by default the bundle carries, for every module it holds,
    /// the GOSUMDB database's lookup record and the tiles that prove it against one signed tree
    /// head (read from what go verified into the module cache), so that the offline machine keeps
    /// GOSUMDB on
    #[arg(long)]
    pub no_sumdb: bool,
    /// More repositories to pack into the same bundle
    #[arg(long = "sync", value_name = "DIR")]
    pub sync: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct UnpackArgs {
    /// Bundle written by `gomodoff pack`
    pub bundle: PathBuf,
    /// Lay the bundle out as a GOPROXY tree in DIR
    #[arg(long, value_name = "DIR", conflicts_with = "into_modcache")]
    pub to: Option<PathBuf>,
    /// Install the bundle into a module cache (default: the one go uses)
    #[arg(long = "into-modcache", value_name = "DIR", num_args = 0..=1)]
    pub into_modcache: Option<Option<PathBuf>>,
}

#[derive(Debug, Args)]
pub struct MirrorArgs {
    /// GOPROXY tree to add to
    #[arg(value_name = "DIR")]
    pub tree: PathBuf,
    /// Re-hash every module in the tree
    #[arg(long)]
    pub verify: bool,
    /// Add no checksum database records (the tree's part, if any, stays as it is)
    #[arg(long, conflicts_with = "verify")]
    pub no_sumdb: bool,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Command and its arguments
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct GoArgs {
    #[command(flatten)]
    pub confirm: ConfirmArgs,
    /// The go command's arguments: `get …`, `mod tidy …` or `mod download …` (gomodoff's own
    /// flags go before them)
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        required = true,
        value_name = "GO ARGS"
    )]
    pub args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print (`vendor`, …; default: gomodoff's own page)
    #[arg(value_name = "COMMAND", conflicts_with = "dir")]
    pub command: Option<String>,
    /// Write every page (`gomodoff.1`, `gomodoff-<command>.1`) into DIR instead
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// The completion script of `shell` for gomodoff, generated from the definitions above (into
/// memory: clap_complete panics on a failed write, such as a closed pipe).
pub(crate) fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "gomodoff", &mut script);
    script
}

/// Every man page, generated from the definitions above: `gomodoff.1`, then `gomodoff-<command>.1`
/// for each command shown in `--help` but `help`, as (file name, roff source).
pub(crate) fn man_pages() -> io::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = Cli::command();
    // Sets each command's display name (`gomodoff-vendor`) and usage (`gomodoff vendor …`).
    cmd.build();
    let mut pages = Vec::new();
    for page in std::iter::once(&cmd).chain(
        cmd.get_subcommands()
            .filter(|c| !c.is_hide_set() && c.get_name() != "help"),
    ) {
        let man = clap_mangen::Man::new(page.clone())
            .source(concat!("gomodoff ", env!("CARGO_PKG_VERSION")));
        let mut roff = Vec::new();
        man.render(&mut roff)?;
        pages.push((man.get_filename(), roff));
    }
    Ok(pages)
}

#[derive(Debug, Args)]
pub struct HashArgs {
    /// Hash a module zip
    #[arg(long, value_name = "FILE", requires = "module", group = "what")]
    pub zip: Option<PathBuf>,
    /// Hash an extracted module directory
    #[arg(long = "dir", value_name = "DIR", requires = "module", group = "what")]
    pub directory: Option<PathBuf>,
    /// The module the zip or directory holds, as PATH@VERSION
    #[arg(long, value_name = "PATH@VERSION")]
    pub module: Option<String>,
    /// Hash a go.mod file
    #[arg(long, value_name = "FILE", group = "what")]
    pub gomod: Option<PathBuf>,
    /// Check every go.sum line against the module source; exit 1 on any difference
    #[arg(long, group = "what")]
    pub check: bool,
    /// go.sum to check (default: go.sum of the repository)
    #[arg(long, value_name = "FILE", requires = "check")]
    pub gosum: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dash_c_does_not_leak_into_vendor_dir() {
        let cli = Cli::try_parse_from(["gomodoff", "-C", "repo", "vendor", "--yes"]).unwrap();
        assert_eq!(
            cli.global.dir.as_deref(),
            Some(std::path::Path::new("repo"))
        );
        let Command::Vendor(v) = cli.command else {
            panic!("not vendor")
        };
        assert_eq!(v.dir, None);
        let cli =
            Cli::try_parse_from(["gomodoff", "vendor", "--dir", "deps", "-C", "repo"]).unwrap();
        let Command::Vendor(v) = cli.command else {
            panic!("not vendor")
        };
        assert_eq!(v.dir.as_deref(), Some(std::path::Path::new("deps")));
    }

    #[test]
    fn the_definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn each_command_is_named_as_clap_names_it() {
        let cmd = Cli::command();
        for sub in cmd.get_subcommands().filter(|c| c.get_name() != "help") {
            let mut argv = vec!["gomodoff", sub.get_name()];
            // The least each command takes to parse.
            argv.extend(match sub.get_name() {
                "exec" => vec!["true"],
                "go" => vec!["mod", "tidy"],
                "completions" => vec!["bash"],
                "unpack" => vec!["b.zip"],
                "mirror" => vec!["dir"],
                _ => vec![],
            });
            let cli = Cli::try_parse_from(&argv).unwrap();
            assert_eq!(cli.command.name(), sub.get_name());
        }
    }

    #[test]
    fn a_man_page_per_command_shown_in_help() {
        let pages = man_pages().unwrap();
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names[0], "gomodoff.1");
        assert!(names.contains(&"gomodoff-vendor.1"), "{names:?}");
        assert!(names.contains(&"gomodoff-man.1"), "{names:?}");
        assert!(!names.contains(&"gomodoff-help.1"), "{names:?}");
        assert_eq!(names.len(), 1 + Cli::command().get_subcommands().count());
        let top = String::from_utf8(pages[0].1.clone()).unwrap();
        assert!(top.contains("gomodoff\\-vendor(1)"), "{top}");
        assert!(top.contains("127"), "the exit codes: {top}");
    }

    #[test]
    fn pack_toolchain_takes_an_optional_version() {
        for (args, want) in [
            (&["gomodoff", "pack", "--toolchain"][..], Some("")),
            (
                &["gomodoff", "pack", "--toolchain", "go1.99.0"][..],
                Some("go1.99.0"),
            ),
            (&["gomodoff", "pack"][..], None),
        ] {
            let cli = Cli::try_parse_from(args).unwrap();
            let Command::Pack(p) = cli.command else {
                panic!("not pack")
            };
            assert_eq!(p.toolchain.as_deref(), want, "{args:?}");
        }
        let mut out = Vec::new();
        Cli::command()
            .find_subcommand_mut("pack")
            .unwrap()
            .write_long_help(&mut out)
            .unwrap();
        let help = String::from_utf8(out).unwrap();
        assert!(help.contains("--toolchain"), "{help}");
    }

    #[test]
    fn yes_and_dry_run_conflict() {
        assert!(Cli::try_parse_from(["gomodoff", "vendor", "--yes", "--dry-run"]).is_err());
    }

    #[test]
    fn exec_takes_everything_after_the_separator() {
        let cli =
            Cli::try_parse_from(["gomodoff", "exec", "--", "go", "test", "-run", "X", "./..."])
                .unwrap();
        let Command::Exec(e) = cli.command else {
            panic!("not exec")
        };
        assert_eq!(e.command, ["go", "test", "-run", "X", "./..."]);
    }

    #[test]
    fn go_takes_its_own_flags_before_the_go_arguments_only() {
        let cli = Cli::try_parse_from(["gomodoff", "go", "--yes", "get", "-u", "./..."]).unwrap();
        let Command::Go(g) = cli.command else {
            panic!("not go")
        };
        assert!(g.confirm.yes);
        assert_eq!(g.args, ["get", "-u", "./..."]);
        let cli = Cli::try_parse_from(["gomodoff", "go", "mod", "tidy", "--yes"]).unwrap();
        let Command::Go(g) = cli.command else {
            panic!("not go")
        };
        assert!(!g.confirm.yes);
        assert_eq!(g.args, ["mod", "tidy", "--yes"]);
    }

    #[test]
    fn check_takes_build_flags_after_the_separator_only() {
        let cli = Cli::try_parse_from(["gomodoff", "check", "--", "-tags", "noassets"]).unwrap();
        let Command::Check(c) = cli.command else {
            panic!("not check")
        };
        assert_eq!(c.go_args, ["-tags", "noassets"]);
        let cli = Cli::try_parse_from(["gomodoff", "check", "-v"]).unwrap();
        let Command::Check(c) = cli.command else {
            panic!("not check")
        };
        assert!(c.go_args.is_empty() && cli.global.verbose);
        // Without `--` a go flag is gomodoff's, and unknown.
        assert!(Cli::try_parse_from(["gomodoff", "check", "-tags", "x"]).is_err());
    }
}
