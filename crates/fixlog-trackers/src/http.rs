//! GET with authentication, bounded backoff on HTTP 429 and errors that name the tracker.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use url::Url;

use crate::TrackerError;

/// How a request authenticates. The secret only ever travels in a header.
#[derive(Clone)]
pub enum Auth {
    /// No credentials.
    None,
    /// `Authorization: Bearer <token>` (Jira Data Center PAT, OAuth, GitLab).
    Bearer(String),
    /// `Authorization: Basic` (Jira Cloud: account e-mail and API token).
    Basic {
        /// Account e-mail.
        user: String,
        /// API token.
        password: String,
    },
    /// A named header (`X-BUGZILLA-API-KEY`, `PRIVATE-TOKEN`).
    Header {
        /// Header name.
        name: &'static str,
        /// The secret.
        value: String,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        let kind = match self {
            Auth::None => "none",
            Auth::Bearer(_) => "bearer",
            Auth::Basic { .. } => "basic",
            Auth::Header { name, .. } => name,
        };
        write!(formatter, "Auth({kind})")
    }
}

/// Backoff on HTTP 429: honour `Retry-After` (seconds or an HTTP date), but never wait longer
/// than `max_wait` for one retry nor try more than `max_attempts` times.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The longest single wait; a longer `Retry-After` fails at once.
    pub max_wait: Duration,
    /// The first wait when the tracker sends no `Retry-After` (doubled each time).
    pub default_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            max_wait: Duration::from_secs(120),
            default_wait: Duration::from_secs(2),
        }
    }
}

/// A connection to one tracker: base URL, credentials and retry policy.
#[derive(Clone, Debug)]
pub struct Connection {
    /// `jira`, `bugzilla` or `gitlab` (named in every error).
    pub tracker: &'static str,
    /// Base URL, e.g. `https://jira.example.com` (a path prefix is kept).
    pub base: Url,
    /// Credentials.
    pub auth: Auth,
    /// The environment variable the token came from (named on authentication failure).
    pub token_env: String,
    /// Backoff on 429.
    pub retry: RetryPolicy,
    /// The HTTP client.
    pub client: reqwest::Client,
}

/// A successful answer.
pub(crate) struct Answer {
    /// Response headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Connection {
    /// A connection with the default client and retry policy.
    pub fn new(
        tracker: &'static str,
        base: &str,
        auth: Auth,
        token_env: &str,
    ) -> Result<Self, TrackerError> {
        let mut base = Url::parse(base).map_err(|error| TrackerError::Config {
            tracker,
            message: format!("base URL {base:?}: {error}"),
        })?;
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let client = reqwest::Client::builder()
            .user_agent(concat!("fixlog/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|error| TrackerError::Config {
                tracker,
                message: format!("HTTP client: {error}"),
            })?;
        Ok(Self {
            tracker,
            base,
            auth,
            token_env: token_env.to_owned(),
            retry: RetryPolicy::default(),
            client,
        })
    }

    /// `path` (relative, no leading slash) resolved against the base URL.
    pub(crate) fn url(&self, path: &str) -> Result<Url, TrackerError> {
        self.base.join(path).map_err(|error| TrackerError::Config {
            tracker: self.tracker,
            message: format!("URL {path:?}: {error}"),
        })
    }

