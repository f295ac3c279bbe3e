//! End to end: `fixlog verify` (the real binary) against `fixlog serve --demo` (the real binary)
//! over a temporary SQLite database.
//!
//! 1. A clean log verifies, twice, with an entry published in between (consistency with the
//!    saved checkpoint); a proof fetched from the server verifies offline with `--image`.
//! 2. An attacker with database access stops the server, tampers (edits, deletes, swaps rows;
//!    or forges a whole new tree and re-signs it with the log key), restarts it on the same
//!    database, and the next `verify --state` exits 1 naming what broke.

mod verify_support;

use fixlog_formats::EntryDoc;
use fixlog_server::keys::demo_signer;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use verify_support::{ORIGIN, Server, Workspace, fixlog, verify};

/// Starts a demo server on a fresh database and runs one clean `verify --state`, which saves
/// the checkpoint. Returns the workspace and the stopped server's database, ready to tamper.
async fn verified_demo() -> (Workspace, u64) {
    let workspace = Workspace::new();
    let server = Server::start(&workspace.db()).await;
    let run = verify(&server.url, &workspace.state()).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let size = run.json()["checked"]["size"].as_u64().unwrap();
    assert_eq!(run.json()["checked"]["state_saved"], true);
    server.stop().await;
    (workspace, size)
}

/// Restarts the server on the tampered database and runs `verify --state` against it.
async fn verify_after_tampering(workspace: &Workspace) -> verify_support::Run {
    let server = Server::start(&workspace.db()).await;
    let run = verify(&server.url, &workspace.state()).await;
    server.stop().await;
    assert_eq!(
        run.code, 1,
        "tampering must be found: {}\n{}",
        run.stdout, run.stderr
    );
    assert_eq!(run.json()["verdict"], "fail");
    assert_eq!(
        run.json()["checked"]["state_saved"],
        false,
        "a failed run must not replace the saved checkpoint"
    );
    run
}

