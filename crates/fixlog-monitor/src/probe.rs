//! The probe: one HTTP/1.1 connection per attempt, built by hand on tokio, tokio-rustls and
//! hyper's client connection so that every phase can be timed — name resolution
//! (`lookup_host`), TCP connect, TLS handshake, first byte, last byte — and the raw request and
//! response bytes captured by a tee around the (plaintext side of the) stream.
//!
//! Requests on one connection are sequential (keep-alive, no pipelining), so the bytes written
//! and read between two requests are exactly one exchange.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use fixlog_evidence::{Exchange, Timings, TlsFacts};
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use url::Url;

use crate::FailureClass;

/// Bodies larger than this are cut off (and the probe fails with class `schema`).
pub const MAX_BODY: usize = 32 * 1024 * 1024;

/// Why a connection or request failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{class}: {message}")]
pub struct ProbeError {
    /// The failure class.
    pub class: FailureClass,
    /// What happened.
    pub message: String,
}

impl ProbeError {
    fn new(class: FailureClass, message: impl Into<String>) -> Self {
        Self {
            class,
            message: message.into(),
        }
    }
}

/// Builds the TLS client configuration: the system roots plus `extra_roots` (PEM).
pub fn tls_config(extra_roots: &[Vec<u8>]) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for certificate in native.certs {
        // A system certificate rustls cannot use is skipped, as every TLS client does.
        let _ = roots.add(certificate);
    }
    for pem in extra_roots {
        for certificate in CertificateDer::pem_slice_iter(pem) {
            let certificate = certificate.map_err(|error| format!("ca_file: {error}"))?;
            roots
                .add(certificate)
                .map_err(|error| format!("ca_file: {error}"))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| error.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Bytes that went over one connection, in each direction.
#[derive(Debug, Default)]
pub struct Wire {
    /// Everything written.
    pub written: Vec<u8>,
    /// Everything read.
    pub read: Vec<u8>,
}

/// A stream that appends what passes through it to a shared [`Wire`].
struct Tee<S> {
    inner: S,
    wire: Arc<Mutex<Wire>>,
}

fn lock(wire: &Mutex<Wire>) -> std::sync::MutexGuard<'_, Wire> {
    // A panic while holding the lock leaves plain byte buffers behind, still usable.
    wire.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl<S: AsyncRead + Unpin> AsyncRead for Tee<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buffer.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(context, buffer);
        if let Poll::Ready(Ok(())) = &result {
            let new = &buffer.filled()[before..];
            lock(&self.wire).read.extend_from_slice(new);
        }
        result
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tee<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(context, data);
        if let Poll::Ready(Ok(written)) = &result {
            lock(&self.wire)
                .written
                .extend_from_slice(&data[..*written]);
        }
        result
    }

    fn poll_flush(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(context)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(context)
    }
}

/// Plain TCP or TLS over TCP.
enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_read(context, buffer),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_read(context, buffer),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_write(context, data),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_write(context, data),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_flush(context),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(context),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_shutdown(context),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(context),
        }
    }
}

/// One response, read completely.
#[derive(Clone, Debug)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Media type (lowercase, without parameters).
    pub media_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
    /// SHA-256 (hex) of the body.
    pub sha256: String,
    /// Timings of this request (for the first request: from resolution on).
    pub timings: Timings,
}

/// Everything recorded during one attempt; kept outside the attempt's future so that a
/// timeout still leaves the partial exchanges behind.
#[derive(Debug, Default)]
pub struct Recorder {
    /// Exchanges completed or failed so far.
    pub exchanges: Vec<Exchange>,
    /// The wire of the open connection, for the exchange in flight.
    pub in_flight: Option<InFlight>,
    /// `notAfter` of the leaf certificate.
    pub tls_not_after: Option<OffsetDateTime>,
}

/// The request in flight when an attempt was cut off.
#[derive(Debug)]
pub struct InFlight {
    wire: Arc<Mutex<Wire>>,
    marks: (usize, usize),
    exchange: Exchange,
    started: Instant,
}

impl Recorder {
    /// Closes the exchange in flight with `error` (after a timeout).
    pub fn abandon(&mut self, error: &str) {
        if let Some(flight) = self.in_flight.take() {
            let mut exchange = flight.exchange;
            let wire = lock(&flight.wire);
            exchange.request = wire
                .written
                .get(flight.marks.0..)
                .unwrap_or_default()
                .to_vec();
            exchange.response = wire.read.get(flight.marks.1..).unwrap_or_default().to_vec();
            exchange.timings.total_ms = millis(flight.started);
            exchange.error = Some(error.to_owned());
            self.exchanges.push(exchange);
        }
    }
}

