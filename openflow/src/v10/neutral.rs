//! Lowering the neutral layer to OpenFlow 1.0 and lifting it back.
//!
//! Round trip: for every neutral value 1.0 can express, `lift(lower(x)) == x` (and the
//! wire form in between re-encodes byte for byte). The conventions that make this hold:
//!
//! - Match fields lift in canonical prerequisite order ([`lift_match`]); an exact IPv4
//!   mask (/32) lifts as an unmasked field.
//! - An empty action list lifts to no instructions.
//! - SET_VLAN_VID lifts with OFPVID_PRESENT set; SET_TP_* lift as UDP set-fields under a
//!   UDP match (PACKET_OUT: a UDP frame) and as TCP ones otherwise.
//! - A delete lifts with `table_id` [`TABLE_ALL`], every other command with table 0.
//! - Fields that only 1.3 has in switch-to-controller messages (port speeds, packet-in
//!   table/cookie and match fields other than in_port, flow-removed table/hard timeout,
//!   flow stats flags, port stats duration, features auxiliary id) are dropped when
//!   lowering and read as 0 when lifting, as the neutral types document. What a
//!   controller asks for and 1.0 cannot say is [`Unsupported`].
//! - Flow-mod flags, error types/codes, packet-in reasons and port config/state bits pass
//!   through raw: they are the values of the version on the wire (bit 2 of the flags is
//!   EMERG in 1.0 and RESET_COUNTS in 1.3).
//! - Description strings longer than their 1.0 field are cut (the field keeps a NUL).
//! - Port feature bitmaps (`curr`, `advertised`, `supported`, `peer`) are neutral in the
//!   1.3 layout: the 1.0 bits COPPER…PAUSE_ASYM (7–11) move to 11–15; the 1.3-only speed
//!   bits 40GB…OTHER (7–10) have no 1.0 form and are dropped.

use super::features::ALL_ACTIONS;
use super::*;
use crate::instruction::Instruction;
use crate::{message::Control, neutral::*, port, Action, Match, Unsupported, Version};

use super::action_conv::lower_each;
pub use super::action_conv::{lift_actions, lower_actions};
pub use super::match_conv::{lift_match, lower_match};
use crate::header::encode_framed;
use crate::EncodeError;

fn uns(what: impl Into<String>) -> Unsupported {
    Unsupported::new(Version::V1_0, what)
}

fn port10(p: u32) -> Result<u16, Unsupported> {
    port::to_v10(p).ok_or_else(|| uns(format!("port {p}")))
}

fn buffer_in(b: Option<u32>) -> u32 {
    b.unwrap_or(NO_BUFFER)
}

fn buffer_out(b: u32) -> Option<u32> {
    (b != NO_BUFFER).then_some(b)
}

/// The action list of an instruction list: none, or one apply-actions.
/// The actions of the only instruction list 1.0 can express: none or one apply-actions.
fn apply_actions(i: &[Instruction]) -> Result<&[Action], Unsupported> {
    match i {
        [] => Ok(&[]),
        [Instruction::ApplyActions(a)] => Ok(a),
        _ => Err(uns(format!(
            "instructions [{}] (only a single apply-actions)",
            crate::instruction::DisplayInstructions(i)
        ))),
    }
}

fn actions_to_instructions(a: &[Action10], m: &Match10) -> Vec<Instruction> {
    if a.is_empty() {
        Vec::new()
    } else {
        vec![Instruction::ApplyActions(lift_actions(
            a,
            super::match_conv::is_udp(m),
        ))]
    }
}

/// 1.0 port feature bits → neutral (1.3 layout).
pub fn lift_port_features(b: u32) -> u32 {
    (b & 0x7f) | (((b >> 7) & 0x1f) << 11)
}

/// Neutral (1.3 layout) port feature bits → 1.0.
pub fn lower_port_features(b: u32) -> u32 {
    (b & 0x7f) | (((b >> 11) & 0x1f) << 7)
}

