//! End to end: the real `fixlog` binary, real HTTP, a real database (SQLite, and PostgreSQL
//! when `FIXLOG_TEST_POSTGRES_URL` is set).
//!
//! keygen → serve → token create → publish product → publish release (hashing images) →
//! read the entry back over the JSON API and compare its digests with `sha256sum` and
//! `openssl dgst -sha3-256`; then the idempotent repeat, the conflicting repeat, and the
//! token and connection failures, each checked against the log size.

mod common;

use std::path::{Path, PathBuf};

use common::{
    Server, assert_exit, get_json, http_get, keygen, openssl_sha3_256, run, sha256sum, stderr,
    stdout,
};

fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

/// Today (UTC) as `YYYY-MM-DD`.
fn today() -> String {
    let date = time::OffsetDateTime::now_utc().date();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn is_lower_hex(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[test]
fn keygen_writes_a_private_key_once_and_prints_the_verifier_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k");
    let args = [
        "keygen",
        "--origin",
        "test.example/log",
        "--out",
        path_str(&key),
    ];
    let output = run(&args, &[]);
    assert_exit(&output, 0);

    // stdout: the verifier key `<name>+<8 hex key hash>+<base64(0x01 ‖ 32-byte key)>`.
    let verifier = stdout(&output);
    let mut parts = verifier.splitn(3, '+');
    assert_eq!(parts.next(), Some("test.example/log"), "{verifier}");
    let hash = parts.next().expect("key hash");
    assert!(hash.len() == 8 && is_lower_hex(hash), "{verifier}");
    let public = parts.next().expect("public key");
    assert_eq!(public.len(), 44, "33 bytes in base64: {verifier}");
    assert!(
        public
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/'),
        "{verifier}"
    );
    assert!(
        public.starts_with('A'),
        "Ed25519 keys start with the 0x01 algorithm byte: {verifier}"
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "key file mode {mode:o}");
    }
    let contents = std::fs::read(&key).unwrap();
    let text = String::from_utf8(contents.clone()).unwrap();
    assert!(
        text.starts_with(&format!("PRIVATE+KEY+test.example/log+{hash}+")),
        "the key file holds the private key of the printed verifier key"
    );
    assert!(
        !text.contains(public),
        "the private key file is not the public key"
    );

    // A second run must not overwrite the key.
    let again = run(&args, &[]);
    assert_exit(&again, 2);
    assert!(
        stderr(&again).contains("--out"),
        "names the file: {}",
        stderr(&again)
    );
    assert_eq!(std::fs::read(&key).unwrap(), contents, "key file unchanged");
}

#[test]
fn serve_refuses_to_start_without_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", path_str(&dir.path().join("f.db")));
    let output = run(
        &["serve", "--db", &db, "--listen", "127.0.0.1:0"],
        &[("FIXLOG_LOG", "error")],
    );
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("--key"),
        "stderr names --key: {}",
        stderr(&output)
    );
    assert!(
        !stdout(&output).contains("listening"),
        "must not have started"
    );
}

#[test]
fn publish_release_end_to_end_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", path_str(&dir.path().join("fixlog.db")));
    let scenario = Scenario::run(dir.path(), &db);

    // A syntactically valid token that the server does not know.
    let unknown = format!("fxl_{}_{}", "0123456789ab", "cd".repeat(32));
    let output = scenario.publish_release(&unknown, "V3.2.3", &scenario.images);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("token"),
        "stderr names the token problem: {}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty(), "no seq printed");
    // An editor token may not publish releases.
    let output = scenario.publish_release(&scenario.editor, "V3.2.3", &scenario.images);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("role"),
        "stderr names the role problem: {}",
        stderr(&output)
    );
    // Without a token the CLI refuses before sending anything.
    let output = run(
        &[
            "publish",
            "release",
            "--server",
            &scenario.server.url,
            "--product",
            "plc-x500",
            "--version",
            "V3.2.3",
            "--released",
            &today(),
            "--image",
            path_str(&scenario.images[0]),
        ],
        &[],
    );
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("FIXLOG_TOKEN"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        scenario.server.size(),
        2,
        "nothing stored by refused writes"
    );
    let firmware = get_json(&format!(
        "{}/api/v1/products/plc-x500/firmware",
        scenario.server.url
    ));
    let versions: Vec<&str> = firmware["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["V3.2.2"], "only the accepted release is live");
}

