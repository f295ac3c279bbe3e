//! RFC 3161 time-stamp requests and the verification of their replies.
//!
//! <https://www.rfc-editor.org/rfc/rfc3161> (TSP), <https://www.rfc-editor.org/rfc/rfc5652>
//! (CMS SignedData).
//!
//! ```text
//! TimeStampReq ::= SEQUENCE { version INTEGER { v1(1) }, messageImprint MessageImprint,
//!     reqPolicy TSAPolicyId OPTIONAL, nonce INTEGER OPTIONAL, certReq BOOLEAN DEFAULT FALSE, … }
//! TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken ContentInfo OPTIONAL }
//! TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber, genTime, accuracy
//!     OPTIONAL, ordering DEFAULT FALSE, nonce OPTIONAL, tsa [0] OPTIONAL, extensions [1] … }
//! ```
//!
//! A request imprints SHA-256 of the data with a random 64-bit nonce and `certReq` true, so
//! the token carries the TSA certificate. [`verify_reply`] checks the status, that the token is
//! SignedData over a TSTInfo, the imprint and the nonce against the request, the
//! `messageDigest` signed attribute against the TSTInfo, and the signer's signature (RSA
//! PKCS#1 v1.5, ECDSA P-256/P-384 or Ed25519, via `ring`) with the certificate the token names,
//! which must carry the `timeStamping` extended key usage. It does not decide whether that
//! certificate is trusted: that needs the TSA's CA (`openssl ts -verify -CAfile`).

use std::time::Duration;

use sha2::{Digest, Sha256, Sha384, Sha512};

mod der;

use der::{Tlv, children, encode, parse_one};

const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const OID_SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
const OID_SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];
const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
const OID_TST_INFO: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04,
];
const OID_CONTENT_TYPE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03];
const OID_MESSAGE_DIGEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04];
const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_RSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
const OID_RSA_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c];
const OID_RSA_SHA512: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d];
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const OID_EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
const OID_SUBJECT_KEY_ID: &[u8] = &[0x55, 0x1d, 0x0e];
const OID_SIGNING_CERTIFICATE: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x0c,
];
const OID_SIGNING_CERTIFICATE_V2: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x2f,
];
const OID_KP_TIME_STAMPING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08];

/// Errors requesting or verifying a time-stamp.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum TsaError {
    /// The TSA URL is not `http(s)://…`.
    #[error("tsa: {url:?} is not an http(s) URL")]
    Url {
        /// The URL.
        url: String,
    },
    /// The request did not complete.
    #[error("tsa {url}: {message}")]
    Transport {
        /// The URL.
        url: String,
        /// The cause.
        message: String,
    },
    /// The TSA answered with an HTTP error.
    #[error("tsa {url}: HTTP {status}")]
    HttpStatus {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// A structure is not the DER expected.
    #[error("malformed {what}")]
    Malformed {
        /// Which structure.
        what: &'static str,
    },
    /// The TSA refused (PKIStatus other than granted/grantedWithMods).
    #[error("the TSA refused the request: PKIStatus {status}")]
    Refused {
        /// The PKIStatus value.
        status: u8,
    },
    /// The token's imprint is not SHA-256 of the data.
    #[error("the token's messageImprint is not SHA-256 of manifest.json")]
    ImprintMismatch,
    /// The token's nonce differs from the request's.
    #[error("the token's nonce does not match the request")]
    NonceMismatch,
    /// An algorithm this verifier does not implement.
    #[error("unsupported {what} algorithm (OID {oid})")]
    Unsupported {
        /// Which algorithm slot.
        what: &'static str,
        /// The OID, dotted.
        oid: String,
    },
    /// The signed `messageDigest` attribute does not match the TSTInfo.
    #[error("the signed messageDigest does not match the TSTInfo")]
    MessageDigestMismatch,
    /// The signed `contentType` attribute is not id-ct-TSTInfo.
    #[error("the signed contentType is not id-ct-TSTInfo")]
    ContentType,
    /// The token does not carry the signer's certificate.
    #[error("the token does not carry the signer's certificate (certReq)")]
    NoSignerCertificate,
    /// The signer's certificate lacks the timeStamping extended key usage.
    #[error("the signer's certificate lacks extendedKeyUsage timeStamping")]
    NotTimeStamping,
    /// The ESS signingCertificate attribute is missing or names another certificate.
    #[error("the signed ESS signingCertificate does not name the signer's certificate")]
    SigningCertificate,
    /// The signature does not verify.
    #[error("the TSA signature does not verify")]
    BadSignature,
}

