//! QUEUE_GET_CONFIG request/reply (`ofp_packet_queue`, queue properties) and queue stats.

use bytes::Bytes;

use super::wire::{self, need, pad, u32_, u64_, Res};
use crate::{DecodeError, EncodeError};

/// `ofp_queue_properties`.
pub mod queue_prop {
    pub const MIN_RATE: u16 = 0x0001;
    pub const MAX_RATE: u16 = 0x0002;
    pub const EXPERIMENTER: u16 = 0xffff;
}

/// One queue property. Rates are in 1/10 of a percent; > 1000 means disabled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueProp {
    MinRate(u16),
    MaxRate(u16),
    /// `data` follows the experimenter id and its 4 padding bytes.
    Experimenter {
        experimenter: u32,
        data: Bytes,
    },
    /// A property Viola does not know; `data` follows the 8-byte property header.
    Unknown {
        property: u16,
        data: Bytes,
    },
}

/// `ofp_packet_queue`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketQueue {
    pub queue_id: u32,
    pub port: u32,
    pub properties: Vec<QueueProp>,
}

/// QUEUE_GET_CONFIG_REPLY body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueGetConfigReply {
    pub port: u32,
    pub queues: Vec<PacketQueue>,
}

fn bad(what: &'static str) -> DecodeError {
    DecodeError::Malformed {
        what,
        detail: "length",
    }
}

fn parse_props(src: &Bytes, i: &[u8]) -> Result<Vec<QueueProp>, DecodeError> {
    let mut out = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        let (p, r) = wire::tlv_at2(rest, 8, bad("queue property"))?;
        let ty = u16::from_be_bytes([p[0], p[1]]);
        let body = &p[8..];
        let prop = match ty {
            queue_prop::MIN_RATE | queue_prop::MAX_RATE => {
                if p.len() != 16 {
                    return Err(bad("queue rate property"));
                }
                let rate = u16::from_be_bytes([body[0], body[1]]);
                if ty == queue_prop::MIN_RATE {
                    QueueProp::MinRate(rate)
                } else {
                    QueueProp::MaxRate(rate)
                }
            }
            queue_prop::EXPERIMENTER => {
                if p.len() < 16 {
                    return Err(bad("queue experimenter property"));
                }
                let e = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
                QueueProp::Experimenter {
                    experimenter: e,
                    data: wire::share(src, &body[8..]),
                }
            }
            other => QueueProp::Unknown {
                property: other,
                data: wire::share(src, body),
            },
        };
        out.push(prop);
        rest = r;
    }
    Ok(out)
}

fn encode_props(list: &[QueueProp], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    for p in list {
        let start = out.len();
        let ty = match p {
            QueueProp::MinRate(_) => queue_prop::MIN_RATE,
            QueueProp::MaxRate(_) => queue_prop::MAX_RATE,
            QueueProp::Experimenter { .. } => queue_prop::EXPERIMENTER,
            QueueProp::Unknown { property, .. } => *property,
        };
        wire::put_u16(out, ty);
        wire::put_u16(out, 0);
        wire::put_zeros(out, 4);
        match p {
            QueueProp::MinRate(r) | QueueProp::MaxRate(r) => {
                wire::put_u16(out, *r);
                wire::put_zeros(out, 6);
            }
            QueueProp::Experimenter { experimenter, data } => {
                wire::put_u32(out, *experimenter);
                wire::put_zeros(out, 4);
                out.extend_from_slice(data);
            }
            QueueProp::Unknown { data, .. } => out.extend_from_slice(data),
        }
        let len = out.len() - start;
        wire::patch_len16(out, start + 2, len)?;
    }
    Ok(())
}

/// QUEUE_GET_CONFIG_REQUEST body: `port, pad[4]`.
pub fn parse_request(i: &[u8]) -> Res<'_, u32> {
    let (i, _) = need(i, "queue_get_config_request", 8)?;
    let (i, port) = u32_(i)?;
    let (i, _) = pad(i, 4)?;
    Ok((i, port))
}

pub fn encode_request(port: u32, out: &mut Vec<u8>) {
    wire::put_u32(out, port);
    wire::put_zeros(out, 4);
}

pub fn parse_reply(src: &Bytes, i: &[u8]) -> Result<QueueGetConfigReply, DecodeError> {
    let (mut rest, port) = wire::run(parse_request(i))?;
    let mut queues = Vec::new();
    while !rest.is_empty() {
        // `len` sits at offset 8 of `ofp_packet_queue`.
        let len = match rest {
            [_, _, _, _, _, _, _, _, a, b, ..] => u16::from_be_bytes([*a, *b]) as usize,
            _ => return Err(bad("packet_queue")),
        };
        if len < 16 || len > rest.len() {
            return Err(bad("packet_queue"));
        }
        let (q, r) = rest.split_at(len);
        let queue_id = u32::from_be_bytes([q[0], q[1], q[2], q[3]]);
        let qport = u32::from_be_bytes([q[4], q[5], q[6], q[7]]);
        let properties = parse_props(src, &q[16..])?;
        queues.push(PacketQueue {
            queue_id,
            port: qport,
            properties,
        });
        rest = r;
    }
    Ok(QueueGetConfigReply { port, queues })
}

pub fn encode_reply(r: &QueueGetConfigReply, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    encode_request(r.port, out);
    for q in &r.queues {
        let start = out.len();
        wire::put_u32(out, q.queue_id);
        wire::put_u32(out, q.port);
        wire::put_u16(out, 0);
        wire::put_zeros(out, 6);
        encode_props(&q.properties, out)?;
        let len = out.len() - start;
        wire::patch_len16(out, start + 8, len)?;
    }
    Ok(())
}

/// `ofp_queue_stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueStats {
    pub port_no: u32,
    pub queue_id: u32,
    pub tx_bytes: u64,
    pub tx_packets: u64,
    pub tx_errors: u64,
    pub duration_sec: u32,
    pub duration_nsec: u32,
}

/// Length of `ofp_queue_stats`.
pub const QUEUE_STATS_LEN: usize = 40;

pub fn parse_queue_stats(i: &[u8]) -> Res<'_, QueueStats> {
    let (i, _) = need(i, "queue_stats", QUEUE_STATS_LEN)?;
    let (i, port_no) = u32_(i)?;
    let (i, queue_id) = u32_(i)?;
    let (i, tx_bytes) = u64_(i)?;
    let (i, tx_packets) = u64_(i)?;
    let (i, tx_errors) = u64_(i)?;
    let (i, duration_sec) = u32_(i)?;
    let (i, duration_nsec) = u32_(i)?;
    let s = QueueStats {
        port_no,
        queue_id,
        tx_bytes,
        tx_packets,
        tx_errors,
        duration_sec,
        duration_nsec,
    };
    Ok((i, s))
}

pub fn encode_queue_stats(s: &QueueStats, out: &mut Vec<u8>) {
    wire::put_u32(out, s.port_no);
    wire::put_u32(out, s.queue_id);
    wire::put_u64(out, s.tx_bytes);
    wire::put_u64(out, s.tx_packets);
    wire::put_u64(out, s.tx_errors);
    wire::put_u32(out, s.duration_sec);
    wire::put_u32(out, s.duration_nsec);
}
