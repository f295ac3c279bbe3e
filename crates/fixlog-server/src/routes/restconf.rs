//! RESTCONF (RFC 8040) with RFC 8639 dynamic subscriptions over RFC 8650: discovery, the
//! YANG library and modules, the log as operational data, the subscription RPCs and the SSE
//! stream of a subscription. Errors are `ietf-restconf:errors` bodies
//! (`application/yang-data+json`), not problem+json.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fixlog_restconf::discovery::{self, StreamInfo};
use fixlog_restconf::errors::{RestconfError, SubscriptionError};
use fixlog_restconf::filter::Filter;
use fixlog_restconf::rpc::{
    self, EstablishInput, ModifyInput, format_time, parse_id_input, replay_completed,
    subscription_modified, subscription_terminated,
};
use fixlog_restconf::{MODULE, SN, STREAM};
use fixlog_store::StoreError;
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::sync::{broadcast, watch};

use crate::AppState;
use crate::auth::{Role, authorize};
use crate::error::ApiError;
use crate::restconf::{
    Control, Cursor, Event, Hub, MODULES, Restconf, Subscription, Terms, bytes_str,
};

/// RESTCONF media type (RFC 8040 §11.3.2).
pub const YANG_JSON: &str = "application/yang-data+json";
/// The default event stream, live only (RFC 8040 §6.3.1).
pub const NETCONF_STREAM: &str = "NETCONF";
/// Path of a subscription's URI below the public URL.
pub const SUBSCRIPTIONS_PATH: &str = "/restconf/subscriptions";

/// The RESTCONF routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/host-meta", get(host_meta))
        .route("/restconf", get(root))
        .route("/restconf/yang-library-version", get(yang_library_version))
        .route("/restconf/operations", get(operations))
        .route("/restconf/data/{resource}", get(data))
        .route("/restconf/data/{resource}/{entry}", get(data_entry))
        .route("/restconf/operations/{operation}", post(operation))
        .route("/restconf/subscriptions/{token}", get(receive))
        .route("/yang/{file}", get(yang_module))
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let error = self.0;
        let status =
            StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            [(header::CONTENT_TYPE, YANG_JSON)],
            error.to_json().to_string(),
        )
            .into_response()
    }
}

/// A RESTCONF error response.
#[derive(Debug)]
pub struct Failure(pub RestconfError);

impl From<RestconfError> for Failure {
    fn from(error: RestconfError) -> Self {
        Self(error)
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        tracing::error!(%error, "RESTCONF request failed");
        Self(RestconfError::plain(
            500,
            "application",
            "operation-failed",
            "internal error",
        ))
    }
}

fn yang_json(value: &Value) -> Response {
    ([(header::CONTENT_TYPE, YANG_JSON)], value.to_string()).into_response()
}

fn not_found(what: &str) -> Failure {
    Failure(RestconfError::plain(
        404,
        "protocol",
        "invalid-value",
        format!("{what} does not exist"),
    ))
}

/// The client address, when the server runs with connection info.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip()),
        ))
    }
}

/// `GET /.well-known/host-meta` (RFC 8040 §3.1).
pub async fn host_meta() -> Response {
    (
        [(header::CONTENT_TYPE, "application/xrd+xml")],
        discovery::HOST_META,
    )
        .into_response()
}

/// `GET /restconf` (RFC 8040 §3.3).
pub async fn root() -> Response {
    yang_json(&json!({"ietf-restconf:restconf": {
        "data": {}, "operations": {}, "yang-library-version": "2019-01-04"}}))
}

/// `GET /restconf/yang-library-version` (RFC 8040 §3.3.3).
pub async fn yang_library_version() -> Response {
    yang_json(&json!({"ietf-restconf:yang-library-version": "2019-01-04"}))
}

