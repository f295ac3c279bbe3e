//! OpenPGP and `--server` for the CSAF commands, end to end with the real binary:
//! `fixlog openpgp keygen` writes a 0600 key and prints its fingerprint; `fixlog serve --demo
//! --openpgp-key` is a trusted provider; `fixlog export csaf|osv|cyclonedx --server URL` writes
//! byte for byte what `--db` writes from the same log; `fixlog import csaf URL` from a signed
//! provider checks every `.asc` and refuses a tampered or missing one.

mod common;

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::{assert_exit, keygen, run, stderr, stdout};
use fixlog_csaf::openpgp::PublicKey;

/// A child process killed on drop.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve_demo(dir: &Path, db: &str, openpgp_key: &Path) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fixlog"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--db", db])
        .arg("--openpgp-key")
        .arg(openpgp_key)
        .current_dir(dir)
        .env("FIXLOG_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("fixlog serve starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let running = Running(child);
    let url = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(url) = line.strip_prefix("listening on ") {
                    break url.to_owned();
                }
            }
            _ => panic!("fixlog serve exited without a listening line"),
        }
    };
    (running, url)
}

/// Every file below `root`, as (relative path, bytes), sorted.
fn tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path.strip_prefix(root).unwrap().display().to_string();
                out.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// Serves `root` with Python's `http.server` on a free port.
fn static_server(root: &Path) -> (Running, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("python3")
        .args(["-m", "http.server", "--bind", "127.0.0.1"])
        .arg(port.to_string())
        .arg("--directory")
        .arg(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    (Running(child), url)
}

#[test]
fn signed_provider_export_from_a_server_and_import_with_signature_checks() {
    let dir = tempfile::tempdir().unwrap();
    let openpgp_key = dir.path().join("csaf.asc");
    let generated = run(
        &[
            "openpgp",
            "keygen",
            "--out",
            openpgp_key.to_str().unwrap(),
            "--uid",
            "ACME PSIRT <psirt@acme.example>",
        ],
        &[],
    );
    assert_exit(&generated, 0);
    let fingerprint = stdout(&generated).trim().to_owned();
    assert_eq!(fingerprint.len(), 40, "{fingerprint}");
    assert!(fingerprint.chars().all(|c| c.is_ascii_hexdigit()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&openpgp_key)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Never overwrites a key.
    let again = run(
        &[
            "openpgp",
            "keygen",
            "--out",
            openpgp_key.to_str().unwrap(),
            "--uid",
            "X <x@example.com>",
        ],
        &[],
    );
    assert_exit(&again, 2);

    let db = format!("sqlite://{}", dir.path().join("fixlog.db").display());
    let (_server, url) = serve_demo(dir.path(), &db, &openpgp_key);
    let metadata = common::get_json(&format!("{url}/.well-known/csaf/provider-metadata.json"));
    assert_eq!(metadata["role"], "csaf_trusted_provider");
    assert_eq!(
        metadata["public_openpgp_keys"][0]["fingerprint"],
        fingerprint
    );

    // --server renders from the JSON API exactly what --db renders from the database.
    for kind in ["csaf", "osv", "cyclonedx"] {
        let mut trees = Vec::new();
        for (source, value) in [("--db", db.as_str()), ("--server", url.as_str())] {
            let out = dir.path().join(format!("{kind}{source}"));
            let mut args = vec![
                "export",
                kind,
                source,
                value,
                "--out",
                out.to_str().unwrap(),
            ];
            if kind == "csaf" {
                args.extend(["--openpgp-key", openpgp_key.to_str().unwrap()]);
            }
            let output = run(&args, &[]);
            assert_exit(&output, 0);
            trees.push(tree(&out));
        }
        assert!(trees[0].len() > 20, "{kind}: {:?}", trees[0].len());
        assert_eq!(
            trees[0].iter().map(|(name, _)| name).collect::<Vec<_>>(),
            trees[1].iter().map(|(name, _)| name).collect::<Vec<_>>(),
            "{kind}"
        );
        for ((name, a), (_, b)) in trees[0].iter().zip(&trees[1]) {
            assert!(a == b, "{kind}: {name} differs between --db and --server");
        }
    }

    // The exported tree is signed with the key; the public key is beside the metadata.
    let exported = dir.path().join("csaf--server");
    let public = PublicKey::from_armored(
        &std::fs::read_to_string(exported.join(format!("openpgp/{fingerprint}.asc"))).unwrap(),
    )
    .unwrap();
    let index = std::fs::read_to_string(exported.join("white/index.txt")).unwrap();
    let paths: Vec<&str> = index.lines().collect();
    for path in &paths {
        let document = std::fs::read(exported.join("white").join(path)).unwrap();
        let signature =
            std::fs::read_to_string(exported.join("white").join(format!("{path}.asc"))).unwrap();
        public.verify(&document, &signature).unwrap();
    }

    // Import from the running trusted provider: every signature is checked.
    let target = tempfile::tempdir().unwrap();
    let target_key = keygen(target.path());
    // Each import goes into a fresh log: the static copy below names other URLs, and a log
    // refuses the same revision number with other content.
    let import = |source: &str| {
        let db = format!(
            "sqlite://{}",
            tempfile::Builder::new()
                .suffix(".db")
                .tempfile_in(target.path())
                .unwrap()
                .into_temp_path()
                .keep()
                .unwrap()
                .display()
        );
        run(
            &[
                "import",
                "csaf",
                "--db",
                &db,
                "--key",
                target_key.to_str().unwrap(),
                source,
            ],
            &[],
        )
    };
    let imported = import(&url);
    assert_exit(&imported, 0);
    assert!(
        stdout(&imported).starts_with(&format!("{} documents: ", paths.len())),
        "{}",
        stdout(&imported)
    );

    // A static copy of the export, served as a provider, then broken two ways.
    let root = tempfile::tempdir().unwrap();
    let (_static, static_url) = static_server(root.path());
    let out = root.path().join(".well-known/csaf");
    let export = run(
        &[
            "export",
            "csaf",
            "--server",
            &url,
            "--public-url",
            &static_url,
            "--out",
            out.to_str().unwrap(),
            "--openpgp-key",
            openpgp_key.to_str().unwrap(),
        ],
        &[],
    );
    assert_exit(&export, 0);
    assert_exit(&import(&static_url), 0);
    let first = out.join("white").join(format!("{}.asc", paths[0]));
    let signature = std::fs::read_to_string(&first).unwrap();
    let mut lines: Vec<String> = signature.lines().map(str::to_owned).collect();
    let body = lines
        .iter()
        .rposition(|l| !l.starts_with('=') && !l.starts_with("-----") && l.len() > 8)
        .unwrap();
    let mut chars: Vec<char> = lines[body].chars().collect();
    chars[4] = if chars[4] == 'A' { 'B' } else { 'A' };
    lines[body] = chars.into_iter().collect();
    std::fs::write(&first, lines.join("\n") + "\n").unwrap();
    let tampered = import(&static_url);
    assert_exit(&tampered, 1);
    assert!(
        stderr(&tampered).contains("authentic.csaf.signature-invalid"),
        "{}",
        stderr(&tampered)
    );
    std::fs::remove_file(&first).unwrap();
    let missing = import(&static_url);
    assert_exit(&missing, 1);
    assert!(
        stderr(&missing).contains("authentic.csaf.signature-missing"),
        "{}",
        stderr(&missing)
    );
}
