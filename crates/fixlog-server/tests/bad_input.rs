//! A table of malformed and unauthorized requests: each is answered with the documented
//! status as an RFC 9457 problem naming the offending field, and none changes the log.

mod common;

use axum::http::{Method, header};
use common::{TestApp, request};
use fixlog_api::Problem;
use fixlog_server::auth::{Role, new_token};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

const PRODUCT: &str = "plc-x500";
const SHA256: &str = "b1f4551882772f2d92b1fb3621f0689c0d42acfd68dbad09684647fcf0790d3c";
const SHA3_256: &str = "6b68cbf3e789c2fbe607611bcf36a5abc7355eba8a1f751c9e33a207f5c91235";
const OTHER_SHA256: &str = "7255d04b20aac4371f23e8dca25d42114d60a1cf4a1fa5df6c2d3879270575a2";

fn product_body() -> Value {
    json!({
        "id": PRODUCT,
        "name": "X500 PLC",
        "device_class": "plc",
        "version_scheme": "semver",
        "lifecycle": {"state": "active"}
    })
}

fn release_body() -> Value {
    json!({
        "product": PRODUCT,
        "version": "2.9.5",
        "release_date": "2026-06-01",
        "images": [{"name": "fw.bin", "size": 123, "sha256": SHA256, "sha3_256": SHA3_256}],
        "fixes": ["CVE-2026-50001"]
    })
}

fn advisory_body(id: &str) -> Value {
    json!({
        "id": id,
        "title": "Stack overflow in the web server",
        "cves": [{"id": "CVE-2026-50001", "cvss_v31": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "cwe": "CWE-787"}],
        "products": [{
            "product": PRODUCT,
            "status": "known_affected",
            "affected": {"introduced": "2.0.0", "fixed": "2.9.5"},
            "vendor_text": "< 2.9.5"
        }],
        "revision": {"number": "1", "date": "2026-05-01", "summary": "initial release"}
    })
}

/// `value` with the member at JSON pointer `pointer` set to `new` (its parent must exist).
fn with(mut value: Value, pointer: &str, new: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    let parent = value
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no parent for {pointer}"));
    match parent {
        Value::Object(map) => {
            map.insert(key.to_owned(), new);
        }
        Value::Array(items) => {
            let index = key.parse::<usize>().expect("an index");
            if index == items.len() {
                items.push(new);
            } else {
                items[index] = new;
            }
        }
        _ => panic!("parent of {pointer} is not a container"),
    }
    value
}

fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("serialize")
}

/// The tokens of the seeded app.
struct Tokens {
    publisher: String,
    editor: String,
    expired: String,
}

/// One row of the table.
struct Case {
    name: &'static str,
    method: Method,
    path: String,
    token: Option<String>,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
    field: Option<&'static str>,
    detail_contains: Option<&'static str>,
    snapshot: bool,
}

impl Case {
    fn post(name: &'static str, path: &str, token: &str, body: &Value) -> Self {
        Self {
            name,
            method: Method::POST,
            path: path.to_owned(),
            token: Some(token.to_owned()),
            content_type: Some("application/json"),
            body: bytes(body),
            status: 0,
            field: None,
            detail_contains: None,
            snapshot: false,
        }
    }

    fn get(name: &'static str, path: &str) -> Self {
        Self {
            name,
            method: Method::GET,
            path: path.to_owned(),
            token: None,
            content_type: None,
            body: Vec::new(),
            status: 0,
            field: None,
            detail_contains: None,
            snapshot: false,
        }
    }

    fn expect(mut self, status: u16, field: Option<&'static str>) -> Self {
        self.status = status;
        self.field = field;
        self
    }

    fn token(mut self, token: Option<String>) -> Self {
        self.token = token;
        self
    }

    fn content_type(mut self, content_type: &'static str) -> Self {
        self.content_type = Some(content_type);
        self
    }

    fn raw_body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    fn detail(mut self, text: &'static str) -> Self {
        self.detail_contains = Some(text);
        self
    }

    fn snapshot(mut self) -> Self {
        self.snapshot = true;
        self
    }
}

