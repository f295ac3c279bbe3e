//! HTTP request and response bodies of the fixlog JSON API (`/api/v1`), shared by the server,
//! the CLI and the verifier, with their OpenAPI schemas.
//!
//! Field names are part of the contract (../shared/design/CONTRACT.md): once chosen they stay.
//! Entries are served as [`EntryDoc`], the exact document whose canonical bytes are the
//! Merkle leaf.

pub use fixlog_formats::{
    AdvisoryCveDoc, AdvisoryDoc, CvssDoc, EntryDoc, EntryKind, ImageDoc, LifecycleDoc, ProductDoc,
    RangeDoc, ReferenceDoc, RemediationDoc, RevisionDoc, StatementDoc,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub mod drafts;

/// `POST /api/v1/releases`: a firmware release with its images.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRequest {
    /// Product id.
    #[schema(example = "plc-x500")]
    pub product: String,
    /// Version in the product's version scheme.
    #[schema(example = "V3.2.2")]
    pub version: String,
    /// Patch release date, `YYYY-MM-DD`.
    #[schema(example = "2026-11-29")]
    pub release_date: String,
    /// Images with their digests (at least one).
    pub images: Vec<ImageDoc>,
    /// CVE ids this release fixes.
    #[serde(default)]
    pub fixes: Vec<String>,
    /// Sequence number of an earlier release entry of the same version that this one replaces
    /// (a re-published image); without it, other digests for a published version are a conflict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<u64>,
}

/// One vulnerability of an advisory request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvisoryCveRequest {
    /// CVE id.
    #[schema(example = "CVE-2026-50001")]
    pub id: String,
    /// Short title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// CWE id, e.g. `CWE-787`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwe: Option<String>,
    /// CVSS v3.1 vector; the score is computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_v31: Option<String>,
    /// CVSS v4.0 vector; the score is computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_v40: Option<String>,
}

/// One product statement of an advisory request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementRequest {
    /// Product id.
    pub product: String,
    /// `known_affected`, `fixed`, `known_not_affected` or `under_investigation`.
    pub status: String,
    /// The CVEs this statement covers; all of the advisory's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cves: Option<Vec<String>>,
    /// A single range (shorthand for `ranges: [..]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affected: Option<RangeDoc>,
    /// The ranges the statement covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranges: Option<Vec<RangeDoc>>,
    /// Branch or scope label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The range as the vendor prints it, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_text: Option<String>,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<RemediationDoc>,
}

/// Revision metadata of an advisory request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionRequest {
    /// Revision number; the next integer when absent. Must not repeat an earlier revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Revision date, `YYYY-MM-DD`; today (UTC) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// What changed in this revision.
    pub summary: String,
}

/// `POST /api/v1/advisories`: a new advisory, or a revision of an existing id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvisoryRequest {
    /// Advisory id.
    #[schema(example = "ACME-SA-2026-001")]
    pub id: String,
    /// Title.
    pub title: String,
    /// Vulnerabilities (at least one).
    pub cves: Vec<AdvisoryCveRequest>,
    /// Product statements.
    pub products: Vec<StatementRequest>,
    /// General mitigations.
    #[serde(default)]
    pub mitigations: Vec<String>,
    /// Reference links.
    #[serde(default)]
    pub references: Vec<ReferenceDoc>,
    /// Known to be exploited.
    #[serde(default)]
    pub known_exploited: bool,
    /// This revision.
    pub revision: RevisionRequest,
}

/// `POST /api/v1/advisories/{id}/withdraw`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawRequest {
    /// Why the advisory is withdrawn (becomes the final revision's summary).
    pub reason: String,
    /// Revision date, `YYYY-MM-DD`; today (UTC) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// Answer to a write: the entry, and whether it was created now or already existed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PublishResponse {
    /// `created` (201) or `existing` (200, an idempotent repeat).
    pub status: String,
    /// Sequence number of the entry.
    pub seq: u64,
    /// Size of the signed checkpoint that includes the entry.
    pub checkpoint_size: u64,
    /// URL path of the entry's inclusion proof.
    pub proof: String,
    /// The entry.
    pub entry: EntryDoc,
}

/// A product with the entry that last set its record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProductView {
    /// The product record.
    #[serde(flatten)]
    pub product: ProductDoc,
    /// Sequence number of the entry that set this record.
    pub seq: u64,
    /// Number of live firmware releases.
    pub releases: u64,
}

