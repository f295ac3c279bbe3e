//! WARC/1.1 (ISO 28500:2017) writing and reading, for `capture.warc`.
//!
//! <https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/>
//!
//! ```text
//! WARC/1.1
//! WARC-Type: response
//! WARC-Record-ID: <urn:uuid:6f0b…>
//! WARC-Date: 2026-03-01T10:00:00.250Z
//! WARC-Target-URI: https://psirt.acme.example/api/v1/entries
//! WARC-IP-Address: 192.0.2.10
//! WARC-Concurrent-To: <urn:uuid:1c2d…>
//! WARC-Protocol: http/1.1
//! WARC-Protocol: tls/1.3
//! WARC-Cipher-Suite: TLS_AES_256_GCM_SHA384
//! Content-Type: application/http;msgtype=response
//! WARC-Block-Digest: sha256:PD4ZQ…====
//! WARC-Payload-Digest: sha256:3TQXJ…====
//! Content-Length: 1234
//!
//! HTTP/1.1 200 OK …
//! ```
//!
//! A capture holds one `warcinfo` record, then per attempt a `request`, a `response` (when one
//! arrived) and a `metadata` record (`application/json`, see [`ExchangeMetadata`]) concurrent
//! to the response — or to the request when the attempt failed — carrying the TLS chain, SNI,
//! ALPN, timings and the error. Digests are `sha256:` + RFC 4648 base32 (padded), the form
//! `warcio check` compares directly. The payload digest covers the bytes after the HTTP header
//! block as transferred, which is what `warcio` computes.
//!
//! Record ids are UUIDv8 values derived from the probe id and the record's position, so a
//! capture is reproducible from its input and ids never repeat across probes.

use data_encoding::{BASE32, HEXLOWER_PERMISSIVE};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{BundleInput, Exchange, Timings};

/// The `Content-Type` of the metadata records.
pub const METADATA_CONTENT_TYPE: &str = "application/json";

/// Errors reading a WARC file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WarcError {
    /// A record does not start with a `WARC/1.x` version line.
    #[error("record at byte {offset}: expected a WARC/1.0 or WARC/1.1 version line")]
    Version {
        /// Byte offset of the record.
        offset: usize,
    },
    /// A header line is not `Name: value`.
    #[error("record at byte {offset}: malformed header line {line:?}")]
    Header {
        /// Byte offset of the record.
        offset: usize,
        /// The line.
        line: String,
    },
    /// `Content-Length` is missing or not a number.
    #[error("record at byte {offset}: missing or invalid Content-Length")]
    ContentLength {
        /// Byte offset of the record.
        offset: usize,
    },
    /// The file ends inside a record.
    #[error("record at byte {offset}: truncated (block or trailing CRLF CRLF missing)")]
    Truncated {
        /// Byte offset of the record.
        offset: usize,
    },
}

/// One parsed record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Byte offset of the record in the file.
    pub offset: usize,
    /// `WARC/1.1` or `WARC/1.0`.
    pub version: String,
    /// Header fields in order (names as written).
    pub headers: Vec<(String, String)>,
    /// The record block.
    pub block: Vec<u8>,
}

impl Record {
    /// The first value of the named header (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// `WARC-Type`.
    pub fn record_type(&self) -> Option<&str> {
        self.header("WARC-Type")
    }
}

/// What a metadata record holds about one attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExchangeMetadata {
    /// `fixlog-evidence/exchange-metadata/v1`.
    pub schema: String,
    /// TLS version, e.g. `TLSv1.3`.
    pub tls_version: Option<String>,
    /// Cipher suite.
    pub tls_cipher: Option<String>,
    /// SNI sent.
    pub sni: Option<String>,
    /// Negotiated ALPN protocol.
    pub alpn: Option<String>,
    /// The peer's certificate chain, PEM, leaf first.
    pub certificate_chain_pem: Vec<String>,
    /// Phase timings (milliseconds).
    pub timings: Timings,
    /// Transport error, when the attempt failed.
    pub error: Option<String>,
}

/// `sha256:` + padded base32 of SHA-256(`bytes`).
pub fn sha256_label(bytes: &[u8]) -> String {
    format!("sha256:{}", BASE32.encode(&Sha256::digest(bytes)))
}

