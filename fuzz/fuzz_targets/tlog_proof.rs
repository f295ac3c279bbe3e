//! `c2sp.org/tlog-proof@v1` files, as `fixlog verify --proof` reads them from an auditor.
//!
//! Properties: an accepted file prints back byte for byte; verifying it under the TEST-ONLY
//! policy of ../shared/data/tlog never panics, and a bundle that verifies names an entry
//! inside its checkpoint's tree.
#![no_main]

use std::sync::LazyLock;

use fixlog_tlog::{Policy, ProofBundle, verify_proof_bundle};
use libfuzzer_sys::fuzz_target;

static POLICY: LazyLock<Policy> = LazyLock::new(|| {
    Policy::parse(include_str!("../../../shared/data/tlog/example-policy.txt"))
        .expect("the example policy parses")
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(bundle) = ProofBundle::parse(text) else {
        return;
    };
    assert_eq!(bundle.to_text(), text);
    if let Ok(verified) = verify_proof_bundle(text, &POLICY) {
        assert!(verified.index < verified.checkpoint.size);
        assert_eq!(Some(&verified.entry), bundle.extra.as_ref());
    }
});
