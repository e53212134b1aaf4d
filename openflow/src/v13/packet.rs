//! PACKET_IN and PACKET_OUT.

use bytes::Bytes;

use super::wire::{self, need, pad, u16_, u32_, Res};
use super::{action_codec, oxm_codec};
use crate::{Action, DecodeError, EncodeError, Match};

/// PACKET_IN (`ofp_packet_in`): `buffer_id, total_len, reason, table_id, cookie, match,
/// pad[2], data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketIn {
    /// `OFP_NO_BUFFER` (0xffffffff) when the whole packet is in `data`.
    pub buffer_id: u32,
    pub total_len: u16,
    /// `ofp_packet_in_reason` (see [`crate::neutral::packet_in_reason`]).
    pub reason: u8,
    pub table_id: u8,
    pub cookie: u64,
    pub match_: Match,
    /// The frame (shares the decoded buffer; no copy).
    pub data: Bytes,
}

/// Decodes a PACKET_IN body. Plain slices rather than nom, and inlined: this is the
/// hottest decode, and each layer of wrapping moved the 200-byte value once more.
#[inline]
pub fn decode_packet_in(src: &Bytes, body: &[u8]) -> Result<PacketIn, DecodeError> {
    let Some((fixed, rest)) = body.split_first_chunk::<16>() else {
        return Err(DecodeError::Truncated {
            what: "packet_in",
            have: body.len(),
            need: 16,
        });
    };
    let [b0, b1, b2, b3, t0, t1, reason, table_id, c @ ..] = *fixed;
    let (match_, rest) = oxm_codec::read_match(src, rest)?;
    let Some(data) = rest.get(2..) else {
        return Err(DecodeError::Truncated {
            what: "packet_in padding",
            have: rest.len(),
            need: 2,
        });
    };
    Ok(PacketIn {
        buffer_id: u32::from_be_bytes([b0, b1, b2, b3]),
        total_len: u16::from_be_bytes([t0, t1]),
        reason,
        table_id,
        cookie: u64::from_be_bytes(c),
        match_,
        data: wire::share(src, data),
    })
}

pub fn encode_packet_in(p: &PacketIn, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    wire::put_u32(out, p.buffer_id);
    wire::put_u16(out, p.total_len);
    out.extend_from_slice(&[p.reason, p.table_id]);
    wire::put_u64(out, p.cookie);
    oxm_codec::encode_match(&p.match_, out)?;
    wire::put_zeros(out, 2);
    out.extend_from_slice(&p.data);
    Ok(())
}

/// PACKET_OUT (`ofp_packet_out`): `buffer_id, in_port, actions_len, pad[6], actions, data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketOut {
    pub buffer_id: u32,
    pub in_port: u32,
    pub actions: Vec<Action>,
    pub data: Bytes,
}

pub fn parse_packet_out<'a>(src: &Bytes, i: &'a [u8]) -> Res<'a, PacketOut> {
    let (i, _) = need(i, "packet_out", 16)?;
    let (i, buffer_id) = u32_(i)?;
    let (i, in_port) = u32_(i)?;
    let (i, actions_len) = u16_(i)?;
    let (i, _) = pad(i, 6)?;
    let (i, _) = need(i, "packet_out actions", actions_len as usize)?;
    let (acts, data) = i.split_at(actions_len as usize);
    let actions = wire::de(action_codec::decode_actions(src, acts))?;
    let data = wire::share(src, data);
    Ok((
        &[],
        PacketOut {
            buffer_id,
            in_port,
            actions,
            data,
        },
    ))
}

pub fn encode_packet_out(p: &PacketOut, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    encode_packet_out_with(p, &p.actions, &p.data, out)
}

/// `p`'s buffer id and in_port with these actions and this frame (`p`'s own are ignored).
pub fn encode_packet_out_with(
    p: &PacketOut,
    actions: &[Action],
    data: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    wire::put_u32(out, p.buffer_id);
    wire::put_u32(out, p.in_port);
    let at = out.len();
    wire::put_u16(out, 0);
    wire::put_zeros(out, 6);
    let start = out.len();
    action_codec::encode_actions(actions, out)?;
    let len = out.len() - start;
    wire::patch_len16(out, at, len)?;
    out.extend_from_slice(data);
    Ok(())
}