/// What a verified token says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimestampInfo {
    /// `genTime` as the TSA wrote it (GeneralizedTime, e.g. `20260301100000Z`).
    pub gen_time: String,
    /// The token's serial number (hex).
    pub serial: String,
    /// The TSA policy OID, dotted.
    pub policy: String,
}

/// A DER `TimeStampReq` for SHA-256(`data`) with `nonce` and `certReq` true.
pub fn build_request(data: &[u8], nonce: u64) -> Vec<u8> {
    let algorithm = encode(
        0x30,
        &[encode(0x06, OID_SHA256), encode(0x05, &[])].concat(),
    );
    let imprint = encode(
        0x30,
        &[algorithm, encode(0x04, &Sha256::digest(data))].concat(),
    );
    let mut nonce_bytes = nonce.to_be_bytes().to_vec();
    while nonce_bytes.len() > 1 && nonce_bytes[0] == 0 && nonce_bytes[1] & 0x80 == 0 {
        nonce_bytes.remove(0);
    }
    if nonce_bytes[0] & 0x80 != 0 {
        nonce_bytes.insert(0, 0);
    }
    encode(
        0x30,
        &[
            encode(0x02, &[1]),
            imprint,
            encode(0x02, &nonce_bytes),
            encode(0x01, &[0xff]),
        ]
        .concat(),
    )
}

/// An HTTP client of one TSA.
#[derive(Clone, Debug)]
pub struct TsaClient {
    url: String,
    client: reqwest::Client,
}

impl TsaClient {
    /// A client for the TSA at `url`.
    pub fn new(url: &str) -> Result<Self, TsaError> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(TsaError::Url {
                url: url.to_owned(),
            });
        }
        // reqwest is built without a default crypto provider; use ring unless one is set.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(concat!("fixlog-evidence/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|error| TsaError::Transport {
                url: url.to_owned(),
                message: error.to_string(),
            })?;
        Ok(Self {
            url: url.to_owned(),
            client,
        })
    }

    /// The TSA URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Asks for a token over SHA-256(`data`); returns the request and the verified reply.
    pub async fn timestamp(&self, data: &[u8]) -> Result<(Vec<u8>, Vec<u8>), TsaError> {
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce).map_err(|error| TsaError::Transport {
            url: self.url.clone(),
            message: format!("no randomness for the nonce: {error}"),
        })?;
        let query = build_request(data, u64::from_be_bytes(nonce));
        let transport = |error: reqwest::Error| TsaError::Transport {
            url: self.url.clone(),
            message: error.to_string(),
        };
        let response = self
            .client
            .post(&self.url)
            .header("content-type", "application/timestamp-query")
            .header("accept", "application/timestamp-reply")
            .body(query.clone())
            .send()
            .await
            .map_err(transport)?;
        if !response.status().is_success() {
            return Err(TsaError::HttpStatus {
                url: self.url.clone(),
                status: response.status().as_u16(),
            });
        }
        let reply = response.bytes().await.map_err(transport)?.to_vec();
        verify_reply(&query, &reply, data)?;
        Ok((query, reply))
    }
}

/// The imprint digest and nonce of a request.
fn read_request(query: &[u8]) -> Result<(Vec<u8>, Option<Vec<u8>>), TsaError> {
    let what = "TimeStampReq";
    let request = parse_one(query, 0x30, what)?;
    let fields = children(request.content, what)?;
    let imprint = fields.get(1).ok_or(TsaError::Malformed { what })?;
    let digest = read_imprint(imprint)?;
    let nonce = fields
        .iter()
        .skip(2)
        .find(|field| field.tag == 0x02)
        .map(|field| field.content.to_vec());
    Ok((digest, nonce))
}

/// A MessageImprint's SHA-256 value (other algorithms are unsupported).
fn read_imprint(imprint: &Tlv<'_>) -> Result<Vec<u8>, TsaError> {
    let what = "MessageImprint";
    let fields = children(imprint.content, what)?;
    let (Some(algorithm), Some(value)) = (fields.first(), fields.get(1)) else {
        return Err(TsaError::Malformed { what });
    };
    let oid = algorithm_oid(algorithm, what)?;
    if oid != OID_SHA256 {
        return Err(TsaError::Unsupported {
            what: "messageImprint hash",
            oid: der::oid_string(oid),
        });
    }
    Ok(value.content.to_vec())
}

fn algorithm_oid<'a>(algorithm: &Tlv<'a>, what: &'static str) -> Result<&'a [u8], TsaError> {
    let fields = children(algorithm.content, what)?;
    fields
        .first()
        .filter(|oid| oid.tag == 0x06)
        .map(|oid| oid.content)
        .ok_or(TsaError::Malformed { what })
}

