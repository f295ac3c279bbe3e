//! GitLab: `GET /api/v4/projects/:id/issues` with offset paging (`x-next-page`).
//!
//! ```text
//! [{"id":8801,"iid":42,"title":"CVE-2026-10001: stored XSS …","labels":["security",
//!   "CVE-2026-10001","fixed-in::2.4.1"],"milestone":{"title":"2.4.1"},"confidential":false,
//!   "updated_at":"2026-03-02T10:15:03.120Z","web_url":"https://gitlab.example.com/…/42"}]
//! x-next-page: 2
//! ```
//!
//! GitLab has no CVE field: CVE ids come from labels and the title. The fixed version is a
//! scoped label (`fixed-in::2.4.1`) or else the milestone; affected versions are scoped
//! labels (`affects::2.3.0`). Authentication is the `PRIVATE-TOKEN` header.

use std::collections::BTreeSet;

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use url::Url;

use crate::TrackerError;
use crate::http::{Answer, Connection};
use crate::issue::{CveRules, TrackerIssue, cves_from_labels_and_summary};

const TRACKER: &str = "gitlab";

/// What to ask GitLab for.
#[derive(Clone, Debug)]
pub struct GitlabQuery {
    /// Project id or `group/project` path.
    pub project: String,
    /// Issues must carry this label (comma-separated for several), e.g. `security`.
    pub labels: String,
    /// Issues per page.
    pub page_size: u32,
    /// Only issues updated at or after this time (`updated_after`).
    pub updated_since: Option<OffsetDateTime>,
    /// Scoped-label prefix of the fixed version (`fixed-in::`).
    pub fixed_label: String,
    /// Scoped-label prefix of an affected version (`affects::`).
    pub affected_label: String,
}

#[derive(Deserialize)]
struct RawIssue {
    iid: u64,
    title: String,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    milestone: Option<RawMilestone>,
    #[serde(default)]
    confidential: bool,
    state: String,
    updated_at: String,
    #[serde(default)]
    web_url: String,
}

#[derive(Deserialize)]
struct RawMilestone {
    title: String,
}

/// Parses one page (a JSON array of issues).
pub fn parse_page(
    url: &str,
    body: &[u8],
    rules: &CveRules,
    query: &GitlabQuery,
) -> Result<Vec<TrackerIssue>, TrackerError> {
    let raw: Vec<RawIssue> = crate::http::parse_body(TRACKER, url, body)?;
    let mut issues = Vec::with_capacity(raw.len());
    for (i, issue) in raw.iter().enumerate() {
        let updated = OffsetDateTime::parse(&issue.updated_at, &Rfc3339).map_err(|_| {
            TrackerError::Malformed {
                tracker: TRACKER,
                url: url.to_owned(),
                field: format!("[{i}].updated_at"),
                message: format!("{:?} is not an RFC 3339 time", issue.updated_at),
            }
        })?;
        let mut cves = BTreeSet::new();
        cves_from_labels_and_summary(
            rules,
            issue.labels.iter().map(String::as_str),
            &issue.title,
            &mut cves,
        );
        let scoped = |prefix: &str| {
            issue
                .labels
                .iter()
                .filter_map(|label| label.strip_prefix(prefix))
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
                .collect::<Vec<_>>()
        };
        let mut fixed = scoped(&query.fixed_label);
        if fixed.is_empty()
            && let Some(milestone) = &issue.milestone
        {
            fixed.push(milestone.title.clone());
        }
        issues.push(TrackerIssue {
            tracker: TRACKER,
            key: format!("#{}", issue.iid),
            url: issue.web_url.clone(),
            summary: issue.title.clone(),
            cves,
            affected: scoped(&query.affected_label),
            fixed,
            cvss: None,
            restricted: issue.confidential,
            resolved: issue.state == "closed",
            updated,
        });
    }
    Ok(issues)
}

/// The URL of page `page`.
pub fn page_url(
    connection: &Connection,
    query: &GitlabQuery,
    page: u64,
) -> Result<Url, TrackerError> {
    let project: String = url::form_urlencoded::byte_serialize(query.project.as_bytes()).collect();
    let mut url = connection.url(&format!("api/v4/projects/{project}/issues"))?;
    {
        let mut pairs = url.query_pairs_mut();
        pairs
            .append_pair("labels", &query.labels)
            .append_pair("state", "all")
            .append_pair("order_by", "updated_at")
            .append_pair("sort", "asc")
            .append_pair("per_page", &query.page_size.to_string())
            .append_pair("page", &page.to_string());
        if let Some(since) = query.updated_since {
            pairs.append_pair(
                "updated_after",
                &since.format(&Rfc3339).expect("times format"),
            );
        }
    }
    Ok(url)
}

/// Fetches every page, following `x-next-page`. Any failure fails the whole fetch.
pub async fn fetch(
    connection: &Connection,
    query: &GitlabQuery,
    rules: &CveRules,
) -> Result<Vec<TrackerIssue>, TrackerError> {
    let mut issues = Vec::new();
    let mut page = 1;
    loop {
        let url = page_url(connection, query, page)?;
        let Answer { headers, body } = connection.get(&url).await?;
        issues.extend(parse_page(url.as_str(), &body, rules, query)?);
        let next = headers
            .get("x-next-page")
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .filter(|value| !value.is_empty());
        match next {
            None => return Ok(issues),
            Some(text) => match text.parse::<u64>() {
                Ok(next) if next > page => page = next,
                _ => {
                    return Err(TrackerError::Malformed {
                        tracker: TRACKER,
                        url: url.to_string(),
                        field: "x-next-page (header)".to_owned(),
                        message: format!("{text:?} is not a later page number"),
                    });
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUES: &[u8] =
        include_bytes!("../../../../shared/data/trackers/gitlab/project-issues.json");

    #[test]
    fn labels_milestones_and_confidentiality() {
        let query = GitlabQuery {
            project: "17".to_owned(),
            labels: "security".to_owned(),
            page_size: 2,
            updated_since: None,
            fixed_label: "fixed-in::".to_owned(),
            affected_label: "affects::".to_owned(),
        };
        let issues = parse_page("u", ISSUES, &CveRules::default(), &query).unwrap();
        assert_eq!(issues[0].key, "#42");
        assert_eq!(issues[0].fixed, ["2.4.1"]);
        assert!(issues[0].resolved && !issues[0].restricted);
        assert_eq!(
            issues[1].cves.iter().collect::<Vec<_>>(),
            ["CVE-2026-10002", "CVE-2026-10003"]
        );
        assert!(issues[1].restricted && issues[1].fixed.is_empty());
    }
}
