//! No route or store method can modify or delete an entry: every attempt to change published
//! content either appends a new entry (leaving the old bytes readable at their sequence
//! number) or is refused with nothing stored, and the databases refuse raw edits.

mod common;

use axum::http::Method;
use common::{TestApp, request};
use fixlog_server::auth::Role;
use fixlog_store::Store;
use serde_json::{Value, json};

const SHA256: &str = "b1f4551882772f2d92b1fb3621f0689c0d42acfd68dbad09684647fcf0790d3c";
const OTHER_SHA256: &str = "7255d04b20aac4371f23e8dca25d42114d60a1cf4a1fa5df6c2d3879270575a2";

fn product(name: &str) -> Value {
    json!({
        "id": "rtu-fl3",
        "name": name,
        "device_class": "rtu",
        "version_scheme": "dotted",
        "lifecycle": {"state": "active"}
    })
}

fn release(sha256: &str) -> Value {
    json!({
        "product": "rtu-fl3",
        "version": "4.2.1",
        "release_date": "2026-03-01",
        "images": [{"name": "fl3.bin", "size": 4096, "sha256": sha256}],
        "fixes": ["CVE-2026-50001"]
    })
}

fn advisory(number: &str, title: &str) -> Value {
    json!({
        "id": "ACME-SA-2026-010",
        "title": title,
        "cves": [{"id": "CVE-2026-50001"}],
        "products": [{
            "product": "rtu-fl3",
            "status": "known_affected",
            "affected": {"fixed": "4.2.1"}
        }],
        "revision": {"number": number, "date": "2026-02-01", "summary": "initial release"}
    })
}

/// An app with one product, release and advisory, plus editor and publisher tokens.
async fn seeded() -> (TestApp, String, String) {
    let app = TestApp::new().await;
    let editor = app.token(Role::Editor).await;
    let publisher = app.token(Role::Publisher).await;
    app.post_json("/api/v1/products", Some(&editor), &product("RTU 3"))
        .await
        .expect_status(201);
    app.post_json(
        "/api/v1/advisories",
        Some(&editor),
        &advisory("1", "Buffer overflow"),
    )
    .await
    .expect_status(201);
    app.post_json("/api/v1/releases", Some(&publisher), &release(SHA256))
        .await
        .expect_status(201);
    (app, editor, publisher)
}

/// Asserts that every entry of `before` is still stored with the same bytes and served by
/// `GET /api/v1/entries/{seq}` with the same canonical content.
async fn assert_unchanged(app: &TestApp, before: &[(u64, Vec<u8>)], context: &str) {
    let now = app.entries().await;
    assert!(now.len() >= before.len(), "{context}: entries vanished");
    assert_eq!(&now[..before.len()], before, "{context}: an entry changed");
    for (seq, bytes) in before {
        let answer = app.get(&format!("/api/v1/entries/{seq}")).await;
        answer.expect_status(200);
        let served = fixlog_formats::EntryDoc::from_bytes(&answer.body).expect("entry document");
        assert_eq!(
            &served.canonical_bytes().expect("canonical"),
            bytes,
            "{context}: entry {seq} is served with other content"
        );
    }
}

#[tokio::test]
async fn changing_a_product_appends_a_new_record() {
    let (app, editor, _) = seeded().await;
    let before = app.entries().await;
    let answer = app
        .post_json(
            "/api/v1/products",
            Some(&editor),
            &product("RTU 3 (renamed)"),
        )
        .await;
    answer.expect_status(201);
    let seq = answer.json()["seq"].as_u64().unwrap();
    assert_eq!(seq, before.len() as u64 + 1, "a new entry at the end");
    assert_unchanged(&app, &before, "product rename").await;
    assert_eq!(
        app.get("/api/v1/products/rtu-fl3").await.json()["name"],
        "RTU 3 (renamed)"
    );
    // The original record is still readable at its sequence number.
    let first = app.get("/api/v1/entries/1").await.json();
    assert_eq!(first["product_record"]["name"], "RTU 3");

    // A scheme change is refused and stores nothing.
    let before = app.entries().await;
    let mut changed = product("RTU 3 (renamed)");
    changed["version_scheme"] = json!("semver");
    app.post_json("/api/v1/products", Some(&editor), &changed)
        .await
        .expect_status(409);
    assert_eq!(app.entries().await, before);
}

