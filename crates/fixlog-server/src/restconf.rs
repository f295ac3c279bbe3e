//! The log as an RFC 8639 event stream: the node's event hub and the subscription registry.
//! HTTP lives in `routes::restconf`.
//!
//! **Fan-out.** One hub per process reads each new entry from the store once, renders its
//! notification once and broadcasts it (`tokio::sync::broadcast`, shared `Arc`s) to every
//! subscriber. It wakes on the local [`crate::Log::subscribe`] channel, on PostgreSQL
//! `NOTIFY fixlog_appends` when attached ([`attach_database_events`]) so entries appended by
//! other replicas reach this replica's subscribers, and every few seconds as a safety net. It
//! reads entries by sequence number, so its broadcast is gap-free and in log order whatever
//! woke it.
//!
//! **Delivery.** A subscriber replays from the store (paged, by sequence number), then follows
//! the broadcast; an event past the next expected sequence number makes it read the gap from
//! the store first, so nothing is lost or reordered. The SSE body is pulled by the HTTP
//! connection: a reader that falls more than [`Limits::broadcast_capacity`] entries behind
//! the live log is terminated with `fwsec-log:receiver-too-slow` rather than buffered.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex as StdMutex, OnceLock};
use std::time::{Duration, Instant};

use fixlog_formats::EntryDoc;
use fixlog_restconf::discovery::ModuleInfo;
use fixlog_restconf::filter::Filter;
use fixlog_restconf::notification::entry_to_yang;
use fixlog_restconf::rpc::envelope;
use fixlog_restconf::{MODULE, NOTIFICATION};
use fixlog_store::{EntryQuery, Store, StoreError, StoredEntry};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tokio::sync::{Mutex, broadcast, watch};

use crate::log::Log;

/// Limits of the RESTCONF subscription service.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Dynamic subscriptions one client address may hold.
    pub max_per_client: usize,
    /// A subscription whose URI is not being read is removed after this long.
    pub idle_timeout: Duration,
    /// Interval of SSE keep-alive comments.
    pub keepalive: Duration,
    /// Live entries a reader may fall behind before it is terminated.
    pub broadcast_capacity: usize,
}

impl Default for Limits {
    /// 32 subscriptions per address, 60 s idle timeout, 15 s keep-alive, 1024 entries; each
    /// overridable with `FIXLOG_RESTCONF_MAX_PER_CLIENT`, `FIXLOG_RESTCONF_IDLE_SECS`,
    /// `FIXLOG_RESTCONF_KEEPALIVE_SECS`, `FIXLOG_RESTCONF_BUFFER`.
    fn default() -> Self {
        let number = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|value| value.parse().ok())
                .unwrap_or(default)
        };
        Self {
            max_per_client: number("FIXLOG_RESTCONF_MAX_PER_CLIENT", 32) as usize,
            idle_timeout: Duration::from_secs(number("FIXLOG_RESTCONF_IDLE_SECS", 60)),
            keepalive: Duration::from_secs(number("FIXLOG_RESTCONF_KEEPALIVE_SECS", 15)),
            broadcast_capacity: number("FIXLOG_RESTCONF_BUFFER", 1024) as usize,
        }
    }
}

/// One rendered log entry.
#[derive(Debug)]
pub struct Event {
    /// Sequence number.
    pub seq: u64,
    /// Publication time (the eventTime).
    pub published: OffsetDateTime,
    /// The notification content (for filters).
    pub body: Value,
    /// The SSE event, `data: {envelope}\n\n`.
    pub sse: bytes_str::Sse,
}

/// SSE framing helpers.
pub mod bytes_str {
    /// One SSE event: a `data:` line (or a comment) and the blank line ending it.
    pub type Sse = axum::body::Bytes;

    /// Frames a one-line JSON text as an SSE event.
    pub fn data(json: &str) -> Sse {
        Sse::from(format!("data: {json}\n\n"))
    }

    /// A keep-alive comment.
    pub fn keepalive() -> Sse {
        Sse::from_static(b": keep-alive\n\n")
    }
}

/// What ended (or changes) a subscription, sent to its live GET.
#[derive(Clone, Debug, PartialEq)]
pub enum Control {
    /// Running.
    Active,
    /// Deleted by its owner: close without another event (RFC 8639 §2.4.1).
    Deleted,
    /// Killed or terminated by the server: send `subscription-terminated` with this reason.
    Terminated(String),
}

