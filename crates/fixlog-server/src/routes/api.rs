//! `/api/v1`: the JSON API (read routes public, write routes with bearer tokens).

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fixlog_api::{
    AdvisoryList, AdvisoryRequest, AdvisoryView, DigestMatches, EntryDoc, FirmwareList, ProductDoc,
    ProductList, ProductView, PublishResponse, ReleaseRequest, VersionStatusView, WithdrawRequest,
};
use fixlog_store::EntryQuery;
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::IntoParams;

use crate::AppState;
use crate::auth::{Authorized, EditorRole, PublisherRole};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::log::Acknowledged;
use crate::read::{self, entry_doc};
use crate::write;

/// The `/api/v1` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/products", get(list_products).post(create_product))
        .route("/api/v1/products/{product}", get(get_product))
        .route("/api/v1/products/{product}/firmware", get(get_firmware))
        .route(
            "/api/v1/products/{product}/versions/{version}",
            get(get_version_status),
        )
        .route("/api/v1/releases", post(create_release))
        .route(
            "/api/v1/advisories",
            get(list_advisories).post(create_advisory),
        )
        .route("/api/v1/advisories/{id}", get(get_advisory))
        .route("/api/v1/advisories/{id}/withdraw", post(withdraw_advisory))
        .route("/api/v1/entries", get(list_entries))
        .route("/api/v1/entries/{seq}", get(get_entry))
        .route("/api/v1/entries/{seq}/proof", get(super::tlog::entry_proof))
        .route("/api/v1/firmware/by-digest/{digest}", get(get_by_digest))
}

