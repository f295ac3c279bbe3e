//! `c2sp.org/tlog-policy` files, as `fixlog verify --policy` and `fixlog policy` read them.
//!
//! Properties: an accepted policy serializes to a text that parses to the same policy and
//! serializes identically (a fixed point); the quorum of no witnesses is met only when the
//! policy has no quorum, and the quorum of all witnesses always is.
#![no_main]

use std::collections::HashSet;

use fixlog_tlog::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(policy) = Policy::parse(text) else {
        return;
    };
    let printed = policy.to_text();
    let again = Policy::parse(&printed).expect("a printed policy parses");
    assert_eq!(again, policy);
    assert_eq!(again.to_text(), printed);
    let all: HashSet<String> = policy.witnesses.iter().map(|w| w.name.clone()).collect();
    assert!(
        policy.quorum_met(&all),
        "every witness meets any quorum: {printed}"
    );
    if policy.quorum.is_none() {
        assert!(policy.quorum_met(&HashSet::new()));
    }
});
