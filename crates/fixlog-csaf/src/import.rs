//! CSAF 2.0 → fixlog: products, an advisory revision, and a report of what could not be mapped.
//!
//! A product line is a `(vendor, product_name)` pair of the product tree; its leaves become the
//! version items of statements: a `product_version` is the one-version range
//! `introduced = last_affected = v`, a `product_version_range` (`vers:` or free text such as
//! `<V4.1.3`, `All versions`) becomes a range where its constraints can be read (`>=` →
//! introduced, `<` → limit, `<=` → last_affected), and the original text is always kept as the
//! statement's `vendor_text`. The version scheme of a new line is the one that parses most of
//! its versions. Each (CVE, product, status) of `product_status` becomes a statement; each
//! remediation is attached to the statements of its products (one statement per remediation).
//! Anything that has no place in the model is listed as a [`Loss`] with its JSON pointer.

use std::collections::{BTreeMap, BTreeSet};

use fixlog_api::{AdvisoryCveRequest, AdvisoryRequest, RevisionRequest};
use fixlog_formats::convert::{product_to_doc, statement_to_doc};
use fixlog_formats::{ProductDoc, ReferenceDoc};
use fixlog_model::{
    Advisory, AdvisoryCve, AdvisoryId, CveId, Cvss, CvssVersion, CweId, DeviceClass, Lifecycle,
    LifecycleState, Product, ProductId, ProductStatement, Reference, Remediation,
    RemediationCategory, Revision, Status, TextKind, VersionRange, VersionScheme, check_text,
    parse_date,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Something in the document the import could not carry into the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loss {
    /// JSON pointer into the CSAF document.
    pub path: String,
    /// What was dropped or changed, and why.
    pub message: String,
}

/// Why a document cannot be imported at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// A required field is missing or malformed.
    #[error("{path}: {message}")]
    Invalid {
        /// JSON pointer of the field.
        path: String,
        /// What is wrong.
        message: String,
    },
}

fn invalid(path: &str, message: impl Into<String>) -> ImportError {
    ImportError::Invalid {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// The result of importing one document.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The product lines the advisory names, new or existing.
    pub products: Vec<Product>,
    /// Vendor branch names per product line.
    pub vendors: BTreeMap<ProductId, String>,
    /// The advisory revision.
    pub advisory: Advisory,
    /// What could not be mapped.
    pub losses: Vec<Loss>,
}

impl Imported {
    /// The `POST /api/v1/products` bodies.
    pub fn product_docs(&self) -> Vec<ProductDoc> {
        self.products.iter().map(product_to_doc).collect()
    }

    /// The `POST /api/v1/advisories` body.
    pub fn advisory_request(&self) -> AdvisoryRequest {
        let advisory = &self.advisory;
        AdvisoryRequest {
            id: advisory.id.to_string(),
            title: advisory.title.clone(),
            cves: advisory
                .cves
                .iter()
                .map(|cve| AdvisoryCveRequest {
                    id: cve.id.to_string(),
                    title: cve.title.clone(),
                    cwe: cve.cwe.as_ref().map(ToString::to_string),
                    cvss_v31: cve.cvss_v31.as_ref().map(|c| c.vector().to_owned()),
                    cvss_v40: None,
                })
                .collect(),
            products: advisory
                .statements
                .iter()
                .map(|statement| {
                    let doc = statement_to_doc(statement);
                    fixlog_api::StatementRequest {
                        product: doc.product,
                        status: doc.status,
                        cves: Some(doc.cves),
                        affected: None,
                        ranges: Some(doc.ranges),
                        scope: doc.scope,
                        vendor_text: doc.vendor_text,
                        remediation: doc.remediation,
                    }
                })
                .collect(),
            mitigations: advisory.mitigations.clone(),
            references: advisory
                .references
                .iter()
                .map(|r| ReferenceDoc {
                    url: r.url.clone(),
                    summary: r.summary.clone(),
                })
                .collect(),
            known_exploited: advisory.known_exploited,
            revision: RevisionRequest {
                number: Some(advisory.revision.number.clone()),
                date: Some(fixlog_model::format_date(advisory.revision.date)),
                summary: advisory.revision.summary.clone(),
            },
        }
    }
}

/// One leaf product of the CSAF product tree.
#[derive(Debug, Clone)]
struct Leaf {
    vendor: String,
    line_name: String,
    /// `product_version`, `product_version_range`, or `None` when the leaf has no version.
    category: Option<&'static str>,
    version_text: Option<String>,
    models: Vec<String>,
}

/// The string at `value`, if it is one.
pub(crate) fn text(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str)
}

