//! Each connector against a local HTTP server that serves the shared tracker fixtures
//! (`../shared/data/trackers`) with real paging: several pages, a 429 then success, a 401, a
//! malformed body, and an issue without a CVE id.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fixlog_trackers::bugzilla::{self, BugzillaQuery};
use fixlog_trackers::gitlab::{self, GitlabQuery};
use fixlog_trackers::jira::{self, JiraFlavor, JiraQuery};
use fixlog_trackers::{
    Auth, Connection, CveRules, DraftOptions, RetryPolicy, TrackerError, build_drafts,
};
use serde_json::{Value, json};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/trackers");

fn fixture(path: &str) -> Value {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{path}"))
        .unwrap_or_else(|error| panic!("fixture {path}: {error}"));
    serde_json::from_str(&text).expect("fixtures are JSON")
}

/// What the fixture server does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Serve the pages.
    Normal,
    /// Answer the first search request with 429 (Retry-After: 1), then serve normally.
    RateLimitOnce,
    /// Serve the second page with a body that breaks the documented shape.
    MalformedSecondPage,
}

struct Server {
    mode: Mode,
    requests: Mutex<Vec<String>>,
    limited: Mutex<bool>,
}

type Shared = Arc<Server>;

fn json_response(status: StatusCode, headers: &[(&str, String)], body: &Value) -> Response {
    let mut response = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    for (name, value) in headers {
        response = response.header(*name, value);
    }
    response
        .body(Body::from(serde_json::to_vec(body).unwrap()))
        .unwrap()
}

fn query_of(request: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, v)| v.as_str())
}

fn authorized(headers: &HeaderMap) -> bool {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    get("authorization") == Some("Bearer good-token")
        || get("x-bugzilla-api-key") == Some("good-token")
        || get("private-token") == Some("good-token")
}

/// A Jira issue without any CVE id (no CVE label, empty CVE field, plain summary).
fn jira_issue_without_cve(key: &str) -> Value {
    json!({"id": "10300", "key": key, "self": "https://jira.example.com/rest/api/2/issue/10300",
        "fields": {"summary": "Watchdog reset when the backplane loses power", "labels": ["security"],
            "versions": [], "fixVersions": [], "security": null, "resolution": null,
            "updated": "2026-03-05T08:00:00.000+0000", "customfield_10050": null}})
}

