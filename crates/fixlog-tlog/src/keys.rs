//! Signed-note keys (C2SP signed-note "Verifier keys"): key ids, `vkey` strings, and the Go
//! `PRIVATE+KEY+…` signer key format.
//!
//! ```text
//! vkey:   <name>+<8 lowercase hex key id>+base64(type ‖ public key)
//! skey:   PRIVATE+KEY+<name>+<8 hex key id>+base64(0x01 ‖ 32-byte Ed25519 seed)
//! key id: SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4], big-endian
//! ```

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::cosignature::cosignature_message;
use crate::note::{NoteError, SignatureLine};

/// Signature type byte of a plain Ed25519 note signature over the note text.
pub const TYPE_ED25519: u8 = 0x01;
/// Signature type byte of an Ed25519 `cosignature/v1` (C2SP tlog-cosignature).
pub const TYPE_COSIGNATURE_V1: u8 = 0x04;

/// The kinds of verifier key this crate supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// Type 0x01: Ed25519 signature over the note text (log and vendor keys).
    Ed25519,
    /// Type 0x04: Ed25519 `cosignature/v1` over a timestamped checkpoint (witness keys).
    CosignatureV1,
}

impl KeyKind {
    /// The signature type byte of this kind.
    pub const fn type_byte(self) -> u8 {
        match self {
            KeyKind::Ed25519 => TYPE_ED25519,
            KeyKind::CosignatureV1 => TYPE_COSIGNATURE_V1,
        }
    }
}

/// `SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]` as a big-endian `u32`.
pub fn key_id(name: &str, key_type: u8, public_key: &[u8]) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', key_type]);
    hasher.update(public_key);
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// A key name is non-empty and contains no Unicode whitespace and no `+`.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if is_valid_key_name(name) {
        Ok(())
    } else {
        Err(NoteError::InvalidKeyName {
            name: name.to_owned(),
        })
    }
}

/// Splits `<name>+<hex id>+<base64>` on the first two `+` (base64 may contain `+`), checks
/// the name, and parses the lowercase hex key id.
fn split_key(key: &str) -> Result<(&str, u32, Vec<u8>), NoteError> {
    let mut parts = key.splitn(3, '+');
    let (Some(name), Some(hex_id), Some(encoded)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(NoteError::MalformedKey);
    };
    check_name(name)?;
    let lowercase_hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
    if hex_id.len() != 8 || !hex_id.chars().all(lowercase_hex) {
        return Err(NoteError::InvalidKeyIdSyntax {
            key_id: hex_id.to_owned(),
        });
    }
    let key_id = u32::from_str_radix(hex_id, 16).map_err(|_| NoteError::MalformedKey)?;
    let bytes = BASE64
        .decode(encoded)
        .map_err(|_| NoteError::InvalidBase64)?;
    Ok((name, key_id, bytes))
}

/// A public key that can check note signatures of one signer: a `vkey`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    key_id: u32,
    kind: KeyKind,
    key: VerifyingKey,
}

impl Verifier {
    /// Creates a verifier for `name` with the key id derived from name, kind and key.
    pub fn new(name: &str, kind: KeyKind, key: VerifyingKey) -> Result<Self, NoteError> {
        check_name(name)?;
        let key_id = key_id(name, kind.type_byte(), key.as_bytes());
        Ok(Self {
            name: name.to_owned(),
            key_id,
            kind,
            key,
        })
    }

    /// Parses a `vkey` (`name+hexid+base64(type ‖ key)`), recomputing and checking the key id.
    /// Types 0x01 (Ed25519) and 0x04 (cosignature/v1) are supported.
    pub fn from_vkey(vkey: &str) -> Result<Self, NoteError> {
        let (name, key_id, bytes) = split_key(vkey)?;
        let (&key_type, public_key) = bytes.split_first().ok_or(NoteError::MalformedKey)?;
        let kind = match key_type {
            TYPE_ED25519 => KeyKind::Ed25519,
            TYPE_COSIGNATURE_V1 => KeyKind::CosignatureV1,
            other => return Err(NoteError::UnsupportedKeyType { key_type: other }),
        };
        let public_key: &[u8; 32] = public_key
            .try_into()
            .map_err(|_| NoteError::InvalidPublicKey)?;
        let key = VerifyingKey::from_bytes(public_key).map_err(|_| NoteError::InvalidPublicKey)?;
        let verifier = Self::new(name, kind, key)?;
        if verifier.key_id != key_id {
            return Err(NoteError::KeyIdMismatch {
                expected: verifier.key_id,
                found: key_id,
            });
        }
        Ok(verifier)
    }

