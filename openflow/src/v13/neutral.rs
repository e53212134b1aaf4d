//! Lowering the neutral layer to OpenFlow 1.3 and lifting it back.
//!
//! Lowering reports what 1.3 cannot express as [`Unsupported`] (a masked set-field, a
//! FEATURES_REPLY carrying ports, names too long for their fixed-width fields…). Lifting
//! returns `None` for messages of another kind and for values the neutral type cannot hold
//! (an unknown flow-mod command, an experimenter multipart body…).

use super::multipart::{
    self, MultipartReply, MultipartReplyBody as RB, MultipartRequest, MultipartRequestBody as QB,
};
use super::{flow, packet, port as pcodec, switch, Message};
use super::{msg_type, VERSION};
use crate::action::Action;
use crate::header::encode_framed;
use crate::instruction::Instruction;
use crate::oxm::OxmField;
use crate::{message::Control, neutral::*, EncodeError, Match, Unsupported, Version};

const V: Version = Version::V1_3;

fn buffer_to_wire(b: Option<u32>) -> u32 {
    b.unwrap_or(NO_BUFFER)
}

fn buffer_from_wire(b: u32) -> Option<u32> {
    (b != NO_BUFFER).then_some(b)
}

fn is_masked(f: &OxmField) -> bool {
    use OxmField::*;
    match f {
        Metadata(_, m) | TunnelId(_, m) => m.is_some(),
        EthDst(_, m) | EthSrc(_, m) | ArpSha(_, m) | ArpTha(_, m) => m.is_some(),
        VlanVid(_, m) | Ipv6Exthdr(_, m) => m.is_some(),
        Ipv4Src(_, m) | Ipv4Dst(_, m) | ArpSpa(_, m) | ArpTpa(_, m) => m.is_some(),
        Ipv6Src(_, m) | Ipv6Dst(_, m) => m.is_some(),
        Ipv6Flabel(_, m) | PbbIsid(_, m) => m.is_some(),
        Other { has_mask, .. } => *has_mask,
        _ => false,
    }
}

fn check_actions(actions: &[Action]) -> Result<(), Unsupported> {
    for a in actions {
        if let Action::SetField(f) = a {
            if is_masked(f) {
                return Err(Unsupported::new(
                    V,
                    format!("a masked set-field ({f}); 1.3 sets whole fields"),
                ));
            }
        }
    }
    Ok(())
}

fn check_instructions(list: &[Instruction]) -> Result<(), Unsupported> {
    for i in list {
        if let Instruction::ApplyActions(a) | Instruction::WriteActions(a) = i {
            check_actions(a)?;
        }
    }
    Ok(())
}

fn check_name(what: &str, s: &str, max: usize) -> Result<(), Unsupported> {
    if s.len() > max {
        return Err(Unsupported::new(
            V,
            format!("a {what} of {} bytes (at most {max})", s.len()),
        ));
    }
    Ok(())
}

fn check_port(p: &PortInfo) -> Result<(), Unsupported> {
    check_name("port name", &p.name, pcodec::PORT_NAME_LEN - 1)
}

pub fn lower_flow_mod(x: &FlowMod) -> Result<Message, Unsupported> {
    let mut f = flow_mod_head(x)?;
    f.match_ = x.match_.clone();
    f.instructions = x.instructions.clone();
    Ok(Message::FlowMod(f))
}

/// Encodes a neutral flow mod as 1.3 without building the 1.3 message.
pub fn encode_flow_mod(x: &FlowMod, xid: u32, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let f = flow_mod_head(x)?;
    encode_framed(out, VERSION, msg_type::FLOW_MOD, xid, |out| {
        flow::encode_flow_mod_with(&f, 0, &x.match_, &x.instructions, out)
    })
}

/// The checked 1.3 flow mod without its match and instructions (allocates nothing).
pub(crate) fn flow_mod_head(x: &FlowMod) -> Result<flow::FlowMod, Unsupported> {
    check_instructions(&x.instructions)?;
    Ok(flow::FlowMod {
        cookie: x.cookie,
        cookie_mask: x.cookie_mask,
        table_id: x.table_id,
        command: x.command.wire() as u8,
        idle_timeout: x.idle_timeout,
        hard_timeout: x.hard_timeout,
        priority: x.priority,
        buffer_id: buffer_to_wire(x.buffer_id),
        out_port: x.out_port,
        out_group: x.out_group,
        flags: x.flags,
        match_: Match::new(),
        instructions: Vec::new(),
    })
}

