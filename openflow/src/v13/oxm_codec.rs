//! Wire codec of OXM TLVs and of `ofp_match` (OpenFlow 1.3.5 §7.2.3).
//!
//! An OXM TLV is a 4-byte header (class:16, field:7, hasmask:1, length:8) and `length`
//! payload bytes (value, then mask when hasmask is set). `ofp_match` is
//! `type=OFPMT_OXM, length, fields…` padded with zeros to a multiple of 8; its length
//! excludes the padding.

use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::Bytes;
use smallvec::SmallVec;

use super::wire::{self, Res};
use crate::error::bad_match;
use crate::oxm::{field as f, OxmField, CLASS_EXPERIMENTER, CLASS_OPENFLOW_BASIC};
use crate::{DecodeError, EncodeError, MacAddr, Match};

/// `OFPMT_STANDARD` (1.1, deprecated).
pub const MATCH_TYPE_STANDARD: u16 = 0x0000;
/// `OFPMT_OXM`.
pub const MATCH_TYPE_OXM: u16 = 0x0001;

fn bad(code: u16, detail: &'static str) -> DecodeError {
    DecodeError::BadMatch { code, detail }
}

/// Width of a basic field's value and whether the spec lets it carry a mask.
fn basic_width(field: u8) -> Option<(usize, bool)> {
    Some(match field {
        f::IN_PORT | f::IN_PHY_PORT => (4, false),
        f::METADATA | f::TUNNEL_ID => (8, true),
        f::ETH_DST | f::ETH_SRC | f::ARP_SHA | f::ARP_THA => (6, true),
        f::ETH_TYPE
        | f::TCP_SRC
        | f::TCP_DST
        | f::UDP_SRC
        | f::UDP_DST
        | f::SCTP_SRC
        | f::SCTP_DST
        | f::ARP_OP => (2, false),
        f::VLAN_VID | f::IPV6_EXTHDR => (2, true),
        f::VLAN_PCP
        | f::IP_DSCP
        | f::IP_ECN
        | f::IP_PROTO
        | f::ICMPV4_TYPE
        | f::ICMPV4_CODE
        | f::ICMPV6_TYPE
        | f::ICMPV6_CODE
        | f::MPLS_TC
        | f::MPLS_BOS => (1, false),
        f::IPV4_SRC | f::IPV4_DST | f::ARP_SPA | f::ARP_TPA | f::IPV6_FLABEL => (4, true),
        f::IPV6_SRC | f::IPV6_DST => (16, true),
        f::IPV6_ND_TARGET => (16, false),
        f::IPV6_ND_SLL | f::IPV6_ND_TLL => (6, false),
        f::MPLS_LABEL => (4, false),
        f::PBB_ISID => (3, true),
        _ => return None,
    })
}

fn arr<const N: usize>(b: &[u8]) -> [u8; N] {
    b.try_into().unwrap_or([0u8; N])
}
fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes(arr(b))
}
fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes(arr(b))
}
fn be64(b: &[u8]) -> u64 {
    u64::from_be_bytes(arr(b))
}
fn be24(b: &[u8]) -> u32 {
    let a: [u8; 3] = arr(b);
    u32::from_be_bytes([0, a[0], a[1], a[2]])
}
fn mac(b: &[u8]) -> MacAddr {
    MacAddr(arr(b))
}
fn v4(b: &[u8]) -> Ipv4Addr {
    Ipv4Addr::from(arr::<4>(b))
}
fn v6(b: &[u8]) -> Ipv6Addr {
    Ipv6Addr::from(arr::<16>(b))
}
fn first(b: &[u8]) -> u8 {
    b.first().copied().unwrap_or(0)
}

