//! Small builders and readers for the frames simulated hosts send and answer: ARP,
//! ICMP echo, UDP. All IPv4 over untagged Ethernet.

use std::net::Ipv4Addr;

use openflow::oxm::{eth_type, ip_proto};
use openflow::MacAddr;

use super::frame::{checksum, fix_checksums, layout};

/// `ARPOP_REQUEST` / `ARPOP_REPLY`.
pub const ARP_REQUEST: u16 = 0x0001;
pub const ARP_REPLY: u16 = 0x0002;
/// ICMP echo types.
pub const ICMP_ECHO_REPLY: u8 = 0x00;
pub const ICMP_ECHO_REQUEST: u8 = 0x08;

fn ethernet(dst: MacAddr, src: MacAddr, ty: u16, cap: usize) -> Vec<u8> {
    let mut f = Vec::with_capacity(14 + cap);
    f.extend_from_slice(&dst.0);
    f.extend_from_slice(&src.0);
    f.extend_from_slice(&ty.to_be_bytes());
    f
}

/// An Ethernet/IPv4 ARP packet (padded to the 60-byte Ethernet minimum).
pub fn arp(op: u16, sha: MacAddr, spa: Ipv4Addr, tha: MacAddr, tpa: Ipv4Addr) -> Vec<u8> {
    let dst = if op == ARP_REQUEST {
        MacAddr::BROADCAST
    } else {
        tha
    };
    let mut f = ethernet(dst, sha, eth_type::ARP, 46);
    f.extend_from_slice(&[0x00, 0x01, 0x08, 0x00, 6, 4]);
    f.extend_from_slice(&op.to_be_bytes());
    f.extend_from_slice(&sha.0);
    f.extend_from_slice(&spa.octets());
    f.extend_from_slice(&tha.0);
    f.extend_from_slice(&tpa.octets());
    f.resize(60, 0);
    f
}

fn ipv4(
    src_mac: MacAddr,
    dst_mac: MacAddr,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    proto: u8,
    l4: &[u8],
) -> Vec<u8> {
    let mut f = ethernet(dst_mac, src_mac, eth_type::IPV4, 20 + l4.len());
    let total = (20 + l4.len()) as u16;
    f.extend_from_slice(&[0x45, 0x00]);
    f.extend_from_slice(&total.to_be_bytes());
    f.extend_from_slice(&[0x00, 0x00, 0x40, 0x00, 64, proto, 0, 0]);
    f.extend_from_slice(&src.octets());
    f.extend_from_slice(&dst.octets());
    f.extend_from_slice(l4);
    if f.len() < 60 {
        f.resize(60, 0);
    }
    fix_checksums(&mut f);
    f
}

/// An ICMP echo request or reply.
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
    let mut l4 = Vec::with_capacity(8 + payload.len());
    l4.extend_from_slice(&[icmp_type, 0, 0, 0]);
    l4.extend_from_slice(&id.to_be_bytes());
    l4.extend_from_slice(&seq.to_be_bytes());
    l4.extend_from_slice(payload);
    let c = checksum(0, &l4);
    l4[2..4].copy_from_slice(&c.to_be_bytes());
    ipv4(src_mac, dst_mac, src, dst, ip_proto::ICMP, &l4)
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
    let mut l4 = Vec::with_capacity(8 + payload.len());
    l4.extend_from_slice(&sport.to_be_bytes());
    l4.extend_from_slice(&dport.to_be_bytes());
    l4.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    l4.extend_from_slice(&[0xff, 0xff]); // placeholder: non-zero so the checksum is filled in
    l4.extend_from_slice(payload);
    ipv4(src_mac, dst_mac, src, dst, ip_proto::UDP, &l4)
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
    let mut l4 = Vec::with_capacity(20);
    l4.extend_from_slice(&sport.to_be_bytes());
    l4.extend_from_slice(&dport.to_be_bytes());
    l4.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]);
    ipv4(src_mac, dst_mac, src, dst, ip_proto::TCP, &l4)
}

