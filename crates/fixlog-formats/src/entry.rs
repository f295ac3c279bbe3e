//! The entry document: what one log entry states, as JSON.
//!
//! The Merkle leaf of an entry is `SHA-256(0x00 ‖ canonical bytes)`, where the canonical bytes
//! are the RFC 8785 serialization of this document ([`EntryDoc::canonical_bytes`]). The JSON API
//! serves exactly this document, so any client can recompute the leaf from what it receives.
//!
//! ```json
//! {"affected":[{"cves":["CVE-2026-50412"],"product":"plc-x500","ranges":[{"fixed":"V3.2.0",
//!   "introduced":"V3.0.1","vers":"vers:intdot/>=3.0.1|<3.2.0"}],"status":"known_affected"}],
//!  "cves":["CVE-2026-50412"],"fixed_version":"V3.2.0","images":[{"name":"fw.bin","sha256":"…",
//!  "sha3_256":"…","size":196608}],"kind":"release","product":"plc-x500",
//!  "published":"2026-11-29T10:00:00.000000Z","release_date":"2026-01-13","seq":7}
//! ```

use serde::{Deserialize, Serialize};

use crate::canonical::{CanonicalError, to_canonical_bytes};

/// What an entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A product line was registered or its record (name, lifecycle…) changed.
    Product,
    /// A firmware release with its image digests and the CVEs it fixes.
    Release,
    /// A revision of a security advisory.
    Advisory,
    /// An advisory was withdrawn (its final revision).
    Withdrawal,
}

impl EntryKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Product => "product",
            Self::Release => "release",
            Self::Advisory => "advisory",
            Self::Withdrawal => "withdrawal",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "product" => Self::Product,
            "release" => Self::Release,
            "advisory" => Self::Advisory,
            "withdrawal" => Self::Withdrawal,
            _ => return None,
        })
    }
}

/// One log entry as published; the canonical form of this document is the Merkle leaf.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EntryDoc {
    /// Sequence number: Merkle leaf index + 1.
    pub seq: u64,
    /// What the entry records.
    pub kind: EntryKind,
    /// When the log accepted the entry (RFC 3339, UTC, microseconds; strictly increasing).
    pub published: String,
    /// The earlier entry this one corrects or replaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<u64>,
    /// The product line (product and release entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// CVE ids: fixed by the release, or covered by the advisory.
    pub cves: Vec<String>,
    /// Per-product statements: the advisory's, or for a release those current when it was
    /// published that its fixed CVEs fall under.
    pub affected: Vec<StatementDoc>,
    /// The fixed firmware version (release entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    /// The patch release date (release entries), `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_date: Option<String>,
    /// Firmware images of the release with their digests.
    pub images: Vec<ImageDoc>,
    /// The product record (product entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_record: Option<ProductDoc>,
    /// The advisory revision (advisory and withdrawal entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advisory: Option<AdvisoryDoc>,
}

impl EntryDoc {
    /// The RFC 8785 canonical bytes: the Merkle leaf data.
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, CanonicalError> {
        let value = serde_json::to_value(self).expect("entry documents always serialize");
        to_canonical_bytes(&value)
    }

    /// Parses canonical (or any JSON) bytes back into a document.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

/// A version range as published: bounds in the product's version scheme plus the derived
/// `vers:` string where a vers scheme can express it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RangeDoc {
    /// First affected version (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    /// First version with the fix (exclusive upper bound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    /// Last affected version (inclusive upper bound) when no fix exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
    /// Upper bound of a branch-scoped statement (exclusive); not a fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    /// The range as a `vers:` URI, where the scheme allows (derived; ignored on input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vers: Option<String>,
}

/// What a remediation offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RemediationDoc {
    /// `vendor_fix`, `fix_planned`, `no_fix_planned`, `none_available`, `mitigation`, `workaround`.
    pub category: String,
    /// The version that fixes the issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    /// Human-readable instructions.
    pub details: String,
    /// Where to get the fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One product statement of an advisory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StatementDoc {
    /// The product line.
    pub product: String,
    /// The CVEs the statement is about.
    pub cves: Vec<String>,
    /// `known_affected`, `fixed`, `known_not_affected` or `under_investigation`.
    pub status: String,
    /// The versions the statement covers.
    pub ranges: Vec<RangeDoc>,
    /// Branch or scope label as the vendor names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The range as the vendor printed it, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_text: Option<String>,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<RemediationDoc>,
}

