//! Detection over the fixture modules of `testdata/licenses/` (real SPDX licence texts), and the
//! policy over hand-made results.

use std::path::Path;

use super::*;

/// The licence and notice files of a fixture directory, as the commands read a laid-out tree.
fn fixture(case: &str) -> ModuleLicense {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/licenses")
        .join(case);
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let entry = entry.expect("fixture directories are readable");
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(&root)
            .expect("walkdir yields paths under its root")
            .to_string_lossy()
            .replace('\\', "/");
        if file_kind(&rel).is_some() {
            files.push((
                rel,
                std::fs::read(entry.path()).expect("fixture files are readable"),
            ));
        }
    }
    detect(&files)
}

fn ids(f: &LicenseFile) -> Vec<&str> {
    match &f.verdict {
        Verdict::Identified(m) => m.iter().map(|m| m.id.as_str()).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn file_names() {
    for (name, kind) in [
        ("LICENSE", Some(FileKind::License)),
        ("license.md", Some(FileKind::License)),
        ("LICENCE.txt", Some(FileKind::License)),
        ("COPYING", Some(FileKind::License)),
        ("LICENSE-APACHE", Some(FileKind::License)),
        ("UNLICENSE", Some(FileKind::License)),
        ("sub/dir/LICENSE", Some(FileKind::License)),
        ("NOTICE", Some(FileKind::Notice)),
        ("PATENTS", Some(FileKind::Notice)),
        ("COPYRIGHT", Some(FileKind::Notice)),
        ("LICENSE_test.go", None),
        ("license.go", None),
        ("testdata/LICENSE", None),
        ("vendor/x/LICENSE", None),
        ("README.md", Some(FileKind::Readme)),
        ("README.go", None),
        ("AUTHORS", None),
    ] {
        assert_eq!(file_kind(name), kind, "{name}");
    }
}

#[test]
fn single_licences_are_identified() {
    for (case, want) in [
        ("mit", "MIT"),
        ("apache", "Apache-2.0"),
        ("bsd-2", "BSD-2-Clause"),
        ("bsd-3", "BSD-3-Clause"),
        ("mpl-2.0", "MPL-2.0"),
        ("isc", "ISC"),
    ] {
        let l = fixture(case);
        assert_eq!(l.expression.as_deref(), Some(want), "{case}: {l:?}");
        assert_eq!(l.status(), "identified");
        assert!(
            l.confidence.is_some_and(|c| c >= CONFIDENT),
            "{case}: {l:?}"
        );
    }
}

#[test]
fn apache_with_notice_reports_the_notice_file() {
    let l = fixture("apache-notice");
    assert_eq!(l.expression.as_deref(), Some("Apache-2.0"));
    let paths: Vec<_> = l.files.iter().map(|f| (f.path.as_str(), f.kind)).collect();
    assert_eq!(
        paths,
        [
            ("LICENSE.txt", FileKind::License),
            ("NOTICE", FileKind::Notice)
        ]
    );
    assert_eq!(l.files[1].verdict, Verdict::Notice);
}

#[test]
fn a_patents_grant_is_a_notice_not_a_licence() {
    let l = fixture("bsd-3");
    assert_eq!(l.expression.as_deref(), Some("BSD-3-Clause"));
    assert_eq!(l.files[1].path, "PATENTS");
    assert_eq!(l.files[1].verdict, Verdict::Notice);
}

#[test]
fn two_licence_files_without_a_stated_choice_are_both_required() {
    let l = fixture("dual-files");
    assert_eq!(l.expression.as_deref(), Some("Apache-2.0 AND MIT"));
    assert_eq!(l.files.len(), 2);
}

#[test]
fn one_file_with_two_texts_and_a_stated_choice_is_an_or() {
    let l = fixture("dual-one-file");
    assert_eq!(l.expression.as_deref(), Some("Apache-2.0 OR MIT"), "{l:?}");
    assert_eq!(ids(&l.files[0]), ["Apache-2.0", "MIT"]);
}

#[test]
fn licences_in_subdirectories_count() {
    let l = fixture("subdir");
    assert_eq!(l.expression.as_deref(), Some("BSD-3-Clause AND MIT"));
    assert_eq!(l.files[0].path, "LICENSE");
    assert_eq!(l.files[1].path, "internal/third_party/fastjson/LICENSE");
    let l = fixture("subdir-only");
    assert_eq!(l.expression.as_deref(), Some("ISC"));
    assert_eq!(l.files[0].path, "third_party/LICENSE");
}

#[test]
fn a_modified_licence_is_not_guessed() {
    let l = fixture("modified");
    assert_eq!(l.expression, None, "{l:?}");
    assert_eq!(l.status(), "unknown");
    match &l.files[0].verdict {
        Verdict::LowConfidence(m) => {
            assert_eq!(m.id, "MIT");
            assert!(m.score < CONFIDENT);
        }
        Verdict::Unknown(_) => {}
        other => panic!("a modified MIT text was reported as {other:?}"),
    }
}

#[test]
fn no_licence_file_is_none() {
    let l = fixture("none");
    assert_eq!(l.expression, None);
    assert!(l.files.is_empty());
    assert_eq!(l.status(), "none");
}

#[test]
fn text_that_is_no_licence_is_unknown() {
    let l = detect(&[(
        "LICENSE".into(),
        b"All rights reserved. Ask us before you use any of this.\n".to_vec(),
    )]);
    assert_eq!(l.expression, None);
    assert_eq!(l.status(), "unknown");
}

fn policy(toml: &str) -> Result<Policy, String> {
    let doc: toml_edit::DocumentMut = toml.parse().expect("test toml parses");
    Policy::from_toml(&doc["licenses"])
}

fn identified(expr: &str) -> ModuleLicense {
    ModuleLicense {
        expression: Some(expr.into()),
        confidence: Some(1.0),
        files: Vec::new(),
    }
}

#[test]
fn policy_allow_deny_and_exceptions() {
    let p = policy(
        r#"
[licenses]
allow = ["MIT", "Apache-2.0"]
deny = ["GPL-3.0-only"]
[[licenses.exceptions]]
module = "example.com/legacy"
allow = ["GPL-3.0-only"]
reason = "internal tool, reviewed by legal"
"#,
    )
    .expect("valid policy");
    assert_eq!(p.check("a", "v1.0.0", &identified("MIT")), None);
    assert_eq!(
        p.check("a", "v1.0.0", &identified("Apache-2.0 OR GPL-3.0-only")),
        None
    );
    let v = p
        .check("a", "v1.0.0", &identified("GPL-3.0-only"))
        .expect("denied");
    assert_eq!(
        v.to_string(),
        "a@v1.0.0: `GPL-3.0-only`: `GPL-3.0-only` is denied by gomodoff.toml [licenses]"
    );
    let v = p
        .check("a", "v1.0.0", &identified("BSD-3-Clause AND MIT"))
        .expect("not allowed");
    assert!(v.message.contains("`BSD-3-Clause` is not allowed"), "{v}");
    assert_eq!(
        p.check("example.com/legacy", "v1.0.0", &identified("GPL-3.0-only")),
        None
    );
    let unknown = fixture("modified");
    assert!(p.check("a", "v1.0.0", &unknown).is_some());
    assert_eq!(p.check("example.com/legacy", "v1.0.0", &unknown), None);
    let none = fixture("none");
    let v = p.check("a", "v1.0.0", &none).expect("no licence");
    assert_eq!(v.message, "has no licence file");
}

#[test]
fn policy_errors() {
    for (toml, want) in [
        (
            "[licenses]\nallow = [\"MIT\"]\n[[licenses.exceptions]]\nmodule = \"x\"\nallow = [\"MPL-2.0\"]\n",
            "the `[[licenses.exceptions]]` entry for `x` has no `reason`: say why the exception is acceptable",
        ),
        (
            "[licenses]\nallow = [\"Not-A-Licence\"]\n",
            "`licenses.allow`: `Not-A-Licence` is not an SPDX licence identifier (see https://spdx.org/licenses/)",
        ),
        (
            "[licenses]\nallow = [\"MIT\"]\ndeny = [\"MIT\"]\n",
            "`MIT` is in both `licenses.allow` and `licenses.deny`",
        ),
        (
            "[licenses]\nallowed = [\"MIT\"]\n",
            "unknown key `licenses.allowed` (known: allow, deny, exceptions)",
        ),
    ] {
        assert_eq!(policy(toml).unwrap_err(), want);
    }
}

#[test]
fn apache_without_its_appendix_is_apache_not_a_rare_variant() {
    let full = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/licenses/apache/LICENSE"),
    )
    .expect("fixture");
    let cut = &full[..full
        .find("APPENDIX:")
        .expect("the SPDX text has an appendix")];
    let l = detect(&[("LICENSE.txt".into(), cut.as_bytes().to_vec())]);
    assert_eq!(l.expression.as_deref(), Some("Apache-2.0"), "{l:?}");
}

#[test]
fn an_mpl_text_offers_no_choice_between_licences() {
    // MPL-2.0 speaks of "the terms of either this License or such Secondary License(s)".
    let l = fixture("mpl-2.0");
    assert_eq!(l.expression.as_deref(), Some("MPL-2.0"));
    let mut files: Vec<(String, Vec<u8>)> = ["mpl-2.0", "bsd-3"]
        .iter()
        .map(|case| {
            (
                format!("{case}/LICENSE"),
                std::fs::read(
                    Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("testdata/licenses")
                        .join(case)
                        .join("LICENSE"),
                )
                .expect("fixture"),
            )
        })
        .collect();
    files.sort();
    let l = detect(&files);
    assert_eq!(l.expression.as_deref(), Some("BSD-3-Clause AND MPL-2.0"));
}

fn fixture_text(case: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/licenses")
            .join(case)
            .join("LICENSE"),
    )
    .expect("fixture")
}

