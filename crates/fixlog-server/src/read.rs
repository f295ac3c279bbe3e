//! The read side: current state derived from the log's entries.
//!
//! Nothing here is stored separately: products, releases, advisories and version statuses are
//! computed from entry documents fetched through the store's indexes.

use std::collections::{BTreeMap, BTreeSet};

use fixlog_api::{
    AdvisoryList, AdvisorySummary, AdvisoryView, CveStatus, DigestMatch, DigestMatches,
    FirmwareList, ProductList, ProductView, ReleaseView, RevisionView, VersionStatusView,
};
use fixlog_formats::convert::{advisory_from_doc, product_from_doc, product_to_doc};
use fixlog_formats::{EntryDoc, EntryKind};
use fixlog_model::{
    Advisory, AdvisoryId, CveId, Product, ProductId, Status, Version, VersionScheme, version_status,
};
use fixlog_store::{EntryQuery, Store, StoredEntry};

use crate::error::ApiError;
use crate::log::Log;

/// Parses a stored entry's bytes.
pub fn entry_doc(entry: &StoredEntry) -> Result<EntryDoc, ApiError> {
    EntryDoc::from_bytes(&entry.body).map_err(|error| ApiError::Internal {
        cause: format!("entry {} does not parse: {error}", entry.seq),
    })
}

fn corrupt(seq: u64, error: impl std::fmt::Display) -> ApiError {
    ApiError::Internal {
        cause: format!("entry {seq} holds invalid data: {error}"),
    }
}

/// The current product records, with the entry that set each.
#[derive(Clone, Default)]
pub struct Catalog {
    products: BTreeMap<ProductId, (u64, Product)>,
}

impl Catalog {
    /// Loads every product's latest record.
    pub async fn load(store: &dyn Store) -> Result<Self, ApiError> {
        let mut products = BTreeMap::new();
        for stored in store.products().await? {
            let doc = entry_doc(&stored)?;
            let record = doc
                .product_record
                .ok_or_else(|| corrupt(stored.seq, "no product record"))?;
            let product = product_from_doc(&record).map_err(|e| corrupt(stored.seq, e))?;
            products.insert(product.id.clone(), (stored.seq, product));
        }
        Ok(Self { products })
    }

    /// Applies a product entry (entries must come in sequence order: the latest record wins).
    fn apply(&mut self, stored: &StoredEntry) -> Result<(), ApiError> {
        let doc = entry_doc(stored)?;
        let record = doc
            .product_record
            .ok_or_else(|| corrupt(stored.seq, "no product record"))?;
        let product = product_from_doc(&record).map_err(|e| corrupt(stored.seq, e))?;
        self.products
            .insert(product.id.clone(), (stored.seq, product));
        Ok(())
    }

    /// A product by id.
    pub fn product(&self, id: &ProductId) -> Option<&Product> {
        self.products.get(id).map(|(_, product)| product)
    }

    /// A product by id with the sequence number of the entry that set it.
    pub fn product_entry(&self, id: &ProductId) -> Option<(u64, &Product)> {
        self.products.get(id).map(|(seq, product)| (*seq, product))
    }

    /// Every product, by id.
    pub fn products(&self) -> impl Iterator<Item = (u64, &Product)> {
        self.products.values().map(|(seq, product)| (*seq, product))
    }

    /// A product's version scheme.
    pub fn scheme(&self, id: &ProductId) -> Option<VersionScheme> {
        self.product(id).map(|product| product.version_scheme)
    }

    /// Parses an advisory entry into the model.
    pub fn advisory(&self, doc: &EntryDoc) -> Result<Advisory, ApiError> {
        let advisory = doc
            .advisory
            .as_ref()
            .ok_or_else(|| corrupt(doc.seq, "no advisory"))?;
        advisory_from_doc(advisory, &doc.affected, &|id| self.scheme(id))
            .map_err(|e| corrupt(doc.seq, e))
    }

