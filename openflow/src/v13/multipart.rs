//! MULTIPART_REQUEST / MULTIPART_REPLY (`ofp_multipart_request`/`_reply`, §7.3.5): the
//! 8-byte multipart header (`type, flags, pad[4]`) and the per-type bodies. Unknown types
//! keep their body raw.

use bytes::Bytes;

use super::group::{self, GroupDesc, GroupFeatures, GroupStats};
use super::meter::{self, MeterConfig, MeterFeatures, MeterStats};
use super::queue::{self, QueueStats};
use super::switch::{self, ExperimenterMsg};
use super::table_features::{self, TableFeatures};
use super::wire::{self, need, pad, u16_, u32_, u64_, u8_, Res};
use super::{instruction_codec, oxm_codec, port};
use crate::neutral::{FlowStats, FlowStatsRequest, PortInfo, SwitchDesc, TableStats};
use crate::{DecodeError, EncodeError};

/// `ofp_multipart_type`.
pub mod multipart_type {
    pub const DESC: u16 = 0;
    pub const FLOW: u16 = 1;
    pub const AGGREGATE: u16 = 2;
    pub const TABLE: u16 = 3;
    pub const PORT_STATS: u16 = 4;
    pub const QUEUE: u16 = 5;
    pub const GROUP: u16 = 6;
    pub const GROUP_DESC: u16 = 7;
    pub const GROUP_FEATURES: u16 = 8;
    pub const METER: u16 = 9;
    pub const METER_CONFIG: u16 = 10;
    pub const METER_FEATURES: u16 = 11;
    pub const TABLE_FEATURES: u16 = 12;
    pub const PORT_DESC: u16 = 13;
    pub const EXPERIMENTER: u16 = 0xffff;
}

/// `OFPMPF_REQ_MORE` / `OFPMPF_REPLY_MORE`: more parts follow with the same xid.
pub const FLAG_MORE: u16 = 0x0001;

/// `DESC_STR_LEN`.
pub const DESC_STR_LEN: usize = 256;
/// `SERIAL_NUM_LEN`.
pub const SERIAL_NUM_LEN: usize = 32;

/// One multipart message of any version: flags (`OFPMPF_REQ_MORE` /
/// `OFPMPF_REPLY_MORE`) and the typed body `B` of that version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Multipart<B> {
    pub flags: u16,
    pub body: B,
}

/// A 1.3 multipart request.
pub type MultipartRequest = Multipart<MultipartRequestBody>;

/// Body of a multipart request, by type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MultipartRequestBody {
    Desc,
    Flow(FlowStatsRequest),
    Aggregate(FlowStatsRequest),
    Table,
    PortStats {
        port_no: u32,
    },
    Queue {
        port_no: u32,
        queue_id: u32,
    },
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
    /// Empty to read the features; non-empty to set them.
    TableFeatures(Vec<TableFeatures>),
    PortDesc,
    Experimenter(ExperimenterMsg),
    Unknown {
        mp_type: u16,
        body: Bytes,
    },
}

/// A 1.3 multipart reply part.
pub type MultipartReply = Multipart<MultipartReplyBody>;

/// Body of a multipart reply, by type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MultipartReplyBody {
    Desc(SwitchDesc),
    Flow(Vec<FlowStats>),
    Aggregate(AggregateStats),
    Table(Vec<TableStats>),
    PortStats(Vec<PortStats>),
    Queue(Vec<QueueStats>),
    Group(Vec<GroupStats>),
    GroupDesc(Vec<GroupDesc>),
    GroupFeatures(GroupFeatures),
    Meter(Vec<MeterStats>),
    MeterConfig(Vec<MeterConfig>),
    MeterFeatures(MeterFeatures),
    TableFeatures(Vec<TableFeatures>),
    PortDesc(Vec<PortInfo>),
    Experimenter(ExperimenterMsg),
    Unknown { mp_type: u16, body: Bytes },
}