#[test]
fn publish_release_to_an_unreachable_server_fails_operationally() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("a.bin");
    std::fs::write(&image, common::pseudo_random(7, 4096)).unwrap();
    // A port that was free a moment ago and has no listener now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let token = format!("fxl_{}_{}", "0123456789ab", "cd".repeat(32));
    let output = run(
        &[
            "publish",
            "release",
            "--server",
            &format!("http://127.0.0.1:{port}"),
            "--product",
            "plc-x500",
            "--version",
            "V3.2.2",
            "--released",
            &today(),
            "--image",
            path_str(&image),
        ],
        &[("FIXLOG_TOKEN", &token)],
    );
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("--server"),
        "stderr names the server: {}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty());
}

#[test]
fn publish_release_end_to_end_on_postgres() {
    let Some(base) = common::postgres_base_url() else {
        return;
    };
    let schema = common::PgSchema::create(&base);
    let dir = tempfile::tempdir().unwrap();
    let scenario = Scenario::run(dir.path(), &schema.url);
    drop(scenario);
    // The entries landed in this test's own schema, not elsewhere on the search path.
    assert_eq!(schema.query("SELECT count(*) FROM entries"), "2");
    assert_eq!(
        schema.query("SELECT count(*) FROM tokens WHERE role IN ('editor', 'publisher')"),
        "2"
    );
}

/// Steps shared by both databases: everything up to and including the conflicting repeat.
struct Scenario {
    server: Server,
    editor: String,
    publisher: String,
    images: Vec<PathBuf>,
    dir: PathBuf,
}

impl Scenario {
    fn run(dir: &Path, db: &str) -> Self {
        let key = keygen(dir);
        let server = Server::start(dir, db, &key);
        let initial = server.size();
        assert_eq!(initial, 0, "a fresh database has an empty log");

        let token = |role: &str| {
            let output = run(&["token", "create", "--db", db, "--role", role], &[]);
            assert_exit(&output, 0);
            let token = stdout(&output);
            assert!(
                token.starts_with("fxl_") && !token.contains(char::is_whitespace),
                "only the token on stdout: {token:?}"
            );
            token
        };
        let editor = token("editor");
        let publisher = token("publisher");
        assert_ne!(editor, publisher);

        // The product.
        let product = dir.join("product.json");
        std::fs::write(
            &product,
            serde_json::to_vec_pretty(&serde_json::json!({
                "id": "plc-x500",
                "name": "X500 PLC",
                "models": ["X500-1", "X500-2"],
                "device_class": "plc",
                "version_scheme": "v-dotted",
                "lifecycle": { "state": "active" }
            }))
            .unwrap(),
        )
        .unwrap();
        let output = run(
            &[
                "publish",
                "product",
                "--server",
                &server.url,
                "--file",
                path_str(&product),
            ],
            &[("FIXLOG_TOKEN", &editor)],
        );
        assert_exit(&output, 0);
        assert_eq!(stdout(&output), "1", "the product is the first entry");

        // Two images of a few MiB, one not a multiple of the 1 MiB hashing chunk.
        let images = vec![dir.join("a.bin"), dir.join("b.bin")];
        std::fs::write(
            &images[0],
            common::pseudo_random(1, 3 * 1024 * 1024 + 12_345),
        )
        .unwrap();
        std::fs::write(&images[1], common::pseudo_random(2, 2 * 1024 * 1024)).unwrap();

        let scenario = Self {
            server,
            editor,
            publisher,
            images,
            dir: dir.to_owned(),
        };
        scenario.release_round_trip();
        scenario
    }

    fn publish_release(
        &self,
        token: &str,
        version: &str,
        images: &[PathBuf],
    ) -> std::process::Output {
        let receipt = self.dir.join("r.json");
        let released = today();
        let mut args = vec![
            "publish",
            "release",
            "--server",
            &self.server.url,
            "--product",
            "plc-x500",
            "--version",
            version,
            "--released",
            &released,
            "--fixes",
            "CVE-2026-50001",
            "--receipt",
            path_str(&receipt),
        ];
        for image in images {
            args.extend(["--image", path_str(image)]);
        }
        run(&args, &[("FIXLOG_TOKEN", token)])
    }

