//! Identifier newtypes: CVE, CWE, product and advisory ids.
//!
//! Each type can only be built through [`FromStr`] (or `TryFrom<&str>`), so a
//! value in hand is always well formed.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// The longest CVE sequence number accepted, in digits (fits in a `u64`).
const CVE_MAX_SEQUENCE_DIGITS: usize = 19;

/// Why an identifier could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The text is not of the shape `CVE-YYYY-NNNN…`.
    #[error("`{value}` is not a cve id, expected CVE-YYYY-NNNN with at least four sequence digits")]
    CveMalformed {
        /// The rejected text.
        value: String,
    },
    /// The year of a CVE id lies outside 1999..=9999.
    #[error("cve id `{value}` has year {year}, expected 1999 or later")]
    CveYearOutOfRange {
        /// The rejected text.
        value: String,
        /// The year that was found.
        year: u16,
    },
    /// The text is not of the shape `CWE-N`.
    #[error("`{value}` is not a cwe id, expected CWE-N with N a positive integer")]
    CweMalformed {
        /// The rejected text.
        value: String,
    },
    /// The text is not a valid product id.
    #[error(
        "`{value}` is not a product id, expected 1 to 64 characters of a-z, 0-9, `.`, `_`, `-` starting with a letter or digit"
    )]
    ProductIdMalformed {
        /// The rejected text.
        value: String,
    },
    /// The text is not a valid advisory id.
    #[error(
        "`{value}` is not an advisory id, expected 1 to 80 characters of A-Z, a-z, 0-9, `.`, `_`, `:`, `-` starting with a letter or digit"
    )]
    AdvisoryIdMalformed {
        /// The rejected text.
        value: String,
    },
}

/// A CVE identifier such as `CVE-2026-50412`.
///
/// Ordered numerically by year, then by sequence number, so
/// `CVE-2026-9999 < CVE-2026-10000`.
#[derive(Debug, Clone)]
pub struct CveId {
    text: String,
    year: u16,
    sequence: u64,
}

impl CveId {
    /// The identifier as text, for example `CVE-2026-50412`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The year part of the identifier.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The sequence number part of the identifier.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }
}

impl FromStr for CveId {
    type Err = IdError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let malformed = || IdError::CveMalformed {
            value: value.to_owned(),
        };
        let rest = value.strip_prefix("CVE-").ok_or_else(malformed)?;
        let (year_text, sequence_text) = rest.split_once('-').ok_or_else(malformed)?;
        let all_digits = |text: &str| text.bytes().all(|byte| byte.is_ascii_digit());
        if year_text.len() != 4 || !all_digits(year_text) {
            return Err(malformed());
        }
        if sequence_text.len() < 4
            || sequence_text.len() > CVE_MAX_SEQUENCE_DIGITS
            || !all_digits(sequence_text)
        {
            return Err(malformed());
        }
        // Sequence numbers longer than four digits carry no leading zero; this
        // keeps the numeric order consistent with textual equality.
        if sequence_text.len() > 4 && sequence_text.starts_with('0') {
            return Err(malformed());
        }
        let year: u16 = year_text.parse().map_err(|_| malformed())?;
        if year < 1999 {
            return Err(IdError::CveYearOutOfRange {
                value: value.to_owned(),
                year,
            });
        }
        let sequence: u64 = sequence_text.parse().map_err(|_| malformed())?;
        Ok(Self {
            text: value.to_owned(),
            year,
            sequence,
        })
    }
}

impl PartialEq for CveId {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for CveId {}

impl Hash for CveId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl PartialOrd for CveId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CveId {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.year, self.sequence).cmp(&(other.year, other.sequence))
    }
}

/// A CWE identifier such as `CWE-79`, ordered by its number.
#[derive(Debug, Clone)]
pub struct CweId {
    text: String,
    number: u32,
}

impl CweId {
    /// The identifier as text, for example `CWE-79`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The weakness number, for example `79`.
    pub fn number(&self) -> u32 {
        self.number
    }
}

impl FromStr for CweId {
    type Err = IdError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let malformed = || IdError::CweMalformed {
            value: value.to_owned(),
        };
        let digits = value.strip_prefix("CWE-").ok_or_else(malformed)?;
        if digits.is_empty()
            || digits.starts_with('0')
            || !digits.bytes().all(|byte| byte.is_ascii_digit())
        {
            return Err(malformed());
        }
        let number: u32 = digits.parse().map_err(|_| malformed())?;
        Ok(Self {
            text: value.to_owned(),
            number,
        })
    }
}

impl PartialEq for CweId {
    fn eq(&self, other: &Self) -> bool {
        self.number == other.number
    }
}

impl Eq for CweId {}

impl Hash for CweId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.number.hash(state);
    }
}

impl PartialOrd for CweId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CweId {
    fn cmp(&self, other: &Self) -> Ordering {
        self.number.cmp(&other.number)
    }
}

/// A product (line) identifier such as `plc-x500`: 1 to 64 characters of
/// `a-z`, `0-9`, `.`, `_`, `-`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProductId(String);