#[tokio::test]
async fn releases_cannot_be_overwritten() {
    let (app, _, publisher) = seeded().await;
    let before = app.entries().await;

    // Other digests for a published version: a conflict, nothing stored.
    app.post_json("/api/v1/releases", Some(&publisher), &release(OTHER_SHA256))
        .await
        .expect_status(409);
    assert_eq!(app.entries().await, before);

    // The same release again: idempotent, nothing stored.
    let answer = app
        .post_json("/api/v1/releases", Some(&publisher), &release(SHA256))
        .await;
    answer.expect_status(200);
    assert_eq!(answer.json()["status"], "existing");
    assert_eq!(app.entries().await, before);

    // Equal version spelled differently ("4.2.1.0") is the same version: still a conflict.
    let mut respelled = release(OTHER_SHA256);
    respelled["version"] = json!("4.2.1.0");
    app.post_json("/api/v1/releases", Some(&publisher), &respelled)
        .await
        .expect_status(409);
    assert_eq!(app.entries().await, before);

    // An explicit replacement appends a new entry that names the old one.
    let old_seq = before
        .iter()
        .find(|(_, bytes)| String::from_utf8_lossy(bytes).contains(SHA256))
        .map(|(seq, _)| *seq)
        .expect("the release entry");
    let mut replacement = release(OTHER_SHA256);
    replacement["supersedes"] = json!(old_seq);
    let answer = app
        .post_json("/api/v1/releases", Some(&publisher), &replacement)
        .await;
    answer.expect_status(201);
    assert_eq!(answer.json()["entry"]["supersedes"], json!(old_seq));
    assert_unchanged(&app, &before, "release replacement").await;
    let old = app.get(&format!("/api/v1/entries/{old_seq}")).await.json();
    assert_eq!(old["images"][0]["sha256"], SHA256);
    let matches = app
        .get(&format!("/api/v1/firmware/by-digest/{SHA256}"))
        .await
        .json();
    assert_eq!(matches["matches"][0]["superseded"], true);
}

#[tokio::test]
async fn advisories_are_revised_by_appending() {
    let (app, editor, _) = seeded().await;
    let before = app.entries().await;

    // Reusing a revision number with other content: refused.
    app.post_json(
        "/api/v1/advisories",
        Some(&editor),
        &advisory("1", "Heap overflow"),
    )
    .await
    .expect_status(409);
    assert_eq!(app.entries().await, before);

    // The identical revision again: idempotent.
    app.post_json(
        "/api/v1/advisories",
        Some(&editor),
        &advisory("1", "Buffer overflow"),
    )
    .await
    .expect_status(200);
    assert_eq!(app.entries().await, before);

    // A new revision number: appended, and it supersedes revision 1.
    let answer = app
        .post_json(
            "/api/v1/advisories",
            Some(&editor),
            &advisory("2", "Heap overflow"),
        )
        .await;
    answer.expect_status(201);
    let revision_two = answer.json()["seq"].as_u64().unwrap();
    assert_unchanged(&app, &before, "advisory revision").await;
    let view = app.get("/api/v1/advisories/ACME-SA-2026-010").await.json();
    assert_eq!(view["current"]["advisory"]["title"], "Heap overflow");
    assert_eq!(view["revisions"].as_array().unwrap().len(), 2);
    let first_seq = view["revisions"][0]["seq"].as_u64().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/entries/{first_seq}"))
            .await
            .json()["advisory"]["title"],
        "Buffer overflow"
    );

    // Withdrawal: appended; the revisions stay; a second withdrawal is refused.
    let before = app.entries().await;
    let answer = app
        .post_json(
            "/api/v1/advisories/ACME-SA-2026-010/withdraw",
            Some(&editor),
            &json!({"reason": "not a vulnerability", "date": "2026-02-02"}),
        )
        .await;
    answer.expect_status(201);
    assert_eq!(answer.json()["entry"]["supersedes"], json!(revision_two));
    assert_unchanged(&app, &before, "withdrawal").await;
    let before = app.entries().await;
    app.post_json(
        "/api/v1/advisories/ACME-SA-2026-010/withdraw",
        Some(&editor),
        &json!({"reason": "again"}),
    )
    .await
    .expect_status(409);
    app.post_json(
        "/api/v1/advisories",
        Some(&editor),
        &advisory("9", "Resurrected"),
    )
    .await
    .expect_status(409);
    assert_eq!(app.entries().await, before);
}

#[tokio::test]
async fn no_route_edits_or_deletes() {
    let (app, editor, _) = seeded().await;
    let admin = app.token(Role::Admin).await;
    let before = app.entries().await;
    let paths = [
        "/api/v1/entries/1",
        "/api/v1/entries/2",
        "/api/v1/products/rtu-fl3",
        "/api/v1/advisories/ACME-SA-2026-010",
        "/api/v1/products",
        "/api/v1/advisories",
        "/api/v1/releases",
    ];
    for path in paths {
        for method in [Method::PUT, Method::PATCH, Method::DELETE] {
            for token in [&editor, &admin] {
                let answer = app
                    .send(request(
                        method.clone(),
                        path,
                        Some(token),
                        Some("application/json"),
                        serde_json::to_vec(&product("Edited")).unwrap(),
                    ))
                    .await;
                assert_eq!(answer.status.as_u16(), 405, "{method} {path}");
                assert_eq!(app.entries().await, before, "{method} {path}");
            }
        }
    }
    // A POST to an existing entry or advisory path is no write route either.
    for path in ["/api/v1/entries/1", "/api/v1/advisories/ACME-SA-2026-010"] {
        let answer = app
            .post_json(path, Some(&admin), &advisory("1", "Edited"))
            .await;
        assert_eq!(answer.status.as_u16(), 405, "POST {path}");
    }
    assert_unchanged(&app, &before, "edit routes").await;
}

