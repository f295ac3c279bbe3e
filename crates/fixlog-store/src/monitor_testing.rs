//! The conformance suite of [`MonitorStore`](crate::monitor::MonitorStore): every backend runs
//! it (SQLite always, PostgreSQL when `FIXLOG_TEST_POSTGRES_URL` is set).

use std::future::Future;

use time::{Duration, OffsetDateTime};

use crate::monitor::{ChangeRecord, EvidenceRecord, MonitorStore, SampleRecord, SnapshotRecord};

/// Runs every monitor case, each on a fresh store from `fresh`.
pub async fn run_monitor_suite<S, F, Fut>(fresh: F)
where
    S: MonitorStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    samples_round_trip_in_windows(&fresh().await).await;
    changes_and_evidence_are_kept_in_order(&fresh().await).await;
    incidents_open_and_close(&fresh().await).await;
    the_latest_snapshot_wins(&fresh().await).await;
}

fn at(seconds: i64) -> OffsetDateTime {
    // Microsecond precision is what the stores keep.
    OffsetDateTime::from_unix_timestamp(1_800_000_000 + seconds).expect("valid time")
        + Duration::microseconds(123_456)
}

fn sample(endpoint: &str, seconds: i64, attempt: u32, ok: bool) -> SampleRecord {
    SampleRecord {
        endpoint: endpoint.to_owned(),
        probe_id: format!("probe-{seconds}"),
        attempt,
        last_attempt: ok,
        started: at(seconds),
        ok,
        failure: (!ok).then(|| "http-status".to_owned()),
        status: Some(if ok { 200 } else { 503 }),
        media_type: Some("text/plain".to_owned()),
        latency_ms: 12.5 + seconds as f64,
        dns_ms: Some(0.25),
        connect_ms: None,
        tls_ms: Some(3.0),
        ttfb_ms: Some(10.0),
        body_sha256: Some("ab".repeat(32)),
        tls_not_after: Some(at(86_400)),
        detail: (!ok).then(|| "status 503".to_owned()),
    }
}

async fn samples_round_trip_in_windows(store: &impl MonitorStore) {
    assert!(
        store
            .samples("a", at(0), at(100))
            .await
            .expect("samples")
            .is_empty()
    );
    let first = vec![sample("a", 1, 0, false), sample("a", 1, 1, true)];
    store.add_samples(&first).await.expect("add");
    store
        .add_samples(&[sample("a", 5, 0, true), sample("b", 2, 0, true)])
        .await
        .expect("add");
    let all = store.samples("a", at(0), at(100)).await.expect("samples");
    assert_eq!(all.len(), 3);
    assert_eq!(&all[..2], &first[..], "samples come back exactly as stored");
    let window = store.samples("a", at(2), at(6)).await.expect("samples");
    assert_eq!(window, vec![sample("a", 5, 0, true)]);
    // The window is half-open: a sample at `until` is outside.
    assert!(
        store
            .samples("a", at(0), at(1))
            .await
            .expect("samples")
            .is_empty()
    );
    assert_eq!(
        store
            .samples("b", at(0), at(100))
            .await
            .expect("samples")
            .len(),
        1
    );
}

async fn changes_and_evidence_are_kept_in_order(store: &impl MonitorStore) {
    let change = |seconds: i64, class: &str| ChangeRecord {
        endpoint: "a".to_owned(),
        probe_id: format!("probe-{seconds}"),
        at: at(seconds),
        class: class.to_owned(),
        subject: "seq 7".to_owned(),
        detail: "detail".to_owned(),
    };
    store
        .add_change(&change(1, "entry-added"))
        .await
        .expect("change");
    store
        .add_change(&change(2, "entry-removed"))
        .await
        .expect("change");
    let changes = store.changes("a").await.expect("changes");
    assert_eq!(
        changes,
        vec![change(1, "entry-added"), change(2, "entry-removed")]
    );
    assert!(store.changes("b").await.expect("changes").is_empty());

    let bundle = EvidenceRecord {
        endpoint: "a".to_owned(),
        probe_id: "probe-1".to_owned(),
        at: at(1),
        reason: "state-change".to_owned(),
        path: "evidence/a/x.evb".to_owned(),
        manifest_sha256: "cd".repeat(32),
    };
    store.add_evidence(&bundle).await.expect("evidence");
    assert_eq!(store.evidence("a").await.expect("evidence"), vec![bundle]);
    assert!(store.evidence("b").await.expect("evidence").is_empty());
}

async fn incidents_open_and_close(store: &impl MonitorStore) {
    let first = store.open_incident("a", at(10), "tcp").await.expect("open");
    let second = store.open_incident("b", at(11), "dns").await.expect("open");
    assert_ne!(first, second);
    store.close_incident(first, at(20)).await.expect("close");
    // Closing again does not move the end.
    store.close_incident(first, at(30)).await.expect("close");
    let incidents = store.incidents("a").await.expect("incidents");
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].id, first);
    assert_eq!(incidents[0].started, at(10));
    assert_eq!(incidents[0].ended, Some(at(20)));
    assert_eq!(incidents[0].cause, "tcp");
    let open = store.incidents("b").await.expect("incidents");
    assert_eq!(open[0].ended, None);
}

async fn the_latest_snapshot_wins(store: &impl MonitorStore) {
    assert_eq!(store.last_snapshot("a").await.expect("snapshot"), None);
    let snapshot = |seconds: i64, body: &str| SnapshotRecord {
        endpoint: "a".to_owned(),
        at: at(seconds),
        checkpoint: Some(format!("origin\n{seconds}\n")),
        log_key: Some("origin+0000+key".to_owned()),
        body: body.to_owned(),
    };
    store.save_snapshot(&snapshot(1, "{}")).await.expect("save");
    store
        .save_snapshot(&snapshot(2, "{\"x\":1}"))
        .await
        .expect("save");
    assert_eq!(
        store.last_snapshot("a").await.expect("snapshot"),
        Some(snapshot(2, "{\"x\":1}"))
    );
    assert_eq!(store.last_snapshot("b").await.expect("snapshot"), None);
}
