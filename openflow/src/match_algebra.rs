//! The match algebra: does a [`Match`] match a packet, does it cover another match, are two
//! matches the same, can two matches overlap. The simulated switches and the framework's
//! test harness both decide with these methods, so they cannot disagree.
//!
//! # Rules (as Open vSwitch applies them)
//!
//! - Every OpenFlow-basic field fits in 128 bits, so a field compares as a (value, mask)
//!   pair limited to the field's width; an exact field has an all-ones mask. A field's
//!   value bits outside its mask are ignored (`10.0.0.7/255.255.255.0` is `10.0.0.0/24`).
//! - **A field whose mask is all zero is a wildcard**: it matches every packet, whether or
//!   not the packet has the field, and a match holding it is the same as one without it.
//! - A packet is described by the exact fields its headers carry (see
//!   [`crate::packet::flow_match`]). A field the packet does not carry — its OpenFlow 1.3
//!   prerequisite (`eth_type` for IP fields, `ip_proto` for transport ports, …) is not
//!   met — fails the match unless the field is a wildcard.
//! - Fields of other classes (Nicira, experimenter) have no known width: they compare byte
//!   for byte, and a packet never carries them.
//!
//! ```
//! use openflow::Match;
//!
//! let packet = Match::new().in_port(1).eth_type(0x0806); // an ARP frame
//! assert!(Match::new().in_port(1).matches_packet(&packet));
//! assert!(!Match::new().tcp_dst(80).matches_packet(&packet)); // no TCP header
//! let anywhere = "0.0.0.0".parse().unwrap();
//! let wildcard = Match::new().ipv4_dst_masked(anywhere, anywhere); // mask all zero
//! assert!(wildcard.matches_packet(&packet)); // though ARP has no IPv4 header
//! assert!(Match::new().covers(&Match::new().in_port(1).eth_type(0x800)));
//! assert!(Match::new().in_port(1).eth_type(0x800).same_as(&Match::new().eth_type(0x800).in_port(1)));
//! ```

use crate::oxm::{Match, OxmField};

/// A field as (value, mask), both limited to the field's width; `None` for a field of
/// another class. An exact field has an all-ones mask.
pub fn field_bits(f: &OxmField) -> Option<(u128, u128)> {
    use OxmField::*;
    fn mac(m: &crate::MacAddr) -> u128 {
        u128::from(m.to_u64())
    }
    let ip4 = |a: &std::net::Ipv4Addr| u128::from(u32::from(*a));
    let ip6 = |a: &std::net::Ipv6Addr| u128::from(*a);
    let (v, m, width): (u128, Option<u128>, u32) = match f {
        InPort(p) | InPhyPort(p) => (u128::from(*p), None, 32),
        Metadata(v, m) | TunnelId(v, m) => (u128::from(*v), m.map(u128::from), 64),
        EthDst(v, m) | EthSrc(v, m) | ArpSha(v, m) | ArpTha(v, m) => {
            (mac(v), m.as_ref().map(mac), 48)
        }
        EthType(t) => (u128::from(*t), None, 16),
        VlanVid(v, m) => (u128::from(*v), m.map(u128::from), 13),
        Ipv6Exthdr(v, m) => (u128::from(*v), m.map(u128::from), 9),
        VlanPcp(v) | IpDscp(v) | IpEcn(v) | IpProto(v) | Icmpv4Type(v) | Icmpv4Code(v)
        | Icmpv6Type(v) | Icmpv6Code(v) | MplsTc(v) | MplsBos(v) => (u128::from(*v), None, 8),
        Ipv4Src(v, m) | Ipv4Dst(v, m) | ArpSpa(v, m) | ArpTpa(v, m) => {
            (ip4(v), m.as_ref().map(ip4), 32)
        }
        TcpSrc(v) | TcpDst(v) | UdpSrc(v) | UdpDst(v) | SctpSrc(v) | SctpDst(v) | ArpOp(v) => {
            (u128::from(*v), None, 16)
        }
        Ipv6Src(v, m) | Ipv6Dst(v, m) => (ip6(v), m.as_ref().map(ip6), 128),
        Ipv6Flabel(v, m) => (u128::from(*v), m.map(u128::from), 20),
        PbbIsid(v, m) => (u128::from(*v), m.map(u128::from), 24),
        Ipv6NdTarget(a) => (ip6(a), None, 128),
        Ipv6NdSll(a) | Ipv6NdTll(a) => (mac(a), None, 48),
        MplsLabel(v) => (u128::from(*v), None, 20),
        Other { .. } => return None,
    };
    let width_mask = if width >= 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    Some((v & width_mask, m.unwrap_or(width_mask) & width_mask))
}

/// (value & mask, mask): `x/ff` and `x` compare equal, as do values differing under a
/// zero mask bit.
fn normalised(f: &OxmField) -> Option<(u128, u128)> {
    field_bits(f).map(|(v, m)| (v & m, m))
}

/// Whether a field constrains nothing (all-zero mask).
fn is_wildcard(f: &OxmField) -> bool {
    field_bits(f).is_some_and(|(_, m)| m == 0)
}

impl Match {
    /// Whether a packet with these exact header fields (see
    /// [`crate::packet::flow_match`]) matches: every non-wildcard field of `self` is
    /// present in the packet and agrees with it on the mask's bits (module docs).
    pub fn matches_packet(&self, packet: &Match) -> bool {
        self.fields().iter().all(|f| {
            let Some(p) = packet.get(f.id()) else {
                return is_wildcard(f);
            };
            match (field_bits(f), field_bits(p)) {
                (Some((v, m)), Some((pv, _))) => pv & m == v & m,
                _ => f == p,
            }
        })
    }