/// Whether a `sha256:` digest label (base32 or hex) names SHA-256(`bytes`); `None` when the
/// algorithm is not SHA-256 or the value does not decode.
pub fn digest_matches(label: &str, bytes: &[u8]) -> Option<bool> {
    let (algorithm, value) = label.split_once(':')?;
    if !algorithm.eq_ignore_ascii_case("sha256") {
        return None;
    }
    let decoded = BASE32
        .decode(value.as_bytes())
        .or_else(|_| HEXLOWER_PERMISSIVE.decode(value.as_bytes()))
        .ok()?;
    Some(decoded.as_slice() == Sha256::digest(bytes).as_slice())
}

/// The HTTP payload of a raw message: the bytes after the first CRLF CRLF.
pub fn http_payload(message: &[u8]) -> Option<&[u8]> {
    message
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .map(|end| &message[end + 4..])
}

/// Serializes the capture of `input`: warcinfo, then request/response/metadata per attempt.
pub fn write_capture(input: &BundleInput, software: &str) -> Vec<u8> {
    let mut writer = CaptureWriter {
        probe_id: &input.probe_id,
        next: 0,
        out: Vec::new(),
    };
    let warcinfo_id = writer.next_id();
    let mut fields = format!(
        "software: {software}\r\nformat: WARC File Format 1.1\r\n\
         conformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n\
         fixlog-probe-id: {}\r\nfixlog-endpoint: {}\r\nfixlog-supplier: {}\r\n\
         fixlog-reason: {}\r\nfixlog-config-sha256: {}\r\n",
        one_line(&input.probe_id),
        one_line(&input.endpoint),
        one_line(&input.supplier),
        one_line(&input.reason),
        one_line(&input.config_sha256),
    );
    fields.push_str(&format!("fixlog-attempts: {}\r\n", input.exchanges.len()));
    writer.record(
        &[
            ("WARC-Type", "warcinfo".to_owned()),
            ("WARC-Record-ID", warcinfo_id.clone()),
            ("WARC-Date", warc_date(input.started)),
            ("WARC-Filename", "capture.warc".to_owned()),
            ("Content-Type", "application/warc-fields".to_owned()),
        ],
        fields.as_bytes(),
        false,
    );
    for exchange in &input.exchanges {
        writer.exchange(exchange, &warcinfo_id);
    }
    writer.out
}

struct CaptureWriter<'a> {
    probe_id: &'a str,
    next: u32,
    out: Vec<u8>,
}

