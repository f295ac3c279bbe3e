//! The public log page: server-rendered HTML (maud, checked at compile time), an Atom feed and
//! two embedded assets.
//!
//! | route | shows |
//! |---|---|
//! | `GET /` | products by device class, open CVEs, latest entries, coverage, machine formats |
//! | `GET /products/{id}` | versions newest first with dates, digests and per-CVE status |
//! | `GET /advisories/{id}` | CVEs with CVSS, statements, revision history, withdrawn state |
//! | `GET /entries/{seq}` | one entry's facts, its inclusion proof and JSON |
//! | `GET /search?class=&product=&cve=&version=` | filtered results |
//! | `GET /check?product=&version=` | the status of one version (the API's `version_status_view`) |
//! | `GET /feed.atom` | one Atom entry per log entry |
//! | `GET /assets/{name}` | the stylesheet and the copy-to-clipboard script, cached for a year |
//!
//! Every page works without JavaScript and carries a strict Content-Security-Policy
//! ([`layout::CSP`]): no inline script or style, nothing from another origin, no framing.

mod data;
mod detail;
mod diff;
mod feed;
pub mod layout;
mod overview;
mod search;

use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fixlog_formats::EntryDoc;
use fixlog_store::{EntryQuery, Store};
use maud::PreEscaped;
use time::OffsetDateTime;

use crate::AppState;
use crate::error::ApiError;
use crate::read::{self, entry_doc};
use data::LogState;
use layout::{html_response, not_found_page};

/// Settings of the page.
#[derive(Debug, Clone)]
pub struct PageSettings {
    /// A supported product line without a release or advisory entry for more than this many
    /// days is shown as a coverage gap.
    pub gap_days: u32,
    /// Releases after which the overview evaluates no further product line (a few long lines
    /// cost as much as many short ones); the others are a link away.
    pub overview_releases: usize,
}

impl Default for PageSettings {
    fn default() -> Self {
        Self {
            gap_days: 180,
            overview_releases: 5_000,
        }
    }
}

/// How many of the newest entries the overview lists.
const LATEST: u64 = 12;
/// How many of the newest entries the Atom feed carries.
pub const FEED_LIMIT: u64 = 1000;

/// Most product lines the overview evaluates; a log with more shows the lines named by its
/// newest [`OVERVIEW_SCAN`] entries.
const OVERVIEW_LINES: usize = 50;
/// Newest entries scanned for the lines a large log's overview shows.
const OVERVIEW_SCAN: u64 = 500;

/// The overview as last rendered: a pure function of the entries (the log size names them, the
/// log being append-only), the day and the gap threshold (coverage gaps), so it is reused
/// until one of them changes. Each replica keeps its own; the size is read from the store on
/// every request.
#[derive(Debug, Default)]
pub struct OverviewCache(std::sync::Mutex<Option<(OverviewKey, Arc<str>)>>);

/// What the overview is a function of besides the entries up to `size`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct OverviewKey {
    size: u64,
    today: time::Date,
    gap_days: u32,
    overview_releases: usize,
}

impl OverviewCache {
    fn get(&self, key: OverviewKey) -> Option<Arc<str>> {
        let cached = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cached
            .as_ref()
            .filter(|(at, _)| *at == key)
            .map(|(_, page)| Arc::clone(page))
    }

    fn put(&self, key: OverviewKey, page: Arc<str>) {
        let mut cached = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A slower request that read an older size must not replace a newer page.
        if cached.as_ref().is_none_or(|(at, _)| at.size <= key.size) {
            *cached = Some((key, page));
        }
    }
}

/// The page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(overview_page))
        .route("/products/{id}", get(product_page))
        .route("/products/{id}/page/{page}", get(product_page_n))
        .route("/advisories/{id}", get(advisory_page))
        .route("/entries/{seq}", get(entry_page))
        .route("/search", get(search_page))
        .route("/check", get(check_page))
        .route("/feed.atom", get(atom_feed))
        .route("/assets/{name}", get(asset))
}

/// Entries `from..=to` in sequence order.
async fn entry_range(store: &dyn Store, from: u64, to: u64) -> Result<Vec<EntryDoc>, ApiError> {
    if from > to || from == 0 {
        return Ok(Vec::new());
    }
    let stored = store
        .entries(&EntryQuery {
            after: from - 1,
            limit: u32::try_from(to - from + 1).unwrap_or(u32::MAX),
            product: None,
            cve: None,
            kind: None,
        })
        .await?;
    stored.iter().map(entry_doc).collect()
}

