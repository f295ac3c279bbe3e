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
    /// Also write the report to this file: one self-contained HTML page when the name ends
    /// in `.html`, otherwise the JSON document.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Digest algorithms that identify a release image (sha-256, sha3-256, sha-512);
    /// repeatable. Default: sha-256 and sha3-256.
    #[arg(long = "accept-digest", value_name = "ALGORITHM")]
    pub accept_digest: Vec<fixlog_verify::DigestAlgorithm>,
    /// Longest time a product on sale or in mainstream support may go without an entry
    /// (e.g. 180d).
    #[arg(long, default_value = "180d", value_parser = parse_days)]
    pub max_silence: time::Duration,
    /// Extra trusted root certificate(s), PEM (for a publisher with a private CA).
    #[arg(long = "ca", value_name = "FILE")]
    pub ca: Vec<PathBuf>,
    /// A response slower than this many milliseconds is a warning.
    #[arg(long, default_value_t = 2000)]
    pub slow_ms: u64,
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
            let mut options = OnlineOptions::new(url.clone());
            options.authentic = AuthenticInput {
                pinned_key,
                state: args.state.as_ref().map(StateDir::new),
            };
            options.concurrency = args.concurrency;
            if !args.accept_digest.is_empty() {
                options.complete.accepted_digests = args.accept_digest.clone();
            }
            options.complete.max_silence = args.max_silence;
            options.access.slow_ms = args.slow_ms as f64;
            for path in &args.ca {
                options
                    .extra_roots
                    .push(std::fs::read(path).map_err(|error| {
                        Failure::operational(format!("--ca {}: {error}", path.display()))
                    })?);
            }
            let bar = crate::progress::bar_on_terminal();
            options.progress = bar.as_ref().map(crate::progress::callback);
            let report = verify_publisher(&options).await;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            report.map_err(operational)?
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
        let contents = if path
            .extension()
            .is_some_and(|extension| extension == "html")
        {
            report.to_html()
        } else {
            report.to_json() + "\n"
        };
        std::fs::write(path, contents).map_err(|error| {
            Failure::operational(format!("--report {}: {error}", path.display()))
        })?;
    }
    if args.json {
        println!("{}", report.to_json());
    } else {
        use std::io::IsTerminal as _;
        print!("{}", report.to_text_styled(std::io::stdout().is_terminal()));
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

/// `180d`, `12h`, `30m` or a bare number of days.
fn parse_days(text: &str) -> Result<time::Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((index, _)) => text.split_at(index),
        None => (text, "d"),
    };
    let number: i64 = number
        .parse()
        .map_err(|_| format!("{text:?}: expected a duration like 180d"))?;
    match unit {
        "d" => Ok(time::Duration::days(number)),
        "h" => Ok(time::Duration::hours(number)),
        "m" => Ok(time::Duration::minutes(number)),
        "w" => Ok(time::Duration::weeks(number)),
        _ => Err(format!("{text:?}: the unit is d, w, h or m")),
    }
}
