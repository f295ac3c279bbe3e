//! Affected version ranges and their `vers` rendering.
//!
//! A version `v` is in a range iff `v >= introduced` (or there is no
//! `introduced`), and (no `fixed` or `v < fixed`), and (no `last_affected` or
//! `v <= last_affected`), and (no `limit` or `v < limit`). `limit` bounds a
//! branch-scoped statement (the V2.9 branch is `introduced V2.9.0, limit
//! V3.0.0`); it is not a fix.

use std::fmt;

use crate::version::{Version, VersionError, VersionScheme};

/// One of the four bounds of a [`VersionRange`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RangeBound {
    /// The first affected version.
    Introduced,
    /// The first version with the fix.
    Fixed,
    /// The last affected version.
    LastAffected,
    /// The exclusive upper end of the statement's scope.
    Limit,
}

impl RangeBound {
    /// The bound's field name, e.g. `last_affected`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Introduced => "introduced",
            Self::Fixed => "fixed",
            Self::LastAffected => "last_affected",
            Self::Limit => "limit",
        }
    }
}

impl fmt::Display for RangeBound {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Why a version range could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    /// One bound's text is not a version of the range's scheme.
    #[error("range bound {bound} is invalid")]
    InvalidBound {
        /// The bound that failed.
        bound: RangeBound,
        /// Why its version did not parse.
        #[source]
        source: VersionError,
    },
    /// A bound uses a different scheme than the range's first bound.
    #[error("range bound {bound} uses scheme {actual}, expected {expected}")]
    MixedSchemes {
        /// The bound with the odd scheme.
        bound: RangeBound,
        /// The scheme of the range's first bound.
        expected: VersionScheme,
        /// The scheme found.
        actual: VersionScheme,
    },
    /// An upper bound is not above `introduced`.
    #[error("range bound {bound} `{upper}` must be greater than introduced `{introduced}`")]
    NotAboveIntroduced {
        /// The upper bound that failed (`fixed` or `limit`).
        bound: RangeBound,
        /// The upper bound's text.
        upper: String,
        /// The introduced version's text.
        introduced: String,
    },
    /// `last_affected` is below `introduced`.
    #[error(
        "range bound last_affected `{last_affected}` must not be below introduced `{introduced}`"
    )]
    LastAffectedBelowIntroduced {
        /// The last affected version's text.
        last_affected: String,
        /// The introduced version's text.
        introduced: String,
    },
    /// Both `fixed` and `last_affected` were given.
    #[error("a range takes fixed or last_affected, not both")]
    FixedAndLastAffected,
}

/// A range of affected versions of one scheme.
///
/// Build one with [`VersionRange::new`] or [`VersionRange::parse`], which
/// check that the bounds share a scheme and are in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VersionRange {
    /// The first affected version; `None` means from the first version on.
    pub introduced: Option<Version>,
    /// The first version that contains the fix (exclusive upper bound).
    pub fixed: Option<Version>,
    /// The last affected version (inclusive upper bound).
    pub last_affected: Option<Version>,
    /// The exclusive upper end of the statement's scope, not a fix.
    pub limit: Option<Version>,
}

impl VersionRange {
    /// Builds a range from parsed bounds, checking that all bounds share one
    /// scheme, that `fixed` and `limit` lie above `introduced`, that
    /// `last_affected` is not below it, and that `fixed` and `last_affected`
    /// are not both set.
    pub fn new(
        introduced: Option<Version>,
        fixed: Option<Version>,
        last_affected: Option<Version>,
        limit: Option<Version>,
    ) -> Result<Self, RangeError> {
        let range = Self {
            introduced,
            fixed,
            last_affected,
            limit,
        };
        let mut scheme = None;
        for (bound, version) in range.bounds() {
            match scheme {
                None => scheme = Some(version.scheme()),
                Some(expected) if expected != version.scheme() => {
                    return Err(RangeError::MixedSchemes {
                        bound,
                        expected,
                        actual: version.scheme(),
                    });
                }
                Some(_) => {}
            }
        }
        if range.fixed.is_some() && range.last_affected.is_some() {
            return Err(RangeError::FixedAndLastAffected);
        }
        if let Some(introduced) = &range.introduced {
            for (bound, upper) in [
                (RangeBound::Fixed, &range.fixed),
                (RangeBound::Limit, &range.limit),
            ] {
                if let Some(upper) = upper
                    && upper <= introduced
                {
                    return Err(RangeError::NotAboveIntroduced {
                        bound,
                        upper: upper.to_string(),
                        introduced: introduced.to_string(),
                    });
                }
            }
            if let Some(last_affected) = &range.last_affected
                && last_affected < introduced
            {
                return Err(RangeError::LastAffectedBelowIntroduced {
                    last_affected: last_affected.to_string(),
                    introduced: introduced.to_string(),
                });
            }
        }
        Ok(range)
    }

