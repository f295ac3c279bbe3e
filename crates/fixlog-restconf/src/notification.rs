//! The `fwsec-log:firmware-security-update` notification: the RFC 7951 JSON rendering of an
//! entry document, and its inverse.
//!
//! The mapping is one to one: every member of [`EntryDoc`] becomes a node whose name is the
//! member's name in kebab-case (`fixed_version` → `fixed-version`; lists take the singular:
//! `cves` → `cve`, `images` → `image`), enumeration values are written in kebab-case
//! (`known_affected` → `known-affected`), the digests of an image become a keyed
//! `digest` list whose `algorithm` is an identity (`sha256` → `sha-256`), and empty lists are
//! absent. Two nodes are added: `leaf-hash`, the Merkle leaf hash (RFC 9162 §2.1.1) of the
//! entry's canonical bytes, and `device-class`, derived from earlier product entries (not part
//! of the leaf). [`entry_from_yang`] inverts [`entry_to_yang`], so a receiver can rebuild the
//! entry document, canonicalize it (RFC 8785) and check the leaf hash.

use fixlog_formats::{
    AdvisoryCveDoc, AdvisoryDoc, CvssDoc, EntryDoc, EntryKind, ImageDoc, LifecycleDoc, ProductDoc,
    RangeDoc, ReferenceDoc, RemediationDoc, RevisionDoc, StatementDoc,
};
use serde_json::{Map, Value, json};

use crate::MODULE;

/// Why a notification body could not be mapped (either direction).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MappingError {
    /// A value has no YANG counterpart (an enumeration or identity this module lacks).
    #[error("{field}: {value:?} has no value in the fwsec-log module")]
    UnknownValue {
        /// The entry member or YANG node.
        field: &'static str,
        /// The offending value.
        value: String,
    },
    /// A sequence number does not fit the module's `uint32`.
    #[error("{field}: {value} exceeds the module's uint32 range")]
    OutOfRange {
        /// The entry member.
        field: &'static str,
        /// The value.
        value: u64,
    },
    /// A node is missing or has the wrong JSON type.
    #[error("{node}: missing or of the wrong type")]
    BadNode {
        /// The YANG node.
        node: &'static str,
    },
}

/// Enumeration values: entry document spelling ↔ YANG spelling.
const KINDS: &[(&str, &str)] = &[
    ("product", "product"),
    ("release", "release"),
    ("advisory", "advisory"),
    ("withdrawal", "withdrawal"),
];
const STATUSES: &[(&str, &str)] = &[
    ("known_affected", "known-affected"),
    ("fixed", "fixed"),
    ("known_not_affected", "known-not-affected"),
    ("under_investigation", "under-investigation"),
];
const CATEGORIES: &[(&str, &str)] = &[
    ("vendor_fix", "vendor-fix"),
    ("fix_planned", "fix-planned"),
    ("no_fix_planned", "no-fix-planned"),
    ("none_available", "none-available"),
    ("mitigation", "mitigation"),
    ("workaround", "workaround"),
];
const LIFECYCLES: &[(&str, &str)] = &[
    ("active", "active"),
    ("mainstream_support", "mainstream-support"),
    ("extended_support", "extended-support"),
    ("end_of_life", "end-of-life"),
];
const SEVERITIES: &[(&str, &str)] = &[
    ("none", "none"),
    ("low", "low"),
    ("medium", "medium"),
    ("high", "high"),
    ("critical", "critical"),
];
/// Identities (written without the module prefix, RFC 7951 §6.8, since the leaves are in
/// the identities' own module).
const DEVICE_CLASSES: &[(&str, &str)] = &[
    ("plc", "plc"),
    ("dcs", "dcs"),
    ("hmi", "hmi"),
    ("rtu", "rtu"),
    ("gateway", "gateway"),
    ("protection_relay", "protection-relay"),
    ("other", "other"),
];
const VERSION_SCHEMES: &[(&str, &str)] = &[
    ("semver", "semver"),
    ("dotted", "dotted"),
    ("v-dotted", "v-dotted"),
    ("service-pack", "service-pack"),
    ("release-train", "release-train"),
    ("calver", "calver"),
    ("padded", "padded"),
];