impl ProductId {
    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ProductId {
    type Err = IdError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let first_ok = |byte: u8| byte.is_ascii_lowercase() || byte.is_ascii_digit();
        let rest_ok = |byte: u8| first_ok(byte) || matches!(byte, b'.' | b'_' | b'-');
        if is_identifier(value, 64, first_ok, rest_ok) {
            Ok(Self(value.to_owned()))
        } else {
            Err(IdError::ProductIdMalformed {
                value: value.to_owned(),
            })
        }
    }
}

/// An advisory identifier such as `ACME-SA-2026-001`: 1 to 80 characters of
/// `A-Z`, `a-z`, `0-9`, `.`, `_`, `:`, `-`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AdvisoryId(String);

impl AdvisoryId {
    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for AdvisoryId {
    type Err = IdError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let first_ok = |byte: u8| byte.is_ascii_alphanumeric();
        let rest_ok = |byte: u8| first_ok(byte) || matches!(byte, b'.' | b'_' | b':' | b'-');
        if is_identifier(value, 80, first_ok, rest_ok) {
            Ok(Self(value.to_owned()))
        } else {
            Err(IdError::AdvisoryIdMalformed {
                value: value.to_owned(),
            })
        }
    }
}

/// Checks `value` against `^[first][rest]{0,max_len-1}$` on ASCII bytes.
fn is_identifier(
    value: &str,
    max_len: usize,
    first_ok: impl Fn(u8) -> bool,
    rest_ok: impl Fn(u8) -> bool,
) -> bool {
    let bytes = value.as_bytes();
    match bytes.split_first() {
        Some((&first, rest)) => {
            bytes.len() <= max_len && first_ok(first) && rest.iter().all(|&byte| rest_ok(byte))
        }
        None => false,
    }
}

/// Implements `Display` and `TryFrom<&str>` for an identifier with `as_str`.
macro_rules! text_identifier_impls {
    ($($name:ident),*) => {$(
        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(self.as_str())
            }
        }

        impl TryFrom<&str> for $name {
            type Error = IdError;

            fn try_from(value: &str) -> Result<Self, Self::Error> {
                value.parse()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
    )*};
}

text_identifier_impls!(CveId, CweId, ProductId, AdvisoryId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_accept_and_reject() {
        for good in [
            "CVE-1999-0001",
            "CVE-2026-50412",
            "CVE-2026-1234567",
            "CVE-9999-9999",
        ] {
            let id: CveId = good
                .parse()
                .unwrap_or_else(|error| panic!("{good}: {error}"));
            assert_eq!(id.as_str(), good);
            assert_eq!(id.to_string(), good);
        }
        for bad in [
            "",
            "CVE-2026-123",
            "cve-2026-1234",
            "CVE-26-1234",
            "CVE-2026-12a4",
            "CVE-2026-01234",
            " CVE-2026-1234",
            "CVE-2026-1234 ",
            "CVE-20261-1234",
            "CVE-2026_1234",
            "CVE-2026-12345678901234567890",
        ] {
            assert!(bad.parse::<CveId>().is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            "CVE-1998-1234".parse::<CveId>(),
            Err(IdError::CveYearOutOfRange {
                value: "CVE-1998-1234".into(),
                year: 1998
            })
        );
    }

    #[test]
    fn cve_orders_numerically() {
        let small: CveId = "CVE-2026-9999".parse().unwrap();
        let large: CveId = "CVE-2026-10000".parse().unwrap();
        let older: CveId = "CVE-2025-99999".parse().unwrap();
        assert!(small < large);
        assert!(older < small);
    }

    #[test]
    fn cwe_accept_and_reject() {
        let cwe: CweId = "CWE-79".parse().unwrap();
        assert_eq!((cwe.as_str(), cwe.number()), ("CWE-79", 79));
        for bad in [
            "CWE-",
            "CWE-079",
            "CWE-0",
            "cwe-79",
            "CWE-7x",
            "CWE79",
            "CWE-99999999999",
        ] {
            assert!(bad.parse::<CweId>().is_err(), "{bad:?} accepted");
        }
        let low: CweId = "CWE-20".parse().unwrap();
        let high: CweId = "CWE-120".parse().unwrap();
        assert!(low < high);
    }

    #[test]
    fn product_id_accept_and_reject() {
        let longest = "a".repeat(64);
        for good in ["plc-x500", "a", "0", "sr_sg2.v1", longest.as_str()] {
            assert_eq!(good.parse::<ProductId>().unwrap().as_str(), good);
        }
        let too_long = "a".repeat(65);
        for bad in [
            "",
            "-plc",
            "PLC",
            "plc x500",
            "plc/x500",
            ".x",
            too_long.as_str(),
        ] {
            assert!(bad.parse::<ProductId>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn advisory_id_accept_and_reject() {
        let longest = "A".repeat(80);
        for good in [
            "ACME-SA-2026-001",
            "GHSA-xxxx",
            "icsa:26-001",
            longest.as_str(),
        ] {
            assert_eq!(good.parse::<AdvisoryId>().unwrap().to_string(), good);
        }
        let too_long = "A".repeat(81);
        for bad in ["", ":x", "ACME SA", "ACME/SA", "ä", too_long.as_str()] {
            assert!(bad.parse::<AdvisoryId>().is_err(), "{bad:?} accepted");
        }
    }
}
