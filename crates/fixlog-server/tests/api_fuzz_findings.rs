//! Regressions for what API fuzzing (scripts/api-fuzz.sh, schemathesis against /openapi.json)
//! found: each request here was once answered wrongly or against the document.

mod common;

use common::TestApp;
use fixlog_server::auth::Role;
use serde_json::{Value, json};

fn document() -> Value {
    serde_json::from_str(&fixlog_server::openapi::document_json()).expect("document is JSON")
}

async fn app_with_product() -> TestApp {
    let app = TestApp::new().await;
    let editor = app.token(Role::Editor).await;
    app.post_json(
        "/api/v1/products",
        Some(&editor),
        &json!({"id": "plc-x500", "name": "X500", "device_class": "plc",
                "version_scheme": "semver", "lifecycle": {"state": "active"}}),
    )
    .await
    .expect_status(201);
    app
}

#[tokio::test]
async fn an_after_beyond_int64_is_rejected_naming_the_field() {
    // Sequence numbers are signed 64-bit integers; `after` above i64::MAX used to wrap to a
    // negative bound and serve the log from its first entry.
    let app = app_with_product().await;
    for after in [i64::MAX as u64 + 1, u64::MAX] {
        let answer = app.get(&format!("/api/v1/entries?after={after}")).await;
        answer.expect_status(422);
        assert_eq!(answer.content_type(), "application/problem+json");
        assert_eq!(answer.json()["field"], "/after", "after={after}");
    }
    let last = app
        .get(&format!("/api/v1/entries?after={}", i64::MAX))
        .await;
    last.expect_status(200);
    assert_eq!(last.json()["entries"], json!([]));
    let first = app.get("/api/v1/entries?after=0").await;
    assert_eq!(first.json()["entries"][0]["seq"], 1);
}

#[test]
fn product_view_is_one_closed_object_not_an_impossible_all_of() {
    // `allOf` of the closed ProductDoc and an object with `seq` and `releases` admits no
    // document: the closed branch rejects the other branch's members.
    let document = document();
    let view = &document["components"]["schemas"]["ProductView"];
    assert!(view.get("allOf").is_none(), "{view}");
    assert_eq!(view["type"], "object");
    assert_eq!(view["additionalProperties"], false);
    let properties: Vec<&str> = view["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .map(String::as_str)
        .collect();
    for member in [
        "id",
        "name",
        "models",
        "device_class",
        "version_scheme",
        "lifecycle",
        "seq",
        "releases",
    ] {
        assert!(properties.contains(&member), "ProductView lacks {member}");
    }
    let required = view["required"].as_array().expect("required");
    assert!(required.contains(&json!("seq")) && required.contains(&json!("releases")));
}

#[tokio::test]
async fn a_served_product_matches_every_member_of_product_view() {
    let app = app_with_product().await;
    let served = app.get("/api/v1/products/plc-x500").await;
    served.expect_status(200);
    let document = document();
    let view = &document["components"]["schemas"]["ProductView"]["properties"];
    for (member, _) in served.json().as_object().expect("an object") {
        assert!(
            view.get(member).is_some(),
            "served member {member} is undocumented"
        );
    }
}

#[test]
fn writes_link_to_what_they_made() {
    // Stateful testing follows these links; each names a documented operation and parameter.
    let document = document();
    let operations: Vec<(String, Value)> = document["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().expect("path item").values().cloned())
        .map(|operation| {
            (
                operation["operationId"].as_str().expect("id").to_owned(),
                operation,
            )
        })
        .collect();
    let mut links = 0;
    for (_, operation) in &operations {
        for response in operation["responses"]
            .as_object()
            .expect("responses")
            .values()
        {
            let Some(declared) = response.get("links").and_then(Value::as_object) else {
                continue;
            };
            for link in declared.values() {
                links += 1;
                let target = link["operationId"].as_str().expect("operationId");
                let (_, target) = operations
                    .iter()
                    .find(|(id, _)| id == target)
                    .unwrap_or_else(|| panic!("link to unknown operation {target}"));
                let names: Vec<&str> = target["parameters"]
                    .as_array()
                    .map(|parameters| {
                        parameters
                            .iter()
                            .filter_map(|parameter| parameter["name"].as_str())
                            .collect()
                    })
                    .unwrap_or_default();
                for (name, expression) in link["parameters"].as_object().expect("parameters") {
                    assert!(names.contains(&name.as_str()), "{target} has no {name}");
                    let expression = expression.as_str().expect("an expression");
                    assert!(
                        expression.starts_with("$response.body#/")
                            || expression.starts_with("$request.body#/")
                            || expression.starts_with("$request.path."),
                        "{expression}"
                    );
                }
            }
        }
    }
    let created = &document["paths"]["/api/v1/products"]["post"]["responses"]["201"]["links"];
    assert_eq!(created["GetProduct"]["operationId"], "get_product");
    assert!(links >= 10, "{links} links");
}
