//! `fixlog evidence verify`: wiring of `fixlog-evidence` to flags, output and exit codes.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use fixlog_evidence::verify::{Options, Report, Severity, verify_path};

use crate::Failure;

/// `fixlog evidence …`.
#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Check an evidence bundle, or every bundle below a folder and their hash chains; exit 0
    /// intact, 1 broken, 2 could not check.
    Verify(EvidenceVerifyArgs),
}

/// `fixlog evidence verify`.
#[derive(Debug, Args)]
pub struct EvidenceVerifyArgs {
    /// A bundle directory (`….evb`) or a folder of them (e.g. the monitor's evidence_dir).
    pub path: PathBuf,
    /// Pin the monitor's public key: SPKI PEM, `name+id+base64`, base64 of the 32 bytes, or
    /// a file holding one of these.
    #[arg(long)]
    pub key: Option<String>,
    /// Print the report as one JSON document `{intact, chains_checked, bundles, findings}`,
    /// each finding `{id, severity, bundle, file, message}`.
    #[arg(long)]
    pub json: bool,
}

/// Runs `fixlog evidence`.
pub fn run(command: EvidenceCommand) -> Result<(), Failure> {
    match command {
        EvidenceCommand::Verify(args) => verify(args),
    }
}

fn verify(args: EvidenceVerifyArgs) -> Result<(), Failure> {
    let key = match &args.key {
        None => None,
        Some(value) => {
            let path = std::path::Path::new(value);
            let text = if path.is_file() {
                std::fs::read_to_string(path).map_err(|error| {
                    Failure::operational(format!("--key {}: {error}", path.display()))
                })?
            } else {
                value.clone()
            };
            Some(
                fixlog_evidence::parse_public_key(&text, "--key")
                    .map_err(|error| Failure::operational(error.to_string()))?,
            )
        }
    };
    let report = verify_path(&args.path, &Options { key })
        .map_err(|error| Failure::operational(error.to_string()))?;
    if args.json {
        let document = serde_json::json!({
            "intact": report.intact(),
            "chains_checked": report.chains_checked,
            "bundles": report.bundles,
            "findings": report.findings,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&document).unwrap_or_default()
        );
    } else {
        print_text(&report);
    }
    if report.intact() {
        Ok(())
    } else {
        let errors = report
            .findings
            .iter()
            .filter(|finding| finding.severity == Severity::Error)
            .count();
        Err(Failure::finding(format!(
            "evidence broken: {errors} error finding(s) in {} bundle(s)",
            report.bundles.len()
        )))
    }
}

fn print_text(report: &Report) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for finding in &report.findings {
        let severity = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let file = finding
            .file
            .as_ref()
            .map(|file| format!("/{file}"))
            .unwrap_or_default();
        // A closed pipe (`| head`) ends the output quietly.
        if writeln!(
            out,
            "{severity} {} {}{file}: {}",
            finding.id,
            finding.bundle.display(),
            finding.message
        )
        .is_err()
        {
            return;
        }
    }
    let timestamped = report
        .bundles
        .iter()
        .filter(|bundle| bundle.timestamp.is_some())
        .count();
    let _ = writeln!(
        out,
        "{} bundle(s), {timestamped} with a verified RFC 3161 token, {}: {}",
        report.bundles.len(),
        if report.chains_checked {
            "hash chains checked"
        } else {
            "single bundle (pass the folder to check its chain)"
        },
        if report.intact() { "intact" } else { "BROKEN" }
    );
}
