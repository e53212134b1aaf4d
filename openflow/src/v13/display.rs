//! One-line `Display` of each message, in the spirit of `ovs-ofctl`.

use std::fmt;

use super::multipart::{self, MultipartReplyBody as RB, MultipartRequestBody as QB};
use super::{group, meter, Message, MeterBand};
use crate::action::DisplayActions;
use crate::error::error_type;
use crate::hello::HelloElement;
use crate::instruction::DisplayInstructions;
use crate::neutral::{packet_in_reason, port_reason, NO_BUFFER};
use crate::{port, Match};

pub(crate) fn flow_mod_command(c: u8) -> Option<&'static str> {
    Some(match c {
        0 => "ADD",
        1 => "MOD",
        2 => "MOD_STRICT",
        3 => "DEL",
        4 => "DEL_STRICT",
        _ => return None,
    })
}

pub(crate) fn mod_command(c: u16) -> Option<&'static str> {
    // Group and meter commands share values.
    Some(match c {
        group::group_command::ADD => "ADD",
        group::group_command::MODIFY => "MOD",
        group::group_command::DELETE => "DEL",
        _ => return None,
    })
}

pub(crate) fn error_type_name(t: u16) -> Option<&'static str> {
    Some(match t {
        error_type::HELLO_FAILED => "HELLO_FAILED",
        error_type::BAD_REQUEST => "BAD_REQUEST",
        error_type::BAD_ACTION => "BAD_ACTION",
        error_type::BAD_INSTRUCTION => "BAD_INSTRUCTION",
        error_type::BAD_MATCH => "BAD_MATCH",
        error_type::V13_FLOW_MOD_FAILED => "FLOW_MOD_FAILED",
        0x0006 => "GROUP_MOD_FAILED",
        0x0007 => "PORT_MOD_FAILED",
        0x0008 => "TABLE_MOD_FAILED",
        0x0009 => "QUEUE_OP_FAILED",
        0x000a => "SWITCH_CONFIG_FAILED",
        0x000b => "ROLE_REQUEST_FAILED",
        0x000c => "METER_MOD_FAILED",
        0x000d => "TABLE_FEATURES_FAILED",
        error_type::EXPERIMENTER => "EXPERIMENTER",
        _ => return None,
    })
}

pub(crate) fn role_name(r: u32) -> Option<&'static str> {
    Some(match r {
        0 => "nochange",
        1 => "equal",
        2 => "master",
        3 => "slave",
        _ => return None,
    })
}

pub(crate) fn group_type_name(t: u8) -> Option<&'static str> {
    Some(match t {
        group::group_type::ALL => "all",
        group::group_type::SELECT => "select",
        group::group_type::INDIRECT => "indirect",
        group::group_type::FF => "ff",
        _ => return None,
    })
}

/// `name` or the number, as `ovs-ofctl` falls back.
pub(crate) fn or_num<T: fmt::Display>(name: Option<&'static str>, v: T) -> String {
    name.map_or_else(|| v.to_string(), str::to_string)
}

pub(crate) fn space_match(f: &mut fmt::Formatter<'_>, m: &Match) -> fmt::Result {
    if m.is_empty() {
        Ok(())
    } else {
        write!(f, " {m}")
    }
}

pub(crate) fn band(f: &mut fmt::Formatter<'_>, b: &MeterBand) -> fmt::Result {
    match b {
        MeterBand::Drop { rate, burst_size } => write!(f, "type=drop rate={rate} burst_size={burst_size}"),
        MeterBand::DscpRemark { rate, burst_size, prec_level } => {
            write!(f, "type=dscp_remark rate={rate} burst_size={burst_size} prec_level={prec_level}")
        }
        MeterBand::Experimenter { rate, burst_size, experimenter, data } => write!(
            f,
            "type=experimenter(0x{experimenter:08x}) rate={rate} burst_size={burst_size} data_len={}",
            data.len()
        ),
        MeterBand::Unknown { band_type, rate, burst_size, data } => write!(
            f,
            "type=0x{band_type:04x} rate={rate} burst_size={burst_size} data_len={}",
            data.len()
        ),
    }
}

/// The names of a version's multipart types (1.5 renames FLOW and METER_CONFIG).
pub(crate) type TypeNames = fn(u16) -> Option<&'static str>;

