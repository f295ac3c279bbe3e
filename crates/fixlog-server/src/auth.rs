//! Bearer tokens with roles.
//!
//! A token reads `fxl_<id>_<secret>`: `id` (12 hex digits) finds the record, `secret` (32
//! random bytes, hex) is checked by comparing its SHA-256 with the stored one in constant
//! time. Only the hash is stored; the token is shown once, when created, and never logged.

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use fixlog_store::{AuditEvent, Store, StoreError, TokenRecord};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use crate::error::ApiError;

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Publishes firmware releases (the CI pipeline).
    Publisher,
    /// Creates products and advisories (the PSIRT); writes advisory drafts.
    Editor,
    /// Approves advisory drafts, which publishes them (product management).
    Approver,
    /// Everything.
    Admin,
}

impl Role {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Publisher => "publisher",
            Role::Editor => "editor",
            Role::Approver => "approver",
            Role::Admin => "admin",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "publisher" => Role::Publisher,
            "editor" => Role::Editor,
            "approver" => Role::Approver,
            "admin" => Role::Admin,
            _ => return None,
        })
    }

    /// Whether this role may act as `required`.
    pub fn allows(self, required: Role) -> bool {
        self == Role::Admin || self == required
    }
}

/// The authenticated caller.
#[derive(Clone, Debug)]
pub struct Caller {
    /// Token id.
    pub token_id: String,
    /// Role of the token.
    pub role: Role,
}

/// Creates a token record and the token string to hand out (once).
pub fn new_token(
    name: &str,
    role: Role,
    expires: Option<OffsetDateTime>,
) -> Result<(TokenRecord, String), getrandom::Error> {
    let mut id = [0u8; 6];
    let mut secret = [0u8; 32];
    getrandom::fill(&mut id)?;
    getrandom::fill(&mut secret)?;
    let id = hex::encode(id);
    let secret = hex::encode(secret);
    let record = TokenRecord {
        id: id.clone(),
        name: name.to_owned(),
        role: role.as_str().to_owned(),
        secret_sha256: Sha256::digest(secret.as_bytes()).into(),
        created: OffsetDateTime::now_utc(),
        expires,
    };
    Ok((record, format!("fxl_{id}_{secret}")))
}

/// Creates and stores a token; returns the token string.
pub async fn create_token(
    store: &dyn Store,
    name: &str,
    role: Role,
    expires: Option<OffsetDateTime>,
) -> Result<String, StoreError> {
    let (record, token) = new_token(name, role, expires).map_err(|error| StoreError::Database {
        message: format!("no randomness: {error}"),
    })?;
    store.create_token(&record).await?;
    store
        .audit(&AuditEvent {
            at: record.created,
            actor: "-".to_owned(),
            action: "token.created".to_owned(),
            detail: format!("id={} name={} role={}", record.id, record.name, record.role),
        })
        .await?;
    Ok(token)
}

fn split_token(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix("fxl_")?;
    let (id, secret) = rest.split_once('_')?;
    let hex_of = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex_of(id, 12) && hex_of(secret, 64)).then_some((id, secret))
}

/// Authenticates the request's bearer token and checks that its role allows `required`.
/// Failures are audited (without the token).
pub async fn authorize(
    store: &Arc<dyn Store>,
    headers: &HeaderMap,
    required: Role,
) -> Result<Caller, ApiError> {
    authorize_any(store, headers, &[required]).await
}