pub fn lift_flow_mod(m: &Message) -> Option<FlowMod> {
    let Message::FlowMod(x) = m else { return None };
    Some(FlowMod {
        cookie: x.cookie,
        cookie_mask: x.cookie_mask,
        table_id: x.table_id,
        command: FlowModCommand::from_wire(u16::from(x.command))?,
        idle_timeout: x.idle_timeout,
        hard_timeout: x.hard_timeout,
        priority: x.priority,
        buffer_id: buffer_from_wire(x.buffer_id),
        out_port: x.out_port,
        out_group: x.out_group,
        flags: x.flags,
        match_: x.match_.clone(),
        instructions: x.instructions.clone(),
    })
}

pub fn lower_packet_out(x: &PacketOut) -> Result<Message, Unsupported> {
    let mut p = packet_out_head(x)?;
    p.actions = x.actions.clone();
    p.data = x.data.clone();
    Ok(Message::PacketOut(p))
}

/// Encodes a neutral packet out as 1.3 without building the 1.3 message.
pub fn encode_packet_out(x: &PacketOut, xid: u32, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let p = packet_out_head(x)?;
    encode_framed(out, VERSION, msg_type::PACKET_OUT, xid, |out| {
        packet::encode_packet_out_with(&p, &x.actions, &x.data, out)
    })
}

/// The checked 1.3 packet out without its actions and frame.
pub(crate) fn packet_out_head(x: &PacketOut) -> Result<packet::PacketOut, Unsupported> {
    check_actions(&x.actions)?;
    Ok(packet::PacketOut {
        buffer_id: buffer_to_wire(x.buffer_id),
        in_port: x.in_port,
        actions: Vec::new(),
        data: bytes::Bytes::new(),
    })
}

pub fn lift_packet_out(m: &Message) -> Option<PacketOut> {
    let Message::PacketOut(x) = m else {
        return None;
    };
    Some(PacketOut {
        buffer_id: buffer_from_wire(x.buffer_id),
        in_port: x.in_port,
        actions: x.actions.clone(),
        data: x.data.clone(),
    })
}

pub fn lower_packet_in(x: &PacketIn) -> Result<Message, Unsupported> {
    Ok(Message::PacketIn(packet::PacketIn {
        buffer_id: buffer_to_wire(x.buffer_id),
        total_len: x.total_len,
        reason: x.reason,
        table_id: x.table_id,
        cookie: x.cookie,
        match_: x.match_.clone(),
        data: x.data.clone(),
    }))
}

pub fn lift_packet_in(m: &Message) -> Option<PacketIn> {
    let Message::PacketIn(x) = m else { return None };
    Some(packet_in_into(x.clone()))
}

/// The neutral PACKET_IN, taking the 1.3 one (nothing is copied).
pub fn packet_in_into(x: packet::PacketIn) -> PacketIn {
    PacketIn {
        buffer_id: buffer_from_wire(x.buffer_id),
        total_len: x.total_len,
        reason: x.reason,
        table_id: x.table_id,
        cookie: x.cookie,
        match_: x.match_,
        data: x.data,
    }
}

pub fn lower_features_reply(x: &FeaturesReply) -> Result<Message, Unsupported> {
    if !x.ports.is_empty() {
        return Err(Unsupported::new(
            V,
            "ports in FEATURES_REPLY (1.3 reports them through PORT_DESC)",
        ));
    }
    Ok(Message::FeaturesReply(switch::SwitchFeatures {
        datapath_id: x.datapath_id,
        n_buffers: x.n_buffers,
        n_tables: x.n_tables,
        auxiliary_id: x.auxiliary_id,
        capabilities: x.capabilities,
        reserved: 0,
    }))
}

pub fn lift_features_reply(m: &Message) -> Option<FeaturesReply> {
    let Message::FeaturesReply(x) = m else {
        return None;
    };
    Some(FeaturesReply {
        datapath_id: x.datapath_id,
        n_buffers: x.n_buffers,
        n_tables: x.n_tables,
        auxiliary_id: x.auxiliary_id,
        capabilities: x.capabilities,
        ports: Vec::new(),
    })
}

pub fn lower_port_status(x: &PortStatus) -> Result<Message, Unsupported> {
    check_port(&x.port)?;
    Ok(Message::PortStatus(x.clone()))
}

pub fn lift_port_status(m: &Message) -> Option<PortStatus> {
    let Message::PortStatus(x) = m else {
        return None;
    };
    Some(x.clone())
}

pub fn lower_flow_removed(x: &FlowRemoved) -> Result<Message, Unsupported> {
    Ok(Message::FlowRemoved(x.clone()))
}

pub fn lift_flow_removed(m: &Message) -> Option<FlowRemoved> {
    let Message::FlowRemoved(x) = m else {
        return None;
    };
    Some(x.clone())
}

