//! The CSAF 2.0 provider (CSAF 2.0 §7.1): `/.well-known/csaf/provider-metadata.json`, the
//! TLP:WHITE directory `white/<year>/<id>.json` with `.sha256` and `.sha512` files, `index.txt`,
//! `changes.csv`, a ROLIE feed, directory listings, and `/.well-known/security.txt`. With an
//! OpenPGP key (`AppState::openpgp`) every document also gets a detached signature `.asc`
//! (requirement 19), the public key is served at `/.well-known/csaf/openpgp/<FINGERPRINT>.asc`
//! (requirement 20) and the metadata declares `csaf_trusted_provider`.
//!
//! Every document is rendered from the log on request ([`export_documents`]) and validated
//! (strict schema + the implemented mandatory tests) before it is served; a document that fails
//! is not published at all (it is logged and left out of every listing).

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fixlog_csaf::export::{
    AdvisoryHistory, ExportContext, LoggedRevision, ProductReleases, document_bytes, document_path,
    export_advisory,
};
use fixlog_csaf::openpgp::{OpenPgpError, SigningKey};
use fixlog_csaf::provider::{self, Provider, Published};
use fixlog_csaf::validate::{Report, validate};
use fixlog_formats::convert::{image_from_doc, parse_field};
use fixlog_model::{CveId, Product, ProductId, Release, parse_date};
use fixlog_store::Store;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::AppState;
use crate::error::ApiError;
use crate::read::{Catalog, entry_doc};

/// The CSAF provider routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/.well-known/csaf/provider-metadata.json",
            get(provider_metadata),
        )
        .route("/.well-known/security.txt", get(security_txt))
        .route("/.well-known/csaf/white/", get(white_listing))
        .route("/.well-known/csaf/white/index.txt", get(index_txt))
        .route("/.well-known/csaf/white/changes.csv", get(changes_csv))
        .route(
            "/.well-known/csaf/white/csaf-feed-tlp-white.json",
            get(rolie_feed),
        )
        .route("/.well-known/csaf/white/{year}/", get(year_listing))
        .route("/.well-known/csaf/white/{year}/{file}", get(document))
        .route("/.well-known/csaf/openpgp/{file}", get(openpgp_key))
}

/// Everything the exporters read from the log.
pub struct ExportInput {
    /// Current product records.
    pub products: BTreeMap<ProductId, Product>,
    /// Live releases per product.
    pub releases: BTreeMap<ProductId, ProductReleases>,
    /// Every advisory with all its log entries.
    pub histories: Vec<AdvisoryHistory>,
}

fn corrupt(seq: u64, error: impl std::fmt::Display) -> ApiError {
    ApiError::Internal {
        cause: format!("entry {seq} holds invalid data: {error}"),
    }
}

/// Reads products, live releases and every advisory's history from the log.
pub async fn export_input(store: &dyn Store) -> Result<ExportInput, ApiError> {
    let catalog = Catalog::load(store).await?;
    let mut products = BTreeMap::new();
    let mut releases = BTreeMap::new();
    for (_, product) in catalog.products() {
        products.insert(product.id.clone(), product.clone());
        let mut live = Vec::new();
        for (version, doc) in catalog.releases(store, product).await? {
            let release_date = parse_date(doc.release_date.as_deref().unwrap_or_default())
                .map_err(|e| corrupt(doc.seq, e))?;
            let images = doc
                .images
                .iter()
                .map(image_from_doc)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| corrupt(doc.seq, e))?;
            let fixes = doc
                .cves
                .iter()
                .map(|c| parse_field::<CveId>("/cves", c))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| corrupt(doc.seq, e))?;
            live.push(Release {
                product: product.id.clone(),
                version,
                release_date,
                images,
                fixes,
            });
        }
        releases.insert(product.id.clone(), live);
    }
    let mut histories = Vec::new();
    for current in store.current_advisories(None).await? {
        let current = entry_doc(&current)?;
        let Some(id) = current.advisory.as_ref().map(|a| a.id.clone()) else {
            continue;
        };
        let mut revisions = Vec::new();
        for stored in store.advisory_entries(&id).await? {
            let doc = entry_doc(&stored)?;
            let published =
                OffsetDateTime::parse(&doc.published, &Rfc3339).map_err(|e| corrupt(doc.seq, e))?;
            revisions.push(LoggedRevision {
                seq: doc.seq,
                published,
                advisory: catalog.advisory(&doc)?,
            });
        }
        if !revisions.is_empty() {
            histories.push(AdvisoryHistory { revisions });
        }
    }
    Ok(ExportInput {
        products,
        releases,
        histories,
    })
}

/// The provider identity of this server.
pub fn provider_of(state: &AppState) -> Provider {
    Provider {
        base_url: state.public_url.clone(),
        publisher_name: publisher_name(state),
        publisher_namespace: state.public_url.clone(),
        openpgp_fingerprint: state.openpgp.as_ref().map(|key| key.fingerprint()),
    }
}

