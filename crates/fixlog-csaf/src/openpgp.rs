//! OpenPGP for the CSAF trusted provider (CSAF 2.0 §7.1.19 signatures, §7.1.20 public key):
//! detached ASCII-armored signatures `<id>.json.asc` over the served document bytes, made and
//! checked with rPGP (RFC 4880 / RFC 9580 v4 keys).
//!
//! ```text
//! -----BEGIN PGP SIGNATURE-----
//!
//! wnUEABYKAB0WIQS…
//! -----END PGP SIGNATURE-----
//! ```
//!
//! Keys are v4 Ed25519 (`EdDSALegacy`, algorithm 22), which GnuPG 2.2 and later verify.
//! Signatures are deterministic: Ed25519 is, and the one time that goes into the hashed area,
//! the signature creation time, is the document's `current_release_date` (or the key's
//! creation time when the document is older than the key, since verifiers refuse a signature
//! older than its key). So a document revision has exactly one `.asc` per key, and nothing
//! needs to be stored or cached. No I/O here: keys come in and go out as armored text, key
//! generation takes its 32 random bytes from the caller.

use std::io::Cursor;

use pgp::composed::{
    ArmorOptions, Deserializable, DetachedSignature, EncryptionCaps, KeyType,
    SecretKeyParamsBuilder, SignedPublicKey, SignedSecretKey, SubpacketConfig,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::{Signature, Subpacket, SubpacketData};
use pgp::types::{KeyDetails, Password, Timestamp};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use time::OffsetDateTime;

/// Errors of key handling, signing and verification.
#[derive(Debug, thiserror::Error)]
pub enum OpenPgpError {
    /// The text is not an armored OpenPGP key of the expected kind.
    #[error("not an armored OpenPGP {kind} key: {message}")]
    KeyFormat {
        /// `secret` or `public`.
        kind: &'static str,
        /// What the parser said.
        message: String,
    },
    /// The key's self-signatures do not verify.
    #[error("OpenPGP key {fingerprint}: invalid self-signature: {message}")]
    KeyBinding {
        /// The key's fingerprint.
        fingerprint: String,
        /// What failed.
        message: String,
    },
    /// The secret key is protected by a passphrase (not supported for unattended signing).
    #[error(
        "OpenPGP key {fingerprint} is passphrase-protected; export it without a passphrase for unattended signing"
    )]
    Encrypted {
        /// The key's fingerprint.
        fingerprint: String,
    },
    /// Neither the primary key nor a subkey is flagged for signing.
    #[error("OpenPGP key {fingerprint} has no signing-capable key")]
    NoSigningKey {
        /// The key's fingerprint.
        fingerprint: String,
    },
    /// Key generation or signing failed inside the OpenPGP library.
    #[error("OpenPGP {operation} failed: {message}")]
    Crypto {
        /// `key generation`, `signing` or `armoring`.
        operation: &'static str,
        /// What failed.
        message: String,
    },
    /// The signature file is not one armored detached signature.
    #[error("not an armored OpenPGP signature: {message}")]
    SignatureFormat {
        /// What the parser said.
        message: String,
    },
    /// The signature names an issuer that is not the given key or one of its subkeys.
    #[error("signature made by {issuer}, not by key {fingerprint}")]
    WrongKey {
        /// Issuer fingerprint or key id the signature names (`unknown` if none).
        issuer: String,
        /// Fingerprint of the key it was checked against.
        fingerprint: String,
    },
    /// The signature does not verify over the bytes.
    #[error("bad signature by {fingerprint}: {message}")]
    BadSignature {
        /// Fingerprint of the key it was checked against.
        fingerprint: String,
        /// What failed.
        message: String,
    },
}

/// Uppercase hex fingerprint, as `public_openpgp_keys[].fingerprint` holds it.
fn fingerprint_text(key: &impl KeyDetails) -> String {
    format!("{:X}", key.fingerprint())
}

fn timestamp(time: OffsetDateTime) -> Timestamp {
    Timestamp::from_secs(u32::try_from(time.unix_timestamp().max(0)).unwrap_or(u32::MAX))
}

fn signs(signatures: &[Signature]) -> bool {
    signatures.iter().any(|s| s.key_flags().sign())
}

/// A secret OpenPGP key that signs CSAF documents.
#[derive(Debug, Clone)]
pub struct SigningKey {
    secret: SignedSecretKey,
}

