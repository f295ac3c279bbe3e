//! Witness cosignatures, phase one: witnesses configured by key (`fixlog serve --witness VKEY`)
//! hand their C2SP `cosignature/v1` lines to the log, which verifies and keeps them and serves
//! them merged into the checkpoint.
//!
//! ```text
//! POST /tlog/cosignature                       (no token: cosignatures authenticate themselves)
//! demo.fixlog.invalid/log                         the checkpoint text exactly as the log signed it
//! 42
//! q1Z0…=
//!
//! — demo.fixlog.invalid/log Hk3x…                the log's own signature (optional; checked)
//! — witness1.example/w CEZWwQAAAABpM8NA//yn…      one or more cosignature/v1 lines
//! ```
//!
//! The direction is the reverse of C2SP tlog-witness (where the log calls each witness's
//! `add-checkpoint`): here a witness, or an operator relaying its answer, pushes the lines to
//! the log. Either way the line signs the exact checkpoint text, so the log accepts a line only
//! when (1) the text is the checkpoint the log itself signed for that size, (2) the line's key
//! is a configured witness key and (3) the signature verifies over that text. A second line of
//! the same witness for the same size is a replay and stores nothing (201 → 200).
//!
//! Specifications: [tlog-cosignature](https://c2sp.org/tlog-cosignature),
//! [signed-note](https://c2sp.org/signed-note).

use fixlog_store::{Store, StoredCheckpoint, StoredCosignature};
use fixlog_tlog::{
    Checkpoint, KeyKind, Note, NoteError, SignatureLine, Verifier, parse_note, verify_note,
};

use crate::error::ApiError;

/// Cosignature timestamps may be at most this far ahead of the log's clock.
pub const MAX_CLOCK_SKEW_SECONDS: u64 = 300;

/// The witness keys a log accepts cosignatures from.
#[derive(Clone, Debug, Default)]
pub struct Witnesses {
    keys: Vec<Verifier>,
}

/// Errors configuring witnesses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WitnessKeyError {
    /// The key is not a `vkey`.
    #[error("not a witness verifier key: {0}")]
    Parse(NoteError),
    /// The key is not of type 0x04 (`cosignature/v1`).
    #[error("{name} is not a cosignature/v1 key (type 0x04); a log key cannot be a witness")]
    NotCosignatureKey {
        /// The key name.
        name: String,
    },
    /// Two keys share a name and key id.
    #[error("witness key {name} is configured twice")]
    Duplicate {
        /// The key name.
        name: String,
    },
}

impl Witnesses {
    /// Accepts `cosignature/v1` verifier keys (`name+id+base64(0x04 ‖ key)`).
    pub fn from_vkeys<'a>(
        vkeys: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, WitnessKeyError> {
        let mut keys: Vec<Verifier> = Vec::new();
        for vkey in vkeys {
            let key = Verifier::from_vkey(vkey.trim()).map_err(WitnessKeyError::Parse)?;
            if key.kind() != KeyKind::CosignatureV1 {
                return Err(WitnessKeyError::NotCosignatureKey {
                    name: key.name().to_owned(),
                });
            }
            if keys
                .iter()
                .any(|k| k.name() == key.name() && k.key_id() == key.key_id())
            {
                return Err(WitnessKeyError::Duplicate {
                    name: key.name().to_owned(),
                });
            }
            keys.push(key);
        }
        Ok(Self { keys })
    }

    /// The configured keys, in configuration order.
    pub fn keys(&self) -> &[Verifier] {
        &self.keys
    }

    fn find(&self, line: &SignatureLine) -> Option<&Verifier> {
        self.keys
            .iter()
            .find(|key| key.name() == line.name && key.key_id() == line.key_id)
    }
}

/// What [`accept_cosignatures`] stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// Size of the cosigned checkpoint.
    pub size: u64,
    /// Cosignatures stored by this request.
    pub stored: usize,
    /// Cosignatures that were already stored (replays).
    pub replayed: usize,
}

