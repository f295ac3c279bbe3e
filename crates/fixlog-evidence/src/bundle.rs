//! Writing bundles: `<evidence_dir>/<endpoint>/<YYYY>/<MM>/<UTC time>-<probe id>.evb/`.
//!
//! ```text
//! capture.warc        WARC/1.1 (crate::warc)
//! verdict.json        the monitor's verdict
//! manifest.json       Manifest: SHA-256 of both files, prev_manifest_sha256, key, controls
//! manifest.json.sig   Ed25519 signature over the bytes of manifest.json (64 raw bytes)
//! manifest.json.tsq   RFC 3161 request (only with a TSA)
//! manifest.json.tsr   RFC 3161 response over SHA-256(manifest.json) (only with a TSA)
//! ```
//!
//! Bundles chain per endpoint: `prev_manifest_sha256` is the SHA-256 of the previous bundle's
//! `manifest.json` bytes and `sequence` counts from 1. A bundle is assembled in a temporary
//! directory and renamed into place when complete; then `<endpoint>/HEAD` (sequence, manifest
//! digest, bundle path) is replaced atomically. On start the head is recovered from `HEAD` and
//! the newest bundles on disk, so a crash between the rename and the `HEAD` write loses nothing.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signer as _, SigningKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::BundleInput;
use crate::tsa::{TsaClient, TsaError};

/// The manifest schema id.
pub const MANIFEST_SCHEMA: &str = "fixlog-evidence/manifest/v1";
/// The file names of a bundle besides the listed ones.
pub const MANIFEST: &str = "manifest.json";
/// Detached signature file.
pub const SIGNATURE: &str = "manifest.json.sig";
/// RFC 3161 request file.
pub const TIMESTAMP_QUERY: &str = "manifest.json.tsq";
/// RFC 3161 response file.
pub const TIMESTAMP_REPLY: &str = "manifest.json.tsr";
/// The capture file.
pub const CAPTURE: &str = "capture.warc";
/// The verdict file.
pub const VERDICT: &str = "verdict.json";

/// Errors writing a bundle.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// A file or directory could not be written or read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// An input field cannot become a path component.
    #[error(
        "{field}: {value:?} is not usable in a path (letters, digits, '.', '-', '_'; not starting with '.')"
    )]
    PathComponent {
        /// The field of `BundleInput`.
        field: &'static str,
        /// Its value.
        value: String,
    },
    /// The chain head on disk cannot be read.
    #[error("{path}: cannot recover the chain head: {message}")]
    Head {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// The TSA configuration is unusable.
    #[error(transparent)]
    Tsa(#[from] TsaError),
}

/// One listed file of a bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// The file name inside the bundle.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// SHA-256 of its bytes (hex).
    pub sha256: String,
}

/// A control a bundle provides evidence for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Control {
    /// The framework.
    pub framework: String,
    /// The control id.
    pub id: String,
}

/// `manifest.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`MANIFEST_SCHEMA`].
    pub schema: String,
    /// Probe id.
    pub probe_id: String,
    /// Endpoint name.
    pub endpoint: String,
    /// Supplier name.
    pub supplier: String,
    /// Why the bundle was written.
    pub reason: String,
    /// Probe start (RFC 3339 UTC).
    pub started: String,
    /// Probe end (RFC 3339 UTC).
    pub ended: String,
    /// Where the times come from.
    pub clock_source: String,
    /// The writing tool and version.
    pub tool: String,
    /// SHA-256 of the monitor configuration in force.
    pub config_sha256: String,
    /// Position in the endpoint's chain, from 1.
    pub sequence: u64,
    /// SHA-256 (hex) of the previous bundle's `manifest.json`; `None` for the first.
    pub prev_manifest_sha256: Option<String>,
    /// The monitor's Ed25519 public key (base64 of the 32 bytes) that signs this manifest.
    pub monitor_public_key: String,
    /// The TSA asked for a timestamp, if one is configured.
    pub tsa: Option<String>,
    /// Every file of the bundle except the manifest and its signature/timestamp.
    pub files: Vec<FileEntry>,
    /// Controls this evidence supports.
    pub controls: Vec<Control>,
}

/// What was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleRef {
    /// The bundle directory.
    pub path: PathBuf,
    /// SHA-256 (hex) of its `manifest.json`.
    pub manifest_sha256: String,
    /// Position in the endpoint's chain.
    pub sequence: u64,
    /// Why no RFC 3161 token was stored although a TSA is configured (the bundle is kept).
    pub timestamp_error: Option<String>,
}

#[derive(Clone, Debug)]
struct Head {
    sequence: u64,
    manifest_sha256: String,
}

/// Writes bundles and keeps the chain head of every endpoint.
pub struct Writer {
    directory: PathBuf,
    key: SigningKey,
    tsa: Option<TsaClient>,
    clock_source: String,
    heads: HashMap<String, Head>,
}

