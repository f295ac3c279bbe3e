//! `fixlog import jira|bugzilla|gitlab`: tracker issues → advisory drafts on the server, and
//! `publish release --fixes-from`: the CVEs a tracker says a version fixes.
//!
//! An import fetches every page first (a failure stores nothing), merges issues by CVE, and
//! sends the drafts in one `POST /api/v1/imports`, which saves them with the source's new
//! high-water mark in one transaction. `--dry-run` asks the server for the same answer
//! without storing and prints the diff. Tracker tokens come from the environment only.

use std::time::Duration;

use clap::{Args, Subcommand};
use fixlog_api::Problem;
use fixlog_api::drafts::{DraftRequest, ImportRequest, ImportResponse, SyncState};
use fixlog_trackers::bugzilla::{self, BugzillaQuery};
use fixlog_trackers::gitlab::{self, GitlabQuery};
use fixlog_trackers::jira::{self, JiraFlavor, JiraQuery};
use fixlog_trackers::{
    Auth, Connection, CveRules, DraftOptions, TrackerError, TrackerIssue, build_drafts,
};
use regex::Regex;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Failure;
use crate::cli::ServerArgs;

/// `fixlog import …` trackers.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Jira Cloud (`/rest/api/3/search/jql`) or Data Center (`/rest/api/2/search`).
    /// Token: JIRA_API_TOKEN (Bearer; with JIRA_EMAIL set, Basic e-mail:token for Cloud).
    Jira(JiraArgs),
    /// Bugzilla 5.x (`/rest/bug`). Token: BUGZILLA_API_KEY (X-BUGZILLA-API-KEY header).
    Bugzilla(BugzillaArgs),
    /// GitLab (`/api/v4/projects/:id/issues`). Token: GITLAB_TOKEN (PRIVATE-TOKEN header).
    Gitlab(GitlabArgs),
    /// CSAF 2.0 documents (files, folders, or a provider URL) into products and advisories
    /// (published, not drafts). Idempotent; unmapped items are reported.
    Csaf(crate::csaf::CsafImportArgs),
}

/// Options every tracker import shares.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// fixlog server and token (FIXLOG_URL, FIXLOG_TOKEN with role editor).
    #[command(flatten)]
    pub server: ServerArgs,
    /// Base URL of the tracker.
    #[arg(long)]
    pub tracker_url: String,
    /// The fixlog product id the issues concern.
    #[arg(long)]
    pub product: String,
    /// Prefix of new advisory ids (`<prefix>-<CVE id>`).
    #[arg(long, default_value = "DRAFT")]
    pub advisory_prefix: String,
    /// Labels (aliases, keywords) matching this pattern are CVE ids ("" turns it off).
    #[arg(long, default_value = r"^CVE-\d{4}-\d{4,}$")]
    pub cve_label_regex: String,
    /// Every match of this pattern in the summary is a CVE id ("" turns it off).
    #[arg(long, default_value = r"CVE-\d{4}-\d{4,}")]
    pub cve_summary_regex: String,
    /// Issues per page.
    #[arg(long, default_value_t = 100)]
    pub page_size: u32,
    /// Ignore the stored high-water mark and read every issue.
    #[arg(long)]
    pub full: bool,
    /// Show what would be created or changed; store nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the server's answer as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `fixlog import jira`.
#[derive(Debug, Args)]
pub struct JiraArgs {
    /// Shared options.
    #[command(flatten)]
    pub common: CommonArgs,
    /// A bounded JQL query, e.g. `project = PLCSEC AND labels = security`.
    #[arg(long)]
    pub jql: String,
    /// Use the Data Center / Server API (`/rest/api/2/search`, startAt paging).
    #[arg(long)]
    pub data_center: bool,
    /// Display name of the custom field holding CVE ids ("" turns it off).
    #[arg(long, default_value = "CVE ID")]
    pub cve_field: String,
    /// Display name of a custom field holding a CVSS vector.
    #[arg(long)]
    pub cvss_field: Option<String>,
}

/// `fixlog import bugzilla`.
#[derive(Debug, Args)]
pub struct BugzillaArgs {
    /// Shared options.
    #[command(flatten)]
    pub common: CommonArgs,
    /// Search parameters, e.g. `product=PLC-1000 Firmware&keywords=Security`.
    #[arg(long)]
    pub query: String,
    /// Custom field with the fixed version (else target_milestone).
    #[arg(long, default_value = "cf_fixed_in")]
    pub fixed_field: String,
    /// Custom field with a CVSS vector.
    #[arg(long)]
    pub cvss_field: Option<String>,
    /// Custom field holding CVE ids, besides `alias`.
    #[arg(long)]
    pub cve_field: Option<String>,
}

