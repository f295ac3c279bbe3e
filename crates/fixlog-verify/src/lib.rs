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
//! to pure check functions returning [`Finding`]s: [`discover`] finds what is offered,
//! [`wellformed`], [`authentic`], [`complete`] and [`accessible`] check it, [`render`] prints it.
//!
//! Trust: the log key is pinned (`--key`) or trusted on first use and remembered in the state
//! directory ([`state`]); each run recomputes every entry's inclusion from the served tiles
//! (never from `/proof`), compares the JSON API's documents with the signed bytes, and proves
//! consistency with the checkpoint the last clean run saved. Specifications:
//! [tlog-tiles](https://c2sp.org/tlog-tiles), [tlog-checkpoint](https://c2sp.org/tlog-checkpoint),
//! [RFC 9162 §2.1.4](https://www.rfc-editor.org/rfc/rfc9162#section-2.1.4).

pub mod accessible;
pub mod authentic;
pub mod complete;
pub mod discover;
pub mod fetch;
pub mod finding;
pub mod offline;
pub mod render;
pub mod report;
pub mod state;
pub mod wellformed;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

pub use accessible::AccessOptions;
pub use complete::{CompleteOptions, DigestAlgorithm};

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

/// The function behind [`ProgressFn`]: `(phase, done, total)`.
pub type ProgressCallback = dyn Fn(&str, u64, u64) + Send + Sync;

/// A progress callback: `(phase, done, total)`. The binary draws a bar from it on a terminal.
#[derive(Clone)]
pub struct ProgressFn(pub Arc<ProgressCallback>);

impl ProgressFn {
    /// Reports that `done` of `total` items of `phase` are through.
    pub fn report(&self, phase: &str, done: u64, total: u64) {
        (self.0)(phase, done, total);
    }
}

impl std::fmt::Debug for ProgressFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressFn")
    }
}

/// An optional progress callback.
pub type Progress = Option<ProgressFn>;

/// What an online run needs.
#[derive(Clone, Debug)]
pub struct OnlineOptions {
    /// The publisher's base URL.
    pub url: String,
    /// Inputs of the authentic checks (pinned key, state directory).
    pub authentic: AuthenticInput,
    /// Requests in flight at most while fetching tiles.
    pub concurrency: usize,
    /// Thresholds of the accessible checks.
    pub access: AccessOptions,
    /// Options of the complete checks (accepted digests, maximum silence, the time of judging).
    pub complete: CompleteOptions,
    /// Extra trusted root certificates, PEM (`--ca`).
    pub extra_roots: Vec<Vec<u8>>,
    /// Progress callback.
    pub progress: Progress,
}

