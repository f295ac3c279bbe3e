//! Crash-safety client for `scripts/crash-test.sh`.
//!
//! ```sh
//! crash_storm storm URL --token T --round R --count 1000 --kill-pid PID --kill-after K --record DIR
//! crash_storm check URL --record DIR
//! ```
//!
//! `storm` fires `count` concurrent release publishes, records every acknowledged one
//! (`DIR/acked.jsonl`: seq, checkpoint size, the entry document) and every checkpoint note
//! `/tlog/checkpoint` served meanwhile (`DIR/checkpoints.jsonl`), and sends SIGKILL to the server
//! after `kill-after` acknowledgements, while the rest are in flight.
//!
//! `check` runs against the restarted server and fails (exit 1) unless: the served checkpoint
//! verifies with the log key recorded before the kill; the entry bundles hold exactly `size`
//! entries with `seq` 1..=size (no gaps) and reproduce the signed root; every acknowledged entry
//! is present with the same document and is covered by the checkpoint; and the tree is
//! consistent with every checkpoint recorded before any kill (same root at that size).
//! Records accumulate over rounds, so round N re-checks everything of rounds 1..N.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fixlog_tlog::{
    MemoryTree, Verifier, decode_entry_bundle, entry_bundles_for_size, open_checkpoint,
};
use serde_json::{Value, json};
use tokio::sync::Mutex;