/// `GET /restconf/operations` (RFC 8040 §3.3.2).
pub async fn operations() -> Response {
    let mut list = serde_json::Map::new();
    for rpc in [
        "establish-subscription",
        "modify-subscription",
        "delete-subscription",
        "kill-subscription",
    ] {
        list.insert(format!("{SN}:{rpc}"), json!([null]));
    }
    yang_json(&json!({"ietf-restconf:operations": Value::Object(list)}))
}

/// `GET /yang/{name}@{revision}.yang`: a module the server implements or imports.
pub async fn yang_module(Path(file): Path<String>) -> Result<Response, Failure> {
    let module = MODULES
        .iter()
        .find(|module| module.file_name() == file)
        .ok_or_else(|| not_found(&format!("module file {file:?}")))?;
    Ok(([(header::CONTENT_TYPE, "application/yang")], module.text).into_response())
}

/// The streams this server offers.
async fn stream_list(state: &AppState) -> Result<Vec<StreamInfo>, Failure> {
    Ok(vec![
        StreamInfo {
            name: NETCONF_STREAM,
            description: "Default stream: every notification of this server, live only (replay is on fwsec-log).",
            replay_log_creation_time: None,
        },
        StreamInfo {
            name: STREAM,
            description: "The firmware security update log: one fwsec-log:firmware-security-update per entry, in sequence order, replayable from the first entry.",
            replay_log_creation_time: Some(replay_log_creation_time(state).await?),
        },
    ])
}

/// The `published` time of entry 1, or the process start when the log is empty.
async fn replay_log_creation_time(state: &AppState) -> Result<String, Failure> {
    Ok(match state.store().entry(1).await? {
        Some(entry) => format_time(entry.published),
        None => format_time(state.restconf.started),
    })
}

fn content_id() -> String {
    format!(
        "fixlog-{}-{}",
        env!("CARGO_PKG_VERSION"),
        fixlog_restconf::REVISION
    )
}

/// `GET /restconf/data/{resource}`: streams, YANG library, the log.
pub async fn data(
    State(state): State<AppState>,
    Path(resource): Path<String>,
) -> Result<Response, Failure> {
    match resource.as_str() {
        "ietf-subscribed-notifications:streams" => {
            Ok(yang_json(&discovery::streams(&stream_list(&state).await?)))
        }
        "ietf-yang-library:yang-library" => Ok(yang_json(&discovery::yang_library(
            MODULES,
            &state.public_url,
            &content_id(),
        ))),
        "ietf-yang-library:modules-state" => Ok(yang_json(&discovery::modules_state(
            MODULES,
            &state.public_url,
            &content_id(),
        ))),
        "fwsec-log:log" => log_data(&state, None).await,
        other => Err(not_found(&format!("data resource {other:?}"))),
    }
}

/// `GET /restconf/data/fwsec-log:log/entry={seq}`: one entry.
pub async fn data_entry(
    State(state): State<AppState>,
    Path((resource, entry)): Path<(String, String)>,
) -> Result<Response, Failure> {
    let seq = entry
        .strip_prefix("entry=")
        .and_then(|seq| seq.parse::<u64>().ok())
        .filter(|_| resource == "fwsec-log:log")
        .ok_or_else(|| not_found(&format!("data resource {resource}/{entry}")))?;
    log_data(&state, Some(seq)).await
}

/// The log as `fwsec-log:log` operational data: every entry rendered exactly as its
/// notification content.
async fn log_data(state: &AppState, only: Option<u64>) -> Result<Response, Failure> {
    let hub = state.restconf.hub(&state.log).await?;
    let size = state.store().size().await?;
    let (mut next, until) = match only {
        Some(seq) if seq >= 1 && seq <= size => (seq, seq),
        Some(seq) => return Err(not_found(&format!("entry {seq}"))),
        None => (1, size),
    };
    let mut entries = Vec::new();
    while next <= until {
        let page = hub.read(next, until).await?;
        let Some(last) = page.last() else { break };
        next = last.seq + 1;
        entries.extend(page.iter().map(|event| event.body.clone()));
    }
    let body = match only {
        Some(_) => json!({ format!("{MODULE}:entry"): entries }),
        None => json!({ format!("{MODULE}:log"): { "entry": entries } }),
    };
    Ok(yang_json(&body))
}

