//! `fixlog evidence verify` (the real binary) on bundles written by `fixlog_evidence::Writer`:
//! exit 0 intact, 1 broken (naming bundle and file), 2 could not check (one stderr line).

use std::path::Path;
use std::process::Command;

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePublicKey;
use fixlog_evidence::{BundleInput, Exchange, Timings, Writer};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn evidence(args: &[&str], path: &Path) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_fixlog"))
        .args(["evidence", "verify"])
        .arg(path)
        .args(args)
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn input(n: u32) -> BundleInput {
    let started =
        time::macros::datetime!(2026-05-04 08:00:00 UTC) + time::Duration::minutes(n.into());
    let body = format!("{{\"n\":{n}}}");
    BundleInput {
        supplier: "ACME ICS".to_owned(),
        endpoint: "acme".to_owned(),
        probe_id: format!("00000000-0000-4000-8000-{n:012}"),
        started,
        ended: started + time::Duration::milliseconds(40),
        exchanges: vec![Exchange {
            target_uri: "http://127.0.0.1:8080/api/v1/products".to_owned(),
            ip: Some("127.0.0.1".parse().unwrap()),
            started,
            request: b"GET /api/v1/products HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n".to_vec(),
            response: format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
            protocol: "http/1.1".to_owned(),
            tls: None,
            timings: Timings {
                total_ms: 3.0,
                ..Timings::default()
            },
            error: None,
        }],
        verdict: serde_json::json!({"state": "up"}),
        reason: "state-change".to_owned(),
        config_sha256: "00".repeat(32),
    }
}

#[tokio::test]
async fn exit_codes_and_findings() {
    let root = tempfile::tempdir().unwrap();
    let key = SigningKey::from_bytes(&[5; 32]);
    let mut writer = Writer::open(root.path(), key.clone(), None).unwrap();
    let mut written = Vec::new();
    for n in 0..3 {
        written.push(writer.write(&input(n)).await.unwrap());
    }

    let run = evidence(&[], root.path());
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("3 bundle(s)") && run.stdout.contains("intact"),
        "{}",
        run.stdout
    );

    let public = root.path().join("monitor.pub");
    std::fs::write(
        &public,
        key.verifying_key()
            .to_public_key_pem(Default::default())
            .unwrap(),
    )
    .unwrap();
    let run = evidence(&["--key", public.to_str().unwrap(), "--json"], root.path());
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["intact"], true);
    assert_eq!(report["bundles"].as_array().unwrap().len(), 3);

    // Another monitor's key is pinned: exit 1.
    let other = SigningKey::from_bytes(&[6; 32]).verifying_key();
    let other = base64_raw(other.as_bytes());
    let run = evidence(&["--key", &other], root.path());
    assert_eq!(run.code, 1, "{} {}", run.stdout, run.stderr);
    assert!(run.stdout.contains("evidence.key-pinned"), "{}", run.stdout);

    // One changed byte in the middle bundle's verdict: exit 1, the file is named.
    let verdict = written[1].path.join("verdict.json");
    let mut bytes = std::fs::read(&verdict).unwrap();
    bytes[2] ^= 1;
    std::fs::write(&verdict, bytes).unwrap();
    let run = evidence(&["--json"], root.path());
    assert_eq!(run.code, 1);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let finding = &report["findings"][0];
    assert_eq!(finding["id"], "evidence.file-digest");
    assert_eq!(finding["file"], "verdict.json");
    assert_eq!(finding["bundle"], written[1].path.display().to_string());
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);

    // Could not check: exit 2, one line on stderr.
    let run = evidence(&[], &root.path().join("nothing-here"));
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    let empty = tempfile::tempdir().unwrap();
    let run = evidence(&[], empty.path());
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no evidence bundle"), "{}", run.stderr);
    let run = evidence(&["--key", "not-a-key"], root.path());
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("fixlog: --key:"), "{}", run.stderr);
}

fn base64_raw(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
