//! OFPT_FLOW_REMOVED.

use super::ofmatch::Match10;
use super::wire::{fixed, no_trailing, pad, u16_, u32_, u64_, u8_, Put};
use crate::DecodeError;

/// OFPT_FLOW_REMOVED.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRemoved10 {
    pub match_: Match10,
    pub cookie: u64,
    pub priority: u16,
    /// `ofp_flow_removed_reason`: IDLE_TIMEOUT 0, HARD_TIMEOUT 1, DELETE 2.
    pub reason: u8,
    pub duration_sec: u32,
    pub duration_nsec: u32,
    pub idle_timeout: u16,
    pub packet_count: u64,
    pub byte_count: u64,
}

impl FlowRemoved10 {
    pub fn parse(body: &[u8]) -> Result<FlowRemoved10, DecodeError> {
        let (i, match_) = Match10::parse(body)?;
        let (i, (cookie, priority, reason, _, duration_sec, duration_nsec, idle_timeout, _)) =
            fixed(
                "flow_removed",
                24,
                i,
                (u64_, u16_, u8_, pad(1), u32_, u32_, u16_, pad(2)),
            )?;
        let (i, (packet_count, byte_count)) = fixed("flow_removed", 16, i, (u64_, u64_))?;
        no_trailing("flow_removed", i)?;
        Ok(FlowRemoved10 {
            match_,
            cookie,
            priority,
            reason,
            duration_sec,
            duration_nsec,
            idle_timeout,
            packet_count,
            byte_count,
        })
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        self.match_.write(out);
        out.put_u64(self.cookie);
        out.put_u16(self.priority);
        out.put_u8(self.reason);
        out.put_zeros(1);
        out.put_u32(self.duration_sec);
        out.put_u32(self.duration_nsec);
        out.put_u16(self.idle_timeout);
        out.put_zeros(2);
        out.put_u64(self.packet_count);
        out.put_u64(self.byte_count);
    }
}