/// `POST /restconf/operations/{module}:{rpc}`.
pub async fn operation(
    State(state): State<AppState>,
    Path(operation): Path<String>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let rpc = operation
        .strip_prefix(&format!("{SN}:"))
        .ok_or_else(|| not_found(&format!("operation {operation:?}")))?
        .to_owned();
    if !matches!(
        rpc.as_str(),
        "establish-subscription"
            | "modify-subscription"
            | "delete-subscription"
            | "kill-subscription"
    ) {
        return Err(not_found(&format!("operation {operation:?}")));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or_default().trim();
    if media != YANG_JSON && media != "application/json" {
        return Err(Failure(RestconfError::plain(
            415,
            "protocol",
            "invalid-value",
            format!("send the input as {YANG_JSON}"),
        )));
    }
    if rpc == "kill-subscription" {
        authorize(state.store(), &headers, Role::Admin)
            .await
            .map_err(access_denied)?;
    }
    let input: Value = serde_json::from_slice(&body)
        .map_err(|error| RestconfError::malformed(format!("the body is not JSON: {error}")))?;
    match rpc.as_str() {
        "establish-subscription" => establish(&state, client, &input).await,
        "modify-subscription" => modify(&state, client, &input),
        "delete-subscription" => {
            let id = parse_id_input(&rpc, &input)?;
            owned(&state.restconf, id, client, &rpc)?;
            state.restconf.remove(id, Control::Deleted);
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        _ => {
            let id = parse_id_input(&rpc, &input)?;
            state
                .restconf
                .remove(id, Control::Terminated("no-such-subscription".into()))
                .ok_or_else(|| no_such_subscription(&rpc, id))?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
    }
}

fn access_denied(error: ApiError) -> Failure {
    let status = match error {
        ApiError::Unauthorized { .. } => 401,
        ApiError::Forbidden { .. } => 403,
        other => {
            return Failure(RestconfError::plain(
                500,
                "application",
                "operation-failed",
                {
                    tracing::error!(?other, "authorizing kill-subscription");
                    "internal error"
                },
            ));
        }
    };
    Failure(RestconfError {
        error_path: Some(format!("/{SN}:kill-subscription")),
        ..RestconfError::plain(
            status,
            "protocol",
            "access-denied",
            "kill-subscription needs an admin bearer token",
        )
    })
}

fn no_such_subscription(rpc: &str, id: u32) -> Failure {
    Failure(RestconfError::subscription(
        SubscriptionError::NoSuchSubscription,
        rpc,
        format!("there is no subscription {id} of this client"),
        None,
    ))
}

/// The subscription `id` if `client` established it (RFC 8650 §3.4: only its creator may
/// modify or delete it); otherwise it does not exist for this client.
fn owned(
    restconf: &Restconf,
    id: u32,
    client: Option<IpAddr>,
    rpc: &str,
) -> Result<Arc<Subscription>, Failure> {
    restconf
        .by_id(id)
        .filter(|subscription| subscription.owner == client)
        .ok_or_else(|| no_such_subscription(rpc, id))
}

async fn establish(
    state: &AppState,
    client: Option<IpAddr>,
    input: &Value,
) -> Result<Response, Failure> {
    const RPC: &str = "establish-subscription";
    let input = EstablishInput::parse(input)?;
    let stream: &'static str = match input.stream.as_str() {
        STREAM => STREAM,
        NETCONF_STREAM => NETCONF_STREAM,
        other => {
            return Err(RestconfError::invalid_value(
                RPC,
                "stream",
                format!("there is no stream {other:?}"),
            )
            .into());
        }
    };
    let now = OffsetDateTime::now_utc();
    if let Some(start) = input.replay_start_time {
        if stream == NETCONF_STREAM {
            return Err(RestconfError::subscription(
                SubscriptionError::ReplayUnsupported,
                RPC,
                "the NETCONF stream is live only; replay the fwsec-log stream",
                None,
            )
            .into());
        }
        if start >= now {
            return Err(RestconfError::invalid_value(
                RPC,
                "replay-start-time",
                "replay-start-time must be in the past",
            )
            .into());
        }
    }
    if let Some(stop) = input.stop_time {
        let earliest = input.replay_start_time.unwrap_or(now);
        if stop <= earliest {
            return Err(RestconfError::invalid_value(
                RPC,
                "stop-time",
                "stop-time must be later than replay-start-time, or than now without replay",
            )
            .into());
        }
    }
    let hub = state.restconf.hub(&state.log).await?;
    let size = hub.store().size().await?;
    let (next_seq, replay_until, revision) = match input.replay_start_time {
        None => (size + 1, None, None),
        Some(start) => {
            let first = first_at_or_after(&hub, start, size).await?;
            let created = match hub.store().entry(1).await? {
                Some(entry) => entry.published,
                None => state.restconf.started,
            };
            let revision = (start < created).then(|| format_time(created));
            (first, Some(size), revision)
        }
    };
    let terms = Terms {
        filter: input.filter,
        filter_source: input.filter_source,
        stop_time: input.stop_time,
        generation: 0,
    };
    let cursor = Cursor {
        next_seq,
        replay_until,
        replay_completed: false,
        receiving: false,
        idle_since: std::time::Instant::now(),
    };
    let subscription = state
        .restconf
        .register(
            client,
            stream,
            input.replay_start_time.map(format_time),
            terms,
            cursor,
        )
        .ok_or_else(|| {
            RestconfError::subscription(
                SubscriptionError::InsufficientResources,
                RPC,
                format!(
                    "this client already holds {} subscriptions",
                    state.restconf.limits.max_per_client
                ),
                None,
            )
        })?;
    let uri = subscription_uri(state, &subscription.token);
    Ok(yang_json(&rpc::establish_output(
        subscription.id,
        revision.as_deref(),
        &uri,
    )))
}

fn subscription_uri(state: &AppState, token: &str) -> String {
    format!("{}{SUBSCRIPTIONS_PATH}/{token}", state.public_url)
}

/// The first sequence number whose entry was published at or after `start` (`size + 1` if
/// none): a binary search, since `published` strictly increases with `seq`.
async fn first_at_or_after(hub: &Hub, start: OffsetDateTime, size: u64) -> Result<u64, StoreError> {
    let (mut low, mut high) = (1, size + 1);
    while low < high {
        let middle = low + (high - low) / 2;
        let published = hub
            .store()
            .entry(middle)
            .await?
            .map(|entry| entry.published)
            .ok_or_else(|| StoreError::Corrupt {
                message: format!("entry {middle} of {size} is missing"),
            })?;
        if published >= start {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    Ok(low)
}

fn modify(state: &AppState, client: Option<IpAddr>, input: &Value) -> Result<Response, Failure> {
    const RPC: &str = "modify-subscription";
    let input = ModifyInput::parse(input)?;
    let subscription = owned(&state.restconf, input.id, client, RPC)?;
    if let Some(stop) = input.stop_time
        && stop <= OffsetDateTime::now_utc()
        && subscription.replay_start_time.is_none()
    {
        return Err(RestconfError::invalid_value(
            RPC,
            "stop-time",
            "stop-time must be in the future",
        )
        .into());
    }
    subscription.terms.send_modify(|terms| {
        if let Some((filter, source)) = input.filter.clone() {
            terms.filter = filter;
            terms.filter_source = Some(source);
        }
        if input.stop_time.is_some() {
            terms.stop_time = input.stop_time;
        }
        terms.generation += 1;
    });
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET <uri>` with `Accept: text/event-stream`: the subscription's notifications.
pub async fn receive(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let subscription = state.restconf.by_token(&token).ok_or_else(|| {
        Failure(RestconfError::subscription(
            SubscriptionError::NoSuchSubscription,
            "establish-subscription",
            "no subscription has this URI (it was deleted, killed, timed out or never existed)",
            None,
        ))
    })?;
    let accepts = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    if !accepts.is_empty() && !accepts.contains("text/event-stream") && !accepts.contains("*/*") {
        return Err(Failure(RestconfError::plain(
            406,
            "application",
            "invalid-value",
            "a subscription URI serves text/event-stream",
        )));
    }
    let hub = state.restconf.hub(&state.log).await?;
    let live = hub.subscribe();
    {
        let mut cursor = subscription.cursor.lock().expect("cursor lock");
        if cursor.receiving {
            return Err(Failure(RestconfError::plain(
                409,
                "application",
                "in-use",
                "there is already another GET request on this subscription",
            )));
        }
        cursor.receiving = true;
        // A reconnecting reader may name the last sequence number it processed.
        if let Some(last) = headers
            .get("last-event-id")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            && last + 1 < cursor.next_seq
        {
            cursor.next_seq = last + 1;
        }
    }
    let terms = subscription.terms.subscribe();
    let generation = terms.borrow().generation;
    let delivery = Delivery {
        restconf: Arc::clone(&state.restconf),
        uri: subscription_uri(&state, &subscription.token),
        control: subscription.control.subscribe(),
        terms,
        generation,
        subscription,
        hub,
        live,
        pending: VecDeque::new(),
        finished: false,
        live_confirmed: false,
    };
    let stream = futures_util::stream::unfold(delivery, |mut delivery| async move {
        delivery
            .next()
            .await
            .map(|bytes| (Ok::<_, std::convert::Infallible>(bytes), delivery))
    });
    let mut response = Response::new(Body::from_stream(stream));
    let response_headers = response.headers_mut();
    response_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response_headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

/// One live GET of a subscription.
struct Delivery {
    restconf: Arc<Restconf>,
    subscription: Arc<Subscription>,
    uri: String,
    hub: Arc<Hub>,
    live: broadcast::Receiver<Arc<Event>>,
    control: watch::Receiver<Control>,
    terms: watch::Receiver<Terms>,
    generation: u64,
    /// Entries read but not yet considered, in sequence order (at most a page plus one).
    pending: VecDeque<Arc<Event>>,
    finished: bool,
    /// The live broadcast has been followed without lagging at least once.
    live_confirmed: bool,
}

impl Drop for Delivery {
    fn drop(&mut self) {
        let mut cursor = self.subscription.cursor.lock().expect("cursor lock");
        cursor.receiving = false;
        cursor.idle_since = std::time::Instant::now();
    }
}

fn now_text() -> String {
    format_time(OffsetDateTime::now_utc())
}

impl Delivery {
    fn cursor(&self) -> Cursor {
        *self.subscription.cursor.lock().expect("cursor lock")
    }

    fn update(&self, change: impl FnOnce(&mut Cursor)) {
        change(&mut self.subscription.cursor.lock().expect("cursor lock"));
    }

    /// Ends the subscription from the server side.
    fn end(&mut self) {
        self.finished = true;
        self.restconf.remove(self.subscription.id, Control::Deleted);
    }

    /// The next SSE event, or `None` to close the stream.
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if self.finished {
                return None;
            }
            let control = self.control.borrow_and_update().clone();
            match control {
                Control::Active => {}
                Control::Deleted => {
                    self.finished = true;
                    return None;
                }
                Control::Terminated(reason) => {
                    self.finished = true;
                    return Some(bytes_str::data(&subscription_terminated(
                        &now_text(),
                        self.subscription.id,
                        &reason,
                    )));
                }
            }
            let terms = self.terms.borrow_and_update().clone();
            if terms.generation != self.generation {
                self.generation = terms.generation;
                return Some(bytes_str::data(&subscription_modified(
                    &now_text(),
                    self.subscription.id,
                    self.subscription.stream,
                    terms.filter_source.as_ref(),
                    self.subscription.replay_start_time.as_deref(),
                    terms.stop_time.map(format_time).as_deref(),
                    &self.uri,
                )));
            }
            if let Some(event) = self.pending.pop_front() {
                if terms.stop_time.is_some_and(|stop| event.published > stop) {
                    self.end();
                    return None;
                }
                self.update(|cursor| cursor.next_seq = event.seq + 1);
                if matches(&terms.filter, &event) {
                    return Some(event.sse.clone());
                }
                continue;
            }
            let cursor = self.cursor();
            if let Some(until) = cursor.replay_until {
                if cursor.next_seq <= until {
                    match self.hub.read(cursor.next_seq, until).await {
                        Ok(page) if !page.is_empty() => self.pending.extend(page),
                        Ok(_) => self.update(|cursor| cursor.next_seq = until + 1),
                        Err(error) => return self.fail(error),
                    }
                    continue;
                }
                if !cursor.replay_completed {
                    self.update(|cursor| cursor.replay_completed = true);
                    return Some(bytes_str::data(&replay_completed(
                        &now_text(),
                        self.subscription.id,
                    )));
                }
            }
            let now = OffsetDateTime::now_utc();
            if terms.stop_time.is_some_and(|stop| now >= stop) {
                self.end();
                return None;
            }
            let until_stop = terms
                .stop_time
                .map(|stop| std::time::Duration::try_from(stop - now).unwrap_or_default());
            tokio::select! {
                received = self.live.recv() => match received {
                    Ok(event) => {
                        self.live_confirmed = true;
                        let next = self.cursor().next_seq;
                        if event.seq < next {
                            continue;
                        }
                        if event.seq > next && let Err(error) = self.fill(next, event.seq - 1).await {
                            return self.fail(error);
                        }
                        self.pending.push_back(event);
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) if !self.live_confirmed => {
                        // Lagged while replaying: catch up from the store, then follow live.
                        self.live = self.live.resubscribe();
                        let next = self.cursor().next_seq;
                        let size = match self.hub.store().size().await {
                            Ok(size) => size,
                            Err(error) => return self.fail(error),
                        };
                        if let Err(error) = self.fill(next, size).await {
                            return self.fail(error);
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        self.finished = true;
                        self.restconf.remove(self.subscription.id, Control::Deleted);
                        return Some(bytes_str::data(&subscription_terminated(
                            &now_text(),
                            self.subscription.id,
                            "fwsec-log:receiver-too-slow",
                        )));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = self.control.changed() => {}
                _ = self.terms.changed() => {}
                _ = tokio::time::sleep(self.restconf.limits.keepalive) => {
                    self.live_confirmed = true;
                    return Some(bytes_str::keepalive());
                }
                _ = async {
                    match until_stop {
                        Some(wait) => tokio::time::sleep(wait).await,
                        None => std::future::pending().await,
                    }
                } => {}
            }
        }
    }

    /// Reads entries `from..=until` from the store into `pending`.
    async fn fill(&mut self, mut from: u64, until: u64) -> Result<(), StoreError> {
        while from <= until {
            let page = self.hub.read(from, until).await?;
            let Some(last) = page.last() else { break };
            from = last.seq + 1;
            self.pending.extend(page);
        }
        Ok(())
    }

    fn fail(&mut self, error: StoreError) -> Option<Bytes> {
        tracing::error!(%error, id = self.subscription.id, "RESTCONF delivery failed");
        self.finished = true;
        self.restconf.remove(self.subscription.id, Control::Deleted);
        Some(bytes_str::data(&subscription_terminated(
            &now_text(),
            self.subscription.id,
            "stream-unavailable",
        )))
    }
}

fn matches(filter: &Filter, event: &Event) -> bool {
    filter.matches(&event.body)
}
