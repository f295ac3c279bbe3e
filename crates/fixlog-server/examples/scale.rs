//! Scale benchmark: a log of products × versions × advisories of realistic shape, appended
//! through the real write path (`write::publish_*` → `Log::append`: the same validation,
//! leaf, Merkle nodes and signed checkpoints as `POST /api/v1/...`), then read over HTTP.
//!
//! ```sh
//! scale generate DB_URL TARGET        # append until the log holds TARGET generated entries
//! scale writes DB_URL N               # N sequential publish_release calls: write latency
//! scale measure BASE_URL DB_URL N     # N GETs per route against `fixlog serve` on DB_URL
//! ```
//! `DB_URL` is `sqlite://PATH` or a PostgreSQL URL (its `search_path` schema is created when
//! missing). Output lines starting with `{` are JSON records for `bench/scale.sh`.
//!
//! Shape: a new product line every 500 operations (seven version schemes, seven device
//! classes); releases go to the eight newest lines, at most 600 per line (1–2 images with
//! SHA-256, SHA3-256 and SHA-512; the next release of a line fixes its open CVEs); 7 % of the
//! operations publish an advisory naming 1–3 lines with introduced/fixed ranges, 2.5 % revise a
//! recent advisory, 0.3 % withdraw one, 0.5 % change a line's lifecycle. Every operation appends
//! exactly one entry, so the plan is resumed from the log size.

use std::sync::Arc;
use std::time::{Duration, Instant};

use fixlog_api::{AdvisoryRequest, ReleaseRequest, WithdrawRequest};
use fixlog_formats::ProductDoc;
use fixlog_server::{Log, write};
use fixlog_store::Store;
use serde_json::{Value, json};
use time::OffsetDateTime;

const PER_PRODUCT: u64 = 500;
const RELEASE_CAP: u32 = 600;
const WINDOW: usize = 8;
const BATCH: u64 = 64;
const SCHEMES: [&str; 7] = [
    "semver",
    "dotted",
    "v-dotted",
    "service-pack",
    "release-train",
    "calver",
    "padded",
];
const CLASSES: [&str; 7] = [
    "plc",
    "dcs",
    "hmi",
    "rtu",
    "gateway",
    "protection_relay",
    "other",
];

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn hex(seed: u64, bytes: usize) -> String {
    (0..bytes.div_ceil(8))
        .map(|i| format!("{:016x}", mix(seed.wrapping_mul(31).wrapping_add(i as u64))))
        .collect::<String>()[..bytes * 2]
        .to_owned()
}

/// The `k`-th version of a line in its scheme (strictly increasing in `k`).
fn version(scheme: usize, k: u32) -> String {
    match SCHEMES[scheme] {
        "semver" => format!("{}.{}.{}", 1 + k / 100, (k / 10) % 10, k % 10),
        "dotted" => format!("4.{}.{}.{}", k / 100, (k / 10) % 10, k % 10),
        "v-dotted" => format!("V{}.{}.{}", 1 + k / 100, (k / 10) % 10, k % 10),
        "service-pack" => format!(
            "{}.{} SP{} HF{}",
            1 + k / 48,
            (k / 12) % 4,
            1 + (k / 3) % 4,
            1 + k % 3
        ),
        "release-train" => format!("R{}.{}", 10 + k / 12, 1 + k % 12),
        "calver" => format!("{}.{:02}.{}", 2000 + k / 48, 1 + (k / 4) % 12, k % 4),
        _ => format!("{:02}.{:02}.{:02}", 1 + k / 100, (k / 10) % 10, k % 10),
    }
}

struct ProductPlan {
    id: String,
    scheme: usize,
    class: usize,
    intro_batch: u64,
    releases: u32,
    open_cves: Vec<String>,
    updates: u32,
}

struct AdvisoryPlan {
    body: Value,
    last_batch: u64,
    withdrawn: bool,
}

enum Op {
    Product(Value),
    Release(Value),
    Advisory(Value),
    Withdraw(String, Value),
}

#[derive(Default)]
struct Plan {
    products: Vec<ProductPlan>,
    advisories: Vec<AdvisoryPlan>,
}

fn batch_of(i: u64) -> u64 {
    if i == 0 { 0 } else { (i - 1) / BATCH + 1 }
}

