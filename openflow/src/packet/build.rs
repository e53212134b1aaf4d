//! Frame builders for apps, tests and the simulated hosts. IP and transport headers (with
//! checksums) are written by `etherparse`; payloads over [`MAX_PAYLOAD`] bytes are cut to
//! it so every builder returns a well-formed frame.

use std::net::{Ipv4Addr, Ipv6Addr};

use etherparse::PacketBuilder;

use super::arp::{Arp, ArpOp};
use super::ethernet::write_header;
use super::icmp::icmpv6_type;
use super::lldp::{chassis_subtype, port_subtype, Lldp, LldpId, Tlv};
use super::transport::tcp_flags;
use super::PacketError;
use crate::oxm::eth_type;
use crate::MacAddr;

/// Largest payload the builders carry (fits an IPv4 datagram with any headers).
pub const MAX_PAYLOAD: usize = 65_000;
/// Default IPv4 TTL / IPv6 hop limit.
pub const DEFAULT_TTL: u8 = 64;

fn cap(p: &[u8]) -> &[u8] {
    &p[..p.len().min(MAX_PAYLOAD)]
}

fn finish<B>(size: usize, write: impl FnOnce(&mut Vec<u8>) -> Result<(), B>) -> Vec<u8> {
    let mut out = Vec::with_capacity(size);
    match write(&mut out) {
        Ok(()) => out,
        // Cannot happen with capped payloads and a Vec writer; never hand out half a frame.
        Err(_) => Vec::new(),
    }
}

/// An Ethernet II frame around `payload`.
pub fn ethernet(dst: MacAddr, src: MacAddr, ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(14 + payload.len());
    write_header(&mut out, dst, src, &[], ethertype);
    out.extend_from_slice(payload);
    out
}

fn arp_frame(dst: MacAddr, arp: &Arp) -> Vec<u8> {
    let mut out = Vec::with_capacity(42);
    write_header(&mut out, dst, arp.sha, &[], eth_type::ARP);
    arp.write(&mut out);
    out
}

/// A broadcast ARP request: who has `target_ip`? tell `src_ip` (at `src_mac`). With
/// `target_ip == src_ip` it is a gratuitous ARP.
pub fn arp_request(src_mac: MacAddr, src_ip: Ipv4Addr, target_ip: Ipv4Addr) -> Vec<u8> {
    let arp = Arp {
        op: ArpOp::Request,
        sha: src_mac,
        spa: src_ip,
        tha: MacAddr::ZERO,
        tpa: target_ip,
    };
    arp_frame(MacAddr::BROADCAST, &arp)
}

/// A unicast ARP reply: `src_ip` is at `src_mac`, sent to `dst_mac`/`dst_ip`.
pub fn arp_reply(
    src_mac: MacAddr,
    src_ip: Ipv4Addr,
    dst_mac: MacAddr,
    dst_ip: Ipv4Addr,
) -> Vec<u8> {
    let arp = Arp {
        op: ArpOp::Reply,
        sha: src_mac,
        spa: src_ip,
        tha: dst_mac,
        tpa: dst_ip,
    };
    arp_frame(dst_mac, &arp)
}

/// An ICMP echo request.
pub fn icmp_echo_request(
    src_mac: MacAddr,
    dst_mac: MacAddr,
    src_ip: Ipv4Addr,
    dst_ip: Ipv4Addr,
    id: u16,
    seq: u16,
    payload: &[u8],
) -> Vec<u8> {
    let p = cap(payload);
    let b = PacketBuilder::ethernet2(src_mac.0, dst_mac.0)
        .ipv4(src_ip.octets(), dst_ip.octets(), DEFAULT_TTL)
        .icmpv4_echo_request(id, seq);
    finish(b.size(p.len()), |o| b.write(o, p))
}

/// An ICMP echo reply.
pub fn icmp_echo_reply(
    src_mac: MacAddr,
    dst_mac: MacAddr,
    src_ip: Ipv4Addr,
    dst_ip: Ipv4Addr,
    id: u16,
    seq: u16,
    payload: &[u8],
) -> Vec<u8> {
    let p = cap(payload);
    let b = PacketBuilder::ethernet2(src_mac.0, dst_mac.0)
        .ipv4(src_ip.octets(), dst_ip.octets(), DEFAULT_TTL)
        .icmpv4_echo_reply(id, seq);
    finish(b.size(p.len()), |o| b.write(o, p))
}

