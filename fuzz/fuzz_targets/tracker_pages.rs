//! Tracker answers, as `fixlog import` reads them: Jira search pages (Cloud and Data Center)
//! and the field list, Bugzilla `/rest/bug` pages, GitLab issue pages. The first byte picks
//! the parser. Issues that parse go on to become advisory drafts.
//!
//! Properties: a page parses into issues or a typed error naming the tracker; every CVE id
//! read from an issue is a valid CVE id; drafting never panics.
#![no_main]

use std::sync::LazyLock;

use fixlog_model::CveId;
use fixlog_trackers::bugzilla::{self, BugzillaQuery};
use fixlog_trackers::gitlab::{self, GitlabQuery};
use fixlog_trackers::jira::{self, JiraFields, JiraFlavor};
use fixlog_trackers::{CveRules, DraftOptions, TrackerIssue, build_drafts};
use libfuzzer_sys::fuzz_target;
use url::Url;

static RULES: LazyLock<CveRules> = LazyLock::new(CveRules::default);
static BASE: LazyLock<Url> =
    LazyLock::new(|| Url::parse("https://tracker.example/").expect("constant url"));

fn check(issues: &[TrackerIssue]) {
    for issue in issues {
        for cve in &issue.cves {
            cve.parse::<CveId>().expect("tracker CVE ids are valid");
        }
    }
    let options = DraftOptions {
        product: "plc-1000".to_owned(),
        advisory_prefix: "ACME-SA".to_owned(),
    };
    let _ = build_drafts(issues.to_vec(), &options);
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let url = "https://tracker.example/page";
    match selector % 5 {
        0 | 1 => {
            let flavor = if selector % 5 == 0 {
                JiraFlavor::Cloud
            } else {
                JiraFlavor::DataCenter
            };
            let fields = JiraFields {
                cve: Some("customfield_10050".to_owned()),
                cvss: Some("customfield_10051".to_owned()),
            };
            if let Ok(page) = jira::parse_search_page(flavor, &BASE, url, body, &RULES, &fields) {
                check(&page.issues);
            }
        }
        2 => {
            let _ = jira::resolve_fields(url, body, Some("CVE ID"), Some("CVSS Vector"));
        }
        3 => {
            let query = BugzillaQuery {
                query: "product=PLC".to_owned(),
                page_size: 50,
                updated_since: None,
                fixed_field: "cf_fixed_in".to_owned(),
                cvss_field: Some("cf_cvss_vector".to_owned()),
            };
            if let Ok(page) = bugzilla::parse_search_page(&BASE, url, body, &RULES, &query) {
                assert_eq!(page.count, page.issues.len());
                check(&page.issues);
            }
        }
        _ => {
            let query = GitlabQuery {
                project: "acme/plc".to_owned(),
                labels: "security".to_owned(),
                page_size: 50,
                updated_since: None,
                fixed_label: "fixed-in::".to_owned(),
                affected_label: "affects::".to_owned(),
            };
            if let Ok(issues) = gitlab::parse_page(url, body, &RULES, &query) {
                check(&issues);
            }
        }
    }
});
