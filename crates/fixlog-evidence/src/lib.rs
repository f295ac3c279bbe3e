//! Evidence bundles for `fixlog monitor`: what was asked, what came back, what fixlog concluded,
//! sealed so an auditor can check it later without trusting the monitor's database.
//!
//! A bundle is a directory `<endpoint>/<YYYY>/<MM>/<UTC time>-<probe id>.evb/` holding
//! `capture.warc` (WARC/1.1: warcinfo, request, response, metadata with the TLS chain and
//! timings), `verdict.json`, `manifest.json` (SHA-256 of every file, the previous bundle's
//! manifest digest), `manifest.json.sig` (Ed25519) and optionally `manifest.json.tsr` (RFC 3161).
//!
//! The types below are the interface the monitor fills in; the writer and verifier live in
//! this crate.

pub mod bundle;
pub mod keys;
pub mod tsa;
pub mod verify;
pub mod warc;

use std::net::IpAddr;

pub use bundle::{BundleError, BundleRef, Writer};
pub use keys::{KeyError, load_or_create_key, parse_public_key};
pub use verify::{Finding, Report, VerifyError, verify_path};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Phase timings of one HTTP exchange, in milliseconds from the start of the attempt.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Name resolution.
    pub dns_ms: Option<f64>,
    /// TCP connect (after resolution).
    pub connect_ms: Option<f64>,
    /// TLS handshake (after connect); `None` for plain HTTP.
    pub tls_ms: Option<f64>,
    /// Request sent until the first byte of the response head.
    pub ttfb_ms: Option<f64>,
    /// Start of the attempt until the last byte of the body.
    pub total_ms: f64,
}

/// The TLS session of an exchange.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TlsFacts {
    /// Protocol version, e.g. `TLSv1.3`.
    pub version: String,
    /// Negotiated cipher suite, e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher: String,
    /// Server name sent (SNI).
    pub sni: Option<String>,
    /// Negotiated ALPN protocol.
    pub alpn: Option<String>,
    /// The peer's certificate chain as PEM blocks, leaf first.
    pub chain_pem: Vec<String>,
}

/// One HTTP request/response as it went over the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// The URL requested.
    pub target_uri: String,
    /// The address connected to.
    pub ip: Option<IpAddr>,
    /// When the attempt started (UTC).
    pub started: OffsetDateTime,
    /// Raw request bytes as written to the connection (request line, headers, body).
    pub request: Vec<u8>,
    /// Raw response bytes as read from the connection (status line, headers, body as
    /// transferred); empty when no response arrived.
    pub response: Vec<u8>,
    /// `http/1.1` or `h2`.
    pub protocol: String,
    /// TLS facts for `https`.
    pub tls: Option<TlsFacts>,
    /// Phase timings.
    pub timings: Timings,
    /// Why the attempt failed, if it did (transport error text).
    pub error: Option<String>,
}

/// Everything one bundle seals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BundleInput {
    /// Supplier name from the monitor configuration.
    pub supplier: String,
    /// Endpoint name (unique in the configuration); bundles chain per endpoint.
    pub endpoint: String,
    /// Probe id (UUID text).
    pub probe_id: String,
    /// Probe start and end (UTC).
    pub started: OffsetDateTime,
    /// Probe end (UTC).
    pub ended: OffsetDateTime,
    /// Every attempt of the probe, in order (retries are recorded, never hidden).
    pub exchanges: Vec<Exchange>,
    /// The verdict: assertions evaluated, failure class, verify-lite findings, detected changes.
    pub verdict: serde_json::Value,
    /// Why this bundle was written: `state-change`, `change-detected` or `daily`.
    pub reason: String,
    /// SHA-256 (hex) of the monitor configuration in force.
    pub config_sha256: String,
}
