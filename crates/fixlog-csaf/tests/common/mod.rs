//! Helpers shared by the integration tests: paths to the shared reference data and a runner for
//! the BSI reference validator (`tests/csaf/validate.mjs`, @secvisogram/csaf-validator-lib).

#![allow(dead_code, missing_docs)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub fn shared() -> PathBuf {
    repo().join("../shared/data").canonicalize().unwrap()
}

/// One document's verdict from the reference validator.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub valid: bool,
    pub failed: Vec<String>,
    pub errors: Vec<String>,
}

/// Runs the BSI library over `inputs` (files or folders) with the strict schema and the given
/// mandatory tests (all when `None`); returns verdicts by file path and the run's wall time.
pub fn bsi_validate(
    inputs: &[PathBuf],
    tests: Option<&[&str]>,
) -> (BTreeMap<String, Verdict>, f64) {
    let script = repo().join("tests/csaf/validate.mjs");
    assert!(
        repo()
            .join("tests/csaf/node_modules/@secvisogram/csaf-validator-lib")
            .exists(),
        "tests/csaf/node_modules is missing: run `npm ci --prefix tests/csaf` (scripts/test.sh does)"
    );
    let mut command = Command::new("node");
    command.arg(&script).arg("--json");
    if let Some(tests) = tests {
        command.arg("--tests").arg(tests.join(","));
    }
    command.args(inputs);
    let started = std::time::Instant::now();
    let output = command.output().expect("node runs");
    let seconds = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let mut verdicts = BTreeMap::new();
    for line in stdout.lines().filter(|l| l.starts_with('{')) {
        let value: Value = serde_json::from_str(line).expect("validator JSON line");
        let strings = |key: &str| -> Vec<String> {
            value[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => format!("{} {} {}", other["test"], other["path"], other["message"]),
                })
                .collect()
        };
        verdicts.insert(
            value["file"].as_str().unwrap().to_owned(),
            Verdict {
                valid: value["valid"].as_bool().unwrap(),
                failed: strings("failed"),
                errors: strings("errors"),
            },
        );
    }
    assert!(
        stdout.lines().last().is_some_and(|l| l.ends_with("failed")),
        "validator did not finish: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (verdicts, seconds)
}
