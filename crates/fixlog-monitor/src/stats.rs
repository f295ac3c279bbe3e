//! Statistics from raw samples, as pure functions: uptime per window (first attempt and after
//! retries), latency percentiles, and incidents with the thresholds that also drive alerts.

use fixlog_store::monitor::SampleRecord;
use serde::Serialize;
use time::OffsetDateTime;

/// Uptime of a set of probes, in percent.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Uptime {
    /// Probes counted.
    pub probes: u64,
    /// Share of probes whose first attempt passed.
    pub first_attempt_pct: Option<f64>,
    /// Share of probes that passed on some attempt.
    pub after_retries_pct: Option<f64>,
}

/// Latency percentiles of first attempts, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Latency {
    /// Samples counted (first attempts that got an answer).
    pub samples: u64,
    /// Median.
    pub p50_ms: Option<f64>,
    /// 95th percentile.
    pub p95_ms: Option<f64>,
    /// 99th percentile.
    pub p99_ms: Option<f64>,
}

/// An outage computed from samples.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Incident {
    /// Start of the first failing probe of the run.
    #[serde(with = "time::serde::rfc3339")]
    pub start: OffsetDateTime,
    /// Start of the first passing probe of the recovery; `None` while ongoing.
    #[serde(with = "time::serde::rfc3339::option")]
    pub end: Option<OffsetDateTime>,
    /// Failure class of the first failing probe.
    pub cause: String,
    /// Failing probes in it.
    pub failed_probes: u64,
}

/// One probe: its attempts' outcomes folded.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeSummary {
    /// Start of the first attempt.
    pub started: OffsetDateTime,
    /// The first attempt passed.
    pub first_ok: bool,
    /// Some attempt passed.
    pub ok: bool,
    /// Failure class of the last attempt, when the probe failed.
    pub failure: Option<String>,
}

/// Groups attempts into probes (samples in start order; attempts of a probe share its id).
pub fn probes(samples: &[SampleRecord]) -> Vec<ProbeSummary> {
    let mut summaries: Vec<ProbeSummary> = Vec::new();
    let mut current: Option<&str> = None;
    for sample in samples {
        if current == Some(sample.probe_id.as_str())
            && let Some(summary) = summaries.last_mut()
        {
            summary.ok |= sample.ok;
            if !sample.ok && !summary.ok {
                summary.failure = sample.failure.clone();
            }
            if summary.ok {
                summary.failure = None;
            }
            continue;
        }
        current = Some(sample.probe_id.as_str());
        summaries.push(ProbeSummary {
            started: sample.started,
            first_ok: sample.ok,
            ok: sample.ok,
            failure: if sample.ok {
                None
            } else {
                sample.failure.clone()
            },
        });
    }
    summaries
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// Uptime of `probes`.
pub fn uptime(probes: &[ProbeSummary]) -> Uptime {
    let total = probes.len() as u64;
    Uptime {
        probes: total,
        first_attempt_pct: percent(
            probes.iter().filter(|probe| probe.first_ok).count() as u64,
            total,
        ),
        after_retries_pct: percent(probes.iter().filter(|probe| probe.ok).count() as u64, total),
    }
}

/// The `p`-th percentile (0–100) of `values` by the nearest-rank method.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Latency percentiles of the first attempts in `samples` that received an HTTP answer.
pub fn latency(samples: &[SampleRecord]) -> Latency {
    let values: Vec<f64> = samples
        .iter()
        .filter(|sample| sample.attempt == 0 && sample.status.is_some())
        .map(|sample| sample.latency_ms)
        .collect();
    Latency {
        samples: values.len() as u64,
        p50_ms: percentile(&values, 50.0),
        p95_ms: percentile(&values, 95.0),
        p99_ms: percentile(&values, 99.0),
    }
}

/// Up/down state with thresholds: `failures` consecutive failing probes make an up endpoint
/// down, `successes` consecutive passing probes make a down one up again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    failures: u32,
    successes: u32,
    down: bool,
    failing_run: u32,
    passing_run: u32,
    run_start: Option<(OffsetDateTime, String)>,
}

/// A state change reported by [`Health::observe`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transition {
    /// The endpoint went down; the outage started with the probe at `since`, of `cause`.
    Down {
        /// First failing probe of the run.
        since: OffsetDateTime,
        /// Its failure class.
        cause: String,
    },
    /// The endpoint is up again since the probe at `since`.
    Up {
        /// First passing probe of the recovery.
        since: OffsetDateTime,
    },
}

impl Health {
    /// An endpoint that is up, with the given thresholds (at least 1 each).
    pub fn new(failures: u32, successes: u32) -> Self {
        Self {
            failures: failures.max(1),
            successes: successes.max(1),
            down: false,
            failing_run: 0,
            passing_run: 0,
            run_start: None,
        }
    }

    /// Starts from down (an incident left open by an earlier run).
    pub fn set_down(&mut self) {
        self.down = true;
    }

    /// Whether the endpoint is down.
    pub fn is_down(&self) -> bool {
        self.down
    }

