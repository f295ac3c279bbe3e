//! The version schemes fixlog understands and their text grammars.

use std::fmt;
use std::str::FromStr;

use super::{Key, Version, VersionError};

/// The longest version text accepted, in bytes.
const MAX_VERSION_LEN: usize = 128;

/// The most numeric components a dotted version may have.
const MAX_DOTTED_COMPONENTS: usize = 16;

/// How a product line spells and orders its firmware versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VersionScheme {
    /// Semantic Versioning 2.0.0, e.g. `2.9.4`, `1.0.0-rc.1+build.5`.
    Semver,
    /// One or more dot-separated non-negative integers, e.g. `4.1.0.12`.
    Dotted,
    /// `V` followed by a dotted version, e.g. `V2.9.4`.
    VDotted,
    /// Release plus optional service pack and hotfix, e.g. `1.4 SP1 HF1`.
    ServicePack,
    /// Yearly release train `R<yy>.<n>`, e.g. `R21.3`.
    ReleaseTrain,
    /// Calendar versioning `YYYY.MM.PATCH`, e.g. `2026.07.1`.
    Calver,
    /// Three two-digit parts, e.g. `01.04.02`.
    Padded,
}

impl VersionScheme {
    /// Every scheme, in declaration order.
    pub const ALL: &'static [VersionScheme] = &[
        Self::Semver,
        Self::Dotted,
        Self::VDotted,
        Self::ServicePack,
        Self::ReleaseTrain,
        Self::Calver,
        Self::Padded,
    ];

    /// The scheme's stable identifier, e.g. `v-dotted`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Semver => "semver",
            Self::Dotted => "dotted",
            Self::VDotted => "v-dotted",
            Self::ServicePack => "service-pack",
            Self::ReleaseTrain => "release-train",
            Self::Calver => "calver",
            Self::Padded => "padded",
        }
    }

    /// A one-sentence description of the scheme's grammar and order.
    pub const fn description(self) -> &'static str {
        match self {
            Self::Semver => {
                "Semantic Versioning 2.0.0: MAJOR.MINOR.PATCH with optional pre-release and build metadata; pre-releases sort before the release, build metadata is ignored"
            }
            Self::Dotted => {
                "one or more dot-separated non-negative integers compared left to right; missing trailing components count as 0"
            }
            Self::VDotted => "`V` followed by a dotted version, ordered like dotted",
            Self::ServicePack => {
                "MAJOR.MINOR with optional ` SP<n>` and ` HF<n>`, ordered as (major, minor, service pack or 0, hotfix or 0)"
            }
            Self::ReleaseTrain => "R<yy>.<n> release train, ordered as (yy, n)",
            Self::Calver => "YYYY.MM.PATCH with a two-digit month, compared as integers",
            Self::Padded => "three two-digit parts NN.NN.NN, compared as integers",
        }
    }

    /// A typical version in this scheme.
    pub const fn example(self) -> &'static str {
        match self {
            Self::Semver => "2.9.4",
            Self::Dotted => "4.1.0.12",
            Self::VDotted => "V2.9.4",
            Self::ServicePack => "1.4 SP1 HF1",
            Self::ReleaseTrain => "R21.3",
            Self::Calver => "2026.07.1",
            Self::Padded => "01.04.02",
        }
    }

    /// The shape of a version in this scheme, for error messages.
    pub const fn expected_shape(self) -> &'static str {
        match self {
            Self::Semver => "MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] without leading zeros",
            Self::Dotted => "N[.N]... (1 to 16 non-negative integers)",
            Self::VDotted => "V followed by N[.N]...",
            Self::ServicePack => "MAJOR.MINOR[ SPn][ HFn]",
            Self::ReleaseTrain => "R<two-digit year>.<n>",
            Self::Calver => "YYYY.MM.PATCH with MM from 01 to 12",
            Self::Padded => "NN.NN.NN with exactly two digits per part",
        }
    }

    /// The `vers` (package URL version range) scheme that can order versions
    /// of this scheme, if any: `semver` for Semver, `intdot` for the integer
    /// dotted schemes, `None` for service packs and release trains.
    pub const fn vers_scheme(&self) -> Option<&'static str> {
        match self {
            Self::Semver => Some("semver"),
            Self::Dotted | Self::VDotted | Self::Calver | Self::Padded => Some("intdot"),
            Self::ServicePack | Self::ReleaseTrain => None,
        }
    }

    /// Parses `text` as a version of this scheme; the original text is kept.
    pub fn parse(&self, text: &str) -> Result<Version, VersionError> {
        let scheme = *self;
        let malformed = || VersionError::Malformed {
            scheme,
            text: text.to_owned(),
            expected: scheme.expected_shape(),
        };
        if text.len() > MAX_VERSION_LEN {
            return Err(VersionError::TooLong {
                scheme,
                max: MAX_VERSION_LEN,
                actual: text.len(),
            });
        }
        let key = match scheme {
            Self::Semver => super::semver::parse(text).ok_or_else(malformed)?,
            Self::Dotted => Key::Numeric(parse_dotted(text).ok_or_else(malformed)?),
            Self::VDotted => {
                let rest = text.strip_prefix('V').ok_or_else(malformed)?;
                Key::Numeric(parse_dotted(rest).ok_or_else(malformed)?)
            }
            Self::ServicePack => Key::Numeric(parse_service_pack(text).ok_or_else(malformed)?),
            Self::ReleaseTrain => {
                let rest = text.strip_prefix('R').ok_or_else(malformed)?;
                let (year, number) = rest.split_once('.').ok_or_else(malformed)?;
                if year.len() != 2 {
                    return Err(malformed());
                }
                Key::Numeric(vec![
                    integer(year).ok_or_else(malformed)?,
                    integer(number).ok_or_else(malformed)?,
                ])
            }
            Self::Calver => {
                let parts =
                    fixed_width_parts(text, &[Some(4), Some(2), None]).ok_or_else(malformed)?;
                if !(1..=12).contains(&parts[1]) {
                    return Err(malformed());
                }
                Key::Numeric(parts)
            }
            Self::Padded => Key::Numeric(
                fixed_width_parts(text, &[Some(2), Some(2), Some(2)]).ok_or_else(malformed)?,
            ),
        };
        Ok(Version::from_parts(scheme, text.to_owned(), key))
    }
}

