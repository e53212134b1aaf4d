//! One-line `ovs-ofctl`-style rendering of every OpenFlow 1.0 message.

use std::fmt;

use super::neutral::lift_match;
use super::*;
use crate::port;

fn port_name(p: u16) -> String {
    port::display(port::from_v10(p))
}

fn buffer(f: &mut fmt::Formatter<'_>, b: u32) -> fmt::Result {
    if b == crate::neutral::NO_BUFFER {
        Ok(())
    } else {
        write!(f, " buffer=0x{b:08x}")
    }
}

fn command_name(c: u16) -> String {
    match c {
        0 => "ADD".into(),
        1 => "MOD".into(),
        2 => "MOD_STRICT".into(),
        3 => "DEL".into(),
        4 => "DEL_STRICT".into(),
        other => format!("cmd({other})"),
    }
}

/// `match` rendered as ovs-ofctl does (empty when everything is wildcarded).
struct M<'a>(&'a Match10);

impl fmt::Display for M<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", lift_match(self.0))
    }
}

fn priority_and_match(f: &mut fmt::Formatter<'_>, priority: u16, m: &Match10) -> fmt::Result {
    write!(f, "priority={priority}")?;
    let s = M(m).to_string();
    if !s.is_empty() {
        write!(f, ",{s}")?;
    }
    Ok(())
}

fn stats_name(t: u16) -> String {
    use stats_request::stats_type::*;
    match t {
        DESC => "desc".into(),
        FLOW => "flow".into(),
        AGGREGATE => "aggregate".into(),
        TABLE => "table".into(),
        PORT => "port".into(),
        QUEUE => "queue".into(),
        VENDOR => "vendor".into(),
        other => format!("type=0x{other:04x}"),
    }
}