/// `ofp_aggregate_stats_reply`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AggregateStats {
    pub packet_count: u64,
    pub byte_count: u64,
    pub flow_count: u32,
}

/// `ofp_port_stats` (1.3: 112 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
    pub rx_frame_err: u64,
    pub rx_over_err: u64,
    pub rx_crc_err: u64,
    pub collisions: u64,
    pub duration_sec: u32,
    pub duration_nsec: u32,
}

/// Length of `ofp_port_stats`.
pub const PORT_STATS_LEN: usize = 112;

impl MultipartRequestBody {
    /// The `ofp_multipart_type` on the wire.
    pub fn mp_type(&self) -> u16 {
        use multipart_type as t;
        use MultipartRequestBody as B;
        match self {
            B::Desc => t::DESC,
            B::Flow(_) => t::FLOW,
            B::Aggregate(_) => t::AGGREGATE,
            B::Table => t::TABLE,
            B::PortStats { .. } => t::PORT_STATS,
            B::Queue { .. } => t::QUEUE,
            B::Group { .. } => t::GROUP,
            B::GroupDesc => t::GROUP_DESC,
            B::GroupFeatures => t::GROUP_FEATURES,
            B::Meter { .. } => t::METER,
            B::MeterConfig { .. } => t::METER_CONFIG,
            B::MeterFeatures => t::METER_FEATURES,
            B::TableFeatures(_) => t::TABLE_FEATURES,
            B::PortDesc => t::PORT_DESC,
            B::Experimenter(_) => t::EXPERIMENTER,
            B::Unknown { mp_type, .. } => *mp_type,
        }
    }
}

impl MultipartReplyBody {
    /// The `ofp_multipart_type` on the wire.
    pub fn mp_type(&self) -> u16 {
        use multipart_type as t;
        use MultipartReplyBody as B;
        match self {
            B::Desc(_) => t::DESC,
            B::Flow(_) => t::FLOW,
            B::Aggregate(_) => t::AGGREGATE,
            B::Table(_) => t::TABLE,
            B::PortStats(_) => t::PORT_STATS,
            B::Queue(_) => t::QUEUE,
            B::Group(_) => t::GROUP,
            B::GroupDesc(_) => t::GROUP_DESC,
            B::GroupFeatures(_) => t::GROUP_FEATURES,
            B::Meter(_) => t::METER,
            B::MeterConfig(_) => t::METER_CONFIG,
            B::MeterFeatures(_) => t::METER_FEATURES,
            B::TableFeatures(_) => t::TABLE_FEATURES,
            B::PortDesc(_) => t::PORT_DESC,
            B::Experimenter(_) => t::EXPERIMENTER,
            B::Unknown { mp_type, .. } => *mp_type,
        }
    }
}

/// The spec's name of a multipart type (`FLOW`, `PORT_DESC`…), or `None`.
pub fn type_name(t: u16) -> Option<&'static str> {
    use multipart_type as m;
    Some(match t {
        m::DESC => "DESC",
        m::FLOW => "FLOW",
        m::AGGREGATE => "AGGREGATE",
        m::TABLE => "TABLE",
        m::PORT_STATS => "PORT_STATS",
        m::QUEUE => "QUEUE",
        m::GROUP => "GROUP",
        m::GROUP_DESC => "GROUP_DESC",
        m::GROUP_FEATURES => "GROUP_FEATURES",
        m::METER => "METER",
        m::METER_CONFIG => "METER_CONFIG",
        m::METER_FEATURES => "METER_FEATURES",
        m::TABLE_FEATURES => "TABLE_FEATURES",
        m::PORT_DESC => "PORT_DESC",
        m::EXPERIMENTER => "EXPERIMENTER",
        _ => return None,
    })
}

