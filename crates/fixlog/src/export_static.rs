//! `fixlog export static --out DIR`: the public read side of the log as plain files.
//!
//! The files are rendered in-process: the server's own router (`fixlog_server::app`) is built
//! over the database and every public GET route is requested with `tower::ServiceExt::oneshot`,
//! so each file holds exactly the bytes the live server answers. The checkpoint is the one
//! already signed in the database: the export refuses a database whose latest checkpoint does
//! not cover every entry or does not verify under the given log key, and nothing is signed.
//!
//! A URL path becomes a file path by one rule: the path as is when its extension already names
//! the media type the server answered with, otherwise the path plus the extension of that media
//! type (`/api/v1/entries/7` → `api/v1/entries/7.json`, `/tlog/checkpoint` →
//! `tlog/checkpoint.txt`). The extension carries the media type to the web server, and no file
//! needs to be a directory too (`/api/v1/entries/7` and `/api/v1/entries/7/proof`). Pages of
//! `/api/v1/entries?after=A&limit=L` are written as `api/v1/entries/pages/L/A.json` for the
//! default limit (100) and the limit `fixlog verify` uses (1000), at every `after` a client
//! reaches by following `next_after` from 0. `nginx.conf.example` maps all of this, including
//! the query string of the entries route, onto the files.
//!
//! Not written: query pages (`/search`, `/check`, filtered entry lists), the RESTCONF
//! subscription operations and event streams (live only), the witness list (server
//! configuration, not log data), the write routes, `/healthz` and `/metrics`.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use clap::Args;
use fixlog_tlog::{Verifier, entry_bundles_for_size, open_checkpoint, tiles_for_size};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use crate::Failure;

/// Entry page sizes written: the server's default and the one `fixlog verify` requests.
pub const ENTRY_PAGE_LIMITS: [u64; 2] = [100, 1000];

/// Media types the mirror serves, each with its file extensions (the first is the one the
/// export appends). The same table becomes the `types` block of `nginx.conf.example`.
const MEDIA_TYPES: &[(&str, &[&str])] = &[
    ("text/html", &["html"]),
    ("application/json", &["json"]),
    ("text/plain", &["txt", "sha256", "sha512"]),
    ("text/csv", &["csv"]),
    ("application/octet-stream", &["bin"]),
    ("application/atom+xml", &["atom"]),
    ("application/yang", &["yang"]),
    ("application/yang-data+json", &["yang-data"]),
    ("application/xrd+xml", &["xrd"]),
    ("text/css", &["css"]),
    ("text/javascript", &["js"]),
    ("application/javascript", &["mjs"]),
    ("application/pgp-signature", &["asc"]),
    ("application/pgp-keys", &["pgp-keys"]),
    ("application/vnd.oai.openapi+json", &["openapi"]),
];

/// `fixlog export static`.
#[derive(Debug, Args)]
pub struct StaticArgs {
    /// Database of the log to export (read only).
    #[arg(long, env = "FIXLOG_DB", default_value = "sqlite://fixlog.db")]
    pub db: String,
    /// Folder to write into (created; existing files are replaced).
    #[arg(long)]
    pub out: PathBuf,
    /// Public base URL the mirror will be served from (it appears in the CSAF provider
    /// metadata, the feed and the YANG library).
    #[arg(long, env = "FIXLOG_PUBLIC_URL")]
    pub public_url: String,
    /// The log's verifier key (`name+id+base64`, as `fixlog keygen` prints and `/tlog/key`
    /// serves); the stored checkpoint must verify under it. The signing key is not needed.
    #[arg(long, env = "FIXLOG_VERIFIER_KEY")]
    pub verifier_key: String,
    /// Days without an entry after which the page shows a coverage gap (as `fixlog serve`).
    #[arg(long, env = "FIXLOG_GAP_DAYS", default_value_t = 180)]
    pub gap_days: u32,
}

/// The files written so far and the router they come from.
struct Mirror {
    app: Router,
    out: PathBuf,
    /// URL path → (file path below `out`, media type).
    written: BTreeMap<String, (String, String)>,
}

