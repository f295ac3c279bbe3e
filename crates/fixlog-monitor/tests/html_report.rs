//! The HTML report and the status page from a store filled with known samples: 48 probes a
//! minute apart, of which minutes 20–29 fail with a 500. The report must list the incident,
//! its uptime chart must drop to 0 % in exactly the buckets of the outage (and stay at 100 %
//! elsewhere), and the response-time chart must mark the failing probes inside the outage.

use std::path::Path;
use std::sync::Arc;

use fixlog_store::monitor::{ChangeRecord, MonitorStore, SampleRecord};
use fixlog_store_sqlite::SqliteStore;
use time::OffsetDateTime;
use tower::ServiceExt as _;

const OUTAGE: std::ops::Range<i64> = 20..30;

fn sample(endpoint: &str, start: OffsetDateTime, minute: i64, ok: bool) -> SampleRecord {
    SampleRecord {
        endpoint: endpoint.to_owned(),
        probe_id: format!("{endpoint}-{minute}"),
        attempt: 0,
        last_attempt: true,
        started: start + time::Duration::minutes(minute),
        ok,
        failure: (!ok).then(|| "http-status".to_owned()),
        status: Some(if ok { 200 } else { 500 }),
        media_type: Some("application/json".to_owned()),
        latency_ms: 40.0 + (minute % 7) as f64,
        dns_ms: None,
        connect_ms: None,
        tls_ms: None,
        ttfb_ms: None,
        body_sha256: None,
        tls_not_after: None,
        detail: None,
    }
}

struct Fixture {
    config: fixlog_monitor::MonitorConfig,
    store: Arc<SqliteStore>,
    start: OffsetDateTime,
    _directory: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let directory = tempfile::tempdir().unwrap();
    let text = "[monitor]\nevidence_dir = \"ev\"\n\n\
        [[endpoint]]\nname = \"acme\"\nsupplier = \"ACME <script>alert(1)</script>\"\nurl = \"https://psirt.acme.example/\"\ninterval = \"1m\"\ntimeout = \"5s\"\nretries = 0\n\n\
        [[endpoint]]\nname = \"beta\"\nsupplier = \"Beta AG\"\nurl = \"https://beta.example/\"\ninterval = \"1m\"\ntimeout = \"5s\"\nretries = 0\n";
    let path = directory.path().join("monitor.toml");
    let config = fixlog_monitor::config::parse(&path, directory.path(), text.as_bytes()).unwrap();
    let db = format!("sqlite://{}", directory.path().join("monitor.db").display());
    let store = Arc::new(SqliteStore::connect(&db).await.unwrap());
    let start = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap() - time::Duration::hours(2);
    let acme: Vec<SampleRecord> = (0..48)
        .map(|minute| sample("acme", start, minute, !OUTAGE.contains(&minute)))
        .collect();
    store.add_samples(&acme).await.unwrap();
    // Beta fails from minute 40 on: an incident still open, so the status page says down.
    let beta: Vec<SampleRecord> = (0..48)
        .map(|minute| sample("beta", start, minute, minute < 40))
        .collect();
    store.add_samples(&beta).await.unwrap();
    store
        .add_change(&ChangeRecord {
            endpoint: "acme".to_owned(),
            probe_id: "acme-30".to_owned(),
            at: start + time::Duration::minutes(30),
            class: "checkpoint-fork".to_owned(),
            subject: "checkpoint".to_owned(),
            detail: "two roots <b>for</b> size 7".to_owned(),
        })
        .await
        .unwrap();
    Fixture {
        config,
        store,
        start,
        _directory: directory,
    }
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// The value of attribute `name` in the tag starting `element`.
fn attribute<'a>(element: &'a str, name: &str) -> &'a str {
    let tag = &element[..element.find('>').unwrap()];
    let start = tag
        .find(&format!(" {name}=\""))
        .unwrap_or_else(|| panic!("{name} in {tag}"))
        + name.len()
        + 3;
    &tag[start..start + tag[start..].find('"').unwrap()]
}

/// The tags in `html` that start with `prefix` (e.g. `<rect class="bucket`).
fn elements<'a>(html: &'a str, prefix: &str) -> Vec<&'a str> {
    html.match_indices(prefix)
        .map(|(index, _)| &html[index..])
        .collect()
}

fn section<'a>(html: &'a str, endpoint: &str) -> &'a str {
    let start = html.find(&format!("id=\"endpoint-{endpoint}\"")).unwrap();
    let end = html[start..].find("</section>").unwrap();
    &html[start..start + end]
}

