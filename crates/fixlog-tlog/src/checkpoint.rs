//! C2SP tlog-checkpoint v1.0.0: the signed tree head as note text.
//!
//! ```text
//! <origin>\n
//! <tree size, ASCII decimal, no leading zeros>\n
//! <base64 RFC 6962 root hash>\n
//! [<extension line>\n ...]
//! ```

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::keys::{Signer, Verifier};
use crate::merkle::Hash;
use crate::note::{NoteError, VerifiedNote, check_note_text, open_note, sign_note};

/// Errors from parsing checkpoint text or opening a checkpoint note.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The text does not end in a newline or contains control characters.
    #[error("checkpoint text is not valid note text")]
    InvalidText,
    /// Fewer than the three mandatory lines.
    #[error("checkpoint has fewer than 3 lines")]
    TooFewLines,
    /// The origin line is empty.
    #[error("empty origin")]
    EmptyOrigin,
    /// The size line is not a canonical decimal `u64`.
    #[error("invalid tree size {line:?}")]
    InvalidSize {
        /// The size line.
        line: String,
    },
    /// The root line is not base64 of 32 bytes.
    #[error("invalid root hash {line:?}")]
    InvalidRoot {
        /// The root line.
        line: String,
    },
    /// An extension line is empty.
    #[error("empty extension line")]
    EmptyExtension,
    /// The checkpoint note did not verify.
    #[error(transparent)]
    Note(#[from] NoteError),
}

/// A parsed checkpoint body.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Checkpoint {
    /// The log's origin line (should equal the log key name).
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// `MTH(D[size])`.
    pub root: Hash,
    /// Optional extension lines, without newlines (NOT RECOMMENDED by the spec).
    pub extensions: Vec<String>,
}

/// Parses a canonical ASCII decimal `u64`: digits only, no leading zeros except `0`.
pub(crate) fn parse_decimal(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if canonical { text.parse().ok() } else { None }
}

/// Decodes a base64 32-byte hash.
pub(crate) fn parse_hash(text: &str) -> Option<Hash> {
    BASE64.decode(text).ok()?.try_into().ok()
}

impl Checkpoint {
    /// Parses checkpoint note text (ending in `\n`).
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        check_note_text(text).map_err(|_| CheckpointError::InvalidText)?;
        let lines: Vec<&str> = text[..text.len() - 1].split('\n').collect();
        let [origin, size, root, extensions @ ..] = lines.as_slice() else {
            return Err(CheckpointError::TooFewLines);
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let size = parse_decimal(size).ok_or_else(|| CheckpointError::InvalidSize {
            line: (*size).to_owned(),
        })?;
        let root = parse_hash(root).ok_or_else(|| CheckpointError::InvalidRoot {
            line: (*root).to_owned(),
        })?;
        if extensions.iter().any(|line| line.is_empty()) {
            return Err(CheckpointError::EmptyExtension);
        }
        Ok(Self {
            origin: (*origin).to_owned(),
            size,
            root,
            extensions: extensions.iter().map(|line| (*line).to_owned()).collect(),
        })
    }

    /// The note text of this checkpoint (what the log signs and witnesses cosign).
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root)
        );
        for extension in &self.extensions {
            text.push_str(extension);
            text.push('\n');
        }
        text
    }

    /// Signs the checkpoint text with `signers` and returns the checkpoint note.
    pub fn sign(&self, signers: &[&Signer]) -> Result<String, NoteError> {
        sign_note(&self.to_text(), signers)
    }
}

impl FromStr for Checkpoint {
    type Err = CheckpointError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// Opens a checkpoint note: verifies it with `known` keys (see [`open_note`]) and parses the text.
/// The caller still has to check that the *log's* key is among the verified signatures.
pub fn open_checkpoint(
    note: &str,
    known: &[Verifier],
) -> Result<(Checkpoint, VerifiedNote), CheckpointError> {
    let verified = open_note(note, known)?;
    let checkpoint = Checkpoint::parse(&verified.text)?;
    Ok((checkpoint, verified))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_extensions() {
        let text = "example.com/log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\next one\n";
        let checkpoint = Checkpoint::parse(text).unwrap();
        assert_eq!(checkpoint.size, 8);
        assert_eq!(checkpoint.extensions, vec!["ext one".to_owned()]);
        assert_eq!(checkpoint.to_text(), text);
    }

    #[test]
    fn decimal_parsing_is_canonical() {
        assert_eq!(parse_decimal("0"), Some(0));
        assert_eq!(parse_decimal("18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_decimal("007"), None);
        assert_eq!(parse_decimal("+7"), None);
        assert_eq!(parse_decimal(""), None);
    }
}
