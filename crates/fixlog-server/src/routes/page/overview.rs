//! `GET /`: products by device class, open CVEs, the latest entries, the coverage panel and the
//! machine formats.

use fixlog_formats::{EntryDoc, EntryKind};
use fixlog_model::DeviceClass;
use maud::{Markup, html};
use time::Date;

use super::data::{LogState, ProductState};
use super::layout::{FORMATS, lifecycle_badge, shell, time};

/// What the overview shows besides the derived state.
pub struct Overview<'a> {
    /// Product lines in the log.
    pub lines: usize,
    /// Whether `state` holds only the recently active lines (a large log).
    pub truncated: bool,
    /// The derived state.
    pub state: &'a LogState,
    /// The newest entries, newest first.
    pub latest: &'a [EntryDoc],
    /// Entries in the log.
    pub size: u64,
    /// The log origin (checkpoint key name).
    pub origin: &'a str,
    /// Today, for the coverage gaps.
    pub today: Date,
    /// Days without a release or advisory entry after which a supported product is a gap.
    pub gap_days: u32,
}

/// A one-line description of an entry, e.g. `Release V3.2.0 of plc-x500`.
pub fn entry_title(entry: &EntryDoc) -> String {
    let product = entry.product.as_deref().unwrap_or("?");
    match entry.kind {
        EntryKind::Product => {
            let name = entry
                .product_record
                .as_ref()
                .map(|record| record.name.as_str())
                .unwrap_or(product);
            format!("Product record of {product} ({name})")
        }
        EntryKind::Release => format!(
            "Release {} of {product}",
            entry.fixed_version.as_deref().unwrap_or("?")
        ),
        EntryKind::Advisory | EntryKind::Withdrawal => {
            let (id, number, title) = entry
                .advisory
                .as_ref()
                .map(|a| (a.id.as_str(), a.revision.number.as_str(), a.title.as_str()))
                .unwrap_or(("?", "?", ""));
            if entry.kind == EntryKind::Withdrawal {
                format!("Withdrawal of {id} (revision {number}): {title}")
            } else {
                format!("Advisory {id} revision {number}: {title}")
            }
        }
    }
}

/// The overview page.
pub fn render(overview: &Overview<'_>) -> Markup {
    let state = overview.state;
    let main = html! {
        section.intro aria-labelledby="title" {
            h1 #title { "Firmware security update log" }
            p.lead {
                "Security fixes, affected versions and image digests of "
                strong { (overview.lines) " product lines" }
                ", published as an append-only, verifiable log."
            }
            dl.facts-inline {
                div { dt { "Log origin" } dd { code { (overview.origin) } } }
                div { dt { "Entries" } dd { (overview.size) } }
                @if overview.truncated {
                    div { dt { "Advisories" } dd { a href="/api/v1/advisories" { "list" } } }
                } @else {
                    div { dt { "Advisories" } dd { (state.advisories.len()) } }
                }
                @if let Some(newest) = overview.latest.first() {
                    div { dt { "Latest entry" } dd { (time(&newest.published)) } }
                }
            }
        }
        div.tools {
            (check_form(state, None, None))
            (search_box())
        }
        section aria-labelledby="products-heading" {
            h2 #products-heading { "Products by device class" }
            @if overview.truncated {
                p.hint {
                    "The " (state.products.len()) " of " (overview.lines)
                    " lines with the newest entries; every line has its own page, and "
                    a href="/api/v1/products" { "the product list" } " names all of them."
                }
            }
            (product_table(state))
        }
        section aria-labelledby="open-heading" {
            h2 #open-heading { "Open CVEs by product" }
            p.hint { "A CVE is open when the newest release is affected, or no release fixes it." }
            (open_cves(state))
        }
        section aria-labelledby="latest-heading" {
            h2 #latest-heading { "Latest entries" }
            (entry_table(overview.latest))
            p { a href="/feed.atom" { "All entries as an Atom feed" } }
        }
        (coverage(overview))
        section #formats aria-labelledby="formats-heading" {
            h2 #formats-heading { "Machine-readable formats" }
            ul.formats {
                @for (name, path, media_type) in FORMATS {
                    li { a href=(path) type=(media_type) { (name) } " " code { (path) } }
                }
            }
        }
    };
    shell("Overview", main)
}

