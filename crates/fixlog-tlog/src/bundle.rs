//! C2SP tlog-proof (`c2sp.org/tlog-proof@v1`): offline evidence that an entry is in the log,
//! and its verification under a [`Policy`].
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64 opaque data>            optional; for fixlog: the exact entry bytes
//! index <decimal>
//! <base64 proof hash>                   zero or more, leaf sibling first
//!
//! <checkpoint note, verbatim, with log signature and witness cosignatures>
//! ```
//!
//! Verification: (1) leaf hash (for fixlog `SHA-256(0x00 ‖ extra)`), (2) the checkpoint carries
//! a valid signature of a policy log whose key name is the origin, (3) the witness cosignatures
//! meet the policy quorum, (4) RFC 9162 inclusion of the leaf in the checkpoint's tree.

use std::collections::HashSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::checkpoint::{Checkpoint, CheckpointError, parse_decimal, parse_hash};
use crate::keys::Verifier;
use crate::merkle::{Hash, leaf_hash};
use crate::note::{NoteError, open_note};
use crate::policy::Policy;
use crate::proof::{MAX_PROOF_LEN, ProofError, verify_inclusion};

/// First line of a proof file.
pub const TLOG_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// Errors from parsing or verifying a proof file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// The file does not start with `c2sp.org/tlog-proof@v1`.
    #[error("missing c2sp.org/tlog-proof@v1 header")]
    MissingHeader,
    /// The `extra` line is not valid base64.
    #[error("invalid extra data")]
    InvalidExtra,
    /// The `index` line is missing or not a canonical decimal.
    #[error("missing or invalid index line")]
    InvalidIndex,
    /// A proof line is not base64 of 32 bytes.
    #[error("invalid proof hash on line {line}")]
    InvalidProofHash {
        /// 1-based line number in the file.
        line: usize,
    },
    /// More proof lines than any valid proof has.
    #[error("more than {MAX_PROOF_LEN} proof hashes")]
    ProofTooLong,
    /// The empty line before the checkpoint, or the checkpoint, is missing.
    #[error("missing checkpoint")]
    MissingCheckpoint,
    /// The bundle has no `extra` line, so the entry is unknown.
    #[error("bundle carries no entry in its extra line")]
    MissingEntry,
    /// The checkpoint note or text is invalid, or a known key's signature fails.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// No policy log with the checkpoint's origin signed the checkpoint.
    #[error("no valid log signature for origin {origin}")]
    NoLogSignature {
        /// The checkpoint origin.
        origin: String,
    },
    /// Too few witness cosignatures for the policy quorum.
    #[error("witness quorum not met")]
    QuorumNotMet,
    /// The inclusion proof does not verify.
    #[error("inclusion proof: {0}")]
    Proof(#[from] ProofError),
}

/// A parsed (unverified) proof file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofBundle {
    /// The opaque extra data (unauthenticated until the leaf hash is checked).
    pub extra: Option<Vec<u8>>,
    /// The entry's index.
    pub index: u64,
    /// The inclusion proof, leaf sibling first.
    pub proof: Vec<Hash>,
    /// The checkpoint note, verbatim.
    pub checkpoint: String,
}

/// A witness cosignature that counted towards the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessCosignature {
    /// The witness's policy-local name.
    pub name: String,
    /// The witness key name.
    pub key_name: String,
    /// The cosignature timestamp (POSIX seconds): the witness saw this checkpoint by then.
    pub timestamp: u64,
}

/// The result of [`verify_proof_bundle`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedBundle {
    /// The entry's index.
    pub index: u64,
    /// The entry bytes (from `extra`, now authenticated by the inclusion proof).
    pub entry: Vec<u8>,
    /// The verified checkpoint.
    pub checkpoint: Checkpoint,
    /// The log key that signed the checkpoint.
    pub log_key: Verifier,
    /// Policy witnesses with valid cosignatures.
    pub witnesses: Vec<WitnessCosignature>,
}

