//! Witness cosignatures through `POST /tlog/cosignature`: accepted only from configured witness
//! keys, over the exact checkpoint text the log signed; merged into `/tlog/checkpoint` and the
//! proof files; replays store nothing.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode};
use ed25519_dalek::SigningKey;
use fixlog_server::witness::{WitnessKeyError, Witnesses};
use fixlog_server::{AppState, app};
use fixlog_store::{AppendRequest, Precondition, Store};
use fixlog_store_sqlite::SqliteStore;
use fixlog_tlog::{
    Checkpoint, Cosigner, Note, Policy, PolicyGroup, PolicyLog, PolicyWitness, parse_note,
    verify_proof_bundle,
};
use http_body_util::BodyExt;
use tower::ServiceExt;

const ORIGIN: &str = "witness-test.example/log";

struct Fixture {
    state: AppState,
    router: Router,
    witnesses: [Cosigner; 3],
    _directory: tempfile::TempDir,
}

fn cosigner(number: u8) -> Cosigner {
    Cosigner::new(
        &format!("w{number}.example/witness"),
        SigningKey::from_bytes(&[number; 32]),
    )
    .unwrap()
}

/// A log with witnesses w1 and w2 configured (w3 exists but is not configured) and `entries`
/// appended.
async fn fixture(entries: u64) -> Fixture {
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/t.db", directory.path().display());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::connect(&url).await.unwrap());
    let witnesses = [cosigner(1), cosigner(2), cosigner(3)];
    let configured = Witnesses::from_vkeys(
        [witnesses[0].verifier_key(), witnesses[1].verifier_key()]
            .iter()
            .map(String::as_str),
    )
    .unwrap();
    let state = AppState::new(
        store,
        fixlog_server::keys::demo_signer(ORIGIN),
        "https://witness-test.example",
    )
    .with_witnesses(configured);
    for number in 0..entries {
        append(&state, number).await;
    }
    Fixture {
        router: app(state.clone()),
        state,
        witnesses,
        _directory: directory,
    }
}

async fn append(state: &AppState, number: u64) {
    state
        .log
        .append(AppendRequest {
            kind: "product".to_owned(),
            product: Some(format!("p{number}")),
            advisory: None,
            version_key: None,
            supersedes: None,
            cves: vec![],
            products: vec![],
            digests: vec![],
            precondition: Precondition::None,
            now: time::OffsetDateTime::now_utc(),
            render: Box::new(move |seq, _| Ok(format!("entry {number} seq {seq}").into_bytes())),
        })
        .await
        .unwrap();
}

impl Fixture {
    async fn send(&self, method: Method, path: &str, body: String) -> (StatusCode, String) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "text/plain; charset=utf-8")
            .body(Body::from(body))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body: Bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    async fn checkpoint(&self) -> String {
        let (status, body) = self
            .send(Method::GET, "/tlog/checkpoint", String::new())
            .await;
        assert_eq!(status, StatusCode::OK);
        body
    }

    async fn submit(&self, note: &Note) -> (StatusCode, String) {
        self.send(Method::POST, "/tlog/cosignature", note.to_string())
            .await
    }

    /// The log-signed checkpoint note (no cosignatures) of the current tree.
    async fn signed(&self) -> Note {
        let checkpoint = self.state.log.latest_checkpoint().await.unwrap();
        parse_note(&checkpoint.note).unwrap()
    }

    async fn stored_cosignatures(&self, size: u64) -> usize {
        self.state.store().cosignatures(size).await.unwrap().len()
    }
}

fn with_line(mut note: Note, witness: &Cosigner, text: &str, timestamp: u64) -> Note {
    note.signatures
        .push(witness.cosign(text, timestamp).unwrap());
    note
}

