//! The one HTTP error edge: every failure becomes an RFC 9457 `application/problem+json`
//! body here, in a single match from variant to status.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fixlog_api::{FieldError, Problem};
use fixlog_formats::convert;
use fixlog_store::StoreError;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not well-formed JSON or does not have the documented shape.
    #[error("malformed request: {detail}")]
    Malformed {
        /// What the parser said.
        detail: String,
        /// JSON pointer of the field, when known.
        field: Option<String>,
    },
    /// Well-formed, but a field has an invalid value.
    #[error("{}: {}", .0.field, .0.message)]
    Invalid(FieldError),
    /// No or an unusable bearer token.
    #[error("{detail}")]
    Unauthorized {
        /// Why.
        detail: String,
    },
    /// The token's role may not do this.
    #[error("{detail}")]
    Forbidden {
        /// Why.
        detail: String,
    },
    /// The thing asked for does not exist.
    #[error("{detail}")]
    NotFound {
        /// What was not found.
        detail: String,
        /// The field that named it, for write requests.
        field: Option<String>,
    },
    /// The request contradicts what the log already holds.
    #[error("{detail}")]
    Conflict {
        /// What conflicts.
        detail: String,
        /// The field at fault.
        field: Option<String>,
    },
    /// The body is larger than the limit.
    #[error("request body larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body is not `application/json`.
    #[error("expected content type application/json")]
    UnsupportedMediaType,
    /// Too many requests from this client.
    #[error("rate limit exceeded, retry after {retry_after} s")]
    RateLimited {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// Too many failed authentications from this client's address.
    #[error("too many failed authentications from this address, retry after {retry_after} s")]
    LockedOut {
        /// Seconds until the lockout ends.
        retry_after: u64,
    },
    /// The client did not send the request body in time.
    #[error("request body not received within {seconds} s")]
    RequestTimeout {
        /// The body timeout in seconds.
        seconds: u64,
    },
    /// A failure on our side (database, signing); the cause is logged, not sent.
    #[error("internal error")]
    Internal {
        /// The cause, for the log only.
        cause: String,
    },
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::UnknownSupersedes { seq } => ApiError::NotFound {
                detail: format!("entry {seq} to supersede does not exist"),
                field: Some("/supersedes".to_owned()),
            },
            other => ApiError::Internal {
                cause: other.to_string(),
            },
        }
    }
}

impl From<convert::FieldError> for ApiError {
    fn from(error: convert::FieldError) -> Self {
        ApiError::Invalid(FieldError {
            field: error.field,
            message: error.message,
        })
    }
}

impl ApiError {
    /// A validation error at `field`.
    pub fn invalid(field: impl Into<String>, message: impl std::fmt::Display) -> Self {
        ApiError::Invalid(FieldError {
            field: field.into(),
            message: message.to_string(),
        })
    }

    fn status_and_title(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ApiError::Malformed { .. } => (
                StatusCode::BAD_REQUEST,
                "malformed-request",
                "Malformed request",
            ),
            ApiError::Invalid(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-field",
                "Invalid field",
            ),
            ApiError::Unauthorized { .. } => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Authentication required",
            ),
            ApiError::Forbidden { .. } => (StatusCode::FORBIDDEN, "forbidden", "Role not allowed"),
            ApiError::NotFound { .. } => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            ApiError::Conflict { .. } => {
                (StatusCode::CONFLICT, "conflict", "Conflicts with the log")
            }
            ApiError::TooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Request body too large",
            ),
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            ),
            ApiError::RateLimited { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
            ),
            ApiError::LockedOut { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "locked-out",
                "Too many failed authentications",
            ),
            ApiError::RequestTimeout { .. } => (
                StatusCode::REQUEST_TIMEOUT,
                "request-timeout",
                "Request timeout",
            ),
            ApiError::Internal { .. } => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
            ),
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let (status, slug, title) = self.status_and_title();
        let (field, errors) = match self {
            ApiError::Invalid(error) => (Some(error.field.clone()), vec![error.clone()]),
            ApiError::Malformed { field, .. }
            | ApiError::NotFound { field, .. }
            | ApiError::Conflict { field, .. } => (field.clone(), vec![]),
            _ => (None, vec![]),
        };
        Problem {
            problem_type: format!("https://fixlog.dev/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: self.to_string(),
            field,
            errors,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal { cause } = &self {
            tracing::error!(%cause, "request failed");
        }
        let problem = self.problem();
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&problem).expect("problems serialize");
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let ApiError::RateLimited { retry_after } | ApiError::LockedOut { retry_after } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"fixlog\""),
            );
        }
        response
    }
}
