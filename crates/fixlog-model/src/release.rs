//! Firmware releases and the images that ship them.

use time::Date;

use crate::digest::{Sha3_256Digest, Sha256Digest, Sha512Digest};
use crate::ids::{CveId, ProductId};
use crate::version::Version;

/// One downloadable firmware image file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmwareImage {
    /// The file name, e.g. `C200_4.2.2.2.upd`.
    pub name: String,
    /// The size in bytes.
    pub size: u64,
    /// The SHA-256 digest of the file.
    pub sha256: Sha256Digest,
    /// The SHA3-256 digest of the file, where published.
    pub sha3_256: Option<Sha3_256Digest>,
    /// The SHA-512 digest of the file, where published.
    pub sha512: Option<Sha512Digest>,
    /// Where the file can be downloaded.
    pub url: Option<String>,
}

/// A firmware version released for a product line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The product line.
    pub product: ProductId,
    /// The released version.
    pub version: Version,
    /// When the version was released.
    pub release_date: Date,
    /// The image files of the release.
    pub images: Vec<FirmwareImage>,
    /// The CVEs first fixed in this version.
    pub fixes: Vec<CveId>,
}