pub fn lower_flow_mod(x: &FlowMod) -> Result<Message, Unsupported> {
    let mut f = flow_mod_head(x)?;
    f.actions = lower_actions(apply_actions(&x.instructions)?)?;
    Ok(Message::FlowMod(f))
}

/// Encodes a neutral flow mod as 1.0, lowering its actions straight into `out`.
pub fn encode_flow_mod(x: &FlowMod, xid: u32, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let f = flow_mod_head(x)?;
    let actions = apply_actions(&x.instructions)?;
    encode_framed(out, VERSION, msg_type::FLOW_MOD, xid, |out| {
        f.write_with(out, |out| lower_each(actions, |a| a.write(out)))
    })
}

/// The checked 1.0 flow mod without its actions (allocates nothing).
fn flow_mod_head(x: &FlowMod) -> Result<FlowMod10, Unsupported> {
    if x.cookie_mask != 0 {
        return Err(uns("a cookie mask on flow mods"));
    }
    let deleting = matches!(
        x.command,
        FlowModCommand::Delete | FlowModCommand::DeleteStrict
    );
    if x.table_id != 0 && !(deleting && x.table_id == TABLE_ALL) {
        return Err(uns(format!("table_id {} in a flow mod", x.table_id)));
    }
    if x.out_group != GROUP_ANY {
        return Err(uns("out_group in a flow mod"));
    }
    if x.flags & !0x0007 != 0 {
        return Err(uns(format!("flow mod flags {:#x}", x.flags)));
    }
    Ok(FlowMod10 {
        match_: lower_match(&x.match_)?,
        cookie: x.cookie,
        command: x.command.wire(),
        idle_timeout: x.idle_timeout,
        hard_timeout: x.hard_timeout,
        priority: x.priority,
        buffer_id: buffer_in(x.buffer_id),
        out_port: port10(x.out_port)?,
        flags: x.flags,
        actions: Vec::new(),
    })
}

pub fn lift_flow_mod(m: &Message) -> Option<FlowMod> {
    let Message::FlowMod(f) = m else { return None };
    let command = FlowModCommand::from_wire(f.command)?;
    Some(FlowMod {
        cookie: f.cookie,
        cookie_mask: 0,
        table_id: if command == FlowModCommand::Delete {
            TABLE_ALL
        } else {
            0
        },
        command,
        idle_timeout: f.idle_timeout,
        hard_timeout: f.hard_timeout,
        priority: f.priority,
        buffer_id: buffer_out(f.buffer_id),
        out_port: port::from_v10(f.out_port),
        out_group: GROUP_ANY,
        flags: f.flags,
        match_: lift_match(&f.match_),
        instructions: actions_to_instructions(&f.actions, &f.match_),
    })
}

pub fn lower_packet_out(x: &PacketOut) -> Result<Message, Unsupported> {
    let mut p = packet_out_head(x)?;
    p.actions = lower_actions(&x.actions)?;
    p.data = x.data.clone();
    Ok(Message::PacketOut(p))
}

/// Encodes a neutral packet out as 1.0, lowering its actions straight into `out`.
pub fn encode_packet_out(x: &PacketOut, xid: u32, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let p = packet_out_head(x)?;
    encode_framed(out, VERSION, msg_type::PACKET_OUT, xid, |out| {
        p.write_with(out, &x.data, |out| lower_each(&x.actions, |a| a.write(out)))
    })
}

/// The checked 1.0 packet out without its actions and frame.
fn packet_out_head(x: &PacketOut) -> Result<PacketOut10, Unsupported> {
    Ok(PacketOut10 {
        buffer_id: buffer_in(x.buffer_id),
        in_port: port10(x.in_port)?,
        actions: Vec::new(),
        data: bytes::Bytes::new(),
    })
}

pub fn lift_packet_out(m: &Message) -> Option<PacketOut> {
    let Message::PacketOut(p) = m else {
        return None;
    };
    Some(PacketOut {
        buffer_id: buffer_out(p.buffer_id),
        in_port: port::from_v10(p.in_port),
        actions: lift_actions(&p.actions, rewrites_udp(&p.actions, &p.data)),
        data: p.data.clone(),
    })
}

