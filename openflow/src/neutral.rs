//! The version-neutral layer apps use: builders that lower to either version
//! (`to_message`) and views lifted from either version (`Message::packet_in()` …).
//!
//! What a version cannot express is a typed [`Unsupported`] error, never silently dropped.

use bytes::Bytes;

use crate::{action::Action, instruction::Instruction, oxm::Match, port, MacAddr};

/// `OFP_NO_BUFFER`.
pub const NO_BUFFER: u32 = 0xffff_ffff;
/// `OFPG_ANY`.
pub const GROUP_ANY: u32 = 0xffff_ffff;
/// `OFPTT_ALL`: every table (delete and stats requests).
pub const TABLE_ALL: u8 = 0xff;

/// `ofp_flow_mod_command`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum FlowModCommand {
    Add,
    Modify,
    ModifyStrict,
    Delete,
    DeleteStrict,
}

impl FlowModCommand {
    /// Wire value (the same in 1.0 and 1.3).
    pub const fn wire(self) -> u16 {
        match self {
            FlowModCommand::Add => 0,
            FlowModCommand::Modify => 1,
            FlowModCommand::ModifyStrict => 2,
            FlowModCommand::Delete => 3,
            FlowModCommand::DeleteStrict => 4,
        }
    }
    pub const fn from_wire(v: u16) -> Option<Self> {
        Some(match v {
            0 => FlowModCommand::Add,
            1 => FlowModCommand::Modify,
            2 => FlowModCommand::ModifyStrict,
            3 => FlowModCommand::Delete,
            4 => FlowModCommand::DeleteStrict,
            _ => return None,
        })
    }
}

/// `ofp_flow_mod_flags`.
pub mod flow_mod_flags {
    pub const SEND_FLOW_REM: u16 = 1 << 0;
    pub const CHECK_OVERLAP: u16 = 1 << 1;
    /// 1.0 only (`OFPFF_EMERG`).
    pub const EMERG: u16 = 1 << 2;
    /// 1.3 only.
    pub const RESET_COUNTS: u16 = 1 << 2;
    pub const NO_PKT_COUNTS: u16 = 1 << 3;
    pub const NO_BYT_COUNTS: u16 = 1 << 4;
}

/// A flow-table modification.
///
/// ```
/// use openflow::{Action, FlowMod, Match, Neutral, Version};
/// let fm = FlowMod::add(Match::new().in_port(1)).priority(10).actions(vec![Action::output(2)]);
/// let msg = fm.to_message(Version::V1_0).unwrap();
/// let mut wire = Vec::new();
/// msg.encode(42, &mut wire).unwrap();
/// assert_eq!(wire.len(), 80); // 72-byte flow_mod + one 8-byte output action
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowMod {
    pub cookie: u64,
    /// 1.3 only: which cookie bits Modify/Delete must match (0 = any).
    pub cookie_mask: u64,
    pub table_id: u8,
    pub command: FlowModCommand,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    pub priority: u16,
    pub buffer_id: Option<u32>,
    /// Delete only: restrict to flows that output to this port ([`port::ANY`] = any).
    pub out_port: u32,
    /// Delete only, 1.3: restrict to flows that output to this group.
    pub out_group: u32,
    pub flags: u16,
    pub match_: Match,
    pub instructions: Vec<Instruction>,
}

impl FlowMod {
    fn with_command(command: FlowModCommand, match_: Match) -> Self {
        FlowMod {
            cookie: 0,
            cookie_mask: 0,
            table_id: 0,
            command,
            idle_timeout: 0,
            hard_timeout: 0,
            priority: 0x8000,
            buffer_id: None,
            out_port: port::ANY,
            out_group: GROUP_ANY,
            flags: 0,
            match_,
            instructions: Vec::new(),
        }
    }
    /// Adds a flow (priority defaults to 0x8000, as in OpenFlow).
    pub fn add(m: Match) -> Self {
        Self::with_command(FlowModCommand::Add, m)
    }
    /// Modifies the actions of every flow the match covers.
    pub fn modify(m: Match) -> Self {
        Self::with_command(FlowModCommand::Modify, m)
    }
    /// Deletes every flow the match covers, in every table.
    pub fn delete(m: Match) -> Self {
        let mut fm = Self::with_command(FlowModCommand::Delete, m);
        fm.table_id = TABLE_ALL;
        fm
    }
    /// The table-miss flow that sends what no other flow matches to the controller
    /// (priority 0, empty match): what 1.3 and later switches need, since they drop misses.
    pub fn table_miss_to_controller() -> Self {
        FlowMod::add(Match::new())
            .priority(0)
            .actions(vec![Action::output(port::CONTROLLER)])
    }

