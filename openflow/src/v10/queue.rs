//! OFPT_QUEUE_GET_CONFIG_REQUEST / _REPLY (`ofp_packet_queue`, queue properties).

use bytes::Bytes;

use super::wire::{fixed, no_trailing, pad, patch_u16, split, sub, u16_, u32_, Put};
use crate::{DecodeError, EncodeError};

/// `OFPQT_MIN_RATE`.
pub const QUEUE_PROP_MIN_RATE: u16 = 0x0001;

/// One queue property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueProp {
    /// Minimum rate in 1/10 of a percent (> 1000: disabled).
    MinRate(u16),
    /// Any other property; `data` follows the 8-byte property header.
    Other { property: u16, data: Bytes },
}

/// `ofp_packet_queue`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketQueue {
    pub queue_id: u32,
    pub properties: Vec<QueueProp>,
}

/// OFPT_QUEUE_GET_CONFIG_REPLY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConfigReply {
    pub port: u16,
    pub queues: Vec<PacketQueue>,
}

/// Parses the request body (port + 2 pad bytes).
pub fn parse_request(body: &[u8]) -> Result<u16, DecodeError> {
    let (i, (port, _)) = fixed("queue_get_config_request", 4, body, (u16_, pad(2)))?;
    no_trailing("queue_get_config_request", i)?;
    Ok(port)
}

pub fn write_request(port: u16, out: &mut Vec<u8>) {
    out.put_u16(port);
    out.put_zeros(2);
}

impl QueueConfigReply {
    pub fn parse(frame: &Bytes, body: &[u8]) -> Result<QueueConfigReply, DecodeError> {
        let (mut i, (port, _)) = fixed("queue_get_config_reply", 8, body, (u16_, pad(6)))?;
        let mut queues = Vec::new();
        while !i.is_empty() {
            let (_, (queue_id, len)) = fixed("ofp_packet_queue", 8, i, (u32_, u16_))?;
            if (len as usize) < 8 {
                return Err(DecodeError::Malformed {
                    what: "ofp_packet_queue",
                    detail: "length under 8",
                });
            }
            let (q, rest) = split("ofp_packet_queue", i, len as usize)?;
            let mut props = q.get(8..).unwrap_or(&[]);
            let mut properties = Vec::new();
            while !props.is_empty() {
                let (_, (property, plen)) = fixed("queue property", 8, props, (u16_, u16_))?;
                if (plen as usize) < 8 {
                    return Err(DecodeError::Malformed {
                        what: "queue property",
                        detail: "length under 8",
                    });
                }
                let (p, prest) = split("queue property", props, plen as usize)?;
                let pbody = p.get(8..).unwrap_or(&[]);
                properties.push(match property {
                    QUEUE_PROP_MIN_RATE if p.len() == 16 => {
                        QueueProp::MinRate(fixed("min_rate", 2, pbody, u16_)?.1)
                    }
                    _ => QueueProp::Other {
                        property,
                        data: sub(frame, pbody),
                    },
                });
                props = prest;
            }
            queues.push(PacketQueue {
                queue_id,
                properties,
            });
            i = rest;
        }
        Ok(QueueConfigReply { port, queues })
    }

    pub fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put_u16(self.port);
        out.put_zeros(6);
        for q in &self.queues {
            let start = out.len();
            out.put_u32(q.queue_id);
            out.put_u16(0);
            out.put_zeros(2);
            for p in &q.properties {
                match p {
                    QueueProp::MinRate(rate) => {
                        out.put_u16(QUEUE_PROP_MIN_RATE);
                        out.put_u16(16);
                        out.put_zeros(4);
                        out.put_u16(*rate);
                        out.put_zeros(6);
                    }
                    QueueProp::Other { property, data } => {
                        let len = u16::try_from(8 + data.len())
                            .map_err(|_| EncodeError::TooLong(8 + data.len()))?;
                        out.put_u16(*property);
                        out.put_u16(len);
                        out.put_zeros(4);
                        out.extend_from_slice(data);
                    }
                }
            }
            let qlen = out.len() - start;
            let qlen16 = u16::try_from(qlen).map_err(|_| EncodeError::TooLong(qlen))?;
            patch_u16(out, start + 4, qlen16);
        }
        Ok(())
    }
}
