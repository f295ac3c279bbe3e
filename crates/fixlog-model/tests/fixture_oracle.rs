//! Checks the model against the acme-ics fixture's `expected` oracle.
//!
//! Every product line, firmware release and advisory revision of the fixture
//! is parsed into model types through the public constructors; then, for both
//! snapshots of the oracle, every product × released version is evaluated
//! with `version_status` and compared list by list.

use std::collections::{BTreeMap, BTreeSet};

use fixlog_model::{
    Advisory, AdvisoryCve, AdvisoryId, CveId, Cvss, CweId, DeviceClass, FirmwareImage, Lifecycle,
    LifecycleState, Product, ProductId, ProductStatement, Release, Remediation,
    RemediationCategory, Revision, Sha256Digest, Sha512Digest, Status, Version, VersionRange,
    VersionScheme, format_date, parse_date, version_status,
};
use serde_json::Value;
use time::Date;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/fixtures/acme-ics.json"
);

fn load_fixture() -> Value {
    let text =
        std::fs::read_to_string(FIXTURE).unwrap_or_else(|error| panic!("{FIXTURE}: {error}"));
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("expected a string, got {value}"))
}

fn optional_text(value: &Value) -> Option<&str> {
    value.as_str()
}

fn array(value: &Value) -> &Vec<Value> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("expected an array, got {value}"))
}

fn date(value: &Value) -> Date {
    parse_date(text(value)).unwrap()
}

fn optional_date(value: &Value) -> Option<Date> {
    optional_text(value).map(|text| parse_date(text).unwrap())
}

fn scheme_of(fixture_scheme: &str) -> VersionScheme {
    match fixture_scheme {
        "acme-vsemver" => VersionScheme::VDotted,
        "acme-fourpart" => VersionScheme::Dotted,
        "acme-servicepack" => VersionScheme::ServicePack,
        "acme-releasetrain" => VersionScheme::ReleaseTrain,
        "acme-calver" => VersionScheme::Calver,
        "acme-padded" => VersionScheme::Padded,
        other => panic!("unknown fixture scheme {other}"),
    }
}

fn device_class_of(category: &str) -> DeviceClass {
    match category {
        "PLC" => DeviceClass::Plc,
        "DCS controller" => DeviceClass::Dcs,
        "HMI panel" => DeviceClass::Hmi,
        "RTU" => DeviceClass::Rtu,
        "Edge gateway" => DeviceClass::Gateway,
        "Safety relay" => DeviceClass::ProtectionRelay,
        _ => DeviceClass::Other,
    }
}

/// The parsed fixture: products with their releases, and advisory revisions.
struct Model {
    products: Vec<(Product, Vec<Release>)>,
    /// Per advisory, its revisions in publication order.
    advisories: Vec<Vec<Advisory>>,
    /// Every range's `to_vers()` next to the fixture's `vers`.
    vers_pairs: Vec<(Option<String>, Option<String>)>,
}

fn parse_products(fixture: &Value) -> Vec<(Product, Vec<Release>)> {
    array(&fixture["product_lines"])
        .iter()
        .map(|line| {
            let id: ProductId = text(&line["id"]).parse().unwrap();
            let scheme = scheme_of(text(&line["version_scheme"]));
            let lifecycle = &line["lifecycle"];
            let product = Product {
                id: id.clone(),
                name: text(&line["name"]).to_owned(),
                models: array(&line["models"])
                    .iter()
                    .map(|model| text(&model["order_number"]).to_owned())
                    .collect(),
                device_class: device_class_of(text(&line["category"])),
                version_scheme: scheme,
                lifecycle: Lifecycle {
                    state: text(&lifecycle["state"]).parse::<LifecycleState>().unwrap(),
                    mainstream_support_end: optional_date(&lifecycle["mainstream_support_end"]),
                    extended_support_end: optional_date(&lifecycle["extended_support_end"]),
                    end_of_life: optional_date(&lifecycle["end_of_life"]),
                },
            };
            let releases = array(&line["firmware"])
                .iter()
                .map(|firmware| Release {
                    product: id.clone(),
                    version: scheme.parse(text(&firmware["version"])).unwrap(),
                    release_date: date(&firmware["release_date"]),
                    images: array(&firmware["images"])
                        .iter()
                        .map(|image| FirmwareImage {
                            name: text(&image["filename"]).to_owned(),
                            size: image["size_bytes"].as_u64().unwrap(),
                            sha256: text(&image["sha256"]).parse::<Sha256Digest>().unwrap(),
                            sha3_256: None,
                            sha512: Some(text(&image["sha512"]).parse::<Sha512Digest>().unwrap()),
                            url: None,
                        })
                        .collect(),
                    fixes: array(&firmware["security_fixes"])
                        .iter()
                        .map(|cve| text(cve).parse::<CveId>().unwrap())
                        .collect(),
                })
                .collect();
            (product, releases)
        })
        .collect()
}

