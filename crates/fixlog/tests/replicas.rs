//! Three `fixlog serve` replicas on one PostgreSQL schema behind nginx round-robin.
//!
//! Concurrent publishes through nginx (so every replica appends) must make one gap-free
//! sequence and one tree (ARCHITECTURE.md invariant 9): every acknowledged sequence number is
//! the entry it acknowledged, the entries are 1..N without a gap, the three replicas serve the
//! same checkpoint, `fixlog verify` through nginx passes, and every RESTCONF subscriber of every
//! replica (connected to that replica directly, with replay from the start) receives every entry
//! exactly once in sequence order.
//!
//! Needs `FIXLOG_TEST_POSTGRES_URL` and `/usr/sbin/nginx`. Size: `FIXLOG_REPLICAS_CLIENTS`
//! (default 4) concurrent clients × `FIXLOG_REPLICAS_RELEASES` (default 25) releases each,
//! `FIXLOG_REPLICAS_SUBSCRIBERS` (default 3) subscribers per replica; scripts/replicas.sh runs
//! the full size (8 × 50, 4 per replica) and prints the figures.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{
    BIN, NGINX, Nginx, PgSchema, Server, assert_exit, free_port, postgres_base_url, run,
    start_nginx, stdout,
};
use serde_json::{Value, json};

fn size_from_env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// `fixlog serve` on a free port, once it listens.
fn replica(db: &str, key: &Path, public_url: &str) -> Server {
    let key = key.to_str().expect("UTF-8 path");
    Server::start_with(
        Path::new("."),
        &["--db", db, "--key", key, "--public-url", public_url],
        // Every request reaches a replica from nginx's one address: no per-address limits.
        &[
            ("FIXLOG_WRITE_RATE", "0"),
            ("FIXLOG_SUBSCRIBE_RATE", "0"),
            ("FIXLOG_MAX_CONNS_PER_IP", "4096"),
            ("FIXLOG_RESTCONF_MAX_PER_CLIENT", "1024"),
        ],
    )
}

/// nginx balancing round-robin over `replicas`; RESTCONF (a subscription lives in the memory of
/// the replica that created it) is hashed by client address so a client's subscription URI
/// reaches the replica holding it.
fn balancer(prefix: &Path, port: u16, replicas: &[String]) -> Nginx {
    let servers: String = replicas
        .iter()
        .map(|url| format!("        server {};\n", url.trim_start_matches("http://")))
        .collect();
    let config = format!(
        r#"worker_processes 1;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    upstream replicas {{
{servers}        keepalive 32;
    }}
    upstream restconf {{
        hash $binary_remote_addr consistent;
{servers}    }}
    server {{
        listen 127.0.0.1:{port};
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        proxy_buffering off;
        proxy_read_timeout 300s;
        location / {{ proxy_pass http://replicas; }}
        location /restconf/ {{ proxy_pass http://restconf; }}
    }}
}}
"#
    );
    start_nginx(prefix, &config, port)
}

/// One RESTCONF subscriber of one replica: establishes a subscription with replay from the
/// start, reads the SSE stream and returns the sequence numbers of the entries received, in
/// arrival order, once it has `expected` of them (or when `deadline` passes).
async fn subscriber(
    replica: String,
    expected: u64,
    deadline: Instant,
) -> Result<(Vec<u64>, Instant), String> {
    let client = reqwest::Client::new();
    let response = client
        .post(format!(
            "{replica}/restconf/operations/ietf-subscribed-notifications:establish-subscription"
        ))
        .header("content-type", "application/yang-data+json")
        .header("accept", "application/yang-data+json")
        .json(&json!({"ietf-subscribed-notifications:input": {
            "stream": "fwsec-log", "replay-start-time": "1970-01-01T00:00:00Z"}}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let output: Value = response.json().await.map_err(|e| e.to_string())?;
    let uri = output
        .pointer("/ietf-subscribed-notifications:output/ietf-restconf-subscribed-notifications:uri")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("establish-subscription on {replica}: {output}"))?;
    // The URI names the public (balanced) URL; this subscriber reads from its replica directly.
    let path = uri
        .find("/restconf/subscriptions/")
        .map(|at| &uri[at..])
        .ok_or_else(|| format!("establish-subscription on {replica}: URI {uri}"))?;
    let uri = format!("{replica}{path}");
    let mut response = client
        .get(&uri)
        .header("accept", "text/event-stream")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let mut buffer = String::new();
    let mut received = Vec::new();
    while (received.len() as u64) < expected {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let chunk = match tokio::time::timeout(remaining, response.chunk()).await {
            Ok(Ok(Some(chunk))) => chunk,
            Ok(Ok(None)) => return Err(format!("{uri}: stream ended after {}", received.len())),
            Ok(Err(error)) => return Err(format!("{uri}: {error}")),
            Err(_) => return Ok((received, Instant::now())),
        };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            for data in event.lines().filter_map(|line| line.strip_prefix("data:")) {
                let envelope: Value = serde_json::from_str(data.trim())
                    .map_err(|e| format!("{uri}: SSE data is not JSON: {e}"))?;
                if let Some(seq) = envelope
                    .pointer("/ietf-restconf:notification/fwsec-log:firmware-security-update/sequence-number")
                    .and_then(Value::as_u64)
                {
                    received.push(seq);
                }
            }
        }
    }
    Ok((received, Instant::now()))
}

