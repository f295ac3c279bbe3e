//! `fixlog import gitlab` end to end: the binary reads a local HTTP server serving the shared
//! GitLab fixtures page by page and saves drafts on a running `fixlog serve`; `--dry-run`
//! stores nothing; a malformed page or a bad token fails with one clear line and stores
//! nothing; drafts never enter the log.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use common::{Server, assert_exit, keygen, run, stderr, stdout};
use serde_json::{Value, json};

const NORMAL: u8 = 0;
const MALFORMED: u8 = 1;

/// A GitLab stand-in: `/api/v4/projects/17/issues` over the fixture plus one issue without a
/// CVE, `per_page` per page, `x-next-page`; `PRIVATE-TOKEN: good-token` required.
fn spawn_gitlab(mode: Arc<AtomicU8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/trackers/gitlab/project-issues.json"
    );
    let mut issues: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    let mut plain = issues[1].clone();
    plain["iid"] = json!(48);
    plain["title"] = json!("Watchdog reset when the backplane loses power");
    plain["labels"] = json!(["security"]);
    issues.push(plain);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut authorized = false;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line.trim().is_empty() {
                    break;
                }
                if line.to_ascii_lowercase().trim() == "private-token: good-token" {
                    authorized = true;
                }
            }
            let target = request_line.split_whitespace().nth(1).unwrap_or("/");
            let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
            let param = |name: &str| {
                query
                    .split('&')
                    .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
                    .and_then(|v| v.parse::<usize>().ok())
            };
            let (status, headers, body) = if !authorized {
                (
                    "401 Unauthorized",
                    String::new(),
                    r#"{"message": "401 Unauthorized"}"#.to_owned(),
                )
            } else {
                let page = param("page").unwrap_or(1);
                let per_page = param("per_page").unwrap_or(20);
                let pages = issues.len().div_ceil(per_page);
                let mut slice: Vec<Value> = issues
                    .iter()
                    .skip((page - 1) * per_page)
                    .take(per_page)
                    .cloned()
                    .collect();
                let next = if page < pages {
                    (page + 1).to_string()
                } else {
                    String::new()
                };
                if mode.load(Ordering::SeqCst) == MALFORMED {
                    if page == 1 {
                        slice[0]["title"] = json!("CVE-2026-10001: renamed in the tracker");
                    } else {
                        slice[0]["updated_at"] = json!("not a time");
                    }
                }
                (
                    "200 OK",
                    format!("x-next-page: {next}\r\n"),
                    serde_json::to_string(&slice).unwrap(),
                )
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{address}")
}

fn drafts(server: &Server, token: &str) -> Value {
    let output = Command::new("curl")
        .args(["-sS", "-H", &format!("Authorization: Bearer {token}")])
        .arg(format!("{}/api/v1/drafts", server.url))
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout).expect("drafts JSON")
}

#[test]
fn gitlab_import_dry_run_save_and_failures_that_store_nothing() {
    let directory = tempfile::tempdir().unwrap();
    let key = keygen(directory.path());
    let db = format!("sqlite://{}/log.db", directory.path().display());
    let server = Server::start(directory.path(), &db, &key);
    let token = run(&["token", "create", "--db", &db, "--role", "editor"], &[]);
    assert_exit(&token, 0);
    let token = stdout(&token);
    let mode = Arc::new(AtomicU8::new(NORMAL));
    let gitlab = spawn_gitlab(Arc::clone(&mode));
    let import = |extra: &[&str], gitlab_token: &str| {
        let mut args = vec![
            "import",
            "gitlab",
            "--server",
            &server.url,
            "--tracker-url",
            &gitlab,
            "--project",
            "17",
            "--product",
            "plc-x500",
            "--advisory-prefix",
            "ACME",
            "--page-size",
            "1",
        ];
        args.extend_from_slice(extra);
        run(
            &args,
            &[("FIXLOG_TOKEN", &token), ("GITLAB_TOKEN", gitlab_token)],
        )
    };

    let dry = import(&["--dry-run"], "good-token");
    assert_exit(&dry, 0);
    let text = stdout(&dry);
    assert!(
        text.contains("create ACME-CVE-2026-10001 [CVE-2026-10001] from gitlab:#42"),
        "{text}"
    );
    assert!(
        text.contains(
            "create ACME-CVE-2026-10002 [CVE-2026-10002, CVE-2026-10003] from gitlab:#47"
        ),
        "{text}"
    );
    assert!(
        text.contains("  + /title: (none) -> \"CVE-2026-10001: stored XSS"),
        "{text}"
    );
    assert!(text.contains("skip gitlab:#48: no CVE id"), "{text}");
    assert!(stderr(&dry).contains("dry run: nothing stored"));
    assert_eq!(drafts(&server, &token)["drafts"], json!([]));

    assert_exit(&import(&[], "good-token"), 0);
    let saved = drafts(&server, &token);
    assert_eq!(saved["drafts"].as_array().unwrap().len(), 2);
    assert_eq!(saved["drafts"][1]["state"], "draft");
    assert_eq!(server.size(), 0, "drafts never enter the log");
    let again = import(&["--full"], "good-token");
    assert_exit(&again, 0);
    assert!(
        stdout(&again).starts_with("unchanged ACME-CVE-2026-10001"),
        "{}",
        stdout(&again)
    );

    // Page 1 renames an issue, page 2 is malformed: the run fails and nothing changes.
    mode.store(MALFORMED, Ordering::SeqCst);
    let failed = import(&["--full"], "good-token");
    assert_exit(&failed, 2);
    let message = stderr(&failed);
    assert!(
        message.starts_with(&format!(
            "fixlog: gitlab: malformed answer from {gitlab}/api/v4/projects/17/issues?"
        )),
        "{message}"
    );
    assert!(message.contains("field [0].updated_at"), "{message}");
    assert_eq!(drafts(&server, &token), saved, "nothing partial stored");

    let denied = import(&["--full"], "wrong-token");
    assert_exit(&denied, 2);
    let message = stderr(&denied);
    assert!(
        message.contains("gitlab: authentication failed at http://"),
        "{message}"
    );
    assert!(
        message.contains("check the token in $GITLAB_TOKEN"),
        "{message}"
    );
    assert!(!message.contains("wrong-token"));
}
