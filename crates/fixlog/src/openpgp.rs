//! `fixlog openpgp keygen` and the OpenPGP key file that signs CSAF documents (`fixlog serve
//! --openpgp-key`, `fixlog export csaf --openpgp-key`).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use fixlog_csaf::openpgp::SigningKey;
use time::OffsetDateTime;

use crate::Failure;

/// `fixlog openpgp …`.
#[derive(Debug, Subcommand)]
pub enum OpenpgpCommand {
    /// Create an Ed25519 OpenPGP key for signing CSAF documents (armored, file mode 0600) and
    /// print its fingerprint.
    Keygen(OpenpgpKeygenArgs),
}

/// `fixlog openpgp keygen`.
#[derive(Debug, Args)]
pub struct OpenpgpKeygenArgs {
    /// Where to write the armored secret key (must not exist).
    #[arg(long)]
    pub out: PathBuf,
    /// The key's user id, e.g. "ACME PSIRT <psirt@acme.example>".
    #[arg(long)]
    pub uid: String,
}

/// Runs an `openpgp` subcommand.
pub fn run(command: OpenpgpCommand) -> Result<(), Failure> {
    match command {
        OpenpgpCommand::Keygen(args) => keygen(&args),
    }
}

fn keygen(args: &OpenpgpKeygenArgs) -> Result<(), Failure> {
    if args.uid.trim().is_empty() {
        return Err(Failure::operational(
            "--uid: give a user id such as \"ACME PSIRT <psirt@acme.example>\"",
        ));
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|error| Failure::operational(format!("no randomness: {error}")))?;
    let key = SigningKey::generate(&args.uid, seed, OffsetDateTime::now_utc())
        .map_err(|error| Failure::operational(format!("--uid {:?}: {error}", args.uid)))?;
    let armored = key
        .to_armored()
        .map_err(|error| Failure::operational(error.to_string()))?;
    let out = |error: std::io::Error| {
        Failure::operational(format!("--out {}: {error}", args.out.display()))
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(&args.out).map_err(out)?;
    file.write_all(armored.as_bytes()).map_err(out)?;
    file.sync_all().map_err(out)?;
    println!("{}", key.fingerprint());
    Ok(())
}

/// Reads an armored secret key written by `fixlog openpgp keygen` or `gpg --export-secret-keys
/// --armor`; refuses a file readable by group or others.
pub fn read_key(path: &Path, flag: &str) -> Result<SigningKey, Failure> {
    let shown = path.display();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let metadata = std::fs::metadata(path)
            .map_err(|error| Failure::operational(format!("{flag} {shown}: {error}")))?;
        if metadata.permissions().mode() & 0o077 != 0 {
            return Err(Failure::operational(format!(
                "{flag} {shown}: key file must not be readable by group or others (chmod 600)"
            )));
        }
    }
    let text = std::fs::read_to_string(path)
        .map_err(|error| Failure::operational(format!("{flag} {shown}: {error}")))?;
    SigningKey::from_armored(&text)
        .map_err(|error| Failure::operational(format!("{flag} {shown}: {error}")))
}