/// Seeds one product, one release, one live advisory and one withdrawn advisory.
async fn seeded() -> (TestApp, Tokens) {
    let app = TestApp::new().await;
    let editor = app.token(Role::Editor).await;
    let publisher = app.token(Role::Publisher).await;
    let (record, expired) = new_token(
        "expired",
        Role::Publisher,
        Some(OffsetDateTime::now_utc() - Duration::days(1)),
    )
    .expect("randomness");
    app.store()
        .create_token(&record)
        .await
        .expect("store expired token");

    app.post_json("/api/v1/products", Some(&editor), &product_body())
        .await
        .expect_status(201);
    app.post_json(
        "/api/v1/advisories",
        Some(&editor),
        &advisory_body("ACME-SA-2026-001"),
    )
    .await
    .expect_status(201);
    app.post_json("/api/v1/releases", Some(&publisher), &release_body())
        .await
        .expect_status(201);
    app.post_json(
        "/api/v1/advisories",
        Some(&editor),
        &advisory_body("ACME-SA-2026-002"),
    )
    .await
    .expect_status(201);
    app.post_json(
        "/api/v1/advisories/ACME-SA-2026-002/withdraw",
        Some(&editor),
        &json!({"reason": "published by mistake", "date": "2026-05-02"}),
    )
    .await
    .expect_status(201);
    assert_eq!(app.store().size().await.unwrap(), 5);
    (
        app,
        Tokens {
            publisher,
            editor,
            expired,
        },
    )
}

