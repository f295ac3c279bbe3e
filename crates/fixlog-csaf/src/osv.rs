//! fixlog advisory → one [OSV](https://ossf.github.io/osv-schema/) record.
//!
//! ```json
//! {"schema_version": "1.7.5", "id": "x_ACME-SA-2026-001", "modified": "…", "aliases": ["CVE-2026-50412"],
//!  "affected": [{"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "V3.0.1"}, {"fixed": "V3.2.0"}]}],
//!                "database_specific": {"product": "plc-x500", "vers": "vers:intdot/>=3.0.1|<3.2.0"}}]}
//! ```
//!
//! OSV has no ecosystem for ICS firmware and its schema only allows listed ecosystems, so
//! `affected[]` carries no `package`; the product line, its name and the `vers:` range are in
//! `database_specific`. Ids use the schema's `x_` prefix for local databases.

use std::collections::BTreeMap;

use fixlog_model::{Product, ProductId, Status};
use serde_json::{Value, json};

use crate::export::{AdvisoryHistory, csaf_time};

/// Renders the OSV record of an advisory; `csaf_url` is the canonical CSAF document.
pub fn osv_record(
    history: &AdvisoryHistory,
    products: &BTreeMap<ProductId, Product>,
    csaf_url: &str,
) -> Value {
    let current = history.current();
    let advisory = &current.advisory;
    let mut affected = Vec::new();
    for statement in advisory
        .statements
        .iter()
        .filter(|s| s.status == Status::KnownAffected)
    {
        let mut ranges = Vec::new();
        let mut vers = Vec::new();
        for range in &statement.ranges {
            let mut events = vec![json!({"introduced": range
                .introduced
                .as_ref()
                .map_or("0", |v| v.as_str())})];
            if let Some(v) = &range.fixed {
                events.push(json!({"fixed": v.as_str()}));
            } else if let Some(v) = &range.last_affected {
                events.push(json!({"last_affected": v.as_str()}));
            }
            if let Some(v) = &range.limit {
                events.push(json!({"limit": v.as_str()}));
            }
            ranges.push(json!({"type": "ECOSYSTEM", "events": events}));
            vers.extend(range.to_vers());
        }
        let mut specific = json!({
            "product": statement.product.as_str(),
            "cves": statement.cves.iter().map(ToString::to_string).collect::<Vec<_>>(),
        });
        if let Some(product) = products.get(&statement.product) {
            specific["product_name"] = json!(product.name);
            specific["version_scheme"] = json!(product.version_scheme.as_str());
        }
        if !vers.is_empty() {
            specific["vers"] = json!(vers);
        }
        if let Some(text) = &statement.vendor_text {
            specific["vendor_text"] = json!(text);
        }
        if let Some(remediation) = &statement.remediation {
            specific["remediation"] = json!({
                "category": remediation.category.as_str(),
                "details": remediation.details,
            });
        }
        let mut entry = json!({"database_specific": specific});
        if !ranges.is_empty() {
            entry["ranges"] = json!(ranges);
        }
        affected.push(entry);
    }
    let mut references = vec![json!({"type": "ADVISORY", "url": csaf_url})];
    references.extend(
        advisory
            .references
            .iter()
            .map(|r| json!({"type": "WEB", "url": r.url})),
    );
    let mut record = json!({
        "schema_version": "1.7.5",
        "id": format!("x_{}", advisory.id),
        "modified": csaf_time(current.published),
        "published": csaf_time(history.revisions[0].published),
        "aliases": advisory.cves.iter().map(|c| c.id.to_string()).collect::<Vec<_>>(),
        "summary": advisory.title,
        "affected": affected,
        "references": references,
    });
    let severities: Vec<Value> = advisory
        .cves
        .iter()
        .filter_map(|c| c.cvss_v31.as_ref())
        .map(|c| json!({"type": "CVSS_V3", "score": c.vector()}))
        .take(1)
        .collect();
    if !severities.is_empty() {
        record["severity"] = json!(severities);
    }
    if advisory.withdrawn {
        record["withdrawn"] = json!(csaf_time(current.published));
        record["details"] = json!(format!("Withdrawn: {}", advisory.revision.summary));
    }
    record
}
