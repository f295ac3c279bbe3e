//! C2SP tlog-witness v1.0.0 `add-checkpoint` request body.
//!
//! ```text
//! old <size the witness last cosigned>\n
//! <base64 consistency proof hash>\n        (at most 63 lines)
//! \n
//! <checkpoint note with the log's signature(s)>
//! ```
//!
//! The HTTP exchange and the witness's state belong elsewhere; this is the wire format only.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::checkpoint::{parse_decimal, parse_hash};
use crate::merkle::Hash;

/// Most consistency proof lines an `add-checkpoint` body may carry.
pub const MAX_WITNESS_PROOF_LEN: usize = 63;

/// Errors from parsing an `add-checkpoint` body.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WitnessRequestError {
    /// The first line is not `old <canonical decimal>`.
    #[error("missing or invalid old line")]
    InvalidOld,
    /// A proof line is not base64 of 32 bytes.
    #[error("invalid consistency proof line {line}")]
    InvalidProofHash {
        /// 1-based line number.
        line: usize,
    },
    /// More than [`MAX_WITNESS_PROOF_LEN`] proof lines.
    #[error("more than {MAX_WITNESS_PROOF_LEN} proof lines")]
    ProofTooLong,
    /// The empty line or the checkpoint is missing.
    #[error("missing checkpoint")]
    MissingCheckpoint,
}

/// A parsed `add-checkpoint` request body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpointRequest {
    /// The tree size the witness is believed to have cosigned last (0 for none).
    pub old_size: u64,
    /// Consistency proof from `old_size` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The checkpoint note, verbatim.
    pub checkpoint: String,
}

impl AddCheckpointRequest {
    /// Parses a request body.
    pub fn parse(body: &str) -> Result<Self, WitnessRequestError> {
        let (first, mut rest) = body
            .split_once('\n')
            .ok_or(WitnessRequestError::InvalidOld)?;
        let old_size = first
            .strip_prefix("old ")
            .and_then(parse_decimal)
            .ok_or(WitnessRequestError::InvalidOld)?;
        let mut proof = Vec::new();
        loop {
            let (line, after) = rest
                .split_once('\n')
                .ok_or(WitnessRequestError::MissingCheckpoint)?;
            rest = after;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_WITNESS_PROOF_LEN {
                return Err(WitnessRequestError::ProofTooLong);
            }
            let number = proof.len() + 2;
            proof.push(
                parse_hash(line).ok_or(WitnessRequestError::InvalidProofHash { line: number })?,
            );
        }
        if rest.is_empty() {
            return Err(WitnessRequestError::MissingCheckpoint);
        }
        Ok(Self {
            old_size,
            proof,
            checkpoint: rest.to_owned(),
        })
    }

    /// Serializes the request body.
    pub fn to_text(&self) -> String {
        let mut text = format!("old {}\n", self.old_size);
        for hash in &self.proof {
            text.push_str(&BASE64.encode(hash));
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&self.checkpoint);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejections() {
        let request = AddCheckpointRequest {
            old_size: 0,
            proof: vec![],
            checkpoint: "o\n0\nr\n\n\u{2014} o AAAAAAA=\n".to_owned(),
        };
        assert_eq!(
            AddCheckpointRequest::parse(&request.to_text()).unwrap(),
            request
        );
        assert!(AddCheckpointRequest::parse("old 01\n\nx").is_err());
        assert!(AddCheckpointRequest::parse("old 1\nAAAA\n\nx").is_err());
        assert!(AddCheckpointRequest::parse("old 1\n\n").is_err());
    }
}
