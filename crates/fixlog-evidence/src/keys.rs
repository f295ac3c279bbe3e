//! The monitor's Ed25519 key, which signs bundle manifests.
//!
//! Read forms: PKCS#8 PEM (`openssl genpkey -algorithm ed25519`) and the note signer text
//! `PRIVATE+KEY+<name>+<id>+<base64>` that `fixlog keygen` writes. A missing key is created
//! as PKCS#8 PEM with mode 0600. Public keys (for `--key`) are read as SPKI PEM, a note
//! verifier key `<name>+<id>+<base64>`, or the base64 of the 32 raw bytes.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey};
use ed25519_dalek::{SigningKey, VerifyingKey};

/// Errors reading or creating a key.
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
    /// The file is readable by group or others.
    #[error("{path}: key file must not be readable by group or others (chmod 600)")]
    Permissions {
        /// The file.
        path: String,
    },
    /// The text is no Ed25519 key in a known form.
    #[error("{what}: not an Ed25519 key in a known form ({message})")]
    Format {
        /// The file or argument.
        what: String,
        /// What failed.
        message: String,
    },
    /// No randomness for a new key.
    #[error("no randomness for a new key: {message}")]
    Random {
        /// The cause.
        message: String,
    },
}

/// Reads the signing key at `path`, or creates one there (PKCS#8 PEM, mode 0600) if the file
/// does not exist.
pub fn load_or_create_key(path: &Path) -> Result<SigningKey, KeyError> {
    let shown = path.display().to_string();
    let io = |source| KeyError::Io {
        path: shown.clone(),
        source,
    };
    match std::fs::metadata(path) {
        Ok(metadata) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                if metadata.permissions().mode() & 0o077 != 0 {
                    return Err(KeyError::Permissions { path: shown });
                }
            }
            #[cfg(not(unix))]
            let _ = metadata;
            let text = std::fs::read_to_string(path).map_err(io)?;
            parse_private_key(&text, &shown)
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|error| KeyError::Random {
                message: error.to_string(),
            })?;
            let key = SigningKey::from_bytes(&seed);
            let pem = key
                .to_pkcs8_pem(Default::default())
                .map_err(|error| KeyError::Format {
                    what: shown.clone(),
                    message: error.to_string(),
                })?;
            write_private(path, pem.as_bytes()).map_err(io)?;
            Ok(key)
        }
        Err(error) => Err(io(error)),
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Parses a private key text (PKCS#8 PEM or `PRIVATE+KEY+…`); `what` names it in errors.
pub fn parse_private_key(text: &str, what: &str) -> Result<SigningKey, KeyError> {
    let text = text.trim();
    let format = |message: String| KeyError::Format {
        what: what.to_owned(),
        message,
    };
    if text.starts_with("PRIVATE+KEY+") {
        // Validates name, key id and type; the seed is the last field after the type byte.
        fixlog_tlog::Signer::from_private_key_string(text)
            .map_err(|error| format(error.to_string()))?;
        let encoded = text.rsplit('+').next().unwrap_or_default();
        let bytes = BASE64
            .decode(encoded)
            .map_err(|error| format(error.to_string()))?;
        let seed: [u8; 32] = bytes
            .get(1..)
            .and_then(|seed| seed.try_into().ok())
            .ok_or_else(|| format("seed is not 32 bytes".to_owned()))?;
        return Ok(SigningKey::from_bytes(&seed));
    }
    SigningKey::from_pkcs8_pem(text).map_err(|error| format(error.to_string()))
}

/// Parses a public key: SPKI PEM, a note verifier key, or base64 of the 32 raw bytes.
pub fn parse_public_key(text: &str, what: &str) -> Result<VerifyingKey, KeyError> {
    let text = text.trim();
    let format = |message: String| KeyError::Format {
        what: what.to_owned(),
        message,
    };
    if text.starts_with("-----BEGIN") {
        return VerifyingKey::from_public_key_pem(text).map_err(|error| format(error.to_string()));
    }
    if text.contains('+') && text.matches('+').count() >= 2 && !text.ends_with('=') {
        let verifier =
            fixlog_tlog::Verifier::from_vkey(text).map_err(|error| format(error.to_string()))?;
        return Ok(*verifier.public_key());
    }
    let bytes = BASE64
        .decode(text)
        .map_err(|error| format(error.to_string()))?;
    let bytes: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| format(format!("{} bytes, expected 32", bytes.len())))?;
    VerifyingKey::from_bytes(&bytes).map_err(|error| format(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_key_reads_back_and_is_private() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("monitor.key");
        let created = load_or_create_key(&path).unwrap();
        let again = load_or_create_key(&path).unwrap();
        assert_eq!(created.to_bytes(), again.to_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                load_or_create_key(&path),
                Err(KeyError::Permissions { .. })
            ));
        }
    }

    #[test]
    fn the_keygen_form_is_read() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let signer = fixlog_tlog::Signer::new("monitor.example/evidence", key.clone()).unwrap();
        let parsed = parse_private_key(&signer.to_private_key_string(), "k").unwrap();
        assert_eq!(parsed.to_bytes(), key.to_bytes());
        let vkey = signer.verifier_key();
        assert_eq!(parse_public_key(&vkey, "k").unwrap(), key.verifying_key());
    }

    #[test]
    fn public_keys_in_every_form() {
        use ed25519_dalek::pkcs8::EncodePublicKey;
        let key = SigningKey::from_bytes(&[9; 32]).verifying_key();
        let pem = key.to_public_key_pem(Default::default()).unwrap();
        assert_eq!(parse_public_key(&pem, "k").unwrap(), key);
        let raw = BASE64.encode(key.as_bytes());
        assert_eq!(parse_public_key(&raw, "k").unwrap(), key);
        let error = parse_public_key("bm90IGEga2V5", "--key").unwrap_err();
        assert!(error.to_string().starts_with("--key:"), "{error}");
    }

    #[test]
    fn garbage_names_the_file() {
        let error = parse_private_key("not a key", "monitor.key").unwrap_err();
        assert!(error.to_string().contains("monitor.key"), "{error}");
        let error = parse_private_key("PRIVATE+KEY+x+00000000+AAAA", "m.key").unwrap_err();
        assert!(error.to_string().contains("m.key"), "{error}");
    }
}
