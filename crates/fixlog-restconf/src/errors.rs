//! RESTCONF error bodies (RFC 8040 §7.1, `ietf-restconf:errors`) with the RFC 8650 §3.3
//! mapping of RFC 8639 error identities to `error-tag` and HTTP status.
//!
//! ```json
//! {"ietf-restconf:errors":{"error":[{"error-type":"application","error-tag":"invalid-value",
//!   "error-app-tag":"ietf-subscribed-notifications:no-such-subscription"}]}}
//! ```

use serde_json::{Map, Value, json};

use crate::SN;

/// One RESTCONF error with its HTTP status.
#[derive(Clone, Debug, PartialEq)]
pub struct RestconfError {
    /// The HTTP status code.
    pub status: u16,
    /// `transport`, `rpc`, `protocol` or `application`.
    pub error_type: &'static str,
    /// The RFC 8040 §7 error tag.
    pub error_tag: &'static str,
    /// `ietf-subscribed-notifications:<identity>` for subscription errors.
    pub error_app_tag: Option<String>,
    /// An instance identifier of the node at fault.
    pub error_path: Option<String>,
    /// A human-readable message.
    pub error_message: Option<String>,
    /// `error-info` content (module-qualified members).
    pub error_info: Option<Box<Value>>,
}

/// The RFC 8639 error identities the server reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubscriptionError {
    /// `dscp-unavailable`
    DscpUnavailable,
    /// `encoding-unsupported`
    EncodingUnsupported,
    /// `filter-unsupported`
    FilterUnsupported,
    /// `insufficient-resources`
    InsufficientResources,
    /// `no-such-subscription`
    NoSuchSubscription,
    /// `replay-unsupported`
    ReplayUnsupported,
}

impl SubscriptionError {
    /// The identity name.
    pub fn identity(self) -> &'static str {
        match self {
            Self::DscpUnavailable => "dscp-unavailable",
            Self::EncodingUnsupported => "encoding-unsupported",
            Self::FilterUnsupported => "filter-unsupported",
            Self::InsufficientResources => "insufficient-resources",
            Self::NoSuchSubscription => "no-such-subscription",
            Self::ReplayUnsupported => "replay-unsupported",
        }
    }

    /// `error-tag` and status per RFC 8650 §3.3.
    fn tag_and_status(self) -> (&'static str, u16) {
        match self {
            Self::DscpUnavailable | Self::EncodingUnsupported | Self::FilterUnsupported => {
                ("invalid-value", 400)
            }
            Self::InsufficientResources => ("resource-denied", 409),
            Self::NoSuchSubscription => ("invalid-value", 404),
            Self::ReplayUnsupported => ("operation-not-supported", 501),
        }
    }
}

impl RestconfError {
    /// A subscription error of `rpc` (`establish-subscription`…), with an optional
    /// `filter-failure-hint` for filter errors (in the RPC's `*-stream-error-info`).
    pub fn subscription(
        error: SubscriptionError,
        rpc: &str,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Self {
        let (tag, status) = error.tag_and_status();
        let error_info = hint.map(|hint| {
            let container = match rpc {
                "modify-subscription" => "modify-subscription-stream-error-info",
                _ => "establish-subscription-stream-error-info",
            };
            Box::new(json!({ format!("{SN}:{container}"): { "filter-failure-hint": hint } }))
        });
        Self {
            status,
            error_type: "application",
            error_tag: tag,
            error_app_tag: Some(format!("{SN}:{}", error.identity())),
            error_path: None,
            error_message: Some(message.into()),
            error_info,
        }
    }

    /// 400 `invalid-value` for a bad RPC input leaf, naming it in `error-path`.
    pub fn invalid_value(rpc: &str, leaf: &str, message: impl Into<String>) -> Self {
        Self {
            status: 400,
            error_type: "application",
            error_tag: "invalid-value",
            error_app_tag: None,
            error_path: Some(format!("/{SN}:{rpc}/{leaf}")),
            error_message: Some(message.into()),
            error_info: None,
        }
    }

    /// 400 `malformed-message`: the body is not the RPC's input.
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::plain(400, "rpc", "malformed-message", message)
    }

    /// An error without app tag or path.
    pub fn plain(
        status: u16,
        error_type: &'static str,
        error_tag: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            error_type,
            error_tag,
            error_app_tag: None,
            error_path: None,
            error_message: Some(message.into()),
            error_info: None,
        }
    }

    /// The `ietf-restconf:errors` body.
    pub fn to_json(&self) -> Value {
        let mut error = Map::new();
        error.insert("error-type".into(), Value::from(self.error_type));
        error.insert("error-tag".into(), Value::from(self.error_tag));
        if let Some(tag) = &self.error_app_tag {
            error.insert("error-app-tag".into(), Value::from(tag.as_str()));
        }
        if let Some(path) = &self.error_path {
            error.insert("error-path".into(), Value::from(path.as_str()));
        }
        if let Some(message) = &self.error_message {
            error.insert("error-message".into(), Value::from(message.as_str()));
        }
        if let Some(info) = &self.error_info {
            error.insert("error-info".into(), (**info).clone());
        }
        json!({"ietf-restconf:errors": {"error": [Value::Object(error)]}})
    }
}
