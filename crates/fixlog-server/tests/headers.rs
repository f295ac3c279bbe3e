//! Security headers over the real accept loop (`fixlog_server::serve`): every HTML route and
//! every HTML error page carries the strict CSP (with `frame-ancestors 'none'`), nosniff,
//! `X-Frame-Options: DENY` and `Referrer-Policy: no-referrer`; problem+json answers from the
//! limits carry nosniff too.

mod common;

use std::time::Duration;

use fixlog_server::AppState;
use fixlog_server::limits::{ClientLimits, Rate};

const HTML_ROUTES: &[(&str, u16)] = &[
    ("/", 200),
    ("/products/plc-x500", 200),
    ("/advisories/ACME-SA-2026-001", 200),
    ("/entries/1", 200),
    ("/search?cve=CVE-2026-51077", 200),
    ("/check?product=hmi-vp7&version=1.4%20SP1%20HF1", 200),
    ("/products/nope", 404),
    ("/advisories/NOPE-1", 404),
    ("/entries/999999", 404),
    ("/entries/x", 404),
    ("/check?product=nope&version=1", 422),
];

#[tokio::test]
async fn html_routes_and_error_pages_carry_the_security_headers() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let directory = tempfile::tempdir().unwrap();
    let store = fixlog_server::storage::open_store(&format!(
        "sqlite://{}/t.db",
        directory.path().display()
    ))
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(
        store,
        fixlog_server::keys::demo_signer("demo.fixlog.invalid/log"),
        &base,
    )
    .with_limits(ClientLimits {
        anonymous_writes: Rate {
            burst: 1,
            per_second: 0.01,
        },
        header_timeout: Duration::from_secs(10),
        ..ClientLimits::default()
    });
    fixlog_server::demo::load(&state.log).await.unwrap();
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(fixlog_server::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    for (path, status) in HTML_ROUTES {
        let response = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(response.status().as_u16(), *status, "{path}");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .unwrap_or_else(|| panic!("{path}: no {name}"))
                .to_str()
                .unwrap()
                .to_owned()
        };
        assert!(header("content-type").starts_with("text/html"), "{path}");
        let csp = header("content-security-policy");
        for directive in [
            "default-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe"), "{path}: {csp}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
    }
    // A 429 from the limits is problem+json with nosniff.
    for expected in [400, 429] {
        let response = client
            .post(format!("{base}/tlog/cosignature"))
            .body("garbage")
            .send()
            .await
            .unwrap();
        if expected == 429 {
            assert_eq!(response.status(), 429);
            assert_eq!(response.headers()["x-content-type-options"], "nosniff");
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json"
            );
        }
    }
}
