//! `fixlog witness keygen|cosign` and `fixlog policy`.
//!
//! `witness keygen` writes a C2SP `cosignature/v1` key (type 0x04) in the Go signer-key text
//! form `PRIVATE+KEY+<name>+<id>+base64(0x04 ‖ seed)`, mode 0600, and prints its verifier key,
//! which the log operator passes to `fixlog serve --witness`. `witness cosign` is a minimal,
//! stateless cosigner for tests and demonstrations: it checks the log's signature on the
//! current checkpoint, cosigns it and submits the line to `POST /tlog/cosignature`. It keeps no
//! history, so unlike a real witness (C2SP tlog-witness) it does not refuse an inconsistent tree.
//!
//! `fixlog policy` writes a `c2sp.org/tlog-policy` file naming the log key, the witnesses and
//! a quorum, for `fixlog verify --proof … --policy …`.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use clap::{Args, Subcommand};
use ed25519_dalek::SigningKey;
use fixlog_tlog::{
    Cosigner, KeyKind, Note, Policy, PolicyGroup, PolicyLog, PolicyWitness, TYPE_COSIGNATURE_V1,
    Verifier, key_id, open_checkpoint, parse_note,
};

use crate::Failure;

/// Witness subcommands.
#[derive(Debug, Subcommand)]
pub enum WitnessCommand {
    /// Create a cosignature/v1 witness key (file mode 0600) and print its verifier key.
    Keygen(WitnessKeygenArgs),
    /// Cosign the server's current checkpoint and submit the cosignature (a stateless test
    /// witness: it does not check consistency with earlier checkpoints).
    Cosign(WitnessCosignArgs),
}

/// `fixlog witness keygen`.
#[derive(Debug, Args)]
pub struct WitnessKeygenArgs {
    /// Witness key name, e.g. witness.example.org/w1.
    #[arg(long)]
    pub name: String,
    /// Where to write the key (must not exist).
    #[arg(long)]
    pub out: PathBuf,
}

/// `fixlog witness cosign`.
#[derive(Debug, Args)]
pub struct WitnessCosignArgs {
    /// Witness key file from `fixlog witness keygen`.
    #[arg(long)]
    pub key: PathBuf,
    /// Base URL of the fixlog server.
    #[arg(long)]
    pub server: String,
    /// The log's verifier key; without it the key served at /tlog/key is trusted.
    #[arg(long)]
    pub log_key: Option<String>,
}

/// `fixlog policy`.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Base URL of the fixlog server (its log key and, unless --witness is given, its witnesses).
    #[arg(long)]
    pub server: String,
    /// Pin the log verifier key instead of reading /tlog/key.
    #[arg(long)]
    pub key: Option<String>,
    /// Witness verifier keys (repeatable); default: the server's /tlog/witnesses.
    #[arg(long = "witness")]
    pub witnesses: Vec<String>,
    /// How many witnesses must have cosigned (0 = none).
    #[arg(long)]
    pub quorum: usize,
    /// Where to write the policy.
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs a witness subcommand.
pub async fn run(command: WitnessCommand) -> Result<(), Failure> {
    match command {
        WitnessCommand::Keygen(args) => keygen(&args),
        WitnessCommand::Cosign(args) => cosign(&args).await,
    }
}

fn keygen(args: &WitnessKeygenArgs) -> Result<(), Failure> {
    let mut seed = [0u8; 32];
    getrandom(&mut seed)?;
    let cosigner = Cosigner::new(&args.name, SigningKey::from_bytes(&seed))
        .map_err(|error| Failure::operational(format!("--name {:?}: {error}", args.name)))?;
    let mut bytes = vec![TYPE_COSIGNATURE_V1];
    bytes.extend_from_slice(&seed);
    let text = format!(
        "PRIVATE+KEY+{}+{:08x}+{}\n",
        cosigner.name(),
        cosigner.key_id(),
        BASE64.encode(bytes)
    );
    write_private(&args.out, &text)
        .map_err(|error| Failure::operational(format!("--out {}: {error}", args.out.display())))?;
    println!("{}", cosigner.verifier_key());
    Ok(())
}

