//! Property tests for version parsing and ordering.

use std::cmp::Ordering;

use fixlog_model::{Version, VersionRange, VersionScheme};
use proptest::prelude::*;

/// Dotted components: small values so that ties and prefixes are common.
fn components() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec(
        prop_oneof![0u64..4, 0u64..200, any::<u32>().prop_map(u64::from)],
        1..6,
    )
}

/// Renders components, optionally with leading zeros.
fn render(components: &[u64], leading_zeros: &[bool]) -> String {
    components
        .iter()
        .zip(leading_zeros.iter().chain(std::iter::repeat(&false)))
        .map(|(component, zero)| {
            if *zero {
                format!("0{component}")
            } else {
                component.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Component-wise comparison with missing trailing components as 0.
fn reference_cmp(left: &[u64], right: &[u64]) -> Ordering {
    let length = left.len().max(right.len());
    let padded = |parts: &[u64]| {
        let mut parts = parts.to_vec();
        parts.resize(length, 0);
        parts
    };
    padded(left).cmp(&padded(right))
}

fn dotted(text: &str) -> Version {
    VersionScheme::Dotted.parse(text).unwrap()
}

proptest! {
    #[test]
    fn dotted_order_is_componentwise(
        left in components(),
        right in components(),
        left_zeros in prop::collection::vec(any::<bool>(), 0..6),
        right_zeros in prop::collection::vec(any::<bool>(), 0..6),
    ) {
        let left_version = dotted(&render(&left, &left_zeros));
        let right_version = dotted(&render(&right, &right_zeros));
        let expected = reference_cmp(&left, &right);
        prop_assert_eq!(left_version.cmp(&right_version), expected);
        prop_assert_eq!(right_version.cmp(&left_version), expected.reverse());
        prop_assert_eq!(left_version == right_version, expected == Ordering::Equal);
    }

    #[test]
    fn dotted_order_is_transitive(a in components(), b in components(), c in components()) {
        let mut versions = [dotted(&render(&a, &[])), dotted(&render(&b, &[])), dotted(&render(&c, &[]))];
        versions.sort();
        prop_assert!(versions[0] <= versions[1] && versions[1] <= versions[2]);
        prop_assert!(versions[0] <= versions[2]);
    }

    #[test]
    fn equal_versions_hash_equally(parts in components(), extra_zeros in 0usize..3) {
        use std::collections::hash_map::DefaultHasher;
        use std::hash::{Hash, Hasher};
        let mut padded = parts.clone();
        padded.extend(std::iter::repeat_n(0, extra_zeros));
        let short = dotted(&render(&parts, &[]));
        let long = dotted(&render(&padded, &[]));
        prop_assert_eq!(&short, &long);
        let hash = |version: &Version| {
            let mut hasher = DefaultHasher::new();
            version.hash(&mut hasher);
            hasher.finish()
        };
        prop_assert_eq!(hash(&short), hash(&long));
    }

    #[test]
    fn dotted_display_round_trips(parts in components(), zeros in prop::collection::vec(any::<bool>(), 0..6)) {
        let text = render(&parts, &zeros);
        prop_assert_eq!(dotted(&text).to_string(), text);
    }

    #[test]
    fn every_scheme_round_trips_its_text(
        a in 0u64..100, b in 0u64..100, c in 0u64..1000,
        month in 1u64..=12,
        service_pack in prop::option::of(0u64..20), hotfix in prop::option::of(0u64..20),
        pre in prop::option::of("[a-z]{1,6}(\\.(0|[1-9][0-9]{0,3}))?"),
        build in prop::option::of("[0-9A-Za-z-]{1,8}"),
    ) {
        let mut service_pack_text = format!("{a}.{b}");
        if let Some(service_pack) = service_pack { service_pack_text.push_str(&format!(" SP{service_pack}")); }
        if let Some(hotfix) = hotfix { service_pack_text.push_str(&format!(" HF{hotfix}")); }
        let mut semver_text = format!("{a}.{b}.{c}");
        if let Some(pre) = &pre { semver_text.push_str(&format!("-{pre}")); }
        if let Some(build) = &build { semver_text.push_str(&format!("+{build}")); }
        let cases = [
            (VersionScheme::Semver, semver_text),
            (VersionScheme::VDotted, format!("V{a}.{b}.{c}")),
            (VersionScheme::ServicePack, service_pack_text),
            (VersionScheme::ReleaseTrain, format!("R{a:02}.{c}")),
            (VersionScheme::Calver, format!("20{a:02}.{month:02}.{c}")),
            (VersionScheme::Padded, format!("{a:02}.{b:02}.{:02}", c % 100)),
        ];
        for (scheme, text) in cases {
            let version = scheme.parse(&text).unwrap();
            prop_assert_eq!(version.as_str(), text.as_str());
            prop_assert_eq!(version.to_string(), text.clone());
            prop_assert_eq!(version.scheme(), scheme);
        }
    }

    #[test]
    fn range_contains_matches_bounds(
        introduced in components(), width in components(), probe in components(),
    ) {
        // fixed = introduced + width (component-wise, so fixed > introduced
        // unless width is all zeros).
        let mut fixed = introduced.clone();
        fixed.resize(introduced.len().max(width.len()), 0);
        for (slot, add) in fixed.iter_mut().zip(&width) { *slot += add; }
        let introduced_text = render(&introduced, &[]);
        let fixed_text = render(&fixed, &[]);
        let range = VersionRange::parse(VersionScheme::Dotted, Some(&introduced_text), Some(&fixed_text), None, None);
        let probe_version = dotted(&render(&probe, &[]));
        match range {
            Ok(range) => {
                let expected = reference_cmp(&probe, &introduced) != Ordering::Less
                    && reference_cmp(&probe, &fixed) == Ordering::Less;
                prop_assert_eq!(range.contains(&probe_version), expected);
                prop_assert_eq!(range.is_fixed_in(&probe_version), reference_cmp(&probe, &fixed) != Ordering::Less);
            }
            Err(_) => prop_assert!(reference_cmp(&fixed, &introduced) != Ordering::Greater),
        }
    }
}