fn product_table(state: &LogState) -> Markup {
    html! {
        table.data #products {
            thead { tr {
                th scope="col" { "Product" }
                th scope="col" { "Lifecycle" }
                th scope="col" { "Latest release" }
                th scope="col" { "Open CVEs" }
            } }
            @for class in DeviceClass::ALL {
                @let members: Vec<&ProductState> = state.products.iter()
                    .filter(|p| p.product.device_class == *class).collect();
                @if !members.is_empty() {
                    tbody data-class=(class.as_str()) {
                        tr.group { th scope="colgroup" colspan="4" { (class.label()) } }
                        @for member in members { (product_row(member)) }
                    }
                }
            }
        }
    }
}

fn product_row(member: &ProductState) -> Markup {
    let open = member.open_cves().len();
    html! {
        tr data-product=(member.product.id) {
            th scope="row" {
                a href={ "/products/" (member.product.id) } { (member.product.name) }
                " " span.muted { code { (member.product.id) } }
            }
            td { (lifecycle_badge(member.product.lifecycle.state)) }
            td {
                @if let Some(newest) = member.releases.first() {
                    (newest.status.version) " "
                    span.muted { (newest.entry.release_date.as_deref().unwrap_or("")) }
                } @else {
                    span.muted { "none published" }
                }
            }
            td.num {
                @if open == 0 { span.status.fixed { "0 open" } }
                @else { span.status.affected { (open) " open" } }
            }
        }
    }
}

