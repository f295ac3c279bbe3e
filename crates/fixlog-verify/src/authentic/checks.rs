//! The `authentic.*` checks: pure functions from fetched bytes to findings.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use fixlog_formats::EntryDoc;
use fixlog_tlog::{
    Checkpoint, CheckpointError, Hash, MemoryTree, NodeLookup, NoteError, TileLookup, TilePath,
    Verifier, consistency_proof, decode_entry_bundle, entry_bundles_for_size, leaf_hash,
    open_checkpoint, parse_note, root_from_nodes, tile_nodes, tiles_for_size, verify_consistency,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::finding::Finding;

/// A fetched tile or bundle body, or why it could not be fetched.
pub type Fetched = Result<Vec<u8>, String>;

/// Where the trusted log key came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// `--key`.
    Pinned,
    /// The state directory (trusted on an earlier first use).
    State,
    /// `/tlog/key`, trusted on this first use.
    FirstUse,
}

impl KeySource {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pinned => "pinned",
            Self::State => "state",
            Self::FirstUse => "first-use",
        }
    }
}

/// Decides which log key to trust: the pinned one, else the remembered one, else the served
/// one on first use. A served key that differs from a pinned or remembered one is an error.
pub fn check_key(
    pinned: Option<&Verifier>,
    remembered: Option<&Verifier>,
    served: Option<&str>,
    subject: &str,
) -> (Option<(Verifier, KeySource)>, Vec<Finding>) {
    let mut findings = Vec::new();
    let served_key = match served.map(str::trim) {
        None => None,
        Some(text) => match Verifier::from_vkey(text) {
            Ok(key) => Some(key),
            Err(error) => {
                findings.push(Finding::error(
                    "authentic.key.malformed",
                    subject,
                    format!("the served log key {text:?} does not parse: {error}"),
                ));
                None
            }
        },
    };
    let trusted = match (pinned, remembered) {
        (Some(pinned), _) => {
            if let Some(served) = &served_key
                && served != pinned
            {
                findings.push(Finding::error(
                    "authentic.key.mismatch",
                    subject,
                    format!(
                        "the server names log key {} but the pinned key is {}",
                        served.to_vkey(),
                        pinned.to_vkey()
                    ),
                ));
            }
            Some((pinned.clone(), KeySource::Pinned))
        }
        (None, Some(remembered)) => {
            if let Some(served) = &served_key
                && served != remembered
            {
                findings.push(Finding::error(
                    "authentic.key.changed",
                    subject,
                    format!(
                        "the server now names log key {} but {} was trusted on first use",
                        served.to_vkey(),
                        remembered.to_vkey()
                    ),
                ));
            }
            Some((remembered.clone(), KeySource::State))
        }
        (None, None) => match served_key {
            Some(served) => {
                findings.push(Finding::info(
                    "authentic.key.first-use",
                    subject,
                    format!(
                        "trusting log key {} on first use (pin it with --key)",
                        served.to_vkey()
                    ),
                ));
                Some((served, KeySource::FirstUse))
            }
            None => {
                findings.push(Finding::error(
                    "authentic.key.unavailable",
                    subject,
                    "no log key to check the checkpoint with: pass --key or serve /tlog/key",
                ));
                None
            }
        },
    };
    (trusted, findings)
}