/// A file's verdict and extra words, alone.
fn one(path: &str, text: &str) -> ModuleLicense {
    detect(&[(path.into(), text.as_bytes().to_vec())])
}

#[test]
fn two_bsd_texts_with_a_note_between_are_bsd_3_not_sleepycat() {
    // The structure of a root LICENSE that carries the project's BSD-3-Clause text and then,
    // after a separator and a note on a copied file, the original's BSD-3-Clause text.
    let bsd = fixture_text("bsd-3");
    let text = format!(
        "This project is distributed under the BSD licence reproduced below.\n\n{bsd}\n\n-------\n\
         internal/wire/codec.go in this project is copied and modified from another project.\n\n\n{}",
        bsd.replace("The Example Authors", "The Other Authors")
    );
    // The whole file's closest licence is not BSD-3-Clause: only a section is.
    let (closest, score, _) = best_match(&TextData::new(&text));
    assert_ne!(closest, "BSD-3-Clause", "{closest} {score}");
    assert!(score < CONFIDENT, "{closest} {score}");
    let l = one("LICENSE", &text);
    assert_eq!(l.expression.as_deref(), Some("BSD-3-Clause"), "{l:?}");
    assert_eq!(ids(&l.files[0]), ["BSD-3-Clause"]);
    // The two notes (the first line, the copied-file line) are reported, not matched.
    assert!(
        (EXTRA_WORDS..=30).contains(&l.files[0].extra_words),
        "{l:?}"
    );
}

