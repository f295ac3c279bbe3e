//! The JSON Schemas fixlog validates against, compiled in and resolved without network.
//!
//! The CSAF 2.0 schema (draft 2020-12) `$ref`s the FIRST CVSS schemas by URL
//! (`https://www.first.org/cvss/cvss-v3.1.json`); the CycloneDX 1.6 schema `$ref`s
//! `spdx.schema.json` and `jsf-0.82.schema.json` relative to its `$id`. A local retriever answers
//! those URLs from copies in `schemas/` and refuses every other one, so validation never touches
//! the network.

use std::sync::OnceLock;

use jsonschema::{Retrieve, Uri, Validator};
use serde_json::Value;

const CSAF: &str = include_str!("../schemas/csaf_json_schema.json");
const CVSS_V2: &str = include_str!("../schemas/cvss-v2.0.json");
const CVSS_V30: &str = include_str!("../schemas/cvss-v3.0.json");
const CVSS_V31: &str = include_str!("../schemas/cvss-v3.1.json");
const PROVIDER: &str = include_str!("../schemas/provider_json_schema.json");
const ROLIE: &str = include_str!("../schemas/ROLIE_feed_json_schema.json");
const OSV: &str = include_str!("../schemas/osv-schema.json");
const CYCLONEDX: &str = include_str!("../schemas/bom-1.6.schema.json");
const SPDX: &str = include_str!("../schemas/spdx.schema.json");
const JSF: &str = include_str!("../schemas/jsf-0.82.schema.json");

/// Answers the `$ref` URLs of the compiled-in schemas from local copies.
struct LocalSchemas;

impl Retrieve for LocalSchemas {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let text = uri.as_str();
        let path = text.split(['?', '#']).next().unwrap_or(text);
        let source = match path {
            "https://www.first.org/cvss/cvss-v2.0.json" => CVSS_V2,
            "https://www.first.org/cvss/cvss-v3.0.json" => CVSS_V30,
            "https://www.first.org/cvss/cvss-v3.1.json" => CVSS_V31,
            "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json" => CSAF,
            "http://cyclonedx.org/schema/spdx.schema.json" => SPDX,
            "http://cyclonedx.org/schema/jsf-0.82.schema.json" => JSF,
            _ => return Err(format!("schema {text} is not available offline").into()),
        };
        Ok(serde_json::from_str(source)?)
    }
}

/// Which compiled-in schema to validate against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaKind {
    /// CSAF 2.0 document (`csaf_json_schema.json`, errata 01).
    Csaf,
    /// The CSAF 2.0 schema with `additionalProperties: false` on every object that lists its
    /// properties, as the reference validator's `csaf_2_0_strict` (what optional test 6.2.20
    /// warns about, basic validation in the reference implementation refuses).
    CsafStrict,
    /// CSAF 2.0 `provider-metadata.json`.
    ProviderMetadata,
    /// The ROLIE feed schema used by gocsaf's checker.
    RolieFeed,
    /// OSV (ossf/osv-schema `validation/schema.json`).
    Osv,
    /// CycloneDX 1.6 BOM.
    CycloneDx,
}

/// Adds `additionalProperties: false` to every object schema with `properties` that does not
/// say otherwise.
fn close_objects(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            if object.contains_key("properties") && !object.contains_key("additionalProperties") {
                object.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
            for (key, value) in object.iter_mut() {
                if key != "enum" && key != "const" && key != "examples" {
                    close_objects(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

fn build(source: &str, strict: bool) -> Validator {
    let mut schema: Value = serde_json::from_str(source).expect("compiled-in schema is JSON");
    if strict {
        close_objects(&mut schema);
        schema["$id"] = Value::String(
            "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json?strict".to_owned(),
        );
    }
    jsonschema::options()
        .with_retriever(LocalSchemas)
        .should_validate_formats(true)
        .build(&schema)
        .expect("compiled-in schema compiles")
}

/// The compiled validator for `kind` (built once per process).
pub fn validator(kind: SchemaKind) -> &'static Validator {
    static CELLS: [OnceLock<Validator>; 6] = [const { OnceLock::new() }; 6];
    let (index, source) = match kind {
        SchemaKind::Csaf => (0, CSAF),
        SchemaKind::ProviderMetadata => (1, PROVIDER),
        SchemaKind::RolieFeed => (2, ROLIE),
        SchemaKind::Osv => (3, OSV),
        SchemaKind::CycloneDx => (4, CYCLONEDX),
        SchemaKind::CsafStrict => (5, CSAF),
    };
    CELLS[index].get_or_init(|| build(source, kind == SchemaKind::CsafStrict))
}

/// One schema violation: where in the instance and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// JSON pointer into the validated document.
    pub path: String,
    /// The validator's message.
    pub message: String,
}

/// Validates `instance` against the schema `kind`; empty when valid.
pub fn schema_errors(kind: SchemaKind, instance: &Value) -> Vec<SchemaError> {
    validator(kind)
        .iter_errors(instance)
        .map(|error| SchemaError {
            path: error.instance_path().as_str().to_owned(),
            message: error.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_schema_compiles_offline() {
        for kind in [
            SchemaKind::Csaf,
            SchemaKind::CsafStrict,
            SchemaKind::ProviderMetadata,
            SchemaKind::RolieFeed,
            SchemaKind::Osv,
            SchemaKind::CycloneDx,
        ] {
            validator(kind);
        }
    }

    #[test]
    fn cvss_references_resolve_locally() {
        let example: Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/design/notes/csaf-firmware-example.json"
            ))
            .unwrap(),
        )
        .unwrap();
        assert!(schema_errors(SchemaKind::Csaf, &example).is_empty());
        let mut broken = example.clone();
        broken["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseSeverity"] = json!("SEVERE");
        let errors = schema_errors(SchemaKind::Csaf, &broken);
        assert!(
            errors
                .iter()
                .any(|e| e.path.starts_with("/vulnerabilities/0/scores/0/cvss_v3")),
            "{errors:?}"
        );
    }
}
