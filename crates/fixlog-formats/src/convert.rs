//! Model values to documents and back.
//!
//! Every `*_from_doc` function parses into model types and, on failure, names the offending
//! field as a JSON pointer relative to the document it was given (callers prefix their own
//! path), so HTTP errors and import reports can say exactly what is wrong.

use fixlog_model::{
    Advisory, AdvisoryCve, AdvisoryId, CveId, Cvss, CweId, DeviceClass, FirmwareImage, Lifecycle,
    LifecycleState, Product, ProductId, ProductStatement, Reference, Remediation,
    RemediationCategory, Revision, Sha3_256Digest, Sha256Digest, Sha512Digest, Status, TextKind,
    Version, VersionRange, VersionScheme, check_text, format_date, parse_date,
};

use crate::entry::{
    AdvisoryCveDoc, AdvisoryDoc, CvssDoc, ImageDoc, LifecycleDoc, ProductDoc, RangeDoc,
    ReferenceDoc, RemediationDoc, RevisionDoc, StatementDoc,
};

/// A field that did not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// JSON pointer of the field, e.g. `/images/0/sha256`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl FieldError {
    /// An error at `field`.
    pub fn new(field: impl Into<String>, message: impl std::fmt::Display) -> Self {
        Self {
            field: field.into(),
            message: message.to_string(),
        }
    }

    /// The same error with `prefix` put in front of its pointer.
    pub fn within(mut self, prefix: &str) -> Self {
        self.field = format!("{prefix}{}", self.field);
        self
    }
}

/// Parses `value` with `FromStr`, naming `field` on failure.
pub fn parse_field<T>(field: &str, value: &str) -> Result<T, FieldError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|error| FieldError::new(field, error))
}

fn text(
    field: &'static str,
    pointer: &str,
    value: &str,
    kind: TextKind,
) -> Result<String, FieldError> {
    check_text(field, value, kind).map_err(|error| FieldError::new(pointer, error))
}

fn optional_date(pointer: &str, value: &Option<String>) -> Result<Option<time::Date>, FieldError> {
    value
        .as_deref()
        .map(|text| parse_date(text).map_err(|error| FieldError::new(pointer, error)))
        .transpose()
}

/// Checks an absolute http(s) URL, naming `pointer` on failure.
pub fn parse_url(pointer: &str, value: &str) -> Result<String, FieldError> {
    let trimmed = value.trim();
    let valid = (trimmed.starts_with("https://") || trimmed.starts_with("http://"))
        && trimmed.len() <= 2048
        && !trimmed.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(trimmed.to_owned())
    } else {
        Err(FieldError::new(
            pointer,
            "must be an absolute http(s) URL without spaces",
        ))
    }
}

/// A product record as a document.
pub fn product_to_doc(product: &Product) -> ProductDoc {
    ProductDoc {
        id: product.id.to_string(),
        name: product.name.clone(),
        models: product.models.clone(),
        device_class: product.device_class.as_str().to_owned(),
        version_scheme: product.version_scheme.as_str().to_owned(),
        lifecycle: LifecycleDoc {
            state: product.lifecycle.state.as_str().to_owned(),
            mainstream_support_end: product.lifecycle.mainstream_support_end.map(format_date),
            extended_support_end: product.lifecycle.extended_support_end.map(format_date),
            end_of_life: product.lifecycle.end_of_life.map(format_date),
        },
    }
}

/// Parses a product document.
pub fn product_from_doc(doc: &ProductDoc) -> Result<Product, FieldError> {
    let models = doc
        .models
        .iter()
        .enumerate()
        .map(|(i, model)| text("model", &format!("/models/{i}"), model, TextKind::Line))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Product {
        id: parse_field::<ProductId>("/id", &doc.id)?,
        name: text("name", "/name", &doc.name, TextKind::Line)?,
        models,
        device_class: parse_field::<DeviceClass>("/device_class", &doc.device_class)?,
        version_scheme: parse_field::<VersionScheme>("/version_scheme", &doc.version_scheme)?,
        lifecycle: Lifecycle {
            state: parse_field::<LifecycleState>("/lifecycle/state", &doc.lifecycle.state)?,
            mainstream_support_end: optional_date(
                "/lifecycle/mainstream_support_end",
                &doc.lifecycle.mainstream_support_end,
            )?,
            extended_support_end: optional_date(
                "/lifecycle/extended_support_end",
                &doc.lifecycle.extended_support_end,
            )?,
            end_of_life: optional_date("/lifecycle/end_of_life", &doc.lifecycle.end_of_life)?,
        },
    })
}

