//! Realistic bundle inputs: a TLS chain made by rcgen, raw HTTP/1.1 bytes, retries.

#![allow(dead_code)]

use fixlog_evidence::{BundleInput, Exchange, Timings, TlsFacts};
use time::{Duration, OffsetDateTime};

/// A CA and a leaf for `psirt.acme.example`, PEM, leaf first.
pub fn chain_pem() -> Vec<String> {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "ACME Test Root");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf_params = rcgen::CertificateParams::new(vec!["psirt.acme.example".to_owned()]).unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    vec![leaf.pem(), ca.pem()]
}

/// The `n`-th probe of `endpoint`, starting at `started`: a failed attempt then a 200.
pub fn probe(endpoint: &str, n: usize, started: OffsetDateTime, chain: &[String]) -> BundleInput {
    let body = format!("{{\"products\":[{{\"id\":\"acme-plc-{n}\",\"name\":\"ACME PLC {n}\"}}]}}");
    let request = b"GET /api/v1/products HTTP/1.1\r\nHost: psirt.acme.example\r\nUser-Agent: fixlog-monitor/0.0.0\r\nAccept: application/json\r\nConnection: close\r\n\r\n".to_vec();
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nDate: Sun, 01 Mar 2026 10:00:00 GMT\r\n\r\n{body}",
        body.len()
    )
    .into_bytes();
    let tls = TlsFacts {
        version: "TLSv1.3".to_owned(),
        cipher: "TLS13_AES_256_GCM_SHA384".to_owned(),
        sni: Some("psirt.acme.example".to_owned()),
        alpn: Some("http/1.1".to_owned()),
        chain_pem: chain.to_vec(),
    };
    let url = "https://psirt.acme.example/api/v1/products".to_owned();
    BundleInput {
        supplier: "ACME ICS".to_owned(),
        endpoint: endpoint.to_owned(),
        probe_id: format!("7d3c1a90-0000-4000-8000-{n:012}"),
        started,
        ended: started + Duration::milliseconds(420),
        exchanges: vec![
            Exchange {
                target_uri: url.clone(),
                ip: Some("192.0.2.10".parse().unwrap()),
                started,
                request: request.clone(),
                response: Vec::new(),
                protocol: "http/1.1".to_owned(),
                tls: None,
                timings: Timings {
                    dns_ms: Some(0.8),
                    connect_ms: None,
                    tls_ms: None,
                    ttfb_ms: None,
                    total_ms: 200.0,
                },
                error: Some("connection reset by peer".to_owned()),
            },
            Exchange {
                target_uri: url,
                ip: Some("192.0.2.10".parse().unwrap()),
                started: started + Duration::milliseconds(210),
                request,
                response,
                protocol: "http/1.1".to_owned(),
                tls: Some(tls),
                timings: Timings {
                    dns_ms: Some(0.5),
                    connect_ms: Some(1.2),
                    tls_ms: Some(4.8),
                    ttfb_ms: Some(9.1),
                    total_ms: 10.4,
                },
                error: None,
            },
        ],
        verdict: serde_json::json!({
            "state": if n.is_multiple_of(2) { "up" } else { "degraded" },
            "assertions": [{"id": "http.status", "passed": true}],
            "findings": [],
        }),
        reason: if n == 0 { "daily" } else { "state-change" }.to_owned(),
        config_sha256: "5e".repeat(32),
    }
}

/// Writes `count` probes of `endpoint` one hour apart.
pub async fn write_chain(
    writer: &mut fixlog_evidence::Writer,
    endpoint: &str,
    count: usize,
) -> Vec<fixlog_evidence::BundleRef> {
    let chain = chain_pem();
    let start = time::macros::datetime!(2026-03-01 10:00:00.123456 UTC);
    let mut written = Vec::new();
    for n in 0..count {
        let input = probe(endpoint, n, start + Duration::hours(n as i64 * 9), &chain);
        written.push(writer.write(&input).await.unwrap());
    }
    written
}

/// The Python tool venv (FIXLOG_VENV, default ~/.cache/fixlog-tools/venv); `None` (skip) when
/// missing outside CI, a panic when missing in CI.
pub fn venv_tool(tool: &str) -> Option<std::path::PathBuf> {
    let venv = std::env::var_os("FIXLOG_VENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/fixlog-tools/venv")
        });
    let path = venv.join("bin").join(tool);
    if path.exists() {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|value| value == "true") {
        panic!(
            "{} missing (pip install -r scripts/requirements-test.txt)",
            path.display()
        );
    }
    eprintln!("skipping: {} missing", path.display());
    None
}
