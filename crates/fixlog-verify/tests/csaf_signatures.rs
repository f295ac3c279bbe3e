//! OpenPGP signatures of a CSAF trusted provider (CSAF 2.0 §7.1.19–20), checked from outside:
//! a provider whose metadata lists a key and whose documents each have a `.asc` passes; a
//! signature by another key, a tampered document byte (with a matching `.sha256`, so only the
//! signature can tell), a tampered signature, a missing `.asc` and a listed fingerprint that
//! is not the served key's each give their own finding.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, Uri, header};
use axum::response::IntoResponse;
use fixlog_csaf::openpgp::SigningKey;
use fixlog_verify::{OnlineOptions, Report, Verdict, verify_publisher};
use serde_json::{Value, json};
use sha2::Digest as _;
use time::OffsetDateTime;

/// What to break in the served tree.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Defect {
    None,
    SignedByAnotherKey,
    TamperedDocumentByte,
    TamperedSignature,
    MissingSignature,
    ListedFingerprintWrong,
}

fn documents() -> Vec<(String, Vec<u8>)> {
    let directory = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/csaf-real/advisories"
    );
    let mut names: Vec<_> = std::fs::read_dir(directory)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let mut out = Vec::new();
    for path in names {
        let bytes = std::fs::read(&path).unwrap();
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        if !fixlog_csaf::validate(&value).is_valid() {
            continue;
        }
        let year = value["document"]["tracking"]["initial_release_date"]
            .as_str()
            .unwrap()[..4]
            .to_owned();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        out.push((format!("{year}/{name}"), bytes));
        if out.len() == 3 {
            break;
        }
    }
    out
}

/// Changes one letter of the document's title: still valid JSON and valid CSAF.
fn tamper_document(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let at = text.find("\"title\"").expect("a title") + "\"title\"".len();
    let start = at + text[at..].find('"').unwrap() + 1;
    let mut bytes = bytes.to_vec();
    let letter = (start..bytes.len())
        .find(|&i| bytes[i].is_ascii_alphabetic())
        .unwrap();
    bytes[letter] ^= 0x20;
    bytes
}

/// Flips one base64 digit inside the armored signature body.
fn tamper_signature(armored: &str) -> String {
    let mut lines: Vec<String> = armored.lines().map(str::to_owned).collect();
    let body = lines
        .iter()
        .rposition(|l| !l.starts_with('=') && !l.starts_with("-----") && l.len() > 8)
        .unwrap();
    let mut chars: Vec<char> = lines[body].chars().collect();
    chars[4] = if chars[4] == 'A' { 'B' } else { 'A' };
    lines[body] = chars.into_iter().collect();
    lines.join("\n") + "\n"
}

async fn provider(defect: Defect) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let key = SigningKey::demo();
    let other = SigningKey::generate(
        "Someone else <other@example.com>",
        [42; 32],
        OffsetDateTime::UNIX_EPOCH,
    )
    .unwrap();
    let fingerprint = key.fingerprint();
    let listed = if defect == Defect::ListedFingerprintWrong {
        other.fingerprint()
    } else {
        fingerprint.clone()
    };
    let key_path = format!("/.well-known/csaf/openpgp/{fingerprint}.asc");
    let metadata = json!({
        "canonical_url": format!("{base}/.well-known/csaf/provider-metadata.json"),
        "distributions": [{"directory_url": format!("{base}/.well-known/csaf/white/")}],
        "last_updated": "2026-11-01T00:00:00.000Z",
        "list_on_CSAF_aggregators": true,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": true,
        "public_openpgp_keys": [{"fingerprint": listed, "url": format!("{base}{key_path}")}],
        "publisher": {"category": "vendor", "name": "Test ICS vendor", "namespace": "https://vendor.example"},
        "role": "csaf_trusted_provider",
    });
    let mut files: BTreeMap<String, (&'static str, Vec<u8>)> = BTreeMap::new();
    files.insert(
        "/.well-known/csaf/provider-metadata.json".into(),
        ("application/json", serde_json::to_vec(&metadata).unwrap()),
    );
    files.insert(
        key_path,
        (
            "application/pgp-keys",
            key.public_key().to_armored().unwrap().into_bytes(),
        ),
    );
    let at = OffsetDateTime::from_unix_timestamp(1_767_225_600).unwrap();
    let mut index = String::new();
    for (number, (path, bytes)) in documents().into_iter().enumerate() {
        let name = path.rsplit('/').next().unwrap().to_owned();
        let signer = if defect == Defect::SignedByAnotherKey && number == 0 {
            &other
        } else {
            &key
        };
        let mut signature = signer.sign(&bytes, at).unwrap();
        let mut served = bytes.clone();
        if number == 0 {
            match defect {
                Defect::TamperedDocumentByte => served = tamper_document(&bytes),
                Defect::TamperedSignature => signature = tamper_signature(&signature),
                _ => {}
            }
        }
        let hash: String = sha2::Sha256::digest(&served)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        index.push_str(&format!("{path}\n"));
        let file = format!("/.well-known/csaf/white/{path}");
        files.insert(
            format!("{file}.sha256"),
            ("text/plain", format!("{hash}  {name}\n").into_bytes()),
        );
        if !(defect == Defect::MissingSignature && number == 0) {
            files.insert(
                format!("{file}.asc"),
                ("application/pgp-signature", signature.into_bytes()),
            );
        }
        files.insert(file, ("application/json", served));
    }
    files.insert(
        "/.well-known/csaf/white/index.txt".into(),
        ("text/plain", index.into_bytes()),
    );
    let files = Arc::new(files);
    let app = Router::new().fallback(move |uri: Uri| {
        let files = files.clone();
        async move {
            match files.get(uri.path()) {
                Some((media, bytes)) => {
                    ([(header::CONTENT_TYPE, *media)], bytes.clone()).into_response()
                }
                None => StatusCode::NOT_FOUND.into_response(),
            }
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

fn errors(report: &Report) -> Vec<String> {
    let mut ids: Vec<String> = report
        .findings
        .iter()
        .filter(|finding| finding.is_error())
        .map(|finding| finding.id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

async fn report(defect: Defect) -> Report {
    verify_publisher(&OnlineOptions::new(provider(defect).await))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_signed_provider_passes() {
    let report = report(Defect::None).await;
    assert_eq!(report.verdict, Verdict::Pass, "{}", report.to_text());
    assert!(
        report
            .checked
            .checks
            .iter()
            .any(|line| line.contains("3 with an .asc checked against 1 OpenPGP key(s)")),
        "{}",
        report.to_text()
    );
}

#[tokio::test]
async fn each_signature_defect_gives_its_finding() {
    for (defect, expected) in [
        (
            Defect::SignedByAnotherKey,
            vec!["authentic.csaf.signature-invalid"],
        ),
        (
            Defect::TamperedDocumentByte,
            vec!["authentic.csaf.signature-invalid"],
        ),
        (
            Defect::TamperedSignature,
            vec!["authentic.csaf.signature-invalid"],
        ),
        (
            Defect::MissingSignature,
            vec!["authentic.csaf.signature-missing"],
        ),
        // The served key is not the listed one, so no key checks the signatures either.
        (
            Defect::ListedFingerprintWrong,
            vec![
                "authentic.csaf.openpgp-key",
                "authentic.csaf.signature-invalid",
            ],
        ),
    ] {
        let report = report(defect).await;
        assert_eq!(
            errors(&report),
            expected,
            "{defect:?}: {}",
            report.to_text()
        );
    }
}
