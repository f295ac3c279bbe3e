//! The scheduler: one task per endpoint probing on its interval (plus jitter), at most
//! `concurrency` probes in flight (a semaphore), the configuration file re-read when its
//! modification time changes (a broken new file is reported and the old one kept), and a stop
//! signal (`--for`) after which in-flight probes finish and nothing new starts.
//!
//! After each probe: every attempt is stored as a sample, the content snapshot is diffed with
//! the stored one, the up/down state is advanced with the thresholds, and state changes and
//! detected changes raise one alert each and seal an evidence bundle (as does the first probe
//! of each UTC day).

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use fixlog_evidence::BundleInput;
use fixlog_store::StoreError;
use fixlog_store::monitor::{
    ChangeRecord, EvidenceRecord, MonitorStore, SampleRecord, SnapshotRecord,
};
use serde_json::json;
use time::OffsetDateTime;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use crate::alert::{AlertEvent, Alerter};
use crate::config::{self, ConfigError, Endpoint, MonitorConfig};
use crate::lite::{self, Attempt, Trust};
use crate::snapshot::{Change, Snapshot, diff};
use crate::stats::{Health, ProbeSummary, Transition};
use crate::{EvidenceSink, MonitorError};

/// Counters of one run.
#[derive(Debug, Default)]
pub struct RunStats {
    /// Probes made.
    pub probes: AtomicU64,
    /// Attempts stored.
    pub samples: AtomicU64,
    /// Changes detected.
    pub changes: AtomicU64,
    /// State changes (down or up).
    pub transitions: AtomicU64,
    /// Evidence bundles sealed.
    pub bundles: AtomicU64,
    /// Configuration reloads applied.
    pub reloads: AtomicU64,
    /// Configuration reloads refused (old configuration kept).
    pub reload_errors: AtomicU64,
}

/// What the endpoint tasks share.
struct Shared {
    store: Arc<dyn MonitorStore>,
    evidence: Option<Arc<dyn EvidenceSink>>,
    alerter: Alerter,
    semaphore: Arc<Semaphore>,
    stats: Arc<RunStats>,
}

