//! The CSAF 2.0 provider: provider metadata against its schema, the document list (ROLIE feed
//! or `index.txt`), each document through `fixlog_csaf::validate` (strict schema plus the
//! mandatory tests of CSAF 2.0 §6.1), the file name rule (§5.1, requirement 2), the year
//! folder (requirement 11), the `.sha256` files (requirement 18), and the OpenPGP signatures
//! `.asc` (requirement 19) against the keys `public_openpgp_keys` lists (requirement 20).

use fixlog_csaf::openpgp::PublicKey;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::finding::Finding;

/// The mandatory tests about the revision history and version (CSAF 2.0 §6.1.14 sorted
/// revision history, 6.1.16 latest document version, 6.1.21 missing item in revision history,
/// 6.1.22 multiple definition in revision history), reported as
/// `wellformed.csaf.revision-history`.
pub const REVISION_TESTS: &[&str] = &["6.1.14", "6.1.16", "6.1.21", "6.1.22"];

/// Checks `provider-metadata.json` against the CSAF 2.0 provider metadata schema.
pub fn check_metadata(metadata: &Value, url: &str) -> Vec<Finding> {
    let errors = fixlog_csaf::schema::schema_errors(
        fixlog_csaf::schema::SchemaKind::ProviderMetadata,
        metadata,
    );
    if errors.is_empty() {
        return Vec::new();
    }
    let detail: Vec<String> = errors
        .iter()
        .take(5)
        .map(|error| format!("{}: {}", error.path, error.message))
        .collect();
    vec![Finding::error(
        "wellformed.csaf.provider-metadata",
        url,
        format!(
            "provider-metadata.json fails its schema: {}",
            detail.join("; ")
        ),
    )]
}

/// Where the provider's documents are listed: ROLIE feed URLs and directory URLs
/// (`distributions[]`, CSAF 2.0 §7.1.7).
pub fn distributions(metadata: &Value) -> (Vec<String>, Vec<String>) {
    let mut feeds = Vec::new();
    let mut directories = Vec::new();
    for distribution in metadata
        .get("distributions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(directory) = distribution.get("directory_url").and_then(Value::as_str) {
            directories.push(directory.trim_end_matches('/').to_owned());
        }
        for feed in distribution
            .pointer("/rolie/feeds")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(url) = feed.get("url").and_then(Value::as_str) {
                feeds.push(url.to_owned());
            }
        }
    }
    (feeds, directories)
}

/// Document URLs of a ROLIE feed (`feed.entry[].content.src`).
pub fn feed_documents(feed: &Value) -> Vec<String> {
    feed.pointer("/feed/entry")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.pointer("/content/src").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

/// Document URLs of an `index.txt` below `directory`.
pub fn index_documents(index: &str, directory: &str) -> Vec<String> {
    index
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| format!("{directory}/{line}"))
        .collect()
}

/// The file name CSAF 2.0 §5.1 requires for a tracking id.
pub fn expected_file_name(tracking_id: &str) -> String {
    let mut name = String::new();
    let mut replaced = false;
    for c in tracking_id.to_lowercase().chars() {
        if c == '+' || c == '-' || c.is_ascii_lowercase() || c.is_ascii_digit() {
            name.push(c);
            replaced = false;
        } else if !replaced {
            name.push('_');
            replaced = true;
        }
    }
    name + ".json"
}

