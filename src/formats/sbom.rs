//! Software bills of materials of what was laid out: CycloneDX 1.6 JSON and SPDX 2.3 JSON, from
//! a plain description ([`Bom`]) of the main module, the module versions carried (with their
//! `h1:` hashes, the SHA-256 of their zip where one is laid out, their licence and replacement)
//! and the module graph's edges. Deterministic: components and edges in a stable order, no
//! timestamp unless one is given (SPDX requires one: the Unix epoch then), and the serial number
//! (CycloneDX) and document namespace (SPDX) derived from a hash of the rest of the document.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::formats::licenses::{ModuleLicense, Verdict};

/// What an SBOM describes.
#[derive(Debug, Clone, Default)]
pub struct Bom {
    /// The main module's path (the root component); several for a workspace, the first the root
    /// and every other one a component of its own (an application, without a version), each
    /// with its own edges.
    pub main: Vec<String>,
    /// Every module version carried, in any order.
    pub components: Vec<Component>,
    /// Edges of the module graph, by (path, version) of the content (the main modules with an
    /// empty version): who requires whom. Edges to modules that are not components are dropped.
    pub dependencies: BTreeMap<(String, String), BTreeSet<(String, String)>>,
    /// How the modules were laid out (`replace mode`, `bundle`, …), recorded as a property.
    pub source: String,
    /// gomodoff's version, recorded as the tool.
    pub tool_version: String,
    /// RFC 3339 UTC time to record; `None` for none (SPDX: the Unix epoch).
    pub timestamp: Option<String>,
}

/// One module version in the bill of materials.
#[derive(Debug, Clone)]
pub struct Component {
    /// The module the content is (for a fork replacement, the fork).
    pub path: String,
    pub version: String,
    /// go.sum's `h1:` of the module zip, when the module's files are carried.
    pub zip_h1: Option<String>,
    /// go.sum's `h1:` of its go.mod.
    pub gomod_h1: Option<String>,
    /// SHA-256 (hex) of the module zip, where a zip is laid out (proxy mode, a bundle, a tree).
    pub zip_sha256: Option<String>,
    /// `None` when no file of the module is carried (only its go.mod).
    pub license: Option<ModuleLicense>,
    pub replacement: Option<Replacement>,
}

/// How a module of the build list is replaced (go.mod `replace`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replacement {
    /// The component (a fork, `path@version`) stands in for this module version (`version`
    /// `None` for a path-wide replace).
    Fork {
        path: String,
        version: Option<String>,
    },
    /// The module is built from a local directory (the component's version is the required
    /// one; nothing of it is carried).
    Directory { dir: String },
}

/// The package URL of a Go module version: `pkg:golang/<path>@<version>`, each path segment and
/// the version percent-encoded as the purl spec says (`+incompatible` → `%2Bincompatible`). The
/// module path keeps its case: Go module paths are case-sensitive (`github.com/BurntSushi/toml`
/// and `github.com/burntsushi/toml` are two modules), so lowering it would name another module.
pub fn purl(path: &str, version: &str) -> String {
    let encoded: Vec<String> = path.split('/').map(percent_encode).collect();
    if version.is_empty() {
        format!("pkg:golang/{}", encoded.join("/"))
    } else {
        format!(
            "pkg:golang/{}@{}",
            encoded.join("/"),
            percent_encode(version)
        )
    }
}

/// The CycloneDX 1.6 JSON document.
pub fn cyclonedx(bom: &Bom) -> Value {
    let components = sorted(&bom.components);
    let root = bom.main.first().cloned().unwrap_or_default();
    let root_ref = purl(&root, "");
    let mut metadata = serde_json::Map::new();
    if let Some(t) = &bom.timestamp {
        metadata.insert("timestamp".into(), t.clone().into());
    }
    metadata.insert(
        "tools".into(),
        json!({"components": [{
            "type": "application",
            "name": "gomodoff",
            "version": bom.tool_version,
        }]}),
    );
    metadata.insert(
        "component".into(),
        json!({
            "type": "application",
            "bom-ref": root_ref,
            "name": root,
            "purl": root_ref,
        }),
    );
    metadata.insert(
        "properties".into(),
        json!([{"name": "gomodoff:source", "value": bom.source}]),
    );
    let components_json: Vec<Value> = bom
        .main
        .iter()
        .skip(1)
        .map(|m| {
            json!({
                "type": "application",
                "bom-ref": purl(m, ""),
                "name": m,
                "purl": purl(m, ""),
                "properties": [{"name": "gomodoff:workspace-module", "value": "true"}],
            })
        })
        .chain(components.iter().map(|c| cyclonedx_component(c, &bom.main)))
        .collect();
    let mut doc = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": Value::Object(metadata),
        "components": components_json,
        "dependencies": edges(bom, &components)
            .into_iter()
            .map(|(from, to)| json!({"ref": from, "dependsOn": to}))
            .collect::<Vec<_>>(),
    });
    let serial = format!("urn:uuid:{}", content_uuid(&doc));
    if let Value::Object(map) = &mut doc {
        let mut out = serde_json::Map::new();
        for (k, v) in std::mem::take(map) {
            out.insert(k.clone(), v);
            if k == "specVersion" {
                out.insert("serialNumber".into(), serial.clone().into());
            }
        }
        *map = out;
    }
    doc
}