/// Decodes one OXM TLV at the start of `i`; `src` is the frame `i` lies in (unknown
/// payloads are shared, not copied). Returns the field and the rest of `i`.
pub fn decode_field<'a>(src: &Bytes, i: &'a [u8]) -> Result<(OxmField, &'a [u8]), DecodeError> {
    let [c0, c1, fh, len, ..] = *i else {
        return Err(bad(bad_match::BAD_LEN, "OXM header cut short"));
    };
    let class = u16::from_be_bytes([c0, c1]);
    let field = fh >> 1;
    let has_mask = fh & 1 != 0;
    let end = 4 + len as usize;
    let payload = i
        .get(4..end)
        .ok_or(bad(bad_match::BAD_LEN, "OXM payload past the match"))?;
    let rest = &i[end..];
    let other = || OxmField::Other {
        class,
        field,
        has_mask,
        payload: wire::share(src, payload),
    };
    if class != CLASS_OPENFLOW_BASIC {
        return Ok((other(), rest));
    }
    let Some((w, maskable)) = basic_width(field) else {
        return Ok((other(), rest));
    };
    if has_mask && !maskable {
        return Err(bad(
            bad_match::BAD_MASK,
            "mask on a field that cannot be masked",
        ));
    }
    if payload.len() != if has_mask { 2 * w } else { w } {
        return Err(bad(bad_match::BAD_LEN, "OXM length does not fit the field"));
    }
    let (v, m) = payload.split_at(w);
    let m = if has_mask { Some(m) } else { None };
    use OxmField::*;
    let out = match field {
        f::IN_PORT => InPort(be32(v)),
        f::IN_PHY_PORT => InPhyPort(be32(v)),
        f::METADATA => Metadata(be64(v), m.map(be64)),
        f::ETH_DST => EthDst(mac(v), m.map(mac)),
        f::ETH_SRC => EthSrc(mac(v), m.map(mac)),
        f::ETH_TYPE => EthType(be16(v)),
        f::VLAN_VID => VlanVid(be16(v), m.map(be16)),
        f::VLAN_PCP => VlanPcp(first(v)),
        f::IP_DSCP => IpDscp(first(v)),
        f::IP_ECN => IpEcn(first(v)),
        f::IP_PROTO => IpProto(first(v)),
        f::IPV4_SRC => Ipv4Src(v4(v), m.map(v4)),
        f::IPV4_DST => Ipv4Dst(v4(v), m.map(v4)),
        f::TCP_SRC => TcpSrc(be16(v)),
        f::TCP_DST => TcpDst(be16(v)),
        f::UDP_SRC => UdpSrc(be16(v)),
        f::UDP_DST => UdpDst(be16(v)),
        f::SCTP_SRC => SctpSrc(be16(v)),
        f::SCTP_DST => SctpDst(be16(v)),
        f::ICMPV4_TYPE => Icmpv4Type(first(v)),
        f::ICMPV4_CODE => Icmpv4Code(first(v)),
        f::ARP_OP => ArpOp(be16(v)),
        f::ARP_SPA => ArpSpa(v4(v), m.map(v4)),
        f::ARP_TPA => ArpTpa(v4(v), m.map(v4)),
        f::ARP_SHA => ArpSha(mac(v), m.map(mac)),
        f::ARP_THA => ArpTha(mac(v), m.map(mac)),
        f::IPV6_SRC => Ipv6Src(v6(v), m.map(v6)),
        f::IPV6_DST => Ipv6Dst(v6(v), m.map(v6)),
        f::IPV6_FLABEL => Ipv6Flabel(be32(v), m.map(be32)),
        f::ICMPV6_TYPE => Icmpv6Type(first(v)),
        f::ICMPV6_CODE => Icmpv6Code(first(v)),
        f::IPV6_ND_TARGET => Ipv6NdTarget(v6(v)),
        f::IPV6_ND_SLL => Ipv6NdSll(mac(v)),
        f::IPV6_ND_TLL => Ipv6NdTll(mac(v)),
        f::MPLS_LABEL => MplsLabel(be32(v)),
        f::MPLS_TC => MplsTc(first(v)),
        f::MPLS_BOS => MplsBos(first(v)),
        f::PBB_ISID => PbbIsid(be24(v), m.map(be24)),
        f::TUNNEL_ID => TunnelId(be64(v), m.map(be64)),
        f::IPV6_EXTHDR => Ipv6Exthdr(be16(v), m.map(be16)),
        _ => other(),
    };
    Ok((out, rest))
}

fn put_basic(out: &mut Vec<u8>, field: u8, value: &[u8], mask: Option<&[u8]>) {
    wire::put_u16(out, CLASS_OPENFLOW_BASIC);
    out.push(field << 1 | u8::from(mask.is_some()));
    out.push((value.len() + mask.map_or(0, <[u8]>::len)) as u8);
    out.extend_from_slice(value);
    if let Some(m) = mask {
        out.extend_from_slice(m);
    }
}

