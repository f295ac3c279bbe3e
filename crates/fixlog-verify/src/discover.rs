//! Discovery: from one URL, which of the publication formats the publisher offers.
//!
//! Looks at the HTML page's `<link rel="alternate">` elements, `/.well-known/host-meta`
//! (RFC 6415 XRD naming the RESTCONF root, RFC 8040 §3.1),
//! `/.well-known/csaf/provider-metadata.json` (CSAF 2.0 §7.1.9), `/tlog/checkpoint`
//! (C2SP tlog-checkpoint) and `/openapi.json`. Whatever is absent becomes an
//! `accessible.offer.<format>-not-offered` finding; later phases only check what is offered.

use crate::fetch::Fetcher;
use crate::fetch::probe::Probe;
use crate::finding::{Finding, Severity};

/// One `<link rel="alternate">` of the page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Alternate {
    /// `type`.
    pub media_type: String,
    /// `title`.
    pub title: String,
    /// `href`, resolved against the publisher URL.
    pub href: String,
}

/// What the publisher offers, as discovered.
#[derive(Clone, Debug, Default)]
pub struct Offers {
    /// The HTML page answered.
    pub page: bool,
    /// Its alternate links.
    pub alternates: Vec<Alternate>,
    /// The RESTCONF root from host-meta (absolute URL).
    pub restconf_root: Option<String>,
    /// The CSAF provider metadata URL that answered.
    pub csaf_metadata: Option<String>,
    /// `/tlog/checkpoint` answered.
    pub checkpoint: bool,
    /// The OpenAPI document URL that answered.
    pub openapi: Option<String>,
}

impl Offers {
    /// The formats offered, by short name, for the report.
    pub fn names(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if self.page {
            names.push("html-page");
        }
        if self.openapi.is_some() {
            names.push("openapi");
        }
        if self.restconf_root.is_some() {
            names.push("restconf");
        }
        if self.csaf_metadata.is_some() {
            names.push("csaf");
        }
        if self.checkpoint {
            names.push("tlog");
        }
        names
    }
}

/// Parses the `<link rel="alternate" …>` elements of an HTML page. Attribute values may be
/// quoted with `"` or `'`; `rel` may hold several space-separated tokens.
pub fn parse_alternates(html: &str, base: &str) -> Vec<Alternate> {
    let mut found = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<link") {
        let start = at + start;
        let Some(end) = lower[start..].find('>') else {
            break;
        };
        let element = &html[start..start + end];
        at = start + end;
        let attribute = |name: &str| attribute_value(element, name);
        let rel = attribute("rel").unwrap_or_default().to_ascii_lowercase();
        if !rel
            .split_ascii_whitespace()
            .any(|token| token == "alternate")
        {
            continue;
        }
        let Some(href) = attribute("href") else {
            continue;
        };
        found.push(Alternate {
            media_type: attribute("type").unwrap_or_default(),
            title: attribute("title").unwrap_or_default(),
            href: absolute(base, &href),
        });
    }
    found
}

fn attribute_value(element: &str, name: &str) -> Option<String> {
    let lower = element.to_ascii_lowercase();
    let mut at = 0;
    while let Some(position) = lower[at..].find(name) {
        let position = at + position;
        at = position + name.len();
        let before = lower[..position].chars().last().unwrap_or(' ');
        if !before.is_ascii_whitespace() {
            continue;
        }
        let rest = element[at..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        let quote = rest.chars().next()?;
        let value = if quote == '"' || quote == '\'' {
            let inner = &rest[1..];
            &inner[..inner.find(quote)?]
        } else {
            let end = rest
                .find(|c: char| c.is_ascii_whitespace() || c == '>')
                .unwrap_or(rest.len());
            &rest[..end]
        };
        return Some(value.replace("&amp;", "&"));
    }
    None
}

/// The `href` of the `<Link rel="restconf">` of an XRD host-meta document (RFC 8040 §3.1).
pub fn parse_host_meta(xml: &str) -> Option<String> {
    let lower = xml.to_ascii_lowercase();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<link") {
        let start = at + start;
        let end = lower[start..].find('>')? + start;
        let element = &xml[start..end];
        at = end;
        if attribute_value(element, "rel").as_deref() == Some("restconf") {
            return attribute_value(element, "href");
        }
    }
    None
}

/// Resolves `href` against the publisher base URL.
pub fn absolute(base: &str, href: &str) -> String {
    if href.starts_with("http://") || href.starts_with("https://") {
        return href.to_owned();
    }
    let base = base.trim_end_matches('/');
    let origin_end = base
        .find("://")
        .and_then(|scheme| base[scheme + 3..].find('/').map(|path| scheme + 3 + path))
        .unwrap_or(base.len());
    if href.starts_with('/') {
        format!("{}{href}", &base[..origin_end])
    } else {
        format!("{base}/{href}")
    }
}

