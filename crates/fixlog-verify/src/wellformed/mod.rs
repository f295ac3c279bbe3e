//! The `well-formed` heading: the OpenAPI document and the JSON API against it, RFC 8639
//! notifications and RESTCONF data against the YANG modules the publisher serves, and CSAF
//! documents against the CSAF 2.0 schema and mandatory tests.
//!
//! [`run`] fetches what discovery found offered and hands the bytes to the pure checks of
//! [`openapi`], [`entries`], [`yang`] and [`csaf`]. What it fetched is kept in [`Collected`]
//! for the `complete` checks, which compare the views.

pub mod csaf;
pub mod entries;
pub mod openapi;
pub mod yang;

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::Progress;
use crate::discover::Offers;
use crate::fetch::Fetcher;
use crate::fetch::probe::Probe;
use crate::finding::Finding;

/// Largest page of `/api/v1/entries`.
const PAGE: u64 = 1000;

/// What the well-formed phase fetched, for the complete checks.
#[derive(Clone, Debug, Default)]
pub struct Collected {
    /// Entry documents of the JSON API, in sequence order (None: no API).
    pub entries: Option<Vec<Value>>,
    /// `/api/v1/products`.
    pub products: Option<Value>,
    /// Entries of the RESTCONF `fwsec-log:log` resource.
    pub restconf_log: Option<Vec<Value>>,
    /// Inner `fwsec-log:firmware-security-update` bodies of the replayed notifications.
    pub notifications: Vec<Value>,
    /// Whether the RESTCONF stream was replayed to its end.
    pub replay_complete: bool,
    /// CSAF documents with their URLs.
    pub csaf_documents: Vec<(String, Value)>,
}

/// What [`run`] found.
#[derive(Debug, Default)]
pub struct WellformedOutcome {
    /// Findings (`wellformed.*`, and `authentic.csaf.*` for hash files).
    pub findings: Vec<Finding>,
    /// Every request made.
    pub probes: Vec<Probe>,
    /// What was fetched.
    pub collected: Collected,
    /// Milliseconds per part: `api`, `restconf`, `yang`, `csaf`.
    pub phase_ms: Vec<(String, u64)>,
    /// What was checked, one line each.
    pub checked: Vec<String>,
}

impl WellformedOutcome {
    /// What was checked, one line each.
    pub fn checks_done(&self) -> Vec<String> {
        self.checked.clone()
    }
}

fn ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Fetches and checks everything under the well-formed heading.
pub async fn run(
    fetcher: &Fetcher,
    offers: &Offers,
    discovery: &[Probe],
    progress: &Progress,
) -> WellformedOutcome {
    let mut outcome = WellformedOutcome::default();
    let started = Instant::now();
    api(fetcher, offers, discovery, progress, &mut outcome).await;
    outcome.phase_ms.push(("api".into(), ms(started)));
    if let Some(root) = &offers.restconf_root {
        let started = Instant::now();
        restconf(fetcher, root, progress, &mut outcome).await;
        outcome.phase_ms.push(("restconf+yang".into(), ms(started)));
    }
    if let Some(metadata) = &offers.csaf_metadata {
        let started = Instant::now();
        csaf_provider(fetcher, metadata, discovery, progress, &mut outcome).await;
        outcome.phase_ms.push(("csaf".into(), ms(started)));
    }
    outcome.findings =
        crate::authentic::checks::cap_findings(std::mem::take(&mut outcome.findings), 20);
    outcome
}

