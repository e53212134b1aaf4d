//! OpenFlow 1.0's fixed 40-byte `ofp_match` and its wildcard bits.

use std::net::Ipv4Addr;

use super::wire::{fixed, ipv4, mac, pad, u16_, u32_, u8_, Put};
use crate::{DecodeError, MacAddr};

/// Length of `ofp_match`.
pub const MATCH_LEN: usize = 40;

/// `ofp_flow_wildcards`.
pub mod wildcards {
    pub const IN_PORT: u32 = 1 << 0;
    pub const DL_VLAN: u32 = 1 << 1;
    pub const DL_SRC: u32 = 1 << 2;
    pub const DL_DST: u32 = 1 << 3;
    pub const DL_TYPE: u32 = 1 << 4;
    pub const NW_PROTO: u32 = 1 << 5;
    pub const TP_SRC: u32 = 1 << 6;
    pub const TP_DST: u32 = 1 << 7;
    /// The 6-bit count of wildcarded low bits of `nw_src` starts here (>= 32: all).
    pub const NW_SRC_SHIFT: u32 = 8;
    pub const NW_SRC_MASK: u32 = 0x3f << NW_SRC_SHIFT;
    pub const NW_SRC_ALL: u32 = 32 << NW_SRC_SHIFT;
    pub const NW_DST_SHIFT: u32 = 14;
    pub const NW_DST_MASK: u32 = 0x3f << NW_DST_SHIFT;
    pub const NW_DST_ALL: u32 = 32 << NW_DST_SHIFT;
    pub const DL_VLAN_PCP: u32 = 1 << 20;
    pub const NW_TOS: u32 = 1 << 21;
    /// Every field wildcarded (`OFPFW_ALL`).
    pub const ALL: u32 = 0x003f_ffff;
    /// Every field wildcarded, with the address counts at exactly 32: the form Open vSwitch
    /// sends and the one Viola encodes.
    pub const ALL_NORMALIZED: u32 = 0x0038_20ff;
}

/// `OFP_VLAN_NONE`: `dl_vlan` value of untagged packets.
pub const VLAN_NONE: u16 = 0xffff;

/// `ofp_match`. Values are kept as on the wire, wildcarded ones included, so a decoded
/// match re-encodes byte for byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Match10 {
    pub wildcards: u32,
    pub in_port: u16,
    pub dl_src: MacAddr,
    pub dl_dst: MacAddr,
    pub dl_vlan: u16,
    pub dl_vlan_pcp: u8,
    pub dl_type: u16,
    pub nw_tos: u8,
    pub nw_proto: u8,
    pub nw_src: Ipv4Addr,
    pub nw_dst: Ipv4Addr,
    pub tp_src: u16,
    pub tp_dst: u16,
}

impl Default for Match10 {
    /// Matches every packet (wildcards [`wildcards::ALL_NORMALIZED`]).
    fn default() -> Self {
        Match10 {
            wildcards: wildcards::ALL_NORMALIZED,
            in_port: 0,
            dl_src: MacAddr::ZERO,
            dl_dst: MacAddr::ZERO,
            dl_vlan: 0,
            dl_vlan_pcp: 0,
            dl_type: 0,
            nw_tos: 0,
            nw_proto: 0,
            nw_src: Ipv4Addr::UNSPECIFIED,
            nw_dst: Ipv4Addr::UNSPECIFIED,
            tp_src: 0,
            tp_dst: 0,
        }
    }
}

impl Match10 {
    /// Whether the field behind wildcard bit `bit` is matched exactly.
    pub fn is_exact(&self, bit: u32) -> bool {
        self.wildcards & bit == 0
    }

    /// Number of significant (matched) leading bits of `nw_src`, 0 = wildcarded.
    pub fn nw_src_prefix(&self) -> u8 {
        prefix(self.wildcards, wildcards::NW_SRC_SHIFT)
    }

    /// Number of significant (matched) leading bits of `nw_dst`, 0 = wildcarded.
    pub fn nw_dst_prefix(&self) -> u8 {
        prefix(self.wildcards, wildcards::NW_DST_SHIFT)
    }

    /// Sets how many leading bits of `nw_src` are matched (0..=32).
    pub fn set_nw_src_prefix(&mut self, bits: u8) {
        self.wildcards = set_prefix(self.wildcards, wildcards::NW_SRC_SHIFT, bits);
    }

    /// Sets how many leading bits of `nw_dst` are matched (0..=32).
    pub fn set_nw_dst_prefix(&mut self, bits: u8) {
        self.wildcards = set_prefix(self.wildcards, wildcards::NW_DST_SHIFT, bits);
    }

    /// Parses the 40 bytes at the front of `i`.
    pub fn parse(i: &[u8]) -> Result<(&[u8], Match10), DecodeError> {
        let (i, (wildcards, in_port, dl_src, dl_dst, dl_vlan, dl_vlan_pcp, _, dl_type)) = fixed(
            "ofp_match",
            MATCH_LEN,
            i,
            (u32_, u16_, mac, mac, u16_, u8_, pad(1), u16_),
        )?;
        let (i, (nw_tos, nw_proto, _, nw_src, nw_dst, tp_src, tp_dst)) = fixed(
            "ofp_match",
            16,
            i,
            (u8_, u8_, pad(2), ipv4, ipv4, u16_, u16_),
        )?;
        let m = Match10 {
            wildcards,
            in_port,
            dl_src,
            dl_dst,
            dl_vlan,
            dl_vlan_pcp,
            dl_type,
            nw_tos,
            nw_proto,
            nw_src,
            nw_dst,
            tp_src,
            tp_dst,
        };
        Ok((i, m))
    }

    /// Appends the 40-byte encoding.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.put_u32(self.wildcards);
        out.put_u16(self.in_port);
        out.put_mac(self.dl_src);
        out.put_mac(self.dl_dst);
        out.put_u16(self.dl_vlan);
        out.put_u8(self.dl_vlan_pcp);
        out.put_zeros(1);
        out.put_u16(self.dl_type);
        out.put_u8(self.nw_tos);
        out.put_u8(self.nw_proto);
        out.put_zeros(2);
        out.put_ipv4(self.nw_src);
        out.put_ipv4(self.nw_dst);
        out.put_u16(self.tp_src);
        out.put_u16(self.tp_dst);
    }
}

fn prefix(w: u32, shift: u32) -> u8 {
    let wild = (w >> shift) & 0x3f;
    32u32.saturating_sub(wild) as u8
}

fn set_prefix(w: u32, shift: u32, bits: u8) -> u32 {
    let wild = 32u32.saturating_sub(u32::from(bits.min(32)));
    (w & !(0x3f << shift)) | (wild << shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_bits() {
        let mut m = Match10::default();
        assert_eq!(m.nw_src_prefix(), 0);
        m.set_nw_src_prefix(24);
        assert_eq!(m.nw_src_prefix(), 24);
        assert_eq!((m.wildcards & wildcards::NW_SRC_MASK) >> 8, 8);
        m.set_nw_dst_prefix(32);
        assert_eq!(m.nw_dst_prefix(), 32);
        assert_eq!(m.wildcards & wildcards::NW_DST_MASK, 0);
        let mut out = vec![];
        m.write(&mut out);
        assert_eq!(out.len(), MATCH_LEN);
        assert_eq!(Match10::parse(&out).unwrap(), (&[][..], m));
        assert!(Match10::parse(&out[..39]).is_err());
    }
}