/// Verifies `reply` as the answer to `query` over `data` (see the module documentation).
pub fn verify_reply(query: &[u8], reply: &[u8], data: &[u8]) -> Result<TimestampInfo, TsaError> {
    let (requested_digest, requested_nonce) = read_request(query)?;
    if requested_digest.as_slice() != Sha256::digest(data).as_slice() {
        return Err(TsaError::ImprintMismatch);
    }
    let what = "TimeStampResp";
    let response = parse_one(reply, 0x30, what)?;
    let fields = children(response.content, what)?;
    let status_info = fields.first().ok_or(TsaError::Malformed { what })?;
    let status = children(status_info.content, "PKIStatusInfo")?
        .first()
        .filter(|status| status.tag == 0x02 && status.content.len() == 1)
        .map(|status| status.content[0])
        .ok_or(TsaError::Malformed {
            what: "PKIStatusInfo",
        })?;
    if status > 1 {
        return Err(TsaError::Refused { status });
    }
    let token = fields.get(1).ok_or(TsaError::Malformed {
        what: "timeStampToken",
    })?;
    verify_token(token, &requested_digest, requested_nonce.as_deref())
}

fn verify_token(
    token: &Tlv<'_>,
    digest: &[u8],
    nonce: Option<&[u8]>,
) -> Result<TimestampInfo, TsaError> {
    let what = "ContentInfo";
    let content_info = children(token.content, what)?;
    match (content_info.first(), content_info.get(1)) {
        (Some(oid), Some(explicit)) if oid.content == OID_SIGNED_DATA && explicit.tag == 0xa0 => {
            let signed_data = parse_one(explicit.content, 0x30, "SignedData")?;
            verify_signed_data(&signed_data, digest, nonce)
        }
        _ => Err(TsaError::Malformed { what }),
    }
}

fn verify_signed_data(
    signed_data: &Tlv<'_>,
    digest: &[u8],
    nonce: Option<&[u8]>,
) -> Result<TimestampInfo, TsaError> {
    let what = "SignedData";
    let fields = children(signed_data.content, what)?;
    let encapsulated = fields.get(2).ok_or(TsaError::Malformed { what })?;
    let encapsulated = children(encapsulated.content, "EncapsulatedContentInfo")?;
    let tst_info_bytes = match (encapsulated.first(), encapsulated.get(1)) {
        (Some(oid), Some(explicit)) if oid.content == OID_TST_INFO && explicit.tag == 0xa0 => {
            parse_one(explicit.content, 0x04, "eContent")?.content
        }
        _ => return Err(TsaError::ContentType),
    };
    let info = read_tst_info(tst_info_bytes, digest, nonce)?;
    let certificates: Vec<Tlv<'_>> = match fields.iter().find(|field| field.tag == 0xa0) {
        Some(set) => children(set.content, "certificates")?,
        None => Vec::new(),
    };
    let signer_infos = fields
        .iter()
        .rev()
        .find(|field| field.tag == 0x31)
        .ok_or(TsaError::Malformed { what })?;
    let signer_info = children(signer_infos.content, "signerInfos")?
        .into_iter()
        .next()
        .ok_or(TsaError::Malformed {
            what: "signerInfos",
        })?;
    verify_signer_info(&signer_info, tst_info_bytes, &certificates)?;
    Ok(info)
}

fn read_tst_info(
    bytes: &[u8],
    digest: &[u8],
    nonce: Option<&[u8]>,
) -> Result<TimestampInfo, TsaError> {
    let what = "TSTInfo";
    let tst_info = parse_one(bytes, 0x30, what)?;
    let fields = children(tst_info.content, what)?;
    let (Some(policy), Some(imprint), Some(serial), Some(gen_time)) =
        (fields.get(1), fields.get(2), fields.get(3), fields.get(4))
    else {
        return Err(TsaError::Malformed { what });
    };
    if read_imprint(imprint)? != digest {
        return Err(TsaError::ImprintMismatch);
    }
    // The nonce is the only INTEGER after genTime.
    let token_nonce = fields[5..]
        .iter()
        .find(|field| field.tag == 0x02)
        .map(|field| field.content);
    if let Some(nonce) = nonce
        && token_nonce != Some(nonce)
    {
        return Err(TsaError::NonceMismatch);
    }
    if gen_time.tag != 0x18 {
        return Err(TsaError::Malformed { what: "genTime" });
    }
    Ok(TimestampInfo {
        gen_time: String::from_utf8_lossy(gen_time.content).into_owned(),
        serial: hex::encode(serial.content),
        policy: der::oid_string(policy.content),
    })
}