/// Whether SET_TP_* actions of a PACKET_OUT rewrite UDP ports: only when it has such an
/// action and its frame is IPv4/UDP (the frame is parsed only then).
fn rewrites_udp(actions: &[Action10], data: &[u8]) -> bool {
    actions
        .iter()
        .any(|a| matches!(a, Action10::SetTpSrc(_) | Action10::SetTpDst(_)))
        && crate::packet::EthernetFrame::parse(data)
            .ok()
            .filter(|e| e.ethertype == crate::oxm::eth_type::IPV4)
            .and_then(|e| crate::packet::ip::Ipv4Packet::parse(e.payload).ok())
            .is_some_and(|ip| ip.proto == crate::oxm::ip_proto::UDP)
}

/// Only the match's `in_port` survives (1.0 packet-ins carry nothing else).
pub fn lower_packet_in(x: &PacketIn) -> Result<Message, Unsupported> {
    Ok(Message::PacketIn(PacketIn10 {
        buffer_id: buffer_in(x.buffer_id),
        total_len: x.total_len,
        in_port: port10(x.in_port())?,
        reason: x.reason,
        data: x.data.clone(),
    }))
}

/// Allocation-free: the match holds one inline field and `data` is a shared slice.
pub fn lift_packet_in(m: &Message) -> Option<PacketIn> {
    let Message::PacketIn(p) = m else { return None };
    Some(packet_in_into(p.clone()))
}

/// The neutral PACKET_IN, taking the 1.0 one (the frame is not copied).
pub fn packet_in_into(p: PacketIn10) -> PacketIn {
    PacketIn {
        buffer_id: buffer_out(p.buffer_id),
        total_len: p.total_len,
        reason: p.reason,
        table_id: 0,
        cookie: 0,
        match_: Match::new().in_port(port::from_v10(p.in_port)),
        data: p.data,
    }
}

/// Lowers a port description (the name must fit in 15 bytes).
pub fn lower_port(p: &PortInfo) -> Result<PhyPort, Unsupported> {
    Ok(PhyPort {
        port_no: port10(p.port_no)?,
        hw_addr: p.hw_addr,
        name: PhyPort::name_field(&p.name)
            .ok_or_else(|| uns(format!("port name `{}` (over 15 bytes)", p.name)))?,
        config: p.config,
        state: p.state,
        curr: lower_port_features(p.curr),
        advertised: lower_port_features(p.advertised),
        supported: lower_port_features(p.supported),
        peer: lower_port_features(p.peer),
    })
}

pub fn lift_port(p: &PhyPort) -> PortInfo {
    PortInfo {
        port_no: port::from_v10(p.port_no),
        hw_addr: p.hw_addr,
        name: p.name_str(),
        config: p.config,
        state: p.state,
        curr: lift_port_features(p.curr),
        advertised: lift_port_features(p.advertised),
        supported: lift_port_features(p.supported),
        peer: lift_port_features(p.peer),
        curr_speed: 0,
        max_speed: 0,
    }
}

/// The `actions` bitmap is set to every 1.0 action ([`ALL_ACTIONS`]).
pub fn lower_features_reply(x: &FeaturesReply) -> Result<Message, Unsupported> {
    Ok(Message::FeaturesReply(FeaturesReply10 {
        datapath_id: x.datapath_id,
        n_buffers: x.n_buffers,
        n_tables: x.n_tables,
        capabilities: x.capabilities,
        actions: ALL_ACTIONS,
        ports: x.ports.iter().map(lower_port).collect::<Result<_, _>>()?,
    }))
}

