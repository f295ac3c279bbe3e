//! The OpenAPI 3.0.3 document of `/api/v1`, generated from the handlers' annotations
//! (utoipa 4.2, the last line that emits OpenAPI 3.0).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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
    modifiers(&BearerAuth),
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

/// The document as pretty JSON.
pub fn document_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serializes")
}