impl CaptureWriter<'_> {
    /// A UUIDv8 (RFC 9562 §5.8) from SHA-256 of the probe id and the record's position.
    fn next_id(&mut self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"fixlog-evidence warc record\0");
        hasher.update(self.probe_id.as_bytes());
        hasher.update(self.next.to_be_bytes());
        self.next += 1;
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&hasher.finalize()[..16]);
        bytes[6] = (bytes[6] & 0x0f) | 0x80;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex = hex::encode(bytes);
        format!(
            "<urn:uuid:{}-{}-{}-{}-{}>",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }

    fn exchange(&mut self, exchange: &Exchange, warcinfo_id: &str) {
        let request_id = self.next_id();
        let response_id = (!exchange.response.is_empty()).then(|| self.next_id());
        let metadata_id = self.next_id();
        let date = warc_date(exchange.started);
        let mut common = vec![
            ("WARC-Target-URI", one_line(&exchange.target_uri)),
            ("WARC-Date", date.clone()),
        ];
        if let Some(ip) = exchange.ip {
            common.push(("WARC-IP-Address", ip.to_string()));
        }
        common.push(("WARC-Warcinfo-ID", warcinfo_id.to_owned()));
        let mut protocols = vec![("WARC-Protocol", one_line(&exchange.protocol.to_lowercase()))];
        if let Some(tls) = &exchange.tls {
            protocols.push(("WARC-Protocol", tls_protocol(&tls.version)));
            protocols.push(("WARC-Cipher-Suite", iana_cipher(&tls.cipher)));
        }

        let mut headers = vec![
            ("WARC-Type", "request".to_owned()),
            ("WARC-Record-ID", request_id.clone()),
        ];
        headers.extend(common.iter().cloned());
        if let Some(response_id) = &response_id {
            headers.push(("WARC-Concurrent-To", response_id.clone()));
        }
        headers.extend(protocols.iter().cloned());
        headers.push((
            "Content-Type",
            "application/http;msgtype=request".to_owned(),
        ));
        self.record(&headers, &exchange.request, false);

        if let Some(response_id) = &response_id {
            let mut headers = vec![
                ("WARC-Type", "response".to_owned()),
                ("WARC-Record-ID", response_id.clone()),
            ];
            headers.extend(common.iter().cloned());
            headers.push(("WARC-Concurrent-To", request_id.clone()));
            headers.extend(protocols.iter().cloned());
            headers.push((
                "Content-Type",
                "application/http;msgtype=response".to_owned(),
            ));
            self.record(&headers, &exchange.response, true);
        }

        let metadata = ExchangeMetadata {
            schema: "fixlog-evidence/exchange-metadata/v1".to_owned(),
            tls_version: exchange.tls.as_ref().map(|tls| tls.version.clone()),
            tls_cipher: exchange.tls.as_ref().map(|tls| tls.cipher.clone()),
            sni: exchange.tls.as_ref().and_then(|tls| tls.sni.clone()),
            alpn: exchange.tls.as_ref().and_then(|tls| tls.alpn.clone()),
            certificate_chain_pem: exchange
                .tls
                .as_ref()
                .map(|tls| tls.chain_pem.clone())
                .unwrap_or_default(),
            timings: exchange.timings.clone(),
            error: exchange.error.clone(),
        };
        let mut block = serde_json::to_vec_pretty(&metadata).unwrap_or_default();
        block.push(b'\n');
        let mut headers = vec![
            ("WARC-Type", "metadata".to_owned()),
            ("WARC-Record-ID", metadata_id),
        ];
        headers.extend(common.iter().cloned());
        headers.push((
            "WARC-Concurrent-To",
            response_id.clone().unwrap_or(request_id),
        ));
        headers.push(("Content-Type", METADATA_CONTENT_TYPE.to_owned()));
        self.record(&headers, &block, false);
    }

    fn record(&mut self, headers: &[(&str, String)], block: &[u8], with_payload: bool) {
        self.out.extend_from_slice(b"WARC/1.1\r\n");
        for (name, value) in headers {
            self.out
                .extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        let digest = format!("WARC-Block-Digest: {}\r\n", sha256_label(block));
        self.out.extend_from_slice(digest.as_bytes());
        if with_payload && let Some(payload) = http_payload(block) {
            let digest = format!("WARC-Payload-Digest: {}\r\n", sha256_label(payload));
            self.out.extend_from_slice(digest.as_bytes());
        }
        let length = format!("Content-Length: {}\r\n\r\n", block.len());
        self.out.extend_from_slice(length.as_bytes());
        self.out.extend_from_slice(block);
        self.out.extend_from_slice(b"\r\n\r\n");
    }
}

