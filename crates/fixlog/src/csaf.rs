//! `fixlog import csaf PATH…` and `fixlog export csaf|osv|cyclonedx --out DIR`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use fixlog_api::{Problem, PublishResponse};
use fixlog_csaf::export::{document_bytes, document_path};
use fixlog_csaf::import::import_document;
use fixlog_csaf::provider::{self, Provider, Published};
use fixlog_model::{ProductId, VersionScheme};
use fixlog_server::routes::csaf::{export_input, render_documents};
use fixlog_verify::wellformed::csaf as wellformed_csaf;
use serde_json::Value;

use crate::Failure;
use crate::cli::ServerArgs;

/// `fixlog import csaf`.
#[derive(Debug, Args)]
pub struct CsafImportArgs {
    /// Base URL of the fixlog server to publish through (token from FIXLOG_TOKEN, role
    /// editor).
    #[arg(long, env = "FIXLOG_URL", conflicts_with = "db")]
    pub server: Option<String>,
    /// API token (read from the environment; never pass it on the command line).
    #[arg(
        long = "token-env-only",
        env = "FIXLOG_TOKEN",
        hide = true,
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Or append directly to this database with the write functions (no request size limit;
    /// needs the log key).
    #[arg(long, requires = "key")]
    pub db: Option<String>,
    /// Log signing key file for --db.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// Log origin for a PEM key.
    #[arg(long)]
    pub origin: Option<String>,
    /// Import documents the validator rejects (they are still reported).
    #[arg(long)]
    pub allow_invalid: bool,
    /// CSAF files, folders (searched recursively for `*.json`), or a provider URL
    /// (`https://…/provider-metadata.json` or a domain base URL).
    #[arg(required = true)]
    pub paths: Vec<String>,
}

/// `fixlog export`.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The CSAF 2.0 provider tree: provider-metadata.json and `white/<year>/<id>.json` with
    /// .sha256/.sha512, index.txt, changes.csv and the ROLIE feed.
    Csaf(ExportArgs),
    /// One OSV record per advisory plus `all.json` (an array of every record).
    Osv(ExportArgs),
    /// One CycloneDX 1.6 VEX document per advisory plus `bundle.cdx.json`.
    Cyclonedx(ExportArgs),
    /// Everything the public read side serves, as files for any web server or CDN (page,
    /// JSON API, CSAF tree, tiles, checkpoint, proofs, YANG modules, Atom) plus
    /// `nginx.conf.example`.
    Static(crate::export_static::StaticArgs),
}

/// Options of every export.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Database of the log to export.
    #[arg(long, env = "FIXLOG_DB", default_value = "sqlite://fixlog.db")]
    pub db: String,
    /// Folder to write into (created).
    #[arg(long)]
    pub out: PathBuf,
    /// Public base URL the files will be served from.
    #[arg(
        long,
        env = "FIXLOG_PUBLIC_URL",
        default_value = "https://psirt.example.com"
    )]
    pub public_url: String,
    /// Publisher name in the documents.
    #[arg(long, env = "FIXLOG_CSAF_PUBLISHER", default_value = "fixlog")]
    pub publisher: String,
    /// Read the log from this fixlog server's public JSON API instead of --db.
    #[arg(long, conflicts_with = "db")]
    pub server: Option<String>,
    /// CSAF only: armored OpenPGP secret key (`fixlog openpgp keygen`) that signs every
    /// document (`.asc`); the public key goes to `openpgp/<FINGERPRINT>.asc` and the role
    /// becomes csaf_trusted_provider.
    #[arg(long, env = "FIXLOG_OPENPGP_KEY")]
    pub openpgp_key: Option<PathBuf>,
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Failure::operational(format!("{}: {e}", parent.display())))?;
    }
    std::fs::write(path, bytes)
        .map_err(|e| Failure::operational(format!("{}: {e}", path.display())))
}