/// A range as a document, with its `vers:` form where the scheme has one.
pub fn range_to_doc(range: &VersionRange) -> RangeDoc {
    let text = |version: &Option<Version>| version.as_ref().map(|v| v.as_str().to_owned());
    RangeDoc {
        introduced: text(&range.introduced),
        fixed: text(&range.fixed),
        last_affected: text(&range.last_affected),
        limit: text(&range.limit),
        vers: range.to_vers(),
    }
}

/// Parses a range document in `scheme` (its `vers` member is derived and ignored).
pub fn range_from_doc(scheme: VersionScheme, doc: &RangeDoc) -> Result<VersionRange, FieldError> {
    let bound = |name: &str, value: &Option<String>| {
        value
            .as_deref()
            .map(|text| {
                scheme
                    .parse(text)
                    .map_err(|error| FieldError::new(format!("/{name}"), error))
            })
            .transpose()
    };
    VersionRange::new(
        bound("introduced", &doc.introduced)?,
        bound("fixed", &doc.fixed)?,
        bound("last_affected", &doc.last_affected)?,
        bound("limit", &doc.limit)?,
    )
    .map_err(|error| FieldError::new("", error))
}

/// An image as a document.
pub fn image_to_doc(image: &FirmwareImage) -> ImageDoc {
    ImageDoc {
        name: image.name.clone(),
        size: image.size,
        sha256: image.sha256.to_string(),
        sha3_256: image.sha3_256.map(|d| d.to_string()),
        sha512: image.sha512.map(|d| d.to_string()),
        url: image.url.clone(),
    }
}

/// Parses an image document.
pub fn image_from_doc(doc: &ImageDoc) -> Result<FirmwareImage, FieldError> {
    let name = text("name", "/name", &doc.name, TextKind::Line)?;
    if name.contains('/') || name.contains('\\') {
        return Err(FieldError::new("/name", "must be a file name, not a path"));
    }
    Ok(FirmwareImage {
        name,
        size: doc.size,
        sha256: parse_field::<Sha256Digest>("/sha256", &doc.sha256)?,
        sha3_256: doc
            .sha3_256
            .as_deref()
            .map(|d| parse_field::<Sha3_256Digest>("/sha3_256", d))
            .transpose()?,
        sha512: doc
            .sha512
            .as_deref()
            .map(|d| parse_field::<Sha512Digest>("/sha512", d))
            .transpose()?,
        url: doc
            .url
            .as_deref()
            .map(|u| parse_url("/url", u))
            .transpose()?,
    })
}

/// A remediation as a document.
pub fn remediation_to_doc(remediation: &Remediation) -> RemediationDoc {
    RemediationDoc {
        category: remediation.category.as_str().to_owned(),
        fixed_version: remediation
            .fixed_version
            .as_ref()
            .map(|v| v.as_str().to_owned()),
        details: remediation.details.clone(),
        url: remediation.url.clone(),
    }
}

/// Parses a remediation document in `scheme`.
pub fn remediation_from_doc(
    scheme: VersionScheme,
    doc: &RemediationDoc,
) -> Result<Remediation, FieldError> {
    Ok(Remediation {
        category: parse_field::<RemediationCategory>("/category", &doc.category)?,
        fixed_version: doc
            .fixed_version
            .as_deref()
            .map(|v| {
                scheme
                    .parse(v)
                    .map_err(|e| FieldError::new("/fixed_version", e))
            })
            .transpose()?,
        details: text("details", "/details", &doc.details, TextKind::Paragraph)?,
        url: doc
            .url
            .as_deref()
            .map(|u| parse_url("/url", u))
            .transpose()?,
    })
}

