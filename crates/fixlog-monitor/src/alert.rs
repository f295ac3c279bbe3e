//! Alerts: one webhook POST per state change (up→down, down→up) and per detected change,
//! never one per failing probe. The body is the JSON [`AlertEvent`], or Slack's
//! `{"text": …}` for a target with `slack = true`.

use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use crate::config::AlertTarget;

/// What an alert says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AlertEvent {
    /// `down`, `up` or `change`.
    pub kind: String,
    /// Endpoint name.
    pub endpoint: String,
    /// Supplier.
    pub supplier: String,
    /// The endpoint URL.
    pub url: String,
    /// When the state changed or the change was seen.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Failure class (`down`), change class (`change`), empty for `up`.
    pub class: String,
    /// One line of detail.
    pub detail: String,
}

impl AlertEvent {
    /// The one-line text of Slack-compatible webhooks.
    pub fn text(&self) -> String {
        match self.kind.as_str() {
            "down" => format!(
                ":red_circle: {} ({}) is DOWN: {} — {}",
                self.endpoint, self.url, self.class, self.detail
            ),
            "up" => format!(
                ":large_green_circle: {} ({}) is UP again",
                self.endpoint, self.url
            ),
            _ => format!(
                ":warning: {} ({}) changed: {} — {}",
                self.endpoint, self.url, self.class, self.detail
            ),
        }
    }

    /// The body posted to `target`.
    pub fn body(&self, target: &AlertTarget) -> serde_json::Value {
        if target.slack {
            serde_json::json!({ "text": self.text() })
        } else {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
}

/// Posts alerts to the configured targets.
#[derive(Clone, Debug)]
pub struct Alerter {
    client: reqwest::Client,
}

impl Alerter {
    /// A sender with a 10 s timeout per POST.
    pub fn new() -> Result<Self, String> {
        // reqwest is built without a default crypto provider; use ring unless the program
        // installed one already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(concat!("fixlog-monitor/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|error| error.to_string())?;
        Ok(Self { client })
    }

    /// Posts `event` to every target; a failed delivery is logged, not retried.
    pub async fn send(&self, targets: &[AlertTarget], event: &AlertEvent) {
        for target in targets {
            let result = self
                .client
                .post(target.url.clone())
                .json(&event.body(target))
                .send()
                .await
                .and_then(reqwest::Response::error_for_status);
            if let Err(error) = result {
                tracing::warn!(endpoint = %event.endpoint, target = %target.url, "alert not delivered: {error}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_targets_get_text_and_others_the_event() {
        let event = AlertEvent {
            kind: "down".to_owned(),
            endpoint: "acme".to_owned(),
            supplier: "ACME".to_owned(),
            url: "https://acme.example/".to_owned(),
            at: OffsetDateTime::from_unix_timestamp(0).unwrap(),
            class: "tls".to_owned(),
            detail: "certificate expired".to_owned(),
        };
        let slack = AlertTarget {
            url: "https://hooks.slack.example/x".parse().unwrap(),
            slack: true,
        };
        let plain = AlertTarget {
            url: "https://hooks.example/x".parse().unwrap(),
            slack: false,
        };
        assert_eq!(
            event.body(&slack),
            serde_json::json!({"text": ":red_circle: acme (https://acme.example/) is DOWN: tls — certificate expired"})
        );
        let body = event.body(&plain);
        assert_eq!(body["kind"], "down");
        assert_eq!(body["class"], "tls");
        assert_eq!(body["at"], "1970-01-01T00:00:00Z");
    }
}
