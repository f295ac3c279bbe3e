//! Bodies of the draft routes (`/api/v1/drafts`, `/api/v1/imports`). These routes are
//! authenticated and deliberately absent from the public OpenAPI document: drafts are not
//! public. README documents them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{AdvisoryRequest, PublishResponse};

/// `POST /api/v1/drafts`, `PUT /api/v1/drafts/{id}`: an advisory that is not published yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftRequest {
    /// The advisory to publish on approval (its `id` is the draft's id).
    pub advisory: AdvisoryRequest,
    /// Where it came from, e.g. `jira:PLCSEC-42`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A draft as the draft routes show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftView {
    /// Draft id = advisory id.
    pub id: String,
    /// `draft` (awaiting approval) or `published`.
    pub state: String,
    /// The advisory body.
    pub advisory: AdvisoryRequest,
    /// Its CVE ids.
    pub cves: Vec<String>,
    /// Tracker reference(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The entry the last approval appended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_seq: Option<u64>,
    /// First saved (RFC 3339).
    pub created: String,
    /// Who first saved it (token id).
    pub created_by: String,
    /// Last changed (RFC 3339).
    pub updated: String,
    /// Who last changed it (token id).
    pub updated_by: String,
}

/// `GET /api/v1/drafts`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftList {
    /// Drafts in id order.
    pub drafts: Vec<DraftView>,
}

/// `POST /api/v1/imports`: drafts from one tracker source, saved all together or not at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// The tracker source, e.g. `jira:https://jira.example.com project = PLCSEC`.
    pub source: String,
    /// The latest update time the fetch saw (saved with the drafts; the next sync starts
    /// there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_water: Option<String>,
    /// The drafts.
    pub drafts: Vec<DraftRequest>,
    /// Only compute what would change; store nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// One field that differs between the stored draft and the imported one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// JSON pointer into the advisory body.
    pub field: String,
    /// Stored value (absent when new).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    /// Imported value (absent when removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

/// What an import does to one draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportChange {
    /// Draft id (an existing draft's or advisory's id when a CVE matched one).
    pub id: String,
    /// `create`, `update` or `unchanged`.
    pub action: String,
    /// Tracker reference(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// CVE ids.
    pub cves: Vec<String>,
    /// Field differences (every field for a new draft).
    pub changes: Vec<FieldChange>,
}

/// Answer to `POST /api/v1/imports`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportResponse {
    /// Whether this was a dry run (nothing stored).
    pub dry_run: bool,
    /// One change per imported draft.
    pub changes: Vec<ImportChange>,
    /// The high-water mark now stored for the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_water: Option<String>,
}

/// `GET /api/v1/imports/{source}`: where the next incremental sync starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// The tracker source.
    pub source: String,
    /// The stored high-water mark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_water: Option<String>,
}

/// Answer to `POST /api/v1/drafts/{id}/approve`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApproveResponse {
    /// The draft, now `published`.
    pub draft: DraftView,
    /// The log entry appended.
    pub publish: PublishResponse,
}