/// Verifies the checkpoint note with the trusted log key and checks that its origin is the key
/// name. Returns the checkpoint only when it is authentic.
pub fn check_checkpoint(
    note: &str,
    key: &Verifier,
    subject: &str,
) -> (Option<Checkpoint>, Vec<Finding>) {
    let malformed = |message: String| {
        (
            None,
            vec![Finding::error(
                "authentic.checkpoint.malformed",
                subject,
                message,
            )],
        )
    };
    let parsed = match parse_note(note) {
        Ok(parsed) => parsed,
        Err(error) => return malformed(format!("not a signed note: {error}")),
    };
    let by_log_key = parsed
        .signatures
        .iter()
        .any(|line| line.name == key.name() && line.key_id == key.key_id());
    if !by_log_key {
        let signers: Vec<String> = parsed
            .signatures
            .iter()
            .map(|line| format!("{}+{:08x}", line.name, line.key_id))
            .collect();
        return (
            None,
            vec![Finding::error(
                "authentic.checkpoint.unknown-key",
                subject,
                format!(
                    "not signed by the log key {}+{:08x}; signed by {}",
                    key.name(),
                    key.key_id(),
                    signers.join(", ")
                ),
            )],
        );
    }
    let checkpoint = match open_checkpoint(note, std::slice::from_ref(key)) {
        Ok((checkpoint, _)) => checkpoint,
        Err(CheckpointError::Note(NoteError::InvalidSignature { name, key_id })) => {
            return (
                None,
                vec![Finding::error(
                    "authentic.checkpoint.bad-signature",
                    subject,
                    format!("the signature of log key {name}+{key_id:08x} does not verify"),
                )],
            );
        }
        Err(error) => return malformed(error.to_string()),
    };
    if checkpoint.origin != key.name() {
        return (
            None,
            vec![Finding::error(
                "authentic.checkpoint.origin-mismatch",
                subject,
                format!(
                    "origin {:?} is not the log key name {:?}",
                    checkpoint.origin,
                    key.name()
                ),
            )],
        );
    }
    let finding = Finding::info(
        "authentic.checkpoint.verified",
        subject,
        format!(
            "size {} root {} signed by {}+{:08x}",
            checkpoint.size,
            STANDARD.encode(checkpoint.root),
            key.name(),
            key.key_id()
        ),
    );
    (Some(checkpoint), vec![finding])
}

/// Compares the checkpoint with the one saved by the last clean run: smaller is a rollback,
/// the same size with another root a fork, and a larger one must be consistent with it by a
/// proof computed from `nodes` (the served tiles, already checked against `current`'s root).
pub fn check_history(
    saved: &Checkpoint,
    current: &Checkpoint,
    nodes: &impl NodeLookup,
    subject: &str,
) -> Vec<Finding> {
    let old_root = STANDARD.encode(saved.root);
    if current.size < saved.size {
        return vec![Finding::error(
            "authentic.history.rollback",
            subject,
            format!(
                "the log shrank: size {} now, size {} was verified before",
                current.size, saved.size
            ),
        )];
    }
    if current.size == saved.size {
        return if current.root == saved.root {
            vec![Finding::info(
                "authentic.history.consistent",
                subject,
                format!(
                    "unchanged since the saved checkpoint of size {}",
                    saved.size
                ),
            )]
        } else {
            vec![Finding::error(
                "authentic.history.fork",
                subject,
                format!(
                    "size {} has root {} now but {old_root} was verified before: two signed histories",
                    current.size,
                    STANDARD.encode(current.root)
                ),
            )]
        };
    }
    if saved.size == 0 {
        return vec![Finding::info(
            "authentic.history.consistent",
            subject,
            "the saved checkpoint was of the empty log",
        )];
    }
    let verdict = consistency_proof(saved.size, current.size, nodes).and_then(|proof| {
        verify_consistency(saved.size, current.size, &saved.root, &current.root, &proof)
    });
    match verdict {
        Ok(()) => vec![Finding::info(
            "authentic.history.consistent",
            subject,
            format!(
                "size {} extends the saved checkpoint of size {}",
                current.size, saved.size
            ),
        )],
        Err(error) => vec![Finding::error(
            "authentic.history.inconsistent",
            subject,
            format!(
                "size {} does not extend the saved checkpoint of size {} (root {old_root}): the history was rewritten ({error})",
                current.size, saved.size
            ),
        )],
    }
}

/// What [`check_tiles`] established.
#[derive(Debug)]
pub struct TreeCheck {
    /// The served hash tiles, for further proofs.
    pub lookup: TileLookup,
    /// The leaf hashes of the level-0 tiles by leaf index (`None` where a tile is missing).
    pub leaves: Vec<Option<Hash>>,
    /// What was found.
    pub findings: Vec<Finding>,
}

