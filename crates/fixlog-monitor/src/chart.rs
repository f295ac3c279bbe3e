//! Charts as hand-written inline SVG (no script, no external asset): response time over time,
//! uptime per time bucket, and the latency sparkline of the status page. Pure: samples in,
//! markup out. Every point carries its time and value in `data-*` attributes so tests and
//! readers can check what was drawn; incidents are shaded `rect.incident` bands.

use fixlog_store::monitor::SampleRecord;
use maud::{Markup, html};
use time::OffsetDateTime;

use crate::stats::{Incident, ProbeSummary};

/// Width of the full-size charts in SVG user units.
const WIDTH: f64 = 720.0;
/// Height of the full-size charts.
const HEIGHT: f64 = 180.0;
/// Room for the axis labels.
const MARGIN: f64 = 40.0;
/// Buckets of the uptime chart.
pub const BUCKETS: usize = 24;

/// The time span a chart covers: the first to the last probe start (one second at least).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Span {
    /// Start.
    pub start: OffsetDateTime,
    /// End.
    pub end: OffsetDateTime,
}

impl Span {
    /// The span of `samples`, or `None` when there are none.
    pub fn of(samples: &[SampleRecord]) -> Option<Self> {
        let start = samples.iter().map(|sample| sample.started).min()?;
        let end = samples.iter().map(|sample| sample.started).max()?;
        Some(Self {
            start,
            end: end.max(start + time::Duration::SECOND),
        })
    }

    /// The position of `at` in the span, 0.0 to 1.0.
    fn fraction(&self, at: OffsetDateTime) -> f64 {
        let total = (self.end - self.start).as_seconds_f64();
        ((at - self.start).as_seconds_f64() / total).clamp(0.0, 1.0)
    }

    /// The start of bucket `index` of [`BUCKETS`].
    pub fn bucket_start(&self, index: usize) -> OffsetDateTime {
        self.start + (self.end - self.start) * (index as f64 / BUCKETS as f64)
    }

    /// The bucket `at` falls in.
    pub fn bucket_of(&self, at: OffsetDateTime) -> usize {
        ((self.fraction(at) * BUCKETS as f64) as usize).min(BUCKETS - 1)
    }
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn clock(at: OffsetDateTime) -> String {
    format!("{:02}:{:02}:{:02}", at.hour(), at.minute(), at.second())
}

/// Shaded bands for the incidents within the plot area.
fn incident_bands(span: Span, incidents: &[Incident], height: f64) -> Markup {
    html! {
        @for incident in incidents {
            @let start = MARGIN + span.fraction(incident.start) * (WIDTH - MARGIN);
            @let end = MARGIN + span.fraction(incident.end.unwrap_or(span.end)) * (WIDTH - MARGIN);
            rect.incident x=(format!("{start:.1}")) y="0" width=(format!("{:.1}", (end - start).max(2.0)))
                height=(format!("{height:.1}")) fill="#f8d7da" data-start=(rfc3339(incident.start)) {
                title { "incident: " (incident.cause) " from " (rfc3339(incident.start)) }
            }
        }
    }
}

/// Response time of every first attempt over time: a line through the answered ones and a
/// red `circle.failure` for each failing one (drawn at the bottom when it got no answer).
pub fn latency_chart(span: Span, samples: &[SampleRecord], incidents: &[Incident]) -> Markup {
    let (first, max) = first_attempts(samples);
    let plot = HEIGHT - 20.0;
    let x = |at: OffsetDateTime| MARGIN + span.fraction(at) * (WIDTH - MARGIN);
    let y = |ms: f64| plot - (ms / max) * (plot - 10.0);
    let line: Vec<String> = first
        .iter()
        .filter(|sample| sample.ok)
        .map(|sample| format!("{:.1},{:.1}", x(sample.started), y(sample.latency_ms)))
        .collect();
    html! {
        svg.chart.latency xmlns="http://www.w3.org/2000/svg" role="img" width=(WIDTH) height=(HEIGHT)
            viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) {
            title { "Response time of first attempts (ms), " (clock(span.start)) "–" (clock(span.end)) " UTC" }
            (incident_bands(span, incidents, plot))
            line x1=(MARGIN) y1=(plot) x2=(WIDTH) y2=(plot) stroke="#888" {}
            line x1=(MARGIN) y1="0" x2=(MARGIN) y2=(plot) stroke="#888" {}
            text x="2" y="12" font-size="10" { (format!("{max:.0} ms")) }
            text x="2" y=(plot) font-size="10" { "0" }
            text x=(MARGIN) y=(HEIGHT - 4.0) font-size="10" { (clock(span.start)) }
            text x=(WIDTH - 50.0) y=(HEIGHT - 4.0) font-size="10" { (clock(span.end)) }
            polyline fill="none" stroke="#1f6feb" stroke-width="1.5" points=(line.join(" ")) {}
            @for sample in &first {
                @let value = if sample.status.is_some() { sample.latency_ms } else { 0.0 };
                @if sample.ok {
                    circle.point cx=(format!("{:.1}", x(sample.started))) cy=(format!("{:.1}", y(value))) r="2"
                        fill="#1f6feb" data-at=(rfc3339(sample.started)) data-ms=(format!("{value:.1}")) {}
                } @else {
                    circle.point.failure cx=(format!("{:.1}", x(sample.started))) cy=(format!("{:.1}", y(value))) r="3"
                        fill="#d1242f" data-at=(rfc3339(sample.started)) data-ms=(format!("{value:.1}")) {
                        title { (sample.failure.as_deref().unwrap_or("failure")) }
                    }
                }
            }
        }
    }
}