fn u24(field: &str, v: u32) -> Result<[u8; 3], EncodeError> {
    if v > 0x00ff_ffff {
        return Err(EncodeError::Invalid(format!(
            "{field} {v:#x} does not fit in 24 bits"
        )));
    }
    let b = v.to_be_bytes();
    Ok([b[1], b[2], b[3]])
}

/// Appends one OXM TLV.
pub fn encode_field(x: &OxmField, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    use OxmField::*;
    macro_rules! put {
        ($fld:expr, $v:expr) => {
            put_basic(out, $fld, &$v, None)
        };
        ($fld:expr, $v:expr, $m:expr) => {{
            match $m {
                Some(m) => put_basic(out, $fld, &$v, Some(&m)),
                None => put_basic(out, $fld, &$v, None),
            }
        }};
    }
    match x {
        InPort(p) => put!(f::IN_PORT, p.to_be_bytes()),
        InPhyPort(p) => put!(f::IN_PHY_PORT, p.to_be_bytes()),
        Metadata(v, m) => put!(f::METADATA, v.to_be_bytes(), m.map(u64::to_be_bytes)),
        EthDst(v, m) => put!(f::ETH_DST, v.0, m.map(|m| m.0)),
        EthSrc(v, m) => put!(f::ETH_SRC, v.0, m.map(|m| m.0)),
        EthType(v) => put!(f::ETH_TYPE, v.to_be_bytes()),
        VlanVid(v, m) => put!(f::VLAN_VID, v.to_be_bytes(), m.map(u16::to_be_bytes)),
        VlanPcp(v) => put!(f::VLAN_PCP, [*v]),
        IpDscp(v) => put!(f::IP_DSCP, [*v]),
        IpEcn(v) => put!(f::IP_ECN, [*v]),
        IpProto(v) => put!(f::IP_PROTO, [*v]),
        Ipv4Src(v, m) => put!(f::IPV4_SRC, v.octets(), m.map(|m| m.octets())),
        Ipv4Dst(v, m) => put!(f::IPV4_DST, v.octets(), m.map(|m| m.octets())),
        TcpSrc(v) => put!(f::TCP_SRC, v.to_be_bytes()),
        TcpDst(v) => put!(f::TCP_DST, v.to_be_bytes()),
        UdpSrc(v) => put!(f::UDP_SRC, v.to_be_bytes()),
        UdpDst(v) => put!(f::UDP_DST, v.to_be_bytes()),
        SctpSrc(v) => put!(f::SCTP_SRC, v.to_be_bytes()),
        SctpDst(v) => put!(f::SCTP_DST, v.to_be_bytes()),
        Icmpv4Type(v) => put!(f::ICMPV4_TYPE, [*v]),
        Icmpv4Code(v) => put!(f::ICMPV4_CODE, [*v]),
        ArpOp(v) => put!(f::ARP_OP, v.to_be_bytes()),
        ArpSpa(v, m) => put!(f::ARP_SPA, v.octets(), m.map(|m| m.octets())),
        ArpTpa(v, m) => put!(f::ARP_TPA, v.octets(), m.map(|m| m.octets())),
        ArpSha(v, m) => put!(f::ARP_SHA, v.0, m.map(|m| m.0)),
        ArpTha(v, m) => put!(f::ARP_THA, v.0, m.map(|m| m.0)),
        Ipv6Src(v, m) => put!(f::IPV6_SRC, v.octets(), m.map(|m| m.octets())),
        Ipv6Dst(v, m) => put!(f::IPV6_DST, v.octets(), m.map(|m| m.octets())),
        Ipv6Flabel(v, m) => put!(f::IPV6_FLABEL, v.to_be_bytes(), m.map(u32::to_be_bytes)),
        Icmpv6Type(v) => put!(f::ICMPV6_TYPE, [*v]),
        Icmpv6Code(v) => put!(f::ICMPV6_CODE, [*v]),
        Ipv6NdTarget(v) => put!(f::IPV6_ND_TARGET, v.octets()),
        Ipv6NdSll(v) => put!(f::IPV6_ND_SLL, v.0),
        Ipv6NdTll(v) => put!(f::IPV6_ND_TLL, v.0),
        MplsLabel(v) => put!(f::MPLS_LABEL, v.to_be_bytes()),
        MplsTc(v) => put!(f::MPLS_TC, [*v]),
        MplsBos(v) => put!(f::MPLS_BOS, [*v]),
        PbbIsid(v, m) => {
            let v = u24("pbb_isid", *v)?;
            let m = m.map(|m| u24("pbb_isid mask", m)).transpose()?;
            put!(f::PBB_ISID, v, m)
        }
        TunnelId(v, m) => put!(f::TUNNEL_ID, v.to_be_bytes(), m.map(u64::to_be_bytes)),
        Ipv6Exthdr(v, m) => put!(f::IPV6_EXTHDR, v.to_be_bytes(), m.map(u16::to_be_bytes)),
        Other {
            class,
            field,
            has_mask,
            payload,
        } => {
            let len = u8::try_from(payload.len()).map_err(|_| {
                EncodeError::Invalid(format!("OXM payload of {} bytes (max 255)", payload.len()))
            })?;
            if *field > 0x7f {
                return Err(EncodeError::Invalid(format!(
                    "OXM field {field} over 7 bits"
                )));
            }
            wire::put_u16(out, *class);
            out.push(field << 1 | u8::from(*has_mask));
            out.push(len);
            out.extend_from_slice(payload);
        }
    }
    Ok(())
}

