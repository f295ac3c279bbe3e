//! The `accessible` heading: pure checks over the [`Probe`]s every phase recorded — status,
//! media type, redirects, response time, cache headers — and the TLS certificate when the
//! publisher is reached over https.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::fetch::probe::{Probe, ProbeFailure};
use crate::finding::Finding;

/// Thresholds of the accessible checks.
#[derive(Clone, Debug)]
pub struct AccessOptions {
    /// A response slower than this is `accessible.http.slow` (warning).
    pub slow_ms: f64,
    /// A certificate expiring sooner than this many days is `accessible.tls.expires-soon`.
    pub expiry_warning_days: i64,
    /// The checkpoint may be cached at most this many seconds (`max-age`).
    pub checkpoint_max_age: u64,
}

impl Default for AccessOptions {
    fn default() -> Self {
        Self {
            slow_ms: 2000.0,
            expiry_warning_days: 30,
            checkpoint_max_age: 300,
        }
    }
}

/// Timing of one endpoint, for the report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EndpointTiming {
    /// What the endpoint is (`page`, `api-entries`, …).
    pub role: String,
    /// An example URL.
    pub url: String,
    /// Requests made.
    pub requests: u64,
    /// Median response time, milliseconds.
    pub median_ms: f64,
    /// Slowest response time, milliseconds.
    pub max_ms: f64,
    /// Bytes received.
    pub bytes: u64,
    /// Statuses seen, e.g. `200`.
    pub statuses: Vec<u16>,
}

/// Roles of the discovery probes, whose 404 is "not offered" rather than an error.
pub const DISCOVERY_ROLES: &[&str] = &[
    "page",
    "host-meta",
    "csaf-provider-metadata",
    "checkpoint",
    "openapi",
    "api-entries",
];

/// The media types a role may be served with (first one preferred).
pub fn expected_media_types(role: &str) -> &'static [&'static str] {
    match role {
        "page" => &["text/html"],
        "host-meta" => &["application/xrd+xml"],
        "checkpoint" | "log-key" => &["text/plain"],
        "tile" => &["application/octet-stream"],
        "openapi" | "api-entries" | "api-products" | "api-version" | "api-firmware"
        | "api-advisory" => &["application/json"],
        "csaf-provider-metadata" | "csaf-document" | "csaf-rolie" => &["application/json"],
        "csaf-index" | "csaf-changes" | "csaf-hash" => &["text/plain", "text/csv"],
        "csaf-signature" => &["application/pgp-signature", "text/plain"],
        "csaf-openpgp-key" => &["application/pgp-keys", "text/plain"],
        "restconf-streams" | "restconf-log" | "yang-library" | "restconf-subscription" => {
            &["application/yang-data+json"]
        }
        "yang-module" => &["application/yang", "text/plain"],
        "event-stream" => &["text/event-stream"],
        "feed" => &["application/atom+xml"],
        _ => &[],
    }
}