    /// Feeds one probe; returns the state change it caused, if any.
    pub fn observe(&mut self, probe: &ProbeSummary) -> Option<Transition> {
        if probe.ok {
            self.failing_run = 0;
            if self.passing_run == 0 {
                self.run_start = Some((probe.started, String::new()));
            }
            self.passing_run += 1;
            if self.down && self.passing_run >= self.successes {
                self.down = false;
                let since = self.run_start.take().map_or(probe.started, |(at, _)| at);
                return Some(Transition::Up { since });
            }
        } else {
            self.passing_run = 0;
            if self.failing_run == 0 {
                self.run_start = Some((
                    probe.started,
                    probe
                        .failure
                        .clone()
                        .unwrap_or_else(|| "unknown".to_owned()),
                ));
            }
            self.failing_run += 1;
            if !self.down && self.failing_run >= self.failures {
                self.down = true;
                let (since, cause) = self
                    .run_start
                    .take()
                    .unwrap_or((probe.started, "unknown".to_owned()));
                return Some(Transition::Down { since, cause });
            }
        }
        None
    }
}

/// Incidents in `probes` under the thresholds.
pub fn incidents(probes: &[ProbeSummary], failures: u32, successes: u32) -> Vec<Incident> {
    let mut health = Health::new(failures, successes);
    let mut incidents: Vec<Incident> = Vec::new();
    for probe in probes {
        let was_down = health.is_down();
        match health.observe(probe) {
            Some(Transition::Down { since, cause }) => incidents.push(Incident {
                start: since,
                end: None,
                cause,
                failed_probes: u64::from(failures.max(1)),
            }),
            Some(Transition::Up { since }) => {
                if let Some(open) = incidents.last_mut() {
                    open.end = Some(since);
                }
            }
            None => {
                if was_down
                    && !probe.ok
                    && let Some(open) = incidents.last_mut()
                {
                    open.failed_probes += 1;
                }
            }
        }
    }
    incidents
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(second: i64, ok: bool) -> ProbeSummary {
        ProbeSummary {
            started: OffsetDateTime::from_unix_timestamp(second).unwrap(),
            first_ok: ok,
            ok,
            failure: (!ok).then(|| "tcp".to_owned()),
        }
    }

    fn sample(probe: &str, attempt: u32, ok: bool, latency_ms: f64) -> SampleRecord {
        SampleRecord {
            endpoint: "e".to_owned(),
            probe_id: probe.to_owned(),
            attempt,
            last_attempt: true,
            started: OffsetDateTime::from_unix_timestamp(1).unwrap(),
            ok,
            failure: (!ok).then(|| "http-status".to_owned()),
            status: Some(if ok { 200 } else { 500 }),
            media_type: None,
            latency_ms,
            dns_ms: None,
            connect_ms: None,
            tls_ms: None,
            ttfb_ms: None,
            body_sha256: None,
            tls_not_after: None,
            detail: None,
        }
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), Some(50.0));
        assert_eq!(percentile(&values, 95.0), Some(95.0));
        assert_eq!(percentile(&values, 99.0), Some(99.0));
        assert_eq!(percentile(&[7.0], 99.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[3.0, 1.0, 2.0], 50.0), Some(2.0));
    }

    #[test]
    fn retries_count_for_after_retries_uptime_only() {
        let samples = vec![
            sample("a", 0, false, 5.0),
            sample("a", 1, true, 7.0),
            sample("b", 0, true, 9.0),
            sample("c", 0, false, 11.0),
            sample("c", 1, false, 13.0),
            sample("d", 0, true, 15.0),
        ];
        let summaries = probes(&samples);
        assert_eq!(summaries.len(), 4);
        let figures = uptime(&summaries);
        assert_eq!(figures.first_attempt_pct, Some(50.0));
        assert_eq!(figures.after_retries_pct, Some(75.0));
        // Only first attempts count for latency.
        let latency = latency(&samples);
        assert_eq!(latency.samples, 4);
        assert_eq!(latency.p50_ms, Some(9.0));
        assert_eq!(latency.p99_ms, Some(15.0));
        assert_eq!(uptime(&[]).first_attempt_pct, None);
    }

    #[test]
    fn isolated_failures_are_not_incidents() {
        let run: Vec<ProbeSummary> = (0..20).map(|i| probe(i, i % 5 != 4)).collect();
        assert!(incidents(&run, 3, 2).is_empty());
    }

    #[test]
    fn an_outage_opens_after_the_failure_threshold_and_closes_after_the_success_threshold() {
        // up up down down down down up down(flap) up up up
        let pattern = [
            true, true, false, false, false, false, true, false, true, true, true,
        ];
        let run: Vec<ProbeSummary> = pattern
            .iter()
            .enumerate()
            .map(|(i, ok)| probe(i as i64, *ok))
            .collect();
        let found = incidents(&run, 3, 2);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].start, run[2].started);
        assert_eq!(found[0].end, Some(run[8].started));
        assert_eq!(found[0].cause, "tcp");
        assert_eq!(found[0].failed_probes, 5);
        // An outage still going on has no end.
        let ongoing = incidents(&run[..6], 3, 2);
        assert_eq!(ongoing[0].end, None);
    }

    #[test]
    fn health_reports_each_state_change_once() {
        let mut health = Health::new(2, 1);
        let transitions: Vec<Option<Transition>> = [true, false, false, false, false, true, true]
            .iter()
            .enumerate()
            .map(|(i, ok)| health.observe(&probe(i as i64, *ok)))
            .collect();
        let changes: Vec<&Transition> = transitions.iter().flatten().collect();
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert!(matches!(changes[0], Transition::Down { cause, .. } if cause == "tcp"));
        assert!(matches!(changes[1], Transition::Up { .. }));
    }
}
