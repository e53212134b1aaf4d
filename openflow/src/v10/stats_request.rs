//! OFPT_STATS_REQUEST (`ofp_stats_request` and its bodies).

use bytes::Bytes;

use super::ofmatch::Match10;
use super::wire::{fixed, no_trailing, pad, sub, u16_, u32_, u8_, Put};
use crate::DecodeError;

/// `ofp_stats_types`.
pub mod stats_type {
    pub const DESC: u16 = 0x0000;
    pub const FLOW: u16 = 0x0001;
    pub const AGGREGATE: u16 = 0x0002;
    pub const TABLE: u16 = 0x0003;
    pub const PORT: u16 = 0x0004;
    pub const QUEUE: u16 = 0x0005;
    pub const VENDOR: u16 = 0xffff;
}

/// `OFPSF_REPLY_MORE`: more reply parts follow.
pub const REPLY_MORE: u16 = 0x0001;

/// `ofp_flow_stats_request` (also used by aggregate requests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowStatsRequest10 {
    pub match_: Match10,
    /// 0xff = all tables.
    pub table_id: u8,
    /// 0xffff (OFPP_NONE) = any.
    pub out_port: u16,
}

/// The body of a stats request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsRequestBody {
    Desc,
    Flow(FlowStatsRequest10),
    Aggregate(FlowStatsRequest10),
    Table,
    /// 0xffff (OFPP_NONE) = all ports.
    Port {
        port_no: u16,
    },
    /// Port 0xfffc (OFPP_ALL) and queue 0xffffffff (OFPQ_ALL) mean all.
    Queue {
        port_no: u16,
        queue_id: u32,
    },
    Vendor {
        vendor: u32,
        data: Bytes,
    },
    /// A stats type this module does not know; the body byte for byte.
    Unknown {
        stats_type: u16,
        data: Bytes,
    },
}

/// OFPT_STATS_REQUEST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsRequest10 {
    /// No flags are defined for requests; kept raw.
    pub flags: u16,
    pub body: StatsRequestBody,
}

impl StatsRequestBody {
    /// The `ofp_stats_types` value of this body.
    pub fn stats_type(&self) -> u16 {
        use stats_type::*;
        match self {
            StatsRequestBody::Desc => DESC,
            StatsRequestBody::Flow(_) => FLOW,
            StatsRequestBody::Aggregate(_) => AGGREGATE,
            StatsRequestBody::Table => TABLE,
            StatsRequestBody::Port { .. } => PORT,
            StatsRequestBody::Queue { .. } => QUEUE,
            StatsRequestBody::Vendor { .. } => VENDOR,
            StatsRequestBody::Unknown { stats_type, .. } => *stats_type,
        }
    }
}

fn parse_flow(i: &[u8]) -> Result<FlowStatsRequest10, DecodeError> {
    let (i, match_) = Match10::parse(i)?;
    let (i, (table_id, _, out_port)) = fixed("flow_stats_request", 4, i, (u8_, pad(1), u16_))?;
    no_trailing("flow_stats_request", i)?;
    Ok(FlowStatsRequest10 {
        match_,
        table_id,
        out_port,
    })
}

impl StatsRequest10 {
    pub fn parse(frame: &Bytes, body: &[u8]) -> Result<StatsRequest10, DecodeError> {
        use stats_type::*;
        let (i, (kind, flags)) = fixed("stats_request", 4, body, (u16_, u16_))?;
        let body = match kind {
            DESC => {
                no_trailing("desc stats request", i)?;
                StatsRequestBody::Desc
            }
            FLOW => StatsRequestBody::Flow(parse_flow(i)?),
            AGGREGATE => StatsRequestBody::Aggregate(parse_flow(i)?),
            TABLE => {
                no_trailing("table stats request", i)?;
                StatsRequestBody::Table
            }
            PORT => {
                let (rest, (port_no, _)) = fixed("port stats request", 8, i, (u16_, pad(6)))?;
                no_trailing("port stats request", rest)?;
                StatsRequestBody::Port { port_no }
            }
            QUEUE => {
                let (rest, (port_no, _, queue_id)) =
                    fixed("queue stats request", 8, i, (u16_, pad(2), u32_))?;
                no_trailing("queue stats request", rest)?;
                StatsRequestBody::Queue { port_no, queue_id }
            }
            VENDOR => {
                let (data, vendor) = fixed("vendor stats request", 4, i, u32_)?;
                StatsRequestBody::Vendor {
                    vendor,
                    data: sub(frame, data),
                }
            }
            other => StatsRequestBody::Unknown {
                stats_type: other,
                data: sub(frame, i),
            },
        };
        Ok(StatsRequest10 { flags, body })
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        out.put_u16(self.body.stats_type());
        out.put_u16(self.flags);
        match &self.body {
            StatsRequestBody::Desc | StatsRequestBody::Table => {}
            StatsRequestBody::Flow(f) | StatsRequestBody::Aggregate(f) => {
                f.match_.write(out);
                out.put_u8(f.table_id);
                out.put_zeros(1);
                out.put_u16(f.out_port);
            }
            StatsRequestBody::Port { port_no } => {
                out.put_u16(*port_no);
                out.put_zeros(6);
            }
            StatsRequestBody::Queue { port_no, queue_id } => {
                out.put_u16(*port_no);
                out.put_zeros(2);
                out.put_u32(*queue_id);
            }
            StatsRequestBody::Vendor { vendor, data } => {
                out.put_u32(*vendor);
                out.extend_from_slice(data);
            }
            StatsRequestBody::Unknown { data, .. } => out.extend_from_slice(data),
        }
    }
}
