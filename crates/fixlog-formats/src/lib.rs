//! Wire formats of fixlog, with no I/O.
//!
//! - [`entry`]: the entry document, whose RFC 8785 canonical bytes are the Merkle leaf data;
//! - [`canonical`]: the RFC 8785 serializer for that document;
//! - [`convert`]: model values to documents and back (documents are parsed into model types at
//!   every boundary).

pub mod canonical;
pub mod convert;
pub mod entry;

pub use canonical::{CanonicalError, to_canonical_bytes};
pub use entry::*;
