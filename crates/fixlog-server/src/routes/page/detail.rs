//! `/products/{id}`, `/advisories/{id}` and `/entries/{seq}`.

use fixlog_api::AdvisoryView;
use fixlog_formats::{AdvisoryCveDoc, CvssDoc, EntryDoc, EntryKind, RangeDoc, StatementDoc};
use maud::{Markup, html};

use super::data::{LogState, ProductState};
use super::layout::{digest, lifecycle_badge, shell, size, status_badge};
use super::overview::{check_form, entry_title};

/// A range as words, e.g. `from V3.0.1, fixed in V3.2.0`.
pub fn range_text(range: &RangeDoc) -> String {
    let mut parts = Vec::new();
    match &range.introduced {
        Some(introduced) => parts.push(format!("from {introduced}")),
        None => parts.push("all versions".to_owned()),
    }
    if let Some(last) = &range.last_affected {
        parts.push(format!("up to and including {last}"));
    }
    if let Some(limit) = &range.limit {
        parts.push(format!("below {limit}"));
    }
    if let Some(fixed) = &range.fixed {
        parts.push(format!("fixed in {fixed}"));
    }
    parts.join(", ")
}

fn status_words(status: &str) -> &str {
    match status {
        "known_affected" => "affected",
        "known_not_affected" => "not affected",
        "under_investigation" => "under investigation",
        "fixed" => "fixed",
        other => other,
    }
}

fn status_css(status: &str) -> &'static str {
    match status {
        "known_affected" => "status affected",
        "known_not_affected" => "status notaffected",
        "under_investigation" => "status investigating",
        "fixed" => "status fixed",
        _ => "status",
    }
}

/// Versions one product page lists: a line's page stays small however long the line grows
/// (every version lists its status for every CVE of the line).
pub const VERSIONS_PER_PAGE: usize = 50;

/// How many pages a line's versions fill (at least one, for a line without releases).
pub fn version_pages(product: &ProductState) -> usize {
    product.releases.len().div_ceil(VERSIONS_PER_PAGE).max(1)
}