#[test]
fn a_bsd_text_with_an_added_paragraph_is_bsd_3_with_extra_text() {
    let text = format!(
        "{}\n\nIn addition, the authors ask every user who publishes results obtained with this \
         software to cite the project's paper, and to send a copy of the publication to the \
         authors at the address given in the documentation, so that they can keep a list of the \
         work it has helped.\n",
        fixture_text("bsd-3")
    );
    let l = one("LICENSE", &text);
    assert_eq!(l.expression.as_deref(), Some("BSD-3-Clause"), "{l:?}");
    assert_eq!(ids(&l.files[0]), ["BSD-3-Clause"]);
    let extra = l.files[0].extra_words;
    assert!((40..=60).contains(&extra), "{extra}: {l:?}");
    // The plain text has none.
    assert_eq!(fixture("bsd-3").files[0].extra_words, 0);
}

#[test]
fn a_permission_notice_close_to_a_rare_licence_is_not_taken_for_it() {
    // The structure of the Lucent Technologies notice: SMLNJ's permission and disclaimer with
    // another party named, and without the SML/NJ title.
    let text = "Copyright (C) 2003, 2004 by Acme\nAll Rights Reserved\n\n\
        Permission to use, copy, modify, and distribute this software and its documentation for \
        any purpose and without fee is hereby granted, provided that the above copyright notice \
        appear in all copies and that both that the copyright notice and this permission notice \
        and warranty disclaimer appear in supporting documentation, and that the name of Acme \
        or any of its entities not be used in advertising or publicity pertaining to \
        distribution of the software without specific, written prior permission.\n\n\
        ACME DISCLAIMS ALL WARRANTIES WITH REGARD TO THIS SOFTWARE, INCLUDING ALL \
        IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL ACME BE \
        LIABLE FOR ANY SPECIAL, INDIRECT OR CONSEQUENTIAL DAMAGES OR ANY \
        DAMAGES WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN ACTION OF \
        CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF OR IN CONNECTION WITH THE \
        USE OR PERFORMANCE OF THIS SOFTWARE.\n";
    // A score that would identify an OSI-approved licence, below the bar for a rare one.
    let (closest, score, _) = best_match(&TextData::new(text));
    assert_eq!(closest, "SMLNJ");
    assert!((CONFIDENT..CONFIDENT_RARE).contains(&score), "{score}");
    let l = one("LICENSE", text);
    assert_eq!(l.expression, None, "{l:?}");
    match &l.files[0].verdict {
        Verdict::LowConfidence(m) => assert_eq!(m.id, "SMLNJ"),
        other => panic!("{other:?}"),
    }
    assert_eq!(threshold("MIT"), CONFIDENT);
    assert_eq!(threshold("SMLNJ"), CONFIDENT_RARE);
    assert_eq!(threshold("LicenseRef-x"), CONFIDENT_RARE);
}

