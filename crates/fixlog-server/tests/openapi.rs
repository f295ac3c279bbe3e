//! The OpenAPI document: version 3.0.3, exactly the `/api/v1` routes the router serves (each
//! checked to answer for its documented method), served at `/openapi.json`, and snapshotted.

mod common;

use std::collections::BTreeSet;

use axum::http::Method;
use common::{TestApp, request};
use fixlog_server::auth::Role;
use serde_json::{Value, json};

/// Every `/api/v1` route of `routes::api::router()`, with its methods.
const ROUTES: [(&str, &str); 14] = [
    ("get", "/api/v1/products"),
    ("post", "/api/v1/products"),
    ("get", "/api/v1/products/{product}"),
    ("get", "/api/v1/products/{product}/firmware"),
    ("get", "/api/v1/products/{product}/versions/{version}"),
    ("post", "/api/v1/releases"),
    ("get", "/api/v1/advisories"),
    ("post", "/api/v1/advisories"),
    ("get", "/api/v1/advisories/{id}"),
    ("post", "/api/v1/advisories/{id}/withdraw"),
    ("get", "/api/v1/entries"),
    ("get", "/api/v1/entries/{seq}"),
    ("get", "/api/v1/entries/{seq}/proof"),
    ("get", "/api/v1/firmware/by-digest/{digest}"),
];

const SHA256: &str = "b1f4551882772f2d92b1fb3621f0689c0d42acfd68dbad09684647fcf0790d3c";

fn document() -> Value {
    serde_json::from_str(&fixlog_server::openapi::document_json()).expect("document is JSON")
}

fn concrete(path: &str) -> String {
    path.replace("{product}", "plc-x500")
        .replace("{version}", "2.9.5")
        .replace("{id}", "ACME-SA-2026-001")
        .replace("{seq}", "1")
        .replace("{digest}", SHA256)
}

#[test]
fn the_route_list_matches_the_router_source() {
    // The router's source names each path once in a `.route(` call; the list above must not
    // drift from it.
    let source = include_str!("../src/routes/api.rs");
    let router = &source[source.find("pub fn router()").expect("router()")..];
    let router = &router[..router.find("\n}\n").expect("end of router()")];
    let in_source: BTreeSet<&str> = router
        .split(".route(")
        .skip(1)
        .map(|call| {
            let start = call.find('"').expect("a path literal") + 1;
            let end = start + call[start..].find('"').expect("end of literal");
            &call[start..end]
        })
        .collect();
    let listed: BTreeSet<&str> = ROUTES.iter().map(|(_, path)| *path).collect();
    assert_eq!(in_source, listed);
}

#[test]
fn document_is_openapi_3_0_3_with_every_route() {
    let document = document();
    assert_eq!(document["openapi"], "3.0.3");
    let paths = document["paths"].as_object().expect("paths");
    let mut documented = BTreeSet::new();
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                documented.insert((method, path.as_str()));
            }
        }
    }
    let listed: BTreeSet<(&str, &str)> = ROUTES.iter().copied().collect();
    assert_eq!(
        documented, listed,
        "documented operations differ from the router's"
    );
    assert!(
        document["components"]["securitySchemes"]["bearer"].is_object(),
        "the bearer scheme is documented"
    );
    for (method, path) in ROUTES.iter().filter(|(method, _)| *method == "post") {
        let operation = &paths[*path][*method];
        assert!(
            operation["security"].is_array(),
            "{method} {path} declares its security"
        );
        for status in ["400", "401", "403", "413", "415", "422"] {
            assert!(
                operation["responses"][status]["content"]["application/problem+json"].is_object(),
                "{method} {path} documents {status} as problem+json"
            );
        }
    }
}

#[tokio::test]
async fn every_documented_route_answers() {
    let app = TestApp::new().await;
    let editor = app.token(Role::Editor).await;
    let publisher = app.token(Role::Publisher).await;
    app.post_json(
        "/api/v1/products",
        Some(&editor),
        &json!({"id": "plc-x500", "name": "X500", "device_class": "plc",
                "version_scheme": "semver", "lifecycle": {"state": "active"}}),
    )
    .await
    .expect_status(201);
    app.post_json(
        "/api/v1/releases",
        Some(&publisher),
        &json!({"product": "plc-x500", "version": "2.9.5", "release_date": "2026-06-01",
                "images": [{"name": "fw.bin", "size": 1, "sha256": SHA256}]}),
    )
    .await
    .expect_status(201);
    app.post_json(
        "/api/v1/advisories",
        Some(&editor),
        &json!({"id": "ACME-SA-2026-001", "title": "Overflow",
                "cves": [{"id": "CVE-2026-50001"}],
                "products": [{"product": "plc-x500", "status": "known_affected",
                              "affected": {"fixed": "2.9.5"}}],
                "revision": {"summary": "initial release", "date": "2026-05-01"}}),
    )
    .await
    .expect_status(201);

    for (method, path) in ROUTES {
        let uri = concrete(path);
        let answer = if method == "get" {
            app.get(&uri).await
        } else {
            // An empty object without a token: the route exists and rejects the request.
            app.send(request(
                Method::POST,
                &uri,
                None,
                Some("application/json"),
                b"{}".to_vec(),
            ))
            .await
        };
        let status = answer.status.as_u16();
        assert!(
            status != 404 && status != 405,
            "{method} {uri} answered {status}"
        );
        if method == "get" {
            assert_eq!(status, 200, "{method} {uri}");
        }
    }
}

#[tokio::test]
async fn served_document_is_the_generated_one() {
    let app = TestApp::new().await;
    let answer = app.get("/openapi.json").await;
    answer.expect_status(200);
    assert_eq!(answer.content_type(), "application/json");
    assert_eq!(answer.json(), document());
    assert_eq!(answer.json()["openapi"], "3.0.3");
}

#[test]
fn document_snapshot() {
    insta::assert_snapshot!("openapi", fixlog_server::openapi::document_json());
}
