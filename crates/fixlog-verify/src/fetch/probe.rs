//! Probes: one GET (or POST) of a publisher endpoint, recorded with what the `accessible`
//! checks look at — status, media type, redirects followed by hand, response time, cache
//! headers and, over https, the TLS certificate the server presented.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::Fetcher;

/// Redirects followed at most before a probe gives up.
pub const MAX_REDIRECTS: usize = 5;

/// One redirect a probe followed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redirect {
    /// The 3xx status.
    pub status: u16,
    /// The URL that answered with it.
    pub from: String,
    /// Its `Location`, resolved.
    pub to: String,
}

/// Caching headers of a response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheHeaders {
    /// `Cache-Control`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    /// `ETag`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// `Last-Modified`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

/// Why a probe got no HTTP answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "message", rename_all = "kebab-case")]
pub enum ProbeFailure {
    /// The server's certificate has expired (or is not yet valid).
    TlsExpired(String),
    /// The server's certificate is not trusted (unknown issuer, wrong name, bad signature).
    TlsUntrusted(String),
    /// Connection refused, reset, timed out, or more than [`MAX_REDIRECTS`] redirects.
    Transport(String),
}

/// One request and what came back.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    /// What the probe is for (`page`, `checkpoint`, `csaf-document`, …); the `accessible`
    /// checks pick the expected media type by it.
    pub role: String,
    /// The URL asked for.
    pub url: String,
    /// The URL that answered last (after redirects).
    pub final_url: String,
    /// HTTP status of the last answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// `Content-Type` of the last answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Caching headers of the last answer.
    pub cache: CacheHeaders,
    /// Redirects followed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redirects: Vec<Redirect>,
    /// Time from sending the first request to the end of the last body, in milliseconds.
    pub elapsed_ms: f64,
    /// Body length in bytes.
    pub size: u64,
    /// The body (not serialized).
    #[serde(skip)]
    pub body: Vec<u8>,
    /// DER of the server's end-entity certificate, over https.
    #[serde(skip)]
    pub peer_certificate: Option<Vec<u8>>,
    /// Why no answer came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<ProbeFailure>,
}

impl Probe {
    /// Whether the final answer was 2xx.
    pub fn ok(&self) -> bool {
        matches!(self.status, Some(200..=299))
    }

    /// Whether the server answered 404 or 410 (the resource is not offered).
    pub fn absent(&self) -> bool {
        matches!(self.status, Some(404 | 410))
    }

    /// HTTP 404, 405, 410 or 501: the resource or operation does not exist here (as a POST
    /// to a static mirror answers), rather than failed.
    pub fn operation_absent(&self) -> bool {
        matches!(self.status, Some(404 | 405 | 410 | 501))
    }

