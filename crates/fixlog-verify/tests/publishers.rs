//! Broken publishers: a real in-process fixlog server (the demo manufacturer) behind a proxy
//! that injects ONE defect per case — a status, a media type, a rewritten document, an
//! invalid notification, a forged signature, a forked history, an expired certificate — and
//! the verifier must name each defect by its finding id and fail. The clean proxy must pass.
//! A CSAF-only provider built from ../shared/data/csaf-real gets the CSAF checks and "not
//! offered" for the rest.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use fixlog_server::keys::demo_signer;
use fixlog_server::storage::open_store;
use fixlog_server::{AppState, demo};
use fixlog_verify::{AuthenticInput, OnlineOptions, Report, StateDir, Verdict, verify_publisher};
use serde_json::{Value, json};

const ORIGIN: &str = "test.example/log";

/// One answer as the proxy hands it on.
struct Reply {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

/// Rewrites an answer: `(path with query, reply)`.
type Defect = Arc<dyn Fn(&str, &mut Reply) + Send + Sync>;

async fn server(extra_product: Option<&str>) -> (String, tempfile::TempDir) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", directory.path().join("log.db").display());
    let store = open_store(&url).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(store, demo_signer(ORIGIN), &upstream);
    demo::load(&state.log).await.unwrap();
    if let Some(id) = extra_product {
        // A history that forks from another server's after the demo entries.
        let body: fixlog_api::ProductDoc = serde_json::from_value(json!({
            "id": id, "name": id, "device_class": "plc", "version_scheme": "semver",
            "lifecycle": "end_of_life"}))
        .unwrap();
        fixlog_server::write::publish_product(&state.log, &body, time::OffsetDateTime::now_utc())
            .await
            .unwrap();
    }
    state.log.ensure_checkpoint(0).await.unwrap();
    tokio::spawn(fixlog_server::serve(
        listener,
        state,
        std::future::pending(),
    ));
    (upstream, directory)
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    public: String,
    defect: Defect,
    client: reqwest::Client,
}

async fn forward(
    State(proxy): State<Proxy>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let mut request = proxy
        .client
        .request(method, format!("{}{path}", proxy.upstream))
        .body(body.to_vec());
    for name in [header::ACCEPT, header::CONTENT_TYPE] {
        if let Some(value) = headers.get(&name) {
            request = request.header(name.as_str(), value.to_str().unwrap());
        }
    }
    let mut response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let mut bytes = Vec::new();
    if content_type.starts_with("text/event-stream") {
        // The stream stays open for live entries: hand on the replay only.
        while let Ok(Ok(Some(chunk))) =
            tokio::time::timeout(Duration::from_secs(10), response.chunk()).await
        {
            bytes.extend_from_slice(&chunk);
            if String::from_utf8_lossy(&bytes).contains("replay-completed") {
                break;
            }
        }
    } else {
        bytes = response.bytes().await.unwrap().to_vec();
    }
    // Links point back at the proxy; CSAF documents stay byte for byte (their hash files).
    let document = uri.path().starts_with("/.well-known/csaf/white/20");
    let body = match String::from_utf8(bytes.clone()) {
        Ok(text) if !document => text.replace(&proxy.upstream, &proxy.public).into_bytes(),
        _ => bytes,
    };
    let mut reply = Reply {
        status,
        content_type,
        body,
    };
    (proxy.defect)(uri.path(), &mut reply);
    let _ = &path;
    Response::builder()
        .status(StatusCode::from_u16(reply.status).unwrap())
        .header("content-type", reply.content_type)
        .body(Body::from(reply.body))
        .unwrap()
}

fn proxy_router(upstream: &str, public: &str, defect: Defect) -> Router {
    Router::new().fallback(forward).with_state(Proxy {
        upstream: upstream.to_owned(),
        public: public.to_owned(),
        defect,
        client: reqwest::Client::new(),
    })
}

