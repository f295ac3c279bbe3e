//! Abuse limits per client address: token buckets on write routes and on RESTCONF
//! `establish-subscription`, a lockout after repeated failed authentications, a body read
//! timeout, and the connection counters the accept loop (`listen.rs`) enforces.
//!
//! The client address is the TCP peer of the connection ([`axum::extract::ConnectInfo`],
//! inserted by [`crate::serve`]). Behind a reverse proxy every client shares the proxy's
//! address, so these limits then apply per proxy. A request without a peer address (a test
//! calling [`crate::app`] with `oneshot`) is not limited.
//!
//! **Write bucket.** Unsafe methods (`POST`, `PUT`, `PATCH`, `DELETE`) take one token from the
//! address's bucket. Requests that carry an `Authorization` header draw from a much larger
//! bucket, so a CI pipeline publishing thousands of releases is not throttled; presenting
//! wrong tokens to get that bucket ends in the lockout below after a few attempts.
//!
//! **Lockout.** Every `401` answered to a request that carried an `Authorization` header
//! counts as a failure of its address; after [`ClientLimits::auth_failures`] consecutive
//! failures every request with an `Authorization` header from that address is answered
//! `429` until [`ClientLimits::lockout`] has passed, even with the right token. The lockout
//! is audited (`auth.lockout`, with the address), as is each failure (`auth.failed`, by
//! `auth.rs`). A success resets the count.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use fixlog_store::AuditEvent;
use time::OffsetDateTime;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::BODY_LIMIT;

/// A token bucket: `burst` requests at once, refilled at `per_second`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    /// Bucket size; 0 means unlimited.
    pub burst: u32,
    /// Tokens added per second.
    pub per_second: f64,
}

impl Rate {
    /// No limit.
    pub const UNLIMITED: Rate = Rate {
        burst: 0,
        per_second: 0.0,
    };

    /// Whether this rate limits anything.
    pub fn is_unlimited(&self) -> bool {
        self.burst == 0
    }
}

/// Why a rate does not parse.
#[derive(Debug, thiserror::Error)]
#[error("expected BURST/PER_SECOND (e.g. 120/10) or 0 for unlimited, got {text:?}")]
pub struct RateError {
    /// The text given.
    pub text: String,
}

impl FromStr for Rate {
    type Err = RateError;

    /// `BURST/PER_SECOND`, e.g. `120/10`; `0` is unlimited.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || RateError {
            text: text.to_owned(),
        };
        if text.trim() == "0" {
            return Ok(Rate::UNLIMITED);
        }
        let (burst, per_second) = text.split_once('/').ok_or_else(error)?;
        let burst: u32 = burst.trim().parse().map_err(|_| error())?;
        let per_second: f64 = per_second.trim().parse().map_err(|_| error())?;
        if burst == 0 || !per_second.is_finite() || per_second <= 0.0 {
            return Err(error());
        }
        Ok(Rate { burst, per_second })
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_unlimited() {
            write!(formatter, "0")
        } else {
            write!(formatter, "{}/{}", self.burst, self.per_second)
        }
    }
}

/// The limits `fixlog serve` enforces per client address (flags of the same names).
#[derive(Clone, Debug)]
pub struct ClientLimits {
    /// Open connections for all clients together.
    pub max_connections: usize,
    /// Open connections one address may hold.
    pub max_connections_per_ip: usize,
    /// Time a connection has to send its first complete request head (and TLS handshake);
    /// later request heads on a kept-alive connection get the same time.
    pub header_timeout: Duration,
    /// Time a client has to send a request body.
    pub body_timeout: Duration,
    /// Unsafe requests without an `Authorization` header.
    pub anonymous_writes: Rate,
    /// Unsafe requests with an `Authorization` header.
    pub token_writes: Rate,
    /// RESTCONF `establish-subscription` calls.
    pub subscriptions: Rate,
    /// Consecutive failed authentications after which an address is locked out; 0 disables.
    pub auth_failures: u32,
    /// How long a lockout lasts.
    pub lockout: Duration,
}