/// The terms of a subscription (changed by `modify-subscription`).
#[derive(Clone, Debug)]
pub struct Terms {
    /// The stream filter.
    pub filter: Filter,
    /// The filter as received, echoed in `subscription-modified`.
    pub filter_source: Option<(String, Value)>,
    /// Stop time.
    pub stop_time: Option<OffsetDateTime>,
    /// Incremented by each successful modify.
    pub generation: u64,
}

/// A dynamic subscription.
#[derive(Debug)]
pub struct Subscription {
    /// The subscription id.
    pub id: u32,
    /// The secret path segment of its URI.
    pub token: String,
    /// The client address that established it.
    pub owner: Option<IpAddr>,
    /// The stream name.
    pub stream: &'static str,
    /// `replay-start-time` as requested, echoed in `subscription-modified`.
    pub replay_start_time: Option<String>,
    /// Terms; the live GET watches them.
    pub terms: watch::Sender<Terms>,
    /// Control; the live GET watches it.
    pub control: watch::Sender<Control>,
    /// Where delivery continues: next sequence number, last replayed sequence number
    /// (replay-completed is sent once past it), whether replay-completed was sent.
    pub cursor: StdMutex<Cursor>,
}

/// The delivery position of a subscription.
#[derive(Clone, Copy, Debug)]
pub struct Cursor {
    /// The next sequence number to consider.
    pub next_seq: u64,
    /// The last entry of the replay, if replay was requested.
    pub replay_until: Option<u64>,
    /// `replay-completed` was sent.
    pub replay_completed: bool,
    /// A GET is streaming it now.
    pub receiving: bool,
    /// When the last GET ended (or the subscription was created).
    pub idle_since: Instant,
}

/// The RESTCONF subscription service of one process.
pub struct Restconf {
    /// Limits.
    pub limits: Limits,
    hub: tokio::sync::OnceCell<Arc<Hub>>,
    subscriptions: StdMutex<Registry>,
    database_url: OnceLock<String>,
    /// When this process started (replay-log-creation-time of an empty log).
    pub started: OffsetDateTime,
}

#[derive(Default)]
struct Registry {
    by_id: HashMap<u32, Arc<Subscription>>,
    by_token: HashMap<String, u32>,
}

impl std::fmt::Debug for Restconf {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Restconf")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Default for Restconf {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}

/// Makes the hub of `state` also wake on PostgreSQL append notifications, so entries
/// appended by other `fixlog serve` processes on the same database reach this process's
/// subscribers. A no-op for other database URLs.
pub fn attach_database_events(state: &crate::AppState, database_url: &str) {
    if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        let _ = state.restconf.database_url.set(database_url.to_owned());
    }
}

