//! `/search` (filter by device class, product, CVE id and version) and `/check` (is my version
//! affected?). Both are plain GET forms rendered on the server.

use std::collections::BTreeSet;

use fixlog_api::VersionStatusView;
use fixlog_formats::EntryDoc;
use fixlog_model::{Advisory, CveId, DeviceClass};
use maud::{Markup, html};
use serde::Deserialize;

use super::data::{LogState, ProductState};
use super::layout::{lifecycle_badge, shell, status_class, status_text};
use super::overview::check_form;
use crate::read;

/// The query of `/search`; empty fields count as absent.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    /// Device class id, e.g. `plc`.
    #[serde(default)]
    pub class: Option<String>,
    /// Product id.
    #[serde(default)]
    pub product: Option<String>,
    /// CVE id.
    #[serde(default)]
    pub cve: Option<String>,
    /// A version, evaluated in each product's own scheme.
    #[serde(default)]
    pub version: Option<String>,
}

pub fn given(field: &Option<String>) -> Option<&str> {
    field
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

/// The query of `/check`.
#[derive(Debug, Default, Deserialize)]
pub struct CheckQuery {
    /// Product id.
    #[serde(default)]
    pub product: Option<String>,
    /// Version in the product's scheme.
    #[serde(default)]
    pub version: Option<String>,
}

/// What the route found for a query besides the evaluated lines.
#[derive(Default)]
pub struct Found {
    /// Current advisories naming the queried CVE (when one was asked for).
    pub named: Vec<(EntryDoc, Advisory)>,
    /// Matching lines that were not evaluated (beyond the page's bound).
    pub more: usize,
}

/// The search page with its results; `state` holds the matching lines (up to the bound).
pub fn search_page(state: &LogState, query: &SearchQuery, found: &Found) -> Markup {
    let class = given(&query.class);
    let product = given(&query.product);
    let cve_text = given(&query.cve);
    let version = given(&query.version);
    let mut problems = Vec::new();
    if class.is_some_and(|class| class.parse::<DeviceClass>().is_err()) {
        problems.push("Unknown device class.".to_owned());
    }
    let cve = match cve_text.map(|text| text.to_ascii_uppercase().parse::<CveId>()) {
        Some(Ok(cve)) => Some(cve.to_string()),
        Some(Err(error)) => {
            problems.push(format!("Not a CVE id: {error}."));
            None
        }
        None => None,
    };
    // The route evaluated exactly the lines the class and product filters select.
    let products: Vec<&ProductState> = state.products.iter().collect();
    let main = html! {
        h1 { "Search the log" }
        form.box.search action="/search" method="get" role="search" aria-label="Filter the log" {
            div.fields.grid {
                label for="f-class" { "Device class" }
                select #f-class name="class" {
                    option value="" { "any" }
                    @for c in DeviceClass::ALL {
                        option value=(c.as_str()) selected[class == Some(c.as_str())] { (c.label()) }
                    }
                }
                label for="f-product" { "Product" }
                select #f-product name="product" {
                    option value="" { "any" }
                    @for p in &state.lines {
                        option value=(p.id) selected[product == Some(p.id.as_str())] { (p.name) }
                    }
                }
                label for="f-cve" { "CVE id" }
                input #f-cve name="cve" type="text" value=[cve_text] placeholder="CVE-2026-51077" autocomplete="off";
                label for="f-version" { "Version" }
                input #f-version name="version" type="text" value=[version] placeholder="e.g. V3.2.0" autocomplete="off";
            }
            button type="submit" { "Search" }
        }
        @for problem in &problems { p.banner.error role="alert" { (problem) } }
        @if found.more > 0 {
            p.banner #search-more role="status" {
                (found.more) " more product lines match than this page evaluates; narrow the search by device class or product."
            }
        }
        @if let Some(cve) = &cve {
            (cve_results(&found.named, &products, cve))
        } @else if let Some(version) = version {
            (version_results(&products, version))
        } @else {
            (product_results(&products))
        }
    };
    shell("Search", main)
}