impl SigningKey {
    /// Parses an armored secret key (`-----BEGIN PGP PRIVATE KEY BLOCK-----`), as
    /// `gpg --export-secret-keys --armor` or [`SigningKey::to_armored`] write it. The key must
    /// be unprotected and have a signing-capable primary key or subkey.
    pub fn from_armored(text: &str) -> Result<Self, OpenPgpError> {
        let (secret, _) = SignedSecretKey::from_armor_single(Cursor::new(text.as_bytes()))
            .map_err(|e| OpenPgpError::KeyFormat {
                kind: "secret",
                message: e.to_string(),
            })?;
        let fingerprint = fingerprint_text(&secret.primary_key);
        secret
            .verify_bindings()
            .map_err(|e| OpenPgpError::KeyBinding {
                fingerprint: fingerprint.clone(),
                message: e.to_string(),
            })?;
        let key = Self { secret };
        key.signer_is_usable()?;
        Ok(key)
    }

    /// A new v4 Ed25519 key for `user_id` (e.g. `ACME PSIRT <psirt@acme.example>`), certifying
    /// and signing with its primary key, created at `created`, from 32 random bytes.
    pub fn generate(
        user_id: &str,
        seed: [u8; 32],
        created: OffsetDateTime,
    ) -> Result<Self, OpenPgpError> {
        let crypto = |e: &dyn std::fmt::Display| OpenPgpError::Crypto {
            operation: "key generation",
            message: e.to_string(),
        };
        let mut params = SecretKeyParamsBuilder::default();
        params
            .key_type(KeyType::Ed25519Legacy)
            .can_certify(true)
            .can_sign(true)
            .can_encrypt(EncryptionCaps::None)
            .created_at(timestamp(created))
            .primary_user_id(user_id.to_owned());
        let params = params.build().map_err(|e| crypto(&e))?;
        let secret = params
            .generate(ChaCha20Rng::from_seed(seed))
            .map_err(|e| crypto(&e))?;
        Ok(Self { secret })
    }

    /// The key of `fixlog serve --demo` and of tests: always the same fingerprint (fixed seed
    /// and creation time 2020-01-01). Never for production: its secret is public.
    pub fn demo() -> Self {
        let seed: [u8; 32] = *b"fixlog demo OpenPGP key, public!";
        let created = OffsetDateTime::from_unix_timestamp(1_577_836_800).expect("valid time");
        Self::generate(
            "fixlog demo PSIRT <psirt@demo.fixlog.invalid>",
            seed,
            created,
        )
        .expect("the demo key parameters are valid")
    }

    /// Uppercase hex fingerprint of the primary key (40 digits).
    pub fn fingerprint(&self) -> String {
        fingerprint_text(&self.secret.primary_key)
    }

    /// The armored secret key (keep it 0600).
    pub fn to_armored(&self) -> Result<String, OpenPgpError> {
        self.secret
            .to_armored_string(ArmorOptions::default())
            .map_err(|e| OpenPgpError::Crypto {
                operation: "armoring",
                message: e.to_string(),
            })
    }

    /// The public key (certificate) that verifies this key's signatures.
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            public: self.secret.to_public_key(),
        }
    }

    fn signer_is_usable(&self) -> Result<(), OpenPgpError> {
        let fingerprint = self.fingerprint();
        let primary_signs = signs(&self.secret.details.direct_signatures)
            || self
                .secret
                .details
                .users
                .iter()
                .any(|u| signs(&u.signatures));
        let encrypted = if primary_signs {
            self.secret.primary_key.secret_params().is_encrypted()
        } else {
            match self
                .secret
                .secret_subkeys
                .iter()
                .find(|s| signs(&s.signatures))
            {
                Some(subkey) => subkey.key.secret_params().is_encrypted(),
                None => return Err(OpenPgpError::NoSigningKey { fingerprint }),
            }
        };
        if encrypted {
            return Err(OpenPgpError::Encrypted { fingerprint });
        }
        Ok(())
    }

    /// A detached, armored binary signature over `bytes`, dated `at` (the document's
    /// `current_release_date`) or the key's creation time if that is later.
    pub fn sign(&self, bytes: &[u8], at: OffsetDateTime) -> Result<String, OpenPgpError> {
        let crypto = |e: pgp::errors::Error| OpenPgpError::Crypto {
            operation: "signing",
            message: e.to_string(),
        };
        let primary_signs = signs(&self.secret.details.direct_signatures)
            || self
                .secret
                .details
                .users
                .iter()
                .any(|u| signs(&u.signatures));
        let subkey = self
            .secret
            .secret_subkeys
            .iter()
            .find(|s| signs(&s.signatures));
        let signature = match (primary_signs, subkey) {
            (false, Some(subkey)) => sign_with(&subkey.key, bytes, at),
            _ => sign_with(&self.secret.primary_key, bytes, at),
        }
        .map_err(crypto)?;
        signature
            .to_armored_string(ArmorOptions::default())
            .map_err(|e| OpenPgpError::Crypto {
                operation: "armoring",
                message: e.to_string(),
            })
    }
}

