//! `ofp_port` (64 bytes), PORT_STATUS and PORT_MOD.

use super::wire::{self, need, pad, u32_, u8_, Res};
use crate::neutral::{PortInfo, PortStatus};
use crate::{EncodeError, MacAddr};

/// Length of `ofp_port`.
pub const PORT_LEN: usize = 64;
/// `OFP_MAX_PORT_NAME_LEN`.
pub const PORT_NAME_LEN: usize = 16;

/// The head of `ofp_port` that 1.3 to 1.5 share: port, 4 bytes (padding in 1.3, length
/// and padding in 1.4/1.5), address, name, config, state.
pub(crate) fn parse_port_head(i: &[u8]) -> Res<'_, (u32, MacAddr, String, u32, u32)> {
    let (i, port_no) = u32_(i)?;
    let (i, _) = pad(i, 4)?;
    let (i, hw_addr) = wire::mac(i)?;
    let (i, _) = pad(i, 2)?;
    let (i, name) = wire::fixed_str(i, PORT_NAME_LEN)?;
    let (i, config) = u32_(i)?;
    let (i, state) = u32_(i)?;
    Ok((i, (port_no, hw_addr, name, config, state)))
}

/// Parses one `ofp_port`.
pub fn parse_port(i: &[u8]) -> Res<'_, PortInfo> {
    let (i, _) = need(i, "ofp_port", PORT_LEN)?;
    let (i, (port_no, hw_addr, name, config, state)) = parse_port_head(i)?;
    let (i, curr) = u32_(i)?;
    let (i, advertised) = u32_(i)?;
    let (i, supported) = u32_(i)?;
    let (i, peer) = u32_(i)?;
    let (i, curr_speed) = u32_(i)?;
    let (i, max_speed) = u32_(i)?;
    let p = PortInfo {
        port_no,
        hw_addr,
        name,
        config,
        state,
        curr,
        advertised,
        supported,
        peer,
        curr_speed,
        max_speed,
    };
    Ok((i, p))
}

/// curr, advertised, supported, peer, curr_speed, max_speed: the tail of 1.3's `ofp_port`
/// and the body of 1.4's ETHERNET port property.
pub(crate) fn ethernet_words(p: &PortInfo) -> [u32; 6] {
    [
        p.curr,
        p.advertised,
        p.supported,
        p.peer,
        p.curr_speed,
        p.max_speed,
    ]
}

/// Appends one `ofp_port`.
pub fn encode_port(p: &PortInfo, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    wire::put_u32(out, p.port_no);
    wire::put_zeros(out, 4);
    out.extend_from_slice(&p.hw_addr.0);
    wire::put_zeros(out, 2);
    wire::put_fixed_str(out, &p.name, PORT_NAME_LEN)?;
    for v in [p.config, p.state].into_iter().chain(ethernet_words(p)) {
        wire::put_u32(out, v);
    }
    Ok(())
}

/// PORT_STATUS body: `reason, pad[7], ofp_port`.
pub fn parse_port_status(i: &[u8]) -> Res<'_, PortStatus> {
    let (i, _) = need(i, "port_status", 8 + PORT_LEN)?;
    let (i, reason) = u8_(i)?;
    let (i, _) = pad(i, 7)?;
    let (i, port) = parse_port(i)?;
    Ok((i, PortStatus { reason, port }))
}

pub fn encode_port_status(s: &PortStatus, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    out.push(s.reason);
    wire::put_zeros(out, 7);
    encode_port(&s.port, out)
}

/// PORT_MOD (`ofp_port_mod`): change a port's config bits selected by `mask`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortMod {
    pub port_no: u32,
    /// Must be the port's address (a sanity check the switch performs).
    pub hw_addr: MacAddr,
    pub config: u32,
    pub mask: u32,
    /// Features to advertise; 0 leaves them unchanged.
    pub advertise: u32,
}

/// Length of the PORT_MOD body.
pub const PORT_MOD_BODY_LEN: usize = 32;

/// PORT_MOD's head, the same in 1.3 to 1.5: port, address, config, mask.
pub(crate) fn parse_port_mod_head(i: &[u8]) -> Res<'_, (u32, MacAddr, u32, u32)> {
    let (i, port_no) = u32_(i)?;
    let (i, _) = pad(i, 4)?;
    let (i, hw_addr) = wire::mac(i)?;
    let (i, _) = pad(i, 2)?;
    let (i, config) = u32_(i)?;
    let (i, mask) = u32_(i)?;
    Ok((i, (port_no, hw_addr, config, mask)))
}

pub fn parse_port_mod(i: &[u8]) -> Res<'_, PortMod> {
    let (i, _) = need(i, "port_mod", PORT_MOD_BODY_LEN)?;
    let (i, (port_no, hw_addr, config, mask)) = parse_port_mod_head(i)?;
    let (i, advertise) = u32_(i)?;
    let (i, _) = pad(i, 4)?;
    Ok((
        i,
        PortMod {
            port_no,
            hw_addr,
            config,
            mask,
            advertise,
        },
    ))
}

/// Writes what [`parse_port_mod_head`] reads.
pub(crate) fn put_port_mod_head(out: &mut Vec<u8>, port_no: u32, hw_addr: MacAddr, cm: [u32; 2]) {
    wire::put_u32(out, port_no);
    wire::put_zeros(out, 4);
    out.extend_from_slice(&hw_addr.0);
    wire::put_zeros(out, 2);
    cm.iter().for_each(|v| wire::put_u32(out, *v));
}

pub fn encode_port_mod(p: &PortMod, out: &mut Vec<u8>) {
    put_port_mod_head(out, p.port_no, p.hw_addr, [p.config, p.mask]);
    wire::put_u32(out, p.advertise);
    wire::put_zeros(out, 4);
}
