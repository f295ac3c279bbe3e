//! `/tlog/cosignature` and `/tlog/witnesses`: witness cosignatures in, configured witness keys
//! out (see [`crate::witness`]).

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fixlog_tlog::Verifier;

use crate::AppState;
use crate::error::ApiError;
use crate::witness::{accept_cosignatures, cosigned_note};

/// The witness routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tlog/cosignature", post(submit))
        .route("/tlog/witnesses", get(witnesses))
}

fn text(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /tlog/cosignature`: body = a checkpoint note the log signed, carrying one or more
/// witness cosignature lines. Answers 201 with the cosigned checkpoint when a cosignature was
/// new, 200 when every one was already stored.
pub async fn submit(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let body = std::str::from_utf8(&body).map_err(|_| ApiError::Malformed {
        detail: "the body is not UTF-8".to_owned(),
        field: None,
    })?;
    let log_key =
        Verifier::from_vkey(&state.log.verifier_key()).map_err(|error| ApiError::Internal {
            cause: format!("log verifier key: {error}"),
        })?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
    let store = state.store().as_ref();
    let accepted = accept_cosignatures(store, &log_key, &state.witnesses, body, now).await?;
    let checkpoint = store
        .checkpoint(accepted.size)
        .await?
        .ok_or_else(|| ApiError::Internal {
            cause: format!("checkpoint {} vanished", accepted.size),
        })?;
    let status = if accepted.stored > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(text(status, cosigned_note(store, &checkpoint).await?))
}

/// `GET /tlog/witnesses`: the configured witness verifier keys, one per line.
pub async fn witnesses(State(state): State<AppState>) -> Response {
    let body: String = state
        .witnesses
        .keys()
        .iter()
        .map(|key| format!("{}\n", key.to_vkey()))
        .collect();
    text(StatusCode::OK, body)
}
