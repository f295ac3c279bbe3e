//! `merkle-vectors.json` (generation and verification) and `merkle-probes.json` (196 verifier
//! accept/reject probes from transparency-dev/merkle).

mod common;

use common::{hash, hashes, load, str_of, try_hash, try_hashes, u64_of};
use fixlog_tlog::{
    EMPTY_ROOT, MemoryTree, NodeId, consistency_proof, inclusion_proof, leaf_hash, root_from_nodes,
    verify_consistency, verify_inclusion,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn tree_of(leaves: impl IntoIterator<Item = Vec<u8>>) -> MemoryTree {
    let mut tree = MemoryTree::new();
    for leaf in leaves {
        tree.push(&leaf);
    }
    tree
}

fn small_tree(vectors: &Value) -> MemoryTree {
    tree_of(
        vectors["leaves"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| hex::decode(str_of(l)).unwrap()),
    )
}

fn large_tree() -> MemoryTree {
    tree_of((0..1000).map(|i| format!("leaf {i}").into_bytes()))
}

#[test]
fn hasher_vectors() {
    let vectors = load("merkle-vectors.json");
    for case in vectors["hasher"].as_array().unwrap() {
        let expected = hash(&case["hash"]);
        match str_of(&case["kind"]) {
            "empty_root" => assert_eq!(EMPTY_ROOT, expected),
            "leaf" => assert_eq!(
                leaf_hash(&hex::decode(str_of(&case["input"])).unwrap()),
                expected
            ),
            // The children here are 4-byte strings, not hashes, so `node_hash(&Hash, &Hash)`
            // cannot take them; check the 0x01 prefix convention directly.
            "node" => {
                let mut hasher = Sha256::new();
                hasher.update([0x01]);
                hasher.update(hex::decode(str_of(&case["left"])).unwrap());
                hasher.update(hex::decode(str_of(&case["right"])).unwrap());
                assert_eq!(<[u8; 32]>::from(hasher.finalize()), expected);
            }
            other => panic!("unknown hasher kind {other}"),
        }
    }
    let leaves = &vectors["leaves"];
    for (leaf, expected) in leaves
        .as_array()
        .unwrap()
        .iter()
        .zip(vectors["leaf_hashes"].as_array().unwrap())
    {
        assert_eq!(
            leaf_hash(&hex::decode(str_of(leaf)).unwrap()),
            hash(expected)
        );
    }
}

/// Checks roots, inclusion and consistency vectors of one tree, generating and verifying.
fn check_tree(tree: &MemoryTree, roots: &Value, inclusion: &Value, consistency: &Value) -> usize {
    let mut checked = 0;
    for case in roots.as_array().unwrap() {
        assert_eq!(
            tree.root_at(u64_of(&case["size"])).unwrap(),
            hash(&case["root"])
        );
        checked += 1;
    }
    for case in inclusion.as_array().unwrap() {
        let (index, size) = (u64_of(&case["index"]), u64_of(&case["size"]));
        let (leaf, root, proof) = (
            hash(&case["leaf_hash"]),
            hash(&case["root"]),
            hashes(&case["proof"]),
        );
        assert_eq!(tree.node(NodeId::new(0, index)), Some(leaf));
        assert_eq!(
            inclusion_proof(index, size, tree).unwrap(),
            proof,
            "inclusion {index} in {size}"
        );
        verify_inclusion(index, size, &leaf, &proof, &root).unwrap();
        checked += 1;
    }
    for case in consistency.as_array().unwrap() {
        let (size1, size2) = (u64_of(&case["size1"]), u64_of(&case["size2"]));
        let (root1, root2, proof) = (
            hash(&case["root1"]),
            hash(&case["root2"]),
            hashes(&case["proof"]),
        );
        assert_eq!(
            consistency_proof(size1, size2, tree).unwrap(),
            proof,
            "consistency {size1}->{size2}"
        );
        verify_consistency(size1, size2, &root1, &root2, &proof).unwrap();
        checked += 1;
    }
    checked
}

#[test]
fn eight_leaf_tree_generation_and_verification() {
    let vectors = load("merkle-vectors.json");
    let tree = small_tree(&vectors);
    let checked = check_tree(
        &tree,
        &vectors["roots"],
        &vectors["inclusion"],
        &vectors["consistency"],
    );
    assert_eq!(checked, 9 + 36 + 36);
    assert_eq!(root_from_nodes(0, &tree).unwrap(), EMPTY_ROOT);
}

#[test]
fn larger_tree_generation_and_verification() {
    let vectors = load("merkle-vectors.json");
    let larger = &vectors["larger_tree"];
    let checked = check_tree(
        &large_tree(),
        &larger["roots"],
        &larger["inclusion"],
        &larger["consistency"],
    );
    assert_eq!(checked, 15 + 8 + 8);
}

/// Runs one probe; `None` when a value is not 32 bytes and so cannot even be expressed.
fn run_inclusion_probe(case: &Value) -> Option<bool> {
    let (leaf, root, proof) = (
        try_hash(&case["leaf_hash"])?,
        try_hash(&case["root"])?,
        try_hashes(&case["proof"])?,
    );
    Some(
        verify_inclusion(
            u64_of(&case["index"]),
            u64_of(&case["size"]),
            &leaf,
            &proof,
            &root,
        )
        .is_ok(),
    )
}

fn run_consistency_probe(case: &Value) -> Option<bool> {
    let (root1, root2, proof) = (
        try_hash(&case["root1"])?,
        try_hash(&case["root2"])?,
        try_hashes(&case["proof"])?,
    );
    let (size1, size2) = (u64_of(&case["size1"]), u64_of(&case["size2"]));
    Some(verify_consistency(size1, size2, &root1, &root2, &proof).is_ok())
}

#[test]
fn all_probes_accept_or_reject_as_upstream() {
    let probes = load("merkle-probes.json");
    let (mut run, mut verified, mut rejected_at_parse) = (0, 0, Vec::new());
    for (kind, runner) in [
        (
            "inclusion",
            run_inclusion_probe as fn(&Value) -> Option<bool>,
        ),
        ("consistency", run_consistency_probe),
    ] {
        for case in probes[kind].as_array().unwrap() {
            let want_err = case["want_err"].as_bool().unwrap();
            let desc = format!(
                "{kind} {} ({})",
                str_of(&case["desc"]),
                str_of(&case["file"])
            );
            match runner(case) {
                Some(accepted) => {
                    assert_eq!(accepted, !want_err, "{desc}");
                    verified += 1;
                }
                // A leaf, root or proof element that is not 32 bytes cannot be expressed with
                // `[u8; 32]`: such probes are rejected at parse time.
                None => rejected_at_parse.push((desc, want_err, case.get("note").is_some())),
            }
            run += 1;
        }
    }
    assert_eq!(run, 196);
    let placeholders = rejected_at_parse
        .iter()
        .filter(|(_, _, note)| *note)
        .count();
    assert_eq!(placeholders, 24, "the README counts 24 placeholder probes");
    // All of them want an error except `sizes-are-equal-one-and-proof-is-empty`, whose
    // placeholder roots the README declares acceptable to reject at parse time.
    let accepted_upstream: Vec<_> = rejected_at_parse
        .iter()
        .filter(|(_, want_err, _)| !want_err)
        .collect();
    assert_eq!(accepted_upstream.len(), 1, "{accepted_upstream:?}");
    assert!(
        accepted_upstream[0]
            .0
            .contains("sizes-are-equal-one-and-proof-is-empty")
    );
    assert!(accepted_upstream[0].2);
    eprintln!(
        "{verified} probes verified, {} rejected at parse",
        rejected_at_parse.len()
    );
}
