//! Licence files of a module and what they say: which files are licence or notice files (go's
//! own list of name prefixes, at the module root and in subdirectories) or READMEs that may hold
//! a licence, each file matched against the SPDX licence texts by the `spdx` crate's scanner (the
//! askalono algorithm, with a confidence score) — as a whole, else section by section — and the
//! module's concluded SPDX expression. A file that matches no licence well enough is reported as
//! unknown with its closest candidate, never guessed; text outside the licences found in a file
//! is counted and reported. Text in, values out: the callers read the files from wherever a mode
//! laid them out.

use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash as _, Hasher as _};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use spdx::detection::Store;
use spdx::detection::TextData;
use spdx::detection::scan::{ScanMode, Scanner};

/// A match at or above this score identifies a licence on the OSI-approved list.
pub const CONFIDENT: f32 = 0.9;
/// A match at or above this score identifies any other licence (see [`threshold`]).
pub const CONFIDENT_RARE: f32 = 0.95;
/// A match of a whole file at or above this score is taken as the file's one licence without
/// looking for others in it.
const WHOLE: f32 = 0.98;
/// A match at or above this score is exact but for copyright lines and formatting.
const EXACT: f32 = 0.99;
/// How close an OSI-approved licence must score to a rare variant to be preferred (see
/// `best_match`).
const NEAR: f32 = 0.05;
/// A best match at or above this score (and below [`CONFIDENT`]) is shown as a low-confidence
/// candidate; below it the file is plain unknown.
pub const CANDIDATE: f32 = 0.6;
/// How many of the licences closest to a whole file are tried as a section of it when none
/// matches the whole (see `locate`).
const CANDIDATES: usize = 8;
/// Words outside the licence texts found in a file at or above which the file is reported as
/// holding extra text.
pub const EXTRA_WORDS: usize = 5;
/// The prefix of the `LicenseRef-` that stands in a module's expression for a licence file
/// gomodoff could not identify (see [`conclude`]).
pub const UNKNOWN_REF: &str = "LicenseRef-unknown-";
/// Licence files of at most this many lines get the top-down scan when nothing else matches
/// (see `top_down`; its cost grows with the square of the length: 1.2 s for the 121 lines of
/// honnef.co/go/tools' `LICENSE-THIRD-PARTY` on a busy 2-core machine).
const TOP_DOWN_LINES: usize = 200;
/// Words a part of a file needs to hold a licence text of its own (see `substantial`).
const SUBSTANTIAL: usize = 20;
/// How many lines after its first a CC0 dedication notice may take to give the CC0 address (see
/// `dedications`).
const DEDICATION_LINES: usize = 10;
/// Files larger than this are not scanned (reported unknown): no licence text is this long.
pub const MAX_SCANNED: usize = 1 << 20;

/// What kind of file a name is, by go's metadata prefixes (compared without case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    /// `LICENSE*`, `LICENCE*`, `COPYING*`, `COPYLEFT*`, `UNLICENSE*`: must say which licence.
    License,
    /// `NOTICE*`, `PATENTS*`, `COPYRIGHT*`, `LEGAL*`: carried along; a licence only if it holds
    /// one.
    Notice,
    /// `README*`: counted only when it holds a licence text the scanner identifies (a directory
    /// whose only licence is in its README, as go-licenses and pkg.go.dev also read); else not
    /// listed at all.
    Readme,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::License => "license",
            FileKind::Notice => "notice",
            FileKind::Readme => "readme",
        }
    }
}

/// What one file was found to say.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// One or more licences matched at [`CONFIDENT`] or above (several: one file holding
    /// several texts).
    Identified(Vec<Matched>),
    /// The closest licence scored between [`CANDIDATE`] and [`CONFIDENT`]: a modified or partial
    /// text. Not counted in the module's expression.
    LowConfidence(Matched),
    /// Nothing close; `Some` the closest candidate when there is one at all.
    Unknown(Option<Matched>),
    /// A notice file that holds no licence text (attribution, patent grant, authors).
    Notice,
}

/// A licence matched in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Matched {
    /// SPDX identifier (or `LicenseRef-…` for a text outside the SPDX list).
    pub id: String,
    /// The scanner's score, 0 to 1.
    pub score: f32,
}

/// One licence or notice file of a module.
#[derive(Debug, Clone, PartialEq)]
pub struct LicenseFile {
    /// Relative to the module root, `/`-separated.
    pub path: String,
    pub kind: FileKind,
    pub verdict: Verdict,
    /// Of an identified licence file: the words outside the licence texts found in it
    /// (copyright lines and separators not counted) when they are [`EXTRA_WORDS`] or more — a
    /// note, an added clause: what it says is for a reader to judge, it is not a licence the
    /// scanner knows. 0 otherwise (and always 0 for a whole-file match).
    pub extra_words: usize,
}

