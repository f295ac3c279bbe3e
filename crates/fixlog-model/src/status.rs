//! Status evaluation: which CVEs affect one firmware version of one product.
//!
//! The rule is the fixture's (`acme-ics.gen.py`, `state_as_of`): every
//! non-withdrawn advisory's statements for the product are applied range by
//! range. A version inside a range takes the statement's status; a version
//! outside it but at or after the range's `fixed` (and below its `limit`)
//! counts as fixed when the statement is `known_affected`. A CVE that is
//! affected by any statement is never also reported as fixed.

use std::collections::BTreeSet;

use crate::advisory::{Advisory, RemediationCategory, Status};
use crate::ids::{CveId, ProductId};
use crate::version::Version;

/// The CVE status of one product version, derived from current advisories.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionStatus {
    /// CVEs whose `known_affected` ranges contain the version.
    pub affected: BTreeSet<CveId>,
    /// CVEs fixed in the version: a `known_affected` statement's fix is at
    /// or below it (within the statement's limit), or a `fixed` statement
    /// covers it; never a CVE that is also in `affected`.
    pub fixed: BTreeSet<CveId>,
    /// CVEs whose `known_not_affected` ranges contain the version.
    pub not_affected: BTreeSet<CveId>,
    /// CVEs whose `under_investigation` ranges contain the version.
    pub under_investigation: BTreeSet<CveId>,
    /// The part of `affected` whose containing statement says no fix is
    /// planned.
    pub no_fix_planned: BTreeSet<CveId>,
}

impl VersionStatus {
    /// Whether no advisory says anything about the version.
    pub fn is_empty(&self) -> bool {
        self.affected.is_empty()
            && self.fixed.is_empty()
            && self.not_affected.is_empty()
            && self.under_investigation.is_empty()
    }
}

