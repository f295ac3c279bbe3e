//! YANG validation with libyang (through the `yang3` crate, libyang built from source by the
//! `bundled` feature): the modules are the ones the publisher serves (its RFC 8525 YANG
//! library and `/yang/…` files), never a copy of our own.
//!
//! Notifications are parsed as RESTCONF notifications (`LYD_TYPE_NOTIF_RESTCONF`, the
//! `ietf-restconf:notification` envelope with `eventTime`) and then validated with
//! `lyd_validate_op`, which yang3 0.19 does not wrap, so that `mandatory`, `min-elements` and
//! `must` are enforced too (notes/rfc8639.md §7). Data documents (the streams list, the YANG
//! library, the `fwsec-log:log` resource) are parsed strictly and validated as operational
//! state.

use std::path::Path;

use yang3::context::{Context, ContextFlags};
use yang3::data::{DataFormat, DataParserFlags, DataTree, DataTreeOwningRef, DataValidationFlags};

/// A module the YANG library names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LibraryModule {
    /// Module name.
    pub name: String,
    /// Revision, if given.
    pub revision: Option<String>,
    /// Features the server says it supports.
    pub features: Vec<String>,
    /// `location` URLs.
    pub locations: Vec<String>,
    /// Implemented (`module`) or only imported (`import-only-module`).
    pub implemented: bool,
}

/// The modules of an RFC 8525 `ietf-yang-library:yang-library` document (every module set).
pub fn library_modules(library: &serde_json::Value) -> Vec<LibraryModule> {
    let mut modules = Vec::new();
    let sets = library
        .pointer("/ietf-yang-library:yang-library/module-set")
        .and_then(serde_json::Value::as_array)
        .cloned()
        .unwrap_or_default();
    let strings = |value: Option<&serde_json::Value>| -> Vec<String> {
        value
            .and_then(serde_json::Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| item.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    for set in &sets {
        for (key, implemented) in [("module", true), ("import-only-module", false)] {
            for module in set
                .get(key)
                .and_then(|m| m.as_array())
                .into_iter()
                .flatten()
            {
                let Some(name) = module.get("name").and_then(|n| n.as_str()) else {
                    continue;
                };
                modules.push(LibraryModule {
                    name: name.to_owned(),
                    revision: module
                        .get("revision")
                        .and_then(|r| r.as_str())
                        .map(str::to_owned),
                    features: strings(module.get("feature")),
                    locations: strings(module.get("location")),
                    implemented,
                });
            }
        }
    }
    modules
}

/// A libyang context holding the publisher's implemented modules.
pub struct Schema {
    context: Context,
}

impl Schema {
    /// Loads every implemented module of `modules` from `directory` (which holds the fetched
    /// `name@revision.yang` files). Returns the module that failed and libyang's message.
    pub fn load(directory: &Path, modules: &[LibraryModule]) -> Result<Self, (String, String)> {
        let mut context = Context::new(
            // Identities of import-only modules (ietf-datastores:operational in the YANG
            // library) are only usable in data when their module is implemented in libyang.
            ContextFlags::NO_YANGLIBRARY
                | ContextFlags::DISABLE_SEARCHDIR_CWD
                | ContextFlags::ALL_IMPLEMENTED,
        )
        .map_err(|error| ("(context)".to_owned(), error.to_string()))?;
        context
            .set_searchdir(directory)
            .map_err(|error| ("(search directory)".to_owned(), error.to_string()))?;
        for module in modules.iter().filter(|module| module.implemented) {
            let features: Vec<&str> = module.features.iter().map(String::as_str).collect();
            context
                .load_module(&module.name, module.revision.as_deref(), &features)
                .map_err(|error| (module.name.clone(), error.to_string()))?;
        }
        Ok(Self { context })
    }

    /// Whether a module of this name is loaded (implemented).
    pub fn has_module(&self, name: &str) -> bool {
        self.context.get_module_implemented(name).is_some()
    }

    /// Validates an RFC 8040 §6.4 JSON notification (`ietf-restconf:notification` envelope).
    pub fn validate_notification(&self, json: &str) -> Result<(), String> {
        let tree =
            DataTreeOwningRef::parse_restconf_notif_op(&self.context, json, DataFormat::JSON)
                .map_err(|error| describe(&error))?;
        #[expect(unsafe_code, reason = "yang3 0.19 does not wrap lyd_validate_op")]
        // SAFETY: the op node belongs to `tree`, which outlives the call; a null dependency
        // tree is allowed for notifications (libyang `lyd_validate_op` documentation).
        let result = unsafe {
            yang3::ffi::lyd_validate_op(
                tree.noderef().as_raw(),
                std::ptr::null(),
                yang3::ffi::lyd_type::LYD_TYPE_NOTIF_YANG,
                std::ptr::null_mut(),
            )
        };
        if result == yang3::ffi::LY_ERR::LY_SUCCESS {
            Ok(())
        } else {
            Err(describe(&yang3::Error::new(&self.context)))
        }
    }

    /// Validates a JSON data document (RFC 7951) as operational data.
    ///
    /// A RESTCONF resource is one subtree, not the whole datastore: a `mandatory` node that
    /// libyang misses in another top-level container of the same module (the deprecated
    /// `modules-state` beside `yang-library`) is not the document's fault. Such an error is
    /// set aside and the document is parsed again without datastore validation, which still
    /// checks every type, pattern, range and identity.
    pub fn validate_data(&self, json: &str) -> Result<(), String> {
        let top = serde_json::from_str::<serde_json::Value>(json)
            .ok()
            .and_then(|value| value.as_object()?.keys().next().cloned())
            .unwrap_or_default();
        let full = DataTree::parse_string(
            &self.context,
            json,
            DataFormat::JSON,
            DataParserFlags::STRICT,
            DataValidationFlags::PRESENT,
        );
        let error = match full {
            Ok(_) => return Ok(()),
            Err(error) => error,
        };
        let inside = error.path.as_deref().is_none_or(|path| {
            let (module, name) = top.split_once(':').unwrap_or(("", &top));
            path.starts_with(&format!("/{module}:{name}"))
        });
        if inside {
            return Err(describe(&error));
        }
        DataTree::parse_string(
            &self.context,
            json,
            DataFormat::JSON,
            DataParserFlags::STRICT | DataParserFlags::NO_VALIDATION,
            DataValidationFlags::PRESENT,
        )
        .map(|_| ())
        .map_err(|error| describe(&error))
    }
}

fn describe(error: &yang3::Error) -> String {
    match (&error.msg, &error.path) {
        (Some(message), Some(path)) => format!("{message} ({path})"),
        (Some(message), None) => message.clone(),
        _ => format!("libyang error {}", error.errcode),
    }
}
