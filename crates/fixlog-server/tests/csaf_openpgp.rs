//! The CSAF trusted provider (CSAF 2.0 §7.2.3: requirements 18–20 on top of the provider's):
//! with an OpenPGP key the metadata declares `csaf_trusted_provider` and lists the key, the key
//! is served where the metadata says, and every document has a `.asc` that GnuPG (`gpg
//! --verify`, an outside implementation) accepts and rejects once a byte of the document
//! changes. Without a key, none of it is served.

mod common;

use std::path::Path;
use std::process::Command;

use common::TestApp;
use fixlog_csaf::openpgp::{PublicKey, SigningKey};
use fixlog_csaf::schema::{SchemaKind, schema_errors};
use serde_json::Value;

async fn trusted_app() -> TestApp {
    let mut app = TestApp::new().await;
    fixlog_server::demo::load(&app.state.log)
        .await
        .expect("demo loads");
    app.state = app.state.clone().with_openpgp_key(SigningKey::demo());
    app.router = fixlog_server::app(app.state.clone());
    app
}

fn gpg(home: &Path, arguments: &[&str]) -> (bool, String) {
    let output = Command::new("gpg")
        .arg("--homedir")
        .arg(home)
        .args(["--batch", "--no-tty", "--status-fd", "1"])
        .args(arguments)
        .output()
        .expect("gpg runs (Debian package gnupg)");
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

#[tokio::test]
async fn every_document_has_a_signature_gpg_verifies() {
    let app = trusted_app().await;
    let fingerprint = SigningKey::demo().fingerprint();

    // Requirement 7 + 20: the metadata names the role and the key.
    let metadata = app.get("/.well-known/csaf/provider-metadata.json").await;
    metadata.expect_status(200);
    let metadata = metadata.json();
    assert!(schema_errors(SchemaKind::ProviderMetadata, &metadata).is_empty());
    assert_eq!(metadata["role"], "csaf_trusted_provider");
    let keys = metadata["public_openpgp_keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["fingerprint"], fingerprint.as_str());
    let key_url = keys[0]["url"].as_str().unwrap();
    let key_path = key_url.strip_prefix(&app.state.public_url).unwrap();
    assert_eq!(
        key_path,
        format!("/.well-known/csaf/openpgp/{fingerprint}.asc")
    );
    let key = app.get(key_path).await;
    key.expect_status(200);
    assert_eq!(key.content_type(), "application/pgp-keys");
    let armored_key = String::from_utf8(key.body.to_vec()).unwrap();
    let public = PublicKey::from_armored(&armored_key).unwrap();
    assert_eq!(public.fingerprint(), fingerprint);
    app.get("/.well-known/csaf/openpgp/0000.asc")
        .await
        .expect_status(404);

    let home = tempfile::tempdir().unwrap();
    let key_file = home.path().join("key.asc");
    std::fs::write(&key_file, &armored_key).unwrap();
    let (imported, output) = gpg(home.path(), &["--import", key_file.to_str().unwrap()]);
    assert!(imported, "{output}");

    let white = "/.well-known/csaf/white";
    let index = app.get(&format!("{white}/index.txt")).await;
    let paths: Vec<String> = String::from_utf8(index.body.to_vec())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(paths.len() >= 20, "the demo has 20 advisories: {paths:?}");
    let feed = app
        .get(&format!("{white}/csaf-feed-tlp-white.json"))
        .await
        .json();
    let mut checked = 0;
    for path in &paths {
        let document = app.get(&format!("{white}/{path}")).await;
        document.expect_status(200);
        let signature = app.get(&format!("{white}/{path}.asc")).await;
        signature.expect_status(200);
        assert_eq!(signature.content_type(), "application/pgp-signature");
        // Deterministic: the same revision always gets the same signature.
        let again = app.get(&format!("{white}/{path}.asc")).await;
        assert_eq!(signature.body, again.body, "{path}");
        let armored = String::from_utf8(signature.body.to_vec()).unwrap();
        public.verify(&document.body, &armored).unwrap();

        // The outside check: GnuPG verifies the detached signature with the served key.
        let name = path.replace('/', "_");
        let document_file = home.path().join(&name);
        let signature_file = home.path().join(format!("{name}.asc"));
        std::fs::write(&document_file, &document.body).unwrap();
        std::fs::write(&signature_file, &signature.body).unwrap();
        let (good, output) = gpg(
            home.path(),
            &[
                "--verify",
                signature_file.to_str().unwrap(),
                document_file.to_str().unwrap(),
            ],
        );
        assert!(good, "{path}: {output}");
        assert!(
            output.contains(&format!("[GNUPG:] VALIDSIG {fingerprint}")),
            "{path}: {output}"
        );

        // Requirement 15 + 19: the ROLIE entry links the signature.
        let url = format!("{}{white}/{path}", app.state.public_url);
        let entry = feed["feed"]["entry"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["content"]["src"] == url.as_str())
            .unwrap_or_else(|| panic!("{url} in the feed"));
        assert!(
            entry["link"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["rel"] == "signature" && l["href"] == format!("{url}.asc")),
            "{entry}"
        );
        // Requirement 14: the year listing names the signature.
        let (year, file) = path.split_once('/').unwrap();
        let listing = app.get(&format!("{white}/{year}/")).await;
        assert!(
            String::from_utf8_lossy(&listing.body).contains(&format!("href=\"{file}.asc\"")),
            "{path}"
        );
        checked += 1;
    }
    assert_eq!(checked, paths.len());

    // One changed byte of a document and GnuPG says BADSIG.
    let name = paths[0].replace('/', "_");
    let document_file = home.path().join(&name);
    let mut bytes = std::fs::read(&document_file).unwrap();
    let title = bytes
        .windows(7)
        .position(|w| w == b"\"title\"")
        .expect("a title");
    let letter = (title + 9..bytes.len())
        .find(|&i| bytes[i].is_ascii_alphabetic())
        .unwrap();
    bytes[letter] ^= 0x20;
    std::fs::write(&document_file, &bytes).unwrap();
    let (good, output) = gpg(
        home.path(),
        &[
            "--verify",
            home.path().join(format!("{name}.asc")).to_str().unwrap(),
            document_file.to_str().unwrap(),
        ],
    );
    assert!(!good, "{output}");
    assert!(output.contains("[GNUPG:] BADSIG"), "{output}");
}

#[tokio::test]
async fn without_a_key_there_are_no_signatures() {
    let app = TestApp::new().await;
    fixlog_server::demo::load(&app.state.log)
        .await
        .expect("demo loads");
    let metadata: Value = app
        .get("/.well-known/csaf/provider-metadata.json")
        .await
        .json();
    assert_eq!(metadata["role"], "csaf_provider");
    assert_eq!(metadata["public_openpgp_keys"], serde_json::json!([]));
    let index = app.get("/.well-known/csaf/white/index.txt").await;
    let first = String::from_utf8(index.body.to_vec())
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    app.get(&format!("/.well-known/csaf/white/{first}"))
        .await
        .expect_status(200);
    app.get(&format!("/.well-known/csaf/white/{first}.asc"))
        .await
        .expect_status(404);
    app.get(&format!(
        "/.well-known/csaf/openpgp/{}.asc",
        SigningKey::demo().fingerprint()
    ))
    .await
    .expect_status(404);
}
