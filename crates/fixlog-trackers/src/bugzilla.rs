//! Bugzilla 5.x REST: `GET /rest/bug` with keyset paging by bug id.
//!
//! ```text
//! {"bugs":[{"id":4711,"alias":["CVE-2026-10001"],"summary":"CVE-2026-10001 webhmi: …",
//!   "version":"2.3.0","resolution":"FIXED","groups":[],"target_milestone":"2.4.1",
//!   "last_change_time":"2026-03-02T10:15:03Z","cf_fixed_in":"2.4.1", …}]}
//! ```
//!
//! Search answers carry no total, so the connector asks for `limit` bugs ordered by id with
//! `id > last seen id` (an advanced-search clause) until a short page. `alias` (an array in
//! 5.x, a string in 4.x) is a CVE source. Authentication is the `X-BUGZILLA-API-KEY` header.

use std::collections::{BTreeSet, HashMap};

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use url::Url;

use crate::TrackerError;
use crate::http::{Answer, Connection};
use crate::issue::{CveRules, TrackerIssue, cves_from_labels_and_summary, push_cve};

const TRACKER: &str = "bugzilla";

/// What to ask Bugzilla for.
#[derive(Clone, Debug)]
pub struct BugzillaQuery {
    /// Search parameters as a query string, e.g. `product=PLC-1000 Firmware&keywords=Security`.
    pub query: String,
    /// Bugs per page.
    pub page_size: u32,
    /// Only bugs changed at or after this time (`last_change_time`).
    pub updated_since: Option<OffsetDateTime>,
    /// The custom field with the fixed version (`cf_fixed_in`); `target_milestone` otherwise.
    pub fixed_field: String,
    /// The custom field with a CVSS vector, e.g. `cf_cvss_vector`.
    pub cvss_field: Option<String>,
}

