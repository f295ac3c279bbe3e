//! The log: appends entries and signs checkpoints over them.
//!
//! An append is acknowledged only after the entry and its Merkle nodes are committed and a
//! signed checkpoint covering it is stored.
//!
//! Appends go through one sequencer task per process: it takes every request waiting in its
//! queue (up to [`MAX_BATCH`]), appends them in one database transaction (one durable commit
//! for the batch), signs one checkpoint over the result and only then answers each caller.
//! Replicas on one PostgreSQL each run their own sequencer; the database's writer lock orders
//! their batches, and the store keeps the first checkpoint stored for each size.

use std::collections::HashMap;
use std::sync::Arc;

use fixlog_store::{
    AppendOutcome, AppendRequest, Store, StoreError, StoredCheckpoint, StoredEntry,
};
use fixlog_tlog::{Checkpoint, Hash, NodeId, Signer};
use tokio::sync::{Mutex, broadcast, mpsc, oneshot};

/// Most appends committed in one transaction.
pub const MAX_BATCH: usize = 512;

type Reply = oneshot::Sender<Result<(AppendOutcome, u64), ApiError>>;

use crate::error::ApiError;

/// Appends entries, signs checkpoints and announces new entries.
pub struct Log {
    inner: Arc<Inner>,
    queue: mpsc::Sender<(AppendRequest, Reply)>,
}

struct Inner {
    store: Arc<dyn Store>,
    signer: Signer,
    signing: Mutex<()>,
    events: broadcast::Sender<u64>,
    catalog: crate::read::CatalogCache,
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
    /// A log over `store` signing with `signer` (whose key name is the log origin). Starts the
    /// sequencer task, so it must be called inside a Tokio runtime.
    pub fn new(store: Arc<dyn Store>, signer: Signer) -> Self {
        let (events, _) = broadcast::channel(4096);
        let inner = Arc::new(Inner {
            store,
            signer,
            signing: Mutex::new(()),
            events,
            catalog: crate::read::CatalogCache::default(),
        });
        let (queue, requests) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(sequencer(Arc::clone(&inner), requests));
        Self { inner, queue }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The current product catalog, caught up with the store (see [`crate::read::CatalogCache`]).
    pub async fn catalog(&self) -> Result<Arc<crate::read::Catalog>, ApiError> {
        self.inner.catalog.current(self.inner.store.as_ref()).await
    }

    /// The log origin (the signing key's name).
    pub fn origin(&self) -> &str {
        self.inner.signer.name()
    }

    /// The verifier key string (`name+id+base64`).
    pub fn verifier_key(&self) -> String {
        self.inner.signer.verifier_key()
    }

    /// New entries' sequence numbers, as they are acknowledged.
    pub fn subscribe(&self) -> broadcast::Receiver<u64> {
        self.inner.events.subscribe()
    }

    /// Appends through the sequencer and returns once a signed checkpoint covers the entry.
    pub async fn append(&self, request: AppendRequest) -> Result<Acknowledged, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((request, reply))
            .await
            .map_err(|_| ApiError::Internal {
                cause: "the sequencer has stopped".to_owned(),
            })?;
        let (outcome, checkpoint_size) = answer.await.map_err(|_| ApiError::Internal {
            cause: "the sequencer dropped a request".to_owned(),
        })??;
        let (entry, created) = match outcome {
            AppendOutcome::Appended(entry) => (entry, true),
            AppendOutcome::Existing(entry) => (entry, false),
        };
        Ok(Acknowledged {
            entry,
            created,
            checkpoint_size,
        })
    }

    /// Makes sure a signed checkpoint of size at least `size` is stored; returns its size.
    pub async fn ensure_checkpoint(&self, size: u64) -> Result<u64, ApiError> {
        self.inner.ensure_checkpoint(size).await
    }

    /// The latest signed checkpoint (signing one for the current tree if none exists yet).
    pub async fn latest_checkpoint(&self) -> Result<StoredCheckpoint, ApiError> {
        self.inner.latest_checkpoint().await
    }

    /// Fetches the given Merkle nodes; every one must exist.
    pub async fn nodes(&self, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, ApiError> {
        self.inner.nodes(ids).await
    }

    /// The root hash of the tree of `size` leaves.
    pub async fn root(&self, size: u64) -> Result<Hash, ApiError> {
        self.inner.root(size).await
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

/// The sequencer: batches queued appends into one transaction and one checkpoint.
async fn sequencer(inner: Arc<Inner>, mut requests: mpsc::Receiver<(AppendRequest, Reply)>) {
    while let Some(first) = requests.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match requests.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let (appends, replies): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
        let outcomes = match inner.store.append_batch(appends).await {
            Ok(outcomes) => outcomes,
            Err(error) => {
                let cause = error.to_string();
                for reply in replies {
                    let _ = reply.send(Err(ApiError::Internal {
                        cause: cause.clone(),
                    }));
                }
                continue;
            }
        };
        let highest = outcomes
            .iter()
            .filter_map(|outcome| match outcome {
                Ok(AppendOutcome::Appended(entry) | AppendOutcome::Existing(entry)) => {
                    Some(entry.seq)
                }
                Err(_) => None,
            })
            .max();
        let checkpoint = match highest {
            Some(seq) => inner
                .ensure_checkpoint(seq)
                .await
                .map_err(|e| e.to_string()),
            None => Ok(0),
        };
        for (outcome, reply) in outcomes.into_iter().zip(replies) {
            let answer = match (&checkpoint, outcome) {
                (Err(cause), _) => Err(ApiError::Internal {
                    cause: format!("signing checkpoint: {cause}"),
                }),
                (Ok(_), Err(error)) => Err(ApiError::from(error)),
                (Ok(size), Ok(outcome)) => {
                    if let AppendOutcome::Appended(entry) = &outcome {
                        // Nobody listening is fine.
                        let _ = inner.events.send(entry.seq);
                    }
                    Ok((outcome, *size))
                }
            };
            let _ = reply.send(answer);
        }
    }
}

impl Inner {
    async fn ensure_checkpoint(&self, size: u64) -> Result<u64, ApiError> {
        if let Some(latest) = self.store.latest_checkpoint().await?
            && latest.size >= size
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

    async fn latest_checkpoint(&self) -> Result<StoredCheckpoint, ApiError> {
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

    async fn nodes(&self, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, ApiError> {
        let found: HashMap<NodeId, Hash> = self.store.nodes(ids).await?.into_iter().collect();
        if let Some(missing) = ids.iter().find(|id| !found.contains_key(id)) {
            return Err(StoreError::Corrupt {
                message: format!("merkle node {missing:?} missing"),
            }
            .into());
        }
        Ok(found)
    }

    async fn root(&self, size: u64) -> Result<Hash, ApiError> {
        let nodes = self.nodes(&fixlog_tlog::root_nodes(size)).await?;
        fixlog_tlog::root_from_nodes(size, &nodes).map_err(internal)
    }
}

fn internal(error: impl std::fmt::Display) -> ApiError {
    ApiError::Internal {
        cause: error.to_string(),
    }
}
