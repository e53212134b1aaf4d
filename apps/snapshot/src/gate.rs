//! The gate: the rules that give the snapshot app the first forwarding decision for
//! packets entering from a member VM's port.
//!
//! - default rule, per member port: `priority=gate_priority, in_port=P → CONTROLLER:65535`
//!   (whole packets, so held packets can be re-sent later);
//! - pair rule, on demand: `priority=pair_priority, in_port=P, eth_src=v, eth_dst=w →
//!   output:<next hop>`.
//!
//! Both use one table (table 0), so they work alike on OpenFlow 1.0 and 1.3. Cookies tag
//! every rule with (service, VM, kind): `0x5350_SSSS_VVVV_000K` ("SP", service id, VM index,
//! K = 1 default / 2 pair), so a 1.3 cookie-masked delete removes exactly one VM's pair rules.

use bytes::Bytes;
use openflow::{port, Action, FlowMod, MacAddr, Match, PacketOut, Version};

use crate::config::SnapshotConfig;

/// Top 16 bits of every cookie of the snapshot app ("SP").
pub const COOKIE_PREFIX: u64 = 0x5350 << 48;
/// Selects the app's cookies.
pub const COOKIE_PREFIX_MASK: u64 = 0xffff << 48;
/// Kind of a default (per-port) rule.
pub const KIND_DEFAULT: u64 = 0x1;
/// Kind of a pair rule.
pub const KIND_PAIR: u64 = 0x2;

/// The cookie of a rule of `kind` for VM `vm` of service `service`.
pub fn cookie(service: u16, vm: usize, kind: u64) -> u64 {
    COOKIE_PREFIX | (u64::from(service) << 32) | (((vm as u64) & 0xffff) << 16) | (kind & 0xffff)
}

/// (service, VM index, kind) of a cookie of the app.
pub fn parse_cookie(c: u64) -> Option<(u16, usize, u64)> {
    (c & COOKIE_PREFIX_MASK == COOKIE_PREFIX).then_some((
        ((c >> 32) & 0xffff) as u16,
        ((c >> 16) & 0xffff) as usize,
        c & 0xffff,
    ))
}

/// The default rule of a member port.
pub fn default_rule(cfg: &SnapshotConfig, service: u16, vm: usize, in_port: u32) -> FlowMod {
    FlowMod::add(Match::new().in_port(in_port))
        .priority(cfg.gate_priority)
        .cookie(cookie(service, vm, KIND_DEFAULT))
        .actions(vec![Action::Output {
            port: port::CONTROLLER,
            max_len: openflow::action::CONTROLLER_NO_BUFFER,
        }])
}

/// Deletes exactly the default rule of a member port.
pub fn delete_default(cfg: &SnapshotConfig, in_port: u32) -> FlowMod {
    FlowMod::delete_strict(Match::new().in_port(in_port), cfg.gate_priority)
}

fn pair_match(in_port: u32, src: MacAddr, dst: MacAddr) -> Match {
    Match::new().in_port(in_port).eth_src(src).eth_dst(dst)
}

/// A pair rule from a sender's port towards `dst`.
pub fn pair_rule(
    cfg: &SnapshotConfig,
    service: u16,
    vm: usize,
    in_port: u32,
    src: MacAddr,
    dst: MacAddr,
    out_port: u32,
) -> FlowMod {
    FlowMod::add(pair_match(in_port, src, dst))
        .priority(cfg.pair_priority)
        .cookie(cookie(service, vm, KIND_PAIR))
        .idle_timeout(cfg.pair_idle_timeout)
        .actions(vec![Action::output(out_port)])
}

/// Deletes exactly one pair rule.
pub fn delete_pair(cfg: &SnapshotConfig, in_port: u32, src: MacAddr, dst: MacAddr) -> FlowMod {
    FlowMod::delete_strict(pair_match(in_port, src, dst), cfg.pair_priority)
}

/// OpenFlow 1.3 only: deletes every pair rule of a VM by cookie (also those the app no
/// longer tracks, e.g. from before a controller restart).
pub fn delete_pairs_by_cookie(service: u16, vm: usize) -> FlowMod {
    FlowMod::delete(Match::new()).cookie_masked(cookie(service, vm, KIND_PAIR), u64::MAX)
}

/// Whether the version can select flows by cookie.
pub fn has_cookie_mask(v: Version) -> bool {
    v != Version::V1_0
}

/// A PACKET_OUT of a whole frame as if it arrived on `in_port`, to `ports` (FLOOD when
/// `ports` is `None`).
pub fn packet_out(in_port: u32, ports: Option<&[u32]>, data: Bytes) -> PacketOut {
    let actions = match ports {
        Some(ps) => ps.iter().map(|p| Action::output(*p)).collect(),
        None => vec![Action::output(port::FLOOD)],
    };
    PacketOut::new(in_port, actions, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_round_trip_and_stay_in_the_prefix() {
        let c = cookie(0xabcd, 0x1234, KIND_PAIR);
        assert_eq!(c, 0x5350_abcd_1234_0002);
        assert_eq!(parse_cookie(c), Some((0xabcd, 0x1234, KIND_PAIR)));
        assert_eq!(parse_cookie(0x4c32_0000_0000_0001), None);
    }

    #[test]
    fn rules_lower_to_both_versions() {
        let cfg = SnapshotConfig::default();
        let m = MacAddr([0, 0, 0, 0, 0, 1]);
        for v in Version::ALL {
            use openflow::Neutral;
            default_rule(&cfg, 1, 0, 1).to_message(v).unwrap();
            pair_rule(&cfg, 1, 0, 1, m, m, 2).to_message(v).unwrap();
            delete_pair(&cfg, 1, m, m).to_message(v).unwrap();
            delete_default(&cfg, 1).to_message(v).unwrap();
            packet_out(1, Some(&[2, 3]), Bytes::from_static(&[0; 60]))
                .to_message(v)
                .unwrap();
            assert_eq!(
                delete_pairs_by_cookie(1, 0).to_message(v).is_ok(),
                has_cookie_mask(v)
            );
        }
    }
}