/// The detached armored signature of a document (CSAF 2.0 §7.1.19), dated its
/// `current_release_date`: deterministic, so every request and every export of the same
/// revision gives the same `.asc` and nothing is stored.
pub fn signature(key: &SigningKey, document: &CsafDocument) -> Result<String, OpenPgpError> {
    let at = OffsetDateTime::parse(&document.published.current_release_date, &Rfc3339)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    key.sign(&document.bytes, at)
}

/// `FIXLOG_CSAF_PUBLISHER`, or the log's origin.
fn publisher_name(state: &AppState) -> String {
    std::env::var("FIXLOG_CSAF_PUBLISHER")
        .ok()
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| state.log.origin().to_owned())
}

/// One rendered CSAF document.
pub struct CsafDocument {
    /// Path below `white/`, e.g. `2026/acme-sa-2026-001.json`.
    pub path: String,
    /// The document.
    pub value: Value,
    /// The published bytes.
    pub bytes: Vec<u8>,
    /// Its listing row.
    pub published: Published,
}

/// Renders every advisory as CSAF and validates it. Returns the valid documents and, for each
/// invalid one, its path and validation report (never published).
pub fn render_documents(
    input: &ExportInput,
    provider: &Provider,
) -> (Vec<CsafDocument>, Vec<(String, Report)>) {
    let vendors = BTreeMap::new();
    let context = ExportContext {
        publisher_name: provider.publisher_name.clone(),
        publisher_namespace: provider.publisher_namespace.clone(),
        base_url: provider.base_url.clone(),
        products: &input.products,
        releases: &input.releases,
        vendors: &vendors,
    };
    let mut documents = Vec::new();
    let mut rejected = Vec::new();
    for history in &input.histories {
        let value = export_advisory(&context, history);
        let path = document_path(history)
            .strip_prefix("white/")
            .expect("documents live under white/")
            .to_owned();
        let report = validate(&value);
        if !report.is_valid() {
            rejected.push((path, report));
            continue;
        }
        let tracking = &value["document"]["tracking"];
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let published = Published {
            path: path.clone(),
            tracking_id: text(&tracking["id"]),
            title: text(&value["document"]["title"]),
            initial_release_date: text(&tracking["initial_release_date"]),
            current_release_date: text(&tracking["current_release_date"]),
            summary: text(&value["document"]["title"]),
        };
        documents.push(CsafDocument {
            path,
            bytes: document_bytes(&value),
            value,
            published,
        });
    }
    (documents, rejected)
}

/// Loads and renders the valid documents, logging any that fail validation.
pub async fn export_documents(state: &AppState) -> Result<Vec<CsafDocument>, ApiError> {
    let input = export_input(state.store().as_ref()).await?;
    let (documents, rejected) = render_documents(&input, &provider_of(state));
    for (path, report) in rejected {
        tracing::error!(
            path,
            findings = ?report.findings,
            "CSAF document failed validation and is not published"
        );
    }
    Ok(documents)
}

