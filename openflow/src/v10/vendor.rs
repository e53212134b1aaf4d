//! OFPT_VENDOR: the vendor id and its payload, kept byte for byte.

use bytes::Bytes;

use super::wire::{fixed, sub, u32_};
use crate::DecodeError;

/// Parses a VENDOR body into (vendor id, payload).
pub fn parse_vendor(frame: &Bytes, body: &[u8]) -> Result<(u32, Bytes), DecodeError> {
    let (data, vendor) = fixed("vendor", 4, body, u32_)?;
    Ok((vendor, sub(frame, data)))
}