/// The product page; `page` (from 1) selects [`VERSIONS_PER_PAGE`] versions, newest first.
pub fn product_page(state: &LogState, product: &ProductState, page: usize) -> Markup {
    let record = &product.product;
    let total = product.releases.len();
    let pages = version_pages(product);
    let first = (page.max(1) - 1) * VERSIONS_PER_PAGE;
    let shown = &product.releases[first.min(total)..(first + VERSIONS_PER_PAGE).min(total)];
    let pager = html! {
        @if pages > 1 {
            nav.pager aria-label="Version pages" {
                "Versions " (first + 1) "–" (first + shown.len()) " of " (total) ". "
                @if page == 2 {
                    a rel="prev" href={ "/products/" (record.id) } { "Newer versions" } " "
                } @else if page > 2 {
                    a rel="prev" href={ "/products/" (record.id) "/page/" (page - 1) } { "Newer versions" } " "
                }
                @if page < pages {
                    a rel="next" href={ "/products/" (record.id) "/page/" (page + 1) } { "Older versions" }
                }
            }
        }
    };
    let main = html! {
        nav.crumbs aria-label="Breadcrumb" { a href="/" { "Overview" } " / " (record.device_class.label()) }
        h1 { (record.name) }
        p.lead {
            (lifecycle_badge(record.lifecycle.state)) " "
            span.muted { (record.device_class.label()) " · versions written as " code { (record.version_scheme.as_str()) } }
        }
        dl.facts {
            dt { "Product id" } dd { code { (record.id) } }
            @if !record.models.is_empty() { dt { "Models" } dd { (record.models.join(", ")) } }
            @if let Some(date) = record.lifecycle.mainstream_support_end {
                dt { "Mainstream support ends" } dd { (fixlog_model::format_date(date)) }
            }
            @if let Some(date) = record.lifecycle.end_of_life {
                dt { "End of life" } dd { (fixlog_model::format_date(date)) }
            }
            dt { "Product record" } dd { a href={ "/entries/" (product.seq) } { "entry #" (product.seq) } }
            dt { "JSON" } dd {
                a href={ "/api/v1/products/" (record.id) } type="application/json" { "product" } ", "
                a href={ "/api/v1/products/" (record.id) "/firmware" } type="application/json" { "firmware" }
            }
        }
        div.tools { (check_form(state, Some(record.id.as_str()), None)) }
        section aria-labelledby="versions-heading" {
            h2 #versions-heading { "Firmware versions" }
            p.hint { "Newest first. Digests are of the published image files; status per CVE from the current advisories." }
            @if product.releases.is_empty() {
                p { "No firmware release published." }
            } @else {
                (pager)
                table.data.versions #versions {
                    thead { tr {
                        th scope="col" { "Version" }
                        th scope="col" { "Released" }
                        th scope="col" { "Images" }
                        th scope="col" { "CVE status" }
                    } }
                    tbody {
                        @for release in shown {
                            tr data-version=(release.status.version) {
                                th scope="row" {
                                    span.version { (release.status.version) }
                                    br;
                                    a.muted href={ "/entries/" (release.entry.seq) } { "entry #" (release.entry.seq) }
                                }
                                td.date { (release.entry.release_date.as_deref().unwrap_or("")) }
                                td {
                                    @for image in &release.entry.images {
                                        div.image {
                                            div { strong { (image.name) } " " span.muted { (size(image.size)) } }
                                            (digest("SHA-256", &image.sha256))
                                            @if let Some(sha3) = &image.sha3_256 { (digest("SHA3-256", sha3)) }
                                        }
                                    }
                                }
                                td {
                                    @if release.status.cves.is_empty() {
                                        span.status.gap { "no CVE status stated" }
                                    } @else {
                                        ul.statuses {
                                            @for row in &release.status.cves { li { (status_badge(row)) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="advisories-heading" {
            h2 #advisories-heading { "Advisories naming this product" }
            @if product.advisories.is_empty() {
                p { "None." }
            } @else {
                ul.advisories {
                    @for (entry, advisory) in &product.advisories {
                        li {
                            a href={ "/advisories/" (advisory.id) } { (advisory.id) } " "
                            (advisory.title)
                            @if advisory.withdrawn { " " span.status.withdrawn { "withdrawn" } }
                            " " span.muted { "revision " (advisory.revision.number) ", " (entry.cves.join(", ")) }
                        }
                    }
                }
            }
        }
    };
    shell(&record.name, main)
}

fn cvss(doc: Option<&CvssDoc>) -> Markup {
    html! {
        @match doc {
            Some(cvss) => {
                span class={ "score sev-" (cvss.severity) } { (format!("{:.1}", cvss.score)) " " (cvss.severity) }
                br; code.vector { (cvss.vector) }
            }
            None => { span.muted { "—" } }
        }
    }
}

fn cve_table(vulnerabilities: &[AdvisoryCveDoc]) -> Markup {
    html! {
        table.data #cves {
            thead { tr {
                th scope="col" { "CVE" }
                th scope="col" { "Title" }
                th scope="col" { "CWE" }
                th scope="col" { "CVSS v3.1" }
                th scope="col" { "CVSS v4.0" }
            } }
            tbody {
                @for cve in vulnerabilities {
                    tr data-cve=(cve.id) {
                        th scope="row" { a href={ "/search?cve=" (cve.id) } { (cve.id) } }
                        td { (cve.title.as_deref().unwrap_or("")) }
                        td.nowrap { (cve.cwe.as_deref().unwrap_or("")) }
                        td { (cvss(cve.cvss_v31.as_ref())) }
                        td { (cvss(cve.cvss_v40.as_ref())) }
                    }
                }
            }
        }
    }
}

fn statement_table(statements: &[StatementDoc]) -> Markup {
    html! {
        table.data #statements {
            thead { tr {
                th scope="col" { "Product" }
                th scope="col" { "CVEs" }
                th scope="col" { "Status" }
                th scope="col" { "Versions" }
                th scope="col" { "Fixed in" }
                th scope="col" { "Remediation" }
            } }
            tbody {
                @for statement in statements {
                    tr data-product=(statement.product) data-status=(statement.status) {
                        th scope="row" {
                            a href={ "/products/" (statement.product) } { (statement.product) }
                            @if let Some(scope) = &statement.scope { br; span.muted { "branch " (scope) } }
                        }
                        td { (statement.cves.join(", ")) }
                        td { span class=(status_css(&statement.status)) { (status_words(&statement.status)) } }
                        td {
                            @if let Some(text) = &statement.vendor_text { (text) br; }
                            @for range in &statement.ranges {
                                span.muted { (range_text(range)) }
                                @if let Some(vers) = &range.vers { br; code.vector { (vers) } }
                            }
                        }
                        td {
                            @match fixed_version(statement) {
                                Some(version) => { strong { (version) } }
                                None => { span.muted { "—" } }
                            }
                        }
                        td {
                            @if let Some(remediation) = &statement.remediation {
                                @let nofix = remediation.category == "no_fix_planned";
                                span class=(if nofix { "status nofix" } else { "category" }) {
                                    (remediation.category.replace('_', " "))
                                }
                                " " (remediation.details)
                            }
                        }
                    }
                }
            }
        }
    }
}

fn fixed_version(statement: &StatementDoc) -> Option<&str> {
    statement
        .ranges
        .iter()
        .find_map(|range| range.fixed.as_deref())
        .or_else(|| {
            statement
                .remediation
                .as_ref()
                .and_then(|r| r.fixed_version.as_deref())
        })
}

/// The advisory page: current state, CVEs, statements, and every revision with what it changed.
pub fn advisory_page(view: &AdvisoryView, revisions: &[EntryDoc]) -> Markup {
    let current = &view.current;
    let advisory = current.advisory.as_ref();
    let title = advisory.map(|a| a.title.as_str()).unwrap_or("");
    let main = html! {
        nav.crumbs aria-label="Breadcrumb" { a href="/" { "Overview" } " / Advisories" }
        h1 { (view.id) ": " (title) }
        @if view.withdrawn {
            div.banner.withdrawn #withdrawn role="note" {
                strong { "Withdrawn." }
                " This advisory was withdrawn"
                @if let Some(a) = advisory {
                    " on " (a.revision.date) ": " (a.revision.summary.trim_end_matches('.')) "."
                }
                " Its statements no longer apply to any product."
            }
        }
        dl.facts {
            dt { "State" } dd {
                @if view.withdrawn { span.status.withdrawn { "withdrawn" } }
                @else { span.status.current { "current" } }
            }
            @if let Some(a) = advisory {
                dt { "Revision" } dd { (a.revision.number) " of " (a.revision.date) }
                @if a.known_exploited { dt { "Exploitation" } dd { span.status.affected { "known to be exploited" } } }
            }
            dt { "Current entry" } dd { a href={ "/entries/" (current.seq) } { "#" (current.seq) } }
            dt { "JSON" } dd { a href={ "/api/v1/advisories/" (view.id) } type="application/json" { "/api/v1/advisories/" (view.id) } }
        }
        @if let Some(a) = advisory {
            section aria-labelledby="cves-heading" {
                h2 #cves-heading { "Vulnerabilities" }
                (cve_table(&a.vulnerabilities))
            }
        }
        section aria-labelledby="statements-heading" {
            h2 #statements-heading { "Affected and fixed versions" }
            @if current.affected.is_empty() {
                p { "No product statements in the current revision." }
            } @else {
                (statement_table(&current.affected))
            }
        }
        @if let Some(a) = advisory {
            @if !a.mitigations.is_empty() {
                section aria-labelledby="mitigations-heading" {
                    h2 #mitigations-heading { "Mitigations" }
                    ul { @for m in &a.mitigations { li { (m) } } }
                }
            }
            @if !a.references.is_empty() {
                section aria-labelledby="references-heading" {
                    h2 #references-heading { "References" }
                    ul { @for r in &a.references {
                        li { a href=(r.url) rel="noreferrer" { (r.summary.as_deref().unwrap_or(&r.url)) } }
                    } }
                }
            }
        }
        section aria-labelledby="history-heading" {
            h2 #history-heading { "Revision history" }
            table.data #revisions {
                thead { tr {
                    th scope="col" { "Revision" }
                    th scope="col" { "Date" }
                    th scope="col" { "Summary" }
                    th scope="col" { "What changed" }
                    th scope="col" { "Entry" }
                } }
                tbody {
                    @for (index, revision) in view.revisions.iter().enumerate() {
                        @let doc = revisions.iter().find(|d| d.seq == revision.seq);
                        @let previous = index.checked_sub(1)
                            .and_then(|i| view.revisions.get(i))
                            .and_then(|r| revisions.iter().find(|d| d.seq == r.seq));
                        tr {
                            th scope="row" {
                                (revision.number)
                                @if revision.kind == EntryKind::Withdrawal { " " span.status.withdrawn { "withdrawal" } }
                            }
                            td.date { (revision.date) }
                            td { (revision.summary) }
                            td {
                                @match (previous, doc) {
                                    (Some(before), Some(after)) => {
                                        @let changes = super::diff::changes(before, after);
                                        @if changes.is_empty() { span.muted { "no change to the facts" } }
                                        @else { ul.changes { @for c in changes { li { (c) } } } }
                                    }
                                    _ => { span.muted { "initial publication" } }
                                }
                            }
                            td.num { a href={ "/entries/" (revision.seq) } { "#" (revision.seq) } }
                        }
                    }
                }
            }
        }
    };
    shell(&view.id, main)
}

/// The entry page: the entry's facts, its inclusion proof and its JSON.
pub fn entry_page(entry: &EntryDoc, size: u64) -> Markup {
    let seq = entry.seq;
    let main = html! {
        nav.crumbs aria-label="Breadcrumb" { a href="/" { "Overview" } " / Entries" }
        h1 { "Entry #" (seq) }
        p.lead { (entry_title(entry)) }
        ul.actions {
            li { a href={ "/api/v1/entries/" (seq) "/proof" } #proof-link { "Inclusion proof (tlog-proof)" } }
            li { a href={ "/api/v1/entries/" (seq) } type="application/json" #json-link { "Entry JSON" } }
            @if seq > 1 { li { a href={ "/entries/" (seq - 1) } rel="prev" { "← #" (seq - 1) } } }
            @if seq < size { li { a href={ "/entries/" (seq + 1) } rel="next" { "#" (seq + 1) " →" } } }
        }
        dl.facts #facts {
            dt { "Sequence number" } dd data-field="seq" { (seq) }
            dt { "Kind" } dd data-field="kind" { (entry.kind.as_str()) }
            dt { "Published" } dd data-field="published" { (entry.published) }
            @if let Some(superseded) = entry.supersedes {
                dt { "Supersedes" } dd data-field="supersedes" { a href={ "/entries/" (superseded) } { (superseded) } }
            }
            @if let Some(product) = &entry.product {
                dt { "Product" } dd data-field="product" { a href={ "/products/" (product) } { (product) } }
            }
            @if let Some(version) = &entry.fixed_version {
                dt { "Fixed version" } dd data-field="fixed_version" { (version) }
            }
            @if let Some(date) = &entry.release_date {
                dt { "Release date" } dd data-field="release_date" { (date) }
            }
            @if let Some(advisory) = &entry.advisory {
                dt { "Advisory" } dd data-field="advisory.id" { a href={ "/advisories/" (advisory.id) } { (advisory.id) } }
                dt { "Revision" } dd data-field="advisory.revision.number" { (advisory.revision.number) }
                dt { "Revision summary" } dd data-field="advisory.revision.summary" { (advisory.revision.summary) }
            }
            dt { "CVEs" } dd data-field="cves" {
                @if entry.cves.is_empty() { span.muted { "none" } }
                ul.inline { @for cve in &entry.cves { li { a href={ "/search?cve=" (cve) } { (cve) } } } }
            }
        }
        @if !entry.images.is_empty() {
            section aria-labelledby="images-heading" {
                h2 #images-heading { "Images" }
                @for image in &entry.images {
                    div.image data-image=(image.name) {
                        div { strong data-field="name" { (image.name) } " " span.muted { span data-field="size" { (image.size) } " bytes" } }
                        (digest("SHA-256", &image.sha256))
                        @if let Some(sha3) = &image.sha3_256 { (digest("SHA3-256", sha3)) }
                        @if let Some(sha512) = &image.sha512 { (digest("SHA-512", sha512)) }
                        @if let Some(url) = &image.url { div { a href=(url) rel="noreferrer" { "Download" } } }
                    }
                }
            }
        }
        @if !entry.affected.is_empty() {
            section aria-labelledby="statements-heading" {
                h2 #statements-heading { "Product statements" }
                (statement_table(&entry.affected))
            }
        }
        @if let Some(record) = &entry.product_record {
            section aria-labelledby="record-heading" {
                h2 #record-heading { "Product record" }
                dl.facts {
                    dt { "Name" } dd { (record.name) }
                    dt { "Device class" } dd { (record.device_class) }
                    dt { "Version scheme" } dd { (record.version_scheme) }
                    dt { "Lifecycle" } dd { (record.lifecycle.state.replace('_', " ")) }
                    @if !record.models.is_empty() { dt { "Models" } dd { (record.models.join(", ")) } }
                }
            }
        }
    };
    shell(&format!("Entry #{seq}"), main)
}
