//! OFPT_PACKET_OUT.

use bytes::Bytes;

use super::action::Action10;
use super::wire::{fixed, patch_u16, split, sub, u16_, u32_, Put};
use crate::{DecodeError, EncodeError};

/// OFPT_PACKET_OUT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketOut10 {
    /// `OFP_NO_BUFFER` (0xffffffff) when `data` carries the frame.
    pub buffer_id: u32,
    pub in_port: u16,
    pub actions: Vec<Action10>,
    pub data: Bytes,
}

impl PacketOut10 {
    pub fn parse(frame: &Bytes, body: &[u8]) -> Result<PacketOut10, DecodeError> {
        let (i, (buffer_id, in_port, actions_len)) =
            fixed("packet_out", 8, body, (u32_, u16_, u16_))?;
        let (list, data) = split("packet_out actions", i, actions_len as usize)?;
        let actions = Action10::parse_list(frame, list)?;
        Ok(PacketOut10 {
            buffer_id,
            in_port,
            actions,
            data: sub(frame, data),
        })
    }

    pub fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.write_with(out, &self.data, |out| {
            Action10::write_list(&self.actions, out).map(|_| ())
        })
    }

    /// Writes the fixed fields, the actions `actions` writes and `data` (`self.actions`
    /// and `self.data` are ignored).
    pub fn write_with(
        &self,
        out: &mut Vec<u8>,
        data: &[u8],
        actions: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
    ) -> Result<(), EncodeError> {
        out.put_u32(self.buffer_id);
        out.put_u16(self.in_port);
        let len_at = out.len();
        out.put_u16(0);
        let start = out.len();
        actions(out)?;
        let n = out.len() - start;
        let n = u16::try_from(n).map_err(|_| EncodeError::TooLong(n))?;
        patch_u16(out, len_at, n);
        out.extend_from_slice(data);
        Ok(())
    }
}
