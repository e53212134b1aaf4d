//! Property lists (OpenFlow 1.4 §7.2.x): the `type, length` TLVs that 1.4 and 1.5 attach
//! to ports, tables, queues, async configuration, role status, bundles and controller
//! status. Each property's declared length excludes its padding to 8 bytes.
//!
//! The list is kept in wire order and each body byte for byte, so any property — known or
//! not — survives decode → encode. Typed readers for the properties Viola uses sit beside
//! the structures that carry them.

use std::fmt;

use bytes::Bytes;

use crate::v13::wire;
use crate::{DecodeError, EncodeError};

/// `OFP*_PROP_EXPERIMENTER` and `OFPTMPBF_EXPERIMENTER_*` types (0xfffe/0xffff).
pub const EXPERIMENTER_SLAVE: u16 = 0xfffe;
pub const EXPERIMENTER: u16 = 0xffff;

/// One property: its type and the bytes after the 4-byte header, up to the declared
/// length (padding excluded).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Prop {
    pub prop_type: u16,
    pub data: Bytes,
}

impl Prop {
    pub fn new(prop_type: u16, data: impl Into<Bytes>) -> Prop {
        Prop {
            prop_type,
            data: data.into(),
        }
    }

    /// A property whose body is one big-endian `u32` (async masks, rates…).
    pub fn u32(prop_type: u16, v: u32) -> Prop {
        Prop::new(prop_type, v.to_be_bytes().to_vec())
    }

    /// The body read as a big-endian `u32` at `offset`, if it holds one there.
    pub fn u32_at(&self, offset: usize) -> Option<u32> {
        let b = self.data.get(offset..offset + 4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The body read as a big-endian `u16` at `offset`.
    pub fn u16_at(&self, offset: usize) -> Option<u16> {
        let b = self.data.get(offset..offset + 2)?;
        Some(u16::from_be_bytes([b[0], b[1]]))
    }

    /// The experimenter id of an experimenter property.
    pub fn experimenter(&self) -> Option<u32> {
        if self.prop_type >= EXPERIMENTER_SLAVE {
            self.u32_at(0)
        } else {
            None
        }
    }
}

impl fmt::Display for Prop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.experimenter() {
            Some(e) => write!(
                f,
                "exp(0x{e:08x},type={},{}B)",
                self.u32_at(4).unwrap_or(0),
                self.data.len()
            ),
            None => write!(f, "prop{}({}B)", self.prop_type, self.data.len()),
        }
    }
}

/// Display of a property list: ` props=[a,b]`, or nothing when empty.
pub struct DisplayProps<'a>(pub &'a [Prop]);

impl fmt::Display for DisplayProps<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return Ok(());
        }
        f.write_str(" props=[")?;
        for (n, p) in self.0.iter().enumerate() {
            if n > 0 {
                f.write_str(",")?;
            }
            write!(f, "{p}")?;
        }
        f.write_str("]")
    }
}

fn bad(what: &'static str) -> DecodeError {
    DecodeError::Malformed {
        what,
        detail: "property length under 4 or past the list",
    }
}

/// Parses a property list filling all of `i` (`what` names the owner in errors).
pub fn parse_props(src: &Bytes, i: &[u8], what: &'static str) -> Result<Vec<Prop>, DecodeError> {
    let mut out = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        let (p, r) = wire::padded_tlv(rest, 4, bad(what))?;
        out.push(Prop {
            prop_type: u16::from_be_bytes([p[0], p[1]]),
            data: wire::share(src, &p[4..]),
        });
        rest = r;
    }
    Ok(out)
}

/// Appends a property list, each property padded to 8 bytes.
pub fn encode_props(list: &[Prop], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    for p in list {
        let start = out.len();
        wire::put_u16(out, p.prop_type);
        wire::put_u16(out, 0);
        out.extend_from_slice(&p.data);
        wire::patch_len_since(out, start + 2, start)?;
        wire::pad8_from(out, start);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn experimenter_property_round_trips_with_padding() {
        // type 0xffff len 12: experimenter 0x65, exp_type 0, then 4 bytes of padding.
        let wire = hex("ffff000c000000650000000000000000");
        let src = Bytes::from(wire.clone());
        let list = parse_props(&src, &src, "test").unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].experimenter(), Some(0x65));
        assert_eq!(list[0].to_string(), "exp(0x00000065,type=0,8B)");
        let mut out = vec![];
        encode_props(&list, &mut out).unwrap();
        assert_eq!(out, wire);
    }

    #[test]
    fn short_or_overlong_property_is_refused() {
        let src = Bytes::from(hex("00010003"));
        assert!(parse_props(&src, &src, "t").is_err());
        let src = Bytes::from(hex("0001000c00000000"));
        assert!(parse_props(&src, &src, "t").is_err());
    }

    fn hex(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }
}
