//! Offline verification of the shared tlog-proof vector: the leaf verifies under the policy,
//! and its entry (a `fwlog-statement/v1` text, not a fixlog entry document) is reported as such.

use std::path::Path;

use fixlog_tlog::Policy;
use fixlog_verify::{Severity, Verdict, check_proof, verify_proof_files};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/tlog");

#[test]
fn the_shared_proof_vector_verifies_but_is_not_a_fixlog_entry() {
    let proof = Path::new(DATA).join("example-entry-2.tlog-proof");
    let policy = Path::new(DATA).join("example-policy.txt");
    let report = verify_proof_files(&proof, &policy, None).unwrap();
    assert_eq!(report.verdict, Verdict::Pass, "{}", report.to_text());
    assert!(
        report.has("authentic.proof.verified"),
        "{}",
        report.to_text()
    );
    assert!(report.has("authentic.proof.not-a-fixlog-entry"));
    assert_eq!(report.count(Severity::Warning), 1);
    assert_eq!(report.checked.proof_index, Some(2));
}

#[test]
fn a_changed_proof_or_an_image_claim_fails() {
    let proof =
        std::fs::read_to_string(Path::new(DATA).join("example-entry-2.tlog-proof")).unwrap();
    let policy = Policy::parse(
        &std::fs::read_to_string(Path::new(DATA).join("example-policy.txt")).unwrap(),
    )
    .unwrap();
    // Another index: the same hashes no longer lead to the root.
    let moved = proof.replacen("index 2\n", "index 3\n", 1);
    assert_ne!(moved, proof);
    let (_, findings) = check_proof(&moved, &policy, None, "moved");
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].id, "authentic.proof.invalid");
    // A valid proof, but its entry names no images: an image cannot be matched.
    let (_, findings) = check_proof(&proof, &policy, Some(&[0; 32]), "image");
    assert!(
        findings
            .iter()
            .any(|f| f.id == "authentic.image.unknown" && f.is_error()),
        "{findings:?}"
    );
}

#[test]
fn an_unreadable_policy_cannot_be_checked() {
    let proof = Path::new(DATA).join("example-entry-2.tlog-proof");
    let error = verify_proof_files(&proof, Path::new("/nonexistent/policy"), None).unwrap_err();
    assert!(error.to_string().contains("/nonexistent/policy"), "{error}");
}