/// `fixlog import gitlab`.
#[derive(Debug, Args)]
pub struct GitlabArgs {
    /// Shared options.
    #[command(flatten)]
    pub common: CommonArgs,
    /// Project id or `group/project`.
    #[arg(long)]
    pub project: String,
    /// Issues with this label.
    #[arg(long, default_value = "security")]
    pub label: String,
    /// Scoped-label prefix of the fixed version.
    #[arg(long, default_value = "fixed-in::")]
    pub fixed_label: String,
    /// Scoped-label prefix of an affected version.
    #[arg(long, default_value = "affects::")]
    pub affected_label: String,
}

fn pattern(flag: &str, text: &str) -> Result<Option<Regex>, Failure> {
    if text.is_empty() {
        return Ok(None);
    }
    Regex::new(text)
        .map(Some)
        .map_err(|error| Failure::operational(format!("{flag} {text:?}: {error}")))
}

fn rules(common: &CommonArgs, field: Option<String>) -> Result<CveRules, Failure> {
    Ok(CveRules {
        label: pattern("--cve-label-regex", &common.cve_label_regex)?,
        field: field.filter(|f| !f.is_empty()),
        summary: pattern("--cve-summary-regex", &common.cve_summary_regex)?,
    })
}

fn env_secret(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

fn tracker_failure(error: TrackerError) -> Failure {
    Failure::operational(error.to_string())
}

/// A connection with the token from the environment.
fn connect(tracker: &'static str, base: &str) -> Result<Connection, Failure> {
    let (auth, env) = match tracker {
        "jira" => {
            let token = env_secret("JIRA_API_TOKEN");
            let auth = match (env_secret("JIRA_EMAIL"), token) {
                (Some(user), Some(password)) => Auth::Basic { user, password },
                (None, Some(token)) => Auth::Bearer(token),
                (_, None) => Auth::None,
            };
            (auth, "JIRA_API_TOKEN")
        }
        "bugzilla" => (
            env_secret("BUGZILLA_API_KEY").map_or(Auth::None, |value| Auth::Header {
                name: "X-BUGZILLA-API-KEY",
                value,
            }),
            "BUGZILLA_API_KEY",
        ),
        _ => (
            env_secret("GITLAB_TOKEN").map_or(Auth::None, |value| Auth::Header {
                name: "PRIVATE-TOKEN",
                value,
            }),
            "GITLAB_TOKEN",
        ),
    };
    let mut connection = Connection::new(tracker, base, auth, env).map_err(tracker_failure)?;
    if let Some(seconds) = std::env::var("FIXLOG_TRACKER_MAX_WAIT")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        connection.retry.max_wait = Duration::from_secs(seconds);
    }
    Ok(connection)
}

fn client() -> Result<reqwest::Client, Failure> {
    reqwest::Client::builder()
        .user_agent(concat!("fixlog/", env!("CARGO_PKG_VERSION")))
        .timeout(Duration::from_secs(120))
        .build()
        .map_err(|error| Failure::operational(format!("HTTP client: {error}")))
}

fn token(server: &ServerArgs) -> Result<&str, Failure> {
    server
        .token
        .as_deref()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Failure::operational("FIXLOG_TOKEN is not set (an editor token)"))
}

async fn answer<T: serde::de::DeserializeOwned>(
    url: &str,
    response: Result<reqwest::Response, reqwest::Error>,
) -> Result<T, Failure> {
    let response = response.map_err(|error| Failure::operational(format!("{url}: {error}")))?;
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|error| Failure::operational(format!("{url}: {error}")))?;
    if status.is_success() {
        return serde_json::from_slice(&bytes)
            .map_err(|error| Failure::operational(format!("{url}: unexpected answer: {error}")));
    }
    Err(Failure::operational(
        match serde_json::from_slice::<Problem>(&bytes) {
            Ok(problem) => match &problem.field {
                Some(field) => format!("{url}: {} ({status}, field {field})", problem.detail),
                None => format!("{url}: {} ({status})", problem.detail),
            },
            Err(_) => format!("{url}: HTTP {status}"),
        },
    ))
}

