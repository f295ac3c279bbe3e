//! Benchmark: inclusion proofs in a large log, and a realistic log for client-side verification.
//!
//! ```sh
//! # 1,000,000 entries straight through Store::append_batch (skipped when the database already
//! # holds them), then GET /api/v1/entries/{seq}/proof for random entries through the router:
//! cargo run --release -p fixlog-server --example proof_bench -- proofs sqlite:///tmp/1m.db 1000000 2000
//! cargo run --release -p fixlog-server --example proof_bench -- proofs 'postgres://…?options=-csearch_path%3Ds' 1000000 2000
//! # The demo manufacturer plus N release entries through the real write path (for `fixlog verify`):
//! cargo run --release -p fixlog-server --example proof_bench -- releases sqlite:///tmp/10k.db 10000
//! ```
//!
//! Reads are counted with `fixlog_store_sql::NODE_READS` (Merkle node rows looked up); besides
//! those the proof handler reads the entry, the latest checkpoint and its cosignatures.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use fixlog_api::{ImageDoc, ReleaseRequest};
use fixlog_server::storage::open_store;
use fixlog_server::{AppState, app, keys, write};
use fixlog_store::{AppendRequest, Precondition};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// The origin `fixlog serve --demo` uses, so `serve --demo` can serve what this writes.
const ORIGIN: &str = "demo.fixlog.invalid/log";

fn synthetic(number: u64) -> AppendRequest {
    AppendRequest {
        kind: "product".to_owned(),
        product: None,
        advisory: None,
        version_key: None,
        supersedes: None,
        cves: vec![],
        products: vec![],
        digests: vec![],
        precondition: Precondition::None,
        now: time::OffsetDateTime::now_utc(),
        render: Box::new(move |seq, published| {
            Ok(format!(
                r#"{{"kind":"synthetic","n":{number},"published":{},"seq":{seq}}}"#,
                published.unix_timestamp_nanos() / 1000
            )
            .into_bytes())
        }),
    }
}

/// A small deterministic generator (xorshift64*), enough to pick entries.
fn random(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

async fn proofs(db: &str, total: u64, samples: u64) {
    let store = open_store(db).await.expect("open store");
    let existing = store.size().await.expect("size");
    if existing < total {
        let started = Instant::now();
        let mut next = existing;
        while next < total {
            let batch: Vec<AppendRequest> =
                (next..total.min(next + 10_000)).map(synthetic).collect();
            let count = batch.len() as u64;
            for outcome in store.append_batch(batch).await.expect("batch commits") {
                outcome.expect("append");
            }
            next += count;
            if next % 100_000 == 0 {
                eprintln!("  {next} entries, {:.0} s", started.elapsed().as_secs_f64());
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        println!(
            "generated {} entries in {elapsed:.1} s ({:.0} appends/s, batches of 10,000)",
            total - existing,
            (total - existing) as f64 / elapsed
        );
    }
    let state = AppState::new(
        Arc::clone(&store),
        keys::demo_signer(ORIGIN),
        "http://bench.invalid",
    );
    let size = state
        .log
        .ensure_checkpoint(total)
        .await
        .expect("checkpoint");
    let router = app(state);
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut latencies = Vec::with_capacity(samples as usize);
    let mut reads = Vec::with_capacity(samples as usize);
    let mut proof_lengths = Vec::with_capacity(samples as usize);
    for _ in 0..samples {
        let seq = random(&mut seed) % size + 1;
        let before = fixlog_store_sql::NODE_READS.load(Ordering::Relaxed);
        let started = Instant::now();
        let response = router
            .clone()
            .oneshot(
                Request::get(format!("/api/v1/entries/{seq}/proof"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        latencies.push(started.elapsed());
        reads.push(fixlog_store_sql::NODE_READS.load(Ordering::Relaxed) - before);
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        let text = String::from_utf8(body.to_vec()).unwrap();
        let bundle = fixlog_tlog::ProofBundle::parse(&text).expect("a tlog-proof file");
        proof_lengths.push(bundle.proof.len());
    }
    latencies.sort();
    let mean_reads = reads.iter().sum::<u64>() as f64 / reads.len() as f64;
    println!(
        "{db}: {samples} proofs in a log of {size} entries: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms; \
         node reads per proof: min {} mean {mean_reads:.1} max {} (log2 n = {:.1}); proof hashes: max {}",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.9),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
        reads.iter().min().unwrap(),
        reads.iter().max().unwrap(),
        (size as f64).log2(),
        proof_lengths.iter().max().unwrap(),
    );
}

async fn releases(db: &str, total: u64) {
    let store = open_store(db).await.expect("open store");
    let state = AppState::new(
        Arc::clone(&store),
        keys::demo_signer(ORIGIN),
        "http://bench.invalid",
    );
    if store.size().await.expect("size") == 0 {
        fixlog_server::demo::load(&state.log).await.expect("demo");
    }
    let started = Instant::now();
    let clients = 64;
    let mut tasks = Vec::new();
    for client in 0..clients {
        let log = Arc::clone(&state.log);
        tasks.push(tokio::spawn(async move {
            let mut number = client;
            while number < total {
                let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
                    format!("bench image {number}").as_bytes(),
                ));
                let body = ReleaseRequest {
                    product: "dcs-c200".to_owned(),
                    version: format!("70.{}.{}.1", number / 1000, number % 1000),
                    release_date: "2026-01-15".to_owned(),
                    images: vec![ImageDoc {
                        name: format!("C200_bench_{number}.upd"),
                        size: 4096 + number,
                        sha256: digest,
                        sha3_256: None,
                        sha512: None,
                        url: None,
                    }],
                    fixes: vec![],
                    supersedes: None,
                };
                write::publish_release(&log, &body, time::OffsetDateTime::now_utc())
                    .await
                    .expect("release published");
                number += clients;
            }
        }));
    }
    for task in tasks {
        task.await.expect("client");
    }
    let size = store.size().await.expect("size");
    println!(
        "{db}: {total} releases published in {:.1} s; log size {size}",
        started.elapsed().as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("proofs");
    let db = args
        .get(2)
        .cloned()
        .unwrap_or_else(|| "sqlite:///tmp/fixlog-proof-bench.db".to_owned());
    let count: u64 = args
        .get(3)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    match mode {
        "proofs" => {
            let samples = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(2000);
            proofs(&db, count, samples).await;
        }
        "releases" => releases(&db, count).await,
        other => {
            eprintln!("unknown mode {other}: proofs | releases");
            std::process::exit(2);
        }
    }
}
