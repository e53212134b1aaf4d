//! LLDP (IEEE 802.1AB) data units: the mandatory Chassis ID, Port ID and TTL TLVs, the
//! optional ones kept in order (System Name typed, organisationally specific TLVs and every
//! other type kept raw), and the End TLV.

use smallvec::SmallVec;

use super::error::{be16, PacketError};
use crate::MacAddr;

/// LLDP TLV types.
pub mod tlv_type {
    pub const END: u8 = 0;
    pub const CHASSIS_ID: u8 = 1;
    pub const PORT_ID: u8 = 2;
    pub const TTL: u8 = 3;
    pub const PORT_DESCRIPTION: u8 = 4;
    pub const SYSTEM_NAME: u8 = 5;
    pub const SYSTEM_DESCRIPTION: u8 = 6;
    pub const SYSTEM_CAPABILITIES: u8 = 7;
    pub const MANAGEMENT_ADDRESS: u8 = 8;
    pub const ORGANIZATIONALLY_SPECIFIC: u8 = 127;
}

/// Chassis ID subtypes.
pub mod chassis_subtype {
    pub const CHASSIS_COMPONENT: u8 = 1;
    pub const INTERFACE_ALIAS: u8 = 2;
    pub const PORT_COMPONENT: u8 = 3;
    pub const MAC_ADDRESS: u8 = 4;
    pub const NETWORK_ADDRESS: u8 = 5;
    pub const INTERFACE_NAME: u8 = 6;
    pub const LOCALLY_ASSIGNED: u8 = 7;
}

/// Port ID subtypes.
pub mod port_subtype {
    pub const INTERFACE_ALIAS: u8 = 1;
    pub const PORT_COMPONENT: u8 = 2;
    pub const MAC_ADDRESS: u8 = 3;
    pub const NETWORK_ADDRESS: u8 = 4;
    pub const INTERFACE_NAME: u8 = 5;
    pub const AGENT_CIRCUIT_ID: u8 = 6;
    pub const LOCALLY_ASSIGNED: u8 = 7;
}

/// Largest TLV value (the length field has 9 bits).
pub const MAX_TLV_LEN: usize = 511;

/// A Chassis ID or Port ID: its subtype and the id bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LldpId<'a> {
    pub subtype: u8,
    pub id: &'a [u8],
}

/// An optional TLV (between TTL and End).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tlv<'a> {
    SystemName(&'a [u8]),
    /// Type 127: OUI, subtype and the information string, raw.
    OrgSpecific {
        oui: [u8; 3],
        subtype: u8,
        info: &'a [u8],
    },
    /// Any other type, raw.
    Other {
        tlv_type: u8,
        value: &'a [u8],
    },
}

/// An LLDP data unit (the payload of an ethertype 0x88cc frame).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lldp<'a> {
    pub chassis_id: LldpId<'a>,
    pub port_id: LldpId<'a>,
    /// Seconds.
    pub ttl: u16,
    pub tlvs: SmallVec<[Tlv<'a>; 4]>,
}

fn malformed(detail: &'static str) -> PacketError {
    PacketError::Malformed {
        what: "lldp",
        detail,
    }
}

/// Splits one TLV off `b`: (type, value, rest).
fn next_tlv(b: &[u8]) -> Result<(u8, &[u8], &[u8]), PacketError> {
    if b.len() < 2 {
        return Err(PacketError::Truncated {
            what: "lldp tlv",
            have: b.len(),
            need: 2,
        });
    }
    let h = be16(b, 0);
    let kind = (h >> 9) as u8;
    let len = (h & 0x01ff) as usize;
    let v = b.get(2..2 + len).ok_or(PacketError::Truncated {
        what: "lldp tlv",
        have: b.len(),
        need: 2 + len,
    })?;
    Ok((kind, v, &b[2 + len..]))
}

fn id(kind: u8, want: u8, v: &[u8]) -> Result<LldpId<'_>, PacketError> {
    if kind != want {
        return Err(malformed(
            "mandatory TLVs must come first: chassis id, port id, ttl",
        ));
    }
    match v.split_first() {
        Some((&subtype, id)) if !id.is_empty() => Ok(LldpId { subtype, id }),
        _ => Err(malformed("empty chassis or port id")),
    }
}