pub fn lift_features_reply(m: &Message) -> Option<FeaturesReply> {
    let Message::FeaturesReply(f) = m else {
        return None;
    };
    Some(FeaturesReply {
        datapath_id: f.datapath_id,
        n_buffers: f.n_buffers,
        n_tables: f.n_tables,
        auxiliary_id: 0,
        capabilities: f.capabilities,
        ports: f.ports.iter().map(lift_port).collect(),
    })
}

pub fn lower_port_status(x: &PortStatus) -> Result<Message, Unsupported> {
    Ok(Message::PortStatus(PortStatus10 {
        reason: x.reason,
        desc: lower_port(&x.port)?,
    }))
}

pub fn lift_port_status(m: &Message) -> Option<PortStatus> {
    let Message::PortStatus(p) = m else {
        return None;
    };
    Some(PortStatus {
        reason: p.reason,
        port: lift_port(&p.desc),
    })
}

pub fn lower_flow_removed(x: &FlowRemoved) -> Result<Message, Unsupported> {
    Ok(Message::FlowRemoved(FlowRemoved10 {
        match_: lower_match(&x.match_)?,
        cookie: x.cookie,
        priority: x.priority,
        reason: x.reason,
        duration_sec: x.duration_sec,
        duration_nsec: x.duration_nsec,
        idle_timeout: x.idle_timeout,
        packet_count: x.packet_count,
        byte_count: x.byte_count,
    }))
}

pub fn lift_flow_removed(m: &Message) -> Option<FlowRemoved> {
    let Message::FlowRemoved(f) = m else {
        return None;
    };
    Some(FlowRemoved {
        cookie: f.cookie,
        priority: f.priority,
        reason: f.reason,
        table_id: 0,
        duration_sec: f.duration_sec,
        duration_nsec: f.duration_nsec,
        idle_timeout: f.idle_timeout,
        hard_timeout: 0,
        packet_count: f.packet_count,
        byte_count: f.byte_count,
        match_: lift_match(&f.match_),
    })
}

/// Type and code pass through raw (they are the 1.0 values).
pub fn lower_error(x: &ErrorMsg) -> Result<Message, Unsupported> {
    if x.experimenter.is_some() {
        return Err(uns("experimenter errors"));
    }
    Ok(Message::Error(Error10 {
        err_type: x.err_type,
        code: x.code,
        data: x.data.clone(),
    }))
}

pub fn lift_error(m: &Message) -> Option<ErrorMsg> {
    let Message::Error(e) = m else { return None };
    Some(ErrorMsg {
        err_type: e.err_type,
        code: e.code,
        experimenter: None,
        data: e.data.clone(),
    })
}

fn lower_flow_stats_request(r: &FlowStatsRequest) -> Result<FlowStatsRequest10, Unsupported> {
    if r.cookie_mask != 0 {
        return Err(uns("a cookie mask on stats requests"));
    }
    if r.out_group != GROUP_ANY {
        return Err(uns("out_group on stats requests"));
    }
    Ok(FlowStatsRequest10 {
        match_: lower_match(&r.match_)?,
        table_id: r.table_id,
        out_port: port10(r.out_port)?,
    })
}

fn lift_flow_stats_request(r: &FlowStatsRequest10) -> FlowStatsRequest {
    FlowStatsRequest {
        table_id: r.table_id,
        out_port: port::from_v10(r.out_port),
        out_group: GROUP_ANY,
        cookie: 0,
        cookie_mask: 0,
        match_: lift_match(&r.match_),
    }
}

pub fn lower_stats_request(x: &StatsRequest) -> Result<Message, Unsupported> {
    let body = match x {
        StatsRequest::Desc => StatsRequestBody::Desc,
        StatsRequest::Flow(r) => StatsRequestBody::Flow(lower_flow_stats_request(r)?),
        StatsRequest::Aggregate(r) => StatsRequestBody::Aggregate(lower_flow_stats_request(r)?),
        StatsRequest::Table => StatsRequestBody::Table,
        StatsRequest::Port { port_no } => StatsRequestBody::Port {
            port_no: port10(*port_no)?,
        },
        StatsRequest::Queue { port_no, queue_id } => StatsRequestBody::Queue {
            port_no: port10(*port_no)?,
            queue_id: *queue_id,
        },
        other => return Err(uns(format!("stats request {other:?}"))),
    };
    Ok(Message::StatsRequest(StatsRequest10 { flags: 0, body }))
}