    /// GETs `url`, retrying on 429 within the policy; any other non-2xx status is an error.
    pub(crate) async fn get(&self, url: &Url) -> Result<Answer, TrackerError> {
        let shown = url.to_string();
        let mut wait = self.retry.default_wait;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = self
                .client
                .get(url.clone())
                .header("Accept", "application/json");
            request = match &self.auth {
                Auth::None => request,
                Auth::Bearer(token) => request.bearer_auth(token),
                Auth::Basic { user, password } => request.basic_auth(user, Some(password)),
                Auth::Header { name, value } => request.header(*name, value),
            };
            let response = request
                .send()
                .await
                .map_err(|error| TrackerError::Transport {
                    tracker: self.tracker,
                    url: shown.clone(),
                    message: error.without_url().to_string(),
                })?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response
                .bytes()
                .await
                .map_err(|error| TrackerError::Transport {
                    tracker: self.tracker,
                    url: shown.clone(),
                    message: error.without_url().to_string(),
                })?
                .to_vec();
            if status.is_success() {
                return Ok(Answer { headers, body });
            }
            if status == StatusCode::TOO_MANY_REQUESTS {
                let sent = headers
                    .get(RETRY_AFTER)
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned);
                let delay = match sent.as_deref().map(retry_after) {
                    Some(Some(delay)) => delay,
                    _ => wait,
                };
                if attempt >= self.retry.max_attempts || delay > self.retry.max_wait {
                    return Err(TrackerError::RateLimited {
                        tracker: self.tracker,
                        url: shown,
                        attempts: attempt,
                        retry_after: sent.unwrap_or_else(|| "absent".to_owned()),
                    });
                }
                tokio::time::sleep(delay).await;
                wait = (wait * 2).min(self.retry.max_wait);
                continue;
            }
            let message = error_message(&body);
            if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                return Err(TrackerError::Unauthorized {
                    tracker: self.tracker,
                    url: shown,
                    status: status.as_u16(),
                    message,
                    token_env: self.token_env.clone(),
                });
            }
            return Err(TrackerError::Status {
                tracker: self.tracker,
                url: shown,
                status: status.as_u16(),
                message,
            });
        }
    }
}

/// Parses a JSON body into `T`; a mismatch names the field's path (`issues[0].fields.updated`).
pub fn parse_body<T: DeserializeOwned>(
    tracker: &'static str,
    url: &str,
    body: &[u8],
) -> Result<T, TrackerError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let field = error.path().to_string();
        TrackerError::Malformed {
            tracker,
            url: url.to_owned(),
            field: if field == "." {
                "(document)".to_owned()
            } else {
                field
            },
            message: error.into_inner().to_string(),
        }
    })
}

/// The delay a `Retry-After` value asks for: delta-seconds or an HTTP date (RFC 9110
/// §10.2.3); `None` when unreadable.
pub fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let date = time::PrimitiveDateTime::parse(value, format)
        .ok()?
        .assume_utc();
    let delta = date - OffsetDateTime::now_utc();
    Some(Duration::from_secs(delta.whole_seconds().max(0) as u64))
}

/// The tracker's own error text: Jira `errorMessages`, Bugzilla/GitLab `message`, else the
/// start of the body.
fn error_message(body: &[u8]) -> String {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        if let Some(messages) = value.get("errorMessages").and_then(|m| m.as_array()) {
            let joined: Vec<&str> = messages.iter().filter_map(|m| m.as_str()).collect();
            if !joined.is_empty() {
                return joined.join("; ");
            }
        }
        if let Some(message) = value.get("message").and_then(|m| m.as_str()) {
            return message.to_owned();
        }
    }
    let text = String::from_utf8_lossy(body);
    let text: String = text.chars().take(200).collect();
    if text.trim().is_empty() {
        "(empty body)".to_owned()
    } else {
        text.trim().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon"), None);
    }

    #[test]
    fn error_messages_come_from_the_trackers_own_shapes() {
        assert_eq!(
            error_message(br#"{"errorMessages":["Field 'CVE IDs' does not exist"],"errors":{}}"#),
            "Field 'CVE IDs' does not exist"
        );
        assert_eq!(
            error_message(br#"{"message": "401 Unauthorized"}"#),
            "401 Unauthorized"
        );
        assert_eq!(error_message(b""), "(empty body)");
    }

    #[test]
    fn auth_debug_never_shows_the_secret() {
        let auth = Auth::Header {
            name: "X-BUGZILLA-API-KEY",
            value: "s3cret-key".to_owned(),
        };
        assert!(!format!("{auth:?}").contains("s3cret"));
    }
}
