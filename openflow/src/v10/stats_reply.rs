//! OFPT_STATS_REPLY (`ofp_stats_reply` and its bodies).

use bytes::Bytes;

use super::action::Action10;
use super::ofmatch::Match10;
use super::stats_request::stats_type;
use super::wire::{array, c_string, fixed, no_trailing, pad, patch_u16, put_c_string, split, sub};
use super::wire::{u16_, u32_, u64_, u8_, Put};
use crate::{neutral::SwitchDesc, DecodeError, EncodeError};

/// `DESC_STR_LEN`.
pub const DESC_STR_LEN: usize = 256;
/// `SERIAL_NUM_LEN`.
pub const SERIAL_NUM_LEN: usize = 32;
/// `OFP_MAX_TABLE_NAME_LEN`.
pub const TABLE_NAME_LEN: usize = 32;

/// `ofp_flow_stats`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowStats10 {
    pub table_id: u8,
    pub match_: Match10,
    pub duration_sec: u32,
    pub duration_nsec: u32,
    pub priority: u16,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    pub cookie: u64,
    pub packet_count: u64,
    pub byte_count: u64,
    pub actions: Vec<Action10>,
}

/// `ofp_table_stats`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableStats10 {
    pub table_id: u8,
    /// NUL-padded; kept raw so it re-encodes exactly.
    pub name: [u8; TABLE_NAME_LEN],
    pub wildcards: u32,
    pub max_entries: u32,
    pub active_count: u32,
    pub lookup_count: u64,
    pub matched_count: u64,
}

/// `ofp_port_stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PortStats10 {
    pub port_no: u16,
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_dropped: u64,
    pub tx_dropped: u64,
    pub rx_errors: u64,
    pub tx_errors: u64,
    pub rx_frame_err: u64,
    pub rx_over_err: u64,
    pub rx_crc_err: u64,
    pub collisions: u64,
}

/// `ofp_queue_stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueStats10 {
    pub port_no: u16,
    pub queue_id: u32,
    pub tx_bytes: u64,
    pub tx_packets: u64,
    pub tx_errors: u64,
}

/// The body of a stats reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsReplyBody10 {
    /// Description strings (read up to the first NUL; written NUL-padded).
    Desc(SwitchDesc),
    Flow(Vec<FlowStats10>),
    Aggregate {
        packet_count: u64,
        byte_count: u64,
        flow_count: u32,
    },
    Table(Vec<TableStats10>),
    Port(Vec<PortStats10>),
    Queue(Vec<QueueStats10>),
    Vendor {
        vendor: u32,
        data: Bytes,
    },
    Unknown {
        stats_type: u16,
        data: Bytes,
    },
}

/// OFPT_STATS_REPLY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsReply10 {
    /// `OFPSF_REPLY_MORE` (1): more parts follow with the same xid.
    pub flags: u16,
    pub body: StatsReplyBody10,
}

impl StatsReplyBody10 {
    pub fn stats_type(&self) -> u16 {
        use stats_type::*;
        match self {
            StatsReplyBody10::Desc(_) => DESC,
            StatsReplyBody10::Flow(_) => FLOW,
            StatsReplyBody10::Aggregate { .. } => AGGREGATE,
            StatsReplyBody10::Table(_) => TABLE,
            StatsReplyBody10::Port(_) => PORT,
            StatsReplyBody10::Queue(_) => QUEUE,
            StatsReplyBody10::Vendor { .. } => VENDOR,
            StatsReplyBody10::Unknown { stats_type, .. } => *stats_type,
        }
    }
}

/// Splits `i` into records of exactly `size` bytes.
fn records<'a>(
    what: &'static str,
    i: &'a [u8],
    size: usize,
) -> Result<std::slice::ChunksExact<'a, u8>, DecodeError> {
    if !i.len().is_multiple_of(size) {
        return Err(DecodeError::Malformed {
            what,
            detail: "length is not a multiple of the record size",
        });
    }
    Ok(i.chunks_exact(size))
}