/// An open connection to a publisher.
pub struct Connection {
    sender: SendRequest<Empty<Bytes>>,
    driver: tokio::task::JoinHandle<()>,
    wire: Arc<Mutex<Wire>>,
    base: Url,
    host: String,
    ip: IpAddr,
    tls: Option<TlsFacts>,
    /// Setup timings, charged to the first request.
    setup: Option<(Instant, Timings)>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

fn millis(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn pem(der: &[u8]) -> String {
    let text = STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in text.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

fn not_after(der: &[u8]) -> Option<OffsetDateTime> {
    let (_, certificate) = x509_parser::parse_x509_certificate(der).ok()?;
    OffsetDateTime::from_unix_timestamp(certificate.validity().not_after.timestamp()).ok()
}

impl Connection {
    /// Resolves, connects and (for https) completes the TLS handshake with `base`'s host.
    pub async fn open(
        base: &Url,
        tls: &Arc<rustls::ClientConfig>,
        recorder: &mut Recorder,
    ) -> Result<Self, ProbeError> {
        let started = Instant::now();
        let started_at = OffsetDateTime::now_utc();
        let host = base
            .host_str()
            .ok_or_else(|| ProbeError::new(FailureClass::Dns, "the URL has no host"))?
            .to_owned();
        let port = base
            .port_or_known_default()
            .ok_or_else(|| ProbeError::new(FailureClass::Tcp, "the URL has no port"))?;
        let mut timings = Timings::default();
        let failed =
            |recorder: &mut Recorder, timings: &Timings, ip: Option<IpAddr>, error: &ProbeError| {
                recorder.exchanges.push(Exchange {
                    target_uri: base.to_string(),
                    ip,
                    started: started_at,
                    request: Vec::new(),
                    response: Vec::new(),
                    protocol: "http/1.1".to_owned(),
                    tls: None,
                    timings: Timings {
                        total_ms: millis(started),
                        ..timings.clone()
                    },
                    error: Some(error.to_string()),
                });
            };
        // An IP literal in brackets (`[::1]`) is looked up without them.
        let lookup_host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let addresses: Vec<SocketAddr> =
            match tokio::net::lookup_host((lookup_host.as_str(), port)).await {
                Ok(addresses) => addresses.collect(),
                Err(error) => {
                    let error = ProbeError::new(FailureClass::Dns, format!("{host}: {error}"));
                    failed(recorder, &timings, None, &error);
                    return Err(error);
                }
            };
        timings.dns_ms = Some(millis(started));
        let Some(address) = addresses.first().copied() else {
            let error = ProbeError::new(FailureClass::Dns, format!("{host}: no addresses"));
            failed(recorder, &timings, None, &error);
            return Err(error);
        };
        let connect_started = Instant::now();
        let tcp = match TcpStream::connect(address).await {
            Ok(tcp) => tcp,
            Err(error) => {
                let error = ProbeError::new(FailureClass::Tcp, format!("{address}: {error}"));
                failed(recorder, &timings, Some(address.ip()), &error);
                return Err(error);
            }
        };
        let _ = tcp.set_nodelay(true);
        timings.connect_ms = Some(millis(connect_started));
        let (stream, facts) = if base.scheme() == "https" {
            let tls_started = Instant::now();
            let name = ServerName::try_from(lookup_host.clone())
                .map_err(|error| ProbeError::new(FailureClass::Tls, format!("{host}: {error}")))?;
            let connector = TlsConnector::from(tls.clone());
            let stream = match connector.connect(name, tcp).await {
                Ok(stream) => stream,
                Err(error) => {
                    let error = ProbeError::new(FailureClass::Tls, format!("{host}: {error}"));
                    failed(recorder, &timings, Some(address.ip()), &error);
                    return Err(error);
                }
            };
            timings.tls_ms = Some(millis(tls_started));
            let session = stream.get_ref().1;
            let version = match session.protocol_version() {
                Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3".to_owned(),
                Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2".to_owned(),
                Some(other) => format!("{other:?}"),
                None => String::new(),
            };
            let chain: Vec<&CertificateDer<'_>> = session
                .peer_certificates()
                .unwrap_or_default()
                .iter()
                .collect();
            recorder.tls_not_after = chain.first().and_then(|leaf| not_after(leaf));
            let facts = TlsFacts {
                version,
                cipher: session
                    .negotiated_cipher_suite()
                    .map(|suite| format!("{:?}", suite.suite()))
                    .unwrap_or_default(),
                sni: Some(lookup_host.clone()),
                alpn: session
                    .alpn_protocol()
                    .map(|alpn| String::from_utf8_lossy(alpn).into_owned()),
                chain_pem: chain.iter().map(|der| pem(der)).collect(),
            };
            (Stream::Tls(Box::new(stream)), Some(facts))
        } else {
            (Stream::Plain(tcp), None)
        };
        let wire = Arc::new(Mutex::new(Wire::default()));
        let tee = Tee {
            inner: stream,
            wire: wire.clone(),
        };
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tee))
            .await
            .map_err(|error| ProbeError::new(FailureClass::Tcp, error.to_string()))?;
        let driver = tokio::spawn(async move {
            // The connection ends when the sender is dropped or the peer closes it; the
            // request that was waiting sees the error.
            let _ = connection.await;
        });
        let host_header = match base.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.clone(),
        };
        Ok(Self {
            sender,
            driver,
            wire,
            base: base.clone(),
            host: host_header,
            ip: address.ip(),
            tls: facts,
            setup: Some((started, timings)),
        })
    }

