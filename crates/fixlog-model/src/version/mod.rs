//! Firmware versions: one [`Version`] type, ordered by its [`VersionScheme`].
//!
//! A version keeps its original text verbatim (for display and round trips)
//! next to a parsed key used for comparison. Equality, hashing and ordering
//! use only the scheme and the key, so in the dotted scheme `1.2 == 1.2.0`
//! and `01.2 == 1.2` while each still prints as written.

mod scheme;
mod semver;

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

pub use scheme::VersionScheme;
use semver::PreRelease;

/// Why a version (or version scheme name) could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// The text does not follow the scheme's grammar.
    #[error("`{text}` is not a valid {scheme} version, expected {expected}")]
    Malformed {
        /// The scheme the text was parsed under.
        scheme: VersionScheme,
        /// The rejected text.
        text: String,
        /// The shape the scheme expects.
        expected: &'static str,
    },
    /// The text is longer than any sane version.
    #[error("{scheme} version is {actual} bytes long, at most {max} are allowed")]
    TooLong {
        /// The scheme the text was parsed under.
        scheme: VersionScheme,
        /// The largest allowed length in bytes.
        max: usize,
        /// The length found.
        actual: usize,
    },
    /// The name is not one of the known version schemes.
    #[error(
        "unknown version scheme `{value}`, expected one of semver, dotted, v-dotted, service-pack, release-train, calver, padded"
    )]
    UnknownScheme {
        /// The rejected name.
        value: String,
    },
}

/// The comparison key of a version.
#[derive(Debug, Clone)]
pub(crate) enum Key {
    /// Integer components compared left to right; trailing zeros are not
    /// significant. Used by every scheme except semver.
    Numeric(Vec<u64>),
    /// A semver version without its build metadata.
    Semver {
        /// Major, minor and patch.
        core: [u64; 3],
        /// Pre-release identifiers, empty for a release.
        pre: Vec<PreRelease>,
    },
}

/// A firmware version parsed under a [`VersionScheme`].
///
/// Build one with [`VersionScheme::parse`]. Versions of different schemes
/// order by scheme first; within a scheme they order by the scheme's rule.
#[derive(Debug, Clone)]
pub struct Version {
    scheme: VersionScheme,
    text: String,
    key: Key,
}

impl Version {
    /// Assembles a version from already parsed parts.
    pub(crate) fn from_parts(scheme: VersionScheme, text: String, key: Key) -> Self {
        Self { scheme, text, key }
    }

    /// The scheme the version was parsed under.
    pub fn scheme(&self) -> VersionScheme {
        self.scheme
    }

    /// The original text, verbatim.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The version as a `vers` range component, normalised for the scheme's
    /// `vers` scheme: `V2.9.4` → `2.9.4`, `01.04.02` → `1.4.2`,
    /// `2026.02.0` → `2026.2.0`. Semver versions are returned as written.
    /// `None` for schemes without a `vers` scheme.
    pub fn to_vers_component(&self) -> Option<String> {
        self.scheme.vers_scheme()?;
        match &self.key {
            Key::Semver { .. } => Some(self.text.clone()),
            Key::Numeric(parts) => Some(
                parts
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join("."),
            ),
        }
    }

