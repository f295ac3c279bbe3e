//! tlog-tiles entry bundles: the entries of one level-0 tile, each as
//! `u16 big-endian length ‖ entry` (so entries are at most 65535 bytes).
//!
//! ```text
//! tile/entries/000.p/2  =  00 03 'a' 'b' 'c'  00 01 'd'
//! ```

use crate::tile::TileError;

/// Largest entry an entry bundle can hold.
pub const MAX_ENTRY_LEN: usize = u16::MAX as usize;

/// Concatenates `u16 big-endian length ‖ entry` for each entry (tlog-tiles entry bundle).
///
/// # Panics
///
/// If an entry is longer than [`MAX_ENTRY_LEN`]; use [`try_encode_entry_bundle`] to get an error.
pub fn encode_entry_bundle(entries: &[&[u8]]) -> Vec<u8> {
    try_encode_entry_bundle(entries).expect("entries of at most 65535 bytes")
}

/// Like [`encode_entry_bundle`], rejecting entries longer than [`MAX_ENTRY_LEN`].
pub fn try_encode_entry_bundle(entries: &[&[u8]]) -> Result<Vec<u8>, TileError> {
    let mut bundle = Vec::with_capacity(entries.iter().map(|entry| entry.len() + 2).sum());
    for entry in entries {
        let len = u16::try_from(entry.len())
            .map_err(|_| TileError::EntryTooLarge { len: entry.len() })?;
        bundle.extend_from_slice(&len.to_be_bytes());
        bundle.extend_from_slice(entry);
    }
    Ok(bundle)
}

/// Splits an entry bundle into its entries.
pub fn decode_entry_bundle(bytes: &[u8]) -> Result<Vec<Vec<u8>>, TileError> {
    let mut entries = Vec::new();
    let mut offset = 0;
    while offset < bytes.len() {
        let truncated = TileError::TruncatedBundle { offset };
        let prefix = bytes.get(offset..offset + 2).ok_or(truncated.clone())?;
        let len = usize::from(u16::from_be_bytes([prefix[0], prefix[1]]));
        let entry = bytes.get(offset + 2..offset + 2 + len).ok_or(truncated)?;
        entries.push(entry.to_vec());
        offset += 2 + len;
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_bundles_round_trip_and_reject_truncation() {
        let bundle = encode_entry_bundle(&[b"a", b"", b"bcd"]);
        assert_eq!(bundle, b"\x00\x01a\x00\x00\x00\x03bcd");
        assert_eq!(
            decode_entry_bundle(&bundle).unwrap(),
            vec![b"a".to_vec(), vec![], b"bcd".to_vec()]
        );
        assert!(decode_entry_bundle(&bundle[..bundle.len() - 1]).is_err());
        assert!(decode_entry_bundle(&[0]).is_err());
        let big = vec![0u8; MAX_ENTRY_LEN + 1];
        assert!(try_encode_entry_bundle(&[&big]).is_err());
    }
}