    /// Deletes the flow with exactly this match and priority.
    pub fn delete_strict(m: Match, priority: u16) -> Self {
        Self::with_command(FlowModCommand::DeleteStrict, m).priority(priority)
    }
    pub fn priority(mut self, p: u16) -> Self {
        self.priority = p;
        self
    }
    pub fn cookie(mut self, c: u64) -> Self {
        self.cookie = c;
        self
    }
    /// Modify/delete: match only flows whose cookie agrees with `cookie` on `mask`'s bits.
    pub fn cookie_masked(mut self, cookie: u64, mask: u64) -> Self {
        self.cookie = cookie;
        self.cookie_mask = mask;
        self
    }
    pub fn table(mut self, t: u8) -> Self {
        self.table_id = t;
        self
    }
    pub fn idle_timeout(mut self, s: u16) -> Self {
        self.idle_timeout = s;
        self
    }
    pub fn hard_timeout(mut self, s: u16) -> Self {
        self.hard_timeout = s;
        self
    }
    pub fn buffer_id(mut self, b: Option<u32>) -> Self {
        self.buffer_id = b;
        self
    }
    pub fn out_port(mut self, p: u32) -> Self {
        self.out_port = p;
        self
    }
    pub fn flags(mut self, f: u16) -> Self {
        self.flags = f;
        self
    }
    /// Sets the instructions to a single apply-actions (the only form 1.0 knows).
    pub fn actions(mut self, actions: Vec<Action>) -> Self {
        self.instructions = vec![Instruction::ApplyActions(actions)];
        self
    }
    pub fn instructions(mut self, i: Vec<Instruction>) -> Self {
        self.instructions = i;
        self
    }
}

/// A packet to send out of a switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketOut {
    pub buffer_id: Option<u32>,
    pub in_port: u32,
    pub actions: Vec<Action>,
    /// The frame (empty when `buffer_id` names a switch buffer).
    pub data: Bytes,
}

impl PacketOut {
    /// Sends `data` with `actions`, as if it had arrived on `in_port`.
    pub fn new(in_port: u32, actions: Vec<Action>, data: Bytes) -> Self {
        PacketOut {
            buffer_id: None,
            in_port,
            actions,
            data,
        }
    }

    /// Sends on the packet a switch reported in `packet_in`, with `actions`: the switch's
    /// buffer when it kept one, else the frame it sent (no copy: the bytes are shared).
    pub fn reply_to(packet_in: &PacketIn, actions: Vec<Action>) -> Self {
        PacketOut {
            buffer_id: packet_in.buffer_id,
            in_port: packet_in.in_port(),
            actions,
            data: match packet_in.buffer_id {
                Some(_) => Bytes::new(),
                None => packet_in.data.clone(),
            },
        }
    }
}

/// `ofp_packet_in_reason`.
pub mod packet_in_reason {
    pub const NO_MATCH: u8 = 0;
    pub const ACTION: u8 = 1;
    /// 1.3 only.
    pub const INVALID_TTL: u8 = 2;
}

/// A packet the switch sent to the controller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketIn {
    pub buffer_id: Option<u32>,
    pub total_len: u16,
    pub reason: u8,
    /// 1.3 only (0 for 1.0).
    pub table_id: u8,
    /// 1.3 only (0 for 1.0).
    pub cookie: u64,
    /// Pipeline fields; for 1.0 it holds the `in_port`.
    pub match_: Match,
    pub data: Bytes,
}

impl PacketIn {
    /// The port the packet came in on ([`port::ANY`] if the switch did not say).
    pub fn in_port(&self) -> u32 {
        self.match_.in_port_value().unwrap_or(port::ANY)
    }
}

/// Port config bits (`ofp_port_config`).
pub mod port_config {
    pub const PORT_DOWN: u32 = 1 << 0;
    /// 1.0 only.
    pub const NO_STP: u32 = 1 << 1;
    pub const NO_RECV: u32 = 1 << 2;
    /// 1.0 only.
    pub const NO_RECV_STP: u32 = 1 << 3;
    /// 1.0 only.
    pub const NO_FLOOD: u32 = 1 << 4;
    pub const NO_FWD: u32 = 1 << 5;
    pub const NO_PACKET_IN: u32 = 1 << 6;
}

/// Port state bits (`ofp_port_state`).
pub mod port_state {
    pub const LINK_DOWN: u32 = 1 << 0;
    /// 1.3 only.
    pub const BLOCKED: u32 = 1 << 1;
    /// 1.3 only.
    pub const LIVE: u32 = 1 << 2;
}

/// A switch port (`ofp_phy_port` / `ofp_port`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PortInfo {
    pub port_no: u32,
    pub hw_addr: MacAddr,
    pub name: String,
    pub config: u32,
    pub state: u32,
    pub curr: u32,
    pub advertised: u32,
    pub supported: u32,
    pub peer: u32,
    /// kbps; 1.3 only (0 for 1.0).
    pub curr_speed: u32,
    /// kbps; 1.3 only (0 for 1.0).
    pub max_speed: u32,
}

impl PortInfo {
    /// Administratively up and with a link.
    pub fn is_live(&self) -> bool {
        self.config & port_config::PORT_DOWN == 0 && self.state & port_state::LINK_DOWN == 0
    }
}

