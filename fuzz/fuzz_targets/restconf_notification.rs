//! `fwsec-log:firmware-security-update` notification contents, as a RESTCONF subscriber
//! (and `fixlog verify`) rebuilds entries from them. The first byte picks the input: a YANG
//! notification body, or an entry document to render first.
//!
//! Property: the mapping is lossless both ways: an entry rebuilt from a body renders to a
//! body that rebuilds the same entry, and a rendered entry rebuilds to itself.
#![no_main]

use fixlog_formats::EntryDoc;
use fixlog_restconf::notification::{entry_from_yang, entry_to_yang};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// A lowercase hex leaf hash; the mapping carries it but does not check it.
const LEAF_HASH: &str = "6eac38d629f62884523b6e961787d8eb6c7216289b7b1239398e35fafeee7c66";

fn round_trip(entry: &EntryDoc) {
    let Ok(body) = entry_to_yang(entry, LEAF_HASH, &[]) else {
        return;
    };
    let rebuilt = entry_from_yang(&body)
        .unwrap_or_else(|error| panic!("a rendered entry does not map back: {error}\n{body}"));
    assert_eq!(&rebuilt, entry);
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    if selector % 2 == 0 {
        let Ok(body) = serde_json::from_slice::<Value>(rest) else {
            return;
        };
        // Accept the notification wrapper as a subscriber receives it, or its content.
        let content = body
            .get("fwsec-log:firmware-security-update")
            .unwrap_or(&body);
        if let Ok(entry) = entry_from_yang(content) {
            round_trip(&entry);
        }
    } else if let Ok(entry) = EntryDoc::from_bytes(rest) {
        round_trip(&entry);
    }
});