/// Verifies the cosignature lines of `body` (a checkpoint note) and stores the new ones.
///
/// `log_key` is the log's own verifier; `now` is the log's clock in POSIX seconds.
pub async fn accept_cosignatures(
    store: &dyn Store,
    log_key: &Verifier,
    witnesses: &Witnesses,
    body: &str,
    now: u64,
) -> Result<Accepted, ApiError> {
    let note = parse_note(body).map_err(|error| ApiError::Malformed {
        detail: format!("not a signed note: {error}"),
        field: None,
    })?;
    let checkpoint = Checkpoint::parse(&note.text).map_err(|error| ApiError::Malformed {
        detail: format!("not a checkpoint: {error}"),
        field: None,
    })?;
    if checkpoint.origin != log_key.name() {
        return Err(ApiError::NotFound {
            detail: format!(
                "unknown origin {:?}: this log is {}",
                checkpoint.origin,
                log_key.name()
            ),
            field: None,
        });
    }
    let signed = store
        .checkpoint(checkpoint.size)
        .await?
        .ok_or_else(|| ApiError::NotFound {
            detail: format!(
                "the log never signed a checkpoint of size {}",
                checkpoint.size
            ),
            field: None,
        })?;
    let signed_text = parse_note(&signed.note)
        .map_err(|error| ApiError::Internal {
            cause: format!("stored checkpoint {} is not a note: {error}", signed.size),
        })?
        .text;
    if signed_text != note.text {
        return Err(ApiError::Conflict {
            detail: format!(
                "the checkpoint text differs from the one the log signed for size {}",
                checkpoint.size
            ),
            field: None,
        });
    }

    let mut cosignatures = Vec::new();
    for line in &note.signatures {
        if line.name == log_key.name() && line.key_id == log_key.key_id() {
            verify_line(&note.text, line, log_key)?;
            continue;
        }
        let Some(witness) = witnesses.find(line) else {
            return Err(ApiError::Forbidden {
                detail: format!(
                    "signature by {}+{:08x} is from no configured witness key",
                    line.name, line.key_id
                ),
            });
        };
        let timestamp =
            verify_line(&note.text, line, witness)?.ok_or_else(|| ApiError::Internal {
                cause: "a cosignature/v1 key verified without a timestamp".to_owned(),
            })?;
        if timestamp > now.saturating_add(MAX_CLOCK_SKEW_SECONDS) {
            return Err(ApiError::invalid(
                "/cosignature/timestamp",
                format!(
                    "cosignature by {} is dated {timestamp}, after the log's clock ({now})",
                    line.name
                ),
            ));
        }
        cosignatures.push(StoredCosignature {
            size: checkpoint.size,
            key_name: line.name.clone(),
            key_id: line.key_id,
            timestamp,
            line: line.to_string(),
        });
    }
    if cosignatures.is_empty() {
        return Err(ApiError::Malformed {
            detail: "the note carries no witness cosignature".to_owned(),
            field: None,
        });
    }
    let mut accepted = Accepted {
        size: checkpoint.size,
        stored: 0,
        replayed: 0,
    };
    for cosignature in &cosignatures {
        if store.add_cosignature(cosignature).await? {
            accepted.stored += 1;
        } else {
            accepted.replayed += 1;
        }
    }
    Ok(accepted)
}

/// Verifies one signature line over `text`; returns the cosignature timestamp, if any.
fn verify_line(text: &str, line: &SignatureLine, key: &Verifier) -> Result<Option<u64>, ApiError> {
    let note = Note {
        text: text.to_owned(),
        signatures: vec![line.clone()],
    };
    let verified =
        verify_note(&note, std::slice::from_ref(key)).map_err(|_| ApiError::Forbidden {
            detail: format!(
                "the signature by {}+{:08x} does not verify over this checkpoint",
                line.name, line.key_id
            ),
        })?;
    Ok(verified.verified.first().and_then(|v| v.timestamp))
}

/// The checkpoint note with every stored cosignature of its size appended.
pub async fn cosigned_note(
    store: &dyn Store,
    checkpoint: &StoredCheckpoint,
) -> Result<String, ApiError> {
    let cosignatures = store.cosignatures(checkpoint.size).await?;
    let mut note = checkpoint.note.clone();
    for cosignature in cosignatures {
        note.push_str(&cosignature.line);
        note.push('\n');
    }
    Ok(note)
}
