//! OpenFlow 1.0 actions (`ofp_action_*`).

use std::fmt;
use std::net::Ipv4Addr;

use bytes::Bytes;

use super::wire::{fixed, ipv4, mac, pad, split, sub, u16_, u32_, u8_, Put};
use crate::{error::bad_action, DecodeError, EncodeError, MacAddr};

/// `ofp_action_type`.
pub mod action_type {
    pub const OUTPUT: u16 = 0x0000;
    pub const SET_VLAN_VID: u16 = 0x0001;
    pub const SET_VLAN_PCP: u16 = 0x0002;
    pub const STRIP_VLAN: u16 = 0x0003;
    pub const SET_DL_SRC: u16 = 0x0004;
    pub const SET_DL_DST: u16 = 0x0005;
    pub const SET_NW_SRC: u16 = 0x0006;
    pub const SET_NW_DST: u16 = 0x0007;
    pub const SET_NW_TOS: u16 = 0x0008;
    pub const SET_TP_SRC: u16 = 0x0009;
    pub const SET_TP_DST: u16 = 0x000a;
    pub const ENQUEUE: u16 = 0x000b;
    pub const VENDOR: u16 = 0xffff;
}

/// One OpenFlow 1.0 action.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Action10 {
    Output {
        port: u16,
        max_len: u16,
    },
    /// The 12-bit VLAN id.
    SetVlanVid(u16),
    SetVlanPcp(u8),
    StripVlan,
    SetDlSrc(MacAddr),
    SetDlDst(MacAddr),
    SetNwSrc(Ipv4Addr),
    SetNwDst(Ipv4Addr),
    /// The whole ToS byte (DSCP in the upper six bits).
    SetNwTos(u8),
    SetTpSrc(u16),
    SetTpDst(u16),
    Enqueue {
        port: u16,
        queue_id: u32,
    },
    /// `data` follows the vendor id, byte for byte (padding included).
    Vendor {
        vendor: u32,
        data: Bytes,
    },
    /// An unknown type; `data` follows the 4-byte type/len header.
    Unknown {
        action_type: u16,
        data: Bytes,
    },
}

fn bad_len(detail: &'static str) -> DecodeError {
    DecodeError::BadAction {
        code: bad_action::BAD_LEN,
        detail,
    }
}

impl Action10 {
    /// Encoded length in bytes.
    pub fn len(&self) -> usize {
        match self {
            Action10::SetDlSrc(_) | Action10::SetDlDst(_) | Action10::Enqueue { .. } => 16,
            Action10::Vendor { data, .. } => 8 + data.len(),
            Action10::Unknown { data, .. } => 4 + data.len(),
            _ => 8,
        }
    }

    /// Always false: an action is at least its header. (Pairs with [`Action10::len`].)
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Parses a list of actions filling all of `list` (a slice of `frame`).
    pub fn parse_list(frame: &Bytes, mut list: &[u8]) -> Result<Vec<Action10>, DecodeError> {
        let mut out = Vec::new();
        while !list.is_empty() {
            let (_, (kind, len)) = fixed("action header", 4, list, (u16_, u16_))
                .map_err(|_| bad_len("action header cut short"))?;
            let len = len as usize;
            if len < 8 || !len.is_multiple_of(8) {
                return Err(bad_len("action length under 8 or not a multiple of 8"));
            }
            let (one, rest) =
                split("action", list, len).map_err(|_| bad_len("action overruns its list"))?;
            out.push(Action10::parse_one(frame, kind, one)?);
            list = rest;
        }
        Ok(out)
    }

    fn parse_one(frame: &Bytes, kind: u16, a: &[u8]) -> Result<Action10, DecodeError> {
        use action_type::*;
        let expect = |n: usize| {
            if a.len() == n {
                Ok(())
            } else {
                Err(bad_len("wrong length for the action type"))
            }
        };
        let body = a.get(4..).unwrap_or(&[]);
        let short = |_| bad_len("action body cut short");
        Ok(match kind {
            OUTPUT => {
                expect(8)?;
                let (_, (port, max_len)) = fixed("output", 4, body, (u16_, u16_)).map_err(short)?;
                Action10::Output { port, max_len }
            }
            SET_VLAN_VID => {
                expect(8)?;
                Action10::SetVlanVid(fixed("vlan vid", 2, body, u16_).map_err(short)?.1)
            }
            SET_VLAN_PCP => {
                expect(8)?;
                Action10::SetVlanPcp(fixed("vlan pcp", 1, body, u8_).map_err(short)?.1)
            }
            STRIP_VLAN => {
                expect(8)?;
                Action10::StripVlan
            }
            SET_DL_SRC | SET_DL_DST => {
                expect(16)?;
                let m = fixed("dl addr", 6, body, mac).map_err(short)?.1;
                if kind == SET_DL_SRC {
                    Action10::SetDlSrc(m)
                } else {
                    Action10::SetDlDst(m)
                }
            }
            SET_NW_SRC | SET_NW_DST => {
                expect(8)?;
                let ip = fixed("nw addr", 4, body, ipv4).map_err(short)?.1;
                if kind == SET_NW_SRC {
                    Action10::SetNwSrc(ip)
                } else {
                    Action10::SetNwDst(ip)
                }
            }
            SET_NW_TOS => {
                expect(8)?;
                Action10::SetNwTos(fixed("nw tos", 1, body, u8_).map_err(short)?.1)
            }
            SET_TP_SRC | SET_TP_DST => {
                expect(8)?;
                let p = fixed("tp port", 2, body, u16_).map_err(short)?.1;
                if kind == SET_TP_SRC {
                    Action10::SetTpSrc(p)
                } else {
                    Action10::SetTpDst(p)
                }
            }
            ENQUEUE => {
                expect(16)?;
                let (_, (port, _, queue_id)) =
                    fixed("enqueue", 12, body, (u16_, pad(6), u32_)).map_err(short)?;
                Action10::Enqueue { port, queue_id }
            }
            VENDOR => {
                let (data, vendor) = fixed("vendor action", 4, body, u32_).map_err(short)?;
                Action10::Vendor {
                    vendor,
                    data: sub(frame, data),
                }
            }
            other => Action10::Unknown {
                action_type: other,
                data: sub(frame, body),
            },
        })
    }

