//! `/tlog`: C2SP tlog-checkpoint and tlog-tiles, the log key, and per-entry tlog-proof files.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fixlog_store::EntryQuery;
use fixlog_tlog::{ProofBundle, TileKind, parse_tile_path, tile_nodes, tile_width};

use crate::AppState;
use crate::error::ApiError;

/// The `/tlog` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tlog/checkpoint", get(checkpoint))
        .route("/tlog/key", get(key))
        .route("/tlog/tile/{*path}", get(tile))
}

fn text(body: String, cache: &'static str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// `GET /tlog/checkpoint`: the latest signed checkpoint note with its witness cosignatures.
pub async fn checkpoint(State(state): State<AppState>) -> Result<Response, ApiError> {
    let checkpoint = state.log.latest_checkpoint().await?;
    let note = crate::witness::cosigned_note(state.store().as_ref(), &checkpoint).await?;
    Ok(text(note, "no-cache"))
}

/// `GET /tlog/key`: the log's verifier key (`name+id+base64`).
pub async fn key(State(state): State<AppState>) -> Response {
    text(
        format!("{}\n", state.log.verifier_key()),
        "public, max-age=3600",
    )
}

/// `GET /tlog/tile/{L}/{N}[.p/{W}]` and `/tlog/tile/entries/{N}[.p/{W}]`.
pub async fn tile(
    State(state): State<AppState>,
    Path(path): Path<String>,
) -> Result<Response, ApiError> {
    let not_found = |detail: String| ApiError::NotFound {
        detail,
        field: None,
    };
    let tile = parse_tile_path(&format!("tile/{path}"))
        .map_err(|e| not_found(format!("not a tile path: {e}")))?;
    let size = state.log.latest_checkpoint().await?.size;
    let level = match tile.kind() {
        TileKind::Hashes { level } => level,
        TileKind::Entries => 0,
    };
    let available = tile_width(level, tile.index(), size).unwrap_or(0);
    if tile.width() > available {
        return Err(not_found(format!(
            "tile {path} is beyond the checkpoint of size {size}"
        )));
    }
    let body = match tile.kind() {
        TileKind::Hashes { .. } => {
            let ids: Vec<_> = tile_nodes(level, tile.index(), tile.width()).collect();
            let nodes = state.log.nodes(&ids).await?;
            ids.iter().flat_map(|id| nodes[id]).collect::<Vec<u8>>()
        }
        TileKind::Entries => {
            let first = tile.index() * 256;
            let entries = state
                .store()
                .entries(&EntryQuery {
                    after: first,
                    limit: u32::from(tile.width()),
                    ..Default::default()
                })
                .await?;
            let bodies: Vec<&[u8]> = entries.iter().map(|e| e.body.as_slice()).collect();
            fixlog_tlog::encode_entry_bundle(&bodies)
        }
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    // Full tiles never change; partial ones are replaced by wider ones as the log grows.
    let cache = if tile.is_partial() {
        "public, max-age=60"
    } else {
        "public, max-age=31536000, immutable"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(response)
}

/// `GET /api/v1/entries/{seq}/proof`: a `c2sp.org/tlog-proof@v1` file for the entry against the
/// latest checkpoint, with the entry's canonical bytes as `extra`.
#[utoipa::path(get, path = "/api/v1/entries/{seq}/proof", tag = "tlog",
    params(("seq" = u64, Path, description = "Sequence number (1-based)")),
    responses(
        (status = 200, description = "tlog-proof@v1 file", body = String, content_type = "text/plain"),
        (status = 400, description = "Not a sequence number", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entry", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn entry_proof(
    State(state): State<AppState>,
    seq: Result<Path<u64>, axum::extract::rejection::PathRejection>,
) -> Result<Response, ApiError> {
    let entry = super::entry_at(&state, seq).await?;
    let seq = entry.seq;
    let checkpoint = state.log.latest_checkpoint().await?;
    let checkpoint = if checkpoint.size < seq {
        let size = state.log.ensure_checkpoint(seq).await?;
        let latest = state.log.latest_checkpoint().await?;
        debug_assert!(latest.size >= size);
        latest
    } else {
        checkpoint
    };
    let proof = state.log.inclusion_proof(seq - 1, checkpoint.size).await?;
    let bundle = ProofBundle {
        extra: Some(entry.body),
        index: seq - 1,
        proof,
        checkpoint: crate::witness::cosigned_note(state.store().as_ref(), &checkpoint).await?,
    };
    Ok(text(bundle.to_text(), "public, max-age=60"))
}
