//! Jira: Cloud `GET /rest/api/3/search/jql` (token paging: `nextPageToken`, absent on the
//! last page) and Data Center `GET /rest/api/2/search` (offset paging: `startAt`, `total`).
//!
//! ```text
//! {"issues":[{"key":"PLCSEC-42","fields":{"summary":"CVE-2026-10001 Web HMI: …",
//!   "labels":["security","CVE-2026-10001"],"versions":[{"name":"2.3.0"}],
//!   "fixVersions":[{"name":"2.4.1"}],"security":{…},"updated":"2026-03-02T10:15:03.120+0000",
//!   "customfield_10050":"CVE-2026-10001"}}],"nextPageToken":"CAEaAggD","isLast":false}
//! ```
//!
//! Custom fields are resolved by display name through `GET /rest/api/2/field`, never by a
//! hard-coded id. Timestamps use `+0000` offsets, parsed with an explicit format.

use std::collections::{BTreeSet, HashMap};

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use url::Url;

use crate::TrackerError;
use crate::http::{Answer, Connection};
use crate::issue::{CveRules, TrackerIssue, cves_from_labels_and_summary, push_cve};

const TRACKER: &str = "jira";

/// Which Jira API to page through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JiraFlavor {
    /// Jira Cloud: `/rest/api/3/search/jql` with `nextPageToken`.
    Cloud,
    /// Jira Data Center / Server: `/rest/api/2/search` with `startAt`.
    DataCenter,
}

/// What to ask Jira for.
#[derive(Clone, Debug)]
pub struct JiraQuery {
    /// Cloud or Data Center.
    pub flavor: JiraFlavor,
    /// A bounded JQL query, e.g. `project = PLCSEC AND labels = security`.
    pub jql: String,
    /// Issues per page.
    pub page_size: u32,
    /// Only issues updated at or after this time (incremental sync).
    pub updated_since: Option<OffsetDateTime>,
    /// Display name of a custom field holding a CVSS vector, e.g. `CVSS vector`.
    pub cvss_field: Option<String>,
}

/// Custom field ids the search needs, resolved from display names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JiraFields {
    /// Id of the CVE field (`customfield_10050`).
    pub cve: Option<String>,
    /// Id of the CVSS field.
    pub cvss: Option<String>,
}

#[derive(Deserialize)]
struct FieldDef {
    id: String,
    name: String,
}

/// Resolves custom field display names with the answer of `GET /rest/api/2/field`.
pub fn resolve_fields(
    url: &str,
    body: &[u8],
    cve_name: Option<&str>,
    cvss_name: Option<&str>,
) -> Result<JiraFields, TrackerError> {
    let defs: Vec<FieldDef> = crate::http::parse_body(TRACKER, url, body)?;
    let find = |name: &str| {
        defs.iter()
            .find(|def| def.name.eq_ignore_ascii_case(name))
            .map(|def| def.id.clone())
            .ok_or_else(|| TrackerError::Config {
                tracker: TRACKER,
                message: format!("custom field {name:?} does not exist at {url}"),
            })
    };
    Ok(JiraFields {
        cve: cve_name.map(find).transpose()?,
        cvss: cvss_name.map(find).transpose()?,
    })
}

#[derive(Deserialize)]
struct SearchPage {
    issues: Vec<RawIssue>,
    #[serde(default, rename = "nextPageToken")]
    next_page_token: Option<String>,
    #[serde(default, rename = "isLast")]
    is_last: Option<bool>,
    #[serde(default, rename = "startAt")]
    start_at: Option<u64>,
    #[serde(default)]
    total: Option<u64>,
}

#[derive(Deserialize)]
struct RawIssue {
    key: String,
    fields: RawFields,
}

#[derive(Deserialize)]
struct RawFields {
    summary: String,
    #[serde(default)]
    labels: Option<Vec<String>>,
    #[serde(default)]
    versions: Option<Vec<RawVersion>>,
    #[serde(default, rename = "fixVersions")]
    fix_versions: Option<Vec<RawVersion>>,
    #[serde(default)]
    security: Option<Value>,
    #[serde(default)]
    resolution: Option<Value>,
    updated: String,
    #[serde(flatten)]
    other: HashMap<String, Value>,
}

#[derive(Deserialize)]
struct RawVersion {
    name: String,
}

/// Where the next page starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NextPage {
    /// Cloud: ask again with this token.
    Token(String),
    /// Data Center: ask again with this `startAt`.
    StartAt(u64),
    /// This was the last page.
    Done,
}

/// One page of search results.
#[derive(Clone, Debug, PartialEq)]
pub struct JiraPage {
    /// The issues of this page (all of them; those without a CVE have an empty set).
    pub issues: Vec<TrackerIssue>,
    /// Where to continue.
    pub next: NextPage,
}

/// Parses a Jira timestamp, `2026-03-02T10:15:03.120+0000` (not RFC 3339).
pub fn parse_jira_time(text: &str) -> Option<OffsetDateTime> {
    let with_millis = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond][offset_hour sign:mandatory][offset_minute]"
    );
    let without = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
    );
    OffsetDateTime::parse(text, with_millis)
        .or_else(|_| OffsetDateTime::parse(text, without))
        .or_else(|_| OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339))
        .ok()
}