fn with_type(body: impl IntoResponse, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn json_bytes(bytes: Vec<u8>) -> Response {
    with_type(bytes, "application/json")
}

fn now_text() -> String {
    fixlog_csaf::export::csaf_time(OffsetDateTime::now_utc())
}

fn last_updated(documents: &[CsafDocument]) -> String {
    documents
        .iter()
        .map(|d| d.published.current_release_date.clone())
        .max()
        .unwrap_or_else(now_text)
}

/// `GET /.well-known/csaf/provider-metadata.json`.
pub async fn provider_metadata(State(state): State<AppState>) -> Result<Response, ApiError> {
    let documents = export_documents(&state).await?;
    let metadata = provider::provider_metadata(&provider_of(&state), &last_updated(&documents));
    Ok(json_bytes(document_bytes(&metadata)))
}

/// `GET /.well-known/security.txt`: RFC 9116 with the `CSAF:` line first.
pub async fn security_txt(State(state): State<AppState>) -> Response {
    let expires =
        fixlog_csaf::export::csaf_time(OffsetDateTime::now_utc() + time::Duration::days(365));
    with_type(
        provider::security_txt(&provider_of(&state), &expires),
        "text/plain; charset=utf-8",
    )
}

/// `GET /.well-known/csaf/white/index.txt`.
pub async fn index_txt(State(state): State<AppState>) -> Result<Response, ApiError> {
    let documents = export_documents(&state).await?;
    let rows: Vec<Published> = documents.into_iter().map(|d| d.published).collect();
    Ok(with_type(
        provider::index_txt(&rows),
        "text/plain; charset=utf-8",
    ))
}

/// `GET /.well-known/csaf/white/changes.csv`.
pub async fn changes_csv(State(state): State<AppState>) -> Result<Response, ApiError> {
    let documents = export_documents(&state).await?;
    let rows: Vec<Published> = documents.into_iter().map(|d| d.published).collect();
    Ok(with_type(
        provider::changes_csv(&rows),
        "text/csv; charset=utf-8",
    ))
}

/// `GET /.well-known/csaf/white/csaf-feed-tlp-white.json`.
pub async fn rolie_feed(State(state): State<AppState>) -> Result<Response, ApiError> {
    let documents = export_documents(&state).await?;
    let updated = last_updated(&documents);
    let rows: Vec<Published> = documents.into_iter().map(|d| d.published).collect();
    let feed = provider::rolie_feed(&provider_of(&state), &rows, &updated);
    Ok(json_bytes(document_bytes(&feed)))
}

fn listing(title: &str, links: &[String]) -> Response {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let items: String = links
        .iter()
        .map(|l| format!("<li><a href=\"{0}\">{0}</a></li>\n", escape(l)))
        .collect();
    with_type(
        format!(
            "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{0}</title></head>\n<body><h1>{0}</h1><ul>\n{items}</ul></body></html>\n",
            escape(title)
        ),
        "text/html; charset=utf-8",
    )
}

/// `GET /.well-known/csaf/white/`: the directory listing (requirement 14).
pub async fn white_listing(State(state): State<AppState>) -> Result<Response, ApiError> {
    let documents = export_documents(&state).await?;
    let mut links: Vec<String> = documents
        .iter()
        .filter_map(|d| d.path.split_once('/').map(|(year, _)| format!("{year}/")))
        .collect();
    links.sort();
    links.dedup();
    links.extend([
        "index.txt".to_owned(),
        "changes.csv".to_owned(),
        "csaf-feed-tlp-white.json".to_owned(),
    ]);
    Ok(listing("Index of /.well-known/csaf/white/", &links))
}

/// `GET /.well-known/csaf/white/{year}/`.
pub async fn year_listing(
    State(state): State<AppState>,
    Path(year): Path<String>,
) -> Result<Response, ApiError> {
    let documents = export_documents(&state).await?;
    let mut links = Vec::new();
    for document in documents
        .iter()
        .filter(|d| d.path.starts_with(&format!("{year}/")))
    {
        let file = document.path.rsplit('/').next().unwrap_or_default();
        links.extend([
            file.to_owned(),
            format!("{file}.sha256"),
            format!("{file}.sha512"),
        ]);
        if state.openpgp.is_some() {
            links.push(format!("{file}.asc"));
        }
    }
    if links.is_empty() {
        return Err(not_found(&format!("white/{year}/")));
    }
    Ok(listing(
        &format!("Index of /.well-known/csaf/white/{year}/"),
        &links,
    ))
}

fn not_found(path: &str) -> ApiError {
    ApiError::NotFound {
        detail: format!("no CSAF document at {path}"),
        field: None,
    }
}

/// What `white/{year}/{file}` asks for.
enum Part {
    Document,
    Hash { sha512: bool },
    Signature,
}

/// `GET /.well-known/csaf/white/{year}/{file}`: the document, or its `.sha256` / `.sha512` /
/// `.asc` (the last only with an OpenPGP key).
pub async fn document(
    State(state): State<AppState>,
    Path((year, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (name, part) = if let Some(name) = file.strip_suffix(".sha256") {
        (name, Part::Hash { sha512: false })
    } else if let Some(name) = file.strip_suffix(".sha512") {
        (name, Part::Hash { sha512: true })
    } else if let Some(name) = file.strip_suffix(".asc") {
        (name, Part::Signature)
    } else {
        (file.as_str(), Part::Document)
    };
    let path = format!("{year}/{name}");
    let documents = export_documents(&state).await?;
    let Some(document) = documents.into_iter().find(|d| d.path == path) else {
        return Err(not_found(&format!("white/{year}/{file}")));
    };
    Ok(match part {
        Part::Document => json_bytes(document.bytes),
        Part::Hash { sha512 } => with_type(
            provider::hash_file(&document.bytes, name, sha512),
            "text/plain; charset=utf-8",
        ),
        Part::Signature => {
            let Some(key) = &state.openpgp else {
                return Err(not_found(&format!("white/{year}/{file}")));
            };
            let armored = signature(key, &document).map_err(|error| ApiError::Internal {
                cause: format!("signing {path}: {error}"),
            })?;
            with_type(armored, "application/pgp-signature")
        }
    })
}

/// `GET /.well-known/csaf/openpgp/{FINGERPRINT}.asc`: the public key that verifies the `.asc`
/// files (requirement 20), as `public_openpgp_keys[].url` names it.
pub async fn openpgp_key(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let Some(key) = state
        .openpgp
        .as_ref()
        .filter(|key| file == format!("{}.asc", key.fingerprint()))
    else {
        return Err(ApiError::NotFound {
            detail: format!("no OpenPGP key at openpgp/{file}"),
            field: None,
        });
    };
    let armored = key
        .public_key()
        .to_armored()
        .map_err(|error| ApiError::Internal {
            cause: format!("armoring the OpenPGP key: {error}"),
        })?;
    Ok(with_type(armored, "application/pgp-keys"))
}
