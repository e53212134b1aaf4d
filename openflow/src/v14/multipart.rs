//! MULTIPART_REQUEST / MULTIPART_REPLY of 1.4: every 1.3 request body is unchanged; the
//! replies for FLOW, PORT_STATS, QUEUE and PORT_DESC changed layout; TABLE_DESC,
//! QUEUE_DESC and FLOW_MONITOR are new. Bodies 1.4 keeps from 1.3 are the 1.3 types.

use bytes::Bytes;

use super::flow::{self, FlowStats14};
use super::monitor::{self, FlowMonitorRequest, FlowUpdate};
use super::port::{self, Port, PortStats};
use super::queue::{self, QueueDesc, QueueStats};
use super::switch::{self, TableDesc};
use crate::v13::multipart::{self as mp13, multipart_type as t13};
use crate::v13::wire;
use crate::{DecodeError, EncodeError};

/// Multipart types 1.4 adds to [`crate::v13::multipart::multipart_type`].
pub mod multipart_type {
    pub const TABLE_DESC: u16 = 14;
    pub const QUEUE_DESC: u16 = 15;
    pub const FLOW_MONITOR: u16 = 16;
}

/// A 1.4 multipart request.
pub type MultipartRequest = mp13::Multipart<MultipartRequestBody>;
/// A 1.4 multipart reply part.
pub type MultipartReply = mp13::Multipart<MultipartReplyBody>;

/// Body of a 1.4 multipart request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MultipartRequestBody {
    /// A body whose layout 1.4 keeps from 1.3 (all of 1.3's request bodies).
    Common(mp13::MultipartRequestBody),
    TableDesc,
    QueueDesc {
        port_no: u32,
        queue_id: u32,
    },
    FlowMonitor(FlowMonitorRequest),
}

impl MultipartRequestBody {
    pub fn mp_type(&self) -> u16 {
        use multipart_type as t;
        use MultipartRequestBody as B;
        match self {
            B::Common(b) => b.mp_type(),
            B::TableDesc => t::TABLE_DESC,
            B::QueueDesc { .. } => t::QUEUE_DESC,
            B::FlowMonitor(_) => t::FLOW_MONITOR,
        }
    }
}

/// Body of a 1.4 multipart reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MultipartReplyBody {
    /// A body whose layout 1.4 keeps from 1.3: DESC, AGGREGATE, TABLE, GROUP, GROUP_DESC,
    /// GROUP_FEATURES, METER, METER_CONFIG, METER_FEATURES, TABLE_FEATURES, EXPERIMENTER
    /// or an unknown type. Encoding a 1.3 FLOW, PORT_STATS, QUEUE or PORT_DESC body here
    /// is refused: 1.4 lays those out differently (see the variants below).
    Common(mp13::MultipartReplyBody),
    Flow(Vec<FlowStats14>),
    PortStats(Vec<PortStats>),
    Queue(Vec<QueueStats>),
    PortDesc(Vec<Port>),
    TableDesc(Vec<TableDesc>),
    QueueDesc(Vec<QueueDesc>),
    FlowMonitor(Vec<FlowUpdate>),
}

impl MultipartReplyBody {
    pub fn mp_type(&self) -> u16 {
        use multipart_type as t;
        use MultipartReplyBody as B;
        match self {
            B::Common(b) => b.mp_type(),
            B::Flow(_) => t13::FLOW,
            B::PortStats(_) => t13::PORT_STATS,
            B::Queue(_) => t13::QUEUE,
            B::PortDesc(_) => t13::PORT_DESC,
            B::TableDesc(_) => t::TABLE_DESC,
            B::QueueDesc(_) => t::QUEUE_DESC,
            B::FlowMonitor(_) => t::FLOW_MONITOR,
        }
    }
}

/// The spec's name of a 1.4 multipart type.
pub fn type_name(t: u16) -> Option<&'static str> {
    use multipart_type as m;
    match t {
        m::TABLE_DESC => Some("TABLE_DESC"),
        m::QUEUE_DESC => Some("QUEUE_DESC"),
        m::FLOW_MONITOR => Some("FLOW_MONITOR"),
        _ => mp13::type_name(t),
    }
}