/// Checks one fetched document: validity, file name and year folder.
pub fn check_document(document: &Value, url: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    let report = fixlog_csaf::validate::validate(document);
    let mut revision = Vec::new();
    let mut schema = Vec::new();
    let mut mandatory = Vec::new();
    for failure in &report.findings {
        let line = format!("{} {}: {}", failure.test, failure.path, failure.message);
        if REVISION_TESTS.contains(&failure.test) {
            revision.push(line);
        } else if failure.test == "schema" {
            schema.push(line);
        } else {
            mandatory.push(line);
        }
    }
    for (id, lines, what) in [
        (
            "wellformed.csaf.revision-history",
            revision,
            "revision history",
        ),
        ("wellformed.csaf.schema", schema, "the CSAF 2.0 JSON schema"),
        (
            "wellformed.csaf.mandatory-test",
            mandatory,
            "the mandatory tests",
        ),
    ] {
        if !lines.is_empty() {
            let shown: Vec<&str> = lines.iter().take(3).map(String::as_str).collect();
            findings.push(Finding::error(
                id,
                url,
                format!(
                    "fails {what} ({} problems): {}",
                    lines.len(),
                    shown.join("; ")
                ),
            ));
        }
    }
    if let Some(tracking_id) = document
        .pointer("/document/tracking/id")
        .and_then(Value::as_str)
    {
        let expected = expected_file_name(tracking_id);
        let actual = url.rsplit('/').next().unwrap_or_default();
        if actual != expected {
            findings.push(Finding::error(
                "wellformed.csaf.filename",
                url,
                format!(
                    "tracking id {tracking_id:?} needs the file name {expected} (CSAF 2.0 §5.1)"
                ),
            ));
        }
    }
    if let Some(initial) = document
        .pointer("/document/tracking/initial_release_date")
        .and_then(Value::as_str)
        && let Some(year) = initial.get(..4)
    {
        let folder = url.rsplit('/').nth(1).unwrap_or_default();
        if folder != year {
            findings.push(Finding::warning(
                "wellformed.csaf.year-folder",
                url,
                format!("initial release {initial} but folder {folder:?} (CSAF 2.0 §7.1.11)"),
            ));
        }
    }
    findings
}

/// Compares a `.sha256` file with the document bytes (CSAF 2.0 §7.1.18).
pub fn check_hash_file(document: &[u8], hash_file: &str, url: &str) -> Option<Finding> {
    let claimed = hash_file
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let actual = hex(&Sha256::digest(document));
    (claimed != actual).then(|| {
        Finding::error(
            "authentic.csaf.hash-mismatch",
            format!("{url}.sha256"),
            format!("names SHA-256 {claimed} but the document hashes to {actual}"),
        )
    })
}

/// The OpenPGP keys `provider-metadata.json` lists: `(fingerprint, url)`, fingerprints
/// uppercased.
pub fn listed_keys(metadata: &Value) -> Vec<(String, String)> {
    metadata
        .get("public_openpgp_keys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|key| {
            let url = key.get("url").and_then(Value::as_str)?;
            let fingerprint = key
                .get("fingerprint")
                .and_then(Value::as_str)
                .unwrap_or_default();
            Some((fingerprint.to_ascii_uppercase(), url.to_owned()))
        })
        .collect()
}

/// Whether the provider claims the trusted-provider role, which needs signatures (CSAF 2.0
/// §7.2.3: requirements 18 to 20).
pub fn claims_trusted_provider(metadata: &Value) -> bool {
    metadata.get("role").and_then(Value::as_str) == Some("csaf_trusted_provider")
}

/// Parses a fetched public key and compares its fingerprint with the one the metadata lists
/// (`authentic.csaf.openpgp-key` when it is not a key or another key).
pub fn check_openpgp_key(
    listed_fingerprint: &str,
    armored: &str,
    url: &str,
) -> Result<PublicKey, Finding> {
    let key = PublicKey::from_armored(armored).map_err(|error| {
        Finding::error(
            "authentic.csaf.openpgp-key",
            url,
            format!("the OpenPGP key listed in provider-metadata.json is unusable: {error}"),
        )
    })?;
    if !listed_fingerprint.is_empty() && key.fingerprint() != listed_fingerprint {
        return Err(Finding::error(
            "authentic.csaf.openpgp-key",
            url,
            format!(
                "provider-metadata.json lists fingerprint {listed_fingerprint} but the key at this URL is {}",
                key.fingerprint()
            ),
        ));
    }
    Ok(key)
}

