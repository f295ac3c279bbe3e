//! Version strings under every scheme: the first byte picks the scheme, the rest is the text.
//!
//! Properties: a parsed version keeps its text verbatim and re-parses to an equal version;
//! ordering is reflexive and agrees with equality; the `vers` component of an intdot scheme
//! parses as a dotted version with the same significant components; scheme names round-trip.
#![no_main]

use std::cmp::Ordering;
use std::str::FromStr;

use fixlog_model::VersionScheme;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if let Ok(scheme) = VersionScheme::from_str(text) {
        assert_eq!(scheme.as_str(), text);
    }
    let scheme = VersionScheme::ALL[usize::from(selector) % VersionScheme::ALL.len()];
    let Ok(version) = scheme.parse(text) else {
        return;
    };
    assert_eq!(version.as_str(), text);
    assert_eq!(version.to_string(), text);
    assert_eq!(version.scheme(), scheme);
    let again = scheme
        .parse(version.as_str())
        .expect("a parsed version re-parses");
    assert_eq!(again, version);
    assert_eq!(version.cmp(&again), Ordering::Equal);
    match (scheme.vers_scheme(), version.to_vers_component()) {
        (None, None) => {}
        (Some("semver"), Some(component)) => assert_eq!(component, text),
        (Some("intdot"), Some(component)) => {
            let dotted = VersionScheme::Dotted
                .parse(&component)
                .expect("an intdot component is a dotted version");
            assert_eq!(
                dotted.to_vers_component().as_deref(),
                Some(component.as_str())
            );
            if scheme == VersionScheme::Dotted {
                assert_eq!(dotted, version);
            }
        }
        (vers, component) => panic!("vers scheme {vers:?} with component {component:?}"),
    }
    // Every other scheme either rejects the text or orders it consistently with itself.
    for other in VersionScheme::ALL {
        if let Ok(parsed) = other.parse(text) {
            assert_eq!(parsed.cmp(&parsed), Ordering::Equal);
            assert_eq!(parsed == version, *other == scheme);
        }
    }
});
