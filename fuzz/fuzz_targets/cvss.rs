//! CVSS v3.1 and v4.0 vectors as advisories, CSAF documents and trackers carry them.
//!
//! Properties: an accepted vector keeps its text, re-parses to the same score, scores lie in
//! 0.0..=10.0 with one decimal, and the severity band agrees with the score.
#![no_main]

use fixlog_model::{Cvss, CvssVersion};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(cvss) = text.parse::<Cvss>() else {
        return;
    };
    assert_eq!(cvss.vector(), text);
    let prefix = match cvss.version() {
        CvssVersion::V3_1 => "CVSS:3.1/",
        CvssVersion::V4_0 => "CVSS:4.0/",
    };
    assert!(text.starts_with(prefix));
    let score = cvss.base_score();
    assert!((0.0..=10.0).contains(&score), "{text}: score {score}");
    assert!(
        ((score * 10.0).round() - score * 10.0).abs() < 1e-9,
        "{text}: score {score} has more than one decimal"
    );
    let expected = match score {
        s if s <= 0.0 => "none",
        s if s < 4.0 => "low",
        s if s < 7.0 => "medium",
        s if s < 9.0 => "high",
        _ => "critical",
    };
    assert_eq!(cvss.severity(), expected);
    let again: Cvss = text.parse().expect("an accepted vector re-parses");
    assert_eq!(again.base_score().to_bits(), score.to_bits());
});
