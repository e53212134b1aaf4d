//! Nicira / Open vSwitch match fields (NXM, and the OXM classes Open vSwitch adds): their
//! 32-bit headers, `ovs-ofctl` names, and typed access to them inside a [`Match`], where
//! they travel as [`OxmField::Other`] (so every codec keeps them byte for byte).

use std::fmt;

use bytes::Bytes;

use crate::oxm::OxmField;
use crate::Match;

/// `NXM_OF_*` class (the fields of OpenFlow 1.0, numbered by Nicira).
pub const CLASS_NXM0: u16 = 0x0000;
/// `NXM_NX_*` class (Nicira's own fields).
pub const CLASS_NXM1: u16 = 0x0001;
/// OpenFlow basic class (1.2+), as Open vSwitch names it `OXM_OF_*`.
pub const CLASS_OXM_BASIC: u16 = 0x8000;
/// Open vSwitch's packet registers as 64-bit OXM fields (`NXM_NX_XREG0`…).
pub const CLASS_OXM_PACKET_REGS: u16 = 0x8001;

/// A Nicira / OVS match field Viola types. Widths in bytes are those of the wire value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NxField {
    /// `NXM_OF_IN_PORT`: the 16-bit OpenFlow 1.0 port.
    InPort,
    /// `NXM_NX_REG0`…`REG15`: 32-bit registers.
    Reg(u8),
    /// `NXM_NX_XREG0`…`XREG7`: 64-bit views of register pairs.
    XReg(u8),
    /// `NXM_NX_TUN_ID`: 64-bit tunnel id.
    TunId,
    /// `NXM_NX_TUN_IPV4_SRC` / `_DST`.
    TunSrc,
    TunDst,
    /// `NXM_NX_PKT_MARK`: 32-bit skb mark.
    PktMark,
    /// `NXM_NX_CONJ_ID`: the id of the conjunctive match that matched.
    ConjId,
    /// `NXM_NX_CT_STATE` (32 bits of `+trk`, `+new`… flags), `CT_ZONE` (16), `CT_MARK`
    /// (32), `CT_LABEL` (128).
    CtState,
    CtZone,
    CtMark,
    CtLabel,
}

impl NxField {
    /// (class, field number, value width in bytes).
    pub const fn id(self) -> (u16, u8, u8) {
        use NxField::*;
        match self {
            InPort => (CLASS_NXM0, 0, 2),
            Reg(n) => (CLASS_NXM1, n, 4),
            XReg(n) => (CLASS_OXM_PACKET_REGS, n, 8),
            TunId => (CLASS_NXM1, 16, 8),
            TunSrc => (CLASS_NXM1, 31, 4),
            TunDst => (CLASS_NXM1, 32, 4),
            PktMark => (CLASS_NXM1, 33, 4),
            ConjId => (CLASS_NXM1, 37, 4),
            CtState => (CLASS_NXM1, 105, 4),
            CtZone => (CLASS_NXM1, 106, 2),
            CtMark => (CLASS_NXM1, 107, 4),
            CtLabel => (CLASS_NXM1, 108, 16),
        }
    }

    /// The field with this class and number, if Viola types it.
    pub fn from_id(class: u16, field: u8) -> Option<NxField> {
        use NxField::*;
        Some(match (class, field) {
            (CLASS_NXM0, 0) => InPort,
            (CLASS_NXM1, n @ 0..=15) => Reg(n),
            (CLASS_OXM_PACKET_REGS, n @ 0..=7) => XReg(n),
            (CLASS_NXM1, 16) => TunId,
            (CLASS_NXM1, 31) => TunSrc,
            (CLASS_NXM1, 32) => TunDst,
            (CLASS_NXM1, 33) => PktMark,
            (CLASS_NXM1, 37) => ConjId,
            (CLASS_NXM1, 105) => CtState,
            (CLASS_NXM1, 106) => CtZone,
            (CLASS_NXM1, 107) => CtMark,
            (CLASS_NXM1, 108) => CtLabel,
            _ => return None,
        })
    }

    /// The 32-bit NXM/OXM header (`class:16 field:7 hasmask:1 length:8`).
    pub const fn header(self, has_mask: bool) -> u32 {
        let (class, field, width) = self.id();
        let len = if has_mask { 2 * width } else { width };
        (class as u32) << 16 | (field as u32) << 9 | (has_mask as u32) << 8 | len as u32
    }