/// Decodes a MULTIPART_REQUEST body of 1.4.
pub fn parse_request(src: &Bytes, i: &[u8]) -> Result<MultipartRequest, DecodeError> {
    use multipart_type as t;
    use MultipartRequestBody as B;
    let (b, (ty, flags)) = wire::run(mp13::parse_mp_header(i))?;
    let body = match ty {
        t::TABLE_DESC => mp13::empty("table desc request", b).map(|_| B::TableDesc)?,
        t::QUEUE_DESC => {
            let (port_no, queue_id) = mp13::two_u32("queue desc request", b)?;
            B::QueueDesc { port_no, queue_id }
        }
        t::FLOW_MONITOR => B::FlowMonitor(wire::whole(
            "flow monitor request",
            monitor::parse_monitor_request(src, b),
        )?),
        _ => B::Common(mp13::parse_request(src, i)?.body),
    };
    Ok(MultipartRequest { flags, body })
}

/// Appends a MULTIPART_REQUEST body from its flags and body.
pub fn encode_request(
    flags: u16,
    body: &MultipartRequestBody,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    use MultipartRequestBody as B;
    if let B::Common(b) = body {
        return mp13::encode_request_parts(flags, b, out);
    }
    mp13::put_mp_header(out, body.mp_type(), flags);
    match body {
        B::Common(_) | B::TableDesc => {}
        B::QueueDesc { port_no, queue_id } => {
            wire::put_u32(out, *port_no);
            wire::put_u32(out, *queue_id);
        }
        B::FlowMonitor(m) => monitor::encode_monitor_request(m, out)?,
    }
    Ok(())
}

/// Decodes a MULTIPART_REPLY body of 1.4.
pub fn parse_reply(src: &Bytes, i: &[u8]) -> Result<MultipartReply, DecodeError> {
    use multipart_type as t;
    use MultipartReplyBody as B;
    let (b, (ty, flags)) = wire::run(mp13::parse_mp_header(i))?;
    let body = match ty {
        t13::FLOW => B::Flow(flow::parse_flow_stats(src, b)?),
        t13::PORT_STATS => B::PortStats(port::parse_port_stats(src, b)?),
        t13::QUEUE => B::Queue(queue::parse_queue_stats(src, b)?),
        t13::PORT_DESC => B::PortDesc(port::parse_ports(src, b)?),
        t::TABLE_DESC => B::TableDesc(switch::parse_table_descs(src, b)?),
        t::QUEUE_DESC => B::QueueDesc(queue::parse_queue_descs(src, b)?),
        t::FLOW_MONITOR => B::FlowMonitor(monitor::parse_updates(src, b)?),
        _ => B::Common(mp13::parse_reply(src, i)?.body),
    };
    Ok(MultipartReply { flags, body })
}

/// True for the 1.3 reply types whose body layout 1.4 changed.
pub(crate) fn changed_in_v14(t: u16) -> bool {
    matches!(t, t13::FLOW | t13::PORT_STATS | t13::QUEUE | t13::PORT_DESC)
}

/// Appends a MULTIPART_REPLY body from its flags and body.
pub fn encode_reply(
    flags: u16,
    body: &MultipartReplyBody,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    use MultipartReplyBody as B;
    if let B::Common(b) = body {
        if changed_in_v14(b.mp_type()) {
            return Err(EncodeError::Invalid(format!(
                "a 1.3 {} reply body in OpenFlow 1.4 (use the 1.4 variant)",
                mp13::type_name(b.mp_type()).unwrap_or("?")
            )));
        }
        return mp13::encode_reply_parts(flags, b, out);
    }
    mp13::put_mp_header(out, body.mp_type(), flags);
    match body {
        B::Common(_) => Ok(()),
        B::Flow(l) => flow::encode_flow_stats(l, out),
        B::PortStats(l) => port::encode_port_stats(l, out),
        B::Queue(l) => queue::encode_queue_stats(l, out),
        B::PortDesc(l) => l.iter().try_for_each(|p| port::encode_port(p, out)),
        B::TableDesc(l) => l.iter().try_for_each(|d| switch::encode_table_desc(d, out)),
        B::QueueDesc(l) => queue::encode_queue_descs(l, out),
        B::FlowMonitor(l) => monitor::encode_updates(l, out),
    }
}