fn parse_model(fixture: &Value) -> Model {
    let products = parse_products(fixture);
    let schemes: BTreeMap<ProductId, VersionScheme> = products
        .iter()
        .map(|(product, _)| (product.id.clone(), product.version_scheme))
        .collect();
    let vulnerabilities: BTreeMap<&str, &Value> = array(&fixture["vulnerabilities"])
        .iter()
        .map(|vulnerability| (text(&vulnerability["cve"]), vulnerability))
        .collect();
    let mut vers_pairs = Vec::new();
    let mut advisories = Vec::new();
    for advisory in array(&fixture["advisories"]) {
        let id: AdvisoryId = text(&advisory["id"]).parse().unwrap();
        let cves: Vec<AdvisoryCve> = array(&advisory["cves"])
            .iter()
            .map(|cve| {
                let vulnerability = vulnerabilities[text(cve)];
                let cvss: Cvss = text(&vulnerability["cvss_v31"]["vector"]).parse().unwrap();
                assert_eq!(
                    cvss.base_score(),
                    vulnerability["cvss_v31"]["base_score"].as_f64().unwrap(),
                    "{}",
                    cvss.vector()
                );
                assert_eq!(
                    cvss.severity(),
                    text(&vulnerability["cvss_v31"]["severity"]).to_lowercase()
                );
                AdvisoryCve {
                    id: text(cve).parse().unwrap(),
                    title: Some(text(&vulnerability["title"]).to_owned()),
                    cwe: Some(text(&vulnerability["cwe"]).parse::<CweId>().unwrap()),
                    cvss_v31: Some(cvss),
                    cvss_v40: None,
                }
            })
            .collect();
        let mut revisions = Vec::new();
        for revision in array(&advisory["revisions"]) {
            let statements = array(&revision["product_status"])
                .iter()
                .map(|entry| {
                    let product: ProductId = text(&entry["product_line"]).parse().unwrap();
                    let scheme = schemes[&product];
                    let ranges = array(&entry["ranges"])
                        .iter()
                        .map(|range| {
                            let parsed = VersionRange::parse(
                                scheme,
                                optional_text(&range["introduced"]),
                                optional_text(&range["fixed"]),
                                optional_text(&range["last_affected"]),
                                optional_text(&range["limit"]),
                            )
                            .unwrap();
                            vers_pairs.push((
                                parsed.to_vers(),
                                optional_text(&range["vers"]).map(str::to_owned),
                            ));
                            parsed
                        })
                        .collect();
                    let remediation =
                        entry["remediation"]
                            .as_object()
                            .map(|remediation| Remediation {
                                category: text(&remediation["category"])
                                    .parse::<RemediationCategory>()
                                    .unwrap(),
                                fixed_version: optional_text(&remediation["fixed_version"])
                                    .map(|fixed| scheme.parse(fixed).unwrap()),
                                details: text(&remediation["details"]).to_owned(),
                                url: None,
                            });
                    ProductStatement {
                        product,
                        cves: array(&entry["cves"])
                            .iter()
                            .map(|cve| text(cve).parse().unwrap())
                            .collect(),
                        status: text(&entry["status"]).parse::<Status>().unwrap(),
                        ranges,
                        scope: optional_text(&entry["scope"]).map(str::to_owned),
                        vendor_text: optional_text(&entry["vendor_text"]).map(str::to_owned),
                        remediation,
                    }
                })
                .collect();
            revisions.push(Advisory {
                id: id.clone(),
                title: text(&advisory["title"]).to_owned(),
                cves: cves.clone(),
                statements,
                mitigations: array(&advisory["mitigations"])
                    .iter()
                    .map(|mitigation| text(mitigation).to_owned())
                    .collect(),
                references: Vec::new(),
                revision: Revision {
                    number: text(&revision["number"]).to_owned(),
                    date: date(&revision["date"]),
                    summary: text(&revision["summary"]).to_owned(),
                },
                withdrawn: text(&revision["status"]) == "withdrawn",
                known_exploited: advisory["known_exploited"].as_bool().unwrap(),
            });
        }
        advisories.push(revisions);
    }
    Model {
        products,
        advisories,
        vers_pairs,
    }
}

/// The oracle's four lists for one cell.
#[derive(Debug, PartialEq, Eq)]
struct Cell {
    affected: Vec<String>,
    fixed: Vec<String>,
    not_affected: Vec<String>,
    under_investigation: Vec<String>,
}