/// The SPDX 2.3 JSON document.
pub fn spdx(bom: &Bom) -> Value {
    let components = sorted(&bom.components);
    let root = bom.main.first().cloned().unwrap_or_default();
    let root_id = spdx_id(&purl(&root, ""));
    let main_package = |m: &str| {
        json!({
            "name": m,
            "SPDXID": spdx_id(&purl(m, "")),
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "APPLICATION",
            "externalRefs": [purl_ref(&purl(m, ""))],
        })
    };
    let mut packages = vec![main_package(&root)];
    // A workspace's other modules: described too, each with its own edges.
    packages.extend(bom.main.iter().skip(1).map(|m| main_package(m)));
    let mut refs = BTreeSet::new();
    for c in &components {
        packages.push(spdx_package(c, &mut refs));
    }
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": root_id,
    })];
    for m in bom.main.iter().skip(1) {
        relationships.push(json!({
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relationshipType": "DESCRIBES",
            "relatedSpdxElement": spdx_id(&purl(m, "")),
        }));
    }
    for (from, to) in edges(bom, &components) {
        for t in to {
            relationships.push(json!({
                "spdxElementId": spdx_id(&from),
                "relationshipType": "DEPENDS_ON",
                "relatedSpdxElement": spdx_id(&t),
            }));
        }
    }
    let mut doc = json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": root,
        "creationInfo": {
            "created": bom.timestamp.clone().unwrap_or_else(|| "1970-01-01T00:00:00Z".into()),
            "creators": [format!("Tool: gomodoff-{}", bom.tool_version)],
        },
        "packages": packages,
        "relationships": relationships,
    });
    if !refs.is_empty() {
        doc["hasExtractedLicensingInfos"] = refs
            .iter()
            .map(|r: &String| {
                let text = if r.starts_with(crate::formats::licenses::UNKNOWN_REF) {
                    "A licence file gomodoff could not identify (its path follows `LicenseRef-unknown-`); see the module's licence files."
                } else {
                    "A licence text outside the SPDX licence list; see the module's licence files."
                };
                json!({
                    "licenseId": r,
                    "extractedText": text,
                })
            })
            .collect::<Vec<_>>()
            .into();
    }
    let namespace = format!(
        "https://gomodoff.invalid/spdx/{}-{}",
        root.replace('/', "-"),
        content_uuid(&doc)
    );
    if let Value::Object(map) = &mut doc {
        let mut out = serde_json::Map::new();
        for (k, v) in std::mem::take(map) {
            out.insert(k.clone(), v);
            if k == "name" {
                out.insert("documentNamespace".into(), namespace.clone().into());
            }
        }
        *map = out;
    }
    doc
}

/// Components sorted by path and version (the input order is whatever the caller's was).
fn sorted(components: &[Component]) -> Vec<&Component> {
    let mut v: Vec<&Component> = components.iter().collect();
    v.sort_by(|a, b| (&a.path, &a.version).cmp(&(&b.path, &b.version)));
    v
}

/// The graph's edges between the main modules and components, by purl, sorted; every main
/// module and component has an entry (CycloneDX lists leaves with an empty `dependsOn`).
fn edges(bom: &Bom, components: &[&Component]) -> BTreeMap<String, Vec<String>> {
    let known: BTreeSet<(String, String)> = components
        .iter()
        .map(|c| (c.path.clone(), c.version.clone()))
        .collect();
    let main: BTreeSet<&str> = bom.main.iter().map(String::as_str).collect();
    let node = |(p, v): &(String, String)| -> Option<String> {
        if v.is_empty() && main.contains(p.as_str()) {
            Some(purl(p, ""))
        } else if known.contains(&(p.clone(), v.clone())) {
            Some(purl(p, v))
        } else {
            None
        }
    };
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for m in &bom.main {
        out.insert(purl(m, ""), BTreeSet::new());
    }
    for c in components {
        out.insert(purl(&c.path, &c.version), BTreeSet::new());
    }
    for (from, tos) in &bom.dependencies {
        let Some(f) = node(from) else { continue };
        for to in tos {
            if let Some(t) = node(to)
                && t != f
            {
                out.entry(f.clone()).or_default().insert(t);
            }
        }
    }
    out.into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect()
}

