//! Property tests: generated proofs verify, any single-bit flip breaks them, the storage-model
//! functions agree with `MemoryTree`, and everything agrees with the `ct-merkle` oracle.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use fixlog_tlog::{
    Hash, MemoryTree, NodeId, completed_by_append, consistency_proof, consistency_proof_nodes,
    inclusion_proof, inclusion_proof_nodes, leaf_hash, node_hash, root_from_nodes, root_nodes,
    verify_consistency, verify_inclusion,
};
use proptest::prelude::*;
use sha2::Sha256;

const MAX_SIZE: u64 = 3000;

fn leaf(i: u64) -> Vec<u8> {
    format!("entry {i}").into_bytes()
}

/// One tree of `MAX_SIZE` leaves; every smaller tree is a prefix and shares its complete nodes.
fn big_tree() -> &'static MemoryTree {
    static TREE: OnceLock<MemoryTree> = OnceLock::new();
    TREE.get_or_init(|| {
        let mut tree = MemoryTree::new();
        for i in 0..MAX_SIZE {
            tree.push(&leaf(i));
        }
        tree
    })
}

fn flip(hash: &Hash, bit: usize) -> Hash {
    let mut flipped = *hash;
    flipped[bit / 8] ^= 1 << (bit % 8);
    flipped
}

fn size_and_index() -> impl Strategy<Value = (u64, u64)> {
    (1..=MAX_SIZE).prop_flat_map(|size| (Just(size), 0..size))
}

fn sizes() -> impl Strategy<Value = (u64, u64)> {
    (1..=MAX_SIZE).prop_flat_map(|size| (1..=size, Just(size)))
}

proptest! {
    #[test]
    fn inclusion_proofs_verify_and_every_bit_flip_fails(
        (size, index) in size_and_index(),
        bit in 0usize..256,
        choice in 0usize..64,
    ) {
        let tree = big_tree();
        let root = tree.root_at(size).unwrap();
        let leaf = leaf_hash(&leaf(index));
        let proof = inclusion_proof(index, size, tree).unwrap();
        prop_assert!(verify_inclusion(index, size, &leaf, &proof, &root).is_ok());

        prop_assert!(verify_inclusion(index, size, &flip(&leaf, bit), &proof, &root).is_err());
        prop_assert!(verify_inclusion(index, size, &leaf, &proof, &flip(&root, bit)).is_err());
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let at = choice % bad.len();
            bad[at] = flip(&bad[at], bit);
            prop_assert!(verify_inclusion(index, size, &leaf, &bad, &root).is_err());
        }
        // Wrong positions fail too.
        if size > 1 {
            let other = (index + 1 + choice as u64 % (size - 1)) % size;
            prop_assert!(verify_inclusion(other, size, &leaf, &proof, &root).is_err());
        }
    }

    #[test]
    fn consistency_proofs_verify_and_every_bit_flip_fails(
        (old_size, size) in sizes(),
        bit in 0usize..256,
        choice in 0usize..64,
    ) {
        let tree = big_tree();
        let (old_root, root) = (tree.root_at(old_size).unwrap(), tree.root_at(size).unwrap());
        let proof = consistency_proof(old_size, size, tree).unwrap();
        prop_assert!(verify_consistency(old_size, size, &old_root, &root, &proof).is_ok());

        prop_assert!(verify_consistency(old_size, size, &flip(&old_root, bit), &root, &proof).is_err());
        prop_assert!(verify_consistency(old_size, size, &old_root, &flip(&root, bit), &proof).is_err());
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let at = choice % bad.len();
            bad[at] = flip(&bad[at], bit);
            prop_assert!(verify_consistency(old_size, size, &old_root, &root, &bad).is_err());
        }
    }

    #[test]
    fn planned_nodes_are_complete_and_suffice(
        (size, index) in size_and_index(),
        old_size in 1..=MAX_SIZE,
    ) {
        let tree = big_tree();
        let old_size = old_size.min(size);
        // Fetch exactly the planned nodes, nothing else, and compute from them.
        let fetch = |nodes: Vec<NodeId>| -> BTreeMap<NodeId, Hash> {
            nodes.into_iter().map(|node| {
                assert!(node.is_complete_in(size), "{node:?} is not complete in {size}");
                (node, tree.node(node).unwrap())
            }).collect()
        };
        let fetched = fetch(root_nodes(size));
        prop_assert_eq!(root_from_nodes(size, &fetched).unwrap(), tree.root_at(size).unwrap());
        let fetched = fetch(inclusion_proof_nodes(index, size).unwrap());
        prop_assert_eq!(
            inclusion_proof(index, size, &fetched).unwrap(),
            inclusion_proof(index, size, tree).unwrap()
        );
        let fetched = fetch(consistency_proof_nodes(old_size, size).unwrap());
        prop_assert_eq!(
            consistency_proof(old_size, size, &fetched).unwrap(),
            consistency_proof(old_size, size, tree).unwrap()
        );
    }

    #[test]
    fn proofs_match_the_ct_merkle_oracle(size in 1u64..700, index_seed in any::<u64>(), old_seed in any::<u64>()) {
        let mut oracle: MemoryBackedTree<Sha256, Vec<u8>> = MemoryBackedTree::new();
        for i in 0..size {
            oracle.push(leaf(i));
        }
        let tree = big_tree();
        let root = tree.root_at(size).unwrap();
        let oracle_root = oracle.root();
        prop_assert_eq!(oracle_root.as_bytes().as_slice(), root.as_slice());

        let index = index_seed % size;
        let proof = inclusion_proof(index, size, tree).unwrap();
        let oracle_proof = oracle.prove_inclusion(index as usize);
        prop_assert_eq!(oracle_proof.as_bytes(), proof.concat());

        let old_size = 1 + old_seed % size;
        let proof = consistency_proof(old_size, size, tree).unwrap();
        if old_size < size {
            let oracle_proof = oracle.prove_consistency((size - old_size) as usize);
            prop_assert_eq!(oracle_proof.as_bytes(), proof.concat());
        } else {
            prop_assert!(proof.is_empty());
        }
    }
}

/// `completed_by_append` + `root_from_nodes` (the storage layer's write and read paths) agree
/// with `MemoryTree` and the `ct-merkle` oracle for every size up to 600.
#[test]
fn storage_model_agrees_with_memory_tree_for_all_sizes_up_to_600() {
    let mut store: BTreeMap<NodeId, Hash> = BTreeMap::new();
    let mut tree = MemoryTree::new();
    let mut oracle: MemoryBackedTree<Sha256, Vec<u8>> = MemoryBackedTree::new();
    assert_eq!(root_from_nodes(0, &store).unwrap(), tree.root());
    for index in 0..600u64 {
        let entry = leaf(index);
        store.insert(NodeId::new(0, index), leaf_hash(&entry));
        for (parent, left, right) in completed_by_append(index) {
            assert!(!store.contains_key(&parent), "{parent:?} completed twice");
            let hash = node_hash(&store[&left], &store[&right]);
            store.insert(parent, hash);
        }
        tree.push(&entry);
        oracle.push(entry);
        let size = index + 1;
        // The store holds exactly the complete nodes of the tree.
        let expected_nodes: u64 = (0..64).map(|level| size >> level).sum();
        assert_eq!(store.len() as u64, expected_nodes);
        let root = root_from_nodes(size, &store).unwrap();
        assert_eq!(root, tree.root());
        assert_eq!(root.as_slice(), oracle.root().as_bytes().as_slice());
        for (node, hash) in &store {
            assert_eq!(tree.node(*node), Some(*hash));
        }
    }
}