fn verify_signer_info(
    signer_info: &Tlv<'_>,
    tst_info: &[u8],
    certificates: &[Tlv<'_>],
) -> Result<(), TsaError> {
    let what = "SignerInfo";
    let fields = children(signer_info.content, what)?;
    let (Some(sid), Some(digest_algorithm), Some(signed_attributes)) =
        (fields.get(1), fields.get(2), fields.get(3))
    else {
        return Err(TsaError::Malformed { what });
    };
    if signed_attributes.tag != 0xa0 {
        return Err(TsaError::Malformed {
            what: "signedAttrs",
        });
    }
    let (Some(signature_algorithm), Some(signature)) = (fields.get(4), fields.get(5)) else {
        return Err(TsaError::Malformed { what });
    };
    let digest_oid = algorithm_oid(digest_algorithm, "digestAlgorithm")?;
    let content_digest = digest_with(digest_oid, tst_info)?;
    let mut saw_digest = false;
    let mut certificate_hash: Option<EssCertId<'_>> = None;
    for attribute in children(signed_attributes.content, "signedAttrs")? {
        let parts = children(attribute.content, "Attribute")?;
        let (Some(oid), Some(values)) = (parts.first(), parts.get(1)) else {
            return Err(TsaError::Malformed { what: "Attribute" });
        };
        let value = children(values.content, "AttributeValue")?;
        let value = value.first().ok_or(TsaError::Malformed {
            what: "AttributeValue",
        })?;
        if oid.content == OID_MESSAGE_DIGEST {
            if value.content != content_digest.as_slice() {
                return Err(TsaError::MessageDigestMismatch);
            }
            saw_digest = true;
        } else if oid.content == OID_CONTENT_TYPE && value.content != OID_TST_INFO {
            return Err(TsaError::ContentType);
        } else if oid.content == OID_SIGNING_CERTIFICATE && certificate_hash.is_none() {
            certificate_hash = Some(EssCertId::V1(first_cert_id(value)?));
        } else if oid.content == OID_SIGNING_CERTIFICATE_V2 {
            certificate_hash = Some(EssCertId::V2(first_cert_id(value)?));
        }
    }
    if !saw_digest {
        return Err(TsaError::MessageDigestMismatch);
    }
    let certificate = certificates
        .iter()
        .find(|certificate| der::certificate_matches(certificate, sid).unwrap_or(false))
        .ok_or(TsaError::NoSignerCertificate)?;
    // RFC 3161 §2.4.2 / RFC 5816: the signed ESS attribute binds the signer's certificate.
    let matches = match certificate_hash {
        None => false,
        Some(EssCertId::V1(cert_id)) => {
            let fields = children(cert_id.content, "ESSCertID")?;
            fields
                .first()
                .is_some_and(|hash| hash.content == sha1::Sha1::digest(certificate.raw).as_slice())
        }
        Some(EssCertId::V2(cert_id)) => {
            let fields = children(cert_id.content, "ESSCertIDv2")?;
            let (algorithm, hash) = match fields.first() {
                Some(first) if first.tag == 0x30 => {
                    (algorithm_oid(first, "ESSCertIDv2")?, fields.get(1))
                }
                first => (OID_SHA256, first),
            };
            let expected = digest_with(algorithm, certificate.raw)?;
            hash.is_some_and(|hash| hash.content == expected.as_slice())
        }
    };
    if !matches {
        return Err(TsaError::SigningCertificate);
    }
    let key = der::certificate_key(certificate)?;
    if !der::has_extended_key_usage(certificate, OID_KP_TIME_STAMPING)? {
        return Err(TsaError::NotTimeStamping);
    }
    // RFC 5652 §5.4: the signature covers the DER of the attributes with the SET OF tag.
    let mut signed = signed_attributes.raw.to_vec();
    signed[0] = 0x31;
    let signature_oid = algorithm_oid(signature_algorithm, "signatureAlgorithm")?;
    let algorithm = ring_algorithm(&key, digest_oid, signature_oid)?;
    ring::signature::UnparsedPublicKey::new(algorithm, key.bits)
        .verify(&signed, signature.content)
        .map_err(|_| TsaError::BadSignature)
}

/// The certificate identifier of the ESS signingCertificate (SHA-1) or signingCertificateV2.
enum EssCertId<'a> {
    V1(Tlv<'a>),
    V2(Tlv<'a>),
}

/// The first ESSCertID(v2) of a SigningCertificate(V2) value.
fn first_cert_id<'a>(value: &Tlv<'a>) -> Result<Tlv<'a>, TsaError> {
    let what = "SigningCertificate";
    let certs = children(value.content, what)?;
    let list = certs.first().ok_or(TsaError::Malformed { what })?;
    children(list.content, what)?
        .into_iter()
        .next()
        .ok_or(TsaError::Malformed { what })
}

