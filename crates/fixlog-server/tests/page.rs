//! The public log page: every demo product on the overview, escaping of hostile text, the
//! Content-Security-Policy and security headers, page sizes, the Atom feed, and the facts of
//! every entry page equal to the JSON API's entry.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::{TestApp, encode_segment};
use fixlog_server::auth::Role;
use serde_json::{Value, json};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/fixtures/acme-ics.json"
);

/// An element found in a page: its attributes and its text (entities decoded).
#[derive(Debug)]
struct Element {
    attributes: HashMap<String, String>,
    text: String,
    inner_html: String,
}

impl Element {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }
}

/// Decodes the entities the renderer writes.
fn decode(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Every element matching `selector` (tl's CSS subset: tags, ids, classes, attributes,
/// descendant combinators).
fn select(html: &str, selector: &str) -> Vec<Element> {
    let dom = tl::parse(html, tl::ParserOptions::default()).expect("page parses as HTML");
    let parser = dom.parser();
    let Some(found) = dom.query_selector(selector) else {
        panic!("bad selector {selector}");
    };
    found
        .filter_map(|handle| handle.get(parser))
        .filter_map(|node| node.as_tag())
        .map(|tag| Element {
            attributes: tag
                .attributes()
                .iter()
                .map(|(key, value)| (key.into_owned(), decode(&value.unwrap_or_default())))
                .collect(),
            text: decode(tag.inner_text(parser).trim()),
            inner_html: tag.inner_html(parser),
        })
        .collect()
}

/// Elements matching the last selector inside elements matching the ones before it (tl's own
/// descendant combinator does not match across ids reliably, so scoping is done here).
fn within(html: &str, path: &[&str]) -> Vec<Element> {
    let (last, outer) = path.split_last().expect("a selector");
    let mut scopes = vec![html.to_owned()];
    for selector in outer {
        scopes = scopes
            .iter()
            .flat_map(|scope| select(scope, selector))
            .map(|element| element.inner_html)
            .collect();
    }
    scopes
        .iter()
        .flat_map(|scope| select(scope, last))
        .collect()
}

/// The element of `elements` whose attribute `name` is `value`.
fn with_attribute<'e>(elements: &'e [Element], name: &str, value: &str) -> Vec<&'e Element> {
    elements
        .iter()
        .filter(|element| element.attribute(name) == Some(value))
        .collect()
}

fn one(html: &str, selector: &str) -> Element {
    let mut all = select(html, selector);
    assert_eq!(all.len(), 1, "exactly one {selector}");
    all.remove(0)
}

fn text(answer: &common::Answer) -> String {
    String::from_utf8(answer.body.to_vec()).expect("UTF-8 page")
}

async fn demo_app() -> TestApp {
    let app = TestApp::new().await;
    fixlog_server::demo::load(&app.state.log)
        .await
        .expect("demo loads");
    app
}

