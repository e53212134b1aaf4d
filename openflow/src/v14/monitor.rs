//! Flow monitoring (OpenFlow 1.4 §7.3.5.19): the FLOW_MONITOR multipart request and the
//! flow updates of its replies.

use bytes::Bytes;

use crate::v13::wire::{self, need, pad, u16_, u32_, u64_, u8_, Res};
use crate::v13::{instruction_codec, oxm_codec};
use crate::{DecodeError, EncodeError, Instruction, Match};

/// `ofp_flow_monitor_command`.
pub mod monitor_command {
    pub const ADD: u8 = 0;
    pub const MODIFY: u8 = 1;
    pub const DELETE: u8 = 2;
}

/// `ofp_flow_update_event`.
pub mod update_event {
    pub const INITIAL: u16 = 0;
    pub const ADDED: u16 = 1;
    pub const REMOVED: u16 = 2;
    pub const MODIFIED: u16 = 3;
    pub const ABBREV: u16 = 4;
    pub const PAUSED: u16 = 5;
    pub const RESUMED: u16 = 6;
}

/// `ofp_flow_monitor_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowMonitorRequest {
    pub monitor_id: u32,
    pub out_port: u32,
    pub out_group: u32,
    /// `ofp_flow_monitor_flags` (initial 1, add 2, removed 4, modify 8, instructions 16,
    /// no_abbrev 32, only_own 64).
    pub flags: u16,
    pub table_id: u8,
    /// [`monitor_command`].
    pub command: u8,
    pub match_: Match,
}

pub fn parse_monitor_request<'a>(src: &Bytes, i: &'a [u8]) -> Res<'a, FlowMonitorRequest> {
    let (i, _) = need(i, "flow_monitor_request", 16)?;
    let (i, monitor_id) = u32_(i)?;
    let (i, out_port) = u32_(i)?;
    let (i, out_group) = u32_(i)?;
    let (i, flags) = u16_(i)?;
    let (i, table_id) = u8_(i)?;
    let (i, command) = u8_(i)?;
    let (i, match_) = oxm_codec::decode_match(src, i)?;
    let r = FlowMonitorRequest {
        monitor_id,
        out_port,
        out_group,
        flags,
        table_id,
        command,
        match_,
    };
    Ok((i, r))
}

pub fn encode_monitor_request(
    r: &FlowMonitorRequest,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    wire::put_u32(out, r.monitor_id);
    wire::put_u32(out, r.out_port);
    wire::put_u32(out, r.out_group);
    wire::put_u16(out, r.flags);
    out.extend_from_slice(&[r.table_id, r.command]);
    oxm_codec::encode_match(&r.match_, out)
}

/// `ofp_flow_update_full`: a flow that was there (INITIAL), was added, removed or
/// modified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowUpdateFull {
    pub event: u16,
    pub table_id: u8,
    /// `ofp_flow_removed_reason` for REMOVED.
    pub reason: u8,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    pub priority: u16,
    pub cookie: u64,
    pub match_: Match,
    pub instructions: Vec<Instruction>,
}

/// One flow update of a FLOW_MONITOR reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowUpdate {
    /// INITIAL, ADDED, REMOVED or MODIFIED.
    Full(FlowUpdateFull),
    /// ABBREV: the change was this controller's own request with this xid.
    Abbrev {
        xid: u32,
    },
    Paused,
    Resumed,
    /// An event Viola does not know; `data` follows the 4-byte header.
    Unknown {
        event: u16,
        data: Bytes,
    },
}

impl FlowUpdate {
    pub fn event(&self) -> u16 {
        use update_event as e;
        match self {
            FlowUpdate::Full(u) => u.event,
            FlowUpdate::Unknown { event, .. } => *event,
            FlowUpdate::Abbrev { .. } => e::ABBREV,
            FlowUpdate::Paused => e::PAUSED,
            FlowUpdate::Resumed => e::RESUMED,
        }
    }
}

fn bad() -> DecodeError {
    DecodeError::Malformed {
        what: "flow_update",
        detail: "length under 8 or past the body",
    }
}

fn parse_full<'a>(src: &Bytes, event: u16, i: &'a [u8]) -> Res<'a, FlowUpdate> {
    let (i, _) = need(i, "flow_update_full", 20)?;
    let (i, table_id) = u8_(i)?;
    let (i, reason) = u8_(i)?;
    let (i, idle_timeout) = u16_(i)?;
    let (i, hard_timeout) = u16_(i)?;
    let (i, priority) = u16_(i)?;
    let (i, _) = pad(i, 4)?;
    let (i, cookie) = u64_(i)?;
    let (i, match_) = oxm_codec::decode_match(src, i)?;
    let instructions = wire::de(instruction_codec::decode_instructions(src, i))?;
    let u = FlowUpdate::Full(FlowUpdateFull {
        event,
        table_id,
        reason,
        idle_timeout,
        hard_timeout,
        priority,
        cookie,
        match_,
        instructions,
    });
    Ok((&[], u))
}

pub fn parse_updates(src: &Bytes, i: &[u8]) -> Result<Vec<FlowUpdate>, DecodeError> {
    use update_event as e;
    let mut out = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        let (u, r) = wire::tlv_at0(rest, 4, bad())?;
        let event = u16::from_be_bytes([u[2], u[3]]);
        let body = &u[4..];
        let fixed4 = |b: &[u8]| wire::exact(b, "flow_update", 4);
        out.push(match event {
            e::INITIAL | e::ADDED | e::REMOVED | e::MODIFIED => {
                wire::run(parse_full(src, event, body))?.1
            }
            e::ABBREV => {
                fixed4(body)?;
                FlowUpdate::Abbrev {
                    xid: u32::from_be_bytes([body[0], body[1], body[2], body[3]]),
                }
            }
            e::PAUSED => fixed4(body).map(|_| FlowUpdate::Paused)?,
            e::RESUMED => fixed4(body).map(|_| FlowUpdate::Resumed)?,
            _ => FlowUpdate::Unknown {
                event,
                data: wire::share(src, body),
            },
        });
        rest = r;
    }
    Ok(out)
}

pub fn encode_updates(list: &[FlowUpdate], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    for u in list {
        let start = out.len();
        wire::put_u16(out, 0);
        wire::put_u16(out, u.event());
        match u {
            FlowUpdate::Full(f) => {
                out.extend_from_slice(&[f.table_id, f.reason]);
                for v in [f.idle_timeout, f.hard_timeout, f.priority, 0, 0] {
                    wire::put_u16(out, v);
                }
                wire::put_u64(out, f.cookie);
                oxm_codec::encode_match(&f.match_, out)?;
                instruction_codec::encode_instructions(&f.instructions, out)?;
            }
            FlowUpdate::Abbrev { xid } => wire::put_u32(out, *xid),
            FlowUpdate::Paused | FlowUpdate::Resumed => wire::put_zeros(out, 4),
            FlowUpdate::Unknown { data, .. } => out.extend_from_slice(data),
        }
        wire::patch_len_since(out, start, start)?;
    }
    Ok(())
}
