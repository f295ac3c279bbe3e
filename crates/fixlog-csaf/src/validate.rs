//! CSAF 2.0 validation: the JSON Schema (test 6.1.8 and the schema part of conformance clause 1)
//! plus the mandatory tests of CSAF 2.0 §6.1 listed in [`IMPLEMENTED`].
//!
//! Each test is a pure function of the document `Value` returning [`Finding`]s with the JSON
//! pointer at fault, following the preconditions of the reference implementation
//! (`@secvisogram/csaf-validator-lib`), so both give the same verdict on the OASIS test files.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::Value;

use crate::cwe;
use crate::schema::{SchemaKind, schema_errors};

/// The mandatory tests fixlog implements, by CSAF 2.0 section number.
pub const IMPLEMENTED: &[&str] = &[
    "6.1.1",
    "6.1.2",
    "6.1.3",
    "6.1.4",
    "6.1.5",
    "6.1.6",
    "6.1.7",
    "6.1.8",
    "6.1.11",
    "6.1.14",
    "6.1.15",
    "6.1.16",
    "6.1.17",
    "6.1.18",
    "6.1.19",
    "6.1.20",
    "6.1.21",
    "6.1.22",
    "6.1.23",
    "6.1.24",
    "6.1.25",
    "6.1.26",
    "6.1.27.1",
    "6.1.27.2",
    "6.1.27.3",
    "6.1.27.4",
    "6.1.27.5",
    "6.1.27.6",
    "6.1.27.11",
    "6.1.28",
    "6.1.29",
    "6.1.31",
    "6.1.32",
];

/// One failed check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The test, e.g. `6.1.6`, or `schema` for a JSON Schema violation (which is test 6.1.8
    /// when it concerns a CVSS object).
    pub test: &'static str,
    /// JSON pointer into the document.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// The result of validating one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Every failed check; the document is valid when empty.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Whether the document passed the schema and every implemented mandatory test.
    pub fn is_valid(&self) -> bool {
        self.findings.is_empty()
    }

    /// The tests that failed, without repetition.
    pub fn failed_tests(&self) -> BTreeSet<&'static str> {
        self.findings.iter().map(|f| f.test).collect()
    }
}

/// Validates a CSAF 2.0 document: the strict schema (no properties the schema does not define,
/// as the reference validator) plus every implemented mandatory test.
pub fn validate(doc: &Value) -> Report {
    let mut findings: Vec<Finding> = schema_errors(SchemaKind::CsafStrict, doc)
        .into_iter()
        .map(|e| Finding {
            test: "schema",
            path: e.path,
            message: e.message,
        })
        .collect();
    findings.extend(mandatory(doc));
    Report { findings }
}

/// Runs only the implemented mandatory tests (no schema), e.g. to compare test by test.
pub fn mandatory(doc: &Value) -> Vec<Finding> {
    let mut out = Findings::default();
    let facts = Facts::collect(doc);
    test_6_1_1(&facts, &mut out);
    test_6_1_2(&facts, &mut out);
    test_6_1_3(doc, &mut out);
    test_6_1_4_and_5(doc, &mut out);
    test_6_1_6(doc, &mut out);
    test_6_1_7(doc, &mut out);
    test_6_1_11(doc, &mut out);
    test_tracking(doc, &mut out);
    test_6_1_15(doc, &mut out);
    test_6_1_23(doc, &mut out);
    test_6_1_24(doc, &mut out);
    test_6_1_25(&facts, &mut out);
    test_6_1_26(doc, &mut out);
    test_6_1_27(doc, &mut out);
    test_6_1_28(doc, &mut out);
    test_6_1_29_and_32(doc, &mut out);
    test_6_1_31(doc, &mut out);
    out.0
}

#[derive(Default)]
struct Findings(Vec<Finding>);

impl Findings {
    fn push(&mut self, test: &'static str, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Finding {
            test,
            path: path.into(),
            message: message.into(),
        });
    }
}

fn array(value: Option<&Value>) -> &[Value] {
    value.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn text(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str)
}