fn getrandom(seed: &mut [u8; 32]) -> Result<(), Failure> {
    getrandom::fill(seed).map_err(|error| Failure::operational(format!("no randomness: {error}")))
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// Reads a witness key file written by `fixlog witness keygen`.
pub fn read_cosigner(path: &Path) -> Result<Cosigner, Failure> {
    let fail =
        |message: String| Failure::operational(format!("--key {}: {message}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|error| fail(error.to_string()))?;
    let rest = text
        .trim()
        .strip_prefix("PRIVATE+KEY+")
        .ok_or_else(|| fail("not a PRIVATE+KEY witness key".to_owned()))?;
    // The name cannot contain '+'; the base64 part can.
    let mut parts = rest.splitn(3, '+');
    let (Some(name), Some(id), Some(encoded)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(fail("malformed key".to_owned()));
    };
    let bytes = BASE64
        .decode(encoded)
        .map_err(|_| fail("malformed base64".to_owned()))?;
    let Some((&TYPE_COSIGNATURE_V1, seed)) = bytes.split_first() else {
        return Err(fail("not a cosignature/v1 (type 0x04) key".to_owned()));
    };
    let seed: [u8; 32] = seed
        .try_into()
        .map_err(|_| fail("the seed is not 32 bytes".to_owned()))?;
    let cosigner = Cosigner::new(name, SigningKey::from_bytes(&seed))
        .map_err(|error| fail(error.to_string()))?;
    let expected = key_id(
        name,
        TYPE_COSIGNATURE_V1,
        SigningKey::from_bytes(&seed).verifying_key().as_bytes(),
    );
    if format!("{expected:08x}") != id {
        return Err(fail(format!("key id {id} does not match the key")));
    }
    Ok(cosigner)
}

fn client() -> Result<reqwest::Client, Failure> {
    reqwest::Client::builder()
        .user_agent(concat!("fixlog/", env!("CARGO_PKG_VERSION")))
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .map_err(|error| Failure::operational(format!("HTTP client: {error}")))
}

async fn get_text(client: &reqwest::Client, url: &str) -> Result<String, Failure> {
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|error| Failure::operational(format!("{url}: {error}")))?;
    let status = response.status();
    if !status.is_success() {
        return Err(Failure::operational(format!("{url}: HTTP {status}")));
    }
    response
        .text()
        .await
        .map_err(|error| Failure::operational(format!("{url}: {error}")))
}

/// A verifier key given inline, or the first line of a file holding one.
fn vkey_argument(flag: &str, value: &str) -> Result<Verifier, Failure> {
    if let Ok(key) = Verifier::from_vkey(value.trim()) {
        return Ok(key);
    }
    let text = std::fs::read_to_string(value).map_err(|_| {
        Failure::operational(format!(
            "{flag} {value:?}: not a verifier key or a readable file"
        ))
    })?;
    Verifier::from_vkey(text.trim())
        .map_err(|error| Failure::operational(format!("{flag} {value}: {error}")))
}

async fn log_key(
    client: &reqwest::Client,
    base: &str,
    pinned: Option<&str>,
    flag: &str,
) -> Result<Verifier, Failure> {
    let key = match pinned {
        Some(value) => vkey_argument(flag, value)?,
        None => {
            let url = format!("{base}/tlog/key");
            let text = get_text(client, &url).await?;
            Verifier::from_vkey(text.trim())
                .map_err(|error| Failure::operational(format!("{url}: {error}")))?
        }
    };
    if key.kind() != KeyKind::Ed25519 {
        return Err(Failure::operational(format!(
            "{flag}: {} is not a log (Ed25519 note) key",
            key.name()
        )));
    }
    Ok(key)
}

async fn cosign(args: &WitnessCosignArgs) -> Result<(), Failure> {
    let cosigner = read_cosigner(&args.key)?;
    let client = client()?;
    let base = args.server.trim_end_matches('/');
    let log_key = log_key(&client, base, args.log_key.as_deref(), "--log-key").await?;
    let url = format!("{base}/tlog/checkpoint");
    let note = get_text(&client, &url).await?;
    let (checkpoint, _) = open_checkpoint(&note, std::slice::from_ref(&log_key))
        .map_err(|error| Failure::finding(format!("{url}: {error}")))?;
    let parsed = parse_note(&note).map_err(|error| Failure::finding(format!("{url}: {error}")))?;
    let log_signatures = parsed
        .signatures
        .into_iter()
        .filter(|line| line.name == log_key.name() && line.key_id == log_key.key_id())
        .collect();
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
    let line = cosigner
        .cosign(&parsed.text, timestamp)
        .map_err(|error| Failure::operational(format!("cosigning: {error}")))?;
    let mut submission = Note {
        text: parsed.text,
        signatures: log_signatures,
    };
    submission.signatures.push(line);
    let submit = format!("{base}/tlog/cosignature");
    let response = client
        .post(&submit)
        .header("content-type", "text/plain; charset=utf-8")
        .body(submission.to_string())
        .send()
        .await
        .map_err(|error| Failure::operational(format!("{submit}: {error}")))?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(Failure::finding(format!(
            "{submit}: HTTP {status}: {}",
            body.lines().find(|l| l.contains("detail")).unwrap_or(&body)
        )));
    }
    println!(
        "cosigned {} size {} at {timestamp} ({})",
        checkpoint.origin,
        checkpoint.size,
        if status.as_u16() == 201 {
            "stored"
        } else {
            "already stored"
        }
    );
    Ok(())
}

/// The `--witness` values of `fixlog serve`: verifier keys inline or in files.
pub fn witnesses_argument(values: &[String]) -> Result<fixlog_server::witness::Witnesses, Failure> {
    let keys: Vec<String> = values
        .iter()
        .map(|value| vkey_argument("--witness", value).map(|key| key.to_vkey()))
        .collect::<Result<_, _>>()?;
    fixlog_server::witness::Witnesses::from_vkeys(keys.iter().map(String::as_str))
        .map_err(|error| Failure::operational(format!("--witness {error}")))
}

/// `fixlog policy`: writes a c2sp.org/tlog-policy file for the server's log.
pub async fn policy(args: PolicyArgs) -> Result<(), Failure> {
    let client = client()?;
    let base = args.server.trim_end_matches('/');
    let log = log_key(&client, base, args.key.as_deref(), "--key").await?;
    let witness_keys: Vec<Verifier> = if args.witnesses.is_empty() {
        let url = format!("{base}/tlog/witnesses");
        get_text(&client, &url)
            .await?
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                Verifier::from_vkey(line.trim())
                    .map_err(|error| Failure::operational(format!("{url}: {error}")))
            })
            .collect::<Result<_, _>>()?
    } else {
        args.witnesses
            .iter()
            .map(|value| vkey_argument("--witness", value))
            .collect::<Result<_, _>>()?
    };
    if let Some(key) = witness_keys
        .iter()
        .find(|key| key.kind() != KeyKind::CosignatureV1)
    {
        return Err(Failure::operational(format!(
            "--witness {}: not a cosignature/v1 key",
            key.name()
        )));
    }
    if args.quorum > witness_keys.len() {
        return Err(Failure::operational(format!(
            "--quorum {}: only {} witnesses are known",
            args.quorum,
            witness_keys.len()
        )));
    }
    let witnesses: Vec<PolicyWitness> = witness_keys
        .into_iter()
        .map(|key| PolicyWitness {
            name: key.name().to_owned(),
            key,
            url: None,
        })
        .collect();
    let (groups, quorum) = if args.quorum == 0 {
        (vec![], None)
    } else {
        let group = PolicyGroup {
            name: "witnesses".to_owned(),
            threshold: args.quorum,
            members: witnesses.iter().map(|w| w.name.clone()).collect(),
        };
        (vec![group], Some("witnesses".to_owned()))
    };
    let policy = Policy {
        logs: vec![PolicyLog {
            key: log,
            url: Some(base.to_owned()),
        }],
        witnesses,
        groups,
        quorum,
    };
    let text = format!(
        "# c2sp.org/tlog-policy for {base}: log key, witnesses, quorum {}\n{}",
        args.quorum,
        policy.to_text()
    );
    // Check the file reads back before writing it.
    Policy::parse(&text).map_err(|error| Failure::operational(format!("policy: {error}")))?;
    std::fs::write(&args.out, text)
        .map_err(|error| Failure::operational(format!("--out {}: {error}", args.out.display())))?;
    Ok(())
}