/// Decodes an `ofp_match` (and its padding) at the start of `i`.
pub fn decode_match<'a>(src: &Bytes, i: &'a [u8]) -> Res<'a, Match> {
    match read_match(src, i) {
        Ok((m, rest)) => Ok((rest, m)),
        Err(e) => wire::fail(e),
    }
}

/// [`decode_match`] outside nom: the match and the bytes after its padding. Inlined so
/// the hot PACKET_IN path builds the match where it will stay.
#[inline]
pub fn read_match<'a>(src: &Bytes, i: &'a [u8]) -> Result<(Match, &'a [u8]), DecodeError> {
    let [t0, t1, l0, l1, ..] = *i else {
        return Err(bad(bad_match::BAD_LEN, "match header cut short"));
    };
    if u16::from_be_bytes([t0, t1]) != MATCH_TYPE_OXM {
        return Err(bad(bad_match::BAD_TYPE, "match type is not OFPMT_OXM"));
    }
    let len = u16::from_be_bytes([l0, l1]) as usize;
    let padded = len.div_ceil(8) * 8;
    let (Some(mut rest), Some(after)) = (i.get(4..len), i.get(padded..)) else {
        return Err(bad(bad_match::BAD_LEN, "match length past the body"));
    };
    let mut fields: SmallVec<[OxmField; 4]> = SmallVec::new();
    while !rest.is_empty() {
        let (x, r) = decode_field(src, rest)?;
        fields.push(x);
        rest = r;
    }
    Ok((Match::from_smallvec(fields), after))
}

/// Appends an `ofp_match` with its padding.
pub fn encode_match(m: &Match, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let start = out.len();
    wire::put_u16(out, MATCH_TYPE_OXM);
    wire::put_u16(out, 0);
    for x in m.fields() {
        encode_field(x, out)?;
    }
    let len = out.len() - start;
    wire::patch_len16(out, start + 2, len)?;
    wire::pad8_from(out, start);
    Ok(())
}

/// An OXM header as listed in table-features properties: which field (and whether it may
/// be masked), without a value. Experimenter-class ids carry the experimenter id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OxmId {
    pub class: u16,
    pub field: u8,
    pub has_mask: bool,
    /// The payload length the field would have.
    pub length: u8,
    pub experimenter: Option<u32>,
}

impl OxmId {
    /// The id of a basic field (value width from the spec; mask doubles it).
    pub fn basic(field: u8, has_mask: bool) -> OxmId {
        let w = basic_width(field).map_or(0, |(w, _)| w) as u8;
        OxmId {
            class: CLASS_OPENFLOW_BASIC,
            field,
            has_mask,
            length: if has_mask { w.saturating_mul(2) } else { w },
            experimenter: None,
        }
    }
}