impl Mirror {
    /// GETs `path` (already percent-encoded) from the router: status, media type, body.
    async fn get(&self, path: &str) -> Result<(StatusCode, String, Vec<u8>), Failure> {
        let request = Request::get(path)
            .body(Body::empty())
            .map_err(|error| Failure::operational(format!("request {path}: {error}")))?;
        let response = self
            .app
            .clone()
            .oneshot(request)
            .await
            .map_err(|error| Failure::operational(format!("GET {path}: {error}")))?;
        let status = response.status();
        let media_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|error| Failure::operational(format!("GET {path}: body: {error}")))?
            .to_bytes()
            .to_vec();
        Ok((status, media_type, body))
    }

    /// GETs `path`, which must answer 200, and writes it to its file; returns the body.
    async fn export(&mut self, path: &str) -> Result<Vec<u8>, Failure> {
        let (status, media_type, body) = self.get(path).await?;
        if status != StatusCode::OK {
            return Err(Failure::operational(format!(
                "GET {path} answered HTTP {status}: {}",
                String::from_utf8_lossy(&body)
            )));
        }
        let file = file_for(&decode(path)?, &media_type).ok_or_else(|| {
            Failure::operational(format!(
                "GET {path}: no file extension for media type {media_type:?}"
            ))
        })?;
        self.write(path, &file, &media_type, &body)?;
        Ok(body)
    }

    /// Writes `body` as `file` (relative to the output folder) for `path`.
    fn write(
        &mut self,
        path: &str,
        file: &str,
        media_type: &str,
        body: &[u8],
    ) -> Result<(), Failure> {
        let target = self.out.join(file);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Failure::operational(format!("--out {}: {e}", parent.display())))?;
        }
        std::fs::write(&target, body)
            .map_err(|e| Failure::operational(format!("--out {}: {e}", target.display())))?;
        self.written
            .insert(path.to_owned(), (file.to_owned(), media_type.to_owned()));
        Ok(())
    }
}

/// The file (relative path, no leading `/`) for a decoded URL path served as `media_type`.
fn file_for(path: &str, media_type: &str) -> Option<String> {
    let extensions = MEDIA_TYPES
        .iter()
        .find(|(known, _)| *known == media_type)
        .map(|(_, extensions)| *extensions)?;
    let relative = path.trim_start_matches('/');
    if relative.is_empty() || relative.ends_with('/') {
        return Some(format!("{relative}index.{}", extensions[0]));
    }
    let name = relative.rsplit('/').next().unwrap_or(relative);
    let keeps_name = name
        .rsplit_once('.')
        .is_some_and(|(_, extension)| extensions.contains(&extension));
    Some(if keeps_name {
        relative.to_owned()
    } else {
        format!("{relative}.{}", extensions[0])
    })
}

/// Percent-decodes a URL path (the web server matches files against the decoded path).
fn decode(path: &str) -> Result<String, Failure> {
    url::Url::parse("http://mirror.invalid")
        .and_then(|base| base.join(path))
        .map_err(|error| Failure::operational(format!("path {path}: {error}")))
        .and_then(|url| {
            percent_decode(url.path())
                .ok_or_else(|| Failure::operational(format!("path {path}: not UTF-8")))
        })
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%'
            && let Some(hex) = text.get(at + 1..at + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            decoded.push(byte);
            at += 3;
        } else {
            decoded.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

/// Percent-encodes one path segment.
fn segment(text: &str) -> String {
    let mut url = url::Url::parse("http://mirror.invalid/").expect("a constant URL parses");
    url.path_segments_mut()
        .expect("an http URL has path segments")
        .clear()
        .push(text);
    url.path().trim_start_matches('/').to_owned()
}

fn json(body: &[u8], path: &str) -> Result<Value, Failure> {
    serde_json::from_slice(body)
        .map_err(|error| Failure::operational(format!("GET {path}: not JSON: {error}")))
}

fn strings<'a>(value: &'a Value, pointer: &str, field: &str) -> Vec<&'a str> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| item.get(field).and_then(Value::as_str))
        .collect()
}

/// The same-origin links (`href="/…"`, `src="/…"`) of an HTML page without a query string.
fn page_links(html: &str) -> Vec<String> {
    let mut links = Vec::new();
    for attribute in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(at) = rest.find(attribute) {
            rest = &rest[at + attribute.len()..];
            let Some(end) = rest.find('"') else { break };
            let link = rest[..end].replace("&amp;", "&");
            rest = &rest[end..];
            if link.starts_with('/') && !link.starts_with("//") && !link.contains(['?', '#']) {
                links.push(link);
            }
        }
    }
    links
}

/// Paths no mirror can serve: query pages and live-only routes.
fn live_only(path: &str) -> bool {
    [
        "/search",
        "/check",
        "/tlog/witnesses",
        "/restconf/subscriptions",
        "/healthz",
        "/metrics",
    ]
    .iter()
    .any(|prefix| path == *prefix || path.starts_with(&format!("{prefix}/")))
}

