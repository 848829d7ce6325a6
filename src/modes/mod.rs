//! The three layouts gomodoff lays modules out in — replace directives over trees
//! ([`replace`]), go's own `vendor/` ([`vendor`]), a `GOPROXY=file://` tree ([`proxy`]) — and
//! what every command asks of them.

use std::path::PathBuf;

use crate::formats::lock::Mode;
use crate::repo::Repo;

pub mod proxy;
pub mod replace;
pub mod vendor;

/// What `gomodoff vendor` was asked.
#[derive(Debug, Clone, Default)]
pub struct VendorOptions {
    pub mode: Option<Mode>,
    pub dir: Option<PathBuf>,
    pub yes: bool,
    pub dry_run: bool,
    pub modfile: bool,
    pub report_dropped: bool,
}

/// What `gomodoff restore` was asked.
#[derive(Debug, Clone, Default)]
pub struct RestoreOptions {
    pub yes: bool,
    pub dry_run: bool,
    pub keep_tree: bool,
}

/// One thing that is not as gomodoff wrote it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub module: String,
    pub kind: &'static str,
    pub file: Option<String>,
    pub detail: String,
}

/// The variables for offline builds in this repository's mode, in print order.
pub fn offline_env(repo: &Repo) -> Vec<(String, String)> {
    let mut flags = vec!["-mod=readonly".to_string()];
    let mut proxy = "off".to_string();
    if let Some(lock) = &repo.lock {
        match lock.mode {
            Mode::Replace => {
                if lock.modfile != "go.mod" {
                    flags.push(format!("-modfile={}", lock.modfile));
                }
            }
            Mode::Vendor => flags = vec!["-mod=vendor".to_string()],
            Mode::Proxy => proxy = format!("file://{}", repo.root.join(&lock.dir).display()),
        }
    }
    vec![
        ("GOFLAGS".into(), flags.join(" ")),
        ("GOPROXY".into(), proxy),
        ("GOSUMDB".into(), "off".into()),
        ("GOTOOLCHAIN".into(), "local".into()),
        // A vendored workspace builds from the vendor/ beside its go.work; anything else on its
        // own, whatever go.work lies around.
        (
            "GOWORK".into(),
            match &repo.workspace {
                Some(ws) => ws.work_file.display().to_string(),
                None => "off".into(),
            },
        ),
    ]
}
