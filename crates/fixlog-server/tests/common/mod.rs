//! Shared helpers of the HTTP acceptance tests: a fresh SQLite-backed app per test, tokens,
//! one-shot requests and snapshots of every stored entry.

// Each test binary includes this module and uses a different subset of it, so an `expect`
// would be unfulfilled in some binaries and fulfilled in others.
#![allow(
    dead_code,
    reason = "each test binary uses a different subset of these helpers"
)]

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use fixlog_server::auth::{Role, create_token};
use fixlog_server::{AppState, app};
use fixlog_store::Store;
use fixlog_store_sqlite::SqliteStore;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// The log origin every test uses.
pub const ORIGIN: &str = "test.example/log";

/// A fresh app over its own SQLite database in a temporary directory.
pub struct TestApp {
    /// The state the router was built from.
    pub state: AppState,
    /// The router (cloned for every request).
    pub router: Router,
    /// The concrete store, for raw SQL.
    pub sqlite: SqliteStore,
    /// Keeps the database directory alive.
    _directory: tempfile::TempDir,
}

/// An answer to one request.
#[derive(Debug)]
pub struct Answer {
    /// Status code.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// Response body.
    pub body: Bytes,
}

impl Answer {
    /// The body as JSON (panics with the body text when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "body is not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The `content-type` header.
    pub fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    }

    /// Panics unless the status is `expected`, showing the body.
    #[track_caller]
    pub fn expect_status(&self, expected: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            expected,
            "unexpected status; body: {}",
            String::from_utf8_lossy(&self.body)
        );
        self
    }
}

impl TestApp {
    /// A new app over an empty SQLite database.
    pub async fn new() -> Self {
        let directory = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}/t.db", directory.path().display());
        let sqlite = SqliteStore::connect(&url).await.expect("open SQLite store");
        let store: Arc<dyn Store> = Arc::new(sqlite.clone());
        let state = AppState::new(
            store,
            fixlog_server::keys::demo_signer(ORIGIN),
            "https://test.example",
        );
        Self {
            router: app(state.clone()),
            state,
            sqlite,
            _directory: directory,
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        self.state.store()
    }

    /// Creates a token with `role` that does not expire.
    pub async fn token(&self, role: Role) -> String {
        create_token(self.store().as_ref(), "test", role, None)
            .await
            .expect("create token")
    }

    /// Sends one request through the router.
    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("read body")
            .to_bytes();
        Answer {
            status,
            headers,
            body,
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Answer {
        self.send(request(Method::GET, path, None, None, Vec::new()))
            .await
    }

    /// `POST path` with a JSON body and an optional bearer token.
    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Answer {
        self.send(request(
            Method::POST,
            path,
            token,
            Some("application/json"),
            serde_json::to_vec(body).expect("serialize"),
        ))
        .await
    }

    /// Every stored entry as (seq, bytes), in sequence order, read through the store.
    pub async fn entries(&self) -> Vec<(u64, Vec<u8>)> {
        let store = self.store();
        let size = store.size().await.expect("size");
        let mut out = Vec::new();
        for seq in 1..=size {
            let entry = store
                .entry(seq)
                .await
                .expect("read entry")
                .unwrap_or_else(|| panic!("entry {seq} of {size} is missing"));
            out.push((seq, entry.body));
        }
        out
    }
}

/// Builds a request.
pub fn request(
    method: Method,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    if let Some(content_type) = content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    builder.body(Body::from(body)).expect("valid request")
}

/// Percent-encodes a path segment (spaces and anything outside the unreserved set).
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::new();
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The PostgreSQL base URL for tests, or `None` (after saying so) when the test should skip.
/// Panics when `CI` is set but the URL is not.
pub fn postgres_url() -> Option<String> {
    match std::env::var("FIXLOG_TEST_POSTGRES_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            if std::env::var("CI").is_ok() {
                panic!("FIXLOG_TEST_POSTGRES_URL must be set in CI");
            }
            eprintln!("skipped: FIXLOG_TEST_POSTGRES_URL is not set");
            None
        }
    }
}

/// Creates a fresh schema on the server at `base` and returns a URL whose connections use it.
pub async fn fresh_postgres_schema(base: &str) -> String {
    let schema = format!(
        "fixlog_http_test_{}_{}",
        std::process::id(),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000_000_000
    );
    let pool = sqlx::PgPool::connect(base)
        .await
        .expect("connect to PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&pool)
        .await
        .expect("create schema");
    pool.close().await;
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}options=-csearch_path%3D{schema}")
}
