//! The storage trait of fixlog.
//!
//! The log is a sequence of immutable entries. A backend stores each entry's canonical bytes
//! with a few index keys (kind, product, advisory, version, CVEs, image digests), the Merkle
//! tree's complete-subtree hashes written in the same transaction, signed checkpoints, API
//! tokens and an audit trail. It never updates or deletes an entry: the trait has no method
//! that could. Current state (products, releases, advisories) is derived from entries by the
//! caller; the backend only answers index look-ups.
//!
//! Appends are serialized by the database (SQLite's write lock, a PostgreSQL advisory
//! transaction lock), so several server processes can share one PostgreSQL database.
//!
//! The conformance suite in the `testing` module (feature `testing`) runs against every backend.

use async_trait::async_trait;
use fixlog_tlog::{Hash, NodeId};
use time::OffsetDateTime;

#[cfg(feature = "testing")]
pub mod testing;

pub mod monitor;
#[cfg(feature = "testing")]
pub mod monitor_testing;

/// Errors a backend reports.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or a statement failed.
    #[error("database error: {message}")]
    Database {
        /// What the driver said.
        message: String,
    },
    /// Stored data violates an invariant (e.g. a Merkle node is missing).
    #[error("corrupt store: {message}")]
    Corrupt {
        /// What was found.
        message: String,
    },
    /// The entry this one claims to supersede does not exist.
    #[error("entry {seq} to supersede does not exist")]
    UnknownSupersedes {
        /// The missing sequence number.
        seq: u64,
    },
    /// The render callback failed to produce entry bytes.
    #[error("could not render entry: {message}")]
    Render {
        /// Why.
        message: String,
    },
    /// A token with this id already exists.
    #[error("token id {id} already exists")]
    DuplicateToken {
        /// The id.
        id: String,
    },
}

/// Renders an entry's canonical bytes once the store has assigned its sequence number and
/// publication time (both are part of the leaf).
pub type Render = Box<dyn FnOnce(u64, OffsetDateTime) -> Result<Vec<u8>, String> + Send>;

/// Index keys of a new entry plus the function that renders its bytes.
pub struct AppendRequest {
    /// Entry kind (`product`, `release`, `advisory`, `withdrawal`).
    pub kind: String,
    /// Product id for product and release entries.
    pub product: Option<String>,
    /// Advisory id for advisory and withdrawal entries.
    pub advisory: Option<String>,
    /// Normalized version key for release entries (equal versions have equal keys).
    pub version_key: Option<String>,
    /// The entry this one supersedes.
    pub supersedes: Option<u64>,
    /// CVE ids the entry names (indexed for search).
    pub cves: Vec<String>,
    /// Products the entry concerns (advisory statements; indexed).
    pub products: Vec<String>,
    /// Lowercase hex image digests (any algorithm; indexed for by-digest).
    pub digests: Vec<String>,
    /// A check made inside the append transaction.
    pub precondition: Precondition,
    /// The wall-clock time of the request; the stored time is at least one microsecond after
    /// the previous entry's, so publication times strictly increase.
    pub now: OffsetDateTime,
    /// Produces the canonical bytes for the assigned sequence number and time.
    pub render: Render,
}

/// A condition checked atomically with the append.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Precondition {
    /// Append unconditionally.
    None,
    /// Append only when no live (not superseded) release entry has this product and version
    /// key, other than the entry named in `supersedes`; otherwise return that entry.
    NoLiveRelease {
        /// Product id.
        product: String,
        /// Normalized version key.
        version_key: String,
    },
}

/// Result of an append.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppendOutcome {
    /// The entry was stored with its Merkle nodes.
    Appended(StoredEntry),
    /// The precondition found this existing entry; nothing was stored.
    Existing(StoredEntry),
}

/// An entry as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEntry {
    /// Sequence number (leaf index + 1).
    pub seq: u64,
    /// Entry kind.
    pub kind: String,
    /// Publication time.
    pub published: OffsetDateTime,
    /// Canonical bytes (the Merkle leaf data).
    pub body: Vec<u8>,
}

/// Filter for listing entries in sequence order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntryQuery {
    /// Only entries with `seq > after`.
    pub after: u64,
    /// At most this many.
    pub limit: u32,
    /// Only entries concerning this product.
    pub product: Option<String>,
    /// Only entries naming this CVE.
    pub cve: Option<String>,
    /// Only entries of this kind.
    pub kind: Option<String>,
}

/// A signed checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCheckpoint {
    /// Tree size it commits to.
    pub size: u64,
    /// The signed note text.
    pub note: String,
}