/// What a module's licence files say together.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleLicense {
    /// The concluded SPDX expression; `None` when a licence file at the module root is unknown,
    /// when no licence file is identified, or when there is none. A licence file elsewhere that
    /// is unknown stands in it as `LicenseRef-unknown-<its path>` (see [`conclude`]).
    pub expression: Option<String>,
    /// The lowest score among the matches the expression is made of.
    pub confidence: Option<f32>,
    /// Every licence and notice file, sorted by path.
    pub files: Vec<LicenseFile>,
}

impl ModuleLicense {
    /// `identified`, `partial` (identified, but the expression holds a licence file gomodoff
    /// could not identify, as a `LicenseRef-unknown-…`), `unknown` (a licence file at the root,
    /// or every licence file, matched nothing well enough) or `none` (no licence file at all).
    pub fn status(&self) -> &'static str {
        if let Some(e) = &self.expression {
            if e.contains(UNKNOWN_REF) {
                "partial"
            } else {
                "identified"
            }
        } else if self.files.iter().any(|f| f.kind == FileKind::License) {
            "unknown"
        } else {
            "none"
        }
    }
}

/// Whether a module file (relative path, `/`-separated) is a licence, notice or README file, and
/// which. Files under `testdata/` or `vendor/` and source files (`LICENSE_test.go`,
/// `license.go`) are not.
pub fn file_kind(rel: &str) -> Option<FileKind> {
    let (dir, base) = rel.rsplit_once('/').unwrap_or(("", rel));
    if dir
        .split('/')
        .any(|d| d == "testdata" || d == "vendor" || d.starts_with('.') || d.starts_with('_'))
    {
        return None;
    }
    let upper = base.to_ascii_uppercase();
    let ext = upper.rsplit_once('.').map_or("", |(_, e)| e);
    const SOURCE: [&str; 22] = [
        "GO", "C", "H", "CC", "CPP", "S", "PY", "JS", "TS", "JSON", "YAML", "YML", "SH", "RS",
        "JAVA", "PROTO", "TMPL", "TPL", "XML", "CSS", "SVG", "PNG",
    ];
    if SOURCE.contains(&ext) {
        return None;
    }
    const LICENSE: [&str; 5] = ["LICENSE", "LICENCE", "COPYING", "COPYLEFT", "UNLICENSE"];
    const NOTICE: [&str; 4] = ["NOTICE", "PATENTS", "COPYRIGHT", "LEGAL"];
    if LICENSE.iter().any(|p| upper.starts_with(p)) {
        Some(FileKind::License)
    } else if NOTICE.iter().any(|p| upper.starts_with(p)) {
        Some(FileKind::Notice)
    } else if upper.starts_with("README") {
        Some(FileKind::Readme)
    } else {
        None
    }
}

/// Detect the licence of one module from its licence and notice files (`(path, content)`, paths
/// as [`file_kind`] accepted them). Files are scanned in parallel.
pub fn detect(files: &[(String, Vec<u8>)]) -> ModuleLicense {
    use rayon::prelude::*;
    let mut scanned: Vec<(LicenseFile, bool)> = files
        .par_iter()
        .filter_map(|(path, bytes)| {
            let kind = file_kind(path)?;
            let text = String::from_utf8_lossy(bytes);
            if kind == FileKind::Readme && !may_hold_a_licence(&text) {
                return None;
            }
            let (verdict, extra_words) = scan_once(kind, bytes, &text);
            // A README counts only for a licence text identified in it.
            if kind == FileKind::Readme && !matches!(verdict, Verdict::Identified(_)) {
                return None;
            }
            Some((
                LicenseFile {
                    path: path.clone(),
                    kind,
                    verdict,
                    extra_words: if kind == FileKind::License {
                        extra_words
                    } else {
                        0
                    },
                },
                states_a_choice(&text),
            ))
        })
        .collect();
    scanned.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    let choice = scanned.iter().any(|(_, c)| *c);
    let files: Vec<LicenseFile> = scanned.into_iter().map(|(f, _)| f).collect();
    conclude(files, choice)
}

/// Whether a README's text has a phrase every full text of a common licence family carries:
/// only those are given to the scanner (a README is long, and scanning every one for a
/// contained licence would cost more than all licence files together). The scanner decides
/// what the text is; this only skips READMEs that cannot hold one.
fn may_hold_a_licence(text: &str) -> bool {
    let lower = text.to_lowercase();
    let flat = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    [
        "permission is hereby granted",
        "redistribution and use in source and binary forms",
        "permission to use, copy, modify",
        "apache license version 2.0, january 2004",
        "apache license, version 2.0, january 2004",
        "mozilla public license version 2.0",
        "mozilla public license, version 2.0",
        "gnu general public license",
        "gnu lesser general public license",
        "this is free and unencumbered software",
    ]
    .iter()
    .any(|p| flat.contains(p))
}