impl<'a> Lldp<'a> {
    /// Parses an LLDPDU. Parsing stops at the End TLV or at the end of the data (a missing
    /// End is tolerated; Ethernet padding after End is ignored).
    pub fn parse(b: &'a [u8]) -> Result<Lldp<'a>, PacketError> {
        let (k, v, rest) = next_tlv(b)?;
        let chassis_id = id(k, tlv_type::CHASSIS_ID, v)?;
        let (k, v, rest) = next_tlv(rest)?;
        let port_id = id(k, tlv_type::PORT_ID, v)?;
        let (k, v, mut rest) = next_tlv(rest)?;
        if k != tlv_type::TTL || v.len() != 2 {
            return Err(malformed("third TLV must be a 2-byte TTL"));
        }
        let ttl = be16(v, 0);
        let mut tlvs = SmallVec::new();
        while !rest.is_empty() {
            let (k, v, r) = next_tlv(rest)?;
            rest = r;
            tlvs.push(match k {
                tlv_type::END => break,
                tlv_type::CHASSIS_ID | tlv_type::PORT_ID | tlv_type::TTL => {
                    return Err(malformed("repeated mandatory TLV"))
                }
                tlv_type::SYSTEM_NAME => Tlv::SystemName(v),
                tlv_type::ORGANIZATIONALLY_SPECIFIC => {
                    if v.len() < 4 {
                        return Err(malformed("organisationally specific TLV under 4 bytes"));
                    }
                    Tlv::OrgSpecific {
                        oui: [v[0], v[1], v[2]],
                        subtype: v[3],
                        info: &v[4..],
                    }
                }
                other => Tlv::Other {
                    tlv_type: other,
                    value: v,
                },
            });
        }
        Ok(Lldp {
            chassis_id,
            port_id,
            ttl,
            tlvs,
        })
    }

    /// The System Name, if present and UTF-8.
    pub fn system_name(&self) -> Option<&'a str> {
        self.tlvs.iter().find_map(|t| match t {
            Tlv::SystemName(n) => std::str::from_utf8(n).ok(),
            _ => None,
        })
    }

    /// The datapath id in the Chassis ID: `dpid:<hex>` (locally assigned, as Ryu and Viola
    /// send it) or a MAC address (as the low 48 bits).
    pub fn dpid(&self) -> Option<crate::Dpid> {
        match self.chassis_id.subtype {
            chassis_subtype::LOCALLY_ASSIGNED => {
                let s = std::str::from_utf8(self.chassis_id.id).ok()?;
                u64::from_str_radix(s.strip_prefix("dpid:")?, 16)
                    .ok()
                    .map(crate::Dpid)
            }
            chassis_subtype::MAC_ADDRESS => {
                let m: [u8; 6] = self.chassis_id.id.try_into().ok()?;
                Some(crate::Dpid(MacAddr(m).to_u64()))
            }
            _ => None,
        }
    }

    /// The port number in the Port ID: a 2- or 4-byte big-endian port component (as Ryu
    /// and Viola send it) or a decimal string (locally assigned or interface name).
    pub fn port_number(&self) -> Option<u32> {
        let id = self.port_id.id;
        match self.port_id.subtype {
            port_subtype::PORT_COMPONENT => match id.len() {
                2 => Some(u32::from(be16(id, 0))),
                4 => Some(u32::from_be_bytes([id[0], id[1], id[2], id[3]])),
                _ => None,
            },
            port_subtype::LOCALLY_ASSIGNED | port_subtype::INTERFACE_NAME => {
                std::str::from_utf8(id).ok()?.parse().ok()
            }
            _ => None,
        }
    }

    /// Appends the LLDPDU (ending with the End TLV). Fails if a value is over 511 bytes
    /// or an id is empty.
    pub fn write(&self, out: &mut Vec<u8>) -> Result<(), PacketError> {
        let start = out.len();
        let r = self.write_inner(out);
        if r.is_err() {
            out.truncate(start);
        }
        r
    }

    fn write_inner(&self, out: &mut Vec<u8>) -> Result<(), PacketError> {
        for (kind, x) in [
            (tlv_type::CHASSIS_ID, &self.chassis_id),
            (tlv_type::PORT_ID, &self.port_id),
        ] {
            if x.id.is_empty() {
                return Err(malformed("empty chassis or port id"));
            }
            put_tlv(out, kind, &[&[x.subtype], x.id])?;
        }
        put_tlv(out, tlv_type::TTL, &[&self.ttl.to_be_bytes()])?;
        for t in &self.tlvs {
            match t {
                Tlv::SystemName(n) => put_tlv(out, tlv_type::SYSTEM_NAME, &[n])?,
                Tlv::OrgSpecific { oui, subtype, info } => put_tlv(
                    out,
                    tlv_type::ORGANIZATIONALLY_SPECIFIC,
                    &[oui, &[*subtype], info],
                )?,
                Tlv::Other { tlv_type: k, value } => {
                    if *k == tlv_type::END || *k > 127 {
                        return Err(malformed("TLV type is End or over 127"));
                    }
                    put_tlv(out, *k, &[value])?
                }
            }
        }
        put_tlv(out, tlv_type::END, &[])
    }
}

fn put_tlv(out: &mut Vec<u8>, kind: u8, parts: &[&[u8]]) -> Result<(), PacketError> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    if len > MAX_TLV_LEN {
        return Err(malformed("TLV value over 511 bytes"));
    }
    let h = (u16::from(kind & 0x7f) << 9) | len as u16;
    out.extend_from_slice(&h.to_be_bytes());
    for p in parts {
        out.extend_from_slice(p);
    }
    Ok(())
}
