//! The controller's configuration file (TOML) and listen addresses.
//!
//! ```toml
//! listen = ["0.0.0.0:6653", "tls://0.0.0.0:6654"]
//! connect = ["tcp:127.0.0.1:6640"]          # switches in passive mode (ptcp:)
//! of_versions = ["1.0", "1.3"]
//!
//! [api]
//! addr = "127.0.0.1:8080"
//! token = "s3cret"                            # bearer token for mutating routes
//!
//! [tls]
//! cert = "ctl-cert.pem"
//! key = "ctl-key.pem"
//! ca = "switch-ca.pem"                        # set: switches must present a certificate
//!
//! [openflow]
//! echo_interval = 5.0                         # seconds; 0 disables echo
//! echo_misses = 3
//! request_timeout = 10.0
//! handshake_timeout = 10.0
//! queue_len = 4096
//! packet_in_rate = 0                          # per switch and second; 0 = unlimited
//! packet_in_burst = 0
//! max_reply_bytes = 67108864                  # one multipart reply, all parts (wire bytes)
//! max_ports = 4096                            # ports per switch (handshake + PORT_STATUS)
//! duplicate_dpid = "replace"                  # "refuse" a second claimant, or "pin":
//!                                             # only ids its TLS certificate names
//!
//! [apps]
//! enabled = ["topology", "l2-learning"]
//!
//! [apps.l2-learning]                          # handed to the app's constructor
//! idle_timeout = 60
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use openflow::Version;
use serde::Deserialize;

use crate::settings::Settings;
pub use crate::tls::TlsConfig;

/// The whole file. Every section is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// OpenFlow listen addresses (`ADDR`, `tcp:ADDR`, `tls://ADDR`).
    #[serde(default)]
    pub listen: Vec<String>,
    /// Switches to connect to actively (`tcp:HOST:PORT`).
    #[serde(default)]
    pub connect: Vec<String>,
    /// Versions offered in HELLO (default: 1.0 and 1.3).
    pub of_versions: Option<Vec<Version>>,
    #[serde(default)]
    pub api: ApiSection,
    #[serde(default)]
    pub tls: TlsConfig,
    #[serde(default)]
    pub openflow: OpenFlowSection,
    #[serde(default)]
    pub apps: AppsSection,
}

/// `[api]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSection {
    /// REST listen address (default `127.0.0.1:8080`).
    pub addr: Option<SocketAddr>,
    /// Bearer token protecting mutating routes.
    pub token: Option<String>,
    /// Largest request body in bytes (default 64 MiB).
    pub body_limit: Option<usize>,
    /// Most JSON elements (`[`, `{`, `,`) in one body (default 2 000 000).
    pub max_json_elements: Option<usize>,
    /// Connections at once (default 512).
    pub max_connections: Option<usize>,
    /// Seconds a client has to send a request's headers (default 10).
    pub header_read_timeout: Option<f64>,
}

/// `[openflow]`: connection tunables.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OpenFlowSection {
    /// Seconds between echo requests; 0 disables echo.
    pub echo_interval: f64,
    /// Unanswered echoes before the switch is declared dead.
    pub echo_misses: u32,
    /// Seconds before a stats request or barrier fails with a timeout.
    pub request_timeout: f64,
    /// Seconds for the whole handshake.
    pub handshake_timeout: f64,
    /// Per-switch queue for messages sent from other tasks.
    pub queue_len: usize,
    /// PACKET_INs per switch and second passed to the apps; 0 = unlimited.
    pub packet_in_rate: u32,
    /// Burst of the packet-in limit (default: one second's worth).
    pub packet_in_burst: u32,
    /// Bytes one multipart reply may take, all parts together, before the request fails.
    pub max_reply_bytes: usize,
    /// Ports one switch may have; more (handshake or PORT_STATUS ADD) are ignored.
    pub max_ports: usize,
    /// What a second connection claiming a connected datapath id gets.
    pub duplicate_dpid: DuplicateDpid,
}

/// `[openflow] duplicate_dpid`: a second connection that claims a connected datapath id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateDpid {
    /// The new connection takes the switch over; the old one is closed (a switch that
    /// reconnects before its old connection timed out is served at once).
    #[default]
    Replace,
    /// The new connection is closed; the one that holds the datapath id keeps it (a peer
    /// cannot take a switch over by claiming its id).
    Refuse,
    /// A switch may only claim a datapath id its TLS client certificate names (see
    /// [`crate::claims`]); one that does takes the id over as with `replace`.
    Pin,
}

impl Default for OpenFlowSection {
    fn default() -> Self {
        OpenFlowSection {
            echo_interval: 5.0,
            echo_misses: 3,
            request_timeout: 10.0,
            handshake_timeout: 10.0,
            queue_len: 4096,
            packet_in_rate: 0,
            packet_in_burst: 0,
            max_reply_bytes: 64 << 20,
            max_ports: 4096,
            duplicate_dpid: DuplicateDpid::Replace,
        }
    }
}

/// `[apps]`: the app list and one table per app.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AppsSection {
    /// App names in pipeline order.
    pub enabled: Option<Vec<String>>,
    /// `[apps.NAME]` tables.
    #[serde(flatten)]
    pub settings: BTreeMap<String, toml::Value>,
}

/// A configuration problem.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid value: {0}")]
    Invalid(String),
}