/// Like [`authorize`], for an action any of several roles may do.
pub async fn authorize_any(
    store: &Arc<dyn Store>,
    headers: &HeaderMap,
    accepted: &[Role],
) -> Result<Caller, ApiError> {
    let required = accepted
        .iter()
        .map(|role| role.as_str())
        .collect::<Vec<_>>()
        .join(" or ");
    let unauthorized = |detail: &str| ApiError::Unauthorized {
        detail: detail.to_owned(),
    };
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Err(unauthorized(
            "missing bearer token (Authorization: Bearer …)",
        ));
    };
    let value = value.to_str().unwrap_or_default();
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .unwrap_or_default();
    let failure = |reason: &str, id: &str| AuditEvent {
        at: OffsetDateTime::now_utc(),
        actor: if id.is_empty() {
            "-".to_owned()
        } else {
            id.to_owned()
        },
        action: "auth.failed".to_owned(),
        detail: reason.to_owned(),
    };
    let Some((id, secret)) = split_token(token) else {
        store.audit(&failure("malformed token", "")).await?;
        return Err(unauthorized("invalid bearer token"));
    };
    let record = store.token(id).await?;
    let presented: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
    // Compare against a dummy when the id is unknown, so both paths do the same work.
    let stored = record
        .as_ref()
        .map(|r| r.secret_sha256)
        .unwrap_or([0u8; 32]);
    let matches: bool = presented.ct_eq(&stored).into();
    let Some(record) = record.filter(|_| matches) else {
        store
            .audit(&failure("unknown token or wrong secret", id))
            .await?;
        return Err(unauthorized("invalid bearer token"));
    };
    if record
        .expires
        .is_some_and(|expires| expires <= OffsetDateTime::now_utc())
    {
        store.audit(&failure("expired token", id)).await?;
        return Err(unauthorized("bearer token expired"));
    }
    let role = Role::parse(&record.role).ok_or_else(|| ApiError::Internal {
        cause: format!("token {id} has unknown role {}", record.role),
    })?;
    if !accepted.iter().any(|wanted| role.allows(*wanted)) {
        store
            .audit(&failure(
                &format!("role {} lacks {required}", role.as_str()),
                id,
            ))
            .await?;
        return Err(ApiError::Forbidden {
            detail: format!(
                "token role {} may not do this; it needs role {required}",
                role.as_str(),
            ),
        });
    }
    Ok(Caller {
        token_id: record.id,
        role,
    })
}

/// A role an extractor demands.
pub trait RequiredRole {
    /// The role.
    const ROLE: Role;
    /// Every role accepted (admin always is); `ROLE` alone unless overridden.
    const ACCEPTED: &'static [Role] = &[Self::ROLE];
}

/// Marker: the `editor` role (or admin).
#[derive(Debug)]
pub struct EditorRole;
impl RequiredRole for EditorRole {
    const ROLE: Role = Role::Editor;
}

/// Marker: the `publisher` role (or admin).
#[derive(Debug)]
pub struct PublisherRole;
impl RequiredRole for PublisherRole {
    const ROLE: Role = Role::Publisher;
}

/// Marker: the `approver` role (or admin): approves and publishes drafts.
#[derive(Debug)]
pub struct ApproverRole;
impl RequiredRole for ApproverRole {
    const ROLE: Role = Role::Approver;
}

/// Marker: reading drafts: the `editor` or `approver` role (or admin).
#[derive(Debug)]
pub struct DraftReaderRole;
impl RequiredRole for DraftReaderRole {
    const ROLE: Role = Role::Editor;
    const ACCEPTED: &'static [Role] = &[Role::Editor, Role::Approver];
}

/// Marker: the `admin` role.
#[derive(Debug)]
pub struct AdminRole;
impl RequiredRole for AdminRole {
    const ROLE: Role = Role::Admin;
}

/// Extractor that authenticates the bearer token and checks the role before the handler
/// reads the body, so an unauthenticated caller learns nothing about the request schema.
#[derive(Debug)]
pub struct Authorized<R: RequiredRole> {
    /// The caller.
    pub caller: Caller,
    role: std::marker::PhantomData<R>,
}

impl<R: RequiredRole + Send> axum::extract::FromRequestParts<crate::AppState> for Authorized<R> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &crate::AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = authorize_any(state.store(), &parts.headers, R::ACCEPTED).await?;
        Ok(Self {
            caller,
            role: std::marker::PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_the_documented_shape() {
        let (record, token) = new_token("ci", Role::Publisher, None).unwrap();
        let (id, secret) = split_token(&token).expect("well-formed");
        assert_eq!(id, record.id);
        assert_eq!(
            <[u8; 32]>::from(Sha256::digest(secret.as_bytes())),
            record.secret_sha256
        );
        assert!(split_token("fxl_short_secret").is_none());
        assert!(split_token(&token.replace("fxl_", "abc_")).is_none());
    }

    #[test]
    fn roles_allow_themselves_and_admin_everything() {
        assert!(Role::Publisher.allows(Role::Publisher));
        assert!(!Role::Publisher.allows(Role::Editor));
        assert!(!Role::Editor.allows(Role::Publisher));
        assert!(Role::Admin.allows(Role::Editor));
    }
}
