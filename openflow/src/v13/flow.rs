//! FLOW_MOD and FLOW_REMOVED.

use bytes::Bytes;

use super::wire::{self, need, u16_, u32_, u64_, u8_, Res};
use super::{instruction_codec, oxm_codec};
use crate::neutral::FlowRemoved;
use crate::{EncodeError, Instruction, Match};

/// FLOW_MOD (`ofp_flow_mod`), every field as on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowMod {
    pub cookie: u64,
    pub cookie_mask: u64,
    pub table_id: u8,
    /// `ofp_flow_mod_command` (0 add … 4 delete-strict); other values are kept.
    pub command: u8,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    pub priority: u16,
    pub buffer_id: u32,
    pub out_port: u32,
    pub out_group: u32,
    pub flags: u16,
    pub match_: Match,
    pub instructions: Vec<Instruction>,
}

pub fn parse_flow_mod<'a>(src: &Bytes, i: &'a [u8]) -> Res<'a, FlowMod> {
    parse_flow_mod_word(src, i).map(|(i, (fm, _))| (i, fm))
}

/// A FLOW_MOD and the 16-bit word after `flags` (padding in 1.3, `importance` in 1.4/1.5).
pub(crate) fn parse_flow_mod_word<'a>(src: &Bytes, i: &'a [u8]) -> Res<'a, (FlowMod, u16)> {
    let (i, _) = need(i, "flow_mod", 40)?;
    let (i, cookie) = u64_(i)?;
    let (i, cookie_mask) = u64_(i)?;
    let (i, table_id) = u8_(i)?;
    let (i, command) = u8_(i)?;
    let (i, idle_timeout) = u16_(i)?;
    let (i, hard_timeout) = u16_(i)?;
    let (i, priority) = u16_(i)?;
    let (i, buffer_id) = u32_(i)?;
    let (i, out_port) = u32_(i)?;
    let (i, out_group) = u32_(i)?;
    let (i, flags) = u16_(i)?;
    let (i, word) = u16_(i)?;
    let (i, match_) = oxm_codec::decode_match(src, i)?;
    let instructions = wire::de(instruction_codec::decode_instructions(src, i))?;
    let fm = FlowMod {
        cookie,
        cookie_mask,
        table_id,
        command,
        idle_timeout,
        hard_timeout,
        priority,
        buffer_id,
        out_port,
        out_group,
        flags,
        match_,
        instructions,
    };
    Ok((&[], (fm, word)))
}

pub fn encode_flow_mod(f: &FlowMod, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    encode_flow_mod_with(f, 0, &f.match_, &f.instructions, out)
}

/// `f`'s fixed fields with this match and these instructions (`f`'s own are ignored), so
/// a neutral flow mod is encoded without copying its match and instructions.
/// `word` goes after `flags`: 0 (padding) in 1.3, `importance` in 1.4 and 1.5.
pub fn encode_flow_mod_with(
    f: &FlowMod,
    word: u16,
    match_: &Match,
    instructions: &[Instruction],
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    wire::put_u64(out, f.cookie);
    wire::put_u64(out, f.cookie_mask);
    out.extend_from_slice(&[f.table_id, f.command]);
    wire::put_u16(out, f.idle_timeout);
    wire::put_u16(out, f.hard_timeout);
    wire::put_u16(out, f.priority);
    wire::put_u32(out, f.buffer_id);
    wire::put_u32(out, f.out_port);
    wire::put_u32(out, f.out_group);
    wire::put_u16(out, f.flags);
    wire::put_u16(out, word);
    oxm_codec::encode_match(match_, out)?;
    instruction_codec::encode_instructions(instructions, out)
}

/// `ofp_flow_removed_reason`.
pub mod removed_reason {
    pub const IDLE_TIMEOUT: u8 = 0;
    pub const HARD_TIMEOUT: u8 = 1;
    pub const DELETE: u8 = 2;
    pub const GROUP_DELETE: u8 = 3;
}

/// FLOW_REMOVED body (`ofp_flow_removed`, which the neutral [`FlowRemoved`] mirrors).
pub fn parse_flow_removed<'a>(src: &Bytes, i: &'a [u8]) -> Res<'a, FlowRemoved> {
    let (i, _) = need(i, "flow_removed", 40)?;
    let (i, cookie) = u64_(i)?;
    let (i, priority) = u16_(i)?;
    let (i, reason) = u8_(i)?;
    let (i, table_id) = u8_(i)?;
    let (i, duration_sec) = u32_(i)?;
    let (i, duration_nsec) = u32_(i)?;
    let (i, idle_timeout) = u16_(i)?;
    let (i, hard_timeout) = u16_(i)?;
    let (i, packet_count) = u64_(i)?;
    let (i, byte_count) = u64_(i)?;
    let (i, match_) = oxm_codec::decode_match(src, i)?;
    let fr = FlowRemoved {
        cookie,
        priority,
        reason,
        table_id,
        duration_sec,
        duration_nsec,
        idle_timeout,
        hard_timeout,
        packet_count,
        byte_count,
        match_,
    };
    Ok((i, fr))
}

pub fn encode_flow_removed(f: &FlowRemoved, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    wire::put_u64(out, f.cookie);
    wire::put_u16(out, f.priority);
    out.extend_from_slice(&[f.reason, f.table_id]);
    wire::put_u32(out, f.duration_sec);
    wire::put_u32(out, f.duration_nsec);
    wire::put_u16(out, f.idle_timeout);
    wire::put_u16(out, f.hard_timeout);
    wire::put_u64(out, f.packet_count);
    wire::put_u64(out, f.byte_count);
    oxm_codec::encode_match(&f.match_, out)
}
