//! `fixlog serve`, `fixlog keygen`, `fixlog token create`.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use fixlog_server::limits::{ClientLimits, Rate};

use fixlog_server::auth::{Role, create_token};
use fixlog_server::storage::open_store;
use fixlog_server::{AppState, demo, keys};
use time::OffsetDateTime;

use crate::Failure;
use crate::cli::{KeygenArgs, ServeArgs, TokenCreateArgs};

/// Per-address abuse limits of `fixlog serve`. The address is the TCP peer: behind a reverse
/// proxy the limits apply per proxy.
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Open connections for all clients together.
    #[arg(long, env = "FIXLOG_MAX_CONNS", default_value_t = 16_384)]
    pub max_conns: usize,
    /// Open connections one client address may hold (SSE readers included).
    #[arg(long, env = "FIXLOG_MAX_CONNS_PER_IP", default_value_t = 256)]
    pub max_conns_per_ip: usize,
    /// Seconds a client has to send a complete request head (and finish the TLS handshake).
    #[arg(long, env = "FIXLOG_HEADER_TIMEOUT", default_value_t = 10)]
    pub header_timeout: u64,
    /// Seconds a client has to send a request body.
    #[arg(long, env = "FIXLOG_BODY_TIMEOUT", default_value_t = 30)]
    pub body_timeout: u64,
    /// Token bucket BURST/PER_SECOND per address for POST/PUT/DELETE without a bearer token
    /// (0 = unlimited).
    #[arg(long, env = "FIXLOG_ANONYMOUS_WRITE_RATE", default_value = "120/10")]
    pub anonymous_write_rate: Rate,
    /// Token bucket BURST/PER_SECOND per address for POST/PUT/DELETE with a bearer token
    /// (0 = unlimited).
    #[arg(long, env = "FIXLOG_WRITE_RATE", default_value = "5000/1000")]
    pub write_rate: Rate,
    /// Token bucket BURST/PER_SECOND per address for RESTCONF establish-subscription
    /// (0 = unlimited).
    #[arg(long, env = "FIXLOG_SUBSCRIBE_RATE", default_value = "64/2")]
    pub subscribe_rate: Rate,
    /// Failed authentications after which an address is locked out (0 = never).
    #[arg(long, env = "FIXLOG_AUTH_FAILURES", default_value_t = 10)]
    pub auth_failures: u32,
    /// Seconds a lockout lasts.
    #[arg(long, env = "FIXLOG_LOCKOUT", default_value_t = 300)]
    pub lockout: u64,
}

impl LimitArgs {
    fn client_limits(&self) -> Result<ClientLimits, Failure> {
        let positive = |name: &str, value: u64| {
            if value == 0 {
                Err(Failure::operational(format!("--{name} must be at least 1")))
            } else {
                Ok(Duration::from_secs(value))
            }
        };
        if self.max_conns == 0 || self.max_conns_per_ip == 0 {
            return Err(Failure::operational(
                "--max-conns and --max-conns-per-ip must be at least 1",
            ));
        }
        Ok(ClientLimits {
            max_connections: self.max_conns,
            max_connections_per_ip: self.max_conns_per_ip,
            header_timeout: positive("header-timeout", self.header_timeout)?,
            body_timeout: positive("body-timeout", self.body_timeout)?,
            anonymous_writes: self.anonymous_write_rate,
            token_writes: self.write_rate,
            subscriptions: self.subscribe_rate,
            auth_failures: self.auth_failures,
            lockout: positive("lockout", self.lockout)?,
        })
    }
}

/// Runs the publisher until Ctrl-C or SIGTERM.
pub async fn serve(args: ServeArgs) -> Result<(), Failure> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FIXLOG_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let limits = args.limits.client_limits()?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(Arc::new(
            fixlog_server::listen::tls_config(cert, key)
                .map_err(|error| Failure::operational(error.to_string()))?,
        )),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let store = open_store(&args.db)
        .await
        .map_err(|error| Failure::operational(format!("--db {}: {error}", redact(&args.db))))?;
    let signer = match (&args.key, args.demo) {
        (Some(path), _) => keys::read(path, args.origin.as_deref())
            .map_err(|error| Failure::operational(format!("--key {error}")))?,
        (None, true) => {
            keys::demo_signer(args.origin.as_deref().unwrap_or("demo.fixlog.invalid/log"))
        }
        (None, false) => {
            return Err(Failure::operational(
                "no log signing key: pass --key FILE (create one with `fixlog keygen`) or use --demo",
            ));
        }
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|error| Failure::operational(format!("--listen {}: {error}", args.listen)))?;
    let address = listener
        .local_addr()
        .map_err(|error| Failure::operational(format!("--listen: {error}")))?;
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{address}"));
    let witnesses = crate::witness::witnesses_argument(&args.witnesses)?;
    let mut state = AppState::new(store, signer, &public_url)
        .with_witnesses(witnesses)
        .with_limits(limits);
    state.page.gap_days = args.gap_days;
    match (&args.openpgp_key, args.demo) {
        (Some(path), _) => {
            state = state.with_openpgp_key(crate::openpgp::read_key(path, "--openpgp-key")?);
        }
        (None, true) => {
            state = state.with_openpgp_key(fixlog_csaf::openpgp::SigningKey::demo());
        }
        (None, false) => {}
    }
    fixlog_server::restconf::attach_database_events(&state, &args.db);
    if args.demo {
        let size = state
            .store()
            .size()
            .await
            .map_err(|e| Failure::operational(e.to_string()))?;
        if size == 0 {
            let appended = demo::load(&state.log)
                .await
                .map_err(|error| Failure::operational(format!("loading the demo: {error:?}")))?;
            tracing::info!(appended, "demo manufacturer loaded");
        }
    }
    state.log.ensure_checkpoint(0).await.map_err(|error| {
        Failure::operational(format!("signing the first checkpoint: {error:?}"))
    })?;
    println!("listening on {scheme}://{address}");
    let _ = std::io::stdout().flush();
    fixlog_server::listen::serve(listener, state, tls, shutdown_signal())
        .await
        .map_err(|error| Failure::operational(format!("server: {error}")))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Hides a password in a database URL.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// `fixlog keygen`.
pub fn keygen(args: KeygenArgs) -> Result<(), Failure> {
    let signer = keys::generate(&args.origin)
        .map_err(|error| Failure::operational(format!("--origin {error}")))?;
    keys::write(&args.out, &signer)
        .map_err(|error| Failure::operational(format!("--out {error}")))?;
    println!("{}", signer.verifier_key());
    Ok(())
}

/// `fixlog token create`.
pub async fn token_create(args: TokenCreateArgs) -> Result<(), Failure> {
    let role = Role::parse(&args.role).ok_or_else(|| {
        Failure::operational(format!(
            "--role {:?}: expected publisher, editor, approver or admin",
            args.role
        ))
    })?;
    let store = open_store(&args.db)
        .await
        .map_err(|error| Failure::operational(format!("--db {}: {error}", redact(&args.db))))?;
    let expires = args
        .expires_days
        .map(|days| OffsetDateTime::now_utc() + time::Duration::days(i64::from(days)));
    let token = create_token(store.as_ref(), &args.name, role, expires)
        .await
        .map_err(|error| Failure::operational(format!("creating token: {error}")))?;
    println!("{token}");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("sqlite://x.db"), "sqlite://x.db");
    }
}