    /// Appends the encoding of `self`.
    pub fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        use action_type::*;
        let len = self.len();
        if !len.is_multiple_of(8) || len > 0xfff8 {
            return Err(EncodeError::Invalid(format!(
                "action of {len} bytes: length must be a multiple of 8 (pad vendor/unknown data)"
            )));
        }
        let kind = match self {
            Action10::Output { .. } => OUTPUT,
            Action10::SetVlanVid(_) => SET_VLAN_VID,
            Action10::SetVlanPcp(_) => SET_VLAN_PCP,
            Action10::StripVlan => STRIP_VLAN,
            Action10::SetDlSrc(_) => SET_DL_SRC,
            Action10::SetDlDst(_) => SET_DL_DST,
            Action10::SetNwSrc(_) => SET_NW_SRC,
            Action10::SetNwDst(_) => SET_NW_DST,
            Action10::SetNwTos(_) => SET_NW_TOS,
            Action10::SetTpSrc(_) => SET_TP_SRC,
            Action10::SetTpDst(_) => SET_TP_DST,
            Action10::Enqueue { .. } => ENQUEUE,
            Action10::Vendor { .. } => VENDOR,
            Action10::Unknown { action_type, .. } => *action_type,
        };
        out.put_u16(kind);
        out.put_u16(len as u16);
        match self {
            Action10::Output { port, max_len } => {
                out.put_u16(*port);
                out.put_u16(*max_len);
            }
            Action10::SetVlanVid(v) | Action10::SetTpSrc(v) | Action10::SetTpDst(v) => {
                out.put_u16(*v);
                out.put_zeros(2);
            }
            Action10::SetVlanPcp(v) | Action10::SetNwTos(v) => {
                out.put_u8(*v);
                out.put_zeros(3);
            }
            Action10::StripVlan => out.put_zeros(4),
            Action10::SetDlSrc(m) | Action10::SetDlDst(m) => {
                out.put_mac(*m);
                out.put_zeros(6);
            }
            Action10::SetNwSrc(a) | Action10::SetNwDst(a) => out.put_ipv4(*a),
            Action10::Enqueue { port, queue_id } => {
                out.put_u16(*port);
                out.put_zeros(6);
                out.put_u32(*queue_id);
            }
            Action10::Vendor { vendor, data } => {
                out.put_u32(*vendor);
                out.extend_from_slice(data);
            }
            Action10::Unknown { data, .. } => out.extend_from_slice(data),
        }
        Ok(())
    }

    /// Appends every action of `list`; returns the bytes written.
    pub fn write_list(list: &[Action10], out: &mut Vec<u8>) -> Result<usize, EncodeError> {
        let start = out.len();
        for a in list {
            a.write(out)?;
        }
        Ok(out.len() - start)
    }
}

impl fmt::Display for Action10 {
    /// `ovs-ofctl` spelling of OpenFlow 1.0 actions.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let port = |p: u16| crate::port::display(crate::port::from_v10(p));
        match self {
            Action10::Output { port: p, max_len } => {
                if crate::port::from_v10(*p) == crate::port::CONTROLLER {
                    write!(f, "CONTROLLER:{max_len}")
                } else {
                    write!(f, "output:{}", port(*p))
                }
            }
            Action10::SetVlanVid(v) => write!(f, "mod_vlan_vid:{v}"),
            Action10::SetVlanPcp(v) => write!(f, "mod_vlan_pcp:{v}"),
            Action10::StripVlan => f.write_str("strip_vlan"),
            Action10::SetDlSrc(m) => write!(f, "mod_dl_src:{m}"),
            Action10::SetDlDst(m) => write!(f, "mod_dl_dst:{m}"),
            Action10::SetNwSrc(a) => write!(f, "mod_nw_src:{a}"),
            Action10::SetNwDst(a) => write!(f, "mod_nw_dst:{a}"),
            Action10::SetNwTos(t) => write!(f, "mod_nw_tos:{t}"),
            Action10::SetTpSrc(p) => write!(f, "mod_tp_src:{p}"),
            Action10::SetTpDst(p) => write!(f, "mod_tp_dst:{p}"),
            Action10::Enqueue { port: p, queue_id } => write!(f, "enqueue:{}:{queue_id}", port(*p)),
            Action10::Vendor { vendor, data } => {
                write!(f, "vendor(0x{vendor:08x},{} bytes)", data.len())
            }
            Action10::Unknown { action_type, data } => {
                write!(f, "action(type=0x{action_type:04x},{} bytes)", data.len())
            }
        }
    }
}

/// Formats an action list (`drop` when empty).
pub struct DisplayActions10<'a>(pub &'a [Action10]);

impl fmt::Display for DisplayActions10<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("drop");
        }
        for (i, a) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}