/// The array at `value`, or an empty slice.
pub(crate) fn array(value: Option<&Value>) -> &[Value] {
    value.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// The document's product groups: group id → product ids.
pub(crate) fn product_groups(doc: &Value) -> BTreeMap<&str, Vec<&str>> {
    array(doc.pointer("/product_tree/product_groups"))
        .iter()
        .filter_map(|g| {
            Some((
                text(g.get("group_id"))?,
                array(g.get("product_ids"))
                    .iter()
                    .filter_map(Value::as_str)
                    .collect(),
            ))
        })
        .collect()
}

/// Collects the leaves of the branches below `at`.
fn walk(
    branches: &[Value],
    at: &str,
    ancestors: &mut Vec<(String, String)>,
    leaves: &mut BTreeMap<String, Leaf>,
) {
    for (i, branch) in branches.iter().enumerate() {
        let category = text(branch.get("category")).unwrap_or("").to_owned();
        let name = text(branch.get("name")).unwrap_or("").trim().to_owned();
        ancestors.push((category.clone(), name.clone()));
        if let Some(product) = branch.get("product")
            && let Some(id) = text(product.get("product_id"))
        {
            let find = |wanted: &str| {
                ancestors
                    .iter()
                    .rev()
                    .find(|(c, _)| c == wanted)
                    .map(|(_, n)| n.clone())
            };
            let full_name = text(product.get("name")).unwrap_or(id).trim().to_owned();
            let version_category = match category.as_str() {
                "product_version" => Some("product_version"),
                "product_version_range" => Some("product_version_range"),
                _ => None,
            };
            let line_name = if version_category.is_some() {
                find("product_name")
                    .or_else(|| find("product_family"))
                    .unwrap_or_else(|| full_name.clone())
            } else {
                full_name.clone()
            };
            let models = array(product.pointer("/product_identification_helper/model_numbers"))
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            leaves.insert(
                id.to_owned(),
                Leaf {
                    vendor: find("vendor").unwrap_or_else(|| "Unknown vendor".to_owned()),
                    line_name,
                    category: version_category,
                    version_text: version_category.map(|_| name.clone()),
                    models,
                },
            );
        }
        walk(
            array(branch.get("branches")),
            &format!("{at}/{i}/branches"),
            ancestors,
            leaves,
        );
        ancestors.pop();
    }
}

/// A product id slug: lower-case ASCII letters, digits and `-`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.to_lowercase().chars() {
        if c == '+' {
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            out.push_str("plus");
        } else if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// The product id of a `(vendor, product name)` line: `vendor.product`, at most 64 characters
/// (a long one is cut and keeps 8 hex digits of a hash so distinct lines stay distinct).
pub fn product_id_for(vendor: &str, name: &str) -> ProductId {
    product_id_with(vendor, name, false)
}

/// [`product_id_for`], with the hash suffix forced when `disambiguate` (two names of one
/// document that slug alike).
fn product_id_with(vendor: &str, name: &str, disambiguate: bool) -> ProductId {
    let vendor = slug(vendor);
    let vendor = if vendor.is_empty() {
        "vendor".to_owned()
    } else {
        vendor
    };
    let vendor: String = vendor.chars().take(24).collect();
    let vendor = vendor.trim_end_matches('-');
    let name_slug = slug(name);
    let name_slug = if name_slug.is_empty() {
        "product".to_owned()
    } else {
        name_slug
    };
    let mut id = format!("{vendor}.{name_slug}");
    if id.len() > 64 || disambiguate {
        let hash = Sha256::digest(format!("{vendor}\u{0}{name}").as_bytes());
        let suffix: String = hash.iter().take(4).map(|b| format!("{b:02x}")).collect();
        let keep: String = id.chars().take(64 - 9).collect();
        id = format!("{}-{suffix}", keep.trim_end_matches(['-', '.']));
    }
    id.parse().expect("slugs are valid product ids")
}

/// One constraint of a `vers` or `vls` range.
fn split_constraint(text: &str) -> (&str, &str) {
    for op in [">=", "<=", "!=", ">", "<", "="] {
        if let Some(rest) = text.strip_prefix(op) {
            return (op, rest.trim());
        }
    }
    ("=", text.trim())
}

/// The constraints of a range text, or `None` when it is not a constraint list. An empty list
/// means all versions.
fn constraints(text: &str) -> Option<Vec<(&str, &str)>> {
    let mut rest = text.trim();
    if let Some(after) = rest.strip_prefix("vers:") {
        rest = after.split_once('/').map(|(_, c)| c)?.trim();
    }
    let lower = rest.to_lowercase();
    for prefix in ["all versions", "all"] {
        if lower.starts_with(prefix) {
            rest = rest[prefix.len()..].trim();
            break;
        }
    }
    if rest.is_empty() || rest == "*" {
        return Some(Vec::new());
    }
    rest.split('|')
        .map(|part| {
            let part = part.trim();
            if part.is_empty() || part == "*" {
                return None;
            }
            Some(split_constraint(part))
        })
        .collect()
}

/// The range-text reader of [`import_document`], exposed for the fuzz targets in `fuzz/`.
#[doc(hidden)]
pub fn fuzz_parse_range(scheme: VersionScheme, text: &str) -> Option<VersionRange> {
    parse_range(scheme, text)
}

/// Reads a range text under `scheme`.
fn parse_range(scheme: VersionScheme, text: &str) -> Option<VersionRange> {
    let list = constraints(text)?;
    let (mut introduced, mut limit, mut last) = (None, None, None);
    for (op, version) in list {
        let slot = match op {
            ">=" => &mut introduced,
            "<" => &mut limit,
            "<=" => &mut last,
            _ => return None,
        };
        if slot.is_some() {
            return None;
        }
        *slot = Some(version);
    }
    VersionRange::parse(scheme, introduced, None, last, limit).ok()
}

/// The version texts of a leaf, for choosing a scheme.
fn operands(leaf: &Leaf) -> Vec<String> {
    match (leaf.category, &leaf.version_text) {
        (Some("product_version"), Some(text)) => vec![text.clone()],
        (Some(_), Some(text)) => constraints(text)
            .unwrap_or_default()
            .into_iter()
            .map(|(_, v)| v.to_owned())
            .collect(),
        _ => Vec::new(),
    }
}

/// The scheme that parses most of `texts` (declaration order breaks ties).
fn choose_scheme(texts: &[String]) -> VersionScheme {
    const ORDER: [VersionScheme; 7] = [
        VersionScheme::VDotted,
        VersionScheme::Dotted,
        VersionScheme::Semver,
        VersionScheme::ServicePack,
        VersionScheme::Calver,
        VersionScheme::Padded,
        VersionScheme::ReleaseTrain,
    ];
    let mut best = (0, VersionScheme::Dotted);
    for scheme in ORDER {
        let parsed = texts.iter().filter(|t| scheme.parse(t).is_ok()).count();
        if parsed > best.0 {
            best = (parsed, scheme);
        }
    }
    best.1
}

/// Checks free text for the model, cutting what is too long and reporting the cut.
fn fit(value: &str, kind: TextKind, path: &str, losses: &mut Vec<Loss>) -> Option<String> {
    let cleaned: String = value
        .chars()
        .map(|c| match c {
            '\n' if kind == TextKind::Paragraph => '\n',
            '\t' | '\n' | '\r' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let mut trimmed = cleaned.trim().to_owned();
    if trimmed.chars().count() > kind.max_chars() {
        trimmed = trimmed.chars().take(kind.max_chars()).collect();
        losses.push(Loss {
            path: path.to_owned(),
            message: format!("text cut to {} characters", kind.max_chars()),
        });
    }
    check_text("text", &trimmed, kind).ok()
}

/// The statement key while statements are assembled.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ItemKey {
    product: ProductId,
    vendor_text: Option<String>,
    leaf: String,
}

/// Imports one CSAF 2.0 document. `existing_scheme` gives the version scheme of products the
/// log already has (a scheme never changes once versions are published).
pub fn import_document(
    doc: &Value,
    existing_scheme: &dyn Fn(&ProductId) -> Option<VersionScheme>,
) -> Result<Imported, ImportError> {
    let mut losses = Vec::new();
    let id_text = text(doc.pointer("/document/tracking/id"))
        .ok_or_else(|| invalid("/document/tracking/id", "missing"))?;
    let id: AdvisoryId = id_text
        .trim()
        .parse()
        .map_err(|e: fixlog_model::IdError| invalid("/document/tracking/id", e.to_string()))?;
    let title = text(doc.pointer("/document/title"))
        .and_then(|t| fit(t, TextKind::Line, "/document/title", &mut losses))
        .ok_or_else(|| invalid("/document/title", "missing"))?;
    let version = text(doc.pointer("/document/tracking/version"))
        .ok_or_else(|| invalid("/document/tracking/version", "missing"))?;
    let current = text(doc.pointer("/document/tracking/current_release_date"))
        .ok_or_else(|| invalid("/document/tracking/current_release_date", "missing"))?;
    let date = parse_date(current.get(..10).unwrap_or(current))
        .map_err(|e| invalid("/document/tracking/current_release_date", e.to_string()))?;
    let history = array(doc.pointer("/document/tracking/revision_history"));
    let summary = history
        .iter()
        .rev()
        .find(|r| text(r.get("number")) == Some(version))
        .or(history.last())
        .and_then(|r| text(r.get("summary")))
        .and_then(|s| {
            fit(
                s,
                TextKind::Paragraph,
                "/document/tracking/revision_history",
                &mut losses,
            )
        })
        .unwrap_or_else(|| "Imported from CSAF".to_owned());

    // Product tree.
    let mut leaves = BTreeMap::new();
    walk(
        array(doc.pointer("/product_tree/branches")),
        "/product_tree/branches",
        &mut Vec::new(),
        &mut leaves,
    );
    for (i, product) in array(doc.pointer("/product_tree/full_product_names"))
        .iter()
        .enumerate()
    {
        if let Some(pid) = text(product.get("product_id")) {
            let name = text(product.get("name")).unwrap_or(pid).trim().to_owned();
            leaves.insert(
                pid.to_owned(),
                Leaf {
                    vendor: text(doc.pointer("/document/publisher/name"))
                        .unwrap_or("Unknown vendor")
                        .trim()
                        .to_owned(),
                    line_name: name,
                    category: None,
                    version_text: None,
                    models: Vec::new(),
                },
            );
            let _ = i;
        }
    }
    // A relationship (firmware `installed_on` / `default_component_of` a device) becomes a
    // version of the device's product line: the line of `relates_to_product_reference`, the
    // version of `product_reference`.
    for (i, relationship) in array(doc.pointer("/product_tree/relationships"))
        .iter()
        .enumerate()
    {
        let Some(pid) = text(relationship.pointer("/full_product_name/product_id")) else {
            continue;
        };
        let part = text(relationship.get("product_reference")).and_then(|r| leaves.get(r));
        let whole =
            text(relationship.get("relates_to_product_reference")).and_then(|r| leaves.get(r));
        let leaf = match (part, whole) {
            (Some(part), Some(whole)) => Leaf {
                vendor: whole.vendor.clone(),
                line_name: match &whole.version_text {
                    Some(version) => format!("{} {version}", whole.line_name),
                    None => whole.line_name.clone(),
                },
                category: part.category,
                version_text: part.version_text.clone(),
                models: whole.models.clone(),
            },
            _ => {
                losses.push(Loss {
                    path: format!("/product_tree/relationships/{i}"),
                    message: "relationship with an undefined product reference imported under its own name".to_owned(),
                });
                Leaf {
                    vendor: text(doc.pointer("/document/publisher/name"))
                        .unwrap_or("Unknown vendor")
                        .trim()
                        .to_owned(),
                    line_name: text(relationship.pointer("/full_product_name/name"))
                        .unwrap_or(pid)
                        .trim()
                        .to_owned(),
                    category: None,
                    version_text: None,
                    models: Vec::new(),
                }
            }
        };
        leaves.insert(pid.to_owned(), leaf);
    }
    let groups = product_groups(doc);

    // Product line ids; names that slug alike within the document get a hash suffix.
    let mut line_ids: BTreeMap<(String, String), ProductId> = BTreeMap::new();
    {
        let mut by_slug: BTreeMap<ProductId, BTreeSet<(String, String)>> = BTreeMap::new();
        for leaf in leaves.values() {
            by_slug
                .entry(product_id_for(&leaf.vendor, &leaf.line_name))
                .or_default()
                .insert((leaf.vendor.clone(), leaf.line_name.clone()));
        }
        for (id, names) in by_slug {
            let clash = names.len() > 1;
            for (vendor, name) in names {
                let id = if clash {
                    product_id_with(&vendor, &name, true)
                } else {
                    id.clone()
                };
                line_ids.insert((vendor, name), id);
            }
        }
    }
    let line_of = |leaf: &Leaf| line_ids[&(leaf.vendor.clone(), leaf.line_name.clone())].clone();
    // Product lines and their schemes.
    let mut lines: BTreeMap<ProductId, (String, String, Vec<String>, Vec<String>)> =
        BTreeMap::new();
    for leaf in leaves.values() {
        let product_id = line_of(leaf);
        let entry = lines.entry(product_id).or_insert_with(|| {
            (
                leaf.vendor.clone(),
                leaf.line_name.clone(),
                Vec::new(),
                Vec::new(),
            )
        });
        entry.2.extend(operands(leaf));
        for model in &leaf.models {
            if !entry.3.contains(model) {
                entry.3.push(model.clone());
            }
        }
    }
    let mut products = Vec::new();
    let mut schemes = BTreeMap::new();
    let mut vendors = BTreeMap::new();
    for (product_id, (vendor, name, texts, models)) in &lines {
        let scheme = existing_scheme(product_id).unwrap_or_else(|| choose_scheme(texts));
        schemes.insert(product_id.clone(), scheme);
        vendors.insert(product_id.clone(), vendor.clone());
        let mut dropped = Vec::new();
        let name = fit(name, TextKind::Line, "/product_tree", &mut dropped)
            .unwrap_or_else(|| product_id.to_string());
        products.push(Product {
            id: product_id.clone(),
            name,
            models: models
                .iter()
                .filter_map(|m| fit(m, TextKind::Line, "/product_tree", &mut dropped))
                .collect(),
            device_class: DeviceClass::Other,
            version_scheme: scheme,
            lifecycle: Lifecycle {
                state: LifecycleState::Active,
                mainstream_support_end: None,
                extended_support_end: None,
                end_of_life: None,
            },
        });
    }

    // The item (product line, ranges, vendor text) of each leaf.
    let mut items: BTreeMap<String, (ItemKey, Vec<VersionRange>)> = BTreeMap::new();
    for (pid, leaf) in &leaves {
        let product = line_of(leaf);
        let scheme = schemes[&product];
        let vendor_text = leaf
            .version_text
            .as_deref()
            .and_then(|t| fit(t, TextKind::Line, "/product_tree", &mut losses));
        let ranges = match (leaf.category, vendor_text.as_deref()) {
            (Some("product_version"), Some(text)) => scheme
                .parse(text)
                .ok()
                .and_then(|v| VersionRange::new(Some(v.clone()), None, Some(v), None).ok())
                .into_iter()
                .collect(),
            (Some(_), Some(text)) => parse_range(scheme, text).into_iter().collect(),
            _ => vec![VersionRange::new(None, None, None, None).expect("an empty range is valid")],
        };
        items.insert(
            pid.clone(),
            (
                ItemKey {
                    product,
                    vendor_text,
                    leaf: pid.clone(),
                },
                ranges,
            ),
        );
    }

    // Vulnerabilities.
    let mut cves = Vec::new();
    // (item, status, remediation) → CVEs
    let mut statements: BTreeMap<(ItemKey, Status, Option<RemediationKey>), BTreeSet<CveId>> =
        BTreeMap::new();
    let mut ranges_of: BTreeMap<ItemKey, Vec<VersionRange>> = BTreeMap::new();
    for (v, vulnerability) in array(doc.get("vulnerabilities")).iter().enumerate() {
        let at = format!("/vulnerabilities/{v}");
        let Some(cve_text) = text(vulnerability.get("cve")) else {
            losses.push(Loss {
                path: at.clone(),
                message: "vulnerability without CVE id is not imported".to_owned(),
            });
            continue;
        };
        let Ok(cve) = cve_text.parse::<CveId>() else {
            losses.push(Loss {
                path: format!("{at}/cve"),
                message: format!("`{cve_text}` is not a CVE id fixlog accepts"),
            });
            continue;
        };
        let cwe = text(vulnerability.pointer("/cwe/id")).and_then(|c| c.parse::<CweId>().ok());
        let mut cvss_v31 = None;
        for (s, score) in array(vulnerability.get("scores")).iter().enumerate() {
            let vector = text(score.pointer("/cvss_v3/vectorString"));
            match vector.map(str::parse::<Cvss>) {
                Some(Ok(cvss)) if cvss.version() == CvssVersion::V3_1 && cvss_v31.is_none() => {
                    cvss_v31 = Some(cvss)
                }
                Some(Ok(cvss)) if Some(&cvss) == cvss_v31.as_ref() => {}
                Some(Ok(cvss)) if cvss.version() != CvssVersion::V3_1 => losses.push(Loss {
                    path: format!("{at}/scores/{s}/cvss_v3"),
                    message: "CVSS vectors other than v3.1 are not modelled".to_owned(),
                }),
                Some(Err(_)) if vector.is_some_and(|v| v.starts_with("CVSS:3.0/")) => {
                    losses.push(Loss {
                        path: format!("{at}/scores/{s}/cvss_v3"),
                        message: "CVSS v3.0 vectors are not modelled".to_owned(),
                    })
                }
                _ if score.get("cvss_v3").is_none() && score.get("cvss_v2").is_some() => losses
                    .push(Loss {
                        path: format!("{at}/scores/{s}/cvss_v2"),
                        message: "CVSS v2 scores are not modelled".to_owned(),
                    }),
                _ => losses.push(Loss {
                    path: format!("{at}/scores/{s}"),
                    message: "only one CVSS v3.1 vector per CVE is modelled; this score is dropped"
                        .to_owned(),
                }),
            }
        }
        let cve_title = text(vulnerability.get("title"))
            .and_then(|t| fit(t, TextKind::Line, &format!("{at}/title"), &mut losses));
        if cves.iter().any(|c: &AdvisoryCve| c.id == cve) {
            losses.push(Loss {
                path: format!("{at}/cve"),
                message: "CVE listed twice; merged".to_owned(),
            });
        } else {
            cves.push(AdvisoryCve {
                id: cve.clone(),
                title: cve_title,
                cwe,
                cvss_v31,
                cvss_v40: None,
            });
        }
        // product_status
        let mut status_of: BTreeMap<String, Status> = BTreeMap::new();
        if let Some(object) = vulnerability
            .get("product_status")
            .and_then(Value::as_object)
        {
            for (key, ids) in object {
                let status = match key.as_str() {
                    "known_affected" | "first_affected" | "last_affected" => Status::KnownAffected,
                    "fixed" | "first_fixed" => Status::Fixed,
                    "known_not_affected" => Status::KnownNotAffected,
                    "under_investigation" => Status::UnderInvestigation,
                    other => {
                        losses.push(Loss {
                            path: format!("{at}/product_status/{other}"),
                            message: format!("product status `{other}` is not modelled"),
                        });
                        continue;
                    }
                };
                if matches!(
                    key.as_str(),
                    "first_affected" | "last_affected" | "first_fixed"
                ) {
                    losses.push(Loss {
                        path: format!("{at}/product_status/{key}"),
                        message: format!("`{key}` imported as `{}`", status.as_str()),
                    });
                }
                for (j, pid) in array(Some(ids)).iter().enumerate() {
                    let Some(pid) = pid.as_str() else { continue };
                    let Some((item, ranges)) = items.get(pid) else {
                        losses.push(Loss {
                            path: format!("{at}/product_status/{key}/{j}"),
                            message: format!("product id {pid} is not defined"),
                        });
                        continue;
                    };
                    if ranges.is_empty() {
                        losses.push(Loss {
                            path: format!("{at}/product_status/{key}/{j}"),
                            message: format!(
                                "version `{}` of {} could not be read as a {} version or range; kept as vendor text only",
                                item.vendor_text.clone().unwrap_or_default(),
                                item.product,
                                schemes[&item.product].as_str()
                            ),
                        });
                    }
                    ranges_of.insert(item.clone(), ranges.clone());
                    status_of.insert(pid.to_owned(), status);
                    statements
                        .entry((item.clone(), status, None))
                        .or_default()
                        .insert(cve.clone());
                }
            }
        }
        // remediations
        for (r, remediation) in array(vulnerability.get("remediations")).iter().enumerate() {
            let here = format!("{at}/remediations/{r}");
            let Some(category) = text(remediation.get("category"))
                .and_then(|c| c.parse::<RemediationCategory>().ok())
            else {
                losses.push(Loss {
                    path: format!("{here}/category"),
                    message: "unknown remediation category".to_owned(),
                });
                continue;
            };
            let Some(details) = text(remediation.get("details")).and_then(|d| {
                fit(
                    d,
                    TextKind::Paragraph,
                    &format!("{here}/details"),
                    &mut losses,
                )
            }) else {
                continue;
            };
            let url = text(remediation.get("url")).and_then(|u| {
                fixlog_formats::convert::parse_url("/url", u)
                    .map_err(|_| {
                        losses.push(Loss {
                            path: format!("{here}/url"),
                            message: "URL not accepted (absolute http(s) without spaces required)"
                                .to_owned(),
                        })
                    })
                    .ok()
            });
            if remediation.get("date").is_some() {
                losses.push(Loss {
                    path: format!("{here}/date"),
                    message:
                        "remediation date is not modelled (fixlog dates fixes by their release)"
                            .to_owned(),
                });
            }
            let key = RemediationKey {
                category,
                details,
                url,
            };
            let mut pids: Vec<&str> = array(remediation.get("product_ids"))
                .iter()
                .filter_map(Value::as_str)
                .collect();
            for group in array(remediation.get("group_ids"))
                .iter()
                .filter_map(Value::as_str)
            {
                pids.extend(groups.get(group).into_iter().flatten());
            }
            for pid in pids {
                let (Some(status), Some((item, _))) = (status_of.get(pid), items.get(pid)) else {
                    losses.push(Loss {
                        path: here.clone(),
                        message: format!(
                            "remediation for product {pid}, which has no product status for {cve}, is not imported"
                        ),
                    });
                    continue;
                };
                statements
                    .entry((item.clone(), *status, Some(key.clone())))
                    .or_default()
                    .insert(cve.clone());
            }
        }
    }
    if cves.is_empty() {
        return Err(invalid(
            "/vulnerabilities",
            "no vulnerability with a CVE id",
        ));
    }
    // A statement without remediation is redundant when the same item, status and CVE carry a
    // remediation statement.
    let with_remediation: BTreeSet<(ItemKey, Status, CveId)> = statements
        .iter()
        .filter(|((_, _, r), _)| r.is_some())
        .flat_map(|((item, status, _), cves)| {
            cves.iter().map(move |c| (item.clone(), *status, c.clone()))
        })
        .collect();
    let mut merged: BTreeMap<MergeKey, (Vec<VersionRange>, BTreeSet<CveId>)> = BTreeMap::new();
    for ((item, status, remediation), cves) in statements {
        let cves: BTreeSet<CveId> = if remediation.is_none() {
            cves.into_iter()
                .filter(|c| !with_remediation.contains(&(item.clone(), status, c.clone())))
                .collect()
        } else {
            cves
        };
        if cves.is_empty() {
            continue;
        }
        let ranges = ranges_of.get(&item).cloned().unwrap_or_default();
        let range_key: Vec<String> = ranges.iter().map(|r| format!("{r:?}")).collect();
        let entry = merged
            .entry((
                item.product.clone(),
                item.vendor_text.clone(),
                range_key,
                status,
                remediation,
            ))
            .or_insert_with(|| (ranges, BTreeSet::new()));
        entry.1.extend(cves);
    }
    let statements: Vec<ProductStatement> = merged
        .into_iter()
        .map(
            |((product, vendor_text, _, status, remediation), (ranges, cves))| ProductStatement {
                product,
                cves: cves.into_iter().collect(),
                status,
                ranges,
                scope: None,
                vendor_text,
                remediation: remediation.map(|r| Remediation {
                    category: r.category,
                    fixed_version: None,
                    details: r.details,
                    url: r.url,
                }),
            },
        )
        .collect();
    let used: BTreeSet<&ProductId> = statements.iter().map(|s| &s.product).collect();
    let products: Vec<Product> = products
        .into_iter()
        .filter(|p| used.contains(&p.id))
        .collect();
    vendors.retain(|id, _| used.contains(id));
    let references = array(doc.pointer("/document/references"))
        .iter()
        .filter(|r| text(r.get("category")) != Some("self"))
        .filter_map(|r| {
            let url = fixlog_formats::convert::parse_url("/url", text(r.get("url"))?).ok()?;
            let mut dropped = Vec::new();
            Some(Reference {
                url,
                summary: text(r.get("summary"))
                    .and_then(|s| fit(s, TextKind::Line, "/document/references", &mut dropped)),
            })
        })
        .collect();
    let known_exploited = array(doc.get("vulnerabilities")).iter().any(|v| {
        array(v.get("threats")).iter().any(|t| {
            text(t.get("category")) == Some("exploit_status")
                && text(t.get("details")).is_some_and(|d| {
                    let d = d.to_lowercase();
                    d.contains("exploited") && !d.contains("no known") && !d.contains("not known")
                })
        })
    });
    Ok(Imported {
        products,
        vendors,
        advisory: Advisory {
            id,
            title,
            cves,
            statements,
            mitigations: Vec::new(),
            references,
            revision: Revision {
                number: version.to_owned(),
                date,
                summary,
            },
            withdrawn: false,
            known_exploited,
        },
        losses,
    })
}

/// Statements that agree on (product, vendor text, ranges, status, remediation) are merged.
type MergeKey = (
    ProductId,
    Option<String>,
    Vec<String>,
    Status,
    Option<RemediationKey>,
);

/// A remediation's content, the key statements are grouped by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RemediationKey {
    category: RemediationCategory,
    details: String,
    url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_ids_are_valid_and_bounded() {
        let id = product_id_for(" Hitachi Energy", "RTU500 series CMU Firmware");
        assert_eq!(id.as_str(), "hitachi-energy.rtu500-series-cmu-firmware");
        let long = product_id_for("Siemens", &"SIMATIC S7-1500 ".repeat(10));
        assert!(long.as_str().len() <= 64);
        assert_ne!(
            long,
            product_id_for("Siemens", &"SIMATIC S7-1500 ".repeat(11))
        );
    }

    #[test]
    fn range_texts_are_read_where_possible() {
        let scheme = VersionScheme::VDotted;
        let range = parse_range(scheme, "<V4.1.3").unwrap();
        assert_eq!(range.limit.unwrap().as_str(), "V4.1.3");
        let range = parse_range(scheme, "vers:all/<V4.3.8").unwrap();
        assert_eq!(range.limit.unwrap().as_str(), "V4.3.8");
        let all = parse_range(scheme, "All versions").unwrap();
        assert!(all.introduced.is_none() && all.limit.is_none());
        let both = parse_range(VersionScheme::Dotted, ">= 1.0 | <= 1.32").unwrap();
        assert_eq!(both.last_affected.unwrap().as_str(), "1.32");
        assert!(parse_range(scheme, "V3.x: see notes").is_none());
    }

    #[test]
    fn the_scheme_that_parses_most_versions_wins() {
        let texts = ["V2.9.4", "V3.0", "4.1"].map(String::from);
        assert_eq!(choose_scheme(&texts), VersionScheme::VDotted);
        let texts = ["4.1.0.12", "4.2"].map(String::from);
        assert_eq!(choose_scheme(&texts), VersionScheme::Dotted);
    }
}
