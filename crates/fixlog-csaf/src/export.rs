//! fixlog advisory history → one CSAF 2.0 document.
//!
//! The document describes the advisory's latest log entry; its `revision_history` has one item
//! per log entry of the advisory (numbered 1, 2, … in log order, dated with the entry's
//! `published` time, the vendor's own revision number kept in the summary), so the CSAF history
//! is the log's. A withdrawn advisory is exported as a final revision with category `csaf_base`:
//! it keeps its CVEs, states nothing about any product, and says so in a note (CSAF 2.0 has no
//! withdrawn profile; 2.1 adds `csaf_withdrawn`).

use std::collections::{BTreeMap, BTreeSet};

use fixlog_model::{
    Advisory, Cvss, CvssVersion, Product, ProductId, ProductStatement, Release,
    RemediationCategory, Status, VersionRange, format_date,
};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::cwe;
use crate::validate::looks_like_range;

/// Who publishes and where the documents live.
#[derive(Debug, Clone)]
pub struct ExportContext<'a> {
    /// `document.publisher.name` and the default vendor branch name.
    pub publisher_name: String,
    /// `document.publisher.namespace`, an `https://` URL.
    pub publisher_namespace: String,
    /// Public base URL of the provider (no trailing slash); the canonical URL of a document is
    /// `{base}/.well-known/csaf/white/{year}/{file name}`.
    pub base_url: String,
    /// Every product record, by id.
    pub products: &'a BTreeMap<ProductId, Product>,
    /// Live releases per product (for fixed-version leaves with image hashes).
    pub releases: &'a BTreeMap<ProductId, ProductReleases>,
    /// Vendor branch names of products whose vendor is not the publisher (imported documents).
    pub vendors: &'a BTreeMap<ProductId, String>,
}

/// The live releases of one product.
pub type ProductReleases = Vec<Release>;

/// One log entry of an advisory.
#[derive(Debug, Clone)]
pub struct LoggedRevision {
    /// The entry's sequence number.
    pub seq: u64,
    /// When the log accepted the entry.
    pub published: OffsetDateTime,
    /// The advisory as of this entry.
    pub advisory: Advisory,
}

/// Every log entry of one advisory, in log order (at least one).
#[derive(Debug, Clone)]
pub struct AdvisoryHistory {
    /// The entries, oldest first.
    pub revisions: Vec<LoggedRevision>,
}

impl AdvisoryHistory {
    /// The latest entry.
    pub fn current(&self) -> &LoggedRevision {
        self.revisions
            .last()
            .expect("an advisory history is never empty")
    }
}

/// The CSAF file name of a tracking id (§5.1): lower case, runs of other characters than
/// `+`, `-`, `a-z`, `0-9` replaced by `_`, then `.json`.
pub fn file_name(tracking_id: &str) -> String {
    let mut out = String::new();
    let mut in_run = false;
    for c in tracking_id.to_lowercase().chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '+' || c == '-' {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push('_');
            in_run = true;
        }
    }
    out + ".json"
}

/// RFC 3339 with milliseconds in UTC, as CSAF documents usually write it.
pub fn csaf_time(time: OffsetDateTime) -> String {
    let time = time.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second(),
        time.millisecond()
    )
}