/// The module's expression from its scanned files: every identified licence once, joined with
/// `OR` when a licence file offers a choice and `AND` otherwise. Never a guess: `None` when a
/// licence file at the module root is unknown or low confidence (the module's own licence is
/// not known), or when no file is identified. A licence file in a subdirectory that is unknown
/// (a logo's licence, a bundled binary's) does not make the module's own licence unknown: it
/// stands in the expression as `LicenseRef-unknown-<its path>` joined with `AND`, so that a
/// policy still sees it (see [`Policy::check`]) and an SBOM says it.
pub fn conclude(files: Vec<LicenseFile>, choice: bool) -> ModuleLicense {
    let mut ids = BTreeSet::new();
    let mut unknown = BTreeSet::new();
    let mut confidence: Option<f32> = None;
    let mut undecided = false;
    for f in &files {
        match &f.verdict {
            Verdict::Identified(m) => {
                for m in m {
                    ids.insert(m.id.clone());
                    confidence = Some(confidence.map_or(m.score, |c| c.min(m.score)));
                }
            }
            Verdict::LowConfidence(_) | Verdict::Unknown(_) if f.kind == FileKind::License => {
                if f.path.contains('/') {
                    unknown.insert(unknown_ref(&f.path));
                } else {
                    undecided = true;
                }
            }
            Verdict::LowConfidence(_) | Verdict::Unknown(_) | Verdict::Notice => {}
        }
    }
    let expression = (!undecided && !ids.is_empty()).then(|| {
        let op = if choice { " OR " } else { " AND " };
        let known = ids.into_iter().collect::<Vec<_>>();
        let mut expr = known.join(op);
        if !unknown.is_empty() {
            if choice && known.len() > 1 {
                expr = format!("({expr})");
            }
            for r in &unknown {
                expr.push_str(" AND ");
                expr.push_str(r);
            }
        }
        expr
    });
    ModuleLicense {
        confidence: expression.as_ref().and(confidence),
        expression,
        files,
    }
}

/// The `LicenseRef-` standing for an unidentified licence file: [`UNKNOWN_REF`] and the path,
/// every character outside SPDX's `[A-Za-z0-9.-]` as `-` (`assets/LICENSE.md` →
/// `LicenseRef-unknown-assets-LICENSE.md`).
pub fn unknown_ref(path: &str) -> String {
    format!("{UNKNOWN_REF}{}", spdx_idstring(path))
}

/// `text` with every character outside SPDX's idstring set `[A-Za-z0-9.-]` as `-` (for the
/// part of a `LicenseRef-` or `SPDXRef-` after its prefix).
pub(crate) fn spdx_idstring(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The `[licenses]` policy of gomodoff.toml: which licences the modules may carry, as
/// cargo-deny's `[licenses]` does for crates.
///
/// ```toml
/// [licenses]
/// allow = ["MIT", "Apache-2.0", "BSD-3-Clause"]
/// deny = ["GPL-3.0-only"]
/// [[licenses.exceptions]]
/// module = "example.com/legacy"
/// allow = ["MPL-2.0"]
/// reason = "reviewed by legal, ticket 123"
/// ```
///
/// A module passes when its expression is satisfied (an `OR` needs one side, an `AND` both) by
/// licences that are allowed (in `allow`, or any licence when `allow` is empty, or in the
/// module's exception) and not denied (a licence in `deny` passes only through an exception).
/// A module whose licence is unknown, or that has no licence file, fails unless an exception
/// names it: the exception's reason is then what stands for the licence. So does a module whose
/// expression holds an unidentified licence file (`LicenseRef-unknown-…`, see [`conclude`]),
/// under any policy: `allow` cannot name such a part, only an exception for the module passes
/// it, and the violation names the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    pub allow: Vec<String>,
    pub deny: Vec<String>,
    pub exceptions: Vec<Exception>,
}

/// `[[licenses.exceptions]]`: one module's extra allowed licences, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    pub module: String,
    pub allow: Vec<String>,
    pub reason: String,
}

/// A module the policy rejects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub module: String,
    pub version: String,
    /// The module's expression, `None` when unknown or missing.
    pub expression: Option<String>,
    /// Why, naming the licences at fault.
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}: {}", self.module, self.version, self.message)
    }
}

impl Policy {
    /// The policy from gomodoff.toml's `[licenses]` table; an error names the key at fault.
    pub fn from_toml(item: &toml_edit::Item) -> Result<Policy, String> {
        let table = item.as_table_like().ok_or("`licenses` must be a table")?;
        let mut policy = Policy::default();
        for (key, value) in table.iter() {
            match key {
                "allow" => policy.allow = ids(value, "licenses.allow")?,
                "deny" => policy.deny = ids(value, "licenses.deny")?,
                "exceptions" => {
                    let arr = value
                        .as_array_of_tables()
                        .ok_or("`licenses.exceptions` must be an array of tables (`[[licenses.exceptions]]`)")?;
                    for t in arr {
                        policy.exceptions.push(exception(t)?);
                    }
                }
                other => {
                    return Err(format!(
                        "unknown key `licenses.{other}` (known: allow, deny, exceptions)"
                    ));
                }
            }
        }
        if let Some(both) = policy.allow.iter().find(|a| policy.deny.contains(a)) {
            return Err(format!(
                "`{both}` is in both `licenses.allow` and `licenses.deny`"
            ));
        }
        Ok(policy)
    }

