//! C2SP tlog-cosignature v1.0.1: Ed25519 `cosignature/v1` (signature type 0x04).
//!
//! ```text
//! signed message:  cosignature/v1\n
//!                  time <decimal POSIX seconds>\n
//!                  <checkpoint note text, including extension lines>
//! signature bytes: u64 timestamp (big-endian) ‖ 64-byte Ed25519 signature
//! line:            — <witness name> base64(key id ‖ timestamp ‖ signature)
//! ```
//!
//! Verification is part of [`crate::open_note`] (a [`crate::Verifier`] of kind
//! [`KeyKind::CosignatureV1`] checks the cosignature and reports its timestamp); this module
//! builds the message and produces cosignatures, which a witness (or a test's fake witness) needs.

use std::fmt;

use ed25519_dalek::{Signer as _, SigningKey};

use crate::keys::{KeyKind, Verifier};
use crate::note::{NoteError, SignatureLine, check_note_text};

/// The exact bytes a witness signs for `checkpoint_text` at `timestamp`.
pub fn cosignature_message(checkpoint_text: &str, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{checkpoint_text}")
}

/// A witness key producing `cosignature/v1` signatures.
#[derive(Clone)]
pub struct Cosigner {
    verifier: Verifier,
    key: SigningKey,
}

impl Cosigner {
    /// Creates a cosigner named `name` (the witness's key name).
    pub fn new(name: &str, key: SigningKey) -> Result<Self, NoteError> {
        let verifier = Verifier::new(name, KeyKind::CosignatureV1, key.verifying_key())?;
        Ok(Self { verifier, key })
    }

    /// The witness key name.
    pub fn name(&self) -> &str {
        self.verifier.name()
    }

    /// The key id (derived with type 0x04).
    pub fn key_id(&self) -> u32 {
        self.verifier.key_id()
    }

    /// The witness `vkey` string (type 0x04).
    pub fn verifier_key(&self) -> String {
        self.verifier.to_vkey()
    }

    /// The matching verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// Cosigns the checkpoint note text at `timestamp` and returns the signature line, ready to
    /// be appended to the checkpoint note.
    pub fn cosign(
        &self,
        checkpoint_text: &str,
        timestamp: u64,
    ) -> Result<SignatureLine, NoteError> {
        check_note_text(checkpoint_text)?;
        let message = cosignature_message(checkpoint_text, timestamp);
        let mut signature = timestamp.to_be_bytes().to_vec();
        signature.extend_from_slice(&self.key.sign(message.as_bytes()).to_bytes());
        Ok(SignatureLine {
            name: self.name().to_owned(),
            key_id: self.key_id(),
            signature,
        })
    }
}

impl fmt::Debug for Cosigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret key.
        f.debug_struct("Cosigner")
            .field("name", &self.name())
            .field("key_id", &format_args!("{:08x}", self.key_id()))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::{Note, open_note};

    #[test]
    fn cosignature_verifies_and_reports_its_timestamp() {
        let witness = Cosigner::new("witness.example", SigningKey::from_bytes(&[9; 32])).unwrap();
        let text = "example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
        let line = witness.cosign(text, 1_700_000_000).unwrap();
        let note = Note {
            text: text.to_owned(),
            signatures: vec![line],
        }
        .to_string();
        let opened = open_note(&note, &[witness.verifier().clone()]).unwrap();
        assert_eq!(opened.verified[0].timestamp, Some(1_700_000_000));
    }

    #[test]
    fn message_layout() {
        assert_eq!(
            cosignature_message("o\n1\nr\n", 5),
            "cosignature/v1\ntime 5\no\n1\nr\n"
        );
    }
}
