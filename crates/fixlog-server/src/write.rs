//! The write side: requests are parsed into model values (errors name the field), checked
//! against the log, rendered into entry documents and appended.

use std::collections::BTreeSet;

use fixlog_api::{AdvisoryRequest, ReleaseRequest, StatementRequest, WithdrawRequest};
use fixlog_formats::convert::{
    FieldError, advisory_to_doc, image_from_doc, image_to_doc, parse_field, product_from_doc,
    product_to_doc, statement_from_doc,
};
use fixlog_formats::{EntryDoc, EntryKind, ProductDoc, StatementDoc};
use fixlog_model::{
    Advisory, AdvisoryCve, AdvisoryId, CveId, Cvss, CweId, ProductId, ProductStatement, Reference,
    Revision, Status, TextKind, Version, check_text, format_date, parse_date,
};
use fixlog_store::{AppendRequest, Precondition};
use time::{Date, OffsetDateTime};

use crate::error::ApiError;
use crate::log::{Acknowledged, Log};
use crate::read::{Catalog, entry_doc};

/// RFC 3339 with microseconds, as entries carry it.
pub fn format_published(time: OffsetDateTime) -> String {
    let time = time.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second(),
        time.microsecond()
    )
}

/// The key under which equal versions of a product collide (`1.2` and `1.2.0`, `01.04.02`
/// and `1.4.2`, `V2.9.4` and `2.9.4`).
pub fn version_key(version: &Version) -> String {
    let text = version
        .to_vers_component()
        .unwrap_or_else(|| version.as_str().to_owned());
    let text = text.split('+').next().unwrap_or_default().to_owned();
    if text
        .split('.')
        .all(|part| part.bytes().all(|b| b.is_ascii_digit()))
    {
        let mut parts: Vec<u64> = text.split('.').filter_map(|p| p.parse().ok()).collect();
        while parts.len() > 1 && parts.last() == Some(&0) {
            parts.pop();
        }
        parts
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(".")
    } else {
        text
    }
}

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

fn render(mut doc: EntryDoc) -> fixlog_store::Render {
    Box::new(move |seq, published| {
        doc.seq = seq;
        doc.published = format_published(published);
        doc.canonical_bytes().map_err(|error| error.to_string())
    })
}

fn blank_entry(kind: EntryKind) -> EntryDoc {
    EntryDoc {
        seq: 0,
        kind,
        published: String::new(),
        supersedes: None,
        product: None,
        cves: vec![],
        affected: vec![],
        fixed_version: None,
        release_date: None,
        images: vec![],
        product_record: None,
        advisory: None,
    }
}

fn request(kind: EntryKind, now: OffsetDateTime, doc: EntryDoc) -> AppendRequest {
    AppendRequest {
        kind: kind.as_str().to_owned(),
        product: None,
        advisory: None,
        version_key: None,
        supersedes: doc.supersedes,
        cves: doc.cves.clone(),
        products: vec![],
        digests: vec![],
        precondition: Precondition::None,
        now,
        render: render(doc),
    }
}

/// Registers a product or records a change of its record (name, models, lifecycle).
pub async fn publish_product(
    log: &Log,
    doc: &ProductDoc,
    now: OffsetDateTime,
) -> Result<Acknowledged, ApiError> {
    let product = product_from_doc(doc)?;
    let canonical = product_to_doc(&product);
    let catalog = log.catalog().await?;
    if let Some((seq, existing)) = catalog.product_entry(&product.id) {
        if existing.version_scheme != product.version_scheme {
            return Err(ApiError::Conflict {
                detail: format!(
                    "product {} uses version scheme {}; a scheme cannot change once versions are published",
                    product.id,
                    existing.version_scheme.as_str()
                ),
                field: Some("/version_scheme".to_owned()),
            });
        }
        if product_to_doc(existing) == canonical {
            let entry = log
                .store()
                .entry(seq)
                .await?
                .ok_or_else(|| ApiError::Internal {
                    cause: format!("entry {seq} vanished"),
                })?;
            let checkpoint_size = log.ensure_checkpoint(seq).await?;
            return Ok(Acknowledged {
                entry,
                created: false,
                checkpoint_size,
            });
        }
    }
    let mut entry = blank_entry(EntryKind::Product);
    entry.product = Some(product.id.to_string());
    entry.product_record = Some(canonical);
    let mut append = request(EntryKind::Product, now, entry);
    append.product = Some(product.id.to_string());
    append.products = vec![product.id.to_string()];
    log.append(append).await
}

