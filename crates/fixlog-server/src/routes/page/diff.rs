//! What changed between two revisions of an advisory, in words.

use std::collections::BTreeMap;

use fixlog_formats::{EntryDoc, StatementDoc};

use super::detail::range_text;

/// One statement as a line of text, e.g. `plc-x500 (V2.9) CVE-…: affected, from V2.9.0, fixed in V2.9.6`.
fn describe(statement: &StatementDoc) -> String {
    let ranges: Vec<String> = statement.ranges.iter().map(range_text).collect();
    let status = match statement.status.as_str() {
        "known_affected" => "affected",
        "known_not_affected" => "not affected",
        "under_investigation" => "under investigation",
        other => other,
    };
    let mut text = format!("{status}: {}", ranges.join("; "));
    if let Some(remediation) = &statement.remediation {
        text.push_str(&format!(" ({})", remediation.category.replace('_', " ")));
    }
    text
}

fn key(statement: &StatementDoc) -> String {
    let mut key = statement.product.clone();
    if let Some(scope) = &statement.scope {
        key.push_str(&format!(" (branch {scope})"));
    }
    key.push_str(&format!(" {}", statement.cves.join(", ")));
    key
}

/// The changes from `before` to `after`: CVEs, scores, statements and withdrawal.
pub fn changes(before: &EntryDoc, after: &EntryDoc) -> Vec<String> {
    let mut out = Vec::new();
    for cve in after.cves.iter().filter(|c| !before.cves.contains(c)) {
        out.push(format!("added {cve}"));
    }
    for cve in before.cves.iter().filter(|c| !after.cves.contains(c)) {
        out.push(format!("removed {cve}"));
    }
    if let (Some(old), Some(new)) = (&before.advisory, &after.advisory) {
        if new.withdrawn && !old.withdrawn {
            out.push("withdrew the advisory".to_owned());
        }
        if new.title != old.title {
            out.push(format!("retitled to “{}”", new.title));
        }
        for vulnerability in &new.vulnerabilities {
            let previous = old
                .vulnerabilities
                .iter()
                .find(|v| v.id == vulnerability.id);
            let old_score = previous.and_then(|v| v.cvss_v31.as_ref()).map(|c| c.score);
            let new_score = vulnerability.cvss_v31.as_ref().map(|c| c.score);
            if previous.is_some() && old_score != new_score {
                out.push(format!(
                    "{}: CVSS v3.1 {} → {}",
                    vulnerability.id,
                    old_score.map_or("none".to_owned(), |s| format!("{s:.1}")),
                    new_score.map_or("none".to_owned(), |s| format!("{s:.1}")),
                ));
            }
        }
        if new.known_exploited && !old.known_exploited {
            out.push("now known to be exploited".to_owned());
        }
    }
    let old: BTreeMap<String, &StatementDoc> =
        before.affected.iter().map(|s| (key(s), s)).collect();
    let new: BTreeMap<String, &StatementDoc> = after.affected.iter().map(|s| (key(s), s)).collect();
    for (key, statement) in &new {
        match old.get(key) {
            None => out.push(format!("{key}: {}", describe(statement))),
            Some(previous) if previous != statement => {
                let (was, now) = (describe(previous), describe(statement));
                if was == now {
                    out.push(format!("{key}: details revised"));
                } else {
                    out.push(format!("{key}: {was} → {now}"));
                }
            }
            Some(_) => {}
        }
    }
    for key in old.keys().filter(|key| !new.contains_key(*key)) {
        out.push(format!("{key}: statement removed"));
    }
    out
}
