//! Shared helpers of the `fixlog verify` end-to-end tests: the real binary serving a temporary
//! SQLite database, `fixlog verify --json` runs, and an attacker's raw access to the database.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fixlog_tlog::{Checkpoint, MemoryTree, NodeId, Signer};
use serde_json::Value;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, Row, SqliteConnection};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_fixlog");
/// The origin of `serve --demo`.
pub const ORIGIN: &str = "demo.fixlog.invalid/log";

/// A running `fixlog serve --demo` over one database file.
pub struct Server {
    child: Child,
    /// Its base URL.
    pub url: String,
}

impl Server {
    /// Starts the server and waits for its `listening on` line.
    pub async fn start(db: &Path) -> Self {
        let mut child = Command::new(BIN)
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--db"])
            .arg(db_url(db))
            .env("FIXLOG_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("fixlog serve starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let url = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.expect("server stdout") {
                if let Some(url) = line.strip_prefix("listening on ") {
                    return url.to_owned();
                }
            }
            panic!("fixlog serve exited without a listening line");
        })
        .await
        .expect("fixlog serve is ready within 60 s");
        Self { child, url }
    }

    /// Stops the server with SIGTERM and waits for it to exit.
    pub async fn stop(mut self) {
        let pid = self.child.id().expect("server is running");
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .await;
        if tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// `sqlite://PATH` for the server.
pub fn db_url(db: &Path) -> String {
    format!("sqlite://{}", db.display())
}

/// The outcome of one `fixlog` run.
#[derive(Debug)]
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Stdout as the `--json` report.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {}\n{}", self.stdout, self.stderr))
    }

    /// Ids of the error findings of the `--json` report.
    pub fn errors(&self) -> Vec<String> {
        self.findings("error")
            .into_iter()
            .map(|finding| finding["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Findings of one severity.
    pub fn findings(&self, severity: &str) -> Vec<Value> {
        self.json()["findings"]
            .as_array()
            .expect("findings array")
            .iter()
            .filter(|finding| finding["severity"] == severity)
            .cloned()
            .collect()
    }

    /// Whether an error finding with `id` names `subject` (a substring).
    pub fn has_error(&self, id: &str, subject: &str) -> bool {
        self.findings("error").iter().any(|finding| {
            finding["id"] == id && finding["subject"].as_str().unwrap().contains(subject)
        })
    }
}

/// Runs `fixlog ARGS…`.
pub async fn fixlog(args: &[&str], envs: &[(&str, &str)]) -> Run {
    let output = Command::new(BIN)
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .await
        .expect("fixlog runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `fixlog verify URL --state DIR --json`.
pub async fn verify(url: &str, state: &Path) -> Run {
    fixlog(
        &["verify", url, "--state", state.to_str().unwrap(), "--json"],
        &[],
    )
    .await
}

/// A temporary directory holding the database and the verifier state.
pub struct Workspace {
    /// Keeps the directory alive.
    pub directory: tempfile::TempDir,
}

impl Workspace {
    /// A fresh directory.
    pub fn new() -> Self {
        Self {
            directory: tempfile::tempdir().unwrap(),
        }
    }

    /// The database file.
    pub fn db(&self) -> PathBuf {
        self.directory.path().join("log.db")
    }

    /// The `--state` directory.
    pub fn state(&self) -> PathBuf {
        self.directory.path().join("state")
    }
}

/// A row of the `entries` table.
#[derive(Clone, Debug)]
pub struct EntryRow {
    /// Sequence number.
    pub seq: i64,
    /// Entry kind.
    pub kind: String,
    /// Microseconds since the epoch.
    pub published: i64,
    /// Product id.
    pub product: Option<String>,
    /// Advisory id.
    pub advisory: Option<String>,
    /// Version key.
    pub version_key: Option<String>,
    /// Superseded entry.
    pub supersedes: Option<i64>,
    /// Canonical entry bytes.
    pub body: Vec<u8>,
}

/// The attacker: raw SQL on the log database, triggers dropped.
pub struct Attacker {
    /// The connection.
    pub connection: SqliteConnection,
}

impl Attacker {
    /// Opens the database (foreign keys off) and drops the append-only triggers.
    pub async fn open(db: &Path) -> Self {
        let options = SqliteConnectOptions::new().filename(db).foreign_keys(false);
        let mut connection = SqliteConnection::connect_with(&options).await.unwrap();
        for trigger in [
            "entries_insert_only_update",
            "entries_insert_only_delete",
            "tlog_nodes_insert_only_update",
            "tlog_nodes_insert_only_delete",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP TRIGGER IF EXISTS {trigger}"
            )))
            .execute(&mut connection)
            .await
            .unwrap();
        }
        Self { connection }
    }

    /// Every entry row in sequence order.
    pub async fn rows(&mut self) -> Vec<EntryRow> {
        sqlx::query(
            "SELECT seq, kind, published, product, advisory, version_key, supersedes, body \
             FROM entries ORDER BY seq",
        )
        .fetch_all(&mut self.connection)
        .await
        .unwrap()
        .into_iter()
        .map(|row| EntryRow {
            seq: row.get(0),
            kind: row.get(1),
            published: row.get(2),
            product: row.get(3),
            advisory: row.get(4),
            version_key: row.get(5),
            supersedes: row.get(6),
            body: row.get(7),
        })
        .collect()
    }

    /// Replaces one entry's body.
    pub async fn set_body(&mut self, seq: i64, body: &[u8]) {
        sqlx::query("UPDATE entries SET body = ? WHERE seq = ?")
            .bind(body)
            .bind(seq)
            .execute(&mut self.connection)
            .await
            .unwrap();
    }

    /// Deletes an entry row and its leaf node. (Deleting the interior nodes above it too makes
    /// the server refuse to start: it re-signs the current tree on start-up.)
    pub async fn delete_entry(&mut self, seq: i64) {
        sqlx::query("DELETE FROM entries WHERE seq = ?")
            .bind(seq)
            .execute(&mut self.connection)
            .await
            .unwrap();
        sqlx::query("DELETE FROM tlog_nodes WHERE level = 0 AND idx = ?")
            .bind(seq - 1)
            .execute(&mut self.connection)
            .await
            .unwrap();
    }

    /// Replaces every entry row.
    pub async fn replace_rows(&mut self, rows: &[EntryRow]) {
        sqlx::query("DELETE FROM entries")
            .execute(&mut self.connection)
            .await
            .unwrap();
        for row in rows {
            sqlx::query(
                "INSERT INTO entries (seq, kind, published, product, advisory, version_key, \
                 supersedes, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(row.seq)
            .bind(&row.kind)
            .bind(row.published)
            .bind(&row.product)
            .bind(&row.advisory)
            .bind(&row.version_key)
            .bind(row.supersedes)
            .bind(&row.body)
            .execute(&mut self.connection)
            .await
            .unwrap();
        }
    }

    /// The perfect forger: rebuilds every Merkle node from the current bodies and replaces all
    /// checkpoints with one of the new tree signed by the log key.
    pub async fn rebuild_and_resign(&mut self, signer: &Signer) -> Checkpoint {
        let rows = self.rows().await;
        let mut tree = MemoryTree::new();
        for row in &rows {
            tree.push(&row.body);
        }
        sqlx::query("DELETE FROM tlog_nodes")
            .execute(&mut self.connection)
            .await
            .unwrap();
        for level in 0..64u8 {
            let mut index = 0u64;
            while let Some(hash) = tree.node(NodeId::new(level, index)) {
                sqlx::query("INSERT INTO tlog_nodes (level, idx, hash) VALUES (?, ?, ?)")
                    .bind(i64::from(level))
                    .bind(index as i64)
                    .bind(hash.to_vec())
                    .execute(&mut self.connection)
                    .await
                    .unwrap();
                index += 1;
            }
            if index == 0 {
                break;
            }
        }
        let checkpoint = Checkpoint {
            origin: signer.name().to_owned(),
            size: tree.size(),
            root: tree.root(),
            extensions: vec![],
        };
        let note = checkpoint.sign(&[signer]).unwrap();
        sqlx::query("DELETE FROM checkpoints")
            .execute(&mut self.connection)
            .await
            .unwrap();
        sqlx::query("INSERT INTO checkpoints (size, note, created) VALUES (?, ?, ?)")
            .bind(checkpoint.size as i64)
            .bind(note)
            .bind(1_800_000_000_000_000i64)
            .execute(&mut self.connection)
            .await
            .unwrap();
        checkpoint
    }

    /// Closes the connection (so the server sees a quiet database).
    pub async fn close(self) {
        self.connection.close().await.unwrap();
    }
}