/// A text that is no licence (a logo's terms, say).
const ODD: &str = "The logo in this directory may be shown only next to the name of the \
    project and in its documentation; ask the authors before you use it anywhere else, or \
    change its colours or shape in any way.\n";

#[test]
fn an_unknown_file_below_the_root_is_a_part_not_the_whole() {
    let l = detect(&[
        ("LICENSE".into(), fixture_text("mit").into_bytes()),
        ("assets/LICENSE.md".into(), ODD.as_bytes().to_vec()),
    ]);
    assert_eq!(
        l.expression.as_deref(),
        Some("MIT AND LicenseRef-unknown-assets-LICENSE.md"),
        "{l:?}"
    );
    assert_eq!(l.status(), "partial");
    assert!(l.confidence.is_some_and(|c| c >= CONFIDENT));
    assert!(spdx::Expression::parse(l.expression.as_deref().expect("some")).is_ok());
    // At the root, the module's own licence is unknown.
    let l = detect(&[
        ("LICENSE".into(), fixture_text("mit").into_bytes()),
        ("LICENSE-LOGO".into(), ODD.as_bytes().to_vec()),
    ]);
    assert_eq!(l.expression, None, "{l:?}");
    assert_eq!(l.status(), "unknown");
    // Nothing identified anywhere: unknown too.
    let l = detect(&[("third_party/x/LICENSE".into(), ODD.as_bytes().to_vec())]);
    assert_eq!(l.expression, None);
    assert_eq!(l.status(), "unknown");
    // A stated choice keeps its parentheses.
    let l = detect(&[
        (
            "LICENSE".into(),
            std::fs::read(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("testdata/licenses/dual-one-file/LICENSE"),
            )
            .expect("fixture"),
        ),
        ("docs/LICENSE".into(), ODD.as_bytes().to_vec()),
    ]);
    assert_eq!(
        l.expression.as_deref(),
        Some("(Apache-2.0 OR MIT) AND LicenseRef-unknown-docs-LICENSE"),
        "{l:?}"
    );
}