fn open_cves(state: &LogState) -> Markup {
    let rows: Vec<_> = state
        .products
        .iter()
        .map(|product| (product, product.open_cves()))
        .filter(|(_, open)| !open.is_empty())
        .collect();
    html! {
        @if rows.is_empty() {
            p { "No open CVEs." }
        } @else {
            table.data #open-cves {
                thead { tr {
                    th scope="col" { "Product" }
                    th scope="col" { "CVE" }
                    th scope="col" { "Affected released versions" }
                    th scope="col" { "Advisories" }
                } }
                tbody {
                    @for (product, open) in &rows {
                        @for (index, cve) in open.iter().enumerate() {
                            tr data-product=(product.product.id) data-cve=(cve.cve) {
                                @if index == 0 {
                                    th scope="rowgroup" rowspan=(open.len()) {
                                        a href={ "/products/" (product.product.id) } { (product.product.name) }
                                    }
                                }
                                td {
                                    a href={ "/search?cve=" (cve.cve) } { (cve.cve) }
                                    @if cve.no_fix_planned { " " span.status.nofix { "no fix planned" } }
                                }
                                td { (cve.affected_versions.join(", ")) }
                                td {
                                    @for (i, id) in cve.advisories.iter().enumerate() {
                                        @if i > 0 { ", " }
                                        a href={ "/advisories/" (id) } { (id) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A table of entries: sequence number, published time, kind, what it says.
pub fn entry_table(entries: &[EntryDoc]) -> Markup {
    html! {
        table.data.entries {
            thead { tr {
                th scope="col" { "#" }
                th scope="col" { "Published" }
                th scope="col" { "Kind" }
                th scope="col" { "Entry" }
            } }
            tbody {
                @for entry in entries {
                    tr {
                        td.num { a href={ "/entries/" (entry.seq) } { (entry.seq) } }
                        td { (time(&entry.published)) }
                        td { span class={ "kind kind-" (entry.kind.as_str()) } { (entry.kind.as_str()) } }
                        td { a href={ "/entries/" (entry.seq) } { (entry_title(entry)) } }
                    }
                }
            }
        }
    }
}

fn coverage(overview: &Overview<'_>) -> Markup {
    let supported: Vec<&ProductState> = overview
        .state
        .products
        .iter()
        .filter(|p| p.is_supported())
        .collect();
    html! {
        section #coverage aria-labelledby="coverage-heading" {
            h2 #coverage-heading { "Coverage" }
            p.hint {
                "Every product line that is active or in mainstream support, each released version with its CVE coverage. "
                "A version no advisory speaks about, or a line without a release or advisory entry for more than "
                (overview.gap_days) " days, is marked as a gap."
            }
            @for product in supported {
                @let quiet = product.days_quiet(overview.today);
                @let stale = quiet.is_none_or(|days| days > i64::from(overview.gap_days));
                div.coverage data-product=(product.product.id) {
                    h3 {
                        a href={ "/products/" (product.product.id) } { (product.product.name) }
                        " " (lifecycle_badge(product.product.lifecycle.state))
                    }
                    p {
                        @match quiet {
                            Some(days) => { "Last release or advisory entry " (days) " days ago." }
                            None => { "No release or advisory entry yet." }
                        }
                        @if stale { " " span.status.gap { "gap: no entry for more than " (overview.gap_days) " days" } }
                    }
                    ul.versions {
                        @for release in &product.releases {
                            @let counts = Counts::of(&release.status);
                            li class=(if counts.total() == 0 { "gap" } else { "covered" }) {
                                span.version { (release.status.version) }
                                @if counts.total() == 0 {
                                    span.status.gap { "gap: no CVE status" }
                                } @else {
                                    span.counts { (counts.describe()) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Status counts of one version.
struct Counts {
    affected: usize,
    fixed: usize,
    not_affected: usize,
    investigating: usize,
}

impl Counts {
    fn of(view: &fixlog_api::VersionStatusView) -> Self {
        let count = |status: &str| view.cves.iter().filter(|r| r.status == status).count();
        Self {
            affected: count("known_affected"),
            fixed: count("fixed"),
            not_affected: count("known_not_affected"),
            investigating: count("under_investigation"),
        }
    }

    fn total(&self) -> usize {
        self.affected + self.fixed + self.not_affected + self.investigating
    }

    fn describe(&self) -> String {
        let parts = [
            (self.affected, "affected"),
            (self.fixed, "fixed"),
            (self.not_affected, "not affected"),
            (self.investigating, "under investigation"),
        ];
        parts
            .iter()
            .filter(|(count, _)| *count > 0)
            .map(|(count, label)| format!("{count} {label}"))
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// The "is my version affected?" form.
pub fn check_form(state: &LogState, product: Option<&str>, version: Option<&str>) -> Markup {
    html! {
        form.box action="/check" method="get" role="search" aria-labelledby="check-heading" {
            h2 #check-heading { "Is my version affected?" }
            div.fields {
                label for="check-product" { "Product" }
                select #check-product name="product" required {
                    @for p in &state.lines {
                        option value=(p.id) selected[product == Some(p.id.as_str())] {
                            (p.name) " (" (p.id) ")"
                        }
                    }
                }
                label for="check-version" { "Firmware version" }
                input #check-version name="version" type="text" required
                    placeholder="e.g. 1.4 SP1 HF1" value=[version] autocomplete="off";
            }
            button type="submit" { "Check" }
        }
    }
}

/// The CVE search box.
pub fn search_box() -> Markup {
    html! {
        form.box action="/search" method="get" role="search" aria-labelledby="search-heading" {
            h2 #search-heading { "Find a CVE" }
            div.fields {
                label for="search-cve" { "CVE id" }
                input #search-cve name="cve" type="text" placeholder="CVE-2026-51077"
                    pattern="[Cc][Vv][Ee]-[0-9]{4}-[0-9]{4,}" autocomplete="off";
            }
            button type="submit" { "Search" }
            p.hint { a href="/search" { "More filters: product, version, device class" } }
        }
    }
}