/// Strings inside a custom field value: a text, a list of texts, or option objects.
fn field_texts(value: &Value) -> Vec<String> {
    match value {
        Value::String(text) => text
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|part| !part.is_empty())
            .map(str::to_owned)
            .collect(),
        Value::Array(items) => items.iter().flat_map(field_texts).collect(),
        Value::Object(map) => map.get("value").map(field_texts).unwrap_or_default(),
        _ => vec![],
    }
}

/// Parses one search page (either API) into tracker issues.
pub fn parse_search_page(
    flavor: JiraFlavor,
    base: &Url,
    url: &str,
    body: &[u8],
    rules: &CveRules,
    fields: &JiraFields,
) -> Result<JiraPage, TrackerError> {
    let page: SearchPage = crate::http::parse_body(TRACKER, url, body)?;
    let mut issues = Vec::with_capacity(page.issues.len());
    for (i, raw) in page.issues.iter().enumerate() {
        let fields_of = &raw.fields;
        let updated =
            parse_jira_time(&fields_of.updated).ok_or_else(|| TrackerError::Malformed {
                tracker: TRACKER,
                url: url.to_owned(),
                field: format!("issues[{i}].fields.updated"),
                message: format!("{:?} is not a Jira timestamp", fields_of.updated),
            })?;
        let labels = fields_of.labels.clone().unwrap_or_default();
        let mut cves = BTreeSet::new();
        cves_from_labels_and_summary(
            rules,
            labels.iter().map(String::as_str),
            &fields_of.summary,
            &mut cves,
        );
        if let Some(id) = &fields.cve
            && let Some(value) = fields_of.other.get(id)
        {
            for text in field_texts(value) {
                push_cve(&text, &mut cves);
            }
        }
        let cvss = fields
            .cvss
            .as_ref()
            .and_then(|id| fields_of.other.get(id))
            .and_then(|value| value.as_str())
            .map(str::to_owned)
            .filter(|vector| vector.starts_with("CVSS:"));
        let names = |list: &Option<Vec<RawVersion>>| {
            list.iter()
                .flatten()
                .map(|version| version.name.clone())
                .collect::<Vec<_>>()
        };
        issues.push(TrackerIssue {
            tracker: TRACKER,
            key: raw.key.clone(),
            url: base
                .join(&format!("browse/{}", raw.key))
                .map(|u| u.to_string())
                .unwrap_or_default(),
            summary: fields_of.summary.clone(),
            cves,
            affected: names(&fields_of.versions),
            fixed: names(&fields_of.fix_versions),
            cvss,
            restricted: fields_of.security.as_ref().is_some_and(|s| !s.is_null()),
            resolved: fields_of.resolution.as_ref().is_some_and(|r| !r.is_null()),
            updated,
        });
    }
    let next = match flavor {
        JiraFlavor::Cloud => match (&page.next_page_token, page.is_last) {
            (_, Some(true)) | (None, _) => NextPage::Done,
            (Some(token), _) => NextPage::Token(token.clone()),
        },
        JiraFlavor::DataCenter => {
            let start = page.start_at.unwrap_or(0);
            let seen = start + page.issues.len() as u64;
            match page.total {
                Some(total) if seen < total && !page.issues.is_empty() => NextPage::StartAt(seen),
                Some(_) => NextPage::Done,
                None => {
                    return Err(TrackerError::Malformed {
                        tracker: TRACKER,
                        url: url.to_owned(),
                        field: "total".to_owned(),
                        message: "missing (Data Center search pages carry a total)".to_owned(),
                    });
                }
            }
        }
    };
    Ok(JiraPage { issues, next })
}

/// The JQL actually sent: the user's query, bounded by the high-water mark, oldest first.
pub fn effective_jql(query: &JiraQuery) -> String {
    let mut jql = format!("({})", query.jql);
    if let Some(since) = query.updated_since {
        // JQL dates have minute precision (and the user's time zone): start a day early and
        // let de-duplication drop what did not change.
        let since = since - time::Duration::days(1);
        let format = time::macros::format_description!("[year]/[month]/[day] [hour]:[minute]");
        let text = since.format(format).expect("date formats");
        jql.push_str(&format!(" AND updated >= \"{text}\""));
    }
    jql.push_str(" ORDER BY updated ASC");
    jql
}

