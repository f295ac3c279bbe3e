//! Tracker issues → advisory drafts, de-duplicated by CVE.
//!
//! Issues that share a CVE id (the same flaw tracked twice, or a Jira issue and its Bugzilla
//! twin) become one draft. An issue without any CVE id is skipped and reported. The draft is
//! an ordinary `POST /api/v1/advisories` body, so approving it is publishing it.

use std::collections::BTreeSet;

use fixlog_api::{
    AdvisoryCveRequest, AdvisoryRequest, RangeDoc, RevisionRequest, StatementRequest,
};
use time::OffsetDateTime;

use crate::issue::{TrackerIssue, natural_cmp};

/// How drafts are named and which product they speak about.
#[derive(Clone, Debug)]
pub struct DraftOptions {
    /// The fixlog product id the tracker's issues concern.
    pub product: String,
    /// Prefix of new advisory ids: `<prefix>-<lowest CVE id>`.
    pub advisory_prefix: String,
}

/// A draft built from one or more issues.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedDraft {
    /// `tracker:key` of every issue merged into it.
    pub sources: Vec<String>,
    /// Its CVE ids, ordered.
    pub cves: Vec<String>,
    /// The advisory to publish on approval.
    pub advisory: AdvisoryRequest,
    /// Whether any merged issue is restricted at the tracker (embargo).
    pub restricted: bool,
}

/// An issue that did not become a draft, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// `tracker:key`.
    pub source: String,
    /// Why.
    pub reason: String,
}

/// The result of turning a fetch into drafts.
#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    /// Drafts, ordered by advisory id.
    pub drafts: Vec<ImportedDraft>,
    /// Issues without a CVE id.
    pub skipped: Vec<Skipped>,
    /// The latest update time among all fetched issues (the next sync starts there).
    pub high_water: Option<OffsetDateTime>,
}

/// Groups issues by shared CVE ids and renders one draft per group.
pub fn build_drafts(mut issues: Vec<TrackerIssue>, options: &DraftOptions) -> Import {
    issues.sort_by(|a, b| (a.tracker, &a.key).cmp(&(b.tracker, &b.key)));
    let high_water = issues.iter().map(|issue| issue.updated).max();
    let mut skipped = Vec::new();
    let mut groups: Vec<(BTreeSet<String>, Vec<TrackerIssue>)> = Vec::new();
    for issue in issues {
        if issue.cves.is_empty() {
            skipped.push(Skipped {
                source: issue.source(),
                reason: "no CVE id in labels, CVE field or summary".to_owned(),
            });
            continue;
        }
        let mut merged = (issue.cves.clone(), vec![issue]);
        let mut i = 0;
        while i < groups.len() {
            if groups[i].0.is_disjoint(&merged.0) {
                i += 1;
            } else {
                let (cves, members) = groups.remove(i);
                merged.0.extend(cves);
                let mut members = members;
                members.append(&mut merged.1);
                merged.1 = members;
            }
        }
        groups.push(merged);
    }
    let mut drafts: Vec<ImportedDraft> = groups
        .into_iter()
        .map(|(cves, members)| render(cves, &members, options))
        .collect();
    drafts.sort_by(|a, b| a.advisory.id.cmp(&b.advisory.id));
    Import {
        drafts,
        skipped,
        high_water,
    }
}