async fn api(
    fetcher: &Fetcher,
    offers: &Offers,
    discovery: &[Probe],
    progress: &Progress,
    outcome: &mut WellformedOutcome,
) {
    let document = discovery
        .iter()
        .find(|probe| probe.role == "openapi")
        .and_then(Probe::json);
    let mut entries_schema = None;
    let mut products_schema = None;
    if let (Some(url), Some(document)) = (&offers.openapi, &document) {
        outcome
            .findings
            .extend(openapi::check_document(document, url));
        outcome
            .checked
            .push(format!("OpenAPI document {url} (3.0.x structure, $refs)"));
        entries_schema =
            openapi::ResponseSchema::compile(document, "/api/v1/entries", "get", "200");
        products_schema =
            openapi::ResponseSchema::compile(document, "/api/v1/products", "get", "200");
    } else if offers.openapi.is_some() {
        outcome.findings.push(Finding::error(
            "wellformed.openapi.not-json",
            offers.openapi.clone().unwrap_or_default(),
            "the OpenAPI document is not JSON",
        ));
    }

    // The entries, page by page.
    let mut entries = Vec::new();
    let mut after = 0;
    loop {
        let probe = fetcher
            .probe(
                "api-entries",
                &format!("/api/v1/entries?after={after}&limit={PAGE}"),
                "application/json",
            )
            .await;
        let page = probe.json();
        let offered = probe.ok() || !(probe.absent() && after == 0);
        outcome.probes.push(probe);
        if !offered {
            if offers.openapi.is_some() {
                outcome.findings.push(Finding::error(
                    "wellformed.openapi.route-missing",
                    fetcher.url("/api/v1/entries"),
                    "the OpenAPI document is served but /api/v1/entries is not",
                ));
            } else {
                outcome.findings.push(Finding::info(
                    "accessible.offer.api-not-offered",
                    fetcher.url("/api/v1/entries"),
                    "a JSON entries API is not offered; its checks are skipped",
                ));
            }
            return;
        }
        let Some(page) = page else {
            if outcome.probes.last().is_some_and(Probe::ok) {
                outcome.findings.push(Finding::error(
                    "wellformed.entry.not-json",
                    fetcher.url("/api/v1/entries"),
                    format!("the entries page after {after} is not JSON"),
                ));
            }
            break;
        };
        if let Some(schema) = &entries_schema {
            for violation in schema.violations(&page, 5) {
                outcome.findings.push(Finding::error(
                    "wellformed.entry.schema",
                    fetcher.url(&format!("/api/v1/entries?after={after}")),
                    format!(
                        "does not match the OpenAPI schema ({}): {violation}",
                        schema.source
                    ),
                ));
            }
        }
        let items = page
            .get("entries")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let size = page.get("size").and_then(Value::as_u64).unwrap_or(0);
        let last = items
            .last()
            .and_then(|entry| entry.get("seq"))
            .and_then(Value::as_u64);
        entries.extend(items);
        if let Some(progress) = progress {
            progress.report("API entries", entries.len() as u64, size);
        }
        match (page.get("next_after").and_then(Value::as_u64), last) {
            (Some(next), Some(_)) if next > after => after = next,
            _ => break,
        }
    }
    outcome.findings.extend(entries::check_entries(&entries));
    outcome.checked.push(format!(
        "{} JSON API entries: OpenAPI schema{}, CVE ids, digests, dates, order",
        entries.len(),
        if entries_schema.is_some() {
            ""
        } else {
            " (not declared)"
        }
    ));
    outcome.collected.entries = Some(entries);

    let probe = fetcher
        .probe("api-products", "/api/v1/products", "application/json")
        .await;
    if let Some(products) = probe.json() {
        if let Some(schema) = &products_schema {
            for violation in schema.violations(&products, 5) {
                outcome.findings.push(Finding::error(
                    "wellformed.product.schema",
                    &probe.url,
                    format!(
                        "does not match the OpenAPI schema ({}): {violation}",
                        schema.source
                    ),
                ));
            }
        }
        outcome.collected.products = Some(products);
    }
    outcome.probes.push(probe);
}

/// The module prefix of the single top-level member of a JSON object (`fwsec-log` of
/// `{"fwsec-log:firmware-security-update": …}`).
fn module_of(value: &Value) -> Option<String> {
    value
        .as_object()?
        .keys()
        .next()
        .and_then(|key| key.split_once(':'))
        .map(|(module, _)| module.to_owned())
}

