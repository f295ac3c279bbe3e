//! C2SP tlog-tiles v0.1.0 resource paths (tile height 8, width 256).
//!
//! ```text
//! tile/<L>/<N>[.p/<W>]        hashes of level 8·L nodes 256·N .. 256·N+W
//! tile/entries/<N>[.p/<W>]    entry bundle of entries 256·N .. 256·N+W
//! N = 1234067  →  x001/x234/067    (3-digit groups, all but the last prefixed with x)
//! ```
//!
//! A full tile has width 256 and no `.p/` suffix; the rightmost tile of each level is partial
//! with width `⌊size / 256^L⌋ mod 256` (1..=255) when that is not zero.

use std::fmt;
use std::str::FromStr;

use crate::merkle::NodeId;

/// Tile height: one tile level spans 8 tree levels.
pub const TILE_HEIGHT: u8 = 8;
/// Width of a full tile (hashes or entries).
pub const FULL_WIDTH: u16 = 256;
/// Highest tile level with any node in a tree of at most 2^64 − 1 leaves.
pub const MAX_TILE_LEVEL: u8 = 63 / TILE_HEIGHT;
/// Highest `<L>` the path syntax allows.
const MAX_PATH_LEVEL: u8 = 63;

/// Errors from tile paths, tile bodies and entry bundles.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    /// The path is not a canonical tlog-tiles path.
    #[error("invalid tile path {path:?}")]
    InvalidPath {
        /// The rejected path.
        path: String,
    },
    /// A tile width outside 1..=256.
    #[error("invalid tile width {width}")]
    InvalidWidth {
        /// The rejected width.
        width: u16,
    },
    /// A tile level above 63.
    #[error("invalid tile level {level}")]
    InvalidLevel {
        /// The rejected level.
        level: u8,
    },
    /// A hash tile body is not `width × 32` bytes.
    #[error("tile body has {actual} bytes, expected {expected}")]
    WrongBodyLength {
        /// `width × 32`.
        expected: usize,
        /// The body length.
        actual: usize,
    },
    /// An entry bundle was given where a hash tile is needed.
    #[error("{path} is not a hash tile")]
    NotAHashTile {
        /// The path.
        path: String,
    },
    /// The tile does not exist, with that width, in the tree being verified.
    #[error("{path} is not a tile of a tree of size {size}")]
    NotInTree {
        /// The path.
        path: String,
        /// The tree size.
        size: u64,
    },
    /// An entry bundle ends inside a length prefix or an entry.
    #[error("entry bundle truncated at byte {offset}")]
    TruncatedBundle {
        /// Offset of the incomplete entry's length prefix.
        offset: usize,
    },
    /// An entry longer than 65535 bytes cannot be put in a bundle.
    #[error("entry of {len} bytes does not fit a u16 length prefix")]
    EntryTooLarge {
        /// The entry length.
        len: usize,
    },
}

/// What a tile holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TileKind {
    /// Hashes of tree level `8 · level`.
    Hashes {
        /// The tile level `<L>`.
        level: u8,
    },
    /// An entry bundle (`tile/entries/…`).
    Entries,
}

/// A validated tile path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TilePath {
    kind: TileKind,
    index: u64,
    width: u16,
}

fn check_width(width: u16) -> Result<(), TileError> {
    if (1..=FULL_WIDTH).contains(&width) {
        Ok(())
    } else {
        Err(TileError::InvalidWidth { width })
    }
}

impl TilePath {
    /// The hash tile `tile/<level>/<index>[.p/<width>]`.
    pub fn hashes(level: u8, index: u64, width: u16) -> Result<Self, TileError> {
        if level > MAX_PATH_LEVEL {
            return Err(TileError::InvalidLevel { level });
        }
        check_width(width)?;
        Ok(Self {
            kind: TileKind::Hashes { level },
            index,
            width,
        })
    }

    /// The entry bundle `tile/entries/<index>[.p/<width>]`.
    pub fn entries(index: u64, width: u16) -> Result<Self, TileError> {
        check_width(width)?;
        Ok(Self {
            kind: TileKind::Entries,
            index,
            width,
        })
    }

