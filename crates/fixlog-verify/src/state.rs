//! `--state DIR`: what earlier runs established, per log origin.
//!
//! ```text
//! DIR/logs/<origin with / as _>-<8 hex of sha256(origin)>.json
//!     {"origin": "demo.fixlog.invalid/log", "key": "<vkey>", "url": "http://…",
//!      "checkpoint": "<the last verified checkpoint note, verbatim>"}
//! DIR/servers.json
//!     {"http://…": "demo.fixlog.invalid/log"}      which origin each URL served
//! ```
//!
//! The key is trusted on first use and pinned from then on; the checkpoint is the old end of
//! the next run's consistency proof. Files are replaced atomically (write, then rename).

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Errors reading or writing the state directory.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file exists but is not a state file.
    #[error("{path}: not a fixlog verify state file: {message}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// What the last clean run established about one log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedLog {
    /// The log origin (its key name).
    pub origin: String,
    /// The verifier key (`name+id+base64`), pinned since first use.
    pub key: String,
    /// The URL it was last verified at.
    pub url: String,
    /// The last verified checkpoint note, verbatim.
    pub checkpoint: String,
}

/// A state directory.
#[derive(Clone, Debug)]
pub struct StateDir {
    root: PathBuf,
}

impl StateDir {
    /// The state kept under `root` (created on first save).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn log_path(&self, origin: &str) -> PathBuf {
        let readable: String = origin
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let digest = Sha256::digest(origin.as_bytes());
        let short: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        self.root
            .join("logs")
            .join(format!("{readable}-{short}.json"))
    }

    fn servers_path(&self) -> PathBuf {
        self.root.join("servers.json")
    }

    /// The saved state of `origin`, if any run saved one.
    pub fn load(&self, origin: &str) -> Result<Option<SavedLog>, StateError> {
        let path = self.log_path(origin);
        let Some(bytes) = read_optional(&path)? else {
            return Ok(None);
        };
        let saved: SavedLog =
            serde_json::from_slice(&bytes).map_err(|error| StateError::Corrupt {
                path: path.clone(),
                message: error.to_string(),
            })?;
        if saved.origin != origin {
            return Err(StateError::Corrupt {
                path,
                message: format!("holds origin {:?}", saved.origin),
            });
        }
        Ok(Some(saved))
    }

    /// The origin `url` served when it was last verified.
    pub fn origin_of(&self, url: &str) -> Result<Option<String>, StateError> {
        Ok(self.servers()?.remove(url))
    }

    fn servers(&self) -> Result<BTreeMap<String, String>, StateError> {
        let path = self.servers_path();
        match read_optional(&path)? {
            None => Ok(BTreeMap::new()),
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|error| StateError::Corrupt {
                path,
                message: error.to_string(),
            }),
        }
    }

    /// Saves `saved` as the state of its origin and remembers its URL.
    pub fn save(&self, saved: &SavedLog) -> Result<(), StateError> {
        let json = serde_json::to_vec_pretty(saved).expect("state serializes");
        write_atomically(&self.log_path(&saved.origin), &json)?;
        let mut servers = self.servers()?;
        servers.insert(saved.url.clone(), saved.origin.clone());
        let json = serde_json::to_vec_pretty(&servers).expect("state serializes");
        write_atomically(&self.servers_path(), &json)
    }
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, StateError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StateError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StateError> {
    let io = |source| StateError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, bytes).map_err(io)?;
    std::fs::rename(&temporary, path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_state_round_trips_per_origin() {
        let directory = tempfile::tempdir().unwrap();
        let state = StateDir::new(directory.path());
        assert_eq!(state.load("a.example/log").unwrap(), None);
        let saved = SavedLog {
            origin: "a.example/log".into(),
            key: "k".into(),
            url: "http://a".into(),
            checkpoint: "c".into(),
        };
        state.save(&saved).unwrap();
        assert_eq!(state.load("a.example/log").unwrap(), Some(saved));
        assert_eq!(state.load("b.example/log").unwrap(), None);
        assert_eq!(
            state.origin_of("http://a").unwrap().as_deref(),
            Some("a.example/log")
        );
    }
}
