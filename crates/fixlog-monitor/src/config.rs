//! The monitor configuration: TOML parsed at the boundary into [`MonitorConfig`], with every
//! error naming the key at fault (`endpoint[3].interval: …`), plus bulk import of suppliers
//! from CSV (`[monitor] suppliers_csv`).
//!
//! ```toml
//! [monitor]
//! evidence_dir = "evidence"        # where bundles go
//! key = "monitor.key"              # Ed25519 key that signs bundle manifests
//! tsa = "http://tsa.example/"      # optional RFC 3161 time-stamping authority
//! concurrency = 64                 # probes in flight at most
//! failure_threshold = 3            # failing probes before an endpoint is down
//! success_threshold = 2            # passing probes before it is up again
//! suppliers_csv = "suppliers.csv"  # more endpoints: name,url[,supplier,interval,timeout,retries,key]
//!
//! [[alert]]
//! url = "https://hooks.example/fixlog"
//! slack = true                     # post {"text": …} instead of the JSON event
//!
//! [[endpoint]]
//! name = "acme"                    # unique
//! url = "https://psirt.acme.example/"
//! interval = "5m"                  # humantime durations
//! jitter = "10s"                   # random delay added to each interval, at most this
//! timeout = "10s"                  # per attempt
//! retries = 2                      # each attempt is recorded
//! latency_budget = "2s"            # slower first requests fail with class `latency`
//! key = "acme.example/log+…"       # pinned log key; trusted on first use when absent
//! ca_file = "acme-ca.pem"          # extra root CAs (also allowed under [monitor])
//! verify = true                    # verify-lite: checkpoint signature, entries, consistency
//! ```
//!
//! Paths are relative to the configuration file's directory. Keys not listed are allowed and
//! ignored.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fixlog_tlog::Verifier;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use url::Url;

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: {message}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        message: String,
    },
    /// The file is not TOML of the expected shape.
    #[error("{path}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message (line, column, key).
        message: String,
    },
    /// A key has an unusable value.
    #[error("{path}: {key}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The key, e.g. `endpoint[3].interval` or `suppliers.csv line 4: url`.
        key: String,
        /// What is wrong.
        message: String,
    },
}

/// Where alerts go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertTarget {
    /// Webhook URL (POST, JSON).
    pub url: Url,
    /// Post Slack-compatible `{"text": …}`.
    pub slack: bool,
}

/// One endpoint to probe.
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    /// Unique name.
    pub name: String,
    /// Supplier (defaults to the name).
    pub supplier: String,
    /// Publisher base URL.
    pub url: Url,
    /// Time between probes.
    pub interval: Duration,
    /// Random extra delay before each probe, at most this.
    pub jitter: Duration,
    /// Time limit of one attempt.
    pub timeout: Duration,
    /// Attempts after the first when one fails.
    pub retries: u32,
    /// The first request must finish within this.
    pub latency_budget: Option<Duration>,
    /// Pinned log verifier key.
    pub key: Option<Verifier>,
    /// Extra trusted root certificates (PEM).
    pub extra_roots: Vec<Vec<u8>>,
    /// Run verify-lite.
    pub verify: bool,
}

/// The whole configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct MonitorConfig {
    /// Where evidence bundles go.
    pub evidence_dir: Option<PathBuf>,
    /// The key that signs bundle manifests.
    pub key: Option<PathBuf>,
    /// RFC 3161 time-stamping authority (`http(s)://` URL) for bundle manifests.
    pub tsa: Option<Url>,
    /// Probes in flight at most.
    pub concurrency: usize,
    /// Consecutive failing probes before an endpoint is down.
    pub failure_threshold: u32,
    /// Consecutive passing probes before a down endpoint is up.
    pub success_threshold: u32,
    /// How often the file is checked for changes.
    pub reload: Duration,
    /// Alert sinks.
    pub alerts: Vec<AlertTarget>,
    /// Endpoints, in file order (CSV rows after the `[[endpoint]]` tables).
    pub endpoints: Vec<Endpoint>,
    /// SHA-256 (hex) of the file's bytes.
    pub sha256: String,
}

#[derive(Deserialize)]
struct RawFile {
    #[serde(default)]
    monitor: RawMonitor,
    #[serde(default)]
    alert: Vec<RawAlert>,
    #[serde(default)]
    endpoint: Vec<RawEndpoint>,
}