async fn handle(State(server): State<Shared>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let query = query_of(&request);
    server
        .requests
        .lock()
        .unwrap()
        .push(request.uri().to_string());
    if !authorized(request.headers()) {
        let body = if path.starts_with("/rest/bug") {
            json!({"error": true, "code": 306, "message": "The API key you specified is invalid."})
        } else if path.starts_with("/api/v4") {
            fixture("gitlab/error-401.json")
        } else {
            json!({"errorMessages": ["You are not authenticated."], "errors": {}})
        };
        return json_response(StatusCode::UNAUTHORIZED, &[], &body);
    }
    let is_search = path != "/rest/api/2/field";
    if server.mode == Mode::RateLimitOnce && is_search {
        let mut limited = server.limited.lock().unwrap();
        if !*limited {
            *limited = true;
            return json_response(
                StatusCode::TOO_MANY_REQUESTS,
                &[("retry-after", "1".to_owned())],
                &json!({"message": "slow down"}),
            );
        }
    }
    let malformed = server.mode == Mode::MalformedSecondPage;
    match path.as_str() {
        "/rest/api/2/field" => json_response(StatusCode::OK, &[], &fixture("jira/field-list.json")),
        "/rest/api/3/search/jql" => {
            let page = match param(&query, "nextPageToken") {
                None => fixture("jira/search-jql-cloud-page1.json"),
                Some("CAEaAggD") => {
                    let mut page = fixture("jira/search-jql-cloud-page2-last.json");
                    page["isLast"] = json!(false);
                    page["nextPageToken"] = json!("CAEaAggE");
                    if malformed {
                        page["issues"][0]["fields"]["updated"] = json!("last tuesday");
                    }
                    page
                }
                Some("CAEaAggE") => {
                    json!({"issues": [jira_issue_without_cve("PLCSEC-50")], "isLast": true})
                }
                Some(other) => panic!("unexpected token {other}"),
            };
            json_response(StatusCode::OK, &[], &page)
        }
        "/rest/api/2/search" => {
            let start: usize = param(&query, "startAt").unwrap_or("0").parse().unwrap();
            let mut twin = fixture("jira/issue-v2.json");
            twin["key"] = json!("PLCSEC-43");
            let issues = [
                fixture("jira/search-v2-datacenter.json")["issues"][0].clone(),
                twin,
                jira_issue_without_cve("PLCSEC-51"),
            ];
            if malformed && start == 1 {
                return Response::builder()
                    .status(200)
                    .header("content-type", "application/json")
                    .body(Body::from("{\"startAt\":1,\"issues\":[{\"key\":"))
                    .unwrap();
            }
            let page = json!({"startAt": start, "maxResults": 1, "total": issues.len(),
                "issues": issues.get(start).cloned().into_iter().collect::<Vec<_>>()});
            json_response(StatusCode::OK, &[], &page)
        }
        "/rest/bug" => {
            let clause = (1..10)
                .find(|n| param(&query, &format!("f{n}")) == Some("bug_id"))
                .expect("a keyset clause");
            assert_eq!(param(&query, &format!("o{clause}")), Some("greaterthan"));
            let after: u64 = param(&query, &format!("v{clause}"))
                .unwrap()
                .parse()
                .unwrap();
            let limit: usize = param(&query, "limit").unwrap().parse().unwrap();
            let mut bugs: Vec<Value> = fixture("bugzilla/bug-search.json")["bugs"]
                .as_array()
                .unwrap()
                .clone();
            let mut plain = bugs[1].clone();
            plain["id"] = json!(4725);
            plain["summary"] = json!("Watchdog reset when the backplane loses power");
            bugs.push(plain);
            let page: Vec<Value> = bugs
                .into_iter()
                .filter(|bug| bug["id"].as_u64().unwrap() > after)
                .take(limit)
                .collect();
            if malformed && after > 0 {
                return json_response(StatusCode::OK, &[], &json!({"bugs": {"id": 4719}}));
            }
            json_response(StatusCode::OK, &[], &json!({ "bugs": page }))
        }
        "/api/v4/projects/17/issues" => {
            let page: usize = param(&query, "page").unwrap_or("1").parse().unwrap();
            let per_page: usize = param(&query, "per_page").unwrap().parse().unwrap();
            let mut issues: Vec<Value> = fixture("gitlab/project-issues.json")
                .as_array()
                .unwrap()
                .clone();
            let mut plain = issues[1].clone();
            plain["iid"] = json!(48);
            plain["title"] = json!("Watchdog reset when the backplane loses power");
            plain["labels"] = json!(["security"]);
            issues.push(plain);
            let pages = issues.len().div_ceil(per_page);
            let slice: Vec<Value> = issues
                .into_iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .collect();
            if malformed && page == 2 {
                return json_response(StatusCode::OK, &[], &json!({"message": "not a list"}));
            }
            let next = if page < pages {
                (page + 1).to_string()
            } else {
                String::new()
            };
            json_response(
                StatusCode::OK,
                &[
                    ("x-page", page.to_string()),
                    ("x-per-page", per_page.to_string()),
                    ("x-next-page", next),
                    ("x-total-pages", pages.to_string()),
                ],
                &Value::Array(slice),
            )
        }
        other => json_response(StatusCode::NOT_FOUND, &[], &json!({"message": other})),
    }
}

async fn spawn(mode: Mode) -> (SocketAddr, Shared) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = Arc::new(Server {
        mode,
        requests: Mutex::new(vec![]),
        limited: Mutex::new(false),
    });
    let router = Router::new()
        .fallback(handle)
        .with_state(Arc::clone(&server));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (address, server)
}

