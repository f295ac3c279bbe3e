//! End to end: `fixlog export static` served by nginx verifies like the live server.
//!
//! `fixlog serve --demo` (known key) → `fixlog verify URL --json` → `fixlog export static` →
//! nginx (Debian, unprivileged, foreground) serves the folder with the generated
//! `nginx.conf.example` → `fixlog verify http://nginx --json`: the same verdict and the same
//! findings, except that the mirror reports the RESTCONF event stream as not offered. The
//! checkpoint, tiles, an entry bundle, entries and proofs are byte-for-byte the live ones and
//! come with the live media types.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::{BIN, NGINX, Nginx, Server, assert_exit, free_port, run, start_nginx, stdout};
use serde_json::Value;

/// nginx from the exported example configuration, on `port`, with its prefix in `prefix`.
fn start_mirror(out: &Path, prefix: &Path, port: u16) -> Nginx {
    let example =
        std::fs::read_to_string(out.join("nginx.conf.example")).expect("nginx.conf.example");
    assert!(example.contains("listen 8080;"), "{example}");
    // Unprivileged: temporary files under the prefix, no access log.
    let config = example
        .replace("listen 8080;", &format!("listen 127.0.0.1:{port};"))
        .replacen(
            "http {",
            "http {\n    access_log off;\n    client_body_temp_path tmp/body;\n    proxy_temp_path tmp/proxy;\n    fastcgi_temp_path tmp/fastcgi;\n    uwsgi_temp_path tmp/uwsgi;\n    scgi_temp_path tmp/scgi;",
            1,
        );
    start_nginx(prefix, &config, port)
}

fn verify_json(url: &str) -> (i32, Value) {
    let output = Command::new(BIN)
        .args(["verify", url, "--json"])
        .output()
        .expect("fixlog verify runs");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "verify --json: {error}\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().expect("exit code"), report)
}

/// Every finding as `severity id subject` with the base URL taken out of the subject.
fn findings(report: &Value, base: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    collect_findings(report, &mut |finding| {
        found.insert(format!(
            "{} {} {}",
            finding["severity"].as_str().unwrap_or_default(),
            finding["id"].as_str().unwrap_or_default(),
            finding["subject"]
                .as_str()
                .unwrap_or_default()
                .replace(base, "")
        ));
    });
    found
}

fn collect_findings(value: &Value, sink: &mut dyn FnMut(&Value)) {
    match value {
        Value::Object(map) if map.contains_key("id") && map.contains_key("severity") => {
            sink(value);
        }
        Value::Object(map) => map.values().for_each(|v| collect_findings(v, sink)),
        Value::Array(items) => items.iter().for_each(|v| collect_findings(v, sink)),
        _ => {}
    }
}

async fn fetch(url: &str) -> (u16, String, Vec<u8>) {
    let response = reqwest::get(url).await.expect("GET");
    let status = response.status().as_u16();
    let media_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .unwrap_or_default()
        .to_owned();
    (
        status,
        media_type,
        response.bytes().await.expect("body").to_vec(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_static_mirror_behind_nginx_verifies_like_the_live_server() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    if !Path::new(NGINX).exists() {
        assert!(
            std::env::var("CI").is_err(),
            "{NGINX} is missing in CI (scripts/test.sh installs nginx-light)"
        );
        eprintln!("skipped: {NGINX} is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("log.key");
    let keygen = Command::new(BIN)
        .args(["keygen", "--origin", "mirror.example/log", "--out"])
        .arg(&key)
        .output()
        .unwrap();
    assert_exit(&keygen, 0);
    let verifier_key = stdout(&keygen);
    let db = format!("sqlite://{}", dir.path().join("live.db").display());
    let server = Server::start_with(
        dir.path(),
        &["--demo", "--db", &db, "--key", key.to_str().unwrap()],
        &[],
    );
    let live = server.url.clone();

    let (live_code, live_report) = verify_json(&live);
    assert_eq!(live_code, 0, "the live demo verifies: {live_report:#}");

    let port = free_port();
    let mirror = format!("http://127.0.0.1:{port}");
    let out = dir.path().join("mirror");
    let export = run(
        &[
            "export",
            "static",
            "--db",
            &db,
            "--out",
            out.to_str().unwrap(),
            "--public-url",
            &mirror,
            "--verifier-key",
            &verifier_key,
        ],
        &[],
    );
    assert_exit(&export, 0);
    let _nginx = start_mirror(&out, &dir.path().join("nginx"), port);

    let (mirror_code, mirror_report) = verify_json(&mirror);
    assert_eq!(mirror_code, live_code, "{mirror_report:#}");
    assert_eq!(mirror_report["verdict"], live_report["verdict"]);
    assert_eq!(
        mirror_report["checked"]["size"],
        live_report["checked"]["size"]
    );
    let mut live_findings = findings(&live_report, &live);
    // nginx sends ETag and Last-Modified with every file, so the live server's note that some
    // answers carry no cache validator has no counterpart on the mirror.
    live_findings.remove("info accessible.cache.no-validators /");
    let mut mirror_findings = findings(&mirror_report, &mirror);
    let stream = "info accessible.offer.restconf-stream-not-offered /restconf/operations/ietf-subscribed-notifications:establish-subscription";
    assert!(
        mirror_findings.remove(stream),
        "the mirror reports the RESTCONF stream as not offered: {mirror_findings:#?}"
    );
    assert_eq!(mirror_findings, live_findings);

    // Byte for byte and with the same media type: the log, an entry, its proof, a page of
    // entries, the CSAF provider's index.
    let size = live_report["checked"]["size"].as_u64().unwrap();
    assert!(size > 1, "the demo has entries");
    let mut paths = vec![
        "/tlog/checkpoint".to_owned(),
        "/tlog/key".to_owned(),
        format!("/tlog/tile/0/000.p/{size}"),
        format!("/tlog/tile/entries/000.p/{size}"),
        "/api/v1/entries/1".to_owned(),
        format!("/api/v1/entries/{size}"),
        "/api/v1/entries/2/proof".to_owned(),
        "/api/v1/entries?after=0&limit=1000".to_owned(),
        "/api/v1/entries".to_owned(),
        "/.well-known/csaf/white/index.txt".to_owned(),
        "/openapi.json".to_owned(),
    ];
    if size >= 256 {
        paths.truncate(2);
    }
    for path in &paths {
        let (live_status, live_type, live_body) = fetch(&format!("{live}{path}")).await;
        let (status, media_type, body) = fetch(&format!("{mirror}{path}")).await;
        assert_eq!((live_status, status), (200, 200), "{path}");
        assert_eq!(media_type, live_type, "{path}");
        assert!(body == live_body, "{path} differs between live and mirror");
    }
    // A filtered query has no file: the mirror answers 404 rather than an unfiltered page.
    let (status, _, _) = fetch(&format!("{mirror}/api/v1/entries?product=x")).await;
    assert_eq!(status, 404);
}