impl Restconf {
    /// A service with these limits.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            hub: tokio::sync::OnceCell::new(),
            subscriptions: StdMutex::new(Registry::default()),
            database_url: OnceLock::new(),
            started: OffsetDateTime::now_utc(),
        }
    }

    /// The hub, started on first use.
    pub async fn hub(&self, log: &Arc<Log>) -> Result<Arc<Hub>, StoreError> {
        self.hub
            .get_or_try_init(|| {
                Hub::start(
                    Arc::clone(log),
                    self.limits.clone(),
                    self.database_url.get().cloned(),
                )
            })
            .await
            .cloned()
    }

    /// Registers a subscription unless `owner` holds too many; returns it.
    pub fn register(
        self: &Arc<Self>,
        owner: Option<IpAddr>,
        stream: &'static str,
        replay_start_time: Option<String>,
        terms: Terms,
        cursor: Cursor,
    ) -> Option<Arc<Subscription>> {
        let mut registry = self.subscriptions.lock().expect("registry lock");
        let held = registry
            .by_id
            .values()
            .filter(|subscription| subscription.owner == owner)
            .count();
        if held >= self.limits.max_per_client {
            return None;
        }
        let (id, token) = loop {
            let mut random = [0u8; 20];
            getrandom::fill(&mut random).expect("the OS random source works");
            let id = u32::from_be_bytes([random[0], random[1], random[2], random[3]]) & 0x7fff_ffff;
            if id != 0 && !registry.by_id.contains_key(&id) {
                break (id, hex::encode(&random[4..]));
            }
        };
        let subscription = Arc::new(Subscription {
            id,
            token: token.clone(),
            owner,
            stream,
            replay_start_time,
            terms: watch::channel(terms).0,
            control: watch::channel(Control::Active).0,
            cursor: StdMutex::new(cursor),
        });
        registry.by_id.insert(id, Arc::clone(&subscription));
        registry.by_token.insert(token, id);
        drop(registry);
        self.spawn_idle_reaper(Arc::downgrade(&subscription));
        Some(subscription)
    }

    /// The subscription with this id.
    pub fn by_id(&self, id: u32) -> Option<Arc<Subscription>> {
        self.subscriptions
            .lock()
            .expect("registry lock")
            .by_id
            .get(&id)
            .cloned()
    }

    /// The subscription whose URI ends with this token.
    pub fn by_token(&self, token: &str) -> Option<Arc<Subscription>> {
        let registry = self.subscriptions.lock().expect("registry lock");
        let id = registry.by_token.get(token)?;
        registry.by_id.get(id).cloned()
    }

    /// Removes a subscription and tells its live GET how it ended.
    pub fn remove(&self, id: u32, how: Control) -> Option<Arc<Subscription>> {
        let mut registry = self.subscriptions.lock().expect("registry lock");
        let subscription = registry.by_id.remove(&id)?;
        registry.by_token.remove(&subscription.token);
        drop(registry);
        subscription.control.send_replace(how);
        Some(subscription)
    }

    /// Number of subscriptions.
    pub fn count(&self) -> usize {
        self.subscriptions
            .lock()
            .expect("registry lock")
            .by_id
            .len()
    }

    /// Removes the subscription once it has been without a reader for the idle timeout.
    fn spawn_idle_reaper(self: &Arc<Self>, subscription: std::sync::Weak<Subscription>) {
        let service = Arc::downgrade(self);
        let timeout = self.limits.idle_timeout;
        tokio::spawn(async move {
            let mut wait = timeout;
            loop {
                tokio::time::sleep(wait).await;
                let (Some(service), Some(subscription)) =
                    (service.upgrade(), subscription.upgrade())
                else {
                    return;
                };
                let cursor = *subscription.cursor.lock().expect("cursor lock");
                if cursor.receiving {
                    wait = timeout;
                    continue;
                }
                let idle = cursor.idle_since.elapsed();
                if idle >= timeout {
                    tracing::info!(id = subscription.id, "removing idle RESTCONF subscription");
                    service.remove(
                        subscription.id,
                        Control::Terminated("no-such-subscription".into()),
                    );
                    return;
                }
                wait = timeout - idle;
            }
        });
    }
}

/// Device classes of products as registered by product entries, for the derived
/// `device-class` node: the class a product had at a given sequence number.
#[derive(Default)]
struct DeviceClasses {
    /// Product entries by sequence number: (product id, device class).
    products: BTreeMap<u64, (String, String)>,
    /// Every product entry up to this sequence number is in `products`.
    loaded_through: u64,
}

/// Reads, renders and broadcasts new entries for every subscriber of this process.
pub struct Hub {
    store: Arc<dyn Store>,
    sender: broadcast::Sender<Arc<Event>>,
    classes: Mutex<DeviceClasses>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Hub").finish_non_exhaustive()
    }
}

/// How often the hub re-reads the log size even when nothing woke it.
const SAFETY_POLL: Duration = Duration::from_secs(5);
/// Entries read per store query.
pub const PAGE: u32 = 256;

