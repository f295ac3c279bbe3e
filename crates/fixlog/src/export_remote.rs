//! `fixlog export csaf|osv|cyclonedx --server URL`: the exporters' input read from any fixlog
//! server's public JSON API instead of its database, so an integrator can render the same
//! files without access to the publisher's storage.
//!
//! The API already serves everything [`ExportInput`] holds: the current product records
//! (`GET /api/v1/products`), each product's live releases (`/products/{id}/firmware`), the
//! advisories with the sequence numbers of all their revisions (`/advisories`,
//! `/advisories/{id}`) and each revision's entry (`/entries/{seq}`). Nothing else is fetched.

use std::collections::BTreeMap;

use fixlog_api::{AdvisoryList, AdvisoryView, FirmwareList, ProductList};
use fixlog_csaf::export::{AdvisoryHistory, LoggedRevision};
use fixlog_formats::EntryDoc;
use fixlog_formats::convert::{advisory_from_doc, image_from_doc, parse_field, product_from_doc};
use fixlog_model::{CveId, Release, parse_date};
use fixlog_server::routes::csaf::ExportInput;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Failure;

async fn get<T: DeserializeOwned>(
    client: &reqwest::Client,
    base: &str,
    path: &str,
) -> Result<T, Failure> {
    let url = format!("{base}{path}");
    let response = client
        .get(&url)
        .send()
        .await
        .map_err(|e| Failure::operational(format!("{url}: {e}")))?;
    if !response.status().is_success() {
        return Err(Failure::operational(format!(
            "{url}: HTTP {}",
            response.status()
        )));
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|e| Failure::operational(format!("{url}: {e}")))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Failure::operational(format!("{url}: unexpected answer: {e}")))
}

fn invalid(url: &str, error: impl std::fmt::Display) -> Failure {
    Failure::operational(format!("{url}: invalid data: {error}"))
}

/// Reads products, live releases and every advisory's history from the server at `base`.
pub async fn export_input(client: &reqwest::Client, base: &str) -> Result<ExportInput, Failure> {
    let base = base.trim_end_matches('/');
    let list: ProductList = get(client, base, "/api/v1/products").await?;
    let mut products = BTreeMap::new();
    let mut releases = BTreeMap::new();
    for view in &list.products {
        let product = product_from_doc(&view.product)
            .map_err(|e| invalid(&format!("{base}/api/v1/products"), e))?;
        let path = format!("/api/v1/products/{}/firmware", product.id.as_str());
        let firmware: FirmwareList = get(client, base, &path).await?;
        let url = format!("{base}{path}");
        let mut live = Vec::new();
        for release in &firmware.releases {
            live.push(Release {
                product: product.id.clone(),
                version: product
                    .version_scheme
                    .parse(&release.version)
                    .map_err(|e| invalid(&url, e))?,
                release_date: parse_date(&release.release_date).map_err(|e| invalid(&url, e))?,
                images: release
                    .images
                    .iter()
                    .map(image_from_doc)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| invalid(&url, e))?,
                fixes: release
                    .fixes
                    .iter()
                    .map(|c| parse_field::<CveId>("/fixes", c))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| invalid(&url, e))?,
            });
        }
        releases.insert(product.id.clone(), live);
        products.insert(product.id.clone(), product);
    }
    let advisories: AdvisoryList = get(client, base, "/api/v1/advisories").await?;
    let mut histories = Vec::new();
    for summary in &advisories.advisories {
        let view: AdvisoryView =
            get(client, base, &format!("/api/v1/advisories/{}", summary.id)).await?;
        let mut revisions = Vec::new();
        for revision in &view.revisions {
            let path = format!("/api/v1/entries/{}", revision.seq);
            let url = format!("{base}{path}");
            let doc: EntryDoc = get(client, base, &path).await?;
            let Some(advisory) = &doc.advisory else {
                return Err(invalid(&url, "an advisory revision without an advisory"));
            };
            let advisory = advisory_from_doc(advisory, &doc.affected, &|id| {
                products
                    .get(id)
                    .map(|p: &fixlog_model::Product| p.version_scheme)
            })
            .map_err(|e| invalid(&url, e))?;
            revisions.push(LoggedRevision {
                seq: doc.seq,
                published: OffsetDateTime::parse(&doc.published, &Rfc3339)
                    .map_err(|e| invalid(&url, e))?,
                advisory,
            });
        }
        if !revisions.is_empty() {
            histories.push(AdvisoryHistory { revisions });
        }
    }
    Ok(ExportInput {
        products,
        releases,
        histories,
    })
}