    /// Steps 3–5: publish, read back, repeat, conflict.
    fn release_round_trip(&self) {
        let url = &self.server.url;
        let receipt_path = self.dir.join("r.json");

        // Publish.
        let output = self.publish_release(&self.publisher, "V3.2.2", &self.images);
        assert_exit(&output, 0);
        let seq: u64 = stdout(&output)
            .parse()
            .unwrap_or_else(|_| panic!("stdout is the seq: {:?}", stdout(&output)));
        assert_eq!(seq, 2);
        assert_eq!(self.server.size(), 2);

        // Read it back.
        let entry = get_json(&format!("{url}/api/v1/entries/{seq}"));
        assert_eq!(entry["seq"], seq);
        assert_eq!(entry["kind"], "release");
        assert_eq!(entry["product"], "plc-x500");
        assert_eq!(entry["cves"], serde_json::json!(["CVE-2026-50001"]));
        assert_eq!(entry["fixed_version"], "V3.2.2");
        assert_eq!(entry["release_date"], today());
        let images = entry["images"].as_array().expect("images");
        assert_eq!(images.len(), 2, "{entry}");
        for (image, path) in images.iter().zip(&self.images) {
            let name = path.file_name().unwrap().to_str().unwrap();
            assert_eq!(image["name"], name);
            assert_eq!(image["size"], std::fs::metadata(path).unwrap().len());
            assert_eq!(image["sha256"], sha256sum(path), "{name}: sha256");
            assert_eq!(
                image["sha3_256"],
                openssl_sha3_256(path),
                "{name}: sha3-256"
            );
        }

        // The receipt and its proof.
        let receipt: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&receipt_path).expect("receipt written"))
                .expect("receipt is JSON");
        assert_eq!(receipt["seq"], seq);
        assert_eq!(
            receipt["entry"], entry,
            "the receipt holds the served entry"
        );
        let proof_url = receipt["proof"].as_str().expect("proof URL");
        assert!(
            proof_url.starts_with(&format!("{url}/")),
            "absolute proof URL on this server: {proof_url}"
        );
        let (status, proof) = http_get(proof_url);
        assert_eq!(status, 200, "{proof_url}: {proof}");
        assert!(
            proof.starts_with("c2sp.org/tlog-proof@v1"),
            "a tlog-proof: {proof}"
        );
        assert!(
            proof.contains("test.example/log"),
            "signed by this log's key: {proof}"
        );

        // The same publish again: idempotent.
        std::fs::remove_file(&receipt_path).unwrap();
        let output = self.publish_release(&self.publisher, "V3.2.2", &self.images);
        assert_exit(&output, 0);
        assert_eq!(stdout(&output), seq.to_string(), "same seq");
        assert!(
            stderr(&output).contains("existing"),
            "reported as existing: {}",
            stderr(&output)
        );
        let again: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&receipt_path).unwrap()).unwrap();
        assert_eq!(
            again["entry"], entry,
            "the repeat returns the original entry"
        );
        assert_eq!(self.server.size(), 2, "nothing appended by the repeat");
        let page = get_json(&format!("{url}/api/v1/entries"));
        assert_eq!(page["entries"].as_array().unwrap().len(), 2);
        assert_eq!(page["size"], 2);

        // Same version, one byte of one image changed: a conflict.
        let changed = self.dir.join("changed");
        std::fs::create_dir_all(&changed).unwrap();
        let mut bytes = std::fs::read(&self.images[1]).unwrap();
        bytes[1_000_000] ^= 0x01;
        let changed_b = changed.join("b.bin");
        std::fs::write(&changed_b, bytes).unwrap();
        let output = self.publish_release(
            &self.publisher,
            "V3.2.2",
            &[self.images[0].clone(), changed_b],
        );
        assert_exit(&output, 1);
        assert!(
            stderr(&output).to_lowercase().contains("conflict"),
            "stderr mentions the conflict: {}",
            stderr(&output)
        );
        assert!(stdout(&output).is_empty(), "no seq printed");
        assert_eq!(self.server.size(), 2, "nothing appended by the conflict");
        assert_eq!(
            get_json(&format!("{url}/api/v1/entries/{seq}")),
            entry,
            "the published entry is untouched"
        );
    }
}