fn fixture() -> Value {
    let text = std::fs::read_to_string(FIXTURE).expect("fixture");
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// The pages of the demo that the size and header checks visit.
const PAGES: &[&str] = &[
    "/",
    "/products/plc-x500",
    "/products/hmi-vp7",
    "/products/dcs-c200",
    "/products/gw-eb100",
    "/advisories/ACME-SA-2026-001",
    "/advisories/ACME-SA-2026-009",
    "/entries/1",
    "/entries/60",
    "/search",
    "/search?cve=CVE-2026-51077",
    "/search?version=V3.2.0",
    "/search?class=plc",
    "/check?product=hmi-vp7&version=1.4%20SP1%20HF1",
];

#[tokio::test]
async fn every_demo_product_is_on_the_overview_with_its_lifecycle() {
    let app = demo_app().await;
    let page = app.get("/").await;
    page.expect_status(200);
    assert_eq!(page.content_type(), "text/html; charset=utf-8");
    let html = text(&page);
    let rows = within(&html, &["#products", "tr"]);
    let shown: BTreeMap<String, String> = rows
        .iter()
        .filter_map(|row| Some((row.attribute("data-product")?.to_owned(), row.text.clone())))
        .collect();
    let fixture = fixture();
    let lines = fixture["product_lines"].as_array().unwrap();
    assert_eq!(shown.len(), lines.len());
    for line in lines {
        let id = line["id"].as_str().unwrap();
        let row = &shown[id];
        assert!(row.contains(line["name"].as_str().unwrap()), "{row}");
        let lifecycle = line["lifecycle"]["state"]
            .as_str()
            .unwrap()
            .replace('_', " ");
        assert!(row.to_lowercase().contains(&lifecycle), "{id}: {row}");
    }
    // Machine formats: visible links and <link rel="alternate"> with media types.
    let alternates: BTreeMap<String, String> = select(&html, "link[rel=alternate]")
        .into_iter()
        .map(|link| {
            (
                link.attribute("href").unwrap().to_owned(),
                link.attribute("type").unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(alternates["/feed.atom"], "application/atom+xml");
    assert_eq!(
        alternates["/openapi.json"],
        "application/vnd.oai.openapi+json"
    );
    for href in [
        "/restconf/data/ietf-subscribed-notifications:streams",
        "/.well-known/csaf/provider-metadata.json",
        "/tlog/checkpoint",
        "/api/v1/products",
    ] {
        assert!(alternates.contains_key(href), "{href}");
        let links = within(&html, &["#formats", "a"]);
        assert_eq!(with_attribute(&links, "href", href).len(), 1, "{href}");
    }
}

#[tokio::test]
async fn hostile_text_is_escaped_everywhere() {
    let app = demo_app().await;
    let editor = app.token(Role::Editor).await;
    let hostile = r#"<script>alert("x")</script><img src=x onerror=alert(1)> & 'quotes'"#;
    app.post_json(
        "/api/v1/products",
        Some(&editor),
        &json!({"id": "evil-1", "name": hostile, "device_class": "plc",
                "version_scheme": "semver", "lifecycle": "active",
                "models": [hostile]}),
    )
    .await
    .expect_status(201);
    for path in [
        "/",
        "/products/evil-1",
        "/search",
        "/search?class=plc",
        "/check",
    ] {
        let page = app.get(path).await;
        page.expect_status(200);
        let html = text(&page);
        assert!(!html.contains("<script>alert"), "{path} carries raw markup");
        assert!(!html.contains("<img src=x"), "{path} carries raw markup");
        assert!(
            html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"),
            "{path} shows the text escaped"
        );
    }
    // The name reads back as the same text.
    let html = text(&app.get("/products/evil-1").await);
    assert_eq!(one(&html, "h1").text, hostile);
    // Reflected query values are escaped too.
    let probe = "/search?cve=%22%3E%3Cscript%3Ex%3C/script%3E&version=%22%3E%3Cb%3E";
    let html = text(&app.get(probe).await);
    assert!(!html.contains("<script>x"));
    assert!(!html.contains("\"><b>"));
    assert!(html.contains("Not a CVE id"));
    let html = text(
        app.get("/check?product=evil-1&version=%3Cscript%3Ex")
            .await
            .expect_status(422),
    );
    assert!(!html.contains("<script>x"));
    // The feed is still well-formed XML and carries the text verbatim.
    let feed = text(&app.get("/feed.atom").await);
    let document = roxmltree::Document::parse(&feed).expect("feed is XML");
    assert!(
        document
            .descendants()
            .any(|node| node.text().is_some_and(|t| t.contains(hostile)))
    );
}

#[tokio::test]
async fn pages_carry_a_strict_content_security_policy_and_no_inline_code() {
    let app = demo_app().await;
    let mut assets = BTreeSet::new();
    for path in PAGES.iter().chain(&["/products/nope", "/feed.atom"]) {
        let page = app.get(path).await;
        let header = |name: &str| {
            page.headers
                .get(name)
                .unwrap_or_else(|| panic!("{path}: no {name}"))
                .to_str()
                .unwrap()
                .to_owned()
        };
        let csp = header("content-security-policy");
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe"), "{path}: {csp}");
        assert_eq!(header("x-frame-options"), "DENY");
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert_eq!(header("referrer-policy"), "no-referrer");
        if *path == "/feed.atom" {
            continue;
        }
        let html = text(&page);
        assert!(html.starts_with("<!DOCTYPE html>"), "{path}");
        assert!(html.contains("<html lang=\"en\">"), "{path}");
        // No inline script, no inline style, nothing from another origin.
        for script in select(&html, "script") {
            let src = script.attribute("src").expect("scripts are external");
            assert!(src.starts_with("/assets/"), "{path}: {src}");
            assert!(script.text.is_empty());
            assets.insert(src.to_owned());
        }
        assert!(select(&html, "style").is_empty(), "{path}");
        assert!(select(&html, "[style]").is_empty(), "{path}");
        for element in select(&html, "*") {
            assert!(
                !element.attributes.keys().any(|key| key.starts_with("on")),
                "{path}: inline event handler"
            );
        }
        for link in select(&html, "link[rel=stylesheet]") {
            let href = link.attribute("href").unwrap();
            assert!(href.starts_with("/assets/"), "{path}: {href}");
            assets.insert(href.to_owned());
        }
        for resource in select(&html, "[src]") {
            let src = resource.attribute("src").unwrap();
            assert!(src.starts_with('/'), "{path}: third-party {src}");
        }
    }
    assert_eq!(assets.len(), 2, "one stylesheet and one script: {assets:?}");
    for asset in assets {
        let answer = app.get(&asset).await;
        answer.expect_status(200);
        assert_eq!(
            answer.headers["cache-control"],
            "public, max-age=31536000, immutable"
        );
        let expected = if asset.ends_with(".css") {
            "text/css; charset=utf-8"
        } else {
            "text/javascript; charset=utf-8"
        };
        assert_eq!(answer.content_type(), expected);
        assert!(answer.headers.contains_key("content-security-policy"));
    }
    app.get("/assets/page.0000.css").await.expect_status(404);
}

#[tokio::test]
async fn pages_are_under_100_kb() {
    let app = demo_app().await;
    let mut sizes = Vec::new();
    for path in PAGES {
        let page = app.get(path).await;
        page.expect_status(200);
        assert!(
            page.body.len() < 100 * 1024,
            "{path}: {} bytes",
            page.body.len()
        );
        sizes.push(format!("{path} {}", page.body.len()));
    }
    println!("page sizes (bytes):\n{}", sizes.join("\n"));
}

/// The ids of the feed's entries, in document order.
fn feed_ids(feed: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(feed).expect("feed is XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "feed");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2005/Atom")
    );
    for required in ["id", "title", "updated", "author"] {
        assert!(
            root.children().any(|c| c.tag_name().name() == required),
            "feed has {required}"
        );
    }
    root.children()
        .filter(|node| node.tag_name().name() == "entry")
        .map(|entry| {
            for required in ["title", "updated", "link", "summary"] {
                assert!(entry.children().any(|c| c.tag_name().name() == required));
            }
            entry
                .children()
                .find(|c| c.tag_name().name() == "id")
                .and_then(|id| id.text())
                .expect("entry id")
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_atom_feed_has_one_entry_per_log_entry_with_stable_ids() {
    let app = demo_app().await;
    let size = app.store().size().await.unwrap();
    let answer = app.get("/feed.atom").await;
    answer.expect_status(200);
    assert_eq!(answer.content_type(), "application/atom+xml; charset=utf-8");
    let first = feed_ids(&text(&answer));
    assert_eq!(first.len() as u64, size);
    assert_eq!(
        first.iter().collect::<BTreeSet<_>>().len(),
        first.len(),
        "ids are unique"
    );
    assert!(
        first[0].starts_with("tag:test.example,2017-03-01:log/entry/"),
        "{}",
        first[0]
    );
    assert_eq!(first, feed_ids(&text(&app.get("/feed.atom").await)));
    // A new entry adds one item; every earlier id stays the same.
    let editor = app.token(Role::Editor).await;
    app.post_json(
        "/api/v1/products",
        Some(&editor),
        &json!({"id": "new-1", "name": "New", "device_class": "rtu",
                "version_scheme": "semver", "lifecycle": "active"}),
    )
    .await
    .expect_status(201);
    let second = feed_ids(&text(&app.get("/feed.atom").await));
    assert_eq!(second.len() as u64, size + 1);
    assert_eq!(&second[1..], &first[..]);
}

fn field(html: &str, name: &str) -> Option<String> {
    let all = within(html, &["#facts", "dd"]);
    let found = with_attribute(&all, "data-field", name);
    assert!(found.len() <= 1);
    found.first().map(|element| element.text.clone())
}

#[tokio::test]
async fn entry_pages_state_exactly_what_the_api_states() {
    let app = demo_app().await;
    let size = app.store().size().await.unwrap();
    for seq in 1..=size {
        let api = app.get(&format!("/api/v1/entries/{seq}")).await.json();
        let page = app.get(&format!("/entries/{seq}")).await;
        page.expect_status(200);
        let html = text(&page);
        let string = |value: &Value| value.as_str().map(str::to_owned);
        assert_eq!(field(&html, "seq"), Some(seq.to_string()));
        assert_eq!(field(&html, "kind"), string(&api["kind"]));
        assert_eq!(field(&html, "published"), string(&api["published"]));
        assert_eq!(field(&html, "product"), string(&api["product"]));
        assert_eq!(field(&html, "fixed_version"), string(&api["fixed_version"]));
        assert_eq!(field(&html, "release_date"), string(&api["release_date"]));
        assert_eq!(
            field(&html, "supersedes"),
            api["supersedes"].as_u64().map(|s| s.to_string())
        );
        assert_eq!(field(&html, "advisory.id"), string(&api["advisory"]["id"]));
        assert_eq!(
            field(&html, "advisory.revision.number"),
            string(&api["advisory"]["revision"]["number"])
        );
        assert_eq!(
            field(&html, "advisory.revision.summary"),
            string(&api["advisory"]["revision"]["summary"])
        );
        let facts = within(&html, &["#facts", "dd"]);
        let cves: Vec<String> = with_attribute(&facts, "data-field", "cves")
            .iter()
            .flat_map(|dd| select(&dd.inner_html, "li"))
            .map(|li| li.text)
            .collect();
        let api_cves: Vec<String> = api["cves"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(cves, api_cves, "entry {seq}");
        let images = select(&html, "div[data-image]");
        let api_images = api["images"].as_array().unwrap();
        assert_eq!(images.len(), api_images.len());
        for (image, expected) in images.iter().zip(api_images) {
            assert_eq!(image.attribute("data-image"), expected["name"].as_str());
            let sizes = select(&image.inner_html, "span");
            assert_eq!(
                with_attribute(&sizes, "data-field", "size")[0].text,
                expected["size"].to_string()
            );
            let digests: Vec<String> = select(&image.inner_html, "code")
                .into_iter()
                .map(|code| code.text)
                .collect();
            let api_digests: Vec<String> = ["sha256", "sha3_256", "sha512"]
                .iter()
                .filter_map(|key| expected[*key].as_str().map(str::to_owned))
                .collect();
            assert_eq!(digests, api_digests, "entry {seq}");
        }
        assert_eq!(
            one(&html, "#proof-link").attribute("href"),
            Some(format!("/api/v1/entries/{seq}/proof").as_str())
        );
        assert_eq!(
            one(&html, "#json-link").attribute("href"),
            Some(format!("/api/v1/entries/{seq}").as_str())
        );
    }
    app.get(&format!("/entries/{}", size + 1))
        .await
        .expect_status(404);
    app.get("/entries/x").await.expect_status(404);
}

#[tokio::test]
async fn version_statuses_on_pages_equal_the_version_api() {
    let app = demo_app().await;
    let fixture = fixture();
    let oracle = fixture["expected"]["state_at_reference_date"]
        .as_object()
        .unwrap();
    for (product, versions) in oracle {
        let product_page = text(&app.get(&format!("/products/{product}")).await);
        for version in versions.as_object().unwrap().keys() {
            let api = app
                .get(&format!(
                    "/api/v1/products/{product}/versions/{}",
                    encode_segment(version)
                ))
                .await
                .json();
            let expected: BTreeMap<String, String> = api["cves"]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| {
                    (
                        row["cve"].as_str().unwrap().to_owned(),
                        row["status"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            // The check box answer.
            let check = text(
                &app.get(&format!(
                    "/check?product={product}&version={}",
                    encode_segment(version)
                ))
                .await,
            );
            let rows: BTreeMap<String, String> = within(&check, &["#check-result", "tr[data-cve]"])
                .into_iter()
                .map(|row| {
                    (
                        row.attribute("data-cve").unwrap().to_owned(),
                        row.attribute("data-status").unwrap().to_owned(),
                    )
                })
                .collect();
            assert_eq!(rows, expected, "/check {product} {version}");
            // The product page's row for the version.
            let row = within(&product_page, &["#versions", "tr[data-version]"])
                .into_iter()
                .find(|row| row.attribute("data-version") == Some(version.as_str()))
                .unwrap_or_else(|| panic!("{product} {version} on the product page"));
            let badges: BTreeMap<String, String> = select(&row.inner_html, "span[data-cve]")
                .into_iter()
                .map(|badge| {
                    (
                        badge.attribute("data-cve").unwrap().to_owned(),
                        badge.attribute("data-status").unwrap().to_owned(),
                    )
                })
                .collect();
            assert_eq!(badges, expected, "/products/{product} {version}");
        }
        // Versions newest first, as the fixture lists them oldest first.
        let listed: Vec<String> = within(&product_page, &["#versions", "tr[data-version]"])
            .into_iter()
            .map(|row| row.attribute("data-version").unwrap().to_owned())
            .collect();
        let mut expected: Vec<String> = versions.as_object().unwrap().keys().cloned().collect();
        expected.reverse();
        assert_eq!(listed, expected, "{product}");
    }
}

/// The coverage panels of the overview as (product, has a product gap, gap versions).
fn coverage(html: &str) -> BTreeMap<String, (bool, Vec<String>)> {
    within(html, &["#coverage", "div[data-product]"])
        .into_iter()
        .map(|panel| {
            let product_gap = !within(&panel.inner_html, &["p", "span.gap"]).is_empty();
            let versions = select(&panel.inner_html, "li.gap")
                .into_iter()
                .map(|li| one(&li.inner_html, "span.version").text)
                .collect();
            (
                panel.attribute("data-product").unwrap().to_owned(),
                (product_gap, versions),
            )
        })
        .collect()
}

#[tokio::test]
async fn coverage_shows_quiet_product_lines_and_unstated_versions_as_gaps() {
    let mut app = demo_app().await;
    // Only active and mainstream-support lines are listed (rtu-fl3 is end of life).
    let panels = coverage(&text(&app.get("/").await));
    assert_eq!(
        panels.keys().map(String::as_str).collect::<Vec<_>>(),
        ["dcs-c200", "gw-eb100", "hmi-vp7", "plc-x500", "sr-sg2"]
    );
    assert!(panels.values().all(|(_, versions)| versions.is_empty()));

    // The threshold is configurable: with 0 days every line is quiet, with 100 000 none is.
    for (days, expected) in [(0, true), (100_000, false)] {
        app.state.page.gap_days = days;
        app.router = fixlog_server::app(app.state.clone());
        let panels = coverage(&text(&app.get("/").await));
        assert!(
            panels.values().all(|(gap, _)| *gap == expected),
            "{days} days: {panels:?}"
        );
    }

    // A new line without entries, and a release no advisory speaks about, are gaps.
    let editor = app.token(Role::Editor).await;
    let publisher = app.token(Role::Publisher).await;
    app.post_json(
        "/api/v1/products",
        Some(&editor),
        &json!({"id": "plc-new", "name": "New PLC", "device_class": "plc",
                "version_scheme": "semver", "lifecycle": "active"}),
    )
    .await
    .expect_status(201);
    let panels = coverage(&text(&app.get("/").await));
    assert_eq!(panels["plc-new"], (true, vec![]));
    app.post_json(
        "/api/v1/releases",
        Some(&publisher),
        &json!({"product": "plc-new", "version": "1.0.0", "release_date": "2026-11-01",
                "images": [{"name": "fw.bin", "size": 1, "sha256": "ab".repeat(32),
                            "sha3_256": "cd".repeat(32)}]}),
    )
    .await
    .expect_status(201);
    let panels = coverage(&text(&app.get("/").await));
    assert_eq!(panels["plc-new"], (false, vec!["1.0.0".to_owned()]));
}

/// Publishes a semver line `id` with `releases` releases 1.0.0, 1.0.1, ….
async fn long_line(app: &TestApp, id: &str, releases: usize) {
    let editor = app.token(Role::Editor).await;
    let publisher = app.token(Role::Publisher).await;
    app.post_json(
        "/api/v1/products",
        Some(&editor),
        &json!({"id": id, "name": format!("Line {id}"), "device_class": "plc",
                "version_scheme": "semver", "lifecycle": "active"}),
    )
    .await
    .expect_status(201);
    for i in 0..releases {
        app.post_json(
            "/api/v1/releases",
            Some(&publisher),
            &json!({"product": id, "version": format!("1.0.{i}"), "release_date": "2026-11-01",
                    "images": [{"name": "fw.bin", "size": 1,
                                "sha256": format!("{:032x}{:032x}", id.len(), i),
                                "sha3_256": "cd".repeat(32)}]}),
        )
        .await
        .expect_status(201);
    }
}

/// The versions a product page lists, in order.
fn listed_versions(html: &str) -> Vec<String> {
    select(html, "tr")
        .iter()
        .filter_map(|row| row.attribute("data-version").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_long_product_line_is_listed_fifty_versions_per_page() {
    let app = TestApp::new().await;
    long_line(&app, "plc-long", 120).await;
    let newest_first: Vec<String> = (0..120).rev().map(|i| format!("1.0.{i}")).collect();

    let first = text(&app.get("/products/plc-long").await);
    assert_eq!(listed_versions(&first), newest_first[..50]);
    let next = select(&first, "a");
    let next: Vec<_> = with_attribute(&next, "rel", "next");
    assert_eq!(next[0].attribute("href"), Some("/products/plc-long/page/2"));
    assert!(with_attribute(&select(&first, "a"), "rel", "prev").is_empty());

    let second = app.get("/products/plc-long/page/2").await;
    second.expect_status(200);
    let second = text(&second);
    assert_eq!(listed_versions(&second), newest_first[50..100]);
    let prev = select(&second, "a");
    assert_eq!(
        with_attribute(&prev, "rel", "prev")[0].attribute("href"),
        Some("/products/plc-long")
    );

    let third = text(&app.get("/products/plc-long/page/3").await);
    assert_eq!(listed_versions(&third), newest_first[100..]);
    assert!(with_attribute(&select(&third, "a"), "rel", "next").is_empty());
    assert_eq!(
        with_attribute(&select(&third, "a"), "rel", "prev")[0].attribute("href"),
        Some("/products/plc-long/page/2")
    );
    // Page 1 by number is page 1; beyond the last page, 0 and non-numbers are not found.
    assert_eq!(
        listed_versions(&text(&app.get("/products/plc-long/page/1").await)),
        newest_first[..50]
    );
    for bad in ["4", "0", "x", "-1", "99999999999999999999999"] {
        app.get(&format!("/products/plc-long/page/{bad}"))
            .await
            .expect_status(404);
    }
    app.get("/products/nope/page/1").await.expect_status(404);
}

#[tokio::test]
async fn search_and_overview_evaluate_a_bounded_number_of_lines() {
    let mut app = demo_app().await;
    for i in 0..55 {
        long_line(&app, &format!("plc-extra-{i:02}"), 1).await;
    }
    let ids: Vec<String> = app.get("/api/v1/products").await.json()["products"]
        .as_array()
        .expect("product list")
        .iter()
        .map(|p| p["id"].as_str().expect("id").to_owned())
        .collect();
    let lines = ids.len();
    assert!(lines > 55);
    let results = |html: &str| {
        select(html, "li")
            .iter()
            .filter(|li| li.attribute("data-product").is_some())
            .count()
    };

    // Search without a filter: 50 lines listed, the rest counted, not evaluated.
    let page = text(&app.get("/search").await);
    assert_eq!(results(&page), 50);
    let more = one(&page, "#search-more");
    assert!(
        more.text
            .contains(&format!("{} more product lines", lines - 50)),
        "{}",
        more.text
    );
    // Every line is still a choice of the forms.
    let choices: Vec<String> = within(&page, &["#f-product", "option"])
        .iter()
        .filter_map(|o| {
            o.attribute("value")
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(choices, ids);
    // A filter that matches fewer lines evaluates them all.
    let page = text(&app.get("/search?product=plc-extra-07").await);
    assert_eq!(results(&page), 1);
    assert!(select(&page, "#search-more").is_empty());

    // The overview: at most 50 lines, and no further line once the release budget is spent.
    let overview = text(&app.get("/").await);
    assert!(
        overview.contains(&format!("The 50 of {lines} lines")),
        "overview not bounded"
    );
    app.state.page.overview_releases = 3;
    app.router = fixlog_server::app(app.state.clone());
    long_line(&app, "plc-long", 5).await;
    let overview = text(&app.get("/").await);
    assert!(
        overview.contains(&format!("The 1 of {} lines", lines + 1)),
        "the newest line alone spends the budget"
    );
    assert!(!coverage(&overview).contains_key("plc-x500"));
    assert!(coverage(&overview).contains_key("plc-long"));
}
