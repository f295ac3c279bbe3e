//! The CWE catalogue names that mandatory test 6.1.11 checks and the exporter writes.
//!
//! `data/cwe-names.tsv` (id, tab, name) is generated from the catalogue that
//! `@secvisogram/csaf-validator-lib` 2.0.10 ships (`lib/shared/cwec.js`), so fixlog and the
//! reference validator agree on which names are current.

use std::collections::HashMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("../data/cwe-names.tsv");

fn table() -> &'static HashMap<&'static str, &'static str> {
    static TABLE_CELL: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    TABLE_CELL.get_or_init(|| {
        TABLE
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .collect()
    })
}

/// The catalogue name of a CWE id such as `CWE-79`, if the id exists.
pub fn name(id: &str) -> Option<&'static str> {
    table().get(id).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ids_have_their_catalogue_names() {
        assert_eq!(
            name("CWE-79"),
            Some(
                "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"
            )
        );
        assert_eq!(name("CWE-0"), None);
        assert!(table().len() > 900);
    }
}
