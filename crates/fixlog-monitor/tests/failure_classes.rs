//! Each failure class from a publisher that has exactly that defect — an unresolvable name, a
//! closed port, an untrusted certificate, an HTML challenge page, a server slower than the
//! timeout, a checkpoint signed by another key, a checkpoint that is not a signed note — and a
//! healthy publisher over TLS under a private CA, whose TLS facts and raw bytes are recorded.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use common::{MemorySink, ORIGIN, publisher, serve};
use fixlog_store::monitor::MonitorStore;
use fixlog_store_sqlite::SqliteStore;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use time::OffsetDateTime;

struct Pki {
    ca_pem: String,
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    not_after: OffsetDateTime,
}

fn pki() -> Pki {
    let now = OffsetDateTime::now_utc();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let mut leaf_params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    leaf_params.not_before = now - time::Duration::days(1);
    let not_after = (now + time::Duration::days(90))
        .replace_nanosecond(0)
        .unwrap();
    leaf_params.not_after = not_after;
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca).unwrap();
    Pki {
        ca_pem: ca.pem(),
        chain: vec![leaf.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        not_after,
    }
}

async fn serve_tls(pki: &Pki, router: Router) -> String {
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), pki.key.clone_key())
        .unwrap();
    // As fixlog serve --tls-cert does: the probe's ALPN offer is answered and recorded.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                break;
            };
            let acceptor = acceptor.clone();
            let router = router.clone();
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(stream).await else {
                    return;
                };
                let _ = Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), TowerToHyperService::new(router))
                    .await;
            });
        }
    });
    format!("https://localhost:{port}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_failure_class_is_named() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pki = pki();
    let healthy = publisher("tls", 0).await;
    let secure = serve_tls(&pki, healthy.router.clone()).await;
    let untrusted = secure.clone();
    let challenge = serve(Router::new().fallback(|| async {
        (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            [("content-type", "text/html; charset=utf-8")],
            "<!DOCTYPE html><title>Just a moment...</title>",
        )
    }))
    .await;
    let slow = serve(Router::new().route(
        "/tlog/checkpoint",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        }),
    ))
    .await;
    let garbage = serve(Router::new().route(
        "/tlog/checkpoint",
        get(|| async {
            (
                [("content-type", "text/plain; charset=utf-8")],
                "not a checkpoint\n",
            )
        }),
    ))
    .await;
    let plain = serve(healthy.router.clone()).await;
    let other_key = fixlog_server::keys::demo_signer(ORIGIN)
        .verifier()
        .to_vkey();
    // Same origin, another key: the checkpoint is not signed by it.
    let wrong_key =
        fixlog_tlog::Signer::new(ORIGIN, ed25519_dalek::SigningKey::from_bytes(&[7; 32]))
            .unwrap()
            .verifier()
            .to_vkey();
    assert_ne!(other_key, wrong_key);

    let directory = tempfile::tempdir().unwrap();
    std::fs::write(directory.path().join("ca.pem"), &pki.ca_pem).unwrap();
    let endpoint = |name: &str, url: &str, extra: &str| {
        format!(
            "[[endpoint]]\nname = \"{name}\"\nurl = \"{url}\"\ninterval = \"250ms\"\ntimeout = \"1s\"\nretries = 0\n{extra}\n"
        )
    };
    let config = [
        "[monitor]\nfailure_threshold = 1\nsuccess_threshold = 1\n".to_owned(),
        endpoint("dns", "http://no-such-host.invalid/", ""),
        endpoint("tcp", "http://127.0.0.1:9/", ""),
        endpoint("tls", &untrusted, ""),
        endpoint("secure", &secure, "ca_file = \"ca.pem\""),
        endpoint("bot", &challenge, ""),
        endpoint("slow", &slow, ""),
        endpoint("garbage", &garbage, ""),
        endpoint("signature", &plain, &format!("key = \"{wrong_key}\"")),
        endpoint("pinned", &plain, &format!("key = \"{other_key}\"")),
    ]
    .concat();
    let config_path = directory.path().join("monitor.toml");
    std::fs::write(&config_path, config).unwrap();
    let db = format!("sqlite://{}", directory.path().join("monitor.db").display());
    let store = Arc::new(SqliteStore::connect(&db).await.unwrap());
    let sink = Arc::new(MemorySink::default());
    let stats = fixlog_monitor::run(
        &config_path,
        store.clone(),
        Some(sink.clone()),
        tokio::time::sleep(Duration::from_millis(2500)),
    )
    .await
    .unwrap();
    assert!(stats.probes.load(std::sync::atomic::Ordering::Relaxed) > 9);

    let since = OffsetDateTime::now_utc() - time::Duration::minutes(5);
    let until = OffsetDateTime::now_utc() + time::Duration::minutes(1);
    let mut classes = BTreeMap::new();
    for name in [
        "dns",
        "tcp",
        "tls",
        "secure",
        "bot",
        "slow",
        "garbage",
        "signature",
        "pinned",
    ] {
        let samples = store.samples(name, since, until).await.unwrap();
        assert!(!samples.is_empty(), "{name} never probed");
        let first = &samples[0];
        classes.insert(
            name,
            first.failure.clone().unwrap_or_else(|| "ok".to_owned()),
        );
    }
    let expected: BTreeMap<&str, String> = [
        ("dns", "dns"),
        ("tcp", "tcp"),
        ("tls", "tls"),
        ("secure", "ok"),
        ("bot", "bot-block"),
        ("slow", "timeout"),
        ("garbage", "schema"),
        ("signature", "signature"),
        ("pinned", "ok"),
    ]
    .into_iter()
    .map(|(name, class)| (name, class.to_owned()))
    .collect();
    assert_eq!(classes, expected);

    // The healthy TLS endpoint: phases timed, certificate expiry and TLS facts recorded.
    let secure_samples = store.samples("secure", since, until).await.unwrap();
    let sample = &secure_samples[0];
    assert!(sample.dns_ms.is_some() && sample.connect_ms.is_some() && sample.tls_ms.is_some());
    assert!(sample.ttfb_ms.unwrap() <= sample.latency_ms);
    assert_eq!(sample.tls_not_after, Some(pki.not_after));
    assert_eq!(sample.status, Some(200));
    assert_eq!(sample.media_type.as_deref(), Some("text/plain"));
    let sealed = sink.sealed.lock().unwrap().clone();
    let bundle = sealed
        .iter()
        .find(|input| input.endpoint == "secure")
        .unwrap();
    let exchange = &bundle.exchanges[0];
    let tls = exchange.tls.as_ref().unwrap();
    assert_eq!(tls.version, "TLSv1.3");
    assert_eq!(tls.alpn.as_deref(), Some("http/1.1"));
    assert_eq!(tls.sni.as_deref(), Some("localhost"));
    assert_eq!(tls.chain_pem.len(), 1);
    assert!(tls.chain_pem[0].starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(
        exchange
            .request
            .starts_with(b"GET /tlog/checkpoint HTTP/1.1\r\n")
    );
    assert!(exchange.response.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert_eq!(exchange.ip, Some("127.0.0.1".parse().unwrap()));
    // verify-lite went on over the same connection: the key, then the entry pages.
    let targets: Vec<&str> = bundle
        .exchanges
        .iter()
        .map(|exchange| exchange.target_uri.as_str())
        .collect();
    assert!(
        targets.iter().any(|target| target.ends_with("/tlog/key")),
        "{targets:?}"
    );
    assert!(
        targets
            .iter()
            .any(|target| target.contains("/api/v1/entries?after=0")),
        "{targets:?}"
    );
    // The body's digest is the SHA-256 of what came over the wire after the head.
    let response = &exchange.response;
    let split = response
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap()
        + 4;
    use sha2::Digest as _;
    assert_eq!(
        sample.body_sha256.as_deref(),
        Some(hex::encode(sha2::Sha256::digest(&response[split..])).as_str())
    );

    // The timeout left the request it was waiting for behind, marked.
    let slow_bundle = sealed
        .iter()
        .find(|input| input.endpoint == "slow")
        .unwrap();
    assert!(
        slow_bundle.exchanges[0]
            .error
            .as_deref()
            .unwrap()
            .contains("no answer within 1s")
    );
    assert!(
        slow_bundle.exchanges[0]
            .request
            .starts_with(b"GET /tlog/checkpoint")
    );
}
