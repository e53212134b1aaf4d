//! SET_CONFIG / GET_CONFIG_REPLY body (`ofp_switch_config`).

use super::wire::{fixed, no_trailing, u16_, Put};
use crate::{neutral::SwitchConfig, DecodeError};

/// Parses a SET_CONFIG / GET_CONFIG_REPLY body.
pub fn parse_config(body: &[u8]) -> Result<SwitchConfig, DecodeError> {
    let (i, (flags, miss_send_len)) = fixed("switch_config", 4, body, (u16_, u16_))?;
    no_trailing("switch_config", i)?;
    Ok(SwitchConfig {
        flags,
        miss_send_len,
    })
}

pub fn write_config(c: &SwitchConfig, out: &mut Vec<u8>) {
    out.put_u16(c.flags);
    out.put_u16(c.miss_send_len);
}
