//! Drafts are not public: an embargoed draft's CVE appears in no public GET route (every route
//! the router's source declares, concretized with real values, plus every same-origin link
//! the answers name: CSAF tree, YANG files, feed, page), no tile and no RESTCONF replay before
//! approval, and appears in the log after an approver publishes it. Roles and the audit trail
//! of draft changes are checked too.

mod common;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use axum::http::Method;
use common::{TestApp, request};
use fixlog_server::auth::Role;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

const CVE: &str = "CVE-2026-77777";
const DRAFT_ID: &str = "EMBARGO-SA-2026-001";
const TITLE: &str = "Embargoed fieldbus overflow zq9";

fn draft_body(product: &str) -> Value {
    json!({
        "advisory": {
            "id": DRAFT_ID,
            "title": TITLE,
            "cves": [{"id": CVE, "cvss_v31": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            "products": [{"product": product, "status": "under_investigation"}],
            "revision": {"summary": "initial release"}
        },
        "source": "jira:PLCSEC-99"
    })
}

/// Every `GET` route template declared in the server's route modules.
fn get_routes() -> BTreeSet<String> {
    let mut directories = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/routes"
    ))];
    let mut routes = BTreeSet::new();
    while let Some(directory) = directories.pop() {
        for file in std::fs::read_dir(directory).expect("routes directory") {
            let path = file.unwrap().path();
            if path.is_dir() {
                directories.push(path);
                continue;
            }
            let text = std::fs::read_to_string(path).unwrap();
            for call in text.split(".route(").skip(1) {
                let Some(start) = call.find('"') else {
                    continue;
                };
                let Some(length) = call[start + 1..].find('"') else {
                    continue;
                };
                let path = &call[start + 1..start + 1 + length];
                let handlers = &call[start + 1 + length..call.find(")\n").unwrap_or(call.len())];
                if handlers.contains("get(") && path.starts_with('/') {
                    routes.insert(path.to_owned());
                }
            }
        }
    }
    routes
}

/// Same-origin links named in a body: `https://test.example/…`, `href="/…"`, `"/…"`.
fn links(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for prefix in ["https://test.example/", "\"/", "'/", "(/"] {
        let mut rest = body;
        while let Some(at) = rest.find(prefix) {
            let tail = &rest[at + prefix.len() - 1..];
            let end = tail
                .find(|c: char| c.is_whitespace() || "\"'<>)\\".contains(c))
                .unwrap_or(tail.len());
            let link = &tail[..end];
            if link.starts_with('/') && !link.starts_with("//") && !link.contains('{') {
                out.push(link.split('#').next().unwrap().to_owned());
            }
            rest = &tail[end.max(1)..];
        }
    }
    out
}

/// Recursively collects the string values of `key` in a JSON document.
fn strings_of(value: &Value, key: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == key
                    && let Some(text) = v.as_str()
                {
                    out.insert(text.to_owned());
                }
                strings_of(v, key, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| strings_of(v, key, out)),
        _ => {}
    }
}

