//! The monitor report: per endpoint, figures computed from the raw samples of a window
//! (uptime first-attempt and after retries, p50/p95/p99, incidents), the detected changes and
//! the evidence bundles. `fixlog monitor report --json` prints [`MonitorReport`]; the HTML
//! report renders the same value.

use fixlog_store::StoreError;
use fixlog_store::monitor::{MonitorStore, SampleRecord};
use serde::Serialize;
use time::OffsetDateTime;

use crate::config::MonitorConfig;
use crate::stats::{self, Incident, Latency, Uptime};

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct MonitorReport {
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub generated: OffsetDateTime,
    /// Start of the window (inclusive).
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    /// End of the window (exclusive).
    #[serde(with = "time::serde::rfc3339")]
    pub until: OffsetDateTime,
    /// SHA-256 of the configuration file.
    pub config_sha256: String,
    /// One per configured endpoint, in configuration order.
    pub endpoints: Vec<EndpointReport>,
}

/// The figures of one endpoint.
#[derive(Clone, Debug, Serialize)]
pub struct EndpointReport {
    /// Endpoint name.
    pub name: String,
    /// Supplier.
    pub supplier: String,
    /// URL.
    pub url: String,
    /// Uptime.
    pub uptime: Uptime,
    /// Latency percentiles of first attempts.
    pub latency: Latency,
    /// Attempts stored in the window (retries included).
    pub attempts: u64,
    /// Failing attempts per failure class.
    pub failures: std::collections::BTreeMap<String, u64>,
    /// Outages computed from the samples with the configured thresholds.
    pub incidents: Vec<Incident>,
    /// Changes detected in the window.
    pub changes: Vec<ChangeItem>,
    /// Whether a checkpoint fork, rollback or inconsistency was seen: the log is not
    /// trustworthy until explained.
    pub disqualified: bool,
    /// `notAfter` of the last certificate seen.
    #[serde(with = "time::serde::rfc3339::option")]
    pub tls_not_after: Option<OffsetDateTime>,
    /// Evidence bundles sealed in the window.
    pub evidence: Vec<EvidenceItem>,
}

/// A detected change.
#[derive(Clone, Debug, Serialize)]
pub struct ChangeItem {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Class.
    pub class: String,
    /// Subject.
    pub subject: String,
    /// Detail.
    pub detail: String,
}

/// An evidence bundle.
#[derive(Clone, Debug, Serialize)]
pub struct EvidenceItem {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Why it was sealed.
    pub reason: String,
    /// Where it is.
    pub path: String,
    /// SHA-256 of its manifest.
    pub manifest_sha256: String,
}

/// Builds the report of `config`'s endpoints over `[since, until)`.
pub async fn report(
    config: &MonitorConfig,
    store: &dyn MonitorStore,
    since: OffsetDateTime,
    until: OffsetDateTime,
) -> Result<MonitorReport, StoreError> {
    let mut endpoints = Vec::new();
    for endpoint in &config.endpoints {
        let samples = store.samples(&endpoint.name, since, until).await?;
        let probes = stats::probes(&samples);
        let mut failures = std::collections::BTreeMap::new();
        for sample in samples.iter().filter(|sample| !sample.ok) {
            let class = sample
                .failure
                .clone()
                .unwrap_or_else(|| "unknown".to_owned());
            *failures.entry(class).or_insert(0) += 1;
        }
        let in_window = |at: OffsetDateTime| at >= since && at < until;
        let changes: Vec<ChangeItem> = store
            .changes(&endpoint.name)
            .await?
            .into_iter()
            .filter(|change| in_window(change.at))
            .map(|change| ChangeItem {
                at: change.at,
                class: change.class,
                subject: change.subject,
                detail: change.detail,
            })
            .collect();
        let evidence = store
            .evidence(&endpoint.name)
            .await?
            .into_iter()
            .filter(|record| in_window(record.at))
            .map(|record| EvidenceItem {
                at: record.at,
                reason: record.reason,
                path: record.path,
                manifest_sha256: record.manifest_sha256,
            })
            .collect();
        endpoints.push(EndpointReport {
            name: endpoint.name.clone(),
            supplier: endpoint.supplier.clone(),
            url: endpoint.url.to_string(),
            uptime: stats::uptime(&probes),
            latency: stats::latency(&samples),
            attempts: samples.len() as u64,
            failures,
            incidents: stats::incidents(
                &probes,
                config.failure_threshold,
                config.success_threshold,
            ),
            disqualified: changes
                .iter()
                .any(|change| change.class.starts_with("checkpoint-")),
            changes,
            tls_not_after: samples.iter().rev().find_map(|sample| sample.tls_not_after),
            evidence,
        });
    }
    Ok(MonitorReport {
        generated: OffsetDateTime::now_utc(),
        since,
        until,
        config_sha256: config.sha256.clone(),
        endpoints,
    })
}

/// The raw samples as CSV (one row per attempt, with a header).
pub fn samples_csv(samples: &[SampleRecord]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "endpoint",
        "probe_id",
        "attempt",
        "last_attempt",
        "started",
        "ok",
        "failure",
        "status",
        "media_type",
        "latency_ms",
        "dns_ms",
        "connect_ms",
        "tls_ms",
        "ttfb_ms",
        "body_sha256",
        "tls_not_after",
        "detail",
    ])?;
    let time = |at: OffsetDateTime| {
        at.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    let number = |value: Option<f64>| value.map(|value| format!("{value:.3}")).unwrap_or_default();
    for sample in samples {
        writer.write_record([
            sample.endpoint.clone(),
            sample.probe_id.clone(),
            sample.attempt.to_string(),
            sample.last_attempt.to_string(),
            time(sample.started),
            sample.ok.to_string(),
            sample.failure.clone().unwrap_or_default(),
            sample
                .status
                .map(|status| status.to_string())
                .unwrap_or_default(),
            sample.media_type.clone().unwrap_or_default(),
            format!("{:.3}", sample.latency_ms),
            number(sample.dns_ms),
            number(sample.connect_ms),
            number(sample.tls_ms),
            number(sample.ttfb_ms),
            sample.body_sha256.clone().unwrap_or_default(),
            sample.tls_not_after.map(time).unwrap_or_default(),
            sample.detail.clone().unwrap_or_default(),
        ])?;
    }
    writer
        .into_inner()
        .map_err(|error| csv::Error::from(error.into_error()))
}