/// Checks the hash tiles of the checkpoint's tree: every one is there with the right length,
/// the leaf hashes of the level-0 tiles produce the signed root (so every leaf is included),
/// and every higher tile holds the nodes those leaves imply.
pub fn check_tiles(checkpoint: &Checkpoint, tiles: &BTreeMap<TilePath, Fetched>) -> TreeCheck {
    let size = checkpoint.size;
    let mut findings = Vec::new();
    let mut lookup = TileLookup::new(size);
    let mut leaves: Vec<Option<Hash>> = vec![None; usize::try_from(size).unwrap_or(0)];
    let mut upper: Vec<(TilePath, Vec<u8>)> = Vec::new();
    for path in tiles_for_size(size) {
        let body = match tiles.get(&path) {
            Some(Ok(body)) => body.clone(),
            Some(Err(error)) => {
                findings.push(tile_missing(&path, error));
                continue;
            }
            None => {
                findings.push(tile_missing(&path, "not fetched"));
                continue;
            }
        };
        if let Err(error) = lookup.insert(&path, body.clone()) {
            findings.push(Finding::error(
                "authentic.tiles.malformed",
                format!("/tlog/{path}"),
                error.to_string(),
            ));
            continue;
        }
        if path.level() == Some(0) {
            let first = path.index() * 256;
            for (j, chunk) in body.chunks_exact(32).enumerate() {
                if let Some(slot) = leaves.get_mut((first + j as u64) as usize) {
                    *slot = Some(chunk.try_into().expect("32-byte chunk"));
                }
            }
        } else {
            upper.push((path, body));
        }
    }
    if leaves.iter().all(Option::is_some) {
        let mut tree = MemoryTree::new();
        for leaf in leaves.iter().flatten() {
            tree.push_hash(*leaf);
        }
        if tree.root() != checkpoint.root {
            findings.push(Finding::error(
                "authentic.tiles.root-mismatch",
                "/tlog/tile/0",
                format!(
                    "the {size} leaf hashes of the level-0 tiles produce root {}, not the signed root {}: entries are not included as signed",
                    STANDARD.encode(tree.root()),
                    STANDARD.encode(checkpoint.root)
                ),
            ));
        } else {
            for (path, body) in &upper {
                let level = path.level().expect("hash tile");
                let nodes = tile_nodes(level, path.index(), path.width());
                let differing = nodes
                    .zip(body.chunks_exact(32))
                    .filter(|(node, hash)| tree.node(*node).as_ref().map(|h| &h[..]) != Some(*hash))
                    .count();
                if differing > 0 {
                    findings.push(Finding::error(
                        "authentic.tiles.inconsistent",
                        format!("/tlog/{path}"),
                        format!("{differing} hashes differ from the nodes the leaf tiles imply"),
                    ));
                }
            }
        }
    } else if let Ok(root) = root_from_nodes(size, &lookup)
        && root != checkpoint.root
    {
        findings.push(Finding::error(
            "authentic.tiles.root-mismatch",
            "/tlog/tile",
            "the served tiles do not produce the signed root",
        ));
    }
    if findings.is_empty() {
        findings.push(Finding::info(
            "authentic.tiles.verified",
            "/tlog/tile",
            format!(
                "{} hash tiles reproduce the signed root of size {size}",
                tiles_for_size(size).len()
            ),
        ));
    }
    TreeCheck {
        lookup,
        leaves,
        findings,
    }
}

fn tile_missing(path: &TilePath, error: impl std::fmt::Display) -> Finding {
    Finding::error(
        "authentic.tiles.missing",
        format!("/tlog/{path}"),
        format!("a tile of the signed tree is not served: {error}"),
    )
}

/// Checks the entry bundles: each holds exactly its entries, each entry's leaf hash is the one
/// in the level-0 tiles (so it is included in the signed tree), and the document at leaf `i`
/// says `seq = i + 1`. Returns the entry bytes by leaf index.
pub fn check_bundles(
    size: u64,
    leaves: &[Option<Hash>],
    bundles: &BTreeMap<TilePath, Fetched>,
) -> (Vec<Option<Vec<u8>>>, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut entries: Vec<Option<Vec<u8>>> = vec![None; usize::try_from(size).unwrap_or(0)];
    for path in entry_bundles_for_size(size) {
        let subject = format!("/tlog/{path}");
        let body = match bundles.get(&path) {
            Some(Ok(body)) => body,
            Some(Err(error)) => {
                findings.push(tile_missing(&path, error));
                continue;
            }
            None => {
                findings.push(tile_missing(&path, "not fetched"));
                continue;
            }
        };
        let decoded = match decode_entry_bundle(body) {
            Ok(decoded) => decoded,
            Err(error) => {
                findings.push(Finding::error(
                    "authentic.bundle.malformed",
                    subject,
                    error.to_string(),
                ));
                continue;
            }
        };
        if decoded.len() != usize::from(path.width()) {
            findings.push(Finding::error(
                "authentic.bundle.malformed",
                subject.clone(),
                format!(
                    "holds {} entries, the signed tree has {} here",
                    decoded.len(),
                    path.width()
                ),
            ));
        }
        let first = path.index() * 256;
        for (offset, bytes) in decoded
            .into_iter()
            .enumerate()
            .take(usize::from(path.width()))
        {
            let index = first + offset as u64;
            let seq = index + 1;
            let leaf = leaf_hash(&bytes);
            if let Some(Some(expected)) = leaves.get(index as usize)
                && *expected != leaf
            {
                findings.push(Finding::error(
                    "authentic.entry.not-included",
                    format!("entry {seq}"),
                    format!(
                        "its bytes in {subject} hash to leaf {}, the signed tree has {} at index {index}",
                        STANDARD.encode(leaf),
                        STANDARD.encode(expected)
                    ),
                ));
            }
            if let Ok(document) = EntryDoc::from_bytes(&bytes)
                && document.seq != seq
            {
                findings.push(Finding::error(
                    "authentic.entry.seq-mismatch",
                    format!("entry {seq}"),
                    format!(
                        "the signed leaf at index {index} is the document of seq {}",
                        document.seq
                    ),
                ));
            }
            entries[index as usize] = Some(bytes);
        }
    }
    (entries, findings)
}

