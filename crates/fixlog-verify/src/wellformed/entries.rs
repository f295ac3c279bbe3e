//! Field syntax of the JSON API's entry documents: CVE ids (CVE JSON 5 `cveId` pattern),
//! digests (hex of the algorithm's length), dates (RFC 3339 / ISO 8601 full-date), sequence
//! numbers from 1 without gaps and `published` strictly increasing.

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use crate::finding::Finding;

/// Whether `id` is a CVE id: `CVE-YYYY-NNNN…` with at least four digits.
pub fn is_cve_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, number)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && year.as_bytes()[0] >= b'1'
        && number.len() >= 4
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// Hex length of a digest field, by field name.
pub fn digest_length(field: &str) -> Option<usize> {
    match field {
        "sha256" | "sha3_256" => Some(64),
        "sha512" => Some(128),
        _ => None,
    }
}

fn is_date(text: &str) -> bool {
    Date::parse(
        text,
        &time::macros::format_description!("[year]-[month]-[day]"),
    )
    .is_ok()
}

/// The entry's subject in findings.
pub fn subject(entry: &Value) -> String {
    match entry.get("seq").and_then(Value::as_u64) {
        Some(seq) => format!("entry {seq}"),
        None => "entry ?".to_owned(),
    }
}

/// Every CVE id an entry names (its `cves`, its statements' and its advisory's).
pub fn cve_ids(entry: &Value) -> Vec<&str> {
    let mut ids: Vec<&str> = Vec::new();
    fn strings<'a>(ids: &mut Vec<&'a str>, value: Option<&'a Value>) {
        for item in value.and_then(Value::as_array).into_iter().flatten() {
            if let Some(id) = item.as_str() {
                ids.push(id);
            }
        }
    }
    strings(&mut ids, entry.get("cves"));
    for statement in entry
        .get("affected")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        strings(&mut ids, statement.get("cves"));
    }
    for vulnerability in entry
        .pointer("/advisory/vulnerabilities")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(id) = vulnerability.get("id").and_then(Value::as_str) {
            ids.push(id);
        }
    }
    ids
}

/// Syntax checks of every entry, in sequence order.
pub fn check_entries(entries: &[Value]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut previous_published: Option<OffsetDateTime> = None;
    for (index, entry) in entries.iter().enumerate() {
        let subject = subject(entry);
        let expected_seq = index as u64 + 1;
        if entry.get("seq").and_then(Value::as_u64) != Some(expected_seq) {
            findings.push(Finding::error(
                "wellformed.entry.sequence",
                &subject,
                format!(
                    "position {expected_seq} of the log holds seq {:?}",
                    entry.get("seq")
                ),
            ));
        }
        for id in cve_ids(entry) {
            if !is_cve_id(id) {
                findings.push(Finding::error(
                    "wellformed.entry.bad-cve",
                    &subject,
                    format!("{id:?} is not a CVE id (CVE-YYYY-NNNN…)"),
                ));
            }
        }
        for (position, image) in entry
            .get("images")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            for field in ["sha256", "sha3_256", "sha512"] {
                let Some(value) = image.get(field) else {
                    continue;
                };
                let length = digest_length(field).unwrap_or(64);
                let valid = value.as_str().is_some_and(|hex| {
                    hex.len() == length
                        && hex
                            .bytes()
                            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                });
                if !valid {
                    findings.push(Finding::error(
                        "wellformed.entry.bad-digest",
                        &subject,
                        format!("/images/{position}/{field} is not {length} lowercase hex digits"),
                    ));
                }
            }
        }
        if let Some(date) = entry.get("release_date")
            && !date.as_str().is_some_and(is_date)
        {
            findings.push(Finding::error(
                "wellformed.entry.bad-date",
                &subject,
                format!("release_date {date} is not a YYYY-MM-DD date"),
            ));
        }
        match entry
            .get("published")
            .and_then(Value::as_str)
            .map(|text| OffsetDateTime::parse(text, &Rfc3339))
        {
            Some(Ok(published)) => {
                if previous_published.is_some_and(|previous| published <= previous) {
                    findings.push(Finding::error(
                        "wellformed.entry.published-order",
                        &subject,
                        "published is not later than the previous entry's",
                    ));
                }
                previous_published = Some(published);
            }
            _ => findings.push(Finding::error(
                "wellformed.entry.bad-date",
                &subject,
                format!(
                    "published {:?} is not an RFC 3339 time",
                    entry.get("published")
                ),
            )),
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_ids() {
        assert!(is_cve_id("CVE-2026-50412"));
        assert!(is_cve_id("CVE-2021-1234567"));
        assert!(!is_cve_id("CVE-2026-123"));
        assert!(!is_cve_id("cve-2026-1234"));
        assert!(!is_cve_id("CVE-26-1234"));
    }
}