fn sign_with(
    key: &impl pgp::types::SigningKey,
    bytes: &[u8],
    at: OffsetDateTime,
) -> pgp::errors::Result<DetachedSignature> {
    let created = timestamp(at).max(key.created_at());
    let hashed = vec![
        Subpacket::regular(SubpacketData::IssuerFingerprint(key.fingerprint()))?,
        Subpacket::regular(SubpacketData::SignatureCreationTime(created))?,
    ];
    let unhashed = vec![Subpacket::regular(SubpacketData::IssuerKeyId(
        key.legacy_key_id(),
    ))?];
    // Unused for v4 keys (only v6 signatures carry a salt); seeded so signing stays pure.
    let rng = ChaCha20Rng::from_seed([0; 32]);
    DetachedSignature::sign_binary_data_with_subpackets(
        rng,
        key,
        &Password::empty(),
        HashAlgorithm::Sha256,
        bytes,
        SubpacketConfig::UserDefined { hashed, unhashed },
    )
}

/// A public OpenPGP key (certificate) that checks `.asc` signatures.
#[derive(Debug, Clone)]
pub struct PublicKey {
    public: SignedPublicKey,
}

impl PublicKey {
    /// Parses an armored public key (`-----BEGIN PGP PUBLIC KEY BLOCK-----`) and checks its
    /// self-signatures.
    pub fn from_armored(text: &str) -> Result<Self, OpenPgpError> {
        let (public, _) = SignedPublicKey::from_armor_single(Cursor::new(text.as_bytes()))
            .map_err(|e| OpenPgpError::KeyFormat {
                kind: "public",
                message: e.to_string(),
            })?;
        public
            .verify_bindings()
            .map_err(|e| OpenPgpError::KeyBinding {
                fingerprint: fingerprint_text(&public.primary_key),
                message: e.to_string(),
            })?;
        Ok(Self { public })
    }

    /// Uppercase hex fingerprint of the primary key.
    pub fn fingerprint(&self) -> String {
        fingerprint_text(&self.public.primary_key)
    }

    /// The armored public key, as served under `/.well-known/csaf/openpgp/<FINGERPRINT>.asc`.
    pub fn to_armored(&self) -> Result<String, OpenPgpError> {
        self.public
            .to_armored_string(ArmorOptions::default())
            .map_err(|e| OpenPgpError::Crypto {
                operation: "armoring",
                message: e.to_string(),
            })
    }

    /// Checks an armored detached signature over `bytes`: it must be made by this key (primary
    /// or a bound subkey, by the issuer the signature names) and verify.
    pub fn verify(&self, bytes: &[u8], armored_signature: &str) -> Result<(), OpenPgpError> {
        let (signature, _) =
            DetachedSignature::from_armor_single(Cursor::new(armored_signature.as_bytes()))
                .map_err(|e| OpenPgpError::SignatureFormat {
                    message: e.to_string(),
                })?;
        let fingerprint = self.fingerprint();
        let issuers_fingerprints = signature.signature.issuer_fingerprint();
        let issuers_ids = signature.signature.issuer_key_id();
        let names = |key: &dyn KeyDetails| {
            issuers_fingerprints
                .iter()
                .any(|f| **f == key.fingerprint())
                || (issuers_fingerprints.is_empty()
                    && issuers_ids.iter().any(|id| **id == key.legacy_key_id()))
        };
        let bad = |e: pgp::errors::Error| OpenPgpError::BadSignature {
            fingerprint: fingerprint.clone(),
            message: e.to_string(),
        };
        if names(&self.public.primary_key) {
            return signature
                .verify(&self.public.primary_key, bytes)
                .map_err(bad);
        }
        if let Some(subkey) = self.public.public_subkeys.iter().find(|s| names(&s.key)) {
            return signature.verify(&subkey.key, bytes).map_err(bad);
        }
        let issuer = issuers_fingerprints
            .first()
            .map(|f| format!("{f:X}"))
            .or_else(|| issuers_ids.first().map(|id| format!("key id {id}")))
            .unwrap_or_else(|| "unknown".to_owned());
        Err(OpenPgpError::WrongKey {
            issuer,
            fingerprint,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_767_225_600).expect("2026-01-01")
    }

    #[test]
    fn demo_key_is_deterministic_and_signs_deterministically() {
        let (a, b) = (SigningKey::demo(), SigningKey::demo());
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint().len(), 40);
        let doc = br#"{"document":{}}"#;
        let signature = a.sign(doc, at()).expect("signs");
        assert_eq!(signature, b.sign(doc, at()).expect("signs"));
        assert!(signature.starts_with("-----BEGIN PGP SIGNATURE-----"));
        a.public_key().verify(doc, &signature).expect("verifies");
    }

