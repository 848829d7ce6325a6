//! Module bytes read from a source and checked against go.sum before anything uses them: a
//! go.mod against its `/go.mod` line, a zip against every rule of the go command and its `h1:`.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::formats::dirhash;
use crate::formats::gosum::GoSum;
use crate::formats::module::ModuleVersion;
use crate::formats::modzip;
use crate::sources::modcache::ModuleSource;

/// A module file that go.sum does not vouch for: the one message, in the go command's terms, for
/// every place gomodoff checks a module against go.sum.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SumError {
    /// The bytes hash to something else than go.sum's line.
    #[error("checksum mismatch for `{what}`\n  go.sum: {want}\n  {origin}: {got}")]
    Mismatch {
        /// `path@version` (the zip) or `path@version/go.mod`.
        what: String,
        want: String,
        got: String,
        /// Where the bytes came from: the source, and the file when there is one.
        origin: String,
    },
    /// go.sum has no line for a file the build reads.
    #[error("missing go.sum entry for {what}")]
    Missing {
        /// What go.sum lacks, as go names it (`` `path@version/go.mod` ``, or "module providing
        /// package `p` (`path@version`)").
        what: String,
        /// The module to download.
        module: ModuleVersion,
    },
    /// go.sum has no zip line for modules whose packages the build reads.
    #[error(
        "go.sum has no line for the zip of {named}, whose packages the build reads: go refuses such a build (\"missing go.sum entry for module providing package\")"
    )]
    MissingZips {
        modules: Vec<ModuleVersion>,
        /// The modules as the message names them.
        named: String,
    },
}

impl SumError {
    /// A mismatch of the file `what` read from `src` (at `file`, when there is one).
    pub(crate) fn mismatch(
        what: impl Into<String>,
        want: &str,
        got: &str,
        src: &dyn ModuleSource,
        file: Option<&Path>,
    ) -> SumError {
        let origin = match file {
            Some(f) => format!("{} (`{}`)", src.describe(), f.display()),
            None => src.describe(),
        };
        SumError::Mismatch {
            what: what.into(),
            want: want.to_string(),
            got: got.to_string(),
            origin,
        }
    }

    /// What the user can do.
    pub(crate) fn hint(&self) -> String {
        match self {
            SumError::Mismatch { .. } => "the copy is not the one go.sum recorded: remove it from the source (`go clean -modcache` for a module cache) and download it again, or check go.sum".to_string(),
            SumError::Missing { module, .. } => format!(
                "run `go mod download {module}` on a connected machine so go.sum lists every module the build reads"
            ),
            SumError::MissingZips { modules, .. } => format!(
                "run `go mod download {}` (or `go mod tidy`) on a connected machine, then vendor again",
                modules
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        }
    }

    /// The modules whose go.sum lines are missing, if that is the error.
    pub(crate) fn missing_modules(&self) -> &[ModuleVersion] {
        match self {
            SumError::Mismatch { .. } => &[],
            SumError::Missing { module, .. } => std::slice::from_ref(module),
            SumError::MissingZips { modules, .. } => modules,
        }
    }
}

/// A module's go.mod from the source, after checking it against its go.sum `/go.mod` line.
pub(crate) fn verified_gomod(
    src: &dyn ModuleSource,
    gosum: &GoSum,
    mv: &ModuleVersion,
) -> Result<Vec<u8>> {
    let want = gosum
        .gomod_hash(&mv.path, &mv.version)
        .ok_or_else(|| SumError::Missing {
            what: format!("`{mv}/go.mod`"),
            module: mv.clone(),
        })?;
    let bytes = src.gomod(mv)?;
    let got = dirhash::hash_gomod(&bytes);
    if got != want {
        return Err(SumError::mismatch(format!("{mv}/go.mod"), want, &got, src, None).into());
    }
    Ok(bytes)
}

/// A zip that passes every rule of the go command and hashes to go.sum's `h1:`.
pub(crate) fn checked_zip(
    src: &dyn ModuleSource,
    mv: &ModuleVersion,
    zip: &Path,
    want: &str,
) -> Result<PathBuf> {
    let got = zip_h1(zip, mv)?;
    if got != want {
        return Err(SumError::mismatch(mv.to_string(), want, &got, src, Some(zip)).into());
    }
    Ok(zip.to_path_buf())
}

/// The `h1:` of a zip that follows every rule of the go command: one opening of the zip, one
/// pass over its entries.
pub(crate) fn zip_h1(zip: &Path, mv: &ModuleVersion) -> Result<String> {
    let digests: std::collections::BTreeMap<String, [u8; 32]> = modzip::digest_zip(zip, mv)?
        .into_iter()
        .filter_map(|e| Some((e.name, e.sha256?)))
        .collect();
    dirhash::hash1_prefixed(&mv.to_string(), &digests)
        .with_context(|| format!("failed to hash `{}`", zip.display()))
}
