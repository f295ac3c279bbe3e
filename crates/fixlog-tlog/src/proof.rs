//! Inclusion and consistency proofs: generation (RFC 9162 §2.1.3.1, §2.1.4.1) as "plan, fetch,
//! compute" over stored complete subtrees, and verification (RFC 9162 §2.1.3.2, §2.1.4.2).
//!
//! Plan: [`inclusion_proof_nodes`] / [`consistency_proof_nodes`] name the [`NodeId`]s to fetch.
//! Compute: [`inclusion_proof`] / [`consistency_proof`] fold the fetched hashes into proof
//! elements. Every proof element is `MTH` of a range that starts at a multiple of a power of two
//! at least as large as the range, so it is the right-to-left fold of the range's maximal complete
//! subtrees (Go `tlog.subTreeHash`).

use crate::merkle::{Hash, NodeId, NodeLookup, node_hash, range_hash, range_nodes};

/// Upper bound on the number of hashes in any proof for a tree of at most 2^64 − 1 leaves.
pub const MAX_PROOF_LEN: usize = 64;

/// Errors from proof generation and verification.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// An inclusion proof was requested or checked for a leaf outside the tree.
    #[error("leaf index {index} is not below tree size {size}")]
    IndexOutOfRange {
        /// The leaf index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A consistency proof was requested or checked from a larger to a smaller tree.
    #[error("old size {old_size} is larger than new size {size}")]
    OldSizeTooLarge {
        /// The size of the older tree.
        old_size: u64,
        /// The size of the newer tree.
        size: u64,
    },
    /// A consistency proof from the empty tree proves nothing and is rejected.
    #[error("consistency proof from the empty tree is meaningless")]
    EmptyOldTree,
    /// A size past the end of an in-memory tree was asked for.
    #[error("size {size} is beyond the tree size {tree_size}")]
    SizeBeyondTree {
        /// The requested size.
        size: u64,
        /// The number of leaves in the tree.
        tree_size: u64,
    },
    /// The proof has more hashes than any valid proof can have.
    #[error("proof has {len} hashes, more than the maximum {MAX_PROOF_LEN}")]
    ProofTooLong {
        /// Number of hashes in the proof.
        len: usize,
    },
    /// The proof does not have the number of hashes the sizes imply.
    #[error("wrong proof length {actual}, expected {expected}")]
    WrongProofLength {
        /// Number of hashes a valid proof has.
        expected: usize,
        /// Number of hashes in the proof.
        actual: usize,
    },
    /// The root recomputed for the older tree does not match its claimed root.
    #[error("recomputed old root does not match")]
    OldRootMismatch,
    /// The recomputed root does not match the claimed root.
    #[error("recomputed root does not match")]
    RootMismatch,
    /// A node hash needed for the computation was not supplied by the lookup.
    #[error("missing hash of node at level {} index {}", node.level, node.index)]
    MissingNode {
        /// The node whose hash is missing.
        node: NodeId,
    },
}

/// `k` in RFC 6962 §2.1: the largest power of two smaller than `n` (for `n > 1`).
fn split_point(n: u64) -> u64 {
    debug_assert!(n > 1);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The ranges `(start, len)` whose `MTH` form `PATH(m, D[n])`, leaf sibling first
/// (RFC 9162 §2.1.3.1, unrolled).
fn inclusion_ranges(m: u64, n: u64) -> Vec<(u64, u64)> {
    let (mut m, mut n, mut offset) = (m, n, 0u64);
    let mut ranges = Vec::new();
    while n > 1 {
        let k = split_point(n);
        if m < k {
            // PATH(m, D[0:k]) : MTH(D[k:n])
            ranges.push((offset + k, n - k));
            n = k;
        } else {
            // PATH(m − k, D[k:n]) : MTH(D[0:k])
            ranges.push((offset, k));
            m -= k;
            offset += k;
            n -= k;
        }
    }
    ranges.reverse();
    ranges
}

/// The ranges `(start, len)` whose `MTH` form `PROOF(m, D[n])` for `0 < m ≤ n`
/// (RFC 9162 §2.1.4.1, `SUBPROOF` unrolled).
fn consistency_ranges(m: u64, n: u64) -> Vec<(u64, u64)> {
    let (mut m, mut n, mut offset, mut b) = (m, n, 0u64, true);
    let mut ranges = Vec::new();
    while m != n {
        let k = split_point(n);
        if m <= k {
            // SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            ranges.push((offset + k, n - k));
            n = k;
        } else {
            // SUBPROOF(m − k, D[k:n], false) : MTH(D[0:k])
            ranges.push((offset, k));
            m -= k;
            offset += k;
            n -= k;
            b = false;
        }
    }
    // SUBPROOF(m, D[m], false) = {MTH(D[m])}; with b = true it is empty.
    if !b {
        ranges.push((offset, n));
    }
    ranges.reverse();
    ranges
}

fn check_inclusion_args(index: u64, size: u64) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    Ok(())
}

