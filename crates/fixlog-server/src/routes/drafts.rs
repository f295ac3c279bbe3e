//! Advisory drafts: the non-public side of the publisher.
//!
//! Drafts live in their own store tables; no public route, feed or tile reads them. Editors
//! (infosec) create and change drafts, importers save tracker drafts in one transaction,
//! approvers (product management) publish a draft through [`write::publish_advisory`] — the
//! only way into the log — and the draft records the entry's sequence number. Every change
//! and approval is audited with the token id and time. These routes are authenticated and not
//! part of the public OpenAPI document (README documents them).
//!
//! ```text
//! POST /api/v1/drafts                 editor    {"advisory":{…AdvisoryRequest…},"source":"jira:PLCSEC-42"}
//! PUT  /api/v1/drafts/{id}            editor    same body; a published draft reopens
//! GET  /api/v1/drafts[?cve=]          editor, approver
//! GET  /api/v1/drafts/{id}            editor, approver
//! POST /api/v1/drafts/{id}/approve    approver  → the advisory entry is appended
//! POST /api/v1/imports                editor    {"source":…,"high_water":…,"drafts":[…],"dry_run":false}
//! GET  /api/v1/imports?source=        editor, approver → {"source":…,"high_water":…}
//! ```

use std::collections::BTreeMap;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fixlog_api::drafts::{
    ApproveResponse, DraftList, DraftRequest, DraftView, FieldChange, ImportChange, ImportRequest,
    ImportResponse, SyncState,
};
use fixlog_api::{AdvisoryRequest, PublishResponse};
use fixlog_model::{AdvisoryId, CveId};
use fixlog_store::{AuditEvent, DraftBatch, DraftRecord, EntryQuery, Store};
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::AppState;
use crate::auth::{ApproverRole, Authorized, DraftReaderRole, EditorRole};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::read::entry_doc;
use crate::write;

/// The draft routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/drafts", get(list_drafts).post(create_draft))
        .route("/api/v1/drafts/{id}", get(get_draft).put(update_draft))
        .route("/api/v1/drafts/{id}/approve", post(approve_draft))
        .route("/api/v1/imports", get(get_sync_state).post(import_drafts))
}

fn rfc3339(time: OffsetDateTime) -> String {
    time.format(&Rfc3339).expect("times format")
}

fn view(record: &DraftRecord) -> Result<DraftView, ApiError> {
    let advisory = serde_json::from_str(&record.body).map_err(|error| ApiError::Internal {
        cause: format!("draft {} body does not parse: {error}", record.id),
    })?;
    Ok(DraftView {
        id: record.id.clone(),
        state: record.state.clone(),
        advisory,
        cves: record.cves.clone(),
        source: record.source.clone(),
        published_seq: record.published_seq,
        created: rfc3339(record.created),
        created_by: record.created_by.clone(),
        updated: rfc3339(record.updated),
        updated_by: record.updated_by.clone(),
    })
}

/// Checks the id and CVE ids of a draft body; returns the CVE ids in canonical form.
fn checked_cves(advisory: &AdvisoryRequest) -> Result<Vec<String>, ApiError> {
    advisory
        .id
        .parse::<AdvisoryId>()
        .map_err(|error| ApiError::invalid("/advisory/id", error))?;
    if advisory.cves.is_empty() {
        return Err(ApiError::invalid(
            "/advisory/cves",
            "at least one CVE is required",
        ));
    }
    let mut cves = Vec::new();
    for (i, cve) in advisory.cves.iter().enumerate() {
        let parsed = cve
            .id
            .parse::<CveId>()
            .map_err(|error| ApiError::invalid(format!("/advisory/cves/{i}/id"), error))?;
        cves.push(parsed.to_string());
    }
    cves.sort();
    cves.dedup();
    Ok(cves)
}

fn body_text(advisory: &AdvisoryRequest) -> String {
    serde_json::to_string(advisory).expect("requests serialize")
}

fn audit(actor: &str, action: &str, record: &DraftRecord, now: OffsetDateTime) -> AuditEvent {
    AuditEvent {
        at: now,
        actor: actor.to_owned(),
        action: action.to_owned(),
        detail: format!(
            "id={} cves={} source={}{}",
            record.id,
            record.cves.join(","),
            record.source.as_deref().unwrap_or("-"),
            record
                .published_seq
                .filter(|_| action == "draft.approved")
                .map(|seq| format!(" seq={seq}"))
                .unwrap_or_default()
        ),
    }
}

