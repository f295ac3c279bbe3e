//! `fixlog declare --server URL --key FILE --out DIR`: the manufacturer's declaration of
//! format compliance for the technical documentation.
//!
//! Runs `fixlog verify` against the log page, reads which formats and revisions the publisher
//! implements (from what it serves: OpenAPI `openapi`, the YANG library's module revisions,
//! the CSAF `metadata_version`, the checkpoint's origin) and writes to DIR:
//!
//! - `declaration.txt`: the declaration as a C2SP signed note (Ed25519, key from `fixlog
//!   keygen`), naming the SHA-256 of the verify report it rests on;
//! - `declaration.json`: the same facts for machines;
//! - `verify-report.json`, `verify-report.html`: the verify result;
//! - `csf-mapping.md`: the evidence mapped to NIST CSF 2.0 subcategories.
//!
//! It signs only when verify found no error (exit 0); otherwise it writes the report, signs
//! nothing and exits 1.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::Failure;

/// `fixlog declare`.
#[derive(Debug, Args)]
pub struct DeclareArgs {
    /// Base URL of the log page being declared.
    #[arg(long)]
    pub server: String,
    /// The manufacturer's Ed25519 signing key (from `fixlog keygen`).
    #[arg(long)]
    pub key: PathBuf,
    /// Key name for a PKCS#8 PEM key.
    #[arg(long)]
    pub origin: Option<String>,
    /// Directory to write the declaration into (created).
    #[arg(long)]
    pub out: PathBuf,
}

/// One row of the CSF 2.0 mapping: the subcategory, its text (CSF 2.0 Core, NIST CSWP 29,
/// February 2024) and what the evidence does — and does not — show for it.
pub struct CsfRow {
    /// Subcategory id.
    pub id: &'static str,
    /// Its outcome text, verbatim from the CSF 2.0 Core.
    pub text: &'static str,
    /// The evidence in this declaration that relates to it.
    pub evidence: &'static str,
    /// How far the evidence goes, worded so as to claim no more than the CSF text supports.
    pub relation: &'static str,
}

/// The mapping. The CSF describes outcomes of an organization's own risk management; a
/// published log is evidence that some activities behind an outcome take place, never that
/// the outcome is achieved.
pub const CSF_MAPPING: &[CsfRow] = &[
    CsfRow {
        id: "ID.RA-08",
        text: "Processes for receiving, analyzing, and responding to vulnerability disclosures are established",
        evidence: "Advisory entries (CVE ids, affected versions, revisions, withdrawals) published in sequence with publication times; CSAF 2.0 advisories where offered",
        relation: "Shows the output of the manufacturer's response to vulnerabilities (what was published and when). It does not show how disclosures are received or analyzed; it is partial evidence for this outcome only.",
    },
    CsfRow {
        id: "ID.RA-01",
        text: "Vulnerabilities in assets are identified, validated, and recorded",
        evidence: "Per product and version, the CVEs that affect it, recorded append-only in a signed log; version status via /api/v1/products/{product}/versions/{version}",
        relation: "Supports the recording part for the manufacturer's products, and gives customers a record to consult for their own assets. Identification and validation are not evidenced by the log.",
    },
    CsfRow {
        id: "ID.RA-09",
        text: "The authenticity and integrity of hardware and software are assessed prior to acquisition and use",
        evidence: "SHA-256/SHA3-256 digests of every released firmware image in signed entries; `fixlog check-image` answers whether a file is a published release",
        relation: "Gives a customer (the organization this outcome belongs to) a means to assess the integrity of a firmware image before use. Whether customers do so is outside this declaration.",
    },
    CsfRow {
        id: "PR.PS-02",
        text: "Software is maintained, replaced, and removed commensurate with risk",
        evidence: "Release entries: fixed version, patch release date, fixed CVEs, superseding entries",
        relation: "Records that maintenance releases were published and which vulnerabilities they fix. It does not show that the software is maintained commensurate with risk, nor anything about installation at customers.",
    },
    CsfRow {
        id: "ID.AM-08",
        text: "Systems, hardware, software, services, and data are managed throughout their life cycles",
        evidence: "Product records with lifecycle state and support end dates; the verify check that products on sale or in mainstream support have releases and no silence longer than the configured maximum",
        relation: "Evidence of the published lifecycle and of ongoing publication for supported products; partial evidence only.",
    },
    CsfRow {
        id: "GV.SC-07",
        text: "The risks posed by a supplier, their products and services, and other third parties are understood, recorded, prioritized, assessed, responded to, and monitored over the course of the relationship",
        evidence: "Machine-readable, verifiable feeds (JSON API, RFC 8639 event stream, CSAF) and signed checkpoints with consistency proofs over time",
        relation: "This outcome is the customer's (the manufacturer is the supplier). The log gives customers data they can monitor; it does not show that any customer does.",
    },
];