/// The schema of [`ProductView`] is one flat object: the members of [`ProductDoc`] followed by
/// `seq` and `releases`. The derived schema of a `#[serde(flatten)]` field is an `allOf` of the
/// closed `ProductDoc` (`additionalProperties: false`) and an object with the two extra members,
/// which no document satisfies, since the closed branch rejects `seq` and `releases`.
impl<'schema> ToSchema<'schema> for ProductView {
    fn schema() -> (
        &'schema str,
        utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    ) {
        use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType};
        use utoipa::openapi::{RefOr, schema::AdditionalProperties};
        let (_, product) = ProductDoc::schema();
        let RefOr::T(Schema::Object(mut object)) = product else {
            unreachable!("the derived schema of the ProductDoc struct is an object")
        };
        let count = |description: &str| {
            ObjectBuilder::new()
                .schema_type(SchemaType::Integer)
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::Int64,
                )))
                .minimum(Some(0.0))
                .description(Some(description))
                .build()
        };
        object.properties.insert(
            "seq".to_owned(),
            count("Sequence number of the entry that set this record.").into(),
        );
        object.properties.insert(
            "releases".to_owned(),
            count("Number of live firmware releases.").into(),
        );
        object
            .required
            .extend(["seq".to_owned(), "releases".to_owned()]);
        object.description = Some("A product with the entry that last set its record.".to_owned());
        object.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
        ("ProductView", RefOr::T(Schema::Object(object)))
    }
}

/// `GET /api/v1/products`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProductList {
    /// Products in id order.
    pub products: Vec<ProductView>,
}

/// A live firmware release.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReleaseView {
    /// Version.
    pub version: String,
    /// Patch release date.
    pub release_date: String,
    /// Images with digests.
    pub images: Vec<ImageDoc>,
    /// CVEs this release fixes, as published with it.
    pub fixes: Vec<String>,
    /// Sequence number of its entry.
    pub seq: u64,
    /// When the log accepted it.
    pub published: String,
    /// The entry it replaced, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<u64>,
}

/// `GET /api/v1/products/{product}/firmware`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FirmwareList {
    /// Product id.
    pub product: String,
    /// Live releases, newest version first.
    pub releases: Vec<ReleaseView>,
}

/// One CVE's status for a version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CveStatus {
    /// CVE id.
    pub cve: String,
    /// `known_affected`, `fixed`, `known_not_affected` or `under_investigation`.
    pub status: String,
    /// Advisories that state it.
    pub advisories: Vec<String>,
    /// The first fixed version on this version's line, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_in: Option<String>,
    /// The vendor says no fix will come for this version.
    pub no_fix_planned: bool,
}

/// `GET /api/v1/products/{product}/versions/{version}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VersionStatusView {
    /// Product id.
    pub product: String,
    /// The version as asked, in the product's scheme.
    pub version: String,
    /// Whether this version is a published release.
    pub released: bool,
    /// Every CVE with a statement for this version, by CVE id.
    pub cves: Vec<CveStatus>,
}

/// One revision in an advisory's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RevisionView {
    /// Sequence number of the revision's entry.
    pub seq: u64,
    /// When the log accepted it.
    pub published: String,
    /// `advisory` or `withdrawal`.
    pub kind: EntryKind,
    /// Revision number.
    pub number: String,
    /// Revision date.
    pub date: String,
    /// What changed.
    pub summary: String,
}

/// `GET /api/v1/advisories/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AdvisoryView {
    /// Advisory id.
    pub id: String,
    /// The advisory is withdrawn.
    pub withdrawn: bool,
    /// The entry of the current revision.
    pub current: EntryDoc,
    /// Every revision, oldest first.
    pub revisions: Vec<RevisionView>,
}

/// `GET /api/v1/advisories`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AdvisoryList {
    /// Current revision of each advisory, by id.
    pub advisories: Vec<AdvisorySummary>,
}

/// A line of the advisory list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AdvisorySummary {
    /// Advisory id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Current revision number.
    pub revision: String,
    /// Date of the current revision.
    pub date: String,
    /// CVE ids.
    pub cves: Vec<String>,
    /// Withdrawn.
    pub withdrawn: bool,
    /// Sequence number of the current revision's entry.
    pub seq: u64,
}

/// `GET /api/v1/firmware/by-digest/{hex}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DigestMatch {
    /// Product id.
    pub product: String,
    /// Version.
    pub version: String,
    /// Patch release date.
    pub release_date: String,
    /// The matching image.
    pub image: ImageDoc,
    /// Sequence number of the release entry.
    pub seq: u64,
    /// The release entry was superseded by a later one (the image was replaced).
    pub superseded: bool,
}

/// `GET /api/v1/firmware/by-digest/{hex}`: every release entry with that image digest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DigestMatches {
    /// The digest asked for.
    pub digest: String,
    /// Matches in sequence order.
    pub matches: Vec<DigestMatch>,
}

/// `GET /api/v1/entries`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EntryPage {
    /// Entries in sequence order.
    pub entries: Vec<EntryDoc>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<u64>,
    /// Current log size.
    pub size: u64,
}

/// One invalid field of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// JSON pointer of the field, e.g. `/images/0/sha256`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// RFC 9457 problem details (`application/problem+json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// Problem type URI.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// What went wrong in this request.
    pub detail: String,
    /// JSON pointer of the offending field, for validation errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every invalid field, for validation errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// `GET /healthz`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// Log size.
    pub size: u64,
}