/// Product definitions and references, collected once.
#[derive(Default)]
struct Facts<'a> {
    /// `(path, product_id)` of every definition.
    definitions: Vec<(String, &'a str)>,
    /// `(path, product_id)` of every reference.
    references: Vec<(String, &'a str)>,
    /// Every `product_identification_helper` with its path.
    helpers: Vec<(String, &'a Value)>,
}

impl<'a> Facts<'a> {
    fn collect(doc: &'a Value) -> Self {
        let mut facts = Facts::default();
        let tree = doc.get("product_tree");
        if let Some(tree) = tree {
            facts.branches(array(tree.get("branches")), "/product_tree/branches");
            for (i, product) in array(tree.get("full_product_names")).iter().enumerate() {
                facts.product(product, format!("/product_tree/full_product_names/{i}"));
            }
            for (i, relationship) in array(tree.get("relationships")).iter().enumerate() {
                let at = format!("/product_tree/relationships/{i}");
                if let Some(product) = relationship.get("full_product_name") {
                    facts.product(product, format!("{at}/full_product_name"));
                }
                for key in ["product_reference", "relates_to_product_reference"] {
                    if let Some(id) = text(relationship.get(key)) {
                        facts.references.push((format!("{at}/{key}"), id));
                    }
                }
            }
            for (i, group) in array(tree.get("product_groups")).iter().enumerate() {
                for (j, id) in array(group.get("product_ids")).iter().enumerate() {
                    if let Some(id) = id.as_str() {
                        facts.references.push((
                            format!("/product_tree/product_groups/{i}/product_ids/{j}"),
                            id,
                        ));
                    }
                }
            }
        }
        for (v, vulnerability) in array(doc.get("vulnerabilities")).iter().enumerate() {
            let at = format!("/vulnerabilities/{v}");
            if let Some(status) = vulnerability
                .get("product_status")
                .and_then(Value::as_object)
            {
                for (key, ids) in status {
                    for (j, id) in array(Some(ids)).iter().enumerate() {
                        if let Some(id) = id.as_str() {
                            facts
                                .references
                                .push((format!("{at}/product_status/{key}/{j}"), id));
                        }
                    }
                }
            }
            for (list, key) in [
                ("remediations", "product_ids"),
                ("scores", "products"),
                ("threats", "product_ids"),
                ("flags", "product_ids"),
            ] {
                for (i, item) in array(vulnerability.get(list)).iter().enumerate() {
                    for (j, id) in array(item.get(key)).iter().enumerate() {
                        if let Some(id) = id.as_str() {
                            facts
                                .references
                                .push((format!("{at}/{list}/{i}/{key}/{j}"), id));
                        }
                    }
                }
            }
        }
        facts
    }

    fn branches(&mut self, branches: &'a [Value], at: &str) {
        for (i, branch) in branches.iter().enumerate() {
            let here = format!("{at}/{i}");
            if let Some(product) = branch.get("product") {
                self.product(product, format!("{here}/product"));
            }
            self.branches(array(branch.get("branches")), &format!("{here}/branches"));
        }
    }

    fn product(&mut self, product: &'a Value, at: String) {
        if let Some(helper) = product.get("product_identification_helper") {
            self.helpers
                .push((format!("{at}/product_identification_helper"), helper));
        }
        if let Some(id) = text(product.get("product_id")) {
            self.definitions.push((format!("{at}/product_id"), id));
        }
    }
}

/// 6.1.1 Missing Definition of Product ID.
fn test_6_1_1(facts: &Facts, out: &mut Findings) {
    let defined: HashSet<&str> = facts.definitions.iter().map(|(_, id)| *id).collect();
    for (path, id) in &facts.references {
        if !defined.contains(id) {
            out.push("6.1.1", path, format!("product id {id} is not defined"));
        }
    }
}

/// 6.1.2 Multiple Definition of Product ID.
fn test_6_1_2(facts: &Facts, out: &mut Findings) {
    let mut seen = HashSet::new();
    for (path, id) in &facts.definitions {
        if !seen.insert(*id) {
            out.push("6.1.2", path, format!("product id {id} is defined twice"));
        }
    }
}

/// 6.1.3 Circular Definition of Product ID.
fn test_6_1_3(doc: &Value, out: &mut Findings) {
    let relationships = array(doc.pointer("/product_tree/relationships"));
    let mut edges: HashMap<&str, Vec<&str>> = HashMap::new();
    for relationship in relationships {
        if let (Some(id), Some(reference), Some(relates)) = (
            text(relationship.pointer("/full_product_name/product_id")),
            text(relationship.get("product_reference")),
            text(relationship.get("relates_to_product_reference")),
        ) {
            edges.entry(id).or_default().extend([reference, relates]);
        }
    }
    for (i, relationship) in relationships.iter().enumerate() {
        let Some(start) = text(relationship.pointer("/full_product_name/product_id")) else {
            continue;
        };
        let mut stack: Vec<&str> = edges.get(start).cloned().unwrap_or_default();
        let mut visited = HashSet::new();
        while let Some(next) = stack.pop() {
            if next == start {
                out.push(
                    "6.1.3",
                    format!("/product_tree/relationships/{i}/full_product_name/product_id"),
                    "circular definition of product id",
                );
                break;
            }
            if visited.insert(next) {
                stack.extend(edges.get(next).into_iter().flatten());
            }
        }
    }
}

/// 6.1.4 Missing Definition of Product Group ID and 6.1.5 Multiple Definition of Product Group ID.
fn test_6_1_4_and_5(doc: &Value, out: &mut Findings) {
    let mut defined = HashSet::new();
    for (i, group) in array(doc.pointer("/product_tree/product_groups"))
        .iter()
        .enumerate()
    {
        if let Some(id) = text(group.get("group_id"))
            && !defined.insert(id)
        {
            out.push(
                "6.1.5",
                format!("/product_tree/product_groups/{i}/group_id"),
                format!("group id {id} is defined twice"),
            );
        }
    }
    for (v, vulnerability) in array(doc.get("vulnerabilities")).iter().enumerate() {
        for list in ["remediations", "threats", "flags"] {
            for (i, item) in array(vulnerability.get(list)).iter().enumerate() {
                for (j, id) in array(item.get("group_ids")).iter().enumerate() {
                    if let Some(id) = id.as_str()
                        && !defined.contains(id)
                    {
                        out.push(
                            "6.1.4",
                            format!("/vulnerabilities/{v}/{list}/{i}/group_ids/{j}"),
                            format!("group id {id} is not defined"),
                        );
                    }
                }
            }
        }
    }
}

/// The four groups of 6.1.6 a product status key belongs to.
fn status_group(key: &str) -> Option<usize> {
    match key {
        "first_affected" | "known_affected" | "last_affected" => Some(0),
        "known_not_affected" => Some(1),
        "first_fixed" | "fixed" => Some(2),
        "under_investigation" => Some(3),
        _ => None,
    }
}

/// 6.1.6 Contradicting Product Status.
fn test_6_1_6(doc: &Value, out: &mut Findings) {
    for (v, vulnerability) in array(doc.get("vulnerabilities")).iter().enumerate() {
        let Some(status) = vulnerability
            .get("product_status")
            .and_then(Value::as_object)
        else {
            continue;
        };
        let mut groups: [BTreeSet<&str>; 4] = Default::default();
        for (key, ids) in status {
            if let Some(group) = status_group(key) {
                groups[group].extend(array(Some(ids)).iter().filter_map(Value::as_str));
            }
        }
        for (index, group) in groups.iter().enumerate() {
            for id in group {
                if groups[index + 1..].iter().any(|other| other.contains(id)) {
                    out.push(
                        "6.1.6",
                        format!("/vulnerabilities/{v}/product_status"),
                        format!("product id {id} is in contradicting product status groups"),
                    );
                }
            }
        }
    }
}

/// 6.1.7 Multiple Scores with same Version per Product.
fn test_6_1_7(doc: &Value, out: &mut Findings) {
    for (v, vulnerability) in array(doc.get("vulnerabilities")).iter().enumerate() {
        let mut seen: HashSet<(String, &str)> = HashSet::new();
        for (s, score) in array(vulnerability.get("scores")).iter().enumerate() {
            let versions: Vec<String> = ["cvss_v2", "cvss_v3"]
                .iter()
                .filter_map(|key| text(score.pointer(&format!("/{key}/version"))))
                .map(str::to_owned)
                .collect();
            for (p, product) in array(score.get("products")).iter().enumerate() {
                let Some(product) = product.as_str() else {
                    continue;
                };
                for version in &versions {
                    if !seen.insert((version.clone(), product)) {
                        out.push(
                            "6.1.7",
                            format!("/vulnerabilities/{v}/scores/{s}/products/{p}"),
                            format!("product {product} has a second CVSS {version} score"),
                        );
                    }
                }
            }
        }
    }
}

/// 6.1.11 CWE: the id exists and the name matches the catalogue.
fn test_6_1_11(doc: &Value, out: &mut Findings) {
    for (v, vulnerability) in array(doc.get("vulnerabilities")).iter().enumerate() {
        let (Some(id), Some(name)) = (
            text(vulnerability.pointer("/cwe/id")),
            text(vulnerability.pointer("/cwe/name")),
        ) else {
            continue;
        };
        match cwe::name(id) {
            None => out.push(
                "6.1.11",
                format!("/vulnerabilities/{v}/cwe/id"),
                "no weakness with this id is recognized",
            ),
            Some(expected) if expected != name => out.push(
                "6.1.11",
                format!("/vulnerabilities/{v}/cwe/name"),
                format!("the name does not match the weakness: expected {expected:?}"),
            ),
            Some(_) => {}
        }
    }
}

/// A version number of the tracking section: integer or semantic version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Number {
    major: u64,
    minor: u64,
    patch: u64,
    /// Whether the semantic version has a pre-release part.
    prerelease: bool,
}

fn parse_number(text: &str) -> Option<Number> {
    if let Ok(major) = text.parse::<u64>()
        && (text == "0" || !text.starts_with('0'))
    {
        return Some(Number {
            major,
            minor: 0,
            patch: 0,
            prerelease: false,
        });
    }
    let core = text.split('+').next()?;
    let (core, pre) = match core.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (core, None),
    };
    let parts: Vec<u64> = core
        .split('.')
        .map(|part| {
            (!part.is_empty() && (part == "0" || !part.starts_with('0')))
                .then(|| part.parse().ok())
                .flatten()
        })
        .collect::<Option<_>>()?;
    let [major, minor, patch] = parts[..] else {
        return None;
    };
    if pre.is_some_and(str::is_empty) {
        return None;
    }
    Some(Number {
        major,
        minor,
        patch,
        prerelease: pre.is_some(),
    })
}