    /// Parses each given bound under `scheme` and builds the range; a bound
    /// that does not parse is named in [`RangeError::InvalidBound`].
    pub fn parse(
        scheme: VersionScheme,
        introduced: Option<&str>,
        fixed: Option<&str>,
        last_affected: Option<&str>,
        limit: Option<&str>,
    ) -> Result<Self, RangeError> {
        let parse_bound = |bound: RangeBound, text: Option<&str>| {
            text.map(|text| scheme.parse(text))
                .transpose()
                .map_err(|source| RangeError::InvalidBound { bound, source })
        };
        Self::new(
            parse_bound(RangeBound::Introduced, introduced)?,
            parse_bound(RangeBound::Fixed, fixed)?,
            parse_bound(RangeBound::LastAffected, last_affected)?,
            parse_bound(RangeBound::Limit, limit)?,
        )
    }

    /// The bounds that are set, in field order.
    fn bounds(&self) -> impl Iterator<Item = (RangeBound, &Version)> {
        [
            (RangeBound::Introduced, &self.introduced),
            (RangeBound::Fixed, &self.fixed),
            (RangeBound::LastAffected, &self.last_affected),
            (RangeBound::Limit, &self.limit),
        ]
        .into_iter()
        .filter_map(|(bound, version)| version.as_ref().map(|version| (bound, version)))
    }

    /// The scheme of the range's bounds; `None` for a range without bounds.
    pub fn scheme(&self) -> Option<VersionScheme> {
        self.bounds().next().map(|(_, version)| version.scheme())
    }

    /// Whether `version` lies in the range. A version of another scheme
    /// never does.
    pub fn contains(&self, version: &Version) -> bool {
        if self
            .scheme()
            .is_some_and(|scheme| scheme != version.scheme())
        {
            return false;
        }
        self.introduced
            .as_ref()
            .is_none_or(|introduced| version >= introduced)
            && self.fixed.as_ref().is_none_or(|fixed| version < fixed)
            && self
                .last_affected
                .as_ref()
                .is_none_or(|last_affected| version <= last_affected)
            && self.limit.as_ref().is_none_or(|limit| version < limit)
    }

    /// Whether `version` is at or after the range's fix while still below its
    /// `limit`: the version is in the statement's scope and carries the fix.
    /// Always false for a range without `fixed`.
    pub fn is_fixed_in(&self, version: &Version) -> bool {
        let Some(fixed) = &self.fixed else {
            return false;
        };
        fixed.scheme() == version.scheme()
            && version >= fixed
            && self.limit.as_ref().is_none_or(|limit| version < limit)
    }

