//! The CSAF 2.0 provider files of §7.1: `provider-metadata.json` (requirement 7), `index.txt`
//! (12), `changes.csv` (13), the ROLIE feed (15), the `.sha256`/`.sha512` files (18) and the
//! `security.txt` line (8). Pure renderings; the server serves them.

use serde_json::{Value, json};
use sha2::{Digest, Sha256, Sha512};

/// One published document as the distribution files list it.
#[derive(Debug, Clone)]
pub struct Published {
    /// Path below the distribution directory, e.g. `2026/acme-sa-2026-001.json`.
    pub path: String,
    /// `document.tracking.id`.
    pub tracking_id: String,
    /// `document.title`.
    pub title: String,
    /// `document.tracking.initial_release_date`.
    pub initial_release_date: String,
    /// `document.tracking.current_release_date`.
    pub current_release_date: String,
    /// A short summary for the feed entry.
    pub summary: String,
}

/// The provider's identity.
#[derive(Debug, Clone)]
pub struct Provider {
    /// Public base URL, no trailing slash (`https://psirt.example.com`).
    pub base_url: String,
    /// Publisher name.
    pub publisher_name: String,
    /// Publisher namespace URL.
    pub publisher_namespace: String,
    /// OpenPGP fingerprint of the signing key, if signatures are served.
    pub openpgp_fingerprint: Option<String>,
}

impl Provider {
    /// `https://…/.well-known/csaf`.
    pub fn csaf_root(&self) -> String {
        format!("{}/.well-known/csaf", self.base_url)
    }

    /// The URL of the TLP:WHITE directory.
    pub fn white_url(&self) -> String {
        format!("{}/white", self.csaf_root())
    }

    /// The URL of the ROLIE feed.
    pub fn feed_url(&self) -> String {
        format!("{}/white/csaf-feed-tlp-white.json", self.csaf_root())
    }
}

/// `provider-metadata.json`. The role is `csaf_trusted_provider` only when documents are
/// signed (requirements 19 and 20 need an OpenPGP key), `csaf_provider` otherwise.
pub fn provider_metadata(provider: &Provider, last_updated: &str) -> Value {
    let mut keys = Vec::new();
    if let Some(fingerprint) = &provider.openpgp_fingerprint {
        keys.push(json!({
            "fingerprint": fingerprint,
            "url": format!("{}/openpgp/{fingerprint}.asc", provider.csaf_root()),
        }));
    }
    json!({
        "canonical_url": format!("{}/provider-metadata.json", provider.csaf_root()),
        "distributions": [{
            "directory_url": provider.white_url(),
            "rolie": {"feeds": [{
                "summary": "TLP:WHITE advisories",
                "tlp_label": "WHITE",
                "url": provider.feed_url(),
            }]},
        }],
        "last_updated": last_updated,
        "list_on_CSAF_aggregators": true,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": true,
        "public_openpgp_keys": keys,
        "publisher": {
            "category": "vendor",
            "name": provider.publisher_name,
            "namespace": provider.publisher_namespace,
        },
        "role": if provider.openpgp_fingerprint.is_some() { "csaf_trusted_provider" } else { "csaf_provider" },
    })
}

/// `index.txt`: every document path, one per line.
pub fn index_txt(documents: &[Published]) -> String {
    let mut paths: Vec<&str> = documents.iter().map(|d| d.path.as_str()).collect();
    paths.sort_unstable();
    paths.iter().map(|p| format!("{p}\n")).collect()
}

/// `changes.csv`: `"path","current_release_date"`, newest first, no header.
pub fn changes_csv(documents: &[Published]) -> String {
    let mut rows: Vec<&Published> = documents.iter().collect();
    rows.sort_by(|a, b| {
        b.current_release_date
            .cmp(&a.current_release_date)
            .then(a.path.cmp(&b.path))
    });
    rows.iter()
        .map(|d| format!("\"{}\",\"{}\"\n", d.path, d.current_release_date))
        .collect()
}