async fn restconf(
    fetcher: &Fetcher,
    root: &str,
    progress: &Progress,
    outcome: &mut WellformedOutcome,
) {
    let root = root.trim_end_matches('/');
    let accept = "application/yang-data+json";
    let library_probe = fetcher
        .probe(
            "yang-library",
            &format!("{root}/data/ietf-yang-library:yang-library"),
            accept,
        )
        .await;
    let streams_probe = fetcher
        .probe(
            "restconf-streams",
            &format!("{root}/data/ietf-subscribed-notifications:streams"),
            accept,
        )
        .await;
    let log_probe = fetcher
        .probe(
            "restconf-log",
            &format!("{root}/data/fwsec-log:log"),
            accept,
        )
        .await;
    let library = library_probe.json();
    let streams = streams_probe.json();
    let log = log_probe.json();
    let library_url = library_probe.url.clone();
    let streams_url = streams_probe.url.clone();
    let log_url = log_probe.url.clone();
    outcome
        .probes
        .extend([library_probe, streams_probe, log_probe]);

    let Some(library) = library else {
        outcome.findings.push(Finding::error(
            "wellformed.yang.no-library",
            library_url,
            "RESTCONF is offered but its RFC 8525 YANG library cannot be read; nothing can be validated",
        ));
        return;
    };
    let modules = yang::library_modules(&library);
    let directory = match tempfile::tempdir() {
        Ok(directory) => directory,
        Err(error) => {
            outcome.findings.push(Finding::warning(
                "wellformed.yang.not-checked",
                &library_url,
                format!("no temporary directory for the modules: {error}"),
            ));
            return;
        }
    };
    let mut missing = Vec::new();
    for module in &modules {
        let file = match &module.revision {
            Some(revision) => format!("{}@{revision}.yang", module.name),
            None => format!("{}.yang", module.name),
        };
        let Some(location) = module.locations.first() else {
            missing.push(format!("{} (no location)", module.name));
            continue;
        };
        let probe = fetcher
            .probe("yang-module", location, "application/yang")
            .await;
        if probe.ok() {
            let _ = std::fs::write(directory.path().join(&file), &probe.body);
        } else {
            missing.push(format!(
                "{} ({location}: {})",
                module.name,
                crate::discover::describe(&probe)
            ));
        }
        outcome.probes.push(probe);
    }
    for name in missing {
        outcome.findings.push(Finding::error(
            "wellformed.yang.unknown-module",
            &library_url,
            format!("the YANG library names module {name} but the server does not serve it"),
        ));
    }

    // Replay the log's stream from the start.
    let establish = fetcher
        .probe_post(
            "restconf-subscription",
            &format!("{root}/operations/ietf-subscribed-notifications:establish-subscription"),
            accept,
            &json!({"ietf-subscribed-notifications:input": {
                "stream": "fwsec-log", "replay-start-time": "1970-01-01T00:00:00Z"}}),
        )
        .await;
    let uri = establish.json().and_then(|output| {
        output
            .pointer(
                "/ietf-subscribed-notifications:output/ietf-restconf-subscribed-notifications:uri",
            )
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let establish_url = establish.url.clone();
    let stream_offered = !establish.operation_absent();
    outcome.probes.push(establish);
    let mut events = Vec::new();
    match uri {
        // A static mirror serves the RESTCONF data resources and YANG modules but no
        // subscriptions: the event stream is not offered, which is not an error.
        None if !stream_offered => outcome.findings.push(Finding::info(
            "accessible.offer.restconf-stream-not-offered",
            establish_url,
            "the RESTCONF event stream (RFC 8639 establish-subscription) is not offered here; the stream checks are skipped",
        )),
        None => outcome.findings.push(Finding::error(
            "wellformed.restconf.establish-failed",
            establish_url,
            "establish-subscription with replay of stream fwsec-log returned no subscription URI (RFC 8650 §3.1)",
        )),
        Some(uri) => {
            let (probe, received) = fetcher
                .event_stream("event-stream", &uri, Duration::from_secs(120), |event| {
                    event.contains("ietf-subscribed-notifications:replay-completed")
                })
                .await;
            outcome.probes.push(probe);
            events = received;
        }
    }
    if let Some(progress) = progress {
        progress.report(
            "RESTCONF notifications",
            events.len() as u64,
            events.len() as u64,
        );
    }

    // Envelope and module checks that need no libyang.
    let mut notifications = Vec::new();
    let mut to_validate = Vec::new();
    let known: std::collections::BTreeSet<String> =
        modules.iter().map(|module| module.name.clone()).collect();
    for (index, event) in events.iter().enumerate() {
        let subject = format!("notification {}", index + 1);
        let Ok(envelope) = serde_json::from_str::<Value>(event) else {
            outcome.findings.push(Finding::error(
                "wellformed.yang.notification-invalid",
                subject,
                "the SSE data is not JSON",
            ));
            continue;
        };
        let Some(inner) = envelope
            .get("ietf-restconf:notification")
            .and_then(Value::as_object)
        else {
            outcome.findings.push(Finding::error(
                "wellformed.yang.notification-invalid",
                subject,
                "no ietf-restconf:notification envelope (RFC 8040 §6.4)",
            ));
            continue;
        };
        let body: serde_json::Map<String, Value> = inner
            .iter()
            .filter(|(key, _)| key.as_str() != "eventTime")
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        let body = Value::Object(body);
        if let Some(module) = module_of(&body)
            && !known.contains(&module)
        {
            outcome.findings.push(Finding::error(
                "wellformed.yang.unknown-module",
                &subject,
                format!(
                    "the notification is of module {module}, which the YANG library does not list"
                ),
            ));
            continue;
        }
        if let Some(update) = body.get("fwsec-log:firmware-security-update") {
            notifications.push(update.clone());
        }
        to_validate.push((subject, event.clone()));
    }
    outcome.collected.replay_complete = events
        .last()
        .is_some_and(|event| event.contains("replay-completed"));
    outcome.collected.notifications = notifications;
    if let Some(log) = &log {
        outcome.collected.restconf_log = log
            .pointer("/fwsec-log:log/entry")
            .and_then(Value::as_array)
            .cloned();
    }

    // libyang: not Send, so the whole validation runs on one blocking thread.
    let library_text = library.to_string();
    let streams_text = streams.as_ref().map(Value::to_string);
    let log_text = log.as_ref().map(Value::to_string);
    let count = to_validate.len();
    let directory_path = directory.path().to_owned();
    let started = Instant::now();
    let findings = tokio::task::spawn_blocking(move || {
        let mut findings = Vec::new();
        yang_quiet();
        let schema = match yang::Schema::load(&directory_path, &modules) {
            Ok(schema) => schema,
            Err((module, message)) => {
                findings.push(Finding::error(
                    "wellformed.yang.module-invalid",
                    &library_url,
                    format!("module {module} does not load: {message}"),
                ));
                return findings;
            }
        };
        if let Err(message) = schema.validate_data(&library_text) {
            findings.push(Finding::error(
                "wellformed.yang.library-invalid",
                &library_url,
                message,
            ));
        }
        match &streams_text {
            None => findings.push(Finding::error(
                "wellformed.yang.streams-invalid",
                &streams_url,
                "the streams document cannot be read",
            )),
            Some(text) => {
                if let Err(message) = schema.validate_data(text) {
                    findings.push(Finding::error(
                        "wellformed.yang.streams-invalid",
                        &streams_url,
                        message,
                    ));
                } else if !text.contains("\"fwsec-log\"") {
                    findings.push(Finding::error(
                        "wellformed.yang.streams-invalid",
                        &streams_url,
                        "the streams list has no fwsec-log stream",
                    ));
                }
            }
        }
        if let Some(text) = &log_text
            && let Err(message) = schema.validate_data(text)
        {
            findings.push(Finding::error(
                "wellformed.yang.log-invalid",
                &log_url,
                message,
            ));
        }
        for (subject, event) in &to_validate {
            if let Err(message) = schema.validate_notification(event) {
                findings.push(Finding::error(
                    "wellformed.yang.notification-invalid",
                    subject,
                    message,
                ));
            }
        }
        findings
    })
    .await
    .unwrap_or_else(|error| {
        vec![Finding::error(
            "wellformed.yang.not-checked",
            root,
            format!("the YANG validation thread failed: {error}"),
        )]
    });
    outcome.findings.extend(findings);
    outcome
        .phase_ms
        .push(("yang-validation".into(), ms(started)));
    outcome.checked.push(format!(
        "RESTCONF: YANG library ({} modules loaded into libyang), streams, fwsec-log:log, {count} replayed notifications validated",
        known.len()
    ));
    drop(directory);
}

/// Stores libyang's messages instead of printing them to stderr.
fn yang_quiet() {
    // SAFETY: sets a global option of libyang; no pointers involved.
    #[expect(unsafe_code, reason = "yang3 0.19 does not wrap ly_log_options")]
    unsafe {
        yang3::ffi::ly_log_options(yang3::ffi::LY_LOSTORE_LAST);
    }
}

async fn csaf_provider(
    fetcher: &Fetcher,
    metadata_url: &str,
    discovery: &[Probe],
    progress: &Progress,
    outcome: &mut WellformedOutcome,
) {
    let metadata = discovery
        .iter()
        .find(|probe| probe.role == "csaf-provider-metadata" && probe.ok())
        .and_then(Probe::json);
    let Some(metadata) = metadata else {
        outcome.findings.push(Finding::error(
            "wellformed.csaf.provider-metadata",
            metadata_url,
            "provider-metadata.json is not JSON",
        ));
        return;
    };
    outcome
        .findings
        .extend(csaf::check_metadata(&metadata, metadata_url));
    let listed = csaf::listed_keys(&metadata);
    let signatures_expected = !listed.is_empty() || csaf::claims_trusted_provider(&metadata);
    if listed.is_empty() && signatures_expected {
        outcome.findings.push(Finding::error(
            "authentic.csaf.openpgp-key",
            metadata_url,
            "role csaf_trusted_provider but public_openpgp_keys lists no key (CSAF 2.0 §7.1.20)",
        ));
    }
    let mut keys = Vec::new();
    for (fingerprint, url) in &listed {
        let probe = fetcher
            .probe("csaf-openpgp-key", url, "application/pgp-keys")
            .await;
        if probe.ok() {
            match csaf::check_openpgp_key(fingerprint, probe.text().unwrap_or_default(), url) {
                Ok(key) => keys.push(key),
                Err(finding) => outcome.findings.push(finding),
            }
            outcome.probes.push(probe);
        } else {
            outcome.findings.push(Finding::error(
                "authentic.csaf.openpgp-key",
                url,
                "the OpenPGP key listed in provider-metadata.json cannot be fetched (CSAF 2.0 §7.1.20)",
            ));
        }
    }
    let (feeds, directories) = csaf::distributions(&metadata);
    let mut documents: Vec<String> = Vec::new();
    for feed in &feeds {
        let probe = fetcher.probe("csaf-rolie", feed, "application/json").await;
        if let Some(feed) = probe.json() {
            documents.extend(csaf::feed_documents(&feed));
        }
        outcome.probes.push(probe);
    }
    if documents.is_empty() {
        for directory in &directories {
            let probe = fetcher
                .probe(
                    "csaf-index",
                    &format!("{directory}/index.txt"),
                    "text/plain",
                )
                .await;
            if probe.ok() {
                documents.extend(csaf::index_documents(
                    probe.text().unwrap_or_default(),
                    directory,
                ));
            }
            outcome.probes.push(probe);
        }
    }
    documents.sort();
    documents.dedup();
    if documents.is_empty() {
        outcome.findings.push(Finding::error(
            "wellformed.csaf.no-documents",
            metadata_url,
            "the provider metadata leads to no documents (no ROLIE feed entries, no index.txt)",
        ));
        return;
    }
    let total = documents.len() as u64;
    let mut valid = 0;
    let mut signed = 0;
    for (index, url) in documents.iter().enumerate() {
        let probe = fetcher
            .probe("csaf-document", url, "application/json")
            .await;
        if let Some(document) = probe.json() {
            let findings = csaf::check_document(&document, url);
            if !findings.iter().any(Finding::is_error) {
                valid += 1;
            }
            outcome.findings.extend(findings);
            let hash = fetcher
                .probe("csaf-hash", &format!("{url}.sha256"), "text/plain")
                .await;
            if hash.ok() {
                outcome.findings.extend(csaf::check_hash_file(
                    &probe.body,
                    hash.text().unwrap_or_default(),
                    url,
                ));
                outcome.probes.push(hash);
            } else {
                outcome.findings.push(Finding::warning(
                    "wellformed.csaf.no-hash",
                    url,
                    "no .sha256 file beside the document (CSAF 2.0 §7.1.18)",
                ));
            }
            if signatures_expected {
                let signature = fetcher
                    .probe(
                        "csaf-signature",
                        &format!("{url}.asc"),
                        "application/pgp-signature",
                    )
                    .await;
                let text = signature.ok().then(|| signature.text().unwrap_or_default());
                outcome
                    .findings
                    .extend(csaf::check_signature(&probe.body, text, &keys, url));
                if signature.ok() {
                    signed += 1;
                    outcome.probes.push(signature);
                }
            }
            outcome
                .collected
                .csaf_documents
                .push((url.clone(), document));
        } else if probe.ok() {
            outcome.findings.push(Finding::error(
                "wellformed.csaf.not-json",
                url,
                "the document is not JSON",
            ));
        }
        outcome.probes.push(probe);
        if let Some(progress) = progress {
            progress.report("CSAF documents", index as u64 + 1, total);
        }
    }
    outcome.checked.push(format!(
        "CSAF provider {metadata_url}: metadata schema, {total} documents (strict schema + {} mandatory tests), {valid} valid{}",
        fixlog_csaf::validate::IMPLEMENTED.len(),
        if signatures_expected {
            format!(", {signed} with an .asc checked against {} OpenPGP key(s)", keys.len())
        } else {
            String::new()
        }
    ));
}
