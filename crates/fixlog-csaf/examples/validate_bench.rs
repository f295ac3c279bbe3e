//! Validation throughput: `cargo run --release -p fixlog-csaf --example validate_bench -- DIR [ROUNDS]`
//! validates every `*.json` in DIR (strict schema + implemented mandatory tests) ROUNDS times
//! and prints documents per second, parse excluded and included.

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: validate_bench DIR [ROUNDS]");
    let rounds: usize = args
        .next()
        .map_or(5, |r| r.parse().expect("ROUNDS is a number"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("DIR is readable")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let bytes: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(f).expect("file"))
        .collect();
    // Warm-up: compiles the schema once, as a long-running process would.
    let started = Instant::now();
    let docs: Vec<serde_json::Value> = bytes
        .iter()
        .map(|b| serde_json::from_slice(b).expect("JSON"))
        .collect();
    let invalid = docs
        .iter()
        .filter(|d| !fixlog_csaf::validate(d).is_valid())
        .count();
    let first = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for _ in 0..rounds {
        for doc in &docs {
            std::hint::black_box(fixlog_csaf::validate(doc).is_valid());
        }
    }
    let validate_only = started.elapsed().as_secs_f64() / rounds as f64;
    let started = Instant::now();
    for _ in 0..rounds {
        for b in &bytes {
            let doc: serde_json::Value = serde_json::from_slice(b).expect("JSON");
            std::hint::black_box(fixlog_csaf::validate(&doc).is_valid());
        }
    }
    let with_parse = started.elapsed().as_secs_f64() / rounds as f64;
    let n = docs.len() as f64;
    println!(
        "{} documents, {invalid} invalid; first pass incl. schema compile {first:.3} s; \
         validate {:.1} docs/s; parse+validate {:.1} docs/s ({rounds} rounds)",
        docs.len(),
        n / validate_only,
        n / with_parse
    );
}