    /// The policy's verdict on one module: `None` when it passes.
    pub fn check(&self, module: &str, version: &str, license: &ModuleLicense) -> Option<Violation> {
        let exception = self.exceptions.iter().find(|e| e.module == module);
        let violation = |message: String| Violation {
            module: module.to_string(),
            version: version.to_string(),
            expression: license.expression.clone(),
            message,
        };
        let Some(text) = &license.expression else {
            if exception.is_some() {
                return None;
            }
            let what = match license.status() {
                "none" => "has no licence file".to_string(),
                _ => format!(
                    "licence unknown ({}); review it and add a `[[licenses.exceptions]]` entry with the reason",
                    unknown_files(license, None)
                ),
            };
            return Some(violation(what));
        };
        let Ok(expr) = spdx::Expression::parse(text) else {
            return Some(violation(format!(
                "`{text}` is not a valid SPDX expression"
            )));
        };
        let extra: &[String] = exception.map_or(&[], |e| e.allow.as_slice());
        let mut failed = Vec::new();
        let ok = expr.evaluate(|req| {
            let name = req.license.to_string();
            if name.starts_with(UNKNOWN_REF) {
                if exception.is_none() {
                    failed.push(name);
                }
                return exception.is_some();
            }
            let pass = extra.contains(&name)
                || (!self.deny.contains(&name)
                    && (self.allow.is_empty() || self.allow.contains(&name)));
            if !pass {
                failed.push(name);
            }
            pass
        });
        if ok {
            return None;
        }
        failed.sort();
        failed.dedup();
        let (unknown, listed): (Vec<&String>, Vec<&String>) =
            failed.iter().partition(|f| f.starts_with(UNKNOWN_REF));
        let mut reasons = Vec::new();
        if !listed.is_empty() {
            let each: Vec<String> = listed
                .iter()
                .map(|f| {
                    if self.deny.contains(f) {
                        format!("`{f}` is denied")
                    } else {
                        format!("`{f}` is not allowed")
                    }
                })
                .collect();
            reasons.push(format!("{} by gomodoff.toml [licenses]", each.join(", ")));
        }
        for f in unknown {
            reasons.push(format!(
                "`{f}` is a licence file gomodoff could not identify ({}): review it and add a `[[licenses.exceptions]]` entry for the module with the reason",
                unknown_files(license, Some(f))
            ));
        }
        Some(violation(format!("`{text}`: {}", reasons.join("; "))))
    }
}