pub(crate) fn parse_mp_header(i: &[u8]) -> Res<'_, (u16, u16)> {
    let (i, _) = need(i, "multipart header", 8)?;
    let (i, t) = u16_(i)?;
    let (i, f) = u16_(i)?;
    let (i, _) = pad(i, 4)?;
    Ok((i, (t, f)))
}

pub(crate) fn put_mp_header(out: &mut Vec<u8>, t: u16, flags: u16) {
    wire::put_u16(out, t);
    wire::put_u16(out, flags);
    wire::put_zeros(out, 4);
}

pub(crate) fn empty(what: &'static str, i: &[u8]) -> Result<(), DecodeError> {
    wire::exact(i, what, 0)
}

pub(crate) fn parse_flow_stats_request<'a>(src: &Bytes, i: &'a [u8]) -> Res<'a, FlowStatsRequest> {
    let (i, _) = need(i, "flow stats request", 32)?;
    let (i, table_id) = u8_(i)?;
    let (i, _) = pad(i, 3)?;
    let (i, out_port) = u32_(i)?;
    let (i, out_group) = u32_(i)?;
    let (i, _) = pad(i, 4)?;
    let (i, cookie) = u64_(i)?;
    let (i, cookie_mask) = u64_(i)?;
    let (i, match_) = oxm_codec::decode_match(src, i)?;
    Ok((
        i,
        FlowStatsRequest {
            table_id,
            out_port,
            out_group,
            cookie,
            cookie_mask,
            match_,
        },
    ))
}

pub(crate) fn encode_flow_stats_request(
    r: &FlowStatsRequest,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    out.extend_from_slice(&[r.table_id, 0, 0, 0]);
    wire::put_u32(out, r.out_port);
    wire::put_u32(out, r.out_group);
    wire::put_zeros(out, 4);
    wire::put_u64(out, r.cookie);
    wire::put_u64(out, r.cookie_mask);
    oxm_codec::encode_match(&r.match_, out)
}

pub(crate) fn id_pad(what: &'static str, i: &[u8]) -> Result<u32, DecodeError> {
    wire::exact(i, what, 8)?;
    let (_, v) = wire::run(u32_(i))?;
    Ok(v)
}

pub(crate) fn two_u32(what: &'static str, i: &[u8]) -> Result<(u32, u32), DecodeError> {
    wire::exact(i, what, 8)?;
    let (r, a) = wire::run(u32_(i))?;
    let (_, b) = wire::run(u32_(r))?;
    Ok((a, b))
}

/// Decodes a MULTIPART_REQUEST body (after the OpenFlow header).
pub fn parse_request(src: &Bytes, i: &[u8]) -> Result<MultipartRequest, DecodeError> {
    use multipart_type as t;
    use MultipartRequestBody as B;
    let (b, (ty, flags)) = wire::run(parse_mp_header(i))?;
    let body = match ty {
        t::DESC => empty("desc request", b).map(|_| B::Desc)?,
        t::FLOW => B::Flow(wire::whole(
            "flow stats request",
            parse_flow_stats_request(src, b),
        )?),
        t::AGGREGATE => B::Aggregate(wire::whole(
            "aggregate request",
            parse_flow_stats_request(src, b),
        )?),
        t::TABLE => empty("table stats request", b).map(|_| B::Table)?,
        t::PORT_STATS => B::PortStats {
            port_no: id_pad("port stats request", b)?,
        },
        t::QUEUE => {
            let (port_no, queue_id) = two_u32("queue stats request", b)?;
            B::Queue { port_no, queue_id }
        }
        t::GROUP => B::Group {
            group_id: id_pad("group stats request", b)?,
        },
        t::GROUP_DESC => empty("group desc request", b).map(|_| B::GroupDesc)?,
        t::GROUP_FEATURES => empty("group features request", b).map(|_| B::GroupFeatures)?,
        t::METER => B::Meter {
            meter_id: id_pad("meter stats request", b)?,
        },
        t::METER_CONFIG => B::MeterConfig {
            meter_id: id_pad("meter config request", b)?,
        },
        t::METER_FEATURES => empty("meter features request", b).map(|_| B::MeterFeatures)?,
        t::TABLE_FEATURES => B::TableFeatures(table_features::parse_table_features(src, b)?),
        t::PORT_DESC => empty("port desc request", b).map(|_| B::PortDesc)?,
        t::EXPERIMENTER => B::Experimenter(wire::run(switch::parse_experimenter(src, b))?.1),
        other => B::Unknown {
            mp_type: other,
            body: wire::share(src, b),
        },
    };
    Ok(MultipartRequest { flags, body })
}

