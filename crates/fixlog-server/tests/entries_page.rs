//! `GET /api/v1/entries` pages: the spliced canonical bytes form a valid `EntryPage` whose
//! entries equal the single-entry documents, and `next_after` walks the whole log.

mod common;

use common::TestApp;
use fixlog_api::{EntryDoc, EntryPage};

#[tokio::test]
async fn pages_walk_the_log_and_equal_single_entries() {
    let app = TestApp::new().await;
    let appended = fixlog_server::demo::load(&app.state.log)
        .await
        .expect("demo loads");
    assert!(appended > 50);
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let answer = app
            .get(&format!("/api/v1/entries?after={after}&limit=7"))
            .await;
        answer.expect_status(200);
        assert_eq!(answer.content_type(), "application/json");
        let page: EntryPage = serde_json::from_slice(&answer.body).expect("an EntryPage");
        assert_eq!(page.size, appended);
        for entry in &page.entries {
            let single: EntryDoc = serde_json::from_slice(
                &app.get(&format!("/api/v1/entries/{}", entry.seq))
                    .await
                    .body,
            )
            .expect("an EntryDoc");
            assert_eq!(&single, entry);
            // Every served document re-canonicalizes to the stored leaf bytes.
            let stored = app.store().entry(entry.seq).await.unwrap().unwrap();
            assert_eq!(entry.canonical_bytes().unwrap(), stored.body);
        }
        seen.extend(page.entries.iter().map(|e| e.seq));
        match page.next_after {
            Some(next) => {
                assert_eq!(page.entries.len(), 7);
                after = next;
            }
            None => break,
        }
    }
    assert_eq!(
        seen,
        (1..=appended).collect::<Vec<_>>(),
        "every entry once, in order"
    );
}

#[tokio::test]
async fn filters_by_cve_and_product() {
    let app = TestApp::new().await;
    fixlog_server::demo::load(&app.state.log)
        .await
        .expect("demo loads");
    let page: EntryPage = serde_json::from_slice(
        &app.get("/api/v1/entries?cve=CVE-2026-52004&limit=1000")
            .await
            .body,
    )
    .unwrap();
    assert!(!page.entries.is_empty());
    assert!(
        page.entries
            .iter()
            .all(|e| e.cves.iter().any(|c| c == "CVE-2026-52004"))
    );
    let page: EntryPage = serde_json::from_slice(
        &app.get("/api/v1/entries?product=hmi-vp7&limit=1000")
            .await
            .body,
    )
    .unwrap();
    assert!(!page.entries.is_empty());
    assert!(page.entries.iter().all(|e| {
        e.product.as_deref() == Some("hmi-vp7") || e.affected.iter().any(|s| s.product == "hmi-vp7")
    }));
}