pub fn lift_stats_request(m: &Message) -> Option<StatsRequest> {
    let Message::StatsRequest(r) = m else {
        return None;
    };
    Some(match &r.body {
        StatsRequestBody::Desc => StatsRequest::Desc,
        StatsRequestBody::Flow(f) => StatsRequest::Flow(lift_flow_stats_request(f)),
        StatsRequestBody::Aggregate(f) => StatsRequest::Aggregate(lift_flow_stats_request(f)),
        StatsRequestBody::Table => StatsRequest::Table,
        StatsRequestBody::Port { port_no } => StatsRequest::Port {
            port_no: port::from_v10(*port_no),
        },
        StatsRequestBody::Queue { port_no, queue_id } => StatsRequest::Queue {
            port_no: port::from_v10(*port_no),
            queue_id: *queue_id,
        },
        StatsRequestBody::Vendor { .. } | StatsRequestBody::Unknown { .. } => return None,
    })
}

fn lower_flow_stats(f: &FlowStats) -> Result<FlowStats10, Unsupported> {
    Ok(FlowStats10 {
        table_id: f.table_id,
        match_: lower_match(&f.match_)?,
        duration_sec: f.duration_sec,
        duration_nsec: f.duration_nsec,
        priority: f.priority,
        idle_timeout: f.idle_timeout,
        hard_timeout: f.hard_timeout,
        cookie: f.cookie,
        packet_count: f.packet_count,
        byte_count: f.byte_count,
        actions: lower_actions(apply_actions(&f.instructions)?)?,
    })
}

fn lift_flow_stats(f: &FlowStats10) -> FlowStats {
    FlowStats {
        table_id: f.table_id,
        duration_sec: f.duration_sec,
        duration_nsec: f.duration_nsec,
        priority: f.priority,
        idle_timeout: f.idle_timeout,
        hard_timeout: f.hard_timeout,
        flags: 0,
        cookie: f.cookie,
        packet_count: f.packet_count,
        byte_count: f.byte_count,
        match_: lift_match(&f.match_),
        instructions: actions_to_instructions(&f.actions, &f.match_),
    }
}

/// Table stats lower with an empty name, all wildcards and `max_entries` 0 (the neutral
/// form has none of these).
pub fn lower_stats_reply(x: &StatsReply) -> Result<Message, Unsupported> {
    let body = match &x.body {
        StatsReplyBody::Desc(d) => StatsReplyBody10::Desc(d.clone()),
        StatsReplyBody::Flow(v) => {
            StatsReplyBody10::Flow(v.iter().map(lower_flow_stats).collect::<Result<_, _>>()?)
        }
        StatsReplyBody::Aggregate {
            packet_count,
            byte_count,
            flow_count,
        } => StatsReplyBody10::Aggregate {
            packet_count: *packet_count,
            byte_count: *byte_count,
            flow_count: *flow_count,
        },
        StatsReplyBody::Table(v) => StatsReplyBody10::Table(
            v.iter()
                .map(|t| TableStats10 {
                    table_id: t.table_id,
                    name: [0; stats_reply::TABLE_NAME_LEN],
                    wildcards: ofmatch::wildcards::ALL,
                    max_entries: 0,
                    active_count: t.active_count,
                    lookup_count: t.lookup_count,
                    matched_count: t.matched_count,
                })
                .collect(),
        ),
        StatsReplyBody::Port(v) => StatsReplyBody10::Port(
            v.iter()
                .map(|p| {
                    Ok(PortStats10 {
                        port_no: port10(p.port_no)?,
                        rx_packets: p.rx_packets,
                        tx_packets: p.tx_packets,
                        rx_bytes: p.rx_bytes,
                        tx_bytes: p.tx_bytes,
                        rx_dropped: p.rx_dropped,
                        tx_dropped: p.tx_dropped,
                        rx_errors: p.rx_errors,
                        tx_errors: p.tx_errors,
                        ..PortStats10::default()
                    })
                })
                .collect::<Result<_, Unsupported>>()?,
        ),
        StatsReplyBody::PortDesc(_) => {
            return Err(uns("port-desc replies (ports come in FEATURES_REPLY)"))
        }
        StatsReplyBody::Other { stats_type } => {
            return Err(uns(format!(
                "stats reply type {stats_type:#x} in neutral form"
            )))
        }
    };
    Ok(Message::StatsReply(StatsReply10 {
        flags: u16::from(x.more),
        body,
    }))
}

