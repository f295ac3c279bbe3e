//! The OpenAPI document (3.0.x, structural checks) and JSON API responses against the schemas
//! the document itself declares (JSON Schema via the `jsonschema` crate).
//!
//! OpenAPI 3.0 schema objects are a dialect of JSON Schema draft 4/5: `nullable: true` stands
//! for an added `null` type, and `$ref`s point into `#/components/schemas`. [`ResponseSchema`]
//! rewrites `nullable` and validates against the served document as the root, so every `$ref`
//! resolves within it.

use serde_json::{Value, json};

use crate::finding::Finding;

/// Structural checks of an OpenAPI 3.0.x document (OpenAPI 3.0.3 §4.7: `openapi`, `info`
/// with `title` and `version`, `paths` whose keys start with `/`, operations with
/// `responses`, and every local `$ref` resolving).
pub fn check_document(document: &Value, url: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    let version = document.get("openapi").and_then(Value::as_str);
    if !version.is_some_and(|version| {
        version.starts_with("3.0.") && version[4..].chars().all(|c| c.is_ascii_digit())
    }) {
        findings.push(Finding::error(
            "wellformed.openapi.version",
            url,
            format!("`openapi` is {version:?}, not a 3.0.x version"),
        ));
    }
    let mut structure = Vec::new();
    let info = document.get("info");
    for field in ["title", "version"] {
        if info
            .and_then(|info| info.get(field))
            .and_then(Value::as_str)
            .is_none()
        {
            structure.push(format!("/info/{field} is missing"));
        }
    }
    match document.get("paths").and_then(Value::as_object) {
        None => structure.push("/paths is missing".to_owned()),
        Some(paths) => {
            for (path, item) in paths {
                if !path.starts_with('/') {
                    structure.push(format!("path {path:?} does not start with /"));
                }
                for method in [
                    "get", "put", "post", "delete", "options", "head", "patch", "trace",
                ] {
                    if let Some(operation) = item.get(method)
                        && operation
                            .get("responses")
                            .and_then(Value::as_object)
                            .is_none_or(|r| r.is_empty())
                    {
                        structure.push(format!("{method} {path} has no responses"));
                    }
                }
            }
        }
    }
    if !structure.is_empty() {
        findings.push(Finding::error(
            "wellformed.openapi.structure",
            url,
            structure.join("; "),
        ));
    }
    let closed = closed_allof_members(document);
    if !closed.is_empty() {
        findings.push(Finding::warning(
            "wellformed.openapi.closed-allof",
            url,
            format!(
                "allOf combines schemas with additionalProperties: false ({}); under JSON Schema semantics no instance with the other members' properties validates, so responses are checked with those members opened",
                closed.join(", ")
            ),
        ));
    }
    let mut unresolved = Vec::new();
    collect_unresolved(document, document, &mut unresolved);
    unresolved.sort();
    unresolved.dedup();
    if !unresolved.is_empty() {
        findings.push(Finding::error(
            "wellformed.openapi.unresolved-ref",
            url,
            format!("$ref targets missing: {}", unresolved.join(", ")),
        ));
    }
    findings
}

fn collect_unresolved(root: &Value, value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref")
                && let Some(pointer) = target.strip_prefix('#')
                && root.pointer(pointer).is_none()
            {
                out.push(target.clone());
            }
            map.values()
                .for_each(|child| collect_unresolved(root, child, out));
        }
        Value::Array(items) => items
            .iter()
            .for_each(|child| collect_unresolved(root, child, out)),
        _ => {}
    }
}

/// Component schemas with `additionalProperties: false` that are `$ref`ed from an `allOf`.
fn closed_allof_members(document: &Value) -> Vec<String> {
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                // A sole member (the OpenAPI 3.0 idiom for a nullable or described `$ref`)
                // combines with nothing, so its closedness contradicts nothing.
                if let Some(Value::Array(members)) = map.get("allOf")
                    && (members.len() > 1 || map.contains_key("properties"))
                {
                    for member in members {
                        if let Some(Value::String(target)) = member.get("$ref") {
                            out.push(target.clone());
                        }
                    }
                }
                map.values().for_each(|child| walk(child, out));
            }
            Value::Array(items) => items.iter().for_each(|child| walk(child, out)),
            _ => {}
        }
    }
    let mut targets = Vec::new();
    walk(document, &mut targets);
    let mut closed: Vec<String> = targets
        .into_iter()
        .filter(|target| {
            target
                .strip_prefix('#')
                .and_then(|pointer| document.pointer(pointer))
                .and_then(|schema| schema.get("additionalProperties"))
                == Some(&Value::Bool(false))
        })
        .collect();
    closed.sort();
    closed.dedup();
    closed
}