fn product_body(p: &ProductPlan) -> Value {
    let lifecycle = match p.updates {
        0 => json!({"state": "active"}),
        1 => json!({"state": "mainstream_support", "mainstream_support_end": "2030-12-31",
                    "extended_support_end": "2033-12-31", "end_of_life": "2033-12-31"}),
        _ => json!({"state": "extended_support", "mainstream_support_end": "2030-12-31",
                    "extended_support_end": "2033-12-31", "end_of_life": "2033-12-31"}),
    };
    json!({
        "id": p.id,
        "name": format!("Scale {} line {}", CLASSES[p.class].to_uppercase(), p.id),
        "models": [format!("{}-A ({}-A-24DC)", p.id, p.id), format!("{}-B ({}-B-24DC)", p.id, p.id)],
        "device_class": CLASSES[p.class],
        "version_scheme": SCHEMES[p.scheme],
        "lifecycle": lifecycle,
    })
}

impl Plan {
    fn new_product(&mut self, i: u64) -> Op {
        let k = self.products.len();
        let plan = ProductPlan {
            id: format!("line-{k:05}"),
            scheme: k % SCHEMES.len(),
            class: (k / 3) % CLASSES.len(),
            intro_batch: batch_of(i),
            releases: 0,
            open_cves: vec![],
            updates: 0,
        };
        let body = product_body(&plan);
        self.products.push(plan);
        Op::Product(body)
    }

    /// Indexes of the newest lines usable by operation `i` (introduced in an earlier batch).
    fn window(&self, i: u64) -> Vec<usize> {
        let batch = batch_of(i);
        let usable: Vec<usize> = (0..self.products.len())
            .rev()
            .filter(|&k| self.products[k].intro_batch < batch)
            .take(WINDOW)
            .collect();
        usable
    }

    fn next(&mut self, i: u64) -> Op {
        let r = mix(i ^ 0x5ca1e);
        let window: Vec<usize> = self
            .window(i)
            .into_iter()
            .filter(|&k| self.products[k].releases < RELEASE_CAP)
            .collect();
        if i.is_multiple_of(PER_PRODUCT) || window.is_empty() {
            return self.new_product(i);
        }
        let batch = batch_of(i);
        let roll = r % 1000;
        let pick = window[(r >> 20) as usize % window.len()];
        if roll < 5 && self.products[pick].updates < 2 {
            let p = &mut self.products[pick];
            p.updates += 1;
            return Op::Product(product_body(p));
        }
        let revisable: Vec<usize> = (self.advisories.len().saturating_sub(100)
            ..self.advisories.len())
            .filter(|&a| !self.advisories[a].withdrawn && self.advisories[a].last_batch < batch)
            .collect();
        if (5..35).contains(&roll) && !revisable.is_empty() {
            let a = revisable[(r >> 24) as usize % revisable.len()];
            let advisory = &mut self.advisories[a];
            advisory.last_batch = batch;
            let id = advisory.body["id"].as_str().expect("id").to_owned();
            if roll < 8 {
                advisory.withdrawn = true;
                return Op::Withdraw(
                    id,
                    json!({"reason": "Withdrawn: the reported issue was not reproducible on shipped firmware."}),
                );
            }
            let mut body = advisory.body.clone();
            body["revision"] =
                json!({"summary": format!("Updated remediation details (operation {i})")});
            body["mitigations"] = json!([
                "Restrict network access to the engineering port.",
                "Apply the vendor's hardening guide."
            ]);
            return Op::Advisory(body);
        }
        let named: Vec<usize> = window
            .iter()
            .copied()
            .filter(|&k| self.products[k].releases >= 4)
            .collect();
        if (35..105).contains(&roll) && !named.is_empty() {
            let count = 1 + (r >> 28) as usize % 3.min(named.len());
            let start = (r >> 32) as usize % named.len();
            let targets: Vec<usize> = (0..count)
                .map(|j| named[(start + j) % named.len()])
                .collect();
            let cves: Vec<String> = (0..1 + (r >> 36) % 3)
                .map(|j| format!("CVE-{}-{}", 2010 + (i / 40_000) % 16, 100_000 + i * 3 + j))
                .collect();
            let mut statements = Vec::new();
            for &k in &targets {
                let p = &mut self.products[k];
                let introduced = version(p.scheme, ((r >> 40) as u32) % (p.releases / 2));
                let fixed = version(p.scheme, p.releases);
                statements.push(json!({
                    "product": p.id,
                    "status": "known_affected",
                    "ranges": [{"introduced": introduced, "fixed": fixed}],
                    "vendor_text": format!("{introduced} <= version < {fixed}"),
                    "remediation": {"category": "vendor_fix", "fixed_version": fixed,
                                     "details": format!("Update to {fixed} or later.")},
                }));
                if p.releases > 8 {
                    let old = version(p.scheme, 0);
                    let limit = version(p.scheme, 1);
                    statements.push(json!({
                        "product": p.id,
                        "status": "known_not_affected",
                        "ranges": [{"introduced": old, "limit": limit}],
                        "vendor_text": "The first release does not contain the affected component",
                    }));
                }
                p.open_cves.extend(cves.iter().cloned());
            }
            let body = json!({
                "id": format!("SCALE-SA-{i:08}"),
                "title": format!("Vulnerabilities in the web server of {} line(s)", targets.len()),
                "cves": cves.iter().map(|c| json!({
                    "id": c,
                    "title": "Improper input validation in the diagnostics web server",
                    "cwe": "CWE-20",
                    "cvss_v31": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                })).collect::<Vec<_>>(),
                "products": statements,
                "references": [{"url": "https://psirt.example.com/advisories", "summary": "PSIRT"}],
                "revision": {"number": "1.0", "summary": "Initial publication"},
            });
            self.advisories.push(AdvisoryPlan {
                body: body.clone(),
                last_batch: batch,
                withdrawn: false,
            });
            return Op::Advisory(body);
        }
        let p = &mut self.products[pick];
        let k = p.releases;
        p.releases += 1;
        let v = version(p.scheme, k);
        let fixes: Vec<String> = p.open_cves.drain(..).collect();
        let images: Vec<Value> = (0..1 + (r >> 44) % 2)
            .map(|n| {
                let seed = i * 4 + n;
                json!({
                    "name": format!("{}_{}_{n}.bin", p.id, v.replace(' ', "_")),
                    "size": 1_048_576 + (mix(seed) % 30_000_000),
                    "sha256": hex(seed, 32),
                    "sha3_256": hex(seed ^ 0xa5a5, 32),
                    "sha512": hex(seed ^ 0x5a5a, 64),
                    "url": format!("https://downloads.example.com/{}/{}", p.id, n),
                })
            })
            .collect();
        let day = time::Date::from_calendar_date(2010, time::Month::January, 1).expect("date")
            + time::Duration::days((i / 300) as i64);
        Op::Release(json!({
            "product": p.id,
            "version": v,
            "release_date": day.to_string(),
            "images": images,
            "fixes": fixes,
        }))
    }
}

