//! The little DER (X.690) this verifier needs: TLV parsing with single-byte tags, encoding,
//! OIDs as text, and the X.509 fields a time-stamp signer is checked by.

use super::{OID_EC_PUBLIC_KEY, OID_EXT_KEY_USAGE, OID_SUBJECT_KEY_ID, TsaError};

/// One DER element.
#[derive(Clone, Copy, Debug)]
pub(super) struct Tlv<'a> {
    /// The tag byte.
    pub tag: u8,
    /// The contents.
    pub content: &'a [u8],
    /// Tag, length and contents.
    pub raw: &'a [u8],
}

/// Reads one element from the front of `input`.
fn parse<'a>(input: &'a [u8], what: &'static str) -> Result<(Tlv<'a>, &'a [u8]), TsaError> {
    let malformed = TsaError::Malformed { what };
    let (&tag, rest) = input.split_first().ok_or(malformed.clone())?;
    if tag & 0x1f == 0x1f {
        return Err(malformed);
    }
    let (&first, mut rest) = rest.split_first().ok_or(malformed.clone())?;
    let length = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return Err(malformed);
        }
        let length = rest[..count]
            .iter()
            .fold(0usize, |length, &byte| (length << 8) | usize::from(byte));
        rest = &rest[count..];
        length
    };
    if rest.len() < length {
        return Err(malformed);
    }
    let header = input.len() - rest.len();
    Ok((
        Tlv {
            tag,
            content: &rest[..length],
            raw: &input[..header + length],
        },
        &rest[length..],
    ))
}

/// Exactly one element with `tag` filling `input`.
pub(super) fn parse_one<'a>(
    input: &'a [u8],
    tag: u8,
    what: &'static str,
) -> Result<Tlv<'a>, TsaError> {
    match parse(input, what)? {
        (element, []) if element.tag == tag => Ok(element),
        _ => Err(TsaError::Malformed { what }),
    }
}

/// The elements of a constructed value's contents.
pub(super) fn children<'a>(
    mut content: &'a [u8],
    what: &'static str,
) -> Result<Vec<Tlv<'a>>, TsaError> {
    let mut elements = Vec::new();
    while !content.is_empty() {
        let (element, rest) = parse(content, what)?;
        elements.push(element);
        content = rest;
    }
    Ok(elements)
}

/// Encodes one element.
pub(super) fn encode(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let length = content.len();
    if length < 0x80 {
        out.push(length as u8);
    } else {
        let bytes = length.to_be_bytes();
        let skip = bytes.iter().take_while(|&&byte| byte == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// An OID's contents as dotted text.
pub(super) fn oid_string(oid: &[u8]) -> String {
    let mut arcs = Vec::new();
    let mut value: u64 = 0;
    for (index, &byte) in oid.iter().enumerate() {
        value = (value << 7) | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (value / 40).min(2);
                arcs.push(first);
                arcs.push(value - first * 40);
            } else {
                arcs.push(value);
            }
            value = 0;
        } else if index == oid.len() - 1 {
            return format!("malformed:{}", hex::encode(oid));
        }
    }
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// The fields of a TBSCertificate, skipping the optional `[0]` version.
fn tbs_fields<'a>(certificate: &Tlv<'a>) -> Result<Vec<Tlv<'a>>, TsaError> {
    let what = "Certificate";
    let parts = children(certificate.content, what)?;
    let tbs = parts.first().ok_or(TsaError::Malformed { what })?;
    let mut fields = children(tbs.content, "TBSCertificate")?;
    if fields.first().is_some_and(|field| field.tag == 0xa0) {
        fields.remove(0);
    }
    // serial, signature, issuer, validity, subject, subjectPublicKeyInfo, …
    if fields.len() < 6 {
        return Err(TsaError::Malformed {
            what: "TBSCertificate",
        });
    }
    Ok(fields)
}

