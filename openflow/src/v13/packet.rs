//! PACKET_IN and PACKET_OUT.

use bytes::Bytes;

use super::wire::{self, need, pad, u16_, u32_, u64_, u8_, Res};
use super::{action_codec, oxm_codec};
use crate::{Action, EncodeError, Match};

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

pub fn parse_packet_in<'a>(src: &Bytes, i: &'a [u8]) -> Res<'a, PacketIn> {
    let (i, _) = need(i, "packet_in", 16)?;
    let (i, buffer_id) = u32_(i)?;
    let (i, total_len) = u16_(i)?;
    let (i, reason) = u8_(i)?;
    let (i, table_id) = u8_(i)?;
    let (i, cookie) = u64_(i)?;
    let (i, match_) = oxm_codec::decode_match(src, i)?;
    let (i, _) = need(i, "packet_in padding", 2)?;
    let (i, _) = pad(i, 2)?;
    let data = wire::share(src, i);
    Ok((
        &i[i.len()..],
        PacketIn {
            buffer_id,
            total_len,
            reason,
            table_id,
            cookie,
            match_,
            data,
        },
    ))
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
    wire::put_u32(out, p.buffer_id);
    wire::put_u32(out, p.in_port);
    let at = out.len();
    wire::put_u16(out, 0);
    wire::put_zeros(out, 6);
    let start = out.len();
    action_codec::encode_actions(&p.actions, out)?;
    let len = out.len() - start;
    wire::patch_len16(out, at, len)?;
    out.extend_from_slice(&p.data);
    Ok(())
}