    /// The absolute URL of `path` (which starts with `/`) under the base URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base.as_str().trim_end_matches('/'))
    }

    /// GETs `path` and reads the whole response; records the exchange in `recorder`.
    pub async fn get(
        &mut self,
        path: &str,
        accept: &str,
        recorder: &mut Recorder,
    ) -> Result<Response, ProbeError> {
        let base_path = self.base.path().trim_end_matches('/');
        let target = format!("{base_path}{path}");
        let (started, mut timings) = match self.setup.take() {
            Some(setup) => setup,
            None => (Instant::now(), Timings::default()),
        };
        let request_started = Instant::now();
        let marks = {
            let wire = lock(&self.wire);
            (wire.written.len(), wire.read.len())
        };
        recorder.in_flight = Some(InFlight {
            wire: self.wire.clone(),
            marks,
            exchange: Exchange {
                target_uri: self.url(path),
                ip: Some(self.ip),
                started: OffsetDateTime::now_utc(),
                request: Vec::new(),
                response: Vec::new(),
                protocol: "http/1.1".to_owned(),
                tls: self.tls.clone(),
                timings: timings.clone(),
                error: None,
            },
            started,
        });
        let request = hyper::Request::get(target.as_str())
            .header(hyper::header::HOST, &self.host)
            .header(hyper::header::ACCEPT, accept)
            .header(
                hyper::header::USER_AGENT,
                concat!("fixlog-monitor/", env!("CARGO_PKG_VERSION")),
            )
            .body(Empty::<Bytes>::new())
            .map_err(|error| ProbeError::new(FailureClass::Tcp, error.to_string()))?;
        let outcome = async {
            let response = self
                .sender
                .send_request(request)
                .await
                .map_err(|error| ProbeError::new(FailureClass::Tcp, describe(&error)))?;
            timings.ttfb_ms = Some(millis(request_started));
            let status = response.status().as_u16();
            let media_type = response
                .headers()
                .get(hyper::header::CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.split(';').next())
                .map(|value| value.trim().to_ascii_lowercase());
            let mut body = Vec::new();
            let mut incoming = response.into_body();
            while let Some(frame) = incoming.frame().await {
                let frame =
                    frame.map_err(|error| ProbeError::new(FailureClass::Tcp, describe(&error)))?;
                if let Some(data) = frame.data_ref() {
                    if body.len() + data.len() > MAX_BODY {
                        return Err(ProbeError::new(
                            FailureClass::Schema,
                            format!("body larger than {MAX_BODY} bytes"),
                        ));
                    }
                    body.extend_from_slice(data);
                }
            }
            Ok((status, media_type, body))
        }
        .await;
        let mut flight = recorder
            .in_flight
            .take()
            .ok_or_else(|| ProbeError::new(FailureClass::Tcp, "request record lost"))?;
        timings.total_ms = millis(started);
        {
            let wire = lock(&self.wire);
            flight.exchange.request = wire.written.get(marks.0..).unwrap_or_default().to_vec();
            flight.exchange.response = wire.read.get(marks.1..).unwrap_or_default().to_vec();
        }
        flight.exchange.timings = timings.clone();
        match outcome {
            Ok((status, media_type, body)) => {
                recorder.exchanges.push(flight.exchange);
                Ok(Response {
                    status,
                    media_type,
                    sha256: hex::encode(Sha256::digest(&body)),
                    body,
                    timings,
                })
            }
            Err(error) => {
                flight.exchange.error = Some(error.to_string());
                recorder.exchanges.push(flight.exchange);
                Err(error)
            }
        }
    }
}

/// A hyper error with its causes, in one line.
fn describe(error: &hyper::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
