//! Discovery documents: the RFC 8040 §3.1 host-meta, the RFC 8639 §3.1 `streams` container,
//! the RFC 8525 YANG library (and its RFC 7895 `modules-state` form).

use serde_json::{Map, Value, json};

use crate::SN;

/// `/.well-known/host-meta` (RFC 6415 XRD, RFC 8040 §3.1): one `restconf` link.
pub const HOST_META: &str = "<?xml version='1.0' encoding='UTF-8'?>\n\
<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>\n    <Link rel='restconf' href='/restconf'/>\n</XRD>\n";

/// An event stream the server offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamInfo {
    /// Stream name.
    pub name: &'static str,
    /// What it carries.
    pub description: &'static str,
    /// `replay-log-creation-time` when replay is supported.
    pub replay_log_creation_time: Option<String>,
}

/// `{"ietf-subscribed-notifications:streams": {"stream": [...]}}`.
pub fn streams(streams: &[StreamInfo]) -> Value {
    let list: Vec<Value> = streams
        .iter()
        .map(|stream| {
            let mut object = Map::new();
            object.insert("name".into(), Value::from(stream.name));
            object.insert("description".into(), Value::from(stream.description));
            if let Some(created) = &stream.replay_log_creation_time {
                object.insert("replay-support".into(), json!([null]));
                object.insert(
                    "replay-log-creation-time".into(),
                    Value::from(created.as_str()),
                );
            }
            Value::Object(object)
        })
        .collect();
    json!({ format!("{SN}:streams"): { "stream": list } })
}

/// A YANG module the server serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModuleInfo {
    /// Module name.
    pub name: &'static str,
    /// Revision date.
    pub revision: &'static str,
    /// XML namespace.
    pub namespace: &'static str,
    /// Whether the server implements it (else import-only).
    pub implemented: bool,
    /// Supported features.
    pub features: &'static [&'static str],
    /// The module text.
    pub text: &'static str,
}

impl ModuleInfo {
    /// The file name, `name@revision.yang`.
    pub fn file_name(&self) -> String {
        format!("{}@{}.yang", self.name, self.revision)
    }
}

fn location(base_url: &str, module: &ModuleInfo) -> String {
    format!("{base_url}/yang/{}", module.file_name())
}

/// `{"ietf-yang-library:yang-library": …}` (RFC 8525 §4), one module set and schema for the
/// operational datastore. `content_id` changes when the module set does.
pub fn yang_library(modules: &[ModuleInfo], base_url: &str, content_id: &str) -> Value {
    let entry = |module: &ModuleInfo| {
        let mut object = Map::new();
        object.insert("name".into(), Value::from(module.name));
        object.insert("revision".into(), Value::from(module.revision));
        object.insert("namespace".into(), Value::from(module.namespace));
        object.insert("location".into(), json!([location(base_url, module)]));
        if module.implemented && !module.features.is_empty() {
            object.insert("feature".into(), json!(module.features));
        }
        Value::Object(object)
    };
    let implemented: Vec<Value> = modules
        .iter()
        .filter(|m| m.implemented)
        .map(entry)
        .collect();
    let imported: Vec<Value> = modules
        .iter()
        .filter(|m| !m.implemented)
        .map(entry)
        .collect();
    json!({"ietf-yang-library:yang-library": {
        "module-set": [{"name": "complete", "module": implemented, "import-only-module": imported}],
        "schema": [{"name": "complete", "module-set": ["complete"]}],
        "datastore": [{"name": "ietf-datastores:operational", "schema": "complete"}],
        "content-id": content_id,
    }})
}

/// `{"ietf-yang-library:modules-state": …}`: the RFC 7895 form (deprecated by RFC 8525 but
/// what yangson and older clients read).
pub fn modules_state(modules: &[ModuleInfo], base_url: &str, content_id: &str) -> Value {
    let list: Vec<Value> = modules
        .iter()
        .map(|module| {
            let mut object = Map::new();
            object.insert("name".into(), Value::from(module.name));
            object.insert("revision".into(), Value::from(module.revision));
            object.insert("schema".into(), Value::from(location(base_url, module)));
            object.insert("namespace".into(), Value::from(module.namespace));
            if module.implemented && !module.features.is_empty() {
                object.insert("feature".into(), json!(module.features));
            }
            object.insert(
                "conformance-type".into(),
                Value::from(if module.implemented {
                    "implement"
                } else {
                    "import"
                }),
            );
            Value::Object(object)
        })
        .collect();
    json!({"ietf-yang-library:modules-state": {"module-set-id": content_id, "module": list}})
}
