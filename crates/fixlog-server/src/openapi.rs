//! The OpenAPI 3.0.3 document of `/api/v1`, generated from the handlers' annotations
//! (utoipa 4.2, the last line that emits OpenAPI 3.0).

use serde_json::{Value, json};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{PathItemType, RefOr};
use utoipa::{Modify, OpenApi};

use crate::routes::{api, tlog};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "fixlog",
        description = "Firmware security update log for industrial control equipment: products, firmware releases with image digests, advisories and the append-only log of entries. Every entry's canonical bytes (RFC 8785) are a leaf of the RFC 6962 Merkle tree served under /tlog.",
        license(name = "Apache-2.0")
    ),
    paths(
        api::list_products, api::create_product, api::get_product, api::get_firmware,
        api::get_version_status, api::create_release, api::list_advisories, api::create_advisory,
        api::get_advisory, api::withdraw_advisory, api::list_entries, api::get_entry,
        tlog::entry_proof, api::get_by_digest,
    ),
    components(schemas(
        fixlog_api::EntryDoc, fixlog_api::EntryKind, fixlog_api::StatementDoc, fixlog_api::RangeDoc,
        fixlog_api::RemediationDoc, fixlog_api::ImageDoc, fixlog_api::ProductDoc, fixlog_api::LifecycleDoc,
        fixlog_api::AdvisoryDoc, fixlog_api::AdvisoryCveDoc, fixlog_api::CvssDoc, fixlog_api::ReferenceDoc,
        fixlog_api::RevisionDoc, fixlog_api::ReleaseRequest, fixlog_api::AdvisoryRequest,
        fixlog_api::AdvisoryCveRequest, fixlog_api::StatementRequest, fixlog_api::RevisionRequest,
        fixlog_api::WithdrawRequest, fixlog_api::PublishResponse, fixlog_api::ProductView,
        fixlog_api::ProductList, fixlog_api::ReleaseView, fixlog_api::FirmwareList, fixlog_api::CveStatus,
        fixlog_api::VersionStatusView, fixlog_api::RevisionView, fixlog_api::AdvisoryView,
        fixlog_api::AdvisoryList, fixlog_api::AdvisorySummary, fixlog_api::DigestMatch,
        fixlog_api::DigestMatches, fixlog_api::EntryPage, fixlog_api::FieldError, fixlog_api::Problem,
    )),
    modifiers(&BearerAuth, &ResponseLinks, &ClosedLifecycle),
    tags(
        (name = "read", description = "Public read routes"),
        (name = "write", description = "Bearer-token write routes; every write appends an entry, none edits one"),
        (name = "tlog", description = "Transparency-log proofs"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("API token from `fixlog token create` (fxl_…)"))
                    .build(),
            ),
        );
    }
}

/// OpenAPI links (3.0.3 §4.7.20): which value of an answer names what another operation reads,
/// so clients and stateful testers (schemathesis) can follow a write to the resource it made.
/// utoipa 4 has no field for them on `Response`; its flattened `extensions` map serializes the
/// `links` member in place.
struct ResponseLinks;

/// One link object: `operation_id` called with each parameter taken from a runtime expression.
fn link(operation_id: &str, description: &str, parameters: &[(&str, &str)]) -> Value {
    let parameters: serde_json::Map<String, Value> = parameters
        .iter()
        .map(|(name, expression)| ((*name).to_owned(), Value::from(*expression)))
        .collect();
    json!({"operationId": operation_id, "parameters": parameters, "description": description})
}

/// The links of each (path, method, statuses) answer.
fn response_links() -> Vec<(&'static str, PathItemType, &'static [&'static str], Value)> {
    let entry = || {
        link(
            "get_entry",
            "The appended entry",
            &[("seq", "$response.body#/seq")],
        )
    };
    let proof = || {
        link(
            "entry_proof",
            "Inclusion proof of the appended entry",
            &[("seq", "$response.body#/seq")],
        )
    };
    vec![
        (
            "/api/v1/products",
            PathItemType::Post,
            &["200", "201"],
            json!({
                "GetProduct": link("get_product", "The product as registered", &[("product", "$request.body#/id")]),
                "GetFirmware": link("get_firmware", "The product's releases", &[("product", "$request.body#/id")]),
                "GetEntry": entry(),
                "GetEntryProof": proof(),
            }),
        ),
        (
            "/api/v1/releases",
            PathItemType::Post,
            &["200", "201"],
            json!({
                "GetFirmware": link("get_firmware", "The product's releases, this one among them", &[("product", "$request.body#/product")]),
                "GetVersionStatus": link("get_version_status", "Status of the released version", &[("product", "$request.body#/product"), ("version", "$request.body#/version")]),
                "GetByDigest": link("get_by_digest", "The release found by its first image's SHA-256", &[("digest", "$request.body#/images/0/sha256")]),
                "GetEntry": entry(),
                "GetEntryProof": proof(),
            }),
        ),
        (
            "/api/v1/advisories",
            PathItemType::Post,
            &["200", "201"],
            json!({
                "GetAdvisory": link("get_advisory", "The advisory with this revision current", &[("id", "$request.body#/id")]),
                "WithdrawAdvisory": link("withdraw_advisory", "Withdraw the advisory", &[("id", "$request.body#/id")]),
                "GetEntry": entry(),
                "GetEntryProof": proof(),
            }),
        ),
        (
            "/api/v1/advisories/{id}/withdraw",
            PathItemType::Post,
            &["201"],
            json!({
                "GetAdvisory": link("get_advisory", "The withdrawn advisory", &[("id", "$request.path.id")]),
                "GetEntry": entry(),
            }),
        ),
        (
            "/api/v1/products",
            PathItemType::Get,
            &["200"],
            json!({
                "GetProduct": link("get_product", "The first product", &[("product", "$response.body#/products/0/id")]),
            }),
        ),
        (
            "/api/v1/advisories",
            PathItemType::Get,
            &["200"],
            json!({
                "GetAdvisory": link("get_advisory", "The first advisory", &[("id", "$response.body#/advisories/0/id")]),
            }),
        ),
        (
            "/api/v1/entries",
            PathItemType::Get,
            &["200"],
            json!({
                "GetEntry": link("get_entry", "The first entry of the page", &[("seq", "$response.body#/entries/0/seq")]),
            }),
        ),
    ]
}

impl Modify for ResponseLinks {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, method, statuses, links) in response_links() {
            let operation = openapi
                .paths
                .paths
                .get_mut(path)
                .and_then(|item| item.operations.get_mut(&method))
                .unwrap_or_else(|| panic!("links name a documented operation: {path}"));
            for status in statuses {
                let Some(RefOr::T(response)) = operation.responses.responses.get_mut(*status)
                else {
                    panic!("links name a documented response: {path} {status}");
                };
                response
                    .extensions
                    .get_or_insert_with(Default::default)
                    .insert("links".to_owned(), links.clone());
            }
        }
    }
}

/// LifecycleDoc deserializes through a private shorthand type, so its derived schema cannot
/// say that unknown members are refused; this modifier closes it.
struct ClosedLifecycle;

impl Modify for ClosedLifecycle {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(RefOr::T(utoipa::openapi::schema::Schema::Object(lifecycle))) = openapi
            .components
            .as_mut()
            .and_then(|components| components.schemas.get_mut("LifecycleDoc"))
        {
            lifecycle.additional_properties = Some(Box::new(
                utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
            ));
        }
    }
}

/// The document as pretty JSON.
pub fn document_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serializes")
}