/// Rewrites OpenAPI 3.0 `nullable: true` into JSON Schema.
fn rewrite_nullable(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.values_mut().for_each(rewrite_nullable);
            if map.remove("nullable") == Some(Value::Bool(true)) {
                match map.get_mut("type") {
                    Some(Value::String(kind)) => {
                        let kind = kind.clone();
                        map.insert("type".into(), json!([kind, "null"]));
                    }
                    _ => {
                        let inner = Value::Object(std::mem::take(map));
                        map.insert("anyOf".into(), json!([{"type": "null"}, inner]));
                    }
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_nullable),
        _ => {}
    }
}

/// The schema of one response of the served document, compiled.
pub struct ResponseSchema {
    validator: jsonschema::Validator,
    /// Where the schema came from (`GET /api/v1/entries 200`).
    pub source: String,
}

impl ResponseSchema {
    /// The `application/json` schema of `method path status` in `document`, if it declares one.
    pub fn compile(document: &Value, path: &str, method: &str, status: &str) -> Option<Self> {
        let schema = document
            .get("paths")?
            .get(path)?
            .get(method)?
            .get("responses")?
            .get(status)?
            .get("content")?
            .get("application/json")?
            .get("schema")?
            .clone();
        let mut root = json!({
            "components": document.get("components").cloned().unwrap_or(Value::Null),
        });
        // Open the allOf members that close themselves (see `wellformed.openapi.closed-allof`).
        for target in closed_allof_members(document) {
            if let Some(Value::Object(schema)) = target
                .strip_prefix('#')
                .and_then(|pointer| root.pointer_mut(pointer))
            {
                schema.remove("additionalProperties");
            }
        }
        rewrite_nullable(&mut root);
        let mut schema = schema;
        rewrite_nullable(&mut schema);
        if let (Value::Object(root), Value::Object(schema)) = (&mut root, schema) {
            root.extend(schema);
        }
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .build(&root)
            .ok()?;
        Some(Self {
            validator,
            source: format!("{} {path} {status}", method.to_ascii_uppercase()),
        })
    }

    /// The first few violations of `instance`, as `pointer: message`.
    pub fn violations(&self, instance: &Value, limit: usize) -> Vec<String> {
        self.validator
            .iter_errors(instance)
            .take(limit)
            .map(|error| format!("{}: {error}", error.instance_path()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_and_refs() {
        let document = json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/x": {"get": {"responses": {"200": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/X"}}}}}}}},
            "components": {"schemas": {"X": {"type": "object", "required": ["a"],
                "properties": {"a": {"type": "string", "nullable": true}}}}}
        });
        assert!(check_document(&document, "u").is_empty());
        let schema = ResponseSchema::compile(&document, "/x", "get", "200").unwrap();
        assert!(schema.violations(&json!({"a": null}), 5).is_empty());
        assert_eq!(schema.violations(&json!({"a": 1}), 5).len(), 1);
        assert_eq!(schema.violations(&json!({}), 5).len(), 1);
        let broken = json!({"openapi": "3.1.0", "paths": {"/x": {"get": {"$ref": "#/nope"}}}});
        let ids: Vec<String> = check_document(&broken, "u")
            .into_iter()
            .map(|f| f.id)
            .collect();
        assert_eq!(
            ids,
            [
                "wellformed.openapi.version",
                "wellformed.openapi.structure",
                "wellformed.openapi.unresolved-ref"
            ]
        );
    }

    #[test]
    fn only_a_closed_schema_combined_with_others_is_reported() {
        let with = |property: Value| {
            json!({
                "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                "paths": {"/x": {"get": {"responses": {"200": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/X"}}}}}}}},
                "components": {"schemas": {
                    "Closed": {"type": "object", "additionalProperties": false,
                               "properties": {"a": {"type": "string"}}},
                    "Other": {"type": "object", "properties": {"b": {"type": "string"}}},
                    "X": {"type": "object", "properties": {"p": property}}}}
            })
        };
        let ids = |document: &Value| -> Vec<String> {
            check_document(document, "u")
                .into_iter()
                .map(|f| f.id)
                .collect()
        };
        // The nullable-$ref idiom: one member, nothing to contradict.
        let sole =
            with(json!({"allOf": [{"$ref": "#/components/schemas/Closed"}], "nullable": true}));
        assert!(ids(&sole).is_empty(), "{:?}", ids(&sole));
        // Two members, one closed: no instance with b validates.
        let combined = with(json!({"allOf": [{"$ref": "#/components/schemas/Closed"},
                                             {"$ref": "#/components/schemas/Other"}]}));
        assert_eq!(ids(&combined), ["wellformed.openapi.closed-allof"]);
    }
}
