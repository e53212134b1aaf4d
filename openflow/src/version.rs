//! Protocol versions Viola speaks.

use std::fmt;

/// An OpenFlow version Viola can negotiate and encode.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Version {
    /// OpenFlow 1.0 (wire version 0x01).
    #[serde(rename = "1.0")]
    V1_0,
    /// OpenFlow 1.3 (wire version 0x04).
    #[serde(rename = "1.3")]
    V1_3,
}

impl Version {
    /// Wire value of `ofp_header.version`.
    pub const fn wire(self) -> u8 {
        match self {
            Version::V1_0 => 0x01,
            Version::V1_3 => 0x04,
        }
    }

    /// The version for a wire value, if Viola speaks it.
    pub const fn from_wire(v: u8) -> Option<Version> {
        match v {
            0x01 => Some(Version::V1_0),
            0x04 => Some(Version::V1_3),
            _ => None,
        }
    }

    /// Every version Viola speaks, oldest first.
    pub const ALL: [Version; 2] = [Version::V1_0, Version::V1_3];
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Version::V1_0 => "1.0",
            Version::V1_3 => "1.3",
        })
    }
}

impl std::str::FromStr for Version {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "1.0" | "OpenFlow10" | "of10" | "1" => Ok(Version::V1_0),
            "1.3" | "OpenFlow13" | "of13" | "4" => Ok(Version::V1_3),
            other => Err(format!(
                "unknown OpenFlow version `{other}` (expected 1.0 or 1.3)"
            )),
        }
    }
}