    /// The field as a match entry: `value` (and `mask`) big-endian in the field's width.
    pub fn oxm(self, value: u128, mask: Option<u128>) -> OxmField {
        let (class, field, width) = self.id();
        let w = usize::from(width);
        let mut payload = value.to_be_bytes()[16 - w..].to_vec();
        if let Some(m) = mask {
            payload.extend_from_slice(&m.to_be_bytes()[16 - w..]);
        }
        OxmField::Other {
            class,
            field,
            has_mask: mask.is_some(),
            payload: Bytes::from(payload),
        }
    }

    /// `ovs-ofctl`'s match keyword (`reg0`, `tun_id`, `ct_state`…).
    pub fn keyword(self) -> String {
        use NxField::*;
        match self {
            InPort => "in_port".into(),
            Reg(n) => format!("reg{n}"),
            XReg(n) => format!("xreg{n}"),
            TunId => "tun_id".into(),
            TunSrc => "tun_src".into(),
            TunDst => "tun_dst".into(),
            PktMark => "pkt_mark".into(),
            ConjId => "conj_id".into(),
            CtState => "ct_state".into(),
            CtZone => "ct_zone".into(),
            CtMark => "ct_mark".into(),
            CtLabel => "ct_label".into(),
        }
    }
}

/// A typed Nicira field read from a match entry: the field, its value and mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NxMatch {
    pub field: NxField,
    pub value: u128,
    pub mask: Option<u128>,
}

impl NxMatch {
    /// Reads an [`OxmField::Other`] of a typed class and field whose payload has the
    /// field's width (twice with a mask).
    pub fn from_oxm(f: &OxmField) -> Option<NxMatch> {
        let OxmField::Other {
            class,
            field,
            has_mask,
            payload,
        } = f
        else {
            return None;
        };
        let nx = NxField::from_id(*class, *field)?;
        let w = usize::from(nx.id().2);
        let read = |b: &[u8]| b.iter().fold(0u128, |acc, x| acc << 8 | u128::from(*x));
        match (*has_mask, payload.len()) {
            (false, n) if n == w => Some(NxMatch {
                field: nx,
                value: read(payload),
                mask: None,
            }),
            (true, n) if n == 2 * w => Some(NxMatch {
                field: nx,
                value: read(&payload[..w]),
                mask: Some(read(&payload[w..])),
            }),
            _ => None,
        }
    }

    /// Every typed Nicira field of a match, in order.
    pub fn all(m: &Match) -> Vec<NxMatch> {
        m.fields().iter().filter_map(NxMatch::from_oxm).collect()
    }
}

impl fmt::Display for NxMatch {
    /// `ovs-ofctl` style: `reg0=0x5`, `ct_zone=3`, `tun_src=10.0.0.1`, `x=0x1/0xff`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Open vSwitch writes `regN` in 1.5 as half of `xreg(N/2)`; show it as it does.
        if let (NxField::XReg(n), Some(m)) = (self.field, self.mask) {
            let half = match m {
                0xffff_ffff_0000_0000 => Some((2 * n, self.value >> 32)),
                0x0000_0000_ffff_ffff => Some((2 * n + 1, self.value & 0xffff_ffff)),
                _ => None,
            };
            if let Some((reg, v)) = half {
                return write!(f, "reg{reg}={v:#x}");
            }
        }
        write!(f, "{}=", self.field.keyword())?;
        if self.field == NxField::CtState {
            return fmt_ct_state(f, self.value as u32, self.mask.map(|m| m as u32));
        }
        match (self.field, self.mask) {
            (NxField::TunSrc | NxField::TunDst, None) => {
                write!(f, "{}", std::net::Ipv4Addr::from(self.value as u32))
            }
            (NxField::CtZone | NxField::InPort, None) => write!(f, "{}", self.value),
            (_, None) => write!(f, "{:#x}", self.value),
            (_, Some(m)) => write!(f, "{:#x}/{:#x}", self.value, m),
        }
    }
}

/// `ct_state` flag bits and their `ovs-ofctl` names.
pub const CT_STATE_FLAGS: [(u32, &str); 8] = [
    (0x01, "new"),
    (0x02, "est"),
    (0x04, "rel"),
    (0x08, "rpl"),
    (0x10, "inv"),
    (0x20, "trk"),
    (0x40, "snat"),
    (0x80, "dnat"),
];