/// Uptime after retries per time bucket: [`BUCKETS`] bars, each `rect.bucket` with
/// `data-uptime` (percent, or empty when no probe started in it); a bucket at 0 % is red.
pub fn uptime_chart(span: Span, probes: &[ProbeSummary], incidents: &[Incident]) -> Markup {
    let mut counts = [(0_u32, 0_u32); BUCKETS];
    for probe in probes {
        let bucket = &mut counts[span.bucket_of(probe.started)];
        bucket.0 += u32::from(probe.ok);
        bucket.1 += 1;
    }
    let plot = HEIGHT - 20.0;
    let step = (WIDTH - MARGIN) / BUCKETS as f64;
    html! {
        svg.chart.uptime xmlns="http://www.w3.org/2000/svg" role="img" width=(WIDTH) height=(HEIGHT)
            viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) {
            title { "Uptime after retries per bucket of " (format!("{:.0}", (span.end - span.start).as_seconds_f64() / BUCKETS as f64)) " s" }
            (incident_bands(span, incidents, plot))
            line x1=(MARGIN) y1=(plot) x2=(WIDTH) y2=(plot) stroke="#888" {}
            text x="2" y="12" font-size="10" { "100 %" }
            text x="2" y=(plot) font-size="10" { "0 %" }
            text x=(MARGIN) y=(HEIGHT - 4.0) font-size="10" { (clock(span.start)) }
            text x=(WIDTH - 50.0) y=(HEIGHT - 4.0) font-size="10" { (clock(span.end)) }
            @for (index, (ok, total)) in counts.iter().enumerate() {
                @let left = MARGIN + index as f64 * step;
                @if *total == 0 {
                    rect.bucket x=(format!("{left:.1}")) y=(format!("{:.1}", plot - 2.0)) width=(format!("{:.1}", step - 2.0))
                        height="2" fill="#ccc" data-start=(rfc3339(span.bucket_start(index))) data-uptime="" {}
                } @else {
                    @let percent = f64::from(*ok) * 100.0 / f64::from(*total);
                    @let bar = (percent / 100.0 * (plot - 10.0)).max(3.0);
                    rect.bucket.down[*ok == 0] x=(format!("{left:.1}")) y=(format!("{:.1}", plot - bar))
                        width=(format!("{:.1}", step - 2.0)) height=(format!("{bar:.1}"))
                        fill=(if *ok == 0 { "#d1242f" } else if ok < total { "#d4a72c" } else { "#2da44e" })
                        data-start=(rfc3339(span.bucket_start(index))) data-uptime=(format!("{percent:.1}")) {
                        title { (format!("{percent:.1} % of {total} probes")) }
                    }
                }
            }
        }
    }
}

/// The first attempt of every probe, and their largest response time (at least 1 ms, the
/// charts' vertical scale).
fn first_attempts(samples: &[SampleRecord]) -> (Vec<&SampleRecord>, f64) {
    let first: Vec<&SampleRecord> = samples
        .iter()
        .filter(|sample| sample.attempt == 0)
        .collect();
    let max = first
        .iter()
        .map(|sample| sample.latency_ms)
        .fold(1.0_f64, f64::max);
    (first, max)
}

/// A 120×24 sparkline of first-attempt response times (failures as red dots).
pub fn sparkline(samples: &[SampleRecord]) -> Markup {
    let (first, max) = first_attempts(samples);
    let count = first.len().max(2) - 1;
    let x = |index: usize| 2.0 + index as f64 * 116.0 / count as f64;
    let y = |ms: f64| 22.0 - ms / max * 20.0;
    let line: Vec<String> = first
        .iter()
        .enumerate()
        .filter(|(_, sample)| sample.ok)
        .map(|(index, sample)| format!("{:.1},{:.1}", x(index), y(sample.latency_ms)))
        .collect();
    html! {
        svg.sparkline xmlns="http://www.w3.org/2000/svg" role="img" width="120" height="24" viewBox="0 0 120 24" {
            title { "response time, last " (first.len()) " probes" }
            polyline fill="none" stroke="#1f6feb" stroke-width="1" points=(line.join(" ")) {}
            @for (index, sample) in first.iter().enumerate() {
                @if !sample.ok {
                    circle.failure cx=(format!("{:.1}", x(index))) cy="20" r="2" fill="#d1242f" {}
                }
            }
        }
    }
}
