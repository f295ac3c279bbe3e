//! `fixlog monitor run|report|serve`: the supplier log monitor (crate `fixlog-monitor`).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::{Args, Subcommand};
use fixlog_store::monitor::MonitorStore;
use fixlog_store_postgres::PostgresStore;
use fixlog_store_sqlite::SqliteStore;
use time::OffsetDateTime;

use crate::Failure;

/// `fixlog monitor …`.
#[derive(Debug, Subcommand)]
pub enum MonitorCommand {
    /// Probe the configured endpoints on their schedules; store every attempt, changes,
    /// incidents and evidence.
    Run(RunArgs),
    /// Uptime (first attempt and after retries), p50/p95/p99, incidents, changes and evidence
    /// per endpoint, computed from the raw samples.
    Report(ReportArgs),
    /// The status page: state, uptime, p95 and a latency sparkline per endpoint, plus
    /// `/report.json`.
    Serve(ServeArgs),
}

/// `fixlog monitor run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The monitor configuration (TOML).
    #[arg(long)]
    pub config: PathBuf,
    /// History database: sqlite://PATH (default) or postgres://…
    #[arg(long, env = "FIXLOG_MONITOR_DB", default_value = "sqlite://monitor.db")]
    pub db: String,
    /// Stop after this long (e.g. 90s, 1h); runs until interrupted otherwise.
    #[arg(long = "for", value_parser = humantime::parse_duration)]
    pub duration: Option<Duration>,
}

