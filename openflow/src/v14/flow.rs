//! FLOW_MOD and flow statistics of 1.4/1.5: the 1.3 layouts with `importance` in what
//! 1.3 left as padding after `flags` (shared with [`crate::v13::flow`]).

use bytes::Bytes;

use crate::neutral::FlowStats;
use crate::v13::{self, multipart as mp13, wire};
use crate::{DecodeError, EncodeError};

/// FLOW_MOD (`ofp_flow_mod` of 1.4/1.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowMod {
    /// Every field 1.3 has, in the same places.
    pub base: v13::FlowMod,
    /// Eviction importance (1.4).
    pub importance: u16,
}

pub fn parse_flow_mod(src: &Bytes, i: &[u8]) -> Result<FlowMod, DecodeError> {
    let (_, (base, importance)) = wire::run(v13::flow::parse_flow_mod_word(src, i))?;
    Ok(FlowMod { base, importance })
}

pub fn encode_flow_mod(f: &FlowMod, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let b = &f.base;
    v13::flow::encode_flow_mod_with(b, f.importance, &b.match_, &b.instructions, out)
}

/// One `ofp_flow_stats` of 1.4 (FLOW multipart reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowStats14 {
    pub stats: FlowStats,
    pub importance: u16,
}

pub fn parse_flow_stats(src: &Bytes, i: &[u8]) -> Result<Vec<FlowStats14>, DecodeError> {
    Ok(mp13::parse_flow_stats_words(src, i)?
        .into_iter()
        .map(|(stats, importance)| FlowStats14 { stats, importance })
        .collect())
}

pub fn encode_flow_stats(list: &[FlowStats14], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    list.iter()
        .try_for_each(|s| mp13::encode_flow_stats_entry(&s.stats, s.importance, out))
}
