//! Two servers on one PostgreSQL database: an entry published through server A reaches a
//! RESTCONF subscriber of server B (LISTEN/NOTIFY wakes B's hub), in order.

#[path = "common/restconf.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use fixlog_server::auth::{Role, create_token};
use fixlog_store::Store;
use fixlog_store_postgres::PostgresStore;
use serde_json::json;
use support::*;

fn postgres_url() -> Option<String> {
    match std::env::var("FIXLOG_TEST_POSTGRES_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            assert!(
                std::env::var("CI").is_err(),
                "FIXLOG_TEST_POSTGRES_URL must be set in CI"
            );
            eprintln!("skipped: FIXLOG_TEST_POSTGRES_URL is not set");
            None
        }
    }
}

async fn fresh_schema(base: &str) -> String {
    let schema = format!(
        "fixlog_restconf_{}_{}",
        std::process::id(),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000_000_000
    );
    let pool = sqlx::PgPool::connect(base).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}options=-csearch_path%3D{schema}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_via_a_subscriber_on_b_receives_it() {
    let Some(base) = postgres_url() else { return };
    let url = fresh_schema(&base).await;
    let store_a: Arc<dyn Store> = Arc::new(PostgresStore::connect(&url).await.unwrap());
    let store_b: Arc<dyn Store> = Arc::new(PostgresStore::connect(&url).await.unwrap());
    let a = start(store_a, test_limits(), Some(&url)).await;
    let b = start(store_b, test_limits(), Some(&url)).await;
    let client = client();

    let (status, output) = rpc(
        &client,
        &b.base,
        "establish-subscription",
        &input(json!({"stream": "fwsec-log", "replay-start-time": "1970-01-01T00:00:00Z"})),
        None,
    )
    .await;
    assert_eq!(status, 200, "{output}");
    let uri = output["ietf-subscribed-notifications:output"]["ietf-restconf-subscribed-notifications:uri"].as_str().unwrap().to_owned();
    let (_, reader, _) = SseReader::open(&client, &uri).await;
    let mut reader = reader.unwrap();
    let completed = reader.next_data(Duration::from_secs(10)).await.unwrap();
    assert_eq!(
        unwrap_envelope(&completed).1,
        "ietf-subscribed-notifications:replay-completed"
    );

    let token = create_token(a.state.store().as_ref(), "t", Role::Editor, None)
        .await
        .unwrap();
    let mut timings = Vec::new();
    for n in 1..=5u64 {
        let started = Instant::now();
        let response = client.post(format!("{}/api/v1/products", a.base)).bearer_auth(&token)
            .json(&json!({"id": format!("plc-{n}"), "name": "P", "device_class": "plc", "version_scheme": "semver", "lifecycle": "active"}))
            .send().await.unwrap();
        assert!(response.status().is_success());
        let event = reader.next_data(Duration::from_secs(10)).await.unwrap();
        timings.push(started.elapsed());
        let (_, _, body) = unwrap_envelope(&event);
        assert_eq!(body["sequence-number"], n, "in order, gap-free");
        assert_eq!(body["product"], format!("plc-{n}"));
    }
    // NOTIFY, not the 5 s safety poll, delivered them.
    assert!(
        timings.iter().all(|t| *t < Duration::from_secs(2)),
        "{timings:?}"
    );
    eprintln!("publish on A → delivery on B: {timings:?}");
}