/// Differences between two JSON documents as JSON pointers.
pub fn json_diff(before: Option<&Value>, after: Option<&Value>, pointer: &str) -> Vec<FieldChange> {
    match (before, after) {
        (Some(Value::Object(old)), Some(Value::Object(new))) => {
            let keys: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
            keys.into_iter()
                .flat_map(|key| {
                    let escaped = key.replace('~', "~0").replace('/', "~1");
                    json_diff(old.get(key), new.get(key), &format!("{pointer}/{escaped}"))
                })
                .collect()
        }
        (Some(Value::Array(old)), Some(Value::Array(new))) if old.len() == new.len() => old
            .iter()
            .zip(new)
            .enumerate()
            .flat_map(|(i, (a, b))| json_diff(Some(a), Some(b), &format!("{pointer}/{i}")))
            .collect(),
        (old, new) if old == new => vec![],
        (old, new) => vec![FieldChange {
            field: if pointer.is_empty() {
                "/".to_owned()
            } else {
                pointer.to_owned()
            },
            before: old.cloned(),
            after: new.cloned(),
        }],
    }
}

/// Create a draft (editor). 409 when the id is taken.
async fn create_draft(
    State(state): State<AppState>,
    Authorized { caller, .. }: Authorized<EditorRole>,
    ApiJson(body): ApiJson<DraftRequest>,
) -> Result<Response, ApiError> {
    let cves = checked_cves(&body.advisory)?;
    let store = state.store();
    if store.draft(&body.advisory.id).await?.is_some() {
        return Err(ApiError::Conflict {
            detail: format!(
                "draft {} exists; change it with PUT /api/v1/drafts/{}",
                body.advisory.id, body.advisory.id
            ),
            field: Some("/advisory/id".to_owned()),
        });
    }
    let now = OffsetDateTime::now_utc();
    let record = DraftRecord {
        id: body.advisory.id.clone(),
        state: "draft".to_owned(),
        body: body_text(&body.advisory),
        cves,
        source: body.source.clone(),
        published_seq: None,
        created: now,
        created_by: caller.token_id.clone(),
        updated: now,
        updated_by: caller.token_id.clone(),
    };
    store
        .save_drafts(&DraftBatch {
            audit: vec![audit(&caller.token_id, "draft.created", &record, now)],
            drafts: vec![record.clone()],
            sync_mark: None,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view(&record)?)).into_response())
}

/// Change a draft (editor). A published draft reopens: approving it again publishes a new
/// revision of the advisory.
async fn update_draft(
    State(state): State<AppState>,
    Authorized { caller, .. }: Authorized<EditorRole>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DraftRequest>,
) -> Result<Json<DraftView>, ApiError> {
    if body.advisory.id != id {
        return Err(ApiError::invalid(
            "/advisory/id",
            format!("must equal the draft id {id} of the URL"),
        ));
    }
    let cves = checked_cves(&body.advisory)?;
    let store = state.store();
    let Some(mut record) = store.draft(&id).await? else {
        return Err(ApiError::NotFound {
            detail: format!("no draft {id}"),
            field: None,
        });
    };
    let now = OffsetDateTime::now_utc();
    record.state = "draft".to_owned();
    record.body = body_text(&body.advisory);
    record.cves = cves;
    if body.source.is_some() {
        record.source = body.source.clone();
    }
    record.updated = now;
    record.updated_by = caller.token_id.clone();
    store
        .save_drafts(&DraftBatch {
            audit: vec![audit(&caller.token_id, "draft.updated", &record, now)],
            drafts: vec![record.clone()],
            sync_mark: None,
        })
        .await?;
    Ok(Json(view(&record)?))
}

/// `?cve=` filter of the draft list.
#[derive(Debug, Deserialize)]
struct DraftFilter {
    cve: Option<String>,
}

