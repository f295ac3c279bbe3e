//! The `complete` heading: nothing required is missing. Pure functions over what the
//! well-formed phase fetched ([`Collected`]).
//!
//! - every security release names its CVEs' affected versions (in itself or in an advisory
//!   entry), a fixed version, a patch release date and at least one image digest of an
//!   accepted algorithm (SHA-256 or SHA3-256 by default, `--accept-digest`);
//! - every advisory entry names CVEs and affected statements;
//! - every product on sale or in mainstream support has releases, and none has been silent
//!   longer than `--max-silence`;
//! - the JSON API, the RESTCONF views (the `fwsec-log:log` resource and the replayed
//!   notifications) and the CSAF documents agree.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::finding::Finding;
use crate::wellformed::Collected;
use crate::wellformed::entries::{cve_ids, subject};

/// A digest algorithm a release may be identified by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DigestAlgorithm {
    /// SHA-256 (`sha256`).
    Sha256,
    /// SHA3-256 (`sha3_256`).
    Sha3_256,
    /// SHA-512 (`sha512`).
    Sha512,
}

impl DigestAlgorithm {
    /// The entry document's field name.
    pub fn field(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Sha3_256 => "sha3_256",
            Self::Sha512 => "sha512",
        }
    }

    /// The RESTCONF / CLI name (`sha-256`, `sha3-256`, `sha-512`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "sha-256",
            Self::Sha3_256 => "sha3-256",
            Self::Sha512 => "sha-512",
        }
    }
}

impl std::str::FromStr for DigestAlgorithm {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().replace('_', "-").as_str() {
            "sha-256" | "sha256" => Ok(Self::Sha256),
            "sha3-256" => Ok(Self::Sha3_256),
            "sha-512" | "sha512" => Ok(Self::Sha512),
            other => Err(format!(
                "unknown digest algorithm {other:?} (sha-256, sha3-256, sha-512)"
            )),
        }
    }
}

/// Options of the complete checks.
#[derive(Clone, Debug)]
pub struct CompleteOptions {
    /// Digest algorithms that identify an image (`--accept-digest`).
    pub accepted_digests: Vec<DigestAlgorithm>,
    /// Longest allowed time since a supported product's latest entry (`--max-silence`).
    pub max_silence: Duration,
    /// The time the run is judged at.
    pub now: OffsetDateTime,
}

impl Default for CompleteOptions {
    fn default() -> Self {
        Self {
            accepted_digests: vec![DigestAlgorithm::Sha256, DigestAlgorithm::Sha3_256],
            max_silence: Duration::days(180),
            now: OffsetDateTime::now_utc(),
        }
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| item.as_str().map(str::to_owned))
        .collect()
}

fn text<'a>(entry: &'a Value, field: &str) -> Option<&'a str> {
    entry
        .get(field)
        .and_then(Value::as_str)
        .filter(|text| !text.trim().is_empty())
}

/// Runs every complete check over what was collected.
pub fn check(collected: &Collected, options: &CompleteOptions) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(entries) = &collected.entries {
        findings.extend(check_entries(entries, options));
        if let Some(products) = &collected.products {
            findings.extend(check_products(entries, products, options));
        }
        if let Some(log) = &collected.restconf_log {
            findings.extend(compare_restconf(entries, log, "RESTCONF fwsec-log:log"));
        }
        if collected.replay_complete {
            findings.extend(compare_restconf(
                entries,
                &collected.notifications,
                "RESTCONF notification replay",
            ));
        }
        if !collected.csaf_documents.is_empty() {
            findings.extend(compare_csaf(entries, &collected.csaf_documents));
        }
    }
    crate::authentic::checks::cap_findings(findings, 20)
}

