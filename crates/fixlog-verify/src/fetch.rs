//! Fetching: the only module that does network I/O. Checks never call it; the runner fetches,
//! then hands bytes to the pure checks.

pub mod probe;

use std::collections::BTreeMap;
use std::time::Duration;

use fixlog_api::EntryPage;
use fixlog_tlog::TilePath;
use tokio::task::JoinSet;

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The request did not get an answer (connection refused, timeout, TLS).
    #[error("{url}: {message}")]
    Transport {
        /// The URL asked for.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The server answered with a non-2xx status.
    #[error("{url}: HTTP {status}")]
    Status {
        /// The URL asked for.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The body is not what the route promises (not UTF-8, not the JSON type).
    #[error("{url}: {message}")]
    Body {
        /// The URL asked for.
        url: String,
        /// What is wrong with it.
        message: String,
    },
}

impl FetchError {
    /// Whether the server could not be reached at all (as opposed to answering badly).
    pub fn is_transport(&self) -> bool {
        matches!(self, Self::Transport { .. })
    }
}

/// Largest page the entries route serves.
pub const ENTRY_PAGE_LIMIT: u32 = 1000;

/// An HTTP client bound to one publisher base URL.
#[derive(Clone, Debug)]
pub struct Fetcher {
    client: reqwest::Client,
    /// Follows no redirects itself and keeps the TLS peer certificate ([`probe`]).
    probe_client: reqwest::Client,
    base: String,
    concurrency: usize,
}

impl Fetcher {
    /// A fetcher for the publisher at `base` (e.g. `https://psirt.example.com`), with
    /// `concurrency` requests in flight at most for tiles and bundles.
    pub fn new(base: &str, concurrency: usize) -> Result<Self, FetchError> {
        Self::with_roots(base, concurrency, &[])
    }

    /// Like [`Fetcher::new`], also trusting the PEM certificates in `extra_roots` (`--ca`).
    pub fn with_roots(
        base: &str,
        concurrency: usize,
        extra_roots: &[Vec<u8>],
    ) -> Result<Self, FetchError> {
        // reqwest is built without a default crypto provider; use ring unless the program
        // installed one already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let transport = |message: String| FetchError::Transport {
            url: base.to_owned(),
            message,
        };
        let mut roots = Vec::new();
        for pem in extra_roots {
            roots.extend(
                reqwest::Certificate::from_pem_bundle(pem)
                    .map_err(|error| transport(format!("--ca: {error}")))?,
            );
        }
        let builder = || {
            let mut builder = reqwest::Client::builder()
                .user_agent(concat!("fixlog-verify/", env!("CARGO_PKG_VERSION")))
                .timeout(Duration::from_secs(60));
            for root in &roots {
                builder = builder.add_root_certificate(root.clone());
            }
            builder
        };
        let client = builder()
            .build()
            .map_err(|error| transport(error.to_string()))?;
        let probe_client = builder()
            .redirect(reqwest::redirect::Policy::none())
            .tls_info(true)
            .build()
            .map_err(|error| transport(error.to_string()))?;
        Ok(Self {
            client,
            probe_client,
            base: base.trim_end_matches('/').to_owned(),
            concurrency: concurrency.max(1),
        })
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GETs `path` and returns the body of a 2xx answer.
    pub async fn bytes(&self, path: &str) -> Result<Vec<u8>, FetchError> {
        get(&self.client, self.url(path)).await
    }

    /// GETs `path` as UTF-8 text.
    pub async fn text(&self, path: &str) -> Result<String, FetchError> {
        let url = self.url(path);
        let body = get(&self.client, url.clone()).await?;
        String::from_utf8(body).map_err(|_| FetchError::Body {
            url,
            message: "body is not UTF-8".to_owned(),
        })
    }

    /// GETs one page of `/api/v1/entries`.
    pub async fn entry_page(&self, after: u64) -> Result<EntryPage, FetchError> {
        let url = self.url(&format!(
            "/api/v1/entries?after={after}&limit={ENTRY_PAGE_LIMIT}"
        ));
        let body = get(&self.client, url.clone()).await?;
        serde_json::from_slice(&body).map_err(|error| FetchError::Body {
            url,
            message: format!("not an entry page: {error}"),
        })
    }

    /// GETs `/tlog/<tile path>` for every tile, `concurrency` at a time. Each tile maps to its
    /// body or to the error that kept it.
    pub async fn tiles(
        &self,
        tiles: &[TilePath],
    ) -> BTreeMap<TilePath, Result<Vec<u8>, FetchError>> {
        let mut results = BTreeMap::new();
        let mut pending = tiles.iter().copied();
        let mut running = JoinSet::new();
        loop {
            while running.len() < self.concurrency {
                let Some(tile) = pending.next() else { break };
                let client = self.client.clone();
                let url = self.url(&format!("/tlog/{tile}"));
                running.spawn(async move { (tile, get(&client, url).await) });
            }
            match running.join_next().await {
                Some(Ok((tile, result))) => {
                    results.insert(tile, result);
                }
                Some(Err(error)) => std::panic::resume_unwind(error.into_panic()),
                None => break,
            }
        }
        results
    }
}

async fn get(client: &reqwest::Client, url: String) -> Result<Vec<u8>, FetchError> {
    let transport = |error: reqwest::Error| FetchError::Transport {
        url: url.clone(),
        message: error.to_string(),
    };
    let response = client.get(&url).send().await.map_err(transport)?;
    let status = response.status();
    if !status.is_success() {
        return Err(FetchError::Status {
            url,
            status: status.as_u16(),
        });
    }
    let body = response.bytes().await.map_err(transport)?;
    Ok(body.to_vec())
}
