//! One-line `Display` of each 1.5 message, in the spirit of `ovs-ofctl`; bodies shared
//! with 1.4 print as 1.4 does.

use std::fmt;

use super::group::Bucket;
use super::multipart::{self, MultipartReplyBody as RB, MultipartRequestBody as QB};
use super::Message;
use crate::action::DisplayActions;
use crate::port::display as port_no;
use crate::v13::display as d13;
use crate::v14::display as d14;
use crate::v14::prop::DisplayProps;

fn buckets(f: &mut fmt::Formatter<'_>, list: &[Bucket]) -> fmt::Result {
    for b in list {
        write!(f, " bucket=bucket_id:{},", b.bucket_id)?;
        if let Some(w) = b.weight() {
            write!(f, "weight:{w},")?;
        }
        write!(f, "actions={}", DisplayActions(&b.actions))?;
    }
    Ok(())
}

fn request(f: &mut fmt::Formatter<'_>, flags: u16, body: &QB) -> fmt::Result {
    if let QB::Common(b) = body {
        return d14::fmt_request(f, flags, b, multipart::type_name);
    }
    f.write_str(" ")?;
    d13::mp_type(f, body.mp_type(), flags, multipart::type_name)?;
    match body {
        QB::PortDesc { port_no: p } => write!(f, " port={}", port_no(*p)),
        QB::GroupDesc { group_id } => write!(f, " group_id={group_id}"),
        QB::TableFeatures(t) if !t.is_empty() => write!(f, " tables={}", t.len()),
        QB::FlowStats(q) => {
            if q.table_id != crate::neutral::TABLE_ALL {
                write!(f, " table_id={}", q.table_id)?;
            }
            d13::space_match(f, &q.match_)
        }
        QB::BundleFeatures(q) => write!(
            f,
            " feature_request_flags=0x{:x}{}",
            q.feature_request_flags,
            DisplayProps(&q.properties)
        ),
        QB::Common(_) | QB::ControllerStatus | QB::TableFeatures(_) => Ok(()),
    }
}

fn reply(f: &mut fmt::Formatter<'_>, flags: u16, body: &RB) -> fmt::Result {
    if let RB::Common(b) = body {
        return d14::fmt_reply(f, flags, b, multipart::type_name);
    }
    f.write_str(" ")?;
    d13::mp_type(f, body.mp_type(), flags, multipart::type_name)?;
    match body {
        RB::FlowDesc(l) => write!(f, " flows={}", l.len()),
        RB::TableFeatures(l) => write!(f, " tables={}", l.len()),
        RB::Aggregate(s) => write!(f, " {s}"),
        RB::GroupDesc(l) => write!(f, " groups={}", l.len()),
        RB::MeterFeatures(m) => {
            write!(
                f,
                " max_meter={} max_bands={}",
                m.base.max_meter, m.base.max_bands
            )?;
            match m.features {
                Some(x) => write!(f, " features=0x{x:x}"),
                None => Ok(()),
            }
        }
        RB::FlowStats(l) => write!(f, " flows={}", l.len()),
        RB::ControllerStatus(l) => write!(f, " controllers={}", l.len()),
        RB::BundleFeatures(b) => write!(
            f,
            " capabilities=0x{:x}{}",
            b.capabilities,
            DisplayProps(&b.properties)
        ),
        RB::Common(_) => Ok(()),
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Common(m) => fmt::Display::fmt(m, f),
            own => {
                f.write_str(own.kind().name())?;
                own.fmt_own(f)
            }
        }
    }
}

impl Message {
    /// The fields of a message 1.5 changed or added, after its name.
    fn fmt_own(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Common(_) => Ok(()),
            Message::FlowRemoved(r) => {
                write!(
                    f,
                    " reason={} table_id={} priority={} cookie=0x{:x}",
                    r.reason, r.table_id, r.priority, r.cookie
                )?;
                d13::space_match(f, &r.match_)?;
                write!(f, " stats={}", r.stats)
            }
            Message::PacketOut(p) => {
                d13::space_match(f, &p.match_)?;
                d13::fmt_packet_out_tail(f, p.buffer_id, &p.actions, p.data.len())
            }
            Message::GroupMod(g) => {
                let cmd = match g.command {
                    super::group::group_command::INSERT_BUCKET => "INSERT_BUCKET".to_string(),
                    super::group::group_command::REMOVE_BUCKET => "REMOVE_BUCKET".to_string(),
                    c => d13::or_num(d13::mod_command(c), c),
                };
                let ty = d13::or_num(d13::group_type_name(g.group_type), g.group_type);
                write!(f, " {cmd} group_id={} type={ty}", g.group_id)?;
                if g.command_bucket_id != 0xffff_ffff {
                    write!(f, " command_bucket_id={}", g.command_bucket_id)?;
                }
                buckets(f, &g.buckets)?;
                write!(f, "{}", DisplayProps(&g.properties))
            }
            Message::MultipartRequest(r) => request(f, r.flags, &r.body),
            Message::MultipartReply(r) => reply(f, r.flags, &r.body),
            Message::RoleRequest(r) | Message::RoleReply(r) => write!(
                f,
                " role={} short_id={} generation_id={}",
                d13::or_num(d13::role_name(r.role), r.role),
                r.short_id,
                r.generation_id
            ),
            Message::ControllerStatus(s) => {
                write!(
                    f,
                    " short_id={} role={} reason={} channel={}",
                    s.short_id,
                    d13::or_num(d13::role_name(s.role), s.role),
                    s.reason,
                    if s.channel_status == 0 { "up" } else { "down" }
                )?;
                if let Some(u) = s.uri() {
                    write!(f, " uri={u}")?;
                }
                Ok(())
            }
        }
    }
}
