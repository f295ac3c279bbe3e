//! The RFC 8785 serializer on arbitrary JSON, differentially against an independent
//! implementation (`serde_json_canonicalizer`).
//!
//! Properties: where fixlog's serializer accepts a value, its bytes equal the reference
//! bytes, are valid JSON for the same value, and are a fixed point (canonical of canonical).
#![no_main]

use fixlog_formats::to_canonical_bytes;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Ok(ours) = to_canonical_bytes(&value) else {
        return;
    };
    let reference = serde_json_canonicalizer::to_vec(&value).expect("reference serializes");
    assert_eq!(
        String::from_utf8_lossy(&ours),
        String::from_utf8_lossy(&reference),
        "input {:?}",
        String::from_utf8_lossy(data)
    );
    let reparsed: Value = serde_json::from_slice(&ours).expect("canonical bytes are JSON");
    assert_eq!(to_canonical_bytes(&reparsed).expect("re-serializes"), ours);
});
