//! Findings: what a check reports, and the heading it is grouped under.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How bad a finding is. Only `Error` makes the verdict fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The publisher does not conform.
    Error,
    /// Suspicious or degraded, but not a failure.
    Warning,
    /// What was established, for the record.
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Info => "info",
        })
    }
}

/// One result of a check: a stable `id` (`authentic.checkpoint.bad-signature`), its severity,
/// the subject it is about (a URL, `entry 17`, a file) and a one-line message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable identifier; its first dot-separated part names the [`Heading`].
    pub id: String,
    /// How bad it is.
    pub severity: Severity,
    /// What it is about.
    pub subject: String,
    /// What was found, in one lowercase sentence without a trailing dot.
    pub message: String,
}

impl Finding {
    /// A finding of any severity.
    pub fn new(
        id: &str,
        severity: Severity,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            id: id.to_owned(),
            severity,
            subject: subject.into(),
            message: message.into(),
        }
    }

    /// An error finding.
    pub fn error(id: &str, subject: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(id, Severity::Error, subject, message)
    }

    /// A warning finding.
    pub fn warning(id: &str, subject: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(id, Severity::Warning, subject, message)
    }

    /// An informational finding.
    pub fn info(id: &str, subject: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(id, Severity::Info, subject, message)
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The heading the finding is reported under, from the first part of its id.
    pub fn heading(&self) -> Heading {
        Heading::of_id(&self.id)
    }
}

/// The four headings of a report (CONTRACT.md "fixlog verify findings"), in report order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Heading {
    /// Reachable, right status codes and media types (`accessible.*`).
    Accessible,
    /// Documents parse and validate (`format.*`, `well-formed.*`).
    WellFormed,
    /// Nothing required is missing (`complete.*`).
    Complete,
    /// Signatures, proofs and hashes hold (`authentic.*`).
    Authentic,
}

impl Heading {
    /// Every heading in report order.
    pub const ALL: [Heading; 4] = [
        Self::Accessible,
        Self::WellFormed,
        Self::Complete,
        Self::Authentic,
    ];

    /// The heading of a finding id; unknown prefixes count as well-formedness.
    pub fn of_id(id: &str) -> Self {
        match id.split('.').next().unwrap_or_default() {
            "accessible" => Self::Accessible,
            "complete" => Self::Complete,
            "authentic" => Self::Authentic,
            _ => Self::WellFormed,
        }
    }

    /// The heading as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accessible => "accessible",
            Self::WellFormed => "well-formed",
            Self::Complete => "complete",
            Self::Authentic => "authentic",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_follow_the_id_prefix() {
        assert_eq!(
            Finding::error("authentic.history.fork", "x", "y").heading(),
            Heading::Authentic
        );
        assert_eq!(
            Heading::of_id("format.yang.notification-invalid"),
            Heading::WellFormed
        );
        assert_eq!(
            Heading::of_id("accessible.http.status"),
            Heading::Accessible
        );
        assert_eq!(
            Heading::of_id("complete.entry.missing-digest"),
            Heading::Complete
        );
    }
}