fn publish_response(state: &AppState, acknowledged: Acknowledged) -> Result<Response, ApiError> {
    let entry = entry_doc(&acknowledged.entry)?;
    if acknowledged.created {
        state
            .metrics
            .appended
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    let status = if acknowledged.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let location = format!("/api/v1/entries/{}", entry.seq);
    let body = PublishResponse {
        status: if acknowledged.created {
            "created"
        } else {
            "existing"
        }
        .to_owned(),
        seq: entry.seq,
        checkpoint_size: acknowledged.checkpoint_size,
        proof: format!("/api/v1/entries/{}/proof", entry.seq),
        entry,
    };
    Ok((
        status,
        [(axum::http::header::LOCATION, location)],
        Json(body),
    )
        .into_response())
}

/// Register a product, or record a change of its record (a new entry; nothing is edited).
#[utoipa::path(post, path = "/api/v1/products", tag = "write", request_body = ProductDoc,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Product entry appended", body = PublishResponse),
        (status = 200, description = "Identical record already current; nothing appended", body = PublishResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not register products", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Version scheme change", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
        (status = 408, description = "Body not received within the body timeout", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited, or this address is locked out after failed authentications; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
pub async fn create_product(
    State(state): State<AppState>,
    _caller: Authorized<EditorRole>,
    ApiJson(body): ApiJson<ProductDoc>,
) -> Result<Response, ApiError> {
    let acknowledged = write::publish_product(&state.log, &body, OffsetDateTime::now_utc()).await?;
    publish_response(&state, acknowledged)
}

/// Publish a firmware release with its image digests and fixed CVEs.
#[utoipa::path(post, path = "/api/v1/releases", tag = "write", request_body = ReleaseRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Release entry appended", body = PublishResponse),
        (status = 200, description = "Same release already published; nothing appended", body = PublishResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not publish releases", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Version already published with other digests", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
        (status = 408, description = "Body not received within the body timeout", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited, or this address is locked out after failed authentications; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
pub async fn create_release(
    State(state): State<AppState>,
    _caller: Authorized<PublisherRole>,
    ApiJson(body): ApiJson<ReleaseRequest>,
) -> Result<Response, ApiError> {
    let acknowledged = write::publish_release(&state.log, &body, OffsetDateTime::now_utc()).await?;
    publish_response(&state, acknowledged)
}

/// Publish an advisory, or a new revision of an existing advisory id.
#[utoipa::path(post, path = "/api/v1/advisories", tag = "write", request_body = AdvisoryRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Advisory revision appended", body = PublishResponse),
        (status = 200, description = "Identical revision already current; nothing appended", body = PublishResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not publish advisories", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Revision number reused, or advisory withdrawn", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
        (status = 408, description = "Body not received within the body timeout", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited, or this address is locked out after failed authentications; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
pub async fn create_advisory(
    State(state): State<AppState>,
    _caller: Authorized<EditorRole>,
    ApiJson(body): ApiJson<AdvisoryRequest>,
) -> Result<Response, ApiError> {
    let acknowledged =
        write::publish_advisory(&state.log, &body, OffsetDateTime::now_utc()).await?;
    publish_response(&state, acknowledged)
}

/// Withdraw an advisory: a final revision that says so.
#[utoipa::path(post, path = "/api/v1/advisories/{id}/withdraw", tag = "write", request_body = WithdrawRequest,
    params(("id" = String, Path, description = "Advisory id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Withdrawal appended", body = PublishResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not withdraw advisories", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such advisory", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already withdrawn", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
        (status = 408, description = "Body not received within the body timeout", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited, or this address is locked out after failed authentications; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
pub async fn withdraw_advisory(
    State(state): State<AppState>,
    _caller: Authorized<EditorRole>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<WithdrawRequest>,
) -> Result<Response, ApiError> {
    let acknowledged =
        write::withdraw_advisory(&state.log, &id, &body, OffsetDateTime::now_utc()).await?;
    publish_response(&state, acknowledged)
}

/// Products with device class and lifecycle.
#[utoipa::path(get, path = "/api/v1/products", tag = "read",
    responses((status = 200, description = "Products", body = ProductList)))]
pub async fn list_products(State(state): State<AppState>) -> Result<Json<ProductList>, ApiError> {
    Ok(Json(read::product_list(&state.log).await?))
}

/// One product.
#[utoipa::path(get, path = "/api/v1/products/{product}", tag = "read",
    params(("product" = String, Path, description = "Product id")),
    responses(
        (status = 200, description = "The product", body = ProductView),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_product(
    State(state): State<AppState>,
    Path(product): Path<String>,
) -> Result<Json<ProductView>, ApiError> {
    Ok(Json(read::product_view(&state.log, &product).await?))
}

/// Live firmware releases of a product with image digests, newest version first.
#[utoipa::path(get, path = "/api/v1/products/{product}/firmware", tag = "read",
    params(("product" = String, Path, description = "Product id")),
    responses(
        (status = 200, description = "Releases", body = FirmwareList),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_firmware(
    State(state): State<AppState>,
    Path(product): Path<String>,
) -> Result<Json<FirmwareList>, ApiError> {
    Ok(Json(read::firmware_list(&state.log, &product).await?))
}

/// CVE status of one version of a product (evaluated with the product's version ordering).
#[utoipa::path(get, path = "/api/v1/products/{product}/versions/{version}", tag = "read",
    params(("product" = String, Path, description = "Product id"), ("version" = String, Path, description = "Version in the product's scheme")),
    responses(
        (status = 200, description = "Status per CVE", body = VersionStatusView),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Version not in the product's scheme", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_version_status(
    State(state): State<AppState>,
    Path((product, version)): Path<(String, String)>,
) -> Result<Json<VersionStatusView>, ApiError> {
    Ok(Json(
        read::version_status_view(&state.log, &product, &version).await?,
    ))
}

/// Current revision of every advisory.
#[utoipa::path(get, path = "/api/v1/advisories", tag = "read",
    responses((status = 200, description = "Advisories", body = AdvisoryList)))]
pub async fn list_advisories(
    State(state): State<AppState>,
) -> Result<Json<AdvisoryList>, ApiError> {
    Ok(Json(read::advisory_list(state.store().as_ref()).await?))
}

/// An advisory's current state and its revision history.
#[utoipa::path(get, path = "/api/v1/advisories/{id}", tag = "read",
    params(("id" = String, Path, description = "Advisory id")),
    responses(
        (status = 200, description = "The advisory", body = AdvisoryView),
        (status = 404, description = "No such advisory", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_advisory(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<AdvisoryView>, ApiError> {
    Ok(Json(
        read::advisory_view(state.store().as_ref(), &id).await?,
    ))
}

/// Query of `GET /api/v1/entries`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntriesQuery {
    /// Only entries with a sequence number above this.
    #[serde(default)]
    pub after: Option<u64>,
    /// Page size, 1 to 1000 (default 100).
    #[serde(default)]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Only entries concerning this product.
    #[serde(default)]
    #[param(pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$")]
    pub product: Option<String>,
    /// Only entries naming this CVE.
    #[serde(default)]
    #[param(pattern = r"^CVE-(1999|[2-9][0-9]{3})-([0-9]{4}|[1-9][0-9]{4,18})$")]
    pub cve: Option<String>,
}

/// Log entries in sequence order; every entry is the document whose canonical bytes are its
/// Merkle leaf.
#[utoipa::path(get, path = "/api/v1/entries", tag = "read", params(EntriesQuery),
    responses(
        (status = 200, description = "A page of entries", body = EntryPage),
        (status = 400, description = "Bad query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter value", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_entries(
    State(state): State<AppState>,
    query: Result<Query<EntriesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|rejection| ApiError::Malformed {
        detail: rejection.body_text(),
        field: None,
    })?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid(
            "/limit",
            "limit must be between 1 and 1000",
        ));
    }
    // Sequence numbers are signed 64-bit integers (`format: int64`) in the store and the
    // document: a larger `after` is out of range, not a bound to wrap around to the log's start.
    let after = query.after.unwrap_or(0);
    if after > i64::MAX as u64 {
        return Err(ApiError::invalid(
            "/after",
            format!("after must be at most {}", i64::MAX),
        ));
    }
    if let Some(cve) = &query.cve {
        cve.parse::<fixlog_model::CveId>()
            .map_err(|e| ApiError::invalid("/cve", e))?;
    }
    if let Some(product) = &query.product {
        product
            .parse::<fixlog_model::ProductId>()
            .map_err(|e| ApiError::invalid("/product", e))?;
    }
    let store = state.store();
    let stored = store
        .entries(&EntryQuery {
            after,
            limit: limit + 1,
            product: query.product.clone(),
            cve: query.cve.clone(),
            kind: None,
        })
        .await?;
    let more = stored.len() > limit as usize;
    let page = &stored[..stored.len().min(limit as usize)];
    let next_after = if more {
        page.last().map(|e| e.seq)
    } else {
        None
    };
    let size = store.size().await?;
    // The stored canonical bytes ARE the EntryDoc JSON: splice them into the page instead of
    // parsing and re-serializing every entry (the JSON equals serializing an `EntryPage`).
    let mut body = Vec::with_capacity(64 + page.iter().map(|e| e.body.len() + 1).sum::<usize>());
    body.extend_from_slice(b"{\"entries\":[");
    for (position, entry) in page.iter().enumerate() {
        if position > 0 {
            body.push(b',');
        }
        body.extend_from_slice(&entry.body);
    }
    body.push(b']');
    if let Some(next_after) = next_after {
        body.extend_from_slice(format!(",\"next_after\":{next_after}").as_bytes());
    }
    body.extend_from_slice(format!(",\"size\":{size}}}").as_bytes());
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

/// One entry.
#[utoipa::path(get, path = "/api/v1/entries/{seq}", tag = "read",
    params(("seq" = u64, Path, description = "Sequence number (1-based)")),
    responses(
        (status = 200, description = "The entry", body = EntryDoc),
        (status = 400, description = "Not a sequence number", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entry", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_entry(
    State(state): State<AppState>,
    seq: Result<Path<u64>, axum::extract::rejection::PathRejection>,
) -> Result<Json<EntryDoc>, ApiError> {
    let stored = super::entry_at(&state, seq).await?;
    Ok(Json(entry_doc(&stored)?))
}

/// The release and product whose image has this SHA-256, SHA3-256 or SHA-512.
#[utoipa::path(get, path = "/api/v1/firmware/by-digest/{digest}", tag = "read",
    params(("digest" = String, Path, description = "Lowercase hex SHA-256, SHA3-256 or SHA-512")),
    responses(
        (status = 200, description = "Matching releases", body = DigestMatches),
        (status = 404, description = "No published image has this digest", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a digest", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_by_digest(
    State(state): State<AppState>,
    Path(digest): Path<String>,
) -> Result<Json<DigestMatches>, ApiError> {
    Ok(Json(read::by_digest(&state.log, &digest).await?))
}
