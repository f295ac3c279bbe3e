//! Security advisories and their per-product statements.
//!
//! An [`Advisory`] value is one revision of an advisory: like a republished
//! CSAF document, each revision is a full snapshot of what the vendor says,
//! so the current state is simply the latest revision.

use std::fmt;
use std::str::FromStr;

use time::Date;

use crate::cvss::Cvss;
use crate::ids::{AdvisoryId, CveId, CweId, ProductId};
use crate::range::VersionRange;
use crate::version::Version;

/// Why an advisory enumeration value could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdvisoryError {
    /// The text names no product status.
    #[error(
        "unknown product status `{value}`, expected one of known_affected, fixed, known_not_affected, under_investigation"
    )]
    UnknownStatus {
        /// The rejected text.
        value: String,
    },
    /// The text names no remediation category.
    #[error(
        "unknown remediation category `{value}`, expected one of vendor_fix, fix_planned, no_fix_planned, none_available, mitigation, workaround"
    )]
    UnknownRemediationCategory {
        /// The rejected text.
        value: String,
    },
}

/// What a statement says about the product versions in its ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// The versions are affected.
    KnownAffected,
    /// The versions contain the fix.
    Fixed,
    /// The versions are not affected.
    KnownNotAffected,
    /// The vendor has not decided yet.
    UnderInvestigation,
}

impl Status {
    /// Every status, in declaration order.
    pub const ALL: &'static [Status] = &[
        Self::KnownAffected,
        Self::Fixed,
        Self::KnownNotAffected,
        Self::UnderInvestigation,
    ];

    /// The stable identifier, e.g. `known_not_affected`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::KnownAffected => "known_affected",
            Self::Fixed => "fixed",
            Self::KnownNotAffected => "known_not_affected",
            Self::UnderInvestigation => "under_investigation",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = AdvisoryError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|status| status.as_str() == value)
            .ok_or_else(|| AdvisoryError::UnknownStatus {
                value: value.to_owned(),
            })
    }
}

/// The kind of remedy a statement offers (CSAF remediation categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RemediationCategory {
    /// A fixed firmware version is available.
    VendorFix,
    /// A fix is in preparation.
    FixPlanned,
    /// No fix will be provided.
    NoFixPlanned,
    /// No remedy is available at all.
    NoneAvailable,
    /// A configuration or deployment change reduces the risk.
    Mitigation,
    /// A workaround avoids the vulnerable function.
    Workaround,
}

impl RemediationCategory {
    /// Every category, in declaration order.
    pub const ALL: &'static [RemediationCategory] = &[
        Self::VendorFix,
        Self::FixPlanned,
        Self::NoFixPlanned,
        Self::NoneAvailable,
        Self::Mitigation,
        Self::Workaround,
    ];

    /// The stable identifier, e.g. `no_fix_planned`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::VendorFix => "vendor_fix",
            Self::FixPlanned => "fix_planned",
            Self::NoFixPlanned => "no_fix_planned",
            Self::NoneAvailable => "none_available",
            Self::Mitigation => "mitigation",
            Self::Workaround => "workaround",
        }
    }
}

impl fmt::Display for RemediationCategory {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for RemediationCategory {
    type Err = AdvisoryError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|category| category.as_str() == value)
            .ok_or_else(|| AdvisoryError::UnknownRemediationCategory {
                value: value.to_owned(),
            })
    }
}

/// The remedy a statement offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remediation {
    /// The kind of remedy.
    pub category: RemediationCategory,
    /// The first fixed version, for a vendor fix.
    pub fixed_version: Option<Version>,
    /// What to do, as the vendor words it (may span lines).
    pub details: String,
    /// Where to read more or download the fix.
    pub url: Option<String>,
}

/// One CVE an advisory covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisoryCve {
    /// The CVE identifier.
    pub id: CveId,
    /// A short title of the vulnerability.
    pub title: Option<String>,
    /// The weakness class.
    pub cwe: Option<CweId>,
    /// The CVSS v3.1 vector and score.
    pub cvss_v31: Option<Cvss>,
    /// The CVSS v4.0 vector and score.
    pub cvss_v40: Option<Cvss>,
}