/// Appends a MULTIPART_REQUEST body.
pub fn encode_request(r: &MultipartRequest, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    encode_request_parts(r.flags, &r.body, out)
}

/// [`encode_request`] from flags and a borrowed body.
pub(crate) fn encode_request_parts(
    flags: u16,
    body: &MultipartRequestBody,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    use MultipartRequestBody as B;
    put_mp_header(out, body.mp_type(), flags);
    match body {
        B::Desc | B::Table | B::GroupDesc | B::GroupFeatures | B::MeterFeatures | B::PortDesc => {}
        B::Flow(f) | B::Aggregate(f) => encode_flow_stats_request(f, out)?,
        B::PortStats { port_no: id }
        | B::Group { group_id: id }
        | B::Meter { meter_id: id }
        | B::MeterConfig { meter_id: id } => {
            wire::put_u32(out, *id);
            wire::put_zeros(out, 4);
        }
        B::Queue { port_no, queue_id } => {
            wire::put_u32(out, *port_no);
            wire::put_u32(out, *queue_id);
        }
        B::TableFeatures(list) => table_features::encode_table_features(list, out)?,
        B::Experimenter(e) => switch::encode_experimenter(e, out),
        B::Unknown { body, .. } => out.extend_from_slice(body),
    }
    Ok(())
}

pub(crate) fn parse_desc(i: &[u8]) -> Res<'_, SwitchDesc> {
    let (i, _) = need(i, "desc", 4 * DESC_STR_LEN + SERIAL_NUM_LEN)?;
    let (i, mfr_desc) = wire::fixed_str(i, DESC_STR_LEN)?;
    let (i, hw_desc) = wire::fixed_str(i, DESC_STR_LEN)?;
    let (i, sw_desc) = wire::fixed_str(i, DESC_STR_LEN)?;
    let (i, serial_num) = wire::fixed_str(i, SERIAL_NUM_LEN)?;
    let (i, dp_desc) = wire::fixed_str(i, DESC_STR_LEN)?;
    Ok((
        i,
        SwitchDesc {
            mfr_desc,
            hw_desc,
            sw_desc,
            serial_num,
            dp_desc,
        },
    ))
}

pub(crate) fn encode_desc(d: &SwitchDesc, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    wire::put_fixed_str(out, &d.mfr_desc, DESC_STR_LEN)?;
    wire::put_fixed_str(out, &d.hw_desc, DESC_STR_LEN)?;
    wire::put_fixed_str(out, &d.sw_desc, DESC_STR_LEN)?;
    wire::put_fixed_str(out, &d.serial_num, SERIAL_NUM_LEN)?;
    wire::put_fixed_str(out, &d.dp_desc, DESC_STR_LEN)
}

