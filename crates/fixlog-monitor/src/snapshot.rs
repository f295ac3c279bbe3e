//! The compact snapshot of what a publisher serves, and the changes between two snapshots.
//!
//! A snapshot keeps, per endpoint: every entry's seq with the SHA-256 of its canonical bytes,
//! the image digests of each live `product@version`, each advisory's affected ranges per
//! product, and the fixed versions per `CVE@product`. [`diff`] names each change with a class:
//!
//! | class | meaning |
//! |---|---|
//! | `entry-added` | a new seq |
//! | `entry-removed` | a seq seen before is gone |
//! | `entry-changed` | a seq now has other bytes |
//! | `range-widened` | an advisory states a product range it did not state before |
//! | `range-narrowed` | an advisory no longer states a range it stated |
//! | `fix-added` | a fixed version for a CVE and product that was not there |
//! | `image-digest-changed` | the same product and version with other image digests |

use std::collections::{BTreeMap, BTreeSet};

use fixlog_formats::{EntryDoc, EntryKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What an endpoint served at one probe, compactly.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// seq → SHA-256 (hex) of the entry's canonical bytes.
    pub entries: BTreeMap<u64, String>,
    /// `product@version` → the live release's image SHA-256 digests, sorted.
    pub images: BTreeMap<String, Vec<String>>,
    /// advisory id → product → affected ranges (one text per range), sorted.
    pub ranges: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// `CVE@product` → fixed versions, sorted.
    pub fixes: BTreeMap<String, Vec<String>>,
}

/// One detected change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The class (see the module table).
    pub class: String,
    /// What changed: `seq 7`, `ADV-1/plc-a`, `plc-a@4.2`, `CVE-…@plc-a`.
    pub subject: String,
    /// One line of detail.
    pub detail: String,
}

fn range_text(range: &fixlog_formats::RangeDoc) -> String {
    match &range.vers {
        Some(vers) => vers.clone(),
        None => format!(
            "introduced={} fixed={} last_affected={} limit={}",
            range.introduced.as_deref().unwrap_or("-"),
            range.fixed.as_deref().unwrap_or("-"),
            range.last_affected.as_deref().unwrap_or("-"),
            range.limit.as_deref().unwrap_or("-")
        ),
    }
}

impl Snapshot {
    /// Builds the snapshot of `entries` (in seq order) whose canonical bytes are `canonical`.
    pub fn build(entries: &[(EntryDoc, Vec<u8>)]) -> Self {
        let mut snapshot = Self::default();
        let mut release_keys: BTreeMap<u64, String> = BTreeMap::new();
        for (entry, bytes) in entries {
            snapshot
                .entries
                .insert(entry.seq, hex::encode(Sha256::digest(bytes)));
            match entry.kind {
                EntryKind::Release => {
                    let (Some(product), Some(version)) = (&entry.product, &entry.fixed_version)
                    else {
                        continue;
                    };
                    let key = format!("{product}@{version}");
                    // A correction supersedes the release it replaces: the latest one is live.
                    if let Some(old) = entry.supersedes.and_then(|seq| release_keys.get(&seq)) {
                        snapshot.images.remove(old);
                    }
                    let mut digests: Vec<String> = entry
                        .images
                        .iter()
                        .map(|image| image.sha256.to_ascii_lowercase())
                        .collect();
                    digests.sort();
                    snapshot.images.insert(key.clone(), digests);
                    release_keys.insert(entry.seq, key);
                    for cve in &entry.cves {
                        let fixes = snapshot
                            .fixes
                            .entry(format!("{cve}@{product}"))
                            .or_default();
                        if !fixes.contains(version) {
                            fixes.push(version.clone());
                            fixes.sort();
                        }
                    }
                }
                EntryKind::Advisory | EntryKind::Withdrawal => {
                    let Some(advisory) = &entry.advisory else {
                        continue;
                    };
                    // The latest revision replaces the advisory's statements.
                    let mut products: BTreeMap<String, Vec<String>> = BTreeMap::new();
                    for statement in &entry.affected {
                        let ranges = products.entry(statement.product.clone()).or_default();
                        ranges.extend(statement.ranges.iter().map(range_text));
                        ranges.sort();
                        ranges.dedup();
                        if let Some(fixed) = statement
                            .remediation
                            .as_ref()
                            .and_then(|remediation| remediation.fixed_version.clone())
                        {
                            for cve in &statement.cves {
                                let fixes = snapshot
                                    .fixes
                                    .entry(format!("{cve}@{}", statement.product))
                                    .or_default();
                                if !fixes.contains(&fixed) {
                                    fixes.push(fixed.clone());
                                    fixes.sort();
                                }
                            }
                        }
                    }
                    snapshot.ranges.insert(advisory.id.clone(), products);
                }
                _ => {}
            }
        }
        snapshot
    }
}