pub fn lower_error(x: &ErrorMsg) -> Result<Message, Unsupported> {
    let is_exp = x.err_type == crate::error::error_type::EXPERIMENTER;
    if is_exp != x.experimenter.is_some() {
        return Err(Unsupported::new(
            V,
            "an ERROR whose experimenter id does not agree with its type (0xffff carries one, others none)",
        ));
    }
    Ok(Message::Error(x.clone()))
}

pub fn lift_error(m: &Message) -> Option<ErrorMsg> {
    let Message::Error(x) = m else { return None };
    Some(x.clone())
}

pub fn lower_stats_request(x: &StatsRequest) -> Result<Message, Unsupported> {
    let body = match x {
        StatsRequest::Desc => QB::Desc,
        StatsRequest::Flow(r) => QB::Flow(r.clone()),
        StatsRequest::Aggregate(r) => QB::Aggregate(r.clone()),
        StatsRequest::Table => QB::Table,
        StatsRequest::Port { port_no } => QB::PortStats { port_no: *port_no },
        StatsRequest::PortDesc => QB::PortDesc,
        StatsRequest::Queue { port_no, queue_id } => QB::Queue {
            port_no: *port_no,
            queue_id: *queue_id,
        },
        StatsRequest::Group { group_id } => QB::Group {
            group_id: *group_id,
        },
        StatsRequest::GroupDesc => QB::GroupDesc,
        StatsRequest::GroupFeatures => QB::GroupFeatures,
        StatsRequest::Meter { meter_id } => QB::Meter {
            meter_id: *meter_id,
        },
        StatsRequest::MeterConfig { meter_id } => QB::MeterConfig {
            meter_id: *meter_id,
        },
        StatsRequest::MeterFeatures => QB::MeterFeatures,
        StatsRequest::TableFeatures => QB::TableFeatures(Vec::new()),
    };
    Ok(Message::MultipartRequest(MultipartRequest {
        flags: 0,
        body,
    }))
}

pub fn lift_stats_request(m: &Message) -> Option<StatsRequest> {
    let Message::MultipartRequest(r) = m else {
        return None;
    };
    Some(match &r.body {
        QB::Desc => StatsRequest::Desc,
        QB::Flow(q) => StatsRequest::Flow(q.clone()),
        QB::Aggregate(q) => StatsRequest::Aggregate(q.clone()),
        QB::Table => StatsRequest::Table,
        QB::PortStats { port_no } => StatsRequest::Port { port_no: *port_no },
        QB::Queue { port_no, queue_id } => StatsRequest::Queue {
            port_no: *port_no,
            queue_id: *queue_id,
        },
        QB::Group { group_id } => StatsRequest::Group {
            group_id: *group_id,
        },
        QB::GroupDesc => StatsRequest::GroupDesc,
        QB::GroupFeatures => StatsRequest::GroupFeatures,
        QB::Meter { meter_id } => StatsRequest::Meter {
            meter_id: *meter_id,
        },
        QB::MeterConfig { meter_id } => StatsRequest::MeterConfig {
            meter_id: *meter_id,
        },
        QB::MeterFeatures => StatsRequest::MeterFeatures,
        // A non-empty body sets the tables' features; the neutral request only reads them.
        QB::TableFeatures(t) if t.is_empty() => StatsRequest::TableFeatures,
        QB::PortDesc => StatsRequest::PortDesc,
        QB::TableFeatures(_) | QB::Experimenter(_) | QB::Unknown { .. } => return None,
    })
}

fn port_stats_down(s: &PortStats) -> multipart::PortStats {
    multipart::PortStats {
        port_no: s.port_no,
        rx_packets: s.rx_packets,
        tx_packets: s.tx_packets,
        rx_bytes: s.rx_bytes,
        tx_bytes: s.tx_bytes,
        rx_dropped: s.rx_dropped,
        tx_dropped: s.tx_dropped,
        rx_errors: s.rx_errors,
        tx_errors: s.tx_errors,
        duration_sec: s.duration_sec,
        ..Default::default()
    }
}

fn port_stats_up(s: &multipart::PortStats) -> PortStats {
    PortStats {
        port_no: s.port_no,
        rx_packets: s.rx_packets,
        tx_packets: s.tx_packets,
        rx_bytes: s.rx_bytes,
        tx_bytes: s.tx_bytes,
        rx_dropped: s.rx_dropped,
        tx_dropped: s.tx_dropped,
        rx_errors: s.rx_errors,
        tx_errors: s.tx_errors,
        duration_sec: s.duration_sec,
    }
}

