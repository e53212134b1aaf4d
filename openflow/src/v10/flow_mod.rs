//! OFPT_FLOW_MOD.

use bytes::Bytes;

use super::action::Action10;
use super::ofmatch::{Match10, MATCH_LEN};
use super::wire::{fixed, u16_, u32_, u64_, Put};
use crate::{DecodeError, EncodeError};

/// OFPT_FLOW_MOD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowMod10 {
    pub match_: Match10,
    pub cookie: u64,
    /// `ofp_flow_mod_command`, raw (ADD 0 … DELETE_STRICT 4).
    pub command: u16,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    pub priority: u16,
    pub buffer_id: u32,
    /// Delete only: restrict to flows that output here (0xffff = OFPP_NONE, any).
    pub out_port: u16,
    /// `ofp_flow_mod_flags`: SEND_FLOW_REM 1, CHECK_OVERLAP 2, EMERG 4.
    pub flags: u16,
    pub actions: Vec<Action10>,
}

impl FlowMod10 {
    pub fn parse(frame: &Bytes, body: &[u8]) -> Result<FlowMod10, DecodeError> {
        let (i, match_) = Match10::parse(body)?;
        let (
            list,
            (cookie, command, idle_timeout, hard_timeout, priority, buffer_id, out_port, flags),
        ) = fixed(
            "flow_mod",
            24,
            i,
            (u64_, u16_, u16_, u16_, u16_, u32_, u16_, u16_),
        )
        .map_err(|_| DecodeError::Truncated {
            what: "flow_mod",
            have: body.len(),
            need: MATCH_LEN + 24,
        })?;
        let actions = Action10::parse_list(frame, list)?;
        Ok(FlowMod10 {
            match_,
            cookie,
            command,
            idle_timeout,
            hard_timeout,
            priority,
            buffer_id,
            out_port,
            flags,
            actions,
        })
    }

    pub fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.write_with(out, |out| {
            Action10::write_list(&self.actions, out).map(|_| ())
        })
    }

    /// Writes the fixed fields, then lets `actions` write the action list (`self.actions`
    /// is ignored): a neutral flow mod's actions are lowered straight into `out`.
    pub fn write_with(
        &self,
        out: &mut Vec<u8>,
        actions: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
    ) -> Result<(), EncodeError> {
        self.match_.write(out);
        out.put_u64(self.cookie);
        out.put_u16(self.command);
        out.put_u16(self.idle_timeout);
        out.put_u16(self.hard_timeout);
        out.put_u16(self.priority);
        out.put_u32(self.buffer_id);
        out.put_u16(self.out_port);
        out.put_u16(self.flags);
        actions(out)
    }
}
