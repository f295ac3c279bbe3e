//! Health, metrics and the OpenAPI document.

use std::sync::atomic::Ordering;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fixlog_api::Health;

use crate::AppState;
use crate::error::ApiError;

/// Health, metrics and `/openapi.json`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
}

/// `GET /healthz`: the store answers.
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let size = state.store().size().await?;
    Ok(Json(Health {
        status: "ok".to_owned(),
        size,
    }))
}

/// `GET /metrics`: Prometheus text exposition.
pub async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let size = state.store().size().await?;
    let checkpoint = state
        .store()
        .latest_checkpoint()
        .await?
        .map(|c| c.size)
        .unwrap_or(0);
    let m = &state.metrics;
    let body = format!(
        "# HELP fixlog_log_size Entries in the log.\n# TYPE fixlog_log_size gauge\nfixlog_log_size {size}\n\
         # HELP fixlog_checkpoint_size Size of the latest signed checkpoint.\n# TYPE fixlog_checkpoint_size gauge\nfixlog_checkpoint_size {checkpoint}\n\
         # HELP fixlog_http_requests_total HTTP requests served.\n# TYPE fixlog_http_requests_total counter\nfixlog_http_requests_total {}\n\
         # HELP fixlog_http_client_errors_total Responses with a 4xx status.\n# TYPE fixlog_http_client_errors_total counter\nfixlog_http_client_errors_total {}\n\
         # HELP fixlog_http_server_errors_total Responses with a 5xx status.\n# TYPE fixlog_http_server_errors_total counter\nfixlog_http_server_errors_total {}\n\
         # HELP fixlog_entries_appended_total Entries appended by this process.\n# TYPE fixlog_entries_appended_total counter\nfixlog_entries_appended_total {}\n",
        m.requests.load(Ordering::Relaxed),
        m.client_errors.load(Ordering::Relaxed),
        m.server_errors.load(Ordering::Relaxed),
        m.appended.load(Ordering::Relaxed),
    );
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(response)
}

/// `GET /openapi.json`: the OpenAPI 3.0.3 description generated from the code.
pub async fn openapi() -> Response {
    let mut response = crate::openapi::document_json().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