/// Publishes a firmware release; idempotent for the same digests, a conflict for others.
pub async fn publish_release(
    log: &Log,
    body: &ReleaseRequest,
    now: OffsetDateTime,
) -> Result<Acknowledged, ApiError> {
    let product_id = parse_field::<ProductId>("/product", &body.product)?;
    let catalog = log.catalog().await?;
    let product = catalog
        .product(&product_id)
        .ok_or_else(|| ApiError::NotFound {
            detail: format!("unknown product {product_id}"),
            field: Some("/product".to_owned()),
        })?;
    let version = product
        .version_scheme
        .parse(&body.version)
        .map_err(|error| ApiError::invalid("/version", error))?;
    let release_date = parse_date(&body.release_date)
        .map_err(|error| ApiError::invalid("/release_date", error))?;
    if release_date > today() + time::Duration::days(1) {
        return Err(ApiError::invalid(
            "/release_date",
            "release date lies in the future",
        ));
    }
    if body.images.is_empty() {
        return Err(ApiError::invalid(
            "/images",
            "at least one image is required",
        ));
    }
    if body.images.len() > 64 {
        return Err(ApiError::invalid(
            "/images",
            "at most 64 images per release",
        ));
    }
    let mut images = Vec::with_capacity(body.images.len());
    let mut names = BTreeSet::new();
    for (i, image) in body.images.iter().enumerate() {
        let image = image_from_doc(image).map_err(|e| e.within(&format!("/images/{i}")))?;
        if !names.insert(image.name.clone()) {
            return Err(ApiError::invalid(
                format!("/images/{i}/name"),
                "duplicate image name",
            ));
        }
        images.push(image);
    }
    let mut fixes = BTreeSet::new();
    for (i, cve) in body.fixes.iter().enumerate() {
        fixes.insert(parse_field::<CveId>(&format!("/fixes/{i}"), cve)?);
    }
    if let Some(seq) = body.supersedes {
        let replaced = catalog.release_entry(log.store().as_ref(), seq).await?;
        let same = replaced.as_ref().is_some_and(|doc| {
            doc.product.as_deref() == Some(product_id.as_str())
                && doc
                    .fixed_version
                    .as_deref()
                    .and_then(|v| product.version_scheme.parse(v).ok())
                    .is_some_and(|v| v == version)
        });
        if !same {
            return Err(ApiError::invalid(
                "/supersedes",
                format!("entry {seq} is not a release of {product_id} {version}"),
            ));
        }
    }
    // The statements current at publication that this release's fixes fall under.
    let advisories = catalog
        .current_advisories(log.store().as_ref(), Some(&product_id))
        .await?;
    let affected: Vec<StatementDoc> = advisories
        .iter()
        .flat_map(|(_, advisory)| advisory.statements.iter())
        .filter(|s| {
            s.product == product_id
                && s.status == Status::KnownAffected
                && s.cves.iter().any(|cve| fixes.contains(cve))
        })
        .map(fixlog_formats::convert::statement_to_doc)
        .collect();
    let image_docs: Vec<_> = images.iter().map(image_to_doc).collect();
    let mut entry = blank_entry(EntryKind::Release);
    entry.product = Some(product_id.to_string());
    entry.cves = fixes.iter().map(ToString::to_string).collect();
    entry.affected = affected;
    entry.fixed_version = Some(version.as_str().to_owned());
    entry.release_date = Some(format_date(release_date));
    entry.images = image_docs.clone();
    entry.supersedes = body.supersedes;
    let key = version_key(&version);
    let mut append = request(EntryKind::Release, now, entry);
    append.product = Some(product_id.to_string());
    append.products = vec![product_id.to_string()];
    append.version_key = Some(key.clone());
    append.digests = images
        .iter()
        .flat_map(|image| {
            [
                Some(image.sha256.to_string()),
                image.sha3_256.map(|d| d.to_string()),
                image.sha512.map(|d| d.to_string()),
            ]
        })
        .flatten()
        .collect();
    append.precondition = Precondition::NoLiveRelease {
        product: product_id.to_string(),
        version_key: key,
    };
    let acknowledged = log.append(append).await?;
    if !acknowledged.created {
        let existing = entry_doc(&acknowledged.entry)?;
        let digests = |images: &[fixlog_formats::ImageDoc]| {
            images
                .iter()
                .map(|i| (i.name.clone(), i.sha256.clone(), i.sha3_256.clone()))
                .collect::<BTreeSet<_>>()
        };
        if digests(&existing.images) != digests(&image_docs) {
            return Err(ApiError::Conflict {
                detail: format!(
                    "{product_id} {version} is already published with other images (entry {}); \
                     to replace the image publish again with \"supersedes\": {}",
                    existing.seq, existing.seq
                ),
                field: Some("/images".to_owned()),
            });
        }
    }
    Ok(acknowledged)
}

