//! The tracker-neutral shape of a security issue and the configurable CVE extraction.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use fixlog_model::CveId;
use regex::Regex;
use time::OffsetDateTime;

/// A security issue as read from a tracker, before it becomes a draft.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackerIssue {
    /// `jira`, `bugzilla` or `gitlab`.
    pub tracker: &'static str,
    /// The tracker's key: `PLCSEC-42`, bug `4711`, issue `#42`.
    pub key: String,
    /// A link for humans (the issue's browse URL, or its API URL).
    pub url: String,
    /// Summary or title.
    pub summary: String,
    /// The CVE ids found by the extraction rules (validated, ordered).
    pub cves: BTreeSet<String>,
    /// Versions the tracker says are affected.
    pub affected: Vec<String>,
    /// Versions the tracker says carry the fix.
    pub fixed: Vec<String>,
    /// CVSS vector from the tracker, when it records one.
    pub cvss: Option<String>,
    /// Whether the issue is restricted (Jira security level, Bugzilla groups, GitLab
    /// `confidential`).
    pub restricted: bool,
    /// Whether the tracker considers the issue resolved.
    pub resolved: bool,
    /// Last update time at the tracker (drives incremental sync).
    pub updated: OffsetDateTime,
}

impl TrackerIssue {
    /// `tracker:key`, the draft's source reference.
    pub fn source(&self) -> String {
        format!("{}:{}", self.tracker, self.key)
    }
}

/// Where CVE ids are read from; the union of every configured source is taken and each
/// candidate must parse as a CVE id (`CVE-YYYY-NNNN…`).
#[derive(Clone, Debug)]
pub struct CveRules {
    /// Labels (Jira labels, GitLab labels, Bugzilla aliases and keywords) matching this
    /// pattern are CVE ids; a capture group, when present, selects the id.
    pub label: Option<Regex>,
    /// A custom field by its display name (Jira, e.g. `CVE ID`) or its field name (Bugzilla,
    /// e.g. `cf_cve`).
    pub field: Option<String>,
    /// Every match of this pattern in the summary is a CVE id.
    pub summary: Option<Regex>,
}

/// The pattern of a CVE id anywhere in a text.
pub const CVE_PATTERN: &str = r"CVE-\d{4}-\d{4,}";

impl Default for CveRules {
    fn default() -> Self {
        Self {
            label: Some(Regex::new(&format!("^{CVE_PATTERN}$")).expect("constant pattern")),
            field: Some("CVE ID".to_owned()),
            summary: Some(Regex::new(CVE_PATTERN).expect("constant pattern")),
        }
    }
}

/// Collects every match of `pattern` in `text` into `out` (capture group 1 when the pattern
/// has one), keeping only valid CVE ids.
pub(crate) fn collect_matches(pattern: &Regex, text: &str, out: &mut BTreeSet<String>) {
    for captures in pattern.captures_iter(text) {
        let matched = captures.get(1).or_else(|| captures.get(0));
        if let Some(matched) = matched {
            push_cve(matched.as_str(), out);
        }
    }
}

/// Adds `candidate` when it is a valid CVE id.
pub(crate) fn push_cve(candidate: &str, out: &mut BTreeSet<String>) {
    if let Ok(cve) = candidate.trim().parse::<CveId>() {
        out.insert(cve.to_string());
    }
}

/// Applies the label and summary rules (the field rule is tracker-specific).
pub(crate) fn cves_from_labels_and_summary<'a>(
    rules: &CveRules,
    labels: impl IntoIterator<Item = &'a str>,
    summary: &str,
    out: &mut BTreeSet<String>,
) {
    if let Some(pattern) = &rules.label {
        for label in labels {
            collect_matches(pattern, label, out);
        }
    }
    if let Some(pattern) = &rules.summary {
        collect_matches(pattern, summary, out);
    }
}

/// Orders version names the way humans read them: digit runs numerically, other runs
/// lexically (`2.10.0 > 2.9.1`). Tracker versions carry no scheme, so this is a best effort
/// used only to pick the lowest and highest names of a list.
pub fn natural_cmp(left: &str, right: &str) -> Ordering {
    fn chunks(text: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = text.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &text[start..i]));
                start = i;
            }
        }
        out
    }
    let (a, b) = (chunks(left), chunks(right));
    for (x, y) in a.iter().zip(b.iter()) {
        let order = match (x, y) {
            ((true, x), (true, y)) => {
                let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                x.len().cmp(&y.len()).then_with(|| x.cmp(y))
            }
            ((_, x), (_, y)) => x.cmp(y),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_compares_digit_runs_numerically() {
        assert_eq!(natural_cmp("2.10.0", "2.9.1"), Ordering::Greater);
        assert_eq!(natural_cmp("2.4.1", "2.4.1"), Ordering::Equal);
        assert_eq!(natural_cmp("V3.2", "V3.2.1"), Ordering::Less);
    }

    #[test]
    fn default_rules_take_labels_and_summary_and_reject_non_cves() {
        let rules = CveRules::default();
        let mut out = BTreeSet::new();
        cves_from_labels_and_summary(
            &rules,
            ["security", "CVE-2026-10001", "CVE-2026-1"],
            "crash (CVE-2026-10002, CVE-2026-10003) not CVE-26-1",
            &mut out,
        );
        assert_eq!(
            out.into_iter().collect::<Vec<_>>(),
            ["CVE-2026-10001", "CVE-2026-10002", "CVE-2026-10003"]
        );
    }

    #[test]
    fn a_capture_group_selects_the_id() {
        let pattern = Regex::new(r"^cve:(CVE-\d{4}-\d+)$").unwrap();
        let mut out = BTreeSet::new();
        collect_matches(&pattern, "cve:CVE-2026-10009", &mut out);
        collect_matches(&pattern, "CVE-2026-10008", &mut out);
        assert_eq!(out.into_iter().collect::<Vec<_>>(), ["CVE-2026-10009"]);
    }
}