pub(crate) fn mp_type(
    f: &mut fmt::Formatter<'_>,
    t: u16,
    flags: u16,
    names: TypeNames,
) -> fmt::Result {
    match names(t) {
        Some(n) => f.write_str(n)?,
        None => write!(f, "type=0x{t:04x}")?,
    }
    if flags & multipart::FLAG_MORE != 0 {
        f.write_str(" more")?;
    }
    if flags & !multipart::FLAG_MORE != 0 {
        write!(f, " flags=0x{flags:x}")?;
    }
    Ok(())
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.kind().name();
        f.write_str(name)?;
        match self {
            Message::Hello { elements } => {
                for e in elements {
                    match e {
                        HelloElement::VersionBitmap(words) => {
                            let mut vs = vec![];
                            for (wi, w) in words.iter().enumerate() {
                                for bit in 0..32 {
                                    if w & (1 << bit) != 0 {
                                        let v = wi * 32 + bit;
                                        vs.push(match crate::Version::from_wire(v as u8) {
                                            Some(x) if v < 256 => x.to_string(),
                                            _ => format!("0x{v:02x}"),
                                        });
                                    }
                                }
                            }
                            write!(f, " versions={}", vs.join(","))?;
                        }
                        HelloElement::Unknown { elem_type, data } => {
                            write!(f, " element(type={elem_type},{} bytes)", data.len())?
                        }
                    }
                }
                Ok(())
            }
            Message::Error(e) => {
                write!(
                    f,
                    " type={}",
                    or_num(error_type_name(e.err_type), e.err_type)
                )?;
                if let Some(x) = e.experimenter {
                    write!(f, " experimenter=0x{x:08x} exp_type={}", e.code)?;
                } else {
                    write!(f, " code={}", e.code)?;
                }
                write!(f, " data_len={}", e.data.len())
            }
            Message::EchoRequest(d) | Message::EchoReply(d) => write!(f, " data_len={}", d.len()),
            Message::Experimenter(e) => write!(
                f,
                " experimenter=0x{:08x} exp_type={} data_len={}",
                e.experimenter,
                e.exp_type,
                e.data.len()
            ),
            Message::FeaturesRequest
            | Message::GetConfigRequest
            | Message::BarrierRequest
            | Message::BarrierReply
            | Message::GetAsyncRequest => Ok(()),
            Message::FeaturesReply(x) => write!(
                f,
                " dpid=0x{} n_buffers={} n_tables={} auxiliary_id={} capabilities=0x{:x}",
                x.datapath_id, x.n_buffers, x.n_tables, x.auxiliary_id, x.capabilities
            ),
            Message::GetConfigReply(c) | Message::SetConfig(c) => {
                write!(
                    f,
                    " flags=0x{:x} miss_send_len={}",
                    c.flags, c.miss_send_len
                )
            }
            Message::PacketIn(p) => {
                write!(f, " total_len={}", p.total_len)?;
                space_match(f, &p.match_)?;
                let reason = match p.reason {
                    packet_in_reason::NO_MATCH => "no_match".to_string(),
                    packet_in_reason::ACTION => "action".to_string(),
                    packet_in_reason::INVALID_TTL => "invalid_ttl".to_string(),
                    r => r.to_string(),
                };
                write!(f, " reason={reason}")?;
                if p.table_id != 0 {
                    write!(f, " table_id={}", p.table_id)?;
                }
                if p.cookie != 0 {
                    write!(f, " cookie=0x{:x}", p.cookie)?;
                }
                if p.buffer_id != NO_BUFFER {
                    write!(f, " buffer=0x{:08x}", p.buffer_id)?;
                }
                write!(f, " data_len={}", p.data.len())
            }
            Message::FlowRemoved(r) => {
                let reason = match r.reason {
                    0 => "idle".to_string(),
                    1 => "hard".to_string(),
                    2 => "delete".to_string(),
                    3 => "group_delete".to_string(),
                    x => x.to_string(),
                };
                write!(
                    f,
                    " reason={reason} table_id={} priority={} cookie=0x{:x}",
                    r.table_id, r.priority, r.cookie
                )?;
                space_match(f, &r.match_)?;
                write!(
                    f,
                    " duration={}.{:03}s packets={} bytes={}",
                    r.duration_sec,
                    r.duration_nsec / 1_000_000,
                    r.packet_count,
                    r.byte_count
                )
            }
            Message::PortStatus(s) => {
                let reason = match s.reason {
                    port_reason::ADD => "ADD".to_string(),
                    port_reason::DELETE => "DELETE".to_string(),
                    port_reason::MODIFY => "MODIFY".to_string(),
                    x => x.to_string(),
                };
                let p = &s.port;
                write!(
                    f,
                    " {reason} port={} name={} addr={} config=0x{:x} state=0x{:x}",
                    port::display(p.port_no),
                    p.name,
                    p.hw_addr,
                    p.config,
                    p.state
                )
            }
            Message::PacketOut(p) => {
                write!(f, " in_port={}", port::display(p.in_port))?;
                fmt_packet_out_tail(f, p.buffer_id, &p.actions, p.data.len())
            }
            Message::FlowMod(m) => fmt_flow_mod(f, m),
            Message::GroupMod(g) => {
                let cmd = or_num(mod_command(g.command), g.command);
                let ty = or_num(group_type_name(g.group_type), g.group_type);
                write!(f, " {cmd} group_id={} type={ty}", g.group_id)?;
                for b in &g.buckets {
                    write!(f, " bucket=")?;
                    if b.weight != 0 {
                        write!(f, "weight:{},", b.weight)?;
                    }
                    if b.watch_port != port::ANY {
                        write!(f, "watch_port:{},", port::display(b.watch_port))?;
                    }
                    if b.watch_group != crate::neutral::GROUP_ANY {
                        write!(f, "watch_group:{},", b.watch_group)?;
                    }
                    write!(f, "actions={}", DisplayActions(&b.actions))?;
                }
                Ok(())
            }
            Message::PortMod(p) => {
                fmt_port_mod_head(f, p.port_no, p.hw_addr, p.config, p.mask)?;
                write!(f, " advertise=0x{:x}", p.advertise)
            }
            Message::TableMod(t) => write!(f, " table_id={} config=0x{:x}", t.table_id, t.config),
            Message::MultipartRequest(r) => fmt_request(f, r.flags, &r.body, multipart::type_name),
            Message::MultipartReply(r) => fmt_reply(f, r.flags, &r.body, multipart::type_name),
            Message::QueueGetConfigRequest { port: p } => write!(f, " port={}", port::display(*p)),
            Message::QueueGetConfigReply(r) => {
                write!(
                    f,
                    " port={} queues={}",
                    port::display(r.port),
                    r.queues.len()
                )
            }
            Message::RoleRequest(r) | Message::RoleReply(r) => write!(
                f,
                " role={} generation_id={}",
                or_num(role_name(r.role), r.role),
                r.generation_id
            ),
            Message::GetAsyncReply(c) | Message::SetAsync(c) => write!(
                f,
                " packet_in=0x{:x}/0x{:x} port_status=0x{:x}/0x{:x} flow_removed=0x{:x}/0x{:x}",
                c.packet_in_mask[0],
                c.packet_in_mask[1],
                c.port_status_mask[0],
                c.port_status_mask[1],
                c.flow_removed_mask[0],
                c.flow_removed_mask[1]
            ),
            Message::MeterMod(m) => {
                let cmd = or_num(mod_command(m.command), m.command);
                let id = match m.meter_id {
                    meter::meter_id::ALL => "all".to_string(),
                    meter::meter_id::CONTROLLER => "controller".to_string(),
                    meter::meter_id::SLOWPATH => "slowpath".to_string(),
                    x => x.to_string(),
                };
                write!(f, " {cmd} meter={id} flags=0x{:x} bands=", m.flags)?;
                for (i, b) in m.bands.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    f.write_str("[")?;
                    band(f, b)?;
                    f.write_str("]")?;
                }
                Ok(())
            }
            Message::Unknown { msg_type, body } => {
                write!(f, " type={msg_type} body_len={}", body.len())
            }
        }
    }
}

