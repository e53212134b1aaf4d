//! [`SnapshotConfig`]: the `[apps.snapshot]` table, and [`Limits`], the buffer bounds of a
//! service (defaults for services registered without `limits`).
//!
//! ```toml
//! [apps.snapshot]
//! gate_priority = 0xfff0        # per-member-port default rule (in_port → CONTROLLER)
//! pair_priority = 0xfff8        # pair rules (in_port, eth_src, eth_dst → next hop)
//! pair_idle_timeout = 0         # seconds; 0 = until deleted
//! max_pair_rules_per_vm = 1024  # beyond this, packets are forwarded without a rule
//! max_services = 256
//! max_vms_per_service = 1024
//! max_total_packets = 1000000   # held packets, all services together
//! max_total_bytes = 268435456
//! sweep_interval_ms = 1000      # how often packets older than max_hold_ms are dropped
//!
//! [apps.snapshot.limits]        # defaults of a service's `limits`
//! max_packets = 100000          # held for the whole service
//! max_bytes = 67108864
//! max_hold_ms = 60000
//! max_packets_per_vm = 10000    # held for one destination VM
//! max_bytes_per_vm = 16777216
//! ```

use serde::{Deserialize, Serialize};

/// An invalid `[apps.snapshot]` table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("[apps.snapshot]: {0}")]
    Parse(String),
    #[error("[apps.snapshot]: {0}")]
    Invalid(String),
}

/// Bounds of what one service may hold (Type-3 packets under policy `buffer`). A packet
/// that would exceed any of them is dropped (tail drop) and counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Packets held for the whole service.
    pub max_packets: usize,
    /// Bytes held for the whole service.
    pub max_bytes: usize,
    /// A packet held longer than this is dropped by the periodic sweep.
    pub max_hold_ms: u64,
    /// Packets held for one destination VM.
    pub max_packets_per_vm: usize,
    /// Bytes held for one destination VM.
    pub max_bytes_per_vm: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_packets: 100_000,
            max_bytes: 64 << 20,
            max_hold_ms: 60_000,
            max_packets_per_vm: 10_000,
            max_bytes_per_vm: 16 << 20,
        }
    }
}

/// Settings of the snapshot app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SnapshotConfig {
    /// Priority of the per-member-port default rule. Above every forwarding rule of other
    /// apps (l2-learning uses 100 by default); the topology app's LLDP rule (0xffff) matches
    /// LLDP only and stays above.
    pub gate_priority: u16,
    /// Priority of pair rules; must be above `gate_priority`.
    pub pair_priority: u16,
    /// Idle timeout of pair rules in seconds (0: until the app deletes them).
    pub pair_idle_timeout: u16,
    /// Pair rules tracked per VM; packets to further destinations are forwarded by
    /// PACKET_OUT without a rule, so tracking stays bounded.
    pub max_pair_rules_per_vm: usize,
    pub max_services: usize,
    pub max_vms_per_service: usize,
    /// Packets held by all services together.
    pub max_total_packets: usize,
    /// Bytes held by all services together.
    pub max_total_bytes: usize,
    /// Period of the sweep that drops packets held longer than `max_hold_ms`.
    pub sweep_interval_ms: u64,
    /// Defaults for services registered without (some of) `limits`.
    pub limits: Limits,
}

impl Default for SnapshotConfig {
    fn default() -> Self {
        SnapshotConfig {
            gate_priority: 0xfff0,
            pair_priority: 0xfff8,
            pair_idle_timeout: 0,
            max_pair_rules_per_vm: 1024,
            max_services: 256,
            max_vms_per_service: 1024,
            max_total_packets: 1_000_000,
            max_total_bytes: 256 << 20,
            sweep_interval_ms: 1000,
            limits: Limits::default(),
        }
    }
}

impl SnapshotConfig {
    /// Reads the `[apps.snapshot]` table (unknown keys are an error; missing keys take the
    /// defaults above).
    pub fn from_toml(v: &toml::Value) -> Result<Self, ConfigError> {
        let cfg: SnapshotConfig =
            viola_framework::declare::parse_config(v).map_err(ConfigError::Parse)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks the relations between settings.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.pair_priority <= self.gate_priority {
            return Err(ConfigError::Invalid(format!(
                "pair_priority ({}) must be above gate_priority ({})",
                self.pair_priority, self.gate_priority
            )));
        }
        if self.sweep_interval_ms < 10 {
            return Err(ConfigError::Invalid(
                "sweep_interval_ms must be at least 10".into(),
            ));
        }
        if self.max_vms_per_service == 0 || self.max_vms_per_service > 0xffff {
            return Err(ConfigError::Invalid(
                "max_vms_per_service must be in 1..=65535".into(),
            ));
        }
        if self.max_services == 0 || self.max_services > 0xfffe {
            return Err(ConfigError::Invalid(
                "max_services must be in 1..=65534".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<SnapshotConfig, ConfigError> {
        let v: toml::Value = toml::from_str(s).map_err(|e| ConfigError::Parse(e.to_string()))?;
        SnapshotConfig::from_toml(&v)
    }

    #[test]
    fn empty_table_gives_defaults() {
        assert_eq!(parse("").unwrap(), SnapshotConfig::default());
    }

    #[test]
    fn keys_override_and_nested_limits() {
        let c =
            parse("gate_priority = 500\npair_priority = 501\n[limits]\nmax_hold_ms = 5").unwrap();
        assert_eq!(
            (c.gate_priority, c.pair_priority, c.limits.max_hold_ms),
            (500, 501, 5)
        );
        assert_eq!(c.limits.max_packets, Limits::default().max_packets);
    }

    #[test]
    fn bad_tables_are_errors() {
        assert!(matches!(parse("gate_prio = 1"), Err(ConfigError::Parse(_))));
        assert!(matches!(
            parse("gate_priority = 10\npair_priority = 10"),
            Err(ConfigError::Invalid(_))
        ));
        assert!(matches!(
            parse("sweep_interval_ms = 0"),
            Err(ConfigError::Invalid(_))
        ));
        assert!(matches!(
            parse("max_services = -1"),
            Err(ConfigError::Parse(_))
        ));
    }
}
