//! The demo log against the fixture's test oracle: every product × version × CVE status the
//! API reports equals `expected.state_at_reference_date` of the ACME fixture, and the demo's
//! products, image digests and withdrawn advisory are served as the fixture says.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{TestApp, encode_segment};
use serde_json::Value;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/fixtures/acme-ics.json"
);

/// The oracle's list names and the API status each stands for.
const LISTS: [(&str, &str); 4] = [
    ("affected", "known_affected"),
    ("fixed", "fixed"),
    ("not_affected", "known_not_affected"),
    ("under_investigation", "under_investigation"),
];

fn fixture() -> Value {
    let text =
        std::fs::read_to_string(FIXTURE).unwrap_or_else(|error| panic!("read {FIXTURE}: {error}"));
    serde_json::from_str(&text).expect("fixture is JSON")
}

async fn demo_app() -> TestApp {
    let app = TestApp::new().await;
    let appended = fixlog_server::demo::load(&app.state.log)
        .await
        .expect("demo loads");
    assert!(appended > 0);
    assert_eq!(app.store().size().await.unwrap(), appended);
    app
}

#[tokio::test]
async fn version_statuses_match_the_oracle() {
    let fixture = fixture();
    let app = demo_app().await;
    let all_cves: BTreeSet<String> = fixture["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["cve"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(all_cves.len(), 22);
    let oracle = fixture["expected"]["state_at_reference_date"]
        .as_object()
        .expect("oracle");

    let mut versions = 0;
    let mut stated_cells = 0;
    let mut cells = 0;
    let mut mismatches = Vec::new();
    for (product, by_version) in oracle {
        for (version, lists) in by_version.as_object().unwrap() {
            versions += 1;
            let path = format!(
                "/api/v1/products/{product}/versions/{}",
                encode_segment(version)
            );
            let answer = app.get(&path).await;
            answer.expect_status(200);
            let view = answer.json();
            assert_eq!(view["product"], product.as_str());
            assert_eq!(view["version"], version.as_str(), "{path}");
            assert_eq!(
                view["released"], true,
                "{path}: every oracle version is released"
            );
            let api: BTreeMap<String, String> = view["cves"]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| {
                    (
                        row["cve"].as_str().unwrap().to_owned(),
                        row["status"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            let mut expected: BTreeMap<String, String> = BTreeMap::new();
            for (list, status) in LISTS {
                for cve in lists[list].as_array().expect(list) {
                    let previous =
                        expected.insert(cve.as_str().unwrap().to_owned(), status.to_owned());
                    assert!(previous.is_none(), "oracle lists {cve} twice");
                }
            }
            stated_cells += expected.len();
            // Every CVE of the fixture is a cell: stated with one status, or not stated.
            for cve in &all_cves {
                cells += 1;
                let want = expected.get(cve);
                let got = api.get(cve);
                if want != got {
                    mismatches.push(format!(
                        "{product} {version} {cve}: oracle {want:?}, API {got:?}"
                    ));
                }
            }
            for cve in api.keys().filter(|cve| !all_cves.contains(*cve)) {
                mismatches.push(format!("{product} {version}: unknown CVE {cve} in API"));
            }
        }
    }
    println!(
        "compared {cells} product × version × CVE cells ({versions} versions × {} CVEs; \
         {stated_cells} with a stated status)",
        all_cves.len()
    );
    assert_eq!(versions, 52);
    assert!(
        mismatches.is_empty(),
        "{} of {cells} cells differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[tokio::test]
async fn products_digests_and_withdrawal_are_served() {
    let fixture = fixture();
    let app = demo_app().await;

    let products = app.get("/api/v1/products").await;
    products.expect_status(200);
    let listed: BTreeSet<String> = products.json()["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    let lines = fixture["product_lines"].as_array().unwrap();
    let expected: BTreeSet<String> = lines
        .iter()
        .map(|line| line["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed.len(), 6);
    assert_eq!(listed, expected);

    let mut images = 0;
    let mut superseded_images = 0;
    for line in lines {
        let product = line["id"].as_str().unwrap();
        for firmware in line["firmware"].as_array().unwrap() {
            let version = firmware["version"].as_str().unwrap();
            for image in firmware["images"].as_array().unwrap() {
                images += 1;
                let withdrawn = !image["withdrawn"].is_null();
                for algorithm in ["sha256", "sha512"] {
                    let digest = image[algorithm].as_str().unwrap();
                    let answer = app
                        .get(&format!("/api/v1/firmware/by-digest/{digest}"))
                        .await;
                    answer.expect_status(200);
                    let found = answer.json();
                    let matches = found["matches"].as_array().unwrap();
                    assert_eq!(matches.len(), 1, "{product} {version} {digest}");
                    let found = &matches[0];
                    assert_eq!(found["product"], product, "{digest}");
                    assert_eq!(found["version"], version, "{digest}");
                    assert_eq!(found["image"]["name"], image["filename"], "{digest}");
                    assert_eq!(found["image"]["size"], image["size_bytes"], "{digest}");
                    assert_eq!(
                        found["superseded"], withdrawn,
                        "{product} {version} image revision {}",
                        image["image_revision"]
                    );
                }
                if withdrawn {
                    superseded_images += 1;
                    assert_eq!((product, version), ("dcs-c200", "4.2.2.2"));
                    assert_eq!(image["image_revision"], 1);
                }
            }
        }
    }
    assert_eq!(images, 53);
    assert_eq!(superseded_images, 1);

    let advisory = app.get("/api/v1/advisories/ACME-SA-2026-009").await;
    advisory.expect_status(200);
    let advisory = advisory.json();
    assert_eq!(advisory["withdrawn"], true);
    assert_eq!(advisory["current"]["kind"], "withdrawal");
    let live = app.get("/api/v1/advisories").await.json();
    let withdrawn: Vec<&str> = live["advisories"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["withdrawn"] == true)
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(withdrawn, ["ACME-SA-2026-009"]);
}