/// The stored high-water mark of `source`.
async fn high_water(server: &ServerArgs, source: &str) -> Result<Option<OffsetDateTime>, Failure> {
    let mut url = url::Url::parse(&format!(
        "{}/api/v1/imports",
        server.server.trim_end_matches('/')
    ))
    .map_err(|error| Failure::operational(format!("--server {}: {error}", server.server)))?;
    url.query_pairs_mut().append_pair("source", source);
    let shown = url.to_string();
    let state: SyncState = answer(
        &shown,
        client()?.get(url).bearer_auth(token(server)?).send().await,
    )
    .await?;
    Ok(state
        .high_water
        .and_then(|mark| OffsetDateTime::parse(&mark, &Rfc3339).ok()))
}

/// Runs `fixlog import …`.
pub async fn run(command: ImportCommand) -> Result<(), Failure> {
    let command = match command {
        ImportCommand::Csaf(args) => return crate::csaf::import(args).await,
        other => other,
    };
    let (common, tracker, source) = match &command {
        ImportCommand::Jira(args) => (
            &args.common,
            "jira",
            format!("jira:{} {}", args.common.tracker_url, args.jql),
        ),
        ImportCommand::Bugzilla(args) => (
            &args.common,
            "bugzilla",
            format!("bugzilla:{} {}", args.common.tracker_url, args.query),
        ),
        ImportCommand::Gitlab(args) => (
            &args.common,
            "gitlab",
            format!(
                "gitlab:{} {} {}",
                args.common.tracker_url, args.project, args.label
            ),
        ),
        ImportCommand::Csaf(_) => unreachable!("handled above"),
    };
    token(&common.server)?;
    let since = if common.full {
        None
    } else {
        high_water(&common.server, &source).await?
    };
    let connection = connect(tracker, &common.tracker_url)?;
    let issues: Vec<TrackerIssue> = match &command {
        ImportCommand::Jira(args) => {
            let query = JiraQuery {
                flavor: if args.data_center {
                    JiraFlavor::DataCenter
                } else {
                    JiraFlavor::Cloud
                },
                jql: args.jql.clone(),
                page_size: common.page_size,
                updated_since: since,
                cvss_field: args.cvss_field.clone(),
            };
            let rules = rules(common, Some(args.cve_field.clone()))?;
            jira::fetch(&connection, &query, &rules).await
        }
        ImportCommand::Bugzilla(args) => {
            let query = BugzillaQuery {
                query: args.query.clone(),
                page_size: common.page_size,
                updated_since: since,
                fixed_field: args.fixed_field.clone(),
                cvss_field: args.cvss_field.clone(),
            };
            let rules = rules(common, args.cve_field.clone())?;
            bugzilla::fetch(&connection, &query, &rules).await
        }
        ImportCommand::Gitlab(args) => {
            let query = GitlabQuery {
                project: args.project.clone(),
                labels: args.label.clone(),
                page_size: common.page_size,
                updated_since: since,
                fixed_label: args.fixed_label.clone(),
                affected_label: args.affected_label.clone(),
            };
            let rules = rules(common, None)?;
            gitlab::fetch(&connection, &query, &rules).await
        }
        ImportCommand::Csaf(_) => unreachable!("handled at the top of run"),
    }
    .map_err(tracker_failure)?;
    let import = build_drafts(
        issues,
        &DraftOptions {
            product: common.product.clone(),
            advisory_prefix: common.advisory_prefix.clone(),
        },
    );
    let high_water = import
        .high_water
        .max(since)
        .map(|mark| mark.format(&Rfc3339).expect("times format"));
    let request = ImportRequest {
        source: source.clone(),
        high_water,
        drafts: import
            .drafts
            .iter()
            .map(|draft| DraftRequest {
                advisory: draft.advisory.clone(),
                source: Some(draft.sources.join(", ")),
            })
            .collect(),
        dry_run: common.dry_run,
    };
    let url = format!(
        "{}/api/v1/imports",
        common.server.server.trim_end_matches('/')
    );
    let response: ImportResponse = answer(
        &url,
        client()?
            .post(&url)
            .bearer_auth(token(&common.server)?)
            .json(&request)
            .send()
            .await,
    )
    .await?;
    if common.json {
        let skipped: Vec<_> = import
            .skipped
            .iter()
            .map(|s| serde_json::json!({"source": s.source, "reason": s.reason}))
            .collect();
        let mut document = serde_json::to_value(&response).expect("answers serialize");
        document["skipped"] = serde_json::Value::Array(skipped);
        println!(
            "{}",
            serde_json::to_string_pretty(&document).expect("answers serialize")
        );
        return Ok(());
    }
    for change in &response.changes {
        println!(
            "{} {} [{}] from {}",
            change.action,
            change.id,
            change.cves.join(", "),
            change.source.as_deref().unwrap_or("-")
        );
        if change.action == "update" || (common.dry_run && change.action == "create") {
            for field in &change.changes {
                let show = |value: &Option<serde_json::Value>| {
                    value
                        .as_ref()
                        .map_or_else(|| "(none)".to_owned(), |v| v.to_string())
                };
                println!(
                    "  {} {}: {} -> {}",
                    if field.before.is_none() { "+" } else { "~" },
                    field.field,
                    show(&field.before),
                    show(&field.after)
                );
            }
        }
    }
    for skipped in &import.skipped {
        println!("skip {}: {}", skipped.source, skipped.reason);
    }
    eprintln!(
        "fixlog: {} draft(s){}; {} issue(s) without a CVE skipped",
        response.changes.len(),
        if response.dry_run {
            " (dry run: nothing stored)"
        } else {
            " saved"
        },
        import.skipped.len()
    );
    Ok(())
}