fn edited(body: &[u8]) -> Vec<u8> {
    let mut document = EntryDoc::from_bytes(body).unwrap();
    document.cves.push("CVE-2099-0001".to_owned());
    document.canonical_bytes().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clean_log_verifies_and_stays_consistent_across_publishes() {
    let workspace = Workspace::new();
    let server = Server::start(&workspace.db()).await;
    let first = verify(&server.url, &workspace.state()).await;
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);
    assert!(first.errors().is_empty(), "{}", first.stdout);
    let checked = &first.json()["checked"];
    let size = checked["size"].as_u64().unwrap();
    assert!(size > 50, "the demo has entries: {size}");
    assert_eq!(
        checked["entries"], size,
        "every entry checked against the tiles"
    );
    assert_eq!(checked["api_entries"], size, "every API document compared");
    assert_eq!(checked["key_source"], "first-use");
    assert_eq!(checked["origin"], ORIGIN);

    // Publish a release between runs.
    let token = fixlog(
        &[
            "token",
            "create",
            "--db",
            &verify_support::db_url(&workspace.db()),
            "--role",
            "publisher",
        ],
        &[],
    )
    .await;
    assert_eq!(token.code, 0, "{}", token.stderr);
    let image = workspace.directory.path().join("fw.bin");
    let image_bytes: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&image, &image_bytes).unwrap();
    let published = fixlog(
        &[
            "publish",
            "release",
            "--server",
            &server.url,
            "--product",
            "dcs-c200",
            "--version",
            "9.9.9",
            "--released",
            "2026-11-28",
            "--image",
            image.to_str().unwrap(),
        ],
        &[("FIXLOG_TOKEN", token.stdout.trim())],
    )
    .await;
    assert_eq!(published.code, 0, "{}", published.stderr);
    let seq: u64 = published.stdout.trim().parse().unwrap();
    assert_eq!(seq, size + 1);

    let second = verify(&server.url, &workspace.state()).await;
    assert_eq!(second.code, 0, "{}\n{}", second.stdout, second.stderr);
    let checked = &second.json()["checked"];
    assert_eq!(checked["size"], size + 1);
    assert_eq!(
        checked["key_source"], "state",
        "the key is pinned after first use"
    );
    assert_eq!(
        checked["consistent_from"], size,
        "consistency proven from the saved checkpoint"
    );
    assert!(
        second
            .findings("info")
            .iter()
            .any(|finding| finding["id"] == "authentic.history.consistent"),
        "{}",
        second.stdout
    );

    // Offline: the entry's proof from the server, a policy with the log key, the image.
    let client = reqwest_client();
    let proof = client
        .get(format!("{}/api/v1/entries/{seq}/proof", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let key = client
        .get(format!("{}/tlog/key", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    server.stop().await;
    let directory = workspace.directory.path();
    let proof_path = directory.join("entry.tlog-proof");
    std::fs::write(&proof_path, &proof).unwrap();
    let policy_path = directory.join("policy.txt");
    std::fs::write(&policy_path, format!("log {}\nquorum none\n", key.trim())).unwrap();
    let offline = |image: std::path::PathBuf, proof: std::path::PathBuf| {
        let policy = policy_path.clone();
        async move {
            fixlog(
                &[
                    "verify",
                    "--proof",
                    proof.to_str().unwrap(),
                    "--policy",
                    policy.to_str().unwrap(),
                    "--image",
                    image.to_str().unwrap(),
                    "--json",
                ],
                &[],
            )
            .await
        }
    };
    let good = offline(image.clone(), proof_path.clone()).await;
    assert_eq!(good.code, 0, "{}\n{}", good.stdout, good.stderr);
    assert!(
        good.findings("info")
            .iter()
            .any(|finding| finding["id"] == "authentic.image.matched"),
        "{}",
        good.stdout
    );

    let mut flipped_bytes = image_bytes.clone();
    flipped_bytes[1234] ^= 0x01;
    let flipped = directory.join("fw-flipped.bin");
    std::fs::write(&flipped, flipped_bytes).unwrap();
    let bad_image = offline(flipped, proof_path.clone()).await;
    assert_eq!(
        bad_image.code, 1,
        "{}\n{}",
        bad_image.stdout, bad_image.stderr
    );
    assert_eq!(bad_image.errors(), ["authentic.image.unknown"]);

    // One hash of the inclusion proof changed: the proof no longer verifies.
    let mut lines: Vec<String> = proof.lines().map(str::to_owned).collect();
    let hash_line = lines
        .iter()
        .position(|line| line.len() == 44 && line.ends_with('='))
        .expect("a proof hash line");
    let mut flipped_hash = lines[hash_line].clone().into_bytes();
    flipped_hash[0] = if flipped_hash[0] == b'A' { b'B' } else { b'A' };
    lines[hash_line] = String::from_utf8(flipped_hash).unwrap();
    let bad_proof_path = directory.join("bad.tlog-proof");
    std::fs::write(&bad_proof_path, lines.join("\n") + "\n").unwrap();
    let bad_proof = offline(image.clone(), bad_proof_path).await;
    assert_eq!(
        bad_proof.code, 1,
        "{}\n{}",
        bad_proof.stdout, bad_proof.stderr
    );
    assert!(
        bad_proof
            .errors()
            .contains(&"authentic.proof.invalid".to_owned())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_servers_and_missing_arguments_exit_2() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let run = fixlog(&["verify", &format!("http://127.0.0.1:{port}")], &[]).await;
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(&port.to_string()), "{}", run.stderr);
    let run = fixlog(&["verify"], &[]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = fixlog(&["verify", "--proof", "x.tlog-proof"], &[]).await;
    assert_eq!(run.code, 2, "--proof needs --policy: {}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edited_entry_body_is_not_included() {
    let (workspace, _) = verified_demo().await;
    let mut attacker = verify_support::Attacker::open(&workspace.db()).await;
    let rows = attacker.rows().await;
    attacker.set_body(20, &edited(&rows[19].body)).await;
    attacker.close().await;

    let run = verify_after_tampering(&workspace).await;
    assert!(
        run.has_error("authentic.entry.not-included", "entry 20"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_entry_is_missing() {
    let (workspace, _) = verified_demo().await;
    let mut attacker = verify_support::Attacker::open(&workspace.db()).await;
    attacker.delete_entry(30).await;
    attacker.close().await;

    let run = verify_after_tampering(&workspace).await;
    assert!(
        run.has_error("authentic.tiles.missing", "/tlog/tile/0/"),
        "{}",
        run.stdout
    );
    assert!(
        run.has_error("authentic.entry.missing", "entry 30"),
        "{}",
        run.stdout
    );
    assert!(
        run.has_error("authentic.entry.order", "/api/v1/entries/31"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn swapped_entry_bodies_are_not_included() {
    let (workspace, _) = verified_demo().await;
    let mut attacker = verify_support::Attacker::open(&workspace.db()).await;
    let rows = attacker.rows().await;
    attacker.set_body(10, &rows[10].body).await;
    attacker.set_body(11, &rows[9].body).await;
    attacker.close().await;

    let run = verify_after_tampering(&workspace).await;
    assert!(
        run.has_error("authentic.entry.not-included", "entry 10"),
        "{}",
        run.stdout
    );
    assert!(
        run.has_error("authentic.entry.not-included", "entry 11"),
        "{}",
        run.stdout
    );
    assert!(
        run.has_error("authentic.entry.seq-mismatch", "entry 10"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backdated_insertion_with_a_re_signed_tree_is_inconsistent() {
    let (workspace, size) = verified_demo().await;
    let mut attacker = verify_support::Attacker::open(&workspace.db()).await;
    let rows = attacker.rows().await;
    // Insert from entry 40 on, before the first entry with room before it, an entry dated
    // between its neighbours; renumber the rest.
    let position = (40..rows.len())
        .find(|&p| rows[p - 1].published - rows[p - 2].published > 2)
        .expect("a gap between two publication times");
    let mut forged = Vec::with_capacity(rows.len() + 1);
    forged.extend(rows[..position - 1].iter().cloned());
    let mut inserted = rows[position - 1].clone();
    let published = (rows[position - 2].published + rows[position - 1].published) / 2;
    let mut document = EntryDoc::from_bytes(&inserted.body).unwrap();
    document.published = OffsetDateTime::from_unix_timestamp_nanos(i128::from(published) * 1000)
        .unwrap()
        .format(&Rfc3339)
        .unwrap();
    document.cves.push("CVE-2099-0002".to_owned());
    inserted.published = published;
    inserted.body = document.canonical_bytes().unwrap();
    forged.push(inserted);
    for row in &rows[position - 1..] {
        let mut row = row.clone();
        let mut document = EntryDoc::from_bytes(&row.body).unwrap();
        document.seq += 1;
        if let Some(superseded) = document.supersedes.as_mut()
            && *superseded >= position as u64
        {
            *superseded += 1;
        }
        row.seq += 1;
        row.supersedes = row
            .supersedes
            .map(|s| if s >= position as i64 { s + 1 } else { s });
        row.body = document.canonical_bytes().unwrap();
        forged.push(row);
    }
    attacker.replace_rows(&forged).await;
    let checkpoint = attacker.rebuild_and_resign(&demo_signer(ORIGIN)).await;
    attacker.close().await;
    assert_eq!(checkpoint.size, size + 1);

    let run = verify_after_tampering(&workspace).await;
    // The forged content may also break completeness (complete.*): only the authentic
    // errors are the subject here.
    assert_eq!(
        authentic(run.errors()),
        ["authentic.history.inconsistent"],
        "a perfect forger is caught only by consistency with the saved checkpoint: {}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_re_signed_tree_of_the_same_size_is_a_fork() {
    let (workspace, size) = verified_demo().await;
    let mut attacker = verify_support::Attacker::open(&workspace.db()).await;
    let rows = attacker.rows().await;
    attacker.set_body(12, &edited(&rows[11].body)).await;
    let checkpoint = attacker.rebuild_and_resign(&demo_signer(ORIGIN)).await;
    attacker.close().await;
    assert_eq!(checkpoint.size, size);

    let run = verify_after_tampering(&workspace).await;
    assert_eq!(
        authentic(run.errors()),
        ["authentic.history.fork"],
        "only the saved checkpoint reveals the fork: {}",
        run.stdout
    );
}

fn reqwest_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// The `authentic.*` ids among `errors`.
fn authentic(errors: Vec<String>) -> Vec<String> {
    errors
        .into_iter()
        .filter(|id| id.starts_with("authentic."))
        .collect()
}