/// A JSON value with object keys in sorted order, whatever the map implementation.
pub fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(object) => {
            let mut keys: Vec<&String> = object.keys().collect();
            keys.sort();
            let mut out = serde_json::Map::new();
            for key in keys {
                out.insert(key.clone(), sorted(&object[key]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// The bytes a document is published as: pretty JSON with sorted keys (§5.3) and a final
/// newline.
pub fn document_bytes(value: &Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(&sorted(value)).expect("JSON values serialize");
    bytes.push(b'\n');
    bytes
}

/// The path of a document below `/.well-known/csaf/`: `white/<year of first entry>/<file>`.
pub fn document_path(history: &AdvisoryHistory) -> String {
    let first = &history.revisions[0];
    format!(
        "white/{}/{}",
        first.published.year(),
        file_name(first.advisory.id.as_str())
    )
}

/// A leaf of the product tree.
struct Leaf {
    product_id: String,
    full_name: String,
    helper: Option<Value>,
}

/// The leaves of one product line, keyed by (branch category, branch name).
#[derive(Default)]
struct LineLeaves {
    leaves: BTreeMap<(&'static str, String), Leaf>,
}

/// Builds the product tree while statuses are assigned.
struct TreeBuilder<'a> {
    context: &'a ExportContext<'a>,
    lines: BTreeMap<ProductId, LineLeaves>,
    counter: usize,
}

impl<'a> TreeBuilder<'a> {
    fn product_name(&self, id: &ProductId) -> String {
        self.context
            .products
            .get(id)
            .map_or_else(|| id.to_string(), |p| p.name.clone())
    }

    fn leaf(
        &mut self,
        product: &ProductId,
        category: &'static str,
        name: String,
        label: Option<&str>,
    ) -> String {
        let product_name = self.product_name(product);
        let counter = &mut self.counter;
        let line = self.lines.entry(product.clone()).or_default();
        let leaf = line
            .leaves
            .entry((category, name.clone()))
            .or_insert_with(|| {
                *counter += 1;
                Leaf {
                    product_id: format!("CSAFPID-{:04}", *counter),
                    full_name: format!("{product_name} {}", label.unwrap_or(&name)),
                    helper: None,
                }
            });
        leaf.product_id.clone()
    }

    /// The leaves a statement covers.
    fn statement_leaves(&mut self, statement: &ProductStatement) -> Vec<String> {
        let label = (statement.ranges.len() <= 1)
            .then_some(statement.vendor_text.as_deref())
            .flatten();
        if statement.ranges.is_empty() {
            let text = statement
                .vendor_text
                .clone()
                .unwrap_or_else(|| "vers:all/*".to_owned());
            let category = if looks_like_range(&text) || text.starts_with("vers:") {
                "product_version_range"
            } else {
                "product_version"
            };
            return vec![self.leaf(&statement.product, category, text, label)];
        }
        let mut ids = Vec::new();
        for range in &statement.ranges {
            let (category, name) = range_branch(range, statement.vendor_text.as_deref());
            ids.push(self.leaf(&statement.product, category, name, label));
        }
        ids
    }

    /// The `product_version` leaf of a released (fixed) version, with its image hashes.
    fn release_leaf(&mut self, release: &Release) -> String {
        let id = self.leaf(
            &release.product,
            "product_version",
            release.version.as_str().to_owned(),
            None,
        );
        let hashes: Vec<Value> = release
            .images
            .iter()
            .map(|image| {
                let mut file_hashes =
                    vec![json!({"algorithm": "sha256", "value": image.sha256.to_string()})];
                if let Some(sha512) = &image.sha512 {
                    file_hashes.push(json!({"algorithm": "sha512", "value": sha512.to_string()}));
                }
                if let Some(sha3) = &image.sha3_256 {
                    file_hashes.push(json!({"algorithm": "sha3-256", "value": sha3.to_string()}));
                }
                json!({"filename": image.name, "file_hashes": file_hashes})
            })
            .collect();
        let line = self
            .lines
            .get_mut(&release.product)
            .expect("leaf just added");
        if let Some(leaf) = line.leaves.values_mut().find(|l| l.product_id == id)
            && !hashes.is_empty()
        {
            leaf.helper = Some(json!({"hashes": hashes}));
        }
        id
    }

    fn into_branches(self) -> Vec<Value> {
        // vendor → product_family (device class) → product_name → version leaves.
        let mut vendors: BTreeMap<String, BTreeMap<String, Vec<Value>>> = BTreeMap::new();
        for (product_id, line) in self.lines {
            let product = self.context.products.get(&product_id);
            let vendor = self
                .context
                .vendors
                .get(&product_id)
                .cloned()
                .unwrap_or_else(|| self.context.publisher_name.clone());
            let family = product
                .map_or("Other", |p| p.device_class.label())
                .to_owned();
            let name = product.map_or_else(|| product_id.to_string(), |p| p.name.clone());
            let models: Vec<String> = product.map(|p| p.models.clone()).unwrap_or_default();
            let leaves: Vec<Value> = line
                .leaves
                .into_iter()
                .map(|((category, branch_name), leaf)| {
                    let mut helper = leaf.helper.unwrap_or_else(|| json!({}));
                    if !models.is_empty() {
                        helper["model_numbers"] = json!(models);
                    }
                    let mut product =
                        json!({"name": leaf.full_name, "product_id": leaf.product_id});
                    if helper.as_object().is_some_and(|o| !o.is_empty()) {
                        product["product_identification_helper"] = helper;
                    }
                    json!({"category": category, "name": branch_name, "product": product})
                })
                .collect();
            vendors
                .entry(vendor)
                .or_default()
                .entry(family)
                .or_default()
                .push(json!({"category": "product_name", "name": name, "branches": leaves}));
        }
        vendors
            .into_iter()
            .map(|(vendor, families)| {
                let families: Vec<Value> = families
                    .into_iter()
                    .map(|(family, names)| {
                        json!({"category": "product_family", "name": family, "branches": names})
                    })
                    .collect();
                json!({"category": "vendor", "name": vendor, "branches": families})
            })
            .collect()
    }
}

/// The branch of a range: `product_version` for a single version, otherwise
/// `product_version_range` with a `vers:` string where the scheme has one, else the vendor's
/// text, else a `vls` constraint list.
fn range_branch(range: &VersionRange, vendor_text: Option<&str>) -> (&'static str, String) {
    if let (Some(introduced), Some(last), None, None) = (
        &range.introduced,
        &range.last_affected,
        &range.fixed,
        &range.limit,
    ) && introduced == last
    {
        return ("product_version", introduced.as_str().to_owned());
    }
    if let Some(vers) = range.to_vers() {
        return ("product_version_range", vers);
    }
    if let Some(text) = vendor_text {
        return ("product_version_range", text.to_owned());
    }
    let mut constraints = Vec::new();
    if let Some(v) = &range.introduced {
        constraints.push(format!(">={}", v.as_str()));
    }
    if let Some(v) = range.fixed.as_ref().or(range.limit.as_ref()) {
        constraints.push(format!("<{}", v.as_str()));
    }
    if let Some(v) = &range.last_affected {
        constraints.push(format!("<={}", v.as_str()));
    }
    let text = if constraints.is_empty() {
        "*".to_owned()
    } else {
        constraints.join("|")
    };
    ("product_version_range", text)
}

/// The `cvss_v3` object of a CVSS v3.1 vector, with every base metric spelled out.
pub fn cvss_v3_object(cvss: &Cvss) -> Option<Value> {
    if cvss.version() != CvssVersion::V3_1 {
        return None;
    }
    let mut object = json!({
        "version": "3.1",
        "vectorString": cvss.vector(),
        "baseScore": cvss.base_score(),
        "baseSeverity": cvss.severity().to_uppercase(),
    });
    for part in cvss.vector().split('/').skip(1) {
        let Some((metric, value)) = part.split_once(':') else {
            continue;
        };
        let (key, text) = match (metric, value) {
            ("AV", "N") => ("attackVector", "NETWORK"),
            ("AV", "A") => ("attackVector", "ADJACENT_NETWORK"),
            ("AV", "L") => ("attackVector", "LOCAL"),
            ("AV", "P") => ("attackVector", "PHYSICAL"),
            ("AC", "L") => ("attackComplexity", "LOW"),
            ("AC", "H") => ("attackComplexity", "HIGH"),
            ("PR", v) => ("privilegesRequired", level(v)),
            ("UI", "N") => ("userInteraction", "NONE"),
            ("UI", "R") => ("userInteraction", "REQUIRED"),
            ("S", "U") => ("scope", "UNCHANGED"),
            ("S", "C") => ("scope", "CHANGED"),
            ("C", v) => ("confidentialityImpact", level(v)),
            ("I", v) => ("integrityImpact", level(v)),
            ("A", v) => ("availabilityImpact", level(v)),
            _ => continue,
        };
        object[key] = json!(text);
    }
    Some(object)
}

fn level(letter: &str) -> &'static str {
    match letter {
        "H" => "HIGH",
        "L" => "LOW",
        _ => "NONE",
    }
}

/// A remediation's (category, details, url, date).
type RemediationContent = (String, String, Option<String>, Option<String>);

/// Per CVE: product ids by CSAF status key, and remediations by content.
#[derive(Default)]
struct CveFacts {
    status: BTreeMap<&'static str, BTreeSet<String>>,
    remediations: BTreeMap<RemediationContent, BTreeSet<String>>,
}

fn status_key(status: Status) -> &'static str {
    status.as_str()
}

/// Renders the CSAF 2.0 document of an advisory's current state with its full log history.
pub fn export_advisory(context: &ExportContext, history: &AdvisoryHistory) -> Value {
    let current = history.current();
    let advisory = &current.advisory;
    let first = &history.revisions[0];
    let path = document_path(history);
    let self_url = format!("{}/.well-known/csaf/{path}", context.base_url);
    let revision_history: Vec<Value> = history
        .revisions
        .iter()
        .enumerate()
        .map(|(i, revision)| {
            let summary = if revision.advisory.withdrawn {
                format!("Withdrawn: {}", revision.advisory.revision.summary)
            } else {
                format!(
                    "{} (vendor revision {}, log entry {})",
                    revision.advisory.revision.summary, revision.advisory.revision.number, revision.seq
                )
            };
            json!({"number": (i + 1).to_string(), "date": csaf_time(revision.published), "summary": summary})
        })
        .collect();
    let mut references = vec![json!({
        "category": "self",
        "summary": "Canonical URL of this CSAF document",
        "url": self_url,
    })];
    for reference in &advisory.references {
        references.push(json!({
            "category": "external",
            "summary": reference.summary.clone().unwrap_or_else(|| "Reference".to_owned()),
            "url": reference.url,
        }));
    }
    let mut notes = vec![json!({
        "category": "summary",
        "title": "Summary",
        "text": advisory.title,
    })];
    if advisory.withdrawn {
        notes.push(json!({
            "category": "general",
            "title": "Withdrawn",
            "text": format!(
                "This advisory was withdrawn on {}: {}. It no longer states anything about any product.",
                format_date(advisory.revision.date),
                advisory.revision.summary
            ),
        }));
    }
    let mut document = json!({
        "category": if advisory.withdrawn { "csaf_base" } else { "csaf_security_advisory" },
        "csaf_version": "2.0",
        "distribution": {"tlp": {"label": "WHITE", "url": "https://www.first.org/tlp/"}},
        "lang": "en",
        "notes": notes,
        "publisher": {
            "category": "vendor",
            "name": context.publisher_name,
            "namespace": context.publisher_namespace,
        },
        "references": references,
        "title": advisory.title,
        "tracking": {
            "current_release_date": csaf_time(current.published),
            "generator": {
                "date": csaf_time(current.published),
                "engine": {"name": "fixlog", "version": env!("CARGO_PKG_VERSION")},
            },
            "id": advisory.id.as_str(),
            "initial_release_date": csaf_time(first.published),
            "revision_history": revision_history,
            "status": "final",
            "version": history.revisions.len().to_string(),
        },
    });
    if advisory.known_exploited {
        document["notes"]
            .as_array_mut()
            .expect("notes is an array")
            .push(json!({"category": "general", "title": "Exploitation", "text": "The vulnerabilities are known to be exploited."}));
    }
    let mut builder = TreeBuilder {
        context,
        lines: BTreeMap::new(),
        counter: 0,
    };
    let mut facts: BTreeMap<String, CveFacts> = BTreeMap::new();
    if !advisory.withdrawn {
        collect_statements(context, advisory, &mut builder, &mut facts);
    }
    let vulnerabilities: Vec<Value> = advisory
        .cves
        .iter()
        .map(|cve| {
            let id = cve.id.to_string();
            let facts = facts.remove(&id).unwrap_or_default();
            let mut vulnerability = json!({
                "cve": id,
                "notes": [{
                    "category": "description",
                    "title": "Vulnerability description",
                    "text": cve.title.clone().unwrap_or_else(|| advisory.title.clone()),
                }],
            });
            if let Some(cwe_id) = &cve.cwe
                && let Some(name) = cwe::name(cwe_id.as_ref())
            {
                vulnerability["cwe"] = json!({"id": cwe_id.to_string(), "name": name});
            }
            if advisory.withdrawn {
                return vulnerability;
            }
            let mut status = serde_json::Map::new();
            for (key, ids) in &facts.status {
                if !ids.is_empty() {
                    status.insert((*key).to_owned(), json!(ids));
                }
            }
            let affected: BTreeSet<String> = facts
                .status
                .get("known_affected")
                .cloned()
                .unwrap_or_default();
            vulnerability["product_status"] = Value::Object(status);
            let mut remediations: Vec<Value> = facts
                .remediations
                .into_iter()
                .map(|((category, details, url, date), ids)| {
                    let mut remediation =
                        json!({"category": category, "details": details, "product_ids": ids});
                    if let Some(url) = url {
                        remediation["url"] = json!(url);
                    }
                    if let Some(date) = date {
                        remediation["date"] = json!(date);
                    }
                    remediation
                })
                .collect();
            if !affected.is_empty() {
                for mitigation in &advisory.mitigations {
                    remediations.push(json!({
                        "category": "mitigation",
                        "details": mitigation,
                        "product_ids": affected,
                    }));
                }
                if let Some(score) = cve.cvss_v31.as_ref().and_then(cvss_v3_object) {
                    vulnerability["scores"] = json!([{"products": affected, "cvss_v3": score}]);
                }
                if advisory.known_exploited {
                    vulnerability["threats"] = json!([{
                        "category": "exploit_status",
                        "details": "Known to be exploited.",
                        "product_ids": affected,
                    }]);
                }
            }
            if !remediations.is_empty() {
                vulnerability["remediations"] = json!(remediations);
            }
            vulnerability
        })
        .collect();
    let branches = builder.into_branches();
    let mut out = json!({"document": document, "vulnerabilities": vulnerabilities});
    if !branches.is_empty() {
        out["product_tree"] = json!({"branches": branches});
    } else if !advisory.withdrawn {
        out["product_tree"] = json!({});
    }
    out
}

fn collect_statements(
    context: &ExportContext,
    advisory: &Advisory,
    builder: &mut TreeBuilder,
    facts: &mut BTreeMap<String, CveFacts>,
) {
    let advisory_cves: BTreeSet<String> = advisory.cves.iter().map(|c| c.id.to_string()).collect();
    for statement in &advisory.statements {
        let leaves = builder.statement_leaves(statement);
        for cve in &statement.cves {
            let entry = facts.entry(cve.to_string()).or_default();
            entry
                .status
                .entry(status_key(statement.status))
                .or_default()
                .extend(leaves.iter().cloned());
            if let Some(remediation) = &statement.remediation {
                let release = remediation.fixed_version.as_ref().and_then(|fixed| {
                    context
                        .releases
                        .get(&statement.product)
                        .and_then(|releases| releases.iter().find(|r| r.version == *fixed))
                });
                let url = remediation
                    .url
                    .clone()
                    .or_else(|| release.and_then(|r| r.images.iter().find_map(|i| i.url.clone())));
                let date =
                    release.map(|r| format!("{}T00:00:00.000Z", format_date(r.release_date)));
                let category = match remediation.category {
                    // CSAF 2.0 has no fix_planned; the closest category is none_available.
                    RemediationCategory::FixPlanned => "none_available",
                    other => other.as_str(),
                };
                let details = match (remediation.category, &remediation.fixed_version) {
                    (RemediationCategory::FixPlanned, _) => {
                        format!("A fix is planned. {}", remediation.details)
                    }
                    (RemediationCategory::VendorFix, Some(fixed))
                        if !remediation.details.contains(fixed.as_str()) =>
                    {
                        format!("{} (fixed in {})", remediation.details, fixed.as_str())
                    }
                    _ => remediation.details.clone(),
                };
                entry
                    .remediations
                    .entry((category.to_owned(), details, url, date))
                    .or_default()
                    .extend(leaves.iter().cloned());
            }
        }
    }
    // Fixed versions: releases that fix one of the advisory's CVEs, and vendor-fix versions.
    let mut fixed: BTreeMap<(ProductId, String), (Release, BTreeSet<String>)> = BTreeMap::new();
    for (product, releases) in context.releases.iter() {
        for release in releases {
            let fixes: BTreeSet<String> = release
                .fixes
                .iter()
                .map(ToString::to_string)
                .filter(|c| advisory_cves.contains(c))
                .collect();
            let named_by_fix = advisory
                .statements
                .iter()
                .filter(|s| s.product == *product)
                .flat_map(|s| {
                    s.remediation
                        .as_ref()
                        .and_then(|r| r.fixed_version.as_ref())
                        .filter(|v| **v == release.version)
                        .map(|_| s.cves.iter().map(ToString::to_string).collect::<Vec<_>>())
                        .unwrap_or_default()
                });
            let all: BTreeSet<String> = fixes.into_iter().chain(named_by_fix).collect();
            if !all.is_empty() {
                fixed.insert(
                    (product.clone(), release.version.as_str().to_owned()),
                    (release.clone(), all),
                );
            }
        }
    }
    for (release, cves) in fixed.values() {
        let id = builder.release_leaf(release);
        for cve in cves {
            let entry = facts.entry(cve.clone()).or_default();
            let contradicts = entry
                .status
                .iter()
                .any(|(key, ids)| *key != "fixed" && ids.contains(&id));
            if !contradicts {
                entry.status.entry("fixed").or_default().insert(id.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_section_5_1() {
        assert_eq!(file_name("ACME-SA-2026-001"), "acme-sa-2026-001.json");
        assert_eq!(file_name("ICSA-17-019-01A"), "icsa-17-019-01a.json");
        assert_eq!(file_name("a b::c"), "a_b_c.json");
    }

    #[test]
    fn cvss_objects_spell_out_the_base_metrics() {
        let cvss: Cvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
            .parse()
            .unwrap();
        let object = cvss_v3_object(&cvss).unwrap();
        assert_eq!(object["baseScore"], json!(7.5));
        assert_eq!(object["baseSeverity"], json!("HIGH"));
        assert_eq!(object["attackVector"], json!("NETWORK"));
        assert_eq!(object["availabilityImpact"], json!("HIGH"));
    }
}
