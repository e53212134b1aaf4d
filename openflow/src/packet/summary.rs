//! A one-line description of a frame for logs (`tcpdump`-like).

use std::fmt;

use super::arp::{Arp, ArpOp};
use super::ethernet::EthernetFrame;
use super::icmp::{Icmp, Icmpv6};
use super::ip::{Ipv4Packet, Ipv6Packet};
use super::lldp::Lldp;
use super::transport::{Tcp, Udp};
use crate::oxm::{eth_type, ip_proto};

/// Formats a frame in one line, e.g. `00:00:00:00:00:01 > 00:00:00:00:00:02 vlan 10
/// IPv4 10.0.0.1 > 10.0.0.2 ICMP echo-request id=1 seq=1`. Never fails: what does not
/// parse is shown as its length.
pub struct Summary<'a>(pub &'a [u8]);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(eth) = EthernetFrame::parse(self.0) else {
            return write!(f, "runt frame ({} bytes)", self.0.len());
        };
        write!(f, "{} > {}", eth.src, eth.dst)?;
        for v in &eth.vlans {
            write!(f, " vlan {}", v.vid)?;
        }
        let p = eth.payload;
        match eth.ethertype {
            eth_type::ARP => match Arp::parse(p) {
                Ok(a) => match a.op {
                    ArpOp::Request => write!(f, " ARP who-has {} tell {}", a.tpa, a.spa),
                    ArpOp::Reply => write!(f, " ARP {} is-at {}", a.spa, a.sha),
                    ArpOp::Other(o) => write!(f, " ARP op {o}"),
                },
                Err(e) => write!(f, " ARP ({e})"),
            },
            eth_type::IPV4 => match Ipv4Packet::parse(p) {
                Ok(ip) => {
                    write!(f, " IPv4 {} > {}", ip.src, ip.dst)?;
                    l4(f, ip.proto, ip.payload)
                }
                Err(e) => write!(f, " IPv4 ({e})"),
            },
            eth_type::IPV6 => match Ipv6Packet::parse(p) {
                Ok(ip) => {
                    write!(f, " IPv6 {} > {}", ip.src, ip.dst)?;
                    l4(f, ip.next_header, ip.payload)
                }
                Err(e) => write!(f, " IPv6 ({e})"),
            },
            eth_type::LLDP => match Lldp::parse(p) {
                Ok(l) => match (l.dpid(), l.port_number()) {
                    (Some(d), Some(n)) => write!(f, " LLDP dpid={d} port={n} ttl={}", l.ttl),
                    _ => write!(f, " LLDP ttl={}", l.ttl),
                },
                Err(e) => write!(f, " LLDP ({e})"),
            },
            t => write!(f, " ethertype 0x{t:04x} ({} bytes)", p.len()),
        }
    }
}

fn l4(f: &mut fmt::Formatter<'_>, proto: u8, p: &[u8]) -> fmt::Result {
    match proto {
        ip_proto::TCP => match Tcp::parse(p) {
            Ok(t) => write!(
                f,
                " TCP {} > {} flags=0x{:02x} len={}",
                t.src_port,
                t.dst_port,
                t.flags,
                t.payload.len()
            ),
            Err(_) => f.write_str(" TCP (truncated)"),
        },
        ip_proto::UDP => match Udp::parse(p) {
            Ok(u) => write!(
                f,
                " UDP {} > {} len={}",
                u.src_port,
                u.dst_port,
                u.payload.len()
            ),
            Err(_) => f.write_str(" UDP (truncated)"),
        },
        ip_proto::ICMP => match Icmp::parse(p) {
            Ok(i) => match (i.icmp_type, i.echo()) {
                (8, Some((id, seq))) => write!(f, " ICMP echo-request id={id} seq={seq}"),
                (0, Some((id, seq))) => write!(f, " ICMP echo-reply id={id} seq={seq}"),
                (t, _) => write!(f, " ICMP type={t} code={}", i.code),
            },
            Err(_) => f.write_str(" ICMP (truncated)"),
        },
        ip_proto::ICMPV6 => match Icmpv6::parse(p) {
            Ok(i) => match (i.neighbor_discovery(), i.echo()) {
                (Some(nd), _) if i.icmp_type == 135 => {
                    write!(f, " ICMPv6 neighbor-solicit who-has {}", nd.target)
                }
                (Some(nd), _) => write!(f, " ICMPv6 neighbor-advert {}", nd.target),
                (None, Some((id, seq))) => {
                    write!(f, " ICMPv6 echo type={} id={id} seq={seq}", i.icmp_type)
                }
                _ => write!(f, " ICMPv6 type={} code={}", i.icmp_type, i.code),
            },
            Err(_) => f.write_str(" ICMPv6 (truncated)"),
        },
        other => write!(f, " proto {other} ({} bytes)", p.len()),
    }
}
