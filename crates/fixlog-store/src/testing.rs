//! The conformance suite every backend passes (feature `testing`).
//!
//! A backend's test calls [`run_all`] with a factory that returns a fresh, empty store for
//! each case. SQLite runs it always; PostgreSQL when `FIXLOG_TEST_POSTGRES_URL` is set.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use fixlog_tlog::{MemoryTree, NodeId};
use time::OffsetDateTime;

use crate::{
    AppendOutcome, AppendRequest, AuditEvent, EntryQuery, Precondition, Store, StoreError,
    StoredCheckpoint, StoredCosignature, StoredEntry, TokenRecord,
};

/// A suffix unique within this process run (for file and schema names).
pub fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000_000,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs every conformance case, each on a fresh store from `fresh`.
pub async fn run_all<S, F, Fut>(fresh: F)
where
    S: Store,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    empty_store(&fresh().await).await;
    sequence_and_bytes(&fresh().await).await;
    merkle_nodes_match_reference_tree(&fresh().await).await;
    release_precondition_and_supersedes(&fresh().await).await;
    indexes_answer_lookups(&fresh().await).await;
    failed_render_stores_nothing(&fresh().await).await;
    concurrent_appends_are_serialized(Arc::new(fresh().await)).await;
    batches_commit_together_with_per_request_outcomes(&fresh().await).await;
    checkpoints(&fresh().await).await;
    cosignatures(&fresh().await).await;
    tokens_and_audit(&fresh().await).await;
    drafts_and_sync_marks(&fresh().await).await;
}

/// A plain append request with the given keys whose body is `kind:seq:text`.
pub fn request(kind: &str, product: Option<&str>, text: &str) -> AppendRequest {
    let kind_owned = kind.to_owned();
    let text = text.to_owned();
    AppendRequest {
        kind: kind.to_owned(),
        product: product.map(str::to_owned),
        advisory: None,
        version_key: None,
        supersedes: None,
        cves: vec![],
        products: product.map(str::to_owned).into_iter().collect(),
        digests: vec![],
        precondition: Precondition::None,
        now: OffsetDateTime::now_utc(),
        render: Box::new(move |seq, published| {
            Ok(format!(
                "{kind_owned}:{seq}:{}:{text}",
                published.unix_timestamp_nanos()
            )
            .into_bytes())
        }),
    }
}

async fn appended<S: Store>(store: &S, request: AppendRequest) -> StoredEntry {
    match store.append(request).await.expect("append succeeds") {
        AppendOutcome::Appended(entry) => entry,
        AppendOutcome::Existing(entry) => panic!("expected a new entry, got existing {entry:?}"),
    }
}

async fn empty_store<S: Store>(store: &S) {
    assert_eq!(store.size().await.unwrap(), 0);
    assert_eq!(store.entry(1).await.unwrap(), None);
    let all = store
        .entries(&EntryQuery {
            limit: 10,
            ..Default::default()
        })
        .await;
    assert!(all.unwrap().is_empty());
    assert!(store.products().await.unwrap().is_empty());
    assert!(store.latest_checkpoint().await.unwrap().is_none());
}

async fn sequence_and_bytes<S: Store>(store: &S) {
    // The same wall-clock time for every request: the store must still make times increase.
    let now = OffsetDateTime::now_utc();
    let mut previous: Option<StoredEntry> = None;
    for number in 1..=5u64 {
        let mut req = request("product", Some("plc-a"), &format!("v{number}"));
        req.now = now;
        let entry = appended(store, req).await;
        assert_eq!(entry.seq, number, "sequence numbers are gap-free from 1");
        if let Some(previous) = &previous {
            assert!(
                entry.published > previous.published,
                "times strictly increase"
            );
        }
        let read = store.entry(number).await.unwrap().expect("entry readable");
        assert_eq!(read, entry, "stored bytes and time read back unchanged");
        assert!(
            String::from_utf8(read.body)
                .unwrap()
                .starts_with(&format!("product:{number}:"))
        );
        previous = Some(entry);
    }
    assert_eq!(store.size().await.unwrap(), 5);
    let page = store
        .entries(&EntryQuery {
            after: 2,
            limit: 2,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3, 4]);
}