#[derive(Default, Deserialize)]
struct RawMonitor {
    evidence_dir: Option<String>,
    key: Option<String>,
    tsa: Option<String>,
    concurrency: Option<i64>,
    failure_threshold: Option<i64>,
    success_threshold: Option<i64>,
    reload: Option<String>,
    ca_file: Option<String>,
    suppliers_csv: Option<String>,
}

#[derive(Deserialize)]
struct RawAlert {
    url: Option<String>,
    #[serde(default)]
    slack: bool,
}

#[derive(Default, Deserialize)]
struct RawEndpoint {
    name: Option<String>,
    supplier: Option<String>,
    url: Option<String>,
    interval: Option<String>,
    jitter: Option<String>,
    timeout: Option<String>,
    retries: Option<i64>,
    latency_budget: Option<String>,
    key: Option<String>,
    ca_file: Option<String>,
    verify: Option<bool>,
}

/// Reads and parses the configuration file at `path`.
pub fn load(path: &Path) -> Result<MonitorConfig, ConfigError> {
    let bytes = std::fs::read(path).map_err(|error| ConfigError::Read {
        path: path.to_owned(),
        message: error.to_string(),
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse(path, base, &bytes)
}

/// Parses configuration `bytes` read from `path`; relative paths resolve against `base`.
pub fn parse(path: &Path, base: &Path, bytes: &[u8]) -> Result<MonitorConfig, ConfigError> {
    let invalid = |key: String, message: String| ConfigError::Invalid {
        path: path.to_owned(),
        key,
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|_| ConfigError::Syntax {
        path: path.to_owned(),
        message: "not UTF-8".to_owned(),
    })?;
    let raw: RawFile = toml::from_str(text).map_err(|error| ConfigError::Syntax {
        path: path.to_owned(),
        message: error.to_string().trim_end().replace('\n', " "),
    })?;
    let resolve = |value: &str| base.join(value);
    let read_pem = |key: String, value: &str| -> Result<Vec<u8>, ConfigError> {
        let file = resolve(value);
        let pem = std::fs::read(&file)
            .map_err(|error| invalid(key.clone(), format!("{}: {error}", file.display())))?;
        if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
            return Err(invalid(
                key,
                format!("{}: no PEM certificate in the file", file.display()),
            ));
        }
        Ok(pem)
    };
    let count =
        |key: &str, value: Option<i64>, default: i64, min: i64| -> Result<i64, ConfigError> {
            match value {
                None => Ok(default),
                Some(value) if value >= min && value <= 100_000 => Ok(value),
                Some(value) => Err(invalid(
                    key.to_owned(),
                    format!("{value} is out of range ({min} to 100000)"),
                )),
            }
        };

    let monitor = &raw.monitor;
    let global_roots = match &monitor.ca_file {
        Some(file) => vec![read_pem("monitor.ca_file".to_owned(), file)?],
        None => Vec::new(),
    };
    let mut alerts = Vec::new();
    for (index, alert) in raw.alert.iter().enumerate() {
        let key = format!("alert[{index}].url");
        let url = alert
            .url
            .as_deref()
            .ok_or_else(|| invalid(key.clone(), "missing".to_owned()))?;
        alerts.push(AlertTarget {
            url: parse_url(url).map_err(|message| invalid(key, message))?,
            slack: alert.slack,
        });
    }

    let mut endpoints = Vec::new();
    let mut names = BTreeSet::new();
    let mut add = |prefix: String, raw: &RawEndpoint| -> Result<(), ConfigError> {
        let field = |name: &str| format!("{prefix}.{name}");
        let name = raw
            .name
            .clone()
            .filter(|name| !name.trim().is_empty())
            .ok_or_else(|| invalid(field("name"), "missing".to_owned()))?;
        if !names.insert(name.clone()) {
            return Err(invalid(
                field("name"),
                format!("{name:?} is used by another endpoint"),
            ));
        }
        let url = raw
            .url
            .as_deref()
            .ok_or_else(|| invalid(field("url"), "missing".to_owned()))?;
        let url = parse_url(url).map_err(|message| invalid(field("url"), message))?;
        let duration = |key: &str, value: &Option<String>, default: Duration| match value {
            None => Ok(default),
            Some(text) => humantime::parse_duration(text)
                .map_err(|error| invalid(field(key), format!("{text:?}: {error}"))),
        };
        let interval = duration("interval", &raw.interval, Duration::from_secs(300))?;
        if interval < Duration::from_millis(10) {
            return Err(invalid(
                field("interval"),
                "must be at least 10ms".to_owned(),
            ));
        }
        let timeout = duration("timeout", &raw.timeout, Duration::from_secs(10))?;
        if timeout.is_zero() {
            return Err(invalid(field("timeout"), "must be more than 0".to_owned()));
        }
        let jitter = duration("jitter", &raw.jitter, Duration::ZERO)?;
        let latency_budget = match &raw.latency_budget {
            None => None,
            Some(_) => Some(duration("latency_budget", &raw.latency_budget, timeout)?),
        };
        let retries = count(&field("retries"), raw.retries, 0, 0)?;
        let key =
            match &raw.key {
                None => None,
                Some(text) => Some(Verifier::from_vkey(text.trim()).map_err(|error| {
                    invalid(field("key"), format!("not a verifier key: {error}"))
                })?),
            };
        let mut extra_roots = global_roots.clone();
        if let Some(file) = &raw.ca_file {
            extra_roots.push(read_pem(field("ca_file"), file)?);
        }
        endpoints.push(Endpoint {
            supplier: raw.supplier.clone().unwrap_or_else(|| name.clone()),
            name,
            url,
            interval,
            jitter,
            timeout,
            retries: u32::try_from(retries).unwrap_or(u32::MAX),
            latency_budget,
            key,
            extra_roots,
            verify: raw.verify.unwrap_or(true),
        });
        Ok(())
    };
    for (index, endpoint) in raw.endpoint.iter().enumerate() {
        add(format!("endpoint[{index}]"), endpoint)?;
    }
    if let Some(csv_file) = &monitor.suppliers_csv {
        let file = resolve(csv_file);
        let csv_name = file.display().to_string();
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(&file)
            .map_err(|error| invalid("monitor.suppliers_csv".to_owned(), error.to_string()))?;
        let headers = reader
            .headers()
            .map_err(|error| invalid(csv_name.clone(), error.to_string()))?
            .clone();
        for required in ["name", "url"] {
            if !headers.iter().any(|header| header == required) {
                return Err(invalid(
                    format!("{csv_name} header"),
                    format!("no column {required:?}"),
                ));
            }
        }
        for (row_index, record) in reader.records().enumerate() {
            // Line 1 is the header.
            let line = row_index + 2;
            let record = record
                .map_err(|error| invalid(format!("{csv_name} line {line}"), error.to_string()))?;
            let column = |name: &str| {
                headers
                    .iter()
                    .position(|header| header == name)
                    .and_then(|position| record.get(position))
                    .filter(|value| !value.is_empty())
                    .map(str::to_owned)
            };
            let retries = match column("retries") {
                None => None,
                Some(text) => Some(text.parse::<i64>().map_err(|_| {
                    invalid(
                        format!("{csv_name} line {line}.retries"),
                        format!("{text:?} is not a whole number"),
                    )
                })?),
            };
            let row = RawEndpoint {
                name: column("name"),
                supplier: column("supplier"),
                url: column("url"),
                interval: column("interval"),
                jitter: column("jitter"),
                timeout: column("timeout"),
                retries,
                latency_budget: column("latency_budget"),
                key: column("key"),
                ca_file: column("ca_file"),
                verify: None,
            };
            add(format!("{csv_name} line {line}"), &row)?;
        }
    }

    let reload = match &monitor.reload {
        None => Duration::from_secs(2),
        Some(text) => humantime::parse_duration(text)
            .map_err(|error| invalid("monitor.reload".to_owned(), format!("{text:?}: {error}")))?,
    };
    let tsa = monitor
        .tsa
        .as_deref()
        .map(parse_url)
        .transpose()
        .map_err(|message| invalid("monitor.tsa".to_owned(), message))?;
    Ok(MonitorConfig {
        evidence_dir: monitor.evidence_dir.as_deref().map(resolve),
        key: monitor.key.as_deref().map(resolve),
        tsa,
        concurrency: count("monitor.concurrency", monitor.concurrency, 64, 1)? as usize,
        failure_threshold: count("monitor.failure_threshold", monitor.failure_threshold, 3, 1)?
            as u32,
        success_threshold: count("monitor.success_threshold", monitor.success_threshold, 2, 1)?
            as u32,
        reload,
        alerts,
        endpoints,
        sha256: hex::encode(Sha256::digest(bytes)),
    })
}

fn parse_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|error| format!("{text:?}: {error}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("{text:?}: not an http(s) URL with a host"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<MonitorConfig, ConfigError> {
        parse(Path::new("monitor.toml"), Path::new("."), text.as_bytes())
    }

    #[test]
    fn a_minimal_file_gets_the_defaults() {
        let config = parse_text(
            "[monitor]\nevidence_dir = \"ev\"\n[[endpoint]]\nname = \"acme\"\nurl = \"https://psirt.acme.example/\"\ninterval = \"5m\"\ntimeout = \"10s\"\nretries = 2\nunknown_key = 1\n",
        )
        .unwrap();
        assert_eq!(config.failure_threshold, 3);
        assert_eq!(config.success_threshold, 2);
        let endpoint = &config.endpoints[0];
        assert_eq!(endpoint.interval, Duration::from_secs(300));
        assert_eq!(endpoint.timeout, Duration::from_secs(10));
        assert_eq!(endpoint.retries, 2);
        assert_eq!(endpoint.supplier, "acme");
        assert!(endpoint.verify);
        assert_eq!(config.evidence_dir, Some(PathBuf::from("./ev")));
    }

    #[test]
    fn errors_name_the_key() {
        let bad = |body: &str| {
            parse_text(&format!(
                "[[endpoint]]\nname = \"a\"\nurl = \"http://a.example/\"\n[[endpoint]]\nname = \"b\"\nurl = \"http://b.example/\"\n{body}\n"
            ))
            .unwrap_err()
            .to_string()
        };
        assert!(
            bad("interval = \"soon\"")
                .starts_with("monitor.toml: endpoint[1].interval: \"soon\": "),
            "{}",
            bad("interval = \"soon\"")
        );
        assert!(
            bad("retries = -1")
                .starts_with("monitor.toml: endpoint[1].retries: -1 is out of range")
        );
        assert!(
            bad("key = \"nope\"").starts_with("monitor.toml: endpoint[1].key: not a verifier key")
        );
        assert!(bad("timeout = \"0s\"").contains("endpoint[1].timeout: must be more than 0"));
        let duplicate = parse_text(
            "[[endpoint]]\nname = \"a\"\nurl = \"http://a.example/\"\n[[endpoint]]\nname = \"a\"\nurl = \"http://b.example/\"\n",
        )
        .unwrap_err();
        assert_eq!(
            duplicate.to_string(),
            "monitor.toml: endpoint[1].name: \"a\" is used by another endpoint"
        );
        let scheme =
            parse_text("[[endpoint]]\nname = \"a\"\nurl = \"ftp://a.example/\"\n").unwrap_err();
        assert!(scheme.to_string().starts_with(
            "monitor.toml: endpoint[0].url: \"ftp://a.example/\": not an http(s) URL"
        ));
        let missing = parse_text("[[endpoint]]\nurl = \"http://a.example/\"\n").unwrap_err();
        assert_eq!(
            missing.to_string(),
            "monitor.toml: endpoint[0].name: missing"
        );
        let syntax = parse_text("[[endpoint]\n").unwrap_err();
        assert!(matches!(syntax, ConfigError::Syntax { .. }), "{syntax}");
        let typed = parse_text(
            "[[endpoint]]\nname = \"a\"\nurl = \"http://a.example/\"\nretries = \"two\"\n",
        )
        .unwrap_err();
        assert!(typed.to_string().contains("retries"), "{typed}");
    }

    #[test]
    fn suppliers_come_from_csv_with_errors_naming_the_line() {
        let directory = tempfile::tempdir().unwrap();
        std::fs::write(
            directory.path().join("suppliers.csv"),
            "name,url,supplier,interval,retries\nacme,https://acme.example/,ACME AG,15m,1\nbeta,https://beta.example/,,,\n",
        )
        .unwrap();
        let config_path = directory.path().join("monitor.toml");
        let text = "[monitor]\nsuppliers_csv = \"suppliers.csv\"\n";
        let config = parse(&config_path, directory.path(), text.as_bytes()).unwrap();
        assert_eq!(config.endpoints.len(), 2);
        assert_eq!(config.endpoints[0].supplier, "ACME AG");
        assert_eq!(config.endpoints[0].interval, Duration::from_secs(900));
        assert_eq!(config.endpoints[0].retries, 1);
        assert_eq!(config.endpoints[1].interval, Duration::from_secs(300));

        std::fs::write(
            directory.path().join("suppliers.csv"),
            "name,url,interval\nacme,https://acme.example/,15m\nbeta,https://beta.example/,often\n",
        )
        .unwrap();
        let error = parse(&config_path, directory.path(), text.as_bytes()).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("suppliers.csv line 3.interval: \"often\""),
            "{message}"
        );
    }
}
