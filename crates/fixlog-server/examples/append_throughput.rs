//! Benchmark: durable appends per second through the sequencer (group commit + one signed
//! checkpoint per batch), on SQLite or PostgreSQL.
//!
//! ```sh
//! cargo run --release -p fixlog-server --example append_throughput -- sqlite 20000 256
//! cargo run --release -p fixlog-server --example append_throughput -- postgres://postgres@127.0.0.1/test 20000 256
//! ```
//! Arguments: database (`sqlite` = a fresh temp file, or a PostgreSQL URL; a fresh schema is
//! created), number of appends, concurrent clients.

use std::sync::Arc;
use std::time::Instant;

use fixlog_server::Log;
use fixlog_store::{AppendRequest, Precondition, Store};

fn request(number: u64) -> AppendRequest {
    AppendRequest {
        kind: "product".to_owned(),
        product: Some(format!("p{}", number % 50)),
        advisory: None,
        version_key: None,
        supersedes: None,
        cves: vec![format!("CVE-2026-{:05}", 10000 + number % 1000)],
        products: vec![format!("p{}", number % 50)],
        digests: vec![],
        precondition: Precondition::None,
        now: time::OffsetDateTime::now_utc(),
        render: Box::new(move |seq, published| {
            Ok(format!(
                r#"{{"kind":"product","n":{number},"published":"{}","seq":{seq}}}"#,
                published.unix_timestamp_nanos()
            )
            .into_bytes())
        }),
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let database = args.get(1).map(String::as_str).unwrap_or("sqlite");
    let total: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let clients: u64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(256);
    let directory = tempfile::tempdir().expect("temp dir");
    let store: Arc<dyn Store> = if database == "sqlite" {
        let url = format!("sqlite://{}", directory.path().join("bench.db").display());
        Arc::new(
            fixlog_store_sqlite::SqliteStore::connect(&url)
                .await
                .expect("sqlite"),
        )
    } else {
        let schema = format!("fixlog_bench_{}", std::process::id());
        let admin = sqlx::PgPool::connect(database).await.expect("postgres");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&admin)
            .await
            .expect("schema");
        let separator = if database.contains('?') { '&' } else { '?' };
        let url = format!("{database}{separator}options=-csearch_path%3D{schema}");
        Arc::new(
            fixlog_store_postgres::PostgresStore::connect(&url)
                .await
                .expect("postgres"),
        )
    };
    let log = Arc::new(Log::new(
        Arc::clone(&store),
        fixlog_server::keys::demo_signer("bench.example/log"),
    ));
    let started = Instant::now();
    let per_client = total / clients;
    let mut tasks = Vec::new();
    for client in 0..clients {
        let log = Arc::clone(&log);
        tasks.push(tokio::spawn(async move {
            for i in 0..per_client {
                log.append(request(client * per_client + i))
                    .await
                    .expect("append acknowledged");
            }
        }));
    }
    for task in tasks {
        task.await.expect("client finished");
    }
    let elapsed = started.elapsed();
    let appended = per_client * clients;
    let size = store.size().await.expect("size");
    assert_eq!(size, appended, "every acknowledged append is stored");
    let checkpoint = store
        .latest_checkpoint()
        .await
        .expect("checkpoint")
        .expect("signed");
    assert!(
        checkpoint.size >= appended,
        "a signed checkpoint covers every acknowledged append"
    );
    println!(
        "{database}: {appended} durable appends by {clients} clients in {:.2} s = {:.0} appends/s (checkpoint size {})",
        elapsed.as_secs_f64(),
        appended as f64 / elapsed.as_secs_f64(),
        checkpoint.size
    );
}