fn port_desc(f: &mut fmt::Formatter<'_>, p: &PhyPort) -> fmt::Result {
    write!(
        f,
        "{}({}): addr:{} config:0x{:x} state:0x{:x}",
        port_name(p.port_no),
        p.name_str().escape_debug(),
        p.hw_addr,
        p.config,
        p.state
    )
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // 1.0 names where they differ from the shared kind names.
        let name = match self {
            Message::StatsRequest(_) => "STATS_REQUEST",
            Message::StatsReply(_) => "STATS_REPLY",
            Message::Vendor { .. } => "VENDOR",
            _ => self.kind().name(),
        };
        f.write_str(name)?;
        match self {
            Message::Hello(b) | Message::EchoRequest(b) | Message::EchoReply(b) => {
                if !b.is_empty() {
                    write!(f, " ({} bytes)", b.len())?;
                }
                Ok(())
            }
            Message::Error(e) => write!(
                f,
                " type=0x{:04x} code=0x{:04x} ({} bytes of data)",
                e.err_type,
                e.code,
                e.data.len()
            ),
            Message::Vendor { vendor, data } => {
                write!(f, " vendor=0x{vendor:08x} ({} bytes)", data.len())
            }
            Message::FeaturesRequest
            | Message::GetConfigRequest
            | Message::BarrierRequest
            | Message::BarrierReply => Ok(()),
            Message::FeaturesReply(r) => {
                write!(
                    f,
                    " dpid:{} n_tables:{} n_buffers:{} capabilities:0x{:x} actions:0x{:x}",
                    r.datapath_id, r.n_tables, r.n_buffers, r.capabilities, r.actions
                )?;
                for p in &r.ports {
                    f.write_str(" ")?;
                    port_desc(f, p)?;
                }
                Ok(())
            }
            Message::GetConfigReply(c) | Message::SetConfig(c) => {
                write!(
                    f,
                    " flags=0x{:x} miss_send_len={}",
                    c.flags, c.miss_send_len
                )
            }
            Message::PacketIn(p) => {
                let reason = match p.reason {
                    0 => "no_match".to_string(),
                    1 => "action".to_string(),
                    r => format!("{r}"),
                };
                write!(
                    f,
                    " total_len={} in_port={} reason={reason} data_len={}",
                    p.total_len,
                    port_name(p.in_port),
                    p.data.len()
                )?;
                buffer(f, p.buffer_id)?;
                write!(f, " [{}]", crate::packet::Summary(&p.data))
            }
            Message::FlowRemoved(r) => {
                let reason = match r.reason {
                    0 => "idle".to_string(),
                    1 => "hard".to_string(),
                    2 => "delete".to_string(),
                    x => format!("{x}"),
                };
                f.write_str(" ")?;
                priority_and_match(f, r.priority, &r.match_)?;
                write!(
                    f,
                    " reason={reason} cookie=0x{:x} duration={}.{:03}s idle_timeout={} n_packets={} n_bytes={}",
                    r.cookie,
                    r.duration_sec,
                    r.duration_nsec / 1_000_000,
                    r.idle_timeout,
                    r.packet_count,
                    r.byte_count
                )
            }
            Message::PortStatus(s) => {
                let reason = match s.reason {
                    0 => "ADD".to_string(),
                    1 => "DEL".to_string(),
                    2 => "MOD".to_string(),
                    x => format!("reason({x})"),
                };
                write!(f, " {reason}: ")?;
                port_desc(f, &s.desc)
            }
            Message::PacketOut(p) => {
                write!(
                    f,
                    " in_port={} actions={} data_len={}",
                    port_name(p.in_port),
                    DisplayActions10(&p.actions),
                    p.data.len()
                )?;
                buffer(f, p.buffer_id)
            }
            Message::FlowMod(m) => {
                write!(f, " {} ", command_name(m.command))?;
                priority_and_match(f, m.priority, &m.match_)?;
                if m.cookie != 0 {
                    write!(f, " cookie=0x{:x}", m.cookie)?;
                }
                if m.idle_timeout != 0 {
                    write!(f, " idle_timeout={}", m.idle_timeout)?;
                }
                if m.hard_timeout != 0 {
                    write!(f, " hard_timeout={}", m.hard_timeout)?;
                }
                if m.out_port != 0xffff {
                    write!(f, " out_port={}", port_name(m.out_port))?;
                }
                if m.flags != 0 {
                    write!(f, " flags=0x{:x}", m.flags)?;
                }
                buffer(f, m.buffer_id)?;
                write!(f, " actions={}", DisplayActions10(&m.actions))
            }
            Message::PortMod(p) => write!(
                f,
                " port={} addr={} config=0x{:x} mask=0x{:x} advertise=0x{:x}",
                port_name(p.port_no),
                p.hw_addr,
                p.config,
                p.mask,
                p.advertise
            ),
            Message::StatsRequest(r) => {
                write!(f, " {}", stats_name(r.body.stats_type()))?;
                match &r.body {
                    StatsRequestBody::Flow(q) | StatsRequestBody::Aggregate(q) => {
                        if q.table_id != 0xff {
                            write!(f, " table={}", q.table_id)?;
                        }
                        if q.out_port != 0xffff {
                            write!(f, " out_port={}", port_name(q.out_port))?;
                        }
                        let s = M(&q.match_).to_string();
                        if !s.is_empty() {
                            write!(f, " {s}")?;
                        }
                        Ok(())
                    }
                    StatsRequestBody::Port { port_no } => {
                        write!(f, " port={}", port_name(*port_no))
                    }
                    StatsRequestBody::Queue { port_no, queue_id } => {
                        write!(f, " port={} queue={queue_id}", port_name(*port_no))
                    }
                    StatsRequestBody::Vendor { vendor, data } => {
                        write!(f, " vendor=0x{vendor:08x} ({} bytes)", data.len())
                    }
                    StatsRequestBody::Unknown { data, .. } => write!(f, " ({} bytes)", data.len()),
                    StatsRequestBody::Desc | StatsRequestBody::Table => Ok(()),
                }
            }
            Message::StatsReply(r) => {
                write!(f, " {}", stats_name(r.body.stats_type()))?;
                if r.flags & stats_request::REPLY_MORE != 0 {
                    f.write_str(" flags=more")?;
                }
                match &r.body {
                    StatsReplyBody10::Desc(d) => write!(
                        f,
                        " mfr={:?} hw={:?} sw={:?} serial={:?} dp={:?}",
                        d.mfr_desc, d.hw_desc, d.sw_desc, d.serial_num, d.dp_desc
                    ),
                    StatsReplyBody10::Flow(v) => {
                        write!(f, " {} flows", v.len())?;
                        for e in v {
                            write!(
                                f,
                                "; table={} n_packets={} n_bytes={} ",
                                e.table_id, e.packet_count, e.byte_count
                            )?;
                            priority_and_match(f, e.priority, &e.match_)?;
                            write!(f, " actions={}", DisplayActions10(&e.actions))?;
                        }
                        Ok(())
                    }
                    StatsReplyBody10::Aggregate { packet_count, byte_count, flow_count } => write!(
                        f,
                        " packet_count={packet_count} byte_count={byte_count} flow_count={flow_count}"
                    ),
                    StatsReplyBody10::Table(v) => write!(f, " {} tables", v.len()),
                    StatsReplyBody10::Port(v) => write!(f, " {} ports", v.len()),
                    StatsReplyBody10::Queue(v) => write!(f, " {} queues", v.len()),
                    StatsReplyBody10::Vendor { vendor, data } => {
                        write!(f, " vendor=0x{vendor:08x} ({} bytes)", data.len())
                    }
                    StatsReplyBody10::Unknown { data, .. } => write!(f, " ({} bytes)", data.len()),
                }
            }
            Message::QueueGetConfigRequest { port } => write!(f, " port={}", port_name(*port)),
            Message::QueueGetConfigReply(q) => {
                write!(f, " port={} {} queues", port_name(q.port), q.queues.len())
            }
            Message::Unknown { msg_type, body } => {
                write!(f, " type=0x{msg_type:02x} ({} bytes)", body.len())
            }
        }
    }
}