/// A 1.3 multipart request body after the message name (shared by 1.4/1.5's display).
pub(crate) fn fmt_request(
    f: &mut fmt::Formatter<'_>,
    flags: u16,
    body: &multipart::MultipartRequestBody,
    names: TypeNames,
) -> fmt::Result {
    f.write_str(" ")?;
    mp_type(f, body.mp_type(), flags, names)?;
    match body {
        QB::Flow(q) | QB::Aggregate(q) => {
            if q.table_id != crate::neutral::TABLE_ALL {
                write!(f, " table_id={}", q.table_id)?;
            }
            if q.out_port != port::ANY {
                write!(f, " out_port={}", port::display(q.out_port))?;
            }
            if q.out_group != crate::neutral::GROUP_ANY {
                write!(f, " out_group={}", q.out_group)?;
            }
            if q.cookie_mask != 0 {
                write!(f, " cookie=0x{:x}/0x{:x}", q.cookie, q.cookie_mask)?;
            }
            space_match(f, &q.match_)
        }
        QB::PortStats { port_no } => write!(f, " port={}", port::display(*port_no)),
        QB::Queue { port_no, queue_id } => {
            write!(f, " port={} queue={queue_id}", port::display(*port_no))
        }
        QB::Group { group_id } => write!(f, " group_id={group_id}"),
        QB::Meter { meter_id } | QB::MeterConfig { meter_id } => {
            write!(f, " meter={meter_id}")
        }
        QB::TableFeatures(t) if !t.is_empty() => write!(f, " tables={}", t.len()),
        QB::Experimenter(e) => write!(
            f,
            " experimenter=0x{:08x} exp_type={} data_len={}",
            e.experimenter,
            e.exp_type,
            e.data.len()
        ),
        QB::Unknown { body, .. } => write!(f, " body_len={}", body.len()),
        _ => Ok(()),
    }
}