fn cyclonedx_component(c: &Component, _main: &[String]) -> Value {
    let r = purl(&c.path, &c.version);
    let mut m = serde_json::Map::new();
    m.insert("type".into(), "library".into());
    m.insert("bom-ref".into(), r.clone().into());
    m.insert("name".into(), c.path.clone().into());
    m.insert("version".into(), c.version.clone().into());
    if !matches!(c.replacement, Some(Replacement::Directory { .. })) {
        m.insert("purl".into(), r.into());
    }
    if let Some(sha) = &c.zip_sha256 {
        m.insert("hashes".into(), json!([{"alg": "SHA-256", "content": sha}]));
    }
    if let Some(expr) = c.license.as_ref().and_then(|l| l.expression.as_ref()) {
        m.insert(
            "licenses".into(),
            json!([{"expression": expr, "acknowledgement": "concluded"}]),
        );
    }
    let mut props = Vec::new();
    if let Some(h) = &c.zip_h1 {
        props.push(json!({"name": "gomodoff:go.sum:h1", "value": h}));
    }
    if let Some(h) = &c.gomod_h1 {
        props.push(json!({"name": "gomodoff:go.sum:go.mod-h1", "value": h}));
    }
    if let Some(l) = &c.license {
        props.push(json!({"name": "gomodoff:license:status", "value": l.status()}));
        for f in &l.files {
            props.push(json!({"name": "gomodoff:license:file", "value": file_note(f)}));
        }
    }
    match &c.replacement {
        Some(Replacement::Fork { path, version }) => {
            let replaced = match version {
                Some(v) => purl(path, v),
                None => purl(path, ""),
            };
            let mut ancestor = json!({
                "type": "library",
                "name": path,
                "purl": replaced,
            });
            if let Some(v) = version {
                ancestor["version"] = v.clone().into();
            }
            m.insert(
                "pedigree".into(),
                json!({
                    "ancestors": [ancestor],
                    "notes": format!("go.mod replaces {} with {}@{}", path_at(path, version.as_deref()), c.path, c.version),
                }),
            );
            props.push(
                json!({"name": "gomodoff:replaces", "value": path_at(path, version.as_deref())}),
            );
        }
        Some(Replacement::Directory { dir }) => {
            props.push(json!({"name": "gomodoff:replaced-by-directory", "value": dir}));
        }
        None => {}
    }
    if !props.is_empty() {
        m.insert("properties".into(), props.into());
    }
    Value::Object(m)
}

fn spdx_package(c: &Component, refs: &mut BTreeSet<String>) -> Value {
    let r = purl(&c.path, &c.version);
    let mut m = serde_json::Map::new();
    m.insert("name".into(), c.path.clone().into());
    m.insert("SPDXID".into(), spdx_id(&r).into());
    m.insert("versionInfo".into(), c.version.clone().into());
    m.insert("downloadLocation".into(), "NOASSERTION".into());
    m.insert("filesAnalyzed".into(), false.into());
    if let Some(sha) = &c.zip_sha256 {
        m.insert(
            "checksums".into(),
            json!([{"algorithm": "SHA256", "checksumValue": sha}]),
        );
    }
    let concluded = c
        .license
        .as_ref()
        .and_then(|l| l.expression.clone())
        .unwrap_or_else(|| "NOASSERTION".into());
    for word in concluded.split_whitespace() {
        let id = word.trim_matches(['(', ')']);
        if id.starts_with("LicenseRef-") {
            refs.insert(id.to_string());
        }
    }
    m.insert("licenseConcluded".into(), concluded.into());
    m.insert("licenseDeclared".into(), "NOASSERTION".into());
    m.insert("copyrightText".into(), "NOASSERTION".into());
    if !matches!(c.replacement, Some(Replacement::Directory { .. })) {
        m.insert("externalRefs".into(), json!([purl_ref(&r)]));
    }
    let mut notes = Vec::new();
    if let Some(h) = &c.zip_h1 {
        notes.push(format!("go.sum: {} {} {h}", c.path, c.version));
    }
    if let Some(h) = &c.gomod_h1 {
        notes.push(format!("go.sum: {} {}/go.mod {h}", c.path, c.version));
    }
    if let Some(l) = &c.license {
        for f in &l.files {
            notes.push(format!("licence file: {}", file_note(f)));
        }
    }
    if !notes.is_empty() {
        m.insert("comment".into(), notes.join("\n").into());
    }
    match &c.replacement {
        Some(Replacement::Fork { path, version }) => {
            m.insert(
                "sourceInfo".into(),
                format!(
                    "go.mod replaces {} with {}@{}",
                    path_at(path, version.as_deref()),
                    c.path,
                    c.version
                )
                .into(),
            );
        }
        Some(Replacement::Directory { dir }) => {
            m.insert(
                "sourceInfo".into(),
                format!(
                    "go.mod replaces {}@{} with the local directory {dir}",
                    c.path, c.version
                )
                .into(),
            );
        }
        None => {}
    }
    Value::Object(m)
}