impl OnlineOptions {
    /// Defaults for the publisher at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            authentic: AuthenticInput::default(),
            concurrency: 8,
            access: AccessOptions::default(),
            complete: CompleteOptions::default(),
            extra_roots: Vec::new(),
            progress: None,
        }
    }
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Runs every check against the publisher at `options.url` — discovery, well-formed,
/// authentic, complete, then accessible over every request made — and, when no finding is an
/// error, saves the verified checkpoint to the state directory.
pub async fn verify_publisher(options: &OnlineOptions) -> Result<Report, VerifyError> {
    let fetcher = Fetcher::with_roots(&options.url, options.concurrency, &options.extra_roots)?;
    let progress = &options.progress;
    let mut phases = Vec::new();
    let mut findings = Vec::new();
    let mut checked = Checked::default();

    let started = Instant::now();
    if let Some(progress) = progress {
        progress.report("discovery", 0, 5);
    }
    let (offers, discovered, mut probes) = discover::run(&fetcher).await;
    phases.push(("discovery".to_owned(), elapsed_ms(started)));
    checked.offered = offers.names().into_iter().map(str::to_owned).collect();
    let tls_failure = probes.iter().any(|probe| {
        matches!(
            probe.failure,
            Some(
                fetch::probe::ProbeFailure::TlsExpired(_)
                    | fetch::probe::ProbeFailure::TlsUntrusted(_)
            )
        )
    });
    if probes.iter().all(|probe| probe.status.is_none()) && !tls_failure {
        let message = probes
            .first()
            .map(discover::describe)
            .unwrap_or_else(|| "no answer".to_owned());
        return Err(VerifyError::Fetch(FetchError::Transport {
            url: options.url.clone(),
            message,
        }));
    }
    if tls_failure {
        // Nothing fetched over an untrusted connection is worth checking.
        findings.extend(accessible::check_probes(
            &probes,
            &options.access,
            options.complete.now,
        ));
        checked.endpoints = accessible::timings(&probes);
        checked.phases = phases;
        checked
            .checks
            .push("TLS certificate of the publisher".to_owned());
        return Ok(Report::new(options.url.clone(), findings, checked));
    }
    findings.extend(discovered);

    let started = Instant::now();
    let wellformed = wellformed::run(&fetcher, &offers, &probes, progress).await;
    phases.push((
        "well-formed (fetch + validate)".to_owned(),
        elapsed_ms(started),
    ));
    for (name, ms) in &wellformed.phase_ms {
        phases.push((format!("  {name}"), *ms));
    }
    checked.checks.extend(wellformed.checks_done());
    findings.extend(wellformed.findings);
    probes.extend(wellformed.probes);

    let mut to_save = None;
    if offers.checkpoint {
        let started = Instant::now();
        if let Some(progress) = progress {
            progress.report("authentic: tiles and entries", 0, 1);
        }
        let outcome = authentic::run(&fetcher, &options.authentic).await?;
        phases.push((
            "authentic (key, checkpoint, tiles, bundles)".to_owned(),
            elapsed_ms(started),
        ));
        let authentic_checked = outcome.checked;
        findings.extend(outcome.findings);
        to_save = outcome.to_save;
        checked.origin = authentic_checked.origin;
        checked.key = authentic_checked.key;
        checked.key_source = authentic_checked.key_source;
        checked.size = authentic_checked.size;
        checked.root = authentic_checked.root;
        checked.consistent_from = authentic_checked.consistent_from;
        checked.tiles = authentic_checked.tiles;
        checked.entry_bundles = authentic_checked.entry_bundles;
        checked.entries = authentic_checked.entries;
        checked.api_entries = authentic_checked.api_entries;
        checked.timings = authentic_checked.timings;
        checked.checks.push(
            "transparency log: checkpoint signature, every tile, every entry bundle against its leaf, API documents against the signed bytes, consistency with --state".to_owned(),
        );
    }

    let started = Instant::now();
    findings.extend(complete::check(&wellformed.collected, &options.complete));
    checked.checks.push(format!(
        "completeness: releases (CVEs, affected versions, fixed version, release date, digest of {}), advisories, product coverage and silence (at most {} days), agreement of API/RESTCONF/CSAF views",
        options
            .complete
            .accepted_digests
            .iter()
            .map(|algorithm| algorithm.name())
            .collect::<Vec<_>>()
            .join(" or "),
        options.complete.max_silence.whole_days()
    ));
    findings.extend(accessible::check_probes(
        &probes,
        &options.access,
        options.complete.now,
    ));
    checked.checks.push(format!(
        "accessibility of {} requests: status, media type, redirects, response time, cache headers, TLS",
        probes.len()
    ));
    phases.push((
        "complete + accessible checks".to_owned(),
        elapsed_ms(started),
    ));
    checked.endpoints = accessible::timings(&probes);
    checked.phases = phases;

    let clean = !findings.iter().any(Finding::is_error);
    if let (Some(state), Some(saved)) = (&options.authentic.state, &to_save) {
        if clean {
            state.save(saved)?;
        }
        checked.state_saved = Some(clean);
    }
    Ok(Report::new(options.url.clone(), findings, checked))
}