async fn proxy(upstream: &str, defect: Defect) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = proxy_router(upstream, &url, defect);
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn options(url: &str) -> OnlineOptions {
    let mut options = OnlineOptions::new(url);
    options.concurrency = 4;
    options.authentic = AuthenticInput {
        pinned_key: Some(demo_signer(ORIGIN).verifier()),
        state: None,
    };
    options
}

async fn run(url: &str) -> Report {
    verify_publisher(&options(url)).await.unwrap()
}

fn errors(report: &Report) -> Vec<String> {
    let mut ids: Vec<String> = report
        .findings
        .iter()
        .filter(|finding| finding.is_error())
        .map(|finding| finding.id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Edits a JSON body on `path` (exact path match).
fn edit_json(path: &'static str, edit: impl Fn(&mut Value) + Send + Sync + 'static) -> Defect {
    Arc::new(move |at, reply| {
        if at == path {
            let mut value: Value = serde_json::from_slice(&reply.body).unwrap();
            edit(&mut value);
            reply.body = serde_json::to_vec(&value).unwrap();
        }
    })
}

/// Edits the entries page(s) of the JSON API: `edit(entry)` on the entry with `seq`.
fn edit_entry(seq: u64, edit: impl Fn(&mut Value) + Send + Sync + 'static) -> Defect {
    edit_json("/api/v1/entries", move |page| {
        for entry in page["entries"].as_array_mut().unwrap() {
            if entry["seq"] == seq {
                edit(entry);
            }
        }
    })
}

/// Replaces text in the body on paths starting with `prefix`.
fn replace(prefix: &'static str, from: &'static str, to: &'static str) -> Defect {
    Arc::new(move |at, reply| {
        if at.starts_with(prefix) {
            let text = String::from_utf8(reply.body.clone()).unwrap();
            assert!(text.contains(from), "{prefix}: no {from:?} to replace");
            reply.body = text.replacen(from, to, 1).into_bytes();
        }
    })
}

fn status(path: &'static str, code: u16) -> Defect {
    Arc::new(move |at, reply| {
        if at == path {
            reply.status = code;
            reply.body = b"internal error".to_vec();
            reply.content_type = "text/plain".into();
        }
    })
}

/// The first entry of `kind` with CVEs in the demo (seq 44 is a release fixing
/// CVE-2026-50412; seq 46 an advisory).
const RELEASE_WITH_CVE: u64 = 44;

fn defects() -> Vec<(&'static str, &'static str, Defect)> {
    vec![
        // accessible
        (
            "500 on the OpenAPI document",
            "accessible.http.status",
            status("/openapi.json", 500),
        ),
        (
            "500 on the products route",
            "accessible.http.status",
            status("/api/v1/products", 503),
        ),
        (
            "checkpoint served as HTML",
            "accessible.http.media-type",
            Arc::new(|at, reply| {
                if at == "/tlog/checkpoint" {
                    reply.content_type = "text/html".into();
                }
            }),
        ),
        (
            "YANG module location on a dead port",
            "accessible.http.unreachable",
            replace(
                "/restconf/data/ietf-yang-library:yang-library",
                "/yang/fwsec-log@",
                "/../../yang/fwsec-log@",
            )
            .then_dead(),
        ),
        // well-formed
        (
            "bad CVE id",
            "wellformed.entry.bad-cve",
            edit_entry(RELEASE_WITH_CVE, |e| e["cves"] = json!(["CVE-26-50412"])),
        ),
        (
            "short digest",
            "wellformed.entry.bad-digest",
            edit_entry(RELEASE_WITH_CVE, |e| {
                e["images"][0]["sha3_256"] = json!("abc123")
            }),
        ),
        (
            "impossible release date",
            "wellformed.entry.bad-date",
            edit_entry(RELEASE_WITH_CVE, |e| {
                e["release_date"] = json!("2025-13-40")
            }),
        ),
        (
            "entry without kind (OpenAPI schema)",
            "wellformed.entry.schema",
            edit_entry(RELEASE_WITH_CVE, |e| {
                e.as_object_mut().unwrap().remove("kind");
            }),
        ),
        (
            "published goes backwards",
            "wellformed.entry.published-order",
            edit_entry(RELEASE_WITH_CVE, |e| {
                e["published"] = json!("2001-01-01T00:00:00.000000Z")
            }),
        ),
        (
            "OpenAPI 3.1 document",
            "wellformed.openapi.version",
            edit_json("/openapi.json", |d| d["openapi"] = json!("3.1.0")),
        ),
        (
            "dangling $ref",
            "wellformed.openapi.unresolved-ref",
            edit_json("/openapi.json", |d| {
                d["components"]["schemas"]
                    .as_object_mut()
                    .unwrap()
                    .remove("Problem");
            }),
        ),
        (
            "invalid notification (digest algorithm)",
            "wellformed.yang.notification-invalid",
            replace("/restconf/subscriptions/", "\"sha-256\"", "\"md5\""),
        ),
        (
            "notification of an unknown YANG module",
            "wellformed.yang.unknown-module",
            replace(
                "/restconf/subscriptions/",
                "\"fwsec-log:firmware-security-update\"",
                "\"acme-fw:firmware-security-update\"",
            ),
        ),
        (
            "streams document with a bad leaf",
            "wellformed.yang.streams-invalid",
            replace(
                "/restconf/data/ietf-subscribed-notifications:streams",
                "\"replay-support\":[null]",
                "\"replay-support\":\"yes\"",
            )
            .or_else(replace(
                "/restconf/data/ietf-subscribed-notifications:streams",
                "\"name\":\"fwsec-log\"",
                "\"name\":\"fwsec-log\",\"bogus\":1",
            )),
        ),
        (
            "fwsec-log:log with a non-hex leaf hash",
            "wellformed.yang.log-invalid",
            replace(
                "/restconf/data/fwsec-log:log",
                "\"leaf-hash\":\"",
                "\"leaf-hash\":\"zz",
            ),
        ),
        (
            "establish-subscription refused",
            "wellformed.restconf.establish-failed",
            status(
                "/restconf/operations/ietf-subscribed-notifications:establish-subscription",
                400,
            ),
        ),
        // complete
        (
            "release without an accepted digest",
            "complete.entry.missing-digest",
            edit_entry(RELEASE_WITH_CVE, |e| {
                let image = e["images"][0].as_object_mut().unwrap();
                image.remove("sha256");
                image.remove("sha3_256");
            }),
        ),
        (
            "release without fixed version",
            "complete.entry.missing-fixed-version",
            edit_entry(RELEASE_WITH_CVE, |e| {
                e.as_object_mut().unwrap().remove("fixed_version");
            }),
        ),
        (
            "release without patch date",
            "complete.entry.missing-release-date",
            edit_entry(RELEASE_WITH_CVE, |e| {
                e.as_object_mut().unwrap().remove("release_date");
            }),
        ),
        (
            "advisory without affected statements",
            "complete.entry.missing-affected",
            edit_json("/api/v1/entries", |page| {
                for e in page["entries"].as_array_mut().unwrap() {
                    if e["kind"] == "advisory" {
                        e["affected"] = json!([]);
                        break;
                    }
                }
            }),
        ),
        (
            "supported product without releases",
            "complete.product.no-coverage",
            edit_json("/api/v1/products", |d| {
                d["products"].as_array_mut().unwrap().push(json!({"id": "plc-z900", "name": "Z900", "device_class": "plc", "version_scheme": "semver", "lifecycle": {"state": "active"}, "seq": 1, "releases": 0}))
            }),
        ),
        (
            "RESTCONF view disagrees with the API",
            "complete.views.disagree",
            replace(
                "/restconf/data/fwsec-log:log",
                "\"fixed-version\":\"V3.2.0\"",
                "\"fixed-version\":\"V3.2.9\"",
            ),
        ),
        // authentic
        (
            "bad checkpoint signature",
            "authentic.checkpoint.bad-signature",
            Arc::new(|at, reply| {
                if at == "/tlog/checkpoint" {
                    let note = String::from_utf8(reply.body.clone()).unwrap();
                    let (text, signature) = note.rsplit_once("\n\u{2014} ").unwrap();
                    let (name, encoded) = signature.trim_end().split_once(' ').unwrap();
                    use base64::Engine as _;
                    let mut bytes = base64::engine::general_purpose::STANDARD
                        .decode(encoded)
                        .unwrap();
                    bytes[10] ^= 1;
                    reply.body = format!(
                        "{text}\n\u{2014} {name} {}\n",
                        base64::engine::general_purpose::STANDARD.encode(bytes)
                    )
                    .into_bytes();
                }
            }),
        ),
        (
            "entry bytes do not match the leaf",
            "authentic.entry.bytes-mismatch",
            Arc::new(|at, reply| {
                if at.starts_with("/tlog/tile/entries/") {
                    // Same length, so the bundle still frames: only the bytes differ.
                    let needle = b"CVE-2026-50412";
                    if let Some(at) = reply.body.windows(needle.len()).position(|w| w == needle) {
                        reply.body[at + needle.len() - 1] = b'3';
                    }
                }
            }),
        ),
        (
            "flipped byte in a hash tile",
            "authentic.tiles.root-mismatch",
            Arc::new(|at, reply| {
                if at.starts_with("/tlog/tile/0/") {
                    reply.body[32 * 7 + 3] ^= 0x80;
                }
            }),
        ),
    ]
}

trait DefectExt {
    fn or_else(self, other: Defect) -> Defect;
    fn then_dead(self) -> Defect;
}

impl DefectExt for Defect {
    /// Applies `self` when it can (its text is present), else `other`.
    fn or_else(self, other: Defect) -> Defect {
        Arc::new(move |at, reply| {
            let before = reply.body.clone();
            let first = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self(at, reply)));
            if first.is_err() || reply.body == before {
                reply.body = before;
                other(at, reply);
            }
        })
    }

    /// Points the fwsec-log module's location at a port nothing listens on.
    fn then_dead(self) -> Defect {
        Arc::new(move |at, reply| {
            if at == "/restconf/data/ietf-yang-library:yang-library" {
                let mut library: Value = serde_json::from_slice(&reply.body).unwrap();
                for set in library["ietf-yang-library:yang-library"]["module-set"]
                    .as_array_mut()
                    .unwrap()
                {
                    for module in set["module"].as_array_mut().unwrap() {
                        if module["name"] == "fwsec-log" {
                            module["location"] =
                                json!(["http://127.0.0.1:9/yang/fwsec-log@2026-11-29.yang"]);
                        }
                    }
                }
                reply.body = serde_json::to_vec(&library).unwrap();
            } else {
                let _ = &self;
            }
        })
    }
}