fn purl_ref(purl: &str) -> Value {
    json!({
        "referenceCategory": "PACKAGE-MANAGER",
        "referenceType": "purl",
        "referenceLocator": purl,
    })
}

fn path_at(path: &str, version: Option<&str>) -> String {
    match version {
        Some(v) => format!("{path}@{v}"),
        None => path.to_string(),
    }
}

/// A licence file and what it was found to be: `LICENSE (MIT, 100%)`.
fn file_note(f: &crate::formats::licenses::LicenseFile) -> String {
    let what = match &f.verdict {
        Verdict::Identified(m) => m
            .iter()
            .map(|m| format!("{} {:.0}%", m.id, m.score * 100.0))
            .collect::<Vec<_>>()
            .join(", "),
        Verdict::LowConfidence(m) => format!("unknown, resembles {} {:.0}%", m.id, m.score * 100.0),
        Verdict::Unknown(_) => "unknown".into(),
        Verdict::Notice => "notice".into(),
    };
    if f.extra_words > 0 {
        format!("{} ({what}; {} words of other text)", f.path, f.extra_words)
    } else {
        format!("{} ({what})", f.path)
    }
}

/// An SPDX element id for a purl: `SPDXRef-` and the purl with every character outside
/// `[A-Za-z0-9.-]` as `-`, plus 8 hex digits of its hash so that two purls never share one.
fn spdx_id(purl: &str) -> String {
    let clean = super::licenses::spdx_idstring(purl.trim_start_matches("pkg:"));
    let h = Sha256::digest(purl.as_bytes());
    format!("SPDXRef-{clean}-{}", hex::encode(&h[..4]))
}

/// A UUID (the RFC 4122 layout, version 5 bits) from the SHA-256 of a document's JSON: the same
/// document always gets the same one, another document another.
fn content_uuid(doc: &Value) -> String {
    let bytes = serde_json::to_vec(doc).expect("a serde_json::Value always serialises");
    let h = Sha256::digest(&bytes);
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}

/// Percent-encode everything but the purl spec's unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_keep_case_and_encode_plus() {
        assert_eq!(
            purl("github.com/BurntSushi/toml", "v1.3.2"),
            "pkg:golang/github.com/BurntSushi/toml@v1.3.2"
        );
        assert_eq!(
            purl("github.com/docker/docker", "v24.0.7+incompatible"),
            "pkg:golang/github.com/docker/docker@v24.0.7%2Bincompatible"
        );
        assert_eq!(
            purl("golang.org/x/net", "v0.0.0-20200226121028-0de0cce0169b"),
            "pkg:golang/golang.org/x/net@v0.0.0-20200226121028-0de0cce0169b"
        );
        assert_eq!(purl("example.com/main", ""), "pkg:golang/example.com/main");
    }

    #[test]
    fn uuids_are_derived_from_content() {
        let a = content_uuid(&json!({"a": 1}));
        assert_eq!(a, content_uuid(&json!({"a": 1})));
        assert_ne!(a, content_uuid(&json!({"a": 2})));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "5");
    }

    #[test]
    fn spdx_ids_are_distinct_and_valid() {
        let a = spdx_id("pkg:golang/a/b@v1.0.0");
        let b = spdx_id("pkg:golang/a-b@v1.0.0");
        assert_ne!(a, b);
        assert!(
            a.strip_prefix("SPDXRef-")
                .unwrap()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        );
    }
}