/// Decodes a list of OXM ids filling all of `i`.
pub fn decode_oxm_ids(i: &[u8]) -> Result<Vec<OxmId>, DecodeError> {
    let mut out = Vec::with_capacity(i.len() / 4);
    let mut rest = i;
    while !rest.is_empty() {
        let [c0, c1, fh, len, ..] = *rest else {
            return Err(DecodeError::Malformed {
                what: "OXM id",
                detail: "cut short",
            });
        };
        let class = u16::from_be_bytes([c0, c1]);
        let mut id = OxmId {
            class,
            field: fh >> 1,
            has_mask: fh & 1 != 0,
            length: len,
            experimenter: None,
        };
        rest = &rest[4..];
        if class == CLASS_EXPERIMENTER {
            let (r, e) = wire::run(wire::u32_(rest))?;
            id.experimenter = Some(e);
            rest = r;
        }
        out.push(id);
    }
    Ok(out)
}

/// Appends a list of OXM ids (no padding).
pub fn encode_oxm_ids(ids: &[OxmId], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    for id in ids {
        if id.field > 0x7f {
            return Err(EncodeError::Invalid(format!(
                "OXM field {} over 7 bits",
                id.field
            )));
        }
        if id.experimenter.is_some() != (id.class == CLASS_EXPERIMENTER) {
            return Err(EncodeError::Invalid(
                "an OXM id carries an experimenter id exactly when its class is 0xffff".into(),
            ));
        }
        wire::put_u16(out, id.class);
        out.push(id.field << 1 | u8::from(id.has_mask));
        out.push(id.length);
        if let Some(e) = id.experimenter {
            wire::put_u32(out, e);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt(m: &Match) -> (Vec<u8>, Match) {
        let mut out = vec![];
        encode_match(m, &mut out).unwrap();
        let b = Bytes::from(out.clone());
        let (rest, back) = wire::run(decode_match(&b, &b)).unwrap();
        assert!(rest.is_empty());
        (out, back)
    }

    #[test]
    fn in_port_match_bytes() {
        let m = Match::new().in_port(1);
        let (w, back) = rt(&m);
        assert_eq!(w, [0, 1, 0, 12, 0x80, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0]);
        assert_eq!(back, m);
        let (w, _) = rt(&Match::new());
        assert_eq!(w, [0, 1, 0, 4, 0, 0, 0, 0]);
    }

    #[test]
    fn masked_and_unknown_fields() {
        let m = Match::from_fields([
            OxmField::EthType(0x0800),
            OxmField::Ipv4Src(
                "10.0.0.0".parse().unwrap(),
                Some("255.0.0.0".parse().unwrap()),
            ),
            OxmField::PbbIsid(0xabcdef, Some(0xffff00)),
            OxmField::Other {
                class: 0x0001,
                field: 5,
                has_mask: false,
                payload: Bytes::from_static(&[1, 2, 3]),
            },
        ]);
        assert_eq!(rt(&m).1, m);
    }

    #[test]
    fn bad_lengths_and_masks() {
        let b = Bytes::from_static(&[0x80, 0, 0, 3, 0, 0, 1]);
        assert!(matches!(
            decode_field(&b, &b),
            Err(DecodeError::BadMatch {
                code: bad_match::BAD_LEN,
                ..
            })
        ));
        let b = Bytes::from_static(&[0x80, 0, 1, 8, 0, 0, 0, 1, 0, 0, 0, 1]);
        assert!(matches!(
            decode_field(&b, &b),
            Err(DecodeError::BadMatch {
                code: bad_match::BAD_MASK,
                ..
            })
        ));
        let b = Bytes::from_static(&[0x80, 0, 0, 9, 0, 0, 0, 1]);
        assert!(decode_field(&b, &b).is_err());
        let b = Bytes::from_static(&[0, 0, 0, 4, 0, 0, 0, 0]);
        assert!(matches!(
            wire::run(decode_match(&b, &b)),
            Err(DecodeError::BadMatch {
                code: bad_match::BAD_TYPE,
                ..
            })
        ));
    }

    #[test]
    fn oxm_ids_round_trip() {
        let ids = vec![
            OxmId::basic(f::IN_PORT, false),
            OxmId::basic(f::ETH_DST, true),
            OxmId {
                class: CLASS_EXPERIMENTER,
                field: 3,
                has_mask: false,
                length: 8,
                experimenter: Some(0x4f4e4600),
            },
        ];
        let mut out = vec![];
        encode_oxm_ids(&ids, &mut out).unwrap();
        assert_eq!(&out[..8], &[0x80, 0, 0, 4, 0x80, 0, 7, 12]);
        assert_eq!(decode_oxm_ids(&out).unwrap(), ids);
    }
}