/// The changes from `old` to `new`, in a stable order.
pub fn diff(old: &Snapshot, new: &Snapshot) -> Vec<Change> {
    let mut changes = Vec::new();
    let change = |class: &str, subject: String, detail: String| Change {
        class: class.to_owned(),
        subject,
        detail,
    };
    for (seq, digest) in &old.entries {
        match new.entries.get(seq) {
            None => changes.push(change(
                "entry-removed",
                format!("seq {seq}"),
                format!("entry {seq} (sha256 {digest}) is no longer served"),
            )),
            Some(now) if now != digest => changes.push(change(
                "entry-changed",
                format!("seq {seq}"),
                format!("entry {seq} was sha256 {digest}, now {now}"),
            )),
            Some(_) => {}
        }
    }
    for (seq, digest) in &new.entries {
        if !old.entries.contains_key(seq) {
            changes.push(change(
                "entry-added",
                format!("seq {seq}"),
                format!("new entry {seq} (sha256 {digest})"),
            ));
        }
    }
    for (key, digests) in &new.images {
        if let Some(before) = old.images.get(key)
            && before != digests
        {
            changes.push(change(
                "image-digest-changed",
                key.clone(),
                format!(
                    "image sha256 {} replaced by {}",
                    before.join(","),
                    digests.join(",")
                ),
            ));
        }
    }
    let empty = BTreeMap::new();
    for (advisory, products) in &new.ranges {
        let before_products = old.ranges.get(advisory).unwrap_or(&empty);
        for (product, ranges) in products {
            let before: BTreeSet<&String> = before_products
                .get(product)
                .map(|ranges| ranges.iter().collect())
                .unwrap_or_default();
            let now: BTreeSet<&String> = ranges.iter().collect();
            let added: Vec<&str> = now.difference(&before).map(|text| text.as_str()).collect();
            let removed: Vec<&str> = before.difference(&now).map(|text| text.as_str()).collect();
            if !added.is_empty() && old.ranges.contains_key(advisory) {
                changes.push(change(
                    "range-widened",
                    format!("{advisory}/{product}"),
                    format!("now also affected: {}", added.join(" ")),
                ));
            } else if added.is_empty() && !removed.is_empty() {
                changes.push(change(
                    "range-narrowed",
                    format!("{advisory}/{product}"),
                    format!("no longer stated: {}", removed.join(" ")),
                ));
            }
        }
    }
    for (key, versions) in &new.fixes {
        let before = old.fixes.get(key);
        for version in versions {
            if !before.is_some_and(|before| before.contains(version)) {
                changes.push(change(
                    "fix-added",
                    key.clone(),
                    format!("fixed in {version}"),
                ));
            }
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot() -> Snapshot {
        let mut snapshot = Snapshot::default();
        snapshot.entries.insert(1, "aa".to_owned());
        snapshot.entries.insert(2, "bb".to_owned());
        snapshot
            .images
            .insert("plc@1.0".to_owned(), vec!["d1".to_owned()]);
        snapshot.ranges.insert(
            "ADV-1".to_owned(),
            BTreeMap::from([("plc".to_owned(), vec!["vers:semver/<1.0".to_owned()])]),
        );
        snapshot
            .fixes
            .insert("CVE-2024-0001@plc".to_owned(), vec!["1.0".to_owned()]);
        snapshot
    }

    fn classes(changes: &[Change]) -> Vec<(&str, &str)> {
        changes
            .iter()
            .map(|change| (change.class.as_str(), change.subject.as_str()))
            .collect()
    }

    #[test]
    fn equal_snapshots_have_no_changes() {
        assert!(diff(&snapshot(), &snapshot()).is_empty());
    }

    #[test]
    fn each_kind_of_change_gets_its_class() {
        let old = snapshot();
        let mut new = snapshot();
        new.entries.remove(&1);
        new.entries.insert(2, "b2".to_owned());
        new.entries.insert(3, "cc".to_owned());
        new.images
            .insert("plc@1.0".to_owned(), vec!["d2".to_owned()]);
        new.images
            .insert("plc@2.0".to_owned(), vec!["d3".to_owned()]);
        new.ranges.get_mut("ADV-1").unwrap().insert(
            "plc".to_owned(),
            vec![
                "vers:semver/<1.0".to_owned(),
                "vers:semver/>=2.0|<2.1".to_owned(),
            ],
        );
        new.fixes.insert(
            "CVE-2024-0001@plc".to_owned(),
            vec!["1.0".to_owned(), "2.1".to_owned()],
        );
        assert_eq!(
            classes(&diff(&old, &new)),
            vec![
                ("entry-removed", "seq 1"),
                ("entry-changed", "seq 2"),
                ("entry-added", "seq 3"),
                ("image-digest-changed", "plc@1.0"),
                ("range-widened", "ADV-1/plc"),
                ("fix-added", "CVE-2024-0001@plc"),
            ]
        );
    }

    #[test]
    fn a_new_advisory_is_not_a_widened_range_and_a_dropped_range_is_narrowed() {
        let old = snapshot();
        let mut new = snapshot();
        new.ranges.insert(
            "ADV-2".to_owned(),
            BTreeMap::from([("plc".to_owned(), vec!["vers:semver/<3.0".to_owned()])]),
        );
        new.ranges
            .get_mut("ADV-1")
            .unwrap()
            .insert("plc".to_owned(), Vec::new());
        assert_eq!(
            classes(&diff(&old, &new)),
            vec![("range-narrowed", "ADV-1/plc")]
        );
    }
}