struct Running {
    endpoint: Endpoint,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// Runs the monitor with the configuration at `path` until `stop` completes; returns the
/// counters. A configuration that cannot be loaded at start is an error; later ones are
/// logged and the running configuration is kept.
pub async fn run(
    path: &Path,
    store: Arc<dyn MonitorStore>,
    evidence: Option<Arc<dyn EvidenceSink>>,
    stop: impl Future<Output = ()>,
) -> Result<Arc<RunStats>, MonitorError> {
    let mut config = Arc::new(config::load(path)?);
    let stats = Arc::new(RunStats::default());
    let shared = Arc::new(Shared {
        store,
        evidence,
        alerter: Alerter::new().map_err(MonitorError::Http)?,
        semaphore: Arc::new(Semaphore::new(config.concurrency)),
        stats: stats.clone(),
    });
    let mut running: BTreeMap<String, Running> = BTreeMap::new();
    reconcile(&shared, &config, &mut running);
    let mut modified = modified_time(path);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            () = tokio::time::sleep(config.reload) => {
                let now = modified_time(path);
                if now == modified {
                    continue;
                }
                modified = now;
                match config::load(path) {
                    Ok(new) => {
                        tracing::info!(path = %path.display(), "configuration reloaded");
                        config = Arc::new(new);
                        reconcile(&shared, &config, &mut running);
                        stats.reloads.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(error) => {
                        tracing::error!("configuration not reloaded, the old one stays: {error}");
                        stats.reload_errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
    }
    for (_, task) in std::mem::take(&mut running) {
        let _ = task.stop.send(true);
        let _ = task.task.await;
    }
    Ok(stats)
}

fn modified_time(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok()
}

/// Starts tasks for new or changed endpoints and stops those of removed or changed ones.
fn reconcile(
    shared: &Arc<Shared>,
    config: &Arc<MonitorConfig>,
    running: &mut BTreeMap<String, Running>,
) {
    let wanted: BTreeMap<&str, &Endpoint> = config
        .endpoints
        .iter()
        .map(|endpoint| (endpoint.name.as_str(), endpoint))
        .collect();
    let stale: Vec<String> = running
        .iter()
        .filter(|(name, task)| wanted.get(name.as_str()) != Some(&&task.endpoint))
        .map(|(name, _)| name.clone())
        .collect();
    for name in stale {
        if let Some(task) = running.remove(&name) {
            let _ = task.stop.send(true);
        }
    }
    for (name, endpoint) in wanted {
        if running.contains_key(name) {
            continue;
        }
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(endpoint_loop(
            shared.clone(),
            config.clone(),
            endpoint.clone(),
            stopped,
        ));
        running.insert(
            name.to_owned(),
            Running {
                endpoint: endpoint.clone(),
                stop,
                task,
            },
        );
    }
}

/// What an endpoint task remembers between probes.
struct EndpointState {
    trust: Trust,
    snapshot: Option<Snapshot>,
    health: Health,
    open_incident: Option<i64>,
    daily: Option<time::Date>,
}

async fn load_state(
    store: &dyn MonitorStore,
    config: &MonitorConfig,
    endpoint: &Endpoint,
) -> Result<EndpointState, StoreError> {
    let stored = store.last_snapshot(&endpoint.name).await?;
    let remembered_key = stored
        .as_ref()
        .and_then(|snapshot| snapshot.log_key.as_deref())
        .and_then(|text| fixlog_tlog::Verifier::from_vkey(text).ok());
    let mut health = Health::new(config.failure_threshold, config.success_threshold);
    let open_incident = store
        .incidents(&endpoint.name)
        .await?
        .into_iter()
        .rev()
        .find(|incident| incident.ended.is_none())
        .map(|incident| incident.id);
    if open_incident.is_some() {
        health.set_down();
    }
    let daily = store
        .evidence(&endpoint.name)
        .await?
        .iter()
        .rev()
        .find(|record| record.reason == "daily")
        .map(|record| record.at.date());
    Ok(EndpointState {
        trust: Trust {
            key: endpoint.key.clone().or(remembered_key),
            checkpoint: stored
                .as_ref()
                .and_then(|snapshot| snapshot.checkpoint.clone()),
        },
        snapshot: stored.and_then(|snapshot| serde_json::from_str(&snapshot.body).ok()),
        health,
        open_incident,
        daily,
    })
}

async fn endpoint_loop(
    shared: Arc<Shared>,
    config: Arc<MonitorConfig>,
    endpoint: Endpoint,
    mut stopped: watch::Receiver<bool>,
) {
    let tls = match crate::probe::tls_config(&endpoint.extra_roots) {
        Ok(tls) => tls,
        Err(error) => {
            tracing::error!(endpoint = %endpoint.name, "not probed: {error}");
            return;
        }
    };
    let mut state = match load_state(shared.store.as_ref(), &config, &endpoint).await {
        Ok(state) => state,
        Err(error) => {
            tracing::error!(endpoint = %endpoint.name, "not probed: {error}");
            return;
        }
    };
    // The first probe waits only for the jitter, so that many endpoints do not start at once.
    let mut delay = lite::next_delay(Duration::ZERO, endpoint.jitter);
    loop {
        let next = tokio::time::Instant::now() + delay;
        tokio::select! {
            _ = stopped.changed() => return,
            () = tokio::time::sleep_until(next) => {}
        }
        if *stopped.borrow() {
            return;
        }
        let Ok(permit) = shared.semaphore.clone().acquire_owned().await else {
            return;
        };
        let scheduled = tokio::time::Instant::now();
        if let Err(error) = probe_once(&shared, &config, &endpoint, &tls, &mut state).await {
            tracing::error!(endpoint = %endpoint.name, "probe not stored: {error}");
        }
        drop(permit);
        // Intervals are measured start to start.
        delay = lite::next_delay(endpoint.interval, endpoint.jitter)
            .saturating_sub(scheduled.elapsed());
    }
}

/// A random version-4 UUID as text.
pub fn probe_uuid() -> String {
    let mut bytes = [0u8; 16];
    // Without an OS random source the time keeps ids apart.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = OffsetDateTime::now_utc()
            .unix_timestamp_nanos()
            .to_le_bytes();
        bytes.copy_from_slice(&nanos);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn sample_of(
    endpoint: &Endpoint,
    probe_id: &str,
    number: usize,
    last: bool,
    attempt: &Attempt,
) -> SampleRecord {
    let timings = attempt
        .main
        .as_ref()
        .map(|main| main.timings.clone())
        .or_else(|| {
            attempt
                .recorder
                .exchanges
                .first()
                .map(|exchange| exchange.timings.clone())
        });
    SampleRecord {
        endpoint: endpoint.name.clone(),
        probe_id: probe_id.to_owned(),
        attempt: u32::try_from(number).unwrap_or(u32::MAX),
        last_attempt: last,
        started: attempt.started,
        ok: attempt.failure.is_none(),
        failure: attempt
            .failure
            .as_ref()
            .map(|failure| failure.class.to_string()),
        status: attempt.main.as_ref().map(|main| main.status),
        media_type: attempt
            .main
            .as_ref()
            .and_then(|main| main.media_type.clone()),
        latency_ms: attempt.latency_ms,
        dns_ms: timings.as_ref().and_then(|timings| timings.dns_ms),
        connect_ms: timings.as_ref().and_then(|timings| timings.connect_ms),
        tls_ms: timings.as_ref().and_then(|timings| timings.tls_ms),
        ttfb_ms: timings.as_ref().and_then(|timings| timings.ttfb_ms),
        body_sha256: attempt.main.as_ref().map(|main| main.sha256.clone()),
        tls_not_after: attempt.recorder.tls_not_after,
        detail: attempt
            .failure
            .as_ref()
            .map(|failure| failure.message.clone()),
    }
}

async fn probe_once(
    shared: &Shared,
    config: &MonitorConfig,
    endpoint: &Endpoint,
    tls: &Arc<rustls::ClientConfig>,
    state: &mut EndpointState,
) -> Result<(), StoreError> {
    let probe_id = probe_uuid();
    let started = OffsetDateTime::now_utc();
    let mut attempts: Vec<Attempt> = Vec::new();
    for _ in 0..=endpoint.retries {
        let attempt = lite::attempt(endpoint, tls, &state.trust).await;
        let passed = attempt.failure.is_none();
        attempts.push(attempt);
        if passed {
            break;
        }
    }
    let ended = OffsetDateTime::now_utc();
    // A probe starts when its first attempt does: the time its samples carry, so incidents
    // stored here and incidents computed from the samples name the same instants.
    let started = attempts.first().map_or(started, |attempt| attempt.started);
    let count = attempts.len();
    let samples: Vec<SampleRecord> = attempts
        .iter()
        .enumerate()
        .map(|(number, attempt)| {
            sample_of(endpoint, &probe_id, number, number + 1 == count, attempt)
        })
        .collect();
    shared.store.add_samples(&samples).await?;
    shared.stats.probes.fetch_add(1, Ordering::Relaxed);
    shared
        .stats
        .samples
        .fetch_add(samples.len() as u64, Ordering::Relaxed);

    // Content: diff against the stored snapshot, then remember what was served.
    let mut changes: Vec<Change> = Vec::new();
    if let Some(observed) = attempts
        .iter()
        .rev()
        .find_map(|attempt| attempt.observed.clone())
    {
        if let Some(previous) = &state.snapshot {
            changes.extend(diff(previous, &observed.snapshot));
        }
        changes.extend(observed.history_change.clone());
        let unchanged = state.trust.checkpoint.as_deref() == Some(observed.note.as_str())
            && state.snapshot.as_ref() == Some(&observed.snapshot);
        if !unchanged {
            let body =
                serde_json::to_string(&observed.snapshot).map_err(|error| StoreError::Corrupt {
                    message: error.to_string(),
                })?;
            shared
                .store
                .save_snapshot(&SnapshotRecord {
                    endpoint: endpoint.name.clone(),
                    at: ended,
                    checkpoint: Some(observed.note.clone()),
                    log_key: Some(observed.key.to_vkey()),
                    body,
                })
                .await?;
        }
        state.trust.checkpoint = Some(observed.note.clone());
        if endpoint.key.is_none() {
            state.trust.key = Some(observed.key.clone());
        }
        state.snapshot = Some(observed.snapshot);
    }
    for change in &changes {
        shared
            .store
            .add_change(&ChangeRecord {
                endpoint: endpoint.name.clone(),
                probe_id: probe_id.clone(),
                at: ended,
                class: change.class.clone(),
                subject: change.subject.clone(),
                detail: change.detail.clone(),
            })
            .await?;
        shared.stats.changes.fetch_add(1, Ordering::Relaxed);
        alert(
            shared,
            config,
            endpoint,
            "change",
            ended,
            &change.class,
            &format!("{}: {}", change.subject, change.detail),
        )
        .await;
    }

    // State: thresholds decide when an endpoint is down or up again.
    let last = attempts.last();
    let summary = ProbeSummary {
        started,
        first_ok: attempts
            .first()
            .is_some_and(|attempt| attempt.failure.is_none()),
        ok: last.is_some_and(|attempt| attempt.failure.is_none()),
        failure: last
            .and_then(|attempt| attempt.failure.as_ref())
            .map(|failure| failure.class.to_string()),
    };
    let transition = state.health.observe(&summary);
    let mut reason = None;
    match &transition {
        Some(Transition::Down { since, cause }) => {
            state.open_incident = Some(
                shared
                    .store
                    .open_incident(&endpoint.name, *since, cause)
                    .await?,
            );
            let detail = last
                .and_then(|attempt| attempt.failure.as_ref())
                .map(|failure| failure.message.clone())
                .unwrap_or_default();
            alert(shared, config, endpoint, "down", ended, cause, &detail).await;
            reason = Some("state-change");
        }
        Some(Transition::Up { since }) => {
            if let Some(id) = state.open_incident.take() {
                shared.store.close_incident(id, *since).await?;
            }
            alert(shared, config, endpoint, "up", ended, "", "").await;
            reason = Some("state-change");
        }
        None => {}
    }
    if transition.is_some() {
        shared.stats.transitions.fetch_add(1, Ordering::Relaxed);
    }
    if reason.is_none() && !changes.is_empty() {
        reason = Some("change-detected");
    }
    if reason.is_none() && state.daily != Some(ended.date()) {
        reason = Some("daily");
    }
    if let (Some(reason), Some(sink)) = (reason, &shared.evidence) {
        let verdict = json!({
            "ok": summary.ok,
            "first_attempt_ok": summary.first_ok,
            "attempts": samples.iter().map(|sample| json!({
                "attempt": sample.attempt,
                "ok": sample.ok,
                "failure": sample.failure,
                "detail": sample.detail,
                "status": sample.status,
                "media_type": sample.media_type,
                "latency_ms": sample.latency_ms,
                "body_sha256": sample.body_sha256,
            })).collect::<Vec<_>>(),
            "changes": changes,
            "state": if state.health.is_down() { "down" } else { "up" },
        });
        let input = BundleInput {
            supplier: endpoint.supplier.clone(),
            endpoint: endpoint.name.clone(),
            probe_id: probe_id.clone(),
            started,
            ended,
            exchanges: attempts
                .iter()
                .flat_map(|attempt| attempt.recorder.exchanges.iter().cloned())
                .collect(),
            verdict,
            reason: reason.to_owned(),
            config_sha256: config.sha256.clone(),
        };
        match sink.seal(&input).await {
            Ok((path, manifest_sha256)) => {
                shared
                    .store
                    .add_evidence(&EvidenceRecord {
                        endpoint: endpoint.name.clone(),
                        probe_id,
                        at: ended,
                        reason: reason.to_owned(),
                        path,
                        manifest_sha256,
                    })
                    .await?;
                shared.stats.bundles.fetch_add(1, Ordering::Relaxed);
                if reason == "daily" {
                    state.daily = Some(ended.date());
                }
            }
            Err(error) => {
                tracing::error!(endpoint = %endpoint.name, "evidence not sealed: {error}")
            }
        }
    }
    Ok(())
}

async fn alert(
    shared: &Shared,
    config: &MonitorConfig,
    endpoint: &Endpoint,
    kind: &str,
    at: OffsetDateTime,
    class: &str,
    detail: &str,
) {
    if config.alerts.is_empty() {
        return;
    }
    let event = AlertEvent {
        kind: kind.to_owned(),
        endpoint: endpoint.name.clone(),
        supplier: endpoint.supplier.clone(),
        url: endpoint.url.to_string(),
        at,
        class: class.to_owned(),
        detail: detail.to_owned(),
    };
    shared.alerter.send(&config.alerts, &event).await;
}

/// Loads the configuration at `path` (for commands that only read it).
pub fn load_config(path: &Path) -> Result<MonitorConfig, ConfigError> {
    config::load(path)
}

/// The evidence directory of a configuration, relative to the working directory.
pub fn evidence_dir(config: &MonitorConfig) -> Option<PathBuf> {
    config.evidence_dir.clone()
}
