//! HTTP routes, one module per surface.

pub mod api;
pub mod csaf;
pub mod drafts;
pub mod meta;
pub mod page;
pub mod restconf;
pub mod tlog;
pub mod witness;

/// The entry named by a `{seq}` path segment: 400 naming `/seq` when the segment is not a
/// number, 404 when no such entry exists.
pub(crate) async fn entry_at(
    state: &crate::AppState,
    seq: Result<axum::extract::Path<u64>, axum::extract::rejection::PathRejection>,
) -> Result<fixlog_store::StoredEntry, crate::ApiError> {
    let axum::extract::Path(seq) = seq.map_err(|rejection| crate::ApiError::Malformed {
        detail: rejection.body_text(),
        field: Some("/seq".into()),
    })?;
    state
        .store()
        .entry(seq)
        .await?
        .ok_or_else(|| crate::ApiError::NotFound {
            detail: format!("no entry {seq}"),
            field: None,
        })
}
