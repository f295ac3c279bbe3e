//! C2SP signed-note: parsing, signing and verifying notes.
//!
//! ```text
//! <text, ending in \n>
//! <empty line>
//! — <key name> <base64(4-byte key id ‖ signature)>\n      (one or more)
//! ```
//!
//! The text is split from the signatures at the last `\n\n`; signatures cover the text including
//! its final newline. Signatures from unknown keys are kept but not trusted; a signature from a
//! known (name, key id) that fails to verify rejects the whole note; at least one known key must
//! verify. Which keys are *required* is policy, decided by the caller.

use std::collections::HashSet;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::keys::{Signer, Verifier, is_valid_key_name};

/// Largest note accepted, in bytes (the azul `signed_note` limit).
pub const MAX_NOTE_SIZE: usize = 1 << 20;
/// Most signature lines accepted on one note (the Go limit; the spec asks for at least 16).
pub const MAX_SIGNATURES: usize = 100;
/// The signature line prefix: U+2014 EM DASH and a space.
pub const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// Errors from keys and signed notes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// A key name is empty or contains whitespace or `+`.
    #[error("invalid key name {name:?}")]
    InvalidKeyName {
        /// The rejected name.
        name: String,
    },
    /// A verifier or signer key string does not have the expected `+`-separated parts.
    #[error("malformed key")]
    MalformedKey,
    /// The key id field of a key string is not 8 lowercase hex digits.
    #[error("key id {key_id:?} is not 8 lowercase hex digits")]
    InvalidKeyIdSyntax {
        /// The rejected key id field.
        key_id: String,
    },
    /// The key id in a key string differs from the one derived from name, type and key.
    #[error("key id {found:08x} does not match the derived key id {expected:08x}")]
    KeyIdMismatch {
        /// The key id derived from the key.
        expected: u32,
        /// The key id written in the key string.
        found: u32,
    },
    /// The key type byte is not one this crate supports (0x01, 0x04).
    #[error("unsupported key type {key_type:#04x}")]
    UnsupportedKeyType {
        /// The type byte.
        key_type: u8,
    },
    /// The public key is not a valid 32-byte Ed25519 point.
    #[error("invalid public key")]
    InvalidPublicKey,
    /// A base64 field is not canonical standard base64 with padding.
    #[error("invalid base64")]
    InvalidBase64,
    /// The note is larger than [`MAX_NOTE_SIZE`].
    #[error("note is larger than {max} bytes")]
    TooLarge {
        /// The limit.
        max: usize,
    },
    /// The note contains an ASCII control character other than newline.
    #[error("note contains a control character")]
    ControlCharacter,
    /// The note text is empty or does not end in a newline.
    #[error("note text must be non-empty and end in a newline")]
    MissingTextNewline,
    /// There is no empty line separating text and signatures.
    #[error("no blank line between text and signatures")]
    MissingBlankLine,
    /// There are no signature lines.
    #[error("note has no signatures")]
    NoSignatures,
    /// The last signature line does not end in a newline.
    #[error("signature block does not end in a newline")]
    MissingFinalNewline,
    /// A signature line is not `— <name> <base64>` with a valid name and at least 5 bytes.
    #[error("malformed signature line {line}")]
    MalformedSignatureLine {
        /// 1-based number of the line within the signature block.
        line: usize,
    },
    /// The note has more than [`MAX_SIGNATURES`] signature lines.
    #[error("note has more than {max} signatures")]
    TooManySignatures {
        /// The limit.
        max: usize,
    },
    /// A signature from a known key does not verify.
    #[error("invalid signature for key {name}+{key_id:08x}")]
    InvalidSignature {
        /// The key name.
        name: String,
        /// The key id.
        key_id: u32,
    },
    /// No signature is from a known key.
    #[error("no signature from a known key")]
    NoVerifiedSignatures,
}