fn secs(x: f64, what: &str) -> Result<Duration, ConfigError> {
    Duration::try_from_secs_f64(x)
        .map_err(|_| ConfigError::Invalid(format!("{what} = {x} is not a duration in seconds")))
}

impl Config {
    /// Parses TOML text.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: PathBuf::from("<config>"),
            message: e.to_string(),
        })
    }

    /// Reads and parses a file.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.into(),
            error,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.into(),
            message: e.to_string(),
        })
    }

    /// The table `[apps.NAME]`, or an empty table.
    pub fn app_config(&self, name: &str) -> toml::Value {
        self.apps
            .settings
            .get(name)
            .cloned()
            .unwrap_or_else(|| toml::Value::Table(Default::default()))
    }

    /// Parsed listen addresses.
    pub fn listen_addrs(&self) -> Result<Vec<ListenAddr>, ConfigError> {
        self.listen
            .iter()
            .map(|s| s.parse().map_err(ConfigError::Invalid))
            .collect()
    }

    pub(crate) fn settings(&self) -> Result<Settings, ConfigError> {
        let o = &self.openflow;
        let mut s = Settings::default();
        s.conn.echo_interval = secs(o.echo_interval, "echo_interval")?;
        s.conn.echo_misses = o.echo_misses.max(1);
        s.conn.request_timeout = secs(o.request_timeout, "request_timeout")?;
        s.conn.handshake_timeout = secs(o.handshake_timeout, "handshake_timeout")?;
        s.queue_len = o.queue_len.max(1);
        s.conn.max_reply_bytes = o.max_reply_bytes.max(1);
        s.conn.max_ports = o.max_ports.max(1);
        s.duplicate_dpid = o.duplicate_dpid;
        if let Some(v) = &self.of_versions {
            if v.is_empty() {
                return Err(ConfigError::Invalid("of_versions is empty".into()));
            }
            s.conn.versions = v.clone();
        }
        Ok(s)
    }
}

/// An OpenFlow listen address: plain TCP or TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenAddr {
    Tcp(SocketAddr),
    Tls(SocketAddr),
}

impl ListenAddr {
    pub fn addr(&self) -> SocketAddr {
        match *self {
            ListenAddr::Tcp(a) | ListenAddr::Tls(a) => a,
        }
    }
}

fn parse_sock(s: &str) -> Result<SocketAddr, String> {
    let s = s.trim();
    if let Ok(port) = s.trim_start_matches(':').parse::<u16>() {
        return Ok(SocketAddr::from((Ipv4Addr::UNSPECIFIED, port)));
    }
    s.parse()
        .map_err(|_| format!("`{s}` is not an address like 0.0.0.0:6653"))
}

impl FromStr for ListenAddr {
    type Err = String;
    /// `0.0.0.0:6653`, `:6653`, `6653`, `tcp:ADDR`, `tcp://ADDR`, `tls://ADDR`, `ssl:ADDR`.
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        for p in ["tls://", "tls:", "ssl://", "ssl:"] {
            if let Some(rest) = s.strip_prefix(p) {
                return parse_sock(rest).map(ListenAddr::Tls);
            }
        }
        let rest = s
            .strip_prefix("tcp://")
            .or_else(|| s.strip_prefix("tcp:"))
            .unwrap_or(s);
        parse_sock(rest).map(ListenAddr::Tcp)
    }
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenAddr::Tcp(a) => write!(f, "{a}"),
            ListenAddr::Tls(a) => write!(f, "tls://{a}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_listen_forms() {
        assert_eq!(
            "tls://127.0.0.1:6654".parse(),
            Ok(ListenAddr::Tls("127.0.0.1:6654".parse().unwrap()))
        );
        assert_eq!(
            "6633".parse(),
            Ok(ListenAddr::Tcp("0.0.0.0:6633".parse().unwrap()))
        );
        assert_eq!(
            "tcp:10.0.0.1:6653".parse(),
            Ok(ListenAddr::Tcp("10.0.0.1:6653".parse().unwrap()))
        );
        assert!("tls://nowhere".parse::<ListenAddr>().is_err());
    }

    #[test]
    fn parses_a_full_file() {
        let c = Config::parse(
            r#"
listen = ["0.0.0.0:6653", "tls://0.0.0.0:6654"]
of_versions = ["1.3"]
[api]
addr = "127.0.0.1:9090"
token = "t"
[openflow]
echo_interval = 1.5
[apps]
enabled = ["hub"]
[apps.l2-learning]
idle_timeout = 30
"#,
        )
        .unwrap();
        assert_eq!(c.listen_addrs().unwrap().len(), 2);
        assert_eq!(c.apps.enabled.as_deref(), Some(&["hub".to_string()][..]));
        assert_eq!(
            c.app_config("l2-learning")
                .get("idle_timeout")
                .and_then(|v| v.as_integer()),
            Some(30)
        );
        assert!(c.app_config("other").as_table().unwrap().is_empty());
        let s = c.settings().unwrap();
        assert_eq!(s.conn.echo_interval, Duration::from_millis(1500));
        assert_eq!(s.conn.versions, vec![Version::V1_3]);
    }

    #[test]
    fn rejects_unknown_keys_and_bad_values() {
        assert!(Config::parse("lissen = []").is_err());
        let c = Config::parse("[openflow]\necho_interval = -1.0").unwrap();
        assert!(c.settings().is_err());
    }
}