/// Runs an export.
pub async fn export(command: ExportCommand) -> Result<(), Failure> {
    let (kind, args) = match &command {
        ExportCommand::Csaf(args) => ("csaf", args),
        ExportCommand::Osv(args) => ("osv", args),
        ExportCommand::Cyclonedx(args) => ("cyclonedx", args),
        ExportCommand::Static(args) => return crate::export_static::export(args).await,
    };
    let input = match &args.server {
        Some(server) => crate::export_remote::export_input(&client()?, server).await?,
        None => {
            let store = fixlog_server::storage::open_store(&args.db)
                .await
                .map_err(|e| Failure::operational(format!("--db {}: {e}", args.db)))?;
            export_input(store.as_ref())
                .await
                .map_err(|e| Failure::operational(format!("--db {}: {e}", args.db)))?
        }
    };
    let openpgp = match (&args.openpgp_key, kind) {
        (Some(path), "csaf") => Some(crate::openpgp::read_key(path, "--openpgp-key")?),
        _ => None,
    };
    let base = args.public_url.trim_end_matches('/').to_owned();
    let provider = Provider {
        base_url: base.clone(),
        publisher_name: args.publisher.clone(),
        publisher_namespace: base.clone(),
        openpgp_fingerprint: openpgp.as_ref().map(|key| key.fingerprint()),
    };
    let csaf_url = |history: &fixlog_csaf::AdvisoryHistory| {
        format!("{base}/.well-known/csaf/{}", document_path(history))
    };
    match kind {
        "csaf" => {
            let (documents, rejected) = render_documents(&input, &provider);
            for (path, report) in &rejected {
                for finding in &report.findings {
                    eprintln!(
                        "{path}: {} {} {}",
                        finding.test, finding.path, finding.message
                    );
                }
            }
            let white = args.out.join("white");
            for document in &documents {
                let path = white.join(&document.path);
                let name = document.path.rsplit('/').next().unwrap_or_default();
                write(&path, &document.bytes)?;
                for (suffix, sha512) in [("sha256", false), ("sha512", true)] {
                    write(
                        &white.join(format!("{}.{suffix}", document.path)),
                        provider::hash_file(&document.bytes, name, sha512).as_bytes(),
                    )?;
                }
                if let Some(key) = &openpgp {
                    let armored = fixlog_server::routes::csaf::signature(key, document)
                        .map_err(|e| Failure::operational(format!("{}: {e}", document.path)))?;
                    write(
                        &white.join(format!("{}.asc", document.path)),
                        armored.as_bytes(),
                    )?;
                }
            }
            if let Some(key) = &openpgp {
                let public = key
                    .public_key()
                    .to_armored()
                    .map_err(|e| Failure::operational(e.to_string()))?;
                write(
                    &args
                        .out
                        .join("openpgp")
                        .join(format!("{}.asc", key.fingerprint())),
                    public.as_bytes(),
                )?;
            }
            let rows: Vec<Published> = documents.iter().map(|d| d.published.clone()).collect();
            let updated = rows
                .iter()
                .map(|r| r.current_release_date.clone())
                .max()
                .unwrap_or_default();
            write(
                &white.join("index.txt"),
                provider::index_txt(&rows).as_bytes(),
            )?;
            write(
                &white.join("changes.csv"),
                provider::changes_csv(&rows).as_bytes(),
            )?;
            write(
                &white.join("csaf-feed-tlp-white.json"),
                &document_bytes(&provider::rolie_feed(&provider, &rows, &updated)),
            )?;
            write(
                &args.out.join("provider-metadata.json"),
                &document_bytes(&provider::provider_metadata(&provider, &updated)),
            )?;
            println!(
                "{} CSAF documents written to {}; {} invalid, not written",
                documents.len(),
                args.out.display(),
                rejected.len()
            );
            if !rejected.is_empty() {
                return Err(Failure::finding(format!(
                    "{} documents failed validation and were not written",
                    rejected.len()
                )));
            }
        }
        "osv" => {
            let mut all = Vec::new();
            for history in &input.histories {
                let record =
                    fixlog_csaf::osv::osv_record(history, &input.products, &csaf_url(history));
                let errors = fixlog_csaf::schema::schema_errors(
                    fixlog_csaf::schema::SchemaKind::Osv,
                    &record,
                );
                if !errors.is_empty() {
                    return Err(Failure::finding(format!(
                        "{}: OSV schema: {errors:?}",
                        record["id"]
                    )));
                }
                let name = format!("{}.json", history.current().advisory.id);
                write(&args.out.join(name), &document_bytes(&record))?;
                all.push(record);
            }
            write(
                &args.out.join("all.json"),
                &document_bytes(&Value::Array(all.clone())),
            )?;
            println!(
                "{} OSV records written to {}",
                all.len(),
                args.out.display()
            );
        }
        _ => {
            let mut components = BTreeMap::new();
            let mut vulnerabilities = Vec::new();
            for history in &input.histories {
                let vex = fixlog_csaf::cyclonedx::vex_document(
                    history,
                    &input.products,
                    &args.publisher,
                    &csaf_url(history),
                );
                let errors = fixlog_csaf::schema::schema_errors(
                    fixlog_csaf::schema::SchemaKind::CycloneDx,
                    &vex,
                );
                if !errors.is_empty() {
                    return Err(Failure::finding(format!(
                        "{}: CycloneDX schema: {errors:?}",
                        history.current().advisory.id
                    )));
                }
                for component in vex["components"].as_array().into_iter().flatten() {
                    components.insert(component["bom-ref"].to_string(), component.clone());
                }
                vulnerabilities.extend(
                    vex["vulnerabilities"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .cloned(),
                );
                let name = format!("{}.cdx.json", history.current().advisory.id);
                write(&args.out.join(name), &document_bytes(&vex))?;
            }
            let bundle = serde_json::json!({
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "version": 1,
                "components": components.into_values().collect::<Vec<_>>(),
                "vulnerabilities": vulnerabilities,
            });
            write(&args.out.join("bundle.cdx.json"), &document_bytes(&bundle))?;
            println!(
                "{} CycloneDX VEX documents written to {}",
                input.histories.len(),
                args.out.display()
            );
        }
    }
    Ok(())
}

fn client() -> Result<reqwest::Client, Failure> {
    reqwest::Client::builder()
        .user_agent(concat!("fixlog/", env!("CARGO_PKG_VERSION")))
        .timeout(std::time::Duration::from_secs(120))
        .build()
        .map_err(|error| Failure::operational(format!("HTTP client: {error}")))
}

async fn fetch(client: &reqwest::Client, url: &str) -> Result<Vec<u8>, Failure> {
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| Failure::operational(format!("{url}: {e}")))?;
    if !response.status().is_success() {
        return Err(Failure::operational(format!(
            "{url}: HTTP {}",
            response.status()
        )));
    }
    Ok(response
        .bytes()
        .await
        .map_err(|e| Failure::operational(format!("{url}: {e}")))?
        .to_vec())
}