    /// The current revision of every advisory that ever named `product` (all when `None`).
    pub async fn current_advisories(
        &self,
        store: &dyn Store,
        product: Option<&ProductId>,
    ) -> Result<Vec<(EntryDoc, Advisory)>, ApiError> {
        let mut out = Vec::new();
        for stored in store
            .current_advisories(product.map(ProductId::as_str))
            .await?
        {
            let doc = entry_doc(&stored)?;
            let advisory = self.advisory(&doc)?;
            out.push((doc, advisory));
        }
        Ok(out)
    }

    /// A release entry by sequence number, if it is one.
    pub async fn release_entry(
        &self,
        store: &dyn Store,
        seq: u64,
    ) -> Result<Option<EntryDoc>, ApiError> {
        match store.entry(seq).await? {
            Some(stored) if stored.kind == "release" => Ok(Some(entry_doc(&stored)?)),
            _ => Ok(None),
        }
    }

    /// Live releases of a product as (version, entry), newest version first.
    pub async fn releases(
        &self,
        store: &dyn Store,
        product: &Product,
    ) -> Result<Vec<(Version, EntryDoc)>, ApiError> {
        let mut releases = Vec::new();
        for stored in store.releases(product.id.as_str()).await? {
            let doc = entry_doc(&stored)?;
            let text = doc
                .fixed_version
                .as_deref()
                .ok_or_else(|| corrupt(doc.seq, "release without version"))?;
            let version = product
                .version_scheme
                .parse(text)
                .map_err(|e| corrupt(doc.seq, e))?;
            releases.push((version, doc));
        }
        releases.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.seq.cmp(&a.1.seq)));
        Ok(releases)
    }
}

/// The catalog kept current incrementally, in memory (O(products)): before each use it reads
/// the product entries after the last one it applied (index `entries_by_kind`, O(log n) when
/// there are none), so the catalog is always the one the entries define, and a replica on a
/// shared PostgreSQL sees the records the others appended.
#[derive(Default)]
pub struct CatalogCache {
    state: tokio::sync::Mutex<(u64, std::sync::Arc<Catalog>)>,
}

impl CatalogCache {
    /// Product entries read per query while catching up.
    const PAGE: u32 = 1000;

    /// The catalog as of the store's latest committed product entry.
    pub async fn current(&self, store: &dyn Store) -> Result<std::sync::Arc<Catalog>, ApiError> {
        let mut state = self.state.lock().await;
        loop {
            let page = store
                .entries(&EntryQuery {
                    after: state.0,
                    limit: Self::PAGE,
                    product: None,
                    cve: None,
                    kind: Some("product".to_owned()),
                })
                .await?;
            let Some(last) = page.last().map(|stored| stored.seq) else {
                break;
            };
            let catalog = std::sync::Arc::make_mut(&mut state.1);
            for stored in &page {
                catalog.apply(stored)?;
            }
            state.0 = last;
            if page.len() < Self::PAGE as usize {
                break;
            }
        }
        Ok(std::sync::Arc::clone(&state.1))
    }
}

/// Parses a product id from a path segment (404 when it cannot name a product).
pub fn product_from_path<'c>(catalog: &'c Catalog, id: &str) -> Result<&'c Product, ApiError> {
    let not_found = || ApiError::NotFound {
        detail: format!("no product {id}"),
        field: None,
    };
    let id: ProductId = id.parse().map_err(|_| not_found())?;
    catalog.product(&id).ok_or_else(not_found)
}

/// `GET /api/v1/products`.
pub async fn product_list(log: &Log) -> Result<ProductList, ApiError> {
    let store = log.store().as_ref();
    let catalog = log.catalog().await?;
    let mut products = Vec::new();
    for (seq, product) in catalog.products() {
        let releases = store.releases(product.id.as_str()).await?.len() as u64;
        products.push(ProductView {
            product: product_to_doc(product),
            seq,
            releases,
        });
    }
    Ok(ProductList { products })
}

/// `GET /api/v1/products/{product}`.
pub async fn product_view(log: &Log, id: &str) -> Result<ProductView, ApiError> {
    let store = log.store().as_ref();
    let catalog = log.catalog().await?;
    let product = product_from_path(&catalog, id)?;
    let (seq, _) = catalog.product_entry(&product.id).expect("found above");
    let releases = store.releases(product.id.as_str()).await?.len() as u64;
    Ok(ProductView {
        product: product_to_doc(product),
        seq,
        releases,
    })
}