/// The ROLIE feed (RFC 8322) of the TLP:WHITE documents, newest first.
pub fn rolie_feed(provider: &Provider, documents: &[Published], updated: &str) -> Value {
    let mut rows: Vec<&Published> = documents.iter().collect();
    rows.sort_by(|a, b| b.current_release_date.cmp(&a.current_release_date));
    let entries: Vec<Value> = rows
        .iter()
        .map(|d| {
            let url = format!("{}/{}", provider.white_url(), d.path);
            let mut links = vec![
                json!({"rel": "self", "href": url}),
                json!({"rel": "hash", "href": format!("{url}.sha256")}),
                json!({"rel": "hash", "href": format!("{url}.sha512")}),
            ];
            if provider.openpgp_fingerprint.is_some() {
                links.push(json!({"rel": "signature", "href": format!("{url}.asc")}));
            }
            json!({
                "id": d.tracking_id,
                "title": d.title,
                "link": links,
                "published": d.initial_release_date,
                "updated": d.current_release_date,
                "summary": {"content": d.summary},
                "content": {"type": "application/json", "src": url},
                "format": {"schema": "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json", "version": "2.0"},
            })
        })
        .collect();
    json!({"feed": {
        "id": "csaf-feed-tlp-white",
        "title": format!("{} CSAF feed (TLP:WHITE)", provider.publisher_name),
        "link": [
            {"rel": "self", "href": provider.feed_url()},
            {"rel": "service", "href": format!("{}/provider-metadata.json", provider.csaf_root())},
        ],
        "category": [{"scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf"}],
        "updated": updated,
        "entry": entries,
    }})
}

/// The hash file of §7.1.18: `<hex>  <file name>\n` (the `sha256sum` format).
pub fn hash_file(bytes: &[u8], file_name: &str, sha512: bool) -> String {
    let hex = if sha512 {
        hex_of(&Sha512::digest(bytes))
    } else {
        hex_of(&Sha256::digest(bytes))
    };
    format!("{hex}  {file_name}\n")
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `security.txt` (RFC 9116) with the `CSAF:` field first.
pub fn security_txt(provider: &Provider, expires: &str) -> String {
    format!(
        "CSAF: {}/provider-metadata.json\nContact: {}\nExpires: {expires}\nCanonical: {}/.well-known/security.txt\n",
        provider.csaf_root(),
        provider.publisher_namespace,
        provider.base_url
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{SchemaKind, schema_errors};

    fn provider() -> Provider {
        Provider {
            base_url: "https://psirt.example.com".into(),
            publisher_name: "Example".into(),
            publisher_namespace: "https://psirt.example.com".into(),
            openpgp_fingerprint: Some("0123456789ABCDEF0123456789ABCDEF01234567".into()),
        }
    }

    fn documents() -> Vec<Published> {
        vec![
            Published {
                path: "2026/b.json".into(),
                tracking_id: "B".into(),
                title: "B".into(),
                initial_release_date: "2026-01-01T00:00:00.000Z".into(),
                current_release_date: "2026-03-01T00:00:00.000Z".into(),
                summary: "b".into(),
            },
            Published {
                path: "2025/a.json".into(),
                tracking_id: "A".into(),
                title: "A".into(),
                initial_release_date: "2025-01-01T00:00:00.000Z".into(),
                current_release_date: "2026-02-01T00:00:00.000Z".into(),
                summary: "a".into(),
            },
        ]
    }

    #[test]
    fn provider_metadata_passes_its_schema() {
        let metadata = provider_metadata(&provider(), "2026-03-01T00:00:00.000Z");
        let errors = schema_errors(SchemaKind::ProviderMetadata, &metadata);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn rolie_feed_passes_its_schema() {
        let feed = rolie_feed(&provider(), &documents(), "2026-03-01T00:00:00.000Z");
        let errors = schema_errors(SchemaKind::RolieFeed, &feed);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn listings_follow_requirements_12_and_13() {
        assert_eq!(index_txt(&documents()), "2025/a.json\n2026/b.json\n");
        assert_eq!(
            changes_csv(&documents()),
            "\"2026/b.json\",\"2026-03-01T00:00:00.000Z\"\n\"2025/a.json\",\"2026-02-01T00:00:00.000Z\"\n"
        );
        assert_eq!(
            hash_file(b"abc", "x.json", false),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  x.json\n"
        );
    }
}
