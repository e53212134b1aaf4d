//! Packet library properties: builders round-trip through the parsers, and no input makes a
//! parser, the flow-key extractor or the summary panic; flow keys always validate.

use std::net::{Ipv4Addr, Ipv6Addr};

use openflow::oxm::OxmField;
use openflow::packet::arp::Arp;
use openflow::packet::build::{self, Chassis, TcpSpec};
use openflow::packet::icmp::{Icmp, Icmpv6};
use openflow::packet::ip::{Ipv4Packet, Ipv6Packet};
use openflow::packet::lldp::{Lldp, Tlv};
use openflow::packet::transport::{Tcp, Udp};
use openflow::packet::{flow_match, peek_eth, EthernetFrame, Summary};
use openflow::MacAddr;
use proptest::collection::vec;
use proptest::prelude::*;

fn mac() -> impl Strategy<Value = MacAddr> {
    any::<[u8; 6]>().prop_map(MacAddr)
}
fn ip4() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}
fn ip6() -> impl Strategy<Value = Ipv6Addr> {
    any::<u128>().prop_map(Ipv6Addr::from)
}

/// `PROPTEST_CASES` overrides the default number of cases (for longer fuzzing runs).
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256), ..ProptestConfig::default() })]

    #[test]
    fn udp_round_trip(s in mac(), d in mac(), si in ip4(), di in ip4(), sp in any::<u16>(), dp in any::<u16>(),
                      payload in vec(any::<u8>(), 0..200), port in any::<u32>()) {
        let f = build::udp(s, d, si, di, sp, dp, &payload);
        let eth = EthernetFrame::parse(&f).unwrap();
        prop_assert_eq!((eth.dst, eth.src, eth.ethertype), (d, s, 0x0800));
        let ip = Ipv4Packet::parse(eth.payload).unwrap();
        prop_assert_eq!((ip.src, ip.dst, ip.proto), (si, di, 17));
        let u = Udp::parse(ip.payload).unwrap();
        prop_assert_eq!((u.src_port, u.dst_port, u.payload), (sp, dp, &payload[..]));
        let key = flow_match(port, &f);
        prop_assert!(key.validate().is_ok());
        prop_assert!(key.fields().contains(&OxmField::UdpDst(dp)));
        prop_assert!(key.fields().contains(&OxmField::Ipv4Src(si, None)));
    }

    #[test]
    fn tcp_and_icmp_round_trip(s in mac(), d in mac(), si in ip4(), di in ip4(), sp in any::<u16>(), dp in any::<u16>(),
                               seq in any::<u32>(), ack in any::<u32>(), flags in 0u8..0x40, id in any::<u16>(),
                               payload in vec(any::<u8>(), 0..64)) {
        let spec = TcpSpec { src_port: sp, dst_port: dp, seq, ack, flags, window: 512 };
        let f = build::tcp(s, d, si, di, spec, &payload);
        let ip = Ipv4Packet::parse(EthernetFrame::parse(&f).unwrap().payload).unwrap();
        let t = Tcp::parse(ip.payload).unwrap();
        prop_assert_eq!((t.src_port, t.dst_port, t.seq, t.flags, t.payload), (sp, dp, seq, flags, &payload[..]));
        if flags & 0x10 != 0 {
            prop_assert_eq!(t.ack, ack);
        }
        let e = build::icmp_echo_request(s, d, si, di, id, seq as u16, &payload);
        let ip = Ipv4Packet::parse(EthernetFrame::parse(&e).unwrap().payload).unwrap();
        let i = Icmp::parse(ip.payload).unwrap();
        prop_assert_eq!(i.echo(), Some((id, seq as u16)));
        prop_assert_eq!(i.payload, &payload[..]);
    }

    #[test]
    fn ipv6_and_arp_round_trip(s in mac(), d in mac(), a in ip6(), b in ip6(), id in any::<u16>(),
                               sa in ip4(), ta in ip4()) {
        let e = build::icmpv6_echo_request(s, d, a, b, id, 1, b"x");
        let ip = Ipv6Packet::parse(EthernetFrame::parse(&e).unwrap().payload).unwrap();
        prop_assert_eq!((ip.src, ip.dst), (a, b));
        prop_assert_eq!(Icmpv6::parse(ip.payload).unwrap().echo(), Some((id, 1)));
        let ns = build::neighbor_solicitation(s, a, b);
        let ip = Ipv6Packet::parse(EthernetFrame::parse(&ns).unwrap().payload).unwrap();
        let nd = Icmpv6::parse(ip.payload).unwrap().neighbor_discovery().unwrap();
        prop_assert_eq!((nd.target, nd.sll), (b, Some(s)));
        let r = build::arp_request(s, sa, ta);
        let arp = Arp::parse(EthernetFrame::parse(&r).unwrap().payload).unwrap();
        prop_assert_eq!((arp.sha, arp.spa, arp.tpa), (s, sa, ta));
        let mut out = Vec::new();
        arp.write(&mut out);
        prop_assert_eq!(&out[..], &r[14..]);
    }

    #[test]
    fn lldp_round_trip(src in mac(), dpid in any::<u64>(), port in any::<u32>(), ttl in any::<u16>(),
                       name in vec(any::<u8>(), 0..40), info in vec(any::<u8>(), 0..40), kind in 9u8..127) {
        let extra = [Tlv::SystemName(&name), Tlv::OrgSpecific { oui: [0, 0x26, 0xe1], subtype: 1, info: &info },
                     Tlv::Other { tlv_type: kind, value: &info }];
        let f = build::lldp(src, Chassis::Dpid(openflow::Dpid(dpid)), port, ttl, &extra).unwrap();
        let l = Lldp::parse(EthernetFrame::parse(&f).unwrap().payload).unwrap();
        prop_assert_eq!((l.dpid(), l.port_number(), l.ttl), (Some(openflow::Dpid(dpid)), Some(port), ttl));
        prop_assert_eq!(&l.tlvs[..], &extra[..]);
    }

    #[test]
    fn random_frames_never_panic(frame in vec(any::<u8>(), 0..300), et in prop_oneof![
        Just(0x0800u16), Just(0x86dd), Just(0x0806), Just(0x88cc), Just(0x8100), any::<u16>()]) {
        // Random bytes, and random bytes behind a plausible Ethernet header.
        let mut typed = vec![0u8; 12];
        typed.extend_from_slice(&et.to_be_bytes());
        typed.extend_from_slice(&frame);
        for f in [&frame, &typed] {
            let _ = peek_eth(f);
            if let Ok(eth) = EthernetFrame::parse(f) {
                let p = eth.payload;
                let _ = (Arp::parse(p), Lldp::parse(p), Tcp::parse(p), Udp::parse(p), Icmp::parse(p));
                if let Ok(ip) = Ipv4Packet::parse(p) { let _ = Tcp::parse(ip.payload); }
                if let Ok(ip) = Ipv6Packet::parse(p) {
                    if let Ok(i) = Icmpv6::parse(ip.payload) { let _ = i.neighbor_discovery(); }
                }
            }
            let key = flow_match(1, f);
            prop_assert!(key.validate().is_ok(), "{}", key);
            prop_assert!(!Summary(f).to_string().contains('\n'));
        }
    }
}