    /// The numeric components that matter for comparison: trailing zeros cut.
    fn significant(parts: &[u64]) -> &[u64] {
        let end = parts
            .iter()
            .rposition(|&part| part != 0)
            .map_or(0, |index| index + 1);
        &parts[..end]
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.scheme.hash(state);
        match &self.key {
            Key::Numeric(parts) => Self::significant(parts).hash(state),
            Key::Semver { core, pre } => {
                core.hash(state);
                pre.hash(state);
            }
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.scheme
            .cmp(&other.scheme)
            .then_with(|| match (&self.key, &other.key) {
                (Key::Numeric(left), Key::Numeric(right)) => {
                    Self::significant(left).cmp(Self::significant(right))
                }
                (
                    Key::Semver { core, pre },
                    Key::Semver {
                        core: other_core,
                        pre: other_pre,
                    },
                ) => semver::compare(core, pre, other_core, other_pre),
                // A scheme always produces the same kind of key, so mixed
                // keys only meet across schemes, which are decided above.
                (Key::Numeric(_), Key::Semver { .. }) => Ordering::Less,
                (Key::Semver { .. }, Key::Numeric(_)) => Ordering::Greater,
            })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(scheme: VersionScheme, text: &str) -> Version {
        scheme
            .parse(text)
            .unwrap_or_else(|error| panic!("{text}: {error}"))
    }

    /// Asserts that `texts` is strictly increasing under `scheme`.
    fn assert_increasing(scheme: VersionScheme, texts: &[&str]) {
        let versions: Vec<Version> = texts.iter().map(|text| parse(scheme, text)).collect();
        for pair in versions.windows(2) {
            assert!(pair[0] < pair[1], "{scheme}: {} < {}", pair[0], pair[1]);
            assert!(pair[1] > pair[0]);
            assert_ne!(pair[0], pair[1]);
        }
    }

    #[test]
    fn dotted_order() {
        assert_increasing(
            VersionScheme::Dotted,
            &[
                "0",
                "1",
                "1.0.1",
                "1.2",
                "1.10",
                "4.1.0.12",
                "4.1.0.120",
                "4.2.0.3",
                "10",
            ],
        );
        assert_eq!(
            parse(VersionScheme::Dotted, "1.2"),
            parse(VersionScheme::Dotted, "1.2.0")
        );
        assert_eq!(
            parse(VersionScheme::Dotted, "01.2"),
            parse(VersionScheme::Dotted, "1.2")
        );
        assert_eq!(parse(VersionScheme::Dotted, "1.2.0").as_str(), "1.2.0");
    }

    #[test]
    fn v_dotted_order() {
        assert_increasing(
            VersionScheme::VDotted,
            &["V2.8.0", "V2.9.0", "V2.9.4", "V2.9.10", "V3.0.0", "V3.0.1"],
        );
    }

    #[test]
    fn service_pack_order() {
        assert_increasing(
            VersionScheme::ServicePack,
            &[
                "1.2",
                "1.2 SP1",
                "1.3",
                "1.3 SP1",
                "1.3 SP2",
                "1.3 SP10",
                "1.4",
                "1.4 SP1",
                "1.4 SP1 HF1",
                "1.4 SP1 HF2",
                "1.4 SP2",
                "1.5",
            ],
        );
    }

    #[test]
    fn release_train_order() {
        assert_increasing(
            VersionScheme::ReleaseTrain,
            &["R21.1", "R21.3", "R21.10", "R22.2", "R25.2", "R26.1"],
        );
    }

    #[test]
    fn calver_order() {
        assert_increasing(
            VersionScheme::Calver,
            &[
                "2022.03.0",
                "2025.08.3",
                "2026.02.0",
                "2026.07.1",
                "2026.10.0",
                "2026.11.0",
            ],
        );
    }

    #[test]
    fn padded_order() {
        assert_increasing(
            VersionScheme::Padded,
            &[
                "01.02.00", "01.03.01", "01.04.00", "01.04.02", "01.05.00", "02.00.00",
            ],
        );
    }

    #[test]
    fn semver_order() {
        // The example list from semver.org §11.4.
        assert_increasing(
            VersionScheme::Semver,
            &[
                "1.0.0-alpha",
                "1.0.0-alpha.1",
                "1.0.0-alpha.beta",
                "1.0.0-beta",
                "1.0.0-beta.2",
                "1.0.0-beta.11",
                "1.0.0-rc.1",
                "1.0.0",
                "1.0.1",
                "1.1.0",
                "2.0.0",
                "10.0.0",
            ],
        );
        assert_eq!(
            parse(VersionScheme::Semver, "1.0.0+build.1"),
            parse(VersionScheme::Semver, "1.0.0+build.2")
        );
    }

    #[test]
    fn different_schemes_order_by_scheme() {
        let semver = parse(VersionScheme::Semver, "9.9.9");
        let dotted = parse(VersionScheme::Dotted, "1.0");
        assert!(semver < dotted);
        assert_ne!(
            parse(VersionScheme::Dotted, "2.9.4"),
            parse(VersionScheme::VDotted, "V2.9.4")
        );
    }

    #[test]
    fn rejects_malformed_versions() {
        let cases: &[(VersionScheme, &str)] = &[
            (VersionScheme::Semver, "1.0"),
            (VersionScheme::Semver, "01.0.0"),
            (VersionScheme::Semver, "1.0.0-01"),
            (VersionScheme::Semver, "1.0.0-"),
            (VersionScheme::Semver, "1.0.0+"),
            (VersionScheme::Semver, "v1.0.0"),
            (VersionScheme::Dotted, ""),
            (VersionScheme::Dotted, "1..2"),
            (VersionScheme::Dotted, "1.2."),
            (VersionScheme::Dotted, " 1.2"),
            (VersionScheme::Dotted, "1.-2"),
            (VersionScheme::Dotted, "1.2a"),
            (
                VersionScheme::Dotted,
                "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17",
            ),
            (VersionScheme::Dotted, "99999999999999999999"),
            (VersionScheme::VDotted, "2.9.4"),
            (VersionScheme::VDotted, "v2.9.4"),
            (VersionScheme::ServicePack, "1.4 HF1 SP1"),
            (VersionScheme::ServicePack, "1.4  SP1"),
            (VersionScheme::ServicePack, "1.4 SP"),
            (VersionScheme::ServicePack, "1.4.1"),
            (VersionScheme::ServicePack, "1 SP1"),
            (VersionScheme::ReleaseTrain, "R2021.3"),
            (VersionScheme::ReleaseTrain, "21.3"),
            (VersionScheme::ReleaseTrain, "R21"),
            (VersionScheme::Calver, "2026.7.1"),
            (VersionScheme::Calver, "2026.13.0"),
            (VersionScheme::Calver, "2026.00.0"),
            (VersionScheme::Calver, "26.07.1"),
            (VersionScheme::Padded, "1.04.02"),
            (VersionScheme::Padded, "01.04"),
            (VersionScheme::Padded, "01.04.002"),
        ];
        for (scheme, text) in cases {
            assert!(scheme.parse(text).is_err(), "{scheme} accepted {text:?}");
        }
        let error = VersionScheme::Padded.parse("1.2.3").unwrap_err();
        assert_eq!(
            error.to_string(),
            "`1.2.3` is not a valid padded version, expected NN.NN.NN with exactly two digits per part"
        );
        assert!(matches!(
            VersionScheme::Dotted.parse(&"1.".repeat(100)),
            Err(VersionError::TooLong { max: 128, .. })
        ));
    }

    #[test]
    fn vers_components() {
        let cases: &[(VersionScheme, &str, Option<&str>)] = &[
            (VersionScheme::VDotted, "V2.9.4", Some("2.9.4")),
            (VersionScheme::Padded, "01.04.02", Some("1.4.2")),
            (VersionScheme::Calver, "2026.02.0", Some("2026.2.0")),
            (VersionScheme::Dotted, "4.2.0.3", Some("4.2.0.3")),
            (VersionScheme::Semver, "1.0.0-rc.1", Some("1.0.0-rc.1")),
            (VersionScheme::ServicePack, "1.4 SP1", None),
            (VersionScheme::ReleaseTrain, "R21.3", None),
        ];
        for (scheme, text, expected) in cases {
            assert_eq!(
                parse(*scheme, text).to_vers_component().as_deref(),
                *expected,
                "{text}"
            );
        }
    }

    #[test]
    fn scheme_names_round_trip() {
        for scheme in VersionScheme::ALL {
            assert_eq!(scheme.as_str().parse::<VersionScheme>(), Ok(*scheme));
            let example = parse(*scheme, scheme.example());
            assert_eq!(example.to_string(), scheme.example());
        }
        assert!("intdot".parse::<VersionScheme>().is_err());
    }
}
