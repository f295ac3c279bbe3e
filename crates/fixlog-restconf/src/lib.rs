//! The log as an RFC 8639 event stream over RESTCONF (RFC 8650): wire bodies, no I/O.
//!
//! One SSE event of the `fwsec-log` stream (RFC 8040 §6.4; RFC 7951 JSON):
//!
//! ```text
//! data: {"ietf-restconf:notification":{"eventTime":"2026-11-29T10:00:00.000000Z",
//!   "fwsec-log:firmware-security-update":{"sequence-number":7,"leaf-hash":"9f…",
//!   "kind":"release","published":"2026-11-29T10:00:00.000000Z","product":"plc-x500",
//!   "device-class":["plc"],"cve":["CVE-2026-50412"],"fixed-version":"V3.2.0",
//!   "release-date":"2026-01-13","image":[{"name":"fw.bin","size":"196608",
//!   "digest":[{"algorithm":"sha-256","value":"…"}]}]}}}
//! ```
//!
//! - [`notification`]: entry document ↔ `fwsec-log:firmware-security-update` (one to one);
//! - [`filter`]: subtree and XPath stream filters on that notification;
//! - [`rpc`]: `establish-`, `modify-`, `delete-`, `kill-subscription` bodies and the
//!   state change notifications;
//! - [`errors`]: `ietf-restconf:errors` bodies with the RFC 8650 §3.3 status mapping;
//! - [`discovery`]: host-meta, `streams`, YANG library.
//!
//! Specs: <https://www.rfc-editor.org/rfc/rfc8639>, <https://www.rfc-editor.org/rfc/rfc8650>,
//! <https://www.rfc-editor.org/rfc/rfc8040>, <https://www.rfc-editor.org/rfc/rfc7951>.

pub mod discovery;
pub mod errors;
pub mod filter;
pub mod notification;
pub mod rpc;

/// The fixlog YANG module.
pub const MODULE: &str = "fwsec-log";
/// Its revision.
pub const REVISION: &str = "2026-11-29";
/// Its namespace.
pub const NAMESPACE: &str = "urn:fixlog:params:xml:ns:yang:fwsec-log";
/// The notification carrying one log entry.
pub const NOTIFICATION: &str = "firmware-security-update";
/// The name of the log's event stream.
pub const STREAM: &str = "fwsec-log";
/// `ietf-subscribed-notifications` (RFC 8639).
pub const SN: &str = "ietf-subscribed-notifications";
/// `ietf-restconf-subscribed-notifications` (RFC 8650).
pub const RSN: &str = "ietf-restconf-subscribed-notifications";