impl Default for ClientLimits {
    /// 16384 connections, 256 per address, 10 s for a request head, 30 s for a body,
    /// writes 120/10 anonymous and 5000/1000 with a token, subscriptions 64/2, lockout for
    /// 300 s after 10 failed authentications.
    fn default() -> Self {
        Self {
            max_connections: 16_384,
            max_connections_per_ip: 256,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            anonymous_writes: Rate {
                burst: 120,
                per_second: 10.0,
            },
            token_writes: Rate {
                burst: 5000,
                per_second: 1000.0,
            },
            subscriptions: Rate {
                burst: 64,
                per_second: 2.0,
            },
            auth_failures: 10,
            lockout: Duration::from_secs(300),
        }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Token buckets keyed by client address.
#[derive(Debug)]
pub struct KeyedLimiter {
    rate: Rate,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

/// Addresses kept before idle (full) buckets are pruned.
const PRUNE_ABOVE: usize = 4096;

impl KeyedLimiter {
    /// A limiter with this rate for every address.
    pub fn new(rate: Rate) -> Self {
        Self {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `address`, or says how long until one is available.
    pub fn check(&self, address: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.rate.is_unlimited() {
            return Ok(());
        }
        let burst = f64::from(self.rate.burst);
        let per_second = self.rate.per_second;
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if buckets.len() > PRUNE_ABOVE {
            // A bucket that has refilled completely holds no state worth keeping.
            buckets.retain(|_, bucket| {
                bucket.tokens
                    + now.saturating_duration_since(bucket.updated).as_secs_f64() * per_second
                    < burst
            });
        }
        let bucket = buckets.entry(address).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

#[derive(Debug)]
struct Failures {
    count: u32,
    locked_until: Option<Instant>,
}

/// Open connections per address and in total.
#[derive(Debug, Default)]
pub struct Connections {
    counts: Arc<Mutex<ConnectionCounts>>,
}

/// Total and per-address counts.
type ConnectionCounts = (usize, HashMap<IpAddr, usize>);

/// Why a connection was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConnectionRefused {
    /// The address holds as many connections as it may.
    #[error("too many connections from this address (limit {limit})")]
    PerAddress {
        /// The per-address limit.
        limit: usize,
    },
    /// The server holds as many connections as it may.
    #[error("too many connections (limit {limit})")]
    Total {
        /// The global limit.
        limit: usize,
    },
}

/// One open connection; released when dropped.
#[derive(Debug)]
pub struct ConnectionSlot {
    counts: Arc<Mutex<ConnectionCounts>>,
    address: IpAddr,
}

impl Connections {
    /// Counts a new connection from `address` unless a limit is reached.
    pub fn open(
        &self,
        address: IpAddr,
        limits: &ClientLimits,
    ) -> Result<ConnectionSlot, ConnectionRefused> {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let (total, per_address) = &mut *counts;
        if *total >= limits.max_connections {
            return Err(ConnectionRefused::Total {
                limit: limits.max_connections,
            });
        }
        let held = per_address.entry(address).or_insert(0);
        if *held >= limits.max_connections_per_ip {
            return Err(ConnectionRefused::PerAddress {
                limit: limits.max_connections_per_ip,
            });
        }
        *held += 1;
        *total += 1;
        Ok(ConnectionSlot {
            counts: Arc::clone(&self.counts),
            address,
        })
    }

    /// Open connections in total.
    pub fn total(&self) -> usize {
        self.counts
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .0
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let (total, per_address) = &mut *counts;
        *total = total.saturating_sub(1);
        if let Some(held) = per_address.get_mut(&self.address) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                per_address.remove(&self.address);
            }
        }
    }
}

/// The shared state of the limits: buckets, failure counts and connection counts.
#[derive(Debug)]
pub struct Guard {
    /// The configured limits.
    pub limits: ClientLimits,
    anonymous_writes: KeyedLimiter,
    token_writes: KeyedLimiter,
    subscriptions: KeyedLimiter,
    failures: Mutex<HashMap<IpAddr, Failures>>,
    /// Open connections.
    pub connections: Connections,
}

impl Default for Guard {
    fn default() -> Self {
        Self::new(ClientLimits::default())
    }
}

impl Guard {
    /// State for these limits.
    pub fn new(limits: ClientLimits) -> Self {
        Self {
            anonymous_writes: KeyedLimiter::new(limits.anonymous_writes),
            token_writes: KeyedLimiter::new(limits.token_writes),
            subscriptions: KeyedLimiter::new(limits.subscriptions),
            failures: Mutex::new(HashMap::new()),
            connections: Connections::default(),
            limits,
        }
    }

    /// The remaining lockout of `address`, if it is locked out.
    pub fn locked_out(&self, address: IpAddr, now: Instant) -> Option<Duration> {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let entry = failures.get_mut(&address)?;
        match entry.locked_until {
            Some(until) if until > now => Some(until - now),
            Some(_) => {
                failures.remove(&address);
                None
            }
            None => None,
        }
    }

    /// Records a failed authentication; returns true when it starts a lockout.
    pub fn record_failure(&self, address: IpAddr, now: Instant) -> bool {
        if self.limits.auth_failures == 0 {
            return false;
        }
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if failures.len() > PRUNE_ABOVE {
            failures.retain(|_, entry| entry.locked_until.is_some_and(|until| until > now));
        }
        let entry = failures.entry(address).or_insert(Failures {
            count: 0,
            locked_until: None,
        });
        entry.count += 1;
        if entry.count >= self.limits.auth_failures {
            entry.count = 0;
            entry.locked_until = Some(now + self.limits.lockout);
            true
        } else {
            false
        }
    }

    /// Forgets the failures of `address` after a successful authentication.
    pub fn record_success(&self, address: IpAddr) {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if failures
            .get(&address)
            .is_some_and(|entry| entry.locked_until.is_none())
        {
            failures.remove(&address);
        }
    }
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn retry_after(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

/// The middleware: lockout, buckets and body timeout before the handler; failure counting
/// after it.
pub async fn enforce(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(address) = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
    else {
        return next.run(request).await;
    };
    let guard = &state.guard;
    let now = Instant::now();
    let with_token = request.headers().contains_key(header::AUTHORIZATION);
    if with_token && let Some(wait) = guard.locked_out(address, now) {
        return ApiError::LockedOut {
            retry_after: retry_after(wait),
        }
        .into_response();
    }
    let method = request.method().clone();
    if is_unsafe(&method) {
        let subscribing = request.uri().path().ends_with(":establish-subscription");
        let limiter = if subscribing {
            &guard.subscriptions
        } else if with_token {
            &guard.token_writes
        } else {
            &guard.anonymous_writes
        };
        if let Err(wait) = limiter.check(address, now) {
            return ApiError::RateLimited {
                retry_after: retry_after(wait),
            }
            .into_response();
        }
    }
    let request = if is_unsafe(&method) {
        let (parts, body) = request.into_parts();
        let timeout = guard.limits.body_timeout;
        match tokio::time::timeout(timeout, axum::body::to_bytes(body, BODY_LIMIT + 1)).await {
            Err(_) => {
                return ApiError::RequestTimeout {
                    seconds: timeout.as_secs(),
                }
                .into_response();
            }
            Ok(Err(_)) => return ApiError::TooLarge { limit: BODY_LIMIT }.into_response(),
            Ok(Ok(bytes)) if bytes.len() > BODY_LIMIT => {
                return ApiError::TooLarge { limit: BODY_LIMIT }.into_response();
            }
            Ok(Ok(bytes)) => Request::from_parts(parts, Body::from(bytes)),
        }
    } else {
        request
    };
    let response = next.run(request).await;
    if with_token {
        if response.status() == StatusCode::UNAUTHORIZED {
            if guard.record_failure(address, Instant::now()) {
                tracing::warn!(%address, "locking out an address after failed authentications");
                let event = AuditEvent {
                    at: OffsetDateTime::now_utc(),
                    actor: "-".to_owned(),
                    action: "auth.lockout".to_owned(),
                    detail: format!(
                        "address={address} failures={} seconds={}",
                        guard.limits.auth_failures,
                        guard.limits.lockout.as_secs()
                    ),
                };
                if let Err(error) = state.store().audit(&event).await {
                    tracing::error!(%error, "auditing a lockout");
                }
            }
        } else if response.status() != StatusCode::TOO_MANY_REQUESTS {
            guard.record_success(address);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_and_reject_nonsense() {
        assert_eq!(
            "120/10".parse::<Rate>().unwrap(),
            Rate {
                burst: 120,
                per_second: 10.0
            }
        );
        assert!("0".parse::<Rate>().unwrap().is_unlimited());
        for bad in ["", "10", "0/1", "5/0", "5/-1", "a/b", "5/inf"] {
            assert!(bad.parse::<Rate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_bucket_empties_refills_and_is_per_address() {
        let limiter = KeyedLimiter::new(Rate {
            burst: 2,
            per_second: 1.0,
        });
        let start = Instant::now();
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        let two: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(limiter.check(one, start).is_ok());
        assert!(limiter.check(one, start).is_ok());
        let wait = limiter.check(one, start).unwrap_err();
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1));
        assert!(limiter.check(two, start).is_ok());
        assert!(limiter.check(one, start + Duration::from_secs(1)).is_ok());
        assert!(limiter.check(one, start + Duration::from_secs(1)).is_err());
    }

    #[test]
    fn failures_lock_out_then_expire() {
        let guard = Guard::new(ClientLimits {
            auth_failures: 3,
            lockout: Duration::from_secs(60),
            ..ClientLimits::default()
        });
        let address: IpAddr = "192.0.2.7".parse().unwrap();
        let now = Instant::now();
        assert!(!guard.record_failure(address, now));
        guard.record_success(address);
        assert!(!guard.record_failure(address, now));
        assert!(!guard.record_failure(address, now));
        assert!(guard.record_failure(address, now));
        assert!(guard.locked_out(address, now).is_some());
        guard.record_success(address);
        assert!(
            guard.locked_out(address, now).is_some(),
            "success does not lift a lockout"
        );
        assert!(
            guard
                .locked_out(address, now + Duration::from_secs(61))
                .is_none()
        );
    }

    #[test]
    fn connection_slots_count_per_address_and_in_total() {
        let limits = ClientLimits {
            max_connections: 3,
            max_connections_per_ip: 2,
            ..ClientLimits::default()
        };
        let connections = Connections::default();
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        let two: IpAddr = "192.0.2.2".parse().unwrap();
        let a = connections.open(one, &limits).unwrap();
        let _b = connections.open(one, &limits).unwrap();
        assert_eq!(
            connections.open(one, &limits).unwrap_err(),
            ConnectionRefused::PerAddress { limit: 2 }
        );
        let _c = connections.open(two, &limits).unwrap();
        assert_eq!(
            connections.open(two, &limits).unwrap_err(),
            ConnectionRefused::Total { limit: 3 }
        );
        drop(a);
        let _d = connections.open(one, &limits).unwrap();
        assert_eq!(connections.total(), 3);
    }
}
