//! The page shell, the security headers every page carries, the embedded assets and the small
//! pieces of markup the pages share (badges, status labels, links).

use std::sync::LazyLock;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fixlog_api::CveStatus;
use fixlog_model::LifecycleState;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use sha2::{Digest, Sha256};

/// The stylesheet, compiled into the binary.
const CSS: &str = include_str!("../../../assets/page.css");
/// The copy-to-clipboard enhancer, compiled into the binary.
const JS: &str = include_str!("../../../assets/page.js");

/// `Content-Security-Policy` of every page: our own origin only, no inline code, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// An embedded asset: its versioned path and bytes.
pub struct Asset {
    /// `/assets/<name>.<hash>.<ext>`: the content hash makes a long cache lifetime safe.
    pub path: String,
    /// The bytes.
    pub body: &'static str,
    /// Media type.
    pub content_type: &'static str,
}

fn asset(stem: &str, extension: &str, body: &'static str, content_type: &'static str) -> Asset {
    let digest = Sha256::digest(body.as_bytes());
    Asset {
        path: format!("/assets/{stem}.{}.{extension}", hex::encode(&digest[..6])),
        body,
        content_type,
    }
}

/// The stylesheet.
pub static STYLESHEET: LazyLock<Asset> =
    LazyLock::new(|| asset("page", "css", CSS, "text/css; charset=utf-8"));
/// The script.
pub static SCRIPT: LazyLock<Asset> =
    LazyLock::new(|| asset("page", "js", JS, "text/javascript; charset=utf-8"));

/// Serves an asset by its versioned file name, or 404.
pub fn asset_response(name: &str) -> Response {
    for asset in [&*STYLESHEET, &*SCRIPT] {
        if asset.path.strip_prefix("/assets/") == Some(name) {
            let mut response = asset.body.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            );
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            secure(headers);
            return response;
        }
    }
    not_found_page("No such asset.")
}

/// Adds the security headers every page and asset carries.
pub fn secure(headers: &mut axum::http::HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
}

/// An HTML response with the security headers; pages are revalidated on every visit.
pub fn html_response(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, markup.into_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    secure(headers);
    response
}

/// A 404 page.
pub fn not_found_page(message: &str) -> Response {
    html_response(
        StatusCode::NOT_FOUND,
        shell(
            "Not found",
            html! {
                h1 { "Not found" }
                p { (message) }
                p { a href="/" { "Back to the overview" } }
            },
        ),
    )
}

/// The machine-readable formats, as (title, path, media type) for visible links and
/// `<link rel="alternate">`.
pub const FORMATS: &[(&str, &str, &str)] = &[
    ("Atom feed of entries", "/feed.atom", "application/atom+xml"),
    ("JSON API: products", "/api/v1/products", "application/json"),
    (
        "JSON API: advisories",
        "/api/v1/advisories",
        "application/json",
    ),
    ("JSON API: entries", "/api/v1/entries", "application/json"),
    (
        "OpenAPI 3.0 description",
        "/openapi.json",
        "application/vnd.oai.openapi+json",
    ),
    (
        "RESTCONF event streams (RFC 8639)",
        "/restconf/data/ietf-subscribed-notifications:streams",
        "application/yang-data+json",
    ),
    (
        "CSAF 2.0 provider metadata",
        "/.well-known/csaf/provider-metadata.json",
        "application/json",
    ),
    (
        "Signed checkpoint (C2SP tlog-checkpoint)",
        "/tlog/checkpoint",
        "text/plain",
    ),
];

/// The page shell: head with stylesheet, script and alternates; header navigation; footer.
pub fn shell(title: &str, main: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · Firmware security update log" }
                link rel="stylesheet" href=(STYLESHEET.path);
                script src=(SCRIPT.path) defer {}
                @for (name, path, media_type) in FORMATS {
                    link rel="alternate" type=(media_type) title=(name) href=(path);
                }
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.site {
                    div.wrap {
                        a.brand href="/" { "fixlog" span { "Firmware security update log" } }
                        nav aria-label="Main" {
                            ul {
                                li { a href="/" { "Overview" } }
                                li { a href="/search" { "Search" } }
                                li { a href="/#coverage" { "Coverage" } }
                                li { a href="/#formats" { "Machine formats" } }
                            }
                        }
                    }
                }
                main #main .wrap { (main) }
                footer.site {
                    div.wrap {
                        p {
                            "Every fact on this page is rendered from the append-only log; "
                            "each entry has an inclusion proof against the signed "
                            a href="/tlog/checkpoint" { "checkpoint" } "."
                        }
                    }
                }
            }
        }
    }
}

/// The label and CSS class of a lifecycle state.
pub fn lifecycle_badge(state: LifecycleState) -> Markup {
    let class = match state {
        LifecycleState::Active => "badge life-active",
        LifecycleState::MainstreamSupport => "badge life-mainstream",
        LifecycleState::ExtendedSupport => "badge life-extended",
        LifecycleState::EndOfLife => "badge life-eol",
    };
    html! { span class=(class) { (state.label()) } }
}

/// The words for a version's status for one CVE, e.g. `fixed in V3.2.0`.
pub fn status_text(row: &CveStatus) -> String {
    match row.status.as_str() {
        "known_affected" if row.no_fix_planned => "affected, no fix planned".to_owned(),
        "known_affected" => match &row.fixed_in {
            Some(version) => format!("affected, fixed in {version}"),
            None => "affected".to_owned(),
        },
        "fixed" => "fixed".to_owned(),
        "known_not_affected" => "not affected".to_owned(),
        "under_investigation" => "under investigation".to_owned(),
        other => other.replace('_', " "),
    }
}

/// The CSS class of a status.
pub fn status_class(row: &CveStatus) -> &'static str {
    match row.status.as_str() {
        "known_affected" if row.no_fix_planned => "status nofix",
        "known_affected" => "status affected",
        "fixed" => "status fixed",
        "known_not_affected" => "status notaffected",
        "under_investigation" => "status investigating",
        _ => "status",
    }
}

/// A status badge for one CVE of one version: the CVE id and the status in words.
pub fn status_badge(row: &CveStatus) -> Markup {
    html! {
        span class=(status_class(row)) data-cve=(row.cve) data-status=(row.status) {
            a href={ "/search?cve=" (row.cve) } { (row.cve) } ": " (status_text(row))
        }
    }
}

/// A digest in a `<code>` element the script can copy.
pub fn digest(label: &str, value: &str) -> Markup {
    html! {
        div.digest {
            span.algo { (label) }
            code data-copy="" { (value) }
        }
    }
}

/// Bytes as a human size (binary units), e.g. `192 KiB`.
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The date part of an RFC 3339 time, with the time as a `<time>` element.
pub fn time(rfc3339: &str) -> Markup {
    let shown = rfc3339
        .get(..16)
        .map(|prefix| format!("{} {} UTC", &prefix[..10], &prefix[11..]))
        .unwrap_or_else(|| rfc3339.to_owned());
    html! { time datetime=(rfc3339) { (shown) } }
}

/// Raw markup for a non-breaking space.
pub const NBSP: PreEscaped<&str> = PreEscaped("&nbsp;");