/// Per-endpoint status, media type, redirect, time and cache checks, plus TLS.
pub fn check_probes(
    probes: &[Probe],
    options: &AccessOptions,
    now: OffsetDateTime,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut tls_checked = false;
    for probe in probes {
        match &probe.failure {
            Some(ProbeFailure::TlsExpired(message)) => {
                findings.push(Finding::error(
                    "accessible.tls.expired",
                    &probe.url,
                    format!(
                        "the server's TLS certificate is outside its validity period: {message}"
                    ),
                ));
                continue;
            }
            Some(ProbeFailure::TlsUntrusted(message)) => {
                findings.push(Finding::error(
                    "accessible.tls.untrusted",
                    &probe.url,
                    format!("the server's TLS certificate is not trusted: {message}"),
                ));
                continue;
            }
            Some(ProbeFailure::Transport(message)) => {
                findings.push(Finding::error(
                    "accessible.http.unreachable",
                    &probe.url,
                    format!("no answer: {message}"),
                ));
                continue;
            }
            None => {}
        }
        if !tls_checked && let Some(der) = &probe.peer_certificate {
            tls_checked = true;
            findings.extend(check_certificate(der, &probe.url, options, now));
        }
        for redirect in &probe.redirects {
            if redirect.from.starts_with("https://") && redirect.to.starts_with("http://") {
                findings.push(Finding::error(
                    "accessible.http.redirect-downgrade",
                    &redirect.from,
                    format!("redirects from https to plain http ({})", redirect.to),
                ));
            } else {
                findings.push(Finding::warning(
                    "accessible.http.redirect",
                    &redirect.from,
                    format!(
                        "HTTP {} redirect to {} (CSAF 2.0 §7.1.6: should not redirect)",
                        redirect.status, redirect.to
                    ),
                ));
            }
        }
        let Some(status) = probe.status else { continue };
        // A 404 from a discovery URL means "not offered", reported by discovery.
        if probe.absent() && DISCOVERY_ROLES.contains(&probe.role.as_str()) {
            continue;
        }
        // Likewise an establish-subscription operation that does not exist (a static mirror).
        if probe.role == "restconf-subscription" && probe.operation_absent() {
            continue;
        }
        if !(200..300).contains(&status) {
            findings.push(Finding::error(
                "accessible.http.status",
                &probe.url,
                format!(
                    "HTTP {status} for a {} resource the publisher offers",
                    probe.role
                ),
            ));
            continue;
        }
        let expected = expected_media_types(&probe.role);
        if !expected.is_empty() {
            match probe.media_type() {
                Some(media) if expected.contains(&media.as_str()) => {}
                got => findings.push(Finding::error(
                    "accessible.http.media-type",
                    &probe.url,
                    format!(
                        "served as {} but a {} resource is {}",
                        got.as_deref().unwrap_or("(no Content-Type)"),
                        probe.role,
                        expected.join(" or ")
                    ),
                )),
            }
        }
        if probe.elapsed_ms > options.slow_ms {
            findings.push(Finding::warning(
                "accessible.http.slow",
                &probe.url,
                format!(
                    "answered in {:.0} ms (threshold {:.0} ms)",
                    probe.elapsed_ms, options.slow_ms
                ),
            ));
        }
        if probe.role == "checkpoint"
            && let Some(max_age) = probe.cache.cache_control.as_deref().and_then(max_age)
            && max_age > options.checkpoint_max_age
        {
            findings.push(Finding::warning(
                "accessible.cache.checkpoint-stale",
                &probe.url,
                format!(
                    "the checkpoint may be cached for {max_age} s; clients would miss new entries (at most {} s)",
                    options.checkpoint_max_age
                ),
            ));
        }
    }
    let uncached: Vec<&str> = probes
        .iter()
        .filter(|probe| {
            probe.ok() && probe.role != "event-stream" && probe.role != "restconf-subscription"
        })
        .filter(|probe| {
            probe.cache.cache_control.is_none()
                && probe.cache.etag.is_none()
                && probe.cache.last_modified.is_none()
        })
        .map(|probe| probe.role.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !uncached.is_empty() {
        findings.push(Finding::info(
            "accessible.cache.no-validators",
            probes
                .first()
                .map(|probe| probe.url.clone())
                .unwrap_or_default(),
            format!(
                "no Cache-Control, ETag or Last-Modified on: {}",
                uncached.join(", ")
            ),
        ));
    }
    if let Some(first) = probes.first()
        && first.url.starts_with("http://")
    {
        let loopback = first.url.starts_with("http://127.")
            || first.url.starts_with("http://localhost")
            || first.url.starts_with("http://[::1]");
        let message = "the publisher is reached over plain http (CSAF 2.0 §7.1.3 requires TLS)";
        findings.push(if loopback {
            Finding::info("accessible.tls.not-used", &first.url, message)
        } else {
            Finding::warning("accessible.tls.not-used", &first.url, message)
        });
    }
    findings
}

/// `max-age` of a Cache-Control value.
fn max_age(cache_control: &str) -> Option<u64> {
    cache_control.split(',').find_map(|directive| {
        directive
            .trim()
            .strip_prefix("max-age=")
            .and_then(|value| value.trim().parse().ok())
    })
}

/// Validity of the server certificate: expired or close to expiry.
pub fn check_certificate(
    der: &[u8],
    url: &str,
    options: &AccessOptions,
    now: OffsetDateTime,
) -> Vec<Finding> {
    let Some((not_before, not_after)) = certificate_validity(der) else {
        return vec![Finding::warning(
            "accessible.tls.unreadable",
            url,
            "the server certificate's validity could not be read",
        )];
    };
    if now > not_after || now < not_before {
        return vec![Finding::error(
            "accessible.tls.expired",
            url,
            format!("the certificate is valid from {not_before} to {not_after}, not now"),
        )];
    }
    let left = (not_after - now).whole_days();
    if left < options.expiry_warning_days {
        return vec![Finding::warning(
            "accessible.tls.expires-soon",
            url,
            format!("the certificate expires in {left} days ({not_after})"),
        )];
    }
    vec![Finding::info(
        "accessible.tls.valid",
        url,
        format!("the certificate is valid until {not_after} ({left} days)"),
    )]
}

/// `notBefore` and `notAfter` of an X.509 certificate (RFC 5280 §4.1.2.5), read from its DER.
pub fn certificate_validity(der: &[u8]) -> Option<(OffsetDateTime, OffsetDateTime)> {
    // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serial,
    //   signature, issuer, validity SEQUENCE { notBefore, notAfter }, … } … }
    let (_, certificate, _) = der_element(der)?;
    let (_, tbs, _) = der_element(certificate)?;
    let mut rest = tbs;
    let (tag, _, after) = der_element(rest)?;
    if tag == 0xa0 {
        rest = after;
    }
    for _ in 0..3 {
        rest = der_element(rest)?.2;
    }
    let (_, validity, _) = der_element(rest)?;
    let (before_tag, before, after) = der_element(validity)?;
    let (after_tag, not_after, _) = der_element(after)?;
    Some((
        der_time(before_tag, before)?,
        der_time(after_tag, not_after)?,
    ))
}

/// One DER element: (tag, contents, rest).
fn der_element(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *bytes.first()?;
    let first = *bytes.get(1)? as usize;
    let (length, header) = if first < 0x80 {
        (first, 2)
    } else {
        let count = first & 0x7f;
        if count == 0 || count > 4 {
            return None;
        }
        let mut length = 0usize;
        for index in 0..count {
            length = (length << 8) | *bytes.get(2 + index)? as usize;
        }
        (length, 2 + count)
    };
    let contents = bytes.get(header..header + length)?;
    Some((tag, contents, &bytes[header + length..]))
}

/// UTCTime (0x17, `YYMMDDHHMMSSZ`) or GeneralizedTime (0x18, `YYYYMMDDHHMMSSZ`).
fn der_time(tag: u8, contents: &[u8]) -> Option<OffsetDateTime> {
    let text = std::str::from_utf8(contents).ok()?;
    let text = text.strip_suffix('Z')?;
    let full = match tag {
        0x17 => {
            let year: i32 = text.get(..2)?.parse().ok()?;
            format!("{}{text}", if year >= 50 { "19" } else { "20" })
        }
        0x18 => text.to_owned(),
        _ => return None,
    };
    let number = |range: std::ops::Range<usize>| full.get(range)?.parse::<u32>().ok();
    let date = time::Date::from_calendar_date(
        i32::try_from(number(0..4)?).ok()?,
        time::Month::try_from(u8::try_from(number(4..6)?).ok()?).ok()?,
        u8::try_from(number(6..8)?).ok()?,
    )
    .ok()?;
    let clock = time::Time::from_hms(
        u8::try_from(number(8..10)?).ok()?,
        u8::try_from(number(10..12)?).ok()?,
        u8::try_from(number(12..14)?).ok()?,
    )
    .ok()?;
    Some(date.with_time(clock).assume_utc())
}

/// Groups probes by role into the report's endpoint timing table.
pub fn timings(probes: &[Probe]) -> Vec<EndpointTiming> {
    let mut by_role: BTreeMap<&str, Vec<&Probe>> = BTreeMap::new();
    for probe in probes {
        by_role.entry(&probe.role).or_default().push(probe);
    }
    by_role
        .into_iter()
        .map(|(role, probes)| {
            let mut times: Vec<f64> = probes.iter().map(|probe| probe.elapsed_ms).collect();
            times.sort_by(f64::total_cmp);
            let mut statuses: Vec<u16> = probes.iter().filter_map(|probe| probe.status).collect();
            statuses.sort_unstable();
            statuses.dedup();
            EndpointTiming {
                role: role.to_owned(),
                url: probes[0].url.clone(),
                requests: probes.len() as u64,
                median_ms: times[times.len() / 2],
                max_ms: times.last().copied().unwrap_or_default(),
                bytes: probes.iter().map(|probe| probe.size).sum(),
                statuses,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(role: &str, status: u16, media: &str) -> Probe {
        Probe {
            role: role.into(),
            url: format!("http://127.0.0.1/{role}"),
            status: Some(status),
            content_type: Some(media.into()),
            ..Probe::default()
        }
    }

    #[test]
    fn status_and_media_type_are_errors() {
        let now = OffsetDateTime::now_utc();
        let findings = check_probes(
            &[
                probe("checkpoint", 200, "text/plain; charset=utf-8"),
                probe("openapi", 500, "application/json"),
                probe("page", 200, "application/json"),
            ],
            &AccessOptions::default(),
            now,
        );
        let ids: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
        assert!(ids.contains(&"accessible.http.status"), "{ids:?}");
        assert!(ids.contains(&"accessible.http.media-type"), "{ids:?}");
        assert_eq!(
            findings.iter().filter(|f| f.is_error()).count(),
            2,
            "{findings:?}"
        );
    }

    #[test]
    fn der_times_parse() {
        let time = der_time(0x17, b"250101120000Z").unwrap();
        assert_eq!(time.year(), 2025);
        assert_eq!(der_time(0x18, b"20491231235959Z").unwrap().year(), 2049);
    }
}
