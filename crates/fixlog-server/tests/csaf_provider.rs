//! The CSAF 2.0 provider over the demo log: every served document passes the BSI reference
//! validator (`@secvisogram/csaf-validator-lib`, strict schema + all mandatory tests) with zero
//! errors; the distribution files (provider metadata, ROLIE feed, index.txt, changes.csv, hash
//! files, security.txt) are consistent with the documents and with their schemas; each
//! advisory's revision history has one item per log entry; a withdrawn advisory is a final
//! revision that says so; fixed releases carry their image digests.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::TestApp;
use fixlog_csaf::schema::{SchemaKind, schema_errors};
use serde_json::Value;
use sha2::{Digest, Sha256, Sha512};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn demo_documents_pass_csaf_validator_lib_and_the_provider_is_consistent() {
    let app = TestApp::new().await;
    fixlog_server::demo::load(&app.state.log)
        .await
        .expect("demo loads");

    let metadata = app.get("/.well-known/csaf/provider-metadata.json").await;
    metadata.expect_status(200);
    assert_eq!(metadata.content_type(), "application/json");
    let metadata = metadata.json();
    assert!(schema_errors(SchemaKind::ProviderMetadata, &metadata).is_empty());
    // No OpenPGP key is configured, so the server does not claim the trusted-provider role.
    assert_eq!(metadata["role"], "csaf_provider");
    let white = metadata["distributions"][0]["directory_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let prefix = |url: &str| url.strip_prefix(&app.state.public_url).unwrap().to_owned();

    let security = app.get("/.well-known/security.txt").await;
    security.expect_status(200);
    let security = String::from_utf8(security.body.to_vec()).unwrap();
    assert_eq!(
        security.lines().next().unwrap(),
        format!("CSAF: {}", metadata["canonical_url"].as_str().unwrap())
    );

    let index = app.get(&format!("{}/index.txt", prefix(&white))).await;
    index.expect_status(200);
    let paths: Vec<String> = String::from_utf8(index.body.to_vec())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    // One document per advisory of the demo (34 advisory operations, 27 distinct ids).
    let advisories = app.get("/api/v1/advisories").await.json();
    let ids = advisories["advisories"].as_array().unwrap();
    assert_eq!(paths.len(), ids.len(), "{paths:?}");

    let directory = tempfile::tempdir().unwrap();
    let mut documents = BTreeMap::new();
    for path in &paths {
        let answer = app.get(&format!("{}/{path}", prefix(&white))).await;
        answer.expect_status(200);
        assert_eq!(answer.content_type(), "application/json");
        let bytes = answer.body.to_vec();
        for (suffix, digest) in [
            ("sha256", hex(&Sha256::digest(&bytes))),
            ("sha512", hex(&Sha512::digest(&bytes))),
        ] {
            let file = app
                .get(&format!("{}/{path}.{suffix}", prefix(&white)))
                .await;
            file.expect_status(200);
            let file_name = path.rsplit('/').next().unwrap();
            assert_eq!(
                String::from_utf8(file.body.to_vec()).unwrap(),
                format!("{digest}  {file_name}\n")
            );
        }
        let doc: Value = serde_json::from_slice(&bytes).unwrap();
        // Requirement 11: the year folder is the year of the initial release.
        let year = &doc["document"]["tracking"]["initial_release_date"]
            .as_str()
            .unwrap()[..4];
        assert!(path.starts_with(&format!("{year}/")), "{path}");
        // Requirement 2: the file name follows from the tracking id.
        assert_eq!(
            path.rsplit('/').next().unwrap(),
            fixlog_csaf::export::file_name(doc["document"]["tracking"]["id"].as_str().unwrap())
        );
        std::fs::write(directory.path().join(path.replace('/', "_")), &bytes).unwrap();
        documents.insert(path.clone(), doc);
    }

    // Requirement 14: directory listings name every year folder and document.
    let listing = app.get(&format!("{}/", prefix(&white))).await;
    listing.expect_status(200);
    let listing = String::from_utf8(listing.body.to_vec()).unwrap();
    for path in &paths {
        let (year, file) = path.split_once('/').unwrap();
        assert!(listing.contains(&format!("href=\"{year}/\"")), "{year}");
        let year_listing = app.get(&format!("{}/{year}/", prefix(&white))).await;
        let year_listing = String::from_utf8(year_listing.body.to_vec()).unwrap();
        assert!(year_listing.contains(&format!("href=\"{file}\"")), "{path}");
    }

    // The reference validator: strict schema + every mandatory test, zero errors.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/csaf/validate.mjs");
    let output = Command::new("node")
        .arg(&script)
        .arg(directory.path())
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "csaf-validator-lib rejects exported documents:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout.lines().last().unwrap(),
        format!("{} passed, 0 failed", paths.len())
    );

    // changes.csv: every document, newest first, with its current release date.
    let changes = app.get(&format!("{}/changes.csv", prefix(&white))).await;
    let changes = String::from_utf8(changes.body.to_vec()).unwrap();
    let rows: Vec<(String, String)> = changes
        .lines()
        .map(|line| {
            let (path, date) = line.split_once(',').unwrap();
            (
                path.trim_matches('"').to_owned(),
                date.trim_matches('"').to_owned(),
            )
        })
        .collect();
    assert_eq!(rows.len(), paths.len());
    assert!(rows.windows(2).all(|pair| pair[0].1 >= pair[1].1));
    for (path, date) in &rows {
        assert_eq!(
            documents[path]["document"]["tracking"]["current_release_date"],
            date.as_str()
        );
    }

    // ROLIE feed: schema-valid, one entry per document with self, hash links.
    let feed_url = metadata["distributions"][0]["rolie"]["feeds"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let feed = app.get(&prefix(&feed_url)).await;
    feed.expect_status(200);
    let feed = feed.json();
    assert!(schema_errors(SchemaKind::RolieFeed, &feed).is_empty());
    let entries = feed["feed"]["entry"].as_array().unwrap();
    assert_eq!(entries.len(), paths.len());
    for entry in entries {
        let rels: Vec<&str> = entry["link"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["rel"].as_str().unwrap())
            .collect();
        assert!(rels.contains(&"self") && rels.iter().filter(|r| **r == "hash").count() == 2);
    }

    // Revision history = the log's entries of each advisory.
    for (path, doc) in &documents {
        let id = doc["document"]["tracking"]["id"].as_str().unwrap();
        let view = app.get(&format!("/api/v1/advisories/{id}")).await.json();
        let logged = view["revisions"].as_array().unwrap().len();
        let history = doc["document"]["tracking"]["revision_history"]
            .as_array()
            .unwrap();
        assert_eq!(history.len(), logged, "{path}");
        assert_eq!(doc["document"]["tracking"]["version"], logged.to_string());
        if view["withdrawn"] == true {
            assert_eq!(doc["document"]["category"], "csaf_base");
            assert_eq!(doc["document"]["tracking"]["status"], "final");
            assert!(
                history.last().unwrap()["summary"]
                    .as_str()
                    .unwrap()
                    .starts_with("Withdrawn")
            );
            assert!(
                doc["document"]["notes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|n| n["title"] == "Withdrawn")
            );
        } else {
            assert_eq!(doc["document"]["category"], "csaf_security_advisory");
        }
    }
    let withdrawn = documents
        .values()
        .filter(|d| d["document"]["category"] == "csaf_base")
        .count();
    assert_eq!(withdrawn, 1);

    // Evaluable ranges and image digests.
    let all = serde_json::to_string(&documents).unwrap();
    assert!(all.contains("\"vers:intdot/"), "vers ranges are exported");
    assert!(
        all.contains("\"algorithm\":\"sha256\""),
        "image digests are exported"
    );
    assert!(
        all.contains("\"algorithm\":\"sha512\""),
        "SHA-512 where known"
    );
}

/// OSV and CycloneDX 1.6 VEX renderings of every demo advisory validate against the official
/// schemas (compiled in, `$ref`s resolved locally).
#[tokio::test]
async fn demo_osv_and_cyclonedx_exports_pass_their_schemas() {
    let app = TestApp::new().await;
    fixlog_server::demo::load(&app.state.log)
        .await
        .expect("demo loads");
    let input = fixlog_server::routes::csaf::export_input(app.store().as_ref())
        .await
        .unwrap();
    assert!(input.histories.len() > 10);
    let mut ranges = 0;
    for history in &input.histories {
        let osv =
            fixlog_csaf::osv::osv_record(history, &input.products, "https://example.com/x.json");
        let errors = schema_errors(SchemaKind::Osv, &osv);
        assert!(errors.is_empty(), "{}: {errors:?}", osv["id"]);
        let vex = fixlog_csaf::cyclonedx::vex_document(
            history,
            &input.products,
            "ACME",
            "https://example.com/x.json",
        );
        let errors = schema_errors(SchemaKind::CycloneDx, &vex);
        assert!(errors.is_empty(), "{}: {errors:?}", osv["id"]);
        ranges += serde_json::to_string(&vex)
            .unwrap()
            .matches("\"range\":\"vers:")
            .count();
    }
    assert!(ranges > 10, "VEX documents carry vers ranges");
    // A broken record is refused, so the schema check has teeth.
    let mut broken = fixlog_csaf::osv::osv_record(&input.histories[0], &input.products, "u");
    broken["id"] = Value::String("NOT-A-PREFIX-1".into());
    assert!(!schema_errors(SchemaKind::Osv, &broken).is_empty());
}
