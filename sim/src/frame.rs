//! Reading the fields of an Ethernet frame for flow lookup, and rewriting them for
//! set-field, push/pop VLAN and TTL actions (checksums kept right).
//!
//! Parsing never panics: a frame too short for a header simply has no fields of that layer
//! (as a switch treats a truncated packet).

use openflow::oxm::{eth_type, ip_proto};
use openflow::{Match, OxmField};

/// Where the layers of a frame start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Layout {
    /// Offset of the outer 802.1Q tag (always 12) when the frame is tagged.
    pub vlan: Option<usize>,
    /// Offset of the ethertype field that names the L3 protocol.
    pub type_off: usize,
    /// The L3 ethertype (after any VLAN tag).
    pub eth_type: u16,
    /// Offset of the L3 header.
    pub l3: usize,
    /// Offset of the L4 header (IPv4/IPv6 only, first fragment only).
    pub l4: Option<usize>,
    /// IP protocol (IPv4 protocol / IPv6 next header) when IP.
    pub ip_proto: Option<u8>,
}

fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(off)?, *b.get(off + 1)?]))
}

/// Finds the layers of `frame`; `None` if it is shorter than an Ethernet header.
pub fn layout(frame: &[u8]) -> Option<Layout> {
    let mut ty = u16_at(frame, 12)?;
    let mut l = Layout {
        type_off: 12,
        ..Default::default()
    };
    if ty == eth_type::VLAN || ty == 0x88a8 {
        l.vlan = Some(12);
        l.type_off = 16;
        ty = u16_at(frame, 16)?;
    }
    l.eth_type = ty;
    l.l3 = l.type_off + 2;
    match ty {
        eth_type::IPV4 => {
            let vihl = *frame.get(l.l3)?;
            let ihl = usize::from(vihl & 0x0f) * 4;
            let proto = *frame.get(l.l3 + 9)?;
            l.ip_proto = Some(proto);
            let frag = u16_at(frame, l.l3 + 6)? & 0x1fff;
            if ihl >= 20 && frag == 0 {
                l.l4 = Some(l.l3 + ihl);
            }
        }
        eth_type::IPV6 => {
            let nh = *frame.get(l.l3 + 6)?;
            l.ip_proto = Some(nh);
            l.l4 = Some(l.l3 + 40);
        }
        _ => {}
    }
    Some(l)
}

/// The packet's header fields as an exact-match [`Match`] (the lookup key): the codec's
/// [`openflow::packet::flow_match`] plus the pipeline's metadata. An untagged frame carries
/// `vlan_vid=OFPVID_NONE` so that flows matching "no VLAN" find it.
pub fn packet_fields(in_port: u32, metadata: u64, frame: &[u8]) -> Match {
    let mut m = openflow::packet::flow_match(in_port, frame);
    m.set(OxmField::Metadata(metadata, None));
    m
}