    /// Hash tile or entry bundle.
    pub fn kind(&self) -> TileKind {
        self.kind
    }

    /// The tile level, `None` for entry bundles.
    pub fn level(&self) -> Option<u8> {
        match self.kind {
            TileKind::Hashes { level } => Some(level),
            TileKind::Entries => None,
        }
    }

    /// The tile index `<N>`.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// Number of hashes or entries (256 for a full tile).
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Whether this is a partial tile.
    pub fn is_partial(&self) -> bool {
        self.width < FULL_WIDTH
    }
}

/// Encodes a tile index as 3-digit groups, all but the last prefixed with `x`.
fn encode_index(index: u64) -> String {
    let mut groups = Vec::new();
    let mut rest = index;
    loop {
        groups.push(rest % 1000);
        rest /= 1000;
        if rest == 0 {
            break;
        }
    }
    let last = groups.len() - 1;
    groups
        .iter()
        .rev()
        .enumerate()
        .map(|(i, group)| {
            if i == last {
                format!("{group:03}")
            } else {
                format!("x{group:03}")
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

impl fmt::Display for TilePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            TileKind::Hashes { level } => write!(f, "tile/{level}/")?,
            TileKind::Entries => f.write_str("tile/entries/")?,
        }
        f.write_str(&encode_index(self.index))?;
        if self.is_partial() {
            write!(f, ".p/{}", self.width)?;
        }
        Ok(())
    }
}

/// Parses the pieces of a path; [`parse_tile_path`] then insists on the canonical spelling.
fn parse_loosely(path: &str) -> Option<TilePath> {
    let rest = path.strip_prefix("tile/")?;
    let (kind, rest) = rest.split_once('/')?;
    let (index_part, width) = match rest.split_once(".p/") {
        Some((index_part, width)) => (index_part, width.parse::<u16>().ok().filter(|w| *w < 256)?),
        None => (rest, FULL_WIDTH),
    };
    let groups: Vec<&str> = index_part.split('/').collect();
    let mut index: u64 = 0;
    for (i, group) in groups.iter().enumerate() {
        let digits = if i + 1 < groups.len() {
            group.strip_prefix('x')?
        } else {
            group
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        index = index
            .checked_mul(1000)?
            .checked_add(digits.parse::<u64>().ok()?)?;
    }
    match kind {
        "entries" => TilePath::entries(index, width).ok(),
        level => TilePath::hashes(level.parse().ok()?, index, width).ok(),
    }
}

/// Parses a tile path strictly: it must be exactly the canonical spelling (no leading zeros in
/// level or width, no leading `x000` groups, partial width 1..=255).
pub fn parse_tile_path(path: &str) -> Result<TilePath, TileError> {
    parse_loosely(path)
        .filter(|tile| tile.to_string() == path)
        .ok_or_else(|| TileError::InvalidPath {
            path: path.to_owned(),
        })
}

impl FromStr for TilePath {
    type Err = TileError;

    fn from_str(path: &str) -> Result<Self, Self::Err> {
        parse_tile_path(path)
    }
}

/// The path of hash tile `(level, index)` with `width` hashes (256 = full).
///
/// # Panics
///
/// If `width` is not in 1..=256 or `level` is above 63.
pub fn tile_path(level: u8, index: u64, width: u16) -> String {
    TilePath::hashes(level, index, width)
        .expect("tile level 0..=63 and width 1..=256")
        .to_string()
}

/// The path of entry bundle `index` with `width` entries (256 = full).
///
/// # Panics
///
/// If `width` is not in 1..=256.
pub fn entries_path(index: u64, width: u16) -> String {
    TilePath::entries(index, width)
        .expect("tile width 1..=256")
        .to_string()
}

/// The stored nodes a hash tile consists of: `NodeId { level: 8·level, index: 256·index + j }`
/// for `j < width`.
///
/// # Panics
///
/// If `level` is above 31 (only levels up to [`MAX_TILE_LEVEL`] hold nodes).
pub fn tile_nodes(level: u8, index: u64, width: u16) -> impl Iterator<Item = NodeId> {
    let node_level = level
        .checked_mul(TILE_HEIGHT)
        .expect("tile level at most 31");
    let first = index * u64::from(FULL_WIDTH);
    (0..u64::from(width)).map(move |j| NodeId::new(node_level, first + j))
}

/// The width of hash tile `(level, index)` in a tree of `size` leaves, `None` if it has no
/// nodes yet.
pub fn tile_width(level: u8, index: u64, size: u64) -> Option<u16> {
    let nodes = size
        .checked_shr(u32::from(level) * u32::from(TILE_HEIGHT))
        .unwrap_or(0);
    let full_tiles = nodes / u64::from(FULL_WIDTH);
    match index.cmp(&full_tiles) {
        std::cmp::Ordering::Less => Some(FULL_WIDTH),
        std::cmp::Ordering::Equal => {
            let width = (nodes % u64::from(FULL_WIDTH)) as u16;
            (width > 0).then_some(width)
        }
        std::cmp::Ordering::Greater => None,
    }
}

/// Every hash tile of a tree of `size` leaves: all full tiles and the partial one of each level,
/// level by level.
pub fn tiles_for_size(size: u64) -> Vec<TilePath> {
    let mut tiles = Vec::new();
    for level in 0..=MAX_TILE_LEVEL {
        let nodes = size >> (u32::from(level) * u32::from(TILE_HEIGHT));
        if nodes == 0 {
            break;
        }
        let full_tiles = nodes / u64::from(FULL_WIDTH);
        tiles.extend((0..full_tiles).map(|index| TilePath {
            kind: TileKind::Hashes { level },
            index,
            width: FULL_WIDTH,
        }));
        let width = (nodes % u64::from(FULL_WIDTH)) as u16;
        if width > 0 {
            tiles.push(TilePath {
                kind: TileKind::Hashes { level },
                index: full_tiles,
                width,
            });
        }
    }
    tiles
}

/// Every entry bundle of a tree of `size` leaves.
pub fn entry_bundles_for_size(size: u64) -> Vec<TilePath> {
    let full = size / u64::from(FULL_WIDTH);
    let width = (size % u64::from(FULL_WIDTH)) as u16;
    let mut bundles: Vec<TilePath> = (0..full)
        .map(|index| TilePath {
            kind: TileKind::Entries,
            index,
            width: FULL_WIDTH,
        })
        .collect();
    if width > 0 {
        bundles.push(TilePath {
            kind: TileKind::Entries,
            index: full,
            width,
        });
    }
    bundles
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_canonical_paths_are_rejected() {
        for path in [
            "tile/0/1",
            "tile/00/001",
            "tile/0/x000/001",
            "tile/0/001.p/256",
            "tile/0/001.p/0",
            "tile/0/001.p/05",
            "tile/0/x1/001",
            "tile/64/000",
            "tile/entries/001/",
            "tiles/0/000",
            "tile/0/001234",
            "tile/0/x001/x234",
        ] {
            assert!(parse_tile_path(path).is_err(), "{path}");
        }
        assert_eq!(
            parse_tile_path("tile/entries/x001/000.p/5")
                .unwrap()
                .index(),
            1000
        );
    }

    #[test]
    fn tile_nodes_address_stored_nodes() {
        let nodes: Vec<NodeId> = tile_nodes(1, 2, 3).collect();
        assert_eq!(
            nodes,
            vec![
                NodeId::new(8, 512),
                NodeId::new(8, 513),
                NodeId::new(8, 514)
            ]
        );
    }

    #[test]
    fn widths_follow_the_size() {
        assert_eq!(tile_width(0, 3, 1000), Some(232));
        assert_eq!(tile_width(0, 2, 1000), Some(256));
        assert_eq!(tile_width(0, 4, 1000), None);
        assert_eq!(tile_width(1, 0, 1000), Some(3));
        assert_eq!(tile_width(7, 0, u64::MAX), Some(255));
        assert_eq!(tiles_for_size(0), vec![]);
        assert_eq!(entry_bundles_for_size(257).len(), 2);
    }
}