/// The unidentified licence files of a module (or only the one a `LicenseRef-unknown-…`
/// stands for), for a violation's message.
fn unknown_files(license: &ModuleLicense, only: Option<&str>) -> String {
    license
        .files
        .iter()
        .filter(|f| f.kind == FileKind::License && only.is_none_or(|r| unknown_ref(&f.path) == r))
        .filter_map(|f| match &f.verdict {
            Verdict::LowConfidence(m) => Some(format!(
                "`{}` resembles {} at {:.0}%",
                f.path,
                m.id,
                m.score * 100.0
            )),
            Verdict::Unknown(_) => Some(format!("`{}` matches no licence", f.path)),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A list of licence identifiers: SPDX ids or `LicenseRef-…`.
fn ids(item: &toml_edit::Item, key: &str) -> Result<Vec<String>, String> {
    let arr = item
        .as_array()
        .ok_or_else(|| format!("`{key}` must be an array of SPDX licence identifiers"))?;
    arr.iter()
        .map(|v| {
            let s = v
                .as_str()
                .ok_or_else(|| format!("`{key}` must be an array of SPDX licence identifiers"))?;
            if spdx::license_id(s).is_some() || s.starts_with("LicenseRef-") {
                Ok(s.to_string())
            } else {
                Err(format!(
                    "`{key}`: `{s}` is not an SPDX licence identifier (see https://spdx.org/licenses/)"
                ))
            }
        })
        .collect()
}

/// One `[[licenses.exceptions]]` table.
fn exception(t: &toml_edit::Table) -> Result<Exception, String> {
    let module = t
        .get("module")
        .and_then(|v| v.as_str())
        .ok_or("a `[[licenses.exceptions]]` entry has no `module`")?
        .to_string();
    let reason = t
        .get("reason")
        .and_then(|v| v.as_str())
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| {
            format!("the `[[licenses.exceptions]]` entry for `{module}` has no `reason`: say why the exception is acceptable")
        })?
        .to_string();
    let allow = match t.get("allow") {
        Some(item) => ids(item, "licenses.exceptions.allow")?,
        None => Vec::new(),
    };
    if let Some((key, _)) = t
        .iter()
        .find(|(k, _)| !matches!(*k, "module" | "reason" | "allow"))
    {
        return Err(format!(
            "unknown key `{key}` in the `[[licenses.exceptions]]` entry for `{module}` (known: module, allow, reason)"
        ));
    }
    Ok(Exception {
        module,
        allow,
        reason,
    })
}

/// The scanner's store of SPDX licence texts, loaded once (a hundred milliseconds or so). It is
/// the spdx crate's inline cache as build.rs wrote it again: the n-grams of every text, the texts
/// themselves only where gomodoff reads them, and a zstd window small enough that loading it
/// does not touch 16 MB more than the store takes (see build.rs).
fn store() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    static CACHE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/spdx-store.cache"));
    STORE.get_or_init(|| {
        Store::from_cache(CACHE)
            .expect("the licence store loads because build.rs wrote it with this spdx crate")
    })
}

/// SPDX texts that carry another licence's whole text after their own, and the title line that
/// begins the carried one: the SPDX text of the LGPL-3.0 is the LGPL's additional permissions
/// followed by the whole GPL-3.0 (the LGPL-3.0 is written as permissions added to the GPL), while
/// a project ships the LGPL's own text alone (`COPYING.LESSER`, next to the GPL in `COPYING`).
/// Against the whole SPDX text such a file scores 0.30, and a GPL-3.0 file alone 0.90: so each
/// text is also matched by its own part (see [`lesser_parts`]). (The store holds the same text
/// under the deprecated `LGPL-3.0+` as well; its part would only be a second name for the same
/// lines, and the GPL-3.0's text is named `GPL-3.0-or-later` as well, so it is left out.)
const CARRIES: [(&str, &str); 1] = [("LGPL-3.0-or-later", "GNU GENERAL PUBLIC LICENSE")];

/// The part of each text of [`CARRIES`] before the licence it carries, under the text's own
/// name: the LGPL-3.0's own terms without the GPL-3.0 after them. A text whose title line is not
/// found (another version of the spdx crate) has no part.
fn lesser_parts() -> &'static [(&'static str, TextData)] {
    static PARTS: OnceLock<Vec<(&'static str, TextData)>> = OnceLock::new();
    PARTS.get_or_init(|| {
        let store = store();
        CARRIES
            .iter()
            .filter_map(|(name, title)| {
                let (name, entry) = store.iter().find(|(n, _)| n.as_str() == *name)?;
                let lines = entry.original.lines();
                let at = lines
                    .iter()
                    .skip(1)
                    .position(|l| l.trim().eq_ignore_ascii_case(title))?
                    + 1;
                Some((name.as_str(), entry.original.with_view(0, at)))
            })
            .collect()
    })
}

/// Every text a file is compared with by name: the store's licence texts, then the parts of
/// [`lesser_parts`].
fn texts() -> impl Iterator<Item = (&'static str, &'static TextData)> {
    store()
        .iter()
        .map(|(n, e)| (n.as_str(), &e.original))
        .chain(lesser_parts().iter().map(|(n, t)| (*n, t)))
}

/// The score at or above which a match of `id` identifies it: [`CONFIDENT`] for a licence on
/// the OSI-approved list, [`CONFIDENT_RARE`] for any other. Most licences off that list are
/// short permission notices (the HPND family, SMLNJ, the many MIT and BSD variants) that differ
/// from each other, and from a project's own notice, only in a few words — the party named, one
/// clause — so a match at 0.9 is as likely a different notice. The Lucent Technologies notice
/// some Go modules carry (`Lucent or any of its entities`) scores 0.93 against SMLNJ, whose text
/// names `Lucent Technologies, Bell Labs or any Lucent entity` under the SML/NJ title: not the
/// SMLNJ licence by SPDX's matching guidelines, and reported as resembling it.
pub fn threshold(id: &str) -> f32 {
    if spdx::license_id(id).is_some_and(|l| l.is_osi_approved()) {
        CONFIDENT
    } else {
        CONFIDENT_RARE
    }
}

/// [`scan`], once per content in a run: the same file in many modules (an Apache-2.0 text, a
/// project's LICENSE in each of its modules and versions) is scanned once. Keyed by the kind and
/// the SHA-256 of the bytes, so an answer is only reused for the very same file.
fn scan_once(kind: FileKind, bytes: &[u8], text: &str) -> (Verdict, usize) {
    use sha2::{Digest as _, Sha256};
    type Scans = HashMap<(FileKind, [u8; 32]), Arc<OnceLock<(Verdict, usize)>>>;
    static SCANNED: OnceLock<Mutex<Scans>> = OnceLock::new();
    let digest: [u8; 32] = Sha256::digest(bytes).into();
    let cell = SCANNED
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry((kind, digest))
        .or_default()
        .clone();
    cell.get_or_init(|| scan(kind, text)).clone()
}

/// What the comparisons of a text with the licence texts found, remembered for every text with
/// the same n-grams (see [`compared`]).
struct Compared {
    /// The n-grams of the text first seen with them (its text is not kept: comparing n-grams
    /// needs none, and a run sees hundreds of texts).
    data: TextData,
    /// [`best_match`]'s answer.
    best: OnceLock<(&'static str, f32, &'static TextData)>,
    /// The texts closest to it, best first (ties by name), for `locate`: the first
    /// [`CANDIDATES`] + 2, as `locate` leaves out at most two (the best match's name, which the
    /// LGPL's part shares with its whole text).
    closest: OnceLock<Vec<(&'static str, f32, &'static TextData)>>,
}

/// The comparisons of `data` with the licence texts, shared by every text with the same n-grams:
/// every score the scanner gives is a function of a text's n-grams alone (their Dice
/// coefficient with each licence text's), so [`best_match`] and the closest texts of two texts
/// with equal n-grams are the same; the same licence text under different copyright lines, or
/// wrapped differently, is compared with the ~700 licence texts once in a run. Texts are put in
/// buckets by their words outside copyright lines (a cheap key; two texts with equal n-grams
/// nearly always share it) and reused only when their n-grams are equal.
fn compared(data: &TextData) -> Arc<Compared> {
    static SEEN: OnceLock<Mutex<HashMap<u64, Vec<Arc<Compared>>>>> = OnceLock::new();
    let mut key = std::collections::hash_map::DefaultHasher::new();
    for line in data.lines() {
        let lower = line.to_lowercase();
        if lower.contains("copyright") {
            continue;
        }
        for word in lower.split(|c: char| !c.is_alphanumeric()) {
            if !word.is_empty() {
                word.hash(&mut key);
            }
        }
    }
    let mut seen = SEEN
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let bucket = seen.entry(key.finish()).or_default();
    if let Some(c) = bucket.iter().find(|c| c.data.ngram_matches(data)) {
        return c.clone();
    }
    let c = Arc::new(Compared {
        data: data.clone().without_text(),
        best: OnceLock::new(),
        closest: OnceLock::new(),
    });
    bucket.push(c.clone());
    c
}

/// What one file says, and the words it holds outside the licence texts found in it.
fn scan(kind: FileKind, text: &str) -> (Verdict, usize) {
    if text.len() > MAX_SCANNED || text.trim().is_empty() {
        return match kind {
            FileKind::License | FileKind::Readme => (Verdict::Unknown(None), 0),
            FileKind::Notice => (Verdict::Notice, 0),
        };
    }
    let data = TextData::new(text);
    let mut found = Vec::new();
    let mut covered = Vec::new();
    let best = find(&data, &mut found, &mut covered, 0);
    if found.is_empty() && kind == FileKind::License && data.lines().len() <= TOP_DOWN_LINES {
        top_down(&data, &mut found, &mut covered);
    }
    if found.is_empty() {
        // A dedication notice alone makes the file CC0-1.0; next to text enough for a licence
        // of its own that nothing matched, the file stays unknown (the notice is part of it).
        let (mut notices, mut lines) = (Vec::new(), Vec::new());
        dedications(text, &mut notices, &mut lines);
        if !notices.is_empty() && !substantial_outside(&data, &lines) {
            found = notices;
            covered = lines;
        }
    } else {
        dedications(text, &mut found, &mut covered);
    }
    if !found.is_empty() {
        found.sort_by(|a, b| a.id.cmp(&b.id));
        found.dedup_by(|a, b| {
            if a.id == b.id {
                b.score = b.score.min(a.score);
                true
            } else {
                false
            }
        });
        let extra = extra_words(&data, &covered);
        return (
            Verdict::Identified(found),
            if extra >= EXTRA_WORDS { extra } else { 0 },
        );
    }
    let verdict = match (kind, best) {
        (FileKind::Notice, _) => Verdict::Notice,
        (_, Some(m)) if m.score >= CANDIDATE => Verdict::LowConfidence(m),
        (_, best) => Verdict::Unknown(best.filter(|m| m.score > 0.0)),
    };
    (verdict, 0)
}

/// Find the licences in `data`'s current view: the whole view if it matches, else the best
/// matching section (see [`locate`]) and then, recursively, what lies before and after it (a
/// file holding several licence texts one after another, or a licence and a note). Records
/// each licence in `found` and the lines it covers in `covered`; returns the best match of the
/// whole view.
fn find(
    data: &TextData,
    found: &mut Vec<Matched>,
    covered: &mut Vec<(usize, usize)>,
    depth: u8,
) -> Option<Matched> {
    let (name, score, text) = best_match(data);
    let best = Matched {
        id: spdx_id(name),
        score,
    };
    let whole = |found: &mut Vec<Matched>, covered: &mut Vec<(usize, usize)>| {
        if score >= threshold(name) {
            found.push(best.clone());
            covered.push(data.lines_view());
        }
        Some(best.clone())
    };
    // A near-exact match of the whole view is one licence; anything less may be one licence
    // among other text, or several.
    if score >= WHOLE || depth > 3 || score <= 0.0 {
        return whole(found, covered);
    }
    let Some((part, part_name, part_score)) = locate(data, name, score, text) else {
        return whole(found, covered);
    };
    let (start, end) = part.lines_view();
    let (view_start, view_end) = data.lines_view();
    found.push(Matched {
        id: spdx_id(part_name),
        score: part_score,
    });
    covered.push((start, end));
    for (a, b) in [(view_start, start), (end, view_end)] {
        if b > a && substantial(&data.with_view(a, b)) {
            find(&data.with_view(a, b), found, covered, depth + 1);
        }
    }
    Some(best)
}

/// The section of `data`'s view that is one licence text, when the whole view is not: the
/// view's lines narrowed to fit the best match of the whole view (`name`, `text`), and when
/// that section does not reach the licence's [`threshold`], to fit each of the
/// [`CANDIDATES`] licences closest to the whole view (only when the whole view itself does not
/// reach it: then it is the answer). The closest licence to a file holding
/// more than a licence is often another one: two BSD-3-Clause texts one after the other score
/// highest against Sleepycat (BSD-3-Clause with a clause added) at 0.71, while either text
/// alone is BSD-3-Clause at 0.96. The section found is asked again which licence it is.
/// `None` when no section reaches its threshold, or the best section is the whole view.
fn locate(
    data: &TextData,
    name: &'static str,
    score: f32,
    text: &'static TextData,
) -> Option<(TextData, &'static str, f32)> {
    let view = data.lines_view();
    let section = |name: &'static str, text: &TextData| {
        let (part, score) = data.optimize_bounds(text);
        (score >= threshold(name) && part.lines_view() != view).then_some((part, name, score))
    };
    let located = section(name, text).or_else(|| {
        if score >= threshold(name) {
            return None;
        }
        let compared = compared(data);
        let closest = compared.closest.get_or_init(|| {
            let mut closest: Vec<(&'static str, f32, &'static TextData)> =
                texts().map(|(n, t)| (n, t.match_score(data), t)).collect();
            closest.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            closest.truncate(CANDIDATES + 2);
            closest
        });
        closest
            .iter()
            .filter(|(n, _, _)| *n != name)
            .take(CANDIDATES)
            .copied()
            .filter_map(|(n, _, t)| section(n, t))
            .max_by(|a, b| a.2.total_cmp(&b.2).then_with(|| b.1.cmp(a.1)))
    })?;
    let (part, part_name, part_score) = located;
    // The section was cut to fit one licence: the closest licence to it may be another.
    Some(match best_match(&part) {
        (n, s, _) if s >= part_score && s >= threshold(n) => (part, n, s),
        _ => (part, part_name, part_score),
    })
}

