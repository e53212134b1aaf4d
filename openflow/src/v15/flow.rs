//! 1.5's flow records built on OXS statistics: FLOW_REMOVED, the FLOW_DESC multipart
//! (1.4's flow stats, renamed, with `ofp_stats` replacing the fixed counters) and the new
//! FLOW_STATS multipart.

use bytes::Bytes;

use super::oxs::{self, Stats};
use crate::v13::wire::{self, need, pad, u16_, u64_, u8_, Res};
use crate::v13::{instruction_codec, oxm_codec};
use crate::{DecodeError, EncodeError, Instruction, Match};

/// FLOW_REMOVED of 1.5 (`ofp_flow_removed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRemoved {
    pub table_id: u8,
    /// `ofp_flow_removed_reason` (1.5 adds METER_DELETE 4, EVICTION 5).
    pub reason: u8,
    pub priority: u16,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    pub cookie: u64,
    pub match_: Match,
    pub stats: Stats,
}

fn removed_head(i: &[u8]) -> Res<'_, (u8, u8, u16, u16, u16, u64)> {
    let (i, _) = need(i, "flow_removed", 16)?;
    let (i, table_id) = u8_(i)?;
    let (i, reason) = u8_(i)?;
    let (i, priority) = u16_(i)?;
    let (i, idle) = u16_(i)?;
    let (i, hard) = u16_(i)?;
    let (i, cookie) = u64_(i)?;
    Ok((i, (table_id, reason, priority, idle, hard, cookie)))
}

pub fn parse_flow_removed(src: &Bytes, i: &[u8]) -> Result<FlowRemoved, DecodeError> {
    let (i, (table_id, reason, priority, idle_timeout, hard_timeout, cookie)) =
        wire::run(removed_head(i))?;
    let (match_, i) = oxm_codec::read_match(src, i)?;
    let (stats, rest) = oxs::parse_stats(src, i)?;
    wire::exact(rest, "flow_removed", 0)?;
    Ok(FlowRemoved {
        table_id,
        reason,
        priority,
        idle_timeout,
        hard_timeout,
        cookie,
        match_,
        stats,
    })
}

pub fn encode_flow_removed(f: &FlowRemoved, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    out.extend_from_slice(&[f.table_id, f.reason]);
    wire::put_u16(out, f.priority);
    wire::put_u16(out, f.idle_timeout);
    wire::put_u16(out, f.hard_timeout);
    wire::put_u64(out, f.cookie);
    oxm_codec::encode_match(&f.match_, out)?;
    oxs::encode_stats(&f.stats, out)
}

/// One `ofp_flow_desc` (FLOW_DESC multipart reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowDesc {
    pub table_id: u8,
    pub priority: u16,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    pub flags: u16,
    pub importance: u16,
    pub cookie: u64,
    pub match_: Match,
    pub stats: Stats,
    pub instructions: Vec<Instruction>,
}

fn bad(what: &'static str) -> DecodeError {
    DecodeError::Malformed {
        what,
        detail: "length under the fixed part or past the body",
    }
}

fn desc_head(i: &[u8]) -> Res<'_, (u8, [u16; 5], u64)> {
    let (i, _) = u16_(i)?;
    let (i, _) = pad(i, 2)?;
    let (i, table_id) = u8_(i)?;
    let (mut i, _) = pad(i, 1)?;
    let mut w = [0u16; 5];
    for slot in w.iter_mut() {
        let (r, v) = u16_(i)?;
        *slot = v;
        i = r;
    }
    let (i, cookie) = u64_(i)?;
    Ok((i, (table_id, w, cookie)))
}

pub fn parse_flow_descs(src: &Bytes, i: &[u8]) -> Result<Vec<FlowDesc>, DecodeError> {
    let mut out = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        let (e, r) = wire::tlv_at0(rest, 24, bad("flow_desc"))?;
        let (after, (table_id, w, cookie)) = wire::run(desc_head(e))?;
        let [priority, idle_timeout, hard_timeout, flags, importance] = w;
        let (match_, after) = oxm_codec::read_match(src, after)?;
        let (stats, ins) = oxs::parse_stats(src, after)?;
        out.push(FlowDesc {
            table_id,
            priority,
            idle_timeout,
            hard_timeout,
            flags,
            importance,
            cookie,
            match_,
            stats,
            instructions: instruction_codec::decode_instructions(src, ins)?,
        });
        rest = r;
    }
    Ok(out)
}

pub fn encode_flow_descs(list: &[FlowDesc], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    for d in list {
        let start = out.len();
        wire::put_u16(out, 0);
        wire::put_zeros(out, 2);
        out.extend_from_slice(&[d.table_id, 0]);
        for v in [
            d.priority,
            d.idle_timeout,
            d.hard_timeout,
            d.flags,
            d.importance,
        ] {
            wire::put_u16(out, v);
        }
        wire::put_u64(out, d.cookie);
        oxm_codec::encode_match(&d.match_, out)?;
        oxs::encode_stats(&d.stats, out)?;
        instruction_codec::encode_instructions(&d.instructions, out)?;
        wire::patch_len_since(out, start, start)?;
    }
    Ok(())
}

/// One `ofp_flow_stats` of 1.5 (FLOW_STATS multipart reply): identity and statistics only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowStats15 {
    pub table_id: u8,
    /// `ofp_flow_stats_reason`: 0 answers a request, 1 a statistics trigger fired.
    pub reason: u8,
    pub priority: u16,
    pub match_: Match,
    pub stats: Stats,
}

pub fn parse_flow_stats(src: &Bytes, i: &[u8]) -> Result<Vec<FlowStats15>, DecodeError> {
    let mut out = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        let (e, r) = wire::tlv_at0(rest, 8, bad("flow_stats"))?;
        let (match_, after) = oxm_codec::read_match(src, &e[8..])?;
        let (stats, tail) = oxs::parse_stats(src, after)?;
        wire::exact(tail, "flow_stats", 0)?;
        out.push(FlowStats15 {
            table_id: e[4],
            reason: e[5],
            priority: u16::from_be_bytes([e[6], e[7]]),
            match_,
            stats,
        });
        rest = r;
    }
    Ok(out)
}

pub fn encode_flow_stats(list: &[FlowStats15], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    for s in list {
        let start = out.len();
        wire::put_u16(out, 0);
        wire::put_zeros(out, 2);
        out.extend_from_slice(&[s.table_id, s.reason]);
        wire::put_u16(out, s.priority);
        oxm_codec::encode_match(&s.match_, out)?;
        oxs::encode_stats(&s.stats, out)?;
        wire::patch_len_since(out, start, start)?;
    }
    Ok(())
}
