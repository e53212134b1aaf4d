//! Packet library: known-good frames parse to the right fields, builders produce exactly
//! those bytes, and malformed frames are errors.

use std::net::{Ipv4Addr, Ipv6Addr};

use openflow::oxm::{OxmField, VID_NONE, VID_PRESENT};
use openflow::packet::arp::{Arp, ArpOp};
use openflow::packet::build::{self, Chassis, TcpSpec};
use openflow::packet::icmp::{Icmp, Icmpv6};
use openflow::packet::ip::{Ipv4Packet, Ipv6Packet};
use openflow::packet::lldp::{Lldp, Tlv};
use openflow::packet::transport::{tcp_flags, Tcp, Udp};
use openflow::packet::{flow_match, peek_eth, EthernetFrame, PacketError, Summary, VlanTag};
use openflow::{MacAddr, Match};

fn hx(s: &str) -> Vec<u8> {
    hex::decode(s.split_whitespace().collect::<String>()).expect("hex")
}
fn mac(last: u8) -> MacAddr {
    MacAddr::new([0, 0, 0, 0, 0, last])
}
fn ip4(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

/// RFC 1071 one's-complement sum; a header with a correct checksum sums to 0xffff.
fn ones_sum(b: &[u8]) -> u16 {
    let mut s: u32 = 0;
    for c in b.chunks(2) {
        s += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    s as u16
}

// An ARP request as Linux sends it: who has 10.0.0.2? tell 10.0.0.1 (00:00:00:00:00:01).
const ARP_REQUEST: &str = "ffffffffffff 000000000001 0806 0001 0800 06 04 0001
                           000000000001 0a000001 000000000000 0a000002";

#[test]
fn arp_request_known_bytes() {
    let wire = hx(ARP_REQUEST);
    assert_eq!(
        build::arp_request(mac(1), ip4("10.0.0.1"), ip4("10.0.0.2")),
        wire
    );
    let eth = EthernetFrame::parse(&wire).unwrap();
    assert_eq!(
        (eth.dst, eth.src, eth.ethertype),
        (MacAddr::BROADCAST, mac(1), 0x0806)
    );
    assert!(eth.vlans.is_empty());
    let arp = Arp::parse(eth.payload).unwrap();
    assert_eq!(
        arp,
        Arp {
            op: ArpOp::Request,
            sha: mac(1),
            spa: ip4("10.0.0.1"),
            tha: MacAddr::ZERO,
            tpa: ip4("10.0.0.2")
        }
    );
    // The reply the owner of 10.0.0.2 would send.
    let reply = build::arp_reply(mac(2), ip4("10.0.0.2"), mac(1), ip4("10.0.0.1"));
    let r = Arp::parse(EthernetFrame::parse(&reply).unwrap().payload).unwrap();
    assert_eq!(r, arp.reply(mac(2)));
    assert_eq!(peek_eth(&reply), Some((mac(1), mac(2), 0x0806)));
    assert_eq!(
        Summary(&wire).to_string(),
        "00:00:00:00:00:01 > ff:ff:ff:ff:ff:ff ARP who-has 10.0.0.2 tell 10.0.0.1"
    );
}

// LLDP as Ryu's switches app (and Viola) send it: chassis "dpid:0000000000000001"
// (locally assigned, TLV 0x0216), port component 4-byte port 1 (0x0405), TTL 120, End.
const LLDP_RYU: &str = "0180c200000e 000000000101 88cc
    0216 07 6470 69643a 30303030303030303030303030303031
    0405 02 00000001
    0602 0078
    0000";

#[test]
fn lldp_known_bytes() {
    let wire = hx(LLDP_RYU);
    assert_eq!(
        build::lldp(
            MacAddr::new([0, 0, 0, 0, 1, 1]),
            Chassis::Dpid(openflow::Dpid(1)),
            1,
            120,
            &[]
        )
        .unwrap(),
        wire
    );
    let eth = EthernetFrame::parse(&wire).unwrap();
    assert_eq!(
        (eth.dst, eth.ethertype),
        (MacAddr::LLDP_NEAREST_BRIDGE, 0x88cc)
    );
    let l = Lldp::parse(eth.payload).unwrap();
    assert_eq!(
        (l.dpid(), l.port_number(), l.ttl),
        (Some(openflow::Dpid(1)), Some(1), 120)
    );
    assert_eq!(l.chassis_id.subtype, 7);
    assert_eq!(l.port_id.subtype, 2);
    assert!(l.tlvs.is_empty());
}

// A switch's LLDP with a MAC chassis id, an interface-name port id, a system name, an
// IEEE 802.1 organisational TLV (port VLAN id 1) and a port description, then End and padding.
const LLDP_FULL: &str = "0180c200000e 0a0000000001 88cc
    0207 04 0a0000000001
    0404 05 657468
    0602 0014
    0a02 7331
    fe06 0080c2 01 0001
    0803 703231
    0000 000000";

#[test]
fn lldp_optional_tlvs_are_kept_in_order() {
    let wire = hx(LLDP_FULL);
    let eth = EthernetFrame::parse(&wire).unwrap();
    let l = Lldp::parse(eth.payload).unwrap();
    assert_eq!(l.dpid(), Some(openflow::Dpid(0x0a00_0000_0001)));
    assert_eq!(l.port_id.subtype, 5);
    assert_eq!(l.port_id.id, b"eth");
    assert_eq!(l.port_number(), None);
    assert_eq!(l.ttl, 20);
    assert_eq!(l.system_name(), Some("s1"));
    assert_eq!(
        &l.tlvs[..],
        &[
            Tlv::SystemName(b"s1"),
            Tlv::OrgSpecific {
                oui: [0x00, 0x80, 0xc2],
                subtype: 1,
                info: &[0, 1]
            },
            Tlv::Other {
                tlv_type: 4,
                value: b"p21"
            },
        ]
    );
    // Re-encoding gives the LLDPDU back (without the Ethernet padding after End).
    let mut out = Vec::new();
    l.write(&mut out).unwrap();
    assert_eq!(out, eth.payload[..eth.payload.len() - 3]);
    // The builder places extra TLVs between TTL and End.
    let f = build::lldp(mac(9), Chassis::Mac(mac(9)), 7, 5, &l.tlvs).unwrap();
    let l2 = Lldp::parse(EthernetFrame::parse(&f).unwrap().payload).unwrap();
    assert_eq!(
        (l2.dpid(), l2.port_number(), l2.system_name()),
        (Some(openflow::Dpid(9)), Some(7), Some("s1"))
    );
    assert_eq!(format!("{:?}", l2.tlvs), format!("{:?}", l.tlvs));
}

#[test]
fn malformed_frames_are_errors() {
    assert!(matches!(
        EthernetFrame::parse(&[0; 13]),
        Err(PacketError::Truncated { .. })
    ));
    assert_eq!(peek_eth(&[0; 13]), None);
    // A VLAN tag cut short.
    let mut tagged = hx("ffffffffffff 000000000001 8100 00");
    assert!(EthernetFrame::parse(&tagged).is_err());
    assert_eq!(peek_eth(&tagged), None);
    tagged.extend_from_slice(&[0x0a, 0x08, 0x00]);
    assert_eq!(EthernetFrame::parse(&tagged).unwrap().ethertype, 0x0800);
    // ARP for another hardware type, or cut short.
    let mut arp = hx(ARP_REQUEST);
    arp[15] = 6;
    assert!(matches!(
        Arp::parse(&arp[14..]),
        Err(PacketError::Malformed { .. })
    ));
    assert!(matches!(
        Arp::parse(&hx(ARP_REQUEST)[14..40]),
        Err(PacketError::Truncated { .. })
    ));
    // LLDP: missing port id, TTL of the wrong size, TLV overrunning the frame.
    assert!(Lldp::parse(&hx(
        "0216 07 6470 69643a 30303030303030303030303030303031 0602 0078 0000"
    ))
    .is_err());
    assert!(Lldp::parse(&hx("0207 04 0a0000000001 0404 05 657468 0601 00 0000")).is_err());
    assert!(Lldp::parse(&hx("0207 04 0a0000000001 04ff 05 657468")).is_err());
    assert!(Lldp::parse(&hx("0201 04 0404 05 657468 0602 0014")).is_err());
    // IP headers with a bad version or cut short.
    let ping =
        build::icmp_echo_request(mac(1), mac(2), ip4("10.0.0.1"), ip4("10.0.0.2"), 1, 1, b"x");
    let mut bad = ping[14..].to_vec();
    bad[0] = 0x65;
    assert!(Ipv4Packet::parse(&bad).is_err());
    assert!(matches!(
        Ipv4Packet::parse(&ping[14..30]),
        Err(PacketError::Truncated { .. })
    ));
    assert!(Ipv6Packet::parse(&ping[14..]).is_err());
    assert!(Tcp::parse(&[0; 19]).is_err());
    assert!(Udp::parse(&[0; 7]).is_err());
    assert!(Icmp::parse(&[8, 0, 0]).is_err());
    // An oversized LLDP TLV cannot be built.
    let big = vec![b'x'; 600];
    assert!(build::lldp(
        mac(1),
        Chassis::Dpid(openflow::Dpid(1)),
        1,
        1,
        &[Tlv::SystemName(&big)]
    )
    .is_err());
}

#[test]
fn icmp_echo_build_parse() {
    let f = build::icmp_echo_request(
        mac(1),
        mac(2),
        ip4("10.0.0.1"),
        ip4("10.0.0.2"),
        0x1234,
        7,
        b"hello",
    );
    let eth = EthernetFrame::parse(&f).unwrap();
    assert_eq!((eth.dst, eth.src, eth.ethertype), (mac(2), mac(1), 0x0800));
    let ip = Ipv4Packet::parse(eth.payload).unwrap();
    assert_eq!(
        (ip.src, ip.dst, ip.proto, ip.ttl),
        (ip4("10.0.0.1"), ip4("10.0.0.2"), 1, 64)
    );
    // Both checksums are right (checked independently of etherparse).
    assert_eq!(ones_sum(&eth.payload[..20]), 0xffff);
    assert_eq!(ones_sum(ip.payload), 0xffff);
    let icmp = Icmp::parse(ip.payload).unwrap();
    assert_eq!(
        (icmp.icmp_type, icmp.code, icmp.echo(), icmp.payload),
        (8, 0, Some((0x1234, 7)), &b"hello"[..])
    );
    let r = build::icmp_echo_reply(
        mac(2),
        mac(1),
        ip4("10.0.0.2"),
        ip4("10.0.0.1"),
        0x1234,
        7,
        b"hello",
    );
    let rip = Ipv4Packet::parse(EthernetFrame::parse(&r).unwrap().payload).unwrap();
    assert_eq!(Icmp::parse(rip.payload).unwrap().icmp_type, 0);
    assert_eq!(
        Summary(&f).to_string(),
        "00:00:00:00:00:01 > 00:00:00:00:00:02 IPv4 10.0.0.1 > 10.0.0.2 ICMP echo-request id=4660 seq=7"
    );
}

#[test]
fn udp_tcp_build_parse() {
    let u = build::udp(
        mac(1),
        mac(2),
        ip4("10.0.0.1"),
        ip4("10.0.0.2"),
        5353,
        53,
        b"q",
    );
    let ip = Ipv4Packet::parse(EthernetFrame::parse(&u).unwrap().payload).unwrap();
    assert_eq!(ip.proto, 17);
    let d = Udp::parse(ip.payload).unwrap();
    assert_eq!((d.src_port, d.dst_port, d.payload), (5353, 53, &b"q"[..]));
    let spec = TcpSpec {
        src_port: 40000,
        dst_port: 80,
        seq: 11,
        ack: 22,
        flags: tcp_flags::SYN | tcp_flags::ACK,
        window: 1000,
    };
    let t = build::tcp(
        mac(1),
        mac(2),
        ip4("10.0.0.1"),
        ip4("10.0.0.2"),
        spec,
        b"GET",
    );
    let ip = Ipv4Packet::parse(EthernetFrame::parse(&t).unwrap().payload).unwrap();
    let s = Tcp::parse(ip.payload).unwrap();
    assert_eq!(
        (s.src_port, s.dst_port, s.seq, s.ack, s.flags, s.window, s.payload),
        (40000, 80, 11, 22, 0x12, 1000, &b"GET"[..])
    );
    let key = flow_match(3, &t);
    assert_eq!(
        key.to_string(),
        "in_port=3,dl_dst=00:00:00:00:00:02,dl_src=00:00:00:00:00:01,dl_type=0x0800,vlan_vid=0x0,\
         ip_dscp=0,nw_ecn=0,nw_proto=6,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=40000,tp_dst=80"
    );
    assert!(key.validate().is_ok());
}

#[test]
fn vlan_tags_and_flow_key() {
    let u = build::udp(mac(1), mac(2), ip4("10.0.0.1"), ip4("10.0.0.2"), 1, 2, b"");
    let one = openflow::packet::ethernet::push_vlan(&u, VlanTag::new(10, 3)).unwrap();
    let two = openflow::packet::ethernet::push_vlan(
        &one,
        VlanTag {
            tpid: 0x88a8,
            pcp: 0,
            dei: false,
            vid: 100,
        },
    )
    .unwrap();
    let eth = EthernetFrame::parse(&two).unwrap();
    assert_eq!(eth.vlans.len(), 2);
    assert_eq!((eth.vlans[0].tpid, eth.vlans[0].vid), (0x88a8, 100));
    assert_eq!((eth.vlans[1].vid, eth.vlans[1].pcp), (10, 3));
    assert_eq!(eth.ethertype, 0x0800);
    assert_eq!(peek_eth(&two), Some((mac(2), mac(1), 0x0800)));
    let key = flow_match(1, &one);
    assert!(key
        .fields()
        .contains(&OxmField::VlanVid(VID_PRESENT | 10, None)));
    assert!(key.fields().contains(&OxmField::VlanPcp(3)));
    assert!(key.fields().contains(&OxmField::EthType(0x0800)));
    assert!(key.validate().is_ok());
    assert_eq!(openflow::packet::ethernet::pop_vlan(&one).unwrap(), u);
    assert!(flow_match(1, &u)
        .fields()
        .contains(&OxmField::VlanVid(VID_NONE, None)));
    // Rebuilding a parsed frame gives the same bytes.
    assert_eq!(eth.to_bytes(), two);
}

#[test]
fn ipv6_icmpv6_and_neighbor_discovery() {
    let a: Ipv6Addr = "fe80::1".parse().unwrap();
    let b: Ipv6Addr = "fe80::2".parse().unwrap();
    let e = build::icmpv6_echo_request(mac(1), mac(2), a, b, 9, 3, b"ping");
    let ip = Ipv6Packet::parse(EthernetFrame::parse(&e).unwrap().payload).unwrap();
    assert_eq!(
        (ip.src, ip.dst, ip.next_header, ip.hop_limit),
        (a, b, 58, 64)
    );
    let i = Icmpv6::parse(ip.payload).unwrap();
    assert_eq!((i.icmp_type, i.echo()), (128, Some((9, 3))));
    let r = build::icmpv6_echo_reply(mac(2), mac(1), b, a, 9, 3, b"ping");
    let rip = Ipv6Packet::parse(EthernetFrame::parse(&r).unwrap().payload).unwrap();
    assert_eq!(Icmpv6::parse(rip.payload).unwrap().icmp_type, 129);

    let ns = build::neighbor_solicitation(mac(1), a, b);
    let eth = EthernetFrame::parse(&ns).unwrap();
    assert_eq!(eth.dst, MacAddr::new([0x33, 0x33, 0xff, 0, 0, 2]));
    let ip = Ipv6Packet::parse(eth.payload).unwrap();
    assert_eq!(ip.dst, "ff02::1:ff00:2".parse::<Ipv6Addr>().unwrap());
    let nd = Icmpv6::parse(ip.payload)
        .unwrap()
        .neighbor_discovery()
        .unwrap();
    assert_eq!((nd.target, nd.sll, nd.tll), (b, Some(mac(1)), None));
    let key = flow_match(4, &ns);
    assert!(key.validate().is_ok(), "{key}");
    assert!(key.fields().ends_with(&[
        OxmField::Icmpv6Type(135),
        OxmField::Icmpv6Code(0),
        OxmField::Ipv6NdTarget(b),
        OxmField::Ipv6NdSll(mac(1)),
    ]));

    let na = build::neighbor_advertisement(mac(2), b, mac(1), a);
    let ip = Ipv6Packet::parse(EthernetFrame::parse(&na).unwrap().payload).unwrap();
    let nd = Icmpv6::parse(ip.payload)
        .unwrap()
        .neighbor_discovery()
        .unwrap();
    assert_eq!(
        (nd.target, nd.sll, nd.tll, nd.flags),
        (b, None, Some(mac(2)), 0x60)
    );
    assert!(flow_match(4, &na)
        .fields()
        .contains(&OxmField::Ipv6NdTll(mac(2))));
}

#[test]
fn flow_key_of_short_or_odd_frames() {
    // Not even an Ethernet header: only the port.
    assert_eq!(flow_match(5, &[1, 2, 3]), Match::new().in_port(5));
    // An IPv4 frame whose TCP header is cut: the key stops at the network layer.
    let t = build::tcp(
        mac(1),
        mac(2),
        ip4("10.0.0.1"),
        ip4("10.0.0.2"),
        TcpSpec::syn(1, 2),
        b"",
    );
    let key = flow_match(1, &t[..14 + 20 + 10]);
    assert!(key.fields().contains(&OxmField::IpProto(6)));
    assert!(!key
        .fields()
        .iter()
        .any(|f| matches!(f, OxmField::TcpSrc(_))));
    // An 802.3 (length) frame reports dl_type 0x05ff as OpenFlow switches do.
    let llc = hx("0180c2000000 000000000001 0026 424203000000");
    assert!(flow_match(1, &llc)
        .fields()
        .contains(&OxmField::EthType(0x05ff)));
    // A later IPv4 fragment has no transport fields.
    let mut frag = build::udp(
        mac(1),
        mac(2),
        ip4("10.0.0.1"),
        ip4("10.0.0.2"),
        1,
        2,
        b"abcdefgh",
    );
    frag[14 + 6] = 0x00;
    frag[14 + 7] = 0x10;
    assert!(!flow_match(1, &frag)
        .fields()
        .iter()
        .any(|f| matches!(f, OxmField::UdpSrc(_))));
}