fn now() -> u64 {
    time::OffsetDateTime::now_utc().unix_timestamp() as u64
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[tokio::test]
async fn configured_witness_cosignature_is_merged_into_the_checkpoint_and_proofs() {
    let fixture = fixture(5).await;
    let signed = fixture.signed().await;
    let size = Checkpoint::parse(&signed.text).unwrap().size;
    assert_eq!(size, 5);
    assert_eq!(
        fixture.checkpoint().await,
        signed.to_string(),
        "no cosignatures yet"
    );

    let w1 = &fixture.witnesses[0];
    let submission = with_line(signed.clone(), w1, &signed.text, now());
    let (status, body) = fixture.submit(&submission).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let served = fixture.checkpoint().await;
    assert_eq!(body, served);
    assert_eq!(
        served,
        submission.to_string(),
        "log signature, then the cosignature"
    );
    let opened = fixlog_tlog::open_note(&served, &[w1.verifier().clone()]).unwrap();
    assert_eq!(opened.verified.len(), 1);
    assert!(opened.verified[0].timestamp.is_some());

    // Replay: the same line again stores nothing, and the checkpoint carries it once.
    let (status, _) = fixture.submit(&submission).await;
    assert_eq!(status, StatusCode::OK);
    // A later cosignature of the same witness for the same size is also not stored twice.
    let (status, _) = fixture
        .submit(&with_line(signed.clone(), w1, &signed.text, now() + 1))
        .await;
    assert_eq!(status, StatusCode::OK);
    let served = fixture.checkpoint().await;
    assert_eq!(count(&served, "w1.example/witness"), 1, "{served}");
    assert_eq!(fixture.stored_cosignatures(size).await, 1);

    // A 2-of-{w1,w2} policy: the proof file is accepted only once w2 cosigned too.
    let log_key = fixture.state.log.verifier_key().parse().unwrap();
    let policy = Policy {
        logs: vec![PolicyLog {
            key: log_key,
            url: None,
        }],
        witnesses: fixture
            .witnesses
            .iter()
            .map(|w| PolicyWitness {
                name: w.name().to_owned(),
                key: w.verifier().clone(),
                url: None,
            })
            .collect(),
        groups: vec![PolicyGroup {
            name: "quorum".to_owned(),
            threshold: 2,
            members: fixture
                .witnesses
                .iter()
                .map(|w| w.name().to_owned())
                .collect(),
        }],
        quorum: Some("quorum".to_owned()),
    };
    let (status, proof) = fixture
        .send(Method::GET, "/api/v1/entries/3/proof", String::new())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(proof.contains("w1.example/witness"), "{proof}");
    assert!(
        verify_proof_bundle(&proof, &policy).is_err(),
        "1 of 2 witnesses"
    );

    let w2 = &fixture.witnesses[1];
    let (status, _) = fixture
        .submit(&with_line(signed.clone(), w2, &signed.text, now()))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, proof) = fixture
        .send(Method::GET, "/api/v1/entries/3/proof", String::new())
        .await;
    let verified = verify_proof_bundle(&proof, &policy).expect("2 of 2 witnesses");
    assert_eq!(verified.witnesses.len(), 2);
    assert_eq!(verified.entry, b"entry 2 seq 3");

    // The tree grows: the new checkpoint has no cosignatures, the old size keeps its two.
    append(&fixture.state, 99).await;
    let served = fixture.checkpoint().await;
    assert!(served.starts_with(&format!("{ORIGIN}\n6\n")), "{served}");
    assert_eq!(count(&served, ".example/witness"), 0);
    assert_eq!(fixture.stored_cosignatures(5).await, 2);
}

