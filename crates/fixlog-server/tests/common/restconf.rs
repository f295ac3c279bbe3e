//! Helpers of the RESTCONF tests: a real server on 127.0.0.1:0, an SSE reader, and yanglint
//! validation against the modules the server serves (downloaded from its `/yang/…`).

#![allow(
    dead_code,
    reason = "each test binary uses a different subset of these helpers"
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use fixlog_server::AppState;
use fixlog_server::restconf::{Limits, Restconf};
use fixlog_store::Store;
use futures_util::StreamExt;
use serde_json::{Value, json};

/// A server listening on a loopback port.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its state.
    pub state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Test limits: short keep-alive, few subscriptions per client.
pub fn test_limits() -> Limits {
    Limits {
        max_per_client: 8,
        idle_timeout: Duration::from_secs(30),
        keepalive: Duration::from_millis(300),
        broadcast_capacity: 1024,
    }
}

/// Serves `store` on a fresh port with public URL = that address.
pub async fn start(store: Arc<dyn Store>, limits: Limits, database_url: Option<&str>) -> Server {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut state = AppState::new(
        store,
        fixlog_server::keys::demo_signer("test.example/log"),
        &base,
    );
    state.restconf = Arc::new(Restconf::new(limits));
    if let Some(url) = database_url {
        fixlog_server::restconf::attach_database_events(&state, url);
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(fixlog_server::serve(listener, state.clone(), async move {
        let _ = stopped.await;
    }));
    Server {
        base,
        state,
        stop: Some(stop),
    }
}

/// An HTTP client.
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().build().unwrap()
}

/// POSTs an RPC input; returns status and body (JSON or Null).
pub async fn rpc(
    client: &reqwest::Client,
    base: &str,
    rpc: &str,
    input: &Value,
    token: Option<&str>,
) -> (u16, Value) {
    let mut request = client
        .post(format!(
            "{base}/restconf/operations/ietf-subscribed-notifications:{rpc}"
        ))
        .header("content-type", "application/yang-data+json")
        .body(input.to_string());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        },
    )
}

/// `{"ietf-subscribed-notifications:input": input}`.
pub fn input(members: Value) -> Value {
    json!({ "ietf-subscribed-notifications:input": members })
}

/// GETs a JSON document.
pub async fn get_json(client: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// One SSE event or comment.
#[derive(Debug, Clone, PartialEq)]
pub enum SseItem {
    /// A `data:` event, parsed.
    Data(Value),
    /// A comment line (keep-alive).
    Comment,
}

/// Reads an SSE response event by event.
pub struct SseReader {
    stream: futures_util::stream::BoxStream<'static, reqwest::Result<axum::body::Bytes>>,
    buffer: String,
    /// Raw `data:` lines received, for the one-line-per-event check.
    pub data_lines: usize,
}

impl SseReader {
    /// Opens the subscription URI.
    pub async fn open(client: &reqwest::Client, uri: &str) -> (u16, Option<SseReader>, String) {
        let response = client
            .get(uri)
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        if status != 200 {
            return (status, None, response.text().await.unwrap());
        }
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        (
            status,
            Some(SseReader {
                stream: response.bytes_stream().boxed(),
                buffer: String::new(),
                data_lines: 0,
            }),
            String::new(),
        )
    }

    /// The next item, `None` when the stream ended; panics after `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<SseItem> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                let lines: Vec<&str> = event.trim_end().lines().collect();
                if lines.iter().all(|line| line.starts_with(':')) {
                    return Some(SseItem::Comment);
                }
                assert_eq!(lines.len(), 1, "one data line per event: {event:?}");
                let data = lines[0]
                    .strip_prefix("data: ")
                    .unwrap_or_else(|| panic!("not a data line: {event:?}"));
                self.data_lines += 1;
                return Some(SseItem::Data(serde_json::from_str(data).unwrap()));
            }
            match tokio::time::timeout(wait, self.stream.next())
                .await
                .expect("SSE event in time")
            {
                Some(chunk) => self
                    .buffer
                    .push_str(std::str::from_utf8(&chunk.unwrap()).unwrap()),
                None => return None,
            }
        }
    }

    /// The next `data:` event, skipping keep-alives.
    pub async fn next_data(&mut self, wait: Duration) -> Option<Value> {
        loop {
            match self.next(wait).await? {
                SseItem::Data(value) => return Some(value),
                SseItem::Comment => {}
            }
        }
    }
}

/// The name and content of the notification in an `ietf-restconf:notification` envelope,
/// after checking the envelope: exactly `eventTime` and one module-qualified member.
pub fn unwrap_envelope(event: &Value) -> (String, String, Value) {
    let notification = event["ietf-restconf:notification"]
        .as_object()
        .expect("envelope");
    assert_eq!(
        notification.len(),
        2,
        "eventTime and one notification: {event}"
    );
    let time = notification["eventTime"]
        .as_str()
        .expect("eventTime")
        .to_owned();
    let (name, body) = notification
        .iter()
        .find(|(name, _)| *name != "eventTime")
        .unwrap();
    assert!(name.contains(':'), "module-qualified: {name}");
    (time, name.clone(), body.clone())
}

/// yanglint over the modules a server serves.
pub struct Yanglint {
    directory: tempfile::TempDir,
    modules: Vec<PathBuf>,
    /// Number of documents validated.
    pub validated: std::cell::Cell<usize>,
}

