//! RESTCONF stream filters: `stream-xpath-filter` expressions and `stream-subtree-filter`
//! content. The first byte picks the form (XPath text or subtree JSON).
//!
//! Properties: an accepted filter evaluates on notification bodies without panicking, is
//! deterministic, and `not(F)` (for XPath) selects exactly what `F` does not.
#![no_main]

use std::sync::LazyLock;

use fixlog_restconf::filter::Filter;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

/// Notification contents of each kind, shaped as `entry_to_yang` renders them.
static BODIES: LazyLock<Vec<Value>> = LazyLock::new(|| {
    vec![
        json!({"sequence-number": 7, "kind": "fwsec-log:release", "product": "plc-x500",
               "cve": ["CVE-2025-10001", "CVE-2025-10002"], "device-class": ["fwsec-log:plc"],
               "affected": [{"product": "plc-x500", "cve": ["CVE-2025-10001"]}]}),
        json!({"sequence-number": 1, "kind": "fwsec-log:product", "product": "rtu-fl3"}),
        json!({"sequence-number": 12, "kind": "fwsec-log:advisory", "supersedes": 9,
               "cve": ["CVE-2024-0001"],
               "affected": [{"product": "hmi-vp7", "cve": ["CVE-2024-0001"]},
                            {"product": "dcs-c200", "cve": []}]}),
        json!({}),
    ]
});

fn check(filter: &Filter) {
    for body in BODIES.iter() {
        assert_eq!(filter.matches(body), filter.matches(body));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    if selector % 2 == 0 {
        let Ok(text) = std::str::from_utf8(rest) else {
            return;
        };
        let Ok(filter) = Filter::from_xpath(text) else {
            return;
        };
        check(&filter);
        let Some(predicate) = text
            .trim()
            .strip_prefix("/fwsec-log:firmware-security-update[")
            .and_then(|p| p.strip_suffix(']'))
        else {
            return;
        };
        if predicate.contains("][") {
            return;
        }
        let negated = format!("/fwsec-log:firmware-security-update[not({predicate})]");
        if let Ok(not) = Filter::from_xpath(&negated) {
            for body in BODIES.iter() {
                assert_ne!(filter.matches(body), not.matches(body), "{text} on {body}");
            }
        }
    } else {
        let Ok(value) = serde_json::from_slice::<Value>(rest) else {
            return;
        };
        if let Ok(filter) = Filter::from_subtree(&value) {
            check(&filter);
        }
    }
});
