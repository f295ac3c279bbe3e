//! The monitor's history: raw probe samples (one row per attempt), detected changes,
//! incidents, the last content snapshot per endpoint and references to sealed evidence.
//!
//! `fixlog monitor` keeps raw samples rather than aggregates so that uptime and latency
//! percentiles can be computed for any window afterwards. These tables live in the same
//! database as the log (SQLite by default, PostgreSQL at scale) but share nothing with it.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::StoreError;

/// One attempt of one probe.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleRecord {
    /// Endpoint name from the monitor configuration.
    pub endpoint: String,
    /// The probe this attempt belongs to (UUID text); retries share it.
    pub probe_id: String,
    /// Attempt number within the probe, 0 for the first.
    pub attempt: u32,
    /// Whether this was the last attempt of its probe.
    pub last_attempt: bool,
    /// When the attempt started (UTC).
    pub started: OffsetDateTime,
    /// Whether every assertion held.
    pub ok: bool,
    /// Failure class (`dns`, `tcp`, `tls`, `http-status`, `timeout`, …) when not ok.
    pub failure: Option<String>,
    /// HTTP status of the main request, if one arrived.
    pub status: Option<u16>,
    /// Media type of the main response.
    pub media_type: Option<String>,
    /// Total time of the main request in milliseconds (resolution to the last body byte).
    pub latency_ms: f64,
    /// Name resolution time in milliseconds.
    pub dns_ms: Option<f64>,
    /// TCP connect time in milliseconds.
    pub connect_ms: Option<f64>,
    /// TLS handshake time in milliseconds.
    pub tls_ms: Option<f64>,
    /// Time to the first response byte in milliseconds.
    pub ttfb_ms: Option<f64>,
    /// SHA-256 (hex) of the main response body.
    pub body_sha256: Option<String>,
    /// `notAfter` of the server's leaf certificate.
    pub tls_not_after: Option<OffsetDateTime>,
    /// Human-readable detail of a failure.
    pub detail: Option<String>,
}

/// A change detected between two probes of an endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeRecord {
    /// Endpoint name.
    pub endpoint: String,
    /// The probe that saw it.
    pub probe_id: String,
    /// When it was seen.
    pub at: OffsetDateTime,
    /// Change class (`entry-added`, `range-widened`, `fix-added`, `image-digest-changed`,
    /// `entry-removed`, `checkpoint-fork`, …).
    pub class: String,
    /// What changed (an entry seq, an advisory id, `product@version`).
    pub subject: String,
    /// Details in one line.
    pub detail: String,
}

/// An outage of an endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncidentRecord {
    /// Row id.
    pub id: i64,
    /// Endpoint name.
    pub endpoint: String,
    /// First failing probe.
    pub started: OffsetDateTime,
    /// First probe of the recovery, `None` while open.
    pub ended: Option<OffsetDateTime>,
    /// Failure class of the first failing probe.
    pub cause: String,
}

/// The last content an endpoint served, to diff the next probe against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotRecord {
    /// Endpoint name.
    pub endpoint: String,
    /// When it was taken.
    pub at: OffsetDateTime,
    /// The signed checkpoint note as served, once verified.
    pub checkpoint: Option<String>,
    /// The log verifier key (`name+id+base64`) trusted for this endpoint.
    pub log_key: Option<String>,
    /// The compact snapshot (JSON, the monitor's format).
    pub body: String,
}

/// A sealed evidence bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceRecord {
    /// Endpoint name.
    pub endpoint: String,
    /// The probe it seals.
    pub probe_id: String,
    /// When it was written.
    pub at: OffsetDateTime,
    /// `state-change`, `change-detected` or `daily`.
    pub reason: String,
    /// Where the bundle is.
    pub path: String,
    /// SHA-256 (hex) of its manifest.
    pub manifest_sha256: String,
}

/// Storage of the monitor's history.
#[async_trait]
pub trait MonitorStore: Send + Sync + 'static {
    /// Stores the attempts of one probe.
    async fn add_samples(&self, samples: &[SampleRecord]) -> Result<(), StoreError>;

    /// Attempts of `endpoint` that started in `[since, until)`, in start order.
    async fn samples(
        &self,
        endpoint: &str,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<SampleRecord>, StoreError>;

    /// Stores a detected change.
    async fn add_change(&self, change: &ChangeRecord) -> Result<(), StoreError>;

    /// Changes detected on `endpoint`, oldest first.
    async fn changes(&self, endpoint: &str) -> Result<Vec<ChangeRecord>, StoreError>;

    /// Opens an incident and returns its id.
    async fn open_incident(
        &self,
        endpoint: &str,
        started: OffsetDateTime,
        cause: &str,
    ) -> Result<i64, StoreError>;

    /// Closes the open incident `id` (no effect on a closed one).
    async fn close_incident(&self, id: i64, ended: OffsetDateTime) -> Result<(), StoreError>;

    /// Incidents of `endpoint`, oldest first.
    async fn incidents(&self, endpoint: &str) -> Result<Vec<IncidentRecord>, StoreError>;

    /// Stores a new snapshot of `endpoint` (earlier ones are kept).
    async fn save_snapshot(&self, snapshot: &SnapshotRecord) -> Result<(), StoreError>;

    /// The latest snapshot of `endpoint`.
    async fn last_snapshot(&self, endpoint: &str) -> Result<Option<SnapshotRecord>, StoreError>;

    /// Stores a reference to a sealed evidence bundle.
    async fn add_evidence(&self, record: &EvidenceRecord) -> Result<(), StoreError>;

    /// Evidence bundles of `endpoint`, oldest first.
    async fn evidence(&self, endpoint: &str) -> Result<Vec<EvidenceRecord>, StoreError>;
}
