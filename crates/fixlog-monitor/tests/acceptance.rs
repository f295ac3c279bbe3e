//! The monitor against publishers with injected faults, on a compressed schedule:
//!
//! * `flaky`: every 5th connection is closed unanswered (20 % down) and the checkpoint answer
//!   is delayed by a known sequence of 20–60 ms; measured first-attempt uptime must be within
//!   ±1 point of 80 % and p95 within 10 % of the injected p95, with no incident and no alert
//!   (isolated failures stay under the failure threshold of 3).
//! * `outage`: ten consecutive checkpoint requests answer 500: one incident of cause
//!   `http-status`, one `down` and one `up` alert per webhook target, evidence for each.
//! * `changes`: a real fixlog log that gains a product, an advisory revision with a wider
//!   range, a release fixing a CVE and a re-published image for the same version; then the
//!   endpoint serves a forked log of the same size and then a shorter one. Every change must
//!   be detected with its class.
//!
//! The configuration file is also broken and repaired mid-run (hot reload).

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{Faults, MemorySink, fault_server, publisher, wait_for, webhook};
use fixlog_monitor::stats::percentile;
use fixlog_store::monitor::MonitorStore;
use fixlog_store_sqlite::SqliteStore;
use serde_json::{Value, json};
use time::OffsetDateTime;

fn demo_operation(op: &str, id: &str) -> Value {
    let data: Value = serde_json::from_str(fixlog_server::demo::DATA).unwrap();
    data["operations"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|operation| {
            operation["op"] == op
                && (operation["body"]["id"] == id || operation["body"]["product"] == id)
        })
        .unwrap_or_else(|| panic!("no demo {op} {id}"))["body"]
        .clone()
}

async fn change_classes(store: &dyn MonitorStore, endpoint: &str) -> Vec<String> {
    store
        .changes(endpoint)
        .await
        .unwrap()
        .into_iter()
        .map(|change| change.class)
        .collect()
}