/// List drafts (editor, approver).
async fn list_drafts(
    State(state): State<AppState>,
    _caller: Authorized<DraftReaderRole>,
    Query(filter): Query<DraftFilter>,
) -> Result<Json<DraftList>, ApiError> {
    let records = state.store().drafts(filter.cve.as_deref()).await?;
    Ok(Json(DraftList {
        drafts: records.iter().map(view).collect::<Result<_, _>>()?,
    }))
}

/// One draft (editor, approver).
async fn get_draft(
    State(state): State<AppState>,
    _caller: Authorized<DraftReaderRole>,
    Path(id): Path<String>,
) -> Result<Json<DraftView>, ApiError> {
    match state.store().draft(&id).await? {
        Some(record) => Ok(Json(view(&record)?)),
        None => Err(ApiError::NotFound {
            detail: format!("no draft {id}"),
            field: None,
        }),
    }
}

/// Approve a draft (approver): publish it through the log, then mark it published with the
/// entry's sequence number. A draft that fails validation stays a draft (422).
async fn approve_draft(
    State(state): State<AppState>,
    Authorized { caller, .. }: Authorized<ApproverRole>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let store = state.store();
    let Some(mut record) = store.draft(&id).await? else {
        return Err(ApiError::NotFound {
            detail: format!("no draft {id}"),
            field: None,
        });
    };
    if record.state == "published" {
        return Err(ApiError::Conflict {
            detail: format!(
                "draft {id} is already published as entry {}",
                record.published_seq.unwrap_or_default()
            ),
            field: None,
        });
    }
    let advisory: AdvisoryRequest =
        serde_json::from_str(&record.body).map_err(|error| ApiError::Internal {
            cause: format!("draft {id} body does not parse: {error}"),
        })?;
    let now = OffsetDateTime::now_utc();
    let acknowledged = write::publish_advisory(&state.log, &advisory, now).await?;
    if acknowledged.created {
        state
            .metrics
            .appended
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    let entry = entry_doc(&acknowledged.entry)?;
    record.state = "published".to_owned();
    record.published_seq = Some(entry.seq);
    record.updated = now;
    record.updated_by = caller.token_id.clone();
    store
        .save_drafts(&DraftBatch {
            audit: vec![audit(&caller.token_id, "draft.approved", &record, now)],
            drafts: vec![record.clone()],
            sync_mark: None,
        })
        .await?;
    let publish = PublishResponse {
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
    let status = if acknowledged.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(ApproveResponse {
            draft: view(&record)?,
            publish,
        }),
    )
        .into_response())
}

/// The advisory id of a published advisory naming `cve`, if any.
async fn published_advisory_for(store: &dyn Store, cve: &str) -> Result<Option<String>, ApiError> {
    let entries = store
        .entries(&EntryQuery {
            after: 0,
            limit: 1000,
            product: None,
            cve: Some(cve.to_owned()),
            kind: Some("advisory".to_owned()),
        })
        .await?;
    match entries.first() {
        Some(entry) => Ok(entry_doc(entry)?.advisory.map(|advisory| advisory.id)),
        None => Ok(None),
    }
}