pub fn lower_stats_reply(x: &StatsReply) -> Result<Message, Unsupported> {
    let body = match &x.body {
        StatsReplyBody::Desc(d) => {
            check_name("description", &d.mfr_desc, multipart::DESC_STR_LEN - 1)?;
            check_name("description", &d.hw_desc, multipart::DESC_STR_LEN - 1)?;
            check_name("description", &d.sw_desc, multipart::DESC_STR_LEN - 1)?;
            check_name("serial number", &d.serial_num, multipart::SERIAL_NUM_LEN - 1)?;
            check_name("description", &d.dp_desc, multipart::DESC_STR_LEN - 1)?;
            RB::Desc(d.clone())
        }
        StatsReplyBody::Flow(list) => {
            for s in list {
                check_instructions(&s.instructions)?;
            }
            RB::Flow(list.clone())
        }
        StatsReplyBody::Aggregate { packet_count, byte_count, flow_count } => {
            RB::Aggregate(multipart::AggregateStats {
                packet_count: *packet_count,
                byte_count: *byte_count,
                flow_count: *flow_count,
            })
        }
        StatsReplyBody::Table(list) => RB::Table(list.clone()),
        StatsReplyBody::Port(list) => RB::PortStats(list.iter().map(port_stats_down).collect()),
        StatsReplyBody::PortDesc(list) => {
            list.iter().try_for_each(check_port)?;
            RB::PortDesc(list.clone())
        }
        StatsReplyBody::Other { stats_type } => {
            return Err(Unsupported::new(
                V,
                format!("a neutral reply of multipart type {stats_type} (no body; build a v13::MultipartReply)"),
            ))
        }
    };
    let flags = if x.more { multipart::FLAG_MORE } else { 0 };
    Ok(Message::MultipartReply(MultipartReply { flags, body }))
}

pub fn lift_stats_reply(m: &Message) -> Option<StatsReply> {
    let Message::MultipartReply(r) = m else {
        return None;
    };
    let body = match &r.body {
        RB::Desc(d) => StatsReplyBody::Desc(d.clone()),
        RB::Flow(l) => StatsReplyBody::Flow(l.clone()),
        RB::Aggregate(a) => StatsReplyBody::Aggregate {
            packet_count: a.packet_count,
            byte_count: a.byte_count,
            flow_count: a.flow_count,
        },
        RB::Table(l) => StatsReplyBody::Table(l.clone()),
        RB::PortStats(l) => StatsReplyBody::Port(l.iter().map(port_stats_up).collect()),
        RB::PortDesc(l) => StatsReplyBody::PortDesc(l.clone()),
        other => StatsReplyBody::Other {
            stats_type: other.mp_type(),
        },
    };
    Some(StatsReply {
        more: r.flags & multipart::FLAG_MORE != 0,
        body,
    })
}

pub fn lower_control(x: &Control) -> Result<Message, Unsupported> {
    Ok(match x {
        Control::EchoRequest(d) => Message::EchoRequest(d.clone()),
        Control::EchoReply(d) => Message::EchoReply(d.clone()),
        Control::FeaturesRequest => Message::FeaturesRequest,
        Control::GetConfigRequest => Message::GetConfigRequest,
        Control::GetConfigReply(c) => Message::GetConfigReply(*c),
        Control::SetConfig(c) => Message::SetConfig(*c),
        Control::BarrierRequest => Message::BarrierRequest,
        Control::BarrierReply => Message::BarrierReply,
        Control::RoleRequest {
            role,
            generation_id,
        } => Message::RoleRequest(switch::Role {
            role: *role,
            generation_id: *generation_id,
        }),
        Control::RoleReply {
            role,
            generation_id,
        } => Message::RoleReply(switch::Role {
            role: *role,
            generation_id: *generation_id,
        }),
    })
}

pub fn lift_control(m: &Message) -> Option<Control> {
    Some(match m {
        Message::EchoRequest(d) => Control::EchoRequest(d.clone()),
        Message::EchoReply(d) => Control::EchoReply(d.clone()),
        Message::FeaturesRequest => Control::FeaturesRequest,
        Message::GetConfigRequest => Control::GetConfigRequest,
        Message::GetConfigReply(c) => Control::GetConfigReply(*c),
        Message::SetConfig(c) => Control::SetConfig(*c),
        Message::BarrierRequest => Control::BarrierRequest,
        Message::BarrierReply => Control::BarrierReply,
        Message::RoleRequest(r) => Control::RoleRequest {
            role: r.role,
            generation_id: r.generation_id,
        },
        Message::RoleReply(r) => Control::RoleReply {
            role: r.role,
            generation_id: r.generation_id,
        },
        _ => return None,
    })
}