/// `+trk-new…`: each flag the mask covers, `+` if set in the value, `-` if clear; bits
/// without a name in hex.
fn fmt_ct_state(f: &mut fmt::Formatter<'_>, value: u32, mask: Option<u32>) -> fmt::Result {
    let mask = mask.unwrap_or(u32::MAX);
    let named: u32 = CT_STATE_FLAGS.iter().map(|(b, _)| b).sum();
    for (bit, name) in CT_STATE_FLAGS {
        if mask & bit != 0 && (mask != u32::MAX || value & bit != 0) {
            f.write_str(if value & bit != 0 { "+" } else { "-" })?;
            f.write_str(name)?;
        }
    }
    let rest = value & mask & !named;
    if rest != 0 {
        write!(f, "+{rest:#x}")?;
    }
    Ok(())
}

/// A match builder for the Nicira fields.
pub trait NxMatchExt {
    /// Adds (or replaces) a Nicira field, exact or masked.
    fn nx(self, field: NxField, value: u128, mask: Option<u128>) -> Self;
}

impl NxMatchExt for Match {
    fn nx(self, field: NxField, value: u128, mask: Option<u128>) -> Match {
        self.with(field.oxm(value, mask))
    }
}

/// `ovs-ofctl`'s name of a field header in actions (`NXM_NX_REG0`, `NXM_OF_ETH_SRC`,
/// `OXM_OF_METADATA`…), or the header in hex.
pub fn header_name(header: u32) -> String {
    let class = (header >> 16) as u16;
    let field = ((header >> 9) & 0x7f) as u8;
    const NXM0: [&str; 18] = [
        "IN_PORT",
        "ETH_DST",
        "ETH_SRC",
        "ETH_TYPE",
        "VLAN_TCI",
        "IP_TOS",
        "IP_PROTO",
        "IP_SRC",
        "IP_DST",
        "TCP_SRC",
        "TCP_DST",
        "UDP_SRC",
        "UDP_DST",
        "ICMP_TYPE",
        "ICMP_CODE",
        "ARP_OP",
        "ARP_SPA",
        "ARP_TPA",
    ];
    match (class, NxField::from_id(class, field)) {
        (CLASS_NXM0, _) => NXM0
            .get(usize::from(field))
            .map_or_else(|| format!("0x{header:08x}"), |n| format!("NXM_OF_{n}")),
        (_, Some(NxField::Reg(n))) => format!("NXM_NX_REG{n}"),
        (_, Some(NxField::XReg(n))) => format!("NXM_NX_XREG{n}"),
        (_, Some(f)) => format!("NXM_NX_{}", f.keyword().to_uppercase()),
        (CLASS_OXM_BASIC, None) => format!("OXM_OF_{}", basic_name(field)),
        _ => format!("0x{header:08x}"),
    }
}

/// Open vSwitch's names of the OpenFlow basic fields Nicira actions most often name.
fn basic_name(field: u8) -> String {
    let n = match field {
        0 => "IN_PORT",
        2 => "METADATA",
        3 => "ETH_DST",
        4 => "ETH_SRC",
        5 => "ETH_TYPE",
        6 => "VLAN_VID",
        10 => "IP_PROTO",
        11 => "IPV4_SRC",
        12 => "IPV4_DST",
        38 => "TUNNEL_ID",
        _ => return field.to_string(),
    };
    n.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_names() {
        assert_eq!(NxField::Reg(0).header(false), 0x0001_0004);
        assert_eq!(NxField::Reg(3).header(true), 0x0001_0708);
        assert_eq!(NxField::TunId.header(false), 0x0001_2008);
        assert_eq!(NxField::CtState.header(false), 0x0001_d204);
        assert_eq!(header_name(0x0001_0004), "NXM_NX_REG0");
        assert_eq!(header_name(0x0000_0406), "NXM_OF_ETH_SRC");
        assert_eq!(header_name(0x8000_0408), "OXM_OF_METADATA");
        assert_eq!(header_name(0x0001_d204), "NXM_NX_CT_STATE");
    }

    #[test]
    fn typed_fields_ride_in_a_match_and_round_trip_through_1_3() {
        let m = Match::new()
            .nx(NxField::Reg(1), 5, None)
            .nx(NxField::CtState, 0x21, Some(0x21))
            .nx(NxField::TunSrc, 0x0a00_0001, None);
        let typed = NxMatch::all(&m);
        let shown: Vec<String> = typed.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["reg1=0x5", "ct_state=+new+trk", "tun_src=10.0.0.1"]);
        let mut out = vec![];
        crate::v13::oxm_codec::encode_match(&m, &mut out).unwrap();
        let src = Bytes::from(out);
        let (back, _) = crate::v13::oxm_codec::read_match(&src, &src).unwrap();
        assert_eq!(NxMatch::all(&back), typed);
    }
}