/// Fetches every page of the query. Any failure fails the whole fetch (nothing partial).
pub async fn fetch(
    connection: &Connection,
    query: &JiraQuery,
    rules: &CveRules,
) -> Result<Vec<TrackerIssue>, TrackerError> {
    let mut fields = JiraFields::default();
    if rules.field.is_some() || query.cvss_field.is_some() {
        let url = connection.url("rest/api/2/field")?;
        let Answer { body, .. } = connection.get(&url).await?;
        fields = resolve_fields(
            url.as_str(),
            &body,
            rules.field.as_deref(),
            query.cvss_field.as_deref(),
        )?;
    }
    let mut wanted = vec![
        "summary",
        "labels",
        "status",
        "resolution",
        "resolutiondate",
        "versions",
        "fixVersions",
        "security",
        "updated",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect::<Vec<_>>();
    wanted.extend(fields.cve.clone());
    wanted.extend(fields.cvss.clone());
    let jql = effective_jql(query);
    let path = match query.flavor {
        JiraFlavor::Cloud => "rest/api/3/search/jql",
        JiraFlavor::DataCenter => "rest/api/2/search",
    };
    let mut next = match query.flavor {
        JiraFlavor::Cloud => None,
        JiraFlavor::DataCenter => Some(NextPage::StartAt(0)),
    };
    let mut issues = Vec::new();
    let mut seen_tokens = BTreeSet::new();
    loop {
        let mut url = connection.url(path)?;
        {
            let mut pairs = url.query_pairs_mut();
            pairs
                .append_pair("jql", &jql)
                .append_pair("fields", &wanted.join(","))
                .append_pair("maxResults", &query.page_size.to_string());
            match &next {
                Some(NextPage::Token(token)) => {
                    pairs.append_pair("nextPageToken", token);
                }
                Some(NextPage::StartAt(start)) => {
                    pairs.append_pair("startAt", &start.to_string());
                }
                _ => {}
            }
        }
        let Answer { body, .. } = connection.get(&url).await?;
        let page = parse_search_page(
            query.flavor,
            &connection.base,
            url.as_str(),
            &body,
            rules,
            &fields,
        )?;
        issues.extend(page.issues);
        match page.next {
            NextPage::Done => return Ok(issues),
            NextPage::Token(token) => {
                if !seen_tokens.insert(token.clone()) {
                    return Err(TrackerError::Malformed {
                        tracker: TRACKER,
                        url: url.to_string(),
                        field: "nextPageToken".to_owned(),
                        message: format!("{token:?} repeats an earlier page"),
                    });
                }
                next = Some(NextPage::Token(token));
            }
            start => next = Some(start),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE1: &[u8] =
        include_bytes!("../../../../shared/data/trackers/jira/search-jql-cloud-page1.json");
    const PAGE2: &[u8] =
        include_bytes!("../../../../shared/data/trackers/jira/search-jql-cloud-page2-last.json");
    const FIELDS: &[u8] = include_bytes!("../../../../shared/data/trackers/jira/field-list.json");

    fn base() -> Url {
        Url::parse("https://jira.example.com/").unwrap()
    }

    #[test]
    fn cloud_pages_carry_a_token_until_the_last() {
        let fields = resolve_fields("u", FIELDS, Some("CVE ID"), None).unwrap();
        assert_eq!(fields.cve.as_deref(), Some("customfield_10050"));
        let rules = CveRules::default();
        let first =
            parse_search_page(JiraFlavor::Cloud, &base(), "u", PAGE1, &rules, &fields).unwrap();
        assert_eq!(first.next, NextPage::Token("CAEaAggD".to_owned()));
        let issue = &first.issues[0];
        assert_eq!(issue.key, "PLCSEC-42");
        assert_eq!(issue.cves.iter().collect::<Vec<_>>(), ["CVE-2026-10001"]);
        assert_eq!(issue.affected, ["2.3.0"]);
        assert_eq!(issue.fixed, ["2.4.1"]);
        assert!(issue.restricted && issue.resolved);
        assert_eq!(issue.updated.unix_timestamp(), 1_772_446_503);
        let last =
            parse_search_page(JiraFlavor::Cloud, &base(), "u", PAGE2, &rules, &fields).unwrap();
        assert_eq!(last.next, NextPage::Done);
        assert_eq!(
            last.issues[0].cves.iter().collect::<Vec<_>>(),
            ["CVE-2026-10002", "CVE-2026-10003"]
        );
        assert!(last.issues[0].fixed.is_empty());
    }

    #[test]
    fn an_unknown_field_name_is_named() {
        let error = resolve_fields("https://j/rest/api/2/field", FIELDS, Some("CVE IDs"), None)
            .unwrap_err()
            .to_string();
        assert!(error.contains("\"CVE IDs\""), "{error}");
    }

    #[test]
    fn a_bad_timestamp_names_the_field() {
        let body = br#"{"issues":[{"key":"X-1","fields":{"summary":"s","updated":"yesterday"}}],"isLast":true}"#;
        let error = parse_search_page(
            JiraFlavor::Cloud,
            &base(),
            "https://j/search",
            body,
            &CveRules::default(),
            &JiraFields::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("issues[0].fields.updated"), "{error}");
        assert!(error.starts_with("jira: "), "{error}");
    }

    #[test]
    fn incremental_jql_is_bounded_and_ordered() {
        let query = JiraQuery {
            flavor: JiraFlavor::Cloud,
            jql: "project = PLCSEC".to_owned(),
            page_size: 50,
            updated_since: parse_jira_time("2026-03-02T10:15:03.120+0000"),
            cvss_field: None,
        };
        assert_eq!(
            effective_jql(&query),
            "(project = PLCSEC) AND updated >= \"2026/03/01 10:15\" ORDER BY updated ASC"
        );
    }
}
