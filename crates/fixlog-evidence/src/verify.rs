//! Verifying bundles and their chains (`fixlog evidence verify PATH`).
//!
//! For each bundle: the manifest parses and names this schema, its Ed25519 signature verifies
//! with the key it records (and that key is the pinned one, when `--key` is given), every listed
//! file exists with the listed size and SHA-256, no file is unlisted, the WARC parses and every
//! record's digests match, the verdict is JSON, and an RFC 3161 reply answers its request over
//! SHA-256(manifest.json). For a folder, bundles are grouped into chains per endpoint and
//! ordered by sequence: each chain starts at sequence 1 with no predecessor, each
//! `prev_manifest_sha256` is the digest of the bundle before, sequences have no gaps, times do
//! not go backwards, and `<endpoint>/HEAD` names the last bundle. Checks are pure functions of
//! the loaded bytes; only [`verify_path`] reads the disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, VerifyingKey};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::bundle::{
    CAPTURE, MANIFEST, MANIFEST_SCHEMA, Manifest, SIGNATURE, TIMESTAMP_QUERY, TIMESTAMP_REPLY,
    VERDICT,
};

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The evidence is broken.
    Error,
    /// Worth knowing, not a break (e.g. a timestamp the TSA did not deliver).
    Warning,
}

/// One problem found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable id, e.g. `evidence.file-digest`.
    pub id: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// The bundle (or endpoint directory) concerned.
    pub bundle: PathBuf,
    /// The file inside it, when one is concerned.
    pub file: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// One bundle that was examined.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BundleSummary {
    /// Its directory.
    pub path: PathBuf,
    /// Endpoint (from the manifest).
    pub endpoint: Option<String>,
    /// Chain position (from the manifest).
    pub sequence: Option<u64>,
    /// SHA-256 of its manifest.
    pub manifest_sha256: Option<String>,
    /// The RFC 3161 `genTime`, when a token verified.
    pub timestamp: Option<String>,
}

/// The outcome of a verification.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Every bundle examined, in path order.
    pub bundles: Vec<BundleSummary>,
    /// Whether hash chains were checked (a folder was given, not a single bundle).
    pub chains_checked: bool,
    /// Everything found.
    pub findings: Vec<Finding>,
}

impl Report {
    /// No error-severity finding.
    pub fn intact(&self) -> bool {
        self.findings
            .iter()
            .all(|finding| finding.severity != Severity::Error)
    }
}

/// What to insist on.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The monitor key every manifest must be signed with.
    pub key: Option<VerifyingKey>,
}

/// The path could not be checked at all.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Reading failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// No bundle below the path.
    #[error("{path}: no evidence bundle (a directory holding manifest.json) found")]
    NoBundles {
        /// The path.
        path: String,
    },
}

/// A bundle's files as read from disk.
#[derive(Clone, Debug)]
pub struct LoadedBundle {
    /// The directory.
    pub path: PathBuf,
    /// Regular files by name.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Names of anything else inside (subdirectories, links).
    pub other_entries: Vec<String>,
}

/// Verifies the bundle at `path`, or every bundle below it and their chains.
pub fn verify_path(path: &Path, options: &Options) -> Result<Report, VerifyError> {
    let io = |path: &Path, source| VerifyError::Io {
        path: path.display().to_string(),
        source,
    };
    std::fs::metadata(path).map_err(|source| io(path, source))?;
    let mut report = Report::default();
    if path.join(MANIFEST).is_file() {
        let bundle = load_bundle(path).map_err(|source| io(path, source))?;
        let (summary, _, findings) = check_bundle(&bundle, options);
        report.bundles.push(summary);
        report.findings.extend(findings);
        return Ok(report);
    }
    let mut bundle_dirs = Vec::new();
    let mut incomplete = Vec::new();
    find_bundles(path, &mut bundle_dirs, &mut incomplete).map_err(|source| io(path, source))?;
    if bundle_dirs.is_empty() {
        return Err(VerifyError::NoBundles {
            path: path.display().to_string(),
        });
    }
    for directory in incomplete {
        report.findings.push(Finding {
            id: "evidence.incomplete",
            severity: Severity::Warning,
            bundle: directory,
            file: None,
            message: "a bundle left incomplete by an interrupted write (not part of any chain)"
                .to_owned(),
        });
    }
    let mut chains: BTreeMap<(PathBuf, String), Vec<ChainLink>> = BTreeMap::new();
    for directory in bundle_dirs {
        let bundle = load_bundle(&directory).map_err(|source| io(&directory, source))?;
        let (summary, manifest, findings) = check_bundle(&bundle, options);
        report.findings.extend(findings);
        if let (Some(manifest), Some(digest)) = (manifest, summary.manifest_sha256.clone()) {
            chains
                .entry((endpoint_dir(&directory), manifest.endpoint.clone()))
                .or_default()
                .push(ChainLink {
                    path: directory.clone(),
                    manifest,
                    manifest_sha256: digest,
                });
        }
        report.bundles.push(summary);
    }
    report.chains_checked = true;
    for ((endpoint_dir, _), links) in chains {
        let head = std::fs::read_to_string(endpoint_dir.join("HEAD")).ok();
        report
            .findings
            .extend(check_chain(&endpoint_dir, links, head.as_deref()));
    }
    Ok(report)
}

