//! tlog-witness `add-checkpoint` request bodies (old size, consistency proof, checkpoint note).
//!
//! Properties: an accepted body prints back byte for byte; checking its consistency proof
//! against the checkpoint it carries never panics, whatever the sizes.
#![no_main]

use std::sync::LazyLock;

use fixlog_tlog::{AddCheckpointRequest, Verifier, open_checkpoint, verify_consistency};
use libfuzzer_sys::fuzz_target;

/// TEST-ONLY log key of ../shared/data/tlog (the key the seed requests are signed with).
static LOG_KEY: LazyLock<Verifier> = LazyLock::new(|| {
    "example.com/fwlog-test+9cf9ddb1+AQpgTk4QHYorK01Pw3rmQqdLJeq5Yk9Wf7KprnNNNL4S"
        .parse()
        .expect("test key")
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(request) = AddCheckpointRequest::parse(text) else {
        return;
    };
    assert_eq!(request.to_text(), text);
    assert_eq!(
        AddCheckpointRequest::parse(&request.to_text()),
        Ok(request.clone())
    );
    if let Ok((checkpoint, _)) = open_checkpoint(&request.checkpoint, &[LOG_KEY.clone()]) {
        // The witness does not know the old root here; any root exercises the size checks
        // and the proof walk, and a forged proof must not verify against a wrong old root.
        let result = verify_consistency(
            request.old_size,
            checkpoint.size,
            &[0x5a; 32],
            &checkpoint.root,
            &request.proof,
        );
        if request.old_size > checkpoint.size || request.old_size == 0 {
            assert!(result.is_err());
        }
    }
});