/// The last resort for a licence file in which neither the whole nor a fitted section matches:
/// the scanner's top-down mode, which slides a window down the file and keeps each section that
/// matches a licence (a file collecting several licence texts under headings, such as
/// honnef.co/go/tools' `LICENSE-THIRD-PARTY`: three BSD and MIT texts and a modified one, 0.74
/// Sleepycat as a whole, where fitting the closest licences' bounds finds no section because
/// the texts repeat). Each section counts at its licence's [`threshold`].
fn top_down(data: &TextData, found: &mut Vec<Matched>, covered: &mut Vec<(usize, usize)>) {
    let scanner =
        Scanner::with_scan_mode(store(), ScanMode::top_down()).confidence_threshold(CONFIDENT);
    for c in scanner.scan(data).containing {
        if c.score >= threshold(c.license.name) {
            found.push(Matched {
                id: spdx_id(c.license.name),
                score: c.score,
            });
            covered.push(c.line_range);
        }
    }
}

/// The CC0-1.0 public domain dedication notices in `text` outside the `covered` line ranges:
/// the notice Creative Commons gives for CC0 instead of its legal code ("To the extent possible
/// under law, … has waived all copyright and related or neighboring rights …" or "… dedicated all
/// copyright … to the public domain worldwide …", then the CC0 address), which a file carries for
/// a part of the module (github.com/AndreasBriese/bbloom's LICENSE: the MIT licence, then
/// siphash.go's CC0 notice). The SPDX texts have no CC0 notice to match it with, so it is found by
/// its words: a line with "to the extent possible under law", and within the next
/// [`DEDICATION_LINES`] lines the address `creativecommons.org/publicdomain/zero/1.0`, the lines
/// between them saying "public domain" or "waived". Each is recorded as CC0-1.0 at 1.0 and its
/// lines as covered. (`text`'s lines are the scanned text's: a [`TextData`] keeps one line per
/// line of the text, whose addresses its normalisation replaces.)
fn dedications(text: &str, found: &mut Vec<Matched>, covered: &mut Vec<(usize, usize)>) {
    let lines: Vec<String> = text.split('\n').map(str::to_lowercase).collect();
    let free =
        |i: usize, covered: &[(usize, usize)]| !covered.iter().any(|(a, b)| (*a..*b).contains(&i));
    let mut i = 0;
    while i < lines.len() {
        if !free(i, covered) || !lines[i].contains("to the extent possible under law") {
            i += 1;
            continue;
        }
        let end = (i..lines.len().min(i + 1 + DEDICATION_LINES))
            .take_while(|j| free(*j, covered))
            .find(|j| lines[*j].contains("creativecommons.org/publicdomain/zero/1.0"));
        let Some(end) = end else {
            i += 1;
            continue;
        };
        let span = lines[i..=end].join(" ");
        if span.contains("public domain") || span.contains("waived") {
            found.push(Matched {
                id: "CC0-1.0".into(),
                score: 1.0,
            });
            covered.push((i, end + 1));
        }
        i = end + 1;
    }
}