/// `GET /`.
pub async fn overview_page(State(state): State<AppState>) -> Result<Response, ApiError> {
    let store = state.store().as_ref();
    let size = store.size().await?;
    let today = OffsetDateTime::now_utc().date();
    let key = OverviewKey {
        size,
        today,
        gap_days: state.page.gap_days,
        overview_releases: state.page.overview_releases,
    };
    if let Some(page) = state.overview.get(key) {
        return Ok(html_response(StatusCode::OK, PreEscaped(page.to_string())));
    }
    let catalog = state.log.catalog().await?;
    let lines = catalog.products().count();
    // The lines named by the newest entries first, then the others, up to OVERVIEW_LINES lines
    // and `overview_releases` evaluated releases: the page costs the same at any log size and
    // any line length (every line has its own page; the JSON API lists all of them).
    let recent = entry_range(store, size.saturating_sub(OVERVIEW_SCAN) + 1, size).await?;
    let mut ids: Vec<fixlog_model::ProductId> = Vec::new();
    let named = recent.iter().rev().flat_map(|entry| {
        entry
            .product
            .iter()
            .chain(entry.affected.iter().map(|statement| &statement.product))
            .filter_map(|id| id.parse().ok())
            .collect::<Vec<_>>()
    });
    for id in named.chain(catalog.products().map(|(_, p)| p.id.clone())) {
        if ids.len() >= OVERVIEW_LINES {
            break;
        }
        if catalog.product_entry(&id).is_some() && !ids.contains(&id) {
            ids.push(id);
        }
    }
    let mut log_state =
        LogState::load_within(store, &catalog, &ids, state.page.overview_releases).await?;
    log_state
        .products
        .sort_by(|a, b| a.product.id.cmp(&b.product.id));
    let truncated = log_state.products.len() < lines;
    let mut latest = entry_range(store, size.saturating_sub(LATEST) + 1, size).await?;
    latest.reverse();
    let markup = overview::render(&overview::Overview {
        lines,
        truncated,
        state: &log_state,
        latest: &latest,
        size,
        origin: state.log.origin(),
        today,
        gap_days: state.page.gap_days,
    });
    state.overview.put(key, Arc::from(markup.0.as_str()));
    Ok(html_response(StatusCode::OK, markup))
}

/// `GET /products/{id}`: the line's newest `detail::VERSIONS_PER_PAGE` (50) versions.
pub async fn product_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    product_page_at(&state, &id, 1).await
}

/// `GET /products/{id}/page/{n}`: the line's older versions, page `n` from 1 (a path, not a
/// query, so a static mirror serves every page as a file).
pub async fn product_page_n(
    State(state): State<AppState>,
    Path((id, page)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    match page.parse::<usize>() {
        Ok(page) if page >= 1 => product_page_at(&state, &id, page).await,
        _ => Ok(not_found_page("Pages are numbered 1, 2, 3, …")),
    }
}

async fn product_page_at(state: &AppState, id: &str, page: usize) -> Result<Response, ApiError> {
    let catalog = state.log.catalog().await?;
    let Ok(product_id) = id.parse::<fixlog_model::ProductId>() else {
        return Ok(not_found_page("No product with this id is in the log."));
    };
    let log_state = LogState::load_lines(state.store().as_ref(), &catalog, &[product_id]).await?;
    let Some(product) = log_state.product(id) else {
        return Ok(not_found_page("No product with this id is in the log."));
    };
    if page > detail::version_pages(product) {
        return Ok(not_found_page(
            "This product's versions do not fill that many pages.",
        ));
    }
    Ok(html_response(
        StatusCode::OK,
        detail::product_page(&log_state, product, page),
    ))
}

/// `GET /advisories/{id}`.
pub async fn advisory_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let store = state.store().as_ref();
    let view = match read::advisory_view(store, &id).await {
        Ok(view) => view,
        Err(ApiError::NotFound { .. }) => {
            return Ok(not_found_page("No advisory with this id is in the log."));
        }
        Err(error) => return Err(error),
    };
    let mut revisions = Vec::with_capacity(view.revisions.len());
    for revision in &view.revisions {
        if let Some(stored) = store.entry(revision.seq).await? {
            revisions.push(entry_doc(&stored)?);
        }
    }
    Ok(html_response(
        StatusCode::OK,
        detail::advisory_page(&view, &revisions),
    ))
}

/// `GET /entries/{seq}`.
pub async fn entry_page(
    State(state): State<AppState>,
    Path(seq): Path<String>,
) -> Result<Response, ApiError> {
    let store = state.store().as_ref();
    let Ok(seq) = seq.parse::<u64>() else {
        return Ok(not_found_page("Entries are numbered 1, 2, 3, …"));
    };
    let Some(stored) = store.entry(seq).await? else {
        return Ok(not_found_page("The log has no entry with this number."));
    };
    let entry = entry_doc(&stored)?;
    let size = store.size().await?;
    Ok(html_response(
        StatusCode::OK,
        detail::entry_page(&entry, size),
    ))
}