/// Runs `fixlog export static`.
pub async fn export(args: &StaticArgs) -> Result<(), Failure> {
    let verifier = Verifier::from_vkey(args.verifier_key.trim()).map_err(|error| {
        Failure::operational(format!("--verifier-key: not a note verifier key: {error}"))
    })?;
    let store = fixlog_server::storage::open_store(&args.db)
        .await
        .map_err(|e| Failure::operational(format!("--db {}: {e}", args.db)))?;
    let size = store
        .size()
        .await
        .map_err(|e| Failure::operational(format!("--db {}: {e}", args.db)))?;
    let checkpoint = store
        .latest_checkpoint()
        .await
        .map_err(|e| Failure::operational(format!("--db {}: {e}", args.db)))?;
    let Some(checkpoint) = checkpoint.filter(|checkpoint| checkpoint.size == size) else {
        return Err(Failure::operational(format!(
            "--db {}: no signed checkpoint covers all {size} entries; start `fixlog serve` on it once so the log signs one",
            args.db
        )));
    };
    open_checkpoint(&checkpoint.note, std::slice::from_ref(&verifier)).map_err(|error| {
        Failure::operational(format!(
            "--verifier-key: the database's checkpoint does not verify under it: {error}"
        ))
    })?;
    // The router needs a signer; this one is never used to sign, because the stored checkpoint
    // already covers every entry (checked above) and only GET routes are requested. Its name is
    // the log origin, which the page and the CSAF metadata show.
    let placeholder = fixlog_server::keys::generate(verifier.name())
        .map_err(|error| Failure::operational(format!("--verifier-key: {error}")))?;
    let mut state = fixlog_server::AppState::new(store.clone(), placeholder, &args.public_url);
    state.page.gap_days = args.gap_days;
    let mut mirror = Mirror {
        app: fixlog_server::app(state),
        out: args.out.clone(),
        written: BTreeMap::new(),
    };

    // The log: checkpoint, key, tiles, bundles; entries, their proofs and pages.
    mirror.export("/tlog/checkpoint").await?;
    mirror.write(
        "/tlog/key",
        "tlog/key.txt",
        "text/plain",
        format!("{}\n", args.verifier_key.trim()).as_bytes(),
    )?;
    for tile in tiles_for_size(size)
        .into_iter()
        .chain(entry_bundles_for_size(size))
    {
        mirror.export(&format!("/tlog/{tile}")).await?;
    }
    for seq in 1..=size {
        mirror.export(&format!("/api/v1/entries/{seq}")).await?;
        mirror
            .export(&format!("/api/v1/entries/{seq}/proof"))
            .await?;
        mirror.export(&format!("/entries/{seq}")).await?;
        mirror
            .export(&format!("/restconf/data/fwsec-log:log/entry={seq}"))
            .await?;
    }
    for limit in ENTRY_PAGE_LIMITS {
        let mut after = 0;
        loop {
            let path = format!("/api/v1/entries?after={after}&limit={limit}");
            let (status, media_type, body) = mirror.get(&path).await?;
            if status != StatusCode::OK || media_type != "application/json" {
                return Err(Failure::operational(format!(
                    "GET {path} answered HTTP {status} {media_type}"
                )));
            }
            let file = format!("api/v1/entries/pages/{limit}/{after}.json");
            mirror.write(&path, &file, &media_type, &body)?;
            after += limit;
            if after >= size {
                break;
            }
        }
    }

    // Products, their firmware, version status and image look-ups; advisories.
    let products = json(
        &mirror.export("/api/v1/products").await?,
        "/api/v1/products",
    )?;
    for product in strings(&products, "/products", "id") {
        let encoded = segment(product);
        mirror
            .export(&format!("/api/v1/products/{encoded}"))
            .await?;
        mirror.export(&format!("/products/{encoded}")).await?;
        let path = format!("/api/v1/products/{encoded}/firmware");
        let firmware = json(&mirror.export(&path).await?, &path)?;
        for release in firmware
            .get("releases")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(version) = release.get("version").and_then(Value::as_str) {
                mirror
                    .export(&format!(
                        "/api/v1/products/{encoded}/versions/{}",
                        segment(version)
                    ))
                    .await?;
            }
            for digest in ["sha256", "sha3_256"] {
                for hex in strings(release, "/images", digest) {
                    mirror
                        .export(&format!("/api/v1/firmware/by-digest/{hex}"))
                        .await?;
                }
            }
        }
    }
    let advisories = json(
        &mirror.export("/api/v1/advisories").await?,
        "/api/v1/advisories",
    )?;
    for advisory in strings(&advisories, "/advisories", "id") {
        let encoded = segment(advisory);
        mirror
            .export(&format!("/api/v1/advisories/{encoded}"))
            .await?;
        mirror.export(&format!("/advisories/{encoded}")).await?;
    }

    // CSAF provider: metadata, listings, index, changes, ROLIE, every document with its hashes.
    let metadata_path = "/.well-known/csaf/provider-metadata.json";
    let metadata = json(&mirror.export(metadata_path).await?, metadata_path)?;
    for key in strings(&metadata, "/public_openpgp_keys", "url") {
        if let Ok(url) = url::Url::parse(key) {
            mirror.export(url.path()).await?;
        }
    }
    for path in [
        "/.well-known/security.txt",
        "/.well-known/csaf/white/",
        "/.well-known/csaf/white/changes.csv",
        "/.well-known/csaf/white/csaf-feed-tlp-white.json",
    ] {
        mirror.export(path).await?;
    }
    let index = mirror.export("/.well-known/csaf/white/index.txt").await?;
    let mut years = BTreeSet::new();
    for line in String::from_utf8_lossy(&index)
        .lines()
        .filter(|line| !line.is_empty())
    {
        let document = format!("/.well-known/csaf/white/{line}");
        mirror.export(&document).await?;
        for suffix in ["sha256", "sha512", "asc"] {
            let path = format!("{document}.{suffix}");
            if mirror.get(&path).await?.0 == StatusCode::OK {
                mirror.export(&path).await?;
            }
        }
        if let Some((year, _)) = line.split_once('/') {
            years.insert(year.to_owned());
        }
    }
    for year in years {
        mirror
            .export(&format!("/.well-known/csaf/white/{year}/"))
            .await?;
    }

    // RESTCONF data resources and the YANG modules the library names.
    for path in [
        "/.well-known/host-meta",
        "/restconf",
        "/restconf/yang-library-version",
        "/restconf/operations",
        "/restconf/data/ietf-subscribed-notifications:streams",
        "/restconf/data/ietf-yang-library:modules-state",
        "/restconf/data/fwsec-log:log",
    ] {
        mirror.export(path).await?;
    }
    let library_path = "/restconf/data/ietf-yang-library:yang-library";
    let library = json(&mirror.export(library_path).await?, library_path)?;
    let mut locations = Vec::new();
    collect_locations(&library, &mut locations);
    for location in locations {
        let path = url::Url::parse(&location)
            .map(|url| url.path().to_owned())
            .unwrap_or(location);
        if path.starts_with("/yang/") {
            mirror.export(&path).await?;
        }
    }

    // Pages, feed, OpenAPI; then every same-origin link of every page not yet written.
    for path in ["/feed.atom", "/openapi.json"] {
        mirror.export(path).await?;
    }
    let mut queue: VecDeque<String> = VecDeque::from([String::from("/")]);
    queue.extend(
        mirror
            .written
            .iter()
            .filter(|(_, (_, media_type))| media_type == "text/html")
            .map(|(path, _)| path.clone()),
    );
    let mut visited = BTreeSet::new();
    let mut broken = Vec::new();
    while let Some(path) = queue.pop_front() {
        if !visited.insert(path.clone()) || live_only(&path) {
            continue;
        }
        let (status, media_type, body) = mirror.get(&path).await?;
        if status != StatusCode::OK {
            broken.push(format!("{path} (HTTP {status})"));
            continue;
        }
        if !mirror.written.contains_key(&path) {
            mirror.export(&path).await?;
        }
        if media_type == "text/html" {
            queue.extend(page_links(&String::from_utf8_lossy(&body)));
        }
    }

    // A publication during the export would leave files of two log sizes side by side.
    let latest = store
        .latest_checkpoint()
        .await
        .map_err(|e| Failure::operational(format!("--db {}: {e}", args.db)))?;
    if latest.as_ref().map(|latest| &latest.note) != Some(&checkpoint.note) {
        return Err(Failure::operational(format!(
            "--db {}: the log grew during the export; run it again",
            args.db
        )));
    }
    let root = std::fs::canonicalize(&args.out)
        .map_err(|e| Failure::operational(format!("--out {}: {e}", args.out.display())))?;
    std::fs::write(args.out.join("nginx.conf.example"), nginx_config(&root))
        .map_err(|e| Failure::operational(format!("--out {}: {e}", args.out.display())))?;
    for link in &broken {
        eprintln!("fixlog: not exported, the live page links to it but it answers: {link}");
    }
    println!(
        "{} files written to {} for a log of {size} entries (nginx.conf.example maps them)",
        mirror.written.len(),
        args.out.display()
    );
    Ok(())
}

