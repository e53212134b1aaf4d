//! Bundles (OpenFlow 1.4 §7.3.9): BUNDLE_CONTROL opens, closes, commits or discards a
//! bundle; BUNDLE_ADD_MESSAGE puts one whole message into it. Also the framed inner
//! message that BUNDLE_ADD_MESSAGE and REQUESTFORWARD carry.

use std::fmt;

use bytes::Bytes;

use super::prop::{self, Prop};
use crate::header::{Header, HEADER_LEN};
use crate::v13::wire::{self, need, u16_, u32_, Res};
use crate::{DecodeError, EncodeError};

/// `ofp_bundle_ctrl_type`.
pub mod bundle_ctrl {
    pub const OPEN_REQUEST: u16 = 0;
    pub const OPEN_REPLY: u16 = 1;
    pub const CLOSE_REQUEST: u16 = 2;
    pub const CLOSE_REPLY: u16 = 3;
    pub const COMMIT_REQUEST: u16 = 4;
    pub const COMMIT_REPLY: u16 = 5;
    pub const DISCARD_REQUEST: u16 = 6;
    pub const DISCARD_REPLY: u16 = 7;
}

/// `ofp_bundle_flags`.
pub mod bundle_flags {
    pub const ATOMIC: u16 = 0x0001;
    pub const ORDERED: u16 = 0x0002;
    /// 1.5: the commit applies at the scheduled time of a TIME property.
    pub const TIME: u16 = 0x0004;
}

/// A whole OpenFlow message carried inside another (its own header, its own xid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framed {
    pub xid: u32,
    pub message: Box<crate::Message>,
}

impl Framed {
    pub fn new(xid: u32, message: crate::Message) -> Framed {
        Framed {
            xid,
            message: Box::new(message),
        }
    }
}

impl fmt::Display for Framed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "xid=0x{:x} {{{}}}", self.xid, self.message)
    }
}

/// Decodes the message at the head of `i` (bounded by its own header's length); returns
/// it and the rest. The inner frame is a zero-copy view of `src`.
pub fn parse_framed<'a>(src: &Bytes, i: &'a [u8]) -> Result<(Framed, &'a [u8]), DecodeError> {
    let h = Header::parse(i).ok_or(DecodeError::Truncated {
        what: "inner message header",
        have: i.len(),
        need: HEADER_LEN,
    })?;
    let len = h.length as usize;
    if len < HEADER_LEN || len > i.len() {
        return Err(DecodeError::BadLength {
            declared: len,
            actual: i.len(),
        });
    }
    let (frame, rest) = i.split_at(len);
    let (xid, message) = crate::Message::decode(&wire::share(src, frame))?;
    Ok((Framed::new(xid, message), rest))
}

pub fn encode_framed_msg(m: &Framed, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    m.message.encode(m.xid, out)
}

/// BUNDLE_CONTROL (`ofp_bundle_ctrl_msg`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleCtrl {
    pub bundle_id: u32,
    /// [`bundle_ctrl`].
    pub ctrl_type: u16,
    /// [`bundle_flags`].
    pub flags: u16,
    pub properties: Vec<Prop>,
}

fn ctrl_head(i: &[u8]) -> Res<'_, (u32, u16, u16)> {
    let (i, _) = need(i, "bundle_ctrl", 8)?;
    let (i, id) = u32_(i)?;
    let (i, t) = u16_(i)?;
    let (i, f) = u16_(i)?;
    Ok((i, (id, t, f)))
}

pub fn parse_bundle_ctrl(src: &Bytes, i: &[u8]) -> Result<BundleCtrl, DecodeError> {
    let (props, (bundle_id, ctrl_type, flags)) = wire::run(ctrl_head(i))?;
    Ok(BundleCtrl {
        bundle_id,
        ctrl_type,
        flags,
        properties: prop::parse_props(src, props, "bundle property")?,
    })
}

pub fn encode_bundle_ctrl(b: &BundleCtrl, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    wire::put_u32(out, b.bundle_id);
    wire::put_u16(out, b.ctrl_type);
    wire::put_u16(out, b.flags);
    prop::encode_props(&b.properties, out)
}

/// BUNDLE_ADD_MESSAGE (`ofp_bundle_add_msg`): the inner message, then — after padding the
/// message to 8 bytes — properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleAdd {
    pub bundle_id: u32,
    pub flags: u16,
    pub message: Framed,
    pub properties: Vec<Prop>,
}

pub fn parse_bundle_add(src: &Bytes, i: &[u8]) -> Result<BundleAdd, DecodeError> {
    let (msg, (bundle_id, _, flags)) = wire::run(ctrl_head(i))?;
    let (message, rest) = parse_framed(src, msg)?;
    // Padding to 8 bytes sits between the message and the properties only when
    // properties follow.
    let used = msg.len() - rest.len();
    let pad = (used.div_ceil(8) * 8 - used).min(rest.len());
    let properties = if rest.len() > pad {
        prop::parse_props(src, &rest[pad..], "bundle property")?
    } else if rest.is_empty() {
        vec![]
    } else {
        return Err(DecodeError::Malformed {
            what: "bundle_add",
            detail: "bytes after the message that are not properties",
        });
    };
    Ok(BundleAdd {
        bundle_id,
        flags,
        message,
        properties,
    })
}

pub fn encode_bundle_add(b: &BundleAdd, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    wire::put_u32(out, b.bundle_id);
    wire::put_u16(out, 0);
    wire::put_u16(out, b.flags);
    let start = out.len();
    encode_framed_msg(&b.message, out)?;
    if !b.properties.is_empty() {
        wire::pad8_from(out, start);
    }
    prop::encode_props(&b.properties, out)
}