fn check_consistency_args(old_size: u64, size: u64) -> Result<(), ProofError> {
    if old_size > size {
        return Err(ProofError::OldSizeTooLarge { old_size, size });
    }
    Ok(())
}

fn nodes_of(ranges: &[(u64, u64)]) -> Vec<NodeId> {
    ranges
        .iter()
        .flat_map(|&(start, len)| range_nodes(start, len))
        .collect()
}

/// The complete subtrees needed for the inclusion proof of leaf `index` in a tree of `size`.
pub fn inclusion_proof_nodes(index: u64, size: u64) -> Result<Vec<NodeId>, ProofError> {
    check_inclusion_args(index, size)?;
    Ok(nodes_of(&inclusion_ranges(index, size)))
}

/// The complete subtrees needed for the consistency proof from `old_size` to `size`.
///
/// `old_size == 0` and `old_size == size` need no nodes (the proof is empty; note that
/// [`verify_consistency`] rejects `old_size == 0`, which the protocol layer treats as
/// trust on first use, like `tlog-witness`'s `old 0`).
pub fn consistency_proof_nodes(old_size: u64, size: u64) -> Result<Vec<NodeId>, ProofError> {
    check_consistency_args(old_size, size)?;
    if old_size == 0 {
        return Ok(Vec::new());
    }
    Ok(nodes_of(&consistency_ranges(old_size, size)))
}

/// `PATH(index, D[size])` computed from fetched node hashes.
pub fn inclusion_proof(
    index: u64,
    size: u64,
    nodes: &impl NodeLookup,
) -> Result<Vec<Hash>, ProofError> {
    check_inclusion_args(index, size)?;
    inclusion_ranges(index, size)
        .into_iter()
        .map(|(start, len)| range_hash(start, len, nodes))
        .collect()
}

/// `PROOF(old_size, D[size])` computed from fetched node hashes (empty for `old_size` 0 or
/// `old_size == size`).
pub fn consistency_proof(
    old_size: u64,
    size: u64,
    nodes: &impl NodeLookup,
) -> Result<Vec<Hash>, ProofError> {
    check_consistency_args(old_size, size)?;
    if old_size == 0 {
        return Ok(Vec::new());
    }
    consistency_ranges(old_size, size)
        .into_iter()
        .map(|(start, len)| range_hash(start, len, nodes))
        .collect()
}

fn check_length(proof: &[Hash], expected: usize) -> Result<(), ProofError> {
    if proof.len() > MAX_PROOF_LEN {
        return Err(ProofError::ProofTooLong { len: proof.len() });
    }
    if proof.len() != expected {
        return Err(ProofError::WrongProofLength {
            expected,
            actual: proof.len(),
        });
    }
    Ok(())
}

