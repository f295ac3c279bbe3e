//! RFC 6962 §2.1 (= RFC 9162 §2.1) Merkle tree hashing over stored complete subtrees.
//!
//! The tree over the input list `D[n]` is left-balanced: `MTH(D[n]) = H(0x01 ‖ MTH(D[0:k]) ‖
//! MTH(D[k:n]))` with `k` the largest power of two smaller than `n`. Every left subtree is
//! complete, so the hash of any range that occurs in the RFC's recursions can be folded from
//! the hashes of *complete* subtrees, which is what the storage layer persists. A complete
//! subtree is addressed by [`NodeId`].

use std::collections::{BTreeMap, HashMap};

use sha2::{Digest, Sha256};

use crate::proof::ProofError;

/// A SHA-256 digest: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];

/// `MTH({}) = SHA-256("")`, the root of the empty tree (RFC 6962 §2.1).
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// `MTH({d0}) = SHA-256(0x00 ‖ d0)`: the hash of one entry (RFC 6962 §2.1).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(entry);
    hasher.finalize().into()
}

/// `SHA-256(0x01 ‖ left ‖ right)`: the hash of an interior node (RFC 6962 §2.1).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// A complete subtree: the one covering leaves `index·2^level .. (index+1)·2^level`.
///
/// Level 0 nodes are leaf hashes. Only complete subtrees are ever stored; the hashes of the
/// ragged right edge are recomputed from them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// Height of the subtree: it covers `2^level` leaves.
    pub level: u8,
    /// Position among the subtrees of the same level, counted from the left.
    pub index: u64,
}

impl NodeId {
    /// Creates the id of the subtree at `level` and `index`.
    pub const fn new(level: u8, index: u64) -> Self {
        Self { level, index }
    }

    /// The first leaf covered by this subtree.
    pub const fn first_leaf(self) -> u64 {
        self.index << self.level
    }

    /// Whether the subtree is complete in a tree of `size` leaves.
    pub const fn is_complete_in(self, size: u64) -> bool {
        // `(index + 1) << level <= size` without overflow.
        match (self.index).checked_add(1) {
            Some(end_index) => match end_index.checked_shl(self.level as u32) {
                Some(end) => end >> self.level == end_index && end <= size,
                None => false,
            },
            None => false,
        }
    }
}

/// Read access to stored complete-subtree hashes: the "fetch" step of plan, fetch, compute.
pub trait NodeLookup {
    /// The hash of the complete subtree `id`, or `None` if it is not available.
    fn node(&self, id: NodeId) -> Option<Hash>;
}

impl NodeLookup for HashMap<NodeId, Hash> {
    fn node(&self, id: NodeId) -> Option<Hash> {
        self.get(&id).copied()
    }
}

impl NodeLookup for BTreeMap<NodeId, Hash> {
    fn node(&self, id: NodeId) -> Option<Hash> {
        self.get(&id).copied()
    }
}

impl<T: NodeLookup + ?Sized> NodeLookup for &T {
    fn node(&self, id: NodeId) -> Option<Hash> {
        (**self).node(id)
    }
}

/// Nodes that become complete when leaf `index` (0-based) is appended, in increasing level
/// order, excluding level 0 (the leaf itself), each as `(parent, left child, right child)`.
///
/// Appending leaf `i` completes `trailing_ones(i)` nodes. For example appending index 3
/// completes (1,1) from (0,2),(0,3) and then (2,0) from (1,0),(1,1).
pub fn completed_by_append(index: u64) -> Vec<(NodeId, NodeId, NodeId)> {
    let completed_levels = index.trailing_ones() as u8;
    (1..=completed_levels)
        .map(|level| {
            let parent = NodeId::new(level, index >> level);
            let left = NodeId::new(level - 1, parent.index << 1);
            let right = NodeId::new(level - 1, (parent.index << 1) | 1);
            (parent, left, right)
        })
        .collect()
}

/// The maximal complete subtrees that make up the range `start .. start + len`, left to right.
///
/// `start` must be aligned to a power of two at least `len`, which holds for every range in the
/// RFC 6962 recursions (each subtree `D[k:n]` starts at a multiple of `k`). The range is then
/// split by the set bits of `len`, highest first, exactly like `MTH` splits at `k`.
pub(crate) fn range_nodes(start: u64, len: u64) -> Vec<NodeId> {
    let mut nodes = Vec::with_capacity(len.count_ones() as usize);
    let mut offset = start;
    for level in (0..64u8).rev() {
        if len & (1u64 << level) != 0 {
            nodes.push(NodeId::new(level, offset >> level));
            offset += 1u64 << level;
        }
    }
    nodes
}