/// A UDP datagram in IPv4.
#[allow(clippy::too_many_arguments)]
pub fn udp(
    src_mac: MacAddr,
    dst_mac: MacAddr,
    src_ip: Ipv4Addr,
    dst_ip: Ipv4Addr,
    src_port: u16,
    dst_port: u16,
    payload: &[u8],
) -> Vec<u8> {
    let p = cap(payload);
    let b = PacketBuilder::ethernet2(src_mac.0, dst_mac.0)
        .ipv4(src_ip.octets(), dst_ip.octets(), DEFAULT_TTL)
        .udp(src_port, dst_port);
    finish(b.size(p.len()), |o| b.write(o, p))
}

/// The TCP header fields [`tcp`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpSpec {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    /// Sent when `flags` has ACK.
    pub ack: u32,
    /// [`tcp_flags`] bits.
    pub flags: u8,
    pub window: u16,
}

impl TcpSpec {
    /// A SYN from `src_port` to `dst_port`.
    pub fn syn(src_port: u16, dst_port: u16) -> Self {
        TcpSpec {
            src_port,
            dst_port,
            seq: 0,
            ack: 0,
            flags: tcp_flags::SYN,
            window: 0xffff,
        }
    }
}

/// A TCP segment in IPv4.
pub fn tcp(
    src_mac: MacAddr,
    dst_mac: MacAddr,
    src_ip: Ipv4Addr,
    dst_ip: Ipv4Addr,
    spec: TcpSpec,
    payload: &[u8],
) -> Vec<u8> {
    let p = cap(payload);
    let mut b = PacketBuilder::ethernet2(src_mac.0, dst_mac.0)
        .ipv4(src_ip.octets(), dst_ip.octets(), DEFAULT_TTL)
        .tcp(spec.src_port, spec.dst_port, spec.seq, spec.window);
    let f = spec.flags;
    if f & tcp_flags::FIN != 0 {
        b = b.fin();
    }
    if f & tcp_flags::SYN != 0 {
        b = b.syn();
    }
    if f & tcp_flags::RST != 0 {
        b = b.rst();
    }
    if f & tcp_flags::PSH != 0 {
        b = b.psh();
    }
    if f & tcp_flags::ACK != 0 {
        b = b.ack(spec.ack);
    }
    if f & tcp_flags::URG != 0 {
        b = b.urg(0);
    }
    finish(b.size(p.len()), |o| b.write(o, p))
}

/// An ICMPv6 echo request in IPv6.
pub fn icmpv6_echo_request(
    src_mac: MacAddr,
    dst_mac: MacAddr,
    src_ip: Ipv6Addr,
    dst_ip: Ipv6Addr,
    id: u16,
    seq: u16,
    payload: &[u8],
) -> Vec<u8> {
    let p = cap(payload);
    let b = PacketBuilder::ethernet2(src_mac.0, dst_mac.0)
        .ipv6(src_ip.octets(), dst_ip.octets(), DEFAULT_TTL)
        .icmpv6_echo_request(id, seq);
    finish(b.size(p.len()), |o| b.write(o, p))
}

/// An ICMPv6 echo reply in IPv6.
pub fn icmpv6_echo_reply(
    src_mac: MacAddr,
    dst_mac: MacAddr,
    src_ip: Ipv6Addr,
    dst_ip: Ipv6Addr,
    id: u16,
    seq: u16,
    payload: &[u8],
) -> Vec<u8> {
    let p = cap(payload);
    let b = PacketBuilder::ethernet2(src_mac.0, dst_mac.0)
        .ipv6(src_ip.octets(), dst_ip.octets(), DEFAULT_TTL)
        .icmpv6_echo_reply(id, seq);
    finish(b.size(p.len()), |o| b.write(o, p))
}