    #[test]
    fn armored_keys_round_trip() {
        let key = SigningKey::generate("ACME PSIRT <psirt@acme.example>", [7; 32], at())
            .expect("generates");
        let again = SigningKey::from_armored(&key.to_armored().expect("armors")).expect("parses");
        assert_eq!(again.fingerprint(), key.fingerprint());
        let public = PublicKey::from_armored(&key.public_key().to_armored().expect("armors"))
            .expect("parses");
        assert_eq!(public.fingerprint(), key.fingerprint());
        let signature = again.sign(b"x", at()).expect("signs");
        public.verify(b"x", &signature).expect("verifies");
    }

    #[test]
    fn a_signature_by_another_key_is_refused() {
        let other = SigningKey::generate("Other <o@example.com>", [9; 32], at()).expect("key");
        let signature = other.sign(b"doc", at()).expect("signs");
        let error = SigningKey::demo()
            .public_key()
            .verify(b"doc", &signature)
            .expect_err("wrong key");
        assert!(matches!(error, OpenPgpError::WrongKey { .. }), "{error}");
    }

    #[test]
    fn a_tampered_document_byte_is_refused() {
        let key = SigningKey::demo();
        let mut doc = br#"{"document":{"title":"A"}}"#.to_vec();
        let signature = key.sign(&doc, at()).expect("signs");
        doc[20] ^= 1;
        let error = key
            .public_key()
            .verify(&doc, &signature)
            .expect_err("tampered");
        assert!(
            matches!(error, OpenPgpError::BadSignature { .. }),
            "{error}"
        );
    }

    #[test]
    fn a_tampered_signature_is_refused() {
        let key = SigningKey::demo();
        let signature = key.sign(b"doc", at()).expect("signs");
        // Flip one base64 digit of the signature body (inside the MPIs, before the CRC line).
        let lines: Vec<&str> = signature.lines().collect();
        let body = lines
            .iter()
            .rposition(|l| !l.starts_with('=') && !l.starts_with("-----") && l.len() > 8)
            .expect("a body line");
        let mut changed: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        let mut chars: Vec<char> = changed[body].chars().collect();
        chars[4] = if chars[4] == 'A' { 'B' } else { 'A' };
        changed[body] = chars.into_iter().collect();
        let tampered = changed.join("\n");
        let error = key
            .public_key()
            .verify(b"doc", &tampered)
            .expect_err("tampered signature");
        assert!(
            matches!(
                error,
                OpenPgpError::BadSignature { .. } | OpenPgpError::SignatureFormat { .. }
            ),
            "{error}"
        );
    }

    #[test]
    fn garbage_is_named() {
        assert!(matches!(
            SigningKey::from_armored("not a key"),
            Err(OpenPgpError::KeyFormat { kind: "secret", .. })
        ));
        assert!(matches!(
            PublicKey::from_armored("not a key"),
            Err(OpenPgpError::KeyFormat { kind: "public", .. })
        ));
        assert!(matches!(
            SigningKey::demo().public_key().verify(b"x", "nope"),
            Err(OpenPgpError::SignatureFormat { .. })
        ));
    }

    #[test]
    fn a_signature_is_never_older_than_its_key() {
        let key = SigningKey::generate("K <k@example.com>", [3; 32], at()).expect("key");
        let before = at() - time::Duration::days(400);
        let signature = key.sign(b"old", before).expect("signs");
        let (parsed, _) =
            DetachedSignature::from_armor_single(Cursor::new(signature.as_bytes())).expect("sig");
        assert_eq!(parsed.signature.created(), Some(timestamp(at())));
    }
}
