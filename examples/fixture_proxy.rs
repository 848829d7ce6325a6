//! Write the fixture GOPROXY tree: the Go modules kept as sources in `testdata/modules` served as
//! a `GOPROXY=file://` tree, the same tree the test harness builds (one piece of code,
//! `tests/it/support/proxy.rs`). `scripts/demo.sh` uses it to stand in for the network.
//!
//! ```sh
//! cargo run --example fixture_proxy -- testdata/modules /tmp/proxy
//! GOPROXY=file:///tmp/proxy GOSUMDB=off go mod tidy
//! ```

// A command-line tool: its output is the point.
#![allow(clippy::print_stdout, clippy::print_stderr)]
// The harness module it includes is `pub` for the tests; nothing here is an API.
#![allow(unreachable_pub)]

// The tests use the rest of it (publishing one module, escaping paths).
#[allow(dead_code)]
#[path = "../tests/it/support/proxy.rs"]
mod proxy;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [modules, out] = args.as_slice() else {
        eprintln!("usage: fixture_proxy <modules dir> <out dir>");
        eprintln!(
            "  writes a GOPROXY=file:// tree serving every <module>@<version>/ below <modules dir>"
        );
        return ExitCode::from(2);
    };
    if !modules.is_dir() {
        eprintln!("error: `{}` is not a directory", modules.display());
        return ExitCode::from(2);
    }
    // Never mix the fixtures into an existing tree: a stale version would be served as if bundled.
    if out.read_dir().is_ok_and(|mut d| d.next().is_some()) {
        eprintln!(
            "error: `{}` is not empty; give a new or empty directory",
            out.display()
        );
        return ExitCode::from(2);
    }
    if let Err(e) = std::fs::create_dir_all(out) {
        eprintln!("error: cannot create `{}`: {e}", out.display());
        return ExitCode::from(2);
    }
    let fixtures = proxy::find_fixtures(modules);
    proxy::build_proxy(&fixtures, out);
    println!(
        "fixture_proxy: {} module versions from `{}` served at {}",
        fixtures.len(),
        modules.display(),
        file_url(out)
    );
    ExitCode::SUCCESS
}

/// `file://` URL of `dir`, made absolute so go accepts it.
fn file_url(dir: &std::path::Path) -> String {
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    format!("file://{}", dir.display())
}