/// The CVE ids a tracker says `version` fixes: `jira:JQL`, `bugzilla:QUERY` or
/// `gitlab:LABEL`. The tracker's URL comes from JIRA_URL (JIRA_DATA_CENTER=1 for the Data
/// Center API), BUGZILLA_URL or GITLAB_URL + GITLAB_PROJECT; tokens as for `fixlog import`.
pub async fn fixes_from(spec: &str, version: &str) -> Result<Vec<String>, Failure> {
    let (tracker, query) = spec.split_once(':').ok_or_else(|| {
        Failure::operational(format!(
            "--fixes-from {spec:?}: expected jira:JQL, bugzilla:QUERY or gitlab:LABEL"
        ))
    })?;
    let base = |name: &str| {
        env_secret(name).ok_or_else(|| {
            Failure::operational(format!("--fixes-from {tracker}: {name} is not set"))
        })
    };
    let rules = CveRules::default();
    let issues = match tracker {
        "jira" => {
            let connection = connect("jira", &base("JIRA_URL")?)?;
            let flavor = if env_secret("JIRA_DATA_CENTER").is_some() {
                JiraFlavor::DataCenter
            } else {
                JiraFlavor::Cloud
            };
            let query = JiraQuery {
                flavor,
                jql: query.to_owned(),
                page_size: 100,
                updated_since: None,
                cvss_field: None,
            };
            jira::fetch(&connection, &query, &rules).await
        }
        "bugzilla" => {
            let connection = connect("bugzilla", &base("BUGZILLA_URL")?)?;
            let query = BugzillaQuery {
                query: query.to_owned(),
                page_size: 100,
                updated_since: None,
                fixed_field: "cf_fixed_in".to_owned(),
                cvss_field: None,
            };
            bugzilla::fetch(&connection, &query, &rules).await
        }
        "gitlab" => {
            let connection = connect("gitlab", &base("GITLAB_URL")?)?;
            let query = GitlabQuery {
                project: base("GITLAB_PROJECT")?,
                labels: query.to_owned(),
                page_size: 100,
                updated_since: None,
                fixed_label: "fixed-in::".to_owned(),
                affected_label: "affects::".to_owned(),
            };
            gitlab::fetch(&connection, &query, &rules).await
        }
        other => {
            return Err(Failure::operational(format!(
                "--fixes-from {other}: expected jira, bugzilla or gitlab"
            )));
        }
    }
    .map_err(tracker_failure)?;
    let bare = version.trim_start_matches(['v', 'V']);
    let mut cves: Vec<String> = issues
        .into_iter()
        .filter(|issue| {
            issue
                .fixed
                .iter()
                .any(|fixed| fixed == version || fixed.trim_start_matches(['v', 'V']) == bare)
        })
        .flat_map(|issue| issue.cves)
        .collect();
    cves.sort();
    cves.dedup();
    Ok(cves)
}