/// Whether `certificate` is the one a SignerInfo `sid` names (issuer and serial, or
/// subject key identifier).
pub(super) fn certificate_matches(certificate: &Tlv<'_>, sid: &Tlv<'_>) -> Result<bool, TsaError> {
    let fields = tbs_fields(certificate)?;
    if sid.tag == 0x30 {
        let parts = children(sid.content, "IssuerAndSerialNumber")?;
        return Ok(match (parts.first(), parts.get(1)) {
            (Some(issuer), Some(serial)) => {
                issuer.raw == fields[2].raw && serial.raw == fields[0].raw
            }
            _ => false,
        });
    }
    if sid.tag == 0x80 {
        return Ok(extension(&fields, OID_SUBJECT_KEY_ID)?
            .map(|value| parse_one(value, 0x04, "SubjectKeyIdentifier"))
            .transpose()?
            .is_some_and(|key_id| key_id.content == sid.content));
    }
    Ok(false)
}

/// A subject public key: algorithm OID, curve OID for EC keys, and the key bits.
pub(super) struct PublicKey<'a> {
    /// The algorithm OID contents.
    pub algorithm: &'a [u8],
    /// The named curve of an EC key.
    pub curve: Option<&'a [u8]>,
    /// The BIT STRING contents without the unused-bits byte.
    pub bits: &'a [u8],
}

/// The certificate's subject public key.
pub(super) fn certificate_key<'a>(certificate: &Tlv<'a>) -> Result<PublicKey<'a>, TsaError> {
    let what = "SubjectPublicKeyInfo";
    let fields = tbs_fields(certificate)?;
    let info = children(fields[5].content, what)?;
    let (Some(algorithm), Some(bits)) = (info.first(), info.get(1)) else {
        return Err(TsaError::Malformed { what });
    };
    let algorithm = children(algorithm.content, what)?;
    let oid = algorithm.first().ok_or(TsaError::Malformed { what })?;
    let curve = algorithm
        .get(1)
        .filter(|parameter| oid.content == OID_EC_PUBLIC_KEY && parameter.tag == 0x06)
        .map(|parameter| parameter.content);
    match bits.content.split_first() {
        Some((0, key)) if bits.tag == 0x03 => Ok(PublicKey {
            algorithm: oid.content,
            curve,
            bits: key,
        }),
        _ => Err(TsaError::Malformed { what }),
    }
}

/// Whether the certificate's extended key usage lists `purpose`.
pub(super) fn has_extended_key_usage(
    certificate: &Tlv<'_>,
    purpose: &[u8],
) -> Result<bool, TsaError> {
    let fields = tbs_fields(certificate)?;
    let Some(value) = extension(&fields, OID_EXT_KEY_USAGE)? else {
        return Ok(false);
    };
    let purposes = parse_one(value, 0x30, "ExtKeyUsageSyntax")?;
    Ok(children(purposes.content, "ExtKeyUsageSyntax")?
        .iter()
        .any(|oid| oid.tag == 0x06 && oid.content == purpose))
}

/// The `extnValue` contents of the extension `oid`, if present.
fn extension<'a>(fields: &[Tlv<'a>], oid: &[u8]) -> Result<Option<&'a [u8]>, TsaError> {
    let what = "extensions";
    let Some(explicit) = fields.iter().find(|field| field.tag == 0xa3) else {
        return Ok(None);
    };
    let list = parse_one(explicit.content, 0x30, what)?;
    for extension in children(list.content, what)? {
        let parts = children(extension.content, what)?;
        if parts.first().is_some_and(|id| id.content == oid) {
            let value = parts.last().ok_or(TsaError::Malformed { what })?;
            return Ok(Some(value.content));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_print_dotted() {
        assert_eq!(
            oid_string(super::super::OID_SHA256),
            "2.16.840.1.101.3.4.2.1"
        );
        assert_eq!(
            oid_string(super::super::OID_TST_INFO),
            "1.2.840.113549.1.9.16.1.4"
        );
    }

    #[test]
    fn long_lengths_round_trip() {
        let content = vec![7u8; 300];
        let encoded = encode(0x04, &content);
        assert_eq!(&encoded[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(
            parse_one(&encoded, 0x04, "x").unwrap().content,
            content.as_slice()
        );
        assert!(parse_one(&encoded[..100], 0x04, "x").is_err());
        assert!(parse_one(&[0x04, 0x85, 1, 1, 1, 1, 1], 0x04, "x").is_err());
    }
}