/// `fixlog monitor report`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("format").required(true).args(["json", "csv", "out"]).multiple(true)))]
pub struct ReportArgs {
    /// The monitor configuration (TOML).
    #[arg(long)]
    pub config: PathBuf,
    /// History database: sqlite://PATH (default) or postgres://…
    #[arg(long, env = "FIXLOG_MONITOR_DB", default_value = "sqlite://monitor.db")]
    pub db: String,
    /// The window: samples of the last DURATION (default 30 days).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "30days")]
    pub since: Duration,
    /// Print the report as one JSON document.
    #[arg(long)]
    pub json: bool,
    /// Write every raw sample of the window to this CSV file (one row per attempt).
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Write the report as one self-contained HTML file (inline CSS and SVG charts, no script).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `fixlog monitor serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The monitor configuration (TOML).
    #[arg(long)]
    pub config: PathBuf,
    /// History database: sqlite://PATH (default) or postgres://…
    #[arg(long, env = "FIXLOG_MONITOR_DB", default_value = "sqlite://monitor.db")]
    pub db: String,
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub listen: String,
    /// The window the page shows.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "24h")]
    pub since: Duration,
}

/// Opens the monitor history at `url`.
async fn open(url: &str) -> Result<Arc<dyn MonitorStore>, Failure> {
    let failed = |error: fixlog_store::StoreError| Failure::operational(format!("--db: {error}"));
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(url).await.map_err(failed)?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await.map_err(failed)?))
    } else {
        Err(Failure::operational(format!(
            "--db: unsupported database URL {url:?}: use sqlite://PATH or postgres://…"
        )))
    }
}

/// Runs a monitor command.
pub async fn run(command: MonitorCommand) -> Result<(), Failure> {
    match command {
        MonitorCommand::Run(args) => run_monitor(args).await,
        MonitorCommand::Report(args) => report(args).await,
        MonitorCommand::Serve(args) => serve(args).await,
    }
}

async fn run_monitor(args: RunArgs) -> Result<(), Failure> {
    // A configuration that does not load is a usage error before anything is opened.
    let config = fixlog_monitor::config::load(&args.config)
        .map_err(|error| Failure::operational(error.to_string()))?;
    let evidence = evidence_sink(&args.config, &config)?;
    let store = open(&args.db).await?;
    let duration = args.duration;
    let stop = async move {
        match duration {
            Some(duration) => tokio::time::sleep(duration).await,
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    };
    let stats = fixlog_monitor::run(&args.config, store, evidence, stop)
        .await
        .map_err(|error| Failure::operational(error.to_string()))?;
    eprintln!(
        "fixlog monitor: {} probes, {} attempts, {} changes, {} state changes, {} evidence bundles, {} reloads ({} refused)",
        stats.probes.load(Ordering::Relaxed),
        stats.samples.load(Ordering::Relaxed),
        stats.changes.load(Ordering::Relaxed),
        stats.transitions.load(Ordering::Relaxed),
        stats.bundles.load(Ordering::Relaxed),
        stats.reloads.load(Ordering::Relaxed),
        stats.reload_errors.load(Ordering::Relaxed),
    );
    Ok(())
}

/// The evidence writer of `[monitor] evidence_dir`, signing with `[monitor] key` (default
/// `monitor.key` next to the configuration, created on first use) and timestamping at
/// `[monitor] tsa` when set. `None` when no evidence directory is configured.
fn evidence_sink(
    path: &std::path::Path,
    config: &fixlog_monitor::MonitorConfig,
) -> Result<Option<Arc<dyn fixlog_monitor::EvidenceSink>>, Failure> {
    let Some(directory) = &config.evidence_dir else {
        return Ok(None);
    };
    let key_path = config.key.clone().unwrap_or_else(|| {
        path.parent()
            .unwrap_or(std::path::Path::new("."))
            .join("monitor.key")
    });
    let key = fixlog_evidence::load_or_create_key(&key_path)
        .map_err(|error| Failure::operational(format!("monitor.key: {error}")))?;
    let public = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        key.verifying_key().as_bytes(),
    );
    let writer =
        fixlog_evidence::Writer::open(directory, key, config.tsa.as_ref().map(|url| url.as_str()))
            .map_err(|error| Failure::operational(format!("monitor.evidence_dir: {error}")))?;
    eprintln!(
        "fixlog monitor: evidence in {} signed by {public} (check: fixlog evidence verify {} --key {public})",
        directory.display(),
        directory.display()
    );
    Ok(Some(Arc::new(fixlog_monitor::WriterSink::new(writer))))
}

async fn report(args: ReportArgs) -> Result<(), Failure> {
    let config = fixlog_monitor::config::load(&args.config)
        .map_err(|error| Failure::operational(error.to_string()))?;
    let store = open(&args.db).await?;
    let until = OffsetDateTime::now_utc() + time::Duration::seconds(1);
    let since = until
        - time::Duration::try_from(args.since)
            .map_err(|error| Failure::operational(format!("--since: {error}")))?;
    if let Some(path) = &args.csv {
        let mut samples = Vec::new();
        for endpoint in &config.endpoints {
            samples.extend(
                store
                    .samples(&endpoint.name, since, until)
                    .await
                    .map_err(|error| Failure::operational(format!("--db: {error}")))?,
            );
        }
        let bytes = fixlog_monitor::report::samples_csv(&samples)
            .map_err(|error| Failure::operational(format!("--csv: {error}")))?;
        std::fs::write(path, bytes)
            .map_err(|error| Failure::operational(format!("{}: {error}", path.display())))?;
    }
    if let Some(path) = &args.out {
        let page = fixlog_monitor::html::render(&config, store.as_ref(), since, until)
            .await
            .map_err(|error| Failure::operational(format!("--db: {error}")))?;
        std::fs::write(path, page)
            .map_err(|error| Failure::operational(format!("{}: {error}", path.display())))?;
    }
    if args.json {
        let report = fixlog_monitor::report(&config, store.as_ref(), since, until)
            .await
            .map_err(|error| Failure::operational(format!("--db: {error}")))?;
        let text = serde_json::to_string_pretty(&report)
            .map_err(|error| Failure::operational(error.to_string()))?;
        println!("{text}");
    }
    Ok(())
}

async fn serve(args: ServeArgs) -> Result<(), Failure> {
    use std::io::Write as _;

    let config = fixlog_monitor::config::load(&args.config)
        .map_err(|error| Failure::operational(error.to_string()))?;
    let store = open(&args.db).await?;
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|error| Failure::operational(format!("--listen {}: {error}", args.listen)))?;
    let address = listener
        .local_addr()
        .map_err(|error| Failure::operational(format!("--listen: {error}")))?;
    let state = fixlog_monitor::status::StatusState {
        config: Arc::new(config),
        store,
        window: args.since,
    };
    println!("listening on http://{address}");
    let _ = std::io::stdout().flush();
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    fixlog_monitor::status::serve(listener, state, shutdown)
        .await
        .map_err(|error| Failure::operational(format!("server: {error}")))
}
