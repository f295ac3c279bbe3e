//! `fixlog serve`, `fixlog keygen`, `fixlog token create`.

use std::io::Write;

use fixlog_server::auth::{Role, create_token};
use fixlog_server::storage::open_store;
use fixlog_server::{AppState, demo, keys};
use time::OffsetDateTime;

use crate::Failure;
use crate::cli::{KeygenArgs, ServeArgs, TokenCreateArgs};

/// Runs the publisher until Ctrl-C or SIGTERM.
pub async fn serve(args: ServeArgs) -> Result<(), Failure> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FIXLOG_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
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
        .unwrap_or_else(|| format!("http://{address}"));
    let witnesses = crate::witness::witnesses_argument(&args.witnesses)?;
    let mut state = AppState::new(store, signer, &public_url).with_witnesses(witnesses);
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
    println!("listening on http://{address}");
    let _ = std::io::stdout().flush();
    fixlog_server::serve(listener, state, shutdown_signal())
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