/// `<endpoint>` for `<endpoint>/<YYYY>/<MM>/<bundle>`, else the bundle's parent.
fn endpoint_dir(bundle: &Path) -> PathBuf {
    let month = bundle.parent();
    let year = month.and_then(Path::parent);
    let is_digits = |path: Option<&Path>, length: usize| {
        path.and_then(Path::file_name)
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.len() == length && name.bytes().all(|b| b.is_ascii_digit()))
    };
    if is_digits(month, 2)
        && is_digits(year, 4)
        && let Some(endpoint) = year.and_then(Path::parent)
    {
        return endpoint.to_owned();
    }
    month.map(Path::to_owned).unwrap_or_default()
}

fn find_bundles(
    directory: &Path,
    bundles: &mut Vec<PathBuf>,
    incomplete: &mut Vec<PathBuf>,
) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(directory)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        if !entry.file_type()?.is_dir() {
            continue;
        }
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(".tmp-") {
            incomplete.push(path);
        } else if path.join(MANIFEST).is_file() || name.ends_with(".evb") {
            bundles.push(path);
        } else {
            find_bundles(&path, bundles, incomplete)?;
        }
    }
    Ok(())
}

/// Reads every entry of a bundle directory.
pub fn load_bundle(directory: &Path) -> std::io::Result<LoadedBundle> {
    let mut files = BTreeMap::new();
    let mut other_entries = Vec::new();
    for entry in std::fs::read_dir(directory)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_file() {
            files.insert(name, std::fs::read(entry.path())?);
        } else {
            other_entries.push(name);
        }
    }
    Ok(LoadedBundle {
        path: directory.to_owned(),
        files,
        other_entries,
    })
}

