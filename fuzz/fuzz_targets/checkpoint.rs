//! Checkpoint texts and checkpoint notes, as `fixlog verify` fetches `/tlog/checkpoint`.
//!
//! Properties: an accepted checkpoint text prints back byte for byte (every field has one
//! spelling); a checkpoint note opens only with the key that signed it.
#![no_main]

use std::sync::LazyLock;

use fixlog_tlog::{Checkpoint, Signer, open_checkpoint};
use libfuzzer_sys::fuzz_target;

/// TEST-ONLY log key of ../shared/data/tlog (seed published there; never trust it).
const LOG_SKEY: &str =
    "PRIVATE+KEY+example.com/fwlog-test+9cf9ddb1+AUFZ/1HuAhVWgNMmyWw8nIV57QD7Nsr1PSmdhLTO4Iyo";

static SIGNER: LazyLock<Signer> =
    LazyLock::new(|| Signer::from_private_key_string(LOG_SKEY).expect("test key"));

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let verifier = SIGNER.verifier();
    // As a whole note (the body of /tlog/checkpoint).
    if let Ok((checkpoint, verified)) = open_checkpoint(text, std::slice::from_ref(&verifier)) {
        assert_eq!(checkpoint.to_text(), verified.text);
    }
    // As the signed text.
    let Ok(checkpoint) = Checkpoint::parse(text) else {
        return;
    };
    assert_eq!(checkpoint.to_text(), text);
    assert_eq!(
        Checkpoint::parse(&checkpoint.to_text()),
        Ok(checkpoint.clone())
    );
    let note = checkpoint
        .sign(&[&SIGNER])
        .expect("a parsed checkpoint can be signed");
    let (opened, _) =
        open_checkpoint(&note, std::slice::from_ref(&verifier)).expect("own signature");
    assert_eq!(opened, checkpoint);
});