    /// The range as a `vers` string such as `vers:intdot/>=4.1.0.12|<4.2.2.2`,
    /// or `None` where the scheme has no `vers` scheme.
    ///
    /// The lower constraint is `>=introduced`; of the upper bounds only the
    /// lowest is written (`<fixed`, `<limit` or `<=last_affected`, preferring
    /// that order on ties). A range without bounds is `vers:<scheme>/*`.
    pub fn to_vers(&self) -> Option<String> {
        let vers_scheme = self.scheme()?.vers_scheme()?;
        let mut constraints = Vec::new();
        if let Some(introduced) = &self.introduced {
            constraints.push(format!(">={}", introduced.to_vers_component()?));
        }
        let uppers = [
            ("<", &self.fixed),
            ("<", &self.limit),
            ("<=", &self.last_affected),
        ];
        let mut lowest: Option<(&str, &Version)> = None;
        for (operator, version) in uppers {
            if let Some(version) = version
                && lowest.is_none_or(|(_, current)| version < current)
            {
                lowest = Some((operator, version));
            }
        }
        if let Some((operator, version)) = lowest {
            constraints.push(format!("{operator}{}", version.to_vers_component()?));
        }
        if constraints.is_empty() {
            constraints.push("*".to_owned());
        }
        Some(format!("vers:{vers_scheme}/{}", constraints.join("|")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(scheme: VersionScheme, text: &str) -> Version {
        scheme.parse(text).unwrap()
    }

    #[test]
    fn contains_follows_each_bound() {
        let scheme = VersionScheme::VDotted;
        let branch =
            VersionRange::parse(scheme, Some("V2.9.0"), Some("V2.9.6"), None, Some("V3.0.0"))
                .unwrap();
        let cases = [
            ("V2.8.0", false),
            ("V2.9.0", true),
            ("V2.9.5", true),
            ("V2.9.6", false),
            ("V3.0.1", false),
        ];
        for (text, expected) in cases {
            assert_eq!(branch.contains(&version(scheme, text)), expected, "{text}");
        }
        assert!(branch.is_fixed_in(&version(scheme, "V2.9.6")));
        assert!(
            !branch.is_fixed_in(&version(scheme, "V3.0.1")),
            "limit bounds the fix"
        );
        assert!(!branch.is_fixed_in(&version(scheme, "V2.9.5")));

        let inclusive =
            VersionRange::parse(scheme, Some("V1.0.0"), None, Some("V1.2.0"), None).unwrap();
        assert!(inclusive.contains(&version(scheme, "V1.2.0")));
        assert!(!inclusive.contains(&version(scheme, "V1.2.1")));
        assert!(!inclusive.is_fixed_in(&version(scheme, "V1.2.1")));

        let open = VersionRange::parse(scheme, Some("V1.0.0"), None, None, None).unwrap();
        assert!(open.contains(&version(scheme, "V99.0.0")));
        assert!(
            !open.contains(&version(VersionScheme::Dotted, "99.0.0")),
            "other scheme"
        );

        let unbounded = VersionRange::new(None, None, None, None).unwrap();
        assert!(unbounded.contains(&version(scheme, "V0.0.1")));
        assert_eq!(unbounded.to_vers(), None);
    }

    #[test]
    fn service_pack_range() {
        let scheme = VersionScheme::ServicePack;
        let range =
            VersionRange::parse(scheme, Some("1.4"), Some("1.4 SP1 HF1"), None, Some("1.5"))
                .unwrap();
        assert!(range.contains(&version(scheme, "1.4 SP1")));
        assert!(!range.contains(&version(scheme, "1.4 SP1 HF1")));
        assert!(range.is_fixed_in(&version(scheme, "1.4 SP2")));
        assert!(!range.contains(&version(scheme, "1.3 SP3")));
        assert_eq!(range.to_vers(), None);
    }

    #[test]
    fn rejects_bad_ranges() {
        let scheme = VersionScheme::Dotted;
        assert!(matches!(
            VersionRange::parse(scheme, Some("4.1"), Some("x"), None, None),
            Err(RangeError::InvalidBound {
                bound: RangeBound::Fixed,
                ..
            })
        ));
        assert!(matches!(
            VersionRange::parse(scheme, Some("4.1"), None, None, Some("4.1.0")),
            Err(RangeError::NotAboveIntroduced {
                bound: RangeBound::Limit,
                ..
            })
        ));
        assert!(matches!(
            VersionRange::parse(scheme, Some("4.1"), Some("4.0"), None, None),
            Err(RangeError::NotAboveIntroduced {
                bound: RangeBound::Fixed,
                ..
            })
        ));
        assert_eq!(
            VersionRange::parse(scheme, Some("4.1"), Some("4.2"), Some("4.1.5"), None),
            Err(RangeError::FixedAndLastAffected)
        );
        assert!(matches!(
            VersionRange::parse(scheme, Some("4.1"), None, Some("4.0"), None),
            Err(RangeError::LastAffectedBelowIntroduced { .. })
        ));
        let mixed = VersionRange::new(
            Some(version(scheme, "1.0")),
            Some(version(VersionScheme::VDotted, "V2.0")),
            None,
            None,
        );
        assert_eq!(
            mixed,
            Err(RangeError::MixedSchemes {
                bound: RangeBound::Fixed,
                expected: VersionScheme::Dotted,
                actual: VersionScheme::VDotted
            })
        );
        // A single-version range (last_affected == introduced) is allowed.
        assert!(VersionRange::parse(scheme, Some("4.1"), None, Some("4.1.0"), None).is_ok());
    }

    /// A scheme, the four bounds, and the expected `vers` string.
    type VersCase<'a> = (VersionScheme, [Option<&'a str>; 4], Option<&'a str>);

    #[test]
    fn vers_strings() {
        let cases: &[VersCase<'_>] = &[
            (
                VersionScheme::Dotted,
                [Some("4.1.0.12"), Some("4.2.2.2"), None, None],
                Some("vers:intdot/>=4.1.0.12|<4.2.2.2"),
            ),
            (
                VersionScheme::VDotted,
                [Some("V2.9.0"), Some("V2.9.6"), None, Some("V3.0.0")],
                Some("vers:intdot/>=2.9.0|<2.9.6"),
            ),
            (
                VersionScheme::VDotted,
                [Some("V2.9.0"), None, None, Some("V3.0.0")],
                Some("vers:intdot/>=2.9.0|<3.0.0"),
            ),
            (
                VersionScheme::Padded,
                [Some("01.03.01"), None, None, None],
                Some("vers:intdot/>=1.3.1"),
            ),
            (
                VersionScheme::Calver,
                [Some("2022.03.0"), Some("2026.02.0"), None, None],
                Some("vers:intdot/>=2022.3.0|<2026.2.0"),
            ),
            (
                VersionScheme::Dotted,
                [Some("1.0"), None, Some("1.5"), Some("2.0")],
                Some("vers:intdot/>=1.0|<=1.5"),
            ),
            (
                VersionScheme::Dotted,
                [Some("1.0"), None, Some("3.0"), Some("2.0")],
                Some("vers:intdot/>=1.0|<2.0"),
            ),
            (
                VersionScheme::Dotted,
                [None, Some("2.0"), None, None],
                Some("vers:intdot/<2.0"),
            ),
            (
                VersionScheme::Semver,
                [Some("1.0.0-rc.1"), Some("1.0.1"), None, None],
                Some("vers:semver/>=1.0.0-rc.1|<1.0.1"),
            ),
            (
                VersionScheme::ReleaseTrain,
                [Some("R21.1"), Some("R26.1"), None, None],
                None,
            ),
        ];
        for (scheme, [introduced, fixed, last_affected, limit], expected) in cases {
            let range =
                VersionRange::parse(*scheme, *introduced, *fixed, *last_affected, *limit).unwrap();
            assert_eq!(range.to_vers().as_deref(), *expected);
        }
    }
}