/// The solicited-node multicast address of `ip` (ff02::1:ffXX:XXXX) and its MAC.
pub fn solicited_node(ip: Ipv6Addr) -> (Ipv6Addr, MacAddr) {
    let o = ip.octets();
    let addr = Ipv6Addr::new(
        0xff02,
        0,
        0,
        0,
        0,
        1,
        0xff00 | u16::from(o[13]),
        u16::from_be_bytes([o[14], o[15]]),
    );
    (addr, MacAddr([0x33, 0x33, 0xff, o[13], o[14], o[15]]))
}

/// A neighbour solicitation for `target` with a source link-layer address option,
/// sent to the target's solicited-node multicast address.
pub fn neighbor_solicitation(src_mac: MacAddr, src_ip: Ipv6Addr, target: Ipv6Addr) -> Vec<u8> {
    let (dst_ip, dst_mac) = solicited_node(target);
    let mut body = Vec::with_capacity(24);
    body.extend_from_slice(&target.octets());
    body.extend_from_slice(&[1, 1]);
    body.extend_from_slice(&src_mac.0);
    let b = PacketBuilder::ethernet2(src_mac.0, dst_mac.0)
        .ipv6(src_ip.octets(), dst_ip.octets(), 255)
        .icmpv6_raw(icmpv6_type::NEIGHBOR_SOLICIT, 0, [0; 4]);
    finish(b.size(body.len()), |o| b.write(o, &body))
}

/// A solicited neighbour advertisement (flags solicited + override) for `src_ip` at
/// `src_mac`, with a target link-layer address option.
pub fn neighbor_advertisement(
    src_mac: MacAddr,
    src_ip: Ipv6Addr,
    dst_mac: MacAddr,
    dst_ip: Ipv6Addr,
) -> Vec<u8> {
    let mut body = Vec::with_capacity(24);
    body.extend_from_slice(&src_ip.octets());
    body.extend_from_slice(&[2, 1]);
    body.extend_from_slice(&src_mac.0);
    let b = PacketBuilder::ethernet2(src_mac.0, dst_mac.0)
        .ipv6(src_ip.octets(), dst_ip.octets(), 255)
        .icmpv6_raw(icmpv6_type::NEIGHBOR_ADVERT, 0, [0x60, 0, 0, 0]);
    finish(b.size(body.len()), |o| b.write(o, &body))
}

/// What identifies the sending switch in an LLDP Chassis ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chassis {
    /// Subtype MAC address.
    Mac(MacAddr),
    /// Subtype locally assigned, `dpid:<16 hex digits>` (the Ryu/Viola convention).
    Dpid(crate::Dpid),
}

/// An LLDP frame to the nearest-bridge address, from `src_mac`: Chassis ID, Port ID
/// (port component, 4-byte big-endian `port`), TTL, then `extra` TLVs and End.
pub fn lldp(
    src_mac: MacAddr,
    chassis: Chassis,
    port: u32,
    ttl: u16,
    extra: &[Tlv<'_>],
) -> Result<Vec<u8>, PacketError> {
    let dpid_text;
    let mac_bytes;
    let chassis_id = match chassis {
        Chassis::Mac(m) => {
            mac_bytes = m.0;
            LldpId {
                subtype: chassis_subtype::MAC_ADDRESS,
                id: &mac_bytes,
            }
        }
        Chassis::Dpid(d) => {
            dpid_text = format!("dpid:{d}");
            LldpId {
                subtype: chassis_subtype::LOCALLY_ASSIGNED,
                id: dpid_text.as_bytes(),
            }
        }
    };
    let port_bytes = port.to_be_bytes();
    let pdu = Lldp {
        chassis_id,
        port_id: LldpId {
            subtype: port_subtype::PORT_COMPONENT,
            id: &port_bytes,
        },
        ttl,
        tlvs: extra.iter().copied().collect(),
    };
    let mut out = Vec::with_capacity(64);
    write_header(
        &mut out,
        MacAddr::LLDP_NEAREST_BRIDGE,
        src_mac,
        &[],
        eth_type::LLDP,
    );
    pdu.write(&mut out)?;
    Ok(out)
}
