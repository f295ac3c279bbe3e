//! The log as an RFC 8639 event stream over RESTCONF (RFC 8650), over real HTTP: discovery,
//! the YANG library and modules, replay from the epoch in order, replay-completed, live
//! entries, modify, delete, kill, stop-time, resume, and every error of the RFC 8650 §3.3
//! table. Every streams document, RPC input and reply and notification is validated with
//! yanglint against the modules downloaded from the server's own `/yang/…`.

#[path = "common/restconf.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use fixlog_server::auth::{Role, create_token};
use fixlog_store::Store;
use fixlog_store_sqlite::SqliteStore;
use serde_json::{Value, json};
use support::*;

const WAIT: Duration = Duration::from_secs(10);

async fn demo_server() -> (Server, tempfile::TempDir) {
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/t.db", directory.path().display());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::connect(&url).await.unwrap());
    let server = start(store, test_limits(), None).await;
    fixlog_server::demo::load(&server.state.log).await.unwrap();
    (server, directory)
}

/// Publishes a new product through the write API; returns its sequence number.
async fn publish_product(client: &reqwest::Client, server: &Server, id: &str, class: &str) -> u64 {
    let token = create_token(server.state.store().as_ref(), "t", Role::Editor, None)
        .await
        .unwrap();
    let response = client
        .post(format!("{}/api/v1/products", server.base))
        .bearer_auth(token)
        .json(
            &json!({"id": id, "name": format!("Test {id}"), "device_class": class,
                      "version_scheme": "semver", "lifecycle": "active"}),
        )
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap()
    );
    let body: Value = response.json().await.unwrap();
    body["seq"]
        .as_u64()
        .or_else(|| body["entry"]["seq"].as_u64())
        .unwrap_or_else(|| panic!("seq in {body}"))
}

