//! Doing a change safely, for every mode: the plan and its journal ([`plan`]), opening the
//! repository for a change ([`open`]) and the preview helpers every mode shares.

use anyhow::Result;

pub mod open;
pub mod plan;

/// The `+`/`~`/`-` lines of a summary: modules added, updated, removed.
pub fn write_changes(
    out: &mut dyn std::io::Write,
    added: &[String],
    updated: &[String],
    removed: &[String],
) -> Result<()> {
    for (sign, list) in [("+", added), ("~", updated), ("-", removed)] {
        for m in list {
            writeln!(out, "  {sign} {m}")?;
        }
    }
    Ok(())
}
