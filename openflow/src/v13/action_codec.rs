//! Wire codec of OpenFlow 1.3 actions (`ofp_action_*`, §7.2.5). Each action is
//! `type:16, len:16, body`, with `len` a multiple of 8 that covers the whole action.

use bytes::Bytes;

use super::{oxm_codec, wire};
use crate::error::bad_action;
use crate::{Action, DecodeError, EncodeError};

/// `ofp_action_type` values.
pub mod action_type {
    pub const OUTPUT: u16 = 0x0000;
    pub const COPY_TTL_OUT: u16 = 0x000b;
    pub const COPY_TTL_IN: u16 = 0x000c;
    pub const SET_MPLS_TTL: u16 = 0x000f;
    pub const DEC_MPLS_TTL: u16 = 0x0010;
    pub const PUSH_VLAN: u16 = 0x0011;
    pub const POP_VLAN: u16 = 0x0012;
    pub const PUSH_MPLS: u16 = 0x0013;
    pub const POP_MPLS: u16 = 0x0014;
    pub const SET_QUEUE: u16 = 0x0015;
    pub const GROUP: u16 = 0x0016;
    pub const SET_NW_TTL: u16 = 0x0017;
    pub const DEC_NW_TTL: u16 = 0x0018;
    pub const SET_FIELD: u16 = 0x0019;
    pub const PUSH_PBB: u16 = 0x001a;
    pub const POP_PBB: u16 = 0x001b;
    pub const EXPERIMENTER: u16 = 0xffff;
}

/// `ofp_bad_action_code` values for set-field (1.2+), beyond the shared ones.
pub mod bad_set {
    pub const BAD_SET_TYPE: u16 = 0x000d;
    pub const BAD_SET_LEN: u16 = 0x000e;
    pub const BAD_SET_ARGUMENT: u16 = 0x000f;
}

fn bad(code: u16, detail: &'static str) -> DecodeError {
    DecodeError::BadAction { code, detail }
}

fn arr<const N: usize>(b: &[u8]) -> [u8; N] {
    b.get(..N)
        .and_then(|s| s.try_into().ok())
        .unwrap_or([0u8; N])
}

/// Decodes one action at the start of `i`; returns it and the rest.
pub fn decode_action<'a>(src: &Bytes, i: &'a [u8]) -> Result<(Action, &'a [u8]), DecodeError> {
    use action_type as t;
    let (a, rest) = wire::tlv_at2(i, 8, bad(bad_action::BAD_LEN, "action length"))?;
    if !a.len().is_multiple_of(8) {
        return Err(bad(
            bad_action::BAD_LEN,
            "action length not a multiple of 8",
        ));
    }
    let ty = u16::from_be_bytes(arr(a));
    let body = &a[4..];
    let fixed = |n: usize| {
        if a.len() == n {
            Ok(())
        } else {
            Err(bad(bad_action::BAD_LEN, "wrong length for the action type"))
        }
    };
    let u16_at = |b: &[u8]| u16::from_be_bytes(arr(b));
    let u32_at = |b: &[u8]| u32::from_be_bytes(arr(b));
    let act = match ty {
        t::OUTPUT => {
            fixed(16)?;
            Action::Output {
                port: u32_at(body),
                max_len: u16_at(&body[4..]),
            }
        }
        t::COPY_TTL_OUT => fixed(8).map(|_| Action::CopyTtlOut)?,
        t::COPY_TTL_IN => fixed(8).map(|_| Action::CopyTtlIn)?,
        t::SET_MPLS_TTL => fixed(8).map(|_| Action::SetMplsTtl(arr::<1>(body)[0]))?,
        t::DEC_MPLS_TTL => fixed(8).map(|_| Action::DecMplsTtl)?,
        t::PUSH_VLAN => fixed(8).map(|_| Action::PushVlan(u16_at(body)))?,
        t::POP_VLAN => fixed(8).map(|_| Action::PopVlan)?,
        t::PUSH_MPLS => fixed(8).map(|_| Action::PushMpls(u16_at(body)))?,
        t::POP_MPLS => fixed(8).map(|_| Action::PopMpls(u16_at(body)))?,
        t::SET_QUEUE => fixed(8).map(|_| Action::SetQueue(u32_at(body)))?,
        t::GROUP => fixed(8).map(|_| Action::Group(u32_at(body)))?,
        t::SET_NW_TTL => fixed(8).map(|_| Action::SetNwTtl(arr::<1>(body)[0]))?,
        t::DEC_NW_TTL => fixed(8).map(|_| Action::DecNwTtl)?,
        t::PUSH_PBB => fixed(8).map(|_| Action::PushPbb(u16_at(body)))?,
        t::POP_PBB => fixed(8).map(|_| Action::PopPbb)?,
        t::SET_FIELD => {
            let (field, after) = oxm_codec::decode_field(src, body).map_err(|e| match e {
                DecodeError::BadMatch { code, .. } if code == crate::error::bad_match::BAD_LEN => {
                    bad(bad_set::BAD_SET_LEN, "set-field OXM length")
                }
                _ => bad(bad_set::BAD_SET_ARGUMENT, "set-field OXM"),
            })?;
            // What follows the OXM is padding; it must not be a whole 8 bytes or more.
            if after.len() >= 8 {
                return Err(bad(bad_set::BAD_SET_LEN, "set-field padded past 8 bytes"));
            }
            Action::SetField(field)
        }
        t::EXPERIMENTER => {
            let e = u32_at(body);
            Action::Experimenter {
                experimenter: e,
                data: wire::share(src, &body[4..]),
            }
        }
        other => Action::Unknown {
            action_type: other,
            data: wire::share(src, body),
        },
    };
    Ok((act, rest))
}