impl Yanglint {
    /// Downloads every module listed in the server's YANG library (by its `location`), or
    /// `None` when yanglint is missing outside CI.
    pub async fn from_server(client: &reqwest::Client, base: &str) -> Option<Self> {
        if Command::new("yanglint").arg("--version").output().is_err() {
            assert!(
                std::env::var("CI").is_err(),
                "yanglint must be installed in CI"
            );
            eprintln!("skipped yanglint validation: yanglint is not installed");
            return None;
        }
        let (status, library) = get_json(
            client,
            &format!("{base}/restconf/data/ietf-yang-library:yang-library"),
        )
        .await;
        assert_eq!(status, 200);
        let directory = tempfile::tempdir().unwrap();
        let mut modules = Vec::new();
        let set = &library["ietf-yang-library:yang-library"]["module-set"][0];
        for (list, implemented) in [("module", true), ("import-only-module", false)] {
            for module in set[list].as_array().unwrap() {
                let location = module["location"][0].as_str().unwrap();
                assert!(
                    location.starts_with(base),
                    "location on this server: {location}"
                );
                let text = client
                    .get(location)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                let file = directory.path().join(format!(
                    "{}@{}.yang",
                    module["name"].as_str().unwrap(),
                    module["revision"].as_str().unwrap()
                ));
                std::fs::write(&file, text).unwrap();
                if implemented {
                    modules.push(file);
                }
            }
        }
        Some(Self {
            directory,
            modules,
            validated: std::cell::Cell::new(0),
        })
    }

    /// Validates `document` as yanglint type `kind` (`notif`, `rpc`, `reply`, `get`).
    pub fn check(&self, kind: &str, document: &Value) {
        let file = self
            .directory
            .path()
            .join(format!("doc-{}.json", self.validated.get()));
        std::fs::write(&file, document.to_string()).unwrap();
        let output = Command::new("yanglint")
            .arg("-p")
            .arg(self.directory.path())
            .args(["-t", kind])
            .args(self.modules.iter().map(|p| p.as_os_str()))
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            output.status.success() && output.stderr.is_empty(),
            "yanglint -t {kind} rejected {document}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        self.validated.set(self.validated.get() + 1);
    }

    /// Validates an SSE event: the envelope by hand, its notification with `-t notif`.
    pub fn check_event(&self, event: &Value) {
        let (time, name, body) = unwrap_envelope(event);
        assert!(
            fixlog_restconf::rpc::parse_time(&time).is_some(),
            "eventTime {time}"
        );
        self.check("notif", &json!({ name: body }));
    }

    /// Validates an RPC input `{"…:input": X}` as the RPC `name`.
    pub fn check_input(&self, name: &str, body: &Value) {
        self.check("rpc", &json!({ format!("ietf-subscribed-notifications:{name}"): body["ietf-subscribed-notifications:input"] }));
    }

    /// Validates an RPC output `{"…:output": X}` as the reply of `name`.
    pub fn check_output(&self, name: &str, body: &Value) {
        self.check("reply", &json!({ format!("ietf-subscribed-notifications:{name}"): body["ietf-subscribed-notifications:output"] }));
    }

    /// The path of a downloaded module.
    pub fn module_text(&self, file: &str) -> String {
        std::fs::read_to_string(self.directory.path().join(file)).unwrap()
    }

    /// The download directory.
    pub fn directory(&self) -> &Path {
        self.directory.path()
    }
}

/// Checks an `ietf-restconf:errors` body against the RFC 8040 §8 `yang-errors` template
/// (yanglint 2 has no `yang-data` parser): members, the error-type and error-tag
/// enumerations, and that an `error-app-tag` names an identity of the served
/// ietf-subscribed-notifications module derived from an error base.
pub fn check_errors(body: &Value, sn_module_text: &str) -> Value {
    let errors = body["ietf-restconf:errors"]["error"]
        .as_array()
        .expect("errors list");
    assert_eq!(errors.len(), 1, "{body}");
    let error = errors[0].as_object().unwrap();
    for member in error.keys() {
        assert!(
            [
                "error-type",
                "error-tag",
                "error-app-tag",
                "error-path",
                "error-message",
                "error-info"
            ]
            .contains(&member.as_str()),
            "unknown member {member}"
        );
    }
    assert!(
        ["transport", "rpc", "protocol", "application"]
            .contains(&error["error-type"].as_str().unwrap())
    );
    let tags = [
        "in-use",
        "invalid-value",
        "too-big",
        "missing-attribute",
        "bad-attribute",
        "unknown-attribute",
        "bad-element",
        "unknown-element",
        "unknown-namespace",
        "access-denied",
        "lock-denied",
        "resource-denied",
        "rollback-failed",
        "data-exists",
        "data-missing",
        "operation-not-supported",
        "operation-failed",
        "partial-operation",
        "malformed-message",
    ];
    assert!(
        tags.contains(&error["error-tag"].as_str().unwrap()),
        "{body}"
    );
    if let Some(tag) = error.get("error-app-tag") {
        let identity = tag
            .as_str()
            .unwrap()
            .strip_prefix("ietf-subscribed-notifications:")
            .expect("sn identity");
        assert!(
            sn_module_text.contains(&format!("identity {identity} {{")),
            "{identity} in the served module"
        );
    }
    if let Some(info) = error.get("error-info") {
        for (name, content) in info.as_object().unwrap() {
            let container = name
                .strip_prefix("ietf-subscribed-notifications:")
                .expect("qualified");
            assert!(
                sn_module_text.contains(&format!("rc:yang-data \"{container}\""))
                    || sn_module_text.contains(&format!("rc:yang-data {container}")),
                "{container}"
            );
            assert!(content["filter-failure-hint"].is_string() || content["reason"].is_string());
        }
    }
    Value::Object(error.clone())
}