/// Fetches the discovery documents; returns what is offered, the findings about what is not,
/// and the probes (for the `accessible` checks).
pub async fn run(fetcher: &Fetcher) -> (Offers, Vec<Finding>, Vec<Probe>) {
    let base = fetcher.url("");
    let (page, host_meta, csaf, checkpoint, openapi) = tokio::join!(
        fetcher.probe("page", "/", "text/html"),
        fetcher.probe("host-meta", "/.well-known/host-meta", "application/xrd+xml"),
        fetcher.probe(
            "csaf-provider-metadata",
            "/.well-known/csaf/provider-metadata.json",
            "application/json"
        ),
        fetcher.probe("checkpoint", "/tlog/checkpoint", "text/plain"),
        fetcher.probe("openapi", "/openapi.json", "application/json"),
    );
    let mut offers = Offers {
        page: page.ok(),
        ..Offers::default()
    };
    let mut findings = Vec::new();
    if page.ok() {
        offers.alternates = parse_alternates(page.text().unwrap_or_default(), &base);
    }
    let alternate = |needle: &str| {
        offers
            .alternates
            .iter()
            .find(|link| link.href.contains(needle))
            .map(|link| link.href.clone())
    };
    if host_meta.ok() {
        offers.restconf_root = host_meta
            .text()
            .and_then(parse_host_meta)
            .map(|href| absolute(&base, &href));
    }
    if offers.restconf_root.is_none() && alternate("/restconf/").is_some() {
        offers.restconf_root = Some(absolute(&base, "/restconf"));
    }
    if csaf.ok() {
        offers.csaf_metadata = Some(csaf.final_url.clone());
    }
    offers.checkpoint = checkpoint.ok();
    if openapi.ok() {
        offers.openapi = Some(openapi.final_url.clone());
    }
    let mut probes = vec![page, host_meta, csaf, checkpoint, openapi];

    // A page may name a CSAF provider metadata or OpenAPI document elsewhere.
    if offers.csaf_metadata.is_none()
        && let Some(href) = alternate("provider-metadata.json")
        && !href.ends_with("/.well-known/csaf/provider-metadata.json")
    {
        let probe = fetcher
            .probe("csaf-provider-metadata", &href, "application/json")
            .await;
        if probe.ok() {
            offers.csaf_metadata = Some(probe.final_url.clone());
        }
        probes.push(probe);
    }

    let not_offered = |format: &str, severity: Severity, what: &str, probe: &Probe| {
        Finding::new(
            &format!("accessible.offer.{format}-not-offered"),
            severity,
            probe.url.clone(),
            format!(
                "{what} is not offered ({}); its checks are skipped",
                describe(probe)
            ),
        )
    };
    for probe in &probes {
        let offered = match probe.role.as_str() {
            "page" => offers.page,
            "host-meta" => offers.restconf_root.is_some(),
            "csaf-provider-metadata" => offers.csaf_metadata.is_some(),
            "checkpoint" => offers.checkpoint,
            "openapi" => offers.openapi.is_some(),
            _ => true,
        };
        // A server error is not "not offered": the accessible checks report its status.
        if offered || probe.status.is_some_and(|status| status >= 500) {
            continue;
        }
        findings.push(match probe.role.as_str() {
            "page" => not_offered("page", Severity::Info, "an HTML log page", probe),
            "host-meta" => not_offered(
                "restconf",
                Severity::Info,
                "a RESTCONF event stream (RFC 8639/8650)",
                probe,
            ),
            "csaf-provider-metadata" => {
                not_offered("csaf", Severity::Info, "a CSAF 2.0 provider", probe)
            }
            "checkpoint" => not_offered(
                "tlog",
                Severity::Warning,
                "a signed transparency log (authenticity cannot be established)",
                probe,
            ),
            "openapi" => not_offered(
                "openapi",
                Severity::Info,
                "an OpenAPI-described JSON API",
                probe,
            ),
            _ => continue,
        });
    }
    if offers.names().is_empty() {
        findings.push(Finding::error(
            "accessible.offer.nothing",
            base,
            "the publisher offers none of: HTML page, OpenAPI, RESTCONF, CSAF provider, transparency log",
        ));
    }
    (offers, findings, probes)
}

/// A probe's outcome in a few words.
pub fn describe(probe: &Probe) -> String {
    match (&probe.failure, probe.status) {
        (Some(failure), _) => format!("{failure:?}"),
        (None, Some(status)) => format!("HTTP {status}"),
        (None, None) => "no answer".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternates_and_host_meta_parse() {
        let html = r#"<head><link rel="stylesheet" href="/a.css"><link rel='alternate' type="application/json" title="CSAF 2.0 provider metadata" href="/.well-known/csaf/provider-metadata.json"><LINK REL="alternate feed" HREF=https://x.example/feed.atom></head>"#;
        let links = parse_alternates(html, "http://h:1/");
        assert_eq!(links.len(), 2);
        assert_eq!(
            links[0].href,
            "http://h:1/.well-known/csaf/provider-metadata.json"
        );
        assert_eq!(links[0].title, "CSAF 2.0 provider metadata");
        assert_eq!(links[1].href, "https://x.example/feed.atom");
        let xml = "<XRD><Link rel='restconf' href='/restconf'/></XRD>";
        assert_eq!(parse_host_meta(xml).as_deref(), Some("/restconf"));
        assert_eq!(absolute("https://a.b/c", "/d"), "https://a.b/d");
    }
}
