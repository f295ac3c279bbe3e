//! `fixlog import csaf` and `fixlog export csaf|osv|cyclonedx` end to end with the real binary:
//! real CISA advisories are imported into a running server through its write API (twice: the
//! second run adds nothing), the invalid one is refused with its finding, then the log is
//! exported as a CSAF provider tree whose hash files match and whose documents round-trip.

mod common;

use std::path::{Path, PathBuf};

use common::{Server, assert_exit, keygen, run, stderr, stdout};

fn real(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/csaf-real/advisories")
        .join(name)
}

#[test]
fn import_is_idempotent_and_export_writes_a_valid_provider_tree() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("fixlog.db").display());
    let key = keygen(dir.path());
    let server = Server::start(dir.path(), &db, &key);
    let token = stdout(&run(
        &["token", "create", "--db", &db, "--role", "editor"],
        &[],
    ));
    let files = [
        "icsa-17-045-03.json",
        "icsa-17-047-02.json",
        "icsa-17-059-01.json",
    ]
    .map(|f| real(f).display().to_string());
    let mut args = vec!["import", "csaf", "--server", &server.url];
    args.extend(files.iter().map(String::as_str));
    let first = run(&args, &[("FIXLOG_TOKEN", &token)]);
    assert_exit(&first, 0);
    assert!(
        stdout(&first).starts_with("3 documents: 3 imported, 0 already"),
        "{}",
        stdout(&first)
    );
    // Unmapped items are reported with the document and JSON path.
    assert!(
        stderr(&first).contains("icsa-17-045-03.json: /vulnerabilities/0/"),
        "{}",
        stderr(&first)
    );
    let size = server.size();
    let second = run(&args, &[("FIXLOG_TOKEN", &token)]);
    assert_exit(&second, 0);
    assert!(
        stdout(&second).starts_with("3 documents: 0 imported, 3 already"),
        "{}",
        stdout(&second)
    );
    assert_eq!(server.size(), size, "a re-import appends nothing");

    // A document the validator rejects is reported and not imported.
    let invalid = real("icsa-19-099-04.json").display().to_string();
    let refused = run(
        &["import", "csaf", "--server", &server.url, &invalid],
        &[("FIXLOG_TOKEN", &token)],
    );
    assert_exit(&refused, 1);
    assert!(stderr(&refused).contains("invalid: 6.1.11 /vulnerabilities/4/cwe/name"));
    assert_eq!(server.size(), size);

    let out = dir.path().join("csaf");
    let export = run(
        &[
            "export",
            "csaf",
            "--db",
            &db,
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_exit(&export, 0);
    let index = std::fs::read_to_string(out.join("white/index.txt")).unwrap();
    assert_eq!(index.lines().count(), 3, "{index}");
    for line in index.lines() {
        let bytes = std::fs::read(out.join("white").join(line)).unwrap();
        let expected =
            std::fs::read_to_string(out.join("white").join(format!("{line}.sha256"))).unwrap();
        assert_eq!(
            expected.split_whitespace().next().unwrap(),
            common::sha256sum(&out.join("white").join(line))
        );
        let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert!(fixlog_csaf::validate(&doc).is_valid());
    }
    for kind in ["osv", "cyclonedx"] {
        let target = dir.path().join(kind);
        let output = run(
            &[
                "export",
                kind,
                "--db",
                &db,
                "--out",
                target.to_str().unwrap(),
            ],
            &[],
        );
        assert_exit(&output, 0);
    }
    assert!(dir.path().join("osv/all.json").exists());
    assert!(dir.path().join("cyclonedx/bundle.cdx.json").exists());
}

/// All 206 real advisories go into a log through the write functions (`--db`, no request size
/// limit), the three invalid ones only with `--allow-invalid`; the whole log then exports as
/// CSAF with every document valid.
#[test]
fn all_real_advisories_import_into_a_log_and_export_valid() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("fixlog.db").display());
    let key = keygen(dir.path());
    let folder = real("").display().to_string();
    let key_text = key.to_str().unwrap();
    let strict = run(
        &["import", "csaf", "--db", &db, "--key", key_text, &folder],
        &[],
    );
    assert_exit(&strict, 1);
    assert!(
        stdout(&strict).starts_with(
            "206 documents: 203 imported, 0 already in the log, 3 invalid (not imported), 0 failed"
        ),
        "{}",
        stdout(&strict)
    );
    let all = run(
        &[
            "import",
            "csaf",
            "--db",
            &db,
            "--key",
            key_text,
            "--allow-invalid",
            &folder,
        ],
        &[],
    );
    assert_exit(&all, 0);
    assert!(
        stdout(&all).starts_with("206 documents: 3 imported, 203 already in the log, 3 invalid (imported anyway), 0 failed"),
        "{}",
        stdout(&all)
    );
    let out = dir.path().join("csaf");
    let export = run(
        &[
            "export",
            "csaf",
            "--db",
            &db,
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_exit(&export, 0);
    let index = std::fs::read_to_string(out.join("white/index.txt")).unwrap();
    assert_eq!(index.lines().count(), 206);
}
