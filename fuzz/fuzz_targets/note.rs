//! C2SP signed notes, as checkpoints and cosignatures arrive from logs and witnesses.
//!
//! Properties: an accepted note prints back byte for byte; its text, signed with a TEST-ONLY
//! key, opens with that key's verifier and with no other (same text, other key → rejected).
#![no_main]

use std::sync::LazyLock;

use fixlog_tlog::{Signer, Verifier, open_note, parse_note, sign_note, verify_note};
use libfuzzer_sys::fuzz_target;

/// TEST-ONLY log key of ../shared/data/tlog (seed published there; never trust it).
const LOG_SKEY: &str =
    "PRIVATE+KEY+example.com/fwlog-test+9cf9ddb1+AUFZ/1HuAhVWgNMmyWw8nIV57QD7Nsr1PSmdhLTO4Iyo";
/// The Go `sumdb/note` test key of ../shared/data/tlog/note-vectors.json.
const OTHER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";

static KEYS: LazyLock<(Signer, Verifier, Verifier)> = LazyLock::new(|| {
    let signer = Signer::from_private_key_string(LOG_SKEY).expect("test key");
    let other = Signer::from_private_key_string(OTHER_SKEY).expect("test key");
    let verifier = signer.verifier();
    (signer, verifier, other.verifier())
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (signer, verifier, other) = &*KEYS;
    let Ok(note) = parse_note(text) else {
        return;
    };
    assert_eq!(note.to_string(), text);
    // Whatever the signatures are, checking them against known keys must not panic, and a
    // note that verifies under a key does so through a signature line naming that key.
    for known in [verifier, other] {
        if let Ok(verified) = verify_note(&note, std::slice::from_ref(known)) {
            assert!(
                verified
                    .verified
                    .iter()
                    .all(|line| line.name == known.name() && line.key_id == known.key_id())
            );
        }
    }
    let signed = sign_note(&note.text, &[signer]).expect("a parsed note's text can be signed");
    let opened = open_note(&signed, std::slice::from_ref(verifier)).expect("own signature");
    assert_eq!(opened.text, note.text);
    assert!(open_note(&signed, std::slice::from_ref(other)).is_err());
});