/// The fixed part of `ofp_flow_stats` and the 16-bit word after `flags` (padding in 1.3,
/// `importance` in 1.4), so that 1.4 shares this layout.
fn parse_flow_stats_fixed(i: &[u8]) -> Res<'_, (FlowStats, u16)> {
    let (i, _) = need(i, "flow_stats", 48)?;
    let (i, _) = u16_(i)?;
    let (i, table_id) = u8_(i)?;
    let (i, _) = pad(i, 1)?;
    let (i, duration_sec) = u32_(i)?;
    let (i, duration_nsec) = u32_(i)?;
    let (i, priority) = u16_(i)?;
    let (i, idle_timeout) = u16_(i)?;
    let (i, hard_timeout) = u16_(i)?;
    let (i, flags) = u16_(i)?;
    let (i, word) = u16_(i)?;
    let (i, _) = pad(i, 2)?;
    let (i, cookie) = u64_(i)?;
    let (i, packet_count) = u64_(i)?;
    let (i, byte_count) = u64_(i)?;
    let s = FlowStats {
        table_id,
        duration_sec,
        duration_nsec,
        priority,
        idle_timeout,
        hard_timeout,
        flags,
        cookie,
        packet_count,
        byte_count,
        match_: crate::Match::new(),
        instructions: Vec::new(),
    };
    Ok((i, (s, word)))
}

fn parse_flow_stats(src: &Bytes, i: &[u8]) -> Result<Vec<FlowStats>, DecodeError> {
    Ok(parse_flow_stats_words(src, i)?
        .into_iter()
        .map(|(s, _)| s)
        .collect())
}

/// Flow stats entries, each with the word after `flags` (see [`parse_flow_stats_fixed`]).
pub(crate) fn parse_flow_stats_words(
    src: &Bytes,
    i: &[u8],
) -> Result<Vec<(FlowStats, u16)>, DecodeError> {
    let mut out = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        let bad = DecodeError::Malformed {
            what: "flow_stats",
            detail: "length under 56 or past the body",
        };
        let (e, r) = wire::tlv_at0(rest, 56, bad)?;
        let (after, (mut s, word)) = wire::run(parse_flow_stats_fixed(e))?;
        let (ins, m) = wire::run(oxm_codec::decode_match(src, after))?;
        s.match_ = m;
        s.instructions = instruction_codec::decode_instructions(src, ins)?;
        out.push((s, word));
        rest = r;
    }
    Ok(out)
}

fn encode_flow_stats(list: &[FlowStats], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    list.iter()
        .try_for_each(|s| encode_flow_stats_entry(s, 0, out))
}

/// One `ofp_flow_stats` with `word` after `flags` (1.4's importance, 0 in 1.3).
pub(crate) fn encode_flow_stats_entry(
    s: &FlowStats,
    word: u16,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let start = out.len();
    wire::put_u16(out, 0);
    out.extend_from_slice(&[s.table_id, 0]);
    wire::put_u32(out, s.duration_sec);
    wire::put_u32(out, s.duration_nsec);
    wire::put_u16(out, s.priority);
    wire::put_u16(out, s.idle_timeout);
    wire::put_u16(out, s.hard_timeout);
    wire::put_u16(out, s.flags);
    wire::put_u16(out, word);
    wire::put_zeros(out, 2);
    wire::put_u64(out, s.cookie);
    wire::put_u64(out, s.packet_count);
    wire::put_u64(out, s.byte_count);
    oxm_codec::encode_match(&s.match_, out)?;
    instruction_codec::encode_instructions(&s.instructions, out)?;
    let len = out.len() - start;
    wire::patch_len16(out, start, len)
}

pub(crate) fn parse_aggregate(i: &[u8]) -> Res<'_, AggregateStats> {
    let (i, _) = need(i, "aggregate reply", 24)?;
    let (i, packet_count) = u64_(i)?;
    let (i, byte_count) = u64_(i)?;
    let (i, flow_count) = u32_(i)?;
    let (i, _) = pad(i, 4)?;
    Ok((
        i,
        AggregateStats {
            packet_count,
            byte_count,
            flow_count,
        },
    ))
}

pub(crate) fn parse_table_stats(i: &[u8]) -> Res<'_, TableStats> {
    let (i, _) = need(i, "table_stats", 24)?;
    let (i, table_id) = u8_(i)?;
    let (i, _) = pad(i, 3)?;
    let (i, active_count) = u32_(i)?;
    let (i, lookup_count) = u64_(i)?;
    let (i, matched_count) = u64_(i)?;
    Ok((
        i,
        TableStats {
            table_id,
            active_count,
            lookup_count,
            matched_count,
        },
    ))
}

