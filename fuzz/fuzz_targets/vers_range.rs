//! Range texts as CSAF `product_version_range` names carry them (`vers:intdot/>=1.0|<2.0`,
//! `>= V1.0 | < V2.0`, `all versions`): the first byte picks the version scheme.
//!
//! Property: for the dotted and semver schemes, whose `vers` components are the versions
//! themselves, a range with at most one upper bound survives `to_vers` and back unchanged.
#![no_main]

use fixlog_csaf::import::fuzz_parse_range;
use fixlog_model::VersionScheme;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let scheme = VersionScheme::ALL[usize::from(selector) % VersionScheme::ALL.len()];
    let Some(range) = fuzz_parse_range(scheme, text) else {
        return;
    };
    assert!(range.fixed.is_none(), "range texts have no fixed bound");
    if !matches!(scheme, VersionScheme::Dotted | VersionScheme::Semver)
        || (range.limit.is_some() && range.last_affected.is_some())
    {
        return;
    }
    let Some(vers) = range.to_vers() else {
        assert!(range.scheme().is_none());
        return;
    };
    let again = fuzz_parse_range(scheme, &vers)
        .unwrap_or_else(|| panic!("{vers} (from {text:?}) does not parse back"));
    assert_eq!(again, range, "{vers} from {text:?}");
});