/// Verifies that `leaf` (a leaf hash) is at `index` in the tree of `size` leaves with `root`
/// (RFC 9162 §2.1.3.2; `fn_` is the RFC's `fn`, a Rust keyword).
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    check_inclusion_args(index, size)?;
    let expected = inclusion_ranges(index, size).len();
    check_length(proof, expected)?;
    let (mut fn_, mut sn, mut r) = (index, size - 1, *leaf);
    for p in proof {
        if sn == 0 {
            return Err(ProofError::WrongProofLength {
                expected,
                actual: proof.len(),
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongProofLength {
            expected,
            actual: proof.len(),
        });
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies that the tree of `size` leaves with `root` extends the tree of `old_size` leaves
/// with `old_root` (RFC 9162 §2.1.4.2; `first` = `old_size`, `second` = `size`).
///
/// As in transparency-dev/merkle: `old_size > size` fails, `old_size == 0` fails, and equal
/// sizes need an empty proof and equal roots.
pub fn verify_consistency(
    old_size: u64,
    size: u64,
    old_root: &Hash,
    root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    check_consistency_args(old_size, size)?;
    if old_size == 0 {
        return Err(ProofError::EmptyOldTree);
    }
    let expected = consistency_ranges(old_size, size).len();
    check_length(proof, expected)?;
    if old_size == size {
        return if old_root == root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    // If first is an exact power of 2, prepend first_hash to the consistency path.
    let mut path = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);

    let (mut fn_, mut sn) = (old_size - 1, size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if sn == 0 {
            return Err(ProofError::WrongProofLength {
                expected,
                actual: proof.len(),
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongProofLength {
            expected,
            actual: proof.len(),
        });
    }
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if sr != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::MemoryTree;

    fn tree(size: u64) -> MemoryTree {
        let mut tree = MemoryTree::new();
        for i in 0..size {
            tree.push(format!("leaf {i}").as_bytes());
        }
        tree
    }

    #[test]
    fn inclusion_nodes_of_a_seven_leaf_tree() {
        // Leaf 6 of 7: sibling range [4,6) then [0,4).
        assert_eq!(
            inclusion_proof_nodes(6, 7).unwrap(),
            vec![NodeId::new(1, 2), NodeId::new(2, 0)]
        );
        // Leaf 0 of 7: [1,2), [2,4), [4,7) = (2,1) folded from (1,2) and (0,6).
        assert_eq!(
            inclusion_proof_nodes(0, 7).unwrap(),
            vec![
                NodeId::new(0, 1),
                NodeId::new(1, 1),
                NodeId::new(1, 2),
                NodeId::new(0, 6)
            ]
        );
    }

    #[test]
    fn bad_arguments_are_rejected() {
        assert_eq!(
            inclusion_proof_nodes(5, 5),
            Err(ProofError::IndexOutOfRange { index: 5, size: 5 })
        );
        assert_eq!(
            consistency_proof_nodes(6, 5),
            Err(ProofError::OldSizeTooLarge {
                old_size: 6,
                size: 5
            })
        );
        assert_eq!(consistency_proof_nodes(0, 5), Ok(vec![]));
        assert_eq!(consistency_proof_nodes(5, 5), Ok(vec![]));
        let root = tree(3).root();
        assert_eq!(
            verify_consistency(0, 3, &root, &root, &[]),
            Err(ProofError::EmptyOldTree)
        );
    }

    #[test]
    fn missing_nodes_are_reported() {
        let lookup = std::collections::BTreeMap::new();
        assert_eq!(
            inclusion_proof(0, 2, &lookup),
            Err(ProofError::MissingNode {
                node: NodeId::new(0, 1)
            })
        );
    }

    #[test]
    fn every_small_proof_round_trips() {
        let full = tree(40);
        for size in 1..=40 {
            let mut tree = MemoryTree::new();
            for i in 0..size {
                tree.push_hash(full.node(NodeId::new(0, i)).unwrap());
            }
            let root = tree.root();
            for index in 0..size {
                let proof = tree.inclusion_proof(index).unwrap();
                let leaf = tree.node(NodeId::new(0, index)).unwrap();
                verify_inclusion(index, size, &leaf, &proof, &root).unwrap();
            }
            for old_size in 1..=size {
                let proof = tree.consistency_proof(old_size).unwrap();
                let old_root = tree.root_at(old_size).unwrap();
                verify_consistency(old_size, size, &old_root, &root, &proof).unwrap();
            }
        }
    }

    #[test]
    fn overlong_proofs_are_rejected_before_hashing() {
        let proof = vec![[0u8; 32]; MAX_PROOF_LEN + 1];
        assert_eq!(
            verify_inclusion(0, 2, &[0; 32], &proof, &[0; 32]),
            Err(ProofError::ProofTooLong {
                len: MAX_PROOF_LEN + 1
            })
        );
    }
}