/// One signature line: `— <name> base64(key id ‖ signature)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SignatureLine {
    /// The key name.
    pub name: String,
    /// The key id (first 4 bytes of the decoded base64).
    pub key_id: u32,
    /// The signature bytes after the key id (for cosignatures: timestamp ‖ Ed25519 signature).
    pub signature: Vec<u8>,
}

impl fmt::Display for SignatureLine {
    /// Formats the line without its trailing newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut bytes = self.key_id.to_be_bytes().to_vec();
        bytes.extend_from_slice(&self.signature);
        write!(
            f,
            "{SIGNATURE_PREFIX}{} {}",
            self.name,
            BASE64.encode(bytes)
        )
    }
}

/// A syntactically valid note whose signatures have not been checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The signed text, ending in `\n`.
    pub text: String,
    /// The signature lines in order.
    pub signatures: Vec<SignatureLine>,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.text)?;
        for signature in &self.signatures {
            writeln!(f, "{signature}")?;
        }
        Ok(())
    }
}

/// A signature that verified with a known key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VerifiedSignature {
    /// The key name.
    pub name: String,
    /// The key id.
    pub key_id: u32,
    /// The cosignature timestamp (POSIX seconds) for `cosignature/v1` keys, else `None`.
    pub timestamp: Option<u64>,
}

/// The result of [`open_note`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedNote {
    /// The signed text, ending in `\n`.
    pub text: String,
    /// Signatures that verified with a known key, in note order.
    pub verified: Vec<VerifiedSignature>,
    /// Signatures from unknown keys, deduplicated, in note order.
    pub unverified: Vec<SignatureLine>,
}

fn check_text_characters(text: &str) -> Result<(), NoteError> {
    if text.chars().any(|c| c.is_ascii_control() && c != '\n') {
        return Err(NoteError::ControlCharacter);
    }
    Ok(())
}

fn parse_signature_line(line: &str, number: usize) -> Result<SignatureLine, NoteError> {
    let malformed = NoteError::MalformedSignatureLine { line: number };
    let rest = line
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or(malformed.clone())?;
    let (name, encoded) = rest.split_once(' ').ok_or(malformed.clone())?;
    if !is_valid_key_name(name) || encoded.is_empty() {
        return Err(malformed);
    }
    let bytes = BASE64.decode(encoded).map_err(|_| malformed.clone())?;
    if bytes.len() < 5 {
        return Err(malformed);
    }
    let (key_id, signature) = bytes.split_at(4);
    Ok(SignatureLine {
        name: name.to_owned(),
        key_id: u32::from_be_bytes([key_id[0], key_id[1], key_id[2], key_id[3]]),
        signature: signature.to_vec(),
    })
}

/// Parses a note without checking signatures.
pub fn parse_note(note: &str) -> Result<Note, NoteError> {
    if note.len() > MAX_NOTE_SIZE {
        return Err(NoteError::TooLarge { max: MAX_NOTE_SIZE });
    }
    check_text_characters(note)?;
    let split = note.rfind("\n\n").ok_or(NoteError::MissingBlankLine)?;
    let (text, block) = (&note[..split + 1], &note[split + 2..]);
    if block.is_empty() {
        return Err(NoteError::NoSignatures);
    }
    let block = block
        .strip_suffix('\n')
        .ok_or(NoteError::MissingFinalNewline)?;
    let lines: Vec<&str> = block.split('\n').collect();
    if lines.len() > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures {
            max: MAX_SIGNATURES,
        });
    }
    let signatures = lines
        .iter()
        .enumerate()
        .map(|(i, line)| parse_signature_line(line, i + 1))
        .collect::<Result<_, _>>()?;
    Ok(Note {
        text: text.to_owned(),
        signatures,
    })
}