/// Checks the `.asc` beside a document (CSAF 2.0 §7.1.19) against the provider's keys:
/// `authentic.csaf.signature-missing` when there is none, `authentic.csaf.signature-invalid`
/// when no listed key verifies it over the document bytes.
pub fn check_signature(
    document: &[u8],
    signature: Option<&str>,
    keys: &[PublicKey],
    url: &str,
) -> Option<Finding> {
    let Some(signature) = signature else {
        return Some(Finding::error(
            "authentic.csaf.signature-missing",
            format!("{url}.asc"),
            "no OpenPGP signature beside the document (CSAF 2.0 §7.1.19)",
        ));
    };
    let mut refusals = Vec::new();
    for key in keys {
        match key.verify(document, signature) {
            Ok(()) => return None,
            Err(error) => refusals.push(error.to_string()),
        }
    }
    if refusals.is_empty() {
        refusals.push("provider-metadata.json lists no usable OpenPGP key".to_owned());
    }
    Some(Finding::error(
        "authentic.csaf.signature-invalid",
        format!("{url}.asc"),
        format!(
            "the signature does not verify over the document: {}",
            refusals.join("; ")
        ),
    ))
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_section_5_1() {
        assert_eq!(expected_file_name("ICSA-24-100-01"), "icsa-24-100-01.json");
        assert_eq!(
            expected_file_name("Acme SA/2026:001"),
            "acme_sa_2026_001.json"
        );
    }

    fn signed() -> (Vec<u8>, String, PublicKey) {
        let key = fixlog_csaf::openpgp::SigningKey::demo();
        let document = br#"{"document":{"title":"T"}}"#.to_vec();
        let at = time::OffsetDateTime::from_unix_timestamp(1_767_225_600).expect("time");
        let signature = key.sign(&document, at).expect("signs");
        (document, signature, key.public_key())
    }

    fn id(finding: Option<Finding>) -> String {
        finding.map(|f| f.id).unwrap_or_else(|| "none".to_owned())
    }

    #[test]
    fn signatures_are_checked_against_the_listed_key() {
        let (document, signature, key) = signed();
        assert_eq!(
            id(check_signature(
                &document,
                Some(&signature),
                std::slice::from_ref(&key),
                "u"
            )),
            "none"
        );
        assert_eq!(
            id(check_signature(
                &document,
                None,
                std::slice::from_ref(&key),
                "u"
            )),
            "authentic.csaf.signature-missing"
        );
        let mut tampered = document.clone();
        tampered[15] ^= 0x20;
        assert_eq!(
            id(check_signature(
                &tampered,
                Some(&signature),
                std::slice::from_ref(&key),
                "u"
            )),
            "authentic.csaf.signature-invalid"
        );
        let other = fixlog_csaf::openpgp::SigningKey::generate(
            "Other <o@example.com>",
            [5; 32],
            time::OffsetDateTime::UNIX_EPOCH,
        )
        .expect("key")
        .public_key();
        let wrong = check_signature(&document, Some(&signature), &[other], "u").expect("a finding");
        assert_eq!(wrong.id, "authentic.csaf.signature-invalid");
        assert!(wrong.message.contains("not by key"), "{}", wrong.message);
        assert_eq!(
            id(check_signature(&document, Some("garbage"), &[key], "u")),
            "authentic.csaf.signature-invalid"
        );
    }

    #[test]
    fn a_listed_fingerprint_must_match_the_served_key() {
        let (_, _, key) = signed();
        let armored = key.to_armored().expect("armors");
        assert!(check_openpgp_key(&key.fingerprint(), &armored, "u").is_ok());
        let mismatch = check_openpgp_key(&"0".repeat(40), &armored, "u").expect_err("mismatch");
        assert_eq!(mismatch.id, "authentic.csaf.openpgp-key");
        let garbage = check_openpgp_key("", "nope", "u").expect_err("garbage");
        assert_eq!(garbage.id, "authentic.csaf.openpgp-key");
    }
}