/// Folds the hashes of [`range_nodes`] right to left into `MTH` of the range.
pub(crate) fn range_hash(
    start: u64,
    len: u64,
    nodes: &impl NodeLookup,
) -> Result<Hash, ProofError> {
    let mut hash: Option<Hash> = None;
    for node in range_nodes(start, len).into_iter().rev() {
        let node_value = nodes.node(node).ok_or(ProofError::MissingNode { node })?;
        hash = Some(match hash {
            None => node_value,
            Some(right) => node_hash(&node_value, &right),
        });
    }
    Ok(hash.unwrap_or(EMPTY_ROOT))
}

/// The complete subtrees whose hashes determine the root of a tree of `size` leaves (one per
/// set bit of `size`, left to right; none for the empty tree).
pub fn root_nodes(size: u64) -> Vec<NodeId> {
    range_nodes(0, size)
}

/// `MTH(D[size])` computed from the hashes of [`root_nodes`]`(size)`.
pub fn root_from_nodes(size: u64, nodes: &impl NodeLookup) -> Result<Hash, ProofError> {
    range_hash(0, size, nodes)
}

/// An in-memory tree that stores every complete subtree, for tests and for verifiers that
/// rebuild a tree from tiles. Its proofs go through the same plan/compute functions as the
/// storage-backed log.
#[derive(Clone, Debug, Default)]
pub struct MemoryTree {
    /// `levels[l][k]` is the hash of `NodeId { level: l, index: k }`.
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// Creates an empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an entry (hashing it with [`leaf_hash`]) and returns its index.
    pub fn push(&mut self, entry: &[u8]) -> u64 {
        self.push_hash(leaf_hash(entry))
    }

    /// Appends an already computed leaf hash and returns its index.
    pub fn push_hash(&mut self, leaf: Hash) -> u64 {
        let index = self.size();
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        for (parent, left, right) in completed_by_append(index) {
            let left_hash = self.levels[left.level as usize][left.index as usize];
            let right_hash = self.levels[right.level as usize][right.index as usize];
            let hash = node_hash(&left_hash, &right_hash);
            let level = parent.level as usize;
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            self.levels[level].push(hash);
        }
        index
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// The current root, `MTH(D[size])`.
    pub fn root(&self) -> Hash {
        root_from_nodes(self.size(), self).expect("a memory tree stores every complete node")
    }

    /// The root of the tree as it was at `size` leaves (`size` ≤ current size).
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofError> {
        if size > self.size() {
            return Err(ProofError::SizeBeyondTree {
                size,
                tree_size: self.size(),
            });
        }
        root_from_nodes(size, self)
    }

    /// The inclusion proof of leaf `index` in the current tree.
    pub fn inclusion_proof(&self, index: u64) -> Result<Vec<Hash>, ProofError> {
        crate::proof::inclusion_proof(index, self.size(), self)
    }

    /// The consistency proof from the tree at `old_size` to the current tree.
    pub fn consistency_proof(&self, old_size: u64) -> Result<Vec<Hash>, ProofError> {
        crate::proof::consistency_proof(old_size, self.size(), self)
    }

    /// The hash of a stored complete subtree.
    pub fn node(&self, id: NodeId) -> Option<Hash> {
        self.levels
            .get(id.level as usize)?
            .get(usize::try_from(id.index).ok()?)
            .copied()
    }
}

impl NodeLookup for MemoryTree {
    fn node(&self, id: NodeId) -> Option<Hash> {
        MemoryTree::node(self, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(EMPTY_ROOT, <[u8; 32]>::from(Sha256::digest(b"")));
        assert_eq!(MemoryTree::new().root(), EMPTY_ROOT);
    }

    #[test]
    fn completed_by_append_matches_the_documented_example() {
        assert_eq!(
            completed_by_append(3),
            vec![
                (NodeId::new(1, 1), NodeId::new(0, 2), NodeId::new(0, 3)),
                (NodeId::new(2, 0), NodeId::new(1, 0), NodeId::new(1, 1)),
            ]
        );
        assert!(completed_by_append(0).is_empty());
        assert!(completed_by_append(4).is_empty());
    }

    #[test]
    fn root_nodes_follow_the_set_bits_of_size() {
        assert!(root_nodes(0).is_empty());
        assert_eq!(root_nodes(1), vec![NodeId::new(0, 0)]);
        assert_eq!(root_nodes(6), vec![NodeId::new(2, 0), NodeId::new(1, 2)]);
        assert_eq!(
            root_nodes(7),
            vec![NodeId::new(2, 0), NodeId::new(1, 2), NodeId::new(0, 6)]
        );
    }

    #[test]
    fn completeness_check_does_not_overflow() {
        assert!(NodeId::new(2, 1).is_complete_in(8));
        assert!(!NodeId::new(2, 1).is_complete_in(7));
        assert!(!NodeId::new(63, u64::MAX).is_complete_in(u64::MAX));
        assert!(!NodeId::new(1, u64::MAX >> 1).is_complete_in(u64::MAX));
    }
}