#[tokio::test]
async fn the_clean_publisher_has_no_errors() {
    let (upstream, _directory) = server(None).await;
    let clean = proxy(&upstream, Arc::new(|_, _| {})).await;
    let report = run(&clean).await;
    assert_eq!(report.verdict, Verdict::Pass, "{}", report.to_text());
    assert!(errors(&report).is_empty());
    for offered in ["html-page", "openapi", "restconf", "tlog"] {
        assert!(
            report.checked.offered.iter().any(|o| o == offered),
            "{offered}: {:?}",
            report.checked.offered
        );
    }
    assert!(
        report.has("accessible.offer.csaf-not-offered")
            || report.checked.offered.iter().any(|o| o == "csaf")
    );
    let checks = report.checked.checks.join("\n");
    assert!(
        checks.contains("replayed notifications validated"),
        "{checks}"
    );
    assert!(
        report
            .checked
            .endpoints
            .iter()
            .any(|e| e.role == "event-stream")
    );
}

#[tokio::test]
async fn each_defect_is_named_by_its_finding_and_fails() {
    let (upstream, _directory) = server(None).await;
    let mut missed = Vec::new();
    let mut named = BTreeMap::new();
    for (what, id, defect) in defects() {
        let url = proxy(&upstream, defect).await;
        let report = run(&url).await;
        if report.verdict != Verdict::Fail || !errors(&report).iter().any(|e| e == id) {
            missed.push(format!("{what}: expected {id}, got {:?}", errors(&report)));
        }
        named.insert(what, id);
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
    assert!(named.len() >= 24, "{named:?}");
}

#[tokio::test]
async fn a_product_silent_longer_than_allowed_fails() {
    let (upstream, _directory) = server(None).await;
    let mut options = options(&upstream);
    options.complete.now = time::macros::datetime!(2027-09-01 00:00 UTC);
    let report = verify_publisher(&options).await.unwrap();
    assert_eq!(report.verdict, Verdict::Fail);
    assert_eq!(
        errors(&report),
        ["complete.product.silent"],
        "{}",
        report.to_text()
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.subject == "product sr-sg2")
    );
}