/// Decodes a list of actions filling all of `i`.
pub fn decode_actions(src: &Bytes, i: &[u8]) -> Result<Vec<Action>, DecodeError> {
    let mut out = Vec::with_capacity(i.len() / 16 + 1);
    let mut rest = i;
    while !rest.is_empty() {
        let (a, r) = decode_action(src, rest)?;
        out.push(a);
        rest = r;
    }
    Ok(out)
}

fn raw(out: &mut Vec<u8>, ty: u16, data: &[u8], what: &str) -> Result<(), EncodeError> {
    let len = 4 + data.len();
    if !len.is_multiple_of(8) {
        return Err(EncodeError::Invalid(format!(
            "{what} body of {} bytes: an action must be a multiple of 8 bytes",
            data.len()
        )));
    }
    wire::put_u16(out, ty);
    let at = out.len();
    wire::put_u16(out, 0);
    out.extend_from_slice(data);
    wire::patch_len16(out, at, len)
}

/// Appends one action.
pub fn encode_action(a: &Action, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    use action_type as t;
    let short = |out: &mut Vec<u8>, ty: u16, body: [u8; 4]| {
        wire::put_u16(out, ty);
        wire::put_u16(out, 8);
        out.extend_from_slice(&body);
    };
    match a {
        Action::Output { port, max_len } => {
            wire::put_u16(out, t::OUTPUT);
            wire::put_u16(out, 16);
            wire::put_u32(out, *port);
            wire::put_u16(out, *max_len);
            wire::put_zeros(out, 6);
        }
        Action::CopyTtlOut => short(out, t::COPY_TTL_OUT, [0; 4]),
        Action::CopyTtlIn => short(out, t::COPY_TTL_IN, [0; 4]),
        Action::SetMplsTtl(x) => short(out, t::SET_MPLS_TTL, [*x, 0, 0, 0]),
        Action::DecMplsTtl => short(out, t::DEC_MPLS_TTL, [0; 4]),
        Action::PushVlan(e) => short(out, t::PUSH_VLAN, pair(*e)),
        Action::PopVlan => short(out, t::POP_VLAN, [0; 4]),
        Action::PushMpls(e) => short(out, t::PUSH_MPLS, pair(*e)),
        Action::PopMpls(e) => short(out, t::POP_MPLS, pair(*e)),
        Action::SetQueue(q) => short(out, t::SET_QUEUE, q.to_be_bytes()),
        Action::Group(g) => short(out, t::GROUP, g.to_be_bytes()),
        Action::SetNwTtl(x) => short(out, t::SET_NW_TTL, [*x, 0, 0, 0]),
        Action::DecNwTtl => short(out, t::DEC_NW_TTL, [0; 4]),
        Action::PushPbb(e) => short(out, t::PUSH_PBB, pair(*e)),
        Action::PopPbb => short(out, t::POP_PBB, [0; 4]),
        Action::SetField(x) => {
            let start = out.len();
            wire::put_u16(out, t::SET_FIELD);
            wire::put_u16(out, 0);
            oxm_codec::encode_field(x, out)?;
            wire::pad8_from(out, start);
            let len = out.len() - start;
            wire::patch_len16(out, start + 2, len)?;
        }
        Action::Experimenter { experimenter, data } => {
            let mut body = Vec::with_capacity(4 + data.len());
            body.extend_from_slice(&experimenter.to_be_bytes());
            body.extend_from_slice(data);
            raw(out, t::EXPERIMENTER, &body, "experimenter action")?;
        }
        Action::Unknown { action_type, data } => raw(out, *action_type, data, "unknown action")?,
    }
    Ok(())
}

