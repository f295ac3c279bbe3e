//! HTTP routes, one module per surface.

pub mod api;
pub mod csaf;
pub mod drafts;
pub mod meta;
pub mod page;
pub mod restconf;
pub mod tlog;
pub mod witness;
