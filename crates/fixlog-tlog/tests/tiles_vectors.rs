//! `tiles-vectors.json`: index path encoding both ways, tile sets per tree size, the tiles and
//! entry bundles of the 1000-leaf tree, and the root recomputed from tiles alone.

mod common;

use common::{hash, load, str_of, u64_of};
use fixlog_tlog::{
    MemoryTree, NodeLookup, TileKind, TileLookup, TilePath, decode_entry_bundle,
    encode_entry_bundle, entries_path, entry_bundles_for_size, inclusion_proof,
    inclusion_proof_nodes, parse_tile_path, root_from_nodes, tile_nodes, tile_path,
    tiles_for_nodes, tiles_for_size, verify_inclusion,
};
use sha2::{Digest, Sha256};

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn leaves() -> Vec<Vec<u8>> {
    (0..1000)
        .map(|i| format!("leaf {i}").into_bytes())
        .collect()
}

fn tile_body(tree: &MemoryTree, path: &TilePath) -> Vec<u8> {
    let level = path.level().expect("hash tile");
    tile_nodes(level, path.index(), path.width())
        .flat_map(|node| tree.node(node).unwrap())
        .collect()
}

#[test]
fn index_paths_both_ways() {
    let vectors = load("tiles-vectors.json");
    let cases = vectors["index_paths"].as_array().unwrap();
    for case in cases {
        let (index, digits) = (u64_of(&case["n"]), str_of(&case["path"]));
        for (path, width) in [
            (format!("tile/0/{digits}"), 256),
            (format!("tile/3/{digits}.p/7"), 7),
            (format!("tile/entries/{digits}"), 256),
        ] {
            let parsed = parse_tile_path(&path).unwrap();
            assert_eq!((parsed.index(), parsed.width()), (index, width), "{path}");
            assert_eq!(parsed.to_string(), path);
        }
        assert_eq!(tile_path(0, index, 256), format!("tile/0/{digits}"));
        assert_eq!(tile_path(1, index, 7), format!("tile/1/{digits}.p/7"));
        assert_eq!(entries_path(index, 5), format!("tile/entries/{digits}.p/5"));
    }
    assert_eq!(cases.len(), 8);
}

#[test]
fn tile_sets_for_sizes() {
    let vectors = load("tiles-vectors.json");
    let cases = vectors["tile_sets"].as_array().unwrap();
    for case in cases {
        let size = u64_of(&case["size"]);
        let tiles = tiles_for_size(size);
        assert_eq!(tiles.len() as u64, u64_of(&case["count"]), "size {size}");
        let rightmost: Vec<String> = case["rightmost_per_level"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| str_of(p).to_owned())
            .collect();
        for (level, expected) in rightmost.iter().enumerate() {
            let last = tiles
                .iter()
                .rfind(|t| t.level() == Some(level as u8))
                .unwrap();
            assert_eq!(&last.to_string(), expected, "size {size}");
        }
        assert!(
            tiles
                .iter()
                .all(|t| (t.level().unwrap() as usize) < rightmost.len())
        );
    }
    assert_eq!(cases.len(), 7);
    // The spec's 70000 example names the full level-1 tile too.
    let paths: Vec<String> = tiles_for_size(70000)
        .iter()
        .map(TilePath::to_string)
        .collect();
    for path in [
        "tile/0/272",
        "tile/0/273.p/112",
        "tile/1/000",
        "tile/1/001.p/17",
        "tile/2/000.p/1",
    ] {
        assert!(paths.contains(&path.to_owned()), "{path}");
    }
}

#[test]
fn tile_bodies_and_entry_bundles_of_the_1000_leaf_tree() {
    let vectors = load("tiles-vectors.json");
    let tree_vectors = &vectors["tree"];
    let leaves = leaves();
    let mut tree = MemoryTree::new();
    for leaf in &leaves {
        tree.push(leaf);
    }
    assert_eq!(tree.root(), hash(&tree_vectors["root"]));

    let cases = tree_vectors["tiles"].as_array().unwrap();
    let hash_tiles = tiles_for_size(1000);
    let bundles = entry_bundles_for_size(1000);
    for case in cases {
        let path = parse_tile_path(str_of(&case["path"])).unwrap();
        let body = match path.kind() {
            TileKind::Hashes { .. } => {
                assert!(hash_tiles.contains(&path));
                let body = tile_body(&tree, &path);
                if let (Some(first), Some(last)) = (case.get("first_hash"), case.get("last_hash")) {
                    assert_eq!(hex::encode(&body[..32]), str_of(first));
                    assert_eq!(hex::encode(&body[body.len() - 32..]), str_of(last));
                }
                if let Some(full) = case.get("body") {
                    assert_eq!(hex::encode(&body), str_of(full));
                }
                body
            }
            TileKind::Entries => {
                assert!(bundles.contains(&path));
                let first = path.index() as usize * 256;
                let entries: Vec<&[u8]> = leaves[first..first + usize::from(path.width())]
                    .iter()
                    .map(Vec::as_slice)
                    .collect();
                let body = encode_entry_bundle(&entries);
                assert_eq!(body.len() as u64, u64_of(&case["bytes"]));
                assert!(hex::encode(&body).starts_with(str_of(&case["first_bytes"])));
                assert_eq!(
                    decode_entry_bundle(&body).unwrap().len() as u64,
                    u64_of(&case["entries"])
                );
                body
            }
        };
        assert_eq!(sha256_hex(&body), str_of(&case["sha256_of_body"]), "{path}");
    }
    assert_eq!(cases.len(), 9);
}

#[test]
fn root_and_proofs_follow_from_tiles_alone() {
    let vectors = load("tiles-vectors.json");
    let mut tree = MemoryTree::new();
    for leaf in leaves() {
        tree.push(&leaf);
    }
    let size = 1000;
    let lookup = TileLookup::from_tiles(
        size,
        tiles_for_size(size)
            .into_iter()
            .map(|path| (path, tile_body(&tree, &path))),
    )
    .unwrap();
    let root = root_from_nodes(size, &lookup).unwrap();
    assert_eq!(root, hash(&vectors["tree"]["root"]));

    // The vector's formula: H(H(T1[0] ‖ T1[1]) ‖ H(T1[2] ‖ MTH(768..999))).
    let t1 = hex::decode(str_of(&vectors["tree"]["tiles"][8]["body"])).unwrap();
    let t1: Vec<[u8; 32]> = t1.chunks(32).map(|c| c.try_into().unwrap()).collect();
    let mut tail = MemoryTree::new();
    for i in 768..1000 {
        tail.push_hash(tree.node(fixlog_tlog::NodeId::new(0, i)).unwrap());
    }
    let h = fixlog_tlog::node_hash;
    assert_eq!(h(&h(&t1[0], &t1[1]), &h(&t1[2], &tail.root())), root);

    // A client plans which tiles to fetch for an inclusion proof, then proves from them only.
    for index in [0, 1, 255, 256, 511, 767, 768, 999] {
        let needed = tiles_for_nodes(&inclusion_proof_nodes(index, size).unwrap(), size);
        let fetched = TileLookup::from_tiles(
            size,
            needed.iter().map(|path| (*path, tile_body(&tree, path))),
        )
        .unwrap();
        let proof = inclusion_proof(index, size, &fetched).unwrap();
        let leaf = lookup.node(fixlog_tlog::NodeId::new(0, index)).unwrap();
        verify_inclusion(index, size, &leaf, &proof, &root).unwrap();
        assert_eq!(proof, tree.inclusion_proof(index).unwrap());
    }
}