fn is_semver(text: &str) -> bool {
    text.contains('.') && parse_number(text).is_some()
}

/// Parses an RFC 3339 date-time into a sortable UTC instant.
fn instant(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// 6.1.14 through 6.1.22: the tracking section's version and revision history rules.
fn test_tracking(doc: &Value, out: &mut Findings) {
    let tracking = doc.pointer("/document/tracking");
    let version = text(tracking.and_then(|t| t.get("version")));
    let status = text(tracking.and_then(|t| t.get("status")));
    let history_value = tracking.and_then(|t| t.get("revision_history"));
    let history = array(history_value);
    let well_formed = history_value.is_some_and(Value::is_array)
        && history.iter().all(|r| {
            r.get("number").is_some_and(Value::is_string)
                && r.get("date").is_some_and(Value::is_string)
        });
    // Entries sorted by date, ties by number (ascending), as the reference implementation does.
    let mut by_date: Vec<(&str, &str)> = if well_formed {
        history
            .iter()
            .map(|r| {
                (
                    text(r.get("date")).unwrap_or(""),
                    text(r.get("number")).unwrap_or(""),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    by_date.sort_by(|a, b| {
        let date = match (instant(a.0), instant(b.0)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => a.0.cmp(b.0),
        };
        date.then_with(|| parse_number(a.1).cmp(&parse_number(b.1)))
    });
    // 6.1.14 Sorted Revision History.
    if well_formed {
        let mut numbers: Vec<Number> = Vec::new();
        for (_, number) in &by_date {
            if let Some(parsed) = parse_number(number)
                && !numbers.contains(&parsed)
            {
                numbers.push(parsed);
            }
        }
        if numbers.windows(2).any(|pair| pair[1] <= pair[0]) {
            out.push(
                "6.1.14",
                "/document/tracking/revision_history",
                "the items must be in ascending order according to the date",
            );
        }
    }
    // 6.1.16 Latest Document Version.
    if let (Some(version), Some(status), true) =
        (version, status, !history.is_empty() && well_formed)
    {
        let normalize = |v: &str| -> String {
            if status == "draft" {
                v.split(['+', '-']).next().unwrap_or(v).to_owned()
            } else {
                v.split('+').next().unwrap_or(v).to_owned()
            }
        };
        let latest = by_date.last().map(|(_, n)| *n).unwrap_or("");
        if normalize(latest) != normalize(version) {
            out.push(
                "6.1.16",
                "/document/tracking/version",
                "version does not match latest revision",
            );
        }
    }
    if let (Some(version), Some(status)) = (version, status) {
        let parsed = parse_number(version);
        let semver = is_semver(version);
        // 6.1.17 Document Status Draft.
        if status != "draft"
            && (version == "0"
                || (semver
                    && parsed
                        .as_ref()
                        .is_some_and(|n| n.major == 0 || n.prerelease)))
        {
            out.push(
                "6.1.17",
                "/document/tracking/status",
                "the status is not compatible with the version",
            );
        }
        // 6.1.20 Non-draft Document Version.
        if matches!(status, "final" | "interim")
            && semver
            && parsed.as_ref().is_some_and(|n| n.prerelease)
        {
            out.push(
                "6.1.20",
                "/document/tracking/version",
                "pre-release part is not allowed for status",
            );
        }
        if history_value.is_some_and(Value::is_array) {
            // 6.1.18 Released Revision History.
            if matches!(status, "final" | "interim")
                && history.iter().any(|r| {
                    text(r.get("number")).is_some_and(|n| {
                        n == "0" || (is_semver(n) && parse_number(n).is_some_and(|p| p.major == 0))
                    })
                })
            {
                out.push(
                    "6.1.18",
                    "/document/tracking/status",
                    "some revision-history entries are not compatible with the status",
                );
            }
            for (i, revision) in history.iter().enumerate() {
                let number = text(revision.get("number")).unwrap_or("");
                // 6.1.19 Revision History Entries for Pre-release Versions.
                if is_semver(number) && parse_number(number).is_some_and(|n| n.prerelease) {
                    out.push(
                        "6.1.19",
                        format!("/document/tracking/revision_history/{i}/number"),
                        "contains prerelease part",
                    );
                }
            }
            // 6.1.22 Multiple Definition in Revision History.
            let mut seen = HashSet::new();
            for (i, revision) in history.iter().enumerate() {
                if let Some(number) = text(revision.get("number"))
                    && !seen.insert(number)
                {
                    out.push(
                        "6.1.22",
                        format!("/document/tracking/revision_history/{i}/number"),
                        "version was already used",
                    );
                }
            }
        }
    }
    // 6.1.21 Missing Item in Revision History (major versions, by date order only).
    if well_formed {
        let mut date_only: Vec<(&str, &str)> = history
            .iter()
            .map(|r| {
                (
                    text(r.get("date")).unwrap_or(""),
                    text(r.get("number")).unwrap_or(""),
                )
            })
            .collect();
        date_only.sort_by(|a, b| match (instant(a.0), instant(b.0)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => a.0.cmp(b.0),
        });
        let mut majors: Vec<i64> = Vec::new();
        for (_, number) in &date_only {
            let major = leading_integer(number);
            if let Some(major) = major
                && !majors.contains(&major)
            {
                majors.push(major);
            }
        }
        if let Some(&first) = majors.first() {
            if first != 0 && first != 1 {
                out.push(
                    "6.1.21",
                    "/document/tracking/revision_history",
                    "revision history does not start with a version of 0 or 1",
                );
            }
            for (i, major) in majors.iter().enumerate() {
                if *major > first + i as i64 {
                    out.push(
                        "6.1.21",
                        "/document/tracking/revision_history",
                        format!("major version {} was omitted", first + i as i64),
                    );
                }
            }
        }
    }
}

/// `parseInt` of JavaScript: the leading decimal digits.
fn leading_integer(text: &str) -> Option<i64> {
    let digits: String = text
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// 6.1.15 Translator.
fn test_6_1_15(doc: &Value, out: &mut Findings) {
    if text(doc.pointer("/document/publisher/category")) == Some("translator")
        && doc.pointer("/document/source_lang").is_none()
    {
        out.push(
            "6.1.15",
            "/document/publisher/category",
            "source language attribute is missing",
        );
    }
}

/// 6.1.23 Multiple Use of Same CVE.
fn test_6_1_23(doc: &Value, out: &mut Findings) {
    let mut seen = HashSet::new();
    for (v, vulnerability) in array(doc.get("vulnerabilities")).iter().enumerate() {
        if let Some(cve) = text(vulnerability.get("cve"))
            && !seen.insert(cve)
        {
            out.push(
                "6.1.23",
                format!("/vulnerabilities/{v}/cve"),
                "CVE identifier was already used",
            );
        }
    }
}

/// 6.1.24 Multiple Definition in Involvements (same party and date).
fn test_6_1_24(doc: &Value, out: &mut Findings) {
    for (v, vulnerability) in array(doc.get("vulnerabilities")).iter().enumerate() {
        let mut seen: BTreeMap<(String, Option<time::OffsetDateTime>, String), usize> =
            BTreeMap::new();
        for (i, involvement) in array(vulnerability.get("involvements")).iter().enumerate() {
            let party = text(involvement.get("party")).unwrap_or("").to_owned();
            let date_text = text(involvement.get("date")).unwrap_or("").to_owned();
            let key = (
                party,
                instant(&date_text),
                if instant(&date_text).is_some() {
                    String::new()
                } else {
                    date_text
                },
            );
            if seen.insert(key, i).is_some() {
                out.push(
                    "6.1.24",
                    format!("/vulnerabilities/{v}/involvements/{i}"),
                    "party and date are used twice",
                );
            }
        }
    }
}

/// 6.1.25 Multiple Use of Same Hash Algorithm.
fn test_6_1_25(facts: &Facts, out: &mut Findings) {
    for (path, helper) in &facts.helpers {
        for (h, hash) in array(helper.get("hashes")).iter().enumerate() {
            let mut seen = HashSet::new();
            for file_hash in array(hash.get("file_hashes")) {
                if let Some(algorithm) = text(file_hash.get("algorithm"))
                    && !seen.insert(algorithm)
                {
                    out.push(
                        "6.1.25",
                        format!("{path}/hashes/{h}/file_hashes"),
                        format!("hash algorithm {algorithm} is used twice"),
                    );
                }
            }
        }
    }
}

/// 6.1.26 Prohibited Document Category Name.
fn test_6_1_26(doc: &Value, out: &mut Findings) {
    let Some(category) = text(doc.pointer("/document/category")) else {
        return;
    };
    const PROFILES: &[&str] = &[
        "csaf_base",
        "csaf_security_incident_response",
        "csaf_informational_advisory",
        "csaf_security_advisory",
        "csaf_vex",
    ];
    if PROFILES.contains(&category) {
        return;
    }
    if category.to_lowercase().starts_with("csaf_") {
        out.push("6.1.26", "/document/category", "reserved prefix used");
        return;
    }
    let squeezed: String = category
        .chars()
        .filter(|c| !matches!(c, '_' | '-') && !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    if [
        "securityincidentresponse",
        "informationaladvisory",
        "securityadvisory",
        "vex",
    ]
    .contains(&squeezed.as_str())
    {
        out.push("6.1.26", "/document/category", "value prohibited");
    }
}

/// 6.1.27.1–6.1.27.6 and 6.1.27.11: what each profile requires.
fn test_6_1_27(doc: &Value, out: &mut Findings) {
    let category = text(doc.pointer("/document/category")).unwrap_or("");
    let notes_or_incident = matches!(
        category,
        "csaf_security_incident_response" | "csaf_informational_advisory"
    );
    let advisory_or_vex = matches!(category, "csaf_security_advisory" | "csaf_vex");
    if notes_or_incident {
        let has_note = array(doc.pointer("/document/notes")).iter().any(|n| {
            matches!(
                text(n.get("category")),
                Some("description" | "details" | "general" | "summary")
            )
        });
        if !has_note {
            out.push(
                "6.1.27.1",
                "/document/notes",
                "need at least one document note with a category of description, details, general or summary",
            );
        }
        let has_external = array(doc.pointer("/document/references"))
            .iter()
            .any(|r| text(r.get("category")) == Some("external"));
        if !has_external {
            out.push(
                "6.1.27.2",
                "/document/references",
                "need at least one document reference with the category \"external\"",
            );
        }
    }
    if category == "csaf_informational_advisory" && doc.get("vulnerabilities").is_some() {
        out.push("6.1.27.3", "/vulnerabilities", "must not exist");
    }
    if advisory_or_vex {
        if doc.get("product_tree").is_none_or(is_falsy) {
            out.push("6.1.27.4", "/", "needs a product_tree");
        }
        for (v, vulnerability) in array(doc.get("vulnerabilities")).iter().enumerate() {
            if vulnerability.get("notes").is_none_or(is_falsy) {
                out.push(
                    "6.1.27.5",
                    format!("/vulnerabilities/{v}"),
                    "needs a `notes` attribute",
                );
            }
        }
        if doc.get("vulnerabilities").is_none_or(is_falsy) {
            out.push("6.1.27.11", "/", "needs vulnerabilities");
        }
    }
    if category == "csaf_security_advisory" {
        for (v, vulnerability) in array(doc.get("vulnerabilities")).iter().enumerate() {
            if vulnerability.get("product_status").is_none_or(is_falsy) {
                out.push(
                    "6.1.27.6",
                    format!("/vulnerabilities/{v}"),
                    "needs a `product_status` attribute",
                );
            }
        }
    }
}

/// JavaScript falsiness of a JSON value.
fn is_falsy(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        _ => false,
    }
}

/// 6.1.28 Translation.
fn test_6_1_28(doc: &Value, out: &mut Findings) {
    if let (Some(lang), Some(source)) = (
        text(doc.pointer("/document/lang")),
        text(doc.pointer("/document/source_lang")),
    ) && lang == source
    {
        out.push(
            "6.1.28",
            "/document/lang",
            "is the same as `/document/source_lang`",
        );
    }
}

/// 6.1.29 Remediation without Product Reference and 6.1.32 Flag without Product Reference.
fn test_6_1_29_and_32(doc: &Value, out: &mut Findings) {
    for (v, vulnerability) in array(doc.get("vulnerabilities")).iter().enumerate() {
        for (test, list) in [("6.1.29", "remediations"), ("6.1.32", "flags")] {
            for (i, item) in array(vulnerability.get(list)).iter().enumerate() {
                if item.get("product_ids").is_none() && item.get("group_ids").is_none() {
                    out.push(
                        test,
                        format!("/vulnerabilities/{v}/{list}/{i}"),
                        "does not have product_ids or group_ids",
                    );
                }
            }
        }
    }
}

/// Whether a `product_version` name reads like a range (test 6.1.31).
pub fn looks_like_range(name: &str) -> bool {
    let lower = name.to_lowercase();
    ["<", "<=", ">", ">="].iter().any(|op| lower.contains(op))
        || lower.split_whitespace().any(|word| {
            [
                "after", "all", "before", "earlier", "later", "prior", "versions",
            ]
            .contains(&word)
        })
}

/// 6.1.31 Version Range in Product Version.
fn test_6_1_31(doc: &Value, out: &mut Findings) {
    fn walk(branches: &[Value], at: &str, out: &mut Findings) {
        for (i, branch) in branches.iter().enumerate() {
            if text(branch.get("category")) == Some("product_version")
                && let Some(name) = text(branch.get("name"))
                && looks_like_range(name)
            {
                out.push(
                    "6.1.31",
                    format!("{at}/{i}/name"),
                    "version range in product version",
                );
            }
            walk(
                array(branch.get("branches")),
                &format!("{at}/{i}/branches"),
                out,
            );
        }
    }
    walk(
        array(doc.pointer("/product_tree/branches")),
        "/product_tree/branches",
        out,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn version_numbers_follow_the_schema_forms() {
        assert_eq!(parse_number("3").unwrap().major, 3);
        assert!(parse_number("1.0.0-rc.1").unwrap().prerelease);
        assert!(parse_number("01").is_none());
        assert!(parse_number("1.0").is_none());
        assert!(is_semver("0.9.0") && !is_semver("2"));
    }

    #[test]
    fn contradicting_status_is_found() {
        let doc = json!({"vulnerabilities": [{"product_status": {
            "known_affected": ["A"], "fixed": ["A", "B"]}}]});
        let findings: Vec<_> = mandatory(&doc)
            .into_iter()
            .filter(|f| f.test == "6.1.6")
            .collect();
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].message.contains("product id A"));
    }

    #[test]
    fn ranges_in_product_version_are_found() {
        assert!(looks_like_range("<V2.9.4"));
        assert!(looks_like_range("All versions"));
        assert!(!looks_like_range("V2.9.4"));
        assert!(!looks_like_range("MCE_3.x"));
    }
}