/// Checks one bundle's own integrity; returns its summary, its manifest when the manifest is
/// authentic, and the findings.
pub fn check_bundle(
    bundle: &LoadedBundle,
    options: &Options,
) -> (BundleSummary, Option<Manifest>, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut finding = |id, severity, file: Option<&str>, message: String| {
        findings.push(Finding {
            id,
            severity,
            bundle: bundle.path.clone(),
            file: file.map(str::to_owned),
            message,
        });
    };
    let mut summary = BundleSummary {
        path: bundle.path.clone(),
        endpoint: None,
        sequence: None,
        manifest_sha256: None,
        timestamp: None,
    };
    let Some(manifest_bytes) = bundle.files.get(MANIFEST) else {
        finding(
            "evidence.manifest",
            Severity::Error,
            Some(MANIFEST),
            "manifest.json is missing".to_owned(),
        );
        return (summary, None, findings);
    };
    let manifest: Manifest = match serde_json::from_slice(manifest_bytes) {
        Ok(manifest) => manifest,
        Err(error) => {
            finding(
                "evidence.manifest",
                Severity::Error,
                Some(MANIFEST),
                format!("not a manifest: {error}"),
            );
            return (summary, None, findings);
        }
    };
    summary.endpoint = Some(manifest.endpoint.clone());
    summary.sequence = Some(manifest.sequence);
    summary.manifest_sha256 = Some(hex::encode(Sha256::digest(manifest_bytes)));
    if manifest.schema != MANIFEST_SCHEMA {
        finding(
            "evidence.manifest",
            Severity::Error,
            Some(MANIFEST),
            format!("schema {:?}, expected {MANIFEST_SCHEMA}", manifest.schema),
        );
    }
    let mut authentic = check_signature(bundle, &manifest, manifest_bytes, options, &mut finding);
    let directory_name = bundle
        .path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !directory_name.ends_with(&format!("-{}.evb", manifest.probe_id)) {
        finding(
            "evidence.directory-name",
            Severity::Error,
            None,
            format!(
                "directory {directory_name:?} does not end in -{}.evb (the manifest's probe id)",
                manifest.probe_id
            ),
        );
    }
    let mut listed = vec![MANIFEST, SIGNATURE, TIMESTAMP_QUERY, TIMESTAMP_REPLY];
    for required in [CAPTURE, VERDICT] {
        if !manifest.files.iter().any(|file| file.path == required) {
            finding(
                "evidence.file-missing",
                Severity::Error,
                Some(required),
                format!("{required} is not listed in the manifest"),
            );
        }
    }
    for entry in &manifest.files {
        let plain = !entry.path.is_empty()
            && !entry.path.contains(['/', '\\'])
            && entry.path != ".."
            && entry.path != ".";
        if !plain {
            finding(
                "evidence.file-name",
                Severity::Error,
                Some(&entry.path),
                "listed file name is not a plain name inside the bundle".to_owned(),
            );
            authentic = false;
            continue;
        }
        listed.push(entry.path.as_str());
        let Some(bytes) = bundle.files.get(&entry.path) else {
            finding(
                "evidence.file-missing",
                Severity::Error,
                Some(&entry.path),
                "listed in the manifest but missing".to_owned(),
            );
            continue;
        };
        let digest = hex::encode(Sha256::digest(bytes));
        if digest != entry.sha256.to_ascii_lowercase() || bytes.len() as u64 != entry.size {
            finding(
                "evidence.file-digest",
                Severity::Error,
                Some(&entry.path),
                format!(
                    "sha256 {digest} ({} bytes), the manifest lists {} ({} bytes)",
                    bytes.len(),
                    entry.sha256,
                    entry.size
                ),
            );
        }
    }
    for name in bundle.files.keys().chain(&bundle.other_entries) {
        if !listed.contains(&name.as_str()) {
            finding(
                "evidence.file-unlisted",
                Severity::Error,
                Some(name),
                "not listed in the manifest".to_owned(),
            );
        }
    }
    if let Some(capture) = bundle.files.get(CAPTURE) {
        for problem in check_capture(capture, &manifest.probe_id) {
            finding("evidence.warc", Severity::Error, Some(CAPTURE), problem);
        }
    }
    if let Some(verdict) = bundle.files.get(VERDICT)
        && let Err(error) = serde_json::from_slice::<serde_json::Value>(verdict)
    {
        finding(
            "evidence.verdict",
            Severity::Error,
            Some(VERDICT),
            format!("not JSON: {error}"),
        );
    }
    match (
        bundle.files.get(TIMESTAMP_QUERY),
        bundle.files.get(TIMESTAMP_REPLY),
    ) {
        (Some(query), Some(reply)) => {
            match crate::tsa::verify_reply(query, reply, manifest_bytes) {
                Ok(info) => summary.timestamp = Some(info.gen_time),
                Err(error) => finding(
                    "evidence.timestamp",
                    Severity::Error,
                    Some(TIMESTAMP_REPLY),
                    error.to_string(),
                ),
            }
        }
        (None, None) if manifest.tsa.is_some() => finding(
            "evidence.timestamp-missing",
            Severity::Warning,
            Some(TIMESTAMP_REPLY),
            "a TSA is configured but the bundle holds no RFC 3161 token".to_owned(),
        ),
        (None, None) => {}
        (query, _) => finding(
            "evidence.timestamp",
            Severity::Error,
            Some(if query.is_none() {
                TIMESTAMP_QUERY
            } else {
                TIMESTAMP_REPLY
            }),
            "an RFC 3161 request without its reply or a reply without its request".to_owned(),
        ),
    }
    (summary, authentic.then_some(manifest), findings)
}

fn check_signature(
    bundle: &LoadedBundle,
    manifest: &Manifest,
    manifest_bytes: &[u8],
    options: &Options,
    finding: &mut impl FnMut(&'static str, Severity, Option<&str>, String),
) -> bool {
    let key = BASE64
        .decode(&manifest.monitor_public_key)
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes.as_slice()).ok())
        .and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok());
    let Some(key) = key else {
        finding(
            "evidence.signature",
            Severity::Error,
            Some(MANIFEST),
            "monitor_public_key is not a base64 Ed25519 public key".to_owned(),
        );
        return false;
    };
    let mut authentic = true;
    if let Some(pinned) = &options.key
        && *pinned != key
    {
        finding(
            "evidence.key-pinned",
            Severity::Error,
            Some(MANIFEST),
            format!(
                "signed by {}, not by the pinned key {}",
                manifest.monitor_public_key,
                BASE64.encode(pinned.as_bytes())
            ),
        );
        authentic = false;
    }
    let signature = bundle
        .files
        .get(SIGNATURE)
        .and_then(|bytes| Signature::from_slice(bytes).ok());
    match signature {
        None => {
            finding(
                "evidence.signature",
                Severity::Error,
                Some(SIGNATURE),
                "missing or not a 64-byte Ed25519 signature".to_owned(),
            );
            false
        }
        Some(signature) => {
            if key.verify_strict(manifest_bytes, &signature).is_err() {
                finding(
                    "evidence.signature",
                    Severity::Error,
                    Some(SIGNATURE),
                    "the signature over manifest.json does not verify with its monitor key"
                        .to_owned(),
                );
                false
            } else {
                authentic
            }
        }
    }
}