/// Words on the lines of `data` outside the `covered` line ranges, not counting copyright
/// lines and lines without a letter (separators).
fn extra_words(data: &TextData, covered: &[(usize, usize)]) -> usize {
    let (start, _) = data.lines_view();
    data.lines()
        .iter()
        .enumerate()
        .map(|(i, l)| (start + i, l))
        .filter(|(i, _)| !covered.iter().any(|(a, b)| (a..b).contains(&i)))
        .filter(|(_, l)| {
            let lower = l.to_lowercase();
            l.chars().any(char::is_alphabetic)
                && !lower.contains("copyright")
                && !lower.contains("all rights reserved")
        })
        .map(|(_, l)| l.split_whitespace().count())
        .sum()
}

/// The best match of `data` among the SPDX texts: the scanner's, except that a licence outside
/// the OSI-approved list that wins by a narrow margin (below [`EXACT`]) gives way to an
/// OSI-approved one scoring at least [`CONFIDENT`] and within [`NEAR`] of it. Such near-ties are
/// a common licence's text with a part left out that a rare variant also lacks: Apache-2.0
/// without its appendix scores higher against Pixar's modified Apache licence than against
/// Apache-2.0 itself.
///
/// A part of [`lesser_parts`] that scores higher than the scanner's best is the best match (the
/// LGPL-3.0's own text, alone in its file).
///
/// Computed once for every text with the same n-grams (see [`compared`]).
fn best_match(data: &TextData) -> (&'static str, f32, &'static TextData) {
    *compared(data).best.get_or_init(|| best_match_of(data))
}

