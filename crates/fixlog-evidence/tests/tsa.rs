//! RFC 3161 against a local `openssl ts -reply` TSA behind a minimal HTTP shim; tokens are
//! checked by our verifier and by `openssl ts -verify`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ed25519_dalek::SigningKey;
use fixlog_evidence::Writer;
use fixlog_evidence::verify::{Options, verify_path};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn openssl(directory: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(directory)
        .output()
        .expect("openssl is installed (scripts/test.sh installs it)");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A CA and a TSA certificate (extendedKeyUsage critical timeStamping) with a `-newkey`
/// algorithm such as `rsa:2048` or `ec -pkeyopt ec_paramgen_curve:P-256`; returns the
/// `openssl ts` configuration file.
fn make_tsa(directory: &Path, newkey: &[&str]) -> PathBuf {
    let mut ca = vec!["req", "-x509", "-newkey"];
    ca.extend(["ec", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    ca.extend([
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=fixlog test TSA root",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(directory, &ca);
    let mut request = vec!["req", "-newkey"];
    request.extend(newkey);
    request.extend([
        "-nodes",
        "-keyout",
        "tsa.key",
        "-out",
        "tsa.csr",
        "-subj",
        "/CN=fixlog test TSA",
    ]);
    openssl(directory, &request);
    std::fs::write(
        directory.join("tsa.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\n",
    )
    .unwrap();
    openssl(
        directory,
        &[
            "x509",
            "-req",
            "-in",
            "tsa.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-set_serial",
            "4242",
            "-days",
            "2",
            "-extfile",
            "tsa.ext",
            "-out",
            "tsa.pem",
        ],
    );
    std::fs::write(directory.join("tsaserial"), "01\n").unwrap();
    let config = directory.join("tsa.cnf");
    std::fs::write(
        &config,
        format!(
            "[ tsa ]\ndefault_tsa = tsa_config\n\n[ tsa_config ]\ndir = {}\nserial = $dir/tsaserial\n\
             crypto_device = builtin\nsigner_cert = $dir/tsa.pem\n\
             signer_key = $dir/tsa.key\nsigner_digest = sha256\ndefault_policy = 1.3.6.1.4.1.57264.9.1\n\
             digests = sha256, sha384, sha512\naccuracy = secs:1\nordering = no\ntsa_name = yes\n\
             ess_cert_id_chain = no\ness_cert_id_alg = sha256\n",
            directory.display()
        ),
    )
    .unwrap();
    config
}

/// Serves `POST /` by piping the body to `openssl ts -reply`; returns the URL.
async fn serve_tsa(directory: PathBuf, config: PathBuf) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let counter = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let directory = directory.clone();
            let config = config.clone();
            let n = counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head_end, length) = loop {
                    let read = stream.read(&mut chunk).await.unwrap();
                    assert!(read > 0, "client closed early");
                    buffer.extend_from_slice(&chunk[..read]);
                    if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
                        assert!(
                            head.contains("content-type: application/timestamp-query"),
                            "{head}"
                        );
                        let length: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .unwrap()
                            .trim()
                            .parse()
                            .unwrap();
                        break (end + 4, length);
                    }
                };
                while buffer.len() < head_end + length {
                    let read = stream.read(&mut chunk).await.unwrap();
                    buffer.extend_from_slice(&chunk[..read]);
                }
                let query = directory.join(format!("q{n}.tsq"));
                let reply = directory.join(format!("r{n}.tsr"));
                std::fs::write(&query, &buffer[head_end..head_end + length]).unwrap();
                let output = tokio::process::Command::new("openssl")
                    .args(["ts", "-reply", "-config"])
                    .arg(&config)
                    .arg("-queryfile")
                    .arg(&query)
                    .arg("-out")
                    .arg(&reply)
                    .output()
                    .await
                    .unwrap();
                assert!(
                    output.status.success(),
                    "{}",
                    String::from_utf8_lossy(&output.stderr)
                );
                let body = std::fs::read(&reply).unwrap();
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                stream.write_all(head.as_bytes()).await.unwrap();
                stream.write_all(&body).await.unwrap();
                stream.shutdown().await.ok();
            });
        }
    });
    format!("http://{address}/")
}

