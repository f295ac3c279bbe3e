//! The report: findings grouped by heading, what was checked, and the verdict.
//!
//! `--json` prints one document:
//!
//! ```text
//! {"verdict": "pass" | "fail",
//!  "subject": "http://127.0.0.1:8080",
//!  "findings": [{"id": "authentic.history.fork", "severity": "error",
//!                "subject": "…/tlog/checkpoint", "message": "…"}],
//!  "checked": {"origin": "…", "size": 42, "root": "<base64>", "tiles": 2, …}}
//! ```

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::finding::{Finding, Heading, Severity};

/// The outcome of a run: `fail` when any finding is an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No error findings.
    Pass,
    /// At least one error finding.
    Fail,
}

/// Wall-clock time of the phases of an online run, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Fetching the key and checkpoint.
    pub checkpoint_ms: u64,
    /// Fetching hash tiles.
    pub tiles_ms: u64,
    /// Fetching entry bundles.
    pub bundles_ms: u64,
    /// Fetching `/api/v1/entries` pages.
    pub api_ms: u64,
    /// Running the pure checks over what was fetched.
    pub checks_ms: u64,
}

/// What a run looked at; absent fields were not part of it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Checked {
    /// The log origin (key name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// The log verifier key the checkpoint was checked against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Where that key came from: `pinned` (--key), `state` (remembered) or `first-use`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_source: Option<String>,
    /// The checkpoint's tree size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// The checkpoint's root hash, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    /// Size of the remembered checkpoint consistency was proven from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consistent_from: Option<u64>,
    /// Hash tiles fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiles: Option<u64>,
    /// Entry bundles fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_bundles: Option<u64>,
    /// Entries whose leaf hash was matched against the tiles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entries: Option<u64>,
    /// Entry documents from the JSON API compared with the bundle bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_entries: Option<u64>,
    /// Whether the new checkpoint was saved to the state directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_saved: Option<bool>,
    /// Offline: the leaf index of the proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof_index: Option<u64>,
    /// Offline: SHA-256 of the image, lowercase hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_sha256: Option<String>,
    /// Phase timings of an online run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timings: Option<Timings>,
    /// Formats the publisher was found to offer (`html-page`, `openapi`, `restconf`, `csaf`,
    /// `tlog`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offered: Vec<String>,
    /// What was checked, one line each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<String>,
    /// Response times per endpoint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<crate::accessible::EndpointTiming>,
    /// Wall-clock milliseconds per phase of the whole run, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<(String, u64)>,
}

/// Everything a run found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// `pass` or `fail`.
    pub verdict: Verdict,
    /// The publisher URL or the proof file.
    pub subject: String,
    /// Findings in the order the checks produced them.
    pub findings: Vec<Finding>,
    /// What was looked at.
    pub checked: Checked,
}

impl Report {
    /// A report over `findings`, with the verdict derived from them.
    pub fn new(subject: impl Into<String>, findings: Vec<Finding>, checked: Checked) -> Self {
        let verdict = if findings.iter().any(Finding::is_error) {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
        Self {
            verdict,
            subject: subject.into(),
            findings,
            checked,
        }
    }

    /// Number of findings of `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|finding| finding.severity == severity)
            .count()
    }

    /// Whether any finding has this id.
    pub fn has(&self, id: &str) -> bool {
        self.findings.iter().any(|finding| finding.id == id)
    }

    /// The `--json` document.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("reports serialize")
    }

    /// The human report: one block per heading that has findings, then the verdict.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "fixlog verify {}", self.subject);
        for heading in Heading::ALL {
            let findings: Vec<&Finding> = self
                .findings
                .iter()
                .filter(|finding| finding.heading() == heading)
                .collect();
            if findings.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n{}", heading.as_str());
            for finding in findings {
                let _ = writeln!(
                    out,
                    "  {:<7} {}  {}: {}",
                    finding.severity, finding.id, finding.subject, finding.message
                );
            }
        }
        let verdict = match self.verdict {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
        };
        let _ = writeln!(
            out,
            "\nverdict: {verdict} ({} errors, {} warnings)",
            self.count(Severity::Error),
            self.count(Severity::Warning)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_error_fails_and_text_groups_by_heading() {
        let report = Report::new(
            "http://x",
            vec![
                Finding::info("authentic.checkpoint.verified", "c", "ok"),
                Finding::error("authentic.history.fork", "c", "forked"),
            ],
            Checked::default(),
        );
        assert_eq!(report.verdict, Verdict::Fail);
        let text = report.to_text();
        assert!(text.contains("\nauthentic\n"), "{text}");
        assert!(
            text.contains("verdict: fail (1 errors, 0 warnings)"),
            "{text}"
        );
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["verdict"], "fail");
        assert_eq!(json["findings"][1]["severity"], "error");
        let passing = Report::new(
            "x",
            vec![Finding::warning("authentic.a", "s", "m")],
            Checked::default(),
        );
        assert_eq!(passing.verdict, Verdict::Pass);
    }
}
