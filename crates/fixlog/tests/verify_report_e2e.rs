//! `fixlog verify` (all four headings), `check-image` and `declare` against a real
//! `fixlog serve --demo` process over HTTP: exit codes, the HTML report rendered by headless
//! Chromium (screenshot under artifacts/), a published image and one flipped byte, and a
//! signed declaration that verifies with the manufacturer's key.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_fixlog");

struct Demo {
    child: Child,
    url: String,
    _directory: tempfile::TempDir,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn demo() -> Demo {
    let directory = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", directory.path().join("demo.db").display());
    let mut child = Command::new(BIN)
        .args(["serve", "--demo", "--db", &db, "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    Demo {
        child,
        url,
        _directory: directory,
    }
}

fn fixlog(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn artifacts() -> PathBuf {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../artifacts");
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

#[test]
fn verify_against_the_demo_passes_and_the_html_report_renders() {
    let demo = demo();
    let directory = tempfile::tempdir().unwrap();
    let report = artifacts().join("verify-demo-report.html");
    let output = fixlog(&["verify", &demo.url, "--report", report.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("verdict: pass (0 errors"), "{stdout}");
    assert!(
        !stdout.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );

    let json = fixlog(&["verify", &demo.url, "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["verdict"], "pass");
    let offered: Vec<&str> = json["checked"]["offered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for format in ["html-page", "openapi", "restconf", "tlog"] {
        assert!(offered.contains(&format), "{offered:?}");
    }

    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Verdict: PASS"));
    assert!(html.contains("Endpoint timings"));
    for external in ["<script", "src=", "href=", "@import", "url("] {
        assert!(!html.contains(external), "self-contained: found {external}");
    }

    // Headless Chromium renders it (when installed; scripts/test.sh installs it).
    let screenshot = artifacts().join("verify-demo-report.png");
    let _ = std::fs::remove_file(&screenshot);
    let chromium = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1280,2000",
            &format!("--screenshot={}", screenshot.display()),
            &format!("file://{}", report.canonicalize().unwrap().display()),
        ])
        .env("HOME", directory.path())
        .output();
    match chromium {
        Ok(output) => {
            let png = std::fs::read(&screenshot)
                .unwrap_or_else(|_| panic!("no screenshot: {}", text(&output)));
            assert_eq!(&png[1..4], b"PNG");
            assert!(
                png.len() > 10_000,
                "a blank page is smaller: {} bytes",
                png.len()
            );
        }
        Err(error) => eprintln!("chromium not installed ({error}); screenshot skipped"),
    }
}

/// The demo's image bytes: concat(SHA-256(seed ‖ uint32_be(i))) truncated (scripts/make-demo.py).
fn fixture_image(seed: &str, size: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(size + 32);
    let mut index: u32 = 0;
    while bytes.len() < size {
        let mut hasher = Sha256::new();
        hasher.update(seed.as_bytes());
        hasher.update(index.to_be_bytes());
        bytes.extend_from_slice(&hasher.finalize());
        index += 1;
    }
    bytes.truncate(size);
    bytes
}

#[test]
fn check_image_knows_a_published_image_and_not_a_flipped_byte() {
    let demo = demo();
    let directory = tempfile::tempdir().unwrap();
    let image = fixture_image("acme-ics-fixture/v1|plc-x500|V3.2.0|1", 221_286);
    let digest: String = Sha256::digest(&image)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        digest,
        "8e1c512c69ce811af475e3cb11b75066a4ee7f4d4ef86764087608379be3f8f4"
    );
    let published = directory.path().join("ACME_X500_FW_V3.2.0.bin");
    std::fs::write(&published, &image).unwrap();

    let output = fixlog(&[
        "check-image",
        "--server",
        &demo.url,
        published.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("published release plc-x500 V3.2.0 (released 2025-09-09, entry 44)"),
        "{stdout}"
    );
    assert!(stdout.contains("fixed: CVE-2026-50412"), "{stdout}");
    assert!(
        stdout.contains("open: CVE-2026-51077 (fixed in V3.2.1)"),
        "{stdout}"
    );

    let mut flipped = image.clone();
    flipped[1000] ^= 0x01;
    let tampered = directory.path().join("tampered.bin");
    std::fs::write(&tampered, &flipped).unwrap();
    let output = fixlog(&[
        "check-image",
        "--server",
        &demo.url,
        "--json",
        published.to_str().unwrap(),
        tampered.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["images"][0]["published"], true);
    assert_eq!(json["images"][0]["version"], "V3.2.0");
    assert_eq!(json["images"][1]["published"], false);

    let output = fixlog(&[
        "check-image",
        "--server",
        &demo.url,
        "/nonexistent/file.bin",
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
}

#[test]
fn declare_signs_a_declaration_resting_on_a_passing_verify() {
    let demo = demo();
    let directory = tempfile::tempdir().unwrap();
    let key = directory.path().join("vendor.key");
    let keygen = fixlog(&[
        "keygen",
        "--origin",
        "psirt.acme.example/declaration",
        "--out",
        key.to_str().unwrap(),
    ]);
    assert_eq!(keygen.status.code(), Some(0), "{}", text(&keygen));
    let vkey = String::from_utf8_lossy(&keygen.stdout).trim().to_owned();
    let out = directory.path().join("declaration");
    let output = fixlog(&[
        "declare",
        "--server",
        &demo.url,
        "--key",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));

    let note = std::fs::read_to_string(out.join("declaration.txt")).unwrap();
    let verifier = fixlog_tlog::Verifier::from_vkey(&vkey).unwrap();
    let verified = fixlog_tlog::open_note(&note, &[verifier]).unwrap();
    let body = &verified.text;
    assert!(
        body.starts_with("fixlog declaration of format compliance v1\n"),
        "{body}"
    );
    assert!(body.contains(&format!("log page: {}", demo.url)));
    assert!(body.contains("implements: OpenAPI 3.0.3"), "{body}");
    assert!(body.contains("yang module: fwsec-log@"), "{body}");
    assert!(body.contains("implements: C2SP tlog-checkpoint"), "{body}");
    let report = std::fs::read(out.join("verify-report.json")).unwrap();
    let digest: String = Sha256::digest(&report)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(
        body.contains(&format!("verify report sha256: {digest}")),
        "{body}"
    );
    let mapping = std::fs::read_to_string(out.join("csf-mapping.md")).unwrap();
    assert!(mapping.contains("| ID.RA-08 | Processes for receiving, analyzing, and responding to vulnerability disclosures are established |"));
    assert!(
        mapping.contains("no claim of compliance")
            || mapping.contains("makes no claim of compliance")
    );
}
