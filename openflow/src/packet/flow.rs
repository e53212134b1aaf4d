//! The flow key of a frame: the neutral [`Match`] fields a switch classifies it by.

use crate::oxm::{eth_type, ip_proto, OxmField, VID_NONE, VID_PRESENT};
use crate::{MacAddr, Match};

use super::arp::Arp;
use super::ethernet::{EthernetFrame, MIN_ETHERTYPE, NOT_ETH_TYPE};
use super::icmp::{icmpv6_type, Icmp, Icmpv6};
use super::ip::{Ipv4Packet, Ipv6Packet};
use super::transport::{Tcp, Udp};

/// Every field an OpenFlow 1.3 switch would match `frame` (received on `in_port`) on, in
/// prerequisite (layer) order: in_port, eth_dst, eth_src, eth_type, vlan_vid (VID_NONE
/// when untagged), vlan_pcp, then IP (dscp, ecn, proto, addresses, IPv6 flow label) and
/// transport fields, ARP fields, or ICMPv6 and neighbour-discovery fields.
///
/// As Open vSwitch does: `eth_type` is the type after the VLAN tags (0x05ff for 802.3
/// frames); VLAN fields come from the outermost tag; a later IP fragment has no transport
/// fields; a header that does not parse ends the key at the layer before it; a neighbour
/// discovery message without a link-layer option matches an all-zero address.
///
/// A flow entry matches the frame when each of its fields agrees with the field of the
/// same id here (under the entry's mask); a field absent here matches nothing.
pub fn flow_match(in_port: u32, frame: &[u8]) -> Match {
    use OxmField::*;
    let mut f: smallvec::SmallVec<[OxmField; 16]> = smallvec::SmallVec::new();
    f.push(InPort(in_port));
    let Ok(eth) = EthernetFrame::parse(frame) else {
        return Match::from_fields(f);
    };
    f.push(EthDst(eth.dst, None));
    f.push(EthSrc(eth.src, None));
    let et = if eth.ethertype < MIN_ETHERTYPE {
        NOT_ETH_TYPE
    } else {
        eth.ethertype
    };
    f.push(EthType(et));
    match eth.vlan() {
        Some(tag) => {
            f.push(VlanVid(VID_PRESENT | tag.vid, None));
            f.push(VlanPcp(tag.pcp));
        }
        None => f.push(VlanVid(VID_NONE, None)),
    }
    match et {
        eth_type::IPV4 => {
            if let Ok(ip) = Ipv4Packet::parse(eth.payload) {
                f.push(IpDscp(ip.dscp));
                f.push(IpEcn(ip.ecn));
                f.push(IpProto(ip.proto));
                f.push(Ipv4Src(ip.src, None));
                f.push(Ipv4Dst(ip.dst, None));
                if !ip.is_later_fragment() {
                    transport(&mut f, ip.proto, ip.payload, false);
                }
            }
        }
        eth_type::IPV6 => {
            if let Ok(ip) = Ipv6Packet::parse(eth.payload) {
                f.push(IpDscp(ip.dscp()));
                f.push(IpEcn(ip.ecn()));
                f.push(IpProto(ip.next_header));
                f.push(Ipv6Src(ip.src, None));
                f.push(Ipv6Dst(ip.dst, None));
                f.push(Ipv6Flabel(ip.flow_label, None));
                if !ip.later_fragment {
                    transport(&mut f, ip.next_header, ip.payload, true);
                }
            }
        }
        eth_type::ARP => {
            if let Ok(a) = Arp::parse(eth.payload) {
                f.push(ArpOp(a.op.wire()));
                f.push(ArpSpa(a.spa, None));
                f.push(ArpTpa(a.tpa, None));
                f.push(ArpSha(a.sha, None));
                f.push(ArpTha(a.tha, None));
            }
        }
        _ => {}
    }
    Match::from_fields(f)
}

fn transport(f: &mut smallvec::SmallVec<[OxmField; 16]>, proto: u8, payload: &[u8], v6: bool) {
    use OxmField::*;
    match proto {
        ip_proto::TCP => {
            if let Ok(t) = Tcp::parse(payload) {
                f.push(TcpSrc(t.src_port));
                f.push(TcpDst(t.dst_port));
            }
        }
        ip_proto::UDP => {
            if let Ok(u) = Udp::parse(payload) {
                f.push(UdpSrc(u.src_port));
                f.push(UdpDst(u.dst_port));
            }
        }
        ip_proto::SCTP => {
            if let (Some(s), Some(d)) = (payload.get(0..2), payload.get(2..4)) {
                f.push(SctpSrc(u16::from_be_bytes([s[0], s[1]])));
                f.push(SctpDst(u16::from_be_bytes([d[0], d[1]])));
            }
        }
        ip_proto::ICMP if !v6 => {
            if let Ok(i) = Icmp::parse(payload) {
                f.push(Icmpv4Type(i.icmp_type));
                f.push(Icmpv4Code(i.code));
            }
        }
        ip_proto::ICMPV6 if v6 => {
            if let Ok(i) = Icmpv6::parse(payload) {
                f.push(Icmpv6Type(i.icmp_type));
                f.push(Icmpv6Code(i.code));
                if let Some(nd) = i.neighbor_discovery() {
                    f.push(Ipv6NdTarget(nd.target));
                    if i.icmp_type == icmpv6_type::NEIGHBOR_SOLICIT {
                        f.push(Ipv6NdSll(nd.sll.unwrap_or(MacAddr::ZERO)));
                    } else {
                        f.push(Ipv6NdTll(nd.tll.unwrap_or(MacAddr::ZERO)));
                    }
                }
            }
        }
        _ => {}
    }
}
