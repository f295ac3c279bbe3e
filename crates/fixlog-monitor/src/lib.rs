//! `fixlog monitor`: probes supplier log endpoints on a schedule, keeps every attempt as a raw
//! sample, verifies what is served (verify-lite), detects changes, alerts once per state
//! change and seals evidence.
//!
//! ```text
//! $ fixlog monitor run --config monitor.toml --db sqlite://monitor.db --for 1h
//! $ fixlog monitor report --config monitor.toml --db sqlite://monitor.db --json
//! {"endpoints":[{"name":"acme","uptime":{"probes":12,"first_attempt_pct":91.6,…},
//!   "latency":{"p50_ms":41.2,"p95_ms":58.9,…},"incidents":[…],"changes":[…],"evidence":[…]}]}
//! ```
//!
//! [`config`] parses the TOML (and CSV) configuration; [`runner`] schedules probes;
//! [`probe`] is the hand-made HTTP client that times each phase and captures raw bytes and
//! TLS facts; [`lite`] runs one attempt with verify-lite (checkpoint signature, entries hashed
//! into the signed root, consistency from tiles — RFC 9162 §2.1.4, c2sp.org/tlog-tiles);
//! [`snapshot`] diffs what was served; [`stats`] computes uptime, percentiles and incidents
//! from raw samples; [`alert`] posts webhooks; [`mod@report`] builds the report, [`html`] renders it with the SVG
//! charts of [`chart`], and [`status`] is the status page of `fixlog monitor serve`. History lives
//! behind `fixlog_store::monitor::MonitorStore`.

pub mod alert;
pub mod chart;
pub mod config;
pub mod html;
pub mod lite;
pub mod probe;
pub mod report;
pub mod runner;
pub mod snapshot;
pub mod stats;
pub mod status;

use std::fmt;

use async_trait::async_trait;
use fixlog_evidence::BundleInput;

pub use config::{ConfigError, Endpoint, MonitorConfig};
pub use report::{MonitorReport, report};
pub use runner::{RunStats, run};

/// Why a probe failed: the first assertion that did not hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FailureClass {
    /// The host name did not resolve.
    Dns,
    /// No TCP connection, or it was closed or reset before an answer.
    Tcp,
    /// The TLS handshake failed (expired, untrusted, wrong name).
    Tls,
    /// A status other than 200.
    HttpStatus,
    /// No complete answer within the timeout.
    Timeout,
    /// An HTML page (a WAF or bot challenge) where the log's format was expected.
    BotBlock,
    /// Another media type than the log's.
    MediaType,
    /// The served document does not parse as the log's format.
    Schema,
    /// The checkpoint's signature does not verify, or the entries do not hash to its root.
    Signature,
    /// The checkpoint does not extend the one verified before (fork, rollback, rewrite).
    Consistency,
    /// The answer was correct but slower than the latency budget.
    Latency,
}

impl FailureClass {
    /// The class name stored and reported.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dns => "dns",
            Self::Tcp => "tcp",
            Self::Tls => "tls",
            Self::HttpStatus => "http-status",
            Self::Timeout => "timeout",
            Self::BotBlock => "bot-block",
            Self::MediaType => "media-type",
            Self::Schema => "schema",
            Self::Signature => "signature",
            Self::Consistency => "consistency",
            Self::Latency => "latency",
        }
    }
}

impl fmt::Display for FailureClass {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Why the monitor could not run.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    /// The configuration is unusable.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// The history store failed.
    #[error("{0}")]
    Store(#[from] fixlog_store::StoreError),
    /// The HTTP client for alerts could not be built.
    #[error("alert client: {0}")]
    Http(String),
}

/// Where evidence bundles are sealed (implemented over `fixlog_evidence::Writer`).
#[async_trait]
pub trait EvidenceSink: Send + Sync {
    /// Seals `input`; returns the bundle's path and its manifest's SHA-256 (hex).
    async fn seal(&self, input: &BundleInput) -> Result<(String, String), String>;
}

/// The [`EvidenceSink`] of a real run: one `fixlog_evidence::Writer`, so the bundles of an
/// endpoint chain in the order they are sealed.
pub struct WriterSink(tokio::sync::Mutex<fixlog_evidence::Writer>);

impl WriterSink {
    /// A sink writing through `writer`.
    pub fn new(writer: fixlog_evidence::Writer) -> Self {
        Self(tokio::sync::Mutex::new(writer))
    }
}

#[async_trait]
impl EvidenceSink for WriterSink {
    async fn seal(&self, input: &BundleInput) -> Result<(String, String), String> {
        let mut writer = self.0.lock().await;
        let sealed = writer
            .write(input)
            .await
            .map_err(|error| error.to_string())?;
        if let Some(error) = &sealed.timestamp_error {
            // The bundle is kept, signed and chained; only the RFC 3161 token is missing.
            tracing::warn!(endpoint = %input.endpoint, "no RFC 3161 timestamp: {error}");
        }
        Ok((sealed.path.display().to_string(), sealed.manifest_sha256))
    }
}