#[tokio::test]
async fn a_forked_history_since_the_saved_state_fails() {
    let (first, _a) = server(Some("fork-a")).await;
    let (second, _b) = server(Some("fork-b")).await;
    let state = tempfile::tempdir().unwrap();
    let mut options = options(&first);
    options.authentic.state = Some(StateDir::new(state.path()));
    let report = verify_publisher(&options).await.unwrap();
    assert_eq!(report.verdict, Verdict::Pass, "{}", report.to_text());
    options.url = second;
    let report = verify_publisher(&options).await.unwrap();
    assert_eq!(
        errors(&report),
        ["authentic.history.fork"],
        "{}",
        report.to_text()
    );
}

/// A CSAF-only provider: provider-metadata.json naming a directory with index.txt, the
/// documents under `<year>/` and a `.sha256` beside each.
async fn csaf_provider(
    documents: Vec<(String, Vec<u8>)>,
    hash_override: Option<(&'static str, &'static str)>,
) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut files: BTreeMap<String, (String, Vec<u8>)> = BTreeMap::new();
    let metadata = json!({
        "canonical_url": format!("{base}/.well-known/csaf/provider-metadata.json"),
        "distributions": [{"directory_url": format!("{base}/.well-known/csaf/white/")}],
        "last_updated": "2026-11-01T00:00:00.000Z",
        "list_on_CSAF_aggregators": true,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": true,
        "publisher": {"category": "vendor", "name": "Test ICS vendor", "namespace": "https://vendor.example"},
        "role": "csaf_provider",
    });
    files.insert(
        "/.well-known/csaf/provider-metadata.json".into(),
        (
            "application/json".into(),
            serde_json::to_vec(&metadata).unwrap(),
        ),
    );
    let mut index = String::new();
    for (path, bytes) in documents {
        use sha2::Digest as _;
        let name = path.rsplit('/').next().unwrap().to_owned();
        let mut hash: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if let Some((file, fake)) = hash_override
            && file == name
        {
            hash = fake.to_owned();
        }
        index.push_str(&format!("{path}\n"));
        files.insert(
            format!("/.well-known/csaf/white/{path}.sha256"),
            (
                "text/plain".into(),
                format!("{hash}  {name}\n").into_bytes(),
            ),
        );
        files.insert(
            format!("/.well-known/csaf/white/{path}"),
            ("application/json".into(), bytes),
        );
    }
    files.insert(
        "/.well-known/csaf/white/index.txt".into(),
        ("text/plain".into(), index.into_bytes()),
    );
    let files = Arc::new(files);
    let app = Router::new().fallback(move |uri: Uri| {
        let files = files.clone();
        async move {
            match files.get(uri.path()) {
                Some((media, bytes)) => {
                    ([(header::CONTENT_TYPE, media.clone())], bytes.clone()).into_response()
                }
                None => StatusCode::NOT_FOUND.into_response(),
            }
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

fn real_csaf() -> Vec<(String, Vec<u8>, Value)> {
    let directory = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/csaf-real/advisories"
    );
    let mut documents = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(directory)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for path in names {
        let bytes = std::fs::read(&path).unwrap();
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        let year = value["document"]["tracking"]["initial_release_date"]
            .as_str()
            .unwrap()[..4]
            .to_owned();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        documents.push((format!("{year}/{name}"), bytes, value));
    }
    documents
}

#[tokio::test]
async fn a_csaf_only_provider_gets_csaf_checks_and_not_offered_for_the_rest() {
    let documents = real_csaf();
    let invalid = documents
        .iter()
        .filter(|(_, _, value)| !fixlog_csaf::validate(value).is_valid())
        .count();
    let served = documents
        .iter()
        .map(|(path, bytes, _)| (path.clone(), bytes.clone()))
        .collect();
    let url = csaf_provider(served, None).await;
    let report = verify_publisher(&OnlineOptions::new(&url)).await.unwrap();
    for id in [
        "accessible.offer.restconf-not-offered",
        "accessible.offer.openapi-not-offered",
        "accessible.offer.page-not-offered",
        "accessible.offer.tlog-not-offered",
    ] {
        assert!(report.has(id), "{id}: {}", report.to_text());
    }
    assert_eq!(report.checked.offered, ["csaf"]);
    let checks = report.checked.checks.join("\n");
    assert!(
        checks.contains(&format!("{} documents", documents.len())),
        "{checks}"
    );
    // The verdict is the validator's: fail exactly when some real document is invalid.
    let csaf_errors = report
        .findings
        .iter()
        .filter(|f| f.is_error() && f.id.starts_with("wellformed.csaf."))
        .count();
    assert_eq!(csaf_errors > 0, invalid > 0, "{}", report.to_text());
    assert_eq!(report.verdict == Verdict::Fail, invalid > 0);
    eprintln!(
        "csaf-real: {} documents, {invalid} invalid per fixlog-csaf; verdict {:?}",
        documents.len(),
        report.verdict
    );
}

#[tokio::test]
async fn csaf_defects_are_named() {
    let valid: Vec<(String, Vec<u8>, Value)> = real_csaf()
        .into_iter()
        .filter(|(_, _, value)| fixlog_csaf::validate(value).is_valid())
        .take(3)
        .collect();
    assert_eq!(valid.len(), 3);
    let clean: Vec<(String, Vec<u8>)> = valid
        .iter()
        .map(|(p, b, _)| (p.clone(), b.clone()))
        .collect();
    let report = verify_publisher(&OnlineOptions::new(
        csaf_provider(clean.clone(), None).await,
    ))
    .await
    .unwrap();
    assert_eq!(report.verdict, Verdict::Pass, "{}", report.to_text());

    // A revision history that lost its latest entry.
    let mut broken = clean.clone();
    let mut value = valid[0].2.clone();
    let history = value["document"]["tracking"]["revision_history"]
        .as_array_mut()
        .unwrap();
    if history.len() > 1 {
        history.pop();
    } else {
        history[0]["number"] = json!("0");
    }
    broken[0].1 = serde_json::to_vec(&value).unwrap();
    let report = verify_publisher(&OnlineOptions::new(csaf_provider(broken, None).await))
        .await
        .unwrap();
    assert!(
        errors(&report).contains(&"wellformed.csaf.revision-history".to_owned()),
        "{}",
        report.to_text()
    );

    // A document under a name that is not its tracking id's.
    let mut renamed = clean.clone();
    renamed[1].0 = renamed[1].0.replace(".json", "-copy.json");
    let report = verify_publisher(&OnlineOptions::new(csaf_provider(renamed, None).await))
        .await
        .unwrap();
    assert!(
        errors(&report).contains(&"wellformed.csaf.filename".to_owned()),
        "{}",
        report.to_text()
    );

    // A .sha256 that does not match.
    let name: &'static str = Box::leak(
        clean[2]
            .0
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned()
            .into_boxed_str(),
    );
    let report = verify_publisher(&OnlineOptions::new(
        csaf_provider(
            clean,
            Some((
                name,
                "00000000000000000000000000000000000000000000000000000000000000ff",
            )),
        )
        .await,
    ))
    .await
    .unwrap();
    assert_eq!(
        errors(&report),
        ["authentic.csaf.hash-mismatch"],
        "{}",
        report.to_text()
    );
}