/// Problems with a capture: parse errors, digest mismatches, a missing or foreign warcinfo.
pub fn check_capture(bytes: &[u8], probe_id: &str) -> Vec<String> {
    let records = match crate::warc::read_records(bytes) {
        Ok(records) => records,
        Err(error) => return vec![error.to_string()],
    };
    let mut problems = Vec::new();
    match records.first() {
        Some(first) if first.record_type() == Some("warcinfo") => {
            let fields = String::from_utf8_lossy(&first.block);
            if !fields.contains(&format!("fixlog-probe-id: {probe_id}\r\n")) {
                problems.push("warcinfo names another probe".to_owned());
            }
        }
        _ => problems.push("the first record is not warcinfo".to_owned()),
    }
    for record in &records {
        for problem in crate::warc::check_digests(record) {
            problems.push(format!("record at byte {}: {problem}", record.offset));
        }
    }
    problems
}

/// One authentic manifest in a chain.
#[derive(Clone, Debug)]
pub struct ChainLink {
    /// The bundle directory.
    pub path: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// SHA-256 of the manifest bytes.
    pub manifest_sha256: String,
}

/// Checks one endpoint's chain; `head` is the content of `<endpoint>/HEAD` if present.
pub fn check_chain(
    endpoint_dir: &Path,
    mut links: Vec<ChainLink>,
    head: Option<&str>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    links.sort_by(|a, b| {
        (a.manifest.sequence, &a.manifest.started).cmp(&(b.manifest.sequence, &b.manifest.started))
    });
    let mut finding = |id, path: &Path, message: String| {
        let file = if id == "evidence.head" {
            "HEAD"
        } else {
            MANIFEST
        };
        findings.push(Finding {
            id,
            severity: Severity::Error,
            bundle: path.to_owned(),
            file: Some(file.to_owned()),
            message,
        });
    };
    if let Some(first) = links.first()
        && (first.manifest.sequence != 1 || first.manifest.prev_manifest_sha256.is_some())
    {
        finding(
            "evidence.chain-start",
            &first.path,
            format!(
                "the oldest bundle of endpoint {:?} has sequence {}: bundles before it are missing",
                first.manifest.endpoint, first.manifest.sequence
            ),
        );
    }
    for pair in links.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        let (sequence_before, sequence_after) = (before.manifest.sequence, after.manifest.sequence);
        if sequence_after == sequence_before {
            finding(
                "evidence.chain-sequence",
                &after.path,
                format!(
                    "sequence {sequence_after} is also used by {}",
                    before.path.display()
                ),
            );
        } else if sequence_after != sequence_before + 1 {
            finding(
                "evidence.chain-sequence",
                &after.path,
                format!(
                    "sequence {sequence_after} follows {sequence_before}: {} bundle(s) missing",
                    sequence_after - sequence_before - 1
                ),
            );
        }
        if after.manifest.prev_manifest_sha256.as_deref() != Some(before.manifest_sha256.as_str()) {
            finding(
                "evidence.chain-link",
                &after.path,
                format!(
                    "prev_manifest_sha256 {} is not the manifest digest {} of the bundle before ({})",
                    after
                        .manifest
                        .prev_manifest_sha256
                        .as_deref()
                        .unwrap_or("null"),
                    before.manifest_sha256,
                    before.path.display()
                ),
            );
        }
        if parse_time(&after.manifest.started) < parse_time(&before.manifest.started) {
            finding(
                "evidence.chain-order",
                &after.path,
                format!(
                    "started {} is before the previous bundle's {}",
                    after.manifest.started, before.manifest.started
                ),
            );
        }
    }
    if let (Some(head), Some(last)) = (head, links.last()) {
        let mut fields = head.split_whitespace();
        let sequence = fields.next().and_then(|field| field.parse::<u64>().ok());
        let digest = fields.next();
        if sequence != Some(last.manifest.sequence) || digest != Some(last.manifest_sha256.as_str())
        {
            finding(
                "evidence.head",
                endpoint_dir,
                format!(
                    "HEAD names {} {}, the newest bundle present is {} {} (bundles after it removed?)",
                    sequence.map_or("?".to_owned(), |s| s.to_string()),
                    digest.unwrap_or("?"),
                    last.manifest.sequence,
                    last.manifest_sha256
                ),
            );
        }
    }
    findings
}

fn parse_time(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}
