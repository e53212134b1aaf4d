//! One-line `Display` of each 1.4 message, in the spirit of `ovs-ofctl`; bodies shared
//! with 1.3 print as 1.3 does.

use std::fmt;

use super::bundle::{bundle_ctrl, bundle_flags};
use super::monitor::FlowUpdate;
use super::multipart::{self, MultipartReplyBody as RB, MultipartRequestBody as QB};
use super::prop::DisplayProps;
use super::{Message, Port};
use crate::port::display as port_no;
use crate::v13::display as d13;

fn bundle_ctrl_name(t: u16) -> Option<&'static str> {
    use bundle_ctrl as b;
    Some(match t {
        b::OPEN_REQUEST => "OPEN_REQUEST",
        b::OPEN_REPLY => "OPEN_REPLY",
        b::CLOSE_REQUEST => "CLOSE_REQUEST",
        b::CLOSE_REPLY => "CLOSE_REPLY",
        b::COMMIT_REQUEST => "COMMIT_REQUEST",
        b::COMMIT_REPLY => "COMMIT_REPLY",
        b::DISCARD_REQUEST => "DISCARD_REQUEST",
        b::DISCARD_REPLY => "DISCARD_REPLY",
        _ => return None,
    })
}

/// ` flags=atomic,ordered` (or the number for unknown bits), nothing when 0.
pub(crate) fn fmt_bundle_flags(f: &mut fmt::Formatter<'_>, flags: u16) -> fmt::Result {
    if flags == 0 {
        return Ok(());
    }
    let mut names = vec![];
    for (bit, name) in [
        (bundle_flags::ATOMIC, "atomic"),
        (bundle_flags::ORDERED, "ordered"),
        (bundle_flags::TIME, "time"),
    ] {
        if flags & bit != 0 {
            names.push(name.to_string());
        }
    }
    let rest = flags & !(bundle_flags::ATOMIC | bundle_flags::ORDERED | bundle_flags::TIME);
    if rest != 0 {
        names.push(format!("0x{rest:x}"));
    }
    write!(f, " flags={}", names.join(","))
}

pub(crate) fn fmt_port(f: &mut fmt::Formatter<'_>, p: &Port) -> fmt::Result {
    write!(
        f,
        "port={} name={} addr={} config=0x{:x} state=0x{:x}{}",
        port_no(p.port_no),
        p.name,
        p.hw_addr,
        p.config,
        p.state,
        DisplayProps(&p.properties)
    )
}

pub(crate) fn fmt_request(
    f: &mut fmt::Formatter<'_>,
    flags: u16,
    body: &QB,
    names: d13::TypeNames,
) -> fmt::Result {
    let QB::Common(b) = body else {
        f.write_str(" ")?;
        d13::mp_type(f, body.mp_type(), flags, names)?;
        return match body {
            QB::QueueDesc {
                port_no: p,
                queue_id,
            } => {
                write!(f, " port={} queue={queue_id}", port_no(*p))
            }
            QB::FlowMonitor(m) => {
                write!(
                    f,
                    " id={} command={} flags=0x{:x} table_id={} out_port={}",
                    m.monitor_id,
                    m.command,
                    m.flags,
                    m.table_id,
                    port_no(m.out_port)
                )?;
                if !m.match_.is_empty() {
                    write!(f, " {}", m.match_)?;
                }
                Ok(())
            }
            _ => Ok(()),
        };
    };
    d13::fmt_request(f, flags, b, names)
}

pub(crate) fn fmt_reply(
    f: &mut fmt::Formatter<'_>,
    flags: u16,
    body: &RB,
    names: d13::TypeNames,
) -> fmt::Result {
    let RB::Common(b) = body else {
        f.write_str(" ")?;
        d13::mp_type(f, body.mp_type(), flags, names)?;
        return match body {
            RB::Flow(l) => write!(f, " flows={}", l.len()),
            RB::PortStats(l) => write!(f, " ports={}", l.len()),
            RB::Queue(l) => write!(f, " queues={}", l.len()),
            RB::PortDesc(l) => {
                write!(f, " ports=")?;
                for (i, p) in l.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{}({})", port_no(p.port_no), p.name)?;
                }
                Ok(())
            }
            RB::TableDesc(l) => write!(f, " tables={}", l.len()),
            RB::QueueDesc(l) => write!(f, " queues={}", l.len()),
            RB::FlowMonitor(l) => {
                write!(f, " updates=")?;
                for (i, u) in l.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    match u {
                        FlowUpdate::Full(u) => write!(f, "full({})", u.event)?,
                        FlowUpdate::Abbrev { xid } => write!(f, "abbrev(xid=0x{xid:x})")?,
                        FlowUpdate::Paused => f.write_str("paused")?,
                        FlowUpdate::Resumed => f.write_str("resumed")?,
                        FlowUpdate::Unknown { event, .. } => write!(f, "event{event}")?,
                    }
                }
                Ok(())
            }
            RB::Common(_) => Ok(()),
        };
    };
    d13::fmt_reply(f, flags, b, names)
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Message::Common(m) = self {
            return write!(f, "{m}");
        }
        f.write_str(self.kind().name())?;
        match self {
            Message::Common(_) => Ok(()),
            Message::PortStatus(s) => {
                let reason = match s.reason {
                    0 => "ADD".to_string(),
                    1 => "DELETE".to_string(),
                    2 => "MODIFY".to_string(),
                    x => x.to_string(),
                };
                write!(f, " {reason} ")?;
                fmt_port(f, &s.port)
            }
            Message::FlowMod(m) => {
                d13::fmt_flow_mod(f, &m.base)?;
                if m.importance != 0 {
                    write!(f, " importance={}", m.importance)?;
                }
                Ok(())
            }
            Message::PortMod(p) => {
                d13::fmt_port_mod_head(f, p.port_no, p.hw_addr, p.config, p.mask)?;
                write!(f, "{}", DisplayProps(&p.properties))
            }
            Message::TableMod(t) => write!(
                f,
                " table_id={} config=0x{:x}{}",
                t.table_id,
                t.config,
                DisplayProps(&t.properties)
            ),
            Message::MultipartRequest(r) => fmt_request(f, r.flags, &r.body, multipart::type_name),
            Message::MultipartReply(r) => fmt_reply(f, r.flags, &r.body, multipart::type_name),
            Message::GetAsyncReply(c) | Message::SetAsync(c) => {
                write!(f, "{}", DisplayProps(&c.properties))
            }
            Message::RoleStatus(r) => write!(
                f,
                " role={} reason={} generation_id={}{}",
                d13::or_num(d13::role_name(r.role), r.role),
                r.reason,
                r.generation_id,
                DisplayProps(&r.properties)
            ),
            Message::TableStatus(s) => write!(
                f,
                " reason={} table_id={} config=0x{:x}{}",
                s.reason,
                s.table.table_id,
                s.table.config,
                DisplayProps(&s.table.properties)
            ),
            Message::RequestForward(m) => write!(f, " {m}"),
            Message::BundleControl(b) => {
                write!(
                    f,
                    " bundle_id={} type={}",
                    b.bundle_id,
                    d13::or_num(bundle_ctrl_name(b.ctrl_type), b.ctrl_type)
                )?;
                fmt_bundle_flags(f, b.flags)?;
                write!(f, "{}", DisplayProps(&b.properties))
            }
            Message::BundleAddMessage(b) => {
                write!(f, " bundle_id={}", b.bundle_id)?;
                fmt_bundle_flags(f, b.flags)?;
                write!(f, " {}{}", b.message, DisplayProps(&b.properties))
            }
        }
    }
}