fn parse_desc(i: &[u8]) -> Result<SwitchDesc, DecodeError> {
    let need = 4 * DESC_STR_LEN + SERIAL_NUM_LEN;
    let (rest, (mfr, hw, sw, serial, dp)) = fixed(
        "desc stats",
        need,
        i,
        (
            array::<DESC_STR_LEN>,
            array::<DESC_STR_LEN>,
            array::<DESC_STR_LEN>,
            array::<SERIAL_NUM_LEN>,
            array::<DESC_STR_LEN>,
        ),
    )?;
    no_trailing("desc stats", rest)?;
    Ok(SwitchDesc {
        mfr_desc: c_string(&mfr),
        hw_desc: c_string(&hw),
        sw_desc: c_string(&sw),
        serial_num: c_string(&serial),
        dp_desc: c_string(&dp),
    })
}

fn parse_flows(frame: &Bytes, mut i: &[u8]) -> Result<Vec<FlowStats10>, DecodeError> {
    let mut out = Vec::new();
    while !i.is_empty() {
        let (_, len) = fixed("flow stats", 2, i, u16_)?;
        if (len as usize) < 88 {
            return Err(DecodeError::Malformed {
                what: "flow stats",
                detail: "entry length under 88",
            });
        }
        let (entry, rest) = split("flow stats", i, len as usize)?;
        let (e, (_, table_id, _)) = fixed("flow stats", 4, entry, (u16_, u8_, pad(1)))?;
        let (e, match_) = Match10::parse(e)?;
        let (list, (duration_sec, duration_nsec, priority, idle_timeout, hard_timeout, _, cookie)) =
            fixed(
                "flow stats",
                28,
                e,
                (u32_, u32_, u16_, u16_, u16_, pad(6), u64_),
            )?;
        let (list, (packet_count, byte_count)) = fixed("flow stats", 16, list, (u64_, u64_))?;
        let actions = Action10::parse_list(frame, list)?;
        out.push(FlowStats10 {
            table_id,
            match_,
            duration_sec,
            duration_nsec,
            priority,
            idle_timeout,
            hard_timeout,
            cookie,
            packet_count,
            byte_count,
            actions,
        });
        i = rest;
    }
    Ok(out)
}

impl StatsReply10 {
    pub fn parse(frame: &Bytes, body: &[u8]) -> Result<StatsReply10, DecodeError> {
        use stats_type::*;
        let (i, (kind, flags)) = fixed("stats_reply", 4, body, (u16_, u16_))?;
        let body = match kind {
            DESC => StatsReplyBody10::Desc(parse_desc(i)?),
            FLOW => StatsReplyBody10::Flow(parse_flows(frame, i)?),
            AGGREGATE => {
                let (rest, (packet_count, byte_count, flow_count, _)) =
                    fixed("aggregate stats", 24, i, (u64_, u64_, u32_, pad(4)))?;
                no_trailing("aggregate stats", rest)?;
                StatsReplyBody10::Aggregate {
                    packet_count,
                    byte_count,
                    flow_count,
                }
            }
            TABLE => {
                let mut v = Vec::new();
                for r in records("table stats", i, 64)? {
                    let (
                        _,
                        (
                            table_id,
                            _,
                            name,
                            wildcards,
                            max_entries,
                            active_count,
                            lookup_count,
                            matched_count,
                        ),
                    ) = fixed(
                        "table stats",
                        64,
                        r,
                        (
                            u8_,
                            pad(3),
                            array::<TABLE_NAME_LEN>,
                            u32_,
                            u32_,
                            u32_,
                            u64_,
                            u64_,
                        ),
                    )?;
                    v.push(TableStats10 {
                        table_id,
                        name,
                        wildcards,
                        max_entries,
                        active_count,
                        lookup_count,
                        matched_count,
                    });
                }
                StatsReplyBody10::Table(v)
            }
            PORT => {
                let mut v = Vec::new();
                for r in records("port stats", i, 104)? {
                    let (r, (port_no, _)) = fixed("port stats", 8, r, (u16_, pad(6)))?;
                    let (r, (rx_packets, tx_packets, rx_bytes, tx_bytes, rx_dropped, tx_dropped)) =
                        fixed("port stats", 48, r, (u64_, u64_, u64_, u64_, u64_, u64_))?;
                    let (
                        _,
                        (rx_errors, tx_errors, rx_frame_err, rx_over_err, rx_crc_err, collisions),
                    ) = fixed("port stats", 48, r, (u64_, u64_, u64_, u64_, u64_, u64_))?;
                    v.push(PortStats10 {
                        port_no,
                        rx_packets,
                        tx_packets,
                        rx_bytes,
                        tx_bytes,
                        rx_dropped,
                        tx_dropped,
                        rx_errors,
                        tx_errors,
                        rx_frame_err,
                        rx_over_err,
                        rx_crc_err,
                        collisions,
                    });
                }
                StatsReplyBody10::Port(v)
            }
            QUEUE => {
                let mut v = Vec::new();
                for r in records("queue stats", i, 32)? {
                    let (_, (port_no, _, queue_id, tx_bytes, tx_packets, tx_errors)) =
                        fixed("queue stats", 32, r, (u16_, pad(2), u32_, u64_, u64_, u64_))?;
                    v.push(QueueStats10 {
                        port_no,
                        queue_id,
                        tx_bytes,
                        tx_packets,
                        tx_errors,
                    });
                }
                StatsReplyBody10::Queue(v)
            }
            VENDOR => {
                let (data, vendor) = fixed("vendor stats reply", 4, i, u32_)?;
                StatsReplyBody10::Vendor {
                    vendor,
                    data: sub(frame, data),
                }
            }
            other => StatsReplyBody10::Unknown {
                stats_type: other,
                data: sub(frame, i),
            },
        };
        Ok(StatsReply10 { flags, body })
    }

