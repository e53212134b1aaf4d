//! Match semantics over OXM fields: does a packet match a flow, does a request cover a
//! flow (non-strict modify/delete/stats), are two matches the same (strict), do two
//! matches overlap (CHECK_OVERLAP).
//!
//! Every basic field fits in 128 bits, so a field is compared as a (value, mask) pair of
//! `u128`; an exact field has an all-ones mask. Fields of other classes compare byte for
//! byte.

use openflow::{Match, OxmField};

/// (value, mask) of a field, both limited to the field's width, or `None` for a non-basic
/// field. An exact field has an all-ones mask.
pub fn bits(f: &OxmField) -> Option<(u128, u128)> {
    use OxmField::*;
    fn mac(m: &openflow::MacAddr) -> u128 {
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
    let w = if width >= 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    Some((v & w, m.unwrap_or(w) & w))
}

fn same_other(a: &OxmField, b: &OxmField) -> bool {
    a == b
}

/// Whether the packet (its exact fields, see [`super::frame::packet_fields`]) matches the
/// flow's match: every field of the flow must be present in the packet and agree on the
/// mask's bits.
pub fn packet_matches(flow: &Match, packet: &Match) -> bool {
    flow.fields().iter().all(|f| {
        let Some(p) = packet.get(f.id()) else {
            // A fully wildcarded mask matches even a packet without the field.
            return bits(f).is_some_and(|(_, m)| m == 0);
        };
        match (bits(f), bits(p)) {
            (Some((v, m)), Some((pv, _))) => pv & m == v & m,
            _ => same_other(f, p),
        }
    })
}

/// Whether request `req` covers flow `flow` (non-strict modify, delete and stats): the flow
/// is at least as specific as the request on every field the request names, and agrees
/// with it there.
pub fn covers(req: &Match, flow: &Match) -> bool {
    req.fields().iter().all(|r| {
        let Some((rv, rm)) = bits(r) else {
            return flow.get(r.id()).is_some_and(|f| same_other(r, f));
        };
        if rm == 0 {
            return true;
        }
        match flow.get(r.id()).and_then(bits) {
            Some((fv, fm)) => fm & rm == rm && fv & rm == rv & rm,
            None => false,
        }
    })
}

/// Normalised (value & mask, mask) of a field, so that `x/ff` and `x` compare equal.
fn norm(f: &OxmField) -> Option<(u128, u128)> {
    bits(f).map(|(v, m)| (v & m, m))
}

/// Strict equality of two matches: the same fields with the same values and masks, in any
/// order. Fully wildcarded fields count as absent.
pub fn same(a: &Match, b: &Match) -> bool {
    let live = |m: &Match| {
        m.fields()
            .iter()
            .filter(|f| bits(f).is_none_or(|(_, mk)| mk != 0))
            .count()
    };
    if live(a) != live(b) {
        return false;
    }
    a.fields().iter().all(|x| match norm(x) {
        Some((_, 0)) => true,
        Some(n) => b.get(x.id()).and_then(norm) == Some(n),
        None => b.get(x.id()).is_some_and(|y| same_other(x, y)),
    })
}

/// Whether some packet could match both `a` and `b` (fields only one of them names are
/// wildcards; common fields must agree on the bits both masks fix).
pub fn overlap(a: &Match, b: &Match) -> bool {
    a.fields().iter().all(|x| match b.get(x.id()) {
        None => true,
        Some(y) => match (bits(x), bits(y)) {
            (Some((xv, xm)), Some((yv, ym))) => xv & xm & ym == yv & xm & ym,
            _ => same_other(x, y),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use openflow::MacAddr;
    use std::net::Ipv4Addr;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn masks_and_covering() {
        let pkt = Match::new()
            .in_port(1)
            .eth_type(0x0800)
            .ipv4_dst(ip("10.1.2.3"));
        let net = Match::new()
            .eth_type(0x0800)
            .ipv4_dst_masked(ip("10.1.0.0"), ip("255.255.0.0"));
        assert!(packet_matches(&net, &pkt));
        assert!(!packet_matches(
            &Match::new().ipv4_dst(ip("10.1.2.4")),
            &pkt
        ));
        assert!(!packet_matches(&Match::new().tcp_dst(80), &pkt));
        let host = Match::new().eth_type(0x0800).ipv4_dst(ip("10.1.9.9"));
        assert!(covers(&net, &host));
        assert!(!covers(&host, &net));
        assert!(covers(&Match::new(), &net));
        assert!(same(
            &Match::new().in_port(1).eth_type(0x800),
            &Match::new().eth_type(0x800).in_port(1)
        ));
        assert!(!same(&net, &host));
        let m = MacAddr::from_u64(5);
        assert!(same(
            &Match::new().eth_dst(m),
            &Match::new().eth_dst_masked(m, MacAddr::BROADCAST)
        ));
        assert!(overlap(&net, &host));
        assert!(overlap(
            &Match::new().in_port(1),
            &Match::new().eth_type(0x800)
        ));
        assert!(!overlap(&Match::new().in_port(1), &Match::new().in_port(2)));
    }
}