/// A release entry as a view.
pub fn release_view(doc: &EntryDoc) -> ReleaseView {
    ReleaseView {
        version: doc.fixed_version.clone().unwrap_or_default(),
        release_date: doc.release_date.clone().unwrap_or_default(),
        images: doc.images.clone(),
        fixes: doc.cves.clone(),
        seq: doc.seq,
        published: doc.published.clone(),
        supersedes: doc.supersedes,
    }
}

/// `GET /api/v1/products/{product}/firmware`.
pub async fn firmware_list(log: &Log, id: &str) -> Result<FirmwareList, ApiError> {
    let store = log.store().as_ref();
    let catalog = log.catalog().await?;
    let product = product_from_path(&catalog, id)?;
    let releases = catalog.releases(store, product).await?;
    Ok(FirmwareList {
        product: product.id.to_string(),
        releases: releases.iter().map(|(_, doc)| release_view(doc)).collect(),
    })
}

/// `GET /api/v1/products/{product}/versions/{version}`.
pub async fn version_status_view(
    log: &Log,
    id: &str,
    version: &str,
) -> Result<VersionStatusView, ApiError> {
    let store = log.store().as_ref();
    let catalog = log.catalog().await?;
    let product = product_from_path(&catalog, id)?;
    let version = product
        .version_scheme
        .parse(version)
        .map_err(|error| ApiError::invalid("/version", error))?;
    let advisories = catalog.current_advisories(store, Some(&product.id)).await?;
    let released = store
        .live_release(product.id.as_str(), &crate::write::version_key(&version))
        .await?
        .is_some();
    Ok(compute_version_status(
        product,
        &version,
        &advisories,
        released,
    ))
}

/// The per-CVE status of a version, with the advisories that state it and the fix version.
pub fn compute_version_status(
    product: &Product,
    version: &Version,
    advisories: &[(EntryDoc, Advisory)],
    released: bool,
) -> VersionStatusView {
    let status = version_status(&product.id, version, advisories.iter().map(|(_, a)| a));
    let mut rows: BTreeMap<CveId, CveStatus> = BTreeMap::new();
    let groups: [(&BTreeSet<CveId>, Status); 4] = [
        (&status.affected, Status::KnownAffected),
        (&status.fixed, Status::Fixed),
        (&status.not_affected, Status::KnownNotAffected),
        (&status.under_investigation, Status::UnderInvestigation),
    ];
    for (cves, label) in groups {
        for cve in cves {
            rows.entry(cve.clone()).or_insert_with(|| CveStatus {
                cve: cve.to_string(),
                status: label.as_str().to_owned(),
                advisories: vec![],
                fixed_in: None,
                no_fix_planned: status.no_fix_planned.contains(cve),
            });
        }
    }
    for (_, advisory) in advisories.iter().filter(|(_, a)| !a.withdrawn) {
        for statement in advisory
            .statements
            .iter()
            .filter(|s| s.product == product.id)
        {
            for cve in &statement.cves {
                let Some(row) = rows.get_mut(cve) else {
                    continue;
                };
                let covers = statement
                    .ranges
                    .iter()
                    .any(|r| r.contains(version) || r.is_fixed_in(version));
                if !covers {
                    continue;
                }
                let id = advisory.id.to_string();
                if !row.advisories.contains(&id) {
                    row.advisories.push(id);
                }
                if row.fixed_in.is_none() && statement.status == Status::KnownAffected {
                    row.fixed_in = statement
                        .ranges
                        .iter()
                        .filter(|r| r.contains(version) || r.is_fixed_in(version))
                        .find_map(|r| r.fixed.as_ref().map(|v| v.as_str().to_owned()))
                        .or_else(|| {
                            statement.remediation.as_ref().and_then(|r| {
                                r.fixed_version.as_ref().map(|v| v.as_str().to_owned())
                            })
                        });
                }
            }
        }
    }
    VersionStatusView {
        product: product.id.to_string(),
        version: version.as_str().to_owned(),
        released,
        cves: rows.into_values().collect(),
    }
}

