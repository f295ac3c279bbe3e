//! `fixlog monitor run --for 3s` against a real `fixlog serve --demo`, then
//! `fixlog monitor report --json` and `--csv`, on SQLite and (when configured) PostgreSQL; a
//! broken configuration is exit 2 naming the key.

mod common;

use std::path::Path;

use common::{PgSchema, Server, assert_exit, postgres_base_url, run, stderr, stdout};

fn demo_server(dir: &Path) -> Server {
    let db = format!("sqlite://{}", dir.join("log.db").display());
    Server::start_with(dir, &["--demo", "--db", &db], &[])
}

fn run_and_report(db: &str) {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_server(dir.path());
    let config = dir.path().join("monitor.toml");
    std::fs::write(
        &config,
        format!(
            "[monitor]\nevidence_dir = \"evidence\"\n\n[[endpoint]]\nname = \"demo\"\nurl = \"{}\"\ninterval = \"200ms\"\ntimeout = \"5s\"\nretries = 1\n\n[[endpoint]]\nname = \"closed\"\nurl = \"http://127.0.0.1:9/\"\ninterval = \"200ms\"\ntimeout = \"1s\"\nretries = 2\n",
            server.url
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let ran = run(
        &[
            "monitor", "run", "--config", config, "--db", db, "--for", "3s",
        ],
        &[],
    );
    assert_exit(&ran, 0);
    assert!(stderr(&ran).contains("probes"), "{}", stderr(&ran));

    let output = run(
        &[
            "monitor", "report", "--config", config, "--db", db, "--json",
        ],
        &[],
    );
    assert_exit(&output, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let demo = &report["endpoints"][0];
    assert_eq!(demo["name"], "demo");
    let probes = demo["uptime"]["probes"].as_u64().unwrap();
    assert!(
        (5..=20).contains(&probes),
        "{probes} probes in 3 s at 200 ms"
    );
    assert_eq!(demo["uptime"]["first_attempt_pct"], 100.0);
    assert_eq!(demo["uptime"]["after_retries_pct"], 100.0);
    let p50 = demo["latency"]["p50_ms"].as_f64().unwrap();
    let p95 = demo["latency"]["p95_ms"].as_f64().unwrap();
    let p99 = demo["latency"]["p99_ms"].as_f64().unwrap();
    assert!(0.0 < p50 && p50 <= p95 && p95 <= p99, "{p50} {p95} {p99}");
    assert_eq!(demo["incidents"], serde_json::json!([]));
    assert_eq!(demo["disqualified"], false);

    // The closed port: every attempt (3 per probe) recorded, class tcp, one incident.
    let closed = &report["endpoints"][1];
    assert_eq!(closed["uptime"]["first_attempt_pct"], 0.0);
    let closed_probes = closed["uptime"]["probes"].as_u64().unwrap();
    assert_eq!(closed["attempts"].as_u64().unwrap(), closed_probes * 3);
    assert_eq!(
        closed["failures"]["tcp"].as_u64().unwrap(),
        closed_probes * 3
    );
    assert_eq!(closed["incidents"][0]["cause"], "tcp");
    assert_eq!(closed["incidents"][0]["end"], serde_json::Value::Null);

    let csv = dir.path().join("samples.csv");
    let output = run(
        &[
            "monitor",
            "report",
            "--config",
            config,
            "--db",
            db,
            "--csv",
            csv.to_str().unwrap(),
        ],
        &[],
    );
    assert_exit(&output, 0);
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows = text.lines().count() as u64;
    assert_eq!(
        rows,
        1 + probes + closed_probes * 3,
        "header + one row per attempt"
    );
    assert!(text.starts_with("endpoint,probe_id,attempt,"));

    // Evidence: the first probe of each endpoint and the closed port going down sealed
    // bundles, listed in the report; `fixlog evidence verify` checks them and their chains
    // with the monitor's key pinned (printed by `monitor run`, created next to the config).
    let evidence = dir.path().join("evidence");
    for endpoint in [demo, closed] {
        let listed = endpoint["evidence"].as_array().unwrap();
        assert!(!listed.is_empty(), "no evidence listed: {endpoint}");
        for item in listed {
            let path = Path::new(item["path"].as_str().unwrap());
            assert!(path.starts_with(&evidence), "{}", path.display());
            let manifest = std::fs::read(path.join("manifest.json")).unwrap();
            assert_eq!(
                item["manifest_sha256"].as_str().unwrap(),
                sha256_hex(&manifest)
            );
        }
    }
    let key = dir.path().join("monitor.key");
    let pinned = stderr(&ran)
        .split("--key ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .expect("monitor run prints the key to pin")
        .to_owned();
    assert!(key.exists());
    let output = run(
        &[
            "evidence",
            "verify",
            evidence.to_str().unwrap(),
            "--key",
            &pinned,
            "--json",
        ],
        &[],
    );
    assert_exit(&output, 0);
    let verdict: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(verdict["intact"], true);
    assert_eq!(verdict["chains_checked"], true);
    let bundles = verdict["bundles"].as_array().unwrap().len();
    let listed =
        demo["evidence"].as_array().unwrap().len() + closed["evidence"].as_array().unwrap().len();
    assert_eq!(bundles, listed, "every sealed bundle is in the report");

    // Another key pinned: broken, exit 1.
    let other = ed25519_dalek::SigningKey::from_bytes(&[6; 32]).verifying_key();
    let other =
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, other.as_bytes());
    let output = run(
        &[
            "evidence",
            "verify",
            evidence.to_str().unwrap(),
            "--key",
            &other,
        ],
        &[],
    );
    assert_exit(&output, 1);
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[test]
fn monitor_run_then_report_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("monitor.db").display());
    run_and_report(&db);
}

#[test]
fn monitor_run_then_report_on_postgres() {
    let Some(base) = postgres_base_url() else {
        return;
    };
    let schema = PgSchema::create(&base);
    run_and_report(&schema.url);
}

#[test]
fn a_broken_configuration_is_exit_2_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("monitor.toml");
    std::fs::write(
        &config,
        "[[endpoint]]\nname = \"a\"\nurl = \"http://127.0.0.1:9/\"\ninterval = \"every now and then\"\n",
    )
    .unwrap();
    let db = format!("sqlite://{}", dir.path().join("monitor.db").display());
    let output = run(
        &[
            "monitor",
            "run",
            "--config",
            config.to_str().unwrap(),
            "--db",
            &db,
            "--for",
            "1s",
        ],
        &[],
    );
    assert_exit(&output, 2);
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains("endpoint[0].interval"), "{message}");
}