#[derive(Deserialize)]
struct ErrorDocument {
    error: bool,
    #[serde(default)]
    code: i64,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
struct SearchAnswer {
    bugs: Vec<RawBug>,
}

#[derive(Deserialize)]
struct RawBug {
    id: u64,
    #[serde(default)]
    alias: Value,
    summary: String,
    #[serde(default)]
    version: Value,
    #[serde(default)]
    resolution: Option<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    target_milestone: Option<String>,
    last_change_time: String,
    #[serde(flatten)]
    other: HashMap<String, Value>,
}

/// Texts of a value that is a string, an array of strings, or null.
fn texts(value: &Value) -> Vec<String> {
    match value {
        Value::String(text) if !text.trim().is_empty() && text != "---" => {
            vec![text.trim().to_owned()]
        }
        Value::Array(items) => items.iter().flat_map(texts).collect(),
        _ => vec![],
    }
}

/// One page: the bugs and the largest id seen (the next page's keyset bound).
#[derive(Clone, Debug, PartialEq)]
pub struct BugzillaPage {
    /// Bugs of the page.
    pub issues: Vec<TrackerIssue>,
    /// Largest bug id of the page.
    pub last_id: Option<u64>,
    /// Number of bugs on the page (a short page is the last).
    pub count: usize,
}

/// Parses one `/rest/bug` answer.
pub fn parse_search_page(
    base: &Url,
    url: &str,
    body: &[u8],
    rules: &CveRules,
    query: &BugzillaQuery,
) -> Result<BugzillaPage, TrackerError> {
    if let Ok(document) = serde_json::from_slice::<ErrorDocument>(body)
        && document.error
    {
        return Err(TrackerError::Reported {
            tracker: TRACKER,
            url: url.to_owned(),
            code: document.code,
            message: document.message,
        });
    }
    let SearchAnswer { bugs } = crate::http::parse_body(TRACKER, url, body)?;
    let mut issues = Vec::with_capacity(bugs.len());
    for (i, bug) in bugs.iter().enumerate() {
        let updated = OffsetDateTime::parse(&bug.last_change_time, &Rfc3339).map_err(|_| {
            TrackerError::Malformed {
                tracker: TRACKER,
                url: url.to_owned(),
                field: format!("bugs[{i}].last_change_time"),
                message: format!("{:?} is not an RFC 3339 time", bug.last_change_time),
            }
        })?;
        let aliases = texts(&bug.alias);
        let mut cves = BTreeSet::new();
        cves_from_labels_and_summary(
            rules,
            aliases
                .iter()
                .chain(bug.keywords.iter())
                .map(String::as_str),
            &bug.summary,
            &mut cves,
        );
        if let Some(field) = &rules.field
            && let Some(value) = bug.other.get(field)
        {
            for text in texts(value) {
                push_cve(&text, &mut cves);
            }
        }
        let mut fixed = bug
            .other
            .get(&query.fixed_field)
            .map(texts)
            .unwrap_or_default();
        if fixed.is_empty() {
            fixed = bug
                .target_milestone
                .clone()
                .map(Value::String)
                .as_ref()
                .map(texts)
                .unwrap_or_default();
        }
        let cvss = query
            .cvss_field
            .as_ref()
            .and_then(|field| bug.other.get(field))
            .and_then(Value::as_str)
            .filter(|vector| vector.starts_with("CVSS:"))
            .map(str::to_owned);
        issues.push(TrackerIssue {
            tracker: TRACKER,
            key: bug.id.to_string(),
            url: base
                .join(&format!("show_bug.cgi?id={}", bug.id))
                .map(|u| u.to_string())
                .unwrap_or_default(),
            summary: bug.summary.clone(),
            cves,
            affected: texts(&bug.version),
            fixed,
            cvss,
            restricted: !bug.groups.is_empty(),
            resolved: bug.resolution.as_deref().is_some_and(|r| !r.is_empty()),
            updated,
        });
    }
    Ok(BugzillaPage {
        last_id: bugs.iter().map(|bug| bug.id).max(),
        count: bugs.len(),
        issues,
    })
}

/// The URL of the page after `after` (keyset: `bug_id > after`).
pub fn page_url(
    connection: &Connection,
    query: &BugzillaQuery,
    after: u64,
) -> Result<Url, TrackerError> {
    let mut url = connection.url("rest/bug")?;
    let user: Vec<(String, String)> = url::form_urlencoded::parse(query.query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    // Use the first advanced-search clause number the user's query leaves free.
    let mut clause = 1;
    while user.iter().any(|(key, _)| key == &format!("f{clause}")) {
        clause += 1;
    }
    let mut include = vec!["_default".to_owned(), query.fixed_field.clone()];
    include.extend(query.cvss_field.clone());
    {
        let mut pairs = url.query_pairs_mut();
        for (key, value) in &user {
            pairs.append_pair(key, value);
        }
        pairs
            .append_pair("include_fields", &include.join(","))
            .append_pair("limit", &query.page_size.to_string())
            .append_pair("order", "bug_id")
            .append_pair("query_format", "advanced")
            .append_pair(&format!("f{clause}"), "bug_id")
            .append_pair(&format!("o{clause}"), "greaterthan")
            .append_pair(&format!("v{clause}"), &after.to_string());
        if let Some(since) = query.updated_since {
            pairs.append_pair(
                "last_change_time",
                &since.format(&Rfc3339).expect("times format"),
            );
        }
    }
    Ok(url)
}

/// Fetches every page. Any failure fails the whole fetch (nothing partial).
pub async fn fetch(
    connection: &Connection,
    query: &BugzillaQuery,
    rules: &CveRules,
) -> Result<Vec<TrackerIssue>, TrackerError> {
    let mut issues = Vec::new();
    let mut after = 0;
    loop {
        let url = page_url(connection, query, after)?;
        let Answer { body, .. } = connection.get(&url).await?;
        let page = parse_search_page(&connection.base, url.as_str(), &body, rules, query)?;
        issues.extend(page.issues);
        match page.last_id {
            Some(last) if page.count >= query.page_size as usize => {
                if last <= after {
                    return Err(TrackerError::Malformed {
                        tracker: TRACKER,
                        url: url.to_string(),
                        field: "bugs[].id".to_owned(),
                        message: format!("ids do not increase past {after}"),
                    });
                }
                after = last;
            }
            _ => return Ok(issues),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEARCH: &[u8] =
        include_bytes!("../../../../shared/data/trackers/bugzilla/bug-search.json");
    const DENIED: &[u8] =
        include_bytes!("../../../../shared/data/trackers/bugzilla/error-102.json");

    fn query() -> BugzillaQuery {
        BugzillaQuery {
            query: "product=PLC-1000 Firmware&keywords=Security".to_owned(),
            page_size: 100,
            updated_since: None,
            fixed_field: "cf_fixed_in".to_owned(),
            cvss_field: Some("cf_cvss_vector".to_owned()),
        }
    }

    #[test]
    fn alias_and_summary_are_cve_sources() {
        let base = Url::parse("https://bugzilla.example.com/").unwrap();
        let page = parse_search_page(&base, "u", SEARCH, &CveRules::default(), &query()).unwrap();
        assert_eq!(page.last_id, Some(4719));
        let first = &page.issues[0];
        assert_eq!(first.cves.iter().collect::<Vec<_>>(), ["CVE-2026-10001"]);
        assert_eq!(first.fixed, ["2.4.1"]);
        assert_eq!(first.affected, ["2.3.0"]);
        assert!(first.cvss.as_deref().unwrap().starts_with("CVSS:3.1/"));
        let second = &page.issues[1];
        assert_eq!(second.cves.iter().collect::<Vec<_>>(), ["CVE-2026-10002"]);
        assert!(second.fixed.is_empty(), "--- and empty are no version");
        assert!(second.restricted && !second.resolved);
    }

    #[test]
    fn an_error_document_is_reported_with_its_code() {
        let base = Url::parse("https://bugzilla.example.com/").unwrap();
        let error = parse_search_page(&base, "u", DENIED, &CveRules::default(), &query())
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "bugzilla: u reported error 102: You are not authorized to access bug #4719."
        );
    }
}
