//! Streaming image digests: one pass over the file feeds SHA-256 and SHA3-256.
//!
//! The two hashes run on two threads fed from the same buffers, so the pass costs about as
//! much wall time as the slower hash alone (on a machine with at least two cores).

use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;

use sha2::Digest;

/// Digests of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileDigests {
    /// Bytes read.
    pub size: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// SHA3-256, lowercase hex.
    pub sha3_256: String,
}

const CHUNK: usize = 1 << 20;

/// Hashes `reader` once through both algorithms.
pub fn digest_reader(mut reader: impl Read) -> std::io::Result<FileDigests> {
    let (to_sha2, from_main_2) = mpsc::sync_channel::<Arc<Vec<u8>>>(4);
    let (to_sha3, from_main_3) = mpsc::sync_channel::<Arc<Vec<u8>>>(4);
    let sha2_worker = std::thread::spawn(move || {
        let mut hasher = sha2::Sha256::new();
        for chunk in from_main_2 {
            hasher.update(&chunk[..]);
        }
        hex::encode(hasher.finalize())
    });
    let sha3_worker = std::thread::spawn(move || {
        let mut hasher = sha3::Sha3_256::new();
        for chunk in from_main_3 {
            hasher.update(&chunk[..]);
        }
        hex::encode(hasher.finalize())
    });
    let mut size = 0u64;
    loop {
        let mut buffer = vec![0u8; CHUNK];
        let mut filled = 0;
        while filled < CHUNK {
            let read = reader.read(&mut buffer[filled..])?;
            if read == 0 {
                break;
            }
            filled += read;
        }
        if filled == 0 {
            break;
        }
        buffer.truncate(filled);
        size += filled as u64;
        let chunk = Arc::new(buffer);
        // A worker only stops early by panicking, which join() reports below.
        let _ = to_sha2.send(Arc::clone(&chunk));
        let _ = to_sha3.send(chunk);
        if filled < CHUNK {
            break;
        }
    }
    drop(to_sha2);
    drop(to_sha3);
    let sha256 = sha2_worker
        .join()
        .map_err(|_| std::io::Error::other("SHA-256 worker failed"))?;
    let sha3_256 = sha3_worker
        .join()
        .map_err(|_| std::io::Error::other("SHA3-256 worker failed"))?;
    Ok(FileDigests {
        size,
        sha256,
        sha3_256,
    })
}

/// Hashes a file.
pub fn digest_file(path: &Path) -> std::io::Result<FileDigests> {
    digest_reader(std::fs::File::open(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        let empty = digest_reader(&b""[..]).unwrap();
        assert_eq!(empty.size, 0);
        assert_eq!(
            empty.sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            empty.sha3_256,
            "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"
        );
        let abc = digest_reader(&b"abc"[..]).unwrap();
        assert_eq!(
            abc.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            abc.sha3_256,
            "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"
        );
    }

    #[test]
    fn chunk_boundaries_do_not_matter() {
        let data: Vec<u8> = (0..(3 * CHUNK + 17)).map(|i| (i % 251) as u8).collect();
        let streamed = digest_reader(&data[..]).unwrap();
        assert_eq!(streamed.size, data.len() as u64);
        assert_eq!(streamed.sha256, hex::encode(sha2::Sha256::digest(&data)));
        assert_eq!(
            streamed.sha3_256,
            hex::encode(sha3::Sha3_256::digest(&data))
        );
    }
}