async fn timestamped_chain(newkey: &[&str]) {
    let tsa_dir = tempfile::tempdir().unwrap();
    let config = make_tsa(tsa_dir.path(), newkey);
    let url = serve_tsa(tsa_dir.path().to_owned(), config).await;
    let root = tempfile::tempdir().unwrap();
    let mut writer =
        Writer::open(root.path(), SigningKey::from_bytes(&[3; 32]), Some(&url)).unwrap();
    let written = common::write_chain(&mut writer, "acme", 3).await;
    for bundle in &written {
        assert_eq!(bundle.timestamp_error, None);
        // OpenSSL agrees: the token covers manifest.json, answers the query, chains to the CA.
        let output = Command::new("openssl")
            .args([
                "ts",
                "-verify",
                "-data",
                "manifest.json",
                "-in",
                "manifest.json.tsr",
                "-CAfile",
            ])
            .arg(tsa_dir.path().join("ca.pem"))
            .current_dir(&bundle.path)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("Verification: OK"),
            "{stdout} {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let output = Command::new("openssl")
            .args([
                "ts",
                "-verify",
                "-queryfile",
                "manifest.json.tsq",
                "-in",
                "manifest.json.tsr",
                "-CAfile",
            ])
            .arg(tsa_dir.path().join("ca.pem"))
            .current_dir(&bundle.path)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let report = verify_path(root.path(), &Options::default()).unwrap();
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(
        report
            .bundles
            .iter()
            .all(|b| b.timestamp.as_deref().is_some_and(|t| t.ends_with('Z'))),
        "{:#?}",
        report.bundles
    );

    // A token from another bundle does not cover this manifest.
    std::fs::copy(
        written[0].path.join("manifest.json.tsr"),
        written[1].path.join("manifest.json.tsr"),
    )
    .unwrap();
    // Nor does a request/reply pair moved over together (imprint ≠ SHA-256(manifest.json)).
    std::fs::copy(
        written[0].path.join("manifest.json.tsq"),
        written[2].path.join("manifest.json.tsq"),
    )
    .unwrap();
    std::fs::copy(
        written[0].path.join("manifest.json.tsr"),
        written[2].path.join("manifest.json.tsr"),
    )
    .unwrap();
    let report = verify_path(root.path(), &Options::default()).unwrap();
    for bundle in [&written[1].path, &written[2].path] {
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.id == "evidence.timestamp" && &f.bundle == bundle),
            "{:#?}",
            report.findings
        );
    }
}

#[tokio::test]
async fn rsa_tsa_tokens_verify_and_foreign_tokens_do_not() {
    timestamped_chain(&["rsa:2048"]).await;
}

#[tokio::test]
async fn ecdsa_tsa_tokens_verify_and_foreign_tokens_do_not() {
    timestamped_chain(&["ec", "-pkeyopt", "ec_paramgen_curve:P-256"]).await;
}

#[tokio::test]
async fn a_changed_byte_in_the_token_is_found() {
    let tsa_dir = tempfile::tempdir().unwrap();
    let config = make_tsa(tsa_dir.path(), &["rsa:2048"]);
    let url = serve_tsa(tsa_dir.path().to_owned(), config).await;
    let root = tempfile::tempdir().unwrap();
    let mut writer =
        Writer::open(root.path(), SigningKey::from_bytes(&[3; 32]), Some(&url)).unwrap();
    let written = common::write_chain(&mut writer, "acme", 1).await;
    let reply_path = written[0].path.join("manifest.json.tsr");
    let original = std::fs::read(&reply_path).unwrap();
    // Every 7th byte in turn: each change is a finding (a malformed structure, a digest or
    // signature mismatch), never a pass or a panic.
    let mut passed = Vec::new();
    for index in (0..original.len()).step_by(7) {
        let mut changed = original.clone();
        changed[index] ^= 0x01;
        std::fs::write(&reply_path, &changed).unwrap();
        let report = verify_path(root.path(), &Options::default()).unwrap();
        if report.intact() {
            passed.push(index);
        }
    }
    // The signature, the signed ESS certificate hash and the imprint cover everything but a few
    // unsigned bytes (granted ↔ grantedWithMods, version numbers, the digestAlgorithms set).
    let fraction = passed.len() as f64 / original.len().div_ceil(7) as f64;
    assert!(
        fraction < 0.05,
        "{} of the changed replies passed: {passed:?}",
        passed.len()
    );
}

#[tokio::test]
async fn an_unreachable_tsa_keeps_the_bundle_and_warns() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    let root = tempfile::tempdir().unwrap();
    let mut writer =
        Writer::open(root.path(), SigningKey::from_bytes(&[3; 32]), Some(&url)).unwrap();
    let written = common::write_chain(&mut writer, "acme", 2).await;
    assert!(
        written[0]
            .timestamp_error
            .as_deref()
            .is_some_and(|e| e.contains(&url)),
        "{written:?}"
    );
    let report = verify_path(root.path(), &Options::default()).unwrap();
    assert!(report.intact(), "{:#?}", report.findings);
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.id == "evidence.timestamp-missing")
    );
    assert_eq!(report.findings.len(), 2);
}
