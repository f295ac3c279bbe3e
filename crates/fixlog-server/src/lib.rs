//! The fixlog publisher.
//!
//! [`app`] builds the axum `Router` over an [`AppState`]; [`serve`] runs it on a bound
//! listener until the shutdown future completes. Tests call `app` with `oneshot`, end-to-end
//! tests bind `127.0.0.1:0`.
//!
//! Layout: [`mod@write`] parses requests into model values and appends entries through
//! [`log::Log`], which acknowledges only after a signed checkpoint covers the entry; [`read`]
//! derives current state from entries; [`routes`] maps HTTP to both; [`error`] is the one HTTP
//! error edge (RFC 9457 problem+json).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use fixlog_store::Store;
use tower_http::set_header::SetResponseHeaderLayer;

pub mod auth;
pub mod demo;
pub mod error;
pub mod extract;
pub mod keys;
pub mod limits;
pub mod listen;
pub mod log;
pub mod openapi;
pub mod read;
pub mod restconf;
pub mod routes;
pub mod storage;
pub mod witness;
pub mod write;

pub use error::ApiError;
pub use log::Log;

/// Request counters for `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Requests served.
    pub requests: AtomicU64,
    /// Entries appended by this process.
    pub appended: AtomicU64,
    /// Requests answered with a 4xx status.
    pub client_errors: AtomicU64,
    /// Requests answered with a 5xx status.
    pub server_errors: AtomicU64,
}

/// Everything a handler needs.
#[derive(Clone)]
pub struct AppState {
    /// The log (store, signer, event bus).
    pub log: Arc<Log>,
    /// Public base URL used in links (no trailing slash), e.g. `https://psirt.example.com`.
    pub public_url: String,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Witness keys whose cosignatures the log accepts (none unless configured).
    pub witnesses: Arc<witness::Witnesses>,
    /// Settings of the HTML page (coverage gap threshold).
    pub page: routes::page::PageSettings,
    /// RESTCONF subscriptions (RFC 8639/8650) and the event hub.
    pub restconf: Arc<restconf::Restconf>,
    /// The OpenPGP key that signs CSAF documents (`.asc`, role `csaf_trusted_provider`);
    /// none unless configured.
    pub openpgp: Option<Arc<fixlog_csaf::openpgp::SigningKey>>,
    /// Per-address abuse limits and connection counts (`limits.rs`).
    pub guard: Arc<limits::Guard>,
    /// The last rendered overview page, reused while the log size and the day are the same.
    pub overview: Arc<routes::page::OverviewCache>,
}

impl AppState {
    /// State over a store and log signer.
    pub fn new(store: Arc<dyn Store>, signer: fixlog_tlog::Signer, public_url: &str) -> Self {
        Self {
            log: Arc::new(Log::new(store, signer)),
            public_url: public_url.trim_end_matches('/').to_owned(),
            metrics: Arc::new(Metrics::default()),
            witnesses: Arc::new(witness::Witnesses::default()),
            page: routes::page::PageSettings::default(),
            restconf: Arc::new(restconf::Restconf::default()),
            openpgp: None,
            guard: Arc::new(limits::Guard::default()),
            overview: Arc::default(),
        }
    }

    /// Accepts cosignatures from these witness keys (`fixlog serve --witness`).
    pub fn with_witnesses(mut self, witnesses: witness::Witnesses) -> Self {
        self.witnesses = Arc::new(witnesses);
        self
    }

    /// Enforces these per-address limits (`fixlog serve --max-conns-per-ip` and friends).
    pub fn with_limits(mut self, limits: limits::ClientLimits) -> Self {
        self.guard = Arc::new(limits::Guard::new(limits));
        self
    }

    /// Signs the CSAF provider's documents with this OpenPGP key (`fixlog serve
    /// --openpgp-key`), which makes the provider a `csaf_trusted_provider`.
    pub fn with_openpgp_key(mut self, key: fixlog_csaf::openpgp::SigningKey) -> Self {
        self.openpgp = Some(Arc::new(key));
        self
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        self.log.store()
    }
}

/// The router with every route of CONTRACT.md implemented so far.
pub fn app(state: AppState) -> Router {
    let metrics = Arc::clone(&state.metrics);
    Router::new()
        .merge(routes::api::router())
        .merge(routes::csaf::router())
        .merge(routes::drafts::router())
        .merge(routes::tlog::router())
        .merge(routes::witness::router())
        .merge(routes::meta::router())
        .merge(routes::page::router())
        .merge(routes::restconf::router())
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::enforce,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(axum::middleware::map_response(
            move |response: axum::response::Response| {
                let metrics = Arc::clone(&metrics);
                async move {
                    metrics.requests.fetch_add(1, Ordering::Relaxed);
                    if response.status().is_client_error() {
                        metrics.client_errors.fetch_add(1, Ordering::Relaxed);
                    } else if response.status().is_server_error() {
                        metrics.server_errors.fetch_add(1, Ordering::Relaxed);
                    }
                    response
                }
            },
        ))
        .with_state(state)
}

/// Serves `app(state)` on `listener` until `shutdown` completes, with the connection limits
/// and timeouts of `state.guard` (see [`listen::serve`], which also serves TLS).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listen::serve(listener, state, None, shutdown).await
}
