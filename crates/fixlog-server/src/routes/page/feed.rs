//! `GET /feed.atom`: one Atom (RFC 4287) `<entry>` per log entry, newest first.
//!
//! Entry ids are `tag:` URIs (RFC 4151) built from the log origin, the date of the first log
//! entry and the sequence number, e.g. `tag:psirt.example.com,2026-01-13:fixlog/entry/7`, so
//! they stay the same across requests and across changes of the public URL.

use std::fmt::Write;

use fixlog_formats::{EntryDoc, EntryKind};

use super::overview::entry_title;

/// Escapes text for XML character data and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow are dropped rather than sent.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The `tag:` prefix of entry ids: `tag:<host>,<first entry date>:<origin path>`; `None` when
/// the origin does not start with a DNS name.
pub fn tag_prefix(origin: &str, first_published: &str) -> Option<String> {
    let (host, path) = origin.split_once('/').unwrap_or((origin, ""));
    let valid_host = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    let date = first_published.get(..10)?;
    valid_host.then(|| {
        let path = if path.is_empty() { "fixlog" } else { path };
        format!("tag:{},{date}:{path}", host.to_ascii_lowercase())
    })
}

/// A plain-text summary of an entry's facts.
fn summary(entry: &EntryDoc) -> String {
    let mut text = String::new();
    match entry.kind {
        EntryKind::Release => {
            let _ = write!(
                text,
                "{} {} released {}.",
                entry.product.as_deref().unwrap_or(""),
                entry.fixed_version.as_deref().unwrap_or(""),
                entry.release_date.as_deref().unwrap_or("")
            );
            if !entry.cves.is_empty() {
                let _ = write!(text, " Fixes {}.", entry.cves.join(", "));
            }
            for image in &entry.images {
                let _ = write!(text, " {} SHA-256 {}.", image.name, image.sha256);
            }
        }
        EntryKind::Advisory | EntryKind::Withdrawal => {
            if let Some(advisory) = &entry.advisory {
                let _ = write!(text, "{}", advisory.revision.summary);
            }
            if !entry.cves.is_empty() {
                let _ = write!(text, " CVEs: {}.", entry.cves.join(", "));
            }
        }
        EntryKind::Product => {
            if let Some(record) = &entry.product_record {
                let _ = write!(
                    text,
                    "{} ({}), lifecycle {}.",
                    record.name,
                    record.device_class,
                    record.lifecycle.state.replace('_', " ")
                );
            }
        }
    }
    text.trim().to_owned()
}

/// Renders the feed. `entries` are newest first; `first_published` is the first log entry's
/// publication time.
pub fn render(
    public_url: &str,
    origin: &str,
    first_published: Option<&str>,
    entries: &[EntryDoc],
) -> String {
    let tag = first_published.and_then(|first| tag_prefix(origin, first));
    let updated = entries
        .first()
        .map(|e| e.published.as_str())
        .or(first_published)
        .unwrap_or("1970-01-01T00:00:00Z");
    let mut xml = String::with_capacity(512 * entries.len() + 1024);
    xml.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    xml.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    let feed_id = match &tag {
        Some(tag) => format!("{tag}/feed"),
        None => format!("{public_url}/feed.atom"),
    };
    let _ = writeln!(xml, "  <id>{}</id>", escape(&feed_id));
    let _ = writeln!(
        xml,
        "  <title>Firmware security update log {}</title>",
        escape(origin)
    );
    let _ = writeln!(xml, "  <updated>{}</updated>", escape(updated));
    let _ = writeln!(xml, "  <author><name>{}</name></author>", escape(origin));
    let _ = writeln!(
        xml,
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}/feed.atom\"/>",
        escape(public_url)
    );
    let _ = writeln!(
        xml,
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}/\"/>",
        escape(public_url)
    );
    xml.push_str("  <generator>fixlog</generator>\n");
    for entry in entries {
        let page = format!("{public_url}/entries/{}", entry.seq);
        let id = match &tag {
            Some(tag) => format!("{tag}/entry/{}", entry.seq),
            None => page.clone(),
        };
        xml.push_str("  <entry>\n");
        let _ = writeln!(xml, "    <id>{}</id>", escape(&id));
        let _ = writeln!(
            xml,
            "    <title>#{} {}</title>",
            entry.seq,
            escape(&entry_title(entry))
        );
        let _ = writeln!(
            xml,
            "    <published>{}</published>",
            escape(&entry.published)
        );
        let _ = writeln!(xml, "    <updated>{}</updated>", escape(&entry.published));
        let _ = writeln!(
            xml,
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
            escape(&page)
        );
        let _ = writeln!(
            xml,
            "    <link rel=\"related\" type=\"application/json\" href=\"{}/api/v1/entries/{}\"/>",
            escape(public_url),
            entry.seq
        );
        let _ = writeln!(
            xml,
            "    <category term=\"{}\"/>",
            escape(entry.kind.as_str())
        );
        let _ = writeln!(
            xml,
            "    <summary type=\"text\">{}</summary>",
            escape(&summary(entry))
        );
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}