fn cve_results(
    advisories: &[(EntryDoc, Advisory)],
    products: &[&ProductState],
    cve: &str,
) -> Markup {
    let details = advisories
        .iter()
        .filter(|(_, a)| !a.withdrawn)
        .chain(advisories.iter())
        .find_map(|(entry, _)| {
            entry
                .advisory
                .as_ref()
                .and_then(|a| a.vulnerabilities.iter().find(|v| v.id == cve))
        });
    let mut affected = Vec::new();
    let mut others = Vec::new();
    for product in products {
        let rows = product.cve_rows(cve);
        if rows.is_empty() {
            continue;
        }
        if rows.iter().any(|(_, row)| row.status == "known_affected") {
            affected.push((product, rows));
        } else {
            others.push((product, rows));
        }
    }
    html! {
        section #cve-result aria-labelledby="cve-heading" {
            h2 #cve-heading { (cve) }
            @if let Some(details) = details {
                p.lead {
                    (details.title.as_deref().unwrap_or(""))
                    @if let Some(cvss) = &details.cvss_v31 {
                        " " span class={ "score sev-" (cvss.severity) } { "CVSS " (format!("{:.1}", cvss.score)) " " (cvss.severity) }
                    }
                }
            }
            @if advisories.is_empty() {
                p { "No advisory in the log names " (cve) "." }
            } @else {
                p { "Named by: "
                    @for (i, (_, a)) in advisories.iter().enumerate() {
                        @if i > 0 { ", " }
                        a href={ "/advisories/" (a.id) } { (a.id) }
                        @if a.withdrawn { " " span.status.withdrawn { "withdrawn" } }
                    }
                }
            }
            h3 { "Affected products" }
            @if affected.is_empty() {
                p #affected-products-none { "No released version of any product is affected." }
            } @else {
                table.data #affected-products {
                    thead { tr {
                        th scope="col" { "Product" }
                        th scope="col" { "Affected versions" }
                        th scope="col" { "Fixed versions" }
                        th scope="col" { "Fix" }
                    } }
                    tbody {
                        @for (product, rows) in &affected {
                            @let affected_versions: Vec<&str> = rows.iter().filter(|(_, r)| r.status == "known_affected").map(|(rel, _)| rel.status.version.as_str()).collect();
                            @let fixed_versions: Vec<&str> = rows.iter().filter(|(_, r)| r.status == "fixed").map(|(rel, _)| rel.status.version.as_str()).collect();
                            @let fixed_in: BTreeSet<&str> = rows.iter().filter_map(|(_, r)| r.fixed_in.as_deref()).collect();
                            @let no_fix = rows.iter().any(|(_, r)| r.no_fix_planned);
                            tr data-product=(product.product.id) {
                                th scope="row" { a href={ "/products/" (product.product.id) } { (product.product.name) } " " span.muted { code { (product.product.id) } } }
                                td { span.vlist { (affected_versions.join(", ")) } }
                                td { @if fixed_versions.is_empty() { span.muted { "none released" } } @else { span.vlist { (fixed_versions.join(", ")) } } }
                                td {
                                    @if !fixed_in.is_empty() { "fixed in " (fixed_in.into_iter().collect::<Vec<_>>().join(", ")) }
                                    @if no_fix { " " span.status.nofix { "no fix planned for some versions" } }
                                }
                            }
                        }
                    }
                }
            }
            @if !others.is_empty() {
                h3 { "Other statements" }
                table.data #other-products {
                    thead { tr { th scope="col" { "Product" } th scope="col" { "Versions and status" } } }
                    tbody {
                        @for (product, rows) in &others {
                            tr data-product=(product.product.id) {
                                th scope="row" { a href={ "/products/" (product.product.id) } { (product.product.name) } }
                                td { ul.statuses.wrap { @for (release, row) in rows {
                                    li { span class=(status_class(row)) { (release.status.version) ": " (status_text(row)) } }
                                } } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn version_results(products: &[&ProductState], version: &str) -> Markup {
    let mut views: Vec<(&ProductState, VersionStatusView)> = Vec::new();
    for product in products {
        if let Ok(parsed) = product.product.version_scheme.parse(version) {
            let released = product.releases.iter().any(|r| r.version == parsed);
            let view = read::compute_version_status(
                &product.product,
                &parsed,
                &product.advisories,
                released,
            );
            views.push((product, view));
        }
    }
    html! {
        section #version-result aria-labelledby="version-heading" {
            h2 #version-heading { "Version " (version) }
            @if views.is_empty() {
                p { "No product of this selection writes versions like " (version) "." }
            }
            @for (product, view) in &views {
                (status_table(product, view))
            }
        }
    }
}

fn product_results(products: &[&ProductState]) -> Markup {
    html! {
        section aria-labelledby="products-heading" {
            h2 #products-heading { "Products" }
            ul.results {
                @for product in products {
                    li data-product=(product.product.id) {
                        a href={ "/products/" (product.product.id) } { (product.product.name) }
                        " " (lifecycle_badge(product.product.lifecycle.state))
                        " " span.muted { (product.product.device_class.label()) " · " (product.releases.len()) " releases · " (product.open_cves().len()) " open CVEs" }
                    }
                }
            }
        }
    }
}

/// One version's statuses as a table.
pub fn status_table(product: &ProductState, view: &VersionStatusView) -> Markup {
    let affected = view
        .cves
        .iter()
        .filter(|r| r.status == "known_affected")
        .count();
    html! {
        div.result data-product=(view.product) data-version=(view.version) {
            h3 { a href={ "/products/" (view.product) } { (product.product.name) } " " (view.version) }
            p.verdict {
                @if affected > 0 {
                    span.status.affected { "Affected by " (affected) " CVE" @if affected != 1 { "s" } }
                } @else if view.cves.is_empty() {
                    span.status.gap { "No advisory states anything about this version" }
                } @else {
                    span.status.fixed { "Not affected by any known CVE" }
                }
                " "
                @if view.released { span.muted { "Published release." } }
                @else { span.muted { "Not a published release of this product; evaluated by version order." } }
            }
            @if !view.cves.is_empty() {
                table.data.statuses-table {
                    thead { tr {
                        th scope="col" { "CVE" }
                        th scope="col" { "Status" }
                        th scope="col" { "Fixed in" }
                        th scope="col" { "Advisories" }
                    } }
                    tbody {
                        @for row in &view.cves {
                            tr data-cve=(row.cve) data-status=(row.status) data-no-fix-planned=(row.no_fix_planned) {
                                th scope="row" { a href={ "/search?cve=" (row.cve) } { (row.cve) } }
                                td { (status_badge_plain(row)) }
                                td { (row.fixed_in.as_deref().unwrap_or("—")) }
                                td { @for (i, id) in row.advisories.iter().enumerate() {
                                    @if i > 0 { ", " } a href={ "/advisories/" (id) } { (id) }
                                } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn status_badge_plain(row: &fixlog_api::CveStatus) -> Markup {
    html! { span class=(status_class(row)) { (status_text(row)) } }
}

/// The check page: the form and, when asked, the status of one version via the API's own view.
pub fn check_page(
    state: &LogState,
    query: &CheckQuery,
    outcome: Option<Result<VersionStatusView, String>>,
) -> Markup {
    let product = given(&query.product);
    let version = given(&query.version);
    let main = html! {
        h1 { "Version check" }
        div.tools { (check_form(state, product, version)) }
        @match &outcome {
            Some(Ok(view)) => {
                @if let Some(product) = state.product(&view.product) {
                    section #check-result aria-live="polite" { (status_table(product, view)) }
                    p { a href={ "/api/v1/products/" (view.product) "/versions/" (percent(&view.version)) } type="application/json" { "The same answer as JSON" } }
                }
            }
            Some(Err(message)) => { p.banner.error #check-result role="alert" { (message) } }
            None => {}
        }
    };
    shell("Is my version affected?", main)
}

/// Percent-encodes a path segment.
pub fn percent(segment: &str) -> String {
    let mut out = String::new();
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
