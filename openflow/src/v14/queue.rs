//! Queues in 1.4/1.5: QUEUE_GET_CONFIG is gone; queue statistics gain a length and
//! properties, and the QUEUE_DESC multipart describes queues with properties (MIN_RATE,
//! MAX_RATE, experimenter).

use bytes::Bytes;

use super::prop::{self, Prop};
use crate::v13::{self, wire};
use crate::{DecodeError, EncodeError};

/// `ofp_queue_desc_prop_type`.
pub mod queue_desc_prop {
    pub const MIN_RATE: u16 = 1;
    pub const MAX_RATE: u16 = 2;
    pub const EXPERIMENTER: u16 = 0xffff;
}

/// `ofp_queue_stats` of 1.4/1.5: a length and 6 padding bytes, 1.3's record, properties.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueStats {
    pub base: v13::QueueStats,
    pub properties: Vec<Prop>,
}

/// The length and padding before 1.3's record.
const QUEUE_STATS_HEAD_LEN: usize = 8;

fn bad(what: &'static str) -> DecodeError {
    DecodeError::Malformed {
        what,
        detail: "length under the fixed part or past the body",
    }
}

pub fn parse_queue_stats(src: &Bytes, i: &[u8]) -> Result<Vec<QueueStats>, DecodeError> {
    let min = QUEUE_STATS_HEAD_LEN + v13::queue::QUEUE_STATS_LEN;
    let mut out = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        let (e, r) = wire::tlv_at0(rest, min, bad("queue_stats"))?;
        let (props, base) = wire::run(v13::queue::parse_queue_stats(&e[QUEUE_STATS_HEAD_LEN..]))?;
        out.push(QueueStats {
            base,
            properties: prop::parse_props(src, props, "queue_stats property")?,
        });
        rest = r;
    }
    Ok(out)
}

pub fn encode_queue_stats(list: &[QueueStats], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    for s in list {
        let start = out.len();
        wire::put_zeros(out, QUEUE_STATS_HEAD_LEN);
        v13::queue::encode_queue_stats(&s.base, out);
        prop::encode_props(&s.properties, out)?;
        wire::patch_len_since(out, start, start)?;
    }
    Ok(())
}

/// `ofp_queue_desc` (QUEUE_DESC multipart reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueDesc {
    pub port_no: u32,
    pub queue_id: u32,
    pub properties: Vec<Prop>,
}

const QUEUE_DESC_FIXED_LEN: usize = 16;

pub fn parse_queue_descs(src: &Bytes, i: &[u8]) -> Result<Vec<QueueDesc>, DecodeError> {
    let mut out = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        // The length sits at offset 8, after port_no and queue_id.
        let len = match rest.get(8..10) {
            Some(b) => u16::from_be_bytes([b[0], b[1]]) as usize,
            None => return Err(bad("queue_desc")),
        };
        if len < QUEUE_DESC_FIXED_LEN || len > rest.len() {
            return Err(bad("queue_desc"));
        }
        let (e, r) = rest.split_at(len);
        out.push(QueueDesc {
            port_no: u32::from_be_bytes([e[0], e[1], e[2], e[3]]),
            queue_id: u32::from_be_bytes([e[4], e[5], e[6], e[7]]),
            properties: prop::parse_props(src, &e[QUEUE_DESC_FIXED_LEN..], "queue_desc property")?,
        });
        rest = r;
    }
    Ok(out)
}

pub fn encode_queue_descs(list: &[QueueDesc], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    for d in list {
        let start = out.len();
        wire::put_u32(out, d.port_no);
        wire::put_u32(out, d.queue_id);
        wire::put_u16(out, 0);
        wire::put_zeros(out, 6);
        prop::encode_props(&d.properties, out)?;
        wire::patch_len_since(out, start + 8, start)?;
    }
    Ok(())
}