fn connection(tracker: &'static str, address: SocketAddr, token: &str) -> Connection {
    let auth = match tracker {
        "jira" => Auth::Bearer(token.to_owned()),
        "bugzilla" => Auth::Header {
            name: "X-BUGZILLA-API-KEY",
            value: token.to_owned(),
        },
        _ => Auth::Header {
            name: "PRIVATE-TOKEN",
            value: token.to_owned(),
        },
    };
    let mut connection =
        Connection::new(tracker, &format!("http://{address}"), auth, "TRACKER_TOKEN").unwrap();
    connection.retry = RetryPolicy {
        max_attempts: 3,
        max_wait: Duration::from_secs(5),
        default_wait: Duration::from_millis(100),
    };
    connection
}

fn jira_query(flavor: JiraFlavor) -> JiraQuery {
    JiraQuery {
        flavor,
        jql: "project = PLCSEC AND labels = security".to_owned(),
        page_size: 1,
        updated_since: None,
        cvss_field: None,
    }
}

fn bugzilla_query() -> BugzillaQuery {
    BugzillaQuery {
        query: "product=PLC-1000 Firmware&keywords=Security".to_owned(),
        page_size: 1,
        updated_since: None,
        fixed_field: "cf_fixed_in".to_owned(),
        cvss_field: Some("cf_cvss_vector".to_owned()),
    }
}

fn gitlab_query() -> GitlabQuery {
    GitlabQuery {
        project: "17".to_owned(),
        labels: "security".to_owned(),
        page_size: 1,
        updated_since: None,
        fixed_label: "fixed-in::".to_owned(),
        affected_label: "affects::".to_owned(),
    }
}

/// Runs one connector against the server.
async fn run(
    tracker: &str,
    address: SocketAddr,
    token: &str,
) -> Result<Vec<fixlog_trackers::TrackerIssue>, TrackerError> {
    let rules = CveRules::default();
    match tracker {
        "jira-cloud" => {
            jira::fetch(
                &connection("jira", address, token),
                &jira_query(JiraFlavor::Cloud),
                &rules,
            )
            .await
        }
        "jira-dc" => {
            jira::fetch(
                &connection("jira", address, token),
                &jira_query(JiraFlavor::DataCenter),
                &rules,
            )
            .await
        }
        "bugzilla" => {
            bugzilla::fetch(
                &connection("bugzilla", address, token),
                &bugzilla_query(),
                &rules,
            )
            .await
        }
        "gitlab" => {
            gitlab::fetch(
                &connection("gitlab", address, token),
                &gitlab_query(),
                &rules,
            )
            .await
        }
        other => panic!("{other}"),
    }
}

const TRACKERS: [&str; 4] = ["jira-cloud", "jira-dc", "bugzilla", "gitlab"];

fn options() -> DraftOptions {
    DraftOptions {
        product: "plc-1000".to_owned(),
        advisory_prefix: "ACME".to_owned(),
    }
}

#[tokio::test]
async fn every_connector_pages_through_all_pages_and_drafts_the_right_cves() {
    for tracker in TRACKERS {
        let (address, server) = spawn(Mode::Normal).await;
        let issues = run(tracker, address, "good-token").await.unwrap();
        let searches = server
            .requests
            .lock()
            .unwrap()
            .iter()
            .filter(|uri| !uri.starts_with("/rest/api/2/field"))
            .count();
        let import = build_drafts(issues, &options());
        let ids: Vec<&str> = import
            .drafts
            .iter()
            .map(|d| d.advisory.id.as_str())
            .collect();
        let skipped: Vec<&str> = import.skipped.iter().map(|s| s.source.as_str()).collect();
        match tracker {
            "jira-cloud" => {
                assert_eq!(searches, 3, "three token pages");
                assert_eq!(ids, ["ACME-CVE-2026-10001", "ACME-CVE-2026-10002"]);
                assert_eq!(skipped, ["jira:PLCSEC-50"]);
                assert_eq!(import.drafts[1].cves, ["CVE-2026-10002", "CVE-2026-10003"]);
            }
            "jira-dc" => {
                assert_eq!(searches, 3, "three startAt pages");
                // PLCSEC-42 and PLCSEC-43 name the same CVE: one draft, two sources.
                assert_eq!(ids, ["ACME-CVE-2026-10001"]);
                assert_eq!(
                    import.drafts[0].sources,
                    ["jira:PLCSEC-42", "jira:PLCSEC-43"]
                );
                assert_eq!(skipped, ["jira:PLCSEC-51"]);
            }
            "bugzilla" => {
                // Pages of one bug: 4711, 4719, 4725, then an empty page.
                assert_eq!(searches, 4);
                assert_eq!(ids, ["ACME-CVE-2026-10001", "ACME-CVE-2026-10002"]);
                assert_eq!(skipped, ["bugzilla:4725"]);
                let cvss = import.drafts[0].advisory.cves[0].cvss_v31.as_deref();
                assert_eq!(cvss, Some("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N"));
            }
            "gitlab" => {
                assert_eq!(searches, 3, "x-next-page until empty");
                assert_eq!(ids, ["ACME-CVE-2026-10001", "ACME-CVE-2026-10002"]);
                assert_eq!(skipped, ["gitlab:#48"]);
                assert!(
                    import.drafts[1].restricted,
                    "confidential issue is restricted"
                );
            }
            _ => unreachable!(),
        }
        let fixed = import.drafts[0].advisory.products[0]
            .affected
            .as_ref()
            .and_then(|r| r.fixed.clone());
        assert_eq!(fixed.as_deref(), Some("2.4.1"), "{tracker}: fixed version");
        assert!(import.high_water.is_some());
    }
}

