//! fixlog advisory → a CycloneDX 1.6 VEX document.
//!
//! Each product line is a `firmware` component; each CVE has one `vulnerabilities[]` item per
//! status (known_affected → `exploitable`, fixed → `resolved`, known_not_affected →
//! `not_affected`, under_investigation → `in_triage`) whose `affects` lists the product's
//! `vers:` ranges (or single versions) with the matching version status.
//!
//! ```json
//! {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
//!  "components": [{"type": "firmware", "bom-ref": "plc-x500", "name": "ACME Controlix X500"}],
//!  "vulnerabilities": [{"id": "CVE-2026-50412", "analysis": {"state": "exploitable"},
//!    "affects": [{"ref": "plc-x500", "versions": [{"range": "vers:intdot/>=3.0.1|<3.2.0", "status": "affected"}]}]}]}
//! ```

use std::collections::BTreeMap;

use fixlog_model::{Product, ProductId, Status};
use serde_json::{Value, json};

use crate::export::{AdvisoryHistory, csaf_time};

fn state_of(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::KnownAffected => ("exploitable", "affected"),
        Status::Fixed => ("resolved", "unaffected"),
        Status::KnownNotAffected => ("not_affected", "unaffected"),
        Status::UnderInvestigation => ("in_triage", "unknown"),
    }
}

/// Renders the CycloneDX 1.6 VEX document of an advisory.
pub fn vex_document(
    history: &AdvisoryHistory,
    products: &BTreeMap<ProductId, Product>,
    publisher: &str,
    csaf_url: &str,
) -> Value {
    let current = history.current();
    let advisory = &current.advisory;
    let mut components = BTreeMap::new();
    // (CVE, status) → product → versions
    let mut groups: BTreeMap<(String, Status), BTreeMap<String, Vec<Value>>> = BTreeMap::new();
    let mut recommendations: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for statement in &advisory.statements {
        let product = products.get(&statement.product);
        components
            .entry(statement.product.to_string())
            .or_insert_with(|| {
                json!({
                    "type": "firmware",
                    "bom-ref": statement.product.as_str(),
                    "name": product.map_or(statement.product.as_str(), |p| p.name.as_str()),
                })
            });
        let version_status = state_of(statement.status).1;
        let mut versions = Vec::new();
        for range in &statement.ranges {
            match (
                &range.introduced,
                &range.last_affected,
                &range.fixed,
                &range.limit,
            ) {
                (Some(a), Some(b), None, None) if a == b => {
                    versions.push(json!({"version": a.as_str(), "status": version_status}))
                }
                _ => {
                    if let Some(vers) = range.to_vers() {
                        versions.push(json!({"range": vers, "status": version_status}));
                    }
                }
            }
        }
        for cve in &statement.cves {
            groups
                .entry((cve.to_string(), statement.status))
                .or_default()
                .entry(statement.product.to_string())
                .or_default()
                .extend(versions.iter().cloned());
            if let Some(remediation) = &statement.remediation {
                let list = recommendations.entry(cve.to_string()).or_default();
                if !list.contains(&remediation.details) {
                    list.push(remediation.details.clone());
                }
            }
        }
    }
    let mut vulnerabilities = Vec::new();
    for cve in &advisory.cves {
        let id = cve.id.to_string();
        for status in Status::ALL {
            let Some(affects) = groups.get(&(id.clone(), *status)) else {
                continue;
            };
            let mut item = json!({
                "bom-ref": format!("{}/{}/{}", advisory.id, id, status.as_str()),
                "id": id,
                "source": {"name": publisher, "url": csaf_url},
                "description": cve.title.clone().unwrap_or_else(|| advisory.title.clone()),
                "published": csaf_time(history.revisions[0].published),
                "updated": csaf_time(current.published),
                "analysis": {"state": state_of(*status).0},
                "affects": affects.iter().map(|(product, versions)| {
                    let mut affect = json!({"ref": product});
                    if !versions.is_empty() {
                        affect["versions"] = json!(versions);
                    }
                    affect
                }).collect::<Vec<_>>(),
            });
            if let Some(cvss) = &cve.cvss_v31 {
                item["ratings"] = json!([{
                    "method": "CVSSv31",
                    "vector": cvss.vector(),
                    "score": cvss.base_score(),
                    "severity": cvss.severity(),
                }]);
            }
            if let Some(cwe) = &cve.cwe
                && let Some(number) = cwe
                    .to_string()
                    .strip_prefix("CWE-")
                    .and_then(|n| n.parse::<u64>().ok())
            {
                item["cwes"] = json!([number]);
            }
            if let Some(list) = recommendations.get(&id) {
                item["recommendation"] = json!(list.join("\n"));
            }
            vulnerabilities.push(item);
        }
    }
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": history.revisions.len(),
        "metadata": {
            "timestamp": csaf_time(current.published),
            "tools": {"components": [{"type": "application", "name": "fixlog", "version": env!("CARGO_PKG_VERSION")}]},
        },
        "components": components.into_values().collect::<Vec<_>>(),
        "vulnerabilities": vulnerabilities,
    })
}