fn render(
    cves: BTreeSet<String>,
    members: &[TrackerIssue],
    options: &DraftOptions,
) -> ImportedDraft {
    let mut cves: Vec<String> = cves.into_iter().collect();
    cves.sort_by(|a, b| natural_cmp(a, b));
    let first = &members[0];
    let mut sources: Vec<String> = members.iter().map(TrackerIssue::source).collect();
    sources.sort();
    sources.dedup();
    let mut affected: Vec<String> = members.iter().flat_map(|m| m.affected.clone()).collect();
    let mut fixed: Vec<String> = members.iter().flat_map(|m| m.fixed.clone()).collect();
    for list in [&mut affected, &mut fixed] {
        list.sort_by(|a, b| natural_cmp(a, b));
        list.dedup();
    }
    let cvss = members.iter().find_map(|m| m.cvss.clone());
    let advisory_cves = cves
        .iter()
        .map(|id| AdvisoryCveRequest {
            id: id.clone(),
            title: None,
            cwe: None,
            cvss_v31: cvss.clone().filter(|v| v.starts_with("CVSS:3.1/")),
            cvss_v40: cvss.clone().filter(|v| v.starts_with("CVSS:4.0/")),
        })
        .collect();
    // Tracker versions have no ranges: the lowest affected version opens the range, the
    // lowest fixed version closes it; without a fix the highest affected version is the last
    // affected one; without either the product is under investigation. The tracker's own
    // words stay in vendor_text for the approver to check.
    let range = match (affected.first(), fixed.first()) {
        (introduced, Some(fix)) => Some(RangeDoc {
            introduced: introduced.cloned(),
            fixed: Some(fix.clone()),
            last_affected: None,
            limit: None,
            vers: None,
        }),
        (Some(low), None) => Some(RangeDoc {
            introduced: Some(low.clone()),
            fixed: None,
            last_affected: affected.last().cloned(),
            limit: None,
            vers: None,
        }),
        (None, None) => None,
    };
    let mut vendor_text = Vec::new();
    if !affected.is_empty() {
        vendor_text.push(format!("affected: {}", affected.join(", ")));
    }
    if !fixed.is_empty() {
        vendor_text.push(format!("fixed in: {}", fixed.join(", ")));
    }
    let statement = StatementRequest {
        product: options.product.clone(),
        status: if range.is_some() {
            "known_affected"
        } else {
            "under_investigation"
        }
        .to_owned(),
        cves: None,
        affected: range,
        ranges: None,
        scope: None,
        vendor_text: (!vendor_text.is_empty()).then(|| vendor_text.join("; ")),
        remediation: None,
    };
    let title: String = first
        .summary
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    ImportedDraft {
        advisory: AdvisoryRequest {
            id: format!("{}-{}", options.advisory_prefix, cves[0]),
            title,
            cves: advisory_cves,
            products: vec![statement],
            mitigations: vec![],
            references: vec![],
            known_exploited: false,
            revision: RevisionRequest {
                number: None,
                date: None,
                summary: format!("Imported from {}", sources.join(", ")),
            },
        },
        restricted: members.iter().any(|m| m.restricted),
        sources,
        cves,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(key: &str, cves: &[&str], affected: &[&str], fixed: &[&str]) -> TrackerIssue {
        TrackerIssue {
            tracker: "jira",
            key: key.to_owned(),
            url: String::new(),
            summary: format!("issue {key}"),
            cves: cves.iter().map(|c| (*c).to_owned()).collect(),
            affected: affected.iter().map(|c| (*c).to_owned()).collect(),
            fixed: fixed.iter().map(|c| (*c).to_owned()).collect(),
            cvss: None,
            restricted: false,
            resolved: false,
            updated: OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn options() -> DraftOptions {
        DraftOptions {
            product: "plc-1000".to_owned(),
            advisory_prefix: "ACME".to_owned(),
        }
    }

    #[test]
    fn issues_sharing_a_cve_merge_and_cveless_issues_are_skipped() {
        let import = build_drafts(
            vec![
                issue("A-1", &["CVE-2026-10001"], &["2.3.0"], &["2.4.1"]),
                issue(
                    "A-2",
                    &["CVE-2026-10002", "CVE-2026-10003"],
                    &["2.3.0", "2.4.1"],
                    &[],
                ),
                issue("A-3", &["CVE-2026-10003"], &[], &[]),
                issue("A-4", &[], &[], &[]),
            ],
            &options(),
        );
        assert_eq!(import.skipped.len(), 1);
        assert_eq!(import.skipped[0].source, "jira:A-4");
        assert_eq!(import.drafts.len(), 2);
        let first = &import.drafts[0].advisory;
        assert_eq!(first.id, "ACME-CVE-2026-10001");
        let range = first.products[0].affected.as_ref().unwrap();
        assert_eq!(range.introduced.as_deref(), Some("2.3.0"));
        assert_eq!(range.fixed.as_deref(), Some("2.4.1"));
        let merged = &import.drafts[1];
        assert_eq!(merged.sources, ["jira:A-2", "jira:A-3"]);
        assert_eq!(merged.cves, ["CVE-2026-10002", "CVE-2026-10003"]);
        let range = merged.advisory.products[0].affected.as_ref().unwrap();
        assert_eq!(range.last_affected.as_deref(), Some("2.4.1"));
        assert_eq!(merged.advisory.products[0].status, "known_affected");
    }

    #[test]
    fn no_versions_means_under_investigation() {
        let import = build_drafts(
            vec![issue("B-1", &["CVE-2026-10009"], &[], &[])],
            &options(),
        );
        let statement = &import.drafts[0].advisory.products[0];
        assert_eq!(statement.status, "under_investigation");
        assert!(statement.affected.is_none());
    }
}
