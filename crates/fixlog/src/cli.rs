//! The command line, as clap derive types.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// fixlog: the firmware security update log for industrial control equipment.
#[derive(Debug, Parser)]
#[command(name = "fixlog", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the publisher (HTML page, JSON API, transparency log).
    Serve(ServeArgs),
    /// Create an Ed25519 log signing key (file mode 0600) and print its verifier key.
    Keygen(KeygenArgs),
    /// Manage API tokens.
    Token {
        /// Token command.
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Publish to a running server (token from FIXLOG_TOKEN).
    Publish {
        /// What to publish.
        #[command(subcommand)]
        command: PublishCommand,
    },
    /// Import security issues from a defect tracker as advisory drafts (token from
    /// FIXLOG_TOKEN, role editor); nothing is public until an approver publishes a draft.
    Import {
        /// Which tracker.
        #[command(subcommand)]
        command: crate::import::ImportCommand,
    },
    /// Write renderings of the log to files: the CSAF 2.0 provider tree, OSV, CycloneDX VEX.
    Export {
        /// Which rendering.
        #[command(subcommand)]
        command: crate::csaf::ExportCommand,
    },
    /// Print the OpenAPI 3.0 document of the JSON API.
    Openapi,
    /// Check a publisher from outside (or a proof file offline); exit 0 conforming, 1 error
    /// findings, 2 could not check.
    Verify(crate::verify::VerifyArgs),
    /// Is this file a vendor-released image, and which CVEs are open or fixed for it? Exit 0
    /// when every file is a published release, 1 otherwise.
    CheckImage(crate::check_image::CheckImageArgs),
    /// Write the manufacturer's signed declaration of format compliance (with the verify
    /// report it rests on and a NIST CSF 2.0 evidence mapping).
    Declare(crate::declare::DeclareArgs),
    /// Witness keys and a stateless test cosigner (C2SP cosignature/v1).
    Witness {
        /// Witness command.
        #[command(subcommand)]
        command: crate::witness::WitnessCommand,
    },
    /// Write a c2sp.org/tlog-policy file (log key, witnesses, quorum) for `verify --proof`.
    Policy(crate::witness::PolicyArgs),
    /// Monitor supplier logs: probe on a schedule, report, serve a status page.
    Monitor {
        /// Monitor command.
        #[command(subcommand)]
        command: crate::monitor::MonitorCommand,
    },
    /// Evidence bundles of `fixlog monitor`: check seals, signatures, timestamps and chains.
    Evidence {
        /// Evidence command.
        #[command(subcommand)]
        command: crate::evidence::EvidenceCommand,
    },
    /// OpenPGP keys that sign the CSAF documents (`.asc`, role csaf_trusted_provider).
    Openpgp {
        /// OpenPGP command.
        #[command(subcommand)]
        command: crate::openpgp::OpenpgpCommand,
    },
}

/// `fixlog serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Database URL: sqlite://PATH (embedded, default) or postgres://…
    #[arg(long, env = "FIXLOG_DB", default_value = "sqlite://fixlog.db")]
    pub db: String,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "FIXLOG_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Public base URL used in links (default: `http://<listen address>`).
    #[arg(long, env = "FIXLOG_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Log signing key file (from `fixlog keygen`, or PKCS#8 PEM with --origin).
    #[arg(long, env = "FIXLOG_KEY")]
    pub key: Option<PathBuf>,
    /// Log origin (key name) for a PEM key.
    #[arg(long, env = "FIXLOG_ORIGIN")]
    pub origin: Option<String>,
    /// Load the built-in demo manufacturer into an empty database and use the public demo key
    /// when no key is given.
    #[arg(long)]
    pub demo: bool,
    /// Armored OpenPGP secret key (from `fixlog openpgp keygen`) that signs the CSAF documents
    /// (`.asc`) and makes the provider a csaf_trusted_provider; with --demo and no key, the
    /// public demo OpenPGP key.
    #[arg(long, env = "FIXLOG_OPENPGP_KEY")]
    pub openpgp_key: Option<PathBuf>,
    /// Days without a release or advisory entry after which the log page shows a supported
    /// product line as a coverage gap.
    #[arg(long, env = "FIXLOG_GAP_DAYS", default_value_t = 180)]
    pub gap_days: u32,
    /// Accept cosignatures from this witness (cosignature/v1 verifier key, or a file holding
    /// one); repeatable.
    #[arg(long = "witness")]
    pub witnesses: Vec<String>,
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, env = "FIXLOG_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "FIXLOG_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Per-address abuse limits.
    #[command(flatten)]
    pub limits: crate::serve::LimitArgs,
}