/// Concrete paths for every route template and seed, then every same-origin link they name.
/// Returns (path → body) for every 2xx answer.
async fn crawl(app: &TestApp) -> BTreeMap<String, String> {
    let size = app.store().size().await.unwrap();
    let mut values: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut products = BTreeSet::new();
    let mut advisories = BTreeSet::new();
    let mut versions = BTreeSet::new();
    let mut digests = BTreeSet::new();
    for seq in 1..=size {
        let entry = app.get(&format!("/api/v1/entries/{seq}")).await.json();
        if let Some(p) = entry["product"].as_str() {
            products.insert(p.to_owned());
        }
        strings_of(&entry, "product", &mut products);
        if let Some(id) = entry["advisory"]["id"].as_str() {
            advisories.insert(id.to_owned());
        }
        if let Some(v) = entry["fixed_version"].as_str() {
            versions.insert(v.to_owned());
        }
        strings_of(&entry, "sha256", &mut digests);
    }
    advisories.insert(DRAFT_ID.to_owned());
    let seqs: BTreeSet<String> = (1..=size + 1).map(|s| s.to_string()).collect();
    values.insert("product", products.clone());
    values.insert(
        "id",
        products.iter().chain(advisories.iter()).cloned().collect(),
    );
    values.insert("seq", seqs);
    values.insert("version", versions);
    values.insert("digest", digests);
    values.insert(
        "resource",
        [
            "ietf-subscribed-notifications:streams",
            "ietf-yang-library:yang-library",
            "ietf-restconf-monitoring:restconf-state",
        ]
        .map(str::to_owned)
        .into(),
    );
    let mut tiles = BTreeSet::new();
    for index in 0..size.div_ceil(256) {
        let width = (size - index * 256).min(256) as u16;
        tiles.insert(
            fixlog_tlog::entries_path(index, width)
                .trim_start_matches("tile/")
                .to_owned(),
        );
        tiles.insert(
            fixlog_tlog::tile_path(0, index, width)
                .trim_start_matches("tile/")
                .to_owned(),
        );
    }
    values.insert("*path", tiles);

    let mut queue: VecDeque<String> = VecDeque::new();
    for template in get_routes() {
        if template.starts_with("/api/v1/drafts") || template.starts_with("/api/v1/imports") {
            continue;
        }
        let mut concrete = vec![template.clone()];
        while let Some(open) = concrete[0].find('{') {
            let close = concrete[0][open..].find('}').unwrap() + open;
            let name = concrete[0][open + 1..close].to_owned();
            let Some(candidates) = values.get(name.as_str()) else {
                concrete.clear();
                break;
            };
            concrete = concrete
                .iter()
                .flat_map(|path| {
                    let open = path.find('{').unwrap();
                    let close = path[open..].find('}').unwrap() + open;
                    candidates
                        .iter()
                        .map(|value| {
                            format!(
                                "{}{}{}",
                                &path[..open],
                                common::encode_segment(value).replace("%2F", "/"),
                                &path[close + 1..]
                            )
                        })
                        .collect::<Vec<_>>()
                })
                .take(300)
                .collect();
            if concrete.is_empty() {
                break;
            }
        }
        queue.extend(concrete);
    }
    for seed in [
        format!("/api/v1/entries?cve={CVE}"),
        "/api/v1/entries?limit=1000".to_owned(),
        format!("/search?q={CVE}"),
        format!("/?cve={CVE}"),
        "/.well-known/csaf/provider-metadata.json".to_owned(),
        "/.well-known/security.txt".to_owned(),
    ] {
        queue.push_back(seed);
    }
    let mut seen = BTreeSet::new();
    let mut answers = BTreeMap::new();
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone())
            || seen.len() > 1500
            || path.starts_with("/restconf/subscriptions/")
        {
            continue;
        }
        let answer = app.get(&path).await;
        if !answer.status.is_success() {
            continue;
        }
        let body = String::from_utf8_lossy(&answer.body).into_owned();
        for link in links(&body) {
            if !seen.contains(&link) {
                queue.push_back(link);
            }
        }
        answers.insert(path, body);
    }
    answers
}

/// The RESTCONF replay (RFC 8639 establish-subscription from the epoch, then the SSE stream
/// read for a moment), when the server offers RESTCONF; `None` otherwise.
async fn restconf_replay(app: &TestApp) -> Option<String> {
    let establish = app
        .post_json(
            "/restconf/operations/ietf-subscribed-notifications:establish-subscription",
            None,
            &json!({"ietf-subscribed-notifications:input": {
                "stream": "fwsec-log", "replay-start-time": "1970-01-01T00:00:00Z"}}),
        )
        .await;
    if !establish.status.is_success() {
        return None;
    }
    let mut uris = BTreeSet::new();
    strings_of(
        &establish.json(),
        "ietf-restconf-subscribed-notifications:uri",
        &mut uris,
    );
    let uri = uris.into_iter().next()?;
    let path = uri
        .strip_prefix("https://test.example")
        .unwrap_or(&uri)
        .to_owned();
    let mut get = request(Method::GET, &path, None, None, vec![]);
    get.headers_mut()
        .insert("accept", "text/event-stream".parse().unwrap());
    let response = app.router.clone().oneshot(get).await.unwrap();
    if !response.status().is_success() {
        return None;
    }
    let mut body = response.into_body();
    let mut text = Vec::new();
    while let Ok(Some(Ok(frame))) =
        tokio::time::timeout(Duration::from_millis(1500), body.frame()).await
    {
        if let Some(data) = frame.data_ref() {
            text.extend_from_slice(data);
        }
    }
    Some(String::from_utf8_lossy(&text).into_owned())
}

fn leaks(answers: &BTreeMap<String, String>) -> Vec<String> {
    answers
        .iter()
        .filter(|(_, body)| body.contains(CVE) || body.contains(TITLE) || body.contains(DRAFT_ID))
        .map(|(path, _)| path.clone())
        .collect()
}