fn digest_with(oid: &[u8], bytes: &[u8]) -> Result<Vec<u8>, TsaError> {
    Ok(match oid {
        OID_SHA256 => Sha256::digest(bytes).to_vec(),
        OID_SHA384 => Sha384::digest(bytes).to_vec(),
        OID_SHA512 => Sha512::digest(bytes).to_vec(),
        other => {
            return Err(TsaError::Unsupported {
                what: "digest",
                oid: der::oid_string(other),
            });
        }
    })
}

fn ring_algorithm(
    key: &der::PublicKey<'_>,
    digest: &[u8],
    signature: &[u8],
) -> Result<&'static dyn ring::signature::VerificationAlgorithm, TsaError> {
    use ring::signature as sig;
    let unsupported = || TsaError::Unsupported {
        what: "signature",
        oid: der::oid_string(signature),
    };
    Ok(match (key.algorithm, key.curve) {
        (OID_RSA, _) => match (signature, digest) {
            (OID_RSA_SHA256, _) | (OID_RSA, OID_SHA256) => &sig::RSA_PKCS1_2048_8192_SHA256,
            (OID_RSA_SHA384, _) | (OID_RSA, OID_SHA384) => &sig::RSA_PKCS1_2048_8192_SHA384,
            (OID_RSA_SHA512, _) | (OID_RSA, OID_SHA512) => &sig::RSA_PKCS1_2048_8192_SHA512,
            _ => return Err(unsupported()),
        },
        // ECDSA hashes with the SignerInfo's digest algorithm.
        (OID_EC_PUBLIC_KEY, Some(OID_P256)) => match digest {
            OID_SHA256 => &sig::ECDSA_P256_SHA256_ASN1,
            OID_SHA384 => &sig::ECDSA_P256_SHA384_ASN1,
            _ => return Err(unsupported()),
        },
        (OID_EC_PUBLIC_KEY, Some(OID_P384)) => match digest {
            OID_SHA256 => &sig::ECDSA_P384_SHA256_ASN1,
            OID_SHA384 => &sig::ECDSA_P384_SHA384_ASN1,
            _ => return Err(unsupported()),
        },
        (OID_ED25519, _) => &sig::ED25519,
        _ => {
            return Err(TsaError::Unsupported {
                what: "public key",
                oid: der::oid_string(key.algorithm),
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_is_the_der_openssl_writes() {
        // `openssl ts -query -sha256 -cert` writes this layout; the nonce is ours.
        let query = build_request(b"abc", 0x0102_0304_0506_0708);
        let expected = format!(
            "3043020101303130 0d060960864801650304020105000420{}020801020304050607080101ff",
            hex::encode(Sha256::digest(b"abc"))
        )
        .replace(' ', "");
        assert_eq!(hex::encode(&query), expected);
        let (digest, nonce) = read_request(&query).unwrap();
        assert_eq!(digest, Sha256::digest(b"abc").to_vec());
        assert_eq!(nonce.unwrap(), vec![1, 2, 3, 4, 5, 6, 7, 8]);
        // A nonce with the high bit set stays positive.
        let query = build_request(b"abc", u64::MAX);
        assert_eq!(read_request(&query).unwrap().1.unwrap()[0], 0);
    }

    #[test]
    fn garbage_replies_are_malformed_not_panics() {
        let query = build_request(b"abc", 7);
        for reply in [
            &b""[..],
            &b"\x30"[..],
            &b"\x30\x03\x02\x01"[..],
            &b"\x30\x05\x30\x03\x02\x01\x00"[..],
        ] {
            assert!(verify_reply(&query, reply, b"abc").is_err());
        }
        assert_eq!(
            verify_reply(&query, b"\x30\x05\x30\x03\x02\x01\x02", b"abc"),
            Err(TsaError::Refused { status: 2 })
        );
        assert_eq!(
            verify_reply(&query, b"\x30\x05\x30\x03\x02\x01\x00", b"abd"),
            Err(TsaError::ImprintMismatch)
        );
    }

    #[test]
    fn urls_must_be_http() {
        assert!(matches!(
            TsaClient::new("file:///etc/passwd"),
            Err(TsaError::Url { .. })
        ));
    }
}
