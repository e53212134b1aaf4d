//! `ofp_phy_port` (48 bytes), PORT_STATUS and PORT_MOD.

use super::wire::{array, fixed, mac, no_trailing, pad, u16_, u32_, u8_, Put};
use crate::{DecodeError, MacAddr};

/// Length of `ofp_phy_port`.
pub const PHY_PORT_LEN: usize = 48;
/// `OFP_MAX_PORT_NAME_LEN`.
pub const PORT_NAME_LEN: usize = 16;

/// `ofp_phy_port`. The name is kept as its 16 raw bytes so a port re-encodes exactly.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhyPort {
    pub port_no: u16,
    pub hw_addr: MacAddr,
    pub name: [u8; PORT_NAME_LEN],
    pub config: u32,
    pub state: u32,
    pub curr: u32,
    pub advertised: u32,
    pub supported: u32,
    pub peer: u32,
}

impl PhyPort {
    /// The name up to its first NUL.
    pub fn name_str(&self) -> String {
        super::wire::c_string(&self.name)
    }

    /// A NUL-padded name field, or `None` if `name` needs more than 15 bytes.
    pub fn name_field(name: &str) -> Option<[u8; PORT_NAME_LEN]> {
        let b = name.as_bytes();
        if b.len() >= PORT_NAME_LEN {
            return None;
        }
        let mut out = [0u8; PORT_NAME_LEN];
        out[..b.len()].copy_from_slice(b);
        Some(out)
    }

    /// Parses one port from the front of `i`.
    pub fn parse(i: &[u8]) -> Result<(&[u8], PhyPort), DecodeError> {
        let (i, (port_no, hw_addr, name, config, state, curr, advertised, supported, peer)) =
            fixed(
                "ofp_phy_port",
                PHY_PORT_LEN,
                i,
                (
                    u16_,
                    mac,
                    array::<PORT_NAME_LEN>,
                    u32_,
                    u32_,
                    u32_,
                    u32_,
                    u32_,
                    u32_,
                ),
            )?;
        Ok((
            i,
            PhyPort {
                port_no,
                hw_addr,
                name,
                config,
                state,
                curr,
                advertised,
                supported,
                peer,
            },
        ))
    }

    /// Parses a whole list of ports (the slice must be a multiple of 48 bytes).
    pub fn parse_list(mut i: &[u8]) -> Result<Vec<PhyPort>, DecodeError> {
        if !i.len().is_multiple_of(PHY_PORT_LEN) {
            return Err(DecodeError::Malformed {
                what: "port list",
                detail: "length is not a multiple of 48",
            });
        }
        let mut out = Vec::with_capacity(i.len() / PHY_PORT_LEN);
        while !i.is_empty() {
            let (rest, p) = PhyPort::parse(i)?;
            out.push(p);
            i = rest;
        }
        Ok(out)
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        out.put_u16(self.port_no);
        out.put_mac(self.hw_addr);
        out.extend_from_slice(&self.name);
        for v in [
            self.config,
            self.state,
            self.curr,
            self.advertised,
            self.supported,
            self.peer,
        ] {
            out.put_u32(v);
        }
    }
}

/// OFPT_PORT_STATUS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortStatus10 {
    /// `ofp_port_reason`: ADD 0, DELETE 1, MODIFY 2.
    pub reason: u8,
    pub desc: PhyPort,
}

impl PortStatus10 {
    pub fn parse(body: &[u8]) -> Result<PortStatus10, DecodeError> {
        let (i, (reason, _)) = fixed("port_status", 8 + PHY_PORT_LEN, body, (u8_, pad(7)))?;
        let (i, desc) = PhyPort::parse(i)?;
        no_trailing("port_status", i)?;
        Ok(PortStatus10 { reason, desc })
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        out.put_u8(self.reason);
        out.put_zeros(7);
        self.desc.write(out);
    }
}

/// OFPT_PORT_MOD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortMod10 {
    pub port_no: u16,
    pub hw_addr: MacAddr,
    pub config: u32,
    pub mask: u32,
    pub advertise: u32,
}

impl PortMod10 {
    pub fn parse(body: &[u8]) -> Result<PortMod10, DecodeError> {
        let (i, (port_no, hw_addr, config, mask, advertise, _)) =
            fixed("port_mod", 24, body, (u16_, mac, u32_, u32_, u32_, pad(4)))?;
        no_trailing("port_mod", i)?;
        Ok(PortMod10 {
            port_no,
            hw_addr,
            config,
            mask,
            advertise,
        })
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        out.put_u16(self.port_no);
        out.put_mac(self.hw_addr);
        out.put_u32(self.config);
        out.put_u32(self.mask);
        out.put_u32(self.advertise);
        out.put_zeros(4);
    }
}