fn uri_of(output: &Value) -> String {
    output["ietf-subscribed-notifications:output"]["ietf-restconf-subscribed-notifications:uri"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn id_of(output: &Value) -> u64 {
    output["ietf-subscribed-notifications:output"]["id"]
        .as_u64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_library_and_modules() {
    let (server, _dir) = demo_server().await;
    let client = client();
    let response = client
        .get(format!("{}/.well-known/host-meta", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/xrd+xml");
    let xrd = response.text().await.unwrap();
    assert_eq!(xrd.matches("rel='restconf'").count(), 1);
    assert!(xrd.contains("href='/restconf'"));

    let lint = Yanglint::from_server(&client, &server.base).await;
    let (status, streams) = get_json(
        &client,
        &format!(
            "{}/restconf/data/ietf-subscribed-notifications:streams",
            server.base
        ),
    )
    .await;
    assert_eq!(status, 200);
    let list = streams["ietf-subscribed-notifications:streams"]["stream"]
        .as_array()
        .unwrap();
    let log = list.iter().find(|s| s["name"] == "fwsec-log").unwrap();
    assert_eq!(log["replay-support"], json!([null]));
    let first = server.state.store().entry(1).await.unwrap().unwrap();
    let first_doc = fixlog_formats::EntryDoc::from_bytes(&first.body).unwrap();
    assert_eq!(log["replay-log-creation-time"], first_doc.published);
    let (_, library) = get_json(
        &client,
        &format!(
            "{}/restconf/data/ietf-yang-library:yang-library",
            server.base
        ),
    )
    .await;
    let (_, log_data) = get_json(
        &client,
        &format!("{}/restconf/data/fwsec-log:log", server.base),
    )
    .await;
    let entries = log_data["fwsec-log:log"]["entry"].as_array().unwrap();
    assert_eq!(
        entries.len() as u64,
        server.state.store().size().await.unwrap()
    );
    let (status, one) = get_json(
        &client,
        &format!("{}/restconf/data/fwsec-log:log/entry=3", server.base),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(one["fwsec-log:entry"][0], entries[2]);
    if let Some(lint) = lint {
        lint.check("get", &streams);
        lint.check("get", &library);
        lint.check("get", &log_data);
        // The served fwsec-log module is the one in the repository.
        assert_eq!(
            lint.module_text("fwsec-log@2026-11-29.yang"),
            include_str!("../yang/fwsec-log@2026-11-29.yang")
        );
    }
    // Every entry of the log data maps back to the stored entry's canonical bytes.
    for entry in entries {
        let document = fixlog_restconf::notification::entry_from_yang(entry).unwrap();
        let stored = server
            .state
            .store()
            .entry(document.seq)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            document.canonical_bytes().unwrap(),
            stored.body,
            "entry {}",
            document.seq
        );
    }
    let (status, _) = get_json(
        &client,
        &format!("{}/yang/nonexistent@2020-01-01.yang", server.base),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_from_the_epoch_then_live_then_modify_and_delete() {
    let (server, _dir) = demo_server().await;
    let client = client();
    let lint = Yanglint::from_server(&client, &server.base).await;
    let size = server.state.store().size().await.unwrap();
    let request = input(
        json!({"stream": "fwsec-log", "replay-start-time": "1970-01-01T00:00:00Z", "encoding": "encode-json"}),
    );
    let (status, output) = rpc(
        &client,
        &server.base,
        "establish-subscription",
        &request,
        None,
    )
    .await;
    assert_eq!(status, 200, "{output}");
    let uri = uri_of(&output);
    assert!(uri.starts_with(&format!("{}/restconf/subscriptions/", server.base)));
    assert!(
        uri.rsplit('/').next().unwrap().len() >= 32,
        "unguessable: {uri}"
    );
    assert!(
        output["ietf-subscribed-notifications:output"]["replay-start-time-revision"].is_string()
    );
    let id = id_of(&output);

    let (_, mut reader, _) = SseReader::open(&client, &uri).await;
    let reader = reader.as_mut().unwrap();
    // A second GET while the first is live: 409.
    let (status, _, body) = SseReader::open(&client, &uri).await;
    assert_eq!(status, 409);
    let sn_text = include_str!("../yang/ietf-subscribed-notifications@2019-09-09.yang");
    assert_eq!(
        check_errors(&serde_json::from_str(&body).unwrap(), sn_text)["error-tag"],
        "in-use"
    );

    let mut previous_time = String::new();
    let mut events = Vec::new();
    for expected in 1..=size {
        let event = reader.next_data(WAIT).await.unwrap();
        let (time, name, body) = unwrap_envelope(&event);
        assert_eq!(name, "fwsec-log:firmware-security-update");
        assert_eq!(body["sequence-number"], expected);
        assert_eq!(
            body["published"], time,
            "eventTime is the entry's published time"
        );
        assert!(
            fixlog_restconf::rpc::parse_time(&time)
                > fixlog_restconf::rpc::parse_time(&previous_time)
                    .or(Some(time::OffsetDateTime::UNIX_EPOCH))
                || previous_time.is_empty()
        );
        previous_time = time;
        // The notification is the rendering of the leaf.
        let stored = server.state.store().entry(expected).await.unwrap().unwrap();
        let document = fixlog_restconf::notification::entry_from_yang(&body).unwrap();
        assert_eq!(document.canonical_bytes().unwrap(), stored.body);
        let leaf = fixlog_tlog::leaf_hash(&stored.body);
        assert_eq!(body["leaf-hash"], hex::encode(leaf.as_ref() as &[u8]));
        events.push(event);
    }
    let completed = reader.next_data(WAIT).await.unwrap();
    let (_, name, body) = unwrap_envelope(&completed);
    assert_eq!(name, "ietf-subscribed-notifications:replay-completed");
    assert_eq!(body["id"], id);

    // A live entry published after subscribing arrives within a second.
    let published_at = Instant::now();
    let seq = publish_product(&client, &server, "plc-live-1", "plc").await;
    let live = reader.next_data(WAIT).await.unwrap();
    let latency = published_at.elapsed();
    let (_, _, body) = unwrap_envelope(&live);
    assert_eq!(body["sequence-number"], seq);
    assert_eq!(body["device-class"], json!(["plc"]));
    assert!(
        latency < Duration::from_secs(1),
        "live entry after {latency:?}"
    );
    // Keep-alives flow while nothing happens.
    assert_eq!(reader.next(WAIT).await, Some(SseItem::Comment));

    // modify-subscription: a filter; subscription-modified marks where the new terms start.
    let modify = input(
        json!({"id": id, "stream-xpath-filter": "/fwsec-log:firmware-security-update[fwsec-log:device-class='fwsec-log:hmi']"}),
    );
    let (status, _) = rpc(&client, &server.base, "modify-subscription", &modify, None).await;
    assert_eq!(status, 204);
    let modified = reader.next_data(WAIT).await.unwrap();
    let (_, name, body) = unwrap_envelope(&modified);
    assert_eq!(name, "ietf-subscribed-notifications:subscription-modified");
    assert_eq!(body["ietf-restconf-subscribed-notifications:uri"], uri);
    publish_product(&client, &server, "plc-filtered-out", "plc").await;
    let hmi = publish_product(&client, &server, "hmi-live-2", "hmi").await;
    let event = reader.next_data(WAIT).await.unwrap();
    assert_eq!(
        unwrap_envelope(&event).2["sequence-number"],
        hmi,
        "the plc entry was filtered out"
    );

    // delete-subscription: 204, then the stream closes with nothing more.
    let delete = input(json!({"id": id}));
    let (status, body) = rpc(&client, &server.base, "delete-subscription", &delete, None).await;
    assert_eq!((status, body), (204, Value::Null));
    assert_eq!(
        reader.next_data(WAIT).await,
        None,
        "stream closed after delete"
    );
    let (status, _, _) = SseReader::open(&client, &uri).await;
    assert_eq!(status, 404);

    if let Some(lint) = lint {
        lint.check_input("establish-subscription", &request);
        lint.check_output("establish-subscription", &output);
        lint.check_input("modify-subscription", &modify);
        lint.check_input("delete-subscription", &delete);
        for event in events.iter().chain([&completed, &live, &modified, &event]) {
            lint.check_event(event);
        }
        eprintln!("yanglint validated {} documents", lint.validated.get());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_stop_time_filters_and_resume() {
    let (server, _dir) = demo_server().await;
    let client = client();
    let lint = Yanglint::from_server(&client, &server.base).await;
    let size = server.state.store().size().await.unwrap();

    // Resume after sequence number N: replay from the epoch with a predicate; the subtree
    // form selects by product.
    let resume = input(
        json!({"stream": "fwsec-log", "replay-start-time": "1970-01-01T00:00:00Z",
        "stream-xpath-filter": format!("/fwsec-log:firmware-security-update[fwsec-log:sequence-number > {}]", size - 3)}),
    );
    let (status, output) = rpc(
        &client,
        &server.base,
        "establish-subscription",
        &resume,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (_, reader, _) = SseReader::open(&client, &uri_of(&output)).await;
    let mut reader = reader.unwrap();
    let mut seen = Vec::new();
    for _ in 0..3 {
        let event = reader.next_data(WAIT).await.unwrap();
        if let Some(lint) = &lint {
            lint.check_event(&event);
        }
        seen.push(
            unwrap_envelope(&event).2["sequence-number"]
                .as_u64()
                .unwrap(),
        );
    }
    assert_eq!(seen, vec![size - 2, size - 1, size]);
    let completed = reader.next_data(WAIT).await.unwrap();
    assert_eq!(
        unwrap_envelope(&completed).1,
        "ietf-subscribed-notifications:replay-completed"
    );

    // Reconnecting to the same URI with Last-Event-ID resumes after that sequence number.
    drop(reader);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let response = client
        .get(uri_of(&output))
        .header("accept", "text/event-stream")
        .header("last-event-id", (size - 1).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    drop(response);

    let subtree = input(
        json!({"stream": "fwsec-log", "replay-start-time": "1970-01-01T00:00:00Z",
        "stream-subtree-filter": {"fwsec-log:firmware-security-update": {"kind": "product", "device-class": ["fwsec-log:plc"]}}}),
    );
    let (status, output) = rpc(
        &client,
        &server.base,
        "establish-subscription",
        &subtree,
        None,
    )
    .await;
    assert_eq!(status, 200, "{output}");
    let (_, reader, _) = SseReader::open(&client, &uri_of(&output)).await;
    let mut reader = reader.unwrap();
    loop {
        let event = reader.next_data(WAIT).await.unwrap();
        let (_, name, body) = unwrap_envelope(&event);
        if name.ends_with("replay-completed") {
            break;
        }
        assert_eq!(body["kind"], "product");
        assert_eq!(body["product-record"]["device-class"], "plc");
    }

    // A replay with a stop-time in the past ends the stream after the entries before it.
    let third = server.state.store().entry(3).await.unwrap().unwrap();
    let stop = fixlog_restconf::rpc::format_time(third.published);
    let bounded = input(
        json!({"stream": "fwsec-log", "replay-start-time": "1970-01-01T00:00:00Z", "stop-time": stop}),
    );
    let (status, output) = rpc(
        &client,
        &server.base,
        "establish-subscription",
        &bounded,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (_, reader, _) = SseReader::open(&client, &uri_of(&output)).await;
    let mut reader = reader.unwrap();
    for expected in 1..=3 {
        let event = reader.next_data(WAIT).await.unwrap();
        assert_eq!(unwrap_envelope(&event).2["sequence-number"], expected);
    }
    assert_eq!(
        reader.next_data(WAIT).await,
        None,
        "the stream ends at stop-time"
    );

    // kill-subscription (admin): the subscriber gets subscription-terminated with a reason.
    let live = input(json!({"stream": "fwsec-log"}));
    let (_, output) = rpc(&client, &server.base, "establish-subscription", &live, None).await;
    let id = id_of(&output);
    let (_, reader, _) = SseReader::open(&client, &uri_of(&output)).await;
    let mut reader = reader.unwrap();
    let kill = input(json!({"id": id}));
    let editor = create_token(server.state.store().as_ref(), "e", Role::Editor, None)
        .await
        .unwrap();
    let sn_text = include_str!("../yang/ietf-subscribed-notifications@2019-09-09.yang");
    let (status, body) = rpc(&client, &server.base, "kill-subscription", &kill, None).await;
    assert_eq!(status, 401);
    assert_eq!(check_errors(&body, sn_text)["error-tag"], "access-denied");
    let (status, body) = rpc(
        &client,
        &server.base,
        "kill-subscription",
        &kill,
        Some(&editor),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(check_errors(&body, sn_text)["error-tag"], "access-denied");
    let admin = create_token(server.state.store().as_ref(), "a", Role::Admin, None)
        .await
        .unwrap();
    let (status, _) = rpc(
        &client,
        &server.base,
        "kill-subscription",
        &kill,
        Some(&admin),
    )
    .await;
    assert_eq!(status, 204);
    let terminated = reader.next_data(WAIT).await.unwrap();
    let (_, name, body) = unwrap_envelope(&terminated);
    assert_eq!(
        name,
        "ietf-subscribed-notifications:subscription-terminated"
    );
    assert_eq!(body, json!({"id": id, "reason": "no-such-subscription"}));
    assert_eq!(reader.next_data(WAIT).await, None);
    if let Some(lint) = lint {
        lint.check_input("establish-subscription", &resume);
        lint.check_input("establish-subscription", &subtree);
        lint.check_input("establish-subscription", &bounded);
        lint.check_input("kill-subscription", &kill);
        lint.check_event(&completed);
        lint.check_event(&terminated);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_of_the_table() {
    let (server, _dir) = demo_server().await;
    let client = client();
    let sn_text = include_str!("../yang/ietf-subscribed-notifications@2019-09-09.yang");
    let app_tag = |error: &Value| {
        error["error-app-tag"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let base = &server.base;
    let establish = |members: Value| {
        let client = client.clone();
        async move {
            rpc(
                &client,
                base,
                "establish-subscription",
                &input(members),
                None,
            )
            .await
        }
    };

    // Unknown stream: 400 invalid-value naming the stream leaf.
    let (status, body) = establish(json!({"stream": "no-such-stream"})).await;
    assert_eq!(status, 400);
    let error = check_errors(&body, sn_text);
    assert_eq!(
        (error["error-tag"].as_str(), error["error-path"].as_str()),
        (
            Some("invalid-value"),
            Some("/ietf-subscribed-notifications:establish-subscription/stream")
        )
    );

    // Bad replay time: in the future; and a stop-time before the replay start.
    let (status, body) =
        establish(json!({"stream": "fwsec-log", "replay-start-time": "2999-01-01T00:00:00Z"}))
            .await;
    assert_eq!(status, 400);
    assert_eq!(
        check_errors(&body, sn_text)["error-path"],
        "/ietf-subscribed-notifications:establish-subscription/replay-start-time"
    );
    let (status, body) = establish(json!({"stream": "fwsec-log", "replay-start-time": "2020-01-01T00:00:00Z", "stop-time": "2019-01-01T00:00:00Z"})).await;
    assert_eq!(status, 400);
    assert_eq!(
        check_errors(&body, sn_text)["error-path"],
        "/ietf-subscribed-notifications:establish-subscription/stop-time"
    );
    let (status, body) =
        establish(json!({"stream": "fwsec-log", "replay-start-time": "yesterday"})).await;
    assert_eq!(status, 400);
    check_errors(&body, sn_text);

    // replay-unsupported: the NETCONF stream is live only. 501.
    let (status, body) =
        establish(json!({"stream": "NETCONF", "replay-start-time": "2020-01-01T00:00:00Z"})).await;
    assert_eq!(status, 501);
    let error = check_errors(&body, sn_text);
    assert_eq!(
        (error["error-tag"].as_str(), app_tag(&error).as_str()),
        (
            Some("operation-not-supported"),
            "ietf-subscribed-notifications:replay-unsupported"
        )
    );

    // filter-unsupported with a hint, for XPath and subtree and named filters. 400.
    for members in [
        json!({"stream": "fwsec-log", "stream-xpath-filter": "/fwsec-log:firmware-security-update[count(fwsec-log:cve) > 1]"}),
        json!({"stream": "fwsec-log", "stream-subtree-filter": {"fwsec-log:firmware-security-update": {"image": {}}}}),
        json!({"stream": "fwsec-log", "stream-filter-name": "mine"}),
    ] {
        let (status, body) = establish(members).await;
        assert_eq!(status, 400);
        let error = check_errors(&body, sn_text);
        assert_eq!(
            app_tag(&error),
            "ietf-subscribed-notifications:filter-unsupported"
        );
        assert!(error["error-info"]["ietf-subscribed-notifications:establish-subscription-stream-error-info"]["filter-failure-hint"]
            .as_str().is_some_and(|hint| !hint.is_empty()));
    }

    // encoding-unsupported and dscp-unavailable. 400.
    let (status, body) = establish(json!({"stream": "fwsec-log", "encoding": "encode-xml"})).await;
    assert_eq!(status, 400);
    assert_eq!(
        app_tag(&check_errors(&body, sn_text)),
        "ietf-subscribed-notifications:encoding-unsupported"
    );
    let (status, body) = establish(json!({"stream": "fwsec-log", "dscp": 10})).await;
    assert_eq!(status, 400);
    assert_eq!(
        app_tag(&check_errors(&body, sn_text)),
        "ietf-subscribed-notifications:dscp-unavailable"
    );

    // no-such-subscription: modify, delete, kill of an unknown id, and GET of an unknown URI. 404.
    let admin = create_token(server.state.store().as_ref(), "a", Role::Admin, None)
        .await
        .unwrap();
    for (name, token) in [
        ("modify-subscription", None),
        ("delete-subscription", None),
        ("kill-subscription", Some(admin.as_str())),
    ] {
        let (status, body) = rpc(&client, base, name, &input(json!({"id": 12345})), token).await;
        assert_eq!(status, 404, "{name}");
        let error = check_errors(&body, sn_text);
        assert_eq!(
            (error["error-tag"].as_str(), app_tag(&error).as_str()),
            (
                Some("invalid-value"),
                "ietf-subscribed-notifications:no-such-subscription"
            )
        );
    }
    let (status, _, body) = SseReader::open(
        &client,
        &format!("{base}/restconf/subscriptions/00000000000000000000000000000000"),
    )
    .await;
    assert_eq!(status, 404);
    check_errors(&serde_json::from_str(&body).unwrap(), sn_text);

    // insufficient-resources: more subscriptions than one client may hold. 409.
    let limit = test_limits().max_per_client;
    for _ in 0..limit {
        let (status, _) = establish(json!({"stream": "fwsec-log"})).await;
        assert_eq!(status, 200);
    }
    let (status, body) = establish(json!({"stream": "fwsec-log"})).await;
    assert_eq!(status, 409);
    let error = check_errors(&body, sn_text);
    assert_eq!(
        (error["error-tag"].as_str(), app_tag(&error).as_str()),
        (
            Some("resource-denied"),
            "ietf-subscribed-notifications:insufficient-resources"
        )
    );

    // Malformed bodies and wrong media types.
    let (status, body) = rpc(
        &client,
        base,
        "establish-subscription",
        &json!({"input": {"stream": "fwsec-log"}}),
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        check_errors(&body, sn_text)["error-tag"],
        "malformed-message"
    );
    let response = client
        .post(format!(
            "{base}/restconf/operations/ietf-subscribed-notifications:establish-subscription"
        ))
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    check_errors(&response.json().await.unwrap(), sn_text);
}
