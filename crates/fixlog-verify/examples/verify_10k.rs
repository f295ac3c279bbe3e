//! Full verification of a 10,000-entry publisher on loopback, split by phase.
//!
//! ```text
//! cargo run --release -p fixlog-verify --example verify_10k [-- ENTRIES]
//! ```
//!
//! Loads the demo manufacturer into a fresh SQLite log, appends releases of `plc-x500` until
//! the log holds ENTRIES (default 10,000) entries, serves it on 127.0.0.1, runs
//! `verify_publisher` (discovery, OpenAPI + schema validation of every entry, YANG validation
//! of every replayed notification, CSAF, every tile and entry bundle, completeness) and prints
//! the phase split.

use std::time::Instant;

use fixlog_api::ReleaseRequest;
use fixlog_server::keys::demo_signer;
use fixlog_server::storage::open_store;
use fixlog_server::{AppState, demo, write};
use fixlog_verify::{OnlineOptions, verify_publisher};
use sha2::{Digest, Sha256};

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let target: u64 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let directory = tempfile::tempdir().unwrap();
    let store = open_store(&format!(
        "sqlite://{}",
        directory.path().join("log.db").display()
    ))
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(store, demo_signer("bench.example/log"), &url);
    let appended = demo::load(&state.log).await.unwrap();
    let started = Instant::now();
    let today = time::OffsetDateTime::now_utc().date();
    let date = format!(
        "{}-{:02}-{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    for number in appended..target {
        let hex = |algorithm: &str| {
            Sha256::digest(format!("{algorithm}{number}").as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        let body: ReleaseRequest = serde_json::from_value(serde_json::json!({
            "product": "plc-x500",
            "version": format!("V{}.{}.{}", 10 + number / 1_000_000, (number / 1000) % 1000, number % 1000),
            "release_date": date,
            "images": [{"name": format!("fw-{number}.bin"), "size": 1024, "sha256": hex("a"), "sha3_256": hex("b")}],
        }))
        .unwrap();
        write::publish_release(&state.log, &body, time::OffsetDateTime::now_utc())
            .await
            .unwrap();
    }
    state.log.ensure_checkpoint(0).await.unwrap();
    eprintln!(
        "built {target} entries in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    tokio::spawn(fixlog_server::serve(
        listener,
        state,
        std::future::pending(),
    ));

    let started = Instant::now();
    let report = verify_publisher(&OnlineOptions::new(&url)).await.unwrap();
    let total = started.elapsed();
    println!(
        "verify of {} entries: {:.2} s, verdict {:?}, {} errors",
        report.checked.size.unwrap_or(0),
        total.as_secs_f64(),
        report.verdict,
        report.count(fixlog_verify::Severity::Error)
    );
    for (phase, ms) in &report.checked.phases {
        println!("  {phase:<48} {ms:>7} ms");
    }
    if let Some(timings) = &report.checked.timings {
        println!(
            "  authentic split: checkpoint {} ms, tiles {} ms, bundles {} ms, api {} ms, checks {} ms",
            timings.checkpoint_ms,
            timings.tiles_ms,
            timings.bundles_ms,
            timings.api_ms,
            timings.checks_ms
        );
    }
    for finding in report.findings.iter().filter(|f| f.is_error()).take(5) {
        println!("  {} {} {}", finding.id, finding.subject, finding.message);
    }
}
