//! A verifier's view of a tree it only has tiles of, and entry bundles.
//!
//! Node `(ℓ, k)` with `8L ≤ ℓ < 8L + 8` is not stored in any tile when `ℓ ≠ 8L`; it is
//! recomputed by hashing up `ℓ − 8L` levels from the `2^(ℓ−8L)` hashes of tile
//! `(L, (k ≪ (ℓ−8L)) / 256)` that it covers. With that, [`crate::root_from_nodes`],
//! [`crate::inclusion_proof`] and [`crate::consistency_proof`] work on tiles unchanged:
//!
//! ```text
//! root(1000) = H(0x01 ‖ H(0x01 ‖ T1[0] ‖ T1[1]) ‖ H(0x01 ‖ T1[2] ‖ MTH(leaves 768..999)))
//!              where T1 = tile/1/000.p/3 and leaves 768..999 come from tile/0/003.p/232
//! ```

use std::collections::{BTreeMap, BTreeSet};

use crate::merkle::{Hash, NodeId, NodeLookup, node_hash};
use crate::tile::{FULL_WIDTH, TILE_HEIGHT, TileError, TileKind, TilePath, tile_width};

/// The hash tile holding the hashes node `node` is computed from, in a tree of `size` leaves,
/// or `None` if the node is not complete in that tree.
pub fn tile_for_node(node: NodeId, size: u64) -> Option<TilePath> {
    if !node.is_complete_in(size) {
        return None;
    }
    let tile_level = node.level / TILE_HEIGHT;
    let levels_within = node.level % TILE_HEIGHT;
    let first = node.index << levels_within;
    let index = first / u64::from(FULL_WIDTH);
    let width = tile_width(tile_level, index, size)?;
    TilePath::hashes(tile_level, index, width).ok()
}

/// The tiles to fetch so that `nodes` (from one of the `*_nodes` planning functions) can be
/// computed in a tree of `size` leaves. Incomplete nodes are skipped.
pub fn tiles_for_nodes(nodes: &[NodeId], size: u64) -> Vec<TilePath> {
    let tiles: BTreeSet<TilePath> = nodes
        .iter()
        .filter_map(|&node| tile_for_node(node, size))
        .collect();
    tiles.into_iter().collect()
}

/// Hash tiles of one tree size, answering [`NodeLookup`] queries.
#[derive(Clone, Debug)]
pub struct TileLookup {
    size: u64,
    /// `(tile level, tile index)` → tile body (`width × 32` bytes).
    tiles: BTreeMap<(u8, u64), Vec<u8>>,
}

impl TileLookup {
    /// An empty lookup for a tree of `size` leaves.
    pub fn new(size: u64) -> Self {
        Self {
            size,
            tiles: BTreeMap::new(),
        }
    }

    /// The tree size tiles are checked against.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Adds a fetched tile body. The path must be a hash tile of this tree with exactly the
    /// width the tree size implies, and the body must hold `width` hashes.
    pub fn insert(&mut self, path: &TilePath, body: Vec<u8>) -> Result<(), TileError> {
        let TileKind::Hashes { level } = path.kind() else {
            return Err(TileError::NotAHashTile {
                path: path.to_string(),
            });
        };
        if tile_width(level, path.index(), self.size) != Some(path.width()) {
            return Err(TileError::NotInTree {
                path: path.to_string(),
                size: self.size,
            });
        }
        let expected = usize::from(path.width()) * 32;
        if body.len() != expected {
            return Err(TileError::WrongBodyLength {
                expected,
                actual: body.len(),
            });
        }
        self.tiles.insert((level, path.index()), body);
        Ok(())
    }

    /// Builds a lookup from `(path, body)` pairs.
    pub fn from_tiles(
        size: u64,
        tiles: impl IntoIterator<Item = (TilePath, Vec<u8>)>,
    ) -> Result<Self, TileError> {
        let mut lookup = Self::new(size);
        for (path, body) in tiles {
            lookup.insert(&path, body)?;
        }
        Ok(lookup)
    }
}

impl NodeLookup for TileLookup {
    fn node(&self, id: NodeId) -> Option<Hash> {
        let tile = tile_for_node(id, self.size)?;
        let body = self.tiles.get(&(tile.level()?, tile.index()))?;
        let levels_within = id.level % TILE_HEIGHT;
        let first = usize::try_from((id.index << levels_within) % u64::from(FULL_WIDTH)).ok()?;
        let count = 1usize << levels_within;
        let slice = body.get(first * 32..(first + count) * 32)?;
        let mut hashes: Vec<Hash> = slice
            .chunks_exact(32)
            .map(|chunk| chunk.try_into().expect("32-byte chunk"))
            .collect();
        while hashes.len() > 1 {
            hashes = hashes
                .chunks_exact(2)
                .map(|pair| node_hash(&pair[0], &pair[1]))
                .collect();
        }
        hashes.pop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::{MemoryTree, root_from_nodes};
    use crate::tile::{tile_nodes, tiles_for_size};

    fn lookup_for(tree: &MemoryTree) -> TileLookup {
        let tiles = tiles_for_size(tree.size()).into_iter().map(|path| {
            let level = path.level().unwrap();
            let body = tile_nodes(level, path.index(), path.width())
                .flat_map(|node| tree.node(node).unwrap())
                .collect();
            (path, body)
        });
        TileLookup::from_tiles(tree.size(), tiles).unwrap()
    }

    #[test]
    fn every_root_follows_from_tiles() {
        let mut tree = MemoryTree::new();
        for size in 1..=600u64 {
            tree.push(&size.to_be_bytes());
            if size % 37 == 0 || size == 256 || size == 600 {
                assert_eq!(
                    root_from_nodes(size, &lookup_for(&tree)).unwrap(),
                    tree.root()
                );
            }
        }
    }

    #[test]
    fn tiles_of_the_wrong_width_are_refused() {
        let mut lookup = TileLookup::new(1000);
        let path = TilePath::hashes(0, 3, 231).unwrap();
        assert!(matches!(
            lookup.insert(&path, vec![0; 231 * 32]),
            Err(TileError::NotInTree { .. })
        ));
        let path = TilePath::hashes(0, 3, 232).unwrap();
        assert!(matches!(
            lookup.insert(&path, vec![0; 10]),
            Err(TileError::WrongBodyLength { .. })
        ));
    }
}
