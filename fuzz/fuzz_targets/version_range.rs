//! Version ranges from their four bounds: the first byte picks the scheme, the rest is up to
//! four lines (introduced, fixed, last_affected, limit; an empty line is an unset bound).
//!
//! Properties of an accepted range: it contains `introduced` and `last_affected`, never
//! `fixed` or `limit`; `fixed` is fixed-in unless the limit excludes it; the `vers` string
//! exists exactly when there is a bound and the scheme has a vers scheme.
#![no_main]

use fixlog_model::{VersionRange, VersionScheme};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let scheme = VersionScheme::ALL[usize::from(selector) % VersionScheme::ALL.len()];
    let mut lines = text
        .split('\n')
        .map(|line| (!line.is_empty()).then_some(line));
    let mut next = || lines.next().flatten();
    let (introduced, fixed, last_affected, limit) = (next(), next(), next(), next());
    let Ok(range) = VersionRange::parse(scheme, introduced, fixed, last_affected, limit) else {
        return;
    };
    let any_bound = [introduced, fixed, last_affected, limit]
        .iter()
        .any(Option::is_some);
    assert_eq!(range.scheme(), any_bound.then_some(scheme));
    if let Some(introduced) = &range.introduced
        && range.limit.as_ref().is_none_or(|limit| introduced < limit)
    {
        assert!(
            range.contains(introduced),
            "{range:?} must contain introduced"
        );
    }
    if let Some(last_affected) = &range.last_affected
        && range
            .limit
            .as_ref()
            .is_none_or(|limit| last_affected < limit)
    {
        assert!(
            range.contains(last_affected),
            "{range:?} must contain last_affected"
        );
    }
    if let Some(fixed) = &range.fixed {
        assert!(!range.contains(fixed));
        assert_eq!(
            range.is_fixed_in(fixed),
            range.limit.as_ref().is_none_or(|limit| fixed < limit)
        );
    }
    if let Some(limit) = &range.limit {
        assert!(!range.contains(limit));
        assert!(!range.is_fixed_in(limit));
    }
    match range.to_vers() {
        Some(vers) => {
            let expected = format!("vers:{}/", scheme.vers_scheme().expect("vers scheme"));
            assert!(vers.starts_with(&expected), "{vers}");
        }
        None => assert!(!any_bound || scheme.vers_scheme().is_none()),
    }
});