/// A 1.3 multipart reply body after the message name (shared by 1.4/1.5's display).
pub(crate) fn fmt_reply(
    f: &mut fmt::Formatter<'_>,
    flags: u16,
    body: &multipart::MultipartReplyBody,
    names: TypeNames,
) -> fmt::Result {
    f.write_str(" ")?;
    mp_type(f, body.mp_type(), flags, names)?;
    match body {
        RB::Desc(d) => write!(
            f,
            " mfr=\"{}\" hw=\"{}\" sw=\"{}\" dp=\"{}\"",
            d.mfr_desc, d.hw_desc, d.sw_desc, d.dp_desc
        ),
        RB::Flow(l) => write!(f, " flows={}", l.len()),
        RB::Aggregate(a) => write!(
            f,
            " packets={} bytes={} flows={}",
            a.packet_count, a.byte_count, a.flow_count
        ),
        RB::Table(l) => write!(f, " tables={}", l.len()),
        RB::PortStats(l) => write!(f, " ports={}", l.len()),
        RB::Queue(l) => write!(f, " queues={}", l.len()),
        RB::Group(l) => write!(f, " groups={}", l.len()),
        RB::GroupDesc(l) => write!(f, " groups={}", l.len()),
        RB::GroupFeatures(g) => write!(
            f,
            " types=0x{:x} capabilities=0x{:x}",
            g.types, g.capabilities
        ),
        RB::Meter(l) => write!(f, " meters={}", l.len()),
        RB::MeterConfig(l) => write!(f, " meters={}", l.len()),
        RB::MeterFeatures(m) => {
            write!(f, " max_meter={} max_bands={}", m.max_meter, m.max_bands)
        }
        RB::TableFeatures(l) => write!(f, " tables={}", l.len()),
        RB::PortDesc(l) => {
            write!(f, " ports=")?;
            for (i, p) in l.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write!(f, "{}({})", port::display(p.port_no), p.name)?;
            }
            Ok(())
        }
        RB::Experimenter(e) => write!(
            f,
            " experimenter=0x{:08x} exp_type={} data_len={}",
            e.experimenter,
            e.exp_type,
            e.data.len()
        ),
        RB::Unknown { body, .. } => write!(f, " body_len={}", body.len()),
    }
}

/// A FLOW_MOD after the message name (shared by 1.4/1.5's display).
pub(crate) fn fmt_flow_mod(f: &mut fmt::Formatter<'_>, m: &super::FlowMod) -> fmt::Result {
    let cmd = or_num(flow_mod_command(m.command), m.command);
    write!(
        f,
        " {cmd} table={} priority={} cookie=0x{:x}",
        m.table_id, m.priority, m.cookie
    )?;
    if m.cookie_mask != 0 {
        write!(f, "/0x{:x}", m.cookie_mask)?;
    }
    if m.idle_timeout != 0 {
        write!(f, " idle_timeout={}", m.idle_timeout)?;
    }
    if m.hard_timeout != 0 {
        write!(f, " hard_timeout={}", m.hard_timeout)?;
    }
    if m.buffer_id != NO_BUFFER {
        write!(f, " buffer=0x{:08x}", m.buffer_id)?;
    }
    if m.out_port != port::ANY {
        write!(f, " out_port={}", port::display(m.out_port))?;
    }
    if m.out_group != crate::neutral::GROUP_ANY {
        write!(f, " out_group={}", m.out_group)?;
    }
    if m.flags != 0 {
        write!(f, " flags=0x{:x}", m.flags)?;
    }
    space_match(f, &m.match_)?;
    write!(f, " actions={}", DisplayInstructions(&m.instructions))
}

/// PORT_MOD's fields common to 1.3 to 1.5.
pub(crate) fn fmt_port_mod_head(
    f: &mut fmt::Formatter<'_>,
    port_no: u32,
    hw_addr: crate::MacAddr,
    config: u32,
    mask: u32,
) -> fmt::Result {
    write!(
        f,
        " port={} addr={hw_addr} config=0x{config:x} mask=0x{mask:x}",
        port::display(port_no)
    )
}

/// PACKET_OUT after its ingress: buffer, actions and frame length (1.3 to 1.5).
pub(crate) fn fmt_packet_out_tail(
    f: &mut fmt::Formatter<'_>,
    buffer_id: u32,
    actions: &[crate::Action],
    data_len: usize,
) -> fmt::Result {
    if buffer_id != NO_BUFFER {
        write!(f, " buffer=0x{buffer_id:08x}")?;
    }
    write!(
        f,
        " actions={} data_len={data_len}",
        DisplayActions(actions)
    )
}
