//! `fixlog verify`: checks a fixlog publisher from the outside. Fetch, parse, check, findings,
//! report.
//!
//! ```text
//! $ fixlog verify http://127.0.0.1:8080 --state ~/.fixlog-verify
//!
//! authentic
//!   info    authentic.key.first-use  http://…/tlog/key: trusting log key demo.fixlog.invalid/log+… on first use
//!   info    authentic.checkpoint.verified  http://…/tlog/checkpoint: size 42 root … signed by …
//!   info    authentic.tiles.verified  /tlog/tile: 1 hash tiles reproduce the signed root of size 42
//!   error   authentic.history.fork  http://…/tlog/checkpoint: size 42 has root … but … was verified before
//!
//! verdict: fail (1 errors, 0 warnings)
//! ```
//!
//! Each heading (CONTRACT.md "fixlog verify findings": accessible, well-formed, complete,
//! authentic) is a module whose `run` fetches through [`fetch::Fetcher`] and hands the bytes
//! to pure check functions returning [`Finding`]s. Only [`authentic`] exists so far; the
//! others slot in beside it in [`verify_publisher`].
//!
//! Trust: the log key is pinned (`--key`) or trusted on first use and remembered in the state
//! directory ([`state`]); each run recomputes every entry's inclusion from the served tiles
//! (never from `/proof`), compares the JSON API's documents with the signed bytes, and proves
//! consistency with the checkpoint the last clean run saved. Specifications:
//! [tlog-tiles](https://c2sp.org/tlog-tiles), [tlog-checkpoint](https://c2sp.org/tlog-checkpoint),
//! [RFC 9162 §2.1.4](https://www.rfc-editor.org/rfc/rfc9162#section-2.1.4).

pub mod authentic;
pub mod fetch;
pub mod finding;
pub mod offline;
pub mod report;
pub mod state;

use std::path::PathBuf;

pub use authentic::AuthenticInput;
pub use fetch::{FetchError, Fetcher};
pub use finding::{Finding, Heading, Severity};
pub use offline::{check_proof, verify_proof_files};
pub use report::{Checked, Report, Timings, Verdict};
pub use state::{SavedLog, StateDir, StateError};

/// Why a run could not check its subject (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The publisher could not be reached.
    #[error("{0}")]
    Fetch(#[from] FetchError),
    /// The state directory could not be read or written.
    #[error("--state {0}")]
    State(#[from] StateError),
    /// An input file could not be read or is not what it should be.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// What an online run needs.
#[derive(Clone, Debug)]
pub struct OnlineOptions {
    /// The publisher's base URL.
    pub url: String,
    /// Inputs of the authentic checks (pinned key, state directory).
    pub authentic: AuthenticInput,
    /// Requests in flight at most while fetching tiles.
    pub concurrency: usize,
}

/// Runs every check against the publisher at `options.url` and, when no finding is an error,
/// saves the verified checkpoint to the state directory.
pub async fn verify_publisher(options: &OnlineOptions) -> Result<Report, VerifyError> {
    let fetcher = Fetcher::new(&options.url, options.concurrency)?;
    let outcome = authentic::run(&fetcher, &options.authentic).await?;
    let mut checked = outcome.checked;
    let findings = outcome.findings;
    let clean = !findings.iter().any(Finding::is_error);
    if let (Some(state), Some(saved)) = (&options.authentic.state, &outcome.to_save) {
        if clean {
            state.save(saved)?;
        }
        checked.state_saved = Some(clean);
    }
    Ok(Report::new(options.url.clone(), findings, checked))
}
