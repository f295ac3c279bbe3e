//! `proof-bundle-vectors.json`, `example-entry-2.tlog-proof` and `example-policy.txt`: the
//! end-to-end log example with TEST-ONLY keys, the offline proof bundle, and the six negative
//! bundles that must be rejected.

mod common;

use common::{hash, hashes, load, read, seed, str_of, u64_of};
use ed25519_dalek::SigningKey;
use fixlog_tlog::{
    AddCheckpointRequest, BundleError, Checkpoint, Cosigner, MemoryTree, Note, Policy, ProofBundle,
    Signer, Verifier, encode_entry_bundle, open_checkpoint, open_note, parse_note, tile_nodes,
    verify_consistency, verify_inclusion, verify_proof_bundle,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn entries(vectors: &Value) -> Vec<String> {
    vectors["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| str_of(&e["entry"]).to_owned())
        .collect()
}

fn tree(vectors: &Value) -> MemoryTree {
    let mut tree = MemoryTree::new();
    for entry in entries(vectors) {
        tree.push(entry.as_bytes());
    }
    tree
}

fn key<'a>(vectors: &'a Value, role: &str) -> &'a Value {
    vectors["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["role"] == role)
        .unwrap()
}

#[test]
fn entries_tiles_and_roots() {
    let vectors = load("proof-bundle-vectors.json");
    let vendor = Verifier::from_vkey(str_of(&key(&vectors, "vendor")["vkey"])).unwrap();
    let vendor_key = key(&vectors, "vendor");
    let vendor_signer = Signer::new(
        str_of(&vendor_key["name"]),
        SigningKey::from_bytes(&seed(&vendor_key["seed"])),
    )
    .unwrap();
    let tree = tree(&vectors);
    for (i, case) in vectors["entries"].as_array().unwrap().iter().enumerate() {
        let entry = str_of(&case["entry"]);
        assert_eq!(u64_of(&case["index"]), i as u64);
        assert_eq!(
            fixlog_tlog::leaf_hash(entry.as_bytes()),
            hash(&case["leaf_hash"])
        );
        // Each entry is a signed note by the vendor key, reproducible from the vendor seed.
        let opened = open_note(entry, std::slice::from_ref(&vendor)).unwrap();
        assert_eq!(
            fixlog_tlog::sign_note(&opened.text, &[&vendor_signer]).unwrap(),
            entry
        );
    }
    let level0: Vec<u8> = tile_nodes(0, 0, 5)
        .flat_map(|n| tree.node(n).unwrap())
        .collect();
    assert_eq!(hex::encode(level0), str_of(&vectors["level0_tile_000_p_5"]));
    let all = entries(&vectors);
    let bundle = encode_entry_bundle(&all.iter().map(|e| e.as_bytes()).collect::<Vec<_>>());
    assert_eq!(
        hex::encode(Sha256::digest(&bundle)),
        str_of(&vectors["entry_bundle_tile_entries_000_p_5_sha256"])
    );
    for case in vectors["roots"].as_array().unwrap() {
        assert_eq!(
            tree.root_at(u64_of(&case["size"])).unwrap(),
            hash(&case["root"])
        );
    }
}

#[test]
fn checkpoints_verify_and_are_reproduced_from_the_seeds() {
    let vectors = load("proof-bundle-vectors.json");
    let policy = Policy::parse(str_of(&vectors["policy"])).unwrap();
    let tree = tree(&vectors);
    let log = key(&vectors, "log");
    let signer = Signer::new(
        str_of(&log["name"]),
        SigningKey::from_bytes(&seed(&log["seed"])),
    )
    .unwrap();
    let mut known: Vec<Verifier> = policy.logs.iter().map(|l| l.key.clone()).collect();
    known.extend(policy.witnesses.iter().map(|w| w.key.clone()));
    for (field, size, witnesses) in [("checkpoint_3", 3, 2), ("checkpoint_5", 5, 3)] {
        let note = str_of(&vectors[field]);
        let (checkpoint, opened) = open_checkpoint(note, &known).unwrap();
        assert_eq!(checkpoint.size, size);
        assert_eq!(checkpoint.root, tree.root_at(size).unwrap());
        assert_eq!(opened.verified.len(), 1 + witnesses);

        // Rebuild the note: log signature from the seed, cosignatures at their timestamps.
        let expected = Checkpoint {
            origin: "example.com/fwlog-test".into(),
            size,
            root: checkpoint.root,
            extensions: vec![],
        };
        let mut rebuilt = Note {
            text: expected.to_text(),
            signatures: vec![],
        };
        rebuilt.signatures.extend(
            parse_note(&expected.sign(&[&signer]).unwrap())
                .unwrap()
                .signatures,
        );
        for verified in opened.verified.iter().filter(|v| v.timestamp.is_some()) {
            let role = verified.name.split('.').next().unwrap();
            let witness = key(&vectors, role);
            let cosigner = Cosigner::new(
                &verified.name,
                SigningKey::from_bytes(&seed(&witness["seed"])),
            )
            .unwrap();
            rebuilt.signatures.push(
                cosigner
                    .cosign(&rebuilt.text, verified.timestamp.unwrap())
                    .unwrap(),
            );
        }
        assert_eq!(rebuilt.to_string(), note, "{field}");
    }
}

#[test]
fn consistency_and_inclusion_proofs_and_witness_request() {
    let vectors = load("proof-bundle-vectors.json");
    let tree = tree(&vectors);
    let consistency = hashes(&vectors["consistency_3_5"]);
    assert_eq!(
        fixlog_tlog::consistency_proof(3, 5, &tree).unwrap(),
        consistency
    );
    let (root3, root5) = (tree.root_at(3).unwrap(), tree.root());
    verify_consistency(3, 5, &root3, &root5, &consistency).unwrap();
    let inclusion = hashes(&vectors["inclusion_2_in_5"]);
    assert_eq!(tree.inclusion_proof(2).unwrap(), inclusion);
    verify_inclusion(
        2,
        5,
        &tree.node(fixlog_tlog::NodeId::new(0, 2)).unwrap(),
        &inclusion,
        &root5,
    )
    .unwrap();

    let body = str_of(&vectors["witness_add_checkpoint_request_3_to_5"]);
    let request = AddCheckpointRequest::parse(body).unwrap();
    assert_eq!(request.old_size, 3);
    assert_eq!(request.proof, consistency);
    assert_eq!(request.to_text(), body);
    let log_key = Verifier::from_vkey(str_of(&key(&vectors, "log")["vkey"])).unwrap();
    let (checkpoint, _) = open_checkpoint(&request.checkpoint, &[log_key]).unwrap();
    verify_consistency(
        request.old_size,
        checkpoint.size,
        &root3,
        &checkpoint.root,
        &request.proof,
    )
    .unwrap();
}

#[test]
fn policy_file_matches_the_vector_and_round_trips() {
    let vectors = load("proof-bundle-vectors.json");
    let text = str_of(&vectors["policy"]);
    assert_eq!(read("example-policy.txt"), text);
    let policy = Policy::parse(text).unwrap();
    assert_eq!(policy.logs.len(), 1);
    assert_eq!(policy.witnesses.len(), 3);
    assert_eq!(policy.groups[0].threshold, 2);
    assert_eq!(policy.quorum.as_deref(), Some("fwlog-witnesses"));
    assert_eq!(Policy::parse(&policy.to_text()).unwrap(), policy);
}

#[test]
fn positive_bundle_verifies() {
    let vectors = load("proof-bundle-vectors.json");
    let text = str_of(&vectors["tlog_proof_entry_2"]);
    assert_eq!(read("example-entry-2.tlog-proof"), text);
    let bundle = ProofBundle::parse(text).unwrap();
    assert_eq!(bundle.to_text(), text);
    assert_eq!(bundle.checkpoint, str_of(&vectors["checkpoint_5"]));

    let policy = Policy::parse(&read("example-policy.txt")).unwrap();
    let verified = verify_proof_bundle(text, &policy).unwrap();
    assert_eq!(verified.index, 2);
    assert_eq!(
        verified.entry,
        str_of(&vectors["entries"][2]["entry"]).as_bytes()
    );
    assert_eq!(verified.checkpoint.size, 5);
    assert_eq!(verified.log_key.name(), "example.com/fwlog-test");
    let names: Vec<&str> = verified.witnesses.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["W1", "W2", "W3"]);
    assert!(
        verified
            .witnesses
            .iter()
            .all(|w| w.timestamp > 1_700_000_000)
    );
}

#[test]
fn all_negative_bundles_are_rejected() {
    let vectors = load("proof-bundle-vectors.json");
    let policy = Policy::parse(str_of(&vectors["policy"])).unwrap();
    let cases = vectors["negative"].as_array().unwrap();
    for case in cases {
        let desc = str_of(&case["desc"]);
        let error = verify_proof_bundle(str_of(&case["tlog_proof"]), &policy).expect_err(desc);
        // The reference's error texts are informative; check the category where it is clear.
        let expected_category = match desc {
            d if d.contains("quorum") => matches!(error, BundleError::QuorumNotMet),
            d if d.contains("log signature stripped") => {
                matches!(error, BundleError::NoLogSignature { .. })
            }
            d if d.contains("size edited") => matches!(error, BundleError::Checkpoint(_)),
            _ => matches!(error, BundleError::Proof(_)),
        };
        assert!(expected_category, "{desc}: {error}");
    }
    assert_eq!(cases.len(), 6);
}
