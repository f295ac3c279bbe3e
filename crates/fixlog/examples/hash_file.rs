//! Hashes files with the exact code `fixlog publish release` uses (`src/hashing.rs`,
//! included by path), for benchmarks: `bench/hash.sh`.
//!
//! `hash_file FILE` prints `sha256 sha3_256 size seconds` for the one-pass, two-thread digest.
//! `hash_file --only sha256 FILE` / `--only sha3-256 FILE` time one algorithm alone on one
//! thread (same 1 MiB reads), to tell which digest bounds the combined pass.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

#[path = "../src/hashing.rs"]
mod hashing;

use sha2::Digest;

fn single<D: Digest>(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = D::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        size += read as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (only, file) = match args.as_slice() {
        [file] => (None, file),
        [flag, only, file] if flag == "--only" => (Some(only.as_str()), file),
        _ => {
            eprintln!("usage: hash_file [--only sha256|sha3-256] FILE");
            return ExitCode::from(2);
        }
    };
    let path = Path::new(file);
    let start = Instant::now();
    let result = match only {
        None => {
            hashing::digest_file(path).map(|d| format!("{} {} {}", d.sha256, d.sha3_256, d.size))
        }
        Some("sha256") => single::<sha2::Sha256>(path).map(|(d, size)| format!("{d} - {size}")),
        Some("sha3-256") => single::<sha3::Sha3_256>(path).map(|(d, size)| format!("- {d} {size}")),
        Some(other) => {
            eprintln!("--only {other}: expected sha256 or sha3-256");
            return ExitCode::from(2);
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    match result {
        Ok(line) => {
            println!("{line} {seconds:.6}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{file}: {error}");
            ExitCode::from(2)
        }
    }
}
