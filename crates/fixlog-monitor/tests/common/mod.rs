//! Test publishers: real fixlog servers (the demo manufacturer) behind a listener that injects
//! faults per connection — a dropped connection, a delay, a 500 — and can switch the log it
//! serves (for forks and rollbacks); a webhook receiver; an in-memory evidence sink.

#![allow(dead_code, missing_docs)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use fixlog_evidence::BundleInput;
use fixlog_server::keys::demo_signer;
use fixlog_server::storage::open_store;
use fixlog_server::{AppState, demo};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tower::ServiceExt as _;

pub const ORIGIN: &str = "monitor.test/log";

/// A publisher: its state (to publish into) and its router.
pub struct Publisher {
    pub state: AppState,
    pub router: Router,
    _directory: tempfile::TempDir,
}

/// A demo log plus `extra` products named `{prefix}-{i}`.
pub async fn publisher(prefix: &str, extra: usize) -> Publisher {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", directory.path().join("log.db").display());
    let store = open_store(&url).await.unwrap();
    let state = AppState::new(store, demo_signer(ORIGIN), "http://127.0.0.1:1");
    demo::load(&state.log).await.unwrap();
    for index in 0..extra {
        add_product(&state, &format!("{prefix}-{index}")).await;
    }
    state.log.ensure_checkpoint(0).await.unwrap();
    let router = fixlog_server::app(state.clone());
    Publisher {
        state,
        router,
        _directory: directory,
    }
}

pub async fn add_product(state: &AppState, id: &str) {
    let body: fixlog_api::ProductDoc = serde_json::from_value(serde_json::json!({
        "id": id, "name": id, "device_class": "plc", "version_scheme": "semver",
        "lifecycle": "end_of_life"}))
    .unwrap();
    fixlog_server::write::publish_product(&state.log, &body, time::OffsetDateTime::now_utc())
        .await
        .unwrap();
}

/// Faults injected by connection number (0-based, in accept order).
#[derive(Clone, Default)]
pub struct Faults {
    /// Close connection `n` without answering when `n % k == k - 1`.
    pub drop_every: Option<u64>,
    /// Delay of the `/tlog/checkpoint` answer on connection `n`: `delays_ms[n % len]`.
    pub delays_ms: Vec<u64>,
    /// Connections whose `/tlog/checkpoint` is answered 500.
    pub error_window: Option<std::ops::Range<u64>>,
}

/// A running fault-injecting server.
pub struct FaultServer {
    pub url: String,
    pub connections: Arc<AtomicU64>,
    pub dropped: Arc<AtomicU64>,
    /// Delays applied to answered checkpoint requests.
    pub applied_delays_ms: Arc<Mutex<Vec<u64>>>,
    upstream: Arc<RwLock<Router>>,
}

impl FaultServer {
    /// Serves `router` from now on.
    pub fn switch(&self, router: Router) {
        *self.upstream.write().unwrap() = router;
    }
}

pub async fn fault_server(router: Router, faults: Faults) -> FaultServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = FaultServer {
        url,
        connections: Arc::new(AtomicU64::new(0)),
        dropped: Arc::new(AtomicU64::new(0)),
        applied_delays_ms: Arc::new(Mutex::new(Vec::new())),
        upstream: Arc::new(RwLock::new(router)),
    };
    let connections = server.connections.clone();
    let dropped = server.dropped.clone();
    let applied = server.applied_delays_ms.clone();
    let upstream = server.upstream.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                break;
            };
            let number = connections.fetch_add(1, Ordering::SeqCst);
            if faults
                .drop_every
                .is_some_and(|every| number % every == every - 1)
            {
                dropped.fetch_add(1, Ordering::SeqCst);
                drop(stream);
                continue;
            }
            let delay = (!faults.delays_ms.is_empty())
                .then(|| faults.delays_ms[(number as usize) % faults.delays_ms.len()]);
            let error = faults
                .error_window
                .as_ref()
                .is_some_and(|window| window.contains(&number));
            let upstream = upstream.clone();
            let applied = applied.clone();
            let service = Router::new().fallback(move |request: Request| {
                let upstream = upstream.clone();
                let applied = applied.clone();
                async move {
                    if request.uri().path() == "/tlog/checkpoint" {
                        if error {
                            return (
                                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                                [("content-type", "text/plain")],
                                "internal error",
                            )
                                .into_response();
                        }
                        if let Some(delay) = delay {
                            tokio::time::sleep(Duration::from_millis(delay)).await;
                            applied.lock().unwrap().push(delay);
                        }
                    }
                    let router = upstream.read().unwrap().clone();
                    let response: Response<Body> = router.oneshot(request).await.unwrap();
                    response
                }
            });
            tokio::spawn(async move {
                let _ = Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
                    .await;
            });
        }
    });
    server
}

/// Serves `router` plainly on 127.0.0.1; returns its URL.
pub async fn serve(router: Router) -> String {
    fault_server(router, Faults::default()).await.url
}

/// Collects webhook bodies.
pub async fn webhook() -> (String, Arc<Mutex<Vec<serde_json::Value>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    let router = Router::new().fallback(move |body: axum::Json<serde_json::Value>| {
        let sink = sink.clone();
        async move {
            sink.lock().unwrap().push(body.0);
            "ok"
        }
    });
    (serve(router).await, received)
}

/// An evidence sink that keeps the inputs in memory and names them by probe id.
#[derive(Default)]
pub struct MemorySink {
    pub sealed: Mutex<Vec<BundleInput>>,
}

#[async_trait::async_trait]
impl fixlog_monitor::EvidenceSink for MemorySink {
    async fn seal(&self, input: &BundleInput) -> Result<(String, String), String> {
        self.sealed.lock().unwrap().push(input.clone());
        Ok((format!("memory/{}", input.probe_id), "00".repeat(32)))
    }
}

/// Polls `condition` every 20 ms until it holds or `limit` passes.
pub async fn wait_for<F, Fut>(limit: Duration, mut condition: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if condition().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}