/// `fixlog keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Log origin, used as the key name (e.g. psirt.example.com/fixlog).
    #[arg(long)]
    pub origin: String,
    /// Where to write the key (must not exist).
    #[arg(long)]
    pub out: PathBuf,
}

/// Token subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it (only the token) on stdout.
    Create(TokenCreateArgs),
}

/// `fixlog token create`.
#[derive(Debug, Args)]
pub struct TokenCreateArgs {
    /// Database URL of the server.
    #[arg(long, env = "FIXLOG_DB", default_value = "sqlite://fixlog.db")]
    pub db: String,
    /// publisher (releases), editor (products, advisories, drafts), approver (approves
    /// drafts) or admin (everything).
    #[arg(long)]
    pub role: String,
    /// A name to recognise the token by in the audit log.
    #[arg(long, default_value = "token")]
    pub name: String,
    /// Expire after this many days.
    #[arg(long)]
    pub expires_days: Option<u32>,
}

/// Publish subcommands.
#[derive(Debug, Subcommand)]
pub enum PublishCommand {
    /// Hash firmware images (SHA-256 and SHA3-256 in one pass) and publish the release.
    // `--version` is the release's version here, not the propagated print-version flag.
    #[command(disable_version_flag = true)]
    Release(ReleaseArgs),
    /// Create or revise an advisory from a JSON file (the POST /api/v1/advisories body).
    Advisory(FileArgs),
    /// Register or update a product from a JSON file (the POST /api/v1/products body).
    Product(FileArgs),
}

/// Where the server is and how to authenticate.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Base URL of the fixlog server.
    #[arg(long, env = "FIXLOG_URL")]
    pub server: String,
    /// API token (read from the environment; never pass it on the command line).
    #[arg(
        long = "token-env-only",
        env = "FIXLOG_TOKEN",
        hide = true,
        hide_env_values = true
    )]
    pub token: Option<String>,
}

/// `fixlog publish release`.
#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// Server and token.
    #[command(flatten)]
    pub server: ServerArgs,
    /// Product id.
    #[arg(long)]
    pub product: String,
    /// Version in the product's scheme.
    #[arg(long)]
    pub version: String,
    /// Patch release date, YYYY-MM-DD.
    #[arg(long)]
    pub released: String,
    /// Image files (one or more).
    #[arg(long = "image", required = true, num_args = 1..)]
    pub images: Vec<PathBuf>,
    /// CVE ids this release fixes.
    #[arg(long = "fixes", num_args = 1..)]
    pub fixes: Vec<String>,
    /// Also the CVEs a tracker says this version fixes: jira:JQL, bugzilla:QUERY or
    /// gitlab:LABEL (tracker URL from JIRA_URL, BUGZILLA_URL or GITLAB_URL + GITLAB_PROJECT).
    #[arg(long = "fixes-from")]
    pub fixes_from: Vec<String>,
    /// Download URL of the image (with one image).
    #[arg(long)]
    pub url: Option<String>,
    /// Replace the image of an already published version (sequence number of its entry).
    #[arg(long)]
    pub supersedes: Option<u64>,
    /// Write a receipt (entry, digests, proof URL) as JSON to this file.
    #[arg(long)]
    pub receipt: Option<PathBuf>,
    /// Print the full response as JSON instead of the sequence number.
    #[arg(long)]
    pub json: bool,
}

/// A JSON body from a file.
#[derive(Debug, Args)]
pub struct FileArgs {
    /// Server and token.
    #[command(flatten)]
    pub server: ServerArgs,
    /// JSON file with the request body.
    #[arg(long)]
    pub file: PathBuf,
    /// Print the full response as JSON instead of the sequence number.
    #[arg(long)]
    pub json: bool,
}