impl ProofBundle {
    /// Parses a proof file.
    pub fn parse(text: &str) -> Result<Self, BundleError> {
        let mut position = 0;
        // Every line before the checkpoint ends in a newline.
        let mut next_line = || {
            let rest = &text[position..];
            let end = rest.find('\n')?;
            position += end + 1;
            Some(&rest[..end])
        };
        if next_line() != Some(TLOG_PROOF_HEADER) {
            return Err(BundleError::MissingHeader);
        }
        let mut line = next_line().ok_or(BundleError::InvalidIndex)?;
        let mut extra = None;
        if let Some(encoded) = line.strip_prefix("extra ") {
            extra = Some(
                BASE64
                    .decode(encoded)
                    .map_err(|_| BundleError::InvalidExtra)?,
            );
            line = next_line().ok_or(BundleError::InvalidIndex)?;
        }
        let index = line
            .strip_prefix("index ")
            .and_then(parse_decimal)
            .ok_or(BundleError::InvalidIndex)?;
        let mut proof = Vec::new();
        loop {
            let hash_line = next_line().ok_or(BundleError::MissingCheckpoint)?;
            if hash_line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LEN {
                return Err(BundleError::ProofTooLong);
            }
            let number = proof.len() + 3 + usize::from(extra.is_some());
            proof
                .push(parse_hash(hash_line).ok_or(BundleError::InvalidProofHash { line: number })?);
        }
        let checkpoint = &text[position..];
        if checkpoint.is_empty() {
            return Err(BundleError::MissingCheckpoint);
        }
        Ok(Self {
            extra,
            index,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }

    /// Serializes the proof file.
    pub fn to_text(&self) -> String {
        let mut text = format!("{TLOG_PROOF_HEADER}\n");
        if let Some(extra) = &self.extra {
            text.push_str(&format!("extra {}\n", BASE64.encode(extra)));
        }
        text.push_str(&format!("index {}\n", self.index));
        for hash in &self.proof {
            text.push_str(&BASE64.encode(hash));
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&self.checkpoint);
        text
    }

    /// Verifies the bundle for an application-computed `leaf` hash under `policy`, returning the
    /// checkpoint, the log key and the counted witness cosignatures.
    pub fn verify_leaf(
        &self,
        leaf: &Hash,
        policy: &Policy,
    ) -> Result<(Checkpoint, Verifier, Vec<WitnessCosignature>), BundleError> {
        let mut known: Vec<Verifier> = policy.logs.iter().map(|log| log.key.clone()).collect();
        known.extend(policy.witnesses.iter().map(|witness| witness.key.clone()));
        let opened = open_note(&self.checkpoint, &known).map_err(|error| match error {
            NoteError::NoVerifiedSignatures => BundleError::NoLogSignature {
                origin: self
                    .checkpoint
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            },
            other => BundleError::Checkpoint(other.into()),
        })?;
        let checkpoint = Checkpoint::parse(&opened.text)?;

        let is_signed_by = |key: &Verifier| {
            opened
                .verified
                .iter()
                .any(|s| s.timestamp.is_none() && s.name == key.name() && s.key_id == key.key_id())
        };
        let log_key = policy
            .log_for_origin(&checkpoint.origin)
            .find(|log| is_signed_by(&log.key))
            .map(|log| log.key.clone())
            .ok_or_else(|| BundleError::NoLogSignature {
                origin: checkpoint.origin.clone(),
            })?;

        let witnesses: Vec<WitnessCosignature> = policy
            .witnesses
            .iter()
            .filter_map(|witness| {
                let signature = opened
                    .verified
                    .iter()
                    .find(|s| s.name == witness.key.name() && s.key_id == witness.key.key_id())?;
                Some(WitnessCosignature {
                    name: witness.name.clone(),
                    key_name: witness.key.name().to_owned(),
                    timestamp: signature.timestamp?,
                })
            })
            .collect();
        let witnessed: HashSet<String> = witnesses.iter().map(|w| w.name.clone()).collect();
        if !policy.quorum_met(&witnessed) {
            return Err(BundleError::QuorumNotMet);
        }

        verify_inclusion(
            self.index,
            checkpoint.size,
            leaf,
            &self.proof,
            &checkpoint.root,
        )?;
        Ok((checkpoint, log_key, witnesses))
    }
}

/// Parses and verifies a fixlog proof file: the entry is the `extra` data and its leaf hash is
/// `SHA-256(0x00 ‖ entry)`. The entry's own content (e.g. the vendor signature) is the caller's
/// to check.
pub fn verify_proof_bundle(
    bundle_text: &str,
    policy: &Policy,
) -> Result<VerifiedBundle, BundleError> {
    let bundle = ProofBundle::parse(bundle_text)?;
    let entry = bundle.extra.clone().ok_or(BundleError::MissingEntry)?;
    let (checkpoint, log_key, witnesses) = bundle.verify_leaf(&leaf_hash(&entry), policy)?;
    Ok(VerifiedBundle {
        index: bundle.index,
        entry,
        checkpoint,
        log_key,
        witnesses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_bundles_are_rejected() {
        let cases = [
            "",
            "c2sp.org/tlog-proof@v2\nindex 0\n\nx\n",
            "c2sp.org/tlog-proof@v1\nindex 01\n\nx\n",
            "c2sp.org/tlog-proof@v1\nextra !!\nindex 0\n\nx\n",
            "c2sp.org/tlog-proof@v1\nindex 0\nAAAA\n\nx\n",
            "c2sp.org/tlog-proof@v1\nindex 0\n",
            "c2sp.org/tlog-proof@v1\nindex 0\n\n",
        ];
        for case in cases {
            assert!(ProofBundle::parse(case).is_err(), "{case:?}");
        }
    }

    #[test]
    fn parse_and_serialize_agree() {
        let bundle = ProofBundle {
            extra: Some(b"entry".to_vec()),
            index: 7,
            proof: vec![[1; 32], [2; 32]],
            checkpoint: "o\n8\nr\n\n\u{2014} o AAAAAAA=\n".to_owned(),
        };
        assert_eq!(ProofBundle::parse(&bundle.to_text()).unwrap(), bundle);
        let bare = ProofBundle {
            extra: None,
            proof: vec![],
            ..bundle
        };
        assert_eq!(ProofBundle::parse(&bare.to_text()).unwrap(), bare);
    }
}