/// Per-entry completeness.
pub fn check_entries(entries: &[Value], options: &CompleteOptions) -> Vec<Finding> {
    let mut findings = Vec::new();
    // (product, CVE) pairs some advisory or release states affected versions for.
    let mut stated: BTreeSet<(String, String)> = BTreeSet::new();
    for entry in entries {
        for statement in entry
            .get("affected")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let product = statement
                .get("product")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let has_range = statement
                .get("ranges")
                .and_then(Value::as_array)
                .is_some_and(|ranges| !ranges.is_empty())
                || statement
                    .get("vendor_text")
                    .and_then(Value::as_str)
                    .is_some();
            if has_range {
                for cve in strings(statement.get("cves")) {
                    stated.insert((product.to_owned(), cve));
                }
            }
        }
    }
    let superseded: BTreeSet<u64> = entries
        .iter()
        .filter_map(|entry| entry.get("supersedes").and_then(Value::as_u64))
        .collect();
    let accepted: Vec<&str> = options.accepted_digests.iter().map(|a| a.field()).collect();
    let names: Vec<&str> = options.accepted_digests.iter().map(|a| a.name()).collect();
    for entry in entries {
        let subject = subject(entry);
        let kind = entry
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let seq = entry.get("seq").and_then(Value::as_u64).unwrap_or_default();
        match kind {
            "release" => {
                if superseded.contains(&seq) {
                    continue;
                }
                let product = text(entry, "product").unwrap_or_default();
                if text(entry, "fixed_version").is_none() {
                    findings.push(Finding::error(
                        "complete.entry.missing-fixed-version",
                        &subject,
                        format!("the release of {product} names no fixed version"),
                    ));
                }
                if text(entry, "release_date").is_none() {
                    findings.push(Finding::error(
                        "complete.entry.missing-release-date",
                        &subject,
                        format!("the release of {product} has no patch release date"),
                    ));
                }
                let images = entry.get("images").and_then(Value::as_array);
                let identified = images.is_some_and(|images| {
                    !images.is_empty()
                        && images.iter().all(|image| {
                            accepted.iter().any(|field| {
                                image
                                    .get(*field)
                                    .and_then(Value::as_str)
                                    .is_some_and(|hex| !hex.is_empty())
                            })
                        })
                });
                if !identified {
                    findings.push(Finding::error(
                        "complete.entry.missing-digest",
                        &subject,
                        format!(
                            "not every image of the release has a digest of an accepted algorithm ({})",
                            names.join(", ")
                        ),
                    ));
                }
                let cves = strings(entry.get("cves"));
                let unstated: Vec<&String> = cves
                    .iter()
                    .filter(|cve| !stated.contains(&(product.to_owned(), (*cve).clone())))
                    .collect();
                if !unstated.is_empty() {
                    findings.push(Finding::error(
                        "complete.entry.missing-affected",
                        &subject,
                        format!(
                            "fixes {} but no entry states which versions of {product} they affect",
                            unstated
                                .iter()
                                .map(|c| c.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
            }
            "advisory" => {
                if cve_ids(entry).is_empty() {
                    findings.push(Finding::error(
                        "complete.entry.missing-cves",
                        &subject,
                        "the advisory names no CVE id",
                    ));
                }
                let withdrawn = entry
                    .pointer("/advisory/withdrawn")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let affected = entry.get("affected").and_then(Value::as_array);
                if !withdrawn && affected.is_none_or(|affected| affected.is_empty()) {
                    findings.push(Finding::error(
                        "complete.entry.missing-affected",
                        &subject,
                        "the advisory states no affected products or versions",
                    ));
                }
            }
            _ => {}
        }
    }
    findings
}

/// Lifecycle states of products that are on sale or in mainstream support.
pub const SUPPORTED_STATES: &[&str] = &["active", "on_sale", "mainstream_support"];

/// Version coverage and silence of supported products.
pub fn check_products(
    entries: &[Value],
    products: &Value,
    options: &CompleteOptions,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut releases: BTreeMap<&str, usize> = BTreeMap::new();
    let mut latest: BTreeMap<String, OffsetDateTime> = BTreeMap::new();
    for entry in entries {
        let Some(published) = entry
            .get("published")
            .and_then(Value::as_str)
            .and_then(|text| OffsetDateTime::parse(text, &Rfc3339).ok())
        else {
            continue;
        };
        let mut concerned: BTreeSet<String> = BTreeSet::new();
        if let Some(product) = entry.get("product").and_then(Value::as_str) {
            concerned.insert(product.to_owned());
            if entry.get("kind").and_then(Value::as_str) == Some("release") {
                *releases.entry(product).or_default() += 1;
            }
        }
        for statement in entry
            .get("affected")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(product) = statement.get("product").and_then(Value::as_str) {
                concerned.insert(product.to_owned());
            }
        }
        for product in concerned {
            let slot = latest.entry(product).or_insert(published);
            if published > *slot {
                *slot = published;
            }
        }
    }
    for product in products
        .get("products")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(id) = product.get("id").and_then(Value::as_str) else {
            continue;
        };
        let state = product
            .pointer("/lifecycle/state")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !SUPPORTED_STATES.contains(&state) {
            continue;
        }
        let subject = format!("product {id}");
        if releases.get(id).copied().unwrap_or(0) == 0 {
            findings.push(Finding::error(
                "complete.product.no-coverage",
                &subject,
                format!("{state} but the log has no release of it: no version is covered"),
            ));
        }
        match latest.get(id) {
            Some(last) if options.now - *last > options.max_silence => {
                findings.push(Finding::error(
                    "complete.product.silent",
                    &subject,
                    format!(
                        "{state} but its latest entry is from {} ({} days ago; at most {} allowed)",
                        last.date(),
                        (options.now - *last).whole_days(),
                        options.max_silence.whole_days()
                    ),
                ));
            }
            _ => {}
        }
    }
    findings
}

/// The facts the views must agree on, for one entry.
#[derive(Debug, PartialEq, Eq)]
struct Facts {
    kind: String,
    product: Option<String>,
    cves: BTreeSet<String>,
    fixed_version: Option<String>,
    sha256: BTreeSet<String>,
}

fn api_facts(entry: &Value) -> Facts {
    Facts {
        kind: text(entry, "kind").unwrap_or_default().to_owned(),
        product: text(entry, "product").map(str::to_owned),
        cves: strings(entry.get("cves")).into_iter().collect(),
        fixed_version: text(entry, "fixed_version").map(str::to_owned),
        sha256: entry
            .get("images")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|image| {
                image
                    .get("sha256")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .collect(),
    }
}

fn restconf_facts(entry: &Value) -> Facts {
    Facts {
        kind: text(entry, "kind").unwrap_or_default().to_owned(),
        product: text(entry, "product").map(str::to_owned),
        cves: strings(entry.get("cve")).into_iter().collect(),
        fixed_version: text(entry, "fixed-version").map(str::to_owned),
        sha256: entry
            .get("image")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|image| {
                image
                    .get("digest")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .filter(|digest| digest.get("algorithm").and_then(Value::as_str) == Some("sha-256"))
            .filter_map(|digest| {
                digest
                    .get("value")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .collect(),
    }
}

/// The JSON API's entries against a RESTCONF rendering of them.
pub fn compare_restconf(entries: &[Value], restconf: &[Value], view: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    if entries.len() != restconf.len() {
        findings.push(Finding::error(
            "complete.views.disagree",
            view,
            format!(
                "{} entries in the JSON API but {} in the {view}",
                entries.len(),
                restconf.len()
            ),
        ));
    }
    let by_seq: BTreeMap<u64, &Value> = restconf
        .iter()
        .filter_map(|entry| Some((entry.get("sequence-number")?.as_u64()?, entry)))
        .collect();
    for entry in entries {
        let Some(seq) = entry.get("seq").and_then(Value::as_u64) else {
            continue;
        };
        let Some(other) = by_seq.get(&seq) else {
            continue;
        };
        let (api, rest) = (api_facts(entry), restconf_facts(other));
        if api != rest {
            findings.push(Finding::error(
                "complete.views.disagree",
                format!("entry {seq}"),
                format!("the JSON API says {api:?} but the {view} says {rest:?}"),
            ));
        }
    }
    findings
}

/// CVE ids of the JSON API's current advisories against those of the CSAF documents.
pub fn compare_csaf(entries: &[Value], documents: &[(String, Value)]) -> Vec<Finding> {
    // The current revision of each advisory: the last entry naming its id.
    let mut current: BTreeMap<String, &Value> = BTreeMap::new();
    for entry in entries {
        if let Some(id) = entry.pointer("/advisory/id").and_then(Value::as_str) {
            current.insert(id.to_owned(), entry);
        }
    }
    let mut findings = Vec::new();
    let mut csaf_by_id: BTreeMap<String, (&str, BTreeSet<String>)> = BTreeMap::new();
    for (url, document) in documents {
        let Some(id) = document
            .pointer("/document/tracking/id")
            .and_then(Value::as_str)
        else {
            continue;
        };
        let cves: BTreeSet<String> = document
            .get("vulnerabilities")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|vulnerability| {
                vulnerability
                    .get("cve")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .collect();
        csaf_by_id.insert(id.to_owned(), (url.as_str(), cves));
    }
    for (id, entry) in &current {
        let withdrawn = entry
            .pointer("/advisory/withdrawn")
            .and_then(Value::as_bool)
            .unwrap_or(false)
            || entry.get("kind").and_then(Value::as_str) == Some("withdrawal");
        let api_cves: BTreeSet<String> = cve_ids(entry).into_iter().map(str::to_owned).collect();
        match csaf_by_id.get(id) {
            None if !withdrawn => findings.push(Finding::error(
                "complete.views.disagree",
                format!("advisory {id}"),
                "in the JSON API but no CSAF document has this tracking id",
            )),
            Some((url, cves)) if !withdrawn && *cves != api_cves => findings.push(Finding::error(
                "complete.views.disagree",
                *url,
                format!("the CSAF document names {cves:?} but the JSON API's advisory {id} names {api_cves:?}"),
            )),
            _ => {}
        }
    }
    for (id, (url, _)) in &csaf_by_id {
        if !current.contains_key(id) {
            findings.push(Finding::error(
                "complete.views.disagree",
                *url,
                format!("CSAF document {id} has no advisory in the JSON API"),
            ));
        }
    }
    findings
}
