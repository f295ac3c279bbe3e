//! Entry documents from bytes, as `fixlog verify` reads them from entry bundles and the API.
//!
//! Properties: an accepted document's RFC 8785 bytes parse back to the same document and
//! re-serialize byte for byte; its parts that convert to model values convert back to
//! documents that are a fixed point of the conversion (parse → render → parse → render).
#![no_main]

use fixlog_formats::EntryDoc;
use fixlog_formats::convert::{
    advisory_from_doc, advisory_to_doc, image_from_doc, image_to_doc, product_from_doc,
    product_to_doc, statement_from_doc, statement_to_doc,
};
use fixlog_model::{ProductId, VersionScheme};
use libfuzzer_sys::fuzz_target;

/// Gives every product a scheme that depends only on its id, so statements of one product
/// always parse under the same scheme.
fn scheme_of(product: &ProductId) -> Option<VersionScheme> {
    let all = VersionScheme::ALL;
    Some(all[product.as_str().len() % all.len()])
}

fuzz_target!(|data: &[u8]| {
    let Ok(entry) = EntryDoc::from_bytes(data) else {
        return;
    };
    if let Ok(canonical) = entry.canonical_bytes() {
        let again = EntryDoc::from_bytes(&canonical).expect("canonical bytes parse");
        assert_eq!(again, entry);
        assert_eq!(again.canonical_bytes().expect("re-serializes"), canonical);
    }
    if let Some(record) = &entry.product_record
        && let Ok(product) = product_from_doc(record)
    {
        let rendered = product_to_doc(&product);
        let reparsed = product_from_doc(&rendered).expect("a rendered product parses");
        assert_eq!(product_to_doc(&reparsed), rendered);
    }
    for image in &entry.images {
        if let Ok(parsed) = image_from_doc(image) {
            let rendered = image_to_doc(&parsed);
            let reparsed = image_from_doc(&rendered).expect("a rendered image parses");
            assert_eq!(image_to_doc(&reparsed), rendered);
        }
    }
    for statement in &entry.affected {
        if let Ok(parsed) = statement_from_doc(statement, &scheme_of) {
            let rendered = statement_to_doc(&parsed);
            let reparsed =
                statement_from_doc(&rendered, &scheme_of).expect("a rendered statement parses");
            assert_eq!(statement_to_doc(&reparsed), rendered);
        }
    }
    if let Some(advisory) = &entry.advisory
        && let Ok(parsed) = advisory_from_doc(advisory, &entry.affected, &scheme_of)
    {
        let (rendered, statements) = advisory_to_doc(&parsed);
        let reparsed = advisory_from_doc(&rendered, &statements, &scheme_of)
            .expect("a rendered advisory parses");
        assert_eq!(advisory_to_doc(&reparsed), (rendered, statements));
    }
});
