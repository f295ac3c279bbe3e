//! `fixlog verify`: wiring of `fixlog-verify` to flags, output and exit codes.

use std::path::PathBuf;

use clap::Args;
use fixlog_tlog::Verifier;
use fixlog_verify::{
    AuthenticInput, OnlineOptions, Report, Severity, StateDir, Verdict, VerifyError,
    verify_proof_files, verify_publisher,
};

use crate::Failure;

/// `fixlog verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Base URL of the publisher to check.
    #[arg(required_unless_present = "proof", conflicts_with = "proof")]
    pub url: Option<String>,
    /// Directory remembering the log key and last verified checkpoint per origin.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Pin the log verifier key (`name+id+base64`, or a file holding it).
    #[arg(long)]
    pub key: Option<String>,
    /// Print one JSON document {verdict, subject, findings, checked} instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also write the JSON report to this file.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Offline: verify this c2sp.org/tlog-proof@v1 file (needs --policy).
    #[arg(long, requires = "policy")]
    pub proof: Option<PathBuf>,
    /// Offline: the c2sp.org/tlog-policy file naming the log key and witness quorum.
    #[arg(long, requires = "proof")]
    pub policy: Option<PathBuf>,
    /// Offline: check that this image file is one of the entry's images (by SHA-256).
    #[arg(long, requires = "proof")]
    pub image: Option<PathBuf>,
    /// Requests in flight at most while fetching tiles.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
}

/// Runs the checks and prints the report; exit 1 when a finding is an error.
pub async fn verify(args: VerifyArgs) -> Result<(), Failure> {
    let report = match (&args.proof, &args.policy, &args.url) {
        (Some(proof), Some(policy), _) => {
            verify_proof_files(proof, policy, args.image.as_deref()).map_err(operational)?
        }
        (_, _, Some(url)) => {
            let pinned_key = match &args.key {
                Some(key) => Some(read_key(key)?),
                None => None,
            };
            let options = OnlineOptions {
                url: url.clone(),
                authentic: AuthenticInput {
                    pinned_key,
                    state: args.state.as_ref().map(StateDir::new),
                },
                concurrency: args.concurrency,
            };
            verify_publisher(&options).await.map_err(operational)?
        }
        _ => {
            return Err(Failure::operational(
                "verify needs a URL, or --proof FILE with --policy FILE",
            ));
        }
    };
    print(&report, &args)?;
    match report.verdict {
        Verdict::Pass => Ok(()),
        Verdict::Fail => Err(Failure::finding(format!(
            "{}: {} error findings",
            report.subject,
            report.count(Severity::Error)
        ))),
    }
}

fn print(report: &Report, args: &VerifyArgs) -> Result<(), Failure> {
    if let Some(path) = &args.report {
        std::fs::write(path, report.to_json() + "\n").map_err(|error| {
            Failure::operational(format!("--report {}: {error}", path.display()))
        })?;
    }
    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_text());
    }
    Ok(())
}

/// A verifier key given inline, or the first line of a file holding one.
fn read_key(key: &str) -> Result<Verifier, Failure> {
    if let Ok(verifier) = Verifier::from_vkey(key.trim()) {
        return Ok(verifier);
    }
    let text = std::fs::read_to_string(key).map_err(|_| {
        Failure::operational(format!(
            "--key {key:?}: not a verifier key or a readable file"
        ))
    })?;
    Verifier::from_vkey(text.trim())
        .map_err(|error| Failure::operational(format!("--key {key}: {error}")))
}

fn operational(error: VerifyError) -> Failure {
    Failure::operational(error.to_string())
}