    pub fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put_u16(self.body.stats_type());
        out.put_u16(self.flags);
        match &self.body {
            StatsReplyBody10::Desc(d) => {
                put_c_string(out, &d.mfr_desc, DESC_STR_LEN);
                put_c_string(out, &d.hw_desc, DESC_STR_LEN);
                put_c_string(out, &d.sw_desc, DESC_STR_LEN);
                put_c_string(out, &d.serial_num, SERIAL_NUM_LEN);
                put_c_string(out, &d.dp_desc, DESC_STR_LEN);
            }
            StatsReplyBody10::Flow(flows) => {
                for f in flows {
                    let start = out.len();
                    out.put_u16(0);
                    out.put_u8(f.table_id);
                    out.put_zeros(1);
                    f.match_.write(out);
                    out.put_u32(f.duration_sec);
                    out.put_u32(f.duration_nsec);
                    out.put_u16(f.priority);
                    out.put_u16(f.idle_timeout);
                    out.put_u16(f.hard_timeout);
                    out.put_zeros(6);
                    out.put_u64(f.cookie);
                    out.put_u64(f.packet_count);
                    out.put_u64(f.byte_count);
                    Action10::write_list(&f.actions, out)?;
                    let len = out.len() - start;
                    let len16 = u16::try_from(len).map_err(|_| EncodeError::TooLong(len))?;
                    patch_u16(out, start, len16);
                }
            }
            StatsReplyBody10::Aggregate {
                packet_count,
                byte_count,
                flow_count,
            } => {
                out.put_u64(*packet_count);
                out.put_u64(*byte_count);
                out.put_u32(*flow_count);
                out.put_zeros(4);
            }
            StatsReplyBody10::Table(tables) => {
                for t in tables {
                    out.put_u8(t.table_id);
                    out.put_zeros(3);
                    out.extend_from_slice(&t.name);
                    out.put_u32(t.wildcards);
                    out.put_u32(t.max_entries);
                    out.put_u32(t.active_count);
                    out.put_u64(t.lookup_count);
                    out.put_u64(t.matched_count);
                }
            }
            StatsReplyBody10::Port(ports) => {
                for p in ports {
                    out.put_u16(p.port_no);
                    out.put_zeros(6);
                    for v in [
                        p.rx_packets,
                        p.tx_packets,
                        p.rx_bytes,
                        p.tx_bytes,
                        p.rx_dropped,
                        p.tx_dropped,
                        p.rx_errors,
                        p.tx_errors,
                        p.rx_frame_err,
                        p.rx_over_err,
                        p.rx_crc_err,
                        p.collisions,
                    ] {
                        out.put_u64(v);
                    }
                }
            }
            StatsReplyBody10::Queue(queues) => {
                for q in queues {
                    out.put_u16(q.port_no);
                    out.put_zeros(2);
                    out.put_u32(q.queue_id);
                    out.put_u64(q.tx_bytes);
                    out.put_u64(q.tx_packets);
                    out.put_u64(q.tx_errors);
                }
            }
            StatsReplyBody10::Vendor { vendor, data } => {
                out.put_u32(*vendor);
                out.extend_from_slice(data);
            }
            StatsReplyBody10::Unknown { data, .. } => out.extend_from_slice(data),
        }
        Ok(())
    }
}