fn parse_statement(
    catalog: &Catalog,
    statement: &StatementRequest,
    advisory_cves: &[CveId],
) -> Result<ProductStatement, FieldError> {
    let ranges = match (&statement.affected, &statement.ranges) {
        (Some(_), Some(_)) => {
            return Err(FieldError::new(
                "/ranges",
                "give either affected or ranges, not both",
            ));
        }
        (Some(one), None) => vec![one.clone()],
        (None, Some(many)) => many.clone(),
        (None, None) => vec![],
    };
    let cves = match &statement.cves {
        Some(cves) => cves.clone(),
        None => advisory_cves.iter().map(ToString::to_string).collect(),
    };
    let doc = StatementDoc {
        product: statement.product.clone(),
        cves,
        status: statement.status.clone(),
        ranges,
        scope: statement.scope.clone(),
        vendor_text: statement.vendor_text.clone(),
        remediation: statement.remediation.clone(),
    };
    let parsed = statement_from_doc(&doc, &|id| catalog.scheme(id))?;
    for (i, cve) in parsed.cves.iter().enumerate() {
        if !advisory_cves.contains(cve) {
            return Err(FieldError::new(
                format!("/cves/{i}"),
                format!("{cve} is not among the advisory's cves"),
            ));
        }
    }
    if parsed.cves.is_empty() {
        return Err(FieldError::new(
            "/cves",
            "a statement needs at least one CVE",
        ));
    }
    Ok(parsed)
}

fn next_revision_number(previous: &[String]) -> String {
    match previous.last() {
        None => "1".to_owned(),
        Some(last) => {
            if let Ok(n) = last.parse::<u64>() {
                return (n + 1).to_string();
            }
            if let Some((major, minor)) = last.split_once('.')
                && let (Ok(major), Ok(minor)) = (major.parse::<u64>(), minor.parse::<u64>())
            {
                return format!("{major}.{}", minor + 1);
            }
            (previous.len() + 1).to_string()
        }
    }
}