    /// The key name (for a log, its origin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 4-byte key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Whether this is a plain note key or a witness cosignature key.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The Ed25519 public key.
    pub fn public_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// The `vkey` string.
    pub fn to_vkey(&self) -> String {
        let mut bytes = vec![self.kind.type_byte()];
        bytes.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_id, BASE64.encode(bytes))
    }

    /// Checks `signature` (the bytes after the key id) over the note `text`. Returns `None` if
    /// it does not verify, else the cosignature timestamp for cosignature keys.
    pub(crate) fn verify(&self, text: &str, signature: &[u8]) -> Option<Option<u64>> {
        match self.kind {
            KeyKind::Ed25519 => {
                let signature = Signature::from_slice(signature).ok()?;
                self.key.verify_strict(text.as_bytes(), &signature).ok()?;
                Some(None)
            }
            KeyKind::CosignatureV1 => {
                if signature.len() != 8 + 64 {
                    return None;
                }
                let (timestamp, signature) = signature.split_at(8);
                let timestamp = u64::from_be_bytes(timestamp.try_into().ok()?);
                let signature = Signature::from_slice(signature).ok()?;
                let message = cosignature_message(text, timestamp);
                self.key
                    .verify_strict(message.as_bytes(), &signature)
                    .ok()?;
                Some(Some(timestamp))
            }
        }
    }
}

impl FromStr for Verifier {
    type Err = NoteError;

    fn from_str(vkey: &str) -> Result<Self, Self::Err> {
        Self::from_vkey(vkey)
    }
}

impl fmt::Display for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vkey())
    }
}

/// An Ed25519 (type 0x01) note signer: a log or vendor key.
#[derive(Clone)]
pub struct Signer {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl Signer {
    /// Creates a signer for `name`.
    pub fn new(name: &str, key: SigningKey) -> Result<Self, NoteError> {
        check_name(name)?;
        let key_id = key_id(name, TYPE_ED25519, key.verifying_key().as_bytes());
        Ok(Self {
            name: name.to_owned(),
            key_id,
            key,
        })
    }

    /// Parses a Go signer key `PRIVATE+KEY+<name>+<id>+base64(0x01 ‖ seed)`.
    pub fn from_private_key_string(skey: &str) -> Result<Self, NoteError> {
        let rest = skey
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(NoteError::MalformedKey)?;
        let (name, key_id, bytes) = split_key(rest)?;
        let (&key_type, seed) = bytes.split_first().ok_or(NoteError::MalformedKey)?;
        if key_type != TYPE_ED25519 {
            return Err(NoteError::UnsupportedKeyType { key_type });
        }
        let seed: &[u8; 32] = seed.try_into().map_err(|_| NoteError::MalformedKey)?;
        let signer = Self::new(name, SigningKey::from_bytes(seed))?;
        if signer.key_id != key_id {
            return Err(NoteError::KeyIdMismatch {
                expected: signer.key_id,
                found: key_id,
            });
        }
        Ok(signer)
    }

    /// The Go signer key string (contains the secret seed).
    pub fn to_private_key_string(&self) -> String {
        let mut bytes = vec![TYPE_ED25519];
        bytes.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.key_id,
            BASE64.encode(bytes)
        )
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 4-byte key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The matching `vkey` string.
    pub fn verifier_key(&self) -> String {
        self.verifier().to_vkey()
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Verifier {
        Verifier {
            name: self.name.clone(),
            key_id: self.key_id,
            kind: KeyKind::Ed25519,
            key: self.key.verifying_key(),
        }
    }

    /// Signs `text` (which the caller has checked to be valid note text).
    pub(crate) fn sign_text(&self, text: &str) -> SignatureLine {
        SignatureLine {
            name: self.name.clone(),
            key_id: self.key_id,
            signature: self.key.sign(text.as_bytes()).to_bytes().to_vec(),
        }
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret key.
        f.debug_struct("Signer")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PETER: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

    #[test]
    fn vkey_round_trips() {
        let verifier = Verifier::from_vkey(PETER).unwrap();
        assert_eq!(verifier.name(), "PeterNeumann");
        assert_eq!(verifier.key_id(), 0xc74f20a3);
        assert_eq!(verifier.to_vkey(), PETER);
        assert_eq!(verifier.to_string().parse::<Verifier>().unwrap(), verifier);
    }

    #[test]
    fn names_with_plus_or_space_are_rejected() {
        let key = SigningKey::from_bytes(&[7; 32]);
        assert!(matches!(
            Signer::new("a+b", key.clone()),
            Err(NoteError::InvalidKeyName { .. })
        ));
        assert!(matches!(
            Signer::new("a b", key.clone()),
            Err(NoteError::InvalidKeyName { .. })
        ));
        assert!(matches!(
            Signer::new("", key),
            Err(NoteError::InvalidKeyName { .. })
        ));
    }

    #[test]
    fn debug_does_not_leak_the_seed() {
        let signer = Signer::new("example.com/x", SigningKey::from_bytes(&[7; 32])).unwrap();
        let debug = format!("{signer:?}");
        assert!(debug.contains("example.com/x"));
        assert!(!debug.contains("0707"));
    }
}