async fn merkle_nodes_match_reference_tree<S: Store>(store: &S) {
    let mut reference = MemoryTree::new();
    for number in 1..=37u64 {
        let entry = appended(store, request("product", Some("p"), &number.to_string())).await;
        reference.push(&entry.body);
        let size = store.size().await.unwrap();
        let wanted = fixlog_tlog::root_nodes(size);
        let nodes: std::collections::HashMap<NodeId, fixlog_tlog::Hash> =
            store.nodes(&wanted).await.unwrap().into_iter().collect();
        assert_eq!(
            nodes.len(),
            wanted.len(),
            "every root node is stored at size {size}"
        );
        let root = fixlog_tlog::root_from_nodes(size, &nodes).unwrap();
        assert_eq!(root, reference.root(), "root at size {size}");
    }
    // Inclusion proofs from stored nodes verify against the reference root.
    let size = 37;
    for index in [0u64, 1, 17, 36] {
        let wanted = fixlog_tlog::inclusion_proof_nodes(index, size).unwrap();
        let nodes: std::collections::HashMap<_, _> =
            store.nodes(&wanted).await.unwrap().into_iter().collect();
        let proof = fixlog_tlog::inclusion_proof(index, size, &nodes).unwrap();
        let body = store.entry(index + 1).await.unwrap().unwrap().body;
        fixlog_tlog::verify_inclusion(
            index,
            size,
            &fixlog_tlog::leaf_hash(&body),
            &proof,
            &reference.root(),
        )
        .expect("inclusion proof from the store verifies");
    }
}

async fn release_precondition_and_supersedes<S: Store>(store: &S) {
    let release = |text: &str, supersedes: Option<u64>| {
        let mut req = request("release", Some("plc-a"), text);
        req.version_key = Some("2.9.4".to_owned());
        req.supersedes = supersedes;
        req.precondition = Precondition::NoLiveRelease {
            product: "plc-a".to_owned(),
            version_key: "2.9.4".to_owned(),
        };
        req
    };
    let first = appended(store, release("first", None)).await;
    match store.append(release("again", None)).await.unwrap() {
        AppendOutcome::Existing(existing) => assert_eq!(existing, first),
        other => panic!("a second live release of the same version must not append: {other:?}"),
    }
    assert_eq!(
        store.size().await.unwrap(),
        1,
        "the refused append stored nothing"
    );
    assert_eq!(
        store.live_release("plc-a", "2.9.4").await.unwrap(),
        Some(first.clone()),
        "the live release of a version is found by its key"
    );
    let second = appended(store, release("re-published", Some(first.seq))).await;
    assert_eq!(
        store.live_release("plc-a", "2.9.4").await.unwrap(),
        Some(second.clone()),
        "a superseded release is not the live one"
    );
    assert_eq!(store.live_release("plc-a", "2.9.5").await.unwrap(), None);
    assert_eq!(store.live_release("plc-b", "2.9.4").await.unwrap(), None);
    let live = store.releases("plc-a").await.unwrap();
    assert_eq!(
        live,
        vec![second.clone()],
        "the superseded release is no longer live"
    );
    assert_eq!(
        store.entry(first.seq).await.unwrap().unwrap(),
        first,
        "but stays in the log"
    );
    match store
        .append(release("stale", Some(first.seq)))
        .await
        .unwrap()
    {
        AppendOutcome::Existing(existing) => assert_eq!(existing, second),
        other => panic!("superseding a superseded entry must not append: {other:?}"),
    }
    let mut dangling = request("release", Some("plc-b"), "x");
    dangling.supersedes = Some(999);
    assert!(matches!(
        store.append(dangling).await,
        Err(StoreError::UnknownSupersedes { seq: 999 })
    ));
    assert_eq!(store.size().await.unwrap(), 2);
}

