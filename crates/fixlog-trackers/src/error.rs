//! The errors of the tracker connectors. Every variant names the tracker and the URL asked
//! (never a token: tokens travel in headers only), and a malformed answer names the field.

/// What went wrong talking to a tracker.
#[derive(Debug, thiserror::Error)]
pub enum TrackerError {
    /// The tracker refused the credentials (HTTP 401 or 403).
    #[error(
        "{tracker}: authentication failed at {url} (HTTP {status}): {message}; check the token in ${token_env}"
    )]
    Unauthorized {
        /// `jira`, `bugzilla` or `gitlab`.
        tracker: &'static str,
        /// The URL asked.
        url: String,
        /// 401 or 403.
        status: u16,
        /// The tracker's own message, when it sent one.
        message: String,
        /// The environment variable the token came from.
        token_env: String,
    },
    /// The tracker answered with an error status other than 401/403/429.
    #[error("{tracker}: {url} answered HTTP {status}: {message}")]
    Status {
        /// Tracker name.
        tracker: &'static str,
        /// The URL asked.
        url: String,
        /// The status code.
        status: u16,
        /// The tracker's message or the start of the body.
        message: String,
    },
    /// Still rate limited (HTTP 429) after the allowed retries, or the tracker asked to wait
    /// longer than allowed.
    #[error(
        "{tracker}: {url} still rate limited after {attempts} attempts (Retry-After {retry_after})"
    )]
    RateLimited {
        /// Tracker name.
        tracker: &'static str,
        /// The URL asked.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The last Retry-After value as sent.
        retry_after: String,
    },
    /// The answer is not the documented shape.
    #[error("{tracker}: malformed answer from {url}: field {field}: {message}")]
    Malformed {
        /// Tracker name.
        tracker: &'static str,
        /// The URL asked.
        url: String,
        /// Path of the offending field, e.g. `issues[0].fields.updated`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The tracker answered with an error document inside a success status (Bugzilla).
    #[error("{tracker}: {url} reported error {code}: {message}")]
    Reported {
        /// Tracker name.
        tracker: &'static str,
        /// The URL asked.
        url: String,
        /// The tracker's error code.
        code: i64,
        /// The tracker's message.
        message: String,
    },
    /// The tracker could not be reached.
    #[error("{tracker}: cannot reach {url}: {message}")]
    Transport {
        /// Tracker name.
        tracker: &'static str,
        /// The URL asked.
        url: String,
        /// What the HTTP client said.
        message: String,
    },
    /// The configuration is unusable (a bad pattern, an unknown custom field name, a bad URL).
    #[error("{tracker}: {message}")]
    Config {
        /// Tracker name.
        tracker: &'static str,
        /// What is wrong.
        message: String,
    },
}