/// `GET /search`.
///
/// Evaluates only the lines the query can match, at most `SEARCH_LINES` (50) of them: a CVE query
/// the lines its current advisories name (index `entry_cves`), otherwise the lines of the
/// device class or product asked for. The page costs the same at any log size.
pub async fn search_page(
    State(state): State<AppState>,
    query: Result<Query<search::SearchQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let store = state.store().as_ref();
    let catalog = state.log.catalog().await?;
    let class =
        search::given(&query.class).and_then(|c| c.parse::<fixlog_model::DeviceClass>().ok());
    let product = search::given(&query.product);
    let mut found = search::Found::default();
    let cve = search::given(&query.cve).and_then(|text| {
        text.to_ascii_uppercase()
            .parse::<fixlog_model::CveId>()
            .ok()
    });
    let mut ids: Vec<fixlog_model::ProductId> = match &cve {
        Some(cve) => {
            found.named = advisories_naming(store, &catalog, cve.as_str()).await?;
            let mut named = std::collections::BTreeSet::new();
            for (_, advisory) in &found.named {
                named.extend(advisory.statements.iter().map(|s| s.product.clone()));
            }
            named.into_iter().collect()
        }
        None => catalog.products().map(|(_, p)| p.id.clone()).collect(),
    };
    ids.retain(|id| {
        catalog.product(id).is_some_and(|p| {
            class.is_none_or(|class| p.device_class == class)
                && product.is_none_or(|wanted| id.as_str() == wanted)
        })
    });
    found.more = ids.len().saturating_sub(SEARCH_LINES);
    ids.truncate(SEARCH_LINES);
    let log_state = LogState::load_lines(store, &catalog, &ids).await?;
    Ok(html_response(
        StatusCode::OK,
        search::search_page(&log_state, &query, &found),
    ))
}

/// Most product lines one search page evaluates.
const SEARCH_LINES: usize = 50;

/// The current revision of every advisory whose current revision names `cve`. Every such
/// advisory has an `advisory` entry naming it (a withdrawal ends a history, never starts one),
/// so the releases that fix the CVE, however many, are not read.
async fn advisories_naming(
    store: &dyn Store,
    catalog: &read::Catalog,
    cve: &str,
) -> Result<Vec<(EntryDoc, fixlog_model::Advisory)>, ApiError> {
    let naming = store
        .entries(&EntryQuery {
            after: 0,
            limit: 10_000,
            product: None,
            cve: Some(cve.to_owned()),
            kind: Some("advisory".to_owned()),
        })
        .await?;
    let ids: std::collections::BTreeSet<String> = naming
        .iter()
        .map(entry_doc)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter_map(|doc| doc.advisory.map(|a| a.id))
        .collect();
    let mut out = Vec::new();
    for id in ids {
        let Some(current) = store.advisory_entries(&id).await?.pop() else {
            continue;
        };
        let doc = entry_doc(&current)?;
        if doc.cves.iter().any(|named| named == cve) {
            let advisory = catalog.advisory(&doc)?;
            out.push((doc, advisory));
        }
    }
    Ok(out)
}

/// `GET /check`: the answer comes from [`read::version_status_view`], exactly as the JSON API.
pub async fn check_page(
    State(state): State<AppState>,
    query: Result<Query<search::CheckQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let store = state.store().as_ref();
    let product = query.product.as_deref().map(str::trim).unwrap_or("");
    // Only the line asked for is evaluated (the form lists every line from the catalog).
    let catalog = state.log.catalog().await?;
    let asked: Vec<fixlog_model::ProductId> = product.parse().into_iter().collect();
    let log_state = LogState::load_lines(store, &catalog, &asked).await?;
    let version = query.version.as_deref().map(str::trim).unwrap_or("");
    let outcome = if product.is_empty() || version.is_empty() {
        None
    } else {
        Some(
            match read::version_status_view(&state.log, product, version).await {
                Ok(view) => Ok(view),
                Err(ApiError::NotFound { detail, .. }) => Err(format!("Not found: {detail}.")),
                Err(ApiError::Invalid(field)) => Err(format!(
                    "“{version}” is not a version of {product}: {}.",
                    field.message
                )),
                Err(error) => return Err(error),
            },
        )
    };
    let status = match outcome {
        Some(Err(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    Ok(html_response(
        status,
        search::check_page(&log_state, &query, outcome),
    ))
}

/// `GET /feed.atom`.
pub async fn atom_feed(State(state): State<AppState>) -> Result<Response, ApiError> {
    let store = state.store().as_ref();
    let size = store.size().await?;
    let mut entries = entry_range(store, size.saturating_sub(FEED_LIMIT) + 1, size).await?;
    entries.reverse();
    let first = match store.entry(1).await? {
        Some(stored) => Some(entry_doc(&stored)?.published),
        None => None,
    };
    let body = feed::render(
        &state.public_url,
        state.log.origin(),
        first.as_deref(),
        &entries,
    );
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    layout::secure(headers);
    Ok(response)
}

/// `GET /assets/{name}`.
pub async fn asset(Path(name): Path<String>) -> Response {
    layout::asset_response(&name)
}
