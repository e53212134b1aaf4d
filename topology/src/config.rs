//! Configuration of the topology app (`[apps.topology]` in the controller's TOML).
//!
//! ```toml
//! [apps.topology]
//! probe_interval_ms = 1000   # LLDP out of every live port this often
//! link_timeout_ms = 3500     # a link not re-proved for this long is removed
//! host_timeout_s = 300       # a host not seen for this long is forgotten
//! port_settle_ms = 500       # a new port floods as a host port only after this
//! hmac_key = "…"             # optional: sign probes, accept only signed ones
//! ```

use std::num::NonZeroU64;
use std::time::Duration;

use crate::state::StateTimers;

/// Topology app settings. Defaults: 1 s probes, 3.5 s link timeout (three probes may be
/// lost), 300 s host aging, 500 ms port settle, no HMAC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologyConfig {
    pub probe_interval: Duration,
    pub timers: StateTimers,
    /// Key for the HMAC-SHA256 TLV; when set, unsigned or badly signed probes are ignored.
    pub hmac_key: Option<Vec<u8>>,
}

impl Default for TopologyConfig {
    fn default() -> Self {
        TopologyConfig {
            probe_interval: Duration::from_secs(1),
            timers: StateTimers::default(),
            hmac_key: None,
        }
    }
}

/// The `[apps.topology]` table as written: unknown keys are refused by name, missing keys
/// keep their defaults. [`TopologyConfig::try_from`] checks the relations between them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopologySettings {
    pub probe_interval_ms: Option<NonZeroU64>,
    pub link_timeout_ms: Option<NonZeroU64>,
    pub host_timeout_s: Option<NonZeroU64>,
    pub port_settle_ms: Option<NonZeroU64>,
    pub hmac_key: Option<String>,
}

/// Settings that parse but do not make sense together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("hmac_key: must not be empty")]
    EmptyKey,
    #[error("link_timeout_ms ({link} ms) must exceed probe_interval_ms ({probe} ms)")]
    TimeoutTooShort { link: u64, probe: u64 },
}

impl TryFrom<TopologySettings> for TopologyConfig {
    type Error = ConfigError;

    fn try_from(s: TopologySettings) -> Result<Self, ConfigError> {
        let ms = |v: NonZeroU64| Duration::from_millis(v.get());
        let mut c = TopologyConfig::default();
        if let Some(v) = s.probe_interval_ms {
            c.probe_interval = ms(v);
        }
        if let Some(v) = s.link_timeout_ms {
            c.timers.link_timeout = ms(v);
        }
        if let Some(v) = s.host_timeout_s {
            c.timers.host_timeout = Duration::from_secs(v.get());
        }
        if let Some(v) = s.port_settle_ms {
            c.timers.port_settle = ms(v);
        }
        match s.hmac_key {
            Some(k) if k.is_empty() => return Err(ConfigError::EmptyKey),
            Some(k) => c.hmac_key = Some(k.into_bytes()),
            None => {}
        }
        if c.timers.link_timeout <= c.probe_interval {
            return Err(ConfigError::TimeoutTooShort {
                link: c.timers.link_timeout.as_millis() as u64,
                probe: c.probe_interval.as_millis() as u64,
            });
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<TopologyConfig, String> {
        let v: toml::Value = toml::from_str(s).unwrap();
        let settings: TopologySettings = viola_framework::declare::parse_config(&v)?;
        TopologyConfig::try_from(settings).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(parse("").unwrap(), TopologyConfig::default());
        let c = parse("probe_interval_ms = 200\nlink_timeout_ms = 700\nhmac_key = \"k\"").unwrap();
        assert_eq!(c.probe_interval, Duration::from_millis(200));
        assert_eq!(c.timers.link_timeout, Duration::from_millis(700));
        assert_eq!(c.hmac_key.as_deref(), Some(&b"k"[..]));
    }

    #[test]
    fn rejects_bad_values_naming_the_key() {
        let e = parse("probe_interval_ms = 0").unwrap_err();
        assert!(e.starts_with("probe_interval_ms: invalid value"), "{e}");
        let e = parse("hmac_key = 3").unwrap_err();
        assert!(e.starts_with("hmac_key: invalid type"), "{e}");
        assert_eq!(
            parse("hmac_key = \"\"").unwrap_err(),
            "hmac_key: must not be empty"
        );
        assert!(parse("link_timeout_ms = 500")
            .unwrap_err()
            .contains("must exceed"));
        let e = parse("probe = 1").unwrap_err();
        assert!(e.starts_with("unknown field `probe`"), "{e}");
    }
}