/// `WARC-Date`: UTC, ISO 8601, sub-second precision as WARC/1.1 §5.4 allows.
fn warc_date(when: OffsetDateTime) -> String {
    when.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

/// Header values are single lines: control characters become spaces.
fn one_line(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `TLSv1.3` → `tls/1.3` (the WARC-Protocol registry form).
fn tls_protocol(version: &str) -> String {
    let lower = one_line(version).to_lowercase();
    match lower.strip_prefix("tlsv") {
        Some(number) => format!("tls/{number}"),
        None => lower,
    }
}

/// rustls names TLS 1.3 suites `TLS13_…`; the IANA registry name is `TLS_…`.
fn iana_cipher(cipher: &str) -> String {
    let cipher = one_line(cipher);
    match cipher.strip_prefix("TLS13_") {
        Some(rest) => format!("TLS_{rest}"),
        None => cipher,
    }
}

/// Parses every record of an uncompressed WARC file.
pub fn read_records(bytes: &[u8]) -> Result<Vec<Record>, WarcError> {
    let mut records = Vec::new();
    let mut position = 0;
    while position < bytes.len() {
        let offset = position;
        let head_end = find(&bytes[position..], b"\r\n\r\n")
            .ok_or(WarcError::Truncated { offset })?
            + position;
        let head = std::str::from_utf8(&bytes[position..head_end])
            .map_err(|_| WarcError::Version { offset })?;
        let mut lines = head.split("\r\n");
        let version = lines.next().unwrap_or_default();
        if version != "WARC/1.1" && version != "WARC/1.0" {
            return Err(WarcError::Version { offset });
        }
        let mut headers = Vec::new();
        for line in lines {
            let (name, value) = line.split_once(':').ok_or_else(|| WarcError::Header {
                offset,
                line: line.to_owned(),
            })?;
            if name.is_empty() || name.contains(char::is_whitespace) {
                return Err(WarcError::Header {
                    offset,
                    line: line.to_owned(),
                });
            }
            headers.push((name.to_owned(), value.trim().to_owned()));
        }
        let length: usize = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("Content-Length"))
            .and_then(|(_, value)| value.parse().ok())
            .ok_or(WarcError::ContentLength { offset })?;
        let block_start = head_end + 4;
        let block_end = block_start
            .checked_add(length)
            .filter(|end| *end <= bytes.len())
            .ok_or(WarcError::Truncated { offset })?;
        if bytes.get(block_end..block_end + 4) != Some(b"\r\n\r\n".as_slice()) {
            return Err(WarcError::Truncated { offset });
        }
        records.push(Record {
            offset,
            version: version.to_owned(),
            headers,
            block: bytes[block_start..block_end].to_vec(),
        });
        position = block_end + 4;
    }
    Ok(records)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Problems with the digests of one record (empty when both match).
pub fn check_digests(record: &Record) -> Vec<String> {
    let mut problems = Vec::new();
    match record.header("WARC-Block-Digest") {
        None => problems.push("no WARC-Block-Digest".to_owned()),
        Some(label) => match digest_matches(label, &record.block) {
            Some(true) => {}
            Some(false) => problems.push(format!("WARC-Block-Digest {label} does not match")),
            None => problems.push(format!("WARC-Block-Digest {label} is not a sha256 digest")),
        },
    }
    if let Some(label) = record.header("WARC-Payload-Digest") {
        let payload = http_payload(&record.block).unwrap_or_default();
        if digest_matches(label, payload) != Some(true) {
            problems.push(format!("WARC-Payload-Digest {label} does not match"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TlsFacts;

    fn sample() -> BundleInput {
        let started = time::macros::datetime!(2026-03-01 10:00:00.125 UTC);
        BundleInput {
            supplier: "ACME ICS".to_owned(),
            endpoint: "acme".to_owned(),
            probe_id: "0f9b8c2e-3d4a-4b5c-8d6e-7f8091a2b3c4".to_owned(),
            started,
            ended: started + time::Duration::milliseconds(300),
            exchanges: vec![
                Exchange {
                    target_uri: "https://psirt.acme.example/api/v1/products".to_owned(),
                    ip: Some("192.0.2.10".parse().unwrap()),
                    started,
                    request: b"GET /api/v1/products HTTP/1.1\r\nHost: psirt.acme.example\r\n\r\n"
                        .to_vec(),
                    response: Vec::new(),
                    protocol: "http/1.1".to_owned(),
                    tls: None,
                    timings: Timings {
                        dns_ms: Some(1.5),
                        connect_ms: None,
                        tls_ms: None,
                        ttfb_ms: None,
                        total_ms: 10_000.0,
                    },
                    error: Some("connect timed out after 10s".to_owned()),
                },
                Exchange {
                    target_uri: "https://psirt.acme.example/api/v1/products".to_owned(),
                    ip: Some("192.0.2.10".parse().unwrap()),
                    started: started + time::Duration::milliseconds(100),
                    request: b"GET /api/v1/products HTTP/1.1\r\nHost: psirt.acme.example\r\n\r\n"
                        .to_vec(),
                    response: b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]"
                        .to_vec(),
                    protocol: "http/1.1".to_owned(),
                    tls: Some(TlsFacts {
                        version: "TLSv1.3".to_owned(),
                        cipher: "TLS13_AES_256_GCM_SHA384".to_owned(),
                        sni: Some("psirt.acme.example".to_owned()),
                        alpn: Some("http/1.1".to_owned()),
                        chain_pem: vec![
                            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
                                .to_owned(),
                        ],
                    }),
                    timings: Timings {
                        dns_ms: Some(1.0),
                        connect_ms: Some(2.0),
                        tls_ms: Some(5.0),
                        ttfb_ms: Some(7.5),
                        total_ms: 9.0,
                    },
                    error: None,
                },
            ],
            verdict: serde_json::json!({"state": "up"}),
            reason: "state-change".to_owned(),
            config_sha256: "ab".repeat(32),
        }
    }

    #[test]
    fn capture_snapshot() {
        let bytes = write_capture(&sample(), "fixlog-evidence/0.0.0");
        insta::assert_snapshot!(String::from_utf8(bytes).unwrap());
    }

    #[test]
    fn written_records_read_back_with_matching_digests() {
        let bytes = write_capture(&sample(), "fixlog-evidence/0.0.0");
        let records = read_records(&bytes).unwrap();
        let types: Vec<_> = records.iter().map(|r| r.record_type().unwrap()).collect();
        assert_eq!(
            types,
            [
                "warcinfo", "request", "metadata", "request", "response", "metadata"
            ]
        );
        for record in &records {
            assert_eq!(check_digests(record), Vec::<String>::new(), "{record:?}");
            assert_eq!(record.version, "WARC/1.1");
        }
        let response = &records[4];
        assert_eq!(
            response.header("WARC-Concurrent-To"),
            records[3].header("WARC-Record-ID")
        );
        assert_eq!(
            records[5].header("WARC-Concurrent-To"),
            response.header("WARC-Record-ID")
        );
        assert_eq!(
            records[2].header("WARC-Concurrent-To"),
            records[1].header("WARC-Record-ID")
        );
        let failed: ExchangeMetadata = serde_json::from_slice(&records[2].block).unwrap();
        assert_eq!(failed.error.as_deref(), Some("connect timed out after 10s"));
        let ok: ExchangeMetadata = serde_json::from_slice(&records[5].block).unwrap();
        assert_eq!(ok.certificate_chain_pem.len(), 1);
        assert_eq!(
            response.header("WARC-Cipher-Suite"),
            Some("TLS_AES_256_GCM_SHA384")
        );
        let ids: std::collections::HashSet<_> =
            records.iter().map(|r| r.header("WARC-Record-ID")).collect();
        assert_eq!(ids.len(), records.len(), "record ids are unique");
    }

    #[test]
    fn changed_bytes_fail_the_digest_check() {
        let bytes = write_capture(&sample(), "fixlog-evidence/0.0.0");
        let mut records = read_records(&bytes).unwrap();
        records[4].block[20] ^= 1;
        assert!(!check_digests(&records[4]).is_empty());
        let last = records[4].block.len() - 1;
        records[4].block[20] ^= 1;
        records[4].block[last] ^= 1;
        let problems = check_digests(&records[4]);
        assert_eq!(problems.len(), 2, "block and payload: {problems:?}");
    }

    #[test]
    fn hex_and_base32_labels_are_both_understood() {
        let hex = format!("sha256:{}", hex::encode(Sha256::digest(b"abc")));
        assert_eq!(digest_matches(&hex, b"abc"), Some(true));
        assert_eq!(digest_matches(&sha256_label(b"abc"), b"abc"), Some(true));
        assert_eq!(digest_matches(&sha256_label(b"abc"), b"abd"), Some(false));
        assert_eq!(digest_matches("sha1:AAAA", b"abc"), None);
    }

    #[test]
    fn malformed_files_are_rejected_with_the_offset() {
        assert_eq!(
            read_records(b"HTTP/1.1 200 OK\r\n\r\n"),
            Err(WarcError::Version { offset: 0 })
        );
        assert_eq!(
            read_records(b"WARC/1.1\r\nContent-Length: 10\r\n\r\nabc"),
            Err(WarcError::Truncated { offset: 0 })
        );
        assert_eq!(
            read_records(b"WARC/1.1\r\nWARC-Type: x\r\n\r\n\r\n\r\n"),
            Err(WarcError::ContentLength { offset: 0 })
        );
        let bytes = write_capture(&sample(), "x");
        let mut cut = bytes.clone();
        cut.truncate(bytes.len() - 3);
        assert!(matches!(
            read_records(&cut),
            Err(WarcError::Truncated { .. })
        ));
    }

    #[test]
    fn header_values_cannot_inject_lines() {
        let mut input = sample();
        input.exchanges[1].target_uri = "https://x.example/\r\nWARC-Type: resource".to_owned();
        let records = read_records(&write_capture(&input, "x")).unwrap();
        assert_eq!(records[4].record_type(), Some("response"));
        assert_eq!(
            records[4]
                .headers
                .iter()
                .filter(|(n, _)| n == "WARC-Type")
                .count(),
            1
        );
    }
}