/// Every `location` string in a YANG library document.
fn collect_locations(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("location", Value::Array(items)) => {
                        found.extend(items.iter().filter_map(Value::as_str).map(str::to_owned));
                    }
                    ("location", Value::String(text)) => found.push(text.clone()),
                    _ => collect_locations(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_locations(item, found)),
        _ => {}
    }
}

/// A complete nginx configuration serving `root` (listen port 8080; change it and the root as
/// needed).
pub fn nginx_config(root: &Path) -> String {
    let types: String = MEDIA_TYPES
        .iter()
        .map(|(media_type, extensions)| format!("        {media_type} {};\n", extensions.join(" ")))
        .collect();
    let limits = ENTRY_PAGE_LIMITS.map(|limit| limit.to_string()).join("|");
    let suffixes: String = MEDIA_TYPES
        .iter()
        .map(|(_, extensions)| format!(" $uri.{}", extensions[0]))
        .collect();
    format!(
        r#"# Generated by `fixlog export static`: serves this folder as the public read side of a
# fixlog transparency log. Every URL path maps to the file of the same name, or to that name
# plus the extension of its media type (see the types block); pages of /api/v1/entries are
# files named by their limit and after arguments. Not served: query pages (/search, /check,
# filtered entry lists) and the RESTCONF event streams, which need the live server.
worker_processes 1;
events {{
    worker_connections 512;
}}
http {{
    types {{
{types}    }}
    default_type application/octet-stream;
    charset utf-8;
    charset_types text/plain text/css text/csv application/json application/atom+xml application/yang application/yang-data+json application/xrd+xml;
    sendfile on;
    # /api/v1/entries takes only after (default 0) and limit (default 100, pages of {limits}).
    # nginx tries no regular expression on an empty value: "" needs its own line.
    map $args $fixlog_entries_args {{
        "" ok;
        "~^((after|limit)=[0-9]+(&|$))*$" ok;
        default unsupported;
    }}
    map $arg_after $fixlog_after {{
        "" 0;
        default $arg_after;
    }}
    map $arg_limit $fixlog_limit {{
        "" 100;
        default $arg_limit;
    }}
    server {{
        listen 8080;
        root {root};
        location = / {{
            try_files /index.html =404;
        }}
        location = /api/v1/entries {{
            if ($fixlog_entries_args = unsupported) {{
                return 404;
            }}
            try_files /api/v1/entries/pages/$fixlog_limit/$fixlog_after.json =404;
        }}
        location = /tlog/checkpoint {{
            add_header Cache-Control "no-cache";
            try_files /tlog/checkpoint.txt =404;
        }}
        location ~ ^/tlog/tile/.*\.p/ {{
            add_header Cache-Control "public, max-age=60";
            try_files $uri.bin =404;
        }}
        location /tlog/tile/ {{
            add_header Cache-Control "public, max-age=31536000, immutable";
            try_files $uri.bin =404;
        }}
        location / {{
            try_files $uri{suffixes} $uri/index.html =404;
        }}
    }}
}}
"#,
        root = root.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_carry_the_media_type() {
        assert_eq!(
            file_for("/api/v1/entries/7", "application/json").unwrap(),
            "api/v1/entries/7.json"
        );
        assert_eq!(
            file_for("/openapi.json", "application/json").unwrap(),
            "openapi.json"
        );
        assert_eq!(file_for("/", "text/html").unwrap(), "index.html");
        assert_eq!(
            file_for("/.well-known/csaf/white/2026/a.json.sha512", "text/plain").unwrap(),
            ".well-known/csaf/white/2026/a.json.sha512"
        );
        assert_eq!(
            file_for("/tlog/tile/0/000.p/5", "application/octet-stream").unwrap(),
            "tlog/tile/0/000.p/5.bin"
        );
        assert_eq!(file_for("/x", "application/x-unknown"), None);
        assert_eq!(decode("/products/a%20b").unwrap(), "/products/a b");
        assert_eq!(segment("1.0 beta/2"), "1.0%20beta%2F2");
    }

    #[test]
    fn page_links_skip_queries_and_other_origins() {
        let html = r#"<a href="/products/x">x</a><a href="/search?q=1">s</a><script src="/assets/app.js"></script><a href="https://e.example/">e</a><a href="//cdn/x">c</a>"#;
        assert_eq!(page_links(html), ["/products/x", "/assets/app.js"]);
    }
}