#[tokio::test]
async fn an_embargoed_draft_is_in_no_public_route_until_approved_then_in_the_log() {
    let app = TestApp::new().await;
    fixlog_server::demo::load(&app.state.log)
        .await
        .expect("demo loads");
    let editor = app.token(Role::Editor).await;
    let approver = app.token(Role::Approver).await;
    let publisher = app.token(Role::Publisher).await;
    let products = app.get("/api/v1/products").await.json();
    let mut product_ids = BTreeSet::new();
    strings_of(&products, "id", &mut product_ids);
    let product = product_ids.iter().next().expect("demo products").clone();
    let size_before = app.store().size().await.unwrap();

    app.post_json("/api/v1/drafts", Some(&editor), &draft_body(&product))
        .await
        .expect_status(201);
    assert_eq!(
        app.store().size().await.unwrap(),
        size_before,
        "a draft appends nothing"
    );

    let before = crawl(&app).await;
    assert!(
        before.len() > 20,
        "the crawl reached the public surface: {:?}",
        before.keys()
    );
    assert!(
        before.keys().any(|p| p.starts_with("/tlog/tile/entries/")),
        "tiles crawled"
    );
    assert_eq!(
        leaks(&before),
        Vec::<String>::new(),
        "the embargoed draft leaked"
    );
    if let Some(replay) = restconf_replay(&app).await {
        assert!(!replay.contains(CVE), "RESTCONF replay leaked the draft");
    }
    // Draft routes are not public: without a token, 401; a publisher may not read them.
    app.get("/api/v1/drafts").await.expect_status(401);
    app.get(&format!("/api/v1/drafts/{DRAFT_ID}"))
        .await
        .expect_status(401);
    let as_publisher = app
        .send(request(
            Method::GET,
            "/api/v1/drafts",
            Some(&publisher),
            None,
            vec![],
        ))
        .await;
    as_publisher.expect_status(403);
    assert!(!String::from_utf8_lossy(&as_publisher.body).contains(CVE));
    // The approver reads drafts; an editor may not approve.
    let listed = app
        .send(request(
            Method::GET,
            &format!("/api/v1/drafts?cve={CVE}"),
            Some(&approver),
            None,
            vec![],
        ))
        .await;
    listed.expect_status(200);
    assert_eq!(listed.json()["drafts"][0]["id"], DRAFT_ID);
    app.post_json(
        &format!("/api/v1/drafts/{DRAFT_ID}/approve"),
        Some(&editor),
        &json!({}),
    )
    .await
    .expect_status(403);
    assert_eq!(app.store().size().await.unwrap(), size_before);

    let approved = app
        .post_json(
            &format!("/api/v1/drafts/{DRAFT_ID}/approve"),
            Some(&approver),
            &json!({}),
        )
        .await;
    approved.expect_status(201);
    let approved = approved.json();
    let seq = approved["publish"]["seq"].as_u64().unwrap();
    assert_eq!(seq, size_before + 1);
    assert_eq!(approved["draft"]["state"], "published");
    assert_eq!(approved["draft"]["published_seq"], seq);
    app.post_json(
        &format!("/api/v1/drafts/{DRAFT_ID}/approve"),
        Some(&approver),
        &json!({}),
    )
    .await
    .expect_status(409);

    let after = crawl(&app).await;
    let leaked = leaks(&after);
    for must in [
        format!("/api/v1/entries/{seq}"),
        format!("/api/v1/entries?cve={CVE}"),
        format!("/api/v1/advisories/{DRAFT_ID}"),
    ] {
        assert!(
            leaked.contains(&must),
            "{must} shows the published advisory; seen in {leaked:?}"
        );
    }
    assert!(
        leaked.iter().any(|p| p.starts_with("/tlog/tile/entries/")),
        "the entries tile holds it: {leaked:?}"
    );
    for optional in ["/feed.atom", "/"] {
        if after.contains_key(optional) {
            assert!(
                leaked.iter().any(|p| p == optional),
                "{optional} lists it after approval"
            );
        }
    }
    if after.contains_key("/.well-known/csaf/provider-metadata.json") {
        assert!(
            leaked
                .iter()
                .any(|p| p.starts_with("/.well-known/csaf/") && p.ends_with(".json")),
            "a CSAF document names it after approval: {leaked:?}"
        );
    }
    if let Some(replay) = restconf_replay(&app).await {
        assert!(
            replay.contains(CVE),
            "RESTCONF replay carries it after approval"
        );
    }

    // Every change and the approval are audited with who and when.
    let events = app.store().audit_events(50).await.unwrap();
    let draft_events: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e.action.starts_with("draft."))
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    let editor_id = &editor[4..16];
    let approver_id = &approver[4..16];
    assert_eq!(
        draft_events,
        [
            ("draft.approved", approver_id),
            ("draft.created", editor_id)
        ]
    );
}