fn pair(e: u16) -> [u8; 4] {
    let b = e.to_be_bytes();
    [b[0], b[1], 0, 0]
}

/// Appends a list of actions.
pub fn encode_actions(list: &[Action], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    list.iter().try_for_each(|a| encode_action(a, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oxm::OxmField;

    fn rt(list: Vec<Action>) -> Vec<u8> {
        let mut out = vec![];
        encode_actions(&list, &mut out).unwrap();
        let b = Bytes::from(out.clone());
        assert_eq!(decode_actions(&b, &b).unwrap(), list);
        out
    }

    #[test]
    fn output_bytes() {
        let w = rt(vec![Action::Output {
            port: 2,
            max_len: 0xffff,
        }]);
        assert_eq!(w, [0, 0, 0, 16, 0, 0, 0, 2, 0xff, 0xff, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn set_field_padding() {
        let w = rt(vec![Action::SetField(OxmField::VlanVid(0x1005, None))]);
        // 4 + 6-byte OXM = 10 → padded to 16.
        assert_eq!(
            w,
            [0, 0x19, 0, 16, 0x80, 0, 12, 2, 0x10, 5, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn all_kinds_round_trip() {
        rt(vec![
            Action::CopyTtlOut,
            Action::CopyTtlIn,
            Action::SetMplsTtl(9),
            Action::DecMplsTtl,
            Action::PushVlan(0x8100),
            Action::PopVlan,
            Action::PushMpls(0x8847),
            Action::PopMpls(0x0800),
            Action::SetQueue(3),
            Action::Group(7),
            Action::SetNwTtl(3),
            Action::DecNwTtl,
            Action::PushPbb(0x88e7),
            Action::PopPbb,
            Action::Experimenter {
                experimenter: 0x2320,
                data: Bytes::from_static(&[0, 1, 2, 3, 4, 5, 6, 7]),
            },
            Action::Unknown {
                action_type: 0x0077,
                data: Bytes::from_static(&[1, 2, 3, 4]),
            },
        ]);
    }

    #[test]
    fn bad_lengths() {
        let b = Bytes::from_static(&[0, 0, 0, 8, 0, 0, 0, 2]);
        assert_eq!(
            decode_actions(&b, &b).unwrap_err(),
            bad(bad_action::BAD_LEN, "wrong length for the action type")
        );
        let b = Bytes::from_static(&[0, 0, 0, 4]);
        assert!(matches!(
            decode_actions(&b, &b),
            Err(DecodeError::BadAction {
                code: bad_action::BAD_LEN,
                ..
            })
        ));
        let b = Bytes::from_static(&[0, 0x12, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert!(decode_actions(&b, &b).is_err());
    }
}
