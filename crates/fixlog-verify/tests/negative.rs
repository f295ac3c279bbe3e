//! The verifier against a real in-process fixlog server behind a small lying proxy: a wrong
//! pinned key, a bad checkpoint signature, a flipped byte in a served tile, and a replayed
//! older checkpoint are each reported under `authentic.*`.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use fixlog_server::keys::demo_signer;
use fixlog_server::storage::open_store;
use fixlog_server::{AppState, demo};
use fixlog_tlog::{Checkpoint, Signer};
use fixlog_verify::{AuthenticInput, OnlineOptions, Report, StateDir, Verdict, verify_publisher};

const ORIGIN: &str = "test.example/log";

/// Rewrites a response body: `(path, body) -> body`.
type Lie = Arc<dyn Fn(&str, Vec<u8>) -> Vec<u8> + Send + Sync>;

struct Fixture {
    /// The real server.
    upstream: String,
    state: AppState,
    _directory: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", directory.path().join("log.db").display());
    let store = open_store(&url).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(store, demo_signer(ORIGIN), &upstream);
    demo::load(&state.log).await.unwrap();
    state.log.ensure_checkpoint(0).await.unwrap();
    tokio::spawn(fixlog_server::serve(
        listener,
        state.clone(),
        std::future::pending(),
    ));
    Fixture {
        upstream,
        state,
        _directory: directory,
    }
}