#[test]
fn policy_fails_an_unknown_part_under_allow_and_deny_and_an_exception_passes_it() {
    let l = detect(&[
        ("LICENSE".into(), fixture_text("mit").into_bytes()),
        ("assets/LICENSE.md".into(), ODD.as_bytes().to_vec()),
    ]);
    let p = policy("[licenses]\nallow = [\"MIT\"]\n").expect("valid");
    let v = p.check("a", "v1.0.0", &l).expect("the unknown part fails");
    assert_eq!(
        v.message,
        "`MIT AND LicenseRef-unknown-assets-LICENSE.md`: `LicenseRef-unknown-assets-LICENSE.md` is a licence \
         file gomodoff could not identify (`assets/LICENSE.md` matches no licence): review it and add a \
         `[[licenses.exceptions]]` entry for the module with the reason"
    );
    // allow cannot name it.
    assert!(
        policy("[licenses]\nallow = [\"MIT\", \"LicenseRef-unknown-assets-LICENSE.md\"]\n")
            .expect("valid")
            .check("a", "v1.0.0", &l)
            .is_some()
    );
    // A deny-only policy fails it too, and says both reasons when both apply.
    let v = policy("[licenses]\ndeny = [\"MIT\"]\n")
        .expect("valid")
        .check("a", "v1.0.0", &l)
        .expect("fails");
    assert!(
        v.message.starts_with("`MIT AND LicenseRef-unknown-assets-LICENSE.md`: `MIT` is denied by gomodoff.toml [licenses]; `LicenseRef-unknown-assets-LICENSE.md` is a licence file"),
        "{v}"
    );
    let p = policy(
        "[licenses]\nallow = [\"MIT\"]\n[[licenses.exceptions]]\nmodule = \"a\"\nreason = \"the logo's terms, reviewed\"\n",
    )
    .expect("valid");
    assert_eq!(p.check("a", "v1.0.0", &l), None);
}

#[test]
fn a_readme_counts_only_for_a_licence_text_in_it() {
    let readme = format!(
        "goautoneg\n=========\n\nHTTP content type negotiation for Go, as a small package.\n\n\
         Usage: call Negotiate with the Accept header and the types you offer.\n\n{}",
        fixture_text("bsd-3")
    );
    let l = detect(&[
        ("LICENSE".into(), fixture_text("apache").into_bytes()),
        (
            "README.md".into(),
            b"# project\n\nSee LICENSE. Permission is hereby granted to nobody in particular.\n"
                .to_vec(),
        ),
        ("internal/goautoneg/README.txt".into(), readme.into_bytes()),
        (
            "docs/README".into(),
            b"How to build the documentation.\n".to_vec(),
        ),
    ]);
    assert_eq!(
        l.expression.as_deref(),
        Some("Apache-2.0 AND BSD-3-Clause"),
        "{l:?}"
    );
    let listed: Vec<_> = l.files.iter().map(|f| (f.path.as_str(), f.kind)).collect();
    assert_eq!(
        listed,
        [
            ("LICENSE", FileKind::License),
            ("internal/goautoneg/README.txt", FileKind::Readme)
        ]
    );
    // A README's prose around the licence is no extra licence text.
    assert_eq!(l.files[1].extra_words, 0);
    assert_eq!(file_kind("sub/README.md"), Some(FileKind::Readme));
}