    /// Whether `self` covers `other` (the selection of non-strict FLOW_MOD modify and
    /// delete, and of flow stats): every packet `other` matches, `self` matches too —
    /// `other` is at least as specific on every field `self` constrains, and agrees there.
    pub fn covers(&self, other: &Match) -> bool {
        self.fields().iter().all(|r| {
            let Some((rv, rm)) = field_bits(r) else {
                return other.get(r.id()) == Some(r);
            };
            if rm == 0 {
                return true;
            }
            match other.get(r.id()).and_then(field_bits) {
                Some((ov, om)) => om & rm == rm && ov & rm == rv & rm,
                None => false,
            }
        })
    }

    /// Strict equality (strict modify and delete, and the identity of an added flow): the
    /// same fields with the same values under the same masks, in any order. Wildcard
    /// fields count as absent.
    pub fn same_as(&self, other: &Match) -> bool {
        let constraining = |m: &Match| m.fields().iter().filter(|f| !is_wildcard(f)).count();
        constraining(self) == constraining(other)
            && self.fields().iter().all(|x| match normalised(x) {
                Some((_, 0)) => true,
                Some(n) => other.get(x.id()).and_then(normalised) == Some(n),
                None => other.get(x.id()) == Some(x),
            })
    }

    /// Whether some packet could match both `self` and `other` (FLOW_MOD `CHECK_OVERLAP`):
    /// a field only one of them names does not separate them; a common field must agree
    /// on the bits both masks fix.
    pub fn overlaps(&self, other: &Match) -> bool {
        self.fields().iter().all(|x| match other.get(x.id()) {
            None => true,
            Some(y) => match (field_bits(x), field_bits(y)) {
                (Some((xv, xm)), Some((yv, ym))) => xv & xm & ym == yv & xm & ym,
                _ => x == y,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MacAddr;
    use std::net::Ipv4Addr;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap_or(Ipv4Addr::UNSPECIFIED)
    }

    fn ipv4_packet() -> Match {
        Match::new()
            .in_port(1)
            .eth_type(0x0800)
            .ipv4_dst(ip("10.1.2.3"))
    }

    #[test]
    fn masked_fields_match_on_their_bits() {
        let net = Match::new()
            .eth_type(0x0800)
            .ipv4_dst_masked(ip("10.1.0.0"), ip("255.255.0.0"));
        assert!(net.matches_packet(&ipv4_packet()));
        assert!(!Match::new()
            .ipv4_dst(ip("10.1.2.4"))
            .matches_packet(&ipv4_packet()));
        // Value bits outside the mask do not matter.
        let sloppy = Match::new().ipv4_dst_masked(ip("10.1.9.9"), ip("255.255.0.0"));
        assert!(sloppy.matches_packet(&ipv4_packet()));
    }

    #[test]
    fn absent_field_fails_unless_wildcarded() {
        // The packet has no TCP header: tcp_dst's prerequisite is not met.
        assert!(!Match::new().tcp_dst(80).matches_packet(&ipv4_packet()));
        let v6 = std::net::Ipv6Addr::UNSPECIFIED;
        assert!(Match::new()
            .ipv6_src_masked(v6, v6)
            .matches_packet(&ipv4_packet()));
        assert!(!Match::new()
            .ipv6_src_masked(v6, std::net::Ipv6Addr::from(1))
            .matches_packet(&ipv4_packet()));
        let any_mac = Match::new().eth_src_masked(MacAddr::from_u64(5), MacAddr::from_u64(0));
        assert!(any_mac.matches_packet(&Match::new().in_port(1)));
        assert!(any_mac.same_as(&Match::new()));
        assert!(any_mac.covers(&Match::new()));
    }

    #[test]
    fn covering_is_non_strict_selection() {
        let net = Match::new()
            .eth_type(0x0800)
            .ipv4_dst_masked(ip("10.1.0.0"), ip("255.255.0.0"));
        let host = Match::new().eth_type(0x0800).ipv4_dst(ip("10.1.9.9"));
        assert!(net.covers(&host));
        assert!(!host.covers(&net));
        assert!(Match::new().covers(&net));
        assert!(!Match::new().in_port(1).covers(&Match::new()));
    }

    #[test]
    fn strict_equality_ignores_order_and_redundant_masks() {
        assert!(Match::new()
            .in_port(1)
            .eth_type(0x800)
            .same_as(&Match::new().eth_type(0x800).in_port(1)));
        let m = MacAddr::from_u64(5);
        assert!(Match::new()
            .eth_dst(m)
            .same_as(&Match::new().eth_dst_masked(m, MacAddr::BROADCAST)));
        assert!(!Match::new().in_port(1).same_as(&Match::new()));
        assert!(!Match::new()
            .in_port(1)
            .same_as(&Match::new().in_port(1).eth_type(0x800)));
    }

    #[test]
    fn overlap() {
        let net = Match::new().ipv4_dst_masked(ip("10.1.0.0"), ip("255.255.0.0"));
        assert!(net.overlaps(&Match::new().ipv4_dst(ip("10.1.9.9"))));
        assert!(Match::new()
            .in_port(1)
            .overlaps(&Match::new().eth_type(0x800)));
        assert!(!Match::new().in_port(1).overlaps(&Match::new().in_port(2)));
    }

    #[test]
    fn other_classes_compare_byte_for_byte() {
        let nx = OxmField::Other {
            class: 1,
            field: 2,
            has_mask: false,
            payload: bytes::Bytes::from_static(&[1, 2]),
        };
        let m = Match::new().with(nx.clone());
        assert!(m.covers(&m) && m.same_as(&m));
        assert!(!m.matches_packet(&Match::new().in_port(1)));
        assert!(!m.covers(&Match::new()));
        assert_eq!(field_bits(&nx), None);
    }
}