/// Save a tracker's drafts (editor): all of them with the new high-water mark in one
/// transaction, or nothing. A draft whose CVE matches an existing draft updates that draft; one
/// whose CVE matches a published advisory becomes a draft of that advisory's next revision.
async fn import_drafts(
    State(state): State<AppState>,
    Authorized { caller, .. }: Authorized<EditorRole>,
    ApiJson(body): ApiJson<ImportRequest>,
) -> Result<Json<ImportResponse>, ApiError> {
    let store = state.store();
    let now = OffsetDateTime::now_utc();
    let mut planned: BTreeMap<String, DraftRecord> = BTreeMap::new();
    let mut changes = Vec::new();
    let mut audit_events = Vec::new();
    for (i, draft) in body.drafts.iter().enumerate() {
        let cves = checked_cves(&draft.advisory).map_err(|error| match error {
            ApiError::Invalid(mut field) => {
                field.field = format!("/drafts/{i}{}", field.field);
                ApiError::Invalid(field)
            }
            other => other,
        })?;
        // Which existing draft does this one continue? Matched by CVE, in this batch first.
        let mut matched: std::collections::BTreeSet<String> = planned
            .values()
            .filter(|record| record.cves.iter().any(|cve| cves.contains(cve)))
            .map(|record| record.id.clone())
            .collect();
        for cve in &cves {
            for record in store.drafts(Some(cve)).await? {
                matched.insert(record.id);
            }
        }
        if matched.len() > 1 {
            return Err(ApiError::Conflict {
                detail: format!(
                    "draft {} shares CVE ids with several drafts ({}); merge them first",
                    draft.advisory.id,
                    matched.into_iter().collect::<Vec<_>>().join(", ")
                ),
                field: Some(format!("/drafts/{i}/advisory/cves")),
            });
        }
        let mut target = matched.into_iter().next();
        if target.is_none() {
            for cve in &cves {
                if let Some(id) = published_advisory_for(store.as_ref(), cve).await? {
                    target = Some(id);
                    break;
                }
            }
        }
        let id = target.unwrap_or_else(|| draft.advisory.id.clone());
        let mut advisory = draft.advisory.clone();
        advisory.id = id.clone();
        let existing = match planned.get(&id) {
            Some(record) => Some(record.clone()),
            None => store.draft(&id).await?,
        };
        let new_body = serde_json::to_value(&advisory).expect("requests serialize");
        let old_body = existing
            .as_ref()
            .map(|record| serde_json::from_str::<Value>(&record.body))
            .transpose()
            .map_err(|error| ApiError::Internal {
                cause: format!("draft {id} body does not parse: {error}"),
            })?;
        let field_changes = json_diff(old_body.as_ref(), Some(&new_body), "");
        let action = match &existing {
            None => "create",
            Some(_) if field_changes.is_empty() => "unchanged",
            Some(_) => "update",
        };
        changes.push(ImportChange {
            id: id.clone(),
            action: action.to_owned(),
            source: draft.source.clone(),
            cves: cves.clone(),
            changes: if action == "create" {
                json_diff(
                    Some(&Value::Object(Default::default())),
                    Some(&new_body),
                    "",
                )
            } else {
                field_changes
            },
        });
        if action == "unchanged" {
            continue;
        }
        let record = DraftRecord {
            id: id.clone(),
            state: "draft".to_owned(),
            body: body_text(&advisory),
            cves,
            source: draft.source.clone(),
            published_seq: existing.as_ref().and_then(|record| record.published_seq),
            created: existing.as_ref().map_or(now, |record| record.created),
            created_by: existing.as_ref().map_or_else(
                || caller.token_id.clone(),
                |record| record.created_by.clone(),
            ),
            updated: now,
            updated_by: caller.token_id.clone(),
        };
        let action_name = if existing.is_some() {
            "draft.updated"
        } else {
            "draft.created"
        };
        audit_events.push(audit(&caller.token_id, action_name, &record, now));
        planned.insert(id, record);
    }
    if !body.dry_run {
        audit_events.push(AuditEvent {
            at: now,
            actor: caller.token_id.clone(),
            action: "drafts.imported".to_owned(),
            detail: format!(
                "source={} drafts={} high_water={}",
                body.source,
                body.drafts.len(),
                body.high_water.as_deref().unwrap_or("-")
            ),
        });
        store
            .save_drafts(&DraftBatch {
                drafts: planned.into_values().collect(),
                audit: audit_events,
                sync_mark: body
                    .high_water
                    .clone()
                    .map(|mark| (body.source.clone(), mark)),
            })
            .await?;
    }
    let high_water = if body.dry_run {
        store.sync_mark(&body.source).await?
    } else {
        body.high_water
            .clone()
            .or(store.sync_mark(&body.source).await?)
    };
    Ok(Json(ImportResponse {
        dry_run: body.dry_run,
        changes,
        high_water,
    }))
}

/// `?source=` of the sync state.
#[derive(Debug, Deserialize)]
struct SourceQuery {
    source: String,
}

/// Where the next incremental import of a source starts (editor, approver).
async fn get_sync_state(
    State(state): State<AppState>,
    _caller: Authorized<DraftReaderRole>,
    Query(query): Query<SourceQuery>,
) -> Result<Json<SyncState>, ApiError> {
    let high_water = state.store().sync_mark(&query.source).await?;
    Ok(Json(SyncState {
        source: query.source,
        high_water,
    }))
}
