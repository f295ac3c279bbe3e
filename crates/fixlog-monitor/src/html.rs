//! The self-contained HTML report of `fixlog monitor report --out FILE.html`: inline CSS, no
//! script, no external asset; per supplier and endpoint the figures of [`MonitorReport`], the
//! incidents, disqualifying findings, changes and evidence, and two SVG charts from the raw
//! samples ([`crate::chart`]). Supplier-provided text is escaped by maud.

use fixlog_store::StoreError;
use fixlog_store::monitor::{MonitorStore, SampleRecord};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use time::OffsetDateTime;

use crate::chart::{self, Span};
use crate::config::MonitorConfig;
use crate::report::{EndpointReport, MonitorReport, report};
use crate::stats;

/// The inline style sheet shared by the report and the status page.
pub const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1f2328}\
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left}\
th{background:#f6f8fa}.up{color:#1a7f37}.down{color:#d1242f}.degraded{color:#9a6700}.unknown{color:#57606a}\
.disqualified{background:#ffebe9;border:1px solid #d1242f;padding:.5rem}code{font-size:12px;word-break:break-all}\
svg.chart{display:block;border:1px solid #d0d7de;margin:.5rem 0;max-width:100%;height:auto}section.endpoint{margin-bottom:2rem}";

/// Builds the report of `config` over `[since, until)` and renders it as one HTML document.
pub async fn render(
    config: &MonitorConfig,
    store: &dyn MonitorStore,
    since: OffsetDateTime,
    until: OffsetDateTime,
) -> Result<String, StoreError> {
    let report = report(config, store, since, until).await?;
    let mut samples = Vec::new();
    for endpoint in &config.endpoints {
        samples.push(store.samples(&endpoint.name, since, until).await?);
    }
    Ok(page(&report, &samples).into_string())
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A percentage or "–".
pub fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |value| format!("{value:.2} %"))
}

/// Milliseconds or "–".
pub fn millis(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |value| format!("{value:.1} ms"))
}

/// Failure classes that make a log untrustworthy rather than merely unavailable.
const DISQUALIFYING: [&str; 3] = ["consistency", "signature", "schema"];

/// The report page; `samples[i]` are the raw samples of `report.endpoints[i]`.
pub fn page(report: &MonitorReport, samples: &[Vec<SampleRecord>]) -> Markup {
    let mut order: Vec<usize> = (0..report.endpoints.len()).collect();
    order.sort_by(|a, b| {
        report.endpoints[*a]
            .supplier
            .cmp(&report.endpoints[*b].supplier)
    });
    let mut suppliers: Vec<(&str, Vec<usize>)> = Vec::new();
    for index in order {
        let supplier = report.endpoints[index].supplier.as_str();
        match suppliers.last_mut() {
            Some((name, indices)) if *name == supplier => indices.push(index),
            _ => suppliers.push((supplier, vec![index])),
        }
    }
    html! {
        (DOCTYPE)
        html lang="en" {
            (head("fixlog monitor report"))
            body {
                h1 { "fixlog monitor report" }
                p {
                    "Window " (rfc3339(report.since)) " – " (rfc3339(report.until))
                    ", generated " (rfc3339(report.generated)) ". Configuration SHA-256 "
                    code { (report.config_sha256) } "."
                }
                table.summary {
                    thead { tr { th { "Supplier" } th { "Endpoint" } th { "Probes" } th { "Uptime (first attempt)" }
                        th { "Uptime (after retries)" } th { "p95" } th { "Incidents" } th { "Disqualified" } } }
                    tbody {
                        @for endpoint in &report.endpoints {
                            tr {
                                td { (endpoint.supplier) } td { a href=(format!("#endpoint-{}", endpoint.name)) { (endpoint.name) } }
                                td { (endpoint.uptime.probes) }
                                td { (percent(endpoint.uptime.first_attempt_pct)) }
                                td { (percent(endpoint.uptime.after_retries_pct)) }
                                td { (millis(endpoint.latency.p95_ms)) }
                                td { (endpoint.incidents.len()) }
                                td { @if endpoint.disqualified { span.down { "yes" } } @else { "no" } }
                            }
                        }
                    }
                }
                @for (supplier, indices) in &suppliers {
                    h2 { "Supplier: " (supplier) }
                    @for index in indices {
                        (endpoint_section(&report.endpoints[*index], samples.get(*index).map_or(&[][..], Vec::as_slice)))
                    }
                }
            }
        }
    }
}

fn endpoint_section(endpoint: &EndpointReport, samples: &[SampleRecord]) -> Markup {
    let probes = stats::probes(samples);
    let findings: Vec<(&String, &u64)> = endpoint
        .failures
        .iter()
        .filter(|(class, _)| DISQUALIFYING.contains(&class.as_str()))
        .collect();
    let forks: Vec<_> = endpoint
        .changes
        .iter()
        .filter(|change| change.class.starts_with("checkpoint-"))
        .collect();
    html! {
        section.endpoint id=(format!("endpoint-{}", endpoint.name)) {
            h3 { (endpoint.name) }
            p { code { (endpoint.url) } }
            table.figures {
                tr { th { "Probes" } td { (endpoint.uptime.probes) } th { "Attempts" } td { (endpoint.attempts) } }
                tr { th { "Availability, first attempt" } td { (percent(endpoint.uptime.first_attempt_pct)) }
                     th { "Availability, after retries" } td { (percent(endpoint.uptime.after_retries_pct)) } }
                tr { th { "p50" } td { (millis(endpoint.latency.p50_ms)) } th { "p95" } td { (millis(endpoint.latency.p95_ms)) } }
                tr { th { "p99" } td { (millis(endpoint.latency.p99_ms)) }
                     th { "TLS certificate expires" } td { (endpoint.tls_not_after.map(rfc3339).unwrap_or_else(|| "–".to_owned())) } }
            }
            @if !endpoint.failures.is_empty() {
                p { "Failing attempts: "
                    @for (class, count) in &endpoint.failures { code { (class) } " × " (count) "; " } }
            }
            @if let Some(span) = Span::of(samples) {
                h4 { "Response time" }
                (chart::latency_chart(span, samples, &endpoint.incidents))
                h4 { "Uptime per bucket" }
                (chart::uptime_chart(span, &probes, &endpoint.incidents))
            } @else {
                p { "No samples in the window." }
            }
            h4 { "Incidents" }
            @if endpoint.incidents.is_empty() { p { "None." } } @else {
                table.incidents {
                    thead { tr { th { "Start" } th { "End" } th { "Cause" } th { "Failed probes" } } }
                    tbody { @for incident in &endpoint.incidents {
                        tr.incident { td { (rfc3339(incident.start)) }
                            td { (incident.end.map(rfc3339).unwrap_or_else(|| "ongoing".to_owned())) }
                            td { (incident.cause) } td { (incident.failed_probes) } }
                    } }
                }
            }
            h4 { "Disqualifying findings" }
            @if forks.is_empty() && findings.is_empty() { p { "None." } } @else {
                div.disqualified {
                    p { strong { "This log is not trustworthy until these are explained." } }
                    ul {
                        @for change in &forks { li { (rfc3339(change.at)) ": " code { (change.class) } " " (change.subject) " — " (change.detail) } }
                        @for (class, count) in &findings { li { code { (class) } ": " (count) " failing attempts (fork, inconsistency or invalid format)" } }
                    }
                }
            }
            h4 { "Detected changes" }
            @if endpoint.changes.is_empty() { p { "None." } } @else {
                table.changes {
                    thead { tr { th { "At" } th { "Class" } th { "Subject" } th { "Detail" } } }
                    tbody { @for change in &endpoint.changes {
                        tr { td { (rfc3339(change.at)) } td { (change.class) } td { (change.subject) } td { (change.detail) } }
                    } }
                }
            }
            h4 { "Evidence" }
            @if endpoint.evidence.is_empty() { p { "None." } } @else {
                table.evidence {
                    thead { tr { th { "At" } th { "Reason" } th { "Bundle" } th { "Manifest SHA-256" } } }
                    tbody { @for item in &endpoint.evidence {
                        tr { td { (rfc3339(item.at)) } td { (item.reason) } td { code { (item.path) } } td { code { (item.manifest_sha256) } } }
                    } }
                }
            }
        }
    }
}

/// The `<head>` of the monitor's pages: charset, viewport, title and the inline style sheet
/// (no external resource, so a saved page stays whole).
pub fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) }
            style { (PreEscaped(STYLE)) }
        }
    }
}