/// Formats and revisions the publisher implements, read from what it serves.
async fn formats(server: &str) -> Result<Value, Failure> {
    let client = reqwest::Client::new();
    let get = |path: &str| {
        let url = format!("{server}{path}");
        let client = client.clone();
        async move {
            let response = client.get(&url).send().await.ok()?;
            if !response.status().is_success() {
                return None;
            }
            response.bytes().await.ok().map(|bytes| bytes.to_vec())
        }
    };
    let mut formats = serde_json::Map::new();
    if let Some(body) = get("/openapi.json").await
        && let Ok(document) = serde_json::from_slice::<Value>(&body)
    {
        formats.insert(
            "openapi".into(),
            json!({"specification": "OpenAPI", "version": document.get("openapi"), "document": format!("{server}/openapi.json")}),
        );
    }
    if let Some(body) = get("/restconf/data/ietf-yang-library:yang-library").await
        && let Ok(library) = serde_json::from_slice::<Value>(&body)
    {
        let modules: Vec<Value> = library
            .pointer("/ietf-yang-library:yang-library/module-set/0/module")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|module| json!({"name": module.get("name"), "revision": module.get("revision")}))
            .collect();
        formats.insert(
            "restconf".into(),
            json!({
                "specifications": ["RFC 8639 (subscription to YANG notifications)", "RFC 8650 (RESTCONF transport, SSE)", "RFC 7951 (JSON encoding of YANG data)", "RFC 8525 (YANG library)"],
                "modules": modules,
            }),
        );
    }
    if let Some(body) = get("/.well-known/csaf/provider-metadata.json").await
        && let Ok(metadata) = serde_json::from_slice::<Value>(&body)
    {
        formats.insert(
            "csaf".into(),
            json!({"specification": "CSAF 2.0", "metadata_version": metadata.get("metadata_version"), "role": metadata.get("role")}),
        );
    }
    if let Some(body) = get("/tlog/checkpoint").await {
        let text = String::from_utf8_lossy(&body);
        formats.insert(
            "tlog".into(),
            json!({"specifications": ["C2SP tlog-checkpoint", "C2SP signed-note", "C2SP tlog-tiles", "RFC 6962/9162 Merkle tree"], "origin": text.lines().next()}),
        );
    }
    Ok(Value::Object(formats))
}