/// What an advisory says about some CVEs on one product line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductStatement {
    /// The product line the statement is about.
    pub product: ProductId,
    /// The CVEs the statement is about.
    pub cves: Vec<CveId>,
    /// What the statement says about versions in its ranges.
    pub status: Status,
    /// The versions the statement covers; a version in any range is covered.
    pub ranges: Vec<VersionRange>,
    /// A label for the part of the line covered, e.g. a branch `V2.9`.
    pub scope: Option<String>,
    /// The affected versions as the vendor prints them.
    pub vendor_text: Option<String>,
    /// The remedy offered for the covered versions.
    pub remediation: Option<Remediation>,
}

/// A link from an advisory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The address.
    pub url: String,
    /// What the link points to.
    pub summary: Option<String>,
}

/// The revision an advisory value represents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// The vendor's revision number, e.g. `1.1` or `2.0`.
    pub number: String,
    /// When the revision was published.
    pub date: Date,
    /// What changed in this revision.
    pub summary: String,
}

/// One revision of a security advisory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advisory {
    /// The advisory identifier, e.g. `ACME-SA-2026-001`.
    pub id: AdvisoryId,
    /// The advisory title.
    pub title: String,
    /// The CVEs the advisory covers.
    pub cves: Vec<AdvisoryCve>,
    /// Per-product statements.
    pub statements: Vec<ProductStatement>,
    /// General mitigations, one per entry.
    pub mitigations: Vec<String>,
    /// Links to further information.
    pub references: Vec<Reference>,
    /// The revision this value represents.
    pub revision: Revision,
    /// Whether this revision withdraws the advisory; a withdrawn advisory
    /// says nothing about any product.
    pub withdrawn: bool,
    /// Whether the vulnerabilities are known to be exploited.
    pub known_exploited: bool,
}

impl Advisory {
    /// Whether the advisory (not withdrawn) has a `known_affected` statement
    /// for product line `product`.
    pub fn affects_product(&self, product: &ProductId) -> bool {
        !self.withdrawn
            && self.statements.iter().any(|statement| {
                statement.status == Status::KnownAffected && statement.product == *product
            })
    }

    /// The highest CVSS v3.1 base score among the advisory's CVEs.
    pub fn max_cvss_v31(&self) -> Option<f64> {
        self.cves
            .iter()
            .filter_map(|cve| cve.cvss_v31.as_ref().map(Cvss::base_score))
            .reduce(f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::parse_date;

    fn advisory(withdrawn: bool, status: Status) -> Advisory {
        Advisory {
            id: "ACME-SA-2026-001".parse().unwrap(),
            title: "Test".into(),
            cves: vec![AdvisoryCve {
                id: "CVE-2026-50412".parse().unwrap(),
                title: None,
                cwe: None,
                cvss_v31: Some(
                    "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N"
                        .parse()
                        .unwrap(),
                ),
                cvss_v40: None,
            }],
            statements: vec![ProductStatement {
                product: "plc-x500".parse().unwrap(),
                cves: vec!["CVE-2026-50412".parse().unwrap()],
                status,
                ranges: Vec::new(),
                scope: None,
                vendor_text: None,
                remediation: None,
            }],
            mitigations: Vec::new(),
            references: Vec::new(),
            revision: Revision {
                number: "1.0".into(),
                date: parse_date("2026-01-13").unwrap(),
                summary: "Initial publication".into(),
            },
            withdrawn,
            known_exploited: false,
        }
    }

    #[test]
    fn affects_product_needs_a_live_affected_statement() {
        let x500: ProductId = "plc-x500".parse().unwrap();
        let other: ProductId = "hmi-vp7".parse().unwrap();
        assert!(advisory(false, Status::KnownAffected).affects_product(&x500));
        assert!(!advisory(false, Status::KnownAffected).affects_product(&other));
        assert!(!advisory(true, Status::KnownAffected).affects_product(&x500));
        assert!(!advisory(false, Status::KnownNotAffected).affects_product(&x500));
        assert_eq!(advisory(false, Status::Fixed).max_cvss_v31(), Some(5.4));
    }

    #[test]
    fn enumerations_round_trip() {
        for status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>(), Ok(*status));
        }
        for category in RemediationCategory::ALL {
            assert_eq!(
                category.as_str().parse::<RemediationCategory>(),
                Ok(*category)
            );
        }
        assert!("affected".parse::<Status>().is_err());
        assert!("VendorFix".parse::<RemediationCategory>().is_err());
    }
}
