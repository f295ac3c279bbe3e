//! Semantic Versioning 2.0.0 parsing and precedence (semver.org §2, §9–§11).

use std::cmp::Ordering;

use super::Key;
use super::scheme::integer;

/// One dot-separated pre-release identifier (semver.org §9).
///
/// Numeric identifiers sort before alphanumeric ones (§11.4.3), which the
/// variant order gives through the derived `Ord`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum PreRelease {
    /// An identifier of digits only, compared numerically.
    Numeric(u64),
    /// An identifier with at least one non-digit, compared in ASCII order.
    Alphanumeric(String),
}

/// Parses a full SemVer 2.0.0 version; `None` if it is not one.
pub(super) fn parse(text: &str) -> Option<Key> {
    // Build metadata (§10) is validated and then dropped: it has no precedence.
    let (rest, build) = match text.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (text, None),
    };
    if let Some(build) = build
        && !build.split('.').all(is_identifier)
    {
        return None;
    }
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let numbers: Vec<u64> = core
        .split('.')
        .map(numeric_identifier)
        .collect::<Option<_>>()?;
    let [major, minor, patch] = numbers[..] else {
        return None;
    };
    let pre = match pre {
        None => Vec::new(),
        Some(pre) => pre
            .split('.')
            .map(|identifier| {
                if !is_identifier(identifier) {
                    None
                } else if identifier.bytes().all(|byte| byte.is_ascii_digit()) {
                    numeric_identifier(identifier).map(PreRelease::Numeric)
                } else {
                    Some(PreRelease::Alphanumeric(identifier.to_owned()))
                }
            })
            .collect::<Option<_>>()?,
    };
    Some(Key::Semver {
        core: [major, minor, patch],
        pre,
    })
}

/// A numeric identifier: digits without a leading zero (except `0` itself).
fn numeric_identifier(text: &str) -> Option<u64> {
    if text.len() > 1 && text.starts_with('0') {
        return None;
    }
    integer(text)
}

/// A non-empty run of `[0-9A-Za-z-]`.
fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
}

/// Compares two semver versions by precedence (§11).
pub(super) fn compare(
    core: &[u64; 3],
    pre: &[PreRelease],
    other_core: &[u64; 3],
    other_pre: &[PreRelease],
) -> Ordering {
    core.cmp(other_core).then_with(|| {
        match (pre.is_empty(), other_pre.is_empty()) {
            (true, true) => Ordering::Equal,
            // A pre-release has lower precedence than the release (§11.3).
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            // Identifier by identifier; a longer list wins a tie (§11.4.4).
            (false, false) => pre.cmp(other_pre),
        }
    })
}