async fn wait_for_class(store: &Arc<SqliteStore>, class: &str) {
    let found = wait_for(Duration::from_secs(20), || {
        let store = store.clone();
        let class = class.to_owned();
        async move {
            change_classes(store.as_ref(), "changes")
                .await
                .contains(&class)
        }
    })
    .await;
    assert!(
        found,
        "{class} not detected; detected: {:?}",
        change_classes(store.as_ref(), "changes").await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_and_changes_are_measured_and_detected() {
    // Known latency distribution: uniform-ish 20..=60 ms, in a fixed order.
    let delays: Vec<u64> = (0..97u64).map(|n| 20 + (n * 37) % 41).collect();
    let flaky_log = publisher("flaky", 0).await;
    let flaky = fault_server(
        flaky_log.router.clone(),
        Faults {
            drop_every: Some(5),
            delays_ms: delays,
            ..Faults::default()
        },
    )
    .await;
    let outage_log = publisher("outage", 0).await;
    let outage = fault_server(
        outage_log.router.clone(),
        Faults {
            error_window: Some(20..30),
            ..Faults::default()
        },
    )
    .await;
    let live = publisher("live", 0).await;
    let changes = fault_server(live.router.clone(), Faults::default()).await;
    let (hook, received) = webhook().await;

    let directory = tempfile::tempdir().unwrap();
    let config_path = directory.path().join("monitor.toml");
    let config = format!(
        r#"[monitor]
concurrency = 8
reload = "50ms"
failure_threshold = 3
success_threshold = 2

[[alert]]
url = "{hook}/plain"

[[alert]]
url = "{hook}/slack"
slack = true

[[endpoint]]
name = "flaky"
url = "{flaky}"
interval = "50ms"
timeout = "3s"
retries = 0
verify = false

[[endpoint]]
name = "outage"
url = "{outage}"
interval = "50ms"
timeout = "3s"
retries = 0
verify = false

[[endpoint]]
name = "changes"
url = "{changes}"
interval = "100ms"
jitter = "20ms"
timeout = "10s"
retries = 1
"#,
        flaky = flaky.url,
        outage = outage.url,
        changes = changes.url,
    );
    std::fs::write(&config_path, &config).unwrap();
    let db = format!("sqlite://{}", directory.path().join("monitor.db").display());
    let store = Arc::new(SqliteStore::connect(&db).await.unwrap());
    let sink = Arc::new(MemorySink::default());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let run = {
        let path = config_path.clone();
        let store: Arc<dyn fixlog_store::monitor::MonitorStore> = store.clone();
        let sink: Arc<dyn fixlog_monitor::EvidenceSink> = sink.clone();
        tokio::spawn(async move {
            fixlog_monitor::run(&path, store, Some(sink), async move {
                let _ = stopped.await;
            })
            .await
        })
    };
    let begin = OffsetDateTime::now_utc();

    // The first verified snapshot of the live log.
    assert!(
        wait_for(Duration::from_secs(20), || {
            let store = store.clone();
            async move { store.last_snapshot("changes").await.unwrap().is_some() }
        })
        .await,
        "no snapshot of the live log"
    );

    // A broken configuration is refused and the old one keeps running; repairing it reloads.
    std::fs::write(
        &config_path,
        config.replace("interval = \"50ms\"", "interval = \"often\""),
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    std::fs::write(&config_path, format!("{config}\n# repaired\n")).unwrap();

    // 1. A new entry.
    common::add_product(&live.state, "plc-new").await;
    wait_for_class(&store, "entry-added").await;

    // 2. An advisory revision that states one more affected range.
    let mut advisory = demo_operation("advisory", "ACME-SA-2026-001");
    advisory["revision"] =
        json!({"number": "1.2", "date": "2026-06-01", "summary": "V2.7 is affected too"});
    advisory["products"].as_array_mut().unwrap().push(json!({
        "product": "plc-x500", "status": "known_affected", "cves": ["CVE-2026-50412"],
        "ranges": [{"introduced": "V2.7.0", "limit": "V2.8.0"}], "scope": "V2.7",
        "vendor_text": "V2.7.x: all versions",
        "remediation": {"category": "no_fix_planned", "details": "Migrate to V3.2.0."}}));
    let advisory: fixlog_api::AdvisoryRequest = serde_json::from_value(advisory).unwrap();
    fixlog_server::write::publish_advisory(&live.state.log, &advisory, OffsetDateTime::now_utc())
        .await
        .unwrap();
    wait_for_class(&store, "range-widened").await;

    // 3. A release that fixes the CVE in a new version.
    let image = |seed: &str| {
        use sha2::Digest as _;
        json!({"name": format!("X500_{seed}.bin"), "size": 1024,
            "sha256": hex::encode(sha2::Sha256::digest(seed.as_bytes())),
            "sha3_256": hex::encode(sha3::Sha3_256::digest(seed.as_bytes())),
            "sha512": hex::encode(sha2::Sha512::digest(seed.as_bytes()))})
    };
    let release: fixlog_api::ReleaseRequest = serde_json::from_value(json!({
        "product": "plc-x500", "version": "V3.4.0", "release_date": "2026-06-02",
        "images": [image("a")], "fixes": ["CVE-2026-50412"]}))
    .unwrap();
    let first =
        fixlog_server::write::publish_release(&live.state.log, &release, OffsetDateTime::now_utc())
            .await
            .unwrap();
    wait_for_class(&store, "fix-added").await;

    // 4. The same version re-published with another image digest.
    let corrected: fixlog_api::ReleaseRequest = serde_json::from_value(json!({
        "product": "plc-x500", "version": "V3.4.0", "release_date": "2026-06-02",
        "images": [image("b")], "fixes": ["CVE-2026-50412"], "supersedes": first.entry.seq}))
    .unwrap();
    fixlog_server::write::publish_release(&live.state.log, &corrected, OffsetDateTime::now_utc())
        .await
        .unwrap();
    wait_for_class(&store, "image-digest-changed").await;

    // 5. A fork: another log of the same size under the same key.
    let size = live.state.store().size().await.unwrap();
    let demo_size = publisher("probe", 0)
        .await
        .state
        .store()
        .size()
        .await
        .unwrap();
    let forked = publisher("fork", (size - demo_size) as usize).await;
    assert_eq!(forked.state.store().size().await.unwrap(), size);
    changes.switch(forked.router.clone());
    wait_for_class(&store, "checkpoint-fork").await;

    // 6. A rollback: the demo log alone, so the fork's last entries disappear.
    let shorter = publisher("short", 0).await;
    changes.switch(shorter.router.clone());
    wait_for_class(&store, "checkpoint-rollback").await;

    // Enough probes of the flaky endpoint for a ±1 point uptime figure.
    assert!(
        wait_for(Duration::from_secs(60), || {
            let connections = flaky.connections.clone();
            async move { connections.load(Ordering::SeqCst) >= 150 }
        })
        .await
    );
    let _ = stop.send(());
    let stats = run.await.unwrap().unwrap();
    assert!(
        stats.reload_errors.load(Ordering::Relaxed) >= 1,
        "the broken file was not noticed"
    );
    assert!(
        stats.reloads.load(Ordering::Relaxed) >= 1,
        "the repaired file was not loaded"
    );

    let config = fixlog_monitor::config::load(&config_path).unwrap();
    let report = fixlog_monitor::report(
        &config,
        store.as_ref(),
        begin - time::Duration::minutes(1),
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    let by_name: BTreeMap<&str, &fixlog_monitor::report::EndpointReport> = report
        .endpoints
        .iter()
        .map(|endpoint| (endpoint.name.as_str(), endpoint))
        .collect();

    // Uptime and latency of the flaky endpoint against what was injected.
    let flaky_report = by_name["flaky"];
    let connections = flaky.connections.load(Ordering::SeqCst);
    let dropped = flaky.dropped.load(Ordering::SeqCst);
    let injected_uptime = 100.0 * (1.0 - dropped as f64 / connections as f64);
    let measured_uptime = flaky_report.uptime.first_attempt_pct.unwrap();
    println!(
        "flaky: {} probes, uptime measured {measured_uptime:.2} % vs injected {injected_uptime:.2} % (80 % by rule)",
        flaky_report.uptime.probes
    );
    assert!(
        flaky_report.uptime.probes >= 140,
        "{:?}",
        flaky_report.uptime
    );
    assert!(
        (measured_uptime - 80.0).abs() <= 1.0,
        "uptime {measured_uptime}"
    );
    assert_eq!(
        flaky_report.failures.keys().collect::<Vec<_>>(),
        vec!["tcp"],
        "{:?}",
        flaky_report.failures
    );
    let applied: Vec<f64> = flaky
        .applied_delays_ms
        .lock()
        .unwrap()
        .iter()
        .map(|&delay| delay as f64)
        .collect();
    let injected_p95 = percentile(&applied, 95.0).unwrap();
    let measured_p95 = flaky_report.latency.p95_ms.unwrap();
    println!(
        "flaky: p95 measured {measured_p95:.2} ms vs injected {injected_p95:.2} ms; p50 {:.2} ms vs {:.2} ms",
        flaky_report.latency.p50_ms.unwrap(),
        percentile(&applied, 50.0).unwrap()
    );
    assert!(
        (measured_p95 - injected_p95).abs() <= injected_p95 * 0.10,
        "p95 {measured_p95} vs injected {injected_p95}"
    );
    assert!(
        flaky_report.incidents.is_empty(),
        "{:?}",
        flaky_report.incidents
    );

    // The outage: one incident of the right cause, closed; computed and stored agree.
    let outage_report = by_name["outage"];
    assert_eq!(
        outage_report.incidents.len(),
        1,
        "{:?}",
        outage_report.incidents
    );
    assert_eq!(outage_report.incidents[0].cause, "http-status");
    assert_eq!(outage_report.incidents[0].failed_probes, 10);
    assert!(outage_report.incidents[0].end.is_some());
    let stored = store.incidents("outage").await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].cause, "http-status");
    assert_eq!(stored[0].started, outage_report.incidents[0].start);
    assert_eq!(
        Some(stored[0].ended.unwrap()),
        outage_report.incidents[0].end
    );
    assert!(store.incidents("flaky").await.unwrap().is_empty());

    // Alerts: one per state change and per detected change, on both targets.
    let alerts = received.lock().unwrap().clone();
    let plain: Vec<&Value> = alerts
        .iter()
        .filter(|body| body.get("kind").is_some())
        .collect();
    let slack: Vec<&Value> = alerts
        .iter()
        .filter(|body| body.get("text").is_some())
        .collect();
    assert_eq!(plain.len(), slack.len(), "{alerts:?}");
    let kinds = |endpoint: &str| -> Vec<String> {
        plain
            .iter()
            .filter(|body| body["endpoint"] == endpoint)
            .map(|body| {
                format!(
                    "{}:{}",
                    body["kind"].as_str().unwrap(),
                    body["class"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(kinds("outage"), vec!["down:http-status", "up:"]);
    assert!(kinds("flaky").is_empty(), "{:?}", kinds("flaky"));
    let change_alerts = kinds("changes");
    assert!(
        change_alerts.iter().all(|kind| kind.starts_with("change:")),
        "{change_alerts:?}"
    );
    assert!(
        slack
            .iter()
            .any(|body| body["text"].as_str().unwrap().contains("outage")
                && body["text"].as_str().unwrap().contains("DOWN"))
    );

    // Every injected change with its class.
    let changes_report = by_name["changes"];
    let classes: Vec<&str> = changes_report
        .changes
        .iter()
        .map(|change| change.class.as_str())
        .collect();
    println!("changes: {classes:?}");
    for class in [
        "entry-added",
        "range-widened",
        "fix-added",
        "image-digest-changed",
        "checkpoint-fork",
        "entry-changed",
        "checkpoint-rollback",
        "entry-removed",
    ] {
        assert!(classes.contains(&class), "{class} missing from {classes:?}");
    }
    assert_eq!(change_alerts.len(), classes.len());
    assert!(changes_report.disqualified);
    let widened = changes_report
        .changes
        .iter()
        .find(|change| change.class == "range-widened")
        .unwrap();
    assert_eq!(widened.subject, "ACME-SA-2026-001/plc-x500");
    let image = changes_report
        .changes
        .iter()
        .find(|change| change.class == "image-digest-changed")
        .unwrap();
    assert_eq!(image.subject, "plc-x500@V3.4.0");

    // Evidence: each state change and each probe with changes, with the raw exchanges.
    let sealed = sink.sealed.lock().unwrap().clone();
    let reasons = |endpoint: &str| -> Vec<String> {
        sealed
            .iter()
            .filter(|input| input.endpoint == endpoint)
            .map(|input| input.reason.clone())
            .collect()
    };
    assert_eq!(
        reasons("outage"),
        vec!["daily", "state-change", "state-change"]
    );
    assert_eq!(reasons("flaky"), vec!["daily"]);
    assert!(
        reasons("changes")
            .iter()
            .filter(|reason| *reason == "change-detected")
            .count()
            >= 6
    );
    let down = sealed
        .iter()
        .find(|input| input.endpoint == "outage" && input.reason == "state-change")
        .unwrap();
    let exchange = &down.exchanges[0];
    assert!(
        exchange
            .request
            .starts_with(b"GET /tlog/checkpoint HTTP/1.1\r\n"),
        "{:?}",
        String::from_utf8_lossy(&exchange.request)
    );
    assert!(
        exchange.response.starts_with(b"HTTP/1.1 500"),
        "{:?}",
        String::from_utf8_lossy(&exchange.response)
    );
    assert_eq!(down.verdict["attempts"][0]["failure"], "http-status");
    let stored_evidence = store.evidence("outage").await.unwrap();
    assert_eq!(stored_evidence.len(), 3);
    assert_eq!(
        report
            .endpoints
            .iter()
            .map(|endpoint| endpoint.evidence.len())
            .sum::<usize>(),
        sealed.len()
    );
}