/// A witness cosignature (C2SP `cosignature/v1`) of a checkpoint the log signed, as verified
/// by the server before it was stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCosignature {
    /// Size of the checkpoint it cosigns.
    pub size: u64,
    /// The witness key name.
    pub key_name: String,
    /// The witness key id.
    pub key_id: u32,
    /// The cosignature timestamp (POSIX seconds).
    pub timestamp: u64,
    /// The signature line, without its newline (`— <name> <base64>`).
    pub line: String,
}

/// An API token record; the secret itself is never stored, only its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRecord {
    /// Public token id (part of the token string).
    pub id: String,
    /// Human name.
    pub name: String,
    /// Role: `publisher`, `editor` or `admin`.
    pub role: String,
    /// SHA-256 of the secret part.
    pub secret_sha256: [u8; 32],
    /// Creation time.
    pub created: OffsetDateTime,
    /// Expiry, if any.
    pub expires: Option<OffsetDateTime>,
}

/// An audit event (token creation, failed authentication, writes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    /// When.
    pub at: OffsetDateTime,
    /// Who (token id, or `-` when unknown).
    pub actor: String,
    /// What, e.g. `auth.failed`, `token.created`, `entry.appended`.
    pub action: String,
    /// Detail without secrets.
    pub detail: String,
}

/// An advisory draft: not public, never in the log, until an approver publishes it. Drafts
/// live in their own tables; no read route and no feed looks at them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftRecord {
    /// Advisory id the draft will be published as.
    pub id: String,
    /// `draft` or `published`.
    pub state: String,
    /// The `POST /api/v1/advisories` body as JSON text.
    pub body: String,
    /// CVE ids of the body (indexed: de-duplication by CVE).
    pub cves: Vec<String>,
    /// Where it came from, e.g. `jira:PLCSEC-42` (several joined by `, `); `None` when made
    /// by hand.
    pub source: Option<String>,
    /// Sequence number of the entry its last approval appended.
    pub published_seq: Option<u64>,
    /// First saved.
    pub created: OffsetDateTime,
    /// Who first saved it (token id).
    pub created_by: String,
    /// Last changed.
    pub updated: OffsetDateTime,
    /// Who last changed it (token id).
    pub updated_by: String,
}

/// Draft changes saved together, with their audit events and an optional tracker sync mark,
/// in ONE transaction: all of it is stored or nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DraftBatch {
    /// Drafts to insert or replace (by id).
    pub drafts: Vec<DraftRecord>,
    /// Audit events describing the changes.
    pub audit: Vec<AuditEvent>,
    /// New high-water mark of a tracker source: `(source, mark)`.
    pub sync_mark: Option<(String, String)>,
}