/// FEATURES_REPLY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeaturesReply {
    pub datapath_id: crate::Dpid,
    pub n_buffers: u32,
    pub n_tables: u8,
    /// 1.3 only.
    pub auxiliary_id: u8,
    pub capabilities: u32,
    /// 1.0 only: 1.3 switches report ports through PORT_DESC.
    pub ports: Vec<PortInfo>,
}

/// `ofp_port_reason`.
pub mod port_reason {
    pub const ADD: u8 = 0;
    pub const DELETE: u8 = 1;
    pub const MODIFY: u8 = 2;
}

/// PORT_STATUS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortStatus {
    pub reason: u8,
    pub port: PortInfo,
}

/// FLOW_REMOVED.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRemoved {
    pub cookie: u64,
    pub priority: u16,
    pub reason: u8,
    pub table_id: u8,
    pub duration_sec: u32,
    pub duration_nsec: u32,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    pub packet_count: u64,
    pub byte_count: u64,
    pub match_: Match,
}

/// OFPT_ERROR. `data` holds (at least 64 bytes of) the offending request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorMsg {
    pub err_type: u16,
    pub code: u16,
    /// Experimenter errors (type 0xffff, 1.3): the experimenter id; `code` is its exp_type.
    pub experimenter: Option<u32>,
    pub data: Bytes,
}

/// A flow or aggregate stats request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowStatsRequest {
    pub table_id: u8,
    pub out_port: u32,
    pub out_group: u32,
    pub cookie: u64,
    pub cookie_mask: u64,
    pub match_: Match,
}

impl Default for FlowStatsRequest {
    /// Every flow of every table.
    fn default() -> Self {
        FlowStatsRequest {
            table_id: TABLE_ALL,
            out_port: port::ANY,
            out_group: GROUP_ANY,
            cookie: 0,
            cookie_mask: 0,
            match_: Match::new(),
        }
    }
}

/// A stats (1.0) / multipart (1.3) request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsRequest {
    Desc,
    Flow(FlowStatsRequest),
    Aggregate(FlowStatsRequest),
    Table,
    /// [`port::ANY`] for all ports.
    Port {
        port_no: u32,
    },
    /// 1.3 only (1.0 gets ports from FEATURES_REPLY).
    PortDesc,
    Queue {
        port_no: u32,
        queue_id: u32,
    },
    /// 1.3 only.
    Group {
        group_id: u32,
    },
    GroupDesc,
    GroupFeatures,
    Meter {
        meter_id: u32,
    },
    MeterConfig {
        meter_id: u32,
    },
    MeterFeatures,
    TableFeatures,
}

/// `ofp_desc`.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct SwitchDesc {
    pub mfr_desc: String,
    pub hw_desc: String,
    pub sw_desc: String,
    pub serial_num: String,
    pub dp_desc: String,
}

/// One flow entry of a flow stats reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowStats {
    pub table_id: u8,
    pub duration_sec: u32,
    pub duration_nsec: u32,
    pub priority: u16,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    /// 1.3 only.
    pub flags: u16,
    pub cookie: u64,
    pub packet_count: u64,
    pub byte_count: u64,
    pub match_: Match,
    /// For 1.0, one `ApplyActions` holding the flow's actions.
    pub instructions: Vec<Instruction>,
}

/// Per-port counters.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct PortStats {
    pub port_no: u32,
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_dropped: u64,
    pub tx_dropped: u64,
    pub rx_errors: u64,
    pub tx_errors: u64,
    /// 1.3 only.
    pub duration_sec: u32,
}

/// Per-table counters.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct TableStats {
    pub table_id: u8,
    pub active_count: u32,
    pub lookup_count: u64,
    pub matched_count: u64,
}

/// A decoded stats/multipart reply body in neutral form. Bodies without a neutral form
/// are available through the per-version message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsReplyBody {
    Desc(SwitchDesc),
    Flow(Vec<FlowStats>),
    Aggregate {
        packet_count: u64,
        byte_count: u64,
        flow_count: u32,
    },
    Table(Vec<TableStats>),
    Port(Vec<PortStats>),
    PortDesc(Vec<PortInfo>),
    /// Any other type: see the per-version message.
    Other {
        stats_type: u16,
    },
}

/// A stats/multipart reply: one part of a possibly multi-part answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsReply {
    /// More parts follow with the same xid.
    pub more: bool,
    pub body: StatsReplyBody,
}

/// SET_CONFIG / GET_CONFIG_REPLY. `miss_send_len` 0xffff asks for whole packets
/// (no switch-side buffering).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwitchConfig {
    pub flags: u16,
    pub miss_send_len: u16,
}

/// Role of a controller (`ofp_controller_role`, 1.3).
pub mod role {
    pub const NOCHANGE: u32 = 0;
    pub const EQUAL: u32 = 1;
    pub const MASTER: u32 = 2;
    pub const SLAVE: u32 = 3;
}