fn to_yang(
    table: &[(&str, &'static str)],
    field: &'static str,
    value: &str,
) -> Result<Value, MappingError> {
    table
        .iter()
        .find(|(doc, _)| *doc == value)
        .map(|(_, yang)| Value::from(*yang))
        .ok_or_else(|| MappingError::UnknownValue {
            field,
            value: value.to_owned(),
        })
}

fn from_yang(
    table: &[(&'static str, &str)],
    field: &'static str,
    value: &str,
) -> Result<String, MappingError> {
    // An identityref may carry the module prefix (RFC 7951 §6.8).
    let bare = value.strip_prefix("fwsec-log:").unwrap_or(value);
    table
        .iter()
        .find(|(_, yang)| *yang == bare)
        .map(|(doc, _)| (*doc).to_owned())
        .ok_or_else(|| MappingError::UnknownValue {
            field,
            value: value.to_owned(),
        })
}

/// The YANG identity name of a device class of the model (`protection_relay` →
/// `protection-relay`).
pub fn device_class_identity(class: &str) -> Result<&'static str, MappingError> {
    DEVICE_CLASSES
        .iter()
        .find(|(doc, _)| *doc == class)
        .map(|(_, yang)| *yang)
        .ok_or_else(|| MappingError::UnknownValue {
            field: "device_class",
            value: class.to_owned(),
        })
}

fn seq32(field: &'static str, value: u64) -> Result<Value, MappingError> {
    u32::try_from(value)
        .map(Value::from)
        .map_err(|_| MappingError::OutOfRange { field, value })
}

fn put(object: &mut Map<String, Value>, name: &str, value: Option<&String>) {
    if let Some(value) = value {
        object.insert(name.to_owned(), Value::from(value.as_str()));
    }
}

fn put_list(object: &mut Map<String, Value>, name: &str, values: Vec<Value>) {
    if !values.is_empty() {
        object.insert(name.to_owned(), Value::Array(values));
    }
}

/// Renders an entry as the content of `fwsec-log:firmware-security-update` (and of a
/// `/fwsec-log:log/entry` list element). `leaf_hash` is the lowercase hex Merkle leaf hash;
/// `device_classes` are the model's device class names of the products the entry concerns.
pub fn entry_to_yang(
    entry: &EntryDoc,
    leaf_hash: &str,
    device_classes: &[String],
) -> Result<Value, MappingError> {
    let mut out = Map::new();
    out.insert("sequence-number".into(), seq32("seq", entry.seq)?);
    out.insert("leaf-hash".into(), Value::from(leaf_hash));
    out.insert("kind".into(), to_yang(KINDS, "kind", entry.kind.as_str())?);
    out.insert("published".into(), Value::from(entry.published.as_str()));
    if let Some(supersedes) = entry.supersedes {
        out.insert("supersedes".into(), seq32("supersedes", supersedes)?);
    }
    put(&mut out, "product", entry.product.as_ref());
    let classes = device_classes
        .iter()
        .map(|class| device_class_identity(class).map(Value::from))
        .collect::<Result<Vec<_>, _>>()?;
    put_list(&mut out, "device-class", classes);
    put_list(
        &mut out,
        "cve",
        entry
            .cves
            .iter()
            .map(|cve| Value::from(cve.as_str()))
            .collect(),
    );
    let affected = entry
        .affected
        .iter()
        .map(statement_to_yang)
        .collect::<Result<Vec<_>, _>>()?;
    put_list(&mut out, "affected", affected);
    put(&mut out, "fixed-version", entry.fixed_version.as_ref());
    put(&mut out, "release-date", entry.release_date.as_ref());
    put_list(
        &mut out,
        "image",
        entry.images.iter().map(image_to_yang).collect(),
    );
    if let Some(record) = &entry.product_record {
        out.insert("product-record".into(), product_to_yang(record)?);
    }
    if let Some(advisory) = &entry.advisory {
        out.insert("advisory".into(), advisory_to_yang(advisory)?);
    }
    Ok(Value::Object(out))
}

fn statement_to_yang(statement: &StatementDoc) -> Result<Value, MappingError> {
    let mut out = Map::new();
    out.insert("product".into(), Value::from(statement.product.as_str()));
    put_list(
        &mut out,
        "cve",
        statement
            .cves
            .iter()
            .map(|cve| Value::from(cve.as_str()))
            .collect(),
    );
    out.insert(
        "status".into(),
        to_yang(STATUSES, "status", &statement.status)?,
    );
    let ranges = statement
        .ranges
        .iter()
        .map(|range| {
            let mut object = Map::new();
            put(&mut object, "introduced", range.introduced.as_ref());
            put(&mut object, "fixed", range.fixed.as_ref());
            put(&mut object, "last-affected", range.last_affected.as_ref());
            put(&mut object, "limit", range.limit.as_ref());
            put(&mut object, "vers", range.vers.as_ref());
            Value::Object(object)
        })
        .collect();
    put_list(&mut out, "range", ranges);
    put(&mut out, "scope", statement.scope.as_ref());
    put(&mut out, "vendor-text", statement.vendor_text.as_ref());
    if let Some(remediation) = &statement.remediation {
        let mut object = Map::new();
        object.insert(
            "category".into(),
            to_yang(CATEGORIES, "category", &remediation.category)?,
        );
        put(
            &mut object,
            "fixed-version",
            remediation.fixed_version.as_ref(),
        );
        object.insert("details".into(), Value::from(remediation.details.as_str()));
        put(&mut object, "url", remediation.url.as_ref());
        out.insert("remediation".into(), Value::Object(object));
    }
    Ok(Value::Object(out))
}

fn image_to_yang(image: &ImageDoc) -> Value {
    let mut digests = vec![json!({"algorithm": "sha-256", "value": image.sha256})];
    if let Some(value) = &image.sha3_256 {
        digests.push(json!({"algorithm": "sha3-256", "value": value}));
    }
    if let Some(value) = &image.sha512 {
        digests.push(json!({"algorithm": "sha-512", "value": value}));
    }
    let mut out = Map::new();
    out.insert("name".into(), Value::from(image.name.as_str()));
    // uint64 is a JSON string (RFC 7951 §6.1).
    out.insert("size".into(), Value::from(image.size.to_string()));
    out.insert("digest".into(), Value::Array(digests));
    put(&mut out, "url", image.url.as_ref());
    Value::Object(out)
}

fn product_to_yang(record: &ProductDoc) -> Result<Value, MappingError> {
    let mut out = Map::new();
    out.insert("id".into(), Value::from(record.id.as_str()));
    out.insert("name".into(), Value::from(record.name.as_str()));
    put_list(
        &mut out,
        "model",
        record
            .models
            .iter()
            .map(|m| Value::from(m.as_str()))
            .collect(),
    );
    out.insert(
        "device-class".into(),
        to_yang(DEVICE_CLASSES, "device_class", &record.device_class)?,
    );
    out.insert(
        "version-scheme".into(),
        to_yang(VERSION_SCHEMES, "version_scheme", &record.version_scheme)?,
    );
    let lifecycle = &record.lifecycle;
    let mut object = Map::new();
    object.insert(
        "state".into(),
        to_yang(LIFECYCLES, "lifecycle", &lifecycle.state)?,
    );
    put(
        &mut object,
        "mainstream-support-end",
        lifecycle.mainstream_support_end.as_ref(),
    );
    put(
        &mut object,
        "extended-support-end",
        lifecycle.extended_support_end.as_ref(),
    );
    put(&mut object, "end-of-life", lifecycle.end_of_life.as_ref());
    out.insert("lifecycle".into(), Value::Object(object));
    Ok(Value::Object(out))
}

fn cvss_to_yang(cvss: &CvssDoc) -> Result<Value, MappingError> {
    Ok(json!({
        "vector": cvss.vector,
        // decimal64 is a JSON string (RFC 7951 §6.1), one fraction digit.
        "score": format!("{:.1}", cvss.score),
        "severity": to_yang(SEVERITIES, "severity", &cvss.severity)?,
    }))
}

fn advisory_to_yang(advisory: &AdvisoryDoc) -> Result<Value, MappingError> {
    let mut out = Map::new();
    out.insert("id".into(), Value::from(advisory.id.as_str()));
    out.insert("title".into(), Value::from(advisory.title.as_str()));
    out.insert(
        "revision".into(),
        json!({
            "number": advisory.revision.number,
            "date": advisory.revision.date,
            "summary": advisory.revision.summary,
        }),
    );
    let vulnerabilities = advisory
        .vulnerabilities
        .iter()
        .map(|vulnerability| {
            let mut object = Map::new();
            object.insert("id".into(), Value::from(vulnerability.id.as_str()));
            put(&mut object, "title", vulnerability.title.as_ref());
            put(&mut object, "cwe", vulnerability.cwe.as_ref());
            if let Some(cvss) = &vulnerability.cvss_v31 {
                object.insert("cvss-v31".into(), cvss_to_yang(cvss)?);
            }
            if let Some(cvss) = &vulnerability.cvss_v40 {
                object.insert("cvss-v40".into(), cvss_to_yang(cvss)?);
            }
            Ok(Value::Object(object))
        })
        .collect::<Result<Vec<_>, MappingError>>()?;
    put_list(&mut out, "vulnerability", vulnerabilities);
    put_list(
        &mut out,
        "mitigation",
        advisory
            .mitigations
            .iter()
            .map(|m| Value::from(m.as_str()))
            .collect(),
    );
    let references = advisory
        .references
        .iter()
        .map(|reference| {
            let mut object = Map::new();
            object.insert("url".into(), Value::from(reference.url.as_str()));
            put(&mut object, "summary", reference.summary.as_ref());
            Value::Object(object)
        })
        .collect();
    put_list(&mut out, "reference", references);
    out.insert(
        "known-exploited".into(),
        Value::Bool(advisory.known_exploited),
    );
    out.insert("withdrawn".into(), Value::Bool(advisory.withdrawn));
    Ok(Value::Object(out))
}

/// A YANG object being read back.
struct Node<'a> {
    object: &'a Map<String, Value>,
}

impl<'a> Node<'a> {
    fn new(name: &'static str, value: &'a Value) -> Result<Self, MappingError> {
        value
            .as_object()
            .map(|object| Self { object })
            .ok_or(MappingError::BadNode { node: name })
    }

    fn text(&self, member: &'static str) -> Result<Option<String>, MappingError> {
        match self.object.get(member) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(MappingError::BadNode { node: member }),
        }
    }

    fn required(&self, member: &'static str) -> Result<String, MappingError> {
        self.text(member)?
            .ok_or(MappingError::BadNode { node: member })
    }

    fn list(&self, member: &'static str) -> Result<&'a [Value], MappingError> {
        match self.object.get(member) {
            None => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(_) => Err(MappingError::BadNode { node: member }),
        }
    }

    fn texts(&self, member: &'static str) -> Result<Vec<String>, MappingError> {
        self.list(member)?
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or(MappingError::BadNode { node: member })
            })
            .collect()
    }

    fn number(&self, member: &'static str) -> Result<Option<u64>, MappingError> {
        match self.object.get(member) {
            None => Ok(None),
            Some(value) => value
                .as_u64()
                .map(Some)
                .ok_or(MappingError::BadNode { node: member }),
        }
    }

    fn boolean(&self, member: &'static str) -> Result<bool, MappingError> {
        self.object
            .get(member)
            .and_then(Value::as_bool)
            .ok_or(MappingError::BadNode { node: member })
    }

    fn child(&self, member: &'static str) -> Result<Option<Node<'a>>, MappingError> {
        self.object
            .get(member)
            .map(|value| Node::new(member, value))
            .transpose()
    }
}

/// Rebuilds the entry document from the content of a `firmware-security-update`
/// notification (or a log entry). `leaf-hash` and `device-class` are ignored: the caller
/// recomputes the first from the result and the second is not part of the leaf.
pub fn entry_from_yang(body: &Value) -> Result<EntryDoc, MappingError> {
    let node = Node::new(MODULE, body)?;
    let kind = from_yang(KINDS, "kind", &node.required("kind")?)?;
    let affected = node
        .list("affected")?
        .iter()
        .map(|item| statement_from_yang(&Node::new("affected", item)?))
        .collect::<Result<Vec<_>, _>>()?;
    let images = node
        .list("image")?
        .iter()
        .map(|item| image_from_yang(&Node::new("image", item)?))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(EntryDoc {
        seq: node
            .number("sequence-number")?
            .ok_or(MappingError::BadNode {
                node: "sequence-number",
            })?,
        kind: EntryKind::parse(&kind).ok_or(MappingError::BadNode { node: "kind" })?,
        published: node.required("published")?,
        supersedes: node.number("supersedes")?,
        product: node.text("product")?,
        cves: node.texts("cve")?,
        affected,
        fixed_version: node.text("fixed-version")?,
        release_date: node.text("release-date")?,
        images,
        product_record: node
            .child("product-record")?
            .map(|n| product_from_yang(&n))
            .transpose()?,
        advisory: node
            .child("advisory")?
            .map(|n| advisory_from_yang(&n))
            .transpose()?,
    })
}

fn statement_from_yang(node: &Node<'_>) -> Result<StatementDoc, MappingError> {
    let ranges = node
        .list("range")?
        .iter()
        .map(|item| {
            let range = Node::new("range", item)?;
            Ok(RangeDoc {
                introduced: range.text("introduced")?,
                fixed: range.text("fixed")?,
                last_affected: range.text("last-affected")?,
                limit: range.text("limit")?,
                vers: range.text("vers")?,
            })
        })
        .collect::<Result<Vec<_>, MappingError>>()?;
    let remediation = match node.child("remediation")? {
        None => None,
        Some(remediation) => Some(RemediationDoc {
            category: from_yang(CATEGORIES, "category", &remediation.required("category")?)?,
            fixed_version: remediation.text("fixed-version")?,
            details: remediation.required("details")?,
            url: remediation.text("url")?,
        }),
    };
    Ok(StatementDoc {
        product: node.required("product")?,
        cves: node.texts("cve")?,
        status: from_yang(STATUSES, "status", &node.required("status")?)?,
        ranges,
        scope: node.text("scope")?,
        vendor_text: node.text("vendor-text")?,
        remediation,
    })
}

fn image_from_yang(node: &Node<'_>) -> Result<ImageDoc, MappingError> {
    let size = node
        .required("size")?
        .parse()
        .map_err(|_| MappingError::BadNode { node: "size" })?;
    let mut sha256 = None;
    let mut sha3_256 = None;
    let mut sha512 = None;
    for item in node.list("digest")? {
        let digest = Node::new("digest", item)?;
        let algorithm = digest.required("algorithm")?;
        let value = Some(digest.required("value")?);
        match algorithm.strip_prefix("fwsec-log:").unwrap_or(&algorithm) {
            "sha-256" => sha256 = value,
            "sha3-256" => sha3_256 = value,
            "sha-512" => sha512 = value,
            _ => {
                return Err(MappingError::UnknownValue {
                    field: "algorithm",
                    value: algorithm,
                });
            }
        }
    }
    Ok(ImageDoc {
        name: node.required("name")?,
        size,
        sha256: sha256.ok_or(MappingError::BadNode { node: "digest" })?,
        sha3_256,
        sha512,
        url: node.text("url")?,
    })
}

fn product_from_yang(node: &Node<'_>) -> Result<ProductDoc, MappingError> {
    let lifecycle = node
        .child("lifecycle")?
        .ok_or(MappingError::BadNode { node: "lifecycle" })?;
    Ok(ProductDoc {
        id: node.required("id")?,
        name: node.required("name")?,
        models: node.texts("model")?,
        device_class: from_yang(
            DEVICE_CLASSES,
            "device-class",
            &node.required("device-class")?,
        )?,
        version_scheme: from_yang(
            VERSION_SCHEMES,
            "version-scheme",
            &node.required("version-scheme")?,
        )?,
        lifecycle: LifecycleDoc {
            state: from_yang(LIFECYCLES, "state", &lifecycle.required("state")?)?,
            mainstream_support_end: lifecycle.text("mainstream-support-end")?,
            extended_support_end: lifecycle.text("extended-support-end")?,
            end_of_life: lifecycle.text("end-of-life")?,
        },
    })
}

fn cvss_from_yang(node: &Node<'_>) -> Result<CvssDoc, MappingError> {
    Ok(CvssDoc {
        vector: node.required("vector")?,
        score: node
            .required("score")?
            .parse()
            .map_err(|_| MappingError::BadNode { node: "score" })?,
        severity: from_yang(SEVERITIES, "severity", &node.required("severity")?)?,
    })
}

fn advisory_from_yang(node: &Node<'_>) -> Result<AdvisoryDoc, MappingError> {
    let revision = node
        .child("revision")?
        .ok_or(MappingError::BadNode { node: "revision" })?;
    let vulnerabilities = node
        .list("vulnerability")?
        .iter()
        .map(|item| {
            let vulnerability = Node::new("vulnerability", item)?;
            Ok(AdvisoryCveDoc {
                id: vulnerability.required("id")?,
                title: vulnerability.text("title")?,
                cwe: vulnerability.text("cwe")?,
                cvss_v31: vulnerability
                    .child("cvss-v31")?
                    .map(|n| cvss_from_yang(&n))
                    .transpose()?,
                cvss_v40: vulnerability
                    .child("cvss-v40")?
                    .map(|n| cvss_from_yang(&n))
                    .transpose()?,
            })
        })
        .collect::<Result<Vec<_>, MappingError>>()?;
    let references = node
        .list("reference")?
        .iter()
        .map(|item| {
            let reference = Node::new("reference", item)?;
            Ok(ReferenceDoc {
                url: reference.required("url")?,
                summary: reference.text("summary")?,
            })
        })
        .collect::<Result<Vec<_>, MappingError>>()?;
    Ok(AdvisoryDoc {
        id: node.required("id")?,
        title: node.required("title")?,
        revision: RevisionDoc {
            number: revision.required("number")?,
            date: revision.required("date")?,
            summary: revision.required("summary")?,
        },
        vulnerabilities,
        mitigations: node.texts("mitigation")?,
        references,
        known_exploited: node.boolean("known-exploited")?,
        withdrawn: node.boolean("withdrawn")?,
    })
}