    /// The media type without parameters, lowercase.
    pub fn media_type(&self) -> Option<String> {
        self.content_type.as_deref().map(|value| {
            value
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
    }

    /// The body as UTF-8, if it is.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }

    /// The body as JSON, if it is.
    pub fn json(&self) -> Option<serde_json::Value> {
        if self.ok() {
            serde_json::from_slice(&self.body).ok()
        } else {
            None
        }
    }
}

/// Classifies a reqwest error by walking its sources for a rustls certificate error.
fn classify(error: &reqwest::Error) -> ProbeFailure {
    let text = error_chain(error);
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(rustls::Error::InvalidCertificate(certificate)) =
            current.downcast_ref::<rustls::Error>()
        {
            return match certificate {
                rustls::CertificateError::Expired
                | rustls::CertificateError::ExpiredContext { .. }
                | rustls::CertificateError::NotValidYet
                | rustls::CertificateError::NotValidYetContext { .. } => {
                    ProbeFailure::TlsExpired(text)
                }
                _ => ProbeFailure::TlsUntrusted(text),
            };
        }
        source = current.source();
    }
    // The platform verifier reports some failures only as text.
    let lower = text.to_ascii_lowercase();
    if lower.contains("expired") || lower.contains("not valid yet") {
        ProbeFailure::TlsExpired(text)
    } else if lower.contains("certificate") {
        ProbeFailure::TlsUntrusted(text)
    } else {
        ProbeFailure::Transport(text)
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(current) = source {
        let part = current.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = current.source();
    }
    text
}

impl Fetcher {
    /// GETs `path_or_url` (a path on the publisher, or an absolute URL) with `accept`,
    /// following redirects by hand and recording everything [`Probe`] holds.
    pub async fn probe(&self, role: &str, path_or_url: &str, accept: &str) -> Probe {
        let url = self.resolve(path_or_url);
        self.send(role, url, accept, None).await
    }

    /// POSTs a JSON body with `content_type` to `path_or_url`, recorded as a probe.
    pub async fn probe_post(
        &self,
        role: &str,
        path_or_url: &str,
        content_type: &str,
        body: &serde_json::Value,
    ) -> Probe {
        let url = self.resolve(path_or_url);
        self.send(
            role,
            url,
            content_type,
            Some((content_type, body.to_string())),
        )
        .await
    }

    /// An absolute URL for a path on the publisher, or the URL itself.
    pub fn resolve(&self, path_or_url: &str) -> String {
        if path_or_url.starts_with("http://") || path_or_url.starts_with("https://") {
            path_or_url.to_owned()
        } else if path_or_url.starts_with('/') {
            self.url(path_or_url)
        } else {
            self.url(&format!("/{path_or_url}"))
        }
    }

    async fn send(
        &self,
        role: &str,
        url: String,
        accept: &str,
        post: Option<(&str, String)>,
    ) -> Probe {
        let started = Instant::now();
        let mut probe = Probe {
            role: role.to_owned(),
            url: url.clone(),
            final_url: url.clone(),
            ..Probe::default()
        };
        let mut current = url;
        loop {
            let request = match &post {
                Some((content_type, body)) => self
                    .probe_client
                    .post(&current)
                    .header("content-type", *content_type)
                    .header("accept", accept)
                    .body(body.clone()),
                None => self.probe_client.get(&current).header("accept", accept),
            };
            let response = match request.send().await {
                Ok(response) => response,
                Err(error) => {
                    probe.failure = Some(classify(&error));
                    break;
                }
            };
            let status = response.status().as_u16();
            if let Some(info) = response.extensions().get::<reqwest::tls::TlsInfo>() {
                probe.peer_certificate = info.peer_certificate().map(<[u8]>::to_vec);
            }
            if response.status().is_redirection()
                && let Some(location) = response
                    .headers()
                    .get("location")
                    .and_then(|value| value.to_str().ok())
            {
                let to = response
                    .url()
                    .join(location)
                    .map_or_else(|_| location.to_owned(), |url| url.to_string());
                probe.redirects.push(Redirect {
                    status,
                    from: current.clone(),
                    to: to.clone(),
                });
                if probe.redirects.len() > MAX_REDIRECTS {
                    probe.failure = Some(ProbeFailure::Transport(format!(
                        "more than {MAX_REDIRECTS} redirects"
                    )));
                    break;
                }
                current = to;
                continue;
            }
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned)
            };
            probe.status = Some(status);
            probe.final_url = current.clone();
            probe.content_type = header("content-type");
            probe.cache = CacheHeaders {
                cache_control: header("cache-control"),
                etag: header("etag"),
                last_modified: header("last-modified"),
            };
            match response.bytes().await {
                Ok(body) => {
                    probe.size = body.len() as u64;
                    probe.body = body.to_vec();
                }
                Err(error) => probe.failure = Some(classify(&error)),
            }
            break;
        }
        probe.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        probe
    }

    /// Opens `url` as a server-sent event stream and collects the `data:` payloads until
    /// `done` says the last one arrived, the stream ends, or `limit` passes.
    pub async fn event_stream(
        &self,
        role: &str,
        url: &str,
        limit: Duration,
        done: impl Fn(&str) -> bool,
    ) -> (Probe, Vec<String>) {
        let started = Instant::now();
        let mut probe = Probe {
            role: role.to_owned(),
            url: url.to_owned(),
            final_url: url.to_owned(),
            ..Probe::default()
        };
        let mut events = Vec::new();
        let response = self
            .probe_client
            .get(url)
            .header("accept", "text/event-stream")
            .timeout(limit)
            .send()
            .await;
        match response {
            Err(error) => probe.failure = Some(classify(&error)),
            Ok(mut response) => {
                probe.status = Some(response.status().as_u16());
                probe.content_type = response
                    .headers()
                    .get("content-type")
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned);
                let mut pending = Vec::new();
                let mut data = String::new();
                'read: while response.status().is_success() {
                    let chunk = match tokio::time::timeout(
                        limit.saturating_sub(started.elapsed()),
                        response.chunk(),
                    )
                    .await
                    {
                        Ok(Ok(Some(chunk))) => chunk,
                        _ => break,
                    };
                    probe.size += chunk.len() as u64;
                    pending.extend_from_slice(&chunk);
                    while let Some(end) = pending.iter().position(|&byte| byte == b'\n') {
                        let line: Vec<u8> = pending.drain(..=end).collect();
                        let line = String::from_utf8_lossy(&line);
                        let line = line.trim_end_matches(['\n', '\r']);
                        if let Some(payload) = line.strip_prefix("data:") {
                            if !data.is_empty() {
                                data.push('\n');
                            }
                            data.push_str(payload.strip_prefix(' ').unwrap_or(payload));
                        } else if line.is_empty() && !data.is_empty() {
                            let event = std::mem::take(&mut data);
                            let last = done(&event);
                            events.push(event);
                            if last {
                                break 'read;
                            }
                        }
                    }
                }
            }
        }
        probe.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        (probe, events)
    }
}
