//! HTTP routes, one module per surface.

pub mod api;
pub mod meta;
pub mod tlog;