/// Checks the signatures of a parsed note against `known` keys (see the module docs).
pub fn verify_note(note: &Note, known: &[Verifier]) -> Result<VerifiedNote, NoteError> {
    let mut verified = Vec::new();
    let mut unverified = Vec::new();
    let mut seen_verified = HashSet::new();
    let mut seen_unverified = HashSet::new();
    for line in &note.signatures {
        let candidates: Vec<&Verifier> = known
            .iter()
            .filter(|v| v.name() == line.name && v.key_id() == line.key_id)
            .collect();
        if candidates.is_empty() {
            if seen_unverified.insert(line.clone()) {
                unverified.push(line.clone());
            }
            continue;
        }
        // Repeated signatures by one verifier are dropped, as in Go `note.Open`.
        if !seen_verified.insert((line.name.clone(), line.key_id)) {
            continue;
        }
        // Key ids can collide; any candidate that verifies is enough.
        let timestamp = candidates
            .iter()
            .find_map(|verifier| verifier.verify(&note.text, &line.signature))
            .ok_or_else(|| NoteError::InvalidSignature {
                name: line.name.clone(),
                key_id: line.key_id,
            })?;
        verified.push(VerifiedSignature {
            name: line.name.clone(),
            key_id: line.key_id,
            timestamp,
        });
    }
    if verified.is_empty() {
        return Err(NoteError::NoVerifiedSignatures);
    }
    Ok(VerifiedNote {
        text: note.text.clone(),
        verified,
        unverified,
    })
}

/// Parses `note` and verifies it against `known` keys.
pub fn open_note(note: &str, known: &[Verifier]) -> Result<VerifiedNote, NoteError> {
    verify_note(&parse_note(note)?, known)
}

/// Checks that `text` can be the text of a note: non-empty, ending in `\n`, no control
/// characters other than `\n`.
pub fn check_note_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::MissingTextNewline);
    }
    check_text_characters(text)
}

/// Signs `text` with every signer and returns the note.
pub fn sign_note(text: &str, signers: &[&Signer]) -> Result<String, NoteError> {
    check_note_text(text)?;
    let note = Note {
        text: text.to_owned(),
        signatures: signers
            .iter()
            .map(|signer| signer.sign_text(text))
            .collect(),
    };
    Ok(note.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    use ed25519_dalek::SigningKey;

    #[test]
    fn sign_then_open() {
        let signer = Signer::new("example.com/log", SigningKey::from_bytes(&[1; 32])).unwrap();
        let note = sign_note("hello\nworld\n", &[&signer]).unwrap();
        let opened = open_note(&note, &[signer.verifier()]).unwrap();
        assert_eq!(opened.text, "hello\nworld\n");
        assert_eq!(opened.verified[0].key_id, signer.key_id());
        assert_eq!(parse_note(&note).unwrap().to_string(), note);
    }

    #[test]
    fn text_without_newline_cannot_be_signed() {
        let signer = Signer::new("example.com/log", SigningKey::from_bytes(&[1; 32])).unwrap();
        assert_eq!(
            sign_note("hello", &[&signer]),
            Err(NoteError::MissingTextNewline)
        );
        assert_eq!(
            sign_note("", &[&signer]),
            Err(NoteError::MissingTextNewline)
        );
        assert_eq!(
            sign_note("a\tb\n", &[&signer]),
            Err(NoteError::ControlCharacter)
        );
    }

    #[test]
    fn duplicate_unknown_lines_are_kept_once() {
        let signer = Signer::new("example.com/log", SigningKey::from_bytes(&[1; 32])).unwrap();
        let other = Signer::new("example.com/other", SigningKey::from_bytes(&[2; 32])).unwrap();
        let note = sign_note("x\n", &[&signer, &other, &other]).unwrap();
        let opened = open_note(&note, &[signer.verifier()]).unwrap();
        assert_eq!(opened.unverified.len(), 1);
    }

    #[test]
    fn too_many_signatures_are_rejected() {
        let signer = Signer::new("example.com/log", SigningKey::from_bytes(&[1; 32])).unwrap();
        let signers = vec![&signer; MAX_SIGNATURES + 1];
        let note = sign_note("x\n", &signers).unwrap();
        assert_eq!(
            parse_note(&note),
            Err(NoteError::TooManySignatures {
                max: MAX_SIGNATURES
            })
        );
    }
}
