//! A chain of five bundles verifies; every kind of tampering is found and named.

mod common;

use std::path::{Path, PathBuf};

use ed25519_dalek::{Signer as _, SigningKey};
use fixlog_evidence::verify::{Options, Report, verify_path};
use fixlog_evidence::{BundleRef, Writer};

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

async fn five(root: &Path) -> Vec<BundleRef> {
    let mut writer = Writer::open(root, key(1), None).unwrap();
    common::write_chain(&mut writer, "acme", 5).await
}

fn verify(root: &Path) -> Report {
    verify_path(root, &Options::default()).unwrap()
}

fn ids(report: &Report) -> Vec<(&'static str, PathBuf, Option<String>)> {
    report
        .findings
        .iter()
        .map(|finding| (finding.id, finding.bundle.clone(), finding.file.clone()))
        .collect()
}

fn flip(path: &Path, at: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    let index = at.min(bytes.len() - 1);
    bytes[index] ^= 0x01;
    std::fs::write(path, bytes).unwrap();
}

#[tokio::test]
async fn a_chain_of_five_verifies() {
    let root = tempfile::tempdir().unwrap();
    let written = five(root.path()).await;
    let report = verify(root.path());
    assert!(report.intact(), "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(report.chains_checked);
    assert_eq!(report.bundles.len(), 5);
    let sequences: Vec<_> = written.iter().map(|b| b.sequence).collect();
    assert_eq!(sequences, [1, 2, 3, 4, 5]);
    // The layout of ics-practice.md §4.2.
    let relative = written[0].path.strip_prefix(root.path()).unwrap();
    assert_eq!(
        relative,
        Path::new("acme/2026/03/20260301T100000.123456Z-7d3c1a90-0000-4000-8000-000000000000.evb")
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(written[1].path.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(
        manifest["prev_manifest_sha256"],
        written[0].manifest_sha256.as_str()
    );
    assert_eq!(manifest["controls"][0]["id"], "GV.SC-07");
    let head = std::fs::read_to_string(root.path().join("acme/HEAD")).unwrap();
    assert!(
        head.starts_with(&format!("5 {} ", written[4].manifest_sha256)),
        "{head}"
    );
    // A single bundle verifies on its own, with the pinned key too.
    let pinned = Options {
        key: Some(key(1).verifying_key()),
    };
    let single = verify_path(&written[2].path, &pinned).unwrap();
    assert!(
        single.findings.is_empty() && !single.chains_checked,
        "{single:#?}"
    );
}

#[tokio::test]
async fn one_changed_byte_in_any_file_is_found_and_named() {
    for file in [
        "capture.warc",
        "verdict.json",
        "manifest.json",
        "manifest.json.sig",
    ] {
        for at in [0, 100, usize::MAX] {
            let root = tempfile::tempdir().unwrap();
            let written = five(root.path()).await;
            let target = &written[2].path;
            flip(&target.join(file), at);
            let report = verify(root.path());
            assert!(!report.intact(), "{file}@{at} not detected");
            let found = ids(&report);
            assert!(
                found
                    .iter()
                    .any(|(_, bundle, named)| bundle == target && named.as_deref() == Some(file)),
                "{file}@{at}: no finding names the bundle and file: {found:#?}"
            );
        }
    }
}

#[tokio::test]
async fn a_changed_warc_record_is_named_even_when_the_manifest_is_resigned() {
    // The monitor key holder re-signs a manifest over an altered capture: the digests still
    // name the file, and the WARC check names the record.
    let root = tempfile::tempdir().unwrap();
    let written = five(root.path()).await;
    let capture = written[4].path.join("capture.warc");
    let text = std::fs::read_to_string(&capture).unwrap();
    std::fs::write(&capture, text.replace("ACME PLC 4", "ACME PLC 9")).unwrap();
    let report = verify(root.path());
    let warc: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.id == "evidence.warc")
        .collect();
    assert!(
        warc.iter().any(|f| f.message.contains("WARC-Block-Digest")),
        "{:#?}",
        report.findings
    );
    assert!(
        warc.iter()
            .any(|f| f.message.contains("WARC-Payload-Digest"))
    );
}

#[tokio::test]
async fn removed_bundles_break_the_chain() {
    // The middle one.
    let root = tempfile::tempdir().unwrap();
    let written = five(root.path()).await;
    std::fs::remove_dir_all(&written[2].path).unwrap();
    let report = verify(root.path());
    let found = ids(&report);
    assert!(
        found.contains(&(
            "evidence.chain-link",
            written[3].path.clone(),
            Some("manifest.json".into())
        )),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|(id, bundle, _)| *id == "evidence.chain-sequence" && bundle == &written[3].path)
    );
    // The first one.
    std::fs::remove_dir_all(&written[0].path).unwrap();
    let found = ids(&verify(root.path()));
    assert!(
        found
            .iter()
            .any(|(id, bundle, _)| *id == "evidence.chain-start" && bundle == &written[1].path),
        "{found:#?}"
    );
    // The last one: HEAD still names it.
    std::fs::remove_dir_all(&written[4].path).unwrap();
    let found = ids(&verify(root.path()));
    assert!(
        found.iter().any(|(id, _, _)| *id == "evidence.head"),
        "{found:#?}"
    );
}

#[tokio::test]
async fn a_reordered_bundle_is_found() {
    // Swapping two bundles' directories does not change what the signed manifests say:
    // sequence and links still reveal the true order, and a bundle renamed to another probe
    // id is named.
    let root = tempfile::tempdir().unwrap();
    let written = five(root.path()).await;
    let swap = written[1].path.with_extension("swap");
    std::fs::rename(&written[1].path, &swap).unwrap();
    std::fs::rename(&written[3].path, &written[1].path).unwrap();
    std::fs::rename(&swap, &written[3].path).unwrap();
    let found = ids(&verify(root.path()));
    assert!(
        found
            .iter()
            .any(|(id, _, _)| *id == "evidence.directory-name"),
        "{found:#?}"
    );
}

#[tokio::test]
async fn another_keys_signature_is_rejected() {
    let root = tempfile::tempdir().unwrap();
    let written = five(root.path()).await;
    let manifest = std::fs::read(written[1].path.join("manifest.json")).unwrap();
    let forged = key(2).sign(&manifest);
    std::fs::write(written[1].path.join("manifest.json.sig"), forged.to_bytes()).unwrap();
    let found = ids(&verify(root.path()));
    assert!(
        found.contains(&(
            "evidence.signature",
            written[1].path.clone(),
            Some("manifest.json.sig".into())
        )),
        "{found:#?}"
    );
}

#[tokio::test]
async fn a_manifest_resigned_by_another_key_is_caught_by_the_pinned_key() {
    let root = tempfile::tempdir().unwrap();
    let written = five(root.path()).await;
    let last = &written[4].path;
    // Change the verdict, update its digest, re-sign everything with the forger's key, and
    // repoint HEAD: self-consistent, so only the pinned key can tell.
    let verdict = b"{\"state\": \"up\", \"forged\": true}\n";
    std::fs::write(last.join("verdict.json"), verdict).unwrap();
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(last.join("manifest.json")).unwrap()).unwrap();
    use base64::Engine;
    use sha2::Digest;
    manifest["monitor_public_key"] = base64::engine::general_purpose::STANDARD
        .encode(key(2).verifying_key().as_bytes())
        .into();
    for file in manifest["files"].as_array_mut().unwrap() {
        if file["path"] == "verdict.json" {
            file["sha256"] = hex::encode(sha2::Sha256::digest(verdict)).into();
            file["size"] = verdict.len().into();
        }
    }
    let bytes = serde_json::to_vec_pretty(&manifest).unwrap();
    std::fs::write(last.join("manifest.json"), &bytes).unwrap();
    std::fs::write(
        last.join("manifest.json.sig"),
        key(2).sign(&bytes).to_bytes(),
    )
    .unwrap();
    let relative = last.strip_prefix(root.path().join("acme")).unwrap();
    std::fs::write(
        root.path().join("acme/HEAD"),
        format!(
            "5 {} {}\n",
            hex::encode(sha2::Sha256::digest(&bytes)),
            relative.display()
        ),
    )
    .unwrap();
    assert!(
        verify(root.path()).intact(),
        "without a pinned key the forgery is consistent"
    );
    let pinned = Options {
        key: Some(key(1).verifying_key()),
    };
    let report = verify_path(root.path(), &pinned).unwrap();
    let found = ids(&report);
    assert!(
        found.contains(&(
            "evidence.key-pinned",
            last.clone(),
            Some("manifest.json".into())
        )),
        "{found:#?}"
    );
    assert!(!report.intact());
}

