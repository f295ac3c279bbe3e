//! The status page of `fixlog monitor serve`: `GET /` lists every endpoint by supplier with its
//! current state (up, down, degraded), uptime, p95 and a latency sparkline (inline SVG);
//! `GET /report.json` is the [`MonitorReport`] of the window. No script: the content security
//! policy allows none.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::get;
use fixlog_store::monitor::{MonitorStore, SampleRecord};
use maud::{DOCTYPE, Markup, html};
use time::OffsetDateTime;

use crate::chart;
use crate::config::MonitorConfig;
use crate::html::{millis, percent};
use crate::report::{EndpointReport, MonitorReport, report};
use crate::stats;

/// What the status page reads.
#[derive(Clone)]
pub struct StatusState {
    /// The monitor configuration.
    pub config: Arc<MonitorConfig>,
    /// The history.
    pub store: Arc<dyn MonitorStore>,
    /// How far back the page looks (e.g. 24 hours).
    pub window: Duration,
}

/// The current state of an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointState {
    /// No probe in the window.
    Unknown,
    /// The last probe passed on its first attempt and no incident is open.
    Up,
    /// The last probe needed a retry or failed, below the incident threshold.
    Degraded,
    /// An incident is open.
    Down,
}

impl EndpointState {
    /// The state of `endpoint` whose raw samples are `samples`.
    pub fn of(endpoint: &EndpointReport, samples: &[SampleRecord]) -> Self {
        let probes = stats::probes(samples);
        match probes.last() {
            None => Self::Unknown,
            Some(_)
                if endpoint
                    .incidents
                    .iter()
                    .any(|incident| incident.end.is_none()) =>
            {
                Self::Down
            }
            Some(last) if last.first_ok => Self::Up,
            Some(_) => Self::Degraded,
        }
    }

    /// Lowercase name, also the CSS class.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Up => "up",
            Self::Degraded => "degraded",
            Self::Down => "down",
        }
    }
}

/// The status page's router.
pub fn app(state: StatusState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/report.json", get(report_json))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Serves [`app`] on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: StatusState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The report of the window and each endpoint's samples, or a 500 that logs the cause.
async fn load(state: &StatusState) -> Result<(MonitorReport, Vec<Vec<SampleRecord>>), Response> {
    let failed = |error: fixlog_store::StoreError| {
        tracing::error!(%error, "monitor status: reading the history");
        (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
    };
    let until = OffsetDateTime::now_utc() + time::Duration::SECOND;
    let since = until - time::Duration::try_from(state.window).unwrap_or(time::Duration::DAY);
    let report = report(&state.config, state.store.as_ref(), since, until)
        .await
        .map_err(failed)?;
    let mut samples = Vec::new();
    for endpoint in &state.config.endpoints {
        samples.push(
            state
                .store
                .samples(&endpoint.name, since, until)
                .await
                .map_err(failed)?,
        );
    }
    Ok((report, samples))
}

async fn report_json(State(state): State<StatusState>) -> Response {
    match load(&state).await {
        Ok((report, _)) => Json(report).into_response(),
        Err(response) => response,
    }
}

async fn index(State(state): State<StatusState>) -> Response {
    match load(&state).await {
        Ok((report, samples)) => Html(page(&report, &samples).into_string()).into_response(),
        Err(response) => response,
    }
}

/// The status page; `samples[i]` are the raw samples of `report.endpoints[i]`.
pub fn page(report: &MonitorReport, samples: &[Vec<SampleRecord>]) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (crate::html::head("fixlog monitor status"))
            body {
                h1 { "fixlog monitor status" }
                p { "Since " (report.since.format(&time::format_description::well_known::Rfc3339).unwrap_or_default())
                    ". " a href="report.json" { "report.json" } }
                table.status {
                    thead { tr { th { "Supplier" } th { "Endpoint" } th { "State" } th { "Uptime (after retries)" }
                        th { "p95" } th { "Response time" } } }
                    tbody {
                        @for (index, endpoint) in report.endpoints.iter().enumerate() {
                            @let samples = samples.get(index).map_or(&[][..], Vec::as_slice);
                            @let state = EndpointState::of(endpoint, samples);
                            tr.endpoint data-state=(state.as_str()) {
                                td { (endpoint.supplier) }
                                td { (endpoint.name) br; code { (endpoint.url) } }
                                td { strong class=(state.as_str()) { (state.as_str()) } }
                                td { (percent(endpoint.uptime.after_retries_pct)) }
                                td { (millis(endpoint.latency.p95_ms)) }
                                td { (chart::sparkline(samples)) }
                            }
                        }
                    }
                }
            }
        }
    }
}
