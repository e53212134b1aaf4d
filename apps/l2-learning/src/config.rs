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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One rule per switch, as packets miss there (a classic learning switch, but floods
    /// follow the spanning tree and known hosts are reached along shortest paths).
    Learning,
    /// When both hosts are known to the topology app, the rules of every switch on the
    /// shortest path are installed at once.
    Path,
}

/// l2-learning settings.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// A bad `[apps.l2-learning]` table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("apps.l2-learning.mode: expected \"learning\" or \"path\", got {0}")]
    BadMode(String),
    #[error("apps.l2-learning.{0}: expected an integer in 0..=65535")]
    NotU16(&'static str),
    #[error("apps.l2-learning.max_macs_per_switch: expected a positive integer")]
    BadMax,
    #[error("apps.l2-learning: unknown key `{0}`")]
    UnknownKey(String),
}

fn u16_key(v: &toml::Value, key: &'static str) -> Result<Option<u16>, ConfigError> {
    match v.get(key) {
        None => Ok(None),
        Some(toml::Value::Integer(i)) => u16::try_from(*i)
            .map(Some)
            .map_err(|_| ConfigError::NotU16(key)),
        Some(_) => Err(ConfigError::NotU16(key)),
    }
}

impl L2Config {
    /// Reads the app's table; missing keys keep their defaults.
    pub fn from_toml(v: &toml::Value) -> Result<Self, ConfigError> {
        const KEYS: &[&str] = &[
            "mode",
            "idle_timeout",
            "hard_timeout",
            "priority",
            "max_macs_per_switch",
        ];
        if let Some(k) = v
            .as_table()
            .and_then(|t| t.keys().find(|k| !KEYS.contains(&k.as_str())))
        {
            return Err(ConfigError::UnknownKey(k.clone()));
        }
        let mut c = L2Config::default();
        match v.get("mode") {
            None => {}
            Some(toml::Value::String(s)) if s == "learning" => c.mode = Mode::Learning,
            Some(toml::Value::String(s)) if s == "path" => c.mode = Mode::Path,
            Some(other) => return Err(ConfigError::BadMode(other.to_string())),
        }
        if let Some(t) = u16_key(v, "idle_timeout")? {
            c.idle_timeout = t;
        }
        if let Some(t) = u16_key(v, "hard_timeout")? {
            c.hard_timeout = t;
        }
        if let Some(p) = u16_key(v, "priority")? {
            c.priority = p;
        }
        match v.get("max_macs_per_switch") {
            None => {}
            Some(toml::Value::Integer(i)) if *i > 0 => c.max_macs_per_switch = *i as usize,
            Some(_) => return Err(ConfigError::BadMax),
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<L2Config, ConfigError> {
        L2Config::from_toml(&toml::from_str::<toml::Value>(s).unwrap())
    }

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(parse("").unwrap(), L2Config::default());
        let c = parse("mode = \"path\"\nidle_timeout = 5\npriority = 7").unwrap();
        assert_eq!((c.mode, c.idle_timeout, c.priority), (Mode::Path, 5, 7));
    }

    #[test]
    fn rejects_bad_values() {
        assert!(matches!(
            parse("mode = \"hub\""),
            Err(ConfigError::BadMode(_))
        ));
        assert_eq!(
            parse("idle_timeout = 70000"),
            Err(ConfigError::NotU16("idle_timeout"))
        );
        assert_eq!(parse("max_macs_per_switch = 0"), Err(ConfigError::BadMax));
        assert_eq!(
            parse("idle = 1"),
            Err(ConfigError::UnknownKey("idle".into()))
        );
    }
}