/// The storage backend.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Appends an entry and its Merkle nodes in one transaction, serialized by the database.
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, StoreError>;
    /// Appends several requests in order in ONE transaction (one durable commit: group
    /// commit). Each request gets its own outcome: a failed precondition, an unknown
    /// `supersedes` or a render error rejects only that request. A database error fails the
    /// whole batch and stores nothing.
    async fn append_batch(
        &self,
        requests: Vec<AppendRequest>,
    ) -> Result<Vec<Result<AppendOutcome, StoreError>>, StoreError>;
    /// Number of entries (= tree size).
    async fn size(&self) -> Result<u64, StoreError>;
    /// One entry by sequence number.
    async fn entry(&self, seq: u64) -> Result<Option<StoredEntry>, StoreError>;
    /// Entries in sequence order matching the query.
    async fn entries(&self, query: &EntryQuery) -> Result<Vec<StoredEntry>, StoreError>;
    /// The latest product entry of every product, in product id order.
    async fn products(&self) -> Result<Vec<StoredEntry>, StoreError>;
    /// The latest product entry of one product.
    async fn product(&self, id: &str) -> Result<Option<StoredEntry>, StoreError>;
    /// Live (not superseded) release entries of a product, in sequence order.
    async fn releases(&self, product: &str) -> Result<Vec<StoredEntry>, StoreError>;
    /// The live (not superseded) release entry of one product version (by normalized version
    /// key), if any; an index look-up, O(log n).
    async fn live_release(
        &self,
        product: &str,
        version_key: &str,
    ) -> Result<Option<StoredEntry>, StoreError>;
    /// Every entry of an advisory (its revisions and withdrawal), in sequence order.
    async fn advisory_entries(&self, id: &str) -> Result<Vec<StoredEntry>, StoreError>;
    /// The latest entry of every advisory whose revisions ever named `product`
    /// (every advisory when `product` is `None`), in advisory id order.
    async fn current_advisories(
        &self,
        product: Option<&str>,
    ) -> Result<Vec<StoredEntry>, StoreError>;
    /// Entries whose images have this digest (lowercase hex), in sequence order.
    async fn entries_by_digest(&self, digest: &str) -> Result<Vec<StoredEntry>, StoreError>;
    /// Merkle node hashes; missing nodes are left out of the answer.
    async fn nodes(&self, ids: &[NodeId]) -> Result<Vec<(NodeId, Hash)>, StoreError>;
    /// Stores a signed checkpoint (a second one for the same size is ignored).
    async fn add_checkpoint(&self, checkpoint: &StoredCheckpoint) -> Result<(), StoreError>;
    /// The checkpoint with the largest size.
    async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError>;
    /// The checkpoint of exactly this size, if the log signed one.
    async fn checkpoint(&self, size: u64) -> Result<Option<StoredCheckpoint>, StoreError>;
    /// Stores a witness cosignature; the first one per (size, key name, key id) wins. Returns
    /// whether it was new (`false`: that witness had already cosigned this size).
    async fn add_cosignature(&self, cosignature: &StoredCosignature) -> Result<bool, StoreError>;
    /// The cosignatures of the checkpoint of `size`, ordered by key name and key id.
    async fn cosignatures(&self, size: u64) -> Result<Vec<StoredCosignature>, StoreError>;
    /// Stores a token record.
    async fn create_token(&self, token: &TokenRecord) -> Result<(), StoreError>;
    /// Looks a token up by its public id.
    async fn token(&self, id: &str) -> Result<Option<TokenRecord>, StoreError>;
    /// Appends an audit event.
    async fn audit(&self, event: &AuditEvent) -> Result<(), StoreError>;
    /// Audit events, newest first.
    async fn audit_events(&self, limit: u32) -> Result<Vec<AuditEvent>, StoreError>;
    /// Saves draft changes, their audit events and a sync mark in one transaction.
    async fn save_drafts(&self, batch: &DraftBatch) -> Result<(), StoreError>;
    /// One draft by id.
    async fn draft(&self, id: &str) -> Result<Option<DraftRecord>, StoreError>;
    /// Drafts in id order; only those naming `cve` when given.
    async fn drafts(&self, cve: Option<&str>) -> Result<Vec<DraftRecord>, StoreError>;
    /// The high-water mark last saved for a tracker source.
    async fn sync_mark(&self, source: &str) -> Result<Option<String>, StoreError>;
}

/// The stored time of a new entry: `now`, or one microsecond after the previous entry's time
/// when the clock has not moved past it (publication times strictly increase).
pub fn next_published(now: OffsetDateTime, previous: Option<OffsetDateTime>) -> OffsetDateTime {
    let now = now
        .replace_nanosecond(now.nanosecond() / 1000 * 1000)
        .expect("microsecond truncation stays in range");
    match previous {
        Some(previous) if previous >= now => previous + time::Duration::microseconds(1),
        _ => now,
    }
}

/// The Merkle nodes an append writes, computed from the leaf and the left siblings the
/// database already holds: the leaf itself at level 0, then every subtree it completes.
///
/// `left_siblings` is called with the ids from [`append_reads`] and must answer each.
pub fn append_nodes(
    index: u64,
    leaf: Hash,
    left_siblings: &std::collections::HashMap<NodeId, Hash>,
) -> Result<Vec<(NodeId, Hash)>, StoreError> {
    let mut written = vec![(NodeId { level: 0, index }, leaf)];
    for (parent, left, right) in fixlog_tlog::completed_by_append(index) {
        let right_hash = written
            .iter()
            .find(|(id, _)| *id == right)
            .map(|(_, hash)| *hash)
            .ok_or_else(|| StoreError::Corrupt {
                message: format!("right child {right:?} of {parent:?} not computed"),
            })?;
        let left_hash = left_siblings
            .get(&left)
            .copied()
            .ok_or_else(|| StoreError::Corrupt {
                message: format!("merkle node {left:?} missing"),
            })?;
        written.push((parent, fixlog_tlog::node_hash(&left_hash, &right_hash)));
    }
    Ok(written)
}

/// The stored nodes an append of leaf `index` reads: the left child of every subtree the
/// leaf completes.
pub fn append_reads(index: u64) -> Vec<NodeId> {
    fixlog_tlog::completed_by_append(index)
        .into_iter()
        .map(|(_, left, _)| left)
        .collect()
}
