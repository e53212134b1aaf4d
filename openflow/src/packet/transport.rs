//! TCP and UDP headers (parsed with `etherparse`).

use etherparse::{TcpHeaderSlice, UdpHeaderSlice};

use super::error::PacketError;

/// TCP flag bits (the low byte of the flags field).
pub mod tcp_flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
}

/// A TCP segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tcp<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    /// FIN/SYN/RST/PSH/ACK/URG bits ([`tcp_flags`]).
    pub flags: u8,
    pub window: u16,
    pub payload: &'a [u8],
}

impl<'a> Tcp<'a> {
    pub fn parse(b: &'a [u8]) -> Result<Tcp<'a>, PacketError> {
        let h = TcpHeaderSlice::from_slice(b).map_err(|e| match e {
            etherparse::err::tcp::HeaderSliceError::Len(l) => PacketError::Truncated {
                what: "tcp",
                have: l.len,
                need: l.required_len,
            },
            etherparse::err::tcp::HeaderSliceError::Content(_) => PacketError::Malformed {
                what: "tcp",
                detail: "bad data offset",
            },
        })?;
        let hlen = h.slice().len();
        let flags = b.get(13).copied().unwrap_or(0) & 0x3f;
        Ok(Tcp {
            src_port: h.source_port(),
            dst_port: h.destination_port(),
            seq: h.sequence_number(),
            ack: h.acknowledgment_number(),
            flags,
            window: h.window_size(),
            payload: b.get(hlen..).unwrap_or(&[]),
        })
    }
}

/// A UDP datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Udp<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub payload: &'a [u8],
}

impl<'a> Udp<'a> {
    pub fn parse(b: &'a [u8]) -> Result<Udp<'a>, PacketError> {
        let h = UdpHeaderSlice::from_slice(b).map_err(|e| PacketError::Truncated {
            what: "udp",
            have: e.len,
            need: e.required_len,
        })?;
        let end = (h.length() as usize).clamp(8, b.len().max(8));
        Ok(Udp {
            src_port: h.source_port(),
            dst_port: h.destination_port(),
            payload: b.get(8..end).unwrap_or(&[]),
        })
    }
}