pub fn lift_stats_reply(m: &Message) -> Option<StatsReply> {
    let Message::StatsReply(r) = m else {
        return None;
    };
    let body = match &r.body {
        StatsReplyBody10::Desc(d) => StatsReplyBody::Desc(d.clone()),
        StatsReplyBody10::Flow(v) => StatsReplyBody::Flow(v.iter().map(lift_flow_stats).collect()),
        StatsReplyBody10::Aggregate {
            packet_count,
            byte_count,
            flow_count,
        } => StatsReplyBody::Aggregate {
            packet_count: *packet_count,
            byte_count: *byte_count,
            flow_count: *flow_count,
        },
        StatsReplyBody10::Table(v) => StatsReplyBody::Table(
            v.iter()
                .map(|t| TableStats {
                    table_id: t.table_id,
                    active_count: t.active_count,
                    lookup_count: t.lookup_count,
                    matched_count: t.matched_count,
                })
                .collect(),
        ),
        StatsReplyBody10::Port(v) => StatsReplyBody::Port(
            v.iter()
                .map(|p| PortStats {
                    port_no: port::from_v10(p.port_no),
                    rx_packets: p.rx_packets,
                    tx_packets: p.tx_packets,
                    rx_bytes: p.rx_bytes,
                    tx_bytes: p.tx_bytes,
                    rx_dropped: p.rx_dropped,
                    tx_dropped: p.tx_dropped,
                    rx_errors: p.rx_errors,
                    tx_errors: p.tx_errors,
                    duration_sec: 0,
                })
                .collect(),
        ),
        other => StatsReplyBody::Other {
            stats_type: other.stats_type(),
        },
    };
    Some(StatsReply {
        more: r.flags & stats_request::REPLY_MORE != 0,
        body,
    })
}

pub fn lower_control(x: &Control) -> Result<Message, Unsupported> {
    Ok(match x {
        Control::EchoRequest(b) => Message::EchoRequest(b.clone()),
        Control::EchoReply(b) => Message::EchoReply(b.clone()),
        Control::FeaturesRequest => Message::FeaturesRequest,
        Control::GetConfigRequest => Message::GetConfigRequest,
        Control::GetConfigReply(c) => Message::GetConfigReply(*c),
        Control::SetConfig(c) => Message::SetConfig(*c),
        Control::BarrierRequest => Message::BarrierRequest,
        Control::BarrierReply => Message::BarrierReply,
        Control::RoleRequest { .. } | Control::RoleReply { .. } => {
            return Err(uns("controller roles"))
        }
    })
}

pub fn lift_control(m: &Message) -> Option<Control> {
    Some(match m {
        Message::EchoRequest(b) => Control::EchoRequest(b.clone()),
        Message::EchoReply(b) => Control::EchoReply(b.clone()),
        Message::FeaturesRequest => Control::FeaturesRequest,
        Message::GetConfigRequest => Control::GetConfigRequest,
        Message::GetConfigReply(c) => Control::GetConfigReply(*c),
        Message::SetConfig(c) => Control::SetConfig(*c),
        Message::BarrierRequest => Control::BarrierRequest,
        Message::BarrierReply => Control::BarrierReply,
        _ => return None,
    })
}
