//! Compares two CSAF documents by what fixlog must keep: every CVE, every product (product line
//! and version text), every product status and every remediation.
//!
//! A product is identified by its product line (the `product_name` branch, or the product's
//! name without one) and its version text. In a fixlog export the version branch holds the
//! machine form (`vers:intdot/<4.1.3`) and the leaf's `product.name` ends in the vendor's own
//! text (`… <V4.1.3`); [`Facts::from_document`] reads the label from there when `exported` is
//! set, so the comparison is on the vendor's words.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::import::{array, product_groups, text};

/// Which of the 6.1.6 status groups a status key belongs to (`recommended` keeps its own).
fn group(key: &str) -> &str {
    match key {
        "first_affected" | "known_affected" | "last_affected" => "affected",
        "first_fixed" | "fixed" => "fixed",
        other => other,
    }
}

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn normalize_label(label: &str) -> String {
    let label = squeeze(label);
    let all =
        label.is_empty() || label == "*" || (label.starts_with("vers:") && label.ends_with("/*"));
    if all { "*".to_owned() } else { label }
}

/// A product as the comparison sees it: (product line, version label).
pub type ProductKey = (String, String);

/// What a document says, as comparable sets.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Facts {
    /// CVE ids.
    pub cves: BTreeSet<String>,
    /// Products named in any product status.
    pub products: BTreeSet<ProductKey>,
    /// (CVE, product, status group).
    pub statuses: BTreeSet<(String, ProductKey, String)>,
    /// (CVE, product, category, details, url).
    pub remediations: BTreeSet<(String, ProductKey, String, String, String)>,
}

impl Facts {
    /// Reads the facts of a document; `exported` when it is a fixlog export (labels from the
    /// leaf names).
    pub fn from_document(doc: &Value, exported: bool) -> Self {
        let mut products: BTreeMap<String, ProductKey> = BTreeMap::new();
        fn walk(
            branches: &[Value],
            ancestors: &mut Vec<(String, String)>,
            exported: bool,
            products: &mut BTreeMap<String, ProductKey>,
        ) {
            for branch in branches {
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
                    let full = squeeze(text(product.get("name")).unwrap_or(id));
                    let versioned = matches!(
                        category.as_str(),
                        "product_version" | "product_version_range"
                    );
                    let line = if versioned {
                        find("product_name")
                            .or_else(|| find("product_family"))
                            .unwrap_or_else(|| full.clone())
                    } else {
                        full.clone()
                    };
                    let line = squeeze(&line);
                    let label = if !versioned {
                        String::new()
                    } else if exported {
                        full.strip_prefix(&format!("{line} "))
                            .unwrap_or(&name)
                            .to_owned()
                    } else {
                        name.clone()
                    };
                    products.insert(id.to_owned(), (line, normalize_label(&label)));
                }
                walk(array(branch.get("branches")), ancestors, exported, products);
                ancestors.pop();
            }
        }
        walk(
            array(doc.pointer("/product_tree/branches")),
            &mut Vec::new(),
            exported,
            &mut products,
        );
        for product in array(doc.pointer("/product_tree/full_product_names")) {
            if let Some(id) = text(product.get("product_id")) {
                let name = squeeze(text(product.get("name")).unwrap_or(id));
                products.insert(id.to_owned(), (name, "*".to_owned()));
            }
        }
        // A relationship is the part's version on the whole's product line (as the import maps it).
        for relationship in array(doc.pointer("/product_tree/relationships")) {
            if let Some(id) = text(relationship.pointer("/full_product_name/product_id")) {
                let part =
                    text(relationship.get("product_reference")).and_then(|r| products.get(r));
                let whole = text(relationship.get("relates_to_product_reference"))
                    .and_then(|r| products.get(r));
                let key = match (part, whole) {
                    (Some(part), Some((line, label))) => {
                        let line = if label == "*" {
                            line.clone()
                        } else {
                            format!("{line} {label}")
                        };
                        (line, part.1.clone())
                    }
                    _ => (
                        squeeze(
                            text(relationship.pointer("/full_product_name/name")).unwrap_or(id),
                        ),
                        "*".to_owned(),
                    ),
                };
                products.insert(id.to_owned(), key);
            }
        }
        let groups = product_groups(doc);
        let key_of = |id: &str| {
            products
                .get(id)
                .cloned()
                .unwrap_or_else(|| (format!("undefined {id}"), String::new()))
        };
        let mut facts = Facts::default();
        for vulnerability in array(doc.get("vulnerabilities")) {
            let Some(cve) = text(vulnerability.get("cve")) else {
                continue;
            };
            facts.cves.insert(cve.to_owned());
            if let Some(status) = vulnerability
                .get("product_status")
                .and_then(Value::as_object)
            {
                for (key, ids) in status {
                    for id in array(Some(ids)).iter().filter_map(Value::as_str) {
                        let product = key_of(id);
                        facts.products.insert(product.clone());
                        facts
                            .statuses
                            .insert((cve.to_owned(), product, group(key).to_owned()));
                    }
                }
            }
            for remediation in array(vulnerability.get("remediations")) {
                let category = text(remediation.get("category")).unwrap_or("").to_owned();
                let details = squeeze(text(remediation.get("details")).unwrap_or(""));
                let url = text(remediation.get("url")).unwrap_or("").trim().to_owned();
                let mut ids: Vec<&str> = array(remediation.get("product_ids"))
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                for group in array(remediation.get("group_ids"))
                    .iter()
                    .filter_map(Value::as_str)
                {
                    ids.extend(groups.get(group).into_iter().flatten());
                }
                for id in ids {
                    facts.remediations.insert((
                        cve.to_owned(),
                        key_of(id),
                        category.clone(),
                        details.clone(),
                        url.clone(),
                    ));
                }
            }
        }
        facts
    }
}

/// What the original states that the export does not, by kind.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Difference {
    /// CVEs lost.
    pub cves: Vec<String>,
    /// Products lost.
    pub products: Vec<ProductKey>,
    /// Statuses lost.
    pub statuses: Vec<(String, ProductKey, String)>,
    /// Remediations lost.
    pub remediations: Vec<(String, ProductKey, String, String, String)>,
}

impl Difference {
    /// Whether nothing was lost.
    pub fn is_empty(&self) -> bool {
        self.cves.is_empty()
            && self.products.is_empty()
            && self.statuses.is_empty()
            && self.remediations.is_empty()
    }
}

/// What `original` states that `exported` (a fixlog export) does not.
pub fn lost(original: &Value, exported: &Value) -> Difference {
    let before = Facts::from_document(original, false);
    let after = Facts::from_document(exported, true);
    Difference {
        cves: before.cves.difference(&after.cves).cloned().collect(),
        products: before
            .products
            .difference(&after.products)
            .cloned()
            .collect(),
        statuses: before
            .statuses
            .difference(&after.statuses)
            .cloned()
            .collect(),
        remediations: before
            .remediations
            .difference(&after.remediations)
            .cloned()
            .collect(),
    }
}
