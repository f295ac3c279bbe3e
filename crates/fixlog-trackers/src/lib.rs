//! Connectors to defect trackers: security issues in Jira, Bugzilla and GitLab become
//! advisory drafts.
//!
//! Each connector pages through one search API, reads CVE ids with configurable rules
//! ([`CveRules`]: labels, a custom field by name, a summary pattern), affected and fixed
//! versions from the tracker's fields, and the update time for incremental sync:
//!
//! ```text
//! GET /rest/api/3/search/jql?jql=…&nextPageToken=…   (Jira Cloud)
//! GET /rest/api/2/search?jql=…&startAt=…             (Jira Data Center)
//! GET /rest/bug?…&f1=bug_id&o1=greaterthan&v1=…      (Bugzilla, keyset by id)
//! GET /api/v4/projects/:id/issues?labels=…&page=…    (GitLab, x-next-page)
//! ```
//!
//! Parsing ([`jira::parse_search_page`], [`bugzilla::parse_search_page`],
//! [`gitlab::parse_page`]) is pure; [`http::Connection`] does the HTTP with bounded backoff on
//! 429. A fetch either returns every page or fails: callers never see a partial result.
//! [`drafts::build_drafts`] merges issues by CVE into `POST /api/v1/advisories` bodies.

pub mod bugzilla;
pub mod drafts;
mod error;
pub mod gitlab;
pub mod http;
mod issue;
pub mod jira;

pub use drafts::{DraftOptions, Import, ImportedDraft, Skipped, build_drafts};
pub use error::TrackerError;
pub use http::{Auth, Connection, RetryPolicy};
pub use issue::{CVE_PATTERN, CveRules, TrackerIssue, natural_cmp};