/// A statement as a document.
pub fn statement_to_doc(statement: &ProductStatement) -> StatementDoc {
    StatementDoc {
        product: statement.product.to_string(),
        cves: statement.cves.iter().map(ToString::to_string).collect(),
        status: statement.status.as_str().to_owned(),
        ranges: statement.ranges.iter().map(range_to_doc).collect(),
        scope: statement.scope.clone(),
        vendor_text: statement.vendor_text.clone(),
        remediation: statement.remediation.as_ref().map(remediation_to_doc),
    }
}

/// Parses a statement document; `scheme_of` gives each known product's version scheme.
pub fn statement_from_doc(
    doc: &StatementDoc,
    scheme_of: &dyn Fn(&ProductId) -> Option<VersionScheme>,
) -> Result<ProductStatement, FieldError> {
    let product = parse_field::<ProductId>("/product", &doc.product)?;
    let scheme = scheme_of(&product)
        .ok_or_else(|| FieldError::new("/product", format!("unknown product {product}")))?;
    let cves = doc
        .cves
        .iter()
        .enumerate()
        .map(|(i, cve)| parse_field::<CveId>(&format!("/cves/{i}"), cve))
        .collect::<Result<Vec<_>, _>>()?;
    let ranges = doc
        .ranges
        .iter()
        .enumerate()
        .map(|(i, range)| {
            range_from_doc(scheme, range).map_err(|e| e.within(&format!("/ranges/{i}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ProductStatement {
        product,
        cves,
        status: parse_field::<Status>("/status", &doc.status)?,
        ranges,
        scope: doc
            .scope
            .as_deref()
            .map(|s| text("scope", "/scope", s, TextKind::Line))
            .transpose()?,
        vendor_text: doc
            .vendor_text
            .as_deref()
            .map(|s| text("vendor_text", "/vendor_text", s, TextKind::Line))
            .transpose()?,
        remediation: doc
            .remediation
            .as_ref()
            .map(|r| remediation_from_doc(scheme, r).map_err(|e| e.within("/remediation")))
            .transpose()?,
    })
}

/// A CVSS value as a document.
pub fn cvss_to_doc(cvss: &Cvss) -> CvssDoc {
    CvssDoc {
        vector: cvss.vector().to_owned(),
        score: cvss.base_score(),
        severity: cvss.severity().to_owned(),
    }
}

/// An advisory as its document and its product statements (the entry's `affected`).
pub fn advisory_to_doc(advisory: &Advisory) -> (AdvisoryDoc, Vec<StatementDoc>) {
    let doc = AdvisoryDoc {
        id: advisory.id.to_string(),
        title: advisory.title.clone(),
        revision: RevisionDoc {
            number: advisory.revision.number.clone(),
            date: format_date(advisory.revision.date),
            summary: advisory.revision.summary.clone(),
        },
        vulnerabilities: advisory
            .cves
            .iter()
            .map(|cve| AdvisoryCveDoc {
                id: cve.id.to_string(),
                title: cve.title.clone(),
                cwe: cve.cwe.as_ref().map(ToString::to_string),
                cvss_v31: cve.cvss_v31.as_ref().map(cvss_to_doc),
                cvss_v40: cve.cvss_v40.as_ref().map(cvss_to_doc),
            })
            .collect(),
        mitigations: advisory.mitigations.clone(),
        references: advisory
            .references
            .iter()
            .map(|r| ReferenceDoc {
                url: r.url.clone(),
                summary: r.summary.clone(),
            })
            .collect(),
        known_exploited: advisory.known_exploited,
        withdrawn: advisory.withdrawn,
    };
    (
        doc,
        advisory.statements.iter().map(statement_to_doc).collect(),
    )
}

/// Parses an advisory document and its statements.
pub fn advisory_from_doc(
    doc: &AdvisoryDoc,
    statements: &[StatementDoc],
    scheme_of: &dyn Fn(&ProductId) -> Option<VersionScheme>,
) -> Result<Advisory, FieldError> {
    let cves = doc
        .vulnerabilities
        .iter()
        .enumerate()
        .map(|(i, cve)| {
            let at = |field: &str| format!("/vulnerabilities/{i}/{field}");
            Ok(AdvisoryCve {
                id: parse_field::<CveId>(&at("id"), &cve.id)?,
                title: cve
                    .title
                    .as_deref()
                    .map(|t| text("title", &at("title"), t, TextKind::Line))
                    .transpose()?,
                cwe: cve
                    .cwe
                    .as_deref()
                    .map(|c| parse_field::<CweId>(&at("cwe"), c))
                    .transpose()?,
                cvss_v31: cve
                    .cvss_v31
                    .as_ref()
                    .map(|c| parse_field::<Cvss>(&at("cvss_v31/vector"), &c.vector))
                    .transpose()?,
                cvss_v40: cve
                    .cvss_v40
                    .as_ref()
                    .map(|c| parse_field::<Cvss>(&at("cvss_v40/vector"), &c.vector))
                    .transpose()?,
            })
        })
        .collect::<Result<Vec<_>, FieldError>>()?;
    let statements = statements
        .iter()
        .enumerate()
        .map(|(i, s)| {
            statement_from_doc(s, scheme_of).map_err(|e| e.within(&format!("/affected/{i}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Advisory {
        id: parse_field::<AdvisoryId>("/id", &doc.id)?,
        title: text("title", "/title", &doc.title, TextKind::Line)?,
        cves,
        statements,
        mitigations: doc
            .mitigations
            .iter()
            .enumerate()
            .map(|(i, m)| {
                text(
                    "mitigation",
                    &format!("/mitigations/{i}"),
                    m,
                    TextKind::Paragraph,
                )
            })
            .collect::<Result<Vec<_>, _>>()?,
        references: doc
            .references
            .iter()
            .enumerate()
            .map(|(i, r)| {
                Ok(Reference {
                    url: parse_url(&format!("/references/{i}/url"), &r.url)?,
                    summary: r.summary.clone(),
                })
            })
            .collect::<Result<Vec<_>, FieldError>>()?,
        revision: Revision {
            number: text(
                "revision number",
                "/revision/number",
                &doc.revision.number,
                TextKind::Line,
            )?,
            date: parse_date(&doc.revision.date)
                .map_err(|e| FieldError::new("/revision/date", e))?,
            summary: text(
                "summary",
                "/revision/summary",
                &doc.revision.summary,
                TextKind::Paragraph,
            )?,
        },
        withdrawn: doc.withdrawn,
        known_exploited: doc.known_exploited,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> ProductDoc {
        ProductDoc {
            id: "plc-x500".into(),
            name: "X500 PLC".into(),
            models: vec!["X510".into()],
            device_class: "plc".into(),
            version_scheme: "v-dotted".into(),
            lifecycle: LifecycleDoc {
                state: "active".into(),
                mainstream_support_end: None,
                extended_support_end: Some("2030-12-31".into()),
                end_of_life: None,
            },
        }
    }

    #[test]
    fn product_round_trips() {
        let product = product_from_doc(&doc()).unwrap();
        assert_eq!(product_to_doc(&product), doc());
    }

    #[test]
    fn lifecycle_accepts_the_contract_shorthand() {
        let short: ProductDoc = serde_json::from_str(
            r#"{"id":"plc-x500","name":"X500 PLC","device_class":"plc","version_scheme":"semver","lifecycle":"active"}"#,
        )
        .unwrap();
        assert_eq!(short.lifecycle.state, "active");
        assert!(product_from_doc(&short).is_ok());
        let unknown = serde_json::from_str::<ProductDoc>(
            r#"{"id":"p","name":"P","device_class":"plc","version_scheme":"semver","lifecycle":{"state":"active","colour":"red"}}"#,
        );
        assert!(
            unknown.is_err(),
            "unknown lifecycle fields are still refused"
        );
    }

    #[test]
    fn errors_name_the_field() {
        let mut bad = doc();
        bad.lifecycle.extended_support_end = Some("2030-13-01".into());
        assert_eq!(
            product_from_doc(&bad).unwrap_err().field,
            "/lifecycle/extended_support_end"
        );
        let mut bad = doc();
        bad.device_class = "toaster".into();
        assert_eq!(product_from_doc(&bad).unwrap_err().field, "/device_class");
    }

    #[test]
    fn range_errors_name_the_bound() {
        let range = RangeDoc {
            introduced: Some("V2.0.0".into()),
            fixed: Some("2.9.5".into()),
            ..Default::default()
        };
        let error = range_from_doc(VersionScheme::VDotted, &range).unwrap_err();
        assert_eq!(error.field, "/fixed");
    }
}
