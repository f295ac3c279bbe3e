//! TLS: a tiny publisher behind a rustls listener with certificates the test makes (rcgen):
//! a valid one under a private CA passes with `--ca`, an expired one is
//! `accessible.tls.expired`, an unknown issuer is `accessible.tls.untrusted`.

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use fixlog_verify::{OnlineOptions, Report, Verdict, verify_publisher};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::{Duration, OffsetDateTime};

struct Pki {
    ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

fn pki(not_before: OffsetDateTime, not_after: OffsetDateTime) -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let mut leaf_params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    leaf_params.not_before = not_before;
    leaf_params.not_after = not_after;
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca).unwrap();
    Pki {
        ca_pem: ca.pem(),
        chain: vec![leaf.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    }
}

/// Serves an HTML log page and a 404 for everything else over TLS; returns the https URL.
async fn serve(pki: &Pki) -> String {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), pki.key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = Router::new().route(
        "/",
        get(|| async {
            (
                [
                    ("content-type", "text/html; charset=utf-8"),
                    ("cache-control", "no-cache"),
                ],
                "<!DOCTYPE html><title>log</title>",
            )
        }),
    );
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                break;
            };
            let acceptor = acceptor.clone();
            let app = app.clone();
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(stream).await else {
                    return;
                };
                let _ = Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app))
                    .await;
            });
        }
    });
    format!("https://localhost:{port}")
}

async fn verify(url: &str, ca: Option<&str>) -> Report {
    let mut options = OnlineOptions::new(url);
    if let Some(ca) = ca {
        options.extra_roots.push(ca.as_bytes().to_vec());
    }
    verify_publisher(&options).await.unwrap()
}

fn has_error(report: &Report, id: &str) -> bool {
    report.findings.iter().any(|f| f.id == id && f.is_error())
}

#[tokio::test]
async fn a_valid_certificate_under_a_trusted_ca_passes() {
    let now = OffsetDateTime::now_utc();
    let pki = pki(now - Duration::days(1), now + Duration::days(365));
    let url = serve(&pki).await;
    let report = verify(&url, Some(&pki.ca_pem)).await;
    assert_eq!(report.verdict, Verdict::Pass, "{}", report.to_text());
    assert!(report.has("accessible.tls.valid"), "{}", report.to_text());
    assert!(report.has("accessible.offer.tlog-not-offered"));
}

#[tokio::test]
async fn a_certificate_expiring_soon_is_a_warning() {
    let now = OffsetDateTime::now_utc();
    let pki = pki(now - Duration::days(300), now + Duration::days(5));
    let url = serve(&pki).await;
    let report = verify(&url, Some(&pki.ca_pem)).await;
    assert_eq!(report.verdict, Verdict::Pass, "{}", report.to_text());
    assert!(
        report.has("accessible.tls.expires-soon"),
        "{}",
        report.to_text()
    );
}

#[tokio::test]
async fn an_expired_certificate_is_accessible_tls_expired() {
    let now = OffsetDateTime::now_utc();
    let pki = pki(now - Duration::days(400), now - Duration::days(2));
    let url = serve(&pki).await;
    let report = verify(&url, Some(&pki.ca_pem)).await;
    assert_eq!(report.verdict, Verdict::Fail, "{}", report.to_text());
    assert!(
        has_error(&report, "accessible.tls.expired"),
        "{}",
        report.to_text()
    );
}

#[tokio::test]
async fn an_unknown_issuer_is_accessible_tls_untrusted() {
    let now = OffsetDateTime::now_utc();
    let pki = pki(now - Duration::days(1), now + Duration::days(365));
    let url = serve(&pki).await;
    let report = verify(&url, None).await;
    assert_eq!(report.verdict, Verdict::Fail, "{}", report.to_text());
    assert!(
        has_error(&report, "accessible.tls.untrusted"),
        "{}",
        report.to_text()
    );
}