/// Reads `N` big-endian `u64`s.
pub(crate) fn u64s<const N: usize>(mut i: &[u8]) -> Res<'_, [u64; N]> {
    let mut c = [0u64; N];
    for slot in c.iter_mut() {
        let (r, v) = u64_(i)?;
        *slot = v;
        i = r;
    }
    Ok((i, c))
}

impl PortStats {
    /// The twelve counters in wire order (rx/tx packets, bytes, dropped, errors, then
    /// frame, overrun and CRC errors and collisions); 1.4 keeps the first eight in place.
    pub fn counters(&self) -> [u64; 12] {
        [
            self.rx_packets,
            self.tx_packets,
            self.rx_bytes,
            self.tx_bytes,
            self.rx_dropped,
            self.tx_dropped,
            self.rx_errors,
            self.tx_errors,
            self.rx_frame_err,
            self.rx_over_err,
            self.rx_crc_err,
            self.collisions,
        ]
    }

    /// Port stats from a port, its counters in [`PortStats::counters`] order, a duration.
    pub fn from_counters(port_no: u32, c: [u64; 12], duration: (u32, u32)) -> PortStats {
        let mut s = PortStats {
            port_no,
            duration_sec: duration.0,
            duration_nsec: duration.1,
            ..PortStats::default()
        };
        let slots = [
            &mut s.rx_packets,
            &mut s.tx_packets,
            &mut s.rx_bytes,
            &mut s.tx_bytes,
            &mut s.rx_dropped,
            &mut s.tx_dropped,
            &mut s.rx_errors,
            &mut s.tx_errors,
            &mut s.rx_frame_err,
            &mut s.rx_over_err,
            &mut s.rx_crc_err,
            &mut s.collisions,
        ];
        for (slot, v) in slots.into_iter().zip(c) {
            *slot = v;
        }
        s
    }
}

fn parse_port_stats(i: &[u8]) -> Res<'_, PortStats> {
    let (i, _) = need(i, "port_stats", PORT_STATS_LEN)?;
    let (i, port_no) = u32_(i)?;
    let (i, _) = pad(i, 4)?;
    let (i, c) = u64s::<12>(i)?;
    let (i, duration_sec) = u32_(i)?;
    let (i, duration_nsec) = u32_(i)?;
    Ok((
        i,
        PortStats::from_counters(port_no, c, (duration_sec, duration_nsec)),
    ))
}

fn encode_port_stats(s: &PortStats, out: &mut Vec<u8>) {
    wire::put_u32(out, s.port_no);
    wire::put_zeros(out, 4);
    for v in s.counters() {
        wire::put_u64(out, v);
    }
    wire::put_u32(out, s.duration_sec);
    wire::put_u32(out, s.duration_nsec);
}

/// Parses an array of fixed-size records filling all of `i`.
pub(crate) fn array<'a, T>(
    what: &'static str,
    size: usize,
    i: &'a [u8],
    f: impl Fn(&'a [u8]) -> Res<'a, T>,
) -> Result<Vec<T>, DecodeError> {
    if !i.len().is_multiple_of(size) {
        return Err(DecodeError::Malformed {
            what,
            detail: "body is not a whole number of entries",
        });
    }
    let mut out = Vec::with_capacity(i.len() / size);
    let mut rest = i;
    while !rest.is_empty() {
        let (r, v) = wire::run(f(rest))?;
        out.push(v);
        rest = r;
    }
    Ok(out)
}

