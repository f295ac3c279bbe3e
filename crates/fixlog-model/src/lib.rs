//! The domain model of fixlog, a firmware security update log for industrial
//! control equipment.
//!
//! The model answers one question: *which known vulnerabilities affect this
//! firmware version of this product, and which are fixed in it?* Its pieces:
//!
//! - [`Product`]: a product line with a [`DeviceClass`], a [`Lifecycle`] and
//!   the [`VersionScheme`] its firmware versions follow.
//! - [`Version`]: a version parsed under one scheme. Vendors number firmware
//!   in many ways (`V2.9.4`, `4.1.0.12`, `1.4 SP1 HF1`, `R21.3`, `2026.07.1`,
//!   `01.04.02`, SemVer); each scheme has its own grammar and order, and a
//!   version keeps its original text verbatim.
//! - [`VersionRange`]: `introduced` / `fixed` / `last_affected` / `limit`
//!   bounds, where `limit` closes a branch-scoped statement without being a
//!   fix. [`VersionRange::to_vers`] renders a `vers:` range where a `vers`
//!   scheme can order the versions.
//! - [`Advisory`]: one revision of a vendor advisory. Each revision is a full
//!   snapshot, so the current state is the latest revision; its
//!   [`ProductStatement`]s say, per product line and CVE, which ranges are
//!   affected, not affected or under investigation, and what
//!   [`Remediation`] exists.
//! - [`Release`]: a firmware version's release date, image files with their
//!   digests, and the CVEs it fixes.
//! - [`version_status`]: evaluates all current advisories for one product
//!   version into a [`VersionStatus`].
//!
//! Identifiers ([`CveId`], [`CweId`], [`ProductId`], [`AdvisoryId`]),
//! digests, dates and CVSS vectors are newtypes that can only be built by
//! parsing, so a value in hand is well formed. Free-text fields stay plain
//! `String`s; [`check_text`] is the shared check to run them through.
//!
//! The crate does no I/O and has no serialisation: formats and storage live
//! in other crates and convert to and from these types.

mod advisory;
mod cvss;
mod date;
mod digest;
mod ids;
mod product;
mod range;
mod release;
mod status;
mod text;
mod version;

pub use advisory::{
    Advisory, AdvisoryCve, AdvisoryError, ProductStatement, Reference, Remediation,
    RemediationCategory, Revision, Status,
};
pub use cvss::{Cvss, CvssError, CvssVersion};
pub use date::{DateError, format_date, parse_date};
pub use digest::{DigestError, Sha3_256Digest, Sha256Digest, Sha512Digest};
pub use ids::{AdvisoryId, CveId, CweId, IdError, ProductId};
pub use product::{DeviceClass, Lifecycle, LifecycleState, Product, ProductError};
pub use range::{RangeBound, RangeError, VersionRange};
pub use release::{FirmwareImage, Release};
pub use status::{VersionStatus, version_status};
pub use text::{TextError, TextKind, check_text};
pub use version::{Version, VersionError, VersionScheme};
