//! One OXM field ↔ a (name, JSON value) pair, with the OXM / `ofctl_rest` names.

use openflow::oxm::VID_PRESENT;
use openflow::OxmField;
use serde_json::{json, Value};

use super::scalar::*;
use super::{kind, OfJsonError};

/// The match key holding fields of other OXM classes (and unknown basic fields) as a list of
/// `{"oxm_class": N, "field": N, "hasmask": BOOL, "payload_hex": "…"}`.
pub const OTHER_KEY: &str = "oxm_other";

/// Name and JSON value of a field. `Other` fields get [`OTHER_KEY`] and their object.
pub fn field_to_json(f: &OxmField) -> (&'static str, Value) {
    use OxmField::*;
    match f {
        InPort(p) => ("in_port", port_to_json(*p)),
        InPhyPort(p) => ("in_phy_port", port_to_json(*p)),
        Metadata(v, m) => ("metadata", masked_uint_json(*v, *m)),
        EthDst(v, m) => ("eth_dst", masked_str(v, m)),
        EthSrc(v, m) => ("eth_src", masked_str(v, m)),
        EthType(v) => ("eth_type", json!(v)),
        VlanVid(v, m) => ("vlan_vid", vlan_to_json(*v, *m)),
        VlanPcp(v) => ("vlan_pcp", json!(v)),
        IpDscp(v) => ("ip_dscp", json!(v)),
        IpEcn(v) => ("ip_ecn", json!(v)),
        IpProto(v) => ("ip_proto", json!(v)),
        Ipv4Src(v, m) => ("ipv4_src", masked_str(v, m)),
        Ipv4Dst(v, m) => ("ipv4_dst", masked_str(v, m)),
        TcpSrc(v) => ("tcp_src", json!(v)),
        TcpDst(v) => ("tcp_dst", json!(v)),
        UdpSrc(v) => ("udp_src", json!(v)),
        UdpDst(v) => ("udp_dst", json!(v)),
        SctpSrc(v) => ("sctp_src", json!(v)),
        SctpDst(v) => ("sctp_dst", json!(v)),
        Icmpv4Type(v) => ("icmpv4_type", json!(v)),
        Icmpv4Code(v) => ("icmpv4_code", json!(v)),
        ArpOp(v) => ("arp_op", json!(v)),
        ArpSpa(v, m) => ("arp_spa", masked_str(v, m)),
        ArpTpa(v, m) => ("arp_tpa", masked_str(v, m)),
        ArpSha(v, m) => ("arp_sha", masked_str(v, m)),
        ArpTha(v, m) => ("arp_tha", masked_str(v, m)),
        Ipv6Src(v, m) => ("ipv6_src", masked_str(v, m)),
        Ipv6Dst(v, m) => ("ipv6_dst", masked_str(v, m)),
        Ipv6Flabel(v, m) => (
            "ipv6_flabel",
            masked_uint_json((*v).into(), m.map(u64::from)),
        ),
        Icmpv6Type(v) => ("icmpv6_type", json!(v)),
        Icmpv6Code(v) => ("icmpv6_code", json!(v)),
        Ipv6NdTarget(v) => ("ipv6_nd_target", json!(v.to_string())),
        Ipv6NdSll(v) => ("ipv6_nd_sll", json!(v.to_string())),
        Ipv6NdTll(v) => ("ipv6_nd_tll", json!(v.to_string())),
        MplsLabel(v) => ("mpls_label", json!(v)),
        MplsTc(v) => ("mpls_tc", json!(v)),
        MplsBos(v) => ("mpls_bos", json!(v)),
        PbbIsid(v, m) => ("pbb_isid", masked_uint_json((*v).into(), m.map(u64::from))),
        TunnelId(v, m) => ("tunnel_id", masked_uint_json(*v, *m)),
        Ipv6Exthdr(v, m) => (
            "ipv6_exthdr",
            masked_uint_json((*v).into(), m.map(u64::from)),
        ),
        Other {
            class,
            field,
            has_mask,
            payload,
        } => (
            OTHER_KEY,
            json!({
                "oxm_class": class,
                "field": field,
                "hasmask": has_mask,
                "payload_hex": hex::encode(payload),
            }),
        ),
    }
}

