//! The log's signing key on disk.
//!
//! Two file forms are read: PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, as `openssl genpkey
//! -algorithm ed25519` writes) with the origin given separately, and the C2SP/Go note signer
//! text `PRIVATE+KEY+<name>+<id>+<base64>`, which carries its name. `fixlog keygen` writes the
//! latter, mode 0600.

use std::path::Path;

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use fixlog_tlog::Signer;
use sha2::{Digest, Sha256};

/// Errors loading or creating a key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file holds neither form.
    #[error("{path}: not an Ed25519 PKCS#8 PEM key nor a PRIVATE+KEY note signer ({message})")]
    Format {
        /// The file.
        path: String,
        /// What failed.
        message: String,
    },
    /// A PEM key needs an origin (the log's key name).
    #[error("{path}: a PEM key needs --origin (the log name, e.g. psirt.example.com/fixlog)")]
    MissingOrigin {
        /// The file.
        path: String,
    },
    /// The name is not a valid note key name.
    #[error("invalid key name {name:?}: {message}")]
    Name {
        /// The name.
        name: String,
        /// Why.
        message: String,
    },
    /// The file is readable by others.
    #[error("{path}: key file must not be readable by group or others (chmod 600)")]
    Permissions {
        /// The file.
        path: String,
    },
}

/// Creates a new random key named `origin`.
pub fn generate(origin: &str) -> Result<Signer, KeyError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|error| KeyError::Name {
        name: origin.to_owned(),
        message: format!("no randomness: {error}"),
    })?;
    Signer::new(origin, SigningKey::from_bytes(&seed)).map_err(|error| KeyError::Name {
        name: origin.to_owned(),
        message: error.to_string(),
    })
}

/// The deterministic key of `serve --demo` (never for production: its seed is public).
pub fn demo_signer(origin: &str) -> Signer {
    let seed: [u8; 32] =
        Sha256::digest(b"fixlog demo key: public, never use outside --demo").into();
    Signer::new(origin, SigningKey::from_bytes(&seed)).expect("demo origin is a valid key name")
}

/// Writes `signer` to `path` in the PRIVATE+KEY form with mode 0600 (refuses to overwrite).
pub fn write(path: &Path, signer: &Signer) -> Result<(), KeyError> {
    use std::io::Write;
    let io = |source| KeyError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io)?;
    file.write_all(format!("{}\n", signer.to_private_key_string()).as_bytes())
        .map_err(io)?;
    file.sync_all().map_err(io)
}

/// Reads a key file; `origin` names a PEM key (and must match a PRIVATE+KEY file's name).
pub fn read(path: &Path, origin: Option<&str>) -> Result<Signer, KeyError> {
    let shown = path.display().to_string();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let metadata = std::fs::metadata(path).map_err(|source| KeyError::Io {
            path: shown.clone(),
            source,
        })?;
        if metadata.permissions().mode() & 0o077 != 0 {
            return Err(KeyError::Permissions { path: shown });
        }
    }
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::Io {
        path: shown.clone(),
        source,
    })?;
    let text = text.trim();
    if text.starts_with("PRIVATE+KEY+") {
        let signer = Signer::from_private_key_string(text).map_err(|error| KeyError::Format {
            path: shown.clone(),
            message: error.to_string(),
        })?;
        if let Some(origin) = origin
            && origin != signer.name()
        {
            return Err(KeyError::Name {
                name: origin.to_owned(),
                message: format!("the key file names the log {}", signer.name()),
            });
        }
        return Ok(signer);
    }
    let key = SigningKey::from_pkcs8_pem(text).map_err(|error| KeyError::Format {
        path: shown.clone(),
        message: error.to_string(),
    })?;
    let origin = origin.ok_or(KeyError::MissingOrigin { path: shown })?;
    Signer::new(origin, key).map_err(|error| KeyError::Name {
        name: origin.to_owned(),
        message: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_keys_read_back_and_are_private() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("log.key");
        let signer = generate("example.com/log").unwrap();
        write(&path, &signer).unwrap();
        let read_back = read(&path, None).unwrap();
        assert_eq!(read_back.verifier_key(), signer.verifier_key());
        assert!(
            matches!(write(&path, &signer), Err(KeyError::Io { .. })),
            "never overwrites"
        );
        assert!(matches!(
            read(&path, Some("other.example/log")),
            Err(KeyError::Name { .. })
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                read(&path, None),
                Err(KeyError::Permissions { .. })
            ));
        }
    }

    #[test]
    fn garbage_is_rejected_with_the_path() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("bad.key");
        std::fs::write(&path, "not a key").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let error = read(&path, Some("example.com/log")).unwrap_err();
        assert!(error.to_string().contains("bad.key"), "{error}");
    }
}
