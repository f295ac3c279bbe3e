//! Product lines: what kind of device, how it numbers versions, and where it
//! stands in its support lifecycle.

use std::fmt;
use std::str::FromStr;

use time::Date;

use crate::ids::ProductId;
use crate::version::VersionScheme;

/// Why a product enumeration value could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProductError {
    /// The text names no device class.
    #[error(
        "unknown device class `{value}`, expected one of plc, dcs, hmi, rtu, gateway, protection_relay, other"
    )]
    UnknownDeviceClass {
        /// The rejected text.
        value: String,
    },
    /// The text names no lifecycle state.
    #[error(
        "unknown lifecycle state `{value}`, expected one of active, mainstream_support, extended_support, end_of_life"
    )]
    UnknownLifecycleState {
        /// The rejected text.
        value: String,
    },
}

/// The kind of industrial control device a product line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeviceClass {
    /// Programmable logic controller.
    Plc,
    /// Distributed control system controller.
    Dcs,
    /// Human-machine interface panel.
    Hmi,
    /// Remote terminal unit.
    Rtu,
    /// Gateway between networks, e.g. an IT/OT edge gateway.
    Gateway,
    /// Protection or safety relay.
    ProtectionRelay,
    /// Any other device.
    Other,
}

impl DeviceClass {
    /// Every device class, in declaration order.
    pub const ALL: &'static [DeviceClass] = &[
        Self::Plc,
        Self::Dcs,
        Self::Hmi,
        Self::Rtu,
        Self::Gateway,
        Self::ProtectionRelay,
        Self::Other,
    ];

    /// The stable identifier, e.g. `protection_relay`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Plc => "plc",
            Self::Dcs => "dcs",
            Self::Hmi => "hmi",
            Self::Rtu => "rtu",
            Self::Gateway => "gateway",
            Self::ProtectionRelay => "protection_relay",
            Self::Other => "other",
        }
    }

    /// A human label, e.g. `Protection relay`.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Plc => "PLC",
            Self::Dcs => "DCS",
            Self::Hmi => "HMI",
            Self::Rtu => "RTU",
            Self::Gateway => "Gateway",
            Self::ProtectionRelay => "Protection relay",
            Self::Other => "Other",
        }
    }
}

impl fmt::Display for DeviceClass {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for DeviceClass {
    type Err = ProductError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|class| class.as_str() == value)
            .ok_or_else(|| ProductError::UnknownDeviceClass {
                value: value.to_owned(),
            })
    }
}

/// Where a product line (or branch) stands in its support lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LifecycleState {
    /// Current line: features and security fixes.
    Active,
    /// Supported with security and selected bug fixes.
    MainstreamSupport,
    /// Security fixes only, possibly restricted by severity.
    ExtendedSupport,
    /// No fixes of any kind.
    EndOfLife,
}

impl LifecycleState {
    /// Every lifecycle state, in declaration order.
    pub const ALL: &'static [LifecycleState] = &[
        Self::Active,
        Self::MainstreamSupport,
        Self::ExtendedSupport,
        Self::EndOfLife,
    ];

    /// The stable identifier, e.g. `end_of_life`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::MainstreamSupport => "mainstream_support",
            Self::ExtendedSupport => "extended_support",
            Self::EndOfLife => "end_of_life",
        }
    }

    /// A human label, e.g. `End of life`.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::MainstreamSupport => "Mainstream support",
            Self::ExtendedSupport => "Extended support",
            Self::EndOfLife => "End of life",
        }
    }
}

impl fmt::Display for LifecycleState {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for LifecycleState {
    type Err = ProductError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|state| state.as_str() == value)
            .ok_or_else(|| ProductError::UnknownLifecycleState {
                value: value.to_owned(),
            })
    }
}

/// A product line's lifecycle state and its announced end dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    /// The current state.
    pub state: LifecycleState,
    /// When mainstream support ends (or ended), if announced.
    pub mainstream_support_end: Option<Date>,
    /// When extended support ends (or ended), if announced.
    pub extended_support_end: Option<Date>,
    /// When the product reaches (or reached) end of life, if announced.
    pub end_of_life: Option<Date>,
}

/// A product line: one family of devices sharing firmware.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// The product line's identifier, e.g. `plc-x500`.
    pub id: ProductId,
    /// The marketing name, e.g. `ACME Controlix X500`.
    pub name: String,
    /// Model or order numbers covered by the line.
    pub models: Vec<String>,
    /// What kind of device the line is.
    pub device_class: DeviceClass,
    /// How the line numbers its firmware versions.
    pub version_scheme: VersionScheme,
    /// Where the line stands in its lifecycle.
    pub lifecycle: Lifecycle,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_classes_round_trip() {
        for class in DeviceClass::ALL {
            assert_eq!(class.as_str().parse::<DeviceClass>(), Ok(*class));
        }
        assert_eq!(DeviceClass::ProtectionRelay.label(), "Protection relay");
        assert!("PLC".parse::<DeviceClass>().is_err());
    }

    #[test]
    fn lifecycle_states_round_trip() {
        for state in LifecycleState::ALL {
            assert_eq!(state.as_str().parse::<LifecycleState>(), Ok(*state));
        }
        assert_eq!(
            "eol".parse::<LifecycleState>(),
            Err(ProductError::UnknownLifecycleState {
                value: "eol".into()
            })
        );
    }
}