/// Like [`fetch`], but `None` on 404.
async fn fetch_optional(client: &reqwest::Client, url: &str) -> Result<Option<Vec<u8>>, Failure> {
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| Failure::operational(format!("{url}: {e}")))?;
    if response.status() == reqwest::StatusCode::NOT_FOUND {
        return Ok(None);
    }
    if !response.status().is_success() {
        return Err(Failure::operational(format!(
            "{url}: HTTP {}",
            response.status()
        )));
    }
    Ok(Some(
        response
            .bytes()
            .await
            .map_err(|e| Failure::operational(format!("{url}: {e}")))?
            .to_vec(),
    ))
}

/// Fetches the OpenPGP keys `public_openpgp_keys` lists and checks their fingerprints.
async fn provider_keys(
    client: &reqwest::Client,
    metadata: &Value,
) -> Result<Vec<fixlog_csaf::openpgp::PublicKey>, Failure> {
    let mut keys = Vec::new();
    for (fingerprint, url) in wellformed_csaf::listed_keys(metadata) {
        let armored = fetch(client, &url).await?;
        let key = wellformed_csaf::check_openpgp_key(
            &fingerprint,
            &String::from_utf8_lossy(&armored),
            &url,
        )
        .map_err(|finding| {
            Failure::finding(format!(
                "{}: {} ({})",
                finding.subject, finding.message, finding.id
            ))
        })?;
        keys.push(key);
    }
    Ok(keys)
}

/// Collects `(name, bytes)` of every document named by the arguments.
async fn collect(paths: &[String]) -> Result<Vec<(String, Vec<u8>)>, Failure> {
    let mut out = Vec::new();
    for path in paths {
        if path.starts_with("https://") || path.starts_with("http://") {
            let client = client()?;
            let metadata_url = if path.ends_with(".json") {
                path.clone()
            } else {
                format!(
                    "{}/.well-known/csaf/provider-metadata.json",
                    path.trim_end_matches('/')
                )
            };
            let metadata: Value = serde_json::from_slice(&fetch(&client, &metadata_url).await?)
                .map_err(|e| Failure::operational(format!("{metadata_url}: {e}")))?;
            // Signatures (§7.1.19–20, checked as §7.2 asks of a consumer): with the keys the
            // metadata lists, every .asc that exists must verify; a trusted provider must have
            // one for every document.
            let keys = provider_keys(&client, &metadata).await?;
            let trusted = wellformed_csaf::claims_trusted_provider(&metadata);
            for distribution in metadata["distributions"].as_array().into_iter().flatten() {
                let Some(directory) = distribution["directory_url"].as_str() else {
                    continue;
                };
                let directory = directory.trim_end_matches('/');
                let index = fetch(&client, &format!("{directory}/index.txt")).await?;
                for line in String::from_utf8_lossy(&index)
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                {
                    let url = format!("{directory}/{}", line.trim());
                    let bytes = fetch(&client, &url).await?;
                    // Integrity before parsing (§7.3): the .sha256 file must match.
                    let expected = fetch(&client, &format!("{url}.sha256")).await?;
                    let expected = String::from_utf8_lossy(&expected);
                    let actual = provider::hash_file(&bytes, "", false);
                    if expected.split_whitespace().next() != actual.split_whitespace().next() {
                        return Err(Failure::finding(format!(
                            "{url}: SHA-256 does not match {url}.sha256"
                        )));
                    }
                    let signature = fetch_optional(&client, &format!("{url}.asc")).await?;
                    if signature.is_some() || trusted {
                        let text = signature.as_deref().map(String::from_utf8_lossy);
                        if let Some(finding) =
                            wellformed_csaf::check_signature(&bytes, text.as_deref(), &keys, &url)
                        {
                            return Err(Failure::finding(format!(
                                "{}: {} ({})",
                                finding.subject, finding.message, finding.id
                            )));
                        }
                    }
                    out.push((url, bytes));
                }
            }
        } else {
            let mut files = Vec::new();
            walk(Path::new(path), &mut files)?;
            for file in files {
                let bytes = std::fs::read(&file)
                    .map_err(|e| Failure::operational(format!("{}: {e}", file.display())))?;
                out.push((file.display().to_string(), bytes));
            }
        }
    }
    Ok(out)
}