#[tokio::test]
async fn unlisted_and_traversing_files_are_found() {
    let root = tempfile::tempdir().unwrap();
    let written = five(root.path()).await;
    std::fs::write(written[0].path.join("extra.txt"), "x").unwrap();
    let found = ids(&verify(root.path()));
    assert!(
        found.contains(&(
            "evidence.file-unlisted",
            written[0].path.clone(),
            Some("extra.txt".into())
        )),
        "{found:#?}"
    );
}

#[tokio::test]
async fn a_new_writer_continues_the_chain_even_after_a_crash_before_head() {
    let root = tempfile::tempdir().unwrap();
    let written = five(root.path()).await;
    // A crash after the rename but before HEAD: HEAD still names bundle 4.
    std::fs::write(
        root.path().join("acme/HEAD"),
        format!("4 {} x\n", written[3].manifest_sha256),
    )
    .unwrap();
    let chain = common::chain_pem();
    let mut writer = Writer::open(root.path(), key(1), None).unwrap();
    let later = time::macros::datetime!(2026-04-02 00:00:00 UTC);
    let sixth = writer
        .write(&common::probe("acme", 6, later, &chain))
        .await
        .unwrap();
    assert_eq!(sixth.sequence, 6);
    // Without HEAD at all, the scan recovers too.
    std::fs::remove_file(root.path().join("acme/HEAD")).unwrap();
    let mut writer = Writer::open(root.path(), key(1), None).unwrap();
    let seventh = writer
        .write(&common::probe(
            "acme",
            7,
            later + time::Duration::hours(1),
            &chain,
        ))
        .await
        .unwrap();
    assert_eq!(seventh.sequence, 7);
    let report = verify(root.path());
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    // Chains are per endpoint.
    let mut other = Writer::open(root.path(), key(1), None).unwrap();
    let first = other
        .write(&common::probe("beta", 1, later, &chain))
        .await
        .unwrap();
    assert_eq!(first.sequence, 1);
    assert!(verify(root.path()).findings.is_empty());
}

