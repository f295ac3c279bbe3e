//! The `authentic` heading: the log key, the signed checkpoint, every entry's inclusion computed
//! from the served tiles, the API documents against the signed bytes, and consistency with the
//! checkpoint the last clean run saved.
//!
//! [`run`] fetches (through [`Fetcher`]) and hands the bytes to the pure functions of
//! [`checks`]; it never decides anything itself.

pub mod checks;

use std::collections::BTreeMap;
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use fixlog_formats::EntryDoc;
use fixlog_tlog::{Checkpoint, Verifier, entry_bundles_for_size, parse_note, tiles_for_size};

use crate::VerifyError;
use crate::fetch::{FetchError, Fetcher};
use crate::finding::Finding;
use crate::report::{Checked, Timings};
use crate::state::{SavedLog, StateDir};
use checks::{
    Fetched, check_api_entries, check_bundles, check_checkpoint, check_history, check_key,
    check_tiles,
};

/// What the authentic checks need besides the fetcher.
#[derive(Clone, Debug, Default)]
pub struct AuthenticInput {
    /// `--key`: the log verifier key to pin.
    pub pinned_key: Option<Verifier>,
    /// `--state`: the remembered key and checkpoint.
    pub state: Option<StateDir>,
}

/// What [`run`] found, and the state to save if the whole run has no error findings.
#[derive(Debug, Default)]
pub struct AuthenticOutcome {
    /// Findings, all under `authentic.*`.
    pub findings: Vec<Finding>,
    /// What was looked at.
    pub checked: Checked,
    /// The verified key and checkpoint, to remember on success.
    pub to_save: Option<SavedLog>,
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Fetches and checks everything under the `authentic` heading.
pub async fn run(
    fetcher: &Fetcher,
    input: &AuthenticInput,
) -> Result<AuthenticOutcome, VerifyError> {
    let mut outcome = AuthenticOutcome::default();
    let mut timings = Timings::default();
    let started = Instant::now();
    let key_url = fetcher.url("/tlog/key");
    let checkpoint_url = fetcher.url("/tlog/checkpoint");
    let served_key = optional(fetcher.text("/tlog/key").await)?;
    let note = optional(fetcher.text("/tlog/checkpoint").await)?;
    timings.checkpoint_ms = elapsed_ms(started);

    // Which origin's state applies: the pinned key's, the one this URL served before, or the
    // served key's name.
    let served_name = served_key
        .as_deref()
        .and_then(|text| text.trim().split('+').next().map(str::to_owned));
    let remembered = match &input.state {
        None => None,
        Some(state) => {
            let origin = match (
                &input.pinned_key,
                state.origin_of(fetcher.url("").as_str())?,
            ) {
                (Some(pinned), _) => Some(pinned.name().to_owned()),
                (None, Some(origin)) => Some(origin),
                (None, None) => served_name,
            };
            match origin {
                Some(origin) => state.load(&origin)?,
                None => None,
            }
        }
    };
    let remembered_key = match &remembered {
        Some(saved) => Some(Verifier::from_vkey(&saved.key).map_err(|error| {
            VerifyError::State(crate::state::StateError::Corrupt {
                path: format!("state of {}", saved.origin).into(),
                message: format!("remembered key: {error}"),
            })
        })?),
        None => None,
    };
    let (trusted, findings) = check_key(
        input.pinned_key.as_ref(),
        remembered_key.as_ref(),
        served_key.as_deref(),
        &key_url,
    );
    outcome.findings.extend(findings);
    let Some((key, source)) = trusted else {
        return Ok(outcome);
    };
    outcome.checked.origin = Some(key.name().to_owned());
    outcome.checked.key = Some(key.to_vkey());
    outcome.checked.key_source = Some(source.as_str().to_owned());

    let Some(note) = note else {
        outcome.findings.push(Finding::error(
            "authentic.checkpoint.unavailable",
            &checkpoint_url,
            "the log serves no checkpoint",
        ));
        return Ok(outcome);
    };
    let (checkpoint, findings) = check_checkpoint(&note, &key, &checkpoint_url);
    outcome.findings.extend(findings);
    let Some(checkpoint) = checkpoint else {
        return Ok(outcome);
    };
    outcome.checked.size = Some(checkpoint.size);
    outcome.checked.root = Some(STANDARD.encode(checkpoint.root));

    // Every hash tile of the signed tree.
    let started = Instant::now();
    let tile_paths = tiles_for_size(checkpoint.size);
    let tiles = as_fetched(fetcher.tiles(&tile_paths).await);
    timings.tiles_ms = elapsed_ms(started);
    outcome.checked.tiles = Some(tile_paths.len() as u64);

    // Every entry bundle.
    let started = Instant::now();
    let bundle_paths = entry_bundles_for_size(checkpoint.size);
    let bundles = as_fetched(fetcher.tiles(&bundle_paths).await);
    timings.bundles_ms = elapsed_ms(started);
    outcome.checked.entry_bundles = Some(bundle_paths.len() as u64);

    // Every entry document of the JSON API up to the checkpoint.
    let started = Instant::now();
    let mut documents: Vec<EntryDoc> = Vec::new();
    let mut api_failure = None;
    let mut after = 0;
    while after < checkpoint.size {
        match fetcher.entry_page(after).await {
            Ok(page) => {
                let last = page.entries.last().map(|entry| entry.seq);
                documents.extend(page.entries);
                match (page.next_after, last) {
                    (Some(next), Some(_)) if next > after => after = next,
                    _ => break,
                }
            }
            Err(error) if error.is_transport() => return Err(VerifyError::Fetch(error)),
            Err(error) => {
                api_failure = Some(error);
                break;
            }
        }
    }
    timings.api_ms = elapsed_ms(started);

    let started = Instant::now();
    let tree = check_tiles(&checkpoint, &tiles);
    outcome.findings.extend(tree.findings);
    if let Some(saved) = &remembered {
        match saved_checkpoint(saved) {
            Ok(saved_checkpoint) => {
                outcome.findings.extend(check_history(
                    &saved_checkpoint,
                    &checkpoint,
                    &tree.lookup,
                    &checkpoint_url,
                ));
                if saved_checkpoint.size <= checkpoint.size {
                    outcome.checked.consistent_from = Some(saved_checkpoint.size);
                }
            }
            Err(message) => outcome.findings.push(Finding::warning(
                "authentic.history.unknown",
                &checkpoint_url,
                format!("the saved checkpoint is unreadable ({message}); consistency not checked"),
            )),
        }
    }
    let (signed, findings) = check_bundles(checkpoint.size, &tree.leaves, &bundles);
    outcome.findings.extend(findings);
    outcome.checked.entries = Some(signed.iter().filter(|entry| entry.is_some()).count() as u64);
    match api_failure {
        Some(error) => outcome.findings.push(Finding::error(
            "authentic.entry.unavailable",
            fetcher.url("/api/v1/entries"),
            format!("the entry documents cannot be compared with the signed bytes: {error}"),
        )),
        None => {
            outcome.checked.api_entries = Some(documents.len() as u64);
            outcome.findings.extend(check_api_entries(
                checkpoint.size,
                &documents,
                &signed,
                &fetcher.url(""),
            ));
        }
    }
    let entry_errors = outcome
        .findings
        .iter()
        .any(|finding| finding.is_error() && finding.id.starts_with("authentic.entry."));
    if !entry_errors {
        outcome.findings.push(Finding::info(
            "authentic.entry.verified",
            fetcher.url("/tlog/tile/entries"),
            format!(
                "{} entries hash to the leaves of the signed tree; {} API documents equal their signed bytes",
                outcome.checked.entries.unwrap_or(0),
                outcome.checked.api_entries.unwrap_or(0)
            ),
        ));
    }
    timings.checks_ms = elapsed_ms(started);
    outcome.checked.timings = Some(timings);
    outcome.findings = checks::cap_findings(std::mem::take(&mut outcome.findings), 20);
    outcome.to_save = Some(SavedLog {
        origin: key.name().to_owned(),
        key: key.to_vkey(),
        url: fetcher.url(""),
        checkpoint: note,
    });
    Ok(outcome)
}

/// A transport failure means the server cannot be checked; an HTTP error is a finding later.
fn optional(result: Result<String, FetchError>) -> Result<Option<String>, VerifyError> {
    match result {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.is_transport() => Err(VerifyError::Fetch(error)),
        Err(_) => Ok(None),
    }
}

fn as_fetched(
    results: BTreeMap<fixlog_tlog::TilePath, Result<Vec<u8>, FetchError>>,
) -> BTreeMap<fixlog_tlog::TilePath, Fetched> {
    results
        .into_iter()
        .map(|(path, result)| (path, result.map_err(|error| error.to_string())))
        .collect()
}

fn saved_checkpoint(saved: &SavedLog) -> Result<Checkpoint, String> {
    let note = parse_note(&saved.checkpoint).map_err(|error| error.to_string())?;
    Checkpoint::parse(&note.text).map_err(|error| error.to_string())
}
