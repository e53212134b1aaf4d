//! OFPT_PACKET_IN. Decoding it allocates nothing: the frame is a `Bytes` slice.

use bytes::Bytes;

use super::wire::{fixed, pad, sub, u16_, u32_, u8_, Put};
use crate::DecodeError;

/// OFPT_PACKET_IN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketIn10 {
    /// `OFP_NO_BUFFER` (0xffffffff) when the switch did not buffer the packet.
    pub buffer_id: u32,
    pub total_len: u16,
    pub in_port: u16,
    /// `ofp_packet_in_reason`: NO_MATCH 0, ACTION 1.
    pub reason: u8,
    pub data: Bytes,
}

impl PacketIn10 {
    #[inline]
    pub fn parse(frame: &Bytes, body: &[u8]) -> Result<PacketIn10, DecodeError> {
        let (data, (buffer_id, total_len, in_port, reason, _)) =
            fixed("packet_in", 10, body, (u32_, u16_, u16_, u8_, pad(1)))?;
        Ok(PacketIn10 {
            buffer_id,
            total_len,
            in_port,
            reason,
            data: sub(frame, data),
        })
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        out.put_u32(self.buffer_id);
        out.put_u16(self.total_len);
        out.put_u16(self.in_port);
        out.put_u8(self.reason);
        out.put_zeros(1);
        out.extend_from_slice(&self.data);
    }
}
