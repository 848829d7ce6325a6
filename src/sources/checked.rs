//! Module bytes read from a source and checked against go.sum before anything uses them: a
//! go.mod against its `/go.mod` line, a zip against every rule of the go command and its `h1:`.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};

use crate::formats::dirhash;
use crate::formats::gosum::GoSum;
use crate::formats::module::ModuleVersion;
use crate::formats::modzip;
use crate::sources::modcache::ModuleSource;

/// A module's go.mod from the source, after checking it against its go.sum `/go.mod` line.
pub fn verified_gomod(
    src: &dyn ModuleSource,
    gosum: &GoSum,
    mv: &ModuleVersion,
) -> Result<Vec<u8>> {
    let want = gosum.gomod_hash(&mv.path, &mv.version).ok_or_else(|| {
        anyhow!("go.sum has no line for `{mv}/go.mod`\nhint: run `go mod download {mv}` (or `go mod tidy`) on a connected machine so go.sum lists every module the build reads")
    })?;
    let bytes = src.gomod(mv)?;
    let got = dirhash::hash_gomod(&bytes);
    if got != want {
        bail!(
            "checksum mismatch for `{mv}/go.mod`\n  go.sum:   {want}\n  {}: {got}\nhint: the source's copy is not the one go.sum recorded; clean it (`go clean -modcache`) and download again, or fix go.sum",
            src.describe()
        );
    }
    Ok(bytes)
}

/// A zip that passes every rule of the go command and hashes to go.sum's `h1:`.
pub fn checked_zip(
    src: &dyn ModuleSource,
    mv: &ModuleVersion,
    zip: &Path,
    want: &str,
) -> Result<PathBuf> {
    modzip::check_zip(zip, mv)?;
    let got =
        dirhash::hash_zip(zip).with_context(|| format!("failed to hash `{}`", zip.display()))?;
    if got != want {
        bail!(
            "checksum mismatch for `{mv}`\n  go.sum: {want}\n  {} (`{}`): {got}\nhint: the zip is not the one go.sum recorded; remove it from the source and download it again",
            src.describe(),
            zip.display()
        );
    }
    Ok(zip.to_path_buf())
}