/// Raw SQL statements that would change published entries or Merkle nodes.
const TAMPERING: [&str; 8] = [
    "UPDATE entries SET body = X'00' WHERE seq = 1",
    "UPDATE entries SET kind = 'release'",
    "DELETE FROM entries WHERE seq = 3",
    "DELETE FROM entries",
    "UPDATE tlog_nodes SET hash = X'00'",
    "DELETE FROM tlog_nodes WHERE level = 0 AND idx = 0",
    "DELETE FROM tlog_nodes",
    "UPDATE entries SET supersedes = 1 WHERE seq = 2",
];

#[tokio::test]
async fn sqlite_refuses_updates_and_deletes() {
    let (app, _, _) = seeded().await;
    let before = app.entries().await;
    let root = app.state.log.root(before.len() as u64).await.unwrap();
    let pool = app.sqlite.pool();
    for statement in TAMPERING {
        let result = sqlx::query(statement).execute(pool).await;
        assert!(result.is_err(), "SQLite accepted {statement}");
        assert!(
            result.unwrap_err().to_string().contains("append-only"),
            "{statement} failed for another reason"
        );
    }
    // REPLACE deletes the conflicting row; that must not get around the triggers.
    for statement in [
        "INSERT OR REPLACE INTO entries (seq, kind, published, body) VALUES (1, 'product', 0, X'00')",
        "REPLACE INTO tlog_nodes (level, idx, hash) VALUES (0, 0, X'00')",
    ] {
        assert!(
            sqlx::query(statement).execute(pool).await.is_err(),
            "SQLite accepted {statement}"
        );
    }
    assert_eq!(app.entries().await, before);
    assert_eq!(app.state.log.root(before.len() as u64).await.unwrap(), root);
}

#[tokio::test]
async fn postgres_refuses_updates_and_deletes() {
    let Some(base) = common::postgres_url() else {
        return;
    };
    let url = common::fresh_postgres_schema(&base).await;
    let store = fixlog_store_postgres::PostgresStore::connect(&url)
        .await
        .expect("connect PostgresStore");
    let shared: std::sync::Arc<dyn Store> = std::sync::Arc::new(store.clone());
    let log = fixlog_server::Log::new(
        shared.clone(),
        fixlog_server::keys::demo_signer(common::ORIGIN),
    );
    let now = time::OffsetDateTime::now_utc();
    fixlog_server::write::publish_product(
        &log,
        &serde_json::from_value(product("RTU 3")).unwrap(),
        now,
    )
    .await
    .unwrap();
    fixlog_server::write::publish_advisory(
        &log,
        &serde_json::from_value(advisory("1", "Buffer overflow")).unwrap(),
        now,
    )
    .await
    .unwrap();
    fixlog_server::write::publish_release(
        &log,
        &serde_json::from_value(release(SHA256)).unwrap(),
        now,
    )
    .await
    .unwrap();
    let size = shared.size().await.unwrap();
    assert_eq!(size, 3);
    let mut before = Vec::new();
    for seq in 1..=size {
        before.push(shared.entry(seq).await.unwrap().unwrap());
    }
    let root = log.root(size).await.unwrap();
    let pool = store.pool();
    let mut statements: Vec<String> = TAMPERING
        .iter()
        .map(|statement| statement.replace("X'00'", "'\\x00'::bytea"))
        .collect();
    statements.extend(
        [
            "TRUNCATE entries CASCADE",
            "TRUNCATE tlog_nodes",
            "INSERT INTO entries (seq, kind, published, body) VALUES (1, 'product', 0, '\\x00'::bytea) \
             ON CONFLICT (seq) DO UPDATE SET body = EXCLUDED.body",
        ]
        .map(str::to_owned),
    );
    for statement in statements {
        let result = sqlx::query(sqlx::AssertSqlSafe(statement.clone()))
            .execute(pool)
            .await;
        let error = result.expect_err(&format!("PostgreSQL accepted {statement}"));
        assert!(
            error.to_string().contains("append-only"),
            "{statement} failed for another reason: {error}"
        );
    }
    for (seq, entry) in (1..).zip(&before) {
        assert_eq!(shared.entry(seq).await.unwrap().as_ref(), Some(entry));
    }
    assert_eq!(shared.size().await.unwrap(), size);
    assert_eq!(log.root(size).await.unwrap(), root);
}
