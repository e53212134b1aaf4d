//! Neutral [`Match`] (OXM fields) ↔ OpenFlow 1.0 [`Match10`] with wildcards.

use std::net::Ipv4Addr;

use super::ofmatch::{wildcards as w, Match10, VLAN_NONE};
use crate::oxm::{eth_type, field_name, ip_proto, OxmField, VID_NONE, VID_PRESENT};
use crate::{port, Match, Unsupported, Version};

fn uns(what: String) -> Unsupported {
    Unsupported::new(Version::V1_0, what)
}

/// The prefix length of a CIDR mask (`None` = exact = 32), or `None` if not contiguous.
fn cidr(mask: &Option<Ipv4Addr>) -> Option<u8> {
    let Some(m) = mask else { return Some(32) };
    let bits = u32::from(*m);
    let p = bits.leading_ones();
    (bits == u32::MAX.checked_shl(32 - p).unwrap_or(0)).then_some(p as u8)
}

/// The mask for a prefix length (`None` for 32 = exact).
fn prefix_mask(p: u8) -> Option<Ipv4Addr> {
    (p < 32).then(|| Ipv4Addr::from(u32::MAX.checked_shl(32 - u32::from(p)).unwrap_or(0)))
}

/// Lowers a neutral match to the 1.0 match. Fields 1.0 cannot express (IPv6, MPLS, ARP
/// hardware addresses, metadata, masked Ethernet addresses, non-CIDR IPv4 masks, "any VLAN
/// tag"…) are [`Unsupported`]. Prerequisites are not checked here ([`Match::validate`]).
pub fn lower_match(m: &Match) -> Result<Match10, Unsupported> {
    use OxmField::*;
    let mut o = Match10::default();
    for f in m.fields() {
        match f {
            InPort(p) => {
                o.in_port = port::to_v10(*p).ok_or_else(|| uns(format!("in_port {p}")))?;
                o.wildcards &= !w::IN_PORT;
            }
            EthDst(a, None) => {
                o.dl_dst = *a;
                o.wildcards &= !w::DL_DST;
            }
            EthSrc(a, None) => {
                o.dl_src = *a;
                o.wildcards &= !w::DL_SRC;
            }
            EthType(t) => {
                o.dl_type = *t;
                o.wildcards &= !w::DL_TYPE;
            }
            VlanVid(v, None) => {
                o.dl_vlan = if *v == VID_NONE {
                    VLAN_NONE
                } else if v & VID_PRESENT != 0 {
                    v & 0x0fff
                } else {
                    return Err(uns(format!("vlan_vid {v:#x} without OFPVID_PRESENT")));
                };
                o.wildcards &= !w::DL_VLAN;
            }
            VlanPcp(p) => {
                o.dl_vlan_pcp = *p;
                o.wildcards &= !w::DL_VLAN_PCP;
            }
            IpDscp(d) if *d <= 0x3f => {
                o.nw_tos = d << 2;
                o.wildcards &= !w::NW_TOS;
            }
            IpProto(p) => {
                o.nw_proto = *p;
                o.wildcards &= !w::NW_PROTO;
            }
            ArpOp(op) if *op <= 0xff => {
                o.nw_proto = *op as u8;
                o.wildcards &= !w::NW_PROTO;
            }
            Ipv4Src(a, mask) | ArpSpa(a, mask) => {
                let p = cidr(mask).ok_or_else(|| uns(format!("{f} (not a CIDR mask)")))?;
                o.nw_src = *a;
                o.set_nw_src_prefix(p);
            }
            Ipv4Dst(a, mask) | ArpTpa(a, mask) => {
                let p = cidr(mask).ok_or_else(|| uns(format!("{f} (not a CIDR mask)")))?;
                o.nw_dst = *a;
                o.set_nw_dst_prefix(p);
            }
            TcpSrc(p) | UdpSrc(p) => {
                o.tp_src = *p;
                o.wildcards &= !w::TP_SRC;
            }
            TcpDst(p) | UdpDst(p) => {
                o.tp_dst = *p;
                o.wildcards &= !w::TP_DST;
            }
            Icmpv4Type(t) => {
                o.tp_src = u16::from(*t);
                o.wildcards &= !w::TP_SRC;
            }
            Icmpv4Code(c) => {
                o.tp_dst = u16::from(*c);
                o.wildcards &= !w::TP_DST;
            }
            other => {
                let what = match other {
                    EthDst(..) | EthSrc(..) => format!("masked {}", field_name(other)),
                    VlanVid(..) => "a masked vlan_vid (e.g. any VLAN tag)".to_string(),
                    _ => format!("match field {other}"),
                };
                return Err(uns(what));
            }
        }
    }
    Ok(o)
}

