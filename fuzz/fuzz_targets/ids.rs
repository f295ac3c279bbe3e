//! Identifiers and other short fields of requests and imported documents: CVE and CWE ids,
//! product and advisory ids, SHA-256/SHA3-256/SHA-512 digests, calendar dates. The first byte
//! picks the parser.
//!
//! Property: whatever parses prints back to the same text and re-parses to an equal value.
#![no_main]

use std::fmt::{Debug, Display};
use std::str::FromStr;

use fixlog_model::{
    AdvisoryId, CveId, CweId, ProductId, Sha3_256Digest, Sha256Digest, Sha512Digest, format_date,
    parse_date,
};
use libfuzzer_sys::fuzz_target;

/// Parses `text` as `T`; an accepted value must print as `text` and re-parse to itself.
fn round_trip<T>(text: &str)
where
    T: FromStr + Display + PartialEq + Debug,
{
    if let Ok(value) = text.parse::<T>() {
        let printed = value.to_string();
        assert_eq!(printed, text);
        let again: T = printed.parse().ok().expect("printed value re-parses");
        assert_eq!(again, value);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match selector % 8 {
        0 => {
            round_trip::<CveId>(text);
            if let Ok(cve) = text.parse::<CveId>() {
                assert_eq!(format!("CVE-{}-{:04}", cve.year(), cve.sequence()), text);
            }
        }
        1 => {
            round_trip::<CweId>(text);
            if let Ok(cwe) = text.parse::<CweId>() {
                assert_eq!(format!("CWE-{}", cwe.number()), text);
            }
        }
        2 => round_trip::<ProductId>(text),
        3 => round_trip::<AdvisoryId>(text),
        4 => round_trip::<Sha256Digest>(text),
        5 => round_trip::<Sha3_256Digest>(text),
        6 => round_trip::<Sha512Digest>(text),
        _ => {
            if let Ok(date) = parse_date(text) {
                assert_eq!(format_date(date), text);
            }
        }
    }
});