#[tokio::test]
async fn draft_edits_imports_and_dry_runs() {
    let app = TestApp::new().await;
    fixlog_server::demo::load(&app.state.log)
        .await
        .expect("demo loads");
    let editor = app.token(Role::Editor).await;
    let products = app.get("/api/v1/products").await.json();
    let mut product_ids = BTreeSet::new();
    strings_of(&products, "id", &mut product_ids);
    let product = product_ids.iter().next().unwrap().clone();
    let draft = draft_body(&product);
    let import = |dry_run: bool, title: &str| {
        let mut draft = draft.clone();
        draft["advisory"]["id"] = json!("IMPORT-CVE-2026-77777");
        draft["advisory"]["title"] = json!(title);
        json!({"source": "jira:test", "high_water": "2026-03-02T10:15:03Z",
               "drafts": [draft], "dry_run": dry_run})
    };
    // A dry run stores nothing and shows a create with every field.
    let dry = app
        .post_json("/api/v1/imports", Some(&editor), &import(true, TITLE))
        .await;
    dry.expect_status(200);
    let dry = dry.json();
    assert_eq!(dry["changes"][0]["action"], "create");
    assert!(
        dry["changes"][0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "/title")
    );
    assert!(app.store().drafts(None).await.unwrap().is_empty());
    assert_eq!(app.store().sync_mark("jira:test").await.unwrap(), None);
    // The real import stores the draft and the high-water mark together.
    app.post_json("/api/v1/imports", Some(&editor), &import(false, TITLE))
        .await
        .expect_status(200);
    assert_eq!(
        app.store().sync_mark("jira:test").await.unwrap().as_deref(),
        Some("2026-03-02T10:15:03Z")
    );
    // Same CVE again: the same draft, unchanged; a new title: an update naming /title.
    let again = app
        .post_json("/api/v1/imports", Some(&editor), &import(true, TITLE))
        .await
        .json();
    assert_eq!(again["changes"][0]["action"], "unchanged");
    assert_eq!(again["changes"][0]["id"], "IMPORT-CVE-2026-77777");
    let renamed = app
        .post_json(
            "/api/v1/imports",
            Some(&editor),
            &import(true, "Renamed in the tracker"),
        )
        .await
        .json();
    assert_eq!(renamed["changes"][0]["action"], "update");
    assert_eq!(
        renamed["changes"][0]["changes"],
        json!([{"field": "/title", "before": TITLE, "after": "Renamed in the tracker"}])
    );
    // A hand-made draft naming the same CVE under another id is matched by CVE on import.
    let state = app
        .send(request(
            Method::GET,
            "/api/v1/imports?source=jira:test",
            Some(&editor),
            None,
            vec![],
        ))
        .await;
    assert_eq!(state.json()["high_water"], "2026-03-02T10:15:03Z");
    // An invalid draft in a batch rejects the whole batch.
    let mut bad = import(false, "x");
    bad["drafts"]
        .as_array_mut()
        .unwrap()
        .push(json!({"advisory": {
        "id": "BAD", "title": "t", "cves": [{"id": "CVE-26-1"}], "products": [],
        "revision": {"summary": "s"}}}));
    bad["high_water"] = json!("2027-01-01T00:00:00Z");
    let rejected = app.post_json("/api/v1/imports", Some(&editor), &bad).await;
    rejected.expect_status(422);
    assert_eq!(rejected.json()["field"], "/drafts/1/advisory/cves/0/id");
    assert_eq!(
        app.store().sync_mark("jira:test").await.unwrap().as_deref(),
        Some("2026-03-02T10:15:03Z"),
        "nothing of a rejected batch is stored"
    );
    // PUT edits a draft; the id in the body must match the URL.
    let mut edited = draft.clone();
    edited["advisory"]["id"] = json!("IMPORT-CVE-2026-77777");
    edited["advisory"]["title"] = json!("Edited by infosec");
    let put = |body: Value, path: &str| {
        request(
            Method::PUT,
            path,
            Some(&editor),
            Some("application/json"),
            serde_json::to_vec(&body).unwrap(),
        )
    };
    app.send(put(edited.clone(), "/api/v1/drafts/IMPORT-CVE-2026-77777"))
        .await
        .expect_status(200);
    app.send(put(edited, "/api/v1/drafts/OTHER"))
        .await
        .expect_status(422);
    let stored = app
        .store()
        .draft("IMPORT-CVE-2026-77777")
        .await
        .unwrap()
        .unwrap();
    assert!(stored.body.contains("Edited by infosec"));
    assert_eq!(
        app.store().size().await.unwrap() as usize,
        app.entries().await.len()
    );
}
