//! Helpers shared by the vector tests: loading `shared/data/tlog` files and decoding hex.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use fixlog_tlog::Hash;
use serde_json::Value;

/// Reads a file from the shared test-vector directory.
pub fn read(name: &str) -> String {
    let path = format!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/tlog/{}"),
        name
    );
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("reading {path}: {error}"))
}

/// Reads and parses a JSON vector file.
pub fn load(name: &str) -> Value {
    serde_json::from_str(&read(name)).expect("valid JSON")
}

/// Decodes hex of exactly 32 bytes, or `None` for any other length (placeholder values).
pub fn try_hash(value: &Value) -> Option<Hash> {
    hex::decode(value.as_str().expect("hex string"))
        .expect("valid hex")
        .try_into()
        .ok()
}

/// Decodes hex that must be 32 bytes.
pub fn hash(value: &Value) -> Hash {
    try_hash(value).expect("32-byte hash")
}

/// Decodes a list of 32-byte hex hashes; `None` if any is not 32 bytes.
pub fn try_hashes(value: &Value) -> Option<Vec<Hash>> {
    value
        .as_array()
        .expect("array")
        .iter()
        .map(try_hash)
        .collect()
}

/// Decodes a list of 32-byte hex hashes.
pub fn hashes(value: &Value) -> Vec<Hash> {
    try_hashes(value).expect("32-byte hashes")
}

/// The value as `u64`.
pub fn u64_of(value: &Value) -> u64 {
    value.as_u64().expect("unsigned integer")
}

/// The value as `&str`.
pub fn str_of(value: &Value) -> &str {
    value.as_str().expect("string")
}

/// Decodes 32 bytes of hex into an Ed25519 seed.
pub fn seed(value: &Value) -> [u8; 32] {
    hash(value)
}