fn walk(path: &Path, files: &mut Vec<PathBuf>) -> Result<(), Failure> {
    let metadata = std::fs::metadata(path)
        .map_err(|e| Failure::operational(format!("{}: {e}", path.display())))?;
    if metadata.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| Failure::operational(format!("{}: {e}", path.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for entry in entries {
            if entry.is_dir() || entry.extension().is_some_and(|x| x == "json") {
                walk(&entry, files)?;
            }
        }
    } else {
        files.push(path.to_owned());
    }
    Ok(())
}

/// POSTs a body; `Ok(true)` when created, `Ok(false)` when it already existed.
async fn post(
    client: &reqwest::Client,
    server: &ServerArgs,
    path: &str,
    body: &Value,
) -> Result<bool, String> {
    let token = server
        .token
        .as_deref()
        .filter(|t| !t.is_empty())
        .ok_or("FIXLOG_TOKEN is not set")?;
    let url = format!("{}{path}", server.server.trim_end_matches('/'));
    let response = client
        .post(&url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let status = response.status();
    let bytes = response.bytes().await.map_err(|e| format!("{url}: {e}"))?;
    if status.is_success() {
        let answer: PublishResponse =
            serde_json::from_slice(&bytes).map_err(|e| format!("{url}: unexpected answer: {e}"))?;
        return Ok(answer.status == "created");
    }
    Err(match serde_json::from_slice::<Problem>(&bytes) {
        Ok(problem) => format!(
            "{} ({status}{})",
            problem.detail,
            problem
                .field
                .map(|f| format!(", field {f}"))
                .unwrap_or_default()
        ),
        Err(_) => format!("{url}: HTTP {status}"),
    })
}

/// Where imported documents go.
enum Target {
    /// A server's write API.
    Http {
        client: reqwest::Client,
        server: ServerArgs,
    },
    /// The write functions on a database.
    Direct(fixlog_server::Log),
}

impl Target {
    async fn product(&self, doc: &fixlog_api::ProductDoc) -> Result<bool, String> {
        match self {
            Target::Http { client, server } => {
                let body = serde_json::to_value(doc).expect("product documents serialize");
                post(client, server, "/api/v1/products", &body).await
            }
            Target::Direct(log) => {
                fixlog_server::write::publish_product(log, doc, time::OffsetDateTime::now_utc())
                    .await
                    .map(|ack| ack.created)
                    .map_err(|e| e.to_string())
            }
        }
    }

    async fn advisory(&self, request: &fixlog_api::AdvisoryRequest) -> Result<bool, String> {
        match self {
            Target::Http { client, server } => {
                let body = serde_json::to_value(request).expect("requests serialize");
                post(client, server, "/api/v1/advisories", &body).await
            }
            Target::Direct(log) => fixlog_server::write::publish_advisory(
                log,
                request,
                time::OffsetDateTime::now_utc(),
            )
            .await
            .map(|ack| ack.created)
            .map_err(|e| e.to_string()),
        }
    }

    /// The version schemes of the products already in the log.
    async fn schemes(&self) -> Result<BTreeMap<ProductId, VersionScheme>, Failure> {
        let mut schemes = BTreeMap::new();
        match self {
            Target::Http { client, server } => {
                let url = format!("{}/api/v1/products", server.server.trim_end_matches('/'));
                let list: Value = serde_json::from_slice(&fetch(client, &url).await?)
                    .map_err(|e| Failure::operational(format!("{url}: {e}")))?;
                for product in list["products"].as_array().into_iter().flatten() {
                    if let (Some(id), Some(scheme)) = (
                        product["product"]["id"]
                            .as_str()
                            .and_then(|i| i.parse().ok()),
                        product["product"]["version_scheme"]
                            .as_str()
                            .and_then(|s| s.parse().ok()),
                    ) {
                        schemes.insert(id, scheme);
                    }
                }
            }
            Target::Direct(log) => {
                let catalog = fixlog_server::read::Catalog::load(log.store().as_ref())
                    .await
                    .map_err(|e| Failure::operational(e.to_string()))?;
                for (_, product) in catalog.products() {
                    schemes.insert(product.id.clone(), product.version_scheme);
                }
            }
        }
        Ok(schemes)
    }
}

/// Runs `fixlog import csaf`.
pub async fn import(args: CsafImportArgs) -> Result<(), Failure> {
    let target = match (&args.server, &args.db, &args.key) {
        (_, Some(db), Some(key)) => {
            let store = fixlog_server::storage::open_store(db)
                .await
                .map_err(|e| Failure::operational(format!("--db {db}: {e}")))?;
            let signer = fixlog_server::keys::read(key, args.origin.as_deref())
                .map_err(|e| Failure::operational(format!("--key {e}")))?;
            Target::Direct(fixlog_server::Log::new(store, signer))
        }
        (Some(server), _, _) => Target::Http {
            client: client()?,
            server: ServerArgs {
                server: server.clone(),
                token: args.token.clone(),
            },
        },
        _ => {
            return Err(Failure::operational(
                "give --server URL (with FIXLOG_TOKEN) or --db URL --key FILE",
            ));
        }
    };
    let documents = collect(&args.paths).await?;
    let mut schemes = target.schemes().await?;
    // On a terminal an indicatif bar (stderr) counts the documents; messages print above it.
    let bar = crate::progress::bar_on_terminal();
    let say = |message: String| match &bar {
        Some(bar) => bar.println(message),
        None => eprintln!("{message}"),
    };
    let (mut created, mut existing, mut invalid, mut failed, mut losses) = (0, 0, 0, 0, 0);
    let total = documents.len();
    if let Some(bar) = &bar {
        bar.set_length(total as u64);
    }
    for (name, bytes) in &documents {
        if let Some(bar) = &bar {
            bar.set_message(name.rsplit('/').next().unwrap_or(name).to_owned());
            bar.inc(1);
        }
        let doc: Value = match serde_json::from_slice(bytes) {
            Ok(doc) => doc,
            Err(e) => {
                say(format!("{name}: not JSON: {e}"));
                failed += 1;
                continue;
            }
        };
        let report = fixlog_csaf::validate(&doc);
        if !report.is_valid() {
            invalid += 1;
            for finding in &report.findings {
                say(format!(
                    "{name}: invalid: {} {} {}",
                    finding.test, finding.path, finding.message
                ));
            }
            if !args.allow_invalid {
                continue;
            }
        }
        let imported = match import_document(&doc, &|id| schemes.get(id).copied()) {
            Ok(imported) => imported,
            Err(e) => {
                say(format!("{name}: not imported: {e}"));
                failed += 1;
                continue;
            }
        };
        for loss in &imported.losses {
            say(format!("{name}: {}: {}", loss.path, loss.message));
        }
        losses += imported.losses.len();
        let mut error = None;
        for product in imported.product_docs() {
            if let Err(e) = target.product(&product).await {
                error = Some(format!("product {}: {e}", product.id));
                break;
            }
        }
        if error.is_none() {
            for product in &imported.products {
                schemes.insert(product.id.clone(), product.version_scheme);
            }
            match target.advisory(&imported.advisory_request()).await {
                Ok(true) => created += 1,
                Ok(false) => existing += 1,
                Err(e) => error = Some(format!("advisory: {e}")),
            }
        }
        if let Some(error) = error {
            say(format!("{name}: {error}"));
            failed += 1;
        }
    }
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    println!(
        "{total} documents: {created} imported, {existing} already in the log, {invalid} invalid{}, {failed} failed; {losses} unmapped items reported",
        if args.allow_invalid {
            " (imported anyway)"
        } else {
            " (not imported)"
        }
    );
    let refused = failed + if args.allow_invalid { 0 } else { invalid };
    if refused > 0 {
        return Err(Failure::finding(format!(
            "{refused} of {total} documents were not imported"
        )));
    }
    Ok(())
}