/// Evaluates the CVE status of `version` of `product` against `advisories`.
///
/// Pass the current revision of each advisory (for a past snapshot, the
/// latest revision dated on or before it). Withdrawn advisories contribute
/// nothing.
pub fn version_status<'a>(
    product: &ProductId,
    version: &Version,
    advisories: impl IntoIterator<Item = &'a Advisory>,
) -> VersionStatus {
    let mut status = VersionStatus::default();
    let statements = advisories
        .into_iter()
        .filter(|advisory| !advisory.withdrawn)
        .flat_map(|advisory| &advisory.statements)
        .filter(|statement| statement.product == *product);
    for statement in statements {
        let no_fix_planned = statement
            .remediation
            .as_ref()
            .is_some_and(|remediation| remediation.category == RemediationCategory::NoFixPlanned);
        for range in &statement.ranges {
            let target = if range.contains(version) {
                match statement.status {
                    Status::KnownAffected if no_fix_planned => {
                        status.no_fix_planned.extend(statement.cves.iter().cloned());
                        &mut status.affected
                    }
                    Status::KnownAffected => &mut status.affected,
                    Status::Fixed => &mut status.fixed,
                    Status::KnownNotAffected => &mut status.not_affected,
                    Status::UnderInvestigation => &mut status.under_investigation,
                }
            } else if statement.status == Status::KnownAffected && range.is_fixed_in(version) {
                &mut status.fixed
            } else {
                continue;
            };
            target.extend(statement.cves.iter().cloned());
        }
    }
    let VersionStatus {
        affected, fixed, ..
    } = &mut status;
    fixed.retain(|cve| !affected.contains(cve));
    status
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisory::{ProductStatement, Remediation, Revision};
    use crate::date::parse_date;
    use crate::range::VersionRange;
    use crate::version::VersionScheme;

    const CVE: &str = "CVE-2026-50412";

    fn statement(
        status: Status,
        bounds: [Option<&str>; 3],
        category: Option<RemediationCategory>,
    ) -> ProductStatement {
        let [introduced, fixed, limit] = bounds;
        ProductStatement {
            product: "plc-x500".parse().unwrap(),
            cves: vec![CVE.parse().unwrap()],
            status,
            ranges: vec![
                VersionRange::parse(VersionScheme::VDotted, introduced, fixed, None, limit)
                    .unwrap(),
            ],
            scope: None,
            vendor_text: None,
            remediation: category.map(|category| Remediation {
                category,
                fixed_version: None,
                details: "Details.".into(),
                url: None,
            }),
        }
    }

    fn advisory(statements: Vec<ProductStatement>, withdrawn: bool) -> Advisory {
        Advisory {
            id: "ACME-SA-2026-001".parse().unwrap(),
            title: "Test".into(),
            cves: Vec::new(),
            statements,
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

    fn evaluate(advisories: &[Advisory], text: &str) -> VersionStatus {
        let version = VersionScheme::VDotted.parse(text).unwrap();
        version_status(&"plc-x500".parse().unwrap(), &version, advisories)
    }

    fn set(cves: &[&str]) -> BTreeSet<CveId> {
        cves.iter().map(|cve| cve.parse().unwrap()).collect()
    }

    #[test]
    fn affected_branch_beats_fix_on_another_branch() {
        // V3 fixed in V3.2.0; V2.9 branch affected with no fix planned.
        let advisories = [advisory(
            vec![
                statement(
                    Status::KnownAffected,
                    [Some("V3.0.1"), Some("V3.2.0"), None],
                    Some(RemediationCategory::VendorFix),
                ),
                statement(
                    Status::KnownAffected,
                    [Some("V2.9.0"), None, Some("V3.0.0")],
                    Some(RemediationCategory::NoFixPlanned),
                ),
            ],
            false,
        )];
        let old = evaluate(&advisories, "V2.9.4");
        assert_eq!(old.affected, set(&[CVE]));
        assert_eq!(old.no_fix_planned, set(&[CVE]));
        assert!(old.fixed.is_empty());
        let new = evaluate(&advisories, "V3.2.0");
        assert_eq!(new.fixed, set(&[CVE]));
        assert!(new.affected.is_empty() && new.no_fix_planned.is_empty());
        assert!(evaluate(&advisories, "V2.8.0").is_empty());
    }

    #[test]
    fn a_regression_is_affected_not_fixed() {
        // Fixed in V2.0.0, then reintroduced in V2.5.0.
        let advisories = [advisory(
            vec![
                statement(
                    Status::KnownAffected,
                    [Some("V1.0.0"), Some("V2.0.0"), None],
                    None,
                ),
                statement(Status::KnownAffected, [Some("V2.5.0"), None, None], None),
            ],
            false,
        )];
        assert_eq!(evaluate(&advisories, "V2.1.0").fixed, set(&[CVE]));
        let regressed = evaluate(&advisories, "V3.0.0");
        assert_eq!(regressed.affected, set(&[CVE]));
        assert!(regressed.fixed.is_empty());
    }

    #[test]
    fn limit_bounds_the_fix() {
        let advisories = [advisory(
            vec![statement(
                Status::KnownAffected,
                [Some("V2.9.0"), Some("V2.9.6"), Some("V3.0.0")],
                None,
            )],
            false,
        )];
        assert_eq!(evaluate(&advisories, "V2.9.6").fixed, set(&[CVE]));
        assert!(evaluate(&advisories, "V3.0.1").is_empty());
    }

    #[test]
    fn withdrawn_advisories_contribute_nothing() {
        let statements = vec![statement(
            Status::KnownAffected,
            [Some("V2.9.0"), None, None],
            None,
        )];
        assert!(evaluate(&[advisory(statements.clone(), true)], "V3.0.1").is_empty());
        assert_eq!(
            evaluate(&[advisory(statements, false)], "V3.0.1").affected,
            set(&[CVE])
        );
    }

    #[test]
    fn other_statuses_and_products() {
        let advisories = [advisory(
            vec![
                statement(
                    Status::KnownNotAffected,
                    [Some("V2.8.0"), None, Some("V2.9.0")],
                    None,
                ),
                statement(
                    Status::UnderInvestigation,
                    [Some("V2.9.0"), None, Some("V3.0.0")],
                    None,
                ),
                statement(Status::Fixed, [Some("V3.0.0"), None, None], None),
            ],
            false,
        )];
        assert_eq!(evaluate(&advisories, "V2.8.0").not_affected, set(&[CVE]));
        assert_eq!(
            evaluate(&advisories, "V2.9.4").under_investigation,
            set(&[CVE])
        );
        assert_eq!(evaluate(&advisories, "V3.1.0").fixed, set(&[CVE]));
        let version = VersionScheme::VDotted.parse("V2.8.0").unwrap();
        assert!(version_status(&"hmi-vp7".parse().unwrap(), &version, &advisories).is_empty());
    }
}
