//! One attempt of a probe: `GET /tlog/checkpoint` (the timed request whose latency is the
//! sample's), then verify-lite on the same connection — the checkpoint's signature against the
//! pinned or trusted-on-first-use log key, every entry of `/api/v1/entries` parsed and hashed
//! into the signed root, and consistency with the previously stored checkpoint proven from the
//! publisher's hash tiles (only the tiles the proof needs).
//!
//! The decisions are `fixlog-verify`'s pure checks ([`check_checkpoint`], [`check_history`]);
//! this module fetches and maps their finding ids to failure and change classes.

use std::time::Duration;

use fixlog_api::EntryPage;
use fixlog_formats::EntryDoc;
use fixlog_tlog::{
    Checkpoint, MemoryTree, TileLookup, Verifier, consistency_proof_nodes, leaf_hash, parse_note,
    tiles_for_nodes,
};
use fixlog_verify::authentic::checks::{check_checkpoint, check_history};
use time::OffsetDateTime;

use crate::FailureClass;
use crate::config::Endpoint;
use crate::probe::{Connection, ProbeError, Recorder, Response};
use crate::snapshot::{Change, Snapshot};

/// Entries asked for per page.
const PAGE_LIMIT: u32 = 1000;

/// What the endpoint was trusted with before this attempt.
#[derive(Clone, Debug, Default)]
pub struct Trust {
    /// The pinned key, else the one trusted on first use.
    pub key: Option<Verifier>,
    /// The last verified checkpoint note.
    pub checkpoint: Option<String>,
}

/// What a verified attempt saw.
#[derive(Clone, Debug)]
pub struct Observed {
    /// The checkpoint note as served.
    pub note: String,
    /// Its parsed form.
    pub checkpoint: Checkpoint,
    /// The key it verified with.
    pub key: Verifier,
    /// The content snapshot.
    pub snapshot: Snapshot,
    /// A checkpoint-level change (`checkpoint-fork`, `checkpoint-rollback`,
    /// `checkpoint-inconsistent`) against the trusted one.
    pub history_change: Option<Change>,
}

/// The result of one attempt.
#[derive(Debug)]
pub struct Attempt {
    /// When it started.
    pub started: OffsetDateTime,
    /// Every exchange, the TLS expiry.
    pub recorder: Recorder,
    /// The timed first request's response.
    pub main: Option<Response>,
    /// Total time of the first request (or of the attempt until it failed), in ms.
    pub latency_ms: f64,
    /// The first assertion that failed.
    pub failure: Option<ProbeError>,
    /// What verify-lite established (also when the consistency check failed).
    pub observed: Option<Observed>,
}

fn fail(class: FailureClass, message: impl Into<String>) -> ProbeError {
    ProbeError {
        class,
        message: message.into(),
    }
}

/// Asserts a 200 of `expected` media type; an HTML page instead of it is a bot block.
fn expect(response: &Response, expected: &str, what: &str) -> Result<(), ProbeError> {
    let media_type = response.media_type.as_deref().unwrap_or("");
    if response.status != 200 {
        // A challenge page is served with 403/429/503 and HTML.
        if matches!(response.status, 403 | 429 | 503) && media_type == "text/html" {
            return Err(fail(
                FailureClass::BotBlock,
                format!(
                    "{what}: HTML challenge page with status {}",
                    response.status
                ),
            ));
        }
        return Err(fail(
            FailureClass::HttpStatus,
            format!("{what}: status {}", response.status),
        ));
    }
    if media_type != expected {
        let class = if media_type == "text/html" {
            FailureClass::BotBlock
        } else {
            FailureClass::MediaType
        };
        return Err(fail(
            class,
            format!("{what}: media type {media_type:?}, expected {expected}"),
        ));
    }
    Ok(())
}

