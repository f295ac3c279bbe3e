//! CSAF 2.0 for fixlog: export, import, validation, and the OSV and CycloneDX 1.6 VEX renderings.
//!
//! Spec: [CSAF 2.0](https://docs.oasis-open.org/csaf/csaf/v2.0/os/csaf-v2.0-os.html) (OASIS
//! Standard, 18 November 2022, errata 01 schemas). A fixlog advisory becomes one
//! `csaf_security_advisory` whose `revision_history` has one item per log entry of that advisory:
//!
//! ```json
//! {"document": {"category": "csaf_security_advisory", "csaf_version": "2.0",
//!   "tracking": {"id": "ACME-SA-2026-001", "status": "final", "version": "2",
//!     "revision_history": [{"number": "1", "date": "2026-01-13T09:00:00.000Z", "summary": "…"},
//!                          {"number": "2", "date": "2026-02-10T09:00:00.000Z", "summary": "…"}]}},
//!  "product_tree": {"branches": [{"category": "vendor", "name": "ACME Industrial Controls",
//!    "branches": [{"category": "product_family", "name": "PLC", "branches": [
//!      {"category": "product_name", "name": "ACME Controlix X500", "branches": [
//!        {"category": "product_version_range", "name": "vers:intdot/>=3.0.1|<3.2.0", "product": {…}},
//!        {"category": "product_version", "name": "V3.2.0", "product": {"product_identification_helper":
//!          {"hashes": [{"filename": "x500.bin", "file_hashes": [{"algorithm": "sha256", "value": "…"}]}]}}}]}]}]}]},
//!  "vulnerabilities": [{"cve": "CVE-2026-50412", "product_status": {"known_affected": […], "fixed": […]},
//!    "remediations": [{"category": "vendor_fix", "date": "…", "product_ids": […], "details": "…"}]}]}
//! ```
//!
//! Everything here is pure: values in, values out. [`validate()`] runs the JSON Schema (compiled
//! in, `$ref`s answered locally) and the mandatory tests of §6.1 listed in
//! [`validate::IMPLEMENTED`]; [`export`] renders, [`import`] maps CSAF back into fixlog requests
//! and reports what it could not map; [`provider`] renders the §7.1 distribution files and
//! [`openpgp`] signs them (requirements 19–20); [`osv`]
//! and [`cyclonedx`] render the same advisory for other ecosystems.

pub mod cwe;
pub mod cyclonedx;
pub mod export;
pub mod import;
pub mod openpgp;
pub mod osv;
pub mod provider;
pub mod roundtrip;
pub mod schema;
pub mod validate;

pub use export::{
    AdvisoryHistory, ExportContext, LoggedRevision, ProductReleases, export_advisory,
};
pub use validate::{Finding, Report, validate};
