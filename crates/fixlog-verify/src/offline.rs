//! Offline: `fixlog verify --proof FILE.tlog-proof --policy FILE [--image FILE]`.
//!
//! The proof file (c2sp.org/tlog-proof@v1) carries the entry bytes in `extra`; the policy
//! (c2sp.org/tlog-policy) names the log key and witness quorum. No network is used.

use std::io::Read;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use fixlog_formats::EntryDoc;
use fixlog_tlog::{Policy, verify_proof_bundle};
use sha2::{Digest, Sha256};

use crate::VerifyError;
use crate::finding::Finding;
use crate::report::{Checked, Report};

/// Checks a proof file under a policy and, with `image_sha256`, that the image is one of the
/// entry's images. Pure: the caller reads the files and hashes the image.
pub fn check_proof(
    proof_text: &str,
    policy: &Policy,
    image_sha256: Option<&[u8; 32]>,
    subject: &str,
) -> (Checked, Vec<Finding>) {
    let mut checked = Checked::default();
    let mut findings = Vec::new();
    if let Some(digest) = image_sha256 {
        checked.image_sha256 = Some(hex(digest));
    }
    let verified = match verify_proof_bundle(proof_text, policy) {
        Ok(verified) => verified,
        Err(error) => {
            findings.push(Finding::error(
                "authentic.proof.invalid",
                subject,
                format!("the proof does not verify under the policy: {error}"),
            ));
            if image_sha256.is_some() {
                findings.push(Finding::error(
                    "authentic.image.unknown",
                    subject,
                    "the image cannot be matched: the proof is not valid",
                ));
            }
            return (checked, findings);
        }
    };
    checked.origin = Some(verified.checkpoint.origin.clone());
    checked.key = Some(verified.log_key.to_vkey());
    checked.key_source = Some("policy".to_owned());
    checked.size = Some(verified.checkpoint.size);
    checked.root = Some(STANDARD.encode(verified.checkpoint.root));
    checked.proof_index = Some(verified.index);
    findings.push(Finding::info(
        "authentic.proof.verified",
        subject,
        format!(
            "leaf {} is included in the checkpoint of size {} of {} ({} witness cosignatures)",
            verified.index,
            verified.checkpoint.size,
            verified.checkpoint.origin,
            verified.witnesses.len()
        ),
    ));
    let document = match EntryDoc::from_bytes(&verified.entry) {
        Ok(document) => document,
        Err(error) => {
            findings.push(Finding::warning(
                "authentic.proof.not-a-fixlog-entry",
                subject,
                format!(
                    "the leaf verified, but its entry is not a fixlog entry document ({error})"
                ),
            ));
            if image_sha256.is_some() {
                findings.push(Finding::error(
                    "authentic.image.unknown",
                    subject,
                    "the entry names no images to match",
                ));
            }
            return (checked, findings);
        }
    };
    if document.seq != verified.index + 1 {
        findings.push(Finding::error(
            "authentic.entry.seq-mismatch",
            subject,
            format!(
                "the entry at leaf {} says seq {}",
                verified.index, document.seq
            ),
        ));
    }
    findings.extend(witness_findings(&verified, &document, subject));
    if let Some(digest) = image_sha256 {
        let wanted = hex(digest);
        match document
            .images
            .iter()
            .find(|image| image.sha256.eq_ignore_ascii_case(&wanted))
        {
            Some(image) => findings.push(Finding::info(
                "authentic.image.matched",
                subject,
                format!(
                    "the image is {} of entry {} ({} {})",
                    image.name,
                    document.seq,
                    document.product.as_deref().unwrap_or("?"),
                    document.fixed_version.as_deref().unwrap_or("?")
                ),
            )),
            None => findings.push(Finding::error(
                "authentic.image.unknown",
                subject,
                format!(
                    "sha256 {wanted} is not an image of entry {} ({} images)",
                    document.seq,
                    document.images.len()
                ),
            )),
        }
    }
    (checked, findings)
}

/// Who cosigned the checkpoint, and the "logged no later than" bound it gives (the earliest
/// cosignature time, notes/tlog.md §3.4) next to the vendor's claimed release date.
fn witness_findings(
    verified: &fixlog_tlog::VerifiedBundle,
    document: &EntryDoc,
    subject: &str,
) -> Vec<Finding> {
    let Some(earliest) = verified.witnesses.iter().min_by_key(|w| w.timestamp) else {
        return vec![Finding::info(
            "authentic.proof.unwitnessed",
            subject,
            "no witness cosignature counted: only the log vouches for this checkpoint and gives \
             no independent time bound",
        )];
    };
    let mut witnesses: Vec<String> = verified
        .witnesses
        .iter()
        .map(|w| format!("{} at {}", w.name, utc(w.timestamp)))
        .collect();
    witnesses.sort();
    let mut bound = format!(
        "logged no later than {} (earliest witness cosignature, {})",
        utc(earliest.timestamp),
        earliest.name
    );
    match document.release_date.as_deref() {
        Some(claimed) => {
            let gap = time::Date::parse(
                claimed,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .ok()
            .and_then(|date| {
                let logged = time::OffsetDateTime::from_unix_timestamp(
                    i64::try_from(earliest.timestamp).ok()?,
                )
                .ok()?;
                Some((logged.date() - date).whole_days())
            });
            bound.push_str(&format!("; the vendor claims release date {claimed}"));
            if let Some(days) = gap {
                bound.push_str(&format!(" ({days} days before that bound)"));
            }
        }
        None => bound.push_str("; the entry claims no release date"),
    }
    bound.push_str(&format!("; the log says published {}", document.published));
    vec![
        Finding::info(
            "authentic.proof.witnessed",
            subject,
            format!("cosigned by {}", witnesses.join(", ")),
        ),
        Finding::info("authentic.proof.logged-by", subject, bound),
    ]
}

fn utc(timestamp: u64) -> String {
    i64::try_from(timestamp)
        .ok()
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("{timestamp} (POSIX seconds)"))
}

/// Reads the proof, policy and image files and runs [`check_proof`]. Unreadable files and an
/// invalid policy are operational errors; everything about the proof is a finding.
pub fn verify_proof_files(
    proof: &Path,
    policy: &Path,
    image: Option<&Path>,
) -> Result<Report, VerifyError> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|source| VerifyError::File {
            path: path.to_owned(),
            message: source.to_string(),
        })
    };
    let proof_text = read(proof)?;
    let policy = Policy::parse(&read(policy)?).map_err(|error| VerifyError::File {
        path: policy.to_owned(),
        message: format!("not a tlog policy: {error}"),
    })?;
    let digest = match image {
        None => None,
        Some(path) => Some(sha256_file(path).map_err(|source| VerifyError::File {
            path: path.to_owned(),
            message: source.to_string(),
        })?),
    };
    let subject = proof.display().to_string();
    let (checked, findings) = check_proof(&proof_text, &policy, digest.as_ref(), &subject);
    Ok(Report::new(subject, findings, checked))
}

/// SHA-256 of a file, streamed.
pub fn sha256_file(path: &Path) -> std::io::Result<[u8; 32]> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hasher.finalize().into())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