#[test]
fn a_file_collecting_licence_texts_under_headings_gets_each() {
    // The structure of a `LICENSE-THIRD-PARTY`: an introduction, then per project a heading and
    // its licence text wrapped at 70 columns and indented — BSD-3-Clause, MIT, BSD-3-Clause
    // again, and a BSD text without its third clause.
    let indent = |t: &str| {
        let mut out = String::new();
        for para in t.split("\n\n") {
            let mut line = String::from("   ");
            for word in para.split_whitespace() {
                if line.len() + word.len() > 70 {
                    out.push_str(&line);
                    out.push('\n');
                    line = String::from("   ");
                }
                line.push(' ');
                line.push_str(word);
            }
            out.push_str(&line);
            out.push_str("\n\n");
        }
        out
    };
    let bsd = fixture_text("bsd-3");
    let two_clauses = bsd[..bsd
        .find("3. Neither")
        .expect("the SPDX text has a third clause")]
        .to_string()
        + &bsd[bsd
            .find("THIS SOFTWARE IS PROVIDED")
            .expect("and a disclaimer")..];
    let text = format!(
        "Our tools make use of third party projects, either by reusing their code, or by \
         statically linking them into resulting binaries. These projects are:\n\n\
         * The first project - https://example.com/first\n\n{}\n\
         * The second project - https://example.com/second\n\n{}\n\
         * The third project - https://example.com/third\n\n{}\n\
         * The fourth project - https://example.com/fourth\n\n{}",
        indent(&bsd),
        indent(&fixture_text("mit")),
        indent(&bsd.replace("The Example Authors", "The Third Authors")),
        indent(&two_clauses),
    );
    // The top-down scan (the last resort when nothing else matches) finds each text on its own
    // lines. (On this file the fitted sections find them already; on honnef.co/go/tools'
    // `LICENSE-THIRD-PARTY` they do not, and only the top-down scan does: see the corpus.)
    let data = TextData::new(&text);
    let mut found = Vec::new();
    let mut covered = Vec::new();
    top_down(&data, &mut found, &mut covered);
    let ids: Vec<&str> = found.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids[..3],
        ["BSD-3-Clause", "MIT", "BSD-3-Clause"],
        "{found:?}"
    );
    assert!(covered.windows(2).all(|w| w[0].1 <= w[1].0), "{covered:?}");
    assert!(found.iter().all(|m| m.score >= CONFIDENT));
    let l = one("LICENSE-THIRD-PARTY", &text);
    assert_eq!(
        l.expression.as_deref(),
        Some("BSD-2-Clause AND BSD-3-Clause AND MIT"),
        "{l:?}"
    );
    assert!(l.files[0].extra_words > 0, "{l:?}");
}

/// A licence text from the spdx crate's store (its normalized lines, from `start` up to the line
/// `until`), laid out as the FSF's files are: a centred title, paragraphs wrapped at 72 columns
/// and indented by two spaces.
fn fsf_layout(name: &str, until: Option<&str>) -> String {
    let (_, entry) = store()
        .iter()
        .find(|(n, _)| n.as_str() == name)
        .expect("the store holds the licence");
    let lines = entry.original.lines();
    let end = until.map_or(lines.len(), |t| {
        lines
            .iter()
            .skip(1)
            .position(|l| l.trim() == t)
            .expect("the text holds the line")
            + 1
    });
    let mut out = format!("                   {}\n", lines[0].trim());
    for l in &lines[1..end] {
        let mut line = String::from(" ");
        for word in l.split_whitespace() {
            if line.len() + word.len() > 72 {
                out.push_str(&line);
                out.push('\n');
                line = String::new();
            }
            line.push(' ');
            line.push_str(word);
        }
        out.push_str(&line);
        out.push_str("\n\n");
    }
    out
}

