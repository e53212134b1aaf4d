//! Port numbers in the version-neutral (32-bit, OpenFlow 1.3) space.
//!
//! OpenFlow 1.0 uses 16-bit port numbers whose reserved values (0xff00 and up) map to the
//! 1.3 reserved values (0xffffff00 and up); [`to_v10`] and [`from_v10`] convert.

/// Highest number of a physical or logical port.
pub const MAX: u32 = 0xffff_ff00;
/// Send the packet out the port it came in on.
pub const IN_PORT: u32 = 0xffff_fff8;
/// Submit the packet to the first flow table (PACKET_OUT only).
pub const TABLE: u32 = 0xffff_fff9;
/// Process with the switch's traditional forwarding.
pub const NORMAL: u32 = 0xffff_fffa;
/// Every port but the ingress port and ports with flooding disabled.
pub const FLOOD: u32 = 0xffff_fffb;
/// Every port but the ingress port.
pub const ALL: u32 = 0xffff_fffc;
/// Send to the controller.
pub const CONTROLLER: u32 = 0xffff_fffd;
/// The switch's local port.
pub const LOCAL: u32 = 0xffff_fffe;
/// Wildcard port (1.3 ANY, 1.0 NONE).
pub const ANY: u32 = 0xffff_ffff;

/// OpenFlow 1.0 value of a neutral port number, or `None` if it does not fit in 16 bits.
pub const fn to_v10(port: u32) -> Option<u16> {
    if port >= MAX {
        // Reserved: 0xffffff00..=0xffffffff maps to 0xff00..=0xffff.
        Some((port & 0xffff) as u16)
    } else if port < 0xff00 {
        Some(port as u16)
    } else {
        None
    }
}

/// Neutral value of an OpenFlow 1.0 port number.
pub const fn from_v10(port: u16) -> u32 {
    if port >= 0xff00 {
        0xffff_0000 | port as u32
    } else {
        port as u32
    }
}

/// A short name for reserved ports, as `ovs-ofctl` prints them.
pub fn name(port: u32) -> Option<&'static str> {
    Some(match port {
        IN_PORT => "IN_PORT",
        TABLE => "TABLE",
        NORMAL => "NORMAL",
        FLOOD => "FLOOD",
        ALL => "ALL",
        CONTROLLER => "CONTROLLER",
        LOCAL => "LOCAL",
        ANY => "ANY",
        _ => return None,
    })
}

/// Formats a port number the way `ovs-ofctl` does (`3`, `CONTROLLER`, `LOCAL`…).
pub fn display(port: u32) -> String {
    match name(port) {
        Some(n) => n.to_string(),
        None => port.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v10_mapping() {
        assert_eq!(to_v10(FLOOD), Some(0xfffb));
        assert_eq!(from_v10(0xfffd), CONTROLLER);
        assert_eq!(from_v10(7), 7);
        assert_eq!(to_v10(7), Some(7));
        assert_eq!(to_v10(0x1_0000), None);
        assert_eq!(from_v10(0xffff), ANY);
    }
}