fn digest(text: &str, length: usize) -> String {
    let mut hex = String::new();
    let mut counter = 0u64;
    while hex.len() < length {
        let mut state: u64 = 0xcbf2_9ce4_8422_2325 ^ counter;
        for byte in text.bytes() {
            state = (state ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        hex.push_str(&format!("{state:016x}"));
        counter += 1;
    }
    hex.truncate(length);
    hex
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_replicas_behind_nginx_make_one_log() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Some(base) = postgres_base_url() else {
        return;
    };
    if !Path::new(NGINX).exists() {
        assert!(std::env::var("CI").is_err(), "{NGINX} is missing in CI");
        eprintln!("skipped: {NGINX} is not installed");
        return;
    }
    let clients = size_from_env("FIXLOG_REPLICAS_CLIENTS", 4);
    let releases = size_from_env("FIXLOG_REPLICAS_RELEASES", 25);
    let per_replica = size_from_env("FIXLOG_REPLICAS_SUBSCRIBERS", 3);
    let schema = PgSchema::create(&base);
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("log.key");
    let keygen = Command::new(BIN)
        .args(["keygen", "--origin", "replicas.example/log", "--out"])
        .arg(&key)
        .output()
        .unwrap();
    assert_exit(&keygen, 0);

    let port = free_port();
    let front = format!("http://127.0.0.1:{port}");
    // The first replica migrates the fresh schema; the other two start on it.
    let mut replicas = vec![replica(&schema.url, &key, &front)];
    replicas.push(replica(&schema.url, &key, &front));
    replicas.push(replica(&schema.url, &key, &front));
    let urls: Vec<String> = replicas.iter().map(|server| server.url.clone()).collect();
    let _nginx = balancer(&dir.path().join("nginx"), port, &urls);
    let token = run(
        &[
            "token",
            "create",
            "--db",
            &schema.url,
            "--role",
            "admin",
            "--name",
            "replicas",
        ],
        &[],
    );
    assert_exit(&token, 0);
    let token = stdout(&token);

    let http = reqwest::Client::new();
    let product = http
        .post(format!("{front}/api/v1/products"))
        .bearer_auth(&token)
        .json(
            &json!({"id": "plc-r", "name": "Replica PLC", "device_class": "plc",
                      "version_scheme": "semver", "lifecycle": "active"}),
        )
        .send()
        .await
        .unwrap();
    assert!(
        product.status().is_success(),
        "{}",
        product.text().await.unwrap()
    );
    // One advisory, so the CSAF provider has a document and `fixlog verify` can pass.
    let advisory = http
        .post(format!("{front}/api/v1/advisories"))
        .bearer_auth(&token)
        .json(
            &json!({"id": "RPL-SA-2026-001", "title": "Replica PLC: web server overflow",
            "cves": [{"id": "CVE-2026-50001"}],
            "products": [{"product": "plc-r", "status": "known_affected",
                "affected": {"fixed": "1.0.0"}}],
            "revision": {"number": "1", "date": "2026-11-29", "summary": "initial release"}}),
        )
        .send()
        .await
        .unwrap();
    assert!(
        advisory.status().is_success(),
        "{}",
        advisory.text().await.unwrap()
    );
    let total = 2 + clients * releases;

    // Subscribers on every replica, directly, before the publishes start.
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut subscribers = Vec::new();
    for url in &urls {
        for _ in 0..per_replica {
            subscribers.push((
                url.clone(),
                tokio::spawn(subscriber(url.clone(), total, deadline)),
            ));
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Concurrent publishes through nginx.
    let started = Instant::now();
    let mut publishers = Vec::new();
    for client in 0..clients {
        let http = http.clone();
        let token = token.clone();
        let front = front.clone();
        publishers.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for release in 0..releases {
                let version = format!("1.{client}.{release}");
                let response = http
                    .post(format!("{front}/api/v1/releases"))
                    .bearer_auth(&token)
                    .json(&json!({"product": "plc-r", "version": version,
                        "release_date": "2026-11-29",
                        "images": [{"name": "fw.bin", "size": 1000 + release,
                            "sha256": digest(&version, 64), "sha3_256": digest(&format!("3{version}"), 64)}]}))
                    .send()
                    .await
                    .expect("publish reaches nginx");
                let status = response.status();
                let body: Value = response.json().await.expect("JSON answer");
                assert!(status.is_success(), "{version}: {status} {body}");
                let seq = body["seq"].as_u64().expect("seq");
                assert!(body["checkpoint_size"].as_u64().unwrap() >= seq, "{body}");
                acknowledged.push((seq, version));
            }
            acknowledged
        }));
    }
    let mut acknowledged = BTreeMap::new();
    for publisher in publishers {
        for (seq, version) in publisher.await.unwrap() {
            assert!(
                acknowledged.insert(seq, version).is_none(),
                "seq {seq} acknowledged twice"
            );
        }
    }
    let publishing = started.elapsed();
    let published = clients * releases;
    eprintln!(
        "{published} releases by {clients} clients through nginx over 3 replicas in {:.2} s: {:.0} publishes/s",
        publishing.as_secs_f64(),
        published as f64 / publishing.as_secs_f64()
    );

    // One gap-free sequence holding every acknowledged entry.
    let mut entries = Vec::new();
    let mut after = 0;
    loop {
        let page: Value = http
            .get(format!("{front}/api/v1/entries?after={after}&limit=1000"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        entries.extend(page["entries"].as_array().unwrap().iter().cloned());
        match page["next_after"].as_u64() {
            Some(next) => after = next,
            None => break,
        }
    }
    let seqs: Vec<u64> = entries.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=total).collect::<Vec<_>>(), "gap-free 1..{total}");
    for (seq, version) in &acknowledged {
        assert_eq!(
            entries[*seq as usize - 1]["fixed_version"].as_str(),
            Some(version.as_str()),
            "entry {seq} is the release it acknowledged"
        );
    }

    // Every subscriber of every replica: every entry, once, in order.
    let last_acknowledged = started + publishing;
    let mut caught_up = Duration::ZERO;
    for (url, subscriber) in subscribers {
        let (received, finished) = subscriber.await.unwrap().unwrap();
        assert_eq!(
            received,
            (1..=total).collect::<Vec<_>>(),
            "a subscriber of {url} receives every entry once, in order"
        );
        caught_up = caught_up.max(finished.saturating_duration_since(last_acknowledged));
    }
    eprintln!(
        "{} subscribers ({per_replica} per replica) had all {total} entries {:.0} ms after the last acknowledgement",
        3 * per_replica,
        caught_up.as_secs_f64() * 1000.0
    );

    // One tree: the three replicas serve the same checkpoint, and it verifies from outside.
    let mut notes = Vec::new();
    for url in &urls {
        notes.push(
            http.get(format!("{url}/tlog/checkpoint"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        );
    }
    assert!(notes.iter().all(|note| *note == notes[0]), "{notes:#?}");
    assert!(
        notes[0].lines().nth(1) == Some(total.to_string().as_str()),
        "{}",
        notes[0]
    );
    let verify = Command::new(BIN)
        .args(["verify", &front, "--json"])
        .output()
        .unwrap();
    assert_exit(&verify, 0);
    drop(replicas);
}