/// An ARP packet as read from a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arp {
    pub op: u16,
    pub sha: MacAddr,
    pub spa: Ipv4Addr,
    pub tha: MacAddr,
    pub tpa: Ipv4Addr,
}

/// Reads an Ethernet/IPv4 ARP packet.
pub fn read_arp(frame: &[u8]) -> Option<Arp> {
    let l = layout(frame)?;
    if l.eth_type != eth_type::ARP {
        return None;
    }
    let b = frame.get(l.l3..l.l3 + 28)?;
    if b[..6] != [0x00, 0x01, 0x08, 0x00, 6, 4] {
        return None;
    }
    let mac = |o: usize| MacAddr([b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5]]);
    let ip = |o: usize| Ipv4Addr::new(b[o], b[o + 1], b[o + 2], b[o + 3]);
    Some(Arp {
        op: u16::from_be_bytes([b[6], b[7]]),
        sha: mac(8),
        spa: ip(14),
        tha: mac(18),
        tpa: ip(24),
    })
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
    let l = layout(frame)?;
    if l.eth_type != eth_type::IPV4 {
        return None;
    }
    let l4 = l.l4?;
    let b = l.l3;
    let total = usize::from(u16::from_be_bytes([*frame.get(b + 2)?, *frame.get(b + 3)?]));
    let end = (b + total).min(frame.len());
    let ip = |o: usize| -> Option<Ipv4Addr> {
        let s: [u8; 4] = frame.get(o..o + 4)?.try_into().ok()?;
        Some(Ipv4Addr::from(s))
    };
    let src_mac: [u8; 6] = frame.get(6..12)?.try_into().ok()?;
    Some(Ipv4Packet {
        src_mac: MacAddr(src_mac),
        src: ip(b + 12)?,
        dst: ip(b + 16)?,
        proto: l.ip_proto?,
        l4: frame.get(l4..end)?,
    })
}

/// An ICMP echo request/reply: (type, id, seq, payload).
pub fn read_icmp_echo<'a>(p: &Ipv4Packet<'a>) -> Option<(u8, u16, u16, &'a [u8])> {
    if p.proto != ip_proto::ICMP || p.l4.len() < 8 {
        return None;
    }
    let t = p.l4[0];
    if t != ICMP_ECHO_REQUEST && t != ICMP_ECHO_REPLY {
        return None;
    }
    let id = u16::from_be_bytes([p.l4[4], p.l4[5]]);
    let seq = u16::from_be_bytes([p.l4[6], p.l4[7]]);
    Some((t, id, seq, &p.l4[8..]))
}

/// A UDP datagram: (source port, destination port, payload).
pub fn read_udp<'a>(p: &Ipv4Packet<'a>) -> Option<(u16, u16, &'a [u8])> {
    if p.proto != ip_proto::UDP || p.l4.len() < 8 {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([p.l4[4], p.l4[5]])).clamp(8, p.l4.len());
    Some((
        u16::from_be_bytes([p.l4[0], p.l4[1]]),
        u16::from_be_bytes([p.l4[2], p.l4[3]]),
        &p.l4[8..len],
    ))
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
        assert_eq!((r.op, r.sha, r.tpa), (ARP_REQUEST, a, ib));
        assert!(f[..6] == MacAddr::BROADCAST.0);
        let e = icmp_echo(a, b, ia, ib, ICMP_ECHO_REQUEST, 7, 9, b"abcdefgh");
        let p = read_ipv4(&e).unwrap();
        assert_eq!(
            read_icmp_echo(&p),
            Some((ICMP_ECHO_REQUEST, 7, 9, &b"abcdefgh"[..]))
        );
        assert_eq!(checksum(0, p.l4), 0);
        let u = udp(a, b, ia, ib, 1000, 2000, b"x");
        let p = read_ipv4(&u).unwrap();
        assert_eq!(read_udp(&p), Some((1000, 2000, &b"x"[..])));
    }
}
