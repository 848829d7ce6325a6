//! `GOFLAGS`, the go command's default flags: a space-separated list of `-flag=value` and
//! `-flag` entries. go splits it on white space (`strings.Fields`), refuses an entry that does
//! not begin with `-` (`go: parsing $GOFLAGS: non-flag "…"`) and supports no quoting; each entry
//! is set in order, so a later one wins (cmd/go/internal/base/goflags.go).

/// The entries of `goflags`, verbatim and in order.
pub(crate) fn entries(goflags: &str) -> Vec<&str> {
    goflags.split_whitespace().collect()
}

/// The name of the flag an entry sets (`-mod=vendor` → `mod`, `--trimpath` → `trimpath`), or
/// `None` for an entry go refuses as a non-flag (`x`, `-`, `--`, `---x`, `-=x`).
pub(crate) fn flag_name(entry: &str) -> Option<&str> {
    let body = entry
        .strip_prefix("--")
        .or_else(|| entry.strip_prefix('-'))?;
    let name = body.split_once('=').map_or(body, |(name, _)| name);
    (!name.is_empty() && !name.starts_with('-')).then_some(name)
}

/// The value the last entry for flag `name` gives it: `Some("")` for a bare `-name`, `None`
/// when no entry names it.
pub(crate) fn value<'a>(goflags: &'a str, name: &str) -> Option<&'a str> {
    entries(goflags)
        .into_iter()
        .rfind(|e| flag_name(e) == Some(name))
        .map(|e| e.split_once('=').map_or("", |(_, v)| v))
}

/// The user's GOFLAGS with gomodoff's flags merged in, and what that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Merged {
    /// The entries, space-separated: the user's in their order with every flag gomodoff owns
    /// taken from `ours`, then those of `ours` the user did not name.
    pub value: String,
    /// Each entry of the user's that was replaced (with ours) or dropped (`None`: gomodoff sets
    /// no such flag).
    pub replaced: Vec<(String, Option<String>)>,
}

/// Merge `ours` (gomodoff's entries, e.g. `-mod=vendor`) into the user's `goflags`: an entry of
/// a flag in `owned` is gomodoff's to set. Its first entry is replaced in place by ours (kept, and
/// not reported, when identical), later entries for it are dropped, and an entry of an owned flag
/// ours leaves unset is dropped. Every other entry is kept verbatim and in order. `Err` names the
/// first entry go would refuse as a non-flag.
pub(crate) fn merge(goflags: &str, ours: &[String], owned: &[&str]) -> Result<Merged, String> {
    let mut value: Vec<String> = Vec::new();
    let mut replaced = Vec::new();
    let mut placed: Vec<&str> = Vec::new();
    for entry in entries(goflags) {
        let name = flag_name(entry).ok_or_else(|| entry.to_string())?;
        if !owned.contains(&name) {
            value.push(entry.to_string());
            continue;
        }
        let mine = ours.iter().find(|o| flag_name(o) == Some(name));
        match mine {
            Some(m) if !placed.contains(&name) => {
                placed.push(name);
                value.push(m.clone());
                if m != entry {
                    replaced.push((entry.to_string(), Some(m.clone())));
                }
            }
            Some(m) => {
                if m != entry {
                    replaced.push((entry.to_string(), Some(m.clone())));
                }
            }
            None => replaced.push((entry.to_string(), None)),
        }
    }
    for o in ours {
        if flag_name(o).is_none_or(|n| !placed.contains(&n)) {
            value.push(o.clone());
        }
    }
    Ok(Merged {
        value: value.join(" "),
        replaced,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNED: &[&str] = &["mod", "modfile"];

    fn ours(flags: &[&str]) -> Vec<String> {
        flags.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn entries_split_on_any_white_space_without_quoting() {
        assert_eq!(
            entries("  -tags=a,b\t-trimpath\n'-x=1 2' "),
            ["-tags=a,b", "-trimpath", "'-x=1", "2'"]
        );
        assert!(entries("").is_empty());
    }

    #[test]
    fn flag_names_as_go_reads_them() {
        assert_eq!(flag_name("-mod=vendor"), Some("mod"));
        assert_eq!(flag_name("--mod=vendor"), Some("mod"));
        assert_eq!(flag_name("-trimpath"), Some("trimpath"));
        assert_eq!(flag_name("-ldflags=-s=1"), Some("ldflags"));
        for bad in ["x", "-", "--", "---mod=x", "-=x", "--=x", "'-x"] {
            assert_eq!(flag_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn value_is_the_last_entry_s() {
        assert_eq!(
            value("-mod=mod -trimpath --mod=vendor", "mod"),
            Some("vendor")
        );
        assert_eq!(value("-trimpath", "trimpath"), Some(""));
        assert_eq!(value("-modfile=x.mod", "mod"), None);
    }

    #[test]
    fn merge_keeps_the_user_s_entries_and_appends_ours() {
        let m = merge("-buildvcs=false -tags=x", &ours(&["-mod=readonly"]), OWNED).unwrap();
        assert_eq!(m.value, "-buildvcs=false -tags=x -mod=readonly");
        assert!(m.replaced.is_empty());
        let m = merge(
            "",
            &ours(&["-mod=readonly", "-modfile=go.offline.mod"]),
            OWNED,
        )
        .unwrap();
        assert_eq!(m.value, "-mod=readonly -modfile=go.offline.mod");
    }

    #[test]
    fn merge_replaces_an_owned_flag_in_place_and_reports_it() {
        let m = merge("-tags=x -mod=mod -trimpath", &ours(&["-mod=vendor"]), OWNED).unwrap();
        assert_eq!(m.value, "-tags=x -mod=vendor -trimpath");
        assert_eq!(
            m.replaced,
            [("-mod=mod".into(), Some("-mod=vendor".into()))]
        );
        // A later duplicate is dropped; the same value is kept silently.
        let m = merge("-mod=vendor --mod=mod", &ours(&["-mod=vendor"]), OWNED).unwrap();
        assert_eq!(m.value, "-mod=vendor");
        assert_eq!(
            m.replaced,
            [("--mod=mod".into(), Some("-mod=vendor".into()))]
        );
    }

    #[test]
    fn merge_drops_an_owned_flag_gomodoff_leaves_unset() {
        let m = merge("-modfile=other.mod -v", &ours(&["-mod=readonly"]), OWNED).unwrap();
        assert_eq!(m.value, "-v -mod=readonly");
        assert_eq!(m.replaced, [("-modfile=other.mod".into(), None)]);
    }

    #[test]
    fn merge_refuses_a_non_flag_entry() {
        assert_eq!(
            merge("-tags=x notaflag", &ours(&["-mod=readonly"]), OWNED),
            Err("notaflag".to_string())
        );
    }
}
