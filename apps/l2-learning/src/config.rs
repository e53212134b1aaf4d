//! Configuration of the l2-learning app (`[apps.l2-learning]` in the controller's TOML).
//!
//! ```toml
//! [apps.l2-learning]
//! mode = "learning"        # or "path": install the whole shortest path at once
//! idle_timeout = 30        # seconds a flow lives without traffic
//! hard_timeout = 0
//! priority = 100
//! max_macs_per_switch = 8192
//! ```

/// How forwarding rules are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// One rule per switch, as packets miss there (a classic learning switch, but floods
    /// follow the spanning tree and known hosts are reached along shortest paths).
    Learning,
    /// When both hosts are known to the topology app, the rules of every switch on the
    /// shortest path are installed at once.
    Path,
}

/// l2-learning settings (`[apps.l2-learning]`: unknown keys are refused by name, missing
/// keys keep their defaults).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct L2Config {
    pub mode: Mode,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    pub priority: u16,
    /// Bound of each switch's MAC table; beyond it, unknown sources are not learned (their
    /// packets are still forwarded) until old entries age out.
    pub max_macs_per_switch: usize,
}

impl Default for L2Config {
    fn default() -> Self {
        L2Config {
            mode: Mode::Learning,
            idle_timeout: 30,
            hard_timeout: 0,
            priority: 100,
            max_macs_per_switch: 8192,
        }
    }
}

/// A value that parses but cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("max_macs_per_switch: expected a positive integer")]
    BadMax,
}

impl L2Config {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_macs_per_switch == 0 {
            return Err(ConfigError::BadMax);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<L2Config, String> {
        let v: toml::Value = toml::from_str(s).unwrap();
        let c: L2Config = viola_framework::declare::parse_config(&v)?;
        c.validate().map_err(|e| e.to_string())?;
        Ok(c)
    }

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(parse("").unwrap(), L2Config::default());
        let c = parse("mode = \"path\"\nidle_timeout = 5\npriority = 7").unwrap();
        assert_eq!((c.mode, c.idle_timeout, c.priority), (Mode::Path, 5, 7));
    }

    #[test]
    fn rejects_bad_values_naming_the_key() {
        let e = parse("mode = \"hub\"").unwrap_err();
        assert!(e.starts_with("mode: unknown variant `hub`"), "{e}");
        let e = parse("idle_timeout = 70000").unwrap_err();
        assert!(e.starts_with("idle_timeout: invalid value"), "{e}");
        assert_eq!(
            parse("max_macs_per_switch = 0").unwrap_err(),
            "max_macs_per_switch: expected a positive integer"
        );
        let e = parse("idle = 1").unwrap_err();
        assert!(e.starts_with("unknown field `idle`"), "{e}");
    }
}