/// A proxy in front of `upstream` whose answers pass through `lie`.
async fn proxy(upstream: &str, lie: Lie) -> String {
    // Forwards method, body, Accept and Content-Type, and hands on the media type; an event
    // stream is passed through as a stream (it stays open for live entries).
    async fn forward(
        State((upstream, lie)): State<(String, Lie)>,
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> Response {
        let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
        let mut request = reqwest::Client::new()
            .request(method, format!("{upstream}{path}"))
            .body(body.to_vec());
        for name in [header::ACCEPT, header::CONTENT_TYPE] {
            if let Some(value) = headers.get(&name) {
                request = request.header(name.as_str(), value.to_str().unwrap());
            }
        }
        let response = request.send().await.unwrap();
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
        let builder = Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, content_type.as_str());
        if content_type.starts_with("text/event-stream") {
            return builder
                .body(Body::from_stream(response.bytes_stream()))
                .unwrap();
        }
        let body = response.bytes().await.unwrap().to_vec();
        builder.body(Body::from(lie(uri.path(), body))).unwrap()
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new()
        .fallback(forward)
        .with_state((upstream.to_owned(), lie));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

async fn run(url: &str, pinned: Option<&Signer>, state: Option<&std::path::Path>) -> Report {
    let mut options = OnlineOptions::new(url);
    options.authentic = AuthenticInput {
        pinned_key: pinned.map(Signer::verifier),
        state: state.map(StateDir::new),
    };
    options.concurrency = 4;
    verify_publisher(&options).await.unwrap()
}

fn errors(report: &Report) -> Vec<&str> {
    report
        .findings
        .iter()
        .filter(|finding| finding.is_error())
        .map(|finding| finding.id.as_str())
        .collect()
}

#[tokio::test]
async fn the_honest_server_passes_with_its_pinned_key() {
    let fixture = fixture().await;
    let honest = proxy(&fixture.upstream, Arc::new(|_, body| body)).await;
    let report = run(&honest, Some(&demo_signer(ORIGIN)), None).await;
    assert_eq!(report.verdict, Verdict::Pass, "{}", report.to_text());
    assert_eq!(report.checked.key_source.as_deref(), Some("pinned"));
    assert!(report.checked.entries.unwrap() > 50);
}

#[tokio::test]
async fn a_wrong_pinned_key_is_an_unknown_key() {
    let fixture = fixture().await;
    let other = fixlog_server::keys::generate("other.example/log").unwrap();
    let report = run(&fixture.upstream, Some(&other), None).await;
    assert_eq!(report.verdict, Verdict::Fail);
    assert!(
        report.has("authentic.checkpoint.unknown-key"),
        "{}",
        report.to_text()
    );
    assert!(report.has("authentic.key.mismatch"), "{}", report.to_text());
    // Nothing beyond the checkpoint is trusted without it.
    assert_eq!(report.checked.entries, None);
}

#[tokio::test]
async fn a_corrupted_checkpoint_signature_is_a_bad_signature() {
    let fixture = fixture().await;
    let lying = proxy(
        &fixture.upstream,
        Arc::new(|path, body| {
            if path != "/tlog/checkpoint" {
                return body;
            }
            let note = String::from_utf8(body).unwrap();
            let (text, signature) = note.rsplit_once("\n\u{2014} ").unwrap();
            let (name, encoded) = signature.trim_end().split_once(' ').unwrap();
            let mut bytes = STANDARD.decode(encoded).unwrap();
            bytes[10] ^= 0x01;
            format!("{text}\n\u{2014} {name} {}\n", STANDARD.encode(bytes)).into_bytes()
        }),
    )
    .await;
    let report = run(&lying, None, None).await;
    assert_eq!(
        errors(&report),
        ["authentic.checkpoint.bad-signature"],
        "{}",
        report.to_text()
    );
}

#[tokio::test]
async fn a_flipped_byte_in_a_served_tile_is_detected() {
    let fixture = fixture().await;
    let lying = proxy(
        &fixture.upstream,
        Arc::new(|path, mut body| {
            if path.starts_with("/tlog/tile/0/") {
                body[32 * 7 + 3] ^= 0x80;
            }
            body
        }),
    )
    .await;
    let report = run(&lying, Some(&demo_signer(ORIGIN)), None).await;
    let errors = errors(&report);
    assert!(
        errors.contains(&"authentic.tiles.root-mismatch"),
        "{}",
        report.to_text()
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.id == "authentic.entry.not-included" && f.subject == "entry 8"),
        "leaf index 7 is entry 8: {}",
        report.to_text()
    );
}

#[tokio::test]
async fn a_replayed_older_checkpoint_is_a_rollback() {
    let fixture = fixture().await;
    let state = tempfile::tempdir().unwrap();
    let first = run(&fixture.upstream, None, Some(state.path())).await;
    assert_eq!(first.verdict, Verdict::Pass, "{}", first.to_text());
    assert_eq!(first.checked.state_saved, Some(true));
    let size = first.checked.size.unwrap();

    // A genuine, validly signed checkpoint of an earlier size, replayed.
    let old_size = size / 2;
    let old = Checkpoint {
        origin: ORIGIN.to_owned(),
        size: old_size,
        root: fixture.state.log.root(old_size).await.unwrap(),
        extensions: vec![],
    }
    .sign(&[&demo_signer(ORIGIN)])
    .unwrap();
    let lying = proxy(
        &fixture.upstream,
        Arc::new(move |path, body| {
            if path == "/tlog/checkpoint" {
                old.clone().into_bytes()
            } else {
                body
            }
        }),
    )
    .await;
    let report = run(&lying, None, Some(state.path())).await;
    assert_eq!(
        errors(&report),
        ["authentic.history.rollback"],
        "{}",
        report.to_text()
    );
    assert_eq!(report.checked.state_saved, Some(false));
    // The saved checkpoint still is the larger one: an honest run passes again.
    let again = run(&fixture.upstream, None, Some(state.path())).await;
    assert_eq!(again.verdict, Verdict::Pass, "{}", again.to_text());
    assert_eq!(again.checked.consistent_from, Some(size));
}

#[tokio::test]
async fn a_changed_log_key_after_first_use_is_an_error() {
    let fixture = fixture().await;
    let state = tempfile::tempdir().unwrap();
    let first = run(&fixture.upstream, None, Some(state.path())).await;
    assert_eq!(first.verdict, Verdict::Pass, "{}", first.to_text());
    let impostor = fixlog_server::keys::generate(ORIGIN).unwrap();
    let impostor_key = format!("{}\n", impostor.verifier_key());
    let lying = proxy(
        &fixture.upstream,
        Arc::new(move |path, body| {
            if path == "/tlog/key" {
                impostor_key.clone().into_bytes()
            } else {
                body
            }
        }),
    )
    .await;
    let report = run(&lying, None, Some(state.path())).await;
    assert_eq!(
        errors(&report),
        ["authentic.key.changed"],
        "{}",
        report.to_text()
    );
}