/// Decodes a MULTIPART_REPLY body (after the OpenFlow header).
pub fn parse_reply(src: &Bytes, i: &[u8]) -> Result<MultipartReply, DecodeError> {
    use multipart_type as t;
    use MultipartReplyBody as B;
    let (b, (ty, flags)) = wire::run(parse_mp_header(i))?;
    let body = match ty {
        t::DESC => B::Desc(wire::whole("desc", parse_desc(b))?),
        t::FLOW => B::Flow(parse_flow_stats(src, b)?),
        t::AGGREGATE => B::Aggregate(wire::whole("aggregate reply", parse_aggregate(b))?),
        t::TABLE => B::Table(array("table_stats", 24, b, parse_table_stats)?),
        t::PORT_STATS => B::PortStats(array("port_stats", PORT_STATS_LEN, b, parse_port_stats)?),
        t::QUEUE => B::Queue(array(
            "queue_stats",
            queue::QUEUE_STATS_LEN,
            b,
            queue::parse_queue_stats,
        )?),
        t::GROUP => B::Group(group::parse_group_stats(b)?),
        t::GROUP_DESC => B::GroupDesc(group::parse_group_descs(src, b)?),
        t::GROUP_FEATURES => B::GroupFeatures(wire::whole(
            "group features",
            group::parse_group_features(b),
        )?),
        t::METER => B::Meter(meter::parse_meter_stats(b)?),
        t::METER_CONFIG => B::MeterConfig(meter::parse_meter_configs(src, b)?),
        t::METER_FEATURES => B::MeterFeatures(wire::whole(
            "meter features",
            meter::parse_meter_features(b),
        )?),
        t::TABLE_FEATURES => B::TableFeatures(table_features::parse_table_features(src, b)?),
        t::PORT_DESC => B::PortDesc(array("port desc", port::PORT_LEN, b, port::parse_port)?),
        t::EXPERIMENTER => B::Experimenter(wire::run(switch::parse_experimenter(src, b))?.1),
        other => B::Unknown {
            mp_type: other,
            body: wire::share(src, b),
        },
    };
    Ok(MultipartReply { flags, body })
}

/// Appends a MULTIPART_REPLY body.
pub fn encode_reply(r: &MultipartReply, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    encode_reply_parts(r.flags, &r.body, out)
}

/// [`encode_reply`] from flags and a borrowed body.
pub(crate) fn encode_reply_parts(
    flags: u16,
    body: &MultipartReplyBody,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    use MultipartReplyBody as B;
    put_mp_header(out, body.mp_type(), flags);
    match body {
        B::Desc(d) => encode_desc(d, out)?,
        B::Flow(list) => encode_flow_stats(list, out)?,
        B::Aggregate(a) => {
            wire::put_u64(out, a.packet_count);
            wire::put_u64(out, a.byte_count);
            wire::put_u32(out, a.flow_count);
            wire::put_zeros(out, 4);
        }
        B::Table(list) => {
            for s in list {
                out.extend_from_slice(&[s.table_id, 0, 0, 0]);
                wire::put_u32(out, s.active_count);
                wire::put_u64(out, s.lookup_count);
                wire::put_u64(out, s.matched_count);
            }
        }
        B::PortStats(list) => list.iter().for_each(|s| encode_port_stats(s, out)),
        B::Queue(list) => list.iter().for_each(|s| queue::encode_queue_stats(s, out)),
        B::Group(list) => group::encode_group_stats(list, out)?,
        B::GroupDesc(list) => group::encode_group_descs(list, out)?,
        B::GroupFeatures(f) => group::encode_group_features(f, out),
        B::Meter(list) => meter::encode_meter_stats(list, out)?,
        B::MeterConfig(list) => meter::encode_meter_configs(list, out)?,
        B::MeterFeatures(f) => meter::encode_meter_features(f, out),
        B::TableFeatures(list) => table_features::encode_table_features(list, out)?,
        B::PortDesc(list) => {
            for p in list {
                port::encode_port(p, out)?;
            }
        }
        B::Experimenter(e) => switch::encode_experimenter(e, out),
        B::Unknown { body, .. } => out.extend_from_slice(body),
    }
    Ok(())
}
