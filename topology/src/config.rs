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

/// A bad `[apps.topology]` table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("apps.topology.{0}: expected a positive integer")]
    NotPositive(&'static str),
    #[error("apps.topology.{0}: expected a string")]
    NotString(&'static str),
    #[error("apps.topology.hmac_key: must not be empty")]
    EmptyKey,
    #[error(
        "apps.topology: link_timeout_ms ({link} ms) must exceed probe_interval_ms ({probe} ms)"
    )]
    TimeoutTooShort { link: u64, probe: u64 },
    #[error("apps.topology: unknown key `{0}`")]
    UnknownKey(String),
}

fn positive(v: &toml::Value, key: &'static str) -> Result<Option<u64>, ConfigError> {
    match v.get(key) {
        None => Ok(None),
        Some(toml::Value::Integer(i)) if *i > 0 => Ok(Some(*i as u64)),
        Some(_) => Err(ConfigError::NotPositive(key)),
    }
}

impl TopologyConfig {
    /// Reads the app's table; missing keys keep their defaults.
    pub fn from_toml(v: &toml::Value) -> Result<Self, ConfigError> {
        const KEYS: &[&str] = &[
            "probe_interval_ms",
            "link_timeout_ms",
            "host_timeout_s",
            "port_settle_ms",
            "hmac_key",
        ];
        if let Some(t) = v.as_table() {
            if let Some(k) = t.keys().find(|k| !KEYS.contains(&k.as_str())) {
                return Err(ConfigError::UnknownKey(k.clone()));
            }
        }
        let mut c = TopologyConfig::default();
        if let Some(ms) = positive(v, "probe_interval_ms")? {
            c.probe_interval = Duration::from_millis(ms);
        }
        if let Some(ms) = positive(v, "link_timeout_ms")? {
            c.timers.link_timeout = Duration::from_millis(ms);
        }
        if let Some(s) = positive(v, "host_timeout_s")? {
            c.timers.host_timeout = Duration::from_secs(s);
        }
        if let Some(ms) = positive(v, "port_settle_ms")? {
            c.timers.port_settle = Duration::from_millis(ms);
        }
        match v.get("hmac_key") {
            None => {}
            Some(toml::Value::String(s)) if s.is_empty() => return Err(ConfigError::EmptyKey),
            Some(toml::Value::String(s)) => c.hmac_key = Some(s.as_bytes().to_vec()),
            Some(_) => return Err(ConfigError::NotString("hmac_key")),
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

    fn parse(s: &str) -> Result<TopologyConfig, ConfigError> {
        TopologyConfig::from_toml(&toml::from_str::<toml::Value>(s).unwrap())
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
    fn rejects_bad_values() {
        assert_eq!(
            parse("probe_interval_ms = 0"),
            Err(ConfigError::NotPositive("probe_interval_ms"))
        );
        assert_eq!(
            parse("hmac_key = 3"),
            Err(ConfigError::NotString("hmac_key"))
        );
        assert_eq!(parse("hmac_key = \"\""), Err(ConfigError::EmptyKey));
        assert!(matches!(
            parse("link_timeout_ms = 500"),
            Err(ConfigError::TimeoutTooShort { .. })
        ));
        assert_eq!(
            parse("probe = 1"),
            Err(ConfigError::UnknownKey("probe".into()))
        );
    }
}
