//! The accept loop: per-address and total connection caps, a deadline for the first request
//! head (and the TLS handshake), HTTP/1.1 header read timeouts, native TLS from PEM files,
//! and graceful shutdown.
//!
//! A connection over a cap is answered `429` (plain HTTP, problem+json, `Retry-After`) or
//! closed (TLS, before the handshake) without reading anything. Until the first request head
//! is complete a connection must make progress within [`crate::limits::ClientLimits::header_timeout`]; after
//! that hyper's `header_read_timeout` bounds each later request head. Idle SSE readers are
//! bounded by the caps and by the RESTCONF limits, not by a timeout.

use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

use crate::AppState;
use crate::limits::ConnectionRefused;

/// How long shutdown waits for open connections (SSE readers never finish by themselves).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Why the TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate file could not be read or holds no PEM certificate.
    #[error("--tls-cert {path}: {message}")]
    Certificate {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The key file could not be read or holds no PEM private key.
    #[error("--tls-key {path}: {message}")]
    Key {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// rustls refused the pair (e.g. the key does not match the certificate).
    #[error("--tls-cert/--tls-key: {message}")]
    Mismatch {
        /// What rustls said.
        message: String,
    },
}

/// A rustls server configuration (TLS 1.2 and 1.3, ALPN h2 and http/1.1) from a PEM
/// certificate chain and a PEM private key (PKCS#8, PKCS#1 or SEC1).
pub fn tls_config(cert: &Path, key: &Path) -> Result<rustls::ServerConfig, TlsError> {
    let certificate_error = |message: String| TlsError::Certificate {
        path: cert.display().to_string(),
        message,
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|error| certificate_error(error.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| certificate_error(error.to_string()))?;
    if chain.is_empty() {
        return Err(certificate_error("no PEM CERTIFICATE block".to_owned()));
    }
    let private_key = PrivateKeyDer::from_pem_file(key).map_err(|error| TlsError::Key {
        path: key.display().to_string(),
        message: error.to_string(),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| TlsError::Mismatch {
            message: error.to_string(),
        })?
        .with_no_client_auth()
        .with_single_cert(chain, private_key)
        .map_err(|error| TlsError::Mismatch {
            message: error.to_string(),
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Serves `app(state)` on `listener` (over TLS when `tls` is given) until `shutdown`
/// completes, enforcing `state.guard`'s connection limits and timeouts.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let guard = Arc::clone(&state.guard);
    let limits = guard.limits.clone();
    let router = crate::app(state);
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(64 * 1024);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(30)))
        .keep_alive_timeout(Duration::from_secs(20))
        .max_concurrent_streams(Some(128));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // EMFILE and friends: wait instead of spinning; the loop goes on.
                    tracing::warn!(%error, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let slot = match guard.connections.open(peer.ip(), &limits) {
            Ok(slot) => slot,
            Err(refused) => {
                tracing::debug!(%peer, %refused, "refusing a connection");
                if acceptor.is_none() {
                    refuse(&stream, refused);
                }
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let first_request = Arc::new(AtomicBool::new(false));
        let service = {
            let first_request = Arc::clone(&first_request);
            TowerToHyperService::new(router.clone().map_request(
                move |mut request: Request<Incoming>| {
                    first_request.store(true, Ordering::Relaxed);
                    request.extensions_mut().insert(ConnectInfo(peer));
                    request
                },
            ))
        };
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let acceptor = acceptor.clone();
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            let _slot = slot;
            let result = match acceptor {
                None => {
                    let io = FirstRequestDeadline::new(stream, header_timeout, first_request);
                    let connection = builder.serve_connection(TokioIo::new(io), service);
                    watcher.watch(connection).await
                }
                Some(acceptor) => {
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(header_timeout, acceptor.accept(stream)).await
                    else {
                        return;
                    };
                    let io = FirstRequestDeadline::new(stream, header_timeout, first_request);
                    let connection = builder.serve_connection(TokioIo::new(io), service);
                    watcher.watch(connection).await
                }
            };
            if let Err(error) = result {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::info!("shutting down with connections still open");
        },
    }
    Ok(())
}

/// Answers a refused plain-HTTP connection with a `429` problem, best effort, and closes it.
fn refuse(stream: &TcpStream, refused: ConnectionRefused) {
    let body = format!(
        r#"{{"type":"https://fixlog.dev/problems/too-many-connections","title":"Too many connections","status":429,"detail":"{refused}"}}"#
    );
    let response = format!(
        "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/problem+json\r\n\
         retry-after: 5\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.try_write(response.as_bytes());
}

/// A stream that fails reads with `TimedOut` when no complete request head has arrived
/// within the deadline; once the first request reached the service it is transparent.
/// This also covers the protocol sniffing of the auto builder, before hyper's own header
/// timeout starts.
struct FirstRequestDeadline<S> {
    inner: S,
    deadline: Pin<Box<tokio::time::Sleep>>,
    first_request: Arc<AtomicBool>,
}

impl<S> FirstRequestDeadline<S> {
    fn new(inner: S, timeout: Duration, first_request: Arc<AtomicBool>) -> Self {
        Self {
            inner,
            deadline: Box::pin(tokio::time::sleep(timeout)),
            first_request,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for FirstRequestDeadline<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.first_request.load(Ordering::Relaxed)
            && self.deadline.as_mut().poll(context).is_ready()
        {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "no complete request head within the header timeout",
            )));
        }
        Pin::new(&mut self.inner).poll_read(context, buffer)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for FirstRequestDeadline<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(context, buffer)
    }

    fn poll_flush(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(context)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(context)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffers: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(context, buffers)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