#[tokio::test]
async fn a_429_is_retried_after_the_retry_after_delay() {
    for tracker in TRACKERS {
        let (address, server) = spawn(Mode::RateLimitOnce).await;
        let started = Instant::now();
        let issues = run(tracker, address, "good-token").await.unwrap();
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "{tracker}: waited for Retry-After"
        );
        assert!(issues.len() >= 3, "{tracker}: every page after the retry");
        assert!(*server.limited.lock().unwrap());
    }
}

#[tokio::test]
async fn a_429_longer_than_allowed_fails_at_once() {
    let (address, _server) = spawn(Mode::RateLimitOnce).await;
    let mut connection = connection("gitlab", address, "good-token");
    connection.retry.max_wait = Duration::from_millis(500);
    let error = gitlab::fetch(&connection, &gitlab_query(), &CveRules::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, TrackerError::RateLimited { attempts: 1, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("Retry-After 1"), "{error}");
}

#[tokio::test]
async fn a_401_is_a_clear_error_naming_tracker_url_and_token_variable() {
    for tracker in TRACKERS {
        let (address, _server) = spawn(Mode::Normal).await;
        let error = run(tracker, address, "wrong-token").await.unwrap_err();
        let text = error.to_string();
        assert!(
            matches!(error, TrackerError::Unauthorized { status: 401, .. }),
            "{text}"
        );
        let name = tracker.split('-').next().unwrap();
        assert!(
            text.starts_with(&format!(
                "{name}: authentication failed at http://{address}/"
            )),
            "{text}"
        );
        assert!(text.contains("$TRACKER_TOKEN"), "{text}");
        assert!(
            !text.contains("wrong-token"),
            "the token never appears: {text}"
        );
    }
}

#[tokio::test]
async fn a_malformed_page_fails_the_whole_fetch_and_names_the_field() {
    let expected = [
        ("jira-cloud", "issues[0].fields.updated"),
        ("jira-dc", "issues[0].key"),
        ("bugzilla", "bugs"),
        ("gitlab", "(document)"),
    ];
    for (tracker, field) in expected {
        let (address, _server) = spawn(Mode::MalformedSecondPage).await;
        let error = run(tracker, address, "good-token").await.unwrap_err();
        let text = error.to_string();
        match &error {
            TrackerError::Malformed {
                field: named, url, ..
            } => {
                assert_eq!(named, field, "{tracker}: {text}");
                assert!(url.starts_with(&format!("http://{address}/")), "{text}");
            }
            other => panic!("{tracker}: expected a malformed-body error, got {other}"),
        }
        let name = tracker.split('-').next().unwrap();
        assert!(
            text.starts_with(&format!("{name}: malformed answer from http://")),
            "{text}"
        );
    }
}
