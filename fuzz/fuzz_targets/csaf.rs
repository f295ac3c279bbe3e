//! CSAF 2.0 documents, as `fixlog import csaf` and `fixlog verify` read them: import into
//! products and an advisory, and the validator (strict schema + mandatory tests).
//!
//! Properties: whatever the import produces, the publisher accepts: every product document
//! parses back to the same product, and the advisory renders to documents that parse under
//! the imported products' schemes to the same advisory.
#![no_main]

use std::collections::BTreeMap;

use fixlog_csaf::import::import_document;
use fixlog_csaf::validate;
use fixlog_formats::convert::{advisory_from_doc, advisory_to_doc, product_from_doc};
use fixlog_model::{ProductId, VersionScheme};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let report = validate(&doc);
    let _ = report.is_valid();
    // Once as a first import, once as if the log already had every product as `dotted`.
    let known: &dyn Fn(&ProductId) -> Option<VersionScheme> = &|_| Some(VersionScheme::Dotted);
    for existing in [&|_: &ProductId| None, known] {
        let Ok(imported) = import_document(&doc, existing) else {
            continue;
        };
        let mut schemes = BTreeMap::new();
        for (product, rendered) in imported.products.iter().zip(imported.product_docs()) {
            let parsed = product_from_doc(&rendered).expect("imported products are accepted");
            assert_eq!(&parsed, product);
            schemes.insert(product.id.clone(), product.version_scheme);
        }
        let scheme_of = |id: &ProductId| schemes.get(id).copied().or_else(|| existing(id));
        let (advisory, statements) = advisory_to_doc(&imported.advisory);
        let parsed = advisory_from_doc(&advisory, &statements, &scheme_of)
            .unwrap_or_else(|error| panic!("imported advisory is refused: {error}"));
        assert_eq!(advisory_to_doc(&parsed), (advisory, statements));
        let _ = imported.advisory_request();
    }
});