/// Internet checksum (RFC 1071) of `data`, starting from the partial sum `init`.
pub fn checksum(init: u32, data: &[u8]) -> u16 {
    let mut sum = init;
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u32::from(*last) << 8;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Recomputes the IPv4 header checksum and the TCP/UDP checksum of an IPv4 frame after a
/// rewrite. UDP datagrams sent without a checksum (0) stay without one.
pub fn fix_checksums(frame: &mut [u8]) {
    let Some(l) = layout(frame) else { return };
    if l.eth_type != eth_type::IPV4 {
        return;
    }
    let b = l.l3;
    let Some(&vihl) = frame.get(b) else { return };
    let ihl = usize::from(vihl & 0x0f) * 4;
    if ihl < 20 || frame.len() < b + ihl {
        return;
    }
    frame[b + 10] = 0;
    frame[b + 11] = 0;
    let c = checksum(0, &frame[b..b + ihl]);
    frame[b + 10..b + 12].copy_from_slice(&c.to_be_bytes());
    let total = u16_at(frame, b + 2).map(usize::from).unwrap_or(0);
    let end = (b + total).min(frame.len());
    let (Some(l4), Some(p)) = (l.l4, l.ip_proto) else {
        return;
    };
    let off = match p {
        ip_proto::TCP => 16,
        ip_proto::UDP => 6,
        _ => return,
    };
    if end < l4 + off + 2 {
        return;
    }
    if p == ip_proto::UDP && frame[l4 + 6] == 0 && frame[l4 + 7] == 0 {
        return;
    }
    frame[l4 + off] = 0;
    frame[l4 + off + 1] = 0;
    let len = (end - l4) as u32;
    let mut pseudo = u32::from(p) + len;
    for o in [12, 14, 16, 18] {
        pseudo += u32::from(u16_at(frame, b + o).unwrap_or(0));
    }
    let mut c = checksum(pseudo, &frame[l4..end]);
    if p == ip_proto::UDP && c == 0 {
        c = 0xffff;
    }
    frame[l4 + off..l4 + off + 2].copy_from_slice(&c.to_be_bytes());
}

fn put(frame: &mut [u8], off: usize, bytes: &[u8]) -> bool {
    match frame.get_mut(off..off + bytes.len()) {
        Some(s) => {
            s.copy_from_slice(bytes);
            true
        }
        None => false,
    }
}

/// Pushes an 802.1Q (or 802.1ad) tag with ethertype `tpid`. The new tag copies VID and PCP
/// from an existing outer tag, else both are 0 (OpenFlow 1.3 §5.12.1).
pub fn push_vlan(frame: &mut Vec<u8>, tpid: u16) {
    if frame.len() < 14 {
        return;
    }
    let tci = layout(frame)
        .and_then(|l| l.vlan)
        .and_then(|o| u16_at(frame, o + 2))
        .unwrap_or(0);
    let mut tag = [0u8; 4];
    tag[..2].copy_from_slice(&tpid.to_be_bytes());
    tag[2..].copy_from_slice(&tci.to_be_bytes());
    frame.splice(12..12, tag);
}

/// Removes the outer VLAN tag, if any.
pub fn pop_vlan(frame: &mut Vec<u8>) {
    if layout(frame).and_then(|l| l.vlan).is_some() && frame.len() >= 18 {
        frame.drain(12..16);
    }
}

/// Sets a header field. Returns false when the frame has no such field (the action is
/// then a no-op, as on a switch). Setting `vlan_vid` on an untagged frame pushes a tag
/// first, as OpenFlow 1.0's SET_VLAN_VID does.
pub fn set_field(frame: &mut Vec<u8>, field: &OxmField) -> bool {
    use OxmField::*;
    if let VlanVid(..) | VlanPcp(_) = field {
        if layout(frame).is_some_and(|l| l.vlan.is_none()) {
            push_vlan(frame, eth_type::VLAN);
        }
    }
    let Some(l) = layout(frame) else { return false };
    let (ip4, ip6, arp) = (
        l.eth_type == eth_type::IPV4,
        l.eth_type == eth_type::IPV6,
        l.eth_type == eth_type::ARP,
    );
    let b = l.l3;
    let ok = match field {
        EthDst(m, _) => put(frame, 0, &m.0),
        EthSrc(m, _) => put(frame, 6, &m.0),
        EthType(t) => put(frame, l.type_off, &t.to_be_bytes()),
        VlanVid(v, _) => match (l.vlan, l.vlan.and_then(|o| u16_at(frame, o + 2))) {
            (Some(o), Some(tci)) => {
                put(frame, o + 2, &((tci & 0xf000) | (v & 0x0fff)).to_be_bytes())
            }
            _ => false,
        },
        VlanPcp(p) => match (l.vlan, l.vlan.and_then(|o| u16_at(frame, o + 2))) {
            (Some(o), Some(tci)) => put(
                frame,
                o + 2,
                &((tci & 0x1fff) | (u16::from(*p & 7) << 13)).to_be_bytes(),
            ),
            _ => false,
        },
        IpDscp(d) if ip4 => match frame.get(b + 1).copied() {
            Some(tos) => put(frame, b + 1, &[(d << 2) | (tos & 3)]),
            None => false,
        },
        IpEcn(e) if ip4 => match frame.get(b + 1).copied() {
            Some(tos) => put(frame, b + 1, &[(tos & 0xfc) | (e & 3)]),
            None => false,
        },
        Ipv4Src(a, _) if ip4 => put(frame, b + 12, &a.octets()),
        Ipv4Dst(a, _) if ip4 => put(frame, b + 16, &a.octets()),
        Ipv6Src(a, _) if ip6 => put(frame, b + 8, &a.octets()),
        Ipv6Dst(a, _) if ip6 => put(frame, b + 24, &a.octets()),
        TcpSrc(p) if l.ip_proto == Some(ip_proto::TCP) => l4_put(frame, l.l4, 0, *p),
        TcpDst(p) if l.ip_proto == Some(ip_proto::TCP) => l4_put(frame, l.l4, 2, *p),
        UdpSrc(p) if l.ip_proto == Some(ip_proto::UDP) => l4_put(frame, l.l4, 0, *p),
        UdpDst(p) if l.ip_proto == Some(ip_proto::UDP) => l4_put(frame, l.l4, 2, *p),
        ArpOp(op) if arp => put(frame, b + 6, &op.to_be_bytes()),
        ArpSha(m, _) if arp => put(frame, b + 8, &m.0),
        ArpSpa(a, _) if arp => put(frame, b + 14, &a.octets()),
        ArpTha(m, _) if arp => put(frame, b + 18, &m.0),
        ArpTpa(a, _) if arp => put(frame, b + 24, &a.octets()),
        _ => false,
    };
    if ok && ip4 {
        fix_checksums(frame);
    }
    ok
}

fn l4_put(frame: &mut [u8], l4: Option<usize>, off: usize, v: u16) -> bool {
    match l4 {
        Some(l4) => put(frame, l4 + off, &v.to_be_bytes()),
        None => false,
    }
}

/// TTL actions: `Some(t)` sets the IP TTL / hop limit, `None` decrements it. Returns false
/// if the frame is not IP or the TTL is already 0 or 1 when decrementing (the packet is
/// then dropped, as OVS does without an invalid-TTL packet-in).
pub fn set_ttl(frame: &mut [u8], set: Option<u8>) -> bool {
    let Some(l) = layout(frame) else { return false };
    let off = match l.eth_type {
        eth_type::IPV4 => l.l3 + 8,
        eth_type::IPV6 => l.l3 + 7,
        _ => return false,
    };
    let Some(&ttl) = frame.get(off) else {
        return false;
    };
    let new = match set {
        Some(t) => t,
        None if ttl <= 1 => return false,
        None => ttl - 1,
    };
    frame[off] = new;
    if l.eth_type == eth_type::IPV4 {
        fix_checksums(frame);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build;
    use openflow::oxm::{VID_NONE, VID_PRESENT};
    use openflow::MacAddr;

    #[test]
    fn fields_of_udp_and_vlan_rewrite() {
        let a = MacAddr::from_u64(1);
        let b = MacAddr::from_u64(2);
        let mut f = build::udp(
            a,
            b,
            "10.0.0.1".parse().unwrap(),
            "10.0.0.2".parse().unwrap(),
            5,
            53,
            b"hi",
        );
        let m = packet_fields(3, 0, &f);
        assert!(m.fields().contains(&OxmField::UdpDst(53)));
        assert!(m.fields().contains(&OxmField::VlanVid(VID_NONE, None)));
        assert!(set_field(&mut f, &OxmField::VlanVid(VID_PRESENT | 7, None)));
        let m = packet_fields(3, 0, &f);
        assert!(m
            .fields()
            .contains(&OxmField::VlanVid(VID_PRESENT | 7, None)));
        assert!(m.fields().contains(&OxmField::UdpDst(53)));
        pop_vlan(&mut f);
        assert!(set_field(
            &mut f,
            &OxmField::Ipv4Dst("10.0.0.9".parse().unwrap(), None)
        ));
        // Checksums still verify: IPv4 header sums to zero.
        assert_eq!(checksum(0, &f[14..34]), 0);
        assert!(set_ttl(&mut f, None));
        assert_eq!(f[22], 63);
        assert_eq!(checksum(0, &f[14..34]), 0);
    }

    #[test]
    fn short_frames_have_no_fields() {
        assert_eq!(packet_fields(1, 0, &[1, 2, 3]).fields().len(), 2);
        assert!(layout(&[0; 13]).is_none());
    }
}
