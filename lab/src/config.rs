//! Options of `lab up`.

use std::net::SocketAddr;
use std::path::PathBuf;

use super::daemons::DaemonPolicy;
use super::names::DEFAULT_PREFIX;
use super::LabError;

/// Default run directory of `viola lab` (state file, private OVS daemons).
pub const DEFAULT_RUN_DIR: &str = "/run/viola-ovs";

/// Default controller address.
pub const DEFAULT_CONTROLLER: &str = "127.0.0.1:6653";

/// OpenFlow versions the bridges speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OfVersions {
    /// OpenFlow 1.0 and 1.3 (the controller picks).
    #[default]
    Both,
    V10,
    V13,
    V14,
    V15,
}

impl OfVersions {
    /// Accepts `1.0`, `10`, `OpenFlow10`, `1.3`, … `1.5`, `both` (1.0 and 1.3).
    pub fn parse(s: &str) -> Result<OfVersions, LabError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "1.0" | "10" | "openflow10" | "of10" => Ok(OfVersions::V10),
            "1.3" | "13" | "openflow13" | "of13" => Ok(OfVersions::V13),
            "1.4" | "14" | "openflow14" | "of14" => Ok(OfVersions::V14),
            "1.5" | "15" | "openflow15" | "of15" => Ok(OfVersions::V15),
            "both" | "1.0,1.3" => Ok(OfVersions::Both),
            other => Err(LabError::Config(format!(
                "unsupported OpenFlow version `{other}` (use 1.0, 1.3, 1.4 or 1.5)"
            ))),
        }
    }

    /// The bridge's `protocols` column value.
    pub fn protocols(self) -> &'static str {
        match self {
            OfVersions::Both => "OpenFlow10,OpenFlow13",
            OfVersions::V10 => "OpenFlow10",
            OfVersions::V13 => "OpenFlow13",
            OfVersions::V14 => "OpenFlow14",
            OfVersions::V15 => "OpenFlow15",
        }
    }

    /// `-O` value for `ovs-ofctl` talking to these bridges.
    pub fn ofctl_version(self) -> &'static str {
        match self {
            OfVersions::V10 => "OpenFlow10",
            OfVersions::V14 => "OpenFlow14",
            OfVersions::V15 => "OpenFlow15",
            _ => "OpenFlow13",
        }
    }
}

/// Turns `ADDR` (`127.0.0.1:6653`, `127.0.0.1`, `[::1]:6653`) or a full OVS target
/// (`tcp:…`, `ssl:…`, `unix:…`) into an OVS controller target.
pub fn controller_target(addr: &str) -> Result<String, LabError> {
    let addr = addr.trim();
    for scheme in ["tcp:", "ssl:", "unix:", "ptcp:", "pssl:"] {
        if addr.starts_with(scheme) {
            return Ok(addr.to_string());
        }
    }
    if let Ok(sa) = addr.parse::<SocketAddr>() {
        return Ok(match sa {
            SocketAddr::V4(v4) => format!("tcp:{}:{}", v4.ip(), v4.port()),
            SocketAddr::V6(v6) => format!("tcp:[{}]:{}", v6.ip(), v6.port()),
        });
    }
    if let Ok(ip) = addr.parse::<std::net::IpAddr>() {
        return Ok(match ip {
            std::net::IpAddr::V4(v4) => format!("tcp:{v4}:6653"),
            std::net::IpAddr::V6(v6) => format!("tcp:[{v6}]:6653"),
        });
    }
    Err(LabError::Config(format!(
        "bad controller address `{addr}` (expected IP:PORT, e.g. {DEFAULT_CONTROLLER})"
    )))
}

/// How to bring a lab up.
#[derive(Debug, Clone)]
pub struct LabConfig {
    /// State file and private OVS daemons live here.
    pub run_dir: PathBuf,
    /// Prefix of every bridge, namespace and veth (≤ 5 characters).
    pub prefix: String,
    /// Controller address (see [`controller_target`]).
    pub controller: String,
    pub of: OfVersions,
    pub daemons: DaemonPolicy,
    /// Turn off tx checksum offload on every veth (needed for TCP through the userspace
    /// datapath; needs `ethtool`).
    pub disable_offload: bool,
    /// Keep IPv6 on in the hosts (off by default: fewer stray packets at the controller).
    pub ipv6: bool,
}

impl Default for LabConfig {
    fn default() -> Self {
        LabConfig {
            run_dir: PathBuf::from(DEFAULT_RUN_DIR),
            prefix: DEFAULT_PREFIX.to_string(),
            controller: DEFAULT_CONTROLLER.to_string(),
            of: OfVersions::Both,
            daemons: DaemonPolicy::Auto,
            disable_offload: true,
            ipv6: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_versions() {
        assert_eq!(
            controller_target("127.0.0.1:6653").unwrap(),
            "tcp:127.0.0.1:6653"
        );
        assert_eq!(controller_target("10.1.2.3").unwrap(), "tcp:10.1.2.3:6653");
        assert_eq!(controller_target("[::1]:7000").unwrap(), "tcp:[::1]:7000");
        assert_eq!(
            controller_target("ssl:1.2.3.4:6653").unwrap(),
            "ssl:1.2.3.4:6653"
        );
        assert!(controller_target("localhost:x").is_err());
        assert_eq!(OfVersions::parse("1.3").unwrap().protocols(), "OpenFlow13");
        assert_eq!(OfVersions::parse("1.0").unwrap(), OfVersions::V10);
        assert_eq!(
            OfVersions::parse("1.5").unwrap().ofctl_version(),
            "OpenFlow15"
        );
        assert_eq!(OfVersions::parse("OpenFlow14").unwrap(), OfVersions::V14);
        assert!(OfVersions::parse("1.2").is_err());
    }
}
