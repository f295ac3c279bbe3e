//! Transparency-log core of fixlog: RFC 6962 Merkle trees, C2SP signed notes, checkpoints,
//! witness cosignatures, tiles and offline proofs. Pure functions over bytes and values; no I/O.
//!
//! The wire formats, as the log serves them (TEST keys from `shared/data/tlog`):
//!
//! ```text
//! GET <prefix>/checkpoint                      c2sp.org/tlog-checkpoint + c2sp.org/signed-note
//! example.com/fwlog-test                          origin (= log key name)
//! 5                                               tree size
//! 4t+6g8QrVnSg9NRiRrfLZOnwfO0zOdkKrca48A3TFd8=    RFC 6962 root, base64
//!
//! — example.com/fwlog-test nPndsSe1RNHM…          Ed25519 (0x01) log signature
//! — witness1.example.com/fwlog-test CEZWwQAA…     cosignature/v1 (0x04): key id ‖ time ‖ sig
//!
//! GET <prefix>/tile/0/000.p/5                  c2sp.org/tlog-tiles: 5 leaf hashes, 32 bytes each
//! GET <prefix>/tile/entries/000.p/5            entry bundle: (u16 BE length ‖ entry)*
//!
//! entry-2.tlog-proof                           c2sp.org/tlog-proof@v1, verified offline
//! c2sp.org/tlog-proof@v1                          against a c2sp.org/tlog-policy file:
//! extra Zndsb2ctc3RhdGVtZW50L3Yx…                   log example.com/fwlog-test+9cf9ddb1+AQpg…
//! index 2                                           witness W1 witness1.example.com/…+084656c1+BKl+…
//! C3BQxJKyyfvkFZ6t6l9xfogIgkFdeJ8sobNj/gCqDuo=      group fwlog-witnesses 2 W1 W2 W3
//! …                                                 quorum fwlog-witnesses
//!
//! <the checkpoint note above, verbatim>
//! ```
//!
//! Specifications:
//! [RFC 6962 §2.1](https://www.rfc-editor.org/rfc/rfc6962#section-2.1),
//! [RFC 9162 §2.1](https://www.rfc-editor.org/rfc/rfc9162#section-2.1) (verification algorithms),
//! [signed-note](https://c2sp.org/signed-note),
//! [tlog-checkpoint](https://c2sp.org/tlog-checkpoint),
//! [tlog-cosignature](https://c2sp.org/tlog-cosignature),
//! [tlog-witness](https://c2sp.org/tlog-witness),
//! [tlog-tiles](https://c2sp.org/tlog-tiles),
//! [tlog-proof](https://c2sp.org/tlog-proof),
//! [tlog-policy](https://c2sp.org/tlog-policy).
//!
//! Proofs follow "plan, fetch, compute": the storage layer keeps the hash of every complete
//! subtree ([`NodeId`]); [`inclusion_proof_nodes`] and friends name the nodes to fetch, and
//! [`inclusion_proof`] and friends compute the proof from anything implementing [`NodeLookup`]
//! (a map, a [`MemoryTree`], or a [`TileLookup`] built from fetched tiles).

mod bundle;
mod checkpoint;
mod cosignature;
mod entries;
mod keys;
mod merkle;
mod note;
mod policy;
mod proof;
mod tile;
mod tile_lookup;
mod witness;

pub use bundle::{
    BundleError, ProofBundle, TLOG_PROOF_HEADER, VerifiedBundle, WitnessCosignature,
    verify_proof_bundle,
};
pub use checkpoint::{Checkpoint, CheckpointError, open_checkpoint};
pub use cosignature::{Cosigner, cosignature_message};
pub use entries::{
    MAX_ENTRY_LEN, decode_entry_bundle, encode_entry_bundle, try_encode_entry_bundle,
};
pub use keys::{
    KeyKind, Signer, TYPE_COSIGNATURE_V1, TYPE_ED25519, Verifier, is_valid_key_name, key_id,
};
pub use merkle::{
    EMPTY_ROOT, Hash, MemoryTree, NodeId, NodeLookup, completed_by_append, leaf_hash, node_hash,
    root_from_nodes, root_nodes,
};
pub use note::{
    MAX_NOTE_SIZE, MAX_SIGNATURES, Note, NoteError, SIGNATURE_PREFIX, SignatureLine, VerifiedNote,
    VerifiedSignature, check_note_text, open_note, parse_note, sign_note, verify_note,
};
pub use policy::{Policy, PolicyError, PolicyGroup, PolicyLog, PolicyWitness};
pub use proof::{
    MAX_PROOF_LEN, ProofError, consistency_proof, consistency_proof_nodes, inclusion_proof,
    inclusion_proof_nodes, verify_consistency, verify_inclusion,
};
pub use tile::{
    FULL_WIDTH, MAX_TILE_LEVEL, TILE_HEIGHT, TileError, TileKind, TilePath, entries_path,
    entry_bundles_for_size, parse_tile_path, tile_nodes, tile_path, tile_width, tiles_for_size,
};
pub use tile_lookup::{TileLookup, tile_for_node, tiles_for_nodes};
pub use witness::{AddCheckpointRequest, MAX_WITNESS_PROOF_LEN, WitnessRequestError};
