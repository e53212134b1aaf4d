//! The frames simulated hosts send and read — ARP, ICMP echo, UDP, a TCP SYN over IPv4 —
//! through the codec's packet builders and parsers (`openflow::packet`). What this module
//! adds is what a wire adds: a frame shorter than the Ethernet minimum is padded to 60
//! bytes, as a NIC pads it, so byte counters match a real switch's.

use std::net::Ipv4Addr;

use openflow::oxm::{eth_type, ip_proto};
use openflow::packet::build::{self as of_build, TcpSpec};
use openflow::packet::icmp::Icmp;
use openflow::packet::ip::Ipv4Packet as IpHeader;
use openflow::packet::transport::Udp;
use openflow::packet::EthernetFrame;
use openflow::MacAddr;

pub use openflow::packet::arp::{Arp, ArpOp};

/// `ARPOP_REQUEST` / `ARPOP_REPLY`.
pub const ARP_REQUEST: u16 = 0x0001;
pub const ARP_REPLY: u16 = 0x0002;
/// ICMP echo types.
pub const ICMP_ECHO_REPLY: u8 = 0x00;
pub const ICMP_ECHO_REQUEST: u8 = 0x08;

/// The Ethernet minimum without the frame check sequence.
const MIN_FRAME: usize = 60;

fn padded(mut f: Vec<u8>) -> Vec<u8> {
    if f.len() < MIN_FRAME {
        f.resize(MIN_FRAME, 0);
    }
    f
}

/// An Ethernet/IPv4 ARP packet: a broadcast request (`tha` unused) or a reply to `tha`.
pub fn arp(op: u16, sha: MacAddr, spa: Ipv4Addr, tha: MacAddr, tpa: Ipv4Addr) -> Vec<u8> {
    padded(if op == ARP_REQUEST {
        of_build::arp_request(sha, spa, tpa)
    } else {
        of_build::arp_reply(sha, spa, tha, tpa)
    })
}

/// An ICMP echo request or reply (`icmp_type` [`ICMP_ECHO_REQUEST`] or
/// [`ICMP_ECHO_REPLY`]).
#[allow(clippy::too_many_arguments)]
pub fn icmp_echo(
    src_mac: MacAddr,
    dst_mac: MacAddr,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    icmp_type: u8,
    id: u16,
    seq: u16,
    payload: &[u8],
) -> Vec<u8> {
    padded(if icmp_type == ICMP_ECHO_REQUEST {
        of_build::icmp_echo_request(src_mac, dst_mac, src, dst, id, seq, payload)
    } else {
        of_build::icmp_echo_reply(src_mac, dst_mac, src, dst, id, seq, payload)
    })
}

/// A UDP datagram (checksum computed).
pub fn udp(
    src_mac: MacAddr,
    dst_mac: MacAddr,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    sport: u16,
    dport: u16,
    payload: &[u8],
) -> Vec<u8> {
    padded(of_build::udp(
        src_mac, dst_mac, src, dst, sport, dport, payload,
    ))
}

/// A TCP segment with only the SYN flag (checksum computed).
pub fn tcp_syn(
    src_mac: MacAddr,
    dst_mac: MacAddr,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    sport: u16,
    dport: u16,
) -> Vec<u8> {
    padded(of_build::tcp(
        src_mac,
        dst_mac,
        src,
        dst,
        TcpSpec::syn(sport, dport),
        &[],
    ))
}

/// Reads an Ethernet/IPv4 ARP packet (after any VLAN tags).
pub fn read_arp(frame: &[u8]) -> Option<Arp> {
    let e = EthernetFrame::parse(frame).ok()?;
    (e.ethertype == eth_type::ARP)
        .then(|| Arp::parse(e.payload).ok())
        .flatten()
}

/// The IPv4 part of a frame hosts care about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4Packet<'a> {
    pub src_mac: MacAddr,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub proto: u8,
    /// The L4 header and payload (bounded by the IP total length).
    pub l4: &'a [u8],
}

/// Reads an IPv4 packet (first fragment) from a frame.
pub fn read_ipv4(frame: &[u8]) -> Option<Ipv4Packet<'_>> {
    let e = EthernetFrame::parse(frame).ok()?;
    if e.ethertype != eth_type::IPV4 {
        return None;
    }
    let ip = IpHeader::parse(e.payload).ok()?;
    if ip.is_later_fragment() {
        return None;
    }
    Some(Ipv4Packet {
        src_mac: e.src,
        src: ip.src,
        dst: ip.dst,
        proto: ip.proto,
        l4: ip.payload,
    })
}

/// An ICMP echo request/reply: (type, id, seq, payload).
pub fn read_icmp_echo<'a>(p: &Ipv4Packet<'a>) -> Option<(u8, u16, u16, &'a [u8])> {
    if p.proto != ip_proto::ICMP {
        return None;
    }
    let icmp = Icmp::parse(p.l4).ok()?;
    let (id, seq) = icmp.echo()?;
    Some((icmp.icmp_type, id, seq, icmp.payload))
}

/// A UDP datagram: (source port, destination port, payload).
pub fn read_udp<'a>(p: &Ipv4Packet<'a>) -> Option<(u16, u16, &'a [u8])> {
    if p.proto != ip_proto::UDP {
        return None;
    }
    let u = Udp::parse(p.l4).ok()?;
    Some((u.src_port, u.dst_port, u.payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arp_and_echo_round_trip() {
        let (a, b) = (MacAddr::from_u64(1), MacAddr::from_u64(2));
        let (ia, ib): (Ipv4Addr, Ipv4Addr) =
            ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let f = arp(ARP_REQUEST, a, ia, MacAddr::ZERO, ib);
        assert_eq!(f.len(), 60);
        let r = read_arp(&f).unwrap();
        assert_eq!((r.op, r.sha, r.tpa), (ArpOp::Request, a, ib));
        assert!(f[..6] == MacAddr::BROADCAST.0);
        let e = icmp_echo(a, b, ia, ib, ICMP_ECHO_REQUEST, 7, 9, b"abcdefgh");
        let p = read_ipv4(&e).unwrap();
        assert_eq!(
            read_icmp_echo(&p),
            Some((ICMP_ECHO_REQUEST, 7, 9, &b"abcdefgh"[..]))
        );
        assert_eq!(super::super::frame::checksum(0, p.l4), 0);
        let u = udp(a, b, ia, ib, 1000, 2000, b"x");
        let p = read_ipv4(&u).unwrap();
        assert_eq!(read_udp(&p), Some((1000, 2000, &b"x"[..])));
    }
}
