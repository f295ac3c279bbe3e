//! `fixlog check-image --server URL FILE…`: is this file a vendor-released image, and which
//! CVEs are open or fixed for it? Hashes each file (SHA-256 and SHA3-256, one pass), asks
//! `GET /api/v1/firmware/by-digest/{sha256}`, then the version's status
//! (`GET /api/v1/products/{product}/versions/{version}`). Exit 0 when every file is a
//! published release, 1 otherwise, 2 when a file or the server cannot be read.

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;
use serde_json::Value;

use crate::Failure;
use crate::hashing::digest_file;

/// `fixlog check-image`.
#[derive(Debug, Args)]
pub struct CheckImageArgs {
    /// Base URL of the publisher.
    #[arg(long)]
    pub server: String,
    /// Image files to look up.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print one JSON document `{"images": [...]}` instead of text.
    #[arg(long)]
    pub json: bool,
}

/// What the publisher says about one file (`--json`: one element of `images`).
#[derive(Debug, Serialize)]
pub struct ImageStatus {
    /// The file as given.
    pub file: String,
    /// Its size in bytes.
    pub size: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// SHA3-256, lowercase hex.
    pub sha3_256: String,
    /// Whether the digest is a published release image.
    pub published: bool,
    /// The product of the release.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// The released version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Its patch release date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_date: Option<String>,
    /// The log entry of the release.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// Whether a later entry superseded this image.
    pub superseded: bool,
    /// CVEs fixed in (or not affecting) this version.
    pub fixed: Vec<String>,
    /// CVEs that affect this version, with the version that fixes each where known.
    pub open: Vec<OpenCve>,
}

/// A CVE open for a version.
#[derive(Debug, Serialize)]
pub struct OpenCve {
    /// CVE id.
    pub cve: String,
    /// Version that fixes it, if any is published or announced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_in: Option<String>,
}

async fn get_json(client: &reqwest::Client, url: &str) -> Result<Option<Value>, Failure> {
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|error| Failure::operational(format!("{url}: {error}")))?;
    match response.status().as_u16() {
        404 => Ok(None),
        200..=299 => response
            .json()
            .await
            .map(Some)
            .map_err(|error| Failure::operational(format!("{url}: {error}"))),
        status => Err(Failure::operational(format!("{url}: HTTP {status}"))),
    }
}

/// Percent-encodes a path segment.
fn segment(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Runs `fixlog check-image`.
pub async fn check_image(args: CheckImageArgs) -> Result<(), Failure> {
    let server = args.server.trim_end_matches('/');
    let client = reqwest::Client::builder()
        .user_agent(concat!("fixlog/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| Failure::operational(error.to_string()))?;
    let mut statuses = Vec::new();
    for file in &args.files {
        let path = file.clone();
        let digests = tokio::task::spawn_blocking(move || digest_file(&path))
            .await
            .map_err(|error| Failure::operational(error.to_string()))?
            .map_err(|error| Failure::operational(format!("{}: {error}", file.display())))?;
        let mut status = ImageStatus {
            file: file.display().to_string(),
            size: digests.size,
            sha256: digests.sha256.clone(),
            sha3_256: digests.sha3_256.clone(),
            published: false,
            product: None,
            version: None,
            release_date: None,
            seq: None,
            superseded: false,
            fixed: Vec::new(),
            open: Vec::new(),
        };
        let url = format!("{server}/api/v1/firmware/by-digest/{}", digests.sha256);
        let found = get_json(&client, &url).await?;
        let best = found.as_ref().and_then(|found| {
            let matches = found.get("matches")?.as_array()?;
            matches
                .iter()
                .find(|m| m.get("superseded") == Some(&Value::Bool(false)))
                .or_else(|| matches.first())
                .cloned()
        });
        if let Some(found) = best {
            let text = |field: &str| found.get(field).and_then(Value::as_str).map(str::to_owned);
            status.published = true;
            status.product = text("product");
            status.version = text("version");
            status.release_date = text("release_date");
            status.seq = found.get("seq").and_then(Value::as_u64);
            status.superseded = found
                .get("superseded")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if let (Some(product), Some(version)) = (&status.product, &status.version) {
                let url = format!(
                    "{server}/api/v1/products/{}/versions/{}",
                    segment(product),
                    segment(version)
                );
                if let Some(version_status) = get_json(&client, &url).await? {
                    for cve in version_status
                        .get("cves")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let id = cve
                            .get("cve")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned();
                        match cve.get("status").and_then(Value::as_str) {
                            Some("known_affected" | "under_investigation") => {
                                status.open.push(OpenCve {
                                    cve: id,
                                    fixed_in: cve
                                        .get("fixed_in")
                                        .and_then(Value::as_str)
                                        .map(str::to_owned),
                                })
                            }
                            _ => status.fixed.push(id),
                        }
                    }
                }
            }
        }
        statuses.push(status);
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "images": statuses }))
                .expect("statuses serialize")
        );
    } else {
        for status in &statuses {
            if status.published {
                println!(
                    "{}: published release {} {} (released {}, entry {}{})",
                    status.file,
                    status.product.as_deref().unwrap_or("?"),
                    status.version.as_deref().unwrap_or("?"),
                    status.release_date.as_deref().unwrap_or("?"),
                    status
                        .seq
                        .map_or_else(|| "?".to_owned(), |seq| seq.to_string()),
                    if status.superseded {
                        ", superseded"
                    } else {
                        ""
                    }
                );
                println!("  sha256 {}", status.sha256);
                println!(
                    "  fixed: {}",
                    if status.fixed.is_empty() {
                        "none".to_owned()
                    } else {
                        status.fixed.join(", ")
                    }
                );
                if status.open.is_empty() {
                    println!("  open: none");
                } else {
                    for open in &status.open {
                        println!(
                            "  open: {}{}",
                            open.cve,
                            open.fixed_in
                                .as_deref()
                                .map(|version| format!(" (fixed in {version})"))
                                .unwrap_or_default()
                        );
                    }
                }
            } else {
                println!(
                    "{}: NOT a published release image (sha256 {})",
                    status.file, status.sha256
                );
            }
        }
    }
    let unknown = statuses.iter().filter(|status| !status.published).count();
    if unknown == 0 {
        Ok(())
    } else {
        Err(Failure::finding(format!(
            "{unknown} of {} images are not published releases of {server}",
            statuses.len()
        )))
    }
}
