//! `fixlog serve --tls-cert --tls-key`: native HTTPS from PEM files the test makes with
//! rcgen (a private CA and a leaf for 127.0.0.1 and localhost). A client trusting the CA
//! reads /healthz and /tlog/checkpoint; one that does not trust it fails the handshake;
//! unreadable or mismatched PEM files exit 2 naming the flag.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};

const BIN: &str = env!("CARGO_BIN_EXE_fixlog");

/// Writes ca.pem, cert.pem (leaf + CA chain) and key.pem into `dir`.
fn make_pki(dir: &Path) -> String {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca).unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.join("cert.pem"), format!("{}{}", leaf.pem(), ca.pem())).unwrap();
    std::fs::write(dir.join("key.pem"), leaf_key.serialize_pem()).unwrap();
    ca.pem()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path, cert: &Path, key: &Path) -> (Server, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--db"])
        .arg(format!("sqlite://{}/log.db", dir.display()))
        .arg("--tls-cert")
        .arg(cert)
        .arg("--tls-key")
        .arg(key)
        .env("FIXLOG_LOG", "error")
        .stdout(Stdio::piped())
        .spawn()
        .expect("fixlog serve starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let line = lines.next().expect("a listening line").expect("UTF-8 line");
    let url = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (Server(child), url)
}

fn client(trusted: Option<&str>) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    // Only the given anchors: with none, the private CA is unknown.
    let anchors = trusted
        .map(|pem| reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        .into_iter()
        .collect::<Vec<_>>();
    reqwest::Client::builder()
        .tls_certs_only(anchors)
        .build()
        .unwrap()
}

#[tokio::test]
async fn serves_https_with_the_given_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let ca_pem = make_pki(dir.path());
    let (_server, url) = serve(
        dir.path(),
        &dir.path().join("cert.pem"),
        &dir.path().join("key.pem"),
    );
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let trusting = client(Some(&ca_pem));
    let health = trusting.get(format!("{url}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let checkpoint = trusting
        .get(format!("{url}/tlog/checkpoint"))
        .send()
        .await
        .unwrap();
    assert_eq!(checkpoint.status(), 200);
    let note = checkpoint.text().await.unwrap();
    assert!(note.starts_with("demo.fixlog.invalid/log\n"), "{note}");
    // Links use the https scheme of the listener.
    let root: serde_json::Value = trusting
        .get(format!("{url}/api/v1/entries?limit=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(root.is_object());
    // A client that does not trust the CA fails the handshake.
    let error = client(None)
        .get(format!("{url}/healthz"))
        .send()
        .await
        .expect_err("an untrusted certificate is refused");
    assert!(error.is_connect(), "{error:?}");
    // Plain HTTP on the TLS port gets no HTTP answer.
    let plain = url.replacen("https://", "http://", 1);
    let answer = reqwest::Client::new()
        .get(format!("{plain}/healthz"))
        .send()
        .await;
    assert!(answer.is_err() || answer.unwrap().status() != 200);
}

fn serve_fails(args: &[&std::ffi::OsStr]) -> String {
    let output = Command::new(BIN)
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .args(args)
        .env("FIXLOG_LOG", "error")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn bad_pem_files_exit_2_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    make_pki(dir.path());
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a PEM file\n").unwrap();
    let missing = dir.path().join("missing.pem");
    let db = format!("sqlite://{}/log.db", dir.path().display());
    let run = |cert: &Path, key: &Path| {
        serve_fails(&[
            "--db".as_ref(),
            db.as_ref(),
            "--tls-cert".as_ref(),
            cert.as_os_str(),
            "--tls-key".as_ref(),
            key.as_os_str(),
        ])
    };
    let stderr = run(&garbage, &key);
    assert!(stderr.contains("--tls-cert"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    let stderr = run(&missing, &key);
    assert!(
        stderr.contains("--tls-cert") && stderr.contains("missing.pem"),
        "{stderr}"
    );
    let stderr = run(&cert, &garbage);
    assert!(stderr.contains("--tls-key"), "{stderr}");
    // The certificate as the key: no private key in it.
    let stderr = run(&cert, &cert);
    assert!(stderr.contains("--tls-key"), "{stderr}");
    // A key that does not belong to the certificate.
    let other = dir.path().join("other-key.pem");
    std::fs::write(&other, KeyPair::generate().unwrap().serialize_pem()).unwrap();
    let stderr = run(&cert, &other);
    assert!(stderr.contains("--tls-cert/--tls-key"), "{stderr}");
    // --tls-cert without --tls-key is a usage error.
    let output = Command::new(BIN)
        .args(["serve", "--tls-cert"])
        .arg(&cert)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--tls-key"));
}