#[tokio::test]
async fn cosignatures_are_refused_unless_a_configured_witness_signed_the_logs_checkpoint() {
    let fixture = fixture(3).await;
    let signed = fixture.signed().await;
    let [w1, w2, w3] = &fixture.witnesses;

    // Unknown witness key: w3 is a valid cosigner, but not configured.
    let (status, body) = fixture
        .submit(&with_line(signed.clone(), w3, &signed.text, now()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("w3.example/witness"), "{body}");

    // One bad line spoils the submission: nothing of it is stored.
    let mixed = with_line(
        with_line(signed.clone(), w1, &signed.text, now()),
        w3,
        &signed.text,
        now(),
    );
    assert_eq!(fixture.submit(&mixed).await.0, StatusCode::FORBIDDEN);

    // Tampered signature byte.
    let mut tampered = with_line(signed.clone(), w1, &signed.text, now());
    let line = tampered.signatures.last_mut().unwrap();
    line.signature[20] ^= 0x01;
    assert_eq!(fixture.submit(&tampered).await.0, StatusCode::FORBIDDEN);

    // Tampered timestamp (the signature covers it).
    let mut retimed = with_line(signed.clone(), w1, &signed.text, now());
    retimed.signatures.last_mut().unwrap().signature[7] ^= 0x01;
    assert_eq!(fixture.submit(&retimed).await.0, StatusCode::FORBIDDEN);

    // The witness signed other text than the one submitted (wrong checkpoint text).
    let other_text = signed.text.replace("\n3\n", "\n2\n");
    assert_ne!(other_text, signed.text);
    let wrong_text = with_line(signed.clone(), w1, &other_text, now());
    assert_eq!(fixture.submit(&wrong_text).await.0, StatusCode::FORBIDDEN);

    // A checkpoint text the log did not sign for this size (another root), properly cosigned.
    let mut forged = Checkpoint::parse(&signed.text).unwrap();
    forged.root[0] ^= 0xff;
    let forged_text = forged.to_text();
    let forged_note = with_line(
        Note {
            text: forged_text.clone(),
            signatures: vec![],
        },
        w1,
        &forged_text,
        now(),
    );
    let (status, body) = fixture.submit(&forged_note).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // A size the log never signed.
    let mut unsigned = Checkpoint::parse(&signed.text).unwrap();
    unsigned.size = 1000;
    let unsigned_text = unsigned.to_text();
    let unsigned_note = with_line(
        Note {
            text: unsigned_text.clone(),
            signatures: vec![],
        },
        w2,
        &unsigned_text,
        now(),
    );
    let (status, body) = fixture.submit(&unsigned_note).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(body.contains("never signed"), "{body}");

    // Another log's checkpoint.
    let mut foreign = Checkpoint::parse(&signed.text).unwrap();
    foreign.origin = "other.example/log".to_owned();
    let foreign_text = foreign.to_text();
    let foreign_note = with_line(
        Note {
            text: foreign_text.clone(),
            signatures: vec![],
        },
        w2,
        &foreign_text,
        now(),
    );
    assert_eq!(fixture.submit(&foreign_note).await.0, StatusCode::NOT_FOUND);

    // The log's own signature line, tampered.
    let mut bad_log_signature = with_line(signed.clone(), w1, &signed.text, now());
    bad_log_signature.signatures[0].signature[0] ^= 0x01;
    assert_eq!(
        fixture.submit(&bad_log_signature).await.0,
        StatusCode::FORBIDDEN
    );

    // A timestamp far in the future.
    let future = with_line(signed.clone(), w1, &signed.text, now() + 86_400);
    assert_eq!(
        fixture.submit(&future).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // No cosignature at all, and garbage.
    assert_eq!(fixture.submit(&signed).await.0, StatusCode::BAD_REQUEST);
    let (status, _) = fixture
        .send(Method::POST, "/tlog/cosignature", "hello".to_owned())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    assert_eq!(
        fixture.stored_cosignatures(3).await,
        0,
        "nothing was stored"
    );
    assert_eq!(fixture.checkpoint().await, signed.to_string());
}

#[tokio::test]
async fn witnesses_are_listed_and_only_cosignature_keys_configure() {
    let fixture = fixture(0).await;
    let (status, body) = fixture
        .send(Method::GET, "/tlog/witnesses", String::new())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        format!(
            "{}\n{}\n",
            fixture.witnesses[0].verifier_key(),
            fixture.witnesses[1].verifier_key()
        )
    );
    let log_key = fixture.state.log.verifier_key();
    assert!(matches!(
        Witnesses::from_vkeys([log_key.as_str()]),
        Err(WitnessKeyError::NotCosignatureKey { .. })
    ));
    let w1 = fixture.witnesses[0].verifier_key();
    assert!(matches!(
        Witnesses::from_vkeys([w1.as_str(), w1.as_str()]),
        Err(WitnessKeyError::Duplicate { .. })
    ));
    assert!(matches!(
        Witnesses::from_vkeys(["not a key"]),
        Err(WitnessKeyError::Parse(_))
    ));
}