impl Writer {
    /// A writer into `directory` (created if missing), signing with `key`, timestamping at
    /// `tsa` (an `http(s)://` URL) when given.
    pub fn open(directory: &Path, key: SigningKey, tsa: Option<&str>) -> Result<Self, BundleError> {
        std::fs::create_dir_all(directory).map_err(|source| io(directory, source))?;
        let tsa = tsa.map(TsaClient::new).transpose()?;
        Ok(Self {
            directory: directory.to_owned(),
            key,
            tsa,
            clock_source: "system clock (UTC)".to_owned(),
            heads: HashMap::new(),
        })
    }

    /// Names the clock the probe times come from (recorded in every manifest).
    pub fn with_clock_source(mut self, clock_source: &str) -> Self {
        self.clock_source = clock_source.to_owned();
        self
    }

    /// Seals `input` as the next bundle of its endpoint's chain.
    pub async fn write(&mut self, input: &BundleInput) -> Result<BundleRef, BundleError> {
        check_component("endpoint", &input.endpoint)?;
        check_component("probe_id", &input.probe_id)?;
        let endpoint_dir = self.directory.join(&input.endpoint);
        let head = match self.heads.get(&input.endpoint) {
            Some(head) => Some(head.clone()),
            None => recover_head(&endpoint_dir)?,
        };
        let started = input.started.to_offset(time::UtcOffset::UTC);
        let month_dir = endpoint_dir
            .join(format!("{:04}", started.year()))
            .join(format!("{:02}", u8::from(started.month())));
        let name = format!("{}-{}.evb", file_stamp(started), input.probe_id);
        let final_dir = month_dir.join(&name);
        let temp_dir = month_dir.join(format!(".tmp-{name}"));
        std::fs::create_dir_all(&month_dir).map_err(|source| io(&month_dir, source))?;
        if temp_dir.exists() {
            std::fs::remove_dir_all(&temp_dir).map_err(|source| io(&temp_dir, source))?;
        }
        std::fs::create_dir(&temp_dir).map_err(|source| io(&temp_dir, source))?;

        let software = concat!("fixlog-evidence/", env!("CARGO_PKG_VERSION"));
        let capture = crate::warc::write_capture(input, software);
        let mut verdict = serde_json::to_vec_pretty(&input.verdict).unwrap_or_default();
        verdict.push(b'\n');
        let mut files = Vec::new();
        for (file, bytes) in [(CAPTURE, &capture), (VERDICT, &verdict)] {
            write_file(&temp_dir.join(file), bytes)?;
            files.push(FileEntry {
                path: file.to_owned(),
                size: bytes.len() as u64,
                sha256: hex::encode(Sha256::digest(bytes)),
            });
        }
        let manifest = Manifest {
            schema: MANIFEST_SCHEMA.to_owned(),
            probe_id: input.probe_id.clone(),
            endpoint: input.endpoint.clone(),
            supplier: input.supplier.clone(),
            reason: input.reason.clone(),
            started: rfc3339(input.started),
            ended: rfc3339(input.ended),
            clock_source: self.clock_source.clone(),
            tool: software.to_owned(),
            config_sha256: input.config_sha256.clone(),
            sequence: head.as_ref().map_or(1, |head| head.sequence + 1),
            prev_manifest_sha256: head.map(|head| head.manifest_sha256),
            monitor_public_key: BASE64.encode(self.key.verifying_key().as_bytes()),
            tsa: self.tsa.as_ref().map(|tsa| tsa.url().to_owned()),
            files,
            controls: default_controls(),
        };
        let mut manifest_bytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
        manifest_bytes.push(b'\n');
        let manifest_sha256 = hex::encode(Sha256::digest(&manifest_bytes));
        write_file(&temp_dir.join(MANIFEST), &manifest_bytes)?;
        let signature = self.key.sign(&manifest_bytes);
        write_file(&temp_dir.join(SIGNATURE), &signature.to_bytes())?;

        let mut timestamp_error = None;
        if let Some(tsa) = &self.tsa {
            match tsa.timestamp(&manifest_bytes).await {
                Ok((query, reply)) => {
                    write_file(&temp_dir.join(TIMESTAMP_QUERY), &query)?;
                    write_file(&temp_dir.join(TIMESTAMP_REPLY), &reply)?;
                }
                Err(error) => timestamp_error = Some(error.to_string()),
            }
        }
        sync_dir(&temp_dir)?;
        std::fs::rename(&temp_dir, &final_dir).map_err(|source| io(&final_dir, source))?;
        sync_dir(&month_dir)?;

        let relative = final_dir
            .strip_prefix(&endpoint_dir)
            .unwrap_or(&final_dir)
            .display()
            .to_string();
        let head_text = format!("{} {manifest_sha256} {relative}\n", manifest.sequence);
        let head_temp = endpoint_dir.join(".HEAD.tmp");
        write_file(&head_temp, head_text.as_bytes())?;
        let head_path = endpoint_dir.join("HEAD");
        std::fs::rename(&head_temp, &head_path).map_err(|source| io(&head_path, source))?;
        sync_dir(&endpoint_dir)?;
        self.heads.insert(
            input.endpoint.clone(),
            Head {
                sequence: manifest.sequence,
                manifest_sha256: manifest_sha256.clone(),
            },
        );
        Ok(BundleRef {
            path: final_dir,
            manifest_sha256,
            sequence: manifest.sequence,
            timestamp_error,
        })
    }
}