fn usage() -> ! {
    eprintln!(
        "usage: crash_storm storm URL --token T --round R --count N --kill-pid PID --kill-after K --record DIR\n       crash_storm check URL --record DIR"
    );
    std::process::exit(2)
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn required(args: &[String], name: &str) -> String {
    flag(args, name).unwrap_or_else(|| usage())
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(mode), Some(url)) = (args.first(), args.get(1)) else {
        usage()
    };
    let url = url.trim_end_matches('/').to_owned();
    let record = PathBuf::from(required(&args, "--record"));
    let result = match mode.as_str() {
        "storm" => storm(&url, &args, &record).await,
        "check" => check(&url, &record).await,
        _ => usage(),
    };
    if let Err(message) = result {
        eprintln!("FAIL: {message}");
        std::process::exit(1);
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(1024)
        .build()
        .expect("HTTP client")
}

fn append_line(path: &Path, line: &str) {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("record file");
    writeln!(file, "{line}").expect("write record");
}

fn release_body(round: u64, number: u64) -> Value {
    let digest = |algorithm: &str| {
        let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
        sha2::Digest::update(
            &mut hasher,
            format!("{algorithm} {round} {number}").as_bytes(),
        );
        hex::encode(sha2::Digest::finalize(hasher))
    };
    json!({
        "product": "dcs-c200",
        "version": format!("90.{round}.{number}.1"),
        "release_date": "2026-01-15",
        "images": [{
            "name": format!("C200_90.{round}.{number}.1.upd"),
            "size": 1000 + number,
            "sha256": digest("sha256"),
            "sha3_256": digest("sha3"),
        }],
        "fixes": [],
    })
}

async fn storm(url: &str, args: &[String], record: &Path) -> Result<(), String> {
    let token = required(args, "--token");
    let round: u64 = required(args, "--round")
        .parse()
        .unwrap_or_else(|_| usage());
    let count: u64 = required(args, "--count")
        .parse()
        .unwrap_or_else(|_| usage());
    let kill_pid = required(args, "--kill-pid");
    let kill_after: u64 = required(args, "--kill-after")
        .parse()
        .unwrap_or_else(|_| usage());
    std::fs::create_dir_all(record).map_err(|e| e.to_string())?;
    let client = client();

    // The log key, recorded once: later rounds verify against the first one.
    let key_file = record.join("log.vkey");
    if !key_file.exists() {
        let key = get_text(&client, &format!("{url}/tlog/key")).await?;
        std::fs::write(&key_file, key).map_err(|e| e.to_string())?;
    }

    let acked = Arc::new(AtomicU64::new(0));
    let killed = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(AtomicU64::new(0));
    let acked_file = Arc::new(Mutex::new(record.join("acked.jsonl")));
    let started = Instant::now();

    // Checkpoint watcher: records every distinct note served until the server is gone.
    let watcher = {
        let client = client.clone();
        let url = url.to_owned();
        let path = record.join("checkpoints.jsonl");
        tokio::spawn(async move {
            let mut seen = HashSet::new();
            let mut misses = 0;
            while misses < 20 {
                match get_text(&client, &format!("{url}/tlog/checkpoint")).await {
                    Ok(note) => {
                        misses = 0;
                        if seen.insert(note.clone()) {
                            append_line(&path, &json!({ "note": note }).to_string());
                        }
                    }
                    Err(_) => misses += 1,
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            seen.len()
        })
    };

    let mut tasks = Vec::new();
    for number in 0..count {
        let client = client.clone();
        let token = token.clone();
        let url = url.to_owned();
        let acked = Arc::clone(&acked);
        let killed = Arc::clone(&killed);
        let failures = Arc::clone(&failures);
        let acked_file = Arc::clone(&acked_file);
        let kill_pid = kill_pid.clone();
        tasks.push(tokio::spawn(async move {
            let response = client
                .post(format!("{url}/api/v1/releases"))
                .bearer_auth(&token)
                .json(&release_body(round, number))
                .send()
                .await;
            let Ok(response) = response else {
                failures.fetch_add(1, Ordering::Relaxed);
                return;
            };
            let status = response.status();
            let Ok(body) = response.bytes().await else {
                failures.fetch_add(1, Ordering::Relaxed);
                return;
            };
            if !status.is_success() {
                failures.fetch_add(1, Ordering::Relaxed);
                if !killed.load(Ordering::Relaxed) {
                    eprintln!(
                        "publish {number}: HTTP {status}: {}",
                        String::from_utf8_lossy(&body)
                    );
                }
                return;
            }
            let answer: Value = serde_json::from_slice(&body).expect("2xx body is JSON");
            let line = json!({
                "round": round,
                "number": number,
                "seq": answer["seq"],
                "checkpoint_size": answer["checkpoint_size"],
                "entry": answer["entry"],
            });
            {
                let path = acked_file.lock().await;
                append_line(&path, &line.to_string());
            }
            let total = acked.fetch_add(1, Ordering::SeqCst) + 1;
            if total == kill_after && !killed.swap(true, Ordering::SeqCst) {
                let _ = std::process::Command::new("kill")
                    .args(["-9", &kill_pid])
                    .status();
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let checkpoints = watcher.await.unwrap_or(0);
    println!(
        "storm round {round}: {} acknowledged, {} failed, killed={}, {checkpoints} checkpoints seen, {:.2} s",
        acked.load(Ordering::SeqCst),
        failures.load(Ordering::SeqCst),
        killed.load(Ordering::SeqCst),
        started.elapsed().as_secs_f64()
    );
    if !killed.load(Ordering::SeqCst) {
        return Err(format!(
            "only {} acknowledgements: the server was never killed",
            acked.load(Ordering::SeqCst)
        ));
    }
    Ok(())
}

async fn get_text(client: &reqwest::Client, url: &str) -> Result<String, String> {
    get_bytes(client, url)
        .await
        .and_then(|bytes| String::from_utf8(bytes).map_err(|e| format!("{url}: {e}")))
}

async fn get_bytes(client: &reqwest::Client, url: &str) -> Result<Vec<u8>, String> {
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    Ok(response
        .bytes()
        .await
        .map_err(|e| format!("{url}: {e}"))?
        .to_vec())
}

fn read_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_str(line).expect("record line is JSON"))
        .collect()
}

async fn check(url: &str, record: &Path) -> Result<(), String> {
    let client = client();
    let key_text = std::fs::read_to_string(record.join("log.vkey")).map_err(|e| e.to_string())?;
    let key = Verifier::from_vkey(key_text.trim()).map_err(|e| e.to_string())?;
    let keys = std::slice::from_ref(&key);

    let note = get_text(&client, &format!("{url}/tlog/checkpoint")).await?;
    let (current, _) =
        open_checkpoint(&note, keys).map_err(|e| format!("served checkpoint: {e}"))?;

    // Every entry, from the entry bundles, in order.
    let mut tree = MemoryTree::new();
    let mut documents = Vec::with_capacity(current.size as usize);
    for bundle in entry_bundles_for_size(current.size) {
        let bytes = get_bytes(&client, &format!("{url}/tlog/{bundle}")).await?;
        for entry in decode_entry_bundle(&bytes).map_err(|e| format!("{bundle}: {e}"))? {
            tree.push(&entry);
            let document: Value =
                serde_json::from_slice(&entry).map_err(|e| format!("entry bytes: {e}"))?;
            documents.push(document);
        }
    }
    if tree.size() != current.size {
        return Err(format!(
            "the bundles hold {} entries, the checkpoint says {}",
            tree.size(),
            current.size
        ));
    }
    for (index, document) in documents.iter().enumerate() {
        if document["seq"].as_u64() != Some(index as u64 + 1) {
            return Err(format!(
                "leaf {index} holds seq {} (gap or reorder)",
                document["seq"]
            ));
        }
    }
    if tree.root() != current.root {
        return Err("the entries do not reproduce the signed root".to_owned());
    }

    let acked = read_lines(&record.join("acked.jsonl"));
    for line in &acked {
        let seq = line["seq"].as_u64().ok_or("acked line without seq")?;
        let covered = line["checkpoint_size"].as_u64().unwrap_or(0);
        if seq == 0 || seq > current.size || covered > current.size {
            return Err(format!(
                "acknowledged seq {seq} (checkpoint {covered}) is beyond the recovered size {}",
                current.size
            ));
        }
        if covered < seq {
            return Err(format!(
                "seq {seq} was acknowledged under checkpoint {covered}"
            ));
        }
        if documents[seq as usize - 1] != line["entry"] {
            return Err(format!(
                "acknowledged entry {seq} differs from the stored one:\n  acked  {}\n  stored {}",
                line["entry"],
                documents[seq as usize - 1]
            ));
        }
    }

    let checkpoints = read_lines(&record.join("checkpoints.jsonl"));
    for line in &checkpoints {
        let old_note = line["note"]
            .as_str()
            .ok_or("checkpoint line without note")?;
        let (old, _) = open_checkpoint(old_note, keys)
            .map_err(|e| format!("recorded checkpoint does not verify: {e}"))?;
        if old.size > current.size {
            return Err(format!(
                "a checkpoint of size {} was served before the kill, the recovered tree has {}",
                old.size, current.size
            ));
        }
        let root = tree.root_at(old.size).map_err(|e| e.to_string())?;
        if root != old.root {
            return Err(format!(
                "the recovered tree is not consistent with the checkpoint of size {}",
                old.size
            ));
        }
    }
    println!(
        "check: size {}, {} acknowledged entries identical, {} served checkpoints consistent, no gaps",
        current.size,
        acked.len(),
        checkpoints.len()
    );
    Ok(())
}
