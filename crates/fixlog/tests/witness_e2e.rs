//! Witnesses end to end with the real binary: `fixlog witness keygen`, `fixlog serve --witness`,
//! `fixlog witness cosign`, `fixlog policy` and `fixlog verify --proof --policy`: a proof carrying
//! 2 of 3 witness cosignatures verifies under a quorum-2 policy and fails under quorum 3.

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_fixlog");

async fn fixlog(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .await
        .expect("fixlog runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        stdout(output),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Starts `fixlog serve --demo` with `extra` arguments; returns the child and its base URL.
async fn serve(db: &Path, extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--db"])
        .arg(format!("sqlite://{}", db.display()))
        .args(extra)
        .env("FIXLOG_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("fixlog serve starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("listening on ") {
                return url.to_owned();
            }
        }
        panic!("fixlog serve exited without a listening line");
    })
    .await
    .expect("ready within 60 s");
    (child, url)
}

#[tokio::test]
async fn two_of_three_witnesses_meet_a_quorum_of_two_but_not_three() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let directory = tempfile::tempdir().unwrap();
    let dir = directory.path();
    let path = |name: &str| dir.join(name).display().to_string();

    let mut vkeys = Vec::new();
    for number in 1..=4 {
        let output = fixlog(&[
            "witness",
            "keygen",
            "--name",
            &format!("w{number}.example/witness"),
            "--out",
            &path(&format!("w{number}.key")),
        ])
        .await;
        assert!(output.status.success(), "{}", describe(&output));
        let vkey = stdout(&output).trim().to_owned();
        assert!(
            vkey.starts_with(&format!("w{number}.example/witness+")),
            "{vkey}"
        );
        vkeys.push(vkey);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(format!("w{number}.key")))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "witness key files are private");
        }
    }
    // The third witness key is given as a file, the others inline; w4 is not configured.
    std::fs::write(dir.join("w3.vkey"), format!("{}\n", vkeys[2])).unwrap();
    let (server, url) = serve(
        &dir.join("log.db"),
        &[
            "--witness",
            &vkeys[0],
            "--witness",
            &vkeys[1],
            "--witness",
            &path("w3.vkey"),
        ],
    )
    .await;

    // A log key is not a witness key.
    let log_key = reqwest::get(format!("{url}/tlog/key"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let refused = fixlog(&[
        "serve",
        "--demo",
        "--db",
        "sqlite::memory:",
        "--listen",
        "127.0.0.1:0",
        "--witness",
        log_key.trim(),
    ])
    .await;
    assert_eq!(refused.status.code(), Some(2), "{}", describe(&refused));

    for number in [1, 2] {
        let output = fixlog(&[
            "witness",
            "cosign",
            "--key",
            &path(&format!("w{number}.key")),
            "--server",
            &url,
            "--log-key",
            log_key.trim(),
        ])
        .await;
        assert!(output.status.success(), "{}", describe(&output));
        assert!(
            stdout(&output).contains("(stored)"),
            "{}",
            describe(&output)
        );
    }
    // Replay: stored once.
    let replay = fixlog(&[
        "witness",
        "cosign",
        "--key",
        &path("w1.key"),
        "--server",
        &url,
    ])
    .await;
    assert!(replay.status.success(), "{}", describe(&replay));
    assert!(
        stdout(&replay).contains("already stored"),
        "{}",
        describe(&replay)
    );
    // The unconfigured witness is refused (exit 1).
    let stranger = fixlog(&[
        "witness",
        "cosign",
        "--key",
        &path("w4.key"),
        "--server",
        &url,
    ])
    .await;
    assert_eq!(stranger.status.code(), Some(1), "{}", describe(&stranger));

    let checkpoint = reqwest::get(format!("{url}/tlog/checkpoint"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        checkpoint.matches(".example/witness ").count(),
        2,
        "{checkpoint}"
    );

    // The first release entry (it carries the vendor's release date).
    let page: serde_json::Value = reqwest::get(format!("{url}/api/v1/entries?limit=1000"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let seq = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["kind"] == "release")
        .and_then(|entry| entry["seq"].as_u64())
        .expect("a release entry");
    let proof = reqwest::get(format!("{url}/api/v1/entries/{seq}/proof"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    std::fs::write(dir.join("entry-5.tlog-proof"), &proof).unwrap();

    for quorum in ["2", "3"] {
        let output = fixlog(&[
            "policy",
            "--server",
            &url,
            "--quorum",
            quorum,
            "--out",
            &path(&format!("policy-{quorum}.txt")),
        ])
        .await;
        assert!(output.status.success(), "{}", describe(&output));
    }
    let policy = std::fs::read_to_string(dir.join("policy-2.txt")).unwrap();
    assert!(
        policy.contains(&format!("log {} {url}", log_key.trim())),
        "{policy}"
    );
    for vkey in &vkeys[..3] {
        assert!(policy.contains(vkey.as_str()), "{policy}");
    }
    assert!(!policy.contains(vkeys[3].as_str()));
    assert!(policy.contains("group witnesses 2 "), "{policy}");
    let too_many = fixlog(&[
        "policy",
        "--server",
        &url,
        "--quorum",
        "4",
        "--out",
        &path("p4.txt"),
    ])
    .await;
    assert_eq!(too_many.status.code(), Some(2), "{}", describe(&too_many));

    drop(server);

    // Offline from here on: the server is gone.
    let verify = |quorum: &'static str| {
        let proof = path("entry-5.tlog-proof");
        let policy = path(&format!("policy-{quorum}.txt"));
        async move { fixlog(&["verify", "--proof", &proof, "--policy", &policy]).await }
    };
    let two = verify("2").await;
    assert_eq!(two.status.code(), Some(0), "{}", describe(&two));
    let text = stdout(&two);
    assert!(text.contains("2 witness cosignatures"), "{text}");
    assert!(text.contains("authentic.proof.witnessed"), "{text}");
    assert!(
        text.contains("cosigned by w1.example/witness at 20"),
        "{text}"
    );
    assert!(text.contains("logged no later than 20"), "{text}");
    assert!(text.contains("the vendor claims release date"), "{text}");
    let three = verify("3").await;
    assert_eq!(three.status.code(), Some(1), "{}", describe(&three));
    assert!(
        stdout(&three).contains("authentic.proof.invalid"),
        "{}",
        describe(&three)
    );
}
