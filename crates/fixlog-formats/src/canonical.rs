//! Canonical JSON bytes (RFC 8785, JSON Canonicalization Scheme) for the subset fixlog emits.
//!
//! Entry documents hold only strings, booleans, null, arrays, objects, unsigned integers below
//! 2^53 and small decimals (CVSS scores), so RFC 8785 reduces to: object members sorted by key (all keys are ASCII, where
//! UTF-16 and UTF-8 order agree), no insignificant white space, strings escaped as ECMAScript
//! `JSON.stringify` does (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other controls as `\u00xx`
//! with lowercase hex, everything else literal UTF-8).

use serde_json::Value;

/// Error raised when a value lies outside the canonical subset.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CanonicalError {
    /// A number outside the canonical subset (magnitudes of 2^53 and above, exponent forms).
    #[error("number {number} has no canonical form here")]
    UnsupportedNumber {
        /// The number as written.
        number: String,
    },
}

/// 2^53: from here on not every integer is an IEEE 754 double (I-JSON, RFC 7493 §2.2).
const SAFE_INTEGER_LIMIT: u64 = 1 << 53;

/// Serializes `value` to its RFC 8785 canonical bytes.
pub fn to_canonical_bytes(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(512);
    write_value(value, &mut out)?;
    Ok(out)
}

fn write_value(value: &Value, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => match (number.as_u64(), number.as_f64()) {
            (Some(n), _) if n < SAFE_INTEGER_LIMIT => {
                out.extend_from_slice(n.to_string().as_bytes())
            }
            // ECMAScript prints `-0` as `0` (the pattern compares with `==`, so `-0.0` matches).
            (None, Some(0.0)) => out.push(b'0'),
            // ECMAScript prints these without an exponent, exactly as Rust's shortest
            // round-trip `Display` does (CVSS scores such as 9.8 or 10). Magnitudes from 2^53
            // on are refused like integers there: their text (`88884444444444450`) would read
            // back as an integer without a canonical form, and negative integers that large
            // would silently lose digits.
            (None, Some(x)) if (1e-6..SAFE_INTEGER_LIMIT as f64).contains(&x.abs()) => {
                out.extend_from_slice(format!("{x}").as_bytes())
            }
            _ => {
                return Err(CanonicalError::UnsupportedNumber {
                    number: number.to_string(),
                });
            }
        },
        Value::String(text) => write_string(text, out),
        Value::Array(items) => {
            out.push(b'[');
            for (position, item) in items.iter().enumerate() {
                if position > 0 {
                    out.push(b',');
                }
                write_value(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(members) => {
            let mut keys: Vec<&String> = members.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push(b'{');
            for (position, key) in keys.into_iter().enumerate() {
                if position > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                write_value(&members[key], out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn write_string(text: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for character in text.chars() {
        match character {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            control if (control as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", control as u32).as_bytes());
            }
            other => {
                let mut buffer = [0u8; 4];
                out.extend_from_slice(other.encode_utf8(&mut buffer).as_bytes());
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_keys_and_drops_white_space() {
        let value = json!({"b": [1, {"z": null, "a": true}], "a": "x"});
        assert_eq!(
            to_canonical_bytes(&value).unwrap(),
            br#"{"a":"x","b":[1,{"a":true,"z":null}]}"#
        );
    }

    #[test]
    fn escapes_like_ecmascript() {
        let value = json!("q\"b\\\n\t\u{1}é/€");
        assert_eq!(
            String::from_utf8(to_canonical_bytes(&value).unwrap()).unwrap(),
            "\"q\\\"b\\\\\\n\\t\\u0001é/€\""
        );
    }

    #[test]
    fn numbers_follow_ecmascript() {
        assert_eq!(to_canonical_bytes(&json!(9.8)).unwrap(), b"9.8");
        assert_eq!(to_canonical_bytes(&json!(10.0)).unwrap(), b"10");
        assert!(to_canonical_bytes(&json!(1e22)).is_err());
        assert!(to_canonical_bytes(&json!(1u64 << 53)).is_err());
        assert_eq!(to_canonical_bytes(&json!(-0.0)).unwrap(), b"0");
        assert_eq!(to_canonical_bytes(&json!(-5)).unwrap(), b"-5");
    }

    /// Found by the `canonical_json` fuzz target: the canonical text of a float above 2^53
    /// reads back as an integer the serializer refuses, so the output was not a fixed point;
    /// and a negative integer below -2^53 was printed rounded.
    #[test]
    fn numbers_from_two_to_the_53_on_are_refused_whatever_their_form() {
        let float: Value = serde_json::from_str("88884444444444444.440").unwrap();
        assert!(to_canonical_bytes(&float).is_err());
        let negative: Value = serde_json::from_str("-9007199254740993").unwrap();
        assert!(to_canonical_bytes(&negative).is_err());
        let largest = json!(9_007_199_254_740_991.0_f64);
        let bytes = to_canonical_bytes(&largest).unwrap();
        assert_eq!(bytes, b"9007199254740991");
        let again: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(to_canonical_bytes(&again).unwrap(), bytes);
    }
}