/// VLAN_VID as `ofctl_rest` writes it: a tagged exact match is the decimal VLAN id
/// (OFPVID_PRESENT implied); anything else is the raw OXM value in hex, `"0x0000"` (untagged)
/// or `"0x1000/0x1000"` (any tag).
fn vlan_to_json(v: u16, m: Option<u16>) -> Value {
    match m {
        None if v & 0xf000 == VID_PRESENT => json!(v & !VID_PRESENT),
        None => json!(format!("{v:#06x}")),
        Some(m) => json!(format!("{v:#06x}/{m:#06x}")),
    }
}

fn vlan_from_json(v: &Value) -> Result<(u16, Option<u16>), String> {
    let raw = |s: &str| uint(&Value::String(s.to_string()), 0xffff).map(|n| n as u16);
    match v {
        Value::String(s) if s.trim_start().starts_with("0x") || s.contains('/') => {
            match s.split_once('/') {
                Some((a, m)) => Ok((raw(a)?, Some(raw(m)?))),
                None => Ok((raw(s)?, None)),
            }
        }
        _ => {
            let vid = uint(v, 0x0fff).map_err(|e| format!("{e}; a VLAN id is 0-4095"))?;
            Ok((vid as u16 | VID_PRESENT, None))
        }
    }
}

fn narrow<T: TryFrom<u64> + Default>(p: (u64, Option<u64>)) -> (T, Option<T>) {
    // Callers bound the range first, so the conversion cannot fail.
    let c = |x: u64| T::try_from(x).unwrap_or_default();
    (c(p.0), p.1.map(c))
}

/// A basic field from its name (OXM name, or an OpenFlow 1.0 alias such as `dl_type`) and
/// JSON value. `tp_src`/`tp_dst` need the match's `ip_proto`, given as `ip_proto`.
/// Returns `Ok(None)` for an unknown name.
pub(crate) fn basic_from_json(
    name: &str,
    v: &Value,
    ip_proto: Option<u8>,
) -> Result<Option<OxmField>, String> {
    use OxmField::*;
    let m16 = |v| masked_uint(v, 0xffff).map(narrow::<u16>);
    let m32 = |v| masked_uint(v, u32::MAX.into()).map(narrow::<u32>);
    Ok(Some(match name {
        "in_port" => InPort(port_(v)?),
        "in_phy_port" => InPhyPort(port_(v)?),
        "metadata" => {
            let (a, m) = masked_uint(v, u64::MAX)?;
            Metadata(a, m)
        }
        "eth_dst" | "dl_dst" => {
            let (a, m) = masked_mac(v)?;
            EthDst(a, m)
        }
        "eth_src" | "dl_src" => {
            let (a, m) = masked_mac(v)?;
            EthSrc(a, m)
        }
        "eth_type" | "dl_type" => EthType(u16_(v)?),
        "vlan_vid" | "dl_vlan" => {
            let (a, m) = vlan_from_json(v)?;
            VlanVid(a, m)
        }
        "vlan_pcp" | "dl_vlan_pcp" => VlanPcp(u8_(v)?),
        "ip_dscp" => IpDscp(u8_(v)?),
        "ip_ecn" => IpEcn(u8_(v)?),
        "ip_proto" | "nw_proto" => IpProto(u8_(v)?),
        "ipv4_src" | "nw_src" => {
            let (a, m) = masked_ipv4(v)?;
            Ipv4Src(a, m)
        }
        "ipv4_dst" | "nw_dst" => {
            let (a, m) = masked_ipv4(v)?;
            Ipv4Dst(a, m)
        }
        "tcp_src" => TcpSrc(u16_(v)?),
        "tcp_dst" => TcpDst(u16_(v)?),
        "udp_src" => UdpSrc(u16_(v)?),
        "udp_dst" => UdpDst(u16_(v)?),
        "sctp_src" => SctpSrc(u16_(v)?),
        "sctp_dst" => SctpDst(u16_(v)?),
        "tp_src" | "tp_dst" => {
            let p = u16_(v)?;
            let src = name == "tp_src";
            match (ip_proto, src) {
                (Some(6), true) => TcpSrc(p),
                (Some(6), false) => TcpDst(p),
                (Some(17), true) => UdpSrc(p),
                (Some(17), false) => UdpDst(p),
                (Some(132), true) => SctpSrc(p),
                (Some(132), false) => SctpDst(p),
                _ => {
                    return Err("needs ip_proto 6, 17 or 132 in the match \
                                (or use tcp_*/udp_*/sctp_*)"
                        .to_string())
                }
            }
        }
        "icmpv4_type" => Icmpv4Type(u8_(v)?),
        "icmpv4_code" => Icmpv4Code(u8_(v)?),
        "arp_op" => ArpOp(u16_(v)?),
        "arp_spa" => {
            let (a, m) = masked_ipv4(v)?;
            ArpSpa(a, m)
        }
        "arp_tpa" => {
            let (a, m) = masked_ipv4(v)?;
            ArpTpa(a, m)
        }
        "arp_sha" => {
            let (a, m) = masked_mac(v)?;
            ArpSha(a, m)
        }
        "arp_tha" => {
            let (a, m) = masked_mac(v)?;
            ArpTha(a, m)
        }
        "ipv6_src" => {
            let (a, m) = masked_ipv6(v)?;
            Ipv6Src(a, m)
        }
        "ipv6_dst" => {
            let (a, m) = masked_ipv6(v)?;
            Ipv6Dst(a, m)
        }
        "ipv6_flabel" => {
            let (a, m) = m32(v)?;
            Ipv6Flabel(a, m)
        }
        "icmpv6_type" => Icmpv6Type(u8_(v)?),
        "icmpv6_code" => Icmpv6Code(u8_(v)?),
        "ipv6_nd_target" => Ipv6NdTarget(exact_ipv6(v)?),
        "ipv6_nd_sll" => Ipv6NdSll(exact_mac(v)?),
        "ipv6_nd_tll" => Ipv6NdTll(exact_mac(v)?),
        "mpls_label" => MplsLabel(u32_(v)?),
        "mpls_tc" => MplsTc(u8_(v)?),
        "mpls_bos" => MplsBos(u8_(v)?),
        "pbb_isid" => {
            let (a, m) = m32(v)?;
            PbbIsid(a, m)
        }
        "tunnel_id" => {
            let (a, m) = masked_uint(v, u64::MAX)?;
            TunnelId(a, m)
        }
        "ipv6_exthdr" => {
            let (a, m) = m16(v)?;
            Ipv6Exthdr(a, m)
        }
        _ => return Ok(None),
    }))
}