#[test]
fn the_lgpl_3_alone_in_its_file_is_the_lgpl_and_the_gpl_3_stays_the_gpl() {
    // The layout of a project shipping the GPL-3.0 in `COPYING` and the LGPL-3.0's own terms in
    // `COPYING.LESSER`. The SPDX text of the LGPL-3.0 carries the whole GPL-3.0 after the
    // LGPL's terms, so the LGPL's terms alone are far from it as a whole.
    let lesser = fsf_layout("LGPL-3.0-or-later", Some("GNU GENERAL PUBLIC LICENSE"));
    let gpl = fsf_layout("GPL-3.0-or-later", None);
    assert!(lesser.contains("GNU LESSER GENERAL PUBLIC LICENSE"));
    assert!(!lesser.contains("Preamble"), "the GPL is cut off");
    let analysis = store().analyze(&TextData::new(&lesser));
    assert!(analysis.score < 0.5, "{} {}", analysis.name, analysis.score);

    let l = one("COPYING.LESSER", &lesser);
    assert_eq!(l.expression.as_deref(), Some("LGPL-3.0-or-later"), "{l:?}");
    assert!(l.confidence.is_some_and(|c| c >= WHOLE), "{l:?}");
    assert_eq!(l.files[0].extra_words, 0, "{l:?}");

    // The GPL-3.0 alone is the GPL, not the LGPL (it scores 0.9 against the LGPL's SPDX text).
    let l = one("COPYING", &gpl);
    assert_eq!(l.expression.as_deref(), Some("GPL-3.0-or-later"), "{l:?}");

    // Both files: both licences.
    let l = detect(&[
        ("COPYING".into(), gpl.clone().into_bytes()),
        ("COPYING.LESSER".into(), lesser.clone().into_bytes()),
    ]);
    assert_eq!(
        l.expression.as_deref(),
        Some("GPL-3.0-or-later AND LGPL-3.0-or-later"),
        "{l:?}"
    );

    // The LGPL's terms followed by the GPL in one file (as SPDX gives the LGPL-3.0) is the LGPL.
    let l = one("LICENSE", &format!("{lesser}\n{gpl}"));
    assert_eq!(l.expression.as_deref(), Some("LGPL-3.0-or-later"), "{l:?}");

    // The LGPL's terms followed by another licence in one file: each is found as a section.
    let l = one(
        "COPYING.LESSER",
        &format!(
            "{lesser}\n--------\nThe file internal/bits.go is copied from another project, \
             under these terms:\n\n{}",
            fixture_text("mit")
        ),
    );
    assert_eq!(
        l.expression.as_deref(),
        Some("LGPL-3.0-or-later AND MIT"),
        "{l:?}"
    );
}

#[test]
fn each_text_carrying_another_has_its_own_part() {
    // A newer spdx crate whose LGPL-3.0 text no longer carries the GPL (or names it otherwise)
    // must be noticed, not silently drop the part.
    let parts = lesser_parts();
    assert_eq!(parts.len(), CARRIES.len());
    for ((name, part), (carrier, title)) in parts.iter().zip(CARRIES) {
        assert_eq!(*name, carrier);
        let (_, whole) = store()
            .iter()
            .find(|(n, _)| n.as_str() == *name)
            .expect("the store holds the licence");
        let (start, end) = part.lines_view();
        assert_eq!(start, 0);
        assert!(
            part.lines()[0].contains("LESSER"),
            "{name}: {:?}",
            part.lines()[0]
        );
        // The part stops where the carried text's title is, well inside the whole text.
        assert_eq!(whole.original.lines()[end].trim(), title);
        assert!(
            end > 40 && end * 2 < whole.original.lines().len(),
            "{name}: {end}"
        );
    }
}