async fn connect(url: &str) -> Arc<dyn Store> {
    if url.starts_with("sqlite:") {
        Arc::new(
            fixlog_store_sqlite::SqliteStore::connect(url)
                .await
                .expect("sqlite"),
        )
    } else {
        if let Some(schema) = url.split("search_path%3D").nth(1) {
            let schema: String = schema
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let base = url.split('?').next().expect("url");
            let admin = sqlx::PgPool::connect(base).await.expect("postgres");
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS {schema}"
            )))
            .execute(&admin)
            .await
            .expect("schema");
        }
        Arc::new(
            fixlog_store_postgres::PostgresStore::connect(url)
                .await
                .expect("postgres"),
        )
    }
}

async fn apply(log: &Log, op: Op) {
    let now = OffsetDateTime::now_utc();
    let outcome = match &op {
        Op::Product(body) => {
            let doc: ProductDoc = serde_json::from_value(body.clone()).expect("product body");
            write::publish_product(log, &doc, now).await
        }
        Op::Release(body) => {
            let request: ReleaseRequest =
                serde_json::from_value(body.clone()).expect("release body");
            write::publish_release(log, &request, now).await
        }
        Op::Advisory(body) => {
            let request: AdvisoryRequest =
                serde_json::from_value(body.clone()).expect("advisory body");
            write::publish_advisory(log, &request, now).await
        }
        Op::Withdraw(id, body) => {
            let request: WithdrawRequest =
                serde_json::from_value(body.clone()).expect("withdraw body");
            write::withdraw_advisory(log, id, &request, now).await
        }
    };
    match outcome {
        Ok(ack) if ack.created => {}
        Ok(ack) => panic!(
            "operation appended nothing (entry {} existed)",
            ack.entry.seq
        ),
        Err(error) => {
            let body = match op {
                Op::Product(b) | Op::Release(b) | Op::Advisory(b) | Op::Withdraw(_, b) => b,
            };
            panic!("operation rejected: {error:?}\n{body}")
        }
    }
}

