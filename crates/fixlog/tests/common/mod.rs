//! Shared helpers of the end-to-end tests: the real binary, real HTTP (curl), and a fresh
//! PostgreSQL schema per test when `FIXLOG_TEST_POSTGRES_URL` is set.
//!
//! NOTE: reconstructed from its uses in `e2e_publish.rs` after the original file was
//! accidentally overwritten; the original author should compare with their version.

#![allow(
    dead_code,
    reason = "each test binary uses a different subset of these helpers"
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_fixlog");

/// Runs `fixlog ARGS…` with extra environment variables and waits for it.
pub fn run(args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("FIXLOG_TOKEN")
        .envs(envs.iter().copied())
        .output()
        .expect("fixlog runs")
}

/// Stdout without the trailing newline.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout)
        .trim_end()
        .to_owned()
}

/// Stderr without the trailing newline.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr)
        .trim_end()
        .to_owned()
}

/// Panics unless the exit code is `code`, showing both streams.
#[track_caller]
pub fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "exit code; stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
}

/// `fixlog keygen --origin test.example/log` into `dir`; returns the key file.
pub fn keygen(dir: &Path) -> PathBuf {
    let key = dir.join("log.key");
    let output = run(
        &[
            "keygen",
            "--origin",
            "test.example/log",
            "--out",
            key.to_str().expect("UTF-8 path"),
        ],
        &[],
    );
    assert_exit(&output, 0);
    key
}

/// A running `fixlog serve`, killed on drop.
pub struct Server {
    child: Child,
    /// Its base URL.
    pub url: String,
}

impl Server {
    /// Starts `fixlog serve --db DB --key KEY` on a free port in `dir` and waits for its
    /// `listening on` line.
    pub fn start(dir: &Path, db: &str, key: &Path) -> Self {
        let key = key.to_str().expect("UTF-8 path");
        Self::start_with(dir, &["--db", db, "--key", key], &[])
    }

    /// Starts `fixlog serve --listen 127.0.0.1:0 ARGS…` with `envs` in `dir` and waits for
    /// its `listening on` line.
    pub fn start_with(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Self {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .current_dir(dir)
            .env("FIXLOG_LOG", "error")
            .envs(envs.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("fixlog serve starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(url) = line.strip_prefix("listening on ") {
                        break url.to_owned();
                    }
                }
                _ => {
                    let _ = child.kill();
                    panic!("fixlog serve exited without a listening line");
                }
            }
        };
        Self { child, url }
    }

    /// The log size, from `/healthz`.
    pub fn size(&self) -> u64 {
        get_json(&format!("{}/healthz", self.url))["size"]
            .as_u64()
            .expect("healthz size")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// GET with curl: status and body.
pub fn http_get(url: &str) -> (u16, String) {
    let output = Command::new("curl")
        .args(["-sS", "-w", "\n%{http_code}", url])
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').expect("curl status line");
    (status.trim().parse().expect("status code"), body.to_owned())
}

/// GET a JSON document (panics unless 200).
pub fn get_json(url: &str) -> serde_json::Value {
    let (status, body) = http_get(url);
    assert_eq!(status, 200, "{url}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|error| panic!("{url}: not JSON ({error}): {body}"))
}

/// `sha256sum FILE` as lowercase hex.
pub fn sha256sum(path: &Path) -> String {
    let output = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .next()
        .expect("digest")
        .to_owned()
}

/// `openssl dgst -sha3-256 FILE` as lowercase hex.
pub fn openssl_sha3_256(path: &Path) -> String {
    let output = Command::new("openssl")
        .args(["dgst", "-sha3-256", "-r"])
        .arg(path)
        .output()
        .expect("openssl");
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .next()
        .expect("digest")
        .to_owned()
}

/// Deterministic pseudo-random bytes (xorshift64*), different per seed.
pub fn pseudo_random(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut bytes = Vec::with_capacity(len + 8);
    while bytes.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        bytes.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

/// `FIXLOG_TEST_POSTGRES_URL`, or `None` (the test is skipped) when unset outside CI.
pub fn postgres_base_url() -> Option<String> {
    match std::env::var("FIXLOG_TEST_POSTGRES_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            assert!(
                std::env::var("CI").is_err(),
                "FIXLOG_TEST_POSTGRES_URL must be set in CI"
            );
            eprintln!("skipped: FIXLOG_TEST_POSTGRES_URL is not set");
            None
        }
    }
}

/// A fresh PostgreSQL schema, dropped at the end of the test.
pub struct PgSchema {
    base: String,
    name: String,
    /// A database URL whose connections use the schema.
    pub url: String,
}

impl PgSchema {
    /// Creates `fixlog_e2e_<pid>_<n>` on the server at `base`.
    pub fn create(base: &str) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "fixlog_e2e_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        psql(base, &format!("CREATE SCHEMA {name}"));
        let separator = if base.contains('?') { '&' } else { '?' };
        Self {
            base: base.to_owned(),
            url: format!("{base}{separator}options=-csearch_path%3D{name}"),
            name,
        }
    }

    /// Runs one query in the schema and returns its unaligned output.
    pub fn query(&self, sql: &str) -> String {
        psql(
            &self.base,
            &format!("SET search_path TO {}; {sql}", self.name),
        )
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                &self.base,
                "-tAqc",
                &format!("DROP SCHEMA {} CASCADE", self.name),
            ])
            .output();
    }
}

fn psql(base: &str, sql: &str) -> String {
    let output = Command::new("psql")
        .args([base, "-tAqc", sql])
        .output()
        .expect("psql runs");
    assert!(
        output.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// nginx from Debian (`nginx-light`).
pub const NGINX: &str = "/usr/sbin/nginx";

/// A free TCP port on 127.0.0.1 (bound and released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// A running nginx, stopped on drop.
pub struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs nginx unprivileged in the foreground with `config` (which must `listen` on
/// 127.0.0.1:`port` and keep its temporary files below `tmp/`) under `prefix`, and waits
/// until it accepts connections. One process (`master_process off`): killing it on drop
/// leaves no worker behind holding the test's pipes open.
pub fn start_nginx(prefix: &Path, config: &str, port: u16) -> Nginx {
    std::fs::create_dir_all(prefix.join("logs")).expect("nginx logs folder");
    std::fs::create_dir_all(prefix.join("tmp")).expect("nginx tmp folder");
    std::fs::write(prefix.join("nginx.conf"), config).expect("nginx.conf");
    // As root the worker would run as nobody, who cannot read the test's private folder.
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.starts_with(b"0\n"));
    let globals = format!(
        "daemon off; master_process off; pid {}/nginx.pid; error_log stderr;{}",
        prefix.display(),
        if root { " user root;" } else { "" }
    );
    let child = Command::new(NGINX)
        .arg("-p")
        .arg(prefix)
        .arg("-c")
        .arg(prefix.join("nginx.conf"))
        .args(["-g", &globals])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("nginx starts (apt-get install nginx-light)");
    let running = Nginx(child);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "nginx did not listen on {port}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    running
}
