//! The log: appends entries and signs checkpoints over them.
//!
//! An append is acknowledged only after the entry and its Merkle nodes are committed and a
//! signed checkpoint covering it is stored. Checkpoints are signed one at a time per process
//! (concurrent appends wait for and share the next checkpoint, which batches signatures);
//! replicas on one PostgreSQL each sign the size they see, and the store keeps the first
//! checkpoint per size.

use std::collections::HashMap;
use std::sync::Arc;

use fixlog_store::{
    AppendOutcome, AppendRequest, Store, StoreError, StoredCheckpoint, StoredEntry,
};
use fixlog_tlog::{Checkpoint, Hash, NodeId, Signer};
use tokio::sync::{Mutex, broadcast};

use crate::error::ApiError;

/// Appends entries, signs checkpoints and announces new entries.
pub struct Log {
    store: Arc<dyn Store>,
    signer: Signer,
    signing: Mutex<()>,
    events: broadcast::Sender<u64>,
}

/// What an acknowledged append returns.
#[derive(Clone, Debug)]
pub struct Acknowledged {
    /// The entry (new or the existing one the precondition found).
    pub entry: StoredEntry,
    /// Whether it was created by this request.
    pub created: bool,
    /// Size of the signed checkpoint that covers it.
    pub checkpoint_size: u64,
}

impl Log {
    /// A log over `store` signing with `signer` (whose key name is the log origin).
    pub fn new(store: Arc<dyn Store>, signer: Signer) -> Self {
        let (events, _) = broadcast::channel(1024);
        Self {
            store,
            signer,
            signing: Mutex::new(()),
            events,
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The log origin (the signing key's name).
    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    /// The verifier key string (`name+id+base64`).
    pub fn verifier_key(&self) -> String {
        self.signer.verifier_key()
    }

    /// New entries' sequence numbers, as they are acknowledged.
    pub fn subscribe(&self) -> broadcast::Receiver<u64> {
        self.events.subscribe()
    }

    /// Appends and waits for a signed checkpoint covering the entry.
    pub async fn append(&self, request: AppendRequest) -> Result<Acknowledged, ApiError> {
        let (entry, created) = match self.store.append(request).await? {
            AppendOutcome::Appended(entry) => (entry, true),
            AppendOutcome::Existing(entry) => (entry, false),
        };
        let checkpoint_size = self.ensure_checkpoint(entry.seq).await?;
        if created {
            // Nobody listening is fine.
            let _ = self.events.send(entry.seq);
        }
        Ok(Acknowledged {
            entry,
            created,
            checkpoint_size,
        })
    }

    /// Makes sure a signed checkpoint of size at least `size` is stored; returns its size.
    pub async fn ensure_checkpoint(&self, size: u64) -> Result<u64, ApiError> {
        if let Some(latest) = self.store.latest_checkpoint().await?
            && latest_size(&latest) >= size
            && size > 0
        {
            return Ok(latest.size);
        }
        let _guard = self.signing.lock().await;
        if let Some(latest) = self.store.latest_checkpoint().await?
            && latest.size >= size
            && size > 0
        {
            return Ok(latest.size);
        }
        let tree_size = self.store.size().await?;
        let root = self.root(tree_size).await?;
        let checkpoint = Checkpoint {
            origin: self.signer.name().to_owned(),
            size: tree_size,
            root,
            extensions: vec![],
        };
        let note = checkpoint
            .sign(&[&self.signer])
            .map_err(|error| ApiError::Internal {
                cause: format!("signing checkpoint: {error}"),
            })?;
        self.store
            .add_checkpoint(&StoredCheckpoint {
                size: tree_size,
                note,
            })
            .await?;
        Ok(tree_size)
    }

    /// The latest signed checkpoint (signing one for the current tree if none exists yet).
    pub async fn latest_checkpoint(&self) -> Result<StoredCheckpoint, ApiError> {
        if let Some(checkpoint) = self.store.latest_checkpoint().await? {
            return Ok(checkpoint);
        }
        self.ensure_checkpoint(0).await?;
        self.store
            .latest_checkpoint()
            .await?
            .ok_or_else(|| ApiError::Internal {
                cause: "checkpoint missing after signing".to_owned(),
            })
    }

    /// Fetches the given Merkle nodes; every one must exist.
    pub async fn nodes(&self, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, ApiError> {
        let found: HashMap<NodeId, Hash> = self.store.nodes(ids).await?.into_iter().collect();
        if let Some(missing) = ids.iter().find(|id| !found.contains_key(id)) {
            return Err(StoreError::Corrupt {
                message: format!("merkle node {missing:?} missing"),
            }
            .into());
        }
        Ok(found)
    }

    /// The root hash of the tree of `size` leaves.
    pub async fn root(&self, size: u64) -> Result<Hash, ApiError> {
        let nodes = self.nodes(&fixlog_tlog::root_nodes(size)).await?;
        fixlog_tlog::root_from_nodes(size, &nodes).map_err(internal)
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves (O(log n) reads).
    pub async fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ApiError> {
        let ids = fixlog_tlog::inclusion_proof_nodes(index, size).map_err(internal)?;
        let nodes = self.nodes(&ids).await?;
        fixlog_tlog::inclusion_proof(index, size, &nodes).map_err(internal)
    }

    /// The consistency proof from `old_size` to `size`.
    pub async fn consistency_proof(&self, old_size: u64, size: u64) -> Result<Vec<Hash>, ApiError> {
        let ids = fixlog_tlog::consistency_proof_nodes(old_size, size).map_err(internal)?;
        let nodes = self.nodes(&ids).await?;
        fixlog_tlog::consistency_proof(old_size, size, &nodes).map_err(internal)
    }
}

fn latest_size(checkpoint: &StoredCheckpoint) -> u64 {
    checkpoint.size
}

fn internal(error: impl std::fmt::Display) -> ApiError {
    ApiError::Internal {
        cause: error.to_string(),
    }
}