fn log_for(store: Arc<dyn Store>) -> Arc<Log> {
    Arc::new(Log::new(
        store,
        fixlog_server::keys::demo_signer("demo.fixlog.invalid/log"),
    ))
}

/// Operations already applied: generated entries are all entries except those of the
/// `writes` benchmark line, which lives under its own product id.
async fn generated(store: &dyn Store) -> u64 {
    let size = store.size().await.expect("size");
    let bench = store
        .entries(&fixlog_store::EntryQuery {
            after: 0,
            limit: u32::MAX,
            product: Some("zz-write-bench".to_owned()),
            cve: None,
            kind: None,
        })
        .await
        .expect("bench entries")
        .len() as u64;
    size - bench
}

async fn generate(url: &str, target: u64) {
    let store = connect(url).await;
    let log = log_for(Arc::clone(&store));
    let done = generated(store.as_ref()).await;
    let mut plan = Plan::default();
    for i in 0..done {
        plan.next(i);
    }
    // A log may end inside a batch (the target is any number): the rest of that batch runs
    // after its committed part, which keeps every dependency the batching respects. This needs
    // every operation before `done` applied: a generation that completed (it waits for every
    // task) and, for SQLite, a copy that includes the -wal file (bench/scale.sh uses a backup).
    let started = Instant::now();
    let mut i = done;
    let mut last_report = Instant::now();
    while i < target {
        let batch = batch_of(i);
        let mut tasks = tokio::task::JoinSet::new();
        while i < target && batch_of(i) == batch {
            let op = plan.next(i);
            let log = Arc::clone(&log);
            tasks.spawn(async move { apply(&log, op).await });
            i += 1;
        }
        while let Some(joined) = tasks.join_next().await {
            joined.expect("operation task");
        }
        if last_report.elapsed() > Duration::from_secs(30) {
            let rate = (i - done) as f64 / started.elapsed().as_secs_f64();
            eprintln!("scale: {i} entries, {rate:.0} appends/s");
            last_report = Instant::now();
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let appended = i - done;
    println!(
        "{}",
        json!({"record": "generate", "from": done, "to": i, "seconds": seconds,
               "appends_per_s": if seconds > 0.0 { appended as f64 / seconds } else { 0.0 },
               "products": plan.products.len(), "advisories": plan.advisories.len()})
    );
}

fn percentiles(mut samples: Vec<f64>) -> Value {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    json!({"p50_ms": at(0.5), "p99_ms": at(0.99), "n": samples.len()})
}

/// Sequential `publish_release` calls (one append + one checkpoint each, no group commit) on a
/// line of its own: the latency of the write path at the current size.
async fn writes(url: &str, n: u64) {
    let store = connect(url).await;
    let log = log_for(Arc::clone(&store));
    let now = OffsetDateTime::now_utc();
    let product: ProductDoc = serde_json::from_value(json!({
        "id": "zz-write-bench", "name": "Write benchmark line", "models": ["WB (WB-1)"],
        "device_class": "other", "version_scheme": "dotted", "lifecycle": {"state": "active"}}))
    .expect("product");
    write::publish_product(&log, &product, now)
        .await
        .expect("bench product");
    let start = store.size().await.expect("size");
    let mut samples = Vec::new();
    for k in 0..n {
        let request: ReleaseRequest = serde_json::from_value(json!({
            "product": "zz-write-bench",
            "version": format!("9.{start}.{k}"),
            "release_date": "2026-01-01",
            "images": [{"name": "wb.bin", "size": 1024, "sha256": hex(start * 1000 + k, 32)}],
            "fixes": [],
        }))
        .expect("release");
        let t = Instant::now();
        let ack = write::publish_release(&log, &request, OffsetDateTime::now_utc())
            .await
            .expect("publish");
        assert!(ack.created);
        samples.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "{}",
        json!({"record": "writes", "size": start, "publish_release": percentiles(samples)})
    );
}

async fn measure(base: &str, url: &str, n: usize) {
    let store = connect(url).await;
    let size = store.size().await.expect("size");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    // Targets: entries spread over the whole log.
    let mut releases = Vec::new();
    let mut advisories = Vec::new();
    let mut k = 0u64;
    while (releases.len() < n || advisories.len() < n) && k < 50 * n as u64 {
        let seq = 1 + mix(k ^ 0xbeef) % size;
        k += 1;
        let Some(stored) = store.entry(seq).await.expect("entry") else {
            continue;
        };
        let doc: Value = serde_json::from_slice(&stored.body).expect("json");
        match stored.kind.as_str() {
            "release" if releases.len() < n => releases.push(doc),
            "advisory" | "withdrawal" if advisories.len() < n => advisories.push(doc),
            _ => {}
        }
    }
    let esc = |s: &str| s.replace(' ', "%20");
    let mut routes: Vec<(&str, Vec<String>)> = vec![
        (
            "entry",
            (0..n as u64)
                .map(|k| format!("/api/v1/entries/{}", 1 + mix(k) % size))
                .collect(),
        ),
        (
            "proof",
            (0..n as u64)
                .map(|k| format!("/api/v1/entries/{}/proof", 1 + mix(k) % size))
                .collect(),
        ),
        (
            "version_status",
            releases
                .iter()
                .map(|d| {
                    format!(
                        "/api/v1/products/{}/versions/{}",
                        d["product"].as_str().unwrap(),
                        esc(d["fixed_version"].as_str().unwrap())
                    )
                })
                .collect(),
        ),
        (
            "product_firmware",
            releases
                .iter()
                .map(|d| {
                    format!(
                        "/api/v1/products/{}/firmware",
                        d["product"].as_str().unwrap()
                    )
                })
                .collect(),
        ),
        (
            "by_digest",
            releases
                .iter()
                .map(|d| {
                    format!(
                        "/api/v1/firmware/by-digest/{}",
                        d["images"][0]["sha256"].as_str().unwrap()
                    )
                })
                .collect(),
        ),
        (
            "advisory",
            advisories
                .iter()
                .map(|d| {
                    format!(
                        "/api/v1/advisories/{}",
                        d["advisory"]["id"].as_str().unwrap()
                    )
                })
                .collect(),
        ),
        (
            "product_page",
            releases
                .iter()
                .map(|d| format!("/products/{}", d["product"].as_str().unwrap()))
                .collect(),
        ),
        (
            "advisory_page",
            advisories
                .iter()
                .map(|d| format!("/advisories/{}", d["advisory"]["id"].as_str().unwrap()))
                .collect(),
        ),
        (
            "search_cve",
            advisories
                .iter()
                .take(n.min(50))
                .filter_map(|d| d["cves"][0].as_str())
                .map(|cve| format!("/search?cve={cve}"))
                .collect(),
        ),
        (
            "check_page",
            releases
                .iter()
                .take(n.min(50))
                .map(|d| {
                    format!(
                        "/check?product={}&version={}",
                        d["product"].as_str().unwrap(),
                        esc(d["fixed_version"].as_str().unwrap())
                    )
                })
                .collect(),
        ),
        ("front_page", vec!["/".to_owned(); n.min(50)]),
        ("feed", vec!["/feed.atom".to_owned(); n.min(50)]),
        ("checkpoint", vec!["/tlog/checkpoint".to_owned(); n]),
    ];
    let mut result = serde_json::Map::new();
    result.insert("record".into(), json!("measure"));
    result.insert("size".into(), json!(size));
    for (name, paths) in routes.drain(..) {
        if paths.is_empty() {
            continue;
        }
        let mut samples = Vec::with_capacity(paths.len());
        let mut bytes = 0usize;
        for path in &paths {
            let t = Instant::now();
            let response = client
                .get(format!("{base}{path}"))
                .send()
                .await
                .expect("request");
            let status = response.status();
            let body = response.bytes().await.expect("body");
            samples.push(t.elapsed().as_secs_f64() * 1000.0);
            assert!(status.is_success(), "{path}: {status}");
            bytes += body.len();
        }
        let mut stats = percentiles(samples);
        stats["avg_bytes"] = json!(bytes / paths.len());
        result.insert(name.to_owned(), stats);
    }
    println!("{}", Value::Object(result));
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or_default();
    match arg(1) {
        "generate" => generate(arg(2), arg(3).parse().expect("TARGET")).await,
        "writes" => writes(arg(2), arg(3).parse().expect("N")).await,
        "measure" => measure(arg(2), arg(3), arg(4).parse().expect("N")).await,
        _ => {
            eprintln!("usage: scale generate DB TARGET | writes DB N | measure BASE_URL DB N");
            std::process::exit(2);
        }
    }
}