fn sorted(cves: impl IntoIterator<Item = String>) -> Vec<String> {
    cves.into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn oracle_cell(value: &Value) -> Cell {
    let list = |key: &str| sorted(array(&value[key]).iter().map(|cve| text(cve).to_owned()));
    Cell {
        affected: list("affected"),
        fixed: list("fixed"),
        not_affected: list("not_affected"),
        under_investigation: list("under_investigation"),
    }
}

/// Compares one snapshot; returns the number of compared cells.
fn check_snapshot(model: &Model, oracle: &Value, as_of: Date) -> usize {
    let current: Vec<&Advisory> = model
        .advisories
        .iter()
        .filter_map(|revisions| {
            revisions
                .iter()
                .rfind(|revision| revision.revision.date <= as_of)
        })
        .collect();
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for (product, releases) in &model.products {
        let expected_versions = oracle[product.id.as_str()]
            .as_object()
            .unwrap_or_else(|| panic!("oracle lacks {}", product.id));
        let released: Vec<&Version> = releases
            .iter()
            .filter(|release| release.release_date <= as_of)
            .map(|release| &release.version)
            .collect();
        let released_texts: BTreeSet<&str> =
            released.iter().map(|version| version.as_str()).collect();
        let expected_texts: BTreeSet<&str> = expected_versions.keys().map(String::as_str).collect();
        assert_eq!(
            released_texts,
            expected_texts,
            "{} at {}",
            product.id,
            format_date(as_of)
        );
        for version in released {
            let status = version_status(&product.id, version, current.iter().copied());
            assert!(status.no_fix_planned.is_subset(&status.affected));
            let strings = |set: &BTreeSet<CveId>| sorted(set.iter().map(CveId::to_string));
            let actual = Cell {
                affected: strings(&status.affected),
                fixed: strings(&status.fixed),
                not_affected: strings(&status.not_affected),
                under_investigation: strings(&status.under_investigation),
            };
            let expected = oracle_cell(&expected_versions[version.as_str()]);
            if actual != expected {
                mismatches.push(format!(
                    "{} {}: expected {expected:?}, got {actual:?}",
                    product.id, version
                ));
            }
            compared += 1;
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    compared
}

#[test]
fn version_status_matches_the_oracle() {
    let fixture = load_fixture();
    let model = parse_model(&fixture);
    let expected = &fixture["expected"];
    let snapshots = [
        (date(&fixture["reference_date"]), "state_at_reference_date"),
        (parse_date("2026-04-01").unwrap(), "state_as_of_2026-04-01"),
    ];
    let mut cells = 0;
    for (as_of, key) in snapshots {
        let snapshot = &expected[key];
        assert!(snapshot.is_object(), "oracle lacks {key}");
        let compared = check_snapshot(&model, snapshot, as_of);
        println!("{key}: {compared} product-version cells, 4 status lists each, all equal");
        cells += compared;
    }
    println!(
        "compared {cells} cells ({} status lists) against the oracle",
        cells * 4
    );
    // 52 versions at the reference date; fewer at 2026-04-01.
    assert!(cells > 52, "only {cells} cells compared");
}

#[test]
fn vers_strings_match_the_fixture() {
    let model = parse_model(&load_fixture());
    assert!(!model.vers_pairs.is_empty());
    assert!(
        model
            .vers_pairs
            .iter()
            .any(|(_, expected)| expected.is_none())
    );
    for (actual, expected) in &model.vers_pairs {
        assert_eq!(actual, expected);
    }
    println!("compared {} vers strings", model.vers_pairs.len());
}

#[test]
fn fixture_counts_and_releases_parse() {
    let fixture = load_fixture();
    let model = parse_model(&fixture);
    let counts = &fixture["expected"]["counts"];
    assert_eq!(
        model.products.len() as u64,
        counts["product_lines"].as_u64().unwrap()
    );
    let releases: usize = model
        .products
        .iter()
        .map(|(_, releases)| releases.len())
        .sum();
    assert_eq!(
        releases as u64,
        counts["firmware_versions"].as_u64().unwrap()
    );
    let images: usize = model
        .products
        .iter()
        .flat_map(|(_, releases)| releases)
        .map(|release| release.images.len())
        .sum();
    assert_eq!(images as u64, counts["firmware_images"].as_u64().unwrap());
    assert_eq!(
        model.advisories.len() as u64,
        counts["advisories"].as_u64().unwrap()
    );
    // Every firmware version round-trips its text, and versions within a
    // product line sort consistently with the fixture's branch order.
    for (product, releases) in &model.products {
        for release in releases {
            let reparsed = product
                .version_scheme
                .parse(release.version.as_str())
                .unwrap();
            assert_eq!(reparsed.to_string(), release.version.as_str());
        }
    }
    // The withdrawn advisory affects nothing in its current revision.
    let withdrawn = model
        .advisories
        .iter()
        .filter_map(|revisions| revisions.last())
        .filter(|advisory| advisory.withdrawn)
        .count();
    assert_eq!(
        withdrawn as u64,
        counts["advisories_withdrawn"].as_u64().unwrap()
    );
    let eb100: ProductId = "gw-eb100".parse().unwrap();
    assert!(
        model
            .advisories
            .iter()
            .filter_map(|revisions| revisions.last())
            .filter(|advisory| advisory.id.as_str() == "ACME-SA-2026-009")
            .all(|advisory| !advisory.affects_product(&eb100))
    );
}