#[test]
fn remembered_scans_and_comparisons_answer_only_for_the_same_input() {
    // The same bytes under another kind of file: a notice without a licence text is a notice, a
    // licence file with the same words is unknown.
    let note = "This product includes software developed at Example Corp, and the people listed \
                in the AUTHORS file of its source distribution.\n";
    let as_notice = scan_once(FileKind::Notice, note.as_bytes(), note);
    let as_licence = scan_once(FileKind::License, note.as_bytes(), note);
    assert_eq!(as_notice.0, Verdict::Notice);
    assert!(
        matches!(as_licence.0, Verdict::Unknown(_)),
        "{as_licence:?}"
    );
    assert_eq!(
        scan_once(FileKind::Notice, note.as_bytes(), note),
        as_notice
    );

    // A text with the same words outside copyright lines (the same bucket) but other n-grams:
    // a long line naming the copyright holders that carries a whole other licence's words. Its
    // comparisons are its own, not the plain text's.
    let bsd = fixture_text("bsd-3");
    let mit = fixture_text("mit")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let with = format!("{bsd}\nCopyright notice of the contributors, who also say: {mit}\n");
    let plain = best_match(&TextData::new(&bsd));
    let other = best_match(&TextData::new(&with));
    let fresh = best_match_of(&TextData::new(&with));
    assert_eq!((other.0, other.1), (fresh.0, fresh.1));
    assert!(
        other.1 < plain.1,
        "{} {} / {} {}",
        plain.0,
        plain.1,
        other.0,
        other.1
    );
    // And the whole scan, the second time from memory, equals a fresh one.
    let bytes = with.as_bytes();
    let first = scan_once(FileKind::License, bytes, &with);
    assert_eq!(first, scan(FileKind::License, &with));
    assert_eq!(scan_once(FileKind::License, bytes, &with), first);
}

#[test]
fn a_cc0_dedication_notice_is_cc0() {
    // The structure of github.com/AndreasBriese/bbloom's LICENSE: one file's MIT licence, then
    // another file's CC0 dedication notice (the SPDX texts have no notice to match it with).
    let notice = "// To the extent possible under law, the author have dedicated all copyright\n\
                  // and related and neighboring rights to this software to the public domain\n\
                  // worldwide. This software is distributed without any warranty.\n\
                  // http://creativecommons.org/publicdomain/zero/1.0/\n";
    let text = format!(
        "bbloom.go\n\n{}\n\nsiphash.go\n\n// https://github.com/dchest/siphash\n//\n\
         // Written in 2012 by Dmitry Chestnykh.\n//\n{notice}//\n\
         // Package siphash implements SipHash-2-4, a fast short-input PRF\n\
         // created by Jean-Philippe Aumasson and Daniel J. Bernstein.\n",
        fixture_text("mit")
    );
    let l = one("LICENSE", &text);
    assert_eq!(l.expression.as_deref(), Some("CC0-1.0 AND MIT"), "{l:?}");
    assert_eq!(ids(&l.files[0]), ["CC0-1.0", "MIT"]);

    // Alone in its file, and in the words Creative Commons suggests.
    let alone = format!("Written in 2012 by Dmitry Chestnykh.\n\n{notice}");
    let l = one("LICENSE", &alone);
    assert_eq!(l.expression.as_deref(), Some("CC0-1.0"), "{l:?}");
    let suggested = "To the extent possible under law, Example Person has waived all copyright and\n\
                     related or neighboring rights to Example Work. This work is published from:\n\
                     Germany.\n\nhttps://creativecommons.org/publicdomain/zero/1.0/\n";
    let l = one("COPYING", suggested);
    assert_eq!(l.expression.as_deref(), Some("CC0-1.0"), "{l:?}");

    // Without the CC0 address it names no licence; nor next to a text nothing matched (the
    // notice is then only a part of an unknown file).
    let bare = "To the extent possible under law, the authors have dedicated all copyright\n\
                to the public domain worldwide.\n";
    let l = one("LICENSE", bare);
    assert_eq!(l.expression, None, "{l:?}");
    let custom = format!(
        "{notice}\nThe data files in this directory may only be used for the evaluation of the \
         software, may not be redistributed in any form, and must be deleted when the evaluation \
         period of thirty days has ended, unless a written agreement says otherwise.\n"
    );
    let l = one("LICENSE", &custom);
    assert_eq!(l.expression, None, "{l:?}");
    assert!(
        !matches!(l.files[0].verdict, Verdict::Identified(_)),
        "{l:?}"
    );
}
