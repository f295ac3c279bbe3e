//! CVSS vectors (v3.1 and v4.0) with their base scores.
//!
//! Parsing and scoring are delegated to the RustSec `cvss` crate, which
//! implements the FIRST specifications:
//! <https://www.first.org/cvss/v3.1/specification-document> (§7.1 base score
//! formula, Appendix A `Roundup`) and
//! <https://www.first.org/cvss/v4.0/specification-document>.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// The longest vector accepted, in bytes.
const MAX_VECTOR_LEN: usize = 256;

/// Why a CVSS vector could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CvssError {
    /// The vector does not start with `CVSS:3.1/` or `CVSS:4.0/`.
    #[error("unsupported cvss vector `{vector}`, expected a CVSS:3.1/ or CVSS:4.0/ prefix")]
    UnsupportedVersion {
        /// The rejected vector.
        vector: String,
    },
    /// The vector has a supported prefix but does not parse.
    #[error("invalid cvss vector `{vector}`: {reason}")]
    Invalid {
        /// The rejected vector.
        vector: String,
        /// The parser's explanation.
        reason: String,
    },
    /// The vector is longer than any valid vector.
    #[error("cvss vector is {actual} bytes long, at most {max} are allowed")]
    TooLong {
        /// The largest allowed length in bytes.
        max: usize,
        /// The length found.
        actual: usize,
    },
}

/// The CVSS specification version of a vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CvssVersion {
    /// CVSS v3.1.
    V3_1,
    /// CVSS v4.0.
    V4_0,
}

impl CvssVersion {
    /// The version as written in a vector prefix, e.g. `3.1`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V3_1 => "3.1",
            Self::V4_0 => "4.0",
        }
    }
}

/// A parsed CVSS vector with its base score.
///
/// Equality and hashing use the vector text; the score follows from it.
#[derive(Debug, Clone)]
pub struct Cvss {
    vector: String,
    version: CvssVersion,
    base_score: f64,
}

impl Cvss {
    /// The vector text as given, e.g. `CVSS:3.1/AV:N/AC:L/...`.
    pub fn vector(&self) -> &str {
        &self.vector
    }

    /// The CVSS version of the vector.
    pub fn version(&self) -> CvssVersion {
        self.version
    }

    /// The base score, 0.0 to 10.0 with one decimal.
    pub fn base_score(&self) -> f64 {
        self.base_score
    }

    /// The qualitative severity rating of the base score: `none`, `low`,
    /// `medium`, `high` or `critical` (the same bands in v3.1 and v4.0).
    pub fn severity(&self) -> &'static str {
        severity_of(self.base_score)
    }
}

/// The qualitative rating of a base score (CVSS v3.1 §5, v4.0 §6).
fn severity_of(score: f64) -> &'static str {
    if score <= 0.0 {
        "none"
    } else if score < 4.0 {
        "low"
    } else if score < 7.0 {
        "medium"
    } else if score < 9.0 {
        "high"
    } else {
        "critical"
    }
}

impl FromStr for Cvss {
    type Err = CvssError;

    fn from_str(vector: &str) -> Result<Self, Self::Err> {
        if vector.len() > MAX_VECTOR_LEN {
            return Err(CvssError::TooLong {
                max: MAX_VECTOR_LEN,
                actual: vector.len(),
            });
        }
        let invalid = |error: cvss::Error| CvssError::Invalid {
            vector: vector.to_owned(),
            reason: error.to_string(),
        };
        let (version, base_score) = if vector.starts_with("CVSS:3.1/") {
            let parsed = cvss::v3::Vector::from_str(vector).map_err(invalid)?;
            (CvssVersion::V3_1, parsed.base_score().value())
        } else if vector.starts_with("CVSS:4.0/") {
            let parsed = cvss::v4::Vector::from_str(vector).map_err(invalid)?;
            (CvssVersion::V4_0, parsed.score().value())
        } else {
            return Err(CvssError::UnsupportedVersion {
                vector: vector.to_owned(),
            });
        };
        Ok(Self {
            vector: vector.to_owned(),
            version,
            base_score,
        })
    }
}

impl PartialEq for Cvss {
    fn eq(&self, other: &Self) -> bool {
        self.vector == other.vector
    }
}

impl Eq for Cvss {}

impl Hash for Cvss {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.vector.hash(state);
    }
}

impl fmt::Display for Cvss {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.vector)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v31_base_scores_match_the_fixture() {
        // Vectors and scores from acme-ics.json `vulnerabilities[].cvss_v31`.
        let cases = [
            (
                "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N",
                5.4,
                "medium",
            ),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, "high"),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 7.4, "high"),
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8, "high"),
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                9.8,
                "critical",
            ),
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
                5.3,
                "medium",
            ),
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
                6.1,
                "medium",
            ),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0, "none"),
        ];
        for (vector, score, severity) in cases {
            let cvss: Cvss = vector.parse().unwrap();
            assert_eq!(cvss.version(), CvssVersion::V3_1);
            assert_eq!(cvss.base_score(), score, "{vector}");
            assert_eq!(cvss.severity(), severity, "{vector}");
            assert_eq!(cvss.vector(), vector);
        }
    }

    #[test]
    fn v40_vectors_are_scored() {
        let vector = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
        let cvss: Cvss = vector.parse().unwrap();
        assert_eq!(cvss.version(), CvssVersion::V4_0);
        assert_eq!(cvss.base_score(), 9.3);
        assert_eq!(cvss.severity(), "critical");
    }

    #[test]
    fn rejects_other_versions_and_garbage() {
        for bad in [
            "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "AV:N/AC:L/Au:N/C:P/I:P/A:P",
            "",
        ] {
            assert!(
                matches!(
                    bad.parse::<Cvss>(),
                    Err(CvssError::UnsupportedVersion { .. })
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            "CVSS:3.1/AV:X/AC:L".parse::<Cvss>(),
            Err(CvssError::Invalid { .. })
        ));
        assert!(matches!(
            "CVSS:4.0/AV:N".parse::<Cvss>(),
            Err(CvssError::Invalid { .. })
        ));
    }
}