/// The controls every monitoring bundle is evidence for.
pub fn default_controls() -> Vec<Control> {
    [
        ("NIST CSF 2.0", "GV.SC-07"),
        ("NIST CSF 2.0", "ID.RA-08"),
        ("IEC 62443-4-1", "SUM-2"),
        ("IEC 62443-4-1", "SUM-4"),
        ("EU CRA", "Annex I Part II(4)"),
    ]
    .into_iter()
    .map(|(framework, id)| Control {
        framework: framework.to_owned(),
        id: id.to_owned(),
    })
    .collect()
}

/// The newest bundle of an endpoint: `HEAD`, or a newer complete bundle in the newest month.
fn recover_head(endpoint_dir: &Path) -> Result<Option<Head>, BundleError> {
    let head_path = endpoint_dir.join("HEAD");
    let mut best = match std::fs::read_to_string(&head_path) {
        Ok(text) => {
            let mut fields = text.split_whitespace();
            let sequence = fields.next().and_then(|field| field.parse().ok());
            let digest = fields.next();
            match (sequence, digest) {
                (Some(sequence), Some(digest)) => Some(Head {
                    sequence,
                    manifest_sha256: digest.to_owned(),
                }),
                _ => {
                    return Err(BundleError::Head {
                        path: head_path.display().to_string(),
                        message: "expected `<sequence> <sha256> <path>`".to_owned(),
                    });
                }
            }
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(io(&head_path, source)),
    };
    // A crash after the rename but before HEAD leaves a newer bundle; without HEAD every month
    // is scanned.
    let months = list_month_dirs(endpoint_dir)?;
    let scan: Vec<&PathBuf> = if best.is_some() {
        months.iter().rev().take(2).collect()
    } else {
        months.iter().collect()
    };
    for month in scan {
        for bundle in list_dirs(month)? {
            let name = bundle.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !name.ends_with(".evb") || name.starts_with('.') {
                continue;
            }
            let Ok(bytes) = std::fs::read(bundle.join(MANIFEST)) else {
                continue;
            };
            let Ok(manifest) = serde_json::from_slice::<Manifest>(&bytes) else {
                continue;
            };
            if best
                .as_ref()
                .is_none_or(|head| manifest.sequence > head.sequence)
            {
                best = Some(Head {
                    sequence: manifest.sequence,
                    manifest_sha256: hex::encode(Sha256::digest(&bytes)),
                });
            }
        }
    }
    Ok(best)
}

/// `<endpoint>/<YYYY>/<MM>` directories, oldest first.
pub(crate) fn list_month_dirs(endpoint_dir: &Path) -> Result<Vec<PathBuf>, BundleError> {
    let mut months = Vec::new();
    if !endpoint_dir.exists() {
        return Ok(months);
    }
    for year in list_dirs(endpoint_dir)? {
        if is_digits(&year, 4) {
            months.extend(list_dirs(&year)?.into_iter().filter(|m| is_digits(m, 2)));
        }
    }
    months.sort();
    Ok(months)
}

fn is_digits(path: &Path, length: usize) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.len() == length && name.bytes().all(|b| b.is_ascii_digit()))
}

fn list_dirs(directory: &Path) -> Result<Vec<PathBuf>, BundleError> {
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(directory).map_err(|source| io(directory, source))? {
        let entry = entry.map_err(|source| io(directory, source))?;
        if entry.file_type().map(|kind| kind.is_dir()).unwrap_or(false) {
            dirs.push(entry.path());
        }
    }
    dirs.sort();
    Ok(dirs)
}

fn check_component(field: &'static str, value: &str) -> Result<(), BundleError> {
    let usable = !value.is_empty()
        && value.len() <= 128
        && !value.starts_with('.')
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if usable {
        Ok(())
    } else {
        Err(BundleError::PathComponent {
            field,
            value: value.to_owned(),
        })
    }
}

/// `20260301T100000.125000Z`: ISO 8601 basic format, sortable, no colons.
fn file_stamp(when: OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}.{:06}Z",
        when.year(),
        u8::from(when.month()),
        when.day(),
        when.hour(),
        when.minute(),
        when.second(),
        when.microsecond()
    )
}

fn rfc3339(when: OffsetDateTime) -> String {
    when.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), BundleError> {
    let mut file = std::fs::File::create(path).map_err(|source| io(path, source))?;
    file.write_all(bytes).map_err(|source| io(path, source))?;
    file.sync_all().map_err(|source| io(path, source))
}

fn sync_dir(path: &Path) -> Result<(), BundleError> {
    // Directories can be fsynced on Unix; elsewhere the rename is as durable as it gets.
    #[cfg(unix)]
    std::fs::File::open(path)
        .and_then(|dir| dir.sync_all())
        .map_err(|source| io(path, source))?;
    Ok(())
}

fn io(path: &Path, source: std::io::Error) -> BundleError {
    BundleError::Io {
        path: path.display().to_string(),
        source,
    }
}