/// Runs one attempt against `endpoint` within its timeout.
pub async fn attempt(
    endpoint: &Endpoint,
    tls: &std::sync::Arc<rustls::ClientConfig>,
    trust: &Trust,
) -> Attempt {
    let started = OffsetDateTime::now_utc();
    let clock = std::time::Instant::now();
    let mut recorder = Recorder::default();
    let mut main = None;
    let mut observed = None;
    let outcome = tokio::time::timeout(
        endpoint.timeout,
        run(
            endpoint,
            tls,
            trust,
            &mut recorder,
            &mut main,
            &mut observed,
        ),
    )
    .await;
    let failure = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(error)) => Some(error),
        Err(_) => {
            let message = format!(
                "no answer within {}",
                humantime::format_duration(endpoint.timeout)
            );
            recorder.abandon(&message);
            Some(fail(FailureClass::Timeout, message))
        }
    };
    let latency_ms = main
        .as_ref()
        .map(|response: &Response| response.timings.total_ms)
        .unwrap_or_else(|| clock.elapsed().as_secs_f64() * 1000.0);
    // The latency budget is the last assertion: a slow but otherwise good answer fails it.
    let failure = match (failure, endpoint.latency_budget) {
        (None, Some(budget)) if latency_ms > budget.as_secs_f64() * 1000.0 => Some(fail(
            FailureClass::Latency,
            format!(
                "first request took {latency_ms:.1} ms, budget {}",
                humantime::format_duration(budget)
            ),
        )),
        (failure, _) => failure,
    };
    Attempt {
        started,
        recorder,
        main,
        latency_ms,
        failure,
        observed,
    }
}

async fn run(
    endpoint: &Endpoint,
    tls: &std::sync::Arc<rustls::ClientConfig>,
    trust: &Trust,
    recorder: &mut Recorder,
    main: &mut Option<Response>,
    observed: &mut Option<Observed>,
) -> Result<(), ProbeError> {
    let mut connection = Connection::open(&endpoint.url, tls, recorder).await?;
    let response = connection
        .get("/tlog/checkpoint", "text/plain", recorder)
        .await?;
    *main = Some(response.clone());
    expect(&response, "text/plain", "/tlog/checkpoint")?;
    if !endpoint.verify {
        return Ok(());
    }
    let note = String::from_utf8(response.body.clone())
        .map_err(|_| fail(FailureClass::Schema, "/tlog/checkpoint: not UTF-8"))?;

    // What is no signed note is a format failure, whatever key would have been used.
    parse_note(&note).map_err(|error| {
        fail(
            FailureClass::Schema,
            format!("/tlog/checkpoint: not a signed note: {error}"),
        )
    })?;

    // The key: pinned, remembered, or served now and trusted on first use.
    let key = match &trust.key {
        Some(key) => key.clone(),
        None => {
            let served = connection.get("/tlog/key", "text/plain", recorder).await?;
            expect(&served, "text/plain", "/tlog/key")?;
            let text = String::from_utf8_lossy(&served.body).trim().to_owned();
            Verifier::from_vkey(&text).map_err(|error| {
                fail(
                    FailureClass::Schema,
                    format!("/tlog/key: {text:?} is not a verifier key: {error}"),
                )
            })?
        }
    };
    let subject = connection.url("/tlog/checkpoint");
    let (checkpoint, findings) = check_checkpoint(&note, &key, &subject);
    let Some(checkpoint) = checkpoint else {
        let finding = findings.into_iter().find(|finding| finding.is_error());
        let (class, message) = match finding {
            Some(finding) if finding.id == "authentic.checkpoint.malformed" => {
                (FailureClass::Schema, finding.message)
            }
            Some(finding) => (FailureClass::Signature, finding.message),
            None => (
                FailureClass::Signature,
                "the checkpoint does not verify".to_owned(),
            ),
        };
        return Err(fail(class, format!("/tlog/checkpoint: {message}")));
    };

    // Every entry up to the signed size, parsed, hashed into the signed root.
    let mut entries: Vec<(EntryDoc, Vec<u8>)> = Vec::new();
    let mut after = 0;
    while after < checkpoint.size {
        let path = format!("/api/v1/entries?after={after}&limit={PAGE_LIMIT}");
        let page = connection.get(&path, "application/json", recorder).await?;
        expect(&page, "application/json", "/api/v1/entries")?;
        let page: EntryPage = serde_json::from_slice(&page.body)
            .map_err(|error| fail(FailureClass::Schema, format!("/api/v1/entries: {error}")))?;
        let last = page.entries.last().map(|entry| entry.seq);
        for entry in page.entries {
            if entry.seq > checkpoint.size {
                break;
            }
            let expected = entries.len() as u64 + 1;
            if entry.seq != expected {
                return Err(fail(
                    FailureClass::Schema,
                    format!(
                        "/api/v1/entries: seq {} where {expected} was due",
                        entry.seq
                    ),
                ));
            }
            let bytes = entry.canonical_bytes().map_err(|error| {
                fail(
                    FailureClass::Schema,
                    format!("/api/v1/entries: entry {}: {error}", entry.seq),
                )
            })?;
            entries.push((entry, bytes));
        }
        match (page.next_after, last) {
            (Some(next), Some(_)) if next > after => after = next,
            _ => break,
        }
    }
    if (entries.len() as u64) < checkpoint.size {
        return Err(fail(
            FailureClass::Schema,
            format!(
                "/api/v1/entries: {} entries served, the checkpoint signs {}",
                entries.len(),
                checkpoint.size
            ),
        ));
    }
    let mut tree = MemoryTree::new();
    for (_, bytes) in &entries {
        tree.push_hash(leaf_hash(bytes));
    }
    if tree.root() != checkpoint.root {
        return Err(fail(
            FailureClass::Signature,
            format!(
                "/api/v1/entries: the {} entries do not hash to the signed root",
                checkpoint.size
            ),
        ));
    }

    let snapshot = Snapshot::build(&entries);
    let history_change = match &trust.checkpoint {
        None => None,
        Some(previous) => {
            consistency(&mut connection, recorder, previous, &checkpoint, &subject).await?
        }
    };
    let failure = history_change.as_ref().map(|change| {
        fail(
            FailureClass::Consistency,
            format!("{}: {}", change.class, change.detail),
        )
    });
    *observed = Some(Observed {
        note,
        checkpoint,
        key,
        snapshot,
        history_change,
    });
    match failure {
        Some(failure) => Err(failure),
        None => Ok(()),
    }
}