/// [`best_match`] computed afresh.
fn best_match_of(data: &TextData) -> (&'static str, f32, &'static TextData) {
    let store = store();
    let analysis = store.analyze(data);
    let part = lesser_parts()
        .iter()
        .map(|(name, text)| (*name, text.match_score(data), text))
        .filter(|(_, score, _)| *score > analysis.score)
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(a.0)));
    let (name, score, text) = part.unwrap_or((analysis.name, analysis.score, analysis.data));
    let osi = |name: &str| spdx::license_id(name).is_some_and(|id| id.is_osi_approved());
    if (CONFIDENT..EXACT).contains(&score) && !osi(name) {
        let floor = CONFIDENT.max(score - NEAR);
        let alternative = texts()
            .filter(|(name, _)| osi(name))
            .map(|(name, text)| (name, text.match_score(data), text))
            .filter(|(_, score, _)| *score >= floor)
            .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(a.0)));
        if let Some(found) = alternative {
            return found;
        }
    }
    (name, score, text)
}

/// Whether a part of a file has enough words to hold a licence text of its own.
fn substantial(data: &TextData) -> bool {
    data.lines()
        .iter()
        .map(|l| l.split_whitespace().count())
        .sum::<usize>()
        >= SUBSTANTIAL
}

/// Whether the lines of `data` outside `covered` have enough words to hold a licence text of
/// their own, not counting copyright lines (see [`extra_words`]).
fn substantial_outside(data: &TextData, covered: &[(usize, usize)]) -> bool {
    extra_words(data, covered) >= SUBSTANTIAL
}

/// The SPDX identifier for a name in the scanner's store (they are SPDX names; anything else
/// becomes a `LicenseRef-`).
fn spdx_id(name: &str) -> String {
    match spdx::license_id(name) {
        Some(id) => id.name.to_string(),
        None => format!(
            "LicenseRef-{}",
            name.chars()
                .map(|c| if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '-'
                })
                .collect::<String>()
        ),
    }
}

/// Whether a licence file says the licensee may choose between licences ("dual licensed",
/// "licensed under either"; not GPL's "at your option, any later version"): the texts are then alternatives (`OR`), not all required (`AND`).
fn states_a_choice(text: &str) -> bool {
    let lower = text.to_lowercase();
    let flat = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    [
        "dual licensed",
        "dual-licensed",
        "dually licensed",
        "licensed under either",
        "at your option, under either",
    ]
    .iter()
    .any(|p| flat.contains(p))
}

#[cfg(test)]
mod tests;