#[tokio::test]
async fn the_report_shows_the_outage_in_the_table_and_both_charts() {
    let fixture = fixture().await;
    let until = OffsetDateTime::now_utc() + time::Duration::SECOND;
    let html = fixlog_monitor::html::render(
        &fixture.config,
        fixture.store.as_ref(),
        until - time::Duration::days(1),
        until,
    )
    .await
    .unwrap();
    std::fs::write(
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("monitor-report.html"),
        &html,
    )
    .unwrap();

    // Self-contained and escaped.
    assert!(!html.contains("<script"), "supplier text must be escaped");
    assert!(html.contains("ACME &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
    let acme = section(&html, "acme");

    // The incident: its start and cause in the table.
    let outage_start = fixture.start + time::Duration::minutes(OUTAGE.start);
    let outage_end = fixture.start + time::Duration::minutes(OUTAGE.end);
    let incidents = &acme[acme
        .find("<table class=\"incidents\"")
        .expect("an incidents table")..];
    assert!(incidents.contains(&rfc3339(outage_start)), "{incidents}");
    assert!(incidents.contains(&rfc3339(outage_end)), "{incidents}");
    assert!(incidents.contains("http-status"));
    assert!(
        acme.contains("checkpoint-fork")
            && acme.contains("two roots &lt;b&gt;for&lt;/b&gt; size 7")
    );
    assert!(acme.contains("class=\"disqualified\""));

    // Uptime chart: every bucket that starts inside the outage is at 0 %, every bucket that
    // starts more than a bucket away from it is at 100 %.
    let buckets = elements(acme, "<rect class=\"bucket");
    assert_eq!(buckets.len(), fixlog_monitor::chart::BUCKETS);
    let bucket_width = time::Duration::minutes(47) / fixlog_monitor::chart::BUCKETS as f64;
    let (mut zero, mut full) = (0, 0);
    for bucket in &buckets {
        let at = OffsetDateTime::parse(
            attribute(bucket, "data-start"),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let uptime = attribute(bucket, "data-uptime");
        if at >= outage_start && at + bucket_width <= outage_end {
            assert_eq!(uptime, "0.0", "bucket at {at} inside the outage");
            assert!(attribute(bucket, "class").contains("down"));
            zero += 1;
        } else if at + bucket_width < outage_start || at > outage_end {
            assert_eq!(uptime, "100.0", "bucket at {at} outside the outage");
            full += 1;
        }
    }
    assert!(
        zero >= 3 && full >= 15,
        "{zero} buckets at 0 %, {full} at 100 %"
    );

    // Response-time chart: exactly the ten failing probes are marked, all inside the outage,
    // and the incident is shaded in both charts.
    let failures = elements(acme, "<circle class=\"point failure\"");
    assert_eq!(failures.len(), OUTAGE.count());
    for failure in failures {
        let at = OffsetDateTime::parse(
            attribute(failure, "data-at"),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert!(at >= outage_start && at < outage_end, "{at}");
    }
    let bands = elements(acme, "<rect class=\"incident\"");
    assert_eq!(bands.len(), 2);
    assert!(
        bands
            .iter()
            .all(|band| attribute(band, "data-start") == rfc3339(outage_start))
    );
}

#[tokio::test]
async fn the_status_page_shows_states_with_security_headers() {
    let fixture = fixture().await;
    let app = fixlog_monitor::status::app(fixlog_monitor::status::StatusState {
        config: Arc::new(fixture.config.clone()),
        store: fixture.store.clone(),
        window: std::time::Duration::from_secs(86_400),
    });
    let response = app
        .clone()
        .oneshot(
            axum::http::Request::get("/")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("default-src 'none'") && !policy.contains("script-src"),
        "{policy}"
    );
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let html = String::from_utf8(body.to_vec()).unwrap();
    let rows = elements(&html, "<tr class=\"endpoint\"");
    assert_eq!(rows.len(), 2);
    assert_eq!(attribute(rows[0], "data-state"), "up");
    assert_eq!(attribute(rows[1], "data-state"), "down");
    assert_eq!(elements(&html, "<svg class=\"sparkline\"").len(), 2);
    assert!(!html.contains("<script"));

    let response = app
        .oneshot(
            axum::http::Request::get("/report.json")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        report["endpoints"][0]["incidents"][0]["cause"],
        "http-status"
    );
    assert_eq!(
        report["endpoints"][1]["incidents"][0]["end"],
        serde_json::Value::Null
    );
}