#[tokio::test]
async fn unusable_names_are_refused_naming_the_field() {
    let root = tempfile::tempdir().unwrap();
    let mut writer = Writer::open(root.path(), key(1), None).unwrap();
    let chain = common::chain_pem();
    let mut input = common::probe("../escape", 1, time::OffsetDateTime::UNIX_EPOCH, &chain);
    let error = writer.write(&input).await.unwrap_err();
    assert!(error.to_string().starts_with("endpoint:"), "{error}");
    input.endpoint = "acme".to_owned();
    input.probe_id = "a/b".to_owned();
    let error = writer.write(&input).await.unwrap_err();
    assert!(error.to_string().starts_with("probe_id:"), "{error}");
    assert!(!root.path().join("acme").join("HEAD").exists());
}

#[test]
fn nothing_to_check_is_an_error_not_a_pass() {
    let root = tempfile::tempdir().unwrap();
    assert!(verify_path(root.path(), &Options::default()).is_err());
    assert!(verify_path(&root.path().join("missing"), &Options::default()).is_err());
}

#[tokio::test]
async fn warcio_accepts_every_capture() {
    let Some(warcio) = common::venv_tool("warcio") else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let written = five(root.path()).await;
    for bundle in &written {
        let capture = bundle.path.join("capture.warc");
        let check = std::process::Command::new(&warcio)
            .args(["check", "-v"])
            .arg(&capture)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&check.stdout);
        assert!(
            check.status.success(),
            "warcio check: {stdout} {}",
            String::from_utf8_lossy(&check.stderr)
        );
        assert!(stdout.contains("digest pass"), "{stdout}");
        assert!(!stdout.contains("fail"), "{stdout}");
        let index = std::process::Command::new(&warcio)
            .args([
                "index",
                "-f",
                "warc-type,warc-target-uri,http:status,length",
            ])
            .arg(&capture)
            .output()
            .unwrap();
        assert!(index.status.success());
        let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&index.stdout)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        let types: Vec<_> = lines
            .iter()
            .map(|l| l["warc-type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            [
                "warcinfo", "request", "metadata", "request", "response", "metadata"
            ]
        );
        assert_eq!(lines[4]["http:status"], "200");
    }
    // And warcio notices a changed byte.
    flip(&written[0].path.join("capture.warc"), 2000);
    let check = std::process::Command::new(&warcio)
        .args(["check"])
        .arg(written[0].path.join("capture.warc"))
        .output()
        .unwrap();
    assert!(
        !check.status.success(),
        "warcio check passed a changed file"
    );
}
