//! Version-neutral actions (the OpenFlow 1.3 action set). OpenFlow 1.0 actions live in
//! [`crate::v10`] and convert to and from these; the 1.3 wire codec is in [`crate::v13`].

use std::fmt;

use bytes::Bytes;

use crate::oxm::OxmField;

/// `ofp_controller_max_len`: send the whole packet to the controller.
pub const CONTROLLER_NO_BUFFER: u16 = 0xffff;

/// One action.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Action {
    /// Output to a port; `max_len` bytes go to the controller when `port` is CONTROLLER.
    Output {
        port: u32,
        max_len: u16,
    },
    CopyTtlOut,
    CopyTtlIn,
    SetMplsTtl(u8),
    DecMplsTtl,
    PushVlan(u16),
    PopVlan,
    PushMpls(u16),
    PopMpls(u16),
    SetQueue(u32),
    Group(u32),
    SetNwTtl(u8),
    DecNwTtl,
    SetField(OxmField),
    PushPbb(u16),
    PopPbb,
    /// An experimenter (1.0: vendor) action; `data` follows the experimenter id, padding
    /// included, byte for byte.
    Experimenter {
        experimenter: u32,
        data: Bytes,
    },
    /// An action type Viola does not know; `data` follows the 4-byte type/len header.
    Unknown {
        action_type: u16,
        data: Bytes,
    },
}

impl Action {
    /// Output to `port` (whole packet to the controller if `port` is CONTROLLER).
    pub fn output(port: u32) -> Action {
        Action::Output {
            port,
            max_len: CONTROLLER_NO_BUFFER,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Action::*;
        match self {
            Output { port, max_len } => {
                if *port == crate::port::CONTROLLER {
                    write!(f, "CONTROLLER:{max_len}")
                } else {
                    write!(f, "output:{}", crate::port::display(*port))
                }
            }
            CopyTtlOut => f.write_str("copy_ttl_out"),
            CopyTtlIn => f.write_str("copy_ttl_in"),
            SetMplsTtl(t) => write!(f, "set_mpls_ttl({t})"),
            DecMplsTtl => f.write_str("dec_mpls_ttl"),
            PushVlan(t) => write!(f, "push_vlan:0x{t:04x}"),
            PopVlan => f.write_str("pop_vlan"),
            PushMpls(t) => write!(f, "push_mpls:0x{t:04x}"),
            PopMpls(t) => write!(f, "pop_mpls:0x{t:04x}"),
            SetQueue(q) => write!(f, "set_queue:{q}"),
            Group(g) => write!(f, "group:{g}"),
            SetNwTtl(t) => write!(f, "mod_nw_ttl:{t}"),
            DecNwTtl => f.write_str("dec_ttl"),
            SetField(x) => {
                // Nicira fields by their ovs-ofctl keyword (`set_field:0x1->reg1`); other
                // untyped experimenter fields whole.
                let s = match (crate::nx::NxMatch::from_oxm(x), x) {
                    (Some(n), _) => n.to_string(),
                    (None, OxmField::Other { .. }) => return write!(f, "set_field:{x}"),
                    (None, _) => x.to_string(),
                };
                match s.split_once('=') {
                    Some((k, v)) => write!(f, "set_field:{v}->{k}"),
                    None => write!(f, "set_field:{s}"),
                }
            }
            PushPbb(t) => write!(f, "push_pbb:0x{t:04x}"),
            PopPbb => f.write_str("pop_pbb"),
            Experimenter { experimenter, data } => match crate::nx::NxAction::from_action(self) {
                Some(nx) => write!(f, "{nx}"),
                None => write!(f, "experimenter(0x{experimenter:08x},{} bytes)", data.len()),
            },
            Unknown { action_type, data } => {
                if let Some(m) = crate::v15::action::meter_id(self) {
                    return write!(f, "meter:{m}");
                }
                if let Some(c) = crate::v15::action::CopyField::from_action(self) {
                    let id = |x: &crate::v13::OxmId| format!("0x{:04x}/{}", x.class, x.field);
                    return write!(
                        f,
                        "copy_field:{}:{}[{}]->{}[{}]",
                        c.n_bits,
                        id(&c.src),
                        c.src_offset,
                        id(&c.dst),
                        c.dst_offset
                    );
                }
                write!(f, "action(type=0x{action_type:04x},{} bytes)", data.len())
            }
        }
    }
}

/// Formats a list of actions the way `ovs-ofctl` does (`actions=output:1,output:2`, or
/// `drop` for none).
pub struct DisplayActions<'a>(pub &'a [Action]);

impl fmt::Display for DisplayActions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("drop");
        }
        for (i, a) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}