async fn indexes_answer_lookups<S: Store>(store: &S) {
    appended(store, request("product", Some("plc-a"), "a1")).await;
    appended(store, request("product", Some("hmi-b"), "b1")).await;
    let a2 = appended(store, request("product", Some("plc-a"), "a2")).await;
    let mut release = request("release", Some("plc-a"), "r1");
    release.cves = vec!["CVE-2026-50001".to_owned()];
    release.digests = vec!["aa".repeat(32), "bb".repeat(32)];
    let r1 = appended(store, release).await;
    let mut advisory = request("advisory", None, "sa1-rev1");
    advisory.advisory = Some("SA-1".to_owned());
    advisory.products = vec!["plc-a".to_owned(), "hmi-b".to_owned()];
    advisory.cves = vec!["CVE-2026-50001".to_owned(), "CVE-2026-50002".to_owned()];
    let sa1_rev1 = appended(store, advisory).await;
    let mut revision = request("advisory", None, "sa1-rev2");
    revision.advisory = Some("SA-1".to_owned());
    revision.products = vec!["hmi-b".to_owned()];
    let sa1_rev2 = appended(store, revision).await;
    let mut other = request("advisory", None, "sa2");
    other.advisory = Some("SA-2".to_owned());
    other.products = vec!["hmi-b".to_owned()];
    let sa2 = appended(store, other).await;

    let products = store.products().await.unwrap();
    assert_eq!(products.len(), 2);
    assert_eq!(store.product("plc-a").await.unwrap(), Some(a2.clone()));
    assert_eq!(store.product("nope").await.unwrap(), None);
    assert_eq!(store.releases("plc-a").await.unwrap(), vec![r1.clone()]);
    assert_eq!(
        store.entries_by_digest(&"bb".repeat(32)).await.unwrap(),
        vec![r1.clone()]
    );
    assert!(
        store
            .entries_by_digest(&"cc".repeat(32))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.advisory_entries("SA-1").await.unwrap(),
        vec![sa1_rev1.clone(), sa1_rev2.clone()]
    );
    // SA-1's latest revision no longer names plc-a, but it once did: it stays relevant.
    assert_eq!(
        store.current_advisories(Some("plc-a")).await.unwrap(),
        vec![sa1_rev2.clone()]
    );
    assert_eq!(
        store.current_advisories(Some("hmi-b")).await.unwrap(),
        vec![sa1_rev2.clone(), sa2.clone()]
    );
    assert_eq!(store.current_advisories(None).await.unwrap().len(), 2);
    let by_cve = store
        .entries(&EntryQuery {
            limit: 100,
            cve: Some("CVE-2026-50001".to_owned()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_cve, vec![r1.clone(), sa1_rev1.clone()]);
    let by_product = store
        .entries(&EntryQuery {
            limit: 100,
            product: Some("plc-a".to_owned()),
            kind: Some("product".to_owned()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        by_product.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![1, a2.seq]
    );
}

async fn failed_render_stores_nothing<S: Store>(store: &S) {
    appended(store, request("product", Some("p"), "ok")).await;
    let mut failing = request("product", Some("p"), "bad");
    failing.render = Box::new(|_, _| Err("no".to_owned()));
    assert!(matches!(
        store.append(failing).await,
        Err(StoreError::Render { .. })
    ));
    assert_eq!(store.size().await.unwrap(), 1);
    let next = appended(store, request("product", Some("p"), "next")).await;
    assert_eq!(next.seq, 2, "no gap after a failed append");
}

async fn concurrent_appends_are_serialized<S: Store>(store: Arc<S>) {
    let tasks: Vec<_> = (0..24)
        .map(|number| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                appended(&*store, request("product", Some("p"), &number.to_string())).await
            })
        })
        .collect();
    let mut seqs = Vec::new();
    for task in tasks {
        seqs.push(task.await.expect("append task completes").seq);
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=24).collect::<Vec<_>>(), "one gap-free sequence");
    let mut reference = MemoryTree::new();
    let all = store
        .entries(&EntryQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    for entry in &all {
        reference.push(&entry.body);
    }
    let nodes: std::collections::HashMap<_, _> = store
        .nodes(&fixlog_tlog::root_nodes(24))
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(
        fixlog_tlog::root_from_nodes(24, &nodes).unwrap(),
        reference.root()
    );
}

async fn batches_commit_together_with_per_request_outcomes<S: Store>(store: &S) {
    appended(store, request("product", Some("p"), "before")).await;
    let release = |text: &str| {
        let mut req = request("release", Some("p"), text);
        req.version_key = Some("1.0".to_owned());
        req.precondition = Precondition::NoLiveRelease {
            product: "p".to_owned(),
            version_key: "1.0".to_owned(),
        };
        req
    };
    let mut failing = request("product", Some("p"), "bad");
    failing.render = Box::new(|_, _| Err("no".to_owned()));
    let mut dangling = request("release", Some("p"), "dangling");
    dangling.supersedes = Some(999);
    let outcomes = store
        .append_batch(vec![
            request("product", Some("p"), "b1"),
            release("first"),
            failing,
            release("second, same version"),
            dangling,
            request("product", Some("p"), "b2"),
        ])
        .await
        .expect("the batch commits");
    assert_eq!(outcomes.len(), 6);
    let seq_of = |outcome: &Result<AppendOutcome, StoreError>| match outcome {
        Ok(AppendOutcome::Appended(entry)) => Some(entry.seq),
        _ => None,
    };
    assert_eq!(seq_of(&outcomes[0]), Some(2));
    assert_eq!(seq_of(&outcomes[1]), Some(3));
    assert!(matches!(outcomes[2], Err(StoreError::Render { .. })));
    match &outcomes[3] {
        Ok(AppendOutcome::Existing(entry)) => assert_eq!(
            entry.seq, 3,
            "sees the release appended earlier in the batch"
        ),
        other => panic!("expected the earlier release of the batch, got {other:?}"),
    }
    assert!(matches!(
        outcomes[4],
        Err(StoreError::UnknownSupersedes { seq: 999 })
    ));
    assert_eq!(
        seq_of(&outcomes[5]),
        Some(4),
        "no gap after rejected requests"
    );
    assert_eq!(store.size().await.unwrap(), 4);
    let mut reference = MemoryTree::new();
    for entry in store
        .entries(&EntryQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
    {
        reference.push(&entry.body);
    }
    let nodes: std::collections::HashMap<_, _> = store
        .nodes(&fixlog_tlog::root_nodes(4))
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(
        fixlog_tlog::root_from_nodes(4, &nodes).unwrap(),
        reference.root()
    );
}

async fn checkpoints<S: Store>(store: &S) {
    let first = StoredCheckpoint {
        size: 3,
        note: "origin\n3\nroot\n\n— sig\n".to_owned(),
    };
    store.add_checkpoint(&first).await.unwrap();
    let other = StoredCheckpoint {
        size: 3,
        note: "different".to_owned(),
    };
    store.add_checkpoint(&other).await.unwrap();
    assert_eq!(
        store.latest_checkpoint().await.unwrap(),
        Some(first.clone())
    );
    let later = StoredCheckpoint {
        size: 5,
        note: "five".to_owned(),
    };
    store.add_checkpoint(&later).await.unwrap();
    assert_eq!(store.latest_checkpoint().await.unwrap(), Some(later));
}

/// Cosignatures are kept per checkpoint size, the first per witness key wins (a replay stores
/// nothing), and a checkpoint is found by its exact size.
async fn cosignatures<S: Store>(store: &S) {
    for size in [3, 5] {
        store
            .add_checkpoint(&StoredCheckpoint {
                size,
                note: format!("origin\n{size}\nroot\n\n— sig\n"),
            })
            .await
            .unwrap();
    }
    assert_eq!(store.checkpoint(4).await.unwrap(), None);
    assert_eq!(store.checkpoint(3).await.unwrap().unwrap().size, 3);
    assert!(store.cosignatures(3).await.unwrap().is_empty());
    let cosignature = |size: u64, name: &str, key_id: u32, timestamp: u64| StoredCosignature {
        size,
        key_name: name.to_owned(),
        key_id,
        timestamp,
        line: format!("— {name} {key_id}:{timestamp}"),
    };
    // Key ids above i32::MAX survive the round trip.
    let w2 = cosignature(3, "w2.example", 0xdcc9_0f1b, 1_800_000_001);
    let w1 = cosignature(3, "w1.example", 0x0846_56c1, 1_800_000_000);
    assert!(store.add_cosignature(&w2).await.unwrap());
    assert!(store.add_cosignature(&w1).await.unwrap());
    assert!(
        !store.add_cosignature(&w1).await.unwrap(),
        "a replayed cosignature is not stored twice"
    );
    let later = cosignature(3, "w1.example", 0x0846_56c1, 1_800_000_999);
    assert!(
        !store.add_cosignature(&later).await.unwrap(),
        "the first cosignature of a witness for a size wins"
    );
    assert!(
        store
            .add_cosignature(&cosignature(5, "w1.example", 0x0846_56c1, 7))
            .await
            .unwrap()
    );
    assert_eq!(store.cosignatures(3).await.unwrap(), vec![w1, w2]);
    assert_eq!(store.cosignatures(5).await.unwrap().len(), 1);
    assert!(store.cosignatures(4).await.unwrap().is_empty());
}

async fn tokens_and_audit<S: Store>(store: &S) {
    let created = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let token = TokenRecord {
        id: "tok1".to_owned(),
        name: "ci".to_owned(),
        role: "publisher".to_owned(),
        secret_sha256: [7; 32],
        created,
        expires: Some(created + time::Duration::days(30)),
    };
    store.create_token(&token).await.unwrap();
    assert_eq!(store.token("tok1").await.unwrap(), Some(token.clone()));
    assert_eq!(store.token("tok2").await.unwrap(), None);
    assert!(matches!(
        store.create_token(&token).await,
        Err(StoreError::DuplicateToken { .. })
    ));
    for action in ["auth.failed", "token.created"] {
        store
            .audit(&AuditEvent {
                at: created,
                actor: "-".to_owned(),
                action: action.to_owned(),
                detail: "d".to_owned(),
            })
            .await
            .unwrap();
    }
    let events = store.audit_events(10).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        vec!["token.created", "auth.failed"]
    );
}

async fn drafts_and_sync_marks<S: Store>(store: &S) {
    use crate::{DraftBatch, DraftRecord};
    let at = OffsetDateTime::from_unix_timestamp(1_772_446_503).unwrap();
    let draft = |id: &str, cves: &[&str], body: &str| DraftRecord {
        id: id.to_owned(),
        state: "draft".to_owned(),
        body: body.to_owned(),
        cves: cves.iter().map(|c| (*c).to_owned()).collect(),
        source: Some("jira:PLCSEC-42".to_owned()),
        published_seq: None,
        created: at,
        created_by: "editor1".to_owned(),
        updated: at,
        updated_by: "editor1".to_owned(),
    };
    let event = |action: &str| AuditEvent {
        at,
        actor: "editor1".to_owned(),
        action: action.to_owned(),
        detail: "id=A".to_owned(),
    };
    assert!(store.drafts(None).await.unwrap().is_empty());
    assert_eq!(store.sync_mark("jira:x").await.unwrap(), None);
    store
        .save_drafts(&DraftBatch {
            drafts: vec![
                draft("B", &["CVE-2026-10002", "CVE-2026-10003"], "{}"),
                draft("A", &["CVE-2026-10001"], "{\"a\":1}"),
            ],
            audit: vec![event("draft.created"), event("draft.created")],
            sync_mark: Some(("jira:x".to_owned(), "2026-03-02T10:15:03Z".to_owned())),
        })
        .await
        .unwrap();
    let all = store.drafts(None).await.unwrap();
    assert_eq!(
        all.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        ["A", "B"]
    );
    assert_eq!(all[0], draft("A", &["CVE-2026-10001"], "{\"a\":1}"));
    assert_eq!(
        store.drafts(Some("CVE-2026-10003")).await.unwrap()[0].cves,
        ["CVE-2026-10002", "CVE-2026-10003"]
    );
    assert_eq!(
        store.sync_mark("jira:x").await.unwrap().as_deref(),
        Some("2026-03-02T10:15:03Z")
    );
    // Replacing a draft replaces its CVE index and keeps its creation.
    let mut published = draft("B", &["CVE-2026-10002"], "{\"b\":2}");
    published.state = "published".to_owned();
    published.published_seq = Some(7);
    published.updated = at + time::Duration::seconds(5);
    published.updated_by = "approver1".to_owned();
    store
        .save_drafts(&DraftBatch {
            drafts: vec![published.clone()],
            audit: vec![event("draft.approved")],
            sync_mark: None,
        })
        .await
        .unwrap();
    assert_eq!(store.draft("B").await.unwrap(), Some(published));
    assert!(
        store
            .drafts(Some("CVE-2026-10003"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.draft("missing").await.unwrap(), None);
    let actions: Vec<String> = store
        .audit_events(3)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        ["draft.approved", "draft.created", "draft.created"]
    );
    // Drafts never touch the log.
    assert_eq!(store.size().await.unwrap(), 0);
}