/// A firmware image and its digests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ImageDoc {
    /// File name of the image.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// SHA3-256, lowercase hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha3_256: Option<String>,
    /// SHA-512, lowercase hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha512: Option<String>,
    /// Download location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Support lifecycle of a product line. On input a bare state string (`"active"`) is
/// accepted as shorthand for `{"state": "active"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(from = "LifecycleInput")]
pub struct LifecycleDoc {
    /// `active`, `mainstream_support`, `extended_support` or `end_of_life`.
    pub state: String,
    /// End of mainstream support, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mainstream_support_end: Option<String>,
    /// End of extended support, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_support_end: Option<String>,
    /// End of life, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_of_life: Option<String>,
}

/// What `lifecycle` may be on input.
#[derive(Deserialize)]
#[serde(untagged)]
enum LifecycleInput {
    State(String),
    Full(LifecycleFields),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LifecycleFields {
    state: String,
    #[serde(default)]
    mainstream_support_end: Option<String>,
    #[serde(default)]
    extended_support_end: Option<String>,
    #[serde(default)]
    end_of_life: Option<String>,
}

impl From<LifecycleInput> for LifecycleDoc {
    fn from(input: LifecycleInput) -> Self {
        match input {
            LifecycleInput::State(state) => LifecycleDoc {
                state,
                mainstream_support_end: None,
                extended_support_end: None,
                end_of_life: None,
            },
            LifecycleInput::Full(fields) => LifecycleDoc {
                state: fields.state,
                mainstream_support_end: fields.mainstream_support_end,
                extended_support_end: fields.extended_support_end,
                end_of_life: fields.end_of_life,
            },
        }
    }
}

/// A product line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductDoc {
    /// Stable identifier, e.g. `plc-x500`.
    pub id: String,
    /// Marketing name.
    pub name: String,
    /// Models or order numbers covered.
    #[serde(default)]
    pub models: Vec<String>,
    /// `plc`, `dcs`, `hmi`, `rtu`, `gateway`, `protection_relay` or `other`.
    pub device_class: String,
    /// How versions of this product are written and ordered.
    pub version_scheme: String,
    /// Support lifecycle.
    pub lifecycle: LifecycleDoc,
}

/// CVSS vector and base score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CvssDoc {
    /// The vector string, `CVSS:3.1/…` or `CVSS:4.0/…`.
    pub vector: String,
    /// The base score computed from the vector.
    pub score: f64,
    /// `none`, `low`, `medium`, `high` or `critical`.
    pub severity: String,
}

/// A vulnerability named by an advisory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AdvisoryCveDoc {
    /// The CVE id.
    pub id: String,
    /// Short title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// CWE id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwe: Option<String>,
    /// CVSS v3.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_v31: Option<CvssDoc>,
    /// CVSS v4.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_v40: Option<CvssDoc>,
}

/// A reference link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReferenceDoc {
    /// The URL.
    pub url: String,
    /// What it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// Revision metadata of an advisory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RevisionDoc {
    /// Revision number, e.g. `1`, `2` or the vendor's `1.1`.
    pub number: String,
    /// Revision date, `YYYY-MM-DD`.
    pub date: String,
    /// What changed.
    pub summary: String,
}

/// An advisory revision; its product statements are the entry's `affected`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AdvisoryDoc {
    /// Advisory id, e.g. `ACME-SA-2026-001`.
    pub id: String,
    /// Title.
    pub title: String,
    /// This revision.
    pub revision: RevisionDoc,
    /// Vulnerabilities with CWE and CVSS.
    pub vulnerabilities: Vec<AdvisoryCveDoc>,
    /// General mitigations.
    #[serde(default)]
    pub mitigations: Vec<String>,
    /// Reference links.
    #[serde(default)]
    pub references: Vec<ReferenceDoc>,
    /// Known to be exploited in the wild.
    #[serde(default)]
    pub known_exploited: bool,
    /// The advisory is withdrawn; its statements no longer apply.
    #[serde(default)]
    pub withdrawn: bool,
}
