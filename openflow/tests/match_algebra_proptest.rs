//! Properties of the match algebra (`Match::matches_packet`, `covers`, `same_as`): covering
//! is what "every packet one matches, the other matches" means, on small field domains
//! where random matches and packets collide often.

use std::net::Ipv4Addr;

use openflow::{MacAddr, Match, OxmField};
use proptest::prelude::*;

/// A packet's exact fields, drawn from tiny domains.
fn packet() -> impl Strategy<Value = Match> {
    (
        1u32..4,
        0u64..4,
        prop::option::of(0u32..4),
        prop::option::of(0u16..4),
    )
        .prop_map(|(port, mac, ip, tcp)| {
            let mut m = Match::new()
                .in_port(port)
                .eth_dst(MacAddr::from_u64(mac))
                .eth_type(0x0800);
            if let Some(ip) = ip {
                m = m.ipv4_dst(Ipv4Addr::from(ip));
            }
            if let Some(tcp) = tcp {
                m = m.ip_proto(6).tcp_dst(tcp);
            }
            m
        })
}

/// A rule's match: any subset of the fields, masks included (zero masks too).
fn rule() -> impl Strategy<Value = Match> {
    (
        prop::option::of(1u32..4),
        prop::option::of((0u64..4, 0u64..4)),
        prop::option::of((0u32..4, 0u32..4)),
        prop::option::of(0u16..4),
        any::<bool>(),
    )
        .prop_map(|(port, mac, ip, tcp, reversed)| {
            let mut f = Vec::new();
            if let Some(p) = port {
                f.push(OxmField::InPort(p));
            }
            if let Some((v, m)) = mac {
                f.push(OxmField::EthDst(
                    MacAddr::from_u64(v),
                    Some(MacAddr::from_u64(m)),
                ));
            }
            if let Some((v, m)) = ip {
                f.push(OxmField::Ipv4Dst(
                    Ipv4Addr::from(v),
                    Some(Ipv4Addr::from(m)),
                ));
            }
            if let Some(t) = tcp {
                f.push(OxmField::TcpDst(t));
            }
            if reversed {
                f.reverse();
            }
            Match::from_fields(f)
        })
}

proptest! {
    /// If `a` covers `b`, every packet `b` matches is matched by `a`.
    #[test]
    fn covering_implies_matching(a in rule(), b in rule(), p in packet()) {
        if a.covers(&b) && b.matches_packet(&p) {
            prop_assert!(a.matches_packet(&p), "{a} covers {b} but not packet {p}");
        }
    }

    /// A packet's own exact fields are the most specific rule: covering it is matching it.
    #[test]
    fn covering_a_packet_is_matching_it(a in rule(), p in packet()) {
        prop_assert_eq!(a.covers(&p), a.matches_packet(&p));
    }

    /// Strict equality is an equivalence that implies covering both ways, whatever the
    /// field order.
    #[test]
    fn same_as_is_mutual_covering(a in rule(), b in rule()) {
        prop_assert!(a.same_as(&a) && a.covers(&a));
        let reordered = Match::from_fields(a.fields().iter().rev().cloned());
        prop_assert!(a.same_as(&reordered));
        prop_assert_eq!(a.same_as(&b), b.same_as(&a));
        if a.same_as(&b) {
            prop_assert!(a.covers(&b) && b.covers(&a));
        }
    }
}