/// Lifts a 1.0 match to neutral fields in canonical prerequisite order (in_port, eth_dst,
/// eth_src, eth_type, vlan, then L3 and L4 fields in OXM field order). Network and
/// transport fields are lifted only when their prerequisites (dl_type, nw_proto) are
/// matched exactly, as a 1.0 switch ignores them otherwise.
pub fn lift_match(m: &Match10) -> Match {
    use OxmField::*;
    let exact = |bit| m.wildcards & bit == 0;
    let mut f: smallvec::SmallVec<[OxmField; 12]> = smallvec::SmallVec::new();
    if exact(w::IN_PORT) {
        f.push(InPort(port::from_v10(m.in_port)));
    }
    if exact(w::DL_DST) {
        f.push(EthDst(m.dl_dst, None));
    }
    if exact(w::DL_SRC) {
        f.push(EthSrc(m.dl_src, None));
    }
    if exact(w::DL_TYPE) {
        f.push(EthType(m.dl_type));
    }
    if exact(w::DL_VLAN) {
        f.push(if m.dl_vlan == VLAN_NONE {
            VlanVid(VID_NONE, None)
        } else {
            VlanVid(VID_PRESENT | (m.dl_vlan & 0x0fff), None)
        });
    }
    if exact(w::DL_VLAN_PCP) {
        f.push(VlanPcp(m.dl_vlan_pcp));
    }
    let src = m.nw_src_prefix();
    let dst = m.nw_dst_prefix();
    if exact(w::DL_TYPE) && m.dl_type == eth_type::IPV4 {
        if exact(w::NW_TOS) {
            f.push(IpDscp(m.nw_tos >> 2));
        }
        if exact(w::NW_PROTO) {
            f.push(IpProto(m.nw_proto));
        }
        if src > 0 {
            f.push(Ipv4Src(m.nw_src, prefix_mask(src)));
        }
        if dst > 0 {
            f.push(Ipv4Dst(m.nw_dst, prefix_mask(dst)));
        }
        if exact(w::NW_PROTO) {
            let (s, d) = (exact(w::TP_SRC), exact(w::TP_DST));
            match m.nw_proto {
                ip_proto::TCP => {
                    if s {
                        f.push(TcpSrc(m.tp_src));
                    }
                    if d {
                        f.push(TcpDst(m.tp_dst));
                    }
                }
                ip_proto::UDP => {
                    if s {
                        f.push(UdpSrc(m.tp_src));
                    }
                    if d {
                        f.push(UdpDst(m.tp_dst));
                    }
                }
                ip_proto::ICMP => {
                    if s {
                        f.push(Icmpv4Type(m.tp_src as u8));
                    }
                    if d {
                        f.push(Icmpv4Code(m.tp_dst as u8));
                    }
                }
                _ => {}
            }
        }
    } else if exact(w::DL_TYPE) && m.dl_type == eth_type::ARP {
        if exact(w::NW_PROTO) {
            f.push(ArpOp(u16::from(m.nw_proto)));
        }
        if src > 0 {
            f.push(ArpSpa(m.nw_src, prefix_mask(src)));
        }
        if dst > 0 {
            f.push(ArpTpa(m.nw_dst, prefix_mask(dst)));
        }
    }
    Match::from_fields(f)
}

/// Whether transport-port set actions under this match rewrite UDP (else TCP) ports.
pub(crate) fn is_udp(m: &Match10) -> bool {
    m.wildcards & (w::DL_TYPE | w::NW_PROTO) == 0
        && m.dl_type == eth_type::IPV4
        && m.nw_proto == ip_proto::UDP
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_masks() {
        assert_eq!(cidr(&None), Some(32));
        assert_eq!(cidr(&Some(Ipv4Addr::new(255, 255, 255, 0))), Some(24));
        assert_eq!(cidr(&Some(Ipv4Addr::new(0, 0, 0, 0))), Some(0));
        assert_eq!(cidr(&Some(Ipv4Addr::new(255, 0, 255, 0))), None);
        assert_eq!(prefix_mask(24), Some(Ipv4Addr::new(255, 255, 255, 0)));
        assert_eq!(prefix_mask(32), None);
        assert_eq!(prefix_mask(0), Some(Ipv4Addr::new(0, 0, 0, 0)));
    }
}