/// Checks the entry documents the JSON API serves: in sequence order without gaps, published
/// times strictly increasing, every signed entry present, and each document's canonical bytes
/// equal to the signed bytes from the entry bundles. Documents beyond the checkpoint are only
/// checked for order.
pub fn check_api_entries(
    size: u64,
    documents: &[EntryDoc],
    signed: &[Option<Vec<u8>>],
    subject_prefix: &str,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut previous: Option<(u64, Option<OffsetDateTime>)> = None;
    let mut seen = vec![false; usize::try_from(size).unwrap_or(0)];
    for document in documents {
        let subject = format!("{subject_prefix}/api/v1/entries/{}", document.seq);
        let published = OffsetDateTime::parse(&document.published, &Rfc3339).ok();
        if published.is_none() {
            findings.push(Finding::error(
                "authentic.entry.order",
                subject.clone(),
                format!("published time {:?} is not RFC 3339", document.published),
            ));
        }
        let expected_seq = previous.map_or(1, |(seq, _)| seq + 1);
        if document.seq != expected_seq {
            findings.push(Finding::error(
                "authentic.entry.order",
                subject.clone(),
                match previous {
                    Some((seq, _)) => format!("seq {} follows seq {seq}", document.seq),
                    None => format!("the first entry has seq {}", document.seq),
                },
            ));
        }
        if let (Some((seq, Some(before))), Some(now)) = (previous, published)
            && now <= before
        {
            findings.push(Finding::error(
                "authentic.entry.order",
                subject.clone(),
                format!(
                    "published {} is not after seq {seq}'s time",
                    document.published
                ),
            ));
        }
        previous = Some((document.seq, published));
        let Some(index) = document.seq.checked_sub(1).filter(|i| *i < size) else {
            continue;
        };
        seen[index as usize] = true;
        let Some(Some(bytes)) = signed.get(index as usize) else {
            continue;
        };
        match document.canonical_bytes() {
            Ok(canonical) if &canonical == bytes => {}
            Ok(_) => findings.push(Finding::error(
                "authentic.entry.bytes-mismatch",
                subject,
                "the served document differs from the signed entry bytes",
            )),
            Err(error) => findings.push(Finding::error(
                "authentic.entry.bytes-mismatch",
                subject,
                format!("the served document has no canonical form: {error}"),
            )),
        }
    }
    for (index, _) in seen.iter().enumerate().filter(|(_, seen)| !**seen) {
        findings.push(Finding::error(
            "authentic.entry.missing",
            format!("entry {}", index + 1),
            "a signed entry is not served by /api/v1/entries",
        ));
    }
    findings
}

/// At most `limit` findings per id; the rest are summarised in one finding of the same id.
pub fn cap_findings(findings: Vec<Finding>, limit: usize) -> Vec<Finding> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut kept = Vec::new();
    let mut dropped: BTreeMap<String, (Finding, usize)> = BTreeMap::new();
    for finding in findings {
        let count = counts.entry(finding.id.clone()).or_default();
        *count += 1;
        if *count <= limit {
            kept.push(finding);
        } else {
            dropped.entry(finding.id.clone()).or_insert((finding, 0)).1 += 1;
        }
    }
    for (id, (example, more)) in dropped {
        kept.push(Finding::new(
            &id,
            example.severity,
            "…",
            format!("and {more} more like the above"),
        ));
    }
    kept
}