/// Publishes a new advisory or a revision of an existing one.
pub async fn publish_advisory(
    log: &Log,
    body: &AdvisoryRequest,
    now: OffsetDateTime,
) -> Result<Acknowledged, ApiError> {
    let id = parse_field::<AdvisoryId>("/id", &body.id)?;
    let title = check_text("title", &body.title, TextKind::Line)
        .map_err(|e| ApiError::invalid("/title", e))?;
    if body.cves.is_empty() {
        return Err(ApiError::invalid("/cves", "at least one CVE is required"));
    }
    let mut cves = Vec::new();
    for (i, cve) in body.cves.iter().enumerate() {
        let at = |field: &str| format!("/cves/{i}/{field}");
        let parsed = AdvisoryCve {
            id: parse_field::<CveId>(&at("id"), &cve.id)?,
            title: cve
                .title
                .as_deref()
                .map(|t| {
                    check_text("title", t, TextKind::Line)
                        .map_err(|e| ApiError::invalid(at("title"), e))
                })
                .transpose()?,
            cwe: cve
                .cwe
                .as_deref()
                .map(|c| parse_field::<CweId>(&at("cwe"), c))
                .transpose()?,
            cvss_v31: cve
                .cvss_v31
                .as_deref()
                .map(|c| parse_field::<Cvss>(&at("cvss_v31"), c))
                .transpose()?,
            cvss_v40: cve
                .cvss_v40
                .as_deref()
                .map(|c| parse_field::<Cvss>(&at("cvss_v40"), c))
                .transpose()?,
        };
        if parsed
            .cvss_v31
            .as_ref()
            .is_some_and(|c| c.version() != fixlog_model::CvssVersion::V3_1)
        {
            return Err(ApiError::invalid(at("cvss_v31"), "not a CVSS:3.1 vector"));
        }
        if parsed
            .cvss_v40
            .as_ref()
            .is_some_and(|c| c.version() != fixlog_model::CvssVersion::V4_0)
        {
            return Err(ApiError::invalid(at("cvss_v40"), "not a CVSS:4.0 vector"));
        }
        if cves.iter().any(|c: &AdvisoryCve| c.id == parsed.id) {
            return Err(ApiError::invalid(at("id"), "duplicate CVE"));
        }
        cves.push(parsed);
    }
    let cve_ids: Vec<CveId> = cves.iter().map(|c| c.id.clone()).collect();
    let catalog = log.catalog().await?;
    let mut statements = Vec::new();
    for (i, statement) in body.products.iter().enumerate() {
        let parsed = parse_statement(&catalog, statement, &cve_ids).map_err(|e| {
            let e = if statement.affected.is_some() {
                rename_range_pointer(e)
            } else {
                e
            };
            ApiError::from(e.within(&format!("/products/{i}")))
        })?;
        statements.push(parsed);
    }
    let mut references = Vec::new();
    for (i, reference) in body.references.iter().enumerate() {
        references.push(Reference {
            url: fixlog_formats::convert::parse_url(
                &format!("/references/{i}/url"),
                &reference.url,
            )?,
            summary: reference
                .summary
                .as_deref()
                .map(|s| {
                    check_text("summary", s, TextKind::Line)
                        .map_err(|e| ApiError::invalid(format!("/references/{i}/summary"), e))
                })
                .transpose()?,
        });
    }
    let mitigations = body
        .mitigations
        .iter()
        .enumerate()
        .map(|(i, m)| {
            check_text("mitigation", m, TextKind::Paragraph)
                .map_err(|e| ApiError::invalid(format!("/mitigations/{i}"), e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let summary = check_text("summary", &body.revision.summary, TextKind::Paragraph)
        .map_err(|e| ApiError::invalid("/revision/summary", e))?;
    let date = match &body.revision.date {
        Some(date) => parse_date(date).map_err(|e| ApiError::invalid("/revision/date", e))?,
        None => now.date(),
    };
    if date > today() + time::Duration::days(1) {
        return Err(ApiError::invalid(
            "/revision/date",
            "revision date lies in the future",
        ));
    }
    let history = log.store().advisory_entries(id.as_str()).await?;
    let history: Vec<EntryDoc> = history.iter().map(entry_doc).collect::<Result<_, _>>()?;
    let previous_numbers: Vec<String> = history
        .iter()
        .filter_map(|e| e.advisory.as_ref().map(|a| a.revision.number.clone()))
        .collect();
    if history
        .last()
        .is_some_and(|e| e.kind == EntryKind::Withdrawal)
    {
        return Err(ApiError::Conflict {
            detail: format!("advisory {id} is withdrawn; a withdrawal is final"),
            field: Some("/id".to_owned()),
        });
    }
    let number = match &body.revision.number {
        Some(number) => check_text("revision number", number, TextKind::Line)
            .map_err(|e| ApiError::invalid("/revision/number", e))?,
        None => next_revision_number(&previous_numbers),
    };
    let advisory = Advisory {
        id: id.clone(),
        title,
        cves,
        statements,
        mitigations,
        references,
        revision: Revision {
            number: number.clone(),
            date,
            summary,
        },
        withdrawn: false,
        known_exploited: body.known_exploited,
    };
    let (advisory_doc, statement_docs) = advisory_to_doc(&advisory);
    if let Some(existing) = history.iter().find(|e| {
        e.advisory
            .as_ref()
            .is_some_and(|a| a.revision.number == number)
    }) {
        let same = existing.advisory.as_ref() == Some(&advisory_doc)
            && existing.affected == statement_docs;
        if same && history.last().map(|e| e.seq) == Some(existing.seq) {
            let entry =
                log.store()
                    .entry(existing.seq)
                    .await?
                    .ok_or_else(|| ApiError::Internal {
                        cause: format!("entry {} vanished", existing.seq),
                    })?;
            let checkpoint_size = log.ensure_checkpoint(existing.seq).await?;
            return Ok(Acknowledged {
                entry,
                created: false,
                checkpoint_size,
            });
        }
        return Err(ApiError::Conflict {
            detail: format!(
                "advisory {id} already has revision {number} (entry {}); revisions are never edited, publish a new revision number",
                existing.seq
            ),
            field: Some("/revision/number".to_owned()),
        });
    }
    if let Some(last) = history.last().and_then(|e| e.advisory.as_ref())
        && let Ok(last_date) = parse_date(&last.revision.date)
        && date < last_date
    {
        return Err(ApiError::invalid(
            "/revision/date",
            format!(
                "revision date lies before the previous revision's date {}",
                last.revision.date
            ),
        ));
    }
    let mut entry = blank_entry(EntryKind::Advisory);
    entry.cves = cve_ids.iter().map(ToString::to_string).collect();
    entry.affected = statement_docs;
    entry.advisory = Some(advisory_doc);
    entry.supersedes = history.last().map(|e| e.seq);
    let products: BTreeSet<String> = advisory
        .statements
        .iter()
        .map(|s| s.product.to_string())
        .collect();
    let mut append = request(EntryKind::Advisory, now, entry);
    append.advisory = Some(id.to_string());
    append.products = products.into_iter().collect();
    log.append(append).await
}

fn rename_range_pointer(error: FieldError) -> FieldError {
    match error.field.strip_prefix("/ranges/0") {
        Some(rest) => FieldError {
            field: format!("/affected{rest}"),
            message: error.message,
        },
        None => error,
    }
}

/// Withdraws an advisory: a final revision that says so and states nothing about products.
pub async fn withdraw_advisory(
    log: &Log,
    id: &str,
    body: &WithdrawRequest,
    now: OffsetDateTime,
) -> Result<Acknowledged, ApiError> {
    let id = parse_field::<AdvisoryId>("/id", id).map_err(|e| ApiError::NotFound {
        detail: e.message,
        field: None,
    })?;
    let reason = check_text("reason", &body.reason, TextKind::Paragraph)
        .map_err(|e| ApiError::invalid("/reason", e))?;
    let date = match &body.date {
        Some(date) => parse_date(date).map_err(|e| ApiError::invalid("/date", e))?,
        None => now.date(),
    };
    let history = log.store().advisory_entries(id.as_str()).await?;
    let history: Vec<EntryDoc> = history.iter().map(entry_doc).collect::<Result<_, _>>()?;
    let Some(last) = history.last() else {
        return Err(ApiError::NotFound {
            detail: format!("no advisory {id}"),
            field: None,
        });
    };
    if last.kind == EntryKind::Withdrawal {
        return Err(ApiError::Conflict {
            detail: format!("advisory {id} is already withdrawn"),
            field: None,
        });
    }
    let mut advisory = last.advisory.clone().ok_or_else(|| ApiError::Internal {
        cause: "advisory entry without advisory".into(),
    })?;
    if let Ok(last_date) = parse_date(&advisory.revision.date)
        && date < last_date
    {
        return Err(ApiError::invalid(
            "/date",
            format!(
                "date lies before the previous revision's date {}",
                advisory.revision.date
            ),
        ));
    }
    let numbers: Vec<String> = history
        .iter()
        .filter_map(|e| e.advisory.as_ref().map(|a| a.revision.number.clone()))
        .collect();
    advisory.revision = fixlog_formats::RevisionDoc {
        number: next_revision_number(&numbers),
        date: format_date(date),
        summary: reason,
    };
    advisory.withdrawn = true;
    let mut entry = blank_entry(EntryKind::Withdrawal);
    entry.cves = last.cves.clone();
    entry.advisory = Some(advisory);
    entry.supersedes = Some(last.seq);
    let mut append = request(EntryKind::Withdrawal, now, entry);
    append.advisory = Some(id.to_string());
    log.append(append).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use fixlog_model::VersionScheme;

    #[test]
    fn equal_versions_share_a_key() {
        let key = |scheme: VersionScheme, text: &str| version_key(&scheme.parse(text).unwrap());
        assert_eq!(
            key(VersionScheme::Dotted, "1.2"),
            key(VersionScheme::Dotted, "1.2.0")
        );
        assert_eq!(key(VersionScheme::Padded, "01.04.02"), "1.4.2");
        assert_eq!(key(VersionScheme::VDotted, "V2.9.4"), "2.9.4");
        assert_ne!(
            key(VersionScheme::ServicePack, "1.4 SP1"),
            key(VersionScheme::ServicePack, "1.4 SP1 HF1")
        );
        assert_eq!(
            key(VersionScheme::Semver, "1.0.0+build.5"),
            key(VersionScheme::Semver, "1.0.0")
        );
    }

    #[test]
    fn revision_numbers_continue_the_vendor_style() {
        assert_eq!(next_revision_number(&[]), "1");
        assert_eq!(next_revision_number(&["1".into(), "2".into()]), "3");
        assert_eq!(next_revision_number(&["1.0".into(), "1.1".into()]), "1.2");
    }

    #[test]
    fn published_times_have_microseconds() {
        let time = OffsetDateTime::from_unix_timestamp_nanos(1_800_000_000_123_456_789).unwrap();
        assert_eq!(format_published(time), "2027-01-15T08:00:00.123456Z");
    }
}