fn cases(tokens: &Tokens) -> Vec<Case> {
    let publisher = tokens.publisher.as_str();
    let editor = tokens.editor.as_str();
    let release = release_body;
    let advisory = || advisory_body("ACME-SA-2026-001");
    let image = |pointer: &str, value: &str| with(release(), pointer, json!(value));
    let secret = publisher.rsplit_once('_').expect("token shape").1;
    let id = &publisher[4..16];
    let other_secret = "0".repeat(64);
    let mut oversized = br#"{"product":""#.to_vec();
    oversized.extend(std::iter::repeat_n(b'a', 256 * 1024 + 1));
    oversized.extend(br#""}"#);
    let r = "/api/v1/releases";
    let a = "/api/v1/advisories";
    let p = "/api/v1/products";

    vec![
        // Releases: field values.
        Case::post(
            "release_fix_bad_cve",
            r,
            publisher,
            &with(release(), "/fixes", json!(["CVE-26-1"])),
        )
        .expect(422, Some("/fixes/0"))
        .snapshot(),
        Case::post(
            "sha256_short",
            r,
            publisher,
            &image("/images/0/sha256", &SHA256[..63]),
        )
        .expect(422, Some("/images/0/sha256")),
        Case::post(
            "sha256_uppercase",
            r,
            publisher,
            &image("/images/0/sha256", &SHA256.to_uppercase()),
        )
        .expect(422, Some("/images/0/sha256"))
        .snapshot(),
        Case::post(
            "sha256_not_hex",
            r,
            publisher,
            &image("/images/0/sha256", &format!("{}zz", &SHA256[..62])),
        )
        .expect(422, Some("/images/0/sha256")),
        Case::post(
            "sha3_256_long",
            r,
            publisher,
            &image("/images/0/sha3_256", &format!("{SHA3_256}00")),
        )
        .expect(422, Some("/images/0/sha3_256")),
        Case::post(
            "sha3_256_uppercase",
            r,
            publisher,
            &image("/images/0/sha3_256", &SHA3_256.to_uppercase()),
        )
        .expect(422, Some("/images/0/sha3_256")),
        Case::post(
            "sha3_256_not_hex",
            r,
            publisher,
            &image("/images/0/sha3_256", &format!("{}gg", &SHA3_256[..62])),
        )
        .expect(422, Some("/images/0/sha3_256")),
        Case::post(
            "release_unknown_product",
            r,
            publisher,
            &with(release(), "/product", json!("plc-x999")),
        )
        .expect(404, Some("/product"))
        .snapshot(),
        Case::post(
            "release_version_not_in_scheme",
            r,
            publisher,
            &with(release(), "/version", json!("V2.9.5 beta")),
        )
        .expect(422, Some("/version")),
        Case::post(
            "release_date_malformed",
            r,
            publisher,
            &with(release(), "/release_date", json!("2026-13-01")),
        )
        .expect(422, Some("/release_date")),
        Case::post(
            "release_date_future",
            r,
            publisher,
            &with(release(), "/release_date", json!("2999-01-01")),
        )
        .expect(422, Some("/release_date"))
        .snapshot(),
        Case::post(
            "release_no_images",
            r,
            publisher,
            &with(release(), "/images", json!([])),
        )
        .expect(422, Some("/images")),
        Case::post(
            "release_duplicate_image_names",
            r,
            publisher,
            &with(
                release(),
                "/images/1",
                json!({"name": "fw.bin", "size": 5, "sha256": OTHER_SHA256}),
            ),
        )
        .expect(422, Some("/images/1/name")),
        Case::post(
            "image_name_is_path",
            r,
            publisher,
            &image("/images/0/name", "firmware/fw.bin"),
        )
        .expect(422, Some("/images/0/name")),
        Case::post(
            "release_supersedes_nothing",
            r,
            publisher,
            &with(release(), "/supersedes", json!(9999)),
        )
        .expect(422, Some("/supersedes")),
        // Releases: the request itself.
        Case::post("text_plain", r, publisher, &release())
            .content_type("text/plain")
            .expect(415, None)
            .snapshot(),
        Case::post("invalid_json", r, publisher, &release())
            .raw_body(br#"{"product": "plc-x500", "version": }"#.to_vec())
            .expect(400, Some("/version"))
            .snapshot(),
        Case::post("trailing_garbage", r, publisher, &release())
            .raw_body([bytes(&release()), b" {}".to_vec()].concat())
            .expect(400, None),
        Case::post(
            "unknown_field",
            r,
            publisher,
            &with(release(), "/colour", json!("red")),
        )
        .expect(400, Some("/colour"))
        .detail("colour")
        .snapshot(),
        Case::post(
            "wrong_json_type",
            r,
            publisher,
            &with(release(), "/images/0/size", json!("123")),
        )
        .expect(400, Some("/images/0/size"))
        .snapshot(),
        Case::post("oversized_body", r, publisher, &release())
            .raw_body(oversized)
            .expect(413, None)
            .snapshot(),
        // Authentication and roles.
        Case::post("missing_token", r, publisher, &release())
            .token(None)
            .expect(401, None)
            .snapshot(),
        Case::post("malformed_token", r, publisher, &release())
            .token(Some("not-a-token".to_owned()))
            .expect(401, None),
        Case::post("wrong_secret", r, publisher, &release())
            .token(Some(format!("fxl_{id}_{other_secret}")))
            .expect(401, None),
        Case::post("unknown_token_id", r, publisher, &release())
            .token(Some(format!("fxl_000000000000_{secret}")))
            .expect(401, None),
        Case::post("expired_token", r, publisher, &release())
            .token(Some(tokens.expired.clone()))
            .expect(401, None)
            .detail("expired"),
        Case::post("editor_posts_release", r, editor, &release())
            .expect(403, None)
            .snapshot(),
        Case::post("publisher_posts_advisory", a, publisher, &advisory()).expect(403, None),
        Case::post("publisher_posts_product", p, publisher, &product_body()).expect(403, None),
        // Overwrites.
        Case::post(
            "release_same_version_other_digests",
            r,
            publisher,
            &image("/images/0/sha256", OTHER_SHA256),
        )
        .expect(409, Some("/images"))
        .snapshot(),
        Case::post(
            "release_same_version_other_image_name",
            r,
            publisher,
            &image("/images/0/name", "other.bin"),
        )
        .expect(409, Some("/images")),
        Case::post(
            "advisory_revision_number_reused",
            a,
            editor,
            &with(advisory(), "/title", json!("A different title")),
        )
        .expect(409, Some("/revision/number"))
        .snapshot(),
        Case::post(
            "revise_withdrawn_advisory",
            a,
            editor,
            &with(
                with(
                    advisory_body("ACME-SA-2026-002"),
                    "/revision/number",
                    json!("3"),
                ),
                "/revision/date",
                json!("2026-05-03"),
            ),
        )
        .expect(409, Some("/id")),
        Case::post(
            "withdraw_twice",
            "/api/v1/advisories/ACME-SA-2026-002/withdraw",
            editor,
            &json!({"reason": "again"}),
        )
        .expect(409, None),
        Case::post(
            "withdraw_unknown_advisory",
            "/api/v1/advisories/ACME-SA-2026-404/withdraw",
            editor,
            &json!({"reason": "never existed"}),
        )
        .expect(404, None),
        // Advisories: field values.
        Case::post(
            "advisory_bad_cve",
            a,
            editor,
            &with(advisory(), "/cves/0/id", json!("CVE-2026-1")),
        )
        .expect(422, Some("/cves/0/id")),
        Case::post(
            "statement_unknown_product",
            a,
            editor,
            &with(advisory(), "/products/0/product", json!("plc-x999")),
        )
        .expect(422, Some("/products/0/product")),
        Case::post(
            "statement_cve_not_in_advisory",
            a,
            editor,
            &with(advisory(), "/products/0/cves", json!(["CVE-2026-59999"])),
        )
        .expect(422, Some("/products/0/cves/0")),
        Case::post(
            "bad_cvss_vector",
            a,
            editor,
            &with(advisory(), "/cves/0/cvss_v31", json!("CVSS:3.1/AV:X/AC:L")),
        )
        .expect(422, Some("/cves/0/cvss_v31")),
        Case::post(
            "bad_range_bound",
            a,
            editor,
            &with(advisory(), "/products/0/affected/fixed", json!("two.nine")),
        )
        .expect(422, Some("/products/0/affected/fixed"))
        .snapshot(),
        // Products.
        Case::post(
            "bad_device_class",
            p,
            editor,
            &with(product_body(), "/device_class", json!("toaster")),
        )
        .expect(422, Some("/device_class")),
        Case::post(
            "bad_version_scheme",
            p,
            editor,
            &with(product_body(), "/version_scheme", json!("roman")),
        )
        .expect(422, Some("/version_scheme")),
        Case::post(
            "bad_lifecycle_date",
            p,
            editor,
            &with(
                product_body(),
                "/lifecycle/end_of_life",
                json!("2030-02-30"),
            ),
        )
        .expect(422, Some("/lifecycle/end_of_life")),
        Case::post(
            "product_version_scheme_change",
            p,
            editor,
            &with(product_body(), "/version_scheme", json!("dotted")),
        )
        .expect(409, Some("/version_scheme")),
        // Reads.
        Case::get(
            "version_status_not_in_scheme",
            "/api/v1/products/plc-x500/versions/two",
        )
        .expect(422, Some("/version")),
        Case::get(
            "version_status_unknown_product",
            "/api/v1/products/plc-x999/versions/1.0.0",
        )
        .expect(404, None),
        Case::get("entries_limit_zero", "/api/v1/entries?limit=0").expect(422, Some("/limit")),
        Case::get("entry_not_a_number", "/api/v1/entries/abc").expect(400, Some("/seq")),
        Case::get("entry_unknown", "/api/v1/entries/99").expect(404, None),
    ]
}

#[tokio::test]
async fn bad_requests_are_problems_and_change_nothing() {
    let (app, tokens) = seeded().await;
    let before = app.entries().await;
    let size = before.len() as u64;
    let checkpoint = app.store().latest_checkpoint().await.unwrap();
    let cases = cases(&tokens);
    assert!(cases.len() >= 35, "only {} cases", cases.len());

    let mut failures = Vec::new();
    for case in cases {
        let answer = app
            .send(request(
                case.method.clone(),
                &case.path,
                case.token.as_deref(),
                case.content_type,
                case.body.clone(),
            ))
            .await;
        let name = case.name;
        let text = String::from_utf8_lossy(&answer.body).into_owned();
        if answer.status.as_u16() != case.status {
            failures.push(format!(
                "{name}: status {} (expected {}): {text}",
                answer.status, case.status
            ));
            continue;
        }
        if answer.content_type() != "application/problem+json" {
            failures.push(format!("{name}: content-type {:?}", answer.content_type()));
        }
        let problem: Problem = match serde_json::from_slice(&answer.body) {
            Ok(problem) => problem,
            Err(error) => {
                failures.push(format!("{name}: not a problem ({error}): {text}"));
                continue;
            }
        };
        if problem.status != case.status {
            failures.push(format!("{name}: problem status {}", problem.status));
        }
        if problem.field.as_deref() != case.field {
            failures.push(format!(
                "{name}: field {:?} (expected {:?}): {text}",
                problem.field, case.field
            ));
        }
        if let Some(expected) = case.detail_contains
            && !problem.detail.contains(expected)
        {
            failures.push(format!("{name}: detail lacks {expected:?}: {text}"));
        }
        if case.status == 401 && !answer.headers.contains_key(header::WWW_AUTHENTICATE) {
            failures.push(format!("{name}: 401 without WWW-Authenticate"));
        }
        if case.snapshot {
            insta::assert_json_snapshot!(format!("problem_{name}"), problem);
        }
        // A rejected request changes nothing.
        assert_eq!(
            app.store().size().await.unwrap(),
            size,
            "{name} appended an entry"
        );
        assert_eq!(app.entries().await, before, "{name} changed an entry");
        assert_eq!(
            app.store().latest_checkpoint().await.unwrap(),
            checkpoint,
            "{name} signed a checkpoint"
        );
    }
    assert!(
        failures.is_empty(),
        "{} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn problems_name_no_secret() {
    let (app, tokens) = seeded().await;
    let secret = tokens.publisher.rsplit_once('_').unwrap().1.to_owned();
    let id = &tokens.publisher[4..16];
    let wrong = format!("fxl_{id}_{}", "1".repeat(64));
    for token in [tokens.publisher.clone(), wrong.clone()] {
        let answer = app
            .send(request(
                Method::POST,
                "/api/v1/advisories",
                Some(&token),
                Some("application/json"),
                bytes(&advisory_body("ACME-SA-2026-003")),
            ))
            .await;
        let text = String::from_utf8_lossy(&answer.body);
        assert!(matches!(answer.status.as_u16(), 401 | 403), "{text}");
        assert!(
            !text.contains(&secret) && !text.contains(&"1".repeat(64)),
            "{text}"
        );
    }
}