/// An `Other` field from its object form.
pub(crate) fn other_from_json(v: &Value) -> Result<OxmField, OfJsonError> {
    let mut o = Obj::new(v)?;
    let class = o.req("oxm_class", u16_)?;
    let field = o.req("field", u8_)?;
    let has_mask = o.parse("hasmask", bool_)?.unwrap_or(false);
    let payload = o.req("payload_hex", hex_bytes)?;
    o.finish()?;
    Ok(OxmField::Other {
        class,
        field,
        has_mask,
        payload,
    })
}

/// One field from its name and value: a basic field, or (name [`OTHER_KEY`]) one `Other`
/// object. The error's path is the name.
pub fn field_from_json(name: &str, v: &Value) -> Result<OxmField, OfJsonError> {
    if name == OTHER_KEY {
        return other_from_json(v).map_err(|e| e.within(name));
    }
    match basic_from_json(name, v, None) {
        Ok(Some(f)) => Ok(f),
        Ok(None) => Err(OfJsonError::new(name, "unknown match field")),
        Err(r) => Err(OfJsonError::new(name, r)),
    }
}

/// SET_FIELD's `{"field": NAME, "value": VALUE}` (for `Other`, the value is its object).
pub(crate) fn set_field_to_json(f: &OxmField) -> Value {
    let (name, value) = field_to_json(f);
    json!({"field": name, "value": value})
}

pub(crate) fn set_field_from_json(v: &Value) -> Result<OxmField, OfJsonError> {
    let mut o = Obj::new(v)?;
    let name = o.req("field", |v| {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("expected a field name, got {}", kind(v)))
    })?;
    let value = o
        .opt("value")
        .ok_or_else(|| OfJsonError::new("value", "missing"))?;
    o.finish()?;
    let name = name.to_ascii_lowercase();
    field_from_json(&name, value).map_err(|e| OfJsonError::new("value", e.to_string()))
}