/// `GET /api/v1/advisories`.
pub async fn advisory_list(store: &dyn Store) -> Result<AdvisoryList, ApiError> {
    let mut advisories = Vec::new();
    for stored in store.current_advisories(None).await? {
        let doc = entry_doc(&stored)?;
        let advisory = doc
            .advisory
            .as_ref()
            .ok_or_else(|| corrupt(doc.seq, "no advisory"))?;
        advisories.push(AdvisorySummary {
            id: advisory.id.clone(),
            title: advisory.title.clone(),
            revision: advisory.revision.number.clone(),
            date: advisory.revision.date.clone(),
            cves: doc.cves.clone(),
            withdrawn: doc.kind == EntryKind::Withdrawal,
            seq: doc.seq,
        });
    }
    Ok(AdvisoryList { advisories })
}

/// `GET /api/v1/advisories/{id}`.
pub async fn advisory_view(store: &dyn Store, id: &str) -> Result<AdvisoryView, ApiError> {
    let not_found = || ApiError::NotFound {
        detail: format!("no advisory {id}"),
        field: None,
    };
    let id: AdvisoryId = id.parse().map_err(|_| not_found())?;
    let entries = store.advisory_entries(id.as_str()).await?;
    if entries.is_empty() {
        return Err(not_found());
    }
    let docs: Vec<EntryDoc> = entries.iter().map(entry_doc).collect::<Result<_, _>>()?;
    let revisions = docs
        .iter()
        .filter_map(|doc| {
            doc.advisory.as_ref().map(|a| RevisionView {
                seq: doc.seq,
                published: doc.published.clone(),
                kind: doc.kind,
                number: a.revision.number.clone(),
                date: a.revision.date.clone(),
                summary: a.revision.summary.clone(),
            })
        })
        .collect();
    let current = docs.last().cloned().expect("not empty");
    Ok(AdvisoryView {
        id: id.to_string(),
        withdrawn: current.kind == EntryKind::Withdrawal,
        current,
        revisions,
    })
}

/// `GET /api/v1/firmware/by-digest/{hex}`.
pub async fn by_digest(log: &Log, digest: &str) -> Result<DigestMatches, ApiError> {
    let store = log.store().as_ref();
    let valid = matches!(digest.len(), 64 | 128)
        && digest
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !valid {
        return Err(ApiError::invalid(
            "/digest",
            "expected 64 or 128 lowercase hex digits (SHA-256, SHA3-256 or SHA-512)",
        ));
    }
    let mut matches = Vec::new();
    for stored in store.entries_by_digest(digest).await? {
        let doc = entry_doc(&stored)?;
        let product = doc.product.clone().unwrap_or_default();
        let scheme = match product.parse::<ProductId>() {
            Ok(id) => log.catalog().await?.scheme(&id),
            Err(_) => None,
        };
        let version = scheme
            .zip(doc.fixed_version.as_deref())
            .and_then(|(scheme, text)| scheme.parse(text).ok())
            .ok_or_else(|| corrupt(doc.seq, "release version does not parse"))?;
        let live = store
            .live_release(&product, &crate::write::version_key(&version))
            .await?
            .is_some_and(|e| e.seq == doc.seq);
        for image in doc.images.iter().filter(|i| {
            i.sha256 == digest
                || i.sha3_256.as_deref() == Some(digest)
                || i.sha512.as_deref() == Some(digest)
        }) {
            matches.push(DigestMatch {
                product: product.clone(),
                version: doc.fixed_version.clone().unwrap_or_default(),
                release_date: doc.release_date.clone().unwrap_or_default(),
                image: image.clone(),
                seq: doc.seq,
                superseded: !live,
            });
        }
    }
    if matches.is_empty() {
        return Err(ApiError::NotFound {
            detail: format!("no published image has digest {digest}"),
            field: None,
        });
    }
    Ok(DigestMatches {
        digest: digest.to_owned(),
        matches,
    })
}
