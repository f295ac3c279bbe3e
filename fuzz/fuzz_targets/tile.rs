//! tlog-tiles inputs: tile paths (as the server routes them and `fixlog verify` names them),
//! entry bundles, and hash tiles fed to [`TileLookup`]. The first byte picks the parser.
//!
//! Properties: an accepted path prints back byte for byte and its width matches the tree
//! it is computed for; an entry bundle re-encodes to the same bytes; a lookup built from
//! fuzzed tiles answers or refuses root computations without panicking, and a tree whose
//! tiles were computed from real nodes yields the real root.
#![no_main]

use fixlog_tlog::{
    MemoryTree, TileLookup, decode_entry_bundle, parse_tile_path, root_from_nodes, tile_nodes,
    tile_width, tiles_for_size, try_encode_entry_bundle,
};
use libfuzzer_sys::fuzz_target;

fn paths(text: &str) {
    let Ok(path) = parse_tile_path(text) else {
        return;
    };
    assert_eq!(path.to_string(), text);
    assert_eq!(parse_tile_path(&path.to_string()), Ok(path));
    if let Some(level) = path.level() {
        // The smallest tree that holds this tile at this width names the same width.
        let size = 256u128
            .checked_pow(u32::from(level))
            .and_then(|span| {
                (u128::from(path.index()) * 256 + u128::from(path.width())).checked_mul(span)
            })
            .and_then(|size| u64::try_from(size).ok());
        if let Some(size) = size {
            assert_eq!(tile_width(level, path.index(), size), Some(path.width()));
        }
    }
}

fn bundles(bytes: &[u8]) {
    let Ok(entries) = decode_entry_bundle(bytes) else {
        return;
    };
    let slices: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
    assert_eq!(
        try_encode_entry_bundle(&slices).expect("decoded entries fit"),
        bytes
    );
}

/// A tree of up to 600 leaves (from two input bytes) and tiles whose bodies are the fuzz
/// input: the lookup must refuse or answer, and with the true bodies give the true root.
fn lookups(bytes: &[u8]) {
    let Some((size_bytes, body)) = bytes.split_first_chunk::<2>() else {
        return;
    };
    let size = u64::from(u16::from_le_bytes(*size_bytes)) % 600 + 1;
    let mut tree = MemoryTree::new();
    for i in 0..size {
        tree.push(format!("leaf {i}").as_bytes());
    }
    let mut fuzzed = TileLookup::new(size);
    let mut real = TileLookup::new(size);
    for path in tiles_for_size(size) {
        let Some(level) = path.level() else { continue };
        let true_body: Vec<u8> = tile_nodes(level, path.index(), path.width())
            .flat_map(|node| tree.node(node).expect("node of a complete tile"))
            .collect();
        let take = body.len().min(true_body.len());
        let mut mixed = true_body.clone();
        mixed[..take].copy_from_slice(&body[..take]);
        let _ = fuzzed.insert(&path, mixed);
        let _ = fuzzed.insert(&path, body.to_vec());
        real.insert(&path, true_body).expect("true tile bodies fit");
    }
    let _ = root_from_nodes(size, &fuzzed);
    assert_eq!(root_from_nodes(size, &real), Ok(tree.root()));
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 3 {
        0 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                paths(text);
            }
        }
        1 => bundles(rest),
        _ => lookups(rest),
    }
});