/// Runs `fixlog declare`.
pub async fn declare(args: DeclareArgs) -> Result<(), Failure> {
    let server = args.server.trim_end_matches('/').to_owned();
    let signer = fixlog_server::keys::read(&args.key, args.origin.as_deref())
        .map_err(|error| Failure::operational(format!("--key {}: {error}", args.key.display())))?;
    let report = fixlog_verify::verify_publisher(&fixlog_verify::OnlineOptions::new(&server))
        .await
        .map_err(|error| Failure::operational(error.to_string()))?;
    let formats = formats(&server).await?;
    std::fs::create_dir_all(&args.out)
        .map_err(|error| Failure::operational(format!("--out {}: {error}", args.out.display())))?;
    let write = |name: &str, bytes: &[u8]| {
        let path = args.out.join(name);
        std::fs::write(&path, bytes)
            .map_err(|error| Failure::operational(format!("{}: {error}", path.display())))
    };
    let report_json = report.to_json() + "\n";
    write("verify-report.json", report_json.as_bytes())?;
    write("verify-report.html", report.to_html().as_bytes())?;
    let report_sha256: String = Sha256::digest(report_json.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let mut mapping = String::from(
        "# Evidence mapped to NIST CSF 2.0 subcategories\n\n\
Subcategory texts are quoted from the CSF 2.0 Core (NIST CSWP 29, 2024-02-26). The CSF states \
outcomes of an organization's own cybersecurity risk management; this log is evidence that some \
activities behind an outcome take place. It is never a claim that an outcome is achieved, and it \
makes no claim of compliance with any regulation or standard.\n\n\
| Subcategory | CSF 2.0 text | Evidence | What the evidence shows, and does not |\n|---|---|---|---|\n",
    );
    for row in CSF_MAPPING {
        mapping.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            row.id, row.text, row.evidence, row.relation
        ));
    }
    write("csf-mapping.md", mapping.as_bytes())?;
    let errors = report.count(fixlog_verify::Severity::Error);
    let declaration = json!({
        "log_page": server,
        "formats": formats,
        "verify": {
            "verdict": report.verdict,
            "errors": errors,
            "warnings": report.count(fixlog_verify::Severity::Warning),
            "report": "verify-report.json",
            "report_sha256": report_sha256,
            "checkpoint": {"origin": report.checked.origin, "size": report.checked.size, "root": report.checked.root},
        },
        "csf_mapping": "csf-mapping.md",
        "signed_by": signer.verifier_key(),
    });
    write(
        "declaration.json",
        (serde_json::to_string_pretty(&declaration).expect("json") + "\n").as_bytes(),
    )?;
    if errors > 0 {
        return Err(Failure::finding(format!(
            "{server}: verify found {errors} errors; nothing was signed (see {})",
            args.out.join("verify-report.html").display()
        )));
    }
    let mut text = format!("fixlog declaration of format compliance v1\nlog page: {server}\n");
    if let Some(formats) = formats.as_object() {
        if let Some(openapi) = formats.get("openapi") {
            text.push_str(&format!(
                "implements: OpenAPI {}\n",
                openapi["version"].as_str().unwrap_or("?")
            ));
        }
        if let Some(restconf) = formats.get("restconf") {
            text.push_str("implements: RFC 8639, RFC 8650, RFC 7951, RFC 8525\n");
            for module in restconf["modules"].as_array().into_iter().flatten() {
                text.push_str(&format!(
                    "yang module: {}@{}\n",
                    module["name"].as_str().unwrap_or("?"),
                    module["revision"].as_str().unwrap_or("?")
                ));
            }
        }
        if let Some(csaf) = formats.get("csaf") {
            text.push_str(&format!(
                "implements: CSAF {}\n",
                csaf["metadata_version"].as_str().unwrap_or("2.0")
            ));
        }
        if let Some(tlog) = formats.get("tlog") {
            text.push_str(&format!(
                "implements: C2SP tlog-checkpoint, tlog-tiles (origin {})\n",
                tlog["origin"].as_str().unwrap_or("?")
            ));
        }
    }
    text.push_str(&format!(
        "verify: pass, {} warnings, checkpoint size {} root {}\nverify report sha256: {report_sha256}\ncsf mapping: csf-mapping.md (evidence only; no claim of compliance)\n",
        report.count(fixlog_verify::Severity::Warning),
        report.checked.size.map_or_else(|| "-".to_owned(), |size| size.to_string()),
        report.checked.root.as_deref().unwrap_or("-"),
    ));
    let note = fixlog_tlog::sign_note(&text, &[&signer])
        .map_err(|error| Failure::operational(format!("signing: {error}")))?;
    write("declaration.txt", note.as_bytes())?;
    println!("{}", args.out.join("declaration.txt").display());
    Ok(())
}
