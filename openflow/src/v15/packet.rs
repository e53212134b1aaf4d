//! PACKET_OUT of 1.5: the ingress port and any other pipeline fields travel as a match
//! (`buffer_id, actions_len, pad[2], match, actions, data`).

use bytes::Bytes;

use crate::v13::wire::{self, need, pad, u16_, u32_, Res};
use crate::v13::{action_codec, oxm_codec};
use crate::{Action, DecodeError, EncodeError, Match};

/// PACKET_OUT (`ofp_packet_out` of 1.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketOut {
    pub buffer_id: u32,
    /// Pipeline fields (IN_PORT, METADATA, TUNNEL_ID…) the packet starts with.
    pub match_: Match,
    pub actions: Vec<Action>,
    pub data: Bytes,
}

fn head(i: &[u8]) -> Res<'_, (u32, u16)> {
    let (i, _) = need(i, "packet_out", 8)?;
    let (i, buffer_id) = u32_(i)?;
    let (i, actions_len) = u16_(i)?;
    let (i, _) = pad(i, 2)?;
    Ok((i, (buffer_id, actions_len)))
}

pub fn parse_packet_out(src: &Bytes, i: &[u8]) -> Result<PacketOut, DecodeError> {
    let (i, (buffer_id, actions_len)) = wire::run(head(i))?;
    let (match_, i) = oxm_codec::read_match(src, i)?;
    let (acts, data) = i
        .split_at_checked(actions_len as usize)
        .ok_or(DecodeError::Truncated {
            what: "packet_out actions",
            have: i.len(),
            need: actions_len as usize,
        })?;
    Ok(PacketOut {
        buffer_id,
        match_,
        actions: action_codec::decode_actions(src, acts)?,
        data: wire::share(src, data),
    })
}

pub fn encode_packet_out(p: &PacketOut, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    encode_packet_out_with(p.buffer_id, &p.match_, &p.actions, &p.data, out)
}

/// Encodes from borrowed parts (the neutral layer encodes without building the message).
pub fn encode_packet_out_with(
    buffer_id: u32,
    match_: &Match,
    actions: &[Action],
    data: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    wire::put_u32(out, buffer_id);
    let at = out.len();
    wire::put_u16(out, 0);
    wire::put_zeros(out, 2);
    oxm_codec::encode_match(match_, out)?;
    let start = out.len();
    action_codec::encode_actions(actions, out)?;
    wire::patch_len_since(out, at, start)?;
    out.extend_from_slice(data);
    Ok(())
}