impl Hub {
    async fn start(
        log: Arc<Log>,
        limits: Limits,
        database_url: Option<String>,
    ) -> Result<Arc<Self>, StoreError> {
        let store = Arc::clone(log.store());
        // Listen before reading the size, so no append falls between the two.
        let mut local = log.subscribe();
        let mut remote = match database_url {
            Some(url) => Some(fixlog_store_postgres::AppendListener::connect(&url).await?),
            None => None,
        };
        let (sender, _) = broadcast::channel(limits.broadcast_capacity.max(16));
        let hub = Arc::new(Self {
            store: Arc::clone(&store),
            sender,
            classes: Mutex::new(DeviceClasses::default()),
        });
        let mut next = store.size().await? + 1;
        let weak = Arc::downgrade(&hub);
        tokio::spawn(async move {
            let mut poll = tokio::time::interval(SAFETY_POLL);
            loop {
                tokio::select! {
                    received = local.recv() => {
                        if let Err(broadcast::error::RecvError::Closed) = received {
                            return;
                        }
                    }
                    result = async {
                        match remote.as_mut() {
                            Some(listener) => listener.wait().await,
                            None => std::future::pending().await,
                        }
                    } => {
                        if let Err(error) = result {
                            tracing::warn!(%error, "append notifications interrupted");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                    _ = poll.tick() => {}
                }
                let Some(hub) = weak.upgrade() else { return };
                if let Err(error) = hub.publish_from(&mut next).await {
                    tracing::warn!(%error, "reading new entries for RESTCONF subscribers");
                }
            }
        });
        Ok(hub)
    }

    /// Broadcasts every entry from `next` up to the current size, in order.
    async fn publish_from(&self, next: &mut u64) -> Result<(), StoreError> {
        let size = self.store.size().await?;
        while *next <= size {
            let entries = self.read(*next, size).await?;
            if entries.is_empty() {
                break;
            }
            for entry in entries {
                *next = entry.seq + 1;
                // No subscriber is fine.
                let _ = self.sender.send(entry);
            }
        }
        Ok(())
    }

    /// A receiver of live events.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.sender.subscribe()
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Reads and renders entries `from..=until` (at most one page).
    pub async fn read(&self, from: u64, until: u64) -> Result<Vec<Arc<Event>>, StoreError> {
        if from > until {
            return Ok(Vec::new());
        }
        let limit = u32::try_from(until - from + 1).unwrap_or(PAGE).min(PAGE);
        let entries = self
            .store
            .entries(&EntryQuery {
                after: from - 1,
                limit,
                ..EntryQuery::default()
            })
            .await?;
        let mut events = Vec::with_capacity(entries.len());
        for entry in entries.into_iter().filter(|entry| entry.seq <= until) {
            events.push(Arc::new(self.render(&entry).await?));
        }
        Ok(events)
    }

    /// Renders one stored entry as its notification.
    pub async fn render(&self, entry: &StoredEntry) -> Result<Event, StoreError> {
        let corrupt = |message: String| StoreError::Corrupt { message };
        let document = EntryDoc::from_bytes(&entry.body)
            .map_err(|error| corrupt(format!("entry {}: {error}", entry.seq)))?;
        let mut hasher = Sha256::new();
        hasher.update([0u8]);
        hasher.update(&entry.body);
        let leaf_hash = hex::encode(hasher.finalize());
        let classes = self.device_classes(&document).await?;
        let body = entry_to_yang(&document, &leaf_hash, &classes)
            .map_err(|error| corrupt(format!("entry {}: {error}", entry.seq)))?;
        let json = envelope(
            &document.published,
            &format!("{MODULE}:{NOTIFICATION}"),
            &body,
        );
        Ok(Event {
            seq: entry.seq,
            published: entry.published,
            body,
            sse: bytes_str::data(&json),
        })
    }

    /// The device classes of the products an entry concerns, as registered before (or by)
    /// the entry.
    async fn device_classes(&self, document: &EntryDoc) -> Result<Vec<String>, StoreError> {
        let mut products: Vec<&str> = Vec::new();
        let candidates = document
            .product_record
            .iter()
            .map(|record| record.id.as_str())
            .chain(document.product.as_deref())
            .chain(
                document
                    .affected
                    .iter()
                    .map(|statement| statement.product.as_str()),
            );
        for product in candidates {
            if !products.contains(&product) {
                products.push(product);
            }
        }
        let mut classes = self.classes.lock().await;
        if classes.loaded_through + 1 < document.seq {
            let size = self.store.size().await?;
            loop {
                let page = self
                    .store
                    .entries(&EntryQuery {
                        after: classes.loaded_through,
                        limit: PAGE,
                        kind: Some("product".to_owned()),
                        ..EntryQuery::default()
                    })
                    .await?;
                let full = page.len() == PAGE as usize;
                for entry in page.iter().filter(|entry| entry.seq <= size) {
                    if let Ok(EntryDoc {
                        product_record: Some(record),
                        ..
                    }) = EntryDoc::from_bytes(&entry.body)
                    {
                        classes
                            .products
                            .insert(entry.seq, (record.id, record.device_class));
                    }
                }
                match page.last() {
                    Some(last) if full && last.seq < size => classes.loaded_through = last.seq,
                    _ => {
                        classes.loaded_through = size;
                        break;
                    }
                }
            }
        }
        let mut out = Vec::new();
        for product in products {
            let own = document
                .product_record
                .as_ref()
                .filter(|record| record.id == product)
                .map(|record| record.device_class.clone());
            let registered = own.or_else(|| {
                classes
                    .products
                    .range(..document.seq)
                    .rev()
                    .find(|(_, (id, _))| id == product)
                    .map(|(_, (_, class))| class.clone())
            });
            if let Some(class) = registered
                && !out.contains(&class)
            {
                out.push(class);
            }
        }
        Ok(out)
    }
}

/// The YANG modules the server serves at `/yang/{name}@{revision}.yang`: `fwsec-log` and
/// the import closure of the RFC 8639/8650 modules.
pub const MODULES: &[ModuleInfo] = &[
    module(
        "fwsec-log",
        "2026-11-29",
        fixlog_restconf::NAMESPACE,
        true,
        &[],
        include_str!("../yang/fwsec-log@2026-11-29.yang"),
    ),
    module(
        "ietf-subscribed-notifications",
        "2019-09-09",
        "urn:ietf:params:xml:ns:yang:ietf-subscribed-notifications",
        true,
        &["encode-json", "replay", "subtree", "xpath"],
        include_str!("../yang/ietf-subscribed-notifications@2019-09-09.yang"),
    ),
    module(
        "ietf-restconf-subscribed-notifications",
        "2019-11-17",
        "urn:ietf:params:xml:ns:yang:ietf-restconf-subscribed-notifications",
        true,
        &[],
        include_str!("../yang/ietf-restconf-subscribed-notifications@2019-11-17.yang"),
    ),
    module(
        "ietf-yang-library",
        "2019-01-04",
        "urn:ietf:params:xml:ns:yang:ietf-yang-library",
        true,
        &[],
        include_str!("../yang/ietf-yang-library@2019-01-04.yang"),
    ),
    module(
        "ietf-restconf",
        "2017-01-26",
        "urn:ietf:params:xml:ns:yang:ietf-restconf",
        true,
        &[],
        include_str!("../yang/ietf-restconf@2017-01-26.yang"),
    ),
    module(
        "ietf-datastores",
        "2018-02-14",
        "urn:ietf:params:xml:ns:yang:ietf-datastores",
        true,
        &[],
        include_str!("../yang/ietf-datastores@2018-02-14.yang"),
    ),
    module(
        "ietf-yang-types",
        "2013-07-15",
        "urn:ietf:params:xml:ns:yang:ietf-yang-types",
        false,
        &[],
        include_str!("../yang/ietf-yang-types@2013-07-15.yang"),
    ),
    module(
        "ietf-inet-types",
        "2013-07-15",
        "urn:ietf:params:xml:ns:yang:ietf-inet-types",
        false,
        &[],
        include_str!("../yang/ietf-inet-types@2013-07-15.yang"),
    ),
    module(
        "ietf-netconf-acm",
        "2018-02-14",
        "urn:ietf:params:xml:ns:yang:ietf-netconf-acm",
        false,
        &[],
        include_str!("../yang/ietf-netconf-acm@2018-02-14.yang"),
    ),
    module(
        "ietf-network-instance",
        "2019-01-21",
        "urn:ietf:params:xml:ns:yang:ietf-network-instance",
        false,
        &[],
        include_str!("../yang/ietf-network-instance@2019-01-21.yang"),
    ),
    module(
        "ietf-interfaces",
        "2018-02-20",
        "urn:ietf:params:xml:ns:yang:ietf-interfaces",
        false,
        &[],
        include_str!("../yang/ietf-interfaces@2018-02-20.yang"),
    ),
    module(
        "ietf-ip",
        "2018-02-22",
        "urn:ietf:params:xml:ns:yang:ietf-ip",
        false,
        &[],
        include_str!("../yang/ietf-ip@2018-02-22.yang"),
    ),
    module(
        "ietf-yang-schema-mount",
        "2019-01-14",
        "urn:ietf:params:xml:ns:yang:ietf-yang-schema-mount",
        false,
        &[],
        include_str!("../yang/ietf-yang-schema-mount@2019-01-14.yang"),
    ),
];

const fn module(
    name: &'static str,
    revision: &'static str,
    namespace: &'static str,
    implemented: bool,
    features: &'static [&'static str],
    text: &'static str,
) -> ModuleInfo {
    ModuleInfo {
        name,
        revision,
        namespace,
        implemented,
        features,
        text,
    }
}
