//! Fixed-size cryptographic digests of firmware images.
//!
//! The model only carries digests; it never computes them. Text form is
//! lowercase hexadecimal of exactly the digest length, nothing else.

use std::fmt;
use std::str::FromStr;

/// Why a hexadecimal digest could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// The text does not have the length of the digest in hex characters.
    #[error("{algorithm} digest must be {expected} hex characters, got {actual}")]
    WrongLength {
        /// The digest algorithm, for example `sha256`.
        algorithm: &'static str,
        /// The required number of hex characters.
        expected: usize,
        /// The number of characters found.
        actual: usize,
    },
    /// The text contains a character that is not lowercase hex.
    #[error("{algorithm} digest must be lowercase hex, found {found:?} at position {position}")]
    NotLowercaseHex {
        /// The digest algorithm, for example `sha256`.
        algorithm: &'static str,
        /// The zero-based character position of the offending character.
        position: usize,
        /// The offending character.
        found: char,
    },
}

/// Decodes lowercase hex of exactly `N` bytes.
fn decode_lowercase_hex<const N: usize>(
    algorithm: &'static str,
    text: &str,
) -> Result<[u8; N], DigestError> {
    let actual = text.chars().count();
    if actual != N * 2 || text.len() != N * 2 {
        return Err(DigestError::WrongLength {
            algorithm,
            expected: N * 2,
            actual,
        });
    }
    let nibble = |position: usize, byte: u8| match byte {
        b'0'..=b'9' => Ok(byte - b'0'),
        b'a'..=b'f' => Ok(byte - b'a' + 10),
        _ => Err(DigestError::NotLowercaseHex {
            algorithm,
            position,
            found: char::from(byte),
        }),
    };
    let bytes = text.as_bytes();
    let mut out = [0u8; N];
    for (index, slot) in out.iter_mut().enumerate() {
        let high = nibble(2 * index, bytes[2 * index])?;
        let low = nibble(2 * index + 1, bytes[2 * index + 1])?;
        *slot = (high << 4) | low;
    }
    Ok(out)
}

/// Writes bytes as lowercase hex.
fn write_lowercase_hex(formatter: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for byte in bytes {
        write!(formatter, "{byte:02x}")?;
    }
    Ok(())
}

/// Defines a digest newtype over `[u8; N]` with hex parsing and display.
macro_rules! digest_type {
    ($(#[$meta:meta])* $name:ident, $len:literal, $algorithm:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name([u8; $len]);

        impl $name {
            /// The digest algorithm's name as used in error messages.
            pub const ALGORITHM: &'static str = $algorithm;

            /// Wraps raw digest bytes.
            pub const fn from_bytes(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }

            /// The raw digest bytes.
            pub const fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = DigestError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                decode_lowercase_hex::<$len>($algorithm, text).map(Self)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = DigestError;

            fn try_from(text: &str) -> Result<Self, Self::Error> {
                text.parse()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_lowercase_hex(formatter, &self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(formatter, "{}(", stringify!($name))?;
                write_lowercase_hex(formatter, &self.0)?;
                formatter.write_str(")")
            }
        }
    };
}

digest_type!(
    /// A SHA-256 digest (32 bytes, 64 lowercase hex characters).
    Sha256Digest,
    32,
    "sha256"
);
digest_type!(
    /// A SHA3-256 digest (32 bytes, 64 lowercase hex characters).
    Sha3_256Digest,
    32,
    "sha3-256"
);
digest_type!(
    /// A SHA-512 digest (64 bytes, 128 lowercase hex characters).
    Sha512Digest,
    64,
    "sha512"
);

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn sha256_round_trips() {
        let digest: Sha256Digest = EMPTY_SHA256.parse().unwrap();
        assert_eq!(digest.to_string(), EMPTY_SHA256);
        assert_eq!(digest.as_bytes()[0], 0xe3);
        assert_eq!(Sha256Digest::from_bytes(*digest.as_bytes()), digest);
    }

    #[test]
    fn rejects_uppercase_wrong_length_and_non_hex() {
        let upper = EMPTY_SHA256.to_uppercase();
        assert!(matches!(
            upper.parse::<Sha256Digest>(),
            Err(DigestError::NotLowercaseHex {
                position: 0,
                found: 'E',
                ..
            })
        ));
        assert_eq!(
            EMPTY_SHA256[..62].parse::<Sha256Digest>(),
            Err(DigestError::WrongLength {
                algorithm: "sha256",
                expected: 64,
                actual: 62
            })
        );
        assert_eq!(
            EMPTY_SHA256.parse::<Sha512Digest>(),
            Err(DigestError::WrongLength {
                algorithm: "sha512",
                expected: 128,
                actual: 64
            })
        );
        let non_hex = format!("g{}", &EMPTY_SHA256[1..]);
        assert!(matches!(
            non_hex.parse::<Sha3_256Digest>(),
            Err(DigestError::NotLowercaseHex {
                algorithm: "sha3-256",
                position: 0,
                found: 'g'
            })
        ));
        let multibyte = format!("é{}", &EMPTY_SHA256[2..]);
        assert!(multibyte.parse::<Sha256Digest>().is_err());
        assert!("".parse::<Sha256Digest>().is_err());
    }

    #[test]
    fn sha512_round_trips() {
        let text = "ab".repeat(64);
        let digest: Sha512Digest = text.parse().unwrap();
        assert_eq!(digest.to_string(), text);
        assert_eq!(digest.as_bytes().len(), 64);
    }
}
