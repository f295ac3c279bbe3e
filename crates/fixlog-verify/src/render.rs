//! Renderings of a [`Report`] besides JSON: the human text with ANSI colours (the binary
//! asks for colour only on a terminal) and `--report FILE.html`, one self-contained HTML file
//! (inline CSS, no script, no external resource) with the verdict, the findings grouped by
//! heading, what was checked, the phase split and the endpoint timings.

use std::fmt::Write as _;

use crate::finding::{Finding, Heading, Severity};
use crate::report::{Report, Verdict};

const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";
const GREEN: &str = "\x1b[32m";
const RESET: &str = "\x1b[0m";

impl Report {
    /// The human report; with `colour`, severities and the verdict carry ANSI colours.
    pub fn to_text_styled(&self, colour: bool) -> String {
        if !colour {
            return self.to_text();
        }
        let mut out = String::new();
        let _ = writeln!(out, "{BOLD}fixlog verify {}{RESET}", self.subject);
        for heading in Heading::ALL {
            let findings: Vec<&Finding> = self
                .findings
                .iter()
                .filter(|finding| finding.heading() == heading)
                .collect();
            if findings.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n{BOLD}{}{RESET}", heading.as_str());
            for finding in findings {
                let style = match finding.severity {
                    Severity::Error => RED,
                    Severity::Warning => YELLOW,
                    Severity::Info => DIM,
                };
                let _ = writeln!(
                    out,
                    "  {style}{:<7}{RESET} {}  {}: {}",
                    finding.severity, finding.id, finding.subject, finding.message
                );
            }
        }
        let (style, verdict) = match self.verdict {
            Verdict::Pass => (GREEN, "pass"),
            Verdict::Fail => (RED, "fail"),
        };
        let _ = writeln!(
            out,
            "\n{BOLD}verdict: {style}{verdict}{RESET} ({} errors, {} warnings)",
            self.count(Severity::Error),
            self.count(Severity::Warning)
        );
        out
    }

    /// The self-contained HTML report.
    pub fn to_html(&self) -> String {
        let mut out = String::new();
        let (verdict, class) = match self.verdict {
            Verdict::Pass => ("PASS", "pass"),
            Verdict::Fail => ("FAIL", "fail"),
        };
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>fixlog verify: {subject}</title><style>{CSS}</style></head><body>\
<h1>fixlog verify report</h1><p class=\"subject\">{subject}</p>\
<p class=\"verdict {class}\">Verdict: {verdict} — {errors} errors, {warnings} warnings, {infos} notes</p>",
            subject = escape(&self.subject),
            errors = self.count(Severity::Error),
            warnings = self.count(Severity::Warning),
            infos = self.count(Severity::Info),
        );
        if !self.checked.offered.is_empty() {
            let _ = write!(
                out,
                "<p>Offered: {}</p>",
                escape(&self.checked.offered.join(", "))
            );
        }
        out.push_str("<h2>Findings</h2>");
        for heading in Heading::ALL {
            let findings: Vec<&Finding> = self
                .findings
                .iter()
                .filter(|finding| finding.heading() == heading)
                .collect();
            let errors = findings.iter().filter(|f| f.is_error()).count();
            let _ = write!(
                out,
                "<h3>{} <span class=\"count\">{} findings, {} errors</span></h3>",
                heading.as_str(),
                findings.len(),
                errors
            );
            if findings.is_empty() {
                out.push_str("<p class=\"none\">nothing to report</p>");
                continue;
            }
            out.push_str("<table><thead><tr><th>severity</th><th>id</th><th>subject</th><th>evidence</th></tr></thead><tbody>");
            for finding in findings {
                let _ = write!(
                    out,
                    "<tr class=\"{severity}\"><td>{severity}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                    escape(&finding.id),
                    escape(&finding.subject),
                    escape(&finding.message),
                    severity = finding.severity,
                );
            }
            out.push_str("</tbody></table>");
        }
        out.push_str("<h2>What was checked</h2><ul>");
        for line in &self.checked.checks {
            let _ = write!(out, "<li>{}</li>", escape(line));
        }
        if let (Some(origin), Some(size)) = (&self.checked.origin, self.checked.size) {
            let _ = write!(
                out,
                "<li>log {} at size {size}, root <code>{}</code>, key {} ({})</li>",
                escape(origin),
                escape(self.checked.root.as_deref().unwrap_or_default()),
                escape(self.checked.key.as_deref().unwrap_or_default()),
                escape(self.checked.key_source.as_deref().unwrap_or_default()),
            );
        }
        out.push_str("</ul>");
        if !self.checked.phases.is_empty() {
            out.push_str(
                "<h2>Phases</h2><table><thead><tr><th>phase</th><th>ms</th></tr></thead><tbody>",
            );
            for (phase, ms) in &self.checked.phases {
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td class=\"n\">{ms}</td></tr>",
                    escape(phase)
                );
            }
            out.push_str("</tbody></table>");
        }
        if !self.checked.endpoints.is_empty() {
            out.push_str("<h2>Endpoint timings</h2><table><thead><tr><th>endpoint</th><th>example URL</th><th>requests</th><th>median ms</th><th>max ms</th><th>bytes</th><th>status</th></tr></thead><tbody>");
            for endpoint in &self.checked.endpoints {
                let statuses: Vec<String> = endpoint.statuses.iter().map(u16::to_string).collect();
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{:.1}</td><td class=\"n\">{:.1}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                    escape(&endpoint.role),
                    escape(&endpoint.url),
                    endpoint.requests,
                    endpoint.median_ms,
                    endpoint.max_ms,
                    endpoint.bytes,
                    statuses.join(" ")
                );
            }
            out.push_str("</tbody></table>");
        }
        out.push_str("<footer>fixlog-verify; findings contract: id, severity, subject, message.</footer></body></html>\n");
        out
    }
}

const CSS: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1f24}\
h1{margin-bottom:.2rem}.subject{color:#555;margin-top:0}\
.verdict{font-size:1.4rem;font-weight:700;padding:.6rem 1rem;border-radius:6px}\
.verdict.pass{background:#dcf5e3;color:#0b5a27}.verdict.fail{background:#fde2e1;color:#8a1512}\
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}\
th{background:#f3f5f7}td.n{text-align:right;font-variant-numeric:tabular-nums}\
tr.error td:first-child{color:#b42318;font-weight:700}tr.warning td:first-child{color:#9a6700;font-weight:700}tr.info td:first-child{color:#57606a}\
.count{font-size:.8rem;color:#57606a;font-weight:400}.none{color:#57606a}footer{margin-top:2rem;color:#57606a;font-size:.8rem}";

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Checked;

    #[test]
    fn html_is_self_contained_and_escaped() {
        let report = Report::new(
            "http://x/<a>",
            vec![Finding::error(
                "accessible.http.status",
                "u",
                "HTTP 500 <b>",
            )],
            Checked::default(),
        );
        let html = report.to_html();
        assert!(html.contains("Verdict: FAIL"));
        assert!(html.contains("HTTP 500 &lt;b&gt;"));
        assert!(!html.contains("<script") && !html.contains("href=") && !html.contains("src="));
        assert!(report.to_text_styled(true).contains("\x1b[31m"));
    }
}