/// Parses a run of ASCII digits (at least one) into an integer.
pub(super) fn integer(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Parses `N[.N]...` with 1 to [`MAX_DOTTED_COMPONENTS`] components.
fn parse_dotted(text: &str) -> Option<Vec<u64>> {
    let parts = text.split('.').map(integer).collect::<Option<Vec<u64>>>()?;
    (parts.len() <= MAX_DOTTED_COMPONENTS).then_some(parts)
}

/// Parses `MAJOR.MINOR[ SPn][ HFn]` into `[major, minor, sp, hf]`.
fn parse_service_pack(text: &str) -> Option<Vec<u64>> {
    let mut words = text.split(' ');
    let (major, minor) = words.next()?.split_once('.')?;
    let mut parts = vec![integer(major)?, integer(minor)?, 0, 0];
    let mut next = words.next();
    if let Some(service_pack) = next.and_then(|word| word.strip_prefix("SP")) {
        parts[2] = integer(service_pack)?;
        next = words.next();
    }
    if let Some(hotfix) = next.and_then(|word| word.strip_prefix("HF")) {
        parts[3] = integer(hotfix)?;
        next = words.next();
    }
    next.is_none().then_some(parts)
}

/// Parses dot-separated integers whose digit counts match `widths`
/// (`None` = any number of digits).
fn fixed_width_parts(text: &str, widths: &[Option<usize>]) -> Option<Vec<u64>> {
    let pieces: Vec<&str> = text.split('.').collect();
    if pieces.len() != widths.len() {
        return None;
    }
    pieces
        .iter()
        .zip(widths)
        .map(|(piece, width)| match width {
            Some(width) if piece.len() != *width => None,
            _ => integer(piece),
        })
        .collect()
}

impl fmt::Display for VersionScheme {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for VersionScheme {
    type Err = VersionError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|scheme| scheme.as_str() == value)
            .ok_or_else(|| VersionError::UnknownScheme {
                value: value.to_owned(),
            })
    }
}
