//! What the pages show, derived from the log with the read side's own functions.
//!
//! [`LogState::load_lines`] evaluates every live release of the given product lines with
//! [`read::compute_version_status`], the function behind
//! `GET /api/v1/products/{product}/versions/{version}`, so a status on a page is the status the
//! API reports for the same version.

use std::collections::{BTreeMap, BTreeSet};

use fixlog_api::{CveStatus, VersionStatusView};
use fixlog_formats::EntryDoc;
use fixlog_model::{Advisory, LifecycleState, Product, ProductId, Version};
use fixlog_store::Store;
use time::{Date, OffsetDateTime};

use crate::error::ApiError;
use crate::read::{self, Catalog};

/// One live release of a product with the CVE status of its version.
pub struct ReleaseState {
    /// The parsed version (orders releases).
    pub version: Version,
    /// The release entry.
    pub entry: EntryDoc,
    /// The per-CVE status of the version, as the API reports it.
    pub status: VersionStatusView,
}

/// A product line with its releases (newest version first) and the advisories naming it.
pub struct ProductState {
    /// Sequence number of the entry that set the current product record.
    pub seq: u64,
    /// The current product record.
    pub product: Product,
    /// Live releases, newest version first.
    pub releases: Vec<ReleaseState>,
    /// Current revision of every advisory that names the product.
    pub advisories: Vec<(EntryDoc, Advisory)>,
    /// Publication date of the latest release or advisory entry concerning the product.
    pub last_security_entry: Option<Date>,
}

/// A CVE that is not fixed for a product.
pub struct OpenCve {
    /// The CVE id.
    pub cve: String,
    /// Released versions the CVE affects, newest first.
    pub affected_versions: Vec<String>,
    /// Whether a statement says no fix is planned.
    pub no_fix_planned: bool,
    /// Advisories stating it.
    pub advisories: Vec<String>,
}

impl ProductState {
    /// Whether the product line still gets fixes as a matter of course.
    pub fn is_supported(&self) -> bool {
        matches!(
            self.product.lifecycle.state,
            LifecycleState::Active | LifecycleState::MainstreamSupport
        )
    }

    /// CVEs for which the newest release is affected, or which affect a release while no release
    /// of the product has them fixed.
    pub fn open_cves(&self) -> Vec<OpenCve> {
        let mut affected: BTreeMap<&str, (Vec<String>, bool, BTreeSet<&str>)> = BTreeMap::new();
        let mut fixed: BTreeSet<&str> = BTreeSet::new();
        for release in &self.releases {
            for row in &release.status.cves {
                match row.status.as_str() {
                    "known_affected" => {
                        let slot = affected.entry(&row.cve).or_default();
                        slot.0.push(release.status.version.clone());
                        slot.1 |= row.no_fix_planned;
                        slot.2.extend(row.advisories.iter().map(String::as_str));
                    }
                    "fixed" => {
                        fixed.insert(&row.cve);
                    }
                    _ => {}
                }
            }
        }
        let newest_affected: BTreeSet<&str> = self
            .releases
            .first()
            .map(|newest| {
                newest
                    .status
                    .cves
                    .iter()
                    .filter(|row| row.status == "known_affected")
                    .map(|row| row.cve.as_str())
                    .collect()
            })
            .unwrap_or_default();
        affected
            .into_iter()
            .filter(|(cve, _)| newest_affected.contains(cve) || !fixed.contains(cve))
            .map(|(cve, (versions, no_fix_planned, advisories))| OpenCve {
                cve: cve.to_owned(),
                affected_versions: versions,
                no_fix_planned,
                advisories: advisories.into_iter().map(str::to_owned).collect(),
            })
            .collect()
    }

    /// The status rows of every release for one CVE, newest version first.
    pub fn cve_rows<'s>(&'s self, cve: &str) -> Vec<(&'s ReleaseState, &'s CveStatus)> {
        self.releases
            .iter()
            .filter_map(|release| {
                release
                    .status
                    .cves
                    .iter()
                    .find(|row| row.cve == cve)
                    .map(|row| (release, row))
            })
            .collect()
    }

    /// Days since the latest release or advisory entry concerning the product.
    pub fn days_quiet(&self, today: Date) -> Option<i64> {
        self.last_security_entry
            .map(|date| (today - date).whole_days())
    }
}

/// Everything the overview, search and coverage panels show.
pub struct LogState {
    /// Every product line of the catalog, by id (the record only: for the forms' choices).
    pub lines: Vec<Product>,
    /// The evaluated product lines (those asked for, see [`Self::load_within`]).
    pub products: Vec<ProductState>,
    /// Current revision of every advisory.
    pub advisories: Vec<(EntryDoc, Advisory)>,
}

impl LogState {
    /// The state of the given lines only (in the given order), with the current advisories
    /// naming them: O(entries of those lines), independent of the log's size.
    pub async fn load_lines(
        store: &dyn Store,
        catalog: &Catalog,
        ids: &[ProductId],
    ) -> Result<Self, ApiError> {
        Self::load_within(store, catalog, ids, usize::MAX).await
    }

    /// Like [`Self::load_lines`], but stops after the line with which the evaluated releases
    /// reach `releases`: a page that shows many lines costs a bounded amount however long
    /// each line has grown.
    pub async fn load_within(
        store: &dyn Store,
        catalog: &Catalog,
        ids: &[ProductId],
        releases: usize,
    ) -> Result<Self, ApiError> {
        let mut products = Vec::new();
        let mut advisories: BTreeMap<String, (EntryDoc, Advisory)> = BTreeMap::new();
        let mut evaluated = 0usize;
        for id in ids {
            if evaluated >= releases {
                break;
            }
            let Some((seq, product)) = catalog.product_entry(id) else {
                continue;
            };
            let state = product_state(store, catalog, seq, product).await?;
            evaluated += state.releases.len();
            for (entry, advisory) in &state.advisories {
                advisories
                    .entry(advisory.id.to_string())
                    .or_insert_with(|| (entry.clone(), advisory.clone()));
            }
            products.push(state);
        }
        Ok(Self {
            lines: catalog.products().map(|(_, p)| p.clone()).collect(),
            products,
            advisories: advisories.into_values().collect(),
        })
    }

    /// A product by id.
    pub fn product(&self, id: &str) -> Option<&ProductState> {
        self.products
            .iter()
            .find(|state| state.product.id.as_str() == id)
    }
}

/// One line's live releases, each evaluated with [`read::compute_version_status`], and the
/// current advisories naming it.
async fn product_state(
    store: &dyn Store,
    catalog: &Catalog,
    seq: u64,
    product: &Product,
) -> Result<ProductState, ApiError> {
    let advisories = catalog.current_advisories(store, Some(&product.id)).await?;
    let releases = catalog.releases(store, product).await?;
    let mut last = None::<OffsetDateTime>;
    let mut states = Vec::with_capacity(releases.len());
    for (version, entry) in releases {
        let status = read::compute_version_status(product, &version, &advisories, true);
        last = last.max(published(&entry));
        states.push(ReleaseState {
            version,
            entry,
            status,
        });
    }
    for (entry, _) in &advisories {
        last = last.max(published(entry));
    }
    Ok(ProductState {
        seq,
        product: product.clone(),
        releases: states,
        advisories,
        last_security_entry: last.map(OffsetDateTime::date),
    })
}

/// An entry's publication time.
fn published(entry: &EntryDoc) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(
        &entry.published,
        &time::format_description::well_known::Rfc3339,
    )
    .ok()
}
