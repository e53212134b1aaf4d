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
    /// OpenFlow 1.4 (wire version 0x05).
    #[serde(rename = "1.4")]
    V1_4,
    /// OpenFlow 1.5 (wire version 0x06).
    #[serde(rename = "1.5")]
    V1_5,
}

impl Version {
    /// Wire value of `ofp_header.version`.
    pub const fn wire(self) -> u8 {
        match self {
            Version::V1_0 => 0x01,
            Version::V1_3 => 0x04,
            Version::V1_4 => 0x05,
            Version::V1_5 => 0x06,
        }
    }

    /// The version for a wire value, if Viola speaks it.
    pub const fn from_wire(v: u8) -> Option<Version> {
        match v {
            0x01 => Some(Version::V1_0),
            0x04 => Some(Version::V1_3),
            0x05 => Some(Version::V1_4),
            0x06 => Some(Version::V1_5),
            _ => None,
        }
    }

    /// The versions the runtime offers by default, oldest first. The codec speaks all of
    /// [`Version::CODEC`]; 1.4 and 1.5 are negotiated only when asked for.
    pub const ALL: [Version; 2] = [Version::V1_0, Version::V1_3];

    /// Every version the codec decodes and encodes, oldest first.
    pub const CODEC: [Version; 4] = [Version::V1_0, Version::V1_3, Version::V1_4, Version::V1_5];
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Version::V1_0 => "1.0",
            Version::V1_3 => "1.3",
            Version::V1_4 => "1.4",
            Version::V1_5 => "1.5",
        })
    }
}

impl std::str::FromStr for Version {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "1.0" | "OpenFlow10" | "of10" | "1" => Ok(Version::V1_0),
            "1.3" | "OpenFlow13" | "of13" | "4" => Ok(Version::V1_3),
            "1.4" | "OpenFlow14" | "of14" | "5" => Ok(Version::V1_4),
            "1.5" | "OpenFlow15" | "of15" | "6" => Ok(Version::V1_5),
            other => Err(format!(
                "unknown OpenFlow version `{other}` (expected 1.0, 1.3, 1.4 or 1.5)"
            )),
        }
    }
}
