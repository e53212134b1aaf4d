//! OFPT_ERROR: type and code kept raw, with the offending request's bytes.

use bytes::Bytes;

use super::wire::{fixed, sub, u16_, Put};
use crate::DecodeError;

/// OFPT_ERROR: type and code kept raw (every 1.0 value and any unknown one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error10 {
    pub err_type: u16,
    pub code: u16,
    /// Usually the first 64 bytes of the offending request.
    pub data: Bytes,
}

impl Error10 {
    pub fn parse(frame: &Bytes, body: &[u8]) -> Result<Error10, DecodeError> {
        let (data, (err_type, code)) = fixed("error", 4, body, (u16_, u16_))?;
        Ok(Error10 {
            err_type,
            code,
            data: sub(frame, data),
        })
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        out.put_u16(self.err_type);
        out.put_u16(self.code);
        out.extend_from_slice(&self.data);
    }
}