/// Proves `current` consistent with the `previous` note from the tiles the proof needs;
/// returns the change when it is not.
async fn consistency(
    connection: &mut Connection,
    recorder: &mut Recorder,
    previous: &str,
    current: &Checkpoint,
    subject: &str,
) -> Result<Option<Change>, ProbeError> {
    let saved = parse_note(previous)
        .ok()
        .and_then(|note| Checkpoint::parse(&note.text).ok())
        .ok_or_else(|| {
            fail(
                FailureClass::Consistency,
                "the stored checkpoint is unreadable",
            )
        })?;
    let mut lookup = TileLookup::new(current.size);
    if saved.size > 0 && saved.size < current.size {
        let nodes = consistency_proof_nodes(saved.size, current.size)
            .map_err(|error| fail(FailureClass::Consistency, error.to_string()))?;
        for path in tiles_for_nodes(&nodes, current.size) {
            let tile = connection
                .get(
                    &format!("/tlog/{path}"),
                    "application/octet-stream",
                    recorder,
                )
                .await?;
            if tile.status != 200 {
                return Err(fail(
                    FailureClass::HttpStatus,
                    format!("/tlog/{path}: status {}", tile.status),
                ));
            }
            lookup
                .insert(&path, tile.body)
                .map_err(|error| fail(FailureClass::Schema, format!("/tlog/{path}: {error}")))?;
        }
    }
    let finding = check_history(&saved, current, &lookup, subject)
        .into_iter()
        .find(|finding| finding.is_error());
    Ok(finding.map(|finding| {
        let class = match finding.id.as_str() {
            "authentic.history.rollback" => "checkpoint-rollback",
            "authentic.history.fork" => "checkpoint-fork",
            _ => "checkpoint-inconsistent",
        };
        Change {
            class: class.to_owned(),
            subject: format!("size {} → {}", saved.size, current.size),
            detail: finding.message,
        }
    }))
}

/// How long until the next probe: the interval plus a random share of the jitter.
pub fn next_delay(interval: Duration, jitter: Duration) -> Duration {
    if jitter.is_zero() {
        return interval;
    }
    let mut bytes = [0u8; 8];
    // Without randomness the jitter is skipped rather than the probe.
    if getrandom::fill(&mut bytes).is_err() {
        return interval;
    }
    let fraction = u64::from_le_bytes(bytes) as f64 / u64::MAX as f64;
    interval + jitter.mul_f64(fraction)
}
